//! The officer's CSV exports that go into reports: a call's bids with their scores, and the
//! clawback ledger. Each opens with a BOM and its header, quotes commas, quotes and newlines
//! (RFC 4180), and shows no more than the officer's JSON does.

use serde_json::{json, Value};

use crate::helpers::{orgs, published_challenge, seed_funded_project, spawn_app, Backend, TestApp};

/// `GET path` as CSV: checked against the contract (status, `text/csv` documented), then read.
async fn csv(app: &TestApp, path: &str, token: &str) -> String {
    let res = app
        .send("GET", path, Some(token), None, &[("accept", "text/csv")])
        .await;
    assert_eq!(res.status, 200, "{path}: {}", res.body);
    let text = app.client_get_text(path, token, "text/csv").await;
    assert!(text.starts_with('\u{feff}'), "no BOM: {text}");
    text
}

/// The CSV's lines (CRLF-separated; a quoted field may hold a bare LF).
fn lines(text: &str) -> Vec<&str> {
    text.trim_start_matches('\u{feff}')
        .trim_end_matches("\r\n")
        .split("\r\n")
        .collect()
}

fn bid_body(title: &str, lead_name: &str, member: Option<&str>, wan: i64) -> Value {
    let fen = wan * 1_000_000;
    let mut body = json!({
        "lead_name": lead_name, "title": title, "team_lead": "张三",
        "technical_plan": "保密的技术路线", "requested_fen": fen,
        "milestones": [{"title": "小试", "due": "2027-12-31", "tranche_fen": fen}]
    });
    if let Some(m) = member {
        body["members"] = json!([{"org": m, "name": "某大学"}]);
        body["joint_agreement_ref"] = json!("JA-2027-001");
        body["subtopics"] = json!([
            {"title": "树脂合成", "responsible": orgs::ENT_A, "budget_share_fen": fen / 2},
            {"title": "光酸体系", "responsible": m, "budget_share_fen": fen - fen / 2}
        ]);
    }
    body
}

fn scores(tech: u8, rest: u8) -> Value {
    json!({
        "technical_approach": tech, "team_capability": rest, "targets_and_schedule": rest,
        "industrial_impact": rest, "budget": rest
    })
}

const BID_HEADER: &str = "rank,bid_id,status,title,lead,lead_name,members,team_lead,\
submitted_on,requested_fen,requested_yuan,assessments_counted,score_technical_approach,\
score_team_capability,score_targets_and_schedule,score_industrial_impact,score_budget,\
mean_weighted_score,recommended";

