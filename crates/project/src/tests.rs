use std::sync::Arc;

use chrono::{DateTime, NaiveDate, Utc};
use cqrs_es::test::TestFramework;
use cqrs_es::Aggregate;
use kernel::{FixedClock, Money, OrgCode};

use crate::*;

type Framework = TestFramework<Project>;

fn day(text: &str) -> NaiveDate {
    text.parse().unwrap()
}

fn services_at(text: &str) -> ProjectServices {
    let now: DateTime<Utc> = DateTime::parse_from_rfc3339(&format!("{text}T10:00:00+08:00"))
        .unwrap()
        .into();
    ProjectServices::new(Arc::new(FixedClock::new(now)))
}

fn on(text: &str) -> Framework {
    Framework::with(services_at(text))
}

fn lead() -> OrgCode {
    OrgCode::parse("91320583MA1KC00296").unwrap()
}

fn wan(n: i64) -> Money {
    Money::from_wan_yuan(n)
}

fn award(race_lane: bool) -> AwardProject {
    AwardProject {
        challenge_id: "c-1".into(),
        bid_id: "b-1".into(),
        lead: lead(),
        members: vec![OrgCode::parse("123200004660000105").unwrap()],
        demand_owner: OrgCode::parse("91320583MA1KC00109").unwrap(),
        award: wan(300),
        completion_deadline: day("2029-12-31"),
        race_lane,
    }
}

fn milestone(id: &str, due: &str) -> MilestonePlan {
    MilestonePlan {
        id: id.into(),
        due: day(due),
        deliverables: format!("{id} 交付物"),
        targets: vec!["分辨率 ≤ 90 nm".into()],
    }
}

fn tranche(id: &str, amount: Money, gate: Gate) -> TranchePlan {
    TranchePlan {
        id: id.into(),
        amount,
        gate,
    }
}

fn terms() -> ContractTerms {
    ContractTerms {
        task_book_ref: "昆科任〔2027〕12号".into(),
        start: day("2027-04-01"),
        end: day("2029-03-31"),
        milestones: vec![milestone("m1", "2028-03-31"), milestone("m2", "2029-03-01")],
        tranches: vec![
            tranche("t1", wan(180), Gate::OnContract),
            tranche(
                "t2",
                wan(60),
                Gate::OnMilestone {
                    milestone: "m1".into(),
                },
            ),
            tranche("t3", wan(60), Gate::OnAcceptance),
        ],
    }
}

fn awarded() -> ProjectEvent {
    ProjectEvent::ProjectAwarded(award(false))
}

fn signed() -> Vec<ProjectEvent> {
    vec![awarded(), ProjectEvent::ContractSigned(terms())]
}

fn paid(tranche: &str, amount: Money, total: Money) -> ProjectEvent {
    ProjectEvent::TrancheDisbursed {
        tranche: tranche.into(),
        amount,
        paid_on: day("2027-04-10"),
        payment_ref: format!("PAY-{tranche}"),
        disbursed_total: total,
    }
}

fn passed(m: &str) -> Vec<ProjectEvent> {
    vec![
        ProjectEvent::MilestoneReported {
            milestone: m.into(),
            evidence_ref: "E".into(),
            reported_on: day("2028-03-20"),
        },
        ProjectEvent::MilestonePassed {
            milestone: m.into(),
            opinions: vec![],
        },
    ]
}

fn with(mut base: Vec<ProjectEvent>, more: Vec<ProjectEvent>) -> Vec<ProjectEvent> {
    base.extend(more);
    base
}

fn disburse(t: &str) -> ProjectCommand {
    ProjectCommand::DisburseTranche {
        tranche: t.into(),
        paid_on: day("2027-04-10"),
        payment_ref: format!("PAY-{t}"),
    }
}

#[test]
fn an_award_creates_the_project_once() {
    on("2027-03-20")
        .given_no_previous_events()
        .when(ProjectCommand::CreateFromAward(award(false)))
        .then_expect_events(vec![awarded()]);
    on("2027-03-20")
        .given(vec![awarded()])
        .when(ProjectCommand::CreateFromAward(award(false)))
        .then_expect_error(ProjectError::AlreadyCreated);
}

