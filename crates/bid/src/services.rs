use std::sync::Arc;

use kernel::policy::Catalogue;
use kernel::Clock;

/// What the bid aggregate needs from outside: the clock and the programme catalogue (review
/// criteria and weights).
#[derive(Clone)]
pub struct BidServices {
    /// Decides "today" for windows and notices.
    pub clock: Arc<dyn Clock>,
    /// The programmes with their review criteria.
    pub programmes: Arc<Catalogue>,
}

impl BidServices {
    /// Services over a clock and a catalogue.
    pub fn new(clock: Arc<dyn Clock>, programmes: Arc<Catalogue>) -> Self {
        BidServices { clock, programmes }
    }
}
