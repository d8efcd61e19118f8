use app::AppError;
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use kernel::ErrorKind;
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

/// Every way a request can fail, rendered as `application/problem+json`: what the HTTP layer
/// itself finds wrong with a request, and what the application refused ([`AppError`]).
#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    /// 401: no or bad token.
    #[error("{0}")]
    Unauthenticated(String),
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
    /// 422: the `Idempotency-Key` was used before with another request.
    #[error("this Idempotency-Key was used with a different request (method, path or body)")]
    IdempotencyKeyReused,
    /// 503: the request took longer than the server's request timeout.
    #[error("the request took longer than {} s and was abandoned; a command that was cut off left nothing behind unless it had committed, so retry it with the same Idempotency-Key", .0.as_secs_f64())]
    Timeout(std::time::Duration),
    /// What the application refused or failed to do.
    #[error(transparent)]
    App(#[from] AppError),
}

impl From<store::StoreError> for ApiError {
    fn from(err: store::StoreError) -> Self {
        ApiError::App(AppError::from(err))
    }
}

fn status_of(kind: ErrorKind) -> StatusCode {
    match kind {
        ErrorKind::Invalid => StatusCode::UNPROCESSABLE_ENTITY,
        ErrorKind::Conflict => StatusCode::CONFLICT,
        ErrorKind::NotFound => StatusCode::NOT_FOUND,
        ErrorKind::Forbidden => StatusCode::FORBIDDEN,
    }
}

impl ApiError {
    /// 422 with one field error.
    pub fn field(field: &str, code: &str, message: String) -> ApiError {
        ApiError::App(AppError::field(field, code, message))
    }

    fn status_and_code(&self) -> (StatusCode, &'static str) {
        match self {
            ApiError::Unauthenticated(_) => (StatusCode::UNAUTHORIZED, "unauthenticated"),
            ApiError::MethodNotAllowed => (StatusCode::METHOD_NOT_ALLOWED, "method_not_allowed"),
            ApiError::InvalidBody { status, .. } => (*status, "invalid_body"),
            ApiError::BadRequest { code, .. } => (StatusCode::BAD_REQUEST, code),
            ApiError::PayloadTooLarge => (StatusCode::PAYLOAD_TOO_LARGE, "payload_too_large"),
            ApiError::UnsupportedMediaType => {
                (StatusCode::UNSUPPORTED_MEDIA_TYPE, "unsupported_media_type")
            }
            ApiError::Timeout(_) => (StatusCode::SERVICE_UNAVAILABLE, "request_timeout"),
            ApiError::IdempotencyKeyReused => {
                (StatusCode::UNPROCESSABLE_ENTITY, "idempotency_key_reused")
            }
            ApiError::App(e) => match e {
                AppError::Forbidden(_) => (StatusCode::FORBIDDEN, "forbidden"),
                AppError::NotFound(_) => (StatusCode::NOT_FOUND, "not_found"),
                AppError::InvalidField { .. } => (StatusCode::UNPROCESSABLE_ENTITY, "invalid_body"),
                AppError::Refused { kind, code, .. } => (status_of(*kind), code),
                AppError::Domain { code, kind, .. } => (status_of(*kind), code),
                AppError::VersionMismatch { .. } => {
                    (StatusCode::PRECONDITION_FAILED, "version_mismatch")
                }
                AppError::ConcurrencyConflict => (StatusCode::CONFLICT, "concurrency_conflict"),
                AppError::IdempotencyKeyTaken => (StatusCode::CONFLICT, "idempotency_key_in_use"),
                AppError::Unavailable(_) => {
                    (StatusCode::SERVICE_UNAVAILABLE, "database_unavailable")
                }
                AppError::Internal(_) => (StatusCode::INTERNAL_SERVER_ERROR, "internal_error"),
            },
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let (status, code) = self.status_and_code();
        let detail = match &self {
            ApiError::App(AppError::Internal(cause)) => {
                tracing::error!(%cause, "request failed");
                "an internal error occurred; it has been logged".to_string()
            }
            ApiError::App(AppError::Unavailable(cause)) => {
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
        match &self {
            ApiError::InvalidBody { errors, .. } => body["errors"] = json!(errors),
            ApiError::App(AppError::InvalidField {
                field,
                code,
                message,
            }) => {
                body["errors"] = json!([FieldError {
                    field: field.clone(),
                    code: code.clone(),
                    message: message.clone(),
                }])
            }
            _ => {}
        }
        let mut response = (status, body.to_string()).into_response();
        response.headers_mut().insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/problem+json"),
        );
        if matches!(self, ApiError::App(AppError::IdempotencyKeyTaken)) {
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
