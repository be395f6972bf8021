//! Integration tests of the synthetic population: validity, referential integrity, determinism,
//! coverage of kinds and classifications, and a small cross-check written from FORMATS.md that
//! must find exactly the truth.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::collections::{BTreeSet, HashMap, HashSet};
use std::path::Path;

use probity_model::declaration::{Declaration, Relation};
use probity_model::profile::Condition;
use probity_model::registry::*;
use probity_model::{Category, Discrepancy, FindingKind, Profile, ResidentId, validation};
use probity_synth::testing::{generate_clean, normalise_name};
use probity_synth::{Noise, SynthConfig, generate, generate_two_years};
use serde::de::DeserializeOwned;

fn config(people: u64, seed: u64, noise: Noise) -> SynthConfig {
    SynthConfig {
        people,
        seed,
        noise,
        year: 2025,
    }
}

fn read_csv<T: DeserializeOwned>(dir: &Path, source: Source) -> Vec<T> {
    let path = dir
        .join("registries")
        .join(format!("{}.csv", source.file_stem()));
    let mut r = csv::Reader::from_path(&path).unwrap();
    let header: Vec<String> = r.headers().unwrap().iter().map(str::to_owned).collect();
    assert_eq!(header, source.columns(), "{}", path.display());
    r.deserialize().map(|x| x.unwrap()).collect()
}

fn read_jsonl<T: DeserializeOwned>(path: &Path) -> Vec<T> {
    std::fs::read_to_string(path)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

fn files(dir: &Path) -> Vec<(String, Vec<u8>)> {
    let mut names = vec![
        "roster.csv".to_owned(),
        "declarations.jsonl".to_owned(),
        "truth.jsonl".to_owned(),
    ];
    for s in Source::ALL {
        names.push(format!("registries/{}.csv", s.file_stem()));
    }
    names
        .into_iter()
        .map(|n| {
            let bytes = std::fs::read(dir.join(&n)).unwrap();
            (n, bytes)
        })
        .collect()
}

struct Data {
    declarations: Vec<Declaration>,
    json: Vec<serde_json::Value>,
    truth: Vec<Discrepancy>,
    marriages: Vec<MarriageRecord>,
    documents: Vec<TravelDocumentRecord>,
    crossings: Vec<BorderCrossingRecord>,
    residence: Vec<ResidenceAbroadRecord>,
    employment: Vec<EmploymentRecord>,
    criminal: Vec<CriminalCaseRecord>,
    tax: Vec<TaxIncomeRecord>,
    real_estate: Vec<RealEstateRecord>,
    stocks: Vec<StockRecord>,
    funds: Vec<FundRecord>,
    insurance: Vec<InsuranceRecord>,
    companies: Vec<CompanyRecord>,
}

fn load(dir: &Path) -> Data {
    let profile = Profile::builtin("cn").unwrap();
    let json: Vec<serde_json::Value> = read_jsonl(&dir.join("declarations.jsonl"));
    let declarations = json
        .iter()
        .map(
            |v| match validation::parse_and_validate(v, |_| Some(&profile)) {
                Ok(d) => d,
                Err(issues) => panic!("{issues:?}\n{v}"),
            },
        )
        .collect();
    Data {
        declarations,
        json,
        truth: read_jsonl(&dir.join("truth.jsonl")),
        marriages: read_csv(dir, Source::Marriages),
        documents: read_csv(dir, Source::TravelDocuments),
        crossings: read_csv(dir, Source::BorderCrossings),
        residence: read_csv(dir, Source::ResidenceAbroad),
        employment: read_csv(dir, Source::Employment),
        criminal: read_csv(dir, Source::CriminalCases),
        tax: read_csv(dir, Source::TaxIncome),
        real_estate: read_csv(dir, Source::RealEstate),
        stocks: read_csv(dir, Source::Stocks),
        funds: read_csv(dir, Source::Funds),
        insurance: read_csv(dir, Source::Insurance),
        companies: read_csv(dir, Source::Companies),
    }
}

fn record_ids(d: &Data) -> HashMap<&'static str, HashSet<String>> {
    let mut m: HashMap<&'static str, HashSet<String>> = HashMap::new();
    macro_rules! add {
        ($cat:expr, $rows:expr) => {
            m.entry($cat)
                .or_default()
                .extend($rows.iter().map(|r| r.record_id.clone()));
        };
    }
    add!("marriage", d.marriages);
    add!("child_marriages", d.marriages);
    add!("travel_documents", d.documents);
    add!("trips", d.crossings);
    add!("residence_abroad", d.residence);
    add!("employment", d.employment);
    add!("criminal_cases", d.criminal);
    add!("salary", d.tax);
    add!("labor_income", d.tax);
    add!("real_estate", d.real_estate);
    add!("stocks", d.stocks);
    add!("funds", d.funds);
    add!("insurance", d.insurance);
    add!("businesses", d.companies);
    m
}

/// Resolves a path like `$.real_estate[2]` in a JSON value.
fn resolve<'a>(v: &'a serde_json::Value, path: &str) -> Option<&'a serde_json::Value> {
    let mut cur = v;
    for part in path.strip_prefix("$.")?.split('.') {
        let (key, index) = match part.split_once('[') {
            Some((k, rest)) => (k, Some(rest.trim_end_matches(']').parse::<usize>().ok()?)),
            None => (part, None),
        };
        cur = cur.get(key)?;
        if let Some(i) = index {
            cur = cur.get(i)?;
        }
    }
    Some(cur)
}

#[test]
fn every_declaration_validates_at_every_noise_level() {
    for noise in Noise::ALL {
        let dir = tempfile::tempdir().unwrap();
        let s = generate(&config(300, 11, noise), dir.path(), &|_| {}).unwrap();
        let d = load(dir.path());
        assert_eq!(s.people, 300);
        assert_eq!(s.declarations as usize, d.declarations.len());
        assert!(s.declarations > 250, "{s:?}");
        let roster = std::fs::read_to_string(dir.path().join("roster.csv")).unwrap();
        assert_eq!(roster.lines().count(), 301);
        let mut r = csv::Reader::from_path(dir.path().join("roster.csv")).unwrap();
        let entries: Vec<probity_model::RosterEntry> =
            r.deserialize().map(|x| x.unwrap()).collect();
        let ids: HashSet<_> = entries.iter().map(|e| e.id.clone()).collect();
        assert_eq!(ids.len(), 300);
        for decl in &d.declarations {
            assert!(ids.contains(&decl.declarant_id));
        }
    }
}

