use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::{get, post};
use chrono::NaiveDate;
use consortium::{
    Consortium, ConsortiumCommand, FormConsortium, Level, LevelDecision, Remedy, SupportBasis,
};
use cqrs_es::Aggregate;
use kernel::{Actor, Money, OrgCode, Role};
use projections::{ConsortiumAcceptanceView, ConsortiumView, Page};
use serde::Deserialize;
use serde_json::Value;

use super::common::{org_code, present, EmptyDto, ListParams};
use super::Routes;
use crate::auth::Caller;
use crate::execute::{representation, CommandCall, IfMatch, RequestId};
use crate::extract::{Body, OptionalBody, Path, Query};
use crate::{ApiError, AppState};
use app::active_bars;
use app::AppError;

pub(super) fn routes(r: Routes) -> Routes {
    r.route(
        "/v1/consortia",
        &["get", "post"],
        get(list_consortia).post(form_consortium),
    )
    .route(
        "/v1/consortia/acceptance-due",
        &["get"],
        get(list_acceptance_due),
    )
    .route("/v1/consortia/{id}", &["get"], get(get_consortium))
    .route("/v1/consortia/{id}/add-member", &["post"], post(add_member))
    .route(
        "/v1/consortia/{id}/remove-member",
        &["post"],
        post(remove_member),
    )
    .route(
        "/v1/consortia/{id}/apply-level",
        &["post"],
        post(apply_for_level),
    )
    .route(
        "/v1/consortia/{id}/decide-level",
        &["post"],
        post(decide_level),
    )
    .route(
        "/v1/consortia/{id}/cultivation-rewards",
        &["post"],
        post(grant_cultivation_reward),
    )
    .route(
        "/v1/consortia/{id}/accreditation-support",
        &["post"],
        post(grant_accreditation_support),
    )
    .route(
        "/v1/consortia/{id}/grants/{grant_id}/disburse",
        &["post"],
        post(disburse),
    )
    .route(
        "/v1/consortia/{id}/end-construction-period",
        &["post"],
        post(end_construction_period),
    )
    .route(
        "/v1/consortia/{id}/final-acceptance",
        &["post"],
        post(record_final_acceptance),
    )
    .route("/v1/consortia/{id}/remedy", &["post"], post(decide_remedy))
    .route(
        "/v1/consortia/{id}/rectification-outcome",
        &["post"],
        post(record_rectification_outcome),
    )
}

const STATUSES: [&str; 9] = [
    "formed",
    "applying",
    "holding",
    "final_acceptance_due",
    "remedy_pending",
    "rectifying",
    "completed",
    "recovery_referred",
    "revoked",
];

/// `ConsortiumFormation` in the OpenAPI document.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct FormationDto {
    name: String,
    lead: String,
    members: Vec<String>,
    charter_ref: String,
    focus_chain: String,
}

/// `MembershipChange` in the OpenAPI document.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct MembershipDto {
    member: String,
    on: NaiveDate,
    reason: String,
}

/// `LevelApplication` in the OpenAPI document.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct LevelApplicationDto {
    level: Option<Level>,
    recommended_by: String,
}

/// `LevelDecision` in the OpenAPI document.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct LevelDecisionDto {
    granted: bool,
    #[serde(default)]
    decision_ref: String,
    effective_date: NaiveDate,
    construction_years: Option<u32>,
    reason: Option<String>,
}

/// `CultivationRewardGrant` in the OpenAPI document.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct CultivationRewardDto {
    level: Option<Level>,
    amount_fen: i64,
}

/// `AccreditationSupportGrant` in the OpenAPI document.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct AccreditationSupportDto {
    amount_fen: i64,
    basis: Option<SupportBasis>,
}

/// `Disbursement` in the OpenAPI document.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct DisbursementDto {
    amount_fen: i64,
}

/// `FinalAcceptance` in the OpenAPI document.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct FinalAcceptanceDto {
    passed: bool,
    report_ref: String,
}

/// `RemedyDecision` in the OpenAPI document.
#[derive(Debug, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
enum RemedyDto {
    Rectify { deadline: NaiveDate },
    Recover { amount_fen: i64 },
}

impl Default for RemedyDto {
    fn default() -> Self {
        RemedyDto::Recover { amount_fen: 0 }
    }
}

