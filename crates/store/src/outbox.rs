//! The outbox's operational side: leases so several server processes drain it without running a
//! reaction twice at once, back-off for transient failures, parking for refusals, and the
//! idempotency-key responses.

use sqlx::Row;

use crate::store::{pg_event, sqlite_event};
use crate::tx::{sqlite_sql, wall_millis};
use crate::{Db, PendingReaction, Store, StoreError};

/// A stored response to a request that carried an `Idempotency-Key`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IdempotentRecord {
    /// SHA-256 of the first request's method, path and body.
    pub request_hash: String,
    /// The first response, once known: status, headers (JSON object of strings) and body.
    pub response: Option<(u16, String, String)>,
}

/// The outbox's state, for metrics and health.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct OutboxStats {
    /// Rows waiting to run (not parked).
    pub waiting: i64,
    /// Rows parked on the attention list.
    pub parked: i64,
    /// Age in milliseconds of the oldest waiting row (0 when none).
    pub oldest_age_ms: i64,
}

const LEASE_PG: &str = "UPDATE outbox SET leased_until = $1 WHERE id IN (\
     SELECT id FROM outbox WHERE NOT parked AND leased_until < $2 AND next_attempt_at <= $2 \
     ORDER BY id LIMIT $3 FOR UPDATE SKIP LOCKED) RETURNING id";
const LEASE_SQLITE: &str = "UPDATE outbox SET leased_until = ?1 WHERE id IN (\
     SELECT id FROM outbox WHERE parked = 0 AND leased_until < ?2 AND next_attempt_at <= ?2 \
     ORDER BY id LIMIT ?3) RETURNING id";
const LEASED_ROWS: &str = "SELECT o.id AS outbox_id, o.reactor, o.attempts, e.aggregate_type, e.aggregate_id, e.sequence, e.event_type, e.event_version, e.payload, e.metadata \
     FROM outbox o JOIN events e ON e.aggregate_type = o.aggregate_type AND e.aggregate_id = o.aggregate_id AND e.sequence = o.sequence \
     WHERE o.id = $1";

impl Store {
    /// Leases up to `limit` runnable outbox rows for `lease_ms` and returns them with their
    /// events, oldest first. A leased row is invisible to every other drain until the lease
    /// ends, so no reaction runs twice at once, even across server processes.
    pub async fn lease_reactions(
        &self,
        limit: u32,
        lease_ms: i64,
    ) -> Result<Vec<PendingReaction>, StoreError> {
        let now = wall_millis();
        let mut ids: Vec<i64> = match self.db() {
            Db::Postgres(pool) => {
                sqlx::query_scalar(LEASE_PG)
                    .bind(now + lease_ms)
                    .bind(now)
                    .bind(i64::from(limit))
                    .fetch_all(pool)
                    .await?
            }
            Db::Sqlite(pool) => {
                sqlx::query_scalar(LEASE_SQLITE)
                    .bind(now + lease_ms)
                    .bind(now)
                    .bind(i64::from(limit))
                    .fetch_all(pool)
                    .await?
            }
        };
        ids.sort_unstable();
        let mut leased = Vec::with_capacity(ids.len());
        for id in ids {
            let pending = match self.db() {
                Db::Postgres(pool) => {
                    let row = sqlx::query(LEASED_ROWS)
                        .bind(id)
                        .fetch_optional(pool)
                        .await?;
                    row.map(|r| -> Result<PendingReaction, StoreError> {
                        Ok(PendingReaction {
                            id: r.try_get("outbox_id")?,
                            reactor: r.try_get("reactor")?,
                            attempts: r.try_get("attempts")?,
                            event: pg_event(&r)?,
                        })
                    })
                }
                Db::Sqlite(pool) => {
                    let row = sqlx::query(&sqlite_sql(LEASED_ROWS))
                        .bind(id)
                        .fetch_optional(pool)
                        .await?;
                    row.map(|r| -> Result<PendingReaction, StoreError> {
                        Ok(PendingReaction {
                            id: r.try_get("outbox_id")?,
                            reactor: r.try_get("reactor")?,
                            attempts: r.try_get("attempts")?,
                            event: sqlite_event(&r)?,
                        })
                    })
                }
            };
            if let Some(p) = pending {
                leased.push(p?);
            }
        }
        Ok(leased)
    }

