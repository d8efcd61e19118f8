//! The integrity-bar lookup handed to commands that a 3-year bar forbids.

use chrono::NaiveDate;
use kernel::{ActiveBar, OrgCode};
use projections::BarRegistryView;

use cqrs_es::Aggregate;
use kernel::DomainError;
use store::{Cqrs, FactNeeds, Facts};

use crate::runner::CommandCall;
use crate::{AppError, AppState};

/// The lock a bar of `org` is taken and read under: an integrity record recording a bar and a
/// command refused to barred organisations serialise on it.
pub fn bar_lock(org: &OrgCode) -> String {
    format!("integrity-bar:{org}")
}

/// `needs` with the bar-registry row of each of `orgs`, read under its lock.
pub fn bar_needs(orgs: &[OrgCode], mut needs: FactNeeds) -> FactNeeds {
    for org in orgs {
        needs = needs
            .lock(bar_lock(org))
            .row(BarRegistryView::NAME, org.as_str());
    }
    needs
}

/// The active bars on `orgs` on `on`, from the rows [`bar_needs`] asked for.
pub fn bars_in(facts: &Facts, orgs: &[OrgCode], on: NaiveDate) -> Result<Vec<ActiveBar>, AppError> {
    let mut bars = Vec::new();
    for org in orgs {
        let Some(row) = facts.row(BarRegistryView::NAME, org.as_str()) else {
            continue;
        };
        let registry: BarRegistryView = serde_json::from_value(row.clone())
            .map_err(|e| AppError::Internal(format!("bar registry row of {org}: {e}")))?;
        if let Some(until) = registry.barred_until(on) {
            bars.push(ActiveBar {
                org: org.clone(),
                until,
            });
        }
    }
    Ok(bars)
}

impl CommandCall<'_> {
    /// Runs the command `build` makes from the active bars on `orgs` on `on` (domain.md ),
    /// read from the bar registry inside the command's own transaction under each bar's lock.
    #[allow(clippy::too_many_arguments)]
    pub async fn run_barred<A, F>(
        &self,
        state: &AppState,
        cqrs: &Cqrs<A>,
        id: &str,
        must_exist: bool,
        name: &str,
        orgs: &[OrgCode],
        on: NaiveDate,
        mut build: F,
    ) -> Result<(), AppError>
    where
        A: Aggregate,
        A::Error: DomainError,
        F: FnMut(Vec<ActiveBar>) -> A::Command + Send,
    {
        self.run_with_facts(
            state,
            cqrs,
            id,
            must_exist,
            name,
            bar_needs(orgs, FactNeeds::none()),
            |facts| Ok(build(bars_in(facts, orgs, on)?)),
        )
        .await
    }
}

/// The active bars on `orgs` on `on`, read from the bar registry (domain.md ): one entry
/// per barred organisation, with the first day it is eligible again. A query: a command that a
/// bar forbids reads the bars in its own transaction instead ([`CommandCall::run_barred`]).
pub async fn active_bars(
    state: &AppState,
    orgs: &[OrgCode],
    on: NaiveDate,
) -> Result<Vec<ActiveBar>, AppError> {
    let mut bars = Vec::new();
    for org in orgs {
        let Some(row) = state
            .store()
            .view(BarRegistryView::NAME, org.as_str())
            .await?
        else {
            continue;
        };
        let registry: BarRegistryView = serde_json::from_value(row)
            .map_err(|e| AppError::Internal(format!("bar registry row of {org}: {e}")))?;
        if let Some(until) = registry.barred_until(on) {
            bars.push(ActiveBar {
                org: org.clone(),
                until,
            });
        }
    }
    Ok(bars)
}
