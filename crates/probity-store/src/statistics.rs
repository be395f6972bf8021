//! Statistics of a cycle, per unit and in total: where subjects stand, the sample, verification,
//! findings, determinations and measures. Counts only: no name, resident ID, person key or report
//! id leaves this module, so what it returns may be shown or exported to anyone entitled to the
//! units it covers (PRODUCT.md: "Statistics leave out individuals").
//!
//! What each count means:
//!
//! - **Subjects and standing** are [`Store::progress`]'s, counted by unit: every subject on the
//!   roster, as filed, filed late, draft, not started or missing as of the given day.
//! - **Sampled**: subjects the revealed sample drew, split into those drawn at random and those
//!   in it for a key check (a subject with a key-check flag in the frozen frame is always drawn,
//!   so every flagged subject drawn counts as a key check). Zero until the seed is revealed.
//! - **Reports checked**: distinct reports of the cycle that a verification run covered. Runs
//!   store only how many reports they checked, so which ones is recomputed the way the run chose
//!   them: a run covers a report of the cycle stored by the time the run started and not yet
//!   superseded then — every such report for a run over `all`, the annual reports of the drawn
//!   subjects for a run over the `sample`.
//! - **Cases** and **findings** of the cycle; findings by category and classification.
//! - **Determinations**: for each finding the determination with the highest id is the one that
//!   counts. It is *in force* when its outcome needs one decision only (the profile's
//!   `confirmations`, 1 by default) or when it is confirmed; otherwise it is *pending
//!   confirmation*. A determination that names no finding counts on its own.
//! - **Measures** count when the determination they follow is in force.
//!
//! A subject, case, determination or measure belongs to the unit the roster (its latest import)
//! gives the person, also when the person has since left the roster.

use std::collections::{BTreeSet, HashMap, HashSet};

use probity_model::Profile;
use probity_model::finding::{Category, Classification};
use serde_json::{Map, Value as Json, json};
use sqlx::Row;

use crate::error::StoreError;
use crate::progress::Standing;
use crate::store::Store;

/// The counts of one unit, or of every unit in scope together.
///
/// The vectors are aligned with the axes of the [`Statistics`] they belong to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Counts {
    /// Subjects on the roster.
    pub subjects: u64,
    /// Subjects by standing, aligned with [`Standing::ALL`].
    pub standing: [u64; 5],
    /// Subjects drawn at random.
    pub sampled_random: u64,
    /// Subjects in the sample for a key check.
    pub sampled_key_check: u64,
    /// Reports a verification run covered.
    pub reports_checked: u64,
    /// Cases opened.
    pub cases: u64,
    /// Findings by category (outer, [`Statistics::categories`]) and classification (inner,
    /// [`Statistics::classifications`]).
    pub findings: Vec<Vec<u64>>,
    /// Determinations in force by outcome ([`Statistics::outcomes`]).
    pub determinations: Vec<u64>,
    /// Determinations waiting for their confirmation.
    pub pending_confirmation: u64,
    /// Measures by measure ([`Statistics::measures`]).
    pub measures: Vec<u64>,
}

impl Counts {
    fn zero(axes: &Axes) -> Counts {
        Counts {
            subjects: 0,
            standing: [0; 5],
            sampled_random: 0,
            sampled_key_check: 0,
            reports_checked: 0,
            cases: 0,
            findings: vec![vec![0; axes.classifications.len()]; axes.categories.len()],
            determinations: vec![0; axes.outcomes.len()],
            pending_confirmation: 0,
            measures: vec![0; axes.measures.len()],
        }
    }

    /// Subjects of one standing.
    pub fn of(&self, standing: Standing) -> u64 {
        Standing::ALL
            .iter()
            .position(|s| *s == standing)
            .map_or(0, |i| self.standing[i])
    }

    /// Subjects in the sample, for whatever reason.
    pub fn sampled(&self) -> u64 {
        self.sampled_random + self.sampled_key_check
    }

    /// Every finding.
    pub fn findings_total(&self) -> u64 {
        self.findings.iter().flatten().sum()
    }

