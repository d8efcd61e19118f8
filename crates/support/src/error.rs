use chrono::NaiveDate;
use kernel::{DomainError, ErrorKind};

/// Why a support command was refused. Each variant names the broken rule.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SupportError {
    /// The application already exists.
    #[error("the support application already exists")]
    AlreadyApplied,
    /// A command other than apply on an application that does not exist.
    #[error("no support application has been filed")]
    NotApplied,
    /// The instrument is not in the catalogue.
    #[error("no support instrument {0:?} in the catalogue")]
    UnknownInstrument(String),
    /// The command is not allowed in the application's current state.
    #[error("cannot {action} a support application that is {status}")]
    InvalidTransition {
        /// The state the application is in.
        status: &'static str,
        /// What was attempted.
        action: &'static str,
    },
    /// A required text field is empty.
    #[error("{0} must not be empty")]
    Required(&'static str),
    /// An amount is zero or negative.
    #[error("{0} must be above zero")]
    AmountNotPositive(&'static str),
    /// The funding year lies after the current year.
    #[error("the funding year {year} lies after the current year {current}")]
    YearInFuture {
        /// The year asked.
        year: i32,
        /// The current Asia/Shanghai year.
        current: i32,
    },
    /// A required piece of evidence is missing.
    #[error("the instrument requires evidence of kind {0:?}")]
    EvidenceMissing(String),
    /// The beneficiary is barred by an integrity record.
    #[error("{org} is barred until {until}")]
    BeneficiaryBarred {
        /// The barred organisation.
        org: String,
        /// First day it is eligible again.
        until: NaiveDate,
    },
    /// The verified base is above the claimed base.
    #[error("the verified base {verified_fen} fen is above the {claimed_fen} fen claimed")]
    VerifiedAboveClaimed {
        /// Claimed.
        claimed_fen: i64,
        /// Verified.
        verified_fen: i64,
    },
    /// A reduced base needs a reason.
    #[error("a reduced base needs a reason")]
    ReductionNeedsReason,
    /// The instrument's rate is fixed; another rate was decided.
    #[error("the instrument's rate is fixed at {rate_bp} basis points, not {asked_bp}")]
    RateFixed {
        /// The instrument's rate.
        rate_bp: u32,
        /// The rate decided.
        asked_bp: u32,
    },
    /// The decided rate is above the instrument's ceiling.
    #[error("{asked_bp} basis points is above the instrument's ceiling of {max_bp}")]
    RateAboveMaximum {
        /// The ceiling.
        max_bp: u32,
        /// The rate decided.
        asked_bp: u32,
    },
    /// Nothing of the cap remains for the beneficiary in the period.
    #[error("the cap of {cap_fen} fen is used up ({granted_fen} fen granted in the period)")]
    CapExhausted {
        /// The cap.
        cap_fen: i64,
        /// Already granted.
        granted_fen: i64,
    },
    /// 一事一议 was asked for a grant that fits the cap.
    #[error("a case-by-case decision is only for grants above the cap; {computed_fen} fen fits the {remaining_fen} fen remaining")]
    CaseByCaseWithinCap {
        /// The grant computed.
        computed_fen: i64,
        /// What remains of the cap (`-1` when the instrument has none).
        remaining_fen: i64,
    },
    /// The 一事一议 approver is the deciding officer (four eyes).
    #[error(
        "a case-by-case decision needs a second officer's approval, not the deciding officer's"
    )]
    CaseByCaseNeedsSecondOfficer,
    /// The computed grant is zero.
    #[error("the grant computed from the verified base is zero")]
    NothingToGrant,
    /// A tranche above what is granted and not yet paid.
    #[error("{asked_fen} fen is above the {undisbursed_fen} fen granted and not yet paid")]
    DisbursementAboveGrant {
        /// Granted and not yet paid.
        undisbursed_fen: i64,
        /// Amount asked.
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
    /// A recovery above what was paid and not yet referred.
    #[error("{asked_fen} fen is above the {recoverable_fen} fen paid and not yet referred")]
    RecoveryAboveDisbursed {
        /// Paid and not yet referred.
        recoverable_fen: i64,
        /// Amount asked.
        asked_fen: i64,
    },
    /// An amount does not fit.
    #[error("amount overflow")]
    Overflow,
}

impl DomainError for SupportError {
    fn code(&self) -> &'static str {
        match self {
            SupportError::AlreadyApplied => "already_applied",
            SupportError::NotApplied => "not_applied",
            SupportError::UnknownInstrument(_) => "unknown_instrument",
            SupportError::InvalidTransition { .. } => "invalid_transition",
            SupportError::Required(_) => "required_field_empty",
            SupportError::AmountNotPositive(_) => "amount_not_positive",
            SupportError::YearInFuture { .. } => "year_in_future",
            SupportError::EvidenceMissing(_) => "evidence_missing",
            SupportError::BeneficiaryBarred { .. } => "organisation_barred",
            SupportError::VerifiedAboveClaimed { .. } => "verified_above_claimed",
            SupportError::ReductionNeedsReason => "reduction_needs_reason",
            SupportError::RateFixed { .. } => "rate_fixed",
            SupportError::RateAboveMaximum { .. } => "rate_above_maximum",
            SupportError::CapExhausted { .. } => "cap_exhausted",
            SupportError::CaseByCaseWithinCap { .. } => "case_by_case_within_cap",
            SupportError::CaseByCaseNeedsSecondOfficer => "case_by_case_needs_second_officer",
            SupportError::NothingToGrant => "nothing_to_grant",
            SupportError::DisbursementAboveGrant { .. } => "disbursement_above_grant",
            SupportError::DateInFuture { .. } => "date_in_future",
            SupportError::RecoveryAboveDisbursed { .. } => "recovery_above_disbursed",
            SupportError::Overflow => "amount_overflow",
        }
    }

    fn kind(&self) -> ErrorKind {
        match self {
            SupportError::AlreadyApplied => ErrorKind::Conflict,
            SupportError::NotApplied => ErrorKind::NotFound,
            _ => ErrorKind::Invalid,
        }
    }
}

impl From<kernel::MoneyError> for SupportError {
    fn from(_: kernel::MoneyError) -> Self {
        SupportError::Overflow
    }
}
