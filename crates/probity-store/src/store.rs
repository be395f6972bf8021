//! Opening a database: the backend from the URL, connection settings, migrations, and the check
//! that the key file belongs to the database.

use crate::refusal::Refusal;
use std::str::FromStr;
use std::sync::{Arc, RwLock};

use sqlx::any::{AnyConnectOptions, AnyPoolOptions};
use sqlx::{AnyConnection, AnyPool, Connection, Executor, Row};

use crate::audit::{self, Checkpoint, Unfit, Verified};
use crate::error::StoreError;
use crate::keys::Keyring;

/// Which database a URL names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    /// SQLite: one file, WAL.
    Sqlite,
    /// PostgreSQL.
    Postgres,
}

impl Backend {
    /// The backend of a URL.
    pub fn of(url: &str) -> Result<Backend, StoreError> {
        if url.starts_with("sqlite:") {
            Ok(Backend::Sqlite)
        } else if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            Ok(Backend::Postgres)
        } else {
            Err(StoreError::UnsupportedUrl(url.to_owned()))
        }
    }

    pub(crate) fn migrations(self) -> &'static [(i64, &'static str)] {
        match self {
            Backend::Sqlite => &[
                (1, include_str!("../migrations/sqlite/0001_init.sql")),
                (2, include_str!("../migrations/sqlite/0002_sessions.sql")),
                (3, include_str!("../migrations/sqlite/0003_user_units.sql")),
                (4, include_str!("../migrations/sqlite/0004_workbench.sql")),
                (
                    5,
                    include_str!("../migrations/sqlite/0005_initial_passwords.sql"),
                ),
                (
                    6,
                    include_str!("../migrations/sqlite/0006_cases_per_subject.sql"),
                ),
                (7, include_str!("../migrations/sqlite/0007_user_totp.sql")),
                (8, include_str!("../migrations/sqlite/0008_reimport.sql")),
                (9, include_str!("../migrations/sqlite/0009_session_mac.sql")),
            ],
            Backend::Postgres => &[
                (1, include_str!("../migrations/postgres/0001_init.sql")),
                (2, include_str!("../migrations/postgres/0002_sessions.sql")),
                (
                    3,
                    include_str!("../migrations/postgres/0003_user_units.sql"),
                ),
                (4, include_str!("../migrations/postgres/0004_workbench.sql")),
                (
                    5,
                    include_str!("../migrations/postgres/0005_initial_passwords.sql"),
                ),
                (
                    6,
                    include_str!("../migrations/postgres/0006_cases_per_subject.sql"),
                ),
                (7, include_str!("../migrations/postgres/0007_user_totp.sql")),
                (8, include_str!("../migrations/postgres/0008_reimport.sql")),
                (
                    9,
                    include_str!("../migrations/postgres/0009_session_mac.sql"),
                ),
            ],
        }
    }
}

/// Who does something and when: passed in, because the store reads no clock.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Stamp {
    /// RFC 3339 time.
    pub at: String,
    /// The actor, as the audit log names it.
    pub actor: String,
}

impl Stamp {
    /// A stamp.
    pub fn new(at: impl Into<String>, actor: impl Into<String>) -> Stamp {
        Stamp {
            at: at.into(),
            actor: actor.into(),
        }
    }
}

/// An open database with its keys.
#[derive(Debug)]
pub struct Store {
    pub(crate) pool: AnyPool,
    backend: Backend,
    keys: KeyCell,
    /// When the key file was last seen changed on disk: a rotation by another process (another
    /// server, `probity key rotate`) rewrites it, and the next read reloads it.
    key_file_seen: std::sync::Mutex<Option<std::time::SystemTime>>,
    /// The queue of group-committed writes (drafts and submits).
    pub(crate) group: crate::group::Committer,
}

/// When a file was last modified, if it can be told.
fn modified(path: &std::path::Path) -> Option<std::time::SystemTime> {
    std::fs::metadata(path).and_then(|m| m.modified()).ok()
}

/// The key file in use, shared with the group-commit task (a rotation in another process makes
/// every holder reload it).
pub(crate) type KeyCell = Arc<RwLock<Arc<Keyring>>>;

pub(crate) fn keys_in(cell: &KeyCell) -> Arc<Keyring> {
    match cell.read() {
        Ok(k) => Arc::clone(&k),
        Err(poisoned) => Arc::clone(&poisoned.into_inner()),
    }
}

fn set_keys_in(cell: &KeyCell, keys: Keyring) {
    let mut guard = match cell.write() {
        Ok(g) => g,
        Err(poisoned) => poisoned.into_inner(),
    };
    *guard = Arc::new(keys);
}

