use chrono::NaiveDate;
use kernel::{DomainError, ErrorKind, OrgCode};

use crate::Level;

/// Why a consortium command was refused. Each variant names the broken rule.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ConsortiumError {
    /// The command is not allowed in the consortium's current state.
    #[error("cannot {action} a consortium that is {status}")]
    InvalidTransition {
        /// The state the consortium is in.
        status: &'static str,
        /// What was attempted.
        action: &'static str,
    },
    /// The consortium's status was revoked; it accepts no further change.
    #[error("the consortium's status was revoked")]
    Revoked,
    /// A required text field is empty.
    #[error("{0} must not be empty")]
    Required(&'static str),
    /// The lead is not an enterprise (USCC class `91`).
    #[error("the lead {0} is not an enterprise (USCC class 91)")]
    LeadNotEnterprise(OrgCode),
    /// An organisation is named twice (or the lead is also listed as a member).
    #[error("{0} is named more than once")]
    DuplicateMember(OrgCode),
    /// No member is a university or institute (USCC class `12` or `52`).
    #[error("at least one member must be a university or institute (USCC class 12 or 52)")]
    NoResearchMember,
    /// An organisation has an active research-integrity bar.
    #[error("{org} is barred until {until}")]
    OrganisationBarred {
        /// The barred organisation.
        org: OrgCode,
        /// First day it is eligible again.
        until: NaiveDate,
    },
    /// The member to remove is not a member (or is the lead).
    #[error("{0} is not a member")]
    NotAMember(OrgCode),
    /// The change would leave fewer members than the level requires.
    #[error("the consortium needs at least {min} members, it would have {count}")]
    TooFewMembers {
        /// The minimum for the level.
        min: usize,
        /// The count after the change.
        count: usize,
    },
    /// A membership date lies in the future.
    #[error("the date {0} is in the future")]
    DateInFuture(NaiveDate),
    /// The level applied for is not above the level held (提档升级 only).
    #[error("only upgrades are allowed: {asked:?} is not above {held:?}")]
    NotAnUpgrade {
        /// The level held.
        held: Option<Level>,
        /// The level asked for.
        asked: Level,
    },
    /// An application is already pending.
    #[error("an application for {0:?} is already pending")]
    ApplicationPending(Level),
    /// A level decision without a pending application.
    #[error("no level application is pending")]
    NoPendingApplication,
    /// A Suzhou level (L2, L3) is recorded without the Suzhou decision document.
    #[error("a Suzhou decision needs its document reference")]
    SuzhouDecisionRefRequired,
    /// The construction period is outside 1..=max years.
    #[error("the construction period must be 1 to {max} years, not {asked}")]
    ConstructionYearsOutOfRange {
        /// Longest allowed.
        max: u32,
        /// Asked.
        asked: u32,
    },
    /// A cultivation reward for a level that is not a cultivation level (L1, L2).
    #[error("{0:?} carries no cultivation reward")]
    NotACultivationLevel(Level),
    /// A reward for a level the consortium never held.
    #[error("the consortium never held {0:?}")]
    LevelNeverHeld(Level),
    /// A second reward at the same level.
    #[error("a cultivation reward for {0:?} was already granted")]
    RewardAlreadyGranted(Level),
    /// An amount is zero or negative.
    #[error("the amount must be above zero")]
    AmountNotPositive,
    /// A cultivation reward above the level's cap.
    #[error("the reward {asked_fen} fen exceeds the cap of {cap_fen} fen")]
    RewardCapExceeded {
        /// The cap.
        cap_fen: i64,
        /// Asked.
        asked_fen: i64,
    },
    /// Linkage support for a consortium that is not accredited (L3) now.
    #[error("linkage support needs Suzhou accreditation")]
    NotAccredited,
    /// Cumulative linkage support above 200万.
    #[error(
        "support of {asked_fen} fen on top of {granted_fen} fen exceeds the cap of {cap_fen} fen"
    )]
    SupportCapExceeded {
        /// The cap.
        cap_fen: i64,
        /// Granted so far.
        granted_fen: i64,
        /// Asked.
        asked_fen: i64,
    },
    /// The support basis names a round with no passing result on this consortium.
    #[error("round {0} gave this consortium no passing result")]
    BasisNotAPassedEvaluation(String),
    /// No grant with that id.
    #[error("no grant {0}")]
    GrantNotFound(String),
    /// The grant was cancelled.
    #[error("grant {0} was cancelled")]
    GrantCancelled(String),
    /// A disbursement above what remains payable on the grant.
    #[error(
        "paying {asked_fen} fen on top of {paid_fen} fen exceeds the payable {payable_fen} fen"
    )]
    DisbursementExceedsPayable {
        /// The grant's payable amount.
        payable_fen: i64,
        /// Paid so far.
        paid_fen: i64,
        /// Asked.
        asked_fen: i64,
    },
    /// The consortium held no level at the end of the assessed period.
    #[error("the consortium held no level on {0}")]
    NoLevelAtPeriodEnd(NaiveDate),
    /// The round's result was already recorded.
    #[error("the result of round {0} is already recorded")]
    ResultAlreadyRecorded(String),
    /// A result for an earlier round than one already recorded.
    #[error("round {asked} comes before round {last}, already recorded")]
    ResultOutOfOrder {
        /// The last recorded round number.
        last: u32,
        /// The round number given.
        asked: u32,
    },
    /// The construction period has not ended.
    #[error("the construction period runs until {0}")]
    ConstructionPeriodNotOver(NaiveDate),
    /// A rectification deadline that is not after today.
    #[error("the deadline {0} must be after today")]
    DeadlineNotInFuture(NaiveDate),
    /// A recovery above what was disbursed.
    #[error("recovering {asked_fen} fen exceeds the {disbursed_fen} fen disbursed")]
    RecoveryExceedsDisbursed {
        /// Disbursed in total.
        disbursed_fen: i64,
        /// Asked.
        asked_fen: i64,
    },
    /// A failed rectification without the amount to recover.
    #[error("a failed rectification needs the amount to recover")]
    RecoverAmountRequired,
    /// Money arithmetic overflowed.
    #[error("amount overflow")]
    AmountOverflow,
}

