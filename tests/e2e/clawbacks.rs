use serde_json::{json, Value};

use crate::helpers::{orgs, seed_funded_project, spawn_app, Backend, TestApp};

fn open_body(amount: i64) -> Value {
    json!({
        "subject": {"kind": "project", "id": "p-1"},
        "debtor": orgs::ENT_A,
        "basis": {"kind": "officer_decision", "reference": "昆科追〔2027〕1号"},
        "amount_fen": amount
    })
}

fn adds_up(case: &Value) {
    let f = |k: &str| case[k].as_i64().unwrap();
    assert_eq!(
        f("owed_fen"),
        f("repaid_fen") + f("waived_fen") + f("outstanding_fen"),
        "{case}"
    );
}

async fn opened_case(app: &TestApp, amount: i64) -> String {
    let created = app
        .post("/v1/clawbacks", &app.officer(), open_body(amount))
        .await;
    created.expect(201)["id"].as_str().unwrap().to_string()
}

async fn a_case_is_noticed_repaid_in_parts_waived_by_a_second_officer_settled_and_closed(
    backend: Backend,
) {
    let app = spawn_app(backend).await;
    seed_funded_project(&app, "p-1", orgs::ENT_A, &[], 1_000_000).await;
    let officer = app.officer();
    let second = app.token("officer-2", "officer", None);

    let created = app
        .post("/v1/clawbacks", &officer, open_body(500_000))
        .await;
    let case = created.expect(201).clone();
    let id = case["id"].as_str().unwrap().to_string();
    assert_eq!(case["status"], "opened");
    assert_eq!(case["owed_fen"], 500_000);
    assert_eq!(case["opened_by"], "officer-1");
    assert_eq!(
        created.headers.get("location").unwrap().to_str().unwrap(),
        format!("/v1/clawbacks/{id}")
    );
    adds_up(&case);

    // What other cases on the subject claim counts against the disbursed total.
    app.post("/v1/clawbacks", &officer, open_body(500_001))
        .await
        .problem(422, "amount_above_recoverable");

    // The debtor sees its own case; another organisation does not.
    app.get(&format!("/v1/clawbacks/{id}"), &app.applicant(orgs::ENT_A))
        .await
        .expect(200);
    app.get(&format!("/v1/clawbacks/{id}"), &app.applicant(orgs::ENT_B))
        .await
        .problem(404, "not_found");
    let others = app.get("/v1/clawbacks", &app.applicant(orgs::ENT_B)).await;
    assert_eq!(others.expect(200)["items"].as_array().unwrap().len(), 0);

    // Sunday 2027-01-10: due in 15 days, objections within 5 working days (Mon 11 – Fri 15).
    let noticed = app
        .post(&format!("/v1/clawbacks/{id}/notice"), &officer, json!({}))
        .await;
    let noticed = noticed.expect(200);
    assert_eq!(noticed["status"], "notice_issued");
    assert_eq!(noticed["due_on"], "2027-01-25");
    assert_eq!(noticed["objection_deadline"], "2027-01-15");

    let repaid = app
        .post(
            &format!("/v1/clawbacks/{id}/repayments"),
            &officer,
            json!({"amount_fen": 200_000, "treasury_receipt_ref": "国库-0001"}),
        )
        .await;
    let repaid = repaid.expect(200);
    assert_eq!(repaid["status"], "partially_repaid");
    assert_eq!(repaid["outstanding_fen"], 300_000);
    adds_up(repaid);

    let before = app.version("clawback_case", &id).await;
    app.post(
        &format!("/v1/clawbacks/{id}/repayments"),
        &officer,
        json!({"amount_fen": 300_001, "treasury_receipt_ref": "国库-x"}),
    )
    .await
    .problem(422, "repayment_above_outstanding");
    assert_eq!(app.version("clawback_case", &id).await, before);

    let repaid = app
        .post(
            &format!("/v1/clawbacks/{id}/repayments"),
            &officer,
            json!({"amount_fen": 100_000, "treasury_receipt_ref": "国库-0002", "paid_on": "2027-01-09"}),
        )
        .await;
    assert_eq!(repaid.expect(200)["outstanding_fen"], 200_000);
    assert_eq!(repaid.body["repayments"].as_array().unwrap().len(), 2);

    app.post(&format!("/v1/clawbacks/{id}/close"), &officer, json!({}))
        .await
        .problem(422, "case_not_settled");
    app.post(
        &format!("/v1/clawbacks/{id}/waiver"),
        &officer,
        json!({"amount_fen": 200_000, "reason": "债务人经营困难,报批核销"}),
    )
    .await
    .problem(422, "waiver_needs_second_approver");

    let settled = app
        .post(
            &format!("/v1/clawbacks/{id}/waiver"),
            &second,
            json!({"amount_fen": 200_000, "reason": "债务人经营困难,报批核销"}),
        )
        .await;
    let settled = settled.expect(200);
    assert_eq!(settled["status"], "settled");
    assert_eq!(settled["outstanding_fen"], 0);
    assert_eq!(settled["repaid_fen"], 300_000);
    assert_eq!(settled["waived_fen"], 200_000);
    assert_eq!(settled["waivers"][0]["approved_by"], "officer-2");
    adds_up(settled);

    let closed = app
        .post(&format!("/v1/clawbacks/{id}/close"), &officer, json!({}))
        .await;
    assert_eq!(closed.expect(200)["status"], "closed");
    let version = app.version("clawback_case", &id).await;
    app.post(
        &format!("/v1/clawbacks/{id}/repayments"),
        &officer,
        json!({"amount_fen": 1, "treasury_receipt_ref": "国库-late"}),
    )
    .await
    .problem(422, "case_closed");
    assert_eq!(app.version("clawback_case", &id).await, version);

    let ledger = app.get("/v1/clawbacks/ledger", &app.auditor()).await;
    let ledger = ledger.expect(200);
    assert_eq!(ledger["cases"], 1);
    assert_eq!(ledger["open_cases"], 0);
    assert_eq!(ledger["owed_fen"], 500_000);
    adds_up(ledger);
    app.get("/v1/clawbacks/ledger", &app.applicant(orgs::ENT_A))
        .await
        .problem(403, "forbidden");
}
both_backends!(a_case_is_noticed_repaid_in_parts_waived_by_a_second_officer_settled_and_closed);

