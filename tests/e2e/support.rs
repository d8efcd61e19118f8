//! Rule-based support instruments of seed 002 over HTTP: the broker's annual cap across
//! applications and years, the guards of each instrument, 一事一议 with four eyes, the
//! integrity bar, and a recovery referral that opens a clawback case.

use serde_json::{json, Value};

use crate::helpers::{orgs, spawn_app, Backend, TestApp};

const BROKER: &str = "tech_transfer_post_subsidy";
const PREMIUM: &str = "science_insurance_premium_subsidy";

/// 万元 in fen.
fn wan(n: i64) -> i64 {
    n * 1_000_000
}

fn evidence(instrument: &str) -> Value {
    let kinds: &[&str] = match instrument {
        BROKER => &["contract", "invoice", "treasury_receipt"],
        PREMIUM => &["insurance_policy", "invoice", "treasury_receipt"],
        _ => &[],
    };
    Value::Array(
        kinds
            .iter()
            .map(|k| json!({"kind": k, "reference": format!("{k}-001")}))
            .collect(),
    )
}

/// Files an application for `org` and verifies its base in full; returns its id.
async fn verified_application(app: &TestApp, org: &str, instrument: &str, base_fen: i64) -> String {
    let filed = app
        .post(
            "/v1/support-applications",
            &app.applicant(org),
            json!({"instrument": instrument, "base_fen": base_fen, "evidence": evidence(instrument)}),
        )
        .await;
    let id = filed.expect(201)["id"].as_str().unwrap().to_string();
    app.post(
        &format!("/v1/support-applications/{id}/verification"),
        &app.officer(),
        json!({"verified_base_fen": base_fen}),
    )
    .await
    .expect(200);
    id
}

async fn decide(app: &TestApp, id: &str, token: &str, body: Value) -> crate::helpers::Resp {
    app.post(
        &format!("/v1/support-applications/{id}/decision"),
        token,
        body,
    )
    .await
}

async fn usage(app: &TestApp, org: &str, year: i32) -> Value {
    let page = app
        .get(
            &format!("/v1/support-usage?beneficiary={org}&year={year}&instrument={BROKER}"),
            &app.officer(),
        )
        .await;
    page.expect(200)["items"][0].clone()
}

async fn a_broker_reaches_its_annual_cap_and_starts_afresh_the_next_year(backend: Backend) {
    let app = spawn_app(backend).await;
    let officer = app.officer();

    // 3% of 1600万 = 48万.
    let first = verified_application(&app, orgs::ENT_A, BROKER, wan(1600)).await;
    let granted = decide(&app, &first, &officer, json!({"decision": "grant"})).await;
    let granted = granted.expect(200);
    assert_eq!(granted["status"], "granted");
    assert_eq!(granted["granted_fen"], wan(48));
    assert_eq!(granted["year"], 2027);

    // Seed case: 3% of 100万 = 3万, capped to the 2万 left of the 50万.
    let second = verified_application(&app, orgs::ENT_A, BROKER, wan(100)).await;
    let capped = decide(&app, &second, &officer, json!({"decision": "grant"})).await;
    let capped = capped.expect(200);
    assert_eq!(capped["granted_fen"], wan(2));
    assert_eq!(capped["decision"]["computed_fen"], wan(3));
    assert_eq!(capped["decision"]["already_granted_fen"], wan(48));
    assert_eq!(capped["decision"]["capped"], true);

    // Nothing is left this year: refused, and nothing is stored.
    let third = verified_application(&app, orgs::ENT_A, BROKER, wan(100)).await;
    let before = app.version("support_application", &third).await;
    decide(&app, &third, &officer, json!({"decision": "grant"}))
        .await
        .problem(422, "cap_exhausted");
    assert_eq!(app.version("support_application", &third).await, before);

    let used = usage(&app, orgs::ENT_A, 2027).await;
    assert_eq!(used["granted_fen"], wan(50));
    assert_eq!(used["remaining_fen"], 0);
    assert_eq!(used["grants"].as_array().unwrap().len(), 2);

    // Another broker's cap is its own.
    let other = verified_application(&app, orgs::ENT_B, BROKER, wan(100)).await;
    decide(&app, &other, &officer, json!({"decision": "grant"}))
        .await
        .expect(200);

    // 00:30 on 1 January in Shanghai is still 31 December in UTC: the cap has reset.
    app.set_now("2028-01-01T00:30:00+08:00");
    let next = verified_application(&app, orgs::ENT_A, BROKER, wan(100)).await;
    let fresh = decide(&app, &next, &officer, json!({"decision": "grant"})).await;
    let fresh = fresh.expect(200);
    assert_eq!(fresh["year"], 2028);
    assert_eq!(fresh["granted_fen"], wan(3));
    assert_eq!(fresh["decision"]["capped"], false);
    assert_eq!(usage(&app, orgs::ENT_A, 2028).await["granted_fen"], wan(3));

    // Lists by instrument and year, status, and beneficiary.
    let count = |v: &Value| v["items"].as_array().unwrap().len();
    let by_year = app
        .get(
            &format!("/v1/support-applications?instrument={BROKER}&year=2027"),
            &officer,
        )
        .await;
    assert_eq!(count(by_year.expect(200)), 4);
    let granted_2027 = app
        .get(
            "/v1/support-applications?year=2027&status=granted",
            &officer,
        )
        .await;
    assert_eq!(count(granted_2027.expect(200)), 3);
    let mine = app
        .get(
            "/v1/support-applications?year=2028",
            &app.applicant(orgs::ENT_A),
        )
        .await;
    assert_eq!(count(mine.expect(200)), 1);
    let theirs = app
        .get("/v1/support-applications", &app.applicant(orgs::ENT_C))
        .await;
    assert_eq!(count(theirs.expect(200)), 0);
    app.get(
        &format!("/v1/support-applications/{first}"),
        &app.applicant(orgs::ENT_C),
    )
    .await
    .problem(404, "not_found");

    let catalogue = app.get("/v1/support-instruments", &officer).await;
    let items = catalogue.expect(200)["items"].as_array().unwrap().clone();
    assert_eq!(items.len(), 4);
    assert_eq!(items[0]["rate_bp"], 300);
    assert_eq!(items[0]["cap"], wan(50));
}
both_backends!(a_broker_reaches_its_annual_cap_and_starts_afresh_the_next_year);

