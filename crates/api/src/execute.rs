use std::collections::HashMap;

use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use chrono::SecondsFormat;
use cqrs_es::Aggregate;
use kernel::{Actor, DomainError};
use serde_json::Value;
use store::Cqrs;

use crate::{ApiError, AppState};

/// The id of the request, from `X-Request-Id` or generated; echoed on the response.
#[derive(Debug, Clone)]
pub struct RequestId(pub String);

/// The name of the request-id header.
pub const REQUEST_ID: &str = "x-request-id";

impl<S: Send + Sync> FromRequestParts<S> for RequestId {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, ApiError> {
        parts
            .extensions
            .get::<RequestId>()
            .cloned()
            .ok_or_else(|| ApiError::Internal("request id middleware missing".into()))
    }
}

/// The version a command expects (`If-Match: "N"`), if the client sent one.
#[derive(Debug, Clone, Copy)]
pub struct IfMatch(pub Option<u64>);

impl<S: Send + Sync> FromRequestParts<S> for IfMatch {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, ApiError> {
        let Some(raw) = parts.headers.get(header::IF_MATCH) else {
            return Ok(IfMatch(None));
        };
        let text = raw.to_str().unwrap_or_default().trim();
        if text == "*" {
            return Ok(IfMatch(None));
        }
        let version = text
            .strip_prefix("W/")
            .unwrap_or(text)
            .trim_matches('"')
            .parse::<u64>()
            .map_err(|_| ApiError::BadRequest {
                code: "invalid_if_match",
                detail: format!("If-Match must be a quoted version such as \"3\", got {text:?}"),
            })?;
        Ok(IfMatch(Some(version)))
    }
}

/// The context every command carries into its events' metadata.
pub struct CommandCall<'a> {
    /// Who.
    pub actor: &'a Actor,
    /// The request.
    pub request_id: &'a RequestId,
    /// The version the client expects, if any.
    pub if_match: IfMatch,
    /// The event a process manager reacts to (`None` for a person's command).
    caused_by: Option<String>,
}

impl<'a> CommandCall<'a> {
    /// A person's command.
    pub fn new(actor: &'a Actor, request_id: &'a RequestId, if_match: IfMatch) -> Self {
        CommandCall {
            actor,
            request_id,
            if_match,
            caused_by: None,
        }
    }

    /// Marks the command as a process manager's reaction to `event`; it then runs without
    /// draining the outbox itself (the drain that runs it goes on).
    pub(crate) fn caused_by(mut self, event: &cqrs_es::persist::SerializedEvent) -> Self {
        self.caused_by = Some(format!(
            "{}/{}/{}",
            event.aggregate_type, event.aggregate_id, event.sequence
        ));
        self
    }

    fn metadata(&self, state: &AppState, command: &str) -> HashMap<String, String> {
        let mut m = HashMap::new();
        m.insert("actor_sub".into(), self.actor.sub.clone());
        m.insert("actor_roles".into(), self.actor.roles_text());
        if let Some(org) = &self.actor.org {
            m.insert("actor_org".into(), org.to_string());
        }
        m.insert(
            "recorded_at".into(),
            state
                .clock()
                .now()
                .to_rfc3339_opts(SecondsFormat::Micros, true),
        );
        m.insert("request_id".into(), self.request_id.0.clone());
        m.insert("command".into(), command.to_string());
        if let Some(cause) = &self.caused_by {
            m.insert("caused_by".into(), cause.clone());
        }
        m
    }

    /// Runs `command` on stream `id` of aggregate `A`. With `must_exist`, an empty stream is a
    /// 404; a stale `If-Match` is a 412. Nothing is stored when the command is refused.
    pub async fn run<A>(
        &self,
        state: &AppState,
        cqrs: &Cqrs<A>,
        id: &str,
        must_exist: bool,
        name: &str,
        command: A::Command,
    ) -> Result<(), ApiError>
    where
        A: Aggregate,
        A::Error: DomainError,
    {
        self.execute(state, cqrs, id, must_exist, name, command)
            .await?;
        if self.caused_by.is_none() {
            // The client should see the consequences of its own command.
            // Boxed: reactions run commands themselves, so the future type is recursive.
            if let Err(e) = Box::pin(crate::reactions::drain(state)).await {
                tracing::warn!(error = %e, "drain after command failed; the background drain retries");
            }
        }
        Ok(())
    }

    /// [`CommandCall::run`] without the drain: what a reaction runs (the drain that runs the
    /// reaction goes on by itself).
    pub(crate) async fn execute<A>(
        &self,
        state: &AppState,
        cqrs: &Cqrs<A>,
        id: &str,
        must_exist: bool,
        name: &str,
        command: A::Command,
    ) -> Result<(), ApiError>
    where
        A: Aggregate,
        A::Error: DomainError,
    {
        let current = state.store().stream_version(A::TYPE, id).await?;
        if must_exist && current.is_none() {
            return Err(ApiError::NotFound(format!("no {} {id}", A::TYPE)));
        }
        if let Some(expected) = self.if_match.0 {
            let current = current.unwrap_or(0);
            if expected != current {
                return Err(ApiError::VersionMismatch { expected, current });
            }
        }
        cqrs.execute_with_metadata(id, command, self.metadata(state, name))
            .await
            .map_err(ApiError::from)
    }
}

/// A resource representation with `ETag: "<version>"` (and `Location` when created).
pub fn representation(status: StatusCode, body: Value, location: Option<String>) -> Response {
    let mut headers = HeaderMap::new();
    if let Some(v) = body.get("version").and_then(Value::as_u64) {
        if let Ok(etag) = HeaderValue::from_str(&format!("\"{v}\"")) {
            headers.insert(header::ETAG, etag);
        }
    }
    if let Some(loc) = location.and_then(|l| HeaderValue::from_str(&l).ok()) {
        headers.insert(header::LOCATION, loc);
    }
    (status, headers, axum::Json(body)).into_response()
}
