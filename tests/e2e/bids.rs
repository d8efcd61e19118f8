use serde_json::{json, Value};

use crate::helpers::{orgs, published_challenge, spawn_app, Backend, TestApp};

const PDF: &[u8] = b"%PDF-1.7\n% grantledger test plan\n%%EOF\n";

fn has(value: &Value, key: &str) -> bool {
    value.get(key).is_some()
}

/// A joint bid of `lead` with `member` (two sub-topics), or a single-organisation bid.
fn submission(lead_name: &str, member: Option<(&str, &str)>, wan: i64) -> Value {
    let fen = wan * 1_000_000;
    let first = fen * 6 / 10;
    let mut body = json!({
        "lead_name": lead_name,
        "title": "光刻胶国产化方案",
        "team_lead": "张三",
        "technical_plan": "树脂合成与光酸体系",
        "requested_fen": fen,
        "milestones": [
            {"title": "小试", "due": "2027-12-31", "tranche_fen": first},
            {"title": "中试", "due": "2028-12-31", "tranche_fen": fen - first}
        ]
    });
    if let Some((lead, m)) = member {
        body["members"] = json!([{"org": m, "name": "合作单位"}]);
        body["joint_agreement_ref"] = json!("JA-2027-001");
        body["subtopics"] = json!([
            {"title": "树脂合成", "responsible": lead, "budget_share_fen": first},
            {"title": "光酸体系", "responsible": m, "budget_share_fen": fen - first}
        ]);
    }
    body
}

fn scores(v: u8) -> Value {
    json!({
        "technical_approach": v, "team_capability": v, "targets_and_schedule": v,
        "industrial_impact": v, "budget": v
    })
}

async fn upload(app: &TestApp, bid: &str, token: &str, ctype: &str, bytes: &[u8]) -> (u16, Value) {
    let res = reqwest::Client::new()
        .post(format!(
            "{}/v1/bids/{bid}/attachments?name=plan.pdf",
            app.url
        ))
        .bearer_auth(token)
        .header("content-type", ctype)
        .body(bytes.to_vec())
        .send()
        .await
        .unwrap();
    let status = res.status().as_u16();
    (status, res.json().await.unwrap_or(Value::Null))
}

async fn download(app: &TestApp, path: &str, token: &str) -> (u16, Vec<u8>) {
    let res = reqwest::Client::new()
        .get(format!("{}{path}", app.url))
        .bearer_auth(token)
        .send()
        .await
        .unwrap();
    (res.status().as_u16(), res.bytes().await.unwrap().to_vec())
}

