//! One transaction, either backend: the few statements the append path needs.

use std::collections::HashMap;
use std::future::Future;
use std::sync::Arc;

use cqrs_es::persist::SerializedEvent;
use projections::{Projector, Subscription, ViewRow};
use serde_json::Value;
use sqlx::{Postgres, Sqlite, Transaction};

use crate::chain;
use crate::command::IdempotencyClaim;
use crate::store::event_from_parts;
use crate::StoreError;

/// The statements of the append path, on one open transaction.
pub(crate) trait Tx: Send + crate::transparency::LogTx {
    /// `(sequence, hash)` of the stream's last event.
    fn last_event(
        &mut self,
        kind: &str,
        id: &str,
    ) -> impl Future<Output = Result<Option<(u64, String)>, StoreError>> + Send;
    /// Inserts one sealed event.
    fn insert_event(
        &mut self,
        event: &SerializedEvent,
    ) -> impl Future<Output = Result<(), StoreError>> + Send;
    /// The current payload of a view row.
    fn view_payload(
        &mut self,
        name: &str,
        id: &str,
    ) -> impl Future<Output = Result<Option<Value>, StoreError>> + Send;
    /// Writes a view row.
    fn upsert_view(
        &mut self,
        name: &str,
        id: &str,
        row: &ViewRow,
    ) -> impl Future<Output = Result<(), StoreError>> + Send;
    /// Queues `event` for `reactor` in the outbox.
    fn enqueue(
        &mut self,
        reactor: &str,
        event: &SerializedEvent,
    ) -> impl Future<Output = Result<(), StoreError>> + Send;
    /// Takes transaction-scoped locks on `keys` (sorted by the caller). PostgreSQL: advisory
    /// locks, released at commit or rollback. SQLite: nothing to do, `BEGIN IMMEDIATE` already
    /// holds the database's one write lock.
    fn lock_keys(&mut self, keys: &[String])
        -> impl Future<Output = Result<(), StoreError>> + Send;
    /// The payloads of the view rows `keys` that exist.
    fn read_rows(
        &mut self,
        keys: &[(String, String)],
    ) -> impl Future<Output = Result<HashMap<(String, String), Value>, StoreError>> + Send;
    /// The stream's newest snapshot: `(last_sequence, aggregate state)`.
    fn latest_snapshot(
        &mut self,
        kind: &str,
        id: &str,
    ) -> impl Future<Output = Result<Option<(u64, Value)>, StoreError>> + Send;
    /// Events of one stream after `after`, in sequence order.
    fn stream_events_after(
        &mut self,
        kind: &str,
        id: &str,
        after: u64,
    ) -> impl Future<Output = Result<Vec<SerializedEvent>, StoreError>> + Send;
    /// Replaces the stream's snapshot with `state` as of `sequence`.
    fn write_snapshot(
        &mut self,
        kind: &str,
        id: &str,
        sequence: u64,
        state: &Value,
    ) -> impl Future<Output = Result<(), StoreError>> + Send;
    /// Records an idempotency key; a unique violation means another request holds it.
    fn claim_idempotency(
        &mut self,
        claim: &IdempotencyClaim,
    ) -> impl Future<Output = Result<(), StoreError>> + Send;
}

/// Rewrites `$1`-style placeholders into SQLite's numbered `?1` form and drops the `::json` casts
/// PostgreSQL needs for JSON bound as text (SQLite stores JSON as text already).
pub(crate) fn sqlite_sql(sql: &str) -> String {
    sql.replace("::json", "").replace('$', "?")
}

const LAST_EVENT: &str = "SELECT sequence, metadata FROM events WHERE aggregate_type = $1 AND aggregate_id = $2 ORDER BY sequence DESC LIMIT 1";
const INSERT_EVENT: &str = "INSERT INTO events (aggregate_type, aggregate_id, sequence, event_type, event_version, payload, metadata) VALUES ($1, $2, $3, $4, $5, $6::json, $7::json)";
const VIEW_PAYLOAD: &str = "SELECT payload FROM views WHERE view_name = $1 AND view_id = $2";
const ENQUEUE: &str = "INSERT INTO outbox (reactor, aggregate_type, aggregate_id, sequence, enqueued_at) VALUES ($1, $2, $3, $4, $5) ON CONFLICT DO NOTHING";

