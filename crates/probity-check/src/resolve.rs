//! Person resolution: which registry rows belong to which member of a report's family.
//!
//! A row belongs to a member when it carries the member's resident ID; or when its ID is invalid,
//! one character away from the member's, and the names agree after [`crate::normalize::name`]. A
//! valid ID that is not the member's is another person, even with the same name. A row with a blank
//! ID is never attributed here: the sections may tie it to a declared item through a strong key.

use probity_model::ResidentId;
use probity_model::declaration::{Declaration, Person};
use probity_model::profile::Profile;
use probity_model::registry::Source;
use rayon::prelude::*;

use crate::extract::RegistryExtracts;
use crate::normalize;

/// A row of one source: `(source, index in that source's rows)`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct RowRef {
    /// The source file.
    pub source: Source,
    /// Index into that source's rows.
    pub row: u32,
}

/// Why a row was attributed to a member.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Evidence {
    /// The row carries the member's resident ID.
    SameId,
    /// The row's ID is invalid, one character from the member's, and the names agree.
    MistypedIdAndName,
}

/// The person columns of a row: `(id, name)` as the agency wrote them.
pub fn person_columns(ex: &RegistryExtracts, r: RowRef) -> Option<(&str, &str)> {
    let i = r.row as usize;
    macro_rules! get {
        ($field:ident, $id:ident, $name:ident) => {
            ex.$field
                .as_ref()
                .and_then(|v| v.get(i))
                .map(|x| (x.$id.as_str(), x.$name.as_str()))
        };
    }
    match r.source {
        Source::Marriages => get!(marriages, person_id, person_name),
        Source::TravelDocuments => get!(travel_documents, holder_id, holder_name),
        Source::BorderCrossings => get!(border_crossings, person_id, person_name),
        Source::ResidenceAbroad => get!(residence_abroad, person_id, person_name),
        Source::Employment => get!(employment, person_id, person_name),
        Source::CriminalCases => get!(criminal_cases, person_id, person_name),
        Source::TaxIncome => get!(tax_income, person_id, person_name),
        Source::RealEstate => get!(real_estate, owner_id, owner_name),
        Source::Stocks => get!(stocks, holder_id, holder_name),
        Source::Funds => get!(funds, holder_id, holder_name),
        Source::Insurance => get!(insurance, policyholder_id, policyholder_name),
        Source::Companies => get!(companies, person_id, person_name),
    }
}

fn rows_of(ex: &RegistryExtracts, source: Source) -> usize {
    fn n<T>(v: &Option<Vec<T>>) -> usize {
        v.as_ref().map_or(0, Vec::len)
    }
    match source {
        Source::Marriages => n(&ex.marriages),
        Source::TravelDocuments => n(&ex.travel_documents),
        Source::BorderCrossings => n(&ex.border_crossings),
        Source::ResidenceAbroad => n(&ex.residence_abroad),
        Source::Employment => n(&ex.employment),
        Source::CriminalCases => n(&ex.criminal_cases),
        Source::TaxIncome => n(&ex.tax_income),
        Source::RealEstate => n(&ex.real_estate),
        Source::Stocks => n(&ex.stocks),
        Source::Funds => n(&ex.funds),
        Source::Insurance => n(&ex.insurance),
        Source::Companies => n(&ex.companies),
    }
}

/// Indexes of all registry rows by the person they name, built once per run.
///
/// Each index is a [`KeyIndex`]: `(key, row)` pairs sorted by a 64-bit key. It is built in
/// parallel (rows classified on every core, then a parallel sort) and without an allocation per
/// key, which a hash map of strings to vectors needed. A valid resident ID's key is exact (its
/// first 17 digits, mixed); the other keys are hashes, and a lookup keeps only the rows whose own
/// key, recomputed, is the one asked for, so a hash collision can add work but never a row.
pub struct RegistryIndex {
    /// Rows whose ID is a valid resident ID, by [`id_key`] of that ID.
    by_id: KeyIndex,
    /// Rows whose ID is an invalid 18-character ID, under [`id_key`] of every valid ID one
    /// character away from it (at most 18 of them: one check character fits each position), so
    /// that a member finds the rows one character from their ID with one lookup.
    by_near_id: KeyIndex,
    /// Rows whose ID is blank, by the hash of their source and strong key in normal form
    /// (certificate, document, policy number, credit code): the only way such a row ties to a
    /// report.
    blank_by_key: KeyIndex,
}