async fn a_calls_bids_export_as_a_ranked_csv_score_sheet(backend: Backend) {
    let app = spawn_app(backend).await;
    let officer = app.officer();
    let call = published_challenge(&app, json!({})).await;
    let bids = format!("/v1/challenges/{call}/bids");
    let submit = |token: String, body: Value| {
        let app = &app;
        let bids = bids.clone();
        async move {
            app.post(&bids, &token, body).await.expect(201)["id"]
                .as_str()
                .unwrap()
                .to_string()
        }
    };
    let a = submit(
        app.applicant(orgs::ENT_A),
        bid_body(
            "光刻胶, \"先进\"工艺",
            "甲科技, 有限公司",
            Some(orgs::UNIV),
            200,
        ),
    )
    .await;
    let b = submit(
        app.applicant(orgs::ENT_B),
        bid_body("双工件台", "乙科技", None, 250),
    )
    .await;
    let c = submit(
        app.applicant(orgs::NRDI),
        bid_body("封装工艺", "丙研究院", None, 100),
    )
    .await;

    app.set_now("2027-02-27T09:00:00+08:00");
    app.post(&format!("/v1/challenges/{call}/close"), &officer, json!({}))
        .await
        .expect(200);
    let panel = json!({"reviewers": [
        {"id": "r1", "org": orgs::ENT_C}, {"id": "r2", "org": orgs::INST}, {"id": "r3", "org": orgs::ENT_C}
    ]});
    for bid in [&a, &b] {
        for (path, body) in [
            ("formal-check", json!({"passed": true})),
            ("reviewers", panel.clone()),
        ] {
            app.post(&format!("/v1/bids/{bid}/{path}"), &officer, body)
                .await
                .expect(200);
        }
    }
    // A: technical approach 90/80/85, the rest 80/80/80; B: 70 everywhere.
    for (sub, org, tech) in [
        ("r1", orgs::ENT_C, 90),
        ("r2", orgs::INST, 80),
        ("r3", orgs::ENT_C, 85),
    ] {
        let token = app.token(sub, "reviewer", Some(org));
        for (bid, s) in [(&a, scores(tech, 80)), (&b, scores(70, 70))] {
            let body =
                json!({"scores": s, "recommendation": "recommend", "comment": "专家个人意见"});
            app.post(&format!("/v1/bids/{bid}/assessments"), &token, body)
                .await
                .expect(200);
        }
    }
    let mut means = Vec::new();
    for bid in [&a, &b] {
        let res = app
            .post(
                &format!("/v1/bids/{bid}/review-conclusion"),
                &officer,
                json!({"recommended": true, "note": "处内说明"}),
            )
            .await;
        means.push(
            res.expect(200)["review"]["mean_score_x100"]
                .as_u64()
                .unwrap(),
        );
    }
    // 0.3 × 85 + 0.7 × 80 = 81.50; B 70.00.
    assert_eq!(means, [8150, 7000]);

    let text = csv(&app, &bids, &officer).await;
    let rows = lines(&text);
    assert_eq!(rows[0], BID_HEADER);
    assert_eq!(rows.len(), 4, "a header and three bids: {text}");
    assert_eq!(
        rows[1],
        format!(
            "1,{a},reviewed,\"光刻胶, \"\"先进\"\"工艺\",{},\"甲科技, 有限公司\",{} 某大学,张三,\
             2027-01-10,200000000,2000000.00,3,85.00,80.00,80.00,80.00,80.00,81.50,true",
            orgs::ENT_A,
            orgs::UNIV
        )
    );
    assert!(
        rows[2].starts_with(&format!("2,{b},reviewed,双工件台,{},乙科技,,", orgs::ENT_B)),
        "{}",
        rows[2]
    );
    assert!(rows[2].ends_with(",3,70.00,70.00,70.00,70.00,70.00,70.00,true"));
    assert_eq!(
        rows[3],
        format!(
            ",{c},submitted,封装工艺,{},丙研究院,,张三,2027-01-10,100000000,1000000.00,0,,,,,,,",
            orgs::NRDI
        )
    );
    // Nothing the experts wrote, who they are, the plan or the officer's note.
    for hidden in ["专家个人意见", "r1", "保密的技术路线", "处内说明"] {
        assert!(!text.contains(hidden), "{hidden} leaked: {text}");
    }

    // A status filter keeps each bid's rank in the whole call.
    let only_b = csv(&app, &format!("{bids}?status=reviewed"), &officer).await;
    assert_eq!(lines(&only_b).len(), 3);
    let submitted = csv(&app, &format!("{bids}?status=submitted"), &officer).await;
    assert_eq!(&lines(&submitted)[1..], &rows[3..]);
    // The auditor reads it too; a bidder gets the list's refusal, not a sheet.
    csv(&app, &bids, &app.auditor()).await;
    app.send(
        "GET",
        &bids,
        Some(&app.applicant(orgs::ENT_A)),
        None,
        &[("accept", "text/csv")],
    )
    .await
    .problem(403, "forbidden");
}
both_backends!(a_calls_bids_export_as_a_ranked_csv_score_sheet);

const LEDGER_HEADER: &str = "id,status,subject_kind,subject_id,debtor,basis_kind,\
basis_reference,opened_on,notice_issued_on,due_on,owed_fen,owed_yuan,repaid_fen,repaid_yuan,\
waived_fen,waived_yuan,waiver_reasons,outstanding_fen,outstanding_yuan,overdue,overdue_on,\
escalation,escalated_on,settled_on,closed_on";

