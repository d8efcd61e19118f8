use chrono::NaiveDate;
use consortium::{
    Consortium, ConsortiumEvent, ConsortiumStatus, EvaluationGrade, GrantKind, Level,
    RecoveryBasis, RevocationReason, SupportBasis,
};
use cqrs_es::{EventEnvelope, View};
use kernel::OrgCode;
use serde::{Deserialize, Serialize};

use crate::{Indexed, ViewIndex};

/// A change of membership.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MembershipChange {
    /// The member.
    pub member: OrgCode,
    /// `joined` or `left`.
    pub change: String,
    /// The date.
    pub on: NaiveDate,
    /// Why.
    pub reason: String,
}

/// A level granted, and when it stopped being held.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LevelEntry {
    /// The level.
    pub level: Level,
    /// The decision document.
    pub decision_ref: String,
    /// First day held.
    pub effective_date: NaiveDate,
    /// Last day of its construction period.
    pub construction_end: NaiveDate,
    /// First day no longer held (upgrade or revocation).
    pub until: Option<NaiveDate>,
}

/// A level application and its outcome.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ApplicationEntry {
    /// The level applied for.
    pub level: Level,
    /// 推荐单位.
    pub recommended_by: String,
    /// The date.
    pub applied_on: NaiveDate,
    /// `pending`, `granted` or `rejected`.
    pub outcome: String,
    /// The decision document, once decided.
    pub decision_ref: Option<String>,
    /// Why rejected.
    pub rejection_reason: Option<String>,
}

/// A grant of money and what has been paid on it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct GrantEntry {
    /// The grant's id within the consortium.
    pub grant_id: String,
    /// Reward (with its level) or linkage support.
    pub kind: GrantKind,
    /// Granted.
    pub amount_fen: i64,
    /// Payable after 就高不重复 (cut to the paid amount when cancelled).
    pub payable_fen: i64,
    /// Paid so far.
    pub paid_fen: i64,
    /// Cancelled on revocation.
    pub cancelled_fen: i64,
    /// The support basis, for linkage support.
    pub basis: Option<SupportBasis>,
    /// The date granted.
    pub granted_on: NaiveDate,
}

/// The money of one level: granted, payable and paid.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct LevelMoney {
    /// Granted at this level.
    pub granted_fen: i64,
    /// Payable at this level.
    pub payable_fen: i64,
    /// Paid at this level.
    pub paid_fen: i64,
}

/// Money per level.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct MoneyByLevel {
    /// L1 cultivation reward.
    pub kunshan_cultivation: LevelMoney,
    /// L2 cultivation reward.
    pub suzhou_cultivation: LevelMoney,
    /// L3 linkage support.
    pub suzhou_accreditation: LevelMoney,
}

impl MoneyByLevel {
    fn of(&mut self, kind: GrantKind) -> &mut LevelMoney {
        match kind {
            GrantKind::CultivationReward {
                level: Level::KunshanCultivation,
            } => &mut self.kunshan_cultivation,
            GrantKind::CultivationReward {
                level: Level::SuzhouCultivation,
            } => &mut self.suzhou_cultivation,
            GrantKind::CultivationReward {
                level: Level::SuzhouAccreditation,
            }
            | GrantKind::AccreditationSupport => &mut self.suzhou_accreditation,
        }
    }
}

/// An evaluation result in the consortium's history.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EvaluationEntry {
    /// The round's id.
    pub round_id: String,
    /// The round's number.
    pub round_no: u32,
    /// End of the assessed period.
    pub period_end: NaiveDate,
    /// The grade.
    pub grade: EvaluationGrade,
    /// The date recorded.
    pub recorded_on: NaiveDate,
}

/// The revocation, when it happened.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RevocationEntry {
    /// Why.
    pub reason: RevocationReason,
    /// The level lost.
    pub level_lost: Option<Level>,
    /// The date.
    pub revoked_on: NaiveDate,
}

