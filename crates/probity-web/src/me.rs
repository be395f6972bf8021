//! The declarant's own page, `/me`: first what needs their action (a report due or late, a draft
//! to finish, an explanation to give), then their reports with what became of each — in force,
//! corrected by a later one, a correction itself — and the outcome of its verification once
//! that is in force.

use std::collections::HashMap;

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::State;
use probity_model::declaration::ReportKind;
use probity_store::declarant::{DraftInProgress, ReportOutcome};
use probity_store::{Explanation, ReportSummary, Standing, User};

use crate::i18n::Tr;
use crate::kernel::Declarant;
use crate::workbench::Names;
use crate::{Ctx, Shared, WebError};

/// One thing the declarant has to do, as the page shows it: a sentence and a link to do it.
pub(crate) struct Action {
    /// The element's id (`notice` for the report due, `draft-annual-2025`, `explain-7`).
    pub(crate) id: String,
    /// What is to be done, in the reader's language.
    pub(crate) text: String,
    /// Whether it is overdue.
    pub(crate) late: bool,
    /// Where it is done: a path (or `#fragment`)…
    pub(crate) link: String,
    /// …and its query, written `?k=v&amp;k=v` by the template (which would escape a `&` of
    /// its own differently).
    pub(crate) query: Vec<(&'static str, String)>,
    /// The link's id.
    pub(crate) link_id: String,
    /// The link's words.
    pub(crate) link_text: String,
}

/// One of the declarant's reports with what became of it.
pub(crate) struct ReportRow {
    /// The report's id.
    pub(crate) id: String,
    /// Kind and year in words (`2025年度报告`, `Annual report for 2025`).
    pub(crate) title: String,
    /// Report date.
    pub(crate) filed_on: String,
    /// The later report that corrects it: then it is no longer in force.
    pub(crate) superseded_by: Option<String>,
    /// The report it corrects, when it is a correction.
    pub(crate) corrects: Option<String>,
    /// The verification's outcome on it, once in force: category, determination and measures
    /// in the reader's words, and since when.
    pub(crate) outcomes: Vec<OutcomeRow>,
}

/// A determination in force on a report, in the reader's words.
pub(crate) struct OutcomeRow {
    /// The matter (category) the finding is about.
    pub(crate) category: String,
    /// The determination.
    pub(crate) outcome: String,
    /// Since when it is in force.
    pub(crate) since: String,
    /// The measures taken with it.
    pub(crate) measures: Vec<String>,
}

#[derive(Template, WebTemplate)]
#[template(path = "me.html")]
pub(crate) struct MyPage {
    t: Tr,
    user: Option<User>,
    csrf: String,
    actions: Vec<Action>,
    reports: Vec<ReportRow>,
    /// Open requests first, then the answered ones; each newest first.
    explanations: Vec<Explanation>,
}

/// `GET /me`.
pub(crate) async fn page(
    State(app): State<Shared>,
    Declarant {
        ctx,
        person_key: person,
        ..
    }: Declarant,
) -> Result<MyPage, WebError> {
    let t = ctx.t;
    let fail = |e| WebError::internal(t, e);
    let profile = crate::workbench::profile(t)?;
    let reports = app.store.reports_of(&person).await.map_err(fail)?;
    let drafts = app.store.drafts_of(&person).await.map_err(fail)?;
    let outcomes = app
        .store
        .report_outcomes(profile, &person)
        .await
        .map_err(fail)?;
    let mut explanations = app.store.explanations_of(&person).await.map_err(fail)?;
    // Open requests first: they are what the declarant has to act on.
    explanations.sort_by_key(|e| e.answer.is_some());

    let mut actions = due(&app, &ctx, &person).await?;
    actions.extend(drafts.iter().map(|d| draft_action(t, d)));
    actions.extend(
        explanations
            .iter()
            .filter(|e| e.answer.is_none())
            .map(|e| explanation_action(t, e)),
    );
    Ok(MyPage {
        t,
        user: ctx.user.clone(),
        csrf: ctx.csrf.clone(),
        actions,
        reports: rows(t, &Names::new(t, profile), reports, outcomes),
        explanations,
    })
}

/// The reports due or late, of every kind the roster and the profile make due (the store's
/// `obligations_of`, which follows `probity_model::obligation`): the annual report of each open
/// cycle the subject was a subject in, and the initial report of a new subject. The first carries
/// the ids `notice` and `notice-file` for the first annual report.
async fn due(app: &crate::App, ctx: &Ctx, person: &str) -> Result<Vec<Action>, WebError> {
    let t = ctx.t;
    let fail = |e| WebError::internal(t, e);
    let profile = crate::workbench::profile(t)?;
    let today = crate::now().date_naive();
    let today = probity_model::Date::from_ymd(
        chrono::Datelike::year(&today),
        chrono::Datelike::month(&today),
        chrono::Datelike::day(&today),
    )
    .ok_or_else(|| WebError::internal(t, "today is no date"))?;
    let obligations = app
        .store
        .obligations_of(profile, person, today)
        .await
        .map_err(fail)?;
    let mut actions: Vec<Action> = Vec::new();
    for o in obligations.iter().filter(|o| o.standing.unfiled()) {
        let kind = match o.kind {
            ReportKind::Initial => "initial",
            _ => "annual",
        };
        let late = o.standing == Standing::Missing;
        let key = match (o.kind, late) {
            (ReportKind::Initial, true) => "notice-initial-late",
            (ReportKind::Initial, false) => "notice-initial-due",
            (_, true) => "notice-late",
            (_, false) => "notice-due",
        };
        let draft = o.standing == Standing::Draft;
        let first = kind == "annual" && !actions.iter().any(|a| a.id == "notice");
        actions.push(Action {
            id: if first {
                "notice".into()
            } else {
                format!("notice-{kind}-{}", o.year)
            },
            text: t.with_text(
                key,
                &[
                    ("year", o.year.to_string()),
                    ("deadline", o.due.to_string()),
                ],
            ),
            late,
            link: "/file".into(),
            query: file_query(o.year, kind),
            link_id: if first {
                "notice-file".into()
            } else {
                format!("notice-file-{kind}-{}", o.year)
            },
            link_text: t.get(if draft {
                "notice-continue"
            } else {
                "notice-file"
            }),
        });
    }
    Ok(actions)
}

fn draft_action(t: Tr, d: &DraftInProgress) -> Action {
    Action {
        id: format!("draft-{}-{}", d.kind, d.year),
        text: t.with_text(
            "me-draft",
            &[
                ("report", title(t, &d.kind, i64::from(d.year))),
                ("saved", d.updated_at.clone()),
            ],
        ),
        late: false,
        link: "/file".into(),
        query: file_query(d.year, &d.kind),
        link_id: format!("continue-{}-{}", d.kind, d.year),
        link_text: t.get("notice-continue"),
    }
}

fn explanation_action(t: Tr, e: &Explanation) -> Action {
    let text = match &e.due_on {
        Some(due) => t.with_text(
            "me-explain-by",
            &[("cycle", e.cycle.to_string()), ("due", due.clone())],
        ),
        None => t.with_text("me-explain", &[("cycle", e.cycle.to_string())]),
    };
    Action {
        id: format!("explain-{}", e.id),
        text,
        late: e
            .due_on
            .as_deref()
            .is_some_and(|due| crate::now().format("%Y-%m-%d").to_string().as_str() > due),
        link: format!("#answer-{}", e.id),
        query: Vec::new(),
        link_id: format!("to-answer-{}", e.id),
        link_text: t.get("me-answer-now"),
    }
}

/// The filing form's query for a report of a year and kind.
fn file_query(year: i32, kind: &str) -> Vec<(&'static str, String)> {
    vec![("year", year.to_string()), ("kind", kind.to_owned())]
}

/// A kind of report and its year in words.
fn title(t: Tr, kind: &str, year: i64) -> String {
    t.with_text(
        "me-report-title",
        &[("kind", t.kind(kind)), ("year", year.to_string())],
    )
}

/// The reports, newest first as the store lists them, each with its standing and outcomes.
fn rows(
    t: Tr,
    names: &Names<'_>,
    reports: Vec<ReportSummary>,
    outcomes: Vec<ReportOutcome>,
) -> Vec<ReportRow> {
    let superseded_by: HashMap<String, String> = reports
        .iter()
        .filter_map(|r| Some((r.supersedes.clone()?, r.declaration_id.clone())))
        .collect();
    let mut by_report: HashMap<String, Vec<OutcomeRow>> = HashMap::new();
    for o in outcomes {
        by_report
            .entry(o.declaration_id.clone())
            .or_default()
            .push(OutcomeRow {
                category: t.of("category", &o.category),
                outcome: names.outcome(&o.outcome),
                since: o.in_force_since.chars().take(10).collect(),
                measures: names.measures(&o.measures),
            });
    }
    reports
        .into_iter()
        .map(|r| ReportRow {
            title: title(t, &r.kind, r.year),
            superseded_by: superseded_by.get(&r.declaration_id).cloned(),
            corrects: r.supersedes,
            outcomes: by_report.remove(&r.declaration_id).unwrap_or_default(),
            filed_on: r.filed_on,
            id: r.declaration_id,
        })
        .collect()
}
