//! The statistics page and its CSV export: a cycle's counts per unit of the account's scope and
//! in total, with charts drawn on the server ([`crate::charts`]) beside tables of the same
//! numbers.
//!
//! Who may see them: administrators and verifiers, the staff who run the cycle and its cases
//! (least privilege). Auditors keep to the audit trail and declarants to their own reports.
//! The counts hold no personal data (`Store::statistics` returns none), but a count over a
//! small unit can still point at a person, so they are not for everyone.

use std::sync::Arc;

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Query, State};
use axum::response::{IntoResponse, Response};
use probity_model::Profile;
use probity_model::profile::DEFAULT_PROFILE;
use probity_store::{Counts, Standing, Statistics, UnitCounts, User};
use serde::Deserialize;

use crate::charts::{Bar, Series, StackedBars};
use crate::i18n::{Lang, Tr};
use crate::kernel::{Officers, Staff};
use crate::{App, Ctx, WebError, now};
use probity_store::UnitScope;

/// At most this many units have a bar in the standing chart.
pub const CHART_UNITS: usize = 30;

#[derive(Deserialize)]
pub(crate) struct StatisticsQuery {
    cycle: Option<i32>,
}

/// One row of a per-unit table.
struct Row {
    unit: String,
    counts: Counts,
}

/// What the template shows of a cycle.
struct View {
    year: i32,
    deadline: String,
    as_of: String,
    runs: String,
    sample_revealed: bool,
    standings: Vec<String>,
    classifications: Vec<String>,
    outcomes: Vec<String>,
    rows: Vec<Row>,
    total: Counts,
    /// (category label, findings by classification, all findings).
    categories: Vec<(String, Vec<u64>, u64)>,
    /// (measure label, count).
    measures: Vec<(String, u64)>,
    chart_standing: String,
    chart_findings: String,
    chart_determinations: String,
    chart_measures: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "statistics.html")]
struct StatisticsPage {
    t: Tr,
    user: Option<User>,
    csrf: String,
    /// (year, whether it is the one shown).
    cycles: Vec<(i32, bool)>,
    scope: String,
    view: Option<View>,
}

/// The cycle asked for (or the latest still open) counted over the account's units; `None` when no cycle
/// is open at all. A cycle asked for that is not open is not found.
async fn load(
    app: &App,
    ctx: &Ctx,
    scope: &UnitScope,
    cycle: Option<i32>,
) -> Result<(Vec<i32>, Option<(Statistics, Profile)>), WebError> {
    let t = ctx.t;
    // Asked for, else the latest cycle still open, else the latest.
    let (chosen, choices) = crate::cycles::choose(app, ctx, None).await?;
    let cycles: Vec<i32> = choices.iter().map(|c| c.year).collect();
    let Some(year) = cycle.or(chosen) else {
        return Ok((cycles, None));
    };
    let profile = Profile::builtin(DEFAULT_PROFILE).map_err(|e| WebError::internal(t, e))?;
    let today = now().format("%Y-%m-%d").to_string();
    let stats = app
        .store
        .statistics(year, &today, &profile, scope)
        .await
        .map_err(|e| WebError::internal(t, e))?
        .ok_or(WebError::NotFound(t))?;
    Ok((cycles, Some((stats, profile))))
}

/// The label of a finding category: the form's numbered section title when there is one, else
/// the workbench's name of the category (`wealth` is no section of the form), else its id.
fn category_label(t: Tr, category: &str) -> String {
    for key in [format!("s-{category}"), format!("category-{category}")] {
        let label = t.get(&key);
        if label != key {
            return label;
        }
    }
    category.to_owned()
}

fn classification_label(t: Tr, classification: &str) -> String {
    let key = format!("class-{classification}");
    let label = t.get(&key);
    if label == key {
        classification.to_owned()
    } else {
        label
    }
}

/// An outcome's or a measure's name from the profile, in the page's language.
fn profile_label(t: Tr, profile: &Profile, id: &str) -> String {
    let names = profile
        .determinations
        .iter()
        .map(|d| (&d.id, &d.name, &d.name_en))
        .chain(
            profile
                .measures
                .iter()
                .map(|m| (&m.id, &m.name, &m.name_en)),
        );
    for (i, zh, en) in names {
        if i == id {
            return match t.lang {
                Lang::Zh => zh.clone(),
                Lang::En => en.clone(),
            };
        }
    }
    id.to_owned()
}

/// The colour class of a classification or an outcome (the same colour for the same word).
fn class_of(name: &str) -> String {
    match name {
        "concealment" | "omission" | "review" | "consistent" | "explained" => format!("c-{name}"),
        _ => "c-other".to_owned(),
    }
}