#[test]
fn signing_records_the_contract() {
    on("2027-03-25")
        .given(vec![awarded()])
        .when(ProjectCommand::SignContract(terms()))
        .then_expect_events(vec![ProjectEvent::ContractSigned(terms())]);
}

#[test]
fn tranches_one_fen_over_the_award_are_refused() {
    let mut t = terms();
    t.tranches[2].amount = Money::from_fen(wan(60).fen() + 1);
    on("2027-03-25")
        .given(vec![awarded()])
        .when(ProjectCommand::SignContract(t))
        .then_expect_error(ProjectError::TranchesDoNotSumToAward {
            sum_fen: 300_000_001,
            award_fen: 300_000_000,
        });
}

#[test]
fn a_contract_past_the_calls_completion_deadline_is_refused() {
    let mut t = terms();
    t.end = day("2030-01-01");
    on("2027-03-25")
        .given(vec![awarded()])
        .when(ProjectCommand::SignContract(t))
        .then_expect_error(ProjectError::ContractEndsAfterDeadline {
            deadline: day("2029-12-31"),
        });
}

#[test]
fn a_contract_needs_milestones_and_gates_that_exist() {
    let mut none = terms();
    none.milestones.clear();
    none.tranches
        .retain(|t| !matches!(t.gate, Gate::OnMilestone { .. }));
    on("2027-03-25")
        .given(vec![awarded()])
        .when(ProjectCommand::SignContract(none))
        .then_expect_error(ProjectError::NoMilestones);
    let mut ghost = terms();
    ghost.tranches[1].gate = Gate::OnMilestone {
        milestone: "m9".into(),
    };
    on("2027-03-25")
        .given(vec![awarded()])
        .when(ProjectCommand::SignContract(ghost))
        .then_expect_error(ProjectError::UnknownGateMilestone("m9".into()));
    let mut checkpoint = terms();
    checkpoint.tranches[1].gate = Gate::OnCheckpoint { checkpoint: 1 };
    on("2027-03-25")
        .given(vec![awarded()])
        .when(ProjectCommand::SignContract(checkpoint))
        .then_expect_error(ProjectError::CheckpointGateOutsideRace);
}

#[test]
fn the_contract_tranche_is_paid_once() {
    on("2027-04-10")
        .given(signed())
        .when(disburse("t1"))
        .then_expect_events(vec![paid("t1", wan(180), wan(180))]);
    on("2027-04-10")
        .given(with(signed(), vec![paid("t1", wan(180), wan(180))]))
        .when(disburse("t1"))
        .then_expect_error(ProjectError::TrancheAlreadyPaid("t1".into()));
}

#[test]
fn disbursing_before_the_gate_is_refused() {
    on("2027-04-10")
        .given(signed())
        .when(disburse("t2"))
        .then_expect_error(ProjectError::GateNotMet("t2".into()));
    on("2028-04-10")
        .given(with(signed(), passed("m1")))
        .when(disburse("t2"))
        .then_expect_events(vec![paid("t2", wan(60), wan(60))]);
    on("2028-04-10")
        .given(with(signed(), passed("m1")))
        .when(disburse("t3"))
        .then_expect_error(ProjectError::GateNotMet("t3".into()));
}

#[test]
fn a_payment_one_fen_over_the_award_is_refused() {
    // A contract whose tranches were (wrongly) stored one fen over the award cannot pay past it.
    let mut t = terms();
    t.tranches[0].amount = Money::from_fen(wan(180).fen() + 1);
    on("2027-04-10")
        .given(vec![
            awarded(),
            ProjectEvent::ContractSigned(t),
            paid("t2", wan(60), wan(60)),
            paid("t3", wan(60), wan(120)),
        ])
        .when(disburse("t1"))
        .then_expect_error(ProjectError::DisbursementExceedsAward {
            award_fen: 300_000_000,
            asked_fen: 180_000_001,
        });
}

#[test]
fn nothing_is_paid_after_termination() {
    on("2027-06-10")
        .given(with(
            signed(),
            vec![ProjectEvent::ProjectTerminated {
                reason: TerminationReason::Misconduct,
                detail: "数据造假".into(),
            }],
        ))
        .when(disburse("t1"))
        .then_expect_error(ProjectError::InvalidTransition {
            status: "terminated",
            action: "disburse on",
        });
}

