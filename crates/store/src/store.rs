use std::collections::HashMap;
use std::sync::Arc;

use cqrs_es::persist::SerializedEvent;
use cqrs_es::Aggregate;
use projections::{Cursor, ListQuery, Page, Projector, Subscription};
use serde::Serialize;
use serde_json::Value;
use sqlx::Row;

use crate::chain::{self, Verdict};
use crate::tx::{fold_in_memory, load_flushed, sqlite_sql, write_rows_pg, write_rows_sqlite};
use crate::{Db, LedgerRepository, StoreError};

use crate::command::Cqrs;

/// A stream's address: its aggregate type and id.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct StreamId {
    /// Aggregate type, e.g. `challenge`.
    pub aggregate_type: String,
    /// Aggregate id.
    pub aggregate_id: String,
}

/// One line of the audit access log.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AccessEntry {
    /// Position in the log.
    pub id: i64,
    /// When (RFC 3339).
    pub accessed_at: String,
    /// Who.
    pub actor_sub: String,
    /// With which roles.
    pub actor_roles: String,
    /// The request id.
    pub request_id: String,
    /// What kind of read.
    pub action: String,
    /// What was read.
    pub target: String,
}

/// An outbox row waiting for its process manager.
#[derive(Debug, Clone)]
pub struct PendingReaction {
    /// Outbox row id.
    pub id: i64,
    /// The reactor to run.
    pub reactor: String,
    /// How often it was tried before.
    pub attempts: i32,
    /// The causing event.
    pub event: SerializedEvent,
}

/// A reaction is given up (left in the outbox for an operator) after this many failures.
pub const MAX_REACTION_ATTEMPTS: i32 = 5;

/// The database with grantledger's views and repositories on top.
#[derive(Clone)]
pub struct Store {
    db: Db,
    pub(crate) projectors: Arc<[Arc<dyn Projector>]>,
    pub(crate) subscriptions: Arc<[Subscription]>,
    snapshots: SnapshotPolicy,
    rebuild_batch: i64,
    rebuild_rows: usize,
    /// SQLite has one writer at a time: commands of this process queue here for it instead of
    /// sleeping in SQLite's busy handler between retries.
    pub(crate) sqlite_writer: Arc<tokio::sync::Mutex<()>>,
}

/// How often a stream's state is snapshotted: every `default` events, or per aggregate type.
#[derive(Debug, Clone)]
struct SnapshotPolicy {
    default: u64,
    by_type: Arc<std::collections::HashMap<String, u64>>,
}

/// Events read per batch by [`Store::rebuild_projections`].
pub const REBUILD_BATCH: i64 = 2_000;

/// View rows a rebuild holds in memory before it writes them out (and reads back any it needs).
pub const REBUILD_ROWS: usize = 5_000;

/// Streams are snapshotted every this many events unless configured otherwise.
pub const DEFAULT_SNAPSHOT_INTERVAL: u64 = 100;

const EVENT_COLUMNS: &str =
    "aggregate_type, aggregate_id, sequence, event_type, event_version, payload, metadata";

pub(crate) fn event_from_parts(
    aggregate_type: String,
    aggregate_id: String,
    sequence: i64,
    event_type: String,
    event_version: String,
    payload: Value,
    metadata: Value,
) -> SerializedEvent {
    SerializedEvent::new(
        aggregate_id,
        sequence.max(0) as usize,
        aggregate_type,
        event_type,
        event_version,
        payload,
        metadata,
    )
}

pub(crate) fn pg_event(row: &sqlx::postgres::PgRow) -> Result<SerializedEvent, StoreError> {
    Ok(event_from_parts(
        row.try_get("aggregate_type")?,
        row.try_get("aggregate_id")?,
        row.try_get("sequence")?,
        row.try_get("event_type")?,
        row.try_get("event_version")?,
        row.try_get("payload")?,
        row.try_get("metadata")?,
    ))
}

