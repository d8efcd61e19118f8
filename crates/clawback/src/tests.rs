use std::sync::Arc;

use chrono::{DateTime, NaiveDate, Utc};
use cqrs_es::test::TestFramework;
use kernel::{FixedClock, Money, OrgCode, WorkingCalendar};

use crate::*;

type Framework = TestFramework<ClawbackCase>;

const OPENER: &str = "officer-1";
const SECOND: &str = "officer-2";

fn day(text: &str) -> NaiveDate {
    text.parse().unwrap()
}

/// A framework whose clock reads 10:00 Shanghai on `date`.
fn on(date: &str) -> Framework {
    let now: DateTime<Utc> = DateTime::parse_from_rfc3339(&format!("{date}T10:00:00+08:00"))
        .unwrap()
        .into();
    Framework::with(ClawbackServices::new(
        Arc::new(FixedClock::new(now)),
        Arc::new(WorkingCalendar::default()),
        ClawbackTerms::default(),
    ))
}

fn fen(n: i64) -> Money {
    Money::from_fen(n)
}

fn debtor() -> OrgCode {
    OrgCode::parse("91320583MA1KC00296").unwrap()
}

fn subject() -> Subject {
    Subject::Project("p-1".into())
}

fn basis() -> Basis {
    Basis {
        kind: BasisKind::OfficerDecision,
        reference: "昆科追〔2027〕1号".into(),
    }
}

fn open_cmd(amount: i64) -> OpenClawback {
    OpenClawback {
        subject: subject(),
        debtor: debtor(),
        basis: basis(),
        amount: fen(amount),
        disbursed_to_subject: fen(1_000_000),
        owed_in_other_cases: fen(200_000),
        recipients: vec![debtor()],
        opened_by: OPENER.into(),
        referral: None,
    }
}

fn opened() -> ClawbackEvent {
    ClawbackEvent::ClawbackOpened {
        subject: subject(),
        debtor: debtor(),
        basis: basis(),
        owed: fen(500_000),
        disbursed_to_subject: fen(1_000_000),
        owed_in_other_cases: fen(200_000),
        opened_by: OPENER.into(),
        referral: None,
        opened_on: day("2027-03-01"),
    }
}

/// Issued Wednesday 2027-03-03: due 2027-03-18; objections through Wednesday 2027-03-10.
fn noticed() -> ClawbackEvent {
    ClawbackEvent::RecoveryNoticeIssued {
        issued_on: day("2027-03-03"),
        due_on: day("2027-03-18"),
        objection_deadline: day("2027-03-10"),
    }
}

fn objected() -> ClawbackEvent {
    ClawbackEvent::ObjectionFiled {
        grounds: "部分支出已用于合同约定用途".into(),
        hearing_requested: true,
        filed_on: day("2027-03-05"),
    }
}

fn repaid(amount: i64, total: i64, outstanding: i64) -> ClawbackEvent {
    ClawbackEvent::RepaymentRecorded {
        amount: fen(amount),
        paid_on: day("2027-03-08"),
        treasury_receipt_ref: format!("国库-{total}"),
        repaid_total: fen(total),
        outstanding: fen(outstanding),
    }
}

fn overdue() -> ClawbackEvent {
    ClawbackEvent::RepaymentOverdue {
        due_on: day("2027-03-18"),
        outstanding: fen(500_000),
        marked_on: day("2027-03-19"),
    }
}

fn settled(date: &str) -> ClawbackEvent {
    ClawbackEvent::ClawbackSettled {
        settled_on: day(date),
    }
}

fn repayment(amount: i64, receipt: &str) -> ClawbackCommand {
    ClawbackCommand::RecordRepayment {
        amount: fen(amount),
        paid_on: day("2027-03-08"),
        treasury_receipt_ref: receipt.into(),
    }
}

fn waiver(amount: i64, approved_by: &str) -> ClawbackCommand {
    ClawbackCommand::WaiveRemainder {
        amount: fen(amount),
        reason: "债务人已注销,无可执行财产".into(),
        approved_by: approved_by.into(),
    }
}

