//! One module per group of declaration sections. Each reads the rows the family owns in its
//! sources, matches them with the declared items by the section's keys, compares matched pairs
//! field by field at the profile's precision, and pushes `unreported`, `unconfirmed`,
//! `understated`, `overstated` and `differs` drafts to the context.

pub mod businesses;
pub mod family;
pub mod income;
pub mod marriage;
pub mod real_estate;
pub mod securities;
pub mod travel;

use std::cmp::Ordering;

use probity_model::Decimal;
use probity_model::finding::FindingKind;

/// Compares a declared and a registry value: equal within `tolerance` (inclusive), else which is
/// larger. Money is compared within the profile's 100 yuan.
pub fn compare_within(declared: Decimal, registry: Decimal, tolerance: Decimal) -> Ordering {
    let Some(diff) = declared.checked_sub(&registry) else {
        return declared.cmp(&registry);
    };
    let magnitude = if diff.is_negative() {
        Decimal::ZERO.checked_sub(&diff).unwrap_or(diff)
    } else {
        diff
    };
    if magnitude <= tolerance {
        Ordering::Equal
    } else {
        diff.cmp(&Decimal::ZERO)
    }
}

/// Compares at a precision: both rounded half up to `scale` decimals, then exactly.
pub fn compare_rounded(declared: Decimal, registry: Decimal, scale: u32) -> Ordering {
    declared
        .round_half_up(scale)
        .cmp(&registry.round_half_up(scale))
}

/// The kind of a value disagreement, if any.
pub fn kind_of(order: Ordering) -> Option<FindingKind> {
    match order {
        Ordering::Less => Some(FindingKind::Understated),
        Ordering::Greater => Some(FindingKind::Overstated),
        Ordering::Equal => None,
    }
}

/// The snake_case name serde gives an enumeration value (`permanent_residence`), as findings write it.
pub fn enum_name<T: serde::Serialize>(value: &T) -> String {
    serde_json::to_value(value)
        .ok()
        .and_then(|v| v.as_str().map(str::to_owned))
        .unwrap_or_default()
}

/// The number of decimals a precision such as `0.01` asks for.
pub fn scale_of(precision: Decimal) -> u32 {
    precision.scale()
}

/// Character-bigram Dice similarity of two strings in [0, 1], for names that are written with
/// words added or dropped.
pub fn similarity(a: &str, b: &str) -> f64 {
    let grams = |s: &str| -> Vec<(char, char)> {
        let c: Vec<char> = s.chars().collect();
        c.windows(2).map(|w| (w[0], w[1])).collect()
    };
    let (ga, mut gb) = (grams(a), grams(b));
    if ga.is_empty() || gb.is_empty() {
        return if a == b { 1.0 } else { 0.0 };
    }
    let total = ga.len() + gb.len();
    let mut shared = 0;
    for g in &ga {
        if let Some(i) = gb.iter().position(|x| x == g) {
            gb.swap_remove(i);
            shared += 1;
        }
    }
    2.0 * shared as f64 / total as f64
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(t: &str) -> Decimal {
        Decimal::parse(t).unwrap()
    }

    #[test]
    fn money_within_a_hundred_is_equal() {
        assert_eq!(
            compare_within(d("169100.00"), d("169078.64"), d("100")),
            Ordering::Equal
        );
        assert_eq!(
            compare_within(d("11900.00"), d("23736.01"), d("100")),
            Ordering::Less
        );
        assert_eq!(
            compare_within(d("24000"), d("23736.01"), d("100")),
            Ordering::Greater
        );
    }

    #[test]
    fn areas_compare_after_rounding() {
        assert_eq!(compare_rounded(d("96.39"), d("96.392"), 2), Ordering::Equal);
        assert_eq!(compare_rounded(d("96.39"), d("96.395"), 2), Ordering::Less);
    }
}