pub(crate) fn sqlite_event(row: &sqlx::sqlite::SqliteRow) -> Result<SerializedEvent, StoreError> {
    let payload: String = row.try_get("payload")?;
    let metadata: String = row.try_get("metadata")?;
    Ok(event_from_parts(
        row.try_get("aggregate_type")?,
        row.try_get("aggregate_id")?,
        row.try_get("sequence")?,
        row.try_get("event_type")?,
        row.try_get("event_version")?,
        serde_json::from_str(&payload)?,
        serde_json::from_str(&metadata)?,
    ))
}

impl Store {
    /// A store over `db` keeping `projectors` inline. No event is queued for a process manager
    /// until the application hands the store its subscriptions ([`Store::with_subscriptions`]).
    pub fn new(db: Db, projectors: Vec<Arc<dyn Projector>>) -> Store {
        Store {
            db,
            projectors: projectors.into(),
            subscriptions: Arc::from(Vec::new()),
            snapshots: SnapshotPolicy {
                default: DEFAULT_SNAPSHOT_INTERVAL,
                by_type: Arc::new(std::collections::HashMap::new()),
            },
            rebuild_batch: REBUILD_BATCH,
            rebuild_rows: REBUILD_ROWS,
            sqlite_writer: Arc::new(tokio::sync::Mutex::new(())),
        }
    }

    /// The same store queueing, in each event's transaction, an outbox row for every one of
    /// `subscriptions` that wants the event.
    pub fn with_subscriptions(self, subscriptions: Vec<Subscription>) -> Store {
        Store {
            subscriptions: subscriptions.into(),
            ..self
        }
    }

    /// The same store snapshotting every `every` events (0: never), for every aggregate type
    /// without its own interval.
    pub fn with_snapshot_interval(mut self, every: u64) -> Store {
        self.snapshots.default = every;
        self
    }

    /// The same store snapshotting streams of `aggregate_type` every `every` events (0: never).
    pub fn with_snapshot_interval_for(mut self, aggregate_type: &str, every: u64) -> Store {
        let mut by_type = (*self.snapshots.by_type).clone();
        by_type.insert(aggregate_type.to_string(), every);
        self.snapshots.by_type = Arc::new(by_type);
        self
    }

    /// The same store whose rebuild writes its rows out once it holds `rows` of them (tests use
    /// a handful, to exercise reading rows back).
    pub fn with_rebuild_rows(mut self, rows: usize) -> Store {
        self.rebuild_rows = rows.max(1);
        self
    }

    /// The same store rebuilding views `events` events at a time (tests use small batches).
    pub fn with_rebuild_batch(mut self, events: i64) -> Store {
        self.rebuild_batch = events.max(1);
        self
    }

    /// The snapshot interval of `aggregate_type`.
    pub fn snapshot_interval(&self, aggregate_type: &str) -> u64 {
        self.snapshots
            .by_type
            .get(aggregate_type)
            .copied()
            .unwrap_or(self.snapshots.default)
    }

    /// The database.
    pub fn db(&self) -> &Db {
        &self.db
    }

    /// The repository cqrs-es persists through.
    pub fn repository(&self) -> LedgerRepository {
        LedgerRepository::new(
            self.db.clone(),
            self.projectors.clone(),
            self.subscriptions.clone(),
        )
    }

    /// The command side for aggregate `A`, with its services.
    pub fn cqrs<A: Aggregate>(&self, services: A::Services) -> Cqrs<A> {
        Cqrs::new(self.clone(), services)
    }

    /// A view row's document.
    pub async fn view(&self, name: &str, id: &str) -> Result<Option<Value>, StoreError> {
        const SQL: &str = "SELECT payload FROM views WHERE view_name = $1 AND view_id = $2";
        match &self.db {
            Db::Postgres(pool) => {
                let row: Option<(Value,)> = sqlx::query_as(SQL)
                    .bind(name)
                    .bind(id)
                    .fetch_optional(pool)
                    .await?;
                Ok(row.map(|r| r.0))
            }
            Db::Sqlite(pool) => {
                let row: Option<(String,)> = sqlx::query_as(&sqlite_sql(SQL))
                    .bind(name)
                    .bind(id)
                    .fetch_optional(pool)
                    .await?;
                Ok(match row {
                    Some((text,)) => Some(serde_json::from_str(&text)?),
                    None => None,
                })
            }
        }
    }

