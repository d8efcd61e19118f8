use project::RaceCommand;
use serde_json::{json, Value};

use crate::helpers::{
    orgs, published_challenge, seed_metadata, seed_project, spawn_app, Backend, TestApp,
};

/// What the award's process manager does for a horse race: one project per lane, and the race.
async fn seed_race(app: &TestApp, challenge_id: &str, lanes: &[(&str, &str, Option<&str>)]) {
    for (id, lead, member) in lanes {
        seed_project(app, id, challenge_id, lead, *member, 200, true).await;
    }
    let form = RaceCommand::Form {
        challenge_id: challenge_id.into(),
        lanes: lanes.iter().map(|(id, _, _)| id.to_string()).collect(),
        max_lanes: 3,
    };
    app.state
        .races()
        .execute_with_metadata(challenge_id, form, seed_metadata(app))
        .await
        .unwrap();
}

fn contract() -> Value {
    json!({
        "task_book_ref": "昆科任〔2027〕8号", "start": "2027-04-01", "end": "2028-12-31",
        "milestones": [{"id": "m1", "due": "2027-12-31", "deliverables": "样品", "targets": ["分辨率 ≤ 90 nm"]}],
        "tranches": [
            {"id": "t1", "amount_fen": 100000000, "gate": {"kind": "on_contract"}},
            {"id": "t2", "amount_fen": 50000000, "gate": {"kind": "on_checkpoint", "checkpoint": 1}},
            {"id": "t3", "amount_fen": 50000000, "gate": {"kind": "on_acceptance"}}
        ]
    })
}

#[track_caller]
fn amounts_add_up(view: &Value) {
    let n = |k: &str| {
        view[k]
            .as_i64()
            .unwrap_or_else(|| panic!("{k} missing in {view}"))
    };
    assert_eq!(
        n("awarded_fen"),
        n("disbursed_fen") + n("remaining_fen") + n("cancelled_fen"),
        "amounts do not add up: {view}"
    );
    assert!(n("disbursed_fen") <= n("awarded_fen"));
}

