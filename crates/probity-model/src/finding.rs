//! Discrepancies (findings): what the cross-check writes and `truth.jsonl` lists (FORMATS.md).

use std::fmt;

use serde::{Deserialize, Serialize};

/// The declaration section a finding is about: the fourteen [`crate::declaration::Section`]s
/// plus marriage and salary, which are always present; and [`Category::Wealth`], the family's
/// declared assets taken together, which no single section holds (year-over-year findings).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Category {
    /// Own marital status.
    Marriage,
    /// Passports and permits.
    TravelDocuments,
    /// Private trips.
    Trips,
    /// Children's marriages.
    ChildMarriages,
    /// Emigration and residence abroad.
    ResidenceAbroad,
    /// Employment of family members.
    Employment,
    /// Criminal proceedings.
    CriminalCases,
    /// Own wages.
    Salary,
    /// Own labour income.
    LaborIncome,
    /// Real estate.
    RealEstate,
    /// Stocks.
    Stocks,
    /// Funds.
    Funds,
    /// Investment insurance.
    Insurance,
    /// Businesses.
    Businesses,
    /// Overseas deposits.
    OverseasDeposits,
    /// Overseas investments.
    OverseasInvestments,
    /// The family's declared assets as a whole, compared with the year before (not a section of
    /// the form, and not one of FORMATS.md's categories: only the year-over-year check, which
    /// `probity check` does not run, writes it).
    Wealth,
}

impl Category {
    /// Every category, in form order, then [`Category::Wealth`].
    pub const ALL: [Category; 17] = [
        Category::Marriage,
        Category::TravelDocuments,
        Category::Trips,
        Category::ChildMarriages,
        Category::ResidenceAbroad,
        Category::Employment,
        Category::CriminalCases,
        Category::Salary,
        Category::LaborIncome,
        Category::RealEstate,
        Category::Stocks,
        Category::Funds,
        Category::Insurance,
        Category::Businesses,
        Category::OverseasDeposits,
        Category::OverseasInvestments,
        Category::Wealth,
    ];

    /// The name as written in files.
    pub fn as_str(&self) -> &'static str {
        match self {
            Category::Marriage => "marriage",
            Category::TravelDocuments => "travel_documents",
            Category::Trips => "trips",
            Category::ChildMarriages => "child_marriages",
            Category::ResidenceAbroad => "residence_abroad",
            Category::Employment => "employment",
            Category::CriminalCases => "criminal_cases",
            Category::Salary => "salary",
            Category::LaborIncome => "labor_income",
            Category::RealEstate => "real_estate",
            Category::Stocks => "stocks",
            Category::Funds => "funds",
            Category::Insurance => "insurance",
            Category::Businesses => "businesses",
            Category::OverseasDeposits => "overseas_deposits",
            Category::OverseasInvestments => "overseas_investments",
            Category::Wealth => "wealth",
        }
    }

    /// The category written this way.
    pub fn parse(text: &str) -> Option<Category> {
        Category::ALL.into_iter().find(|c| c.as_str() == text)
    }

    /// True for the sections of the form (every category but [`Category::Wealth`]): each belongs
    /// to exactly one matter of the profile.
    pub fn is_section(&self) -> bool {
        *self != Category::Wealth
    }

    /// True for the sections whose registry records date a change a change report must follow
    /// (`probity_check::changes`): marital changes, documents issued, children's marriages,
    /// residence abroad, criminal proceedings. Which of them a regime follows is the profile's
    /// (`change_report` on its matters).
    pub fn has_dated_events(&self) -> bool {
        matches!(
            self,
            Category::Marriage
                | Category::TravelDocuments
                | Category::ChildMarriages
                | Category::ResidenceAbroad
                | Category::CriminalCases
        )
    }

    /// True for the sections that hold assets (matters 11 to 14): what a family owns and the
    /// year-over-year check values and follows from one year to the next.
    pub fn is_asset(&self) -> bool {
        matches!(
            self,
            Category::RealEstate
                | Category::Stocks
                | Category::Funds
                | Category::Insurance
                | Category::Businesses
                | Category::OverseasDeposits
                | Category::OverseasInvestments
        )
    }
}

impl fmt::Display for Category {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// What kind of disagreement a finding records.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FindingKind {
    /// A registry record the report lacks.
    Unreported,
    /// A reported item no registry record supports.
    Unconfirmed,
    /// Matched, but the report states less than the registry.
    Understated,
    /// Matched, but the report states more than the registry.
    Overstated,
    /// Matched, but a field disagrees.
    Differs,
    /// Year over year: an asset in the subject's previous annual report that this report lacks,
    /// with no disposal recorded. `field` names the key the asset was followed by, `declared`
    /// holds that key as last declared; `declared_path` is empty (the item is not in this report).
    Vanished,
    /// Year over year: the family's declared assets grew more than the year's lawful income
    /// allows under the profile's threshold. Category [`Category::Wealth`]; `field` is
    /// `growth`, `declared` the growth and `registry` the allowance, in yuan; the note gives
    /// every figure.
    ExcessGrowth,
    /// A change report filed after the profile's days from the event (server verification runs'
    /// timeliness check, not `probity check`): `field` is `filed_on`, `declared` the report date
    /// of the first report carrying the change, `registry` the event's date.
    Late,
}

