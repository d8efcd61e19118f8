//! Views of support applications (政策性资助申请): the application itself, listed by instrument,
//! by year, and by both; and the usage of each beneficiary's cap per instrument and period,
//! which the decision reads in its own transaction.

use chrono::NaiveDate;
use cqrs_es::persist::SerializedEvent;
use cqrs_es::{Aggregate, EventEnvelope, View};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use support::{CaseByCase, Evidence, SupportApplication, SupportEvent, SupportStatus};

use crate::{envelope_of, Indexed, ProjectionError, Projector, ViewIndex, ViewRow};

/// How the application was decided.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SupportDecisionEntry {
    /// `granted` or `refused`.
    pub outcome: String,
    /// Rate applied (basis points), for a grant.
    pub rate_bp: Option<u32>,
    /// `rate × verified base`, before the cap.
    pub computed_fen: Option<i64>,
    /// The cap per period, if any.
    pub cap_fen: Option<i64>,
    /// Granted to the beneficiary in the period before this decision.
    pub already_granted_fen: Option<i64>,
    /// True when the cap cut the grant.
    pub capped: bool,
    /// 一事一议, when the grant went above the cap.
    pub case_by_case: Option<CaseByCase>,
    /// Why it was refused.
    pub reason: Option<String>,
    /// Deciding officer.
    pub decided_by: String,
    /// Decision date.
    pub decided_on: NaiveDate,
}

/// A 一事一议 grant above the cap, proposed and awaiting (or past) a second officer's approval.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SupportProposalEntry {
    /// The amount proposed (`rate × verified base`).
    pub computed_fen: i64,
    /// The cap per period.
    pub cap_fen: Option<i64>,
    /// Granted in the period when proposed.
    pub already_granted_fen: i64,
    /// The decision document.
    pub decision_ref: String,
    /// The proposing officer.
    pub proposed_by: String,
    /// Date proposed.
    pub proposed_on: NaiveDate,
}

/// One paid tranche.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SupportTrancheEntry {
    /// Amount paid.
    pub amount_fen: i64,
    /// Payment reference.
    pub tranche_ref: String,
    /// Payment date.
    pub paid_on: NaiveDate,
}

/// One recovery referral.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SupportRecoveryEntry {
    /// Amount referred.
    pub amount_fen: i64,
    /// Why.
    pub reason: String,
    /// The recovery decision.
    pub decision_ref: String,
    /// Referring officer.
    pub referred_by: String,
    /// Date referred.
    pub referred_on: NaiveDate,
}

/// A support application as the API shows it (the `SupportApplication` schema).
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct SupportApplicationView {
    /// Stream id.
    pub id: String,
    /// Last stream sequence.
    pub version: usize,
    /// Lifecycle status.
    pub status: String,
    /// Instrument id.
    pub instrument: String,
    /// Beneficiary USCC.
    pub beneficiary: String,
    /// Funding year.
    pub year: i32,
    /// The cap's period key (the year, or `whole`).
    pub period: String,
    /// Base claimed.
    pub claimed_base_fen: i64,
    /// Base verified.
    pub verified_base_fen: Option<i64>,
    /// Why the base was reduced.
    pub reduction_reason: Option<String>,
    /// Evidence references.
    pub evidence: Vec<Evidence>,
    /// Who applied.
    pub applied_by: String,
    /// Filing date.
    pub applied_on: Option<NaiveDate>,
    /// Verifying officer.
    pub verified_by: Option<String>,
    /// Verification date.
    pub verified_on: Option<NaiveDate>,
    /// The 一事一议 proposal, if one was made.
    pub proposal: Option<SupportProposalEntry>,
    /// The decision.
    pub decision: Option<SupportDecisionEntry>,
    /// Amount granted.
    pub granted_fen: i64,
    /// Paid so far.
    pub disbursed_fen: i64,
    /// Granted and not yet paid.
    pub undisbursed_fen: i64,
    /// Paid tranches in order.
    pub tranches: Vec<SupportTrancheEntry>,
    /// Recovery referrals in order.
    pub recoveries: Vec<SupportRecoveryEntry>,
    /// When it was filed (recorded).
    pub created_at: String,
    /// When the last event was recorded.
    pub updated_at: String,
}

impl SupportApplicationView {
    /// The view's name in the store (listed by instrument).
    pub const NAME: &'static str = "support_application";
    /// The same rows, listed by year.
    pub const BY_YEAR: &'static str = "support_application_by_year";
    /// The same rows, listed by `<instrument>/<year>`.
    pub const BY_INSTRUMENT_YEAR: &'static str = "support_application_by_instrument_year";

    fn set_status(&mut self, status: SupportStatus) {
        self.status = status.as_str().into();
    }
}