    async fn exec(&self, sql: &str, binds: &[Bind<'_>]) -> Result<u64, StoreError> {
        Ok(match self.db() {
            Db::Postgres(pool) => {
                let mut q = sqlx::query(sql);
                for b in binds {
                    q = match b {
                        Bind::I(v) => q.bind(*v),
                        Bind::S(v) => q.bind(*v),
                        Bind::B(v) => q.bind(*v),
                    };
                }
                q.execute(pool).await?.rows_affected()
            }
            Db::Sqlite(pool) => {
                let sql = sqlite_sql(sql);
                let mut q = sqlx::query(&sql);
                for b in binds {
                    q = match b {
                        Bind::I(v) => q.bind(*v),
                        Bind::S(v) => q.bind(*v),
                        Bind::B(v) => q.bind(*v),
                    };
                }
                q.execute(pool).await?.rows_affected()
            }
        })
    }

    /// A transient failure: counts the attempt and makes the row runnable again after `delay_ms`.
    pub async fn retry_reaction_later(
        &self,
        id: i64,
        error: &str,
        delay_ms: i64,
    ) -> Result<(), StoreError> {
        self.exec(
            "UPDATE outbox SET attempts = attempts + 1, last_error = $2, leased_until = 0, next_attempt_at = $3 WHERE id = $1",
            &[Bind::I(id), Bind::S(error), Bind::I(wall_millis() + delay_ms)],
        )
        .await
        .map(|_| ())
    }

    /// A refusal by a domain rule: the row stops running until an officer asks for a retry.
    pub async fn park_reaction(&self, id: i64, error: &str) -> Result<(), StoreError> {
        self.exec(
            "UPDATE outbox SET attempts = attempts + 1, last_error = $2, leased_until = 0, parked = $3 WHERE id = $1",
            &[Bind::I(id), Bind::S(error), Bind::B(true)],
        )
        .await
        .map(|_| ())
    }

    /// Makes the parked row of `reactor` for the event `(kind, id, sequence)` runnable again;
    /// returns false when there is no such row (it already ran).
    pub async fn unpark_reaction(
        &self,
        reactor: &str,
        kind: &str,
        id: &str,
        sequence: i64,
    ) -> Result<bool, StoreError> {
        let changed = self
            .exec(
                "UPDATE outbox SET parked = $5, attempts = 0, leased_until = 0, next_attempt_at = 0 \
                 WHERE reactor = $1 AND aggregate_type = $2 AND aggregate_id = $3 AND sequence = $4",
                &[
                    Bind::S(reactor),
                    Bind::S(kind),
                    Bind::S(id),
                    Bind::I(sequence),
                    Bind::B(false),
                ],
            )
            .await?;
        Ok(changed > 0)
    }

    /// Removes the row of `reactor` for `(kind, id, sequence)` (a dismissed reaction).
    pub async fn drop_reaction(
        &self,
        reactor: &str,
        kind: &str,
        id: &str,
        sequence: i64,
    ) -> Result<(), StoreError> {
        self.exec(
            "DELETE FROM outbox WHERE reactor = $1 AND aggregate_type = $2 AND aggregate_id = $3 AND sequence = $4",
            &[Bind::S(reactor), Bind::S(kind), Bind::S(id), Bind::I(sequence)],
        )
        .await
        .map(|_| ())
    }

    /// Waiting and parked rows, and the age of the oldest waiting one.
    pub async fn outbox_stats(&self) -> Result<OutboxStats, StoreError> {
        const SQL: &str = "SELECT \
            COALESCE(SUM(CASE WHEN parked THEN 0 ELSE 1 END), 0), \
            COALESCE(SUM(CASE WHEN parked THEN 1 ELSE 0 END), 0), \
            MIN(CASE WHEN parked THEN NULL ELSE enqueued_at END) FROM outbox";
        let (waiting, parked, oldest): (i64, i64, Option<i64>) = match self.db() {
            Db::Postgres(pool) => sqlx::query_as(SQL).fetch_one(pool).await?,
            Db::Sqlite(pool) => sqlx::query_as(SQL).fetch_one(pool).await?,
        };
        Ok(OutboxStats {
            waiting,
            parked,
            oldest_age_ms: oldest.map(|o| (wall_millis() - o).max(0)).unwrap_or(0),
        })
    }

    /// The record of `(caller, key)`, if a command committed under it.
    pub async fn idempotent_record(
        &self,
        caller: &str,
        key: &str,
    ) -> Result<Option<IdempotentRecord>, StoreError> {
        const SQL: &str = "SELECT request_hash, response_status, response_headers, response_body FROM idempotency_keys WHERE caller = $1 AND idempotency_key = $2";
        type RecordRow = (String, Option<i64>, Option<String>, Option<String>);
        let row: Option<RecordRow> = match self.db() {
            Db::Postgres(pool) => {
                sqlx::query_as(SQL)
                    .bind(caller)
                    .bind(key)
                    .fetch_optional(pool)
                    .await?
            }
            Db::Sqlite(pool) => {
                sqlx::query_as(&sqlite_sql(SQL))
                    .bind(caller)
                    .bind(key)
                    .fetch_optional(pool)
                    .await?
            }
        };
        Ok(
            row.map(|(request_hash, status, headers, body)| IdempotentRecord {
                request_hash,
                response: match (status, headers, body) {
                    (Some(s), Some(h), Some(b)) => Some((s.clamp(0, 999) as u16, h, b)),
                    _ => None,
                },
            }),
        )
    }

    /// Attaches the first response to `(caller, key)`.
    pub async fn store_idempotent_response(
        &self,
        caller: &str,
        key: &str,
        status: u16,
        headers: &str,
        body: &str,
    ) -> Result<(), StoreError> {
        self.exec(
            "UPDATE idempotency_keys SET response_status = $3, response_headers = $4, response_body = $5 WHERE caller = $1 AND idempotency_key = $2",
            &[
                Bind::S(caller),
                Bind::S(key),
                Bind::I(i64::from(status)),
                Bind::S(headers),
                Bind::S(body),
            ],
        )
        .await
        .map(|_| ())
    }

    /// Forgets idempotency keys recorded before `before` (RFC 3339); returns how many.
    pub async fn purge_idempotency_keys(&self, before: &str) -> Result<u64, StoreError> {
        self.exec(
            "DELETE FROM idempotency_keys WHERE created_at < $1",
            &[Bind::S(before)],
        )
        .await
    }
}

enum Bind<'a> {
    I(i64),
    S(&'a str),
    B(bool),
}
