//! The timeliness of change reports (PRODUCT.md "When": a change in matters 1–8 is reported
//! within the profile's `change_within_days`). Pure like the rest of the engine: the registry
//! extracts, one subject's reports in force, the cycle's period and `today` in; findings out.
//!
//! The events followed are the registry's records of the matters whose `change_report` the
//! profile sets, each dated: the declarant's marriage or divorce (`marriages.csv`); a child's
//! marriage to a foreign, stateless or Hong Kong, Macao or Taiwan spouse (`marriages.csv`); a
//! spouse's or child's emigration or residence abroad (`residence_abroad.csv`, `since`); a
//! passport or permit issued to the declarant (`travel_documents.csv`, `issued_on`); criminal
//! proceedings against a spouse, child or child's spouse (`criminal_cases.csv`, `since`). An event
//! is followed when it falls in the period and its change deadline
//! ([`probity_model::obligation::change_due`]) has passed by `today`.
//!
//! Each followed event is looked for in the subject's reports in force by the key of its section
//! (the date of the marital change; the child; person and country; the document number; person and
//! start date):
//!
//! - carried first by a report filed after the deadline: kind [`FindingKind::Late`] on that report
//!   (`field` `filed_on`, `declared` its report date, `registry` the event's date);
//! - carried by none, and no annual or initial report in force dated on or after the event (which
//!   the cross-check itself compares, so that its own `unreported` finding stands for the fact):
//!   kind [`FindingKind::Unreported`] with the fact [`Condition::ChangeReportMissing`] and an empty
//!   `declaration_id`: a change report that was never filed belongs to the subject's case of the
//!   cycle, not to a report;
//! - carried in time: nothing.
//!
//! The profile classifies both (`cn`: a late report is for review, a missing one an omission).

use std::collections::HashSet;

use probity_model::declaration::{Declaration, Relation, ReportKind};
use probity_model::finding::{Category, Discrepancy, FindingKind};
use probity_model::obligation::change_due;
use probity_model::profile::{Condition, Profile};
use probity_model::registry::{MarriageEvent, Source};
use probity_model::time::Date;

use crate::engine::Checker;
use crate::normalize;
use crate::resolve::Family;

/// One dated registry event of a change matter, about one person.
#[derive(Debug, Clone)]
struct Event {
    category: Category,
    /// The resident ID of the person it is about (as the report declares them).
    person_id: String,
    date: Date,
    key: Key,
    record_ids: Vec<String>,
    /// What happened, for `registry` and the note.
    what: String,
}

/// How an event is recognised in a report.
#[derive(Debug, Clone, PartialEq)]
enum Key {
    /// The declarant's marital change on the event's date.
    Marriage,
    /// A child's marriage: the child.
    ChildMarriage,
    /// Residence abroad: the country.
    Residence(String),
    /// A document: its number in normal form.
    Document(String),
    /// Criminal proceedings: their start date.
    Criminal,
}

