//! The progress view of a cycle: per subject on the roster, filed (on time or late), draft, not
//! started, or missing after the deadline. Reads metadata only (never a report's content).

use std::collections::HashMap;

use sqlx::Row;

use crate::error::StoreError;
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

/// One subject in the progress view.
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
    /// Where they stand.
    pub standing: Standing,
    /// The annual report filed, if any (the latest version).
    pub declaration_id: Option<String>,
    /// Its report date.
    pub filed_on: Option<String>,
}

/// A cycle's progress.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Progress {
    /// The year reported on.
    pub year: i32,
    /// The deadline.
    pub deadline: String,
    /// Every subject on the roster.
    pub rows: Vec<ProgressRow>,
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
    /// The progress of cycle `year` as of `today` (`YYYY-MM-DD`), or `None` if not open.
    pub async fn progress(&self, year: i32, today: &str) -> Result<Option<Progress>, StoreError> {
        let mut conn = self.connection().await?;
        let cycle = sqlx::query("SELECT deadline FROM cycles WHERE year = $1")
            .bind(i64::from(year))
            .fetch_optional(&mut *conn)
            .await?;
        let Some(cycle) = cycle else { return Ok(None) };
        let deadline: String = cycle.try_get(0)?;
        let mut filed: HashMap<String, (String, String)> = HashMap::new();
        for r in sqlx::query(
            "SELECT person_key, declaration_id, filed_on FROM declarations \
             WHERE year = $1 AND kind = 'annual' ORDER BY stored_at, declaration_id",
        )
        .bind(i64::from(year))
        .fetch_all(&mut *conn)
        .await?
        {
            // Later versions replace earlier ones; the first filing date decides lateness.
            let key: String = r.try_get(0)?;
            let on: String = r.try_get(2)?;
            let id: String = r.try_get(1)?;
            let first = filed.get(&key).map_or(on, |(_, first)| first.clone());
            filed.insert(key, (id, first));
        }
        let drafts: std::collections::HashSet<String> =
            sqlx::query("SELECT person_key FROM drafts WHERE year = $1 AND kind = 'annual'")
                .bind(i64::from(year))
                .fetch_all(&mut *conn)
                .await?
                .iter()
                .map(|r| r.try_get(0))
                .collect::<Result<_, _>>()?;
        let mut rows = Vec::new();
        for r in sqlx::query(
            "SELECT person_key, unit, name, position FROM subjects WHERE on_roster = 1 ORDER BY unit, name",
        )
        .fetch_all(&mut *conn)
        .await?
        {
            let person_key: String = r.try_get(0)?;
            let found = filed.get(&person_key);
            let standing = Standing::of(
                found.map(|(_, on)| on.as_str()),
                drafts.contains(&person_key),
                &deadline,
                today,
            );
            let (declaration_id, filed_on) = match found {
                Some((id, on)) => (Some(id.clone()), Some(on.clone())),
                None => (None, None),
            };
            rows.push(ProgressRow {
                unit: r.try_get(1)?,
                name: r.try_get(2)?,
                position: r.try_get(3)?,
                person_key,
                standing,
                declaration_id,
                filed_on,
            });
        }
        Ok(Some(Progress {
            year,
            deadline,
            rows,
        }))
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
    /// Subjects on the roster without an account, of one unit or all: (person_key, name, unit).
    pub async fn subjects_without_account(
        &self,
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
