//! Input hygiene over every command route (issue 11, item 9): hostile bodies, paths and media
//! types are refused with problem+json, never a 5xx, and nothing is stored — on both stores.

use serde_json::{json, Value};

use crate::helpers::*;

/// Every event in the store, counted stream by stream.
async fn events_stored(app: &TestApp) -> u64 {
    let mut total = 0;
    for stream in app.state.store().streams().await.unwrap() {
        total += app
            .version(&stream.aggregate_type, &stream.aggregate_id)
            .await;
    }
    total
}

/// The id to put in a route's path parameters: a real call or project where the route is about
/// one, so the request reaches as far as it can.
fn concrete(path: &str, call: &str, project: &str) -> String {
    let id = if path.starts_with("/v1/challenges/") {
        call
    } else if path.starts_with("/v1/projects/") {
        project
    } else {
        "00000000-0000-4000-8000-000000000001"
    };
    let mut out = String::new();
    let mut rest = path;
    while let Some(start) = rest.find('{') {
        out.push_str(&rest[..start]);
        let end = rest[start..]
            .find('}')
            .map(|e| start + e + 1)
            .unwrap_or(rest.len());
        let name = &rest[start..end];
        out.push_str(if name == "{org}" { orgs::ENT_A } else { id });
        rest = &rest[end..];
    }
    out.push_str(rest);
    out
}

/// Bodies every command route must refuse before anything runs, with the status expected.
fn hostile_bodies() -> Vec<(&'static str, Value, u16)> {
    vec![
        (
            "NUL in a short text",
            json!({"title": "光刻胶\u{0}", "reason": "ok", "amount_fen": 1}),
            422,
        ),
        (
            "escape sequence in a long text",
            json!({"reason": "see \u{1b}[31mred", "title": "t"}),
            422,
        ),
        (
            "newline in a short text",
            json!({"title": "two\nlines"}),
            422,
        ),
        (
            "a date with a two-digit year",
            json!({"due_on": "27-03-01", "closes_on": "27-03-01", "title": "t"}),
            422,
        ),
        (
            "a title longer than the contract allows",
            json!({"title": "长".repeat(501)}),
            422,
        ),
        (
            "NUL in a nested member name",
            json!({"members": [{"org": orgs::ENT_A, "name": "A\u{0}"}]}),
            422,
        ),
    ]
}