#[test]
fn truth_points_at_existing_rows_and_items() {
    let dir = tempfile::tempdir().unwrap();
    generate(&config(1500, 5, Noise::High), dir.path(), &|_| {}).unwrap();
    let d = load(dir.path());
    let ids = record_ids(&d);
    let by_id: HashMap<&str, &serde_json::Value> = d
        .json
        .iter()
        .map(|v| (v["declaration_id"].as_str().unwrap(), v))
        .collect();
    for t in &d.truth {
        let known = &ids[t.category.as_str()];
        for id in &t.registry_record_ids {
            assert!(
                known.contains(id),
                "{id} not in the {} file: {t:?}",
                t.category
            );
        }
        if t.kind == FindingKind::Unreported {
            assert!(t.declared_path.is_empty());
            assert!(!t.registry_record_ids.is_empty());
        } else {
            let decl = by_id[t.declaration_id.as_str()];
            assert!(resolve(decl, &t.declared_path).is_some(), "{t:?}");
        }
        if t.kind == FindingKind::Unconfirmed {
            assert!(t.registry_record_ids.is_empty());
        }
        assert!(!t.note.is_empty() && !t.rule.is_empty());
    }
}

#[test]
fn same_arguments_same_bytes_other_seed_other_bytes() {
    let (a, b, c) = (
        tempfile::tempdir().unwrap(),
        tempfile::tempdir().unwrap(),
        tempfile::tempdir().unwrap(),
    );
    generate(&config(700, 3, Noise::Default), a.path(), &|_| {}).unwrap();
    generate(&config(700, 3, Noise::Default), b.path(), &|_| {}).unwrap();
    generate(&config(700, 4, Noise::Default), c.path(), &|_| {}).unwrap();
    let (fa, fb, fc) = (files(a.path()), files(b.path()), files(c.path()));
    assert_eq!(fa, fb);
    for ((name, x), (_, y)) in fa.iter().zip(fc.iter()) {
        assert_ne!(x, y, "{name} is the same under another seed");
    }
}

#[test]
fn noise_changes_registries_not_people_or_findings() {
    let (a, b) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    generate(&config(600, 9, Noise::None), a.path(), &|_| {}).unwrap();
    generate(&config(600, 9, Noise::High), b.path(), &|_| {}).unwrap();
    let (da, db) = (load(a.path()), load(b.path()));
    assert_eq!(
        std::fs::read(a.path().join("roster.csv")).unwrap(),
        std::fs::read(b.path().join("roster.csv")).unwrap()
    );
    assert_ne!(
        std::fs::read(a.path().join("registries/real_estate.csv")).unwrap(),
        std::fs::read(b.path().join("registries/real_estate.csv")).unwrap()
    );
    let key = |t: &Discrepancy| {
        (
            t.declaration_id.clone(),
            t.category,
            t.kind,
            t.declared_path.clone(),
            t.field.clone(),
            t.registry_record_ids.clone(),
            t.rule.clone(),
        )
    };
    let ka: Vec<_> = da.truth.iter().map(key).collect();
    let kb: Vec<_> = db.truth.iter().map(key).collect();
    assert_eq!(ka, kb);
    assert_eq!(da.declarations.len(), db.declarations.len());
    // With no noise, registries write exactly: no blank IDs, every ID valid.
    assert!(
        da.real_estate
            .iter()
            .all(|r| ResidentId::parse(&r.owner_id).is_ok())
    );
    assert!(
        db.real_estate
            .iter()
            .any(|r| r.owner_id.is_empty() || ResidentId::parse(&r.owner_id).is_err())
    );
}

#[test]
fn every_kind_and_classification_appears_and_the_rate_is_plausible() {
    let dir = tempfile::tempdir().unwrap();
    generate(&config(4000, 21, Noise::Default), dir.path(), &|_| {}).unwrap();
    let d = load(dir.path());
    let kinds: BTreeSet<_> = d.truth.iter().map(|t| t.kind).collect();
    // The one-year truth holds the cross-check's kinds, every one of them.
    assert_eq!(
        kinds,
        FindingKind::CROSS_CHECK.into_iter().collect(),
        "{kinds:?}"
    );
    let classes: BTreeSet<_> = d.truth.iter().map(|t| t.classification).collect();
    assert_eq!(classes.len(), 3);
    let categories: BTreeSet<_> = d.truth.iter().map(|t| t.category).collect();
    for c in Category::ALL {
        if !matches!(
            c,
            Category::OverseasDeposits | Category::OverseasInvestments | Category::Wealth
        ) {
            assert!(categories.contains(&c), "{c} never appears");
        }
    }
    assert!(!categories.contains(&Category::Wealth));
    let flagged: HashSet<_> = d.truth.iter().map(|t| t.declaration_id.clone()).collect();
    let rate = flagged.len() as f64 / d.declarations.len() as f64;
    assert!((0.2..=0.4).contains(&rate), "{rate}");
    let rules: BTreeSet<_> = d.truth.iter().map(|t| t.rule.as_str()).collect();
    for rule in [
        "cn.concealment.securities",
        "cn.omission.securities_understated",
        "cn.omission.ancillary_property",
        "cn.concealment.property",
        "cn.omission.hk_macao_taiwan_permit",
        "cn.concealment.passport",
        "cn.omission.hk_macao_taiwan_trip",
        "cn.concealment.private_trip_abroad",
        "cn.concealment.marriage",
    ] {
        assert!(rules.contains(rule), "{rule} never appears: {rules:?}");
    }
}

// ---------------------------------------------------------------------------------------------
// A small cross-check written from FORMATS.md, independent of the generator's internals.

fn cert(text: &str) -> String {
    text.chars()
        .filter(|c| !c.is_whitespace() && !"()（）〔〕[]第号".contains(*c))
        .collect()
}

struct Family {
    /// handle -> (id, name, relation, co_residing)
    members: Vec<(String, String, String, Relation, bool)>,
}

impl Family {
    fn of(d: &Declaration) -> Family {
        Family {
            members: d
                .persons
                .iter()
                .filter_map(|p| {
                    let id = p.id.as_ref()?.as_str().to_owned();
                    Some((
                        p.handle.as_str().to_owned(),
                        id,
                        p.name.clone(),
                        p.relation,
                        p.co_residing == Some(true),
                    ))
                })
                .collect(),
        }
    }

