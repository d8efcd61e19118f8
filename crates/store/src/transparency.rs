//! The transparency log's storage: one RFC 9162 Merkle tree over every event of the ledger.
//!
//! - **Leaves** (`tlog_leaves`): each event gets the next leaf index inside its own append
//!   transaction ([`append_leaves`]); the leaf bytes are the 32 bytes of the event's chain
//!   `hash`. On PostgreSQL the transaction first locks the single `tlog_head` row
//!   (`SELECT … FOR UPDATE`), which it holds until it commits or rolls back, so a second writer
//!   reads the head only after the first has committed (or gone): indexes are dense and in
//!   commit order, across any number of server processes. On SQLite `BEGIN IMMEDIATE` already
//!   lets one writer in at a time.
//! - **Subtrees** (`tlog_nodes`): the hash of every complete subtree of height ≥ 1, written as
//!   it completes; with the leaves these give any root or proof from O(log n) stored hashes.
//! - **Head** (`tlog_head`): the size and the right-edge frontier, so appending reads one row.
//! - **Checkpoints** (`tlog_checkpoints`) signed by the log key, one per size, and witnesses'
//!   **cosignatures** (`tlog_cosignatures`).

use std::collections::HashMap;
use std::future::Future;

use cqrs_es::persist::SerializedEvent;
use serde::Serialize;
use sqlx::{Postgres, Sqlite, Transaction};
use tlog::{Checkpoint, Frontier, Hash, Node, Note, Signer, Verifier};

use crate::tx::sqlite_sql;
use crate::{Db, StoreError};

fn log_error(detail: impl Into<String>) -> StoreError {
    StoreError::Log(detail.into())
}

/// The leaf bytes of an event: its chain `hash`, hex-decoded (32 bytes).
pub fn event_leaf(event_hash_hex: &str) -> Option<Hash> {
    tlog::merkle::hash_from_hex(event_hash_hex)
}

/// The leaf hash of an event: `SHA-256(0x00 ‖ hash bytes)`.
pub fn event_leaf_hash(event_hash_hex: &str) -> Option<Hash> {
    event_leaf(event_hash_hex).map(|b| tlog::leaf_hash(&b))
}

/// The log statements of the append path, on one open transaction.
pub(crate) trait LogTx: Send {
    /// Locks the head row until the transaction ends and reads `(size, frontier)`.
    fn lock_head(&mut self) -> impl Future<Output = Result<(i64, String), StoreError>> + Send;
    /// Inserts one leaf.
    fn insert_leaf(
        &mut self,
        index: u64,
        event: &SerializedEvent,
        hash: &str,
    ) -> impl Future<Output = Result<(), StoreError>> + Send;
    /// Inserts one completed subtree hash (level ≥ 1).
    fn insert_node(
        &mut self,
        node: Node,
        hash: &Hash,
    ) -> impl Future<Output = Result<(), StoreError>> + Send;
    /// Writes the new head.
    fn set_head(
        &mut self,
        size: u64,
        frontier: &str,
    ) -> impl Future<Output = Result<(), StoreError>> + Send;
}

const LOCK_HEAD_PG: &str = "SELECT size, frontier FROM tlog_head WHERE id = 1 FOR UPDATE";
const READ_HEAD: &str = "SELECT size, frontier FROM tlog_head WHERE id = 1";
const INSERT_LEAF: &str = "INSERT INTO tlog_leaves (leaf_index, aggregate_type, aggregate_id, sequence, event_hash) VALUES ($1, $2, $3, $4, $5)";
const INSERT_NODE: &str = "INSERT INTO tlog_nodes (level, node_index, hash) VALUES ($1, $2, $3)";
const SET_HEAD: &str = "UPDATE tlog_head SET size = $1, frontier = $2 WHERE id = 1";

impl LogTx for Transaction<'_, Postgres> {
    async fn lock_head(&mut self) -> Result<(i64, String), StoreError> {
        Ok(sqlx::query_as(LOCK_HEAD_PG).fetch_one(&mut **self).await?)
    }

    async fn insert_leaf(
        &mut self,
        index: u64,
        e: &SerializedEvent,
        hash: &str,
    ) -> Result<(), StoreError> {
        sqlx::query(INSERT_LEAF)
            .bind(index as i64)
            .bind(&e.aggregate_type)
            .bind(&e.aggregate_id)
            .bind(e.sequence as i64)
            .bind(hash)
            .execute(&mut **self)
            .await?;
        Ok(())
    }

    async fn insert_node(&mut self, node: Node, hash: &Hash) -> Result<(), StoreError> {
        sqlx::query(INSERT_NODE)
            .bind(i16::from(node.level))
            .bind(node.index as i64)
            .bind(hex::encode(hash))
            .execute(&mut **self)
            .await?;
        Ok(())
    }

    async fn set_head(&mut self, size: u64, frontier: &str) -> Result<(), StoreError> {
        sqlx::query(SET_HEAD)
            .bind(size as i64)
            .bind(frontier)
            .execute(&mut **self)
            .await?;
        Ok(())
    }
}

