//! Exact decimal numbers as the formats write them: `"1234.56"`, never a float.

use std::cmp::Ordering;
use std::fmt;
use std::str::FromStr;

use thiserror::Error;

/// Why a decimal string was rejected.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum DecimalError {
    /// The text is not of the form `123` or `123.45`.
    #[error("{0:?} is not a decimal number (expected digits with an optional '.' and fraction)")]
    Syntax(String),
    /// More digits than the type holds.
    #[error("{0:?} has too many digits")]
    TooLong(String),
    /// More fractional digits than the field allows.
    #[error("{value:?} has more than {max} decimal places")]
    Scale {
        /// The rejected text.
        value: String,
        /// The most fractional digits allowed.
        max: u32,
    },
    /// A negative number where only zero or more is allowed.
    #[error("{0:?} is negative")]
    Negative(String),
    /// Outside the allowed range.
    #[error("{value:?} is outside {min}..={max}")]
    Range {
        /// The rejected text.
        value: String,
        /// Lowest allowed value.
        min: String,
        /// Highest allowed value.
        max: String,
    },
}

/// An exact decimal: `mantissa × 10^-scale`. Equality and order are by value, so `"100"` equals
/// `"100.00"`; the scale is kept only so that a value prints as it was written.
#[derive(Debug, Clone, Copy)]
pub struct Decimal {
    mantissa: i128,
    scale: u32,
}

/// The most significant digits a [`Decimal`] holds; far beyond any amount, area or holding.
const MAX_DIGITS: usize = 30;

impl Decimal {
    /// Zero, written `"0"`.
    pub const ZERO: Decimal = Decimal {
        mantissa: 0,
        scale: 0,
    };

    /// Parses `-?digits(.digits)?`: no exponent, no sign `+`, no spaces, no thousands separators.
    pub fn parse(text: &str) -> Result<Decimal, DecimalError> {
        let syntax = || DecimalError::Syntax(text.to_owned());
        let (negative, body) = match text.strip_prefix('-') {
            Some(rest) => (true, rest),
            None => (false, text),
        };
        let (int, frac) = match body.split_once('.') {
            Some((i, f)) => (i, f),
            None => (body, ""),
        };
        if int.is_empty() || (body.contains('.') && frac.is_empty()) {
            return Err(syntax());
        }
        if !int.bytes().all(|b| b.is_ascii_digit()) || !frac.bytes().all(|b| b.is_ascii_digit()) {
            return Err(syntax());
        }
        if int.len() + frac.len() > MAX_DIGITS {
            return Err(DecimalError::TooLong(text.to_owned()));
        }
        let mut mantissa: i128 = 0;
        for b in int.bytes().chain(frac.bytes()) {
            mantissa = mantissa * 10 + i128::from(b - b'0');
        }
        if negative {
            mantissa = -mantissa;
        }
        let scale =
            u32::try_from(frac.len()).map_err(|_| DecimalError::TooLong(text.to_owned()))?;
        Ok(Decimal { mantissa, scale })
    }

    /// A decimal from an integer mantissa and a scale: `from_parts(12345, 2)` is `123.45`.
    pub fn from_parts(mantissa: i128, scale: u32) -> Decimal {
        Decimal { mantissa, scale }
    }

    /// The integer digits, as written (scaled by `10^scale`).
    pub fn mantissa(&self) -> i128 {
        self.mantissa
    }

    /// How many fractional digits the value was written with.
    pub fn scale(&self) -> u32 {
        self.scale
    }

    /// True when below zero.
    pub fn is_negative(&self) -> bool {
        self.mantissa < 0
    }

    /// True when zero.
    pub fn is_zero(&self) -> bool {
        self.mantissa == 0
    }

    /// The value as an integer count of `10^-scale` units, if it has no more fractional digits
    /// than `scale` (so `"12.3"` at scale 2 is `1230`; `"12.345"` at scale 2 is `None`).
    pub fn to_scaled(&self, scale: u32) -> Option<i128> {
        if self.scale <= scale {
            self.mantissa
                .checked_mul(10i128.checked_pow(scale - self.scale)?)
        } else {
            let factor = 10i128.checked_pow(self.scale - scale)?;
            (self.mantissa % factor == 0).then(|| self.mantissa / factor)
        }
    }

    /// Rounds half away from zero to `scale` fractional digits (the registries' "half up").
    pub fn round_half_up(&self, scale: u32) -> Decimal {
        if self.scale <= scale {
            return *self;
        }
        let factor = 10i128.pow(self.scale - scale);
        let half = factor / 2;
        let magnitude = self.mantissa.abs();
        let rounded = (magnitude + half) / factor;
        let mantissa = if self.mantissa < 0 { -rounded } else { rounded };
        Decimal { mantissa, scale }
    }

    /// The same value written with exactly `scale` fractional digits, if that loses nothing.
    pub fn with_scale(&self, scale: u32) -> Option<Decimal> {
        self.to_scaled(scale)
            .map(|mantissa| Decimal { mantissa, scale })
    }