async fn each_instrument_guards_its_rules(backend: Backend) {
    let app = spawn_app(backend).await;
    let officer = app.officer();
    let second_officer = app.token("officer-2", "officer", None);

    // Evidence the instrument requires.
    app.post(
        "/v1/support-applications",
        &app.applicant(orgs::ENT_A),
        json!({"instrument": BROKER, "base_fen": wan(100), "evidence": [{"kind": "contract", "reference": "c"}]}),
    )
    .await
    .problem(422, "evidence_missing");

    // A premium subsidy above 50% is refused; 50% is granted.
    let premium = verified_application(&app, orgs::ENT_A, PREMIUM, wan(10)).await;
    decide(
        &app,
        &premium,
        &officer,
        json!({"decision": "grant", "rate_bp": 5001}),
    )
    .await
    .problem(422, "rate_above_maximum");
    let half = decide(&app, &premium, &officer, json!({"decision": "grant"})).await;
    assert_eq!(half.expect(200)["granted_fen"], wan(5));

    // A reduced base needs a reason.
    let filed = app
        .post(
            "/v1/support-applications",
            &app.applicant(orgs::ENT_A),
            json!({"instrument": BROKER, "base_fen": wan(1700), "evidence": evidence(BROKER)}),
        )
        .await;
    let big = filed.expect(201)["id"].as_str().unwrap().to_string();
    app.post(
        &format!("/v1/support-applications/{big}/verification"),
        &officer,
        json!({"verified_base_fen": wan(1600)}),
    )
    .await
    .problem(422, "reduction_needs_reason");
    let reduced = app
        .post(
            &format!("/v1/support-applications/{big}/verification"),
            &officer,
            json!({"verified_base_fen": wan(1600), "reason": "100万元未见国库支付凭证"}),
        )
        .await;
    assert_eq!(reduced.expect(200)["verified_base_fen"], wan(1600));
    decide(&app, &big, &officer, json!({"decision": "grant"}))
        .await
        .expect(200);

    // 一事一议 above the cap: proposed by one officer, refused when the same officer approves,
    // granted when a second one does.
    let special = verified_application(&app, orgs::ENT_A, BROKER, wan(200)).await;
    let proposed = decide(
        &app,
        &special,
        &officer,
        json!({"decision": "grant", "case_by_case_ref": "昆科议〔2027〕7号"}),
    )
    .await;
    assert_eq!(proposed.expect(200)["status"], "awaiting_approval");
    let approval = format!("/v1/support-applications/{special}/case-by-case-approval");
    app.post(&approval, &officer, json!({}))
        .await
        .problem(422, "case_by_case_needs_second_officer");
    let approved = app.post(&approval, &second_officer, json!({})).await;
    let approved = approved.expect(200);
    assert_eq!(approved["granted_fen"], wan(6));
    assert_eq!(
        approved["decision"]["case_by_case"]["approved_by"],
        "officer-2"
    );
    let used = usage(&app, orgs::ENT_A, 2027).await;
    assert_eq!(used["granted_fen"], wan(54));
    assert_eq!(used["remaining_fen"], 0);

    // A barred beneficiary is refused at the decision.
    let pending = verified_application(&app, orgs::ENT_B, BROKER, wan(100)).await;
    let base = format!("/v1/integrity/{}", orgs::ENT_B);
    let case = app
        .post(
            &format!("{base}/cases"),
            &officer,
            json!({"allegation": "虚构技术合同", "source": {"kind": "report", "reference": "r-1"}}),
        )
        .await
        .expect(201)["case_id"]
        .as_str()
        .unwrap()
        .to_string();
    app.post(
        &format!("{base}/cases/{case}/determination"),
        &officer,
        json!({"severity": "serious", "findings_ref": "f-1"}),
    )
    .await
    .expect(200);
    app.post(&format!("{base}/cases/{case}/record"), &officer, json!({}))
        .await
        .expect(200);
    decide(&app, &pending, &officer, json!({"decision": "grant"}))
        .await
        .problem(422, "organisation_barred");
    // A refusal stands with its reason.
    let refused = decide(
        &app,
        &pending,
        &officer,
        json!({"decision": "refuse", "reason": "受理单位处于科研诚信惩戒期"}),
    )
    .await;
    assert_eq!(refused.expect(200)["status"], "refused");
}
both_backends!(each_instrument_guards_its_rules);

