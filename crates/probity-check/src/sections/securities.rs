//! Matter 12: stocks and funds by holder and code, summed over accounts on both sides, compared on
//! quantity (shares exactly, fund units to 0.01); investment-type insurance in force by policy
//! number, compared on cumulative premiums within the money precision.

use std::collections::BTreeMap;

use probity_model::Decimal;
use probity_model::declaration::PersonRef;
use probity_model::finding::{Category, FindingKind};
use probity_model::profile::Condition;
use probity_model::registry::{PolicyStatus, Source};

use crate::engine::{Ctx, Draft};
use crate::normalize;
use crate::sections::{compare_rounded, compare_within, kind_of, scale_of};

/// Checks stocks, funds and insurance.
pub fn check(ctx: &mut Ctx<'_>) {
    if let Some(rows) = ctx.ex.stocks.as_ref() {
        let registry: Vec<Holding> = ctx
            .family
            .rows_of(Source::Stocks)
            .filter_map(|(r, m)| {
                rows.get(r as usize).map(|x| Holding {
                    member: m,
                    code: x.code.trim().to_owned(),
                    name: x.name.clone(),
                    quantity: x.shares.decimal(),
                    record: x.record_id.clone(),
                })
            })
            .collect();
        let declared: Vec<(usize, &PersonRef, &str, Decimal)> = ctx
            .d
            .stocks
            .iter()
            .enumerate()
            .map(|(i, s)| (i, &s.holder, s.code.as_str(), s.shares.decimal()))
            .collect();
        let scale = scale_of(ctx.profile.precision.shares);
        compare_holdings(
            ctx,
            Category::Stocks,
            "stocks",
            "shares",
            registry,
            declared,
            scale,
        );
    }
    if let Some(rows) = ctx.ex.funds.as_ref() {
        let registry: Vec<Holding> = ctx
            .family
            .rows_of(Source::Funds)
            .filter_map(|(r, m)| {
                rows.get(r as usize).map(|x| Holding {
                    member: m,
                    code: x.code.trim().to_owned(),
                    name: x.name.clone(),
                    quantity: x.units.decimal(),
                    record: x.record_id.clone(),
                })
            })
            .collect();
        let declared: Vec<(usize, &PersonRef, &str, Decimal)> = ctx
            .d
            .funds
            .iter()
            .enumerate()
            .map(|(i, f)| (i, &f.holder, f.code.as_str(), f.units.decimal()))
            .collect();
        let scale = scale_of(ctx.profile.precision.fund_units);
        compare_holdings(
            ctx,
            Category::Funds,
            "funds",
            "units",
            registry,
            declared,
            scale,
        );
    }
    insurance(ctx);
}

/// One registry row of a stock or fund.
struct Holding {
    member: usize,
    code: String,
    name: String,
    quantity: Decimal,
    record: String,
}

fn sum(values: impl Iterator<Item = Decimal>) -> Decimal {
    values.fold(Decimal::ZERO, |acc, v| acc.checked_add(&v).unwrap_or(acc))
}

fn compare_holdings(
    ctx: &mut Ctx<'_>,
    category: Category,
    section: &str,
    field: &'static str,
    registry: Vec<Holding>,
    declared: Vec<(usize, &PersonRef, &str, Decimal)>,
    scale: u32,
) {
    // Group both sides by (member, code).
    let mut reg: BTreeMap<(usize, String), Vec<Holding>> = BTreeMap::new();
    for h in registry {
        reg.entry((h.member, h.code.clone())).or_default().push(h);
    }
    let mut dec: BTreeMap<(usize, String), Vec<(usize, Decimal)>> = BTreeMap::new();
    let mut orphans = Vec::new();
    for (i, holder, code, q) in declared.iter() {
        match ctx.member(holder) {
            Some(m) => dec
                .entry((m, code.trim().to_owned()))
                .or_default()
                .push((*i, *q)),
            None => orphans.push(*i),
        }
    }
    let none_reported = declared.is_empty();
    let mut drafts = Vec::new();
    for ((m, code), rows) in &reg {
        let total = sum(rows.iter().map(|h| h.quantity));
        let records: Vec<String> = rows.iter().map(|h| h.record.clone()).collect();
        match dec.get(&(*m, code.clone())) {
            Some(items) => {
                let declared_total = sum(items.iter().map(|(_, q)| *q));
                if let Some(kind) = kind_of(compare_rounded(declared_total, total, scale)) {
                    drafts.push(Draft {
                        category,
                        kind,
                        member: Some(*m),
                        field,
                        declared: declared_total.to_string(),
                        registry: total.to_string(),
                        path: format!("$.{section}[{}]", items[0].0),
                        records,
                        facts: Vec::new(),
                        note: format!("Declared {declared_total} {field} of {code}; the registry holds {total}."),
                    });
                }
            }
            None => {
                if !ctx.covers(category, *m) || total.is_zero() {
                    continue;
                }
                let fact = if none_reported {
                    Condition::NoneOfKindReported
                } else {
                    Condition::SomeOfKindReported
                };
                let note = if none_reported {
                    format!(
                        "Holding of {code} {} ({total} {field}) is not reported, and no {section} are.",
                        rows[0].name
                    )
                } else {
                    format!(
                        "Holding of {code} {} ({total} {field}) is missing while other {section} are reported.",
                        rows[0].name
                    )
                };
                drafts.push(Draft {
                    category,
                    kind: FindingKind::Unreported,
                    member: Some(*m),
                    field: "",
                    declared: String::new(),
                    registry: total.to_string(),
                    path: String::new(),
                    records,
                    facts: vec![fact],
                    note,
                });
            }
        }
    }
    for ((m, code), items) in &dec {
        if !reg.contains_key(&(*m, code.clone())) {
            drafts.push(Draft {
                category,
                kind: FindingKind::Unconfirmed,
                member: Some(*m),
                field: "",
                declared: code.clone(),
                registry: String::new(),
                path: format!("$.{section}[{}]", items[0].0),
                records: Vec::new(),
                facts: Vec::new(),
                note: format!("No registry record supports the declared holding of {code}."),
            });
        }
    }
    for d in drafts {
        ctx.push(d);
    }
}

