//! Loading files into the database, all or nothing per file: the roster, a cycle, declarations
//! and registry extracts. Each import reads and checks everything first, then writes in one
//! transaction; one bad row and nothing of the file is stored. Importing the same file again
//! changes nothing: not a row, not an event.

use crate::refusal::Refusal;
use std::collections::{BTreeMap, BTreeSet, HashMap};

use probity_model::declaration::Declaration;
use probity_model::roster::RosterEntry;
use probity_model::time::Date;

use crate::audit::sha256_hex;
use crate::error::StoreError;
use crate::record::{Value, fetch};
use crate::schema::{
    CYCLES, DECLARATION_BATCHES, DECLARATIONS, REGISTRY_BATCHES, ROSTER_BATCHES, ROSTER_CHANGES,
    SUBJECTS, UNITS,
};
use crate::store::{Stamp, Store};
use crate::write::Writer;

/// What an import did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Imported {
    /// Whether the file had been imported before (then nothing changed).
    pub already: bool,
    /// Records added.
    pub added: usize,
    /// Records changed.
    pub changed: usize,
    /// Records removed (or, for the roster, taken off it).
    pub removed: usize,
    /// Records that were already there, unchanged.
    pub unchanged: usize,
}

/// The blind-index kind of resident IDs.
pub const RESIDENT_ID: &str = "resident_id";

fn rejected(file: &str, line: usize, field: &str, message: impl Into<String>) -> StoreError {
    StoreError::Rejected {
        file: file.to_owned(),
        line,
        field: field.to_owned(),
        message: message.into(),
    }
}

/// The roster file's columns (FORMATS.md).
const ROSTER_COLUMNS: [&str; 9] = [
    "id",
    "name",
    "unit",
    "position",
    "rank",
    "sector",
    "subject_since",
    "status",
    "flags",
];

/// Reads a roster file: every entry with its line, or the first error with file, line and field.
pub fn read_roster(file: &str, bytes: &[u8]) -> Result<Vec<(usize, RosterEntry)>, StoreError> {
    let mut reader = csv::ReaderBuilder::new().from_reader(bytes);
    let headers = reader
        .headers()
        .map_err(|e| rejected(file, 1, "header", e.to_string()))?
        .clone();
    for column in ROSTER_COLUMNS {
        if !headers.iter().any(|h| h == column) {
            return Err(rejected(file, 1, column, "column missing from the header"));
        }
    }
    if let Some(extra) = headers.iter().find(|h| !ROSTER_COLUMNS.contains(h)) {
        return Err(rejected(file, 1, extra, "unknown column"));
    }
    let mut entries = Vec::new();
    let mut seen: HashMap<String, usize> = HashMap::new();
    let mut record = csv::StringRecord::new();
    let mut last_line = 1;
    loop {
        match reader.read_record(&mut record) {
            Ok(true) => {}
            Ok(false) => break,
            Err(e) => return Err(csv_error(file, &headers, &e, None)),
        }
        // The record's own line (a quoted cell may span lines); the reader can report the first
        // record after the header as line 1, so never less than one past the line before.
        let line = record
            .position()
            .map_or(0, |p| p.line() as usize)
            .max(last_line + 1);
        last_line = line;
        // Every cell is text first: no longer than a field may be, no control characters. The
        // message names the problem, never the value (a cell may be a resident ID).
        for (column, cell) in headers.iter().zip(record.iter()) {
            if let Some(problem) = probity_model::text::text_problem(cell) {
                return Err(rejected(file, line, column, problem.to_string()));
            }
        }
        let entry: RosterEntry =
            record.deserialize(Some(&headers)).map_err(|e| {
                match failing_field(&headers, &record) {
                    Some((field, message)) => rejected(file, line, field, message),
                    None => csv_error(file, &headers, &e, Some(line)),
                }
            })?;
        for (field, value) in [
            ("name", &entry.name),
            ("unit", &entry.unit),
            ("position", &entry.position),
        ] {
            if value.trim().is_empty() {
                return Err(rejected(file, line, field, "must not be blank"));
            }
        }
        if let Some(first) = seen.insert(entry.id.to_string(), line) {
            return Err(rejected(
                file,
                line,
                "id",
                format!("the same person is on line {first} already"),
            ));
        }
        entries.push((line, entry));
    }
    Ok(entries)
}

