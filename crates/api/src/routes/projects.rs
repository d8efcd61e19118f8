use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use chrono::NaiveDate;
use kernel::{Money, Role};
use project::{
    ContractTerms, LaneResult, MilestonePlan, ProjectCommand, RaceCommand, TerminationReason,
    TranchePlan,
};
use projections::{ListQuery, Page, ProjectMembershipProjector, ProjectView, RaceView};
use serde::Deserialize;
use serde_json::Value;

use super::common::{page, present, status_in, EmptyDto};
use super::Routes;
use crate::auth::Caller;
use crate::execute::{representation, CommandCall, IfMatch, RequestId};
use crate::extract::{Body, OptionalBody, Path, Query};
use crate::{ApiError, AppState};
use app::AppError;

pub(super) fn routes(r: Routes) -> Routes {
    r.route("/v1/projects", &["get"], get(list_projects))
        .route("/v1/me/projects", &["get"], get(my_projects))
        .route("/v1/projects/{id}", &["get"], get(get_project))
        .route("/v1/projects/{id}/contract", &["post"], post(sign_contract))
        .route(
            "/v1/projects/{id}/tranches/{tranche}/disburse",
            &["post"],
            post(disburse_tranche),
        )
        .route(
            "/v1/projects/{id}/milestones/{milestone}/report",
            &["post"],
            post(report_milestone),
        )
        .route(
            "/v1/projects/{id}/milestones/{milestone}/assess",
            &["post"],
            post(assess_milestone),
        )
        .route(
            "/v1/projects/{id}/milestones/{milestone}/rectification",
            &["post"],
            post(order_milestone_rectification),
        )
        .route(
            "/v1/projects/{id}/extension",
            &["post"],
            post(grant_extension),
        )
        .route(
            "/v1/projects/{id}/acceptance-request",
            &["post"],
            post(request_acceptance),
        )
        .route(
            "/v1/projects/{id}/acceptance",
            &["post"],
            post(record_acceptance),
        )
        .route(
            "/v1/projects/{id}/acceptance/rectification",
            &["post"],
            post(order_acceptance_rectification),
        )
        .route(
            "/v1/projects/{id}/re-acceptance",
            &["post"],
            post(record_re_acceptance),
        )
        .route(
            "/v1/projects/{id}/terminate",
            &["post"],
            post(terminate_project),
        )
        .route("/v1/projects/{id}/close", &["post"], post(close_project))
        .route("/v1/challenges/{id}/race", &["get"], get(get_race))
        .route(
            "/v1/challenges/{id}/race/checkpoints",
            &["post"],
            post(hold_checkpoint),
        )
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct ContractDto {
    task_book_ref: String,
    start: Option<NaiveDate>,
    end: Option<NaiveDate>,
    milestones: Vec<MilestonePlan>,
    tranches: Vec<TranchePlan>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct DisburseDto {
    paid_on: Option<NaiveDate>,
    payment_ref: String,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct ReportDto {
    evidence_ref: String,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct AssessDto {
    passed: Option<bool>,
    #[serde(default)]
    opinions: Vec<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct DeadlineDto {
    deadline: Option<NaiveDate>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct ExtensionDto {
    new_end: Option<NaiveDate>,
    reason: String,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct AcceptanceDto {
    passed: Option<bool>,
    panel: String,
    report_ref: String,
    demand_owner_confirmation: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct ReAcceptanceDto {
    passed: Option<bool>,
    report_ref: String,
    recover_amount_fen: Option<i64>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct TerminateDto {
    reason: Option<TerminationReason>,
    detail: String,
    recover_amount_fen: Option<i64>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct LaneResultDto {
    project_id: String,
    result: LaneResult,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct CheckpointDto {
    checkpoint: Option<u32>,
    results: Vec<LaneResultDto>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ListParams {
    status: Option<String>,
    challenge_id: Option<String>,
    limit: Option<u32>,
    cursor: Option<String>,
}

async fn project_view(state: &AppState, id: &str) -> Result<Value, ApiError> {
    state
        .store()
        .view(ProjectView::NAME, id)
        .await?
        .ok_or_else(|| ApiError::App(AppError::NotFound(format!("no project {id}"))))
}

/// True when the caller's organisation is the project's lead or one of its members.
fn is_party(caller: &Caller, view: &Value) -> bool {
    let Some(org) = caller.0.org.as_ref().map(ToString::to_string) else {
        return false;
    };
    view["lead"].as_str() == Some(org.as_str())
        || view["members"]
            .as_array()
            .is_some_and(|m| m.iter().any(|o| o.as_str() == Some(org.as_str())))
}

/// The statuses the project list may be filtered by (`ProjectStatus` in api-spec/openapi.yaml).
const STATUSES: [&str; 10] = [
    "awarded",
    "in_progress",
    "acceptance_requested",
    "acceptance_failed",
    "rectifying_acceptance",
    "accepted",
    "failed",
    "eliminated",
    "terminated",
    "closed",
];

const CSV_COLUMNS: [&str; 14] = [
    "id",
    "status",
    "challenge_id",
    "bid_id",
    "lead",
    "members",
    "demand_owner",
    "race_lane",
    "awarded_fen",
    "disbursed_fen",
    "remaining_fen",
    "cancelled_fen",
    "start",
    "end",
];

fn csv_row(v: &Value) -> Vec<String> {
    let text = |k: &str| match v.get(k) {
        Some(Value::String(s)) => s.clone(),
        Some(Value::Null) | None => String::new(),
        Some(Value::Array(items)) => items
            .iter()
            .filter_map(Value::as_str)
            .collect::<Vec<_>>()
            .join(";"),
        Some(other) => other.to_string(),
    };
    CSV_COLUMNS.iter().map(|c| text(c)).collect()
}

async fn list_projects(
    State(state): State<AppState>,
    caller: Caller,
    headers: HeaderMap,
    Query(params): Query<ListParams>,
) -> Result<Response, ApiError> {
    if !caller.sees_all() {
        return Err(ApiError::App(AppError::Forbidden(
            "listing all projects needs the officer or auditor role".into(),
        )));
    }
    status_in(params.status.as_deref(), &STATUSES)?;
    if super::csv::wanted(&headers) {
        // Every project, with its money columns in fen (the spreadsheet sums them).
        let rows: Vec<Vec<String>> = state
            .store()
            .rows(ProjectView::NAME, params.challenge_id.as_deref())
            .await?
            .iter()
            .filter(|v| {
                params.status.is_none()
                    || v.get("status").and_then(Value::as_str) == params.status.as_deref()
            })
            .map(csv_row)
            .collect();
        return Ok(super::csv::response("projects.csv", &CSV_COLUMNS, &rows));
    }
    let (limit, after) = page(params.limit, params.cursor.as_deref())?;
    let query = ListQuery {
        status: params.status,
        parent: params.challenge_id,
        after,
        limit,
        ..Default::default()
    };
    Ok(axum::Json(state.store().list(ProjectView::NAME, &query).await?).into_response())
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct PageParams {
    limit: Option<u32>,
    cursor: Option<String>,
}

async fn my_projects(
    State(state): State<AppState>,
    caller: Caller,
    Query(params): Query<PageParams>,
) -> Result<axum::Json<Page<Value>>, ApiError> {
    let actor = caller.require(Role::Applicant)?;
    let org = actor.org.as_ref().ok_or_else(|| {
        ApiError::App(AppError::Forbidden(
            "the token names no organisation".into(),
        ))
    })?;
    let (limit, after) = page(params.limit, params.cursor.as_deref())?;
    let query = ListQuery {
        owner: Some(org.to_string()),
        after,
        limit,
        ..Default::default()
    };
    let pointers = state
        .store()
        .list(ProjectMembershipProjector::NAME, &query)
        .await?;
    let mut items = Vec::with_capacity(pointers.items.len());
    for p in &pointers.items {
        if let Some(id) = p["project_id"].as_str() {
            items.push(project_view(&state, id).await?);
        }
    }
    Ok(axum::Json(Page {
        items,
        next_cursor: pointers.next_cursor,
    }))
}

async fn get_project(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    let view = project_view(&state, &id).await?;
    if !caller.sees_all() && !is_party(&caller, &view) {
        return Err(ApiError::App(AppError::NotFound(format!(
            "no project {id}"
        ))));
    }
    Ok(representation(StatusCode::OK, view, None))
}

/// Runs a command on a project, then returns the project.
async fn run(
    state: &AppState,
    call: CommandCall<'_>,
    id: &str,
    name: &str,
    command: ProjectCommand,
) -> Result<Response, ApiError> {
    call.run(state, state.projects(), id, true, name, command)
        .await?;
    Ok(representation(
        StatusCode::OK,
        project_view(state, id).await?,
        None,
    ))
}

/// The organisation an applicant acts for, which the project checks against its lead.
fn acting_org(caller: &Caller) -> Result<kernel::OrgCode, ApiError> {
    caller.require(Role::Applicant)?.org.clone().ok_or_else(|| {
        ApiError::App(AppError::Forbidden(
            "the token names no organisation".into(),
        ))
    })
}

async fn sign_contract(
    State(state): State<AppState>,
    caller: Caller,
    request_id: RequestId,
    if_match: IfMatch,
    Path(id): Path<String>,
    Body(dto): Body<ContractDto>,
) -> Result<Response, ApiError> {
    let cmd = ProjectCommand::SignContract(ContractTerms {
        task_book_ref: dto.task_book_ref,
        start: present("start", dto.start)?,
        end: present("end", dto.end)?,
        milestones: dto.milestones,
        tranches: dto.tranches,
    });
    let call = CommandCall::new(caller.require(Role::Officer)?, &request_id, if_match);
    run(&state, call, &id, "SignContract", cmd).await
}

async fn disburse_tranche(
    State(state): State<AppState>,
    caller: Caller,
    request_id: RequestId,
    if_match: IfMatch,
    Path((id, tranche)): Path<(String, String)>,
    Body(dto): Body<DisburseDto>,
) -> Result<Response, ApiError> {
    let cmd = ProjectCommand::DisburseTranche {
        tranche,
        paid_on: dto.paid_on.unwrap_or_else(|| state.clock().today()),
        payment_ref: dto.payment_ref,
    };
    let call = CommandCall::new(caller.require(Role::Officer)?, &request_id, if_match);
    run(&state, call, &id, "DisburseTranche", cmd).await
}

async fn report_milestone(
    State(state): State<AppState>,
    caller: Caller,
    request_id: RequestId,
    if_match: IfMatch,
    Path((id, milestone)): Path<(String, String)>,
    Body(dto): Body<ReportDto>,
) -> Result<Response, ApiError> {
    let reporter = acting_org(&caller)?;
    let cmd = ProjectCommand::ReportMilestone {
        milestone,
        evidence_ref: dto.evidence_ref,
        reporter,
    };
    let call = CommandCall::new(caller.require(Role::Applicant)?, &request_id, if_match);
    run(&state, call, &id, "ReportMilestone", cmd).await
}

async fn assess_milestone(
    State(state): State<AppState>,
    caller: Caller,
    request_id: RequestId,
    if_match: IfMatch,
    Path((id, milestone)): Path<(String, String)>,
    Body(dto): Body<AssessDto>,
) -> Result<Response, ApiError> {
    let cmd = ProjectCommand::AssessMilestone {
        milestone,
        passed: present("passed", dto.passed)?,
        opinions: dto.opinions,
    };
    let call = CommandCall::new(caller.require(Role::Officer)?, &request_id, if_match);
    run(&state, call, &id, "AssessMilestone", cmd).await
}

async fn order_milestone_rectification(
    State(state): State<AppState>,
    caller: Caller,
    request_id: RequestId,
    if_match: IfMatch,
    Path((id, milestone)): Path<(String, String)>,
    Body(dto): Body<DeadlineDto>,
) -> Result<Response, ApiError> {
    let cmd = ProjectCommand::OrderMilestoneRectification {
        milestone,
        deadline: present("deadline", dto.deadline)?,
    };
    let call = CommandCall::new(caller.require(Role::Officer)?, &request_id, if_match);
    run(&state, call, &id, "OrderMilestoneRectification", cmd).await
}

async fn grant_extension(
    State(state): State<AppState>,
    caller: Caller,
    request_id: RequestId,
    if_match: IfMatch,
    Path(id): Path<String>,
    Body(dto): Body<ExtensionDto>,
) -> Result<Response, ApiError> {
    let cmd = ProjectCommand::GrantExtension {
        new_end: present("new_end", dto.new_end)?,
        reason: dto.reason,
    };
    let call = CommandCall::new(caller.require(Role::Officer)?, &request_id, if_match);
    run(&state, call, &id, "GrantExtension", cmd).await
}

async fn request_acceptance(
    State(state): State<AppState>,
    caller: Caller,
    request_id: RequestId,
    if_match: IfMatch,
    Path(id): Path<String>,
    Body(EmptyDto {}): OptionalBody<EmptyDto>,
) -> Result<Response, ApiError> {
    let cmd = ProjectCommand::RequestAcceptance {
        requester: acting_org(&caller)?,
    };
    let call = CommandCall::new(caller.require(Role::Applicant)?, &request_id, if_match);
    run(&state, call, &id, "RequestAcceptance", cmd).await
}

async fn record_acceptance(
    State(state): State<AppState>,
    caller: Caller,
    request_id: RequestId,
    if_match: IfMatch,
    Path(id): Path<String>,
    Body(dto): Body<AcceptanceDto>,
) -> Result<Response, ApiError> {
    let cmd = ProjectCommand::RecordAcceptance {
        passed: present("passed", dto.passed)?,
        panel: dto.panel,
        report_ref: dto.report_ref,
        demand_owner_confirmation: dto.demand_owner_confirmation,
    };
    let call = CommandCall::new(caller.require(Role::Officer)?, &request_id, if_match);
    run(&state, call, &id, "RecordAcceptance", cmd).await
}

async fn order_acceptance_rectification(
    State(state): State<AppState>,
    caller: Caller,
    request_id: RequestId,
    if_match: IfMatch,
    Path(id): Path<String>,
    Body(dto): Body<DeadlineDto>,
) -> Result<Response, ApiError> {
    let cmd = ProjectCommand::OrderAcceptanceRectification {
        deadline: present("deadline", dto.deadline)?,
    };
    let call = CommandCall::new(caller.require(Role::Officer)?, &request_id, if_match);
    run(&state, call, &id, "OrderAcceptanceRectification", cmd).await
}

async fn record_re_acceptance(
    State(state): State<AppState>,
    caller: Caller,
    request_id: RequestId,
    if_match: IfMatch,
    Path(id): Path<String>,
    Body(dto): Body<ReAcceptanceDto>,
) -> Result<Response, ApiError> {
    let cmd = ProjectCommand::RecordReAcceptance {
        passed: present("passed", dto.passed)?,
        report_ref: dto.report_ref,
        recover_amount: dto.recover_amount_fen.map(Money::from_fen),
    };
    let call = CommandCall::new(caller.require(Role::Officer)?, &request_id, if_match);
    run(&state, call, &id, "RecordReAcceptance", cmd).await
}

async fn terminate_project(
    State(state): State<AppState>,
    caller: Caller,
    request_id: RequestId,
    if_match: IfMatch,
    Path(id): Path<String>,
    Body(dto): Body<TerminateDto>,
) -> Result<Response, ApiError> {
    let cmd = ProjectCommand::Terminate {
        reason: present("reason", dto.reason)?,
        detail: dto.detail,
        recover_amount: dto.recover_amount_fen.map(Money::from_fen),
    };
    let call = CommandCall::new(caller.require(Role::Officer)?, &request_id, if_match);
    run(&state, call, &id, "TerminateProject", cmd).await
}

async fn close_project(
    State(state): State<AppState>,
    caller: Caller,
    request_id: RequestId,
    if_match: IfMatch,
    Path(id): Path<String>,
    Body(EmptyDto {}): OptionalBody<EmptyDto>,
) -> Result<Response, ApiError> {
    let call = CommandCall::new(caller.require(Role::Officer)?, &request_id, if_match);
    run(&state, call, &id, "CloseProject", ProjectCommand::Close).await
}

async fn race_view(state: &AppState, id: &str) -> Result<Value, ApiError> {
    state
        .store()
        .view(RaceView::NAME, id)
        .await?
        .ok_or_else(|| ApiError::App(AppError::NotFound(format!("call {id} has no horse race"))))
}

async fn get_race(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    if !caller.sees_all() {
        return Err(ApiError::App(AppError::Forbidden(
            "the race view needs the officer or auditor role".into(),
        )));
    }
    Ok(representation(
        StatusCode::OK,
        race_view(&state, &id).await?,
        None,
    ))
}

async fn hold_checkpoint(
    State(state): State<AppState>,
    caller: Caller,
    request_id: RequestId,
    if_match: IfMatch,
    Path(id): Path<String>,
    Body(dto): Body<CheckpointDto>,
) -> Result<Response, ApiError> {
    let cmd = RaceCommand::HoldCheckpoint {
        checkpoint: present("checkpoint", dto.checkpoint)?,
        results: dto
            .results
            .into_iter()
            .map(|r| (r.project_id, r.result))
            .collect(),
    };
    let call = CommandCall::new(caller.require(Role::Officer)?, &request_id, if_match);
    call.run(&state, state.races(), &id, true, "HoldCheckpoint", cmd)
        .await?;
    Ok(representation(
        StatusCode::OK,
        race_view(&state, &id).await?,
        None,
    ))
}