/// Final acceptance and its aftermath.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct AcceptanceEntry {
    /// The date the construction period was recorded as ended.
    pub construction_period_ended_on: Option<NaiveDate>,
    /// `passed` or `failed`, once recorded.
    pub outcome: Option<String>,
    /// The acceptance report.
    pub report_ref: Option<String>,
    /// The date of the outcome.
    pub decided_on: Option<NaiveDate>,
    /// Last day of an ordered rectification.
    pub rectification_deadline: Option<NaiveDate>,
    /// The re-assessment report after rectification.
    pub rectification_report_ref: Option<String>,
    /// The recovery referred, if any.
    pub recovery: Option<RecoveryEntry>,
}

/// A recovery referred to a clawback case.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RecoveryEntry {
    /// The debtor.
    pub debtor: OrgCode,
    /// The amount.
    pub amount_fen: i64,
    /// Why.
    pub basis: RecoveryBasis,
    /// The date.
    pub referred_on: NaiveDate,
}

/// A consortium as the API shows it (the `Consortium` schema).
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct ConsortiumView {
    /// Stream id.
    pub id: String,
    /// Last stream sequence.
    pub version: usize,
    /// Where it stands (`formed`, `applying`, `holding`, …, `revoked`).
    pub status: String,
    /// Name.
    pub name: String,
    /// 牵头单位.
    pub lead: Option<OrgCode>,
    /// 成员单位 now (without the lead).
    pub members: Vec<OrgCode>,
    /// Membership changes after formation.
    pub membership_changes: Vec<MembershipChange>,
    /// Charter reference.
    pub charter_ref: String,
    /// Industry chain.
    pub focus_chain: String,
    /// The date formed.
    pub formed_on: Option<NaiveDate>,
    /// The level held now.
    pub level: Option<Level>,
    /// The level applied for, while pending.
    pub pending_level: Option<Level>,
    /// Last day of the current construction period.
    pub construction_end: Option<NaiveDate>,
    /// Levels held over time.
    pub levels: Vec<LevelEntry>,
    /// Applications over time.
    pub applications: Vec<ApplicationEntry>,
    /// Grants of money.
    pub grants: Vec<GrantEntry>,
    /// Money granted, payable and paid per level.
    pub money_by_level: MoneyByLevel,
    /// Paid in total.
    pub disbursed_total_fen: i64,
    /// Evaluation results in order.
    pub evaluations: Vec<EvaluationEntry>,
    /// The revocation, when revoked.
    pub revocation: Option<RevocationEntry>,
    /// Final acceptance.
    pub acceptance: AcceptanceEntry,
    /// When formed.
    pub created_at: String,
    /// When the last event was recorded.
    pub updated_at: String,
    /// The status to return to when the pending application is rejected.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub status_before_application: String,
}

impl ConsortiumView {
    /// The view's name in the store.
    pub const NAME: &'static str = "consortium";

    /// The level held on `date`, if any.
    pub fn level_on(&self, date: NaiveDate) -> Option<Level> {
        self.levels
            .iter()
            .rev()
            .find(|l| l.effective_date <= date && l.until.is_none_or(|u| date < u))
            .map(|l| l.level)
    }

    fn close_open_level(&mut self, on: NaiveDate) {
        if let Some(l) = self.levels.last_mut() {
            if l.until.is_none() {
                l.until = Some(on);
            }
        }
    }

    fn settle_application(&mut self, outcome: &str, decision_ref: &str, reason: Option<&String>) {
        if let Some(a) = self
            .applications
            .iter_mut()
            .rev()
            .find(|a| a.outcome == "pending")
        {
            a.outcome = outcome.into();
            a.decision_ref = Some(decision_ref.to_string());
            a.rejection_reason = reason.cloned();
        }
    }

    fn set(&mut self, status: ConsortiumStatus) {
        self.status = status.as_str().into();
    }
}

