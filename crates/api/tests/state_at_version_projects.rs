//! Time travel is faithful for projects and races: for random sequences of valid and refused
//! commands, the state the audit registry rebuilds at version N equals the live aggregate right
//! after the command that wrote event N, on both stores.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::HashMap;
use std::sync::Arc;

use api::audit::fold_for;
use chrono::{DateTime, SecondsFormat, TimeDelta, Utc};
use cqrs_es::event_sink::EventSink;
use cqrs_es::Aggregate;
use kernel::{Clock, FixedClock, Money, OrgCode};
use project::{
    AwardProject, ContractTerms, Gate, LaneResult, MilestonePlan, Project, ProjectCommand,
    ProjectServices, Race, RaceCommand, TerminationReason, TranchePlan,
};
use proptest::prelude::*;
use proptest::test_runner::{Config, RngAlgorithm, TestRng, TestRunner};
use serde_json::Value;
use store::testing::FreshDb;
use store::{Backend, Store};

fn lead() -> OrgCode {
    OrgCode::parse("91320583MA1KC00296").unwrap()
}

fn project_command(kind: u8, n: u8) -> ProjectCommand {
    let day = |s: &str| s.parse().unwrap();
    let m = format!("m{}", n % 2 + 1);
    match kind % 12 {
        0 => ProjectCommand::CreateFromAward(AwardProject {
            challenge_id: "c".into(),
            bid_id: "b".into(),
            lead: lead(),
            members: vec![],
            demand_owner: OrgCode::parse("91320583MA1KC00109").unwrap(),
            award: Money::from_wan_yuan(100),
            completion_deadline: day("2029-12-31"),
            race_lane: !n.is_multiple_of(2),
        }),
        1 => ProjectCommand::SignContract(ContractTerms {
            task_book_ref: "T".into(),
            start: day("2027-04-01"),
            end: day("2028-12-31"),
            milestones: vec![
                MilestonePlan {
                    id: "m1".into(),
                    due: day("2027-12-31"),
                    deliverables: "d".into(),
                    targets: vec![],
                },
                MilestonePlan {
                    id: "m2".into(),
                    due: day("2028-06-30"),
                    deliverables: "d".into(),
                    targets: vec![],
                },
            ],
            tranches: vec![
                TranchePlan {
                    id: "t1".into(),
                    amount: Money::from_wan_yuan(60),
                    gate: Gate::OnContract,
                },
                TranchePlan {
                    id: "t2".into(),
                    amount: Money::from_wan_yuan(40),
                    gate: Gate::OnMilestone {
                        milestone: "m1".into(),
                    },
                },
            ],
        }),
        2 => ProjectCommand::DisburseTranche {
            tranche: format!("t{}", n % 2 + 1),
            paid_on: day("2027-05-01"),
            payment_ref: "P".into(),
        },
        3 => ProjectCommand::ReportMilestone {
            milestone: m,
            evidence_ref: "E".into(),
            reporter: lead(),
        },
        4 => ProjectCommand::AssessMilestone {
            milestone: m,
            passed: !n.is_multiple_of(3),
            opinions: vec![],
        },
        5 => ProjectCommand::OrderMilestoneRectification {
            milestone: m,
            deadline: day("2030-06-30"),
        },
        6 => ProjectCommand::RequestAcceptance { requester: lead() },
        7 => ProjectCommand::RecordAcceptance {
            passed: n.is_multiple_of(2),
            panel: "p".into(),
            report_ref: "r".into(),
            demand_owner_confirmation: None,
        },
        8 => ProjectCommand::OrderAcceptanceRectification {
            deadline: day("2030-06-30"),
        },
        9 => ProjectCommand::RecordReAcceptance {
            passed: n.is_multiple_of(2),
            report_ref: "r".into(),
            recover_amount: None,
        },
        10 => ProjectCommand::SurviveCheckpoint {
            checkpoint: u32::from(n % 2) + 1,
        },
        _ => ProjectCommand::Terminate {
            reason: TerminationReason::Misconduct,
            detail: "x".into(),
            recover_amount: None,
        },
    }
}

fn race_command(kind: u8, n: u8) -> RaceCommand {
    let lanes = ["l1", "l2", "l3"];
    if kind.is_multiple_of(3) {
        return RaceCommand::Form {
            challenge_id: "c".into(),
            lanes: lanes[..usize::from(n % 2) + 2]
                .iter()
                .map(|l| l.to_string())
                .collect(),
            max_lanes: 3,
        };
    }
    let results = lanes
        .iter()
        .enumerate()
        .filter(|(i, _)| (n >> i) & 4 == 0 || *i == 0)
        .map(|(i, l)| {
            let r = if (n >> i) & 1 == 1 {
                LaneResult::Eliminate
            } else {
                LaneResult::Continue
            };
            (l.to_string(), r)
        })
        .collect();
    RaceCommand::HoldCheckpoint {
        checkpoint: u32::from(kind % 3),
        results,
    }
}