async fn the_clawback_ledger_exports_as_csv_in_fen_and_yuan_with_overdue_cases(backend: Backend) {
    let app = spawn_app(backend).await;
    seed_funded_project(&app, "p-1", orgs::ENT_A, &[], 1_000_000).await;
    seed_funded_project(&app, "p-2", orgs::ENT_B, &[], 300_000).await;
    let officer = app.officer();
    let second = app.token("officer-2", "officer", None);
    let open = |project: &str, debtor: &str, reference: &str, fen: i64| {
        json!({
            "subject": {"kind": "project", "id": project}, "debtor": debtor,
            "basis": {"kind": "officer_decision", "reference": reference}, "amount_fen": fen
        })
    };
    let first = app
        .post(
            "/v1/clawbacks",
            &officer,
            open("p-1", orgs::ENT_A, "昆科追〔2027〕1号, \"补充\"", 500_000),
        )
        .await;
    let first = first.expect(201)["id"].as_str().unwrap().to_string();
    app.post(
        &format!("/v1/clawbacks/{first}/notice"),
        &officer,
        json!({}),
    )
    .await
    .expect(200);
    app.post(
        &format!("/v1/clawbacks/{first}/repayments"),
        &officer,
        json!({"amount_fen": 200_005, "treasury_receipt_ref": "国库-0001"}),
    )
    .await
    .expect(200);
    app.post(
        &format!("/v1/clawbacks/{first}/waiver"),
        &second,
        json!({"amount_fen": 100_000, "reason": "经营困难,\n报批核销"}),
    )
    .await
    .expect(200);
    app.set_now("2027-01-26T09:00:00+08:00");
    let overdue = app
        .post(
            &format!("/v1/clawbacks/{first}/mark-overdue"),
            &officer,
            json!({}),
        )
        .await;
    assert_eq!(overdue.expect(200)["status"], "overdue");
    let other = app
        .post(
            "/v1/clawbacks",
            &officer,
            open("p-2", orgs::ENT_B, "昆科追〔2027〕2号", 300_000),
        )
        .await;
    let other = other.expect(201)["id"].as_str().unwrap().to_string();

    let text = csv(&app, "/v1/clawbacks/ledger", &app.auditor()).await;
    let rows = lines(&text);
    assert_eq!(rows[0], LEDGER_HEADER);
    assert_eq!(rows.len(), 3, "a header and two cases: {text}");
    assert_eq!(
        rows[1],
        format!(
            "{first},overdue,project,p-1,{},officer_decision,\"昆科追〔2027〕1号, \"\"补充\"\"\",\
             2027-01-10,2027-01-10,2027-01-25,500000,5000.00,200005,2000.05,100000,1000.00,\
             \"经营困难,\n报批核销\",199995,1999.95,true,2027-01-26,,,,",
            orgs::ENT_A
        )
    );
    assert_eq!(
        rows[2],
        format!(
            "{other},opened,project,p-2,{},officer_decision,昆科追〔2027〕2号,2027-01-26,,,\
             300000,3000.00,0,0.00,0,0.00,,300000,3000.00,false,,,,,",
            orgs::ENT_B
        )
    );
    // Each line adds up as the JSON ledger does.
    let ledger = app.get("/v1/clawbacks/ledger", &officer).await;
    assert_eq!(ledger.expect(200)["outstanding_fen"], 199_995 + 300_000);
    app.send(
        "GET",
        "/v1/clawbacks/ledger",
        Some(&app.applicant(orgs::ENT_A)),
        None,
        &[("accept", "text/csv")],
    )
    .await
    .problem(403, "forbidden");
}
both_backends!(the_clawback_ledger_exports_as_csv_in_fen_and_yuan_with_overdue_cases);
