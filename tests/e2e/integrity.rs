use std::collections::HashMap;
use std::sync::Arc;

use app::AppState;
use chrono::{DateTime, Utc};
use kernel::{FixedClock, Money, OrgCode, RandomIds};
use projections::ListQuery;
use serde_json::json;
use store::testing::FreshDb;
use store::{Db, Store};

use crate::helpers::{orgs, seed_funded_project, spawn_app, Backend, START};

async fn a_serious_violation_bars_until_the_anniversary_and_refers_recovery_to_clawback(
    backend: Backend,
) {
    let app = spawn_app(backend).await;
    seed_funded_project(&app, "p-7", orgs::ENT_B, &[], 800_000).await;
    let officer = app.officer();
    let base = format!("/v1/integrity/{}", orgs::ENT_B);

    let opened = app
        .post(
            &format!("{base}/cases"),
            &officer,
            json!({
                "allegation": "伪造验收测试数据",
                "related_projects": ["p-7"],
                "source": {"kind": "report", "reference": "举报〔2027〕3号"}
            }),
        )
        .await;
    let case = opened.expect(201)["case_id"].as_str().unwrap().to_string();
    assert_eq!(opened.body["id"], orgs::ENT_B);

    app.post(
        &format!("{base}/cases/{case}/determination"),
        &officer,
        json!({"severity": "serious", "findings_ref": "调查报告〔2027〕1号"}),
    )
    .await
    .expect(200);
    app.post(
        &format!("{base}/cases/{case}/record"),
        &officer,
        json!({"bar_years": 2}),
    )
    .await
    .problem(422, "bar_too_short");
    let recorded = app
        .post(
            &format!("{base}/cases/{case}/record"),
            &officer,
            json!({"recover": [{"project": "p-7", "amount_fen": 300_000}]}),
        )
        .await;
    let recorded = recorded.expect(200);
    assert_eq!(recorded["cases"][0]["status"], "recorded");
    assert_eq!(recorded["cases"][0]["bar"]["until"], "2030-01-10");
    assert_eq!(recorded["barred_until"], "2030-01-10");

    // The recovery referral opened a clawback case on the project, on the decision's terms.
    let list = app.get("/v1/clawbacks?status=opened", &officer).await;
    let items = list.expect(200)["items"].as_array().unwrap().clone();
    assert_eq!(items.len(), 1);
    assert_eq!(items[0]["debtor"], orgs::ENT_B);
    assert_eq!(items[0]["owed_fen"], 300_000);
    assert_eq!(items[0]["subject"]["id"], "p-7");
    assert_eq!(items[0]["basis"]["kind"], "integrity_recorded");
    assert_eq!(items[0]["opened_by"], "officer-1");
    assert!(items[0]["referral"]
        .as_str()
        .unwrap()
        .starts_with(&format!("integrity_record/{}/", orgs::ENT_B)));

    // Readers: officers, auditors and the organisation's own applicants.
    app.get(&base, &app.applicant(orgs::ENT_B))
        .await
        .expect(200);
    app.get(&base, &app.auditor()).await.expect(200);
    app.get(&base, &app.applicant(orgs::ENT_A))
        .await
        .problem(404, "not_found");

    let org = OrgCode::parse(orgs::ENT_B).unwrap();
    let bars_on = |date: &str| {
        let state = app.state.clone();
        let org = org.clone();
        let date = date.parse().unwrap();
        async move { app::active_bars(&state, &[org], date).await.unwrap() }
    };
    assert_eq!(bars_on("2027-01-09").await, vec![]);
    let bars = bars_on("2030-01-09").await;
    assert_eq!(bars.len(), 1);
    assert_eq!(bars[0].until.to_string(), "2030-01-10");
    assert_eq!(bars_on("2030-01-10").await, vec![]);

    // Moving the clock past the anniversary lifts the bar.
    app.set_now("2030-01-09T23:00:00+08:00");
    let today = app.state.clock().today();
    assert_eq!(
        app::active_bars(&app.state, std::slice::from_ref(&org), today)
            .await
            .unwrap()
            .len(),
        1
    );
    assert_eq!(
        app.get(&base, &officer).await.expect(200)["barred_until"],
        "2030-01-10"
    );
    app.set_now("2030-01-10T00:00:00+08:00");
    let today = app.state.clock().today();
    assert!(app::active_bars(&app.state, &[org], today)
        .await
        .unwrap()
        .is_empty());
    assert!(app.get(&base, &officer).await.expect(200)["barred_until"].is_null());
}
both_backends!(a_serious_violation_bars_until_the_anniversary_and_refers_recovery_to_clawback);

