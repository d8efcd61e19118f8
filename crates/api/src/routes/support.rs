//! Rule-based support instruments of seed 002: applications, verification, decisions within the
//! per-beneficiary cap, 一事一议 approval, tranches, recovery referrals, the catalogue and the
//! cap usage.

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::{get, post};
use chrono::NaiveDate;
use kernel::{Actor, Money, OrgCode, Role};
use projections::{ListQuery, Page, SupportApplicationView, SupportUsageView};
use serde::Deserialize;
use serde_json::{json, Value};
use support::{
    ApplySupport, DecideSupport, Evidence, Outcome, SupportApplication, SupportCommand,
    SupportStatus,
};

use super::common::{org_code, page, present, EmptyDto};
use super::Routes;
use crate::auth::Caller;
use crate::execute::{representation, CommandCall, IfMatch, RequestId};
use crate::extract::{Body, OptionalBody, Path, Query};
use crate::{ApiError, AppState};
use app::active_bars;
use app::AppError;

use store::{FactNeeds, Facts};

pub(super) fn routes(r: Routes) -> Routes {
    r.route("/v1/support-instruments", &["get"], get(list_instruments))
        .route("/v1/support-usage", &["get"], get(list_usage))
        .route(
            "/v1/support-applications",
            &["get", "post"],
            get(list_applications).post(apply_for_support),
        )
        .route(
            "/v1/support-applications/{id}",
            &["get"],
            get(get_application),
        )
        .route(
            "/v1/support-applications/{id}/verification",
            &["post"],
            post(verify_base),
        )
        .route(
            "/v1/support-applications/{id}/decision",
            &["post"],
            post(decide_support),
        )
        .route(
            "/v1/support-applications/{id}/case-by-case-approval",
            &["post"],
            post(approve_case_by_case),
        )
        .route(
            "/v1/support-applications/{id}/disbursements",
            &["post"],
            post(disburse_tranche),
        )
        .route(
            "/v1/support-applications/{id}/recovery",
            &["post"],
            post(refer_recovery),
        )
}

/// `SupportEvidence` in the OpenAPI document.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct EvidenceDto {
    kind: String,
    reference: String,
}

/// `SupportApply` in the OpenAPI document.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct ApplyDto {
    instrument: String,
    beneficiary: Option<String>,
    year: Option<i32>,
    base_fen: i64,
    #[serde(default)]
    evidence: Vec<EvidenceDto>,
}

/// `SupportVerification` in the OpenAPI document.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct VerifyDto {
    verified_base_fen: i64,
    reason: Option<String>,
}

/// `SupportDecision` in the OpenAPI document.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct DecisionDto {
    decision: String,
    rate_bp: Option<u32>,
    case_by_case_ref: Option<String>,
    reason: Option<String>,
}

/// `SupportTranche` in the OpenAPI document.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct TrancheDto {
    amount_fen: i64,
    tranche_ref: String,
    paid_on: Option<NaiveDate>,
}

/// `SupportRecovery` in the OpenAPI document.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct RecoveryDto {
    amount_fen: i64,
    reason: String,
    decision_ref: String,
}

/// `?status=&instrument=&year=&beneficiary=&limit=&cursor=`.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct ListParams {
    status: Option<String>,
    instrument: Option<String>,
    year: Option<i32>,
    beneficiary: Option<String>,
    limit: Option<u32>,
    cursor: Option<String>,
}

/// `?beneficiary=&year=&instrument=&limit=&cursor=`.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct UsageParams {
    beneficiary: Option<String>,
    year: Option<i32>,
    instrument: Option<String>,
    limit: Option<u32>,
    cursor: Option<String>,
}

async fn list_instruments(
    State(state): State<AppState>,
    _caller: Caller,
) -> Result<axum::Json<Value>, ApiError> {
    Ok(axum::Json(json!({
        "items": state.support_catalogue().all(),
    })))
}

/// The organisation a non-officer may see: its own, and nothing without one.
fn own_org(caller: &Caller) -> Result<Option<String>, ApiError> {
    if caller.sees_all() {
        return Ok(None);
    }
    let actor = caller.require(Role::Applicant)?;
    let org = actor.org.as_ref().ok_or_else(|| {
        ApiError::App(AppError::Forbidden(
            "an applicant token without an organisation sees no applications".into(),
        ))
    })?;
    Ok(Some(org.to_string()))
}

