//! Working days and month arithmetic for deadlines and bars.

use std::collections::BTreeSet;

use chrono::{Datelike, Months, NaiveDate, TimeDelta, Weekday};
use serde::{Deserialize, Serialize};

/// A working-day calendar (工作日): Saturdays, Sundays and the listed public holidays are not
/// working days (domain.md ).
///
/// Make-up working weekends (调休) are not modelled; list the holidays a deployment observes.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct WorkingCalendar {
    holidays: BTreeSet<NaiveDate>,
}

impl WorkingCalendar {
    /// A calendar that skips weekends and `holidays`.
    pub fn new<I: IntoIterator<Item = NaiveDate>>(holidays: I) -> Self {
        WorkingCalendar {
            holidays: holidays.into_iter().collect(),
        }
    }

    /// The public holidays this calendar skips, in date order.
    pub fn holidays(&self) -> impl Iterator<Item = &NaiveDate> {
        self.holidays.iter()
    }

    /// True when `date` is neither a weekend day nor a listed holiday.
    pub fn is_working_day(&self, date: NaiveDate) -> bool {
        !matches!(date.weekday(), Weekday::Sat | Weekday::Sun) && !self.holidays.contains(&date)
    }

    /// The `n`-th working day after `date`. Counting starts the day after `date` (domain.md
    /// ), so the result is the last day of a period of `n` working days; `n = 0` gives
    /// `date` itself. Saturates at the last representable date.
    pub fn add_working_days(&self, date: NaiveDate, n: u32) -> NaiveDate {
        let mut day = date;
        let mut counted = 0;
        while counted < n {
            match day.checked_add_signed(TimeDelta::days(1)) {
                Some(next) => day = next,
                None => return NaiveDate::MAX,
            }
            if self.is_working_day(day) {
                counted += 1;
            }
        }
        day
    }
}

/// `date` plus `months` calendar months, clamped to the end of a shorter month
/// (2024-02-29 + 36 months = 2027-02-28; domain.md ). Saturates at the last
/// representable date.
pub fn add_months_clamped(date: NaiveDate, months: u32) -> NaiveDate {
    date.checked_add_months(Months::new(months))
        .unwrap_or(NaiveDate::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(text: &str) -> NaiveDate {
        text.parse().unwrap()
    }

    #[test]
    fn weekends_are_not_working_days() {
        let cal = WorkingCalendar::default();
        assert!(cal.is_working_day(day("2027-03-05"))); // Friday
        assert!(!cal.is_working_day(day("2027-03-06"))); // Saturday
        assert!(!cal.is_working_day(day("2027-03-07"))); // Sunday
        assert!(cal.is_working_day(day("2027-03-08"))); // Monday
    }

    #[test]
    fn five_working_days_from_a_wednesday_span_the_weekend() {
        let cal = WorkingCalendar::default();
        // Wed 2027-03-03 → Thu, Fri, Mon, Tue, Wed.
        assert_eq!(
            cal.add_working_days(day("2027-03-03"), 5),
            day("2027-03-10")
        );
    }

    #[test]
    fn counting_starts_the_day_after_and_zero_is_the_same_day() {
        let cal = WorkingCalendar::default();
        assert_eq!(
            cal.add_working_days(day("2027-03-05"), 1),
            day("2027-03-08")
        );
        assert_eq!(
            cal.add_working_days(day("2027-03-06"), 0),
            day("2027-03-06")
        );
        // From a Saturday the first working day is Monday.
        assert_eq!(
            cal.add_working_days(day("2027-03-06"), 1),
            day("2027-03-08")
        );
    }

    #[test]
    fn listed_holidays_are_skipped() {
        // 劳动节 2027: 1–5 May (Sat–Wed); Thu 29 April + 3 working days = Fri 30 April, Thu 6, Fri 7 May.
        let cal = WorkingCalendar::new(["2027-05-03", "2027-05-04", "2027-05-05"].map(day));
        assert_eq!(
            cal.add_working_days(day("2027-04-29"), 3),
            day("2027-05-07")
        );
        assert_eq!(
            WorkingCalendar::default().add_working_days(day("2027-04-29"), 3),
            day("2027-05-04")
        );
        assert_eq!(cal.holidays().count(), 3);
    }

    #[test]
    fn thirty_six_months_from_a_leap_day_is_the_last_of_february() {
        assert_eq!(add_months_clamped(day("2024-02-29"), 36), day("2027-02-28"));
        assert_eq!(add_months_clamped(day("2024-02-29"), 48), day("2028-02-29"));
    }

    #[test]
    fn a_bar_from_the_tenth_of_may_ends_on_the_anniversary() {
        let until = add_months_clamped(day("2024-05-10"), 36);
        assert_eq!(until, day("2027-05-10"));
        // Active through the day before (end exclusive).
        assert!(day("2027-05-09") < until);
        assert!(day("2027-05-10") >= until);
    }

    #[test]
    fn month_ends_clamp_and_extremes_saturate() {
        assert_eq!(add_months_clamped(day("2027-01-31"), 1), day("2027-02-28"));
        assert_eq!(add_months_clamped(NaiveDate::MAX, 1), NaiveDate::MAX);
        let cal = WorkingCalendar::default();
        assert_eq!(cal.add_working_days(NaiveDate::MAX, 1), NaiveDate::MAX);
    }
}
