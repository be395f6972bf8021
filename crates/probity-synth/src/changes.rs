//! Change reports of the year after the annual reports (`probity synth --changes`, the demo):
//! for some subjects an event of a change matter in that year — a passport issued to the
//! declarant, a child's marriage to a foreigner, a spouse's or child's long stay abroad —
//! written into the registries, and the change report that follows it: filed within the profile's
//! days, filed late, or never filed. `changes/declarations.jsonl` holds the change reports and
//! `truth_changes.jsonl` what the timeliness check of a verification run of that year must find
//! (`probity_check::changes`): a `late` finding on a late report, a missing change report
//! (`unreported`, no report) for one never filed.
//!
//! It reads the annual reports [`crate::generate`] wrote (the families it follows) and draws from
//! its own stream per subject, so every other file is unchanged but for the registry rows it adds,
//! each dated after its subject's annual report and so changing nothing the annual reports are
//! compared on. The rows carry the person's exact ID and name: no noise, so the truth is exact.

use std::io::Write;
use std::path::Path;

use probity_model::declaration::{Declaration, DocumentKind, Relation, ResidenceStatus};
use probity_model::finding::{Category, Discrepancy, FindingKind};
use probity_model::profile::{Condition, Profile};
use probity_model::registry::{
    DocumentStatus, MarriageEvent, MarriageRecord, ResidenceAbroadRecord, TravelDocumentRecord,
};
use probity_model::{Country, Date};
use rand::Rng;
use serde_json::{Value, json};

use crate::rng::{mix, stream};
use crate::{SynthConfig, SynthError};

/// The stream purpose of this module (each purpose draws apart from the others).
const PURPOSE: u64 = 0xC4A6_6E00;

/// What [`generate_change_reports`] wrote.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct ChangeSummary {
    /// Change reports written (`changes/declarations.jsonl`).
    pub reports: u64,
    /// Of them, filed after the profile's days.
    pub late: u64,
    /// Events with no change report at all.
    pub missing: u64,
}

/// What happens to one event.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Fate {
    OnTime,
    Late,
    Missing,
}

/// One event and what it looks like in a change report.
struct Event {
    category: Category,
    section: &'static str,
    person_id: String,
    persons: Vec<Value>,
    item: Value,
    record_id: String,
    /// As the check writes it in `registry` for a missing report.
    what: String,
}

