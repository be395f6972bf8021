//! Identifiers with check characters: the resident identity number and the unified social credit
//! code. A value of either type has passed every structural check, including its check character.

use std::fmt;

use thiserror::Error;

use crate::time::Date;

/// Why a resident identity number was rejected.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum ResidentIdError {
    /// Not 18 characters.
    #[error("a resident ID has 18 characters, this one has {0}")]
    Length(usize),
    /// A character other than a digit in the first 17 places.
    #[error("character {position} of a resident ID must be a digit")]
    NotDigit {
        /// 1-based position of the offending character.
        position: usize,
    },
    /// The first two digits are no province-level area.
    #[error("area code {0} does not start with a province-level code")]
    Area(String),
    /// Characters 7–14 are not a real calendar date.
    #[error("birth date {0} is not a calendar date between 1900 and 2099")]
    BirthDate(String),
    /// The last character is neither a digit nor `X`.
    #[error("the check character must be a digit or upper-case X, not {0:?}")]
    CheckCharacter(char),
    /// The check character does not match the first 17 digits.
    #[error("check character is {found} but the first 17 digits require {expected}")]
    Checksum {
        /// The character in the ID.
        found: char,
        /// The character ISO 7064 MOD 11-2 gives.
        expected: char,
    },
}

/// Province-level codes that open a resident ID (GB/T 2260), with 71 Taiwan and 81–83 for the
/// residence permits of Hong Kong, Macao and Taiwan residents.
const PROVINCES: [&str; 35] = [
    "11", "12", "13", "14", "15", "21", "22", "23", "31", "32", "33", "34", "35", "36", "37", "41",
    "42", "43", "44", "45", "46", "50", "51", "52", "53", "54", "61", "62", "63", "64", "65", "71",
    "81", "82", "83",
];

/// Sex as the resident ID records it (odd 17th digit: male).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Sex {
    /// Odd sequence digit.
    Male,
    /// Even sequence digit.
    Female,
}

/// A Chinese resident identity number (GB 11643-1999): six-digit area code, birth date, three-digit
/// sequence, and an ISO 7064 MOD 11-2 check character (`0`–`9` or upper-case `X`).
#[derive(Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct ResidentId(String);

impl ResidentId {
    /// Parses and checks an 18-character resident ID.
    pub fn parse(text: &str) -> Result<ResidentId, ResidentIdError> {
        let chars: Vec<char> = text.chars().collect();
        if chars.len() != 18 {
            return Err(ResidentIdError::Length(chars.len()));
        }
        if let Some(position) = chars[..17].iter().position(|c| !c.is_ascii_digit()) {
            return Err(ResidentIdError::NotDigit {
                position: position + 1,
            });
        }
        let last = chars[17];
        if !(last.is_ascii_digit() || last == 'X') {
            return Err(ResidentIdError::CheckCharacter(last));
        }
        // From here on every character is ASCII, so byte slicing is safe.
        if !PROVINCES.contains(&&text[..2]) {
            return Err(ResidentIdError::Area(text[..6].to_owned()));
        }
        let birth = &text[6..14];
        if birth_date_of(birth).is_none() {
            return Err(ResidentIdError::BirthDate(birth.to_owned()));
        }
        let expected = check_character(&text[..17]);
        if expected != last {
            return Err(ResidentIdError::Checksum {
                found: last,
                expected,
            });
        }
        Ok(ResidentId(text.to_owned()))
    }

    /// Completes 17 digits with their check character, if the digits form a valid ID.
    pub fn from_first_17(digits: &str) -> Result<ResidentId, ResidentIdError> {
        let mut text = digits.to_owned();
        if digits.len() == 17 && digits.bytes().all(|b| b.is_ascii_digit()) {
            text.push(check_character(digits));
        }
        ResidentId::parse(&text)
    }

    /// The ID as written.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The six-digit administrative area code of first registration.
    pub fn area_code(&self) -> &str {
        &self.0[..6]
    }

