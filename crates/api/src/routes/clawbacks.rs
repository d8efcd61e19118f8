use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use axum::routing::{get, post};
use chrono::NaiveDate;
use clawback::{
    Basis, BasisKind, ClawbackCommand, ClawbackStatus, EscalationRoute, IssueNotice,
    ObjectionDecision, OpenClawback, Subject,
};
use kernel::{Actor, Money, OrgCode, Role};
use projections::{ClawbackLedgerView, ClawbackView, ListQuery, Page};
use serde::Deserialize;
use serde_json::Value;

use super::common::{present, EmptyDto, ListParams};
use super::Routes;
use crate::auth::Caller;
use crate::execute::{representation, CommandCall, IfMatch, RequestId};
use crate::extract::{Body, OptionalBody, Path, Query};
use crate::{ApiError, AppState};
use app::AppError;

pub(super) fn routes(r: Routes) -> Routes {
    r.route(
        "/v1/clawbacks",
        &["get", "post"],
        get(list_clawbacks).post(open_clawback),
    )
    .route("/v1/clawbacks/overdue", &["get"], get(list_overdue))
    .route("/v1/clawbacks/ledger", &["get"], get(get_ledger))
    .route("/v1/clawbacks/{id}", &["get"], get(get_clawback))
    .route("/v1/clawbacks/{id}/notice", &["post"], post(issue_notice))
    .route(
        "/v1/clawbacks/{id}/objection",
        &["post"],
        post(file_objection),
    )
    .route(
        "/v1/clawbacks/{id}/objection/decision",
        &["post"],
        post(decide_objection),
    )
    .route(
        "/v1/clawbacks/{id}/repayments",
        &["post"],
        post(record_repayment),
    )
    .route(
        "/v1/clawbacks/{id}/mark-overdue",
        &["post"],
        post(mark_overdue),
    )
    .route("/v1/clawbacks/{id}/escalate", &["post"], post(escalate))
    .route(
        "/v1/clawbacks/{id}/waiver",
        &["post"],
        post(waive_remainder),
    )
    .route("/v1/clawbacks/{id}/close", &["post"], post(close_clawback))
}

/// `ClawbackSubject` in the OpenAPI document.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct SubjectDto {
    kind: String,
    id: String,
}

/// `ClawbackBasis` in the OpenAPI document.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct BasisDto {
    kind: BasisKind,
    reference: String,
}

/// `ClawbackOpen` in the OpenAPI document.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct OpenDto {
    subject: Option<SubjectDto>,
    debtor: String,
    basis: Option<BasisDto>,
    amount_fen: i64,
}

/// `RecoveryNotice` in the OpenAPI document.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct NoticeDto {
    issued_on: Option<NaiveDate>,
    due_on: Option<NaiveDate>,
    objection_deadline: Option<NaiveDate>,
}

/// `ClawbackObjection` in the OpenAPI document.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct ObjectionDto {
    grounds: String,
    #[serde(default)]
    hearing_requested: bool,
}

/// `ObjectionDecision` in the OpenAPI document.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct DecisionDto {
    decision: String,
    new_owed_fen: Option<i64>,
    reason: Option<String>,
}

/// `Repayment` in the OpenAPI document.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct RepaymentDto {
    amount_fen: i64,
    paid_on: Option<NaiveDate>,
    treasury_receipt_ref: String,
}

/// `Escalation` in the OpenAPI document.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct EscalationDto {
    route: Option<EscalationRoute>,
}

/// `Waiver` in the OpenAPI document.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct WaiverDto {
    amount_fen: i64,
    reason: String,
}

fn subject_of(dto: SubjectDto) -> Result<Subject, ApiError> {
    match dto.kind.as_str() {
        "project" => Ok(Subject::Project(dto.id)),
        "consortium" => Ok(Subject::Consortium(dto.id)),
        "support_application" => Ok(Subject::SupportApplication(dto.id)),
        other => Err(ApiError::field(
            "subject.kind",
            "invalid_value",
            format!("must be `project`, `consortium` or `support_application`, not {other:?}"),
        )),
    }
}

async fn load_view(state: &AppState, id: &str) -> Result<Value, ApiError> {
    state
        .store()
        .view(ClawbackView::NAME, id)
        .await?
        .ok_or_else(|| ApiError::App(AppError::NotFound(format!("no clawback case {id}"))))
}

/// True when `actor` acts for the case's debtor.
fn is_debtor(actor: &Actor, view: &Value) -> bool {
    actor.has(Role::Applicant)
        && actor
            .org
            .as_ref()
            .is_some_and(|org| view.get("debtor").and_then(Value::as_str) == Some(org.as_str()))
}

