//! The only crate that touches a database.
//!
//! - [`Db`]: a PostgreSQL or SQLite pool chosen from `DATABASE_URL`, with embedded migrations.
//! - [`LedgerRepository`]: cqrs-es's repository over postgres-es or sqlite-es whose `persist`
//!   appends events, seals them into a per-stream hash chain and folds them into every view in
//!   one transaction.
//! - [`Store`]: builds the per-aggregate [`Cqrs`] frameworks and answers view and audit reads.
//! - [`chain`]: the canonical encoding and verification of the hash chain.
//! - [`transparency`]: the transparency log, one Merkle tree over every event (issue 15).

mod attachments;
pub mod chain;
mod command;
mod db;
mod error;
mod outbox;
mod repository;
mod search;
mod store;
pub mod testing;
pub mod transparency;
mod tx;

pub use attachments::{sha256_hex, StoredAttachment};
pub use command::{CommandRequest, Committed, Cqrs, FactNeeds, Facts, IdempotencyClaim, RunError};
pub use db::{Backend, Db};
pub use error::StoreError;
pub use outbox::{IdempotentRecord, OutboxStats};
pub use repository::LedgerRepository;
pub use search::{SearchPage, SearchQuery, SearchSort};
pub use store::{AccessEntry, PendingReaction, Store, StreamId, MAX_REACTION_ATTEMPTS};
