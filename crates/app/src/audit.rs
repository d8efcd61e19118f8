//! The audit registries: how each aggregate type's state is rebuilt from its events
//! ([`FOLDS`]), and how each aggregate type's streams join a project's dossier ([`LINKS`]).
//!
//! A new aggregate adds one line to [`FOLDS`]; if its streams belong in project dossiers it
//! implements [`ProjectLinks`] (reading its own events) and adds one line to [`LINKS`]. Nothing
//! else changes: the audit routes, the property test and the dossier are generic.

use std::collections::{BTreeMap, BTreeSet, VecDeque};

use challenge::Challenge;
use chrono::{DateTime, Utc};
use clawback::{ClawbackCase, ClawbackEvent, Subject};
use consortium::Consortium;
use cqrs_es::persist::SerializedEvent;
use cqrs_es::Aggregate;
use evaluation::EvaluationRound;
use integrity::{IntegrityEvent, IntegrityRecord};
use project::{Project, ProjectEvent, Race, RaceEvent};
use serde::Serialize;
use serde_json::Value;
use store::chain::{self, Verdict};
use store::{Store, StoreError, StreamId};
use support::SupportApplication;

/// Why a stored event could not be folded or read for links.
#[derive(Debug, thiserror::Error)]
pub enum FoldError {
    /// A stored payload does not deserialize into the aggregate's event type.
    #[error("event {sequence} of {aggregate_type}/{aggregate_id} does not decode: {source}")]
    Decode {
        /// Aggregate type.
        aggregate_type: String,
        /// Aggregate id.
        aggregate_id: String,
        /// Sequence of the event.
        sequence: u64,
        /// The serde error.
        source: serde_json::Error,
    },
    /// The rebuilt state does not serialize.
    #[error("the rebuilt state does not encode: {0}")]
    Encode(serde_json::Error),
    /// The store failed.
    #[error(transparent)]
    Store(#[from] StoreError),
}

fn decode<A: Aggregate>(event: &SerializedEvent) -> Result<A::Event, FoldError> {
    serde_json::from_value(event.payload.clone()).map_err(|source| FoldError::Decode {
        aggregate_type: event.aggregate_type.clone(),
        aggregate_id: event.aggregate_id.clone(),
        sequence: event.sequence as u64,
        source,
    })
}

/// Rebuilds an aggregate's state as JSON from its events, oldest first.
pub type FoldFn = fn(&[SerializedEvent]) -> Result<Value, FoldError>;

/// Folds `events` into `A::default()` with `A`'s own `apply`, as cqrs-es does when it loads an
/// aggregate, and returns the state as JSON.
///
/// Every event version is "1.0" today; when one is bumped, its upcaster runs here before `apply`.
pub fn fold<A: Aggregate>(events: &[SerializedEvent]) -> Result<Value, FoldError> {
    let mut state = A::default();
    for event in events {
        state.apply(decode::<A>(event)?);
    }
    serde_json::to_value(&state).map_err(FoldError::Encode)
}

/// Every aggregate type whose past states auditors can rebuild: one line per aggregate.
pub const FOLDS: &[(&str, FoldFn)] = &[
    (Challenge::TYPE, fold::<Challenge>),
    (Project::TYPE, fold::<Project>),
    (Race::TYPE, fold::<Race>),
    (Consortium::TYPE, fold::<Consortium>),
    (EvaluationRound::TYPE, fold::<EvaluationRound>),
    (ClawbackCase::TYPE, fold::<ClawbackCase>),
    (IntegrityRecord::TYPE, fold::<IntegrityRecord>),
    (bid::Bid::TYPE, fold::<bid::Bid>),
    (SupportApplication::TYPE, fold::<SupportApplication>),
    (need::TechnologyNeed::TYPE, fold::<need::TechnologyNeed>),
    (kpi::KpiObservation::TYPE, fold::<kpi::KpiObservation>),
];

/// The fold function of `aggregate_type`, if it is registered.
pub fn fold_for(aggregate_type: &str) -> Option<FoldFn> {
    FOLDS
        .iter()
        .find(|(kind, _)| *kind == aggregate_type)
        .map(|(_, f)| *f)
}

/// One declared link: stream `member` belongs in the dossier of stream `of`.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Link {
    /// The stream that joins.
    pub member: StreamId,
    /// The stream whose dossier it joins (a project, or a stream that is itself a member).
    pub of: StreamId,
    /// Why, in a word: `call`, `winning_bid`, `assessment`, `clawback_case`, …
    pub relation: &'static str,
}

/// How an aggregate's streams join project dossiers, declared from its own events.
///
/// A link may point either way: a project's `ProjectStarted` can declare that the call and the
/// winning bid are members of the project; a clawback case's `CaseOpened` can declare that the
/// case itself is a member of the project it names; an assessment can declare that it is a
/// member of the bid it assesses (and so joins every dossier that bid joins).
pub trait ProjectLinks: Aggregate {
    /// The links that `event`, stored on stream `id` of this type, declares.
    fn links(id: &str, event: &Self::Event) -> Vec<Link>;
}

