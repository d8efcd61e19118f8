use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::{get, post};
use chrono::NaiveDate;
use cqrs_es::Aggregate;
use evaluation::{
    EvaluationCommand, EvaluationRound, Evaluator, EvaluatorKind, Grade, PlanRound, PreviousRound,
    ScoreEntry, SubjectFacts,
};
use kernel::{Actor, Role};
use projections::{EvaluationRoundView, EvaluatorQueueItem, ListQuery, Page};
use serde::Deserialize;
use serde_json::Value;

use super::common::{org_code, present, EmptyDto, ListParams};
use super::consortia::load_view as load_consortium;
use super::Routes;
use crate::auth::Caller;
use crate::execute::{representation, CommandCall, IfMatch, RequestId};
use crate::extract::{Body, OptionalBody, Path, Query};
use crate::{ApiError, AppState};
use app::active_bars;
use app::AppError;

pub(super) fn routes(r: Routes) -> Routes {
    r.route(
        "/v1/evaluation-rounds",
        &["get", "post"],
        get(list_rounds).post(plan_round),
    )
    .route("/v1/evaluation-rounds/{id}", &["get"], get(get_round))
    .route(
        "/v1/evaluation-rounds/{id}/subjects",
        &["post"],
        post(enrol_subject),
    )
    .route(
        "/v1/evaluation-rounds/{id}/open",
        &["post"],
        post(open_round),
    )
    .route(
        "/v1/evaluation-rounds/{id}/self-assessments",
        &["post"],
        post(submit_self_assessment),
    )
    .route(
        "/v1/evaluation-rounds/{id}/start-review",
        &["post"],
        post(start_review),
    )
    .route(
        "/v1/evaluation-rounds/{id}/evaluators",
        &["post"],
        post(assign_evaluator),
    )
    .route(
        "/v1/evaluation-rounds/{id}/scores",
        &["post"],
        post(record_score),
    )
    .route(
        "/v1/evaluation-rounds/{id}/publish-results",
        &["post"],
        post(publish_results),
    )
    .route(
        "/v1/evaluation-rounds/{id}/objections",
        &["post"],
        post(file_objection),
    )
    .route(
        "/v1/evaluation-rounds/{id}/objections/{objection_id}/resolve",
        &["post"],
        post(resolve_objection),
    )
    .route(
        "/v1/evaluation-rounds/{id}/finalise",
        &["post"],
        post(finalise_round),
    )
    .route("/v1/me/evaluations", &["get"], get(my_evaluations))
}

const STATUSES: [&str; 5] = [
    "planned",
    "open",
    "under_review",
    "results_publicised",
    "finalised",
];

/// `EvaluationRoundPlan` in the OpenAPI document.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct PlanDto {
    round_no: u32,
    period_start: NaiveDate,
    period_end: NaiveDate,
    evaluator_kind: Option<EvaluatorKind>,
}

/// `SubjectEnrolment` in the OpenAPI document.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct EnrolDto {
    consortium_id: String,
}

/// `RoundOpening` in the OpenAPI document.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct OpenDto {
    self_assessment_due: NaiveDate,
}

/// `SelfAssessment` in the OpenAPI document.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct SelfAssessmentDto {
    consortium_id: String,
    report_ref: String,
}

/// `EvaluatorAssignment` in the OpenAPI document.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct AssignDto {
    consortium_id: String,
    evaluator_id: String,
    evaluator_org: String,
}

/// `EvaluationScore` in the OpenAPI document.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct ScoreDto {
    consortium_id: String,
    score: u32,
    evaluator_id: Option<String>,
}

/// `ResultsNotice` in the OpenAPI document.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct NoticeDto {
    from: NaiveDate,
    to: NaiveDate,
}

/// `EvaluationObjection` in the OpenAPI document.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct ObjectionDto {
    consortium_id: String,
    objector_name: String,
    objector_org: Option<String>,
    grounds: String,
    #[serde(default)]
    evidence_ref: String,
}

/// `EvaluationObjectionResolution` in the OpenAPI document.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct ResolutionDto {
    upheld: bool,
    revised_grade: Option<Grade>,
}

