//! Writing: one transaction that holds the write lock, appends an audit event for every record it
//! writes, and signs the new head when it commits. Every write in Probity goes through a
//! [`Writer`], so no record can be written without its event.

use std::sync::Arc;

use sqlx::{Any, AnyPool, Row, Transaction};

use crate::audit::{event_hash, sha256_hex};
use crate::error::StoreError;
use crate::keys::Keyring;
use crate::record::{Value, bind_typed, digest, key_filter, placeholders, row_key, seal_row};
use crate::schema::Table;
use crate::store::{Backend, KeyCell, Stamp, Store, current_keys_in};

/// An open write transaction.
pub struct Writer {
    pub(crate) tx: Transaction<'static, Any>,
    pub(crate) keys: Arc<Keyring>,
    seq: i64,
    head: String,
    stamp: Stamp,
    rows_per_statement: usize,
}

impl Store {
    /// Begins a write. Writers queue: the first statement takes the lock on the log's head (a row
    /// lock on PostgreSQL, the database write lock on SQLite), so events are numbered without
    /// gaps or races.
    pub async fn writer(&self, stamp: &Stamp) -> Result<Writer, StoreError> {
        begin(&self.pool, self.backend(), self.key_cell(), stamp).await
    }
}

/// Begins a write on a pool (the store's, or the group-commit task's clone of it).
pub(crate) async fn begin(
    pool: &AnyPool,
    backend: Backend,
    keys: &KeyCell,
    stamp: &Stamp,
) -> Result<Writer, StoreError> {
    let mut tx = pool.begin().await?;
    sqlx::query("UPDATE audit_head SET seq = seq WHERE id = 1")
        .execute(&mut *tx)
        .await?;
    let row = sqlx::query("SELECT seq, sha256 FROM audit_head WHERE id = 1")
        .fetch_one(&mut *tx)
        .await?;
    let keys = current_keys_in(keys, &mut tx).await?;
    Ok(Writer {
        seq: row.try_get(0)?,
        head: row.try_get(1)?,
        tx,
        keys,
        stamp: stamp.clone(),
        // Measured with `probity bench store`: SQLite parses long statements slowly, while
        // PostgreSQL pays a round trip per statement.
        rows_per_statement: match backend {
            Backend::Sqlite => 50,
            Backend::Postgres => 500,
        },
    })
}

impl Writer {
    /// The keys of this write.
    pub fn keys(&self) -> &Keyring {
        &self.keys
    }

    /// The stamp of this write.
    pub fn stamp(&self) -> &Stamp {
        &self.stamp
    }

    /// Who and when for the events appended from now on: a group commit writes several callers'
    /// changes in one transaction, each under its own stamp.
    pub(crate) fn set_stamp(&mut self, stamp: &Stamp) {
        self.stamp = stamp.clone();
    }

    /// The connection, for reads inside the transaction.
    pub fn conn(&mut self) -> &mut sqlx::AnyConnection {
        &mut self.tx
    }

    /// Appends an event; returns its number.
    pub async fn event(
        &mut self,
        action: &str,
        subject: &str,
        payload: &str,
    ) -> Result<i64, StoreError> {
        self.events(action, vec![(None, subject.to_owned(), payload.to_owned())])
            .await?;
        Ok(self.seq)
    }

    /// Inserts a new record (values in clear, in the table's column order) with its event.
    pub async fn insert(
        &mut self,
        table: &Table,
        action: &str,
        row: Vec<Value>,
    ) -> Result<(), StoreError> {
        self.write(table, action, row, false).await
    }

    /// Inserts or replaces a record, with its event.
    pub async fn upsert(
        &mut self,
        table: &Table,
        action: &str,
        row: Vec<Value>,
    ) -> Result<(), StoreError> {
        self.write(table, action, row, true).await
    }

    async fn write(
        &mut self,
        table: &Table,
        action: &str,
        row: Vec<Value>,
        replace: bool,
    ) -> Result<(), StoreError> {
        self.write_all(table, action, vec![row], replace).await
    }

    /// Inserts many new records, each with its event, in multi-row statements (one round trip
    /// per few hundred rows instead of two per row).
    pub async fn insert_all(
        &mut self,
        table: &Table,
        action: &str,
        rows: Vec<Vec<Value>>,
    ) -> Result<(), StoreError> {
        self.write_all(table, action, rows, false).await
    }

    /// Inserts or replaces many records, each with its event; keys must be distinct.
    pub async fn upsert_all(
        &mut self,
        table: &Table,
        action: &str,
        rows: Vec<Vec<Value>>,
    ) -> Result<(), StoreError> {
        self.write_all(table, action, rows, true).await
    }

    async fn write_all(
        &mut self,
        table: &Table,
        action: &str,
        rows: Vec<Vec<Value>>,
        replace: bool,
    ) -> Result<(), StoreError> {
        let rows = rows.into_iter().map(|r| (None, r)).collect();
        self.write_rows(table, action, rows, replace).await
    }

    /// Inserts or replaces many records, each with its event under its own stamp (a group
    /// commit writes several callers' records in one statement); keys must be distinct.
    pub(crate) async fn upsert_all_stamped(
        &mut self,
        table: &Table,
        action: &str,
        rows: Vec<(Stamp, Vec<Value>)>,
    ) -> Result<(), StoreError> {
        let rows = rows.into_iter().map(|(s, r)| (Some(s), r)).collect();
        self.write_rows(table, action, rows, true).await
    }