/// `RectificationOutcome` in the OpenAPI document.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct RectificationOutcomeDto {
    passed: bool,
    report_ref: String,
    recover_amount_fen: Option<i64>,
}

/// The consortium view, or 404.
pub(super) async fn load_view(state: &AppState, id: &str) -> Result<ConsortiumView, ApiError> {
    let value = state
        .store()
        .view(ConsortiumView::NAME, id)
        .await?
        .ok_or_else(|| ApiError::App(AppError::NotFound(format!("no consortium {id}"))))?;
    serde_json::from_value(value).map_err(|e| ApiError::App(AppError::Internal(e.to_string())))
}

async fn consortium_response(
    state: &AppState,
    id: &str,
    status: StatusCode,
) -> Result<Response, ApiError> {
    let view = state
        .store()
        .view(ConsortiumView::NAME, id)
        .await?
        .ok_or_else(|| ApiError::App(AppError::NotFound(format!("no consortium {id}"))))?;
    let location = (status == StatusCode::CREATED).then(|| format!("/v1/consortia/{id}"));
    Ok(representation(status, view, location))
}

/// Refuses unless the caller is an applicant acting for `lead`.
fn require_lead<'a>(caller: &'a Caller, lead: &OrgCode) -> Result<&'a Actor, ApiError> {
    let actor = caller.require(Role::Applicant)?;
    if actor.org.as_ref() != Some(lead) {
        return Err(ApiError::App(AppError::Forbidden(
            "only the lead organisation's applicant may do this".into(),
        )));
    }
    Ok(actor)
}

async fn form_consortium(
    State(state): State<AppState>,
    caller: Caller,
    request_id: RequestId,
    Body(dto): Body<FormationDto>,
) -> Result<Response, ApiError> {
    let lead = org_code("lead", &dto.lead)?;
    let actor = require_lead(&caller, &lead)?;
    let members = dto
        .members
        .iter()
        .enumerate()
        .map(|(i, m)| org_code(&format!("members[{i}]"), m))
        .collect::<Result<Vec<_>, _>>()?;
    let all: Vec<OrgCode> = std::iter::once(lead.clone())
        .chain(members.iter().cloned())
        .collect();
    let bars = active_bars(&state, &all, state.clock().today()).await?;
    let command = ConsortiumCommand::Form(FormConsortium {
        name: dto.name,
        lead,
        members,
        charter_ref: dto.charter_ref,
        focus_chain: dto.focus_chain,
        bars,
    });
    let id = state.ids().new_id().to_string();
    CommandCall::new(actor, &request_id, IfMatch(None))
        .run(
            &state,
            state.consortia(),
            &id,
            false,
            "FormConsortium",
            command,
        )
        .await?;
    consortium_response(&state, &id, StatusCode::CREATED).await
}

async fn list_consortia(
    State(state): State<AppState>,
    _caller: Caller,
    Query(params): Query<ListParams>,
) -> Result<axum::Json<Page<Value>>, ApiError> {
    let query = params.query(&STATUSES)?;
    Ok(axum::Json(
        state.store().list(ConsortiumView::NAME, &query).await?,
    ))
}

/// Consortia whose construction period ended on or before today and that are not yet accepted,
/// revoked or referred for recovery, earliest end first.
async fn list_acceptance_due(
    State(state): State<AppState>,
    caller: Caller,
    Query(params): Query<ListParams>,
) -> Result<axum::Json<Page<Value>>, ApiError> {
    if !caller.sees_all() {
        return Err(ApiError::App(AppError::Forbidden(
            "this list is for officers and auditors".into(),
        )));
    }
    if params.status.is_some() {
        return Err(ApiError::BadRequest {
            code: "invalid_query",
            detail: "this list takes no status".into(),
        });
    }
    let mut query = params.query(&[])?;
    query.status = Some(ConsortiumAcceptanceView::AWAITING.into());
    let today = state.clock().today().to_string();
    let page = state
        .store()
        .list(ConsortiumAcceptanceView::NAME, &query)
        .await?;
    // Rows come in construction-end order, so the first one still running ends the list.
    let total = page.items.len();
    let items: Vec<Value> = page
        .items
        .into_iter()
        .take_while(|row| {
            row.get("construction_end")
                .and_then(Value::as_str)
                .is_some_and(|end| end <= today.as_str())
        })
        .collect();
    let next_cursor = if items.len() == total {
        page.next_cursor
    } else {
        None
    };
    Ok(axum::Json(Page { items, next_cursor }))
}

