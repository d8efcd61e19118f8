//! The programme KPIs of the seed-000 annex (000_e0aff6e539fca529.txt「關于進一步深化實施昆山市祖沖之攻關計劃三年行動方案目標任務(2025—2027年)」).
//!
//! - [`KpiTargets`]: the annex as configuration (`config/kpi_targets.json` by default).
//! - [`compute`]: the table for one year from the ledger's facts ([`LedgerFacts`]), pure and
//!   rebuildable from events alone (the facts come from views folded from events).
//! - [`KpiObservation`]: the aggregate holding an officer's manual figures for the rows
//!   grantledger does not produce (domain.md ).

mod observation;
mod table;
mod targets;
#[cfg(test)]
mod tests;

pub use observation::{
    KpiObservation, KpiObservationCommand, KpiObservationError, KpiObservationEvent, KpiServices,
    ObservationEntry,
};
pub use table::{
    compute, contributions, AwardFact, ConsortiumFact, Contribution, KpiLine, LedgerFacts,
    NeedFact, ObservationFact,
};
pub use targets::{Feed, KpiKind, KpiRowSpec, KpiTargets, TargetsError};
