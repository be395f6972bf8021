//! The year before: for some subjects, last year's annual report, derived from this year's, with
//! a few injected year-over-year findings (assets grown past the year's lawful income, assets
//! gone without a recorded disposal) and their truth, exactly as `probity_check::wealth` reports
//! them.
//!
//! Last year's report is this year's rolled back a year: the same family and holdings (the
//! report date a year earlier, no trips, a disposal made since then not yet made, stocks and
//! funds worth a little more), kept only when it is a valid report (nothing dated after its
//! report date) and the subject was already a subject then. Without injection its family assets
//! are never below this year's, so nothing grows and nothing vanishes. Randomness comes from the
//! person's own stream for this purpose, so the one-year files do not change.

use probity_model::declaration::{Declaration, PersonRef, Relation};
use probity_model::finding::{Category, Discrepancy, FindingKind};
use probity_model::quantity::{Amount, Currency};
use probity_model::registry::IncomeKind;
use probity_model::validation::validate;
use rand::Rng;

use crate::SynthError;
use crate::household::{Household, fen};
use crate::rng::{add_years, stream, ymd};

/// The purpose number of the year-before stream (1 and 2 are the world and the noise).
const STREAM: u64 = 3;

/// Share of eligible subjects whose assets grew past their income.
const GROWTH_RATE: f64 = 0.05;

/// Share of eligible subjects with an asset gone without a recorded disposal.
const VANISHED_RATE: f64 = 0.05;

/// Last year's report of a household and the year-over-year truth of this year's.
pub(crate) struct Previous {
    pub declaration: Declaration,
    pub truth: Vec<Discrepancy>,
}

/// Money in fen as yuan with two decimals.
fn yuan(fen: i64) -> String {
    let sign = if fen < 0 { "-" } else { "" };
    let abs = fen.unsigned_abs();
    format!("{sign}{}.{:02}", abs / 100, abs % 100)
}

fn cny(amount: &Amount, currency: Currency) -> i64 {
    if currency == Currency::CNY {
        amount.minor_units()
    } else {
        0
    }
}

/// The family's assets as the year-over-year check values them (its documentation says how).
fn assets(d: &Declaration) -> i64 {
    let family = |p: &PersonRef| {
        d.person(p).is_some_and(|x| match x.relation {
            Relation::Own | Relation::Spouse => true,
            Relation::Child => x.co_residing == Some(true),
            Relation::ChildSpouse => false,
        })
    };
    d.real_estate
        .iter()
        .filter(|r| r.disposal.is_none())
        .filter_map(|r| r.price.map(|p| p.minor_units()))
        .sum::<i64>()
        + d.stocks
            .iter()
            .map(|s| s.market_value.minor_units())
            .sum::<i64>()
        + d.funds
            .iter()
            .map(|f| f.net_value.minor_units())
            .sum::<i64>()
        + d.insurance
            .iter()
            .map(|p| p.premiums_paid.minor_units())
            .sum::<i64>()
        + d.businesses
            .iter()
            .filter(|b| b.shareholder && family(&b.person))
            .filter_map(|b| b.paid_in.or(b.subscribed).map(|a| a.minor_units()))
            .sum::<i64>()
        + d.overseas_deposits
            .iter()
            .map(|o| cny(&o.amount, o.currency))
            .sum::<i64>()
        + d.overseas_investments
            .iter()
            .map(|o| cny(&o.amount, o.currency))
            .sum::<i64>()
}

/// The year's lawful income (fen) as the check counts it, from the rows the household really has
/// (the registry may show less, through noise, which only lowers the allowance), and the ids of
/// those rows.
fn lawful_income(h: &Household<'_>) -> (i64, Vec<String>) {
    let declared_pay = h.decl.salary.as_ref().map_or(0, |s| {
        s.wages.minor_units() + s.bonuses.minor_units() + s.other.minor_units()
    });
    let declared_labor: i64 = h
        .decl
        .labor_income
        .iter()
        .map(|l| l.amount.minor_units())
        .sum();
    let (mut wages, mut labor, mut spouse) = (0i64, 0i64, 0i64);
    let mut ids = Vec::new();
    for row in &h.rows.tax_income {
        let Some(member) = row.owner.and_then(|m| h.members.get(m)) else {
            continue;
        };
        if !member.listed || row.rec.year != h.year {
            continue;
        }
        let amount = row.rec.amount.minor_units();
        match (member.relation, row.rec.kind) {
            (Relation::Own, IncomeKind::Wages) => wages += amount,
            (Relation::Own, IncomeKind::Labor) => labor += amount,
            (Relation::Spouse, _) => spouse += amount,
            _ => continue,
        }
        ids.push(row.rec.record_id.clone());
    }
    (
        declared_pay.max(wages) + declared_labor.max(labor) + spouse,
        ids,
    )
}

