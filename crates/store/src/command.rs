//! The command path: one transaction that loads a stream, checks the caller's expected version,
//! reads the cross-stream facts a command needs under their locks, handles the command, appends
//! and seals its events, folds them into the views, queues reactions and records the
//! idempotency key — all committed together or not at all.

use std::collections::HashMap;

use cqrs_es::event_sink::EventSink;
use cqrs_es::persist::SerializedEvent;
use cqrs_es::{Aggregate, AggregateError, DomainEvent};
use serde_json::Value;
use sqlx::{Postgres, Sqlite, Transaction};

use crate::tx::{append_events, enqueue_reactions, fold_into_views, AppendError, Tx};
use crate::{Db, Store, StoreError};

/// The cross-stream facts a command reads inside its own transaction.
///
/// `locks` are taken first (on PostgreSQL as transaction-scoped advisory locks, in a fixed order;
/// SQLite's `BEGIN IMMEDIATE` already serialises every writer), then the view rows in `rows` are
/// read. Views commit in the same transaction as their events, so under the lock these rows are the
/// ledger's own facts, and no other command holding the same lock can change them before commit.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FactNeeds {
    /// Lock keys, e.g. `clawback-subject:project:p-1`.
    pub locks: Vec<String>,
    /// View rows to read: `(view_name, view_id)`.
    pub rows: Vec<(String, String)>,
}

impl FactNeeds {
    /// No facts: a command whose rules stay inside its own stream.
    pub fn none() -> FactNeeds {
        FactNeeds::default()
    }

    /// Adds a lock key.
    pub fn lock(mut self, key: impl Into<String>) -> FactNeeds {
        self.locks.push(key.into());
        self
    }

    /// Adds a view row to read.
    pub fn row(mut self, view: impl Into<String>, id: impl Into<String>) -> FactNeeds {
        self.rows.push((view.into(), id.into()));
        self
    }
}

/// The view rows a command asked for, as committed when its locks were held.
#[derive(Debug, Clone, Default)]
pub struct Facts {
    rows: HashMap<(String, String), Value>,
}

impl Facts {
    /// The row `(view, id)`, if it exists.
    pub fn row(&self, view: &str, id: &str) -> Option<&Value> {
        self.rows.get(&(view.to_string(), id.to_string()))
    }
}

/// A caller's claim on an `Idempotency-Key`, recorded in the command's own transaction.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IdempotencyClaim {
    /// Who (the token's subject); keys are per caller.
    pub caller: String,
    /// The key the client sent.
    pub key: String,
    /// SHA-256 of method, path and body.
    pub request_hash: String,
    /// When (RFC 3339, from the clock service): keys are purged a day later.
    pub created_at: String,
}

/// One command to run on one stream.
#[derive(Debug, Clone, Default)]
pub struct CommandRequest {
    /// The stream's id.
    pub aggregate_id: String,
    /// An empty stream is refused with [`RunError::NotFound`].
    pub must_exist: bool,
    /// The version the caller last saw (`If-Match`); compared with the version loaded here.
    pub expected_version: Option<u64>,
    /// Event metadata (who, when, request id, command name); the chain fields are added here.
    pub metadata: HashMap<String, String>,
    /// Cross-stream facts to read under lock.
    pub needs: FactNeeds,
    /// The idempotency key to record with the events, if any.
    pub idempotency: Option<IdempotencyClaim>,
}

/// What a committed command stored.
#[derive(Debug, Clone)]
pub struct Committed {
    /// The stream's version after the command.
    pub version: u64,
    /// The sealed events, as stored.
    pub events: Vec<SerializedEvent>,
    /// How many outbox rows the command queued.
    pub queued: usize,
}

/// Why a command stored nothing.
#[derive(Debug, thiserror::Error)]
pub enum RunError<E, B> {
    /// `must_exist` and the stream is empty.
    #[error("no such stream")]
    NotFound,
    /// The caller's `If-Match` is not the version loaded.
    #[error("expected version {expected}, the stream is at {current}")]
    VersionMismatch {
        /// What the caller sent.
        expected: u64,
        /// What was loaded.
        current: u64,
    },
    /// The command could not be built from the facts.
    #[error("{0}")]
    Build(B),
    /// The aggregate refused the command.
    #[error("{0}")]
    Domain(E),
    /// Another command appended to the stream first, every time it was tried.
    #[error("the stream moved on while the command ran")]
    Conflict,
    /// Another request with this caller and `Idempotency-Key` committed first.
    #[error("the idempotency key was used by a command that committed first")]
    IdempotencyKeyTaken,
    /// The store failed.
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// How often a command that lost an optimistic race is re-run from a fresh load.
const ATTEMPTS: usize = 3;

/// The command side of aggregate `A`: its services and the store it runs in.
pub struct Cqrs<A: Aggregate> {
    store: Store,
    services: A::Services,
}

impl<A: Aggregate> Cqrs<A> {
    pub(crate) fn new(store: Store, services: A::Services) -> Self {
        Cqrs { store, services }
    }

