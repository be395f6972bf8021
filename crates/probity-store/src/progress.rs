//! The progress view of a cycle: per subject on the roster, filed (on time or late), draft, not
//! started, or missing after the deadline. Reads metadata only (never a report's content).

use std::collections::{HashMap, HashSet};

use probity_model::declaration::ReportKind;
use probity_model::obligation;
use probity_model::roster::SubjectStatus;
use probity_model::{Date, Profile};
use sqlx::Row;

use crate::error::StoreError;
use crate::scope::UnitScope;
use crate::store::Store;

/// Where a subject stands in a cycle.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Standing {
    /// Filed by the deadline.
    Filed,
    /// Filed after the deadline.
    FiledLate,
    /// A draft is saved; nothing filed.
    Draft,
    /// Nothing yet, deadline not passed.
    NotStarted,
    /// Nothing filed and the deadline has passed.
    Missing,
}

impl Standing {
    /// Every standing, in the order of the progress view.
    pub const ALL: [Standing; 5] = [
        Standing::Filed,
        Standing::FiledLate,
        Standing::Draft,
        Standing::NotStarted,
        Standing::Missing,
    ];

    /// Where a subject stands: filed (`first_filed_on` is the report date of the first annual
    /// report stored), else a draft saved, else missing once `today` is past the deadline.
    /// Dates are `YYYY-MM-DD`, so text order is date order.
    pub fn of(
        first_filed_on: Option<&str>,
        has_draft: bool,
        deadline: &str,
        today: &str,
    ) -> Standing {
        match first_filed_on {
            Some(on) if on <= deadline => Standing::Filed,
            Some(_) => Standing::FiledLate,
            None if has_draft => Standing::Draft,
            None if today > deadline => Standing::Missing,
            None => Standing::NotStarted,
        }
    }

    /// Whether the subject has yet to file: the reminder list names them.
    pub fn unfiled(&self) -> bool {
        matches!(
            self,
            Standing::Draft | Standing::NotStarted | Standing::Missing
        )
    }

    /// The name used in exports and the API.
    pub fn as_str(&self) -> &'static str {
        match self {
            Standing::Filed => "filed",
            Standing::FiledLate => "filed_late",
            Standing::Draft => "draft",
            Standing::NotStarted => "not_started",
            Standing::Missing => "missing",
        }
    }
}

/// One row of the progress view: a report due from a subject.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProgressRow {
    /// Unit.
    pub unit: String,
    /// Name.
    pub name: String,
    /// Post.
    pub position: String,
    /// Blind index of the resident ID.
    pub person_key: String,
    /// The report due: the cycle's annual report, or the subject's initial report.
    pub kind: ReportKind,
    /// Its due date (`YYYY-MM-DD`).
    pub due: String,
    /// Where they stand.
    pub standing: Standing,
    /// The report filed, if any (the one in force).
    pub declaration_id: Option<String>,
    /// Its report date (of the first filing: it decides lateness).
    pub filed_on: Option<String>,
    /// Filed as a late filing, after the cycle closed.
    pub after_close: bool,
}

/// A cycle's progress.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Progress {
    /// The year reported on.
    pub year: i32,
    /// The deadline.
    pub deadline: String,
    /// When the cycle was closed, if it was.
    pub closed_at: Option<String>,
    /// A row per report due: the annual report of every subject on the roster who is due for the
    /// year ([`probity_model::obligation::annual_due`]), then the initial reports the cycle
    /// tracks (see [`Store::obligations_of`]).
    pub rows: Vec<ProgressRow>,
}

/// A report due from one subject, with its due date and whether it was filed and when: what
/// [`Store::obligations_of`] answers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Obligation {
    /// `Annual` or `Initial` (change reports are not known in advance: they follow events).
    pub kind: ReportKind,
    /// The year: the cycle's for an annual report; the year the subject joined for an initial.
    pub year: i32,
    /// The due date.
    pub due: Date,
    /// Filed (on time or late), draft, not started, or missing once `today` is past `due`.
    pub standing: Standing,
    /// The report in force that meets it, if filed.
    pub declaration_id: Option<String>,
    /// The report date of its first filing.
    pub filed_on: Option<String>,
    /// Filed as a late filing after its cycle closed.
    pub after_close: bool,
}

/// A subject as the due-date rule reads them.
struct Subject {
    person_key: String,
    unit: String,
    name: String,
    position: String,
    since: Date,
    status: SubjectStatus,
}