impl LogTx for Transaction<'_, Sqlite> {
    async fn lock_head(&mut self) -> Result<(i64, String), StoreError> {
        // The transaction began IMMEDIATE: it already holds the only write lock.
        Ok(sqlx::query_as(READ_HEAD).fetch_one(&mut **self).await?)
    }

    async fn insert_leaf(
        &mut self,
        index: u64,
        e: &SerializedEvent,
        hash: &str,
    ) -> Result<(), StoreError> {
        sqlx::query(&sqlite_sql(INSERT_LEAF))
            .bind(index as i64)
            .bind(&e.aggregate_type)
            .bind(&e.aggregate_id)
            .bind(e.sequence as i64)
            .bind(hash)
            .execute(&mut **self)
            .await?;
        Ok(())
    }

    async fn insert_node(&mut self, node: Node, hash: &Hash) -> Result<(), StoreError> {
        sqlx::query(&sqlite_sql(INSERT_NODE))
            .bind(i64::from(node.level))
            .bind(node.index as i64)
            .bind(hex::encode(hash))
            .execute(&mut **self)
            .await?;
        Ok(())
    }

    async fn set_head(&mut self, size: u64, frontier: &str) -> Result<(), StoreError> {
        sqlx::query(&sqlite_sql(SET_HEAD))
            .bind(size as i64)
            .bind(frontier)
            .execute(&mut **self)
            .await?;
        Ok(())
    }
}

fn frontier_of(size: i64, text: &str) -> Result<Frontier, StoreError> {
    Frontier::from_text(size.max(0) as u64, text)
        .ok_or_else(|| log_error(format!("the stored log head (size {size}) is malformed")))
}

static SKIPPED_FOR_BENCHMARK: std::sync::atomic::AtomicBool =
    std::sync::atomic::AtomicBool::new(false);

/// Benchmarks only: from now on appends in this process skip (`true`) or assign (`false`) log
/// leaves, so the log's cost can be measured against the same build in the same run. Never
/// call it in a server: events appended while skipped have no leaf until the next start-up
/// (migration) integrates them.
#[doc(hidden)]
pub fn skip_for_benchmark(skip: bool) {
    SKIPPED_FOR_BENCHMARK.store(skip, std::sync::atomic::Ordering::SeqCst);
}

/// Gives each of `events` (sealed, in append order) the next leaf of the log, inside the
/// caller's transaction. The transaction holds the log head until it ends.
pub(crate) async fn append_leaves<T: LogTx>(
    tx: &mut T,
    events: &[SerializedEvent],
) -> Result<(), StoreError> {
    if events.is_empty() || SKIPPED_FOR_BENCHMARK.load(std::sync::atomic::Ordering::SeqCst) {
        return Ok(());
    }
    let (size, text) = tx.lock_head().await?;
    let mut frontier = frontier_of(size, &text)?;
    for event in events {
        let hash = crate::chain::recorded_hash(event)
            .ok_or_else(|| log_error("an event reached the log unsealed"))?;
        let leaf = event_leaf_hash(hash)
            .ok_or_else(|| log_error(format!("event hash {hash:?} is not 64 hex digits")))?;
        let index = frontier.size();
        tx.insert_leaf(index, event, hash).await?;
        for (node, h) in frontier.push(leaf) {
            if node.level > 0 {
                tx.insert_node(node, &h).await?;
            }
        }
    }
    tx.set_head(frontier.size(), &frontier.to_text()).await
}

/// Where an event sits in the log.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Leaf {
    /// Leaf index.
    pub leaf_index: u64,
    /// Aggregate type.
    pub aggregate_type: String,
    /// Aggregate id.
    pub aggregate_id: String,
    /// Sequence in the stream.
    pub sequence: u64,
    /// The event's chain hash as the log recorded it (hex): the leaf bytes.
    pub event_hash: String,
}

type LeafRow = (i64, String, String, i64, String);

fn leaf_of(row: LeafRow) -> Leaf {
    Leaf {
        leaf_index: row.0.max(0) as u64,
        aggregate_type: row.1,
        aggregate_id: row.2,
        sequence: row.3.max(0) as u64,
        event_hash: row.4,
    }
}