fn insurance(ctx: &mut Ctx<'_>) {
    let Some(rows) = ctx.ex.insurance.as_ref() else {
        return;
    };
    let declared = &ctx.d.insurance;
    let numbers: Vec<String> = declared
        .iter()
        .map(|p| normalize::number(&p.policy_number))
        .collect();
    let mut family_rows: Vec<(usize, usize)> = ctx
        .family
        .rows_of(Source::Insurance)
        .map(|(r, m)| (r as usize, m))
        .collect();
    // Blank-ID rows tie to a declared policy through its number and a covered member's name.
    let blank = ctx.blank_rows(Source::Insurance, numbers.iter().map(String::as_str));
    for i in blank.into_iter().map(|r| r as usize) {
        let Some(row) = rows.get(i) else { continue };
        {
            let covered = |m: usize| ctx.covers(Category::Insurance, m);
            if let Some(m) = ctx.family.member_named(&row.policyholder_name, covered) {
                family_rows.push((i, m));
            }
        }
    }
    let mut matched = vec![false; declared.len()];
    let none_reported = declared.is_empty();
    let mut drafts = Vec::new();
    for (r, m) in family_rows {
        let Some(row) = rows.get(r) else { continue };
        let reportable = row.investment_type && row.status == PolicyStatus::InForce;
        let number = normalize::number(&row.policy_number);
        if let Some(i) = numbers.iter().position(|n| *n == number) {
            matched[i] = true;
            if !reportable {
                continue;
            }
            let item = &declared[i];
            let order = compare_within(
                item.premiums_paid.decimal(),
                row.premiums_paid.decimal(),
                ctx.profile.precision.money,
            );
            if let Some(kind) = kind_of(order) {
                drafts.push(Draft {
                    category: Category::Insurance,
                    kind,
                    member: Some(m),
                    field: "premiums_paid",
                    declared: item.premiums_paid.to_string(),
                    registry: row.premiums_paid.to_string(),
                    path: format!("$.insurance[{i}]"),
                    records: vec![row.record_id.clone()],
                    facts: Vec::new(),
                    note: format!(
                        "Declared premiums {}; the insurer records {}.",
                        item.premiums_paid, row.premiums_paid
                    ),
                });
            }
            continue;
        }
        if !reportable || !ctx.covers(Category::Insurance, m) {
            continue;
        }
        let fact = if none_reported {
            Condition::NoneOfKindReported
        } else {
            Condition::SomeOfKindReported
        };
        drafts.push(Draft {
            category: Category::Insurance,
            kind: FindingKind::Unreported,
            member: Some(m),
            field: "",
            declared: String::new(),
            registry: row.policy_number.clone(),
            path: String::new(),
            records: vec![row.record_id.clone()],
            facts: vec![fact],
            note: format!(
                "Investment policy {} ({}) with {} in premiums is not in the report.",
                row.policy_number, row.product, row.premiums_paid
            ),
        });
    }
    for d in drafts {
        ctx.push(d);
    }
    for (i, hit) in matched.into_iter().enumerate() {
        if !hit {
            let p = &declared[i];
            let member = ctx.member(&p.policyholder);
            ctx.push(Draft {
                category: Category::Insurance,
                kind: FindingKind::Unconfirmed,
                member,
                field: "",
                declared: p.policy_number.clone(),
                registry: String::new(),
                path: format!("$.insurance[{i}]"),
                records: Vec::new(),
                facts: Vec::new(),
                note: format!("No insurer's record supports policy {}.", p.policy_number),
            });
        }
    }
}
