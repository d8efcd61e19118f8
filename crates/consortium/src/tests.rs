use std::sync::Arc;

use chrono::{DateTime, NaiveDate, Utc};
use cqrs_es::test::TestFramework;
use kernel::{ActiveBar, DomainError, ErrorKind, FixedClock, Money, OrgCode};

use crate::*;

type Framework = TestFramework<Consortium>;

const LEAD: &str = "91320583MA1KC00109";
const ENT_A: &str = "91320583MA1KC00296";
const ENT_B: &str = "91320583MA1KC00371";
const ENT_C: &str = "91320500MA1GC0041G";
const UNIV: &str = "123200004660000105";
const INST: &str = "123205834660000293";
const NRDI: &str = "52320583MJ00000345";

fn org(code: &str) -> OrgCode {
    OrgCode::parse(code).unwrap()
}

fn day(text: &str) -> NaiveDate {
    text.parse().unwrap()
}

fn wan(n: i64) -> Money {
    Money::from_wan_yuan(n)
}

fn at(text: &str) -> Framework {
    let now: DateTime<Utc> = DateTime::parse_from_rfc3339(text).unwrap().into();
    Framework::with(ConsortiumServices::new(Arc::new(FixedClock::new(now))))
}

/// 2027-01-10 09:00 Shanghai.
fn today() -> Framework {
    at("2027-01-10T09:00:00+08:00")
}

fn five_members() -> Vec<OrgCode> {
    vec![org(ENT_A), org(ENT_B), org(ENT_C), org(UNIV), org(INST)]
}

fn form() -> FormConsortium {
    FormConsortium {
        name: "昆山光刻材料创新联合体".into(),
        lead: org(LEAD),
        members: five_members(),
        charter_ref: "章程-2026-01".into(),
        focus_chain: "新型显示".into(),
        bars: vec![],
    }
}

fn formed() -> ConsortiumEvent {
    let f = form();
    ConsortiumEvent::ConsortiumFormed {
        name: f.name,
        lead: f.lead,
        members: f.members,
        charter_ref: f.charter_ref,
        focus_chain: f.focus_chain,
        formed_on: day("2027-01-10"),
    }
}

fn applied(level: Level) -> ConsortiumEvent {
    ConsortiumEvent::LevelApplicationSubmitted {
        level,
        recommended_by: "玉山镇".into(),
        applied_on: day("2026-01-05"),
    }
}

fn granted(level: Level, effective: &str) -> ConsortiumEvent {
    let from = day(effective);
    ConsortiumEvent::LevelGranted {
        level,
        decision_ref: "苏科发〔2026〕1号".into(),
        effective_date: from,
        construction_end: from.checked_add_months(chrono::Months::new(36)).unwrap(),
    }
}

/// Formed and holding Kunshan cultivation since 2025-01-01.
fn holding_l1() -> Vec<ConsortiumEvent> {
    vec![
        formed(),
        applied(Level::KunshanCultivation),
        granted(Level::KunshanCultivation, "2025-01-01"),
    ]
}

/// Holding L1, then Suzhou cultivation since 2026-01-01.
fn holding_l2() -> Vec<ConsortiumEvent> {
    let mut e = holding_l1();
    e.push(applied(Level::SuzhouCultivation));
    e.push(granted(Level::SuzhouCultivation, "2026-01-01"));
    e
}

/// Accredited by Suzhou (L3) since 2026-06-01, straight from formation.
fn holding_l3() -> Vec<ConsortiumEvent> {
    vec![
        formed(),
        applied(Level::SuzhouAccreditation),
        granted(Level::SuzhouAccreditation, "2026-06-01"),
    ]
}

fn reward(grant_id: &str, level: Level, amount: Money, payable: Money) -> ConsortiumEvent {
    ConsortiumEvent::CultivationRewardGranted {
        grant_id: grant_id.into(),
        level,
        amount,
        payable,
        granted_on: day("2027-01-10"),
    }
}

fn support(grant_id: &str, amount: Money, total: Money) -> ConsortiumEvent {
    ConsortiumEvent::AccreditationSupportGranted {
        grant_id: grant_id.into(),
        amount,
        payable: amount,
        basis: SupportBasis::OperationsReport {
            report_ref: "运营报告-2026".into(),
        },
        support_total: total,
        granted_on: day("2027-01-10"),
    }
}

fn paid(grant_id: &str, kind: GrantKind, amount: Money, total: Money) -> ConsortiumEvent {
    ConsortiumEvent::ConsortiumFundsDisbursed {
        grant_id: grant_id.into(),
        kind,
        amount,
        grant_paid: total,
        disbursed_on: day("2027-01-10"),
    }
}

fn result(round_no: u32, grade: EvaluationGrade) -> ConsortiumEvent {
    ConsortiumEvent::EvaluationResultRecorded {
        round_id: format!("round-{round_no}"),
        round_no,
        period_end: day(&format!("{}-12-31", 2024 + 2 * round_no)),
        grade,
        recorded_on: day("2027-01-10"),
    }
}

fn record(round_no: u32, grade: EvaluationGrade) -> ConsortiumCommand {
    ConsortiumCommand::RecordEvaluationResult {
        round_id: format!("round-{round_no}"),
        round_no,
        period_end: day(&format!("{}-12-31", 2024 + 2 * round_no)),
        grade,
    }
}

fn revoked(level: Level) -> ConsortiumEvent {
    ConsortiumEvent::AccreditationRevoked {
        reason: RevocationReason::TwoConsecutiveFails,
        level_lost: Some(level),
        revoked_on: day("2027-01-10"),
    }
}

fn bar(code: &str) -> ActiveBar {
    ActiveBar {
        org: org(code),
        until: day("2028-03-31"),
    }
}

