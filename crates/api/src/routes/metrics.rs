//! `GET /metrics`: Prometheus' text exposition of the application's metrics. Like the probes it
//! needs no token (a scraper holds none); keep it on a private network or block the path at the
//! reverse proxy (README "Operations").

use axum::extract::State;
use axum::http::header;
use axum::response::IntoResponse;
use axum::routing::get;

use super::Routes;
use crate::{ApiError, AppState};

pub(super) fn routes(r: Routes) -> Routes {
    r.route("/metrics", &["get"], get(metrics))
}

/// Every metric, the outbox, attention list, pool and scheduler figures read now.
async fn metrics(State(state): State<AppState>) -> Result<impl IntoResponse, ApiError> {
    let text = app::metrics::render(&state).await?;
    Ok((
        [(
            header::CONTENT_TYPE,
            "text/plain; version=0.0.4; charset=utf-8",
        )],
        text,
    ))
}