impl DomainError for ConsortiumError {
    fn code(&self) -> &'static str {
        match self {
            ConsortiumError::InvalidTransition { .. } => "invalid_transition",
            ConsortiumError::Revoked => "consortium_revoked",
            ConsortiumError::Required(_) => "required_field_empty",
            ConsortiumError::LeadNotEnterprise(_) => "lead_not_enterprise",
            ConsortiumError::DuplicateMember(_) => "duplicate_member",
            ConsortiumError::NoResearchMember => "no_research_member",
            ConsortiumError::OrganisationBarred { .. } => "organisation_barred",
            ConsortiumError::NotAMember(_) => "not_a_member",
            ConsortiumError::TooFewMembers { .. } => "too_few_members",
            ConsortiumError::DateInFuture(_) => "date_in_future",
            ConsortiumError::NotAnUpgrade { .. } => "not_an_upgrade",
            ConsortiumError::ApplicationPending(_) => "application_pending",
            ConsortiumError::NoPendingApplication => "no_pending_application",
            ConsortiumError::SuzhouDecisionRefRequired => "suzhou_decision_ref_required",
            ConsortiumError::ConstructionYearsOutOfRange { .. } => {
                "construction_years_out_of_range"
            }
            ConsortiumError::NotACultivationLevel(_) => "not_a_cultivation_level",
            ConsortiumError::LevelNeverHeld(_) => "level_never_held",
            ConsortiumError::RewardAlreadyGranted(_) => "reward_already_granted",
            ConsortiumError::AmountNotPositive => "amount_not_positive",
            ConsortiumError::RewardCapExceeded { .. } => "reward_cap_exceeded",
            ConsortiumError::NotAccredited => "not_accredited",
            ConsortiumError::SupportCapExceeded { .. } => "support_cap_exceeded",
            ConsortiumError::BasisNotAPassedEvaluation(_) => "basis_not_a_passed_evaluation",
            ConsortiumError::GrantNotFound(_) => "grant_not_found",
            ConsortiumError::GrantCancelled(_) => "grant_cancelled",
            ConsortiumError::DisbursementExceedsPayable { .. } => "disbursement_exceeds_payable",
            ConsortiumError::NoLevelAtPeriodEnd(_) => "no_level_at_period_end",
            ConsortiumError::ResultAlreadyRecorded(_) => "result_already_recorded",
            ConsortiumError::ResultOutOfOrder { .. } => "result_out_of_order",
            ConsortiumError::ConstructionPeriodNotOver(_) => "construction_period_not_over",
            ConsortiumError::DeadlineNotInFuture(_) => "deadline_not_in_future",
            ConsortiumError::RecoveryExceedsDisbursed { .. } => "recovery_exceeds_disbursed",
            ConsortiumError::RecoverAmountRequired => "recover_amount_required",
            ConsortiumError::AmountOverflow => "amount_overflow",
        }
    }

    fn kind(&self) -> ErrorKind {
        match self {
            ConsortiumError::OrganisationBarred { .. }
            | ConsortiumError::ApplicationPending(_)
            | ConsortiumError::ResultAlreadyRecorded(_)
            | ConsortiumError::RewardAlreadyGranted(_) => ErrorKind::Conflict,
            ConsortiumError::NotAMember(_) | ConsortiumError::GrantNotFound(_) => {
                ErrorKind::NotFound
            }
            _ => ErrorKind::Invalid,
        }
    }
}

impl From<kernel::MoneyError> for ConsortiumError {
    fn from(_: kernel::MoneyError) -> Self {
        ConsortiumError::AmountOverflow
    }
}