const L1_REWARD: GrantKind = GrantKind::CultivationReward {
    level: Level::KunshanCultivation,
};

// ---- formation ----

#[test]
fn forming_records_the_lead_members_charter_and_chain() {
    today()
        .given_no_previous_events()
        .when(ConsortiumCommand::Form(form()))
        .then_expect_events(vec![formed()]);
}

#[test]
fn a_lead_that_is_not_an_enterprise_is_refused() {
    let cmd = FormConsortium {
        lead: org(UNIV),
        members: vec![org(ENT_A), org(INST)],
        ..form()
    };
    today()
        .given_no_previous_events()
        .when(ConsortiumCommand::Form(cmd))
        .then_expect_error(ConsortiumError::LeadNotEnterprise(org(UNIV)));
}

#[test]
fn a_member_named_twice_is_refused() {
    let cmd = FormConsortium {
        members: vec![org(ENT_A), org(UNIV), org(ENT_A)],
        ..form()
    };
    today()
        .given_no_previous_events()
        .when(ConsortiumCommand::Form(cmd))
        .then_expect_error(ConsortiumError::DuplicateMember(org(ENT_A)));
}

#[test]
fn the_lead_listed_again_as_a_member_is_refused() {
    let cmd = FormConsortium {
        members: vec![org(LEAD), org(UNIV)],
        ..form()
    };
    today()
        .given_no_previous_events()
        .when(ConsortiumCommand::Form(cmd))
        .then_expect_error(ConsortiumError::DuplicateMember(org(LEAD)));
}

#[test]
fn a_consortium_without_a_university_or_institute_is_refused() {
    let cmd = FormConsortium {
        members: vec![org(ENT_A), org(ENT_B), org(ENT_C)],
        ..form()
    };
    today()
        .given_no_previous_events()
        .when(ConsortiumCommand::Form(cmd))
        .then_expect_error(ConsortiumError::NoResearchMember);
}

#[test]
fn a_private_non_enterprise_institute_counts_as_research_member() {
    let cmd = FormConsortium {
        members: vec![org(ENT_A), org(NRDI)],
        ..form()
    };
    let result = today()
        .given_no_previous_events()
        .when(ConsortiumCommand::Form(cmd))
        .inspect_result();
    assert!(result.is_ok());
}

#[test]
fn forming_without_a_charter_is_refused() {
    let cmd = FormConsortium {
        charter_ref: "  ".into(),
        ..form()
    };
    today()
        .given_no_previous_events()
        .when(ConsortiumCommand::Form(cmd))
        .then_expect_error(ConsortiumError::Required("charter_ref"));
}

#[test]
fn forming_without_a_focus_chain_is_refused() {
    let cmd = FormConsortium {
        focus_chain: String::new(),
        ..form()
    };
    today()
        .given_no_previous_events()
        .when(ConsortiumCommand::Form(cmd))
        .then_expect_error(ConsortiumError::Required("focus_chain"));
}

#[test]
fn forming_with_a_barred_member_is_refused_with_the_bar_end() {
    let cmd = FormConsortium {
        bars: vec![bar(UNIV)],
        ..form()
    };
    today()
        .given_no_previous_events()
        .when(ConsortiumCommand::Form(cmd))
        .then_expect_error(ConsortiumError::OrganisationBarred {
            org: org(UNIV),
            until: day("2028-03-31"),
        });
    let e = ConsortiumError::OrganisationBarred {
        org: org(UNIV),
        until: day("2028-03-31"),
    };
    assert_eq!(e.code(), "organisation_barred");
    assert_eq!(e.kind(), ErrorKind::Conflict);
}

#[test]
fn forming_twice_is_refused() {
    today()
        .given(vec![formed()])
        .when(ConsortiumCommand::Form(form()))
        .then_expect_error(ConsortiumError::InvalidTransition {
            status: "formed",
            action: "form",
        });
}

// ---- membership ----

fn add(code: &str) -> ConsortiumCommand {
    ConsortiumCommand::AddMember {
        member: org(code),
        on: day("2027-01-09"),
        reason: "加入协议".into(),
        bars: vec![],
    }
}

fn remove(code: &str) -> ConsortiumCommand {
    ConsortiumCommand::RemoveMember {
        member: org(code),
        on: day("2027-01-09"),
        reason: "退出".into(),
    }
}

#[test]
fn a_member_joins_with_date_and_reason() {
    today()
        .given(vec![formed()])
        .when(add(NRDI))
        .then_expect_events(vec![ConsortiumEvent::MemberAdded {
            member: org(NRDI),
            on: day("2027-01-09"),
            reason: "加入协议".into(),
        }]);
}

#[test]
fn a_member_joining_twice_is_refused() {
    today()
        .given(vec![formed()])
        .when(add(ENT_A))
        .then_expect_error(ConsortiumError::DuplicateMember(org(ENT_A)));
}

#[test]
fn a_barred_organisation_cannot_join() {
    let cmd = ConsortiumCommand::AddMember {
        member: org(NRDI),
        on: day("2027-01-09"),
        reason: "加入协议".into(),
        bars: vec![bar(NRDI)],
    };
    today().given(vec![formed()]).when(cmd).then_expect_error(
        ConsortiumError::OrganisationBarred {
            org: org(NRDI),
            until: day("2028-03-31"),
        },
    );
}

#[test]
fn a_membership_date_in_the_future_is_refused() {
    let cmd = ConsortiumCommand::AddMember {
        member: org(NRDI),
        on: day("2027-01-11"),
        reason: "加入协议".into(),
        bars: vec![],
    };
    today()
        .given(vec![formed()])
        .when(cmd)
        .then_expect_error(ConsortiumError::DateInFuture(day("2027-01-11")));
}

