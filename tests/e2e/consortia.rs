use serde_json::{json, Value};

use crate::helpers::{orgs, spawn_app, Backend, TestApp};

fn formation() -> Value {
    json!({
        "name": "昆山光刻材料创新联合体",
        "lead": orgs::LEAD,
        "members": [orgs::ENT_A, orgs::ENT_B, orgs::ENT_C, orgs::UNIV, orgs::INST],
        "charter_ref": "章程-2027-01",
        "focus_chain": "新型显示"
    })
}

async fn at(app: &TestApp, date: &str) {
    app.set_now(&format!("{date}T09:00:00+08:00"));
}

/// Plans round `n`, enrols `consortium`, and opens it on `opens`, with self-assessments due on `due`.
async fn open_round(
    app: &TestApp,
    n: u32,
    period: (&str, &str),
    consortium: &str,
    opens: &str,
    due: &str,
) -> String {
    let officer = app.officer();
    let planned = app
        .post(
            "/v1/evaluation-rounds",
            &officer,
            json!({"round_no": n, "period_start": period.0, "period_end": period.1,
                   "evaluator_kind": "experts"}),
        )
        .await;
    let round = planned.expect(201)["id"].as_str().unwrap().to_string();
    assert_eq!(round, format!("round-{n}"));
    app.post(
        &format!("/v1/evaluation-rounds/{round}/subjects"),
        &officer,
        json!({"consortium_id": consortium}),
    )
    .await
    .expect(200);
    at(app, opens).await;
    let opened = app
        .post(
            &format!("/v1/evaluation-rounds/{round}/open"),
            &officer,
            json!({"self_assessment_due": due}),
        )
        .await;
    assert_eq!(opened.expect(200)["status"], "open");
    round
}