    /// One page of a view's rows, in `sort_key` order.
    pub async fn list(&self, name: &str, query: &ListQuery) -> Result<Page<Value>, StoreError> {
        let mut sql =
            String::from("SELECT view_id, sort_key, payload FROM views WHERE view_name = $1");
        let mut args: Vec<String> = vec![name.to_string()];
        let mut filter = |column: &str, value: &Option<String>, args: &mut Vec<String>| {
            if let Some(v) = value {
                args.push(v.clone());
                sql.push_str(&format!(" AND {column} = ${}", args.len()));
            }
        };
        filter("status", &query.status, &mut args);
        filter("owner", &query.owner, &mut args);
        filter("parent", &query.parent, &mut args);
        if let Some(v) = &query.exclude_status {
            args.push(v.clone());
            sql.push_str(&format!(
                " AND (status IS NULL OR status <> ${})",
                args.len()
            ));
        }
        if let Some(after) = &query.after {
            args.push(after.sort_key.clone());
            args.push(after.id.clone());
            sql.push_str(&format!(
                " AND (sort_key > ${0} OR (sort_key = ${0} AND view_id > ${1}))",
                args.len() - 1,
                args.len()
            ));
        }
        let limit = query.limit.clamp(1, projections::MAX_PAGE);
        sql.push_str(&format!(" ORDER BY sort_key, view_id LIMIT {}", limit + 1));
        let mut rows: Vec<(String, String, Value)> = match &self.db {
            Db::Postgres(pool) => {
                let mut q = sqlx::query_as::<_, (String, String, Value)>(&sql);
                for a in &args {
                    q = q.bind(a);
                }
                q.fetch_all(pool).await?
            }
            Db::Sqlite(pool) => {
                let sql = sqlite_sql(&sql);
                let mut q = sqlx::query_as::<_, (String, String, String)>(&sql);
                for a in &args {
                    q = q.bind(a);
                }
                let raw = q.fetch_all(pool).await?;
                let mut out = Vec::with_capacity(raw.len());
                for (id, key, text) in raw {
                    out.push((id, key, serde_json::from_str(&text)?));
                }
                out
            }
        };
        let next_cursor = if rows.len() > limit as usize {
            rows.truncate(limit as usize);
            rows.last().map(|(id, key, _)| {
                Cursor {
                    sort_key: key.clone(),
                    id: id.clone(),
                }
                .encode()
            })
        } else {
            None
        };
        Ok(Page {
            items: rows.into_iter().map(|(_, _, v)| v).collect(),
            next_cursor,
        })
    }

    /// The last sequence of a stream, `None` when it has no events.
    pub async fn stream_version(&self, kind: &str, id: &str) -> Result<Option<u64>, StoreError> {
        const SQL: &str =
            "SELECT MAX(sequence) FROM events WHERE aggregate_type = $1 AND aggregate_id = $2";
        let max: Option<i64> = match &self.db {
            Db::Postgres(pool) => {
                sqlx::query_scalar(SQL)
                    .bind(kind)
                    .bind(id)
                    .fetch_one(pool)
                    .await?
            }
            Db::Sqlite(pool) => {
                sqlx::query_scalar(&sqlite_sql(SQL))
                    .bind(kind)
                    .bind(id)
                    .fetch_one(pool)
                    .await?
            }
        };
        Ok(max.map(|m| m.max(0) as u64))
    }

    /// Events of one stream with `sequence > after`, at most `limit` (all when `None`).
    pub async fn events(
        &self,
        kind: &str,
        id: &str,
        after: u64,
        limit: Option<u32>,
    ) -> Result<Vec<SerializedEvent>, StoreError> {
        self.events_where(kind, id, after, None, limit).await
    }

    /// Events of one type in one stream with `sequence > after`, at most `limit`: a page of a
    /// history the views keep only the latest of (for example a call's amendments).
    pub async fn events_of_type(
        &self,
        kind: &str,
        id: &str,
        event_type: &str,
        after: u64,
        limit: u32,
    ) -> Result<Vec<SerializedEvent>, StoreError> {
        self.events_where(kind, id, after, Some(event_type), Some(limit))
            .await
    }

