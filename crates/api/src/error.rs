use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use cqrs_es::AggregateError;
use kernel::{DomainError, ErrorKind};
use serde::Serialize;
use serde_json::json;

/// One problem with one field of a request.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FieldError {
    /// The field's name (a JSON pointer-ish path such as `demand_owner`).
    pub field: String,
    /// A stable code for the problem.
    pub code: String,
    /// What is wrong, for people.
    pub message: String,
}

/// Every way a request can fail, rendered as `application/problem+json`.
#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    /// 401: no or bad token.
    #[error("{0}")]
    Unauthenticated(String),
    /// 403: the caller may not do this.
    #[error("{0}")]
    Forbidden(String),
    /// 404: no such resource or route.
    #[error("{0}")]
    NotFound(String),
    /// 405: the route exists, the method does not.
    #[error("method not allowed")]
    MethodNotAllowed,
    /// 400/422: the body is not what the schema says.
    #[error("{detail}")]
    InvalidBody {
        /// 400 for unparsable JSON, 422 for JSON of the wrong shape.
        status: StatusCode,
        /// What is wrong.
        detail: String,
        /// Field problems.
        errors: Vec<FieldError>,
    },
    /// 400: a query parameter or header is malformed.
    #[error("{detail}")]
    BadRequest {
        /// Stable code.
        code: &'static str,
        /// What is wrong.
        detail: String,
    },
    /// 413: the body is over the limit.
    #[error("the request body is too large")]
    PayloadTooLarge,
    /// 415: the body is not JSON.
    #[error("the request body must be application/json")]
    UnsupportedMediaType,
    /// 412: `If-Match` names a version that is no longer current.
    #[error("the resource is at version {current}, not {expected}")]
    VersionMismatch {
        /// The version the client sent.
        expected: u64,
        /// The stream's version.
        current: u64,
    },
    /// 409: another command changed the stream at the same time.
    #[error("another change was committed first; reload and retry")]
    ConcurrencyConflict,
    /// 409: a request with the same caller and `Idempotency-Key` committed first and its
    /// response is not yet known.
    #[error("a request with this Idempotency-Key is being processed; retry shortly")]
    IdempotencyKeyTaken,
    /// 422: the `Idempotency-Key` was used before with another request.
    #[error("this Idempotency-Key was used with a different request (method, path or body)")]
    IdempotencyKeyReused,
    /// Any other refusal with its own status and stable code (a missing subject, an item
    /// already resolved, …).
    #[error("{detail}")]
    Refused {
        /// The HTTP status.
        status: StatusCode,
        /// Stable code.
        code: &'static str,
        /// What is wrong.
        detail: String,
    },
    /// A rule of the domain refused the command.
    #[error("{message}")]
    Domain {
        /// Stable code from the aggregate.
        code: &'static str,
        /// Class of refusal.
        kind: ErrorKind,
        /// The rule's message.
        message: String,
    },
    /// 503: the database cannot be reached.
    #[error("the database is unavailable")]
    Unavailable(String),
    /// 500: anything else; the cause is logged, never sent.
    #[error("internal error")]
    Internal(String),
}

impl ApiError {
    /// A refusal from an aggregate's error type.
    pub fn domain<E: DomainError>(e: &E) -> ApiError {
        ApiError::Domain {
            code: e.code(),
            kind: e.kind(),
            message: e.to_string(),
        }
    }

    /// 422 with one field error.
    pub fn field(field: &str, code: &str, message: String) -> ApiError {
        ApiError::InvalidBody {
            status: StatusCode::UNPROCESSABLE_ENTITY,
            detail: format!("{field}: {message}"),
            errors: vec![FieldError {
                field: field.to_string(),
                code: code.to_string(),
                message,
            }],
        }
    }

