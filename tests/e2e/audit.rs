//! Auditors: history, time travel, verification after tampering by direct SQL, export bundles
//! checked by the built binary, the dossier, the access log, and auditors being read-only.

use std::collections::HashMap;

use kernel::{Money, OrgCode};
use project::{AwardProject, ProjectCommand};
use serde_json::{json, Value};
use store::Db;

use crate::helpers::{
    challenge_draft, fund_project, orgs, published_challenge, spawn_app, Backend, TestApp,
};

/// Drafts a call at `2027-01-10T01:00:00Z` and amends its title three times, an hour apart, so
/// the stream has four events; returns its id.
async fn four_event_call(app: &TestApp) -> String {
    let officer = app.officer();
    app.set_now("2027-01-10T01:00:00Z");
    let created = app
        .post("/v1/challenges", &officer, challenge_draft(json!({})))
        .await;
    let id = created.expect(201)["id"].as_str().unwrap().to_string();
    for (hour, title) in [(2, "title-A"), (3, "title-B"), (4, "title-C")] {
        app.set_now(&format!("2027-01-10T0{hour}:00:00Z"));
        app.post(
            &format!("/v1/challenges/{id}/amend"),
            &officer,
            json!({"reason": "r", "title": title}),
        )
        .await
        .expect(200);
    }
    id
}

async fn exec(db: &Db, sql: &str, id: &str, seq: i64) {
    match db {
        Db::Postgres(pool) => {
            sqlx::query(sql)
                .bind(id)
                .bind(seq)
                .execute(pool)
                .await
                .unwrap();
        }
        Db::Sqlite(pool) => {
            sqlx::query(&sql.replace('$', "?"))
                .bind(id)
                .bind(seq)
                .execute(pool)
                .await
                .unwrap();
        }
    }
}

/// The stored text of `column` (payload or metadata) of one event.
async fn column_text(db: &Db, column: &str, id: &str, seq: i64) -> String {
    let sql =
        format!("SELECT {column}::text FROM events WHERE aggregate_id = $1 AND sequence = $2");
    match db {
        Db::Postgres(pool) => sqlx::query_scalar(&sql)
            .bind(id)
            .bind(seq)
            .fetch_one(pool)
            .await
            .unwrap(),
        Db::Sqlite(pool) => {
            let sql =
                format!("SELECT {column} FROM events WHERE aggregate_id = ?1 AND sequence = ?2");
            sqlx::query_scalar(&sql)
                .bind(id)
                .bind(seq)
                .fetch_one(pool)
                .await
                .unwrap()
        }
    }
}

/// Overwrites the stored text of `column` of one event, as someone with database access could.
async fn set_column_text(db: &Db, column: &str, id: &str, seq: i64, text: &str) {
    match db {
        Db::Postgres(pool) => {
            let sql = format!(
                "UPDATE events SET {column} = $3::json WHERE aggregate_id = $1 AND sequence = $2"
            );
            sqlx::query(&sql)
                .bind(id)
                .bind(seq)
                .bind(text)
                .execute(pool)
                .await
                .unwrap();
        }
        Db::Sqlite(pool) => {
            let sql = format!(
                "UPDATE events SET {column} = ?3 WHERE aggregate_id = ?1 AND sequence = ?2"
            );
            sqlx::query(&sql)
                .bind(id)
                .bind(seq)
                .bind(text)
                .execute(pool)
                .await
                .unwrap();
        }
    }
}

/// Asserts the verdict of the API and of `Store::verify_stream` for one stream.
async fn assert_verdict(app: &TestApp, id: &str, broken_at: Option<u64>, reason_starts: &str) {
    let api = app
        .get(
            &format!("/v1/audit/streams/challenge/{id}/verify"),
            &app.auditor(),
        )
        .await;
    let api = api.expect(200).clone();
    let store = app
        .state
        .store()
        .verify_stream("challenge", id)
        .await
        .unwrap();
    assert_eq!(
        api,
        serde_json::to_value(&store).unwrap(),
        "API and store disagree"
    );
    assert_eq!(api["ok"], json!(broken_at.is_none()), "{api}");
    assert_eq!(api["broken_at"], json!(broken_at), "{api}");
    match broken_at {
        None => assert_eq!(api["reason"], Value::Null),
        Some(_) => {
            let reason = api["reason"].as_str().unwrap();
            assert!(
                reason.starts_with(reason_starts),
                "reason {reason:?}, expected {reason_starts:?}"
            );
        }
    }
}

