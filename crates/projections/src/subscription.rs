/// A process manager's (反应器) interest in events: the store writes an outbox row, in the same
/// transaction as the event, for every event of `aggregate_type` whose type is in `event_types`.
/// The application layer declares its process managers with these (`app::process_managers`),
/// drains the outbox and runs the one named `reactor` on each row, at least once.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Subscription {
    /// The reactor's stable name (outbox rows carry it).
    pub reactor: &'static str,
    /// The aggregate type whose events it reacts to.
    pub aggregate_type: &'static str,
    /// The event types it reacts to.
    pub event_types: &'static [&'static str],
}

impl Subscription {
    /// True when `event_type` of `aggregate_type` concerns this reactor.
    pub fn wants(&self, aggregate_type: &str, event_type: &str) -> bool {
        self.aggregate_type == aggregate_type && self.event_types.contains(&event_type)
    }
}
