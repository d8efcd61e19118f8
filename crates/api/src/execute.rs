use std::collections::HashMap;

use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use chrono::SecondsFormat;
use cqrs_es::Aggregate;
use kernel::{Actor, DomainError};
use serde_json::Value;
use store::{CommandRequest, Committed, Cqrs, FactNeeds, Facts, RunError};

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

tokio::task_local! {
    /// The `Idempotency-Key` claim of the request being served, handed by the idempotency
    /// middleware to the first command the request runs.
    pub(crate) static IDEMPOTENCY: std::sync::Arc<IdempotencySlot>;
}

/// A request's idempotency claim, and whether a command committed under it.
#[derive(Debug, Default)]
pub(crate) struct IdempotencySlot {
    claim: std::sync::Mutex<Option<store::IdempotencyClaim>>,
    committed: std::sync::atomic::AtomicBool,
}

impl IdempotencySlot {
    pub(crate) fn new(claim: store::IdempotencyClaim) -> Self {
        IdempotencySlot {
            claim: std::sync::Mutex::new(Some(claim)),
            committed: std::sync::atomic::AtomicBool::new(false),
        }
    }

    /// True once a command committed with the claim.
    pub(crate) fn committed(&self) -> bool {
        self.committed.load(std::sync::atomic::Ordering::SeqCst)
    }

    fn take(&self) -> Option<store::IdempotencyClaim> {
        self.claim.lock().ok().and_then(|mut c| c.take())
    }

    fn put_back(&self, claim: store::IdempotencyClaim) {
        if let Ok(mut c) = self.claim.lock() {
            *c = Some(claim);
        }
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
    /// 404; a stale `If-Match` (compared inside the transaction with the version the command
    /// loaded) is a 412. Nothing is stored when the command is refused.
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
        A::Command: Clone + Send,
    {
        self.run_with_facts(
            state,
            cqrs,
            id,
            must_exist,
            name,
            FactNeeds::none(),
            move |_| Ok(command.clone()),
        )
        .await
    }

    /// Runs the command `build` makes from the cross-stream facts `needs` names, read inside the
    /// command's own transaction under their locks (see [`store::FactNeeds`]). Rules that span
    /// streams are checked this way, on the ledger's own figures, never on a view read earlier.
    #[allow(clippy::too_many_arguments)]
    pub async fn run_with_facts<A, F>(
        &self,
        state: &AppState,
        cqrs: &Cqrs<A>,
        id: &str,
        must_exist: bool,
        name: &str,
        needs: FactNeeds,
        build: F,
    ) -> Result<(), ApiError>
    where
        A: Aggregate,
        A::Error: DomainError,
        F: FnMut(&Facts) -> Result<A::Command, ApiError> + Send,
    {
        let committed = self
            .execute_with_facts(state, cqrs, id, must_exist, name, needs, build)
            .await?;
        if self.caused_by.is_none() && committed.queued > 0 {
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
        A::Command: Clone + Send,
    {
        self.execute_with_facts(
            state,
            cqrs,
            id,
            must_exist,
            name,
            FactNeeds::none(),
            move |_| Ok(command.clone()),
        )
        .await
        .map(|_| ())
    }

    #[allow(clippy::too_many_arguments)]
    async fn execute_with_facts<A, F>(
        &self,
        state: &AppState,
        cqrs: &Cqrs<A>,
        id: &str,
        must_exist: bool,
        name: &str,
        needs: FactNeeds,
        mut build: F,
    ) -> Result<Committed, ApiError>
    where
        A: Aggregate,
        A::Error: DomainError,
        F: FnMut(&Facts) -> Result<A::Command, ApiError> + Send,
    {
        // Only a person's first command in a request carries the request's idempotency key.
        let slot = if self.caused_by.is_none() {
            IDEMPOTENCY.try_with(|s| s.clone()).ok()
        } else {
            None
        };
        let claim = slot.as_ref().and_then(|s| s.take());
        let request = CommandRequest {
            aggregate_id: id.to_string(),
            must_exist,
            expected_version: self.if_match.0,
            metadata: self.metadata(state, name),
            needs,
            idempotency: claim.clone(),
        };
        let result = cqrs.run(request, |facts, _| build(facts)).await;
        match (&result, slot, claim) {
            (Ok(_), Some(slot), Some(_)) => slot
                .committed
                .store(true, std::sync::atomic::Ordering::SeqCst),
            (Err(_), Some(slot), Some(claim)) => slot.put_back(claim),
            _ => {}
        }
        result.map_err(|e| match e {
            RunError::NotFound => ApiError::NotFound(format!("no {} {id}", A::TYPE)),
            RunError::VersionMismatch { expected, current } => {
                ApiError::VersionMismatch { expected, current }
            }
            RunError::Build(e) => e,
            RunError::Domain(e) => ApiError::domain(&e),
            RunError::Conflict => ApiError::ConcurrencyConflict,
            RunError::IdempotencyKeyTaken => ApiError::IdempotencyKeyTaken,
            RunError::Store(e) => ApiError::from(e),
        })
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