/// The first cell of a roster line that does not parse, and why: serde's error about a whole
/// record does not always say which field it was.
fn failing_field<'h>(
    headers: &'h csv::StringRecord,
    record: &csv::StringRecord,
) -> Option<(&'h str, String)> {
    use probity_model::roster::{Rank, Sector, SubjectStatus};
    fn named<T: serde::de::DeserializeOwned>(cell: &str) -> Result<(), String> {
        serde_json::from_value::<T>(serde_json::Value::String(cell.to_owned()))
            .map(|_| ())
            .map_err(|e| e.to_string())
    }
    headers
        .iter()
        .zip(record.iter())
        .find_map(|(column, cell)| {
            let outcome = match column {
                "id" => probity_model::ResidentId::parse(cell)
                    .map(|_| ())
                    .map_err(|e| e.to_string()),
                "rank" => named::<Rank>(cell),
                "sector" => named::<Sector>(cell),
                "status" => named::<SubjectStatus>(cell),
                "subject_since" => Date::parse(cell).map(|_| ()).map_err(|e| e.to_string()),
                "flags" => cell
                    .split(';')
                    .map(str::trim)
                    .filter(|f| !f.is_empty())
                    .find(|f| probity_model::roster::KeyCheckReason::parse(f).is_none())
                    .map_or(Ok(()), |f| Err(format!("unknown key-check reason {f:?}"))),
                _ => Ok(()),
            };
            outcome.err().map(|message| (column, message))
        })
}

fn csv_error(
    file: &str,
    headers: &csv::StringRecord,
    e: &csv::Error,
    line: Option<usize>,
) -> StoreError {
    let line = line.unwrap_or_else(|| e.position().map_or(0, |p| p.line() as usize));
    match e.kind() {
        csv::ErrorKind::Deserialize { err, .. } => {
            let field = err
                .field()
                .and_then(|i| headers.get(i as usize))
                .unwrap_or("row");
            // The message names the field's value only through its kind, never the value itself,
            // because a roster cell may be a resident ID.
            rejected(file, line, field, err.kind().to_string())
        }
        csv::ErrorKind::UnequalLengths {
            expected_len, len, ..
        } => rejected(
            file,
            line,
            "row",
            format!("{len} fields where the header has {expected_len}"),
        ),
        _ => rejected(file, line, "row", e.to_string()),
    }
}

fn roster_row(
    person_key: &str,
    entry: &RosterEntry,
    on_roster: bool,
    batch: i64,
) -> Result<Vec<Value>, StoreError> {
    Ok(vec![
        person_key.into(),
        Value::Bytes(entry.id.to_string().into_bytes()),
        entry.name.as_str().into(),
        entry.unit.as_str().into(),
        entry.position.as_str().into(),
        enum_name(&entry.rank)?.into(),
        enum_name(&entry.sector)?.into(),
        entry.subject_since.to_string().into(),
        enum_name(&entry.status)?.into(),
        entry
            .flags
            .iter()
            .map(|f| f.as_str())
            .collect::<Vec<_>>()
            .join(";")
            .into(),
        Value::Int(i64::from(on_roster)),
        Value::Int(batch),
    ])
}

/// A unit enum's name as serde writes it (`"vice_division"`).
fn enum_name<T: serde::Serialize>(value: &T) -> Result<String, StoreError> {
    match serde_json::to_value(value) {
        Ok(serde_json::Value::String(s)) => Ok(s),
        _ => Err(StoreError::Corrupt("an enumeration is not a name".into())),
    }
}

/// A roster import that would take off more than this share (per cent) of a unit's subjects on
/// the roster is refused unless the removals are confirmed ([`Removals::Allowed`]).
pub const REMOVAL_SHARE_PERCENT: usize = 20;

/// Whether a roster import may take many subjects off at once.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum Removals {
    /// Refuse a file that would take more than [`REMOVAL_SHARE_PERCENT`] per cent of a unit's
    /// subjects off the roster ([`StoreError::TooManyRemovals`]).
    #[default]
    Guarded,
    /// Take off whoever the file leaves out (confirmed by the person importing).
    Allowed,
}

/// How many of a unit's subjects a roster file would take off.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnitRemovals {
    /// The unit.
    pub unit: String,
    /// Subjects the file would take off.
    pub removed: usize,
    /// Subjects of the unit on the roster before the file.
    pub of: usize,
}