/// Adds the next year's change events, reports and truth to the population in `out` (which
/// [`crate::generate`] wrote for `config`).
pub fn generate_change_reports(
    config: &SynthConfig,
    out: &Path,
) -> Result<ChangeSummary, SynthError> {
    let profile = Profile::builtin("cn")?;
    let year = config.year + 1;
    let io = |path: &Path| {
        let path = path.to_owned();
        move |source| SynthError::Io { path, source }
    };
    let annual_path = out.join("declarations.jsonl");
    let text = std::fs::read_to_string(&annual_path).map_err(io(&annual_path))?;
    let start = Date::from_ymd(year, 1, 1)
        .ok_or_else(|| SynthError::Config(format!("{year} has no 1 January")))?;
    let mut summary = ChangeSummary::default();
    let (mut reports, mut truth) = (Vec::new(), Vec::new());
    let (mut marriages, mut documents, mut residence) = (csv_rows(), csv_rows(), csv_rows());
    for (n, line) in text.lines().enumerate() {
        let d: Declaration = serde_json::from_str(line)?;
        let mut rng = stream(config.seed, n as u64, PURPOSE);
        if !rng.random_bool(0.12) {
            continue;
        }
        // After the subject's annual report (filed in January, or late), so that it changes
        // nothing that report is compared on, and with its deadline passed by November.
        let on = d
            .filed_on
            .max(start)
            .add_days(rng.random_range(15..200))
            .ok_or_else(|| SynthError::Internal("an event date out of range".into()))?;
        let fate = match rng.random_range(0..100) {
            0..60 => Fate::OnTime,
            60..85 => Fate::Late,
            _ => Fate::Missing,
        };
        let tag = format!("{:09}", mix(config.seed ^ n as u64) % 1_000_000_000);
        let Some(own) = d.declarant() else { continue };
        let own_json = serde_json::to_value(own)?;
        let adult_at =
            |id: &probity_model::ResidentId, years: i32| id.birth_date().age_on(on) >= years;
        let married_children: Vec<&str> = d
            .persons
            .iter()
            .filter_map(|p| p.of.as_ref().map(|o| o.as_str()))
            .collect();
        let children: Vec<&probity_model::declaration::Person> = d
            .persons
            .iter()
            .filter(|p| p.relation == Relation::Child)
            .collect();
        let marriageable = children.iter().copied().find(|c| {
            c.id.as_ref().is_some_and(|id| adult_at(id, 22))
                && !married_children.contains(&c.handle.as_str())
        });
        let abroad = d
            .persons
            .iter()
            .filter(|p| {
                p.relation == Relation::Spouse
                    || (p.relation == Relation::Child
                        && p.id.as_ref().is_some_and(|id| adult_at(id, 18)))
            })
            .find(|p| p.id.is_some());
        let choice = rng.random_range(0..3);
        let event = match (choice, marriageable, abroad) {
            (1, Some(child), _) => {
                let Some(id) = child.id.as_ref() else {
                    continue;
                };
                let spouse_name = ["John Smith", "Emily Brown", "Kenji Sato", "Anna Müller"]
                    [rng.random_range(0..4)];
                let country = ["US", "CA", "JP", "DE"][rng.random_range(0..4)];
                marriages.serialize(MarriageRecord {
                    record_id: format!("MRX{tag}"),
                    person_id: id.as_str().to_owned(),
                    person_name: child.name.clone(),
                    spouse_id: String::new(),
                    spouse_name: spouse_name.to_owned(),
                    spouse_nationality: Some(Country::parse(country)?),
                    event: MarriageEvent::Marriage,
                    date: on,
                })?;
                Event {
                    category: Category::ChildMarriages,
                    section: "child_marriages",
                    person_id: id.as_str().to_owned(),
                    persons: vec![
                        own_json.clone(),
                        serde_json::to_value(child)?,
                        json!({"ref": "csp", "relation": "child_spouse", "of": child.handle,
                               "name": spouse_name, "nationality": country}),
                    ],
                    item: json!({"child": child.handle, "spouse": "csp", "region": "foreign",
                                 "married_on": on}),
                    record_id: format!("MRX{tag}"),
                    what: format!("marriage to {spouse_name}"),
                }
            }
            (2, _, Some(person)) => {
                let Some(id) = person.id.as_ref() else {
                    continue;
                };
                let declared: Vec<String> = d
                    .residence_abroad
                    .iter()
                    .filter(|r| r.person == person.handle)
                    .map(|r| r.country.to_string())
                    .collect();
                let Some(country) = ["AU", "NZ", "SG", "GB"]
                    .into_iter()
                    .find(|c| !declared.iter().any(|x| x == c))
                else {
                    continue;
                };
                let country = Country::parse(country)?;
                residence.serialize(ResidenceAbroadRecord {
                    record_id: format!("RAX{tag}"),
                    person_id: id.as_str().to_owned(),
                    person_name: person.name.clone(),
                    country,
                    status: ResidenceStatus::LongTermResidence,
                    since: Some(on),
                })?;
                Event {
                    category: Category::ResidenceAbroad,
                    section: "residence_abroad",
                    person_id: id.as_str().to_owned(),
                    persons: vec![own_json.clone(), serde_json::to_value(person)?],
                    item: json!({"person": person.handle, "country": country,
                                 "status": "long_term_residence", "since": on}),
                    record_id: format!("RAX{tag}"),
                    what: format!("residence in {country}"),
                }
            }
            _ => {
                // Passport numbers with an X never meet the generator's own (a letter and digits).
                let number = format!("EX{}", &tag[..7]);
                let expires = Date::from_ymd(year + 10, on.month(), on.day().min(28))
                    .and_then(|e| e.add_days(-1))
                    .ok_or_else(|| SynthError::Internal("an expiry out of range".into()))?;
                documents.serialize(TravelDocumentRecord {
                    record_id: format!("TDX{tag}"),
                    holder_id: d.declarant_id.as_str().to_owned(),
                    holder_name: own.name.clone(),
                    kind: DocumentKind::Passport,
                    number: number.clone(),
                    issued_on: Some(on),
                    expires_on: Some(expires),
                    status: DocumentStatus::Valid,
                })?;
                Event {
                    category: Category::TravelDocuments,
                    section: "travel_documents",
                    person_id: d.declarant_id.as_str().to_owned(),
                    persons: vec![own_json.clone()],
                    item: json!({"holder": "self", "kind": "passport", "number": number,
                                 "issued_on": on, "expires_on": expires, "kept_by": "组织人事部门"}),
                    record_id: format!("TDX{tag}"),
                    what: format!("document {number} issued"),
                }
            }
        };
        let due = probity_model::obligation::change_due(&profile, on)
            .ok_or_else(|| SynthError::Internal("a change deadline out of range".into()))?;
        let filed_on = match fate {
            Fate::OnTime => on.add_days(rng.random_range(3..=28)),
            Fate::Late => on.add_days(rng.random_range(35..=90)),
            Fate::Missing => None,
        };
        let declarant_id = d.declarant_id.as_str().to_owned();
        let Some(filed_on) = filed_on else {
            summary.missing += 1;
            let rule = profile.classify(
                event.category,
                FindingKind::Unreported,
                &[Condition::ChangeReportMissing],
            );
            truth.push(Discrepancy {
                declaration_id: String::new(),
                declarant_id,
                category: event.category,
                person_id: event.person_id,
                kind: FindingKind::Unreported,
                field: String::new(),
                declared: String::new(),
                registry: format!("{} {on}", event.what),
                declared_path: String::new(),
                registry_record_ids: vec![event.record_id],
                classification: rule.classification,
                rule: rule.id.clone(),
                note: format!(
                    "No change report of {} on {on} was filed by {due}.",
                    event.what
                ),
            });
            continue;
        };
        let declaration_id = format!("C{year}-{:06}", n + 1);
        let mut report = json!({
            "format": probity_model::declaration::FORMAT, "profile": profile.id,
            "declaration_id": declaration_id, "declarant_id": declarant_id,
            "kind": "change", "year": year, "filed_on": filed_on,
            "change": {"on": on, "sections": [event.section]},
            "persons": event.persons, "other_matters": "",
        });
        report[event.section] = json!([event.item]);
        probity_model::validation::parse_and_validate(&report, |_| Some(&profile)).map_err(
            |issues| {
                SynthError::Internal(format!(
                    "a generated change report does not validate: {}",
                    issues.first().map(|i| i.to_string()).unwrap_or_default()
                ))
            },
        )?;
        serde_json::to_writer(&mut reports, &report)?;
        reports.push(b'\n');
        summary.reports += 1;
        if fate == Fate::Late {
            summary.late += 1;
            let rule = profile.classify(event.category, FindingKind::Late, &[]);
            truth.push(Discrepancy {
                declaration_id,
                declarant_id,
                category: event.category,
                person_id: event.person_id,
                kind: FindingKind::Late,
                field: "filed_on".into(),
                declared: filed_on.to_string(),
                registry: on.to_string(),
                declared_path: format!("$.{}[0]", event.section),
                registry_record_ids: vec![event.record_id],
                classification: rule.classification,
                rule: rule.id.clone(),
                note: format!(
                    "{} on {on} was reported on {filed_on}, after {due}.",
                    event.what
                ),
            });
        }
    }
    let changes = out.join("changes");
    std::fs::create_dir_all(&changes).map_err(io(&changes))?;
    let path = changes.join("declarations.jsonl");
    std::fs::write(&path, &reports).map_err(io(&path))?;
    let mut lines = Vec::new();
    for t in &truth {
        serde_json::to_writer(&mut lines, t)?;
        lines.push(b'\n');
    }
    let path = out.join("truth_changes.jsonl");
    std::fs::write(&path, &lines).map_err(io(&path))?;
    for (file, rows) in [
        ("marriages.csv", marriages),
        ("travel_documents.csv", documents),
        ("residence_abroad.csv", residence),
    ] {
        let path = out.join("registries").join(file);
        let bytes = rows
            .into_inner()
            .map_err(|e| SynthError::Internal(format!("cannot flush rows: {e}")))?;
        std::fs::OpenOptions::new()
            .append(true)
            .open(&path)
            .and_then(|mut f| f.write_all(&bytes))
            .map_err(io(&path))?;
    }
    Ok(summary)
}