/// `(key, row)` pairs sorted by key, with a table of where each run of leading key bits starts,
/// so that a lookup reads one or two cache lines instead of binary-searching the whole vector.
/// Keys must be spread evenly over the 64 bits (hashes, or [`mix`]ed).
///
/// Most lookups find nothing (a member with no mistyped ID anywhere makes 18 such lookups), and at
/// a million reports the entries are far larger than the processor's cache: a bitset of the keys'
/// low bits, at most 8 MiB so that it stays in cache, answers most of those lookups without
/// touching the entries.
struct KeyIndex {
    entries: Vec<(u64, RowRef)>,
    /// `starts[b]..starts[b + 1]` are the entries whose key's top `bits` bits are `b`.
    starts: Vec<u32>,
    bits: u32,
    /// Bit `key & mask` is set for every key present.
    filter: Vec<u64>,
    mask: u64,
}

impl KeyIndex {
    fn new(mut entries: Vec<(u64, RowRef)>) -> KeyIndex {
        // Sorting by the whole entry makes the order independent of how the work was split.
        entries.par_sort_unstable();
        // About four entries (one cache line) per bucket, so that the table of starts is a
        // quarter of the entries' count and more of it stays in cache; at least one bit, so that
        // the shift below is below 64.
        let bits = (usize::BITS - (entries.len() / 4).leading_zeros()).clamp(1, 32);
        let mut starts = Vec::with_capacity((1usize << bits) + 1);
        let mut at = 0usize;
        for b in 0..=(1u64 << bits) {
            while at < entries.len() && (entries[at].0 >> (64 - bits)) < b {
                at += 1;
            }
            starts.push(at as u32);
        }
        // About eight bits a key (an absent key passes one time in eight), within 8 MiB.
        let filter_bits = (entries.len() * 8).next_power_of_two().clamp(64, 1 << 26);
        let mask = filter_bits as u64 - 1;
        let mut filter = vec![0u64; filter_bits / 64];
        for (key, _) in &entries {
            let bit = key & mask;
            if let Some(word) = filter.get_mut((bit / 64) as usize) {
                *word |= 1 << (bit % 64);
            }
        }
        KeyIndex {
            entries,
            starts,
            bits,
            filter,
            mask,
        }
    }

    /// False when no entry has `key`; true when some may.
    fn may_have(&self, key: u64) -> bool {
        let bit = key & self.mask;
        self.filter
            .get((bit / 64) as usize)
            .is_some_and(|word| word & (1 << (bit % 64)) != 0)
    }

    /// The rows under `key`.
    fn get(&self, key: u64) -> impl Iterator<Item = RowRef> + '_ {
        let b = if self.may_have(key) {
            (key >> (64 - self.bits)) as usize
        } else {
            // An empty bucket range: past the table's end.
            usize::MAX - 1
        };
        let from = self.starts.get(b).map_or(0, |&s| s as usize);
        let to = self.starts.get(b + 1).map_or(from, |&s| s as usize);
        self.entries
            .get(from..to)
            .unwrap_or_default()
            .iter()
            .filter(move |(k, _)| *k == key)
            .map(|(_, r)| *r)
    }
}

