//! Bids (揭榜申报): submission, amendment, withdrawal, attachments, formal check, review, 公示,
//! and the per-party reads. Who sees what is decided here, from the bid view.

use std::collections::BTreeMap;

use axum::body::Bytes;
use axum::extract::{DefaultBodyLimit, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use bid::{
    AssessBid, AssignReviewers, Attachment, BidCommand, BidContent, CallFacts, FileObjection,
    Member, ProposedMilestone, Recommendation, ReviewerRef, SubTopic, SubmitBid,
};
use chrono::{NaiveDate, SecondsFormat};
use kernel::{Money, OrgCode, Role};
use projections::{
    BidPartyView, BidView, ChallengeView, Cursor, ListQuery, Page, ReviewAssignmentView,
};
use serde::Deserialize;
use serde_json::{json, Value};

use super::common::{org_code, page, status_in, EmptyDto, ListParams};
use super::Routes;
use crate::auth::Caller;
use crate::execute::{representation, CommandCall, IfMatch, RequestId};
use crate::extract::{Body, OptionalBody, Path, Query};
use crate::{ApiError, AppState};
use app::AppError;

mod score_sheet;

/// Largest attachment accepted, in bytes.
pub(crate) const MAX_ATTACHMENT_BYTES: usize = 10 * 1024 * 1024;

/// Media types accepted as attachments, with the leading bytes their content must start with.
const ATTACHMENT_TYPES: [(&str, &[u8]); 5] = [
    ("application/pdf", b"%PDF-"),
    ("image/png", b"\x89PNG\r\n\x1a\n"),
    ("image/jpeg", b"\xff\xd8\xff"),
    (
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        b"PK\x03\x04",
    ),
    (
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        b"PK\x03\x04",
    ),
];

pub(super) fn routes(r: Routes) -> Routes {
    r.route(
        "/v1/challenges/{id}/bids",
        &["get", "post"],
        get(list_call_bids).post(submit_bid),
    )
    .route("/v1/bids/{id}", &["get"], get(get_bid))
    .route("/v1/bids/{id}/amend", &["post"], post(amend_bid))
    .route("/v1/bids/{id}/withdraw", &["post"], post(withdraw_bid))
    .route(
        "/v1/bids/{id}/attachments",
        &["get", "post"],
        get(list_attachments)
            .post(upload_attachment)
            .layer(DefaultBodyLimit::max(MAX_ATTACHMENT_BYTES)),
    )
    .route(
        "/v1/bids/{id}/attachments/{sha256}",
        &["get"],
        get(download_attachment),
    )
    .route(
        "/v1/bids/{id}/formal-check",
        &["post"],
        post(record_formal_check),
    )
    .route("/v1/bids/{id}/reviewers", &["post"], post(assign_reviewers))
    .route("/v1/bids/{id}/recusal", &["post"], post(recuse))
    .route("/v1/bids/{id}/assessments", &["post"], post(assess))
    .route(
        "/v1/bids/{id}/assessments/correction",
        &["post"],
        post(correct_assessment),
    )
    .route("/v1/bids/{id}/defence", &["post"], post(record_defence))
    .route(
        "/v1/bids/{id}/review-conclusion",
        &["post"],
        post(conclude_review),
    )
    .route(
        "/v1/bids/{id}/public-notice",
        &["post"],
        post(start_public_notice),
    )
    .route(
        "/v1/bids/{id}/public-notice/end",
        &["post"],
        post(end_public_notice),
    )
    .route("/v1/bids/{id}/objections", &["post"], post(file_objection))
    .route(
        "/v1/bids/{id}/objections/{no}/resolution",
        &["post"],
        post(resolve_objection),
    )
    .route("/v1/me/bids", &["get"], get(my_bids))
    .route("/v1/me/reviews", &["get"], get(my_reviews))
}

// ---------- DTOs ----------

/// `BidMember` in the OpenAPI document.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct MemberDto {
    org: String,
    name: String,
}

/// `BidSubTopic` in the OpenAPI document.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct SubTopicDto {
    title: String,
    responsible: String,
    budget_share_fen: i64,
}

/// `BidMilestone` in the OpenAPI document.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct MilestoneDto {
    title: String,
    due: NaiveDate,
    tranche_fen: i64,
}

/// `BidSubmission` (with `lead_name`) and `BidAmendment` (without) in the OpenAPI document.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct BidDto {
    lead_name: Option<String>,
    title: String,
    team_lead: String,
    technical_plan: String,
    requested_fen: i64,
    #[serde(default)]
    members: Vec<MemberDto>,
    #[serde(default)]
    subtopics: Vec<SubTopicDto>,
    joint_agreement_ref: Option<String>,
    milestones: Vec<MilestoneDto>,
}

