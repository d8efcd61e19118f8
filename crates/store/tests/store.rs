//! Store behaviour on both backends: atomic events+views, optimistic conflicts, rebuilds, chain.

// Scenarios are plain async fns called from generated #[test]s, which clippy's
// allow-unwrap/expect-in-tests does not see as tests.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::sync::Arc;

use challenge::{
    AmendChallenge, AwardMode, Challenge, ChallengeCommand, ChallengeServices, DraftChallenge,
    Target,
};
use chrono::{DateTime, Utc};
use cqrs_es::persist::{PersistenceError, SerializedEvent};
use cqrs_es::AggregateError;
use kernel::policy::Catalogue;
use kernel::{FixedClock, Money, OrgCode};
use projections::{ProjectionError, Projector, ViewRow};
use serde_json::{json, Value};
use store::testing::FreshDb;
use store::{Backend, Store};

macro_rules! both_backends {
    ($name:ident) => {
        mod $name {
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn sqlite() {
                super::$name(store::Backend::Sqlite).await
            }
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn postgres() {
                super::$name(store::Backend::Postgres).await
            }
        }
    };
}

/// Refuses to fold `ChallengePublished`, to force a failure inside the append transaction.
struct RefusesPublication;

impl Projector for RefusesPublication {
    fn view_name(&self) -> &'static str {
        "refuses_publication"
    }
    fn aggregate_type(&self) -> &'static str {
        "challenge"
    }
    fn project(
        &self,
        _current: Option<Value>,
        event: &SerializedEvent,
    ) -> Result<ViewRow, ProjectionError> {
        if event.event_type == "ChallengePublished" {
            return Err(ProjectionError::Refused("forced failure".into()));
        }
        Ok(ViewRow {
            version: event.sequence as u64,
            payload: json!({}),
            index: Default::default(),
        })
    }
}

fn services() -> ChallengeServices {
    let now: DateTime<Utc> = DateTime::parse_from_rfc3339("2027-01-10T09:00:00+08:00")
        .unwrap()
        .into();
    ChallengeServices::new(
        Arc::new(FixedClock::new(now)),
        Arc::new(Catalogue::kunshan()),
    )
}

fn draft() -> ChallengeCommand {
    ChallengeCommand::Draft(DraftChallenge {
        programme: "consortium_key_rd".into(),
        title: "高分辨率光刻胶国产替代".into(),
        demand_owner: OrgCode::parse("91320583MA1KC00109").unwrap(),
        industry_chain: "新型显示".into(),
        targets: vec![Target {
            name: "分辨率".into(),
            metric: "nm".into(),
            target: "≤ 90".into(),
        }],
        budget_cap: Money::from_wan_yuan(300),
        mode: AwardMode::HorseRace { max_teams: 3 },
        opens_on: "2027-01-04".parse().unwrap(),
        closes_on: "2027-02-26".parse().unwrap(),
        completion_deadline: "2029-12-31".parse().unwrap(),
        needs: Vec::new(),
    })
}

fn amend(reason: &str) -> ChallengeCommand {
    ChallengeCommand::Amend(AmendChallenge {
        reason: reason.into(),
        title: Some(format!("标题 {reason}")),
        ..Default::default()
    })
}

async fn event_count(store: &Store, id: &str) -> usize {
    store.events("challenge", id, 0, None).await.unwrap().len()
}

async fn events_and_views_commit_together_or_not_at_all(backend: Backend) {
    let fresh = FreshDb::create(backend).await.unwrap();
    let mut projectors = projections::all_projectors();
    projectors.push(Arc::new(RefusesPublication));
    let store = Store::new(fresh.connect().await.unwrap(), projectors);
    let cqrs = store.cqrs::<Challenge>(services());

    cqrs.execute("c-1", draft()).await.unwrap();
    assert_eq!(event_count(&store, "c-1").await, 1);
    let err = cqrs
        .execute("c-1", ChallengeCommand::Publish)
        .await
        .unwrap_err();
    assert!(matches!(err, AggregateError::UnexpectedError(_)), "{err:?}");

    assert_eq!(
        event_count(&store, "c-1").await,
        1,
        "the refused view write must roll the event back"
    );
    let view = store.view("challenge", "c-1").await.unwrap().unwrap();
    assert_eq!(
        (view["version"].as_u64(), view["status"].as_str()),
        (Some(1), Some("draft"))
    );
}
both_backends!(events_and_views_commit_together_or_not_at_all);