impl Checker<'_> {
    /// The timeliness findings of one subject: `reports` are the subject's reports in force (any
    /// kind; the family is read from all of them), `period` the cycle's first and last day,
    /// `today` the day of the run. See the module documentation for the rule.
    pub fn change_timeliness(
        &self,
        reports: &[&Declaration],
        period: (Date, Date),
        today: Date,
        profile: &Profile,
    ) -> Vec<Discrepancy> {
        let Some(first) = reports.first() else {
            return Vec::new();
        };
        let followed = profile.change_categories();
        let mut events: Vec<Event> = Vec::new();
        let mut seen: HashSet<String> = HashSet::new();
        for d in reports {
            for e in self.events_of(d, profile.home_country.as_str()) {
                let new = e
                    .record_ids
                    .first()
                    .is_some_and(|id| seen.insert(id.clone()));
                if new && followed.contains(&e.category) && e.date >= period.0 && e.date <= period.1
                {
                    events.push(e);
                }
            }
        }
        events.sort_by(|a, b| (a.date, &a.record_ids).cmp(&(b.date, &b.record_ids)));
        let mut out = Vec::new();
        for e in events {
            let Some(due) = change_due(profile, e.date) else {
                continue;
            };
            let carrier = reports
                .iter()
                // A report dated before the event cannot carry it, whatever it lists.
                .filter(|d| d.filed_on >= e.date)
                .filter_map(|d| carried_at(d, &e).map(|path| (*d, path)))
                .min_by(|a, b| {
                    (a.0.filed_on, &a.0.declaration_id).cmp(&(b.0.filed_on, &b.0.declaration_id))
                });
            match carrier {
                Some((d, _)) if d.filed_on <= due => {}
                Some((d, path)) => {
                    let rule = profile.classify(e.category, FindingKind::Late, &[]);
                    out.push(Discrepancy {
                        declaration_id: d.declaration_id.clone(),
                        declarant_id: d.declarant_id.as_str().to_owned(),
                        category: e.category,
                        person_id: e.person_id.clone(),
                        kind: FindingKind::Late,
                        field: "filed_on".into(),
                        declared: d.filed_on.to_string(),
                        registry: e.date.to_string(),
                        declared_path: path,
                        registry_record_ids: e.record_ids.clone(),
                        classification: rule.classification,
                        rule: rule.id.clone(),
                        note: format!(
                            "The change of {} ({}) was due to be reported by {due}; it was first reported on {}.",
                            e.date, e.what, d.filed_on
                        ),
                    });
                }
                None if today > due => {
                    let covered = reports.iter().any(|d| {
                        d.kind != ReportKind::Change
                            && d.filed_on >= e.date
                            && d.carries(e.category)
                    });
                    if covered {
                        continue;
                    }
                    let facts = [Condition::ChangeReportMissing];
                    let rule = profile.classify(e.category, FindingKind::Unreported, &facts);
                    out.push(Discrepancy {
                        declaration_id: String::new(),
                        declarant_id: first.declarant_id.as_str().to_owned(),
                        category: e.category,
                        person_id: e.person_id.clone(),
                        kind: FindingKind::Unreported,
                        field: String::new(),
                        declared: String::new(),
                        registry: format!("{} {}", e.what, e.date),
                        declared_path: String::new(),
                        registry_record_ids: e.record_ids.clone(),
                        classification: rule.classification,
                        rule: rule.id.clone(),
                        note: format!(
                            "No change report of the change of {} ({}) was filed by {due}.",
                            e.date, e.what
                        ),
                    });
                }
                None => {}
            }
        }
        out
    }

    /// The dated change events the registries hold about the family of `d`.
    fn events_of(&self, d: &Declaration, home_country: &str) -> Vec<Event> {
        let (ex, index) = self.parts();
        let family = Family::resolve(d, ex, index);
        let id_of = |m: usize| {
            family
                .members
                .get(m)
                .and_then(|x| x.id())
                .unwrap_or_default()
                .to_owned()
        };
        let relation_of = |m: usize| family.members.get(m).map(|x| x.person.relation);
        let mut events = Vec::new();
        if let Some(rows) = ex.marriages.as_ref() {
            for (r, m) in family.rows_of(Source::Marriages) {
                let Some(row) = rows.get(r as usize) else {
                    continue;
                };
                let event = match row.event {
                    MarriageEvent::Marriage => "marriage",
                    MarriageEvent::Divorce => "divorce",
                };
                match relation_of(m) {
                    Some(Relation::Own) => events.push(Event {
                        category: Category::Marriage,
                        person_id: id_of(m),
                        date: row.date,
                        key: Key::Marriage,
                        record_ids: vec![row.record_id.clone()],
                        what: event.into(),
                    }),
                    Some(Relation::Child) if row.event == MarriageEvent::Marriage => {
                        let nationality = row.spouse_nationality.map(|c| c.to_string());
                        let foreign = match nationality.as_deref() {
                            None | Some("") => row.spouse_id.trim().is_empty(),
                            Some(code) => code != home_country,
                        };
                        if foreign {
                            events.push(Event {
                                category: Category::ChildMarriages,
                                person_id: id_of(m),
                                date: row.date,
                                key: Key::ChildMarriage,
                                record_ids: vec![row.record_id.clone()],
                                what: format!("marriage to {}", row.spouse_name),
                            });
                        }
                    }
                    _ => {}
                }
            }
        }
        if let Some(rows) = ex.residence_abroad.as_ref() {
            for (r, m) in family.rows_of(Source::ResidenceAbroad) {
                let (Some(row), Some(Relation::Spouse | Relation::Child)) =
                    (rows.get(r as usize), relation_of(m))
                else {
                    continue;
                };
                let Some(since) = row.since else { continue };
                events.push(Event {
                    category: Category::ResidenceAbroad,
                    person_id: id_of(m),
                    date: since,
                    key: Key::Residence(row.country.to_string()),
                    record_ids: vec![row.record_id.clone()],
                    what: format!("residence in {}", row.country),
                });
            }
        }
        if let Some(rows) = ex.travel_documents.as_ref() {
            for (r, m) in family.rows_of(Source::TravelDocuments) {
                let (Some(row), Some(Relation::Own)) = (rows.get(r as usize), relation_of(m))
                else {
                    continue;
                };
                let Some(issued) = row.issued_on else {
                    continue;
                };
                events.push(Event {
                    category: Category::TravelDocuments,
                    person_id: id_of(m),
                    date: issued,
                    key: Key::Document(normalize::number(&row.number)),
                    record_ids: vec![row.record_id.clone()],
                    what: format!("document {} issued", row.number),
                });
            }
        }
        if let Some(rows) = ex.criminal_cases.as_ref() {
            for (r, m) in family.rows_of(Source::CriminalCases) {
                let (Some(row), Some(Relation::Spouse | Relation::Child | Relation::ChildSpouse)) =
                    (rows.get(r as usize), relation_of(m))
                else {
                    continue;
                };
                events.push(Event {
                    category: Category::CriminalCases,
                    person_id: id_of(m),
                    date: row.since,
                    key: Key::Criminal,
                    record_ids: vec![row.record_id.clone()],
                    what: format!("criminal case {}", row.case_number),
                });
            }
        }
        events
    }
}

