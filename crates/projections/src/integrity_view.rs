use chrono::NaiveDate;
use cqrs_es::persist::SerializedEvent;
use cqrs_es::{EventEnvelope, View};
use integrity::{Bar, CaseSource, CaseStatus, IntegrityEvent, IntegrityRecord, Recovery, Severity};
use kernel::OrgCode;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::{Indexed, ProjectionError, Projector, ViewIndex, ViewProjector, ViewRow};

/// One case of an organisation's record as a reader sees it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct IntegrityCaseEntry {
    /// Case id.
    pub id: String,
    /// What is alleged.
    pub allegation: String,
    /// Related projects.
    pub related_projects: Vec<String>,
    /// Report or clawback referral.
    pub source: CaseSource,
    /// `opened`, `determined`, `dismissed`, `recorded` or `revoked`.
    pub status: String,
    /// Opening date.
    pub opened_on: NaiveDate,
    /// Serious or general, once determined.
    pub severity: Option<Severity>,
    /// Decision date.
    pub decision_date: Option<NaiveDate>,
    /// Findings document.
    pub findings_ref: Option<String>,
    /// Why it was dismissed.
    pub dismiss_reason: Option<String>,
    /// Recording date.
    pub recorded_on: Option<NaiveDate>,
    /// The bar of a serious record.
    pub bar: Option<Bar>,
    /// Recoveries referred to clawback.
    pub recover: Vec<IntegrityRecoveryEntry>,
    /// Revocation date.
    pub revoked_on: Option<NaiveDate>,
    /// Why it was revoked.
    pub revoke_reason: Option<String>,
    /// The appeal decision.
    pub revoke_decision_ref: Option<String>,
}

/// A recovery referred to clawback.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct IntegrityRecoveryEntry {
    /// Project.
    pub project: String,
    /// Amount to recover.
    pub amount_fen: i64,
    /// Disbursed to the project, as the decision states it.
    pub disbursed_fen: i64,
}

impl From<&Recovery> for IntegrityRecoveryEntry {
    fn from(r: &Recovery) -> Self {
        IntegrityRecoveryEntry {
            project: r.project.clone(),
            amount_fen: r.amount.fen(),
            disbursed_fen: r.disbursed.fen(),
        }
    }
}

/// An organisation's 科研诚信档案 as the API shows it (the `IntegrityRecord` schema).
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct IntegrityView {
    /// The stream id: the organisation's USCC.
    pub id: String,
    /// The organisation.
    pub org: Option<OrgCode>,
    /// Last stream sequence.
    pub version: usize,
    /// Cases in opening order.
    pub cases: Vec<IntegrityCaseEntry>,
    /// When the first case was recorded.
    pub created_at: String,
    /// When the last event was recorded.
    pub updated_at: String,
}

impl IntegrityView {
    /// The view's name in the store.
    pub const NAME: &'static str = "integrity";

    fn case_mut(&mut self, id: &str) -> Option<&mut IntegrityCaseEntry> {
        self.cases.iter_mut().find(|c| c.id == id)
    }
}

