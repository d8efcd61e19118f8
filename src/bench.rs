//! `grantledger bench`: what a command costs next to what the database costs.
//!
//! For each store it creates a fresh database, starts this binary's server on it as a child
//! process (so the load generator's CPU is told apart from the server's), and measures over HTTP
//! and, interleaved before and after each HTTP run, a raw-SQL baseline of the same shape: the
//! statements a minimal one-transaction command needs (read the stream head, append the event,
//! upsert the view row, commit), prepared, with no framework. It prints one table per store —
//! numerator, denominator, ratio, target — and asserts nothing: the machine is shared and noisy.

use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use serde_json::{json, Value};
use sqlx::postgres::PgPoolOptions;
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions};
use sqlx::{PgPool, SqlitePool};

type Failure = Box<dyn std::error::Error>;

/// How long and how much: the full run, or a seconds-long smoke run for CI.
#[derive(Debug, Clone, Copy)]
pub struct Plan {
    /// Each throughput measurement.
    pub window: Duration,
    /// Concurrent clients of the throughput rows.
    pub clients: usize,
    /// Samples of each latency measurement.
    pub samples: usize,
    /// Events of the long stream.
    pub long_stream: usize,
    /// Ledger sizes (events) rebuilt in a child process, for the rate and the peak memory.
    pub rebuild_sizes: [usize; 2],
    /// Lengths of the one stream rebuilt alone, to show the rebuild is linear in a stream's length.
    pub stream_lengths: [usize; 4],
}

impl Plan {
    /// The full benchmark (a few minutes per store on 2 cores).
    pub fn full() -> Plan {
        Plan {
            window: Duration::from_secs(5),
            clients: 16,
            samples: 1_000,
            long_stream: 10_000,
            rebuild_sizes: [100_000, 300_000],
            stream_lengths: [500, 1_000, 2_000, 4_000],
        }
    }

    /// A run of seconds, to show the command works (CI).
    pub fn smoke() -> Plan {
        Plan {
            window: Duration::from_millis(300),
            clients: 4,
            samples: 20,
            long_stream: 30,
            rebuild_sizes: [500, 1_500],
            stream_lengths: [3, 6, 12, 24],
        }
    }
}

/// One row of the table.
struct Row {
    what: String,
    ours: f64,
    raw: Option<f64>,
    unit: &'static str,
    target: &'static str,
    met: Option<bool>,
}

impl Row {
    fn ratio(&self) -> Option<f64> {
        self.raw.filter(|r| *r > 0.0).map(|r| self.ours / r)
    }
}

/// A fresh database for one run, dropped at the end.
enum Fresh {
    Postgres { admin: String, name: String },
    Sqlite { dir: std::path::PathBuf },
}

impl Fresh {
    async fn create(backend: &str, pg_base: &str) -> Result<Fresh, Failure> {
        let tag = format!("gl_bench_{}_{}", std::process::id(), rand_suffix());
        match backend {
            "postgres" => {
                let admin = format!("{}/postgres", pg_base.trim_end_matches('/'));
                let pool = PgPoolOptions::new()
                    .max_connections(1)
                    .connect(&admin)
                    .await?;
                sqlx::query(&format!("CREATE DATABASE {tag}"))
                    .execute(&pool)
                    .await?;
                pool.close().await;
                Ok(Fresh::Postgres { admin, name: tag })
            }
            _ => {
                let dir = std::env::temp_dir().join(tag);
                std::fs::create_dir_all(&dir)?;
                Ok(Fresh::Sqlite { dir })
            }
        }
    }

    fn url(&self, pg_base: &str) -> String {
        match self {
            Fresh::Postgres { name, .. } => format!("{}/{name}", pg_base.trim_end_matches('/')),
            Fresh::Sqlite { dir } => format!("sqlite://{}", dir.join("bench.db").display()),
        }
    }