async fn a_horse_race_of_three_eliminates_one_accepts_one_and_fails_one(backend: Backend) {
    let app = spawn_app(backend).await;
    let officer = app.officer();
    let cid = published_challenge(
        &app,
        json!({"mode": {"kind": "horse_race", "max_teams": 3}}),
    )
    .await;
    seed_race(
        &app,
        &cid,
        &[
            ("p1", orgs::ENT_A, Some(orgs::UNIV)),
            ("p2", orgs::ENT_B, None),
            ("p3", orgs::ENT_C, None),
        ],
    )
    .await;
    let (a, b) = (app.applicant(orgs::ENT_A), app.applicant(orgs::ENT_B));
    let path = |p: &str, rest: &str| format!("/v1/projects/{p}{rest}");

    for p in ["p1", "p2", "p3"] {
        let signed = app.post(&path(p, "/contract"), &officer, contract()).await;
        assert_eq!(signed.expect(200)["status"], "in_progress");
        let paid = app
            .post(
                &path(p, "/tranches/t1/disburse"),
                &officer,
                json!({"payment_ref": format!("PAY-{p}-1")}),
            )
            .await;
        amounts_add_up(paid.expect(200));
        app.post(
            &path(p, "/tranches/t2/disburse"),
            &officer,
            json!({"payment_ref": "early"}),
        )
        .await
        .problem(422, "gate_not_met");
    }
    app.post(
        &path("p1", "/tranches/t1/disburse"),
        &officer,
        json!({"payment_ref": "again"}),
    )
    .await
    .problem(422, "tranche_already_paid");
    app.post(&path("p1", "/contract"), &a, contract())
        .await
        .problem(403, "forbidden");

    // Checkpoint 1: p3 is dropped; p1 and p2 go on and their checkpoint tranche opens.
    let race = app
        .post(
            &format!("/v1/challenges/{cid}/race/checkpoints"),
            &officer,
            json!({"checkpoint": 1, "results": [
                {"project_id": "p1", "result": "continue"},
                {"project_id": "p2", "result": "continue"},
                {"project_id": "p3", "result": "eliminate"}]}),
        )
        .await;
    assert_eq!(race.expect(200)["status"], "running");
    app.post(
        &format!("/v1/challenges/{cid}/race/checkpoints"),
        &officer,
        json!({"checkpoint": 2, "results": [
            {"project_id": "p1", "result": "eliminate"},
            {"project_id": "p2", "result": "eliminate"}]}),
    )
    .await
    .problem(422, "no_surviving_lane");
    let p3 = app.get(&path("p3", ""), &officer).await;
    assert_eq!(p3.expect(200)["status"], "eliminated");
    assert!(
        p3.body["recovery_referrals"].as_array().unwrap().is_empty(),
        "elimination refers nothing"
    );
    app.post(
        &path("p3", "/tranches/t2/disburse"),
        &officer,
        json!({"payment_ref": "x"}),
    )
    .await
    .problem(422, "invalid_transition");
    let closed = app.post(&path("p3", "/close"), &officer, json!({})).await;
    assert_eq!(closed.expect(200)["status"], "closed");
    assert_eq!(closed.body["cancelled_fen"], 100000000);
    amounts_add_up(&closed.body);
    for p in ["p1", "p2"] {
        let v = app.get(&path(p, ""), &officer).await;
        assert_eq!(v.expect(200)["checkpoints_survived"], 1);
        let paid = app
            .post(
                &path(p, "/tranches/t2/disburse"),
                &officer,
                json!({"payment_ref": "PAY-2"}),
            )
            .await;
        amounts_add_up(paid.expect(200));
    }

    // p1: milestone passed, acceptance passed with the demand owner's confirmation, final tranche.
    app.post(
        &path("p1", "/milestones/m1/report"),
        &b,
        json!({"evidence_ref": "E-1"}),
    )
    .await
    .problem(403, "not_the_lead");
    app.post(
        &path("p1", "/milestones/m1/report"),
        &a,
        json!({"evidence_ref": "E-1"}),
    )
    .await
    .expect(200);
    app.post(
        &path("p1", "/milestones/m1/assess"),
        &officer,
        json!({"passed": true, "opinions": ["达标"]}),
    )
    .await
    .expect(200);
    app.set_now("2029-01-15T09:00:00+08:00");
    app.post(&path("p1", "/acceptance-request"), &a, json!({}))
        .await
        .expect(200);
    app.post(
        &path("p1", "/acceptance"),
        &officer,
        json!({"passed": true, "panel": "验收专家组", "report_ref": "YS-p1", "demand_owner_confirmation": "出题企业确认指标达成"}),
    )
    .await
    .expect(200);
    let p1 = app
        .post(
            &path("p1", "/tranches/t3/disburse"),
            &officer,
            json!({"payment_ref": "PAY-3"}),
        )
        .await;
    assert_eq!(p1.expect(200)["status"], "accepted");
    assert_eq!(p1.body["disbursed_fen"], 200000000);
    assert_eq!(p1.body["remaining_fen"], 0);
    amounts_add_up(&p1.body);

    // p2: acceptance fails, one rectification, re-acceptance fails → failed with a recovery referral.
    app.post(
        &path("p2", "/milestones/m1/report"),
        &b,
        json!({"evidence_ref": "E-2"}),
    )
    .await
    .expect(200);
    app.post(
        &path("p2", "/milestones/m1/assess"),
        &officer,
        json!({"passed": true}),
    )
    .await
    .expect(200);
    app.post(&path("p2", "/acceptance-request"), &b, json!({}))
        .await
        .expect(200);
    app.post(
        &path("p2", "/acceptance"),
        &officer,
        json!({"passed": false, "panel": "验收专家组", "report_ref": "YS-p2", "demand_owner_confirmation": "未达成"}),
    )
    .await
    .expect(200);
    app.post(
        &path("p2", "/acceptance/rectification"),
        &officer,
        json!({"deadline": "2029-06-30"}),
    )
    .await
    .expect(200);
    app.post(
        &path("p2", "/acceptance/rectification"),
        &officer,
        json!({"deadline": "2029-07-30"}),
    )
    .await
    .problem(422, "rectification_already_used");
    let failed = app
        .post(
            &path("p2", "/re-acceptance"),
            &officer,
            json!({"passed": false, "report_ref": "YS-p2-2"}),
        )
        .await;
    assert_eq!(failed.expect(200)["status"], "failed");
    assert_eq!(
        failed.body["recovery_referrals"][0]["amount_fen"],
        150000000
    );
    assert_eq!(
        failed.body["recovery_referrals"][0]["basis"],
        "project_failed"
    );
    let p2 = app.post(&path("p2", "/close"), &officer, json!({})).await;
    amounts_add_up(p2.expect(200));

    // Every view adds up, and the call's lanes never paid more than their awards.
    let listed = app
        .get(&format!("/v1/projects?challenge_id={cid}"), &officer)
        .await;
    let items = listed.expect(200)["items"].as_array().unwrap().clone();
    assert_eq!(items.len(), 3);
    let cap = 300000000;
    let mut total = 0;
    for v in &items {
        amounts_add_up(v);
        assert!(v["awarded_fen"].as_i64().unwrap() <= cap);
        total += v["disbursed_fen"].as_i64().unwrap();
    }
    assert_eq!(total, 200000000 + 150000000 + 100000000);

    // Who sees what.
    let mine = app.get("/v1/me/projects", &app.applicant(orgs::UNIV)).await;
    let mine: Vec<_> = mine.expect(200)["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v["id"].clone())
        .collect();
    assert_eq!(mine, vec![json!("p1")], "a member sees its project");
    app.get(&path("p1", ""), &b).await.problem(404, "not_found");
    app.get("/v1/projects", &a).await.problem(403, "forbidden");
    let race = app
        .get(&format!("/v1/challenges/{cid}/race"), &app.auditor())
        .await;
    let lanes = race.expect(200)["lanes"].as_array().unwrap().clone();
    assert_eq!(
        lanes.iter().filter(|l| l["status"] == "eliminated").count(),
        1
    );

    // Every view equals a fold over the events: rebuilding from the log changes nothing.
    let live = app.state.store().dump_views().await.unwrap();
    app.state.store().rebuild_projections().await.unwrap();
    assert_eq!(app.state.store().dump_views().await.unwrap(), live);
}
both_backends!(a_horse_race_of_three_eliminates_one_accepts_one_and_fails_one);

async fn the_last_surviving_lane_becomes_an_ordinary_project(backend: Backend) {
    let app = spawn_app(backend).await;
    let officer = app.officer();
    let cid = published_challenge(
        &app,
        json!({"mode": {"kind": "horse_race", "max_teams": 2}}),
    )
    .await;
    seed_race(
        &app,
        &cid,
        &[("q1", orgs::ENT_A, None), ("q2", orgs::ENT_B, None)],
    )
    .await;
    let race = app
        .post(
            &format!("/v1/challenges/{cid}/race/checkpoints"),
            &officer,
            json!({"checkpoint": 1, "results": [
                {"project_id": "q1", "result": "continue"},
                {"project_id": "q2", "result": "eliminate"}]}),
        )
        .await;
    assert_eq!(race.expect(200)["status"], "concluded");
    assert_eq!(race.body["survivor"], "q1");
    let q1 = app.get("/v1/projects/q1", &officer).await;
    assert_eq!(q1.expect(200)["race_lane"], false);
    assert_eq!(q1.body["status"], "awarded");
    assert_eq!(
        app.get("/v1/projects/q2", &officer).await.expect(200)["status"],
        "eliminated"
    );
    // The reaction ran once per lane: draining again changes nothing.
    let before = (
        app.version("project", "q1").await,
        app.version("project", "q2").await,
    );
    app::reactions::drain(&app.state).await.unwrap();
    assert_eq!(
        (
            app.version("project", "q1").await,
            app.version("project", "q2").await
        ),
        before
    );
}
both_backends!(the_last_surviving_lane_becomes_an_ordinary_project);
