//! The router, built from one table so that the OpenAPI test can compare the two.

mod attention;
mod audit;
mod awards;
mod bids;
mod challenges;
mod clawbacks;
mod common;
mod consortia;
mod csv;
mod docs;
mod evaluation_rounds;
mod health;
mod integrity_records;
mod kpis;
mod metrics;
mod needs;
mod programmes;
mod projects;
mod transparency;

pub(crate) use transparency::spawn_checkpoints;
mod support;

use axum::extract::{DefaultBodyLimit, Request, State};
use axum::http::HeaderValue;
use axum::middleware::{self, Next};
use axum::response::Response;
use axum::routing::MethodRouter;
use axum::Router;

use crate::execute::{RequestId, REQUEST_ID};
use crate::{ApiError, AppState};
use app::AppError;

/// A router and the `(method, path)` pairs it serves, built together.
pub(crate) struct Routes {
    router: Router<AppState>,
    table: Vec<(&'static str, &'static str)>,
}

impl Routes {
    fn new() -> Self {
        Routes {
            router: Router::new(),
            table: Vec::new(),
        }
    }

    /// Serves `methods` (lower-case) on `path` with `handlers`, which must route exactly those.
    pub(crate) fn route(
        mut self,
        path: &'static str,
        methods: &[&'static str],
        handlers: MethodRouter<AppState>,
    ) -> Self {
        self.router = self.router.route(path, handlers);
        self.table.extend(methods.iter().map(|m| (*m, path)));
        self
    }
}

fn all() -> Routes {
    let routes = health::routes(Routes::new());
    let routes = challenges::routes(routes);
    let routes = clawbacks::routes(routes);
    let routes = integrity_records::routes(routes);
    let routes = projects::routes(routes);
    let routes = consortia::routes(routes);
    let routes = evaluation_rounds::routes(routes);
    let routes = audit::routes(routes);
    let routes = bids::routes(routes);
    let routes = transparency::routes(routes);
    let routes = attention::routes(routes);
    let routes = support::routes(routes);
    let routes = docs::routes(routes);
    let routes = programmes::routes(routes);
    let routes = needs::routes(routes);
    let routes = kpis::routes(routes);
    let routes = metrics::routes(routes);
    awards::routes(routes)
}

/// Every `(method, path)` the API serves, with OpenAPI-style `{param}` paths.
pub fn route_table() -> Vec<(&'static str, &'static str)> {
    all().table
}

async fn assign_request_id(
    State(state): State<AppState>,
    mut req: Request,
    next: Next,
) -> Response {
    let id = req
        .headers()
        .get(REQUEST_ID)
        .and_then(|v| v.to_str().ok())
        .filter(|v| !v.is_empty() && v.len() <= 128)
        .map(str::to_string)
        .unwrap_or_else(|| state.ids().new_id().to_string());
    req.extensions_mut().insert(RequestId::new(id.clone()));
    let mut response = next.run(req).await;
    if let Ok(value) = HeaderValue::from_str(&id) {
        response.headers_mut().insert(REQUEST_ID, value);
    }
    response
}

async fn not_found() -> ApiError {
    ApiError::App(AppError::NotFound("no such route".into()))
}

async fn method_not_allowed() -> ApiError {
    ApiError::MethodNotAllowed
}

/// The application's router over `state`.
pub fn router(state: AppState) -> Router {
    let limit = state.body_limit();
    all()
        .router
        .merge(docs::assets())
        .fallback(not_found)
        .method_not_allowed_fallback(method_not_allowed)
        .layer(middleware::from_fn_with_state(
            state.clone(),
            audit::auditors_read_only,
        ))
        .layer(middleware::from_fn_with_state(
            state.clone(),
            crate::idempotency::idempotency,
        ))
        .layer(DefaultBodyLimit::max(limit))
        .layer(middleware::from_fn_with_state(
            state.clone(),
            crate::hygiene::clean_body,
        ))
        .layer(middleware::from_fn(crate::hygiene::clean_uri))
        .layer(middleware::from_fn_with_state(
            state.clone(),
            assign_request_id,
        ))
        .layer(middleware::from_fn(crate::hygiene::problems_only))
        .with_state(state)
}
