//! Matters 4–8: children's marriages to foreigners, stateless persons or Hong Kong/Macao/Taiwan
//! residents; residence abroad; employment; criminal proceedings. Each by person and its key:
//! the child, the country, the employer's credit code (else its name), the case's start date.

use probity_model::declaration::{EmployerType, Relation, SpouseRegion};
use probity_model::finding::{Category, FindingKind};
use probity_model::registry::{MarriageEvent, Source};

use crate::engine::{Ctx, Draft};
use crate::normalize;
use crate::sections::enum_name;

/// Checks the family matters.
pub fn check(ctx: &mut Ctx<'_>) {
    child_marriages(ctx);
    residence_abroad(ctx);
    employment(ctx);
    criminal_cases(ctx);
}

/// Where a child's spouse is from, against the profile's home country: `None` at home.
fn region_of(nationality: &str, home_country: &str) -> Option<SpouseRegion> {
    if nationality.is_empty() || nationality == home_country {
        return None;
    }
    match nationality {
        "HK" => Some(SpouseRegion::Hk),
        "MO" => Some(SpouseRegion::Macao),
        "TW" => Some(SpouseRegion::Taiwan),
        _ => Some(SpouseRegion::Foreign),
    }
}

fn child_marriages(ctx: &mut Ctx<'_>) {
    let Some(rows) = ctx.ex.marriages.as_ref() else {
        return;
    };
    let filed_on = ctx.d.filed_on;
    let mut matched = vec![false; ctx.d.child_marriages.len()];
    let attributed: Vec<(u32, usize)> = ctx.family.rows_of(Source::Marriages).collect();
    for (r, m) in attributed {
        let Some(row) = rows.get(r as usize) else {
            continue;
        };
        if ctx.family.members[m].person.relation != Relation::Child
            || row.event != MarriageEvent::Marriage
            || row.date > filed_on
        {
            continue;
        }
        let nationality = row
            .spouse_nationality
            .map(|c| c.to_string())
            .unwrap_or_default();
        let region = if nationality.is_empty() && row.spouse_id.trim().is_empty() {
            Some(SpouseRegion::Stateless)
        } else {
            region_of(&nationality, ctx.profile.home_country.as_str())
        };
        let Some(_region) = region else { continue };
        let handle = &ctx.family.members[m].person.handle;
        let hit = ctx
            .d
            .child_marriages
            .iter()
            .enumerate()
            .position(|(i, cm)| !matched[i] && &cm.child == handle);
        if let Some(i) = hit {
            matched[i] = true;
            continue;
        }
        let child = ctx.name_of(m).to_owned();
        ctx.push(Draft {
            category: Category::ChildMarriages,
            kind: FindingKind::Unreported,
            member: Some(m),
            field: "",
            declared: String::new(),
            registry: row.spouse_name.clone(),
            path: String::new(),
            records: vec![row.record_id.clone()],
            facts: Vec::new(),
            note: format!(
                "{child}'s marriage to {} ({}) is not in the report.",
                row.spouse_name, nationality
            ),
        });
    }
    for (i, hit) in matched.into_iter().enumerate() {
        if !hit {
            let cm = &ctx.d.child_marriages[i];
            let member = ctx.member(&cm.child);
            ctx.push(unconfirmed(
                Category::ChildMarriages,
                member,
                cm.spouse.to_string(),
                format!("$.child_marriages[{i}]"),
                "No marriage registration supports this child's marriage.",
            ));
        }
    }
}

fn unconfirmed(
    category: Category,
    member: Option<usize>,
    declared: String,
    path: String,
    note: &str,
) -> Draft<'static> {
    Draft {
        category,
        kind: FindingKind::Unconfirmed,
        member,
        field: "",
        declared,
        registry: String::new(),
        path,
        records: Vec::new(),
        facts: Vec::new(),
        note: note.to_owned(),
    }
}

