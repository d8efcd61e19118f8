use chrono::NaiveDate;
use kernel::{DomainError, ErrorKind, OrgCode};

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
    /// The number of winners does not fit the award mode.
    #[error("this call awards {min} to {max} winner(s), not {asked}")]
    WinnerCountOutOfRange {
        /// Fewest.
        min: usize,
        /// Most.
        max: usize,
        /// Named.
        asked: usize,
    },
    /// A winner is not a bid on this call.
    #[error("bid {0} is not on this call")]
    UnknownBid(String),
    /// A bid was named twice.
    #[error("bid {0} is named twice")]
    DuplicateWinner(String),
    /// A winner has not cleared the public notice.
    #[error("bid {bid_id} is {status}, not cleared")]
    BidNotCleared {
        /// The bid.
        bid_id: String,
        /// Its status.
        status: String,
    },
    /// An award of zero or less.
    #[error("an award must be above zero")]
    AwardNotPositive,
    /// An award above what the bid asked for.
    #[error("bid {bid_id} asked for {requested_fen} fen, not {amount_fen}")]
    AwardOverRequest {
        /// The bid.
        bid_id: String,
        /// Its request.
        requested_fen: i64,
        /// The award.
        amount_fen: i64,
    },
    /// An award above the call's cap.
    #[error("award of {amount_fen} fen exceeds the cap of {cap_fen} fen")]
    AwardOverCap {
        /// The cap.
        cap_fen: i64,
        /// The award.
        amount_fen: i64,
    },
    /// A winner's lead or member is barred.
    #[error("{org} is barred until {until}")]
    OrganisationBarred {
        /// The barred organisation.
        org: OrgCode,
        /// First day it is eligible again.
        until: NaiveDate,
    },
    /// 流榜 was declared while a cleared bid exists.
    #[error("{0} bid(s) have cleared the notice; award or cancel instead")]
    ClearedBidsExist(usize),
    /// A named need does not exist.
    #[error("no need {0}")]
    UnknownNeed(String),
    /// A need is named twice.
    #[error("need {0} is named twice")]
    DuplicateNeed(String),
    /// A named need is not in the pool (not accepted, or already rejected).
    #[error("need {need_id} is {status}, not accepted into the pool")]
    NeedNotInPool {
        /// The need.
        need_id: String,
        /// Its status.
        status: String,
    },
    /// A named need was already adopted by another call.
    #[error("need {need_id} was already adopted by call {challenge_id}")]
    NeedAlreadyAdopted {
        /// The need.
        need_id: String,
        /// The call that adopted it.
        challenge_id: String,
    },
    /// The call's demand owner is not the poser of a need it answers.
    #[error("the demand owner must be the poser of need {need_id}")]
    DemandOwnerNotPoser {
        /// The need.
        need_id: String,
    },
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
            ChallengeError::WinnerCountOutOfRange { .. } => "winner_count_out_of_range",
            ChallengeError::UnknownBid(_) => "unknown_bid",
            ChallengeError::DuplicateWinner(_) => "duplicate_winner",
            ChallengeError::BidNotCleared { .. } => "bid_not_cleared",
            ChallengeError::AwardNotPositive => "award_not_positive",
            ChallengeError::AwardOverRequest { .. } => "award_over_request",
            ChallengeError::AwardOverCap { .. } => "award_over_cap",
            ChallengeError::OrganisationBarred { .. } => "organisation_barred",
            ChallengeError::ClearedBidsExist(_) => "cleared_bids_exist",
            ChallengeError::UnknownNeed(_) => "unknown_need",
            ChallengeError::DuplicateNeed(_) => "duplicate_need",
            ChallengeError::NeedNotInPool { .. } => "need_not_in_pool",
            ChallengeError::NeedAlreadyAdopted { .. } => "need_already_adopted",
            ChallengeError::DemandOwnerNotPoser { .. } => "demand_owner_not_poser",
        }
    }

    fn kind(&self) -> ErrorKind {
        match self {
            ChallengeError::UnknownNeed(_) => ErrorKind::NotFound,
            ChallengeError::NeedNotInPool { .. } | ChallengeError::NeedAlreadyAdopted { .. } => {
                ErrorKind::Conflict
            }
            _ => ErrorKind::Invalid,
        }
    }
}
