//! Year over year: a report against the same subject's previous annual report (PRODUCT.md:
//! "when family assets clearly exceed lawful income, the subject must explain their source";
//! "an asset that vanishes without a recorded disposal"). Pure: two reports, the year's income
//! figures and the profile in, review findings out. The caller finds the previous report (the
//! store's latest version of the subject's annual report for the year before) and the registry
//! income ([`crate::Checker::income`]).
//!
//! **What the family's assets are worth.** The same rule both years, on what the report itself
//! declares, so that the two totals compare:
//! - real estate at the declared price paid (an item without a price, such as an inheritance,
//!   counts nothing); an item with a disposal recorded is no longer held and counts nothing;
//! - stocks at the declared market value, funds at the declared net value;
//! - investment insurance at the cumulative premiums paid;
//! - businesses in which the spouse or a co-residing child is a shareholder, partner or owner, at
//!   the capital paid in (else subscribed); those of adult children and children's spouses are
//!   their own households', not the family's;
//! - overseas deposits and investments declared in yuan (no exchange rate is part of a report,
//!   so amounts in other currencies are left out, both years alike).
//!
//! **What the year's lawful income is.** Money declared and taxed in the year reported on: the
//! declarant's own pay is the larger of the declared salary (matter 9) and the wages the tax
//! registry records for the declarant; own labour income the larger of the declared labour income
//! (matter 10, after tax) and the registry's labour income (gross); the spouse's wages and labour
//! income as the registry records them (the report does not declare them). The larger of two
//! figures for one income, never their sum: they are the same money seen twice, and the subject
//! gets the benefit of the doubt (a shortfall in the report is the cross-check's finding).
//! Registry rows are the ones the cross-check attributes to the declarant and the spouse.
//!
//! **The threshold.** Growth (assets now − assets in the previous report) is allowed up to
//! `income × wealth.growth_income_ratio + wealth.growth_floor + proceeds`, where proceeds are the
//! prices of disposals this report records after the previous report's date (a flat sold pays
//! for the next). Growth above the allowance — strictly — is an `excess_growth` finding in
//! category `wealth`, with every figure in its note.
//!
//! **What vanished.** Items of the sections `wealth.vanished` names are followed from one report
//! to the next by their strong keys, the same the cross-check matches registries by: a title's
//! certificate number, a policy number, a business's credit code (with the person), an overseas
//! account (with the holder), a security's code (with the holder). Any other field may change.
//! An item of the previous report that has no disposal recorded there, and whose key no item of
//! this report carries (with or without a disposal), is a `vanished` finding in its section. An
//! item without a key cannot be followed and is left out.

use std::collections::HashSet;
use std::fmt::Write as _;

use probity_model::declaration::{Declaration, Person, PersonRef, Relation, ReportKind};
use probity_model::finding::{Category, Discrepancy, FindingKind};
use probity_model::profile::Profile;
use probity_model::quantity::{Amount, Currency};

use crate::normalize;

/// The year's lawful income of one family, in fen, with where each figure came from.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Income {
    /// The declarant's declared pay: wages, bonuses and other pay (matter 9).
    pub declared_salary: i64,
    /// The declarant's declared labour income after tax (matter 10).
    pub declared_labor: i64,
    /// Wages the tax registry records for the declarant in the year.
    pub registry_wages: i64,
    /// Labour income the tax registry records for the declarant in the year.
    pub registry_labor: i64,
    /// Wages and labour income the tax registry records for the spouse in the year.
    pub registry_spouse: i64,
    /// The registry rows behind the registry figures.
    pub records: Vec<String>,
}

impl Income {
    /// The declared part of a report's income, with no registry figures yet.
    pub fn declared(d: &Declaration) -> Income {
        Income {
            declared_salary: d.salary.as_ref().map_or(0, |s| {
                s.wages.minor_units() + s.bonuses.minor_units() + s.other.minor_units()
            }),
            declared_labor: d.labor_income.iter().map(|l| l.amount.minor_units()).sum(),
            ..Income::default()
        }
    }