/// The key id new values must be sealed under, as the database says; reloads the key file when
/// another process (`probity key rotate`) has moved to a new key.
pub(crate) async fn current_keys_in(
    cell: &KeyCell,
    conn: &mut AnyConnection,
) -> Result<Arc<Keyring>, StoreError> {
    let keys = keys_in(cell);
    let active: Option<String> = sqlx::query("SELECT value FROM meta WHERE key = 'active_key'")
        .fetch_optional(&mut *conn)
        .await?
        .map(|r| r.try_get(0))
        .transpose()?;
    match active.and_then(|a| a.parse::<u32>().ok()) {
        Some(id) if id != keys.active() => {
            // Another process rotated (or is rotating): the key file has the key.
            let reloaded = Keyring::load(keys.path())?;
            let Some(reloaded) = reloaded.sealing_under(id) else {
                return Err(StoreError::KeyFile {
                    path: keys.path().to_owned(),
                    message: format!("the database seals under data key {id}, which it lacks"),
                });
            };
            set_keys_in(cell, reloaded);
            Ok(keys_in(cell))
        }
        _ => Ok(keys),
    }
}

/// A SQLite URL that creates the file when missing.
/// Creates `path` empty with mode 0600 (owner only) if it does not exist; an existing file is
/// left as it is. SQLite gives a database's `-wal` and `-shm` files the mode of the database, so
/// a database created through this has all three private.
pub(crate) fn create_private(path: &std::path::Path) -> Result<(), StoreError> {
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    match options.open(path) {
        Ok(_) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => Ok(()),
        Err(source) => Err(StoreError::Io {
            path: path.to_owned(),
            source,
        }),
    }
}

/// The file a SQLite URL names (`sqlite://FILE?…`, `sqlite:FILE`), none for an in-memory one.
fn sqlite_file(url: &str) -> Option<std::path::PathBuf> {
    let rest = url
        .strip_prefix("sqlite://")
        .or_else(|| url.strip_prefix("sqlite:"))?;
    let (path, query) = rest.split_once('?').unwrap_or((rest, ""));
    if path.is_empty() || path == ":memory:" || query.contains("mode=memory") {
        return None;
    }
    Some(std::path::PathBuf::from(path))
}

fn sqlite_url(url: &str) -> String {
    if url.contains("mode=") {
        url.to_owned()
    } else if url.contains('?') {
        format!("{url}&mode=rwc")
    } else {
        format!("{url}?mode=rwc")
    }
}

/// How long PostgreSQL lets a session wait and idle, so that no server can stall the others.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Timeouts {
    /// A transaction left open with nothing running (its server frozen, cut off or paused) is
    /// ended by PostgreSQL after this long, releasing the write lock it held.
    pub idle_in_transaction: std::time::Duration,
    /// A statement waiting for a lock (every write first locks `audit_head`) gives up after this
    /// long: an error (nothing stored) rather than a wait without end.
    pub lock: std::time::Duration,
    /// A statement running longer than this is cancelled by PostgreSQL (zero: no limit).
    pub statement: std::time::Duration,
    /// TCP keepalives on the server's end of each connection, so that PostgreSQL notices a
    /// client gone silent (frozen, partitioned, a paused VM) even outside a transaction.
    pub keepalives: Keepalives,
}

/// PostgreSQL's TCP keepalive settings for a session (`tcp_keepalives_idle`, `_interval`,
/// `_count`): a peer silent for `idle`, then unanswered `count` probes `interval` apart, is
/// dropped. They apply to TCP connections; over a Unix socket PostgreSQL ignores them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Keepalives {
    /// Silence before the first probe.
    pub idle: std::time::Duration,
    /// Between probes.
    pub interval: std::time::Duration,
    /// Probes unanswered before the connection is dropped.
    pub count: u32,
}

impl Default for Keepalives {
    fn default() -> Keepalives {
        Keepalives {
            idle: std::time::Duration::from_secs(30),
            interval: std::time::Duration::from_secs(10),
            count: 3,
        }
    }
}

/// How many connections a store keeps to its database, unless told otherwise.
pub const DEFAULT_POOL_SIZE: u32 = 8;

impl Default for Timeouts {
    fn default() -> Timeouts {
        Timeouts {
            idle_in_transaction: std::time::Duration::from_secs(30),
            lock: std::time::Duration::from_secs(60),
            statement: std::time::Duration::from_secs(300),
            keepalives: Keepalives::default(),
        }
    }
}

/// The key of the PostgreSQL advisory lock under which one server at a time migrates.
const MIGRATION_LOCK: i64 = 0x0070_726f_6269_7479;