/// A bijection of `u64` that spreads nearby values over all bits (the SplitMix64 finaliser), so
/// that an exact key can go in a [`KeyIndex`].
fn mix(mut x: u64) -> u64 {
    x = (x ^ (x >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    x = (x ^ (x >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    x ^ (x >> 31)
}

/// The index key of a valid resident ID: its first 17 digits as a number, mixed. Two valid IDs
/// with the same digits are the same ID, since the 18th character is their check character, and
/// [`mix`] is a bijection, so the key is exact.
fn id_key(id: &str) -> u64 {
    mix(id
        .bytes()
        .take(17)
        .fold(0u64, |k, b| k * 10 + u64::from(b.wrapping_sub(b'0') % 10)))
}

/// A fixed (unkeyed) hash, so that the index is the same in every run.
fn hash_of(value: impl std::hash::Hash) -> u64 {
    use std::hash::{BuildHasher, BuildHasherDefault, DefaultHasher};
    BuildHasherDefault::<DefaultHasher>::default().hash_one(value)
}

/// The strong key of a row, in normal form, for the sources that have one.
fn strong_key(ex: &RegistryExtracts, r: RowRef) -> Option<String> {
    let i = r.row as usize;
    let key = match r.source {
        Source::TravelDocuments => normalize::number(&ex.travel_documents.as_ref()?.get(i)?.number),
        Source::BorderCrossings => {
            normalize::number(&ex.border_crossings.as_ref()?.get(i)?.document_number)
        }
        Source::RealEstate => {
            normalize::certificate(&ex.real_estate.as_ref()?.get(i)?.certificate_number)
        }
        Source::Insurance => normalize::number(&ex.insurance.as_ref()?.get(i)?.policy_number),
        // An employer or a company has many people: its code alone would bring every report
        // that declares it all of their blank-ID rows (quadratic in the population), where only
        // rows with a member's name can tie. So the key is the code and the name.
        Source::Companies => {
            let row = ex.companies.as_ref()?.get(i)?;
            return person_key(&normalize::number(&row.credit_code), &row.person_name);
        }
        Source::Employment => {
            let row = ex.employment.as_ref()?.get(i)?;
            return person_key(
                &normalize::number(&row.employer_credit_code),
                &row.person_name,
            );
        }
        _ => return None,
    };
    (!key.is_empty()).then_some(key)
}

/// The strong key of a blank-ID row of an organisation (employment, companies): the code in normal
/// form and the person's name in normal form; `None` without a code.
fn person_key(code: &str, name: &str) -> Option<String> {
    (!code.is_empty()).then(|| format!("{code}\u{1f}{}", normalize::name(name)))
}

/// The keys under which blank-ID rows of an organisation's `codes` (in normal form) naming one of
/// the `family`'s members are indexed: each code with each member's name. A row whose name is no
/// member's cannot be tied to the report, so it need not be found.
pub fn member_keys(family: &Family<'_>, codes: &[String]) -> Vec<String> {
    let mut names: Vec<&str> = family.members.iter().map(|m| m.name_key.as_str()).collect();
    names.sort_unstable();
    names.dedup();
    codes
        .iter()
        .filter(|c| !c.is_empty())
        .flat_map(|c| names.iter().map(move |n| format!("{c}\u{1f}{n}")))
        .collect()
}

/// The valid resident IDs one character (one byte) away from `id`, as [`id_key`]s. A valid ID is
/// 18 ASCII characters, so only an 18-byte ASCII `id` has any. In each of the first 17 positions
/// at most one digit gives the check character `id` has (the weights are invertible modulo 11),
/// and in the last only the check character of the 17 digits fits: so at most 18 candidates,
/// found by arithmetic, each then parsed in full (area and birth date).
fn near_ids(id: &str) -> Vec<u64> {
    let bytes = id.as_bytes();
    if bytes.len() != 18 || !id.is_ascii() {
        return Vec::new();
    }
    let weight = |i: usize| (1u32 << (17 - i)) % 11;
    let digit = |b: u8| b.is_ascii_digit().then(|| u32::from(b - b'0'));
    // The value a check character stands for (`X` is 10).
    let check_value = |b: u8| match b {
        b'X' => Some(10),
        b => digit(b),
    };
    let value_of_sum = |sum: u32| (12 - sum % 11) % 11;
    let non_digits: Vec<usize> = (0..17).filter(|&i| digit(bytes[i]).is_none()).collect();
    let sum_without = |p: usize| -> u32 {
        (0..17)
            .filter(|&i| i != p)
            .filter_map(|i| digit(bytes[i]).map(|d| d * weight(i)))
            .sum()
    };
    let mut candidates: Vec<[u8; 18]> = Vec::new();
    let mut with = |p: usize, b: u8| {
        let mut c = [0u8; 18];
        c.copy_from_slice(bytes);
        c[p] = b;
        candidates.push(c);
    };
    for p in 0..17 {
        // Every other one of the first 17 must already be a digit.
        if non_digits.iter().any(|&q| q != p) {
            continue;
        }
        let Some(want) = check_value(bytes[17]) else {
            continue;
        };
        let rest = sum_without(p);
        for c in (0..10u8).filter(|&c| Some(u32::from(c)) != digit(bytes[p])) {
            if value_of_sum(rest + u32::from(c) * weight(p)) == want {
                with(p, b'0' + c);
            }
        }
    }
    if non_digits.is_empty() {
        let value = value_of_sum(sum_without(17));
        let check = if value == 10 {
            b'X'
        } else {
            b'0' + value as u8
        };
        if check != bytes[17] {
            with(17, check);
        }
    }
    candidates
        .iter()
        .filter_map(|c| std::str::from_utf8(c).ok())
        .filter(|text| ResidentId::parse(text).is_ok())
        .map(id_key)
        .collect()
}

/// The three indexes' entries, as one part of the rows yields them.
#[derive(Default)]
struct Entries {
    by_id: Vec<(u64, RowRef)>,
    by_near_id: Vec<(u64, RowRef)>,
    blank_by_key: Vec<(u64, RowRef)>,
}

impl Entries {
    fn add(mut self, ex: &RegistryExtracts, r: RowRef) -> Entries {
        let Some((id, _)) = person_columns(ex, r) else {
            return self;
        };
        let id = id.trim();
        if id.is_empty() {
            if let Some(key) = strong_key(ex, r) {
                self.blank_by_key
                    .push((hash_of((r.source, key.as_str())), r));
            }
        } else if ResidentId::parse(id).is_ok() {
            self.by_id.push((id_key(id), r));
        } else if id.chars().count() == 18 {
            self.by_near_id
                .extend(near_ids(id).into_iter().map(|k| (k, r)));
        }
        self
    }
}

impl RegistryIndex {
    /// Indexes every row of every source, on every core.
    pub fn build(ex: &RegistryExtracts) -> RegistryIndex {
        // Parts of a fixed number of rows, each classified on its own; then one exact-size copy
        // per index, so that building holds at most twice the index (a fold and reduce of growing
        // vectors held several times as much).
        const PART: u32 = 1 << 16;
        let parts: Vec<(Source, u32)> = Source::ALL
            .iter()
            .flat_map(|&source| {
                (0..rows_of(ex, source) as u32)
                    .step_by(PART as usize)
                    .map(move |start| (source, start))
            })
            .collect();
        let parts: Vec<Entries> = parts
            .par_iter()
            .map(|&(source, start)| {
                let end = (start + PART).min(rows_of(ex, source) as u32);
                (start..end).fold(Entries::default(), |acc, row| {
                    acc.add(ex, RowRef { source, row })
                })
            })
            .collect();
        let concat = |pick: fn(&Entries) -> &Vec<(u64, RowRef)>| {
            let mut all = Vec::with_capacity(parts.iter().map(|p| pick(p).len()).sum());
            for p in &parts {
                all.extend_from_slice(pick(p));
            }
            all
        };
        let all = Entries {
            by_id: concat(|p| &p.by_id),
            by_near_id: concat(|p| &p.by_near_id),
            blank_by_key: concat(|p| &p.blank_by_key),
        };
        drop(parts);
        let (by_id, (by_near_id, blank_by_key)) = rayon::join(
            || KeyIndex::new(all.by_id),
            || {
                rayon::join(
                    || KeyIndex::new(all.by_near_id),
                    || KeyIndex::new(all.blank_by_key),
                )
            },
        );
        RegistryIndex {
            by_id,
            by_near_id,
            blank_by_key,
        }
    }

    /// Blank-ID rows of `source` whose strong key, in normal form, is `key`, in file order.
    pub fn blank_rows<'a>(
        &'a self,
        ex: &'a RegistryExtracts,
        source: Source,
        key: &'a str,
    ) -> impl Iterator<Item = u32> + 'a {
        self.blank_by_key
            .get(hash_of((source, key)))
            .filter(move |r| r.source == source && strong_key(ex, *r).as_deref() == Some(key))
            .map(|r| r.row)
    }

    /// Rows whose ID is the valid resident ID `id`.
    pub(crate) fn with_id<'a>(&'a self, id: &str) -> impl Iterator<Item = RowRef> + use<'a> {
        self.by_id.get(id_key(id))
    }

    /// Rows whose invalid ID is one character from the valid ID `id` (a superset: hash
    /// collisions cannot occur, the key being exact, but the caller compares anyway).
    fn near_id<'a>(&'a self, id: &str) -> impl Iterator<Item = RowRef> + use<'a> {
        self.by_near_id.get(id_key(id))
    }
}

