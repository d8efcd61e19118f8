use challenge::{AwardChallenge, AwardMode, BidFacts, ChallengeCommand, DraftChallenge, Target};
use consortium::{ConsortiumCommand, EvaluationGrade, FormConsortium, Level, LevelDecision};
use kernel::{Money, OrgCode};
use serde_json::{json, Value};

use crate::helpers::{orgs, seed_metadata, spawn_app, Backend, TestApp};
use crate::needs::{pool_need, registered_need};

fn org(code: &str) -> OrgCode {
    OrgCode::parse(code).unwrap()
}

fn day(text: &str) -> chrono::NaiveDate {
    text.parse().unwrap()
}

async fn at(app: &TestApp, date: &str) {
    app.set_now(&format!("{date}T09:00:00+08:00"));
}

/// A call drafted, published, closed and awarded in 2025 straight on the command side (as the
/// bid process would leave it): `lanes` winners, one per cleared bid.
async fn awarded_call(app: &TestApp, id: &str, lanes: usize) {
    let cqrs = app.state.challenges();
    let run = |cmd: ChallengeCommand| async move {
        cqrs.execute_with_metadata(id, cmd, seed_metadata(app))
            .await
            .unwrap();
    };
    at(app, "2025-01-02").await;
    run(ChallengeCommand::Draft(DraftChallenge {
        programme: "consortium_key_rd".into(),
        title: format!("揭榜挂帅 {id}"),
        demand_owner: org(orgs::LEAD),
        industry_chain: "新型显示".into(),
        targets: vec![Target {
            name: "分辨率".into(),
            metric: "nm".into(),
            target: "≤ 90".into(),
        }],
        budget_cap: Money::from_wan_yuan(300),
        mode: if lanes == 1 {
            AwardMode::Single
        } else {
            AwardMode::HorseRace { max_teams: 3 }
        },
        opens_on: day("2025-01-03"),
        closes_on: day("2025-03-03"),
        completion_deadline: day("2027-12-31"),
        needs: Vec::new(),
    }))
    .await;
    run(ChallengeCommand::Publish).await;
    at(app, "2025-03-10").await;
    run(ChallengeCommand::Close).await;
    let leads = [orgs::ENT_A, orgs::ENT_B, orgs::ENT_C];
    let candidates: Vec<BidFacts> = (0..lanes)
        .map(|i| BidFacts {
            bid_id: format!("{id}-bid-{i}"),
            lead: org(leads[i]),
            members: vec![org(orgs::UNIV)],
            status: "cleared".into(),
            requested: Money::from_wan_yuan(300),
        })
        .collect();
    at(app, "2025-05-20").await;
    run(ChallengeCommand::Award(AwardChallenge {
        winners: candidates
            .iter()
            .map(|c| challenge::WinnerPick {
                bid_id: c.bid_id.clone(),
                amount: Money::from_wan_yuan(200),
            })
            .collect(),
        candidates,
        bars: Vec::new(),
    }))
    .await;
    // Commands issued straight to the command side leave their reactions queued: run them, as
    // the background drain would (one project per winner).
    app::reactions::drain(&app.state).await.unwrap();
}

/// A consortium formed and granted Kunshan cultivation on `effective`; with `revoke`, two failed
/// evaluation results in a row then revoke it (the second in September 2025).
async fn levelled_consortium(app: &TestApp, id: &str, effective: &str, revoke: bool) {
    let cqrs = app.state.consortia();
    let run = |cmd: ConsortiumCommand| async move {
        cqrs.execute_with_metadata(id, cmd, seed_metadata(app))
            .await
            .unwrap();
    };
    at(app, effective).await;
    run(ConsortiumCommand::Form(FormConsortium {
        name: format!("创新联合体 {id}"),
        lead: org(orgs::LEAD),
        members: [
            orgs::ENT_A,
            orgs::ENT_B,
            orgs::ENT_C,
            orgs::UNIV,
            orgs::INST,
        ]
        .iter()
        .map(|c| org(c))
        .collect(),
        charter_ref: format!("章程-{id}"),
        focus_chain: "新型显示".into(),
        bars: Vec::new(),
    }))
    .await;
    run(ConsortiumCommand::ApplyForLevel {
        level: Level::KunshanCultivation,
        recommended_by: "昆山开发区".into(),
        bars: Vec::new(),
    })
    .await;
    run(ConsortiumCommand::RecordLevelDecision(LevelDecision {
        granted: true,
        decision_ref: format!("昆科〔2025〕{id}号"),
        effective_date: day(effective),
        construction_years: None,
        reason: None,
    }))
    .await;
    if revoke {
        at(app, "2025-09-10").await;
        for (n, end) in [(1, "2025-06-30"), (2, "2025-08-31")] {
            run(ConsortiumCommand::RecordEvaluationResult {
                round_id: format!("{id}-round-{n}"),
                round_no: n,
                period_end: day(end),
                grade: EvaluationGrade::Fail,
            })
            .await;
        }
    }
}

