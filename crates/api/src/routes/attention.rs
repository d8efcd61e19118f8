//! The officers' work list of refused reactions (待办事项): read it, retry an item once its cause
//! is fixed, or dismiss it with a reason. Retry and dismissal are events of the item's stream.

use attention::{AttentionCommand, AttentionItem, AttentionStatus};
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::{get, post};
use kernel::Role;
use projections::{AttentionView, Page};
use serde::Deserialize;
use serde_json::Value;

use super::common::{EmptyDto, ListParams};
use super::Routes;
use crate::auth::Caller;
use crate::execute::{representation, CommandCall, IfMatch, RequestId};
use crate::extract::{Body, OptionalBody, Path, Query};
use crate::{ApiError, AppState};
use app::AppError;

pub(super) fn routes(r: Routes) -> Routes {
    r.route("/v1/attention", &["get"], get(list_attention))
        .route("/v1/attention/{id}", &["get"], get(get_attention))
        .route("/v1/attention/{id}/retry", &["post"], post(retry_reaction))
        .route(
            "/v1/attention/{id}/dismiss",
            &["post"],
            post(dismiss_reaction),
        )
}

/// `AttentionDismissal` in the OpenAPI document.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct DismissalDto {
    reason: String,
}

fn officers_and_auditors(caller: &Caller) -> Result<(), ApiError> {
    if caller.sees_all() {
        Ok(())
    } else {
        Err(ApiError::App(AppError::Forbidden(
            "the attention list is for officers and auditors".into(),
        )))
    }
}

async fn load(state: &AppState, id: &str) -> Result<Value, ApiError> {
    state
        .store()
        .view(AttentionView::NAME, id)
        .await?
        .ok_or_else(|| ApiError::App(AppError::NotFound(format!("no attention item {id}"))))
}

async fn list_attention(
    State(state): State<AppState>,
    caller: Caller,
    Query(params): Query<ListParams>,
) -> Result<axum::Json<Page<Value>>, ApiError> {
    officers_and_auditors(&caller)?;
    let statuses: Vec<&str> = AttentionStatus::ALL.iter().map(|s| s.as_str()).collect();
    let query = params.query(&statuses)?;
    Ok(axum::Json(
        state.store().list(AttentionView::NAME, &query).await?,
    ))
}

async fn get_attention(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    officers_and_auditors(&caller)?;
    Ok(representation(
        StatusCode::OK,
        load(&state, &id).await?,
        None,
    ))
}

/// The outbox row an item stands for: reactor and causing event.
fn outbox_key(view: &Value) -> (String, String, String, i64) {
    (
        view["reactor"].as_str().unwrap_or_default().to_string(),
        view["cause"]["aggregate_type"]
            .as_str()
            .unwrap_or_default()
            .to_string(),
        view["cause"]["aggregate_id"]
            .as_str()
            .unwrap_or_default()
            .to_string(),
        view["cause"]["sequence"].as_i64().unwrap_or(0),
    )
}

async fn retry_reaction(
    State(state): State<AppState>,
    caller: Caller,
    request_id: RequestId,
    if_match: IfMatch,
    Path(id): Path<String>,
    Body(EmptyDto {}): OptionalBody<EmptyDto>,
) -> Result<Response, ApiError> {
    let actor = caller.require(Role::Officer)?;
    let view = load(&state, &id).await?;
    CommandCall::new(actor, &request_id, if_match)
        .run::<AttentionItem>(
            &state,
            state.attention(),
            &id,
            true,
            "RetryReaction",
            AttentionCommand::RequestRetry {
                by: actor.sub.clone(),
            },
        )
        .await?;
    let (reactor, kind, stream, sequence) = outbox_key(&view);
    state
        .store()
        .unpark_reaction(&reactor, &kind, &stream, sequence)
        .await?;
    // Run it now, so the officer sees whether the retry went through.
    if let Err(e) = app::reactions::drain(&state).await {
        tracing::warn!(error = %e, "drain after a retry failed; the background drain retries");
    }
    Ok(representation(
        StatusCode::OK,
        load(&state, &id).await?,
        None,
    ))
}

async fn dismiss_reaction(
    State(state): State<AppState>,
    caller: Caller,
    request_id: RequestId,
    if_match: IfMatch,
    Path(id): Path<String>,
    Body(dto): Body<DismissalDto>,
) -> Result<Response, ApiError> {
    let actor = caller.require(Role::Officer)?;
    let view = load(&state, &id).await?;
    CommandCall::new(actor, &request_id, if_match)
        .run::<AttentionItem>(
            &state,
            state.attention(),
            &id,
            true,
            "DismissReaction",
            AttentionCommand::Dismiss {
                by: actor.sub.clone(),
                reason: dto.reason,
            },
        )
        .await?;
    let (reactor, kind, stream, sequence) = outbox_key(&view);
    state
        .store()
        .drop_reaction(&reactor, &kind, &stream, sequence)
        .await?;
    Ok(representation(
        StatusCode::OK,
        load(&state, &id).await?,
        None,
    ))
}