/// Wall-clock milliseconds since the epoch: outbox timing is operational (leases, back-off,
/// age), not a fact of the ledger, so it does not follow the (possibly pinned) domain clock.
pub(crate) fn wall_millis() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_millis() as i64)
        .unwrap_or(0)
}
const UPSERT_VIEW: &str = "INSERT INTO views (view_name, view_id, version, status, owner, parent, sort_key, payload) VALUES ($1, $2, $3, $4, $5, $6, $7, $8::json) \
    ON CONFLICT (view_name, view_id) DO UPDATE SET version = excluded.version, status = excluded.status, owner = excluded.owner, parent = excluded.parent, sort_key = excluded.sort_key, payload = excluded.payload";

const STREAM_EVENTS: &str = "SELECT aggregate_type, aggregate_id, sequence, event_type, event_version, payload, metadata FROM events WHERE aggregate_type = $1 AND aggregate_id = $2 AND sequence > $3 ORDER BY sequence";
const LATEST_SNAPSHOT: &str = "SELECT last_sequence, payload FROM snapshots WHERE aggregate_type = $1 AND aggregate_id = $2 ORDER BY last_sequence DESC LIMIT 1";
const DROP_SNAPSHOTS: &str =
    "DELETE FROM snapshots WHERE aggregate_type = $1 AND aggregate_id = $2";
const INSERT_SNAPSHOT: &str = "INSERT INTO snapshots (aggregate_type, aggregate_id, last_sequence, current_snapshot, payload) VALUES ($1, $2, $3, $3, $4::json)";
const CLAIM_IDEMPOTENCY: &str = "INSERT INTO idempotency_keys (caller, idempotency_key, request_hash, created_at) VALUES ($1, $2, $3, $4)";
// Advisory locks in one statement, taken in the order of their 64-bit keys so that two commands
// needing overlapping sets never wait on each other in a cycle.
const LOCK_KEYS: &str = "SELECT pg_advisory_xact_lock(k) FROM (SELECT DISTINCT hashtextextended(key, 0) AS k FROM unnest($1::text[]) AS key ORDER BY 1) AS keys";
const READ_ROWS_PG: &str = "SELECT v.view_name, v.view_id, v.payload FROM views v JOIN unnest($1::text[], $2::text[]) AS k(n, i) ON v.view_name = k.n AND v.view_id = k.i";

fn last_of(row: Option<(i64, Value)>) -> Option<(u64, String)> {
    row.map(|(seq, meta)| {
        let hash = meta
            .get("hash")
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_string();
        (seq as u64, hash)
    })
}

