use kernel::{DomainError, ErrorKind};

/// Why a need command was refused. Each variant names the broken rule.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum NeedError {
    /// The command is not allowed in the need's current state.
    #[error("cannot {action} a need that is {status}")]
    InvalidTransition {
        /// The state the need is in.
        status: &'static str,
        /// What was attempted.
        action: &'static str,
    },
    /// A required text field is empty.
    #[error("{0} must not be empty")]
    Required(&'static str),
    /// A rejection without a reason.
    #[error("a rejected need must say why")]
    RejectionWithoutReason,
    /// Only a need accepted into the pool can be adopted by a call.
    #[error("only a need accepted into the pool can be adopted; this one is {status}")]
    NotInPool {
        /// The state the need is in.
        status: &'static str,
    },
    /// The need was already adopted by a call.
    #[error("the need was already adopted by call {challenge_id}")]
    AlreadyAdopted {
        /// The call that adopted it.
        challenge_id: String,
    },
}

impl DomainError for NeedError {
    fn code(&self) -> &'static str {
        match self {
            NeedError::InvalidTransition { .. } => "invalid_transition",
            NeedError::Required(_) => "required_field_empty",
            NeedError::RejectionWithoutReason => "rejection_reason_required",
            NeedError::NotInPool { .. } => "need_not_in_pool",
            NeedError::AlreadyAdopted { .. } => "need_already_adopted",
        }
    }

    fn kind(&self) -> ErrorKind {
        match self {
            NeedError::Required(_) | NeedError::RejectionWithoutReason => ErrorKind::Invalid,
            NeedError::InvalidTransition { .. }
            | NeedError::NotInPool { .. }
            | NeedError::AlreadyAdopted { .. } => ErrorKind::Conflict,
        }
    }
}