async fn case_response(
    state: &AppState,
    id: &str,
    status: StatusCode,
) -> Result<Response, ApiError> {
    let view = load_view(state, id).await?;
    let location = (status == StatusCode::CREATED).then(|| format!("/v1/clawbacks/{id}"));
    Ok(representation(status, view, location))
}

async fn open_clawback(
    State(state): State<AppState>,
    caller: Caller,
    request_id: RequestId,
    Body(dto): Body<OpenDto>,
) -> Result<Response, ApiError> {
    let actor = caller.require(Role::Officer)?;
    let subject = subject_of(present("subject", dto.subject)?)?;
    let basis = present("basis", dto.basis)?;
    let debtor = OrgCode::parse(&dto.debtor)
        .map_err(|e| ApiError::field("debtor", e.code(), e.to_string()))?;
    let id = state.ids().new_id().to_string();
    let basis = Basis {
        kind: basis.kind,
        reference: basis.reference,
    };
    let amount = Money::from_fen(dto.amount_fen);
    // The claim is checked against the ledger's own figures inside the command's transaction.
    let needs = app::recoverable::needs(&subject, store::FactNeeds::none());
    CommandCall::new(actor, &request_id, IfMatch(None))
        .run_with_facts(
            &state,
            state.clawbacks(),
            &id,
            false,
            "OpenClawback",
            needs,
            |facts| {
                let ledger = app::recoverable::recoverable(facts, &subject, &id)?;
                Ok(ClawbackCommand::Open(OpenClawback {
                    subject: subject.clone(),
                    debtor: debtor.clone(),
                    basis: basis.clone(),
                    amount,
                    disbursed_to_subject: ledger.disbursed,
                    owed_in_other_cases: ledger.owed_in_other_cases,
                    recipients: ledger.recipients,
                    opened_by: actor.sub.clone(),
                    referral: None,
                }))
            },
        )
        .await?;
    case_response(&state, &id, StatusCode::CREATED).await
}

fn list_query(params: ListParams) -> Result<ListQuery, ApiError> {
    let statuses: Vec<&str> = ClawbackStatus::ALL.iter().map(|k| k.as_str()).collect();
    params.query(&statuses)
}