    /// The aggregate's services.
    pub fn services(&self) -> &A::Services {
        &self.services
    }

    /// Runs `command` on stream `id` with no metadata (tests).
    pub async fn execute(
        &self,
        id: &str,
        command: A::Command,
    ) -> Result<(), AggregateError<A::Error>>
    where
        A::Command: Clone + Send,
    {
        self.execute_with_metadata(id, command, HashMap::new())
            .await
    }

    /// Runs `command` on stream `id` with `metadata`, with no version expectation and no facts
    /// (cqrs-es's `CqrsFramework::execute_with_metadata`, kept for tests and seeding).
    pub async fn execute_with_metadata(
        &self,
        id: &str,
        command: A::Command,
        metadata: HashMap<String, String>,
    ) -> Result<(), AggregateError<A::Error>>
    where
        A::Command: Clone + Send,
    {
        let request = CommandRequest {
            aggregate_id: id.to_string(),
            metadata,
            ..CommandRequest::default()
        };
        match self
            .run(request, move |_, _| {
                Ok::<_, std::convert::Infallible>(command.clone())
            })
            .await
        {
            Ok(_) => Ok(()),
            Err(RunError::Domain(e)) => Err(AggregateError::UserError(e)),
            Err(RunError::Conflict) => Err(AggregateError::AggregateConflict),
            Err(RunError::Store(e)) if e.is_unavailable() => {
                Err(AggregateError::DatabaseConnectionError(Box::new(e)))
            }
            Err(e) => Err(AggregateError::UnexpectedError(Box::new(
                std::io::Error::other(e.to_string()),
            ))),
        }
    }

    /// Runs one command in one transaction (see the module documentation). `build` turns the
    /// facts read under lock and the loaded aggregate into the command; it may run more than once
    /// when a concurrent command wins an optimistic race, each time on a fresh load.
    pub async fn run<B, F>(
        &self,
        request: CommandRequest,
        mut build: F,
    ) -> Result<Committed, RunError<A::Error, B>>
    where
        F: FnMut(&Facts, &A) -> Result<A::Command, B> + Send,
        B: Send,
    {
        let mut last = RunError::Conflict;
        for _ in 0..ATTEMPTS {
            let attempt = match self.store.db() {
                Db::Postgres(pool) => {
                    let mut tx = pool.begin().await.map_err(StoreError::from)?;
                    match self.attempt(&mut tx, &request, &mut build).await {
                        Ok(done) => commit_pg(tx).await.map(|()| done),
                        Err(e) => Err(e),
                    }
                }
                Db::Sqlite(pool) => {
                    let mut tx = pool
                        .begin_with("BEGIN IMMEDIATE")
                        .await
                        .map_err(StoreError::from)?;
                    match self.attempt(&mut tx, &request, &mut build).await {
                        Ok(done) => commit_sqlite(tx).await.map(|()| done),
                        Err(e) => Err(e),
                    }
                }
            };
            match attempt {
                Err(RunError::Conflict) => last = RunError::Conflict,
                other => return other,
            }
        }
        Err(last)
    }

