//! Backup and restore. A backup is a SQLite file with Probity's schema, taken from one consistent
//! snapshot (SQLite: `VACUUM INTO`; PostgreSQL: one repeatable-read transaction), so the same file
//! restores into either database. Sealed values are copied sealed: the key file is needed to read
//! a backup, and is not in it.

use crate::refusal::Refusal;
use std::path::Path;

use futures_util::TryStreamExt;
use sqlx::any::AnyConnectOptions;
use sqlx::{AnyConnection, Connection, Row};

use crate::error::StoreError;
use crate::record::{bind_typed, placeholders, stored_row};
use crate::schema::{TABLES, Table};
use crate::store::{Backend, Store};

/// Rows copied per table, for the caller to show.
pub type Copied = Vec<(&'static str, u64)>;

fn io(path: &Path, source: std::io::Error) -> StoreError {
    StoreError::Io {
        path: path.to_owned(),
        source,
    }
}

async fn open_sqlite_file(path: &Path, create: bool) -> Result<AnyConnection, StoreError> {
    sqlx::any::install_default_drivers();
    let mode = if create { "rwc" } else { "ro" };
    let url = format!("sqlite://{}?mode={mode}", path.display());
    let options: AnyConnectOptions = url.parse()?;
    Ok(AnyConnection::connect_with(&options).await?)
}

async fn copy_table(
    from: &mut AnyConnection,
    to: &mut AnyConnection,
    table: &Table,
) -> Result<u64, StoreError> {
    let select = format!(
        "SELECT {} FROM {} ORDER BY {}",
        table.column_list(),
        table.name,
        table.key_list()
    );
    let insert = format!(
        "INSERT INTO {} ({}) VALUES ({})",
        table.name,
        table.column_list(),
        placeholders(1, table.columns.len())
    );
    let mut rows = sqlx::query(sqlx::AssertSqlSafe(select)).fetch(&mut *from);
    let mut n = 0;
    while let Some(r) = rows.try_next().await? {
        let row = stored_row(table, &r)?;
        bind_typed(
            sqlx::query(sqlx::AssertSqlSafe(insert.clone())),
            &row,
            table.columns,
        )
        .execute(&mut *to)
        .await?;
        n += 1;
    }
    Ok(n)
}

impl Store {
    /// `probity backup FILE`: a consistent snapshot into a new SQLite file, while others write.
    pub async fn backup(&self, path: &Path) -> Result<Copied, StoreError> {
        if path.exists() {
            return Err(Refusal::new("backup-exists")
                .arg("path", path.display())
                .into());
        }
        let mut copied = Vec::new();
        match self.backend() {
            Backend::Sqlite => {
                // Empty and private (0600): VACUUM INTO writes into an empty file as it finds it.
                crate::store::create_private(path)?;
                let mut conn = self.connection().await?;
                sqlx::query("VACUUM INTO $1")
                    .bind(path.to_string_lossy().into_owned())
                    .execute(&mut *conn)
                    .await?;
                for table in TABLES {
                    copied.push((table.name, self.count(table).await? as u64));
                }
            }
            Backend::Postgres => {
                let tmp = path.with_extension("partial");
                let _ = std::fs::remove_file(&tmp);
                crate::store::create_private(&tmp)?;
                let mut to = open_sqlite_file(&tmp, true).await?;
                for (_, sql) in Backend::Sqlite.migrations() {
                    sqlx::raw_sql(sqlx::AssertSqlSafe(*sql))
                        .execute(&mut to)
                        .await?;
                }
                sqlx::query("DELETE FROM audit_head")
                    .execute(&mut to)
                    .await?;
                let mut conn = self.connection().await?;
                let mut snapshot = conn.begin().await?;
                sqlx::query("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
                    .execute(&mut *snapshot)
                    .await?;
                let mut tx = to.begin().await?;
                for table in TABLES {
                    copied.push((table.name, copy_table(&mut snapshot, &mut tx, table).await?));
                }
                tx.commit().await?;
                snapshot.commit().await?;
                to.close().await?;
                std::fs::rename(&tmp, path).map_err(|e| io(path, e))?;
            }
        }
        Ok(copied)
    }

    /// `probity restore FILE`: brings a backup back into this database, which must hold nothing
    /// yet (a fresh `probity init`). All or nothing.
    pub async fn restore(&self, path: &Path) -> Result<Copied, StoreError> {
        if !path.is_file() {
            return Err(io(
                path,
                std::io::Error::new(std::io::ErrorKind::NotFound, "no such backup file"),
            ));
        }
        let mut from = open_sqlite_file(path, false).await?;
        let fingerprint: Option<String> =
            sqlx::query("SELECT value FROM meta WHERE key = 'key_fingerprint'")
                .fetch_optional(&mut from)
                .await?
                .map(|r| r.try_get(0))
                .transpose()?;
        if fingerprint.as_deref() != Some(self.keys().fingerprint().as_str()) {
            return Err(Refusal::new("backup-other-key")
                .arg("path", path.display())
                .arg("keys", self.keys().path().display())
                .into());
        }
        let mut conn = self.connection().await?;
        let mut tx = conn.begin().await?;
        sqlx::query("UPDATE audit_head SET seq = seq WHERE id = 1")
            .execute(&mut *tx)
            .await?;
        for table in TABLES
            .iter()
            .filter(|t| t.covered || t.name == "audit_events")
        {
            let sql = format!("SELECT COUNT(*) FROM {}", table.name);
            let n: i64 = sqlx::query(sqlx::AssertSqlSafe(sql))
                .fetch_one(&mut *tx)
                .await?
                .try_get(0)?;
            if n > 0 {
                return Err(Refusal::new("restore-not-empty")
                    .arg("table", table.name)
                    .arg("rows", n)
                    .into());
            }
        }
        // What `open` wrote on the fresh database gives way to the backup's own.
        sqlx::query("DELETE FROM meta").execute(&mut *tx).await?;
        sqlx::query("DELETE FROM audit_head")
            .execute(&mut *tx)
            .await?;
        let mut copied = Vec::new();
        for table in TABLES {
            copied.push((table.name, copy_table(&mut from, &mut tx, table).await?));
        }
        tx.commit().await?;
        from.close().await?;
        Ok(copied)
    }
}