    /// The member a row is about: by ID, or a mistyped ID one character away with the same
    /// normalised name. Blank IDs resolve to nobody.
    fn who(&self, id: &str, name: &str) -> Option<(String, Relation, bool)> {
        if id.is_empty() {
            return None;
        }
        let valid = ResidentId::parse(id).is_ok();
        self.members
            .iter()
            .find(|(_, mid, mname, _, _)| {
                mid == id
                    || (!valid
                        && mid.len() == id.len()
                        && mid.bytes().zip(id.bytes()).filter(|(a, b)| a != b).count() == 1
                        && normalise_name(mname) == normalise_name(name))
            })
            .map(|(h, _, _, r, c)| (h.clone(), *r, *c))
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
struct Found {
    category: Category,
    kind: FindingKind,
    path: String,
    field: String,
    ids: Vec<String>,
    rule: String,
}

fn check(d: &Data) -> HashMap<String, Vec<Found>> {
    let profile = Profile::builtin("cn").unwrap();
    let mut out: HashMap<String, Vec<Found>> = HashMap::new();
    // Index rows by every family member's ID (and one-away variants are resolved per family).
    let family_ids: HashMap<String, usize> = d
        .declarations
        .iter()
        .enumerate()
        .flat_map(|(i, decl)| {
            decl.persons
                .iter()
                .filter_map(move |p| Some((p.id.as_ref()?.as_str().to_owned(), i)))
        })
        .collect();
    // Every household the row may be about: the one with this ID, or for an invalid ID every
    // one with an ID one character away (the family's own resolution then checks the name).
    let owner_of = |id: &str| -> Vec<usize> {
        if let Some(i) = family_ids.get(id) {
            return vec![*i];
        }
        if ResidentId::parse(id).is_ok() || id.len() != 18 {
            return vec![];
        }
        let chars: Vec<char> = id.chars().collect();
        let mut out = Vec::new();
        for pos in 0..18 {
            for c in "0123456789X".chars() {
                if c == chars[pos] {
                    continue;
                }
                let mut v = chars.clone();
                v[pos] = c;
                let s: String = v.into_iter().collect();
                if let Some(i) = family_ids.get(&s) {
                    out.push(*i);
                }
            }
        }
        out
    };
    macro_rules! group {
        ($rows:expr, $id:ident) => {{
            let mut g: HashMap<usize, Vec<_>> = HashMap::new();
            for r in $rows.iter() {
                for i in owner_of(&r.$id) {
                    g.entry(i).or_default().push(r);
                }
            }
            g
        }};
    }
    let marriages = group!(d.marriages, person_id);
    let documents = group!(d.documents, holder_id);
    let crossings = group!(d.crossings, person_id);
    let residence = group!(d.residence, person_id);
    let employment = group!(d.employment, person_id);
    let criminal = group!(d.criminal, person_id);
    let tax = group!(d.tax, person_id);
    let real_estate = group!(d.real_estate, owner_id);
    let stocks = group!(d.stocks, holder_id);
    let funds = group!(d.funds, holder_id);
    let insurance = group!(d.insurance, policyholder_id);
    let companies = group!(d.companies, person_id);
    // Blank-ID rows, tied only by strong keys.
    let blank_re: HashMap<String, Vec<&RealEstateRecord>> = d
        .real_estate
        .iter()
        .filter(|r| r.owner_id.is_empty())
        .fold(HashMap::new(), |mut m, r| {
            m.entry(cert(&r.certificate_number)).or_default().push(r);
            m
        });
    let blank_crossings: HashMap<String, Vec<&BorderCrossingRecord>> = d
        .crossings
        .iter()
        .filter(|r| r.person_id.is_empty())
        .fold(HashMap::new(), |mut m, r| {
            m.entry(r.document_number.clone()).or_default().push(r);
            m
        });

    for (i, decl) in d.declarations.iter().enumerate() {
        let fam = Family::of(decl);
        let mut found: Vec<Found> = Vec::new();
        let mut push =
            |category, kind, facts: &[Condition], path: String, field: &str, ids: Vec<String>| {
                let rule = profile.classify(category, kind, facts).id.clone();
                found.push(Found {
                    category,
                    kind,
                    path,
                    field: field.to_owned(),
                    ids,
                    rule,
                });
            };
        let handle_of = |h: &probity_model::declaration::PersonRef| h.as_str().to_owned();

        // Marriage: the declarant's latest registry event.
        let mut own: Vec<&&MarriageRecord> = marriages
            .get(&i)
            .map(Vec::as_slice)
            .unwrap_or_default()
            .iter()
            .filter(|r| {
                fam.who(&r.person_id, &r.person_name)
                    .is_some_and(|w| w.0 == "self")
            })
            .collect();
        own.sort_by_key(|r| (r.date, r.event == MarriageEvent::Divorce));
        if let Some(last) = own.last() {
            match &decl.marriage.as_ref().and_then(|m| m.last_change.clone()) {
                // The event's rows: the declarant's and the spouse's mirror, where there is one.
                None => push(
                    Category::Marriage,
                    FindingKind::Unreported,
                    &[],
                    String::new(),
                    "",
                    std::iter::once(last.record_id.clone())
                        .chain(
                            d.marriages
                                .iter()
                                .filter(|m| {
                                    m.person_id == last.spouse_id
                                        && m.spouse_id == last.person_id
                                        && m.event == last.event
                                        && m.date == last.date
                                })
                                .map(|m| m.record_id.clone()),
                        )
                        .collect(),
                ),
                Some(c) if c.on != last.date => push(
                    Category::Marriage,
                    FindingKind::Differs,
                    &[],
                    "$.marriage".into(),
                    "last_change.on",
                    vec![last.record_id.clone()],
                ),
                _ => {}
            }
        }
        // Child marriages to non-mainland spouses.
        let declared_cm: HashSet<String> = decl
            .child_marriages
            .iter()
            .map(|m| handle_of(&m.child))
            .collect();
        let mut seen_cm = HashSet::new();
        for r in marriages.get(&i).map(Vec::as_slice).unwrap_or_default() {
            let Some((h, rel, _)) = fam.who(&r.person_id, &r.person_name) else {
                continue;
            };
            if rel == Relation::Child && r.spouse_nationality.is_some_and(|n| n.as_str() != "CN") {
                seen_cm.insert(h.clone());
                if !declared_cm.contains(&h) {
                    push(
                        Category::ChildMarriages,
                        FindingKind::Unreported,
                        &[],
                        String::new(),
                        "",
                        vec![r.record_id.clone()],
                    );
                }
            }
        }
        for (k, m) in decl.child_marriages.iter().enumerate() {
            if !seen_cm.contains(&handle_of(&m.child)) {
                push(
                    Category::ChildMarriages,
                    FindingKind::Unconfirmed,
                    &[],
                    format!("$.child_marriages[{k}]"),
                    "",
                    vec![],
                );
            }
        }
        // Documents of the declarant.
        let declared_docs: HashSet<&str> = decl
            .travel_documents
            .iter()
            .map(|t| t.number.as_str())
            .collect();
        let mut registry_docs: HashSet<String> = HashSet::new();
        for r in documents.get(&i).map(Vec::as_slice).unwrap_or_default() {
            if fam
                .who(&r.holder_id, &r.holder_name)
                .is_some_and(|w| w.0 == "self")
            {
                registry_docs.insert(r.number.clone());
                if !declared_docs.contains(r.number.as_str()) {
                    let fact = if r.kind.is_permit() {
                        Condition::Permit
                    } else {
                        Condition::Passport
                    };
                    push(
                        Category::TravelDocuments,
                        FindingKind::Unreported,
                        &[fact],
                        String::new(),
                        "",
                        vec![r.record_id.clone()],
                    );
                }
            }
        }
        let blank_docs: HashSet<&str> = d
            .documents
            .iter()
            .filter(|r| r.holder_id.is_empty())
            .map(|r| r.number.as_str())
            .collect();
        for (k, t) in decl.travel_documents.iter().enumerate() {
            if !registry_docs.contains(&t.number) && !blank_docs.contains(t.number.as_str()) {
                push(
                    Category::TravelDocuments,
                    FindingKind::Unconfirmed,
                    &[],
                    format!("$.travel_documents[{k}]"),
                    "",
                    vec![],
                );
            }
        }
        // Trips: crossings on the declarant's private documents, exit paired with next entry.
        let private: HashSet<String> = registry_docs
            .iter()
            .cloned()
            .chain(declared_docs.iter().map(|s| s.to_string()))
            .collect();
        let mut by_doc: HashMap<String, Vec<&BorderCrossingRecord>> = HashMap::new();
        for r in crossings.get(&i).map(Vec::as_slice).unwrap_or_default() {
            if fam
                .who(&r.person_id, &r.person_name)
                .is_some_and(|w| w.0 == "self")
                && private.contains(&r.document_number)
            {
                by_doc.entry(r.document_number.clone()).or_default().push(r);
            }
        }
        for t in &decl.trips {
            for r in blank_crossings
                .get(&t.document_number)
                .unwrap_or(&Vec::new())
            {
                if r.date == t.departed_on || r.date == t.returned_on {
                    by_doc.entry(r.document_number.clone()).or_default().push(r);
                }
            }
        }
        let mut registry_trips: HashMap<
            (String, probity_model::Date, probity_model::Date),
            (Vec<String>, bool),
        > = HashMap::new();
        for (doc, mut rows) in by_doc {
            rows.sort_by_key(|r| (r.date, r.direction == Direction::Entry));
            rows.dedup_by_key(|r| r.record_id.clone());
            let mut open: Option<&BorderCrossingRecord> = None;
            for r in rows {
                match (r.direction, open) {
                    (Direction::Exit, _) => open = Some(r),
                    (Direction::Entry, Some(e)) => {
                        let hmt = e.destination.is_some_and(|c| c.is_hk_macao_taiwan());
                        registry_trips.insert(
                            (doc.clone(), e.date, r.date),
                            (vec![e.record_id.clone(), r.record_id.clone()], hmt),
                        );
                        open = None;
                    }
                    _ => {}
                }
            }
        }
        let declared_trips: HashSet<(String, probity_model::Date, probity_model::Date)> = decl
            .trips
            .iter()
            .map(|t| (t.document_number.clone(), t.departed_on, t.returned_on))
            .collect();
        for (key, (ids, hmt)) in &registry_trips {
            if !declared_trips.contains(key) {
                let fact = if *hmt {
                    Condition::HkMacaoTaiwan
                } else {
                    Condition::Abroad
                };
                push(
                    Category::Trips,
                    FindingKind::Unreported,
                    &[fact],
                    String::new(),
                    "",
                    ids.clone(),
                );
            }
        }
        for (k, t) in decl.trips.iter().enumerate() {
            if !registry_trips.contains_key(&(
                t.document_number.clone(),
                t.departed_on,
                t.returned_on,
            )) {
                push(
                    Category::Trips,
                    FindingKind::Unconfirmed,
                    &[],
                    format!("$.trips[{k}]"),
                    "",
                    vec![],
                );
            }
        }
        // Residence abroad.
        let relative =
            |w: &Option<(String, Relation, bool)>| w.as_ref().is_some_and(|w| w.1 != Relation::Own);
        let mut seen = HashSet::new();
        for r in residence.get(&i).map(Vec::as_slice).unwrap_or_default() {
            let w = fam.who(&r.person_id, &r.person_name);
            if !relative(&w) {
                continue;
            }
            let h = w.unwrap().0;
            seen.insert((h.clone(), r.country));
            match decl
                .residence_abroad
                .iter()
                .position(|x| handle_of(&x.person) == h && x.country == r.country)
            {
                None => push(
                    Category::ResidenceAbroad,
                    FindingKind::Unreported,
                    &[],
                    String::new(),
                    "",
                    vec![r.record_id.clone()],
                ),
                Some(k) if decl.residence_abroad[k].status != r.status => push(
                    Category::ResidenceAbroad,
                    FindingKind::Differs,
                    &[],
                    format!("$.residence_abroad[{k}]"),
                    "status",
                    vec![r.record_id.clone()],
                ),
                _ => {}
            }
        }
        for (k, x) in decl.residence_abroad.iter().enumerate() {
            if !seen.contains(&(handle_of(&x.person), x.country)) {
                push(
                    Category::ResidenceAbroad,
                    FindingKind::Unconfirmed,
                    &[],
                    format!("$.residence_abroad[{k}]"),
                    "",
                    vec![],
                );
            }
        }
        // Employment: current posts.
        let mut seen = HashSet::new();
        for r in employment.get(&i).map(Vec::as_slice).unwrap_or_default() {
            let w = fam.who(&r.person_id, &r.person_name);
            if !relative(&w) || r.until.is_some() {
                continue;
            }
            let h = w.unwrap().0;
            seen.insert((h.clone(), r.employer_credit_code.clone()));
            if !decl.employment.iter().any(|e| {
                handle_of(&e.person) == h
                    && e.employer_credit_code.as_ref().map(|c| c.as_str())
                        == Some(r.employer_credit_code.as_str())
            }) {
                push(
                    Category::Employment,
                    FindingKind::Unreported,
                    &[],
                    String::new(),
                    "",
                    vec![r.record_id.clone()],
                );
            }
        }
        let blank_codes: HashSet<&str> = d
            .employment
            .iter()
            .filter(|r| r.person_id.is_empty())
            .map(|r| r.employer_credit_code.as_str())
            .collect();
        for (k, e) in decl.employment.iter().enumerate() {
            let code = e
                .employer_credit_code
                .as_ref()
                .map(|c| c.as_str().to_owned())
                .unwrap_or_default();
            if !seen.contains(&(handle_of(&e.person), code.clone()))
                && !blank_codes.contains(code.as_str())
            {
                push(
                    Category::Employment,
                    FindingKind::Unconfirmed,
                    &[],
                    format!("$.employment[{k}]"),
                    "",
                    vec![],
                );
            }
        }
        // Criminal cases.
        let mut seen = HashSet::new();
        for r in criminal.get(&i).map(Vec::as_slice).unwrap_or_default() {
            let w = fam.who(&r.person_id, &r.person_name);
            if !relative(&w) {
                continue;
            }
            let h = w.unwrap().0;
            seen.insert((h.clone(), r.since));
            if !decl
                .criminal_cases
                .iter()
                .any(|c| handle_of(&c.person) == h && c.since == r.since)
            {
                push(
                    Category::CriminalCases,
                    FindingKind::Unreported,
                    &[],
                    String::new(),
                    "",
                    vec![r.record_id.clone()],
                );
            }
        }
        for (k, c) in decl.criminal_cases.iter().enumerate() {
            if !seen.contains(&(handle_of(&c.person), c.since)) {
                push(
                    Category::CriminalCases,
                    FindingKind::Unconfirmed,
                    &[],
                    format!("$.criminal_cases[{k}]"),
                    "",
                    vec![],
                );
            }
        }
        // Salary and labour income.
        let own_tax: Vec<&&TaxIncomeRecord> = tax
            .get(&i)
            .map(Vec::as_slice)
            .unwrap_or_default()
            .iter()
            .filter(|r| {
                r.year == decl.year
                    && fam
                        .who(&r.person_id, &r.person_name)
                        .is_some_and(|w| w.0 == "self")
            })
            .collect();
        let wages: i64 = own_tax
            .iter()
            .filter(|r| r.kind == IncomeKind::Wages)
            .map(|r| r.amount.minor_units())
            .sum();
        let s = decl.salary.as_ref().unwrap();
        let declared = s.wages.minor_units() + s.bonuses.minor_units() + s.other.minor_units();
        let wage_ids: Vec<String> = own_tax
            .iter()
            .filter(|r| r.kind == IncomeKind::Wages)
            .map(|r| r.record_id.clone())
            .collect();
        if declared < wages - 10_000 {
            push(
                Category::Salary,
                FindingKind::Understated,
                &[],
                "$.salary".into(),
                "total",
                wage_ids.clone(),
            );
        } else if declared > wages + 10_000 {
            push(
                Category::Salary,
                FindingKind::Overstated,
                &[],
                "$.salary".into(),
                "total",
                wage_ids.clone(),
            );
        }
        let payers: HashSet<&str> = own_tax
            .iter()
            .filter(|r| r.kind == IncomeKind::Labor)
            .map(|r| r.payer_name.as_str())
            .collect();
        for r in own_tax.iter().filter(|r| r.kind == IncomeKind::Labor) {
            if !decl.labor_income.iter().any(|l| l.payer == r.payer_name) {
                push(
                    Category::LaborIncome,
                    FindingKind::Unreported,
                    &[],
                    String::new(),
                    "",
                    vec![r.record_id.clone()],
                );
            }
        }
        for (k, l) in decl.labor_income.iter().enumerate() {
            if !payers.contains(l.payer.as_str()) {
                push(
                    Category::LaborIncome,
                    FindingKind::Unconfirmed,
                    &[],
                    format!("$.labor_income[{k}]"),
                    "",
                    vec![],
                );
            }
        }
        // Property: self, spouse, co-residing children.
        let covered = |w: &Option<(String, Relation, bool)>| {
            w.as_ref().is_some_and(|w| {
                matches!(w.1, Relation::Own | Relation::Spouse) || (w.1 == Relation::Child && w.2)
            })
        };
        let start = probity_model::Date::from_ymd(decl.year, 1, 1).unwrap();
        let mut units: HashMap<String, Vec<&RealEstateRecord>> = HashMap::new();
        for r in real_estate.get(&i).map(Vec::as_slice).unwrap_or_default() {
            let w = fam.who(&r.owner_id, &r.owner_name);
            if covered(&w)
                && (r.status == PropertyStatus::Held
                    || r.transferred_on.is_some_and(|t| t >= start))
            {
                units
                    .entry(cert(&r.certificate_number))
                    .or_default()
                    .push(r);
            }
        }
        for (k, p) in decl.real_estate.iter().enumerate() {
            let key = cert(p.certificate_number.as_deref().unwrap_or(""));
            let mut rows: Vec<&RealEstateRecord> = units.remove(&key).unwrap_or_default();
            rows.extend(blank_re.get(&key).into_iter().flatten().copied());
            let fact = if p.kind.is_ancillary() {
                Condition::AncillaryProperty
            } else {
                Condition::MainProperty
            };
            let Some(first) = rows.first() else {
                push(
                    Category::RealEstate,
                    FindingKind::Unconfirmed,
                    &[fact],
                    format!("$.real_estate[{k}]"),
                    "",
                    vec![],
                );
                continue;
            };
            let registry =
                probity_model::AreaM2::parse_rounded(&first.area_m2.to_string()).unwrap();
            let ids: Vec<String> = rows.iter().map(|r| r.record_id.clone()).collect();
            if p.area_m2 < registry {
                push(
                    Category::RealEstate,
                    FindingKind::Understated,
                    &[fact],
                    format!("$.real_estate[{k}]"),
                    "area_m2",
                    ids,
                );
            } else if p.area_m2 > registry {
                push(
                    Category::RealEstate,
                    FindingKind::Overstated,
                    &[fact],
                    format!("$.real_estate[{k}]"),
                    "area_m2",
                    ids,
                );
            }
        }
        for rows in units.values() {
            let fact = if rows[0].kind.is_ancillary() {
                Condition::AncillaryProperty
            } else {
                Condition::MainProperty
            };
            let mut ids: Vec<String> = rows.iter().map(|r| r.record_id.clone()).collect();
            ids.sort();
            push(
                Category::RealEstate,
                FindingKind::Unreported,
                &[fact],
                String::new(),
                "",
                ids,
            );
        }
        // Stocks and funds: summed over accounts.
        for (category, rows, declared, scale) in [
            (
                Category::Stocks,
                stocks
                    .get(&i)
                    .map(|v| {
                        v.iter()
                            .map(|r| {
                                (
                                    r.holder_id.as_str(),
                                    r.holder_name.as_str(),
                                    r.code.as_str(),
                                    r.shares.decimal(),
                                    r.record_id.clone(),
                                )
                            })
                            .collect::<Vec<_>>()
                    })
                    .unwrap_or_default(),
                decl.stocks
                    .iter()
                    .map(|s| (handle_of(&s.holder), s.code.clone(), s.shares.decimal()))
                    .collect::<Vec<_>>(),
                0,
            ),
            (
                Category::Funds,
                funds
                    .get(&i)
                    .map(|v| {
                        v.iter()
                            .map(|r| {
                                (
                                    r.holder_id.as_str(),
                                    r.holder_name.as_str(),
                                    r.code.as_str(),
                                    r.units.decimal(),
                                    r.record_id.clone(),
                                )
                            })
                            .collect::<Vec<_>>()
                    })
                    .unwrap_or_default(),
                decl.funds
                    .iter()
                    .map(|s| (handle_of(&s.holder), s.code.clone(), s.units.decimal()))
                    .collect::<Vec<_>>(),
                2,
            ),
        ] {
            let _ = scale;
            let mut held: HashMap<
                (String, String),
                (probity_model::decimal::Decimal, Vec<String>),
            > = HashMap::new();
            for (id, name, code, q, rid) in rows {
                let w = fam.who(id, name);
                if !covered(&w) {
                    continue;
                }
                let e = held
                    .entry((w.unwrap().0, code.to_owned()))
                    .or_insert((probity_model::decimal::Decimal::ZERO, vec![]));
                e.0 = e.0.checked_add(&q).unwrap();
                e.1.push(rid);
            }
            let reported = if declared.is_empty() {
                Condition::NoneOfKindReported
            } else {
                Condition::SomeOfKindReported
            };
            for (k, (h, code, q)) in declared.iter().enumerate() {
                let path = format!("$.{}[{k}]", category.as_str());
                let field = if category == Category::Stocks {
                    "shares"
                } else {
                    "units"
                };
                match held.remove(&(h.clone(), code.clone())) {
                    None => push(category, FindingKind::Unconfirmed, &[], path, "", vec![]),
                    Some((r, ids)) if *q < r => {
                        push(category, FindingKind::Understated, &[], path, field, ids)
                    }
                    Some((r, ids)) if *q > r => {
                        push(category, FindingKind::Overstated, &[], path, field, ids)
                    }
                    _ => {}
                }
            }
            for (_, (_, mut ids)) in held {
                ids.sort();
                push(
                    category,
                    FindingKind::Unreported,
                    &[reported],
                    String::new(),
                    "",
                    ids,
                );
            }
        }
        // Investment insurance in force.
        let mut policies: HashMap<String, &InsuranceRecord> = HashMap::new();
        for r in insurance.get(&i).map(Vec::as_slice).unwrap_or_default() {
            if covered(&fam.who(&r.policyholder_id, &r.policyholder_name))
                && r.investment_type
                && r.status == PolicyStatus::InForce
            {
                policies.insert(r.policy_number.clone(), r);
            }
        }
        for r in d.insurance.iter().filter(|r| r.policyholder_id.is_empty()) {
            if decl
                .insurance
                .iter()
                .any(|p| p.policy_number == r.policy_number)
            {
                policies.insert(r.policy_number.clone(), r);
            }
        }
        let reported = if decl.insurance.is_empty() {
            Condition::NoneOfKindReported
        } else {
            Condition::SomeOfKindReported
        };
        for (k, p) in decl.insurance.iter().enumerate() {
            let path = format!("$.insurance[{k}]");
            match policies.remove(&p.policy_number) {
                None => push(
                    Category::Insurance,
                    FindingKind::Unconfirmed,
                    &[],
                    path,
                    "",
                    vec![],
                ),
                Some(r)
                    if p.premiums_paid.minor_units() < r.premiums_paid.minor_units() - 10_000 =>
                {
                    push(
                        Category::Insurance,
                        FindingKind::Understated,
                        &[],
                        path,
                        "premiums_paid",
                        vec![r.record_id.clone()],
                    )
                }
                Some(r)
                    if p.premiums_paid.minor_units() > r.premiums_paid.minor_units() + 10_000 =>
                {
                    push(
                        Category::Insurance,
                        FindingKind::Overstated,
                        &[],
                        path,
                        "premiums_paid",
                        vec![r.record_id.clone()],
                    )
                }
                _ => {}
            }
        }
        for r in policies.values() {
            push(
                Category::Insurance,
                FindingKind::Unreported,
                &[reported],
                String::new(),
                "",
                vec![r.record_id.clone()],
            );
        }
        // Businesses, not deregistered; all role rows of a company together.
        let mut firms: HashMap<(String, String), Vec<&CompanyRecord>> = HashMap::new();
        for r in companies.get(&i).map(Vec::as_slice).unwrap_or_default() {
            let w = fam.who(&r.person_id, &r.person_name);
            if relative(&w) && r.status != CompanyStatus::Deregistered {
                firms
                    .entry((w.unwrap().0, r.credit_code.clone()))
                    .or_default()
                    .push(r);
            }
        }
        for (k, b) in decl.businesses.iter().enumerate() {
            let code = b
                .credit_code
                .as_ref()
                .map(|c| c.as_str().to_owned())
                .unwrap_or_default();
            let mut rows = firms
                .remove(&(handle_of(&b.person), code.clone()))
                .unwrap_or_default();
            rows.extend(
                d.companies
                    .iter()
                    .filter(|r| r.person_id.is_empty() && r.credit_code == code),
            );
            let path = format!("$.businesses[{k}]");
            if rows.is_empty() {
                push(
                    Category::Businesses,
                    FindingKind::Unconfirmed,
                    &[],
                    path,
                    "",
                    vec![],
                );
                continue;
            }
            let ids: Vec<String> = rows.iter().map(|r| r.record_id.clone()).collect();
            if let Some(sub) = rows.iter().find_map(|r| r.subscribed) {
                let declared = b.subscribed.map(|s| s.minor_units()).unwrap_or(0);
                if declared < sub.minor_units() - 10_000 {
                    push(
                        Category::Businesses,
                        FindingKind::Understated,
                        &[],
                        path.clone(),
                        "subscribed",
                        ids.clone(),
                    );
                } else if declared > sub.minor_units() + 10_000 {
                    push(
                        Category::Businesses,
                        FindingKind::Overstated,
                        &[],
                        path.clone(),
                        "subscribed",
                        ids.clone(),
                    );
                }
            }
            let status = serde_json::to_value(rows[0].status).unwrap();
            if serde_json::to_value(b.status).unwrap() != status {
                push(
                    Category::Businesses,
                    FindingKind::Differs,
                    &[],
                    path,
                    "status",
                    ids,
                );
            }
        }
        for rows in firms.values() {
            let mut ids: Vec<String> = rows.iter().map(|r| r.record_id.clone()).collect();
            ids.sort();
            push(
                Category::Businesses,
                FindingKind::Unreported,
                &[],
                String::new(),
                "",
                ids,
            );
        }
        if !found.is_empty() {
            out.insert(decl.declaration_id.clone(), found);
        }
    }
    out
}

fn truth_by_declaration(d: &Data) -> HashMap<String, Vec<Found>> {
    let mut out: HashMap<String, Vec<Found>> = HashMap::new();
    for t in &d.truth {
        let mut ids = t.registry_record_ids.clone();
        if t.kind == FindingKind::Unreported {
            ids.sort();
        }
        out.entry(t.declaration_id.clone())
            .or_default()
            .push(Found {
                category: t.category,
                kind: t.kind,
                path: t.declared_path.clone(),
                field: t.field.clone(),
                ids,
                rule: t.rule.clone(),
            });
    }
    out
}

fn assert_check_matches_truth(dir: &Path) {
    let d = load(dir);
    let mut found = check(&d);
    let mut truth = truth_by_declaration(&d);
    let keys: BTreeSet<String> = found.keys().chain(truth.keys()).cloned().collect();
    let mut problems = Vec::new();
    for k in keys {
        let mut a = found.remove(&k).unwrap_or_default();
        let mut b = truth.remove(&k).unwrap_or_default();
        // Record ids are compared as sets.
        for f in a.iter_mut().chain(b.iter_mut()) {
            f.ids.sort();
        }
        a.sort();
        b.sort();
        if a != b {
            problems.push(format!("{k}:\n  check: {a:?}\n  truth: {b:?}"));
        }
    }
    assert!(
        problems.is_empty(),
        "{} declarations differ:\n{}",
        problems.len(),
        problems
            .iter()
            .take(8)
            .cloned()
            .collect::<Vec<_>>()
            .join("\n")
    );
}

#[test]
fn clean_data_is_clean() {
    let dir = tempfile::tempdir().unwrap();
    let s = generate_clean(&config(2000, 17, Noise::None), dir.path()).unwrap();
    assert_eq!(s.truth_findings, 0);
    let d = load(dir.path());
    // Salary within 100 yuan of the tax wage total, for every report.
    let mut wages: HashMap<&str, i64> = HashMap::new();
    for r in d.tax.iter().filter(|r| r.kind == IncomeKind::Wages) {
        *wages.entry(r.person_id.as_str()).or_default() += r.amount.minor_units();
    }
    for decl in &d.declarations {
        let s = decl.salary.as_ref().unwrap();
        let declared = s.wages.minor_units() + s.bonuses.minor_units() + s.other.minor_units();
        assert!((declared - wages[decl.declarant_id.as_str()]).abs() <= 10_000);
    }
    let found = check(&d);
    assert!(
        found.is_empty(),
        "{:?}",
        found.iter().take(5).collect::<Vec<_>>()
    );
}

#[test]
fn a_cross_check_from_the_formats_finds_exactly_the_truth() {
    // SYNTH_CHECK_PEOPLE=50000 cargo test --release ... runs a larger population.
    let people = std::env::var("SYNTH_CHECK_PEOPLE")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(2500);
    for (noise, seed) in [(Noise::None, 31), (Noise::High, 32), (Noise::Default, 33)] {
        let dir = tempfile::tempdir().unwrap();
        generate(&config(people, seed, noise), dir.path(), &|_| {}).unwrap();
        assert_check_matches_truth(dir.path());
    }
}

#[test]
fn two_years_leave_the_one_year_files_as_they_were_and_are_deterministic() {
    let (one, two, again) = (
        tempfile::tempdir().unwrap(),
        tempfile::tempdir().unwrap(),
        tempfile::tempdir().unwrap(),
    );
    let c = config(1500, 5, Noise::Default);
    let s1 = generate(&c, one.path(), &|_| {}).unwrap();
    let s2 = generate_two_years(&c, two.path(), &|_| {}).unwrap();
    generate_two_years(&c, again.path(), &|_| {}).unwrap();
    assert!(files(one.path()) == files(two.path()));
    assert!(!one.path().join("previous").exists());
    assert_eq!(
        (
            s1.people,
            s1.declarations,
            s1.registry_rows,
            s1.truth_findings
        ),
        (
            s2.people,
            s2.declarations,
            s2.registry_rows,
            s2.truth_findings
        )
    );
    assert_eq!(
        (s1.previous_declarations, s1.year_over_year_findings),
        (0, 0)
    );
    for name in ["previous/declarations.jsonl", "truth_year_over_year.jsonl"] {
        let a = std::fs::read(two.path().join(name)).unwrap();
        assert!(!a.is_empty(), "{name} is empty");
        assert!(
            a == std::fs::read(again.path().join(name)).unwrap(),
            "{name} differs"
        );
    }
}

#[test]
fn last_years_reports_are_valid_and_belong_to_this_years_subjects() {
    let dir = tempfile::tempdir().unwrap();
    let s = generate_two_years(&config(2000, 9, Noise::Low), dir.path(), &|_| {}).unwrap();
    let profile = Profile::builtin("cn").unwrap();
    let now: Vec<Declaration> = read_jsonl(&dir.path().join("declarations.jsonl"));
    let text = std::fs::read_to_string(dir.path().join("previous/declarations.jsonl")).unwrap();
    let mut before = Vec::new();
    for (i, line) in text.lines().enumerate() {
        let value: serde_json::Value = serde_json::from_str(line).unwrap();
        match validation::parse_and_validate(&value, |_| Some(&profile)) {
            Ok(d) => before.push(d),
            Err(issues) => panic!("previous/declarations.jsonl:{}: {issues:?}", i + 1),
        }
    }
    assert_eq!(before.len() as u64, s.previous_declarations);
    // Most subjects reported last year too.
    assert!(
        before.len() * 10 >= now.len() * 6,
        "{} of {}",
        before.len(),
        now.len()
    );
    let by_declarant: HashMap<&str, &Declaration> =
        now.iter().map(|d| (d.declarant_id.as_str(), d)).collect();
    let mut ids = HashSet::new();
    for b in &before {
        let n = by_declarant[b.declarant_id.as_str()];
        assert_eq!(b.year, n.year - 1);
        assert!(b.filed_on < n.filed_on);
        assert!(ids.insert(b.declaration_id.clone()));
        assert!(!by_declarant.contains_key(b.declaration_id.as_str()));
    }
    // The year-over-year truth: both kinds, review, about this year's reports of subjects with a
    // report last year, at most one growth finding each.
    let truth: Vec<Discrepancy> = read_jsonl(&dir.path().join("truth_year_over_year.jsonl"));
    assert_eq!(truth.len() as u64, s.year_over_year_findings);
    let with_history: HashSet<&str> = before.iter().map(|d| d.declarant_id.as_str()).collect();
    let mut growth = HashSet::new();
    for t in &truth {
        assert!(t.kind.is_year_over_year(), "{t:?}");
        assert_eq!(t.classification, probity_model::Classification::Review);
        assert!(with_history.contains(t.declarant_id.as_str()));
        assert!(by_declarant[t.declarant_id.as_str()].declaration_id == t.declaration_id);
        if t.kind == FindingKind::ExcessGrowth {
            assert_eq!(t.category, Category::Wealth);
            assert!(growth.insert(t.declaration_id.clone()));
        }
    }
    let kinds: BTreeSet<_> = truth.iter().map(|t| t.kind).collect();
    assert_eq!(
        kinds,
        [FindingKind::Vanished, FindingKind::ExcessGrowth]
            .into_iter()
            .collect()
    );
}

#[test]
fn initial_reports_are_annual_reports_of_subjects_who_joined_just_before_filing() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let config = config(400, 11, Noise::Default);
    generate_two_years(&config, d, &|_| {}).unwrap();
    let before: Vec<Declaration> = read_jsonl(&d.join("declarations.jsonl"));
    let truth_before: Vec<Discrepancy> = read_jsonl(&d.join("truth.jsonl"));
    let s = probity_synth::generate_initial_reports(&config, d).unwrap();
    let profile = Profile::builtin("cn").unwrap();
    let text = std::fs::read_to_string(d.join("initial/declarations.jsonl")).unwrap();
    let mut initial = Vec::new();
    for line in text.lines() {
        let value: serde_json::Value = serde_json::from_str(line).unwrap();
        initial.push(validation::parse_and_validate(&value, |_| Some(&profile)).unwrap());
    }
    assert_eq!(initial.len() as u64, s.reports);
    assert!(s.reports > 0 && s.findings > 0, "{s:?}");
    let annual: Vec<Declaration> = read_jsonl(&d.join("declarations.jsonl"));
    assert_eq!(annual.len() + initial.len(), before.len());
    let roster: HashMap<String, probity_model::roster::RosterEntry> =
        csv::Reader::from_path(d.join("roster.csv"))
            .unwrap()
            .deserialize()
            .map(|e| {
                let e: probity_model::roster::RosterEntry = e.unwrap();
                (e.id.as_str().to_owned(), e)
            })
            .collect();
    let previous: HashSet<String> =
        read_jsonl::<Declaration>(&d.join("previous/declarations.jsonl"))
            .iter()
            .map(|p| p.declarant_id.as_str().to_owned())
            .collect();
    let truth_initial: Vec<Discrepancy> = read_jsonl(&d.join("truth_initial.jsonl"));
    let truth: Vec<Discrepancy> = read_jsonl(&d.join("truth.jsonl"));
    assert_eq!(truth.len() + truth_initial.len(), truth_before.len());
    for i in &initial {
        assert_eq!(i.kind, probity_model::declaration::ReportKind::Initial);
        // Income of the calendar year before the report date, holdings as of it.
        assert_eq!(i.year, i.filed_on.year() - 1);
        // Due within the profile's days of joining, in the year after the annual reports': no
        // annual report owed for 2025, none from last year.
        let since = roster[i.declarant_id.as_str()].subject_since;
        assert_eq!(since.year(), 2026);
        let due = probity_model::obligation::initial_due(&profile, since).unwrap();
        assert!(
            since <= i.filed_on && i.filed_on <= due,
            "{since} {}",
            i.filed_on
        );
        assert!(!previous.contains(i.declarant_id.as_str()));
        assert!(!annual.iter().any(|a| a.declarant_id == i.declarant_id));
        // Its truth is the annual report's it was, under its own id.
        let was = before
            .iter()
            .find(|b| b.declarant_id == i.declarant_id)
            .unwrap();
        let mut expected: Vec<String> = truth_before
            .iter()
            .filter(|t| t.declaration_id == was.declaration_id)
            .map(|t| {
                let mut t = t.clone();
                t.declaration_id = i.declaration_id.clone();
                serde_json::to_string(&t).unwrap()
            })
            .collect();
        let mut got: Vec<String> = truth_initial
            .iter()
            .filter(|t| t.declaration_id == i.declaration_id)
            .map(|t| serde_json::to_string(t).unwrap())
            .collect();
        expected.sort();
        got.sort();
        assert_eq!(got, expected);
    }
}