async fn get_consortium(
    State(state): State<AppState>,
    _caller: Caller,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    consortium_response(&state, &id, StatusCode::OK).await
}

async fn command(
    state: &AppState,
    actor: &Actor,
    request_id: &RequestId,
    if_match: IfMatch,
    id: &str,
    name: &str,
    command: <Consortium as Aggregate>::Command,
) -> Result<Response, ApiError> {
    CommandCall::new(actor, request_id, if_match)
        .run(state, state.consortia(), id, true, name, command)
        .await?;
    consortium_response(state, id, StatusCode::OK).await
}

/// The lead's applicant or an officer.
fn lead_or_officer<'a>(caller: &'a Caller, view: &ConsortiumView) -> Result<&'a Actor, ApiError> {
    if caller.0.has(Role::Officer) {
        return Ok(&caller.0);
    }
    match &view.lead {
        Some(lead) => require_lead(caller, lead),
        None => Err(ApiError::App(AppError::NotFound(format!(
            "no consortium {}",
            view.id
        )))),
    }
}

async fn add_member(
    State(state): State<AppState>,
    caller: Caller,
    request_id: RequestId,
    if_match: IfMatch,
    Path(id): Path<String>,
    Body(dto): Body<MembershipDto>,
) -> Result<Response, ApiError> {
    let view = load_view(&state, &id).await?;
    let actor = lead_or_officer(&caller, &view)?;
    let member = org_code("member", &dto.member)?;
    let bars = active_bars(&state, std::slice::from_ref(&member), dto.on).await?;
    let cmd = ConsortiumCommand::AddMember {
        member,
        on: dto.on,
        reason: dto.reason,
        bars,
    };
    command(&state, actor, &request_id, if_match, &id, "AddMember", cmd).await
}

async fn remove_member(
    State(state): State<AppState>,
    caller: Caller,
    request_id: RequestId,
    if_match: IfMatch,
    Path(id): Path<String>,
    Body(dto): Body<MembershipDto>,
) -> Result<Response, ApiError> {
    let view = load_view(&state, &id).await?;
    let actor = lead_or_officer(&caller, &view)?;
    let cmd = ConsortiumCommand::RemoveMember {
        member: org_code("member", &dto.member)?,
        on: dto.on,
        reason: dto.reason,
    };
    command(
        &state,
        actor,
        &request_id,
        if_match,
        &id,
        "RemoveMember",
        cmd,
    )
    .await
}

async fn apply_for_level(
    State(state): State<AppState>,
    caller: Caller,
    request_id: RequestId,
    if_match: IfMatch,
    Path(id): Path<String>,
    Body(dto): Body<LevelApplicationDto>,
) -> Result<Response, ApiError> {
    let actor = caller.require(Role::Officer)?;
    let view = load_view(&state, &id).await?;
    let orgs: Vec<OrgCode> = view.lead.iter().chain(&view.members).cloned().collect();
    let bars = active_bars(&state, &orgs, state.clock().today()).await?;
    let cmd = ConsortiumCommand::ApplyForLevel {
        level: present("level", dto.level)?,
        recommended_by: dto.recommended_by,
        bars,
    };
    command(
        &state,
        actor,
        &request_id,
        if_match,
        &id,
        "ApplyForLevel",
        cmd,
    )
    .await
}

async fn decide_level(
    State(state): State<AppState>,
    caller: Caller,
    request_id: RequestId,
    if_match: IfMatch,
    Path(id): Path<String>,
    Body(dto): Body<LevelDecisionDto>,
) -> Result<Response, ApiError> {
    let actor = caller.require(Role::Officer)?;
    let cmd = ConsortiumCommand::RecordLevelDecision(LevelDecision {
        granted: dto.granted,
        decision_ref: dto.decision_ref,
        effective_date: dto.effective_date,
        construction_years: dto.construction_years,
        reason: dto.reason,
    });
    command(
        &state,
        actor,
        &request_id,
        if_match,
        &id,
        "RecordLevelDecision",
        cmd,
    )
    .await
}