/// Columns of `subjects` compared to tell a change, by name and position in the row.
const SUBJECT_FIELDS: [(&str, usize); 8] = [
    ("name", 2),
    ("unit", 3),
    ("position", 4),
    ("rank", 5),
    ("sector", 6),
    ("subject_since", 7),
    ("status", 8),
    ("flags", 9),
];

impl Store {
    /// `probity roster import`: the file is the whole roster. New people are added, changed ones
    /// updated, people missing from it taken off (kept, with `on_roster = 0`); each change is a
    /// line of the roster's history. A file that would take off more than
    /// [`REMOVAL_SHARE_PERCENT`] per cent of a unit's subjects is refused
    /// ([`StoreError::TooManyRemovals`]); [`Store::import_roster_with`] can allow it.
    pub async fn import_roster(
        &self,
        stamp: &Stamp,
        file: &str,
        bytes: &[u8],
    ) -> Result<Imported, StoreError> {
        self.import_roster_with(
            &crate::UnitScope::Department,
            stamp,
            file,
            bytes,
            Removals::Guarded,
        )
        .await
    }

    /// [`Store::import_roster`] by an account limited to `scope`: the file is the whole roster
    /// of the units in scope. A line of a unit outside it refuses the file (naming the lines),
    /// and subjects of other units are left as they are, never taken off. Many removals are
    /// refused ([`Removals::Guarded`]).
    pub async fn import_roster_in(
        &self,
        scope: &crate::UnitScope,
        stamp: &Stamp,
        file: &str,
        bytes: &[u8],
    ) -> Result<Imported, StoreError> {
        self.import_roster_with(scope, stamp, file, bytes, Removals::Guarded)
            .await
    }

