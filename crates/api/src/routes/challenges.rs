use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::{get, post};
use challenge::{AmendChallenge, AwardMode, Challenge, ChallengeCommand, DraftChallenge, Target};
use chrono::NaiveDate;
use cqrs_es::Aggregate;
use kernel::{Money, Role};
use projections::{ChallengeView, Page};
use serde::Deserialize;
use serde_json::Value;

use super::common::{org_code, present, EmptyDto, ListParams};
use super::Routes;
use crate::auth::Caller;
use crate::execute::{representation, CommandCall, IfMatch, RequestId};
use crate::extract::{Body, OptionalBody, Path, Query};
use crate::{ApiError, AppState};
use app::AppError;

pub(super) fn routes(r: Routes) -> Routes {
    r.route(
        "/v1/challenges",
        &["get", "post"],
        get(list_challenges).post(draft_challenge),
    )
    .route("/v1/challenges/{id}", &["get"], get(get_challenge))
    .route(
        "/v1/challenges/{id}/publish",
        &["post"],
        post(publish_challenge),
    )
    .route(
        "/v1/challenges/{id}/amend",
        &["post"],
        post(amend_challenge),
    )
    .route(
        "/v1/challenges/{id}/close",
        &["post"],
        post(close_challenge),
    )
    .route(
        "/v1/challenges/{id}/cancel",
        &["post"],
        post(cancel_challenge),
    )
}

/// `ChallengeDraft` in the OpenAPI document.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct ChallengeDraftDto {
    programme: String,
    title: String,
    demand_owner: String,
    industry_chain: String,
    targets: Vec<Target>,
    budget_cap_fen: i64,
    mode: Option<AwardMode>,
    opens_on: Option<NaiveDate>,
    closes_on: Option<NaiveDate>,
    completion_deadline: Option<NaiveDate>,
}

impl TryFrom<ChallengeDraftDto> for DraftChallenge {
    type Error = ApiError;
    fn try_from(d: ChallengeDraftDto) -> Result<Self, ApiError> {
        Ok(DraftChallenge {
            demand_owner: org_code("demand_owner", &d.demand_owner)?,
            mode: present("mode", d.mode)?,
            opens_on: present("opens_on", d.opens_on)?,
            closes_on: present("closes_on", d.closes_on)?,
            completion_deadline: present("completion_deadline", d.completion_deadline)?,
            programme: d.programme,
            title: d.title,
            industry_chain: d.industry_chain,
            targets: d.targets,
            budget_cap: Money::from_fen(d.budget_cap_fen),
        })
    }
}

/// `ChallengeAmendment` in the OpenAPI document.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct ChallengeAmendmentDto {
    reason: String,
    title: Option<String>,
    industry_chain: Option<String>,
    targets: Option<Vec<Target>>,
    budget_cap_fen: Option<i64>,
    closes_on: Option<NaiveDate>,
    completion_deadline: Option<NaiveDate>,
}

/// `CancelRequest` in the OpenAPI document.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct CancelDto {
    reason: String,
}

const STATUSES: [&str; 6] = [
    "draft",
    "published",
    "closed",
    "cancelled",
    "awarded",
    "unfilled",
];

async fn load_view(state: &AppState, id: &str) -> Result<Value, ApiError> {
    state
        .store()
        .view(ChallengeView::NAME, id)
        .await?
        .ok_or_else(|| ApiError::App(AppError::NotFound(format!("no challenge {id}"))))
}

async fn challenge_response(
    state: &AppState,
    id: &str,
    status: StatusCode,
) -> Result<Response, ApiError> {
    let view = load_view(state, id).await?;
    let location = (status == StatusCode::CREATED).then(|| format!("/v1/challenges/{id}"));
    Ok(representation(status, view, location))
}

