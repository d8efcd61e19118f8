use std::sync::Arc;

use chrono::{DateTime, NaiveDate, Utc};
use cqrs_es::test::TestFramework;
use cqrs_es::Aggregate;
use kernel::{FixedClock, Money, OrgCode};

use crate::*;

type Framework = TestFramework<IntegrityRecord>;

fn day(text: &str) -> NaiveDate {
    text.parse().unwrap()
}

fn on(date: &str) -> Framework {
    let now: DateTime<Utc> = DateTime::parse_from_rfc3339(&format!("{date}T10:00:00+08:00"))
        .unwrap()
        .into();
    Framework::with(IntegrityServices::new(Arc::new(FixedClock::new(now))))
}

fn org() -> OrgCode {
    OrgCode::parse("91320583MA1KC00296").unwrap()
}

fn fen(n: i64) -> Money {
    Money::from_fen(n)
}

fn open_cmd() -> OpenIntegrityCase {
    OpenIntegrityCase {
        case_id: "c-1".into(),
        org: org(),
        allegation: "伪造验收数据".into(),
        related_projects: vec!["p-1".into(), "p-2".into()],
        source: CaseSource::Report {
            reference: "举报〔2024〕7号".into(),
        },
    }
}

fn opened() -> IntegrityEvent {
    IntegrityEvent::IntegrityCaseOpened {
        case_id: "c-1".into(),
        org: org(),
        allegation: "伪造验收数据".into(),
        related_projects: vec!["p-1".into(), "p-2".into()],
        source: CaseSource::Report {
            reference: "举报〔2024〕7号".into(),
        },
        opened_on: day("2024-04-01"),
    }
}

fn determined(severity: Severity, decision_date: &str) -> IntegrityEvent {
    IntegrityEvent::ViolationDetermined {
        case_id: "c-1".into(),
        severity,
        decision_date: day(decision_date),
        findings_ref: "调查报告〔2024〕3号".into(),
    }
}

fn recorded(decision_date: &str, until: &str) -> IntegrityEvent {
    IntegrityEvent::IntegrityRecorded {
        case_id: "c-1".into(),
        org: org(),
        severity: Severity::Serious,
        decision_date: day(decision_date),
        bar: Some(Bar {
            from: day(decision_date),
            until: day(until),
            years: 3,
        }),
        recover: vec![],
        recorded_on: day(decision_date),
    }
}

fn record(bar_years: Option<u32>, recover: Vec<Recovery>) -> IntegrityCommand {
    IntegrityCommand::RecordInArchive {
        case_id: "c-1".into(),
        bar_years,
        recover,
    }
}

fn recovery(project: &str, amount: i64) -> Recovery {
    Recovery {
        project: project.into(),
        amount: fen(amount),
        disbursed: fen(1_000_000),
    }
}

fn state(events: Vec<IntegrityEvent>) -> IntegrityRecord {
    let mut record = IntegrityRecord::default();
    for e in events {
        record.apply(e);
    }
    record
}

// --- opening -------------------------------------------------------------------------------

#[test]
fn a_case_is_opened_from_a_report() {
    on("2024-04-01")
        .given_no_previous_events()
        .when(IntegrityCommand::OpenCase(open_cmd()))
        .then_expect_events(vec![opened()]);
}

#[test]
fn a_case_is_opened_from_a_clawback_referral() {
    let cmd = OpenIntegrityCase {
        source: CaseSource::ClawbackReferral {
            clawback_case: "cb-1".into(),
        },
        related_projects: vec![],
        ..open_cmd()
    };
    on("2024-04-01")
        .given(vec![opened()])
        .when(IntegrityCommand::OpenCase(OpenIntegrityCase {
            case_id: "c-2".into(),
            ..cmd
        }))
        .then_expect_events(vec![IntegrityEvent::IntegrityCaseOpened {
            case_id: "c-2".into(),
            org: org(),
            allegation: "伪造验收数据".into(),
            related_projects: vec![],
            source: CaseSource::ClawbackReferral {
                clawback_case: "cb-1".into(),
            },
            opened_on: day("2024-04-01"),
        }]);
}

#[test]
fn a_repeated_case_id_is_refused_as_already_opened() {
    on("2024-04-02")
        .given(vec![opened()])
        .when(IntegrityCommand::OpenCase(open_cmd()))
        .then_expect_error(IntegrityError::CaseAlreadyOpened {
            case_id: "c-1".into(),
        });
}