    /// [`Store::import_roster_in`], saying whether many removals are confirmed. The file is
    /// compared with the roster as stored, not with the files imported before: a file that
    /// changes nothing is `already` (and writes nothing), and importing an earlier file again
    /// puts the roster back as that file has it.
    pub async fn import_roster_with(
        &self,
        scope: &crate::UnitScope,
        stamp: &Stamp,
        file: &str,
        bytes: &[u8],
        removals: Removals,
    ) -> Result<Imported, StoreError> {
        let entries = read_roster(file, bytes)?;
        let outside: Vec<usize> = entries
            .iter()
            .filter(|(_, e)| !scope.covers(&e.unit))
            .map(|(line, _)| *line)
            .collect();
        if !outside.is_empty() {
            return Err(StoreError::OutsideScope {
                file: file_name_of(file),
                lines: outside,
            });
        }
        let file_sha256 = sha256_hex(bytes);
        let mut w = self.writer(stamp).await?;
        let keys = w.keys.clone();
        let batch = w.next_id(&ROSTER_BATCHES).await?;
        let units: BTreeSet<String> = fetch(w.conn(), &keys, &UNITS, "1 = 1", &[])
            .await?
            .into_iter()
            .filter_map(|r| r[0].as_text().map(str::to_owned))
            .collect();
        let current: HashMap<String, Vec<Value>> = fetch(w.conn(), &keys, &SUBJECTS, "1 = 1", &[])
            .await?
            .into_iter()
            .filter_map(|r| Some((r[0].as_text()?.to_owned(), r)))
            .collect();
        let mut outcome = Imported::default();
        let mut subject_rows = Vec::new();
        let mut change_rows = Vec::new();
        let mut new_units = BTreeSet::new();
        let mut listed = BTreeSet::new();
        for (_, entry) in &entries {
            let person_key = keys.blind_index(RESIDENT_ID, &entry.id.to_string());
            if !units.contains(&entry.unit) {
                new_units.insert(entry.unit.clone());
            }
            let row = roster_row(&person_key, entry, true, batch)?;
            let (change, fields) = match current.get(&person_key) {
                None => ("added", "*".to_owned()),
                Some(old) => {
                    let differ: Vec<&str> = SUBJECT_FIELDS
                        .iter()
                        .filter(|(_, i)| old[*i] != row[*i])
                        .map(|(name, _)| *name)
                        .collect();
                    if differ.is_empty() && old[10] == Value::Int(1) {
                        outcome.unchanged += 1;
                        listed.insert(person_key);
                        continue;
                    }
                    let change = if old[10] == Value::Int(1) {
                        "changed"
                    } else {
                        "returned"
                    };
                    (change, differ.join(";"))
                }
            };
            if change == "added" {
                outcome.added += 1;
            } else {
                outcome.changed += 1;
            }
            subject_rows.push(row);
            change_rows.push(vec![
                Value::Int(batch),
                person_key.as_str().into(),
                change.into(),
                fields.into(),
            ]);
            listed.insert(person_key);
        }
        // Subjects on the roster per unit in scope, and how many the file takes off.
        let mut per_unit: BTreeMap<&str, (usize, usize)> = BTreeMap::new();
        for (person_key, old) in &current {
            let in_scope = old[3].as_text().is_some_and(|u| scope.covers(u));
            if old[10] != Value::Int(1) || !in_scope {
                continue;
            }
            let unit = per_unit.entry(old[3].as_text().unwrap_or("")).or_default();
            unit.1 += 1;
            if !listed.contains(person_key) {
                unit.0 += 1;
            }
        }
        let over: Vec<UnitRemovals> = per_unit
            .iter()
            .filter(|(_, (removed, of))| removed * 100 > of * REMOVAL_SHARE_PERCENT)
            .map(|(unit, (removed, of))| UnitRemovals {
                unit: (*unit).to_owned(),
                removed: *removed,
                of: *of,
            })
            .collect();
        if !over.is_empty() && removals == Removals::Guarded {
            w.rollback().await?;
            return Err(StoreError::TooManyRemovals {
                file: file_name_of(file),
                units: over,
            });
        }
        for (person_key, old) in &current {
            let in_scope = old[3].as_text().is_some_and(|u| scope.covers(u));
            if listed.contains(person_key) || old[10] != Value::Int(1) || !in_scope {
                continue;
            }
            let mut row = old.clone();
            row[10] = Value::Int(0);
            row[11] = Value::Int(batch);
            subject_rows.push(row);
            change_rows.push(vec![
                Value::Int(batch),
                person_key.as_str().into(),
                "removed".into(),
                "*".into(),
            ]);
            outcome.removed += 1;
        }
        if change_rows.is_empty() {
            // The roster is as the file has it already: nothing to record.
            w.rollback().await?;
            outcome.already = true;
            return Ok(outcome);
        }
        // The batch row first: units, subjects and changes refer to it.
        w.insert(
            &ROSTER_BATCHES,
            "roster.import",
            vec![
                Value::Int(batch),
                file_name_of(file).into(),
                file_sha256.as_str().into(),
                Value::Int(entries.len() as i64),
                stamp.at.as_str().into(),
            ],
        )
        .await?;
        for unit in &new_units {
            w.insert(
                &UNITS,
                "unit.create",
                vec![unit.as_str().into(), Value::Int(batch)],
            )
            .await?;
        }
        w.upsert_all(&SUBJECTS, "subject.update", subject_rows)
            .await?;
        w.insert_all(&ROSTER_CHANGES, "roster.change", change_rows)
            .await?;
        w.commit().await?;
        Ok(outcome)
    }

    /// `probity cycle open --year Y`: opens the reporting cycle on year `year` with its deadline.
    /// Opening an open cycle changes nothing.
    pub async fn open_cycle(
        &self,
        stamp: &Stamp,
        year: i32,
        deadline: Date,
    ) -> Result<Imported, StoreError> {
        let mut w = self.writer(stamp).await?;
        let keys = w.keys.clone();
        let existing = fetch(
            w.conn(),
            &keys,
            &CYCLES,
            "year = $1",
            &[Value::Int(year.into())],
        )
        .await?;
        if !existing.is_empty() {
            w.rollback().await?;
            return Ok(Imported {
                already: true,
                unchanged: 1,
                ..Imported::default()
            });
        }
        let roster_batch = sqlx::query("SELECT MAX(id) FROM roster_batches")
            .fetch_one(w.conn())
            .await
            .map(|r| sqlx::Row::try_get::<Option<i64>, _>(&r, 0))??;
        let Some(roster_batch) = roster_batch else {
            w.rollback().await?;
            return Err(Refusal::new("no-roster").into());
        };
        w.insert(
            &CYCLES,
            "cycle.open",
            vec![
                Value::Int(year.into()),
                deadline.to_string().into(),
                stamp.at.as_str().into(),
                Value::Null,
                Value::Int(roster_batch),
            ],
        )
        .await?;
        w.commit().await?;
        Ok(Imported {
            added: 1,
            ..Imported::default()
        })
    }

