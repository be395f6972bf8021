//! Person resolution: which registry rows belong to which member of a report's family.
//!
//! A row belongs to a member when it carries the member's resident ID; or when its ID is invalid,
//! one character away from the member's, and the names agree after [`crate::normalize::name`]. A
//! valid ID that is not the member's is another person, even with the same name. A row with a blank
//! ID is never attributed here: the sections may tie it to a declared item through a strong key.

use std::collections::HashMap;

use probity_model::ResidentId;
use probity_model::declaration::{Declaration, Person};
use probity_model::profile::Profile;
use probity_model::registry::Source;

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
pub struct RegistryIndex {
    /// Rows whose ID is a valid resident ID, by that ID.
    by_id: HashMap<Box<str>, Vec<RowRef>>,
    /// Rows whose ID is non-blank but invalid, under each of the 18 keys that mask one position.
    by_masked_id: HashMap<Box<str>, Vec<RowRef>>,
    /// Rows whose ID is blank, by their source's strong key in normal form (certificate,
    /// document, policy number, credit code): the only way such a row ties to a report.
    blank_by_key: HashMap<(Source, Box<str>), Vec<u32>>,
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

impl RegistryIndex {
    /// Indexes every row of every source.
    pub fn build(ex: &RegistryExtracts) -> RegistryIndex {
        let mut by_id: HashMap<Box<str>, Vec<RowRef>> = HashMap::new();
        let mut by_masked_id: HashMap<Box<str>, Vec<RowRef>> = HashMap::new();
        let mut blank_by_key: HashMap<(Source, Box<str>), Vec<u32>> = HashMap::new();
        for source in Source::ALL {
            for row in 0..rows_of(ex, source) {
                let r = RowRef {
                    source,
                    row: row as u32,
                };
                let Some((id, _)) = person_columns(ex, r) else {
                    continue;
                };
                let id = id.trim();
                if id.is_empty() {
                    if let Some(key) = strong_key(ex, r) {
                        blank_by_key
                            .entry((source, key.into()))
                            .or_default()
                            .push(r.row);
                    }
                    continue;
                }
                if ResidentId::parse(id).is_ok() {
                    by_id.entry(id.into()).or_default().push(r);
                } else if id.chars().count() == 18 {
                    for key in masked_keys(id) {
                        by_masked_id.entry(key.into()).or_default().push(r);
                    }
                }
            }
        }
        RegistryIndex {
            by_id,
            by_masked_id,
            blank_by_key,
        }
    }

    /// Blank-ID rows of `source` whose strong key, in normal form, is `key`.
    pub fn blank_rows(&self, source: Source, key: &str) -> &[u32] {
        self.blank_by_key
            .get(&(source, Box::from(key)))
            .map_or(&[], Vec::as_slice)
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
            if let Some(found) = index.by_id.get(id) {
                rows.extend(found.iter().map(|r| (*r, m, Evidence::SameId)));
            }
            let mut near: Vec<RowRef> = masked_keys(id)
                .filter_map(|k| index.by_masked_id.get(k.as_str()))
                .flatten()
                .copied()
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
