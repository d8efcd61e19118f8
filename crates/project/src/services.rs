use std::sync::Arc;

use kernel::Clock;

/// What the project and race aggregates need from outside: the clock.
#[derive(Clone)]
pub struct ProjectServices {
    /// Decides "today" for deadlines.
    pub clock: Arc<dyn Clock>,
}

impl ProjectServices {
    /// Services over a clock.
    pub fn new(clock: Arc<dyn Clock>) -> Self {
        ProjectServices { clock }
    }
}
