//! The programme's KPI table against the seed-000 annex, the facts behind each row, and the
//! officer's manual observations.

use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use chrono::Datelike;
use kernel::Role;
use kpi::{KpiObservation, KpiObservationCommand, KpiTargets};
use projections::KpiObservationView;
use serde::Deserialize;
use serde_json::json;

use super::csv;
use super::Routes;
use crate::auth::Caller;
use crate::execute::{representation, CommandCall, IfMatch, RequestId};
use crate::extract::{Body, Path, Query};
use crate::{ApiError, AppError, AppState};

pub(super) fn routes(r: Routes) -> Routes {
    r.route("/v1/kpis", &["get"], get(kpi_table))
        .route("/v1/kpis/{row}", &["get"], get(kpi_row))
        .route(
            "/v1/kpis/{row}/observations",
            &["post"],
            post(record_observation),
        )
}

/// `?year=`.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct YearParams {
    year: Option<i32>,
}

/// `KpiObservationInput` in the OpenAPI document.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct ObservationDto {
    year: i32,
    value: i64,
    source_ref: String,
}

/// The KPI pages are for the bureau and its auditors.
fn require_reader(caller: &Caller) -> Result<(), ApiError> {
    if caller.sees_all() {
        Ok(())
    } else {
        Err(ApiError::App(AppError::Forbidden(
            "the KPI table needs the officer or auditor role".into(),
        )))
    }
}

/// The asked year, or this year (Asia/Shanghai); it must be an annex year.
fn year(state: &AppState, targets: &KpiTargets, asked: Option<i32>) -> Result<i32, ApiError> {
    let year = asked.unwrap_or_else(|| state.clock().today().year());
    if targets.years.contains(&year) {
        Ok(year)
    } else {
        Err(ApiError::BadRequest {
            code: "kpi_year_outside_annex",
            detail: format!(
                "the annex covers {:?}; ask for one of those years",
                targets.years
            ),
        })
    }
}

fn opt<T: ToString>(v: Option<T>) -> String {
    v.map(|v| v.to_string()).unwrap_or_default()
}

async fn kpi_table(
    State(state): State<AppState>,
    caller: Caller,
    headers: HeaderMap,
    Query(params): Query<YearParams>,
) -> Result<Response, ApiError> {
    require_reader(&caller)?;
    let targets = state.kpi_targets();
    let year = year(&state, targets, params.year)?;
    let facts = crate::kpis::ledger_facts(&state).await?;
    let lines = kpi::compute(targets, &facts, year);
    if csv::wanted(&headers) {
        let rows: Vec<Vec<String>> = lines
            .iter()
            .map(|l| {
                vec![
                    l.row.to_string(),
                    l.area.clone(),
                    l.name.clone(),
                    l.unit.clone(),
                    serde_json::to_value(l.kind)
                        .ok()
                        .and_then(|v| v.as_str().map(str::to_string))
                        .unwrap_or_default(),
                    l.source.to_string(),
                    l.year.to_string(),
                    l.target.to_string(),
                    l.plan_to_date.to_string(),
                    opt(l.actual),
                    opt(l.actual_net),
                    opt(l.ratio),
                    opt(l.ratio_net),
                ]
            })
            .collect();
        return Ok(csv::response(
            &format!("kpis-{year}.csv"),
            &[
                "row",
                "area",
                "name",
                "unit",
                "kind",
                "source",
                "year",
                "target",
                "plan_to_date",
                "actual",
                "actual_net",
                "ratio",
                "ratio_net",
            ],
            &rows,
        ));
    }
    Ok(axum::Json(json!({
        "year": year,
        "source": targets.source,
        "rows": lines,
    }))
    .into_response())
}

async fn kpi_row(
    State(state): State<AppState>,
    caller: Caller,
    Path(row): Path<u8>,
    Query(params): Query<YearParams>,
) -> Result<Response, ApiError> {
    require_reader(&caller)?;
    let targets = state.kpi_targets();
    let spec = targets
        .row(row)
        .ok_or_else(|| ApiError::App(AppError::NotFound(format!("the annex has no row {row}"))))?;
    let year = match params.year {
        Some(y) => Some(year(&state, targets, Some(y))?),
        None => None,
    };
    let facts = crate::kpis::ledger_facts(&state).await?;
    let contributions = kpi::contributions(spec, &facts, year);
    Ok(axum::Json(json!({
        "row": spec,
        "year": year,
        "contributions": contributions,
    }))
    .into_response())
}

async fn record_observation(
    State(state): State<AppState>,
    caller: Caller,
    request_id: RequestId,
    Path(row): Path<u8>,
    Body(dto): Body<ObservationDto>,
) -> Result<Response, ApiError> {
    let actor = caller.require(Role::Officer)?;
    let id = KpiObservation::stream_id(row, dto.year);
    let command = KpiObservationCommand::Record {
        row,
        year: dto.year,
        value: dto.value,
        source_ref: dto.source_ref,
        recorded_by: actor.sub.clone(),
    };
    CommandCall::new(actor, &request_id, IfMatch(None))
        .run(
            &state,
            state.kpi_observations(),
            &id,
            false,
            "RecordKpiObservation",
            command,
        )
        .await?;
    let view = state
        .store()
        .view(KpiObservationView::NAME, &id)
        .await?
        .ok_or_else(|| {
            ApiError::App(AppError::Internal(format!("observation {id} has no view")))
        })?;
    Ok(representation(
        StatusCode::CREATED,
        view,
        Some(format!("/v1/kpis/{row}")),
    ))
}
