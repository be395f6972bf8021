//! A fresh database per test, on SQLite or PostgreSQL, and the small example loaded into it.
#![allow(dead_code)]

use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};

use probity_model::validation::parse_and_validate;
use probity_model::{Declaration, Profile};
use probity_store::{Keyring, RegistryFile, Stamp, Store};
use sqlx::Connection;

/// Where the small example lives.
pub fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fixtures/small")
}

/// The database a test runs on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Db {
    Sqlite,
    Postgres,
}

/// A fresh database and what must outlive it.
pub struct Fresh {
    pub store: Store,
    pub url: String,
    pub dir: tempfile::TempDir,
    pub key_file: PathBuf,
    postgres: Option<(String, String)>,
}

impl Fresh {
    /// Opens the same database again (as after a restart), with the same key file.
    pub async fn reopen(&self) -> Store {
        Store::open(&self.url, Keyring::load(&self.key_file).unwrap())
            .await
            .unwrap()
    }

    /// The SQLite file, for tests that read its raw bytes.
    pub fn sqlite_file(&self) -> PathBuf {
        self.dir.path().join("probity.db")
    }

    /// The PostgreSQL database's name.
    pub fn postgres_name(&self) -> Option<&str> {
        self.postgres.as_ref().map(|(_, name)| name.as_str())
    }

    /// The PostgreSQL admin URL.
    pub fn postgres_admin(&self) -> Option<&str> {
        self.postgres.as_ref().map(|(admin, _)| admin.as_str())
    }

    pub async fn drop_db(self) {
        self.store.close().await;
        if let Some((admin, name)) = &self.postgres
            && let Ok(mut conn) = sqlx::AnyConnection::connect(admin).await
        {
            let sql = format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)");
            let _ = sqlx::raw_sql(sqlx::AssertSqlSafe(sql))
                .execute(&mut conn)
                .await;
        }
    }
}

static COUNTER: AtomicUsize = AtomicUsize::new(0);

/// The PostgreSQL server for tests: `PROBITY_TEST_POSTGRES`, or the local default.
pub fn postgres_admin_url() -> String {
    std::env::var("PROBITY_TEST_POSTGRES")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".into())
}

/// Says, outside the test harness's capture, that a PostgreSQL test was skipped.
fn say_skipped(why: &str) {
    let _ = writeln!(
        std::io::stderr(),
        "SKIPPED (PostgreSQL): {why}; set PROBITY_TEST_POSTGRES=postgres://USER@HOST:PORT/DB to run"
    );
}

fn with_database(url: &str, name: &str) -> String {
    let (base, query) = match url.split_once('?') {
        Some((b, q)) => (b, Some(q)),
        None => (url, None),
    };
    let cut = base
        .rfind('/')
        .filter(|i| *i > "postgres://".len())
        .unwrap_or(base.len());
    let mut out = format!("{}/{name}", &base[..cut]);
    if let Some(q) = query {
        out.push('?');
        out.push_str(q);
    }
    out
}

/// A fresh, empty database with a fresh key file; `None` when PostgreSQL is asked for and no
/// server answers outside CI (under CI that is a failure).
pub async fn fresh(db: Db) -> Option<Fresh> {
    sqlx::any::install_default_drivers();
    let dir = tempfile::tempdir().unwrap();
    let key_file = dir.path().join("probity.keys");
    let keys = Keyring::create(&key_file).unwrap();
    let (url, postgres) = match db {
        Db::Sqlite => (
            format!("sqlite://{}", dir.path().join("probity.db").display()),
            None,
        ),
        Db::Postgres => {
            let admin = postgres_admin_url();
            let mut conn = match sqlx::AnyConnection::connect(&admin).await {
                Ok(c) => c,
                Err(e) => {
                    if std::env::var_os("CI").is_some() {
                        panic!("under CI the PostgreSQL tests must run, but {admin} refused: {e}");
                    }
                    say_skipped(&format!("no server at {admin} ({e})"));
                    return None;
                }
            };
            let name = format!(
                "probity_test_{}_{}",
                std::process::id(),
                COUNTER.fetch_add(1, Ordering::SeqCst)
            );
            let sql = format!("CREATE DATABASE {name}");
            sqlx::raw_sql(sqlx::AssertSqlSafe(sql))
                .execute(&mut conn)
                .await
                .unwrap();
            (with_database(&admin, &name), Some((admin, name)))
        }
    };
    let store = Store::open(&url, keys).await.unwrap();
    Some(Fresh {
        store,
        url,
        dir,
        key_file,
        postgres,
    })
}

pub fn stamp() -> Stamp {
    Stamp::new("2026-02-01T09:00:00Z", "cli:test")
}

/// Parses a declarations file the way `probity declaration import` does.
pub fn parse_declarations(text: &str) -> Vec<(usize, Declaration, String)> {
    let profile = Profile::builtin("cn").unwrap();
    text.lines()
        .enumerate()
        .filter(|(_, l)| !l.trim().is_empty())
        .map(|(i, line)| {
            let value: serde_json::Value = serde_json::from_str(line).unwrap();
            let d = parse_and_validate(&value, |_| Some(&profile)).unwrap();
            (i + 1, d, line.to_owned())
        })
        .collect()
}

/// The small example's registry files.
pub fn registry_files() -> Vec<RegistryFile> {
    let dir = fixtures().join("registries");
    let mut files: Vec<RegistryFile> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| {
            let path = e.unwrap().path();
            let bytes = std::fs::read(&path).unwrap();
            let rows = bytes
                .iter()
                .filter(|b| **b == b'\n')
                .count()
                .saturating_sub(1);
            RegistryFile {
                source: path.file_stem().unwrap().to_string_lossy().into_owned(),
                file_name: path.file_name().unwrap().to_string_lossy().into_owned(),
                rows,
                bytes,
            }
        })
        .collect();
    files.sort_by(|a, b| a.source.cmp(&b.source));
    files
}

/// Loads the small example: roster, cycle 2025, reports, registry extracts.
pub async fn load_small(store: &Store) {
    let s = stamp();
    let roster = std::fs::read(fixtures().join("roster.csv")).unwrap();
    store
        .import_roster(&s, "roster.csv", &roster)
        .await
        .unwrap();
    let deadline = probity_model::Date::parse("2026-01-31").unwrap();
    store.open_cycle(&s, 2025, deadline).await.unwrap();
    let text = std::fs::read_to_string(fixtures().join("declarations.jsonl")).unwrap();
    store
        .import_declarations(
            &s,
            "declarations.jsonl",
            text.as_bytes(),
            &parse_declarations(&text),
        )
        .await
        .unwrap();
    store.import_registry(&s, &registry_files()).await.unwrap();
}

/// Generates the two tests of a case, one per database.
#[macro_export]
macro_rules! on_both {
    ($name:ident, $body:ident) => {
        mod $name {
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn sqlite() {
                if let Some(db) = $crate::common::fresh($crate::common::Db::Sqlite).await {
                    super::$body(&db).await;
                    db.drop_db().await;
                }
            }
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn postgres() {
                if let Some(db) = $crate::common::fresh($crate::common::Db::Postgres).await {
                    super::$body(&db).await;
                    db.drop_db().await;
                }
            }
        }
    };
}

/// The reports in force of a cycle as a verification run names those it checked.
pub async fn checked(store: &Store, cycle: i32) -> Vec<probity_store::Checked> {
    store
        .read_cycle_declarations(&stamp(), cycle)
        .await
        .unwrap()
        .into_iter()
        .map(|d| probity_store::Checked {
            declaration_id: d.declaration_id,
            person_key: d.person_key,
            kind: d.kind,
        })
        .collect()
}
