//! The units the official form states amounts in: yuan (元) for income, ten thousand yuan (万元)
//! for prices, holdings and capital. A report always holds amounts in the currency's own units
//! (FORMATS.md); a unit only changes how an amount is typed and shown.
//!
//! Conversions are exact: the decimal point moves, nothing is rounded, no float is involved. A
//! value with more decimals than a fen (0.000001 万元) is refused, not rounded.
//!
//! ```
//! use probity_model::unit::MoneyUnit;
//!
//! assert_eq!(MoneyUnit::Wan.to_base("123.4567").unwrap().to_string(), "1234567");
//! assert_eq!(MoneyUnit::Wan.to_base("0.000001").unwrap().to_string(), "0.01");
//! assert!(MoneyUnit::Wan.to_base("0.0000001").is_err()); // less than a fen
//! assert_eq!(MoneyUnit::Wan.show("1234567.00"), "123.4567");
//! ```

use crate::decimal::{Decimal, DecimalError};

/// A unit an amount is typed and shown in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum MoneyUnit {
    /// The currency's own unit: yuan (元) for amounts in CNY.
    Yuan,
    /// Ten thousand of the currency's unit: 万元.
    Wan,
}

impl MoneyUnit {
    /// Every unit.
    pub const ALL: [MoneyUnit; 2] = [MoneyUnit::Yuan, MoneyUnit::Wan];

    /// The unit's name in message keys and data (`yuan`, `wan`).
    pub fn key(&self) -> &'static str {
        match self {
            MoneyUnit::Yuan => "yuan",
            MoneyUnit::Wan => "wan",
        }
    }

    /// How many places the decimal point moves between this unit and the currency's unit.
    fn shift(&self) -> u32 {
        match self {
            MoneyUnit::Yuan => 0,
            MoneyUnit::Wan => 4,
        }
    }

    /// The most decimals a value in this unit may have: down to a fen (two decimals of yuan,
    /// six of 万元).
    pub fn max_decimals(&self) -> u32 {
        crate::quantity::Amount::SCALE + self.shift()
    }

    /// The amount in the currency's units, from `text` typed in this unit. Refuses what is not a
    /// plain non-negative decimal, and more decimals than [`MoneyUnit::max_decimals`], naming
    /// the text as typed.
    pub fn to_base(&self, text: &str) -> Result<Decimal, DecimalError> {
        let d = Decimal::parse(text)?;
        if d.is_negative() {
            return Err(DecimalError::Negative(text.to_owned()));
        }
        if d.scale() > self.max_decimals() {
            return Err(DecimalError::Scale {
                value: text.to_owned(),
                max: self.max_decimals(),
            });
        }
        self.moved_to_base(text)
    }

    /// The amount in the currency's units, from `text` typed in this unit, with the point moved
    /// and nothing checked but the syntax: a negative value or one finer than a fen stays what it
    /// is, for the report's validation to refuse (a form keeps what was typed).
    pub fn moved_to_base(&self, text: &str) -> Result<Decimal, DecimalError> {
        let d = Decimal::parse(text)?;
        let shift = self.shift();
        Ok(if d.scale() >= shift {
            Decimal::from_parts(d.mantissa(), d.scale() - shift)
        } else {
            // Parsed from at most 30 digits, so four more fit an i128.
            let mantissa = d
                .mantissa()
                .checked_mul(10i128.pow(shift - d.scale()))
                .ok_or_else(|| DecimalError::TooLong(text.to_owned()))?;
            Decimal::from_parts(mantissa, 0)
        })
    }

    /// An amount in the currency's units, written in this unit for a form: yuan as written, 万元
    /// without trailing zeros (`"1500000.00"` is `"150"`). Text that is not a decimal is
    /// returned as it is, so that what was typed is never lost.
    pub fn show(&self, base: &str) -> String {
        if *self == MoneyUnit::Yuan {
            return base.to_owned();
        }
        match Decimal::parse(base) {
            Ok(d) => {
                trimmed(Decimal::from_parts(d.mantissa(), d.scale() + self.shift())).to_string()
            }
            Err(_) => base.to_owned(),
        }
    }
}

/// The same value without trailing fractional zeros.
fn trimmed(d: Decimal) -> Decimal {
    let (mut m, mut s) = (d.mantissa(), d.scale());
    while s > 0 && m % 10 == 0 {
        m /= 10;
        s -= 1;
    }
    Decimal::from_parts(m, s)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::quantity::Amount;
    use proptest::prelude::*;

    #[test]
    fn wan_moves_the_point_four_places() {
        let base = |t: &str| MoneyUnit::Wan.to_base(t).unwrap().to_string();
        assert_eq!(base("1"), "10000");
        assert_eq!(base("1.5"), "15000");
        assert_eq!(base("0.01"), "100");
        assert_eq!(base("12.345678"), "123456.78");
        assert_eq!(base("0"), "0");
        assert!(matches!(
            MoneyUnit::Wan.to_base("1.0000001"),
            Err(DecimalError::Scale { max: 6, .. })
        ));
        assert!(matches!(
            MoneyUnit::Yuan.to_base("1.001"),
            Err(DecimalError::Scale { max: 2, .. })
        ));
        assert!(matches!(
            MoneyUnit::Wan.to_base("-1"),
            Err(DecimalError::Negative(_))
        ));
        assert!(MoneyUnit::Wan.to_base("1e4").is_err());
        assert_eq!(
            MoneyUnit::Wan
                .moved_to_base("-0.0000001")
                .unwrap()
                .to_string(),
            "-0.001"
        );
        assert_eq!(MoneyUnit::Wan.show("1500000.00"), "150");
        assert_eq!(MoneyUnit::Wan.show("0.01"), "0.000001");
        assert_eq!(MoneyUnit::Wan.show("0"), "0");
        assert_eq!(MoneyUnit::Yuan.show("100.00"), "100.00");
        assert_eq!(MoneyUnit::Wan.show("abc"), "abc");
    }

    proptest! {
        /// Every amount a report can hold, shown in 万元 and typed back, is the same amount.
        #[test]
        fn every_amount_round_trips_through_wan(fen in 0i64..=i64::MAX / 2) {
            let amount = Amount::from_minor_units(fen).unwrap();
            for unit in MoneyUnit::ALL {
                let shown = unit.show(&amount.to_string());
                let back = Amount::parse(&unit.to_base(&shown).unwrap().to_string()).unwrap();
                prop_assert_eq!(back, amount);
            }
        }
    }
}
