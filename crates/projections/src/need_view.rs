//! The technology need as readers see it, which call adopted it, and the manual KPI figures.

use challenge::ChallengeEvent;
use chrono::NaiveDate;
use cqrs_es::persist::SerializedEvent;
use cqrs_es::{EventEnvelope, View};
use kernel::OrgCode;
use kpi::{KpiObservation, KpiObservationEvent, ObservationEntry};
use need::{NeedCategory, NeedEvent, NeedStatus, TechnologyNeed};
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::{metadata_text, Indexed, ProjectionError, Projector, ViewIndex, ViewRow};

/// A need (the `Need` schema).
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct NeedView {
    /// Stream id.
    pub id: String,
    /// Last stream sequence.
    pub version: usize,
    /// `registered`, `accepted`, `rejected` or `adopted`.
    pub status: String,
    /// 需求方.
    pub poser: Option<OrgCode>,
    /// Category.
    pub category: Option<NeedCategory>,
    /// Industry chain.
    pub industry_chain: String,
    /// Title.
    pub title: String,
    /// Description.
    pub text: String,
    /// Expected outcome.
    pub expected_outcome: String,
    /// Who registered it.
    pub registered_by: String,
    /// Date registered.
    pub registered_on: Option<NaiveDate>,
    /// Date accepted into the pool.
    pub accepted_on: Option<NaiveDate>,
    /// Stream sequence of `NeedAccepted` (the KPI fact).
    pub accepted_version: Option<usize>,
    /// The screening note or the rejection reason.
    pub screening_reason: Option<String>,
    /// Date rejected.
    pub rejected_on: Option<NaiveDate>,
    /// The call drafted from it.
    pub adopted_by: Option<String>,
    /// Date adopted.
    pub adopted_on: Option<NaiveDate>,
    /// When registered.
    pub created_at: String,
    /// When last changed.
    pub updated_at: String,
}

impl NeedView {
    /// The view's name in the store.
    pub const NAME: &'static str = "need";
}

impl View<TechnologyNeed> for NeedView {
    fn update(&mut self, event: &EventEnvelope<TechnologyNeed>) {
        let recorded_at = event
            .metadata
            .get("recorded_at")
            .cloned()
            .unwrap_or_default();
        self.id.clone_from(&event.aggregate_id);
        self.version = event.sequence;
        self.updated_at.clone_from(&recorded_at);
        match &event.payload {
            NeedEvent::NeedRegistered {
                poser,
                category,
                industry_chain,
                title,
                text,
                expected_outcome,
                registered_by,
                registered_on,
            } => {
                self.status = NeedStatus::Registered.as_str().into();
                self.poser = Some(poser.clone());
                self.category = Some(*category);
                self.industry_chain.clone_from(industry_chain);
                self.title.clone_from(title);
                self.text.clone_from(text);
                self.expected_outcome.clone_from(expected_outcome);
                self.registered_by.clone_from(registered_by);
                self.registered_on = Some(*registered_on);
                self.created_at = recorded_at;
            }
            NeedEvent::NeedAccepted {
                reason,
                accepted_on,
                ..
            } => {
                self.status = NeedStatus::Accepted.as_str().into();
                self.accepted_on = Some(*accepted_on);
                self.accepted_version = Some(event.sequence);
                self.screening_reason.clone_from(reason);
            }
            NeedEvent::NeedRejected {
                reason,
                rejected_on,
            } => {
                self.status = NeedStatus::Rejected.as_str().into();
                self.rejected_on = Some(*rejected_on);
                self.screening_reason = Some(reason.clone());
            }
            NeedEvent::NeedAdopted {
                challenge_id,
                adopted_on,
            } => {
                self.status = NeedStatus::Adopted.as_str().into();
                self.adopted_by = Some(challenge_id.clone());
                self.adopted_on = Some(*adopted_on);
            }
        }
    }
}

impl Indexed for NeedView {
    fn index(&self) -> ViewIndex {
        ViewIndex {
            status: Some(self.status.clone()),
            owner: self.poser.as_ref().map(ToString::to_string),
            parent: Some(self.industry_chain.clone()),
            sort_key: self.created_at.clone(),
        }
    }
}

/// Which call a need was drafted into, written in the draft's own transaction (one row per need,
/// keyed by the need's id), so a second draft naming the same need sees it under the need's lock
/// even before the need's own stream records the adoption.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct NeedAdoptionView {
    /// The need.
    pub need_id: String,
    /// The call drafted from it.
    pub challenge_id: String,
    /// When the draft was recorded.
    pub drafted_at: String,
}