/// The beneficiary filter: an applicant's own organisation, or what an officer asked for.
fn owner_filter(caller: &Caller, asked: Option<String>) -> Result<Option<String>, ApiError> {
    match (own_org(caller)?, asked) {
        (Some(own), Some(asked)) if own != asked => Err(ApiError::App(AppError::Forbidden(
            "an applicant sees its own organisation only".into(),
        ))),
        (Some(own), _) => Ok(Some(own)),
        (None, Some(asked)) => Ok(Some(org_code("beneficiary", &asked)?.to_string())),
        (None, None) => Ok(None),
    }
}

async fn list_applications(
    State(state): State<AppState>,
    caller: Caller,
    Query(params): Query<ListParams>,
) -> Result<axum::Json<Page<Value>>, ApiError> {
    let owner = owner_filter(&caller, params.beneficiary)?;
    if let Some(s) = &params.status {
        if !SupportStatus::ALL.iter().any(|k| k.as_str() == s) {
            let names: Vec<&str> = SupportStatus::ALL.iter().map(|k| k.as_str()).collect();
            return Err(ApiError::BadRequest {
                code: "invalid_query",
                detail: format!("status must be one of {}", names.join(", ")),
            });
        }
    }
    let (limit, after) = page(params.limit, params.cursor.as_deref())?;
    // Each filter combination has its own list, so every page is an index read.
    let (view, parent) = match (params.instrument, params.year) {
        (Some(i), Some(y)) => (
            SupportApplicationView::BY_INSTRUMENT_YEAR,
            Some(format!("{i}/{y}")),
        ),
        (Some(i), None) => (SupportApplicationView::NAME, Some(i)),
        (None, Some(y)) => (SupportApplicationView::BY_YEAR, Some(y.to_string())),
        (None, None) => (SupportApplicationView::NAME, None),
    };
    let query = ListQuery {
        status: params.status,
        owner,
        parent,
        after,
        limit,
        ..ListQuery::default()
    };
    Ok(axum::Json(state.store().list(view, &query).await?))
}

async fn list_usage(
    State(state): State<AppState>,
    caller: Caller,
    Query(params): Query<UsageParams>,
) -> Result<axum::Json<Page<Value>>, ApiError> {
    let owner = owner_filter(&caller, params.beneficiary)?;
    let (limit, after) = page(params.limit, params.cursor.as_deref())?;
    let query = ListQuery {
        // The usage rows keep the instrument in `status` and the period in `parent`.
        status: params.instrument,
        owner,
        parent: params.year.map(|y| y.to_string()),
        after,
        limit,
        ..ListQuery::default()
    };
    Ok(axum::Json(
        state.store().list(SupportUsageView::NAME, &query).await?,
    ))
}

async fn load_view(state: &AppState, id: &str) -> Result<SupportApplicationView, ApiError> {
    let value = state
        .store()
        .view(SupportApplicationView::NAME, id)
        .await?
        .ok_or_else(|| ApiError::App(AppError::NotFound(format!("no support application {id}"))))?;
    serde_json::from_value(value).map_err(|e| {
        ApiError::App(AppError::Internal(format!(
            "support application view {id}: {e}"
        )))
    })
}

async fn application_response(
    state: &AppState,
    id: &str,
    status: StatusCode,
) -> Result<Response, ApiError> {
    let view = state
        .store()
        .view(SupportApplicationView::NAME, id)
        .await?
        .ok_or_else(|| ApiError::App(AppError::NotFound(format!("no support application {id}"))))?;
    let location =
        (status == StatusCode::CREATED).then(|| format!("/v1/support-applications/{id}"));
    Ok(representation(status, view, location))
}

async fn get_application(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    let view = load_view(&state, &id).await?;
    if let Some(own) = own_org(&caller)? {
        if own != view.beneficiary {
            return Err(ApiError::App(AppError::NotFound(format!(
                "no support application {id}"
            ))));
        }
    }
    application_response(&state, &id, StatusCode::OK).await
}