impl View<Consortium> for ConsortiumView {
    fn update(&mut self, event: &EventEnvelope<Consortium>) {
        let recorded_at = event
            .metadata
            .get("recorded_at")
            .cloned()
            .unwrap_or_default();
        self.id.clone_from(&event.aggregate_id);
        self.version = event.sequence;
        self.updated_at.clone_from(&recorded_at);
        match &event.payload {
            ConsortiumEvent::ConsortiumFormed {
                name,
                lead,
                members,
                charter_ref,
                focus_chain,
                formed_on,
            } => {
                self.set(ConsortiumStatus::Formed);
                self.created_at = recorded_at;
                self.name.clone_from(name);
                self.lead = Some(lead.clone());
                self.members.clone_from(members);
                self.charter_ref.clone_from(charter_ref);
                self.focus_chain.clone_from(focus_chain);
                self.formed_on = Some(*formed_on);
            }
            ConsortiumEvent::MemberAdded { member, on, reason } => {
                self.members.push(member.clone());
                self.membership_changes.push(MembershipChange {
                    member: member.clone(),
                    change: "joined".into(),
                    on: *on,
                    reason: reason.clone(),
                });
            }
            ConsortiumEvent::MemberRemoved { member, on, reason } => {
                self.members.retain(|m| m != member);
                self.membership_changes.push(MembershipChange {
                    member: member.clone(),
                    change: "left".into(),
                    on: *on,
                    reason: reason.clone(),
                });
            }
            ConsortiumEvent::LevelApplicationSubmitted {
                level,
                recommended_by,
                applied_on,
            } => {
                self.status_before_application = std::mem::take(&mut self.status);
                self.set(ConsortiumStatus::Applying);
                self.pending_level = Some(*level);
                self.applications.push(ApplicationEntry {
                    level: *level,
                    recommended_by: recommended_by.clone(),
                    applied_on: *applied_on,
                    outcome: "pending".into(),
                    decision_ref: None,
                    rejection_reason: None,
                });
            }
            ConsortiumEvent::LevelGranted {
                level,
                decision_ref,
                effective_date,
                construction_end,
            } => {
                self.set(ConsortiumStatus::Holding);
                self.settle_application("granted", decision_ref, None);
                self.close_open_level(*effective_date);
                self.levels.push(LevelEntry {
                    level: *level,
                    decision_ref: decision_ref.clone(),
                    effective_date: *effective_date,
                    construction_end: *construction_end,
                    until: None,
                });
                self.level = Some(*level);
                self.pending_level = None;
                self.construction_end = Some(*construction_end);
            }
            ConsortiumEvent::LevelApplicationRejected {
                decision_ref,
                reason,
                ..
            } => {
                self.settle_application("rejected", decision_ref, reason.as_ref());
                self.pending_level = None;
                self.status = std::mem::take(&mut self.status_before_application);
            }
            ConsortiumEvent::CultivationRewardGranted {
                grant_id,
                level,
                amount,
                payable,
                granted_on,
            } => {
                let kind = GrantKind::CultivationReward { level: *level };
                self.grants.push(GrantEntry {
                    grant_id: grant_id.clone(),
                    kind,
                    amount_fen: amount.fen(),
                    payable_fen: payable.fen(),
                    paid_fen: 0,
                    cancelled_fen: 0,
                    basis: None,
                    granted_on: *granted_on,
                });
                let m = self.money_by_level.of(kind);
                m.granted_fen += amount.fen();
                m.payable_fen += payable.fen();
            }
            ConsortiumEvent::AccreditationSupportGranted {
                grant_id,
                amount,
                payable,
                basis,
                granted_on,
                ..
            } => {
                let kind = GrantKind::AccreditationSupport;
                self.grants.push(GrantEntry {
                    grant_id: grant_id.clone(),
                    kind,
                    amount_fen: amount.fen(),
                    payable_fen: payable.fen(),
                    paid_fen: 0,
                    cancelled_fen: 0,
                    basis: Some(basis.clone()),
                    granted_on: *granted_on,
                });
                let m = self.money_by_level.of(kind);
                m.granted_fen += amount.fen();
                m.payable_fen += payable.fen();
            }
            ConsortiumEvent::ConsortiumFundsDisbursed {
                grant_id,
                kind,
                amount,
                grant_paid,
                ..
            } => {
                if let Some(g) = self.grants.iter_mut().find(|g| &g.grant_id == grant_id) {
                    g.paid_fen = grant_paid.fen();
                }
                self.money_by_level.of(*kind).paid_fen += amount.fen();
                self.disbursed_total_fen += amount.fen();
            }
            ConsortiumEvent::EvaluationResultRecorded {
                round_id,
                round_no,
                period_end,
                grade,
                recorded_on,
            } => self.evaluations.push(EvaluationEntry {
                round_id: round_id.clone(),
                round_no: *round_no,
                period_end: *period_end,
                grade: *grade,
                recorded_on: *recorded_on,
            }),
            ConsortiumEvent::AccreditationRevoked {
                reason,
                level_lost,
                revoked_on,
            } => {
                self.set(ConsortiumStatus::Revoked);
                self.close_open_level(*revoked_on);
                if let Some(a) = self.applications.last_mut() {
                    if a.outcome == "pending" {
                        a.outcome = "dropped".into();
                    }
                }
                self.level = None;
                self.pending_level = None;
                self.construction_end = None;
                self.revocation = Some(RevocationEntry {
                    reason: *reason,
                    level_lost: *level_lost,
                    revoked_on: *revoked_on,
                });
            }
            ConsortiumEvent::GrantsCancelled { grants } => {
                for c in grants {
                    if let Some(g) = self.grants.iter_mut().find(|g| g.grant_id == c.grant_id) {
                        g.cancelled_fen = c.cancelled_amount.fen();
                        g.payable_fen -= c.cancelled_amount.fen();
                        let kind = g.kind;
                        self.money_by_level.of(kind).payable_fen -= c.cancelled_amount.fen();
                    }
                }
            }
            ConsortiumEvent::ConstructionPeriodEnded { ended_on, .. } => {
                self.set(ConsortiumStatus::FinalAcceptanceDue);
                self.acceptance.construction_period_ended_on = Some(*ended_on);
            }
            ConsortiumEvent::FinalAcceptancePassed {
                report_ref,
                accepted_on,
            } => {
                let after_rectification = self.status == ConsortiumStatus::Rectifying.as_str();
                self.set(ConsortiumStatus::Completed);
                self.acceptance.outcome = Some("passed".into());
                if after_rectification {
                    self.acceptance.rectification_report_ref = Some(report_ref.clone());
                } else {
                    self.acceptance.report_ref = Some(report_ref.clone());
                }
                self.acceptance.decided_on = Some(*accepted_on);
            }
            ConsortiumEvent::FinalAcceptanceFailed {
                report_ref,
                failed_on,
            } => {
                self.set(ConsortiumStatus::RemedyPending);
                self.acceptance.outcome = Some("failed".into());
                self.acceptance.report_ref = Some(report_ref.clone());
                self.acceptance.decided_on = Some(*failed_on);
            }
            ConsortiumEvent::RectificationOrdered { deadline, .. } => {
                self.set(ConsortiumStatus::Rectifying);
                self.acceptance.rectification_deadline = Some(*deadline);
            }
            ConsortiumEvent::RecoveryReferred {
                debtor,
                amount,
                basis,
                referred_on,
            } => {
                self.set(ConsortiumStatus::RecoveryReferred);
                self.acceptance.recovery = Some(RecoveryEntry {
                    debtor: debtor.clone(),
                    amount_fen: amount.fen(),
                    basis: *basis,
                    referred_on: *referred_on,
                });
            }
        }
    }
}