#[test]
fn only_the_lead_reports_milestones() {
    on("2028-03-20")
        .given(signed())
        .when(ProjectCommand::ReportMilestone {
            milestone: "m1".into(),
            evidence_ref: "E".into(),
            reporter: OrgCode::parse("91320583MA1KC00371").unwrap(),
        })
        .then_expect_error(ProjectError::NotTheLead);
}

fn failed_m1() -> Vec<ProjectEvent> {
    with(
        signed(),
        vec![
            ProjectEvent::MilestoneReported {
                milestone: "m1".into(),
                evidence_ref: "E".into(),
                reported_on: day("2028-03-20"),
            },
            ProjectEvent::MilestoneFailed {
                milestone: "m1".into(),
                opinions: vec!["指标未达".into()],
            },
        ],
    )
}

fn rectifying_m1() -> Vec<ProjectEvent> {
    with(
        failed_m1(),
        vec![ProjectEvent::MilestoneRectificationOrdered {
            milestone: "m1".into(),
            deadline: day("2028-06-30"),
        }],
    )
}

#[test]
fn a_failed_milestone_gets_one_rectification() {
    on("2028-04-01")
        .given(failed_m1())
        .when(ProjectCommand::OrderMilestoneRectification {
            milestone: "m1".into(),
            deadline: day("2028-06-30"),
        })
        .then_expect_events(vec![ProjectEvent::MilestoneRectificationOrdered {
            milestone: "m1".into(),
            deadline: day("2028-06-30"),
        }]);
    on("2028-08-01")
        .given(with(
            rectifying_m1(),
            vec![ProjectEvent::MilestoneRectificationFailed {
                milestone: "m1".into(),
                deadline_missed: true,
                opinions: vec![],
            }],
        ))
        .when(ProjectCommand::OrderMilestoneRectification {
            milestone: "m1".into(),
            deadline: day("2028-12-31"),
        })
        .then_expect_error(ProjectError::RectificationAlreadyUsed);
}

#[test]
fn a_missed_rectification_deadline_counts_as_failed() {
    on("2028-06-30")
        .given(rectifying_m1())
        .when(ProjectCommand::AssessMilestone {
            milestone: "m1".into(),
            passed: true,
            opinions: vec![],
        })
        .then_expect_error(ProjectError::RectificationStillOpen(day("2028-06-30")));
    on("2028-07-01")
        .given(rectifying_m1())
        .when(ProjectCommand::AssessMilestone {
            milestone: "m1".into(),
            passed: true,
            opinions: vec![],
        })
        .then_expect_events(vec![ProjectEvent::MilestoneRectificationFailed {
            milestone: "m1".into(),
            deadline_missed: true,
            opinions: vec![],
        }]);
    on("2028-07-01")
        .given(rectifying_m1())
        .when(ProjectCommand::ReportMilestone {
            milestone: "m1".into(),
            evidence_ref: "E2".into(),
            reporter: lead(),
        })
        .then_expect_error(ProjectError::RectificationDeadlinePassed(day("2028-06-30")));
}

#[test]
fn acceptance_before_the_last_milestone_is_refused() {
    on("2029-03-31")
        .given(with(signed(), passed("m1")))
        .when(ProjectCommand::RequestAcceptance { requester: lead() })
        .then_expect_error(ProjectError::MilestonesOutstanding("m2".into()));
}

fn all_passed() -> Vec<ProjectEvent> {
    with(with(signed(), passed("m1")), passed("m2"))
}

#[test]
fn acceptance_is_asked_within_six_months_of_the_end() {
    on("2029-09-30")
        .given(all_passed())
        .when(ProjectCommand::RequestAcceptance { requester: lead() })
        .then_expect_events(vec![ProjectEvent::AcceptanceRequested {
            requested_on: day("2029-09-30"),
        }]);
    on("2029-10-01")
        .given(all_passed())
        .when(ProjectCommand::RequestAcceptance { requester: lead() })
        .then_expect_error(ProjectError::AcceptanceRequestTooLate {
            latest: day("2029-09-30"),
        });
}

fn extended() -> ProjectEvent {
    ProjectEvent::ExtensionGranted {
        previous_end: day("2029-03-31"),
        new_end: day("2029-09-30"),
        reason: "设备到货延迟".into(),
    }
}