async fn load_round(state: &AppState, id: &str) -> Result<EvaluationRoundView, ApiError> {
    let value = state
        .store()
        .view(EvaluationRoundView::NAME, id)
        .await?
        .ok_or_else(|| ApiError::App(AppError::NotFound(format!("no evaluation round {id}"))))?;
    serde_json::from_value(value).map_err(|e| ApiError::App(AppError::Internal(e.to_string())))
}

/// Who scored what stays with the bureau until the round is final.
fn redact(mut view: Value, caller: &Caller) -> Value {
    if caller.sees_all() || view.get("status").and_then(Value::as_str) == Some("finalised") {
        return view;
    }
    if let Some(subjects) = view.get_mut("subjects").and_then(Value::as_array_mut) {
        for s in subjects {
            if let Some(obj) = s.as_object_mut() {
                obj.insert("evaluators".into(), Value::Array(vec![]));
            }
        }
    }
    view
}

async fn round_response(
    state: &AppState,
    caller: &Caller,
    id: &str,
    status: StatusCode,
) -> Result<Response, ApiError> {
    let view = state
        .store()
        .view(EvaluationRoundView::NAME, id)
        .await?
        .ok_or_else(|| ApiError::App(AppError::NotFound(format!("no evaluation round {id}"))))?;
    let location = (status == StatusCode::CREATED).then(|| format!("/v1/evaluation-rounds/{id}"));
    Ok(representation(status, redact(view, caller), location))
}

async fn plan_round(
    State(state): State<AppState>,
    caller: Caller,
    request_id: RequestId,
    Body(dto): Body<PlanDto>,
) -> Result<Response, ApiError> {
    let actor = caller.require(Role::Officer)?;
    // A round's id is its number, so two plans of one number meet on one stream.
    let id = EvaluationRoundView::id_of(dto.round_no);
    let previous = match dto.round_no.checked_sub(1).filter(|n| *n > 0) {
        Some(n) => state
            .store()
            .view(EvaluationRoundView::NAME, &EvaluationRoundView::id_of(n))
            .await?
            .and_then(|v| serde_json::from_value::<EvaluationRoundView>(v).ok())
            .and_then(|v| {
                v.period_end.map(|period_end| PreviousRound {
                    round_no: v.round_no,
                    period_end,
                })
            }),
        None => None,
    };
    let command = EvaluationCommand::Plan(PlanRound {
        round_no: dto.round_no,
        period_start: dto.period_start,
        period_end: dto.period_end,
        evaluator_kind: present("evaluator_kind", dto.evaluator_kind)?,
        previous,
    });
    CommandCall::new(actor, &request_id, IfMatch(None))
        .run(
            &state,
            state.evaluation_rounds(),
            &id,
            false,
            "PlanRound",
            command,
        )
        .await?;
    round_response(&state, &caller, &id, StatusCode::CREATED).await
}

async fn list_rounds(
    State(state): State<AppState>,
    caller: Caller,
    Query(params): Query<ListParams>,
) -> Result<axum::Json<Page<Value>>, ApiError> {
    let query = params.query(&STATUSES)?;
    let page = state
        .store()
        .list(EvaluationRoundView::NAME, &query)
        .await?;
    Ok(axum::Json(Page {
        items: page.items.into_iter().map(|v| redact(v, &caller)).collect(),
        next_cursor: page.next_cursor,
    }))
}

async fn get_round(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    round_response(&state, &caller, &id, StatusCode::OK).await
}

#[allow(clippy::too_many_arguments)]
async fn command(
    state: &AppState,
    caller: &Caller,
    actor: &Actor,
    request_id: &RequestId,
    if_match: IfMatch,
    id: &str,
    name: &str,
    command: <EvaluationRound as Aggregate>::Command,
) -> Result<Response, ApiError> {
    CommandCall::new(actor, request_id, if_match)
        .run(state, state.evaluation_rounds(), id, true, name, command)
        .await?;
    round_response(state, caller, id, StatusCode::OK).await
}

