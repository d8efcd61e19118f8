use chrono::NaiveDate;
use kernel::OrgCode;

use crate::{CaseSource, Recovery, Severity};

/// Commands on an organisation's integrity record.
#[derive(Debug, Clone, PartialEq)]
pub enum IntegrityCommand {
    /// Open a case against the organisation.
    OpenCase(OpenIntegrityCase),
    /// Decide that a violation happened and how grave it is.
    DetermineViolation {
        /// The case.
        case_id: String,
        /// Serious or general.
        severity: Severity,
        /// The decision date (the bar runs from it).
        decision_date: NaiveDate,
        /// The findings document.
        findings_ref: String,
    },
    /// Close an open case without a finding.
    Dismiss {
        /// The case.
        case_id: String,
        /// Why.
        reason: String,
    },
    /// Enter a determined case in the archive (记入科研诚信档案).
    RecordInArchive {
        /// The case.
        case_id: String,
        /// Bar length in years for a serious violation (default 3, at least 3); none for general.
        bar_years: Option<u32>,
        /// Recovery amounts of related projects (serious violations only).
        recover: Vec<Recovery>,
    },
    /// Revoke a record after a successful appeal; the bar ends from today.
    RevokeRecord {
        /// The case.
        case_id: String,
        /// Why.
        reason: String,
        /// The appeal decision's reference.
        decision_ref: String,
    },
}

/// Opening a case. `case_id` is chosen by the caller; a process manager derives it from the
/// causing event, so a repeated referral addresses the same case and is refused.
#[derive(Debug, Clone, PartialEq)]
pub struct OpenIntegrityCase {
    /// The case's id within the record.
    pub case_id: String,
    /// The organisation (must be the record's organisation).
    pub org: OrgCode,
    /// What is alleged.
    pub allegation: String,
    /// Projects the allegation concerns (stream ids).
    pub related_projects: Vec<String>,
    /// Report or clawback referral.
    pub source: CaseSource,
}
