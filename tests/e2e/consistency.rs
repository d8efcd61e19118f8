//! Money and state stay right under concurrency, retries and failures (issue 11): claims
//! checked on the ledger's facts inside their transaction, view rows that several streams
//! share, If-Match inside the transaction, Idempotency-Key, refused reactions on the attention
//! list, and the clock's commands run by the server itself — each raced for real and counted.

use std::time::Duration;

use futures::future::join_all;
use serde_json::{json, Value};
use tokio::io::AsyncWriteExt;

use crate::helpers::{orgs, seed_funded_project, spawn_app, Backend, TestApp};

fn claim(project: &str, amount: i64) -> Value {
    json!({
        "subject": {"kind": "project", "id": project},
        "debtor": orgs::ENT_A,
        "basis": {"kind": "officer_decision", "reference": "昆科追〔2027〕9号"},
        "amount_fen": amount
    })
}

/// A case of `amount` on project `p-1` (funded with 1,000,000 fen to ENT_A), noticed on Sunday
/// 2027-01-10: due 2027-01-25.
async fn noticed_case(app: &TestApp, amount: i64) -> String {
    seed_funded_project(app, "p-1", orgs::ENT_A, &[], 1_000_000).await;
    let officer = app.officer();
    let case = app
        .post("/v1/clawbacks", &officer, claim("p-1", amount))
        .await
        .expect(201)["id"]
        .as_str()
        .unwrap()
        .to_string();
    app.post(&format!("/v1/clawbacks/{case}/notice"), &officer, json!({}))
        .await
        .expect(200);
    case
}

async fn events_of_type(app: &TestApp, kind: &str, event_type: &str) -> usize {
    let mut n = 0;
    for stream in app.state.store().streams().await.unwrap() {
        if stream.aggregate_type != kind {
            continue;
        }
        let events = app
            .state
            .store()
            .events(kind, &stream.aggregate_id, 0, None)
            .await
            .unwrap();
        n += events.iter().filter(|e| e.event_type == event_type).count();
    }
    n
}

async fn sixteen_simultaneous_claims_on_one_project_store_exactly_one(backend: Backend) {
    let app = spawn_app(backend).await;
    seed_funded_project(&app, "p-race", orgs::ENT_A, &[], 1_000_000).await;
    let officer = app.officer();
    let answers =
        join_all((0..16).map(|_| app.post("/v1/clawbacks", &officer, claim("p-race", 1_000_000))))
            .await;
    let accepted = answers.iter().filter(|r| r.status == 201).count();
    for r in answers.iter().filter(|r| r.status != 201) {
        r.problem(422, "amount_above_recoverable");
    }
    assert_eq!(accepted, 1, "exactly one claim of the whole amount fits");
    assert_eq!(
        events_of_type(&app, "clawback_case", "ClawbackOpened").await,
        1
    );
    let ledger = app.get("/v1/clawbacks/ledger", &officer).await;
    assert_eq!(ledger.expect(200)["owed_fen"], 1_000_000);
    // A claim on a project the ledger does not know, or from someone who was not paid.
    app.post("/v1/clawbacks", &officer, claim("p-nowhere", 1))
        .await
        .problem(422, "subject_not_found");
    let mut stranger = claim("p-race", 1);
    stranger["debtor"] = json!(orgs::ENT_C);
    app.post("/v1/clawbacks", &officer, stranger)
        .await
        .problem(422, "debtor_not_recipient");
    // The client can no longer state what was disbursed.
    let mut typed = claim("p-race", 1);
    typed["disbursed_fen"] = json!(99_000_000);
    app.post("/v1/clawbacks", &officer, typed)
        .await
        .problem(422, "invalid_body");
}
both_backends!(sixteen_simultaneous_claims_on_one_project_store_exactly_one);

