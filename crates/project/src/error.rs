use chrono::NaiveDate;
use kernel::{DomainError, ErrorKind};

/// Why a project command was refused. Each variant names the broken rule.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ProjectError {
    /// The command is not allowed in the project's current state.
    #[error("cannot {action} a project that is {status}")]
    InvalidTransition {
        /// Current state.
        status: &'static str,
        /// What was attempted.
        action: &'static str,
    },
    /// The award already created this project.
    #[error("the project already exists")]
    AlreadyCreated,
    /// An award of zero or less.
    #[error("the award must be above zero")]
    AwardNotPositive,
    /// A required text is empty.
    #[error("{0} must not be empty")]
    Required(&'static str),
    /// The contract's end is not after its start.
    #[error("the contract must end after it starts")]
    ContractEndsBeforeStart,
    /// The contract ends after the call's completion deadline.
    #[error("the contract must end by the call's completion deadline {deadline}")]
    ContractEndsAfterDeadline {
        /// The call's completion deadline.
        deadline: NaiveDate,
    },
    /// A contract needs at least one milestone.
    #[error("a contract needs at least one milestone")]
    NoMilestones,
    /// Two milestones or tranches share an id.
    #[error("id {0:?} is used twice")]
    DuplicateId(String),
    /// A milestone is due outside the contract term.
    #[error("milestone {0:?} is due outside the contract term")]
    MilestoneOutsideTerm(String),
    /// A tranche amount of zero or less.
    #[error("tranche {0:?} must be above zero")]
    TrancheNotPositive(String),
    /// The tranches do not add up to the award.
    #[error("the tranches add up to {sum_fen} fen, the award is {award_fen} fen")]
    TranchesDoNotSumToAward {
        /// Their sum.
        sum_fen: i64,
        /// The award.
        award_fen: i64,
    },
    /// A gate names a milestone that does not exist.
    #[error("a gate names unknown milestone {0:?}")]
    UnknownGateMilestone(String),
    /// A checkpoint gate on a project that is not a race lane.
    #[error("checkpoint gates are for horse-race lanes only")]
    CheckpointGateOutsideRace,
    /// No such tranche.
    #[error("no tranche {0:?}")]
    UnknownTranche(String),
    /// No such milestone.
    #[error("no milestone {0:?}")]
    UnknownMilestone(String),
    /// The tranche was paid before.
    #[error("tranche {0:?} was already paid")]
    TrancheAlreadyPaid(String),
    /// The tranche's gate is not met.
    #[error("the gate of tranche {0:?} is not met")]
    GateNotMet(String),
    /// Paying would exceed the award.
    #[error(
        "paying {asked_fen} fen would bring the total to more than the award of {award_fen} fen"
    )]
    DisbursementExceedsAward {
        /// The award.
        award_fen: i64,
        /// What the payment asked.
        asked_fen: i64,
    },
    /// Only the lead may report or request.
    #[error("only the lead organisation may do this")]
    NotTheLead,
    /// The milestone is not in a state that allows this.
    #[error("milestone {milestone:?} is {status}")]
    MilestoneNotReady {
        /// Milestone id.
        milestone: String,
        /// Its state.
        status: &'static str,
    },
    /// A result already had its one rectification.
    #[error("the one rectification was already used")]
    RectificationAlreadyUsed,
    /// A deadline in the past.
    #[error("the deadline must be after today")]
    DeadlineInPast,
    /// A rectification report after its deadline.
    #[error("the rectification deadline {0} has passed")]
    RectificationDeadlinePassed(NaiveDate),
    /// Assessing an unreported rectification before its deadline.
    #[error("the rectification is open until {0}")]
    RectificationStillOpen(NaiveDate),
    /// A second extension.
    #[error("a project gets at most one extension")]
    ExtensionAlreadyGranted,
    /// An extension longer than 12 months, or not later than the current end.
    #[error("an extension moves the end later by at most 12 months (to {latest} at the latest)")]
    ExtensionTooLong {
        /// Latest allowed new end.
        latest: NaiveDate,
    },
    /// The extension came later than 3 months before the end.
    #[error("an extension must be asked by {latest_request}, 3 months before the end")]
    ExtensionTooLate {
        /// Last day to ask.
        latest_request: NaiveDate,
    },
    /// Acceptance asked while a milestone is neither passed nor rectified.
    #[error("milestone {0:?} has neither passed nor been rectified")]
    MilestonesOutstanding(String),
    /// Acceptance asked more than 6 months after the end.
    #[error("acceptance had to be asked by {latest}, 6 months after the end")]
    AcceptanceRequestTooLate {
        /// Last day to ask.
        latest: NaiveDate,
    },
    /// A recovery amount above what was paid, or not above zero.
    #[error("the recovery must be above zero and at most the {disbursed_fen} fen disbursed")]
    RecoveryOutOfRange {
        /// Total disbursed.
        disbursed_fen: i64,
    },
    /// Termination for infeasibility or on request needs the unspent amount.
    #[error("enter the unspent amount to recover (0 when nothing is unspent)")]
    RecoveryAmountRequired,
    /// A race command on a project that is not a lane.
    #[error("the project is not a horse-race lane")]
    NotARaceLane,
    /// Checkpoints are survived in order.
    #[error("expected checkpoint {expected}, got {got}")]
    CheckpointOutOfOrder {
        /// Next checkpoint.
        expected: u32,
        /// Given.
        got: u32,
    },
}