async fn tampering_by_direct_sql_is_detected_at_the_first_broken_sequence(backend: Backend) {
    let app = spawn_app(backend).await;
    let db = app.state.store().db().clone();
    let [untouched, byte, deleted, swapped, meta] = [
        four_event_call(&app).await,
        four_event_call(&app).await,
        four_event_call(&app).await,
        four_event_call(&app).await,
        four_event_call(&app).await,
    ];
    for id in [&untouched, &byte, &deleted, &swapped, &meta] {
        assert_verdict(&app, id, None, "").await;
    }

    // One payload byte: "title-B" becomes "title-X" in event 3.
    let text = column_text(&db, "payload", &byte, 3).await;
    assert!(text.contains("title-B"), "{text}");
    set_column_text(
        &db,
        "payload",
        &byte,
        3,
        &text.replacen("title-B", "title-X", 1),
    )
    .await;

    exec(
        &db,
        "DELETE FROM events WHERE aggregate_id = $1 AND sequence = $2",
        &deleted,
        2,
    )
    .await;

    let (p2, p3) = (
        column_text(&db, "payload", &swapped, 2).await,
        column_text(&db, "payload", &swapped, 3).await,
    );
    set_column_text(&db, "payload", &swapped, 2, &p3).await;
    set_column_text(&db, "payload", &swapped, 3, &p2).await;

    let text = column_text(&db, "metadata", &meta, 3).await;
    assert!(text.contains("officer-1"), "{text}");
    set_column_text(
        &db,
        "metadata",
        &meta,
        3,
        &text.replacen("officer-1", "mallory-1", 1),
    )
    .await;

    assert_verdict(&app, &untouched, None, "").await;
    assert_verdict(&app, &byte, Some(3), "payload changed").await;
    assert_verdict(&app, &deleted, Some(2), "event deleted").await;
    assert_verdict(&app, &swapped, Some(2), "payload changed").await;
    assert_verdict(&app, &meta, Some(3), "metadata changed").await;

    // A state rebuilt from events before the break says it is intact; one folded past it says not.
    let auditor = app.auditor();
    let before = app
        .get(
            &format!("/v1/audit/streams/challenge/{byte}/state?version=2"),
            &auditor,
        )
        .await;
    assert_eq!(before.expect(200)["chain"]["ok"], true);
    let after = app
        .get(
            &format!("/v1/audit/streams/challenge/{byte}/state"),
            &auditor,
        )
        .await;
    assert_eq!(after.expect(200)["chain"]["broken_at"], 3);
    assert_eq!(after.body["state"]["terms"]["title"], "title-C");
    let dossier = app
        .get(&format!("/v1/audit/projects/{deleted}"), &auditor)
        .await;
    assert_eq!(dossier.expect(200)["streams"][0]["chain"]["broken_at"], 2);
}
both_backends!(tampering_by_direct_sql_is_detected_at_the_first_broken_sequence);

async fn history_is_paginated_and_carries_the_chain(backend: Backend) {
    let app = spawn_app(backend).await;
    let id = four_event_call(&app).await;
    let auditor = app.auditor();
    let base = format!("/v1/audit/streams/challenge/{id}/events");

    let first = app
        .get(&format!("{base}?limit=3"), &auditor)
        .await
        .expect(200)
        .clone();
    let items = first["items"].as_array().unwrap();
    assert_eq!(
        items
            .iter()
            .map(|e| e["sequence"].as_u64().unwrap())
            .collect::<Vec<_>>(),
        [1, 2, 3]
    );
    assert_eq!(first["next_cursor"], 3);
    assert_eq!(items[0]["event_type"], "ChallengeDrafted");
    assert_eq!(items[0]["metadata"]["prev_hash"], store::chain::GENESIS);
    assert_eq!(
        items[1]["metadata"]["prev_hash"],
        items[0]["metadata"]["hash"]
    );
    assert_eq!(items[1]["metadata"]["actor_sub"], "officer-1");
    assert_eq!(items[1]["metadata"]["actor_roles"], "officer");
    assert_eq!(items[1]["metadata"]["command"], "AmendChallenge");
    assert_eq!(
        items[1]["metadata"]["recorded_at"],
        "2027-01-10T02:00:00.000000Z"
    );

    let rest = app
        .get(&format!("{base}?after=3&limit=3"), &auditor)
        .await
        .expect(200)
        .clone();
    assert_eq!(rest["items"].as_array().unwrap().len(), 1);
    assert_eq!(rest["items"][0]["sequence"], 4);
    assert_eq!(rest["next_cursor"], Value::Null);

    let officer = app.get(&base, &app.officer()).await;
    assert_eq!(officer.expect(200)["items"].as_array().unwrap().len(), 4);
    app.get(&base, &app.applicant(orgs::ENT_A))
        .await
        .problem(403, "forbidden");
    app.get(&base, &app.token("r", "reviewer", None))
        .await
        .problem(403, "forbidden");
    app.send("GET", &base, None, None, &[])
        .await
        .problem(401, "unauthenticated");
    app.get(&format!("{base}?limit=0"), &auditor)
        .await
        .problem(400, "invalid_query");
    app.get("/v1/audit/streams/challenge/no-such-call/events", &auditor)
        .await
        .problem(404, "not_found");
}
both_backends!(history_is_paginated_and_carries_the_chain);

