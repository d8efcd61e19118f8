use std::str::FromStr;
use std::time::Duration;

use sqlx::postgres::PgPoolOptions;
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
use sqlx::{PgPool, SqlitePool};

use crate::StoreError;

/// Which database a [`Db`] talks to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    /// PostgreSQL via postgres-es: the production store.
    Postgres,
    /// An embedded SQLite file via sqlite-es: the default.
    Sqlite,
}

/// A connection pool to one of the two supported databases.
#[derive(Debug, Clone)]
pub enum Db {
    /// PostgreSQL.
    Postgres(PgPool),
    /// SQLite (WAL, `synchronous=FULL`).
    Sqlite(SqlitePool),
}

impl Db {
    /// Connects to `url` (`sqlite://PATH` or `postgres://…`). A SQLite file is created if missing,
    /// in WAL mode with `synchronous=FULL` so an acknowledged command survives a power cut.
    pub async fn connect(url: &str) -> Result<Db, StoreError> {
        if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            // No ping before every acquire: a broken connection fails its statement instead,
            // which the command path reports (503) or retries like any other failure.
            let pool = PgPoolOptions::new()
                .max_connections(16)
                .test_before_acquire(false)
                .acquire_timeout(Duration::from_secs(10))
                .connect(url)
                .await?;
            Ok(Db::Postgres(pool))
        } else if url.starts_with("sqlite:") {
            let options = SqliteConnectOptions::from_str(url)?
                .create_if_missing(true)
                .journal_mode(SqliteJournalMode::Wal)
                .synchronous(SqliteSynchronous::Full)
                .busy_timeout(Duration::from_secs(30))
                .foreign_keys(true);
            let pool = SqlitePoolOptions::new()
                .max_connections(8)
                .test_before_acquire(false)
                .acquire_timeout(Duration::from_secs(30))
                .connect_with(options)
                .await?;
            Ok(Db::Sqlite(pool))
        } else {
            Err(StoreError::UnsupportedUrl(url.to_string()))
        }
    }

    /// Which backend this is.
    pub fn backend(&self) -> Backend {
        match self {
            Db::Postgres(_) => Backend::Postgres,
            Db::Sqlite(_) => Backend::Sqlite,
        }
    }

    /// Applies the embedded migrations of this backend.
    pub async fn migrate(&self) -> Result<(), StoreError> {
        match self {
            Db::Postgres(pool) => {
                sqlx::migrate!("../../migrations/postgres")
                    .run(pool)
                    .await?
            }
            Db::Sqlite(pool) => sqlx::migrate!("../../migrations/sqlite").run(pool).await?,
        }
        Ok(())
    }

    /// Checks that the database answers.
    pub async fn ping(&self) -> Result<(), StoreError> {
        match self {
            Db::Postgres(pool) => {
                sqlx::query("SELECT 1").execute(pool).await?;
            }
            Db::Sqlite(pool) => {
                sqlx::query("SELECT 1").execute(pool).await?;
            }
        }
        Ok(())
    }

    /// Closes the pool.
    pub async fn close(&self) {
        match self {
            Db::Postgres(pool) => pool.close().await,
            Db::Sqlite(pool) => pool.close().await,
        }
    }
}
