//! Programme definitions and the policy limits taken from the seed texts (domain.md §4).
//!
//! Every number that comes from a policy text names its source next to it.

use serde::{Deserialize, Serialize};

use crate::Money;

/// A funding programme under which challenges (榜单) are published, with its own limits.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Programme {
    /// Stable id used on the wire, e.g. `consortium_key_rd`.
    pub id: String,
    /// Human name (Chinese).
    pub name: String,
    /// Cap per awarded project; a call's budget cap may not exceed it.
    pub award_cap: Money,
    /// Shortest submission window in calendar days.
    pub min_window_days: i64,
    /// Most teams a 赛马制 horse race may award.
    pub max_race_teams: u8,
    /// The criteria experts score bids on (0–100 each), with weights in percent summing to 100.
    pub review_criteria: Vec<ReviewCriterion>,
}

/// One criterion of expert review (评审指标) with its weight in percent.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReviewCriterion {
    /// Stable id used on the wire, e.g. `technical_approach`.
    pub id: String,
    /// Human name (Chinese).
    pub name: String,
    /// Weight in percent; a programme's weights sum to 100.
    pub weight: u8,
}

impl ReviewCriterion {
    fn new(id: &str, name: &str, weight: u8) -> Self {
        ReviewCriterion {
            id: id.into(),
            name: name.into(),
            weight,
        }
    }
}

/// Fewest experts on a bid's review panel (domain.md ).
pub const DEFAULT_MIN_REVIEWERS: usize = 3;

/// Shortest public notice (公示), calendar days counted inclusively (domain.md [W8] [W9], [A-24]).
pub const NOTICE_MIN_DAYS: i64 = 7;

/// The shortest bid window, in days: the central rule that a guideline is out at least 50 days
/// before its deadline (domain.md [W21], adopted as a configurable default ).
pub const DEFAULT_MIN_WINDOW_DAYS: i64 = 50;

/// Most teams in a horse race: 2–3 lead units on one bounty (domain.md [W2] 允许2~3家牵头单位同时立项).
pub const DEFAULT_MAX_RACE_TEAMS: u8 = 3;

/// Fewest teams in a horse race: a race needs at least two.
pub const MIN_RACE_TEAMS: u8 = 2;

/// A material amendment (targets or cap) pushes the window's end out by at least this many days
/// (domain.md ).
pub const AMENDMENT_EXTENSION_DAYS: i64 = 7;

/// The programmes the city runs, with their caps.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Catalogue {
    programmes: Vec<Programme>,
}

impl Catalogue {
    /// The Kunshan programmes grantledger knows out of the box.
    pub fn kunshan() -> Catalogue {
        Catalogue {
            programmes: vec![
                Programme {
                    id: "consortium_key_rd".into(),
                    name: "创新联合体“揭榜挂帅”重点研发专项".into(),
                    // 001_5a9afaa2304051ee.txt「每个项目给予最高300万元支持」
                    award_cap: Money::from_wan_yuan(300),
                    min_window_days: DEFAULT_MIN_WINDOW_DAYS,
                    max_race_teams: DEFAULT_MAX_RACE_TEAMS,
                    // No seed fixes criteria or weights; these are the project's choice for a
                    // joint key R&D call (技术路线, 团队, 指标与进度, 产业化, 经费).
                    review_criteria: vec![
                        ReviewCriterion::new("technical_approach", "技术路线与创新性", 30),
                        ReviewCriterion::new("team_capability", "团队能力与研究基础", 25),
                        ReviewCriterion::new("targets_and_schedule", "指标可达性与进度安排", 20),
                        ReviewCriterion::new("industrial_impact", "产业化前景与带动作用", 15),
                        ReviewCriterion::new("budget", "经费预算合理性", 10),
                    ],
                },
                Programme {
                    id: "new_rd_institution".into(),
                    name: "新型研发机构建设(“揭榜挂帅”等方式)".into(),
                    // 002_69ce353481df4c50.txt「通过“揭榜挂帅”等方式…最高给予1000万元资助」
                    award_cap: Money::from_wan_yuan(1000),
                    min_window_days: DEFAULT_MIN_WINDOW_DAYS,
                    max_race_teams: DEFAULT_MAX_RACE_TEAMS,
                    // No seed fixes criteria or weights; these are the project's choice for
                    // building a new R&D institution (建设方案, 团队, 运营机制, 产业化, 经费).
                    review_criteria: vec![
                        ReviewCriterion::new("construction_plan", "建设方案与目标", 30),
                        ReviewCriterion::new("team_capability", "团队能力与研究基础", 25),
                        ReviewCriterion::new("operating_model", "运营机制与可持续性", 15),
                        ReviewCriterion::new("industrial_impact", "成果转化与产业带动", 20),
                        ReviewCriterion::new("budget", "经费预算合理性", 10),
                    ],
                },
            ],
        }
    }