    /// `probity cycle close --year Y`: closes cycle `year` (audited `cycle.close`). A closed cycle
    /// takes annual reports only as late filings ([`Filing::Late`]); its progress, cases and
    /// statistics stay readable and workable. Closing a closed cycle changes nothing
    /// (`already`); a cycle never opened is a conflict.
    pub async fn close_cycle(&self, stamp: &Stamp, year: i32) -> Result<Imported, StoreError> {
        let mut w = self.writer(stamp).await?;
        let keys = w.keys.clone();
        let Some(mut row) = fetch(
            w.conn(),
            &keys,
            &CYCLES,
            "year = $1",
            &[Value::Int(year.into())],
        )
        .await?
        .into_iter()
        .next() else {
            w.rollback().await?;
            return Err(Refusal::new("cycle-not-open").arg("year", year).into());
        };
        if !matches!(row[3], Value::Null) {
            w.rollback().await?;
            return Ok(Imported {
                already: true,
                unchanged: 1,
                ..Imported::default()
            });
        }
        row[3] = stamp.at.as_str().into();
        w.upsert(&CYCLES, "cycle.close", row).await?;
        w.commit().await?;
        Ok(Imported {
            added: 1,
            ..Imported::default()
        })
    }

    /// The cycles, newest first, each with its deadline and whether (and when) it was closed.
    pub async fn cycle_list(&self) -> Result<Vec<Cycle>, StoreError> {
        sqlx::query("SELECT year, deadline, closed_at FROM cycles ORDER BY year DESC")
            .fetch_all(&self.pool)
            .await?
            .iter()
            .map(|r| {
                let year: i64 = sqlx::Row::try_get(r, 0)?;
                let deadline: String = sqlx::Row::try_get(r, 1)?;
                Ok(Cycle {
                    year: i32::try_from(year).map_err(|_| {
                        StoreError::Corrupt("a cycle's year is out of range".into())
                    })?,
                    deadline: Date::parse(&deadline)
                        .map_err(|_| StoreError::Corrupt("a cycle's deadline is no date".into()))?,
                    closed_at: sqlx::Row::try_get(r, 2)?,
                })
            })
            .collect()
    }

    /// `probity declaration import`: stores parsed, validated reports (each with its line and its
    /// JSON text as filed). Refuses the whole file if a report's declarant is not on the roster,
    /// its cycle is not open or is closed (annual reports), its id is taken by other content, it
    /// supersedes a report that does not exist or is someone else's, or another report of its
    /// subject, kind and year is in force and it does not supersede it
    /// ([`StoreError::NotInForce`], the rule of [`crate::in_force`]).
    pub async fn import_declarations(
        &self,
        stamp: &Stamp,
        file: &str,
        file_bytes: &[u8],
        reports: &[(usize, Declaration, String)],
    ) -> Result<Imported, StoreError> {
        let mut w = self.writer(stamp).await?;
        let outcome =
            import_declarations_in(&mut w, file, file_bytes, reports, Filing::Regular).await?;
        if outcome.added > 0 {
            w.commit().await?;
        } else {
            w.rollback().await?;
        }
        Ok(outcome)
    }

    /// `probity registry import`: stores each extract file (already read and checked by the
    /// caller) as one batch: source, file name, hash, row count and the file itself, sealed.
    /// A file equal to its source's latest batch (the one runs read) is skipped; an earlier
    /// file imported again after a newer one becomes the latest again.
    pub async fn import_registry(
        &self,
        stamp: &Stamp,
        files: &[RegistryFile],
    ) -> Result<Imported, StoreError> {
        let mut w = self.writer(stamp).await?;
        let mut outcome = Imported::default();
        for f in files {
            let file_sha256 = sha256_hex(&f.bytes);
            let latest: Option<String> = sqlx::query(
                "SELECT file_sha256 FROM registry_batches WHERE id = \
                 (SELECT MAX(id) FROM registry_batches WHERE source = $1)",
            )
            .bind(f.source.as_str())
            .fetch_optional(w.conn())
            .await?
            .map(|r| sqlx::Row::try_get(&r, 0))
            .transpose()?;
            if latest.as_deref() == Some(file_sha256.as_str()) {
                outcome.unchanged += 1;
                continue;
            }
            let id = w.next_id(&REGISTRY_BATCHES).await?;
            w.insert(
                &REGISTRY_BATCHES,
                "registry.import",
                vec![
                    Value::Int(id),
                    f.source.as_str().into(),
                    f.file_name.as_str().into(),
                    file_sha256.as_str().into(),
                    Value::Int(f.rows as i64),
                    Value::Bytes(f.bytes.clone()),
                    stamp.at.as_str().into(),
                ],
            )
            .await?;
            outcome.added += 1;
        }
        if outcome.added == 0 {
            w.rollback().await?;
            outcome.already = true;
        } else {
            w.commit().await?;
        }
        Ok(outcome)
    }
}

