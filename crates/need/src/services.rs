use std::sync::Arc;

use kernel::Clock;

/// What the need aggregate needs from outside: the clock that dates registration and screening.
#[derive(Clone)]
pub struct NeedServices {
    /// Decides "today" (Asia/Shanghai) for the dates the events carry.
    pub clock: Arc<dyn Clock>,
}

impl NeedServices {
    /// Services over a clock.
    pub fn new(clock: Arc<dyn Clock>) -> Self {
        NeedServices { clock }
    }
}