async fn a_consortium_is_upgraded_with_a_top_up_and_revoked_after_two_failed_rounds(
    backend: Backend,
) {
    let app = spawn_app(backend).await;
    let officer = app.officer();
    let lead = app.applicant(orgs::LEAD);
    let member = app.applicant(orgs::ENT_A);
    let auditor = app.auditor();
    let expert = app.token("expert-1", "reviewer", Some(orgs::NRDI));

    // Only the lead's applicant forms the consortium.
    app.post("/v1/consortia", &member, formation())
        .await
        .problem(403, "forbidden");
    let formed = app.post("/v1/consortia", &lead, formation()).await;
    let id = formed.expect(201)["id"].as_str().unwrap().to_string();
    assert_eq!(formed.body["status"], "formed");
    let c = format!("/v1/consortia/{id}");

    // Kunshan cultivation (L1) with its 50万 reward, paid in full.
    app.post(
        &format!("{c}/apply-level"),
        &officer,
        json!({"level": "kunshan_cultivation", "recommended_by": "玉山镇"}),
    )
    .await
    .expect(200);
    let granted = app
        .post(
            &format!("{c}/decide-level"),
            &officer,
            json!({"granted": true, "decision_ref": "昆科〔2027〕3号", "effective_date": "2027-01-10"}),
        )
        .await;
    assert_eq!(granted.expect(200)["level"], "kunshan_cultivation");
    assert_eq!(granted.body["construction_end"], "2030-01-10");
    let reward = app
        .post(
            &format!("{c}/cultivation-rewards"),
            &officer,
            json!({"level": "kunshan_cultivation", "amount_fen": 50_000_000}),
        )
        .await;
    assert_eq!(reward.expect(200)["grants"][0]["payable_fen"], 50_000_000);
    app.post(
        &format!("{c}/grants/grant-1/disburse"),
        &officer,
        json!({"amount_fen": 50_000_000}),
    )
    .await
    .expect(200);
    let before = app.version("consortium", &id).await;
    app.post(
        &format!("{c}/cultivation-rewards"),
        &officer,
        json!({"level": "kunshan_cultivation", "amount_fen": 1}),
    )
    .await
    .problem(409, "reward_already_granted");
    assert_eq!(app.version("consortium", &id).await, before);

    // Upgrade to Suzhou cultivation (L2): the 100万 reward tops up by 50万 only.
    at(&app, "2027-06-01").await;
    app.post(
        &format!("{c}/apply-level"),
        &officer,
        json!({"level": "suzhou_cultivation", "recommended_by": "昆山市科技局"}),
    )
    .await
    .expect(200);
    app.post(
        &format!("{c}/decide-level"),
        &officer,
        json!({"granted": true, "effective_date": "2027-06-01"}),
    )
    .await
    .problem(422, "suzhou_decision_ref_required");
    app.post(
        &format!("{c}/decide-level"),
        &officer,
        json!({"granted": true, "decision_ref": "苏科资〔2027〕88号", "effective_date": "2027-06-01"}),
    )
    .await
    .expect(200);
    let topped = app
        .post(
            &format!("{c}/cultivation-rewards"),
            &officer,
            json!({"level": "suzhou_cultivation", "amount_fen": 100_000_000}),
        )
        .await;
    let topped = topped.expect(200);
    assert_eq!(topped["grants"][1]["amount_fen"], 100_000_000);
    assert_eq!(topped["grants"][1]["payable_fen"], 50_000_000);
    app.post(
        &format!("{c}/grants/grant-2/disburse"),
        &officer,
        json!({"amount_fen": 20_000_000}),
    )
    .await
    .expect(200);
    app.post(
        &format!("{c}/grants/grant-2/disburse"),
        &officer,
        json!({"amount_fen": 30_000_001}),
    )
    .await
    .problem(422, "disbursement_exceeds_payable");

    // Round 1 (2027–2029): cannot open before its period ends; one expert scores 50 → fail.
    let planned = app
        .post(
            "/v1/evaluation-rounds",
            &officer,
            json!({"round_no": 1, "period_start": "2027-01-01", "period_end": "2029-01-01",
                   "evaluator_kind": "experts"}),
        )
        .await;
    planned.expect(201);
    app.post(
        "/v1/evaluation-rounds/round-1/subjects",
        &officer,
        json!({"consortium_id": id}),
    )
    .await
    .expect(200);
    app.post(
        "/v1/evaluation-rounds/round-1/open",
        &officer,
        json!({"self_assessment_due": "2029-02-28"}),
    )
    .await
    .problem(422, "period_not_ended");
    at(&app, "2029-01-05").await;
    app.post(
        "/v1/evaluation-rounds/round-1/open",
        &officer,
        json!({"self_assessment_due": "2029-02-28"}),
    )
    .await
    .expect(200);
    let r1 = "/v1/evaluation-rounds/round-1";
    at(&app, "2029-02-01").await;
    app.post(
        &format!("{r1}/self-assessments"),
        &member,
        json!({"consortium_id": id, "report_ref": "自查-2029"}),
    )
    .await
    .problem(403, "forbidden");
    app.post(
        &format!("{r1}/self-assessments"),
        &lead,
        json!({"consortium_id": id, "report_ref": "自查-2029"}),
    )
    .await
    .expect(200);
    at(&app, "2029-03-01").await;
    app.post(&format!("{r1}/start-review"), &officer, json!({}))
        .await
        .expect(200);
    app.post(
        &format!("{r1}/evaluators"),
        &officer,
        json!({"consortium_id": id, "evaluator_id": "expert-1", "evaluator_org": orgs::UNIV}),
    )
    .await
    .problem(422, "evaluator_conflict");
    // An institute that joined after enrolment is conflicted too.
    const LATE_INSTITUTE: &str = "12320583466000050A";
    app.post(
        &format!("{c}/add-member"),
        &lead,
        json!({"member": LATE_INSTITUTE, "on": "2029-03-01", "reason": "新成员"}),
    )
    .await
    .expect(200);
    app.post(
        &format!("{r1}/evaluators"),
        &officer,
        json!({"consortium_id": id, "evaluator_id": "expert-2", "evaluator_org": LATE_INSTITUTE}),
    )
    .await
    .problem(422, "evaluator_conflict");
    app.post(
        &format!("{r1}/evaluators"),
        &officer,
        json!({"consortium_id": id, "evaluator_id": "expert-1", "evaluator_org": orgs::NRDI}),
    )
    .await
    .expect(200);
    let queue = app.get("/v1/me/evaluations?status=pending", &expert).await;
    let queue = queue.expect(200)["items"].as_array().unwrap().clone();
    assert_eq!(queue.len(), 1);
    assert_eq!(queue[0]["consortium_id"], id.as_str());
    assert_eq!(queue[0]["self_assessment_ref"], "自查-2029");
    app.post(
        &format!("{r1}/scores"),
        &expert,
        json!({"consortium_id": id, "score": 50}),
    )
    .await
    .expect(200);
    let queue = app.get("/v1/me/evaluations", &expert).await;
    assert_eq!(queue.expect(200)["items"][0]["status"], "scored");
    assert_eq!(queue.body["items"][0]["score"], 50);
    // Scores stay with the bureau until the round is final.
    let seen = app.get(r1, &lead).await;
    assert_eq!(seen.expect(200)["subjects"][0]["evaluators"], json!([]));
    app.post(
        &format!("{r1}/publish-results"),
        &officer,
        json!({"from": "2029-03-10", "to": "2029-03-15"}),
    )
    .await
    .problem(422, "notice_too_short");
    let publicised = app
        .post(
            &format!("{r1}/publish-results"),
            &officer,
            json!({"from": "2029-03-10", "to": "2029-03-16"}),
        )
        .await;
    assert_eq!(publicised.expect(200)["results"][0]["grade"], "fail");
    at(&app, "2029-03-17").await;
    let finalised = app
        .post(&format!("{r1}/finalise"), &officer, json!({}))
        .await;
    assert_eq!(finalised.expect(200)["status"], "finalised");
    let after_one = app.get(&c, &officer).await;
    let after_one = after_one.expect(200);
    assert_eq!(after_one["status"], "holding");
    assert_eq!(after_one["evaluations"][0]["grade"], "fail");
    assert_eq!(after_one["evaluations"][0]["round_id"], "round-1");

    // Round 2 (2029–2031): no self-assessment → fail; the second failure in a row revokes.
    at(&app, "2029-04-01").await;
    let r2 = open_round(
        &app,
        2,
        ("2029-01-01", "2031-01-01"),
        &id,
        "2031-01-05",
        "2031-02-28",
    )
    .await;
    let r2 = format!("/v1/evaluation-rounds/{r2}");
    // The L2 construction period ended on 2030-06-01 with no acceptance.
    let due = app.get("/v1/consortia/acceptance-due", &officer).await;
    let due = due.expect(200)["items"].as_array().unwrap().clone();
    assert_eq!(due.len(), 1);
    assert_eq!(due[0]["id"], id.as_str());
    assert_eq!(due[0]["construction_end"], "2030-06-01");
    app.get("/v1/consortia/acceptance-due", &lead)
        .await
        .problem(403, "forbidden");
    at(&app, "2031-03-01").await;
    let review = app
        .post(&format!("{r2}/start-review"), &officer, json!({}))
        .await;
    assert_eq!(
        review.expect(200)["subjects"][0]["missing_self_assessment"],
        true
    );
    app.post(
        &format!("{r2}/publish-results"),
        &officer,
        json!({"from": "2031-03-02", "to": "2031-03-08"}),
    )
    .await
    .expect(200);
    at(&app, "2031-03-09").await;
    app.post(&format!("{r2}/finalise"), &officer, json!({}))
        .await
        .expect(200);

    let revoked = app.get(&c, &officer).await;
    let revoked = revoked.expect(200).clone();
    assert_eq!(revoked["status"], "revoked");
    assert_eq!(revoked["level"], Value::Null);
    assert_eq!(revoked["revocation"]["reason"], "two_consecutive_fails");
    assert_eq!(revoked["revocation"]["level_lost"], "suzhou_cultivation");
    let grades: Vec<&str> = revoked["evaluations"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["grade"].as_str().unwrap())
        .collect();
    assert_eq!(grades, ["fail", "fail"]);
    let money = &revoked["money_by_level"];
    assert_eq!(money["kunshan_cultivation"]["granted_fen"], 50_000_000);
    assert_eq!(money["kunshan_cultivation"]["paid_fen"], 50_000_000);
    assert_eq!(money["suzhou_cultivation"]["granted_fen"], 100_000_000);
    assert_eq!(money["suzhou_cultivation"]["paid_fen"], 20_000_000);
    assert_eq!(
        money["suzhou_cultivation"]["payable_fen"], 20_000_000,
        "the unpaid 30万 of the top-up was cancelled"
    );
    assert_eq!(revoked["grants"][1]["cancelled_fen"], 30_000_000);
    assert_eq!(revoked["disbursed_total_fen"], 70_000_000);

    // Disbursements stop; the acceptance-due list lets it go.
    let version = app.version("consortium", &id).await;
    app.post(
        &format!("{c}/grants/grant-2/disburse"),
        &officer,
        json!({"amount_fen": 1}),
    )
    .await
    .problem(422, "consortium_revoked");
    assert_eq!(app.version("consortium", &id).await, version);
    let due = app.get("/v1/consortia/acceptance-due", &officer).await;
    assert_eq!(due.expect(200)["items"], json!([]));

    // The reaction is idempotent: draining again records nothing more.
    app::reactions::drain(&app.state).await.unwrap();
    assert_eq!(app.version("consortium", &id).await, version);

    // Every party sees the same consortium and the same final round.
    for token in [&lead, &member, &auditor, &expert] {
        let seen = app.get(&c, token).await;
        assert_eq!(seen.expect(200), &revoked);
        assert_eq!(seen.etag(), version.to_string());
    }
    let round_for_officer = app.get(&r2, &officer).await.expect(200).clone();
    for token in [&lead, &auditor, &expert] {
        assert_eq!(app.get(&r2, token).await.expect(200), &round_for_officer);
    }
    assert_eq!(round_for_officer["results"][0]["grade"], "fail");
    assert_eq!(
        round_for_officer["results"][0]["missing_self_assessment"],
        true
    );
    let listed = app.get("/v1/consortia?status=revoked", &lead).await;
    assert_eq!(listed.expect(200)["items"][0], revoked);

    // Folding every event again gives the same views, the evaluator queue included.
    let before = app.state.store().dump_views().await.unwrap();
    app.state.store().rebuild_projections().await.unwrap();
    assert_eq!(app.state.store().dump_views().await.unwrap(), before);
}
both_backends!(a_consortium_is_upgraded_with_a_top_up_and_revoked_after_two_failed_rounds);