/// The checks and writes of a declarations import, inside a write the caller commits.
pub(crate) async fn import_declarations_in(
    w: &mut Writer,
    file: &str,
    file_bytes: &[u8],
    reports: &[(usize, Declaration, String)],
    filing: Filing,
) -> Result<Imported, StoreError> {
    let file_sha256 = sha256_hex(file_bytes);
    let keys = w.keys.clone();
    // What the checks need to know of the stored state: all of it for a large file, only the
    // rows the reports name for a few (a single submit must not read every report).
    // Cycles by year: whether each is closed.
    let cycles: BTreeMap<i64, bool> = sqlx::query("SELECT year, closed_at FROM cycles")
        .fetch_all(w.conn())
        .await?
        .iter()
        .map(|r| {
            Ok((
                sqlx::Row::try_get::<i64, _>(r, 0)?,
                sqlx::Row::try_get::<Option<String>, _>(r, 1)?.is_some(),
            ))
        })
        .collect::<Result<_, sqlx::Error>>()?;
    let mut chains = if reports.len() > 64 {
        reports_by_person(w.conn(), None).await?
    } else {
        let mut chains = HashMap::new();
        for (_, d, _) in reports {
            let person_key = keys.blind_index(RESIDENT_ID, &d.declarant_id.to_string());
            if !chains.contains_key(&person_key) {
                let found = reports_by_person(w.conn(), Some(&person_key)).await?;
                chains.extend(found);
            }
        }
        chains
    };
    let (subjects, stored) = if reports.len() > 64 {
        let subjects: BTreeSet<String> = sqlx::query("SELECT person_key FROM subjects")
            .fetch_all(w.conn())
            .await?
            .iter()
            .map(|r| sqlx::Row::try_get::<String, _>(r, 0))
            .collect::<Result<_, _>>()?;
        let stored = stored_ids(w.conn(), None).await?;
        (subjects, stored)
    } else {
        let mut subjects = BTreeSet::new();
        let mut stored = HashMap::new();
        for (_, d, _) in reports {
            let person_key = keys.blind_index(RESIDENT_ID, &d.declarant_id.to_string());
            let found = sqlx::query("SELECT person_key FROM subjects WHERE person_key = $1")
                .bind(person_key.as_str())
                .fetch_optional(w.conn())
                .await?;
            if found.is_some() {
                subjects.insert(person_key);
            }
            for id in std::iter::once(&d.declaration_id).chain(d.supersedes.as_ref()) {
                stored.extend(stored_ids(w.conn(), Some(id)).await?);
            }
        }
        (subjects, stored)
    };
    let mut outcome = Imported::default();
    let mut fresh: BTreeMap<String, String> = BTreeMap::new();
    let mut to_store = Vec::new();
    for (line, d, json) in reports {
        let line = *line;
        if d.declaration_id.chars().any(char::is_control) || d.declaration_id.is_empty() {
            return Err(rejected(
                file,
                line,
                "$.declaration_id",
                "must be non-empty, without control characters",
            ));
        }
        let person_key = keys.blind_index(RESIDENT_ID, &d.declarant_id.to_string());
        if !subjects.contains(&person_key) {
            return Err(rejected(
                file,
                line,
                "$.declarant_id",
                "the declarant is not on the roster",
            ));
        }
        if d.kind == probity_model::declaration::ReportKind::Annual {
            match cycles.get(&i64::from(d.year)) {
                None => {
                    return Err(rejected(
                        file,
                        line,
                        "$.year",
                        format!("the {} cycle is not open", d.year),
                    ));
                }
                Some(true) if filing != Filing::Late => {
                    return Err(rejected(
                        file,
                        line,
                        "$.year",
                        format!(
                            "the {} cycle is closed: an annual report for it is taken only as a late filing",
                            d.year
                        ),
                    ));
                }
                Some(_) => {}
            }
        }
        let content_sha256 = sha256_hex(json.as_bytes());
        if let Some((_, hash)) = stored.get(&d.declaration_id) {
            if *hash == content_sha256 {
                outcome.unchanged += 1;
                continue;
            }
            return Err(rejected(
                file,
                line,
                "$.declaration_id",
                "a different report with this id is stored: a correction needs its own id \
                     and \"supersedes\"",
            ));
        }
        if fresh
            .insert(d.declaration_id.clone(), person_key.clone())
            .is_some()
        {
            return Err(rejected(
                file,
                line,
                "$.declaration_id",
                "appears twice in the file",
            ));
        }
        if let Some(old) = &d.supersedes {
            let owner = stored
                .get(old)
                .map(|(p, _)| p)
                .or_else(|| fresh.get(old).filter(|_| old != &d.declaration_id));
            match owner {
                None => {
                    return Err(rejected(
                        file,
                        line,
                        "$.supersedes",
                        "no such report is stored or earlier in the file",
                    ));
                }
                Some(p) if *p != person_key => {
                    return Err(rejected(
                        file,
                        line,
                        "$.supersedes",
                        "the superseded report is another declarant's",
                    ));
                }
                Some(_) => {}
            }
        }
        let meta = crate::in_force::Filed {
            declaration_id: d.declaration_id.clone(),
            kind: enum_name(&d.kind)?,
            year: d.year,
            filed_on: d.filed_on.to_string(),
            supersedes: d.supersedes.clone(),
        };
        let chain = chains.entry(person_key.clone()).or_default();
        if let Err(in_force) = crate::in_force::admit(chain, &meta) {
            return Err(StoreError::NotInForce {
                file: file.to_owned(),
                line,
                in_force,
            });
        }
        chain.push(meta);
        to_store.push((d, json, person_key, content_sha256));
    }
    if to_store.is_empty() {
        outcome.already = true;
        return Ok(outcome);
    }
    let batch = w.next_id(&DECLARATION_BATCHES).await?;
    w.insert(
        &DECLARATION_BATCHES,
        "declaration.import",
        vec![
            Value::Int(batch),
            file_name_of(file).into(),
            file_sha256.as_str().into(),
            Value::Int(to_store.len() as i64),
            w.stamp().at.as_str().into(),
        ],
    )
    .await?;
    let mut rows = Vec::with_capacity(to_store.len());
    for (d, json, person_key, content_sha256) in to_store {
        rows.push(declaration_row(
            w,
            d,
            json,
            &person_key,
            &content_sha256,
            Some(batch),
        )?);
        outcome.added += 1;
    }
    // A late filing is told apart in the log by its action; its standing ("filed late, after
    // the cycle closed") is read from the cycle's `closed_at` and the report's `stored_at`.
    let action = match filing {
        Filing::Regular => "declaration.file",
        Filing::Late => "declaration.late_filing",
    };
    w.insert_all(&DECLARATIONS, action, rows).await?;
    Ok(outcome)
}

