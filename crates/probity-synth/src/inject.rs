//! Injected discrepancies: which ones a household gets, and how each is written to the truth
//! exactly as a cross-check following FORMATS.md reports it.

use probity_model::Discrepancy;
use probity_model::finding::{Category, FindingKind};
use probity_model::profile::Condition;
use rand::Rng;

use crate::household::Household;
use crate::rng::weighted;

/// Variants of an injection where the category and kind are not enough.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Variant {
    /// Nothing more to say.
    Plain,
    /// An ordinary passport (documents) or a trip abroad (trips) or a main property.
    Major,
    /// A permit (documents), a trip to Hong Kong/Macao/Taiwan (trips) or a garage, parking
    /// space or storeroom (real estate).
    Minor,
}

/// One injected discrepancy, before it is made.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Injection {
    /// The section.
    pub category: Category,
    /// The kind.
    pub kind: FindingKind,
    /// The variant.
    pub variant: Variant,
}

const fn inj(category: Category, kind: FindingKind, variant: Variant) -> Injection {
    Injection {
        category,
        kind,
        variant,
    }
}

use Category as C;
use FindingKind as K;
use Variant as V;

/// Every injection with its weight.
const MENU: &[(Injection, u32)] = &[
    (inj(C::Marriage, K::Differs, V::Plain), 3),
    (inj(C::Marriage, K::Unreported, V::Plain), 2),
    (inj(C::TravelDocuments, K::Unreported, V::Major), 4),
    (inj(C::TravelDocuments, K::Unreported, V::Minor), 4),
    (inj(C::TravelDocuments, K::Unconfirmed, V::Plain), 2),
    (inj(C::Trips, K::Unreported, V::Major), 4),
    (inj(C::Trips, K::Unreported, V::Minor), 4),
    (inj(C::Trips, K::Unconfirmed, V::Plain), 2),
    (inj(C::ChildMarriages, K::Unreported, V::Plain), 2),
    (inj(C::ChildMarriages, K::Unconfirmed, V::Plain), 1),
    (inj(C::ResidenceAbroad, K::Unreported, V::Plain), 3),
    (inj(C::ResidenceAbroad, K::Unconfirmed, V::Plain), 1),
    (inj(C::ResidenceAbroad, K::Differs, V::Plain), 2),
    (inj(C::Employment, K::Unreported, V::Plain), 5),
    (inj(C::Employment, K::Unconfirmed, V::Plain), 2),
    (inj(C::CriminalCases, K::Unreported, V::Plain), 2),
    (inj(C::CriminalCases, K::Unconfirmed, V::Plain), 1),
    (inj(C::Salary, K::Understated, V::Plain), 4),
    (inj(C::Salary, K::Overstated, V::Plain), 3),
    (inj(C::LaborIncome, K::Unreported, V::Plain), 4),
    (inj(C::LaborIncome, K::Unconfirmed, V::Plain), 2),
    (inj(C::RealEstate, K::Unreported, V::Major), 6),
    (inj(C::RealEstate, K::Unreported, V::Minor), 3),
    (inj(C::RealEstate, K::Understated, V::Plain), 5),
    (inj(C::RealEstate, K::Overstated, V::Plain), 3),
    (inj(C::RealEstate, K::Unconfirmed, V::Plain), 3),
    (inj(C::Stocks, K::Unreported, V::Plain), 5),
    (inj(C::Stocks, K::Understated, V::Plain), 4),
    (inj(C::Stocks, K::Overstated, V::Plain), 2),
    (inj(C::Stocks, K::Unconfirmed, V::Plain), 2),
    (inj(C::Funds, K::Unreported, V::Plain), 4),
    (inj(C::Funds, K::Understated, V::Plain), 3),
    (inj(C::Funds, K::Overstated, V::Plain), 2),
    (inj(C::Funds, K::Unconfirmed, V::Plain), 1),
    (inj(C::Insurance, K::Unreported, V::Plain), 3),
    (inj(C::Insurance, K::Understated, V::Plain), 3),
    (inj(C::Insurance, K::Overstated, V::Plain), 2),
    (inj(C::Insurance, K::Unconfirmed, V::Plain), 1),
    (inj(C::Businesses, K::Unreported, V::Plain), 5),
    (inj(C::Businesses, K::Understated, V::Plain), 2),
    (inj(C::Businesses, K::Overstated, V::Plain), 2),
    (inj(C::Businesses, K::Differs, V::Plain), 2),
    (inj(C::Businesses, K::Unconfirmed, V::Plain), 2),
];