#[test]
fn one_extension_of_at_most_twelve_months_asked_three_months_ahead() {
    let grant = |new_end: &str| ProjectCommand::GrantExtension {
        new_end: day(new_end),
        reason: "设备到货延迟".into(),
    };
    on("2028-12-31")
        .given(signed())
        .when(grant("2029-09-30"))
        .then_expect_events(vec![extended()]);
    on("2029-01-01")
        .given(signed())
        .when(grant("2029-09-30"))
        .then_expect_error(ProjectError::ExtensionTooLate {
            latest_request: day("2028-12-31"),
        });
    on("2028-06-01")
        .given(signed())
        .when(grant("2030-04-01"))
        .then_expect_error(ProjectError::ExtensionTooLong {
            latest: day("2030-03-31"),
        });
    on("2029-03-01")
        .given(with(signed(), vec![extended()]))
        .when(grant("2029-12-31"))
        .then_expect_error(ProjectError::ExtensionAlreadyGranted);
}

#[test]
fn the_extended_end_moves_the_acceptance_deadline() {
    on("2030-03-30")
        .given(with(all_passed(), vec![extended()]))
        .when(ProjectCommand::RequestAcceptance { requester: lead() })
        .then_expect_events(vec![ProjectEvent::AcceptanceRequested {
            requested_on: day("2030-03-30"),
        }]);
}

fn acceptance_failed() -> Vec<ProjectEvent> {
    with(
        with(
            all_passed(),
            vec![
                paid("t1", wan(180), wan(180)),
                paid("t2", wan(60), wan(240)),
            ],
        ),
        vec![
            ProjectEvent::AcceptanceRequested {
                requested_on: day("2029-04-15"),
            },
            ProjectEvent::AcceptanceFailed {
                panel: "专家组".into(),
                report_ref: "YS-1".into(),
                demand_owner_confirmation: Some("指标未达".into()),
            },
        ],
    )
}

#[test]
fn a_failed_acceptance_gets_one_rectification_then_failure_refers_all_disbursed() {
    let rectifying = with(
        acceptance_failed(),
        vec![ProjectEvent::AcceptanceRectificationOrdered {
            deadline: day("2029-10-31"),
        }],
    );
    on("2029-05-01")
        .given(rectifying.clone())
        .when(ProjectCommand::OrderAcceptanceRectification {
            deadline: day("2029-12-31"),
        })
        .then_expect_error(ProjectError::RectificationAlreadyUsed);
    on("2029-11-05")
        .given(rectifying.clone())
        .when(ProjectCommand::RecordReAcceptance {
            passed: false,
            report_ref: "YS-2".into(),
            recover_amount: None,
        })
        .then_expect_events(vec![
            ProjectEvent::ProjectFailed {
                report_ref: "YS-2".into(),
            },
            ProjectEvent::RecoveryReferred {
                amount: wan(240),
                basis: RecoveryBasis::ProjectFailed,
                disbursed_total: wan(240),
            },
        ]);
    on("2029-11-05")
        .given(rectifying)
        .when(ProjectCommand::RecordReAcceptance {
            passed: false,
            report_ref: "YS-2".into(),
            recover_amount: Some(Money::from_fen(wan(240).fen() + 1)),
        })
        .then_expect_error(ProjectError::RecoveryOutOfRange {
            disbursed_fen: 240_000_000,
        });
}

#[test]
fn termination_for_infeasibility_needs_the_unspent_amount() {
    let given = with(signed(), vec![paid("t1", wan(180), wan(180))]);
    on("2028-01-10")
        .given(given.clone())
        .when(ProjectCommand::Terminate {
            reason: TerminationReason::Infeasible,
            detail: "技术路线不可行".into(),
            recover_amount: None,
        })
        .then_expect_error(ProjectError::RecoveryAmountRequired);
    on("2028-01-10")
        .given(given.clone())
        .when(ProjectCommand::Terminate {
            reason: TerminationReason::Infeasible,
            detail: "技术路线不可行".into(),
            recover_amount: Some(wan(30)),
        })
        .then_expect_events(vec![
            ProjectEvent::ProjectTerminated {
                reason: TerminationReason::Infeasible,
                detail: "技术路线不可行".into(),
            },
            ProjectEvent::RecoveryReferred {
                amount: wan(30),
                basis: RecoveryBasis::Infeasible,
                disbursed_total: wan(180),
            },
        ]);
    on("2028-01-10")
        .given(given)
        .when(ProjectCommand::Terminate {
            reason: TerminationReason::Misconduct,
            detail: "数据造假".into(),
            recover_amount: None,
        })
        .then_expect_events(vec![
            ProjectEvent::ProjectTerminated {
                reason: TerminationReason::Misconduct,
                detail: "数据造假".into(),
            },
            ProjectEvent::RecoveryReferred {
                amount: wan(180),
                basis: RecoveryBasis::Misconduct,
                disbursed_total: wan(180),
            },
        ]);
}