async fn a_round_cannot_skip_a_number_or_leave_a_gap(backend: Backend) {
    let app = spawn_app(backend).await;
    let officer = app.officer();
    app.post(
        "/v1/evaluation-rounds",
        &officer,
        json!({"round_no": 2, "period_start": "2027-01-01", "period_end": "2029-01-01",
               "evaluator_kind": "third_party"}),
    )
    .await
    .problem(422, "round_number_out_of_order");
    app.post(
        "/v1/evaluation-rounds",
        &officer,
        json!({"round_no": 1, "period_start": "2025-01-01", "period_end": "2027-01-01",
               "evaluator_kind": "third_party"}),
    )
    .await
    .expect(201);
    app.post(
        "/v1/evaluation-rounds",
        &officer,
        json!({"round_no": 2, "period_start": "2027-02-01", "period_end": "2029-02-01",
               "evaluator_kind": "third_party"}),
    )
    .await
    .problem(422, "period_not_contiguous");
    app.post(
        "/v1/evaluation-rounds",
        &officer,
        json!({"round_no": 1, "period_start": "2025-01-01", "period_end": "2027-01-01",
               "evaluator_kind": "third_party"}),
    )
    .await
    .problem(422, "invalid_transition");
    assert_eq!(app.version("evaluation_round", "round-2").await, 0);
    assert_eq!(app.version("evaluation_round", "round-1").await, 1);
}
both_backends!(a_round_cannot_skip_a_number_or_leave_a_gap);

