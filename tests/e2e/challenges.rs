use serde_json::json;

use crate::helpers::{challenge_draft, orgs, spawn_app, Backend};

async fn an_officer_drafts_publishes_amends_and_closes_a_call(backend: Backend) {
    let app = spawn_app(backend).await;
    let officer = app.officer();
    let applicant = app.applicant(orgs::ENT_A);

    let created = app
        .post("/v1/challenges", &officer, challenge_draft(json!({})))
        .await;
    let body = created.expect(201).clone();
    let id = body["id"].as_str().unwrap().to_string();
    assert_eq!(body["status"], "draft");
    assert_eq!(body["version"], 1);
    assert_eq!(body["budget_cap_fen"], 300000000);
    assert_eq!(created.etag(), "1");
    assert_eq!(
        created.headers.get("location").unwrap().to_str().unwrap(),
        format!("/v1/challenges/{id}")
    );

    // Drafts are the bureau's: an applicant neither sees nor lists them.
    app.get(&format!("/v1/challenges/{id}"), &applicant)
        .await
        .problem(404, "not_found");
    let listed = app.get("/v1/challenges", &applicant).await;
    assert_eq!(listed.expect(200)["items"].as_array().unwrap().len(), 0);

    let published = app
        .send(
            "POST",
            &format!("/v1/challenges/{id}/publish"),
            Some(&officer),
            None,
            &[("If-Match", "\"1\"")],
        )
        .await;
    assert_eq!(published.expect(200)["status"], "published");
    assert_eq!(published.body["published_on"], "2027-01-10");

    let amended = app
        .post(
            &format!("/v1/challenges/{id}/amend"),
            &officer,
            json!({"reason": "出题企业调整预算", "budget_cap_fen": 200000000}),
        )
        .await;
    let amended = amended.expect(200);
    assert_eq!(amended["budget_cap_fen"], 200000000);
    assert_eq!(
        amended["closes_on"], "2027-03-05",
        "a cap change pushes the end out 7 days"
    );
    assert_eq!(amended["amendments"][0]["reason"], "出题企业调整预算");

    let seen = app.get(&format!("/v1/challenges/{id}"), &applicant).await;
    assert_eq!(seen.expect(200)["version"], 3);

    app.post(&format!("/v1/challenges/{id}/close"), &officer, json!({}))
        .await
        .problem(422, "window_still_open");
    app.set_now("2027-03-06T09:00:00+08:00");
    let closed = app
        .post(&format!("/v1/challenges/{id}/close"), &officer, json!({}))
        .await;
    assert_eq!(closed.expect(200)["status"], "closed");
    assert_eq!(closed.body["closed_on"], "2027-03-06");

    let cancelled = app
        .post(
            &format!("/v1/challenges/{id}/cancel"),
            &officer,
            json!({"reason": "流榜"}),
        )
        .await;
    assert_eq!(cancelled.expect(200)["status"], "cancelled");
    app.post(
        &format!("/v1/challenges/{id}/cancel"),
        &officer,
        json!({"reason": "again"}),
    )
    .await
    .problem(422, "invalid_transition");
    assert_eq!(app.version("challenge", &id).await, 5);
}
both_backends!(an_officer_drafts_publishes_amends_and_closes_a_call);

