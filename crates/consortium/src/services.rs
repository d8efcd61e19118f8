use std::sync::Arc;

use kernel::{Clock, Money};

/// The consortium policy limits (domain.md §4), configurable per deployment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConsortiumPolicy {
    /// Cap of the Kunshan cultivation (L1) reward.
    pub l1_cultivation_reward_max: Money,
    /// Cap of the Suzhou cultivation (L2) reward.
    pub l2_cultivation_reward_max: Money,
    /// Cap of the cumulative linkage support for an accredited (L3) consortium.
    pub l3_linkage_support_max: Money,
    /// Fewest members for the Kunshan level (L1).
    pub min_members_kunshan: usize,
    /// Fewest members for the Suzhou levels (L2, L3).
    pub min_members_suzhou: usize,
    /// Construction period granted with a level when the decision names none, in years.
    pub default_construction_years: u32,
    /// Longest construction period a decision may set, in years.
    pub max_construction_years: u32,
    /// When true, linkage support is also paid higher-only against the cultivation rewards.
    pub accreditation_support_in_higher_only: bool,
}

impl Default for ConsortiumPolicy {
    fn default() -> Self {
        ConsortiumPolicy {
            // 001_5a9afaa2304051ee.txt「对纳入昆山市创新联合体培育的给予最高50万元奖励」
            l1_cultivation_reward_max: Money::from_wan_yuan(50),
            // 001_5a9afaa2304051ee.txt「纳入苏州市创新联合体培育的给予最高100万元奖励」
            l2_cultivation_reward_max: Money::from_wan_yuan(100),
            // 001_5a9afaa2304051ee.txt「给予最高200万元联动支持」
            l3_linkage_support_max: Money::from_wan_yuan(200),
            // domain.md the Kunshan minimum defaults to 5.
            min_members_kunshan: 5,
            // domain.md [W10] 『成员单位一般不少于5个』
            min_members_suzhou: 5,
            // domain.md the construction period defaults to 3 years.
            default_construction_years: 3,
            max_construction_years: 10,
            // domain.md decided: default false.
            accreditation_support_in_higher_only: false,
        }
    }
}

/// What the consortium aggregate needs from outside: the clock and the policy limits.
#[derive(Clone)]
pub struct ConsortiumServices {
    /// Decides "today" for dates and deadlines.
    pub clock: Arc<dyn Clock>,
    /// The limits.
    pub policy: ConsortiumPolicy,
}

impl ConsortiumServices {
    /// Services over a clock with the default policy.
    pub fn new(clock: Arc<dyn Clock>) -> Self {
        ConsortiumServices {
            clock,
            policy: ConsortiumPolicy::default(),
        }
    }

    /// Services over a clock and a policy.
    pub fn with_policy(clock: Arc<dyn Clock>, policy: ConsortiumPolicy) -> Self {
        ConsortiumServices { clock, policy }
    }
}