async fn apply_for_support(
    State(state): State<AppState>,
    caller: Caller,
    request_id: RequestId,
    Body(dto): Body<ApplyDto>,
) -> Result<Response, ApiError> {
    // An applicant applies for its own organisation; an officer files a paper application.
    let beneficiary: OrgCode = if caller.0.has(Role::Officer) {
        org_code("beneficiary", &present("beneficiary", dto.beneficiary)?)?
    } else {
        let actor = caller.require(Role::Applicant)?;
        let own = actor.org.clone().ok_or_else(|| {
            ApiError::App(AppError::Forbidden(
                "an applicant token without an organisation cannot apply".into(),
            ))
        })?;
        if let Some(asked) = dto.beneficiary {
            if asked != own.as_str() {
                return Err(ApiError::App(AppError::Forbidden(
                    "an applicant applies for its own organisation only".into(),
                )));
            }
        }
        own
    };
    let bars = active_bars(
        &state,
        std::slice::from_ref(&beneficiary),
        state.clock().today(),
    )
    .await?;
    let id = state.ids().new_id().to_string();
    let command = SupportCommand::Apply(ApplySupport {
        instrument: dto.instrument,
        beneficiary,
        year: dto.year,
        base: Money::from_fen(dto.base_fen),
        evidence: dto
            .evidence
            .into_iter()
            .map(|e| Evidence {
                kind: e.kind,
                reference: e.reference,
            })
            .collect(),
        applied_by: caller.0.sub.clone(),
        bars,
    });
    CommandCall::new(&caller.0, &request_id, IfMatch(None))
        .run(
            &state,
            state.support_applications(),
            &id,
            false,
            "ApplyForSupport",
            command,
        )
        .await?;
    application_response(&state, &id, StatusCode::CREATED).await
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
        command: SupportCommand,
    ) -> Result<Response, ApiError> {
        CommandCall::new(actor, self.request_id, self.if_match)
            .run(
                self.state,
                self.state.support_applications(),
                self.id,
                true,
                name,
                command,
            )
            .await?;
        application_response(self.state, self.id, StatusCode::OK).await
    }

    /// Runs the command `build` makes from the cap usage of `view`'s beneficiary, instrument and
    /// period, read under the cap's lock in the command's own transaction.
    async fn run_on_cap<F>(
        &self,
        actor: &Actor,
        name: &str,
        view: &SupportApplicationView,
        build: F,
    ) -> Result<Response, ApiError>
    where
        F: Fn(Money) -> SupportCommand + Send,
    {
        let row = SupportUsageView::row_id(&view.beneficiary, &view.instrument, &view.period);
        let needs = FactNeeds {
            locks: vec![format!("support-cap:{row}")],
            rows: vec![(SupportUsageView::NAME.to_string(), row.clone())],
        };
        CommandCall::new(actor, self.request_id, self.if_match)
            .run_with_facts::<SupportApplication, _>(
                self.state,
                self.state.support_applications(),
                self.id,
                true,
                name,
                needs,
                move |facts: &Facts| -> Result<SupportCommand, AppError> {
                    let granted = facts
                        .row(SupportUsageView::NAME, &row)
                        .and_then(|r| r.get("granted_fen"))
                        .and_then(Value::as_i64)
                        .unwrap_or(0);
                    Ok(build(Money::from_fen(granted)))
                },
            )
            .await?;
        application_response(self.state, self.id, StatusCode::OK).await
    }
}

async fn verify_base(
    State(state): State<AppState>,
    caller: Caller,
    request_id: RequestId,
    if_match: IfMatch,
    Path(id): Path<String>,
    Body(dto): Body<VerifyDto>,
) -> Result<Response, ApiError> {
    let actor = caller.require(Role::Officer)?;
    let command = SupportCommand::VerifyBase {
        verified_base: Money::from_fen(dto.verified_base_fen),
        reason: dto.reason,
        verified_by: actor.sub.clone(),
    };
    let c = Cmd {
        state: &state,
        request_id: &request_id,
        if_match,
        id: &id,
    };
    c.run(actor, "VerifySupportBase", command).await
}

