//! Every value parser of probity-model on any text: none may panic, and whatever one accepts must
//! print to text that it accepts again as the same value.
#![no_main]

use libfuzzer_sys::fuzz_target;
use probity_model::{
    Amount, AreaM2, Country, CreditCode, Currency, Date, Decimal, MonthOrDate, Percent, Quantity,
    ResidentId, YearMonth,
};

macro_rules! round_trip {
    ($t:ty, $text:expr) => {
        if let Ok(v) = <$t>::parse($text) {
            let printed = v.to_string();
            match <$t>::parse(&printed) {
                Ok(again) => {
                    assert_eq!(again, v, "{} {:?} -> {:?}", stringify!($t), $text, printed)
                }
                Err(e) => panic!(
                    "{} {:?} prints as {:?}, refused: {e}",
                    stringify!($t),
                    $text,
                    printed
                ),
            }
        }
    };
}

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    round_trip!(Decimal, text);
    round_trip!(ResidentId, text);
    round_trip!(CreditCode, text);
    round_trip!(Amount, text);
    round_trip!(AreaM2, text);
    round_trip!(Percent, text);
    round_trip!(Quantity, text);
    round_trip!(Currency, text);
    round_trip!(Country, text);
    round_trip!(Date, text);
    round_trip!(YearMonth, text);
    round_trip!(MonthOrDate, text);
    let _ = AreaM2::parse_rounded(text);
    let _ = ResidentId::from_first_17(text);
    let _ = CreditCode::from_first_17(text);
    // Arithmetic and rounding on whatever parsed, against the value itself.
    if let Ok(d) = Decimal::parse(text) {
        let _ = d.checked_sub(&d);
        for scale in 0..4 {
            let _ = d.round_half_up(scale);
        }
    }
});
