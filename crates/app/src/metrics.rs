//! The application's Prometheus metrics: one registry per [`AppState`], so that several servers
//! in one process (the tests) count apart. Commands and reaction failures are counted as they
//! happen; the outbox, the attention list, the database pool and the scheduler's lag are read
//! when the registry is rendered (at scrape time), so they are never stale.
//!
//! An adapter registers its own metrics (the HTTP layer's request counts and latencies) in
//! [`Metrics::registry`], and serves [`render`].

use std::sync::atomic::{AtomicI64, Ordering};

use prometheus::{
    Encoder, Gauge, IntCounterVec, IntGauge, IntGaugeVec, Opts, Registry, TextEncoder,
};

use crate::{AppError, AppState};

/// Counters and scrape-time gauges of one application.
pub struct Metrics {
    registry: Registry,
    commands: IntCounterVec,
    reaction_failures: IntCounterVec,
    scheduler_runs: IntCounterVec,
    outbox_waiting: IntGauge,
    outbox_oldest_age: Gauge,
    reactions_parked: IntGauge,
    pool: IntGaugeVec,
    scheduler_lag: Gauge,
    /// Wall-clock milliseconds of the scheduler's last completed run (0: none yet).
    scheduler_last_run_ms: AtomicI64,
    /// The scheduler's period in milliseconds (0: no scheduler runs in this process).
    scheduler_every_ms: AtomicI64,
    started_ms: i64,
}

fn wall_ms() -> i64 {
    chrono::Utc::now().timestamp_millis()
}

impl Metrics {
    /// A fresh registry with the application's metrics in it.
    pub fn new() -> Result<Metrics, prometheus::Error> {
        let registry = Registry::new();
        let commands = IntCounterVec::new(
            Opts::new(
                "grantledger_commands_total",
                "Commands run, by aggregate type, command and outcome (ok, refused, not_found, version_mismatch, conflict, invalid, error).",
            ),
            &["aggregate", "command", "outcome"],
        )?;
        let reaction_failures = IntCounterVec::new(
            Opts::new(
                "grantledger_reaction_failures_total",
                "Reactions (process managers) that failed: parked on the attention list (refused by a rule) or retried after a back-off.",
            ),
            &["outcome"],
        )?;
        let scheduler_runs = IntCounterVec::new(
            Opts::new(
                "grantledger_scheduler_runs_total",
                "Runs of the clock's due commands, by outcome (ok, error).",
            ),
            &["outcome"],
        )?;
        let outbox_waiting = IntGauge::new(
            "grantledger_outbox_depth",
            "Outbox rows waiting to run (not parked).",
        )?;
        let outbox_oldest_age = Gauge::new(
            "grantledger_outbox_oldest_age_seconds",
            "Age of the oldest waiting outbox row (0 when none).",
        )?;
        let reactions_parked = IntGauge::new(
            "grantledger_reactions_parked",
            "Reactions refused by a rule and parked on the attention list, awaiting an officer.",
        )?;
        let pool = IntGaugeVec::new(
            Opts::new(
                "grantledger_db_pool_connections",
                "Database pool connections, by state (in_use, idle, max).",
            ),
            &["state"],
        )?;
        let scheduler_lag = Gauge::new(
            "grantledger_scheduler_lag_seconds",
            "How late the scheduler is: seconds since its last completed run beyond its period (0 when on time).",
        )?;
        // Shown at 0 before the first failure or run, so that rates and alerts have a series.
        for outcome in ["parked", "retried"] {
            reaction_failures.with_label_values(&[outcome]);
        }
        for outcome in ["ok", "error"] {
            scheduler_runs.with_label_values(&[outcome]);
        }
        registry.register(Box::new(commands.clone()))?;
        registry.register(Box::new(reaction_failures.clone()))?;
        registry.register(Box::new(scheduler_runs.clone()))?;
        registry.register(Box::new(outbox_waiting.clone()))?;
        registry.register(Box::new(outbox_oldest_age.clone()))?;
        registry.register(Box::new(reactions_parked.clone()))?;
        registry.register(Box::new(pool.clone()))?;
        registry.register(Box::new(scheduler_lag.clone()))?;
        Ok(Metrics {
            registry,
            commands,
            reaction_failures,
            scheduler_runs,
            outbox_waiting,
            outbox_oldest_age,
            reactions_parked,
            pool,
            scheduler_lag,
            scheduler_last_run_ms: AtomicI64::new(0),
            scheduler_every_ms: AtomicI64::new(0),
            started_ms: wall_ms(),
        })
    }

    /// The registry, where an adapter registers its own metrics.
    pub fn registry(&self) -> &Registry {
        &self.registry
    }

    /// Counts one command of `aggregate` named `command` with its `outcome`.
    pub fn command(&self, aggregate: &str, command: &str, outcome: &str) {
        self.commands
            .with_label_values(&[aggregate, command, outcome])
            .inc();
    }

    /// Counts a failed reaction: `parked` (refused by a rule) or `retried`.
    pub(crate) fn reaction_failed(&self, outcome: &str) {
        self.reaction_failures.with_label_values(&[outcome]).inc();
    }

