//! The verifiable random sample of a cycle (PRODUCT.md, "Random check"), as a published
//! algorithm anyone can re-run.
//!
//! 1. **Freeze.** Before anyone knows the seed, the frame is fixed: every subject on the roster,
//!    each as `person_key`, whether an annual report is filed, and key-check flags. Its hash
//!    ([`Frame::sha256`]) is recorded with the commitment to the seed, `H = SHA-256(seed)`.
//! 2. **Reveal.** The seed is accepted only if its SHA-256 is `H`. Each subject with a filed
//!    report gets the score `SHA-256("probity.sample/1" ‖ frame hash ‖ seed ‖ person_key)`
//!    (each part length-prefixed); the `n = ⌈rate × filed⌉` lowest scores are drawn. Every
//!    subject with a key-check flag is added, whether drawn or not.
//!
//! Because scores are a hash of the seed, which was fixed before it was known whom it would
//! draw, and the frame was fixed before the seed was revealed, nobody can steer the draw; every
//! filed subject is equally likely to be drawn, since the scores are independent and uniform.

use sha2::{Digest, Sha256};

use crate::decimal::Decimal;

/// The share of filed reports the random part draws: an exact decimal in (0, 1], so that
/// `⌈rate × filed⌉` is computed exactly (0.07 × 100 is 7; in floating point it is
/// 7.000000000000001, and its ceiling 8).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Rate(Decimal);

/// Why a rate was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("a sample rate is a decimal above 0 and at most 1, not {0:?}")]
pub struct RateError(String);

impl Rate {
    /// The rate of a decimal in (0, 1].
    pub fn new(share: Decimal) -> Result<Rate, RateError> {
        let one = Decimal::from_parts(1, 0);
        if share.is_negative() || share.is_zero() || share > one {
            return Err(RateError(share.to_string()));
        }
        Ok(Rate(share))
    }

    /// Parses `0.1`, `0.07`, `1`.
    pub fn parse(text: &str) -> Result<Rate, RateError> {
        Decimal::parse(text.trim())
            .map_err(|_| RateError(text.to_owned()))
            .and_then(Rate::new)
    }

    /// The rate as the decimal it is.
    pub fn share(&self) -> Decimal {
        self.0
    }

    /// `⌈rate × n⌉`, exactly: how many of `n` the rate draws (never more than `n`).
    pub fn of(&self, n: usize) -> usize {
        let (m, scale) = (self.0.mantissa(), self.0.scale());
        // rate = m / 10^scale with 0 < m ≤ 10^scale, so the product fits: n < 2^64 and
        // 10^scale ≤ 10^28 would not, but a rate has a handful of digits; saturate rather
        // than wrap if one did not.
        let Some(denominator) = 10i128.checked_pow(scale) else {
            return n;
        };
        let Some(product) = (n as i128).checked_mul(m) else {
            return n;
        };
        let ceiling = (product + denominator - 1) / denominator;
        usize::try_from(ceiling).map_or(n, |c| c.min(n))
    }
}

impl std::fmt::Display for Rate {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.0.fmt(f)
    }
}

impl std::str::FromStr for Rate {
    type Err = RateError;
    fn from_str(text: &str) -> Result<Rate, RateError> {
        Rate::parse(text)
    }
}

impl<'de> serde::Deserialize<'de> for Rate {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Rate, D::Error> {
        Rate::new(Decimal::deserialize(d)?).map_err(serde::de::Error::custom)
    }
}

impl serde::Serialize for Rate {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(&self.0)
    }
}

/// One subject of the frame.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, serde::Serialize, serde::Deserialize)]
pub struct Member {
    /// Blind index of the subject's resident ID.
    pub person_key: String,
    /// Whether an annual report of the cycle is filed.
    pub filed: bool,
    /// Key-check reasons (`promotion;complaint`), empty when none.
    pub flags: String,
}

/// The frozen frame of a draw.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Frame {
    /// Members, sorted by `person_key`.
    pub members: Vec<Member>,
}

fn part(h: &mut Sha256, bytes: &[u8]) {
    h.update((bytes.len() as u64).to_be_bytes());
    h.update(bytes);
}

