//! The 揭榜申报 bid aggregate: one team's answer to a published call, from submission through the
//! formal check (形式审查), expert review (专家评审) and public notice (公示) to the award decision.
//!
//! One stream per (call, lead organisation); its id is [`bid_id`], a UUID v5 of the two, so that a
//! second simultaneous submission by the same organisation collides on the stream's first
//! sequence number instead of creating a second live bid. Rules live in [`Bid`]'s `handle`;
//! `apply` only assigns. See domain.md §3.b.

mod aggregate;
mod commands;
mod error;
mod events;
mod services;
#[cfg(test)]
mod tests;

pub use aggregate::{Bid, BidStatus, ReviewerSeat};
pub use commands::{AssessBid, AssignReviewers, BidCommand, CallFacts, FileObjection, SubmitBid};
pub use error::BidError;
pub use events::BidEvent;
pub use services::BidServices;

use chrono::NaiveDate;
use kernel::{Money, OrgCode};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// Namespace of bid stream ids (a fixed random UUID; never change it).
const BID_NAMESPACE: Uuid = Uuid::from_u128(0x6a1f_3c2e_8b4d_4f0a_9e57_c1d2_b3a4_9f10);

/// The stream id of the bid that `lead` places on call `challenge_id`: the same pair always gives
/// the same id, which is what makes "one live bid per organisation per call" atomic.
pub fn bid_id(challenge_id: &str, lead: &OrgCode) -> Uuid {
    Uuid::new_v5(
        &BID_NAMESPACE,
        format!("{challenge_id}/{}", lead.as_str()).as_bytes(),
    )
}

/// A joint member (联合揭榜成员单位) of a "项目+课题" bid.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Member {
    /// The member's 统一社会信用代码.
    pub org: OrgCode,
    /// The member's name.
    pub name: String,
}

/// A sub-topic (课题) of the project, undertaken by exactly one organisation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SubTopic {
    /// Title of the sub-topic.
    pub title: String,
    /// The one organisation responsible for it (the lead or a member).
    pub responsible: OrgCode,
    /// Its share of the requested budget (`budget_share_fen` on the wire).
    #[serde(rename = "budget_share_fen")]
    pub budget_share: Money,
}

/// A milestone the team proposes, with the tranche it would unlock.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProposedMilestone {
    /// What is delivered.
    pub title: String,
    /// When.
    pub due: NaiveDate,
    /// The tranche paid on it (`tranche_fen` on the wire).
    #[serde(rename = "tranche_fen")]
    pub tranche: Money,
}

/// What a bid proposes; replaced as a whole by an amendment.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BidContent {
    /// Project title.
    pub title: String,
    /// 项目负责人: the person who leads the team (挂帅).
    pub team_lead: String,
    /// The technical plan (技术方案) in summary.
    pub technical_plan: String,
    /// Amount requested (`requested_fen` on the wire).
    #[serde(rename = "requested_fen")]
    pub requested: Money,
    /// Joint members; empty for a single-organisation bid.
    pub members: Vec<Member>,
    /// Sub-topics (课题); required when there are members.
    pub subtopics: Vec<SubTopic>,
    /// Reference of the signed joint-bid agreement (联合揭榜协议); required with members.
    pub joint_agreement_ref: Option<String>,
    /// Proposed milestones; their tranches sum to the request.
    pub milestones: Vec<ProposedMilestone>,
}

/// A document attached to a bid; the bytes are stored elsewhere, addressed by `sha256`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Attachment {
    /// File name as uploaded.
    pub name: String,
    /// Media type.
    pub content_type: String,
    /// Size in bytes.
    pub size: u64,
    /// Lower-case hex SHA-256 of the bytes.
    pub sha256: String,
}

/// An expert assigned to review a bid (评审专家).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReviewerRef {
    /// The expert's subject id (token `sub`).
    pub id: String,
    /// The organisation the expert works for; checked for conflicts of interest.
    pub org: OrgCode,
}

/// A reviewer's overall verdict.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Recommendation {
    /// 推荐.
    Recommend,
    /// 不推荐.
    NotRecommend,
}

/// The score given on one criterion, with the weight it carried.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CriterionScore {
    /// Criterion id from the programme's configuration.
    pub criterion: String,
    /// Its weight in percent.
    pub weight: u8,
    /// The score, 0–100.
    pub score: u8,
}

/// One reviewer's assessment as recorded.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Assessment {
    /// Who assessed.
    pub reviewer: String,
    /// One score per criterion of the programme.
    pub scores: Vec<CriterionScore>,
    /// Σ score × weight: the weighted score in hundredths of a point (0–10000).
    pub weighted_score_x100: u32,
    /// The overall verdict.
    pub recommendation: Recommendation,
    /// The written comment.
    pub comment: String,
}

/// A written objection (异议) filed during the public notice.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Objection {
    /// Number within the bid, from 1.
    pub no: u32,
    /// The subject id of whoever filed it.
    pub objector_sub: String,
    /// The objector's real name.
    pub objector_name: String,
    /// The organisation the objector speaks for, if any.
    pub objector_org: Option<OrgCode>,
    /// The grounds.
    pub grounds: String,
    /// Reference to supporting evidence.
    pub evidence_ref: Option<String>,
    /// The day it was filed.
    pub filed_on: NaiveDate,
}