impl View<SupportApplication> for SupportApplicationView {
    fn update(&mut self, event: &EventEnvelope<SupportApplication>) {
        let at = event
            .metadata
            .get("recorded_at")
            .cloned()
            .unwrap_or_default();
        self.id.clone_from(&event.aggregate_id);
        self.version = event.sequence;
        self.updated_at.clone_from(&at);
        match &event.payload {
            SupportEvent::SupportApplied {
                instrument,
                beneficiary,
                year,
                period,
                base,
                evidence,
                applied_by,
                applied_on,
            } => {
                self.set_status(SupportStatus::Applied);
                self.instrument.clone_from(instrument);
                self.beneficiary = beneficiary.to_string();
                self.year = *year;
                self.period.clone_from(period);
                self.claimed_base_fen = base.fen();
                self.evidence.clone_from(evidence);
                self.applied_by.clone_from(applied_by);
                self.applied_on = Some(*applied_on);
                self.created_at = at;
            }
            SupportEvent::BaseVerified {
                verified,
                reason,
                verified_by,
                verified_on,
                ..
            } => {
                self.set_status(SupportStatus::BaseVerified);
                self.verified_base_fen = Some(verified.fen());
                self.reduction_reason.clone_from(reason);
                self.verified_by = Some(verified_by.clone());
                self.verified_on = Some(*verified_on);
            }
            SupportEvent::CaseByCaseProposed {
                computed,
                cap,
                already_granted,
                decision_ref,
                proposed_by,
                proposed_on,
                ..
            } => {
                self.set_status(SupportStatus::AwaitingApproval);
                self.proposal = Some(SupportProposalEntry {
                    computed_fen: computed.fen(),
                    cap_fen: cap.map(|c| c.fen()),
                    already_granted_fen: already_granted.fen(),
                    decision_ref: decision_ref.clone(),
                    proposed_by: proposed_by.clone(),
                    proposed_on: *proposed_on,
                });
            }
            SupportEvent::SupportGranted {
                rate_bp,
                computed,
                cap,
                already_granted,
                granted,
                capped,
                case_by_case,
                decided_by,
                decided_on,
                ..
            } => {
                self.set_status(SupportStatus::Granted);
                self.granted_fen = granted.fen();
                self.undisbursed_fen = granted.fen();
                self.decision = Some(SupportDecisionEntry {
                    outcome: "granted".into(),
                    rate_bp: Some(*rate_bp),
                    computed_fen: Some(computed.fen()),
                    cap_fen: cap.map(|c| c.fen()),
                    already_granted_fen: Some(already_granted.fen()),
                    capped: *capped,
                    case_by_case: case_by_case.clone(),
                    reason: None,
                    decided_by: decided_by.clone(),
                    decided_on: *decided_on,
                });
            }
            SupportEvent::SupportRefused {
                reason,
                decided_by,
                decided_on,
            } => {
                self.set_status(SupportStatus::Refused);
                self.decision = Some(SupportDecisionEntry {
                    outcome: "refused".into(),
                    rate_bp: None,
                    computed_fen: None,
                    cap_fen: None,
                    already_granted_fen: None,
                    capped: false,
                    case_by_case: None,
                    reason: Some(reason.clone()),
                    decided_by: decided_by.clone(),
                    decided_on: *decided_on,
                });
            }
            SupportEvent::TrancheDisbursed {
                amount,
                tranche_ref,
                paid_on,
                disbursed_total,
                undisbursed,
            } => {
                self.set_status(if undisbursed.is_positive() {
                    SupportStatus::PartiallyDisbursed
                } else {
                    SupportStatus::Disbursed
                });
                self.disbursed_fen = disbursed_total.fen();
                self.undisbursed_fen = undisbursed.fen();
                self.tranches.push(SupportTrancheEntry {
                    amount_fen: amount.fen(),
                    tranche_ref: tranche_ref.clone(),
                    paid_on: *paid_on,
                });
            }
            SupportEvent::RecoveryReferred {
                amount,
                reason,
                decision_ref,
                referred_by,
                referred_on,
                ..
            } => {
                self.set_status(SupportStatus::RecoveryReferred);
                self.recoveries.push(SupportRecoveryEntry {
                    amount_fen: amount.fen(),
                    reason: reason.clone(),
                    decision_ref: decision_ref.clone(),
                    referred_by: referred_by.clone(),
                    referred_on: *referred_on,
                });
            }
        }
    }
}

impl Indexed for SupportApplicationView {
    fn index(&self) -> ViewIndex {
        ViewIndex {
            status: Some(self.status.clone()),
            owner: Some(self.beneficiary.clone()),
            parent: Some(self.instrument.clone()),
            sort_key: self.created_at.clone(),
        }
    }
}

/// Keeps one copy of [`SupportApplicationView`] per list: by instrument, by year, or by both.
/// The lists differ only in what their `parent` column holds.
pub struct SupportListProjector {
    name: &'static str,
    parent: fn(&SupportApplicationView) -> String,
}

impl SupportListProjector {
    /// The three lists.
    pub fn all() -> [SupportListProjector; 3] {
        [
            SupportListProjector {
                name: SupportApplicationView::NAME,
                parent: |v| v.instrument.clone(),
            },
            SupportListProjector {
                name: SupportApplicationView::BY_YEAR,
                parent: |v| v.year.to_string(),
            },
            SupportListProjector {
                name: SupportApplicationView::BY_INSTRUMENT_YEAR,
                parent: |v| format!("{}/{}", v.instrument, v.year),
            },
        ]
    }
}