impl Indexed for ConsortiumView {
    fn index(&self) -> ViewIndex {
        ViewIndex {
            status: Some(self.status.clone()),
            owner: self.lead.as_ref().map(ToString::to_string),
            parent: None,
            sort_key: self.created_at.clone(),
        }
    }
}

/// A consortium whose construction period is running or ended and not yet settled by
/// acceptance, revocation or recovery: the rows behind "construction period ended without
/// acceptance" (listed with `construction_end` on or before today).
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct ConsortiumAcceptanceView {
    /// The consortium's id.
    pub id: String,
    /// Last stream sequence.
    pub version: usize,
    /// Name.
    pub name: String,
    /// 牵头单位.
    pub lead: Option<OrgCode>,
    /// The level held.
    pub level: Option<Level>,
    /// The consortium's status.
    pub consortium_status: String,
    /// Last day of the construction period.
    pub construction_end: Option<NaiveDate>,
    /// The status to return to when the pending application is rejected.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub status_before_application: String,
}

impl ConsortiumAcceptanceView {
    /// The view's name in the store.
    pub const NAME: &'static str = "consortium_acceptance";
    /// Index status of rows awaiting acceptance.
    pub const AWAITING: &'static str = "awaiting_acceptance";
    /// Index status of rows with nothing awaited.
    pub const SETTLED: &'static str = "settled";

