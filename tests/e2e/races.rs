//! Race and lanes never disagree (issue 11, item 7): for random sequences of checkpoints and of
//! lane projects signed, accepted, failed, terminated and closed, after every command (and its
//! reactions) a lane is `racing` in its race exactly when its project says it still races, every
//! reaction has run without failing, and the views equal a rebuild from the log; on both stores.

use proptest::prelude::*;
use proptest::test_runner::{Config, RngAlgorithm, TestRng, TestRunner};
use serde_json::{json, Value};

use crate::helpers::{orgs, seed_metadata, seed_project, spawn_app, Backend, TestApp};

/// One generated step: `(kind, lane, bits)`.
type Op = (u8, u8, u8);

const LEADS: [&str; 3] = [orgs::ENT_A, orgs::ENT_B, orgs::ENT_C];

fn contract() -> Value {
    json!({
        "task_book_ref": "昆科任〔2029〕1号", "start": "2027-04-01", "end": "2028-12-31",
        "milestones": [{"id": "m1", "due": "2027-12-31", "deliverables": "样品", "targets": []}],
        "tranches": [
            {"id": "t1", "amount_fen": 100000000, "gate": {"kind": "on_contract"}},
            {"id": "t2", "amount_fen": 100000000, "gate": {"kind": "on_checkpoint", "checkpoint": 1}}
        ]
    })
}

/// What the award's process manager does for a horse race of `lanes` lanes.
async fn seed_race(app: &TestApp, race: &str, lanes: usize) -> Vec<String> {
    let ids: Vec<String> = (0..lanes).map(|i| format!("{race}-l{i}")).collect();
    for (i, id) in ids.iter().enumerate() {
        seed_project(app, id, race, LEADS[i], None, 200, true).await;
    }
    let form = project::RaceCommand::Form {
        challenge_id: race.into(),
        lanes: ids.clone(),
        max_lanes: 3,
    };
    app.state
        .races()
        .execute_with_metadata(race, form, seed_metadata(app))
        .await
        .unwrap();
    ids
}

async fn race_view(app: &TestApp, race: &str) -> Value {
    app.get(&format!("/v1/challenges/{race}/race"), &app.auditor())
        .await
        .expect(200)
        .clone()
}

/// Runs one step; refusals are part of the script (the generator does not know every state).
async fn step(app: &TestApp, race: &str, lanes: &[String], (kind, lane, bits): Op) {
    let officer = app.officer();
    let id = &lanes[usize::from(lane) % lanes.len()];
    let lead = app.applicant(LEADS[usize::from(lane) % lanes.len()]);
    let p = |rest: &str| format!("/v1/projects/{id}{rest}");
    let mut calls: Vec<(String, String, Value)> = Vec::new();
    let by_officer = |path: String, body: Value| (path, officer.clone(), body);
    match kind % 6 {
        0 => {
            // A checkpoint naming the lanes the race shows as racing, each continuing or not;
            // now and then naming one that left as well (the race refuses it).
            let view = race_view(app, race).await;
            let mut results: Vec<Value> = Vec::new();
            for (i, l) in view["lanes"].as_array().unwrap().iter().enumerate() {
                let racing = l["status"] == "racing";
                if racing || (bits & 32 != 0 && i == usize::from(lane) % lanes.len()) {
                    let result = if (bits >> i) & 1 == 1 {
                        "eliminate"
                    } else {
                        "continue"
                    };
                    results.push(json!({"project_id": l["project_id"], "result": result}));
                }
            }
            let next = view["checkpoints"].as_array().unwrap().len() + 1;
            calls.push(by_officer(
                format!("/v1/challenges/{race}/race/checkpoints"),
                json!({"checkpoint": next, "results": results}),
            ));
        }
        1 => calls.push(by_officer(
            p("/terminate"),
            json!({"reason": "infeasible", "detail": "路线不可行", "recover_amount_fen": 0}),
        )),
        2 => calls.push(by_officer(p("/contract"), contract())),
        3 => {
            // Towards acceptance: milestone reported and passed, acceptance asked and recorded.
            calls.push((
                p("/milestones/m1/report"),
                lead.clone(),
                json!({"evidence_ref": "E"}),
            ));
            calls.push(by_officer(
                p("/milestones/m1/assess"),
                json!({"passed": true}),
            ));
            calls.push((p("/acceptance-request"), lead.clone(), json!({})));
            calls.push(by_officer(
                p("/acceptance"),
                json!({"passed": bits & 1 == 0, "panel": "专家组", "report_ref": "YS"}),
            ));
        }
        4 => {
            // A failed acceptance rectified and failed again: the project fails.
            calls.push(by_officer(
                p("/acceptance/rectification"),
                json!({"deadline": "2029-06-30"}),
            ));
            calls.push(by_officer(
                p("/re-acceptance"),
                json!({"passed": bits & 2 != 0, "report_ref": "YS-2"}),
            ));
        }
        _ => calls.push(by_officer(p("/close"), json!({}))),
    }
    for (path, token, body) in calls {
        let res = app.post(&path, &token, body).await;
        assert!(res.status < 500, "{path}: {} {}", res.status, res.body);
    }
}