async fn three_bid_a_horse_race_of_two_is_awarded_and_each_party_sees_its_share(backend: Backend) {
    let app = spawn_app(backend).await;
    let officer = app.officer();
    let auditor = app.auditor();
    // The default draft's demand owner is LEAD; the bidders are three other organisations.
    let owner = app.applicant(orgs::LEAD);
    let a = app.applicant(orgs::ENT_A);
    let member = app.applicant(orgs::UNIV);
    let b = app.applicant(orgs::ENT_B);
    let c = app.applicant(orgs::NRDI);
    let call = published_challenge(
        &app,
        json!({"mode": {"kind": "horse_race", "max_teams": 2}}),
    )
    .await;
    let bids = format!("/v1/challenges/{call}/bids");

    // --- 揭榜: three bids, one withdrawn ---
    let res = app
        .post(
            &bids,
            &a,
            submission("甲科技", Some((orgs::ENT_A, orgs::UNIV)), 200),
        )
        .await;
    let a_bid = res.expect(201)["id"].as_str().unwrap().to_string();
    assert_eq!(
        res.headers.get("location").unwrap().to_str().unwrap(),
        format!("/v1/bids/{a_bid}")
    );
    assert_eq!(res.body["status"], "submitted");
    assert_eq!(res.body["lead"], orgs::ENT_A);
    assert!(!has(&res.body, "alias") && !has(&res.body, "panel"));
    let b_bid = app
        .post(&bids, &b, submission("乙科技", None, 250))
        .await
        .expect(201)["id"]
        .as_str()
        .unwrap()
        .to_string();
    let c_bid = app
        .post(&bids, &c, submission("丙研究院", None, 100))
        .await
        .expect(201)["id"]
        .as_str()
        .unwrap()
        .to_string();
    let over = app
        .post(
            &bids,
            &app.applicant(orgs::INST),
            submission("丁", None, 301),
        )
        .await;
    over.problem(422, "request_over_cap");

    // Attachments: stored by hash, readable by the parties, type-checked.
    let (status, attached) = upload(&app, &a_bid, &a, "application/pdf", PDF).await;
    assert_eq!(status, 201, "{attached}");
    let sha = attached["sha256"].as_str().unwrap().to_string();
    assert_eq!(attached["size"], PDF.len());
    let (status, _) = upload(&app, &a_bid, &a, "application/pdf", b"not a pdf").await;
    assert_eq!(status, 400);
    let (status, _) = upload(&app, &a_bid, &a, "text/html", b"<html>").await;
    assert_eq!(status, 415);
    let path = format!("/v1/bids/{a_bid}/attachments/{sha}");
    assert_eq!(download(&app, &path, &member).await, (200, PDF.to_vec()));
    assert_eq!(download(&app, &path, &c).await.0, 404);

    let withdrawn = app
        .post(
            &format!("/v1/bids/{c_bid}/withdraw"),
            &c,
            json!({"reason": "团队调整"}),
        )
        .await;
    assert_eq!(withdrawn.expect(200)["status"], "withdrawn");

    // --- the window closes; formal check ---
    app.set_now("2027-02-27T09:00:00+08:00");
    app.post(&format!("/v1/challenges/{call}/close"), &officer, json!({}))
        .await
        .expect(200);
    for bid in [&a_bid, &b_bid] {
        let res = app
            .post(
                &format!("/v1/bids/{bid}/formal-check"),
                &officer,
                json!({"passed": true}),
            )
            .await;
        assert_eq!(res.expect(200)["status"], "compliant");
    }

    // --- reviewers: three seated, a fourth from a member refused ---
    let panel = json!({"reviewers": [
        {"id": "r1", "org": orgs::ENT_C}, {"id": "r2", "org": orgs::INST}, {"id": "r3", "org": orgs::ENT_C}
    ]});
    for bid in [&a_bid, &b_bid] {
        app.post(
            &format!("/v1/bids/{bid}/reviewers"),
            &officer,
            panel.clone(),
        )
        .await
        .expect(200);
    }
    let before = app.version("bid", &a_bid).await;
    app.post(
        &format!("/v1/bids/{a_bid}/reviewers"),
        &officer,
        json!({"reviewers": [{"id": "r4", "org": orgs::UNIV}]}),
    )
    .await
    .problem(422, "reviewer_conflict_of_interest");
    assert_eq!(app.version("bid", &a_bid).await, before);

    let r1 = app.token("r1", "reviewer", Some(orgs::ENT_C));
    let r2 = app.token("r2", "reviewer", Some(orgs::INST));
    let r3 = app.token("r3", "reviewer", Some(orgs::ENT_C));
    let queue = app.get("/v1/me/reviews", &r1).await;
    assert_eq!(queue.expect(200)["items"].as_array().unwrap().len(), 2);
    assert!(queue.body["items"][0]["title"].is_string());

    // --- a seat is (sub, organisation): r1's sub on the competing bidder's token is refused ---
    let impostor = app.token("r1", "reviewer", Some(orgs::ENT_B));
    let before = app.version("bid", &a_bid).await;
    for path in ["assessments", "recusal"] {
        let body = if path == "assessments" {
            json!({"scores": scores(100), "recommendation": "recommend", "comment": "可行"})
        } else {
            json!({"reason": "回避"})
        };
        app.post(&format!("/v1/bids/{a_bid}/{path}"), &impostor, body)
            .await
            .problem(403, "not_seated");
    }
    assert_eq!(app.version("bid", &a_bid).await, before, "nothing stored");

    // --- assessments: A scores 90/80/85, B 70/75/80 ---
    for (token, av, bv) in [(&r1, 90, 70), (&r2, 80, 75), (&r3, 85, 80)] {
        for (bid, v) in [(&a_bid, av), (&b_bid, bv)] {
            let body =
                json!({"scores": scores(v), "recommendation": "recommend", "comment": "可行"});
            app.post(&format!("/v1/bids/{bid}/assessments"), token, body)
                .await
                .expect(200);
        }
    }
    app.post(
        &format!("/v1/bids/{a_bid}/assessments"),
        &r1,
        json!({"scores": scores(10), "recommendation": "recommend", "comment": "again"}),
    )
    .await
    .problem(409, "assessment_already_recorded");
    let queue = app.get("/v1/me/reviews", &r1).await;
    assert_eq!(queue.expect(200)["items"].as_array().unwrap().len(), 0);

    for bid in [&a_bid, &b_bid] {
        let res = app
            .post(
                &format!("/v1/bids/{bid}/review-conclusion"),
                &officer,
                json!({"recommended": true, "note": "推荐公示"}),
            )
            .await;
        assert_eq!(res.expect(200)["status"], "reviewed");
    }

    // The officer's list is ranked by the weighted mean: A (85.00) before B (75.00).
    let ranked = app.get(&bids, &officer).await;
    let items = ranked.expect(200)["items"].as_array().unwrap().clone();
    assert_eq!(items.len(), 3);
    assert_eq!(items[0]["id"], a_bid.as_str());
    assert_eq!(items[0]["mean_score_x100"], 8500);
    assert_eq!(items[1]["id"], b_bid.as_str());
    assert_eq!(items[1]["mean_score_x100"], 7500);
    app.get(&bids, &a).await.problem(403, "forbidden");

    // The demand owner's shortlist: ranked, anonymised; its opinion is kept beside the decision.
    let shortlist = app
        .get(&format!("/v1/challenges/{call}/shortlist"), &owner)
        .await;
    let short = shortlist.expect(200)["items"].as_array().unwrap().clone();
    assert_eq!(short.len(), 2);
    assert_eq!(short[0]["rank"], 1);
    for key in ["id", "lead", "lead_name", "members", "team_lead"] {
        assert!(!has(&short[0], key), "shortlist leaks {key}");
    }
    let alias = short[0]["alias"].as_str().unwrap();
    app.post(
        &format!("/v1/challenges/{call}/shortlist/{alias}/opinion"),
        &owner,
        json!({"supports": true, "opinion": "路线符合需求"}),
    )
    .await
    .expect(200);
    app.get(&format!("/v1/challenges/{call}/shortlist"), &a)
        .await
        .problem(403, "forbidden");

    // --- 公示: 7 days inclusive; one objection, dismissed ---
    app.set_now("2027-03-01T09:00:00+08:00");
    app.post(
        &format!("/v1/bids/{a_bid}/public-notice"),
        &officer,
        json!({"from": "2027-03-01", "to": "2027-03-06"}),
    )
    .await
    .problem(422, "notice_too_short");
    for bid in [&a_bid, &b_bid] {
        let res = app
            .post(
                &format!("/v1/bids/{bid}/public-notice"),
                &officer,
                json!({"from": "2027-03-01", "to": "2027-03-07"}),
            )
            .await;
        assert_eq!(res.expect(200)["status"], "in_public_notice");
    }
    let citizen = app.token("citizen-1", "applicant", Some(orgs::ENT_C));
    app.post(
        &format!("/v1/bids/{b_bid}/objections"),
        &citizen,
        json!({"objector_name": "匿名", "grounds": "x"}),
    )
    .await
    .problem(422, "anonymous_objection");
    let filed = app
        .post(
            &format!("/v1/bids/{b_bid}/objections"),
            &citizen,
            json!({"objector_name": "李四", "grounds": "团队成员重复申报", "evidence_ref": "EV-1"}),
        )
        .await;
    filed.expect(201);
    // The objector sees what the notice publishes, not the bid's working file.
    assert!(!has(&filed.body, "objections") && !has(&filed.body, "milestones"));
    app.set_now("2027-03-08T09:00:00+08:00");
    app.post(
        &format!("/v1/bids/{b_bid}/public-notice/end"),
        &officer,
        json!({}),
    )
    .await
    .problem(422, "objections_pending");
    app.post(
        &format!("/v1/bids/{b_bid}/objections/1/resolution"),
        &officer,
        json!({"upheld": false, "reason": "经核查不属实"}),
    )
    .await
    .expect(200);
    app.post(
        &format!("/v1/bids/{b_bid}/objections"),
        &citizen,
        json!({"objector_name": "李四", "grounds": "late"}),
    )
    .await
    .problem(422, "objection_outside_notice");
    for bid in [&a_bid, &b_bid] {
        let res = app
            .post(
                &format!("/v1/bids/{bid}/public-notice/end"),
                &officer,
                json!({}),
            )
            .await;
        assert_eq!(res.expect(200)["status"], "cleared");
    }

    // --- award: a horse race of two; amounts within request and cap ---
    let award = format!("/v1/challenges/{call}/award");
    app.post(
        &award,
        &officer,
        json!({"winners": [{"bid_id": a_bid, "amount_fen": 200_000_000}, {"bid_id": c_bid, "amount_fen": 1}]}),
    )
    .await
    .problem(422, "bid_not_cleared");
    app.post(
        &award,
        &officer,
        json!({"winners": [{"bid_id": a_bid, "amount_fen": 200_000_001}, {"bid_id": b_bid, "amount_fen": 1}]}),
    )
    .await
    .problem(422, "award_over_request");
    let awarded = app
        .post(
            &award,
            &officer,
            json!({"winners": [{"bid_id": a_bid, "amount_fen": 180_000_000}, {"bid_id": b_bid, "amount_fen": 250_000_000}]}),
        )
        .await;
    let awarded = awarded.expect(200).clone();
    assert_eq!(awarded["status"], "awarded");
    assert_eq!(awarded["winners"][0]["lane"], 1);
    assert_eq!(awarded["winners"][0]["amount_fen"], 180_000_000);
    assert_eq!(awarded["winners"][1]["lane"], 2);

    // --- what each party sees ---
    let full = app.get(&format!("/v1/bids/{a_bid}"), &auditor).await;
    let full = full.expect(200).clone();
    assert_eq!(full["status"], "awarded");
    assert_eq!(full["panel"].as_array().unwrap().len(), 3);
    assert_eq!(full["assessments"].as_array().unwrap().len(), 3);
    assert_eq!(full["demand_owner_opinion"]["supports"], true);
    let project_id = full["award"]["project_id"].as_str().unwrap().to_string();
    assert_eq!(full["award"]["amount_fen"], 180_000_000);
    let project = app
        .state
        .store()
        .view("project", &project_id)
        .await
        .unwrap()
        .expect("a project per winner");
    assert_eq!(project["bid_id"], a_bid.as_str());
    assert_eq!(project["race_lane"], true);
    assert_eq!(project["awarded_fen"], 180_000_000);
    // The lead and its member read their project; the two lanes form the call's race.
    let seen = app
        .get(&format!("/v1/projects/{project_id}"), &member)
        .await;
    assert_eq!(seen.expect(200)["status"], "awarded");
    let race = app
        .get(&format!("/v1/challenges/{call}/race"), &officer)
        .await;
    assert_eq!(race.expect(200)["lanes"].as_array().unwrap().len(), 2);
    let b_full = app.get(&format!("/v1/bids/{b_bid}"), &officer).await;
    assert_eq!(b_full.expect(200)["status"], "awarded");
    assert_eq!(b_full.body["objections"][0]["objector_name"], "李四");
    let c_full = app.get(&format!("/v1/bids/{c_bid}"), &officer).await;
    assert_eq!(c_full.expect(200)["status"], "withdrawn");

    for token in [&a, &member] {
        let seen = app.get(&format!("/v1/bids/{a_bid}"), token).await;
        let seen = seen.expect(200);
        assert_eq!(seen["status"], "awarded");
        assert_eq!(seen["award"]["amount_fen"], 180_000_000);
        assert_eq!(seen["review"]["mean_score_x100"], 8500);
        assert_eq!(seen["attachments"][0]["sha256"], sha.as_str());
        for key in ["panel", "assessments", "demand_owner_opinion", "alias"] {
            assert!(!has(seen, key), "a party sees {key}");
        }
        assert!(!has(&seen["review"], "note"));
    }
    let b_seen = app.get(&format!("/v1/bids/{b_bid}"), &b).await;
    let objection = &b_seen.expect(200)["objections"][0];
    assert_eq!(objection["grounds"], "团队成员重复申报");
    for key in ["objector_name", "objector_sub", "objector_org"] {
        assert!(
            !has(objection, key),
            "the applicant sees the objector's {key}"
        );
    }

    let as_r1 = app.get(&format!("/v1/bids/{a_bid}"), &r1).await;
    let as_r1 = as_r1.expect(200);
    let own = as_r1["assessments"].as_array().unwrap();
    assert_eq!(own.len(), 1);
    assert_eq!(own[0]["reviewer"], "r1");
    for key in [
        "panel",
        "review",
        "demand_owner_opinion",
        "objections",
        "alias",
        "award",
    ] {
        assert!(!has(as_r1, key), "a reviewer sees {key}");
    }
    assert!(has(as_r1, "milestones"));

    let outsider = app.get(&format!("/v1/bids/{a_bid}"), &c).await;
    let outsider = outsider.expect(200);
    assert_eq!(outsider["lead"], orgs::ENT_A);
    for key in [
        "milestones",
        "attachments",
        "assessments",
        "panel",
        "review",
        "award",
        "subtopics",
    ] {
        assert!(!has(outsider, key), "the public sees {key}");
    }

    let mine = app.get("/v1/me/bids", &member).await;
    let mine = mine.expect(200)["items"].as_array().unwrap().clone();
    assert_eq!(mine.len(), 1);
    assert_eq!(mine[0]["id"], a_bid.as_str());
    assert!(!has(&mine[0], "panel"));
    let mine = app.get("/v1/me/bids", &c).await;
    assert_eq!(mine.expect(200)["items"][0]["status"], "withdrawn");

    // Every view, fan-out rows included, is rebuilt from the events to the same rows.
    let store = app.state.store();
    let before = store.dump_views().await.unwrap();
    store.rebuild_projections().await.unwrap();
    assert_eq!(store.dump_views().await.unwrap(), before);
}
both_backends!(three_bid_a_horse_race_of_two_is_awarded_and_each_party_sees_its_share);

