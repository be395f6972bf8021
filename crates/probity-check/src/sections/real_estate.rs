//! Matter 11: real estate of self, spouse and co-residing children. Registry rows (one per owner)
//! are grouped into units by certificate number; declared properties are matched by certificate
//! number, else by address part by part; matched units are compared on area at the form's
//! precision, the registry's area rounded half up first.

use std::collections::BTreeMap;

use probity_model::Date;
use probity_model::finding::{Category, FindingKind};
use probity_model::profile::Condition;
use probity_model::registry::{PropertyStatus, RealEstateRecord, Source};

use crate::address::Address;
use crate::engine::{Ctx, Draft};
use crate::normalize;
use crate::sections::{compare_rounded, kind_of, scale_of};

/// One registered unit: every owner row that carries its certificate.
struct Unit<'r> {
    rows: Vec<(&'r RealEstateRecord, usize)>,
    address: Address,
}

/// Checks real estate.
pub fn check(ctx: &mut Ctx<'_>) {
    let Some(rows) = ctx.ex.real_estate.as_ref() else {
        return;
    };
    let period_start = Date::from_ymd(ctx.d.year, 1, 1).unwrap_or(Date::MIN);
    let filed_on = ctx.d.filed_on;
    let declared = &ctx.d.real_estate;
    let declared_certs: Vec<Option<String>> = declared
        .iter()
        .map(|p| {
            p.certificate_number
                .as_deref()
                .map(normalize::certificate)
                .filter(|c| !c.is_empty())
        })
        .collect();

    // Units from the family's rows, plus blank-ID rows whose certificate a declared item carries.
    let mut units: BTreeMap<String, Unit<'_>> = BTreeMap::new();
    let attributed: Vec<(u32, usize)> = ctx.family.rows_of(Source::RealEstate).collect();
    let mut owned: Vec<(&RealEstateRecord, usize)> = attributed
        .into_iter()
        .filter_map(|(r, m)| rows.get(r as usize).map(|row| (row, m)))
        .collect();
    let blank = ctx.blank_rows(
        Source::RealEstate,
        declared_certs.iter().flatten().map(String::as_str),
    );
    for i in blank.into_iter().map(|r| r as usize) {
        let Some(row) = rows.get(i) else { continue };
        let cert = normalize::certificate(&row.certificate_number);
        if cert.is_empty()
            || !declared_certs
                .iter()
                .any(|c| c.as_deref() == Some(cert.as_str()))
        {
            continue;
        }
        let covered = |m: usize| ctx.covers(Category::RealEstate, m);
        if let Some(m) = ctx.family.member_named(&row.owner_name, covered) {
            owned.push((&rows[i], m));
        }
    }
    for (row, m) in owned {
        let cert = normalize::certificate(&row.certificate_number);
        let key = if cert.is_empty() {
            format!("#{}", row.record_id)
        } else {
            cert
        };
        units
            .entry(key)
            .or_insert_with(|| Unit {
                rows: Vec::new(),
                address: Address::parse(&row.address),
            })
            .rows
            .push((row, m));
    }

    let mut matched_decl = vec![false; declared.len()];
    let mut unit_of_decl: Vec<Option<String>> = vec![None; declared.len()];
    // Certificates first, then addresses among what is left on both sides.
    for (i, cert) in declared_certs.iter().enumerate() {
        if let Some(c) = cert
            && units.contains_key(c)
        {
            matched_decl[i] = true;
            unit_of_decl[i] = Some(c.clone());
        }
    }
    for (i, p) in declared.iter().enumerate() {
        if matched_decl[i] {
            continue;
        }
        let wanted = Address::parse(&p.address);
        let taken: Vec<&String> = unit_of_decl.iter().flatten().collect();
        let hit = units
            .iter()
            .find(|(k, u)| !taken.contains(k) && u.address.same_unit(&wanted))
            .map(|(k, _)| k.clone());
        if let Some(k) = hit {
            matched_decl[i] = true;
            unit_of_decl[i] = Some(k);
        }
    }

    let area_scale = scale_of(ctx.profile.precision.area_m2);
    let mut findings = Vec::new();
    for (i, key) in unit_of_decl.iter().enumerate() {
        let Some(unit) = key.as_ref().and_then(|k| units.get(k)) else {
            continue;
        };
        let (first, m) = unit.rows[0];
        let item = &declared[i];
        let records = unit
            .rows
            .iter()
            .map(|(r, _)| r.record_id.clone())
            .collect::<Vec<_>>();
        if let Some(kind) = kind_of(compare_rounded(
            item.area_m2.decimal(),
            first.area_m2,
            area_scale,
        )) {
            let registry = first.area_m2.round_half_up(area_scale);
            findings.push(Draft {
                category: Category::RealEstate,
                kind,
                member: Some(m),
                field: "area_m2",
                declared: item.area_m2.to_string(),
                registry: registry.to_string(),
                path: format!("$.real_estate[{i}]"),
                records: records.clone(),
                facts: Vec::new(),
                note: format!(
                    "Declared {} m² for {}; the registry records {registry} m².",
                    item.area_m2, first.certificate_number
                ),
            });
        }
        let transferred = unit
            .rows
            .iter()
            .all(|(r, _)| r.status == PropertyStatus::Transferred);
        if transferred != item.disposal.is_some() {
            let registry = if transferred {
                format!(
                    "transferred {}",
                    first
                        .transferred_on
                        .map(|d| d.to_string())
                        .unwrap_or_default()
                )
            } else {
                "held".to_owned()
            };
            findings.push(Draft {
                category: Category::RealEstate,
                kind: FindingKind::Differs,
                member: Some(m),
                field: "disposal",
                declared: item
                    .disposal
                    .as_ref()
                    .map(|d| format!("{:?} {}", d.kind, d.on).to_lowercase())
                    .unwrap_or_default(),
                registry: registry.trim().to_owned(),
                path: format!("$.real_estate[{i}]"),
                records,
                facts: Vec::new(),
                note: format!(
                    "The registry has {} as {}.",
                    first.certificate_number,
                    registry.trim()
                ),
            });
        }
    }
    for f in findings {
        ctx.push(f);
    }

    let taken: Vec<&String> = unit_of_decl.iter().flatten().collect();
    let unreported: Vec<(&String, &Unit<'_>)> =
        units.iter().filter(|(k, _)| !taken.contains(k)).collect();
    let mut drafts = Vec::new();
    for (_, unit) in unreported {
        // Only covered owners make a unit reportable; a transfer before the period ends it.
        let covered: Vec<&(&RealEstateRecord, usize)> = unit
            .rows
            .iter()
            .filter(|(_, m)| ctx.covers(Category::RealEstate, *m))
            .collect();
        let Some(&&(first, m)) = covered.first() else {
            continue;
        };
        let held = unit
            .rows
            .iter()
            .any(|(r, _)| r.status == PropertyStatus::Held);
        let transferred_in_period = unit.rows.iter().any(|(r, _)| {
            r.status == PropertyStatus::Transferred
                && r.transferred_on
                    .is_some_and(|t| t >= period_start && t <= filed_on)
        });
        if !held && !transferred_in_period {
            continue;
        }
        if first.registered_on.is_some_and(|d| d > filed_on) {
            continue;
        }
        let fact = if first.kind.is_ancillary() {
            Condition::AncillaryProperty
        } else {
            Condition::MainProperty
        };
        let what = super::enum_name(&first.kind);
        drafts.push(Draft {
            category: Category::RealEstate,
            kind: FindingKind::Unreported,
            member: Some(m),
            field: "",
            declared: String::new(),
            registry: first.certificate_number.clone(),
            path: String::new(),
            records: unit.rows.iter().map(|(r, _)| r.record_id.clone()).collect(),
            facts: vec![fact],
            note: format!(
                "A {what} property registered to the family (certificate {}) is not in the report.",
                first.certificate_number
            ),
        });
    }
    drafts.sort_by(|a, b| a.records.cmp(&b.records));
    for d in drafts {
        ctx.push(d);
    }

    for (i, hit) in matched_decl.into_iter().enumerate() {
        if !hit {
            let p = &declared[i];
            let member = p.owners.first().and_then(|o| ctx.member(o));
            ctx.push(Draft {
                category: Category::RealEstate,
                kind: FindingKind::Unconfirmed,
                member,
                field: "",
                declared: p
                    .certificate_number
                    .clone()
                    .unwrap_or_else(|| p.address.clone()),
                registry: String::new(),
                path: format!("$.real_estate[{i}]"),
                records: Vec::new(),
                facts: Vec::new(),
                note: format!(
                    "No registry record supports the declared property at {}.",
                    p.address
                ),
            });
        }
    }
}