fn view(t: Tr, stats: Statistics, profile: &Profile) -> View {
    let standings: Vec<String> = Standing::ALL.iter().map(|s| t.get(s.as_str())).collect();
    let classifications: Vec<String> = stats
        .classifications
        .iter()
        .map(|c| classification_label(t, c))
        .collect();
    let outcomes: Vec<String> = stats
        .outcomes
        .iter()
        .map(|o| profile_label(t, profile, o))
        .collect();
    let categories: Vec<(String, Vec<u64>, u64)> = stats
        .categories
        .iter()
        .enumerate()
        .map(|(i, c)| {
            let by_class = stats.total.findings.get(i).cloned().unwrap_or_default();
            (category_label(t, c), by_class, stats.total.findings_in(i))
        })
        .collect();
    let measures: Vec<(String, u64)> = stats
        .measures
        .iter()
        .zip(&stats.total.measures)
        .map(|(m, n)| (profile_label(t, profile, m), *n))
        .collect();

    let standing_series: Vec<Series> = Standing::ALL
        .iter()
        .zip(&standings)
        .map(|(s, name)| Series {
            name: name.clone(),
            class: format!("c-{}", s.as_str()),
        })
        .collect();
    // A bar per unit reads well up to a few dozen units; beyond that the chart shows the units
    // with the most subjects not filed on time, and the table below has every unit.
    let mut charted: Vec<&UnitCounts> = stats.units.iter().collect();
    let many = charted.len() > CHART_UNITS;
    if many {
        let behind = |c: &Counts| c.subjects - c.of(Standing::Filed);
        charted.sort_by(|a, b| {
            behind(&b.counts)
                .cmp(&behind(&a.counts))
                .then_with(|| a.unit.cmp(&b.unit))
        });
        charted.truncate(CHART_UNITS);
    }
    let unit_bars: Vec<Bar> = charted
        .iter()
        .map(|u| Bar {
            label: u.unit.clone(),
            values: u.counts.standing.to_vec(),
        })
        .collect();
    let (title, desc) = if many {
        let n = [("n", CHART_UNITS as i64)];
        (
            t.with("stats-chart-standing-top", &n),
            t.with("stats-chart-standing-top-desc", &n),
        )
    } else {
        (
            t.get("stats-chart-standing"),
            t.get("stats-chart-standing-desc"),
        )
    };
    let chart_standing = StackedBars {
        id: "chart-standing",
        title: &title,
        desc: &desc,
        series: &standing_series,
        bars: &unit_bars,
    }
    .render();

    let class_series: Vec<Series> = stats
        .classifications
        .iter()
        .zip(&classifications)
        .map(|(c, name)| Series {
            name: name.clone(),
            class: class_of(c),
        })
        .collect();
    let category_bars: Vec<Bar> = categories
        .iter()
        .map(|(label, by_class, _)| Bar {
            label: label.clone(),
            values: by_class.clone(),
        })
        .collect();
    let chart_findings = StackedBars {
        id: "chart-findings",
        title: &t.get("stats-chart-findings"),
        desc: &t.get("stats-chart-findings-desc"),
        series: &class_series,
        bars: &category_bars,
    }
    .render();

    // Each outcome is a bar of its own colour; those waiting for a confirmation come last.
    let mut outcome_series: Vec<Series> = stats
        .outcomes
        .iter()
        .zip(&outcomes)
        .map(|(o, name)| Series {
            name: name.clone(),
            class: class_of(o),
        })
        .collect();
    outcome_series.push(Series {
        name: t.get("stats-pending"),
        class: "c-pending".to_owned(),
    });
    let n = outcome_series.len();
    let mut outcome_values: Vec<u64> = stats.total.determinations.clone();
    outcome_values.push(stats.total.pending_confirmation);
    let outcome_bars: Vec<Bar> = outcome_series
        .iter()
        .zip(&outcome_values)
        .enumerate()
        .map(|(i, (s, v))| {
            let mut values = vec![0; n];
            values[i] = *v;
            Bar {
                label: s.name.clone(),
                values,
            }
        })
        .collect();
    let chart_determinations = StackedBars {
        id: "chart-determinations",
        title: &t.get("stats-chart-determinations"),
        desc: &t.get("stats-chart-determinations-desc"),
        series: &outcome_series,
        bars: &outcome_bars,
    }
    .render();

    let measure_series = [Series {
        name: t.get("stats-measures"),
        class: "c-measure".to_owned(),
    }];
    let measure_bars: Vec<Bar> = measures
        .iter()
        .map(|(label, n)| Bar {
            label: label.clone(),
            values: vec![*n],
        })
        .collect();
    let chart_measures = StackedBars {
        id: "chart-measures",
        title: &t.get("stats-chart-measures"),
        desc: &t.get("stats-chart-measures-desc"),
        series: &measure_series,
        bars: &measure_bars,
    }
    .render();

    View {
        year: stats.year,
        deadline: stats.deadline,
        as_of: stats.as_of,
        runs: t.with(
            "stats-runs",
            &[("runs", i64::try_from(stats.runs).unwrap_or(i64::MAX))],
        ),
        sample_revealed: stats.sample_revealed,
        standings,
        classifications,
        outcomes,
        rows: stats
            .units
            .into_iter()
            .map(|u| Row {
                unit: u.unit,
                counts: u.counts,
            })
            .collect(),
        total: stats.total,
        categories,
        measures,
        chart_standing,
        chart_findings,
        chart_determinations,
        chart_measures,
    }
}

