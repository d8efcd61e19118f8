//! Fresh databases for tests: a temporary SQLite file, or a new PostgreSQL database created from
//! `TEST_DATABASE_URL` (default `postgres://postgres@127.0.0.1:5432/postgres`) and dropped when
//! the guard goes. A PostgreSQL that cannot be reached fails the test; it is never skipped.

use std::path::PathBuf;

use crate::{Backend, Db, StoreError};

/// The admin URL tests create their PostgreSQL databases from.
pub fn admin_url() -> String {
    std::env::var("TEST_DATABASE_URL")
        .ok()
        .filter(|v| !v.is_empty())
        .unwrap_or_else(|| "postgres://postgres@127.0.0.1:5432/postgres".to_string())
}

/// Removes the test database when dropped.
pub struct FreshDb {
    /// The URL of the fresh database.
    pub url: String,
    cleanup: Cleanup,
}

enum Cleanup {
    File(PathBuf),
    Database { admin: String, name: String },
}

impl FreshDb {
    /// Creates a fresh, empty database on `backend` (no migrations run yet).
    pub async fn create(backend: Backend) -> Result<FreshDb, StoreError> {
        let tag = uuid::Uuid::new_v4().simple().to_string();
        match backend {
            Backend::Sqlite => {
                let path = std::env::temp_dir().join(format!("gl_test_{tag}.db"));
                Ok(FreshDb {
                    url: format!("sqlite://{}", path.display()),
                    cleanup: Cleanup::File(path),
                })
            }
            Backend::Postgres => {
                let admin = admin_url();
                let name = format!("gl_test_{tag}");
                let pool = sqlx::PgPool::connect(&admin).await?;
                sqlx::query(&format!("CREATE DATABASE {name}"))
                    .execute(&pool)
                    .await?;
                pool.close().await;
                let base = admin.rsplit_once('/').map(|(b, _)| b).unwrap_or(&admin);
                Ok(FreshDb {
                    url: format!("{base}/{name}"),
                    cleanup: Cleanup::Database { admin, name },
                })
            }
        }
    }

    /// Connects to the fresh database and applies the migrations.
    pub async fn connect(&self) -> Result<Db, StoreError> {
        let db = Db::connect(&self.url).await?;
        db.migrate().await?;
        Ok(db)
    }
}

impl Drop for FreshDb {
    fn drop(&mut self) {
        match &self.cleanup {
            Cleanup::File(path) => {
                for suffix in ["", "-wal", "-shm", ".secret", ".logkey"] {
                    let mut p = path.clone().into_os_string();
                    p.push(suffix);
                    let _ = std::fs::remove_file(p);
                }
            }
            Cleanup::Database { admin, name } => {
                let (admin, name) = (admin.clone(), name.clone());
                // Drop runs outside any runtime guarantee: use a private one on its own thread.
                let _ = std::thread::spawn(move || {
                    let Ok(rt) = tokio::runtime::Builder::new_current_thread()
                        .enable_all()
                        .build()
                    else {
                        return;
                    };
                    rt.block_on(async move {
                        if let Ok(pool) = sqlx::PgPool::connect(&admin).await {
                            let _ = sqlx::query(&format!(
                                "DROP DATABASE IF EXISTS {name} WITH (FORCE)"
                            ))
                            .execute(&pool)
                            .await;
                            pool.close().await;
                        }
                    });
                })
                .join();
            }
        }
    }
}
