//! The integrity-bar lookup handed to commands that a 3-year bar forbids.

use chrono::NaiveDate;
use kernel::{ActiveBar, OrgCode};

use crate::{ApiError, AppState};

/// The active bars on `orgs` on `on`.
///
/// Until research-integrity records exist this answers "not barred" for everyone; the
/// integrity issue replaces the body with a read of the bar registry, and no caller changes.
pub(crate) async fn active_bars(
    _state: &AppState,
    _orgs: &[OrgCode],
    _on: NaiveDate,
) -> Result<Vec<ActiveBar>, ApiError> {
    Ok(Vec::new())
}
