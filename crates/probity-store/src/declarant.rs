//! What a declarant reads about themself on their own page: the drafts they have in progress,
//! and the outcome of the verification of their reports once it is in force.
//!
//! These are the declarant's own reads, not a staff read of anyone's report, so they are not
//! audited. They read only plain columns: what the subject learns is the outcome — the matter,
//! the determination and its measures — never the verifiers' reasoning (`determinations.reason`)
//! nor the notes kept with a measure (`measures.note`), which the schema seals for the
//! verifiers, and never who decided.

use std::collections::{BTreeMap, HashMap};

use probity_model::Profile;
use sqlx::Row;

use crate::error::StoreError;
use crate::store::Store;
use crate::workbench::{Signed, standings};

/// A report being written: one per year and kind.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DraftInProgress {
    /// Year reported on.
    pub year: i32,
    /// `annual`, `change`, `initial`.
    pub kind: String,
    /// When it was last saved.
    pub updated_at: String,
}

/// A determination in force on a finding about one of the declarant's reports, as the subject
/// learns it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReportOutcome {
    /// The report the finding was made on.
    pub declaration_id: String,
    /// The finding's category (`real_estate`, …).
    pub category: String,
    /// The profile's determination id (`consistent`, `explained`, `omission`, `concealment`).
    pub outcome: String,
    /// Since when it is in force: the second verifier's confirmation, else the decision.
    pub in_force_since: String,
    /// The measures decided with it (the profile's ids), in the order they were recorded.
    pub measures: Vec<String>,
}

impl Store {
    /// The declarant's drafts, newest year first.
    pub async fn drafts_of(&self, person_key: &str) -> Result<Vec<DraftInProgress>, StoreError> {
        let mut conn = self.connection().await?;
        sqlx::query(
            "SELECT year, kind, updated_at FROM drafts WHERE person_key = $1 \
             ORDER BY year DESC, kind",
        )
        .bind(person_key)
        .fetch_all(&mut *conn)
        .await?
        .iter()
        .map(|r| {
            Ok(DraftInProgress {
                year: i32::try_from(r.try_get::<i64, _>(0)?)
                    .map_err(|_| StoreError::Corrupt("a draft's year is out of range".into()))?,
                kind: r.try_get(1)?,
                updated_at: r.try_get(2)?,
            })
        })
        .collect()
    }

    /// The determinations in force on the findings about the declarant's reports, with their
    /// measures: per finding the determination in force under the profile (the one rule,
    /// `workbench::standings`); one awaiting its second verifier is not shown, and one it would
    /// replace stays shown until it takes force. Ordered by report, then as decided.
    pub async fn report_outcomes(
        &self,
        profile: &Profile,
        person_key: &str,
    ) -> Result<Vec<ReportOutcome>, StoreError> {
        let mut conn = self.connection().await?;
        let rows = sqlx::query(
            "SELECT d.id, d.finding_id, d.outcome, d.decided_by, d.confirmed_by, \
             COALESCE(f.declaration_id, c.declaration_id, ''), f.category, d.decided_at, \
             d.confirmed_at FROM determinations d JOIN cases c ON c.id = d.case_id \
             JOIN findings f ON f.id = d.finding_id WHERE c.person_key = $1 ORDER BY d.id",
        )
        .bind(person_key)
        .fetch_all(&mut *conn)
        .await?;
        let signed = rows
            .iter()
            .map(Signed::of_row)
            .collect::<Result<Vec<_>, _>>()?;
        let standing = standings(profile, &signed);
        // Per finding, the determination in force, if one; the others are history or wait.
        let mut latest: BTreeMap<i64, (i64, ReportOutcome, bool)> = BTreeMap::new();
        for (r, d) in rows.iter().zip(&signed) {
            if !standing.get(&d.id).is_some_and(|s| s.in_force) {
                continue;
            }
            let decided_at: String = r.try_get(7)?;
            let confirmed_at: Option<String> = r.try_get(8)?;
            latest.insert(
                d.finding.unwrap_or_default(),
                (
                    d.id,
                    ReportOutcome {
                        declaration_id: r.try_get(5)?,
                        category: r.try_get(6)?,
                        outcome: d.outcome.clone(),
                        in_force_since: confirmed_at.unwrap_or(decided_at),
                        measures: Vec::new(),
                    },
                    true,
                ),
            );
        }
        let mut measures: HashMap<i64, Vec<String>> = HashMap::new();
        for r in sqlx::query(
            "SELECT m.determination_id, m.measure FROM measures m JOIN cases c ON c.id = m.case_id \
             WHERE c.person_key = $1 ORDER BY m.id",
        )
        .bind(person_key)
        .fetch_all(&mut *conn)
        .await?
        {
            if let Some(d) = r.try_get::<Option<i64>, _>(0)? {
                measures.entry(d).or_default().push(r.try_get(1)?);
            }
        }
        let mut out: Vec<(i64, ReportOutcome)> = latest
            .into_values()
            .filter(|(_, _, effective)| *effective)
            .map(|(id, mut o, _)| {
                o.measures = measures.remove(&id).unwrap_or_default();
                (id, o)
            })
            .collect();
        out.sort_by(|(a_id, a), (b_id, b)| {
            a.declaration_id.cmp(&b.declaration_id).then(a_id.cmp(b_id))
        });
        Ok(out.into_iter().map(|(_, o)| o).collect())
    }
}
