//! Auditors' reads: history, state at a past moment, chain verification, JSON Lines export,
//! project dossiers and the access log. Every read is itself logged; nothing here writes events.

use axum::extract::{Request, State};
use axum::http::{header, HeaderValue, Method, Uri};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Json;
use chrono::{DateTime, SecondsFormat, Utc};
use cqrs_es::persist::SerializedEvent;
use kernel::Role;
use projections::{DEFAULT_PAGE, MAX_PAGE};
use serde::Deserialize;
use serde_json::{json, Value};
use store::chain::BundleLine;

use super::Routes;
use crate::auth::Caller;
use crate::execute::RequestId;
use crate::extract::{Path, Query};
use crate::{ApiError, AppState};
use app::audit::{self, FoldError};
use app::AppError;

pub(super) fn routes(r: Routes) -> Routes {
    r.route(
        "/v1/audit/streams/{type}/{id}/events",
        &["get"],
        get(stream_events),
    )
    .route(
        "/v1/audit/streams/{type}/{id}/state",
        &["get"],
        get(stream_state),
    )
    .route(
        "/v1/audit/streams/{type}/{id}/verify",
        &["get"],
        get(verify_stream),
    )
    .route("/v1/audit/export", &["get"], get(export))
    .route("/v1/audit/projects/{id}", &["get"], get(project_dossier))
    .route("/v1/audit/access-log", &["get"], get(access_log))
}

/// Refuses every method but GET and HEAD to a caller whose only role is auditor, before any
/// handler or body extractor runs, so no command route (present or future) can be reached.
pub(super) async fn auditors_read_only(
    caller: Result<Caller, ApiError>,
    req: Request,
    next: Next,
) -> Response {
    let reads = req.method() == Method::GET || req.method() == Method::HEAD;
    // A witness's cosignature of a log checkpoint is a statement about the log, not a ledger
    // command: auditors may post it (issue 15).
    let reads = reads || super::transparency::is_cosign_path(req.uri().path());
    if let Ok(Caller(actor)) = &caller {
        if !reads && !actor.roles.is_empty() && actor.roles.iter().all(|r| *r == Role::Auditor) {
            return ApiError::App(AppError::Forbidden("auditors are read-only".into()))
                .into_response();
        }
    }
    next.run(req).await
}

/// Authorises an audit read (auditor or officer) and records it in the access log, with the
/// clock service's time, before anything is read.
pub(super) async fn audited(
    state: &AppState,
    caller: &Caller,
    request_id: &RequestId,
    action: &str,
    uri: &Uri,
) -> Result<(), ApiError> {
    let actor = &caller.0;
    if !(actor.has(Role::Auditor) || actor.has(Role::Officer)) {
        return Err(ApiError::App(AppError::Forbidden(
            "audit reads need the auditor or officer role".into(),
        )));
    }
    let target = uri
        .path_and_query()
        .map(|p| p.as_str().to_string())
        .unwrap_or_else(|| uri.path().to_string());
    let at = state
        .clock()
        .now()
        .to_rfc3339_opts(SecondsFormat::Micros, true);
    state
        .store()
        .log_access(
            &at,
            &actor.sub,
            &actor.roles_text(),
            &request_id.0 .0,
            action,
            &target,
        )
        .await?;
    Ok(())
}

fn fold_failed(e: FoldError) -> ApiError {
    match e {
        FoldError::Store(e) => e.into(),
        other => ApiError::App(AppError::Internal(other.to_string())),
    }
}

pub(super) fn bad_query(detail: String) -> ApiError {
    ApiError::BadRequest {
        code: "invalid_query",
        detail,
    }
}

fn no_stream(kind: &str, id: &str) -> ApiError {
    ApiError::App(AppError::NotFound(format!(
        "no events in stream {kind}/{id}"
    )))
}

