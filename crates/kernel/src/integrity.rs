use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use crate::OrgCode;

/// An active bar recorded in the 科研诚信档案 (research-integrity archive): the organisation may
/// not bid, be awarded, form or join a consortium, apply for a level, or be evaluated until
/// `until` (exclusive).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ActiveBar {
    /// The barred organisation.
    pub org: OrgCode,
    /// First day the organisation is eligible again.
    pub until: NaiveDate,
}

/// The bars in force on the organisations a command names, looked up before the command runs
/// and handed to the aggregate, which refuses with `organisation_barred`.
pub fn first_bar<'a>(bars: &'a [ActiveBar], orgs: &[&OrgCode]) -> Option<&'a ActiveBar> {
    bars.iter().find(|b| orgs.contains(&&b.org))
}