    /// The birth date encoded in characters 7–14.
    pub fn birth_date(&self) -> Date {
        // `parse` checked that this is a calendar date.
        birth_date_of(&self.0[6..14]).unwrap_or(Date::MIN)
    }

    /// Sex as encoded by the parity of the 17th digit.
    pub fn sex(&self) -> Sex {
        if (self.0.as_bytes()[16] - b'0') % 2 == 1 {
            Sex::Male
        } else {
            Sex::Female
        }
    }
}

fn birth_date_of(yyyymmdd: &str) -> Option<Date> {
    let year: i32 = yyyymmdd.get(..4)?.parse().ok()?;
    let month: u32 = yyyymmdd.get(4..6)?.parse().ok()?;
    let day: u32 = yyyymmdd.get(6..8)?.parse().ok()?;
    if !(1900..=2099).contains(&year) {
        return None;
    }
    Date::from_ymd(year, month, day)
}

/// ISO 7064 MOD 11-2 check character over 17 ASCII digits.
pub fn check_character(first_17: &str) -> char {
    let sum: u32 = first_17
        .bytes()
        .take(17)
        .enumerate()
        .map(|(i, b)| {
            // Weight of position i (1-based from the right, counting the check digit) is 2^(17-i) mod 11.
            let weight = (1u32 << (17 - i)) % 11;
            u32::from(b - b'0') * weight
        })
        .sum();
    let value = (12 - sum % 11) % 11;
    if value == 10 {
        'X'
    } else {
        char::from(b'0' + value as u8)
    }
}

impl fmt::Display for ResidentId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl fmt::Debug for ResidentId {
    /// Debug output masks the middle so that an ID logged by accident does not identify anyone.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "ResidentId({}…{})", &self.0[..3], &self.0[16..])
    }
}

/// Why a unified social credit code was rejected.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum CreditCodeError {
    /// Not 18 characters.
    #[error("a credit code has 18 characters, this one has {0}")]
    Length(usize),
    /// A character outside `0-9A-Z` less `I O S V Z`.
    #[error(
        "character {position} ({found:?}) is not in the credit-code alphabet (digits and A–Y without I, O, S, V, Z)"
    )]
    Alphabet {
        /// 1-based position.
        position: usize,
        /// The character found.
        found: char,
    },
    /// Characters 3–8 are not a six-digit area code.
    #[error("characters 3 to 8 of a credit code are the area code and must be digits")]
    Area,
    /// The check character does not fit.
    #[error("check character is {found} but the first 17 characters require {expected}")]
    Checksum {
        /// The character in the code.
        found: char,
        /// The character GB 32100-2015 gives.
        expected: char,
    },
}

/// The 31-character alphabet of GB 32100-2015; a character's value is its index.
const CREDIT_ALPHABET: &[u8; 31] = b"0123456789ABCDEFGHJKLMNPQRTUWXY";
const CREDIT_WEIGHTS: [u32; 17] = [
    1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28,
];

/// A unified social credit code (统一社会信用代码, GB 32100-2015): registration authority,
/// entity category, six-digit area code, nine-character organisation code, check character.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct CreditCode(String);

impl CreditCode {
    /// Parses and checks an 18-character credit code.
    pub fn parse(text: &str) -> Result<CreditCode, CreditCodeError> {
        let chars: Vec<char> = text.chars().collect();
        if chars.len() != 18 {
            return Err(CreditCodeError::Length(chars.len()));
        }
        let mut values = [0u32; 18];
        for (i, &c) in chars.iter().enumerate() {
            values[i] = credit_value(c).ok_or(CreditCodeError::Alphabet {
                position: i + 1,
                found: c,
            })?;
        }
        if !chars[2..8].iter().all(char::is_ascii_digit) {
            return Err(CreditCodeError::Area);
        }
        let expected = credit_check_character(&values[..17]);
        if expected != chars[17] {
            return Err(CreditCodeError::Checksum {
                found: chars[17],
                expected,
            });
        }
        Ok(CreditCode(text.to_owned()))
    }

