//! The programme catalogue, read-only: what a call's programme caps and which weighted criteria
//! its experts score, so that clients show the same criteria the server checks.

use axum::extract::State;
use axum::routing::get;
use axum::Json;
use serde_json::{json, Value};

use super::Routes;
use crate::auth::Caller;
use crate::AppState;

pub(super) fn routes(r: Routes) -> Routes {
    r.route("/v1/programmes", &["get"], get(list_programmes))
}

/// Every programme with its award cap and review criteria (any authenticated caller).
async fn list_programmes(State(state): State<AppState>, _caller: Caller) -> Json<Value> {
    let items: Vec<Value> = state
        .programmes()
        .all()
        .iter()
        .map(|p| {
            json!({
                "id": p.id,
                "name": p.name,
                "award_cap_fen": p.award_cap.fen(),
                "min_window_days": p.min_window_days,
                "max_race_teams": p.max_race_teams,
                "review_criteria": p.review_criteria.iter().map(|c| json!({
                    "id": c.id, "name": c.name, "weight": c.weight,
                })).collect::<Vec<_>>(),
            })
        })
        .collect();
    Json(json!({ "items": items }))
}
