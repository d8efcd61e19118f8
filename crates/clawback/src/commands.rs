use chrono::NaiveDate;
use kernel::{Money, OrgCode};

use crate::{Basis, EscalationRoute, Subject};

/// Commands on a clawback case.
#[derive(Debug, Clone, PartialEq)]
pub enum ClawbackCommand {
    /// Open the case (立案追回).
    Open(OpenClawback),
    /// Send the recovery notice (追回通知).
    IssueNotice(IssueNotice),
    /// The debtor objects or asks for a hearing (听证申请或陈述、申辩).
    FileObjection {
        /// The debtor's grounds.
        grounds: String,
        /// Whether a hearing (听证) is asked for.
        hearing_requested: bool,
    },
    /// The officer decides a pending objection.
    DecideObjection(ObjectionDecision),
    /// Money paid into the treasury (缴入国库).
    RecordRepayment {
        /// Amount paid.
        amount: Money,
        /// The date of payment.
        paid_on: NaiveDate,
        /// The treasury receipt (缴款凭证) reference.
        treasury_receipt_ref: String,
    },
    /// The due date passed with money outstanding (逾期不退回).
    MarkOverdue,
    /// Take an overdue case further.
    Escalate {
        /// Courts or integrity archive.
        route: EscalationRoute,
    },
    /// Write off (核销) part or all of the outstanding amount.
    WaiveRemainder {
        /// Amount written off.
        amount: Money,
        /// Why it cannot be collected.
        reason: String,
        /// The second officer who approves (never the one who opened the case).
        approved_by: String,
    },
    /// Close a settled or withdrawn case (结案).
    Close,
}

/// Opening a case. The caller supplies the facts the cap needs: what was disbursed to the
/// subject, and what other open cases on the subject already claim.
#[derive(Debug, Clone, PartialEq)]
pub struct OpenClawback {
    /// What the money was paid to.
    pub subject: Subject,
    /// The recipient of record, who must repay (追回对象单位).
    pub debtor: OrgCode,
    /// The decision the claim rests on.
    pub basis: Basis,
    /// The amount claimed.
    pub amount: Money,
    /// Total disbursed to the subject.
    pub disbursed_to_subject: Money,
    /// Amounts owed in other open cases on the same subject.
    pub owed_in_other_cases: Money,
    /// The subject's recipients of record as the ledger shows them (a project's lead and
    /// members, a consortium's lead): the debtor must be one of them.
    pub recipients: Vec<OrgCode>,
    /// Who opens the case (the officer, or for a referral the officer who decided it).
    pub opened_by: String,
    /// For a process manager's case: the id of the causing event (idempotency key).
    pub referral: Option<String>,
}

/// The recovery notice. Dates left out follow the terms: due after `repay_days` calendar days,
/// objections within `objection_working_days` working days.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct IssueNotice {
    /// The date the notice is issued (today when absent).
    pub issued_on: Option<NaiveDate>,
    /// Last day to repay (inclusive).
    pub due_on: Option<NaiveDate>,
    /// Last day to object (inclusive).
    pub objection_deadline: Option<NaiveDate>,
}

/// How an objection is decided.
#[derive(Debug, Clone, PartialEq)]
pub enum ObjectionDecision {
    /// The claim stands as it is.
    Confirm,
    /// The claim is reduced to `new_owed`.
    Revise {
        /// The new amount owed.
        new_owed: Money,
    },
    /// The claim is dropped.
    Withdraw {
        /// Why.
        reason: String,
    },
}