    fn status_and_code(&self) -> (StatusCode, &'static str) {
        match self {
            ApiError::Unauthenticated(_) => (StatusCode::UNAUTHORIZED, "unauthenticated"),
            ApiError::Forbidden(_) => (StatusCode::FORBIDDEN, "forbidden"),
            ApiError::NotFound(_) => (StatusCode::NOT_FOUND, "not_found"),
            ApiError::MethodNotAllowed => (StatusCode::METHOD_NOT_ALLOWED, "method_not_allowed"),
            ApiError::InvalidBody { status, .. } => (*status, "invalid_body"),
            ApiError::BadRequest { code, .. } => (StatusCode::BAD_REQUEST, code),
            ApiError::PayloadTooLarge => (StatusCode::PAYLOAD_TOO_LARGE, "payload_too_large"),
            ApiError::UnsupportedMediaType => {
                (StatusCode::UNSUPPORTED_MEDIA_TYPE, "unsupported_media_type")
            }
            ApiError::VersionMismatch { .. } => {
                (StatusCode::PRECONDITION_FAILED, "version_mismatch")
            }
            ApiError::ConcurrencyConflict => (StatusCode::CONFLICT, "concurrency_conflict"),
            ApiError::IdempotencyKeyTaken => (StatusCode::CONFLICT, "idempotency_key_in_use"),
            ApiError::IdempotencyKeyReused => {
                (StatusCode::UNPROCESSABLE_ENTITY, "idempotency_key_reused")
            }
            ApiError::Refused { status, code, .. } => (*status, code),
            ApiError::Domain { code, kind, .. } => (
                match kind {
                    ErrorKind::Invalid => StatusCode::UNPROCESSABLE_ENTITY,
                    ErrorKind::Conflict => StatusCode::CONFLICT,
                    ErrorKind::NotFound => StatusCode::NOT_FOUND,
                    ErrorKind::Forbidden => StatusCode::FORBIDDEN,
                },
                code,
            ),
            ApiError::Unavailable(_) => (StatusCode::SERVICE_UNAVAILABLE, "database_unavailable"),
            ApiError::Internal(_) => (StatusCode::INTERNAL_SERVER_ERROR, "internal_error"),
        }
    }
}

impl<E: DomainError> From<AggregateError<E>> for ApiError {
    fn from(err: AggregateError<E>) -> Self {
        match err {
            AggregateError::UserError(e) => ApiError::domain(&e),
            AggregateError::AggregateConflict => ApiError::ConcurrencyConflict,
            AggregateError::DatabaseConnectionError(e) => ApiError::Unavailable(e.to_string()),
            AggregateError::DeserializationError(e) => ApiError::Internal(e.to_string()),
            AggregateError::UnexpectedError(e) => ApiError::Internal(e.to_string()),
        }
    }
}

impl From<store::StoreError> for ApiError {
    fn from(err: store::StoreError) -> Self {
        if err.is_unavailable() {
            ApiError::Unavailable(err.to_string())
        } else {
            ApiError::Internal(err.to_string())
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let (status, code) = self.status_and_code();
        let detail = match &self {
            ApiError::Internal(cause) => {
                tracing::error!(%cause, "request failed");
                "an internal error occurred; it has been logged".to_string()
            }
            ApiError::Unavailable(cause) => {
                tracing::warn!(%cause, "database unavailable");
                self.to_string()
            }
            _ => self.to_string(),
        };
        let mut body = json!({
            "type": format!("https://grantledger.dev/problems/{code}"),
            "title": status.canonical_reason().unwrap_or("Error"),
            "status": status.as_u16(),
            "detail": detail,
            "code": code,
        });
        if let ApiError::InvalidBody { errors, .. } = &self {
            body["errors"] = json!(errors);
        }
        let mut response = (status, body.to_string()).into_response();
        response.headers_mut().insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/problem+json"),
        );
        if matches!(self, ApiError::IdempotencyKeyTaken) {
            response
                .extensions_mut()
                .insert(crate::idempotency::KeyHeldElsewhere);
        }
        if status == StatusCode::UNAUTHORIZED {
            response
                .headers_mut()
                .insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
        }
        response
    }
}