/// Lower-case hex SHA-256 of a seed's UTF-8 bytes: the commitment.
pub fn commitment(seed: &str) -> String {
    hex(&Sha256::digest(seed.as_bytes()))
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

impl Frame {
    /// A frame of these members (sorted here, so order of input does not matter).
    pub fn new(mut members: Vec<Member>) -> Frame {
        members.sort();
        members.dedup_by(|a, b| a.person_key == b.person_key);
        Frame { members }
    }

    /// The frame's hash, over each member's fields in order.
    pub fn sha256(&self) -> String {
        let mut h = Sha256::new();
        part(&mut h, b"probity.frame/1");
        for m in &self.members {
            part(&mut h, m.person_key.as_bytes());
            part(&mut h, if m.filed { b"1" } else { b"0" });
            part(&mut h, m.flags.as_bytes());
        }
        hex(&h.finalize())
    }

    /// How many filed reports the random part draws at `rate`: `⌈rate × filed⌉`, exactly.
    pub fn random_size(&self, rate: Rate) -> usize {
        rate.of(self.members.iter().filter(|m| m.filed).count())
    }

    /// The draw: the random part (lowest scores among filed members), then every flagged
    /// member not already in it; `person_key`s, sorted.
    pub fn draw(&self, seed: &str, rate: Rate) -> Vec<String> {
        let frame_hash = self.sha256();
        let mut scored: Vec<([u8; 32], &str)> = self
            .members
            .iter()
            .filter(|m| m.filed)
            .map(|m| {
                let mut h = Sha256::new();
                part(&mut h, b"probity.sample/1");
                part(&mut h, frame_hash.as_bytes());
                part(&mut h, seed.as_bytes());
                part(&mut h, m.person_key.as_bytes());
                (h.finalize().into(), m.person_key.as_str())
            })
            .collect();
        scored.sort();
        let mut drawn: Vec<String> = scored
            .iter()
            .take(self.random_size(rate))
            .map(|(_, k)| (*k).to_owned())
            .collect();
        for m in &self.members {
            if !m.flags.is_empty() && !drawn.contains(&m.person_key) {
                drawn.push(m.person_key.clone());
            }
        }
        drawn.sort();
        drawn
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn frame(n: usize, flagged: &[usize]) -> Frame {
        Frame::new(
            (0..n)
                .map(|i| Member {
                    person_key: format!("p{i:04}"),
                    filed: i % 10 != 9,
                    flags: if flagged.contains(&i) {
                        "promotion".into()
                    } else {
                        String::new()
                    },
                })
                .collect(),
        )
    }

    fn rate(text: &str) -> Rate {
        Rate::parse(text).unwrap()
    }

    #[test]
    fn the_random_part_is_the_exact_ceiling_of_rate_times_filed() {
        let all_filed = |n: usize| {
            Frame::new(
                (0..n)
                    .map(|i| Member {
                        person_key: format!("k{i:04}"),
                        filed: true,
                        flags: String::new(),
                    })
                    .collect(),
            )
        };
        // In floating point 0.07 × 100 is 7.000000000000001 and 0.1 × 30 is
        // 3.0000000000000004: their ceilings would draw 8 and 4.
        assert_eq!(all_filed(100).random_size(rate("0.07")), 7);
        assert_eq!(all_filed(100).draw("s", rate("0.07")).len(), 7);
        assert_eq!(all_filed(30).random_size(rate("0.1")), 3);
        assert_eq!(all_filed(31).random_size(rate("0.1")), 4);
        assert_eq!(all_filed(5).random_size(rate("1")), 5);
        assert_eq!(all_filed(0).random_size(rate("0.5")), 0);
        for bad in ["0", "-0.1", "1.01", "abc", ""] {
            assert!(Rate::parse(bad).is_err(), "{bad}");
        }
        // Against exact integer arithmetic, over many rates and sizes.
        for thousandths in 1..=1000u64 {
            let r = rate(&format!("{}.{:03}", thousandths / 1000, thousandths % 1000));
            for n in [0usize, 1, 7, 99, 100, 101, 1234, 100_000] {
                let exact = (n as u64 * thousandths).div_ceil(1000) as usize;
                assert_eq!(r.of(n), exact, "{r} × {n}");
            }
        }
    }

    #[test]
    fn the_draw_is_a_function_of_frame_and_seed() {
        let f = frame(100, &[3, 9]);
        let a = f.draw("seed-1", rate("0.1"));
        assert_eq!(a, f.draw("seed-1", rate("0.1")));
        assert_ne!(a, f.draw("seed-2", rate("0.1")));
        // 90 filed → 9 drawn at random, plus the flagged ones (9 is flagged but not filed).
        assert!(a.len() == 10 || a.len() == 11, "{a:?}");
        assert!(a.contains(&"p0003".to_owned()) && a.contains(&"p0009".to_owned()));
        // Any change to the frame changes its hash, and so the draw's scores.
        let mut g = f.clone();
        g.members[0].filed = !g.members[0].filed;
        assert_ne!(f.sha256(), g.sha256());
        assert_eq!(
            commitment("abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
    }

    #[test]
    fn every_filed_subject_is_equally_likely_to_be_drawn() {
        // 40 filed subjects, 4 drawn a time, 4,000 seeds: each is expected 400 times. A
        // chi-square test with 39 degrees of freedom: above 72.1 has probability 0.001 under
        // uniformity. The seeds are fixed, so the outcome is too.
        let f = Frame::new(
            (0..40)
                .map(|i| Member {
                    person_key: format!("k{i}"),
                    filed: true,
                    flags: String::new(),
                })
                .collect(),
        );
        let mut counts = std::collections::HashMap::new();
        let seeds = 4000;
        for s in 0..seeds {
            for k in f.draw(&format!("seed {s}"), rate("0.1")) {
                *counts.entry(k).or_insert(0u32) += 1;
            }
        }
        assert_eq!(counts.len(), 40, "everyone is drawn sometimes");
        let expected = f64::from(seeds) * 4.0 / 40.0;
        let chi2: f64 = counts
            .values()
            .map(|c| (f64::from(*c) - expected).powi(2) / expected)
            .sum();
        assert!(
            chi2 < 72.1,
            "chi-square {chi2:.1} with 39 degrees of freedom"
        );
        // And a steered draw (always the same four) would fail the same test.
        let steered: f64 = (0..40)
            .map(|i| {
                let c = if i < 4 { f64::from(seeds) } else { 0.0 };
                (c - expected).powi(2) / expected
            })
            .sum();
        assert!(steered > 72.1);
    }
}
