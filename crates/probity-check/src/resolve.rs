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
    /// Rows whose ID is non-blank but invalid, under the hash of each of the 18 keys that mask
    /// one position.
    by_masked_id: KeyIndex,
    /// Rows whose ID is blank, by the hash of their source and strong key in normal form
    /// (certificate, document, policy number, credit code): the only way such a row ties to a
    /// report.
    blank_by_key: KeyIndex,
}

/// `(key, row)` pairs sorted by key, with a table of where each run of leading key bits starts,
/// so that a lookup reads one or two cache lines instead of binary-searching the whole vector.
/// Keys must be spread evenly over the 64 bits (hashes, or [`mix`]ed).
struct KeyIndex {
    entries: Vec<(u64, RowRef)>,
    /// `starts[b]..starts[b + 1]` are the entries whose key's top `bits` bits are `b`.
    starts: Vec<u32>,
    bits: u32,
}

impl KeyIndex {
    fn new(mut entries: Vec<(u64, RowRef)>) -> KeyIndex {
        // Sorting by the whole entry makes the order independent of how the work was split.
        entries.par_sort_unstable();
        // About one entry per bucket; at least one bit, so that the shift below is below 64.
        let bits = (usize::BITS - entries.len().leading_zeros()).clamp(1, 32);
        let mut starts = Vec::with_capacity((1usize << bits) + 1);
        let mut at = 0usize;
        for b in 0..=(1u64 << bits) {
            while at < entries.len() && (entries[at].0 >> (64 - bits)) < b {
                at += 1;
            }
            starts.push(at as u32);
        }
        KeyIndex {
            entries,
            starts,
            bits,
        }
    }

    /// The rows under `key`.
    fn get(&self, key: u64) -> impl Iterator<Item = RowRef> + '_ {
        let b = (key >> (64 - self.bits)) as usize;
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
        Source::Companies => normalize::number(&ex.companies.as_ref()?.get(i)?.credit_code),
        Source::Employment => {
            normalize::number(&ex.employment.as_ref()?.get(i)?.employer_credit_code)
        }
        _ => return None,
    };
    (!key.is_empty()).then_some(key)
}

fn masked_keys(id: &str) -> impl Iterator<Item = String> + '_ {
    let chars: Vec<char> = id.chars().collect();
    (0..chars.len()).map(move |i| {
        let mut k = chars.clone();
        k[i] = '*';
        k.into_iter().collect()
    })
}

/// The three indexes' entries, as one part of the rows yields them.
#[derive(Default)]
struct Entries {
    by_id: Vec<(u64, RowRef)>,
    by_masked_id: Vec<(u64, RowRef)>,
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
            self.by_masked_id
                .extend(masked_keys(id).map(|k| (hash_of(k.as_str()), r)));
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
            by_masked_id: concat(|p| &p.by_masked_id),
            blank_by_key: concat(|p| &p.blank_by_key),
        };
        drop(parts);
        let (by_id, (by_masked_id, blank_by_key)) = rayon::join(
            || KeyIndex::new(all.by_id),
            || {
                rayon::join(
                    || KeyIndex::new(all.by_masked_id),
                    || KeyIndex::new(all.blank_by_key),
                )
            },
        );
        RegistryIndex {
            by_id,
            by_masked_id,
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
    fn with_id<'a>(&'a self, id: &str) -> impl Iterator<Item = RowRef> + use<'a> {
        self.by_id.get(id_key(id))
    }

    /// Rows whose invalid ID masks to `masked` at some position (a superset: hash collisions
    /// included, which the caller's own comparison drops).
    fn with_masked_id<'a>(&'a self, masked: &str) -> impl Iterator<Item = RowRef> + use<'a> {
        self.by_masked_id.get(hash_of(masked))
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
            let mut near: Vec<RowRef> = masked_keys(id)
                .flat_map(|k| index.with_masked_id(&k))
                .collect();
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
    fn the_index_puts_each_row_under_its_id_its_masks_or_its_strong_key() {
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
        let masked: Vec<u32> = index
            .with_masked_id("11010519491231002*")
            .map(|r| r.row)
            .collect();
        assert_eq!(masked, [1]);
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
}
