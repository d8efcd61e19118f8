use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Deserializer, Serialize};

/// The 31 characters of the GB 32100-2015 code set; I, O, Z, S and V are never used.
const CODE_SET: &str = "0123456789ABCDEFGHJKLMNPQRTUWXY";
/// Weights `3^(i-1) mod 31` for positions 1..=17.
const WEIGHTS: [u32; 17] = [
    1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28,
];
/// Registration-authority codes (position 1) of the standard and its 2016 amendment.
const AUTHORITIES: &str = "123456789ANY";

/// A 统一社会信用代码 (unified social credit code, GB 32100-2015): the 18-character identifier of
/// every applicant, demand owner, consortium lead or member, and debtor.
///
/// Built only through [`OrgCode::parse`], so a value of this type always carries a valid check
/// character. Input is trimmed and upper-cased; the canonical form is stored.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(transparent)]
pub struct OrgCode(String);

/// Why a text is not a valid 统一社会信用代码.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum OrgCodeError {
    /// Not exactly 18 characters.
    #[error("a 统一社会信用代码 has 18 characters, this has {0}")]
    Length(usize),
    /// A character outside the code set, or a non-digit in the division code (positions 3–8).
    #[error("character {ch:?} at position {position} is not allowed there")]
    Charset { position: usize, ch: char },
    /// Position 1 is not a registration authority of the standard.
    #[error("{0:?} is not a registration-authority code")]
    Authority(char),
    /// Position 18 is not the check character computed from positions 1–17.
    #[error("check character should be {expected:?}, found {found:?}")]
    CheckDigit { expected: char, found: char },
}

impl OrgCodeError {
    /// A stable machine-readable code for this refusal.
    pub fn code(&self) -> &'static str {
        match self {
            OrgCodeError::Length(_) => "uscc.length",
            OrgCodeError::Charset { .. } => "uscc.charset",
            OrgCodeError::Authority(_) => "uscc.authority",
            OrgCodeError::CheckDigit { .. } => "uscc.check_digit",
        }
    }
}

/// The broad kind of an organisation, derived from USCC positions 1–2 (domain.md §2.4 V6).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OrgKind {
    /// `91`/`92`/`93`: enterprise (企业).
    Enterprise,
    /// `12`: public institution (事业单位), most universities and institutes.
    PublicInstitution,
    /// `52`: private non-enterprise unit (民办非企业), e.g. some new R&D institutions.
    PrivateNonEnterprise,
    /// `51`/`53`: social organisation or foundation.
    SocialOrganisation,
    /// Anything else.
    Other,
}

fn value_of(ch: char) -> Option<u32> {
    CODE_SET.find(ch).map(|i| i as u32)
}

impl OrgCode {
    /// Validates `text` (after trimming and upper-casing) and returns the canonical code.
    pub fn parse(text: &str) -> Result<OrgCode, OrgCodeError> {
        let code: String = text.trim().to_ascii_uppercase();
        let chars: Vec<char> = code.chars().collect();
        if chars.len() != 18 {
            return Err(OrgCodeError::Length(chars.len()));
        }
        for (i, &ch) in chars.iter().enumerate() {
            let ok = if (2..8).contains(&i) {
                ch.is_ascii_digit()
            } else {
                value_of(ch).is_some()
            };
            if !ok {
                return Err(OrgCodeError::Charset {
                    position: i + 1,
                    ch,
                });
            }
        }
        if !AUTHORITIES.contains(chars[0]) {
            return Err(OrgCodeError::Authority(chars[0]));
        }
        let expected = Self::check_character(&chars[..17]);
        if chars[17] != expected {
            return Err(OrgCodeError::CheckDigit {
                expected,
                found: chars[17],
            });
        }
        Ok(OrgCode(code))
    }