fn row(table: &Value, n: u64) -> &Value {
    table["rows"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["row"] == n)
        .unwrap()
}

/// A synthetic programme year 2025: 3 major and 2 chain needs accepted (plus one rejected and
/// one accepted in 2026), a single call and a three-lane horse race awarded, three consortia
/// granted a level of which one is revoked, and one manual stock figure.
async fn seeded_programme_year(app: &TestApp) {
    at(app, "2025-04-01").await;
    for t in ["光刻胶", "靶材", "湿电子化学品"] {
        pool_need(app, orgs::LEAD, t, "major_enterprise").await;
    }
    for t in ["偏光片", "驱动芯片"] {
        pool_need(app, orgs::ENT_A, t, "industry_chain").await;
    }
    let rejected = registered_need(app, orgs::ENT_B, "通用办公软件", "major_enterprise").await;
    app.post(
        &format!("/v1/needs/{rejected}/screen"),
        &app.officer(),
        json!({"decision": "reject", "reason": "非关键核心技术"}),
    )
    .await
    .expect(200);
    awarded_call(app, "call-single", 1).await;
    awarded_call(app, "call-race", 3).await;
    levelled_consortium(app, "k1", "2025-02-01", false).await;
    levelled_consortium(app, "k2", "2025-03-01", false).await;
    levelled_consortium(app, "k3", "2025-04-01", true).await;
    at(app, "2026-01-05").await;
    pool_need(app, orgs::LEAD, "光刻机零部件", "major_enterprise").await;
    app.post(
        "/v1/kpis/13/observations",
        &app.officer(),
        json!({"year": 2025, "value": 236, "source_ref": "昆科统〔2026〕1号"}),
    )
    .await
    .expect(201);
}

