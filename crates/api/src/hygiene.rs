//! Input hygiene, applied to every request before a handler sees it: no control characters in
//! any string (newline and tab only in long texts), dates strictly `YYYY-MM-DD`, every string
//! within its maximum length, commands only as `application/json`, and every error — whichever
//! layer produced it, a 413 of the body limit included — as `application/problem+json`.

use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{header, HeaderValue, Method, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use serde_json::Value;

use crate::error::FieldError;
use crate::{ApiError, AppState};

/// The longest short string (a title, a name, an id, a reference), in characters.
pub const SHORT_TEXT_MAX: usize = 500;
/// The longest long text (a reason, an opinion, a plan), in characters.
pub const LONG_TEXT_MAX: usize = 20_000;

/// Fields whose values are prose: they may hold newlines and tabs, and up to
/// [`LONG_TEXT_MAX`] characters. Every other string is a short text.
const LONG_TEXT_FIELDS: &[&str] = &[
    "reason",
    "grounds",
    "comment",
    "summary",
    "technical_plan",
    "opinion",
    "opinions",
    "note",
    "detail",
    "allegation",
    "defects",
    "description",
    // A technology need's text and expected outcome (issue 16).
    "text",
    "expected_outcome",
    "decision",
    "background",
    "requirements",
    "objectives",
    // A signed-note cosignature line (C2SP), which ends with a newline.
    "cosignature",
];

/// True when `field` holds prose.
pub fn is_long_text(field: &str) -> bool {
    LONG_TEXT_FIELDS.contains(&field)
}

fn refuse(field: &str, code: &str, message: String) -> ApiError {
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

/// Looks like a calendar date (`27-03-01`, `2027-3-1`, `+2027-03-01`) without being one written
/// as `YYYY-MM-DD`.
fn loose_date(text: &str) -> bool {
    let body = text.strip_prefix(['+', '-']).unwrap_or(text);
    let parts: Vec<&str> = body.split('-').collect();
    let digits = |p: &str, max: usize| {
        !p.is_empty() && p.len() <= max && p.bytes().all(|b| b.is_ascii_digit())
    };
    parts.len() == 3 && digits(parts[0], 6) && digits(parts[1], 2) && digits(parts[2], 2)
}

/// A `YYYY-MM-DD` date.
fn strict_date(text: &str) -> bool {
    let b = text.as_bytes();
    b.len() == 10
        && b[4] == b'-'
        && b[7] == b'-'
        && b.iter()
            .enumerate()
            .all(|(i, c)| i == 4 || i == 7 || c.is_ascii_digit())
        && text.parse::<chrono::NaiveDate>().is_ok()
}

/// Checks one string found at `field`.
pub fn check_text(field: &str, text: &str) -> Result<(), ApiError> {
    let long = is_long_text(field.rsplit(['.', '/']).next().unwrap_or(field));
    if let Some(c) = text
        .chars()
        .find(|c| c.is_control() && !(long && matches!(c, '\n' | '\t' | '\r')))
    {
        return Err(refuse(
            field,
            "invalid_characters",
            format!(
                "control character U+{:04X} is not allowed{}",
                c as u32,
                if long {
                    ""
                } else {
                    " (newlines and tabs only in long texts)"
                }
            ),
        ));
    }
    let max = if long { LONG_TEXT_MAX } else { SHORT_TEXT_MAX };
    let length = text.chars().count();
    if length > max {
        return Err(refuse(
            field,
            "too_long",
            format!("{length} characters; at most {max} are allowed"),
        ));
    }
    if loose_date(text) && !strict_date(text) {
        return Err(refuse(
            field,
            "invalid_date",
            format!("{text:?} is not a date written YYYY-MM-DD"),
        ));
    }
    Ok(())
}

/// Checks every string (and every object key) of a JSON body.
pub fn check_json(value: &Value) -> Result<(), ApiError> {
    fn walk(value: &Value, path: &mut String) -> Result<(), ApiError> {
        match value {
            Value::String(s) => check_text(if path.is_empty() { "body" } else { path }, s),
            Value::Array(items) => {
                for (i, item) in items.iter().enumerate() {
                    let len = path.len();
                    path.push_str(&format!("/{i}"));
                    walk(item, path)?;
                    path.truncate(len);
                }
                Ok(())
            }
            Value::Object(map) => {
                for (key, item) in map {
                    check_text("key", key)?;
                    let len = path.len();
                    if !path.is_empty() {
                        path.push('.');
                    }
                    path.push_str(key);
                    walk(item, path)?;
                    path.truncate(len);
                }
                Ok(())
            }
            _ => Ok(()),
        }
    }
    walk(value, &mut String::new())
}

/// True for `application/json`, with parameters (a charset) or none; nothing else.
pub fn is_json_media_type(content_type: &str) -> bool {
    let essence = content_type.split(';').next().unwrap_or("").trim();
    essence.eq_ignore_ascii_case("application/json")
}

/// The percent-decoded bytes of a path or query.
fn decoded(raw: &str) -> Vec<u8> {
    let bytes = raw.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = |b: u8| (b as char).to_digit(16);
        if bytes[i] == b'%' && i + 2 < bytes.len() {
            if let (Some(h), Some(l)) = (hex(bytes[i + 1]), hex(bytes[i + 2])) {
                out.push((h * 16 + l) as u8);
                i += 3;
                continue;
            }
        }
        out.push(bytes[i]);
        i += 1;
    }
    out
}

/// Refuses a path or query holding control characters, and query dates not written
/// `YYYY-MM-DD`, before any handler or database sees them.
pub async fn clean_uri(req: Request, next: Next) -> Response {
    let uri = req.uri();
    let path = String::from_utf8_lossy(&decoded(uri.path())).into_owned();
    if path.chars().any(char::is_control) {
        return ApiError::BadRequest {
            code: "invalid_characters",
            detail: "the path holds a control character".into(),
        }
        .into_response();
    }
    if let Some(query) = uri.query() {
        for pair in query.split('&') {
            let (name, value) = pair.split_once('=').unwrap_or((pair, ""));
            let name = String::from_utf8_lossy(&decoded(name)).into_owned();
            let value = String::from_utf8_lossy(&decoded(value)).into_owned();
            if let Err(ApiError::InvalidBody { detail, errors, .. }) =
                check_text(&name, &value).and_then(|()| check_text("key", &name))
            {
                let code = errors
                    .first()
                    .map(|e| e.code.as_str())
                    .unwrap_or("invalid_query");
                return ApiError::BadRequest {
                    code: if code == "invalid_characters" {
                        "invalid_characters"
                    } else {
                        "invalid_query"
                    },
                    detail: format!("query parameter {detail}"),
                }
                .into_response();
            }
        }
    }
    next.run(req).await
}

/// The one route whose body is not JSON: a bid's attachment, sent as its own bytes.
fn takes_raw_bytes(path: &str) -> bool {
    let parts: Vec<&str> = path.trim_end_matches('/').split('/').collect();
    matches!(parts.as_slice(), ["", "v1", "bids", _, "attachments"])
}

/// Checks the body of every command before routing, so that no handler — with or without a
/// body of its own — runs on a request that breaks the rules: a non-empty body must be
/// `application/json` (415), within the body limit (413), JSON (400), and every string in it
/// clean ([`check_json`], 422).
pub async fn clean_body(State(state): State<AppState>, req: Request, next: Next) -> Response {
    let command = matches!(
        *req.method(),
        Method::POST | Method::PUT | Method::PATCH | Method::DELETE
    );
    if !command || takes_raw_bytes(req.uri().path()) {
        return next.run(req).await;
    }
    let json = req
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .map(is_json_media_type);
    let (parts, body) = req.into_parts();
    let bytes = match axum::body::to_bytes(body, state.body_limit()).await {
        Ok(bytes) => bytes,
        Err(_) => return ApiError::PayloadTooLarge.into_response(),
    };
    if !bytes.iter().all(u8::is_ascii_whitespace) {
        if json != Some(true) {
            return ApiError::UnsupportedMediaType.into_response();
        }
        let checked = serde_json::from_slice::<Value>(&bytes)
            .map_err(|e| ApiError::InvalidBody {
                status: StatusCode::BAD_REQUEST,
                detail: format!("the request body is not valid JSON: {e}"),
                errors: vec![],
            })
            .and_then(|value| check_json(&value));
        if let Err(e) = checked {
            return e.into_response();
        }
    }
    next.run(Request::from_parts(parts, Body::from(bytes)))
        .await
}

/// Turns any error response that is not already `application/problem+json` (a body-limit 413
/// from a byte extractor, a rejection of a layer) into one, keeping its status.
pub async fn problems_only(req: Request, next: Next) -> Response {
    let response = next.run(req).await;
    let status = response.status();
    if !(status.is_client_error() || status.is_server_error()) {
        return response;
    }
    let is_problem = response
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/problem+json"));
    if is_problem {
        return response;
    }
    let (code, detail) = match status {
        StatusCode::PAYLOAD_TOO_LARGE => ("payload_too_large", "the request body is too large"),
        StatusCode::UNSUPPORTED_MEDIA_TYPE => (
            "unsupported_media_type",
            "the request body must be application/json",
        ),
        StatusCode::NOT_FOUND => ("not_found", "no such resource"),
        StatusCode::METHOD_NOT_ALLOWED => ("method_not_allowed", "method not allowed"),
        StatusCode::REQUEST_TIMEOUT => ("request_timeout", "the request took too long"),
        s if s.is_server_error() => ("internal_error", "an internal error occurred"),
        _ => ("bad_request", "the request is not valid"),
    };
    let (mut parts, _) = response.into_parts();
    let body = serde_json::json!({
        "type": format!("https://grantledger.dev/problems/{code}"),
        "title": status.canonical_reason().unwrap_or("Error"),
        "status": status.as_u16(),
        "detail": detail,
        "code": code,
    });
    parts.headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/problem+json"),
    );
    parts.headers.remove(header::CONTENT_LENGTH);
    Response::from_parts(parts, Body::from(body.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_must_be_written_in_full() {
        assert!(check_text("due_on", "2027-03-01").is_ok());
        for bad in [
            "27-03-01",
            "2027-3-1",
            "+2027-03-01",
            "2027-02-30",
            "02027-03-01",
        ] {
            assert!(check_text("due_on", bad).is_err(), "{bad} accepted");
        }
        // Not a date at all: left to the field's own type.
        assert!(check_text("title", "A-B-C").is_ok());
        assert!(check_text("report_ref", "2027-12-001").is_ok());
        assert!(check_text("phone", "0512-5555-1234").is_ok());
    }

    #[test]
    fn control_characters_only_newlines_and_tabs_in_prose() {
        assert!(check_text("title", "a\u{0}b").is_err());
        assert!(check_text("title", "a\nb").is_err());
        assert!(check_text("reason", "a\nb\tc").is_ok());
        assert!(check_text("reason", "a\u{0}b").is_err());
        assert!(check_text("reason", "a\u{1b}[31m").is_err());
        assert!(check_json(&serde_json::json!({"members": [{"name": "x\u{7}"}]})).is_err());
        assert!(check_json(&serde_json::json!({"k\u{0}": 1})).is_err());
    }

    #[test]
    fn lengths_are_bounded() {
        assert!(check_text("title", &"长".repeat(SHORT_TEXT_MAX)).is_ok());
        assert!(check_text("title", &"长".repeat(SHORT_TEXT_MAX + 1)).is_err());
        assert!(check_text("reason", &"长".repeat(LONG_TEXT_MAX)).is_ok());
        assert!(check_text("reason", &"长".repeat(LONG_TEXT_MAX + 1)).is_err());
    }

    #[test]
    fn only_application_json_is_json() {
        assert!(is_json_media_type("application/json"));
        assert!(is_json_media_type("application/json; charset=utf-8"));
        assert!(is_json_media_type("Application/JSON"));
        assert!(!is_json_media_type("application/jsonx"));
        assert!(!is_json_media_type("application/merge-patch+json"));
        assert!(!is_json_media_type("text/plain"));
    }

    #[test]
    fn only_attachments_take_raw_bytes() {
        assert!(takes_raw_bytes("/v1/bids/b-1/attachments"));
        assert!(!takes_raw_bytes("/v1/bids/b-1/attachments/abc"));
        assert!(!takes_raw_bytes("/v1/bids/b-1/withdraw"));
    }

    #[test]
    fn percent_decoding_finds_hidden_controls() {
        assert_eq!(decoded("a%00b"), vec![b'a', 0, b'b']);
        assert_eq!(decoded("a%2"), b"a%2".to_vec());
        assert_eq!(decoded("%e9%95%bf"), "长".as_bytes().to_vec());
    }
}
