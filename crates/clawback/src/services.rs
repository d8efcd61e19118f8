use std::sync::Arc;

use kernel::policy::{CLAWBACK_OBJECTION_WORKING_DAYS, CLAWBACK_REPAY_DAYS};
use kernel::{Clock, WorkingCalendar};

/// The periods a recovery notice grants, configurable per deployment.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ClawbackTerms {
    /// Calendar days to repay after the notice (or after an objection is decided).
    pub repay_days: u32,
    /// Working days to object or ask for a hearing after the notice.
    pub objection_working_days: u32,
}

impl Default for ClawbackTerms {
    fn default() -> Self {
        ClawbackTerms {
            repay_days: CLAWBACK_REPAY_DAYS,
            objection_working_days: CLAWBACK_OBJECTION_WORKING_DAYS,
        }
    }
}

/// What the clawback aggregate needs from outside: the clock, the working-day calendar and
/// the notice periods.
#[derive(Clone)]
pub struct ClawbackServices {
    /// Decides "today" for deadlines.
    pub clock: Arc<dyn Clock>,
    /// Skips weekends and public holidays when counting working days.
    pub calendar: Arc<WorkingCalendar>,
    /// Notice periods.
    pub terms: ClawbackTerms,
}

impl ClawbackServices {
    /// Services over a clock, a calendar and notice periods.
    pub fn new(
        clock: Arc<dyn Clock>,
        calendar: Arc<WorkingCalendar>,
        terms: ClawbackTerms,
    ) -> Self {
        ClawbackServices {
            clock,
            calendar,
            terms,
        }
    }
}
