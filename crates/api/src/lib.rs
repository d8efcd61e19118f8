//! The HTTP face of grantledger: an axum router over the store, with bearer-token auth and
//! `application/problem+json` errors. Handlers only extract, authorise, translate a DTO into a
//! command and map the result; rules live in the aggregates.

mod auth;
mod config;
mod error;
mod execute;
mod extract;
mod front_end;
mod hygiene;
pub mod idempotency;
mod kpis;
mod ops;
mod routes;
mod search;

pub use app::{AppError, AppState};
pub use auth::{mint_token, Claims};
pub use config::{
    resolve_kpi_targets, resolve_log_key, resolve_secret, Config, ConfigError, DEFAULT_ADDR,
    DEFAULT_LOG_KEY_NAME,
};
pub use error::ApiError;
pub use ops::{HttpOptions, DEFAULT_REQUEST_TIMEOUT};
pub use routes::{route_table, router};

use std::net::SocketAddr;

use tokio::net::TcpListener;

/// Connects `config.database_url`, migrates, and assembles the application's state.
pub async fn state_from_config(config: &Config) -> Result<AppState, ConfigError> {
    use kernel::{Clock, FixedClock, IdGen, RandomIds, SystemClock, WorkingCalendar};
    use std::sync::Arc;
    let ids: Arc<dyn IdGen> = Arc::new(RandomIds);
    let secret = resolve_secret(config, || {
        format!("{}{}", ids.new_id().simple(), ids.new_id().simple())
    })?;
    let clock: Arc<dyn Clock> = match config.fake_now {
        Some(at) => {
            tracing::warn!(%at, "GRANTLEDGER_FAKE_NOW is set: the clock is pinned; never use this in production");
            Arc::new(FixedClock::new(at))
        }
        None => Arc::new(SystemClock),
    };
    let db = store::Db::connect(&config.database_url).await?;
    db.migrate().await?;
    let store = store::Store::new(db, projections::all_projectors());
    let log_key = resolve_log_key(config)?;
    let kpi_targets = resolve_kpi_targets(config)?;
    Ok(AppState::with_calendar(
        store,
        clock,
        ids,
        secret,
        config.body_limit,
        WorkingCalendar::new(config.holidays.iter().copied()),
    )
    .with_log_signer(log_key, config.checkpoint_every)
    .with_kpi_targets(kpi_targets))
}

/// A bound, not yet serving, application (tests read its port before serving).
pub struct Application {
    listener: TcpListener,
    state: AppState,
    clock_every: std::time::Duration,
    dev_signin: bool,
    http: HttpOptions,
}

impl Application {
    /// Connects the store, runs migrations and binds `config.addr`.
    pub async fn build(config: Config) -> Result<Application, ConfigError> {
        let state = state_from_config(&config).await?;
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
            dev_signin: false,
            http: HttpOptions::default(),
        })
    }

    /// Mounts the development sign-in page's token endpoint (never in production).
    pub fn with_dev_signin(mut self, on: bool) -> Application {
        self.dev_signin = on;
        self
    }

    /// Serves with these CORS origins, HSTS and request timeout.
    pub fn with_http(mut self, http: HttpOptions) -> Application {
        self.http = http;
        self
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
        app::reactions::spawn_background(
            self.state.clone(),
            std::time::Duration::from_secs(2),
            self.clock_every,
        );
        routes::spawn_checkpoints(self.state.clone());
        let web = front_end::routes(&self.state, self.dev_signin);
        let app = ops::layers(
            router(self.state.clone()).merge(web),
            &self.state,
            &self.http,
        );
        axum::serve(self.listener, app)
            .with_graceful_shutdown(shutdown)
            .await
    }
}
