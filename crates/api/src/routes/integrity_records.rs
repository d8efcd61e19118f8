use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::{get, post};
use chrono::NaiveDate;
use clawback::Subject;
use integrity::{CaseSource, IntegrityCommand, OpenIntegrityCase, Recovery, Severity};
use kernel::{Money, OrgCode, Role};
use projections::IntegrityView;
use serde::Deserialize;
use serde_json::Value;

use super::common::{org_code, present};
use super::Routes;
use crate::auth::Caller;
use crate::execute::{representation, CommandCall, IfMatch, RequestId};
use crate::extract::{Body, Path};
use crate::{ApiError, AppState};
use app::AppError;

pub(super) fn routes(r: Routes) -> Routes {
    r.route("/v1/integrity/{org}", &["get"], get(get_record))
        .route("/v1/integrity/{org}/cases", &["post"], post(open_case))
        .route(
            "/v1/integrity/{org}/cases/{case}/determination",
            &["post"],
            post(determine_violation),
        )
        .route(
            "/v1/integrity/{org}/cases/{case}/dismissal",
            &["post"],
            post(dismiss_case),
        )
        .route(
            "/v1/integrity/{org}/cases/{case}/record",
            &["post"],
            post(record_in_archive),
        )
        .route(
            "/v1/integrity/{org}/cases/{case}/revocation",
            &["post"],
            post(revoke_record),
        )
}

/// `IntegrityCaseSource` in the OpenAPI document.
#[derive(Debug, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
enum SourceDto {
    Report { reference: String },
    ClawbackReferral { clawback_case: String },
}

/// `IntegrityCaseOpen` in the OpenAPI document.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct OpenDto {
    allegation: String,
    #[serde(default)]
    related_projects: Vec<String>,
    source: Option<SourceDto>,
}

/// `ViolationDetermination` in the OpenAPI document.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct DeterminationDto {
    severity: Option<Severity>,
    decision_date: Option<NaiveDate>,
    findings_ref: String,
}

/// `IntegrityDismissal` in the OpenAPI document.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct DismissalDto {
    reason: String,
}

/// `RecoveryAmount` in the OpenAPI document.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RecoveryDto {
    project: String,
    amount_fen: i64,
}

/// `ArchiveRecording` in the OpenAPI document.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct RecordDto {
    bar_years: Option<u32>,
    #[serde(default)]
    recover: Vec<RecoveryDto>,
}

/// `RecordRevocation` in the OpenAPI document.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct RevocationDto {
    reason: String,
    decision_ref: String,
}

fn org_of(text: &str) -> Result<OrgCode, ApiError> {
    org_code("org", text)
}

/// The record with `barred_until`: the first day the organisation is eligible again, when a
/// bar holds today.
async fn record_response(
    state: &AppState,
    org: &OrgCode,
    status: StatusCode,
    case_id: Option<&str>,
) -> Result<Response, ApiError> {
    let mut view = state
        .store()
        .view(IntegrityView::NAME, org.as_str())
        .await?
        .ok_or_else(|| {
            ApiError::App(AppError::NotFound(format!("no integrity record for {org}")))
        })?;
    let today = state.clock().today();
    let bars = app::active_bars(state, std::slice::from_ref(org), today).await?;
    if let Value::Object(map) = &mut view {
        map.insert(
            "barred_until".into(),
            bars.first()
                .map_or(Value::Null, |b| Value::String(b.until.to_string())),
        );
        if let Some(case) = case_id {
            map.insert("case_id".into(), Value::String(case.to_string()));
        }
    }
    let location = (status == StatusCode::CREATED).then(|| format!("/v1/integrity/{org}"));
    Ok(representation(status, view, location))
}

async fn get_record(
    State(state): State<AppState>,
    caller: Caller,
    Path(org): Path<String>,
) -> Result<Response, ApiError> {
    let org = org_of(&org)?;
    let own = caller.0.has(Role::Applicant) && caller.0.org.as_ref() == Some(&org);
    if !caller.sees_all() && !own {
        return Err(ApiError::App(AppError::NotFound(format!(
            "no integrity record for {org}"
        ))));
    }
    record_response(&state, &org, StatusCode::OK, None).await
}

async fn open_case(
    State(state): State<AppState>,
    caller: Caller,
    request_id: RequestId,
    if_match: IfMatch,
    Path(org): Path<String>,
    Body(dto): Body<OpenDto>,
) -> Result<Response, ApiError> {
    let actor = caller.require(Role::Officer)?;
    let org = org_of(&org)?;
    let source = match present("source", dto.source)? {
        SourceDto::Report { reference } => CaseSource::Report { reference },
        SourceDto::ClawbackReferral { clawback_case } => {
            CaseSource::ClawbackReferral { clawback_case }
        }
    };
    let case_id = state.ids().new_id().to_string();
    let command = IntegrityCommand::OpenCase(OpenIntegrityCase {
        case_id: case_id.clone(),
        org: org.clone(),
        allegation: dto.allegation,
        related_projects: dto.related_projects,
        source,
    });
    CommandCall::new(actor, &request_id, if_match)
        .run(
            &state,
            state.integrity(),
            org.as_str(),
            false,
            "OpenIntegrityCase",
            command,
        )
        .await?;
    record_response(&state, &org, StatusCode::CREATED, Some(&case_id)).await
}