async fn the_kpi_table_of_a_seeded_year_traces_to_the_ledger(backend: Backend) {
    let app = spawn_app(backend).await;
    seeded_programme_year(&app).await;
    let officer = app.officer();

    let table = app.get("/v1/kpis?year=2025", &officer).await;
    let table = table.expect(200).clone();
    assert_eq!(table["year"], 2025);
    assert_eq!(table["rows"].as_array().unwrap().len(), 19);
    let r1 = row(&table, 1);
    assert_eq!(
        (r1["target"].clone(), r1["actual"].clone()),
        (json!(30), json!(3))
    );
    assert_eq!(r1["ratio"], 0.1);
    assert_eq!(r1["kind"], "flow");
    let r2 = row(&table, 2);
    assert_eq!(
        (r2["target"].clone(), r2["actual"].clone()),
        (json!(150), json!(2))
    );
    assert_eq!(r2["ratio"], 0.0133);
    // Row 7 counts projects (the race's three lanes are three); row 10 counts calls.
    assert_eq!(row(&table, 7)["actual"], 4);
    let r10 = row(&table, 10);
    assert_eq!(
        (r10["target"].clone(), r10["actual"].clone()),
        (json!(15), json!(2))
    );
    assert_eq!(r10["ratio"], 0.1333);
    let r9 = row(&table, 9);
    assert_eq!(r9["kind"], "cumulative");
    assert_eq!(
        (r9["target"].clone(), r9["actual"].clone()),
        (json!(70), json!(3))
    );
    assert_eq!(r9["actual_net"], 2);
    assert_eq!(
        (r9["ratio"].clone(), r9["ratio_net"].clone()),
        (json!(0.0429), json!(0.0286))
    );
    let r13 = row(&table, 13);
    assert_eq!(
        (r13["kind"].clone(), r13["actual"].clone()),
        (json!("stock"), json!(236))
    );
    assert_eq!(r13["ratio"], 1.0261);
    assert_eq!(row(&table, 12)["actual"], Value::Null);

    // 2026: flows start afresh, the cumulative row carries on.
    let next = app.get("/v1/kpis?year=2026", &officer).await;
    let next = next.expect(200).clone();
    assert_eq!(row(&next, 1)["actual"], 1);
    assert_eq!(row(&next, 1)["plan_to_date"], 60);
    assert_eq!(row(&next, 9)["actual_net"], 2);

    // Every number traces to its events.
    let detail = app.get("/v1/kpis/10?year=2025", &app.auditor()).await;
    let streams: Vec<String> = detail.expect(200)["contributions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["stream"].as_str().unwrap().to_string())
        .collect();
    // Both were awarded on 2025-05-20: date order, then stream order.
    assert_eq!(streams, ["challenge/call-race", "challenge/call-single"]);
    let detail = app.get("/v1/kpis/9?year=2025", &officer).await;
    let events: Vec<(String, i64)> = detail.expect(200)["contributions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| {
            (
                format!(
                    "{} {}",
                    c["stream"].as_str().unwrap(),
                    c["event"].as_str().unwrap()
                ),
                c["count"].as_i64().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        events,
        [
            ("consortium/k1 LevelGranted".to_string(), 1),
            ("consortium/k2 LevelGranted".to_string(), 1),
            ("consortium/k3 LevelGranted".to_string(), 1),
            ("consortium/k3 AccreditationRevoked".to_string(), -1),
        ]
    );

    // Manual figures only for manual rows; the table is for officers and auditors.
    app.post(
        "/v1/kpis/1/observations",
        &officer,
        json!({"year": 2025, "value": 30, "source_ref": "x"}),
    )
    .await
    .problem(422, "kpi_row_counted_from_ledger");
    app.get("/v1/kpis?year=2025", &app.applicant(orgs::LEAD))
        .await
        .problem(403, "forbidden");
    app.get("/v1/kpis?year=2031", &officer)
        .await
        .problem(400, "kpi_year_outside_annex");

    // CSV: BOM, a header line, one line per row.
    let csv = app
        .client_get_text("/v1/kpis?year=2025", &officer, "text/csv")
        .await;
    assert!(csv.starts_with('\u{feff}'));
    let lines: Vec<&str> = csv.trim_start_matches('\u{feff}').split("\r\n").collect();
    assert!(lines[0].starts_with("row,area,name,unit,kind,source,year,target,plan_to_date,actual"));
    assert_eq!(lines.len(), 21, "19 rows, a header and the final line end");
    assert!(lines[1].starts_with("1,產學研融通,重大需求,項,flow,ledger,2025,30,30,3,"));

    // The awards' projects as CSV, money in fen: four projects of 200万元 each.
    let projects = app
        .client_get_text("/v1/projects", &officer, "text/csv")
        .await;
    let lines: Vec<&str> = projects.trim_end_matches("\r\n").split("\r\n").collect();
    assert!(lines[0].starts_with("\u{feff}id,status,challenge_id,bid_id,lead,members,"));
    assert_eq!(lines.len(), 5, "{projects}");
    assert!(
        lines[1..].iter().all(|l| l.contains(",200000000,")),
        "{projects}"
    );

    // Rebuilt from events alone, the table is the same.
    app.state.store().rebuild_projections().await.unwrap();
    let rebuilt = app.get("/v1/kpis?year=2025", &officer).await;
    assert_eq!(rebuilt.expect(200), &table);
}
both_backends!(the_kpi_table_of_a_seeded_year_traces_to_the_ledger);
