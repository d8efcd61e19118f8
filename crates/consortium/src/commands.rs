use chrono::NaiveDate;
use kernel::{ActiveBar, Money, OrgCode};

use crate::{EvaluationGrade, Level};

/// Commands on a consortium. Integrity bars (`bars`) are looked up by the caller for the
/// organisations the command names and the command's effective date.
#[derive(Debug, Clone, PartialEq)]
pub enum ConsortiumCommand {
    /// 组建: the lead enterprise forms the consortium.
    Form(FormConsortium),
    /// A member unit (成员单位) joins.
    AddMember {
        /// The joining organisation.
        member: OrgCode,
        /// The date it joined (not in the future).
        on: NaiveDate,
        /// Why.
        reason: String,
        /// Active bars on the joining organisation.
        bars: Vec<ActiveBar>,
    },
    /// A member unit leaves.
    RemoveMember {
        /// The leaving organisation.
        member: OrgCode,
        /// The date it left (not in the future).
        on: NaiveDate,
        /// Why.
        reason: String,
    },
    /// Apply for a higher level (提档升级).
    ApplyForLevel {
        /// The level applied for; above the level held.
        level: Level,
        /// The recommending unit (推荐单位), e.g. the town or district office.
        recommended_by: String,
        /// Active bars on the lead and members.
        bars: Vec<ActiveBar>,
    },
    /// Record the decision on the pending application (Kunshan, or Suzhou as an external decision).
    RecordLevelDecision(LevelDecision),
    /// 培育奖励: grant the one-off cultivation reward for L1 or L2.
    GrantCultivationReward {
        /// L1 or L2.
        level: Level,
        /// The amount granted (≤ the level's cap).
        amount: Money,
    },
    /// 联动支持: grant linkage support to an accredited consortium.
    GrantAccreditationSupport {
        /// The amount granted.
        amount: Money,
        /// What the grant is based on.
        basis: SupportBasis,
    },
    /// Pay part or all of a grant.
    DisburseFunds {
        /// The grant paid from.
        grant_id: String,
        /// The amount paid.
        amount: Money,
    },
    /// Record the result an evaluation round (考核评价) gave the consortium.
    RecordEvaluationResult {
        /// The round's id.
        round_id: String,
        /// The round's number.
        round_no: u32,
        /// Last day of the assessed period.
        period_end: NaiveDate,
        /// The grade.
        grade: EvaluationGrade,
    },
    /// 建设期满: the construction period is over; final acceptance is due.
    EndConstructionPeriod,
    /// Record the outcome of final acceptance (验收).
    RecordFinalAcceptance {
        /// Whether it passed.
        passed: bool,
        /// The acceptance report.
        report_ref: String,
    },
    /// After a failed acceptance: rectification (整改) or recovery (追回资金).
    DecideRemedy(Remedy),
    /// Record the outcome of the ordered rectification.
    RecordRectificationOutcome {
        /// Whether the re-assessment passed.
        passed: bool,
        /// The re-assessment report.
        report_ref: String,
        /// When failed: the amount to recover (≤ what was disbursed).
        recover_amount: Option<Money>,
    },
}

/// The founding facts of a consortium.
#[derive(Debug, Clone, PartialEq)]
pub struct FormConsortium {
    /// Name of the consortium.
    pub name: String,
    /// 牵头单位: the leading enterprise (USCC class `91`).
    pub lead: OrgCode,
    /// 成员单位: the other members, distinct, with at least one university or institute.
    pub members: Vec<OrgCode>,
    /// The charter or formation agreement (章程 / 组建协议) reference.
    pub charter_ref: String,
    /// The industry chain (产业链) the consortium serves.
    pub focus_chain: String,
    /// Active bars on the lead and members.
    pub bars: Vec<ActiveBar>,
}

/// The decision on a level application.
#[derive(Debug, Clone, PartialEq)]
pub struct LevelDecision {
    /// Granted or rejected.
    pub granted: bool,
    /// The decision document; required for the Suzhou levels.
    pub decision_ref: String,
    /// The date the decision takes effect.
    pub effective_date: NaiveDate,
    /// Length of the construction period; the policy default when `None`.
    pub construction_years: Option<u32>,
    /// Why, when rejected.
    pub reason: Option<String>,
}

/// What linkage support is based on (根据其建设运营情况).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum SupportBasis {
    /// A passed (or excellent) evaluation round recorded on this consortium.
    PassedEvaluation {
        /// The round's id.
        round_id: String,
    },
    /// A construction and operation report (建设运营情况报告).
    OperationsReport {
        /// The report's reference.
        report_ref: String,
    },
}

/// The remedy after a failed final acceptance.
#[derive(Debug, Clone, PartialEq)]
pub enum Remedy {
    /// 整改: rectify by a deadline.
    Rectify {
        /// Last day for the rectification.
        deadline: NaiveDate,
    },
    /// 追回资金: recover an amount (≤ what was disbursed).
    Recover {
        /// The amount.
        amount: Money,
    },
}