    /// The scheduler runs every `every` in this process.
    pub(crate) fn scheduler_every(&self, every: std::time::Duration) {
        let ms = i64::try_from(every.as_millis()).unwrap_or(i64::MAX);
        self.scheduler_every_ms.store(ms, Ordering::Relaxed);
    }

    /// The scheduler finished a run.
    pub(crate) fn scheduler_ran(&self, ok: bool) {
        if ok {
            self.scheduler_last_run_ms
                .store(wall_ms(), Ordering::Relaxed);
        }
        self.scheduler_runs
            .with_label_values(&[if ok { "ok" } else { "error" }])
            .inc();
    }

    /// Seconds the scheduler is behind its period (0 with no scheduler in this process).
    fn scheduler_lag_seconds(&self) -> f64 {
        let every = self.scheduler_every_ms.load(Ordering::Relaxed);
        if every == 0 {
            return 0.0;
        }
        let last = match self.scheduler_last_run_ms.load(Ordering::Relaxed) {
            0 => self.started_ms,
            t => t,
        };
        ((wall_ms() - last - every).max(0) as f64) / 1000.0
    }
}

/// The outcome label of a command's result.
pub(crate) fn outcome<E>(
    result: &Result<store::Committed, crate::CommandError<E>>,
) -> &'static str {
    use crate::CommandError;
    match result {
        Ok(_) => "ok",
        Err(CommandError::Rule(_)) => "refused",
        Err(CommandError::App(e)) => match e {
            AppError::NotFound(_) => "not_found",
            AppError::VersionMismatch { .. } => "version_mismatch",
            AppError::ConcurrencyConflict | AppError::IdempotencyKeyTaken => "conflict",
            AppError::InvalidField { .. } | AppError::Refused { .. } | AppError::Forbidden(_) => {
                "invalid"
            }
            AppError::Domain { .. } => "refused",
            AppError::Unavailable(_) | AppError::Internal(_) => "error",
        },
    }
}

/// Reads the scrape-time figures and renders every metric of `state`'s registry in the
/// Prometheus text exposition format (version 0.0.4).
pub async fn render(state: &AppState) -> Result<String, AppError> {
    let m = state.metrics();
    let outbox = state.store().outbox_stats().await?;
    m.outbox_waiting.set(outbox.waiting);
    m.outbox_oldest_age
        .set(outbox.oldest_age_ms as f64 / 1000.0);
    m.reactions_parked.set(outbox.parked);
    let (size, idle, max) = match state.store().db() {
        store::Db::Postgres(pool) => (
            pool.size(),
            pool.num_idle(),
            pool.options().get_max_connections(),
        ),
        store::Db::Sqlite(pool) => (
            pool.size(),
            pool.num_idle(),
            pool.options().get_max_connections(),
        ),
    };
    let idle = i64::try_from(idle).unwrap_or(i64::MAX);
    m.pool
        .with_label_values(&["in_use"])
        .set((i64::from(size) - idle).max(0));
    m.pool.with_label_values(&["idle"]).set(idle);
    m.pool.with_label_values(&["max"]).set(i64::from(max));
    m.scheduler_lag.set(m.scheduler_lag_seconds());
    let mut out = Vec::new();
    TextEncoder::new()
        .encode(&m.registry.gather(), &mut out)
        .map_err(|e| AppError::Internal(format!("metrics encoding: {e}")))?;
    String::from_utf8(out).map_err(|e| AppError::Internal(format!("metrics encoding: {e}")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_scheduler_lags_by_the_time_past_its_period_since_its_last_run() {
        let m = Metrics::new().unwrap();
        assert_eq!(
            m.scheduler_lag_seconds(),
            0.0,
            "no scheduler in this process"
        );
        m.scheduler_every(std::time::Duration::from_secs(60));
        m.scheduler_ran(true);
        assert_eq!(m.scheduler_lag_seconds(), 0.0, "just ran");
        m.scheduler_last_run_ms
            .store(wall_ms() - 90_000, Ordering::Relaxed);
        let lag = m.scheduler_lag_seconds();
        assert!((29.0..31.0).contains(&lag), "{lag}");
    }

    #[test]
    fn commands_are_counted_by_aggregate_command_and_outcome() {
        let m = Metrics::new().unwrap();
        m.command("challenge", "DraftChallenge", "ok");
        m.command("challenge", "DraftChallenge", "ok");
        m.command("challenge", "DraftChallenge", "refused");
        let mut out = Vec::new();
        TextEncoder::new()
            .encode(&m.registry().gather(), &mut out)
            .unwrap();
        let text = String::from_utf8(out).unwrap();
        assert!(text.contains(
            r#"grantledger_commands_total{aggregate="challenge",command="DraftChallenge",outcome="ok"} 2"#
        ));
        assert!(text.contains(
            r#"grantledger_commands_total{aggregate="challenge",command="DraftChallenge",outcome="refused"} 1"#
        ));
        assert!(text.contains(r#"grantledger_reaction_failures_total{outcome="parked"} 0"#));
    }
}
