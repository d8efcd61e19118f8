//! The biennial evaluation round (考核评价 / 动态监测评估) aggregate: the bureau plans a round over a
//! two-year period, enrols the consortia that held a level at its end (a barred one is recorded as
//! excluded), opens it once the period is over with a self-assessment window (联盟自查), assigns
//! evaluators without conflicts of interest, collects 0–100 scores (百分制), notices the results
//! publicly (公示) for at least 7 days with objections, and finalises grades from the mean score.
//!
//! Rules live in [`EvaluationRound`]'s `handle`; `apply` only assigns. See domain.md §3.e.

mod aggregate;
mod commands;
mod error;
mod events;
mod services;
#[cfg(test)]
mod tests;

pub use aggregate::{EvaluationRound, Objection, ObjectionStatus, RoundStatus, Subject};
pub use commands::{EvaluationCommand, PlanRound, PreviousRound, ScoreEntry, SubjectFacts};
pub use error::EvaluationError;
pub use events::{EvaluationEvent, SubjectResult};
pub use services::{EvaluationPolicy, EvaluationServices};

use kernel::OrgCode;
use serde::{Deserialize, Serialize};

/// Who evaluates the round (001_5a9afaa2304051ee.txt「定期组织专家或委托专业第三方」).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum EvaluatorKind {
    /// 专家: an expert panel.
    Experts,
    /// 专业第三方: a commissioned third-party agency.
    ThirdParty,
}

/// A grade a round gives a subject.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Grade {
    /// 优秀.
    Excellent,
    /// 合格.
    Pass,
    /// 不合格 (also: no self-assessment).
    Fail,
    /// Excluded for an integrity bar; counts as failing (domain.md ).
    Excluded,
}

/// An evaluator: a person (the token subject) and the organisation they belong to.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Evaluator {
    /// The person's stable id (token `sub`).
    pub id: String,
    /// The organisation they work for, checked for conflicts of interest.
    pub org: OrgCode,
}
