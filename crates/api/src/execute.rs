//! What a command needs from the HTTP request — its request id and `If-Match` — and the
//! representation of its result; the command itself runs in the application layer
//! ([`app::CommandCall`]).

use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use serde_json::Value;

pub use app::CommandCall;

use crate::ApiError;
use app::AppError;

/// The id of the request, from `X-Request-Id` or generated; echoed on the response.
#[derive(Debug, Clone)]
pub struct RequestId(pub app::RequestId);

impl RequestId {
    /// The request id `id`.
    pub fn new(id: String) -> Self {
        RequestId(app::RequestId(id))
    }
}

impl std::ops::Deref for RequestId {
    type Target = app::RequestId;

    fn deref(&self) -> &app::RequestId {
        &self.0
    }
}

/// The name of the request-id header.
pub const REQUEST_ID: &str = "x-request-id";

impl<S: Send + Sync> FromRequestParts<S> for RequestId {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, ApiError> {
        parts.extensions.get::<RequestId>().cloned().ok_or_else(|| {
            ApiError::App(AppError::Internal("request id middleware missing".into()))
        })
    }
}

/// The version a command expects (`If-Match: "N"`), if the client sent one.
#[derive(Debug, Clone, Copy)]
pub struct IfMatch(pub Option<u64>);

impl From<IfMatch> for app::IfMatch {
    fn from(value: IfMatch) -> Self {
        app::IfMatch(value.0)
    }
}

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