async fn list_clawbacks(
    State(state): State<AppState>,
    caller: Caller,
    Query(params): Query<ListParams>,
) -> Result<axum::Json<Page<Value>>, ApiError> {
    let mut query = list_query(params)?;
    if !caller.sees_all() {
        // Applicants see the cases against their own organisation only.
        let actor = caller.require(Role::Applicant)?;
        let org = actor.org.as_ref().ok_or_else(|| {
            ApiError::App(AppError::Forbidden(
                "an applicant token without an organisation sees no cases".into(),
            ))
        })?;
        query.owner = Some(org.to_string());
    }
    Ok(axum::Json(
        state.store().list(ClawbackView::NAME, &query).await?,
    ))
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct PageParams {
    limit: Option<u32>,
    cursor: Option<String>,
}

async fn list_overdue(
    State(state): State<AppState>,
    caller: Caller,
    Query(params): Query<PageParams>,
) -> Result<axum::Json<Page<Value>>, ApiError> {
    caller.require(Role::Officer)?;
    let query = list_query(ListParams {
        status: Some(ClawbackView::OVERDUE.to_string()),
        limit: params.limit,
        cursor: params.cursor,
    })?;
    Ok(axum::Json(
        state.store().list(ClawbackView::NAME, &query).await?,
    ))
}

/// The clawback ledger as CSV: one line per case, money in fen and in yuan.
const LEDGER_COLUMNS: [&str; 25] = [
    "id",
    "status",
    "subject_kind",
    "subject_id",
    "debtor",
    "basis_kind",
    "basis_reference",
    "opened_on",
    "notice_issued_on",
    "due_on",
    "owed_fen",
    "owed_yuan",
    "repaid_fen",
    "repaid_yuan",
    "waived_fen",
    "waived_yuan",
    "waiver_reasons",
    "outstanding_fen",
    "outstanding_yuan",
    "overdue",
    "overdue_on",
    "escalation",
    "escalated_on",
    "settled_on",
    "closed_on",
];

fn ledger_line(case: &ClawbackView) -> Vec<String> {
    let date = |d: Option<NaiveDate>| d.map(|d| d.to_string()).unwrap_or_default();
    let wire = |v: serde_json::Result<Value>| {
        v.ok()
            .and_then(|v| v.as_str().map(str::to_string))
            .unwrap_or_default()
    };
    let a = &case.amounts;
    let money = |fen: i64| [fen.to_string(), Money::from_fen(fen).to_yuan_string()];
    // Overdue as the ledger recorded it (the clock's `RepaymentOverdue`), while money is owed
    // and the case is still open.
    let overdue = case.overdue_on.is_some()
        && a.outstanding_fen > 0
        && !matches!(case.status.as_str(), "settled" | "withdrawn" | "closed");
    let mut line = vec![
        case.id.clone(),
        case.status.clone(),
        case.subject
            .as_ref()
            .map(|s| s.kind().to_string())
            .unwrap_or_default(),
        case.subject
            .as_ref()
            .map(|s| s.id().to_string())
            .unwrap_or_default(),
        case.debtor
            .as_ref()
            .map(|d| d.to_string())
            .unwrap_or_default(),
        case.basis
            .as_ref()
            .map(|b| wire(serde_json::to_value(b.kind)))
            .unwrap_or_default(),
        case.basis
            .as_ref()
            .map(|b| b.reference.clone())
            .unwrap_or_default(),
        date(case.opened_on),
        date(case.notice_issued_on),
        date(case.due_on),
    ];
    for fen in [a.owed_fen, a.repaid_fen, a.waived_fen] {
        line.extend(money(fen));
    }
    line.push(
        case.waivers
            .iter()
            .map(|w| w.reason.as_str())
            .collect::<Vec<_>>()
            .join("; "),
    );
    line.extend(money(a.outstanding_fen));
    line.extend([
        overdue.to_string(),
        date(case.overdue_on),
        case.escalation
            .map(|r| wire(serde_json::to_value(r)))
            .unwrap_or_default(),
        date(case.escalated_on),
        date(case.settled_on),
        date(case.closed_on),
    ]);
    line
}

async fn get_ledger(
    State(state): State<AppState>,
    caller: Caller,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    if !caller.sees_all() {
        return Err(ApiError::App(AppError::Forbidden(
            "the ledger is for officers and auditors".into(),
        )));
    }
    if super::csv::wanted(&headers) {
        let mut cases = state
            .store()
            .rows(ClawbackView::NAME, None)
            .await?
            .into_iter()
            .map(|v| {
                serde_json::from_value::<ClawbackView>(v)
                    .map_err(|e| ApiError::App(AppError::Internal(e.to_string())))
            })
            .collect::<Result<Vec<_>, _>>()?;
        cases.sort_by(|a, b| {
            (a.opened_on, &a.created_at, &a.id).cmp(&(b.opened_on, &b.created_at, &b.id))
        });
        let rows: Vec<Vec<String>> = cases.iter().map(ledger_line).collect();
        return Ok(super::csv::response(
            "clawback-ledger.csv",
            &LEDGER_COLUMNS,
            &rows,
        ));
    }
    let view = match state
        .store()
        .view(ClawbackLedgerView::NAME, ClawbackLedgerView::ROW)
        .await?
    {
        Some(v) => v,
        None => serde_json::to_value(ClawbackLedgerView::default())
            .map_err(|e| ApiError::App(AppError::Internal(e.to_string())))?,
    };
    Ok(representation(StatusCode::OK, view, None))
}

async fn get_clawback(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    let view = load_view(&state, &id).await?;
    if !caller.sees_all() && !is_debtor(&caller.0, &view) {
        return Err(ApiError::App(AppError::NotFound(format!(
            "no clawback case {id}"
        ))));
    }
    Ok(representation(StatusCode::OK, view, None))
}

struct Cmd<'a> {
    state: &'a AppState,
    request_id: &'a RequestId,
    if_match: IfMatch,
    id: &'a str,
}

impl Cmd<'_> {
    async fn run(
        &self,
        actor: &Actor,
        name: &str,
        command: ClawbackCommand,
    ) -> Result<Response, ApiError> {
        CommandCall::new(actor, self.request_id, self.if_match)
            .run(
                self.state,
                self.state.clawbacks(),
                self.id,
                true,
                name,
                command,
            )
            .await?;
        case_response(self.state, self.id, StatusCode::OK).await
    }
}

async fn issue_notice(
    State(state): State<AppState>,
    caller: Caller,
    request_id: RequestId,
    if_match: IfMatch,
    Path(id): Path<String>,
    Body(dto): OptionalBody<NoticeDto>,
) -> Result<Response, ApiError> {
    let actor = caller.require(Role::Officer)?;
    let cmd = ClawbackCommand::IssueNotice(IssueNotice {
        issued_on: dto.issued_on,
        due_on: dto.due_on,
        objection_deadline: dto.objection_deadline,
    });
    let c = Cmd {
        state: &state,
        request_id: &request_id,
        if_match,
        id: &id,
    };
    c.run(actor, "IssueRecoveryNotice", cmd).await
}