    /// Findings of the category at `index`, every classification.
    pub fn findings_in(&self, index: usize) -> u64 {
        self.findings.get(index).map_or(0, |c| c.iter().sum())
    }

    /// Findings of the classification at `index`, every category.
    pub fn classified(&self, index: usize) -> u64 {
        self.findings
            .iter()
            .map(|c| c.get(index).copied().unwrap_or(0))
            .sum()
    }

    /// Determinations in force, every outcome.
    pub fn determinations_total(&self) -> u64 {
        self.determinations.iter().sum()
    }

    /// Measures, every kind.
    pub fn measures_total(&self) -> u64 {
        self.measures.iter().sum()
    }

    fn add(&mut self, other: &Counts) {
        self.subjects += other.subjects;
        for (a, b) in self.standing.iter_mut().zip(other.standing) {
            *a += b;
        }
        self.sampled_random += other.sampled_random;
        self.sampled_key_check += other.sampled_key_check;
        self.reports_checked += other.reports_checked;
        self.cases += other.cases;
        for (a, b) in self.findings.iter_mut().zip(&other.findings) {
            for (x, y) in a.iter_mut().zip(b) {
                *x += y;
            }
        }
        for (a, b) in self.determinations.iter_mut().zip(&other.determinations) {
            *a += b;
        }
        self.pending_confirmation += other.pending_confirmation;
        for (a, b) in self.measures.iter_mut().zip(&other.measures) {
            *a += b;
        }
    }
}

/// One unit's counts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnitCounts {
    /// The unit's name (an organisation, not a person).
    pub unit: String,
    /// Its counts.
    pub counts: Counts,
}

/// A cycle's statistics: one row per unit in scope and their total.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Statistics {
    /// The year reported on.
    pub year: i32,
    /// The cycle's deadline.
    pub deadline: String,
    /// The day standings are taken on (`YYYY-MM-DD`).
    pub as_of: String,
    /// Verification runs over the cycle.
    pub runs: u64,
    /// Whether the cycle's sample is drawn (its seed revealed).
    pub sample_revealed: bool,
    /// Finding categories: every [`Category`] in form order, then any other stored.
    pub categories: Vec<String>,
    /// Classifications: every [`Classification`], heaviest first, then any other stored.
    pub classifications: Vec<String>,
    /// Determination outcomes: the profile's, then any other stored.
    pub outcomes: Vec<String>,
    /// Measures: the profile's ladder, light to heavy, then any other stored.
    pub measures: Vec<String>,
    /// Every unit in scope, by name (units without subjects too).
    pub units: Vec<UnitCounts>,
    /// The sum of `units`.
    pub total: Counts,
}

/// The names the count vectors are aligned with.
struct Axes {
    categories: Vec<String>,
    classifications: Vec<String>,
    outcomes: Vec<String>,
    measures: Vec<String>,
}

/// Position of `name` in `axis`, added at the end when not there yet.
fn slot(axis: &mut Vec<String>, name: &str) -> usize {
    match axis.iter().position(|a| a == name) {
        Some(i) => i,
        None => {
            axis.push(name.to_owned());
            axis.len() - 1
        }
    }
}

/// An RFC 3339 UTC time as a key that orders as time does: `2026-02-01T09:00:00Z` and
/// `2026-02-01T09:00:00.000Z` are the same instant but not the same string. Probity writes
/// every time in UTC with `Z`.
fn instant(t: &str) -> (String, String) {
    let t = t.trim_end_matches('Z');
    match t.split_once('.') {
        Some((seconds, fraction)) => (seconds.to_owned(), format!("{fraction:0<9}")),
        None => (t.to_owned(), "0".repeat(9)),
    }
}

struct Report {
    declaration_id: String,
    person_key: String,
    annual: bool,
    stored_at: (String, String),
}

struct Determination {
    case_id: i64,
    signed: crate::workbench::Signed,
}

