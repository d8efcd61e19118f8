//! Failure to recovery: a project that fails re-acceptance opens its clawback case by itself.

use serde_json::{json, Value};

use crate::helpers::{orgs, published_challenge, seed_project, spawn_app, Backend, TestApp};

async fn clawbacks(app: &TestApp) -> Vec<Value> {
    let listed = app.get("/v1/clawbacks", &app.officer()).await;
    listed.expect(200)["items"].as_array().unwrap().clone()
}

async fn a_failed_project_is_recovered_repaid_in_part_waived_and_closed(backend: Backend) {
    let app = spawn_app(backend).await;
    let officer = app.officer();
    let second = app.token("officer-2", "officer", None);
    let lead = app.applicant(orgs::ENT_A);
    let cid = published_challenge(&app, json!({})).await;
    seed_project(&app, "p", &cid, orgs::ENT_A, None, 200, false).await;
    let p = |rest: &str| format!("/v1/projects/p{rest}");

    let contract = json!({
        "task_book_ref": "昆科任〔2027〕9号", "start": "2027-04-01", "end": "2028-12-31",
        "milestones": [{"id": "m1", "due": "2027-12-31", "deliverables": "样品", "targets": []}],
        "tranches": [
            {"id": "t1", "amount_fen": 100000000, "gate": {"kind": "on_contract"}},
            {"id": "t2", "amount_fen": 50000000, "gate": {"kind": "on_milestone", "milestone": "m1"}},
            {"id": "t3", "amount_fen": 50000000, "gate": {"kind": "on_acceptance"}}
        ]
    });
    app.post(&p("/contract"), &officer, contract)
        .await
        .expect(200);
    app.post(
        &p("/tranches/t1/disburse"),
        &officer,
        json!({"payment_ref": "PAY-1"}),
    )
    .await
    .expect(200);
    app.post(
        &p("/milestones/m1/report"),
        &lead,
        json!({"evidence_ref": "E"}),
    )
    .await
    .expect(200);
    app.post(
        &p("/milestones/m1/assess"),
        &officer,
        json!({"passed": true}),
    )
    .await
    .expect(200);
    app.post(
        &p("/tranches/t2/disburse"),
        &officer,
        json!({"payment_ref": "PAY-2"}),
    )
    .await
    .expect(200);
    app.set_now("2029-01-15T09:00:00+08:00");
    app.post(&p("/acceptance-request"), &lead, json!({}))
        .await
        .expect(200);
    app.post(
        &p("/acceptance"),
        &officer,
        json!({"passed": false, "panel": "专家组", "report_ref": "YS-1"}),
    )
    .await
    .expect(200);
    app.post(
        &p("/acceptance/rectification"),
        &officer,
        json!({"deadline": "2029-04-30"}),
    )
    .await
    .expect(200);
    assert!(clawbacks(&app).await.is_empty());
    let failed = app
        .post(
            &p("/re-acceptance"),
            &officer,
            json!({"passed": false, "report_ref": "YS-2"}),
        )
        .await;
    assert_eq!(failed.expect(200)["status"], "failed");

    // The referral (all 150万 disbursed, by default) opened the case before the response returned.
    let cases = clawbacks(&app).await;
    assert_eq!(cases.len(), 1, "{cases:?}");
    let case = &cases[0];
    let id = case["id"].as_str().unwrap().to_string();
    assert_eq!(case["status"], "opened");
    assert_eq!(case["debtor"], orgs::ENT_A);
    assert_eq!(case["owed_fen"], 150000000);
    assert_eq!(case["basis"]["kind"], "project_failed");
    assert_eq!(case["opened_by"], "officer-1");

    // A repeated reaction never opens a second case.
    app::reactions::drain(&app.state).await.unwrap();
    assert_eq!(clawbacks(&app).await.len(), 1);

    let c = |rest: &str| format!("/v1/clawbacks/{id}{rest}");
    app.post(&c("/notice"), &officer, json!({}))
        .await
        .expect(200);
    for (amount, receipt) in [(50000000, "国库-01"), (40000000, "国库-02")] {
        let paid = app
            .post(
                &c("/repayments"),
                &officer,
                json!({"amount_fen": amount, "treasury_receipt_ref": receipt}),
            )
            .await;
        let paid = paid.expect(200);
        assert_eq!(
            paid["owed_fen"].as_i64().unwrap(),
            paid["repaid_fen"].as_i64().unwrap()
                + paid["waived_fen"].as_i64().unwrap()
                + paid["outstanding_fen"].as_i64().unwrap()
        );
    }
    app.post(
        &c("/waiver"),
        &officer,
        json!({"amount_fen": 60000000, "reason": "核销"}),
    )
    .await
    .problem(422, "waiver_needs_second_approver");
    let settled = app
        .post(
            &c("/waiver"),
            &second,
            json!({"amount_fen": 60000000, "reason": "核销"}),
        )
        .await;
    let settled = settled.expect(200);
    assert_eq!(settled["status"], "settled");
    assert_eq!(
        (
            settled["repaid_fen"].as_i64(),
            settled["waived_fen"].as_i64()
        ),
        (Some(90000000), Some(60000000))
    );
    let closed = app.post(&c("/close"), &officer, json!({})).await;
    assert_eq!(closed.expect(200)["status"], "closed");
    assert_eq!(
        app.get(&c(""), &lead).await.expect(200)["status"],
        "closed",
        "the debtor sees its own case"
    );
}
both_backends!(a_failed_project_is_recovered_repaid_in_part_waived_and_closed);

async fn elimination_refers_nothing_and_misconduct_refers_everything_paid(backend: Backend) {
    let app = spawn_app(backend).await;
    let officer = app.officer();
    let cid = published_challenge(&app, json!({})).await;
    seed_project(&app, "q", &cid, orgs::ENT_B, None, 100, false).await;
    let contract = json!({
        "task_book_ref": "T", "start": "2027-04-01", "end": "2028-12-31",
        "milestones": [{"id": "m1", "due": "2027-12-31", "deliverables": "d", "targets": []}],
        "tranches": [{"id": "t1", "amount_fen": 60000000, "gate": {"kind": "on_contract"}},
                     {"id": "t2", "amount_fen": 40000000, "gate": {"kind": "on_acceptance"}}]
    });
    app.post("/v1/projects/q/contract", &officer, contract)
        .await
        .expect(200);
    app.post(
        "/v1/projects/q/tranches/t1/disburse",
        &officer,
        json!({"payment_ref": "P"}),
    )
    .await
    .expect(200);
    let terminated = app
        .post(
            "/v1/projects/q/terminate",
            &officer,
            json!({"reason": "misconduct", "detail": "数据造假"}),
        )
        .await;
    assert_eq!(terminated.expect(200)["status"], "terminated");
    let cases = clawbacks(&app).await;
    assert_eq!(cases.len(), 1);
    assert_eq!(cases[0]["owed_fen"], 60000000);
    assert_eq!(cases[0]["basis"]["kind"], "project_terminated");
}
both_backends!(elimination_refers_nothing_and_misconduct_refers_everything_paid);
