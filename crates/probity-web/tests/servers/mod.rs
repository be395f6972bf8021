//! Two servers on one PostgreSQL database (skipped, like every PostgreSQL test, when no server
//! answers outside CI): reports and drafts sent to both at once are stored once each, the audit
//! chain verifies, a session opened on one works on the other, and the sign-in lockout holds
//! against wrong passwords sent to both in parallel.

use std::sync::Arc;

use axum::http::StatusCode;
use probity_store::{Keyring, Store};
use probity_web::App;
use probity_web::i18n::Lang;

use super::{
    Db, PASSWORD, app_on, as_change_report, csrf_of, fixtures, get, send, send_json, sign_in,
};

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn two_servers_on_one_database_store_every_submission_once() {
    let Some((db, one)) = app_on(Db::Postgres).await else {
        return;
    };
    let keys = Keyring::load(&db.dir.path().join("keys")).unwrap();
    let two = Arc::new(App::new(
        Store::open(&db.url, keys).await.unwrap(),
        false,
        Lang::Zh,
    ));
    let servers = [Arc::clone(&one), Arc::clone(&two)];

    // Signed in on one server, working on both.
    let chen = sign_in(&one, "chen", PASSWORD).await.unwrap();
    let csrf = csrf_of(&two, &chen).await;
    let first = std::fs::read_to_string(fixtures().join("declarations.jsonl")).unwrap();
    let base: serde_json::Value = serde_json::from_str(first.lines().next().unwrap()).unwrap();
    let mut tasks = Vec::new();
    for i in 0..24 {
        let server = Arc::clone(&servers[i % 2]);
        let (chen, csrf) = (chen.clone(), csrf.clone());
        let mut report = base.clone();
        report["declaration_id"] = format!("C2025-TWO-{i:02}").into();
        as_change_report(&mut report);
        tasks.push(tokio::spawn(async move {
            let draft = send(
                &server,
                send_json("PUT", "/api/drafts/2025/change", &chen, &csrf, "{}".into()),
            )
            .await
            .0;
            let (status, _, body) = send(
                &server,
                send_json("POST", "/api/reports", &chen, &csrf, report.to_string()),
            )
            .await;
            (draft, status, body)
        }));
    }
    let mut filed = Vec::new();
    for t in tasks {
        let (draft, status, body) = t.await.unwrap();
        assert_eq!(draft, StatusCode::NO_CONTENT);
        assert_eq!(status, StatusCode::CREATED, "{body}");
        let receipt: serde_json::Value = serde_json::from_str(&body).unwrap();
        filed.push(receipt["declaration_id"].as_str().unwrap().to_owned());
    }
    // Every one stored once, seen alike from both servers.
    for server in &servers {
        let (status, _, mine) = send(server, get("/api/reports", &chen)).await;
        assert_eq!(status, StatusCode::OK);
        let mine: serde_json::Value = serde_json::from_str(&mine).unwrap();
        let mut ids: Vec<&str> = mine
            .as_array()
            .unwrap()
            .iter()
            .filter_map(|r| r["declaration_id"].as_str())
            .filter(|id| id.starts_with("C2025-TWO-"))
            .collect();
        ids.sort_unstable();
        let mut expected: Vec<&str> = filed.iter().map(String::as_str).collect();
        expected.sort_unstable();
        assert_eq!(ids, expected);
    }
    for server in &servers {
        assert!(server.store.verify_audit(None).await.unwrap().is_ok());
    }

    // Wrong passwords to both servers at once: the account locks all the same, everywhere.
    let mut attempts = Vec::new();
    for i in 0..30 {
        let server = Arc::clone(&servers[i % 2]);
        attempts.push(tokio::spawn(async move {
            sign_in(&server, "newbie", "not the password at all")
                .await
                .is_err()
        }));
    }
    for a in attempts {
        assert!(a.await.unwrap());
    }
    let mut conn = one.store.connection().await.unwrap();
    let checked: i64 = sqlx::Row::get(
        &sqlx::query(
            "SELECT COUNT(*) FROM audit_events WHERE action = 'session.refused' AND subject = 'users/newbie'",
        )
        .fetch_one(&mut *conn)
        .await
        .unwrap(),
        0,
    );
    drop(conn);
    assert_eq!(checked, probity_web::auth::MAX_FAILURES);
    for server in &servers {
        assert!(sign_in(server, "newbie", PASSWORD).await.is_err());
    }
    two.store.close().await;
    drop(db);
}
