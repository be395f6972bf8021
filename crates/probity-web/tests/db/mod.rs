//! The database a test app runs on: SQLite in the test's folder, or a fresh PostgreSQL database
//! of its own on the server `PROBITY_TEST_POSTGRES` names (the store tests' rule: skipped with a
//! word on stderr when no server answers outside CI, a failure under CI), dropped with the test.

use std::io::Write;
use std::sync::atomic::{AtomicUsize, Ordering};

use sqlx::Connection;

/// Which database.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Db {
    Sqlite,
    Postgres,
}

/// What must outlive a test's app: its folder (key file, SQLite file) and, on PostgreSQL, its
/// database, dropped when this is.
pub struct TestDb {
    pub dir: tempfile::TempDir,
    /// The database's URL (a second server opens it too).
    pub url: String,
    postgres: Option<(String, String)>,
}

impl Drop for TestDb {
    fn drop(&mut self) {
        let Some((admin, name)) = self.postgres.take() else {
            return;
        };
        // On a thread and runtime of its own: the test's runtime may be the one dropping this.
        let _ = std::thread::spawn(move || {
            let Ok(rt) = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
            else {
                return;
            };
            rt.block_on(async {
                if let Ok(mut conn) = sqlx::AnyConnection::connect(&admin).await {
                    let sql = format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)");
                    let _ = sqlx::raw_sql(sqlx::AssertSqlSafe(sql))
                        .execute(&mut conn)
                        .await;
                }
            });
        })
        .join();
    }
}

static COUNTER: AtomicUsize = AtomicUsize::new(0);

/// A fresh database: its URL and what must outlive it; `None` when PostgreSQL is asked for and
/// no server answers outside CI.
pub async fn fresh(db: Db) -> Option<(String, TestDb)> {
    let dir = tempfile::tempdir().unwrap();
    match db {
        Db::Sqlite => {
            let url = format!("sqlite://{}", dir.path().join("p.db").display());
            Some((
                url.clone(),
                TestDb {
                    dir,
                    url,
                    postgres: None,
                },
            ))
        }
        Db::Postgres => {
            sqlx::any::install_default_drivers();
            let admin = std::env::var("PROBITY_TEST_POSTGRES")
                .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".into());
            let mut conn = match sqlx::AnyConnection::connect(&admin).await {
                Ok(c) => c,
                Err(e) => {
                    if std::env::var_os("CI").is_some() {
                        panic!("under CI the PostgreSQL tests must run, but {admin} refused: {e}");
                    }
                    let _ = writeln!(
                        std::io::stderr(),
                        "SKIPPED (PostgreSQL): no server at {admin} ({e}); set \
                         PROBITY_TEST_POSTGRES=postgres://USER@HOST:PORT/DB to run"
                    );
                    return None;
                }
            };
            let name = format!(
                "probity_web_test_{}_{}",
                std::process::id(),
                COUNTER.fetch_add(1, Ordering::SeqCst)
            );
            let sql = format!("CREATE DATABASE {name}");
            sqlx::raw_sql(sqlx::AssertSqlSafe(sql))
                .execute(&mut conn)
                .await
                .unwrap();
            let url = with_database(&admin, &name);
            Some((
                url.clone(),
                TestDb {
                    dir,
                    url,
                    postgres: Some((admin, name)),
                },
            ))
        }
    }
}

/// The server URL with another database named in it (query kept).
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
