//! The application layer of grantledger: everything an adapter (the REST API, the web pages, a
//! command-line tool) calls, and nothing about HTTP.
//!
//! - [`runner`]: the command runner — one transaction per command with its idempotency claim,
//!   `If-Match`, cross-stream facts and metadata; [`commands`] adds the drain after a person's
//!   command.
//! - [`process_managers`]: the registry of reactions (what each listens to, its idempotency key,
//!   its handler), handed to the store at start-up; [`reactions`] drains the outbox.
//! - [`clock`]: the time-driven commands, issued by the server itself.
//! - [`audit`]: the registries that rebuild any stream's state and join a project's dossier.
//! - [`state`]: the services (store, command sides, clock, ids, keys).
//!
//! Modules depend one way: runner ← reactions ← commands; handlers of process managers use the
//! runner only.

pub mod audit;
pub mod clock;
pub mod commands;
mod error;
pub mod integrity;
pub mod metrics;
pub mod process_managers;
pub mod reactions;
mod reactions_consortium;
mod reactions_race;
pub mod recoverable;
mod recovery;
pub mod runner;
mod state;

pub use error::{AppError, CommandError};
pub use integrity::active_bars;
pub use metrics::Metrics;
pub use runner::{CommandCall, IdempotencySlot, IfMatch, RequestId, IDEMPOTENCY};
pub use state::{AppState, DEFAULT_CHECKPOINT_EVERY_SECS, DEFAULT_LOG_KEY_NAME};
