//! The award end of a call: the demand owner's anonymised shortlist and opinion, the award
//! (single or 赛马制) and 流榜.

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::{get, post};
use bid::BidCommand;
use challenge::{AwardChallenge, BidFacts, ChallengeCommand, WinnerPick};
use kernel::{Money, OrgCode, Role};
use projections::{BidRankingView, ChallengeView, ListQuery, MAX_PAGE};
use serde::Deserialize;
use serde_json::{json, Value};

use super::bids::call_of;
use super::Routes;
use crate::auth::Caller;
use crate::execute::{representation, CommandCall, IfMatch, RequestId};
use crate::extract::{Body, Path};
use crate::{ApiError, AppState};
use app::active_bars;
use app::AppError;

pub(super) fn routes(r: Routes) -> Routes {
    r.route("/v1/challenges/{id}/shortlist", &["get"], get(shortlist))
        .route(
            "/v1/challenges/{id}/shortlist/{alias}/opinion",
            &["post"],
            post(record_opinion),
        )
        .route("/v1/challenges/{id}/award", &["post"], post(award))
        .route("/v1/challenges/{id}/unfilled", &["post"], post(unfilled))
}

/// `AwardRequest` in the OpenAPI document.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct AwardDto {
    winners: Vec<WinnerDto>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct WinnerDto {
    bid_id: String,
    amount_fen: i64,
}

/// `ReasonRequest` in the OpenAPI document.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct ReasonDto {
    reason: String,
}

/// `DemandOwnerOpinion` in the OpenAPI document.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct OpinionDto {
    supports: bool,
    opinion: String,
}

fn internal(e: impl std::fmt::Display) -> ApiError {
    ApiError::App(AppError::Internal(e.to_string()))
}

/// Every bid of a call in rank order (all pages).
async fn ranked(state: &AppState, challenge_id: &str) -> Result<Vec<BidRankingView>, ApiError> {
    let mut out = Vec::new();
    let mut query = ListQuery {
        parent: Some(challenge_id.to_string()),
        limit: MAX_PAGE,
        ..Default::default()
    };
    loop {
        let page = state.store().list(BidRankingView::NAME, &query).await?;
        for item in page.items {
            out.push(serde_json::from_value(item).map_err(internal)?);
        }
        match page
            .next_cursor
            .as_deref()
            .and_then(projections::Cursor::decode)
        {
            Some(c) => query.after = Some(c),
            None => return Ok(out),
        }
    }
}

fn is_demand_owner(caller: &Caller, owner: &OrgCode) -> bool {
    caller.0.org.as_ref() == Some(owner)
}

/// The recommended bids of a call, best first, without anything naming the team: the
/// 出题企业 judges the technical answer, not who gave it.
async fn shortlist(
    State(state): State<AppState>,
    caller: Caller,
    Path(challenge_id): Path<String>,
) -> Result<axum::Json<Value>, ApiError> {
    let (call, _) = call_of(&state, &challenge_id).await?;
    if !caller.sees_all() && !is_demand_owner(&caller, &call.demand_owner) {
        return Err(ApiError::App(AppError::Forbidden(
            "the shortlist is for the call's demand owner".into(),
        )));
    }
    let items: Vec<Value> = ranked(&state, &challenge_id)
        .await?
        .into_iter()
        .filter(|b| b.recommended == Some(true) && b.status != "withdrawn")
        .enumerate()
        .map(|(i, b)| {
            json!({
                "rank": i + 1,
                "alias": b.alias,
                "status": b.status,
                "title": b.title,
                "technical_plan": b.technical_plan,
                "requested_fen": b.requested_fen,
                "mean_score_x100": b.mean_score_x100,
                "demand_owner_opinion": b.demand_owner_opinion,
            })
        })
        .collect();
    Ok(axum::Json(json!({ "items": items })))
}

