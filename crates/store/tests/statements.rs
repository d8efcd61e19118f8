//! How many SQL statements one command costs (issue 12: "count statements per command in a test;
//! it must not creep back up"). sqlx reports every statement it runs as a `tracing` event with
//! target `sqlx::query`; a global subscriber counts them while one command runs.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

use challenge::{AmendChallenge, AwardMode, Challenge, ChallengeCommand, ChallengeServices};
use challenge::{DraftChallenge, Target};
use chrono::{DateTime, Utc};
use kernel::policy::Catalogue;
use kernel::{FixedClock, Money, OrgCode};
use store::testing::FreshDb;
use store::{Backend, Store};
use tracing::subscriber::Subscriber;
use tracing_subscriber::layer::{Context, Layer, SubscriberExt};

/// Counts `sqlx::query` events.
#[derive(Clone, Default)]
struct Statements(Arc<AtomicUsize>);

impl<S: Subscriber> Layer<S> for Statements {
    fn on_event(&self, event: &tracing::Event<'_>, _ctx: Context<'_, S>) {
        if event.metadata().target() == "sqlx::query" {
            self.0.fetch_add(1, Ordering::SeqCst);
        }
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
        mode: AwardMode::Single,
        opens_on: "2027-01-04".parse().unwrap(),
        closes_on: "2027-02-26".parse().unwrap(),
        completion_deadline: "2029-12-31".parse().unwrap(),
        needs: Vec::new(),
    })
}

async fn statements_of_one_command(backend: Backend, counter: &Statements) -> (usize, usize) {
    let fresh = FreshDb::create(backend).await.unwrap();
    let store = Store::new(
        fresh.connect().await.unwrap(),
        projections::all_projectors(),
    );
    let cqrs = store.cqrs::<Challenge>(services());
    let before = counter.0.load(Ordering::SeqCst);
    cqrs.execute("c-1", draft()).await.unwrap();
    let creating = counter.0.load(Ordering::SeqCst) - before;
    let before = counter.0.load(Ordering::SeqCst);
    let amend = ChallengeCommand::Amend(AmendChallenge {
        reason: "加码".into(),
        title: Some("新标题".into()),
        ..Default::default()
    });
    cqrs.execute("c-1", amend).await.unwrap();
    let existing = counter.0.load(Ordering::SeqCst) - before;
    (creating, existing)
}

/// One test, so that the global subscriber sees only these commands.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_command_runs_in_twelve_statements_or_fewer_on_both_stores() {
    let counter = Statements::default();
    let subscriber = tracing_subscriber::registry().with(counter.clone());
    tracing::subscriber::set_global_default(subscriber).unwrap();
    for backend in [Backend::Sqlite, Backend::Postgres] {
        let (creating, existing) = statements_of_one_command(backend, &counter).await;
        eprintln!("{backend:?}: creating {creating}, existing {existing} statements");
        // Snapshot, events after it, stream head, insert the event, lock the view rows, read
        // them, write them (plus the transaction's own statements, as sqlx reports them).
        // Measured when this test was written: PostgreSQL 8 and 8, SQLite 7 and 6.
        // The transparency log (issue 15) adds, inside the same transaction, the head lock,
        // the leaf, the subtrees the leaf completes (none or one here) and the head update:
        // 3 or 4 more, so 12 at most.
        assert!(
            creating <= 12 && existing <= 12,
            "{backend:?}: {creating} statements to create a stream, {existing} on an existing one"
        );
        assert!(creating >= 5, "{backend:?}: the counter saw {creating}");
    }
}
