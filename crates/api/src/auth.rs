use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use jsonwebtoken::{decode, encode, Algorithm, DecodingKey, EncodingKey, Header, Validation};
use kernel::{Actor, OrgCode, Role};
use serde::{Deserialize, Serialize};

use crate::{ApiError, AppState};
use app::AppError;

/// The claims of a grantledger bearer token (HS256).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Claims {
    /// Subject: the person's stable id.
    pub sub: String,
    /// Roles: `applicant`, `reviewer`, `officer`, `auditor`.
    pub roles: Vec<String>,
    /// The organisation (统一社会信用代码) the person acts for.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub org: Option<String>,
    /// Expiry, seconds since the epoch.
    pub exp: i64,
}

/// Signs `claims` with `secret`.
pub fn mint_token(secret: &str, claims: &Claims) -> Result<String, jsonwebtoken::errors::Error> {
    encode(
        &Header::new(Algorithm::HS256),
        claims,
        &EncodingKey::from_secret(secret.as_bytes()),
    )
}

/// The authenticated caller of a request.
#[derive(Debug, Clone)]
pub struct Caller(pub Actor);

impl Caller {
    /// Refuses with 403 unless the caller holds `role`.
    pub fn require(&self, role: Role) -> Result<&Actor, ApiError> {
        if self.0.has(role) {
            Ok(&self.0)
        } else {
            Err(ApiError::App(AppError::Forbidden(format!(
                "this needs the {} role",
                role.as_str()
            ))))
        }
    }

    /// True when the caller may see everything (officer or auditor).
    pub fn sees_all(&self) -> bool {
        self.0.has(Role::Officer) || self.0.has(Role::Auditor)
    }
}

fn actor_of(claims: Claims) -> Result<Actor, ApiError> {
    let roles = claims
        .roles
        .iter()
        .map(|r| {
            Role::parse(r).ok_or_else(|| ApiError::Unauthenticated(format!("unknown role {r:?}")))
        })
        .collect::<Result<Vec<_>, _>>()?;
    let org =
        match claims.org {
            Some(text) => Some(OrgCode::parse(&text).map_err(|e| {
                ApiError::Unauthenticated(format!("the token's org is invalid: {e}"))
            })?),
            None => None,
        };
    if claims.sub.trim().is_empty() {
        return Err(ApiError::Unauthenticated("the token has no subject".into()));
    }
    Ok(Actor {
        sub: claims.sub,
        roles,
        org,
    })
}

impl FromRequestParts<AppState> for Caller {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        let caller = caller_of(state, &parts.headers)?;
        // Once per request on its log line, however many extractors and middlewares ask.
        if parts.extensions.insert(SubjectLogged).is_none() {
            crate::ops::record_subject(&caller.0.sub);
        }
        Ok(caller)
    }
}

/// Marks a request whose caller is already on its log line.
#[derive(Clone, Copy)]
struct SubjectLogged;

/// The caller a request's `Authorization: Bearer` token names.
pub(crate) fn caller_of(
    state: &AppState,
    headers: &axum::http::HeaderMap,
) -> Result<Caller, ApiError> {
    {
        let header = headers
            .get(axum::http::header::AUTHORIZATION)
            .ok_or_else(|| {
                ApiError::Unauthenticated("an Authorization: Bearer token is required".into())
            })?;
        let token = header
            .to_str()
            .ok()
            .and_then(|h| h.strip_prefix("Bearer "))
            .map(str::trim)
            .ok_or_else(|| {
                ApiError::Unauthenticated("the Authorization header is not a Bearer token".into())
            })?;
        let mut validation = Validation::new(Algorithm::HS256);
        validation.leeway = 0;
        validation.set_required_spec_claims(&["exp", "sub"]);
        let data = decode::<Claims>(
            token,
            &DecodingKey::from_secret(state.jwt_secret().as_bytes()),
            &validation,
        )
        .map_err(|e| ApiError::Unauthenticated(format!("the token was refused: {e}")))?;
        Ok(Caller(actor_of(data.claims)?))
    }
}