    /// The lawful income: for each of the declarant's incomes the larger of declared and taxed,
    /// plus the spouse's taxed income.
    pub fn lawful(&self) -> i64 {
        self.declared_salary.max(self.registry_wages)
            + self.declared_labor.max(self.registry_labor)
            + self.registry_spouse
    }
}

/// The figures of the growth test, in fen.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WealthFigures {
    /// The previous report.
    pub previous_declaration_id: String,
    /// The family's assets in the previous report.
    pub assets_before: i64,
    /// The family's assets in this report.
    pub assets_now: i64,
    /// `assets_now - assets_before` (negative when they shrank).
    pub growth: i64,
    /// The year's lawful income ([`Income::lawful`]).
    pub income: i64,
    /// Proceeds of disposals recorded since the previous report.
    pub proceeds: i64,
    /// What the growth may reach: income × ratio + floor + proceeds.
    pub allowance: i64,
}

impl WealthFigures {
    /// True when the assets grew more than the allowance.
    pub fn exceeds(&self) -> bool {
        self.growth > self.allowance
    }
}

/// Why two reports cannot be compared year over year.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum NotComparable {
    /// The reports are not the same declarant's.
    #[error("report {previous} is not by the declarant of report {current}")]
    OtherDeclarant {
        /// This report.
        current: String,
        /// The other one.
        previous: String,
    },
    /// The earlier report is not an annual report on an earlier year.
    #[error("report {previous} is not an annual report on a year before {year}")]
    NotEarlier {
        /// The other report.
        previous: String,
        /// This report's year.
        year: i32,
    },
}

/// Money in fen as yuan with two decimals (`-1234.50`).
pub fn yuan(fen: i64) -> String {
    let sign = if fen < 0 { "-" } else { "" };
    let abs = fen.unsigned_abs();
    format!("{sign}{}.{:02}", abs / 100, abs % 100)
}

fn in_yuan(amount: &Amount, currency: Currency) -> i64 {
    if currency == Currency::CNY {
        amount.minor_units()
    } else {
        0
    }
}

fn relation_of(d: &Declaration, handle: &PersonRef) -> Option<(Relation, bool)> {
    d.person(handle)
        .map(|p| (p.relation, p.co_residing == Some(true)))
}

/// The family's declared assets in fen, valued as the module's documentation says.
pub fn family_assets(d: &Declaration) -> i64 {
    let mut total: i64 = 0;
    for r in d.real_estate.iter().filter(|r| r.disposal.is_none()) {
        total += r.price.map_or(0, |p| p.minor_units());
    }
    total += d
        .stocks
        .iter()
        .map(|s| s.market_value.minor_units())
        .sum::<i64>();
    total += d
        .funds
        .iter()
        .map(|f| f.net_value.minor_units())
        .sum::<i64>();
    total += d
        .insurance
        .iter()
        .map(|i| i.premiums_paid.minor_units())
        .sum::<i64>();
    for b in d.businesses.iter().filter(|b| b.shareholder) {
        let family = match relation_of(d, &b.person) {
            Some((Relation::Own | Relation::Spouse, _)) => true,
            Some((Relation::Child, co_residing)) => co_residing,
            _ => false,
        };
        if family {
            total += b.paid_in.or(b.subscribed).map_or(0, |a| a.minor_units());
        }
    }
    total += d
        .overseas_deposits
        .iter()
        .map(|o| in_yuan(&o.amount, o.currency))
        .sum::<i64>();
    total += d
        .overseas_investments
        .iter()
        .map(|o| in_yuan(&o.amount, o.currency))
        .sum::<i64>();
    total
}

