#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
//! The web application: requests straight into the router, and a real headless Chromium driven
//! over WebDriver through the pages a declarant and an administrator use.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use axum::body::Body;
use axum::http::{Request, StatusCode};
use probity_store::{Keyring, Role, Stamp, Store, User};
use probity_web::App;
use probity_web::i18n::Lang;
use sha2::Digest;
use tower::ServiceExt;

const DECLARANT: &str = "350111199006074875"; // D2025-000001 in the small example
const PASSWORD: &str = "a long enough password";
const NEWBIE: &str = "350104201811304094"; // on the roster, nothing filed yet

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fixtures/small")
}

/// A store with the small example and two accounts: `chen` (declarant) and `admin`.
async fn app() -> (tempfile::TempDir, Arc<App>) {
    let dir = tempfile::tempdir().unwrap();
    let keys = Keyring::create(&dir.path().join("keys")).unwrap();
    let url = format!("sqlite://{}", dir.path().join("p.db").display());
    let store = Store::open(&url, keys).await.unwrap();
    let s = Stamp::new("2026-01-10T08:00:00Z", "test");
    let mut roster = std::fs::read_to_string(fixtures().join("roster.csv")).unwrap();
    roster.push_str(&format!(
        "{NEWBIE},林新,福州市工商业联合会,办公室主任,division,other,2025-03-01,active,\r\n"
    ));
    store
        .import_roster(&s, "roster.csv", roster.as_bytes())
        .await
        .unwrap();
    store
        .open_cycle(&s, 2025, probity_model::Date::parse("2026-01-31").unwrap())
        .await
        .unwrap();
    let text = std::fs::read_to_string(fixtures().join("declarations.jsonl")).unwrap();
    let profile = probity_model::Profile::builtin("cn").unwrap();
    let reports: Vec<_> = text
        .lines()
        .enumerate()
        .map(|(i, l)| {
            let v: serde_json::Value = serde_json::from_str(l).unwrap();
            let d = probity_model::validation::parse_and_validate(&v, |_| Some(&profile)).unwrap();
            (i + 1, d, l.to_owned())
        })
        .collect();
    store
        .import_declarations(&s, "declarations.jsonl", text.as_bytes(), &reports)
        .await
        .unwrap();
    let hash = probity_web::auth::hash_password(PASSWORD).unwrap();
    let person = store.person_key(&probity_model::ResidentId::parse(DECLARANT).unwrap());
    let newbie = store.person_key(&probity_model::ResidentId::parse(NEWBIE).unwrap());
    for (username, role, person_key) in [
        ("chen", Role::Declarant, Some(person)),
        ("newbie", Role::Declarant, Some(newbie)),
        ("admin", Role::Administrator, None),
    ] {
        let user = User {
            username: username.into(),
            role,
            person_key,
            password_hash: hash.clone(),
            disabled: false,
        };
        store.create_user(&s, &user).await.unwrap();
    }
    let app = Arc::new(App::new(store, false, Lang::Zh));
    (dir, app)
}

async fn send(app: &Arc<App>, request: Request<Body>) -> (StatusCode, Vec<String>, String) {
    let response = probity_web::router(Arc::clone(app))
        .oneshot(request)
        .await
        .unwrap();
    let status = response.status();
    let cookies = response
        .headers()
        .get_all("set-cookie")
        .iter()
        .map(|v| v.to_str().unwrap().split(';').next().unwrap().to_owned())
        .collect();
    let body = axum::body::to_bytes(response.into_body(), 1 << 20)
        .await
        .unwrap();
    (status, cookies, String::from_utf8_lossy(&body).into_owned())
}

/// Signs in through the form; returns the session cookie (or the failed page).
async fn sign_in(
    app: &Arc<App>,
    username: &str,
    password: &str,
) -> Result<String, (StatusCode, String)> {
    let (_, cookies, page) = send(app, Request::get("/login").body(Body::empty()).unwrap()).await;
    let login_cookie = cookies
        .iter()
        .find(|c| c.starts_with("probity_login="))
        .unwrap()
        .clone();
    let token = page
        .split("name=\"csrf\" value=\"")
        .nth(1)
        .unwrap()
        .split('"')
        .next()
        .unwrap();
    let form = format!(
        "csrf={token}&username={username}&password={}",
        password.replace(' ', "+")
    );
    let (status, cookies, body) = send(
        app,
        Request::post("/login")
            .header("content-type", "application/x-www-form-urlencoded")
            .header("cookie", login_cookie)
            .body(Body::from(form))
            .unwrap(),
    )
    .await;
    cookies
        .into_iter()
        .find(|c| c.starts_with("probity_session=") && c.len() > "probity_session=".len())
        .ok_or((status, body))
}

