use std::sync::Arc;

use chrono::{DateTime, NaiveDate, Utc};
use cqrs_es::test::TestFramework;
use kernel::{FixedClock, OrgCode};

use crate::*;

type Framework = TestFramework<TechnologyNeed>;

const POSER: &str = "91320583MA1KC00109";

fn day(text: &str) -> NaiveDate {
    text.parse().unwrap()
}

/// 2027-01-10 09:00 Shanghai.
fn framework() -> Framework {
    let now: DateTime<Utc> = DateTime::parse_from_rfc3339("2027-01-10T09:00:00+08:00")
        .unwrap()
        .into();
    Framework::with(NeedServices::new(Arc::new(FixedClock::new(now))))
}

fn register() -> RegisterNeed {
    RegisterNeed {
        poser: OrgCode::parse(POSER).unwrap(),
        category: NeedCategory::MajorEnterprise,
        industry_chain: "新型显示".into(),
        title: "高分辨率光刻胶国产替代".into(),
        text: "面板产线所需 ArF 光刻胶依赖进口".into(),
        expected_outcome: "分辨率 ≤ 90 nm 的国产光刻胶通过产线验证".into(),
        registered_by: "applicant-1".into(),
    }
}

fn registered() -> NeedEvent {
    let r = register();
    NeedEvent::NeedRegistered {
        poser: r.poser,
        category: r.category,
        industry_chain: r.industry_chain,
        title: r.title,
        text: r.text,
        expected_outcome: r.expected_outcome,
        registered_by: r.registered_by,
        registered_on: day("2027-01-10"),
    }
}

fn accepted() -> NeedEvent {
    NeedEvent::NeedAccepted {
        category: NeedCategory::MajorEnterprise,
        reason: None,
        accepted_on: day("2027-01-10"),
    }
}

fn adopted(challenge_id: &str) -> NeedEvent {
    NeedEvent::NeedAdopted {
        challenge_id: challenge_id.into(),
        adopted_on: day("2027-01-10"),
    }
}

#[test]
fn registering_a_need_records_it_dated_today() {
    framework()
        .given_no_previous_events()
        .when(NeedCommand::Register(register()))
        .then_expect_events(vec![registered()]);
}

#[test]
fn a_need_without_an_expected_outcome_is_refused() {
    framework()
        .given_no_previous_events()
        .when(NeedCommand::Register(RegisterNeed {
            expected_outcome: " ".into(),
            ..register()
        }))
        .then_expect_error(NeedError::Required("expected_outcome"));
}

#[test]
fn a_need_is_registered_once() {
    framework()
        .given(vec![registered()])
        .when(NeedCommand::Register(register()))
        .then_expect_error(NeedError::InvalidTransition {
            status: "registered",
            action: "register",
        });
}

#[test]
fn accepting_a_registered_need_puts_it_in_the_pool_with_its_category() {
    framework()
        .given(vec![registered()])
        .when(NeedCommand::Screen {
            accept: true,
            reason: None,
        })
        .then_expect_events(vec![accepted()]);
}

#[test]
fn rejecting_a_need_records_the_reason() {
    framework()
        .given(vec![registered()])
        .when(NeedCommand::Screen {
            accept: false,
            reason: Some("已有成熟国产方案".into()),
        })
        .then_expect_events(vec![NeedEvent::NeedRejected {
            reason: "已有成熟国产方案".into(),
            rejected_on: day("2027-01-10"),
        }]);
}

#[test]
fn rejecting_without_a_reason_is_refused() {
    for reason in [None, Some("  ".to_string())] {
        framework()
            .given(vec![registered()])
            .when(NeedCommand::Screen {
                accept: false,
                reason,
            })
            .then_expect_error(NeedError::RejectionWithoutReason);
    }
}

#[test]
fn a_need_is_screened_once() {
    framework()
        .given(vec![registered(), accepted()])
        .when(NeedCommand::Screen {
            accept: false,
            reason: Some("重复".into()),
        })
        .then_expect_error(NeedError::InvalidTransition {
            status: "accepted",
            action: "screen",
        });
}

#[test]
fn a_need_in_the_pool_is_adopted_by_the_call_drafted_from_it() {
    framework()
        .given(vec![registered(), accepted()])
        .when(NeedCommand::Adopt {
            challenge_id: "call-1".into(),
        })
        .then_expect_events(vec![adopted("call-1")]);
}

#[test]
fn adopting_a_need_not_accepted_into_the_pool_is_refused() {
    framework()
        .given(vec![registered()])
        .when(NeedCommand::Adopt {
            challenge_id: "call-1".into(),
        })
        .then_expect_error(NeedError::NotInPool {
            status: "registered",
        });
    framework()
        .given(vec![
            registered(),
            NeedEvent::NeedRejected {
                reason: "重复".into(),
                rejected_on: day("2027-01-10"),
            },
        ])
        .when(NeedCommand::Adopt {
            challenge_id: "call-1".into(),
        })
        .then_expect_error(NeedError::NotInPool { status: "rejected" });
}

#[test]
fn adopting_a_need_twice_is_refused_and_names_the_first_call() {
    framework()
        .given(vec![registered(), accepted(), adopted("call-1")])
        .when(NeedCommand::Adopt {
            challenge_id: "call-2".into(),
        })
        .then_expect_error(NeedError::AlreadyAdopted {
            challenge_id: "call-1".into(),
        });
}
