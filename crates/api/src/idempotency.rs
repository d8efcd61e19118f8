//! `Idempotency-Key` on every command.
//!
//! The key is recorded per caller, with a hash of method, path and body, **in the transaction of
//! the request's first command** (`store::IdempotencyClaim`), so two requests with one key can
//! never both store events: the second waits on the first's unique key and then fails on it.
//! Once the handler has answered, the response (status, `ETag`, `Location`, body) is attached to
//! the key. A retry with the same key and body gets that response again and writes nothing; the
//! same key with another request is 422 `idempotency_key_reused`. The handler runs on a task of
//! its own, so a client that drops the connection after sending cancels neither the command nor
//! the recording of its response. Keys are purged a day after they were recorded.

use std::sync::Arc;
use std::time::Duration;

use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{header, HeaderMap, HeaderName, HeaderValue, Method, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use chrono::SecondsFormat;
use serde_json::{Map, Value};
use store::IdempotencyClaim;

use crate::{ApiError, AppState};
use app::AppError;
use app::{IdempotencySlot, IDEMPOTENCY};

/// The request header.
pub const IDEMPOTENCY_KEY: &str = "idempotency-key";
/// Set on a replayed response.
pub const REPLAYED: &str = "idempotent-replayed";

/// The headers a replay restores.
const KEPT_HEADERS: [HeaderName; 3] = [header::CONTENT_TYPE, header::ETAG, header::LOCATION];

/// Marks the 409 a command answers when another request holds its key (see [`ApiError`]).
#[derive(Debug, Clone, Copy)]
pub(crate) struct KeyHeldElsewhere;

/// How long a retry waits for the first request's response before answering 409.
const WAIT_FOR_FIRST: Duration = Duration::from_secs(10);

fn request_hash(method: &Method, path: &str, body: &[u8]) -> String {
    let mut bytes = Vec::with_capacity(method.as_str().len() + path.len() + body.len() + 2);
    bytes.extend_from_slice(method.as_str().as_bytes());
    bytes.push(b'\n');
    bytes.extend_from_slice(path.as_bytes());
    bytes.push(b'\n');
    bytes.extend_from_slice(body);
    store::sha256_hex(&bytes)
}

fn valid_key(raw: &HeaderValue) -> Option<String> {
    let text = raw.to_str().ok()?.trim();
    (!text.is_empty() && text.len() <= 255 && text.chars().all(|c| c.is_ascii_graphic()))
        .then(|| text.to_string())
}

/// The middleware (see the module documentation).
pub(crate) async fn idempotency(
    State(state): State<AppState>,
    req: Request,
    next: Next,
) -> Response {
    let mutating = matches!(
        *req.method(),
        Method::POST | Method::PUT | Method::PATCH | Method::DELETE
    );
    let Some(raw) = req.headers().get(IDEMPOTENCY_KEY).cloned() else {
        return next.run(req).await;
    };
    if !mutating {
        return next.run(req).await;
    }
    let Some(key) = valid_key(&raw) else {
        return ApiError::BadRequest {
            code: "invalid_idempotency_key",
            detail: "Idempotency-Key must be 1 to 255 visible ASCII characters".into(),
        }
        .into_response();
    };
    // Keys are per caller: without a valid token the handler refuses anyway.
    let caller = match crate::auth::caller_of(&state, req.headers()) {
        Ok(c) => c.0.sub,
        Err(e) => return e.into_response(),
    };
    let (parts, body) = req.into_parts();
    let bytes = match axum::body::to_bytes(body, state.body_limit()).await {
        Ok(b) => b,
        Err(_) => return ApiError::PayloadTooLarge.into_response(),
    };
    let path = parts
        .uri
        .path_and_query()
        .map(|p| p.as_str())
        .unwrap_or("/");
    let hash = request_hash(&parts.method, path, &bytes);
    match state.store().idempotent_record(&caller, &key).await {
        Err(e) => return ApiError::from(e).into_response(),
        Ok(Some(_)) => return replay(&state, &caller, &key, &hash).await,
        Ok(None) => {}
    }
    let claim = IdempotencyClaim {
        caller: caller.clone(),
        key: key.clone(),
        request_hash: hash.clone(),
        created_at: state
            .clock()
            .now()
            .with_timezone(&chrono::Utc)
            .to_rfc3339_opts(SecondsFormat::Micros, true),
    };
    let slot = Arc::new(IdempotencySlot::new(claim));
    let req = Request::from_parts(parts, Body::from(bytes));
    let task_state = state.clone();
    let task = tokio::spawn(async move {
        let response = IDEMPOTENCY.scope(slot.clone(), next.run(req)).await;
        if slot.committed() {
            record(&task_state, &caller, &key, response).await
        } else if response.extensions().get::<KeyHeldElsewhere>().is_some() {
            replay(&task_state, &caller, &key, &hash).await
        } else {
            response
        }
    });
    match task.await {
        Ok(response) => response,
        Err(e) => ApiError::App(AppError::Internal(format!(
            "the request's task failed: {e}"
        )))
        .into_response(),
    }
}

/// Attaches `response` to the key and returns it unchanged.
async fn record(state: &AppState, caller: &str, key: &str, response: Response) -> Response {
    let (parts, body) = response.into_parts();
    let bytes = match axum::body::to_bytes(body, usize::MAX).await {
        Ok(b) => b,
        Err(e) => {
            return ApiError::App(AppError::Internal(format!(
                "cannot buffer the response: {e}"
            )))
            .into_response()
        }
    };
    let mut kept = Map::new();
    for name in KEPT_HEADERS {
        if let Some(v) = parts.headers.get(&name).and_then(|v| v.to_str().ok()) {
            kept.insert(name.to_string(), Value::String(v.to_string()));
        }
    }
    let body_text = String::from_utf8_lossy(&bytes).into_owned();
    if let Err(e) = state
        .store()
        .store_idempotent_response(
            caller,
            key,
            parts.status.as_u16(),
            &Value::Object(kept).to_string(),
            &body_text,
        )
        .await
    {
        // The command committed; the retry will see the key without a response (409).
        tracing::warn!(error = %e, "could not record the response of an idempotent request");
    }
    Response::from_parts(parts, Body::from(bytes))
}

/// Answers a request whose key is already recorded: the first response, 422 when the request
/// differs, or 409 when the first request has not answered within [`WAIT_FOR_FIRST`].
async fn replay(state: &AppState, caller: &str, key: &str, hash: &str) -> Response {
    let started = tokio::time::Instant::now();
    loop {
        let record = match state.store().idempotent_record(caller, key).await {
            Ok(r) => r,
            Err(e) => return ApiError::from(e).into_response(),
        };
        if let Some(record) = record {
            if record.request_hash != hash {
                return ApiError::IdempotencyKeyReused.into_response();
            }
            if let Some((status, headers, body)) = record.response {
                return replayed(status, &headers, body);
            }
        }
        if started.elapsed() >= WAIT_FOR_FIRST {
            return ApiError::App(AppError::IdempotencyKeyTaken).into_response();
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

fn replayed(status: u16, headers: &str, body: String) -> Response {
    let mut map = HeaderMap::new();
    if let Ok(Value::Object(kept)) = serde_json::from_str::<Value>(headers) {
        for (name, value) in kept {
            if let (Ok(n), Some(Ok(v))) = (
                HeaderName::try_from(name.as_str()),
                value.as_str().map(HeaderValue::from_str),
            ) {
                map.insert(n, v);
            }
        }
    }
    map.insert(REPLAYED, HeaderValue::from_static("true"));
    let status = StatusCode::from_u16(status).unwrap_or(StatusCode::OK);
    (status, map, body).into_response()
}
