//! The clawback case (追回资金) aggregate: public money paid to a project or a consortium that
//! did not deliver is claimed back from its recipient.
//!
//! A case is opened from a recovery referral (by a process manager) or by an officer, gets a
//! recovery notice (repay within 15 days, object within 5 working days), may be objected to,
//! is repaid in parts with treasury receipts, may go overdue and be escalated, may have its
//! remainder waived by a second approver, settles at zero and is then closed.
//!
//! Rules live in [`ClawbackCase`]'s `handle`; `apply` only assigns. See domain.md §3.f.

mod aggregate;
mod commands;
mod error;
mod events;
mod services;
#[cfg(test)]
mod tests;

pub use aggregate::{ClawbackCase, ClawbackStatus};
pub use commands::{ClawbackCommand, IssueNotice, ObjectionDecision, OpenClawback};
pub use error::ClawbackError;
pub use events::ClawbackEvent;
pub use services::{ClawbackServices, ClawbackTerms};

use serde::{Deserialize, Serialize};

/// What the money was paid to and is claimed back for (追回对象).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", content = "id", rename_all = "snake_case")]
pub enum Subject {
    /// An awarded project (立项项目), by stream id.
    Project(String),
    /// An innovation consortium (创新联合体), by stream id.
    Consortium(String),
    /// A rule-based support application (政策性资助申请), by stream id.
    SupportApplication(String),
}

impl Subject {
    /// The subject's stream id.
    pub fn id(&self) -> &str {
        match self {
            Subject::Project(id) | Subject::Consortium(id) | Subject::SupportApplication(id) => id,
        }
    }

    /// `project`, `consortium` or `support_application`.
    pub fn kind(&self) -> &'static str {
        match self {
            Subject::Project(_) => "project",
            Subject::Consortium(_) => "consortium",
            Subject::SupportApplication(_) => "support_application",
        }
    }
}

/// Why a recovery was decided: the kind of triggering decision and its reference.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum BasisKind {
    /// A project failed re-acceptance (验收不通过).
    ProjectFailed,
    /// A project was terminated for misconduct or failed rectification (终止).
    ProjectTerminated,
    /// A consortium's remedy was "recover" (整改或追回资金).
    ConsortiumRemedy,
    /// A serious violation was recorded in the integrity archive (科研诚信档案).
    IntegrityRecorded,
    /// An officer's own recovery decision, with its document reference.
    OfficerDecision,
}

/// The decision a case rests on.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Basis {
    /// The kind of triggering decision.
    pub kind: BasisKind,
    /// The triggering event (`<aggregate_type>/<id>/<sequence>`) or the decision document.
    pub reference: String,
}

/// Where an overdue case is escalated to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum EscalationRoute {
    /// Recovery through the courts (通过司法程序追缴).
    Judicial,
    /// Refusal to repay referred to the research-integrity archive as a case.
    IntegrityReferral,
}