    /// True when a construction period runs or ended and acceptance is still outstanding.
    pub fn awaiting(&self) -> bool {
        let open = match self.consortium_status.as_str() {
            "applying" => self.status_before_application == "holding",
            "holding" | "final_acceptance_due" | "remedy_pending" | "rectifying" => true,
            _ => false,
        };
        open && self.construction_end.is_some()
    }
}

impl View<Consortium> for ConsortiumAcceptanceView {
    fn update(&mut self, event: &EventEnvelope<Consortium>) {
        self.id.clone_from(&event.aggregate_id);
        self.version = event.sequence;
        match &event.payload {
            ConsortiumEvent::ConsortiumFormed { name, lead, .. } => {
                self.name.clone_from(name);
                self.lead = Some(lead.clone());
                self.consortium_status = ConsortiumStatus::Formed.as_str().into();
            }
            ConsortiumEvent::LevelApplicationSubmitted { .. } => {
                self.status_before_application = std::mem::take(&mut self.consortium_status);
                self.consortium_status = ConsortiumStatus::Applying.as_str().into();
            }
            ConsortiumEvent::LevelApplicationRejected { .. } => {
                self.consortium_status = std::mem::take(&mut self.status_before_application);
            }
            ConsortiumEvent::LevelGranted {
                level,
                construction_end,
                ..
            } => {
                self.level = Some(*level);
                self.construction_end = Some(*construction_end);
                self.consortium_status = ConsortiumStatus::Holding.as_str().into();
            }
            ConsortiumEvent::AccreditationRevoked { .. } => {
                self.level = None;
                self.consortium_status = ConsortiumStatus::Revoked.as_str().into();
            }
            ConsortiumEvent::ConstructionPeriodEnded { .. } => {
                self.consortium_status = ConsortiumStatus::FinalAcceptanceDue.as_str().into();
            }
            ConsortiumEvent::FinalAcceptancePassed { .. } => {
                self.consortium_status = ConsortiumStatus::Completed.as_str().into();
            }
            ConsortiumEvent::FinalAcceptanceFailed { .. } => {
                self.consortium_status = ConsortiumStatus::RemedyPending.as_str().into();
            }
            ConsortiumEvent::RectificationOrdered { .. } => {
                self.consortium_status = ConsortiumStatus::Rectifying.as_str().into();
            }
            ConsortiumEvent::RecoveryReferred { .. } => {
                self.consortium_status = ConsortiumStatus::RecoveryReferred.as_str().into();
            }
            _ => {}
        }
    }
}

impl Indexed for ConsortiumAcceptanceView {
    fn index(&self) -> ViewIndex {
        let awaiting = self.awaiting();
        ViewIndex {
            status: Some(
                if awaiting {
                    Self::AWAITING
                } else {
                    Self::SETTLED
                }
                .into(),
            ),
            owner: self.lead.as_ref().map(ToString::to_string),
            parent: None,
            // ISO dates sort in date order, so a list in sort-key order stops at today.
            sort_key: self
                .construction_end
                .map(|d| d.to_string())
                .unwrap_or_default(),
        }
    }
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use consortium::{CancelledGrant, ConsortiumEvent as E, EvaluationGrade as G, Level as L};
    use cqrs_es::persist::SerializedEvent;
    use cqrs_es::DomainEvent;
    use kernel::Money;
    use serde_json::json;

    use super::*;
    use crate::{Projector, ViewProjector, ViewRow};

    fn org(code: &str) -> OrgCode {
        OrgCode::parse(code).unwrap()
    }

    fn day(text: &str) -> NaiveDate {
        text.parse().unwrap()
    }

    fn wan(n: i64) -> Money {
        Money::from_wan_yuan(n)
    }

