//! Profiles: a jurisdiction's rules as data (`profiles/<id>.toml`), loaded and checked at start.
//!
//! The profile says which matters a report holds and whom each covers, the deadlines, the sample
//! rate, the comparison precision, which finding is an omission or a concealment (as an ordered
//! table of rule ids), and the ladder of measures. Code reads these; it never hard-codes them.

use std::collections::{BTreeSet, HashSet};

use serde::Deserialize;
use thiserror::Error;

use crate::decimal::Decimal;
use crate::declaration::Relation;
use crate::finding::{Category, Classification, FindingKind};
use crate::roster::KeyCheckReason;

/// The profile Probity ships and uses by default.
pub const DEFAULT_PROFILE: &str = "cn";

const BUILTIN: &[(&str, &str)] = &[("cn", include_str!("../../../profiles/cn.toml"))];

/// Why a profile was refused.
#[derive(Debug, Error)]
pub enum ProfileError {
    /// The TOML does not parse or does not have the profile's shape.
    #[error("profile does not parse: {0}")]
    Syntax(#[from] toml::de::Error),
    /// The profile parses but does not hold together.
    #[error("profile {profile}: {problem}")]
    Inconsistent {
        /// The profile's id.
        profile: String,
        /// What is wrong.
        problem: String,
    },
    /// No built-in profile has that id.
    #[error("no built-in profile {0:?} (built in: cn)")]
    Unknown(String),
}

/// Whom a matter covers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Covered {
    /// The declarant.
    #[serde(rename = "self")]
    Own,
    /// Spouse.
    Spouse,
    /// Every child.
    Child,
    /// Children's spouses.
    ChildSpouse,
    /// Only children marked co-residing.
    CoResidingChild,
}

/// Facts the cross-check establishes about a finding, which rule conditions test.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Condition {
    /// The document is a Hong Kong/Macao or Taiwan permit.
    Permit,
    /// The document is an ordinary passport.
    Passport,
    /// The trip went to Hong Kong, Macao or Taiwan only.
    HkMacaoTaiwan,
    /// The trip went abroad.
    Abroad,
    /// The property is a garage, parking space or storeroom.
    AncillaryProperty,
    /// Any other property.
    MainProperty,
    /// Nothing of that section was reported.
    NoneOfKindReported,
    /// Something of that section was reported.
    SomeOfKindReported,
    /// A registry event of a change matter that no report carried, with no annual or initial
    /// report since that the cross-check could compare (the change report was never filed).
    ChangeReportMissing,
}

/// One of the fourteen matters of the report.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Matter {
    /// 1 to 14.
    pub number: u8,
    /// Title in the profile's language.
    pub title: String,
    /// Title in English.
    pub title_en: String,
    /// The finding categories (declaration sections) that carry this matter.
    pub categories: Vec<Category>,
    /// Whom it covers.
    pub covers: Vec<Covered>,
    /// Whether a change in this matter must be reported within `change_within_days` by a change
    /// report, which may then carry this matter's sections (`cn`: matters 1–8).
    #[serde(default)]
    pub change_report: bool,
}

/// A classification rule: findings of these categories and kinds, under these conditions.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Rule {
    /// Stable id written into every finding it classifies.
    pub id: String,
    /// What it makes of a finding.
    pub classification: Classification,
    /// Categories it applies to; empty means all.
    #[serde(default)]
    pub categories: Vec<Category>,
    /// Kinds it applies to; empty means all.
    #[serde(default)]
    pub kinds: Vec<FindingKind>,
    /// Facts that must all hold.
    #[serde(default)]
    pub when: Vec<Condition>,
    /// What the rule says, for people.
    pub text: String,
}

impl Rule {
    fn applies(&self, category: Category, kind: FindingKind, facts: &[Condition]) -> bool {
        (self.categories.is_empty() || self.categories.contains(&category))
            && (self.kinds.is_empty() || self.kinds.contains(&kind))
            && self.when.iter().all(|c| facts.contains(c))
    }
}

