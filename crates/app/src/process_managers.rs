//! The registry of process managers (流程管理器): each is declared once here — what it listens
//! to, how a repeated run is recognised, and its handler. [`AppState`](crate::AppState) hands
//! their subscriptions to the store at start-up, so the store queues an outbox row for each
//! event one of them wants, in the event's own transaction; [`crate::reactions::drain`] runs
//! the handler named by each row.

use std::future::Future;
use std::pin::Pin;

use projections::Subscription;

use crate::reactions::{Reaction, ReactionError};

/// What a handler returns: the reaction, run to completion.
pub type Running<'r> = Pin<Box<dyn Future<Output = Result<(), ReactionError>> + Send + 'r>>;

/// A process manager: a reaction that carries one stream's events into commands on another.
#[derive(Clone, Copy)]
pub struct ProcessManager {
    /// Its stable name (outbox rows carry it) and the events it listens to.
    pub listens: Subscription,
    /// How a repeated run is recognised and changes nothing.
    pub idempotency_key: &'static str,
    /// What it does with one event.
    pub handler: for<'r> fn(&'r Reaction<'r>) -> Running<'r>,
}

/// Reactor: `integrity_record` `RecoveryReferred` → `ClawbackCase.Open`.
pub const OPEN_CLAWBACK_FOR_INTEGRITY_RECOVERY: &str = "open_clawback_for_integrity_recovery";
/// Reactor: `clawback_case` `ClawbackEscalated{IntegrityReferral}` → `IntegrityRecord.OpenCase`.
pub const OPEN_INTEGRITY_CASE_FOR_CLAWBACK_ESCALATION: &str =
    "open_integrity_case_for_clawback_escalation";
/// Reactor: `project` `RecoveryReferred` → `ClawbackCase.Open`.
pub const OPEN_CLAWBACK_FOR_PROJECT_RECOVERY: &str = "open_clawback_for_project_recovery";
/// Reactor: `consortium` `RecoveryReferred` → `ClawbackCase.Open`.
pub const OPEN_CLAWBACK_FOR_CONSORTIUM_RECOVERY: &str = "open_clawback_for_consortium_recovery";
/// Reactor: `support_application` `RecoveryReferred` → `ClawbackCase.Open`.
pub const OPEN_CLAWBACK_FOR_SUPPORT_RECOVERY: &str = "open_clawback_for_support_recovery";
/// Reactor: `race` `CheckpointHeld`/`RaceConcluded` → each lane's project.
pub const RACE_TO_LANES: &str = "race_to_lanes";
/// Reactor: `project` `ProjectTerminated`/`ProjectFailed`/`ProjectClosed` → `Race.WithdrawLane`.
pub const LANE_LEAVES_RACE: &str = "lane_leaves_race";
/// Reactor: `challenge` `ChallengeAwarded`/`ChallengeUnfilled` → projects and bid outcomes.
pub const AWARD_OUTCOME: &str = "award_outcome";
/// Reactor: `challenge` `NeedsAdopted` → `TechnologyNeed.Adopt` on each need.
pub const ADOPT_NEEDS: &str = "adopt_needs";
/// Reactor: `evaluation_round` `RoundFinalised` → `Consortium.RecordEvaluationResult`.
pub const EVALUATION_RESULTS: &str = "evaluation_results_to_consortia";

/// The case a recovery referral opens lives in the stream derived from the referral.
const CASE_PER_REFERRAL: &str = "the clawback case's id is reaction_id(event, \"clawback_case\"); \
     a second Open is refused AlreadyOpened, which counts as done";

