//! Rows as values: what a generic write takes, what a generic read gives, and the digest of a
//! record that its audit event carries.

use sha2::{Digest, Sha256};
use sqlx::any::AnyRow;
use sqlx::{AnyConnection, Row};

use crate::error::StoreError;
use crate::keys::{Keyring, Place};
use crate::schema::{Kind, Table};

/// One column's value, in clear: sealed columns hold their plaintext here and are sealed on the
/// way in and opened on the way out.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Value {
    /// SQL NULL.
    Null,
    /// An integer.
    Int(i64),
    /// Text.
    Text(String),
    /// Bytes (the plaintext of a sealed column).
    Bytes(Vec<u8>),
}

impl Value {
    /// Text, or NULL for `None`.
    pub fn opt_text(text: Option<impl Into<String>>) -> Value {
        text.map_or(Value::Null, |t| Value::Text(t.into()))
    }

    /// The text, if this is text.
    pub fn as_text(&self) -> Option<&str> {
        match self {
            Value::Text(t) => Some(t),
            _ => None,
        }
    }

    /// The integer, if this is one.
    pub fn as_int(&self) -> Option<i64> {
        match self {
            Value::Int(i) => Some(*i),
            _ => None,
        }
    }

    /// The bytes, if these are bytes.
    pub fn as_bytes(&self) -> Option<&[u8]> {
        match self {
            Value::Bytes(b) => Some(b),
            _ => None,
        }
    }
}

impl From<&str> for Value {
    fn from(t: &str) -> Value {
        Value::Text(t.to_owned())
    }
}
impl From<String> for Value {
    fn from(t: String) -> Value {
        Value::Text(t)
    }
}
impl From<i64> for Value {
    fn from(i: i64) -> Value {
        Value::Int(i)
    }
}

/// The row key as the audit log names it: key values joined by `/`.
pub fn row_key(table: &Table, row: &[Value]) -> String {
    row[..table.key_len]
        .iter()
        .map(|v| match v {
            Value::Int(i) => i.to_string(),
            Value::Text(t) => t.clone(),
            Value::Null => "-".into(),
            Value::Bytes(b) => hex::encode(b),
        })
        .collect::<Vec<_>>()
        .join("/")
}

/// Columns added to covered tables by migration 0006 (one case per subject and cycle): left out
/// of a record's digest while NULL, as they are in every row written before it.
const ADDED_LATER: &[(&str, &str)] = &[
    ("cases", "last_run"),
    ("findings", "declaration_id"),
    ("findings", "report_kind"),
    ("findings", "first_run"),
    ("findings", "last_run"),
];

/// SHA-256 of a record in clear, over a fixed encoding: table, then each column's name, type tag
/// and length-prefixed bytes. Sealing is left out on purpose, so re-sealing under a new key
/// changes no digest.
pub fn digest(table: &Table, row: &[Value]) -> String {
    let mut h = Sha256::new();
    let mut part = |bytes: &[u8]| {
        h.update((bytes.len() as u64).to_be_bytes());
        h.update(bytes);
    };
    part(b"probity.record/1");
    part(table.name.as_bytes());
    for ((name, _), value) in table.columns.iter().zip(row) {
        // A column a later migration added, still NULL, is left out, so the rows written before
        // it keep the digest their event recorded.
        if *value == Value::Null && ADDED_LATER.contains(&(table.name, *name)) {
            continue;
        }
        part(name.as_bytes());
        match value {
            Value::Null => part(b"N"),
            Value::Int(i) => {
                part(b"I");
                part(&i.to_be_bytes());
            }
            Value::Text(t) => {
                part(b"T");
                part(t.as_bytes());
            }
            Value::Bytes(b) => {
                part(b"B");
                part(b);
            }
        }
    }
    hex::encode(h.finalize())
}

/// Reads column `i` of `row` as stored (sealed columns stay sealed).
pub fn stored_value(row: &AnyRow, i: usize, kind: Kind) -> Result<Value, StoreError> {
    Ok(match kind {
        Kind::Int => row
            .try_get::<Option<i64>, _>(i)?
            .map_or(Value::Null, Value::Int),
        Kind::Text => row
            .try_get::<Option<String>, _>(i)?
            .map_or(Value::Null, Value::Text),
        Kind::Sealed => row
            .try_get::<Option<Vec<u8>>, _>(i)?
            .map_or(Value::Null, Value::Bytes),
    })
}

/// Reads a whole row as stored.
pub fn stored_row(table: &Table, row: &AnyRow) -> Result<Vec<Value>, StoreError> {
    table
        .columns
        .iter()
        .enumerate()
        .map(|(i, (_, kind))| stored_value(row, i, *kind))
        .collect()
}

/// Opens the sealed columns of a stored row in place.
pub fn open_row(keys: &Keyring, table: &Table, row: &mut [Value]) -> Result<(), StoreError> {
    let key = row_key(table, row);
    for ((column, kind), value) in table.columns.iter().zip(row.iter_mut()) {
        if *kind == Kind::Sealed
            && let Value::Bytes(sealed) = value
        {
            let plain = keys.open(
                Place {
                    table: table.name,
                    column,
                    row: &key,
                },
                sealed,
            )?;
            *value = Value::Bytes(plain);
        }
    }
    Ok(())
}