impl BidDto {
    fn content(self) -> Result<(Option<String>, BidContent), ApiError> {
        let members = self
            .members
            .into_iter()
            .enumerate()
            .map(|(i, m)| {
                Ok(Member {
                    org: org_code(&format!("members[{i}].org"), &m.org)?,
                    name: m.name,
                })
            })
            .collect::<Result<Vec<_>, ApiError>>()?;
        let subtopics = self
            .subtopics
            .into_iter()
            .enumerate()
            .map(|(i, s)| {
                Ok(SubTopic {
                    responsible: org_code(&format!("subtopics[{i}].responsible"), &s.responsible)?,
                    title: s.title,
                    budget_share: Money::from_fen(s.budget_share_fen),
                })
            })
            .collect::<Result<Vec<_>, ApiError>>()?;
        let milestones = self
            .milestones
            .into_iter()
            .map(|m| ProposedMilestone {
                title: m.title,
                due: m.due,
                tranche: Money::from_fen(m.tranche_fen),
            })
            .collect();
        Ok((
            self.lead_name,
            BidContent {
                title: self.title,
                team_lead: self.team_lead,
                technical_plan: self.technical_plan,
                requested: Money::from_fen(self.requested_fen),
                members,
                subtopics,
                joint_agreement_ref: self.joint_agreement_ref,
                milestones,
            },
        ))
    }
}

/// `ReasonRequest` in the OpenAPI document.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct ReasonDto {
    reason: String,
}

/// `FormalCheck` in the OpenAPI document.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct FormalCheckDto {
    passed: bool,
    #[serde(default)]
    defects: Vec<String>,
}

/// `ReviewerAssignment` in the OpenAPI document.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct ReviewersDto {
    reviewers: Vec<ReviewerDto>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct ReviewerDto {
    id: String,
    org: String,
}

/// `AssessmentRequest` (and, with `reason`, `AssessmentCorrection`) in the OpenAPI document.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct AssessmentDto {
    scores: BTreeMap<String, u8>,
    recommendation: Recommendation,
    comment: String,
    reason: Option<String>,
}

impl Default for AssessmentDto {
    fn default() -> Self {
        AssessmentDto {
            scores: BTreeMap::new(),
            recommendation: Recommendation::NotRecommend,
            comment: String::new(),
            reason: None,
        }
    }
}

/// `Defence` in the OpenAPI document.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct DefenceDto {
    held_on: NaiveDate,
    panel: Vec<String>,
    summary: String,
}

/// `ReviewConclusionRequest` in the OpenAPI document.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct ConclusionDto {
    recommended: bool,
    #[serde(default)]
    note: String,
}

/// `PublicNoticeRequest` in the OpenAPI document.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct NoticeDto {
    from: NaiveDate,
    to: NaiveDate,
}

/// `ObjectionRequest` in the OpenAPI document.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct ObjectionDto {
    objector_name: String,
    objector_org: Option<String>,
    grounds: String,
    evidence_ref: Option<String>,
}

/// `ObjectionResolution` in the OpenAPI document.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct ResolutionDto {
    upheld: bool,
    reason: String,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct UploadParams {
    name: String,
}

// ---------- shared reads ----------

fn internal(e: impl std::fmt::Display) -> ApiError {
    ApiError::App(AppError::Internal(e.to_string()))
}

/// The call as the bid commands need it; drafts do not exist for bidders.
pub(crate) async fn call_of(
    state: &AppState,
    challenge_id: &str,
) -> Result<(CallFacts, ChallengeView), ApiError> {
    let missing = || ApiError::App(AppError::NotFound(format!("no challenge {challenge_id}")));
    let value = state
        .store()
        .view(ChallengeView::NAME, challenge_id)
        .await?
        .ok_or_else(missing)?;
    let view: ChallengeView = serde_json::from_value(value).map_err(internal)?;
    if view.status == "draft" {
        return Err(missing());
    }
    let terms = view.terms.clone().ok_or_else(missing)?;
    Ok((
        CallFacts {
            challenge_id: challenge_id.to_string(),
            programme: terms.programme,
            status: view.status.clone(),
            opens_on: terms.opens_on,
            closes_on: terms.closes_on,
            budget_cap: terms.budget_cap,
            completion_deadline: terms.completion_deadline,
            demand_owner: terms.demand_owner,
        },
        view,
    ))
}

async fn bid_of(state: &AppState, id: &str) -> Result<(BidView, Value), ApiError> {
    let value = state
        .store()
        .view(BidView::NAME, id)
        .await?
        .ok_or_else(|| ApiError::App(AppError::NotFound(format!("no bid {id}"))))?;
    let view: BidView = serde_json::from_value(value.clone()).map_err(internal)?;
    Ok((view, value))
}

/// Who is reading a bid, which decides what they see.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Audience {
    /// Officer or auditor: everything.
    Full,
    /// The lead or a member: their bid, without who reviewed it or the scores of each expert.
    Party,
    /// A seated expert: the bid and only their own assessments.
    Reviewer(String),
    /// Anyone, once the bid is publicly noticed (公示): what the notice publishes.
    Public,
}

