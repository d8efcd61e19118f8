//! Time travel is faithful for clawback cases and integrity records: for random sequences of
//! valid and refused commands, the state the audit registry rebuilds at version N equals the
//! live aggregate right after the command that wrote event N, on both stores.
//!
//! As in state_at_version_consortia.rs, one step in four is any command at all (most are
//! refused where they land); the others take the next step of the life cycle from the live
//! state, with amounts and dates read off the live state and the clock.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod time_travel;

use std::sync::Arc;

use chrono::{NaiveDate, TimeDelta};
use clawback::{
    Basis, BasisKind, ClawbackCase, ClawbackCommand, ClawbackServices, ClawbackStatus,
    ClawbackTerms, EscalationRoute, IssueNotice, ObjectionDecision, OpenClawback, Subject,
};
use integrity::{
    CaseSource, CaseStatus, IntegrityCommand, IntegrityRecord, IntegrityServices,
    OpenIntegrityCase, Recovery, Severity,
};
use kernel::{Money, OrgCode, WorkingCalendar};
use store::Backend;
use time_travel::{rebuilt_equals_live, Script, Step};

const DEBTOR: &str = "91320583MA1KC00296";
const OTHER: &str = "91320583MA1KC00371";

fn org(code: &str) -> OrgCode {
    OrgCode::parse(code).unwrap()
}

fn days(n: impl Into<i64>) -> TimeDelta {
    TimeDelta::days(n.into())
}

/// `fen` divided by `by`, at least one fen.
fn part(money: Money, by: i64) -> Money {
    Money::from_fen((money.fen() / by).max(1))
}

// ---- clawback case ----

type K = ClawbackCommand;

fn open_case(n: u8) -> K {
    let subject = if n % 4 == 3 {
        Subject::Consortium(format!("c-{}", n % 2))
    } else {
        Subject::Project(format!("p-{}", n % 3))
    };
    K::Open(OpenClawback {
        subject,
        debtor: org(DEBTOR),
        basis: Basis {
            kind: [
                BasisKind::ProjectFailed,
                BasisKind::ProjectTerminated,
                BasisKind::IntegrityRecorded,
                BasisKind::OfficerDecision,
            ][usize::from(n % 4)],
            // An empty reference is refused.
            reference: if n == 14 {
                String::new()
            } else {
                format!("昆科追〔2027〕{n}号")
            },
        },
        amount: Money::from_wan_yuan(i64::from(n % 5) + 1),
        // Above what may still be claimed when n is 15: refused.
        disbursed_to_subject: Money::from_wan_yuan(if n == 15 { 4 } else { 10 }),
        owed_in_other_cases: Money::from_wan_yuan(if n == 15 { 1 } else { 0 }),
        recipients: vec![org(DEBTOR)],
        opened_by: "officer-1".into(),
        referral: n.is_multiple_of(2).then(|| format!("project/p-{n}/3")),
    })
}

fn notice(n: u8, today: NaiveDate) -> K {
    K::IssueNotice(match n {
        // A notice dated tomorrow, and a due date before the notice: both refused.
        15 => IssueNotice {
            issued_on: Some(today + days(1)),
            ..IssueNotice::default()
        },
        13 => IssueNotice {
            due_on: Some(today - days(1)),
            ..IssueNotice::default()
        },
        _ if n % 4 == 1 => IssueNotice {
            issued_on: Some(today - days(2)),
            due_on: Some(today + days(10)),
            objection_deadline: Some(today + days(3)),
        },
        _ => IssueNotice::default(),
    })
}

fn object(n: u8) -> K {
    K::FileObjection {
        grounds: if n == 14 {
            String::new()
        } else {
            "已按期整改,不应追回".into()
        },
        hearing_requested: n.is_multiple_of(2),
    }
}

