use std::collections::HashMap;
use std::marker::PhantomData;
use std::sync::Arc;

use cqrs_es::persist::SerializedEvent;
use cqrs_es::{Aggregate, EventEnvelope, View};
use serde::de::DeserializeOwned;
use serde::Serialize;
use serde_json::Value;

/// The columns a list query filters and orders on, kept beside each view row.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ViewIndex {
    /// Lifecycle status, for `?status=` filters.
    pub status: Option<String>,
    /// The organisation or person the row belongs to, for "my …" lists.
    pub owner: Option<String>,
    /// The id of the parent resource (e.g. the call a bid answers).
    pub parent: Option<String>,
    /// Stable ordering key for pagination (unique together with the view id).
    pub sort_key: String,
}

/// A view row as the store keeps it: the JSON document and its index columns.
#[derive(Debug, Clone, PartialEq)]
pub struct ViewRow {
    /// The last stream sequence folded into the row.
    pub version: u64,
    /// The view as JSON.
    pub payload: Value,
    /// Index columns.
    pub index: ViewIndex,
}

/// A view that can say how it is listed.
pub trait Indexed {
    /// The index columns of this view.
    fn index(&self) -> ViewIndex;
}

/// Why an event could not be folded into a view.
#[derive(Debug, thiserror::Error)]
pub enum ProjectionError {
    /// A stored payload or view row does not deserialize.
    #[error("cannot read {what}: {source}")]
    Decode {
        /// What was being read.
        what: &'static str,
        /// The serde error.
        source: serde_json::Error,
    },
    /// The projector refused the event on purpose (used by tests to force a failure).
    #[error("projection refused: {0}")]
    Refused(String),
}

/// The object-safe port through which the store folds events into a view, inside the
/// transaction that appends them.
pub trait Projector: Send + Sync {
    /// The view's name (its rows' `view_name`).
    fn view_name(&self) -> &'static str;
    /// The aggregate type whose events feed the view.
    fn aggregate_type(&self) -> &'static str;
    /// The ids of the rows `event` changes (by default the stream's own id).
    fn row_ids(&self, event: &SerializedEvent) -> Vec<String> {
        vec![event.aggregate_id.clone()]
    }
    /// Folds `event` into the row as it stands (`None` before the first event).
    fn project(
        &self,
        current: Option<Value>,
        event: &SerializedEvent,
    ) -> Result<ViewRow, ProjectionError>;
    /// Folds `event` into row `row_id`; projectors whose [`Projector::row_ids`] fan one event
    /// out to several rows override this to tell the rows apart. By default, [`Projector::project`].
    fn project_row(
        &self,
        row_id: &str,
        current: Option<Value>,
        event: &SerializedEvent,
    ) -> Result<ViewRow, ProjectionError> {
        let _ = row_id;
        self.project(current, event)
    }
    /// Folds several events, in order, into row `row_id` (a rebuild's batch). By default one
    /// [`Projector::project_row`] after another; typed views override it to decode the row once
    /// and encode it once per batch instead of once per event.
    fn project_many(
        &self,
        row_id: &str,
        current: Option<Value>,
        events: &[&SerializedEvent],
    ) -> Result<Option<ViewRow>, ProjectionError> {
        let mut current = current;
        let mut last = None;
        for event in events {
            let row = self.project_row(row_id, current.take(), event)?;
            current = Some(row.payload.clone());
            last = Some(row);
        }
        Ok(last)
    }
}

/// Reads a metadata entry as text.
pub fn metadata_text<'a>(event: &'a SerializedEvent, key: &str) -> Option<&'a str> {
    event.metadata.get(key).and_then(Value::as_str)
}

/// Rebuilds the typed envelope of a serialized event.
pub fn envelope_of<A: Aggregate>(
    event: &SerializedEvent,
) -> Result<EventEnvelope<A>, ProjectionError> {
    let payload: A::Event = serde_json::from_value(event.payload.clone()).map_err(|source| {
        ProjectionError::Decode {
            what: "event payload",
            source,
        }
    })?;
    let metadata: HashMap<String, String> = match &event.metadata {
        Value::Object(map) => map
            .iter()
            .filter_map(|(k, v)| v.as_str().map(|s| (k.clone(), s.to_string())))
            .collect(),
        _ => HashMap::new(),
    };
    Ok(EventEnvelope {
        aggregate_id: event.aggregate_id.clone(),
        sequence: event.sequence,
        payload,
        metadata,
    })
}

/// Adapts a typed [`View`] to the [`Projector`] port.
pub struct ViewProjector<A, V> {
    name: &'static str,
    _types: PhantomData<fn() -> (A, V)>,
}

impl<A, V> ViewProjector<A, V> {
    /// A projector that keeps view `V` under `name`.
    pub fn new(name: &'static str) -> Self {
        ViewProjector {
            name,
            _types: PhantomData,
        }
    }
}

