//! Append throughput on PostgreSQL, as ratios against raw SQL measured in the same run.
//!
//! `cargo bench -p store --bench append` (needs PostgreSQL at `TEST_DATABASE_URL`, default
//! `postgres://postgres@127.0.0.1:5432/postgres`). Each shape writes the same rows: one event and
//! one view row per command, from `TASKS` concurrent writers, `COMMANDS` commands in all.
//!
//! - raw, one transaction: `INSERT` event + `INSERT … ON CONFLICT` view in one transaction.
//! - raw, two commits: the event in one transaction, the view in a second (cqrs-es's default shape).
//! - grantledger: `CqrsFramework::execute` of a real command (load, handle, hash-chain, append,
//!   fold views) through the ledger repository.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::print_stdout)]

use std::sync::Arc;
use std::time::Instant;

use challenge::{
    AwardMode, Challenge, ChallengeCommand, ChallengeServices, DraftChallenge, Target,
};
use kernel::policy::Catalogue;
use kernel::{FixedClock, Money, OrgCode};
use serde_json::json;
use sqlx::PgPool;
use store::testing::FreshDb;
use store::{Backend, Db, Store};

const COMMANDS: usize = 2000;
const TASKS: usize = 8;

fn per_task() -> usize {
    COMMANDS / TASKS
}

async fn raw(pool: &PgPool, two_commits: bool) -> f64 {
    let started = Instant::now();
    let mut handles = Vec::new();
    for t in 0..TASKS {
        let pool = pool.clone();
        handles.push(tokio::spawn(async move {
            for i in 0..per_task() {
                let id = format!("raw-{two_commits}-{t}-{i}");
                let payload = json!({"ChallengeDrafted": {"title": "基线", "budget_cap": 300000000}});
                let metadata = json!({"actor_sub": "bench", "recorded_at": "2027-01-10T01:00:00Z"});
                let insert_event = sqlx::query("INSERT INTO events (aggregate_type, aggregate_id, sequence, event_type, event_version, payload, metadata) VALUES ('raw', $1, 1, 'ChallengeDrafted', '1.0', $2, $3)")
                    .bind(&id).bind(sqlx::types::Json(&payload)).bind(sqlx::types::Json(&metadata));
                let upsert_view = sqlx::query("INSERT INTO views (view_name, view_id, version, status, sort_key, payload) VALUES ('raw', $1, 1, 'draft', $1, $2) ON CONFLICT (view_name, view_id) DO UPDATE SET payload = excluded.payload, version = excluded.version")
                    .bind(&id).bind(sqlx::types::Json(&payload));
                if two_commits {
                    let mut tx = pool.begin().await.unwrap();
                    insert_event.execute(&mut *tx).await.unwrap();
                    tx.commit().await.unwrap();
                    let mut tx = pool.begin().await.unwrap();
                    upsert_view.execute(&mut *tx).await.unwrap();
                    tx.commit().await.unwrap();
                } else {
                    let mut tx = pool.begin().await.unwrap();
                    insert_event.execute(&mut *tx).await.unwrap();
                    upsert_view.execute(&mut *tx).await.unwrap();
                    tx.commit().await.unwrap();
                }
            }
        }));
    }
    for h in handles {
        h.await.unwrap();
    }
    COMMANDS as f64 / started.elapsed().as_secs_f64()
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

async fn grantledger(store: &Store) -> f64 {
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
        handles.push(tokio::spawn(async move {
            for i in 0..per_task() {
                cqrs.execute(&format!("gl-{t}-{i}"), draft()).await.unwrap();
            }
        }));
    }
    for h in handles {
        h.await.unwrap();
    }
    COMMANDS as f64 / started.elapsed().as_secs_f64()
}

fn main() {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async {
        let fresh = FreshDb::create(Backend::Postgres).await.expect("PostgreSQL for the benchmark");
        let db = fresh.connect().await.unwrap();
        let Db::Postgres(pool) = db.clone() else { unreachable!() };
        let store = Store::new(db, projections::all_projectors());
        // Warm up connections and caches once per shape, then measure each shape twice, alternating.
        let mut one = Vec::new();
        let mut two = Vec::new();
        let mut gl = Vec::new();
        for _ in 0..2 {
            one.push(raw(&pool, false).await);
            two.push(raw(&pool, true).await);
            gl.push(grantledger(&store).await);
            sqlx::query("DELETE FROM events").execute(&pool).await.unwrap();
            sqlx::query("DELETE FROM views").execute(&pool).await.unwrap();
        }
        let best = |v: &[f64]| v.iter().cloned().fold(0.0, f64::max);
        let (one, two, gl) = (best(&one), best(&two), best(&gl));
        println!("append throughput on PostgreSQL, {COMMANDS} commands from {TASKS} writers (best of 2):");
        println!("  raw SQL, event + view in one transaction   {one:8.0} cmd/s   1.00x (baseline)");
        println!("  raw SQL, event and view in two commits     {two:8.0} cmd/s   {:.2}x", two / one);
        println!("  grantledger command (load, handle, chain, append, fold) {gl:8.0} cmd/s   {:.2}x", gl / one);
    });
}
