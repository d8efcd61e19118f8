use chrono::NaiveDate;
use kernel::{Money, OrgCode};
use serde::{Deserialize, Serialize};

use crate::Gate;

/// Commands on a project.
#[derive(Debug, Clone, PartialEq)]
pub enum ProjectCommand {
    /// 立项: create the project from an award (process manager, once per winning bid).
    CreateFromAward(AwardProject),
    /// Sign the task contract (任务书) (officer).
    SignContract(ContractTerms),
    /// Pay one tranche whose gate is met (officer).
    DisburseTranche {
        /// The tranche.
        tranche: String,
        /// Payment date.
        paid_on: NaiveDate,
        /// Payment reference (国库集中支付凭证号 or similar).
        payment_ref: String,
    },
    /// Report a milestone with evidence (the lead applicant).
    ReportMilestone {
        /// The milestone.
        milestone: String,
        /// Reference to the evidence.
        evidence_ref: String,
        /// The reporting organisation; must be the lead.
        reporter: OrgCode,
    },
    /// Assess a reported milestone, or a rectification (officer).
    AssessMilestone {
        /// The milestone.
        milestone: String,
        /// Passed or failed.
        passed: bool,
        /// Reviewer opinions attached to the assessment.
        opinions: Vec<String>,
    },
    /// 整改: give a failed milestone one rectification with a deadline (officer).
    OrderMilestoneRectification {
        /// The milestone.
        milestone: String,
        /// Last day to report the rectified result.
        deadline: NaiveDate,
    },
    /// A lane survived a race checkpoint (process manager, from the race).
    SurviveCheckpoint {
        /// Checkpoint number.
        checkpoint: u32,
    },
    /// A lane was eliminated at a race checkpoint (process manager, from the race).
    EliminateFromRace {
        /// Checkpoint number.
        checkpoint: u32,
    },
    /// The race ended with this lane as its one survivor (process manager, from the race).
    ConcludeRace,
    /// Grant the one extension (officer).
    GrantExtension {
        /// The new end.
        new_end: NaiveDate,
        /// Why.
        reason: String,
    },
    /// Ask for acceptance (the lead applicant).
    RequestAcceptance {
        /// The requesting organisation; must be the lead.
        requester: OrgCode,
    },
    /// Record the acceptance result (officer), with the demand owner's confirmation (企业评榜).
    RecordAcceptance {
        /// Passed or failed.
        passed: bool,
        /// Panel, e.g. names or reference.
        panel: String,
        /// Acceptance report reference.
        report_ref: String,
        /// The demand owner's confirmation of the targets, when given.
        demand_owner_confirmation: Option<String>,
    },
    /// Order the one rectification after a failed acceptance (officer).
    OrderAcceptanceRectification {
        /// Last day of the rectification.
        deadline: NaiveDate,
    },
    /// Record re-acceptance after rectification (officer).
    RecordReAcceptance {
        /// Passed or failed.
        passed: bool,
        /// Report reference.
        report_ref: String,
        /// Amount to recover on failure; defaults to all money disbursed.
        recover_amount: Option<Money>,
    },
    /// 终止: end the project early (officer).
    Terminate {
        /// Why.
        reason: TerminationReason,
        /// Explanation.
        detail: String,
        /// Amount to recover; required for infeasibility or the applicant's request.
        recover_amount: Option<Money>,
    },
    /// Close a project with a terminal outcome; unpaid tranches are cancelled (officer).
    Close,
}

/// The award a project starts from.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AwardProject {
    /// The call.
    pub challenge_id: String,
    /// The winning bid.
    pub bid_id: String,
    /// The lead organisation (揭榜单位).
    pub lead: OrgCode,
    /// Joint members.
    pub members: Vec<OrgCode>,
    /// The demand owner (出题企业), who confirms the targets at acceptance.
    pub demand_owner: OrgCode,
    /// The amount awarded.
    pub award: Money,
    /// The call's completion deadline.
    pub completion_deadline: NaiveDate,
    /// True when the project is a lane of a horse race.
    pub race_lane: bool,
}

/// A milestone of the contract.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MilestonePlan {
    /// Id, unique in the contract.
    pub id: String,
    /// Due date.
    pub due: NaiveDate,
    /// Deliverables.
    pub deliverables: String,
    /// Measurable targets, tied to the call's targets.
    pub targets: Vec<String>,
}

/// A funding tranche of the contract.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TranchePlan {
    /// Id, unique in the contract.
    pub id: String,
    /// Amount.
    #[serde(rename = "amount_fen")]
    pub amount: Money,
    /// When it may be paid.
    pub gate: Gate,
}

/// The terms of a task contract (任务书).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ContractTerms {
    /// Task-book reference.
    pub task_book_ref: String,
    /// Start.
    pub start: NaiveDate,
    /// End (before any extension).
    pub end: NaiveDate,
    /// Milestones; at least one.
    pub milestones: Vec<MilestonePlan>,
    /// Tranches; their amounts sum exactly to the award.
    pub tranches: Vec<TranchePlan>,
}

/// Why a project is terminated.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TerminationReason {
    /// 违规: misconduct. Recovery defaults to all money disbursed.
    Misconduct,
    /// 无法实施: the work proved infeasible (宽容失败). The officer enters the unspent amount.
    Infeasible,
    /// 整改不合格: rectification failed. Recovery defaults to all money disbursed.
    RectificationFailed,
    /// At the applicant's request. The officer enters the unspent amount.
    ApplicantRequest,
}