async fn the_debtor_objects_in_time_and_the_officer_reduces_the_claim(backend: Backend) {
    let app = spawn_app(backend).await;
    seed_funded_project(&app, "p-1", orgs::ENT_A, &[], 1_000_000).await;
    let officer = app.officer();
    let debtor = app.applicant(orgs::ENT_A);
    let id = opened_case(&app, 500_000).await;
    app.post(&format!("/v1/clawbacks/{id}/notice"), &officer, json!({}))
        .await
        .expect(200);
    app.post(
        &format!("/v1/clawbacks/{id}/objection"),
        &app.applicant(orgs::ENT_B),
        json!({"grounds": "not ours"}),
    )
    .await
    .problem(403, "forbidden");

    // Saturday 16 January is after the fifth working day (Friday 15).
    app.set_now("2027-01-16T09:00:00+08:00");
    app.post(
        &format!("/v1/clawbacks/{id}/objection"),
        &debtor,
        json!({"grounds": "支出合规", "hearing_requested": true}),
    )
    .await
    .problem(422, "objection_period_ended");
    app.set_now("2027-01-15T17:00:00+08:00");
    let objected = app
        .post(
            &format!("/v1/clawbacks/{id}/objection"),
            &debtor,
            json!({"grounds": "支出合规", "hearing_requested": true}),
        )
        .await;
    assert_eq!(objected.expect(200)["status"], "objection_pending");

    // A pending objection suspends the overdue check.
    app.set_now("2027-02-01T09:00:00+08:00");
    app.post(
        &format!("/v1/clawbacks/{id}/mark-overdue"),
        &officer,
        json!({}),
    )
    .await
    .problem(422, "objection_pending");
    app.post(
        &format!("/v1/clawbacks/{id}/objection/decision"),
        &officer,
        json!({"decision": "revise", "new_owed_fen": 500_001}),
    )
    .await
    .problem(422, "revision_above_owed");
    let revised = app
        .post(
            &format!("/v1/clawbacks/{id}/objection/decision"),
            &officer,
            json!({"decision": "revise", "new_owed_fen": 400_000}),
        )
        .await;
    let revised = revised.expect(200);
    assert_eq!(revised["status"], "awaiting_repayment");
    assert_eq!(revised["owed_fen"], 400_000);
    assert_eq!(revised["due_on"], "2027-02-16");
    adds_up(revised);
}
both_backends!(the_debtor_objects_in_time_and_the_officer_reduces_the_claim);

