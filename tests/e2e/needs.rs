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
