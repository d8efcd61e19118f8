use chrono::NaiveDate;
use kernel::{DomainError, ErrorKind};

/// Why an integrity command was refused. Each variant names the broken rule.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum IntegrityError {
    /// A case with this id exists; a repeated referral is refused here (and treated as done).
    #[error("case {case_id} is already opened")]
    CaseAlreadyOpened {
        /// The case.
        case_id: String,
    },
    /// The case names another organisation than the record's.
    #[error("this record belongs to {record}, not {asked}")]
    OrganisationMismatch {
        /// The record's organisation.
        record: String,
        /// The organisation named.
        asked: String,
    },
    /// No case with this id.
    #[error("no case {case_id}")]
    UnknownCase {
        /// The case.
        case_id: String,
    },
    /// The command is not allowed in the case's current state.
    #[error("cannot {action} a case that is {status}")]
    InvalidTransition {
        /// The case's state.
        status: &'static str,
        /// What was attempted.
        action: &'static str,
    },
    /// A required text field is empty.
    #[error("{0} must not be empty")]
    Required(&'static str),
    /// The decision date lies after today.
    #[error("the decision date {date} lies in the future")]
    DecisionInFuture {
        /// The date given.
        date: NaiveDate,
    },
    /// A serious violation's bar is shorter than the minimum.
    #[error("a serious violation bars for at least {min_years} years, not {asked}")]
    BarTooShort {
        /// Minimum years.
        min_years: u32,
        /// Years asked.
        asked: u32,
    },
    /// A general violation is recorded without a bar.
    #[error("a general violation is recorded without a bar")]
    BarForGeneralViolation,
    /// Recoveries are referred for serious violations only.
    #[error("funds are recovered for serious violations only")]
    RecoveryWithoutSeriousViolation,
    /// A recovery names a project the case does not concern.
    #[error("project {project} is not related to the case")]
    RecoveryForUnrelatedProject {
        /// The project.
        project: String,
    },
    /// Two recoveries for one project.
    #[error("project {project} is named twice")]
    DuplicateRecovery {
        /// The project.
        project: String,
    },
    /// A recovery of zero or less.
    #[error("a recovery amount must be above zero")]
    AmountNotPositive,
    /// A recovery above what was disbursed to the project.
    #[error("recovering {asked_fen} fen from project {project} exceeds the {disbursed_fen} fen disbursed")]
    RecoveryAboveDisbursed {
        /// The project.
        project: String,
        /// Disbursed.
        disbursed_fen: i64,
        /// Asked.
        asked_fen: i64,
    },
}

impl DomainError for IntegrityError {
    fn code(&self) -> &'static str {
        match self {
            IntegrityError::CaseAlreadyOpened { .. } => "case_already_opened",
            IntegrityError::OrganisationMismatch { .. } => "organisation_mismatch",
            IntegrityError::UnknownCase { .. } => "unknown_case",
            IntegrityError::InvalidTransition { .. } => "invalid_transition",
            IntegrityError::Required(_) => "required_field_empty",
            IntegrityError::DecisionInFuture { .. } => "decision_in_future",
            IntegrityError::BarTooShort { .. } => "bar_too_short",
            IntegrityError::BarForGeneralViolation => "bar_for_general_violation",
            IntegrityError::RecoveryWithoutSeriousViolation => "recovery_without_serious_violation",
            IntegrityError::RecoveryForUnrelatedProject { .. } => "recovery_for_unrelated_project",
            IntegrityError::DuplicateRecovery { .. } => "duplicate_recovery",
            IntegrityError::AmountNotPositive => "amount_not_positive",
            IntegrityError::RecoveryAboveDisbursed { .. } => "recovery_above_disbursed",
        }
    }

    fn kind(&self) -> ErrorKind {
        match self {
            IntegrityError::CaseAlreadyOpened { .. } => ErrorKind::Conflict,
            IntegrityError::UnknownCase { .. } => ErrorKind::NotFound,
            _ => ErrorKind::Invalid,
        }
    }
}
