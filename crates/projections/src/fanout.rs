//! Views with one row per (bid, party) or (bid, reviewer): one bid event fans out to several
//! rows, so these implement [`Projector`] directly and use the row id to tell the rows apart.

use bid::{Bid, BidEvent};
use cqrs_es::persist::SerializedEvent;
use cqrs_es::Aggregate;
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::{metadata_text, ProjectionError, Projector, ViewIndex, ViewRow};

fn bid_event(event: &SerializedEvent) -> Result<BidEvent, ProjectionError> {
    serde_json::from_value(event.payload.clone()).map_err(|source| ProjectionError::Decode {
        what: "event payload",
        source,
    })
}

fn row_of<T: DeserializeOwned + Default>(current: Option<Value>) -> Result<T, ProjectionError> {
    match current {
        Some(v) => serde_json::from_value(v).map_err(|source| ProjectionError::Decode {
            what: "view row",
            source,
        }),
        None => Ok(T::default()),
    }
}

fn to_row<T: Serialize>(
    row: &T,
    version: usize,
    index: ViewIndex,
) -> Result<ViewRow, ProjectionError> {
    let payload = serde_json::to_value(row).map_err(|source| ProjectionError::Decode {
        what: "view",
        source,
    })?;
    Ok(ViewRow {
        version: version as u64,
        payload,
        index,
    })
}

/// The id of a fan-out row: `<bid id>/<key>` (bid ids are UUIDs and hold no `/`).
pub fn fanout_row_id(bid_id: &str, key: &str) -> String {
    format!("{bid_id}/{key}")
}

fn split(row_id: &str) -> (&str, &str) {
    row_id.split_once('/').unwrap_or((row_id, ""))
}

/// One expert's review task on one bid: a reviewer's queue lists these.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct ReviewAssignmentView {
    /// The bid.
    pub bid_id: String,
    /// The expert (token `sub`).
    pub reviewer: String,
    /// `pending`, `assessed`, `recused` or `cancelled` (the bid was withdrawn).
    pub status: String,
    /// When seated.
    pub assigned_at: String,
    /// When last assessed.
    pub assessed_at: Option<String>,
}

impl ReviewAssignmentView {
    /// The view's name in the store.
    pub const NAME: &'static str = "review_assignment";
}

/// Keeps [`ReviewAssignmentView`] rows.
pub struct ReviewAssignmentProjector;

impl Projector for ReviewAssignmentProjector {
    fn view_name(&self) -> &'static str {
        ReviewAssignmentView::NAME
    }

    fn aggregate_type(&self) -> &'static str {
        Bid::TYPE
    }

    fn row_ids(&self, event: &SerializedEvent) -> Vec<String> {
        let id = &event.aggregate_id;
        match bid_event(event) {
            Ok(BidEvent::ReviewersAssigned { reviewers }) => {
                reviewers.iter().map(|r| fanout_row_id(id, &r.id)).collect()
            }
            Ok(BidEvent::ReviewerRecused { reviewer, .. }) => vec![fanout_row_id(id, &reviewer)],
            Ok(BidEvent::AssessmentRecorded { assessment })
            | Ok(BidEvent::AssessmentCorrected { assessment, .. }) => {
                vec![fanout_row_id(id, &assessment.reviewer)]
            }
            Ok(BidEvent::BidWithdrawn {
                cancelled_reviews, ..
            }) => cancelled_reviews
                .iter()
                .map(|r| fanout_row_id(id, r))
                .collect(),
            _ => Vec::new(),
        }
    }

    fn project(
        &self,
        current: Option<Value>,
        event: &SerializedEvent,
    ) -> Result<ViewRow, ProjectionError> {
        self.project_row(&event.aggregate_id, current, event)
    }

    fn project_row(
        &self,
        row_id: &str,
        current: Option<Value>,
        event: &SerializedEvent,
    ) -> Result<ViewRow, ProjectionError> {
        let mut row: ReviewAssignmentView = row_of(current)?;
        let (bid_id, reviewer) = split(row_id);
        let at = metadata_text(event, "recorded_at")
            .unwrap_or_default()
            .to_string();
        row.bid_id = bid_id.to_string();
        row.reviewer = reviewer.to_string();
        match bid_event(event)? {
            BidEvent::ReviewersAssigned { .. } => {
                row.status = "pending".into();
                row.assigned_at = at;
            }
            BidEvent::ReviewerRecused { .. } => row.status = "recused".into(),
            BidEvent::AssessmentRecorded { .. } | BidEvent::AssessmentCorrected { .. } => {
                row.status = "assessed".into();
                row.assessed_at = Some(at);
            }
            BidEvent::BidWithdrawn { .. } => row.status = "cancelled".into(),
            _ => {}
        }
        let index = ViewIndex {
            status: Some(row.status.clone()),
            owner: Some(row.reviewer.clone()),
            parent: Some(row.bid_id.clone()),
            sort_key: row.assigned_at.clone(),
        };
        to_row(&row, event.sequence, index)
    }
}