    /// Sum of two decimals, at the larger scale.
    pub fn checked_add(&self, other: &Decimal) -> Option<Decimal> {
        let scale = self.scale.max(other.scale);
        let a = self.to_scaled(scale)?;
        let b = other.to_scaled(scale)?;
        Some(Decimal {
            mantissa: a.checked_add(b)?,
            scale,
        })
    }

    /// Difference of two decimals, at the larger scale.
    pub fn checked_sub(&self, other: &Decimal) -> Option<Decimal> {
        let negated = Decimal {
            mantissa: other.mantissa.checked_neg()?,
            scale: other.scale,
        };
        self.checked_add(&negated)
    }

    fn aligned(&self, other: &Decimal) -> (i128, i128) {
        let scale = self.scale.max(other.scale);
        // Both were parsed from at most MAX_DIGITS digits, so aligning cannot overflow i128.
        let a = self.mantissa * 10i128.pow(scale - self.scale);
        let b = other.mantissa * 10i128.pow(scale - other.scale);
        (a, b)
    }
}

impl PartialEq for Decimal {
    fn eq(&self, other: &Self) -> bool {
        self.cmp(other) == Ordering::Equal
    }
}

impl Eq for Decimal {}

impl PartialOrd for Decimal {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for Decimal {
    fn cmp(&self, other: &Self) -> Ordering {
        let (a, b) = self.aligned(other);
        a.cmp(&b)
    }
}

impl std::hash::Hash for Decimal {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        // Hash the value, not the writing: strip trailing zeros first.
        let (mut m, mut s) = (self.mantissa, self.scale);
        while s > 0 && m % 10 == 0 {
            m /= 10;
            s -= 1;
        }
        m.hash(state);
        s.hash(state);
    }
}

impl fmt::Display for Decimal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let sign = if self.mantissa < 0 { "-" } else { "" };
        let digits = self.mantissa.unsigned_abs().to_string();
        let scale = self.scale as usize;
        if scale == 0 {
            return write!(f, "{sign}{digits}");
        }
        let padded = format!("{digits:0>width$}", width = scale + 1);
        let (int, frac) = padded.split_at(padded.len() - scale);
        write!(f, "{sign}{int}.{frac}")
    }
}

impl FromStr for Decimal {
    type Err = DecimalError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Decimal::parse(s)
    }
}

/// Implements `Display`, `FromStr`, `TryFrom<String>`, serde (as a JSON string) for a decimal
/// newtype whose `parse` enforces its own constraints.
macro_rules! decimal_newtype {
    ($name:ident) => {
        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                std::fmt::Display::fmt(&self.0, f)
            }
        }
        impl std::str::FromStr for $name {
            type Err = $crate::decimal::DecimalError;
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                $name::parse(s)
            }
        }
        impl TryFrom<String> for $name {
            type Error = $crate::decimal::DecimalError;
            fn try_from(s: String) -> Result<Self, Self::Error> {
                $name::parse(&s)
            }
        }
        impl From<$name> for String {
            fn from(v: $name) -> String {
                v.to_string()
            }
        }
        impl serde::Serialize for $name {
            fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.collect_str(&self.0)
            }
        }
        impl<'de> serde::Deserialize<'de> for $name {
            fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                let text = <std::borrow::Cow<'de, str> as serde::Deserialize>::deserialize(d)?;
                $name::parse(&text).map_err(serde::de::Error::custom)
            }
        }
    };
}
pub(crate) use decimal_newtype;

impl serde::Serialize for Decimal {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> serde::Deserialize<'de> for Decimal {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let text = <std::borrow::Cow<'de, str> as serde::Deserialize>::deserialize(d)?;
        Decimal::parse(&text).map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_and_prints_as_written() {
        for text in ["0", "1234.56", "0.05", "100.00", "-3.5", "007"] {
            let d = Decimal::parse(text).unwrap();
            let expected = if text == "007" { "7" } else { text };
            assert_eq!(d.to_string(), expected);
        }
    }

    #[test]
    fn rejects_what_is_not_a_plain_decimal() {
        for text in [
            "", ".5", "5.", "1e3", "+1", " 1", "1,000", "1.2.3", "--1", "一",
        ] {
            assert!(Decimal::parse(text).is_err(), "{text:?} accepted");
        }
    }

    #[test]
    fn equality_is_by_value() {
        assert_eq!(
            Decimal::parse("100").unwrap(),
            Decimal::parse("100.00").unwrap()
        );
        assert!(Decimal::parse("99.99").unwrap() < Decimal::parse("100").unwrap());
    }

    #[test]
    fn rounds_half_up() {
        let r = |t: &str| Decimal::parse(t).unwrap().round_half_up(2).to_string();
        assert_eq!(r("89.505"), "89.51");
        assert_eq!(r("89.504"), "89.50");
        assert_eq!(r("-1.005"), "-1.01");
        assert_eq!(r("7.1"), "7.1");
    }

    #[test]
    fn scales_without_loss_only() {
        let d = Decimal::parse("12.3").unwrap();
        assert_eq!(d.to_scaled(2), Some(1230));
        assert_eq!(Decimal::parse("12.345").unwrap().to_scaled(2), None);
    }
}