/// A kept checkpoint.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct StoredCheckpoint {
    /// Tree size.
    pub tree_size: u64,
    /// Root hash, base64.
    pub root_hash: String,
    /// The signed note with the log's signature and every stored cosignature.
    pub note: String,
    /// When it was issued (RFC 3339).
    pub issued_at: String,
    /// The witnesses who cosigned it (their verifier keys).
    pub cosigned_by: Vec<String>,
}

/// Why a proof or checkpoint cannot be given.
#[derive(Debug, thiserror::Error)]
pub enum LogError {
    /// The request names sizes or leaves the log does not have.
    #[error("{0}")]
    OutOfRange(String),
    /// No such event or checkpoint.
    #[error("{0}")]
    NotFound(String),
    /// A cosignature that does not verify or does not match.
    #[error("{0}")]
    Rejected(String),
    /// The store failed.
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl From<sqlx::Error> for LogError {
    fn from(e: sqlx::Error) -> Self {
        LogError::Store(e.into())
    }
}

/// The log as stored: reads, proofs and checkpoints over a [`Db`].
#[derive(Debug, Clone)]
pub struct Log {
    db: Db,
}

impl Log {
    /// The log in `db`.
    pub fn new(db: Db) -> Log {
        Log { db }
    }

    /// The committed head: size and frontier (so the current root).
    pub async fn head(&self) -> Result<Frontier, StoreError> {
        let (size, text): (i64, String) = match &self.db {
            Db::Postgres(pool) => sqlx::query_as(READ_HEAD).fetch_one(pool).await?,
            Db::Sqlite(pool) => sqlx::query_as(READ_HEAD).fetch_one(pool).await?,
        };
        frontier_of(size, &text)
    }

    /// The stored hashes of `nodes` (leaf hashes computed from the recorded event hashes).
    pub async fn nodes(&self, nodes: &[Node]) -> Result<HashMap<Node, Hash>, StoreError> {
        let mut out = HashMap::new();
        let leaves: Vec<String> = nodes
            .iter()
            .filter(|n| n.level == 0)
            .map(|n| n.index.to_string())
            .collect();
        let inner: Vec<String> = nodes
            .iter()
            .filter(|n| n.level > 0)
            .map(|n| format!("({}, {})", n.level, n.index))
            .collect();
        // Only integers are spliced into these statements.
        if !leaves.is_empty() {
            let sql = format!(
                "SELECT leaf_index, event_hash FROM tlog_leaves WHERE leaf_index IN ({})",
                leaves.join(",")
            );
            let rows: Vec<(i64, String)> = match &self.db {
                Db::Postgres(pool) => sqlx::query_as(&sql).fetch_all(pool).await?,
                Db::Sqlite(pool) => sqlx::query_as(&sql).fetch_all(pool).await?,
            };
            for (index, hash) in rows {
                let leaf = event_leaf_hash(&hash)
                    .ok_or_else(|| log_error(format!("leaf {index}: malformed hash")))?;
                out.insert(
                    Node {
                        level: 0,
                        index: index.max(0) as u64,
                    },
                    leaf,
                );
            }
        }
        if !inner.is_empty() {
            let sql = format!(
                "SELECT level, node_index, hash FROM tlog_nodes WHERE (level, node_index) IN ({})",
                inner.join(",")
            );
            let rows: Vec<(i64, i64, String)> = match &self.db {
                Db::Postgres(pool) => {
                    let rows: Vec<(i16, i64, String)> =
                        sqlx::query_as(&sql).fetch_all(pool).await?;
                    rows.into_iter()
                        .map(|(l, i, h)| (i64::from(l), i, h))
                        .collect()
                }
                Db::Sqlite(pool) => {
                    // SQLite wants row values on the right as VALUES.
                    let sql = sql.replace("IN (", "IN (VALUES ");
                    sqlx::query_as(&sql).fetch_all(pool).await?
                }
            };
            for (level, index, hash) in rows {
                let h = tlog::merkle::hash_from_hex(&hash)
                    .ok_or_else(|| log_error(format!("node {level}/{index}: malformed hash")))?;
                out.insert(
                    Node {
                        level: level.clamp(0, 63) as u8,
                        index: index.max(0) as u64,
                    },
                    h,
                );
            }
        }
        Ok(out)
    }

    async fn assemble(&self, plan: &tlog::Plan) -> Result<Vec<Hash>, LogError> {
        let nodes = self.nodes(&plan.nodes()).await?;
        plan.assemble(|n| nodes.get(&n).copied())
            .map_err(|e| LogError::Store(log_error(e.to_string())))
    }