impl Store {
    /// Opens (creating if needed) the database at `url`, runs pending migrations, and checks that
    /// `keys` is the key file the database was written with (binding them on first use).
    pub async fn open(url: &str, keys: Keyring) -> Result<Store, StoreError> {
        Store::open_with(url, keys, Timeouts::default()).await
    }

    /// [`Store::open`] with the PostgreSQL timeouts given (SQLite has one writer and ignores them).
    pub async fn open_with(
        url: &str,
        keys: Keyring,
        timeouts: Timeouts,
    ) -> Result<Store, StoreError> {
        Store::open_pooled(url, keys, timeouts, DEFAULT_POOL_SIZE).await
    }

    /// [`Store::open_with`] keeping at most `pool_size` connections to the database.
    pub async fn open_pooled(
        url: &str,
        keys: Keyring,
        timeouts: Timeouts,
        pool_size: u32,
    ) -> Result<Store, StoreError> {
        sqlx::any::install_default_drivers();
        let backend = Backend::of(url)?;
        let url = match backend {
            Backend::Sqlite => {
                // A new database file is created private (0600) before SQLite opens it.
                if let Some(file) = sqlite_file(url) {
                    create_private(&file)?;
                }
                sqlite_url(url)
            }
            Backend::Postgres => url.to_owned(),
        };
        let options = AnyConnectOptions::from_str(&url)?;
        let pool = AnyPoolOptions::new()
            .max_connections(pool_size.max(1))
            .after_connect(move |conn, _| {
                Box::pin(async move {
                    if backend == Backend::Sqlite {
                        // WAL: readers never block the writer; FULL: a commit survives power loss.
                        conn.execute("PRAGMA journal_mode = WAL").await?;
                        conn.execute("PRAGMA synchronous = FULL").await?;
                        conn.execute("PRAGMA foreign_keys = ON").await?;
                        conn.execute("PRAGMA busy_timeout = 30000").await?;
                    } else {
                        let k = timeouts.keepalives;
                        let sql = format!(
                            "SET idle_in_transaction_session_timeout = {}; SET lock_timeout = {}; \
                             SET statement_timeout = {}; SET tcp_keepalives_idle = {}; \
                             SET tcp_keepalives_interval = {}; SET tcp_keepalives_count = {}",
                            timeouts.idle_in_transaction.as_millis(),
                            timeouts.lock.as_millis(),
                            timeouts.statement.as_millis(),
                            k.idle.as_secs(),
                            k.interval.as_secs(),
                            k.count
                        );
                        conn.execute(sqlx::AssertSqlSafe(sql)).await?;
                    }
                    Ok(())
                })
            })
            .connect_with(options)
            .await?;
        let key_file_seen = std::sync::Mutex::new(modified(keys.path()));
        let keys: KeyCell = Arc::new(RwLock::new(Arc::new(keys)));
        let group = crate::group::Committer::start(pool.clone(), backend, Arc::clone(&keys));
        let store = Store {
            pool,
            backend,
            keys,
            key_file_seen,
            group,
        };
        store.migrate().await?;
        store.bind_keys().await?;
        Ok(store)
    }

    /// The backend.
    pub fn backend(&self) -> Backend {
        self.backend
    }

    /// The keys in use: the key file as last read, read again first when it has changed on disk
    /// since (another process rotated the keys), so that every read opens values sealed under a
    /// key added elsewhere.
    pub fn keys(&self) -> Arc<Keyring> {
        let keys = keys_in(&self.keys);
        let now = modified(keys.path());
        let mut seen = match self.key_file_seen.lock() {
            Ok(g) => g,
            Err(poisoned) => poisoned.into_inner(),
        };
        if now.is_some() && *seen != now {
            // A key file being rewritten may not parse yet: keep the keys in use, try again at
            // the next read.
            if let Ok(reloaded) = Keyring::load(keys.path()) {
                set_keys_in(&self.keys, reloaded);
                *seen = now;
                return keys_in(&self.keys);
            }
        }
        keys
    }

    pub(crate) fn set_keys(&self, keys: Keyring) {
        set_keys_in(&self.keys, keys);
    }

    pub(crate) fn key_cell(&self) -> &KeyCell {
        &self.keys
    }

    /// The pool's connections: (open, idle).
    pub fn pool_connections(&self) -> (u32, usize) {
        (self.pool.size(), self.pool.num_idle())
    }

