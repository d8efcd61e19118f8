use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use challenge::{
    AmendChallenge, AwardMode, Challenge, ChallengeCommand, ChallengeEvent, DraftChallenge,
    NeedFacts, Target,
};
use chrono::NaiveDate;
use cqrs_es::Aggregate;
use kernel::{Money, OrgCode, Role};
use projections::{ChallengeView, Cursor, NeedAdoptionView, NeedView, Page};
use serde::Deserialize;
use serde_json::Value;
use store::{FactNeeds, Facts, SearchQuery};

use super::common::{org_code, page, present, EmptyDto, ListParams};
use super::Routes;
use crate::auth::Caller;
use crate::execute::{representation, CommandCall, IfMatch, RequestId};
use crate::extract::{Body, OptionalBody, Path, Query};
use crate::search;
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
        "/v1/challenges/{id}/amendments",
        &["get"],
        get(list_amendments),
    )
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
    demand_owner: Option<String>,
    /// Pool needs (需求库) the call answers; the demand owner is then their poser.
    needs: Option<Vec<String>>,
    industry_chain: String,
    targets: Vec<Target>,
    budget_cap_fen: i64,
    mode: Option<AwardMode>,
    opens_on: Option<NaiveDate>,
    closes_on: Option<NaiveDate>,
    completion_deadline: Option<NaiveDate>,
}