/// A key that differs from `key` in its last run of digits (another title, another policy).
fn another_key<R: Rng>(rng: &mut R, key: &str, taken: &[String]) -> Option<String> {
    let chars: Vec<char> = key.chars().collect();
    let end = chars.iter().rposition(|c| c.is_ascii_digit())? + 1;
    let start = chars[..end]
        .iter()
        .rposition(|c| !c.is_ascii_digit())
        .map_or(0, |i| i + 1);
    let width = end - start;
    let modulus = 10u64.checked_pow(u32::try_from(width.min(12)).ok()?)?;
    let digits: String = chars[start..end].iter().collect();
    let value: u64 = digits.parse().ok()?;
    for _ in 0..8 {
        let next = (value + rng.random_range(1..modulus.max(2))) % modulus;
        let mut out: String = chars[..start].iter().collect();
        out.push_str(&format!("{next:0width$}"));
        out.extend(&chars[end..]);
        let norm = |k: &str| k.to_uppercase().replace([' ', '-', '第', '号'], "");
        if !taken.iter().any(|t| norm(t) == norm(&out)) {
            return Some(out);
        }
    }
    None
}

fn truth(h: &Household<'_>, category: Category, kind: FindingKind) -> Discrepancy {
    Discrepancy::on_report(&h.decl, &h.ctx.profile, category, kind)
}

/// Last year's report of a household whose report is complete, or `None` when the subject did
/// not report last year (not yet a subject, or something in the report is newer than a year).
pub(crate) fn previous(h: &Household<'_>, index: u64) -> Result<Option<Previous>, SynthError> {
    let year = h.year - 1;
    if h.roster.subject_since > ymd(year, 12, 31) {
        return Ok(None);
    }
    let mut rng = stream(h.ctx.seed, index, STREAM);
    let now = &h.decl;
    let mut p = now.clone();
    p.declaration_id = format!("D{year}-{:06}", index + 1);
    p.year = year;
    p.filed_on = add_years(now.filed_on, -1);
    p.trips.clear();
    for r in &mut p.real_estate {
        if r.disposal.as_ref().is_some_and(|d| d.on > p.filed_on) {
            r.disposal = None;
        }
    }
    // Prices were a little higher a year ago: the holdings are worth no less then than now.
    for s in &mut p.stocks {
        let v = s.market_value.minor_units();
        s.market_value = fen(v + v * rng.random_range(0..15) / 100)?;
    }
    for f in &mut p.funds {
        let v = f.net_value.minor_units();
        f.net_value = fen(v + v * rng.random_range(0..10) / 100)?;
    }
    p.settle_nothing_to_report();
    if !validate(&p, &h.ctx.profile).is_empty() {
        return Ok(None);
    }
    let mut found = Vec::new();
    if h.ctx.inject && rng.random_bool(GROWTH_RATE) {
        grow(h, &mut p, &mut found)?;
    } else if h.ctx.inject && rng.random_bool(VANISHED_RATE) {
        vanish(h, &mut p, &mut rng, &mut found)?;
    }
    p.settle_nothing_to_report();
    Ok(Some(Previous {
        declaration: p,
        truth: found,
    }))
}

/// Takes holdings out of last year's report, the dearest first, until this year's assets exceed
/// last year's by more than the allowance; leaves the report as it was when they cannot.
fn grow(
    h: &Household<'_>,
    p: &mut Declaration,
    found: &mut Vec<Discrepancy>,
) -> Result<(), SynthError> {
    let (income, records) = lawful_income(h);
    let proceeds: i64 = h
        .decl
        .real_estate
        .iter()
        .filter_map(|r| r.disposal.as_ref())
        .filter(|d| d.on > p.filed_on)
        .map(|d| d.price.minor_units())
        .sum();
    let w = &h.ctx.profile.wealth;
    let ratio = w.growth_income_ratio;
    let scaled = i128::from(income) * ratio.mantissa() / 10i128.pow(ratio.scale());
    let allowance =
        i64::try_from(scaled).unwrap_or(i64::MAX) + w.growth_floor.minor_units() + proceeds;
    let now = assets(&h.decl);
    let trial = p.clone();
    // Real estate with a price, then securities and policies, the dearest first.
    let mut order: Vec<(i64, Category, usize)> = Vec::new();
    for (i, r) in trial.real_estate.iter().enumerate() {
        if let (Some(price), None) = (r.price, &r.disposal) {
            order.push((price.minor_units(), Category::RealEstate, i));
        }
    }
    for (i, s) in trial.stocks.iter().enumerate() {
        order.push((s.market_value.minor_units(), Category::Stocks, i));
    }
    for (i, f) in trial.funds.iter().enumerate() {
        order.push((f.net_value.minor_units(), Category::Funds, i));
    }
    order.sort_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(&b.1)).then(a.2.cmp(&b.2)));
    let mut removed: Vec<(Category, usize)> = Vec::new();
    for (_, category, i) in order {
        if now - assets_without(&trial, &removed) > allowance {
            break;
        }
        removed.push((category, i));
    }
    let before = assets_without(&trial, &removed);
    if now - before <= allowance {
        return Ok(());
    }
    let mut trial = without(&trial, &removed);
    trial.settle_nothing_to_report();
    if !validate(&trial, &h.ctx.profile).is_empty() {
        return Ok(());
    }
    *p = trial;
    let growth = now - before;
    let mut t = truth(h, Category::Wealth, FindingKind::ExcessGrowth);
    t.person_id = h.decl.declarant_id.as_str().to_owned();
    t.field = "growth".into();
    t.declared = yuan(growth);
    t.registry = yuan(allowance);
    t.registry_record_ids = records;
    t.note = format!(
        "Declared family assets grew from {} (report {}) to {}, by {}, more than the {} the \
         year's lawful income of {} allows.",
        yuan(before),
        p.declaration_id,
        yuan(now),
        yuan(growth),
        yuan(allowance),
        yuan(income)
    );
    found.push(t);
    Ok(())
}