/// A kind of report filed by one subject for one year: the report in force, the first filing's
/// date and when it was stored.
#[derive(Clone)]
struct Filing {
    in_force: String,
    first_filed_on: String,
    first_stored_at: String,
}

/// The cycle that tracks a subject's initial report: the latest cycle whose year is not after
/// the year they joined. Subjects who joined before the first cycle's year filed theirs before
/// Probity kept count, so none tracks it.
fn initial_cycle(cycles: &[i32], since: Date) -> Option<i32> {
    cycles.iter().copied().filter(|y| *y <= since.year()).max()
}

/// A filed report, without its content.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReportSummary {
    /// Id.
    pub declaration_id: String,
    /// Blind index of the declarant.
    pub person_key: String,
    /// Year reported on.
    pub year: i64,
    /// `annual`, `change`, `initial`.
    pub kind: String,
    /// Report date.
    pub filed_on: String,
    /// The report it corrects.
    pub supersedes: Option<String>,
    /// SHA-256 of the JSON as filed: the receipt.
    pub content_sha256: String,
    /// When it was stored.
    pub stored_at: String,
}

impl Store {
    /// The progress of cycle `year` as of `today` (`YYYY-MM-DD`), or `None` if never opened.
    /// Who is due follows [`probity_model::obligation`] only: an annual row for every subject on
    /// the roster due for the year (joined on or before 31 December, not retired), due by the
    /// cycle's deadline; an initial row for every subject whose initial report this cycle tracks
    /// (joined in the cycle's year, or later when no later cycle is open), due
    /// `initial_within_days` after joining. Reports counted are those in force
    /// ([`crate::in_force`]); the first filing's date decides lateness.
    /// Only the subjects of units within `scope` are listed.
    pub async fn progress(
        &self,
        scope: &UnitScope,
        profile: &Profile,
        year: i32,
        today: &str,
    ) -> Result<Option<Progress>, StoreError> {
        let mut progress = self.progress_for(profile, year, None, today).await?;
        if let Some(p) = &mut progress {
            p.rows.retain(|r| scope.covers(&r.unit));
        }
        Ok(progress)
    }

    /// [`Store::progress`] of one subject: their rows only (none when nothing is due).
    pub async fn progress_of(
        &self,
        profile: &Profile,
        year: i32,
        person_key: &str,
        today: &str,
    ) -> Result<Option<Progress>, StoreError> {
        self.progress_for(profile, year, Some(person_key), today)
            .await
    }

    async fn progress_for(
        &self,
        profile: &Profile,
        year: i32,
        who: Option<&str>,
        today: &str,
    ) -> Result<Option<Progress>, StoreError> {
        let mut conn = self.connection().await?;
        let cycle = sqlx::query("SELECT deadline, closed_at FROM cycles WHERE year = $1")
            .bind(i64::from(year))
            .fetch_optional(&mut *conn)
            .await?;
        let Some(cycle) = cycle else { return Ok(None) };
        let deadline: String = cycle.try_get(0)?;
        let closed_at: Option<String> = cycle.try_get(1)?;
        let cycles = cycle_years(&mut conn).await?;
        let annual = filings(&mut conn, "annual", Some(year), who).await?;
        let initial = filings(&mut conn, "initial", None, who).await?;
        let annual_drafts = drafts(&mut conn, "annual", Some(year), who).await?;
        let initial_drafts: HashSet<String> = drafts(&mut conn, "initial", None, who)
            .await?
            .into_iter()
            .filter_map(|k| k.split('/').next().map(str::to_owned))
            .collect();
        let mut rows = Vec::new();
        let mut initial_rows = Vec::new();
        for subject in subjects(&mut conn, who).await? {
            if obligation::annual_due(profile, subject.since, subject.status, year).is_some() {
                rows.push(row(
                    &subject,
                    ReportKind::Annual,
                    &deadline,
                    annual.get(&(subject.person_key.clone(), year)),
                    annual_drafts.contains(&subject.person_key),
                    closed_at.as_deref(),
                    today,
                ));
            }
            if initial_cycle(&cycles, subject.since) == Some(year)
                && let Some(due) = obligation::initial_due(profile, subject.since)
            {
                let filed = initial
                    .iter()
                    .find(|((p, _), _)| *p == subject.person_key)
                    .map(|(_, f)| f);
                initial_rows.push(row(
                    &subject,
                    ReportKind::Initial,
                    &due.to_string(),
                    filed,
                    initial_drafts.contains(&subject.person_key),
                    None,
                    today,
                ));
            }
        }
        rows.extend(initial_rows);
        Ok(Some(Progress {
            year,
            deadline,
            closed_at,
            rows,
        }))
    }