async fn an_improper_grant_is_referred_and_a_clawback_case_opens_on_it(backend: Backend) {
    let app = spawn_app(backend).await;
    let officer = app.officer();
    let id = verified_application(&app, orgs::ENT_A, BROKER, wan(100)).await;
    decide(&app, &id, &officer, json!({"decision": "grant"}))
        .await
        .expect(200);
    let paid = app
        .post(
            &format!("/v1/support-applications/{id}/disbursements"),
            &officer,
            json!({"amount_fen": wan(3) + 1, "tranche_ref": "拨付-001"}),
        )
        .await;
    paid.problem(422, "disbursement_above_grant");
    let paid = app
        .post(
            &format!("/v1/support-applications/{id}/disbursements"),
            &officer,
            json!({"amount_fen": wan(3), "tranche_ref": "拨付-001"}),
        )
        .await;
    assert_eq!(paid.expect(200)["status"], "disbursed");
    let referred = app
        .post(
            &format!("/v1/support-applications/{id}/recovery"),
            &officer,
            json!({"amount_fen": wan(3), "reason": "关联交易,非实际支付", "decision_ref": "昆科追〔2027〕9号"}),
        )
        .await;
    assert_eq!(referred.expect(200)["status"], "recovery_referred");

    let cases = app.get("/v1/clawbacks?status=opened", &officer).await;
    let cases = cases.expect(200)["items"].as_array().unwrap().clone();
    assert_eq!(cases.len(), 1);
    assert_eq!(
        cases[0]["subject"],
        json!({"kind": "support_application", "id": id})
    );
    assert_eq!(cases[0]["owed_fen"], wan(3));
    assert_eq!(cases[0]["debtor"], orgs::ENT_A);

    // The application's dossier holds its stream and the clawback case.
    let dossier = app
        .get(&format!("/v1/audit/projects/{id}"), &app.auditor())
        .await;
    let streams = dossier.expect(200)["streams"].as_array().unwrap().clone();
    let kinds: Vec<&str> = streams
        .iter()
        .map(|s| s["aggregate_type"].as_str().unwrap())
        .collect();
    assert_eq!(kinds, ["support_application", "clawback_case"]);
    let state = app
        .get(
            &format!("/v1/audit/streams/support_application/{id}/state?version=3"),
            &app.auditor(),
        )
        .await;
    assert_eq!(state.expect(200)["state"]["status"], "granted");
}
both_backends!(an_improper_grant_is_referred_and_a_clawback_case_opens_on_it);

/// Sixteen decisions for one broker and year at once: the cap is read under its lock in each
/// decision's own transaction, so what is stored never adds up to more than 50万.
async fn sixteen_concurrent_decisions_never_exceed_the_annual_cap(backend: Backend) {
    let app = spawn_app(backend).await;
    let officer = app.officer();
    let mut ids = Vec::new();
    // 3% of 1000万 = 30万 each: any two together are above the cap.
    for _ in 0..16 {
        ids.push(verified_application(&app, orgs::ENT_A, BROKER, wan(1000)).await);
    }
    let answers = futures::future::join_all(
        ids.iter()
            .map(|id| decide(&app, id, &officer, json!({"decision": "grant"}))),
    )
    .await;
    let granted = answers.iter().filter(|a| a.status == 200).count();
    for a in answers.iter().filter(|a| a.status != 200) {
        a.problem(422, "cap_exhausted");
    }
    // Count what was stored, not what was answered.
    let mut stored = 0i64;
    for id in &ids {
        let events = app
            .state
            .store()
            .events("support_application", id, 0, None)
            .await
            .unwrap();
        for e in events.iter().filter(|e| e.event_type == "SupportGranted") {
            stored += e.payload["SupportGranted"]["granted"].as_i64().unwrap();
        }
    }
    assert_eq!(stored, wan(50), "{granted} grants stored {stored} fen");
    assert_eq!(granted, 2);
    assert_eq!(usage(&app, orgs::ENT_A, 2027).await["granted_fen"], wan(50));
}
both_backends!(sixteen_concurrent_decisions_never_exceed_the_annual_cap);