async fn a_conflicting_concurrent_append_stores_nothing(backend: Backend) {
    let fresh = FreshDb::create(backend).await.unwrap();
    let store = Store::new(
        fresh.connect().await.unwrap(),
        projections::all_projectors(),
    );
    let cqrs = store.cqrs::<Challenge>(services());
    cqrs.execute("c-1", draft()).await.unwrap();

    // Two appends that both believe they write sequence 2.
    let repo = store.repository();
    let second = |title: &str| {
        SerializedEvent::new(
            "c-1".into(),
            2,
            "challenge".into(),
            "ChallengeAmended".into(),
            "1.0".into(),
            json!({"ChallengeAmended": {"reason": "r", "title": title, "industry_chain": null,
                "targets": null, "budget_cap": null, "closes_on": null, "completion_deadline": null}}),
            json!({"recorded_at": "2027-01-10T01:00:00Z"}),
        )
    };
    let (first, other) = ([second("A")], [second("B")]);
    let (a, b) = tokio::join!(repo.append(&first), repo.append(&other));
    let conflicts = [&a, &b]
        .iter()
        .filter(|r| matches!(r, Err(PersistenceError::OptimisticLockError)))
        .count();
    assert!(a.is_ok() || b.is_ok(), "{a:?} {b:?}");
    assert_eq!(conflicts, 1, "{a:?} {b:?}");
    assert_eq!(event_count(&store, "c-1").await, 2);

    // The same race through cqrs-es: exactly one command wins, the other is a conflict.
    let (a, b) = tokio::join!(
        cqrs.execute("c-1", amend("x")),
        cqrs.execute("c-1", amend("y"))
    );
    let lost: Vec<_> = [a, b].into_iter().filter_map(Result::err).collect();
    assert!(lost.len() <= 1);
    for e in &lost {
        assert!(matches!(e, AggregateError::AggregateConflict), "{e:?}");
    }
    let view = store.view("challenge", "c-1").await.unwrap().unwrap();
    assert_eq!(
        view["version"].as_u64(),
        Some(event_count(&store, "c-1").await as u64)
    );
}
both_backends!(a_conflicting_concurrent_append_stores_nothing);

async fn rebuild_projections_reproduces_the_live_views(backend: Backend) {
    let fresh = FreshDb::create(backend).await.unwrap();
    let store = Store::new(
        fresh.connect().await.unwrap(),
        projections::all_projectors(),
    );
    let cqrs = store.cqrs::<Challenge>(services());
    for id in ["c-1", "c-2", "c-3"] {
        cqrs.execute(id, draft()).await.unwrap();
    }
    cqrs.execute("c-1", ChallengeCommand::Publish)
        .await
        .unwrap();
    cqrs.execute("c-1", amend("一")).await.unwrap();
    cqrs.execute(
        "c-2",
        ChallengeCommand::Cancel {
            reason: "撤榜".into(),
        },
    )
    .await
    .unwrap();

    let live = store.dump_views().await.unwrap();
    assert_eq!(live.len(), 3);
    let folded = store.rebuild_projections().await.unwrap();
    assert_eq!(folded, 6);
    assert_eq!(store.dump_views().await.unwrap(), live);
    // In batches smaller than the log (streaming: batch boundaries fall inside streams).
    for batch in [1, 2, 4] {
        let folded = store
            .clone()
            .with_rebuild_batch(batch)
            .rebuild_projections()
            .await
            .unwrap();
        assert_eq!(folded, 6);
        assert_eq!(store.dump_views().await.unwrap(), live, "batch {batch}");
    }
    // Bounded memory: rows written out once one or two are held, and read back when a later
    // batch folds into them again.
    for (batch, held) in [(1, 1), (1, 2), (2, 1), (4, 2)] {
        let folded = store
            .clone()
            .with_rebuild_batch(batch)
            .with_rebuild_rows(held)
            .rebuild_projections()
            .await
            .unwrap();
        assert_eq!(folded, 6);
        assert_eq!(
            store.dump_views().await.unwrap(),
            live,
            "batch {batch}, {held} rows held"
        );
    }
}
both_backends!(rebuild_projections_reproduces_the_live_views);

async fn every_stored_event_is_chained(backend: Backend) {
    let fresh = FreshDb::create(backend).await.unwrap();
    let store = Store::new(
        fresh.connect().await.unwrap(),
        projections::all_projectors(),
    );
    let cqrs = store.cqrs::<Challenge>(services());
    cqrs.execute("c-1", draft()).await.unwrap();
    cqrs.execute("c-1", ChallengeCommand::Publish)
        .await
        .unwrap();
    let events = store.events("challenge", "c-1", 0, None).await.unwrap();
    assert_eq!(
        events[0].metadata["prev_hash"],
        json!(store::chain::GENESIS)
    );
    assert_eq!(events[1].metadata["prev_hash"], events[0].metadata["hash"]);
    let verdict = store.verify_stream("challenge", "c-1").await.unwrap();
    assert!(verdict.ok, "{verdict:?}");
    assert_eq!(verdict.events, 2);
}
both_backends!(every_stored_event_is_chained);

fn publication_watcher() -> Vec<projections::Subscription> {
    vec![projections::Subscription {
        reactor: "watch_publication",
        aggregate_type: "challenge",
        event_types: &["ChallengePublished"],
    }]
}