    fn check_size(size: u64, head: &Frontier) -> Result<(), LogError> {
        if size > head.size() {
            return Err(LogError::OutOfRange(format!(
                "the log has {} leaves; there is no tree of size {size}",
                head.size()
            )));
        }
        Ok(())
    }

    /// The root hash of the tree of the first `size` leaves (`size` ≤ the current size).
    pub async fn root_at(&self, size: u64) -> Result<Hash, LogError> {
        let head = self.head().await?;
        Self::check_size(size, &head)?;
        if size == head.size() {
            return Ok(head.root());
        }
        let plan = tlog::Plan {
            ranges: vec![(0, size)],
        };
        if size == 0 {
            return Ok(tlog::empty_root());
        }
        Ok(self.assemble(&plan).await?[0])
    }

    /// The inclusion proof of leaf `index` in the tree of `size`.
    pub async fn inclusion_proof(&self, index: u64, size: u64) -> Result<Vec<Hash>, LogError> {
        Self::check_size(size, &self.head().await?)?;
        let plan = tlog::inclusion_plan(index, size).ok_or_else(|| {
            LogError::OutOfRange(format!("leaf {index} is not in the tree of size {size}"))
        })?;
        self.assemble(&plan).await
    }

    /// The consistency proof from the tree of `old` to the tree of `new`.
    pub async fn consistency_proof(&self, old: u64, new: u64) -> Result<Vec<Hash>, LogError> {
        Self::check_size(new, &self.head().await?)?;
        let plan = tlog::consistency_plan(old, new).ok_or_else(|| {
            LogError::OutOfRange(format!("old size {old} is larger than new size {new}"))
        })?;
        self.assemble(&plan).await
    }

    /// The leaf of one event.
    pub async fn leaf_of_event(
        &self,
        kind: &str,
        id: &str,
        sequence: u64,
    ) -> Result<Option<Leaf>, StoreError> {
        const SQL: &str = "SELECT leaf_index, aggregate_type, aggregate_id, sequence, event_hash FROM tlog_leaves WHERE aggregate_type = $1 AND aggregate_id = $2 AND sequence = $3";
        let row: Option<LeafRow> = match &self.db {
            Db::Postgres(pool) => {
                sqlx::query_as(SQL)
                    .bind(kind)
                    .bind(id)
                    .bind(sequence as i64)
                    .fetch_optional(pool)
                    .await?
            }
            Db::Sqlite(pool) => {
                sqlx::query_as(&sqlite_sql(SQL))
                    .bind(kind)
                    .bind(id)
                    .bind(sequence as i64)
                    .fetch_optional(pool)
                    .await?
            }
        };
        Ok(row.map(leaf_of))
    }

    /// Leaves `[start, start + limit)` in index order.
    pub async fn leaves(&self, start: u64, limit: u32) -> Result<Vec<Leaf>, StoreError> {
        let sql = format!("SELECT leaf_index, aggregate_type, aggregate_id, sequence, event_hash FROM tlog_leaves WHERE leaf_index >= $1 ORDER BY leaf_index LIMIT {limit}");
        let rows: Vec<LeafRow> = match &self.db {
            Db::Postgres(pool) => {
                sqlx::query_as(&sql)
                    .bind(start as i64)
                    .fetch_all(pool)
                    .await?
            }
            Db::Sqlite(pool) => {
                sqlx::query_as(&sqlite_sql(&sql))
                    .bind(start as i64)
                    .fetch_all(pool)
                    .await?
            }
        };
        Ok(rows.into_iter().map(leaf_of).collect())
    }

