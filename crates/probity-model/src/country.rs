//! ISO 3166-1 alpha-2 country and region codes (`HK`, `MO`, `TW` for the regions).

use std::fmt;

use thiserror::Error;

/// Every officially assigned ISO 3166-1 alpha-2 code, sorted.
const CODES: &str = "AD AE AF AG AI AL AM AO AQ AR AS AT AU AW AX AZ \
BA BB BD BE BF BG BH BI BJ BL BM BN BO BQ BR BS BT BV BW BY BZ \
CA CC CD CF CG CH CI CK CL CM CN CO CR CU CV CW CX CY CZ \
DE DJ DK DM DO DZ EC EE EG EH ER ES ET FI FJ FK FM FO FR \
GA GB GD GE GF GG GH GI GL GM GN GP GQ GR GS GT GU GW GY \
HK HM HN HR HT HU ID IE IL IM IN IO IQ IR IS IT JE JM JO JP \
KE KG KH KI KM KN KP KR KW KY KZ LA LB LC LI LK LR LS LT LU LV LY \
MA MC MD ME MF MG MH MK ML MM MN MO MP MQ MR MS MT MU MV MW MX MY MZ \
NA NC NE NF NG NI NL NO NP NR NU NZ OM PA PE PF PG PH PK PL PM PN PR PS PT PW PY \
QA RE RO RS RU RW SA SB SC SD SE SG SH SI SJ SK SL SM SN SO SR SS ST SV SX SY SZ \
TC TD TF TG TH TJ TK TL TM TN TO TR TT TV TW TZ UA UG UM US UY UZ \
VA VC VE VG VI VN VU WF WS YE YT ZA ZM ZW";

/// Why a country code was rejected.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[error(
    "{0:?} is not an ISO 3166-1 alpha-2 code (two upper-case letters, HK/MO/TW for the regions)"
)]
pub struct CountryError(String);

/// A country or region by its ISO 3166-1 alpha-2 code.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Country([u8; 2]);

impl Country {
    /// Parses an assigned alpha-2 code.
    pub fn parse(text: &str) -> Result<Country, CountryError> {
        let b = text.as_bytes();
        if b.len() == 2
            && b.iter().all(u8::is_ascii_uppercase)
            && CODES.split(' ').any(|c| c == text)
        {
            Ok(Country([b[0], b[1]]))
        } else {
            Err(CountryError(text.to_owned()))
        }
    }

    /// The two-letter code.
    pub fn as_str(&self) -> &str {
        std::str::from_utf8(&self.0).unwrap_or("??")
    }

    /// True for Hong Kong, Macao and Taiwan, which the rules treat apart from foreign countries.
    pub fn is_hk_macao_taiwan(&self) -> bool {
        matches!(&self.0, b"HK" | b"MO" | b"TW")
    }

    /// Every assigned code, for generators and pickers.
    pub fn all() -> impl Iterator<Item = Country> {
        CODES.split(' ').filter_map(|c| Country::parse(c).ok())
    }
}

impl fmt::Display for Country {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl serde::Serialize for Country {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

impl<'de> serde::Deserialize<'de> for Country {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let text = <std::borrow::Cow<'de, str> as serde::Deserialize>::deserialize(d)?;
        Country::parse(&text).map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_list_is_complete_and_sorted() {
        let codes: Vec<&str> = CODES.split(' ').collect();
        assert_eq!(codes.len(), 249);
        assert!(codes.windows(2).all(|w| w[0] < w[1]));
    }

    #[test]
    fn regions_are_codes_too() {
        assert!(Country::parse("HK").unwrap().is_hk_macao_taiwan());
        assert!(!Country::parse("JP").unwrap().is_hk_macao_taiwan());
        for bad in ["hk", "XX", "USA", ""] {
            assert!(Country::parse(bad).is_err());
        }
    }
}