    /// What one subject owes, as of `today`: the one rule of [`probity_model::obligation`] over
    /// the roster (`subject_since`, `status`) and the open cycles. For the declarant's own page.
    ///
    /// - **Annual**: one per open cycle (not closed) the subject is due for
    ///   ([`obligation::annual_due`]: a subject on or before 31 December of the year, not retired),
    ///   due by the cycle's deadline as opened.
    /// - **Initial**: when `subject_since` falls in an open cycle's year or later (on or after
    ///   1 January of the earliest open cycle's year), due [`obligation::initial_due`] after it;
    ///   filed by any initial report of the subject in force.
    /// - Change reports are not known in advance (they follow events) and are not listed.
    ///
    /// Each says whether it is filed (the report in force), on time or late (the first filing's
    /// date against the due date), filed after its cycle closed, a draft, not started, or missing.
    /// Empty when the subject is not on the roster. Oldest year first, the initial report first
    /// within a year.
    ///
    /// ```no_run
    /// # async fn page(store: &probity_store::Store, profile: &probity_model::Profile,
    /// #               person_key: &str) -> Result<(), probity_store::StoreError> {
    /// let today = probity_model::Date::parse("2026-02-03").unwrap();
    /// for due in store.obligations_of(profile, person_key, today).await? {
    ///     if due.standing.unfiled() {
    ///         println!("{:?} {} due {}", due.kind, due.year, due.due);
    ///     }
    /// }
    /// # Ok(()) }
    /// ```
    pub async fn obligations_of(
        &self,
        profile: &Profile,
        person_key: &str,
        today: Date,
    ) -> Result<Vec<Obligation>, StoreError> {
        let mut conn = self.connection().await?;
        let Some(subject) = subjects(&mut conn, Some(person_key))
            .await?
            .into_iter()
            .next()
        else {
            return Ok(Vec::new());
        };
        let today = today.to_string();
        let open: Vec<(i32, String, Option<String>)> = sqlx::query(
            "SELECT year, deadline, closed_at FROM cycles WHERE closed_at IS NULL ORDER BY year",
        )
        .fetch_all(&mut *conn)
        .await?
        .iter()
        .map(|r| {
            let year: i64 = r.try_get(0)?;
            Ok((year as i32, r.try_get(1)?, r.try_get(2)?))
        })
        .collect::<Result<_, sqlx::Error>>()?;
        let annual = filings(&mut conn, "annual", None, Some(person_key)).await?;
        let initial = filings(&mut conn, "initial", None, Some(person_key)).await?;
        let annual_drafts = drafts(&mut conn, "annual", None, Some(person_key)).await?;
        let initial_drafts = drafts(&mut conn, "initial", None, Some(person_key)).await?;
        let mut out = Vec::new();
        let first_open = open.first().map(|c| c.0);
        if first_open.is_some_and(|y| subject.since.year() >= y)
            && let Some(due) = obligation::initial_due(profile, subject.since)
        {
            let filed = initial.values().next();
            let r = row(
                &subject,
                ReportKind::Initial,
                &due.to_string(),
                filed,
                !initial_drafts.is_empty(),
                None,
                &today,
            );
            out.push(obligation_of(r, subject.since.year(), due));
        }
        for (year, deadline, closed_at) in &open {
            if obligation::annual_due(profile, subject.since, subject.status, *year).is_none() {
                continue;
            }
            let due = Date::parse(deadline)
                .map_err(|_| StoreError::Corrupt("a cycle's deadline is no date".into()))?;
            let r = row(
                &subject,
                ReportKind::Annual,
                deadline,
                annual.get(&(person_key.to_owned(), *year)),
                annual_drafts.contains(&format!("{person_key}/{year}")),
                closed_at.as_deref(),
                &today,
            );
            out.push(obligation_of(r, *year, due));
        }
        out.sort_by_key(|o| (o.year, o.kind != ReportKind::Initial));
        Ok(out)
    }

    /// A person's filed reports, newest first, without content.
    pub async fn reports_of(&self, person_key: &str) -> Result<Vec<ReportSummary>, StoreError> {
        self.summaries("person_key = $1", Some(person_key)).await
    }

