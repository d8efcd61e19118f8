//! The technology need (技术需求) aggregate: an enterprise's need, registered by the enterprise
//! (出题) or an officer, screened into the need pool (需求库) or rejected, and adopted by the call
//! drafted from it (政府"发榜").
//!
//! Rules live in [`TechnologyNeed`]'s `handle`; `apply` only assigns. See domain.md §3.a.

mod aggregate;
mod commands;
mod error;
mod events;
mod services;
#[cfg(test)]
mod tests;

pub use aggregate::{NeedStatus, TechnologyNeed};
pub use commands::{NeedCommand, RegisterNeed};
pub use error::NeedError;
pub use events::NeedEvent;
pub use services::NeedServices;

use serde::{Deserialize, Serialize};

/// The two need categories the seed-000 annex counts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum NeedCategory {
    /// 重大企业需求: a major enterprise need (KPI row 1).
    MajorEnterprise,
    /// 产业链技术需求: an industry-chain technology need (KPI row 2).
    IndustryChain,
}

impl NeedCategory {
    /// The wire name.
    pub fn as_str(self) -> &'static str {
        match self {
            NeedCategory::MajorEnterprise => "major_enterprise",
            NeedCategory::IndustryChain => "industry_chain",
        }
    }

    /// The category with this wire name.
    pub fn parse(text: &str) -> Option<NeedCategory> {
        match text {
            "major_enterprise" => Some(NeedCategory::MajorEnterprise),
            "industry_chain" => Some(NeedCategory::IndustryChain),
            _ => None,
        }
    }
}