impl<A, V> Projector for ViewProjector<A, V>
where
    A: Aggregate,
    V: View<A> + Indexed + Serialize + DeserializeOwned + Default,
{
    fn view_name(&self) -> &'static str {
        self.name
    }

    fn aggregate_type(&self) -> &'static str {
        A::TYPE
    }

    fn project(
        &self,
        current: Option<Value>,
        event: &SerializedEvent,
    ) -> Result<ViewRow, ProjectionError> {
        fold_typed::<A, V>(current, &[event])
    }

    fn project_many(
        &self,
        _row_id: &str,
        current: Option<Value>,
        events: &[&SerializedEvent],
    ) -> Result<Option<ViewRow>, ProjectionError> {
        if events.is_empty() {
            return Ok(None);
        }
        fold_typed::<A, V>(current, events).map(Some)
    }
}

/// Decodes the row (or starts from the default view), applies `events` in order, and encodes it
/// once: the row's version is the last event's sequence. `events` is not empty.
fn fold_typed<A, V>(
    current: Option<Value>,
    events: &[&SerializedEvent],
) -> Result<ViewRow, ProjectionError>
where
    A: Aggregate,
    V: View<A> + Indexed + Serialize + DeserializeOwned + Default,
{
    let mut view: V = match current {
        Some(value) => serde_json::from_value(value).map_err(|source| ProjectionError::Decode {
            what: "view row",
            source,
        })?,
        None => V::default(),
    };
    for event in events {
        view.update(&envelope_of::<A>(event)?);
    }
    let payload = serde_json::to_value(&view).map_err(|source| ProjectionError::Decode {
        what: "view",
        source,
    })?;
    Ok(ViewRow {
        version: events.last().map_or(0, |e| e.sequence as u64),
        payload,
        index: view.index(),
    })
}

/// Every projector grantledger keeps inline.
pub fn all_projectors() -> Vec<Arc<dyn Projector>> {
    let mut all: Vec<Arc<dyn Projector>> = vec![
        Arc::new(
            ViewProjector::<challenge::Challenge, crate::ChallengeView>::new(
                crate::ChallengeView::NAME,
            ),
        ),
        Arc::new(
            ViewProjector::<clawback::ClawbackCase, crate::ClawbackView>::new(
                crate::ClawbackView::NAME,
            ),
        ),
        Arc::new(crate::ClawbackLedgerProjector::default()),
        Arc::new(ViewProjector::<
            integrity::IntegrityRecord,
            crate::IntegrityView,
        >::new(crate::IntegrityView::NAME)),
        Arc::new(crate::BarRegistryProjector::default()),
        Arc::new(ViewProjector::<project::Project, crate::ProjectView>::new(
            crate::ProjectView::NAME,
        )),
        Arc::new(crate::ProjectMembershipProjector),
        Arc::new(ViewProjector::<project::Race, crate::RaceView>::new(
            crate::RaceView::NAME,
        )),
        Arc::new(ViewProjector::<bid::Bid, crate::BidView>::new(
            crate::BidView::NAME,
        )),
        Arc::new(ViewProjector::<bid::Bid, crate::BidRankingView>::new(
            crate::BidRankingView::NAME,
        )),
        Arc::new(crate::ReviewAssignmentProjector),
        Arc::new(crate::BidPartyProjector),
        Arc::new(ViewProjector::<
            attention::AttentionItem,
            crate::AttentionView,
        >::new(crate::AttentionView::NAME)),
    ];
    all.extend(consortium_projectors());
    all.extend(support_projectors());
    all.extend(need_projectors());
    all
}

fn need_projectors() -> Vec<Arc<dyn Projector>> {
    vec![
        Arc::new(ViewProjector::<need::TechnologyNeed, crate::NeedView>::new(
            crate::NeedView::NAME,
        )),
        Arc::new(crate::NeedAdoptionProjector),
        Arc::new(ViewProjector::<
            kpi::KpiObservation,
            crate::KpiObservationView,
        >::new(crate::KpiObservationView::NAME)),
    ]
}

/// The projectors of the support-application lists and the cap usage.
fn support_projectors() -> Vec<Arc<dyn Projector>> {
    let mut all: Vec<Arc<dyn Projector>> = crate::SupportListProjector::all()
        .into_iter()
        .map(|p| Arc::new(p) as Arc<dyn Projector>)
        .collect();
    all.push(Arc::new(crate::SupportUsageProjector));
    all
}

/// The projectors of the consortium and evaluation-round views.
fn consortium_projectors() -> Vec<Arc<dyn Projector>> {
    vec![
        Arc::new(
            ViewProjector::<consortium::Consortium, crate::ConsortiumView>::new(
                crate::ConsortiumView::NAME,
            ),
        ),
        Arc::new(ViewProjector::<
            consortium::Consortium,
            crate::ConsortiumAcceptanceView,
        >::new(crate::ConsortiumAcceptanceView::NAME)),
        Arc::new(ViewProjector::<
            evaluation::EvaluationRound,
            crate::EvaluationRoundView,
        >::new(crate::EvaluationRoundView::NAME)),
        Arc::new(crate::EvaluatorQueueProjector),
    ]
}
