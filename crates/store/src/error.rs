/// Why a store operation failed.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The database refused or could not be reached.
    #[error("database: {0}")]
    Database(#[from] sqlx::Error),
    /// A migration failed.
    #[error("migration: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
    /// A stored document does not decode.
    #[error("decode: {0}")]
    Decode(#[from] serde_json::Error),
    /// A view could not fold an event.
    #[error("projection: {0}")]
    Projection(#[from] projections::ProjectionError),
    /// The `DATABASE_URL` is not one this store understands.
    #[error("unsupported database url {0:?}: use sqlite://PATH or postgres://…")]
    UnsupportedUrl(String),
    /// The transparency log's stored state is inconsistent.
    #[error("transparency log: {0}")]
    Log(String),
}

impl StoreError {
    /// True when the database could not be reached (as opposed to refusing a statement).
    pub fn is_unavailable(&self) -> bool {
        matches!(
            self,
            StoreError::Database(
                sqlx::Error::PoolTimedOut
                    | sqlx::Error::PoolClosed
                    | sqlx::Error::Io(_)
                    | sqlx::Error::Tls(_)
            )
        )
    }
}