#[test]
fn closing_cancels_unpaid_tranches_and_needs_a_terminal_outcome() {
    let accepted = with(
        with(all_passed(), vec![paid("t1", wan(180), wan(180))]),
        vec![
            ProjectEvent::AcceptanceRequested {
                requested_on: day("2029-04-15"),
            },
            ProjectEvent::AcceptancePassed {
                panel: "专家组".into(),
                report_ref: "YS-1".into(),
                demand_owner_confirmation: Some("达标".into()),
            },
        ],
    );
    on("2029-05-01")
        .given(accepted)
        .when(ProjectCommand::Close)
        .then_expect_events(vec![ProjectEvent::ProjectClosed {
            cancelled_tranches: vec!["t2".into(), "t3".into()],
            undisbursed_cancelled: wan(120),
        }]);
    on("2029-05-01")
        .given(signed())
        .when(ProjectCommand::Close)
        .then_expect_error(ProjectError::InvalidTransition {
            status: "in_progress",
            action: "close",
        });
}

fn lane_signed() -> Vec<ProjectEvent> {
    let mut t = terms();
    t.tranches[1].gate = Gate::OnCheckpoint { checkpoint: 1 };
    vec![
        ProjectEvent::ProjectAwarded(award(true)),
        ProjectEvent::ContractSigned(t),
    ]
}

#[test]
fn a_checkpoint_gate_opens_when_the_lane_survives() {
    on("2027-10-01")
        .given(lane_signed())
        .when(disburse("t2"))
        .then_expect_error(ProjectError::GateNotMet("t2".into()));
    on("2027-10-01")
        .given(with(
            lane_signed(),
            vec![ProjectEvent::CheckpointSurvived { checkpoint: 1 }],
        ))
        .when(disburse("t2"))
        .then_expect_events(vec![paid("t2", wan(60), wan(60))]);
}

#[test]
fn an_eliminated_lane_gets_no_further_tranches_and_refers_nothing() {
    on("2027-10-01")
        .given(lane_signed())
        .when(ProjectCommand::EliminateFromRace { checkpoint: 1 })
        .then_expect_events(vec![ProjectEvent::ProjectEliminated { checkpoint: 1 }]);
    on("2027-10-01")
        .given(with(
            lane_signed(),
            vec![ProjectEvent::ProjectEliminated { checkpoint: 1 }],
        ))
        .when(disburse("t1"))
        .then_expect_error(ProjectError::InvalidTransition {
            status: "eliminated",
            action: "disburse on",
        });
}

#[test]
fn the_last_surviving_lane_goes_on_as_an_ordinary_project() {
    let won = with(
        lane_signed(),
        vec![
            ProjectEvent::CheckpointSurvived { checkpoint: 1 },
            ProjectEvent::RaceWon,
        ],
    );
    on("2027-10-01")
        .given(won.clone())
        .when(ProjectCommand::SurviveCheckpoint { checkpoint: 2 })
        .then_expect_error(ProjectError::NotARaceLane);
    let mut project = Project::default();
    for e in won {
        project.apply(e);
    }
    assert_eq!(project.status, ProjectStatus::InProgress);
    assert!(project.race_won);
}

#[test]
fn a_checkpoint_on_a_project_outside_a_race_is_refused() {
    on("2027-10-01")
        .given(signed())
        .when(ProjectCommand::EliminateFromRace { checkpoint: 1 })
        .then_expect_error(ProjectError::NotARaceLane);
}