    async fn drop_it(self) {
        match self {
            Fresh::Postgres { admin, name } => {
                if let Ok(pool) = PgPoolOptions::new()
                    .max_connections(1)
                    .connect(&admin)
                    .await
                {
                    let _ = sqlx::query(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
                        .execute(&pool)
                        .await;
                }
            }
            Fresh::Sqlite { dir } => {
                let _ = std::fs::remove_dir_all(dir);
            }
        }
    }
}

fn rand_suffix() -> String {
    uuid::Uuid::new_v4().simple().to_string()[..8].to_string()
}

/// The raw-SQL baseline: the same tables' shape, the statements of a minimal command.
#[derive(Clone)]
enum Raw {
    Pg(PgPool),
    Lite(SqlitePool),
}

const RAW_SCHEMA: [&str; 2] = [
    "CREATE TABLE bench_events (aggregate_type text NOT NULL, aggregate_id text NOT NULL, \
     sequence bigint NOT NULL, event_type text NOT NULL, event_version text NOT NULL, \
     payload text NOT NULL, metadata text NOT NULL, PRIMARY KEY (aggregate_type, aggregate_id, sequence))",
    "CREATE TABLE bench_views (view_name text NOT NULL, view_id text NOT NULL, version bigint NOT NULL, \
     sort_key text NOT NULL, payload text NOT NULL, PRIMARY KEY (view_name, view_id))",
];

const HEAD: &str =
    "SELECT max(sequence) FROM bench_events WHERE aggregate_type = 'challenge' AND aggregate_id = $1";
const APPEND: &str =
    "INSERT INTO bench_events VALUES ('challenge', $1, $2, 'ChallengeAmended', '1', $3, $4)";
const UPSERT: &str = "INSERT INTO bench_views VALUES ('challenges', $1, $2, $1, $3) \
     ON CONFLICT (view_name, view_id) DO UPDATE SET version = excluded.version, payload = excluded.payload";
const READ: &str =
    "SELECT payload FROM bench_views WHERE view_name = 'challenges' AND view_id = $1";

impl Raw {
    async fn open(url: &str, clients: usize) -> Result<Raw, Failure> {
        let raw = if url.starts_with("postgres") {
            Raw::Pg(
                PgPoolOptions::new()
                    .max_connections(clients as u32)
                    .connect(url)
                    .await?,
            )
        } else {
            let options = url
                .parse::<SqliteConnectOptions>()?
                .journal_mode(SqliteJournalMode::Wal)
                .synchronous(sqlx::sqlite::SqliteSynchronous::Full)
                .busy_timeout(Duration::from_secs(30));
            // The server's durability (WAL, `synchronous=FULL`: a commit is on disk when it is
            // acknowledged), and one writer, as SQLite allows one at a time.
            Raw::Lite(
                SqlitePoolOptions::new()
                    .max_connections(1)
                    .connect_with(options)
                    .await?,
            )
        };
        for ddl in RAW_SCHEMA {
            match &raw {
                Raw::Pg(p) => sqlx::query(ddl).execute(p).await.map(|_| ())?,
                Raw::Lite(p) => sqlx::query(ddl).execute(p).await.map(|_| ())?,
            }
        }
        Ok(raw)
    }

    /// One command: stream head, append, view upsert, in one transaction.
    async fn command(&self, id: &str, payload: &str) -> Result<(), Failure> {
        let meta = r#"{"actor_sub":"bench","request_id":"bench"}"#;
        match self {
            Raw::Pg(p) => {
                let mut tx = p.begin().await?;
                let head: Option<i64> = sqlx::query_scalar(HEAD)
                    .bind(id)
                    .fetch_one(&mut *tx)
                    .await?;
                let next = head.map_or(1, |h| h + 1);
                sqlx::query(APPEND)
                    .bind(id)
                    .bind(next)
                    .bind(payload)
                    .bind(meta)
                    .execute(&mut *tx)
                    .await?;
                sqlx::query(UPSERT)
                    .bind(id)
                    .bind(next)
                    .bind(payload)
                    .execute(&mut *tx)
                    .await?;
                tx.commit().await?;
            }
            Raw::Lite(p) => {
                // BEGIN IMMEDIATE, as a raw SQLite writer must: a deferred transaction that reads
                // first cannot upgrade to a writer once another connection (the idle server's
                // drain or clock) has written, and fails at once with SQLITE_BUSY.
                let mut conn = p.acquire().await?;
                sqlx::query("BEGIN IMMEDIATE").execute(&mut *conn).await?;
                let head: Option<i64> = sqlx::query_scalar(HEAD)
                    .bind(id)
                    .fetch_one(&mut *conn)
                    .await?;
                let next = head.map_or(1, |h| h + 1);
                sqlx::query(APPEND)
                    .bind(id)
                    .bind(next)
                    .bind(payload)
                    .bind(meta)
                    .execute(&mut *conn)
                    .await?;
                sqlx::query(UPSERT)
                    .bind(id)
                    .bind(next)
                    .bind(payload)
                    .execute(&mut *conn)
                    .await?;
                sqlx::query("COMMIT").execute(&mut *conn).await?;
            }
        }
        Ok(())
    }

