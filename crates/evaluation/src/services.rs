use std::sync::Arc;

use kernel::Clock;

/// The evaluation policy (domain.md §3.e, §4), configurable per deployment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EvaluationPolicy {
    /// Length of a round's period in years.
    pub period_years: u32,
    /// Shortest public notice in calendar days, both ends counted.
    pub min_notice_days: i64,
    /// Lowest mean score graded 优秀.
    pub excellent_from: u32,
    /// Lowest mean score graded 合格.
    pub pass_from: u32,
}

impl Default for EvaluationPolicy {
    fn default() -> Self {
        EvaluationPolicy {
            // domain.md [CARD] biennial.
            period_years: 2,
            // domain.md [W8] 『公示期为2022年6月27日至7月3日,为期7天』.
            min_notice_days: 7,
            // domain.md [W20] 80 points or more for 优秀.
            excellent_from: 80,
            // domain.md ≥ 60 合格.
            pass_from: 60,
        }
    }
}

/// What the evaluation round needs from outside: the clock and the policy.
#[derive(Clone)]
pub struct EvaluationServices {
    /// Decides "today".
    pub clock: Arc<dyn Clock>,
    /// The policy.
    pub policy: EvaluationPolicy,
}

impl EvaluationServices {
    /// Services over a clock with the default policy.
    pub fn new(clock: Arc<dyn Clock>) -> Self {
        EvaluationServices {
            clock,
            policy: EvaluationPolicy::default(),
        }
    }

    /// Services over a clock and a policy.
    pub fn with_policy(clock: Arc<dyn Clock>, policy: EvaluationPolicy) -> Self {
        EvaluationServices { clock, policy }
    }
}