impl NeedAdoptionView {
    /// The view's name in the store.
    pub const NAME: &'static str = "need_adoption";
}

/// Keeps [`NeedAdoptionView`] rows from the challenge's `NeedsAdopted`.
pub struct NeedAdoptionProjector;

fn drafted_needs(event: &SerializedEvent) -> Vec<String> {
    if event.event_type != "NeedsAdopted" {
        return Vec::new();
    }
    match serde_json::from_value::<ChallengeEvent>(event.payload.clone()) {
        Ok(ChallengeEvent::NeedsAdopted { needs }) => needs,
        _ => Vec::new(),
    }
}

impl Projector for NeedAdoptionProjector {
    fn view_name(&self) -> &'static str {
        NeedAdoptionView::NAME
    }

    fn aggregate_type(&self) -> &'static str {
        "challenge"
    }

    fn row_ids(&self, event: &SerializedEvent) -> Vec<String> {
        drafted_needs(event)
    }

    fn project(
        &self,
        _current: Option<Value>,
        _event: &SerializedEvent,
    ) -> Result<ViewRow, ProjectionError> {
        Err(ProjectionError::Refused(
            "need_adoption rows are written per need".into(),
        ))
    }

    fn project_row(
        &self,
        row_id: &str,
        current: Option<Value>,
        event: &SerializedEvent,
    ) -> Result<ViewRow, ProjectionError> {
        if let Some(existing) = current {
            // The first draft keeps the row; the command refuses any later one.
            let row: NeedAdoptionView =
                serde_json::from_value(existing).map_err(|source| ProjectionError::Decode {
                    what: "view row",
                    source,
                })?;
            if row.challenge_id != event.aggregate_id {
                return Err(ProjectionError::Refused(format!(
                    "need {row_id} was already drafted into call {}",
                    row.challenge_id
                )));
            }
        }
        let drafted_at = metadata_text(event, "recorded_at")
            .unwrap_or_default()
            .to_string();
        let row = NeedAdoptionView {
            need_id: row_id.to_string(),
            challenge_id: event.aggregate_id.clone(),
            drafted_at: drafted_at.clone(),
        };
        Ok(ViewRow {
            version: event.sequence as u64,
            payload: serde_json::to_value(&row).map_err(|source| ProjectionError::Decode {
                what: "view",
                source,
            })?,
            index: ViewIndex {
                status: None,
                owner: None,
                parent: Some(event.aggregate_id.clone()),
                sort_key: drafted_at,
            },
        })
    }
}

/// The manual figures of one KPI row and year (the `KpiObservation` schema).
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct KpiObservationView {
    /// Stream id, `r<row>-<year>`.
    pub id: String,
    /// Last stream sequence.
    pub version: usize,
    /// The annex row.
    pub row: u8,
    /// The year.
    pub year: i32,
    /// The figure that counts: the latest.
    pub value: i64,
    /// Its source document.
    pub source_ref: String,
    /// Date of the latest figure.
    pub recorded_on: Option<NaiveDate>,
    /// Every figure in order.
    pub history: Vec<ObservationEntry>,
}

impl KpiObservationView {
    /// The view's name in the store.
    pub const NAME: &'static str = "kpi_observation";
}

impl View<KpiObservation> for KpiObservationView {
    fn update(&mut self, event: &EventEnvelope<KpiObservation>) {
        let KpiObservationEvent::KpiObservationRecorded {
            row,
            year,
            value,
            source_ref,
            recorded_by,
            recorded_on,
        } = &event.payload;
        self.id.clone_from(&event.aggregate_id);
        self.version = event.sequence;
        self.row = *row;
        self.year = *year;
        self.value = *value;
        self.source_ref.clone_from(source_ref);
        self.recorded_on = Some(*recorded_on);
        self.history.push(ObservationEntry {
            value: *value,
            source_ref: source_ref.clone(),
            recorded_by: recorded_by.clone(),
            recorded_on: *recorded_on,
        });
    }
}

impl Indexed for KpiObservationView {
    fn index(&self) -> ViewIndex {
        ViewIndex {
            status: None,
            owner: None,
            parent: Some(self.year.to_string()),
            sort_key: format!("{:02}", self.row),
        }
    }
}