#[test]
fn a_member_leaves_when_no_level_sets_a_minimum() {
    today()
        .given(vec![formed()])
        .when(remove(ENT_A))
        .then_expect_events(vec![ConsortiumEvent::MemberRemoved {
            member: org(ENT_A),
            on: day("2027-01-09"),
            reason: "退出".into(),
        }]);
}

#[test]
fn leaving_below_the_suzhou_minimum_is_refused() {
    today()
        .given(holding_l2())
        .when(remove(ENT_A))
        .then_expect_error(ConsortiumError::TooFewMembers { min: 5, count: 4 });
}

#[test]
fn leaving_below_the_kunshan_minimum_is_refused() {
    today()
        .given(holding_l1())
        .when(remove(ENT_B))
        .then_expect_error(ConsortiumError::TooFewMembers { min: 5, count: 4 });
}

#[test]
fn the_kunshan_minimum_is_configurable() {
    let now: DateTime<Utc> = DateTime::parse_from_rfc3339("2027-01-10T09:00:00+08:00")
        .unwrap()
        .into();
    let policy = ConsortiumPolicy {
        min_members_kunshan: 3,
        ..ConsortiumPolicy::default()
    };
    Framework::with(ConsortiumServices::with_policy(
        Arc::new(FixedClock::new(now)),
        policy,
    ))
    .given(holding_l1())
    .when(remove(ENT_B))
    .then_expect_events(vec![ConsortiumEvent::MemberRemoved {
        member: org(ENT_B),
        on: day("2027-01-09"),
        reason: "退出".into(),
    }]);
}

#[test]
fn removing_the_last_university_or_institute_is_refused() {
    let events = vec![
        formed(),
        ConsortiumEvent::MemberRemoved {
            member: org(INST),
            on: day("2027-01-09"),
            reason: "退出".into(),
        },
    ];
    today()
        .given(events)
        .when(remove(UNIV))
        .then_expect_error(ConsortiumError::NoResearchMember);
}

#[test]
fn removing_an_organisation_that_is_not_a_member_is_refused() {
    today()
        .given(vec![formed()])
        .when(remove(NRDI))
        .then_expect_error(ConsortiumError::NotAMember(org(NRDI)));
}

#[test]
fn a_revoked_consortium_takes_no_new_members() {
    let mut events = holding_l1();
    events.push(revoked(Level::KunshanCultivation));
    today()
        .given(events)
        .when(add(NRDI))
        .then_expect_error(ConsortiumError::Revoked);
}

// ---- levels ----

fn apply(level: Level) -> ConsortiumCommand {
    ConsortiumCommand::ApplyForLevel {
        level,
        recommended_by: "玉山镇".into(),
        bars: vec![],
    }
}

fn decide(granted: bool, decision_ref: &str) -> ConsortiumCommand {
    ConsortiumCommand::RecordLevelDecision(LevelDecision {
        granted,
        decision_ref: decision_ref.into(),
        effective_date: day("2027-01-01"),
        construction_years: None,
        reason: None,
    })
}

#[test]
fn applying_for_kunshan_cultivation_is_recorded() {
    today()
        .given(vec![formed()])
        .when(apply(Level::KunshanCultivation))
        .then_expect_events(vec![ConsortiumEvent::LevelApplicationSubmitted {
            level: Level::KunshanCultivation,
            recommended_by: "玉山镇".into(),
            applied_on: day("2027-01-10"),
        }]);
}

#[test]
fn applying_for_the_level_held_is_refused_as_not_an_upgrade() {
    today()
        .given(holding_l2())
        .when(apply(Level::SuzhouCultivation))
        .then_expect_error(ConsortiumError::NotAnUpgrade {
            held: Some(Level::SuzhouCultivation),
            asked: Level::SuzhouCultivation,
        });
}

#[test]
fn applying_for_a_lower_level_is_refused() {
    today()
        .given(holding_l2())
        .when(apply(Level::KunshanCultivation))
        .then_expect_error(ConsortiumError::NotAnUpgrade {
            held: Some(Level::SuzhouCultivation),
            asked: Level::KunshanCultivation,
        });
}

#[test]
fn a_second_pending_application_is_refused() {
    today()
        .given(vec![formed(), applied(Level::KunshanCultivation)])
        .when(apply(Level::SuzhouCultivation))
        .then_expect_error(ConsortiumError::ApplicationPending(
            Level::KunshanCultivation,
        ));
}

#[test]
fn applying_for_a_suzhou_level_with_four_members_is_refused() {
    let cmd = FormConsortium {
        members: vec![org(ENT_A), org(ENT_B), org(UNIV), org(INST)],
        ..form()
    };
    let f = ConsortiumEvent::ConsortiumFormed {
        name: cmd.name,
        lead: cmd.lead,
        members: cmd.members,
        charter_ref: cmd.charter_ref,
        focus_chain: cmd.focus_chain,
        formed_on: day("2027-01-10"),
    };
    today()
        .given(vec![f])
        .when(apply(Level::SuzhouAccreditation))
        .then_expect_error(ConsortiumError::TooFewMembers { min: 5, count: 4 });
}

#[test]
fn applying_with_a_barred_lead_is_refused() {
    let cmd = ConsortiumCommand::ApplyForLevel {
        level: Level::KunshanCultivation,
        recommended_by: "玉山镇".into(),
        bars: vec![bar(LEAD)],
    };
    today().given(vec![formed()]).when(cmd).then_expect_error(
        ConsortiumError::OrganisationBarred {
            org: org(LEAD),
            until: day("2028-03-31"),
        },
    );
}

#[test]
fn a_revoked_consortium_cannot_apply() {
    let mut events = holding_l1();
    events.push(revoked(Level::KunshanCultivation));
    today()
        .given(events)
        .when(apply(Level::SuzhouCultivation))
        .then_expect_error(ConsortiumError::Revoked);
}