impl Store {
    /// The statistics of cycle `year` as of `today` (`YYYY-MM-DD`, which decides who is missing
    /// rather than not started), over the units within `scope`, or `None` if
    /// the cycle is not open. `profile` says which outcomes wait for a confirmation and gives
    /// the order of outcomes and measures.
    pub async fn statistics(
        &self,
        year: i32,
        today: &str,
        profile: &Profile,
        scope: &crate::UnitScope,
    ) -> Result<Option<Statistics>, StoreError> {
        let Some(progress) = self
            .progress(&crate::UnitScope::Department, profile, year, today)
            .await?
        else {
            return Ok(None);
        };
        let mut conn = self.connection().await?;
        let cycle = i64::from(year);
        // Sorted here, not by the database, whose collation differs between backends.
        let mut all_units: Vec<String> = sqlx::query("SELECT name FROM units")
            .fetch_all(&mut *conn)
            .await?
            .iter()
            .map(|r| r.try_get(0))
            .collect::<Result<_, _>>()?;
        all_units.sort();
        let unit_of: HashMap<String, String> = sqlx::query("SELECT person_key, unit FROM subjects")
            .fetch_all(&mut *conn)
            .await?
            .iter()
            .map(|r| Ok((r.try_get(0)?, r.try_get(1)?)))
            .collect::<Result<_, sqlx::Error>>()?;
        let runs: Vec<(String, (String, String))> =
            sqlx::query("SELECT scope, started_at FROM verification_runs WHERE cycle = $1")
                .bind(cycle)
                .fetch_all(&mut *conn)
                .await?
                .iter()
                .map(|r| Ok((r.try_get(0)?, instant(&r.try_get::<String, _>(1)?))))
                .collect::<Result<_, sqlx::Error>>()?;
        let reports: Vec<Report> = sqlx::query(
            "SELECT declaration_id, person_key, kind, stored_at FROM declarations WHERE year = $1",
        )
        .bind(cycle)
        .fetch_all(&mut *conn)
        .await?
        .iter()
        .map(|r| {
            Ok(Report {
                declaration_id: r.try_get(0)?,
                person_key: r.try_get(1)?,
                annual: r.try_get::<String, _>(2)? == "annual",
                stored_at: instant(&r.try_get::<String, _>(3)?),
            })
        })
        .collect::<Result<_, sqlx::Error>>()?;
        // When each report was superseded (the earliest correction), from any year's reports.
        let mut superseded: HashMap<String, (String, String)> = HashMap::new();
        for r in sqlx::query(
            "SELECT supersedes, stored_at FROM declarations WHERE supersedes IS NOT NULL",
        )
        .fetch_all(&mut *conn)
        .await?
        {
            let id: String = r.try_get(0)?;
            let at = instant(&r.try_get::<String, _>(1)?);
            let entry = superseded.entry(id).or_insert_with(|| at.clone());
            if at < *entry {
                *entry = at;
            }
        }
        let case_person: HashMap<i64, String> =
            sqlx::query("SELECT id, person_key FROM cases WHERE cycle = $1")
                .bind(cycle)
                .fetch_all(&mut *conn)
                .await?
                .iter()
                .map(|r| Ok((r.try_get(0)?, r.try_get(1)?)))
                .collect::<Result<_, sqlx::Error>>()?;
        let findings: Vec<(i64, String, String)> = sqlx::query(
            "SELECT f.case_id, f.category, f.classification FROM findings f \
             JOIN cases c ON c.id = f.case_id WHERE c.cycle = $1",
        )
        .bind(cycle)
        .fetch_all(&mut *conn)
        .await?
        .iter()
        .map(|r| Ok((r.try_get(0)?, r.try_get(1)?, r.try_get(2)?)))
        .collect::<Result<_, sqlx::Error>>()?;
        let determinations: Vec<Determination> = sqlx::query(
            "SELECT d.id, d.finding_id, d.outcome, d.decided_by, d.confirmed_by, d.case_id \
             FROM determinations d JOIN cases c ON c.id = d.case_id WHERE c.cycle = $1",
        )
        .bind(cycle)
        .fetch_all(&mut *conn)
        .await?
        .iter()
        .map(|r| {
            Ok(Determination {
                case_id: r.try_get(5)?,
                signed: crate::workbench::Signed::of_row(r)?,
            })
        })
        .collect::<Result<_, StoreError>>()?;
        let measures: Vec<(i64, String, Option<i64>)> = sqlx::query(
            "SELECT m.case_id, m.measure, m.determination_id FROM measures m \
             JOIN cases c ON c.id = m.case_id WHERE c.cycle = $1",
        )
        .bind(cycle)
        .fetch_all(&mut *conn)
        .await?
        .iter()
        .map(|r| Ok((r.try_get(0)?, r.try_get(1)?, r.try_get(2)?)))
        .collect::<Result<_, sqlx::Error>>()?;
        drop(conn);
        let sample = self.sample(year).await?;

        let mut axes = Axes {
            categories: Category::ALL
                .iter()
                .map(|c| c.as_str().to_owned())
                .collect(),
            classifications: Classification::ALL
                .iter()
                .map(|c| c.as_str().to_owned())
                .collect(),
            outcomes: profile
                .determinations
                .iter()
                .map(|d| d.id.clone())
                .collect(),
            measures: profile.measures.iter().map(|m| m.id.clone()).collect(),
        };
        for (_, category, classification) in &findings {
            slot(&mut axes.categories, category);
            slot(&mut axes.classifications, classification);
        }
        for d in &determinations {
            slot(&mut axes.outcomes, &d.signed.outcome);
        }
        for (_, measure, _) in &measures {
            slot(&mut axes.measures, measure);
        }

        let mut rows: Vec<UnitCounts> = all_units
            .iter()
            .map(|u| UnitCounts {
                unit: u.clone(),
                counts: Counts::zero(&axes),
            })
            .collect();
        let index: HashMap<String, usize> = all_units
            .iter()
            .enumerate()
            .map(|(i, u)| (u.clone(), i))
            .collect();
        // The row of a person's unit: every person in a cycle's data is a subject, since reports
        // are refused for anyone the roster does not list and subjects are never deleted.
        let row_of = |person_key: &str| -> Result<usize, StoreError> {
            unit_of
                .get(person_key)
                .and_then(|u| index.get(u))
                .copied()
                .ok_or_else(|| {
                    StoreError::Corrupt(format!(
                        "cycle {year} names a person ({person_key}) of no known unit"
                    ))
                })
        };

        // Subjects and standing count the cycle's annual reports due (the initial reports the
        // progress view also lists are not the cycle's).
        for p in progress
            .rows
            .iter()
            .filter(|r| r.kind == probity_model::declaration::ReportKind::Annual)
        {
            let i = index.get(&p.unit).copied().ok_or_else(|| {
                StoreError::Corrupt(format!("subject {} has an unknown unit", p.person_key))
            })?;
            let c = &mut rows[i].counts;
            c.subjects += 1;
            if let Some(s) = Standing::ALL.iter().position(|s| *s == p.standing) {
                c.standing[s] += 1;
            }
        }

        let mut drawn: HashSet<&str> = HashSet::new();
        if let Some(sample) = sample.as_ref().filter(|s| s.seed.is_some()) {
            let flagged: HashSet<&str> = sample
                .frame
                .members
                .iter()
                .filter(|m| !m.flags.is_empty())
                .map(|m| m.person_key.as_str())
                .collect();
            for person_key in &sample.drawn {
                drawn.insert(person_key);
                let c = &mut rows[row_of(person_key)?].counts;
                if flagged.contains(person_key.as_str()) {
                    c.sampled_key_check += 1;
                } else {
                    c.sampled_random += 1;
                }
            }
        }

        for r in &reports {
            let covered = runs.iter().any(|(scope, started)| {
                let there = r.stored_at <= *started;
                let current = superseded
                    .get(&r.declaration_id)
                    .is_none_or(|at| at > started);
                let in_scope =
                    scope != "sample" || (r.annual && drawn.contains(r.person_key.as_str()));
                there && current && in_scope
            });
            if covered {
                rows[row_of(&r.person_key)?].counts.reports_checked += 1;
            }
        }

        let mut case_row: HashMap<i64, usize> = HashMap::new();
        for (id, person_key) in &case_person {
            let i = row_of(person_key)?;
            rows[i].counts.cases += 1;
            case_row.insert(*id, i);
        }
        let row_of_case = |case_id: i64| -> Result<usize, StoreError> {
            case_row.get(&case_id).copied().ok_or_else(|| {
                StoreError::Corrupt(format!("a row names case {case_id}, which does not exist"))
            })
        };
        for (case_id, category, classification) in &findings {
            let (a, b) = (
                slot(&mut axes.categories, category),
                slot(&mut axes.classifications, classification),
            );
            rows[row_of_case(*case_id)?].counts.findings[a][b] += 1;
        }

        // Per finding, the determination in force and any awaiting confirmation (the one rule;
        // one that names no finding stands alone).
        let signed: Vec<crate::workbench::Signed> =
            determinations.iter().map(|d| d.signed.clone()).collect();
        let standing = crate::workbench::standings(profile, &signed);
        let mut in_force: BTreeSet<i64> = BTreeSet::new();
        for d in &determinations {
            let Some(s) = standing.get(&d.signed.id) else {
                continue;
            };
            let c = &mut rows[row_of_case(d.case_id)?].counts;
            if s.in_force {
                in_force.insert(d.signed.id);
                c.determinations[slot(&mut axes.outcomes, &d.signed.outcome)] += 1;
            } else if !s.superseded {
                c.pending_confirmation += 1;
            }
        }
        for (case_id, measure, determination) in &measures {
            if determination.is_some_and(|d| in_force.contains(&d)) {
                let m = slot(&mut axes.measures, measure);
                rows[row_of_case(*case_id)?].counts.measures[m] += 1;
            }
        }

        rows.retain(|r| scope.covers(&r.unit));
        let mut total = Counts::zero(&axes);
        for r in &rows {
            total.add(&r.counts);
        }
        Ok(Some(Statistics {
            year,
            deadline: progress.deadline,
            as_of: today.to_owned(),
            runs: runs.len() as u64,
            sample_revealed: sample.is_some_and(|s| s.seed.is_some()),
            categories: axes.categories,
            classifications: axes.classifications,
            outcomes: axes.outcomes,
            measures: axes.measures,
            units: rows,
            total,
        }))
    }
}

