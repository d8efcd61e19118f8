use std::sync::Arc;

use kernel::Clock;

/// What the integrity aggregate needs from outside: the clock.
#[derive(Clone)]
pub struct IntegrityServices {
    /// Decides "today" for decisions and revocations.
    pub clock: Arc<dyn Clock>,
}

impl IntegrityServices {
    /// Services over a clock.
    pub fn new(clock: Arc<dyn Clock>) -> Self {
        IntegrityServices { clock }
    }
}