fn get(path: &str, cookie: &str) -> Request<Body> {
    Request::get(path)
        .header("cookie", cookie)
        .body(Body::empty())
        .unwrap()
}

#[tokio::test]
async fn roles_and_scope_are_checked_on_every_page_and_endpoint() {
    let (_dir, app) = app().await;
    // Nobody signed in: pages send to the sign-in page, the API answers 401.
    let (status, _, _) = send(&app, Request::get("/me").body(Body::empty()).unwrap()).await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    let (status, _, _) = send(
        &app,
        Request::get("/api/reports/D2025-000001")
            .body(Body::empty())
            .unwrap(),
    )
    .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);

    let chen = sign_in(&app, "chen", PASSWORD).await.unwrap();
    let (status, _, page) = send(&app, get("/me", &chen)).await;
    assert_eq!(status, StatusCode::OK);
    assert!(page.contains("/reports/D2025-000001") && !page.contains("D2025-000002"));
    // Their own report, with its receipt; someone else's is refused, page and API alike, and a
    // report that does not exist gets the same answer.
    let (status, _, page) = send(&app, get("/reports/D2025-000001", &chen)).await;
    assert_eq!(status, StatusCode::OK);
    let summary = app
        .store
        .report_summary("D2025-000001")
        .await
        .unwrap()
        .unwrap();
    assert!(page.contains(&summary.content_sha256));
    for path in [
        "/reports/D2025-000002",
        "/api/reports/D2025-000002",
        "/reports/NOPE",
    ] {
        let (status, _, _) = send(&app, get(path, &chen)).await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{path}");
    }
    // Progress is for staff.
    let (status, _, _) = send(&app, get("/progress", &chen)).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (status, _, _) = send(&app, get("/api/progress", &chen)).await;
    assert_eq!(status, StatusCode::FORBIDDEN);

    let admin = sign_in(&app, "admin", PASSWORD).await.unwrap();
    let (status, _, body) = send(&app, get("/api/progress?cycle=2025", &admin)).await;
    assert_eq!(status, StatusCode::OK);
    let progress: serde_json::Value = serde_json::from_str(&body).unwrap();
    assert_eq!(progress["subjects"].as_array().unwrap().len(), 6);
    let (status, _, csv) = send(&app, get("/progress.csv?cycle=2025", &admin)).await;
    assert_eq!(status, StatusCode::OK);
    assert!(csv.starts_with("unit,name,position,standing,declaration_id,filed_on\n"));
    assert_eq!(csv.lines().count(), 7);
    // A staff read of a report is in the audit log, with who read it.
    let (status, _, body) = send(&app, get("/api/reports/D2025-000018", &admin)).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let mut conn = app.store.connection().await.unwrap();
    let readers: Vec<String> = sqlx_rows(&mut conn, "SELECT actor FROM audit_events WHERE action = 'declaration.read' AND subject = 'declarations/D2025-000018'").await;
    assert_eq!(readers, vec!["web:admin".to_owned()]);
    drop(conn);
    assert!(app.store.verify_audit(None).await.unwrap().is_ok());
}

async fn sqlx_rows(conn: &mut sqlx::AnyConnection, sql: &'static str) -> Vec<String> {
    use sqlx::Row;
    sqlx::query(sql)
        .fetch_all(&mut *conn)
        .await
        .unwrap()
        .iter()
        .map(|r| r.get::<String, _>(0))
        .collect()
}

#[tokio::test]
async fn forms_need_their_token_and_accounts_lock_after_repeated_failures() {
    let (_dir, app) = app().await;
    let chen = sign_in(&app, "chen", PASSWORD).await.unwrap();
    // Sign-out without the form's token is refused; the session lives on.
    let (status, _, _) = send(
        &app,
        Request::post("/logout")
            .header("cookie", &chen)
            .header("content-type", "application/x-www-form-urlencoded")
            .body(Body::from("csrf=forged"))
            .unwrap(),
    )
    .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert_eq!(send(&app, get("/me", &chen)).await.0, StatusCode::OK);

    for _ in 0..probity_web::auth::MAX_FAILURES {
        let (status, page) = sign_in(&app, "admin", "wrong password!!")
            .await
            .unwrap_err();
        assert_eq!(status, StatusCode::UNAUTHORIZED);
        assert!(page.contains("id=\"error\""));
    }
    // Locked: even the right password is refused for now.
    let (_, page) = sign_in(&app, "admin", PASSWORD).await.unwrap_err();
    assert!(
        page.contains("锁定"),
        "the lockout message, in Chinese by default"
    );
}

// ---- In a real browser ---------------------------------------------------------------------------

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