// The project a call leads to names the call as a member; the call names the pool needs it
// answers, so they join every dossier the call joins.
impl ProjectLinks for Challenge {
    fn links(id: &str, event: &Self::Event) -> Vec<Link> {
        match event {
            challenge::ChallengeEvent::NeedsAdopted { needs } => needs
                .iter()
                .map(|need| Link {
                    member: stream(need::TechnologyNeed::TYPE, need),
                    of: stream(Challenge::TYPE, id),
                    relation: "need",
                })
                .collect(),
            _ => Vec::new(),
        }
    }
}

/// One aggregate type's link declaration, in the object-safe form the dossier walks.
#[derive(Clone, Copy)]
pub struct LinkRule {
    /// The aggregate type whose events are read.
    pub aggregate_type: &'static str,
    /// The links one stored event declares.
    pub links: fn(&SerializedEvent) -> Result<Vec<Link>, FoldError>,
}

fn links_of<A: ProjectLinks>(event: &SerializedEvent) -> Result<Vec<Link>, FoldError> {
    Ok(A::links(&event.aggregate_id, &decode::<A>(event)?))
}

impl LinkRule {
    /// The rule of aggregate `A`.
    pub const fn of<A: ProjectLinks>() -> LinkRule {
        LinkRule {
            aggregate_type: A::TYPE,
            links: links_of::<A>,
        }
    }
}

/// Every aggregate type that declares links to projects: one line per aggregate.
pub const LINKS: &[LinkRule] = &[
    LinkRule::of::<Challenge>(),
    LinkRule::of::<Project>(),
    LinkRule::of::<Race>(),
    LinkRule::of::<ClawbackCase>(),
    LinkRule::of::<IntegrityRecord>(),
    LinkRule::of::<SupportApplication>(),
];

fn stream(aggregate_type: &str, aggregate_id: &str) -> StreamId {
    StreamId {
        aggregate_type: aggregate_type.to_string(),
        aggregate_id: aggregate_id.to_string(),
    }
}

// A project names the call it answers and the winning bid it came from.
impl ProjectLinks for Project {
    fn links(id: &str, event: &Self::Event) -> Vec<Link> {
        match event {
            ProjectEvent::ProjectAwarded(award) => vec![
                Link {
                    member: stream(Challenge::TYPE, &award.challenge_id),
                    of: stream(Project::TYPE, id),
                    relation: "call",
                },
                Link {
                    member: stream("bid", &award.bid_id),
                    of: stream(Project::TYPE, id),
                    relation: "winning_bid",
                },
            ],
            _ => Vec::new(),
        }
    }
}

// A horse race joins the dossier of each of its lanes.
impl ProjectLinks for Race {
    fn links(id: &str, event: &Self::Event) -> Vec<Link> {
        match event {
            RaceEvent::RaceFormed { lanes, .. } => lanes
                .iter()
                .map(|lane| Link {
                    member: stream(Race::TYPE, id),
                    of: stream(Project::TYPE, lane),
                    relation: "race",
                })
                .collect(),
            _ => Vec::new(),
        }
    }
}

// A clawback case on a project joins that project's dossier, and a case on a support
// application joins the application's; a case on a consortium joins none.
impl ProjectLinks for ClawbackCase {
    fn links(id: &str, event: &Self::Event) -> Vec<Link> {
        match event {
            ClawbackEvent::ClawbackOpened {
                subject: Subject::SupportApplication(application),
                ..
            } => vec![Link {
                member: stream(ClawbackCase::TYPE, id),
                of: stream(SupportApplication::TYPE, application),
                relation: "clawback_case",
            }],
            ClawbackEvent::ClawbackOpened {
                subject: Subject::Project(project),
                ..
            } => vec![Link {
                member: stream(ClawbackCase::TYPE, id),
                of: stream(Project::TYPE, project),
                relation: "clawback_case",
            }],
            _ => Vec::new(),
        }
    }
}

// An organisation's integrity record joins the dossier of every project one of its cases
// names as related. The recoveries of a recorded case name a subset of those projects, so the
// opening event is enough.
impl ProjectLinks for IntegrityRecord {
    fn links(id: &str, event: &Self::Event) -> Vec<Link> {
        match event {
            IntegrityEvent::IntegrityCaseOpened {
                related_projects, ..
            } => related_projects
                .iter()
                .map(|project| Link {
                    member: stream(IntegrityRecord::TYPE, id),
                    of: stream(Project::TYPE, project),
                    relation: "integrity_record",
                })
                .collect(),
            _ => Vec::new(),
        }
    }
}

// A support application is a root of its own dossier (the clawback case it leads to joins it);
// it names no other stream.
impl ProjectLinks for SupportApplication {
    fn links(_id: &str, _event: &Self::Event) -> Vec<Link> {
        Vec::new()
    }
}