#[test]
fn a_lane_that_ended_outside_a_checkpoint_ignores_later_race_steps() {
    let terminated = with(
        lane_signed(),
        vec![ProjectEvent::ProjectTerminated {
            reason: TerminationReason::Infeasible,
            detail: "路线不可行".into(),
        }],
    );
    // The race names the lane once more before it learns of the termination: nothing to do.
    for step in [
        ProjectCommand::SurviveCheckpoint { checkpoint: 1 },
        ProjectCommand::EliminateFromRace { checkpoint: 1 },
        ProjectCommand::ConcludeRace,
    ] {
        on("2027-10-01")
            .given(terminated.clone())
            .when(step)
            .then_expect_events(vec![]);
    }
    let failed = with(
        lane_signed(),
        vec![ProjectEvent::ProjectFailed {
            report_ref: "r".into(),
        }],
    );
    on("2027-10-01")
        .given(failed)
        .when(ProjectCommand::ConcludeRace)
        .then_expect_events(vec![]);
}

#[test]
fn a_lane_races_until_it_is_eliminated_ends_or_wins() {
    let fold = |events: Vec<ProjectEvent>| {
        let mut p = Project::default();
        for e in events {
            p.apply(e);
        }
        p
    };
    assert!(fold(lane_signed()).is_racing());
    assert!(!fold(signed()).is_racing(), "not a lane");
    let accepted = with(
        lane_signed(),
        vec![
            ProjectEvent::AcceptanceRequested {
                requested_on: day("2029-01-15"),
            },
            ProjectEvent::AcceptancePassed {
                panel: "p".into(),
                report_ref: "r".into(),
                demand_owner_confirmation: None,
            },
        ],
    );
    // An accepted lane is still in its race: a checkpoint may name it, and it may win.
    assert!(fold(accepted.clone()).is_racing());
    on("2029-02-01")
        .given(accepted.clone())
        .when(ProjectCommand::SurviveCheckpoint { checkpoint: 1 })
        .then_expect_events(vec![ProjectEvent::CheckpointSurvived { checkpoint: 1 }]);
    on("2029-02-01")
        .given(accepted.clone())
        .when(ProjectCommand::ConcludeRace)
        .then_expect_events(vec![ProjectEvent::RaceWon]);
    for end in [
        ProjectEvent::ProjectEliminated { checkpoint: 1 },
        ProjectEvent::RaceWon,
        ProjectEvent::ProjectTerminated {
            reason: TerminationReason::Misconduct,
            detail: "x".into(),
        },
        ProjectEvent::ProjectFailed {
            report_ref: "r".into(),
        },
    ] {
        assert!(
            !fold(with(lane_signed(), vec![end.clone()])).is_racing(),
            "{end:?}"
        );
    }
    let closed = with(
        accepted,
        vec![ProjectEvent::ProjectClosed {
            cancelled_tranches: vec![],
            undisbursed_cancelled: Money::ZERO,
        }],
    );
    assert!(!fold(closed).is_racing());
}

mod race {
    use super::*;

    type RaceFramework = TestFramework<Race>;

    fn race() -> RaceFramework {
        RaceFramework::with(services_at("2027-10-01"))
    }

    fn formed() -> RaceEvent {
        RaceEvent::RaceFormed {
            challenge_id: "c-1".into(),
            lanes: vec!["p1".into(), "p2".into(), "p3".into()],
        }
    }

    fn results(r: &[(&str, LaneResult)]) -> Vec<(String, LaneResult)> {
        r.iter().map(|(l, r)| (l.to_string(), *r)).collect()
    }

    #[test]
    fn a_race_has_two_to_max_lanes() {
        race()
            .given_no_previous_events()
            .when(RaceCommand::Form {
                challenge_id: "c-1".into(),
                lanes: vec!["p1".into(), "p2".into(), "p3".into(), "p4".into()],
                max_lanes: 3,
            })
            .then_expect_error(RaceError::LaneCountOutOfRange {
                min: 2,
                max: 3,
                asked: 4,
            });
    }

    #[test]
    fn a_checkpoint_that_eliminates_everyone_is_refused() {
        race()
            .given(vec![formed()])
            .when(RaceCommand::HoldCheckpoint {
                checkpoint: 1,
                results: results(&[
                    ("p1", LaneResult::Eliminate),
                    ("p2", LaneResult::Eliminate),
                    ("p3", LaneResult::Eliminate),
                ]),
            })
            .then_expect_error(RaceError::NoSurvivor);
    }