#[test]
fn granting_sets_a_three_year_construction_period_by_default() {
    today()
        .given(vec![formed(), applied(Level::KunshanCultivation)])
        .when(decide(true, "昆科〔2027〕3号"))
        .then_expect_events(vec![ConsortiumEvent::LevelGranted {
            level: Level::KunshanCultivation,
            decision_ref: "昆科〔2027〕3号".into(),
            effective_date: day("2027-01-01"),
            construction_end: day("2030-01-01"),
        }]);
}

#[test]
fn a_decision_may_set_another_construction_period() {
    let cmd = ConsortiumCommand::RecordLevelDecision(LevelDecision {
        granted: true,
        decision_ref: String::new(),
        effective_date: day("2024-02-29"),
        construction_years: Some(2),
        reason: None,
    });
    today()
        .given(vec![formed(), applied(Level::KunshanCultivation)])
        .when(cmd)
        .then_expect_events(vec![ConsortiumEvent::LevelGranted {
            level: Level::KunshanCultivation,
            decision_ref: String::new(),
            effective_date: day("2024-02-29"),
            construction_end: day("2026-02-28"),
        }]);
}

#[test]
fn a_construction_period_of_zero_years_is_refused() {
    let cmd = ConsortiumCommand::RecordLevelDecision(LevelDecision {
        granted: true,
        decision_ref: "x".into(),
        effective_date: day("2027-01-01"),
        construction_years: Some(0),
        reason: None,
    });
    today()
        .given(vec![formed(), applied(Level::KunshanCultivation)])
        .when(cmd)
        .then_expect_error(ConsortiumError::ConstructionYearsOutOfRange { max: 10, asked: 0 });
}

#[test]
fn a_suzhou_decision_without_its_document_is_refused() {
    let mut events = holding_l1();
    events.push(applied(Level::SuzhouCultivation));
    today()
        .given(events)
        .when(decide(true, " "))
        .then_expect_error(ConsortiumError::SuzhouDecisionRefRequired);
}

#[test]
fn a_decision_without_an_application_is_refused() {
    today()
        .given(holding_l1())
        .when(decide(true, "x"))
        .then_expect_error(ConsortiumError::NoPendingApplication);
}

#[test]
fn a_rejected_upgrade_keeps_the_level_held() {
    let mut events = holding_l1();
    events.push(applied(Level::SuzhouCultivation));
    events.push(ConsortiumEvent::LevelApplicationRejected {
        level: Level::SuzhouCultivation,
        decision_ref: "苏科〔2027〕9号".into(),
        decided_on: day("2027-01-10"),
        reason: None,
    });
    // Holding again, so a new upgrade application is accepted and the L1 minimum still binds.
    today()
        .given(events.clone())
        .when(remove(ENT_A))
        .then_expect_error(ConsortiumError::TooFewMembers { min: 5, count: 4 });
    today()
        .given(events)
        .when(apply(Level::SuzhouCultivation))
        .then_expect_events(vec![ConsortiumEvent::LevelApplicationSubmitted {
            level: Level::SuzhouCultivation,
            recommended_by: "玉山镇".into(),
            applied_on: day("2027-01-10"),
        }]);
}

#[test]
fn rejecting_an_application_is_recorded_with_its_document() {
    let mut events = holding_l1();
    events.push(applied(Level::SuzhouCultivation));
    let cmd = ConsortiumCommand::RecordLevelDecision(LevelDecision {
        granted: false,
        decision_ref: "苏科〔2027〕9号".into(),
        effective_date: day("2027-01-10"),
        construction_years: None,
        reason: Some("未入选".into()),
    });
    today().given(events).when(cmd).then_expect_events(vec![
        ConsortiumEvent::LevelApplicationRejected {
            level: Level::SuzhouCultivation,
            decision_ref: "苏科〔2027〕9号".into(),
            decided_on: day("2027-01-10"),
            reason: Some("未入选".into()),
        },
    ]);
}

// ---- cultivation rewards, 就高不重复 ----

fn grant_reward(level: Level, amount: Money) -> ConsortiumCommand {
    ConsortiumCommand::GrantCultivationReward { level, amount }
}

#[test]
fn a_kunshan_reward_of_50_wan_is_payable_in_full() {
    today()
        .given(holding_l1())
        .when(grant_reward(Level::KunshanCultivation, wan(50)))
        .then_expect_events(vec![reward(
            "grant-1",
            Level::KunshanCultivation,
            wan(50),
            wan(50),
        )]);
}

#[test]
fn a_kunshan_reward_one_fen_over_50_wan_is_refused() {
    today()
        .given(holding_l1())
        .when(grant_reward(
            Level::KunshanCultivation,
            Money::from_fen(50_000_001),
        ))
        .then_expect_error(ConsortiumError::RewardCapExceeded {
            cap_fen: 50_000_000,
            asked_fen: 50_000_001,
        });
}

#[test]
fn a_suzhou_reward_one_fen_over_100_wan_is_refused() {
    today()
        .given(holding_l2())
        .when(grant_reward(
            Level::SuzhouCultivation,
            Money::from_fen(100_000_001),
        ))
        .then_expect_error(ConsortiumError::RewardCapExceeded {
            cap_fen: 100_000_000,
            asked_fen: 100_000_001,
        });
}

#[test]
fn kunshan_50_wan_then_suzhou_100_wan_pays_50_wan_more() {
    let mut events = holding_l2();
    events.push(reward(
        "grant-1",
        Level::KunshanCultivation,
        wan(50),
        wan(50),
    ));
    today()
        .given(events)
        .when(grant_reward(Level::SuzhouCultivation, wan(100)))
        .then_expect_events(vec![reward(
            "grant-2",
            Level::SuzhouCultivation,
            wan(100),
            wan(50),
        )]);
}