/// A report without some holdings (section, index).
fn without(d: &Declaration, removed: &[(Category, usize)]) -> Declaration {
    let mut d = d.clone();
    let mut sorted = removed.to_vec();
    // From the back, so that the indexes still to remove stay right.
    sorted.sort_by_key(|r| std::cmp::Reverse(r.1));
    for (category, i) in sorted {
        match category {
            Category::RealEstate => {
                d.real_estate.remove(i);
            }
            Category::Stocks => {
                d.stocks.remove(i);
            }
            _ => {
                d.funds.remove(i);
            }
        }
    }
    d
}

/// The family's assets without some holdings (for [`grow`]'s trials).
fn assets_without(d: &Declaration, removed: &[(Category, usize)]) -> i64 {
    assets(&without(d, removed))
}

/// Adds to last year's report a property or a policy that this year's lacks (a copy of one of
/// this year's under another certificate or policy number), with no disposal recorded.
fn vanish<R: Rng>(
    h: &Household<'_>,
    p: &mut Declaration,
    rng: &mut R,
    found: &mut Vec<Discrepancy>,
) -> Result<(), SynthError> {
    let certificates: Vec<String> = h
        .decl
        .real_estate
        .iter()
        .filter_map(|r| r.certificate_number.clone())
        .collect();
    let policies: Vec<String> = h
        .decl
        .insurance
        .iter()
        .map(|i| i.policy_number.clone())
        .collect();
    let property = h
        .decl
        .real_estate
        .iter()
        .find(|r| r.disposal.is_none() && r.certificate_number.is_some());
    let person_of = |handle: &PersonRef| {
        h.decl
            .person(handle)
            .and_then(|x| x.id.as_ref())
            .map(|id| id.as_str().to_owned())
            .unwrap_or_default()
    };
    if let Some(r) = property.filter(|_| rng.random_bool(0.7) || h.decl.insurance.is_empty()) {
        let Some(cert) = r.certificate_number.as_deref() else {
            return Ok(());
        };
        let Some(other) = another_key(rng, cert, &certificates) else {
            return Ok(());
        };
        let mut gone = r.clone();
        gone.certificate_number = Some(other.clone());
        let path = format!("$.real_estate[{}]", p.real_estate.len());
        p.real_estate.push(gone);
        let mut t = truth(h, Category::RealEstate, FindingKind::Vanished);
        t.person_id = r.owners.first().map(&person_of).unwrap_or_default();
        t.field = "certificate_number".into();
        t.note = format!(
            "certificate_number {other} was declared in report {} ({path}) and is not in this \
             report, with no disposal recorded.",
            p.declaration_id
        );
        t.declared = other;
        found.push(t);
    } else if let Some(policy) = h.decl.insurance.first() {
        let Some(other) = another_key(rng, &policy.policy_number, &policies) else {
            return Ok(());
        };
        let mut gone = policy.clone();
        gone.policy_number = other.clone();
        let path = format!("$.insurance[{}]", p.insurance.len());
        p.insurance.push(gone);
        let mut t = truth(h, Category::Insurance, FindingKind::Vanished);
        t.person_id = person_of(&policy.policyholder);
        t.field = "policy_number".into();
        t.note = format!(
            "policy_number {other} was declared in report {} ({path}) and is not in this \
             report, with no disposal recorded.",
            p.declaration_id
        );
        t.declared = other;
        found.push(t);
    }
    Ok(())
}