    async fn read(&self, id: &str) -> Result<(), Failure> {
        match self {
            Raw::Pg(p) => sqlx::query(READ)
                .bind(id)
                .fetch_optional(p)
                .await
                .map(|_| ())?,
            Raw::Lite(p) => sqlx::query(READ)
                .bind(id)
                .fetch_optional(p)
                .await
                .map(|_| ())?,
        }
        Ok(())
    }

    /// Reads every stored event of the ledger in position order: the copy-out a rebuild
    /// cannot beat.
    async fn copy_out(&self) -> Result<usize, Failure> {
        use futures::TryStreamExt;
        const COLUMNS: &str = "SELECT aggregate_type, aggregate_id, sequence, payload, metadata";
        let mut n = 0usize;
        match self {
            Raw::Pg(p) => {
                let all = format!("{COLUMNS} FROM events ORDER BY position");
                let mut rows = sqlx::query(&all).fetch(p);
                while rows.try_next().await?.is_some() {
                    n += 1;
                }
            }
            Raw::Lite(p) => {
                let all = format!("{COLUMNS} FROM events ORDER BY rowid");
                let mut rows = sqlx::query(&all).fetch(p);
                while rows.try_next().await?.is_some() {
                    n += 1;
                }
            }
        }
        Ok(n)
    }

    async fn count_events(&self) -> Result<usize, Failure> {
        const SQL: &str = "SELECT count(*) FROM events";
        let n: i64 = match self {
            Raw::Pg(p) => sqlx::query_scalar(SQL).fetch_one(p).await?,
            Raw::Lite(p) => sqlx::query_scalar(SQL).fetch_one(p).await?,
        };
        Ok(n.max(0) as usize)
    }

    /// Grows the ledger to at least `target` events by copying every stream it holds under new
    /// ids, in position order (so each copy's events keep their stream order). The copies are
    /// folded by a rebuild like the originals; they carry no transparency-log leaves, which a
    /// rebuild does not read.
    async fn grow_to(&self, target: usize) -> Result<usize, Failure> {
        let have = self.count_events().await?;
        if have == 0 || have >= target {
            return Ok(have);
        }
        let copies = (target - have).div_ceil(have) as i64;
        let round = rand_suffix();
        match self {
            Raw::Pg(p) => {
                sqlx::query(
                    "INSERT INTO events (aggregate_type, aggregate_id, sequence, event_type, event_version, payload, metadata) \
                     SELECT e.aggregate_type, e.aggregate_id || '~' || $2 || '~' || k, e.sequence, e.event_type, e.event_version, e.payload, e.metadata \
                     FROM events e CROSS JOIN generate_series(1, $1::bigint) AS k ORDER BY k, e.position",
                )
                .bind(copies)
                .bind(&round)
                .execute(p)
                .await?;
            }
            Raw::Lite(p) => {
                sqlx::query(
                    "WITH RECURSIVE k(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM k WHERE n < ?1) \
                     INSERT INTO events (aggregate_type, aggregate_id, sequence, event_type, event_version, payload, metadata) \
                     SELECT e.aggregate_type, e.aggregate_id || '~' || ?2 || '~' || k.n, e.sequence, e.event_type, e.event_version, e.payload, e.metadata \
                     FROM events e CROSS JOIN k ORDER BY k.n, e.rowid",
                )
                .bind(copies)
                .bind(&round)
                .execute(p)
                .await?;
            }
        }
        self.count_events().await
    }

    /// Leaves in the ledger only the first `length` events of one call's stream.
    async fn keep_only(&self, id: &str, length: usize) -> Result<(), Failure> {
        const SQL: &str = "DELETE FROM events WHERE NOT (aggregate_type = 'challenge' AND aggregate_id = $1 AND sequence <= $2)";
        match self {
            Raw::Pg(p) => sqlx::query(SQL)
                .bind(id)
                .bind(length as i64)
                .execute(p)
                .await
                .map(|_| ())?,
            Raw::Lite(p) => sqlx::query(SQL)
                .bind(id)
                .bind(length as i64)
                .execute(p)
                .await
                .map(|_| ())?,
        }
        Ok(())
    }

