use chrono::NaiveDate;
use cqrs_es::DomainEvent;
use kernel::{Money, OrgCode};
use serde::{Deserialize, Serialize};

use crate::{AwardMode, Target};

/// What happened to a challenge. Event names and versions never change once stored.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum ChallengeEvent {
    /// The call's terms were written.
    ChallengeDrafted {
        /// Programme id.
        programme: String,
        /// Title.
        title: String,
        /// 出题企业.
        demand_owner: OrgCode,
        /// Industry chain.
        industry_chain: String,
        /// Technical targets.
        targets: Vec<Target>,
        /// Cap per award, fen.
        budget_cap: Money,
        /// Award mode.
        mode: AwardMode,
        /// Window start.
        opens_on: NaiveDate,
        /// Window end (inclusive).
        closes_on: NaiveDate,
        /// Completion deadline.
        completion_deadline: NaiveDate,
    },
    /// The draft answers these pool needs (需求库); stored right after `ChallengeDrafted` when the
    /// call is drafted from needs. Each need's stream then records its adoption.
    NeedsAdopted {
        /// The needs' stream ids.
        needs: Vec<String>,
    },
    /// 发榜: the call was published.
    ChallengePublished {
        /// The date it was published.
        published_on: NaiveDate,
    },
    /// The call's terms changed.
    ChallengeAmended(ChallengeAmendment),
    /// The window ended and applications were closed.
    ApplicationsClosed {
        /// The date applications were closed.
        closed_on: NaiveDate,
    },
    /// 撤榜: the call was withdrawn.
    ChallengeCancelled {
        /// Why.
        reason: String,
    },
    /// 揭榜成功: the winners were named.
    ChallengeAwarded {
        /// The date of the decision.
        awarded_on: NaiveDate,
        /// The winners, one per project to create.
        winners: Vec<Winner>,
        /// Bids still in play that did not win.
        not_selected: Vec<String>,
    },
    /// 流榜: no bid qualified; the call ends without a winner.
    ChallengeUnfilled {
        /// The date of the decision.
        declared_on: NaiveDate,
        /// Why.
        reason: String,
        /// Bids still in play, now not selected.
        not_selected: Vec<String>,
    },
}

/// A winning bid and what it was awarded.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Winner {
    /// The bid's stream id.
    pub bid_id: String,
    /// 牵头单位.
    pub lead: OrgCode,
    /// Joint members.
    pub members: Vec<OrgCode>,
    /// The amount awarded (`amount_fen` on the wire).
    #[serde(rename = "amount_fen")]
    pub amount: Money,
    /// Lane number (from 1) in a horse race; `None` for a single winner.
    pub lane: Option<u8>,
}

/// The terms after an amendment, with the reason; only changed fields are `Some`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ChallengeAmendment {
    /// Why the call was amended.
    pub reason: String,
    /// New title.
    pub title: Option<String>,
    /// New industry chain.
    pub industry_chain: Option<String>,
    /// New targets.
    pub targets: Option<Vec<Target>>,
    /// New cap.
    pub budget_cap: Option<Money>,
    /// New window end.
    pub closes_on: Option<NaiveDate>,
    /// New completion deadline.
    pub completion_deadline: Option<NaiveDate>,
}

impl DomainEvent for ChallengeEvent {
    fn event_type(&self) -> String {
        match self {
            ChallengeEvent::ChallengeDrafted { .. } => "ChallengeDrafted",
            ChallengeEvent::NeedsAdopted { .. } => "NeedsAdopted",
            ChallengeEvent::ChallengePublished { .. } => "ChallengePublished",
            ChallengeEvent::ChallengeAmended(_) => "ChallengeAmended",
            ChallengeEvent::ApplicationsClosed { .. } => "ApplicationsClosed",
            ChallengeEvent::ChallengeCancelled { .. } => "ChallengeCancelled",
            ChallengeEvent::ChallengeAwarded { .. } => "ChallengeAwarded",
            ChallengeEvent::ChallengeUnfilled { .. } => "ChallengeUnfilled",
        }
        .to_string()
    }

    fn event_version(&self) -> String {
        "1.0".to_string()
    }
}