// --- opening -------------------------------------------------------------------------------

#[test]
fn opening_records_the_amount_owed() {
    on("2027-03-01")
        .given_no_previous_events()
        .when(ClawbackCommand::Open(open_cmd(500_000)))
        .then_expect_events(vec![opened()]);
}

#[test]
fn the_claim_may_reach_the_disbursed_total_net_of_other_cases_but_not_one_fen_more() {
    on("2027-03-01")
        .given_no_previous_events()
        .when(ClawbackCommand::Open(open_cmd(800_000)))
        .inspect_result()
        .unwrap();
    on("2027-03-01")
        .given_no_previous_events()
        .when(ClawbackCommand::Open(open_cmd(800_001)))
        .then_expect_error(ClawbackError::AmountAboveRecoverable {
            recoverable_fen: 800_000,
            asked_fen: 800_001,
        });
}

#[test]
fn a_debtor_who_is_not_a_recipient_of_record_is_refused() {
    let mut cmd = open_cmd(500_000);
    cmd.recipients = vec![OrgCode::parse("91320583MA1KC00371").unwrap()];
    on("2027-03-01")
        .given_no_previous_events()
        .when(ClawbackCommand::Open(cmd))
        .then_expect_error(ClawbackError::DebtorNotRecipient {
            debtor: "91320583MA1KC00296".into(),
        });
}

#[test]
fn a_claim_of_zero_is_refused() {
    on("2027-03-01")
        .given_no_previous_events()
        .when(ClawbackCommand::Open(open_cmd(0)))
        .then_expect_error(ClawbackError::AmountNotPositive);
}

#[test]
fn a_claim_without_basis_reference_is_refused() {
    let mut cmd = open_cmd(100);
    cmd.basis.reference = " ".into();
    on("2027-03-01")
        .given_no_previous_events()
        .when(ClawbackCommand::Open(cmd))
        .then_expect_error(ClawbackError::Required("basis.reference"));
}

#[test]
fn a_repeated_referral_is_refused_as_already_opened() {
    let mut cmd = open_cmd(500_000);
    cmd.referral = Some("integrity_record/91320583MA1KC00296/3".into());
    on("2027-03-01")
        .given(vec![opened()])
        .when(ClawbackCommand::Open(cmd))
        .then_expect_error(ClawbackError::AlreadyOpened {
            referral: Some("integrity_record/91320583MA1KC00296/3".into()),
        });
}

#[test]
fn commands_on_a_case_never_opened_are_refused() {
    on("2027-03-01")
        .given_no_previous_events()
        .when(ClawbackCommand::MarkOverdue)
        .then_expect_error(ClawbackError::NotOpened);
}

// --- notice --------------------------------------------------------------------------------

#[test]
fn the_notice_defaults_to_15_days_to_repay_and_5_working_days_to_object() {
    on("2027-03-03")
        .given(vec![opened()])
        .when(ClawbackCommand::IssueNotice(IssueNotice::default()))
        .then_expect_events(vec![noticed()]);
}

#[test]
fn the_objection_period_skips_listed_holidays() {
    let now: DateTime<Utc> = DateTime::parse_from_rfc3339("2027-04-29T10:00:00+08:00")
        .unwrap()
        .into();
    let holidays = ["2027-05-03", "2027-05-04", "2027-05-05"].map(day);
    Framework::with(ClawbackServices::new(
        Arc::new(FixedClock::new(now)),
        Arc::new(WorkingCalendar::new(holidays)),
        ClawbackTerms::default(),
    ))
    .given(vec![opened()])
    .when(ClawbackCommand::IssueNotice(IssueNotice::default()))
    .then_expect_events(vec![ClawbackEvent::RecoveryNoticeIssued {
        issued_on: day("2027-04-29"),
        due_on: day("2027-05-14"),
        // Fri 30 Apr, Thu 6, Fri 7, Mon 10, Tue 11 May.
        objection_deadline: day("2027-05-11"),
    }]);
}