    fn history() -> Vec<E> {
        vec![
            E::ConsortiumFormed {
                name: "光刻材料联合体".into(),
                lead: org("91320583MA1KC00109"),
                members: vec![org("91320583MA1KC00296"), org("123200004660000105")],
                charter_ref: "章程-1".into(),
                focus_chain: "新型显示".into(),
                formed_on: day("2025-01-02"),
            },
            E::LevelApplicationSubmitted {
                level: L::KunshanCultivation,
                recommended_by: "玉山镇".into(),
                applied_on: day("2025-01-03"),
            },
            E::LevelGranted {
                level: L::KunshanCultivation,
                decision_ref: "昆科〔2025〕1号".into(),
                effective_date: day("2025-02-01"),
                construction_end: day("2028-02-01"),
            },
            E::CultivationRewardGranted {
                grant_id: "grant-1".into(),
                level: L::KunshanCultivation,
                amount: wan(50),
                payable: wan(50),
                granted_on: day("2025-02-02"),
            },
            E::ConsortiumFundsDisbursed {
                grant_id: "grant-1".into(),
                kind: GrantKind::CultivationReward {
                    level: L::KunshanCultivation,
                },
                amount: wan(50),
                grant_paid: wan(50),
                disbursed_on: day("2025-02-03"),
            },
            E::LevelApplicationSubmitted {
                level: L::SuzhouCultivation,
                recommended_by: "昆山市科技局".into(),
                applied_on: day("2025-06-01"),
            },
            E::LevelGranted {
                level: L::SuzhouCultivation,
                decision_ref: "苏科〔2025〕9号".into(),
                effective_date: day("2025-07-01"),
                construction_end: day("2028-07-01"),
            },
            E::CultivationRewardGranted {
                grant_id: "grant-2".into(),
                level: L::SuzhouCultivation,
                amount: wan(100),
                payable: wan(50),
                granted_on: day("2025-07-02"),
            },
            E::ConsortiumFundsDisbursed {
                grant_id: "grant-2".into(),
                kind: GrantKind::CultivationReward {
                    level: L::SuzhouCultivation,
                },
                amount: wan(20),
                grant_paid: wan(20),
                disbursed_on: day("2025-07-03"),
            },
            E::EvaluationResultRecorded {
                round_id: "round-1".into(),
                round_no: 1,
                period_end: day("2027-01-01"),
                grade: G::Fail,
                recorded_on: day("2027-03-30"),
            },
            E::EvaluationResultRecorded {
                round_id: "round-2".into(),
                round_no: 2,
                period_end: day("2029-01-01"),
                grade: G::Fail,
                recorded_on: day("2029-03-30"),
            },
            E::AccreditationRevoked {
                reason: RevocationReason::TwoConsecutiveFails,
                level_lost: Some(L::SuzhouCultivation),
                revoked_on: day("2029-03-30"),
            },
            E::GrantsCancelled {
                grants: vec![CancelledGrant {
                    grant_id: "grant-2".into(),
                    cancelled_amount: wan(30),
                }],
            },
        ]
    }

    fn serialized(seq: usize, event: &E) -> SerializedEvent {
        SerializedEvent {
            aggregate_id: "c1".into(),
            sequence: seq,
            aggregate_type: "consortium".into(),
            event_type: event.event_type(),
            event_version: event.event_version(),
            payload: serde_json::to_value(event).unwrap(),
            metadata: json!({"recorded_at": format!("2027-01-{:02}T01:00:00Z", seq)}),
        }
    }

    fn fold<V: View<Consortium> + Default>(events: &[E]) -> V {
        let mut view = V::default();
        for (i, e) in events.iter().enumerate() {
            view.update(&EventEnvelope {
                aggregate_id: "c1".into(),
                sequence: i + 1,
                payload: e.clone(),
                metadata: HashMap::from([(
                    "recorded_at".to_string(),
                    format!("2027-01-{:02}T01:00:00Z", i + 1),
                )]),
            });
        }
        view
    }