/// `GET /statistics?cycle=Y`: the page.
pub(crate) async fn statistics_page(
    State(app): State<Arc<App>>,
    Query(q): Query<StatisticsQuery>,
    Staff { ctx, scope, .. }: Staff<Officers>,
) -> Result<Response, WebError> {
    let (cycles, loaded) = load(&app, &ctx, &scope, q.cycle).await?;
    let t = ctx.t;
    let scope = match scope.units() {
        None => t.get("all-units"),
        Some(units) => units
            .iter()
            .map(String::as_str)
            .collect::<Vec<_>>()
            .join(t.get("stats-list-separator").as_str()),
    };
    let view = loaded.map(|(stats, profile)| view(t, stats, &profile));
    let shown = view.as_ref().map(|v| v.year);
    Ok(StatisticsPage {
        t,
        user: ctx.user.clone(),
        csrf: ctx.csrf.clone(),
        cycles: cycles.into_iter().map(|y| (y, Some(y) == shown)).collect(),
        scope,
        view,
    }
    .into_response())
}

/// `GET /statistics.csv?cycle=Y`: one row per unit of the account's scope and the total
/// (columns: `Statistics::csv_records`).
pub(crate) async fn statistics_csv(
    State(app): State<Arc<App>>,
    Query(q): Query<StatisticsQuery>,
    Query(format): Query<crate::csv_export::Format>,
    Staff { ctx, scope, .. }: Staff<Officers>,
) -> Result<Response, WebError> {
    let t = ctx.t;
    let (_, loaded) = load(&app, &ctx, &scope, q.cycle).await?;
    let (stats, _) = loaded.ok_or(WebError::NotFound(t))?;
    let profile = crate::workbench::profile(t)?;
    crate::csv_export::respond(
        t,
        format.format,
        &|id: &str| profile_label(t, profile, id),
        &format!("statistics-{}.csv", stats.year),
        stats.csv_records(),
    )
}

#[cfg(test)]
mod tests {
    #![allow(clippy::panic)]
    use super::*;

    fn counts(standing: [u64; 5]) -> Counts {
        Counts {
            subjects: standing.iter().sum(),
            standing,
            sampled_random: 0,
            sampled_key_check: 0,
            reports_checked: 0,
            cases: 0,
            findings: vec![vec![0; 1]; 1],
            determinations: vec![0; 1],
            pending_confirmation: 0,
            measures: vec![0; 1],
        }
    }

    #[test]
    fn with_many_units_the_chart_shows_those_most_behind_and_the_table_all() {
        // Unit i has i subjects missing and one filed; unit "all filed" has 50 filed.
        let mut units: Vec<UnitCounts> = (0..CHART_UNITS + 5)
            .map(|i| UnitCounts {
                unit: format!("unit {i:02}"),
                counts: counts([1, 0, 0, 0, i as u64]),
            })
            .collect();
        units.push(UnitCounts {
            unit: "all filed".into(),
            counts: counts([50, 0, 0, 0, 0]),
        });
        // The total is not charted; any will do here.
        let total = counts([0; 5]);
        let stats = Statistics {
            year: 2025,
            deadline: "2026-01-31".into(),
            as_of: "2026-03-01".into(),
            runs: 0,
            sample_revealed: false,
            categories: vec!["marriage".into()],
            classifications: vec!["omission".into()],
            outcomes: vec!["omission".into()],
            measures: vec!["criticism".into()],
            units,
            total,
        };
        let profile = Profile::builtin(DEFAULT_PROFILE).unwrap_or_else(|e| panic!("{e}"));
        let t = Tr { lang: Lang::En };
        let v = view(t, stats, &profile);
        assert_eq!(v.rows.len(), CHART_UNITS + 6, "every unit in the table");
        let bars = v.chart_standing.matches("<g class=\"chart-bar\">").count();
        assert_eq!(bars, CHART_UNITS);
        assert!(
            v.chart_standing
                .contains(&format!("unit {:02}", CHART_UNITS + 4))
        );
        assert!(!v.chart_standing.contains(">unit 00<") && !v.chart_standing.contains("all filed"));
        assert!(
            v.chart_standing
                .contains("The 30 units with the most subjects not filed on time")
        );
    }
}