#[test]
fn configured_periods_and_explicit_dates_are_honoured() {
    let now: DateTime<Utc> = DateTime::parse_from_rfc3339("2027-03-03T10:00:00+08:00")
        .unwrap()
        .into();
    Framework::with(ClawbackServices::new(
        Arc::new(FixedClock::new(now)),
        Arc::new(WorkingCalendar::default()),
        ClawbackTerms {
            repay_days: 30,
            objection_working_days: 10,
        },
    ))
    .given(vec![opened()])
    .when(ClawbackCommand::IssueNotice(IssueNotice {
        issued_on: Some(day("2027-03-02")),
        due_on: None,
        objection_deadline: Some(day("2027-03-12")),
    }))
    .then_expect_events(vec![ClawbackEvent::RecoveryNoticeIssued {
        issued_on: day("2027-03-02"),
        due_on: day("2027-04-01"),
        objection_deadline: day("2027-03-12"),
    }]);
}

#[test]
fn a_notice_dated_in_the_future_is_refused() {
    on("2027-03-03")
        .given(vec![opened()])
        .when(ClawbackCommand::IssueNotice(IssueNotice {
            issued_on: Some(day("2027-03-04")),
            ..IssueNotice::default()
        }))
        .then_expect_error(ClawbackError::DateInFuture {
            field: "issued_on",
            date: day("2027-03-04"),
        });
}

#[test]
fn a_due_date_before_the_notice_is_refused() {
    on("2027-03-03")
        .given(vec![opened()])
        .when(ClawbackCommand::IssueNotice(IssueNotice {
            due_on: Some(day("2027-03-02")),
            ..IssueNotice::default()
        }))
        .then_expect_error(ClawbackError::DeadlineBeforeNotice { field: "due_on" });
}

#[test]
fn a_second_notice_is_refused() {
    on("2027-03-04")
        .given(vec![opened(), noticed()])
        .when(ClawbackCommand::IssueNotice(IssueNotice::default()))
        .then_expect_error(ClawbackError::InvalidTransition {
            status: "notice_issued",
            action: "issue a notice on",
        });
}

// --- objection -----------------------------------------------------------------------------

fn objection() -> ClawbackCommand {
    ClawbackCommand::FileObjection {
        grounds: "部分支出已用于合同约定用途".into(),
        hearing_requested: true,
    }
}

#[test]
fn an_objection_on_the_fifth_working_day_is_accepted() {
    on("2027-03-10")
        .given(vec![opened(), noticed()])
        .when(objection())
        .then_expect_events(vec![ClawbackEvent::ObjectionFiled {
            grounds: "部分支出已用于合同约定用途".into(),
            hearing_requested: true,
            filed_on: day("2027-03-10"),
        }]);
}

#[test]
fn an_objection_after_5_working_days_spanning_a_weekend_is_refused() {
    // Notice Wed 3 March: Thu, Fri, (weekend), Mon, Tue, Wed 10 March; Thu 11 is too late
    // although only 8 calendar days have passed.
    on("2027-03-11")
        .given(vec![opened(), noticed()])
        .when(objection())
        .then_expect_error(ClawbackError::ObjectionPeriodEnded {
            deadline: day("2027-03-10"),
        });
}

#[test]
fn an_objection_without_grounds_is_refused() {
    on("2027-03-05")
        .given(vec![opened(), noticed()])
        .when(ClawbackCommand::FileObjection {
            grounds: "".into(),
            hearing_requested: false,
        })
        .then_expect_error(ClawbackError::Required("grounds"));
}

#[test]
fn an_objection_before_the_notice_is_refused() {
    on("2027-03-05")
        .given(vec![opened()])
        .when(objection())
        .then_expect_error(ClawbackError::InvalidTransition {
            status: "opened",
            action: "object to",
        });
}

