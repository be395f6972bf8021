//! Randomness that is a pure function of the seed: one ChaCha stream per person and purpose, and
//! keyed permutations that turn counters into unique, random-looking numbers.

use probity_model::Date;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

/// SplitMix64's finaliser: a good 64-bit mixing function.
pub(crate) fn mix(x: u64) -> u64 {
    let mut z = x.wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// The random stream of one person for one purpose (world or noise).
pub(crate) fn stream(seed: u64, index: u64, purpose: u64) -> ChaCha8Rng {
    let key = mix(mix(seed ^ mix(purpose)) ^ index.wrapping_mul(0xD6E8_FEB8_6659_FD93));
    ChaCha8Rng::seed_from_u64(key)
}

/// A keyed bijection of `[0, modulus)`: a balanced Feistel network on the smallest even number of
/// bits that holds the modulus, with cycle walking back into range.
#[derive(Debug, Clone)]
pub(crate) struct Perm {
    modulus: u64,
    half: u32,
    key: u64,
}

impl Perm {
    /// A permutation of `[0, modulus)` keyed by `key`.
    pub(crate) fn new(modulus: u64, key: u64) -> Perm {
        let bits = 64 - modulus.saturating_sub(1).leading_zeros();
        Perm {
            modulus: modulus.max(1),
            half: bits.div_ceil(2).max(1),
            key: mix(key),
        }
    }

    /// The image of `n` (which must be below the modulus).
    pub(crate) fn apply(&self, n: u64) -> u64 {
        let mut x = n % self.modulus;
        loop {
            x = self.feistel(x);
            if x < self.modulus {
                return x;
            }
        }
    }

    fn feistel(&self, x: u64) -> u64 {
        let mask = (1u64 << self.half) - 1;
        let (mut l, mut r) = (x >> self.half, x & mask);
        for round in 0..4u64 {
            let f = mix(r ^ self.key.wrapping_add(round.wrapping_mul(0x9E37))) & mask;
            let next = l ^ f;
            l = r;
            r = next;
        }
        (l << self.half) | r
    }
}

/// A random element of a non-empty slice.
pub(crate) fn pick<'a, T, R: Rng>(rng: &mut R, items: &'a [T]) -> &'a T {
    &items[rng.random_range(0..items.len())]
}

/// A random element of a weighted list.
pub(crate) fn weighted<T: Copy, R: Rng>(rng: &mut R, items: &[(T, u32)]) -> T {
    let total: u32 = items.iter().map(|(_, w)| *w).sum();
    let mut x = rng.random_range(0..total.max(1));
    for (item, w) in items {
        if x < *w {
            return *item;
        }
        x -= w;
    }
    items[items.len() - 1].0
}

/// A date from its parts; the callers pass parts that exist.
pub(crate) fn ymd(year: i32, month: u32, day: u32) -> Date {
    Date::from_ymd(year, month, day)
        .or_else(|| Date::from_ymd(year, month, 28))
        .unwrap_or(Date::MIN)
}

/// `date` moved by `days`.
pub(crate) fn shift(date: Date, days: i64) -> Date {
    date.add_days(days).unwrap_or(date)
}

/// A uniformly random day in `[from, to]` (or `from` when the range is empty).
pub(crate) fn between<R: Rng>(rng: &mut R, from: Date, to: Date) -> Date {
    let span = from.days_until(to);
    if span <= 0 {
        return from;
    }
    shift(from, rng.random_range(0..=span))
}

/// The same month and day `years` later (28 February for 29 February).
pub(crate) fn add_years(date: Date, years: i32) -> Date {
    ymd(date.year() + years, date.month(), date.day())
}

/// Month and day of the `n`th day (0-based) of a common year.
pub(crate) fn day_of_year(n: u64) -> (u32, u32) {
    const LENGTHS: [u64; 12] = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];
    let mut n = n % 365;
    for (i, len) in LENGTHS.iter().enumerate() {
        if n < *len {
            return (i as u32 + 1, n as u32 + 1);
        }
        n -= len;
    }
    (12, 31)
}

/// The last weekday before `date`: the close of the trading day before a report.
pub(crate) fn trading_day_before(date: Date) -> Date {
    let mut d = shift(date, -1);
    // 1970-01-01 was a Thursday: (days + 3) % 7 is 0 on Mondays.
    while (d.days_since_epoch() + 3).rem_euclid(7) >= 5 {
        d = shift(d, -1);
    }
    d
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    #[test]
    fn perm_is_a_bijection() {
        for modulus in [1u64, 7, 100, 1000, 4097] {
            let p = Perm::new(modulus, 42);
            let images: HashSet<u64> = (0..modulus).map(|n| p.apply(n)).collect();
            assert_eq!(images.len() as u64, modulus);
            assert!(images.iter().all(|x| *x < modulus));
        }
    }

    #[test]
    fn trading_days_skip_weekends() {
        // 2026-01-26 is a Monday: the trading day before is Friday 23 January.
        assert_eq!(
            trading_day_before(ymd(2026, 1, 26)).to_string(),
            "2026-01-23"
        );
        assert_eq!(
            trading_day_before(ymd(2026, 1, 28)).to_string(),
            "2026-01-27"
        );
    }
}