impl Statistics {
    /// The CSV export: a header, then one row per unit (`level` = `unit`) and the total
    /// (`level` = `total`, `unit` empty). Columns: `cycle, level, unit, subjects, filed,
    /// filed_late, draft, not_started, missing, sampled_random, sampled_key_check,
    /// reports_checked, cases, findings`, then `category_<category>` for each category,
    /// `classification_<classification>` for each classification, `determination_<outcome>`
    /// for each outcome (in force), `pending_confirmation`, and `measure_<measure>` for each
    /// measure. Counts only.
    pub fn csv_records(&self) -> Vec<Vec<String>> {
        let mut header: Vec<String> = ["cycle", "level", "unit", "subjects"]
            .iter()
            .map(|s| (*s).to_owned())
            .collect();
        header.extend(Standing::ALL.iter().map(|s| s.as_str().to_owned()));
        header.extend(
            [
                "sampled_random",
                "sampled_key_check",
                "reports_checked",
                "cases",
                "findings",
            ]
            .iter()
            .map(|s| (*s).to_owned()),
        );
        header.extend(self.categories.iter().map(|c| format!("category_{c}")));
        header.extend(
            self.classifications
                .iter()
                .map(|c| format!("classification_{c}")),
        );
        header.extend(self.outcomes.iter().map(|o| format!("determination_{o}")));
        header.push("pending_confirmation".to_owned());
        header.extend(self.measures.iter().map(|m| format!("measure_{m}")));
        let row = |level: &str, unit: &str, c: &Counts| -> Vec<String> {
            let mut r = vec![
                self.year.to_string(),
                level.to_owned(),
                unit.to_owned(),
                c.subjects.to_string(),
            ];
            r.extend(c.standing.iter().map(u64::to_string));
            r.extend(
                [
                    c.sampled_random,
                    c.sampled_key_check,
                    c.reports_checked,
                    c.cases,
                    c.findings_total(),
                ]
                .iter()
                .map(u64::to_string),
            );
            r.extend((0..self.categories.len()).map(|i| c.findings_in(i).to_string()));
            r.extend((0..self.classifications.len()).map(|i| c.classified(i).to_string()));
            r.extend(c.determinations.iter().map(u64::to_string));
            r.push(c.pending_confirmation.to_string());
            r.extend(c.measures.iter().map(u64::to_string));
            r
        };
        let mut out = vec![header];
        out.extend(self.units.iter().map(|u| row("unit", &u.unit, &u.counts)));
        out.push(row("total", "", &self.total));
        out
    }