/// Share of reports that get at least one injected discrepancy.
const RATE: f64 = 0.27;

/// Categories that need a family member other than the declarant.
const FAMILY: [Category; 5] = [
    C::ChildMarriages,
    C::ResidenceAbroad,
    C::Employment,
    C::CriminalCases,
    C::Businesses,
];

/// The injections of one household, at most one per category.
#[derive(Debug, Clone, Default)]
pub(crate) struct Plan(Vec<Injection>);

impl Plan {
    /// Draws a household's plan: nothing for most, one to three injections for about a quarter.
    pub(crate) fn draw<R: Rng>(rng: &mut R, enabled: bool) -> Plan {
        // The draws happen whether or not injection is enabled, so that a clean run has the same
        // people as a normal one.
        let inject = rng.random_bool(RATE);
        let count = weighted(rng, &[(1usize, 70), (2, 22), (3, 8)]);
        let mut items: Vec<Injection> = Vec::new();
        for _ in 0..count {
            let pick = weighted(rng, MENU);
            if items.iter().all(|i| i.category != pick.category) {
                items.push(pick);
            }
        }
        if !(enabled && inject) {
            return Plan::default();
        }
        if items
            .iter()
            .any(|i| i.category == C::Marriage && i.kind == K::Unreported)
        {
            // A declarant who hides a marriage reports no spouse and has no children.
            items.retain(|i| !FAMILY.contains(&i.category));
        }
        Plan(items)
    }

    /// The injection planned for a category.
    pub(crate) fn get(&self, category: Category) -> Option<Injection> {
        self.0.iter().copied().find(|i| i.category == category)
    }

    /// The kind planned for a category, if any.
    pub(crate) fn kind(&self, category: Category) -> Option<FindingKind> {
        self.get(category).map(|i| i.kind)
    }

    /// True when the plan holds this category, kind and variant.
    pub(crate) fn has(&self, category: Category, kind: FindingKind, variant: Variant) -> bool {
        self.0.contains(&inj(category, kind, variant))
    }

    /// True when the plan needs a spouse or child.
    pub(crate) fn needs_family(&self) -> bool {
        self.0.iter().any(|i| FAMILY.contains(&i.category))
    }
}

/// A finding, as the generator describes it.
#[derive(Debug, Clone)]
pub(crate) struct Finding {
    pub category: Category,
    pub kind: FindingKind,
    pub facts: Vec<Condition>,
    /// Member index of the person the item belongs to.
    pub person: Option<usize>,
    pub field: &'static str,
    pub declared: String,
    pub registry: String,
    pub path: String,
    pub ids: Vec<String>,
    pub note: String,
}

impl Finding {
    /// A finding with the parts every kind has; the rest is filled in by the caller.
    pub(crate) fn new(category: Category, kind: FindingKind, person: Option<usize>) -> Finding {
        Finding {
            category,
            kind,
            facts: Vec::new(),
            person,
            field: "",
            declared: String::new(),
            registry: String::new(),
            path: String::new(),
            ids: Vec::new(),
            note: String::new(),
        }
    }
}

impl Household<'_> {
    /// Writes a finding to the truth, classified by the profile.
    pub(crate) fn record(&mut self, f: Finding) {
        let rule = self.ctx.profile.classify(f.category, f.kind, &f.facts);
        let person_id = f
            .person
            .and_then(|m| self.members.get(m))
            .and_then(|m| m.id.as_ref())
            .map(|id| id.as_str().to_owned())
            .unwrap_or_default();
        self.truth.push(Discrepancy {
            declaration_id: self.decl.declaration_id.clone(),
            declarant_id: self.decl.declarant_id.as_str().to_owned(),
            category: f.category,
            person_id,
            kind: f.kind,
            field: f.field.to_owned(),
            declared: f.declared,
            registry: f.registry,
            declared_path: f.path,
            registry_record_ids: f.ids,
            classification: rule.classification,
            rule: rule.id.clone(),
            note: f.note,
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_category_with_a_source_and_every_kind_is_on_the_menu() {
        // The year-over-year kinds are injected by `history`, not from this menu.
        for kind in FindingKind::CROSS_CHECK {
            assert!(MENU.iter().any(|(i, _)| i.kind == kind), "{kind}");
        }
        for c in Category::ALL {
            if !matches!(c, C::OverseasDeposits | C::OverseasInvestments | C::Wealth) {
                assert!(MENU.iter().any(|(i, _)| i.category == c), "{c}");
            }
        }
    }
}