    #[test]
    fn every_live_lane_gets_exactly_one_result() {
        race()
            .given(vec![formed()])
            .when(RaceCommand::HoldCheckpoint {
                checkpoint: 1,
                results: results(&[("p1", LaneResult::Continue), ("p2", LaneResult::Continue)]),
            })
            .then_expect_error(RaceError::MissingResult("p3".into()));
    }

    #[test]
    fn an_eliminated_lane_never_returns_and_one_survivor_concludes() {
        let first = RaceEvent::CheckpointHeld {
            checkpoint: 1,
            continued: vec!["p1".into(), "p3".into()],
            eliminated: vec!["p2".into()],
        };
        race()
            .given(vec![formed()])
            .when(RaceCommand::HoldCheckpoint {
                checkpoint: 1,
                results: results(&[
                    ("p1", LaneResult::Continue),
                    ("p2", LaneResult::Eliminate),
                    ("p3", LaneResult::Continue),
                ]),
            })
            .then_expect_events(vec![first.clone()]);
        race()
            .given(vec![formed(), first.clone()])
            .when(RaceCommand::HoldCheckpoint {
                checkpoint: 2,
                results: results(&[("p2", LaneResult::Continue), ("p1", LaneResult::Continue)]),
            })
            .then_expect_error(RaceError::UnknownLane("p2".into()));
        race()
            .given(vec![formed(), first])
            .when(RaceCommand::HoldCheckpoint {
                checkpoint: 2,
                results: results(&[("p1", LaneResult::Continue), ("p3", LaneResult::Eliminate)]),
            })
            .then_expect_events(vec![
                RaceEvent::CheckpointHeld {
                    checkpoint: 2,
                    continued: vec!["p1".into()],
                    eliminated: vec!["p3".into()],
                },
                RaceEvent::RaceConcluded {
                    survivor: "p1".into(),
                },
            ]);
    }
}

mod withdrawal {
    use super::*;

    type RaceFramework = TestFramework<Race>;

    fn race() -> RaceFramework {
        RaceFramework::with(services_at("2027-10-01"))
    }

    fn formed() -> RaceEvent {
        RaceEvent::RaceFormed {
            challenge_id: "c-1".into(),
            lanes: vec!["p1".into(), "p2".into(), "p3".into()],
        }
    }

    fn withdraw(lane: &str, reason: LaneExit) -> RaceCommand {
        RaceCommand::WithdrawLane {
            lane: lane.into(),
            reason,
        }
    }

    fn withdrawn(lane: &str, reason: LaneExit) -> RaceEvent {
        RaceEvent::LaneWithdrawn {
            lane: lane.into(),
            reason,
        }
    }

    #[test]
    fn a_lane_ended_outside_a_checkpoint_leaves_and_is_not_named_again() {
        race()
            .given(vec![formed()])
            .when(withdraw("p2", LaneExit::Terminated))
            .then_expect_events(vec![withdrawn("p2", LaneExit::Terminated)]);
        let given = vec![formed(), withdrawn("p2", LaneExit::Terminated)];
        race()
            .given(given.clone())
            .when(RaceCommand::HoldCheckpoint {
                checkpoint: 1,
                results: vec![
                    ("p1".into(), LaneResult::Continue),
                    ("p3".into(), LaneResult::Continue),
                ],
            })
            .then_expect_events(vec![RaceEvent::CheckpointHeld {
                checkpoint: 1,
                continued: vec!["p1".into(), "p3".into()],
                eliminated: vec![],
            }]);
        race()
            .given(given)
            .when(RaceCommand::HoldCheckpoint {
                checkpoint: 1,
                results: vec![
                    ("p1".into(), LaneResult::Continue),
                    ("p2".into(), LaneResult::Continue),
                    ("p3".into(), LaneResult::Continue),
                ],
            })
            .then_expect_error(RaceError::UnknownLane("p2".into()));
    }

    #[test]
    fn when_one_lane_is_left_the_race_concludes_with_it() {
        race()
            .given(vec![
                formed(),
                RaceEvent::CheckpointHeld {
                    checkpoint: 1,
                    continued: vec!["p1".into(), "p3".into()],
                    eliminated: vec!["p2".into()],
                },
            ])
            .when(withdraw("p3", LaneExit::Failed))
            .then_expect_events(vec![
                withdrawn("p3", LaneExit::Failed),
                RaceEvent::RaceConcluded {
                    survivor: "p1".into(),
                },
            ]);
    }

