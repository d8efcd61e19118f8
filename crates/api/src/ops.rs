//! What an operator needs around every response, applied in one place ([`layers`]) to the API
//! and the web pages alike: a request id, one structured log line per request (tower-http's
//! `TraceLayer`), Prometheus request counts and latencies by route template, CORS for the
//! configured origins, security headers, gzip/br compression, `If-None-Match` → 304, and a
//! request timeout answered with problem+json.

use std::time::{Duration, Instant};

use axum::body::Body;
use axum::extract::{MatchedPath, Request, State};
use axum::http::{header, HeaderName, HeaderValue, Method, StatusCode};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::Router;
use prometheus::{HistogramOpts, HistogramVec, IntCounterVec, Opts};
use tower_http::compression::CompressionLayer;
use tower_http::cors::{AllowOrigin, CorsLayer};
use tower_http::trace::TraceLayer;
use tracing::Span;

use crate::execute::REQUEST_ID;
use crate::{ApiError, AppState};

/// The request timeout when none is configured.
pub const DEFAULT_REQUEST_TIMEOUT: Duration = Duration::from_secs(30);

/// The label of a request that matched no route (keeps the metrics' cardinality bounded).
const UNMATCHED: &str = "unmatched";

/// How the HTTP server behaves towards browsers and operators (from `serve`'s options).
#[derive(Debug, Clone)]
pub struct HttpOptions {
    /// Origins a browser may call the API from (`GRANTLEDGER_CORS_ORIGINS`); none by default.
    pub cors_origins: Vec<String>,
    /// `Strict-Transport-Security: max-age=N` on every response, when set
    /// (`GRANTLEDGER_HSTS_MAX_AGE`; only behind TLS).
    pub hsts_max_age: Option<u64>,
    /// How long a request may take before it is answered 503 `request_timeout`.
    pub request_timeout: Duration,
}

impl Default for HttpOptions {
    fn default() -> Self {
        HttpOptions {
            cors_origins: Vec::new(),
            hsts_max_age: None,
            request_timeout: DEFAULT_REQUEST_TIMEOUT,
        }
    }
}

/// Request counts and latencies by method, route template and status.
#[derive(Clone)]
struct HttpMetrics {
    requests: IntCounterVec,
    latency: HistogramVec,
}

impl HttpMetrics {
    fn new(state: &AppState) -> Result<HttpMetrics, prometheus::Error> {
        let labels = &["method", "route", "status"];
        let requests = IntCounterVec::new(
            Opts::new(
                "grantledger_http_requests_total",
                "HTTP requests answered, by method, route template and status.",
            ),
            labels,
        )?;
        let latency = HistogramVec::new(
            HistogramOpts::new(
                "grantledger_http_request_duration_seconds",
                "Time to answer an HTTP request (to its response head), by method, route template and status.",
            )
            .buckets(vec![
                0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0,
            ]),
            labels,
        )?;
        let registry = state.metrics().registry();
        registry.register(Box::new(requests.clone()))?;
        registry.register(Box::new(latency.clone()))?;
        Ok(HttpMetrics { requests, latency })
    }
}

/// The route template of a request (`/v1/challenges/{id}`), or `unmatched`.
fn route_of(req: &Request) -> String {
    req.extensions()
        .get::<MatchedPath>()
        .map(|m| m.as_str().to_string())
        .unwrap_or_else(|| UNMATCHED.to_string())
}