impl Tx for Transaction<'_, Postgres> {
    async fn last_event(
        &mut self,
        kind: &str,
        id: &str,
    ) -> Result<Option<(u64, String)>, StoreError> {
        let row: Option<(i64, Value)> = sqlx::query_as(LAST_EVENT)
            .bind(kind)
            .bind(id)
            .fetch_optional(&mut **self)
            .await?;
        Ok(last_of(row))
    }

    async fn insert_event(&mut self, e: &SerializedEvent) -> Result<(), StoreError> {
        sqlx::query(INSERT_EVENT)
            .bind(&e.aggregate_type)
            .bind(&e.aggregate_id)
            .bind(e.sequence as i64)
            .bind(&e.event_type)
            .bind(&e.event_version)
            .bind(e.payload.to_string())
            .bind(e.metadata.to_string())
            .execute(&mut **self)
            .await?;
        Ok(())
    }

    async fn view_payload(&mut self, name: &str, id: &str) -> Result<Option<Value>, StoreError> {
        let row: Option<(Value,)> = sqlx::query_as(VIEW_PAYLOAD)
            .bind(name)
            .bind(id)
            .fetch_optional(&mut **self)
            .await?;
        Ok(row.map(|r| r.0))
    }

    async fn upsert_view(&mut self, name: &str, id: &str, row: &ViewRow) -> Result<(), StoreError> {
        sqlx::query(UPSERT_VIEW)
            .bind(name)
            .bind(id)
            .bind(row.version as i64)
            .bind(&row.index.status)
            .bind(&row.index.owner)
            .bind(&row.index.parent)
            .bind(&row.index.sort_key)
            .bind(row.payload.to_string())
            .execute(&mut **self)
            .await?;
        Ok(())
    }

    async fn enqueue(&mut self, reactor: &str, e: &SerializedEvent) -> Result<(), StoreError> {
        sqlx::query(ENQUEUE)
            .bind(reactor)
            .bind(&e.aggregate_type)
            .bind(&e.aggregate_id)
            .bind(e.sequence as i64)
            .bind(wall_millis())
            .execute(&mut **self)
            .await?;
        Ok(())
    }

    async fn lock_keys(&mut self, keys: &[String]) -> Result<(), StoreError> {
        if keys.is_empty() {
            return Ok(());
        }
        sqlx::query(LOCK_KEYS)
            .bind(keys)
            .execute(&mut **self)
            .await?;
        Ok(())
    }

    async fn read_rows(
        &mut self,
        keys: &[(String, String)],
    ) -> Result<HashMap<(String, String), Value>, StoreError> {
        if keys.is_empty() {
            return Ok(HashMap::new());
        }
        let names: Vec<&str> = keys.iter().map(|k| k.0.as_str()).collect();
        let ids: Vec<&str> = keys.iter().map(|k| k.1.as_str()).collect();
        let rows: Vec<(String, String, Value)> = sqlx::query_as(READ_ROWS_PG)
            .bind(names)
            .bind(ids)
            .fetch_all(&mut **self)
            .await?;
        Ok(rows.into_iter().map(|(n, i, v)| ((n, i), v)).collect())
    }

    async fn stream_events_after(
        &mut self,
        kind: &str,
        id: &str,
        after: u64,
    ) -> Result<Vec<SerializedEvent>, StoreError> {
        let rows: Vec<(String, String, i64, String, String, Value, Value)> =
            sqlx::query_as(STREAM_EVENTS)
                .bind(kind)
                .bind(id)
                .bind(after as i64)
                .fetch_all(&mut **self)
                .await?;
        Ok(rows
            .into_iter()
            .map(|(t, i, s, et, ev, p, m)| event_from_parts(t, i, s, et, ev, p, m))
            .collect())
    }

    async fn latest_snapshot(
        &mut self,
        kind: &str,
        id: &str,
    ) -> Result<Option<(u64, Value)>, StoreError> {
        let row: Option<(i64, Value)> = sqlx::query_as(LATEST_SNAPSHOT)
            .bind(kind)
            .bind(id)
            .fetch_optional(&mut **self)
            .await?;
        Ok(row.map(|(seq, v)| (seq.max(0) as u64, v)))
    }

    async fn write_snapshot(
        &mut self,
        kind: &str,
        id: &str,
        sequence: u64,
        state: &Value,
    ) -> Result<(), StoreError> {
        sqlx::query(DROP_SNAPSHOTS)
            .bind(kind)
            .bind(id)
            .execute(&mut **self)
            .await?;
        sqlx::query(INSERT_SNAPSHOT)
            .bind(kind)
            .bind(id)
            .bind(sequence as i64)
            .bind(state.to_string())
            .execute(&mut **self)
            .await?;
        Ok(())
    }

    async fn claim_idempotency(&mut self, c: &IdempotencyClaim) -> Result<(), StoreError> {
        sqlx::query(CLAIM_IDEMPOTENCY)
            .bind(&c.caller)
            .bind(&c.key)
            .bind(&c.request_hash)
            .bind(&c.created_at)
            .execute(&mut **self)
            .await?;
        Ok(())
    }
}