#[test]
fn suzhou_first_then_kunshan_pays_nothing() {
    let mut events = holding_l2();
    events.push(reward(
        "grant-1",
        Level::SuzhouCultivation,
        wan(100),
        wan(100),
    ));
    // L1 was held before, so its reward may still be granted, but it adds nothing.
    today()
        .given(events)
        .when(grant_reward(Level::KunshanCultivation, wan(50)))
        .then_expect_events(vec![reward(
            "grant-2",
            Level::KunshanCultivation,
            wan(50),
            Money::ZERO,
        )]);
}

#[test]
fn a_lower_suzhou_reward_tops_up_only_the_difference() {
    let mut events = holding_l2();
    events.push(reward(
        "grant-1",
        Level::KunshanCultivation,
        wan(30),
        wan(30),
    ));
    today()
        .given(events)
        .when(grant_reward(Level::SuzhouCultivation, wan(40)))
        .then_expect_events(vec![reward(
            "grant-2",
            Level::SuzhouCultivation,
            wan(40),
            wan(10),
        )]);
}

#[test]
fn a_second_reward_at_the_same_level_is_refused() {
    let mut events = holding_l1();
    events.push(reward(
        "grant-1",
        Level::KunshanCultivation,
        wan(20),
        wan(20),
    ));
    today()
        .given(events)
        .when(grant_reward(Level::KunshanCultivation, wan(10)))
        .then_expect_error(ConsortiumError::RewardAlreadyGranted(
            Level::KunshanCultivation,
        ));
}

#[test]
fn a_reward_for_a_level_never_held_is_refused() {
    today()
        .given(holding_l1())
        .when(grant_reward(Level::SuzhouCultivation, wan(100)))
        .then_expect_error(ConsortiumError::LevelNeverHeld(Level::SuzhouCultivation));
}

#[test]
fn accreditation_carries_no_cultivation_reward() {
    today()
        .given(holding_l3())
        .when(grant_reward(Level::SuzhouAccreditation, wan(100)))
        .then_expect_error(ConsortiumError::NotACultivationLevel(
            Level::SuzhouAccreditation,
        ));
}

#[test]
fn a_reward_of_zero_is_refused() {
    today()
        .given(holding_l1())
        .when(grant_reward(Level::KunshanCultivation, Money::ZERO))
        .then_expect_error(ConsortiumError::AmountNotPositive);
}

#[test]
fn a_revoked_consortium_gets_no_reward() {
    let mut events = holding_l1();
    events.push(revoked(Level::KunshanCultivation));
    today()
        .given(events)
        .when(grant_reward(Level::KunshanCultivation, wan(50)))
        .then_expect_error(ConsortiumError::Revoked);
}

// ---- linkage support ----

fn ops_report() -> SupportBasis {
    SupportBasis::OperationsReport {
        report_ref: "运营报告-2026".into(),
    }
}

#[test]
fn linkage_support_up_to_200_wan_in_total_is_granted() {
    let mut events = holding_l3();
    events.push(support("grant-1", wan(150), wan(150)));
    today()
        .given(events)
        .when(ConsortiumCommand::GrantAccreditationSupport {
            amount: wan(50),
            basis: ops_report(),
        })
        .then_expect_events(vec![support("grant-2", wan(50), wan(200))]);
}

#[test]
fn linkage_support_over_200_wan_in_total_is_refused() {
    let mut events = holding_l3();
    events.push(support("grant-1", wan(150), wan(150)));
    today()
        .given(events)
        .when(ConsortiumCommand::GrantAccreditationSupport {
            amount: Money::from_fen(50_000_001),
            basis: ops_report(),
        })
        .then_expect_error(ConsortiumError::SupportCapExceeded {
            cap_fen: 200_000_000,
            granted_fen: 150_000_000,
            asked_fen: 50_000_001,
        });
}

#[test]
fn linkage_support_needs_accreditation() {
    today()
        .given(holding_l2())
        .when(ConsortiumCommand::GrantAccreditationSupport {
            amount: wan(10),
            basis: ops_report(),
        })
        .then_expect_error(ConsortiumError::NotAccredited);
}

#[test]
fn linkage_support_needs_a_basis_reference() {
    today()
        .given(holding_l3())
        .when(ConsortiumCommand::GrantAccreditationSupport {
            amount: wan(10),
            basis: SupportBasis::OperationsReport {
                report_ref: String::new(),
            },
        })
        .then_expect_error(ConsortiumError::Required("basis.report_ref"));
}

#[test]
fn linkage_support_based_on_a_failed_round_is_refused() {
    let mut events = holding_l3();
    events.push(result(1, EvaluationGrade::Fail));
    today()
        .given(events)
        .when(ConsortiumCommand::GrantAccreditationSupport {
            amount: wan(10),
            basis: SupportBasis::PassedEvaluation {
                round_id: "round-1".into(),
            },
        })
        .then_expect_error(ConsortiumError::BasisNotAPassedEvaluation("round-1".into()));
}

#[test]
fn linkage_support_based_on_a_passed_round_is_granted() {
    let mut events = holding_l3();
    events.push(result(1, EvaluationGrade::Excellent));
    let basis = SupportBasis::PassedEvaluation {
        round_id: "round-1".into(),
    };
    today()
        .given(events)
        .when(ConsortiumCommand::GrantAccreditationSupport {
            amount: wan(10),
            basis: basis.clone(),
        })
        .then_expect_events(vec![ConsortiumEvent::AccreditationSupportGranted {
            grant_id: "grant-1".into(),
            amount: wan(10),
            payable: wan(10),
            basis,
            support_total: wan(10),
            granted_on: day("2027-01-10"),
        }]);
}

