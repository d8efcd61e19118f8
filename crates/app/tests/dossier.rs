//! The dossier mechanism with a declared link: a small aggregate that exists only in this test
//! declares, from its own events, that it belongs to a call's dossier and that it brings another
//! call in. The walk follows declarations, transitively, and never the other way.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::HashMap;
use std::sync::Arc;

use app::audit::{dossier, Link, LinkRule, ProjectLinks};
use challenge::{
    AwardMode, Challenge, ChallengeCommand, ChallengeServices, DraftChallenge, Target,
};
use chrono::{DateTime, SecondsFormat, Utc};
use cqrs_es::event_sink::EventSink;
use cqrs_es::{Aggregate, DomainEvent};
use kernel::policy::Catalogue;
use kernel::{Clock, FixedClock, Money, OrgCode};
use serde::{Deserialize, Serialize};
use store::testing::FreshDb;
use store::{Backend, Store, StreamId};

/// A reviewer's note: filed about one stream, and it may cite others.
#[derive(Debug, Default, Serialize, Deserialize)]
struct Note {
    filed: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
enum NoteEvent {
    Filed { about: String },
    Cited { call: String },
}

impl DomainEvent for NoteEvent {
    fn event_type(&self) -> String {
        match self {
            NoteEvent::Filed { .. } => "NoteFiled".into(),
            NoteEvent::Cited { .. } => "CallCited".into(),
        }
    }
    fn event_version(&self) -> String {
        "1.0".into()
    }
}

#[derive(Debug, thiserror::Error)]
#[error("never")]
struct Never;

impl Aggregate for Note {
    const TYPE: &'static str = "note";
    type Command = NoteEvent;
    type Event = NoteEvent;
    type Error = Never;
    type Services = ();

    async fn handle(
        &mut self,
        command: NoteEvent,
        _services: &(),
        sink: &EventSink<Self>,
    ) -> Result<(), Never> {
        sink.write(command, self).await;
        Ok(())
    }