async fn grant_cultivation_reward(
    State(state): State<AppState>,
    caller: Caller,
    request_id: RequestId,
    if_match: IfMatch,
    Path(id): Path<String>,
    Body(dto): Body<CultivationRewardDto>,
) -> Result<Response, ApiError> {
    let actor = caller.require(Role::Officer)?;
    let cmd = ConsortiumCommand::GrantCultivationReward {
        level: present("level", dto.level)?,
        amount: Money::from_fen(dto.amount_fen),
    };
    command(
        &state,
        actor,
        &request_id,
        if_match,
        &id,
        "GrantCultivationReward",
        cmd,
    )
    .await
}

async fn grant_accreditation_support(
    State(state): State<AppState>,
    caller: Caller,
    request_id: RequestId,
    if_match: IfMatch,
    Path(id): Path<String>,
    Body(dto): Body<AccreditationSupportDto>,
) -> Result<Response, ApiError> {
    let actor = caller.require(Role::Officer)?;
    let cmd = ConsortiumCommand::GrantAccreditationSupport {
        amount: Money::from_fen(dto.amount_fen),
        basis: present("basis", dto.basis)?,
    };
    command(
        &state,
        actor,
        &request_id,
        if_match,
        &id,
        "GrantAccreditationSupport",
        cmd,
    )
    .await
}

async fn disburse(
    State(state): State<AppState>,
    caller: Caller,
    request_id: RequestId,
    if_match: IfMatch,
    Path((id, grant_id)): Path<(String, String)>,
    Body(dto): Body<DisbursementDto>,
) -> Result<Response, ApiError> {
    let actor = caller.require(Role::Officer)?;
    let cmd = ConsortiumCommand::DisburseFunds {
        grant_id,
        amount: Money::from_fen(dto.amount_fen),
    };
    command(
        &state,
        actor,
        &request_id,
        if_match,
        &id,
        "DisburseConsortiumFunds",
        cmd,
    )
    .await
}

async fn end_construction_period(
    State(state): State<AppState>,
    caller: Caller,
    request_id: RequestId,
    if_match: IfMatch,
    Path(id): Path<String>,
    Body(EmptyDto {}): OptionalBody<EmptyDto>,
) -> Result<Response, ApiError> {
    let actor = caller.require(Role::Officer)?;
    command(
        &state,
        actor,
        &request_id,
        if_match,
        &id,
        "EndConstructionPeriod",
        ConsortiumCommand::EndConstructionPeriod,
    )
    .await
}

async fn record_final_acceptance(
    State(state): State<AppState>,
    caller: Caller,
    request_id: RequestId,
    if_match: IfMatch,
    Path(id): Path<String>,
    Body(dto): Body<FinalAcceptanceDto>,
) -> Result<Response, ApiError> {
    let actor = caller.require(Role::Officer)?;
    let cmd = ConsortiumCommand::RecordFinalAcceptance {
        passed: dto.passed,
        report_ref: dto.report_ref,
    };
    command(
        &state,
        actor,
        &request_id,
        if_match,
        &id,
        "RecordFinalAcceptance",
        cmd,
    )
    .await
}

async fn decide_remedy(
    State(state): State<AppState>,
    caller: Caller,
    request_id: RequestId,
    if_match: IfMatch,
    Path(id): Path<String>,
    Body(dto): Body<RemedyDto>,
) -> Result<Response, ApiError> {
    let actor = caller.require(Role::Officer)?;
    let remedy = match dto {
        RemedyDto::Rectify { deadline } => Remedy::Rectify { deadline },
        RemedyDto::Recover { amount_fen } => Remedy::Recover {
            amount: Money::from_fen(amount_fen),
        },
    };
    let cmd = ConsortiumCommand::DecideRemedy(remedy);
    command(
        &state,
        actor,
        &request_id,
        if_match,
        &id,
        "DecideRemedy",
        cmd,
    )
    .await
}

async fn record_rectification_outcome(
    State(state): State<AppState>,
    caller: Caller,
    request_id: RequestId,
    if_match: IfMatch,
    Path(id): Path<String>,
    Body(dto): Body<RectificationOutcomeDto>,
) -> Result<Response, ApiError> {
    let actor = caller.require(Role::Officer)?;
    let cmd = ConsortiumCommand::RecordRectificationOutcome {
        passed: dto.passed,
        report_ref: dto.report_ref,
        recover_amount: dto.recover_amount_fen.map(Money::from_fen),
    };
    command(
        &state,
        actor,
        &request_id,
        if_match,
        &id,
        "RecordRectificationOutcome",
        cmd,
    )
    .await
}