async fn a_failed_final_acceptance_ends_in_rectification_then_a_recovery_referral(
    backend: Backend,
) {
    let app = spawn_app(backend).await;
    let officer = app.officer();
    let lead = app.applicant(orgs::LEAD);
    let formed = app.post("/v1/consortia", &lead, formation()).await;
    let id = formed.expect(201)["id"].as_str().unwrap().to_string();
    let c = format!("/v1/consortia/{id}");
    app.post(
        &format!("{c}/apply-level"),
        &officer,
        json!({"level": "suzhou_accreditation", "recommended_by": "昆山市科技局"}),
    )
    .await
    .expect(200);
    app.post(
        &format!("{c}/decide-level"),
        &officer,
        json!({"granted": true, "decision_ref": "苏科资〔2027〕5号",
               "effective_date": "2027-01-10", "construction_years": 2}),
    )
    .await
    .expect(200);
    let support = app
        .post(
            &format!("{c}/accreditation-support"),
            &officer,
            json!({"amount_fen": 150_000_000,
                   "basis": {"kind": "operations_report", "report_ref": "运营报告-2026"}}),
        )
        .await;
    assert_eq!(
        support.expect(200)["money_by_level"]["suzhou_accreditation"]["granted_fen"],
        150_000_000
    );
    app.post(
        &format!("{c}/accreditation-support"),
        &officer,
        json!({"amount_fen": 50_000_001,
               "basis": {"kind": "operations_report", "report_ref": "运营报告-2027"}}),
    )
    .await
    .problem(422, "support_cap_exceeded");
    app.post(
        &format!("{c}/grants/grant-1/disburse"),
        &officer,
        json!({"amount_fen": 100_000_000}),
    )
    .await
    .expect(200);

    // A member leaving would drop the count below the Suzhou minimum of 5.
    app.post(
        &format!("{c}/remove-member"),
        &lead,
        json!({"member": orgs::ENT_A, "on": "2027-01-10", "reason": "退出"}),
    )
    .await
    .problem(422, "too_few_members");
    app.post(
        &format!("{c}/add-member"),
        &lead,
        json!({"member": orgs::NRDI, "on": "2027-01-10", "reason": "新成员"}),
    )
    .await
    .expect(200);

    app.post(&format!("{c}/end-construction-period"), &officer, json!({}))
        .await
        .problem(422, "construction_period_not_over");
    at(&app, "2029-01-10").await;
    let due = app.get("/v1/consortia/acceptance-due", &officer).await;
    assert_eq!(due.expect(200)["items"][0]["id"], id.as_str());
    app.post(&format!("{c}/end-construction-period"), &officer, json!({}))
        .await
        .expect(200);
    let failed = app
        .post(
            &format!("{c}/final-acceptance"),
            &officer,
            json!({"passed": false, "report_ref": "验收-2029"}),
        )
        .await;
    assert_eq!(failed.expect(200)["status"], "remedy_pending");
    let ordered = app
        .post(
            &format!("{c}/remedy"),
            &officer,
            json!({"kind": "rectify", "deadline": "2029-07-10"}),
        )
        .await;
    assert_eq!(ordered.expect(200)["status"], "rectifying");
    app.post(
        &format!("{c}/rectification-outcome"),
        &officer,
        json!({"passed": false, "report_ref": "复验-2029", "recover_amount_fen": 100_000_001}),
    )
    .await
    .problem(422, "recovery_exceeds_disbursed");
    let referred = app
        .post(
            &format!("{c}/rectification-outcome"),
            &officer,
            json!({"passed": false, "report_ref": "复验-2029", "recover_amount_fen": 100_000_000}),
        )
        .await;
    let referred = referred.expect(200);
    assert_eq!(referred["status"], "recovery_referred");
    assert_eq!(
        referred["acceptance"]["recovery"],
        json!({"debtor": orgs::LEAD, "amount_fen": 100_000_000,
               "basis": "rectification_failed", "referred_on": "2029-01-10"})
    );
    let due = app.get("/v1/consortia/acceptance-due", &officer).await;
    assert_eq!(due.expect(200)["items"], json!([]));
    assert_eq!(app.get(&c, &lead).await.expect(200), referred);

    // The referral opened the clawback case (追回资金) against the lead, once.
    app::reactions::drain(&app.state).await.unwrap();
    let cases = app.get("/v1/clawbacks", &officer).await;
    let cases = cases.expect(200)["items"].as_array().unwrap().clone();
    assert_eq!(cases.len(), 1, "{cases:?}");
    assert_eq!(cases[0]["debtor"], orgs::LEAD);
    assert_eq!(cases[0]["owed_fen"], 100_000_000);
    assert_eq!(cases[0]["basis"]["kind"], "consortium_remedy");
}
both_backends!(a_failed_final_acceptance_ends_in_rectification_then_a_recovery_referral);

