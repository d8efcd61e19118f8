use chrono::NaiveDate;
use cqrs_es::DomainEvent;
use kernel::Money;
use serde::{Deserialize, Serialize};

use crate::{AwardProject, ContractTerms, TerminationReason};

/// Why money is referred for recovery.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RecoveryBasis {
    /// Re-acceptance after rectification failed.
    ProjectFailed,
    /// Terminated for misconduct.
    Misconduct,
    /// Terminated after a failed rectification.
    RectificationFailed,
    /// Terminated as infeasible (unspent funds).
    Infeasible,
    /// Terminated at the applicant's request (unspent funds).
    ApplicantRequest,
}

/// What happened to a project. Names and versions never change once stored.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum ProjectEvent {
    /// 立项: the project exists, holding its award.
    ProjectAwarded(AwardProject),
    /// The task contract was signed.
    ContractSigned(ContractTerms),
    /// A tranche was paid.
    TrancheDisbursed {
        /// Tranche id.
        tranche: String,
        /// Amount paid.
        amount: Money,
        /// Payment date.
        paid_on: NaiveDate,
        /// Payment reference.
        payment_ref: String,
        /// Total paid on the project after this payment.
        disbursed_total: Money,
    },
    /// The lead reported a milestone.
    MilestoneReported {
        /// Milestone id.
        milestone: String,
        /// Evidence reference.
        evidence_ref: String,
        /// Date reported.
        reported_on: NaiveDate,
    },
    /// A milestone passed.
    MilestonePassed {
        /// Milestone id.
        milestone: String,
        /// Reviewer opinions.
        opinions: Vec<String>,
    },
    /// A milestone failed.
    MilestoneFailed {
        /// Milestone id.
        milestone: String,
        /// Reviewer opinions.
        opinions: Vec<String>,
    },
    /// A failed milestone was given a rectification.
    MilestoneRectificationOrdered {
        /// Milestone id.
        milestone: String,
        /// Deadline.
        deadline: NaiveDate,
    },
    /// The rectified milestone passed.
    MilestoneRectified {
        /// Milestone id.
        milestone: String,
        /// Reviewer opinions.
        opinions: Vec<String>,
    },
    /// The rectification failed (or its deadline was missed).
    MilestoneRectificationFailed {
        /// Milestone id.
        milestone: String,
        /// True when nothing was reported by the deadline.
        deadline_missed: bool,
        /// Reviewer opinions.
        opinions: Vec<String>,
    },
    /// The lane survived a race checkpoint.
    CheckpointSurvived {
        /// Checkpoint number.
        checkpoint: u32,
    },
    /// The lane was eliminated (no further tranches; no clawback).
    ProjectEliminated {
        /// Checkpoint number.
        checkpoint: u32,
    },
    /// The race concluded with this lane as survivor; it goes on as an ordinary project.
    RaceWon,
    /// The one extension was granted.
    ExtensionGranted {
        /// The end before.
        previous_end: NaiveDate,
        /// The new end.
        new_end: NaiveDate,
        /// Why.
        reason: String,
    },
    /// The lead asked for acceptance.
    AcceptanceRequested {
        /// Date asked.
        requested_on: NaiveDate,
    },
    /// Acceptance (or re-acceptance) passed.
    AcceptancePassed {
        /// Panel.
        panel: String,
        /// Report reference.
        report_ref: String,
        /// 企业评榜: the demand owner's confirmation.
        demand_owner_confirmation: Option<String>,
    },
    /// Acceptance failed.
    AcceptanceFailed {
        /// Panel.
        panel: String,
        /// Report reference.
        report_ref: String,
        /// 企业评榜: the demand owner's confirmation.
        demand_owner_confirmation: Option<String>,
    },
    /// The one rectification after a failed acceptance was ordered.
    AcceptanceRectificationOrdered {
        /// Deadline.
        deadline: NaiveDate,
    },
    /// Re-acceptance failed: the project failed.
    ProjectFailed {
        /// Report reference.
        report_ref: String,
    },
    /// The project was terminated.
    ProjectTerminated {
        /// Why.
        reason: TerminationReason,
        /// Explanation.
        detail: String,
    },
    /// Money is referred for recovery (追回资金); the clawback process opens a case from it.
    RecoveryReferred {
        /// Amount to recover.
        amount: Money,
        /// Why.
        basis: RecoveryBasis,
        /// Total disbursed when referred.
        disbursed_total: Money,
    },
    /// The project was closed; unpaid tranches are cancelled.
    ProjectClosed {
        /// The unpaid tranches.
        cancelled_tranches: Vec<String>,
        /// Their total.
        undisbursed_cancelled: Money,
    },
}

impl DomainEvent for ProjectEvent {
    fn event_type(&self) -> String {
        match self {
            ProjectEvent::ProjectAwarded(_) => "ProjectAwarded",
            ProjectEvent::ContractSigned(_) => "ContractSigned",
            ProjectEvent::TrancheDisbursed { .. } => "TrancheDisbursed",
            ProjectEvent::MilestoneReported { .. } => "MilestoneReported",
            ProjectEvent::MilestonePassed { .. } => "MilestonePassed",
            ProjectEvent::MilestoneFailed { .. } => "MilestoneFailed",
            ProjectEvent::MilestoneRectificationOrdered { .. } => "MilestoneRectificationOrdered",
            ProjectEvent::MilestoneRectified { .. } => "MilestoneRectified",
            ProjectEvent::MilestoneRectificationFailed { .. } => "MilestoneRectificationFailed",
            ProjectEvent::CheckpointSurvived { .. } => "CheckpointSurvived",
            ProjectEvent::ProjectEliminated { .. } => "ProjectEliminated",
            ProjectEvent::RaceWon => "RaceWon",
            ProjectEvent::ExtensionGranted { .. } => "ExtensionGranted",
            ProjectEvent::AcceptanceRequested { .. } => "AcceptanceRequested",
            ProjectEvent::AcceptancePassed { .. } => "AcceptancePassed",
            ProjectEvent::AcceptanceFailed { .. } => "AcceptanceFailed",
            ProjectEvent::AcceptanceRectificationOrdered { .. } => "AcceptanceRectificationOrdered",
            ProjectEvent::ProjectFailed { .. } => "ProjectFailed",
            ProjectEvent::ProjectTerminated { .. } => "ProjectTerminated",
            ProjectEvent::RecoveryReferred { .. } => "RecoveryReferred",
            ProjectEvent::ProjectClosed { .. } => "ProjectClosed",
        }
        .to_string()
    }

    fn event_version(&self) -> String {
        "1.0".to_string()
    }
}