async fn run(
    state: &AppState,
    caller: &Caller,
    request_id: &RequestId,
    if_match: IfMatch,
    org: &str,
    name: &str,
    command: IntegrityCommand,
) -> Result<Response, ApiError> {
    let actor = caller.require(Role::Officer)?;
    let org = org_of(org)?;
    CommandCall::new(actor, request_id, if_match)
        .run(state, state.integrity(), org.as_str(), true, name, command)
        .await?;
    record_response(state, &org, StatusCode::OK, None).await
}

async fn determine_violation(
    State(state): State<AppState>,
    caller: Caller,
    request_id: RequestId,
    if_match: IfMatch,
    Path((org, case)): Path<(String, String)>,
    Body(dto): Body<DeterminationDto>,
) -> Result<Response, ApiError> {
    let command = IntegrityCommand::DetermineViolation {
        case_id: case,
        severity: present("severity", dto.severity)?,
        decision_date: dto.decision_date.unwrap_or_else(|| state.clock().today()),
        findings_ref: dto.findings_ref,
    };
    run(
        &state,
        &caller,
        &request_id,
        if_match,
        &org,
        "DetermineViolation",
        command,
    )
    .await
}

async fn dismiss_case(
    State(state): State<AppState>,
    caller: Caller,
    request_id: RequestId,
    if_match: IfMatch,
    Path((org, case)): Path<(String, String)>,
    Body(dto): Body<DismissalDto>,
) -> Result<Response, ApiError> {
    let command = IntegrityCommand::Dismiss {
        case_id: case,
        reason: dto.reason,
    };
    run(
        &state,
        &caller,
        &request_id,
        if_match,
        &org,
        "DismissIntegrityCase",
        command,
    )
    .await
}

async fn record_in_archive(
    State(state): State<AppState>,
    caller: Caller,
    request_id: RequestId,
    if_match: IfMatch,
    Path((org, case)): Path<(String, String)>,
    Body(dto): Body<RecordDto>,
) -> Result<Response, ApiError> {
    let actor = caller.require(Role::Officer)?;
    let org = org_of(&org)?;
    // Each recovery is bounded by what the ledger says was disbursed to the project, net of
    // every clawback case on it, read under the projects' locks inside this command.
    let subjects: Vec<Subject> = dto
        .recover
        .iter()
        .map(|r| Subject::Project(r.project.clone()))
        .collect();
    let needs = subjects.iter().fold(store::FactNeeds::none(), |n, s| {
        app::recoverable::needs(s, n)
    });
    let bar_years = dto.bar_years;
    CommandCall::new(actor, &request_id, if_match)
        .run_with_facts(
            &state,
            state.integrity(),
            org.as_str(),
            true,
            "RecordInArchive",
            needs,
            |facts| {
                let mut recover = Vec::with_capacity(dto.recover.len());
                for (r, subject) in dto.recover.iter().zip(&subjects) {
                    let ledger = app::recoverable::recoverable(facts, subject, "")?;
                    if !ledger.recipients.contains(&org) {
                        return Err(AppError::Refused {
                            kind: kernel::ErrorKind::Invalid,
                            code: "debtor_not_recipient",
                            detail: format!(
                                "{org} is not a recipient of record of project {} (its lead or a member)",
                                r.project
                            ),
                        });
                    }
                    recover.push(Recovery {
                        project: r.project.clone(),
                        amount: Money::from_fen(r.amount_fen),
                        disbursed: ledger.net(),
                    });
                }
                Ok(IntegrityCommand::RecordInArchive {
                    case_id: case.clone(),
                    bar_years,
                    recover,
                })
            },
        )
        .await?;
    record_response(&state, &org, StatusCode::OK, None).await
}

async fn revoke_record(
    State(state): State<AppState>,
    caller: Caller,
    request_id: RequestId,
    if_match: IfMatch,
    Path((org, case)): Path<(String, String)>,
    Body(dto): Body<RevocationDto>,
) -> Result<Response, ApiError> {
    let command = IntegrityCommand::RevokeRecord {
        case_id: case,
        reason: dto.reason,
        decision_ref: dto.decision_ref,
    };
    run(
        &state,
        &caller,
        &request_id,
        if_match,
        &org,
        "RevokeIntegrityRecord",
        command,
    )
    .await
}