async fn enrol_subject(
    State(state): State<AppState>,
    caller: Caller,
    request_id: RequestId,
    if_match: IfMatch,
    Path(id): Path<String>,
    Body(dto): Body<EnrolDto>,
) -> Result<Response, ApiError> {
    let actor = caller.require(Role::Officer)?;
    let round = load_round(&state, &id).await?;
    let consortium = load_consortium(&state, &dto.consortium_id).await?;
    let lead = consortium.lead.clone().ok_or_else(|| {
        ApiError::App(AppError::NotFound(format!(
            "no consortium {}",
            dto.consortium_id
        )))
    })?;
    let period_end = round
        .period_end
        .ok_or_else(|| ApiError::App(AppError::NotFound(format!("no evaluation round {id}"))))?;
    // 004_c8247068307aab5b.txt「3年內不得參與績效評價」, judged on the day the assessed period ends.
    let bars = active_bars(&state, std::slice::from_ref(&lead), period_end).await?;
    let cmd = EvaluationCommand::EnrolSubject {
        subject: SubjectFacts {
            consortium_id: consortium.id.clone(),
            name: consortium.name.clone(),
            lead,
            members: consortium.members.clone(),
            held_level_at_period_end: consortium.level_on(period_end).is_some(),
            revoked: consortium.status == "revoked",
        },
        bars,
    };
    command(
        &state,
        &caller,
        actor,
        &request_id,
        if_match,
        &id,
        "EnrolSubject",
        cmd,
    )
    .await
}

async fn open_round(
    State(state): State<AppState>,
    caller: Caller,
    request_id: RequestId,
    if_match: IfMatch,
    Path(id): Path<String>,
    Body(dto): Body<OpenDto>,
) -> Result<Response, ApiError> {
    let actor = caller.require(Role::Officer)?;
    let cmd = EvaluationCommand::Open {
        self_assessment_due: dto.self_assessment_due,
    };
    command(
        &state,
        &caller,
        actor,
        &request_id,
        if_match,
        &id,
        "OpenRound",
        cmd,
    )
    .await
}

async fn submit_self_assessment(
    State(state): State<AppState>,
    caller: Caller,
    request_id: RequestId,
    if_match: IfMatch,
    Path(id): Path<String>,
    Body(dto): Body<SelfAssessmentDto>,
) -> Result<Response, ApiError> {
    let actor = if caller.0.has(Role::Officer) {
        &caller.0
    } else {
        let actor = caller.require(Role::Applicant)?;
        let round = load_round(&state, &id).await?;
        let lead = round
            .subjects
            .iter()
            .find(|s| s.consortium_id == dto.consortium_id)
            .map(|s| s.lead.clone());
        if lead.is_none() || actor.org != lead {
            return Err(ApiError::App(AppError::Forbidden(
                "only the subject's lead organisation may hand in its self-assessment".into(),
            )));
        }
        actor
    };
    let cmd = EvaluationCommand::SubmitSelfAssessment {
        consortium_id: dto.consortium_id,
        report_ref: dto.report_ref,
    };
    command(
        &state,
        &caller,
        actor,
        &request_id,
        if_match,
        &id,
        "SubmitSelfAssessment",
        cmd,
    )
    .await
}

async fn start_review(
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
        &caller,
        actor,
        &request_id,
        if_match,
        &id,
        "StartReview",
        EvaluationCommand::StartReview,
    )
    .await
}

async fn assign_evaluator(
    State(state): State<AppState>,
    caller: Caller,
    request_id: RequestId,
    if_match: IfMatch,
    Path(id): Path<String>,
    Body(dto): Body<AssignDto>,
) -> Result<Response, ApiError> {
    let actor = caller.require(Role::Officer)?;
    let evaluator = Evaluator {
        id: dto.evaluator_id,
        org: org_code("evaluator_org", &dto.evaluator_org)?,
    };
    // domain.md the conflict check also covers members that joined after enrolment.
    let current_affiliations = match load_consortium(&state, &dto.consortium_id).await {
        Ok(c) => c.lead.iter().chain(&c.members).cloned().collect(),
        Err(ApiError::App(AppError::NotFound(_))) => Vec::new(),
        Err(e) => return Err(e),
    };
    let cmd = EvaluationCommand::AssignEvaluator {
        consortium_id: dto.consortium_id,
        evaluator,
        current_affiliations,
    };
    command(
        &state,
        &caller,
        actor,
        &request_id,
        if_match,
        &id,
        "AssignEvaluator",
        cmd,
    )
    .await
}