async fn beneficiary_bars(
    state: &AppState,
    view: &SupportApplicationView,
) -> Result<Vec<kernel::ActiveBar>, ApiError> {
    let org = OrgCode::parse(&view.beneficiary).map_err(|e| {
        ApiError::App(AppError::Internal(format!(
            "stored beneficiary {:?}: {e}",
            view.beneficiary
        )))
    })?;
    Ok(active_bars(state, &[org], state.clock().today()).await?)
}

async fn decide_support(
    State(state): State<AppState>,
    caller: Caller,
    request_id: RequestId,
    if_match: IfMatch,
    Path(id): Path<String>,
    Body(dto): Body<DecisionDto>,
) -> Result<Response, ApiError> {
    let actor = caller.require(Role::Officer)?;
    let outcome = match dto.decision.as_str() {
        "grant" => Outcome::Grant {
            rate_bp: dto.rate_bp,
            case_by_case: dto.case_by_case_ref,
        },
        "refuse" => Outcome::Refuse {
            reason: present("reason", dto.reason)?,
        },
        other => {
            return Err(ApiError::field(
                "decision",
                "invalid_value",
                format!("must be `grant` or `refuse`, not {other:?}"),
            ))
        }
    };
    let view = load_view(&state, &id).await?;
    let bars = beneficiary_bars(&state, &view).await?;
    let decided_by = actor.sub.clone();
    let c = Cmd {
        state: &state,
        request_id: &request_id,
        if_match,
        id: &id,
    };
    c.run_on_cap(actor, "DecideSupport", &view, move |already_granted| {
        SupportCommand::Decide(DecideSupport {
            outcome: outcome.clone(),
            decided_by: decided_by.clone(),
            already_granted,
            bars: bars.clone(),
        })
    })
    .await
}

async fn approve_case_by_case(
    State(state): State<AppState>,
    caller: Caller,
    request_id: RequestId,
    if_match: IfMatch,
    Path(id): Path<String>,
    Body(EmptyDto {}): OptionalBody<EmptyDto>,
) -> Result<Response, ApiError> {
    // The caller is the approving officer; the aggregate refuses the one who proposed.
    let actor = caller.require(Role::Officer)?;
    let view = load_view(&state, &id).await?;
    let bars = beneficiary_bars(&state, &view).await?;
    let approved_by = actor.sub.clone();
    let c = Cmd {
        state: &state,
        request_id: &request_id,
        if_match,
        id: &id,
    };
    c.run_on_cap(actor, "ApproveCaseByCase", &view, move |already_granted| {
        SupportCommand::ApproveCaseByCase {
            approved_by: approved_by.clone(),
            already_granted,
            bars: bars.clone(),
        }
    })
    .await
}

async fn disburse_tranche(
    State(state): State<AppState>,
    caller: Caller,
    request_id: RequestId,
    if_match: IfMatch,
    Path(id): Path<String>,
    Body(dto): Body<TrancheDto>,
) -> Result<Response, ApiError> {
    let actor = caller.require(Role::Officer)?;
    let command = SupportCommand::Disburse {
        amount: Money::from_fen(dto.amount_fen),
        tranche_ref: dto.tranche_ref,
        paid_on: dto.paid_on.unwrap_or_else(|| state.clock().today()),
    };
    let c = Cmd {
        state: &state,
        request_id: &request_id,
        if_match,
        id: &id,
    };
    c.run(actor, "DisburseSupport", command).await
}

async fn refer_recovery(
    State(state): State<AppState>,
    caller: Caller,
    request_id: RequestId,
    if_match: IfMatch,
    Path(id): Path<String>,
    Body(dto): Body<RecoveryDto>,
) -> Result<Response, ApiError> {
    let actor = caller.require(Role::Officer)?;
    let command = SupportCommand::ReferRecovery {
        amount: Money::from_fen(dto.amount_fen),
        reason: dto.reason,
        decision_ref: dto.decision_ref,
        referred_by: actor.sub.clone(),
    };
    let c = Cmd {
        state: &state,
        request_id: &request_id,
        if_match,
        id: &id,
    };
    c.run(actor, "ReferSupportRecovery", command).await
}