    fn apply(&mut self, event: NoteEvent) {
        if let NoteEvent::Filed { .. } = event {
            self.filed = true;
        }
    }
}

fn stream(kind: &str, id: &str) -> StreamId {
    StreamId {
        aggregate_type: kind.into(),
        aggregate_id: id.into(),
    }
}

// The whole declaration: a filed note joins the call it is about; a cited call joins the note.
impl ProjectLinks for Note {
    fn links(id: &str, event: &NoteEvent) -> Vec<Link> {
        match event {
            NoteEvent::Filed { about } => vec![Link {
                member: stream(Note::TYPE, id),
                of: stream(Challenge::TYPE, about),
                relation: "note",
            }],
            NoteEvent::Cited { call } => vec![Link {
                member: stream(Challenge::TYPE, call),
                of: stream(Note::TYPE, id),
                relation: "cited_call",
            }],
        }
    }
}

const RULES: &[LinkRule] = &[LinkRule::of::<Challenge>(), LinkRule::of::<Note>()];

fn draft() -> ChallengeCommand {
    ChallengeCommand::Draft(DraftChallenge {
        programme: "consortium_key_rd".into(),
        title: "光刻胶".into(),
        demand_owner: OrgCode::parse("91320583MA1KC00109").unwrap(),
        industry_chain: "新型显示".into(),
        targets: vec![Target {
            name: "分辨率".into(),
            metric: "nm".into(),
            target: "≤ 90".into(),
        }],
        budget_cap: Money::from_wan_yuan(300),
        mode: AwardMode::Single,
        opens_on: "2027-01-04".parse().unwrap(),
        closes_on: "2027-02-26".parse().unwrap(),
        completion_deadline: "2029-12-31".parse().unwrap(),
        needs: Vec::new(),
    })
}

fn at(clock: &FixedClock, text: &str) -> HashMap<String, String> {
    let t: DateTime<Utc> = text.parse().unwrap();
    clock.set(t);
    HashMap::from([(
        "recorded_at".to_string(),
        clock.now().to_rfc3339_opts(SecondsFormat::Micros, true),
    )])
}

async fn links_declared_by_an_aggregate_bring_its_streams_into_the_dossier(backend: Backend) {
    let fresh = FreshDb::create(backend).await.unwrap();
    let store = Store::new(
        fresh.connect().await.unwrap(),
        projections::all_projectors(),
    );
    let clock = FixedClock::new("2027-01-10T01:00:00Z".parse().unwrap());
    let services = ChallengeServices::new(Arc::new(clock.clone()), Arc::new(Catalogue::kunshan()));
    let calls = store.cqrs::<Challenge>(services);
    let notes = store.cqrs::<Note>(());

    calls
        .execute_with_metadata("c-root", draft(), at(&clock, "2027-01-10T01:00:00Z"))
        .await
        .unwrap();
    calls
        .execute_with_metadata("c-cited", draft(), at(&clock, "2027-01-10T02:00:00Z"))
        .await
        .unwrap();
    calls
        .execute_with_metadata("c-other", draft(), at(&clock, "2027-01-10T02:30:00Z"))
        .await
        .unwrap();
    let filed = |about: &str| NoteEvent::Filed {
        about: about.into(),
    };
    notes
        .execute_with_metadata("n-1", filed("c-root"), at(&clock, "2027-01-10T03:00:00Z"))
        .await
        .unwrap();
    calls
        .execute_with_metadata(
            "c-root",
            ChallengeCommand::Publish,
            at(&clock, "2027-01-10T04:00:00Z"),
        )
        .await
        .unwrap();
    let cite = NoteEvent::Cited {
        call: "c-cited".into(),
    };
    notes
        .execute_with_metadata("n-1", cite, at(&clock, "2027-01-10T05:00:00Z"))
        .await
        .unwrap();
    notes
        .execute_with_metadata("n-2", filed("c-other"), at(&clock, "2027-01-10T06:00:00Z"))
        .await
        .unwrap();

    let d = dossier(&store, RULES, "c-root")
        .await
        .unwrap()
        .expect("a dossier");
    let streams: Vec<(String, &str, Option<String>, usize)> = d
        .streams
        .iter()
        .map(|s| {
            (
                format!("{}/{}", s.stream.aggregate_type, s.stream.aggregate_id),
                s.relation.as_str(),
                s.via.as_ref().map(|v| v.aggregate_id.clone()),
                s.events,
            )
        })
        .collect();
    assert_eq!(
        streams,
        [
            ("challenge/c-root".to_string(), "root", None, 2),
            (
                "note/n-1".to_string(),
                "note",
                Some("c-root".to_string()),
                2
            ),
            (
                "challenge/c-cited".to_string(),
                "cited_call",
                Some("n-1".to_string()),
                1
            ),
        ]
    );
    let timeline: Vec<(String, u64)> = d
        .timeline
        .iter()
        .map(|e| (e.stream.aggregate_id.clone(), e.sequence))
        .collect();
    assert_eq!(
        timeline,
        [
            ("c-root".to_string(), 1),
            ("c-cited".to_string(), 1),
            ("n-1".to_string(), 1),
            ("c-root".to_string(), 2),
            ("n-1".to_string(), 2),
        ],
        "one timeline ordered by recorded_at"
    );

    // Links point one way: the cited call's dossier does not pull in the note that cites it.
    let cited = dossier(&store, RULES, "c-cited").await.unwrap().unwrap();
    assert_eq!(cited.streams.len(), 1);
    // Without the note's declaration the note is not found at all.
    let undeclared = dossier(&store, &[LinkRule::of::<Challenge>()], "c-root")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(undeclared.streams.len(), 1);
    assert!(dossier(&store, RULES, "nothing").await.unwrap().is_none());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn links_declared_by_an_aggregate_bring_its_streams_into_the_dossier_on_sqlite() {
    links_declared_by_an_aggregate_bring_its_streams_into_the_dossier(Backend::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn links_declared_by_an_aggregate_bring_its_streams_into_the_dossier_on_postgres() {
    links_declared_by_an_aggregate_bring_its_streams_into_the_dossier(Backend::Postgres).await;
}