async fn record_score(
    State(state): State<AppState>,
    caller: Caller,
    request_id: RequestId,
    if_match: IfMatch,
    Path(id): Path<String>,
    Body(dto): Body<ScoreDto>,
) -> Result<Response, ApiError> {
    // An evaluator scores as themselves; an officer enters a named evaluator's score.
    let (actor, evaluator_id, entered_by) = if caller.0.has(Role::Officer) {
        let evaluator_id = dto.evaluator_id.ok_or_else(|| {
            ApiError::field(
                "evaluator_id",
                "required",
                "an officer names the evaluator".into(),
            )
        })?;
        (&caller.0, evaluator_id, ScoreEntry::Officer)
    } else {
        let actor = caller.require(Role::Reviewer)?;
        if dto.evaluator_id.as_ref().is_some_and(|e| e != &actor.sub) {
            return Err(ApiError::App(AppError::Forbidden(
                "an evaluator records only their own score".into(),
            )));
        }
        // The seat is (sub, organisation): the aggregate compares the token's organisation.
        let entered_by = ScoreEntry::Evaluator {
            org: actor.org.clone(),
        };
        (actor, actor.sub.clone(), entered_by)
    };
    let cmd = EvaluationCommand::RecordScore {
        consortium_id: dto.consortium_id,
        evaluator_id,
        score: dto.score,
        entered_by,
    };
    command(
        &state,
        &caller,
        actor,
        &request_id,
        if_match,
        &id,
        "RecordScore",
        cmd,
    )
    .await
}

async fn publish_results(
    State(state): State<AppState>,
    caller: Caller,
    request_id: RequestId,
    if_match: IfMatch,
    Path(id): Path<String>,
    Body(dto): Body<NoticeDto>,
) -> Result<Response, ApiError> {
    let actor = caller.require(Role::Officer)?;
    let cmd = EvaluationCommand::PublishResults {
        from: dto.from,
        to: dto.to,
    };
    command(
        &state,
        &caller,
        actor,
        &request_id,
        if_match,
        &id,
        "PublishResults",
        cmd,
    )
    .await
}

async fn file_objection(
    State(state): State<AppState>,
    caller: Caller,
    request_id: RequestId,
    if_match: IfMatch,
    Path(id): Path<String>,
    Body(dto): Body<ObjectionDto>,
) -> Result<Response, ApiError> {
    let objector_org = match &dto.objector_org {
        Some(text) => Some(org_code("objector_org", text)?),
        None => None,
    };
    let cmd = EvaluationCommand::FileObjection {
        consortium_id: dto.consortium_id,
        objector_name: dto.objector_name,
        objector_org,
        grounds: dto.grounds,
        evidence_ref: dto.evidence_ref,
    };
    command(
        &state,
        &caller,
        &caller.0,
        &request_id,
        if_match,
        &id,
        "FileObjection",
        cmd,
    )
    .await
}

async fn resolve_objection(
    State(state): State<AppState>,
    caller: Caller,
    request_id: RequestId,
    if_match: IfMatch,
    Path((id, objection_id)): Path<(String, String)>,
    Body(dto): Body<ResolutionDto>,
) -> Result<Response, ApiError> {
    let actor = caller.require(Role::Officer)?;
    let cmd = EvaluationCommand::ResolveObjection {
        objection_id,
        upheld: dto.upheld,
        revised_grade: dto.revised_grade,
    };
    command(
        &state,
        &caller,
        actor,
        &request_id,
        if_match,
        &id,
        "ResolveObjection",
        cmd,
    )
    .await
}

async fn finalise_round(
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
        &caller,
        actor,
        &request_id,
        if_match,
        &id,
        "FinaliseRound",
        EvaluationCommand::Finalise,
    )
    .await
}

const QUEUE_STATUSES: [&str; 2] = ["pending", "scored"];

/// The caller's own assignments as an evaluator, oldest first.
async fn my_evaluations(
    State(state): State<AppState>,
    caller: Caller,
    Query(params): Query<ListParams>,
) -> Result<axum::Json<Page<Value>>, ApiError> {
    let actor = caller.require(Role::Reviewer)?;
    let query = ListQuery {
        owner: Some(actor.sub.clone()),
        ..params.query(&QUEUE_STATUSES)?
    };
    Ok(axum::Json(
        state.store().list(EvaluatorQueueItem::NAME, &query).await?,
    ))
}
