//! Matters 2 and 3: passports and permits by number; private trips by pairing each exit with the
//! next entry on the same document and matching declared trips by document and dates (±1 day).
//! A crossing on a document that is neither in `travel_documents.csv` nor in the report is official
//! travel, not a private trip.

use std::collections::{HashMap, HashSet};

use probity_model::declaration::DocumentKind;
use probity_model::finding::{Category, FindingKind};
use probity_model::profile::Condition;
use probity_model::registry::{BorderCrossingRecord, Direction, DocumentStatus, Source};

use crate::engine::{Ctx, Draft};
use crate::normalize;

/// Checks documents, then trips.
pub fn check(ctx: &mut Ctx<'_>) {
    documents(ctx);
    trips(ctx);
}

fn documents(ctx: &mut Ctx<'_>) {
    let Some(rows) = ctx.ex.travel_documents.as_ref() else {
        return;
    };
    let declared: Vec<String> = ctx
        .d
        .travel_documents
        .iter()
        .map(|t| normalize::number(&t.number))
        .collect();
    let mut matched = vec![false; declared.len()];
    let attributed: Vec<(u32, usize)> = ctx.family.rows_of(Source::TravelDocuments).collect();
    let filed_on = ctx.d.filed_on;
    for (r, m) in attributed {
        // Documents are held as of the report date: one issued later is not this report's.
        let Some(row) = rows
            .get(r as usize)
            .filter(|row| row.issued_on.is_none_or(|on| on <= filed_on))
        else {
            continue;
        };
        let number = normalize::number(&row.number);
        let hit = declared.iter().position(|n| *n == number);
        if let Some(i) = hit {
            matched[i] = true;
            let item = &ctx.d.travel_documents[i];
            if item.kind != row.kind {
                ctx.push(Draft {
                    category: Category::TravelDocuments,
                    kind: FindingKind::Differs,
                    member: Some(m),
                    field: "kind",
                    declared: kind_name(item.kind).into(),
                    registry: kind_name(row.kind).into(),
                    path: format!("$.travel_documents[{i}]"),
                    records: vec![row.record_id.clone()],
                    facts: Vec::new(),
                    note: format!(
                        "Document {} is registered as a {}.",
                        row.number,
                        kind_name(row.kind)
                    ),
                });
            }
            continue;
        }
        if row.status == DocumentStatus::Cancelled || !ctx.covers(Category::TravelDocuments, m) {
            continue;
        }
        let (fact, what) = if row.kind.is_permit() {
            (Condition::Permit, permit_name(row.kind))
        } else {
            (Condition::Passport, "Ordinary passport")
        };
        ctx.push(Draft {
            category: Category::TravelDocuments,
            kind: FindingKind::Unreported,
            member: Some(m),
            field: "",
            declared: String::new(),
            registry: row.number.clone(),
            path: String::new(),
            records: vec![row.record_id.clone()],
            facts: vec![fact],
            note: format!("{what} {} is not in the report.", row.number),
        });
    }
    // A blank-ID row with a declared number confirms that document.
    let blank = ctx.blank_rows(Source::TravelDocuments, declared.iter().map(String::as_str));
    for row in blank.iter().filter_map(|r| rows.get(*r as usize)) {
        let number = normalize::number(&row.number);
        if let Some(i) = declared.iter().position(|n| *n == number)
            && own_name(ctx, &row.holder_name)
        {
            matched[i] = true;
        }
    }
    for (i, hit) in matched.into_iter().enumerate() {
        if !hit {
            let item = &ctx.d.travel_documents[i];
            let member = ctx.member(&item.holder);
            ctx.push(Draft {
                category: Category::TravelDocuments,
                kind: FindingKind::Unconfirmed,
                member,
                field: "",
                declared: item.number.clone(),
                registry: String::new(),
                path: format!("$.travel_documents[{i}]"),
                records: Vec::new(),
                facts: Vec::new(),
                note: format!("No exit-entry record supports document {}.", item.number),
            });
        }
    }
}

fn own_name(ctx: &Ctx<'_>, name: &str) -> bool {
    let key = normalize::name(name);
    ctx.family
        .own()
        .is_some_and(|m| ctx.family.members[m].name_key == key)
}

fn kind_name(k: DocumentKind) -> &'static str {
    match k {
        DocumentKind::Passport => "passport",
        DocumentKind::HkMacaoPermit => "hk_macao_permit",
        DocumentKind::TaiwanPermit => "taiwan_permit",
    }
}

fn permit_name(k: DocumentKind) -> &'static str {
    match k {
        DocumentKind::TaiwanPermit => "Taiwan permit",
        _ => "Hong Kong/Macao permit",
    }
}

/// One registered trip: an exit and the next entry on the same document.
struct RegisteredTrip<'r> {
    exit: &'r BorderCrossingRecord,
    entry: &'r BorderCrossingRecord,
    member: usize,
}