    async fn events_where(
        &self,
        kind: &str,
        id: &str,
        after: u64,
        event_type: Option<&str>,
        limit: Option<u32>,
    ) -> Result<Vec<SerializedEvent>, StoreError> {
        let of_type = if event_type.is_some() {
            " AND event_type = $4"
        } else {
            ""
        };
        let limit = limit.map(|l| format!(" LIMIT {l}")).unwrap_or_default();
        let sql = format!(
            "SELECT {EVENT_COLUMNS} FROM events WHERE aggregate_type = $1 AND aggregate_id = $2 AND sequence > $3{of_type} ORDER BY sequence{limit}"
        );
        match &self.db {
            Db::Postgres(pool) => {
                let mut query = sqlx::query(&sql).bind(kind).bind(id).bind(after as i64);
                if let Some(t) = event_type {
                    query = query.bind(t);
                }
                let rows = query.fetch_all(pool).await?;
                rows.iter().map(pg_event).collect()
            }
            Db::Sqlite(pool) => {
                let sql = sqlite_sql(&sql);
                let mut query = sqlx::query(&sql).bind(kind).bind(id).bind(after as i64);
                if let Some(t) = event_type {
                    query = query.bind(t);
                }
                let rows = query.fetch_all(pool).await?;
                rows.iter().map(sqlite_event).collect()
            }
        }
    }

    /// Every stream that has events, in (type, id) order.
    pub async fn streams(&self) -> Result<Vec<StreamId>, StoreError> {
        const SQL: &str = "SELECT DISTINCT aggregate_type, aggregate_id FROM events ORDER BY aggregate_type, aggregate_id";
        let rows: Vec<(String, String)> = match &self.db {
            Db::Postgres(pool) => sqlx::query_as(SQL).fetch_all(pool).await?,
            Db::Sqlite(pool) => sqlx::query_as(SQL).fetch_all(pool).await?,
        };
        Ok(rows
            .into_iter()
            .map(|(aggregate_type, aggregate_id)| StreamId {
                aggregate_type,
                aggregate_id,
            })
            .collect())
    }

    /// Checks one stream's hash chain.
    pub async fn verify_stream(&self, kind: &str, id: &str) -> Result<Verdict, StoreError> {
        Ok(chain::verify(&self.events(kind, id, 0, None).await?))
    }

