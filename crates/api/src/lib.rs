//! The HTTP face of grantledger: an axum router over the store, with bearer-token auth and
//! `application/problem+json` errors. Handlers only extract, authorise, translate a DTO into a
//! command and map the result; rules live in the aggregates.

pub mod audit;
mod auth;
pub mod clock;
mod config;
mod error;
mod execute;
mod extract;
pub mod idempotency;
mod integrity;
mod kpis;
pub mod reactions;
mod reactions_consortium;
mod reactions_race;
mod recoverable;
mod recovery;
mod routes;
mod search;
mod state;

pub use auth::{mint_token, Claims};
pub use config::{
    resolve_kpi_targets, resolve_log_key, resolve_secret, Config, ConfigError, DEFAULT_LOG_KEY_NAME,
};
pub use error::ApiError;
pub use integrity::active_bars;
pub use routes::{route_table, router};
pub use state::AppState;

use std::net::SocketAddr;

use tokio::net::TcpListener;

/// A bound, not yet serving, application (tests read its port before serving).
pub struct Application {
    listener: TcpListener,
    state: AppState,
    clock_every: std::time::Duration,
}

impl Application {
    /// Connects the store, runs migrations and binds `config.addr`.
    pub async fn build(config: Config) -> Result<Application, ConfigError> {
        let state = AppState::from_config(&config).await?;
        let mut app = Self::with_state(&config.addr, state).await?;
        app.clock_every = std::time::Duration::from_secs(config.clock_interval_secs);
        Ok(app)
    }

    /// Binds `addr` for an already assembled state.
    pub async fn with_state(addr: &str, state: AppState) -> Result<Application, ConfigError> {
        let listener = TcpListener::bind(addr)
            .await
            .map_err(|e| ConfigError::Bind(addr.to_string(), e))?;
        Ok(Application {
            listener,
            state,
            clock_every: std::time::Duration::from_secs(config::DEFAULT_CLOCK_INTERVAL_SECS),
        })
    }

    /// The bound address.
    pub fn local_addr(&self) -> std::io::Result<SocketAddr> {
        self.listener.local_addr()
    }

    /// The bound port.
    pub fn port(&self) -> u16 {
        self.local_addr().map(|a| a.port()).unwrap_or(0)
    }

    /// Serves until `shutdown` resolves.
    pub async fn serve<F>(self, shutdown: F) -> std::io::Result<()>
    where
        F: std::future::Future<Output = ()> + Send + 'static,
    {
        reactions::spawn_background(
            self.state.clone(),
            std::time::Duration::from_secs(2),
            self.clock_every,
        );
        routes::spawn_checkpoints(self.state.clone());
        let app = router(self.state);
        axum::serve(self.listener, app)
            .with_graceful_shutdown(shutdown)
            .await
    }
}