fn audience(caller: &Caller, view: &BidView) -> Option<Audience> {
    let actor = &caller.0;
    if caller.sees_all() {
        return Some(Audience::Full);
    }
    if actor.has(Role::Applicant) && actor.org.as_ref().is_some_and(|o| view.is_party(o)) {
        return Some(Audience::Party);
    }
    if actor.has(Role::Reviewer) && view.has_reviewer(&actor.sub) {
        return Some(Audience::Reviewer(actor.sub.clone()));
    }
    if view.notice.is_some() {
        return Some(Audience::Public);
    }
    None
}

/// Lead and members of the bid (申报单位).
const PARTY: u8 = 1;
/// A seated expert (评审专家).
const REVIEWER: u8 = 2;
/// Anyone authenticated, once the 公示 has started.
const PUBLIC: u8 = 4;
/// Officers and auditors only.
const NOBODY_ELSE: u8 = 0;

/// Who besides officers and auditors may see each field of a bid: an allow-list, so a field
/// added to the view later stays hidden from everyone else until it is listed here (a test
/// checks that every field of the view is).
const BID_FIELDS: &[(&str, u8)] = &[
    ("id", PARTY | REVIEWER | PUBLIC),
    ("version", PARTY | REVIEWER | PUBLIC),
    ("status", PARTY | REVIEWER | PUBLIC),
    ("challenge_id", PARTY | REVIEWER | PUBLIC),
    ("programme", PARTY | REVIEWER),
    ("demand_owner", PARTY | REVIEWER),
    ("lead", PARTY | REVIEWER | PUBLIC),
    ("lead_name", PARTY | REVIEWER | PUBLIC),
    // The demand owner's handle on the anonymised shortlist.
    ("alias", NOBODY_ELSE),
    ("title", PARTY | REVIEWER | PUBLIC),
    ("team_lead", PARTY | REVIEWER | PUBLIC),
    ("technical_plan", PARTY | REVIEWER),
    ("requested_fen", PARTY | REVIEWER | PUBLIC),
    ("members", PARTY | REVIEWER | PUBLIC),
    ("subtopics", PARTY | REVIEWER),
    ("joint_agreement_ref", PARTY | REVIEWER),
    ("milestones", PARTY | REVIEWER),
    ("revision", PARTY | REVIEWER),
    ("revisions", PARTY | REVIEWER),
    ("submissions", PARTY | REVIEWER),
    ("submitted_on", PARTY | REVIEWER),
    ("call_cap_fen", PARTY | REVIEWER),
    ("attachments", PARTY | REVIEWER),
    ("withdrawal", PARTY | REVIEWER),
    ("formal_check", PARTY | REVIEWER),
    // Who reviews is not told to the team.
    ("panel", NOBODY_ELSE),
    // A seated expert sees only their own assessments (filtered below).
    ("assessments", REVIEWER),
    ("defence", PARTY | REVIEWER),
    ("review", PARTY),
    ("demand_owner_opinion", NOBODY_ELSE),
    ("notice", PARTY | REVIEWER | PUBLIC),
    ("objections", PARTY),
    ("award", PARTY),
    ("created_at", PARTY | REVIEWER),
    ("updated_at", PARTY | REVIEWER),
];

/// What the team sees of the review conclusion: not the officer's note.
const REVIEW_FIELDS_FOR_PARTY: &[&str] = &["mean_score_x100", "assessments_counted", "recommended"];

/// What the team sees of an objection: not who objected.
const OBJECTION_FIELDS_FOR_PARTY: &[&str] =
    &["no", "grounds", "evidence_ref", "filed_on", "resolution"];

fn keep_only(value: &mut Value, allowed: impl Fn(&str) -> bool) {
    if let Some(map) = value.as_object_mut() {
        map.retain(|k, _| allowed(k));
    }
}

/// The bid document trimmed to what `audience` may see.
fn shaped(mut value: Value, audience: &Audience) -> Value {
    let bit = match audience {
        Audience::Full => return value,
        Audience::Party => PARTY,
        Audience::Reviewer(_) => REVIEWER,
        Audience::Public => PUBLIC,
    };
    keep_only(&mut value, |k| {
        BID_FIELDS
            .iter()
            .any(|(field, who)| *field == k && who & bit != 0)
    });
    match audience {
        Audience::Party => {
            if let Some(review) = value.get_mut("review") {
                keep_only(review, |k| REVIEW_FIELDS_FOR_PARTY.contains(&k));
            }
            if let Some(Value::Array(objections)) = value.get_mut("objections") {
                for o in objections {
                    keep_only(o, |k| OBJECTION_FIELDS_FOR_PARTY.contains(&k));
                }
            }
        }
        Audience::Reviewer(sub) => {
            if let Some(Value::Array(assessments)) = value.get_mut("assessments") {
                assessments.retain(|a| a.get("reviewer").and_then(Value::as_str) == Some(sub));
            }
        }
        Audience::Full | Audience::Public => {}
    }
    value
}

