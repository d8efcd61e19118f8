use std::sync::Arc;

use kernel::policy::Catalogue;
use kernel::Clock;

/// What the challenge aggregate needs from outside: the clock and the programme catalogue.
#[derive(Clone)]
pub struct ChallengeServices {
    /// Decides "today" for window checks.
    pub clock: Arc<dyn Clock>,
    /// The programmes and their caps.
    pub programmes: Arc<Catalogue>,
}

impl ChallengeServices {
    /// Services over a clock and a catalogue.
    pub fn new(clock: Arc<dyn Clock>, programmes: Arc<Catalogue>) -> Self {
        ChallengeServices { clock, programmes }
    }
}