/// Checks the invariant after a step; returns (lanes withdrawn, concluded by a withdrawal).
async fn agree(app: &TestApp, race: &str, lanes: &[String]) -> (usize, bool) {
    app::reactions::drain(&app.state).await.unwrap();
    assert_eq!(
        app.state.store().outbox_len().await.unwrap(),
        0,
        "every reaction ran without failing"
    );
    let view = race_view(app, race).await;
    let mut racing = 0;
    let mut withdrawn = 0;
    for l in view["lanes"].as_array().unwrap() {
        let id = l["project_id"].as_str().unwrap();
        assert!(lanes.iter().any(|x| x == id));
        let project = app.get(&format!("/v1/projects/{id}"), &app.officer()).await;
        let project = project.expect(200);
        let in_race = l["status"] == "racing";
        assert_eq!(
            in_race,
            project["race_lane"] == true,
            "race says {} but project {id} is {} (race_lane {}): {view}",
            l["status"],
            project["status"],
            project["race_lane"]
        );
        if in_race {
            racing += 1;
            assert!(!["terminated", "failed", "closed", "eliminated"]
                .contains(&project["status"].as_str().unwrap()));
        }
        if l["status"] == "withdrawn" {
            withdrawn += 1;
            assert!(
                ["terminated", "failed", "closed"].contains(&project["status"].as_str().unwrap())
            );
        }
    }
    match view["status"].as_str().unwrap() {
        "running" => assert!(racing >= 2, "a running race has two racing lanes: {view}"),
        "concluded" => {
            assert_eq!(racing, 0, "{view}");
            let survivor = view["survivor"].as_str().unwrap();
            let won = app
                .get(&format!("/v1/projects/{survivor}"), &app.officer())
                .await;
            assert_eq!(won.expect(200)["race_lane"], false);
        }
        other => panic!("race status {other}"),
    }
    let by_withdrawal = view["status"] == "concluded" && withdrawn > 0;
    (withdrawn, by_withdrawal)
}

