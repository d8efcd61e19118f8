use std::sync::Arc;

use chrono::{DateTime, NaiveDate, Utc};
use cqrs_es::test::TestFramework;
use kernel::policy::Catalogue;
use kernel::{FixedClock, Money, OrgCode};

use crate::*;

type Framework = TestFramework<Challenge>;

fn day(text: &str) -> NaiveDate {
    text.parse().unwrap()
}

fn at(text: &str) -> Framework {
    let now: DateTime<Utc> = DateTime::parse_from_rfc3339(text).unwrap().into();
    Framework::with(ChallengeServices::new(
        Arc::new(FixedClock::new(now)),
        Arc::new(Catalogue::kunshan()),
    ))
}

/// 2027-01-10 09:00 Shanghai: inside the sample window.
fn in_window() -> Framework {
    at("2027-01-10T09:00:00+08:00")
}

fn draft() -> DraftChallenge {
    DraftChallenge {
        programme: "consortium_key_rd".into(),
        title: "高分辨率光刻胶国产替代".into(),
        demand_owner: OrgCode::parse("91320583MA1KC00109").unwrap(),
        industry_chain: "新型显示".into(),
        targets: vec![Target {
            name: "分辨率".into(),
            metric: "nm".into(),
            target: "≤ 90".into(),
        }],
        budget_cap: Money::from_wan_yuan(300),
        mode: AwardMode::Single,
        opens_on: day("2027-01-04"),
        closes_on: day("2027-02-26"),
        completion_deadline: day("2029-12-31"),
        needs: Vec::new(),
    }
}

fn drafted() -> ChallengeEvent {
    let d = draft();
    ChallengeEvent::ChallengeDrafted {
        programme: d.programme,
        title: d.title,
        demand_owner: d.demand_owner,
        industry_chain: d.industry_chain,
        targets: d.targets,
        budget_cap: d.budget_cap,
        mode: d.mode,
        opens_on: d.opens_on,
        closes_on: d.closes_on,
        completion_deadline: d.completion_deadline,
    }
}

fn published() -> ChallengeEvent {
    ChallengeEvent::ChallengePublished {
        published_on: day("2027-01-05"),
    }
}

#[test]
fn drafting_records_the_terms() {
    in_window()
        .given_no_previous_events()
        .when(ChallengeCommand::Draft(draft()))
        .then_expect_events(vec![drafted()]);
}

#[test]
fn a_cap_at_exactly_300_wan_is_allowed_and_one_fen_more_is_refused() {
    let over = DraftChallenge {
        budget_cap: Money::from_fen(300_000_001),
        ..draft()
    };
    in_window()
        .given_no_previous_events()
        .when(ChallengeCommand::Draft(over))
        .then_expect_error(ChallengeError::BudgetCapExceeded {
            cap_fen: 300_000_000,
            asked_fen: 300_000_001,
        });
}

#[test]
fn drafting_under_an_unknown_programme_is_refused() {
    let cmd = DraftChallenge {
        programme: "nope".into(),
        ..draft()
    };
    in_window()
        .given_no_previous_events()
        .when(ChallengeCommand::Draft(cmd))
        .then_expect_error(ChallengeError::UnknownProgramme("nope".into()));
}

#[test]
fn a_call_without_targets_is_refused() {
    let cmd = DraftChallenge {
        targets: vec![],
        ..draft()
    };
    in_window()
        .given_no_previous_events()
        .when(ChallengeCommand::Draft(cmd))
        .then_expect_error(ChallengeError::NoTargets);
}

#[test]
fn a_horse_race_of_four_teams_is_refused() {
    let cmd = DraftChallenge {
        mode: AwardMode::HorseRace { max_teams: 4 },
        ..draft()
    };
    in_window()
        .given_no_previous_events()
        .when(ChallengeCommand::Draft(cmd))
        .then_expect_error(ChallengeError::RaceTeamsOutOfRange {
            min: 2,
            max: 3,
            asked: 4,
        });
}

