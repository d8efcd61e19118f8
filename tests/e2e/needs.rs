use serde_json::{json, Value};

use crate::helpers::{challenge_draft, orgs, spawn_app, Backend, TestApp};

fn need(title: &str, category: &str) -> Value {
    json!({
        "category": category,
        "industry_chain": "新型显示",
        "title": title,
        "text": "面板产线所需 ArF 光刻胶依赖进口, 需国产替代",
        "expected_outcome": "分辨率 ≤ 90 nm 的国产光刻胶通过产线验证"
    })
}

/// Registers a need as an applicant of `org`; returns its id.
pub async fn registered_need(app: &TestApp, org: &str, title: &str, category: &str) -> String {
    let created = app
        .post("/v1/needs", &app.applicant(org), need(title, category))
        .await;
    let body = created.expect(201);
    assert_eq!(body["status"], "registered");
    assert_eq!(body["poser"], org);
    body["id"].as_str().unwrap().to_string()
}

/// Registers and accepts a need; returns its id.
pub async fn pool_need(app: &TestApp, org: &str, title: &str, category: &str) -> String {
    let id = registered_need(app, org, title, category).await;
    let screened = app
        .post(
            &format!("/v1/needs/{id}/screen"),
            &app.officer(),
            json!({"decision": "accept"}),
        )
        .await;
    assert_eq!(screened.expect(200)["status"], "accepted");
    id
}

fn draft_from(needs: &[&str]) -> Value {
    let mut body = challenge_draft(json!({ "needs": needs }));
    body.as_object_mut().unwrap().remove("demand_owner");
    body
}