    /// The statistics as one JSON object (`probity stats --format json`): the cycle, then
    /// `units` (each with its `unit` name) and `total`, each holding the counts by name, with
    /// findings as `by_category` → classification → count.
    pub fn to_json(&self) -> Json {
        let named = |names: &[String], values: &[u64]| -> Json {
            Json::Object(
                names
                    .iter()
                    .zip(values)
                    .map(|(n, v)| (n.clone(), json!(v)))
                    .collect::<Map<_, _>>(),
            )
        };
        let counts = |c: &Counts| -> Json {
            let mut o = Map::new();
            o.insert("subjects".into(), json!(c.subjects));
            for (s, n) in Standing::ALL.iter().zip(c.standing) {
                o.insert(s.as_str().into(), json!(n));
            }
            o.insert("sampled_random".into(), json!(c.sampled_random));
            o.insert("sampled_key_check".into(), json!(c.sampled_key_check));
            o.insert("reports_checked".into(), json!(c.reports_checked));
            o.insert("cases".into(), json!(c.cases));
            let by_category: Map<String, Json> = self
                .categories
                .iter()
                .zip(&c.findings)
                .map(|(cat, row)| (cat.clone(), named(&self.classifications, row)))
                .collect();
            let by_classification: Vec<u64> = (0..self.classifications.len())
                .map(|i| c.classified(i))
                .collect();
            o.insert(
                "findings".into(),
                json!({
                    "total": c.findings_total(),
                    "by_category": by_category,
                    "by_classification": named(&self.classifications, &by_classification),
                }),
            );
            o.insert(
                "determinations".into(),
                named(&self.outcomes, &c.determinations),
            );
            o.insert("pending_confirmation".into(), json!(c.pending_confirmation));
            o.insert("measures".into(), named(&self.measures, &c.measures));
            Json::Object(o)
        };
        let units: Vec<Json> = self
            .units
            .iter()
            .map(|u| {
                let mut v = counts(&u.counts);
                if let Json::Object(o) = &mut v {
                    o.insert("unit".into(), json!(u.unit));
                }
                v
            })
            .collect();
        json!({
            "cycle": self.year,
            "deadline": self.deadline,
            "as_of": self.as_of,
            "runs": self.runs,
            "sample_revealed": self.sample_revealed,
            "units": units,
            "total": counts(&self.total),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn instants_compare_as_times_whatever_the_fraction() {
        assert_eq!(
            instant("2026-02-01T09:00:00Z"),
            instant("2026-02-01T09:00:00.000Z")
        );
        assert!(instant("2026-02-01T09:00:00.5Z") > instant("2026-02-01T09:00:00.499Z"));
        assert!(instant("2026-02-01T09:00:00Z") < instant("2026-02-01T09:00:00.001Z"));
        assert!(instant("2026-01-31T23:59:59.999Z") < instant("2026-02-01T00:00:00Z"));
    }

    #[test]
    fn unknown_names_go_to_the_end_of_their_axis() {
        let mut axis = vec!["a".to_owned(), "b".to_owned()];
        assert_eq!(slot(&mut axis, "b"), 1);
        assert_eq!(slot(&mut axis, "z"), 2);
        assert_eq!(slot(&mut axis, "z"), 2);
        assert_eq!(axis, ["a", "b", "z"]);
    }
}
