//! Matter 1: the declarant's registry events against `marriage.status` and
//! `marriage.last_change`, as FORMATS.md's **Marriage** bullet says.
//!
//! The declared change is found among the declarant's registry events (the event of the same
//! kind nearest its date). Every event after it (or every event, where no change is declared) is a
//! change the report lacks: `unreported`, naming the event and its rows (the declarant's and the
//! spouse's mirror row). A status that disagrees because of such an event is that same finding.
//! Only where the latest event *is* the declared change but its date or kind disagrees is it
//! `differs` at `$.marriage`.

use probity_model::declaration::{MaritalChange, MaritalChangeKind, MaritalStatus};
use probity_model::finding::{Category, FindingKind};
use probity_model::registry::{MarriageEvent, MarriageRecord, Source};

use crate::engine::{Ctx, Draft};

/// Whether a registry event can be the declared change of `kind`: a first marriage only the
/// registry's first marriage, a remarriage only a later one.
fn same_kind(kind: MaritalChangeKind, event: MarriageEvent, first_marriage: bool) -> bool {
    matches!(
        (kind, event, first_marriage),
        (MaritalChangeKind::Marriage, MarriageEvent::Marriage, true)
            | (
                MaritalChangeKind::Remarriage,
                MarriageEvent::Marriage,
                false
            )
            | (MaritalChangeKind::Divorce, MarriageEvent::Divorce, _)
    )
}

/// The declared change among `events` (ascending by date): the event of the same kind nearest
/// its date, the later one on a tie.
fn declared_event(change: &MaritalChange, events: &[&MarriageRecord]) -> Option<usize> {
    let first = events
        .iter()
        .position(|e| e.event == MarriageEvent::Marriage);
    events
        .iter()
        .enumerate()
        .filter(|(i, e)| same_kind(change.kind, e.event, first == Some(*i)))
        .min_by_key(|(i, e)| (change.on.days_until(e.date).abs(), usize::MAX - i))
        .map(|(i, _)| i)
}

/// Compares the declarant's marital status with the marriage registry.
pub fn check(ctx: &mut Ctx<'_>) {
    let Some(rows) = ctx.ex.marriages.as_ref() else {
        return;
    };
    let Some(own) = ctx.family.own() else {
        return;
    };
    // A change report that does not carry matter 1 is not compared on it.
    let Some(declared) = &ctx.d.marriage else {
        return;
    };
    let filed_on = ctx.d.filed_on;
    let mut events: Vec<(u32, &MarriageRecord)> = ctx
        .family
        .rows_of(Source::Marriages)
        .filter(|(_, m)| *m == own)
        .filter_map(|(r, _)| rows.get(r as usize).map(|row| (r, row)))
        .filter(|(_, r)| r.date <= filed_on)
        .collect();
    events.sort_by_key(|(r, e)| (e.date, *r));
    let events: Vec<&MarriageRecord> = events.into_iter().map(|(_, e)| e).collect();
    let Some(latest) = events.last().copied() else {
        if declared.status != MaritalStatus::Unmarried {
            let on = declared
                .last_change
                .as_ref()
                .map(|c| c.on.to_string())
                .unwrap_or_default();
            ctx.push(Draft {
                category: Category::Marriage,
                kind: FindingKind::Unconfirmed,
                member: Some(own),
                field: "",
                declared: on,
                registry: String::new(),
                path: "$.marriage".into(),
                records: Vec::new(),
                facts: Vec::new(),
                note: "No marriage registration supports the declared marital status.".into(),
            });
        }
        return;
    };
    let change = declared.last_change.as_ref();
    let matched = change.and_then(|c| declared_event(c, &events));
    // The events the report lacks: after the declared change as found in the registry, after
    // its declared date where the registry holds no event of its kind, or all where none is declared.
    let lacked: Vec<&MarriageRecord> = match (change, matched) {
        (None, _) => events.clone(),
        (Some(_), Some(i)) => events[i + 1..].to_vec(),
        (Some(c), None) => events.iter().copied().filter(|e| e.date > c.on).collect(),
    };
    for event in &lacked {
        let name = super::enum_name(&event.event);
        ctx.push(Draft {
            category: Category::Marriage,
            kind: FindingKind::Unreported,
            member: Some(own),
            field: "",
            declared: String::new(),
            registry: format!("{name} {}", event.date),
            path: String::new(),
            records: event_rows(ctx, rows, event),
            facts: Vec::new(),
            note: format!(
                "A {name} registered on {} is not in the report.",
                event.date
            ),
        });
    }
    if !lacked.is_empty() {
        return;
    }
    // A widowed declarant's last change is the spouse's death, which the registry does not record.
    if declared.status == MaritalStatus::Widowed
        || change.is_some_and(|c| c.kind == MaritalChangeKind::Widowed)
    {
        return;
    }
    let records = vec![latest.record_id.clone()];
    let Some(c) = change else {
        return;
    };
    if matched.is_none() {
        // The latest event is the declared change (nothing follows its date) of another kind.
        let kind = super::enum_name(&c.kind);
        let event = super::enum_name(&latest.event);
        ctx.push(Draft {
            category: Category::Marriage,
            kind: FindingKind::Differs,
            member: Some(own),
            field: "last_change.kind",
            declared: kind.clone(),
            registry: event.clone(),
            path: "$.marriage".into(),
            records,
            facts: Vec::new(),
            note: format!(
                "The report declares a {kind} as the last marital change; the registry's latest event is a {event} of {}.",
                latest.date
            ),
        });
        return;
    }
    if c.on != latest.date {
        ctx.push(Draft {
            category: Category::Marriage,
            kind: FindingKind::Differs,
            member: Some(own),
            field: "last_change.on",
            declared: c.on.to_string(),
            registry: latest.date.to_string(),
            path: "$.marriage".into(),
            records,
            facts: Vec::new(),
            note: format!(
                "The last marital change is registered on {}, not as declared.",
                latest.date
            ),
        });
        return;
    }
    let (agrees, registry_status) = match latest.event {
        MarriageEvent::Marriage => (declared.status == MaritalStatus::Married, "married"),
        MarriageEvent::Divorce => (declared.status == MaritalStatus::Divorced, "divorced"),
    };
    if !agrees {
        // The declared change agrees with the registry but the status contradicts both.
        let status = super::enum_name(&declared.status);
        ctx.push(Draft {
            category: Category::Marriage,
            kind: FindingKind::Differs,
            member: Some(own),
            field: "status",
            declared: status.clone(),
            registry: registry_status.into(),
            path: "$.marriage".into(),
            records,
            facts: Vec::new(),
            note: format!(
                "Declared {status}; the registry's latest event makes the declarant {registry_status}."
            ),
        });
    }
}

/// The rows of one registry event: the declarant's and, where the registry mirrors it, the
/// spouse's row of the same event and date naming the declarant.
fn event_rows(ctx: &Ctx<'_>, rows: &[MarriageRecord], event: &MarriageRecord) -> Vec<String> {
    let mut ids = vec![event.record_id.clone()];
    let mut mirrors: Vec<&str> = ctx
        .index
        .with_id(&event.spouse_id)
        .filter(|r| r.source == Source::Marriages)
        .filter_map(|r| rows.get(r.row as usize))
        .filter(|m| {
            m.person_id == event.spouse_id
                && m.spouse_id == event.person_id
                && m.event == event.event
                && m.date == event.date
        })
        .map(|m| m.record_id.as_str())
        .collect();
    mirrors.sort_unstable();
    mirrors.dedup();
    ids.extend(mirrors.into_iter().map(str::to_owned));
    ids
}