/// A determination a verifier may record, with the measures it allows.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Determination {
    /// `consistent`, `explained`, `omission`, `concealment`.
    pub id: String,
    /// Name in the profile's language.
    pub name: String,
    /// Name in English.
    pub name_en: String,
    /// Measure ids this determination allows.
    pub measures: Vec<String>,
    /// How many different verifiers, the one who decides included, must agree before it takes
    /// effect: 1 (in force at once) or 2 (a second verifier confirms).
    #[serde(default = "one")]
    pub confirmations: u8,
    /// Whether it bars promotion.
    #[serde(default)]
    pub bars_promotion: bool,
}

fn one() -> u8 {
    1
}

/// A measure on the ladder, light to heavy in file order.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Measure {
    /// Stable id.
    pub id: String,
    /// Name in the profile's language.
    pub name: String,
    /// Name in English.
    pub name_en: String,
}

/// Report deadlines.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Deadlines {
    /// Month of the annual deadline, in the year after the year reported on.
    pub annual_due_month: u32,
    /// Day of the annual deadline.
    pub annual_due_day: u32,
    /// Days allowed for a change report.
    pub change_within_days: u32,
    /// Days allowed for an initial report.
    pub initial_within_days: u32,
}

/// The sample.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Sampling {
    /// Share of filed reports drawn at random, in (0, 1], exact.
    pub random_rate: crate::sample::Rate,
    /// Reasons that put a subject in the key check.
    pub key_check_reasons: Vec<KeyCheckReason>,
}

/// Comparison precision.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Precision {
    /// Floor areas, m².
    pub area_m2: Decimal,
    /// Money, yuan.
    pub money: Decimal,
    /// Fund units.
    pub fund_units: Decimal,
    /// Shares.
    pub shares: Decimal,
    /// A child below this age on the report date counts as co-residing when living at home.
    pub co_residing_age_below: u8,
}

/// The year-over-year check: how much a family's declared assets may grow in a year, and which
/// asset sections are followed from one report to the next (see `probity_check::wealth`).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Wealth {
    /// Share of the year's lawful income the assets may grow by (1 = all of it saved), at least 0.
    pub growth_income_ratio: Decimal,
    /// Growth allowed on top, in yuan, whatever the income: savings, gifts and market gains the
    /// report does not show. At least 0.
    pub growth_floor: crate::quantity::Amount,
    /// The asset sections in which an item present last year and absent this year, with no
    /// disposal recorded, is a finding. Sections where holdings change without a record (stocks
    /// traded on an exchange) are left out.
    pub vanished: Vec<Category>,
}

/// A jurisdiction's reporting rules.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Profile {
    /// Short id, as declarations name it.
    pub id: String,
    /// Name in the profile's language.
    pub name: String,
    /// Name in English.
    pub name_en: String,
    /// Currency of amounts that name none.
    pub currency: String,
    /// The country the regime is at home in (ISO 3166-1): a trip, a residence or a holding is
    /// "abroad" when elsewhere, and a family member's nationality is foreign when other.
    pub home_country: crate::country::Country,
    /// The IANA time zone dates and times are shown in (`Asia/Shanghai`): the regime's
    /// deadlines are days there.
    pub time_zone: String,
    /// Deadlines.
    pub deadlines: Deadlines,
    /// Sampling.
    pub sampling: Sampling,
    /// Precision.
    pub precision: Precision,
    /// The year-over-year check.
    pub wealth: Wealth,
    /// The matters, 1 to n.
    #[serde(rename = "matter")]
    pub matters: Vec<Matter>,
    /// Classification rules, in order.
    #[serde(rename = "rule")]
    pub rules: Vec<Rule>,
    /// Determinations.
    #[serde(rename = "determination")]
    pub determinations: Vec<Determination>,
    /// Measures, light to heavy.
    #[serde(rename = "measure")]
    pub measures: Vec<Measure>,
}

impl Profile {
    /// Parses a profile and checks that it holds together.
    pub fn from_toml(text: &str) -> Result<Profile, ProfileError> {
        let profile: Profile = toml::from_str(text)?;
        profile.check()?;
        Ok(profile)
    }

    /// A profile shipped with Probity.
    pub fn builtin(id: &str) -> Result<Profile, ProfileError> {
        let (_, text) = BUILTIN
            .iter()
            .find(|(name, _)| *name == id)
            .ok_or_else(|| ProfileError::Unknown(id.to_owned()))?;
        Profile::from_toml(text)
    }