    /// Completes 17 characters with their check character, if they form a valid code.
    pub fn from_first_17(first: &str) -> Result<CreditCode, CreditCodeError> {
        let values: Option<Vec<u32>> = first.chars().map(credit_value).collect();
        match values {
            Some(v) if v.len() == 17 => {
                let mut text = first.to_owned();
                text.push(credit_check_character(&v));
                CreditCode::parse(&text)
            }
            _ => CreditCode::parse(first),
        }
    }

    /// The code as written.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The six-digit area code (characters 3–8).
    pub fn area_code(&self) -> &str {
        &self.0[2..8]
    }
}

fn credit_value(c: char) -> Option<u32> {
    let b = u8::try_from(c).ok()?;
    CREDIT_ALPHABET
        .iter()
        .position(|&x| x == b)
        .and_then(|p| u32::try_from(p).ok())
}

fn credit_check_character(values: &[u32]) -> char {
    let sum: u32 = values.iter().zip(CREDIT_WEIGHTS).map(|(v, w)| v * w).sum();
    let check = (31 - sum % 31) % 31;
    char::from(CREDIT_ALPHABET[check as usize])
}

impl fmt::Display for CreditCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// Implements serde as a JSON string for a type with `parse` and `as_str`.
macro_rules! string_serde {
    ($name:ident, $err:ident) => {
        impl serde::Serialize for $name {
            fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.serialize_str(self.as_str())
            }
        }
        impl<'de> serde::Deserialize<'de> for $name {
            fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                let text = <std::borrow::Cow<'de, str> as serde::Deserialize>::deserialize(d)?;
                $name::parse(&text).map_err(serde::de::Error::custom)
            }
        }
        impl std::str::FromStr for $name {
            type Err = $err;
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                $name::parse(s)
            }
        }
    };
}

string_serde!(ResidentId, ResidentIdError);
string_serde!(CreditCode, CreditCodeError);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_ids_pass() {
        // From the shared example roster.
        for id in [
            "350111199006074875",
            "350212197810284446",
            "350322196909183120",
        ] {
            ResidentId::parse(id).unwrap();
        }
        // The ID of GB 11643's own worked example ends in X.
        assert_eq!(check_character("11010519491231002"), 'X');
    }

    #[test]
    fn exposes_birth_date_and_sex() {
        let id = ResidentId::parse("350111199006074875").unwrap();
        assert_eq!(id.birth_date().to_string(), "1990-06-07");
        assert_eq!(id.sex(), Sex::Male);
        assert_eq!(
            ResidentId::parse("350212197810284446").unwrap().sex(),
            Sex::Female
        );
    }

    #[test]
    fn rejections_say_why() {
        assert_eq!(
            ResidentId::parse("35011119900607487"),
            Err(ResidentIdError::Length(17))
        );
        assert_eq!(
            ResidentId::parse("350111199006074874"),
            Err(ResidentIdError::Checksum {
                found: '4',
                expected: '5'
            })
        );
        assert!(matches!(
            ResidentId::parse("350111199002304875"),
            Err(ResidentIdError::BirthDate(_))
        ));
        assert!(matches!(
            ResidentId::parse("990111199006074875"),
            Err(ResidentIdError::Area(_))
        ));
        assert!(matches!(
            ResidentId::parse("11010519491231002x"),
            Err(ResidentIdError::CheckCharacter('x'))
        ));
    }

    #[test]
    fn debug_masks_the_id() {
        let id = ResidentId::parse("350111199006074875").unwrap();
        assert!(!format!("{id:?}").contains("19900607"));
    }

    #[test]
    fn credit_codes_from_the_examples_pass() {
        for code in ["91350100MAAL7J5T3Y", "913502006354090967"] {
            CreditCode::parse(code).unwrap();
        }
        assert!(matches!(
            CreditCode::parse("91350100MAAL7J5T3X"),
            Err(CreditCodeError::Checksum { .. })
        ));
        assert!(matches!(
            CreditCode::parse("91350100MAAL7J5TOY"),
            Err(CreditCodeError::Alphabet { position: 17, .. })
        ));
    }
}