    /// One report's metadata, without content.
    pub async fn report_summary(
        &self,
        declaration_id: &str,
    ) -> Result<Option<ReportSummary>, StoreError> {
        Ok(self
            .summaries("declaration_id = $1", Some(declaration_id))
            .await?
            .into_iter()
            .next())
    }

    async fn summaries(
        &self,
        filter: &str,
        bind: Option<&str>,
    ) -> Result<Vec<ReportSummary>, StoreError> {
        let sql = format!(
            "SELECT declaration_id, person_key, year, kind, filed_on, supersedes, content_sha256, stored_at \
             FROM declarations WHERE {filter} ORDER BY stored_at DESC, declaration_id DESC"
        );
        let mut q = sqlx::query(sqlx::AssertSqlSafe(sql));
        if let Some(b) = bind {
            q = q.bind(b.to_owned());
        }
        q.fetch_all(&self.pool)
            .await?
            .iter()
            .map(|r| {
                Ok(ReportSummary {
                    declaration_id: r.try_get(0)?,
                    person_key: r.try_get(1)?,
                    year: r.try_get(2)?,
                    kind: r.try_get(3)?,
                    filed_on: r.try_get(4)?,
                    supersedes: r.try_get(5)?,
                    content_sha256: r.try_get(6)?,
                    stored_at: r.try_get(7)?,
                })
            })
            .collect()
    }

    /// The cycles, newest first: (year, deadline).
    pub async fn cycles(&self) -> Result<Vec<(i32, String)>, StoreError> {
        sqlx::query("SELECT year, deadline FROM cycles ORDER BY year DESC")
            .fetch_all(&self.pool)
            .await?
            .iter()
            .map(|r| {
                let year: i64 = r.try_get(0)?;
                Ok((year as i32, r.try_get(1)?))
            })
            .collect()
    }

    /// The roster subject of a blind index: (name, unit), if on the roster.
    pub async fn subject(&self, person_key: &str) -> Result<Option<(String, String)>, StoreError> {
        let row = sqlx::query("SELECT name, unit FROM subjects WHERE person_key = $1")
            .bind(person_key)
            .fetch_optional(&self.pool)
            .await?;
        row.map(|r| Ok((r.try_get(0)?, r.try_get(1)?))).transpose()
    }
}

impl Store {
    /// Subjects on the roster without an account, of one unit or all within `scope`:
    /// (person_key, name, unit).
    pub async fn subjects_without_account(
        &self,
        scope: &UnitScope,
        unit: Option<&str>,
    ) -> Result<Vec<(String, String, String)>, StoreError> {
        let sql = "SELECT s.person_key, s.name, s.unit FROM subjects s \
                   WHERE s.on_roster = 1 AND ($1 = '' OR s.unit = $1) \
                   AND NOT EXISTS (SELECT 1 FROM users u WHERE u.person_key = s.person_key) \
                   ORDER BY s.unit, s.name";
        sqlx::query(sql)
            .bind(unit.unwrap_or(""))
            .fetch_all(&self.pool)
            .await?
            .iter()
            .map(|r| Ok((r.try_get(0)?, r.try_get(1)?, r.try_get(2)?)))
            .filter(|r: &Result<(String, String, String), StoreError>| {
                r.as_ref().map_or(true, |(_, _, u)| scope.covers(u))
            })
            .collect()
    }

    /// The units, by name.
    pub async fn units(&self) -> Result<Vec<String>, StoreError> {
        sqlx::query("SELECT name FROM units ORDER BY name")
            .fetch_all(&self.pool)
            .await?
            .iter()
            .map(|r| Ok(r.try_get(0)?))
            .collect()
    }
}

fn row(
    subject: &Subject,
    kind: ReportKind,
    due: &str,
    filed: Option<&Filing>,
    has_draft: bool,
    closed_at: Option<&str>,
    today: &str,
) -> ProgressRow {
    let after_close = match (filed, closed_at) {
        (Some(f), Some(closed)) => f.first_stored_at.as_str() > closed,
        _ => false,
    };
    ProgressRow {
        unit: subject.unit.clone(),
        name: subject.name.clone(),
        position: subject.position.clone(),
        person_key: subject.person_key.clone(),
        kind,
        due: due.to_owned(),
        standing: Standing::of(
            filed.map(|f| f.first_filed_on.as_str()),
            has_draft,
            due,
            today,
        ),
        declaration_id: filed.map(|f| f.in_force.clone()),
        filed_on: filed.map(|f| f.first_filed_on.clone()),
        after_close,
    }
}