    #[test]
    fn the_view_shows_money_per_level_after_top_up_and_revocation() {
        let view: ConsortiumView = fold(&history());
        assert_eq!(view.status, "revoked");
        assert_eq!(view.level, None);
        let m = &view.money_by_level;
        assert_eq!(m.kunshan_cultivation.granted_fen, 50_000_000);
        assert_eq!(m.kunshan_cultivation.paid_fen, 50_000_000);
        assert_eq!(m.suzhou_cultivation.granted_fen, 100_000_000);
        assert_eq!(
            m.suzhou_cultivation.payable_fen, 20_000_000,
            "30万 cancelled"
        );
        assert_eq!(m.suzhou_cultivation.paid_fen, 20_000_000);
        assert_eq!(view.disbursed_total_fen, 70_000_000);
        assert_eq!(view.grants[1].cancelled_fen, 30_000_000);
        let grades: Vec<G> = view.evaluations.iter().map(|e| e.grade).collect();
        assert_eq!(grades, vec![G::Fail, G::Fail]);
        assert_eq!(
            view.revocation.as_ref().map(|r| r.level_lost),
            Some(Some(L::SuzhouCultivation))
        );
        assert_eq!(view.levels[0].until, Some(day("2025-07-01")));
        assert_eq!(view.levels[1].until, Some(day("2029-03-30")));
        assert_eq!(view.level_on(day("2027-01-01")), Some(L::SuzhouCultivation));
        assert_eq!(view.level_on(day("2025-01-31")), None);
        assert_eq!(view.applications.len(), 2);
        assert!(view.applications.iter().all(|a| a.outcome == "granted"));
        assert_eq!(view.index().owner.as_deref(), Some("91320583MA1KC00109"));
    }

    #[test]
    fn a_rejected_application_returns_the_view_to_the_status_before() {
        let mut events = history()[..5].to_vec();
        events.push(E::LevelApplicationSubmitted {
            level: L::SuzhouCultivation,
            recommended_by: "昆山市科技局".into(),
            applied_on: day("2025-06-01"),
        });
        events.push(E::LevelApplicationRejected {
            level: L::SuzhouCultivation,
            decision_ref: "苏科〔2025〕10号".into(),
            decided_on: day("2025-07-01"),
            reason: Some("未入选".into()),
        });
        let view: ConsortiumView = fold(&events);
        assert_eq!(view.status, "holding");
        assert_eq!(view.pending_level, None);
        assert_eq!(view.applications[1].outcome, "rejected");
        let due: ConsortiumAcceptanceView = fold(&events);
        assert_eq!(due.consortium_status, "holding");
        assert!(due.awaiting());
    }

    #[test]
    fn the_acceptance_row_awaits_until_acceptance_and_sorts_by_construction_end() {
        let mut events = history()[..3].to_vec();
        let row: ConsortiumAcceptanceView = fold(&events);
        assert_eq!(row.index().status.as_deref(), Some("awaiting_acceptance"));
        assert_eq!(row.index().sort_key, "2028-02-01");
        events.push(E::ConstructionPeriodEnded {
            construction_end: day("2028-02-01"),
            ended_on: day("2028-02-02"),
        });
        let row: ConsortiumAcceptanceView = fold(&events);
        assert_eq!(row.index().status.as_deref(), Some("awaiting_acceptance"));
        events.push(E::FinalAcceptancePassed {
            report_ref: "验收".into(),
            accepted_on: day("2028-03-01"),
        });
        let row: ConsortiumAcceptanceView = fold(&events);
        assert_eq!(row.index().status.as_deref(), Some("settled"));
        let view: ConsortiumView = fold(&events);
        assert_eq!(view.status, "completed");
        assert_eq!(view.acceptance.outcome.as_deref(), Some("passed"));
        let revoked: ConsortiumAcceptanceView = fold(&history());
        assert_eq!(revoked.index().status.as_deref(), Some("settled"));
    }

    #[test]
    fn the_projector_round_trips_the_view_through_json() {
        let projector = ViewProjector::<Consortium, ConsortiumView>::new(ConsortiumView::NAME);
        let mut row = None;
        for (i, e) in history().iter().enumerate() {
            let r = projector
                .project(row.map(|r: ViewRow| r.payload), &serialized(i + 1, e))
                .unwrap();
            row = Some(r);
        }
        let row = row.unwrap();
        assert_eq!(row.version, 13);
        assert_eq!(row.index.status.as_deref(), Some("revoked"));
        assert_eq!(
            row.payload["money_by_level"]["suzhou_cultivation"]["paid_fen"],
            20_000_000
        );
        assert_eq!(
            row.payload["grants"][0]["kind"]["kind"],
            "cultivation_reward"
        );
        assert_eq!(row.payload["evaluations"][1]["grade"], "fail");
    }
}