fn decide(n: u8, live: &ClawbackCase) -> K {
    K::DecideObjection(match n % 3 {
        0 => ObjectionDecision::Confirm,
        1 => ObjectionDecision::Revise {
            new_owed: match n {
                // Raising the claim, or cutting it below what was repaid: refused.
                13 => live.owed.checked_add(Money::from_fen(1)).unwrap(),
                7 if live.repaid.is_positive() => part(live.repaid, 2),
                _ => part(live.owed, 2).max(live.repaid.checked_add(live.waived).unwrap()),
            },
        },
        _ => ObjectionDecision::Withdraw {
            reason: if n == 14 {
                String::new()
            } else {
                "异议成立".into()
            },
        },
    })
}

fn repay(n: u8, live: &ClawbackCase, today: NaiveDate) -> K {
    let outstanding = live.outstanding();
    K::RecordRepayment {
        amount: match n {
            // Overpaying is refused.
            15 => outstanding.checked_add(Money::from_fen(1)).unwrap(),
            _ if n.is_multiple_of(4) => outstanding,
            _ => part(outstanding, 3),
        },
        paid_on: if n == 13 { today + days(1) } else { today },
        treasury_receipt_ref: if n == 14 {
            String::new()
        } else {
            format!("缴款书-{n}")
        },
    }
}

fn escalate(n: u8) -> K {
    K::Escalate {
        route: if n.is_multiple_of(2) {
            EscalationRoute::Judicial
        } else {
            EscalationRoute::IntegrityReferral
        },
    }
}

fn waive(n: u8, live: &ClawbackCase) -> K {
    let outstanding = live.outstanding();
    K::WaiveRemainder {
        amount: match n {
            15 => outstanding.checked_add(Money::from_fen(1)).unwrap(),
            _ if n.is_multiple_of(4) => outstanding,
            _ => part(outstanding, 4),
        },
        reason: "债务人已注销,无法追缴".into(),
        // The officer who opened the case cannot approve its waiver.
        approved_by: if n == 13 {
            "officer-1".into()
        } else {
            "officer-2".into()
        },
    }
}

/// Any clawback command, chosen by `which`.
fn any_case(which: u8, n: u8, live: &ClawbackCase, today: NaiveDate) -> Step<K> {
    Step::Run(match which % 11 {
        0 => open_case(n),
        1 => notice(n, today),
        2 => object(n),
        3 => decide(n, live),
        4 => repay(n, live, today),
        5 => K::MarkOverdue,
        6 => escalate(n),
        7 => waive(n, live),
        8 => K::Close,
        9 => return Step::Wait(days(n)),
        _ => return Step::Wait(days(3 * i64::from(n))),
    })
}

/// Waits for the day after the due date, then marks the case overdue.
fn overdue(live: &ClawbackCase, today: NaiveDate) -> Step<K> {
    match live.due_on {
        Some(due) if due >= today => Step::Wait(due - today + days(1)),
        _ => Step::Run(K::MarkOverdue),
    }
}

/// open → notice → objection (within its deadline) → decision → repayments → overdue once the
/// due date passes → escalation → waiver by a second officer → settled → closed.
fn case_step(kind: u8, n: u8, live: &ClawbackCase, today: NaiveDate) -> Step<K> {
    if kind.is_multiple_of(4) {
        return any_case(kind / 4, n, live, today);
    }
    Step::Run(match live.status {
        ClawbackStatus::New => open_case(n),
        ClawbackStatus::Opened => notice(n, today),
        ClawbackStatus::NoticeIssued => match n % 4 {
            0 | 3 if live.objection_deadline.is_some_and(|d| today <= d) => object(n),
            1 => repay(n, live, today),
            _ => return overdue(live, today),
        },
        ClawbackStatus::ObjectionPending if n % 8 == 5 => repay(n, live, today),
        ClawbackStatus::ObjectionPending => decide(n, live),
        ClawbackStatus::AwaitingRepayment | ClawbackStatus::PartiallyRepaid => match n % 3 {
            0 => repay(n, live, today),
            1 => waive(n, live),
            _ => return overdue(live, today),
        },
        ClawbackStatus::Overdue => match n % 3 {
            0 | 1 => escalate(n),
            _ => repay(n, live, today),
        },
        ClawbackStatus::Escalated => match n % 2 {
            0 => repay(n, live, today),
            _ => waive(n, live),
        },
        ClawbackStatus::Settled | ClawbackStatus::Withdrawn => K::Close,
        ClawbackStatus::Closed => return any_case(n, n, live, today),
    })
}