#[test]
fn confirming_resets_the_due_date_to_15_days_after_the_decision() {
    on("2027-03-12")
        .given(vec![opened(), noticed(), objected()])
        .when(ClawbackCommand::DecideObjection(ObjectionDecision::Confirm))
        .then_expect_events(vec![ClawbackEvent::AmountConfirmed {
            owed: fen(500_000),
            due_on: day("2027-03-27"),
            decided_on: day("2027-03-12"),
        }]);
}

#[test]
fn revising_reduces_the_claim_and_resets_the_due_date() {
    on("2027-03-12")
        .given(vec![
            opened(),
            noticed(),
            objected(),
            repaid(100_000, 100_000, 400_000),
        ])
        .when(ClawbackCommand::DecideObjection(
            ObjectionDecision::Revise {
                new_owed: fen(300_000),
            },
        ))
        .then_expect_events(vec![ClawbackEvent::AmountRevised {
            previous_owed: fen(500_000),
            owed: fen(300_000),
            outstanding: fen(200_000),
            due_on: day("2027-03-27"),
            decided_on: day("2027-03-12"),
        }]);
}

#[test]
fn revising_down_to_what_was_repaid_settles_the_case() {
    on("2027-03-12")
        .given(vec![
            opened(),
            noticed(),
            objected(),
            repaid(100_000, 100_000, 400_000),
        ])
        .when(ClawbackCommand::DecideObjection(
            ObjectionDecision::Revise {
                new_owed: fen(100_000),
            },
        ))
        .then_expect_events(vec![
            ClawbackEvent::AmountRevised {
                previous_owed: fen(500_000),
                owed: fen(100_000),
                outstanding: fen(0),
                due_on: day("2027-03-27"),
                decided_on: day("2027-03-12"),
            },
            settled("2027-03-12"),
        ]);
}

#[test]
fn a_reduction_below_what_was_repaid_is_refused() {
    on("2027-03-12")
        .given(vec![
            opened(),
            noticed(),
            objected(),
            repaid(100_000, 100_000, 400_000),
        ])
        .when(ClawbackCommand::DecideObjection(
            ObjectionDecision::Revise {
                new_owed: fen(99_999),
            },
        ))
        .then_expect_error(ClawbackError::RevisionBelowRepaid {
            repaid_fen: 100_000,
            asked_fen: 99_999,
        });
}

#[test]
fn an_objection_cannot_raise_the_claim() {
    on("2027-03-12")
        .given(vec![opened(), noticed(), objected()])
        .when(ClawbackCommand::DecideObjection(
            ObjectionDecision::Revise {
                new_owed: fen(500_001),
            },
        ))
        .then_expect_error(ClawbackError::RevisionAboveOwed {
            owed_fen: 500_000,
            asked_fen: 500_001,
        });
}

#[test]
fn a_revision_to_zero_is_refused() {
    on("2027-03-12")
        .given(vec![opened(), noticed(), objected()])
        .when(ClawbackCommand::DecideObjection(
            ObjectionDecision::Revise { new_owed: fen(0) },
        ))
        .then_expect_error(ClawbackError::AmountNotPositive);
}

#[test]
fn withdrawing_drops_the_claim_and_keeps_what_was_repaid() {
    on("2027-03-12")
        .given(vec![
            opened(),
            noticed(),
            objected(),
            repaid(100_000, 100_000, 400_000),
        ])
        .when(ClawbackCommand::DecideObjection(
            ObjectionDecision::Withdraw {
                reason: "听证后认定资金使用合规".into(),
            },
        ))
        .then_expect_events(vec![ClawbackEvent::ClawbackWithdrawn {
            reason: "听证后认定资金使用合规".into(),
            owed: fen(100_000),
            released: fen(400_000),
            decided_on: day("2027-03-12"),
        }]);
}