async fn an_unpaid_case_goes_overdue_by_the_clock_and_escalates_into_an_integrity_case(
    backend: Backend,
) {
    let app = spawn_app(backend).await;
    seed_funded_project(&app, "p-1", orgs::ENT_A, &[], 1_000_000).await;
    let officer = app.officer();
    let id = opened_case(&app, 500_000).await;
    app.post(&format!("/v1/clawbacks/{id}/notice"), &officer, json!({}))
        .await
        .expect(200);

    app.set_now("2027-01-25T18:00:00+08:00");
    app.post(
        &format!("/v1/clawbacks/{id}/mark-overdue"),
        &officer,
        json!({}),
    )
    .await
    .problem(422, "not_yet_due");
    app.set_now("2027-01-26T09:00:00+08:00");
    let overdue = app
        .post(
            &format!("/v1/clawbacks/{id}/mark-overdue"),
            &officer,
            json!({}),
        )
        .await;
    assert_eq!(overdue.expect(200)["status"], "overdue");
    assert_eq!(overdue.body["overdue_on"], "2027-01-26");

    let list = app.get("/v1/clawbacks/overdue", &officer).await;
    let items = list.expect(200)["items"].as_array().unwrap().clone();
    assert_eq!(items.len(), 1);
    assert_eq!(items[0]["id"], id.as_str());
    app.get("/v1/clawbacks/overdue", &app.auditor())
        .await
        .problem(403, "forbidden");
    let by_status = app
        .get("/v1/clawbacks?status=overdue", &app.auditor())
        .await;
    assert_eq!(by_status.expect(200)["items"].as_array().unwrap().len(), 1);

    let escalated = app
        .post(
            &format!("/v1/clawbacks/{id}/escalate"),
            &officer,
            json!({"route": "integrity_referral"}),
        )
        .await;
    assert_eq!(escalated.expect(200)["status"], "escalated");

    // The process manager opened a case in the debtor's integrity record.
    let record = app
        .get(&format!("/v1/integrity/{}", orgs::ENT_A), &officer)
        .await;
    let record = record.expect(200);
    let cases = record["cases"].as_array().unwrap();
    assert_eq!(cases.len(), 1);
    assert_eq!(cases[0]["status"], "opened");
    assert_eq!(cases[0]["source"]["kind"], "clawback_referral");
    assert_eq!(cases[0]["source"]["clawback_case"], id.as_str());
    assert_eq!(cases[0]["related_projects"][0], "p-1");
    assert_eq!(app.state.store().outbox_len().await.unwrap(), 0);

    // The escalation (event 4) delivered again opens no second integrity case.
    crate::integrity::requeue(
        app.state.store().db(),
        app::process_managers::OPEN_INTEGRITY_CASE_FOR_CLAWBACK_ESCALATION,
        "clawback_case",
        &id,
        4,
    )
    .await;
    app::reactions::drain(&app.state).await.unwrap();
    assert_eq!(app.state.store().outbox_len().await.unwrap(), 0);
    let record = app
        .get(&format!("/v1/integrity/{}", orgs::ENT_A), &officer)
        .await;
    assert_eq!(record.expect(200)["cases"].as_array().unwrap().len(), 1);
    assert_eq!(record.body["version"], 1);
}
both_backends!(an_unpaid_case_goes_overdue_by_the_clock_and_escalates_into_an_integrity_case);