    /// Signs and keeps a checkpoint of the current tree, unless one of that size is kept
    /// already (then that one is returned): safe to call from several processes at once.
    pub async fn issue_checkpoint(
        &self,
        signer: &Signer,
        issued_at: &str,
    ) -> Result<StoredCheckpoint, LogError> {
        let head = self.head().await?;
        let checkpoint = Checkpoint {
            origin: signer.name().to_string(),
            size: head.size(),
            root: head.root(),
            extensions: vec![],
        };
        let note = signer
            .sign_note(&checkpoint.to_text())
            .map_err(|e| LogError::Store(log_error(e.to_string())))?;
        const SQL: &str = "INSERT INTO tlog_checkpoints (tree_size, root_hash, note, issued_at) VALUES ($1, $2, $3, $4) ON CONFLICT (tree_size) DO NOTHING";
        let root = tlog::hash_to_base64(&checkpoint.root);
        match &self.db {
            Db::Postgres(pool) => {
                sqlx::query(SQL)
                    .bind(head.size() as i64)
                    .bind(&root)
                    .bind(&note)
                    .bind(issued_at)
                    .execute(pool)
                    .await?;
            }
            Db::Sqlite(pool) => {
                sqlx::query(&sqlite_sql(SQL))
                    .bind(head.size() as i64)
                    .bind(&root)
                    .bind(&note)
                    .bind(issued_at)
                    .execute(pool)
                    .await?;
            }
        }
        let kept = self
            .checkpoint(head.size())
            .await?
            .ok_or_else(|| LogError::NotFound(format!("checkpoint {} vanished", head.size())))?;
        if kept.root_hash != root {
            // The tree of this size is no longer the one checkpointed: the log was rewritten
            // underneath. Sign what is there now, so the change shows as a checkpoint that
            // does not extend the kept ones, and leave the kept one as it was.
            tracing::warn!(
                tree_size = head.size(),
                "the log's root differs from its kept checkpoint of the same size"
            );
            return Ok(StoredCheckpoint {
                tree_size: head.size(),
                root_hash: root,
                note,
                issued_at: issued_at.to_string(),
                cosigned_by: vec![],
            });
        }
        Ok(kept)
    }

    /// The kept checkpoint of `size`, with its cosignatures added to the note.
    pub async fn checkpoint(&self, size: u64) -> Result<Option<StoredCheckpoint>, StoreError> {
        const SQL: &str =
            "SELECT tree_size, root_hash, note, issued_at FROM tlog_checkpoints WHERE tree_size = $1";
        let row: Option<(i64, String, String, String)> = match &self.db {
            Db::Postgres(pool) => {
                sqlx::query_as(SQL)
                    .bind(size as i64)
                    .fetch_optional(pool)
                    .await?
            }
            Db::Sqlite(pool) => {
                sqlx::query_as(&sqlite_sql(SQL))
                    .bind(size as i64)
                    .fetch_optional(pool)
                    .await?
            }
        };
        match row {
            Some(row) => Ok(Some(self.with_cosignatures(row).await?)),
            None => Ok(None),
        }
    }

    async fn with_cosignatures(
        &self,
        (size, root_hash, note, issued_at): (i64, String, String, String),
    ) -> Result<StoredCheckpoint, StoreError> {
        const SQL: &str = "SELECT verifier_key, signature_line FROM tlog_cosignatures WHERE tree_size = $1 ORDER BY posted_at, verifier_key";
        let cosigs: Vec<(String, String)> = match &self.db {
            Db::Postgres(pool) => sqlx::query_as(SQL).bind(size).fetch_all(pool).await?,
            Db::Sqlite(pool) => {
                sqlx::query_as(&sqlite_sql(SQL))
                    .bind(size)
                    .fetch_all(pool)
                    .await?
            }
        };
        let mut note = note;
        for (_, line) in &cosigs {
            note.push_str(line);
        }
        Ok(StoredCheckpoint {
            tree_size: size.max(0) as u64,
            root_hash,
            note,
            issued_at,
            cosigned_by: cosigs.into_iter().map(|(k, _)| k).collect(),
        })
    }

    /// The largest kept checkpoint.
    pub async fn latest_checkpoint(&self) -> Result<Option<StoredCheckpoint>, StoreError> {
        let max: Option<i64> = match &self.db {
            Db::Postgres(pool) => {
                sqlx::query_scalar("SELECT MAX(tree_size) FROM tlog_checkpoints")
                    .fetch_one(pool)
                    .await?
            }
            Db::Sqlite(pool) => {
                sqlx::query_scalar("SELECT MAX(tree_size) FROM tlog_checkpoints")
                    .fetch_one(pool)
                    .await?
            }
        };
        match max {
            Some(size) => self.checkpoint(size.max(0) as u64).await,
            None => Ok(None),
        }
    }

    /// Kept checkpoints with size greater than `after`, smallest first, at most `limit`.
    pub async fn checkpoints(
        &self,
        after: Option<u64>,
        limit: u32,
    ) -> Result<Vec<StoredCheckpoint>, StoreError> {
        let sql = format!("SELECT tree_size, root_hash, note, issued_at FROM tlog_checkpoints WHERE tree_size > $1 ORDER BY tree_size LIMIT {limit}");
        let after = after.map(|a| a as i64).unwrap_or(-1);
        let rows: Vec<(i64, String, String, String)> = match &self.db {
            Db::Postgres(pool) => sqlx::query_as(&sql).bind(after).fetch_all(pool).await?,
            Db::Sqlite(pool) => {
                sqlx::query_as(&sqlite_sql(&sql))
                    .bind(after)
                    .fetch_all(pool)
                    .await?
            }
        };
        let mut out = Vec::with_capacity(rows.len());
        for row in rows {
            out.push(self.with_cosignatures(row).await?);
        }
        Ok(out)
    }