/// A valid synthetic 统一社会信用代码 `91320583MA1KD` + four digits + its check character.
fn uscc(n: u32) -> String {
    const SET: &str = "0123456789ABCDEFGHJKLMNPQRTUWXY";
    const W: [u32; 17] = [
        1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28,
    ];
    let first = format!("91320583MA1KD{n:04}");
    let sum: u32 = first
        .chars()
        .zip(W)
        .map(|(c, w)| SET.find(c).unwrap() as u32 * w)
        .sum();
    let check = SET.chars().nth(((31 - sum % 31) % 31) as usize).unwrap();
    format!("{first}{check}")
}

async fn fifty_simultaneous_bids_all_land_and_one_org_gets_only_one(backend: Backend) {
    let app = spawn_app(backend).await;
    let call = published_challenge(&app, json!({})).await;
    let path = format!("/v1/challenges/{call}/bids");
    let tokens: Vec<String> = (0..50).map(|i| app.applicant(&uscc(i))).collect();
    let sends = tokens
        .iter()
        .map(|t| app.post(&path, t, submission("并发", None, 100)));
    let results = futures::future::join_all(sends).await;
    for r in &results {
        r.expect(201);
    }
    let listed = app.get(&format!("{path}?limit=100"), &app.officer()).await;
    assert_eq!(listed.expect(200)["items"].as_array().unwrap().len(), 50);

    // Two submissions of one organisation at once: exactly one lands (several pairs, so that
    // some of them really meet on the stream's first sequence number).
    for n in 70..75 {
        let same = app.applicant(&uscc(n));
        let (first, second) = tokio::join!(
            app.post(&path, &same, submission("同一单位", None, 100)),
            app.post(&path, &same, submission("同一单位", None, 120)),
        );
        let mut statuses = [first.status, second.status];
        statuses.sort();
        assert_eq!(statuses, [201, 409], "{} / {}", first.body, second.body);
        let loser = if first.status == 409 { &first } else { &second };
        loser.problem(409, "duplicate_live_bid");
        let winner = if first.status == 201 { &first } else { &second };
        let id = winner.body["id"].as_str().unwrap();
        assert_eq!(app.version("bid", id).await, 1);
    }
}
both_backends!(fifty_simultaneous_bids_all_land_and_one_org_gets_only_one);