impl Tx for Transaction<'_, Sqlite> {
    async fn last_event(
        &mut self,
        kind: &str,
        id: &str,
    ) -> Result<Option<(u64, String)>, StoreError> {
        let row: Option<(i64, String)> = sqlx::query_as(&sqlite_sql(LAST_EVENT))
            .bind(kind)
            .bind(id)
            .fetch_optional(&mut **self)
            .await?;
        match row {
            Some((seq, meta)) => Ok(last_of(Some((seq, serde_json::from_str(&meta)?)))),
            None => Ok(None),
        }
    }

    async fn insert_event(&mut self, e: &SerializedEvent) -> Result<(), StoreError> {
        sqlx::query(&sqlite_sql(INSERT_EVENT))
            .bind(&e.aggregate_type)
            .bind(&e.aggregate_id)
            .bind(e.sequence as i64)
            .bind(&e.event_type)
            .bind(&e.event_version)
            .bind(e.payload.to_string())
            .bind(e.metadata.to_string())
            .execute(&mut **self)
            .await?;
        Ok(())
    }

    async fn view_payload(&mut self, name: &str, id: &str) -> Result<Option<Value>, StoreError> {
        let row: Option<(String,)> = sqlx::query_as(&sqlite_sql(VIEW_PAYLOAD))
            .bind(name)
            .bind(id)
            .fetch_optional(&mut **self)
            .await?;
        Ok(match row {
            Some((text,)) => Some(serde_json::from_str(&text)?),
            None => None,
        })
    }

    async fn upsert_view(&mut self, name: &str, id: &str, row: &ViewRow) -> Result<(), StoreError> {
        sqlx::query(&sqlite_sql(UPSERT_VIEW))
            .bind(name)
            .bind(id)
            .bind(row.version as i64)
            .bind(&row.index.status)
            .bind(&row.index.owner)
            .bind(&row.index.parent)
            .bind(&row.index.sort_key)
            .bind(row.payload.to_string())
            .execute(&mut **self)
            .await?;
        Ok(())
    }

    async fn enqueue(&mut self, reactor: &str, e: &SerializedEvent) -> Result<(), StoreError> {
        sqlx::query(&sqlite_sql(ENQUEUE))
            .bind(reactor)
            .bind(&e.aggregate_type)
            .bind(&e.aggregate_id)
            .bind(e.sequence as i64)
            .bind(wall_millis())
            .execute(&mut **self)
            .await?;
        Ok(())
    }

    async fn lock_keys(&mut self, _keys: &[String]) -> Result<(), StoreError> {
        Ok(())
    }

    async fn read_rows(
        &mut self,
        keys: &[(String, String)],
    ) -> Result<HashMap<(String, String), Value>, StoreError> {
        let mut found = HashMap::new();
        for (name, id) in keys {
            if let Some(v) = self.view_payload(name, id).await? {
                found.insert((name.clone(), id.clone()), v);
            }
        }
        Ok(found)
    }

    async fn latest_snapshot(
        &mut self,
        kind: &str,
        id: &str,
    ) -> Result<Option<(u64, Value)>, StoreError> {
        let row: Option<(i64, String)> = sqlx::query_as(&sqlite_sql(LATEST_SNAPSHOT))
            .bind(kind)
            .bind(id)
            .fetch_optional(&mut **self)
            .await?;
        match row {
            Some((seq, text)) => Ok(Some((seq.max(0) as u64, serde_json::from_str(&text)?))),
            None => Ok(None),
        }
    }

    async fn write_snapshot(
        &mut self,
        kind: &str,
        id: &str,
        sequence: u64,
        state: &Value,
    ) -> Result<(), StoreError> {
        sqlx::query(&sqlite_sql(DROP_SNAPSHOTS))
            .bind(kind)
            .bind(id)
            .execute(&mut **self)
            .await?;
        sqlx::query(&sqlite_sql(INSERT_SNAPSHOT))
            .bind(kind)
            .bind(id)
            .bind(sequence as i64)
            .bind(state.to_string())
            .execute(&mut **self)
            .await?;
        Ok(())
    }

    async fn stream_events_after(
        &mut self,
        kind: &str,
        id: &str,
        after: u64,
    ) -> Result<Vec<SerializedEvent>, StoreError> {
        let rows: Vec<(String, String, i64, String, String, String, String)> =
            sqlx::query_as(&sqlite_sql(STREAM_EVENTS))
                .bind(kind)
                .bind(id)
                .bind(after as i64)
                .fetch_all(&mut **self)
                .await?;
        rows.into_iter()
            .map(|(t, i, s, et, ev, p, m)| {
                Ok(event_from_parts(
                    t,
                    i,
                    s,
                    et,
                    ev,
                    serde_json::from_str(&p)?,
                    serde_json::from_str(&m)?,
                ))
            })
            .collect()
    }

    async fn claim_idempotency(&mut self, c: &IdempotencyClaim) -> Result<(), StoreError> {
        sqlx::query(&sqlite_sql(CLAIM_IDEMPOTENCY))
            .bind(&c.caller)
            .bind(&c.key)
            .bind(&c.request_hash)
            .bind(&c.created_at)
            .execute(&mut **self)
            .await?;
        Ok(())
    }
}