    /// Keeps a witness's cosignature of the checkpoint of `size`, after checking it with the
    /// witness key `witness` (a type 0x04 verifier key). A second cosignature by the same key
    /// replaces nothing: the first is kept.
    pub async fn add_cosignature(
        &self,
        size: u64,
        witness: &str,
        signature_line: &str,
        posted_by: &str,
        posted_at: &str,
    ) -> Result<StoredCheckpoint, LogError> {
        let verifier = Verifier::parse(witness).map_err(|e| LogError::Rejected(e.to_string()))?;
        if !verifier.is_cosigner() {
            return Err(LogError::Rejected(
                "a witness key has signature type 0x04 (cosignature/v1)".into(),
            ));
        }
        let kept = self
            .checkpoint(size)
            .await?
            .ok_or_else(|| LogError::NotFound(format!("no checkpoint of size {size} is kept")))?;
        let mut line = signature_line.trim_end_matches('\n').to_string();
        line.push('\n');
        let note = Note::parse(&kept.note)
            .and_then(|n| n.with_signature_line(&line))
            .map_err(|e| LogError::Rejected(e.to_string()))?;
        let stamp = verifier
            .verify_cosignature(&note)
            .map_err(|e| LogError::Rejected(e.to_string()))?;
        const SQL: &str = "INSERT INTO tlog_cosignatures (tree_size, verifier_key, signature_line, cosigned_at, posted_by, posted_at) VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (tree_size, verifier_key) DO NOTHING";
        let stamp = i64::try_from(stamp)
            .map_err(|_| LogError::Rejected("the cosignature's time is too large".into()))?;
        let key = verifier.to_string();
        match &self.db {
            Db::Postgres(pool) => {
                sqlx::query(SQL)
                    .bind(size as i64)
                    .bind(&key)
                    .bind(&line)
                    .bind(stamp)
                    .bind(posted_by)
                    .bind(posted_at)
                    .execute(pool)
                    .await?;
            }
            Db::Sqlite(pool) => {
                sqlx::query(&sqlite_sql(SQL))
                    .bind(size as i64)
                    .bind(&key)
                    .bind(&line)
                    .bind(stamp)
                    .bind(posted_by)
                    .bind(posted_at)
                    .execute(pool)
                    .await?;
            }
        }
        self.checkpoint(size)
            .await?
            .ok_or_else(|| LogError::NotFound(format!("no checkpoint of size {size} is kept")))
    }

    /// Gives a leaf to every stored event that has none (events written before the log
    /// existed), in commit order, in one transaction. Returns how many were added.
    pub async fn integrate_unlogged(&self) -> Result<usize, StoreError> {
        const MISSING: &str = "SELECT e.aggregate_type, e.aggregate_id, e.sequence, e.event_type, e.event_version, e.metadata FROM events e \
             LEFT JOIN tlog_leaves l ON l.aggregate_type = e.aggregate_type AND l.aggregate_id = e.aggregate_id AND l.sequence = e.sequence \
             WHERE l.leaf_index IS NULL ORDER BY ";
        let event = |t, i, s: i64, et, ev, meta| {
            SerializedEvent::new(
                i,
                s.max(0) as usize,
                t,
                et,
                ev,
                serde_json::Value::Null,
                meta,
            )
        };
        match &self.db {
            Db::Postgres(pool) => {
                let mut tx = pool.begin().await?;
                tx.lock_head().await?;
                let rows: Vec<(String, String, i64, String, String, serde_json::Value)> =
                    sqlx::query_as(&format!("{MISSING}e.position"))
                        .fetch_all(&mut *tx)
                        .await?;
                let events: Vec<SerializedEvent> = rows
                    .into_iter()
                    .map(|(t, i, s, et, ev, m)| event(t, i, s, et, ev, m))
                    .collect();
                append_leaves(&mut tx, &events).await?;
                tx.commit().await?;
                Ok(events.len())
            }
            Db::Sqlite(pool) => {
                let mut tx = pool.begin_with("BEGIN IMMEDIATE").await?;
                let rows: Vec<(String, String, i64, String, String, String)> =
                    sqlx::query_as(&format!("{MISSING}e.rowid"))
                        .fetch_all(&mut *tx)
                        .await?;
                let mut events = Vec::with_capacity(rows.len());
                for (t, i, s, et, ev, m) in rows {
                    events.push(event(t, i, s, et, ev, serde_json::from_str(&m)?));
                }
                append_leaves(&mut tx, &events).await?;
                tx.commit().await?;
                Ok(events.len())
            }
        }
    }