fn page_limit(limit: Option<u32>) -> Result<u32, ApiError> {
    let limit = limit.unwrap_or(DEFAULT_PAGE);
    if (1..=MAX_PAGE).contains(&limit) {
        Ok(limit)
    } else {
        Err(bad_query(format!("limit must be between 1 and {MAX_PAGE}")))
    }
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct EventsParams {
    after: Option<u64>,
    limit: Option<u32>,
}

async fn stream_events(
    State(state): State<AppState>,
    caller: Caller,
    request_id: RequestId,
    uri: Uri,
    Path((kind, id)): Path<(String, String)>,
    Query(params): Query<EventsParams>,
) -> Result<Json<Value>, ApiError> {
    audited(&state, &caller, &request_id, "stream_events", &uri).await?;
    let limit = page_limit(params.limit)?;
    if state.store().stream_version(&kind, &id).await?.is_none() {
        return Err(no_stream(&kind, &id));
    }
    let mut events = state
        .store()
        .events(&kind, &id, params.after.unwrap_or(0), Some(limit + 1))
        .await?;
    let next_cursor = if events.len() > limit as usize {
        events.truncate(limit as usize);
        events.last().map(|e| e.sequence as u64)
    } else {
        None
    };
    let items: Vec<BundleLine> = events.iter().map(BundleLine::from).collect();
    Ok(Json(json!({"items": items, "next_cursor": next_cursor})))
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct StateParams {
    at: Option<String>,
    version: Option<u64>,
}

fn recorded_at(event: &SerializedEvent) -> Option<DateTime<Utc>> {
    event
        .metadata
        .get("recorded_at")
        .and_then(Value::as_str)
        .and_then(|t| DateTime::parse_from_rfc3339(t).ok())
        .map(|t| t.with_timezone(&Utc))
}

async fn stream_state(
    State(state): State<AppState>,
    caller: Caller,
    request_id: RequestId,
    uri: Uri,
    Path((kind, id)): Path<(String, String)>,
    Query(params): Query<StateParams>,
) -> Result<Json<Value>, ApiError> {
    audited(&state, &caller, &request_id, "stream_state", &uri).await?;
    let at = match &params.at {
        Some(text) => Some(
            DateTime::parse_from_rfc3339(text)
                .map_err(|e| {
                    bad_query(format!(
                        "at must be an RFC 3339 instant such as 2027-01-10T01:00:00Z \
                         (write + as %2B): {e}"
                    ))
                })?
                .with_timezone(&Utc),
        ),
        None => None,
    };
    if at.is_some() && params.version.is_some() {
        return Err(bad_query("give at or version, not both".into()));
    }
    let fold = audit::fold_for(&kind).ok_or_else(|| {
        ApiError::App(AppError::Domain {
            code: "unknown_aggregate_type",
            kind: kernel::ErrorKind::NotFound,
            message: format!("no aggregate type {kind:?} is registered for time travel"),
        })
    })?;
    let upto = params
        .version
        .map(|v| u32::try_from(v).unwrap_or(u32::MAX).max(1));
    let mut events = state.store().events(&kind, &id, 0, upto).await?;
    if events.is_empty() {
        return Err(no_stream(&kind, &id));
    }
    if let Some(version) = params.version {
        if version == 0 || version > events.len() as u64 {
            return Err(ApiError::App(AppError::Domain {
                code: "no_such_version",
                kind: kernel::ErrorKind::NotFound,
                message: format!(
                    "stream {kind}/{id} has {} events; there is no version {version}",
                    state.store().stream_version(&kind, &id).await?.unwrap_or(0)
                ),
            }));
        }
        events.truncate(version as usize);
    }
    if let Some(at) = at {
        // The state at `at` folds the events recorded at or before it, stopping at the first
        // one after it, so the answer is always the state at some version.
        let upto = events
            .iter()
            .take_while(|e| recorded_at(e).is_some_and(|t| t <= at))
            .count();
        if upto == 0 {
            return Err(ApiError::App(AppError::Domain {
                code: "no_state_at_that_time",
                kind: kernel::ErrorKind::NotFound,
                message: format!("stream {kind}/{id} had no events yet at {at}"),
            }));
        }
        events.truncate(upto);
    }
    let folded = fold(&events).map_err(fold_failed)?;
    // The folded events are a prefix of the stream, and a prefix verifies on its own: the
    // auditor learns whether the state was rebuilt from intact events.
    let chain = store::chain::verify(&events);
    let last = events.last();
    Ok(Json(json!({
        "aggregate_type": kind,
        "aggregate_id": id,
        "version": last.map(|e| e.sequence as u64),
        "recorded_at": last.and_then(|e| e.metadata.get("recorded_at").cloned()),
        "at": params.at,
        "chain": chain,
        "state": folded,
    })))
}

async fn verify_stream(
    State(state): State<AppState>,
    caller: Caller,
    request_id: RequestId,
    uri: Uri,
    Path((kind, id)): Path<(String, String)>,
) -> Result<Json<store::chain::Verdict>, ApiError> {
    audited(&state, &caller, &request_id, "stream_verify", &uri).await?;
    let verdict = state.store().verify_stream(&kind, &id).await?;
    if verdict.events == 0 {
        return Err(no_stream(&kind, &id));
    }
    Ok(Json(verdict))
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ExportParams {
    #[serde(rename = "type")]
    kind: Option<String>,
    id: Option<String>,
    project: Option<String>,
}

async fn export(
    State(state): State<AppState>,
    caller: Caller,
    request_id: RequestId,
    uri: Uri,
    Query(params): Query<ExportParams>,
) -> Result<Response, ApiError> {
    audited(&state, &caller, &request_id, "export", &uri).await?;
    let events = match (params.kind, params.id, params.project) {
        (Some(kind), Some(id), None) => {
            let events = state.store().events(&kind, &id, 0, None).await?;
            if events.is_empty() {
                return Err(no_stream(&kind, &id));
            }
            events
        }
        (None, None, Some(project)) => {
            let dossier = audit::dossier(state.store(), audit::LINKS, &project)
                .await
                .map_err(fold_failed)?
                .ok_or_else(|| {
                    ApiError::App(AppError::NotFound(format!(
                        "no streams for project {project}"
                    )))
                })?;
            let mut events = Vec::new();
            for s in &dossier.streams {
                events.extend(
                    state
                        .store()
                        .events(&s.stream.aggregate_type, &s.stream.aggregate_id, 0, None)
                        .await?,
                );
            }
            events
        }
        _ => {
            return Err(bad_query(
                "give type and id (one stream) or project (its dossier)".into(),
            ))
        }
    };
    let body = super::transparency::bundle(&state, &events).await?;
    let mut response = body.into_response();
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/x-ndjson"),
    );
    Ok(response)
}

async fn project_dossier(
    State(state): State<AppState>,
    caller: Caller,
    request_id: RequestId,
    uri: Uri,
    Path(id): Path<String>,
) -> Result<Json<audit::Dossier>, ApiError> {
    audited(&state, &caller, &request_id, "project_dossier", &uri).await?;
    audit::dossier(state.store(), audit::LINKS, &id)
        .await
        .map_err(fold_failed)?
        .map(Json)
        .ok_or_else(|| ApiError::App(AppError::NotFound(format!("no streams for project {id}"))))
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct AccessLogParams {
    after: Option<i64>,
    limit: Option<u32>,
}

async fn access_log(
    State(state): State<AppState>,
    caller: Caller,
    request_id: RequestId,
    uri: Uri,
    Query(params): Query<AccessLogParams>,
) -> Result<Json<Value>, ApiError> {
    audited(&state, &caller, &request_id, "access_log", &uri).await?;
    let limit = page_limit(params.limit)?;
    let mut items = state
        .store()
        .access_log(params.after.unwrap_or(0), limit + 1)
        .await?;
    let next_cursor = if items.len() > limit as usize {
        items.truncate(limit as usize);
        items.last().map(|e| e.id)
    } else {
        None
    };
    Ok(Json(json!({"items": items, "next_cursor": next_cursor})))
}