    /// The GB 32100-2015 check character for the first 17 characters:
    /// `CODE_SET[(31 - Σ value·weight mod 31) mod 31]`.
    fn check_character(first17: &[char]) -> char {
        let sum: u32 = first17
            .iter()
            .zip(WEIGHTS)
            .map(|(&c, w)| value_of(c).unwrap_or(0) * w)
            .sum();
        let index = (31 - sum % 31) % 31;
        CODE_SET.chars().nth(index as usize).unwrap_or('0')
    }

    /// The canonical 18-character text.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The organisation kind derived from positions 1–2.
    pub fn kind(&self) -> OrgKind {
        match &self.0[..2] {
            "91" | "92" | "93" => OrgKind::Enterprise,
            "12" => OrgKind::PublicInstitution,
            "52" => OrgKind::PrivateNonEnterprise,
            "51" | "53" => OrgKind::SocialOrganisation,
            _ => OrgKind::Other,
        }
    }
}

impl fmt::Display for OrgCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl FromStr for OrgCode {
    type Err = OrgCodeError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        OrgCode::parse(s)
    }
}

impl<'de> Deserialize<'de> for OrgCode {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        OrgCode::parse(&text).map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_standards_worked_example_is_valid() {
        // GB 32100-2015 worked example: S = 1640, 1640 mod 31 = 28, check = 3.
        assert!(OrgCode::parse("91350100M000100Y43").is_ok());
        assert_eq!(
            OrgCode::parse("91350100M000100Y4Z"),
            Err(OrgCodeError::Charset {
                position: 18,
                ch: 'Z'
            })
        );
        assert_eq!(
            OrgCode::parse("91350100M000100Y44"),
            Err(OrgCodeError::CheckDigit {
                expected: '3',
                found: '4'
            })
        );
    }

    #[test]
    fn real_format_codes_are_valid() {
        for code in [
            "91110000101623741K",
            "911101066976941872",
            "91320583MA1KC00109",
            "91320583MA1KC00296",
            "91320500MA1GC0041G",
            "123200004660000105",
            "123205834660000293",
            "52320583MJ00000345",
        ] {
            assert!(OrgCode::parse(code).is_ok(), "{code}");
        }
    }

    #[test]
    fn a_wrong_check_character_is_refused() {
        let err = OrgCode::parse("91320583MA1KC0010A").unwrap_err();
        assert_eq!(err.code(), "uscc.check_digit");
    }

    #[test]
    fn input_is_trimmed_and_upper_cased() {
        let code = OrgCode::parse("  91320583ma1kc00109 ").unwrap();
        assert_eq!(code.as_str(), "91320583MA1KC00109");
    }

    #[test]
    fn length_charset_and_authority_are_checked() {
        assert_eq!(OrgCode::parse("9132058").unwrap_err().code(), "uscc.length");
        assert_eq!(
            OrgCode::parse("91320583MA1KC0010I").unwrap_err().code(),
            "uscc.charset"
        );
        assert_eq!(
            OrgCode::parse("913A0583MA1KC00109").unwrap_err().code(),
            "uscc.charset"
        );
        assert_eq!(
            OrgCode::parse("B1320583MA1KC00109").unwrap_err().code(),
            "uscc.authority"
        );
    }

    #[test]
    fn kind_comes_from_the_first_two_characters() {
        assert_eq!(
            OrgCode::parse("91320583MA1KC00109").unwrap().kind(),
            OrgKind::Enterprise
        );
        assert_eq!(
            OrgCode::parse("123200004660000105").unwrap().kind(),
            OrgKind::PublicInstitution
        );
        assert_eq!(
            OrgCode::parse("52320583MJ00000345").unwrap().kind(),
            OrgKind::PrivateNonEnterprise
        );
    }

    #[test]
    fn deserialising_validates() {
        assert!(serde_json::from_str::<OrgCode>("\"91320583MA1KC0010A\"").is_err());
        assert!(serde_json::from_str::<OrgCode>("\"91320583MA1KC00109\"").is_ok());
    }
}
