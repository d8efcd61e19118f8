//! Mounts the browser front end (`web`) beside the API, with the development sign-in when the
//! operator allows it.

use std::sync::Arc;

use axum::Router;
use kernel::{OrgCode, Role};

use crate::{mint_token, AppState, Claims};

/// How long a development sign-in token lasts.
const DEV_TOKEN_HOURS: i64 = 12;

/// The front end's routes; `dev_signin` mounts `POST /ui/dev/token`, which signs the same
/// tokens as `grantledger token` with the server's secret.
pub(crate) fn routes(state: &AppState, dev_signin: bool) -> Router {
    let dev = dev_signin.then(|| {
        let secret = state.jwt_secret().to_string();
        web::DevSignin::new(Arc::new(move |request: &web::SigninRequest| {
            mint_dev_token(&secret, request)
        }))
    });
    web::router(dev)
}

fn mint_dev_token(secret: &str, request: &web::SigninRequest) -> Result<String, String> {
    let sub = request.sub.trim();
    if sub.is_empty() {
        return Err("sub: a person id is required".into());
    }
    if request.roles.is_empty() {
        return Err("roles: at least one role is required".into());
    }
    if let Some(bad) = request.roles.iter().find(|r| Role::parse(r).is_none()) {
        return Err(format!("roles: unknown role {bad:?}"));
    }
    let org = match request.org.as_deref().map(str::trim) {
        Some(text) if !text.is_empty() => Some(
            OrgCode::parse(text)
                .map_err(|e| format!("org: {e}"))?
                .to_string(),
        ),
        _ => None,
    };
    // Like `grantledger token`, the expiry is wall-clock time: the JWT library checks it so.
    let exp = chrono::Utc::now().timestamp() + DEV_TOKEN_HOURS * 3600;
    mint_token(
        secret,
        &Claims {
            sub: sub.to_string(),
            roles: request.roles.clone(),
            org,
            exp,
        },
    )
    .map_err(|e| format!("the token could not be signed: {e}"))
}