/// Seals the sealed columns of a row in clear, in place.
pub fn seal_row(keys: &Keyring, table: &Table, row: &mut [Value]) -> Result<(), StoreError> {
    let key = row_key(table, row);
    for ((column, kind), value) in table.columns.iter().zip(row.iter_mut()) {
        if *kind == Kind::Sealed
            && let Value::Bytes(plain) = value
        {
            let sealed = keys.seal(
                Place {
                    table: table.name,
                    column,
                    row: &key,
                },
                plain,
            )?;
            *value = Value::Bytes(sealed);
        }
    }
    Ok(())
}

/// A query on any backend.
pub type AnyQuery<'q> = sqlx::query::Query<'q, sqlx::Any, sqlx::any::AnyArguments>;

/// Binds values to a query in order; NULL is bound as text.
pub fn bind_all<'q>(query: AnyQuery<'q>, values: &'q [Value]) -> AnyQuery<'q> {
    bind_typed(query, values, &[])
}

/// Binds values to a query in order; a NULL takes the type of its column in `columns` (PostgreSQL
/// will not put a text NULL into a `BIGINT` or `BYTEA` column).
pub fn bind_typed<'q>(
    mut query: AnyQuery<'q>,
    values: &'q [Value],
    columns: &[(&str, Kind)],
) -> AnyQuery<'q> {
    for (i, v) in values.iter().enumerate() {
        query = match v {
            Value::Null => match columns.get(i).map(|c| c.1) {
                Some(Kind::Int) => query.bind(None::<i64>),
                Some(Kind::Sealed) => query.bind(None::<Vec<u8>>),
                _ => query.bind(None::<String>),
            },
            Value::Int(i) => query.bind(*i),
            Value::Text(t) => query.bind(t.as_str()),
            Value::Bytes(b) => query.bind(b.as_slice()),
        };
    }
    query
}

/// `$1, $2, …, $n` (numbered placeholders read the same on SQLite and PostgreSQL).
pub fn placeholders(from: usize, n: usize) -> String {
    (from..from + n)
        .map(|i| format!("${i}"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// `k1 = $n AND k2 = $n+1 …` over a table's key columns, placeholders from `$first`.
pub fn key_filter(table: &Table, first: usize) -> String {
    table
        .key_columns()
        .iter()
        .enumerate()
        .map(|(i, (c, _))| format!("{c} = ${}", first + i))
        .collect::<Vec<_>>()
        .join(" AND ")
}

/// Fetches the rows of `table` matching `filter` (SQL after `WHERE`, with `$1…` bound to
/// `binds`), opened, in key order.
pub async fn fetch(
    conn: &mut AnyConnection,
    keys: &Keyring,
    table: &Table,
    filter: &str,
    binds: &[Value],
) -> Result<Vec<Vec<Value>>, StoreError> {
    let sql = format!(
        "SELECT {} FROM {} WHERE {filter} ORDER BY {}",
        table.column_list(),
        table.name,
        table.key_list()
    );
    let rows = bind_all(sqlx::query(sqlx::AssertSqlSafe(sql)), binds)
        .fetch_all(&mut *conn)
        .await?;
    rows.iter()
        .map(|r| {
            let mut row = stored_row(table, r)?;
            open_row(keys, table, &mut row)?;
            Ok(row)
        })
        .collect()
}

#[cfg(test)]
mod later_columns {
    use super::*;
    use crate::schema::{CASES, FINDINGS};

    /// The tables as they were before migration 0006.
    const CASES_5: Table = Table {
        columns: &[
            ("id", Kind::Int),
            ("cycle", Kind::Int),
            ("person_key", Kind::Text),
            ("declaration_id", Kind::Text),
            ("run", Kind::Int),
            ("status", Kind::Text),
            ("opened_at", Kind::Text),
        ],
        ..CASES
    };
    const FINDINGS_5: Table = Table {
        columns: &[
            ("id", Kind::Int),
            ("case_id", Kind::Int),
            ("category", Kind::Text),
            ("kind", Kind::Text),
            ("classification", Kind::Text),
            ("rule", Kind::Text),
            ("field", Kind::Text),
            ("detail", Kind::Sealed),
        ],
        ..FINDINGS
    };

    #[test]
    fn rows_written_before_0006_keep_their_digest() {
        let case = vec![
            Value::Int(1),
            Value::Int(2025),
            "pk".into(),
            "D1".into(),
            Value::Int(1),
            "open".into(),
            "2026-02-01T00:00:00Z".into(),
        ];
        let mut migrated = case.clone();
        migrated.push(Value::Null);
        assert_eq!(digest(&CASES, &migrated), digest(&CASES_5, &case));
        migrated[7] = Value::Int(1);
        assert_ne!(digest(&CASES, &migrated), digest(&CASES_5, &case));
        let finding = vec![
            Value::Int(1),
            Value::Int(1),
            "stocks".into(),
            "unreported".into(),
            "omission".into(),
            "r".into(),
            Value::Null,
            Value::Bytes(b"{}".to_vec()),
        ];
        let mut migrated = finding.clone();
        migrated.extend([Value::Null, Value::Null, Value::Null, Value::Null]);
        assert_eq!(digest(&FINDINGS, &migrated), digest(&FINDINGS_5, &finding));
        // A column of the first migration stays in the digest when NULL (`field` here).
        let mut other = finding.clone();
        other[6] = "units".into();
        assert_ne!(digest(&FINDINGS_5, &other), digest(&FINDINGS_5, &finding));
    }
}