#[test]
fn a_case_against_another_organisation_is_refused() {
    let other = OrgCode::parse("91320583MA1KC00371").unwrap();
    on("2024-04-02")
        .given(vec![opened()])
        .when(IntegrityCommand::OpenCase(OpenIntegrityCase {
            case_id: "c-2".into(),
            org: other,
            ..open_cmd()
        }))
        .then_expect_error(IntegrityError::OrganisationMismatch {
            record: "91320583MA1KC00296".into(),
            asked: "91320583MA1KC00371".into(),
        });
}

#[test]
fn a_case_without_an_allegation_is_refused() {
    on("2024-04-01")
        .given_no_previous_events()
        .when(IntegrityCommand::OpenCase(OpenIntegrityCase {
            allegation: " ".into(),
            ..open_cmd()
        }))
        .then_expect_error(IntegrityError::Required("allegation"));
}

// --- determination -------------------------------------------------------------------------

fn determine(severity: Severity, date: &str) -> IntegrityCommand {
    IntegrityCommand::DetermineViolation {
        case_id: "c-1".into(),
        severity,
        decision_date: day(date),
        findings_ref: "调查报告〔2024〕3号".into(),
    }
}

#[test]
fn a_serious_violation_is_determined() {
    on("2024-05-10")
        .given(vec![opened()])
        .when(determine(Severity::Serious, "2024-05-10"))
        .then_expect_events(vec![determined(Severity::Serious, "2024-05-10")]);
}

#[test]
fn a_decision_dated_in_the_future_is_refused() {
    on("2024-05-09")
        .given(vec![opened()])
        .when(determine(Severity::Serious, "2024-05-10"))
        .then_expect_error(IntegrityError::DecisionInFuture {
            date: day("2024-05-10"),
        });
}

#[test]
fn determining_an_unknown_case_is_refused() {
    on("2024-05-10")
        .given(vec![opened()])
        .when(IntegrityCommand::DetermineViolation {
            case_id: "nope".into(),
            severity: Severity::General,
            decision_date: day("2024-05-10"),
            findings_ref: "x".into(),
        })
        .then_expect_error(IntegrityError::UnknownCase {
            case_id: "nope".into(),
        });
}

#[test]
fn a_case_is_determined_only_once() {
    on("2024-05-11")
        .given(vec![opened(), determined(Severity::General, "2024-05-10")])
        .when(determine(Severity::Serious, "2024-05-11"))
        .then_expect_error(IntegrityError::InvalidTransition {
            status: "determined",
            action: "determine",
        });
}

#[test]
fn an_open_case_is_dismissed() {
    on("2024-05-10")
        .given(vec![opened()])
        .when(IntegrityCommand::Dismiss {
            case_id: "c-1".into(),
            reason: "证据不足".into(),
        })
        .then_expect_events(vec![IntegrityEvent::IntegrityCaseDismissed {
            case_id: "c-1".into(),
            reason: "证据不足".into(),
            dismissed_on: day("2024-05-10"),
        }]);
}

#[test]
fn a_determined_case_is_not_dismissed() {
    on("2024-05-10")
        .given(vec![opened(), determined(Severity::General, "2024-05-10")])
        .when(IntegrityCommand::Dismiss {
            case_id: "c-1".into(),
            reason: "证据不足".into(),
        })
        .then_expect_error(IntegrityError::InvalidTransition {
            status: "determined",
            action: "dismiss",
        });
}

// --- recording -----------------------------------------------------------------------------

#[test]
fn a_serious_violation_bars_for_3_years_and_refers_each_recovery() {
    on("2024-05-12")
        .given(vec![opened(), determined(Severity::Serious, "2024-05-10")])
        .when(record(
            None,
            vec![recovery("p-1", 400_000), recovery("p-2", 1_000_000)],
        ))
        .then_expect_events(vec![
            IntegrityEvent::IntegrityRecorded {
                case_id: "c-1".into(),
                org: org(),
                severity: Severity::Serious,
                decision_date: day("2024-05-10"),
                bar: Some(Bar {
                    from: day("2024-05-10"),
                    until: day("2027-05-10"),
                    years: 3,
                }),
                recover: vec![recovery("p-1", 400_000), recovery("p-2", 1_000_000)],
                recorded_on: day("2024-05-12"),
            },
            IntegrityEvent::RecoveryReferred {
                case_id: "c-1".into(),
                project: "p-1".into(),
                debtor: org(),
                amount: fen(400_000),
                disbursed: fen(1_000_000),
            },
            IntegrityEvent::RecoveryReferred {
                case_id: "c-1".into(),
                project: "p-2".into(),
                debtor: org(),
                amount: fen(1_000_000),
                disbursed: fen(1_000_000),
            },
        ]);
}

