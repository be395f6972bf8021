//! Reminders: the open cycle, where one subject stands in it (the declarant's own notice), and
//! the record that a reminder list was issued. Who is on a list is the progress view's business
//! (`Store::progress`); issuing one writes an audit event per unit that names the cycle, the unit
//! and how many subjects it lists — never a name or an ID.

use sqlx::Row;

use crate::error::StoreError;
use crate::progress::Standing;
use crate::store::{Stamp, Store};

/// The action of the audit event that records a reminder list issued.
pub const REMINDER_ISSUED: &str = "reminder.issued";

/// A reminder list issued for one unit, as the audit log records it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReminderIssued {
    /// The cycle's year.
    pub year: i32,
    /// The unit.
    pub unit: String,
    /// How many subjects the list named.
    pub count: usize,
    /// When (RFC 3339).
    pub at: String,
    /// Who issued it.
    pub actor: String,
}

/// Units are names from the roster; a line break in one would forge a line of the payload.
fn one_line(text: &str) -> String {
    text.chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect()
}

impl Store {
    /// The cycle still open (not closed), the latest if several: (year, deadline).
    pub async fn current_cycle(&self) -> Result<Option<(i32, String)>, StoreError> {
        let row = sqlx::query(
            "SELECT year, deadline FROM cycles WHERE closed_at IS NULL ORDER BY year DESC LIMIT 1",
        )
        .fetch_optional(&self.pool)
        .await?;
        row.map(|r| {
            let year: i64 = r.try_get(0)?;
            Ok((year as i32, r.try_get(1)?))
        })
        .transpose()
    }

    /// Where one subject stands in cycle `year` as of `today` (`YYYY-MM-DD`) for its annual
    /// report: `None` when the cycle was never opened, the subject is not on the roster, or no
    /// annual report of that year is due from them ([`probity_model::obligation::annual_due`]).
    /// The same rules as the progress view; (standing, deadline).
    pub async fn standing_of(
        &self,
        profile: &probity_model::Profile,
        year: i32,
        person_key: &str,
        today: &str,
    ) -> Result<Option<(Standing, String)>, StoreError> {
        let Some(progress) = self.progress_of(profile, year, person_key, today).await? else {
            return Ok(None);
        };
        Ok(progress
            .rows
            .into_iter()
            .find(|r| r.kind == probity_model::declaration::ReportKind::Annual)
            .map(|r| (r.standing, progress.deadline)))
    }

    /// Records that a reminder list of cycle `year` was issued: one `reminder.issued` event per
    /// unit, `(unit, how many subjects it names)`, in one transaction.
    pub async fn record_reminders(
        &self,
        stamp: &Stamp,
        year: i32,
        units: &[(String, usize)],
    ) -> Result<(), StoreError> {
        if units.is_empty() {
            return Ok(());
        }
        let mut w = self.writer(stamp).await?;
        for (unit, count) in units {
            let payload = format!("cycle {year}\nunit {}\ncount {count}", one_line(unit));
            w.event(REMINDER_ISSUED, &format!("cycles/{year}"), &payload)
                .await?;
        }
        w.commit().await?;
        Ok(())
    }

    /// The reminder lists issued for cycle `year`, newest first, read back from the audit log.
    pub async fn reminders_issued(&self, year: i32) -> Result<Vec<ReminderIssued>, StoreError> {
        let rows = sqlx::query(
            "SELECT at, actor, payload FROM audit_events WHERE action = $1 AND subject = $2 \
             ORDER BY seq DESC",
        )
        .bind(REMINDER_ISSUED)
        .bind(format!("cycles/{year}"))
        .fetch_all(&self.pool)
        .await?;
        let mut out = Vec::new();
        for r in rows {
            let payload: String = r.try_get(2)?;
            let field = |name: &str| {
                payload
                    .lines()
                    .find_map(|l| l.strip_prefix(name)?.strip_prefix(' '))
                    .map(str::to_owned)
            };
            let (Some(unit), Some(count)) = (field("unit"), field("count")) else {
                return Err(StoreError::Corrupt(format!(
                    "a {REMINDER_ISSUED} event without unit and count"
                )));
            };
            out.push(ReminderIssued {
                year,
                unit,
                count: count
                    .parse()
                    .map_err(|_| StoreError::Corrupt("a reminder count is not a number".into()))?,
                at: r.try_get(0)?,
                actor: r.try_get(1)?,
            });
        }
        Ok(out)
    }
}
