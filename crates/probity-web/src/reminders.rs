//! The reminder list: for a cycle, every subject who has yet to file (not started, a draft
//! only, or late), unit by unit, with what to remind them of and the deadline. Staff see the
//! units they manage, as in the progress view. Issuing the list — as a CSV to hand to units or
//! as printable notices — records one `reminder.issued` event per unit (cycle, unit, count) in
//! the audit log. Declarants see the reminder's other side on their own page: a notice that
//! their report is due, or late.

use std::collections::BTreeMap;
use std::sync::Arc;

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Form, Query, State};
use axum::response::{IntoResponse, Response};
use probity_store::{Progress, Standing, User};
use serde::Deserialize;

use crate::i18n::Tr;
use crate::kernel::{Officers, Staff};
use crate::{App, WebError, load_progress};

/// One subject to remind.
pub struct ReminderRow {
    /// Unit.
    pub unit: String,
    /// Name.
    pub name: String,
    /// Post.
    pub position: String,
    /// Where they stand (draft, not started, missing).
    pub standing: Standing,
    /// What to remind them of, in the reader's language.
    pub what: String,
    /// Days past the deadline (0 before it).
    pub days_late: i64,
    /// The report due (`annual`, `initial`).
    pub kind: &'static str,
    /// Its due date.
    pub due: String,
}

/// A unit's part of the list.
pub struct UnitReminders {
    /// The unit.
    pub unit: String,
    /// Its subjects to remind.
    pub rows: Vec<ReminderRow>,
    /// When a list for it was last issued, and by whom.
    pub last_issued: Option<String>,
    /// The caption of its table.
    pub caption: String,
}

/// Days from `from` to `to` (`YYYY-MM-DD`); 0 if either does not parse.
fn days_between(from: &str, to: &str) -> i64 {
    let parse = |d: &str| chrono::NaiveDate::parse_from_str(d, "%Y-%m-%d").ok();
    match (parse(from), parse(to)) {
        (Some(a), Some(b)) => (b - a).num_days(),
        _ => 0,
    }
}

/// The subjects of `progress` who have yet to file, by unit (only `unit` if given).
fn reminders(t: Tr, progress: &Progress, today: &str, unit: Option<&str>) -> Vec<UnitReminders> {
    let mut units: BTreeMap<String, Vec<ReminderRow>> = BTreeMap::new();
    for r in progress
        .rows
        .iter()
        .filter(|r| r.standing.unfiled() && unit.is_none_or(|u| u == r.unit))
    {
        // Each row is late against its own due date: an initial report is due
        // `initial_within_days` after the subject joined, not by the cycle's deadline.
        let late = days_between(&r.due, today).max(0);
        let initial = r.kind == probity_model::declaration::ReportKind::Initial;
        let key = match (r.standing, late > 0) {
            _ if initial => "remind-initial",
            (Standing::Draft, false) => "remind-draft",
            (Standing::Draft, true) => "remind-draft-late",
            (Standing::Missing, _) | (Standing::NotStarted, true) => "remind-missing",
            _ => "remind-not-started",
        };
        let what = t.with_text(
            key,
            &[
                ("year", progress.year.to_string()),
                ("deadline", r.due.clone()),
            ],
        );
        units.entry(r.unit.clone()).or_default().push(ReminderRow {
            unit: r.unit.clone(),
            name: r.name.clone(),
            position: r.position.clone(),
            standing: r.standing,
            what,
            days_late: late,
            kind: crate::kind_name(&r.kind),
            due: r.due.clone(),
        });
    }
    units
        .into_iter()
        .map(|(unit, mut rows)| {
            rows.sort_by(|a, b| a.name.cmp(&b.name));
            let caption = t.with_text(
                "reminders-caption",
                &[("unit", unit.clone()), ("count", people(&rows).to_string())],
            );
            UnitReminders {
                unit,
                rows,
                last_issued: None,
                caption,
            }
        })
        .collect()
}