/// Wraps `app` in the operational layers. The router must hold every route (and fallback)
/// already: `Router::layer` applies to the routes it has, which is what makes the matched route
/// template visible to the log and the metrics.
pub(crate) fn layers(app: Router, state: &AppState, options: &HttpOptions) -> Router {
    let app = app
        .layer(middleware::from_fn(not_modified))
        .layer(middleware::from_fn_with_state(
            options.request_timeout,
            timeout,
        ))
        .layer(CompressionLayer::new());
    let app = match HttpMetrics::new(state) {
        Ok(metrics) => app.layer(middleware::from_fn_with_state(metrics, count)),
        Err(e) => {
            tracing::warn!(error = %e, "HTTP metrics not registered (a second server on one state?)");
            app
        }
    };
    let hsts = options
        .hsts_max_age
        .and_then(|age| HeaderValue::from_str(&format!("max-age={age}")).ok());
    app.layer(
        TraceLayer::new_for_http()
            .make_span_with(|req: &Request| {
                let request_id = req
                    .headers()
                    .get(REQUEST_ID)
                    .and_then(|v| v.to_str().ok())
                    .unwrap_or_default();
                tracing::info_span!(
                    "request",
                    method = %req.method(),
                    route = %route_of(req),
                    request_id,
                    sub = tracing::field::Empty,
                )
            })
            .on_request(())
            .on_response(|res: &Response, latency: Duration, _span: &Span| {
                let status = res.status().as_u16();
                let latency_ms = (latency.as_secs_f64() * 1000.0 * 1000.0).round() / 1000.0;
                if res.status().is_server_error() {
                    tracing::error!(target: "grantledger::http", status, latency_ms, "request");
                } else {
                    tracing::info!(target: "grantledger::http", status, latency_ms, "request");
                }
            })
            .on_body_chunk(())
            .on_eos(())
            .on_failure(()),
    )
    .layer(middleware::from_fn_with_state(hsts, security_headers))
    .layer(cors(&options.cors_origins))
    .layer(middleware::from_fn_with_state(state.clone(), request_id))
}

/// Gives every request an `X-Request-Id` before anything logs it (the client's, when it sent a
/// sane one), and echoes it on the response.
async fn request_id(State(state): State<AppState>, mut req: Request, next: Next) -> Response {
    let given = req
        .headers()
        .get(REQUEST_ID)
        .and_then(|v| v.to_str().ok())
        .filter(|v| !v.is_empty() && v.len() <= 128)
        .and_then(|v| HeaderValue::from_str(v).ok());
    let id = given.unwrap_or_else(|| {
        HeaderValue::from_str(&state.ids().new_id().to_string())
            .unwrap_or_else(|_| HeaderValue::from_static("unknown"))
    });
    req.headers_mut().insert(REQUEST_ID, id.clone());
    let mut response = next.run(req).await;
    response.headers_mut().entry(REQUEST_ID).or_insert(id);
    response
}

/// Counts the request and its latency under its route template.
async fn count(State(metrics): State<HttpMetrics>, req: Request, next: Next) -> Response {
    let method = req.method().as_str().to_string();
    let route = route_of(&req);
    let start = Instant::now();
    let response = next.run(req).await;
    let status = response.status().as_u16().to_string();
    let labels = [method.as_str(), route.as_str(), status.as_str()];
    metrics.requests.with_label_values(&labels).inc();
    metrics
        .latency
        .with_label_values(&labels)
        .observe(start.elapsed().as_secs_f64());
    response
}

/// `nosniff`, `DENY` framing and no referrer on every response; HSTS when configured.
async fn security_headers(
    State(hsts): State<Option<HeaderValue>>,
    req: Request,
    next: Next,
) -> Response {
    let mut response = next.run(req).await;
    let headers = response.headers_mut();
    headers
        .entry(header::X_CONTENT_TYPE_OPTIONS)
        .or_insert(HeaderValue::from_static("nosniff"));
    headers
        .entry(header::X_FRAME_OPTIONS)
        .or_insert(HeaderValue::from_static("DENY"));
    headers
        .entry(header::REFERRER_POLICY)
        .or_insert(HeaderValue::from_static("no-referrer"));
    if let Some(value) = hsts {
        headers.insert(header::STRICT_TRANSPORT_SECURITY, value);
    }
    response
}