fn obligation_of(r: ProgressRow, year: i32, due: Date) -> Obligation {
    Obligation {
        kind: r.kind,
        year,
        due,
        standing: r.standing,
        declaration_id: r.declaration_id,
        filed_on: r.filed_on,
        after_close: r.after_close,
    }
}

async fn cycle_years(conn: &mut sqlx::AnyConnection) -> Result<Vec<i32>, StoreError> {
    sqlx::query("SELECT year FROM cycles")
        .fetch_all(conn)
        .await?
        .iter()
        .map(|r| Ok(r.try_get::<i64, _>(0)? as i32))
        .collect()
}

/// Subjects on the roster (all, or one), with what the due-date rule reads.
async fn subjects(
    conn: &mut sqlx::AnyConnection,
    person_key: Option<&str>,
) -> Result<Vec<Subject>, StoreError> {
    let rows = sqlx::query(
        "SELECT person_key, unit, name, position, subject_since, status FROM subjects \
         WHERE on_roster = 1 AND ($1 = '' OR person_key = $1) ORDER BY unit, name",
    )
    .bind(person_key.unwrap_or_default())
    .fetch_all(conn)
    .await?;
    rows.iter()
        .map(|r| {
            let since: String = r.try_get(4)?;
            let status: String = r.try_get(5)?;
            Ok(Subject {
                person_key: r.try_get(0)?,
                unit: r.try_get(1)?,
                name: r.try_get(2)?,
                position: r.try_get(3)?,
                since: Date::parse(&since)
                    .map_err(|_| StoreError::Corrupt("a subject_since is no date".into()))?,
                status: serde_json::from_value(serde_json::Value::String(status))
                    .map_err(|_| StoreError::Corrupt("a subject's status is unknown".into()))?,
            })
        })
        .collect()
}

/// Filings of one kind by (person, year): the report in force and the first filing. For one
/// year or all, one person or all.
async fn filings(
    conn: &mut sqlx::AnyConnection,
    kind: &str,
    year: Option<i32>,
    person_key: Option<&str>,
) -> Result<HashMap<(String, i32), Filing>, StoreError> {
    let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
        "SELECT person_key, year, declaration_id, filed_on, stored_at, \
         CASE WHEN {} THEN 1 ELSE 0 END FROM declarations \
         WHERE kind = $1 AND ($2 < 0 OR year = $2) AND ($3 = '' OR person_key = $3) \
         ORDER BY stored_at, declaration_id",
        crate::in_force::SQL
    )))
    .bind(kind)
    .bind(year.map_or(-1, i64::from))
    .bind(person_key.unwrap_or_default())
    .fetch_all(conn)
    .await?;
    let mut out: HashMap<(String, i32), Filing> = HashMap::new();
    for r in rows {
        let key = (r.try_get::<String, _>(0)?, r.try_get::<i64, _>(1)? as i32);
        let id: String = r.try_get(2)?;
        let in_force = r.try_get::<i64, _>(5)? == 1;
        let entry = out.entry(key).or_insert_with(|| Filing {
            in_force: id.clone(),
            first_filed_on: r.try_get(3).unwrap_or_default(),
            first_stored_at: r.try_get(4).unwrap_or_default(),
        });
        if in_force {
            entry.in_force = id;
        }
    }
    Ok(out)
}

/// Who has a draft of one kind: person keys (one year), or `person/year` (all years).
async fn drafts(
    conn: &mut sqlx::AnyConnection,
    kind: &str,
    year: Option<i32>,
    person_key: Option<&str>,
) -> Result<HashSet<String>, StoreError> {
    let rows = sqlx::query(
        "SELECT person_key, year FROM drafts WHERE kind = $1 AND ($2 < 0 OR year = $2) \
         AND ($3 = '' OR person_key = $3)",
    )
    .bind(kind)
    .bind(year.map_or(-1, i64::from))
    .bind(person_key.unwrap_or_default())
    .fetch_all(conn)
    .await?;
    rows.iter()
        .map(|r| {
            let p: String = r.try_get(0)?;
            let y: i64 = r.try_get(1)?;
            Ok(if year.is_some() {
                p
            } else {
                format!("{p}/{y}")
            })
        })
        .collect()
}
