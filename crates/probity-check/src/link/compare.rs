//! Normal forms per column kind, and the agreement level of a pair of values.
//!
//! Level 0 is "missing" (a blank on either side: no evidence either way); level 1 is "different";
//! higher levels are closer agreement, the highest being exact.

use super::Table;
use super::config::FieldKind;

/// How many levels a kind has, including missing and different.
pub fn levels(kind: FieldKind) -> usize {
    match kind {
        FieldKind::Name | FieldKind::Text | FieldKind::Address => 5,
        FieldKind::Date | FieldKind::Number | FieldKind::Postcode => 4,
        FieldKind::Exact => 3,
    }
}

/// The comparable form of a raw cell; `None` when blank.
pub fn normalise(raw: &str, kind: FieldKind) -> Option<Box<str>> {
    let raw = raw.trim();
    let out: String = match kind {
        FieldKind::Name => crate::normalize::name(raw),
        FieldKind::Text => raw
            .split_whitespace()
            .collect::<Vec<_>>()
            .join(" ")
            .to_lowercase(),
        FieldKind::Date => raw.chars().filter(char::is_ascii_digit).collect(),
        FieldKind::Exact => raw.to_owned(),
        FieldKind::Number => raw
            .chars()
            .filter(|c| c.is_ascii_digit() || *c == '.' || *c == '-')
            .collect(),
        FieldKind::Postcode => raw
            .chars()
            .filter(|c| c.is_alphanumeric())
            .collect::<String>()
            .to_uppercase(),
        FieldKind::Address => raw
            .to_lowercase()
            .chars()
            .map(|c| if c.is_alphanumeric() { c } else { ' ' })
            .collect::<String>()
            .split_whitespace()
            .collect::<Vec<_>>()
            .join(" "),
    };
    (!out.is_empty()).then(|| out.into_boxed_str())
}

/// The agreement level of two normalised values.
pub fn level(a: Option<&str>, b: Option<&str>, kind: FieldKind) -> u8 {
    let (Some(a), Some(b)) = (a, b) else { return 0 };
    if a == b {
        return (levels(kind) - 1) as u8;
    }
    match kind {
        FieldKind::Name | FieldKind::Text => {
            let jw = strsim::jaro_winkler(a, b);
            if jw >= 0.94 {
                3
            } else if jw >= 0.88 {
                2
            } else {
                1
            }
        }
        FieldKind::Date | FieldKind::Postcode => {
            if strsim::damerau_levenshtein(a, b) <= 1 {
                2
            } else {
                1
            }
        }
        FieldKind::Number => match (a.parse::<f64>(), b.parse::<f64>()) {
            (Ok(x), Ok(y)) if (x - y).abs() <= 1.0_f64.max(0.05 * x.abs().max(y.abs())) => 2,
            _ => 1,
        },
        FieldKind::Exact => 1,
        FieldKind::Address => {
            let ta: Vec<&str> = a.split(' ').collect();
            let tb: Vec<&str> = b.split(' ').collect();
            let shared = ta.iter().filter(|t| tb.contains(t)).count();
            let union = ta.len() + tb.len() - shared;
            let jaccard = if union == 0 {
                0.0
            } else {
                shared as f64 / union as f64
            };
            if jaccard >= 0.8 || strsim::jaro_winkler(a, b) >= 0.95 {
                3
            } else if jaccard >= 0.5 {
                2
            } else {
                1
            }
        }
    }
}

/// The agreement pattern of a pair: one level per field.
pub fn pattern(left: &Table, right: &Table, l: usize, r: usize, kinds: &[FieldKind]) -> Vec<u8> {
    kinds
        .iter()
        .enumerate()
        .map(|(f, kind)| {
            level(
                left.values[f][l].as_deref(),
                right.values[f][r].as_deref(),
                *kind,
            )
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn levels_order_agreement() {
        let n = |a: &str, b: &str| level(Some(a), Some(b), FieldKind::Name);
        assert_eq!(n("michaela", "michaela"), 4);
        assert!(n("michaela", "micheala") >= 2);
        assert_eq!(n("michaela", "zhou"), 1);
        assert_eq!(level(None, Some("x"), FieldKind::Name), 0);
        let d = |a: &str, b: &str| level(Some(a), Some(b), FieldKind::Date);
        assert_eq!(d("19560920", "19560920"), 3);
        assert_eq!(d("19560920", "19569020"), 2);
        assert_eq!(d("19560920", "19781231"), 1);
    }

    #[test]
    fn normal_forms_fold_noise() {
        assert_eq!(
            normalise(" 1956-09-20 ", FieldKind::Date).as_deref(),
            Some("19560920")
        );
        assert_eq!(normalise("郭 順", FieldKind::Name).as_deref(), Some("郭顺"));
        assert_eq!(normalise("   ", FieldKind::Text), None);
    }
}