    /// A catalogue of exactly these programmes (tests and deployments that configure their own).
    pub fn new(programmes: Vec<Programme>) -> Catalogue {
        Catalogue { programmes }
    }

    /// The programme with this id.
    pub fn get(&self, id: &str) -> Option<&Programme> {
        self.programmes.iter().find(|p| p.id == id)
    }

    /// Every programme.
    pub fn all(&self) -> &[Programme] {
        &self.programmes
    }
}

impl Default for Catalogue {
    fn default() -> Self {
        Catalogue::kunshan()
    }
}

/// Days a debtor has to pay a recovery into the treasury after the notice (domain.md [W14]
/// 『你单位应在15日内将相关资金缴入国库』).
pub const CLAWBACK_REPAY_DAYS: u32 = 15;

/// Working days a debtor has to ask for a hearing or object after the notice (domain.md [W14]
/// 『自收到本通知之日起5个工作日内向我办提出听证申请或陈述、申辩意见』).
pub const CLAWBACK_OBJECTION_WORKING_DAYS: u32 = 5;

/// Years a serious research-integrity violation bars an organisation, at least
/// (004_c8247068307aab5b.txt「3年內不得參與績效評價」).
pub const INTEGRITY_SERIOUS_BAR_YEARS: u32 = 3;

/// The technology-transfer post-subsidy rate, in basis points of the transaction amount the
/// enterprise actually paid (002_69ce353481df4c50.txt「按照每个项目企业实际支付交易额的3%给予后补助」).
pub const BROKER_POST_SUBSIDY_RATE_BP: u32 = 300;

/// Most a technology-transfer intermediary receives in one year
/// (002_69ce353481df4c50.txt「同一年度技术转移中介服务方资助额度最高50万元」).
pub const BROKER_ANNUAL_CAP: Money = Money::from_wan_yuan(50);

/// The highest share of a science-insurance premium that is subsidised, in basis points
/// (002_69ce353481df4c50.txt「对于购买相关科技保险的科技型企业给予最高保费支出额度50%的补贴」).
pub const INSURANCE_PREMIUM_SUBSIDY_MAX_RATE_BP: u32 = 5000;

/// Most an incubator operator is rewarded in one year for a passed performance assessment
/// (002_69ce353481df4c50.txt「单个载体运营机构一年奖励最高100万元」).
pub const INCUBATOR_PERFORMANCE_REWARD_MAX_PER_YEAR: Money = Money::from_wan_yuan(100);

/// Most a new R&D institution receives (002_69ce353481df4c50.txt「最高给予1000万元资助」).
pub const NRDI_MAX_SUPPORT: Money = Money::from_wan_yuan(1000);

#[cfg(test)]
mod review_criteria_tests {
    use super::*;

    #[test]
    fn every_programmes_review_weights_sum_to_100() {
        for p in Catalogue::kunshan().all() {
            let total: u32 = p.review_criteria.iter().map(|c| u32::from(c.weight)).sum();
            assert_eq!(total, 100, "{}", p.id);
        }
    }
}