fn screenshots() -> PathBuf {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../target/screenshots");
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

struct Driver(std::process::Child);
impl Drop for Driver {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Chromium through chromedriver, or `None` outside CI when they are not installed.
async fn browser() -> Option<(Driver, fantoccini::Client)> {
    let chromedriver = ["/usr/bin/chromedriver", "/usr/lib/chromium/chromedriver"]
        .into_iter()
        .find(|p| Path::new(p).exists());
    let Some(chromedriver) = chromedriver else {
        if std::env::var_os("CI").is_some() {
            panic!("under CI the browser tests must run: install chromium and chromium-driver");
        }
        let _ = writeln!(
            std::io::stderr(),
            "SKIPPED (browser): chromedriver is not installed"
        );
        return None;
    };
    let port = free_port();
    let child = std::process::Command::new(chromedriver)
        .arg(format!("--port={port}"))
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let driver = Driver(child);
    let mut caps = serde_json::Map::new();
    caps.insert(
        "goog:chromeOptions".into(),
        serde_json::json!({
            "binary": "/usr/bin/chromium",
            "args": ["--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                     "--disable-quic", "--no-first-run", "--disable-background-networking",
                     "--disable-component-update", "--disable-sync", "--window-size=1280,900"]
        }),
    );
    let url = format!("http://127.0.0.1:{port}");
    for _ in 0..100 {
        let connector = hyper_util::client::legacy::connect::HttpConnector::new();
        match fantoccini::ClientBuilder::new(connector)
            .capabilities(caps.clone())
            .connect(&url)
            .await
        {
            Ok(client) => return Some((driver, client)),
            Err(_) => tokio::time::sleep(std::time::Duration::from_millis(100)).await,
        }
    }
    panic!("chromedriver did not answer on {url}");
}

async fn shot(client: &fantoccini::Client, name: &str) {
    let png = client.screenshot().await.unwrap();
    std::fs::write(screenshots().join(format!("{name}.png")), png).unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_declarant_and_an_administrator_in_a_real_browser() {
    use fantoccini::Locator;
    let Some((_driver, client)) = browser().await else {
        return;
    };
    let (_dir, app) = app().await;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(probity_web::serve(Arc::clone(&app), listener));

    let sign_in = |user: &'static str| {
        let client = client.clone();
        let base = base.clone();
        async move {
            client.goto(&format!("{base}/login")).await.unwrap();
            client
                .find(Locator::Id("username"))
                .await
                .unwrap()
                .send_keys(user)
                .await
                .unwrap();
            client
                .find(Locator::Id("password"))
                .await
                .unwrap()
                .send_keys(PASSWORD)
                .await
                .unwrap();
            client
                .find(Locator::Id("sign-in"))
                .await
                .unwrap()
                .click()
                .await
                .unwrap();
        }
    };
    // The sign-in page, in Chinese by default; a wrong password says so next to the form.
    client.goto(&format!("{base}/login")).await.unwrap();
    assert_eq!(
        client
            .find(Locator::Css("html"))
            .await
            .unwrap()
            .attr("lang")
            .await
            .unwrap()
            .as_deref(),
        Some("zh-CN")
    );
    shot(&client, "login").await;
    client
        .find(Locator::Id("username"))
        .await
        .unwrap()
        .send_keys("chen")
        .await
        .unwrap();
    client
        .find(Locator::Id("password"))
        .await
        .unwrap()
        .send_keys("not the password")
        .await
        .unwrap();
    client
        .find(Locator::Id("sign-in"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    let error = match client.wait().for_element(Locator::Id("error")).await {
        Ok(e) => e.text().await.unwrap(),
        Err(e) => panic!("{e}: {}", client.source().await.unwrap()),
    };
    assert_eq!(error, "用户名或密码错误。");

    sign_in("chen").await;
    client
        .wait()
        .for_element(Locator::Id("reports"))
        .await
        .unwrap();
    assert!(
        client
            .current_url()
            .await
            .unwrap()
            .as_str()
            .ends_with("/me")
    );
    client
        .find(Locator::LinkText("D2025-000001"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    let receipt = client
        .wait()
        .for_element(Locator::Id("receipt"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let summary = app
        .store
        .report_summary("D2025-000001")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(receipt, summary.content_sha256);
    shot(&client, "report").await;
    // Changing the URL to someone else's report is refused.
    client
        .goto(&format!("{base}/reports/D2025-000002"))
        .await
        .unwrap();
    let message = client
        .find(Locator::Id("message"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert_eq!(message, "您无权查看此页面。");
    assert!(!client.source().await.unwrap().contains("D2025-000002\""));
    // Sign out with the form's button.
    client.goto(&format!("{base}/me")).await.unwrap();
    client
        .find(Locator::Css("form[action='/logout'] button"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    client
        .wait()
        .for_element(Locator::Id("sign-in"))
        .await
        .unwrap();
    assert!(
        client
            .current_url()
            .await
            .unwrap()
            .as_str()
            .ends_with("/login")
    );

    // The administrator sees the filing in the progress view, and switches to English.
    sign_in("admin").await;
    client
        .wait()
        .for_element(Locator::Id("people"))
        .await
        .unwrap();
    assert!(
        client
            .current_url()
            .await
            .unwrap()
            .as_str()
            .contains("/progress")
    );
    let row = client
        .find(Locator::XPath("//table[@id='people']//tr[td[2]='陈良生']"))
        .await
        .unwrap();
    assert!(row.text().await.unwrap().contains("已报告"));
    client
        .find(Locator::LinkText("English"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    client
        .wait()
        .for_element(Locator::XPath("//html[@lang='en']"))
        .await
        .unwrap();
    let row = client
        .find(Locator::XPath("//table[@id='people']//tr[td[2]='陈良生']"))
        .await
        .unwrap();
    assert!(
        row.text().await.unwrap().contains("Filed"),
        "{}",
        row.text().await.unwrap()
    );
    shot(&client, "progress").await;
    // Keyboard: the first Tab reaches the skip link, which is then visible.
    client.goto(&format!("{base}/progress")).await.unwrap();
    client
        .find(Locator::Css("body"))
        .await
        .unwrap()
        .send_keys("\u{E004}")
        .await
        .unwrap();
    let focused = client
        .active_element()
        .await
        .unwrap()
        .attr("class")
        .await
        .unwrap();
    assert_eq!(focused.as_deref(), Some("skip"));
    client.close().await.unwrap();
}

fn send_json(method: &str, path: &str, cookie: &str, csrf: &str, body: String) -> Request<Body> {
    Request::builder()
        .method(method)
        .uri(path)
        .header("cookie", cookie)
        .header("x-csrf-token", csrf)
        .header("content-type", "application/json")
        .body(Body::from(body))
        .unwrap()
}

#[tokio::test]
async fn a_declarant_files_through_the_api_fixing_errors_on_the_way() {
    let (_dir, app) = app().await;
    let chen = sign_in(&app, "chen", PASSWORD).await.unwrap();
    let (_, _, session) = send(&app, get("/api/session", &chen)).await;
    let session: serde_json::Value = serde_json::from_str(&session).unwrap();
    let csrf = session["csrf"].as_str().unwrap().to_owned();
    assert_eq!(session["role"], "declarant");

    // A draft, saved as typed, read back.
    let half = "{\"format\": \"probity.declaration/1\", \"persons\": [".to_owned();
    let (status, _, _) = send(
        &app,
        send_json("PUT", "/api/drafts/2025/change", &chen, &csrf, half.clone()),
    )
    .await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    let (status, _, body) = send(&app, get("/api/drafts/2025/change", &chen)).await;
    assert_eq!((status, body), (StatusCode::OK, half));
    // Without the token, nothing is saved.
    let (status, _, _) = send(
        &app,
        send_json(
            "PUT",
            "/api/drafts/2025/change",
            &chen,
            "forged",
            "{}".into(),
        ),
    )
    .await;
    assert_eq!(status, StatusCode::FORBIDDEN);

    // A change report with a mistake: every problem comes back with its path.
    let first = std::fs::read_to_string(fixtures().join("declarations.jsonl")).unwrap();
    let mut report: serde_json::Value =
        serde_json::from_str(first.lines().next().unwrap()).unwrap();
    report["declaration_id"] = "C2025-CHEN-1".into();
    report["kind"] = "change".into();
    report["real_estate"][0]["area_m2"] = "-5".into();
    let (status, _, body) = send(
        &app,
        send_json("POST", "/api/reports", &chen, &csrf, report.to_string()),
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    let issues: serde_json::Value = serde_json::from_str(&body).unwrap();
    assert_eq!(
        issues["issues"][0]["path"], "$.real_estate[0].area_m2",
        "{body}"
    );

    // Fixed: filed, with a receipt that is the hash of what was sent; the draft is gone.
    report["real_estate"][0]["area_m2"] = "132.02".into();
    let text = report.to_string();
    let (status, _, body) = send(
        &app,
        send_json("POST", "/api/reports", &chen, &csrf, text.clone()),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    let receipt: serde_json::Value = serde_json::from_str(&body).unwrap();
    let sha = sha2::Sha256::digest(text.as_bytes());
    assert_eq!(receipt["content_sha256"], hex::encode(sha));
    assert_eq!(
        send(&app, get("/api/drafts/2025/change", &chen)).await.0,
        StatusCode::NOT_FOUND
    );
    let (_, _, mine) = send(&app, get("/api/reports", &chen)).await;
    assert_eq!(
        serde_json::from_str::<serde_json::Value>(&mine)
            .unwrap()
            .as_array()
            .unwrap()
            .len(),
        2
    );

    // Someone else's report cannot be filed in their name.
    let mut other: serde_json::Value = serde_json::from_str(first.lines().nth(1).unwrap()).unwrap();
    other["declaration_id"] = "C2025-X".into();
    other["kind"] = "change".into();
    let (status, _, _) = send(
        &app,
        send_json("POST", "/api/reports", &chen, &csrf, other.to_string()),
    )
    .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert!(app.store.verify_audit(None).await.unwrap().is_ok());
}

/// A multipart body with the CSRF token and files.
fn multipart(
    path: &str,
    cookie: &str,
    csrf: &str,
    files: &[(&str, Vec<u8>)],
    field: &str,
) -> Request<Body> {
    let boundary = "probity-test-boundary";
    let mut body = Vec::new();
    body.extend(
        format!("--{boundary}\r\nContent-Disposition: form-data; name=\"csrf\"\r\n\r\n{csrf}\r\n")
            .as_bytes(),
    );
    for (name, bytes) in files {
        body.extend(
            format!("--{boundary}\r\nContent-Disposition: form-data; name=\"{field}\"; filename=\"{name}\"\r\nContent-Type: text/csv\r\n\r\n")
                .as_bytes(),
        );
        body.extend(bytes);
        body.extend(b"\r\n");
    }
    body.extend(format!("--{boundary}--\r\n").as_bytes());
    Request::post(path)
        .header("cookie", cookie)
        .header(
            "content-type",
            format!("multipart/form-data; boundary={boundary}"),
        )
        .body(Body::from(body))
        .unwrap()
}

async fn csrf_of(app: &Arc<App>, cookie: &str) -> String {
    let (_, _, session) = send(app, get("/api/session", cookie)).await;
    serde_json::from_str::<serde_json::Value>(&session).unwrap()["csrf"]
        .as_str()
        .unwrap()
        .to_owned()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn administrators_upload_the_roster_and_extracts_and_run_a_verification() {
    let (_dir, app) = app().await;
    let chen = sign_in(&app, "chen", PASSWORD).await.unwrap();
    assert_eq!(
        send(&app, get("/admin", &chen)).await.0,
        StatusCode::FORBIDDEN
    );
    let admin = sign_in(&app, "admin", PASSWORD).await.unwrap();
    let csrf = csrf_of(&app, &admin).await;

    // A roster with a bad line: the error names file, line and field; nothing is stored.
    let roster = std::fs::read_to_string(fixtures().join("roster.csv")).unwrap();
    let added = "350104201811304094,陈翔诚,新单位,科员,other,other,2026-01-01,active,\n";
    let bad = format!("{roster}{}", added.replace("4094", "4095"));
    let (status, _, page) = send(
        &app,
        multipart(
            "/admin/roster",
            &admin,
            &csrf,
            &[("roster.csv", bad.into_bytes())],
            "file",
        ),
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(page.contains("roster.csv:7: id:"), "{page}");
    let subjects = || async {
        app.store
            .count(&probity_store::schema::SUBJECTS)
            .await
            .unwrap()
    };
    assert_eq!(subjects().await, 6);
    // Without the form's token: refused.
    let good = format!("{roster}{added}");
    let (status, _, _) = send(
        &app,
        multipart(
            "/admin/roster",
            &admin,
            "forged",
            &[("roster.csv", good.clone().into_bytes())],
            "file",
        ),
    )
    .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (status, _, page) = send(
        &app,
        multipart(
            "/admin/roster",
            &admin,
            &csrf,
            &[("roster.csv", good.into_bytes())],
            "file",
        ),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{page}");
    assert_eq!(subjects().await, 6);
    // The added line is the person the test roster has as 林新: one change, no one taken off.
    assert!(page.contains("新增 0，变更 1，移出 0，未变 5"), "{page}");

    // Registry extracts, checked whole: a file with a bad row stores nothing.
    let registries = fixtures().join("registries");
    let mut files: Vec<(String, Vec<u8>)> = std::fs::read_dir(&registries)
        .unwrap()
        .map(|e| {
            let p = e.unwrap().path();
            (
                p.file_name().unwrap().to_string_lossy().into_owned(),
                std::fs::read(&p).unwrap(),
            )
        })
        .collect();
    files.sort();
    let named: Vec<(&str, Vec<u8>)> = files.iter().map(|(n, b)| (n.as_str(), b.clone())).collect();
    let mut broken = named.clone();
    let stocks = broken.iter_mut().find(|(n, _)| *n == "stocks.csv").unwrap();
    stocks
        .1
        .extend(b"S-bad,,someone,600519,x,not-a-number,1,2025-12-31\n");
    let (status, _, page) = send(
        &app,
        multipart("/admin/registry", &admin, &csrf, &broken, "files"),
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(page.contains("stocks.csv:"), "{page}");
    assert_eq!(
        app.store
            .count(&probity_store::schema::REGISTRY_BATCHES)
            .await
            .unwrap(),
        0
    );
    let (status, _, _) = send(
        &app,
        multipart("/admin/registry", &admin, &csrf, &named, "files"),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        app.store
            .count(&probity_store::schema::REGISTRY_BATCHES)
            .await
            .unwrap(),
        12
    );

    // A verification run, started with the button, followed on the page until it is done.
    let form = format!("csrf={csrf}&year=2025");
    let (status, _, _) = send(
        &app,
        Request::post("/admin/verify")
            .header("cookie", &admin)
            .header("content-type", "application/x-www-form-urlencoded")
            .body(Body::from(form))
            .unwrap(),
    )
    .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    let mut done = String::new();
    for _ in 0..200 {
        let (_, _, page) = send(&app, get("/admin", &admin)).await;
        if let Some(rest) = page.split("id=\"run-status\">").nth(1) {
            done = rest.split('<').next().unwrap().to_owned();
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    let expected =
        std::fs::read_to_string(fixtures().join("expected_discrepancies.jsonl")).unwrap();
    assert!(
        done.contains(&format!("发现问题 {} 项", expected.lines().count())),
        "{done}"
    );
    assert_eq!(
        app.store
            .count(&probity_store::schema::CASES)
            .await
            .unwrap(),
        4
    );
    assert!(app.store.verify_audit(None).await.unwrap().is_ok());
}

fn form_post(path: &str, cookie: &str, body: String) -> Request<Body> {
    Request::post(path)
        .header("cookie", cookie)
        .header("content-type", "application/x-www-form-urlencoded")
        .body(Body::from(body))
        .unwrap()
}

#[tokio::test]
async fn the_sample_is_drawn_from_the_web_page_too() {
    let (_dir, app) = app().await;
    let admin = sign_in(&app, "admin", PASSWORD).await.unwrap();
    let csrf = csrf_of(&app, &admin).await;
    let seed = "a seed nobody knew";
    let commitment = hex::encode(sha2::Sha256::digest(seed.as_bytes()));
    let (status, _, page) = send(
        &app,
        form_post(
            "/admin/sample/draw",
            &admin,
            format!("csrf={csrf}&year=2025&commitment={commitment}"),
        ),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        page.contains("已冻结 6 名报告对象；将随机抽取 1 名"),
        "{page}"
    );
    // A second commitment is refused; so is a seed that is not the committed one.
    let (status, _, _) = send(
        &app,
        form_post(
            "/admin/sample/draw",
            &admin,
            format!("csrf={csrf}&year=2025&commitment={commitment}"),
        ),
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    let (status, _, page) = send(
        &app,
        form_post(
            "/admin/sample/reveal",
            &admin,
            format!("csrf={csrf}&year=2025&seed=guess"),
        ),
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(page.contains("not the one committed"), "{page}");
    let (status, _, page) = send(
        &app,
        form_post(
            "/admin/sample/reveal",
            &admin,
            format!("csrf={csrf}&year=2025&seed=a+seed+nobody+knew"),
        ),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    let sample = app.store.sample(2025).await.unwrap().unwrap();
    assert!(
        page.contains(&format!("已抽取 {} 名", sample.drawn.len())),
        "{page}"
    );
    assert_eq!(sample.drawn, sample.frame.draw(seed, 0.1));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_declarant_files_a_complete_annual_report_in_the_browser() {
    use fantoccini::Locator;
    let Some((_driver, client)) = browser().await else {
        return;
    };
    let (_dir, app) = app().await;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(probity_web::serve(Arc::clone(&app), listener));

    client.goto(&format!("{base}/login")).await.unwrap();
    client
        .find(Locator::Id("username"))
        .await
        .unwrap()
        .send_keys("newbie")
        .await
        .unwrap();
    client
        .find(Locator::Id("password"))
        .await
        .unwrap()
        .send_keys(PASSWORD)
        .await
        .unwrap();
    client
        .find(Locator::Id("sign-in"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    client
        .wait()
        .for_element(Locator::Id("file-link"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    client
        .wait()
        .for_element(Locator::Id("report-form"))
        .await
        .unwrap();
    // The declarant is filled in from the roster.
    let name = client
        .find(Locator::Id("persons[0].name"))
        .await
        .unwrap()
        .prop("value")
        .await
        .unwrap();
    assert_eq!(name.as_deref(), Some("林新"));

    // Checked as it is: the errors are summarised at the top and shown at their fields.
    client
        .find(Locator::Id("review"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    let summary = client
        .wait()
        .for_element(Locator::Id("errors"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(summary.contains("$.marriage.status"), "{summary}");
    assert!(
        client
            .find(Locator::XPath(
                "//select[@id='marriage.status'][@aria-invalid='true']"
            ))
            .await
            .is_ok()
    );
    shot(&client, "filing-errors").await;

    // Fixed: marital status, salary, and "nothing to report" for every other matter.
    client
        .find(Locator::XPath(
            "//select[@id='marriage.status']/option[@value='unmarried']",
        ))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    for (field, value) in [
        ("salary.wages", "186000.50"),
        ("salary.bonuses", "30000"),
        ("salary.other", "0"),
    ] {
        let input = client
            .find(Locator::XPath(&format!("//input[@id='{field}']")))
            .await
            .unwrap();
        input.clear().await.unwrap();
        input.send_keys(value).await.unwrap();
    }
    for checkbox in client
        .find_all(Locator::Css("input[name^='nothing.']"))
        .await
        .unwrap()
    {
        if !checkbox.is_selected().await.unwrap() {
            checkbox.click().await.unwrap();
        }
    }
    // A row added by mistake and removed again.
    client
        .find(Locator::Id("add-stocks"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    client
        .wait()
        .for_element(Locator::XPath("//input[@id='stocks[0].code']"))
        .await
        .unwrap();
    client
        .find(Locator::XPath("//button[@value='remove:stocks:0']"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    client
        .wait()
        .for_element(Locator::Id("saved"))
        .await
        .unwrap();
    assert!(
        client
            .find(Locator::XPath("//input[@id='stocks[0].code']"))
            .await
            .is_err()
    );
    // Nothing typed is lost on reload: the draft is on the server.
    client.goto(&format!("{base}/file")).await.unwrap();
    let wages = client
        .wait()
        .for_element(Locator::XPath("//input[@id='salary.wages']"))
        .await
        .unwrap()
        .prop("value")
        .await
        .unwrap();
    assert_eq!(wages.as_deref(), Some("186000.50"));

    client
        .find(Locator::Id("review"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    let ready = client.wait().for_element(Locator::Id("ready")).await;
    if ready.is_err() {
        panic!(
            "not ready: {}",
            client
                .find(Locator::Id("errors"))
                .await
                .unwrap()
                .text()
                .await
                .unwrap()
        );
    }
    // Submitting without the commitment is refused; with it, the receipt.
    client
        .find(Locator::Id("submit"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    client
        .wait()
        .for_element(Locator::Id("errors"))
        .await
        .unwrap();
    client
        .find(Locator::Id("commitment"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    client
        .find(Locator::Id("submit"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    let receipt = client
        .wait()
        .for_element(Locator::Id("receipt"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    shot(&client, "receipt").await;
    let id = client
        .find(Locator::Id("report-id"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let summary = app.store.report_summary(&id).await.unwrap().unwrap();
    assert_eq!(receipt, summary.content_sha256);
    assert_eq!(summary.kind, "annual");

    // The administrator's progress view shows it (filed after the deadline: late).
    let progress = app
        .store
        .progress(2025, "2026-11-24")
        .await
        .unwrap()
        .unwrap();
    let row = progress.rows.iter().find(|r| r.name == "林新").unwrap();
    assert_eq!(row.declaration_id.as_deref(), Some(id.as_str()));
    client.close().await.unwrap();
}

#[tokio::test]
async fn a_correction_starts_from_the_report_and_supersedes_it() {
    let (_dir, app) = app().await;
    let chen = sign_in(&app, "chen", PASSWORD).await.unwrap();
    // Someone else's report cannot be the start of a correction.
    assert_eq!(
        send(&app, get("/file?correct=D2025-000002", &chen)).await.0,
        StatusCode::FORBIDDEN
    );
    let (status, _, _) = send(&app, get("/file?correct=D2025-000001", &chen)).await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    let (status, _, page) = send(&app, get("/file?year=2025&kind=annual", &chen)).await;
    assert_eq!(status, StatusCode::OK);
    // The form holds the filed content (here, its first property's address).
    assert!(
        page.contains("三盛名邸"),
        "the report's content is in the form"
    );
    let person = app
        .store
        .person_key(&probity_model::ResidentId::parse(DECLARANT).unwrap());
    let draft: serde_json::Value = serde_json::from_str(
        &app.store
            .draft(&person, 2025, "annual")
            .await
            .unwrap()
            .unwrap(),
    )
    .unwrap();
    assert_eq!(draft["supersedes"], "D2025-000001");
    assert_ne!(draft["declaration_id"], "D2025-000001");
}

#[tokio::test]
async fn administrators_create_declarant_accounts_from_the_roster() {
    let (_dir, app) = app().await;
    let admin = sign_in(&app, "admin", PASSWORD).await.unwrap();
    let csrf = csrf_of(&app, &admin).await;
    let (status, _, csv) = send(
        &app,
        form_post("/admin/accounts", &admin, format!("csrf={csrf}&unit=")),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    let lines: Vec<&str> = csv.lines().collect();
    // Six on the roster, two with accounts already.
    assert_eq!(lines.len(), 1 + 4, "{csv}");
    assert_eq!(lines[0], "username,name,unit,initial_password");
    // Each can sign in with the password handed out, which must be changed before anything
    // else: pages lead to the password form, the API refuses.
    let fields: Vec<&str> = lines[1].split(',').collect();
    assert_eq!(
        fields[3].chars().count(),
        probity_web::accounts::INITIAL_PASSWORD_LEN
    );
    let cookie = sign_in(&app, fields[0], fields[3]).await.unwrap();
    for path in ["/me", "/file", "/"] {
        let (status, _, _) = send(&app, get(path, &cookie)).await;
        assert_eq!(status, StatusCode::SEE_OTHER, "{path}");
    }
    let (status, _, body) = send(&app, get("/api/reports", &cookie)).await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{body}");
    assert!(body.contains("/password"), "{body}");
    let (status, _, page) = send(&app, get("/password", &cookie)).await;
    assert_eq!(status, StatusCode::OK);
    assert!(page.contains("id=\"must-change\""), "{page}");
    let own_csrf = page
        .split("name=\"csrf\" value=\"")
        .nth(1)
        .unwrap()
        .split('"')
        .next()
        .unwrap()
        .to_owned();
    let (status, _, page) = send(
        &app,
        form_post(
            "/password",
            &cookie,
            format!(
                "csrf={own_csrf}&current={}&new=my+own+new+password",
                fields[3]
            ),
        ),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        page.contains("id=\"done\"") && !page.contains("must-change"),
        "{page}"
    );
    // Then they see only their own report.
    let (status, _, page) = send(&app, get("/me", &cookie)).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(page.matches("href=\"/reports/").count(), 1, "{page}");
    assert!(sign_in(&app, fields[0], fields[3]).await.is_err());
    assert!(
        sign_in(&app, fields[0], "my own new password")
            .await
            .is_ok()
    );
    // Asked again: nobody is left without an account.
    let (_, _, again) = send(
        &app,
        form_post("/admin/accounts", &admin, format!("csrf={csrf}&unit=")),
    )
    .await;
    assert_eq!(again.lines().count(), 1, "{again}");
}

#[tokio::test]
async fn staff_see_only_the_units_they_manage() {
    let (_dir, app) = app().await;
    let s = Stamp::new("2026-02-01T08:00:00Z", "test");
    let verifier = User {
        username: "xiamen".into(),
        role: Role::Verifier,
        person_key: None,
        password_hash: probity_web::auth::hash_password(PASSWORD).unwrap(),
        disabled: false,
    };
    app.store.create_user(&s, &verifier).await.unwrap();
    app.store
        .set_user_units(&s, "xiamen", &["厦门市公安局".to_owned()])
        .await
        .unwrap();
    assert!(
        app.store
            .set_user_units(&s, "xiamen", &["no such unit".to_owned()])
            .await
            .is_err()
    );
    let cookie = sign_in(&app, "xiamen", PASSWORD).await.unwrap();
    let (_, _, body) = send(&app, get("/api/progress?cycle=2025", &cookie)).await;
    let progress: serde_json::Value = serde_json::from_str(&body).unwrap();
    let units: Vec<&str> = progress["subjects"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["unit"].as_str().unwrap())
        .collect();
    assert_eq!(units, vec!["厦门市公安局"]);
    // A report of their unit, yes; of another unit, no.
    assert_eq!(
        send(&app, get("/api/reports/D2025-000002", &cookie))
            .await
            .0,
        StatusCode::OK
    );
    assert_eq!(
        send(&app, get("/api/reports/D2025-000001", &cookie))
            .await
            .0,
        StatusCode::FORBIDDEN
    );
    // An account without units (the administrator here) sees every unit.
    let admin = sign_in(&app, "admin", PASSWORD).await.unwrap();
    assert_eq!(
        send(&app, get("/api/reports/D2025-000001", &admin)).await.0,
        StatusCode::OK
    );
    assert!(app.store.verify_audit(None).await.unwrap().is_ok());
}
