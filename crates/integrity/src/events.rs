use chrono::NaiveDate;
use cqrs_es::DomainEvent;
use kernel::{Money, OrgCode};
use serde::{Deserialize, Serialize};

use crate::{Bar, CaseSource, Recovery, Severity};

/// What happened to an organisation's integrity record. Names and versions never change.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum IntegrityEvent {
    /// A case was opened.
    IntegrityCaseOpened {
        /// The case.
        case_id: String,
        /// The organisation.
        org: OrgCode,
        /// What is alleged.
        allegation: String,
        /// Related projects.
        related_projects: Vec<String>,
        /// Where it came from.
        source: CaseSource,
        /// Opening date.
        opened_on: NaiveDate,
    },
    /// A violation was determined.
    ViolationDetermined {
        /// The case.
        case_id: String,
        /// Serious or general.
        severity: Severity,
        /// Decision date.
        decision_date: NaiveDate,
        /// Findings document.
        findings_ref: String,
    },
    /// The case was dismissed.
    IntegrityCaseDismissed {
        /// The case.
        case_id: String,
        /// Why.
        reason: String,
        /// Dismissal date.
        dismissed_on: NaiveDate,
    },
    /// The case was entered in the archive; a serious one carries its bar.
    IntegrityRecorded {
        /// The case.
        case_id: String,
        /// The organisation.
        org: OrgCode,
        /// Serious or general.
        severity: Severity,
        /// Decision date.
        decision_date: NaiveDate,
        /// The bar, for a serious violation.
        bar: Option<Bar>,
        /// Recovery amounts referred to clawback.
        recover: Vec<Recovery>,
        /// Recording date.
        recorded_on: NaiveDate,
    },
    /// One related project's recovery was referred to clawback (a process manager opens a case).
    RecoveryReferred {
        /// The integrity case.
        case_id: String,
        /// The project.
        project: String,
        /// Who must repay (the recorded organisation).
        debtor: OrgCode,
        /// Amount to recover.
        amount: Money,
        /// Total disbursed to the project, as the decision states it.
        disbursed: Money,
    },
    /// The record was revoked on appeal; its bar ends from `revoked_on`.
    IntegrityRecordRevoked {
        /// The case.
        case_id: String,
        /// Why.
        reason: String,
        /// Appeal decision reference.
        decision_ref: String,
        /// Revocation date.
        revoked_on: NaiveDate,
    },
}

impl DomainEvent for IntegrityEvent {
    fn event_type(&self) -> String {
        match self {
            IntegrityEvent::IntegrityCaseOpened { .. } => "IntegrityCaseOpened",
            IntegrityEvent::ViolationDetermined { .. } => "ViolationDetermined",
            IntegrityEvent::IntegrityCaseDismissed { .. } => "IntegrityCaseDismissed",
            IntegrityEvent::IntegrityRecorded { .. } => "IntegrityRecorded",
            IntegrityEvent::RecoveryReferred { .. } => "RecoveryReferred",
            IntegrityEvent::IntegrityRecordRevoked { .. } => "IntegrityRecordRevoked",
        }
        .to_string()
    }

    fn event_version(&self) -> String {
        "1.0".to_string()
    }
}
