//! The ledger's facts behind the KPI table, read from views that are folded from events (so the
//! table is rebuildable from events alone).

use chrono::NaiveDate;
use kpi::{AwardFact, ConsortiumFact, LedgerFacts, NeedFact, ObservationFact};
use projections::{ChallengeView, ConsortiumView, KpiObservationView, NeedView};
use serde::de::DeserializeOwned;

use crate::{ApiError, AppError, AppState};

async fn all<T: DeserializeOwned>(state: &AppState, view: &str) -> Result<Vec<T>, ApiError> {
    state
        .store()
        .rows(view, None)
        .await?
        .into_iter()
        .map(|v| {
            serde_json::from_value(v).map_err(|e| ApiError::App(AppError::Internal(e.to_string())))
        })
        .collect()
}

/// Needs accepted, calls awarded, consortia levelled, and the manual observations.
pub(crate) async fn ledger_facts(state: &AppState) -> Result<LedgerFacts, ApiError> {
    let needs = all::<NeedView>(state, NeedView::NAME)
        .await?
        .into_iter()
        .filter_map(|n| {
            Some(NeedFact {
                category: n.category?.as_str().to_string(),
                accepted_on: n.accepted_on?,
                id: n.id,
            })
        })
        .collect();
    let awards = all::<ChallengeView>(state, ChallengeView::NAME)
        .await?
        .into_iter()
        .filter(|c| c.status == "awarded")
        .filter_map(|c| {
            Some(AwardFact {
                programme: c.terms.as_ref()?.programme.clone(),
                awarded_on: c.decided_on?,
                projects: c.winners.len() as i64,
                challenge_id: c.id,
            })
        })
        .collect();
    let consortia = all::<ConsortiumView>(state, ConsortiumView::NAME)
        .await?
        .into_iter()
        .filter(|c| !c.levels.is_empty())
        .map(|c| ConsortiumFact {
            level_dates: c.levels.iter().map(|l| l.effective_date).collect(),
            revoked_on: c.revocation.as_ref().map(|r| r.revoked_on),
            id: c.id,
        })
        .collect();
    let observations = all::<KpiObservationView>(state, KpiObservationView::NAME)
        .await?
        .into_iter()
        .map(|o| ObservationFact {
            sequence: o.version as u64,
            row: o.row,
            year: o.year,
            value: o.value,
            source_ref: o.source_ref,
            recorded_on: o.recorded_on.unwrap_or(NaiveDate::MIN),
            stream_id: o.id,
        })
        .collect();
    Ok(LedgerFacts {
        needs,
        awards,
        consortia,
        observations,
    })
}
