//! Quantities the declaration states: money, area, percentage, and counts of shares or units.
//!
//! Each is a [`Decimal`] that was checked on the way in, so a value of these types is always valid.

use std::fmt;

use thiserror::Error;

use crate::decimal::{Decimal, DecimalError, decimal_newtype};

/// Parses a decimal that is never negative and has at most `max_scale` decimals: the shared
/// form of the quantities below.
fn non_negative(text: &str, max_scale: u32) -> Result<Decimal, DecimalError> {
    let d = Decimal::parse(text)?;
    if d.is_negative() {
        return Err(DecimalError::Negative(text.to_owned()));
    }
    at_most(d, text, max_scale)
}

/// `d` if it has at most `max_scale` decimals.
fn at_most(d: Decimal, text: &str, max_scale: u32) -> Result<Decimal, DecimalError> {
    if d.scale() > max_scale {
        return Err(DecimalError::Scale {
            value: text.to_owned(),
            max: max_scale,
        });
    }
    Ok(d)
}

/// An amount of money in a currency's units, written as a decimal string with at most two
/// fractional digits (`"1234.56"`): never negative, held exactly in minor units (fen for yuan).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Amount(Decimal);

impl Amount {
    /// Fractional digits an amount may have (fen, cents).
    pub const SCALE: u32 = 2;

    /// Parses a non-negative amount with at most two decimals.
    pub fn parse(text: &str) -> Result<Amount, DecimalError> {
        let d = non_negative(text, Self::SCALE)?;
        // Minor units must fit an i64 so that stores and sums stay in plain integers.
        if d.to_scaled(Self::SCALE)
            .and_then(|m| i64::try_from(m).ok())
            .is_none()
        {
            return Err(DecimalError::TooLong(text.to_owned()));
        }
        Ok(Amount(d))
    }

    /// An amount from minor units (fen): `from_minor_units(123456)` is `"1234.56"`.
    pub fn from_minor_units(minor: i64) -> Option<Amount> {
        (minor >= 0).then(|| Amount(Decimal::from_parts(i128::from(minor), Self::SCALE)))
    }

    /// The amount in minor units (fen for yuan).
    pub fn minor_units(&self) -> i64 {
        // `parse` guaranteed the scaled value fits an i64.
        self.0
            .to_scaled(Self::SCALE)
            .and_then(|m| i64::try_from(m).ok())
            .unwrap_or(i64::MAX)
    }

    /// The exact decimal value.
    pub fn decimal(&self) -> Decimal {
        self.0
    }

    /// True when zero.
    pub fn is_zero(&self) -> bool {
        self.0.is_zero()
    }
}
decimal_newtype!(Amount);

/// Why a currency code was rejected.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[error("{0:?} is not an ISO 4217 currency code (three upper-case letters)")]
pub struct CurrencyError(String);

/// An ISO 4217 currency code such as `CNY`, `USD`, `HKD`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Currency([u8; 3]);

impl Currency {
    /// The yuan, the currency of every amount that names none.
    pub const CNY: Currency = Currency(*b"CNY");

    /// Parses three upper-case ASCII letters.
    pub fn parse(text: &str) -> Result<Currency, CurrencyError> {
        match text.as_bytes() {
            [a, b, c] if [a, b, c].iter().all(|x| x.is_ascii_uppercase()) => {
                Ok(Currency([*a, *b, *c]))
            }
            _ => Err(CurrencyError(text.to_owned())),
        }
    }

    /// The three-letter code.
    pub fn code(&self) -> &str {
        // Only ASCII upper-case letters are ever stored.
        std::str::from_utf8(&self.0).unwrap_or("???")
    }
}

impl fmt::Display for Currency {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

impl serde::Serialize for Currency {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.code())
    }
}

impl<'de> serde::Deserialize<'de> for Currency {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let text = <std::borrow::Cow<'de, str> as serde::Deserialize>::deserialize(d)?;
        Currency::parse(&text).map_err(serde::de::Error::custom)
    }
}

/// Money: an exact amount together with its currency.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Money {
    amount: Amount,
    currency: Currency,
}

impl Money {
    /// Money in the given currency.
    pub fn new(amount: Amount, currency: Currency) -> Money {
        Money { amount, currency }
    }

    /// Yuan, the default currency.
    pub fn yuan(amount: Amount) -> Money {
        Money::new(amount, Currency::CNY)
    }

    /// The amount.
    pub fn amount(&self) -> Amount {
        self.amount
    }

    /// The currency.
    pub fn currency(&self) -> Currency {
        self.currency
    }

    /// The amount in the currency's minor units.
    pub fn minor_units(&self) -> i64 {
        self.amount.minor_units()
    }
}

impl fmt::Display for Money {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}", self.amount, self.currency)
    }
}

