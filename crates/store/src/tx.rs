//! One transaction, either backend: the few statements the append path needs.

use std::collections::HashMap;
use std::future::Future;
use std::sync::Arc;

use cqrs_es::persist::SerializedEvent;
use projections::{Projector, Subscription, ViewRow};
use serde_json::Value;
use sqlx::{Postgres, Sqlite, Transaction};

use crate::chain;
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
}

/// Rewrites `$1`-style placeholders into SQLite's numbered `?1` form.
pub(crate) fn sqlite_sql(sql: &str) -> String {
    sql.replace('$', "?")
}

const LAST_EVENT: &str = "SELECT sequence, metadata FROM events WHERE aggregate_type = $1 AND aggregate_id = $2 ORDER BY sequence DESC LIMIT 1";
const INSERT_EVENT: &str = "INSERT INTO events (aggregate_type, aggregate_id, sequence, event_type, event_version, payload, metadata) VALUES ($1, $2, $3, $4, $5, $6, $7)";
const VIEW_PAYLOAD: &str = "SELECT payload FROM views WHERE view_name = $1 AND view_id = $2";
const ENQUEUE: &str = "INSERT INTO outbox (reactor, aggregate_type, aggregate_id, sequence) VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING";
const UPSERT_VIEW: &str = "INSERT INTO views (view_name, view_id, version, status, owner, parent, sort_key, payload) VALUES ($1, $2, $3, $4, $5, $6, $7, $8) \
    ON CONFLICT (view_name, view_id) DO UPDATE SET version = excluded.version, status = excluded.status, owner = excluded.owner, parent = excluded.parent, sort_key = excluded.sort_key, payload = excluded.payload";

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
            .bind(sqlx::types::Json(&e.payload))
            .bind(sqlx::types::Json(&e.metadata))
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
            .bind(sqlx::types::Json(&row.payload))
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
) -> Result<(), StoreError> {
    for event in events {
        for sub in subscriptions
            .iter()
            .filter(|s| s.wants(&event.aggregate_type, &event.event_type))
        {
            tx.enqueue(sub.reactor, event).await?;
        }
    }
    Ok(())
}

/// Folds `events` into every view that listens to them and writes the changed rows.
pub(crate) async fn fold_into_views<T: Tx>(
    tx: &mut T,
    projectors: &[Arc<dyn Projector>],
    events: &[SerializedEvent],
) -> Result<(), StoreError> {
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
                    None => tx.view_payload(key.0, &key.1).await?,
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