async fn a_hundred_and_sixty_simultaneous_cases_all_reach_the_shared_ledger_row(backend: Backend) {
    let app = spawn_app(backend).await;
    let officer = app.officer();
    for i in 0..160 {
        seed_funded_project(&app, &format!("p-{i}"), orgs::ENT_A, &[], 1_000_000).await;
    }
    let answers = join_all(
        (0..160).map(|i| app.post("/v1/clawbacks", &officer, claim(&format!("p-{i}"), 400_000))),
    )
    .await;
    assert!(
        answers.iter().all(|r| r.status == 201),
        "{:?}",
        answers.iter().find(|r| r.status != 201)
    );
    let live = app
        .get("/v1/clawbacks/ledger", &officer)
        .await
        .expect(200)
        .clone();
    assert_eq!(live["cases"], 160);
    assert_eq!(live["owed_fen"], 160 * 400_000);
    app.state.store().rebuild_projections().await.unwrap();
    let rebuilt = app
        .get("/v1/clawbacks/ledger", &officer)
        .await
        .expect(200)
        .clone();
    assert_eq!(
        live, rebuilt,
        "the live ledger row equals a rebuild from the events"
    );
}
both_backends!(a_hundred_and_sixty_simultaneous_cases_all_reach_the_shared_ledger_row);

async fn two_commands_sent_with_the_same_if_match_store_one(backend: Backend) {
    let app = spawn_app(backend).await;
    let officer = app.officer();
    let case = noticed_case(&app, 600_000).await;
    let path = format!("/v1/clawbacks/{case}/repayments");
    let bodies: Vec<Value> = (0..2)
        .map(|n| json!({"amount_fen": 100_000, "treasury_receipt_ref": format!("国库-{n}")}))
        .collect();
    let answers = join_all(bodies.iter().map(|body| {
        app.send(
            "POST",
            &path,
            Some(&officer),
            Some(body),
            &[("If-Match", "\"2\"")],
        )
    }))
    .await;
    let ok = answers.iter().filter(|r| r.status == 200).count();
    let stale: Vec<_> = answers.iter().filter(|r| r.status == 412).collect();
    assert_eq!((ok, stale.len()), (1, 1), "{answers:?}");
    stale[0].problem(412, "version_mismatch");
    assert_eq!(app.version("clawback_case", &case).await, 3);
}
both_backends!(two_commands_sent_with_the_same_if_match_store_one);

async fn an_idempotency_key_stores_once_and_replays_the_first_answer(backend: Backend) {
    let app = spawn_app(backend).await;
    seed_funded_project(&app, "p-1", orgs::ENT_A, &[], 1_000_000).await;
    let officer = app.officer();
    let key = [("Idempotency-Key", "open-p-1-0001")];
    let body = claim("p-1", 300_000);
    let first = app
        .send("POST", "/v1/clawbacks", Some(&officer), Some(&body), &key)
        .await;
    let again = app
        .send("POST", "/v1/clawbacks", Some(&officer), Some(&body), &key)
        .await;
    first.expect(201);
    again.expect(201);
    assert_eq!(first.body, again.body);
    for h in ["etag", "location"] {
        assert_eq!(first.headers.get(h), again.headers.get(h), "{h}");
    }
    assert_eq!(again.headers.get("idempotent-replayed").unwrap(), "true");
    assert_eq!(
        events_of_type(&app, "clawback_case", "ClawbackOpened").await,
        1
    );
    // The same key with another body.
    app.send(
        "POST",
        "/v1/clawbacks",
        Some(&officer),
        Some(&claim("p-1", 300_001)),
        &key,
    )
    .await
    .problem(422, "idempotency_key_reused");
    // Keys are per caller: another officer's same key is a new request.
    let other = app.token("officer-2", "officer", None);
    app.send("POST", "/v1/clawbacks", Some(&other), Some(&body), &key)
        .await
        .expect(201);
    assert_eq!(
        events_of_type(&app, "clawback_case", "ClawbackOpened").await,
        2
    );

    // Ten simultaneous sends of one repayment with one key: one event, ten equal answers.
    let case = first.body["id"].as_str().unwrap().to_string();
    app.post(&format!("/v1/clawbacks/{case}/notice"), &officer, json!({}))
        .await
        .expect(200);
    let path = format!("/v1/clawbacks/{case}/repayments");
    let pay = json!({"amount_fen": 100_000, "treasury_receipt_ref": "国库-0001"});
    let pay_key = [("Idempotency-Key", "repay-0001")];
    let answers =
        join_all((0..10).map(|_| app.send("POST", &path, Some(&officer), Some(&pay), &pay_key)))
            .await;
    for r in &answers {
        assert_eq!(r.status, 200, "{r:?}");
        assert_eq!(r.body, answers[0].body);
    }
    assert_eq!(
        events_of_type(&app, "clawback_case", "RepaymentRecorded").await,
        1
    );

    // The client sends a command and drops the connection before the answer: the command still
    // commits once, and the retry with the same key gets its answer without a second event.
    let lost_body = json!({"amount_fen": 50_000, "treasury_receipt_ref": "国库-0002"}).to_string();
    let address = app.url.trim_start_matches("http://").to_string();
    let mut socket = tokio::net::TcpStream::connect(&address).await.unwrap();
    let request = format!(
        "POST {path} HTTP/1.1\r\nHost: {address}\r\nAuthorization: Bearer {officer}\r\n\
         Content-Type: application/json\r\nIdempotency-Key: repay-0002\r\n\
         Content-Length: {}\r\nConnection: close\r\n\r\n{lost_body}",
        lost_body.len()
    );
    socket.write_all(request.as_bytes()).await.unwrap();
    socket.flush().await.unwrap();
    let mut waited = 0;
    while events_of_type(&app, "clawback_case", "RepaymentRecorded").await < 2 && waited < 200 {
        tokio::time::sleep(Duration::from_millis(50)).await;
        waited += 1;
    }
    // Committed: the connection goes before its answer is read.
    drop(socket);
    // The dropped request did commit, once, before any retry.
    assert_eq!(
        events_of_type(&app, "clawback_case", "RepaymentRecorded").await,
        2,
        "the request whose answer was lost did not commit"
    );
    let retry = app
        .send(
            "POST",
            &path,
            Some(&officer),
            Some(&serde_json::from_str::<Value>(&lost_body).unwrap()),
            &[("Idempotency-Key", "repay-0002")],
        )
        .await;
    assert_eq!(retry.status, 200, "{retry:?}");
    assert_eq!(retry.body["repaid_fen"], 150_000);
    assert_eq!(
        events_of_type(&app, "clawback_case", "RepaymentRecorded").await,
        2
    );
}
both_backends!(an_idempotency_key_stores_once_and_replays_the_first_answer);

