use axum::extract::State;
use axum::routing::get;
use axum::Json;
use chrono::SecondsFormat;
use serde_json::{json, Value};

use super::Routes;
use crate::{ApiError, AppState};
use app::AppError;

pub(super) fn routes(r: Routes) -> Routes {
    r.route("/healthz", &["get"], get(healthz))
        .route("/readyz", &["get"], get(readyz))
}

/// Liveness, with the time the server believes it is (and whether the clock is pinned).
async fn healthz(State(state): State<AppState>) -> Json<Value> {
    let clock = state.clock();
    Json(json!({
        "status": "ok",
        "now": clock.now().to_rfc3339_opts(SecondsFormat::Secs, true),
        "today": clock.today(),
        "clock": if clock.is_pinned() { "pinned" } else { "system" },
    }))
}

/// Readiness: the database answers.
async fn readyz(State(state): State<AppState>) -> Result<Json<Value>, ApiError> {
    state
        .store()
        .db()
        .ping()
        .await
        .map_err(|e| ApiError::App(AppError::Unavailable(e.to_string())))?;
    Ok(Json(json!({"status": "ready"})))
}