#[test]
fn deciding_without_a_pending_objection_is_refused() {
    on("2027-03-12")
        .given(vec![opened(), noticed()])
        .when(ClawbackCommand::DecideObjection(ObjectionDecision::Confirm))
        .then_expect_error(ClawbackError::InvalidTransition {
            status: "notice_issued",
            action: "decide an objection on",
        });
}

#[test]
fn a_second_objection_is_refused() {
    let confirmed = ClawbackEvent::AmountConfirmed {
        owed: fen(500_000),
        due_on: day("2027-03-21"),
        decided_on: day("2027-03-06"),
    };
    on("2027-03-08")
        .given(vec![opened(), noticed(), objected(), confirmed])
        .when(objection())
        .then_expect_error(ClawbackError::InvalidTransition {
            status: "awaiting_repayment",
            action: "object to",
        });
}

// --- repayment -----------------------------------------------------------------------------

#[test]
fn a_repayment_before_the_notice_is_refused() {
    on("2027-03-08")
        .given(vec![opened()])
        .when(repayment(100, "国库-1"))
        .then_expect_error(ClawbackError::NoticeNotIssued);
}

#[test]
fn a_partial_repayment_records_the_totals() {
    on("2027-03-08")
        .given(vec![opened(), noticed()])
        .when(repayment(200_000, "国库-200000"))
        .then_expect_events(vec![repaid(200_000, 200_000, 300_000)]);
}

#[test]
fn repaying_the_rest_settles_the_case() {
    on("2027-03-08")
        .given(vec![opened(), noticed(), repaid(200_000, 200_000, 300_000)])
        .when(repayment(300_000, "国库-500000"))
        .then_expect_events(vec![repaid(300_000, 500_000, 0), settled("2027-03-08")]);
}

#[test]
fn a_repayment_one_fen_over_outstanding_is_refused() {
    on("2027-03-08")
        .given(vec![opened(), noticed(), repaid(200_000, 200_000, 300_000)])
        .when(repayment(300_001, "国库-x"))
        .then_expect_error(ClawbackError::RepaymentAboveOutstanding {
            outstanding_fen: 300_000,
            asked_fen: 300_001,
        });
}

#[test]
fn a_repayment_without_a_treasury_receipt_is_refused() {
    on("2027-03-08")
        .given(vec![opened(), noticed()])
        .when(repayment(100, " "))
        .then_expect_error(ClawbackError::Required("treasury_receipt_ref"));
}

#[test]
fn a_repayment_of_zero_is_refused() {
    on("2027-03-08")
        .given(vec![opened(), noticed()])
        .when(repayment(0, "国库-0"))
        .then_expect_error(ClawbackError::AmountNotPositive);
}

#[test]
fn a_repayment_dated_in_the_future_is_refused() {
    on("2027-03-07")
        .given(vec![opened(), noticed()])
        .when(repayment(100, "国库-1"))
        .then_expect_error(ClawbackError::DateInFuture {
            field: "paid_on",
            date: day("2027-03-08"),
        });
}

#[test]
fn the_debtor_may_pay_while_an_objection_is_pending() {
    on("2027-03-08")
        .given(vec![opened(), noticed(), objected()])
        .when(repayment(100_000, "国库-100000"))
        .then_expect_events(vec![repaid(100_000, 100_000, 400_000)]);
}

// --- overdue and escalation ----------------------------------------------------------------

#[test]
fn a_case_is_not_overdue_on_its_due_date() {
    on("2027-03-18")
        .given(vec![opened(), noticed()])
        .when(ClawbackCommand::MarkOverdue)
        .then_expect_error(ClawbackError::NotYetDue {
            due_on: day("2027-03-18"),
        });
}

#[test]
fn a_case_is_overdue_the_day_after_its_due_date() {
    on("2027-03-19")
        .given(vec![opened(), noticed()])
        .when(ClawbackCommand::MarkOverdue)
        .then_expect_events(vec![overdue()]);
}

#[test]
fn a_pending_objection_suspends_the_overdue_check() {
    on("2027-04-30")
        .given(vec![opened(), noticed(), objected()])
        .when(ClawbackCommand::MarkOverdue)
        .then_expect_error(ClawbackError::ObjectionPending);
}