fn residence_abroad(ctx: &mut Ctx<'_>) {
    let Some(rows) = ctx.ex.residence_abroad.as_ref() else {
        return;
    };
    let mut matched = vec![false; ctx.d.residence_abroad.len()];
    let attributed: Vec<(u32, usize)> = ctx.family.rows_of(Source::ResidenceAbroad).collect();
    for (r, m) in attributed {
        let Some(row) = rows.get(r as usize) else {
            continue;
        };
        let handle = ctx.family.members[m].person.handle.clone();
        let hit = ctx
            .d
            .residence_abroad
            .iter()
            .enumerate()
            .position(|(i, x)| !matched[i] && x.person == handle && x.country == row.country);
        if let Some(i) = hit {
            matched[i] = true;
            let declared = ctx.d.residence_abroad[i].status;
            if declared != row.status {
                ctx.push(Draft {
                    category: Category::ResidenceAbroad,
                    kind: FindingKind::Differs,
                    member: Some(m),
                    field: "status",
                    declared: enum_name(&declared),
                    registry: enum_name(&row.status),
                    path: format!("$.residence_abroad[{i}]"),
                    records: vec![row.record_id.clone()],
                    facts: Vec::new(),
                    note: format!(
                        "Residence in {} is registered as {}.",
                        row.country,
                        enum_name(&row.status)
                    ),
                });
            }
            continue;
        }
        if !ctx.covers(Category::ResidenceAbroad, m)
            || row.since.is_some_and(|s| s > ctx.d.filed_on)
        {
            continue;
        }
        let who = ctx.name_of(m).to_owned();
        ctx.push(Draft {
            category: Category::ResidenceAbroad,
            kind: FindingKind::Unreported,
            member: Some(m),
            field: "",
            declared: String::new(),
            registry: row.country.to_string(),
            path: String::new(),
            records: vec![row.record_id.clone()],
            facts: Vec::new(),
            note: format!(
                "{who}'s {} in {} is not in the report.",
                enum_name(&row.status).replace('_', " "),
                row.country
            ),
        });
    }
    for (i, hit) in matched.into_iter().enumerate() {
        if !hit {
            let x = &ctx.d.residence_abroad[i];
            let member = ctx.member(&x.person);
            ctx.push(unconfirmed(
                Category::ResidenceAbroad,
                member,
                x.country.to_string(),
                format!("$.residence_abroad[{i}]"),
                "No exit-entry record supports this residence abroad.",
            ));
        }
    }
}

fn employment(ctx: &mut Ctx<'_>) {
    let Some(rows) = ctx.ex.employment.as_ref() else {
        return;
    };
    let filed_on = ctx.d.filed_on;
    let mut matched = vec![false; ctx.d.employment.len()];
    // One declared post confirms every row of that person and employer (a post held twice, say),
    // so matching does not consume the declared item.
    let find = |ctx: &Ctx<'_>, m: usize, code: &str, name: &str| {
        let handle = &ctx.family.members[m].person.handle;
        let code = normalize::number(code);
        let company = normalize::company(name);
        let by_code = ctx.d.employment.iter().position(|e| {
            &e.person == handle
                && !code.is_empty()
                && e.employer_credit_code
                    .as_ref()
                    .is_some_and(|c| c.as_str() == code)
        });
        by_code.or_else(|| {
            ctx.d.employment.iter().position(|e| {
                &e.person == handle
                    && (e.employer_credit_code.is_none() || code.is_empty())
                    && normalize::company(&e.employer) == company
            })
        })
    };
    let attributed: Vec<(u32, usize)> = ctx.family.rows_of(Source::Employment).collect();
    for (r, m) in attributed {
        let Some(row) = rows.get(r as usize) else {
            continue;
        };
        let current =
            row.until.is_none_or(|u| u > filed_on) && row.since.is_none_or(|s| s <= filed_on);
        if let Some(i) = find(ctx, m, &row.employer_credit_code, &row.employer_name) {
            matched[i] = true;
            continue;
        }
        if !current || !ctx.covers(Category::Employment, m) {
            continue;
        }
        let who = ctx.name_of(m).to_owned();
        ctx.push(Draft {
            category: Category::Employment,
            kind: FindingKind::Unreported,
            member: Some(m),
            field: "",
            declared: String::new(),
            registry: row.employer_credit_code.clone(),
            path: String::new(),
            records: vec![row.record_id.clone()],
            facts: Vec::new(),
            note: format!(
                "{who}'s employment at {} is not in the report.",
                row.employer_name
            ),
        });
    }
    // Blank-ID rows confirm a declared post through the employer's credit code and the name.
    let codes: Vec<String> = ctx
        .d
        .employment
        .iter()
        .filter_map(|e| e.employer_credit_code.as_ref().map(|c| c.to_string()))
        .collect();
    let keys = crate::resolve::member_keys(&ctx.family, &codes);
    let blank = ctx.blank_rows(Source::Employment, keys.iter().map(String::as_str));
    for row in blank.iter().filter_map(|r| rows.get(*r as usize)) {
        let covered = |m: usize| ctx.covers(Category::Employment, m);
        if let Some(m) = ctx.family.member_named(&row.person_name, covered)
            && let Some(i) = find(ctx, m, &row.employer_credit_code, &row.employer_name)
        {
            matched[i] = true;
        }
    }
    for (i, hit) in matched.into_iter().enumerate() {
        let e = &ctx.d.employment[i];
        // Students, the unemployed, the retired and posts abroad leave no social-insurance record.
        let unrecorded = e.abroad
            || matches!(
                e.employer_type,
                EmployerType::Student
                    | EmployerType::Unemployed
                    | EmployerType::Retired
                    | EmployerType::Foreign
            );
        if !hit && !unrecorded {
            let member = ctx.member(&e.person);
            let declared = e
                .employer_credit_code
                .as_ref()
                .map(|c| c.to_string())
                .unwrap_or_else(|| e.employer.clone());
            ctx.push(unconfirmed(
                Category::Employment,
                member,
                declared,
                format!("$.employment[{i}]"),
                "No social-insurance record supports this employment.",
            ));
        }
    }
}