async fn a_recused_expert_is_replaced_a_correction_supersedes_and_a_call_without_cleared_bids_goes_unfilled(
    backend: Backend,
) {
    let app = spawn_app(backend).await;
    let officer = app.officer();
    let a = app.applicant(orgs::ENT_A);
    let call = published_challenge(&app, json!({})).await;
    let bid = app
        .post(
            &format!("/v1/challenges/{call}/bids"),
            &a,
            submission("甲科技", None, 100),
        )
        .await
        .expect(201)["id"]
        .as_str()
        .unwrap()
        .to_string();
    // Amend while the window is open: the revision counts up, the history keeps both.
    let mut amended = submission("甲科技", None, 120);
    amended.as_object_mut().unwrap().remove("lead_name");
    let res = app
        .post(&format!("/v1/bids/{bid}/amend"), &a, amended)
        .await;
    assert_eq!(res.expect(200)["revision"], 2);
    assert_eq!(res.body["requested_fen"], 120_000_000);
    assert_eq!(res.body["revisions"].as_array().unwrap().len(), 2);

    app.set_now("2027-02-27T09:00:00+08:00");
    app.post(&format!("/v1/challenges/{call}/close"), &officer, json!({}))
        .await
        .expect(200);
    app.post(
        &format!("/v1/bids/{bid}/formal-check"),
        &officer,
        json!({"passed": true}),
    )
    .await
    .expect(200);
    app.post(
        &format!("/v1/bids/{bid}/reviewers"),
        &officer,
        json!({"reviewers": [
            {"id": "r1", "org": orgs::ENT_C}, {"id": "r2", "org": orgs::INST}, {"id": "r3", "org": orgs::NRDI}
        ]}),
    )
    .await
    .expect(200);
    let r1 = app.token("r1", "reviewer", Some(orgs::ENT_C));
    let r2 = app.token("r2", "reviewer", Some(orgs::INST));
    let r3 = app.token("r3", "reviewer", Some(orgs::NRDI));
    let r5 = app.token("r5", "reviewer", Some(orgs::UNIV));
    let assess =
        |v: u8| json!({"scores": scores(v), "recommendation": "not_recommend", "comment": "一般"});

    // r3 steps down; the conclusion waits for a replacement.
    app.post(
        &format!("/v1/bids/{bid}/recusal"),
        &r3,
        json!({"reason": "曾与申报单位合作"}),
    )
    .await
    .expect(200);
    app.post(&format!("/v1/bids/{bid}/assessments"), &r3, assess(50))
        .await
        .problem(403, "not_assigned_reviewer");
    for t in [&r1, &r2] {
        app.post(&format!("/v1/bids/{bid}/assessments"), t, assess(60))
            .await
            .expect(200);
    }
    app.post(
        &format!("/v1/bids/{bid}/review-conclusion"),
        &officer,
        json!({"recommended": false}),
    )
    .await
    .problem(422, "too_few_reviewers");
    app.post(
        &format!("/v1/bids/{bid}/reviewers"),
        &officer,
        json!({"reviewers": [{"id": "r5", "org": orgs::UNIV}]}),
    )
    .await
    .expect(200);
    app.post(&format!("/v1/bids/{bid}/assessments"), &r5, assess(40))
        .await
        .expect(200);
    // r1 corrects with a reason; both entries stay, only the correction counts.
    let mut correction = assess(30);
    correction["reason"] = json!("误读了预算表");
    app.post(
        &format!("/v1/bids/{bid}/assessments/correction"),
        &r1,
        correction,
    )
    .await
    .expect(200);
    let res = app
        .post(
            &format!("/v1/bids/{bid}/review-conclusion"),
            &officer,
            json!({"recommended": false, "note": "不推荐"}),
        )
        .await;
    let concluded = res.expect(200);
    assert_eq!(concluded["status"], "not_recommended");
    // (30 + 60 + 40) / 3 = 43.33
    assert_eq!(concluded["review"]["mean_score_x100"], 4333);
    let entries = concluded["assessments"].as_array().unwrap();
    assert_eq!(entries.len(), 4);
    let r1_entries: Vec<&Value> = entries.iter().filter(|e| e["reviewer"] == "r1").collect();
    assert_eq!(r1_entries[0]["superseded"], true);
    assert_eq!(r1_entries[1]["correction_reason"], "误读了预算表");
    let panel = concluded["panel"].as_array().unwrap();
    assert_eq!(panel.len(), 4);
    assert_eq!(panel[2]["recusal_reason"], "曾与申报单位合作");
    let queue = app.get("/v1/me/reviews?status=recused", &r3).await;
    assert_eq!(queue.expect(200)["items"].as_array().unwrap().len(), 1);

    // No cleared bid: an award is refused, 流榜 is declared.
    app.post(
        &format!("/v1/challenges/{call}/award"),
        &officer,
        json!({"winners": [{"bid_id": bid, "amount_fen": 1}]}),
    )
    .await
    .problem(422, "bid_not_cleared");
    let res = app
        .post(
            &format!("/v1/challenges/{call}/unfilled"),
            &officer,
            json!({"reason": "无推荐的揭榜方"}),
        )
        .await;
    assert_eq!(res.expect(200)["status"], "unfilled");
    let seen = app.get(&format!("/v1/bids/{bid}"), &a).await;
    assert_eq!(seen.expect(200)["status"], "not_recommended");
}
both_backends!(
    a_recused_expert_is_replaced_a_correction_supersedes_and_a_call_without_cleared_bids_goes_unfilled
);

