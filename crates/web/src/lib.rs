//! The browser front end of grantledger.
//!
//! Plain HTML, ES modules and CSS, embedded with `include_str!` so that `grantledger serve`
//! serves them with no build step. The pages call the REST API under `/v1` with the caller's
//! bearer token; this crate holds no rules and reads no data itself.
//!
//! The one endpoint it adds, `POST /ui/dev/token`, mints a development token and is mounted only
//! when the caller of [`router`] passes a [`DevSignin`].

use std::sync::Arc;

use axum::extract::Path;
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::Deserialize;
use serde_json::json;

/// What the development sign-in form asks for: the same inputs as `grantledger token`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SigninRequest {
    /// The subject (person id).
    pub sub: String,
    /// Roles: `applicant`, `reviewer`, `officer`, `auditor`.
    pub roles: Vec<String>,
    /// The organisation's 统一社会信用代码, if the person acts for one.
    #[serde(default)]
    pub org: Option<String>,
}

/// Signs a development token for a [`SigninRequest`], or says why it cannot.
pub type Mint = dyn Fn(&SigninRequest) -> Result<String, String> + Send + Sync;

/// The development sign-in: present only when the operator allows it.
#[derive(Clone)]
pub struct DevSignin {
    mint: Arc<Mint>,
}

impl DevSignin {
    /// A sign-in that mints tokens with `mint`.
    pub fn new(mint: Arc<Mint>) -> DevSignin {
        DevSignin { mint }
    }
}

/// An embedded file: its path under `/ui/`, its media type and its bytes.
struct Asset {
    name: &'static str,
    media_type: &'static str,
    body: &'static str,
}

const INDEX: &str = include_str!("../assets/index.html");

const ASSETS: &[Asset] = &[
    Asset {
        name: "app.js",
        media_type: "text/javascript; charset=utf-8",
        body: include_str!("../assets/app.js"),
    },
    Asset {
        name: "i18n.js",
        media_type: "text/javascript; charset=utf-8",
        body: include_str!("../assets/i18n.js"),
    },
    Asset {
        name: "style.css",
        media_type: "text/css; charset=utf-8",
        body: include_str!("../assets/style.css"),
    },
];

/// The front end's routes: `/`, `/ui/{file}`, `/ui/config.json` and, with `dev`, the
/// development sign-in `POST /ui/dev/token`.
pub fn router<S>(dev: Option<DevSignin>) -> Router<S>
where
    S: Clone + Send + Sync + 'static,
{
    let enabled = dev.is_some();
    let mut router = Router::new()
        .route("/", get(index))
        .route(
            "/ui/config.json",
            get(move || async move { Json(json!({ "dev_signin": enabled })) }),
        )
        .route("/ui/{file}", get(asset));
    if let Some(dev) = dev {
        router = router.route(
            "/ui/dev/token",
            post(move |Json(request): Json<SigninRequest>| async move {
                match (dev.mint)(&request) {
                    Ok(token) => (StatusCode::OK, Json(json!({ "token": token }))).into_response(),
                    Err(detail) => problem(StatusCode::UNPROCESSABLE_ENTITY, &detail),
                }
            }),
        );
    }
    router
}

async fn index() -> Response {
    with_type("text/html; charset=utf-8", INDEX)
}

async fn asset(Path(file): Path<String>) -> Response {
    match ASSETS.iter().find(|a| a.name == file) {
        Some(a) => with_type(a.media_type, a.body),
        None => problem(StatusCode::NOT_FOUND, "no such file"),
    }
}

fn with_type(media_type: &'static str, body: &'static str) -> Response {
    let mut response = body.into_response();
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(media_type));
    // The files change only with the binary; revalidate rather than cache stale scripts.
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-cache"));
    headers.insert(
        "x-content-type-options",
        HeaderValue::from_static("nosniff"),
    );
    response
}

fn problem(status: StatusCode, detail: &str) -> Response {
    let body = json!({
        "type": "about:blank",
        "title": status.canonical_reason().unwrap_or("error"),
        "status": status.as_u16(),
        "detail": detail,
        "code": if status == StatusCode::NOT_FOUND { "not_found" } else { "invalid_sign_in" },
    });
    let mut response = (status, body.to_string()).into_response();
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/problem+json"),
    );
    response
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::body::Body;
    use axum::http::Request;
    use http_body_util::BodyExt;
    use tower::ServiceExt;

    async fn call(router: Router, method: &str, uri: &str, body: &str) -> (StatusCode, String) {
        let request = Request::builder()
            .method(method)
            .uri(uri)
            .header("content-type", "application/json")
            .body(Body::from(body.to_string()))
            .unwrap();
        let response = router.oneshot(request).await.unwrap();
        let status = response.status();
        let bytes = response.into_body().collect().await.unwrap().to_bytes();
        (status, String::from_utf8(bytes.to_vec()).unwrap())
    }

    fn minting() -> DevSignin {
        DevSignin::new(Arc::new(|r: &SigninRequest| {
            if r.sub.is_empty() {
                Err("sub is empty".into())
            } else {
                Ok(format!("token-for-{}", r.sub))
            }
        }))
    }

    #[tokio::test]
    async fn the_index_and_every_embedded_file_are_served_with_their_types() {
        let (status, body) = call(router(None), "GET", "/", "").await;
        assert_eq!(status, StatusCode::OK);
        assert!(body.contains("<html lang=\"zh-CN\""));
        for a in ASSETS {
            let (status, body) = call(router(None), "GET", &format!("/ui/{}", a.name), "").await;
            assert_eq!(status, StatusCode::OK, "{}", a.name);
            assert_eq!(body, a.body);
        }
        let (status, _) = call(router(None), "GET", "/ui/nothing.js", "").await;
        assert_eq!(status, StatusCode::NOT_FOUND);
    }

    #[tokio::test]
    async fn the_development_sign_in_exists_only_when_enabled() {
        let (_, config) = call(router(None), "GET", "/ui/config.json", "").await;
        assert_eq!(config, r#"{"dev_signin":false}"#);
        let body = r#"{"sub":"alice","roles":["applicant"]}"#;
        let (status, _) = call(router(None), "POST", "/ui/dev/token", body).await;
        assert_eq!(status, StatusCode::NOT_FOUND);

        let (_, config) = call(router(Some(minting())), "GET", "/ui/config.json", "").await;
        assert_eq!(config, r#"{"dev_signin":true}"#);
        let (status, token) = call(router(Some(minting())), "POST", "/ui/dev/token", body).await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(token, r#"{"token":"token-for-alice"}"#);
        let (status, refused) = call(
            router(Some(minting())),
            "POST",
            "/ui/dev/token",
            r#"{"sub":"","roles":[]}"#,
        )
        .await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(refused.contains("sub is empty"));
    }
}
