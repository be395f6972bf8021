//! `probity key rotate`: move every sealed value to a new data key while the system runs.
//!
//! The new key is added to the key file first and the database told to seal under it; from then
//! on every writer (which reads the active key inside its locked transaction) seals new values
//! under the new key, reloading the key file if needed. Old values are then re-sealed in small
//! transactions, each with its audit event. Only when none is left under an old key are old keys
//! dropped from the file. Re-sealing changes no record digest: digests are over values in clear.

use crate::error::StoreError;
use crate::keys::Keyring;
use crate::record::{Value, bind_typed, fetch, key_filter, seal_row, stored_value};
use crate::refusal::Refusal;
use crate::schema::{Kind, TABLES, Table};
use crate::store::{Stamp, Store};

/// What a rotation did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rotated {
    /// The key values were moved from (the one active before).
    pub from: u32,
    /// The new active key.
    pub to: u32,
    /// Rows re-sealed.
    pub rows: u64,
    /// Key ids dropped from the key file.
    pub retired: Vec<u32>,
}

/// Rows re-sealed per transaction: small, so other writers wait little.
const BATCH: usize = 200;

impl Store {
    /// Rotates the data key; `progress` is told the rows re-sealed so far.
    pub async fn rotate_key(
        &self,
        stamp: &Stamp,
        progress: &(dyn Fn(u64) + Sync),
    ) -> Result<Rotated, StoreError> {
        let mut keys = Keyring::load(self.keys().path())?;
        let from = keys.active();
        let to = keys.add_data_key()?;
        let mut w = self.writer(stamp).await?;
        sqlx::query("UPDATE meta SET value = $1 WHERE key = 'active_key'")
            .bind(to.to_string())
            .execute(w.conn())
            .await?;
        w.event(
            "key.rotate",
            "keys",
            &format!("seal new values under data key {to} (was {from})"),
        )
        .await?;
        w.commit().await?;
        self.set_keys(Keyring::load(keys.path())?);

        let mut rows = 0u64;
        for table in TABLES.iter().copied().filter(|t| t.has_sealed()) {
            rows += self
                .reseal_table(stamp, table, to, &|n| progress(rows + n))
                .await?;
        }
        let retired = keys.retire_old_keys()?;
        self.set_keys(Keyring::load(keys.path())?);
        let mut w = self.writer(stamp).await?;
        w.event(
            "key.rotate",
            "keys",
            &format!("every value sealed under data key {to}; retired {retired:?}"),
        )
        .await?;
        w.commit().await?;
        Ok(Rotated {
            from,
            to,
            rows,
            retired,
        })
    }

    async fn reseal_table(
        &self,
        stamp: &Stamp,
        table: &Table,
        to: u32,
        progress: &(dyn Fn(u64) + Sync),
    ) -> Result<u64, StoreError> {
        let sealed_columns: Vec<usize> = table
            .columns
            .iter()
            .enumerate()
            .filter(|(_, (_, k))| *k == Kind::Sealed)
            .map(|(i, _)| i)
            .collect();
        // Keys of rows with a value under another key: read the header bytes only.
        let mut conn = self.connection().await?;
        let sql = format!(
            "SELECT {}, {} FROM {}",
            table.key_list(),
            sealed_columns
                .iter()
                .map(|i| table.columns[*i].0)
                .collect::<Vec<_>>()
                .join(", "),
            table.name
        );
        let found = sqlx::query(sqlx::AssertSqlSafe(sql))
            .fetch_all(&mut *conn)
            .await?;
        let mut stale: Vec<Vec<Value>> = Vec::new();
        for r in &found {
            let mut key = Vec::new();
            for (i, (_, kind)) in table.key_columns().iter().enumerate() {
                key.push(stored_value(r, i, *kind)?);
            }
            let mut old = false;
            for j in 0..sealed_columns.len() {
                let v = stored_value(r, table.key_len + j, Kind::Sealed)?;
                if let Value::Bytes(b) = v
                    && Keyring::key_id_of(&b) != Some(to)
                {
                    old = true;
                }
            }
            if old {
                stale.push(key);
            }
        }
        drop(found);
        drop(conn);
        let mut done = 0u64;
        for chunk in stale.chunks(BATCH) {
            let mut w = self.writer(stamp).await?;
            let keys = w.keys.clone();
            if keys.active() != to {
                return Err(Refusal::new("key-changed").arg("key", keys.active()).into());
            }
            for key in chunk {
                let rows = fetch(w.conn(), &keys, table, &key_filter(table, 1), key).await?;
                // Gone since we looked (a draft deleted, say): nothing to re-seal.
                let Some(mut row) = rows.into_iter().next() else {
                    continue;
                };
                seal_row(&keys, table, &mut row)?;
                let sets: Vec<String> = sealed_columns
                    .iter()
                    .enumerate()
                    .map(|(j, i)| format!("{} = ${}", table.columns[*i].0, j + 1))
                    .collect();

                let sql = format!(
                    "UPDATE {} SET {} WHERE {}",
                    table.name,
                    sets.join(", "),
                    key_filter(table, sealed_columns.len() + 1)
                );
                let mut values: Vec<Value> =
                    sealed_columns.iter().map(|i| row[*i].clone()).collect();
                values.extend(row[..table.key_len].iter().cloned());
                let mut kinds: Vec<(&str, Kind)> =
                    sealed_columns.iter().map(|i| table.columns[*i]).collect();
                kinds.extend(table.key_columns().iter().copied());
                bind_typed(sqlx::query(sqlx::AssertSqlSafe(sql)), &values, &kinds)
                    .execute(w.conn())
                    .await?;
            }
            w.event(
                "key.reseal",
                table.name,
                &format!(
                    "resealed {} {} rows under data key {to}",
                    chunk.len(),
                    table.name
                ),
            )
            .await?;
            w.commit().await?;
            done += chunk.len() as u64;
            progress(done);
        }
        Ok(done)
    }
}