fn criminal_cases(ctx: &mut Ctx<'_>) {
    let Some(rows) = ctx.ex.criminal_cases.as_ref() else {
        return;
    };
    let filed_on = ctx.d.filed_on;
    let mut matched = vec![false; ctx.d.criminal_cases.len()];
    let attributed: Vec<(u32, usize)> = ctx.family.rows_of(Source::CriminalCases).collect();
    for (r, m) in attributed {
        let Some(row) = rows.get(r as usize) else {
            continue;
        };
        let handle = ctx.family.members[m].person.handle.clone();
        let hit = ctx
            .d
            .criminal_cases
            .iter()
            .enumerate()
            .position(|(i, c)| !matched[i] && c.person == handle && c.since == row.since);
        if let Some(i) = hit {
            matched[i] = true;
            let declared = ctx.d.criminal_cases[i].stage;
            if declared != row.stage {
                ctx.push(Draft {
                    category: Category::CriminalCases,
                    kind: FindingKind::Differs,
                    member: Some(m),
                    field: "stage",
                    declared: enum_name(&declared),
                    registry: enum_name(&row.stage),
                    path: format!("$.criminal_cases[{i}]"),
                    records: vec![row.record_id.clone()],
                    facts: Vec::new(),
                    note: format!(
                        "Case {} is at the {} stage.",
                        row.case_number,
                        enum_name(&row.stage)
                    ),
                });
            }
            continue;
        }
        if row.since > filed_on || !ctx.covers(Category::CriminalCases, m) {
            continue;
        }
        let who = ctx.name_of(m).to_owned();
        ctx.push(Draft {
            category: Category::CriminalCases,
            kind: FindingKind::Unreported,
            member: Some(m),
            field: "",
            declared: String::new(),
            registry: row.case_number.clone(),
            path: String::new(),
            records: vec![row.record_id.clone()],
            facts: Vec::new(),
            note: format!(
                "Criminal proceedings against {who} since {} (case {}) are not in the report.",
                row.since, row.case_number
            ),
        });
    }
    for (i, hit) in matched.into_iter().enumerate() {
        if !hit {
            let c = &ctx.d.criminal_cases[i];
            let member = ctx.member(&c.person);
            ctx.push(unconfirmed(
                Category::CriminalCases,
                member,
                c.since.to_string(),
                format!("$.criminal_cases[{i}]"),
                "No judicial record supports these proceedings.",
            ));
        }
    }
}