/// A member of a report's family, as the engine sees them.
#[derive(Debug, Clone)]
pub struct Member<'d> {
    /// The person in the report.
    pub person: &'d Person,
    /// The name in comparable form.
    pub name_key: String,
}

impl Member<'_> {
    /// The member's resident ID, if they have one.
    pub fn id(&self) -> Option<&str> {
        self.person.id.as_ref().map(ResidentId::as_str)
    }
}

/// The declarant's family and the registry rows attributed to each member.
pub struct Family<'d> {
    /// Members in the report's order.
    pub members: Vec<Member<'d>>,
    /// Attributed rows: `(row, member index, evidence)`, sorted by source and row.
    pub rows: Vec<(RowRef, usize, Evidence)>,
}

impl<'d> Family<'d> {
    /// Resolves which rows belong to which member of `d`.
    pub fn resolve(d: &'d Declaration, ex: &RegistryExtracts, index: &RegistryIndex) -> Family<'d> {
        let members: Vec<Member<'d>> = d
            .persons
            .iter()
            .map(|p| Member {
                person: p,
                name_key: normalize::name(&p.name),
            })
            .collect();
        let mut rows = Vec::new();
        for (m, member) in members.iter().enumerate() {
            let Some(id) = member.id() else { continue };
            rows.extend(index.with_id(id).map(|r| (r, m, Evidence::SameId)));
            let mut near: Vec<RowRef> = index.near_id(id).collect();
            near.sort();
            near.dedup();
            for r in near {
                let Some((row_id, row_name)) = person_columns(ex, r) else {
                    continue;
                };
                if normalize::one_substitution_apart(row_id.trim(), id)
                    && normalize::name(row_name) == member.name_key
                {
                    rows.push((r, m, Evidence::MistypedIdAndName));
                }
            }
        }
        rows.sort_by_key(|(r, m, _)| (*r, *m));
        rows.dedup_by_key(|(r, _, _)| *r);
        Family { members, rows }
    }

    /// The rows of one source attributed to members, in file order, with their member.
    pub fn rows_of(&self, source: Source) -> impl Iterator<Item = (u32, usize)> + '_ {
        self.rows
            .iter()
            .filter(move |(r, _, _)| r.source == source)
            .map(|(r, m, _)| (r.row, *m))
    }