/// Runs `commands` on stream `id` through the store and on an in-memory aggregate; returns the
/// live state after each stored event.
async fn run<A>(
    store: &Store,
    clock: &FixedClock,
    services: A::Services,
    id: &str,
    commands: Vec<A::Command>,
) -> Vec<Value>
where
    A: Aggregate + Clone,
    A::Command: Clone,
    A::Services: Clone,
    A::Error: std::fmt::Debug,
{
    let cqrs = store.cqrs::<A>(services.clone());
    let mut live = A::default();
    let mut after_each = Vec::new();
    for cmd in commands {
        clock.set(clock.now() + TimeDelta::days(37));
        let mut scratch = live.clone();
        let sink = EventSink::default();
        let in_memory = scratch.handle(cmd.clone(), &services, &sink).await;
        let events = sink.collect().await;
        let metadata = HashMap::from([(
            "recorded_at".to_string(),
            clock.now().to_rfc3339_opts(SecondsFormat::Micros, true),
        )]);
        let stored = cqrs.execute_with_metadata(id, cmd, metadata).await;
        assert_eq!(
            in_memory.is_ok(),
            stored.is_ok(),
            "{in_memory:?} vs {:?}",
            stored.err()
        );
        if in_memory.is_ok() {
            for e in events {
                live.apply(e);
                after_each.push(serde_json::to_value(&live).unwrap());
            }
        }
    }
    after_each
}

fn rebuilt_equals_live<A>(backend: Backend, script: fn(u8, u8) -> A::Command, min_events: usize)
where
    A: Aggregate<Services = ProjectServices> + Clone,
    A::Command: Clone,
    A::Error: std::fmt::Debug,
{
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let fresh = rt.block_on(FreshDb::create(backend)).unwrap();
    let store = Store::new(
        rt.block_on(fresh.connect()).unwrap(),
        projections::all_projectors(),
    );
    let fold = fold_for(A::TYPE).expect("registered");
    let mut runner = TestRunner::new_with_rng(
        Config {
            cases: 24,
            failure_persistence: None,
            ..Config::default()
        },
        // Deterministic, so the depth check below is stable in CI.
        TestRng::deterministic_rng(RngAlgorithm::ChaCha),
    );
    let stored_total = std::cell::Cell::new(0usize);
    runner
        .run(&prop::collection::vec((0u8..24, 0u8..16), 1..30), |steps| {
            let id = uuid::Uuid::new_v4().to_string();
            let start: DateTime<Utc> = "2027-03-01T01:00:00Z".parse().unwrap();
            let clock = FixedClock::new(start);
            let services = ProjectServices::new(Arc::new(clock.clone()));
            let mut commands: Vec<A::Command> = vec![script(0, steps[0].1)];
            commands.extend(steps.iter().map(|(k, n)| script(*k, *n)));
            let after_each = rt.block_on(run::<A>(&store, &clock, services, &id, commands));
            let events = rt.block_on(store.events(A::TYPE, &id, 0, None)).unwrap();
            prop_assert_eq!(events.len(), after_each.len());
            stored_total.set(stored_total.get() + events.len());
            for (n, live) in after_each.iter().enumerate() {
                prop_assert_eq!(&fold(&events[..=n]).unwrap(), live, "version {}", n + 1);
            }
            Ok(())
        })
        .unwrap();
    let stored_total = stored_total.get();
    assert!(
        stored_total >= min_events,
        "only {stored_total} events stored: the generator reaches too few histories"
    );
}

#[test]
fn project_state_at_each_version_equals_the_live_state_on_sqlite() {
    rebuilt_equals_live::<Project>(Backend::Sqlite, project_command, 48);
}

#[test]
fn project_state_at_each_version_equals_the_live_state_on_postgres() {
    rebuilt_equals_live::<Project>(Backend::Postgres, project_command, 48);
}

#[test]
fn race_state_at_each_version_equals_the_live_state_on_sqlite() {
    rebuilt_equals_live::<Race>(Backend::Sqlite, race_command, 30);
}

#[test]
fn race_state_at_each_version_equals_the_live_state_on_postgres() {
    rebuilt_equals_live::<Race>(Backend::Postgres, race_command, 30);
}