fn case_script() -> Script<ClawbackCase> {
    Script {
        start: "2027-03-01T01:00:00Z",
        services: |clock| {
            ClawbackServices::new(
                Arc::new(clock),
                Arc::new(WorkingCalendar::new(["2027-04-05".parse().unwrap()])),
                ClawbackTerms::default(),
            )
        },
        step: case_step,
        kinds: 44,
        length: 1..30,
        pace_days: 1,
        min_events: 130,
        must_reach: &[
            "ClawbackOpened",
            "RecoveryNoticeIssued",
            "ObjectionFiled",
            "AmountConfirmed",
            "AmountRevised",
            "ClawbackWithdrawn",
            "RepaymentRecorded",
            "RepaymentOverdue",
            "ClawbackEscalated",
            "RemainderWaived",
            "ClawbackSettled",
            "ClawbackClosed",
        ],
    }
}

#[test]
fn clawback_case_state_at_each_version_equals_the_live_state_on_sqlite() {
    rebuilt_equals_live(Backend::Sqlite, case_script());
}

#[test]
fn clawback_case_state_at_each_version_equals_the_live_state_on_postgres() {
    rebuilt_equals_live(Backend::Postgres, case_script());
}

// ---- integrity record ----

type I = IntegrityCommand;

const PROJECTS: [&str; 3] = ["p-1", "p-2", "p-3"];

fn first(live: &IntegrityRecord, status: CaseStatus) -> Option<&integrity::IntegrityCase> {
    live.cases.iter().find(|c| c.status == status)
}

fn case_id(live: &IntegrityRecord, status: CaseStatus, n: u8) -> String {
    first(live, status).map_or_else(|| format!("case-{}", n % 3 + 1), |c| c.id.clone())
}

fn open_integrity(n: u8, live: &IntegrityRecord) -> I {
    I::OpenCase(OpenIntegrityCase {
        // A case id used before is refused.
        case_id: if n == 15 {
            "case-1".into()
        } else {
            format!("case-{}", live.cases.len() + 1)
        },
        // Another organisation than the record's is refused.
        org: org(if n == 14 && live.org.is_some() {
            OTHER
        } else {
            DEBTOR
        }),
        allegation: if n == 13 {
            String::new()
        } else {
            "伪造验收测试数据".into()
        },
        related_projects: PROJECTS[..usize::from(n % 3)]
            .iter()
            .map(|p| p.to_string())
            .collect(),
        source: if n.is_multiple_of(2) {
            CaseSource::Report {
                reference: format!("举报〔2027〕{n}号"),
            }
        } else {
            CaseSource::ClawbackReferral {
                clawback_case: format!("clawback-{n}"),
            }
        },
    })
}

fn determine(n: u8, live: &IntegrityRecord, today: NaiveDate) -> I {
    I::DetermineViolation {
        case_id: case_id(live, CaseStatus::Opened, n),
        severity: if n % 3 == 2 {
            Severity::General
        } else {
            Severity::Serious
        },
        // A decision dated tomorrow is refused.
        decision_date: if n == 15 {
            today + days(1)
        } else {
            today - days(n % 3)
        },
        findings_ref: if n == 14 {
            String::new()
        } else {
            format!("调查报告〔2027〕{n}号")
        },
    }
}

