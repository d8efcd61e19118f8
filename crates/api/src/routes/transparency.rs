//! The transparency log over the whole ledger: its verifier key, signed checkpoints (issued on
//! demand and on a schedule, every one kept), inclusion and consistency proofs, and witnesses'
//! cosignatures. Reads are audit reads (auditor or officer, logged); posting a cosignature is
//! the one write an auditor may make, because a witness's statement is not a ledger command.

use std::time::Duration;

use axum::extract::State;
use axum::http::{header, HeaderValue, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::Json;
use chrono::SecondsFormat;
use cqrs_es::persist::SerializedEvent;
use serde::Deserialize;
use serde_json::{json, Value};
use store::chain::BundleLine;
use store::transparency::{Log, LogError, StoredCheckpoint};

use super::audit::{audited, bad_query};
use super::Routes;
use crate::auth::Caller;
use crate::execute::RequestId;
use crate::extract::{Body, Path, Query};
use crate::{ApiError, AppState};
use app::AppError;

/// Where the log's verifier key is published (no token needed).
pub(crate) const KEY_PATH: &str = "/.well-known/grantledger-log-key";
/// The cosignature route, the one POST an auditor-only token may call.
pub(crate) const COSIGN_PATH: &str = "/v1/audit/log/checkpoints/{size}/cosignatures";

pub(super) fn routes(r: Routes) -> Routes {
    r.route(KEY_PATH, &["get"], get(verifier_key))
        .route("/v1/audit/log", &["get"], get(summary))
        .route(
            "/v1/audit/log/checkpoint",
            &["get"],
            get(current_checkpoint),
        )
        .route("/v1/audit/log/checkpoints", &["get"], get(list_checkpoints))
        .route(
            "/v1/audit/log/checkpoints/{size}",
            &["get"],
            get(checkpoint_at),
        )
        .route(COSIGN_PATH, &["post"], post(cosign))
        .route("/v1/audit/log/proofs/inclusion", &["get"], get(inclusion))
        .route(
            "/v1/audit/log/proofs/consistency",
            &["get"],
            get(consistency),
        )
}

/// True for a request path the cosignature route serves.
pub(crate) fn is_cosign_path(path: &str) -> bool {
    let parts: Vec<&str> = path.trim_end_matches('/').split('/').collect();
    matches!(
        parts.as_slice(),
        ["", "v1", "audit", "log", "checkpoints", size, "cosignatures"] if size.parse::<u64>().is_ok()
    )
}

fn log(state: &AppState) -> Log {
    Log::new(state.store().db().clone())
}

fn now(state: &AppState) -> String {
    state
        .clock()
        .now()
        .to_rfc3339_opts(SecondsFormat::Micros, true)
}

fn log_failed(e: LogError) -> ApiError {
    match e {
        LogError::OutOfRange(detail) => ApiError::BadRequest {
            code: "log_out_of_range",
            detail,
        },
        LogError::NotFound(detail) => ApiError::App(AppError::NotFound(detail)),
        LogError::Rejected(message) => ApiError::App(AppError::Domain {
            code: "cosignature_rejected",
            kind: kernel::ErrorKind::Invalid,
            message,
        }),
        LogError::Store(e) => e.into(),
    }
}

fn note_response(note: String) -> Response {
    let mut response = note.into_response();
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/plain; charset=utf-8"),
    );
    response
}

/// Issues (or finds) the checkpoint of the current tree.
async fn issue(state: &AppState) -> Result<StoredCheckpoint, ApiError> {
    log(state)
        .issue_checkpoint(&state.log_signer(), &now(state))
        .await
        .map_err(log_failed)
}

async fn verifier_key(State(state): State<AppState>) -> Response {
    note_response(format!("{}\n", state.log_signer().verifier()))
}

async fn summary(
    State(state): State<AppState>,
    caller: Caller,
    request_id: RequestId,
    uri: Uri,
) -> Result<Json<Value>, ApiError> {
    audited(&state, &caller, &request_id, "log_summary", &uri).await?;
    let log = log(&state);
    let head = log.head().await?;
    let latest = log.latest_checkpoint().await?;
    let signer = state.log_signer();
    Ok(Json(json!({
        "origin": signer.name(),
        "verifier_key": signer.verifier().to_string(),
        "tree_size": head.size(),
        "root_hash": tlog::hash_to_base64(&head.root()),
        "latest_checkpoint": latest.map(|c| c.tree_size),
    })))
}