async fn a_refused_referral_waits_on_the_attention_list_until_its_cause_is_fixed(backend: Backend) {
    let app = spawn_app(backend).await;
    seed_funded_project(&app, "p-1", orgs::ENT_A, &[], 1_000_000).await;
    let officer = app.officer();
    // An officer already claims everything that was disbursed…
    let manual = app
        .post("/v1/clawbacks", &officer, claim("p-1", 1_000_000))
        .await
        .expect(201)["id"]
        .as_str()
        .unwrap()
        .to_string();
    // …so the recovery referral of the project's termination cannot open its case.
    app.post(
        "/v1/projects/p-1/terminate",
        &officer,
        json!({"reason": "misconduct", "detail": "伪造数据"}),
    )
    .await
    .expect(200);
    let items = app.get("/v1/attention?status=open", &officer).await;
    let items = items.expect(200)["items"].as_array().unwrap().clone();
    assert_eq!(items.len(), 1, "{items:?}");
    let item = &items[0];
    assert_eq!(item["reactor"], "open_clawback_for_project_recovery");
    assert_eq!(item["code"], "amount_above_recoverable");
    assert_eq!(item["cause"]["aggregate_type"], "project");
    assert_eq!(item["cause"]["event_type"], "RecoveryReferred");
    let id = item["id"].as_str().unwrap().to_string();
    // Applicants do not see the work list.
    app.get("/v1/attention", &app.applicant(orgs::ENT_A))
        .await
        .problem(403, "forbidden");

    // Retrying before the cause is fixed is refused again and the item stays open.
    let retried = app
        .post(&format!("/v1/attention/{id}/retry"), &officer, json!({}))
        .await;
    assert_eq!(retried.expect(200)["status"], "open");

    // The manual case is withdrawn after the debtor's objection: nothing is owed on it now.
    app.post(
        &format!("/v1/clawbacks/{manual}/notice"),
        &officer,
        json!({}),
    )
    .await
    .expect(200);
    app.post(
        &format!("/v1/clawbacks/{manual}/objection"),
        &app.applicant(orgs::ENT_A),
        json!({"grounds": "重复追回"}),
    )
    .await
    .expect(200);
    app.post(
        &format!("/v1/clawbacks/{manual}/objection/decision"),
        &officer,
        json!({"decision": "withdraw", "reason": "与项目终止追回重复"}),
    )
    .await
    .expect(200);

    let retried = app
        .post(&format!("/v1/attention/{id}/retry"), &officer, json!({}))
        .await;
    let retried = retried.expect(200);
    assert_eq!(retried["status"], "resolved", "{retried}");
    let cases = app.get("/v1/clawbacks?status=opened", &officer).await;
    let cases = cases.expect(200)["items"].as_array().unwrap().clone();
    assert_eq!(cases.len(), 1, "exactly one case from the referral");
    assert_eq!(cases[0]["owed_fen"], 1_000_000);
    assert_eq!(cases[0]["basis"]["kind"], "project_terminated");
    // A resolved item cannot be dismissed; the history shows every step.
    app.post(
        &format!("/v1/attention/{id}/dismiss"),
        &officer,
        json!({"reason": "x"}),
    )
    .await
    .problem(409, "invalid_transition");
    let history = app.get(&format!("/v1/attention/{id}"), &officer).await;
    let steps: Vec<String> = history.expect(200)["history"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["what"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(
        steps,
        [
            "refused",
            "retry_requested",
            "refused",
            "retry_requested",
            "resolved"
        ]
    );
}
both_backends!(a_refused_referral_waits_on_the_attention_list_until_its_cause_is_fixed);

/// Starts the real `grantledger` binary on `db_url` with the clock pinned at `now`, running
/// its scheduler every second.
fn server_process(app: &TestApp, now: &str) -> std::process::Child {
    std::process::Command::new(env!("CARGO_BIN_EXE_grantledger"))
        .args(["serve", "--addr", "127.0.0.1:0"])
        .env("DATABASE_URL", app.db_url())
        .env("GRANTLEDGER_JWT_SECRET", app.secret())
        .env("GRANTLEDGER_FAKE_NOW", now)
        .env("GRANTLEDGER_CLOCK_INTERVAL_SECS", "1")
        // Required on PostgreSQL since the transparency log (issue 15); both processes share it.
        .env(
            "GRANTLEDGER_LOG_KEY",
            tlog::Signer::from_seed("grantledger.test/log", [1; 32])
                .expect("key")
                .to_private_text(),
        )
        .env("RUST_LOG", "warn")
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .expect("grantledger serve")
}

async fn two_server_processes_mark_an_unpaid_case_overdue_exactly_once(backend: Backend) {
    let app = spawn_app(backend).await;
    let officer = app.officer();
    let case = noticed_case(&app, 500_000).await;
    // The clock on the due date itself changes nothing.
    app.set_now("2027-01-25T20:00:00+08:00");
    let report = app::clock::run_due(&app.state).await.unwrap();
    assert_eq!(report.overdue_marked, 0);

    // Two more server processes on the same database, their pinned clocks past the due date.
    let mut servers = [
        server_process(&app, "2027-01-26T09:00:00+08:00"),
        server_process(&app, "2027-01-26T09:00:00+08:00"),
    ];
    let mut waited = 0;
    while events_of_type(&app, "clawback_case", "RepaymentOverdue").await == 0 && waited < 300 {
        tokio::time::sleep(Duration::from_millis(100)).await;
        waited += 1;
    }
    // Let both schedulers tick a few more times.
    tokio::time::sleep(Duration::from_millis(2_500)).await;
    for s in &mut servers {
        let _ = s.kill();
        let _ = s.wait();
    }
    assert_eq!(
        events_of_type(&app, "clawback_case", "RepaymentOverdue").await,
        1
    );
    let events = app
        .state
        .store()
        .events("clawback_case", &case, 0, None)
        .await
        .unwrap();
    let overdue = events
        .iter()
        .find(|e| e.event_type == "RepaymentOverdue")
        .unwrap();
    assert_eq!(overdue.metadata["actor_sub"], "system:clock");
    let view = app.get(&format!("/v1/clawbacks/{case}"), &officer).await;
    assert_eq!(view.expect(200)["status"], "overdue");
}
both_backends!(two_server_processes_mark_an_unpaid_case_overdue_exactly_once);