#[test]
fn with_the_higher_only_flag_support_pays_only_above_the_cultivation_rewards() {
    let now: DateTime<Utc> = DateTime::parse_from_rfc3339("2027-01-10T09:00:00+08:00")
        .unwrap()
        .into();
    let policy = ConsortiumPolicy {
        accreditation_support_in_higher_only: true,
        ..ConsortiumPolicy::default()
    };
    let mut events = holding_l2();
    events.push(reward(
        "grant-1",
        Level::SuzhouCultivation,
        wan(100),
        wan(100),
    ));
    events.push(applied(Level::SuzhouAccreditation));
    events.push(granted(Level::SuzhouAccreditation, "2026-06-01"));
    Framework::with(ConsortiumServices::with_policy(
        Arc::new(FixedClock::new(now)),
        policy,
    ))
    .given(events)
    .when(ConsortiumCommand::GrantAccreditationSupport {
        amount: wan(150),
        basis: ops_report(),
    })
    .then_expect_events(vec![ConsortiumEvent::AccreditationSupportGranted {
        grant_id: "grant-2".into(),
        amount: wan(150),
        payable: wan(50),
        basis: ops_report(),
        support_total: wan(150),
        granted_on: day("2027-01-10"),
    }]);
}

// ---- disbursement ----

#[test]
fn a_disbursement_within_the_payable_is_recorded() {
    let mut events = holding_l1();
    events.push(reward(
        "grant-1",
        Level::KunshanCultivation,
        wan(50),
        wan(50),
    ));
    events.push(paid("grant-1", L1_REWARD, wan(20), wan(20)));
    today()
        .given(events)
        .when(ConsortiumCommand::DisburseFunds {
            grant_id: "grant-1".into(),
            amount: wan(30),
        })
        .then_expect_events(vec![paid("grant-1", L1_REWARD, wan(30), wan(50))]);
}

#[test]
fn a_disbursement_above_the_payable_is_refused() {
    let mut events = holding_l1();
    events.push(reward(
        "grant-1",
        Level::KunshanCultivation,
        wan(50),
        wan(50),
    ));
    events.push(paid("grant-1", L1_REWARD, wan(20), wan(20)));
    today()
        .given(events)
        .when(ConsortiumCommand::DisburseFunds {
            grant_id: "grant-1".into(),
            amount: Money::from_fen(30_000_001),
        })
        .then_expect_error(ConsortiumError::DisbursementExceedsPayable {
            payable_fen: 50_000_000,
            paid_fen: 20_000_000,
            asked_fen: 30_000_001,
        });
}

#[test]
fn a_reward_that_pays_nothing_cannot_be_disbursed() {
    let mut events = holding_l2();
    events.push(reward(
        "grant-1",
        Level::SuzhouCultivation,
        wan(100),
        wan(100),
    ));
    events.push(reward(
        "grant-2",
        Level::KunshanCultivation,
        wan(50),
        Money::ZERO,
    ));
    today()
        .given(events)
        .when(ConsortiumCommand::DisburseFunds {
            grant_id: "grant-2".into(),
            amount: Money::from_fen(1),
        })
        .then_expect_error(ConsortiumError::DisbursementExceedsPayable {
            payable_fen: 0,
            paid_fen: 0,
            asked_fen: 1,
        });
}

#[test]
fn disbursing_from_an_unknown_grant_is_refused() {
    today()
        .given(holding_l1())
        .when(ConsortiumCommand::DisburseFunds {
            grant_id: "grant-9".into(),
            amount: wan(1),
        })
        .then_expect_error(ConsortiumError::GrantNotFound("grant-9".into()));
}

#[test]
fn disbursements_stop_on_revocation() {
    let mut events = holding_l1();
    events.push(reward(
        "grant-1",
        Level::KunshanCultivation,
        wan(50),
        wan(50),
    ));
    events.push(revoked(Level::KunshanCultivation));
    today()
        .given(events)
        .when(ConsortiumCommand::DisburseFunds {
            grant_id: "grant-1".into(),
            amount: wan(1),
        })
        .then_expect_error(ConsortiumError::Revoked);
}

// ---- evaluation results and revocation ----

#[test]
fn a_passing_result_is_recorded() {
    today()
        .given(holding_l1())
        .when(record(1, EvaluationGrade::Pass))
        .then_expect_events(vec![result(1, EvaluationGrade::Pass)]);
}

#[test]
fn a_first_failure_does_not_revoke() {
    today()
        .given(holding_l1())
        .when(record(1, EvaluationGrade::Fail))
        .then_expect_events(vec![result(1, EvaluationGrade::Fail)]);
}

#[test]
fn fail_then_fail_revokes_and_cancels_undisbursed_grants() {
    let mut events = holding_l1();
    events.push(reward(
        "grant-1",
        Level::KunshanCultivation,
        wan(50),
        wan(50),
    ));
    events.push(paid("grant-1", L1_REWARD, wan(20), wan(20)));
    events.push(result(1, EvaluationGrade::Fail));
    today()
        .given(events)
        .when(record(2, EvaluationGrade::Fail))
        .then_expect_events(vec![
            result(2, EvaluationGrade::Fail),
            revoked(Level::KunshanCultivation),
            ConsortiumEvent::GrantsCancelled {
                grants: vec![CancelledGrant {
                    grant_id: "grant-1".into(),
                    cancelled_amount: wan(30),
                }],
            },
        ]);
}

#[test]
fn fail_pass_fail_does_not_revoke() {
    let mut events = holding_l1();
    events.push(result(1, EvaluationGrade::Fail));
    events.push(result(2, EvaluationGrade::Pass));
    today()
        .given(events)
        .when(record(3, EvaluationGrade::Fail))
        .then_expect_events(vec![result(3, EvaluationGrade::Fail)]);
}