async fn current_checkpoint(
    State(state): State<AppState>,
    caller: Caller,
    request_id: RequestId,
    uri: Uri,
) -> Result<Response, ApiError> {
    audited(&state, &caller, &request_id, "log_checkpoint", &uri).await?;
    Ok(note_response(issue(&state).await?.note))
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ListParams {
    after: Option<u64>,
    limit: Option<u32>,
}

async fn list_checkpoints(
    State(state): State<AppState>,
    caller: Caller,
    request_id: RequestId,
    uri: Uri,
    Query(params): Query<ListParams>,
) -> Result<Json<Value>, ApiError> {
    audited(&state, &caller, &request_id, "log_checkpoints", &uri).await?;
    let limit = params.limit.unwrap_or(projections::DEFAULT_PAGE);
    if !(1..=projections::MAX_PAGE).contains(&limit) {
        return Err(bad_query(format!(
            "limit must be between 1 and {}",
            projections::MAX_PAGE
        )));
    }
    let mut items = log(&state).checkpoints(params.after, limit + 1).await?;
    let next_cursor = if items.len() > limit as usize {
        items.truncate(limit as usize);
        items.last().map(|c| c.tree_size)
    } else {
        None
    };
    Ok(Json(json!({"items": items, "next_cursor": next_cursor})))
}

fn size_param(text: &str) -> Result<u64, ApiError> {
    text.parse::<u64>()
        .map_err(|_| bad_query(format!("tree size {text:?} is not a whole number")))
}

async fn checkpoint_at(
    State(state): State<AppState>,
    caller: Caller,
    request_id: RequestId,
    uri: Uri,
    Path(size): Path<String>,
) -> Result<Response, ApiError> {
    audited(&state, &caller, &request_id, "log_checkpoint", &uri).await?;
    let size = size_param(&size)?;
    let kept = log(&state).checkpoint(size).await?.ok_or_else(|| {
        ApiError::App(AppError::NotFound(format!(
            "no checkpoint of size {size} is kept"
        )))
    })?;
    Ok(note_response(kept.note))
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct CosignBody {
    /// The witness's verifier key (C2SP vkey, signature type 0x04).
    witness_key: String,
    /// The `cosignature/v1` signature line.
    cosignature: String,
}

async fn cosign(
    State(state): State<AppState>,
    caller: Caller,
    request_id: RequestId,
    uri: Uri,
    Path(size): Path<String>,
    Body(body): Body<CosignBody>,
) -> Result<Response, ApiError> {
    audited(&state, &caller, &request_id, "log_cosign", &uri).await?;
    let size = size_param(&size)?;
    let kept = log(&state)
        .add_cosignature(
            size,
            &body.witness_key,
            &body.cosignature,
            &caller.0.sub,
            &now(&state),
        )
        .await
        .map_err(log_failed)?;
    Ok((StatusCode::CREATED, Json(kept)).into_response())
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct InclusionParams {
    #[serde(rename = "type")]
    kind: Option<String>,
    id: Option<String>,
    sequence: Option<u64>,
    leaf_index: Option<u64>,
    tree_size: Option<u64>,
}

/// The tree size a proof is for: the one asked for (with its checkpoint when one is kept), or
/// the current tree's checkpoint, issued now if need be.
async fn proof_size(
    state: &AppState,
    asked: Option<u64>,
) -> Result<(u64, Option<String>), ApiError> {
    match asked {
        Some(size) => Ok((size, log(state).checkpoint(size).await?.map(|c| c.note))),
        None => {
            let c = issue(state).await?;
            Ok((c.tree_size, Some(c.note)))
        }
    }
}

async fn inclusion(
    State(state): State<AppState>,
    caller: Caller,
    request_id: RequestId,
    uri: Uri,
    Query(params): Query<InclusionParams>,
) -> Result<Json<Value>, ApiError> {
    audited(&state, &caller, &request_id, "log_inclusion", &uri).await?;
    let log = log(&state);
    let leaf = match (params.kind, params.id, params.sequence, params.leaf_index) {
        (Some(kind), Some(id), Some(seq), None) => {
            log.leaf_of_event(&kind, &id, seq).await?.ok_or_else(|| {
                ApiError::App(AppError::NotFound(format!(
                    "no event {kind}/{id}/{seq} in the log"
                )))
            })?
        }
        (None, None, None, Some(index)) => log
            .leaves(index, 1)
            .await?
            .into_iter()
            .find(|l| l.leaf_index == index)
            .ok_or_else(|| {
                ApiError::App(AppError::NotFound(format!("no leaf {index} in the log")))
            })?,
        _ => {
            return Err(bad_query(
                "give type, id and sequence (one event) or leaf_index".into(),
            ))
        }
    };
    let (size, checkpoint) = proof_size(&state, params.tree_size).await?;
    let proof = log
        .inclusion_proof(leaf.leaf_index, size)
        .await
        .map_err(log_failed)?;
    let leaf_hash =
        store::transparency::event_leaf_hash(&leaf.event_hash).map(|h| tlog::hash_to_base64(&h));
    Ok(Json(json!({
        "leaf_index": leaf.leaf_index,
        "tree_size": size,
        "aggregate_type": leaf.aggregate_type,
        "aggregate_id": leaf.aggregate_id,
        "sequence": leaf.sequence,
        "event_hash": leaf.event_hash,
        "leaf_hash": leaf_hash,
        "inclusion_path": proof.iter().map(tlog::hash_to_base64).collect::<Vec<_>>(),
        "checkpoint": checkpoint,
    })))
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ConsistencyParams {
    old: u64,
    new: Option<u64>,
}

async fn consistency(
    State(state): State<AppState>,
    caller: Caller,
    request_id: RequestId,
    uri: Uri,
    Query(params): Query<ConsistencyParams>,
) -> Result<Json<Value>, ApiError> {
    audited(&state, &caller, &request_id, "log_consistency", &uri).await?;
    let (new, checkpoint) = proof_size(&state, params.new).await?;
    let proof = log(&state)
        .consistency_proof(params.old, new)
        .await
        .map_err(log_failed)?;
    Ok(Json(json!({
        "old_size": params.old,
        "new_size": new,
        "consistency_path": proof.iter().map(tlog::hash_to_base64).collect::<Vec<_>>(),
        "checkpoint": checkpoint,
    })))
}

/// An export bundle: one JSON line per event, each carrying under `log` its leaf index, the
/// checkpoint of the current tree and its inclusion proof in that tree.
pub(super) async fn bundle(
    state: &AppState,
    events: &[SerializedEvent],
) -> Result<String, ApiError> {
    // The events were read first, so the checkpoint's tree contains every one of them.
    let checkpoint = issue(state).await?;
    let log = log(state);
    let mut out = String::new();
    for e in events {
        let mut line = serde_json::to_value(BundleLine::from(e))
            .map_err(|e| ApiError::App(AppError::Internal(e.to_string())))?;
        if let Some(leaf) = log
            .leaf_of_event(&e.aggregate_type, &e.aggregate_id, e.sequence as u64)
            .await?
        {
            let proof = log
                .inclusion_proof(leaf.leaf_index, checkpoint.tree_size)
                .await
                .map_err(log_failed)?;
            if let Value::Object(map) = &mut line {
                map.insert(
                    "log".into(),
                    json!({
                        "leaf_index": leaf.leaf_index,
                        "tree_size": checkpoint.tree_size,
                        "inclusion_path": proof.iter().map(tlog::hash_to_base64).collect::<Vec<_>>(),
                        "checkpoint": checkpoint.note,
                    }),
                );
            }
        }
        out.push_str(&line.to_string());
        out.push('\n');
    }
    Ok(out)
}

/// Issues a checkpoint every [`AppState::checkpoint_every`]. Several processes may run this
/// over one database: a size already checkpointed is left as it is.
pub(crate) fn spawn_checkpoints(state: AppState) {
    let every = state.checkpoint_every().max(Duration::from_secs(1));
    tokio::spawn(async move {
        let mut tick = tokio::time::interval_at(tokio::time::Instant::now() + every, every);
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tick.tick().await;
            match issue(&state).await {
                Ok(c) => tracing::info!(tree_size = c.tree_size, "transparency log checkpoint"),
                Err(e) => tracing::warn!(error = %e, "scheduled checkpoint failed"),
            }
        }
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_the_cosignature_route_is_recognised() {
        assert!(is_cosign_path("/v1/audit/log/checkpoints/12/cosignatures"));
        assert!(!is_cosign_path("/v1/audit/log/checkpoints/x/cosignatures"));
        assert!(!is_cosign_path("/v1/challenges/12/cosignatures"));
        assert!(!is_cosign_path("/v1/audit/log/checkpoints/12"));
    }
}