/// CORS for exactly `origins` (none: closed — a preflight is answered without any grant).
fn cors(origins: &[String]) -> CorsLayer {
    let origins: Vec<HeaderValue> = origins
        .iter()
        .map(|o| o.trim().trim_end_matches('/'))
        .filter(|o| !o.is_empty())
        .filter_map(|o| HeaderValue::from_str(o).ok())
        .collect();
    CorsLayer::new()
        .allow_origin(AllowOrigin::list(origins))
        .allow_methods([Method::GET, Method::HEAD, Method::POST])
        .allow_headers([
            header::AUTHORIZATION,
            header::CONTENT_TYPE,
            header::IF_MATCH,
            header::IF_NONE_MATCH,
            HeaderName::from_static("idempotency-key"),
            HeaderName::from_static(REQUEST_ID),
        ])
        .expose_headers([
            header::ETAG,
            header::LOCATION,
            HeaderName::from_static("idempotent-replayed"),
            HeaderName::from_static(REQUEST_ID),
        ])
        .max_age(Duration::from_secs(600))
}

/// Answers a request that takes longer than `limit` with 503 `request_timeout`. A command cut
/// off this way is rolled back unless it had committed; its `Idempotency-Key` makes a retry safe.
async fn timeout(State(limit): State<Duration>, req: Request, next: Next) -> Response {
    match tokio::time::timeout(limit, next.run(req)).await {
        Ok(response) => response,
        Err(_) => ApiError::Timeout(limit).into_response(),
    }
}

/// True when `If-None-Match` (a list of entity tags, or `*`) matches `etag`, by the weak
/// comparison RFC 9110 §13.1.2 prescribes.
pub(crate) fn none_match(if_none_match: &str, etag: &str) -> bool {
    let opaque = |tag: &str| tag.trim().trim_start_matches("W/").to_string();
    let etag = opaque(etag);
    if_none_match
        .split(',')
        .any(|tag| tag.trim() == "*" || opaque(tag) == etag)
}

/// `If-None-Match` on a GET or HEAD whose answer carries a matching `ETag`: 304, no body.
async fn not_modified(req: Request, next: Next) -> Response {
    let condition = (req.method() == Method::GET || req.method() == Method::HEAD)
        .then(|| req.headers().get(header::IF_NONE_MATCH).cloned())
        .flatten();
    let response = next.run(req).await;
    let Some(condition) = condition.as_ref().and_then(|v| v.to_str().ok()) else {
        return response;
    };
    let matched = response.status() == StatusCode::OK
        && response
            .headers()
            .get(header::ETAG)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|etag| none_match(condition, etag));
    if !matched {
        return response;
    }
    let (mut parts, _) = response.into_parts();
    parts.status = StatusCode::NOT_MODIFIED;
    parts.headers.remove(header::CONTENT_TYPE);
    parts.headers.remove(header::CONTENT_LENGTH);
    Response::from_parts(parts, Body::empty())
}

/// Records the authenticated caller's subject on the request's log line (never the token).
pub(crate) fn record_subject(sub: &str) {
    Span::current().record("sub", sub);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn if_none_match_compares_weakly_and_takes_lists_and_star() {
        assert!(none_match("\"3\"", "\"3\""));
        assert!(none_match("W/\"3\"", "\"3\""));
        assert!(none_match("\"1\", \"3\"", "\"3\""));
        assert!(none_match("*", "\"3\""));
        assert!(!none_match("\"2\"", "\"3\""));
        assert!(!none_match("\"31\"", "\"3\""));
    }

    #[tokio::test]
    async fn a_slow_request_is_answered_503_request_timeout_as_a_problem() {
        use axum::routing::get;
        use http_body_util::BodyExt;
        use tower::ServiceExt;
        let app = Router::new()
            .route(
                "/slow",
                get(|| async {
                    tokio::time::sleep(Duration::from_secs(5)).await;
                    "late"
                }),
            )
            .layer(middleware::from_fn_with_state(
                Duration::from_millis(20),
                timeout,
            ));
        let response = app
            .oneshot(
                axum::http::Request::get("/slow")
                    .body(Body::empty())
                    .unwrap(),
            )
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::SERVICE_UNAVAILABLE);
        assert_eq!(
            response.headers()[header::CONTENT_TYPE],
            "application/problem+json"
        );
        let body = response.into_body().collect().await.unwrap().to_bytes();
        let body: serde_json::Value = serde_json::from_slice(&body).unwrap();
        assert_eq!(body["code"], "request_timeout");
        assert_eq!(body["status"], 503);
    }
}