#[test]
fn excluded_then_fail_revokes() {
    let mut events = holding_l1();
    events.push(result(1, EvaluationGrade::Excluded));
    today()
        .given(events)
        .when(record(2, EvaluationGrade::Fail))
        .then_expect_events(vec![
            result(2, EvaluationGrade::Fail),
            revoked(Level::KunshanCultivation),
        ]);
}

#[test]
fn fail_then_excluded_revokes() {
    let mut events = holding_l1();
    events.push(result(1, EvaluationGrade::Fail));
    today()
        .given(events)
        .when(record(2, EvaluationGrade::Excluded))
        .then_expect_events(vec![
            result(2, EvaluationGrade::Excluded),
            revoked(Level::KunshanCultivation),
        ]);
}

#[test]
fn a_second_result_for_the_same_round_is_refused() {
    let mut events = holding_l1();
    events.push(result(1, EvaluationGrade::Pass));
    today()
        .given(events)
        .when(record(1, EvaluationGrade::Pass))
        .then_expect_error(ConsortiumError::ResultAlreadyRecorded("round-1".into()));
}

#[test]
fn a_result_for_an_earlier_round_is_refused() {
    let mut events = holding_l1();
    events.push(result(2, EvaluationGrade::Pass));
    today()
        .given(events)
        .when(record(1, EvaluationGrade::Fail))
        .then_expect_error(ConsortiumError::ResultOutOfOrder { last: 2, asked: 1 });
}

#[test]
fn a_result_for_a_period_ending_before_any_level_is_refused() {
    // Round 0 assessed up to 2024-12-31; L1 took effect on 2025-01-01.
    today()
        .given(holding_l1())
        .when(record(0, EvaluationGrade::Pass))
        .then_expect_error(ConsortiumError::NoLevelAtPeriodEnd(day("2024-12-31")));
}

#[test]
fn a_result_for_a_revoked_consortium_is_refused() {
    let mut events = holding_l1();
    events.push(revoked(Level::KunshanCultivation));
    today()
        .given(events)
        .when(record(3, EvaluationGrade::Pass))
        .then_expect_error(ConsortiumError::Revoked);
}

#[test]
fn the_level_held_on_a_date_follows_upgrades_and_revocation() {
    let mut c = Consortium::default();
    let mut events = holding_l2();
    events.push(revoked(Level::SuzhouCultivation));
    for e in events {
        cqrs_es::Aggregate::apply(&mut c, e);
    }
    assert_eq!(c.level_on(day("2024-12-31")), None);
    assert_eq!(
        c.level_on(day("2025-12-31")),
        Some(Level::KunshanCultivation)
    );
    assert_eq!(
        c.level_on(day("2026-01-01")),
        Some(Level::SuzhouCultivation)
    );
    assert_eq!(c.level_on(day("2027-01-10")), None);
    assert_eq!(c.status, ConsortiumStatus::Revoked);
}

// ---- construction period, final acceptance, remedies ----

fn ended() -> ConsortiumEvent {
    ConsortiumEvent::ConstructionPeriodEnded {
        construction_end: day("2028-01-01"),
        ended_on: day("2028-01-02"),
    }
}

/// L1 from 2025-01-01, construction to 2028-01-01, 50万 paid.
fn due() -> Vec<ConsortiumEvent> {
    let mut e = holding_l1();
    e.push(reward(
        "grant-1",
        Level::KunshanCultivation,
        wan(50),
        wan(50),
    ));
    e.push(paid("grant-1", L1_REWARD, wan(50), wan(50)));
    e.push(ended());
    e
}

fn failed() -> ConsortiumEvent {
    ConsortiumEvent::FinalAcceptanceFailed {
        report_ref: "验收-2028".into(),
        failed_on: day("2028-01-02"),
    }
}

fn after_end() -> Framework {
    at("2028-01-02T09:00:00+08:00")
}

#[test]
fn the_construction_period_ends_on_its_last_day() {
    at("2028-01-01T09:00:00+08:00")
        .given(holding_l1())
        .when(ConsortiumCommand::EndConstructionPeriod)
        .then_expect_events(vec![ConsortiumEvent::ConstructionPeriodEnded {
            construction_end: day("2028-01-01"),
            ended_on: day("2028-01-01"),
        }]);
}

#[test]
fn ending_the_construction_period_early_is_refused() {
    at("2027-12-31T09:00:00+08:00")
        .given(holding_l1())
        .when(ConsortiumCommand::EndConstructionPeriod)
        .then_expect_error(ConsortiumError::ConstructionPeriodNotOver(day(
            "2028-01-01",
        )));
}

#[test]
fn ending_the_construction_period_without_a_level_is_refused() {
    after_end()
        .given(vec![formed()])
        .when(ConsortiumCommand::EndConstructionPeriod)
        .then_expect_error(ConsortiumError::InvalidTransition {
            status: "formed",
            action: "end the construction period of",
        });
}

#[test]
fn a_passed_final_acceptance_completes_the_consortium() {
    after_end()
        .given(due())
        .when(ConsortiumCommand::RecordFinalAcceptance {
            passed: true,
            report_ref: "验收-2028".into(),
        })
        .then_expect_events(vec![ConsortiumEvent::FinalAcceptancePassed {
            report_ref: "验收-2028".into(),
            accepted_on: day("2028-01-02"),
        }]);
}

#[test]
fn a_failed_final_acceptance_awaits_a_remedy() {
    after_end()
        .given(due())
        .when(ConsortiumCommand::RecordFinalAcceptance {
            passed: false,
            report_ref: "验收-2028".into(),
        })
        .then_expect_events(vec![failed()]);
}