async fn readable_bid(
    state: &AppState,
    caller: &Caller,
    id: &str,
) -> Result<(BidView, Audience, Value), ApiError> {
    let (view, value) = bid_of(state, id).await?;
    let audience = audience(caller, &view)
        .ok_or_else(|| ApiError::App(AppError::NotFound(format!("no bid {id}"))))?;
    Ok((view, audience, value))
}

async fn bid_response(
    state: &AppState,
    caller: &Caller,
    id: &str,
    status: StatusCode,
) -> Result<Response, ApiError> {
    let (_, audience, value) = readable_bid(state, caller, id).await?;
    let location = (status == StatusCode::CREATED).then(|| format!("/v1/bids/{id}"));
    Ok(representation(status, shaped(value, &audience), location))
}

/// The statuses a bid list may be filtered by (`BidStatus` in api-spec/openapi.yaml).
const STATUSES: [&str; 12] = [
    "submitted",
    "formally_rejected",
    "compliant",
    "under_review",
    "reviewed",
    "not_recommended",
    "in_public_notice",
    "cleared",
    "disqualified",
    "awarded",
    "not_selected",
    "withdrawn",
];

fn page_params(params: &ListParams) -> Result<(u32, Option<Cursor>), ApiError> {
    page(params.limit, params.cursor.as_deref())
}

fn caller_org(caller: &Caller) -> Result<&OrgCode, ApiError> {
    caller.0.org.as_ref().ok_or_else(|| {
        ApiError::App(AppError::Forbidden(
            "the token names no organisation".into(),
        ))
    })
}

// ---------- commands ----------

/// Runs a command on an existing bid. A caller who may not read the bid gets 404, as for a
/// bid that does not exist: bid ids derive from (call, organisation), so a refusal must not
/// confirm that an organisation has bid.
async fn run(
    state: &AppState,
    call: CommandCall<'_>,
    id: &str,
    name: &str,
    command: BidCommand,
) -> Result<(), ApiError> {
    readable_bid(state, &Caller(call.actor.clone()), id).await?;
    Ok(call
        .run(state, state.bids(), id, true, name, command)
        .await?)
}

async fn submit_bid(
    State(state): State<AppState>,
    caller: Caller,
    request_id: RequestId,
    Path(challenge_id): Path<String>,
    Body(dto): Body<BidDto>,
) -> Result<Response, ApiError> {
    let actor = caller.require(Role::Applicant)?;
    let lead = caller_org(&caller)?.clone();
    let (lead_name, content) = dto.content()?;
    let lead_name = lead_name.ok_or_else(|| {
        ApiError::field("lead_name", "required", "missing field `lead_name`".into())
    })?;
    let (call, _) = call_of(&state, &challenge_id).await?;
    let mut orgs = vec![lead.clone()];
    orgs.extend(content.members.iter().map(|m| m.org.clone()));
    let id = bid::bid_id(&challenge_id, &lead).to_string();
    let alias = state.ids().new_id().to_string();
    // The bars are read in the command's own transaction (domain.md ).
    let command = |bars| {
        BidCommand::Submit(SubmitBid {
            call: call.clone(),
            lead: lead.clone(),
            lead_name: lead_name.clone(),
            alias: alias.clone(),
            content: content.clone(),
            bars,
        })
    };
    let runner = CommandCall::new(actor, &request_id, IfMatch(None));
    let today = state.clock().today();
    // Two submissions of one organisation race for the stream's first sequence number; the
    // loser runs again on the stream as it now stands and is refused as a duplicate live bid.
    let mut result = runner
        .run_barred(
            &state,
            state.bids(),
            &id,
            false,
            "SubmitBid",
            &orgs,
            today,
            command,
        )
        .await;
    if matches!(result, Err(AppError::ConcurrencyConflict)) {
        result = runner
            .run_barred(
                &state,
                state.bids(),
                &id,
                false,
                "SubmitBid",
                &orgs,
                today,
                command,
            )
            .await;
    }
    result?;
    bid_response(&state, &caller, &id, StatusCode::CREATED).await
}

async fn amend_bid(
    State(state): State<AppState>,
    caller: Caller,
    request_id: RequestId,
    if_match: IfMatch,
    Path(id): Path<String>,
    Body(dto): Body<BidDto>,
) -> Result<Response, ApiError> {
    let actor = caller.require(Role::Applicant)?;
    let by = caller_org(&caller)?.clone();
    let (lead_name, content) = dto.content()?;
    if lead_name.is_some() {
        return Err(ApiError::field(
            "lead_name",
            "unknown_field",
            "the lead cannot be changed by an amendment".into(),
        ));
    }
    let (view, _) = bid_of(&state, &id).await?;
    let (call, _) = call_of(&state, &view.challenge_id).await?;
    let mut orgs = vec![by.clone()];
    orgs.extend(content.members.iter().map(|m| m.org.clone()));
    readable_bid(&state, &caller, &id).await?;
    CommandCall::new(actor, &request_id, if_match)
        .run_barred(
            &state,
            state.bids(),
            &id,
            true,
            "AmendBid",
            &orgs,
            state.clock().today(),
            |bars| BidCommand::Amend {
                by: by.clone(),
                call: call.clone(),
                content: content.clone(),
                bars,
            },
        )
        .await?;
    bid_response(&state, &caller, &id, StatusCode::OK).await
}