/// A call amended many times keeps a bounded row (the latest ten amendments and a count); the
/// whole history is paged from its stream, with what each amendment changed.
async fn a_calls_amendment_history_is_paged_from_its_stream(backend: Backend) {
    let app = spawn_app(backend).await;
    let officer = app.officer();
    let applicant = app.applicant(orgs::ENT_A);
    let created = app
        .post("/v1/challenges", &officer, challenge_draft(json!({})))
        .await;
    let id = created.expect(201)["id"].as_str().unwrap().to_string();
    app.post(&format!("/v1/challenges/{id}/publish"), &officer, json!({}))
        .await
        .expect(200);
    for n in 1..=12 {
        app.post(
            &format!("/v1/challenges/{id}/amend"),
            &officer,
            json!({"reason": format!("第{n}次修订, \"引号\""), "title": format!("标题{n}")}),
        )
        .await
        .expect(200);
    }
    let view = app.get(&format!("/v1/challenges/{id}"), &applicant).await;
    let view = view.expect(200);
    assert_eq!(view["amendment_count"], 12);
    let kept: Vec<u64> = view["amendments"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["version"].as_u64().unwrap())
        .collect();
    assert_eq!(
        kept,
        (5..=14).collect::<Vec<u64>>(),
        "the latest ten, oldest first"
    );

    let mut seen = Vec::new();
    let mut cursor: Option<String> = None;
    loop {
        let url = match &cursor {
            Some(c) => format!("/v1/challenges/{id}/amendments?limit=5&cursor={c}"),
            None => format!("/v1/challenges/{id}/amendments?limit=5"),
        };
        let page = app.get(&url, &applicant).await;
        let page = page.expect(200).clone();
        for item in page["items"].as_array().unwrap() {
            seen.push((
                item["version"].as_u64().unwrap(),
                item["reason"].as_str().unwrap().to_string(),
                item["changes"]["title"].as_str().unwrap().to_string(),
            ));
        }
        match page["next_cursor"].as_str() {
            Some(c) => cursor = Some(c.to_string()),
            None => break,
        }
    }
    assert_eq!(seen.len(), 12);
    assert_eq!(
        seen[0],
        (3, "第1次修订, \"引号\"".to_string(), "标题1".to_string())
    );
    assert_eq!(seen[11].0, 14);
    assert_eq!(seen[11].2, "标题12");

    // A cursor issued for another call, or not ours at all, is refused.
    app.get(
        &format!("/v1/challenges/{id}/amendments?cursor=zz"),
        &applicant,
    )
    .await
    .problem(400, "invalid_cursor");
    app.get("/v1/challenges/no-such-call/amendments", &applicant)
        .await
        .problem(404, "not_found");
}

both_backends!(a_calls_amendment_history_is_paged_from_its_stream);

async fn each_role_is_refused_where_it_must_be(backend: Backend) {
    let app = spawn_app(backend).await;
    let draft = challenge_draft(json!({}));
    app.send("POST", "/v1/challenges", None, Some(&draft), &[])
        .await
        .problem(401, "unauthenticated");
    app.send(
        "POST",
        "/v1/challenges",
        Some("not.a.jwt"),
        Some(&draft),
        &[],
    )
    .await
    .problem(401, "unauthenticated");
    for token in [
        app.applicant(orgs::ENT_A),
        app.auditor(),
        app.token("r", "reviewer", None),
    ] {
        app.post("/v1/challenges", &token, draft.clone())
            .await
            .problem(403, "forbidden");
    }
    let id = crate::helpers::published_challenge(&app, json!({})).await;
    let before = app.version("challenge", &id).await;
    for token in [app.applicant(orgs::ENT_A), app.auditor()] {
        app.post(
            &format!("/v1/challenges/{id}/cancel"),
            &token,
            json!({"reason": "x"}),
        )
        .await
        .problem(403, "forbidden");
    }
    assert_eq!(app.version("challenge", &id).await, before);
}
both_backends!(each_role_is_refused_where_it_must_be);