async fn a_revocation_on_appeal_lifts_the_bar_from_that_day(backend: Backend) {
    let app = spawn_app(backend).await;
    let officer = app.officer();
    let base = format!("/v1/integrity/{}", orgs::ENT_C);
    let case = app
        .post(
            &format!("{base}/cases"),
            &officer,
            json!({"allegation": "抄袭", "source": {"kind": "report", "reference": "r-1"}}),
        )
        .await
        .expect(201)["case_id"]
        .as_str()
        .unwrap()
        .to_string();
    app.post(
        &format!("{base}/cases/{case}/determination"),
        &officer,
        json!({"severity": "serious", "decision_date": "2027-01-08", "findings_ref": "f"}),
    )
    .await
    .expect(200);
    app.post(&format!("{base}/cases/{case}/record"), &officer, json!({}))
        .await
        .expect(200);
    app.set_now("2028-03-01T09:00:00+08:00");
    let revoked = app
        .post(
            &format!("{base}/cases/{case}/revocation"),
            &officer,
            json!({"reason": "申诉成立", "decision_ref": "复核〔2028〕2号"}),
        )
        .await;
    let revoked = revoked.expect(200);
    assert_eq!(revoked["cases"][0]["status"], "revoked");
    assert!(revoked["barred_until"].is_null());
    let org = OrgCode::parse(orgs::ENT_C).unwrap();
    let before = app::active_bars(
        &app.state,
        std::slice::from_ref(&org),
        "2028-02-29".parse().unwrap(),
    )
    .await
    .unwrap();
    assert_eq!(before[0].until.to_string(), "2028-03-01");
    assert!(
        app::active_bars(&app.state, &[org], "2028-03-01".parse().unwrap())
            .await
            .unwrap()
            .is_empty()
    );
}
both_backends!(a_revocation_on_appeal_lifts_the_bar_from_that_day);

fn metadata() -> HashMap<String, String> {
    HashMap::from([
        ("actor_sub".to_string(), "officer-1".to_string()),
        ("actor_roles".to_string(), "officer".to_string()),
        (
            "recorded_at".to_string(),
            "2027-01-10T01:00:00.000000Z".to_string(),
        ),
        ("request_id".to_string(), "crash-test".to_string()),
    ])
}

async fn clawback_cases(state: &AppState) -> Vec<serde_json::Value> {
    let query = ListQuery {
        limit: 100,
        ..ListQuery::default()
    };
    state
        .store()
        .list(projections::ClawbackView::NAME, &query)
        .await
        .unwrap()
        .items
}

/// Queues the reaction of `reactor` to event `sequence` of a stream again, as a redelivery would.
pub async fn requeue(db: &Db, reactor: &str, aggregate_type: &str, id: &str, sequence: i64) {
    const SQL: &str = "INSERT INTO outbox (reactor, aggregate_type, aggregate_id, sequence) VALUES ($1, $2, $3, $4)";
    match db {
        Db::Postgres(pool) => {
            sqlx::query(SQL)
                .bind(reactor)
                .bind(aggregate_type)
                .bind(id)
                .bind(sequence)
                .execute(pool)
                .await
                .unwrap();
        }
        Db::Sqlite(pool) => {
            sqlx::query(&SQL.replace('$', "?"))
                .bind(reactor)
                .bind(aggregate_type)
                .bind(id)
                .bind(sequence)
                .execute(pool)
                .await
                .unwrap();
        }
    }
}