    #[test]
    fn a_lane_already_out_or_a_race_already_over_needs_nothing() {
        let concluded = vec![
            formed(),
            withdrawn("p2", LaneExit::Terminated),
            withdrawn("p3", LaneExit::Closed),
            RaceEvent::RaceConcluded {
                survivor: "p1".into(),
            },
        ];
        for (given, lane) in [
            (vec![formed(), withdrawn("p2", LaneExit::Terminated)], "p2"),
            (
                vec![
                    formed(),
                    RaceEvent::CheckpointHeld {
                        checkpoint: 1,
                        continued: vec!["p1".into(), "p3".into()],
                        eliminated: vec!["p2".into()],
                    },
                ],
                "p2",
            ),
            (concluded.clone(), "p1"),
            (concluded, "p3"),
        ] {
            race()
                .given(given)
                .when(withdraw(lane, LaneExit::Closed))
                .then_expect_events(vec![]);
        }
        race()
            .given(vec![formed()])
            .when(withdraw("p9", LaneExit::Terminated))
            .then_expect_error(RaceError::UnknownLane("p9".into()));
        race()
            .given_no_previous_events()
            .when(withdraw("p1", LaneExit::Terminated))
            .then_expect_error(RaceError::NotRunning);
    }

    #[test]
    fn a_withdrawn_lane_is_not_racing() {
        let mut r = Race::default();
        for e in [formed(), withdrawn("p2", LaneExit::Terminated)] {
            r.apply(e);
        }
        assert!(r.is_racing("p1") && r.is_racing("p3"));
        assert!(!r.is_racing("p2"));
    }
}

mod properties {
    use super::*;
    use proptest::prelude::*;

    fn command(kind: u8, n: u8) -> ProjectCommand {
        let t = format!("t{}", n % 4 + 1);
        let m = format!("m{}", n % 3 + 1);
        match kind % 9 {
            0 => disburse(&t),
            1 => ProjectCommand::ReportMilestone {
                milestone: m,
                evidence_ref: "E".into(),
                reporter: lead(),
            },
            2 => ProjectCommand::AssessMilestone {
                milestone: m,
                passed: n.is_multiple_of(2),
                opinions: vec![],
            },
            3 => ProjectCommand::OrderMilestoneRectification {
                milestone: m,
                deadline: day("2030-01-01"),
            },
            4 => ProjectCommand::RequestAcceptance { requester: lead() },
            5 => ProjectCommand::RecordAcceptance {
                passed: !n.is_multiple_of(3),
                panel: "p".into(),
                report_ref: "r".into(),
                demand_owner_confirmation: None,
            },
            6 => ProjectCommand::OrderAcceptanceRectification {
                deadline: day("2030-01-01"),
            },
            7 => ProjectCommand::RecordReAcceptance {
                passed: n.is_multiple_of(2),
                report_ref: "r".into(),
                recover_amount: None,
            },
            _ => ProjectCommand::Terminate {
                reason: TerminationReason::Misconduct,
                detail: "x".into(),
                recover_amount: Some(Money::from_fen(i64::from(n) * 1_000_000)),
            },
        }
    }

    proptest! {
        #[test]
        fn random_commands_never_pay_more_than_the_award(script in prop::collection::vec((0u8..9, 0u8..12), 1..40)) {
            let rt = tokio::runtime::Builder::new_current_thread().build().unwrap();
            let services = services_at("2029-05-01");
            let mut project = Project::default();
            for e in signed() {
                project.apply(e);
            }
            let award = project.award.as_ref().unwrap().award;
            for (kind, n) in script {
                let sink = cqrs_es::event_sink::EventSink::default();
                let mut scratch = project.clone();
                let result = rt.block_on(scratch.handle(command(kind, n), &services, &sink));
                let events = rt.block_on(sink.collect());
                if result.is_ok() {
                    for e in events {
                        project.apply(e);
                    }
                }
                prop_assert!(project.disbursed <= award);
                let paid: i64 = project.tranches.iter().filter(|t| t.paid_on.is_some()).map(|t| t.plan.amount.fen()).sum();
                prop_assert_eq!(paid, project.disbursed.fen());
            }
        }
    }
}
