/// A process manager's (反应器) interest in events: the store writes an outbox row, in the same
/// transaction as the event, for every event of `aggregate_type` whose type is in `event_types`.
/// The API drains the outbox and runs the reactor named `reactor` on each row, at least once.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Subscription {
    /// The reactor's stable name (outbox rows carry it).
    pub reactor: &'static str,
    /// The aggregate type whose events it reacts to.
    pub aggregate_type: &'static str,
    /// The event types it reacts to.
    pub event_types: &'static [&'static str],
}

impl Subscription {
    /// True when `event_type` of `aggregate_type` concerns this reactor.
    pub fn wants(&self, aggregate_type: &str, event_type: &str) -> bool {
        self.aggregate_type == aggregate_type && self.event_types.contains(&event_type)
    }
}

/// Every process manager grantledger runs. Each reaction's command is idempotent: its target id is
/// derived from the causing event, and a repeated reaction is refused by the target as done.
pub fn all_subscriptions() -> Vec<Subscription> {
    vec![
        // A serious integrity record refers each related project's recovery: open a clawback case.
        Subscription {
            reactor: OPEN_CLAWBACK_FOR_INTEGRITY_RECOVERY,
            aggregate_type: "integrity_record",
            event_types: &["RecoveryReferred"],
        },
        // A clawback escalated as an integrity referral opens an integrity case on the debtor.
        Subscription {
            reactor: OPEN_INTEGRITY_CASE_FOR_CLAWBACK_ESCALATION,
            aggregate_type: "clawback_case",
            event_types: &["ClawbackEscalated"],
        },
        // 赛马制 checkpoints and the race's conclusion reach each lane's project.
        // Failure or termination with money to recover opens a clawback case (追回资金).
        Subscription {
            reactor: OPEN_CLAWBACK_FOR_PROJECT_RECOVERY,
            aggregate_type: "project",
            event_types: &["RecoveryReferred"],
        },
        // 001_5a9afaa2304051ee.txt「整改或追回资金」: a consortium's recovery opens a clawback case.
        Subscription {
            reactor: OPEN_CLAWBACK_FOR_CONSORTIUM_RECOVERY,
            aggregate_type: "consortium",
            event_types: &["RecoveryReferred"],
        },
        Subscription {
            reactor: RACE_TO_LANES,
            aggregate_type: "race",
            event_types: &["CheckpointHeld", "RaceConcluded"],
        },
        // A lane whose project ends outside a checkpoint leaves its race (`Race.WithdrawLane`).
        Subscription {
            reactor: LANE_LEAVES_RACE,
            aggregate_type: "project",
            event_types: &["ProjectTerminated", "ProjectFailed", "ProjectClosed"],
        },
        crate::evaluation_view::EVALUATION_RESULTS,
        // 004_c8247068307aab5b.txt「市場主體“出題”,政府“發榜”」: each need a call answers records its adoption.
        Subscription {
            reactor: ADOPT_NEEDS,
            aggregate_type: "challenge",
            event_types: &["NeedsAdopted"],
        },
        AWARD_OUTCOME,
        // A support grant found improper opens a clawback case (追回).
        Subscription {
            reactor: OPEN_CLAWBACK_FOR_SUPPORT_RECOVERY,
            aggregate_type: "support_application",
            event_types: &["RecoveryReferred"],
        },
    ]
}

/// Reactor: `challenge` `NeedsAdopted` → `TechnologyNeed.Adopt` on each need.
pub const ADOPT_NEEDS: &str = "adopt_needs";

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

/// Carries a race's checkpoint results and conclusion to its lanes' projects.
pub const RACE_TO_LANES: &str = "race_to_lanes";

/// Reactor: `project` `ProjectTerminated`/`ProjectFailed`/`ProjectClosed` → `Race.WithdrawLane`.
pub const LANE_LEAVES_RACE: &str = "lane_leaves_race";

/// `ChallengeAwarded` / `ChallengeUnfilled` → one project per winner (`Project.CreateFromAward`),
/// winners' bids `MarkAwarded`, every other bid still in play `MarkNotSelected`.
pub const AWARD_OUTCOME: Subscription = Subscription {
    reactor: "award_outcome",
    aggregate_type: "challenge",
    event_types: &["ChallengeAwarded", "ChallengeUnfilled"],
};