fn check_pair(current: &Declaration, previous: &Declaration) -> Result<(), NotComparable> {
    if current.declarant_id != previous.declarant_id {
        return Err(NotComparable::OtherDeclarant {
            current: current.declaration_id.clone(),
            previous: previous.declaration_id.clone(),
        });
    }
    // Only an annual report is set against the year before: a change report holds what changed,
    // not the family's assets, and would make every asset look vanished.
    if current.kind != ReportKind::Annual
        || previous.kind != ReportKind::Annual
        || previous.year >= current.year
    {
        return Err(NotComparable::NotEarlier {
            previous: previous.declaration_id.clone(),
            year: current.year,
        });
    }
    Ok(())
}

/// The growth test's figures for a report, its previous annual report and the year's income.
pub fn growth(
    current: &Declaration,
    previous: &Declaration,
    income: &Income,
    profile: &Profile,
) -> Result<WealthFigures, NotComparable> {
    check_pair(current, previous)?;
    let assets_before = family_assets(previous);
    let assets_now = family_assets(current);
    let proceeds: i64 = current
        .real_estate
        .iter()
        .filter_map(|r| r.disposal.as_ref())
        .filter(|d| d.on > previous.filed_on)
        .map(|d| d.price.minor_units())
        .sum();
    let lawful = income.lawful();
    let ratio = profile.wealth.growth_income_ratio;
    // income × ratio, exactly, rounded down to the fen: the ratio is a decimal mantissa/10^scale.
    let scaled = i128::from(lawful) * ratio.mantissa() / 10i128.pow(ratio.scale());
    let allowance = i64::try_from(scaled).unwrap_or(i64::MAX)
        + profile.wealth.growth_floor.minor_units()
        + proceeds;
    Ok(WealthFigures {
        previous_declaration_id: previous.declaration_id.clone(),
        assets_before,
        assets_now,
        growth: assets_now - assets_before,
        income: lawful,
        proceeds,
        allowance,
    })
}

/// One asset of a report, followed from year to year by its key.
#[derive(Debug, Clone)]
pub struct Holding {
    /// Its section.
    pub category: Category,
    /// The field the key comes from (`certificate_number`, `policy_number`, …).
    pub field: &'static str,
    /// The key in comparable form, with the person where the key alone is not the asset's.
    pub key: String,
    /// The key as the report writes it.
    pub written: String,
    /// JSON path in its report.
    pub path: String,
    /// The resident ID of the person it belongs to (the first owner), or empty.
    pub person_id: String,
    /// A disposal is recorded on it.
    pub disposed: bool,
}

/// Who a person is across two reports: the resident ID, else the name in comparable form
/// (handles such as `c1` are a report's own and may differ).
fn person_key(d: &Declaration, handle: &PersonRef) -> (String, String) {
    match d.person(handle) {
        Some(Person { id: Some(id), .. }) => (id.as_str().to_owned(), id.as_str().to_owned()),
        Some(p) => (format!("name:{}", normalize::name(&p.name)), String::new()),
        None => (format!("ref:{}", handle.as_str()), String::new()),
    }
}

