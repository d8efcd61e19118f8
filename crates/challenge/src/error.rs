use chrono::NaiveDate;
use kernel::{DomainError, ErrorKind};

/// Why a challenge command was refused. Each variant names the broken rule.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ChallengeError {
    /// The command is not allowed in the call's current state.
    #[error("cannot {action} a challenge that is {status}")]
    InvalidTransition {
        /// The state the call is in.
        status: &'static str,
        /// What was attempted.
        action: &'static str,
    },
    /// The programme id is not in the catalogue.
    #[error("unknown programme {0:?}")]
    UnknownProgramme(String),
    /// The cap is above the programme's cap per award.
    #[error("budget cap {asked_fen} fen exceeds the programme cap of {cap_fen} fen")]
    BudgetCapExceeded {
        /// The programme's cap.
        cap_fen: i64,
        /// What was asked.
        asked_fen: i64,
    },
    /// The cap is zero or negative.
    #[error("the budget cap must be above zero")]
    BudgetCapNotPositive,
    /// A required text field is empty.
    #[error("{0} must not be empty")]
    Required(&'static str),
    /// A call needs at least one measurable target.
    #[error("a call needs at least one technical target")]
    NoTargets,
    /// Horse-race team count outside 2..=max.
    #[error("a horse race awards {min} to {max} teams, not {asked}")]
    RaceTeamsOutOfRange {
        /// Fewest.
        min: u8,
        /// Most.
        max: u8,
        /// Asked.
        asked: u8,
    },
    /// `opens_on` is not before `closes_on`.
    #[error("the window must open before it closes")]
    WindowInverted,
    /// The window is shorter than the programme's minimum.
    #[error("the window is {days} days, the minimum is {min_days}")]
    WindowTooShort {
        /// Minimum days.
        min_days: i64,
        /// Days asked.
        days: i64,
    },
    /// The completion deadline is not after the window's end.
    #[error("the completion deadline must fall after the window closes")]
    CompletionBeforeWindowEnd,
    /// Closing was attempted while bids are still accepted.
    #[error("the window is open until {closes_on}")]
    WindowStillOpen {
        /// Last day of the window.
        closes_on: NaiveDate,
    },
    /// Publishing or amending after the window's end.
    #[error("the window ended on {closes_on}")]
    WindowEnded {
        /// Last day of the window.
        closes_on: NaiveDate,
    },
    /// A material amendment did not push the window's end out far enough.
    #[error("a change to targets or cap must move the window's end to {min_closes_on} or later")]
    AmendmentWindowTooShort {
        /// The earliest allowed new end.
        min_closes_on: NaiveDate,
    },
    /// An amendment would shorten a published window.
    #[error("a published window cannot be shortened")]
    WindowShortened,
    /// An amendment that changes nothing.
    #[error("the amendment changes nothing")]
    NothingToAmend,
}

impl DomainError for ChallengeError {
    fn code(&self) -> &'static str {
        match self {
            ChallengeError::InvalidTransition { .. } => "invalid_transition",
            ChallengeError::UnknownProgramme(_) => "unknown_programme",
            ChallengeError::BudgetCapExceeded { .. } => "budget_cap_exceeded",
            ChallengeError::BudgetCapNotPositive => "budget_cap_not_positive",
            ChallengeError::Required(_) => "required_field_empty",
            ChallengeError::NoTargets => "no_targets",
            ChallengeError::RaceTeamsOutOfRange { .. } => "race_teams_out_of_range",
            ChallengeError::WindowInverted => "window_inverted",
            ChallengeError::WindowTooShort { .. } => "window_too_short",
            ChallengeError::CompletionBeforeWindowEnd => "completion_before_window_end",
            ChallengeError::WindowStillOpen { .. } => "window_still_open",
            ChallengeError::WindowEnded { .. } => "window_ended",
            ChallengeError::AmendmentWindowTooShort { .. } => "amendment_window_too_short",
            ChallengeError::WindowShortened => "window_shortened",
            ChallengeError::NothingToAmend => "nothing_to_amend",
        }
    }

    fn kind(&self) -> ErrorKind {
        ErrorKind::Invalid
    }
}
