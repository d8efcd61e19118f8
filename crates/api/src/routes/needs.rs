//! The technology need pool (需求库): enterprises register needs, officers screen them, calls
//! are drafted from them (see `challenges::draft_challenge`).

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::{get, post};
use kernel::Role;
use need::{NeedCategory, NeedCommand, RegisterNeed};
use projections::{ListQuery, NeedView};
use serde::Deserialize;
use serde_json::Value;
use store::SearchQuery;

use super::common::{org_code, page};
use super::Routes;
use crate::auth::Caller;
use crate::execute::{representation, CommandCall, IfMatch, RequestId};
use crate::extract::{Body, Path, Query};
use crate::search;
use crate::{ApiError, AppError, AppState};

pub(super) fn routes(r: Routes) -> Routes {
    r.route(
        "/v1/needs",
        &["get", "post"],
        get(list_needs).post(register_need),
    )
    .route("/v1/needs/{id}", &["get"], get(get_need))
    .route("/v1/needs/{id}/screen", &["post"], post(screen_need))
}

/// `NeedRegistration` in the OpenAPI document.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct NeedRegistrationDto {
    poser: Option<String>,
    category: String,
    industry_chain: String,
    title: String,
    text: String,
    expected_outcome: String,
}

/// `NeedScreening` in the OpenAPI document.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct NeedScreeningDto {
    decision: String,
    reason: Option<String>,
}

/// `?status=&chain=&q=&limit=&cursor=` of the need list.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct NeedListParams {
    status: Option<String>,
    chain: Option<String>,
    q: Option<String>,
    sort: Option<String>,
    limit: Option<u32>,
    cursor: Option<String>,
}

const STATUSES: [&str; 4] = ["registered", "accepted", "rejected", "adopted"];

fn category(text: &str) -> Result<NeedCategory, ApiError> {
    NeedCategory::parse(text).ok_or_else(|| {
        ApiError::field(
            "category",
            "invalid_category",
            "category must be major_enterprise or industry_chain".to_string(),
        )
    })
}

async fn load_view(state: &AppState, id: &str) -> Result<Value, ApiError> {
    state
        .store()
        .view(NeedView::NAME, id)
        .await?
        .ok_or_else(|| ApiError::App(AppError::NotFound(format!("no need {id}"))))
}

/// Officers and auditors see every need; an applicant sees the needs of its own organisation.
fn may_see(caller: &Caller, view: &Value) -> bool {
    if caller.sees_all() {
        return true;
    }
    let poser = view.get("poser").and_then(Value::as_str);
    caller.0.has(Role::Applicant)
        && caller.0.org.as_ref().map(|o| o.as_str()) == poser
        && poser.is_some()
}

async fn register_need(
    State(state): State<AppState>,
    caller: Caller,
    request_id: RequestId,
    Body(dto): Body<NeedRegistrationDto>,
) -> Result<Response, ApiError> {
    // 000_e0aff6e539fca529.txt「依托祖沖之攻關在線平臺設立產業鏈需求登記專欄」: enterprises register online; officers may too.
    let actor = if caller.0.has(Role::Officer) {
        &caller.0
    } else {
        caller.require(Role::Applicant)?
    };
    let poser = match (&dto.poser, &actor.org, actor.has(Role::Officer)) {
        (Some(text), _, true) => org_code("poser", text)?,
        (None, _, true) => {
            return Err(ApiError::field(
                "poser",
                "required",
                "an officer names the posing enterprise".to_string(),
            ))
        }
        (Some(text), Some(own), false) => {
            let asked = org_code("poser", text)?;
            if &asked != own {
                return Err(ApiError::App(AppError::Forbidden(
                    "an applicant registers needs of its own organisation only".into(),
                )));
            }
            asked
        }
        (None, Some(own), false) => own.clone(),
        (_, None, false) => {
            return Err(ApiError::App(AppError::Forbidden(
                "the token names no organisation".into(),
            )))
        }
    };
    let command = NeedCommand::Register(RegisterNeed {
        poser,
        category: category(&dto.category)?,
        industry_chain: dto.industry_chain,
        title: dto.title,
        text: dto.text,
        expected_outcome: dto.expected_outcome,
        registered_by: actor.sub.clone(),
    });
    let id = state.ids().new_id().to_string();
    CommandCall::new(actor, &request_id, IfMatch(None))
        .run(&state, state.needs(), &id, false, "RegisterNeed", command)
        .await?;
    let view = load_view(&state, &id).await?;
    Ok(representation(
        StatusCode::CREATED,
        view,
        Some(format!("/v1/needs/{id}")),
    ))
}

