//! Reading reports back. Every read of a report's content appends an audit event naming who read
//! which report, in the same transaction as the read: no event, no content.

use crate::error::StoreError;
use crate::record::{Value, fetch};
use crate::schema::DECLARATIONS;
use crate::store::{Stamp, Store};

/// A stored report.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredDeclaration {
    /// Its id.
    pub declaration_id: String,
    /// Blind index of the declarant's resident ID.
    pub person_key: String,
    /// Year reported on.
    pub year: i64,
    /// `annual`, `change` or `initial`.
    pub kind: String,
    /// Report date.
    pub filed_on: String,
    /// The report it corrects.
    pub supersedes: Option<String>,
    /// SHA-256 of the JSON as filed.
    pub content_sha256: String,
    /// The JSON as filed.
    pub json: String,
}

fn from_row(row: Vec<Value>) -> Result<StoredDeclaration, StoreError> {
    let text = |i: usize| -> Result<String, StoreError> {
        row[i]
            .as_text()
            .map(str::to_owned)
            .ok_or_else(|| StoreError::Corrupt(format!("declarations column {i} is not text")))
    };
    let json = String::from_utf8(row[7].as_bytes().unwrap_or_default().to_vec())
        .map_err(|_| StoreError::Corrupt("a report's content is not UTF-8".into()))?;
    Ok(StoredDeclaration {
        declaration_id: text(0)?,
        person_key: text(1)?,
        year: row[2].as_int().unwrap_or_default(),
        kind: text(3)?,
        filed_on: text(4)?,
        supersedes: row[5].as_text().map(str::to_owned),
        content_sha256: text(6)?,
        json,
    })
}

impl Store {
    /// Reads one report, recording the read (`declaration.read`) in the audit log.
    pub async fn read_declaration(
        &self,
        stamp: &Stamp,
        declaration_id: &str,
    ) -> Result<Option<StoredDeclaration>, StoreError> {
        let mut w = self.writer(stamp).await?;
        let keys = w.keys.clone();
        let rows = fetch(
            w.conn(),
            &keys,
            &DECLARATIONS,
            "declaration_id = $1",
            &[declaration_id.into()],
        )
        .await?;
        let Some(row) = rows.into_iter().next() else {
            w.rollback().await?;
            return Ok(None);
        };
        let d = from_row(row)?;
        w.event(
            "declaration.read",
            &format!("declarations/{declaration_id}"),
            &format!("read declarations {declaration_id}"),
        )
        .await?;
        w.commit().await?;
        Ok(Some(d))
    }

    /// Reads every current report of a cycle (the latest version of each: none that a later one
    /// supersedes), recording one read event that names them all.
    pub async fn read_cycle_declarations(
        &self,
        stamp: &Stamp,
        year: i32,
    ) -> Result<Vec<StoredDeclaration>, StoreError> {
        let mut w = self.writer(stamp).await?;
        let keys = w.keys.clone();
        let rows = fetch(
            w.conn(),
            &keys,
            &DECLARATIONS,
            "year = $1 AND declaration_id NOT IN \
             (SELECT supersedes FROM declarations WHERE supersedes IS NOT NULL)",
            &[Value::Int(year.into())],
        )
        .await?;
        let declarations = rows
            .into_iter()
            .map(from_row)
            .collect::<Result<Vec<_>, _>>()?;
        if !declarations.is_empty() {
            let payload: Vec<String> = declarations
                .iter()
                .map(|d| format!("read declarations {}", d.declaration_id))
                .collect();
            w.event(
                "declaration.read",
                &format!("cycles/{year}"),
                &payload.join("\n"),
            )
            .await?;
        }
        w.commit().await?;
        Ok(declarations)
    }

    /// The previous annual reports a verification run compares its reports with: for each of
    /// `person_keys` (blind indexes), the latest version of the subject's annual report on
    /// `year` (none that a later one supersedes; of two left, the later filed), if any. A staff
    /// read like any other: one `declaration.read` event names every report read, in the same
    /// transaction; subjects without a report on that year are not read and not named. In order
    /// of declaration id.
    pub async fn read_previous_annual(
        &self,
        stamp: &Stamp,
        year: i32,
        person_keys: &[String],
    ) -> Result<Vec<StoredDeclaration>, StoreError> {
        // Bound parameters per statement: well under SQLite's and PostgreSQL's limits.
        const CHUNK: usize = 500;
        let mut w = self.writer(stamp).await?;
        let keys = w.keys.clone();
        let mut latest: std::collections::BTreeMap<String, StoredDeclaration> =
            std::collections::BTreeMap::new();
        let mut wanted: Vec<&String> = person_keys.iter().collect();
        wanted.sort();
        wanted.dedup();
        for chunk in wanted.chunks(CHUNK) {
            let marks: Vec<String> = (0..chunk.len()).map(|i| format!("${}", i + 2)).collect();
            let filter = format!(
                "year = $1 AND kind = 'annual' AND person_key IN ({}) AND declaration_id NOT IN \
                 (SELECT supersedes FROM declarations WHERE supersedes IS NOT NULL)",
                marks.join(", ")
            );
            let mut binds = vec![Value::Int(year.into())];
            binds.extend(chunk.iter().map(|k| Value::from(k.as_str())));
            for row in fetch(w.conn(), &keys, &DECLARATIONS, &filter, &binds).await? {
                let d = from_row(row)?;
                let later = latest.get(&d.person_key).is_none_or(|kept| {
                    (&d.filed_on, &d.declaration_id) > (&kept.filed_on, &kept.declaration_id)
                });
                if later {
                    latest.insert(d.person_key.clone(), d);
                }
            }
        }
        let mut declarations: Vec<StoredDeclaration> = latest.into_values().collect();
        declarations.sort_by(|a, b| a.declaration_id.cmp(&b.declaration_id));
        if declarations.is_empty() {
            w.rollback().await?;
            return Ok(declarations);
        }
        let payload: Vec<String> = declarations
            .iter()
            .map(|d| format!("read declarations {}", d.declaration_id))
            .collect();
        w.event(
            "declaration.read",
            &format!("cycles/{year}"),
            &payload.join("\n"),
        )
        .await?;
        w.commit().await?;
        Ok(declarations)
    }
}