    async fn close(&self) {
        match self {
            Raw::Pg(p) => p.close().await,
            Raw::Lite(p) => p.close().await,
        }
    }
}

/// The server under test, a child process of this one.
struct Server {
    child: Child,
    url: String,
}

impl Server {
    fn start(database_url: &str, secret: &str) -> Result<Server, Failure> {
        let port = std::net::TcpListener::bind("127.0.0.1:0")?
            .local_addr()?
            .port();
        let log_key = tlog::Signer::generate("bench.grantledger.local/log")?.to_private_text();
        let child = Command::new(std::env::current_exe()?)
            .args(["serve", "--addr", &format!("127.0.0.1:{port}")])
            .env("DATABASE_URL", database_url)
            .env("GRANTLEDGER_JWT_SECRET", secret)
            .env("GRANTLEDGER_LOG_KEY", log_key)
            .env("GRANTLEDGER_FAKE_NOW", "2027-01-10T09:00:00+08:00")
            .env("RUST_LOG", "error")
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()?;
        Ok(Server {
            child,
            url: format!("http://127.0.0.1:{port}"),
        })
    }

    async fn ready(&self, client: &reqwest::Client) -> Result<(), Failure> {
        for _ in 0..300 {
            if let Ok(r) = client.get(format!("{}/healthz", self.url)).send().await {
                if r.status().is_success() {
                    return Ok(());
                }
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        Err("the server did not come up".into())
    }

    /// (resident, peak resident) in MB, from /proc.
    fn memory_mb(&self) -> (f64, f64) {
        let status = std::fs::read_to_string(format!("/proc/{}/status", self.child.id()))
            .unwrap_or_default();
        let field = |name: &str| {
            status
                .lines()
                .find(|l| l.starts_with(name))
                .and_then(|l| l.split_whitespace().nth(1))
                .and_then(|kb| kb.parse::<f64>().ok())
                .map_or(0.0, |kb| kb / 1024.0)
        };
        (field("VmRSS:"), field("VmHWM:"))
    }

    fn cpu_seconds(&self) -> f64 {
        cpu_of(&format!("/proc/{}/stat", self.child.id()))
    }

    fn stop(mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// `grantledger <subcommand>` run as a child process on `database_url`: (seconds, peak resident
/// MB). The peak is the child's `VmHWM`, read every few milliseconds until it exits.
async fn child(subcommand: &str, database_url: &str, secret: &str) -> Result<(f64, f64), Failure> {
    let t = Instant::now();
    let mut child = Command::new(std::env::current_exe()?)
        .arg(subcommand)
        .env("DATABASE_URL", database_url)
        .env("GRANTLEDGER_JWT_SECRET", secret)
        .env(
            "GRANTLEDGER_LOG_KEY",
            tlog::Signer::generate("bench.grantledger.local/log")?.to_private_text(),
        )
        .env("RUST_LOG", "error")
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()?;
    let status_file = format!("/proc/{}/status", child.id());
    let mut peak_kb = 0.0f64;
    let status = loop {
        if let Ok(text) = std::fs::read_to_string(&status_file) {
            if let Some(kb) = text
                .lines()
                .find(|l| l.starts_with("VmHWM:"))
                .and_then(|l| l.split_whitespace().nth(1))
                .and_then(|kb| kb.parse::<f64>().ok())
            {
                peak_kb = peak_kb.max(kb);
            }
        }
        if let Some(status) = child.try_wait()? {
            break status;
        }
        tokio::time::sleep(Duration::from_millis(5)).await;
    };
    let seconds = t.elapsed().as_secs_f64();
    if !status.success() {
        let mut err = String::new();
        if let Some(mut e) = child.stderr.take() {
            use std::io::Read;
            let _ = e.read_to_string(&mut err);
        }
        return Err(format!("{subcommand} failed: {status} {err}").into());
    }
    Ok((seconds, peak_kb / 1024.0))
}

/// User + system CPU seconds of a process, from its `/proc/<pid>/stat`.
fn cpu_of(path: &str) -> f64 {
    let stat = std::fs::read_to_string(path).unwrap_or_default();
    // Fields after the command name (which may hold spaces) start after the last ')'.
    let rest = stat.rsplit_once(')').map(|(_, r)| r).unwrap_or("");
    let fields: Vec<&str> = rest.split_whitespace().collect();
    let ticks = |i: usize| {
        fields
            .get(i)
            .and_then(|v| v.parse::<f64>().ok())
            .unwrap_or(0.0)
    };
    // utime and stime are fields 14 and 15 of the whole line: 11 and 12 after the name.
    (ticks(11) + ticks(12)) / 100.0
}

/// An HTTP client of the server, with an officer's token.
#[derive(Clone)]
struct Http {
    client: reqwest::Client,
    base: String,
    token: String,
}

impl Http {
    async fn draft(&self, n: usize) -> Result<String, Failure> {
        let body = json!({
            "programme": "consortium_key_rd", "title": format!("基准榜单 {n}"),
            "demand_owner": "91320583MA1KC00109", "industry_chain": "新型显示",
            "targets": [{"name": "分辨率", "metric": "nm", "target": "≤ 90"}],
            "budget_cap_fen": 300_000_000, "mode": {"kind": "single"},
            "opens_on": "2027-01-04", "closes_on": "2027-02-26", "completion_deadline": "2029-12-31"
        });
        let r = self
            .client
            .post(format!("{}/v1/challenges", self.base))
            .bearer_auth(&self.token)
            .json(&body)
            .send()
            .await?;
        if r.status().as_u16() != 201 {
            return Err(format!("draft: {} {}", r.status(), r.text().await?).into());
        }
        let v: Value = r.json().await?;
        Ok(v["id"].as_str().unwrap_or_default().to_string())
    }

    async fn amend(&self, id: &str, n: usize) -> Result<(), Failure> {
        let r = self
            .client
            .post(format!("{}/v1/challenges/{id}/amend", self.base))
            .bearer_auth(&self.token)
            .json(&json!({"reason": "基准测试", "title": format!("基准榜单 修订 {n}")}))
            .send()
            .await?;
        if r.status().as_u16() != 200 {
            return Err(format!("amend: {} {}", r.status(), r.text().await?).into());
        }
        r.bytes().await?;
        Ok(())
    }

    /// The cheapest answer the server gives (no token, no database): the HTTP floor.
    async fn health(&self) -> Result<(), Failure> {
        self.read("/healthz", false).await
    }

    async fn get(&self, id: &str) -> Result<(), Failure> {
        self.read(&format!("/v1/challenges/{id}"), true).await
    }

    /// A GET of `path`, with the officer's token when `authed`; the body is read and dropped.
    async fn read(&self, path: &str, authed: bool) -> Result<(), Failure> {
        let mut request = self.client.get(format!("{}{path}", self.base));
        if authed {
            request = request.bearer_auth(&self.token);
        }
        let r = request.send().await?;
        if !r.status().is_success() {
            return Err(format!("GET {path}: {}", r.status()).into());
        }
        r.bytes().await?;
        Ok(())
    }
}

/// What `clients` tasks running `op(client, i)` for `window` achieved: (ops/s, p99 ms).
async fn load<F, Fut>(clients: usize, window: Duration, op: F) -> Result<(f64, f64), Failure>
where
    F: Fn(usize, usize) -> Fut + Send + Sync + 'static,
    Fut: std::future::Future<Output = Result<(), Failure>> + Send,
{
    let op = Arc::new(op);
    let start = Instant::now();
    let mut tasks = Vec::new();
    for c in 0..clients {
        let op = op.clone();
        tasks.push(tokio::spawn(async move {
            let mut latencies = Vec::new();
            let mut i = 0;
            while start.elapsed() < window {
                let t = Instant::now();
                if let Err(e) = op(c, i).await {
                    return Err(e.to_string());
                }
                latencies.push(t.elapsed().as_secs_f64() * 1000.0);
                i += 1;
            }
            Ok(latencies)
        }));
    }
    let mut all = Vec::new();
    for t in tasks {
        all.extend(t.await?.map_err(|e| -> Failure { e.into() })?);
    }
    let elapsed = start.elapsed().as_secs_f64();
    let ops = all.len() as f64 / elapsed;
    Ok((ops, percentile(&mut all, 0.99)))
}

/// `samples` sequential runs of `op`: (p50, p99) in ms.
async fn latency<F, Fut>(samples: usize, mut op: F) -> Result<(f64, f64), Failure>
where
    F: FnMut(usize) -> Fut,
    Fut: std::future::Future<Output = Result<(), Failure>>,
{
    let mut all = Vec::with_capacity(samples);
    for i in 0..samples {
        let t = Instant::now();
        op(i).await?;
        all.push(t.elapsed().as_secs_f64() * 1000.0);
    }
    Ok((percentile(&mut all, 0.5), percentile(&mut all, 0.99)))
}

fn percentile(values: &mut [f64], q: f64) -> f64 {
    if values.is_empty() {
        return 0.0;
    }
    values.sort_by(f64::total_cmp);
    let i = ((values.len() as f64 - 1.0) * q).round() as usize;
    values[i.min(values.len() - 1)]
}

fn at_least(x: f64, target: f64) -> Option<bool> {
    Some(x >= target)
}

fn at_most(x: f64, target: f64) -> Option<bool> {
    Some(x <= target)
}

/// Runs the benchmark on each of `backends` and prints its tables.
// The tables are the command's output.
#[allow(clippy::print_stdout)]
pub async fn run(backends: &[String], plan: Plan, pg_base: &str) -> Result<(), Failure> {
    println!(
        "# grantledger bench — {} clients, {:?} windows, {} latency samples, long stream {} events",
        plan.clients, plan.window, plan.samples, plan.long_stream
    );
    println!("machine: {}", machine());
    for backend in backends {
        let fresh = Fresh::create(backend, pg_base).await?;
        let url = fresh.url(pg_base);
        let outcome = one_backend(&url, plan).await;
        fresh.drop_it().await;
        let rows = outcome?;
        println!();
        println!("## {backend}");
        println!();
        println!("| What | grantledger | raw SQL, same shape | ratio | target | met |");
        println!("|---|---|---|---|---|---|");
        for row in rows {
            let raw = row
                .raw
                .map_or("—".to_string(), |r| format!("{r:.1} {}", row.unit));
            let ratio = row.ratio().map_or("—".to_string(), |r| format!("{r:.2}"));
            let met = match row.met {
                Some(true) => "yes",
                Some(false) => "no",
                None => "—",
            };
            println!(
                "| {} | {:.1} {} | {raw} | {ratio} | {} | {met} |",
                row.what, row.ours, row.unit, row.target
            );
        }
    }
    Ok(())
}

fn machine() -> String {
    let cpus = std::thread::available_parallelism().map_or(0, |n| n.get());
    let model = std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|c| {
            c.lines()
                .find(|l| l.starts_with("model name"))
                .and_then(|l| l.split(':').nth(1))
                .map(|m| m.trim().to_string())
        })
        .unwrap_or_else(|| "unknown CPU".into());
    format!("{cpus} cores ({model})")
}

async fn one_backend(url: &str, plan: Plan) -> Result<Vec<Row>, Failure> {
    let secret = format!("bench-{}-0123456789abcdef0123456789", rand_suffix());
    // The server migrates the database on start; the baseline's tables sit beside its own.
    let server = Server::start(url, &secret)?;
    let client = reqwest::Client::builder()
        .pool_max_idle_per_host(plan.clients * 2)
        .build()?;
    server.ready(&client).await?;
    let (idle_rss, _) = server.memory_mb();
    let raw = Raw::open(url, plan.clients).await?;
    let token = api::mint_token(
        &secret,
        &api::Claims {
            sub: "bench-officer".into(),
            roles: vec!["officer".into()],
            org: None,
            exp: chrono::Utc::now().timestamp() + 24 * 3600,
        },
    )?;
    let http = Http {
        client,
        base: server.url.clone(),
        token,
    };
    let payload = json!({"title": "基准榜单", "reason": "基准测试", "amendments": []}).to_string();
    let mut rows = Vec::new();
    let own_cpu_start = cpu_of("/proc/self/stat");
    let server_cpu_start = server.cpu_seconds();

    // Interleaved: raw before and after each HTTP run; the baseline is their mean.
    let raw_create = {
        let raw = raw.clone();
        let payload = payload.clone();
        move |c: usize, i: usize| {
            let raw = raw.clone();
            let payload = payload.clone();
            let id = format!("new-{c}-{i}-{}", rand_suffix());
            async move { raw.command(&id, &payload).await }
        }
    };
    let before = load(plan.clients, plan.window, raw_create.clone()).await?;
    let ours = {
        let http = http.clone();
        load(plan.clients, plan.window, move |c, i| {
            let http = http.clone();
            async move { http.draft(c * 1_000_000 + i).await.map(|_| ()) }
        })
        .await?
    };
    let after = load(plan.clients, plan.window, raw_create).await?;
    let base = (before.0 + after.0) / 2.0;
    rows.push(Row {
        what: format!("Command creating a stream, {} clients", plan.clients),
        ours: ours.0,
        raw: Some(base),
        unit: "/s",
        target: "≥ 0.65",
        met: at_least(ours.0 / base, 0.65),
    });

    // One stream per client, amended over and over.
    let mut mine = Vec::new();
    for c in 0..plan.clients {
        mine.push(http.draft(c).await?);
    }
    let mine = Arc::new(mine);
    let raw_existing = {
        let raw = raw.clone();
        let payload = payload.clone();
        move |c: usize, _i: usize| {
            let raw = raw.clone();
            let payload = payload.clone();
            async move { raw.command(&format!("existing-{c}"), &payload).await }
        }
    };
    let before = load(plan.clients, plan.window, raw_existing.clone()).await?;
    let ours = {
        let http = http.clone();
        let mine = mine.clone();
        load(plan.clients, plan.window, move |c, i| {
            let http = http.clone();
            let id = mine[c].clone();
            async move { http.amend(&id, i).await }
        })
        .await?
    };
    let after = load(plan.clients, plan.window, raw_existing).await?;
    let base = (before.0 + after.0) / 2.0;
    let base_p99 = (before.1 + after.1) / 2.0;
    rows.push(Row {
        what: format!("Command on an existing stream, {} clients", plan.clients),
        ours: ours.0,
        raw: Some(base),
        unit: "/s",
        target: "≥ 0.65",
        met: at_least(ours.0 / base, 0.65),
    });
    rows.push(Row {
        what: format!("Command p99 at {} clients", plan.clients),
        ours: ours.1,
        raw: Some(base_p99),
        unit: "ms",
        target: "≤ 2×",
        met: at_most(ours.1 / base_p99, 2.0),
    });

    // One client: latency.
    let short = http.draft(9_999_999).await?;
    let raw_one = latency(plan.samples, |_| raw.command("latency", &payload)).await?;
    let ours_one = latency(plan.samples, |i| http.amend(&short, i)).await?;
    let raw_two = latency(plan.samples, |_| raw.command("latency", &payload)).await?;
    let raw_p50 = (raw_one.0 + raw_two.0) / 2.0;
    let raw_p99 = (raw_one.1 + raw_two.1) / 2.0;
    rows.push(Row {
        what: "Command latency at 1 client, p50".into(),
        ours: ours_one.0,
        raw: Some(raw_p50),
        unit: "ms",
        target: "≤ 1.5×",
        met: at_most(ours_one.0 / raw_p50, 1.5),
    });
    rows.push(Row {
        what: "Command latency at 1 client, p99".into(),
        ours: ours_one.1,
        raw: Some(raw_p99),
        unit: "ms",
        target: "≤ 2×",
        met: at_most(ours_one.1 / raw_p99, 2.0),
    });

    // What HTTP alone costs here: the floor under every row above (no token, no database).
    let floor = latency(plan.samples, |_| http.health()).await?;
    rows.push(Row {
        what: "HTTP floor: GET /healthz p50 at 1 client ÷ command p50 at 1 client (informative)"
            .into(),
        ours: floor.0,
        raw: Some(ours_one.0),
        unit: "ms",
        target: "informative",
        met: None,
    });

    // Reads of one view row.
    let raw_read = {
        let raw = raw.clone();
        move |c: usize, _i: usize| {
            let raw = raw.clone();
            async move { raw.read(&format!("existing-{c}")).await }
        }
    };
    let before = load(plan.clients, plan.window, raw_read.clone()).await?;
    let ours = {
        let http = http.clone();
        let mine = mine.clone();
        load(plan.clients, plan.window, move |c, _| {
            let http = http.clone();
            let id = mine[c].clone();
            async move { http.get(&id).await }
        })
        .await?
    };
    let after = load(plan.clients, plan.window, raw_read).await?;
    let base = (before.0 + after.0) / 2.0;
    rows.push(Row {
        what: format!("GET one view, {} clients", plan.clients),
        ours: ours.0,
        raw: Some(base),
        unit: "/s",
        target: "≥ 0.5",
        met: at_least(ours.0 / base, 0.5),
    });

    // A long stream against a short one: snapshots keep a command's cost flat.
    let long = http.draft(8_888_888).await?;
    for i in 0..plan.long_stream {
        http.amend(&long, i).await?;
    }
    let fresh_short = http.draft(7_777_777).await?;
    for i in 0..10 {
        http.amend(&fresh_short, i).await?;
    }
    let on_long = latency(plan.samples.min(500), |i| http.amend(&long, 1_000_000 + i)).await?;
    let on_short = latency(plan.samples.min(500), |i| {
        http.amend(&fresh_short, 1_000_000 + i)
    })
    .await?;
    rows.push(Row {
        what: format!(
            "Command p50 on a {}-event stream ÷ on a 10-event stream",
            plan.long_stream
        ),
        ours: on_long.0,
        raw: Some(on_short.0),
        unit: "ms",
        target: "≤ 1.15×",
        met: at_most(on_long.0 / on_short.0, 1.15),
    });

    let own_cpu = cpu_of("/proc/self/stat") - own_cpu_start;
    let server_cpu = server.cpu_seconds() - server_cpu_start;
    let (_, loaded_rss) = server.memory_mb();
    server.stop();

    // Rebuild, with the server stopped: a child process on a ledger grown to each size, its rate
    // against reading every event out, and its peak memory at the larger size over the smaller.
    let mut rebuilds = Vec::new();
    for size in plan.rebuild_sizes {
        let events = raw.grow_to(size).await?;
        // The copies carry no transparency-log leaves; start-up gives them theirs (the upgrade
        // path for events stored before the log existed). Done first, untimed, so the timed run
        // measures the rebuild alone.
        child("migrate", url, &secret).await?;
        let (seconds, peak) = child("rebuild-projections", url, &secret).await?;
        rebuilds.push((events, seconds, peak));
    }
    let (small, large) = (rebuilds[0], rebuilds[1]);
    let rebuild_rate = large.0 as f64 / large.1;
    let t = Instant::now();
    let copied = raw.copy_out().await?;
    let copy_rate = copied as f64 / t.elapsed().as_secs_f64();
    rows.push(Row {
        what: format!(
            "`rebuild-projections`, {} events (events/s ÷ rows/s copy-out)",
            large.0
        ),
        ours: rebuild_rate,
        raw: Some(copy_rate),
        unit: "/s",
        target: "≥ 0.8",
        met: at_least(rebuild_rate / copy_rate, 0.8),
    });
    rows.push(Row {
        what: format!("Rebuild peak RSS, {} events ÷ {} events", large.0, small.0),
        ours: large.2,
        raw: Some(small.2),
        unit: "MB",
        target: "≤ 1.1",
        met: at_most(large.2 / small.2, 1.1),
    });

    // One stream alone, longest first (the ledger only shrinks): rebuild time per event must not
    // grow with the stream's length.
    let mut per_length = Vec::new();
    for length in plan.stream_lengths.iter().rev() {
        raw.keep_only(&long, *length).await?;
        let store = store::Store::new(
            store::Db::connect(url).await?,
            projections::all_projectors(),
        );
        // The first rebuild also drops the rows the larger ledger left; the best of three after
        // it is the stream's own cost.
        let mut events = store.rebuild_projections().await?;
        let mut best = f64::INFINITY;
        for _ in 0..3 {
            let t = Instant::now();
            events = store.rebuild_projections().await?;
            best = best.min(t.elapsed().as_secs_f64() * 1000.0);
        }
        store.db().close().await;
        per_length.push((events, best));
    }
    per_length.reverse();
    for (events, ms) in &per_length {
        rows.push(Row {
            what: format!("One stream of {events} events rebuilt"),
            ours: *ms,
            raw: None,
            unit: "ms",
            target: "linear",
            met: None,
        });
    }
    let (first, last) = (per_length[0], per_length[per_length.len() - 1]);
    let per_event = |(events, ms): (usize, f64)| ms * 1000.0 / events.max(1) as f64;
    rows.push(Row {
        what: format!(
            "Rebuild time per event, {}-event stream ÷ {}-event stream",
            last.0, first.0
        ),
        ours: per_event(last),
        raw: Some(per_event(first)),
        unit: "µs",
        target: "≤ 1.15×",
        met: at_most(per_event(last) / per_event(first), 1.15),
    });
    rows.push(Row {
        what: "Server RSS idle (grantledger) / peak under load (raw column)".into(),
        ours: idle_rss,
        raw: Some(loaded_rss),
        unit: "MB",
        target: "≤ 40 MB",
        met: Some(loaded_rss <= 40.0),
    });
    rows.push(Row {
        what: "Load generator's share of CPU during the HTTP runs (bench ÷ server)".into(),
        ours: own_cpu,
        raw: Some(server_cpu),
        unit: "s",
        target: "informative",
        met: None,
    });
    raw.close().await;
    Ok(rows)
}
