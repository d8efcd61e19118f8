//! Rule-based support instruments (政策性资助) of seed 002 (昆山市推进科技服务业高质量发展三年行动方案):
//! technology-transfer post-subsidies, science-insurance premium subsidies, incubator
//! performance rewards and new R&D institution support.
//!
//! One [`SupportApplication`] per application: filed with the base and its evidence, the base
//! verified (possibly reduced with a reason), decided (granted at `rate × verified base` within
//! what remains of the beneficiary's cap for the period, refused with a reason, or granted above
//! the cap case by case (一事一议) with a decision reference and a second officer's approval),
//! paid in tranches, and referred for recovery when found improper.
//!
//! The cap spans applications, so the decision carries the ledger's figure of what was already
//! granted (read in the decision's own transaction); `handle` enforces the cap on it.

mod aggregate;
mod catalogue;
mod commands;
mod error;
mod events;
mod services;
#[cfg(test)]
mod tests;

pub use aggregate::{Proposal, SupportApplication, SupportStatus};
pub use catalogue::{
    share, BaseKind, CapPeriod, RateRule, SupportCatalogue, SupportInstrument, BASIS_POINTS,
};
pub use commands::{ApplySupport, CaseByCase, DecideSupport, Evidence, Outcome, SupportCommand};
pub use error::SupportError;
pub use events::SupportEvent;
pub use services::SupportServices;
