//! Awarded projects (立项项目) and horse races (赛马组).
//!
//! A [`Project`] is one stream per winning bid: the task contract (任务书) with milestones and
//! funding tranches, disbursement only when a tranche's gate is met, milestone reports and
//! assessments, one rectification (整改) per failed result, at most one extension, acceptance
//! (验收), termination, and the recovery referral a failure records for the clawback process.
//! A [`Race`] holds the lanes of one 赛马制 call and its checkpoints. See domain.md §3.c.

mod aggregate;
mod commands;
mod error;
mod events;
mod race;
mod services;
#[cfg(test)]
mod tests;

pub use aggregate::{MilestoneState, MilestoneStatus, Project, ProjectStatus, TrancheState};
pub use commands::{
    AwardProject, ContractTerms, MilestonePlan, ProjectCommand, TerminationReason, TranchePlan,
};
pub use error::ProjectError;
pub use events::{ProjectEvent, RecoveryBasis};
pub use race::{Lane, LaneExit, LaneResult, Race, RaceCommand, RaceError, RaceEvent};
pub use services::ProjectServices;

use serde::{Deserialize, Serialize};

/// When a funding tranche may be paid (拨付条件).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
pub enum Gate {
    /// Once the contract is signed.
    OnContract,
    /// Once the named milestone has passed (or been rectified).
    OnMilestone {
        /// The milestone's id.
        milestone: String,
    },
    /// Once this lane has survived race checkpoint `checkpoint` (horse-race lanes only).
    OnCheckpoint {
        /// Checkpoint number, from 1.
        checkpoint: u32,
    },
    /// Once acceptance has passed.
    OnAcceptance,
}
