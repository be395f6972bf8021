//! Running as a service: health and readiness, and a shutdown that answers every request in
//! flight.

use std::sync::Arc;
use std::time::Duration;

use axum::body::Body;
use axum::http::{Request, StatusCode};
use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpStream;

use super::{app, send};

/// One HTTP/1.1 exchange on an open connection: (status, headers, body).
async fn exchange(
    stream: &mut BufReader<TcpStream>,
    request: &str,
) -> std::io::Result<(u16, Vec<(String, String)>, String)> {
    stream.get_mut().write_all(request.as_bytes()).await?;
    read_response(stream).await
}

async fn read_response(
    stream: &mut BufReader<TcpStream>,
) -> std::io::Result<(u16, Vec<(String, String)>, String)> {
    let mut line = String::new();
    if stream.read_line(&mut line).await? == 0 {
        return Err(std::io::Error::other("connection closed before an answer"));
    }
    let status: u16 = line
        .split(' ')
        .nth(1)
        .and_then(|s| s.parse().ok())
        .ok_or_else(|| std::io::Error::other(format!("not a status line: {line:?}")))?;
    let mut headers = Vec::new();
    loop {
        line.clear();
        stream.read_line(&mut line).await?;
        let l = line.trim_end();
        if l.is_empty() {
            break;
        }
        if let Some((k, v)) = l.split_once(':') {
            headers.push((k.trim().to_ascii_lowercase(), v.trim().to_owned()));
        }
    }
    let length: usize = headers
        .iter()
        .find(|(k, _)| k == "content-length")
        .and_then(|(_, v)| v.parse().ok())
        .ok_or_else(|| std::io::Error::other("no content-length"))?;
    let mut body = vec![0; length];
    stream.read_exact(&mut body).await?;
    Ok((status, headers, String::from_utf8_lossy(&body).into_owned()))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn health_and_readiness_answer_without_signing_in() {
    let (db, app) = app().await;
    for path in ["/healthz", "/readyz"] {
        let (status, _, body) = send(&app, Request::get(path).body(Body::empty()).unwrap()).await;
        assert_eq!(status, StatusCode::OK, "{path}: {body}");
    }
    // Without its key file the server cannot read what it stores: not ready.
    let keys = db.dir.path().join("keys");
    std::fs::rename(&keys, keys.with_extension("away")).unwrap();
    let (status, _, _) = send(&app, Request::get("/readyz").body(Body::empty()).unwrap()).await;
    assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE);
    std::fs::rename(keys.with_extension("away"), &keys).unwrap();
    // A schema newer than this build knows (another server upgraded it): not ready either.
    let mut conn = app.store.connection().await.unwrap();
    sqlx::query("INSERT INTO schema_migrations (version, applied_at) VALUES (9999, 'later')")
        .execute(&mut *conn)
        .await
        .unwrap();
    let (status, _, _) = send(&app, Request::get("/readyz").body(Body::empty()).unwrap()).await;
    assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE);
    sqlx::query("DELETE FROM schema_migrations WHERE version = 9999")
        .execute(&mut *conn)
        .await
        .unwrap();
    drop(conn);
    let (status, _, _) = send(&app, Request::get("/readyz").body(Body::empty()).unwrap()).await;
    assert_eq!(status, StatusCode::OK);
    // With the database gone, the server is alive but not ready.
    app.store.close().await;
    let (status, _, _) = send(&app, Request::get("/readyz").body(Body::empty()).unwrap()).await;
    assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE);
    let (status, _, _) = send(&app, Request::get("/healthz").body(Body::empty()).unwrap()).await;
    assert_eq!(status, StatusCode::OK);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_stop_lets_every_request_in_flight_finish_and_answer() {
    let (_dir, app) = app().await;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let server = tokio::spawn(probity_web::serve_until(
        Arc::clone(&app),
        listener,
        async move {
            let _ = stopped.await;
        },
        Duration::from_secs(60),
    ));

    // Clients on open connections, each in the middle of a sign-in (a password check takes a
    // while) when the stop comes.
    const CLIENTS: usize = 16;
    let mut connections = Vec::new();
    for i in 0..CLIENTS {
        let mut stream = BufReader::new(TcpStream::connect(addr).await.unwrap());
        let (status, headers, page) =
            exchange(&mut stream, "GET /login HTTP/1.1\r\nHost: probity\r\n\r\n")
                .await
                .unwrap();
        assert_eq!(status, 200);
        let cookie = headers
            .iter()
            .find(|(k, v)| k == "set-cookie" && v.contains("login"))
            .map(|(_, v)| v.split(';').next().unwrap().to_owned())
            .unwrap();
        let token = page
            .split("name=\"csrf\" value=\"")
            .nth(1)
            .unwrap()
            .split('"')
            .next()
            .unwrap()
            .to_owned();
        let form = format!("csrf={token}&username=nobody{i}&password=wrong+password+{i}");
        let request = format!(
            "POST /login HTTP/1.1\r\nHost: probity\r\nCookie: {cookie}\r\n\
             Content-Type: application/x-www-form-urlencoded\r\nContent-Length: {}\r\n\r\n{form}",
            form.len()
        );
        stream
            .get_mut()
            .write_all(request.as_bytes())
            .await
            .unwrap();
        connections.push(stream);
    }
    tokio::time::sleep(Duration::from_millis(20)).await;
    stop.send(()).unwrap();

    let mut answered = 0;
    for mut stream in connections {
        let (status, _, body) = read_response(&mut stream).await.unwrap();
        assert_eq!(status, 401, "{body}");
        answered += 1;
    }
    assert_eq!(answered, CLIENTS);
    // The server then ends by itself, and takes no new connection.
    tokio::time::timeout(Duration::from_secs(30), server)
        .await
        .expect("the server ends once its requests are answered")
        .unwrap()
        .unwrap();
    assert!(TcpStream::connect(addr).await.is_err());
    assert!(app.store.verify_audit(None).await.unwrap().is_ok());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn behind_a_proxy_that_rewrites_host_writes_come_from_the_public_origin() {
    let (db, app) = app().await;
    let cookie = super::sign_in(&app, "chen", super::PASSWORD).await.unwrap();
    let csrf = super::csrf_of(&app, &cookie).await;
    let draft = |app: &Arc<probity_web::App>, origin: &'static str| {
        let app = Arc::clone(app);
        let (cookie, csrf) = (cookie.clone(), csrf.clone());
        async move {
            send(
                &app,
                Request::put("/api/drafts/2025/annual")
                    .header("cookie", cookie)
                    .header("x-csrf-token", csrf)
                    .header("host", "10.0.0.7:8080")
                    .header("origin", origin)
                    .body(Body::from("{}"))
                    .unwrap(),
            )
            .await
            .0
        }
    };
    // Without a public origin, the proxy's rewritten Host makes the browser's Origin foreign.
    assert_eq!(
        draft(&app, "https://probity.example.gov").await,
        StatusCode::FORBIDDEN
    );
    // Configured, the public origin is ours and any other is not.
    let Ok(inner) = Arc::try_unwrap(app) else {
        panic!("the app is shared")
    };
    let app = Arc::new(inner.with_public_origin(Some("https://probity.example.gov".into())));
    assert_eq!(
        draft(&app, "https://probity.example.gov").await,
        StatusCode::NO_CONTENT
    );
    assert_eq!(
        draft(&app, "https://elsewhere.example").await,
        StatusCode::FORBIDDEN
    );
    drop(db);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn metrics_count_requests_by_route_for_a_scraper_with_the_token_only() {
    let (db, app) = app().await;
    // Closed without a token configured.
    let (status, _, _) = send(&app, Request::get("/metrics").body(Body::empty()).unwrap()).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let Ok(inner) = Arc::try_unwrap(app) else {
        panic!("the app is shared")
    };
    let app = Arc::new(inner.with_metrics_token(Some("scrape-secret".into())));
    // Some traffic: a page by its pattern, a wrong password.
    send(
        &app,
        Request::get("/reports/D2025-000001")
            .body(Body::empty())
            .unwrap(),
    )
    .await;
    assert!(
        super::sign_in(&app, "chen", "wrong password")
            .await
            .is_err()
    );
    let scrape = |token: &'static str| {
        let app = Arc::clone(&app);
        async move {
            send(
                &app,
                Request::get("/metrics")
                    .header("authorization", format!("Bearer {token}"))
                    .body(Body::empty())
                    .unwrap(),
            )
            .await
        }
    };
    assert_eq!(scrape("a guess").await.0, StatusCode::FORBIDDEN);
    let (status, _, text) = scrape("scrape-secret").await;
    assert_eq!(status, StatusCode::OK, "{text}");
    assert!(
        text.contains(
            r#"probity_http_requests_total{method="GET",route="/reports/{id}",status="303"} 1"#
        ),
        "{text}"
    );
    assert!(text.contains("probity_sign_in_failures_total 1"), "{text}");
    assert!(
        text.contains("probity_http_request_duration_seconds_bucket"),
        "{text}"
    );
    assert!(
        text.contains(r#"probity_db_connections{state="idle"}"#),
        "{text}"
    );
    // No personal data or usernames in it.
    assert!(
        !text.contains("D2025-000001") && !text.contains("chen"),
        "{text}"
    );
    drop(db);
}