    /// Whether the database answers (a `SELECT 1` on a pooled connection): readiness.
    ///
    /// Ready means: the database answers, its schema is the one this build expects (no migration
    /// pending, none newer than it knows: another server upgraded it), and the key file can be
    /// read.
    pub async fn ready(&self) -> Result<(), StoreError> {
        let newest: i64 = sqlx::query("SELECT COALESCE(MAX(version), 0) FROM schema_migrations")
            .fetch_one(&self.pool)
            .await?
            .try_get(0)?;
        let expected = self
            .backend
            .migrations()
            .iter()
            .map(|(v, _)| *v)
            .max()
            .unwrap_or(0);
        if newest != expected {
            return Err(Refusal::new("schema-mismatch")
                .arg("newest", newest)
                .arg("expected", expected)
                .into());
        }
        Keyring::load(self.keys().path())?;
        Ok(())
    }

    /// Closes the pool, waiting for connections to finish.
    pub async fn close(&self) {
        self.pool.close().await;
    }

    /// Runs the migrations not yet applied, each in its own transaction. On PostgreSQL one server
    /// at a time, under an advisory lock: servers started together wait for the first, then find
    /// nothing left to do.
    async fn migrate(&self) -> Result<(), StoreError> {
        let mut conn = self.pool.acquire().await?;
        if self.backend != Backend::Postgres {
            return migrate_on(self.backend, &mut conn).await;
        }
        sqlx::query("SELECT pg_advisory_lock($1)")
            .bind(MIGRATION_LOCK)
            .execute(&mut *conn)
            .await?;
        let migrated = migrate_on(self.backend, &mut conn).await;
        let unlocked = sqlx::query("SELECT pg_advisory_unlock($1)")
            .bind(MIGRATION_LOCK)
            .execute(&mut *conn)
            .await;
        migrated?;
        unlocked?;
        Ok(())
    }

    /// On first use, records the key file's fingerprint and signs the empty log's head; later,
    /// refuses a key file with another fingerprint.
    async fn bind_keys(&self) -> Result<(), StoreError> {
        let keys = self.keys();
        let mut tx = self.pool.begin().await?;
        // Take the write lock first, as every writer does (see `Writer`).
        sqlx::query("UPDATE audit_head SET seq = seq WHERE id = 1")
            .execute(&mut *tx)
            .await?;
        let stored = sqlx::query("SELECT value FROM meta WHERE key = 'key_fingerprint'")
            .fetch_optional(&mut *tx)
            .await?;
        match stored {
            Some(row) => {
                let fingerprint: String = row.try_get(0)?;
                if fingerprint != keys.fingerprint() {
                    return Err(StoreError::KeyFile {
                        path: keys.path().to_owned(),
                        message: "is not the key file this database was written with".into(),
                    });
                }
            }
            None => {
                sqlx::query("INSERT INTO meta (key, value) VALUES ('key_fingerprint', $1)")
                    .bind(keys.fingerprint())
                    .execute(&mut *tx)
                    .await?;
                sqlx::query("INSERT INTO meta (key, value) VALUES ('active_key', $1)")
                    .bind(keys.active().to_string())
                    .execute(&mut *tx)
                    .await?;
                sqlx::query("UPDATE audit_head SET mac = $1 WHERE id = 1 AND seq = 0")
                    .bind(keys.sign_head(0, audit::GENESIS))
                    .execute(&mut *tx)
                    .await?;
            }
        }
        tx.commit().await?;
        Ok(())
    }

    /// The key id new values must be sealed under (see [`current_keys_in`]).
    pub(crate) async fn current_keys(
        &self,
        conn: &mut AnyConnection,
    ) -> Result<Arc<Keyring>, StoreError> {
        current_keys_in(&self.keys, conn).await
    }

    /// Walks the audit log and every record it covers (`probity audit verify`).
    pub async fn verify_audit(
        &self,
        checkpoint: Option<&Checkpoint>,
    ) -> Result<Result<Verified, Unfit>, StoreError> {
        self.verify_audit_against(checkpoint.map(std::slice::from_ref).unwrap_or_default())
            .await
    }

    /// Walks the audit log and every record it covers, and checks that the log reaches every
    /// checkpoint of a published series and is, up to each, the log that was checkpointed
    /// (`probity audit verify --checkpoints FILE`); the first checkpoint that fails is named
    /// (`Unfit::checkpoint`, its position in `checkpoints`).
    pub async fn verify_audit_against(
        &self,
        checkpoints: &[Checkpoint],
    ) -> Result<Result<Verified, Unfit>, StoreError> {
        let mut conn = self.pool.acquire().await?;
        let keys = self.current_keys(&mut conn).await?;
        audit::verify(&mut conn, &keys, checkpoints).await
    }

