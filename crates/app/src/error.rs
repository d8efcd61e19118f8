//! What the application layer refuses, in its own words; the adapters translate it (the API into
//! `application/problem+json`, the web pages into a message next to the field).

use kernel::{DomainError, ErrorKind};

/// Every way an application call can fail.
#[derive(Debug, Clone, thiserror::Error)]
pub enum AppError {
    /// The caller may not do or see this.
    #[error("{0}")]
    Forbidden(String),
    /// No such resource.
    #[error("{0}")]
    NotFound(String),
    /// The input of a command is not acceptable, for one named field.
    #[error("{field}: {message}")]
    InvalidField {
        /// The field's name.
        field: String,
        /// A stable code for the problem.
        code: String,
        /// What is wrong, for people.
        message: String,
    },
    /// A refusal by a rule of the application (a missing subject, an item already resolved, an
    /// amount above what the ledger allows …), classed like a domain refusal.
    #[error("{detail}")]
    Refused {
        /// Class of refusal (decides the HTTP status in the API).
        kind: ErrorKind,
        /// Stable code.
        code: &'static str,
        /// What is wrong.
        detail: String,
    },
    /// A rule of the domain refused the command.
    #[error("{message}")]
    Domain {
        /// Stable code from the aggregate.
        code: &'static str,
        /// Class of refusal.
        kind: ErrorKind,
        /// The rule's message.
        message: String,
    },
    /// The client's expected version is not the one the command loaded.
    #[error("the resource is at version {current}, not {expected}")]
    VersionMismatch {
        /// The version the client sent.
        expected: u64,
        /// The stream's version.
        current: u64,
    },
    /// Another command changed the stream at the same time, and the retries were used up.
    #[error("another change was committed first; reload and retry")]
    ConcurrencyConflict,
    /// A request with the same caller and `Idempotency-Key` committed first and its response is
    /// not yet known.
    #[error("a request with this Idempotency-Key is being processed; retry shortly")]
    IdempotencyKeyTaken,
    /// The database cannot be reached.
    #[error("the database is unavailable")]
    Unavailable(String),
    /// Anything else; the cause is logged, never shown.
    #[error("internal error")]
    Internal(String),
}

impl AppError {
    /// A refusal from an aggregate's error type.
    pub fn domain<E: DomainError>(e: &E) -> AppError {
        AppError::Domain {
            code: e.code(),
            kind: e.kind(),
            message: e.to_string(),
        }
    }

    /// A refusal of the input `field`.
    pub fn field(field: &str, code: &str, message: String) -> AppError {
        AppError::InvalidField {
            field: field.to_string(),
            code: code.to_string(),
            message,
        }
    }

    /// The refusal's stable code and detail when a rule (of the domain or of the application)
    /// refused, `None` for failures that a retry may cure (database, conflicts, bugs).
    pub fn refusal(&self) -> Option<(String, String)> {
        match self {
            AppError::Domain { code, message, .. } => Some(((*code).to_string(), message.clone())),
            AppError::Refused { code, detail, .. } => Some(((*code).to_string(), detail.clone())),
            AppError::NotFound(detail) => Some(("not_found".to_string(), detail.clone())),
            AppError::InvalidField { code, message, .. } => Some((code.clone(), message.clone())),
            AppError::Forbidden(detail) => Some(("forbidden".to_string(), detail.clone())),
            _ => None,
        }
    }
}

impl From<store::StoreError> for AppError {
    fn from(err: store::StoreError) -> Self {
        if err.is_unavailable() {
            AppError::Unavailable(err.to_string())
        } else {
            AppError::Internal(err.to_string())
        }
    }
}

/// A command's failure with the aggregate's own error kept typed, so that a caller (a process
/// manager) can match the rule that refused it instead of its code.
#[derive(Debug)]
pub enum CommandError<E> {
    /// The aggregate refused the command.
    Rule(E),
    /// Anything else.
    App(AppError),
}

impl<E: DomainError> From<CommandError<E>> for AppError {
    fn from(err: CommandError<E>) -> Self {
        match err {
            CommandError::Rule(e) => AppError::domain(&e),
            CommandError::App(e) => e,
        }
    }
}

impl<E> From<AppError> for CommandError<E> {
    fn from(err: AppError) -> Self {
        CommandError::App(err)
    }
}
