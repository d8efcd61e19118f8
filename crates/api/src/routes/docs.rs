//! The contract at run time: `api-spec/openapi.yaml` as YAML and JSON, and a reference page
//! (Redoc, served from this binary: no CDN).

use std::sync::LazyLock;

use axum::http::{header, HeaderValue};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;

use super::Routes;
use crate::ApiError;

const SPEC_YAML: &str = include_str!("../../../../api-spec/openapi.yaml");
const REDOC_JS: &[u8] = include_bytes!("../../assets/redoc.standalone.js");

// Parsed on first use; a test (`the_served_contract_is_the_document`) proves it parses.
static SPEC_JSON: LazyLock<Result<Vec<u8>, String>> = LazyLock::new(|| {
    serde_yaml::from_str::<serde_json::Value>(SPEC_YAML)
        .map_err(|e| e.to_string())
        .and_then(|v| serde_json::to_vec(&v).map_err(|e| e.to_string()))
});

const DOCS_HTML: &str = r#"<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>grantledger API</title>
</head>
<body>
<redoc spec-url="/openapi.json" hide-download-button="false"></redoc>
<script src="/docs/redoc.standalone.js"></script>
</body>
</html>
"#;

pub(super) fn routes(r: Routes) -> Routes {
    r.route("/openapi.yaml", &["get"], get(openapi_yaml))
        .route("/openapi.json", &["get"], get(openapi_json))
        .route("/docs", &["get"], get(docs))
}

/// Static files the reference page loads; not API operations, so not in the route table.
pub(super) fn assets() -> Router<crate::AppState> {
    Router::new().route("/docs/redoc.standalone.js", get(redoc_js))
}

fn with_type(body: impl IntoResponse, content_type: &'static str) -> Response {
    let mut res = body.into_response();
    res.headers_mut()
        .insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    res.headers_mut().insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("public, max-age=300"),
    );
    res
}

async fn openapi_yaml() -> Response {
    with_type(SPEC_YAML, "application/yaml")
}

async fn openapi_json() -> Result<Response, ApiError> {
    match &*SPEC_JSON {
        Ok(bytes) => Ok(with_type(bytes.clone(), "application/json")),
        Err(e) => Err(ApiError::App(app::AppError::Internal(format!(
            "api-spec/openapi.yaml: {e}"
        )))),
    }
}

async fn docs() -> Response {
    with_type(DOCS_HTML, "text/html; charset=utf-8")
}

async fn redoc_js() -> Response {
    with_type(REDOC_JS, "text/javascript; charset=utf-8")
}