fn decode<T: serde::de::DeserializeOwned + Default>(
    current: Option<Value>,
) -> Result<T, ProjectionError> {
    match current {
        Some(v) => serde_json::from_value(v).map_err(|source| ProjectionError::Decode {
            what: "view row",
            source,
        }),
        None => Ok(T::default()),
    }
}

fn encode<T: Serialize>(
    row: &T,
    version: usize,
    index: ViewIndex,
) -> Result<ViewRow, ProjectionError> {
    Ok(ViewRow {
        version: version as u64,
        payload: serde_json::to_value(row).map_err(|source| ProjectionError::Decode {
            what: "view",
            source,
        })?,
        index,
    })
}

impl Projector for SupportListProjector {
    fn view_name(&self) -> &'static str {
        self.name
    }

    fn aggregate_type(&self) -> &'static str {
        SupportApplication::TYPE
    }

    fn project(
        &self,
        current: Option<Value>,
        event: &SerializedEvent,
    ) -> Result<ViewRow, ProjectionError> {
        let mut view: SupportApplicationView = decode(current)?;
        view.update(&envelope_of::<SupportApplication>(event)?);
        let index = ViewIndex {
            parent: Some((self.parent)(&view)),
            ..view.index()
        };
        encode(&view, event.sequence, index)
    }
}

/// One grant counted against a cap.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UsageGrantEntry {
    /// The application.
    pub application: String,
    /// Amount granted.
    pub granted_fen: i64,
    /// Whether it was 一事一议.
    pub case_by_case: bool,
    /// Decision date.
    pub decided_on: NaiveDate,
}

/// What one beneficiary has been granted under one instrument in one period (the year, or
/// `whole` for a once-only cap). The decision reads this row inside its own transaction.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct SupportUsageView {
    /// Row id: `<beneficiary>/<instrument>/<period>`.
    pub id: String,
    /// Beneficiary USCC.
    pub beneficiary: String,
    /// Instrument id.
    pub instrument: String,
    /// The period key.
    pub period: String,
    /// The cap per period, if any.
    pub cap_fen: Option<i64>,
    /// Granted in the period.
    pub granted_fen: i64,
    /// What remains of the cap (never below zero); `None` without a cap.
    pub remaining_fen: Option<i64>,
    /// The grants, in order.
    pub grants: Vec<UsageGrantEntry>,
}

impl SupportUsageView {
    /// The view's name in the store.
    pub const NAME: &'static str = "support_usage";

    /// The row id of `beneficiary`'s usage of `instrument` in `period`.
    pub fn row_id(beneficiary: &str, instrument: &str, period: &str) -> String {
        format!("{beneficiary}/{instrument}/{period}")
    }
}

/// Folds `SupportGranted` events into [`SupportUsageView`] rows, across applications.
/// Index: owner = beneficiary, parent = period, status = instrument.
#[derive(Debug, Default)]
pub struct SupportUsageProjector;

fn support_event(event: &SerializedEvent) -> Result<SupportEvent, ProjectionError> {
    serde_json::from_value(event.payload.clone()).map_err(|source| ProjectionError::Decode {
        what: "event payload",
        source,
    })
}

impl Projector for SupportUsageProjector {
    fn view_name(&self) -> &'static str {
        SupportUsageView::NAME
    }

    fn aggregate_type(&self) -> &'static str {
        SupportApplication::TYPE
    }

    fn row_ids(&self, event: &SerializedEvent) -> Vec<String> {
        match support_event(event) {
            Ok(SupportEvent::SupportGranted {
                beneficiary,
                instrument,
                period,
                ..
            }) => vec![SupportUsageView::row_id(
                beneficiary.as_str(),
                &instrument,
                &period,
            )],
            _ => Vec::new(),
        }
    }

    fn project(
        &self,
        current: Option<Value>,
        event: &SerializedEvent,
    ) -> Result<ViewRow, ProjectionError> {
        let mut row: SupportUsageView = decode(current)?;
        if let SupportEvent::SupportGranted {
            beneficiary,
            instrument,
            period,
            cap,
            granted,
            case_by_case,
            decided_on,
            ..
        } = support_event(event)?
        {
            row.id = SupportUsageView::row_id(beneficiary.as_str(), &instrument, &period);
            row.beneficiary = beneficiary.to_string();
            row.instrument = instrument;
            row.period = period;
            row.cap_fen = cap.map(|c| c.fen());
            row.granted_fen = row.granted_fen.saturating_add(granted.fen());
            row.remaining_fen = row
                .cap_fen
                .map(|c| c.saturating_sub(row.granted_fen).max(0));
            row.grants.push(UsageGrantEntry {
                application: event.aggregate_id.clone(),
                granted_fen: granted.fen(),
                case_by_case: case_by_case.is_some(),
                decided_on,
            });
        }
        let index = ViewIndex {
            status: Some(row.instrument.clone()),
            owner: Some(row.beneficiary.clone()),
            parent: Some(row.period.clone()),
            sort_key: row.instrument.clone(),
        };
        encode(&row, event.sequence, index)
    }
}
