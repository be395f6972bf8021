//! The per-report comparison: one declaration and the registry rows attributed to its family in,
//! findings out. [`check_all`] runs it over many reports in parallel, partitioned by declarant.

use probity_model::declaration::Declaration;
use probity_model::finding::{Category, Discrepancy, FindingKind};
use probity_model::profile::{Condition, Profile};
use rayon::prelude::*;

use crate::extract::RegistryExtracts;
use crate::resolve::{Family, RegistryIndex};
use crate::sections;

/// Everything a section needs to compare one report.
pub struct Ctx<'a> {
    /// The report.
    pub d: &'a Declaration,
    /// Its rules.
    pub profile: &'a Profile,
    /// All extracts.
    pub ex: &'a RegistryExtracts,
    /// The run's index of rows.
    pub index: &'a RegistryIndex,
    /// The family and its attributed rows.
    pub family: Family<'a>,
    /// Findings so far.
    pub out: Vec<Discrepancy>,
}

/// A finding before classification.
pub struct Draft<'s> {
    /// Section.
    pub category: Category,
    /// Kind.
    pub kind: FindingKind,
    /// Member index the item belongs to.
    pub member: Option<usize>,
    /// Field compared.
    pub field: &'s str,
    /// Declared value.
    pub declared: String,
    /// Registry value.
    pub registry: String,
    /// JSON path of the declared item.
    pub path: String,
    /// Supporting record ids.
    pub records: Vec<String>,
    /// Facts for the classification rules.
    pub facts: Vec<Condition>,
    /// A sentence for the verifier.
    pub note: String,
}

impl<'a> Ctx<'a> {
    /// Classifies a draft through the profile and records it.
    pub fn push(&mut self, f: Draft<'_>) {
        let rule = self.profile.classify(f.category, f.kind, &f.facts);
        let person_id = f
            .member
            .and_then(|m| self.family.members.get(m))
            .and_then(|m| m.id())
            .unwrap_or_default()
            .to_owned();
        self.out.push(Discrepancy {
            declaration_id: self.d.declaration_id.clone(),
            declarant_id: self.d.declarant_id.as_str().to_owned(),
            category: f.category,
            person_id,
            kind: f.kind,
            field: f.field.to_owned(),
            declared: f.declared,
            registry: f.registry,
            declared_path: f.path,
            registry_record_ids: f.records,
            classification: rule.classification,
            rule: rule.id.clone(),
            note: f.note,
        });
    }

    /// True when `category` covers member `m` of this report.
    pub fn covers(&self, category: Category, m: usize) -> bool {
        self.family
            .covers(self.profile, category, m, self.d.filed_on)
    }

    /// The display name of member `m`.
    pub fn name_of(&self, m: usize) -> &str {
        self.family
            .members
            .get(m)
            .map_or("", |x| x.person.name.as_str())
    }

    /// Blank-ID rows of `source` tied to any of `keys` (strong keys in normal form), without repeats.
    pub fn blank_rows<'k>(
        &self,
        source: probity_model::registry::Source,
        keys: impl IntoIterator<Item = &'k str>,
    ) -> Vec<u32> {
        let mut rows: Vec<u32> = keys
            .into_iter()
            .flat_map(|k| self.index.blank_rows(self.ex, source, k))
            .collect();
        rows.sort_unstable();
        rows.dedup();
        rows
    }

    /// The member a declared handle names.
    pub fn member(&self, handle: &probity_model::declaration::PersonRef) -> Option<usize> {
        self.family.member_of(handle)
    }
}

/// Compares one report with the extracts.
pub fn check_declaration(
    d: &Declaration,
    profile: &Profile,
    ex: &RegistryExtracts,
    index: &RegistryIndex,
) -> Vec<Discrepancy> {
    let family = Family::resolve(d, ex, index);
    let mut ctx = Ctx {
        d,
        profile,
        ex,
        index,
        family,
        out: Vec::new(),
    };
    sections::marriage::check(&mut ctx);
    sections::travel::check(&mut ctx);
    sections::family::check(&mut ctx);
    sections::income::check(&mut ctx);
    sections::real_estate::check(&mut ctx);
    sections::securities::check(&mut ctx);
    sections::businesses::check(&mut ctx);
    let mut out = ctx.out;
    // A report is compared only on what it carries (FORMATS.md): a change report names its
    // sections and lists what changed, not everything held, so a registry row it lacks is never a
    // finding on it (the timeliness of change reports is checked on its own).
    if d.kind == probity_model::declaration::ReportKind::Change {
        out.retain(|f| d.carries(f.category) && f.kind != FindingKind::Unreported);
    }
    out
}