async fn withdraw_bid(
    State(state): State<AppState>,
    caller: Caller,
    request_id: RequestId,
    if_match: IfMatch,
    Path(id): Path<String>,
    Body(dto): Body<ReasonDto>,
) -> Result<Response, ApiError> {
    let actor = caller.require(Role::Applicant)?;
    let by = caller_org(&caller)?.clone();
    let command = BidCommand::Withdraw {
        by,
        reason: dto.reason,
    };
    run(
        &state,
        CommandCall::new(actor, &request_id, if_match),
        &id,
        "WithdrawBid",
        command,
    )
    .await?;
    bid_response(&state, &caller, &id, StatusCode::OK).await
}

async fn officer_command(
    state: &AppState,
    caller: &Caller,
    request_id: &RequestId,
    if_match: IfMatch,
    id: &str,
    name: &str,
    command: BidCommand,
) -> Result<Response, ApiError> {
    let actor = caller.require(Role::Officer)?;
    run(
        state,
        CommandCall::new(actor, request_id, if_match),
        id,
        name,
        command,
    )
    .await?;
    bid_response(state, caller, id, StatusCode::OK).await
}

async fn record_formal_check(
    State(state): State<AppState>,
    caller: Caller,
    request_id: RequestId,
    if_match: IfMatch,
    Path(id): Path<String>,
    Body(dto): Body<FormalCheckDto>,
) -> Result<Response, ApiError> {
    caller.require(Role::Officer)?;
    let (view, _) = bid_of(&state, &id).await?;
    let (call, _) = call_of(&state, &view.challenge_id).await?;
    let command = BidCommand::RecordFormalCheck {
        call,
        passed: dto.passed,
        defects: dto.defects,
    };
    officer_command(
        &state,
        &caller,
        &request_id,
        if_match,
        &id,
        "RecordFormalCheck",
        command,
    )
    .await
}

async fn assign_reviewers(
    State(state): State<AppState>,
    caller: Caller,
    request_id: RequestId,
    if_match: IfMatch,
    Path(id): Path<String>,
    Body(dto): Body<ReviewersDto>,
) -> Result<Response, ApiError> {
    let reviewers = dto
        .reviewers
        .into_iter()
        .enumerate()
        .map(|(i, r)| {
            Ok(ReviewerRef {
                org: org_code(&format!("reviewers[{i}].org"), &r.org)?,
                id: r.id,
            })
        })
        .collect::<Result<Vec<_>, ApiError>>()?;
    let command = BidCommand::AssignReviewers(AssignReviewers { reviewers });
    officer_command(
        &state,
        &caller,
        &request_id,
        if_match,
        &id,
        "AssignReviewers",
        command,
    )
    .await
}

async fn reviewer_command(
    state: &AppState,
    caller: &Caller,
    request_id: &RequestId,
    if_match: IfMatch,
    id: &str,
    name: &str,
    command: BidCommand,
) -> Result<Response, ApiError> {
    let actor = caller.require(Role::Reviewer)?;
    run(
        state,
        CommandCall::new(actor, request_id, if_match),
        id,
        name,
        command,
    )
    .await?;
    bid_response(state, caller, id, StatusCode::OK).await
}

async fn recuse(
    State(state): State<AppState>,
    caller: Caller,
    request_id: RequestId,
    if_match: IfMatch,
    Path(id): Path<String>,
    Body(dto): Body<ReasonDto>,
) -> Result<Response, ApiError> {
    let command = BidCommand::Recuse {
        reviewer: caller.0.sub.clone(),
        reviewer_org: caller.0.org.clone(),
        reason: dto.reason,
    };
    reviewer_command(
        &state,
        &caller,
        &request_id,
        if_match,
        &id,
        "RecuseReviewer",
        command,
    )
    .await
}

fn assessment_of(caller: &Caller, dto: AssessmentDto) -> AssessBid {
    AssessBid {
        reviewer: caller.0.sub.clone(),
        reviewer_org: caller.0.org.clone(),
        scores: dto.scores.into_iter().collect(),
        recommendation: dto.recommendation,
        comment: dto.comment,
    }
}

async fn assess(
    State(state): State<AppState>,
    caller: Caller,
    request_id: RequestId,
    if_match: IfMatch,
    Path(id): Path<String>,
    Body(dto): Body<AssessmentDto>,
) -> Result<Response, ApiError> {
    if dto.reason.is_some() {
        return Err(ApiError::field(
            "reason",
            "unknown_field",
            "a first assessment has no correction reason".into(),
        ));
    }
    let command = BidCommand::Assess(assessment_of(&caller, dto));
    reviewer_command(
        &state,
        &caller,
        &request_id,
        if_match,
        &id,
        "RecordAssessment",
        command,
    )
    .await
}