/// The process dies between the event and its reaction: the recovery referral is committed with
/// its outbox row, but nothing drains. On restart the drain opens exactly one clawback case, and
/// a repeated reaction (the same row queued again) opens no second one.
async fn a_reaction_lost_in_a_crash_runs_once_after_restart(backend: Backend) {
    let db = FreshDb::create(backend).await.expect("fresh database");
    let store = Store::new(
        db.connect().await.expect("migrated"),
        projections::all_projectors(),
    );
    let now: DateTime<Utc> = DateTime::parse_from_rfc3339(START).unwrap().into();
    // No server and no background drain: only this test drains.
    let state = AppState::new(
        store,
        Arc::new(FixedClock::new(now)),
        Arc::new(RandomIds),
        "crash-test-secret-0123456789abcdef".to_string(),
        64 * 1024,
    );
    let org = OrgCode::parse(orgs::ENT_B).unwrap();
    // The project the recovery is claimed from, with 80万 disbursed to ENT_B.
    let seed = vec![
        project::ProjectCommand::CreateFromAward(project::AwardProject {
            challenge_id: "call-7".into(),
            bid_id: "bid-7".into(),
            lead: org.clone(),
            members: vec![],
            demand_owner: OrgCode::parse(orgs::LEAD).unwrap(),
            award: Money::from_fen(800_000),
            completion_deadline: "2029-12-31".parse().unwrap(),
            race_lane: false,
        }),
        project::ProjectCommand::SignContract(project::ContractTerms {
            task_book_ref: "任务书-7".into(),
            start: "2027-01-10".parse().unwrap(),
            end: "2029-06-30".parse().unwrap(),
            milestones: vec![project::MilestonePlan {
                id: "m1".into(),
                due: "2028-06-30".parse().unwrap(),
                deliverables: "样品".into(),
                targets: vec![],
            }],
            tranches: vec![project::TranchePlan {
                id: "t1".into(),
                amount: Money::from_fen(800_000),
                gate: project::Gate::OnContract,
            }],
        }),
        project::ProjectCommand::DisburseTranche {
            tranche: "t1".into(),
            paid_on: "2027-01-10".parse().unwrap(),
            payment_ref: "国库支付-7".into(),
        },
    ];
    for command in seed {
        state
            .projects()
            .execute_with_metadata("p-7", command, metadata())
            .await
            .unwrap();
    }
    let commands = vec![
        integrity::IntegrityCommand::OpenCase(integrity::OpenIntegrityCase {
            case_id: "case-1".into(),
            org: org.clone(),
            allegation: "伪造数据".into(),
            related_projects: vec!["p-7".into()],
            source: integrity::CaseSource::Report {
                reference: "r".into(),
            },
        }),
        integrity::IntegrityCommand::DetermineViolation {
            case_id: "case-1".into(),
            severity: integrity::Severity::Serious,
            decision_date: "2027-01-10".parse().unwrap(),
            findings_ref: "f".into(),
        },
        integrity::IntegrityCommand::RecordInArchive {
            case_id: "case-1".into(),
            bar_years: None,
            recover: vec![integrity::Recovery {
                project: "p-7".into(),
                amount: Money::from_fen(300_000),
                disbursed: Money::from_fen(800_000),
            }],
        },
    ];
    for command in commands {
        state
            .integrity()
            .execute_with_metadata(org.as_str(), command, metadata())
            .await
            .unwrap();
    }
    // Events 3 (IntegrityRecorded) and 4 (RecoveryReferred) are stored; the reaction is queued.
    assert_eq!(state.store().outbox_len().await.unwrap(), 1);
    assert!(clawback_cases(&state).await.is_empty());

    // "Restart": the drain runs the queued reaction.
    assert_eq!(app::reactions::drain(&state).await.unwrap(), 1);
    let cases = clawback_cases(&state).await;
    assert_eq!(cases.len(), 1);
    assert_eq!(cases[0]["owed_fen"], 300_000);
    assert_eq!(
        cases[0]["referral"],
        format!("integrity_record/{}/4", orgs::ENT_B)
    );
    assert_eq!(state.store().outbox_len().await.unwrap(), 0);
    let first_id = cases[0]["id"].as_str().unwrap().to_string();

    // At least once: the same reaction delivered again opens nothing new.
    requeue(
        state.store().db(),
        app::process_managers::OPEN_CLAWBACK_FOR_INTEGRITY_RECOVERY,
        "integrity_record",
        org.as_str(),
        4,
    )
    .await;
    assert_eq!(state.store().outbox_len().await.unwrap(), 1);
    assert_eq!(app::reactions::drain(&state).await.unwrap(), 1);
    let cases = clawback_cases(&state).await;
    assert_eq!(cases.len(), 1);
    assert_eq!(cases[0]["id"], first_id.as_str());
    assert_eq!(cases[0]["version"], 1);
    assert_eq!(state.store().outbox_len().await.unwrap(), 0);
    drop(state);
    drop(db);
}
both_backends!(a_reaction_lost_in_a_crash_runs_once_after_restart);

/// The bar registry is what the consortium's formation reads: a barred member is refused with
/// `organisation_barred` and the bar's end date, and accepted again from the anniversary on.
async fn a_barred_member_cannot_join_a_consortium_until_the_anniversary(backend: Backend) {
    let app = spawn_app(backend).await;
    let officer = app.officer();
    let base = format!("/v1/integrity/{}", orgs::ENT_A);
    let case = app
        .post(
            &format!("{base}/cases"),
            &officer,
            json!({"allegation": "伪造数据", "source": {"kind": "report", "reference": "r-9"}}),
        )
        .await
        .expect(201)["case_id"]
        .as_str()
        .unwrap()
        .to_string();
    app.post(
        &format!("{base}/cases/{case}/determination"),
        &officer,
        json!({"severity": "serious", "findings_ref": "f"}),
    )
    .await
    .expect(200);
    app.post(&format!("{base}/cases/{case}/record"), &officer, json!({}))
        .await
        .expect(200);

    let formation = json!({
        "name": "昆山光刻材料创新联合体",
        "lead": orgs::LEAD,
        "members": [orgs::ENT_A, orgs::ENT_B, orgs::ENT_C, orgs::UNIV, orgs::INST],
        "charter_ref": "章程-2027-01",
        "focus_chain": "新型显示"
    });
    let lead = app.applicant(orgs::LEAD);
    app.set_now("2030-01-09T09:00:00+08:00");
    let refused = app.post("/v1/consortia", &lead, formation.clone()).await;
    refused.problem(409, "organisation_barred");
    assert!(
        refused.body["detail"]
            .as_str()
            .unwrap()
            .contains("2030-01-10"),
        "{}",
        refused.body
    );
    app.set_now("2030-01-10T09:00:00+08:00");
    app.post("/v1/consortia", &lead, formation)
        .await
        .expect(201);
}
both_backends!(a_barred_member_cannot_join_a_consortium_until_the_anniversary);