    /// The declarant's member index (validation guarantees exactly one `self`).
    pub fn own(&self) -> Option<usize> {
        self.members
            .iter()
            .position(|m| m.person.relation == probity_model::declaration::Relation::Own)
    }

    /// The member index of a handle.
    pub fn member_of(&self, handle: &probity_model::declaration::PersonRef) -> Option<usize> {
        self.members.iter().position(|m| &m.person.handle == handle)
    }

    /// The member whose normalised name is `name`, among those `covered` accepts.
    pub fn member_named(&self, name: &str, covered: impl Fn(usize) -> bool) -> Option<usize> {
        let key = normalize::name(name);
        let mut found = self
            .members
            .iter()
            .enumerate()
            .filter(|(i, m)| m.name_key == key && covered(*i))
            .map(|(i, _)| i);
        let first = found.next();
        // Two members with one name cannot be told apart by name: attribute to neither.
        if found.next().is_some() { None } else { first }
    }

    /// True when the profile's matter for `category` covers member `m`. A child is co-residing
    /// when the report says so or, whatever it says, when under the profile's age on the report
    /// date (FORMATS.md: age taken at `filed_on`).
    pub fn covers(
        &self,
        profile: &Profile,
        category: probity_model::Category,
        m: usize,
        filed_on: probity_model::Date,
    ) -> bool {
        let Some(member) = self.members.get(m) else {
            return false;
        };
        let person = member.person;
        let under_age = person.id.as_ref().is_some_and(|id| {
            id.birth_date().age_on(filed_on) < i32::from(profile.precision.co_residing_age_below)
        });
        profile.covers_person(
            category,
            person.relation,
            person.co_residing == Some(true) || under_age,
        )
    }
}