/// An organisation's part in a bid (lead or member): "my bids" lists these, then reads each bid.
/// A row stays when a member is dropped by an amendment; readers check the bid itself.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct BidPartyView {
    /// The bid.
    pub bid_id: String,
    /// The organisation.
    pub org: String,
    /// `lead` or `member`.
    pub role: String,
    /// The call, when the row was made by the submission.
    pub challenge_id: String,
    /// When the organisation first appeared on the bid.
    pub since: String,
}

impl BidPartyView {
    /// The view's name in the store.
    pub const NAME: &'static str = "bid_party";
}

/// Keeps [`BidPartyView`] rows.
pub struct BidPartyProjector;

impl Projector for BidPartyProjector {
    fn view_name(&self) -> &'static str {
        BidPartyView::NAME
    }

    fn aggregate_type(&self) -> &'static str {
        Bid::TYPE
    }

    fn row_ids(&self, event: &SerializedEvent) -> Vec<String> {
        let id = &event.aggregate_id;
        match bid_event(event) {
            Ok(BidEvent::BidSubmitted { lead, content, .. }) => {
                std::iter::once(fanout_row_id(id, lead.as_str()))
                    .chain(
                        content
                            .members
                            .iter()
                            .map(|m| fanout_row_id(id, m.org.as_str())),
                    )
                    .collect()
            }
            Ok(BidEvent::BidAmended { content, .. }) => content
                .members
                .iter()
                .map(|m| fanout_row_id(id, m.org.as_str()))
                .collect(),
            _ => Vec::new(),
        }
    }

    fn project(
        &self,
        current: Option<Value>,
        event: &SerializedEvent,
    ) -> Result<ViewRow, ProjectionError> {
        self.project_row(&event.aggregate_id, current, event)
    }

    fn project_row(
        &self,
        row_id: &str,
        current: Option<Value>,
        event: &SerializedEvent,
    ) -> Result<ViewRow, ProjectionError> {
        let mut row: BidPartyView = row_of(current)?;
        let (bid_id, org) = split(row_id);
        if row.since.is_empty() {
            row.since = metadata_text(event, "recorded_at")
                .unwrap_or_default()
                .to_string();
        }
        row.bid_id = bid_id.to_string();
        row.org = org.to_string();
        if let BidEvent::BidSubmitted {
            challenge_id, lead, ..
        } = bid_event(event)?
        {
            row.challenge_id = challenge_id;
            row.role = if lead.as_str() == org {
                "lead"
            } else {
                "member"
            }
            .into();
        } else if row.role.is_empty() {
            row.role = "member".into();
        }
        let index = ViewIndex {
            status: Some(row.role.clone()),
            owner: Some(row.org.clone()),
            parent: Some(row.challenge_id.clone()).filter(|c| !c.is_empty()),
            sort_key: row.since.clone(),
        };
        to_row(&row, event.sequence, index)
    }
}