#[test]
fn a_horse_race_of_one_team_is_refused() {
    let cmd = DraftChallenge {
        mode: AwardMode::HorseRace { max_teams: 1 },
        ..draft()
    };
    in_window()
        .given_no_previous_events()
        .when(ChallengeCommand::Draft(cmd))
        .then_expect_error(ChallengeError::RaceTeamsOutOfRange {
            min: 2,
            max: 3,
            asked: 1,
        });
}

#[test]
fn a_window_of_49_days_is_refused_and_50_is_allowed() {
    let short = DraftChallenge {
        closes_on: day("2027-02-22"),
        ..draft()
    };
    in_window()
        .given_no_previous_events()
        .when(ChallengeCommand::Draft(short))
        .then_expect_error(ChallengeError::WindowTooShort {
            min_days: 50,
            days: 49,
        });
    let exact = DraftChallenge {
        closes_on: day("2027-02-23"),
        ..draft()
    };
    let events = in_window()
        .given_no_previous_events()
        .when(ChallengeCommand::Draft(exact))
        .inspect_result();
    assert!(events.is_ok());
}

#[test]
fn an_inverted_window_is_refused() {
    let cmd = DraftChallenge {
        opens_on: day("2027-03-01"),
        closes_on: day("2027-02-26"),
        ..draft()
    };
    in_window()
        .given_no_previous_events()
        .when(ChallengeCommand::Draft(cmd))
        .then_expect_error(ChallengeError::WindowInverted);
}

#[test]
fn a_completion_deadline_inside_the_window_is_refused() {
    let cmd = DraftChallenge {
        completion_deadline: day("2027-02-26"),
        ..draft()
    };
    in_window()
        .given_no_previous_events()
        .when(ChallengeCommand::Draft(cmd))
        .then_expect_error(ChallengeError::CompletionBeforeWindowEnd);
}

#[test]
fn drafting_twice_is_an_invalid_transition() {
    in_window()
        .given(vec![drafted()])
        .when(ChallengeCommand::Draft(draft()))
        .then_expect_error(ChallengeError::InvalidTransition {
            status: "draft",
            action: "draft",
        });
}

#[test]
fn publishing_a_draft_records_the_date() {
    in_window()
        .given(vec![drafted()])
        .when(ChallengeCommand::Publish)
        .then_expect_events(vec![ChallengeEvent::ChallengePublished {
            published_on: day("2027-01-10"),
        }]);
}

#[test]
fn publishing_twice_is_refused() {
    in_window()
        .given(vec![drafted(), published()])
        .when(ChallengeCommand::Publish)
        .then_expect_error(ChallengeError::InvalidTransition {
            status: "published",
            action: "publish",
        });
}

#[test]
fn publishing_after_the_window_has_ended_is_refused() {
    at("2027-02-27T09:00:00+08:00")
        .given(vec![drafted()])
        .when(ChallengeCommand::Publish)
        .then_expect_error(ChallengeError::WindowEnded {
            closes_on: day("2027-02-26"),
        });
}

#[test]
fn closing_on_the_last_day_of_the_window_is_refused() {
    at("2027-02-26T23:00:00+08:00")
        .given(vec![drafted(), published()])
        .when(ChallengeCommand::Close)
        .then_expect_error(ChallengeError::WindowStillOpen {
            closes_on: day("2027-02-26"),
        });
}

#[test]
fn closing_after_the_window_records_the_date() {
    at("2027-03-01T09:00:00+08:00")
        .given(vec![drafted(), published()])
        .when(ChallengeCommand::Close)
        .then_expect_events(vec![ChallengeEvent::ApplicationsClosed {
            closed_on: day("2027-03-01"),
        }]);
}

#[test]
fn closing_a_draft_is_refused() {
    at("2027-03-01T09:00:00+08:00")
        .given(vec![drafted()])
        .when(ChallengeCommand::Close)
        .then_expect_error(ChallengeError::InvalidTransition {
            status: "draft",
            action: "close",
        });
}