async fn a_bid_naming_a_barred_member_is_refused_with_the_bars_end(backend: Backend) {
    let app = spawn_app(backend).await;
    let officer = app.officer();
    let call = published_challenge(&app, json!({})).await;
    // A serious violation recorded today bars UNIV for 3 years.
    let base = format!("/v1/integrity/{}", orgs::UNIV);
    let case = app
        .post(
            &format!("{base}/cases"),
            &officer,
            json!({"allegation": "伪造数据", "related_projects": [],
                   "source": {"kind": "report", "reference": "举报〔2027〕1号"}}),
        )
        .await;
    let case_id = case.expect(201)["case_id"].as_str().unwrap().to_string();
    app.post(
        &format!("{base}/cases/{case_id}/determination"),
        &officer,
        json!({"severity": "serious", "findings_ref": "调查报告"}),
    )
    .await
    .expect(200);
    let recorded = app
        .post(
            &format!("{base}/cases/{case_id}/record"),
            &officer,
            json!({"recover": []}),
        )
        .await;
    let until = recorded.expect(200)["barred_until"]
        .as_str()
        .unwrap()
        .to_string();

    let a = app.applicant(orgs::ENT_A);
    let refused = app
        .post(
            &format!("/v1/challenges/{call}/bids"),
            &a,
            submission("甲科技", Some((orgs::ENT_A, orgs::UNIV)), 200),
        )
        .await;
    refused.problem(422, "organisation_barred");
    assert!(refused.body["detail"].as_str().unwrap().contains(&until));
    let none = app.get("/v1/me/bids", &a).await;
    assert_eq!(none.expect(200)["items"].as_array().unwrap().len(), 0);
    // Without the barred member the same team may bid.
    app.post(
        &format!("/v1/challenges/{call}/bids"),
        &a,
        submission("甲科技", None, 200),
    )
    .await
    .expect(201);
}
both_backends!(a_bid_naming_a_barred_member_is_refused_with_the_bars_end);

