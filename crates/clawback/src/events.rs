use chrono::NaiveDate;
use cqrs_es::DomainEvent;
use kernel::{Money, OrgCode};
use serde::{Deserialize, Serialize};

use crate::{Basis, EscalationRoute, Subject};

/// What happened to a clawback case. Event names and versions never change once stored.
/// Every event that moves money carries the running totals, so views never recompute them.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum ClawbackEvent {
    /// The case was opened with the amount owed.
    ClawbackOpened {
        /// What the money was paid to.
        subject: Subject,
        /// Who must repay.
        debtor: OrgCode,
        /// The decision the claim rests on.
        basis: Basis,
        /// Amount owed.
        owed: Money,
        /// Total disbursed to the subject, as stated when opening.
        disbursed_to_subject: Money,
        /// What other open cases on the subject claimed when opening.
        owed_in_other_cases: Money,
        /// Who opened the case.
        opened_by: String,
        /// The causing event, for a process manager's case.
        referral: Option<String>,
        /// The date it was opened.
        opened_on: NaiveDate,
    },
    /// The recovery notice was issued.
    RecoveryNoticeIssued {
        /// Issue date.
        issued_on: NaiveDate,
        /// Last day to repay.
        due_on: NaiveDate,
        /// Last day to object.
        objection_deadline: NaiveDate,
    },
    /// The debtor objected or asked for a hearing.
    ObjectionFiled {
        /// Grounds.
        grounds: String,
        /// Whether a hearing was asked for.
        hearing_requested: bool,
        /// The date it was filed.
        filed_on: NaiveDate,
    },
    /// The objection was decided: the claim stands.
    AmountConfirmed {
        /// Amount owed (unchanged).
        owed: Money,
        /// New last day to repay.
        due_on: NaiveDate,
        /// Decision date.
        decided_on: NaiveDate,
    },
    /// The objection was decided: the claim was reduced.
    AmountRevised {
        /// Amount owed before.
        previous_owed: Money,
        /// Amount owed now.
        owed: Money,
        /// Outstanding after the reduction.
        outstanding: Money,
        /// New last day to repay.
        due_on: NaiveDate,
        /// Decision date.
        decided_on: NaiveDate,
    },
    /// The objection was decided: the claim was dropped. What was repaid or written off stays
    /// so; nothing more is owed.
    ClawbackWithdrawn {
        /// Why.
        reason: String,
        /// Amount owed from now on: what was repaid or written off before.
        owed: Money,
        /// The outstanding amount no longer claimed.
        released: Money,
        /// Decision date.
        decided_on: NaiveDate,
    },
    /// A repayment into the treasury was recorded.
    RepaymentRecorded {
        /// Amount paid.
        amount: Money,
        /// Payment date.
        paid_on: NaiveDate,
        /// Treasury receipt reference.
        treasury_receipt_ref: String,
        /// Total repaid so far.
        repaid_total: Money,
        /// Outstanding after this payment.
        outstanding: Money,
    },
    /// The due date passed with money outstanding.
    RepaymentOverdue {
        /// The due date that passed.
        due_on: NaiveDate,
        /// Outstanding at that time.
        outstanding: Money,
        /// The date it was marked.
        marked_on: NaiveDate,
    },
    /// The overdue case was escalated.
    ClawbackEscalated {
        /// Courts or integrity archive.
        route: EscalationRoute,
        /// What the money was paid to.
        subject: Subject,
        /// Who refuses to repay.
        debtor: OrgCode,
        /// Outstanding at escalation.
        outstanding: Money,
        /// Escalation date.
        escalated_on: NaiveDate,
    },
    /// Part or all of the outstanding amount was written off (核销).
    RemainderWaived {
        /// Amount written off.
        amount: Money,
        /// Why.
        reason: String,
        /// The approving officer.
        approved_by: String,
        /// Total written off so far.
        waived_total: Money,
        /// Outstanding after the waiver.
        outstanding: Money,
    },
    /// Nothing is outstanding any more.
    ClawbackSettled {
        /// Settlement date.
        settled_on: NaiveDate,
    },
    /// The case was closed (结案); final.
    ClawbackClosed {
        /// Closing date.
        closed_on: NaiveDate,
    },
}

impl DomainEvent for ClawbackEvent {
    fn event_type(&self) -> String {
        match self {
            ClawbackEvent::ClawbackOpened { .. } => "ClawbackOpened",
            ClawbackEvent::RecoveryNoticeIssued { .. } => "RecoveryNoticeIssued",
            ClawbackEvent::ObjectionFiled { .. } => "ObjectionFiled",
            ClawbackEvent::AmountConfirmed { .. } => "AmountConfirmed",
            ClawbackEvent::AmountRevised { .. } => "AmountRevised",
            ClawbackEvent::ClawbackWithdrawn { .. } => "ClawbackWithdrawn",
            ClawbackEvent::RepaymentRecorded { .. } => "RepaymentRecorded",
            ClawbackEvent::RepaymentOverdue { .. } => "RepaymentOverdue",
            ClawbackEvent::ClawbackEscalated { .. } => "ClawbackEscalated",
            ClawbackEvent::RemainderWaived { .. } => "RemainderWaived",
            ClawbackEvent::ClawbackSettled { .. } => "ClawbackSettled",
            ClawbackEvent::ClawbackClosed { .. } => "ClawbackClosed",
        }
        .to_string()
    }

    fn event_version(&self) -> String {
        "1.0".to_string()
    }
}
