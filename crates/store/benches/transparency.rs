//! What the transparency log costs on the append path: real commands through the ledger
//! repository with and without leaf assignment, in the same run, on both stores.
//!
//! `cargo bench -p store --bench transparency` (PostgreSQL at `TEST_DATABASE_URL`, default
//! `postgres://postgres@127.0.0.1:5432/postgres`; SQLite in a temporary file). `TASKS` concurrent
//! writers run `COMMANDS` commands (each a new call: one event, its views, its leaf); the two
//! shapes alternate twice on one database and the best of each is reported.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::print_stdout)]

use std::sync::Arc;
use std::time::Instant;

use challenge::{
    AwardMode, Challenge, ChallengeCommand, ChallengeServices, DraftChallenge, Target,
};
use kernel::policy::Catalogue;
use kernel::{FixedClock, Money, OrgCode};
use store::testing::FreshDb;
use store::{Backend, Store};

const COMMANDS: usize = 1000;
const TASKS: usize = 8;

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

async fn commands_per_second(store: &Store, tag: &str) -> f64 {
    let now = chrono::DateTime::parse_from_rfc3339("2027-01-10T09:00:00+08:00")
        .unwrap()
        .into();
    let services = ChallengeServices::new(
        Arc::new(FixedClock::new(now)),
        Arc::new(Catalogue::kunshan()),
    );
    let cqrs = Arc::new(store.cqrs::<Challenge>(services));
    let started = Instant::now();
    let mut handles = Vec::new();
    for t in 0..TASKS {
        let cqrs = cqrs.clone();
        let tag = tag.to_string();
        handles.push(tokio::spawn(async move {
            for i in 0..COMMANDS / TASKS {
                cqrs.execute(&format!("{tag}-{t}-{i}"), draft())
                    .await
                    .unwrap();
            }
        }));
    }
    for h in handles {
        h.await.unwrap();
    }
    COMMANDS as f64 / started.elapsed().as_secs_f64()
}

async fn measure(backend: Backend) {
    let fresh = FreshDb::create(backend)
        .await
        .expect("a database for the benchmark");
    let store = Store::new(
        fresh.connect().await.unwrap(),
        projections::all_projectors(),
    );
    let (mut with, mut without) = (Vec::new(), Vec::new());
    for round in 0..2 {
        store::transparency::skip_for_benchmark(true);
        without.push(commands_per_second(&store, &format!("off{round}")).await);
        store::transparency::skip_for_benchmark(false);
        with.push(commands_per_second(&store, &format!("on{round}")).await);
    }
    let best = |v: &[f64]| v.iter().cloned().fold(0.0, f64::max);
    let (with, without) = (best(&with), best(&without));
    println!(
        "{backend:?}: {COMMANDS} commands from {TASKS} writers (best of 2): without the log {without:7.0} cmd/s, with it {with:7.0} cmd/s ({:+.1}%)",
        (with / without - 1.0) * 100.0
    );
}

fn main() {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async {
        measure(Backend::Postgres).await;
        measure(Backend::Sqlite).await;
    });
}
