use chrono::NaiveDate;
use kernel::{DomainError, ErrorKind};

/// Why a clawback command was refused. Each variant names the broken rule.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ClawbackError {
    /// The case already exists; a repeated referral is refused here (and treated as done).
    #[error("the clawback case is already opened")]
    AlreadyOpened {
        /// The referral of the repeated open, if any.
        referral: Option<String>,
    },
    /// A command other than open on a case that does not exist.
    #[error("no clawback case has been opened")]
    NotOpened,
    /// A closed case accepts nothing.
    #[error("the clawback case is closed")]
    CaseClosed,
    /// The command is not allowed in the case's current state.
    #[error("cannot {action} a clawback case that is {status}")]
    InvalidTransition {
        /// The state the case is in.
        status: &'static str,
        /// What was attempted.
        action: &'static str,
    },
    /// A required text field is empty.
    #[error("{0} must not be empty")]
    Required(&'static str),
    /// An amount is zero or negative.
    #[error("the amount must be above zero")]
    AmountNotPositive,
    /// The debtor did not receive the subject's money.
    #[error("{debtor} is not a recipient of record of the subject (its lead or a member)")]
    DebtorNotRecipient {
        /// The debtor named.
        debtor: String,
    },
    /// The claim is above what was disbursed to the subject net of other open cases.
    #[error("{asked_fen} fen is above the {recoverable_fen} fen that can still be claimed on the subject")]
    AmountAboveRecoverable {
        /// Disbursed minus owed in other open cases.
        recoverable_fen: i64,
        /// What was asked.
        asked_fen: i64,
    },
    /// A date lies after today.
    #[error("{field} {date} lies in the future")]
    DateInFuture {
        /// Which date.
        field: &'static str,
        /// The date given.
        date: NaiveDate,
    },
    /// A notice deadline falls before the notice.
    #[error("{field} must not fall before the notice is issued")]
    DeadlineBeforeNotice {
        /// Which deadline.
        field: &'static str,
    },
    /// The objection period has ended.
    #[error("the objection period ended on {deadline}")]
    ObjectionPeriodEnded {
        /// Last day to object.
        deadline: NaiveDate,
    },
    /// A reduction below what has already been repaid.
    #[error(
        "the claim cannot be reduced to {asked_fen} fen, below the {repaid_fen} fen already repaid"
    )]
    RevisionBelowRepaid {
        /// Repaid so far.
        repaid_fen: i64,
        /// New amount asked.
        asked_fen: i64,
    },
    /// An objection can only reduce the claim.
    #[error("an objection cannot raise the claim from {owed_fen} to {asked_fen} fen")]
    RevisionAboveOwed {
        /// Amount owed now.
        owed_fen: i64,
        /// New amount asked.
        asked_fen: i64,
    },
    /// Money before the notice.
    #[error("no recovery notice has been issued")]
    NoticeNotIssued,
    /// A repayment above the outstanding amount (no overpayment).
    #[error("{asked_fen} fen is above the {outstanding_fen} fen outstanding")]
    RepaymentAboveOutstanding {
        /// Outstanding.
        outstanding_fen: i64,
        /// Amount paid.
        asked_fen: i64,
    },
    /// A waiver above the outstanding amount.
    #[error("cannot waive {asked_fen} fen, only {outstanding_fen} fen are outstanding")]
    WaiverAboveOutstanding {
        /// Outstanding.
        outstanding_fen: i64,
        /// Amount asked.
        asked_fen: i64,
    },
    /// The waiver's approver is the officer who opened the case (four eyes).
    #[error("a waiver needs a second approver, not the officer who opened the case")]
    WaiverNeedsSecondApprover,
    /// The due date has not passed yet.
    #[error("repayment is due on {due_on}; it is not overdue before the day after")]
    NotYetDue {
        /// Last day to repay.
        due_on: NaiveDate,
    },
    /// Nothing is outstanding.
    #[error("nothing is outstanding")]
    NothingOutstanding,
    /// A pending objection suspends the overdue check and waivers.
    #[error("an objection is pending")]
    ObjectionPending,
    /// Closing a case that is neither settled nor withdrawn.
    #[error("the case can only be closed when settled or withdrawn; {outstanding_fen} fen are outstanding")]
    NotSettled {
        /// Outstanding.
        outstanding_fen: i64,
    },
    /// An amount does not fit.
    #[error("amount overflow")]
    Overflow,
}

impl DomainError for ClawbackError {
    fn code(&self) -> &'static str {
        match self {
            ClawbackError::AlreadyOpened { .. } => "already_opened",
            ClawbackError::NotOpened => "not_opened",
            ClawbackError::CaseClosed => "case_closed",
            ClawbackError::InvalidTransition { .. } => "invalid_transition",
            ClawbackError::Required(_) => "required_field_empty",
            ClawbackError::AmountNotPositive => "amount_not_positive",
            ClawbackError::AmountAboveRecoverable { .. } => "amount_above_recoverable",
            ClawbackError::DebtorNotRecipient { .. } => "debtor_not_recipient",
            ClawbackError::DateInFuture { .. } => "date_in_future",
            ClawbackError::DeadlineBeforeNotice { .. } => "deadline_before_notice",
            ClawbackError::ObjectionPeriodEnded { .. } => "objection_period_ended",
            ClawbackError::RevisionBelowRepaid { .. } => "revision_below_repaid",
            ClawbackError::RevisionAboveOwed { .. } => "revision_above_owed",
            ClawbackError::NoticeNotIssued => "notice_not_issued",
            ClawbackError::RepaymentAboveOutstanding { .. } => "repayment_above_outstanding",
            ClawbackError::WaiverAboveOutstanding { .. } => "waiver_above_outstanding",
            ClawbackError::WaiverNeedsSecondApprover => "waiver_needs_second_approver",
            ClawbackError::NotYetDue { .. } => "not_yet_due",
            ClawbackError::NothingOutstanding => "nothing_outstanding",
            ClawbackError::ObjectionPending => "objection_pending",
            ClawbackError::NotSettled { .. } => "case_not_settled",
            ClawbackError::Overflow => "amount_overflow",
        }
    }

    fn kind(&self) -> ErrorKind {
        match self {
            ClawbackError::AlreadyOpened { .. } => ErrorKind::Conflict,
            ClawbackError::NotOpened => ErrorKind::NotFound,
            _ => ErrorKind::Invalid,
        }
    }
}

impl From<kernel::MoneyError> for ClawbackError {
    fn from(_: kernel::MoneyError) -> Self {
        ClawbackError::Overflow
    }
}