fn trips(ctx: &mut Ctx<'_>) {
    let Some(rows) = ctx.ex.border_crossings.as_ref() else {
        return;
    };
    let filed_on = ctx.d.filed_on;
    // A document number is a strong key wherever the report states it: with the documents or
    // with a trip.
    let declared_docs: HashSet<String> = ctx
        .d
        .travel_documents
        .iter()
        .map(|t| normalize::number(&t.number))
        .chain(
            ctx.d
                .trips
                .iter()
                .map(|t| normalize::number(&t.document_number)),
        )
        .collect();
    // Documents that make a crossing private: ordinary documents the registry knows, and declared ones.
    let mut private_docs = declared_docs.clone();
    let mut permits: HashSet<String> = HashSet::new();
    if let Some(docs) = ctx.ex.travel_documents.as_ref() {
        for (r, _) in ctx.family.rows_of(Source::TravelDocuments) {
            if let Some(d) = docs.get(r as usize) {
                private_docs.insert(normalize::number(&d.number));
                if d.kind.is_permit() {
                    permits.insert(normalize::number(&d.number));
                }
            }
        }
    }
    for t in &ctx.d.travel_documents {
        if t.kind.is_permit() {
            permits.insert(normalize::number(&t.number));
        }
    }
    // Crossings of covered members, plus blank-ID crossings on a declared document under the
    // declarant's name.
    let mut crossings: Vec<(&BorderCrossingRecord, usize)> = ctx
        .family
        .rows_of(Source::BorderCrossings)
        .filter(|(_, m)| ctx.covers(Category::Trips, *m))
        .filter_map(|(r, m)| rows.get(r as usize).map(|row| (row, m)))
        .collect();
    let own = ctx.family.own();
    if let Some(own) = own {
        let blank = ctx.blank_rows(
            Source::BorderCrossings,
            declared_docs.iter().map(String::as_str),
        );
        for row in blank.iter().filter_map(|r| rows.get(*r as usize)) {
            if declared_docs.contains(&normalize::number(&row.document_number))
                && own_name(ctx, &row.person_name)
            {
                crossings.push((row, own));
            }
        }
    }
    crossings.retain(|(c, _)| {
        c.date <= filed_on && private_docs.contains(&normalize::number(&c.document_number))
    });
    let mut by_doc: HashMap<(String, usize), Vec<&BorderCrossingRecord>> = HashMap::new();
    for (c, m) in crossings {
        by_doc
            .entry((normalize::number(&c.document_number), m))
            .or_default()
            .push(c);
    }
    let mut registered: Vec<RegisteredTrip<'_>> = Vec::new();
    for ((_, member), mut list) in by_doc {
        list.sort_by_key(|c| (c.date, c.direction == Direction::Entry));
        let mut pending: Option<&BorderCrossingRecord> = None;
        for c in list {
            match c.direction {
                Direction::Exit => pending = Some(c),
                Direction::Entry => {
                    if let Some(exit) = pending.take() {
                        registered.push(RegisteredTrip {
                            exit,
                            entry: c,
                            member,
                        });
                    }
                }
            }
        }
    }
    registered
        .sort_by(|a, b| (a.exit.date, &a.exit.record_id).cmp(&(b.exit.date, &b.exit.record_id)));

    let mut matched = vec![false; ctx.d.trips.len()];
    for trip in &registered {
        let doc = normalize::number(&trip.exit.document_number);
        let hit = ctx.d.trips.iter().enumerate().position(|(i, t)| {
            !matched[i]
                && normalize::number(&t.document_number) == doc
                && t.departed_on.days_until(trip.exit.date).abs() <= 1
                && t.returned_on.days_until(trip.entry.date).abs() <= 1
        });
        if let Some(i) = hit {
            matched[i] = true;
            continue;
        }
        let destination = trip.exit.destination.or(trip.entry.destination);
        let hkmt = match destination {
            Some(c) => c.is_hk_macao_taiwan(),
            None => permits.contains(&doc),
        };
        let place = destination
            .map(|c| c.to_string())
            .unwrap_or_else(|| "abroad".into());
        let (fact, what) = if hkmt {
            (Condition::HkMacaoTaiwan, format!("A trip to {place}"))
        } else {
            (Condition::Abroad, format!("A trip abroad to {place}"))
        };
        ctx.push(Draft {
            category: Category::Trips,
            kind: FindingKind::Unreported,
            member: Some(trip.member),
            field: "",
            declared: String::new(),
            registry: format!("{}..{}", trip.exit.date, trip.entry.date),
            path: String::new(),
            records: vec![trip.exit.record_id.clone(), trip.entry.record_id.clone()],
            facts: vec![fact],
            note: format!(
                "{what} from {} to {} is not in the report.",
                trip.exit.date, trip.entry.date
            ),
        });
    }
    for (i, hit) in matched.into_iter().enumerate() {
        if !hit {
            let t = &ctx.d.trips[i];
            let member = ctx.member(&t.traveller);
            ctx.push(Draft {
                category: Category::Trips,
                kind: FindingKind::Unconfirmed,
                member,
                field: "",
                declared: format!("{}..{}", t.departed_on, t.returned_on),
                registry: String::new(),
                path: format!("$.trips[{i}]"),
                records: Vec::new(),
                facts: Vec::new(),
                note: format!(
                    "No border crossings support the trip from {} to {}.",
                    t.departed_on, t.returned_on
                ),
            });
        }
    }
}
