use chrono::NaiveDate;
use kernel::{ActiveBar, Money, OrgCode};

use crate::{AwardMode, Target};

/// Commands a programme officer issues on a challenge.
#[derive(Debug, Clone, PartialEq)]
pub enum ChallengeCommand {
    /// Write the terms of a new call (榜单凝练).
    Draft(DraftChallenge),
    /// 发榜: open the call to bids.
    Publish,
    /// Change the terms of a draft or a published call, with a reason.
    Amend(AmendChallenge),
    /// Close applications once the window has ended.
    Close,
    /// 撤榜: withdraw the call before it is awarded.
    Cancel {
        /// Why the call is withdrawn.
        reason: String,
    },
    /// 揭榜成功: name the winners of a closed call and their amounts.
    Award(AwardChallenge),
    /// 流榜: close a call that has no cleared bid without a winner.
    DeclareUnfilled {
        /// Every bid on the call as it stands.
        candidates: Vec<BidFacts>,
        /// Why.
        reason: String,
    },
}

/// A bid on the call as the API read it from the bid streams when the command was issued.
#[derive(Debug, Clone, PartialEq)]
pub struct BidFacts {
    /// The bid's stream id.
    pub bid_id: String,
    /// 牵头单位.
    pub lead: OrgCode,
    /// Joint members.
    pub members: Vec<OrgCode>,
    /// The bid's status on the wire (`cleared`, `withdrawn`, …).
    pub status: String,
    /// The amount it requested.
    pub requested: Money,
}

/// One winner the officer names, with the amount awarded.
#[derive(Debug, Clone, PartialEq)]
pub struct WinnerPick {
    /// The bid's stream id.
    pub bid_id: String,
    /// The amount awarded.
    pub amount: Money,
}

/// The award decision.
#[derive(Debug, Clone, PartialEq)]
pub struct AwardChallenge {
    /// Every bid on the call as it stands.
    pub candidates: Vec<BidFacts>,
    /// The winners, in lane order for a horse race.
    pub winners: Vec<WinnerPick>,
    /// Active integrity bars on the winners' leads and members.
    pub bars: Vec<ActiveBar>,
}

/// The terms of a new call.
#[derive(Debug, Clone, PartialEq)]
pub struct DraftChallenge {
    /// The programme it is published under.
    pub programme: String,
    /// Title of the call.
    pub title: String,
    /// 出题企业: the enterprise whose need the call states.
    pub demand_owner: OrgCode,
    /// The industry chain (产业链) it serves.
    pub industry_chain: String,
    /// Measurable technical targets; at least one.
    pub targets: Vec<Target>,
    /// Most that one award may be.
    pub budget_cap: Money,
    /// Single winner or horse race.
    pub mode: AwardMode,
    /// First day bids are accepted.
    pub opens_on: NaiveDate,
    /// Last day bids are accepted (inclusive).
    pub closes_on: NaiveDate,
    /// Date by which the work must be finished.
    pub completion_deadline: NaiveDate,
    /// The pool needs (需求库) the call answers, as the ledger held them inside the command's
    /// transaction; empty for a call typed in without a registered need.
    pub needs: Vec<NeedFacts>,
}

/// A technology need named by a draft, read from the ledger under the need's lock.
#[derive(Debug, Clone, PartialEq)]
pub struct NeedFacts {
    /// The need's stream id.
    pub need_id: String,
    /// Its status on the wire (`accepted`, `registered`, …); `None` when no such need exists.
    pub status: Option<String>,
    /// 需求方.
    pub poser: Option<OrgCode>,
    /// The call that already adopted it (a committed draft), if any.
    pub adopted_by: Option<String>,
}

/// A change to a call's terms; fields left `None` stay as they are.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct AmendChallenge {
    /// Why the call is amended (kept in history).
    pub reason: String,
    /// New title.
    pub title: Option<String>,
    /// New industry chain.
    pub industry_chain: Option<String>,
    /// New targets (a material change).
    pub targets: Option<Vec<Target>>,
    /// New cap (a material change).
    pub budget_cap: Option<Money>,
    /// New last day of the window.
    pub closes_on: Option<NaiveDate>,
    /// New completion deadline.
    pub completion_deadline: Option<NaiveDate>,
}