/// Every asset of a report that has a key, in form order.
pub fn holdings(d: &Declaration) -> Vec<Holding> {
    let mut out = Vec::new();
    for (i, r) in d.real_estate.iter().enumerate() {
        let Some(cert) = r
            .certificate_number
            .as_deref()
            .filter(|c| !c.trim().is_empty())
        else {
            continue;
        };
        let person_id = r
            .owners
            .first()
            .map(|o| person_key(d, o).1)
            .unwrap_or_default();
        out.push(Holding {
            category: Category::RealEstate,
            field: "certificate_number",
            key: normalize::certificate(cert),
            written: cert.to_owned(),
            path: format!("$.real_estate[{i}]"),
            person_id,
            disposed: r.disposal.is_some(),
        });
    }
    let mut push = |category, field, handle: &PersonRef, value: &str, path: String| {
        let (who, person_id) = person_key(d, handle);
        let key = match category {
            // A policy number is the policy's, whoever holds it.
            Category::Insurance => normalize::number(value),
            _ => format!("{who}|{}", normalize::number(value)),
        };
        out.push(Holding {
            category,
            field,
            key,
            written: value.to_owned(),
            path,
            person_id,
            disposed: false,
        });
    };
    for (i, s) in d.stocks.iter().enumerate() {
        push(
            Category::Stocks,
            "code",
            &s.holder,
            &s.code,
            format!("$.stocks[{i}]"),
        );
    }
    for (i, f) in d.funds.iter().enumerate() {
        push(
            Category::Funds,
            "code",
            &f.holder,
            &f.code,
            format!("$.funds[{i}]"),
        );
    }
    for (i, p) in d.insurance.iter().enumerate() {
        push(
            Category::Insurance,
            "policy_number",
            &p.policyholder,
            &p.policy_number,
            format!("$.insurance[{i}]"),
        );
    }
    for (i, b) in d.businesses.iter().enumerate() {
        if let Some(code) = &b.credit_code {
            push(
                Category::Businesses,
                "credit_code",
                &b.person,
                code.as_str(),
                format!("$.businesses[{i}]"),
            );
        }
    }
    for (i, o) in d.overseas_deposits.iter().enumerate() {
        if let Some(account) = o.account.as_deref().filter(|a| !a.trim().is_empty()) {
            push(
                Category::OverseasDeposits,
                "account",
                &o.holder,
                account,
                format!("$.overseas_deposits[{i}]"),
            );
        }
    }
    out
}

/// The items of `previous`, in the sections the profile follows, that `current` lacks with no
/// disposal recorded.
pub fn vanished(current: &Declaration, previous: &Declaration, profile: &Profile) -> Vec<Holding> {
    let now: HashSet<(Category, String)> = holdings(current)
        .into_iter()
        .map(|h| (h.category, h.key))
        .collect();
    holdings(previous)
        .into_iter()
        .filter(|h| profile.wealth.vanished.contains(&h.category))
        .filter(|h| !h.disposed && !now.contains(&(h.category, h.key.clone())))
        .collect()
}

/// The note of a growth finding: every figure, so that the verifier can redo the sum.
pub fn growth_note(f: &WealthFigures, income: &Income, profile: &Profile) -> String {
    let mut note = format!(
        "Declared family assets grew from {} (report {}) to {}, by {}, more than the {} the year's \
         lawful income allows: income {} (own pay {} declared / {} taxed, own labour income {} \
         declared / {} taxed, spouse {} taxed) × {} + {}",
        yuan(f.assets_before),
        f.previous_declaration_id,
        yuan(f.assets_now),
        yuan(f.growth),
        yuan(f.allowance),
        yuan(f.income),
        yuan(income.declared_salary),
        yuan(income.registry_wages),
        yuan(income.declared_labor),
        yuan(income.registry_labor),
        yuan(income.registry_spouse),
        profile.wealth.growth_income_ratio,
        yuan(profile.wealth.growth_floor.minor_units()),
    );
    if f.proceeds > 0 {
        let _ = write!(note, " + disposal proceeds {}", yuan(f.proceeds));
    }
    note.push('.');
    note
}