impl View<IntegrityRecord> for IntegrityView {
    fn update(&mut self, event: &EventEnvelope<IntegrityRecord>) {
        let at = event
            .metadata
            .get("recorded_at")
            .cloned()
            .unwrap_or_default();
        self.id.clone_from(&event.aggregate_id);
        self.version = event.sequence;
        if self.created_at.is_empty() {
            self.created_at.clone_from(&at);
        }
        self.updated_at = at;
        match &event.payload {
            IntegrityEvent::IntegrityCaseOpened {
                case_id,
                org,
                allegation,
                related_projects,
                source,
                opened_on,
            } => {
                self.org = Some(org.clone());
                self.cases.push(IntegrityCaseEntry {
                    id: case_id.clone(),
                    allegation: allegation.clone(),
                    related_projects: related_projects.clone(),
                    source: source.clone(),
                    status: CaseStatus::Opened.as_str().into(),
                    opened_on: *opened_on,
                    severity: None,
                    decision_date: None,
                    findings_ref: None,
                    dismiss_reason: None,
                    recorded_on: None,
                    bar: None,
                    recover: vec![],
                    revoked_on: None,
                    revoke_reason: None,
                    revoke_decision_ref: None,
                });
            }
            IntegrityEvent::ViolationDetermined {
                case_id,
                severity,
                decision_date,
                findings_ref,
            } => {
                if let Some(c) = self.case_mut(case_id) {
                    c.status = CaseStatus::Determined.as_str().into();
                    c.severity = Some(*severity);
                    c.decision_date = Some(*decision_date);
                    c.findings_ref = Some(findings_ref.clone());
                }
            }
            IntegrityEvent::IntegrityCaseDismissed {
                case_id, reason, ..
            } => {
                if let Some(c) = self.case_mut(case_id) {
                    c.status = CaseStatus::Dismissed.as_str().into();
                    c.dismiss_reason = Some(reason.clone());
                }
            }
            IntegrityEvent::IntegrityRecorded {
                case_id,
                bar,
                recover,
                recorded_on,
                ..
            } => {
                if let Some(c) = self.case_mut(case_id) {
                    c.status = CaseStatus::Recorded.as_str().into();
                    c.bar = *bar;
                    c.recover = recover.iter().map(IntegrityRecoveryEntry::from).collect();
                    c.recorded_on = Some(*recorded_on);
                }
            }
            IntegrityEvent::RecoveryReferred { .. } => {}
            IntegrityEvent::IntegrityRecordRevoked {
                case_id,
                reason,
                decision_ref,
                revoked_on,
            } => {
                if let Some(c) = self.case_mut(case_id) {
                    c.status = CaseStatus::Revoked.as_str().into();
                    c.revoked_on = Some(*revoked_on);
                    c.revoke_reason = Some(reason.clone());
                    c.revoke_decision_ref = Some(decision_ref.clone());
                }
            }
        }
    }
}

impl Indexed for IntegrityView {
    fn index(&self) -> ViewIndex {
        ViewIndex {
            status: None,
            owner: self.org.as_ref().map(OrgCode::to_string),
            parent: None,
            sort_key: self.created_at.clone(),
        }
    }
}

/// One bar in the registry.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BarEntry {
    /// The integrity case.
    pub case_id: String,
    /// First barred day (the decision date).
    pub from: NaiveDate,
    /// First eligible day again (the anniversary).
    pub until: NaiveDate,
    /// Bar length in years.
    pub years: u32,
    /// The day the bar was revoked on appeal, from which it no longer holds.
    pub revoked_on: Option<NaiveDate>,
}

impl BarEntry {
    /// The first eligible day if this bar holds on `date`.
    pub fn holds_until(&self, date: NaiveDate) -> Option<NaiveDate> {
        let end = self
            .revoked_on
            .map_or(self.until, |revoked| revoked.min(self.until));
        (self.from <= date && date < end).then_some(end)
    }
}

/// The bar registry: one row per organisation that has ever been barred, keyed by its USCC;
/// commands that a bar forbids read it (domain.md [A-11]).
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct BarRegistryView {
    /// The organisation.
    pub org: Option<OrgCode>,
    /// Last stream sequence folded.
    pub version: usize,
    /// Its bars, in recording order.
    pub bars: Vec<BarEntry>,
}

impl BarRegistryView {
    /// The view's name in the store.
    pub const NAME: &'static str = "bar_registry";

    /// The first day the organisation is eligible again, if some bar holds on `date`.
    pub fn barred_until(&self, date: NaiveDate) -> Option<NaiveDate> {
        self.bars.iter().filter_map(|b| b.holds_until(date)).max()
    }
}