#[test]
fn cancelling_needs_a_reason() {
    in_window()
        .given(vec![drafted()])
        .when(ChallengeCommand::Cancel {
            reason: "  ".into(),
        })
        .then_expect_error(ChallengeError::Required("reason"));
}

#[test]
fn cancelling_is_allowed_from_draft_published_and_closed() {
    let closed = ChallengeEvent::ApplicationsClosed {
        closed_on: day("2027-03-01"),
    };
    for given in [
        vec![drafted()],
        vec![drafted(), published()],
        vec![drafted(), published(), closed],
    ] {
        in_window()
            .given(given)
            .when(ChallengeCommand::Cancel {
                reason: "需求方撤回".into(),
            })
            .then_expect_events(vec![ChallengeEvent::ChallengeCancelled {
                reason: "需求方撤回".into(),
            }]);
    }
}

#[test]
fn a_cancelled_call_cannot_be_cancelled_again() {
    in_window()
        .given(vec![
            drafted(),
            ChallengeEvent::ChallengeCancelled { reason: "x".into() },
        ])
        .when(ChallengeCommand::Cancel { reason: "y".into() })
        .then_expect_error(ChallengeError::InvalidTransition {
            status: "cancelled",
            action: "cancel",
        });
}

#[test]
fn a_material_amendment_pushes_the_window_out_seven_days() {
    let cap = Money::from_wan_yuan(200);
    in_window()
        .given(vec![drafted(), published()])
        .when(ChallengeCommand::Amend(AmendChallenge {
            reason: "出题企业调整预算".into(),
            budget_cap: Some(cap),
            ..Default::default()
        }))
        .then_expect_events(vec![ChallengeEvent::ChallengeAmended(ChallengeAmendment {
            reason: "出题企业调整预算".into(),
            title: None,
            industry_chain: None,
            targets: None,
            budget_cap: Some(cap),
            closes_on: Some(day("2027-03-05")),
            completion_deadline: None,
        })]);
}

#[test]
fn a_material_amendment_with_too_little_extension_is_refused() {
    in_window()
        .given(vec![drafted(), published()])
        .when(ChallengeCommand::Amend(AmendChallenge {
            reason: "指标调整".into(),
            targets: Some(vec![Target {
                name: "分辨率".into(),
                metric: "nm".into(),
                target: "≤ 65".into(),
            }]),
            closes_on: Some(day("2027-03-04")),
            ..Default::default()
        }))
        .then_expect_error(ChallengeError::AmendmentWindowTooShort {
            min_closes_on: day("2027-03-05"),
        });
}

#[test]
fn a_published_window_cannot_be_shortened() {
    in_window()
        .given(vec![drafted(), published()])
        .when(ChallengeCommand::Amend(AmendChallenge {
            reason: "提前截止".into(),
            closes_on: Some(day("2027-02-25")),
            ..Default::default()
        }))
        .then_expect_error(ChallengeError::WindowShortened);
}

#[test]
fn an_amendment_needs_a_reason_and_a_change() {
    in_window()
        .given(vec![drafted(), published()])
        .when(ChallengeCommand::Amend(AmendChallenge {
            reason: String::new(),
            title: Some("新标题".into()),
            ..Default::default()
        }))
        .then_expect_error(ChallengeError::Required("reason"));
    in_window()
        .given(vec![drafted(), published()])
        .when(ChallengeCommand::Amend(AmendChallenge {
            reason: "无变化".into(),
            title: Some("高分辨率光刻胶国产替代".into()),
            ..Default::default()
        }))
        .then_expect_error(ChallengeError::NothingToAmend);
}

#[test]
fn an_over_cap_amendment_is_refused() {
    in_window()
        .given(vec![drafted()])
        .when(ChallengeCommand::Amend(AmendChallenge {
            reason: "加码".into(),
            budget_cap: Some(Money::from_wan_yuan(301)),
            ..Default::default()
        }))
        .then_expect_error(ChallengeError::BudgetCapExceeded {
            cap_fen: 300_000_000,
            asked_fen: 301_000_000,
        });
}

