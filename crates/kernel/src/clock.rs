use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, RwLock};

use chrono::{DateTime, NaiveDate, TimeDelta, Utc};
use uuid::Uuid;

/// The source of "now". Domain code never reads the system time itself.
pub trait Clock: Send + Sync {
    /// The current instant.
    fn now(&self) -> DateTime<Utc>;

    /// Today's calendar date in Asia/Shanghai (UTC+8), the date every deadline is judged by.
    fn today(&self) -> NaiveDate {
        shanghai_date(self.now())
    }

    /// True when the clock is pinned rather than following the system time.
    fn is_pinned(&self) -> bool {
        false
    }
}

/// The Asia/Shanghai calendar date of an instant (China keeps UTC+8 all year).
pub fn shanghai_date(at: DateTime<Utc>) -> NaiveDate {
    (at + TimeDelta::hours(8)).date_naive()
}

/// The system clock.
#[derive(Debug, Clone, Copy, Default)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> DateTime<Utc> {
        Utc::now()
    }
}

/// A clock pinned to an instant that tests (and `GRANTLEDGER_FAKE_NOW`) control.
#[derive(Debug, Clone)]
pub struct FixedClock(Arc<RwLock<DateTime<Utc>>>);

impl FixedClock {
    /// A clock that reads `at` until moved.
    pub fn new(at: DateTime<Utc>) -> Self {
        FixedClock(Arc::new(RwLock::new(at)))
    }

    /// Moves the clock to `at`; every clone sees the move.
    pub fn set(&self, at: DateTime<Utc>) {
        if let Ok(mut guard) = self.0.write() {
            *guard = at;
        }
    }
}

impl Clock for FixedClock {
    fn now(&self) -> DateTime<Utc> {
        match self.0.read() {
            Ok(guard) => *guard,
            Err(poisoned) => *poisoned.into_inner(),
        }
    }

    fn is_pinned(&self) -> bool {
        true
    }
}

/// The source of new ids.
pub trait IdGen: Send + Sync {
    /// A fresh id.
    fn new_id(&self) -> Uuid;
}

/// Random (v4) ids, for production.
#[derive(Debug, Clone, Copy, Default)]
pub struct RandomIds;

impl IdGen for RandomIds {
    fn new_id(&self) -> Uuid {
        Uuid::new_v4()
    }
}

/// Predictable ids `00000000-0000-0000-0000-00000000000N`, for tests.
#[derive(Debug, Default)]
pub struct SequentialIds(AtomicU64);

impl IdGen for SequentialIds {
    fn new_id(&self) -> Uuid {
        let n = self.0.fetch_add(1, Ordering::SeqCst) + 1;
        Uuid::from_u128(u128::from(n))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn today_is_the_shanghai_date() {
        let at = DateTime::parse_from_rfc3339("2027-02-26T16:30:00Z")
            .unwrap()
            .with_timezone(&Utc);
        let clock = FixedClock::new(at);
        assert_eq!(clock.today(), NaiveDate::from_ymd_opt(2027, 2, 27).unwrap());
        assert!(clock.is_pinned());
    }

    #[test]
    fn sequential_ids_count_up() {
        let ids = SequentialIds::default();
        assert_eq!(ids.new_id(), Uuid::from_u128(1));
        assert_eq!(ids.new_id(), Uuid::from_u128(2));
    }
}