#[cfg(test)]
mod tests {
    use probity_model::declaration::DocumentKind;
    use probity_model::registry::{DocumentStatus, TravelDocumentRecord};

    use super::*;

    fn row(source: Source, row: u32) -> RowRef {
        RowRef { source, row }
    }

    #[test]
    fn a_key_index_finds_every_row_under_a_key_and_none_under_another() {
        // Many keys, some repeated, some sharing their leading bits: every lookup must return
        // exactly the rows stored under that key.
        let mut entries = Vec::new();
        for i in 0..5_000u32 {
            let key = mix(u64::from(i % 1_700));
            entries.push((key, row(Source::Stocks, i)));
        }
        let index = KeyIndex::new(entries);
        for k in 0..1_700u32 {
            let mut rows: Vec<u32> = index.get(mix(u64::from(k))).map(|r| r.row).collect();
            rows.sort_unstable();
            let expected: Vec<u32> = (0..5_000).filter(|i| i % 1_700 == k).collect();
            assert_eq!(rows, expected, "key {k}");
        }
        assert_eq!(index.get(mix(1_700)).count(), 0);
        assert_eq!(index.get(u64::MAX).count(), 0);
    }

    /// Every valid ID one byte from `id`, by trying every substitution.
    fn near_ids_by_brute_force(id: &str) -> Vec<u64> {
        let mut keys = Vec::new();
        let bytes = id.as_bytes();
        for p in 0..bytes.len() {
            for c in b"0123456789X" {
                let mut candidate = bytes.to_vec();
                candidate[p] = *c;
                if candidate != bytes
                    && let Ok(text) = std::str::from_utf8(&candidate)
                    && ResidentId::parse(text).is_ok()
                {
                    keys.push(id_key(text));
                }
            }
        }
        keys.sort_unstable();
        keys
    }

    #[test]
    fn near_ids_are_exactly_the_valid_ids_one_character_away() {
        // Every single-byte change of some valid IDs (mistyped IDs as registries hold them), and
        // some two-byte changes, which have no neighbours or some.
        let valid = [
            "11010519491231002X",
            "350503198001011234",
            "440304200002290015",
        ];
        let mut ids: Vec<String> = Vec::new();
        for v in valid {
            for p in 0..18 {
                for c in ['0', '3', '7', '9', 'X', 'a', '*'] {
                    let mut t: Vec<char> = v.chars().collect();
                    t[p] = c;
                    ids.push(t.iter().collect());
                    t[(p + 5) % 18] = '4';
                    ids.push(t.iter().collect());
                }
            }
        }
        for id in &ids {
            let mut fast = near_ids(id);
            fast.sort_unstable();
            assert_eq!(fast, near_ids_by_brute_force(id), "{id}");
        }
    }

    #[test]
    fn an_empty_key_index_finds_nothing() {
        let index = KeyIndex::new(Vec::new());
        assert_eq!(index.get(0).count(), 0);
        assert_eq!(index.get(u64::MAX).count(), 0);
    }