#[test]
fn amending_after_the_window_has_ended_is_refused() {
    at("2027-02-27T09:00:00+08:00")
        .given(vec![drafted(), published()])
        .when(ChallengeCommand::Amend(AmendChallenge {
            reason: "迟到".into(),
            title: Some("新".into()),
            ..Default::default()
        }))
        .then_expect_error(ChallengeError::WindowEnded {
            closes_on: day("2027-02-26"),
        });
}

#[test]
fn amending_a_closed_call_is_an_invalid_transition() {
    at("2027-03-01T09:00:00+08:00")
        .given(vec![
            drafted(),
            published(),
            ChallengeEvent::ApplicationsClosed {
                closed_on: day("2027-03-01"),
            },
        ])
        .when(ChallengeCommand::Amend(AmendChallenge {
            reason: "x".into(),
            title: Some("新".into()),
            ..Default::default()
        }))
        .then_expect_error(ChallengeError::InvalidTransition {
            status: "closed",
            action: "amend",
        });
}

// ---- award ----

fn race_drafted() -> ChallengeEvent {
    let mut e = drafted();
    if let ChallengeEvent::ChallengeDrafted { mode, .. } = &mut e {
        *mode = AwardMode::HorseRace { max_teams: 2 };
    }
    e
}

fn closed() -> ChallengeEvent {
    ChallengeEvent::ApplicationsClosed {
        closed_on: day("2027-02-27"),
    }
}

fn after_notice() -> Framework {
    at("2027-05-01T09:00:00+08:00")
}

fn bid(id: &str, lead: &str, status: &str, wan: i64) -> BidFacts {
    BidFacts {
        bid_id: id.into(),
        lead: OrgCode::parse(lead).unwrap(),
        members: vec![],
        status: status.into(),
        requested: Money::from_wan_yuan(wan),
    }
}

fn candidates() -> Vec<BidFacts> {
    vec![
        bid("b1", "91320583MA1KC00296", "cleared", 200),
        bid("b2", "91320583MA1KC00371", "cleared", 300),
        bid("b3", "123200004660000105", "cleared", 250),
        bid("b4", "123205834660000293", "withdrawn", 100),
        bid("b5", "52320583MJ00000345", "not_recommended", 100),
    ]
}

fn pick(id: &str, wan: i64) -> WinnerPick {
    WinnerPick {
        bid_id: id.into(),
        amount: Money::from_wan_yuan(wan),
    }
}

fn award(winners: Vec<WinnerPick>) -> ChallengeCommand {
    ChallengeCommand::Award(AwardChallenge {
        candidates: candidates(),
        winners,
        bars: vec![],
    })
}

#[test]
fn a_horse_race_of_two_is_awarded_with_lanes_and_the_rest_not_selected() {
    after_notice()
        .given(vec![race_drafted(), published(), closed()])
        .when(award(vec![pick("b2", 300), pick("b1", 150)]))
        .then_expect_events(vec![ChallengeEvent::ChallengeAwarded {
            awarded_on: day("2027-05-01"),
            winners: vec![
                Winner {
                    bid_id: "b2".into(),
                    lead: OrgCode::parse("91320583MA1KC00371").unwrap(),
                    members: vec![],
                    amount: Money::from_wan_yuan(300),
                    lane: Some(1),
                },
                Winner {
                    bid_id: "b1".into(),
                    lead: OrgCode::parse("91320583MA1KC00296").unwrap(),
                    members: vec![],
                    amount: Money::from_wan_yuan(150),
                    lane: Some(2),
                },
            ],
            not_selected: vec!["b3".into()],
        }]);
}

#[test]
fn a_horse_race_with_too_many_winners_is_refused() {
    after_notice()
        .given(vec![race_drafted(), published(), closed()])
        .when(award(vec![
            pick("b1", 100),
            pick("b2", 100),
            pick("b3", 100),
        ]))
        .then_expect_error(ChallengeError::WinnerCountOutOfRange {
            min: 2,
            max: 2,
            asked: 3,
        });
}

