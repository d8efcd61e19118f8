use kernel::OrgCode;

use crate::NeedCategory;

/// Commands on a technology need.
#[derive(Debug, Clone, PartialEq)]
pub enum NeedCommand {
    /// 需求登记: record a need (an applicant of the posing organisation, or an officer).
    Register(RegisterNeed),
    /// Screen a registered need: accept it into the pool (入库) or reject it with a reason.
    Screen {
        /// Accept into the pool, or reject.
        accept: bool,
        /// Why; required when rejecting.
        reason: Option<String>,
    },
    /// A call was drafted from the need (process manager, after `ChallengeDrafted`).
    Adopt {
        /// The call's stream id.
        challenge_id: String,
    },
}

/// The facts of a new need.
#[derive(Debug, Clone, PartialEq)]
pub struct RegisterNeed {
    /// 需求方 / 出题方: the enterprise posing the need.
    pub poser: OrgCode,
    /// Major enterprise need or industry-chain need.
    pub category: NeedCategory,
    /// The industry chain (产业链) it belongs to.
    pub industry_chain: String,
    /// Short title.
    pub title: String,
    /// The need described.
    pub text: String,
    /// What the enterprise expects as the outcome.
    pub expected_outcome: String,
    /// Who registered it: the token subject.
    pub registered_by: String,
}