async fn draft_challenge(
    State(state): State<AppState>,
    caller: Caller,
    request_id: RequestId,
    Body(dto): Body<ChallengeDraftDto>,
) -> Result<Response, ApiError> {
    let actor = caller.require(Role::Officer)?;
    let command = ChallengeCommand::Draft(dto.try_into()?);
    let id = state.ids().new_id().to_string();
    let call = CommandCall::new(actor, &request_id, IfMatch(None));
    call.run(
        &state,
        state.challenges(),
        &id,
        false,
        "DraftChallenge",
        command,
    )
    .await?;
    challenge_response(&state, &id, StatusCode::CREATED).await
}

async fn list_challenges(
    State(state): State<AppState>,
    caller: Caller,
    Query(params): Query<ListParams>,
) -> Result<axum::Json<Page<Value>>, ApiError> {
    let mut query = params.query(&STATUSES)?;
    // Drafts are the bureau's working papers: only officers and auditors see them.
    let hide_drafts = !caller.sees_all();
    if hide_drafts && query.status.as_deref() == Some("draft") {
        return Ok(axum::Json(Page {
            items: vec![],
            next_cursor: None,
        }));
    }
    query.exclude_status = hide_drafts.then(|| "draft".to_string());
    Ok(axum::Json(
        state.store().list(ChallengeView::NAME, &query).await?,
    ))
}

async fn get_challenge(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    let view = load_view(&state, &id).await?;
    let draft = view.get("status").and_then(Value::as_str) == Some("draft");
    if draft && !caller.sees_all() {
        return Err(ApiError::App(AppError::NotFound(format!(
            "no challenge {id}"
        ))));
    }
    Ok(representation(StatusCode::OK, view, None))
}

async fn command(
    state: &AppState,
    caller: &Caller,
    request_id: &RequestId,
    if_match: IfMatch,
    id: &str,
    name: &str,
    command: <Challenge as Aggregate>::Command,
) -> Result<Response, ApiError> {
    let call = CommandCall::new(caller.require(Role::Officer)?, request_id, if_match);
    call.run(state, state.challenges(), id, true, name, command)
        .await?;
    challenge_response(state, id, StatusCode::OK).await
}

async fn publish_challenge(
    State(state): State<AppState>,
    caller: Caller,
    request_id: RequestId,
    if_match: IfMatch,
    Path(id): Path<String>,
    Body(EmptyDto {}): OptionalBody<EmptyDto>,
) -> Result<Response, ApiError> {
    command(
        &state,
        &caller,
        &request_id,
        if_match,
        &id,
        "PublishChallenge",
        ChallengeCommand::Publish,
    )
    .await
}

async fn close_challenge(
    State(state): State<AppState>,
    caller: Caller,
    request_id: RequestId,
    if_match: IfMatch,
    Path(id): Path<String>,
    Body(EmptyDto {}): OptionalBody<EmptyDto>,
) -> Result<Response, ApiError> {
    command(
        &state,
        &caller,
        &request_id,
        if_match,
        &id,
        "CloseChallenge",
        ChallengeCommand::Close,
    )
    .await
}

async fn cancel_challenge(
    State(state): State<AppState>,
    caller: Caller,
    request_id: RequestId,
    if_match: IfMatch,
    Path(id): Path<String>,
    Body(dto): Body<CancelDto>,
) -> Result<Response, ApiError> {
    let cmd = ChallengeCommand::Cancel { reason: dto.reason };
    command(
        &state,
        &caller,
        &request_id,
        if_match,
        &id,
        "CancelChallenge",
        cmd,
    )
    .await
}

async fn amend_challenge(
    State(state): State<AppState>,
    caller: Caller,
    request_id: RequestId,
    if_match: IfMatch,
    Path(id): Path<String>,
    Body(dto): Body<ChallengeAmendmentDto>,
) -> Result<Response, ApiError> {
    let cmd = ChallengeCommand::Amend(AmendChallenge {
        reason: dto.reason,
        title: dto.title,
        industry_chain: dto.industry_chain,
        targets: dto.targets,
        budget_cap: dto.budget_cap_fen.map(Money::from_fen),
        closes_on: dto.closes_on,
        completion_deadline: dto.completion_deadline,
    });
    command(
        &state,
        &caller,
        &request_id,
        if_match,
        &id,
        "AmendChallenge",
        cmd,
    )
    .await
}