/// A CSV writer of rows without a header (they are appended to a file that has one).
fn csv_rows() -> csv::Writer<Vec<u8>> {
    csv::WriterBuilder::new()
        .has_headers(false)
        .from_writer(Vec::new())
}

/// The timeliness truth of one subject's annual report for its own year: each event of a change
/// matter dated in the year (its registry row kept exact by the noise) that the report carries,
/// when the report came after the change was due. Nothing else carried it (the generator writes
/// no change report in the report's own year), so the annual report is its first carrier and
/// the timeliness check must find it `late` there (`probity_check::changes`).
pub(crate) fn late_in_annual_report(
    decl: &Declaration,
    rows: &crate::registry::Rows,
    profile: &Profile,
) -> Vec<Discrepancy> {
    let followed = profile.change_categories();
    let year = decl.year;
    let person_of = |id: &str| {
        decl.persons
            .iter()
            .find(|p| p.id.as_ref().is_some_and(|x| x.as_str() == id))
    };
    // (category, person ID, date, record ID, declared path) of each event the report carries.
    let mut carried: Vec<(Category, String, Date, String, String)> = Vec::new();
    for row in rows.marriages.iter().filter(|r| r.owner.is_some()) {
        let r = &row.rec;
        let Some(person) = person_of(&r.person_id) else {
            continue;
        };
        let path = match person.relation {
            Relation::Own => decl
                .marriage
                .as_ref()
                .and_then(|m| m.last_change.as_ref())
                .filter(|c| c.on == r.date)
                .map(|_| (Category::Marriage, "$.marriage".to_owned())),
            Relation::Child if r.event == MarriageEvent::Marriage => {
                let foreign = match r.spouse_nationality.map(|c| c.to_string()).as_deref() {
                    None | Some("") => r.spouse_id.trim().is_empty(),
                    Some(code) => code != "CN",
                };
                decl.child_marriages
                    .iter()
                    .position(|cm| cm.child == person.handle)
                    .filter(|_| foreign)
                    .map(|i| (Category::ChildMarriages, format!("$.child_marriages[{i}]")))
            }
            _ => None,
        };
        if let Some((category, path)) = path {
            carried.push((
                category,
                r.person_id.clone(),
                r.date,
                r.record_id.clone(),
                path,
            ));
        }
    }
    for row in rows.travel_documents.iter().filter(|r| r.owner.is_some()) {
        let r = &row.rec;
        let (Some(person), Some(issued)) = (person_of(&r.holder_id), r.issued_on) else {
            continue;
        };
        if person.relation != Relation::Own {
            continue;
        }
        if let Some(i) = decl
            .travel_documents
            .iter()
            .position(|t| t.number == r.number)
        {
            carried.push((
                Category::TravelDocuments,
                r.holder_id.clone(),
                issued,
                r.record_id.clone(),
                format!("$.travel_documents[{i}]"),
            ));
        }
    }
    for row in rows.residence_abroad.iter().filter(|r| r.owner.is_some()) {
        let r = &row.rec;
        let (Some(person), Some(since)) = (person_of(&r.person_id), r.since) else {
            continue;
        };
        if !matches!(person.relation, Relation::Spouse | Relation::Child) {
            continue;
        }
        if let Some(i) = decl
            .residence_abroad
            .iter()
            .position(|x| x.person == person.handle && x.country == r.country)
        {
            carried.push((
                Category::ResidenceAbroad,
                r.person_id.clone(),
                since,
                r.record_id.clone(),
                format!("$.residence_abroad[{i}]"),
            ));
        }
    }
    for row in rows.criminal_cases.iter().filter(|r| r.owner.is_some()) {
        let r = &row.rec;
        let Some(person) = person_of(&r.person_id) else {
            continue;
        };
        if !matches!(
            person.relation,
            Relation::Spouse | Relation::Child | Relation::ChildSpouse
        ) {
            continue;
        }
        if let Some(i) = decl
            .criminal_cases
            .iter()
            .position(|c| c.person == person.handle && c.since == r.since)
        {
            carried.push((
                Category::CriminalCases,
                r.person_id.clone(),
                r.since,
                r.record_id.clone(),
                format!("$.criminal_cases[{i}]"),
            ));
        }
    }
    let mut out = Vec::new();
    for (category, person_id, on, record_id, path) in carried {
        if on.year() != year || !followed.contains(&category) || decl.filed_on < on {
            continue;
        }
        let Some(due) = probity_model::obligation::change_due(profile, on) else {
            continue;
        };
        if decl.filed_on <= due {
            continue;
        }
        let rule = profile.classify(category, FindingKind::Late, &[]);
        out.push(Discrepancy {
            declaration_id: decl.declaration_id.clone(),
            declarant_id: decl.declarant_id.as_str().to_owned(),
            category,
            person_id,
            kind: FindingKind::Late,
            field: "filed_on".into(),
            declared: decl.filed_on.to_string(),
            registry: on.to_string(),
            declared_path: path,
            registry_record_ids: vec![record_id],
            classification: rule.classification,
            rule: rule.id.clone(),
            note: format!(
                "The change of {on} was due to be reported by {due}; it was first reported in the \
                 annual report of {}.",
                decl.filed_on
            ),
        });
    }
    out.sort_by(|a, b| (&a.registry, &a.declared_path).cmp(&(&b.registry, &b.declared_path)));
    out
}