impl DomainError for ProjectError {
    fn code(&self) -> &'static str {
        match self {
            ProjectError::InvalidTransition { .. } => "invalid_transition",
            ProjectError::AlreadyCreated => "project_already_exists",
            ProjectError::AwardNotPositive => "award_not_positive",
            ProjectError::Required(_) => "required_field_empty",
            ProjectError::ContractEndsBeforeStart => "contract_ends_before_start",
            ProjectError::ContractEndsAfterDeadline { .. } => "contract_ends_after_deadline",
            ProjectError::NoMilestones => "no_milestones",
            ProjectError::DuplicateId(_) => "duplicate_id",
            ProjectError::MilestoneOutsideTerm(_) => "milestone_outside_term",
            ProjectError::TrancheNotPositive(_) => "tranche_not_positive",
            ProjectError::TranchesDoNotSumToAward { .. } => "tranches_do_not_sum_to_award",
            ProjectError::UnknownGateMilestone(_) => "unknown_gate_milestone",
            ProjectError::CheckpointGateOutsideRace => "checkpoint_gate_outside_race",
            ProjectError::UnknownTranche(_) => "unknown_tranche",
            ProjectError::UnknownMilestone(_) => "unknown_milestone",
            ProjectError::TrancheAlreadyPaid(_) => "tranche_already_paid",
            ProjectError::GateNotMet(_) => "gate_not_met",
            ProjectError::DisbursementExceedsAward { .. } => "disbursement_exceeds_award",
            ProjectError::NotTheLead => "not_the_lead",
            ProjectError::MilestoneNotReady { .. } => "milestone_not_ready",
            ProjectError::RectificationAlreadyUsed => "rectification_already_used",
            ProjectError::DeadlineInPast => "deadline_in_past",
            ProjectError::RectificationDeadlinePassed(_) => "rectification_deadline_passed",
            ProjectError::RectificationStillOpen(_) => "rectification_still_open",
            ProjectError::ExtensionAlreadyGranted => "extension_already_granted",
            ProjectError::ExtensionTooLong { .. } => "extension_too_long",
            ProjectError::ExtensionTooLate { .. } => "extension_too_late",
            ProjectError::MilestonesOutstanding(_) => "milestones_outstanding",
            ProjectError::AcceptanceRequestTooLate { .. } => "acceptance_request_too_late",
            ProjectError::RecoveryOutOfRange { .. } => "recovery_out_of_range",
            ProjectError::RecoveryAmountRequired => "recovery_amount_required",
            ProjectError::NotARaceLane => "not_a_race_lane",
            ProjectError::CheckpointOutOfOrder { .. } => "checkpoint_out_of_order",
        }
    }

    fn kind(&self) -> ErrorKind {
        match self {
            ProjectError::AlreadyCreated => ErrorKind::Conflict,
            ProjectError::NotTheLead => ErrorKind::Forbidden,
            _ => ErrorKind::Invalid,
        }
    }
}
