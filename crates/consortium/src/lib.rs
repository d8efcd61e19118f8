//! The innovation consortium (创新联合体) aggregate: a leading enterprise with universities,
//! institutes and SMEs forms a consortium (领军企业牵头、高校院所支撑), applies for Kunshan or Suzhou
//! cultivation or Suzhou accreditation (提档升级, upgrades only), receives cultivation rewards paid
//! at the higher level and never twice (就高不重复), linked support when accredited, is evaluated
//! periodically, loses its status after two consecutive failing results, and is accepted at the
//! end of its construction period or rectified or referred for recovery (整改或追回资金).
//!
//! Rules live in [`Consortium`]'s `handle`; `apply` only assigns. See domain.md §3.d.

mod aggregate;
mod commands;
mod error;
mod events;
mod services;
#[cfg(test)]
mod tests;

pub use aggregate::{Consortium, ConsortiumStatus, Grant, LevelSpell};
pub use commands::{ConsortiumCommand, FormConsortium, LevelDecision, Remedy, SupportBasis};
pub use error::ConsortiumError;
pub use events::{CancelledGrant, ConsortiumEvent, RecoveryBasis, RevocationReason};
pub use services::{ConsortiumPolicy, ConsortiumServices};

use serde::{Deserialize, Serialize};

/// The level a consortium holds, lowest first; upgrades (提档升级) only go up.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Level {
    /// L1 纳入昆山市创新联合体培育: Kunshan cultivation, decided in Kunshan.
    KunshanCultivation,
    /// L2 纳入苏州市创新联合体培育: Suzhou cultivation, an external Suzhou decision.
    SuzhouCultivation,
    /// L3 经认定为苏州市创新联合体: Suzhou accreditation, an external Suzhou decision.
    SuzhouAccreditation,
}

impl Level {
    /// The wire name.
    pub fn as_str(self) -> &'static str {
        match self {
            Level::KunshanCultivation => "kunshan_cultivation",
            Level::SuzhouCultivation => "suzhou_cultivation",
            Level::SuzhouAccreditation => "suzhou_accreditation",
        }
    }

    /// True for the levels Suzhou decides (L2, L3), which are recorded with a document reference.
    pub fn is_suzhou(self) -> bool {
        matches!(self, Level::SuzhouCultivation | Level::SuzhouAccreditation)
    }
}

/// The grade an evaluation round (考核评价) gave the consortium.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum EvaluationGrade {
    /// 优秀: mean score ≥ 80.
    Excellent,
    /// 合格: mean score ≥ 60 and < 80.
    Pass,
    /// 不合格: mean score < 60, or no self-assessment.
    Fail,
    /// Excluded from the round for an integrity bar; counts as failing (domain.md ).
    Excluded,
}

impl EvaluationGrade {
    /// True for the grades that count toward revocation (不合格, or excluded for a bar).
    pub fn is_failing(self) -> bool {
        matches!(self, EvaluationGrade::Fail | EvaluationGrade::Excluded)
    }
}

/// What a grant of money to a consortium is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum GrantKind {
    /// 培育奖励: the one-off cultivation reward for L1 or L2, paid 就高不重复.
    CultivationReward {
        /// The cultivation level the reward is for.
        level: Level,
    },
    /// 联动支持: linkage support for an accredited (L3) consortium.
    AccreditationSupport,
}

/// One evaluation result as the consortium records it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EvaluationRecord {
    /// The evaluation round's id.
    pub round_id: String,
    /// The round's number in the biennial sequence.
    pub round_no: u32,
    /// Last day of the period the round assessed.
    pub period_end: chrono::NaiveDate,
    /// The grade.
    pub grade: EvaluationGrade,
}