async fn state_is_rebuilt_at_a_version_or_a_moment(backend: Backend) {
    let app = spawn_app(backend).await;
    let id = four_event_call(&app).await;
    let auditor = app.auditor();
    let base = format!("/v1/audit/streams/challenge/{id}/state");

    let v1 = app
        .get(&format!("{base}?version=1"), &auditor)
        .await
        .expect(200)
        .clone();
    assert_eq!(v1["version"], 1);
    assert_eq!(v1["recorded_at"], "2027-01-10T01:00:00.000000Z");
    assert_eq!(v1["state"]["status"], "draft");
    assert_eq!(v1["state"]["terms"]["title"], "高分辨率光刻胶国产替代");
    assert_eq!(v1["state"]["amendment_count"], 0);
    let v3 = app
        .get(&format!("{base}?version=3"), &auditor)
        .await
        .expect(200)
        .clone();
    assert_eq!(v3["state"]["terms"]["title"], "title-B");
    assert_eq!(v3["state"]["amendment_count"], 2);

    // An instant between the second and third events gives version 2; exactly at an event's
    // recorded_at includes it; another time zone names the same instant.
    let between = app
        .get(&format!("{base}?at=2027-01-10T02:30:00Z"), &auditor)
        .await
        .expect(200)
        .clone();
    assert_eq!(
        (
            between["version"].as_u64(),
            between["state"]["terms"]["title"].as_str()
        ),
        (Some(2), Some("title-A"))
    );
    let exact = app
        .get(&format!("{base}?at=2027-01-10T03:00:00Z"), &auditor)
        .await
        .expect(200)
        .clone();
    assert_eq!(exact["version"], 3);
    let shanghai = app
        .get(&format!("{base}?at=2027-01-10T10:30:00%2B08:00"), &auditor)
        .await
        .expect(200)
        .clone();
    assert_eq!(shanghai["version"], 2);
    let latest = app.get(&base, &auditor).await.expect(200).clone();
    assert_eq!(latest["version"], 4);
    assert_eq!(latest["state"]["terms"]["title"], "title-C");

    app.get(&format!("{base}?at=2027-01-10T00:59:59Z"), &auditor)
        .await
        .problem(404, "no_state_at_that_time");
    app.get(&format!("{base}?at=not-a-time"), &auditor)
        .await
        .problem(400, "invalid_query");
    app.get(&format!("{base}?at=2027-01-10"), &auditor)
        .await
        .problem(400, "invalid_query");
    app.get(
        &format!("{base}?at=2027-01-10T02:30:00Z&version=2"),
        &auditor,
    )
    .await
    .problem(400, "invalid_query");
    app.get(&format!("{base}?version=0"), &auditor)
        .await
        .problem(404, "no_such_version");
    app.get(&format!("{base}?version=5"), &auditor)
        .await
        .problem(404, "no_such_version");
    app.get(&format!("/v1/audit/streams/unicorn/{id}/state"), &auditor)
        .await
        .problem(404, "unknown_aggregate_type");
    app.get("/v1/audit/streams/challenge/no-such-call/state", &auditor)
        .await
        .problem(404, "not_found");
    app.get(&base, &app.applicant(orgs::ENT_A))
        .await
        .problem(403, "forbidden");
}
both_backends!(state_is_rebuilt_at_a_version_or_a_moment);

