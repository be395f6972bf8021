//! Identifiers that are valid and unique by construction: resident IDs laid out so that no two
//! people share one, credit codes, and the numbers of documents, titles, accounts and policies.
//!
//! A resident ID is area, birth date, a three-digit sequence and a check character. A household
//! gets a key `q` (a keyed permutation of its index); `q` fixes the declarant's area and day of
//! birth within the year and part of the sequence, and each member's slot (self, spouse, child…)
//! fixes the rest of the sequence. Different (household, slot) pairs therefore never share an ID,
//! whatever birth years they get. Sequences 990–999 are never used by households: they belong to
//! the homonyms, the other people registries confuse with family members.

use probity_model::{CreditCode, ResidentId};
use rand::Rng;

use crate::SynthError;
use crate::places::{AREAS, Area};
use crate::rng::{Perm, day_of_year, pick};

/// Member slots; each has its own range of sequence numbers.
pub(crate) const SLOTS: usize = 9;
/// Sequence numbers per slot and sex.
const PER_SLOT: u64 = 55;
/// How far from the declarant's area each slot's area is, in the province-grouped list.
const AREA_SHIFT: [u64; SLOTS] = [0, 1, 3, 0, 0, 0, 2, 5, 7];
/// How far from the declarant's day of birth each slot's day is.
const DAY_SHIFT: [u64; SLOTS] = [0, 137, 71, 211, 29, 302, 163, 251, 97];

/// The layout of resident IDs for one run.
#[derive(Debug, Clone)]
pub(crate) struct IdSpace {
    perm: Perm,
}

impl IdSpace {
    /// How many households the layout holds.
    pub(crate) fn capacity() -> u64 {
        AREAS.len() as u64 * PER_SLOT * 365
    }

    /// The layout for a seed.
    pub(crate) fn new(seed: u64) -> IdSpace {
        IdSpace {
            perm: Perm::new(Self::capacity(), seed ^ 0x1D5),
        }
    }

    /// The household key of person `index`.
    pub(crate) fn household(&self, index: u64) -> u64 {
        self.perm.apply(index)
    }

    /// The area of a slot in household `q`.
    pub(crate) fn area(&self, q: u64, slot: usize) -> &'static Area {
        let n = AREAS.len() as u64;
        &AREAS[((q % n + AREA_SHIFT[slot % SLOTS]) % n) as usize]
    }

    /// The resident ID of a slot in household `q`, born in `year`.
    pub(crate) fn id(
        &self,
        q: u64,
        slot: usize,
        year: i32,
        male: bool,
    ) -> Result<ResidentId, SynthError> {
        let n = AREAS.len() as u64;
        let t = q / n;
        let r = t % PER_SLOT;
        let day = (t / PER_SLOT + DAY_SHIFT[slot % SLOTS]) % 365;
        let (month, dom) = day_of_year(day);
        let seq = ((slot as u64 % SLOTS as u64) * PER_SLOT + r) * 2 + u64::from(male);
        let area = self.area(q, slot);
        Ok(ResidentId::from_first_17(&format!(
            "{}{year:04}{month:02}{dom:02}{seq:03}",
            area.code
        ))?)
    }
}

/// A valid resident ID of someone outside every household (a homonym).
pub(crate) fn stranger<R: Rng>(rng: &mut R, male: bool) -> Result<ResidentId, SynthError> {
    let area = pick(rng, AREAS);
    let year = rng.random_range(1950..2008);
    let (month, day) = day_of_year(rng.random_range(0..365));
    let seq = 990 + rng.random_range(0..5u32) * 2 + u32::from(male);
    Ok(ResidentId::from_first_17(&format!(
        "{}{year:04}{month:02}{day:02}{seq:03}",
        area.code
    ))?)
}

/// `id` with one character changed, so that the check character no longer fits.
pub(crate) fn mistype<R: Rng>(rng: &mut R, id: &str) -> String {
    let mut chars: Vec<char> = id.chars().collect();
    if chars.len() != 18 {
        return id.to_owned();
    }
    let at = rng.random_range(6..18);
    let old = chars[at];
    let choices: Vec<char> = if at == 17 {
        "0123456789X".chars().filter(|c| *c != old).collect()
    } else {
        "0123456789".chars().filter(|c| *c != old).collect()
    };
    chars[at] = *pick(rng, &choices);
    chars.into_iter().collect()
}

const CREDIT_ALPHABET: &[u8; 31] = b"0123456789ABCDEFGHJKLMNPQRTUWXY";

/// The numbering of one run: keyed permutations per kind of number.
#[derive(Debug, Clone)]
pub(crate) struct Numbers {
    seed: u64,
    serial7: Perm,
    serial8: Perm,
    document: Perm,
    credit: Perm,
    pool: Perm,
    account: Perm,
    policy: Perm,
}