#[test]
fn a_longer_bar_may_be_set() {
    on("2024-05-10")
        .given(vec![opened(), determined(Severity::Serious, "2024-05-10")])
        .when(record(Some(5), vec![]))
        .then_expect_events(vec![IntegrityEvent::IntegrityRecorded {
            case_id: "c-1".into(),
            org: org(),
            severity: Severity::Serious,
            decision_date: day("2024-05-10"),
            bar: Some(Bar {
                from: day("2024-05-10"),
                until: day("2029-05-10"),
                years: 5,
            }),
            recover: vec![],
            recorded_on: day("2024-05-10"),
        }]);
}

#[test]
fn a_bar_shorter_than_3_years_is_refused() {
    on("2024-05-10")
        .given(vec![opened(), determined(Severity::Serious, "2024-05-10")])
        .when(record(Some(2), vec![]))
        .then_expect_error(IntegrityError::BarTooShort {
            min_years: 3,
            asked: 2,
        });
}

#[test]
fn a_leap_day_bar_ends_on_the_28th_of_february() {
    on("2024-02-29")
        .given(vec![opened(), determined(Severity::Serious, "2024-02-29")])
        .when(record(None, vec![]))
        .then_expect_events(vec![IntegrityEvent::IntegrityRecorded {
            case_id: "c-1".into(),
            org: org(),
            severity: Severity::Serious,
            decision_date: day("2024-02-29"),
            bar: Some(Bar {
                from: day("2024-02-29"),
                until: day("2027-02-28"),
                years: 3,
            }),
            recover: vec![],
            recorded_on: day("2024-02-29"),
        }]);
}

#[test]
fn a_general_violation_is_recorded_without_a_bar() {
    on("2024-05-10")
        .given(vec![opened(), determined(Severity::General, "2024-05-10")])
        .when(record(None, vec![]))
        .then_expect_events(vec![IntegrityEvent::IntegrityRecorded {
            case_id: "c-1".into(),
            org: org(),
            severity: Severity::General,
            decision_date: day("2024-05-10"),
            bar: None,
            recover: vec![],
            recorded_on: day("2024-05-10"),
        }]);
}

#[test]
fn a_bar_for_a_general_violation_is_refused() {
    on("2024-05-10")
        .given(vec![opened(), determined(Severity::General, "2024-05-10")])
        .when(record(Some(3), vec![]))
        .then_expect_error(IntegrityError::BarForGeneralViolation);
}

#[test]
fn a_recovery_for_a_general_violation_is_refused() {
    on("2024-05-10")
        .given(vec![opened(), determined(Severity::General, "2024-05-10")])
        .when(record(None, vec![recovery("p-1", 1)]))
        .then_expect_error(IntegrityError::RecoveryWithoutSeriousViolation);
}

#[test]
fn a_recovery_for_an_unrelated_project_is_refused() {
    on("2024-05-10")
        .given(vec![opened(), determined(Severity::Serious, "2024-05-10")])
        .when(record(None, vec![recovery("p-9", 1)]))
        .then_expect_error(IntegrityError::RecoveryForUnrelatedProject {
            project: "p-9".into(),
        });
}

#[test]
fn a_project_named_twice_is_refused() {
    on("2024-05-10")
        .given(vec![opened(), determined(Severity::Serious, "2024-05-10")])
        .when(record(None, vec![recovery("p-1", 1), recovery("p-1", 2)]))
        .then_expect_error(IntegrityError::DuplicateRecovery {
            project: "p-1".into(),
        });
}

#[test]
fn a_recovery_of_zero_is_refused() {
    on("2024-05-10")
        .given(vec![opened(), determined(Severity::Serious, "2024-05-10")])
        .when(record(None, vec![recovery("p-1", 0)]))
        .then_expect_error(IntegrityError::AmountNotPositive);
}

#[test]
fn a_recovery_above_the_disbursed_total_is_refused() {
    on("2024-05-10")
        .given(vec![opened(), determined(Severity::Serious, "2024-05-10")])
        .when(record(None, vec![recovery("p-1", 1_000_001)]))
        .then_expect_error(IntegrityError::RecoveryAboveDisbursed {
            project: "p-1".into(),
            disbursed_fen: 1_000_000,
            asked_fen: 1_000_001,
        });
}