    /// The latest events of the log, newest first, at most `limit`, from `before` (exclusive)
    /// back: what an auditor browses. Events hold no personal data in clear.
    pub async fn audit_events(
        &self,
        before: Option<i64>,
        limit: i64,
    ) -> Result<Vec<crate::audit::Event>, StoreError> {
        let mut conn = self.pool.acquire().await?;
        let rows = sqlx::query(
            "SELECT seq, at, actor, action, subject, payload, payload_sha256, prev_sha256, sha256 \
             FROM audit_events WHERE seq < $1 ORDER BY seq DESC LIMIT $2",
        )
        .bind(before.unwrap_or(i64::MAX))
        .bind(limit)
        .fetch_all(&mut *conn)
        .await?;
        rows.iter()
            .map(|r| {
                Ok(crate::audit::Event {
                    seq: r.try_get(0)?,
                    at: r.try_get(1)?,
                    actor: r.try_get(2)?,
                    action: r.try_get(3)?,
                    subject: r.try_get(4)?,
                    payload: r.try_get(5)?,
                    payload_sha256: r.try_get(6)?,
                    prev_sha256: r.try_get(7)?,
                    sha256: r.try_get(8)?,
                })
            })
            .collect()
    }

    /// The signed head of the log, to publish (`probity audit checkpoint`).
    pub async fn checkpoint(&self) -> Result<Checkpoint, StoreError> {
        let row = sqlx::query("SELECT seq, sha256, mac FROM audit_head WHERE id = 1")
            .fetch_one(&self.pool)
            .await?;
        Ok(Checkpoint {
            seq: row.try_get(0)?,
            sha256: row.try_get(1)?,
            mac: row.try_get(2)?,
        })
    }

    /// A connection from the pool, for tests and tools that read directly.
    pub async fn connection(&self) -> Result<sqlx::pool::PoolConnection<sqlx::Any>, StoreError> {
        Ok(self.pool.acquire().await?)
    }

    /// Counts the rows of a table.
    pub async fn count(&self, table: &crate::schema::Table) -> Result<i64, StoreError> {
        let sql = format!("SELECT COUNT(*) FROM {}", table.name);
        Ok(sqlx::query(sqlx::AssertSqlSafe(sql))
            .fetch_one(&self.pool)
            .await?
            .try_get(0)?)
    }
}

/// Runs the migrations not yet applied on `conn`, each in its own transaction.
async fn migrate_on(backend: Backend, conn: &mut sqlx::AnyConnection) -> Result<(), StoreError> {
    conn.execute(
        "CREATE TABLE IF NOT EXISTS schema_migrations (version BIGINT PRIMARY KEY, applied_at TEXT NOT NULL)",
    )
    .await?;
    for (version, sql) in backend.migrations() {
        if backend == Backend::Sqlite {
            // The check and the change in one write transaction, taken before either: processes
            // opening one file together apply each migration once (the others wait, then skip).
            conn.execute("BEGIN IMMEDIATE").await?;
            match apply_sqlite(conn, *version, sql).await {
                Ok(()) => conn.execute("COMMIT").await?,
                Err(e) => {
                    let _ = conn.execute("ROLLBACK").await;
                    return Err(e);
                }
            };
            continue;
        }
        let done = sqlx::query("SELECT COUNT(*) FROM schema_migrations WHERE version = $1")
            .bind(*version)
            .fetch_one(&mut *conn)
            .await?
            .try_get::<i64, _>(0)?;
        if done > 0 {
            continue;
        }
        let mut tx = conn.begin().await?;
        sqlx::raw_sql(sqlx::AssertSqlSafe(*sql))
            .execute(&mut *tx)
            .await?;
        sqlx::query("INSERT INTO schema_migrations (version, applied_at) VALUES ($1, $2)")
            .bind(*version)
            .bind("migration")
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
    }
    Ok(())
}

/// One SQLite migration, inside the caller's write transaction, unless it was applied already.
async fn apply_sqlite(
    conn: &mut sqlx::AnyConnection,
    version: i64,
    sql: &str,
) -> Result<(), StoreError> {
    let done = sqlx::query("SELECT COUNT(*) FROM schema_migrations WHERE version = $1")
        .bind(version)
        .fetch_one(&mut *conn)
        .await?
        .try_get::<i64, _>(0)?;
    if done == 0 {
        sqlx::raw_sql(sqlx::AssertSqlSafe(sql.to_owned()))
            .execute(&mut *conn)
            .await?;
        sqlx::query("INSERT INTO schema_migrations (version, applied_at) VALUES ($1, $2)")
            .bind(version)
            .bind("migration")
            .execute(&mut *conn)
            .await?;
    }
    Ok(())
}