impl FindingKind {
    /// Every kind: the cross-check's five, then the two of the year-over-year check.
    pub const ALL: [FindingKind; 8] = [
        FindingKind::Unreported,
        FindingKind::Unconfirmed,
        FindingKind::Understated,
        FindingKind::Overstated,
        FindingKind::Differs,
        FindingKind::Vanished,
        FindingKind::ExcessGrowth,
        FindingKind::Late,
    ];

    /// The kinds a report compared with the registries alone can have (FORMATS.md's kinds,
    /// what `probity check` writes and `truth.jsonl` lists).
    pub const CROSS_CHECK: [FindingKind; 5] = [
        FindingKind::Unreported,
        FindingKind::Unconfirmed,
        FindingKind::Understated,
        FindingKind::Overstated,
        FindingKind::Differs,
    ];

    /// True for the kinds that compare a report with the same subject's previous one.
    pub fn is_year_over_year(&self) -> bool {
        matches!(self, FindingKind::Vanished | FindingKind::ExcessGrowth)
    }

    /// Whether a finding of this kind can be about `category`: excess growth is about
    /// [`Category::Wealth`] alone, a vanished item about an asset section, and the cross-check's
    /// kinds about the sections of the form. [`crate::profile::Profile::check`] asks for a rule
    /// for every pair that can occur.
    pub fn applies_to(&self, category: Category) -> bool {
        match self {
            FindingKind::ExcessGrowth => category == Category::Wealth,
            FindingKind::Vanished => category.is_asset(),
            FindingKind::Late => category.has_dated_events(),
            _ => category.is_section(),
        }
    }

    /// The name as written in files.
    pub fn as_str(&self) -> &'static str {
        match self {
            FindingKind::Unreported => "unreported",
            FindingKind::Unconfirmed => "unconfirmed",
            FindingKind::Understated => "understated",
            FindingKind::Overstated => "overstated",
            FindingKind::Differs => "differs",
            FindingKind::Vanished => "vanished",
            FindingKind::ExcessGrowth => "excess_growth",
            FindingKind::Late => "late",
        }
    }
}

impl fmt::Display for FindingKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// How the profile's rules classify a finding.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Classification {
    /// 隐瞒不报: the heavier kind of untrue report.
    Concealment,
    /// 漏报: the lighter kind.
    Omission,
    /// Recorded for a verifier's review; not a violation.
    Review,
}

impl Classification {
    /// Every classification, heaviest first.
    pub const ALL: [Classification; 3] = [
        Classification::Concealment,
        Classification::Omission,
        Classification::Review,
    ];

    /// The name as written in files.
    pub fn as_str(&self) -> &'static str {
        match self {
            Classification::Concealment => "concealment",
            Classification::Omission => "omission",
            Classification::Review => "review",
        }
    }
}

impl fmt::Display for Classification {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One discrepancy between a report and the registries, in the field order of FORMATS.md.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Discrepancy {
    /// The report.
    pub declaration_id: String,
    /// The declarant.
    pub declarant_id: String,
    /// The section.
    pub category: Category,
    /// Resident ID of the person the item belongs to, when known; empty otherwise.
    #[serde(default)]
    pub person_id: String,
    /// What kind of disagreement.
    pub kind: FindingKind,
    /// For understated, overstated and differs: the field compared.
    #[serde(default)]
    pub field: String,
    /// The declared value.
    #[serde(default)]
    pub declared: String,
    /// The registry value.
    #[serde(default)]
    pub registry: String,
    /// JSON path of the reported item; empty for `unreported`.
    #[serde(default)]
    pub declared_path: String,
    /// Registry records that support the finding.
    #[serde(default)]
    pub registry_record_ids: Vec<String>,
    /// Concealment, omission or review.
    pub classification: Classification,
    /// The profile rule that classified it.
    pub rule: String,
    /// A sentence a verifier can read.
    #[serde(default)]
    pub note: String,
}

/// A registry row behind a finding, as a verifier reads it: its source (`real_estate`, …), its
/// `record_id`, and every column's value as text, in the file's column order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RegistryEvidence {
    /// The source's file stem.
    pub source: String,
    /// The row's `record_id`.
    pub record_id: String,
    /// (column, value) in the file's order; an empty value is an empty cell.
    pub fields: Vec<(String, String)>,
}

/// A finding with its evidence, as a verification run stores it: the discrepancy and the registry
/// rows its `registry_record_ids` name (those still in the extracts the run read).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FindingEvidence {
    /// The discrepancy.
    pub finding: Discrepancy,
    /// The registry rows behind it.
    #[serde(default)]
    pub registry_rows: Vec<RegistryEvidence>,
}