async fn correct_assessment(
    State(state): State<AppState>,
    caller: Caller,
    request_id: RequestId,
    if_match: IfMatch,
    Path(id): Path<String>,
    Body(mut dto): Body<AssessmentDto>,
) -> Result<Response, ApiError> {
    let reason = dto.reason.take().unwrap_or_default();
    let command = BidCommand::CorrectAssessment {
        assessment: assessment_of(&caller, dto),
        reason,
    };
    reviewer_command(
        &state,
        &caller,
        &request_id,
        if_match,
        &id,
        "CorrectAssessment",
        command,
    )
    .await
}

async fn record_defence(
    State(state): State<AppState>,
    caller: Caller,
    request_id: RequestId,
    if_match: IfMatch,
    Path(id): Path<String>,
    Body(dto): Body<DefenceDto>,
) -> Result<Response, ApiError> {
    let command = BidCommand::RecordDefence {
        held_on: dto.held_on,
        panel: dto.panel,
        summary: dto.summary,
    };
    officer_command(
        &state,
        &caller,
        &request_id,
        if_match,
        &id,
        "RecordDefence",
        command,
    )
    .await
}

async fn conclude_review(
    State(state): State<AppState>,
    caller: Caller,
    request_id: RequestId,
    if_match: IfMatch,
    Path(id): Path<String>,
    Body(dto): Body<ConclusionDto>,
) -> Result<Response, ApiError> {
    let command = BidCommand::ConcludeReview {
        recommended: dto.recommended,
        note: dto.note,
    };
    officer_command(
        &state,
        &caller,
        &request_id,
        if_match,
        &id,
        "ConcludeReview",
        command,
    )
    .await
}

async fn start_public_notice(
    State(state): State<AppState>,
    caller: Caller,
    request_id: RequestId,
    if_match: IfMatch,
    Path(id): Path<String>,
    Body(dto): Body<NoticeDto>,
) -> Result<Response, ApiError> {
    let command = BidCommand::StartPublicNotice {
        from: dto.from,
        to: dto.to,
    };
    officer_command(
        &state,
        &caller,
        &request_id,
        if_match,
        &id,
        "StartPublicNotice",
        command,
    )
    .await
}

async fn end_public_notice(
    State(state): State<AppState>,
    caller: Caller,
    request_id: RequestId,
    if_match: IfMatch,
    Path(id): Path<String>,
    Body(EmptyDto {}): OptionalBody<EmptyDto>,
) -> Result<Response, ApiError> {
    officer_command(
        &state,
        &caller,
        &request_id,
        if_match,
        &id,
        "EndPublicNotice",
        BidCommand::EndPublicNotice,
    )
    .await
}

async fn file_objection(
    State(state): State<AppState>,
    caller: Caller,
    request_id: RequestId,
    Path(id): Path<String>,
    Body(dto): Body<ObjectionDto>,
) -> Result<Response, ApiError> {
    let objector_org = match &dto.objector_org {
        Some(text) => Some(org_code("objector_org", text)?),
        None => None,
    };
    let command = BidCommand::FileObjection(FileObjection {
        objector_sub: caller.0.sub.clone(),
        objector_name: dto.objector_name,
        objector_org,
        grounds: dto.grounds,
        evidence_ref: dto.evidence_ref,
    });
    run(
        &state,
        CommandCall::new(&caller.0, &request_id, IfMatch(None)),
        &id,
        "FileObjection",
        command,
    )
    .await?;
    let (_, audience, value) = readable_bid(&state, &caller, &id).await?;
    Ok(representation(
        StatusCode::CREATED,
        shaped(value, &audience),
        Some(format!("/v1/bids/{id}")),
    ))
}

async fn resolve_objection(
    State(state): State<AppState>,
    caller: Caller,
    request_id: RequestId,
    if_match: IfMatch,
    Path((id, no)): Path<(String, u32)>,
    Body(dto): Body<ResolutionDto>,
) -> Result<Response, ApiError> {
    let command = BidCommand::ResolveObjection {
        no,
        upheld: dto.upheld,
        reason: dto.reason,
    };
    officer_command(
        &state,
        &caller,
        &request_id,
        if_match,
        &id,
        "ResolveObjection",
        command,
    )
    .await
}

// ---------- attachments ----------

