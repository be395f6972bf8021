//! Several servers on one PostgreSQL database: they start together, and none can stall the
//! others' writes without end.

use std::time::Duration;

use probity_store::{Keepalives, Keyring, Role, Stamp, Store, Timeouts, User};

use crate::common::{Db, fresh, postgres_admin_url};

fn user(name: &str) -> User {
    User {
        username: name.into(),
        role: Role::Auditor,
        person_key: None,
        password_hash: "$argon2id$v=19$m=8,t=1,p=1$c2FsdHNhbHQ$aGFzaGhhc2hoYXNoaGFzaA".into(),
        disabled: false,
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn servers_started_together_on_a_new_database_all_start() {
    // A fresh database the way `fresh` makes one, but with no server started on it yet.
    let Some(db) = fresh(Db::Postgres).await else {
        return;
    };
    let admin = postgres_admin_url();
    let name = format!("{}_together", db.postgres_name().unwrap());
    let mut conn = <sqlx::AnyConnection as sqlx::Connection>::connect(&admin)
        .await
        .unwrap();
    sqlx::raw_sql(sqlx::AssertSqlSafe(format!("CREATE DATABASE {name}")))
        .execute(&mut conn)
        .await
        .unwrap();
    let url = db.url.replace(db.postgres_name().unwrap(), &name);
    let key_file = db.dir.path().join("together.keys");
    Keyring::create(&key_file).unwrap();
    let opened = futures_util::future::join_all((0..3).map(|_| {
        let (url, keys) = (url.clone(), Keyring::load(&key_file).unwrap());
        async move { Store::open(&url, keys).await }
    }))
    .await;
    for store in &opened {
        assert!(store.is_ok(), "{:?}", store.as_ref().err());
    }
    for store in opened.into_iter().flatten() {
        assert!(store.verify_audit(None).await.unwrap().is_ok());
        store.close().await;
    }
    sqlx::raw_sql(sqlx::AssertSqlSafe(format!(
        "DROP DATABASE IF EXISTS {name} WITH (FORCE)"
    )))
    .execute(&mut conn)
    .await
    .unwrap();
    db.drop_db().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_server_frozen_in_a_write_does_not_stall_the_others() {
    let Some(db) = fresh(Db::Postgres).await else {
        return;
    };
    // Another server, with a short idle limit, takes the write lock and then stops answering
    // (as when it is frozen, paused or cut off) with its transaction open.
    let frozen = Store::open_with(
        &db.url,
        Keyring::load(&db.key_file).unwrap(),
        Timeouts {
            idle_in_transaction: Duration::from_secs(1),
            lock: Duration::from_secs(60),
            ..Timeouts::default()
        },
    )
    .await
    .unwrap();
    let mut conn = frozen.connection().await.unwrap();
    sqlx::raw_sql("BEGIN; UPDATE audit_head SET seq = seq WHERE id = 1")
        .execute(&mut *conn)
        .await
        .unwrap();

    // This server's write waits for the lock only until PostgreSQL ends the idle transaction.
    let s = Stamp::new("2026-03-01T08:00:00Z", "test");
    tokio::time::timeout(
        Duration::from_secs(120),
        db.store.create_user(&s, &user("after")),
    )
    .await
    .expect("the write is not stalled without end")
    .unwrap();
    // The frozen server's transaction is gone; the write it held the lock for never happened.
    assert!(
        sqlx::raw_sql("COMMIT").execute(&mut *conn).await.is_err(),
        "the idle transaction was ended"
    );
    drop(conn);
    assert!(db.store.user("after").await.unwrap().is_some());
    assert!(db.store.verify_audit(None).await.unwrap().is_ok());
    frozen.close().await;
    db.drop_db().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_key_rotation_by_another_server_is_noticed_before_the_next_read() {
    for db in [Db::Sqlite, Db::Postgres] {
        let Some(db) = fresh(db).await else {
            continue;
        };
        let s = Stamp::new("2026-03-01T08:00:00Z", "test");
        crate::common::load_small(&db.store).await;
        let person = db
            .store
            .person_key(&probity_model::ResidentId::parse("350111199006074875").unwrap());
        db.store
            .save_draft(&s, &person, 2025, "annual", "{\"typed\": \"so far\"}")
            .await
            .unwrap();
        // A second server on the same database and key file reads the draft…
        let other = db.reopen().await;
        let before = other.draft(&person, 2025, "annual").await.unwrap();
        assert!(before.is_some());
        // …the first rotates the keys (every value re-sealed, the old key retired)…
        db.store.rotate_key(&s, &|_n: u64| {}).await.unwrap();
        // …and the second, which has written nothing since, reads it under the new key.
        let after = other.draft(&person, 2025, "annual").await.unwrap();
        assert_eq!(after, before);
        other.close().await;
        db.drop_db().await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn processes_opening_one_new_sqlite_file_together_all_open() {
    let dir = tempfile::tempdir().unwrap();
    let key_file = dir.path().join("together.keys");
    Keyring::create(&key_file).unwrap();
    let url = format!("sqlite://{}", dir.path().join("together.db").display());
    let opened = futures_util::future::join_all((0..3).map(|_| {
        let (url, keys) = (url.clone(), Keyring::load(&key_file).unwrap());
        async move { Store::open(&url, keys).await }
    }))
    .await;
    for store in &opened {
        assert!(store.is_ok(), "{:?}", store.as_ref().err());
    }
    for store in opened.into_iter().flatten() {
        assert!(store.verify_audit(None).await.unwrap().is_ok());
        store.close().await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn writes_survive_connections_cut_under_them() {
    let Some(db) = fresh(Db::Postgres).await else {
        return;
    };
    let s = crate::common::stamp();
    let roster = std::fs::read(crate::common::fixtures().join("roster.csv")).unwrap();
    db.store
        .import_roster(&s, "roster.csv", &roster)
        .await
        .unwrap();
    db.store
        .open_cycle(&s, 2025, probity_model::Date::parse("2026-01-31").unwrap())
        .await
        .unwrap();
    let text =
        std::fs::read_to_string(crate::common::fixtures().join("declarations.jsonl")).unwrap();
    let reports = crate::common::parse_declarations(&text);

    // Another session cuts every connection of this database, again and again.
    let admin = postgres_admin_url();
    let name = db.postgres_name().unwrap().to_owned();
    let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let cutter = {
        let stop = std::sync::Arc::clone(&stop);
        tokio::spawn(async move {
            let mut conn = <sqlx::AnyConnection as sqlx::Connection>::connect(&admin)
                .await
                .unwrap();
            let mut cut = 0_i64;
            while !stop.load(std::sync::atomic::Ordering::SeqCst) {
                let sql = format!(
                    "SELECT COUNT(pg_terminate_backend(pid)) FROM pg_stat_activity \
                     WHERE datname = '{name}' AND pid <> pg_backend_pid()"
                );
                let row = sqlx::query(sqlx::AssertSqlSafe(sql))
                    .fetch_one(&mut conn)
                    .await
                    .unwrap();
                cut += sqlx::Row::get::<i64, _>(&row, 0);
                tokio::time::sleep(Duration::from_millis(40)).await;
            }
            cut
        })
    };

    use futures_util::FutureExt;
    let store = &db.store;
    let mut failed = Vec::new();
    // Rounds of writes while the connections are cut: the reports in the first, drafts in all.
    for round in 0..12 {
        let mut writes = Vec::new();
        if round == 0 {
            for (_, d, json) in &reports {
                writes.push(
                    async move {
                        store
                            .submit_declaration(&crate::common::stamp(), d, json)
                            .await
                            .map(|_| ())
                    }
                    .boxed(),
                );
            }
        }
        for i in 0..12 {
            let (_, d, _) = &reports[i % reports.len()];
            let person = store.person_key(&d.declarant_id);
            let draft = format!("{{\"round\": {round}, \"n\": {i}}}");
            writes.push(
                async move {
                    store
                        .save_draft(&crate::common::stamp(), &person, 2025, "change", &draft)
                        .await
                }
                .boxed(),
            );
        }
        for result in futures_util::future::join_all(writes).await {
            if let Err(e) = result {
                failed.push(e.to_string());
            }
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    stop.store(true, std::sync::atomic::Ordering::SeqCst);
    let cut = cutter.await.unwrap();
    assert!(cut > 0, "no connection was cut");
    assert!(
        failed.is_empty(),
        "{} of the writes failed: {failed:?}",
        failed.len()
    );
    for (_, d, _) in &reports {
        assert!(
            db.store
                .report_summary(&d.declaration_id)
                .await
                .unwrap()
                .is_some()
        );
    }
    assert!(db.store.verify_audit(None).await.unwrap().is_ok());
    db.drop_db().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_configured_timeouts_and_keepalives_reach_every_session() {
    let Some(db) = fresh(Db::Postgres).await else {
        return;
    };
    // Values unlike the defaults, so that a setting dropped on the way shows.
    let timeouts = Timeouts {
        idle_in_transaction: Duration::from_secs(17),
        lock: Duration::from_secs(23),
        statement: Duration::from_secs(41),
        keepalives: Keepalives {
            idle: Duration::from_secs(37),
            interval: Duration::from_secs(7),
            count: 5,
        },
    };
    assert_ne!(timeouts, Timeouts::default());
    let store = Store::open_pooled(&db.url, Keyring::load(&db.key_file).unwrap(), timeouts, 3)
        .await
        .unwrap();
    // Every connection of the pool, not only the first: hold three at once.
    let mut held = Vec::new();
    for _ in 0..3 {
        held.push(store.connection().await.unwrap());
    }
    for conn in &mut held {
        let mut show = async |name: &str| -> String {
            sqlx::query_scalar::<_, String>(sqlx::AssertSqlSafe(format!("SHOW {name}")))
                .fetch_one(&mut **conn)
                .await
                .unwrap()
        };
        assert_eq!(show("idle_in_transaction_session_timeout").await, "17s");
        assert_eq!(show("lock_timeout").await, "23s");
        assert_eq!(show("statement_timeout").await, "41s");
        // Over TCP (the test database's URL names a host), the keepalives apply.
        assert_eq!(show("tcp_keepalives_idle").await, "37");
        assert_eq!(show("tcp_keepalives_interval").await, "7");
        assert_eq!(show("tcp_keepalives_count").await, "5");
    }
    assert_eq!(store.pool_connections().0, 3);
    // A fourth is not opened: the pool holds at most what was asked.
    assert!(
        tokio::time::timeout(Duration::from_millis(300), store.connection())
            .await
            .is_err()
    );
    drop(held);
    store.close().await;
    db.drop_db().await;
}
