use axum::body::Bytes;
use axum::extract::rejection::{BytesRejection, QueryRejection};
use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::request::Parts;
use axum::http::{header, StatusCode};
use serde::de::DeserializeOwned;

use crate::error::FieldError;
use crate::ApiError;
use app::AppError;

/// A JSON body; every rejection becomes problem+json. With `OPTIONAL`, an empty body reads as
/// `T::default()` so command endpoints without fields accept `curl -X POST` as well as `{}`.
pub struct Body<T, const OPTIONAL: bool = false>(pub T);

/// A body that may be empty.
pub type OptionalBody<T> = Body<T, true>;

/// Parses a body into the command's shape (the hygiene rules ran before, on every request:
/// [`crate::hygiene::clean_body`]).
fn parse<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, ApiError> {
    serde_json::from_slice(bytes).map_err(invalid)
}

fn invalid(e: serde_json::Error) -> ApiError {
    let syntax = matches!(
        e.classify(),
        serde_json::error::Category::Syntax | serde_json::error::Category::Eof
    );
    let message = e.to_string();
    let field = message
        .split('`')
        .nth(1)
        .filter(|_| message.starts_with("unknown field") || message.starts_with("missing field"))
        .unwrap_or("")
        .to_string();
    ApiError::InvalidBody {
        status: if syntax {
            StatusCode::BAD_REQUEST
        } else {
            StatusCode::UNPROCESSABLE_ENTITY
        },
        detail: format!("the request body is not valid: {message}"),
        errors: if syntax {
            vec![]
        } else {
            vec![FieldError {
                field,
                code: if message.starts_with("unknown field") {
                    "unknown_field".into()
                } else {
                    "invalid_value".into()
                },
                message,
            }]
        },
    }
}

impl<S, T, const OPTIONAL: bool> FromRequest<S> for Body<T, OPTIONAL>
where
    S: Send + Sync,
    T: DeserializeOwned + Default,
{
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, ApiError> {
        let json_type = req
            .headers()
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .map(crate::hygiene::is_json_media_type);
        let bytes = Bytes::from_request(req, state).await.map_err(|e| match e {
            BytesRejection::FailedToBufferBody(inner)
                if inner.status() == StatusCode::PAYLOAD_TOO_LARGE =>
            {
                ApiError::PayloadTooLarge
            }
            other => ApiError::BadRequest {
                code: "invalid_body",
                detail: other.body_text(),
            },
        })?;
        if bytes.iter().all(u8::is_ascii_whitespace) {
            return if OPTIONAL {
                Ok(Body(T::default()))
            } else {
                Err(ApiError::InvalidBody {
                    status: StatusCode::BAD_REQUEST,
                    detail: "a JSON request body is required".into(),
                    errors: vec![],
                })
            };
        }
        // Commands are JSON: a body without `Content-Type: application/json` is refused.
        if json_type != Some(true) {
            return Err(ApiError::UnsupportedMediaType);
        }
        Ok(Body(parse(&bytes)?))
    }
}

/// Query parameters; a malformed query is a 400 problem.
pub struct Query<T>(pub T);

impl<S, T> FromRequestParts<S> for Query<T>
where
    S: Send + Sync,
    T: DeserializeOwned,
{
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, ApiError> {
        axum::extract::Query::<T>::from_request_parts(parts, state)
            .await
            .map(|q| Query(q.0))
            .map_err(|e: QueryRejection| ApiError::BadRequest {
                code: "invalid_query",
                detail: e.body_text(),
            })
    }
}

/// Path parameters; a malformed path is a 404 problem.
pub struct Path<T>(pub T);

impl<S, T> FromRequestParts<S> for Path<T>
where
    S: Send + Sync,
    T: DeserializeOwned + Send,
{
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, ApiError> {
        axum::extract::Path::<T>::from_request_parts(parts, state)
            .await
            .map(|p| Path(p.0))
            .map_err(|e| ApiError::App(AppError::NotFound(e.body_text())))
    }
}