/// Why an append was refused before it reached the database.
#[derive(Debug, thiserror::Error)]
pub(crate) enum AppendError {
    /// Another command appended to the stream first.
    #[error("the stream moved on")]
    Conflict,
    /// The store failed.
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// Seals `events` onto their stream's chain and inserts them.
pub(crate) async fn append_events<T: Tx>(
    tx: &mut T,
    events: &mut [SerializedEvent],
) -> Result<(), AppendError> {
    let Some(first) = events.first() else {
        return Ok(());
    };
    let last = tx
        .last_event(&first.aggregate_type, &first.aggregate_id)
        .await?;
    let (mut expected, mut prev) = match last {
        Some((seq, hash)) => (seq + 1, hash),
        None => (1, chain::GENESIS.to_string()),
    };
    for event in events.iter_mut() {
        if event.sequence as u64 != expected {
            return Err(AppendError::Conflict);
        }
        chain::seal(event, &prev);
        prev = chain::recorded_hash(event).unwrap_or_default().to_string();
        tx.insert_event(event).await?;
        expected += 1;
    }
    crate::transparency::append_leaves(tx, events).await?;
    Ok(())
}

/// Queues every event some process manager subscribes to.
pub(crate) async fn enqueue_reactions<T: Tx>(
    tx: &mut T,
    subscriptions: &[Subscription],
    events: &[SerializedEvent],
) -> Result<usize, StoreError> {
    let mut queued = 0;
    for event in events {
        for sub in subscriptions
            .iter()
            .filter(|s| s.wants(&event.aggregate_type, &event.event_type))
        {
            tx.enqueue(sub.reactor, event).await?;
            queued += 1;
        }
    }
    Ok(queued)
}

/// Folds `events` into every view that listens to them and writes the changed rows.
pub(crate) async fn fold_into_views<T: Tx>(
    tx: &mut T,
    projectors: &[Arc<dyn Projector>],
    events: &[SerializedEvent],
    lock_rows: bool,
) -> Result<(), StoreError> {
    // Several streams may fold into one row (a ledger, a per-organisation list): lock every row
    // this command changes before reading it, so concurrent commands never overwrite each
    // other's fold (a lost update), then read them all at once.
    let mut keys: Vec<(String, String)> = Vec::new();
    for event in events {
        for projector in projectors
            .iter()
            .filter(|p| p.aggregate_type() == event.aggregate_type)
        {
            for id in projector.row_ids(event) {
                let key = (projector.view_name().to_string(), id);
                if !keys.contains(&key) {
                    keys.push(key);
                }
            }
        }
    }
    if keys.is_empty() {
        return Ok(());
    }
    if lock_rows {
        let mut locks: Vec<String> = keys.iter().map(|(n, i)| format!("view:{n}:{i}")).collect();
        locks.sort();
        tx.lock_keys(&locks).await?;
    }
    let mut stored = tx.read_rows(&keys).await?;
    let mut rows: HashMap<(&'static str, String), ViewRow> = HashMap::new();
    for event in events {
        for projector in projectors
            .iter()
            .filter(|p| p.aggregate_type() == event.aggregate_type)
        {
            for id in projector.row_ids(event) {
                let key = (projector.view_name(), id);
                let current = match rows.get(&key) {
                    Some(row) => Some(row.payload.clone()),
                    None => stored.remove(&(key.0.to_string(), key.1.clone())),
                };
                let row = projector.project_row(&key.1, current, event)?;
                rows.insert(key, row);
            }
        }
    }
    for ((name, id), row) in &rows {
        tx.upsert_view(name, id, row).await?;
    }
    Ok(())
}

/// The view rows `events` fold into that `rows` does not hold but an earlier flush of the
/// rebuild wrote (`written` names them), read back inside the rebuild's transaction.
pub(crate) async fn load_flushed<T: Tx>(
    tx: &mut T,
    projectors: &[Arc<dyn Projector>],
    events: &[SerializedEvent],
    rows: &HashMap<(&'static str, String), ViewRow>,
    written: &std::collections::HashSet<(&'static str, String)>,
) -> Result<HashMap<(String, String), Value>, StoreError> {
    let mut missing = Vec::new();
    let mut seen = std::collections::HashSet::new();
    for event in events {
        for projector in projectors
            .iter()
            .filter(|p| p.aggregate_type() == event.aggregate_type)
        {
            for id in projector.row_ids(event) {
                let key = (projector.view_name(), id);
                if !rows.contains_key(&key) && written.contains(&key) && seen.insert(key.clone()) {
                    missing.push((key.0.to_string(), key.1));
                }
            }
        }
    }
    if missing.is_empty() {
        return Ok(HashMap::new());
    }
    tx.read_rows(&missing).await
}

/// Folds `events` into `rows`, the rebuild's in-memory rows, starting a row not held there from
/// what `flushed` read back (or from nothing).
pub(crate) fn fold_in_memory(
    projectors: &[Arc<dyn Projector>],
    events: &[SerializedEvent],
    rows: &mut HashMap<(&'static str, String), ViewRow>,
    flushed: &mut HashMap<(String, String), Value>,
) -> Result<(), StoreError> {
    // Each row's events of the batch, in order, with the projector that folds each; rows are
    // independent of one another, so a row's events are folded together, decoding and encoding
    // the row once per batch rather than once per event.
    let mut per_row: HashMap<(&'static str, String), Vec<(usize, &SerializedEvent)>> =
        HashMap::new();
    for event in events {
        for (p, projector) in projectors
            .iter()
            .enumerate()
            .filter(|(_, p)| p.aggregate_type() == event.aggregate_type)
        {
            for id in projector.row_ids(event) {
                per_row
                    .entry((projector.view_name(), id))
                    .or_default()
                    .push((p, event));
            }
        }
    }
    for (key, folds) in per_row {
        let mut start = match rows.remove(&key) {
            Some(row) => Some(row.payload),
            None => flushed.remove(&(key.0.to_string(), key.1.clone())),
        };
        let mut current: Option<ViewRow> = None;
        // Runs of the same projector go in one call (a row fed by two projectors interleaves);
        // each run starts from what the previous one left.
        for run in folds.chunk_by(|a, b| a.0 == b.0) {
            let projector = &projectors[run[0].0];
            let run_events: Vec<&SerializedEvent> = run.iter().map(|(_, e)| *e).collect();
            let payload = current
                .take()
                .map(|row| row.payload)
                .or_else(|| start.take());
            current = projector.project_many(&key.1, payload, &run_events)?;
        }
        if let Some(row) = current {
            rows.insert(key, row);
        }
    }
    Ok(())
}

/// Rows written per multi-row statement by the rebuild.
const ROWS_PER_STATEMENT: usize = 500;

/// Writes the rebuild's rows in multi-row statements (PostgreSQL: arrays through `UNNEST`).
pub(crate) async fn write_rows_pg(
    tx: &mut Transaction<'_, Postgres>,
    rows: &HashMap<(&'static str, String), ViewRow>,
) -> Result<(), StoreError> {
    const SQL: &str = "INSERT INTO views (view_name, view_id, version, status, owner, parent, sort_key, payload) \
        SELECT n, i, v, s, o, p, k, j::json FROM UNNEST($1::text[], $2::text[], $3::bigint[], $4::text[], $5::text[], $6::text[], $7::text[], $8::text[]) AS t(n, i, v, s, o, p, k, j) \
        ON CONFLICT (view_name, view_id) DO UPDATE SET version = excluded.version, status = excluded.status, owner = excluded.owner, parent = excluded.parent, sort_key = excluded.sort_key, payload = excluded.payload";
    let all: Vec<_> = rows.iter().collect();
    for chunk in all.chunks(ROWS_PER_STATEMENT) {
        let names: Vec<&str> = chunk.iter().map(|((n, _), _)| *n).collect();
        let ids: Vec<&str> = chunk.iter().map(|((_, i), _)| i.as_str()).collect();
        let versions: Vec<i64> = chunk.iter().map(|(_, r)| r.version as i64).collect();
        let statuses: Vec<Option<&str>> = chunk
            .iter()
            .map(|(_, r)| r.index.status.as_deref())
            .collect();
        let owners: Vec<Option<&str>> = chunk
            .iter()
            .map(|(_, r)| r.index.owner.as_deref())
            .collect();
        let parents: Vec<Option<&str>> = chunk
            .iter()
            .map(|(_, r)| r.index.parent.as_deref())
            .collect();
        let keys: Vec<&str> = chunk
            .iter()
            .map(|(_, r)| r.index.sort_key.as_str())
            .collect();
        let payloads: Vec<String> = chunk.iter().map(|(_, r)| r.payload.to_string()).collect();
        sqlx::query(SQL)
            .bind(names)
            .bind(ids)
            .bind(versions)
            .bind(statuses)
            .bind(owners)
            .bind(parents)
            .bind(keys)
            .bind(payloads)
            .execute(&mut **tx)
            .await?;
    }
    Ok(())
}

/// Writes the rebuild's rows in multi-row statements (SQLite: one `VALUES` list per chunk).
pub(crate) async fn write_rows_sqlite(
    tx: &mut Transaction<'_, Sqlite>,
    rows: &HashMap<(&'static str, String), ViewRow>,
) -> Result<(), StoreError> {
    let all: Vec<_> = rows.iter().collect();
    for chunk in all.chunks(ROWS_PER_STATEMENT) {
        let mut sql = String::from(
            "INSERT INTO views (view_name, view_id, version, status, owner, parent, sort_key, payload) VALUES ",
        );
        for n in 0..chunk.len() {
            let b = n * 8;
            if n > 0 {
                sql.push(',');
            }
            sql.push_str(&format!(
                "(?{}, ?{}, ?{}, ?{}, ?{}, ?{}, ?{}, ?{})",
                b + 1,
                b + 2,
                b + 3,
                b + 4,
                b + 5,
                b + 6,
                b + 7,
                b + 8
            ));
        }
        sql.push_str(
            " ON CONFLICT (view_name, view_id) DO UPDATE SET version = excluded.version, status = excluded.status, owner = excluded.owner, parent = excluded.parent, sort_key = excluded.sort_key, payload = excluded.payload",
        );
        let mut q = sqlx::query(&sql);
        for ((name, id), row) in chunk {
            q = q
                .bind(*name)
                .bind(id.as_str())
                .bind(row.version as i64)
                .bind(row.index.status.as_deref())
                .bind(row.index.owner.as_deref())
                .bind(row.index.parent.as_deref())
                .bind(row.index.sort_key.as_str())
                .bind(row.payload.to_string());
        }
        q.execute(&mut **tx).await?;
    }
    Ok(())
}