/// How many people a unit's rows name: a subject may owe two reports (the cycle's annual report
/// and their initial report), and the list counts people.
fn people(rows: &[ReminderRow]) -> usize {
    let mut who: Vec<(&str, &str)> = rows
        .iter()
        .map(|r| (r.name.as_str(), r.position.as_str()))
        .collect();
    who.sort_unstable();
    who.dedup();
    who.len()
}

fn today() -> String {
    crate::now().format("%Y-%m-%d").to_string()
}

#[derive(Deserialize)]
pub(crate) struct ReminderQuery {
    cycle: Option<i32>,
    unit: Option<String>,
}

#[derive(Template, WebTemplate)]
#[template(path = "reminders/list.html")]
pub(crate) struct ReminderPage {
    t: Tr,
    user: Option<User>,
    csrf: String,
    progress: Option<Progress>,
    units: Vec<UnitReminders>,
    total: usize,
    intro: String,
    total_text: String,
    cycles: Vec<crate::cycles::CycleChoice>,
}

/// The reminder list of a cycle (the latest by default), for staff.
pub(crate) async fn reminder_page(
    State(app): State<Arc<App>>,
    Query(q): Query<ReminderQuery>,
    Staff { ctx, scope, .. }: Staff<Officers>,
) -> Result<ReminderPage, WebError> {
    let (progress, cycles) = crate::load_progress_with_choices(&app, &ctx, &scope, q.cycle).await?;
    let today = today();
    let mut units = match &progress {
        Some(p) => reminders(
            ctx.t,
            p,
            &today,
            q.unit.as_deref().filter(|u| !u.is_empty()),
        ),
        None => Vec::new(),
    };
    if let Some(p) = &progress {
        let issued = app
            .store
            .reminders_issued(p.year)
            .await
            .map_err(|e| WebError::internal(ctx.t, e))?;
        for u in &mut units {
            // Newest first: the first found is the last issued.
            u.last_issued = issued.iter().find(|i| i.unit == u.unit).map(|i| {
                let at = i.at.get(..16).unwrap_or(&i.at).replace('T', " ");
                let who = i.actor.strip_prefix("web:").unwrap_or(&i.actor);
                ctx.t.with_text(
                    "reminder-last-issued",
                    &[("at", at), ("who", who.to_owned())],
                )
            });
        }
    }
    let total: usize = units.iter().map(|u| people(&u.rows)).sum();
    let intro = progress.as_ref().map_or_else(String::new, |p| {
        ctx.t.with_text(
            "reminders-intro",
            &[
                ("year", p.year.to_string()),
                ("deadline", p.deadline.clone()),
                ("today", today.clone()),
            ],
        )
    });
    Ok(ReminderPage {
        t: ctx.t,
        user: ctx.user.clone(),
        csrf: ctx.csrf.clone(),
        total_text: ctx.t.with("reminders-total", &[("count", total as i64)]),
        total,
        intro,
        progress,
        units,
        cycles,
    })
}

#[derive(Deserialize)]
pub(crate) struct IssueForm {
    cycle: i32,
    unit: Option<String>,
    format: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "reminders/print.html")]
struct PrintPage {
    t: Tr,
    year: i32,
    units: Vec<UnitReminders>,
    title: String,
    body: String,
    issued: String,
    nobody: String,
}

