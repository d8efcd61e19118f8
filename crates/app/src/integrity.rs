//! The integrity-bar lookup handed to commands that a 3-year bar forbids.

use chrono::NaiveDate;
use kernel::{ActiveBar, OrgCode};
use projections::BarRegistryView;

use crate::{AppError, AppState};

/// The active bars on `orgs` on `on`, read from the bar registry (domain.md ): one entry
/// per barred organisation, with the first day it is eligible again.
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
