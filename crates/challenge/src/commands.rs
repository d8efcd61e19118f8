use chrono::NaiveDate;
use kernel::{Money, OrgCode};

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