#[test]
fn a_case_already_overdue_is_not_marked_again() {
    on("2027-03-20")
        .given(vec![opened(), noticed(), overdue()])
        .when(ClawbackCommand::MarkOverdue)
        .then_expect_error(ClawbackError::InvalidTransition {
            status: "overdue",
            action: "mark overdue",
        });
}

#[test]
fn a_settled_case_is_never_overdue() {
    on("2027-04-30")
        .given(vec![
            opened(),
            noticed(),
            repaid(500_000, 500_000, 0),
            settled("2027-03-08"),
        ])
        .when(ClawbackCommand::MarkOverdue)
        .then_expect_error(ClawbackError::InvalidTransition {
            status: "settled",
            action: "mark overdue",
        });
}

#[test]
fn an_overdue_case_is_escalated_to_the_courts_or_the_integrity_archive() {
    for route in [
        EscalationRoute::Judicial,
        EscalationRoute::IntegrityReferral,
    ] {
        on("2027-03-25")
            .given(vec![opened(), noticed(), overdue()])
            .when(ClawbackCommand::Escalate { route })
            .then_expect_events(vec![ClawbackEvent::ClawbackEscalated {
                route,
                subject: subject(),
                debtor: debtor(),
                outstanding: fen(500_000),
                escalated_on: day("2027-03-25"),
            }]);
    }
}

#[test]
fn a_case_that_is_not_overdue_is_not_escalated() {
    on("2027-03-10")
        .given(vec![opened(), noticed()])
        .when(ClawbackCommand::Escalate {
            route: EscalationRoute::Judicial,
        })
        .then_expect_error(ClawbackError::InvalidTransition {
            status: "notice_issued",
            action: "escalate",
        });
}

// --- waiver --------------------------------------------------------------------------------

#[test]
fn a_waiver_approved_by_the_opener_is_refused() {
    on("2027-04-01")
        .given(vec![opened(), noticed(), repaid(200_000, 200_000, 300_000)])
        .when(waiver(300_000, OPENER))
        .then_expect_error(ClawbackError::WaiverNeedsSecondApprover);
}

#[test]
fn a_waiver_of_the_rest_by_a_second_officer_settles_the_case() {
    on("2027-04-01")
        .given(vec![opened(), noticed(), repaid(200_000, 200_000, 300_000)])
        .when(waiver(300_000, SECOND))
        .then_expect_events(vec![
            ClawbackEvent::RemainderWaived {
                amount: fen(300_000),
                reason: "债务人已注销,无可执行财产".into(),
                approved_by: SECOND.into(),
                waived_total: fen(300_000),
                outstanding: fen(0),
            },
            settled("2027-04-01"),
        ]);
}

#[test]
fn a_partial_waiver_leaves_the_case_open() {
    on("2027-04-01")
        .given(vec![opened(), noticed()])
        .when(waiver(100, SECOND))
        .then_expect_events(vec![ClawbackEvent::RemainderWaived {
            amount: fen(100),
            reason: "债务人已注销,无可执行财产".into(),
            approved_by: SECOND.into(),
            waived_total: fen(100),
            outstanding: fen(499_900),
        }]);
}

#[test]
fn a_waiver_above_outstanding_is_refused() {
    on("2027-04-01")
        .given(vec![opened(), noticed(), repaid(200_000, 200_000, 300_000)])
        .when(waiver(300_001, SECOND))
        .then_expect_error(ClawbackError::WaiverAboveOutstanding {
            outstanding_fen: 300_000,
            asked_fen: 300_001,
        });
}

#[test]
fn a_waiver_without_a_reason_is_refused() {
    on("2027-04-01")
        .given(vec![opened(), noticed()])
        .when(ClawbackCommand::WaiveRemainder {
            amount: fen(100),
            reason: "".into(),
            approved_by: SECOND.into(),
        })
        .then_expect_error(ClawbackError::Required("reason"));
}