async fn bad_input_is_a_problem_and_changes_nothing(backend: Backend) {
    let app = spawn_app(backend).await;
    let officer = app.officer();
    let id = crate::helpers::published_challenge(&app, json!({})).await;
    let path = format!("/v1/challenges/{id}/amend");

    let malformed = app
        .send(
            "POST",
            &path,
            Some(&officer),
            None,
            &[("content-type", "application/json")],
        )
        .await;
    malformed.problem(400, "invalid_body");
    let raw = reqwest::Client::new()
        .post(format!("{}{path}", app.url))
        .bearer_auth(&officer)
        .header("content-type", "application/json")
        .body("{\"reason\": ")
        .send()
        .await
        .unwrap();
    assert_eq!(raw.status().as_u16(), 400);

    let unknown = app
        .post(&path, &officer, json!({"reason": "x", "surprise": 1}))
        .await;
    unknown.problem(422, "invalid_body");
    assert_eq!(unknown.body["errors"][0]["field"], "surprise");

    app.post(
        &path,
        &officer,
        json!({"reason": "加码", "budget_cap_fen": 300000001}),
    )
    .await
    .problem(422, "budget_cap_exceeded");
    app.send(
        "POST",
        &path,
        Some(&officer),
        Some(&json!({"reason": "x", "title": "新"})),
        &[("If-Match", "\"1\"")],
    )
    .await
    .problem(412, "version_mismatch");
    app.send(
        "POST",
        &path,
        Some(&officer),
        Some(&json!({"reason": "x", "title": "新"})),
        &[("If-Match", "soon")],
    )
    .await
    .problem(400, "invalid_if_match");
    assert_eq!(
        app.version("challenge", &id).await,
        2,
        "no refused command may append"
    );

    let bad_org = app
        .post(
            "/v1/challenges",
            &officer,
            challenge_draft(json!({"demand_owner": orgs::INVALID})),
        )
        .await;
    bad_org.problem(422, "invalid_body");
    assert_eq!(bad_org.body["errors"][0]["field"], "demand_owner");
    assert_eq!(bad_org.body["errors"][0]["code"], "uscc.check_digit");
    app.post(
        "/v1/challenges",
        &officer,
        challenge_draft(json!({"budget_cap_fen": 300000001})),
    )
    .await
    .problem(422, "budget_cap_exceeded");
    app.post(
        "/v1/challenges",
        &officer,
        challenge_draft(json!({"mode": {"kind": "horse_race", "max_teams": 4}})),
    )
    .await
    .problem(422, "race_teams_out_of_range");
    let listed = app.get("/v1/challenges", &officer).await;
    assert_eq!(
        listed.expect(200)["items"].as_array().unwrap().len(),
        1,
        "refused drafts store nothing"
    );

    let huge = json!({"reason": "x".repeat(70 * 1024)});
    app.post(&path, &officer, huge)
        .await
        .problem(413, "payload_too_large");
    app.get(
        "/v1/challenges/00000000-0000-0000-0000-000000000000",
        &officer,
    )
    .await
    .problem(404, "not_found");
    app.post(
        "/v1/challenges/00000000-0000-0000-0000-000000000000/publish",
        &officer,
        json!({}),
    )
    .await
    .problem(404, "not_found");
    app.get("/v1/challenges?limit=0", &officer)
        .await
        .problem(400, "invalid_query");
    app.get("/v1/challenges?cursor=zz", &officer)
        .await
        .problem(400, "invalid_cursor");
    app.get("/v1/challenges?status=nonsense", &officer)
        .await
        .problem(400, "invalid_query");
    app.get("/v1/nowhere", &officer)
        .await
        .problem(404, "not_found");
    app.send("DELETE", "/v1/challenges", Some(&officer), None, &[])
        .await
        .problem(405, "method_not_allowed");
}
both_backends!(bad_input_is_a_problem_and_changes_nothing);

async fn lists_filter_by_status_and_paginate(backend: Backend) {
    let app = spawn_app(backend).await;
    let officer = app.officer();
    let mut published = Vec::new();
    for i in 0..5 {
        let id =
            crate::helpers::published_challenge(&app, json!({"title": format!("榜单 {i}")})).await;
        published.push(id);
    }
    app.post("/v1/challenges", &officer, challenge_draft(json!({})))
        .await
        .expect(201);

    let mut seen = Vec::new();
    let mut cursor: Option<String> = None;
    loop {
        let path = match &cursor {
            Some(c) => format!("/v1/challenges?status=published&limit=2&cursor={c}"),
            None => "/v1/challenges?status=published&limit=2".to_string(),
        };
        let page = app
            .get(&path, &app.applicant(orgs::ENT_B))
            .await
            .expect(200)
            .clone();
        for item in page["items"].as_array().unwrap() {
            assert_eq!(item["status"], "published");
            seen.push(item["id"].as_str().unwrap().to_string());
        }
        match page["next_cursor"].as_str() {
            Some(c) => cursor = Some(c.to_string()),
            None => break,
        }
    }
    seen.sort();
    published.sort();
    assert_eq!(seen, published);
    let drafts = app.get("/v1/challenges?status=draft", &officer).await;
    assert_eq!(drafts.expect(200)["items"].as_array().unwrap().len(), 1);
}
both_backends!(lists_filter_by_status_and_paginate);

async fn health_reports_the_pinned_clock_and_readiness(backend: Backend) {
    let app = spawn_app(backend).await;
    let health = app.send("GET", "/healthz", None, None, &[]).await;
    assert_eq!(health.expect(200)["clock"], "pinned");
    assert_eq!(health.body["now"], "2027-01-10T01:00:00Z");
    assert_eq!(
        app.send("GET", "/readyz", None, None, &[])
            .await
            .expect(200)["status"],
        "ready"
    );
    assert!(health.headers.get("x-request-id").is_some());
}
both_backends!(health_reports_the_pinned_clock_and_readiness);