/// Issues the reminder list (all the reader's units, or one): records it, then answers the CSV
/// to hand to units or the printable notices.
pub(crate) async fn issue(
    State(app): State<Arc<App>>,
    Staff { ctx, scope, .. }: Staff<Officers>,
    Form(form): Form<IssueForm>,
) -> Result<Response, WebError> {
    if !["csv", "csv-codes", "print"].contains(&form.format.as_str()) {
        return Err(WebError::BadRequest(
            ctx.t,
            ctx.t.get("reminder-bad-format"),
        ));
    }
    let progress = load_progress(&app, &ctx, &scope, Some(form.cycle))
        .await?
        .ok_or(WebError::NotFound(ctx.t))?;
    let today = today();
    let unit = form.unit.as_deref().filter(|u| !u.is_empty());
    let units = reminders(ctx.t, &progress, &today, unit);
    let counts: Vec<(String, usize)> = units
        .iter()
        .map(|u| (u.unit.clone(), people(&u.rows)))
        .collect();
    app.store
        .record_reminders(&ctx.stamp(), progress.year, &counts)
        .await
        .map_err(|e| WebError::internal(ctx.t, e))?;
    if form.format == "print" {
        let t = ctx.t;
        let year = progress.year.to_string();
        return Ok(PrintPage {
            t,
            year: progress.year,
            units,
            title: t.with_text("reminder-sheet-title", &[("year", year.clone())]),
            body: t.with_text(
                "reminder-sheet-body",
                &[("year", year), ("deadline", progress.deadline.clone())],
            ),
            issued: t.with_text("reminder-issued-on", &[("date", today)]),
            nobody: t.with("reminders-total", &[("count", 0)]),
        }
        .into_response());
    }
    let mut records: Vec<Vec<String>> = vec![
        [
            "unit",
            "name",
            "position",
            "standing",
            "year",
            "deadline",
            "days_late",
            "reminder",
        ]
        .map(str::to_owned)
        .to_vec(),
    ];
    for r in units.iter().flat_map(|u| &u.rows) {
        records.push(vec![
            r.unit.clone(),
            r.name.clone(),
            r.position.clone(),
            r.standing.as_str().to_owned(),
            progress.year.to_string(),
            r.due.clone(),
            r.days_late.to_string(),
            r.what.clone(),
        ]);
    }
    let variant = if form.format == "csv-codes" {
        crate::csv_export::Variant::Codes
    } else {
        crate::csv_export::Variant::Reader
    };
    crate::csv_export::respond(
        ctx.t,
        variant,
        &|id: &str| id.to_owned(),
        &format!("reminders-{}.csv", progress.year),
        records,
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use probity_store::ProgressRow;

    #[test]
    fn the_list_names_only_who_has_yet_to_file_with_what_to_remind() {
        let row = |unit: &str, name: &str, standing| ProgressRow {
            unit: unit.into(),
            name: name.into(),
            position: "p".into(),
            person_key: name.into(),
            standing,
            declaration_id: None,
            filed_on: None,
            kind: probity_model::declaration::ReportKind::Annual,
            due: "2026-01-31".into(),
            after_close: false,
        };
        let mut joined = row("A", "joined", Standing::NotStarted);
        joined.kind = probity_model::declaration::ReportKind::Initial;
        joined.due = "2026-02-05".into();
        let progress = Progress {
            year: 2025,
            deadline: "2026-01-31".into(),
            closed_at: None,
            rows: vec![
                row("B", "filed", Standing::Filed),
                row("B", "late", Standing::FiledLate),
                row("B", "draft", Standing::Draft),
                row("A", "none", Standing::NotStarted),
                joined,
            ],
        };
        let t = Tr {
            lang: crate::i18n::Lang::En,
        };
        let before = reminders(t, &progress, "2026-01-20", None);
        let names: Vec<(&str, &str)> = before
            .iter()
            .flat_map(|u| u.rows.iter().map(|r| (r.unit.as_str(), r.name.as_str())))
            .collect();
        assert_eq!(names, vec![("A", "joined"), ("A", "none"), ("B", "draft")]);
        assert!(before[0].rows[1].what.contains("2026-01-31"));
        assert_eq!(before[0].rows[1].days_late, 0);
        // An initial report is due by its own date, and says it is the initial report.
        assert_eq!(before[0].rows[0].kind, "initial");
        assert!(before[0].rows[0].what.contains("2026-02-05"));
        let all_late = reminders(t, &progress, "2026-02-10", None);
        assert_eq!(
            (all_late[0].rows[0].days_late, all_late[0].rows[1].days_late),
            (5, 10)
        );
        let after = reminders(t, &progress, "2026-02-10", Some("B"));
        assert_eq!(after.len(), 1);
        assert_eq!(after[0].rows[0].days_late, 10);
        assert_ne!(
            after[0].rows[0].what, before[1].rows[0].what,
            "late says so"
        );
    }
}