impl Numbers {
    /// The numbering for a seed.
    pub(crate) fn new(seed: u64) -> Numbers {
        Numbers {
            seed,
            serial7: Perm::new(10_000_000, seed ^ 2),
            serial8: Perm::new(100_000_000, seed ^ 3),
            document: Perm::new(100_000_000, seed ^ 4),
            credit: Perm::new(31u64.pow(7), seed ^ 5),
            pool: Perm::new(1_000_000_000, seed ^ 6),
            account: Perm::new(1_000_000_000, seed ^ 7),
            policy: Perm::new(10_000_000_000, seed ^ 8),
        }
    }

    /// A record id: prefix and ten digits, unique per (person, counter) for counters below 1000.
    /// Each prefix has its own permutation, so that ids say nothing about which rows of
    /// different files belong to one family.
    pub(crate) fn record(&self, prefix: &str, index: u64, counter: u64) -> String {
        let key = prefix
            .bytes()
            .fold(self.seed ^ 1, |k, b| crate::rng::mix(k ^ u64::from(b)));
        let perm = Perm::new(10_000_000_000, key);
        format!("{prefix}{:010}", perm.apply(index * 1000 + counter % 1000))
    }

    /// A title serial: seven digits while they suffice, else eight.
    pub(crate) fn title_serial(&self, index: u64, k: u64, old_form: bool) -> String {
        let n = index * 16 + k % 16;
        if !old_form && n < 10_000_000 {
            format!("{:07}", self.serial7.apply(n))
        } else {
            format!("{:08}", self.serial8.apply(n % 100_000_000))
        }
    }

    /// Eight digits of a travel document number.
    pub(crate) fn document(&self, index: u64, k: u64) -> String {
        format!(
            "{:08}",
            self.document.apply((index * 16 + k % 16) % 100_000_000)
        )
    }

    /// A credit code unique to (person, k): new-style organisation code `MA` + seven characters.
    pub(crate) fn credit(
        &self,
        kind: &str,
        area_code: &str,
        index: u64,
        k: u64,
    ) -> Result<CreditCode, SynthError> {
        let mut n = self.credit.apply((index * 64 + k % 64) % 31u64.pow(7));
        let mut org = String::from("MA");
        let mut digits = Vec::with_capacity(7);
        for _ in 0..7 {
            digits.push(CREDIT_ALPHABET[(n % 31) as usize] as char);
            n /= 31;
        }
        org.extend(digits.iter().rev());
        Ok(CreditCode::from_first_17(&format!(
            "{kind}{area_code}{org}"
        ))?)
    }

    /// The credit code of a shared organisation (a unit or a city employer), all digits.
    pub(crate) fn pool_credit(
        &self,
        kind: &str,
        area_code: &str,
        key: u64,
    ) -> Result<CreditCode, SynthError> {
        let org = self.pool.apply(key % 1_000_000_000);
        Ok(CreditCode::from_first_17(&format!(
            "{kind}{area_code}{org:09}"
        ))?)
    }

    /// A securities account: `A` and nine digits (Shanghai) or ten digits starting with 0 (Shenzhen).
    pub(crate) fn account(&self, index: u64, k: u64, shanghai: bool) -> String {
        let n = self.account.apply((index * 32 + k % 32) % 1_000_000_000);
        if shanghai {
            format!("A{n:09}")
        } else {
            format!("0{n:09}")
        }
    }

    /// A policy number with the insurer's prefix.
    pub(crate) fn policy(&self, prefix: &str, index: u64, k: u64) -> String {
        let n = self.policy.apply((index * 16 + k % 16) % 10_000_000_000);
        format!("{prefix}{n:010}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;
    use std::collections::HashSet;

    #[test]
    fn ids_are_unique_across_households_and_slots() {
        let space = IdSpace::new(3);
        let mut seen = HashSet::new();
        for index in 0..3000 {
            let q = space.household(index);
            for slot in 0..SLOTS {
                let id = space
                    .id(q, slot, 1970 + (index % 40) as i32, index % 2 == 0)
                    .unwrap();
                assert!(seen.insert(id.as_str().to_owned()));
                assert!(id.as_str()[14..17].parse::<u32>().unwrap() < 990);
            }
        }
    }

    #[test]
    fn mistyped_ids_are_invalid() {
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(1);
        for _ in 0..500 {
            let id = stranger(&mut rng, true).unwrap();
            let bad = mistype(&mut rng, id.as_str());
            assert_ne!(bad, id.as_str());
            assert!(ResidentId::parse(&bad).is_err());
            assert_eq!(
                bad.chars()
                    .zip(id.as_str().chars())
                    .filter(|(a, b)| a != b)
                    .count(),
                1
            );
        }
    }
}