    /// The ids of the built-in profiles.
    pub fn builtin_ids() -> impl Iterator<Item = &'static str> {
        BUILTIN.iter().map(|(id, _)| *id)
    }

    /// Checks what the type cannot: matters numbered 1..n covering every category once, unique
    /// rule ids, a rule for every category and kind, a rate in (0, 1], measures that exist.
    pub fn check(&self) -> Result<(), ProfileError> {
        let fail = |problem: String| {
            Err(ProfileError::Inconsistent {
                profile: self.id.clone(),
                problem,
            })
        };
        for (i, m) in self.matters.iter().enumerate() {
            if usize::from(m.number) != i + 1 {
                return fail(format!("matter {} is listed in place {}", m.number, i + 1));
            }
            if m.covers.is_empty() {
                return fail(format!("matter {} covers nobody", m.number));
            }
        }
        let mut seen = HashSet::new();
        for c in self.matters.iter().flat_map(|m| &m.categories) {
            if !c.is_section() {
                return fail(format!("category {c} is not a section of the form"));
            }
            if !seen.insert(*c) {
                return fail(format!("category {c} belongs to more than one matter"));
            }
        }
        if let Some(c) = Category::ALL
            .iter()
            .find(|c| c.is_section() && !seen.contains(c))
        {
            return fail(format!("category {c} belongs to no matter"));
        }
        let mut ids = HashSet::new();
        for r in &self.rules {
            if !ids.insert(r.id.as_str()) {
                return fail(format!("rule id {} is used twice", r.id));
            }
            if !r.id.starts_with(&format!("{}.", self.id)) {
                return fail(format!("rule id {} does not start with {}.", r.id, self.id));
            }
        }
        for category in Category::ALL {
            for kind in FindingKind::ALL
                .into_iter()
                .filter(|k| k.applies_to(category))
            {
                if !self.rules.iter().any(|r| r.applies(category, kind, &[])) {
                    return fail(format!(
                        "no unconditional rule classifies {kind} findings in {category}"
                    ));
                }
            }
        }
        let measures: BTreeSet<&str> = self.measures.iter().map(|m| m.id.as_str()).collect();
        if measures.len() != self.measures.len() {
            return fail("a measure id is used twice".into());
        }
        for d in &self.determinations {
            if let Some(m) = d.measures.iter().find(|m| !measures.contains(m.as_str())) {
                return fail(format!("determination {} allows unknown measure {m}", d.id));
            }
            if d.confirmations == 0 {
                return fail(format!(
                    "determination {} needs at least one confirmation",
                    d.id
                ));
            }
            // The verifier who decides is the first; the workbench records one more.
            if d.confirmations > 2 {
                return fail(format!(
                    "determination {} asks for {} people; at most 2 (the verifier who decides and a second who confirms) are supported",
                    d.id, d.confirmations
                ));
            }
        }
        // An IANA zone name: `UTC`, or an area and a place (`Asia/Shanghai`).
        let zone_ok = self.time_zone == "UTC"
            || self.time_zone.split_once('/').is_some_and(|(area, place)| {
                !area.is_empty()
                    && !place.is_empty()
                    && self
                        .time_zone
                        .chars()
                        .all(|c| c.is_ascii_alphanumeric() || matches!(c, '/' | '_' | '-' | '+'))
            });
        if !zone_ok {
            return fail(format!(
                "time_zone {:?} is not a time zone name (Asia/Shanghai, UTC)",
                self.time_zone
            ));
        }
        for needed in ["consistent", "explained", "omission", "concealment"] {
            if !self.determinations.iter().any(|d| d.id == needed) {
                return fail(format!("determination {needed} is missing"));
            }
        }
        let w = &self.wealth;
        if w.growth_income_ratio < Decimal::ZERO {
            return fail(format!(
                "wealth.growth_income_ratio {} is negative",
                w.growth_income_ratio
            ));
        }
        if let Some(c) = w.vanished.iter().find(|c| !c.is_asset()) {
            return fail(format!("wealth.vanished names {c}, which holds no assets"));
        }
        let d = &self.deadlines;
        if crate::time::Date::from_ymd(2001, d.annual_due_month, d.annual_due_day).is_none() {
            return fail("the annual deadline is not a day of the year".into());
        }
        Ok(())
    }

    /// The first rule that classifies a finding of this category and kind with these facts.
    /// [`Profile::check`] guarantees one exists.
    pub fn classify(&self, category: Category, kind: FindingKind, facts: &[Condition]) -> &Rule {
        self.rules
            .iter()
            .find(|r| r.applies(category, kind, facts))
            .unwrap_or(&self.rules[0])
    }

    /// The rule with this id.
    pub fn rule(&self, id: &str) -> Option<&Rule> {
        self.rules.iter().find(|r| r.id == id)
    }

    /// The matter a category belongs to.
    pub fn matter_of(&self, category: Category) -> Option<&Matter> {
        self.matters
            .iter()
            .find(|m| m.categories.contains(&category))
    }

    /// Whom a category covers.
    pub fn covers(&self, category: Category) -> &[Covered] {
        self.matter_of(category)
            .map(|m| m.covers.as_slice())
            .unwrap_or(&[])
    }

    /// True when the matter of `category` covers a person of this relation. `co_residing` says
    /// whether a child lives with the declarant; callers decide how they know (the report's flag,
    /// or also the child's age on the report date).
    pub fn covers_person(&self, category: Category, relation: Relation, co_residing: bool) -> bool {
        let covers = self.covers(category);
        match relation {
            Relation::Own => covers.contains(&Covered::Own),
            Relation::Spouse => covers.contains(&Covered::Spouse),
            Relation::ChildSpouse => covers.contains(&Covered::ChildSpouse),
            Relation::Child => {
                covers.contains(&Covered::Child)
                    || (co_residing && covers.contains(&Covered::CoResidingChild))
            }
        }
    }

    /// The determination with this id.
    pub fn determination(&self, id: &str) -> Option<&Determination> {
        self.determinations.iter().find(|d| d.id == id)
    }

    /// The categories a change report may carry: those of the matters marked `change_report`, in
    /// form order.
    pub fn change_categories(&self) -> Vec<Category> {
        Category::ALL
            .into_iter()
            .filter(|c| self.matter_of(*c).is_some_and(|m| m.change_report))
            .collect()
    }

    /// The annual report's deadline for a year.
    pub fn annual_deadline(&self, year: i32) -> Option<crate::time::Date> {
        crate::time::Date::from_ymd(
            year + 1,
            self.deadlines.annual_due_month,
            self.deadlines.annual_due_day,
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cn() -> Profile {
        Profile::builtin("cn").unwrap()
    }

    #[test]
    fn the_cn_profile_loads_with_fourteen_matters() {
        let p = cn();
        assert_eq!(p.matters.len(), 14);
        assert_eq!(
            p.sampling.random_rate.share(),
            Decimal::parse("0.1").unwrap()
        );
        assert_eq!(p.annual_deadline(2025).unwrap().to_string(), "2026-01-31");
        assert_eq!(p.determination("concealment").unwrap().confirmations, 2);
    }

    #[test]
    fn classification_follows_the_measures() {
        let p = cn();
        use Condition::*;
        let rule = |c, k, f: &[Condition]| p.classify(c, k, f).id.clone();
        assert_eq!(
            rule(
                Category::RealEstate,
                FindingKind::Unreported,
                &[MainProperty]
            ),
            "cn.concealment.property"
        );
        assert_eq!(
            rule(
                Category::RealEstate,
                FindingKind::Unreported,
                &[AncillaryProperty]
            ),
            "cn.omission.ancillary_property"
        );
        assert_eq!(
            rule(
                Category::Stocks,
                FindingKind::Unreported,
                &[NoneOfKindReported]
            ),
            "cn.concealment.securities"
        );
        assert_eq!(
            rule(
                Category::Stocks,
                FindingKind::Unreported,
                &[SomeOfKindReported]
            ),
            "cn.omission.securities_understated"
        );
        assert_eq!(
            rule(
                Category::TravelDocuments,
                FindingKind::Unreported,
                &[Permit]
            ),
            "cn.omission.hk_macao_taiwan_permit"
        );
        assert_eq!(
            rule(
                Category::TravelDocuments,
                FindingKind::Unreported,
                &[Passport]
            ),
            "cn.concealment.passport"
        );
        assert_eq!(
            rule(Category::Trips, FindingKind::Unreported, &[HkMacaoTaiwan]),
            "cn.omission.hk_macao_taiwan_trip"
        );
        assert_eq!(
            rule(Category::Trips, FindingKind::Unreported, &[Abroad]),
            "cn.concealment.private_trip_abroad"
        );
        assert_eq!(
            rule(Category::RealEstate, FindingKind::Unconfirmed, &[]),
            "cn.review.unconfirmed"
        );
        assert_eq!(
            rule(Category::Funds, FindingKind::Overstated, &[]),
            "cn.review.overstated"
        );
    }

    #[test]
    fn the_year_over_year_rules_load_and_classify_as_review() {
        let p = cn();
        assert_eq!(p.wealth.growth_income_ratio, Decimal::parse("1").unwrap());
        assert_eq!(p.wealth.growth_floor.minor_units(), 30_000_000);
        assert!(p.wealth.vanished.contains(&Category::RealEstate));
        assert!(!p.wealth.vanished.contains(&Category::Stocks));
        let growth = p.classify(Category::Wealth, FindingKind::ExcessGrowth, &[]);
        assert_eq!(growth.id, "cn.review.excess_growth");
        assert_eq!(growth.classification, Classification::Review);
        let gone = p.classify(Category::Insurance, FindingKind::Vanished, &[]);
        assert_eq!(gone.id, "cn.review.vanished");
        assert_eq!(gone.classification, Classification::Review);
        assert!(p.matter_of(Category::Wealth).is_none());
    }

    #[test]
    fn a_bad_wealth_setting_is_refused_by_name() {
        let base = include_str!("../../../profiles/cn.toml");
        let refused = |text: &str, needle: &str| match Profile::from_toml(text) {
            Err(e) => assert!(e.to_string().contains(needle), "{e}"),
            Ok(_) => panic!("accepted a profile with {needle}"),
        };
        refused(
            &base.replace(
                "growth_income_ratio = \"1.0\"",
                "growth_income_ratio = \"-0.5\"",
            ),
            "growth_income_ratio",
        );
        refused(
            &base.replace(
                "vanished = [\"real_estate\",",
                "vanished = [\"trips\", \"real_estate\",",
            ),
            "wealth.vanished names trips",
        );
        refused(
            &base.replace("growth_floor = \"300000.00\"", "growth_floor = \"-1\""),
            "growth_floor",
        );
        // Without a rule for the new kinds the profile does not hold together.
        refused(
            &base.replace("kinds = [\"excess_growth\"]", "kinds = [\"differs\"]"),
            "excess_growth",
        );
        // Wealth is not a section: no matter may claim it.
        refused(
            &base.replace(
                "categories = [\"marriage\"]",
                "categories = [\"marriage\", \"wealth\"]",
            ),
            "not a section",
        );
    }

    #[test]
    fn a_second_profile_differs_only_in_data() {
        let text = include_str!("../../../profiles/cn.toml")
            .replace("id = \"cn\"", "id = \"zj\"")
            .replace("\"cn.", "\"zj.")
            .replace("random_rate = \"0.10\"", "random_rate = \"0.20\"");
        let p = Profile::from_toml(&text).unwrap();
        assert_eq!(
            p.sampling.random_rate.share(),
            Decimal::parse("0.2").unwrap()
        );
        assert!(p.rules.iter().all(|r| r.id.starts_with("zj.")));
    }

    #[test]
    fn an_inconsistent_profile_is_refused() {
        let base = include_str!("../../../profiles/cn.toml");
        let no_fallback = base.replace(
            "id = \"cn.concealment.property\"",
            "id = \"cn.x\"\nwhen = [\"main_property\"]",
        );
        assert!(matches!(
            Profile::from_toml(&no_fallback),
            Err(ProfileError::Inconsistent { .. })
        ));
        let bad_rate = base.replace("random_rate = \"0.10\"", "random_rate = \"1.5\"");
        assert!(Profile::from_toml(&bad_rate).is_err());
        let unknown_measure = base.replace(
            "\"criticism\", \"self_examination\"",
            "\"criticism\", \"flogging\"",
        );
        assert!(Profile::from_toml(&unknown_measure).is_err());
    }
}