async fn a_call_drafted_from_a_pool_need_adopts_it_and_names_its_poser(backend: Backend) {
    let app = spawn_app(backend).await;
    let officer = app.officer();
    let id = registered_need(
        &app,
        orgs::LEAD,
        "高分辨率光刻胶国产替代",
        "major_enterprise",
    )
    .await;

    // "My needs": the poser's applicants see it, another enterprise's do not.
    let other = app.applicant(orgs::ENT_A);
    app.get(&format!("/v1/needs/{id}"), &other)
        .await
        .problem(404, "not_found");
    let theirs = app.get("/v1/needs", &other).await;
    assert_eq!(theirs.expect(200)["items"], json!([]));
    let mine = app.get("/v1/needs", &app.applicant(orgs::LEAD)).await;
    assert_eq!(mine.expect(200)["items"][0]["id"], id.as_str());
    app.post(
        &format!("/v1/needs/{id}/screen"),
        &app.applicant(orgs::LEAD),
        json!({"decision": "accept"}),
    )
    .await
    .problem(403, "forbidden");

    // A need not yet screened cannot be drafted into a call; nothing is stored.
    let refused = app
        .post("/v1/challenges", &officer, draft_from(&[&id]))
        .await;
    refused.problem(409, "need_not_in_pool");
    let calls = app.get("/v1/challenges", &officer).await;
    assert_eq!(calls.expect(200)["items"], json!([]));

    // Rejecting needs a reason.
    app.post(
        &format!("/v1/needs/{id}/screen"),
        &officer,
        json!({"decision": "reject"}),
    )
    .await
    .problem(422, "rejection_reason_required");
    app.post(
        &format!("/v1/needs/{id}/screen"),
        &officer,
        json!({"decision": "accept"}),
    )
    .await
    .expect(200);

    // The call's demand owner is the need's poser, even when the draft leaves it out.
    let drafted = app
        .post("/v1/challenges", &officer, draft_from(&[&id]))
        .await;
    let call = drafted.expect(201).clone();
    let call_id = call["id"].as_str().unwrap();
    assert_eq!(call["demand_owner"], orgs::LEAD);
    assert_eq!(call["needs"], json!([id]));
    let adopted = app.get(&format!("/v1/needs/{id}"), &officer).await;
    let adopted = adopted.expect(200);
    assert_eq!(adopted["status"], "adopted");
    assert_eq!(adopted["adopted_by"], call_id);

    // A need is adopted once: a second call from it is refused.
    app.post("/v1/challenges", &officer, draft_from(&[&id]))
        .await
        .problem(409, "need_already_adopted");
    // Another enterprise cannot be the demand owner of this enterprise's need.
    let second = pool_need(&app, orgs::LEAD, "光刻胶树脂单体", "industry_chain").await;
    let mut body = draft_from(&[&second]);
    body["demand_owner"] = json!(orgs::ENT_A);
    app.post("/v1/challenges", &officer, body)
        .await
        .problem(422, "demand_owner_not_poser");
    let mut body = draft_from(&["no-such-need"]);
    body["demand_owner"] = json!(orgs::LEAD);
    app.post("/v1/challenges", &officer, body)
        .await
        .problem(404, "unknown_need");

    // The audit trail of the call's stream shows the adoption event.
    let events = app
        .get(
            &format!("/v1/audit/streams/challenge/{call_id}/events"),
            &app.auditor(),
        )
        .await;
    let types: Vec<String> = events.expect(200)["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["event_type"].as_str().unwrap_or_default().to_string())
        .collect();
    assert_eq!(types, ["ChallengeDrafted", "NeedsAdopted"]);
}
both_backends!(a_call_drafted_from_a_pool_need_adopts_it_and_names_its_poser);

/// The aggregate ids of every stored event of `event_type`, straight from the event table.
async fn stored(app: &TestApp, event_type: &str) -> Vec<String> {
    const SQL: &str = "SELECT aggregate_id FROM events WHERE event_type = $1 ORDER BY aggregate_id";
    let mut ids = match app.state.store().db() {
        store::Db::Postgres(pool) => sqlx::query_scalar::<_, String>(SQL)
            .bind(event_type)
            .fetch_all(pool)
            .await
            .unwrap(),
        store::Db::Sqlite(pool) => sqlx::query_scalar::<_, String>(&SQL.replace("$1", "?"))
            .bind(event_type)
            .fetch_all(pool)
            .await
            .unwrap(),
    };
    ids.sort();
    ids
}

/// Eight drafts at once name the same pool need (each with one need of its own, half of them
/// listing the shared one last): the need is adopted exactly once. One call is stored, with one
/// `NeedsAdopted`; each loser is refused whole, so its own need stays in the pool unadopted; the
/// adoption reaction records one `NeedAdopted` per need of the winner and nothing else.
async fn drafts_racing_for_one_need_adopt_it_exactly_once(backend: Backend) {
    const TASKS: usize = 8;
    let app = spawn_app(backend).await;
    let officer = app.officer();
    let shared = pool_need(&app, orgs::LEAD, "共享需求", "major_enterprise").await;
    let mut own = Vec::new();
    for i in 0..TASKS {
        own.push(pool_need(&app, orgs::LEAD, &format!("需求 {i}"), "industry_chain").await);
    }
    let lists: Vec<Vec<&str>> = (0..TASKS)
        .map(|i| {
            if i % 2 == 0 {
                vec![shared.as_str(), own[i].as_str()]
            } else {
                vec![own[i].as_str(), shared.as_str()]
            }
        })
        .collect();
    let answers = futures::future::join_all(
        lists
            .iter()
            .map(|needs| app.post("/v1/challenges", &officer, draft_from(needs))),
    )
    .await;

    let winners: Vec<usize> = (0..TASKS).filter(|&i| answers[i].status == 201).collect();
    assert_eq!(
        winners.len(),
        1,
        "statuses: {:?}",
        answers.iter().map(|a| a.status).collect::<Vec<_>>()
    );
    let w = winners[0];
    let call = answers[w].body["id"].as_str().unwrap().to_string();
    for (i, answer) in answers.iter().enumerate().filter(|(i, _)| *i != w) {
        assert_eq!(
            (answer.status, answer.body["code"].as_str()),
            (409, Some("need_already_adopted")),
            "draft {i}: {}",
            answer.body
        );
    }

    app::reactions::drain(&app.state).await.unwrap();
    assert_eq!(app.state.store().outbox_len().await.unwrap(), 0);
    assert_eq!(stored(&app, "ChallengeDrafted").await, [call.as_str()]);
    assert_eq!(stored(&app, "NeedsAdopted").await, [call.as_str()]);
    let mut adopted = vec![shared.clone(), own[w].clone()];
    adopted.sort();
    assert_eq!(stored(&app, "NeedAdopted").await, adopted);

    let shared_view = app.get(&format!("/v1/needs/{shared}"), &officer).await;
    assert_eq!(shared_view.expect(200)["adopted_by"], call.as_str());
    assert_eq!(app.version("need", &shared).await, 3);
    for (i, id) in own.iter().enumerate() {
        let view = app.get(&format!("/v1/needs/{id}"), &officer).await;
        let view = view.expect(200);
        if i == w {
            assert_eq!(
                (view["status"].as_str(), view["adopted_by"].as_str()),
                (Some("adopted"), Some(call.as_str()))
            );
        } else {
            assert_eq!(
                (view["status"].as_str(), &view["adopted_by"]),
                (Some("accepted"), &Value::Null),
                "need {i}"
            );
            assert_eq!(app.version("need", id).await, 2, "need {i}");
        }
    }

    // A refused draft left nothing behind: its own need is still free to adopt.
    let loser = (w + 1) % TASKS;
    let again = app
        .post(
            "/v1/challenges",
            &officer,
            draft_from(&[own[loser].as_str()]),
        )
        .await;
    again.expect(201);
    app::reactions::drain(&app.state).await.unwrap();
    let view = app
        .get(&format!("/v1/needs/{}", own[loser]), &officer)
        .await;
    assert_eq!(view.expect(200)["status"], "adopted");
    assert_eq!(stored(&app, "NeedAdopted").await.len(), 3);
}
both_backends!(drafts_racing_for_one_need_adopt_it_exactly_once);