    /// Checks the stored log against the events themselves, reading everything: every leaf's
    /// event must be stored with the hash the log recorded, every event must have a leaf, and
    /// the stored subtree hashes must give the root of the leaves. Returns the leaf hashes as
    /// recomputed from the events (in leaf order) and one line per problem found.
    pub async fn audit_events(&self) -> Result<EventAudit, StoreError> {
        const LEAVES: &str = "SELECT l.leaf_index, l.aggregate_type, l.aggregate_id, l.sequence, l.event_hash, e.metadata FROM tlog_leaves l \
             LEFT JOIN events e ON e.aggregate_type = l.aggregate_type AND e.aggregate_id = l.aggregate_id AND e.sequence = l.sequence ORDER BY l.leaf_index";
        const UNLOGGED: &str = "SELECT e.aggregate_type, e.aggregate_id, e.sequence FROM events e \
             LEFT JOIN tlog_leaves l ON l.aggregate_type = e.aggregate_type AND l.aggregate_id = e.aggregate_id AND l.sequence = e.sequence \
             WHERE l.leaf_index IS NULL ORDER BY e.aggregate_type, e.aggregate_id, e.sequence";
        type Row = (i64, String, String, i64, String, Option<serde_json::Value>);
        let (rows, unlogged): (Vec<Row>, Vec<(String, String, i64)>) = match &self.db {
            Db::Postgres(pool) => (
                sqlx::query_as(LEAVES).fetch_all(pool).await?,
                sqlx::query_as(UNLOGGED).fetch_all(pool).await?,
            ),
            Db::Sqlite(pool) => {
                let raw: Vec<(i64, String, String, i64, String, Option<String>)> =
                    sqlx::query_as(LEAVES).fetch_all(pool).await?;
                let mut rows = Vec::with_capacity(raw.len());
                for (i, t, a, s, h, m) in raw {
                    let m = match m {
                        Some(text) => Some(serde_json::from_str(&text)?),
                        None => None,
                    };
                    rows.push((i, t, a, s, h, m));
                }
                (rows, sqlx::query_as(UNLOGGED).fetch_all(pool).await?)
            }
        };
        let mut problems = Vec::new();
        let mut leaves = Vec::with_capacity(rows.len());
        let mut stored_leaves = Vec::with_capacity(rows.len());
        for (expected, (index, kind, id, seq, recorded, metadata)) in (0i64..).zip(rows) {
            if index != expected {
                problems.push(format!("leaf {expected} is missing from the log"));
                break;
            }
            let name = format!("{kind}/{id}/{seq}");
            stored_leaves.push(event_leaf_hash(&recorded).unwrap_or([0; 32]));
            let current = metadata
                .as_ref()
                .and_then(|m| m.get("hash"))
                .and_then(|h| h.as_str())
                .map(str::to_string);
            match current {
                None => {
                    problems.push(format!("leaf {index}: event {name} is missing"));
                    // The leaf the ledger can no longer produce.
                    leaves.push(tlog::leaf_hash(b"missing"));
                }
                Some(hash) => {
                    if hash != recorded {
                        problems.push(format!(
                            "leaf {index}: event {name} now has hash {hash}, the log recorded {recorded}"
                        ));
                    }
                    leaves.push(
                        event_leaf_hash(&hash).unwrap_or_else(|| tlog::leaf_hash(hash.as_bytes())),
                    );
                }
            }
        }
        for (kind, id, seq) in unlogged {
            problems.push(format!("event {kind}/{id}/{seq} has no leaf in the log"));
        }
        let head = self.head().await?;
        if head.size() != stored_leaves.len() as u64 {
            problems.push(format!(
                "the log head says {} leaves, the log holds {}",
                head.size(),
                stored_leaves.len()
            ));
        } else if head.root() != tlog::root_of(&stored_leaves) {
            problems.push("the log head's root is not the root of the stored leaves".into());
        } else if let Some(last) = stored_leaves.len().checked_sub(1) {
            // Spot-check the stored subtree hashes: the inclusion proof of the last leaf and the
            // consistency proof from half the tree both come from them.
            let size = stored_leaves.len() as u64;
            let root = head.root();
            let ok_incl = match self.inclusion_proof(last as u64, size).await {
                Ok(p) => tlog::verify_inclusion(last as u64, size, &stored_leaves[last], &p, &root)
                    .is_ok(),
                Err(_) => false,
            };
            let half = size / 2;
            let ok_cons = match self.consistency_proof(half, size).await {
                Ok(p) => tlog::verify_consistency(
                    half,
                    size,
                    &tlog::root_of(&stored_leaves[..half as usize]),
                    &root,
                    &p,
                )
                .is_ok(),
                Err(_) => false,
            };
            if !(ok_incl && ok_cons) {
                problems.push("the stored subtree hashes do not match the stored leaves".into());
            }
        }
        Ok(EventAudit { leaves, problems })
    }
}

/// What [`Log::audit_events`] found.
#[derive(Debug, Clone)]
pub struct EventAudit {
    /// Leaf hashes recomputed from the events as stored now, in leaf order.
    pub leaves: Vec<Hash>,
    /// One line per problem; empty when the log and the events agree.
    pub problems: Vec<String>,
}

/// Checks the transparency-log proofs an export bundle carries, offline: each event line's
/// `log` object holds its leaf index, an inclusion path and the checkpoint it is proved against.
/// With `key`, each checkpoint's signature is checked too (and a bundle without proofs fails).
pub fn verify_bundle_log(text: &str, key: Option<&Verifier>) -> crate::chain::BundleReport {
    let mut lines = Vec::new();
    let mut ok = true;
    let (mut proved, mut without) = (0usize, 0usize);
    let mut sizes = std::collections::BTreeSet::new();
    for raw in text.lines().filter(|l| !l.trim().is_empty()) {
        let Ok(line) = serde_json::from_str::<serde_json::Value>(raw) else {
            continue; // the chain check reports unreadable lines
        };
        let name = format!(
            "{}/{} at sequence {}",
            line["aggregate_type"].as_str().unwrap_or("?"),
            line["aggregate_id"].as_str().unwrap_or("?"),
            line["sequence"]
        );
        let Some(log) = line.get("log") else {
            without += 1;
            continue;
        };
        match check_line(&line, log, key) {
            Ok(size) => {
                proved += 1;
                sizes.insert(size);
            }
            Err(reason) => {
                ok = false;
                lines.push(format!("BROKEN {name}: not in the log: {reason}"));
            }
        }
    }
    if proved + without == 0 {
        return crate::chain::BundleReport { ok, lines };
    }
    if without > 0 && proved > 0 {
        ok = false;
        lines.push(format!(
            "BROKEN log: {without} events carry no inclusion proof"
        ));
    } else if without > 0 {
        lines.push("note: the bundle carries no transparency-log proofs".into());
        if key.is_some() {
            ok = false;
        }
    }
    if ok && proved > 0 {
        let sizes: Vec<String> = sizes.iter().map(u64::to_string).collect();
        lines.push(format!(
            "ok log: {proved} events included in the checkpoint of size {}{}",
            sizes.join(", "),
            match key {
                Some(k) => format!(", signed by {}", k.name()),
                None => " (signature not checked: give --key)".into(),
            }
        ));
    }
    crate::chain::BundleReport { ok, lines }
}

fn check_line(
    line: &serde_json::Value,
    log: &serde_json::Value,
    key: Option<&Verifier>,
) -> Result<u64, String> {
    let note = log["checkpoint"].as_str().ok_or("no checkpoint")?;
    let checkpoint = match key {
        Some(key) => {
            Checkpoint::open(note, key, None)
                .map_err(|e| e.to_string())?
                .0
        }
        None => Note::parse(note)
            .and_then(|n| Checkpoint::parse(&n.text))
            .map_err(|e| e.to_string())?,
    };
    let size = log["tree_size"].as_u64().ok_or("no tree_size")?;
    if size != checkpoint.size {
        return Err(format!(
            "the proof is for size {size}, the checkpoint has {}",
            checkpoint.size
        ));
    }
    let index = log["leaf_index"].as_u64().ok_or("no leaf_index")?;
    let path = log["inclusion_path"]
        .as_array()
        .ok_or("no inclusion_path")?
        .iter()
        .map(|h| h.as_str().and_then(tlog::hash_from_base64))
        .collect::<Option<Vec<Hash>>>()
        .ok_or("the inclusion path is not base64 hashes")?;
    let leaf = line["metadata"]["hash"]
        .as_str()
        .and_then(event_leaf_hash)
        .ok_or("the event has no hash")?;
    tlog::verify_inclusion(index, size, &leaf, &path, &checkpoint.root)
        .map_err(|e| format!("leaf {index} of {size}: {e}"))?;
    Ok(size)
}