    /// Drops every view row and folds all events again, in commit order, in one transaction.
    ///
    /// Events are read in batches (by default [`REBUILD_BATCH`]) in commit order and folded in
    /// memory; once more than [`REBUILD_ROWS`] rows are held they are written (multi-row upserts,
    /// in the same transaction) and dropped, and a row needed again is read back. Memory is
    /// bounded by that many rows, the keys of the rows written, and one batch, whatever the
    /// number of events.
    pub async fn rebuild_projections(&self) -> Result<usize, StoreError> {
        let mut rows = HashMap::new();
        let mut total = 0usize;
        let mut after = 0i64;
        // The keys of rows written out so far (keys only: the rows themselves left memory).
        let mut written = std::collections::HashSet::new();
        let limit = self.rebuild_rows;
        match &self.db {
            Db::Postgres(pool) => {
                let mut tx = pool.begin().await?;
                sqlx::query("DELETE FROM views").execute(&mut *tx).await?;
                let sql = format!(
                    "SELECT position AS pos, {EVENT_COLUMNS} FROM events WHERE position > $1 ORDER BY position LIMIT {}",
                    self.rebuild_batch
                );
                loop {
                    let batch = sqlx::query(&sql).bind(after).fetch_all(&mut *tx).await?;
                    let Some(last) = batch.last() else { break };
                    after = last.try_get("pos")?;
                    let events = batch.iter().map(pg_event).collect::<Result<Vec<_>, _>>()?;
                    drop(batch);
                    total += events.len();
                    let mut flushed =
                        load_flushed(&mut tx, &self.projectors, &events, &rows, &written).await?;
                    fold_in_memory(&self.projectors, &events, &mut rows, &mut flushed)?;
                    if rows.len() >= limit {
                        write_rows_pg(&mut tx, &rows).await?;
                        written.extend(rows.drain().map(|(key, _)| key));
                    }
                }
                write_rows_pg(&mut tx, &rows).await?;
                tx.commit().await?;
            }
            Db::Sqlite(pool) => {
                let mut tx = pool.begin_with("BEGIN IMMEDIATE").await?;
                sqlx::query("DELETE FROM views").execute(&mut *tx).await?;
                let sql = format!(
                    "SELECT rowid AS pos, {EVENT_COLUMNS} FROM events WHERE rowid > ?1 ORDER BY rowid LIMIT {}",
                    self.rebuild_batch
                );
                loop {
                    let batch = sqlx::query(&sql).bind(after).fetch_all(&mut *tx).await?;
                    let Some(last) = batch.last() else { break };
                    after = last.try_get("pos")?;
                    let events = batch
                        .iter()
                        .map(sqlite_event)
                        .collect::<Result<Vec<_>, _>>()?;
                    drop(batch);
                    total += events.len();
                    let mut flushed =
                        load_flushed(&mut tx, &self.projectors, &events, &rows, &written).await?;
                    fold_in_memory(&self.projectors, &events, &mut rows, &mut flushed)?;
                    if rows.len() >= limit {
                        write_rows_sqlite(&mut tx, &rows).await?;
                        written.extend(rows.drain().map(|(key, _)| key));
                    }
                }
                write_rows_sqlite(&mut tx, &rows).await?;
                tx.commit().await?;
            }
        }
        Ok(total)
    }

    /// Every view row as `(view_name, view_id, version, payload)`, for comparisons.
    pub async fn dump_views(&self) -> Result<Vec<(String, String, i64, Value)>, StoreError> {
        const SQL: &str =
            "SELECT view_name, view_id, version, payload FROM views ORDER BY view_name, view_id";
        match &self.db {
            Db::Postgres(pool) => Ok(sqlx::query_as(SQL).fetch_all(pool).await?),
            Db::Sqlite(pool) => {
                let rows: Vec<(String, String, i64, String)> =
                    sqlx::query_as(SQL).fetch_all(pool).await?;
                rows.into_iter()
                    .map(|(n, i, v, p)| Ok((n, i, v, serde_json::from_str(&p)?)))
                    .collect()
            }
        }
    }

    /// Appends a line to the audit access log.
    pub async fn log_access(
        &self,
        accessed_at: &str,
        actor_sub: &str,
        actor_roles: &str,
        request_id: &str,
        action: &str,
        target: &str,
    ) -> Result<(), StoreError> {
        const SQL: &str = "INSERT INTO audit_access_log (accessed_at, actor_sub, actor_roles, request_id, action, target) VALUES ($1, $2, $3, $4, $5, $6)";
        let args = [
            accessed_at,
            actor_sub,
            actor_roles,
            request_id,
            action,
            target,
        ];
        match &self.db {
            Db::Postgres(pool) => {
                let mut q = sqlx::query(SQL);
                for a in args {
                    q = q.bind(a);
                }
                q.execute(pool).await?;
            }
            Db::Sqlite(pool) => {
                let sql = sqlite_sql(SQL);
                let mut q = sqlx::query(&sql);
                for a in args {
                    q = q.bind(a);
                }
                q.execute(pool).await?;
            }
        }
        Ok(())
    }