impl ChallengeDraftDto {
    /// The command, with the needs as the ledger holds them and the demand owner the DTO names
    /// (or, for a call drafted from needs without one, the first need's poser).
    fn into_command(
        self,
        needs: Vec<NeedFacts>,
        fallback_owner: Option<OrgCode>,
    ) -> Result<DraftChallenge, ApiError> {
        let demand_owner = match (&self.demand_owner, fallback_owner) {
            (Some(text), _) => org_code("demand_owner", text)?,
            (None, Some(poser)) => poser,
            (None, None) => present("demand_owner", None::<OrgCode>)?,
        };
        let d = self;
        Ok(DraftChallenge {
            needs,
            demand_owner,
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

/// A need named by a draft, as the need's view rows hold it inside the draft's transaction.
fn need_facts(facts: &Facts, need_id: &str) -> NeedFacts {
    let row = facts.row(NeedView::NAME, need_id);
    let text = |field: &str| {
        row.and_then(|r| r.get(field))
            .and_then(Value::as_str)
            .map(str::to_string)
    };
    NeedFacts {
        need_id: need_id.to_string(),
        status: text("status"),
        poser: text("poser").and_then(|p| OrgCode::parse(&p).ok()),
        adopted_by: facts
            .row(NeedAdoptionView::NAME, need_id)
            .and_then(|r| r.get("challenge_id"))
            .and_then(Value::as_str)
            .map(str::to_string),
    }
}

async fn draft_challenge(
    State(state): State<AppState>,
    caller: Caller,
    request_id: RequestId,
    Body(mut dto): Body<ChallengeDraftDto>,
) -> Result<Response, ApiError> {
    let actor = caller.require(Role::Officer)?;
    let needs = dto.needs.take().unwrap_or_default();
    let id = state.ids().new_id().to_string();
    let call = CommandCall::new(actor, &request_id, IfMatch(None));
    // The needs are read (and locked) inside the draft's own transaction: two drafts naming the
    // same need serialise on its lock, and the second sees the first's adoption row.
    let mut wanted = FactNeeds::none();
    for n in &needs {
        wanted = wanted
            .lock(format!("need:{n}"))
            .row(NeedView::NAME, n.clone())
            .row(NeedAdoptionView::NAME, n.clone());
    }
    call.run_with_facts(
        &state,
        state.challenges(),
        &id,
        false,
        "DraftChallenge",
        wanted,
        |facts| {
            let found: Vec<NeedFacts> = needs.iter().map(|n| need_facts(facts, n)).collect();
            let fallback = found.first().and_then(|n| n.poser.clone());
            let command = ChallengeDraftDto {
                needs: None,
                demand_owner: dto.demand_owner.clone(),
                programme: dto.programme.clone(),
                title: dto.title.clone(),
                industry_chain: dto.industry_chain.clone(),
                targets: dto.targets.clone(),
                budget_cap_fen: dto.budget_cap_fen,
                mode: dto.mode,
                opens_on: dto.opens_on,
                closes_on: dto.closes_on,
                completion_deadline: dto.completion_deadline,
            }
            .into_command(found, fallback)
            .map_err(|e| match e {
                ApiError::App(refused) => refused,
                other => AppError::Internal(other.to_string()),
            })?;
            Ok(ChallengeCommand::Draft(command))
        },
    )
    .await?;
    challenge_response(&state, &id, StatusCode::CREATED).await
}

/// `?status=&programme=&chain=&q=&closes_from=&closes_to=&opens_from=&sort=&limit=&cursor=`.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct ChallengeListParams {
    status: Option<String>,
    programme: Option<String>,
    chain: Option<String>,
    q: Option<String>,
    closes_from: Option<String>,
    closes_to: Option<String>,
    opens_from: Option<String>,
    sort: Option<String>,
    limit: Option<u32>,
    cursor: Option<String>,
}

impl ChallengeListParams {
    /// True when the plain list (status and paging) is not enough.
    fn is_search(&self) -> bool {
        self.q.is_some()
            || self.programme.is_some()
            || self.chain.is_some()
            || self.closes_from.is_some()
            || self.closes_to.is_some()
            || self.opens_from.is_some()
            || self.sort.is_some()
    }
}

const CSV_COLUMNS: [&str; 12] = [
    "id",
    "status",
    "programme",
    "title",
    "demand_owner",
    "industry_chain",
    "budget_cap_fen",
    "opens_on",
    "closes_on",
    "completion_deadline",
    "needs",
    "winners",
];

fn csv_row(v: &Value) -> Vec<String> {
    let text = |k: &str| match v.get(k) {
        Some(Value::String(s)) => s.clone(),
        Some(Value::Null) | None => String::new(),
        Some(other) => other.to_string(),
    };
    let list = |k: &str, field: Option<&str>| {
        v.get(k)
            .and_then(Value::as_array)
            .map(|items| {
                items
                    .iter()
                    .filter_map(|i| match field {
                        Some(f) => i.get(f).and_then(Value::as_str),
                        None => i.as_str(),
                    })
                    .collect::<Vec<_>>()
                    .join(";")
            })
            .unwrap_or_default()
    };
    vec![
        text("id"),
        text("status"),
        text("programme"),
        text("title"),
        text("demand_owner"),
        text("industry_chain"),
        text("budget_cap_fen"),
        text("opens_on"),
        text("closes_on"),
        text("completion_deadline"),
        list("needs", None),
        list("winners", Some("bid_id")),
    ]
}

async fn list_challenges(
    State(state): State<AppState>,
    caller: Caller,
    headers: HeaderMap,
    Query(params): Query<ChallengeListParams>,
) -> Result<Response, ApiError> {
    if let Some(s) = &params.status {
        if !STATUSES.contains(&s.as_str()) {
            return Err(ApiError::BadRequest {
                code: "invalid_query",
                detail: format!("status must be one of {}", STATUSES.join(", ")),
            });
        }
    }
    // Drafts are the bureau's working papers: only officers and auditors see them.
    let hide_drafts = !caller.sees_all();
    let exclude_status = hide_drafts.then(|| "draft".to_string());
    let nothing = hide_drafts && params.status.as_deref() == Some("draft");
    if super::csv::wanted(&headers) {
        let rows: Vec<Vec<String>> = if nothing {
            Vec::new()
        } else {
            state
                .store()
                .rows(ChallengeView::NAME, None)
                .await?
                .iter()
                .filter(|v| {
                    let status = v.get("status").and_then(Value::as_str);
                    (params.status.is_none() || status == params.status.as_deref())
                        && !(hide_drafts && status == Some("draft"))
                })
                .map(csv_row)
                .collect()
        };
        return Ok(super::csv::response("challenges.csv", &CSV_COLUMNS, &rows));
    }
    if nothing {
        return Ok(axum::Json(Page::<Value> {
            items: vec![],
            next_cursor: None,
        })
        .into_response());
    }
    if params.is_search() {
        let found = state
            .store()
            .search(&SearchQuery {
                view: ChallengeView::NAME.into(),
                text: params
                    .q
                    .as_deref()
                    .map(str::trim)
                    .unwrap_or_default()
                    .to_string(),
                status: params.status,
                exclude_status,
                parent: params.programme,
                chain: params.chain,
                closes_from: search::date("closes_from", params.closes_from)?,
                closes_to: search::date("closes_to", params.closes_to)?,
                opens_from: search::date("opens_from", params.opens_from)?,
                sort: search::sort(params.sort.as_deref())?,
                offset: search::offset(params.cursor.as_deref())?,
                limit: search::limit(params.limit)?,
                ..Default::default()
            })
            .await?;
        return Ok(axum::Json(found).into_response());
    }
    let mut query = ListParams {
        status: params.status,
        limit: params.limit,
        cursor: params.cursor,
    }
    .query(&STATUSES)?;
    query.exclude_status = exclude_status;
    Ok(axum::Json(state.store().list(ChallengeView::NAME, &query).await?).into_response())
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

/// `?limit=&cursor=` of a call's amendment history.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct AmendmentPageParams {
    limit: Option<u32>,
    cursor: Option<String>,
}

/// Every amendment of a call, oldest first, paged from its stream: the view keeps only the latest.
async fn list_amendments(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    Query(params): Query<AmendmentPageParams>,
) -> Result<Response, ApiError> {
    // Who may read the call may read its history: a draft only by those who see every call.
    get_challenge(State(state.clone()), caller, Path(id.clone())).await?;
    let (limit, after) = page(params.limit, params.cursor.as_deref())?;
    let after = match after {
        Some(cursor) if cursor.id == id => cursor.sort_key.parse::<u64>().ok(),
        Some(_) => None,
        None => Some(0),
    }
    .ok_or(ApiError::BadRequest {
        code: "invalid_cursor",
        detail: "the cursor is not one this server issued for this call".into(),
    })?;
    let events = state
        .store()
        .events_of_type(Challenge::TYPE, &id, "ChallengeAmended", after, limit + 1)
        .await?;
    let mut items = Vec::with_capacity(events.len());
    for e in events.iter().take(limit as usize) {
        let Ok(ChallengeEvent::ChallengeAmended(a)) =
            serde_json::from_value::<ChallengeEvent>(e.payload.clone())
        else {
            continue;
        };
        let mut changes = serde_json::Map::new();
        let mut set = |field: &str, value: Option<Value>| {
            if let Some(v) = value {
                changes.insert(field.to_string(), v);
            }
        };
        set("title", a.title.map(Value::from));
        set("industry_chain", a.industry_chain.map(Value::from));
        set("targets", a.targets.map(|t| serde_json::json!(t)));
        set("budget_cap_fen", a.budget_cap.map(|m| Value::from(m.fen())));
        set("closes_on", a.closes_on.map(|d| Value::from(d.to_string())));
        set(
            "completion_deadline",
            a.completion_deadline.map(|d| Value::from(d.to_string())),
        );
        items.push(serde_json::json!({
            "version": e.sequence,
            "reason": a.reason,
            "recorded_at": e.metadata.get("recorded_at"),
            "changes": changes,
        }));
    }
    let next_cursor = (events.len() > limit as usize)
        .then(|| events.get(limit as usize - 1))
        .flatten()
        .map(|last| {
            Cursor {
                sort_key: last.sequence.to_string(),
                id: id.clone(),
            }
            .encode()
        });
    Ok(axum::Json(Page { items, next_cursor }).into_response())
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