    /// Writes rows, each with its event, under the row's stamp or else the writer's.
    async fn write_rows(
        &mut self,
        table: &Table,
        action: &str,
        rows: Vec<(Option<Stamp>, Vec<Value>)>,
        replace: bool,
    ) -> Result<(), StoreError> {
        // Both databases take at least 32,766 parameters a statement.
        let per_statement = (30_000 / table.columns.len().max(9)).clamp(1, self.rows_per_statement);
        let mut rows = rows.into_iter().peekable();
        while rows.peek().is_some() {
            let chunk: Vec<(Option<Stamp>, Vec<Value>)> =
                rows.by_ref().take(per_statement).collect();
            let mut sealed = Vec::with_capacity(chunk.len() * table.columns.len());
            let mut events = Vec::with_capacity(chunk.len());
            for (stamp, mut row) in chunk {
                debug_assert_eq!(row.len(), table.columns.len());
                let key = row_key(table, &row);
                let record_digest = digest(table, &row);
                seal_row(&self.keys, table, &mut row)?;
                sealed.extend(row);
                events.push((
                    stamp,
                    format!("{}/{key}", table.name),
                    format!("record {} {record_digest} {key}", table.name),
                ));
            }
            let n = events.len();
            let width = table.columns.len();
            let tuples: Vec<String> = (0..n)
                .map(|i| format!("({})", placeholders(i * width + 1, width)))
                .collect();
            let mut sql = format!(
                "INSERT INTO {} ({}) VALUES {}",
                table.name,
                table.column_list(),
                tuples.join(", ")
            );
            if replace {
                let updates: Vec<String> = table.columns[table.key_len..]
                    .iter()
                    .map(|(c, _)| format!("{c} = excluded.{c}"))
                    .collect();
                sql.push_str(&format!(
                    " ON CONFLICT ({}) DO UPDATE SET {}",
                    table.key_list(),
                    updates.join(", ")
                ));
            }
            let kinds: Vec<(&str, crate::schema::Kind)> =
                (0..n).flat_map(|_| table.columns.iter().copied()).collect();
            bind_typed(sqlx::query(sqlx::AssertSqlSafe(sql)), &sealed, &kinds)
                .execute(&mut *self.tx)
                .await?;
            self.events(action, events).await?;
        }
        Ok(())
    }

    /// Appends events (stamp if not the writer's, subject, payload) in order, in one statement.
    async fn events(
        &mut self,
        action: &str,
        events: Vec<(Option<Stamp>, String, String)>,
    ) -> Result<(), StoreError> {
        let mut values = Vec::with_capacity(events.len() * 9);
        for (stamp, subject, payload) in events {
            let stamp = stamp.as_ref().unwrap_or(&self.stamp);
            let seq = self.seq + 1;
            let payload_sha256 = sha256_hex(payload.as_bytes());
            let sha256 = event_hash(
                seq,
                &stamp.at,
                &stamp.actor,
                action,
                &subject,
                &payload_sha256,
                &self.head,
            );
            values.extend([
                Value::Int(seq),
                stamp.at.as_str().into(),
                stamp.actor.as_str().into(),
                action.into(),
                subject.into(),
                payload.into(),
                payload_sha256.into(),
                self.head.as_str().into(),
                sha256.as_str().into(),
            ]);
            self.seq = seq;
            self.head = sha256;
        }
        let n = values.len() / 9;
        let tuples: Vec<String> = (0..n)
            .map(|i| format!("({})", placeholders(i * 9 + 1, 9)))
            .collect();
        let sql = format!(
            "INSERT INTO audit_events (seq, at, actor, action, subject, payload, payload_sha256, prev_sha256, sha256) VALUES {}",
            tuples.join(", ")
        );
        bind_typed(sqlx::query(sqlx::AssertSqlSafe(sql)), &values, &[])
            .execute(&mut *self.tx)
            .await?;
        Ok(())
    }

    /// Deletes a record by key, with its event.
    pub async fn delete(
        &mut self,
        table: &Table,
        action: &str,
        key_values: Vec<Value>,
    ) -> Result<(), StoreError> {
        let key = row_key(table, &key_values);
        let sql = format!("DELETE FROM {} WHERE {}", table.name, key_filter(table, 1));
        bind_typed(
            sqlx::query(sqlx::AssertSqlSafe(sql)),
            &key_values,
            table.columns,
        )
        .execute(&mut *self.tx)
        .await?;
        let payload = format!("deleted {} {key}", table.name);
        self.event(action, &format!("{}/{key}", table.name), &payload)
            .await?;
        Ok(())
    }

    /// The next free id of a table whose key is one integer (writers are serialised, so no other
    /// transaction can take it).
    pub async fn next_id(&mut self, table: &Table) -> Result<i64, StoreError> {
        let key = table.key_columns()[0].0;
        let sql = format!("SELECT COALESCE(MAX({key}), 0) FROM {}", table.name);
        let max: i64 = sqlx::query(sqlx::AssertSqlSafe(sql))
            .fetch_one(&mut *self.tx)
            .await?
            .try_get(0)?;
        Ok(max + 1)
    }

    /// Whether anything was appended.
    pub fn wrote(&self, since: i64) -> bool {
        self.seq > since
    }

    /// The number of the last event appended (or of the head it started from).
    pub fn seq(&self) -> i64 {
        self.seq
    }

    /// Signs the new head and commits; returns the head's event number.
    pub async fn commit(mut self) -> Result<i64, StoreError> {
        let mac = self.keys.sign_head(self.seq, &self.head);
        sqlx::query("UPDATE audit_head SET seq = $1, sha256 = $2, mac = $3 WHERE id = 1")
            .bind(self.seq)
            .bind(self.head.as_str())
            .bind(mac)
            .execute(&mut *self.tx)
            .await?;
        self.tx.commit().await?;
        Ok(self.seq)
    }

    /// Abandons the write: nothing of it is stored.
    pub async fn rollback(self) -> Result<(), StoreError> {
        self.tx.rollback().await?;
        Ok(())
    }
}