/// A stream in a dossier and how it got there.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DossierStream {
    /// The stream.
    #[serde(flatten)]
    pub stream: StreamId,
    /// `root` for the project's own stream, else the declared relation.
    pub relation: String,
    /// The stream it joined through (`None` for the root).
    pub via: Option<StreamId>,
    /// How many events it contributes.
    pub events: usize,
    /// Whether its hash chain is intact, and where it breaks if not.
    pub chain: Verdict,
}

/// One event of a dossier's timeline.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TimelineEntry {
    /// The stream the event belongs to.
    pub stream: StreamId,
    /// Sequence in that stream.
    pub sequence: u64,
    /// Event type.
    pub event_type: String,
    /// Event version.
    pub event_version: String,
    /// When it was recorded (from its metadata).
    pub recorded_at: Option<String>,
    /// Payload.
    pub payload: Value,
    /// Metadata: actor, roles, command, request id and the hashes.
    pub metadata: Value,
}

/// A project's own streams and every linked stream, merged into one timeline.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Dossier {
    /// The project id asked for.
    pub project_id: String,
    /// The streams, roots first, then in the order they were reached.
    pub streams: Vec<DossierStream>,
    /// Every event of those streams, ordered by `recorded_at` (then stream, then sequence).
    pub timeline: Vec<TimelineEntry>,
}

fn recorded_at(event: &SerializedEvent) -> Option<String> {
    event
        .metadata
        .get("recorded_at")
        .and_then(Value::as_str)
        .map(str::to_string)
}

fn instant(text: &Option<String>) -> Option<DateTime<Utc>> {
    text.as_deref()
        .and_then(|t| DateTime::parse_from_rfc3339(t).ok())
        .map(|t| t.with_timezone(&Utc))
}

/// Builds the dossier of project `id` from the streams whose id is `id` (today any aggregate
/// type: projects do not exist yet) and every stream linked to them by `rules`, transitively.
/// `None` when no stream is found.
///
/// Links are read from the chained events themselves, not from a view, so the membership of a
/// dossier cannot be edited apart from the log. The price is a read of every stream of the
/// aggregate types that declare links; an index view can replace that read without changing
/// any declaration.
pub async fn dossier(
    store: &Store,
    rules: &[LinkRule],
    id: &str,
) -> Result<Option<Dossier>, FoldError> {
    let all = store.streams().await?;
    let mut events: BTreeMap<StreamId, Vec<SerializedEvent>> = BTreeMap::new();
    let mut members: BTreeMap<StreamId, BTreeSet<(StreamId, &'static str)>> = BTreeMap::new();
    for stream in &all {
        let Some(rule) = rules
            .iter()
            .find(|r| r.aggregate_type == stream.aggregate_type)
        else {
            continue;
        };
        let stored = store
            .events(&stream.aggregate_type, &stream.aggregate_id, 0, None)
            .await?;
        for event in &stored {
            for link in (rule.links)(event)? {
                members
                    .entry(link.of)
                    .or_default()
                    .insert((link.member, link.relation));
            }
        }
        events.insert(stream.clone(), stored);
    }

    let mut reached: Vec<DossierStream> = Vec::new();
    let mut seen: BTreeSet<StreamId> = BTreeSet::new();
    let mut queue: VecDeque<(StreamId, String, Option<StreamId>)> = all
        .iter()
        .filter(|s| s.aggregate_id == id)
        .map(|s| (s.clone(), "root".to_string(), None))
        .collect();
    while let Some((stream, relation, via)) = queue.pop_front() {
        if !seen.insert(stream.clone()) {
            continue;
        }
        for (member, relation) in members.get(&stream).into_iter().flatten() {
            queue.push_back((member.clone(), relation.to_string(), Some(stream.clone())));
        }
        reached.push(DossierStream {
            stream,
            relation,
            via,
            events: 0,
            chain: chain::verify(&[]),
        });
    }
    if reached.is_empty() {
        return Ok(None);
    }

    let mut timeline = Vec::new();
    for entry in &mut reached {
        let stored = match events.remove(&entry.stream) {
            Some(stored) => stored,
            None => {
                store
                    .events(
                        &entry.stream.aggregate_type,
                        &entry.stream.aggregate_id,
                        0,
                        None,
                    )
                    .await?
            }
        };
        entry.events = stored.len();
        entry.chain = chain::verify(&stored);
        timeline.extend(stored.into_iter().map(|e| TimelineEntry {
            stream: entry.stream.clone(),
            sequence: e.sequence as u64,
            recorded_at: recorded_at(&e),
            event_type: e.event_type,
            event_version: e.event_version,
            payload: e.payload,
            metadata: e.metadata,
        }));
    }
    timeline.sort_by(|a, b| {
        (
            instant(&a.recorded_at),
            &a.recorded_at,
            &a.stream,
            a.sequence,
        )
            .cmp(&(
                instant(&b.recorded_at),
                &b.recorded_at,
                &b.stream,
                b.sequence,
            ))
    });
    Ok(Some(Dossier {
        project_id: id.to_string(),
        streams: reached,
        timeline,
    }))
}