/// The year-over-year findings of `current` against the subject's previous annual report: one
/// `excess_growth` finding when the family's assets grew more than the allowance, and one
/// `vanished` finding per item that disappeared without a recorded disposal. Every finding is
/// classified through the profile (`review` in `cn`).
pub fn year_over_year(
    current: &Declaration,
    previous: &Declaration,
    income: &Income,
    profile: &Profile,
) -> Result<Vec<Discrepancy>, NotComparable> {
    let figures = growth(current, previous, income, profile)?;
    let mut out = Vec::new();
    if figures.exceeds() {
        let mut f = Discrepancy::on_report(
            current,
            profile,
            Category::Wealth,
            FindingKind::ExcessGrowth,
        );
        f.person_id = current.declarant_id.as_str().to_owned();
        f.field = "growth".into();
        f.declared = yuan(figures.growth);
        f.registry = yuan(figures.allowance);
        f.registry_record_ids = income.records.clone();
        f.note = growth_note(&figures, income, profile);
        out.push(f);
    }
    for h in vanished(current, previous, profile) {
        let mut f = Discrepancy::on_report(current, profile, h.category, FindingKind::Vanished);
        f.person_id = h.person_id;
        f.field = h.field.into();
        f.note = format!(
            "{} {} was declared in report {} ({}) and is not in this report, with no disposal \
             recorded.",
            h.field, h.written, previous.declaration_id, h.path
        );
        f.declared = h.written;
        out.push(f);
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use probity_model::declaration::{
        Business, BusinessForm, BusinessStatus, Disposal, DisposalKind, InsurancePolicy,
        LaborIncome, LaborKind, PropertyKind, PropertySource, RealEstate, StockHolding,
    };
    use probity_model::validation::parse_and_validate;
    use probity_model::{CreditCode, Date, Quantity};

    use super::*;

    fn cn() -> Profile {
        Profile::builtin("cn").unwrap()
    }

    /// The second report of the shared example (a property, stocks, funds), as this year's.
    fn this_year() -> Declaration {
        let text = include_str!("../../../fixtures/small/declarations.jsonl");
        let line = text.lines().nth(1).unwrap();
        let value: serde_json::Value = serde_json::from_str(line).unwrap();
        let profile = cn();
        parse_and_validate(&value, |_| Some(&profile)).unwrap()
    }

    /// The same report a year earlier: same holdings, same values.
    fn last_year(d: &Declaration) -> Declaration {
        let mut p = d.clone();
        p.declaration_id = "D2024-000002".into();
        p.year = d.year - 1;
        p.filed_on = Date::parse("2025-01-20").unwrap();
        p
    }

    fn money(text: &str) -> Amount {
        Amount::parse(text).unwrap()
    }

    fn property(cert: &str, price: &str) -> RealEstate {
        RealEstate {
            owners: vec![PersonRef("self".into())],
            certificate_number: Some(cert.into()),
            address: "福建省厦门市思明区湖滨南路1号3幢1201室".into(),
            area_m2: probity_model::AreaM2::parse("88.00").unwrap(),
            kind: PropertyKind::Commodity,
            source: PropertySource::Purchase,
            acquired_on: None,
            price: Some(money(price)),
            disposal: None,
        }
    }

    fn policy(number: &str, premiums: &str) -> InsurancePolicy {
        InsurancePolicy {
            policyholder: PersonRef("sp".into()),
            insurer: "中国人寿".into(),
            product: "国寿鑫享".into(),
            policy_number: number.into(),
            premiums_paid: money(premiums),
        }
    }

    /// Income: no registry rows, the declared pay only.
    fn declared_only(d: &Declaration) -> Income {
        Income::declared(d)
    }

    #[test]
    fn the_same_holdings_a_year_apart_yield_nothing() {
        let now = this_year();
        let before = last_year(&now);
        let found = year_over_year(&now, &before, &declared_only(&now), &cn()).unwrap();
        assert!(found.is_empty(), "{found:?}");
        let f = growth(&now, &before, &declared_only(&now), &cn()).unwrap();
        assert_eq!(f.growth, 0);
        assert!(f.assets_now > 0);
    }

    #[test]
    fn growth_over_the_allowance_is_a_review_finding_with_its_figures() {
        let now = this_year();
        let mut before = last_year(&now);
        let income = declared_only(&now);
        let profile = cn();
        // Last year the family had none of this year's stocks and funds, and a cheaper flat.
        before.stocks.clear();
        before.funds.clear();
        before.real_estate[0].price = Some(money("100000.00"));
        let f = growth(&now, &before, &income, &profile).unwrap();
        let expected_allowance = income.lawful() + 30_000_000;
        assert_eq!(f.allowance, expected_allowance);
        assert_eq!(f.growth, f.assets_now - f.assets_before);
        assert!(f.exceeds(), "{f:?}");
        let found = year_over_year(&now, &before, &income, &profile).unwrap();
        assert_eq!(found.len(), 1, "{found:?}");
        let g = &found[0];
        assert_eq!(g.category, Category::Wealth);
        assert_eq!(g.kind, FindingKind::ExcessGrowth);
        assert_eq!(
            g.classification,
            probity_model::finding::Classification::Review
        );
        assert_eq!(g.rule, "cn.review.excess_growth");
        assert_eq!(g.declared, yuan(f.growth));
        assert_eq!(g.registry, yuan(f.allowance));
        for figure in [
            f.assets_before,
            f.assets_now,
            f.growth,
            f.income,
            f.allowance,
        ] {
            assert!(g.note.contains(&yuan(figure)), "{figure} not in {}", g.note);
        }
        assert!(g.note.contains("D2024-000002"));
    }

    #[test]
    fn growth_exactly_at_the_allowance_is_no_finding_and_one_fen_more_is() {
        let now = this_year();
        let profile = cn();
        let income = declared_only(&now);
        let mut before = last_year(&now);
        let f = growth(&now, &before, &income, &profile).unwrap();
        // Lower last year's flat so that the growth is exactly the allowance.
        let price = before.real_estate[0].price.unwrap().minor_units();
        let at = price - f.allowance;
        assert!(at > 0);
        before.real_estate[0].price = Amount::from_minor_units(at);
        let f = growth(&now, &before, &income, &profile).unwrap();
        assert_eq!(f.growth, f.allowance);
        assert!(!f.exceeds());
        assert!(
            year_over_year(&now, &before, &income, &profile)
                .unwrap()
                .is_empty()
        );
        before.real_estate[0].price = Amount::from_minor_units(at - 1);
        let f = growth(&now, &before, &income, &profile).unwrap();
        assert_eq!(f.growth, f.allowance + 1);
        assert_eq!(
            year_over_year(&now, &before, &income, &profile)
                .unwrap()
                .len(),
            1
        );
    }

    #[test]
    fn the_threshold_is_read_from_the_profile() {
        let now = this_year();
        let income = declared_only(&now);
        let mut before = last_year(&now);
        before.stocks.clear();
        let growth_now = growth(&now, &before, &income, &cn()).unwrap();
        assert!(!growth_now.exceeds(), "{growth_now:?}");
        // A stricter profile: half the income, no floor.
        let text = include_str!("../../../profiles/cn.toml")
            .replace(
                "growth_income_ratio = \"1.0\"",
                "growth_income_ratio = \"0.5\"",
            )
            .replace("growth_floor = \"300000.00\"", "growth_floor = \"0\"");
        let strict = Profile::from_toml(&text).unwrap();
        let f = growth(&now, &before, &income, &strict).unwrap();
        assert_eq!(f.allowance, income.lawful() / 2);
        assert_eq!(f.growth, growth_now.growth);
        assert!(f.exceeds(), "{f:?}");
    }

    #[test]
    fn income_counts_the_larger_of_declared_and_taxed_and_the_spouse() {
        let mut now = this_year();
        let salary = now.salary.as_mut().unwrap();
        salary.wages = money("200000.00");
        salary.bonuses = money("0");
        salary.other = money("0");
        now.labor_income = vec![LaborIncome {
            kind: LaborKind::Lecture,
            payer: "厦门大学".into(),
            amount: money("40000.00"),
        }];
        let mut income = Income::declared(&now);
        assert_eq!(income.declared_salary, 20_000_000);
        assert_eq!(income.declared_labor, 4_000_000);
        assert_eq!(income.lawful(), 24_000_000);
        // Taxed wages below the declared pay, taxed labour income above the declared one.
        income.registry_wages = 18_000_000;
        income.registry_labor = 5_000_000;
        income.registry_spouse = 15_000_000;
        assert_eq!(income.lawful(), 20_000_000 + 5_000_000 + 15_000_000);
        // The allowance grows with each source.
        let before = last_year(&now);
        let f = growth(&now, &before, &income, &cn()).unwrap();
        assert_eq!(f.income, 40_000_000);
        assert_eq!(f.allowance, 40_000_000 + 30_000_000);
    }

    #[test]
    fn a_disposal_recorded_this_year_is_no_vanishing_and_its_proceeds_count() {
        let mut now = this_year();
        let mut before = last_year(&now);
        let profile = cn();
        before
            .real_estate
            .push(property("闽(2019)厦门市不动产权第0012345号", "900000.00"));
        // This year the flat is still listed, sold in March.
        let mut sold = property("闽(2019)厦门市不动产权第0012345号", "900000.00");
        sold.disposal = Some(Disposal {
            kind: DisposalKind::Sale,
            on: Date::parse("2025-03-10").unwrap(),
            price: money("1500000.00"),
        });
        now.real_estate.push(sold);
        let income = declared_only(&now);
        let f = growth(&now, &before, &income, &profile).unwrap();
        assert_eq!(f.proceeds, 150_000_000);
        assert_eq!(f.growth, -90_000_000);
        assert!(
            year_over_year(&now, &before, &income, &profile)
                .unwrap()
                .is_empty()
        );
        // Not listed at all this year, and no disposal anywhere: it vanished.
        now.real_estate.pop();
        let found = year_over_year(&now, &before, &income, &profile).unwrap();
        assert_eq!(found.len(), 1, "{found:?}");
        let v = &found[0];
        assert_eq!(v.kind, FindingKind::Vanished);
        assert_eq!(v.category, Category::RealEstate);
        assert_eq!(v.field, "certificate_number");
        assert_eq!(v.declared, "闽(2019)厦门市不动产权第0012345号");
        assert_eq!(v.rule, "cn.review.vanished");
        assert_eq!(v.person_id, now.declarant_id.as_str());
        assert!(v.note.contains("$.real_estate[1]") && v.note.contains("D2024-000002"));
        // Sold last year (recorded in last year's report): gone this year as expected.
        before.real_estate[1].disposal = Some(Disposal {
            kind: DisposalKind::Sale,
            on: Date::parse("2024-05-01").unwrap(),
            price: money("1000000.00"),
        });
        assert!(
            year_over_year(&now, &before, &income, &profile)
                .unwrap()
                .is_empty()
        );
    }

    fn business(handle: &str, name: &str) -> Business {
        Business {
            person: PersonRef(handle.into()),
            credit_code: Some(CreditCode::parse("913502006354090967").unwrap()),
            name: name.into(),
            form: BusinessForm::Llc,
            status: BusinessStatus::Active,
            registered_capital: None,
            shareholder: true,
            subscribed: Some(money("200000.00")),
            share_pct: None,
            paid_in: None,
            invested_on: None,
            senior_role: None,
        }
    }

    #[test]
    fn an_asset_is_followed_by_its_key_whatever_else_changed() {
        let mut now = this_year();
        let mut before = last_year(&now);
        let profile = cn();
        before
            .insurance
            .push(policy("P-2019 0000 7788", "120000.00"));
        before.businesses.push(business("sp", "厦门市和瑞科技公司"));
        // This year: the certificate written without 第/号 and brackets, another address and
        // area; the policy number without separators, more premiums, another product name; the
        // business under another handle for the same spouse and another name.
        before.real_estate[0].certificate_number = Some("厦门房权证湖字第12158520号".into());
        now.real_estate[0].certificate_number = Some("厦门房权证湖字12158520".into());
        now.real_estate[0].address = "湖里区集美大道51号12-4-1301".into();
        now.real_estate[0].area_m2 = probity_model::AreaM2::parse("96.40").unwrap();
        let mut p = policy("p20190000 7788", "150000.00");
        p.product = "国寿鑫享（2023版）".into();
        now.insurance.push(p);
        let spouse = now
            .persons
            .iter_mut()
            .find(|p| p.handle.as_str() == "sp")
            .unwrap();
        spouse.handle = PersonRef("s".into());
        now.businesses.push(business("s", "厦门和瑞科技有限公司"));
        let income = declared_only(&now);
        let found = year_over_year(&now, &before, &income, &profile).unwrap();
        assert!(found.is_empty(), "{found:?}");
        // Another policy number is another policy, and the same code held by someone else is
        // another holding: both of last year's vanished.
        now.insurance[0].policy_number = "P20190000 7789".into();
        now.businesses[0].person = PersonRef("self".into());
        let found = year_over_year(&now, &before, &income, &profile).unwrap();
        let got: Vec<(Category, &str, &str)> = found
            .iter()
            .map(|f| (f.category, f.field.as_str(), f.declared.as_str()))
            .collect();
        assert_eq!(
            got,
            vec![
                (Category::Insurance, "policy_number", "P-2019 0000 7788"),
                (Category::Businesses, "credit_code", "913502006354090967"),
            ]
        );
        let spouse_id = before.persons[1].id.as_ref().unwrap().as_str();
        assert!(found.iter().all(|f| f.person_id == spouse_id));
    }

    #[test]
    fn sections_the_profile_does_not_follow_do_not_vanish() {
        let now = this_year();
        let mut before = last_year(&now);
        before.stocks.push(StockHolding {
            holder: PersonRef("self".into()),
            code: "600519".into(),
            name: None,
            shares: Quantity::parse("100").unwrap(),
            market_value: money("150000.00"),
        });
        let profile = cn();
        assert!(!profile.wealth.vanished.contains(&Category::Stocks));
        assert!(
            year_over_year(&now, &before, &declared_only(&now), &profile)
                .unwrap()
                .is_empty()
        );
        // A profile that follows stocks finds it.
        let text = include_str!("../../../profiles/cn.toml").replace(
            "vanished = [\"real_estate\",",
            "vanished = [\"stocks\", \"real_estate\",",
        );
        let follows = Profile::from_toml(&text).unwrap();
        let found = year_over_year(&now, &before, &declared_only(&now), &follows).unwrap();
        assert_eq!(found.len(), 1);
        assert_eq!(
            (found[0].category, found[0].field.as_str()),
            (Category::Stocks, "code")
        );
    }

    #[test]
    fn only_an_earlier_annual_report_of_the_same_declarant_compares() {
        let now = this_year();
        let mut before = last_year(&now);
        before.year = now.year;
        assert!(matches!(
            year_over_year(&now, &before, &declared_only(&now), &cn()),
            Err(NotComparable::NotEarlier { .. })
        ));
        let text = include_str!("../../../fixtures/small/declarations.jsonl");
        let value: serde_json::Value = serde_json::from_str(text.lines().next().unwrap()).unwrap();
        let profile = cn();
        let mut other = parse_and_validate(&value, |_| Some(&profile)).unwrap();
        other.year = now.year - 1;
        assert!(matches!(
            year_over_year(&now, &other, &declared_only(&now), &cn()),
            Err(NotComparable::OtherDeclarant { .. })
        ));
    }

    #[test]
    fn assets_are_valued_by_the_documented_rule() {
        let mut d = this_year();
        let base = family_assets(&d);
        let expected: i64 = d
            .real_estate
            .iter()
            .map(|r| r.price.unwrap().minor_units())
            .sum::<i64>()
            + d.stocks
                .iter()
                .map(|s| s.market_value.minor_units())
                .sum::<i64>()
            + d.funds
                .iter()
                .map(|f| f.net_value.minor_units())
                .sum::<i64>();
        assert_eq!(base, expected);
        d.insurance.push(policy("X1", "50000.00"));
        assert_eq!(family_assets(&d), base + 5_000_000);
        d.real_estate[0].disposal = Some(Disposal {
            kind: DisposalKind::Gift,
            on: Date::parse("2025-06-01").unwrap(),
            price: money("0"),
        });
        assert_eq!(
            family_assets(&d),
            base + 5_000_000 - d.real_estate[0].price.unwrap().minor_units()
        );
        assert_eq!(yuan(-12_345), "-123.45");
        assert_eq!(yuan(5), "0.05");
    }
}
