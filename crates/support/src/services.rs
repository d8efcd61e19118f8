use std::sync::Arc;

use kernel::Clock;

use crate::SupportCatalogue;

/// What the support aggregate needs from outside: the clock and the instrument catalogue.
#[derive(Clone)]
pub struct SupportServices {
    /// Decides "today" (Asia/Shanghai) for dates and the funding year.
    pub clock: Arc<dyn Clock>,
    /// The instruments with their rates, caps and evidence.
    pub catalogue: Arc<SupportCatalogue>,
}

impl SupportServices {
    /// Services over a clock and a catalogue.
    pub fn new(clock: Arc<dyn Clock>, catalogue: Arc<SupportCatalogue>) -> Self {
        SupportServices { clock, catalogue }
    }
}