/// One run of the cross-check: the extracts and their index, built once, against which any number
/// of reports are then checked, in any number of batches and on any number of threads. A caller
/// that streams reports (`probity check` reads them in chunks) holds only the extracts, the index
/// and the reports in flight, never the whole file.
pub struct Checker<'x> {
    ex: &'x RegistryExtracts,
    index: RegistryIndex,
}

impl<'x> Checker<'x> {
    /// Indexes the extracts (on every core).
    pub fn new(ex: &'x RegistryExtracts) -> Checker<'x> {
        Checker {
            ex,
            index: RegistryIndex::build(ex),
        }
    }

    /// The extracts and their index, for the checks that live in other modules.
    pub(crate) fn parts(&self) -> (&RegistryExtracts, &RegistryIndex) {
        (self.ex, &self.index)
    }

    /// Compares one report with the extracts.
    pub fn check(&self, d: &Declaration, profile: &Profile) -> Vec<Discrepancy> {
        check_declaration(d, profile, self.ex, &self.index)
    }

    /// The year's lawful income of a report's family ([`crate::wealth::Income`]): what the report
    /// declares, and the wages and labour income the tax registry records for the year reported
    /// on against the declarant and the spouse (the rows the cross-check attributes to them).
    pub fn income(&self, d: &Declaration) -> crate::wealth::Income {
        let mut income = crate::wealth::Income::declared(d);
        let Some(rows) = self.ex.tax_income.as_ref() else {
            return income;
        };
        let family = Family::resolve(d, self.ex, &self.index);
        for (r, m) in family.rows_of(probity_model::registry::Source::TaxIncome) {
            let Some(row) = rows.get(r as usize).filter(|row| row.year == d.year) else {
                continue;
            };
            let amount = row.amount.minor_units();
            let relation = family.members.get(m).map(|m| m.person.relation);
            use probity_model::declaration::Relation;
            use probity_model::registry::IncomeKind;
            match (relation, row.kind) {
                (Some(Relation::Own), IncomeKind::Wages) => income.registry_wages += amount,
                (Some(Relation::Own), IncomeKind::Labor) => income.registry_labor += amount,
                (Some(Relation::Spouse), _) => income.registry_spouse += amount,
                _ => continue,
            }
            income.records.push(row.record_id.clone());
        }
        income
    }

    /// The year-over-year findings of every report that `previous_of` finds an earlier annual
    /// report for ([`crate::wealth::year_over_year`] with [`Checker::income`]), in parallel;
    /// findings come out in report order. A pair that does not compare (another declarant, not
    /// an earlier annual report) or whose profile is unknown yields nothing.
    pub fn year_over_year_all<'p, 'd>(
        &self,
        declarations: &[Declaration],
        previous_of: &(dyn Fn(&Declaration) -> Option<&'d Declaration> + Sync),
        profile_for: &(dyn Fn(&str) -> Option<&'p Profile> + Sync),
    ) -> Vec<Discrepancy> {
        declarations
            .par_iter()
            .map(|d| match (previous_of(d), profile_for(&d.profile)) {
                (Some(before), Some(p)) => {
                    crate::wealth::year_over_year(d, before, &self.income(d), p).unwrap_or_default()
                }
                _ => Vec::new(),
            })
            .collect::<Vec<_>>()
            .into_iter()
            .flatten()
            .collect()
    }

    /// Compares every report with the extracts, in parallel; findings come out in report order.
    /// A report whose profile `profile_for` does not know yields nothing.
    pub fn check_all<'p>(
        &self,
        declarations: &[Declaration],
        profile_for: &(dyn Fn(&str) -> Option<&'p Profile> + Sync),
    ) -> Vec<Discrepancy> {
        declarations
            .par_iter()
            .map(|d| match profile_for(&d.profile) {
                Some(p) => self.check(d, p),
                None => Vec::new(),
            })
            .collect::<Vec<_>>()
            .into_iter()
            .flatten()
            .collect()
    }
}

/// Compares every report with the extracts, in parallel; findings come out in report order.
/// The same as [`Checker::check_all`] on a new [`Checker`].
pub fn check_all<'p>(
    declarations: &[Declaration],
    profile_for: &(dyn Fn(&str) -> Option<&'p Profile> + Sync),
    ex: &RegistryExtracts,
) -> Vec<Discrepancy> {
    Checker::new(ex).check_all(declarations, profile_for)
}
