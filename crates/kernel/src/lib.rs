//! Shared kernel of grantledger: the value types every aggregate speaks in.
//!
//! - [`Money`]: amounts in integer fen (分), never floats.
//! - [`OrgCode`]: the 统一社会信用代码 (GB 32100-2015), validated with its check character.
//! - [`Actor`] and [`Role`]: who issued a command.
//! - [`Clock`] and [`IdGen`]: the time and id ports that tests and demos pin.
//! - [`WorkingCalendar`] and [`add_months_clamped`]: working-day deadlines and month-clamped bars.
//! - [`policy`]: programme definitions and the policy limits taken from the seed texts.
//! - [`ErrorKind`]: the transport-neutral class of a refused command.

mod actor;
mod calendar;
mod clock;
mod error;
mod integrity;
mod money;
mod org;
pub mod policy;

pub use actor::{Actor, Role};
pub use calendar::{add_months_clamped, WorkingCalendar};
pub use clock::{shanghai_date, Clock, FixedClock, IdGen, RandomIds, SequentialIds, SystemClock};
pub use error::{DomainError, ErrorKind};
pub use integrity::{first_bar, ActiveBar};
pub use money::{Money, MoneyError};
pub use org::{OrgCode, OrgCodeError, OrgKind};
