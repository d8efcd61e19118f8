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
}

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
                },
                Programme {
                    id: "new_rd_institution".into(),
                    name: "新型研发机构建设(“揭榜挂帅”等方式)".into(),
                    // 002_69ce353481df4c50.txt「通过“揭榜挂帅”等方式…最高给予1000万元资助」
                    award_cap: Money::from_wan_yuan(1000),
                    min_window_days: DEFAULT_MIN_WINDOW_DAYS,
                    max_race_teams: DEFAULT_MAX_RACE_TEAMS,
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