#[test]
fn a_waiver_while_an_objection_is_pending_is_refused() {
    on("2027-03-08")
        .given(vec![opened(), noticed(), objected()])
        .when(waiver(100, SECOND))
        .then_expect_error(ClawbackError::ObjectionPending);
}

#[test]
fn a_settled_case_has_nothing_to_waive() {
    on("2027-04-01")
        .given(vec![
            opened(),
            noticed(),
            repaid(500_000, 500_000, 0),
            settled("2027-03-08"),
        ])
        .when(waiver(1, SECOND))
        .then_expect_error(ClawbackError::InvalidTransition {
            status: "settled",
            action: "waive the remainder of",
        });
}

// --- closing -------------------------------------------------------------------------------

#[test]
fn closing_with_money_outstanding_is_refused() {
    on("2027-04-01")
        .given(vec![opened(), noticed(), repaid(200_000, 200_000, 300_000)])
        .when(ClawbackCommand::Close)
        .then_expect_error(ClawbackError::NotSettled {
            outstanding_fen: 300_000,
        });
}

#[test]
fn a_settled_case_closes() {
    on("2027-04-02")
        .given(vec![
            opened(),
            noticed(),
            repaid(500_000, 500_000, 0),
            settled("2027-03-08"),
        ])
        .when(ClawbackCommand::Close)
        .then_expect_events(vec![ClawbackEvent::ClawbackClosed {
            closed_on: day("2027-04-02"),
        }]);
}

#[test]
fn a_withdrawn_case_closes() {
    let withdrawn = ClawbackEvent::ClawbackWithdrawn {
        reason: "听证后认定资金使用合规".into(),
        owed: fen(0),
        released: fen(500_000),
        decided_on: day("2027-03-12"),
    };
    on("2027-03-13")
        .given(vec![opened(), noticed(), objected(), withdrawn])
        .when(ClawbackCommand::Close)
        .then_expect_events(vec![ClawbackEvent::ClawbackClosed {
            closed_on: day("2027-03-13"),
        }]);
}

#[test]
fn a_closed_case_rejects_every_command() {
    let history = vec![
        opened(),
        noticed(),
        repaid(500_000, 500_000, 0),
        settled("2027-03-08"),
        ClawbackEvent::ClawbackClosed {
            closed_on: day("2027-03-09"),
        },
    ];
    let commands = vec![
        ClawbackCommand::IssueNotice(IssueNotice::default()),
        objection(),
        ClawbackCommand::DecideObjection(ObjectionDecision::Confirm),
        repayment(1, "国库-1"),
        ClawbackCommand::MarkOverdue,
        ClawbackCommand::Escalate {
            route: EscalationRoute::Judicial,
        },
        waiver(1, SECOND),
        ClawbackCommand::Close,
    ];
    for command in commands {
        on("2027-04-01")
            .given(history.clone())
            .when(command)
            .then_expect_error(ClawbackError::CaseClosed);
    }
    on("2027-04-01")
        .given(history)
        .when(ClawbackCommand::Open(open_cmd(1)))
        .then_expect_error(ClawbackError::AlreadyOpened { referral: None });
}

// --- the state -----------------------------------------------------------------------------

#[test]
fn outstanding_is_owed_less_repaid_less_waived() {
    use cqrs_es::Aggregate;
    let mut case = ClawbackCase::default();
    for e in [
        opened(),
        noticed(),
        repaid(200_000, 200_000, 300_000),
        ClawbackEvent::RemainderWaived {
            amount: fen(50_000),
            reason: "r".into(),
            approved_by: SECOND.into(),
            waived_total: fen(50_000),
            outstanding: fen(250_000),
        },
    ] {
        case.apply(e);
    }
    assert_eq!(case.outstanding(), fen(250_000));
    assert_eq!(case.status, ClawbackStatus::PartiallyRepaid);
    assert!(case.status.is_open());
}