#[test]
fn an_undetermined_case_is_not_recorded() {
    on("2024-05-10")
        .given(vec![opened()])
        .when(record(None, vec![]))
        .then_expect_error(IntegrityError::InvalidTransition {
            status: "opened",
            action: "record",
        });
}

// --- revocation ----------------------------------------------------------------------------

fn revoke() -> IntegrityCommand {
    IntegrityCommand::RevokeRecord {
        case_id: "c-1".into(),
        reason: "复核撤销原认定".into(),
        decision_ref: "复核决定〔2025〕1号".into(),
    }
}

#[test]
fn a_record_is_revoked_on_appeal() {
    on("2025-01-15")
        .given(vec![
            opened(),
            determined(Severity::Serious, "2024-05-10"),
            recorded("2024-05-10", "2027-05-10"),
        ])
        .when(revoke())
        .then_expect_events(vec![IntegrityEvent::IntegrityRecordRevoked {
            case_id: "c-1".into(),
            reason: "复核撤销原认定".into(),
            decision_ref: "复核决定〔2025〕1号".into(),
            revoked_on: day("2025-01-15"),
        }]);
}

#[test]
fn only_a_recorded_case_is_revoked() {
    on("2025-01-15")
        .given(vec![opened(), determined(Severity::Serious, "2024-05-10")])
        .when(revoke())
        .then_expect_error(IntegrityError::InvalidTransition {
            status: "determined",
            action: "revoke",
        });
}

#[test]
fn a_revocation_needs_its_decision_reference() {
    on("2025-01-15")
        .given(vec![
            opened(),
            determined(Severity::Serious, "2024-05-10"),
            recorded("2024-05-10", "2027-05-10"),
        ])
        .when(IntegrityCommand::RevokeRecord {
            case_id: "c-1".into(),
            reason: "复核撤销原认定".into(),
            decision_ref: "".into(),
        })
        .then_expect_error(IntegrityError::Required("decision_ref"));
}

// --- the bar -------------------------------------------------------------------------------

#[test]
fn the_bar_holds_on_the_day_before_the_anniversary_and_lifts_on_it() {
    let record = state(vec![
        opened(),
        determined(Severity::Serious, "2024-05-10"),
        recorded("2024-05-10", "2027-05-10"),
    ]);
    assert!(!record.is_barred(day("2024-05-09")));
    assert!(record.is_barred(day("2024-05-10")));
    assert!(record.is_barred(day("2027-05-09")));
    assert_eq!(
        record.barred_until(day("2027-05-09")),
        Some(day("2027-05-10"))
    );
    assert!(!record.is_barred(day("2027-05-10")));
}

#[test]
fn a_leap_day_bar_lifts_on_the_28th_of_february_2027() {
    let record = state(vec![
        opened(),
        determined(Severity::Serious, "2024-02-29"),
        IntegrityEvent::IntegrityRecorded {
            case_id: "c-1".into(),
            org: org(),
            severity: Severity::Serious,
            decision_date: day("2024-02-29"),
            bar: Some(Bar::new(day("2024-02-29"), 3)),
            recover: vec![],
            recorded_on: day("2024-02-29"),
        },
    ]);
    assert!(record.is_barred(day("2027-02-27")));
    assert!(!record.is_barred(day("2027-02-28")));
}

#[test]
fn a_revocation_ends_the_bar_from_its_date() {
    let record = state(vec![
        opened(),
        determined(Severity::Serious, "2024-05-10"),
        recorded("2024-05-10", "2027-05-10"),
        IntegrityEvent::IntegrityRecordRevoked {
            case_id: "c-1".into(),
            reason: "复核撤销原认定".into(),
            decision_ref: "复核决定〔2025〕1号".into(),
            revoked_on: day("2025-01-15"),
        },
    ]);
    assert!(record.is_barred(day("2025-01-14")));
    assert_eq!(
        record.barred_until(day("2025-01-14")),
        Some(day("2025-01-15"))
    );
    assert!(!record.is_barred(day("2025-01-15")));
    assert!(!record.is_barred(day("2026-01-01")));
}

#[test]
fn a_general_record_never_bars() {
    let record = state(vec![
        opened(),
        determined(Severity::General, "2024-05-10"),
        IntegrityEvent::IntegrityRecorded {
            case_id: "c-1".into(),
            org: org(),
            severity: Severity::General,
            decision_date: day("2024-05-10"),
            bar: None,
            recover: vec![],
            recorded_on: day("2024-05-10"),
        },
    ]);
    assert!(!record.is_barred(day("2024-05-10")));
}
