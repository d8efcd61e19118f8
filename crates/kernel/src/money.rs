use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

/// An amount of money in integer fen (分). 1 元 = 100 fen; 1 万元 = 1,000,000 fen.
///
/// Arithmetic is checked: an overflow is an error, never a wrap. Serialised as a bare integer
/// of fen, so that JSON fields ending in `_fen` carry it unchanged.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default, Serialize, Deserialize,
)]
#[serde(transparent)]
pub struct Money(i64);

/// Why an amount could not be built or computed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MoneyError {
    /// The sum or difference does not fit in an `i64` of fen.
    #[error("amount overflow")]
    Overflow,
    /// The text is not an amount of yuan with at most two decimals.
    #[error("not an amount of yuan: {0:?}")]
    Unparsable(String),
}

impl Money {
    /// Zero fen.
    pub const ZERO: Money = Money(0);

    /// An amount of `fen` fen.
    pub const fn from_fen(fen: i64) -> Self {
        Money(fen)
    }

    /// An amount of whole 万元 (ten thousand yuan), as policy texts state caps.
    pub const fn from_wan_yuan(wan: i64) -> Self {
        Money(wan * 1_000_000)
    }

    /// The amount in fen.
    pub const fn fen(self) -> i64 {
        self.0
    }

    /// `self + other`, or an error on overflow.
    pub fn checked_add(self, other: Money) -> Result<Money, MoneyError> {
        self.0
            .checked_add(other.0)
            .map(Money)
            .ok_or(MoneyError::Overflow)
    }

    /// `self - other`, or an error on overflow.
    pub fn checked_sub(self, other: Money) -> Result<Money, MoneyError> {
        self.0
            .checked_sub(other.0)
            .map(Money)
            .ok_or(MoneyError::Overflow)
    }

    /// Sums amounts, failing on overflow.
    pub fn checked_sum<I: IntoIterator<Item = Money>>(items: I) -> Result<Money, MoneyError> {
        items.into_iter().try_fold(Money::ZERO, Money::checked_add)
    }

    /// True when the amount is above zero.
    pub const fn is_positive(self) -> bool {
        self.0 > 0
    }

    /// The amount in yuan with two decimals, e.g. `3000000.00` or `-0.05`.
    pub fn to_yuan_string(self) -> String {
        let sign = if self.0 < 0 { "-" } else { "" };
        let abs = self.0.unsigned_abs();
        format!("{sign}{}.{:02}", abs / 100, abs % 100)
    }

    /// Parses yuan written by a person: `3000000`, `3,000,000.5`, `¥12.34`, `-0.05`.
    /// At most two decimals; more is refused rather than rounded.
    pub fn parse_yuan(text: &str) -> Result<Money, MoneyError> {
        let bad = || MoneyError::Unparsable(text.to_string());
        let cleaned: String = text
            .trim()
            .trim_start_matches(['¥', '￥'])
            .chars()
            .filter(|c| *c != ',' && *c != '_')
            .collect();
        let (negative, digits) = match cleaned.strip_prefix('-') {
            Some(rest) => (true, rest),
            None => (false, cleaned.as_str()),
        };
        let (whole, frac) = match digits.split_once('.') {
            Some((w, f)) => (w, f),
            None => (digits, ""),
        };
        let all_digits = |s: &str| s.chars().all(|c| c.is_ascii_digit());
        if whole.is_empty() || !all_digits(whole) || !all_digits(frac) || frac.len() > 2 {
            return Err(bad());
        }
        let whole: i64 = whole.parse().map_err(|_| bad())?;
        let frac_fen: i64 = match frac.len() {
            0 => 0,
            1 => frac.parse::<i64>().map_err(|_| bad())? * 10,
            _ => frac.parse().map_err(|_| bad())?,
        };
        let fen = whole
            .checked_mul(100)
            .and_then(|f| f.checked_add(frac_fen))
            .ok_or(MoneyError::Overflow)?;
        Ok(Money(if negative { -fen } else { fen }))
    }
}

impl fmt::Display for Money {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "¥{}", self.to_yuan_string())
    }
}

impl FromStr for Money {
    type Err = MoneyError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Money::parse_yuan(s)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wan_yuan_is_a_million_fen() {
        assert_eq!(Money::from_wan_yuan(300).fen(), 300_000_000);
        assert_eq!(Money::from_wan_yuan(50).fen(), 50_000_000);
    }

    #[test]
    fn yuan_round_trips_through_text() {
        assert_eq!(
            Money::parse_yuan("3,000,000").unwrap(),
            Money::from_wan_yuan(300)
        );
        assert_eq!(Money::parse_yuan("¥12.3").unwrap().fen(), 1230);
        assert_eq!(Money::parse_yuan("-0.05").unwrap().fen(), -5);
        assert_eq!(Money::from_fen(300_000_001).to_yuan_string(), "3000000.01");
        assert_eq!(Money::from_fen(-5).to_string(), "¥-0.05");
    }

    #[test]
    fn more_than_two_decimals_or_junk_is_refused() {
        for bad in ["1.234", "", "abc", "1.2.3", "--1", "1e5"] {
            assert!(Money::parse_yuan(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn overflow_is_an_error_not_a_wrap() {
        let max = Money::from_fen(i64::MAX);
        assert_eq!(
            max.checked_add(Money::from_fen(1)),
            Err(MoneyError::Overflow)
        );
        assert_eq!(
            Money::checked_sum([Money::from_fen(1), Money::from_fen(2)]),
            Ok(Money::from_fen(3))
        );
    }

    #[test]
    fn serialises_as_bare_fen() {
        assert_eq!(serde_json::to_string(&Money::from_fen(42)).unwrap(), "42");
    }
}