#[test]
fn a_single_call_awards_exactly_one() {
    after_notice()
        .given(vec![drafted(), published(), closed()])
        .when(award(vec![pick("b1", 100), pick("b2", 100)]))
        .then_expect_error(ChallengeError::WinnerCountOutOfRange {
            min: 1,
            max: 1,
            asked: 2,
        });
    let result = after_notice()
        .given(vec![drafted(), published(), closed()])
        .when(award(vec![pick("b1", 100)]))
        .inspect_result();
    assert!(result.is_ok());
}

#[test]
fn an_uncleared_bid_cannot_win() {
    after_notice()
        .given(vec![drafted(), published(), closed()])
        .when(award(vec![pick("b5", 100)]))
        .then_expect_error(ChallengeError::BidNotCleared {
            bid_id: "b5".into(),
            status: "not_recommended".into(),
        });
}

#[test]
fn a_bid_not_on_the_call_cannot_win() {
    after_notice()
        .given(vec![drafted(), published(), closed()])
        .when(award(vec![pick("zz", 100)]))
        .then_expect_error(ChallengeError::UnknownBid("zz".into()));
}

#[test]
fn an_award_above_the_request_is_refused() {
    after_notice()
        .given(vec![drafted(), published(), closed()])
        .when(award(vec![pick("b1", 201)]))
        .then_expect_error(ChallengeError::AwardOverRequest {
            bid_id: "b1".into(),
            requested_fen: 200_000_000,
            amount_fen: 201_000_000,
        });
}

#[test]
fn an_award_above_the_cap_is_refused() {
    let mut cands = candidates();
    cands[1].requested = Money::from_wan_yuan(400);
    after_notice()
        .given(vec![drafted(), published(), closed()])
        .when(ChallengeCommand::Award(AwardChallenge {
            candidates: cands,
            winners: vec![pick("b2", 301)],
            bars: vec![],
        }))
        .then_expect_error(ChallengeError::AwardOverCap {
            cap_fen: 300_000_000,
            amount_fen: 301_000_000,
        });
}

#[test]
fn a_barred_winner_is_refused() {
    after_notice()
        .given(vec![drafted(), published(), closed()])
        .when(ChallengeCommand::Award(AwardChallenge {
            candidates: candidates(),
            winners: vec![pick("b1", 100)],
            bars: vec![kernel::ActiveBar {
                org: OrgCode::parse("91320583MA1KC00296").unwrap(),
                until: day("2029-01-01"),
            }],
        }))
        .then_expect_error(ChallengeError::OrganisationBarred {
            org: OrgCode::parse("91320583MA1KC00296").unwrap(),
            until: day("2029-01-01"),
        });
}

#[test]
fn an_award_before_the_call_is_closed_is_refused() {
    after_notice()
        .given(vec![drafted(), published()])
        .when(award(vec![pick("b1", 100)]))
        .then_expect_error(ChallengeError::InvalidTransition {
            status: "published",
            action: "award",
        });
}

#[test]
fn a_call_with_no_cleared_bid_is_declared_unfilled() {
    let cands: Vec<BidFacts> = candidates().into_iter().skip(3).collect();
    let mut with_live = cands.clone();
    with_live.push(bid("b6", "91320583MA1KC00109", "reviewed", 100));
    after_notice()
        .given(vec![drafted(), published(), closed()])
        .when(ChallengeCommand::DeclareUnfilled {
            candidates: with_live,
            reason: "无合格揭榜方".into(),
        })
        .then_expect_events(vec![ChallengeEvent::ChallengeUnfilled {
            declared_on: day("2027-05-01"),
            reason: "无合格揭榜方".into(),
            not_selected: vec!["b6".into()],
        }]);
    after_notice()
        .given(vec![drafted(), published(), closed()])
        .when(ChallengeCommand::DeclareUnfilled {
            candidates: candidates(),
            reason: "x".into(),
        })
        .then_expect_error(ChallengeError::ClearedBidsExist(3));
}