async fn hostile_inputs_are_refused_and_store_nothing(backend: Backend) {
    let app = spawn_app(backend).await;
    let call = published_challenge(&app, json!({})).await;
    seed_funded_project(&app, "p-hygiene", orgs::LEAD, &[orgs::ENT_A], 1_000_000).await;
    let officer = app.officer();
    let before = events_stored(&app).await;

    let commands: Vec<(&str, &str)> = api::route_table()
        .into_iter()
        .filter(|(m, _)| matches!(*m, "post" | "put" | "patch" | "delete"))
        .collect();
    assert!(
        commands.len() > 40,
        "only {} command routes",
        commands.len()
    );
    let mut tried = 0;
    for (method, path) in &commands {
        let url = concrete(path, &call, "p-hygiene");
        let method = method.to_uppercase();
        if path.ends_with("/attachments") {
            // Attachments are raw bytes, checked by their own media-type rules.
            continue;
        }
        for (what, body, status) in hostile_bodies() {
            let r = app
                .send(&method, &url, Some(&officer), Some(&body), &[])
                .await;
            assert_eq!(r.status, status, "{method} {url}, {what}: {:?}", r.body);
            assert_eq!(
                r.headers["content-type"], "application/problem+json",
                "{method} {url}, {what}"
            );
            tried += 1;
        }
        // A media type that only starts like JSON.
        let r = raw(&app, &method, &url, &officer, "application/jsonx", "{}").await;
        assert_eq!(r.0, 415, "{method} {url} as application/jsonx");
        // No media type at all.
        let r = raw(&app, &method, &url, &officer, "", "{}").await;
        assert_eq!(r.0, 415, "{method} {url} without a media type");
        // Not JSON.
        let r = raw(&app, &method, &url, &officer, "application/json", "{\"a\":").await;
        assert_eq!(r.0, 400, "{method} {url} with broken JSON");
        // Nested past any sane depth.
        let deep = format!("{}{}", "[".repeat(5000), "]".repeat(5000));
        let r = raw(&app, &method, &url, &officer, "application/json", &deep).await;
        assert_eq!(r.0, 400, "{method} {url} nested 5000 deep");
        // A NUL in the path.
        let nul = url.replacen("/v1/", "/v1/%00", 1);
        let r = raw(&app, &method, &nul, &officer, "application/json", "{}").await;
        assert!(r.0 < 500, "{method} {nul}: {}", r.0);
        tried += 5;
    }
    // Over the body limit: a problem, not plain text.
    let huge = format!("{{\"title\": \"{}\"}}", "x".repeat(70 * 1024));
    let r = raw(
        &app,
        "POST",
        "/v1/challenges",
        &officer,
        "application/json",
        &huge,
    )
    .await;
    assert_eq!(r.0, 413);
    assert_eq!(r.1, "application/problem+json");
    let mut attachment = b"%PDF-".to_vec();
    // One byte over the 10 MB an attachment may have.
    attachment.resize(10 * 1024 * 1024 + 1, b'x');
    let res = reqwest::Client::new()
        .post(format!("{}/v1/bids/none/attachments?name=a.pdf", app.url))
        .bearer_auth(app.applicant(orgs::ENT_A))
        .header("content-type", "application/pdf")
        .body(attachment)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status().as_u16(), 413);
    assert_eq!(res.headers()["content-type"], "application/problem+json");
    // Queries: control characters and loose dates.
    let r = app.get("/v1/challenges?status=%00", &officer).await;
    r.problem(400, "invalid_characters");
    let r = app
        .get(
            &format!("/v1/audit/streams/challenge/{call}/state?at=27-03-01"),
            &officer,
        )
        .await;
    assert!(r.status == 400, "loose date in a query: {}", r.status);

    assert!(tried > 400, "only {tried} hostile requests");
    assert_eq!(
        events_stored(&app).await,
        before,
        "a hostile request stored an event"
    );
    // A clean request still works afterwards.
    let r = app
        .post("/v1/challenges", &officer, challenge_draft(json!({})))
        .await;
    r.expect(201);
}
both_backends!(hostile_inputs_are_refused_and_store_nothing);

/// Long texts may hold newlines and tabs; they are stored as sent.
async fn long_texts_keep_newlines(backend: Backend) {
    let app = spawn_app(backend).await;
    let call = published_challenge(&app, json!({})).await;
    let officer = app.officer();
    let r = app
        .post(
            &format!("/v1/challenges/{call}/amend"),
            &officer,
            json!({"reason": "第一行\n\t第二行", "title": "高分辨率光刻胶国产替代（修订）"}),
        )
        .await;
    r.expect(200);
    let events = app
        .get(
            &format!("/v1/audit/streams/challenge/{call}/events"),
            &app.auditor(),
        )
        .await;
    assert!(
        events
            .expect(200)
            .to_string()
            .contains("第一行\\n\\t第二行"),
        "the reason was not stored as sent: {}",
        events.body
    );
}
both_backends!(long_texts_keep_newlines);

/// A request with `content_type` (none when empty) and a raw `body`: (status, content type).
async fn raw(
    app: &TestApp,
    method: &str,
    path: &str,
    token: &str,
    content_type: &str,
    body: &str,
) -> (u16, String) {
    let method = reqwest::Method::from_bytes(method.as_bytes()).unwrap();
    let mut req = reqwest::Client::new()
        .request(method, format!("{}{path}", app.url))
        .bearer_auth(token)
        .body(body.to_string());
    if !content_type.is_empty() {
        req = req.header("content-type", content_type);
    }
    let res = req.send().await.unwrap();
    let status = res.status().as_u16();
    let ct = res
        .headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_string();
    (status, ct)
}
