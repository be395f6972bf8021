//! Matter 1: the latest registry event of the declarant must agree with `marriage.status` and
//! `marriage.last_change`.

use probity_model::declaration::{MaritalChangeKind, MaritalStatus};
use probity_model::finding::{Category, FindingKind};
use probity_model::registry::{MarriageEvent, Source};

use crate::engine::{Ctx, Draft};

/// Compares the declarant's marital status with the marriage registry.
pub fn check(ctx: &mut Ctx<'_>) {
    let Some(rows) = ctx.ex.marriages.as_ref() else {
        return;
    };
    let Some(own) = ctx.family.own() else {
        return;
    };
    let filed_on = ctx.d.filed_on;
    let latest = ctx
        .family
        .rows_of(Source::Marriages)
        .filter(|(_, m)| *m == own)
        .filter_map(|(r, _)| rows.get(r as usize))
        .filter(|r| r.date <= filed_on)
        .max_by_key(|r| r.date);
    // A change report that does not carry matter 1 is not compared on it.
    let Some(declared) = &ctx.d.marriage else {
        return;
    };
    let Some(event) = latest else {
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
    let (expected, registry_status) = match event.event {
        MarriageEvent::Marriage => (
            matches!(
                declared.status,
                MaritalStatus::Married | MaritalStatus::Widowed
            ),
            "married",
        ),
        MarriageEvent::Divorce => (declared.status == MaritalStatus::Divorced, "divorced"),
    };
    let records = vec![event.record_id.clone()];
    let status = format!("{:?}", declared.status).to_lowercase();
    if declared.status == MaritalStatus::Unmarried {
        let registry_status_event = super::enum_name(&event.event);
        ctx.push(Draft {
            category: Category::Marriage,
            kind: FindingKind::Unreported,
            member: Some(own),
            field: "",
            declared: String::new(),
            registry: format!("{registry_status_event} {}", event.date),
            path: String::new(),
            records,
            facts: Vec::new(),
            note: format!(
                "A {registry_status} registration of {} is not in the report.",
                event.date
            ),
        });
        return;
    }
    if !expected {
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
            note: format!("Declared {status}; the registry's latest event makes the declarant {registry_status}."),
        });
        return;
    }
    // A widowed declarant's last change is the spouse's death, which the registry does not record.
    if declared.status == MaritalStatus::Widowed {
        return;
    }
    let change_on = declared.last_change.as_ref().filter(|c| {
        matches!(
            (c.kind, event.event),
            (
                MaritalChangeKind::Marriage | MaritalChangeKind::Remarriage,
                MarriageEvent::Marriage
            ) | (MaritalChangeKind::Divorce, MarriageEvent::Divorce)
        )
    });
    if change_on.map(|c| c.on) != Some(event.date) {
        ctx.push(Draft {
            category: Category::Marriage,
            kind: FindingKind::Differs,
            member: Some(own),
            field: "last_change.on",
            declared: declared
                .last_change
                .as_ref()
                .map(|c| c.on.to_string())
                .unwrap_or_default(),
            registry: event.date.to_string(),
            path: "$.marriage".into(),
            records,
            facts: Vec::new(),
            note: format!(
                "The last marital change is registered on {}, not as declared.",
                event.date
            ),
        });
    }
}
