//! Matters 9 and 10 against the tax records of the year reported on. Salary: wages + bonuses +
//! other equals the tax wage total within the profile's money precision. Labour income is declared
//! after tax while the tax record is gross, so it is checked for presence by payer, not amount.

use std::collections::BTreeMap;

use probity_model::Decimal;
use probity_model::finding::{Category, FindingKind};
use probity_model::registry::{IncomeKind, Source, TaxIncomeRecord};

use crate::engine::{Ctx, Draft};
use crate::normalize;
use crate::sections::{compare_within, kind_of, similarity};

/// Checks salary and labour income.
pub fn check(ctx: &mut Ctx<'_>) {
    let Some(rows) = ctx.ex.tax_income.as_ref() else {
        return;
    };
    let Some(own) = ctx.family.own() else {
        return;
    };
    let year = ctx.d.year;
    let mine: Vec<&TaxIncomeRecord> = ctx
        .family
        .rows_of(Source::TaxIncome)
        .filter(|(_, m)| *m == own)
        .filter_map(|(r, _)| rows.get(r as usize))
        .filter(|r| r.year == year)
        .collect();
    salary(ctx, own, &mine);
    labor(ctx, own, &mine);
}

fn salary(ctx: &mut Ctx<'_>, own: usize, mine: &[&TaxIncomeRecord]) {
    let wages: Vec<&&TaxIncomeRecord> = mine
        .iter()
        .filter(|r| r.kind == IncomeKind::Wages)
        .collect();
    if wages.is_empty() {
        return;
    }
    let registry = wages
        .iter()
        .try_fold(Decimal::ZERO, |acc, r| acc.checked_add(&r.amount.decimal()));
    let Some(s) = &ctx.d.salary else {
        return;
    };
    let declared = s
        .wages
        .decimal()
        .checked_add(&s.bonuses.decimal())
        .and_then(|x| x.checked_add(&s.other.decimal()));
    let (Some(registry), Some(declared)) = (registry, declared) else {
        return;
    };
    let Some(kind) = kind_of(compare_within(
        declared,
        registry,
        ctx.profile.precision.money,
    )) else {
        return;
    };
    let declared = declared.with_scale(2).unwrap_or(declared);
    let registry = registry.with_scale(2).unwrap_or(registry);
    let note = match kind {
        FindingKind::Understated => {
            format!("Declared pay of {declared} is less than the {registry} taxed as wages.")
        }
        _ => format!("Declared pay of {declared} is more than the {registry} taxed as wages."),
    };
    ctx.push(Draft {
        category: Category::Salary,
        kind,
        member: Some(own),
        field: "total",
        declared: declared.to_string(),
        registry: registry.to_string(),
        path: "$.salary".into(),
        records: wages.iter().map(|r| r.record_id.clone()).collect(),
        facts: Vec::new(),
        note,
    });
}

fn labor(ctx: &mut Ctx<'_>, own: usize, mine: &[&TaxIncomeRecord]) {
    // One group per payer: its credit code, else its name.
    let mut payers: BTreeMap<String, Vec<&TaxIncomeRecord>> = BTreeMap::new();
    for r in mine.iter().filter(|r| r.kind == IncomeKind::Labor) {
        let key = if r.payer_credit_code.trim().is_empty() {
            normalize::company(&r.payer_name)
        } else {
            normalize::number(&r.payer_credit_code)
        };
        payers.entry(key).or_default().push(r);
    }
    let declared = &ctx.d.labor_income;
    let mut matched = vec![false; declared.len()];
    let mut unmatched_groups = Vec::new();
    for group in payers.values() {
        let name = normalize::company(&group[0].payer_name);
        // The best declared payer whose name resembles the registry's.
        let best = declared
            .iter()
            .enumerate()
            .filter(|(i, _)| !matched[*i])
            .map(|(i, l)| (i, similarity(&normalize::company(&l.payer), &name)))
            .filter(|(_, s)| *s >= 0.5)
            .max_by(|a, b| a.1.total_cmp(&b.1));
        match best {
            Some((i, _)) => matched[i] = true,
            None => unmatched_groups.push(group),
        }
    }
    // What names could not pair, amounts may, when as many payers as declared items are left: an
    // after-tax amount at or below the gross.
    let free = matched.iter().filter(|m| !**m).count();
    let mut still = Vec::new();
    for group in unmatched_groups {
        let gross = group
            .iter()
            .try_fold(Decimal::ZERO, |acc, r| acc.checked_add(&r.amount.decimal()))
            .unwrap_or(Decimal::ZERO);
        let hit = declared
            .iter()
            .enumerate()
            .filter(|(i, l)| !matched[*i] && l.amount.decimal() <= gross)
            .max_by_key(|(_, l)| l.amount.decimal());
        match hit {
            Some((i, _)) if free == payers.len() - matched.iter().filter(|m| **m).count() => {
                matched[i] = true
            }
            _ => still.push(group),
        }
    }
    for group in still {
        let payer = group[0].payer_name.clone();
        ctx.push(Draft {
            category: Category::LaborIncome,
            kind: FindingKind::Unreported,
            member: Some(own),
            field: "",
            declared: String::new(),
            registry: payer.clone(),
            path: String::new(),
            records: group.iter().map(|r| r.record_id.clone()).collect(),
            facts: Vec::new(),
            note: format!("Labour income from {payer} is not in the report."),
        });
    }
    for (i, hit) in matched.into_iter().enumerate() {
        if !hit {
            let l = &declared[i];
            ctx.push(Draft {
                category: Category::LaborIncome,
                kind: FindingKind::Unconfirmed,
                member: Some(own),
                field: "",
                declared: l.payer.clone(),
                registry: String::new(),
                path: format!("$.labor_income[{i}]"),
                records: Vec::new(),
                facts: Vec::new(),
                note: format!("No tax record supports labour income from {}.", l.payer),
            });
        }
    }
}
