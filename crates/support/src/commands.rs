use chrono::NaiveDate;
use kernel::{ActiveBar, Money, OrgCode};
use serde::{Deserialize, Serialize};

/// A piece of evidence an application references: its kind (`contract`, `invoice`,
/// `treasury_receipt`, …) and a document number or an attachment's hash.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Evidence {
    /// The evidence kind, one of the instrument's `evidence_required` or any other.
    pub kind: String,
    /// The document reference or attachment hash.
    pub reference: String,
}

/// Commands on a support application.
#[derive(Debug, Clone, PartialEq)]
pub enum SupportCommand {
    /// Apply for an instrument (申请).
    Apply(ApplySupport),
    /// An officer verifies the base (核定), possibly reducing it.
    VerifyBase {
        /// The verified base; at most the claimed base.
        verified_base: Money,
        /// Why the base was reduced; required when it was.
        reason: Option<String>,
        /// The verifying officer.
        verified_by: String,
    },
    /// An officer decides the application.
    Decide(DecideSupport),
    /// A second officer approves a 一事一议 grant above the cap proposed by the deciding one.
    ApproveCaseByCase {
        /// The approving officer; never the proposing one.
        approved_by: String,
        /// Granted so far to the beneficiary under the instrument in the period (ledger figure).
        already_granted: Money,
        /// Active integrity bars on the beneficiary.
        bars: Vec<ActiveBar>,
    },
    /// A tranche of the grant is paid (拨付).
    Disburse {
        /// Amount paid.
        amount: Money,
        /// The payment order or treasury reference of the tranche.
        tranche_ref: String,
        /// Payment date.
        paid_on: NaiveDate,
    },
    /// The grant was found improper: what was paid goes to the clawback process (追回).
    ReferRecovery {
        /// Amount to recover; at most what was paid and not yet referred.
        amount: Money,
        /// Why the grant is improper.
        reason: String,
        /// The recovery decision's document reference.
        decision_ref: String,
        /// The officer referring.
        referred_by: String,
    },
}

/// An application. `bars` are the integrity bars in force on the beneficiary today.
#[derive(Debug, Clone, PartialEq)]
pub struct ApplySupport {
    /// Instrument id in the catalogue.
    pub instrument: String,
    /// The beneficiary organisation (受资助单位).
    pub beneficiary: OrgCode,
    /// The funding year; the current Asia/Shanghai year when absent.
    pub year: Option<i32>,
    /// The base claimed (transaction paid, premium paid, assessed reward, approved support).
    pub base: Money,
    /// Evidence references.
    pub evidence: Vec<Evidence>,
    /// Who applied.
    pub applied_by: String,
    /// Active integrity bars on the beneficiary.
    pub bars: Vec<ActiveBar>,
}

/// How an application is decided.
#[derive(Debug, Clone, PartialEq)]
pub enum Outcome {
    /// Grant `rate × verified base`, within the remaining cap unless decided case by case.
    Grant {
        /// The rate decided (basis points); the instrument's rate when absent.
        rate_bp: Option<u32>,
        /// 一事一议: the decision document of a grant above the remaining cap; the grant then
        /// awaits a second officer's approval.
        case_by_case: Option<String>,
    },
    /// Refuse, with the reason.
    Refuse {
        /// Why.
        reason: String,
    },
}

/// 一事一议: a grant above the cap, on a decision document, approved by a second officer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CaseByCase {
    /// The decision document (e.g. 会议纪要 number).
    pub decision_ref: String,
    /// The approving officer; never the deciding one.
    pub approved_by: String,
}

/// A decision. `already_granted` is the ledger's figure of what the beneficiary has been
/// granted under the instrument in the application's period, read in the decision's own
/// transaction; `bars` are the integrity bars in force on the beneficiary today.
#[derive(Debug, Clone, PartialEq)]
pub struct DecideSupport {
    /// Grant or refuse.
    pub outcome: Outcome,
    /// The deciding officer.
    pub decided_by: String,
    /// Granted so far to the beneficiary under the instrument in the period.
    pub already_granted: Money,
    /// Active integrity bars on the beneficiary.
    pub bars: Vec<ActiveBar>,
}