async fn a_subscribed_event_is_queued_in_its_own_transaction(backend: Backend) {
    let fresh = FreshDb::create(backend).await.unwrap();
    let store = Store::new(
        fresh.connect().await.unwrap(),
        projections::all_projectors(),
    )
    .with_subscriptions(publication_watcher());
    let cqrs = store.cqrs::<Challenge>(services());
    cqrs.execute("c-1", draft()).await.unwrap();
    assert_eq!(
        store.outbox_len().await.unwrap(),
        0,
        "drafts concern nobody"
    );
    cqrs.execute("c-1", ChallengeCommand::Publish)
        .await
        .unwrap();

    let pending = store.pending_reactions(0, 10).await.unwrap();
    assert_eq!(pending.len(), 1);
    assert_eq!(pending[0].reactor, "watch_publication");
    assert_eq!(
        (
            pending[0].event.event_type.as_str(),
            pending[0].event.sequence
        ),
        ("ChallengePublished", 2)
    );

    store.fail_reaction(pending[0].id, "boom").await.unwrap();
    assert_eq!(store.pending_reactions(0, 10).await.unwrap()[0].attempts, 1);
    for _ in 1..store::MAX_REACTION_ATTEMPTS {
        store.fail_reaction(pending[0].id, "boom").await.unwrap();
    }
    assert!(
        store.pending_reactions(0, 10).await.unwrap().is_empty(),
        "given up after the last attempt"
    );
    store.complete_reaction(pending[0].id).await.unwrap();
    assert_eq!(store.outbox_len().await.unwrap(), 0);
}
both_backends!(a_subscribed_event_is_queued_in_its_own_transaction);

async fn a_rolled_back_event_queues_nothing(backend: Backend) {
    let fresh = FreshDb::create(backend).await.unwrap();
    let mut projectors = projections::all_projectors();
    projectors.push(Arc::new(RefusesPublication));
    let store = Store::new(fresh.connect().await.unwrap(), projectors)
        .with_subscriptions(publication_watcher());
    let cqrs = store.cqrs::<Challenge>(services());
    cqrs.execute("c-1", draft()).await.unwrap();
    assert!(cqrs
        .execute("c-1", ChallengeCommand::Publish)
        .await
        .is_err());
    assert_eq!(store.outbox_len().await.unwrap(), 0);
}
both_backends!(a_rolled_back_event_queues_nothing);

/// Snapshots (issue 12): whatever the interval, the state a command loads (newest snapshot plus
/// the events after it) equals the state replayed from every event, after every command, and a
/// snapshot is written only when a multiple of the interval is crossed.
async fn state_from_a_snapshot_and_its_tail_equals_the_state_from_every_event(backend: Backend) {
    for every in [1u64, 2, 3, 5, 7] {
        let fresh = FreshDb::create(backend).await.unwrap();
        let store = Store::new(
            fresh.connect().await.unwrap(),
            projections::all_projectors(),
        )
        .with_snapshot_interval_for("challenge", every);
        assert_eq!(store.snapshot_interval("challenge"), every);
        let cqrs = store.cqrs::<Challenge>(services());
        let id = format!("c-snap-{every}");
        cqrs.execute(&id, draft()).await.unwrap();
        // Amendments, a refused command in between (nothing stored), more amendments.
        for n in 0..12u32 {
            if n == 6 {
                assert!(cqrs.execute(&id, draft()).await.is_err());
            }
            cqrs.execute(&id, amend(&format!("第{n}次修改")))
                .await
                .unwrap();
            let (from_snapshot, v1) = cqrs.load(&id).await.unwrap();
            let (replayed, v2) = cqrs.load_replaying(&id).await.unwrap();
            assert_eq!(v1, v2);
            assert_eq!(v1, u64::from(n) + 2);
            assert_eq!(
                serde_json::to_value(&from_snapshot).unwrap(),
                serde_json::to_value(&replayed).unwrap(),
                "interval {every}, version {v1}"
            );
        }
        let snapshot_at: Option<i64> = match store.db() {
            store::Db::Postgres(pool) => sqlx::query_scalar(
                "SELECT MAX(last_sequence) FROM snapshots WHERE aggregate_id = $1",
            )
            .bind(&id)
            .fetch_one(pool)
            .await
            .unwrap(),
            store::Db::Sqlite(pool) => sqlx::query_scalar(
                "SELECT MAX(last_sequence) FROM snapshots WHERE aggregate_id = ?1",
            )
            .bind(&id)
            .fetch_one(pool)
            .await
            .unwrap(),
        };
        // 13 events: the newest snapshot sits at the last multiple of the interval.
        assert_eq!(
            snapshot_at,
            Some((13 / every * every) as i64),
            "interval {every}"
        );
    }
}
both_backends!(state_from_a_snapshot_and_its_tail_equals_the_state_from_every_event);
