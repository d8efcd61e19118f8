//! Time travel is faithful for projects and races: for random sequences of valid and refused
//! commands, the state the audit registry rebuilds at version N equals the live aggregate right
//! after the command that wrote event N, on both stores.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod time_travel;

use std::sync::Arc;

use kernel::{Money, OrgCode};
use project::{
    AwardProject, ContractTerms, Gate, LaneResult, MilestonePlan, Project, ProjectCommand,
    ProjectServices, Race, RaceCommand, TerminationReason, TranchePlan,
};
use store::Backend;
use time_travel::{rebuilt_equals_live, Script, Step};

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

fn project_script() -> Script<Project> {
    Script {
        start: "2027-03-01T01:00:00Z",
        services: |clock| ProjectServices::new(Arc::new(clock)),
        step: |kind, n, _, _| Step::Run(project_command(kind, n)),
        kinds: 24,
        length: 1..30,
        pace_days: 37,
        min_events: 48,
        must_reach: &[
            "ProjectAwarded",
            "ContractSigned",
            "TrancheDisbursed",
            "MilestoneReported",
            "ProjectTerminated",
        ],
    }
}

fn race_script() -> Script<Race> {
    Script {
        start: "2027-03-01T01:00:00Z",
        services: |clock| ProjectServices::new(Arc::new(clock)),
        step: |kind, n, _, _| Step::Run(race_command(kind, n)),
        kinds: 24,
        length: 1..30,
        pace_days: 37,
        min_events: 30,
        must_reach: &["RaceFormed", "CheckpointHeld", "RaceConcluded"],
    }
}

#[test]
fn project_state_at_each_version_equals_the_live_state_on_sqlite() {
    rebuilt_equals_live(Backend::Sqlite, project_script());
}

#[test]
fn project_state_at_each_version_equals_the_live_state_on_postgres() {
    rebuilt_equals_live(Backend::Postgres, project_script());
}

#[test]
fn race_state_at_each_version_equals_the_live_state_on_sqlite() {
    rebuilt_equals_live(Backend::Sqlite, race_script());
}

#[test]
fn race_state_at_each_version_equals_the_live_state_on_postgres() {
    rebuilt_equals_live(Backend::Postgres, race_script());
}
