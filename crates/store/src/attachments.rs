//! Attachment bytes, addressed by their SHA-256, in the events' database.

use sha2::{Digest, Sha256};

use crate::tx::sqlite_sql;
use crate::{Db, Store, StoreError};

/// A stored document.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredAttachment {
    /// Lower-case hex SHA-256 of `bytes`.
    pub sha256: String,
    /// Media type as checked on upload.
    pub content_type: String,
    /// The content.
    pub bytes: Vec<u8>,
}

/// The lower-case hex SHA-256 of `bytes`.
pub fn sha256_hex(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

impl Store {
    /// Stores `bytes` under their hash (once; storing the same content again is a no-op) and
    /// returns the hash.
    pub async fn put_attachment(
        &self,
        content_type: &str,
        bytes: &[u8],
        stored_at: &str,
    ) -> Result<String, StoreError> {
        let sha = sha256_hex(bytes);
        const SQL: &str = "INSERT INTO attachments (sha256, content_type, size, bytes, stored_at) VALUES ($1, $2, $3, $4, $5) ON CONFLICT (sha256) DO NOTHING";
        let size = bytes.len() as i64;
        match self.db() {
            Db::Postgres(pool) => {
                sqlx::query(SQL)
                    .bind(&sha)
                    .bind(content_type)
                    .bind(size)
                    .bind(bytes)
                    .bind(stored_at)
                    .execute(pool)
                    .await?;
            }
            Db::Sqlite(pool) => {
                sqlx::query(&sqlite_sql(SQL))
                    .bind(&sha)
                    .bind(content_type)
                    .bind(size)
                    .bind(bytes)
                    .bind(stored_at)
                    .execute(pool)
                    .await?;
            }
        }
        Ok(sha)
    }

    /// The document stored under `sha256`, if any.
    pub async fn attachment(&self, sha256: &str) -> Result<Option<StoredAttachment>, StoreError> {
        const SQL: &str = "SELECT content_type, bytes FROM attachments WHERE sha256 = $1";
        let row: Option<(String, Vec<u8>)> = match self.db() {
            Db::Postgres(pool) => {
                sqlx::query_as(SQL)
                    .bind(sha256)
                    .fetch_optional(pool)
                    .await?
            }
            Db::Sqlite(pool) => {
                sqlx::query_as(&sqlite_sql(SQL))
                    .bind(sha256)
                    .fetch_optional(pool)
                    .await?
            }
        };
        Ok(row.map(|(content_type, bytes)| StoredAttachment {
            sha256: sha256.to_string(),
            content_type,
            bytes,
        }))
    }
}