async fn a_barred_lead_is_refused_until_the_anniversary_of_the_decision(backend: Backend) {
    let app = spawn_app(backend).await;
    let officer = app.officer();
    let call = published_challenge(&app, json!({})).await;
    // A serious violation decided on 2024-01-12 bars ENT_B through 2027-01-11; the clock reads
    // 2027-01-10 (inside the call's window).
    let base = format!("/v1/integrity/{}", orgs::ENT_B);
    let case = app
        .post(
            &format!("{base}/cases"),
            &officer,
            json!({"allegation": "项目经费挪用", "related_projects": [],
                   "source": {"kind": "report", "reference": "举报〔2024〕2号"}}),
        )
        .await;
    let case_id = case.expect(201)["case_id"].as_str().unwrap().to_string();
    app.post(
        &format!("{base}/cases/{case_id}/determination"),
        &officer,
        json!({"severity": "serious", "decision_date": "2024-01-12", "findings_ref": "处理决定"}),
    )
    .await
    .expect(200);
    let recorded = app
        .post(
            &format!("{base}/cases/{case_id}/record"),
            &officer,
            json!({"recover": []}),
        )
        .await;
    assert_eq!(recorded.expect(200)["barred_until"], "2027-01-12");

    let b = app.applicant(orgs::ENT_B);
    let path = format!("/v1/challenges/{call}/bids");
    let refused = app.post(&path, &b, submission("乙科技", None, 150)).await;
    refused.problem(422, "organisation_barred");
    assert!(refused.body["detail"]
        .as_str()
        .unwrap()
        .contains("2027-01-12"));
    // The day before the anniversary the bar still holds; on the anniversary it has ended.
    app.set_now("2027-01-11T23:00:00+08:00");
    app.post(&path, &b, submission("乙科技", None, 150))
        .await
        .problem(422, "organisation_barred");
    app.set_now("2027-01-12T09:00:00+08:00");
    let accepted = app.post(&path, &b, submission("乙科技", None, 150)).await;
    assert_eq!(accepted.expect(201)["status"], "submitted");
}
both_backends!(a_barred_lead_is_refused_until_the_anniversary_of_the_decision);