/// What makes two findings the same finding (FORMATS.md): declaration, category and kind, plus
/// for `unreported` a shared record id, for `unconfirmed` the declared path, and for the other
/// kinds the declared path and field. A `vanished` item has no path in the report: its key as
/// last declared stands in the path's place.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct FindingIdentity {
    /// The report.
    pub declaration_id: String,
    /// The section.
    pub category: Category,
    /// The kind.
    pub kind: FindingKind,
    /// Declared path (empty for unreported).
    pub declared_path: String,
    /// Field compared (empty for unreported and unconfirmed).
    pub field: String,
}

impl Discrepancy {
    /// A finding on a report, classified by the profile's rule for its category and kind with no
    /// further facts; declared path, field, values, records and note are left for the caller.
    pub fn on_report(
        report: &crate::Declaration,
        profile: &crate::Profile,
        category: Category,
        kind: FindingKind,
    ) -> Discrepancy {
        let rule = profile.classify(category, kind, &[]);
        Discrepancy {
            declaration_id: report.declaration_id.clone(),
            declarant_id: report.declarant_id.as_str().to_owned(),
            category,
            person_id: String::new(),
            kind,
            field: String::new(),
            declared: String::new(),
            registry: String::new(),
            declared_path: String::new(),
            registry_record_ids: Vec::new(),
            classification: rule.classification,
            rule: rule.id.clone(),
            note: String::new(),
        }
    }

    /// The identity of this finding, less the record-id overlap that `unreported` findings also
    /// need (see [`Discrepancy::same_finding`]).
    pub fn identity(&self) -> FindingIdentity {
        let (declared_path, field) = match self.kind {
            FindingKind::Unreported => (String::new(), String::new()),
            FindingKind::Unconfirmed => (self.declared_path.clone(), String::new()),
            FindingKind::Vanished => (self.declared.clone(), self.field.clone()),
            _ => (self.declared_path.clone(), self.field.clone()),
        };
        FindingIdentity {
            declaration_id: self.declaration_id.clone(),
            category: self.category,
            kind: self.kind,
            declared_path,
            field,
        }
    }

    /// True when the two are the same finding under FORMATS.md's rule.
    pub fn same_finding(&self, other: &Discrepancy) -> bool {
        if self.identity() != other.identity() {
            return false;
        }
        self.kind != FindingKind::Unreported
            || self
                .registry_record_ids
                .iter()
                .any(|id| other.registry_record_ids.contains(id))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_the_shared_example_line() {
        let line = r#"{"declaration_id":"D2025-000002","declarant_id":"350212197810284446","category":"stocks","person_id":"350212201302210087","kind":"unreported","field":"","declared":"","registry":"5400","declared_path":"","registry_record_ids":["ST5362247849"],"classification":"omission","rule":"cn.omission.securities_understated","note":"x"}"#;
        let d: Discrepancy = serde_json::from_str(line).unwrap();
        assert_eq!(d.category, Category::Stocks);
        assert_eq!(serde_json::to_string(&d).unwrap(), line);
    }

    #[test]
    fn unreported_findings_are_the_same_when_they_share_a_record() {
        let base = Discrepancy {
            declaration_id: "D1".into(),
            declarant_id: "x".into(),
            category: Category::RealEstate,
            person_id: String::new(),
            kind: FindingKind::Unreported,
            field: String::new(),
            declared: String::new(),
            registry: String::new(),
            declared_path: String::new(),
            registry_record_ids: vec!["RE1".into(), "RE2".into()],
            classification: Classification::Concealment,
            rule: "r".into(),
            note: String::new(),
        };
        let mut other = base.clone();
        other.registry_record_ids = vec!["RE2".into()];
        assert!(base.same_finding(&other));
        other.registry_record_ids = vec!["RE3".into()];
        assert!(!base.same_finding(&other));
    }

    #[test]
    fn vanished_findings_are_told_apart_by_the_key_they_followed() {
        let base = Discrepancy {
            declaration_id: "D1".into(),
            declarant_id: "x".into(),
            category: Category::RealEstate,
            person_id: String::new(),
            kind: FindingKind::Vanished,
            field: "certificate_number".into(),
            declared: "闽(2019)厦门市不动产权第0012345号".into(),
            registry: String::new(),
            declared_path: String::new(),
            registry_record_ids: Vec::new(),
            classification: Classification::Review,
            rule: "r".into(),
            note: "one".into(),
        };
        let mut other = base.clone();
        other.note = "another sentence".into();
        assert!(base.same_finding(&other));
        other.declared = "闽(2019)厦门市不动产权第0012346号".into();
        assert!(!base.same_finding(&other));
        assert_eq!(
            serde_json::to_value(FindingKind::ExcessGrowth).unwrap(),
            "excess_growth"
        );
        assert_eq!(Category::parse("wealth"), Some(Category::Wealth));
        assert!(FindingKind::ExcessGrowth.applies_to(Category::Wealth));
        assert!(!FindingKind::ExcessGrowth.applies_to(Category::RealEstate));
        assert!(FindingKind::Vanished.applies_to(Category::Insurance));
        assert!(!FindingKind::Vanished.applies_to(Category::Trips));
        assert!(!FindingKind::Unreported.applies_to(Category::Wealth));
    }
}