async fn export_raw(app: &TestApp, query: &str) -> (u16, String, String) {
    let res = reqwest::Client::new()
        .get(format!("{}/v1/audit/export?{query}", app.url))
        .bearer_auth(app.auditor())
        .send()
        .await
        .unwrap();
    let status = res.status().as_u16();
    let ctype = res
        .headers()
        .get("content-type")
        .map(|v| v.to_str().unwrap().to_string())
        .unwrap_or_default();
    (status, ctype, res.text().await.unwrap())
}

fn verify_bundle(text: &str) -> (bool, String) {
    let dir = std::env::temp_dir().join(format!("gl_bundle_{}", uuid::Uuid::new_v4().simple()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("bundle.jsonl");
    std::fs::write(&path, text).unwrap();
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_grantledger"))
        .arg("verify-bundle")
        .arg(&path)
        .output()
        .unwrap();
    let _ = std::fs::remove_dir_all(&dir);
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
    )
}

async fn an_exported_bundle_verifies_offline_until_one_byte_changes(backend: Backend) {
    let app = spawn_app(backend).await;
    let id = four_event_call(&app).await;
    let (status, ctype, text) = export_raw(&app, &format!("type=challenge&id={id}")).await;
    assert_eq!(status, 200, "{text}");
    assert_eq!(ctype, "application/x-ndjson");
    let lines: Vec<Value> = text
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines.len(), 4);
    assert_eq!(lines[3]["sequence"], 4);
    assert!(lines[3]["metadata"]["hash"].as_str().unwrap().len() == 64);

    let (ok, report) = verify_bundle(&text);
    assert!(ok, "an untouched bundle must verify: {report}");
    assert!(
        report.contains(&format!("ok challenge/{id}: 4 events intact")),
        "{report}"
    );

    // One byte of the budget cap in the first event: still valid JSON, no longer the record.
    assert!(text.contains("300000000"));
    let (ok, report) = verify_bundle(&text.replacen("300000000", "300000001", 1));
    assert!(!ok, "a bundle edited by one byte must fail: {report}");
    assert!(
        report.contains("at sequence 1: payload changed"),
        "{report}"
    );
    // One byte of a hash, and a dropped line.
    let hash = lines[1]["metadata"]["hash"].as_str().unwrap();
    let flipped = format!(
        "{}{}",
        &hash[..63],
        if hash.ends_with('0') { '1' } else { '0' }
    );
    assert!(!verify_bundle(&text.replacen(hash, &flipped, 1)).0);
    let dropped: String = text
        .lines()
        .enumerate()
        .filter(|(i, _)| *i != 1)
        .map(|(_, l)| format!("{l}\n"))
        .collect();
    assert!(!verify_bundle(&dropped).0);

    let (status, _, _) = export_raw(&app, "type=challenge&id=no-such-call").await;
    assert_eq!(status, 404);
    let (status, _, _) = export_raw(&app, "type=challenge").await;
    assert_eq!(status, 400);
    let (status, ctype, dossier) = export_raw(&app, &format!("project={id}")).await;
    assert_eq!((status, ctype.as_str()), (200, "application/x-ndjson"));
    assert!(verify_bundle(&dossier).0);
}
both_backends!(an_exported_bundle_verifies_offline_until_one_byte_changes);

async fn the_dossier_merges_a_stream_into_one_timeline(backend: Backend) {
    let app = spawn_app(backend).await;
    let id = four_event_call(&app).await;
    let other = four_event_call(&app).await;
    let dossier = app
        .get(&format!("/v1/audit/projects/{id}"), &app.auditor())
        .await
        .expect(200)
        .clone();
    assert_eq!(dossier["project_id"], json!(id));
    assert_eq!(
        dossier["streams"],
        json!([{"aggregate_type": "challenge", "aggregate_id": id, "relation": "root", "via": null, "events": 4,
            "chain": {"ok": true, "events": 4, "broken_at": null, "reason": null}}])
    );
    let timeline = dossier["timeline"].as_array().unwrap();
    assert_eq!(timeline.len(), 4, "only this call's events, not {other}'s");
    let at: Vec<&str> = timeline
        .iter()
        .map(|e| e["recorded_at"].as_str().unwrap())
        .collect();
    let mut sorted = at.clone();
    sorted.sort();
    assert_eq!(at, sorted);
    for e in timeline {
        assert_eq!(
            e["stream"],
            json!({"aggregate_type": "challenge", "aggregate_id": id})
        );
        assert!(e["metadata"]["hash"].is_string());
    }
    app.get("/v1/audit/projects/no-such-project", &app.auditor())
        .await
        .problem(404, "not_found");
    app.get(
        &format!("/v1/audit/projects/{id}"),
        &app.applicant(orgs::ENT_A),
    )
    .await
    .problem(403, "forbidden");
}
both_backends!(the_dossier_merges_a_stream_into_one_timeline);