async fn list_needs(
    State(state): State<AppState>,
    caller: Caller,
    Query(params): Query<NeedListParams>,
) -> Result<axum::Json<Value>, ApiError> {
    if let Some(s) = &params.status {
        if !STATUSES.contains(&s.as_str()) {
            return Err(ApiError::BadRequest {
                code: "invalid_query",
                detail: format!("status must be one of {}", STATUSES.join(", ")),
            });
        }
    }
    // "My needs": an applicant's list is its own organisation's needs.
    let owner = if caller.sees_all() {
        None
    } else {
        let actor = caller.require(Role::Applicant)?;
        Some(
            actor
                .org
                .as_ref()
                .ok_or_else(|| {
                    ApiError::App(AppError::Forbidden(
                        "the token names no organisation".into(),
                    ))
                })?
                .to_string(),
        )
    };
    let q = params.q.as_deref().map(str::trim).filter(|q| !q.is_empty());
    // Checked on every list, searched or not: an unknown order is a 400, never ignored.
    let sort = search::sort(params.sort.as_deref())?;
    if let Some(q) = q {
        let found = state
            .store()
            .search(&SearchQuery {
                view: NeedView::NAME.into(),
                text: q.to_string(),
                status: params.status,
                owner,
                parent: params.chain,
                sort,
                offset: search::offset(params.cursor.as_deref())?,
                limit: search::limit(params.limit)?,
                ..Default::default()
            })
            .await?;
        return Ok(axum::Json(
            serde_json::to_value(found)
                .map_err(|e| ApiError::App(AppError::Internal(e.to_string())))?,
        ));
    }
    let (limit, after) = page(params.limit, params.cursor.as_deref())?;
    let query = ListQuery {
        status: params.status,
        owner,
        parent: params.chain,
        after,
        limit,
        ..Default::default()
    };
    let found = state.store().list(NeedView::NAME, &query).await?;
    Ok(axum::Json(serde_json::to_value(found).map_err(|e| {
        ApiError::App(AppError::Internal(e.to_string()))
    })?))
}

async fn get_need(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    let view = load_view(&state, &id).await?;
    if !may_see(&caller, &view) {
        return Err(ApiError::App(AppError::NotFound(format!("no need {id}"))));
    }
    Ok(representation(StatusCode::OK, view, None))
}

async fn screen_need(
    State(state): State<AppState>,
    caller: Caller,
    request_id: RequestId,
    if_match: IfMatch,
    Path(id): Path<String>,
    Body(dto): Body<NeedScreeningDto>,
) -> Result<Response, ApiError> {
    let actor = caller.require(Role::Officer)?;
    let accept = match dto.decision.as_str() {
        "accept" => true,
        "reject" => false,
        _ => {
            return Err(ApiError::field(
                "decision",
                "invalid_decision",
                "decision must be accept or reject".to_string(),
            ))
        }
    };
    let command = NeedCommand::Screen {
        accept,
        reason: dto.reason,
    };
    CommandCall::new(actor, &request_id, if_match)
        .run(&state, state.needs(), &id, true, "ScreenNeed", command)
        .await?;
    let view = load_view(&state, &id).await?;
    Ok(representation(StatusCode::OK, view, None))
}