async fn file_objection(
    State(state): State<AppState>,
    caller: Caller,
    request_id: RequestId,
    if_match: IfMatch,
    Path(id): Path<String>,
    Body(dto): Body<ObjectionDto>,
) -> Result<Response, ApiError> {
    // The debtor objects; an officer may record an objection received on paper.
    if !caller.0.has(Role::Officer) {
        let view = load_view(&state, &id).await?;
        if !is_debtor(&caller.0, &view) {
            return Err(ApiError::App(AppError::Forbidden(
                "only the debtor or an officer may file an objection".into(),
            )));
        }
    }
    let cmd = ClawbackCommand::FileObjection {
        grounds: dto.grounds,
        hearing_requested: dto.hearing_requested,
    };
    let c = Cmd {
        state: &state,
        request_id: &request_id,
        if_match,
        id: &id,
    };
    c.run(&caller.0, "FileObjection", cmd).await
}

async fn decide_objection(
    State(state): State<AppState>,
    caller: Caller,
    request_id: RequestId,
    if_match: IfMatch,
    Path(id): Path<String>,
    Body(dto): Body<DecisionDto>,
) -> Result<Response, ApiError> {
    let actor = caller.require(Role::Officer)?;
    let decision = match dto.decision.as_str() {
        "confirm" => ObjectionDecision::Confirm,
        "revise" => ObjectionDecision::Revise {
            new_owed: Money::from_fen(present("new_owed_fen", dto.new_owed_fen)?),
        },
        "withdraw" => ObjectionDecision::Withdraw {
            reason: present("reason", dto.reason)?,
        },
        other => {
            return Err(ApiError::field(
                "decision",
                "invalid_value",
                format!("must be `confirm`, `revise` or `withdraw`, not {other:?}"),
            ))
        }
    };
    let c = Cmd {
        state: &state,
        request_id: &request_id,
        if_match,
        id: &id,
    };
    c.run(
        actor,
        "DecideObjection",
        ClawbackCommand::DecideObjection(decision),
    )
    .await
}

async fn record_repayment(
    State(state): State<AppState>,
    caller: Caller,
    request_id: RequestId,
    if_match: IfMatch,
    Path(id): Path<String>,
    Body(dto): Body<RepaymentDto>,
) -> Result<Response, ApiError> {
    let actor = caller.require(Role::Officer)?;
    let cmd = ClawbackCommand::RecordRepayment {
        amount: Money::from_fen(dto.amount_fen),
        paid_on: dto.paid_on.unwrap_or_else(|| state.clock().today()),
        treasury_receipt_ref: dto.treasury_receipt_ref,
    };
    let c = Cmd {
        state: &state,
        request_id: &request_id,
        if_match,
        id: &id,
    };
    c.run(actor, "RecordRepayment", cmd).await
}

async fn mark_overdue(
    State(state): State<AppState>,
    caller: Caller,
    request_id: RequestId,
    if_match: IfMatch,
    Path(id): Path<String>,
    Body(EmptyDto {}): OptionalBody<EmptyDto>,
) -> Result<Response, ApiError> {
    let actor = caller.require(Role::Officer)?;
    let c = Cmd {
        state: &state,
        request_id: &request_id,
        if_match,
        id: &id,
    };
    c.run(actor, "MarkOverdue", ClawbackCommand::MarkOverdue)
        .await
}

async fn escalate(
    State(state): State<AppState>,
    caller: Caller,
    request_id: RequestId,
    if_match: IfMatch,
    Path(id): Path<String>,
    Body(dto): Body<EscalationDto>,
) -> Result<Response, ApiError> {
    let actor = caller.require(Role::Officer)?;
    let cmd = ClawbackCommand::Escalate {
        route: present("route", dto.route)?,
    };
    let c = Cmd {
        state: &state,
        request_id: &request_id,
        if_match,
        id: &id,
    };
    c.run(actor, "EscalateClawback", cmd).await
}

async fn waive_remainder(
    State(state): State<AppState>,
    caller: Caller,
    request_id: RequestId,
    if_match: IfMatch,
    Path(id): Path<String>,
    Body(dto): Body<WaiverDto>,
) -> Result<Response, ApiError> {
    // The caller is the approving officer; the aggregate refuses the one who opened the case.
    let actor = caller.require(Role::Officer)?;
    let cmd = ClawbackCommand::WaiveRemainder {
        amount: Money::from_fen(dto.amount_fen),
        reason: dto.reason,
        approved_by: actor.sub.clone(),
    };
    let c = Cmd {
        state: &state,
        request_id: &request_id,
        if_match,
        id: &id,
    };
    c.run(actor, "WaiveRemainder", cmd).await
}

async fn close_clawback(
    State(state): State<AppState>,
    caller: Caller,
    request_id: RequestId,
    if_match: IfMatch,
    Path(id): Path<String>,
    Body(EmptyDto {}): OptionalBody<EmptyDto>,
) -> Result<Response, ApiError> {
    let actor = caller.require(Role::Officer)?;
    let c = Cmd {
        state: &state,
        request_id: &request_id,
        if_match,
        id: &id,
    };
    c.run(actor, "CloseClawback", ClawbackCommand::Close).await
}