async fn an_upheld_objection_revises_the_grade_the_consortium_receives(backend: Backend) {
    let app = spawn_app(backend).await;
    let officer = app.officer();
    let lead = app.applicant(orgs::LEAD);
    let objector = app.applicant(orgs::ENT_A);
    let expert = app.token("expert-7", "reviewer", Some(orgs::NRDI));
    let formed = app.post("/v1/consortia", &lead, formation()).await;
    let id = formed.expect(201)["id"].as_str().unwrap().to_string();
    let c = format!("/v1/consortia/{id}");
    app.post(
        &format!("{c}/apply-level"),
        &officer,
        json!({"level": "kunshan_cultivation", "recommended_by": "玉山镇"}),
    )
    .await
    .expect(200);
    app.post(
        &format!("{c}/decide-level"),
        &officer,
        json!({"granted": true, "decision_ref": "昆科〔2027〕3号", "effective_date": "2027-01-10"}),
    )
    .await
    .expect(200);

    let round = open_round(
        &app,
        1,
        ("2027-01-01", "2029-01-01"),
        &id,
        "2029-01-05",
        "2029-02-28",
    )
    .await;
    let r = format!("/v1/evaluation-rounds/{round}");
    app.post(
        &format!("{r}/self-assessments"),
        &lead,
        json!({"consortium_id": id, "report_ref": "自查-2029"}),
    )
    .await
    .expect(200);
    at(&app, "2029-03-01").await;
    app.post(&format!("{r}/start-review"), &officer, json!({}))
        .await
        .expect(200);
    app.post(
        &format!("{r}/evaluators"),
        &officer,
        json!({"consortium_id": id, "evaluator_id": "expert-7", "evaluator_org": orgs::NRDI}),
    )
    .await
    .expect(200);
    app.post(
        &format!("{r}/scores"),
        &expert,
        json!({"consortium_id": id, "score": 101}),
    )
    .await
    .problem(422, "score_out_of_range");
    // The seat is (expert-7, NRDI): the same sub on the consortium lead's token is someone else.
    let before = app.version("evaluation_round", &round).await;
    app.post(
        &format!("{r}/scores"),
        &app.token("expert-7", "reviewer", Some(orgs::LEAD)),
        json!({"consortium_id": id, "score": 100}),
    )
    .await
    .problem(403, "not_seated");
    assert_eq!(app.version("evaluation_round", &round).await, before);
    app.post(
        &format!("{r}/scores"),
        &expert,
        json!({"consortium_id": id, "score": 85}),
    )
    .await
    .expect(200);
    let publicised = app
        .post(
            &format!("{r}/publish-results"),
            &officer,
            json!({"from": "2029-03-10", "to": "2029-03-16"}),
        )
        .await;
    assert_eq!(publicised.expect(200)["results"][0]["grade"], "excellent");
    assert_eq!(publicised.body["results"][0]["mean_score_hundredths"], 8500);

    at(&app, "2029-03-12").await;
    app.post(
        &format!("{r}/objections"),
        &objector,
        json!({"consortium_id": id, "objector_name": " ", "grounds": "数据不实"}),
    )
    .await
    .problem(422, "anonymous_objection");
    let filed = app
        .post(
            &format!("{r}/objections"),
            &objector,
            json!({"consortium_id": id, "objector_name": "张三", "objector_org": orgs::ENT_A,
                   "grounds": "自查报告产值数据不实", "evidence_ref": "证据-1"}),
        )
        .await;
    let objection = filed.expect(200)["objections"][0]["objection_id"]
        .as_str()
        .unwrap()
        .to_string();
    at(&app, "2029-03-17").await;
    app.post(&format!("{r}/finalise"), &officer, json!({}))
        .await
        .problem(409, "objection_pending");
    app.post(
        &format!("{r}/objections/{objection}/resolve"),
        &officer,
        json!({"upheld": true}),
    )
    .await
    .problem(422, "revised_grade_invalid");
    let resolved = app
        .post(
            &format!("{r}/objections/{objection}/resolve"),
            &officer,
            json!({"upheld": true, "revised_grade": "pass"}),
        )
        .await;
    assert_eq!(resolved.expect(200)["results"][0]["grade"], "pass");
    let finalised = app
        .post(&format!("{r}/finalise"), &officer, json!({}))
        .await;
    assert_eq!(finalised.expect(200)["status"], "finalised");

    let consortium = app.get(&c, &lead).await;
    assert_eq!(consortium.expect(200)["evaluations"][0]["grade"], "pass");
    // Once final, scores are public to every party.
    let seen = app.get(&r, &objector).await;
    assert_eq!(
        seen.expect(200)["subjects"][0]["evaluators"][0]["score"],
        85
    );
    let listed = app
        .get("/v1/evaluation-rounds?status=finalised", &objector)
        .await;
    assert_eq!(listed.expect(200)["items"][0]["id"], "round-1");
}
both_backends!(an_upheld_objection_revises_the_grade_the_consortium_receives);