async fn record_opinion(
    State(state): State<AppState>,
    caller: Caller,
    request_id: RequestId,
    Path((challenge_id, alias)): Path<(String, String)>,
    Body(dto): Body<OpinionDto>,
) -> Result<axum::Json<Value>, ApiError> {
    let (call, _) = call_of(&state, &challenge_id).await?;
    let by = caller.0.org.clone().ok_or_else(|| {
        ApiError::App(AppError::Forbidden(
            "the token names no organisation".into(),
        ))
    })?;
    if by != call.demand_owner {
        return Err(ApiError::App(AppError::Forbidden(
            "only the call's demand owner gives this opinion".into(),
        )));
    }
    let bid = ranked(&state, &challenge_id)
        .await?
        .into_iter()
        .find(|b| b.alias == alias && b.recommended == Some(true))
        .ok_or_else(|| ApiError::App(AppError::NotFound(format!("no shortlisted bid {alias}"))))?;
    let command = BidCommand::RecordDemandOwnerOpinion {
        by,
        call,
        supports: dto.supports,
        opinion: dto.opinion.clone(),
    };
    CommandCall::new(&caller.0, &request_id, IfMatch(None))
        .run(
            &state,
            state.bids(),
            &bid.id,
            true,
            "RecordDemandOwnerOpinion",
            command,
        )
        .await?;
    Ok(axum::Json(json!({
        "alias": alias,
        "supports": dto.supports,
        "opinion": dto.opinion,
    })))
}

fn facts(b: &BidRankingView) -> Option<BidFacts> {
    Some(BidFacts {
        bid_id: b.id.clone(),
        lead: b.lead.clone()?,
        members: b.members.clone(),
        status: b.status.clone(),
        requested: b.requested_fen,
    })
}

async fn challenge_response(state: &AppState, id: &str) -> Result<Response, ApiError> {
    let view = state
        .store()
        .view(ChallengeView::NAME, id)
        .await?
        .ok_or_else(|| ApiError::App(AppError::NotFound(format!("no challenge {id}"))))?;
    Ok(representation(StatusCode::OK, view, None))
}

async fn award(
    State(state): State<AppState>,
    caller: Caller,
    request_id: RequestId,
    if_match: IfMatch,
    Path(challenge_id): Path<String>,
    Body(dto): Body<AwardDto>,
) -> Result<Response, ApiError> {
    let actor = caller.require(Role::Officer)?;
    call_of(&state, &challenge_id).await?;
    let candidates: Vec<BidFacts> = ranked(&state, &challenge_id)
        .await?
        .iter()
        .filter_map(facts)
        .collect();
    let mut orgs: Vec<OrgCode> = Vec::new();
    for w in &dto.winners {
        if let Some(c) = candidates.iter().find(|c| c.bid_id == w.bid_id) {
            orgs.push(c.lead.clone());
            orgs.extend(c.members.iter().cloned());
        }
    }
    let bars = active_bars(&state, &orgs, state.clock().today()).await?;
    let command = ChallengeCommand::Award(AwardChallenge {
        candidates,
        winners: dto
            .winners
            .into_iter()
            .map(|w| WinnerPick {
                bid_id: w.bid_id,
                amount: Money::from_fen(w.amount_fen),
            })
            .collect(),
        bars,
    });
    CommandCall::new(actor, &request_id, if_match)
        .run(
            &state,
            state.challenges(),
            &challenge_id,
            true,
            "AwardChallenge",
            command,
        )
        .await?;
    challenge_response(&state, &challenge_id).await
}

async fn unfilled(
    State(state): State<AppState>,
    caller: Caller,
    request_id: RequestId,
    if_match: IfMatch,
    Path(challenge_id): Path<String>,
    Body(dto): Body<ReasonDto>,
) -> Result<Response, ApiError> {
    let actor = caller.require(Role::Officer)?;
    call_of(&state, &challenge_id).await?;
    let candidates: Vec<BidFacts> = ranked(&state, &challenge_id)
        .await?
        .iter()
        .filter_map(facts)
        .collect();
    let command = ChallengeCommand::DeclareUnfilled {
        candidates,
        reason: dto.reason,
    };
    CommandCall::new(actor, &request_id, if_match)
        .run(
            &state,
            state.challenges(),
            &challenge_id,
            true,
            "DeclareUnfilled",
            command,
        )
        .await?;
    challenge_response(&state, &challenge_id).await
}
