//! The research-integrity record (科研诚信档案) of one organisation: one stream per
//! organisation, whose id is its 统一社会信用代码.
//!
//! Cases are opened from a report or a clawback referral, determined (serious, general) or
//! dismissed, and recorded in the archive. A serious violation bars the organisation for at
//! least 3 years from the decision date (the bar ends on the anniversary) and refers the
//! related projects' recovery amounts to clawback; a revocation on appeal ends the bar.
//!
//! Rules live in [`IntegrityRecord`]'s `handle`; `apply` only assigns. See domain.md §3.g.

mod aggregate;
mod commands;
mod error;
mod events;
mod services;
#[cfg(test)]
mod tests;

pub use aggregate::{Bar, CaseStatus, IntegrityCase, IntegrityRecord};
pub use commands::{IntegrityCommand, OpenIntegrityCase};
pub use error::IntegrityError;
pub use events::IntegrityEvent;
pub use services::IntegrityServices;

use kernel::Money;
use serde::{Deserialize, Serialize};

/// How grave a violation is (严重 / 一般).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Severity {
    /// 严重违背科研诚信: recorded with a bar of at least 3 years.
    Serious,
    /// 一般: recorded without a bar.
    General,
}

/// Where a case came from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum CaseSource {
    /// A report (举报) or an officer's finding, with its reference.
    Report {
        /// The report's reference.
        reference: String,
    },
    /// A clawback case escalated because the debtor refused to repay.
    ClawbackReferral {
        /// The clawback case's id.
        clawback_case: String,
    },
}

/// A related project's recovery amount, set by the officer when recording a serious violation
/// (并按規定追回有關財政資金).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Recovery {
    /// The project's stream id (one of the case's related projects).
    pub project: String,
    /// Amount to recover.
    pub amount: Money,
    /// What can still be recovered from the project: the ledger's disbursed total net of every
    /// clawback case on it, read inside the recording command's transaction.
    pub disbursed: Money,
}