#[test]
fn final_acceptance_before_the_period_ends_is_refused() {
    after_end()
        .given(holding_l1())
        .when(ConsortiumCommand::RecordFinalAcceptance {
            passed: true,
            report_ref: "验收-2028".into(),
        })
        .then_expect_error(ConsortiumError::InvalidTransition {
            status: "holding",
            action: "record final acceptance of",
        });
}

#[test]
fn recovery_of_at_most_what_was_paid_is_referred() {
    let mut events = due();
    events.push(failed());
    after_end()
        .given(events)
        .when(ConsortiumCommand::DecideRemedy(Remedy::Recover {
            amount: wan(50),
        }))
        .then_expect_events(vec![ConsortiumEvent::RecoveryReferred {
            debtor: org(LEAD),
            amount: wan(50),
            basis: RecoveryBasis::FinalAcceptanceFailed,
            referred_on: day("2028-01-02"),
        }]);
}

#[test]
fn recovering_more_than_was_paid_is_refused() {
    let mut events = due();
    events.push(failed());
    after_end()
        .given(events)
        .when(ConsortiumCommand::DecideRemedy(Remedy::Recover {
            amount: Money::from_fen(50_000_001),
        }))
        .then_expect_error(ConsortiumError::RecoveryExceedsDisbursed {
            disbursed_fen: 50_000_000,
            asked_fen: 50_000_001,
        });
}

#[test]
fn rectification_is_ordered_with_a_future_deadline() {
    let mut events = due();
    events.push(failed());
    after_end()
        .given(events)
        .when(ConsortiumCommand::DecideRemedy(Remedy::Rectify {
            deadline: day("2028-07-01"),
        }))
        .then_expect_events(vec![ConsortiumEvent::RectificationOrdered {
            deadline: day("2028-07-01"),
            ordered_on: day("2028-01-02"),
        }]);
}

#[test]
fn a_rectification_deadline_of_today_is_refused() {
    let mut events = due();
    events.push(failed());
    after_end()
        .given(events)
        .when(ConsortiumCommand::DecideRemedy(Remedy::Rectify {
            deadline: day("2028-01-02"),
        }))
        .then_expect_error(ConsortiumError::DeadlineNotInFuture(day("2028-01-02")));
}

#[test]
fn a_remedy_before_a_failed_acceptance_is_refused() {
    after_end()
        .given(due())
        .when(ConsortiumCommand::DecideRemedy(Remedy::Recover {
            amount: wan(1),
        }))
        .then_expect_error(ConsortiumError::InvalidTransition {
            status: "final_acceptance_due",
            action: "decide a remedy for",
        });
}

fn rectifying() -> Vec<ConsortiumEvent> {
    let mut e = due();
    e.push(failed());
    e.push(ConsortiumEvent::RectificationOrdered {
        deadline: day("2028-07-01"),
        ordered_on: day("2028-01-02"),
    });
    e
}

#[test]
fn a_passed_rectification_completes_the_consortium() {
    after_end()
        .given(rectifying())
        .when(ConsortiumCommand::RecordRectificationOutcome {
            passed: true,
            report_ref: "复验-2028".into(),
            recover_amount: None,
        })
        .then_expect_events(vec![ConsortiumEvent::FinalAcceptancePassed {
            report_ref: "复验-2028".into(),
            accepted_on: day("2028-01-02"),
        }]);
}

#[test]
fn a_failed_rectification_refers_the_recovery() {
    after_end()
        .given(rectifying())
        .when(ConsortiumCommand::RecordRectificationOutcome {
            passed: false,
            report_ref: "复验-2028".into(),
            recover_amount: Some(wan(30)),
        })
        .then_expect_events(vec![ConsortiumEvent::RecoveryReferred {
            debtor: org(LEAD),
            amount: wan(30),
            basis: RecoveryBasis::RectificationFailed,
            referred_on: day("2028-01-02"),
        }]);
}

#[test]
fn a_failed_rectification_without_an_amount_is_refused() {
    after_end()
        .given(rectifying())
        .when(ConsortiumCommand::RecordRectificationOutcome {
            passed: false,
            report_ref: "复验-2028".into(),
            recover_amount: None,
        })
        .then_expect_error(ConsortiumError::RecoverAmountRequired);
}

#[test]
fn a_failed_rectification_recovering_more_than_paid_is_refused() {
    after_end()
        .given(rectifying())
        .when(ConsortiumCommand::RecordRectificationOutcome {
            passed: false,
            report_ref: "复验-2028".into(),
            recover_amount: Some(wan(51)),
        })
        .then_expect_error(ConsortiumError::RecoveryExceedsDisbursed {
            disbursed_fen: 50_000_000,
            asked_fen: 51_000_000,
        });
}

#[test]
fn a_rectification_outcome_without_rectification_is_refused() {
    let mut events = due();
    events.push(failed());
    after_end()
        .given(events)
        .when(ConsortiumCommand::RecordRectificationOutcome {
            passed: true,
            report_ref: "复验-2028".into(),
            recover_amount: None,
        })
        .then_expect_error(ConsortiumError::InvalidTransition {
            status: "remedy_pending",
            action: "record a rectification outcome for",
        });
}

#[test]
fn no_disbursement_after_a_recovery_referral() {
    let mut events = rectifying();
    events.push(ConsortiumEvent::RecoveryReferred {
        debtor: org(LEAD),
        amount: wan(30),
        basis: RecoveryBasis::RectificationFailed,
        referred_on: day("2028-01-02"),
    });
    after_end()
        .given(events)
        .when(ConsortiumCommand::DisburseFunds {
            grant_id: "grant-1".into(),
            amount: wan(1),
        })
        .then_expect_error(ConsortiumError::InvalidTransition {
            status: "recovery_referred",
            action: "disburse to",
        });
}