/// A floor area in square metres, at most two decimals, never negative.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct AreaM2(Decimal);

impl AreaM2 {
    /// The form's precision: hundredths of a square metre.
    pub const SCALE: u32 = 2;

    /// Parses an area as a declaration writes it (at most two decimals).
    pub fn parse(text: &str) -> Result<AreaM2, DecimalError> {
        let d = non_negative(text, Self::SCALE)?;
        Ok(AreaM2(d))
    }

    /// Parses an area as a registry writes it, rounding half up to the form's precision.
    pub fn parse_rounded(text: &str) -> Result<AreaM2, DecimalError> {
        let d = Decimal::parse(text)?;
        if d.is_negative() {
            return Err(DecimalError::Negative(text.to_owned()));
        }
        Ok(AreaM2(d.round_half_up(Self::SCALE)))
    }

    /// The area in hundredths of a square metre.
    pub fn hundredths(&self) -> i128 {
        self.0.to_scaled(Self::SCALE).unwrap_or(i128::MAX)
    }

    /// The exact decimal value.
    pub fn decimal(&self) -> Decimal {
        self.0
    }
}
decimal_newtype!(AreaM2);

/// A percentage from 0 to 100 inclusive, at most two decimals (`"30"`, `"33.33"`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Percent(Decimal);

impl Percent {
    /// Fractional digits a percentage may have.
    pub const SCALE: u32 = 2;

    /// Parses a percentage between 0 and 100.
    pub fn parse(text: &str) -> Result<Percent, DecimalError> {
        let d = at_most(Decimal::parse(text)?, text, Self::SCALE)?;
        if d.is_negative() || d > Decimal::from_parts(100, 0) {
            return Err(DecimalError::Range {
                value: text.to_owned(),
                min: "0".into(),
                max: "100".into(),
            });
        }
        Ok(Percent(d))
    }

    /// The share in basis points of a whole (100% = 10000).
    pub fn basis_points(&self) -> u16 {
        self.0
            .to_scaled(Self::SCALE)
            .and_then(|v| u16::try_from(v).ok())
            .unwrap_or(0)
    }

    /// The exact decimal value.
    pub fn decimal(&self) -> Decimal {
        self.0
    }
}
decimal_newtype!(Percent);

/// A count of shares or fund units: never negative, at most four decimals (fund units are
/// compared to 0.01, shares exactly).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Quantity(Decimal);

impl Quantity {
    /// Fractional digits a quantity may have.
    pub const SCALE: u32 = 4;

    /// Parses a non-negative quantity.
    pub fn parse(text: &str) -> Result<Quantity, DecimalError> {
        let d = non_negative(text, Self::SCALE)?;
        Ok(Quantity(d))
    }

    /// The exact decimal value.
    pub fn decimal(&self) -> Decimal {
        self.0
    }

    /// True when zero.
    pub fn is_zero(&self) -> bool {
        self.0.is_zero()
    }
}
decimal_newtype!(Quantity);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn amount_is_exact_in_fen() {
        assert_eq!(Amount::parse("1234.56").unwrap().minor_units(), 123_456);
        assert_eq!(Amount::parse("0").unwrap().minor_units(), 0);
        assert_eq!(Amount::from_minor_units(5).unwrap().to_string(), "0.05");
        assert!(Amount::parse("1.234").is_err());
        assert!(Amount::parse("-1").is_err());
        assert!(Amount::parse("99999999999999999999").is_err());
    }

    #[test]
    fn percent_is_bounded() {
        assert_eq!(Percent::parse("33.33").unwrap().basis_points(), 3333);
        assert_eq!(Percent::parse("100").unwrap().basis_points(), 10000);
        assert!(Percent::parse("100.01").is_err());
        assert!(Percent::parse("-0.5").is_err());
    }

    #[test]
    fn registry_areas_round_half_up_to_the_form() {
        assert_eq!(
            AreaM2::parse_rounded("89.505").unwrap().to_string(),
            "89.51"
        );
        assert!(AreaM2::parse("89.505").is_err());
        assert_eq!(
            AreaM2::parse("89.5").unwrap(),
            AreaM2::parse("89.50").unwrap()
        );
    }

    #[test]
    fn currency_is_three_capitals() {
        assert_eq!(Currency::parse("USD").unwrap().code(), "USD");
        for bad in ["usd", "US", "USDX", "U$D"] {
            assert!(Currency::parse(bad).is_err());
        }
    }

    #[test]
    fn serde_writes_the_decimal_string() {
        let a: Amount = serde_json::from_str("\"60000.00\"").unwrap();
        assert_eq!(serde_json::to_string(&a).unwrap(), "\"60000.00\"");
        assert!(serde_json::from_str::<Amount>("60000").is_err());
    }
}