async fn race_and_lanes_agree_under_random_commands(backend: Backend) {
    let app = spawn_app(backend).await;
    // Past the contracts' end, so lanes can ask for acceptance; rectifications end later.
    app.set_now("2029-01-15T09:00:00+08:00");
    let handle = tokio::runtime::Handle::current();
    let mut runner = TestRunner::new_with_rng(
        Config {
            cases: 24,
            failure_persistence: None,
            ..Config::default()
        },
        TestRng::deterministic_rng(RngAlgorithm::ChaCha),
    );
    let strategy = (
        2usize..=3,
        prop::collection::vec((0u8..6, 0u8..3, 0u8..64), 1..16),
    );
    let case = std::cell::Cell::new(0u32);
    let withdrawals = std::cell::Cell::new(0usize);
    let concluded_by_withdrawal = std::cell::Cell::new(0usize);
    let result = tokio::task::block_in_place(|| {
        runner.run(&strategy, |(n, ops)| {
            handle.block_on(async {
                case.set(case.get() + 1);
                let race = format!("race-{}", case.get());
                let lanes = seed_race(&app, &race, n).await;
                agree(&app, &race, &lanes).await;
                let mut last = (0, false);
                for op in ops {
                    step(&app, &race, &lanes, op).await;
                    last = agree(&app, &race, &lanes).await;
                }
                withdrawals.set(withdrawals.get() + last.0);
                concluded_by_withdrawal.set(concluded_by_withdrawal.get() + usize::from(last.1));
            });
            Ok(())
        })
    });
    result.unwrap();
    // The generator reaches what the test is about.
    assert!(
        withdrawals.get() >= 5,
        "only {} withdrawals",
        withdrawals.get()
    );
    assert!(
        concluded_by_withdrawal.get() >= 2,
        "only {} races concluded by a withdrawal",
        concluded_by_withdrawal.get()
    );
    let live = app.state.store().dump_views().await.unwrap();
    app.state.store().rebuild_projections().await.unwrap();
    assert_eq!(app.state.store().dump_views().await.unwrap(), live);
}
both_backends!(race_and_lanes_agree_under_random_commands);

/// The issue's case: a lane terminated between checkpoints leaves the race; the next checkpoint
/// does not name it, and naming it is refused.
async fn a_lane_terminated_between_checkpoints_leaves_the_race(backend: Backend) {
    let app = spawn_app(backend).await;
    let officer = app.officer();
    let lanes = seed_race(&app, "r", 3).await;
    let cp = "/v1/challenges/r/race/checkpoints";
    app.post(
        &format!("/v1/projects/{}/terminate", lanes[1]),
        &officer,
        json!({"reason": "misconduct", "detail": "数据造假"}),
    )
    .await
    .expect(200);
    let race = race_view(&app, "r").await;
    assert_eq!(race["lanes"][1]["status"], "withdrawn");
    assert_eq!(race["lanes"][1]["withdrawn"], "terminated");
    assert_eq!(race["status"], "running");
    let all = |r: &str| json!({"checkpoint": 1, "results": lanes.iter().map(|l| json!({"project_id": l, "result": r})).collect::<Vec<_>>()});
    let before = app.version("race", "r").await;
    app.post(cp, &officer, all("continue"))
        .await
        .problem(422, "unknown_lane");
    assert_eq!(app.version("race", "r").await, before);
    let held = app
        .post(
            cp,
            &officer,
            json!({"checkpoint": 1, "results": [
                {"project_id": lanes[0], "result": "continue"},
                {"project_id": lanes[2], "result": "continue"}]}),
        )
        .await;
    assert_eq!(held.expect(200)["status"], "running");
    // The second lane to end leaves one: the race concludes with the survivor.
    app.post(
        &format!("/v1/projects/{}/terminate", lanes[2]),
        &officer,
        json!({"reason": "applicant_request", "detail": "主动申请", "recover_amount_fen": 0}),
    )
    .await
    .expect(200);
    let race = race_view(&app, "r").await;
    assert_eq!(race["status"], "concluded");
    assert_eq!(race["survivor"], lanes[0].as_str());
    let survivor = app
        .get(&format!("/v1/projects/{}", lanes[0]), &officer)
        .await;
    assert_eq!(survivor.expect(200)["race_lane"], false);
    assert_eq!(survivor.body["checkpoints_survived"], 1);
    assert_eq!(app.state.store().outbox_len().await.unwrap(), 0);
}
both_backends!(a_lane_terminated_between_checkpoints_leaves_the_race);