impl View<IntegrityRecord> for BarRegistryView {
    fn update(&mut self, event: &EventEnvelope<IntegrityRecord>) {
        self.version = event.sequence;
        match &event.payload {
            IntegrityEvent::IntegrityRecorded {
                case_id,
                org,
                bar: Some(bar),
                ..
            } => {
                self.org = Some(org.clone());
                self.bars.push(BarEntry {
                    case_id: case_id.clone(),
                    from: bar.from,
                    until: bar.until,
                    years: bar.years,
                    revoked_on: None,
                });
            }
            IntegrityEvent::IntegrityRecordRevoked {
                case_id,
                revoked_on,
                ..
            } => {
                if let Some(b) = self.bars.iter_mut().find(|b| &b.case_id == case_id) {
                    b.revoked_on = Some(*revoked_on);
                }
            }
            _ => {}
        }
    }
}

impl Indexed for BarRegistryView {
    fn index(&self) -> ViewIndex {
        ViewIndex {
            status: None,
            owner: self.org.as_ref().map(OrgCode::to_string),
            parent: None,
            sort_key: self
                .org
                .as_ref()
                .map(OrgCode::to_string)
                .unwrap_or_default(),
        }
    }
}

/// Keeps [`BarRegistryView`] rows only for organisations whose record carries a bar: other
/// integrity events write no row.
pub struct BarRegistryProjector(ViewProjector<IntegrityRecord, BarRegistryView>);

impl Default for BarRegistryProjector {
    fn default() -> Self {
        BarRegistryProjector(ViewProjector::new(BarRegistryView::NAME))
    }
}