fn dismiss(n: u8, live: &IntegrityRecord) -> I {
    I::Dismiss {
        case_id: case_id(live, CaseStatus::Opened, n),
        reason: if n == 14 {
            String::new()
        } else {
            "证据不足".into()
        },
    }
}

fn record(n: u8, live: &IntegrityRecord) -> I {
    let case = first(live, CaseStatus::Determined);
    let serious = case.is_some_and(|c| c.severity == Some(Severity::Serious));
    let related = case.map_or_else(Vec::new, |c| c.related_projects.clone());
    let bar_years = match n {
        // Too short for a serious violation; any bar for a general one: refused.
        15 => Some(2),
        14 => Some(3),
        _ if serious && n % 3 == 1 => Some(5),
        _ => None,
    };
    let recover = if (serious && !n.is_multiple_of(3)) || n == 13 {
        related
            .iter()
            .map(|p| Recovery {
                project: p.clone(),
                amount: Money::from_wan_yuan(i64::from(n % 4) + 1),
                // Above what was disbursed when n is 12: refused.
                disbursed: Money::from_wan_yuan(if n == 12 { 1 } else { 8 }),
            })
            .collect()
    } else {
        Vec::new()
    };
    I::RecordInArchive {
        case_id: case_id(live, CaseStatus::Determined, n),
        bar_years,
        recover,
    }
}

fn revoke(n: u8, live: &IntegrityRecord) -> I {
    I::RevokeRecord {
        case_id: case_id(live, CaseStatus::Recorded, n),
        reason: "复核撤销原认定".into(),
        decision_ref: if n == 14 {
            String::new()
        } else {
            format!("复核决定〔2027〕{n}号")
        },
    }
}

/// Any integrity command, chosen by `which`.
fn any_record(which: u8, n: u8, live: &IntegrityRecord, today: NaiveDate) -> Step<I> {
    Step::Run(match which % 6 {
        0 => open_integrity(n, live),
        1 => determine(n, live, today),
        2 => dismiss(n, live),
        3 => record(n, live),
        4 => revoke(n, live),
        _ => return Step::Wait(days(30 * i64::from(n))),
    })
}

/// open a case → determine (serious or general) or dismiss → record in the archive (a bar and
/// recoveries for a serious one) → revoke on appeal; then further cases on the same record.
fn record_step(kind: u8, n: u8, live: &IntegrityRecord, today: NaiveDate) -> Step<I> {
    if kind.is_multiple_of(4) {
        return any_record(kind / 4, n, live, today);
    }
    let has = |status| first(live, status).is_some();
    Step::Run(
        if has(CaseStatus::Opened) && !(live.cases.len() < 4 && n == 0) {
            if n % 4 == 3 {
                dismiss(n, live)
            } else {
                determine(n, live, today)
            }
        } else if has(CaseStatus::Determined) {
            record(n, live)
        } else if has(CaseStatus::Recorded) && n.is_multiple_of(3) {
            revoke(n, live)
        } else {
            open_integrity(n, live)
        },
    )
}

fn record_script() -> Script<IntegrityRecord> {
    Script {
        start: "2027-03-01T01:00:00Z",
        services: |clock| IntegrityServices::new(Arc::new(clock)),
        step: record_step,
        kinds: 24,
        length: 1..30,
        pace_days: 5,
        min_events: 280,
        must_reach: &[
            "IntegrityCaseOpened",
            "ViolationDetermined",
            "IntegrityCaseDismissed",
            "IntegrityRecorded",
            "RecoveryReferred",
            "IntegrityRecordRevoked",
        ],
    }
}

#[test]
fn integrity_record_state_at_each_version_equals_the_live_state_on_sqlite() {
    rebuilt_equals_live(Backend::Sqlite, record_script());
}

#[test]
fn integrity_record_state_at_each_version_equals_the_live_state_on_postgres() {
    rebuilt_equals_live(Backend::Postgres, record_script());
}