async fn upload_attachment(
    State(state): State<AppState>,
    caller: Caller,
    request_id: RequestId,
    Path(id): Path<String>,
    Query(params): Query<UploadParams>,
    headers: HeaderMap,
    bytes: Bytes,
) -> Result<Response, ApiError> {
    let actor = caller.require(Role::Applicant)?;
    let by = caller_org(&caller)?.clone();
    let name = params.name.trim().to_string();
    if name.is_empty() || name.len() > 200 || name.contains(['/', '\\']) {
        return Err(ApiError::BadRequest {
            code: "invalid_attachment_name",
            detail: "name is a plain file name of 1 to 200 characters".into(),
        });
    }
    let content_type = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .map(|v| v.split(';').next().unwrap_or(v).trim().to_ascii_lowercase())
        .unwrap_or_default();
    let Some((_, magic)) = ATTACHMENT_TYPES.iter().find(|(t, _)| *t == content_type) else {
        return Err(ApiError::UnsupportedMediaType);
    };
    if bytes.is_empty() || !bytes.starts_with(magic) {
        return Err(ApiError::BadRequest {
            code: "attachment_content_mismatch",
            detail: format!("the content is not {content_type}"),
        });
    }
    let (view, _, _) = readable_bid(&state, &caller, &id).await?;
    if view.lead.as_ref() != Some(&by) {
        return Err(ApiError::App(AppError::Forbidden(
            "only the lead organisation attaches documents".into(),
        )));
    }
    let (call, _) = call_of(&state, &view.challenge_id).await?;
    let now = state
        .clock()
        .now()
        .to_rfc3339_opts(SecondsFormat::Micros, true);
    // Content-addressed: storing bytes a refused command never references is harmless.
    let sha256 = state
        .store()
        .put_attachment(&content_type, &bytes, &now)
        .await?;
    let attachment = Attachment {
        name,
        content_type,
        size: bytes.len() as u64,
        sha256: sha256.clone(),
    };
    run(
        &state,
        CommandCall::new(actor, &request_id, IfMatch(None)),
        &id,
        "AttachDocument",
        BidCommand::Attach {
            by,
            call,
            attachment: attachment.clone(),
        },
    )
    .await?;
    let body = serde_json::to_value(&attachment).map_err(internal)?;
    Ok(representation(
        StatusCode::CREATED,
        body,
        Some(format!("/v1/bids/{id}/attachments/{sha256}")),
    ))
}