    async fn attempt<T: Tx, B, F>(
        &self,
        tx: &mut T,
        request: &CommandRequest,
        build: &mut F,
    ) -> Result<Committed, RunError<A::Error, B>>
    where
        F: FnMut(&Facts, &A) -> Result<A::Command, B> + Send,
        B: Send,
    {
        if let Some(claim) = &request.idempotency {
            // First, so a concurrent request with the same key waits here for the first to
            // commit, then fails on the unique key.
            match tx.claim_idempotency(claim).await {
                Ok(()) => {}
                Err(e) if is_unique_violation(&e) => return Err(RunError::IdempotencyKeyTaken),
                Err(e) => return Err(classify(e)),
            }
        }
        let mut locks = request.needs.locks.clone();
        locks.sort();
        locks.dedup();
        tx.lock_keys(&locks).await.map_err(classify)?;
        let facts = Facts {
            rows: tx.read_rows(&request.needs.rows).await.map_err(classify)?,
        };
        let (mut aggregate, current) = load_in::<A, T>(tx, &request.aggregate_id, true)
            .await
            .map_err(classify)?;
        if request.must_exist && current == 0 {
            return Err(RunError::NotFound);
        }
        if let Some(expected) = request.expected_version {
            if expected != current {
                return Err(RunError::VersionMismatch { expected, current });
            }
        }
        let command = build(&facts, &aggregate).map_err(RunError::Build)?;
        let sink = EventSink::default();
        aggregate
            .handle(command, &self.services, &sink)
            .await
            .map_err(RunError::Domain)?;
        let produced = sink.collect().await;
        let metadata = serde_json::to_value(&request.metadata)
            .map_err(|e| RunError::Store(StoreError::Decode(e)))?;
        let mut events = Vec::with_capacity(produced.len());
        for (n, event) in produced.into_iter().enumerate() {
            let payload =
                serde_json::to_value(&event).map_err(|e| RunError::Store(StoreError::Decode(e)))?;
            events.push(SerializedEvent::new(
                request.aggregate_id.clone(),
                current as usize + n + 1,
                A::TYPE.to_string(),
                event.event_type(),
                event.event_version(),
                payload,
                metadata.clone(),
            ));
        }
        append_events(tx, &mut events).await.map_err(|e| match e {
            AppendError::Conflict => RunError::Conflict,
            AppendError::Store(e) => classify(e),
        })?;
        fold_into_views(tx, &self.store.projectors, &events, true)
            .await
            .map_err(classify)?;
        let queued = enqueue_reactions(tx, &self.store.subscriptions, &events)
            .await
            .map_err(classify)?;
        let version = current + events.len() as u64;
        let every = self.store.snapshot_interval(A::TYPE);
        if every > 0 && !events.is_empty() && current / every != version / every {
            // The handled aggregate already holds the new events (the sink applied them).
            let state = serde_json::to_value(&aggregate)
                .map_err(|e| RunError::Store(StoreError::Decode(e)))?;
            tx.write_snapshot(A::TYPE, &request.aggregate_id, version, &state)
                .await
                .map_err(classify)?;
        }
        Ok(Committed {
            version,
            events,
            queued,
        })
    }
}

/// The aggregate and its version: from the newest snapshot and the events after it when
/// `from_snapshot`, else by replaying every event. A snapshot that no longer decodes (the
/// aggregate's shape changed) is ignored and the stream replayed.
async fn load_in<A: Aggregate, T: Tx>(
    tx: &mut T,
    id: &str,
    from_snapshot: bool,
) -> Result<(A, u64), StoreError> {
    let snapshot = if from_snapshot {
        tx.latest_snapshot(A::TYPE, id).await?
    } else {
        None
    };
    let (mut aggregate, after) = match snapshot
        .and_then(|(seq, state)| serde_json::from_value::<A>(state).ok().map(|a| (a, seq)))
    {
        Some((a, seq)) => (a, seq),
        None => (A::default(), 0),
    };
    let tail = tx.stream_events_after(A::TYPE, id, after).await?;
    let version = tail.last().map(|e| e.sequence as u64).unwrap_or(after);
    for event in tail {
        let decoded: A::Event = serde_json::from_value(event.payload)?;
        aggregate.apply(decoded);
    }
    Ok((aggregate, version))
}

impl<A: Aggregate> Cqrs<A> {
    /// The aggregate as commands see it (newest snapshot plus the events after it) and its
    /// version.
    pub async fn load(&self, id: &str) -> Result<(A, u64), StoreError> {
        self.load_with(id, true).await
    }

    /// The aggregate rebuilt from every event, ignoring snapshots (to check them).
    pub async fn load_replaying(&self, id: &str) -> Result<(A, u64), StoreError> {
        self.load_with(id, false).await
    }

    async fn load_with(&self, id: &str, from_snapshot: bool) -> Result<(A, u64), StoreError> {
        match self.store.db() {
            Db::Postgres(pool) => {
                let mut tx = pool.begin().await?;
                load_in::<A, _>(&mut tx, id, from_snapshot).await
            }
            Db::Sqlite(pool) => {
                let mut tx = pool.begin().await?;
                load_in::<A, _>(&mut tx, id, from_snapshot).await
            }
        }
    }
}

fn is_unique_violation(e: &StoreError) -> bool {
    matches!(e, StoreError::Database(sqlx::Error::Database(db)) if db.is_unique_violation())
}

/// A unique violation on the event key, or a deadlock or serialisation failure, is a lost race:
/// the command is re-run from a fresh load.
fn classify<E, B>(e: StoreError) -> RunError<E, B> {
    if let StoreError::Database(sqlx::Error::Database(db)) = &e {
        let code = db.code();
        let lost_race = db.is_unique_violation()
            || matches!(code.as_deref(), Some("40P01") | Some("40001"))
            // SQLite: SQLITE_BUSY (5) when a writer could not get the lock in time.
            || matches!(code.as_deref(), Some("5") | Some("517"));
        if lost_race {
            return RunError::Conflict;
        }
    }
    RunError::Store(e)
}

async fn commit_pg<E, B>(tx: Transaction<'_, Postgres>) -> Result<(), RunError<E, B>> {
    tx.commit().await.map_err(|e| classify(StoreError::from(e)))
}

async fn commit_sqlite<E, B>(tx: Transaction<'_, Sqlite>) -> Result<(), RunError<E, B>> {
    tx.commit().await.map_err(|e| classify(StoreError::from(e)))
}
