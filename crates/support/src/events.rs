use chrono::NaiveDate;
use cqrs_es::DomainEvent;
use kernel::{Money, OrgCode};
use serde::{Deserialize, Serialize};

use crate::{CaseByCase, Evidence};

/// What happened to a support application. Names and versions never change once stored.
/// Events carry the figures views need (period key, cap, totals), so views never recompute rules.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum SupportEvent {
    /// The application was filed.
    SupportApplied {
        /// Instrument id.
        instrument: String,
        /// Beneficiary.
        beneficiary: OrgCode,
        /// Funding year.
        year: i32,
        /// The cap's period key: the year, or `whole`.
        period: String,
        /// Base claimed.
        base: Money,
        /// Evidence references.
        evidence: Vec<Evidence>,
        /// Who applied.
        applied_by: String,
        /// Date filed.
        applied_on: NaiveDate,
    },
    /// The base was verified (and possibly reduced).
    BaseVerified {
        /// Base claimed.
        claimed: Money,
        /// Base verified.
        verified: Money,
        /// Why it was reduced.
        reason: Option<String>,
        /// Verifying officer.
        verified_by: String,
        /// Date verified.
        verified_on: NaiveDate,
    },
    /// A grant above the cap was proposed case by case (一事一议); it awaits a second officer.
    CaseByCaseProposed {
        /// Rate applied (basis points).
        rate_bp: u32,
        /// `rate × verified base`: the amount proposed.
        computed: Money,
        /// The cap per period.
        cap: Option<Money>,
        /// Granted in the period when proposed.
        already_granted: Money,
        /// The decision document.
        decision_ref: String,
        /// The proposing officer.
        proposed_by: String,
        /// Date proposed.
        proposed_on: NaiveDate,
    },
    /// Support was granted.
    SupportGranted {
        /// Instrument id.
        instrument: String,
        /// Beneficiary.
        beneficiary: OrgCode,
        /// Funding year.
        year: i32,
        /// The cap's period key.
        period: String,
        /// Rate applied (basis points).
        rate_bp: u32,
        /// `rate × verified base`, before the cap.
        computed: Money,
        /// The cap per period, if any.
        cap: Option<Money>,
        /// Granted to the beneficiary under the instrument in the period before this grant.
        already_granted: Money,
        /// Amount granted.
        granted: Money,
        /// True when the cap cut the grant below `computed`.
        capped: bool,
        /// 一事一议, when the grant goes above the cap.
        case_by_case: Option<CaseByCase>,
        /// Deciding officer.
        decided_by: String,
        /// Decision date.
        decided_on: NaiveDate,
    },
    /// The application was refused.
    SupportRefused {
        /// Why.
        reason: String,
        /// Deciding officer.
        decided_by: String,
        /// Decision date.
        decided_on: NaiveDate,
    },
    /// A tranche was paid.
    TrancheDisbursed {
        /// Amount paid.
        amount: Money,
        /// Payment reference.
        tranche_ref: String,
        /// Payment date.
        paid_on: NaiveDate,
        /// Paid so far, this tranche included.
        disbursed_total: Money,
        /// Granted and not yet paid.
        undisbursed: Money,
    },
    /// Recovery was referred to the clawback process.
    RecoveryReferred {
        /// Who must repay.
        debtor: OrgCode,
        /// Amount to recover.
        amount: Money,
        /// Paid to the beneficiary under this application.
        disbursed: Money,
        /// Why the grant is improper.
        reason: String,
        /// The recovery decision's reference.
        decision_ref: String,
        /// Referring officer.
        referred_by: String,
        /// Date referred.
        referred_on: NaiveDate,
    },
}

impl DomainEvent for SupportEvent {
    fn event_type(&self) -> String {
        match self {
            SupportEvent::SupportApplied { .. } => "SupportApplied",
            SupportEvent::BaseVerified { .. } => "BaseVerified",
            SupportEvent::CaseByCaseProposed { .. } => "CaseByCaseProposed",
            SupportEvent::SupportGranted { .. } => "SupportGranted",
            SupportEvent::SupportRefused { .. } => "SupportRefused",
            SupportEvent::TrancheDisbursed { .. } => "TrancheDisbursed",
            SupportEvent::RecoveryReferred { .. } => "RecoveryReferred",
        }
        .to_string()
    }

    fn event_version(&self) -> String {
        "1.0".to_string()
    }
}