    /// The access log after position `after`, oldest first, at most `limit` lines.
    pub async fn access_log(&self, after: i64, limit: u32) -> Result<Vec<AccessEntry>, StoreError> {
        let sql = format!("SELECT id, accessed_at, actor_sub, actor_roles, request_id, action, target FROM audit_access_log WHERE id > $1 ORDER BY id LIMIT {limit}");
        type Line = (i64, String, String, String, String, String, String);
        let rows: Vec<Line> = match &self.db {
            Db::Postgres(pool) => sqlx::query_as(&sql).bind(after).fetch_all(pool).await?,
            Db::Sqlite(pool) => {
                sqlx::query_as(&sqlite_sql(&sql))
                    .bind(after)
                    .fetch_all(pool)
                    .await?
            }
        };
        Ok(rows
            .into_iter()
            .map(
                |(id, accessed_at, actor_sub, actor_roles, request_id, action, target)| {
                    AccessEntry {
                        id,
                        accessed_at,
                        actor_sub,
                        actor_roles,
                        request_id,
                        action,
                        target,
                    }
                },
            )
            .collect())
    }

    /// Outbox rows after `after_id` that have not failed too often, oldest first, with their events.
    pub async fn pending_reactions(
        &self,
        after_id: i64,
        limit: u32,
    ) -> Result<Vec<PendingReaction>, StoreError> {
        let sql = format!(
            "SELECT o.id AS outbox_id, o.reactor, o.attempts, e.aggregate_type, e.aggregate_id, e.sequence, e.event_type, e.event_version, e.payload, e.metadata \
             FROM outbox o JOIN events e ON e.aggregate_type = o.aggregate_type AND e.aggregate_id = o.aggregate_id AND e.sequence = o.sequence \
             WHERE o.id > $1 AND o.attempts < {MAX_REACTION_ATTEMPTS} ORDER BY o.id LIMIT {limit}"
        );
        match &self.db {
            Db::Postgres(pool) => {
                let rows = sqlx::query(&sql).bind(after_id).fetch_all(pool).await?;
                rows.iter()
                    .map(|r| {
                        Ok(PendingReaction {
                            id: r.try_get("outbox_id")?,
                            reactor: r.try_get("reactor")?,
                            attempts: r.try_get("attempts")?,
                            event: pg_event(r)?,
                        })
                    })
                    .collect()
            }
            Db::Sqlite(pool) => {
                let rows = sqlx::query(&sqlite_sql(&sql))
                    .bind(after_id)
                    .fetch_all(pool)
                    .await?;
                rows.iter()
                    .map(|r| {
                        Ok(PendingReaction {
                            id: r.try_get("outbox_id")?,
                            reactor: r.try_get("reactor")?,
                            attempts: r.try_get("attempts")?,
                            event: sqlite_event(r)?,
                        })
                    })
                    .collect()
            }
        }
    }

    /// Removes a reaction that has run.
    pub async fn complete_reaction(&self, id: i64) -> Result<(), StoreError> {
        const SQL: &str = "DELETE FROM outbox WHERE id = $1";
        match &self.db {
            Db::Postgres(pool) => sqlx::query(SQL)
                .bind(id)
                .execute(pool)
                .await?
                .rows_affected(),
            Db::Sqlite(pool) => sqlx::query(&sqlite_sql(SQL))
                .bind(id)
                .execute(pool)
                .await?
                .rows_affected(),
        };
        Ok(())
    }

    /// Records a failed attempt of a reaction; it is retried until [`MAX_REACTION_ATTEMPTS`].
    pub async fn fail_reaction(&self, id: i64, error: &str) -> Result<(), StoreError> {
        const SQL: &str =
            "UPDATE outbox SET attempts = attempts + 1, last_error = $2 WHERE id = $1";
        match &self.db {
            Db::Postgres(pool) => sqlx::query(SQL)
                .bind(id)
                .bind(error)
                .execute(pool)
                .await?
                .rows_affected(),
            Db::Sqlite(pool) => sqlx::query(&sqlite_sql(SQL))
                .bind(id)
                .bind(error)
                .execute(pool)
                .await?
                .rows_affected(),
        };
        Ok(())
    }

    /// How many reactions are waiting (including given-up ones).
    pub async fn outbox_len(&self) -> Result<i64, StoreError> {
        const SQL: &str = "SELECT COUNT(*) FROM outbox";
        Ok(match &self.db {
            Db::Postgres(pool) => sqlx::query_scalar(SQL).fetch_one(pool).await?,
            Db::Sqlite(pool) => sqlx::query_scalar(SQL).fetch_one(pool).await?,
        })
    }
}