impl Projector for BarRegistryProjector {
    fn view_name(&self) -> &'static str {
        self.0.view_name()
    }

    fn aggregate_type(&self) -> &'static str {
        self.0.aggregate_type()
    }

    fn row_ids(&self, event: &SerializedEvent) -> Vec<String> {
        let barred = event.event_type == "IntegrityRecorded"
            && event
                .payload
                .get("IntegrityRecorded")
                .and_then(|p| p.get("bar"))
                .is_some_and(|b| !b.is_null());
        if barred || event.event_type == "IntegrityRecordRevoked" {
            vec![event.aggregate_id.clone()]
        } else {
            vec![]
        }
    }

    fn project(
        &self,
        current: Option<Value>,
        event: &SerializedEvent,
    ) -> Result<ViewRow, ProjectionError> {
        self.0.project(current, event)
    }
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use integrity::IntegrityEvent as E;
    use kernel::Money;

    use super::*;

    const ORG: &str = "91320583MA1KC00296";

    fn day(text: &str) -> NaiveDate {
        text.parse().unwrap()
    }

    fn org() -> OrgCode {
        OrgCode::parse(ORG).unwrap()
    }

    fn opened(case_id: &str) -> E {
        E::IntegrityCaseOpened {
            case_id: case_id.into(),
            org: org(),
            allegation: "伪造数据".into(),
            related_projects: vec!["p-1".into()],
            source: CaseSource::Report {
                reference: "r".into(),
            },
            opened_on: day("2024-04-01"),
        }
    }

    fn recorded(case_id: &str, severity: Severity, bar: Option<Bar>) -> E {
        E::IntegrityRecorded {
            case_id: case_id.into(),
            org: org(),
            severity,
            decision_date: day("2024-05-10"),
            bar,
            recover: vec![Recovery {
                project: "p-1".into(),
                amount: Money::from_fen(10),
                disbursed: Money::from_fen(20),
            }],
            recorded_on: day("2024-05-10"),
        }
    }

    fn revoked(case_id: &str, on: &str) -> E {
        E::IntegrityRecordRevoked {
            case_id: case_id.into(),
            reason: "申诉成立".into(),
            decision_ref: "d".into(),
            revoked_on: day(on),
        }
    }

    fn envelope(sequence: usize, payload: E) -> EventEnvelope<IntegrityRecord> {
        EventEnvelope {
            aggregate_id: ORG.into(),
            sequence,
            payload,
            metadata: HashMap::new(),
        }
    }

    fn serialized(sequence: usize, payload: &E) -> SerializedEvent {
        use cqrs_es::DomainEvent;
        SerializedEvent::new(
            ORG.into(),
            sequence,
            "integrity_record".into(),
            payload.event_type(),
            "1.0".into(),
            serde_json::to_value(payload).unwrap(),
            serde_json::json!({}),
        )
    }

    #[test]
    fn the_integrity_view_follows_each_case() {
        let mut view = IntegrityView::default();
        let events = vec![
            opened("c-1"),
            E::ViolationDetermined {
                case_id: "c-1".into(),
                severity: Severity::Serious,
                decision_date: day("2024-05-10"),
                findings_ref: "f".into(),
            },
            recorded(
                "c-1",
                Severity::Serious,
                Some(Bar::new(day("2024-05-10"), 3)),
            ),
            opened("c-2"),
            E::IntegrityCaseDismissed {
                case_id: "c-2".into(),
                reason: "证据不足".into(),
                dismissed_on: day("2024-06-01"),
            },
            revoked("c-1", "2025-01-15"),
        ];
        for (i, e) in events.into_iter().enumerate() {
            view.update(&envelope(i + 1, e));
        }
        assert_eq!(view.org, Some(org()));
        assert_eq!(view.id, ORG);
        assert_eq!(view.version, 6);
        assert_eq!(view.cases[0].status, "revoked");
        assert_eq!(view.cases[0].bar.map(|b| b.until), Some(day("2027-05-10")));
        assert_eq!(view.cases[0].recover[0].amount_fen, 10);
        assert_eq!(view.cases[0].revoked_on, Some(day("2025-01-15")));
        assert_eq!(view.cases[1].status, "dismissed");
        assert_eq!(view.index().owner.as_deref(), Some(ORG));
    }

    #[test]
    fn the_registry_keeps_rows_only_for_barred_organisations() {
        let p = BarRegistryProjector::default();
        assert!(p.row_ids(&serialized(1, &opened("c-1"))).is_empty());
        assert!(p
            .row_ids(&serialized(3, &recorded("c-1", Severity::General, None)))
            .is_empty());
        let serious = recorded(
            "c-1",
            Severity::Serious,
            Some(Bar::new(day("2024-05-10"), 3)),
        );
        assert_eq!(p.row_ids(&serialized(3, &serious)), vec![ORG.to_string()]);
        let row = p.project(None, &serialized(3, &serious)).unwrap();
        assert_eq!(row.payload["bars"][0]["until"], "2027-05-10");
        assert_eq!(row.index.owner.as_deref(), Some(ORG));
    }

    #[test]
    fn a_bar_holds_through_the_day_before_the_anniversary() {
        let mut view = BarRegistryView::default();
        view.update(&envelope(
            3,
            recorded(
                "c-1",
                Severity::Serious,
                Some(Bar::new(day("2024-05-10"), 3)),
            ),
        ));
        assert_eq!(view.barred_until(day("2024-05-09")), None);
        assert_eq!(
            view.barred_until(day("2024-05-10")),
            Some(day("2027-05-10"))
        );
        assert_eq!(
            view.barred_until(day("2027-05-09")),
            Some(day("2027-05-10"))
        );
        assert_eq!(view.barred_until(day("2027-05-10")), None);
    }

    #[test]
    fn a_leap_day_bar_lifts_on_the_28th_of_february() {
        let mut view = BarRegistryView::default();
        view.update(&envelope(
            3,
            recorded(
                "c-1",
                Severity::Serious,
                Some(Bar::new(day("2024-02-29"), 3)),
            ),
        ));
        assert_eq!(
            view.barred_until(day("2027-02-27")),
            Some(day("2027-02-28"))
        );
        assert_eq!(view.barred_until(day("2027-02-28")), None);
    }

    #[test]
    fn a_revoked_bar_ends_on_the_revocation_date() {
        let mut view = BarRegistryView::default();
        view.update(&envelope(
            3,
            recorded(
                "c-1",
                Severity::Serious,
                Some(Bar::new(day("2024-05-10"), 3)),
            ),
        ));
        view.update(&envelope(4, revoked("c-1", "2025-01-15")));
        assert_eq!(
            view.barred_until(day("2025-01-14")),
            Some(day("2025-01-15"))
        );
        assert_eq!(view.barred_until(day("2025-01-15")), None);
        assert_eq!(view.bars[0].revoked_on, Some(day("2025-01-15")));
    }
}
