//! The 揭榜挂帅 challenge (榜单) aggregate: an enterprise's need turned into an open call that the
//! bureau drafts, publishes (发榜), amends, closes when its window has ended, cancels (撤榜), and
//! finally awards (揭榜成功, one winner or a 赛马制 horse race) or declares unfilled (流榜).
//!
//! Rules live in [`Challenge`]'s `handle`; `apply` only assigns. See domain.md §3.a.

mod aggregate;
mod commands;
mod error;
mod events;
mod services;
#[cfg(test)]
mod tests;

pub use aggregate::{Challenge, ChallengeStatus, ChallengeTerms};
pub use commands::{
    AmendChallenge, AwardChallenge, BidFacts, ChallengeCommand, DraftChallenge, NeedFacts,
    WinnerPick,
};
pub use error::ChallengeError;
pub use events::{ChallengeAmendment, ChallengeEvent, Winner};
pub use services::ChallengeServices;

use serde::{Deserialize, Serialize};

/// A measurable technical target (技术指标) a call sets, e.g. 分辨率 in nm, target "≤ 90".
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Target {
    /// What is measured.
    pub name: String,
    /// The unit or metric.
    pub metric: String,
    /// The value to reach, as the call states it.
    pub target: String,
}

/// How many teams a call may award.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
pub enum AwardMode {
    /// One winner.
    Single,
    /// 赛马制: several teams funded in parallel, the weaker dropped at checkpoints.
    HorseRace {
        /// Most teams that may be awarded (2–3 by default policy).
        max_teams: u8,
    },
}
