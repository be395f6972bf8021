//! Matter 13: businesses of spouse, children and children's spouses, by person and credit code
//! (else name), all role rows of one company together; deregistered companies are outside the
//! report. Matched businesses are compared on capital subscribed and share.

use std::collections::BTreeMap;

use probity_model::Decimal;
use probity_model::declaration::{BusinessForm, BusinessStatus};
use probity_model::finding::{Category, FindingKind};
use probity_model::registry::{CompanyRecord, CompanyStatus, Source};

use crate::engine::{Ctx, Draft};
use crate::normalize;
use crate::sections::{compare_rounded, compare_within, kind_of};

/// The declared form of a registry status; `None` for deregistered, which no report declares.
fn registry_status(s: CompanyStatus) -> Option<BusinessStatus> {
    match s {
        CompanyStatus::Active => Some(BusinessStatus::Active),
        CompanyStatus::Revoked => Some(BusinessStatus::Revoked),
        CompanyStatus::Withdrawn => Some(BusinessStatus::Withdrawn),
        CompanyStatus::Moved => Some(BusinessStatus::Moved),
        CompanyStatus::Other => Some(BusinessStatus::Other),
        CompanyStatus::Deregistered => None,
    }
}

/// Checks businesses.
pub fn check(ctx: &mut Ctx<'_>) {
    let Some(rows) = ctx.ex.companies.as_ref() else {
        return;
    };
    let declared = &ctx.d.businesses;
    let declared_codes: Vec<String> = declared
        .iter()
        .map(|b| {
            b.credit_code
                .as_ref()
                .map(|c| c.to_string())
                .unwrap_or_default()
        })
        .collect();
    let mut owned: Vec<(&CompanyRecord, usize)> = ctx
        .family
        .rows_of(Source::Companies)
        .filter_map(|(r, m)| rows.get(r as usize).map(|x| (x, m)))
        .collect();
    let keys = crate::resolve::member_keys(&ctx.family, &declared_codes);
    let blank = ctx.blank_rows(Source::Companies, keys.iter().map(String::as_str));
    for row in blank.iter().filter_map(|r| rows.get(*r as usize)) {
        let code = normalize::number(&row.credit_code);
        if !code.is_empty() && declared_codes.contains(&code) {
            let covered = |m: usize| ctx.covers(Category::Businesses, m);
            if let Some(m) = ctx.family.member_named(&row.person_name, covered) {
                owned.push((row, m));
            }
        }
    }
    // One group per (member, company).
    let mut groups: BTreeMap<(usize, String), Vec<&CompanyRecord>> = BTreeMap::new();
    for (row, m) in owned {
        let code = normalize::number(&row.credit_code);
        let key = if code.is_empty() {
            normalize::company(&row.company_name)
        } else {
            code
        };
        groups.entry((m, key)).or_default().push(row);
    }
    let mut matched = vec![false; declared.len()];
    let mut drafts = Vec::new();
    for ((m, key), rows) in &groups {
        let handle = &ctx.family.members[*m].person.handle;
        let name = normalize::company(&rows[0].company_name);
        let hit = declared
            .iter()
            .enumerate()
            .position(|(i, b)| !matched[i] && &b.person == handle && declared_codes[i] == *key)
            .or_else(|| {
                // A name stands in for the credit code only where one side has no code: two
                // companies may share a name (an old one deregistered, a new one founded).
                let registry_code = !normalize::number(&rows[0].credit_code).is_empty();
                declared.iter().enumerate().position(|(i, b)| {
                    !matched[i]
                        && &b.person == handle
                        && (b.credit_code.is_none() || !registry_code)
                        && normalize::company(&b.name) == name
                })
            });
        let records: Vec<String> = rows.iter().map(|r| r.record_id.clone()).collect();
        let investor: Vec<&&CompanyRecord> = rows.iter().filter(|r| r.role.is_investor()).collect();
        if let Some(i) = hit {
            matched[i] = true;
            let b = &declared[i];
            let subscribed = investor
                .iter()
                .filter_map(|r| r.subscribed)
                .fold(Decimal::ZERO, |acc, a| {
                    acc.checked_add(&a.decimal()).unwrap_or(acc)
                });
            if investor.iter().any(|r| r.subscribed.is_some()) {
                let declared_sub = b.subscribed.map(|a| a.decimal()).unwrap_or(Decimal::ZERO);
                if let Some(kind) = kind_of(compare_within(
                    declared_sub,
                    subscribed,
                    ctx.profile.precision.money,
                )) {
                    drafts.push(Draft {
                        category: Category::Businesses,
                        kind,
                        member: Some(*m),
                        field: "subscribed",
                        declared: declared_sub.to_string(),
                        registry: subscribed.to_string(),
                        path: format!("$.businesses[{i}]"),
                        records: records.clone(),
                        facts: Vec::new(),
                        note: format!("Declared {declared_sub} subscribed in {}; the registry records {subscribed}.", rows[0].company_name),
                    });
                }
            }
            if let Some(registered) = registry_status(rows[0].status)
                && registered != b.status
            {
                let (declared, registry) =
                    (super::enum_name(&b.status), super::enum_name(&registered));
                drafts.push(Draft {
                    category: Category::Businesses,
                    kind: FindingKind::Differs,
                    member: Some(*m),
                    field: "status",
                    declared: declared.clone(),
                    registry: registry.clone(),
                    path: format!("$.businesses[{i}]"),
                    records: records.clone(),
                    facts: Vec::new(),
                    note: format!(
                        "{} is declared {declared}; the registry has it {registry}.",
                        rows[0].company_name
                    ),
                });
            }
            if let (Some(reg_share), Some(dec_share)) =
                (investor.iter().find_map(|r| r.share_pct), b.share_pct)
                && let Some(kind) =
                    kind_of(compare_rounded(dec_share.decimal(), reg_share.decimal(), 2))
            {
                drafts.push(Draft {
                    category: Category::Businesses,
                    kind,
                    member: Some(*m),
                    field: "share_pct",
                    declared: dec_share.to_string(),
                    registry: reg_share.to_string(),
                    path: format!("$.businesses[{i}]"),
                    records: records.clone(),
                    facts: Vec::new(),
                    note: format!(
                        "Declared a {dec_share}% share of {}; the registry records {reg_share}%.",
                        rows[0].company_name
                    ),
                });
            }
            continue;
        }
        let live = rows.iter().any(|r| r.status != CompanyStatus::Deregistered);
        if !live || !ctx.covers(Category::Businesses, *m) {
            continue;
        }
        let who = ctx.name_of(*m).to_owned();
        drafts.push(Draft {
            category: Category::Businesses,
            kind: FindingKind::Unreported,
            member: Some(*m),
            field: "",
            declared: String::new(),
            registry: rows[0].credit_code.clone(),
            path: String::new(),
            records,
            facts: Vec::new(),
            note: format!(
                "{who}'s interest in {} ({}) is not in the report.",
                rows[0].company_name, rows[0].credit_code
            ),
        });
    }
    for d in drafts {
        ctx.push(d);
    }
    for (i, hit) in matched.into_iter().enumerate() {
        let b = &declared[i];
        if !hit && b.form != BusinessForm::Foreign {
            let member = ctx.member(&b.person);
            ctx.push(Draft {
                category: Category::Businesses,
                kind: FindingKind::Unconfirmed,
                member,
                field: "",
                declared: b
                    .credit_code
                    .as_ref()
                    .map(|c| c.to_string())
                    .unwrap_or_else(|| b.name.clone()),
                registry: String::new(),
                path: format!("$.businesses[{i}]"),
                records: Vec::new(),
                facts: Vec::new(),
                note: format!("No business registration supports {}.", b.name),
            });
        }
    }
}