/// Every process manager grantledger runs.
pub const PROCESS_MANAGERS: &[ProcessManager] = &[
    // 揭榜挂帅: an award creates one project per winner; the other bids are not selected.
    ProcessManager {
        listens: Subscription {
            reactor: AWARD_OUTCOME,
            aggregate_type: "challenge",
            event_types: &["ChallengeAwarded", "ChallengeUnfilled"],
        },
        idempotency_key: "each project's id is reaction_id(event, \"project/<bid>\") and a second \
             CreateFromAward is refused AlreadyCreated; bids already decided and a race already \
             formed are skipped",
        handler: |r| Box::pin(crate::reactions::award_outcome(r)),
    },
    // 赛马制: checkpoints and the race's conclusion reach each lane's project.
    ProcessManager {
        listens: Subscription {
            reactor: RACE_TO_LANES,
            aggregate_type: "race",
            event_types: &["CheckpointHeld", "RaceConcluded"],
        },
        idempotency_key: "a lane whose project already shows the step (checkpoints survived, \
             eliminated, race over) is skipped",
        handler: |r| Box::pin(crate::reactions::race_to_lanes(r)),
    },
    // A lane whose project ends outside a checkpoint leaves its race.
    ProcessManager {
        listens: Subscription {
            reactor: LANE_LEAVES_RACE,
            aggregate_type: "project",
            event_types: &["ProjectTerminated", "ProjectFailed", "ProjectClosed"],
        },
        idempotency_key: "the race ignores a lane that already left and a race that is over",
        handler: |r| Box::pin(crate::reactions_race::withdraw_lane(r)),
    },
    // A serious integrity record refers each related project's recovery: open a clawback case.
    ProcessManager {
        listens: Subscription {
            reactor: OPEN_CLAWBACK_FOR_INTEGRITY_RECOVERY,
            aggregate_type: "integrity_record",
            event_types: &["RecoveryReferred"],
        },
        idempotency_key: CASE_PER_REFERRAL,
        handler: |r| Box::pin(crate::recovery::open_clawback_for_integrity_recovery(r)),
    },
    // Failure or termination with money to recover opens a clawback case (追回资金).
    ProcessManager {
        listens: Subscription {
            reactor: OPEN_CLAWBACK_FOR_PROJECT_RECOVERY,
            aggregate_type: "project",
            event_types: &["RecoveryReferred"],
        },
        idempotency_key: CASE_PER_REFERRAL,
        handler: |r| Box::pin(crate::recovery::open_clawback_for_project_recovery(r)),
    },
    // 001_5a9afaa2304051ee.txt「整改或追回资金」: a consortium's recovery opens a clawback case.
    ProcessManager {
        listens: Subscription {
            reactor: OPEN_CLAWBACK_FOR_CONSORTIUM_RECOVERY,
            aggregate_type: "consortium",
            event_types: &["RecoveryReferred"],
        },
        idempotency_key: CASE_PER_REFERRAL,
        handler: |r| Box::pin(crate::recovery::open_clawback_for_consortium_recovery(r)),
    },
    // A support grant found improper opens a clawback case (追回).
    ProcessManager {
        listens: Subscription {
            reactor: OPEN_CLAWBACK_FOR_SUPPORT_RECOVERY,
            aggregate_type: "support_application",
            event_types: &["RecoveryReferred"],
        },
        idempotency_key: CASE_PER_REFERRAL,
        handler: |r| Box::pin(crate::recovery::open_clawback_for_support_recovery(r)),
    },
    // A clawback escalated as an integrity referral opens an integrity case on the debtor.
    ProcessManager {
        listens: Subscription {
            reactor: OPEN_INTEGRITY_CASE_FOR_CLAWBACK_ESCALATION,
            aggregate_type: "clawback_case",
            event_types: &["ClawbackEscalated"],
        },
        idempotency_key: "the case id is reaction_id(event, \"integrity_case\") in the debtor's \
             record; a second OpenCase is refused CaseAlreadyOpened, which counts as done",
        handler: |r| Box::pin(crate::recovery::open_integrity_case_for_clawback_escalation(r)),
    },
    // Biennial evaluation: each final grade is recorded on its consortium.
    ProcessManager {
        listens: Subscription {
            reactor: EVALUATION_RESULTS,
            aggregate_type: "evaluation_round",
            event_types: &["RoundFinalised"],
        },
        idempotency_key: "a consortium refuses a second result for the same round \
             (ResultAlreadyRecorded), which counts as done",
        handler: |r| Box::pin(crate::reactions_consortium::record_results(r)),
    },
    // 004_c8247068307aab5b.txt「市場主體“出題”,政府“發榜”」: each need a call answers records its adoption.
    ProcessManager {
        listens: Subscription {
            reactor: ADOPT_NEEDS,
            aggregate_type: "challenge",
            event_types: &["NeedsAdopted"],
        },
        idempotency_key: "a need whose view already names this call as adopter is skipped",
        handler: |r| Box::pin(crate::reactions::adopt_needs(r)),
    },
];

/// The process manager named `reactor`.
pub fn find(reactor: &str) -> Option<&'static ProcessManager> {
    PROCESS_MANAGERS
        .iter()
        .find(|m| m.listens.reactor == reactor)
}

/// What the store must queue for the process managers.
pub fn subscriptions() -> Vec<Subscription> {
    PROCESS_MANAGERS.iter().map(|m| m.listens).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_process_manager_has_its_own_name() {
        let mut names: Vec<_> = PROCESS_MANAGERS.iter().map(|m| m.listens.reactor).collect();
        names.sort_unstable();
        let before = names.len();
        names.dedup();
        assert_eq!(before, names.len(), "two process managers share a name");
        assert!(PROCESS_MANAGERS
            .iter()
            .all(|m| !m.idempotency_key.is_empty()));
    }
}