/// The JSON path of the item of `d` that carries event `e`, if `d` carries it.
fn carried_at(d: &Declaration, e: &Event) -> Option<String> {
    if !d.carries(e.category) {
        return None;
    }
    let is_person = |handle: &probity_model::declaration::PersonRef| {
        d.person(handle)
            .and_then(|p| p.id.as_ref())
            .is_some_and(|id| id.as_str() == e.person_id)
    };
    match &e.key {
        Key::Marriage => d
            .marriage
            .as_ref()
            .and_then(|m| m.last_change.as_ref())
            .filter(|c| c.on == e.date)
            .map(|_| "$.marriage".to_owned()),
        Key::ChildMarriage => d
            .child_marriages
            .iter()
            .position(|cm| is_person(&cm.child))
            .map(|i| format!("$.child_marriages[{i}]")),
        Key::Residence(country) => d
            .residence_abroad
            .iter()
            .position(|r| is_person(&r.person) && r.country.to_string() == *country)
            .map(|i| format!("$.residence_abroad[{i}]")),
        Key::Document(number) => d
            .travel_documents
            .iter()
            .position(|t| normalize::number(&t.number) == *number)
            .map(|i| format!("$.travel_documents[{i}]")),
        Key::Criminal => d
            .criminal_cases
            .iter()
            .position(|c| is_person(&c.person) && c.since == e.date)
            .map(|i| format!("$.criminal_cases[{i}]")),
    }
}