    #[test]
    fn valid_ids_differing_anywhere_have_different_keys() {
        let a = "11010519491231002X";
        let b = "110105194912310029";
        let c = "110105194912310037";
        assert_eq!(id_key(a), id_key(a));
        assert_ne!(id_key(a), id_key(c));
        // Same 17 digits means the same valid ID (the 18th is their check character).
        assert_eq!(id_key(a), id_key(b));
    }

    fn document(record: &str, id: &str, number: &str) -> TravelDocumentRecord {
        TravelDocumentRecord {
            record_id: record.into(),
            holder_id: id.into(),
            holder_name: "张三".into(),
            kind: DocumentKind::Passport,
            number: number.into(),
            issued_on: None,
            expires_on: None,
            status: DocumentStatus::Valid,
        }
    }

    #[test]
    fn the_index_puts_each_row_under_its_id_its_neighbours_or_its_strong_key() {
        let ex = RegistryExtracts {
            travel_documents: Some(vec![
                document("t1", "11010519491231002X", "E1"),
                document("t2", "11010519491231002Y", "E2"),
                document("t3", "", "E 3"),
                document("t4", "", "E4"),
                document("t5", "11010519491231002X", "E5"),
            ]),
            ..RegistryExtracts::default()
        };
        let index = RegistryIndex::build(&ex);
        let by_id: Vec<u32> = index.with_id("11010519491231002X").map(|r| r.row).collect();
        assert_eq!(by_id, [0, 4]);
        // The member whose valid ID is one character from row 1's finds row 1, with one lookup.
        let near: Vec<u32> = index.near_id("11010519491231002X").map(|r| r.row).collect();
        assert_eq!(near, [1]);
        assert_eq!(
            near_ids("11010519491231002Y"),
            [id_key("11010519491231002X")]
        );
        // A digit mistyped in the middle: putting it back is one of the valid IDs one away.
        assert!(near_ids("11010519491231012X").contains(&id_key("11010519491231002X")));
        // A valid ID is never one character from another (the check character forbids it), and
        // what is not 18 ASCII bytes is one character from no valid ID.
        assert!(near_ids("11010519491231002X").is_empty());
        assert!(near_ids("甲乙丙").is_empty());
        assert!(near_ids("11010519491231002").is_empty());
        let e3: Vec<u32> = index
            .blank_rows(&ex, Source::TravelDocuments, "E3")
            .collect();
        assert_eq!(e3, [2]);
        // The same key in another source, and a key no blank row has, find nothing.
        assert_eq!(index.blank_rows(&ex, Source::Insurance, "E3").count(), 0);
        assert_eq!(
            index.blank_rows(&ex, Source::TravelDocuments, "E1").count(),
            0
        );
    }

    #[test]
    fn blank_id_rows_of_an_employer_are_found_by_code_and_member_name_only() {
        use probity_model::registry::EmploymentRecord;
        let post = |record: &str, name: &str| EmploymentRecord {
            record_id: record.into(),
            person_id: String::new(),
            person_name: name.into(),
            employer_credit_code: "91350100M000100Y43".into(),
            employer_name: "某某有限公司".into(),
            since: None,
            until: None,
        };
        let ex = RegistryExtracts {
            employment: Some(vec![
                post("e1", "张 三"),
                post("e2", "李四"),
                post("e3", "張三"),
            ]),
            ..RegistryExtracts::default()
        };
        let index = RegistryIndex::build(&ex);
        let key = |name: &str| format!("91350100M000100Y43\u{1f}{}", normalize::name(name));
        // Spaces and traditional characters fold: both of 张三's rows, not 李四's.
        let rows: Vec<u32> = index
            .blank_rows(&ex, Source::Employment, &key("张三"))
            .collect();
        assert_eq!(rows, [0, 2]);
        assert_eq!(
            index
                .blank_rows(&ex, Source::Employment, "91350100M000100Y43")
                .count(),
            0,
            "the code alone finds nobody"
        );
    }
}