/// A reporting cycle.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cycle {
    /// The year reported on.
    pub year: i32,
    /// The deadline of its annual reports, as opened (the profile's by default).
    pub deadline: Date,
    /// When it was closed (RFC 3339), if it was.
    pub closed_at: Option<String>,
}

impl Cycle {
    /// Whether it is still open.
    pub fn is_open(&self) -> bool {
        self.closed_at.is_none()
    }
}

/// How a report comes in: in the ordinary way, or as a late filing, the only way an annual report
/// of a closed cycle is taken (the caller says so: the declarant's form asks the declarant to
/// confirm a notice first).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Filing {
    /// The ordinary filing: refused for an annual report of a closed cycle.
    Regular,
    /// A late filing: taken for a closed cycle too, recorded as `declaration.late_filing`.
    Late,
}

/// The stored reports' metadata, by person: everyone's, or one person's.
async fn reports_by_person(
    conn: &mut sqlx::AnyConnection,
    person_key: Option<&str>,
) -> Result<HashMap<String, Vec<crate::in_force::Filed>>, StoreError> {
    let query = match person_key {
        Some(p) => sqlx::query(
            "SELECT person_key, declaration_id, kind, year, filed_on, supersedes FROM declarations \
             WHERE person_key = $1",
        )
        .bind(p),
        None => sqlx::query(
            "SELECT person_key, declaration_id, kind, year, filed_on, supersedes FROM declarations",
        ),
    };
    let mut out: HashMap<String, Vec<crate::in_force::Filed>> = HashMap::new();
    if let Some(p) = person_key {
        out.insert(p.to_owned(), Vec::new());
    }
    for r in query.fetch_all(conn).await? {
        let year: i64 = sqlx::Row::try_get(&r, 3)?;
        out.entry(sqlx::Row::try_get(&r, 0)?)
            .or_default()
            .push(crate::in_force::Filed {
                declaration_id: sqlx::Row::try_get(&r, 1)?,
                kind: sqlx::Row::try_get(&r, 2)?,
                year: i32::try_from(year)
                    .map_err(|_| StoreError::Corrupt("a report's year is out of range".into()))?,
                filed_on: sqlx::Row::try_get(&r, 4)?,
                supersedes: sqlx::Row::try_get(&r, 5)?,
            });
    }
    Ok(out)
}