/// Seeds project `id` as the award's process manager would: awarded from call `challenge_id`,
/// recorded at the app's clock.
async fn awarded_project(app: &TestApp, challenge_id: &str, id: &str) {
    let award = AwardProject {
        challenge_id: challenge_id.into(),
        bid_id: format!("bid-{id}"),
        lead: OrgCode::parse(orgs::ENT_A).unwrap(),
        members: vec![OrgCode::parse(orgs::ENT_B).unwrap()],
        demand_owner: OrgCode::parse(orgs::LEAD).unwrap(),
        award: Money::from_wan_yuan(200),
        completion_deadline: "2029-12-31".parse().unwrap(),
        race_lane: false,
    };
    let metadata = HashMap::from([
        (
            "recorded_at".to_string(),
            app.state.clock().now().to_rfc3339(),
        ),
        ("actor_sub".to_string(), "test-seed".to_string()),
    ]);
    app.state
        .projects()
        .execute_with_metadata(id, ProjectCommand::CreateFromAward(award), metadata)
        .await
        .unwrap();
}

async fn the_dossier_gathers_a_projects_call_clawback_cases_and_integrity_records(
    backend: Backend,
) {
    let app = spawn_app(backend).await;
    let officer = app.officer();
    app.set_now("2027-01-10T01:00:00Z");
    let call = published_challenge(&app, json!({})).await;
    app.set_now("2027-03-01T01:00:00Z");
    awarded_project(&app, &call, "p-dossier").await;
    awarded_project(&app, &call, "p-other").await;
    // Clawback claims are bounded by what the ledger says was disbursed.
    fund_project(&app, "p-dossier", 200_000_000).await;
    fund_project(&app, "p-other", 200_000_000).await;

    app.set_now("2027-06-01T01:00:00Z");
    let clawback = |subject: Value| {
        json!({
            "subject": subject,
            "debtor": orgs::ENT_A,
            "basis": {"kind": "officer_decision", "reference": "昆科追〔2027〕1号"},
            "amount_fen": 100_000
        })
    };
    let case = app
        .post(
            "/v1/clawbacks",
            &officer,
            clawback(json!({"kind": "project", "id": "p-dossier"})),
        )
        .await
        .expect(201)["id"]
        .as_str()
        .unwrap()
        .to_string();
    app.set_now("2027-06-02T01:00:00Z");
    app.post(&format!("/v1/clawbacks/{case}/notice"), &officer, json!({}))
        .await
        .expect(200);
    // Cases on another project stay out; a claim on a consortium the ledger does not know is
    // refused.
    app.post(
        "/v1/clawbacks",
        &officer,
        clawback(json!({"kind": "project", "id": "p-other"})),
    )
    .await
    .expect(201);
    app.post(
        "/v1/clawbacks",
        &officer,
        clawback(json!({"kind": "consortium", "id": "p-dossier"})),
    )
    .await
    .problem(422, "subject_not_found");

    // ENT_B's record names the project in its second case; recording that case with a
    // recovery makes the referral's process manager open a second clawback case on it.
    app.set_now("2027-07-01T01:00:00Z");
    let integrity = format!("/v1/integrity/{}", orgs::ENT_B);
    let open_case = |projects: Value| {
        json!({
            "allegation": "伪造验收测试数据",
            "related_projects": projects,
            "source": {"kind": "report", "reference": "举报〔2027〕3号"}
        })
    };
    app.post(
        &format!("{integrity}/cases"),
        &officer,
        open_case(json!(["p-other"])),
    )
    .await
    .expect(201);
    app.set_now("2027-07-02T01:00:00Z");
    let opened = app
        .post(
            &format!("{integrity}/cases"),
            &officer,
            open_case(json!(["p-dossier", "p-other"])),
        )
        .await;
    let integrity_case = opened.expect(201)["case_id"].as_str().unwrap().to_string();
    app.set_now("2027-07-03T01:00:00Z");
    app.post(
        &format!("{integrity}/cases/{integrity_case}/determination"),
        &officer,
        json!({"severity": "serious", "findings_ref": "调查报告〔2027〕1号"}),
    )
    .await
    .expect(200);
    app.set_now("2027-07-04T01:00:00Z");
    app.post(
        &format!("{integrity}/cases/{integrity_case}/record"),
        &officer,
        json!({"recover": [{"project": "p-dossier", "amount_fen": 300_000}]}),
    )
    .await
    .expect(200);
    // Another organisation's record about another project stays out.
    app.post(
        &format!("/v1/integrity/{}/cases", orgs::ENT_C),
        &officer,
        open_case(json!(["p-other"])),
    )
    .await
    .expect(201);
    let referred = app
        .get("/v1/clawbacks?status=opened", &officer)
        .await
        .expect(200)["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["basis"]["kind"] == "integrity_recorded")
        .expect("the referral's clawback case")["id"]
        .as_str()
        .unwrap()
        .to_string();

    let dossier = app
        .get("/v1/audit/projects/p-dossier", &app.auditor())
        .await
        .expect(200)
        .clone();
    let streams: Vec<(String, String, String, Option<String>, u64)> = dossier["streams"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| {
            assert_eq!(s["chain"]["ok"], true, "{s}");
            (
                s["aggregate_type"].as_str().unwrap().to_string(),
                s["aggregate_id"].as_str().unwrap().to_string(),
                s["relation"].as_str().unwrap().to_string(),
                s["via"]["aggregate_id"].as_str().map(str::to_string),
                s["events"].as_u64().unwrap(),
            )
        })
        .collect();
    let mut expected = vec![
        ("project", "p-dossier", "root", None, 3),
        ("challenge", call.as_str(), "call", Some("p-dossier"), 2),
        // No bid stream exists in this scenario: the link stands, with no events.
        ("bid", "bid-p-dossier", "winning_bid", Some("p-dossier"), 0),
        (
            "clawback_case",
            case.as_str(),
            "clawback_case",
            Some("p-dossier"),
            2,
        ),
        (
            "clawback_case",
            referred.as_str(),
            "clawback_case",
            Some("p-dossier"),
            1,
        ),
        // Opened twice, determined, recorded, one recovery referred.
        (
            "integrity_record",
            orgs::ENT_B,
            "integrity_record",
            Some("p-dossier"),
            5,
        ),
    ]
    .into_iter()
    .map(|(t, i, r, v, n)| {
        let via = v.map(str::to_string);
        (t.to_string(), i.to_string(), r.to_string(), via, n)
    })
    .collect::<Vec<_>>();
    let mut got = streams.clone();
    got.sort();
    expected.sort();
    assert_eq!(got, expected, "{dossier}");
    assert_eq!(streams[0].2, "root");

    // One timeline, ordered by recorded_at, in which every stream with events is named.
    let timeline = dossier["timeline"].as_array().unwrap();
    // Award, contract and payment of the project; the call; two cases; the record.
    assert_eq!(timeline.len(), 13);
    let at: Vec<&str> = timeline
        .iter()
        .map(|e| e["recorded_at"].as_str().unwrap())
        .collect();
    let mut sorted = at.clone();
    sorted.sort();
    assert_eq!(at, sorted);
    let named: Vec<(String, String)> = timeline
        .iter()
        .map(|e| {
            (
                e["stream"]["aggregate_type"].as_str().unwrap().to_string(),
                e["stream"]["aggregate_id"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    for (kind, id, _, _, events) in &expected {
        let n = named.iter().filter(|s| (&s.0, &s.1) == (kind, id)).count();
        assert_eq!(n as u64, *events, "{kind}/{id} in the timeline");
    }
    let first_of = |kind: &str| {
        timeline
            .iter()
            .find(|e| e["stream"]["aggregate_type"] == kind)
            .unwrap()["event_type"]
            .clone()
    };
    assert_eq!(first_of("clawback_case"), "ClawbackOpened");
    assert_eq!(first_of("integrity_record"), "IntegrityCaseOpened");
}
both_backends!(the_dossier_gathers_a_projects_call_clawback_cases_and_integrity_records);

async fn every_audit_read_is_logged_and_the_log_cannot_be_erased(backend: Backend) {
    let app = spawn_app(backend).await;
    let id = four_event_call(&app).await;
    let auditor = app.token("auditor-7", "auditor", None);
    app.set_now("2027-02-01T08:00:00Z");
    app.get(
        &format!("/v1/audit/streams/challenge/{id}/events"),
        &auditor,
    )
    .await
    .expect(200);
    app.get(
        &format!("/v1/audit/streams/challenge/{id}/state?version=2"),
        &auditor,
    )
    .await
    .expect(200);
    app.get(
        &format!("/v1/audit/streams/challenge/{id}/verify"),
        &auditor,
    )
    .await
    .expect(200);
    export_raw(&app, &format!("type=challenge&id={id}")).await;
    app.get(&format!("/v1/audit/projects/{id}"), &auditor)
        .await
        .expect(200);
    app.get(
        &format!("/v1/audit/streams/challenge/{id}/events"),
        &app.applicant(orgs::ENT_A),
    )
    .await
    .problem(403, "forbidden");

    app.set_now("2027-02-01T09:00:00Z");
    let officer = app.officer();
    let log = app
        .get("/v1/audit/access-log", &officer)
        .await
        .expect(200)
        .clone();
    let items = log["items"].as_array().unwrap();
    let seen: Vec<(&str, &str, &str)> = items
        .iter()
        .map(|e| {
            (
                e["actor_sub"].as_str().unwrap(),
                e["action"].as_str().unwrap(),
                e["accessed_at"].as_str().unwrap(),
            )
        })
        .collect();
    let at = "2027-02-01T08:00:00.000000Z";
    assert_eq!(
        seen,
        [
            ("auditor-7", "stream_events", at),
            ("auditor-7", "stream_state", at),
            ("auditor-7", "stream_verify", at),
            ("auditor-1", "export", at),
            ("auditor-7", "project_dossier", at),
            ("officer-1", "access_log", "2027-02-01T09:00:00.000000Z"),
        ],
        "the applicant's refused read is not a read"
    );
    assert_eq!(
        items[1]["target"],
        json!(format!("/v1/audit/streams/challenge/{id}/state?version=2"))
    );
    assert_eq!(items[0]["actor_roles"], "auditor");
    assert!(!items[0]["request_id"].as_str().unwrap().is_empty());

    let page = app
        .get("/v1/audit/access-log?limit=2", &app.auditor())
        .await
        .expect(200)
        .clone();
    assert_eq!(page["items"].as_array().unwrap().len(), 2);
    let after = page["next_cursor"].as_i64().unwrap();
    let next = app
        .get(
            &format!("/v1/audit/access-log?after={after}&limit=2"),
            &app.auditor(),
        )
        .await
        .expect(200)
        .clone();
    assert_eq!(next["items"][0]["action"], "stream_verify");
    app.get("/v1/audit/access-log", &app.applicant(orgs::ENT_A))
        .await
        .problem(403, "forbidden");

    // No route erases it, and the database refuses to.
    for method in ["DELETE", "PUT", "PATCH", "POST"] {
        let res = app
            .send(method, "/v1/audit/access-log", Some(&officer), None, &[])
            .await;
        res.problem(405, "method_not_allowed");
    }
    let db = app.state.store().db().clone();
    let refused = match &db {
        Db::Postgres(pool) => sqlx::query("DELETE FROM audit_access_log")
            .execute(pool)
            .await
            .is_err(),
        Db::Sqlite(pool) => sqlx::query("DELETE FROM audit_access_log")
            .execute(pool)
            .await
            .is_err(),
    };
    assert!(refused, "the access log must refuse deletes");
    let updated = match &db {
        Db::Postgres(pool) => sqlx::query("UPDATE audit_access_log SET actor_sub = 'x'")
            .execute(pool)
            .await
            .is_err(),
        Db::Sqlite(pool) => sqlx::query("UPDATE audit_access_log SET actor_sub = 'x'")
            .execute(pool)
            .await
            .is_err(),
    };
    assert!(updated, "the access log must refuse updates");
    assert_eq!(app.state.store().access_log(0, 100).await.unwrap().len(), 8);
}
both_backends!(every_audit_read_is_logged_and_the_log_cannot_be_erased);

async fn an_auditor_only_token_is_refused_on_every_command_route(backend: Backend) {
    let app = spawn_app(backend).await;
    let id = crate::helpers::published_challenge(&app, json!({})).await;
    let before = app.version("challenge", &id).await;
    let auditor = app.auditor();
    let commands: Vec<_> = api::route_table()
        .into_iter()
        .filter(|(m, _)| *m == "post")
        // A witness's cosignature of a log checkpoint is not a command (issue 15).
        .filter(|(_, p)| !p.starts_with("/v1/audit/log/"))
        .collect();
    assert!(commands.len() >= 5, "{commands:?}");
    for (_, path) in &commands {
        let concrete = path
            .split('/')
            .map(|seg| {
                if seg.starts_with('{') {
                    id.as_str()
                } else {
                    seg
                }
            })
            .collect::<Vec<_>>()
            .join("/");
        // The refusal comes before any body is read: a valid body, `{}` and none are all 403.
        let body = if *path == "/v1/challenges" {
            challenge_draft(json!({}))
        } else {
            json!({})
        };
        app.post(&concrete, &auditor, body)
            .await
            .problem(403, "forbidden");
        app.send("POST", &concrete, Some(&auditor), None, &[])
            .await
            .problem(403, "forbidden");
    }
    assert_eq!(app.version("challenge", &id).await, before);
    assert_eq!(
        app.state.store().streams().await.unwrap().len(),
        1,
        "nothing new was created"
    );
    // An officer who is also an auditor may still command.
    let both = app.token("officer-auditor", "officer,auditor", None);
    app.post(
        &format!("/v1/challenges/{id}/amend"),
        &both,
        json!({"reason": "r", "title": "y"}),
    )
    .await
    .expect(200);
}
both_backends!(an_auditor_only_token_is_refused_on_every_command_route);

fn grantledger_verify(database_url: &str, args: &[&str]) -> (bool, String) {
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_grantledger"))
        .arg("verify")
        .args(args)
        .env("DATABASE_URL", database_url)
        .env("RUST_LOG", "warn")
        .output()
        .unwrap();
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
    )
}

async fn grantledger_verify_fails_once_any_stream_is_tampered(backend: Backend) {
    // The CLI needs the database URL, so this scenario starts its own server on a fresh store.
    let fresh = store::testing::FreshDb::create(backend).await.unwrap();
    let store = store::Store::new(
        fresh.connect().await.unwrap(),
        projections::all_projectors(),
    );
    let clock = kernel::FixedClock::new("2027-01-10T01:00:00Z".parse().unwrap());
    let secret = "verify-secret-0123456789abcdef0123456789abcdef";
    let state = app::AppState::new(
        store,
        std::sync::Arc::new(clock),
        std::sync::Arc::new(kernel::RandomIds),
        secret.into(),
        64 * 1024,
    );
    let app = api::Application::with_state("127.0.0.1:0", state.clone())
        .await
        .unwrap();
    let url = format!("http://127.0.0.1:{}", app.port());
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    tokio::spawn(app.serve(async move {
        let _ = stopped.await;
    }));
    let officer = crate::helpers::token_signed_with(secret, "officer-1", "officer");
    let client = reqwest::Client::new();
    let mut ids = Vec::new();
    for _ in 0..2 {
        let res = client
            .post(format!("{url}/v1/challenges"))
            .bearer_auth(&officer)
            .json(&challenge_draft(json!({})))
            .send()
            .await
            .unwrap();
        assert_eq!(res.status().as_u16(), 201);
        let body: Value = res.json().await.unwrap();
        ids.push(body["id"].as_str().unwrap().to_string());
    }

    let (ok, out) = grantledger_verify(&fresh.url, &[]);
    assert!(ok, "{out}");
    assert!(out.contains("2 streams checked, 0 broken"), "{out}");

    let db = state.store().db().clone();
    let text = column_text(&db, "payload", &ids[1], 1).await;
    set_column_text(
        &db,
        "payload",
        &ids[1],
        1,
        &text.replacen("300000000", "300000001", 1),
    )
    .await;
    let (ok, out) = grantledger_verify(&fresh.url, &[]);
    assert!(!ok, "{out}");
    assert!(
        out.contains(&format!(
            "BROKEN challenge/{} at sequence 1: payload changed",
            ids[1]
        )),
        "{out}"
    );
    assert!(out.contains("2 streams checked, 1 broken"), "{out}");

    let (ok, out) = grantledger_verify(&fresh.url, &["--type", "challenge", "--id", &ids[0]]);
    assert!(ok, "{out}");
    let (ok, out) = grantledger_verify(
        &fresh.url,
        &["--type", "challenge", "--id", "never-written"],
    );
    assert!(!ok, "{out}");
    assert!(out.contains("MISSING challenge/never-written"), "{out}");
    let _ = stop.send(());
}
both_backends!(grantledger_verify_fails_once_any_stream_is_tampered);
