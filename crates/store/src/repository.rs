use std::sync::Arc;

use cqrs_es::persist::{
    PersistedEventRepository, PersistenceError, ReplayStream, SerializedEvent, SerializedSnapshot,
};
use cqrs_es::Aggregate;
use postgres_es::PostgresEventRepository;
use projections::{Projector, Subscription};
use serde_json::Value;
use sqlite_es::SqliteEventRepository;

use crate::tx::{append_events, enqueue_reactions, fold_into_views, AppendError, Tx};
use crate::{Db, StoreError};

/// The reading half: postgres-es or sqlite-es, unchanged.
#[derive(Clone)]
enum Reader {
    Postgres(Arc<PostgresEventRepository>),
    Sqlite(Arc<SqliteEventRepository>),
}

/// cqrs-es's event repository for grantledger.
///
/// Reads are delegated to postgres-es or sqlite-es. `persist` is this crate's own: in one
/// transaction it checks the stream's sequence, seals each event into the hash chain, inserts
/// it, and folds it into every inline view, so events and views commit together or not at all.
#[derive(Clone)]
pub struct LedgerRepository {
    db: Db,
    reader: Reader,
    projectors: Arc<[Arc<dyn Projector>]>,
    subscriptions: Arc<[Subscription]>,
}

fn persistence(err: StoreError) -> PersistenceError {
    match err {
        StoreError::Database(sqlx::Error::Database(db)) if db.is_unique_violation() => {
            PersistenceError::OptimisticLockError
        }
        e if e.is_unavailable() => PersistenceError::ConnectionError(Box::new(e)),
        e => PersistenceError::UnknownError(Box::new(e)),
    }
}

fn appended(err: AppendError) -> PersistenceError {
    match err {
        AppendError::Conflict => PersistenceError::OptimisticLockError,
        AppendError::Store(e) => persistence(e),
    }
}

async fn commit_all<T: Tx>(
    tx: &mut T,
    repo: &LedgerRepository,
    events: &mut [SerializedEvent],
) -> Result<(), PersistenceError> {
    append_events(tx, events).await.map_err(appended)?;
    fold_into_views(tx, &repo.projectors, events, true)
        .await
        .map_err(persistence)?;
    enqueue_reactions(tx, &repo.subscriptions, events)
        .await
        .map(|_| ())
        .map_err(persistence)
}

impl LedgerRepository {
    /// A repository over `db` that keeps `projectors` inline and queues events for
    /// `subscriptions` in the outbox.
    pub fn new(
        db: Db,
        projectors: Arc<[Arc<dyn Projector>]>,
        subscriptions: Arc<[Subscription]>,
    ) -> Self {
        let reader = match &db {
            Db::Postgres(pool) => {
                Reader::Postgres(Arc::new(PostgresEventRepository::new(pool.clone())))
            }
            Db::Sqlite(pool) => Reader::Sqlite(Arc::new(SqliteEventRepository::new(pool.clone()))),
        };
        LedgerRepository {
            db,
            reader,
            projectors,
            subscriptions,
        }
    }

    /// Appends `events` (all of one stream) and updates the views, in one transaction.
    pub async fn append(&self, events: &[SerializedEvent]) -> Result<(), PersistenceError> {
        if events.is_empty() {
            return Ok(());
        }
        let mut events = events.to_vec();
        match &self.db {
            Db::Postgres(pool) => {
                let mut tx = pool.begin().await.map_err(|e| persistence(e.into()))?;
                commit_all(&mut tx, self, &mut events).await?;
                tx.commit().await.map_err(|e| persistence(e.into()))
            }
            Db::Sqlite(pool) => {
                // IMMEDIATE takes the write lock up front, so concurrent appends wait (busy_timeout)
                // instead of failing when a read transaction tries to upgrade.
                let mut tx = pool
                    .begin_with("BEGIN IMMEDIATE")
                    .await
                    .map_err(|e| persistence(e.into()))?;
                commit_all(&mut tx, self, &mut events).await?;
                tx.commit().await.map_err(|e| persistence(e.into()))
            }
        }
    }
}

impl PersistedEventRepository for LedgerRepository {
    async fn get_events<A: Aggregate>(
        &self,
        aggregate_id: &str,
    ) -> Result<Vec<SerializedEvent>, PersistenceError> {
        match &self.reader {
            Reader::Postgres(r) => r.get_events::<A>(aggregate_id).await,
            Reader::Sqlite(r) => r.get_events::<A>(aggregate_id).await,
        }
    }

    async fn get_last_events<A: Aggregate>(
        &self,
        aggregate_id: &str,
        last_sequence: usize,
    ) -> Result<Vec<SerializedEvent>, PersistenceError> {
        match &self.reader {
            Reader::Postgres(r) => r.get_last_events::<A>(aggregate_id, last_sequence).await,
            Reader::Sqlite(r) => r.get_last_events::<A>(aggregate_id, last_sequence).await,
        }
    }

    async fn get_snapshot<A: Aggregate>(
        &self,
        aggregate_id: &str,
    ) -> Result<Option<SerializedSnapshot>, PersistenceError> {
        match &self.reader {
            Reader::Postgres(r) => r.get_snapshot::<A>(aggregate_id).await,
            Reader::Sqlite(r) => r.get_snapshot::<A>(aggregate_id).await,
        }
    }

    async fn persist<A: Aggregate>(
        &self,
        events: &[SerializedEvent],
        _snapshot_update: Option<(String, Value, usize)>,
    ) -> Result<(), PersistenceError> {
        // Grantledger builds its stores with `new_event_store`, so there is never a snapshot.
        self.append(events).await
    }

    async fn stream_events<A: Aggregate>(
        &self,
        aggregate_id: &str,
    ) -> Result<ReplayStream, PersistenceError> {
        match &self.reader {
            Reader::Postgres(r) => r.stream_events::<A>(aggregate_id).await,
            Reader::Sqlite(r) => r.stream_events::<A>(aggregate_id).await,
        }
    }

    async fn stream_all_events<A: Aggregate>(&self) -> Result<ReplayStream, PersistenceError> {
        match &self.reader {
            Reader::Postgres(r) => r.stream_all_events::<A>().await,
            Reader::Sqlite(r) => r.stream_all_events::<A>().await,
        }
    }
}