/// Reports stored, by id, with their person and content hash: all, or the one with `id`.
async fn stored_ids(
    conn: &mut sqlx::AnyConnection,
    id: Option<&str>,
) -> Result<HashMap<String, (String, String)>, StoreError> {
    let query = match id {
        Some(id) => sqlx::query(
            "SELECT declaration_id, person_key, content_sha256 FROM declarations WHERE declaration_id = $1",
        )
        .bind(id),
        None => sqlx::query("SELECT declaration_id, person_key, content_sha256 FROM declarations"),
    };
    let rows = query.fetch_all(conn).await?;
    rows.iter()
        .map(|r| {
            Ok((
                sqlx::Row::try_get::<String, _>(r, 0)?,
                (
                    sqlx::Row::try_get::<String, _>(r, 1)?,
                    sqlx::Row::try_get::<String, _>(r, 2)?,
                ),
            ))
        })
        .collect::<Result<_, sqlx::Error>>()
        .map_err(StoreError::from)
}

/// One registry extract file to import.
#[derive(Debug, Clone)]
pub struct RegistryFile {
    /// The source (`real_estate`, …), as FORMATS.md names the file.
    pub source: String,
    /// The file's name (`real_estate.csv`).
    pub file_name: String,
    /// Rows in it.
    pub rows: usize,
    /// The file as read.
    pub bytes: Vec<u8>,
}

/// The last part of a path, for records (folders may name people or places).
fn file_name_of(path: &str) -> String {
    std::path::Path::new(path)
        .file_name()
        .map_or_else(|| path.to_owned(), |n| n.to_string_lossy().into_owned())
}

/// The `declarations` row of one report, in clear.
fn declaration_row(
    w: &Writer,
    d: &Declaration,
    json: &str,
    person_key: &str,
    content_sha256: &str,
    batch: Option<i64>,
) -> Result<Vec<Value>, StoreError> {
    Ok(vec![
        d.declaration_id.as_str().into(),
        person_key.into(),
        Value::Int(d.year.into()),
        enum_name(&d.kind)?.into(),
        d.filed_on.to_string().into(),
        Value::opt_text(d.supersedes.as_deref()),
        content_sha256.into(),
        Value::Bytes(json.as_bytes().to_vec()),
        batch.map_or(Value::Null, Value::Int),
        w.stamp().at.as_str().into(),
    ])
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::read_roster;

    const HEADER: &str = "id,name,unit,position,rank,sector,subject_since,status,flags\n";
    const GOOD: &str =
        "350111199006074875,陈良生,A局,副主席,vice_division,other,2022-02-23,active,\n";

    #[test]
    fn errors_name_the_line_of_the_record() {
        let bad = GOOD.replace(",active,", ",on_leave,");
        for (text, line) in [
            (format!("{HEADER}{bad}"), 2),
            (format!("{HEADER}{bad}{GOOD}"), 2),
            (format!("{HEADER}{}{bad}", GOOD.replace("4875", "4883")), 3),
        ] {
            let e = read_roster("r.csv", text.as_bytes())
                .unwrap_err()
                .to_string();
            assert!(e.starts_with(&format!("r.csv:{line}: status: ")), "{e}");
        }
        let dup = format!("{HEADER}{GOOD}{GOOD}");
        let e = read_roster("r.csv", dup.as_bytes())
            .unwrap_err()
            .to_string();
        assert_eq!(e, "r.csv:3: id: the same person is on line 2 already");
    }
}