#[test]
fn an_awarded_call_cannot_be_cancelled() {
    after_notice()
        .given(vec![
            drafted(),
            published(),
            closed(),
            ChallengeEvent::ChallengeAwarded {
                awarded_on: day("2027-05-01"),
                winners: vec![],
                not_selected: vec![],
            },
        ])
        .when(ChallengeCommand::Cancel { reason: "x".into() })
        .then_expect_error(ChallengeError::InvalidTransition {
            status: "awarded",
            action: "cancel",
        });
}

fn pool_need(id: &str, status: &str, poser: &str) -> NeedFacts {
    NeedFacts {
        need_id: id.into(),
        status: Some(status.into()),
        poser: Some(OrgCode::parse(poser).unwrap()),
        adopted_by: None,
    }
}

const POSER: &str = "91320583MA1KC00109";
const OTHER: &str = "91320583MA1KC00296";

#[test]
fn a_call_drafted_from_pool_needs_names_them() {
    let cmd = DraftChallenge {
        needs: vec![
            pool_need("need-1", "accepted", POSER),
            pool_need("need-2", "accepted", POSER),
        ],
        ..draft()
    };
    in_window()
        .given_no_previous_events()
        .when(ChallengeCommand::Draft(cmd))
        .then_expect_events(vec![
            drafted(),
            ChallengeEvent::NeedsAdopted {
                needs: vec!["need-1".into(), "need-2".into()],
            },
        ]);
}

#[test]
fn a_call_cannot_answer_a_need_outside_the_pool() {
    for status in ["registered", "rejected", "adopted"] {
        let cmd = DraftChallenge {
            needs: vec![pool_need("need-1", status, POSER)],
            ..draft()
        };
        in_window()
            .given_no_previous_events()
            .when(ChallengeCommand::Draft(cmd))
            .then_expect_error(ChallengeError::NeedNotInPool {
                need_id: "need-1".into(),
                status: status.into(),
            });
    }
}

#[test]
fn a_need_another_draft_already_adopted_is_refused() {
    let mut need = pool_need("need-1", "accepted", POSER);
    need.adopted_by = Some("call-0".into());
    let cmd = DraftChallenge {
        needs: vec![need],
        ..draft()
    };
    in_window()
        .given_no_previous_events()
        .when(ChallengeCommand::Draft(cmd))
        .then_expect_error(ChallengeError::NeedAlreadyAdopted {
            need_id: "need-1".into(),
            challenge_id: "call-0".into(),
        });
}

#[test]
fn the_demand_owner_must_be_the_poser_of_every_need() {
    let cmd = DraftChallenge {
        needs: vec![
            pool_need("need-1", "accepted", POSER),
            pool_need("need-2", "accepted", OTHER),
        ],
        ..draft()
    };
    in_window()
        .given_no_previous_events()
        .when(ChallengeCommand::Draft(cmd))
        .then_expect_error(ChallengeError::DemandOwnerNotPoser {
            need_id: "need-2".into(),
        });
}

#[test]
fn unknown_and_repeated_needs_are_refused() {
    let missing = NeedFacts {
        need_id: "need-9".into(),
        status: None,
        poser: None,
        adopted_by: None,
    };
    in_window()
        .given_no_previous_events()
        .when(ChallengeCommand::Draft(DraftChallenge {
            needs: vec![missing],
            ..draft()
        }))
        .then_expect_error(ChallengeError::UnknownNeed("need-9".into()));
    in_window()
        .given_no_previous_events()
        .when(ChallengeCommand::Draft(DraftChallenge {
            needs: vec![
                pool_need("need-1", "accepted", POSER),
                pool_need("need-1", "accepted", POSER),
            ],
            ..draft()
        }))
        .then_expect_error(ChallengeError::DuplicateNeed("need-1".into()));
}