async fn list_attachments(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<axum::Json<Value>, ApiError> {
    let (view, audience, _) = readable_bid(&state, &caller, &id).await?;
    if audience == Audience::Public {
        return Err(ApiError::App(AppError::NotFound(format!("no bid {id}"))));
    }
    Ok(axum::Json(json!({ "items": view.attachments })))
}

async fn download_attachment(
    State(state): State<AppState>,
    caller: Caller,
    Path((id, sha256)): Path<(String, String)>,
) -> Result<Response, ApiError> {
    let (view, audience, _) = readable_bid(&state, &caller, &id).await?;
    let listed = view
        .attachments
        .iter()
        .any(|a| a.attachment.sha256 == sha256);
    if audience == Audience::Public || !listed {
        return Err(ApiError::App(AppError::NotFound(format!(
            "no attachment {sha256}"
        ))));
    }
    let stored = state.store().attachment(&sha256).await?.ok_or_else(|| {
        ApiError::App(AppError::Internal(format!(
            "attachment {sha256} is listed but absent"
        )))
    })?;
    let mut headers = HeaderMap::new();
    if let Ok(v) = HeaderValue::from_str(&stored.content_type) {
        headers.insert(header::CONTENT_TYPE, v);
    }
    if let Ok(v) = HeaderValue::from_str(&format!("\"{sha256}\"")) {
        headers.insert(header::ETAG, v);
    }
    Ok((StatusCode::OK, headers, stored.bytes).into_response())
}

// ---------- reads ----------

async fn get_bid(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    bid_response(&state, &caller, &id, StatusCode::OK).await
}

/// The officer's list of a call's bids, ranked by mean score (best first), then unranked bids
/// in submission order; with `Accept: text/csv`, the whole list as a score sheet.
async fn list_call_bids(
    State(state): State<AppState>,
    caller: Caller,
    headers: HeaderMap,
    Path(challenge_id): Path<String>,
    Query(params): Query<ListParams>,
) -> Result<Response, ApiError> {
    if !caller.sees_all() {
        return Err(ApiError::App(AppError::Forbidden(
            "the ranked list is for officers and auditors".into(),
        )));
    }
    status_in(params.status.as_deref(), &STATUSES)?;
    let (limit, after) = page_params(&params)?;
    let (call, _) = call_of(&state, &challenge_id).await?;
    if super::csv::wanted(&headers) {
        let bids = state
            .store()
            .rows(BidView::NAME, Some(&challenge_id))
            .await?
            .into_iter()
            .map(|v| serde_json::from_value::<BidView>(v).map_err(internal))
            .collect::<Result<Vec<_>, _>>()?;
        let criteria = state
            .programmes()
            .get(&call.programme)
            .map(|p| p.review_criteria.clone())
            .unwrap_or_default();
        let rows = score_sheet::rows(&criteria, bids, |b| {
            params.status.as_deref().is_none_or(|s| s == b.status)
        });
        let columns = score_sheet::columns(&criteria);
        let columns: Vec<&str> = columns.iter().map(String::as_str).collect();
        return Ok(super::csv::response(
            &format!("bids-{challenge_id}.csv"),
            &columns,
            &rows,
        ));
    }
    let query = ListQuery {
        status: params.status,
        parent: Some(challenge_id),
        after,
        limit,
        ..Default::default()
    };
    Ok(axum::Json(
        state
            .store()
            .list(projections::BidRankingView::NAME, &query)
            .await?,
    )
    .into_response())
}

/// The caller's organisation's bids, as lead or member.
async fn my_bids(
    State(state): State<AppState>,
    caller: Caller,
    Query(params): Query<ListParams>,
) -> Result<axum::Json<Page<Value>>, ApiError> {
    caller.require(Role::Applicant)?;
    let org = caller_org(&caller)?.clone();
    status_in(params.status.as_deref(), &STATUSES)?;
    let (limit, after) = page_params(&params)?;
    let query = ListQuery {
        owner: Some(org.to_string()),
        after,
        limit,
        ..Default::default()
    };
    let page = state.store().list(BidPartyView::NAME, &query).await?;
    let mut items = Vec::with_capacity(page.items.len());
    for row in page.items {
        let party: BidPartyView = serde_json::from_value(row).map_err(internal)?;
        let Ok((view, value)) = bid_of(&state, &party.bid_id).await else {
            continue;
        };
        // A member dropped by an amendment keeps its index row but no longer sees the bid.
        if !view.is_party(&org) {
            continue;
        }
        if params.status.as_deref().is_some_and(|s| s != view.status) {
            continue;
        }
        items.push(shaped(value, &Audience::Party));
    }
    Ok(axum::Json(Page {
        items,
        next_cursor: page.next_cursor,
    }))
}

/// A reviewer's queue: assignments (pending by default) with the bid's title and call.
async fn my_reviews(
    State(state): State<AppState>,
    caller: Caller,
    Query(params): Query<ListParams>,
) -> Result<axum::Json<Page<Value>>, ApiError> {
    let actor = caller.require(Role::Reviewer)?;
    let (limit, after) = page_params(&params)?;
    let status = params.status.unwrap_or_else(|| "pending".into());
    if status != "all"
        && !["pending", "assessed", "recused", "cancelled"].contains(&status.as_str())
    {
        return Err(ApiError::BadRequest {
            code: "invalid_query",
            detail: "status is pending, assessed, recused, cancelled or all".into(),
        });
    }
    let query = ListQuery {
        owner: Some(actor.sub.clone()),
        status: (status != "all").then_some(status),
        after,
        limit,
        ..Default::default()
    };
    let page = state
        .store()
        .list(ReviewAssignmentView::NAME, &query)
        .await?;
    let mut items = Vec::with_capacity(page.items.len());
    for row in page.items {
        let task: ReviewAssignmentView = serde_json::from_value(row).map_err(internal)?;
        let (view, _) = bid_of(&state, &task.bid_id).await?;
        items.push(json!({
            "bid_id": task.bid_id,
            "status": task.status,
            "assigned_at": task.assigned_at,
            "assessed_at": task.assessed_at,
            "challenge_id": view.challenge_id,
            "programme": view.programme,
            "title": view.content.as_ref().map(|c| c.title.clone()),
            "bid_status": view.status,
        }));
    }
    Ok(axum::Json(Page {
        items,
        next_cursor: page.next_cursor,
    }))
}

#[cfg(test)]
mod audience_tests {
    use super::*;

    fn full_bid() -> Value {
        let content = bid::BidContent {
            title: "t".into(),
            team_lead: "张三".into(),
            technical_plan: "p".into(),
            requested: kernel::Money::from_fen(1),
            members: vec![],
            subtopics: vec![],
            joint_agreement_ref: Some("JA".into()),
            milestones: vec![],
        };
        let view = BidView {
            content: Some(content),
            ..BidView::default()
        };
        serde_json::to_value(view).unwrap()
    }

    #[test]
    fn every_field_of_the_bid_view_names_its_audiences() {
        let value = full_bid();
        for key in value.as_object().unwrap().keys() {
            assert!(
                BID_FIELDS.iter().any(|(field, _)| field == key),
                "the bid view's field `{key}` is not in BID_FIELDS: decide who may see it"
            );
        }
    }

    #[test]
    fn each_audience_sees_only_its_fields() {
        let value = full_bid();
        let public = shaped(value.clone(), &Audience::Public);
        assert!(public.get("technical_plan").is_none());
        assert!(public.get("title").is_some());
        let party = shaped(value.clone(), &Audience::Party);
        for hidden in ["panel", "assessments", "demand_owner_opinion", "alias"] {
            assert!(party.get(hidden).is_none(), "{hidden}");
        }
        let reviewer = shaped(value.clone(), &Audience::Reviewer("r1".into()));
        for hidden in [
            "panel",
            "review",
            "demand_owner_opinion",
            "objections",
            "alias",
            "award",
        ] {
            assert!(reviewer.get(hidden).is_none(), "{hidden}");
        }
        assert_eq!(shaped(value.clone(), &Audience::Full), value);
    }
}
