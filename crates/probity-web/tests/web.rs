#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
//! The web application: requests straight into the router, and a real headless Chromium driven
//! over WebDriver through the pages a declarant and an administrator use.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use axum::body::Body;
use axum::http::{Request, StatusCode};
use probity_store::{Keyring, Role, Stamp, Store, User};
use probity_web::App;
use probity_web::i18n::Lang;
use sha2::Digest;
use tower::ServiceExt;

use db::{Db, TestDb};

/// A journey as a test on each database: SQLite, and PostgreSQL (skipped outside CI when no
/// server answers).
macro_rules! on_both {
    ($journey:ident, $sqlite:ident, $postgres:ident) => {
        #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
        async fn $sqlite() {
            $journey(Db::Sqlite).await;
        }

        #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
        async fn $postgres() {
            $journey(Db::Postgres).await;
        }
    };
}

mod accounts;
mod browser;
mod cycles;
mod db;
mod files;
mod lifecycle;
mod me;
mod rights;
mod servers;
mod service;
mod statistics;

const DECLARANT: &str = "350111199006074875"; // D2025-000001 in the small example
const PASSWORD: &str = "a long enough password";
const NEWBIE: &str = "350104201811304094"; // on the roster, nothing filed yet

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fixtures/small")
}

/// A store with the small example and two accounts: `chen` (declarant) and `admin`.
async fn app() -> (TestDb, Arc<App>) {
    app_on(Db::Sqlite).await.unwrap()
}

/// [`app`] on either database; `None` when PostgreSQL is asked for and no server answers
/// outside CI.
async fn app_on(db: Db) -> Option<(TestDb, Arc<App>)> {
    let (url, dir) = db::fresh(db).await?;
    let keys = Keyring::create(&dir.dir.path().join("keys")).unwrap();
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
    let hash = probity_app::passwords::hash_password(PASSWORD).unwrap();
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
    Some((dir, app))
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
    // Six annual reports due, and the initial reports of the two subjects who joined in 2025.
    assert_eq!(progress["subjects"].as_array().unwrap().len(), 8);
    let (status, _, csv) = send(&app, get("/progress.csv?cycle=2025&format=codes", &admin)).await;
    assert_eq!(status, StatusCode::OK);
    assert!(csv.starts_with(
        "unit,name,position,standing,declaration_id,filed_on,report_kind,due,after_close\n"
    ));
    assert_eq!(csv.lines().count(), 9);
    assert_eq!(csv.lines().filter(|l| l.contains(",initial,")).count(), 2);
    // The page's count by unit: one line per unit and kind of report, each counting the people
    // who owe that kind, so a new subject owing both is not counted twice on one line.
    let (status, _, page) = send(&app, get("/progress?cycle=2025", &admin)).await;
    assert_eq!(status, StatusCode::OK);
    let table = &page[page.find("<table id=\"units\">").unwrap()..];
    let table = &table[..table.find("</table>").unwrap()];
    let mut lines = 0;
    for row in table.split("<tr class=\"kind-").skip(1) {
        let kind = &row[..row.find('"').unwrap()];
        let unit = row.split("<th scope=\"row\">").nth(1).unwrap();
        let unit = &unit[..unit.find("</th>").unwrap()];
        let total: usize = row
            .rsplit("<td>")
            .next()
            .unwrap()
            .split("</td>")
            .next()
            .unwrap()
            .parse()
            .unwrap();
        let owed = csv
            .lines()
            .skip(1)
            .filter(|l| l.starts_with(&format!("{unit},")) && l.contains(&format!(",{kind},")))
            .count();
        assert_eq!(total, owed, "{unit} {kind}: {table}");
        lines += 1;
    }
    let units: std::collections::HashSet<&str> = csv
        .lines()
        .skip(1)
        .filter_map(|l| l.split(',').next())
        .collect();
    assert!(table.contains("class=\"kind-initial\""), "{table}");
    assert!(lines > units.len(), "{table}");
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

use browser::{browser, click_and_wait_for, leaving, shot, wait_for, wait_for_text, wait_for_url};

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
            let button = client.find(Locator::Id("sign-in")).await.unwrap();
            leaving(&client, button.click()).await.unwrap();
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
    let button = client.find(Locator::Id("sign-in")).await.unwrap();
    leaving(&client, button.click()).await.unwrap();
    wait_for_text(&client, "用户名或密码错误。").await;
    let error = client
        .find(Locator::Id("error"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert_eq!(error, "用户名或密码错误。");

    sign_in("chen").await;
    wait_for_url(&client, "/me").await;
    wait_for(&client, Locator::Id("reports")).await;
    let receipt = click_and_wait_for(
        &client,
        Locator::LinkText("D2025-000001"),
        Locator::Id("receipt"),
    )
    .await
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
    click_and_wait_for(
        &client,
        Locator::Css("form[action='/logout'] button"),
        Locator::Id("sign-in"),
    )
    .await;
    wait_for_url(&client, "/login").await;

    // The administrator sees the filing in the progress view, and switches to English.
    sign_in("admin").await;
    wait_for(&client, Locator::Id("people")).await;
    assert!(
        client
            .current_url()
            .await
            .unwrap()
            .as_str()
            .contains("/progress")
    );
    let row = client
        .find(Locator::XPath("//table[@id='people']//tr[th='陈良生']"))
        .await
        .unwrap();
    assert!(row.text().await.unwrap().contains("已报告"));
    click_and_wait_for(
        &client,
        Locator::LinkText("English"),
        Locator::XPath("//html[@lang='en']"),
    )
    .await;
    let row = client
        .find(Locator::XPath("//table[@id='people']//tr[th='陈良生']"))
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
    as_change_report(&mut report);
    report["travel_documents"][0]["expires_on"] = "2025-02-30".into();
    let (status, _, body) = send(
        &app,
        send_json("POST", "/api/reports", &chen, &csrf, report.to_string()),
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    let issues: serde_json::Value = serde_json::from_str(&body).unwrap();
    assert_eq!(
        issues["issues"][0]["path"], "$.travel_documents[0].expires_on",
        "{body}"
    );

    // Fixed: filed, with a receipt that is the hash of what was sent; the draft is gone.
    report["travel_documents"][0]["expires_on"] = "2035-11-19".into();
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
    as_change_report(&mut other);
    let (status, _, _) = send(
        &app,
        send_json("POST", "/api/reports", &chen, &csrf, other.to_string()),
    )
    .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert!(app.store.verify_audit(None).await.unwrap().is_ok());
}

/// Turns a report of the shared example into a change report on a passport issued in December
/// 2025 (FORMATS.md: `change` names the sections, which are all the report holds).
fn as_change_report(report: &mut serde_json::Value) {
    let own = report["persons"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["relation"] == "self")
        .unwrap()
        .clone();
    let keep = [
        "format",
        "profile",
        "declaration_id",
        "declarant_id",
        "year",
        "filed_on",
    ];
    let object = report.as_object_mut().unwrap();
    object.retain(|k, _| keep.contains(&k.as_str()));
    object.insert("kind".into(), "change".into());
    object.insert(
        "change".into(),
        serde_json::json!({"on": "2025-12-01", "sections": ["travel_documents"]}),
    );
    object.insert("persons".into(), serde_json::json!([own]));
    object.insert(
        "travel_documents".into(),
        serde_json::json!([{"holder": "self", "kind": "passport", "number": "E98765432",
            "issued_on": "2025-12-01", "expires_on": "2035-11-30", "kept_by": "本人"}]),
    );
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

/// Starts the correction of report `id` as the form's button does (a POST with the token);
/// returns where it leads.
async fn start_correction(app: &Arc<App>, cookie: &str, id: &str) -> String {
    let csrf = csrf_of(app, cookie).await;
    let response = probity_web::router(Arc::clone(app))
        .oneshot(form_post(
            "/file/correct",
            cookie,
            format!("csrf={csrf}&id={id}"),
        ))
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    response.headers()["location"].to_str().unwrap().to_owned()
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
    // The run goes on in the background: ask until the page reports it, for a minute at most
    // (a busy machine is slow).
    let mut done = String::new();
    let start = std::time::Instant::now();
    while start.elapsed() < std::time::Duration::from_secs(60) {
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
    assert!(page.contains("不是所承诺的种子"), "{page}");
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
    assert_eq!(
        sample.drawn,
        sample
            .frame
            .draw(seed, probity_model::sample::Rate::parse("0.1").unwrap())
    );
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
    click_and_wait_for(&client, Locator::Id("sign-in"), Locator::Id("file-link")).await;
    // "填报" leads to what is due (an initial and an annual report for this new subject).
    // On /me already, where the link is an anchor: the page is not left.
    client
        .find(Locator::Id("file-link"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    wait_for_url(&client, "/me#actions").await;
    click_and_wait_for(
        &client,
        Locator::Id("notice-file"),
        Locator::Id("report-form"),
    )
    .await;
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
    let summary = click_and_wait_for(&client, Locator::Id("review"), Locator::Id("errors"))
        .await
        .text()
        .await
        .unwrap();
    // In Chinese, as the page: the field named as the form names it, the message translated.
    assert!(
        summary.contains("一、婚姻情况 · 状态: 此项必填。"),
        "{summary}"
    );
    // The summary has the focus, and its link takes the focus to the field.
    let focused = client
        .active_element()
        .await
        .unwrap()
        .attr("id")
        .await
        .unwrap();
    assert_eq!(focused.as_deref(), Some("errors"));
    // An anchor on the same page: the focus moves, the page stays.
    client
        .find(Locator::Css("#errors a[href='#marriage.status']"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    let focused = client
        .active_element()
        .await
        .unwrap()
        .attr("id")
        .await
        .unwrap();
    assert_eq!(focused.as_deref(), Some("marriage.status"));
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
    click_and_wait_for(
        &client,
        Locator::Id("add-stocks"),
        Locator::XPath("//input[@id='stocks[0].code']"),
    )
    .await;
    // The page with the row says "saved" too: wait until it is gone, then for the new one's.
    click_and_wait_for(
        &client,
        Locator::XPath("//button[@value='remove:stocks:0']"),
        Locator::Id("saved"),
    )
    .await;
    assert!(
        client
            .find(Locator::XPath("//input[@id='stocks[0].code']"))
            .await
            .is_err()
    );
    // Nothing typed is lost on reload: the draft is on the server.
    client.goto(&format!("{base}/file")).await.unwrap();
    let wages = wait_for(&client, Locator::XPath("//input[@id='salary.wages']"))
        .await
        .prop("value")
        .await
        .unwrap();
    assert_eq!(wages.as_deref(), Some("186000.50"));

    let outcome = click_and_wait_for(
        &client,
        Locator::Id("review"),
        Locator::Css("#ready, #errors"),
    )
    .await
    .attr("id")
    .await
    .unwrap();
    if outcome.as_deref() != Some("ready") {
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
    click_and_wait_for(&client, Locator::Id("submit"), Locator::Id("errors")).await;
    client
        .find(Locator::Id("commitment"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    let receipt = click_and_wait_for(&client, Locator::Id("submit"), Locator::Id("receipt"))
        .await
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
        .progress(
            &probity_store::UnitScope::Department,
            &probity_model::Profile::builtin("cn").unwrap(),
            2025,
            "2026-11-24",
        )
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
    let person = app
        .store
        .person_key(&probity_model::ResidentId::parse(DECLARANT).unwrap());
    // A GET starts nothing: it offers to start the correction, and no draft is written.
    let (status, _, page) = send(&app, get("/file?correct=D2025-000001", &chen)).await;
    assert_eq!(status, StatusCode::CONFLICT);
    assert!(page.contains("id=\"start-correction\""), "{page}");
    assert!(
        app.store
            .draft(&person, 2025, "correction:D2025-000001")
            .await
            .unwrap()
            .is_none()
    );
    assert_eq!(
        start_correction(&app, &chen, "D2025-000001").await,
        "/file?correct=D2025-000001"
    );
    let (status, _, page) = send(&app, get("/file?correct=D2025-000001", &chen)).await;
    assert_eq!(status, StatusCode::OK);
    // The form holds the filed content (here, its first property's address).
    assert!(
        page.contains("三盛名邸"),
        "the report's content is in the form"
    );
    assert!(
        page.contains("id=\"corrects\""),
        "the form names the report it corrects"
    );
    let draft: serde_json::Value = serde_json::from_str(
        &app.store
            .draft(&person, 2025, "correction:D2025-000001")
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
        probity_app::passwords::INITIAL_PASSWORD_LEN
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
        password_hash: probity_app::passwords::hash_password(PASSWORD).unwrap(),
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

const SUBJECT_2: &str = "350212197810284446"; // D2025-000002: a concealed property, two omissions

/// The small example with a verification run over every report, two verifiers (`ann`, `bob`)
/// and the declarant of D2025-000002 (`lin`).
async fn app_with_cases() -> (TestDb, Arc<App>) {
    app_with_cases_on(Db::Sqlite).await.unwrap()
}

/// [`app_with_cases`] on either database (see [`app_on`]).
async fn app_with_cases_on(db: Db) -> Option<(TestDb, Arc<App>)> {
    let (dir, app) = app_on(db).await?;
    let s = Stamp::new("2026-02-10T08:00:00Z", "test");
    let files = probity_app::registry::registry_files(&fixtures().join("registries")).unwrap();
    app.store.import_registry(&s, &files).await.unwrap();
    let progress = probity_app::verification::RunProgress::default();
    probity_app::verification::verify_cycle(
        &app.store,
        &s,
        2025,
        probity_app::verification::Scope::All,
        &progress,
    )
    .await
    .unwrap();
    let hash = probity_app::passwords::hash_password(PASSWORD).unwrap();
    let lin = app
        .store
        .person_key(&probity_model::ResidentId::parse(SUBJECT_2).unwrap());
    for (username, role, person_key) in [
        ("ann", Role::Verifier, None),
        ("bob", Role::Verifier, None),
        ("lin", Role::Declarant, Some(lin)),
    ] {
        let user = User {
            username: username.into(),
            role,
            person_key,
            password_hash: hash.clone(),
            disabled: false,
        };
        app.store.create_user(&s, &user).await.unwrap();
    }
    Some((dir, app))
}

async fn case_of(app: &Arc<App>, declaration_id: &str) -> probity_store::CaseSummary {
    app.store
        .cases(
            &probity_store::UnitScope::Department,
            &probity_store::CaseFilter::default(),
        )
        .await
        .unwrap()
        .into_iter()
        .find(|c| c.declaration_id.as_deref() == Some(declaration_id))
        .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_workbench_is_for_verifiers_in_their_units() {
    let (_dir, app) = app_with_cases().await;
    let case = case_of(&app, "D2025-000002").await;
    let page = format!("/cases/{}", case.id);
    for (user, cases, one) in [
        ("chen", StatusCode::FORBIDDEN, StatusCode::FORBIDDEN),
        ("admin", StatusCode::FORBIDDEN, StatusCode::FORBIDDEN),
        ("ann", StatusCode::OK, StatusCode::OK),
    ] {
        let cookie = sign_in(&app, user, PASSWORD).await.unwrap();
        assert_eq!(send(&app, get("/cases", &cookie)).await.0, cases, "{user}");
        assert_eq!(send(&app, get(&page, &cookie)).await.0, one, "{user}");
    }
    for (user, status) in [
        ("chen", StatusCode::FORBIDDEN),
        ("admin", StatusCode::OK),
        ("ann", StatusCode::OK),
    ] {
        let cookie = sign_in(&app, user, PASSWORD).await.unwrap();
        assert_eq!(
            send(&app, get("/key-checks", &cookie)).await.0,
            status,
            "{user}"
        );
    }
    let ann = sign_in(&app, "ann", PASSWORD).await.unwrap();
    // The list filters; the case page shows the registry rows with the differences marked.
    let (_, _, list) = send(
        &app,
        get("/cases?cycle=&unit=&status=&classification=review", &ann),
    )
    .await;
    assert!(list.contains("/cases/") && !list.contains(&format!("href=\"{page}\"")));
    let (_, _, list) = send(&app, get("/cases?classification=concealment", &ann)).await;
    assert!(list.contains(&format!("href=\"{page}\"")));
    assert!(
        list.contains("<option value=\"concealment\" selected>"),
        "{list}"
    );
    let (_, _, body) = send(&app, get(&page, &ann)).await;
    assert!(body.contains("FD5259001990") && body.contains("<mark>16657.77</mark>"));
    assert!(body.contains("class=\"differs\""));
    // Reading the case is in the log under the verifier's name.
    let mut conn = app.store.connection().await.unwrap();
    let read: Vec<String> = sqlx_rows(
        &mut conn,
        "SELECT actor FROM audit_events WHERE action = 'case.read'",
    )
    .await;
    assert!(read.contains(&"web:ann".to_owned()));
    drop(conn);
    // A verifier limited to another unit reaches neither the case nor its forms.
    app.store
        .set_user_units(
            &Stamp::new("2026-02-10T08:00:00Z", "test"),
            "bob",
            &["福州市工商业联合会".to_owned()],
        )
        .await
        .unwrap();
    assert_ne!(case.unit, "福州市工商业联合会");
    let bob = sign_in(&app, "bob", PASSWORD).await.unwrap();
    assert_eq!(send(&app, get(&page, &bob)).await.0, StatusCode::FORBIDDEN);
    let csrf = csrf_of(&app, &bob).await;
    let (status, _, _) = send(
        &app,
        form_post(
            &format!("{page}/explanation"),
            &bob,
            format!("csrf={csrf}&question=why"),
        ),
    )
    .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (_, _, list) = send(&app, get("/cases", &bob)).await;
    assert!(!list.contains(&format!("href=\"{page}\"")));
    // A declarant cannot answer someone else's request.
    let csrf = csrf_of(&app, &ann).await;
    let (status, _, _) = send(
        &app,
        form_post(
            &format!("{page}/explanation"),
            &ann,
            format!("csrf={csrf}&question=why"),
        ),
    )
    .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    let chen = sign_in(&app, "chen", PASSWORD).await.unwrap();
    let csrf = csrf_of(&app, &chen).await;
    let asked = app
        .store
        .case_file(
            &Stamp::new("2026-02-10T08:00:00Z", "test"),
            probity_model::Profile::builtin("cn").as_ref().unwrap(),
            case.id,
        )
        .await
        .unwrap()
        .unwrap()
        .explanations[0]
        .id;
    let (status, _, _) = send(
        &app,
        form_post(
            &format!("/explanations/{asked}"),
            &chen,
            format!("csrf={csrf}&answer=not+mine"),
        ),
    )
    .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_session_row_written_into_the_database_signs_nobody_in() {
    let (_dir, app) = app().await;
    let chen = sign_in(&app, "chen", PASSWORD).await.unwrap();
    assert_eq!(send(&app, get("/me", &chen)).await.0, StatusCode::OK);
    // Someone who can write to the database, without the key file, adds a session as the
    // administrator (and one that copies the MAC of chen's).
    let now = chrono::Utc::now();
    let at = |h: i64| (now + chrono::Duration::hours(h)).to_rfc3339();
    let mut conn = app.store.connection().await.unwrap();
    for (token, mac) in [
        ("forged", "NULL"),
        ("copied", "(SELECT MAX(mac) FROM sessions)"),
    ] {
        let sql = format!(
            "INSERT INTO sessions (token_sha256, username, csrf, created_at, expires_at, mac) \
             VALUES ('{}', 'admin', 'c', '{}', '{}', {mac})",
            probity_app::passwords::token_hash(token),
            at(0),
            at(1)
        );
        sqlx::raw_sql(sqlx::AssertSqlSafe(sql))
            .execute(&mut *conn)
            .await
            .unwrap();
        let cookie = format!("probity_session={token}");
        let (status, _, _) = send(&app, get("/admin", &cookie)).await;
        assert_eq!(status, StatusCode::SEE_OTHER, "{token} signed in");
    }
    // The administrator's own session does.
    let admin = sign_in(&app, "admin", PASSWORD).await.unwrap();
    assert_eq!(send(&app, get("/admin", &admin)).await.0, StatusCode::OK);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_case_page_shows_an_override_and_what_it_waits_for() {
    let (_dir, app) = app_with_cases().await;
    let profile = probity_model::Profile::builtin("cn").unwrap();
    let case = case_of(&app, "D2025-000002").await;
    let as_ = |who: &str| Stamp::new("2026-03-01T10:00:00Z", format!("web:{who}"));
    let file = app
        .store
        .case_file(&as_("ann"), &profile, case.id)
        .await
        .unwrap()
        .unwrap();
    let finding = file
        .findings
        .iter()
        .find(|f| f.evidence.finding.classification.as_str() == "concealment")
        .unwrap()
        .id;
    let concealment = app
        .store
        .determine(
            &as_("ann"),
            &profile,
            finding,
            "concealment",
            "Not reported.",
            &[],
        )
        .await
        .unwrap();
    app.store
        .confirm_determination(&as_("bob"), &profile, concealment)
        .await
        .unwrap();
    let explained = app
        .store
        .determine(
            &as_("carol"),
            &profile,
            finding,
            "explained",
            "It holds.",
            &[],
        )
        .await
        .unwrap();
    let ann = sign_in(&app, "ann", PASSWORD).await.unwrap();
    let page = format!("/cases/{}", case.id);
    let replaces = format!("<a href=\"#determination-{concealment}\">#{concealment}</a>");
    for (cookie, words) in [
        (
            ann.clone(),
            [
                "取代认定",
                "本认定须由以下人员以外的核查人员复核后方生效：",
                "web:ann、web:bob",
                "（改为“已作说明”的认定须由作出本认定者以外的两名核查人员确认，在此之前本认定仍然有效）",
            ],
        ),
        (
            format!("{ann}; lang=en"),
            [
                "replaces determination",
                "only when confirmed by a verifier other than",
                "web:ann, web:bob",
                "(stays in force until the replacement by Explained is confirmed",
            ],
        ),
    ] {
        let (status, _, body) = send(&app, get(&page, &cookie)).await;
        assert_eq!(status, StatusCode::OK);
        assert!(body.contains(&replaces), "{body}");
        for w in words {
            assert!(body.contains(w), "{w:?} not on the page");
        }
        // The concealment stays in force, and so does the bar.
        assert!(body.contains("id=\"promotion-bar\""));
        assert!(body.contains(&format!(
            "<li class=\"in-force\" id=\"determination-{concealment}\">"
        )));
        assert!(body.contains(&format!(
            "<li class=\"awaiting-confirmation\" id=\"determination-{explained}\">"
        )));
    }
    // Once a fourth verifier confirms, the record says what the override replaced.
    app.store
        .confirm_determination(&as_("dave"), &profile, explained)
        .await
        .unwrap();
    for (cookie, words) in [
        (ann.clone(), "（取代“隐瞒不报”）"),
        (format!("{ann}; lang=en"), "(replaces Concealment)"),
    ] {
        let (_, _, body) = send(&app, get(&page, &cookie)).await;
        assert!(body.contains(words), "{words:?} not on the page");
        assert!(!body.contains("id=\"promotion-bar\""));
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_workbench_flow_in_a_real_browser() {
    use fantoccini::Locator;
    let Some((_driver, client)) = browser().await else {
        return;
    };
    let (_dir, app) = app_with_cases().await;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(probity_web::serve(Arc::clone(&app), listener));
    let case = case_of(&app, "D2025-000002").await;
    let case_url = format!("{base}/cases/{}", case.id);

    let sign_in_as = |user: &'static str| {
        let client = client.clone();
        let base = base.clone();
        async move {
            client.goto(&format!("{base}/login")).await.unwrap();
            if client
                .find(Locator::Css("form[action='/logout'] button"))
                .await
                .is_ok()
            {
                click_and_wait_for(
                    &client,
                    Locator::Css("form[action='/logout'] button"),
                    Locator::Id("sign-in"),
                )
                .await;
            }
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
            click_and_wait_for(&client, Locator::Id("sign-in"), Locator::Id("who")).await;
        }
    };
    // A click on the page, which stays (an option chosen, a box ticked).
    let click = |css: String| {
        let client = client.clone();
        async move {
            client
                .find(Locator::Css(&css))
                .await
                .unwrap_or_else(|e| panic!("{css}: {e}"))
                .click()
                .await
                .unwrap();
        }
    };
    let type_into = |css: String, text: &'static str| {
        let client = client.clone();
        async move {
            client
                .find(Locator::Css(&css))
                .await
                .unwrap_or_else(|e| panic!("{css}: {e}"))
                .send_keys(text)
                .await
                .unwrap();
        }
    };

    // The verifier filters the cases and opens one.
    sign_in_as("ann").await;
    client.goto(&format!("{base}/cases")).await.unwrap();
    click("#f-class option[value='concealment']".into()).await;
    click_and_wait_for(
        &client,
        Locator::Id("apply-filter"),
        Locator::Css("select#f-class option[value='concealment'][selected]"),
    )
    .await;
    wait_for_url(&client, "classification=concealment").await;
    shot(&client, "cases").await;
    click_and_wait_for(
        &client,
        Locator::Css(&format!("a[href='/cases/{}']", case.id)),
        Locator::Id("case-status"),
    )
    .await;
    // Side by side: the declared fund beside the registrar's row, the units marked on both.
    let marked = client
        .find_all(Locator::Css(".side-by-side tr.differs td"))
        .await
        .unwrap();
    let mut texts = Vec::new();
    for m in marked {
        texts.push(m.text().await.unwrap());
    }
    assert!(texts.contains(&"9161.77".to_owned()) && texts.contains(&"16657.77".to_owned()));
    shot(&client, "case").await;

    // A request for explanation, which the declarant reads and answers on their own page.
    type_into("#question".into(), "请说明未报告的房产来源。").await;
    click_and_wait_for(&client, Locator::Id("ask"), Locator::Css(".explanation")).await;
    sign_in_as("lin").await;
    client.goto(&format!("{base}/me")).await.unwrap();
    let question = client
        .find(Locator::Css("#explanations .explanation"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(question.contains("请说明未报告的房产来源。"), "{question}");
    type_into(
        "#explanations textarea".into(),
        "该房产系父母赠与，已补充报告。",
    )
    .await;
    click_and_wait_for(
        &client,
        Locator::Css("#explanations button"),
        Locator::Css("#explanations .answer"),
    )
    .await;
    shot(&client, "explanation-answered").await;

    // The verifier records a concealment with a measure; confirming it herself is refused.
    sign_in_as("ann").await;
    client.goto(&case_url).await.unwrap();
    let answer = client
        .find(Locator::Css("#explanations .answer"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert_eq!(answer, "该房产系父母赠与，已补充报告。");
    // Read in Chinese, the case page holds no English sentence: no three English words in a
    // row outside the codes it shows as codes (rule ids, JSON paths, fields, record ids).
    let shown: String = client
        .execute(
            "const m = document.querySelector('main').cloneNode(true); \
             m.querySelectorAll('code, script').forEach(e => e.remove()); \
             return m.innerText;",
            vec![],
        )
        .await
        .unwrap()
        .as_str()
        .unwrap()
        .to_owned();
    let english: Vec<String> = shown
        .lines()
        .flat_map(|line| {
            let words: Vec<&str> = line.split(|c: char| !c.is_ascii_alphabetic()).collect();
            words
                .windows(3)
                .filter(|w| w.iter().all(|x| x.len() > 1))
                .map(|w| w.join(" "))
                .collect::<Vec<_>>()
        })
        .collect();
    assert!(
        english.is_empty(),
        "English on the Chinese case page: {english:?}\n{shown}"
    );
    let file = app
        .store
        .case_file(
            &Stamp::new("2026-02-10T08:00:00Z", "test"),
            probity_model::Profile::builtin("cn").as_ref().unwrap(),
            case.id,
        )
        .await
        .unwrap()
        .unwrap();
    let concealed = file
        .findings
        .iter()
        .find(|f| f.evidence.finding.classification.as_str() == "concealment")
        .unwrap()
        .id;
    click(format!("#outcome-{concealed} option[value='concealment']")).await;
    // The form offers only the measures a concealment allows.
    let criticism = client
        .find(Locator::Css(&format!(
            "#finding-{concealed} input[name='measure'][value='criticism']"
        )))
        .await
        .unwrap();
    assert!(!criticism.is_enabled().await.unwrap());
    type_into(
        format!("#reason-{concealed}"),
        "登记在家庭名下的房产未报告，说明不成立。",
    )
    .await;
    click(format!(
        "#finding-{concealed} input[name='measure'][value='admonishment']"
    ))
    .await;
    let pending = click_and_wait_for(
        &client,
        Locator::Css(&format!("#determine-{concealed}")),
        Locator::Css(".determinations li.awaiting-confirmation"),
    )
    .await;
    let determination = pending.attr("id").await.unwrap().unwrap();
    let status = client
        .find(Locator::Id("case-status"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert_eq!(status, "待第二人复核");
    let refusal = click_and_wait_for(
        &client,
        Locator::Css(&format!("#{determination} button[id^='confirm-']")),
        Locator::Id("refusal"),
    )
    .await
    .text()
    .await
    .unwrap();
    // The store's refusal, in the reader's language: Chinese, with no English sentence left.
    assert!(refusal.contains("须由另一名核查人员确认"), "{refusal}");
    assert!(!refusal.contains("verifier"), "{refusal}");
    assert!(client.find(Locator::Id("promotion-bar")).await.is_err());
    shot(&client, "confirmation-refused").await;

    // A second verifier confirms: the concealment is in force and bars promotion.
    sign_in_as("bob").await;
    client.goto(&case_url).await.unwrap();
    click_and_wait_for(
        &client,
        Locator::Css(&format!("#{determination} button[id^='confirm-']")),
        Locator::Css(".determinations li.in-force"),
    )
    .await;
    let bar = client
        .find(Locator::Id("promotion-bar"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(bar.contains("不得提拔"), "{bar}");
    let record = client
        .find(Locator::Css("#integrity table"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        record.contains("隐瞒不报") && record.contains("诫勉"),
        "{record}"
    );
    shot(&client, "case-decided").await;
    // Where a promotion is decided, the key-check list says the subject is not eligible.
    client.goto(&format!("{base}/key-checks")).await.unwrap();
    let row = client
        .find(Locator::XPath(
            "//table[@id='key-checks']//tr[td[2]='谢琴梅']",
        ))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        row.contains("不得提拔") && row.contains("隐瞒不报"),
        "{row}"
    );
    shot(&client, "key-checks").await;
    client.close().await.unwrap();

    // Every step left its event, and the log verifies.
    let mut conn = app.store.connection().await.unwrap();
    let actions = sqlx_rows(&mut conn, "SELECT action FROM audit_events").await;
    drop(conn);
    for action in [
        "case.read",
        "explanation.request",
        "explanation.answer",
        "determination.record",
        "measure.record",
        "determination.confirm",
    ] {
        assert!(actions.iter().any(|a| a == action), "no {action} event");
    }
    match app.store.verify_audit(None).await.unwrap() {
        Ok(_) => {}
        Err(unfit) => panic!("audit verify failed: {unfit}"),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_workbench_through_the_api() {
    let (_dir, app) = app_with_cases().await;
    let ann = sign_in(&app, "ann", PASSWORD).await.unwrap();
    let ann_csrf = csrf_of(&app, &ann).await;
    let json = |body: &str| serde_json::from_str::<serde_json::Value>(body).unwrap();

    let (status, _, body) = send(&app, get("/api/cases?classification=concealment", &ann)).await;
    assert_eq!(status, StatusCode::OK);
    let list = json(&body);
    let case = list
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["declaration_id"] == "D2025-000002")
        .unwrap()
        .clone();
    let id = case["id"].as_i64().unwrap();
    let (status, _, body) = send(&app, get(&format!("/api/cases/{id}"), &ann)).await;
    assert_eq!(status, StatusCode::OK);
    let file = json(&body);
    let findings = file["findings"].as_array().unwrap();
    let funds = findings
        .iter()
        .find(|f| f["finding"]["category"] == "funds")
        .unwrap();
    assert_eq!(funds["registry_rows"][0]["record_id"], "FD5259001990");
    let concealed = findings
        .iter()
        .find(|f| f["finding"]["classification"] == "concealment")
        .unwrap()["id"]
        .as_i64()
        .unwrap();

    // A declarant may not use the workbench, nor a verifier without the token.
    let chen = sign_in(&app, "chen", PASSWORD).await.unwrap();
    assert_eq!(
        send(&app, get("/api/cases", &chen)).await.0,
        StatusCode::FORBIDDEN
    );
    let body = serde_json::json!({"finding": concealed, "outcome": "concealment",
        "reason": "Not reported.", "measures": ["admonishment"]})
    .to_string();
    let path = format!("/api/cases/{id}/determinations");
    assert_eq!(
        send(&app, send_json("POST", &path, &ann, "wrong", body.clone()))
            .await
            .0,
        StatusCode::FORBIDDEN
    );
    // A measure the determination does not allow is refused with the reason.
    let bad = serde_json::json!({"finding": concealed, "outcome": "concealment",
        "reason": "x", "measures": ["criticism"]})
    .to_string();
    let (status, _, reply) = send(&app, send_json("POST", &path, &ann, &ann_csrf, bad)).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(reply.contains("不相符"), "{reply}");
    let (status, _, reply) = send(&app, send_json("POST", &path, &ann, &ann_csrf, body)).await;
    assert_eq!(status, StatusCode::CREATED, "{reply}");
    let determination = json(&reply)["id"].as_i64().unwrap();
    let confirm = format!("/api/cases/{id}/determinations/{determination}/confirm");
    let (status, _, reply) = send(
        &app,
        send_json("POST", &confirm, &ann, &ann_csrf, String::new()),
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(reply.contains("须由另一名核查人员确认"), "{reply}");
    let bob = sign_in(&app, "bob", PASSWORD).await.unwrap();
    let bob_csrf = csrf_of(&app, &bob).await;
    let (status, _, _) = send(
        &app,
        send_json("POST", &confirm, &bob, &bob_csrf, String::new()),
    )
    .await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    let (_, _, body) = send(&app, get("/api/key-checks", &bob)).await;
    let flagged = json(&body)
        .as_array()
        .unwrap()
        .iter()
        .find(|k| k["name"] == "谢琴梅")
        .unwrap()
        .clone();
    assert_eq!(
        flagged["bars_promotion"],
        serde_json::json!(["concealment"])
    );

    // The declarant reads and answers the request; another declarant cannot.
    let ask = serde_json::json!({"question": "请说明。", "due_on": "2026-03-31"}).to_string();
    let (status, _, reply) = send(
        &app,
        send_json(
            "POST",
            &format!("/api/cases/{id}/explanations"),
            &ann,
            &ann_csrf,
            ask,
        ),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{reply}");
    let asked = json(&reply)["id"].as_i64().unwrap();
    let lin = sign_in(&app, "lin", PASSWORD).await.unwrap();
    let lin_csrf = csrf_of(&app, &lin).await;
    let (_, _, mine) = send(&app, get("/api/explanations", &lin)).await;
    assert_eq!(json(&mine)[0]["question"], "请说明。");
    let (_, _, theirs) = send(&app, get("/api/explanations", &chen)).await;
    assert_eq!(json(&theirs), serde_json::json!([]));
    let answer = serde_json::json!({"answer": "已补报。"}).to_string();
    let chen_csrf = csrf_of(&app, &chen).await;
    let path = format!("/api/explanations/{asked}");
    assert_eq!(
        send(
            &app,
            send_json("POST", &path, &chen, &chen_csrf, answer.clone())
        )
        .await
        .0,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        send(&app, send_json("POST", &path, &lin, &lin_csrf, answer))
            .await
            .0,
        StatusCode::NO_CONTENT
    );
    // Every endpoint is in the OpenAPI document.
    let (_, _, doc) = send(&app, get("/api/openapi.json", &lin)).await;
    let paths = json(&doc)["paths"].clone();
    for p in [
        "/api/cases",
        "/api/cases/{id}",
        "/api/cases/{id}/explanations",
        "/api/cases/{id}/determinations",
        "/api/cases/{id}/determinations/{determination}/confirm",
        "/api/explanations",
        "/api/explanations/{id}",
        "/api/key-checks",
        "/api/reports",
    ] {
        assert!(paths.get(p).is_some(), "{p} is not in the OpenAPI document");
    }
}

// ---- Reading pages as a machine would ------------------------------------------------------------

/// A tag of a page: its name (lower case, `/name` for an end tag), attributes, and where it ends
/// in the text.
#[derive(Debug, Clone)]
struct Tag {
    name: String,
    attrs: Vec<(String, String)>,
    end: usize,
}

impl Tag {
    fn attr(&self, name: &str) -> Option<&str> {
        self.attrs
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }
}

fn unescape(text: &str) -> String {
    text.replace("&quot;", "\"")
        .replace("&#x27;", "'")
        .replace("&#39;", "'")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&amp;", "&")
}

/// The tags of a page, in order; the text of scripts and styles is skipped, comments too.
fn tags(html: &str) -> Vec<Tag> {
    let b = html.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while let Some(off) = html[i..].find('<') {
        i += off + 1;
        if html[i..].starts_with("!--") {
            i += html[i..].find("-->").map_or(html.len() - i, |e| e + 3);
            continue;
        }
        if html[i..].starts_with('!') {
            i += html[i..].find('>').unwrap() + 1;
            continue;
        }
        let start = i;
        while i < b.len() && !b[i].is_ascii_whitespace() && b[i] != b'>' {
            if b[i] == b'/' && i > start {
                break;
            }
            i += 1;
        }
        let name = html[start..i].to_ascii_lowercase();
        let mut attrs = Vec::new();
        loop {
            while i < b.len() && (b[i].is_ascii_whitespace() || b[i] == b'/') {
                i += 1;
            }
            if i >= b.len() || b[i] == b'>' {
                i += 1;
                break;
            }
            let a = i;
            while i < b.len() && !b[i].is_ascii_whitespace() && b[i] != b'=' && b[i] != b'>' {
                i += 1;
            }
            let attr = html[a..i].to_ascii_lowercase();
            let mut value = String::new();
            if i < b.len() && b[i] == b'=' {
                i += 1;
                if b[i] == b'"' || b[i] == b'\'' {
                    let q = b[i] as char;
                    let e = html[i + 1..].find(q).unwrap();
                    value = unescape(&html[i + 1..i + 1 + e]);
                    i += e + 2;
                } else {
                    let a = i;
                    while i < b.len() && !b[i].is_ascii_whitespace() && b[i] != b'>' {
                        i += 1;
                    }
                    value = unescape(&html[a..i]);
                }
            }
            attrs.push((attr, value));
        }
        let raw = name == "script" || name == "style";
        out.push(Tag {
            name: name.clone(),
            attrs,
            end: i,
        });
        if raw {
            i += html[i..].find(&format!("</{name}")).unwrap_or(0);
        }
    }
    out
}

/// What a browser would post for the form `form_id` of a page, without pressing a button.
fn form_fields(html: &str, form_id: &str) -> Vec<(String, String)> {
    let all = tags(html);
    let start = all
        .iter()
        .position(|t| t.name == "form" && t.attr("id") == Some(form_id))
        .unwrap();
    let mut out = Vec::new();
    let mut select: Option<String> = None;
    for t in &all[start + 1..] {
        match t.name.as_str() {
            "/form" => break,
            "input" => {
                let kind = t.attr("type").unwrap_or("text");
                let Some(name) = t.attr("name") else { continue };
                if ["submit", "button", "file"].contains(&kind) {
                    continue;
                }
                if kind == "checkbox" && t.attr("checked").is_none() {
                    continue;
                }
                out.push((name.to_owned(), t.attr("value").unwrap_or("").to_owned()));
            }
            "select" => {
                select = t.attr("name").map(str::to_owned);
                if let Some(name) = &select {
                    out.push((name.clone(), String::new()));
                }
            }
            "option" if t.attr("selected").is_some() => {
                if let Some(name) = &select {
                    let slot = out.iter_mut().rev().find(|(n, _)| n == name).unwrap();
                    slot.1 = t.attr("value").unwrap_or("").to_owned();
                }
            }
            "/select" => select = None,
            "textarea" => {
                let text = &html[t.end..];
                let text = &text[..text.find("</textarea>").unwrap()];
                out.push((t.attr("name").unwrap().to_owned(), unescape(text)));
            }
            _ => {}
        }
    }
    out
}

fn urlencoded(pairs: &[(String, String)]) -> String {
    fn enc(s: &str) -> String {
        let mut out = String::new();
        for b in s.bytes() {
            match b {
                b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                    out.push(b as char)
                }
                b' ' => out.push('+'),
                _ => out.push_str(&format!("%{b:02X}")),
            }
        }
        out
    }
    pairs
        .iter()
        .map(|(k, v)| format!("{}={}", enc(k), enc(v)))
        .collect::<Vec<_>>()
        .join("&")
}

fn set_field(pairs: &mut Vec<(String, String)>, name: &str, value: &str) {
    match pairs.iter_mut().find(|(k, _)| k == name) {
        Some(slot) => slot.1 = value.to_owned(),
        None => pairs.push((name.to_owned(), value.to_owned())),
    }
}

#[tokio::test]
async fn amounts_typed_in_wan_are_stored_in_exact_yuan() {
    let (_dir, app) = app().await;
    let chen = sign_in(&app, "chen", PASSWORD).await.unwrap();
    // A correction of the filed report starts as a draft holding its content.
    start_correction(&app, &chen, "D2025-000001").await;
    let (_, _, page) = send(&app, get("/file?correct=D2025-000001", &chen)).await;
    // The price is shown in 万元, with the unit beside it and the yuan under it.
    let filed: serde_json::Value = serde_json::from_str(
        std::fs::read_to_string(fixtures().join("declarations.jsonl"))
            .unwrap()
            .lines()
            .next()
            .unwrap(),
    )
    .unwrap();
    let yuan = filed["real_estate"][0]["price"]
        .as_str()
        .unwrap()
        .to_owned();
    let mut pairs = form_fields(&page, "report-form");
    let shown = pairs
        .iter()
        .find(|(k, _)| k == "real_estate[0].price")
        .unwrap()
        .1
        .clone();
    // 万元 moves the point four places: nothing rounded either way.
    let y = probity_model::Decimal::parse(&yuan).unwrap();
    assert_eq!(
        probity_model::Decimal::parse(&shown).unwrap(),
        probity_model::Decimal::from_parts(y.mantissa(), y.scale() + 4),
        "{yuan} yuan is {shown} 万元"
    );
    assert!(page.contains("id=\"real_estate[0].price-unit\">(万元)</span>"));
    assert!(page.contains("id=\"real_estate[0].price-equiv\">即 "));
    let csrf = csrf_of(&app, &chen).await;
    set_field(&mut pairs, "csrf", &csrf);

    // Finer than a fen in 万元: refused at the field, in Chinese, naming the six decimals.
    set_field(&mut pairs, "real_estate[0].price", "123.4567891");
    set_field(&mut pairs, "action", "review");
    let (status, _, page) = send(
        &app,
        form_post("/file?correct=D2025-000001", &chen, urlencoded(&pairs)),
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        page.contains("“123.4567891”的小数超过 6 位。"),
        "{}",
        page.split("id=\"errors\"").nth(1).unwrap_or(&page)
    );
    // The draft kept what was typed.
    let (_, _, page) = send(&app, get("/file?correct=D2025-000001", &chen)).await;
    assert!(page.contains("value=\"123.4567891\""));

    // Exact to the fen: filed, and the stored report holds the yuan.
    set_field(&mut pairs, "real_estate[0].price", "123.456789");
    set_field(&mut pairs, "action", "submit");
    set_field(&mut pairs, "commitment", "1");
    let (status, _, page) = send(
        &app,
        form_post("/file?correct=D2025-000001", &chen, urlencoded(&pairs)),
    )
    .await;
    assert_eq!(status, StatusCode::SEE_OTHER, "{page}");
    let id = app
        .store
        .reports_of(
            &app.store
                .person_key(&probity_model::ResidentId::parse(DECLARANT).unwrap()),
        )
        .await
        .unwrap()
        .into_iter()
        .find(|r| r.supersedes.as_deref() == Some("D2025-000001"))
        .unwrap()
        .declaration_id;
    let stored = app
        .store
        .read_declaration(&Stamp::new("2026-02-01T00:00:00Z", "test"), &id)
        .await
        .unwrap()
        .unwrap();
    let stored: serde_json::Value = serde_json::from_str(&stored.json).unwrap();
    assert_eq!(stored["real_estate"][0]["price"], "1234567.89");
    // Everything else is as filed before.
    let mut expected = filed.clone();
    for key in ["declaration_id", "supersedes", "filed_on"] {
        expected[key] = stored[key].clone();
    }
    expected["real_estate"][0]["price"] = "1234567.89".into();
    let parse = |v: &serde_json::Value| probity_model::validation::parse(v).unwrap();
    assert_eq!(parse(&stored), parse(&expected));
}

#[tokio::test]
async fn reminders_name_who_has_not_filed_and_issuing_them_is_audited() {
    let (_dir, app) = app().await;
    // The declarant's side: a notice on their own page until the report is filed. Today is
    // past the example's deadline (2026-01-31), so it is late.
    let newbie = sign_in(&app, "newbie", PASSWORD).await.unwrap();
    let (_, _, page) = send(&app, get("/me", &newbie)).await;
    let today = chrono::Utc::now().format("%Y-%m-%d").to_string();
    let late = today.as_str() > "2026-01-31";
    let expected = if late {
        "您的 2025 年度个人有关事项报告已逾期：截止日期为 2026-01-31"
    } else {
        "您的 2025 年度个人有关事项报告应于 2026-01-31 前提交"
    };
    assert!(page.contains(expected), "{page}");
    assert!(page.contains("href=\"/file?year=2025&amp;kind=annual\" id=\"notice-file\""));
    // The nav's "填报" opens this list of what is due, the initial report of a new subject among
    // it, not always an annual report.
    assert!(
        page.contains("href=\"/me#actions\" id=\"file-link\""),
        "{page}"
    );
    assert!(page.contains("id=\"actions\""), "{page}");
    assert!(
        page.contains("kind=initial\" id=\"notice-file-initial-"),
        "{page}"
    );
    let chen = sign_in(&app, "chen", PASSWORD).await.unwrap();
    let (_, _, page) = send(&app, get("/me", &chen)).await;
    assert!(!page.contains("id=\"notice\""), "filed: no notice");
    // Declarants do not see the list.
    assert_eq!(
        send(&app, get("/reminders", &chen)).await.0,
        StatusCode::FORBIDDEN
    );

    // Staff: who has not filed, by unit, with what to remind and the deadline: 林新's annual
    // report, and the initial reports of the two subjects who joined in 2025 (林新 and 郭顺).
    let admin = sign_in(&app, "admin", PASSWORD).await.unwrap();
    let (status, _, page) = send(&app, get("/reminders", &admin)).await;
    assert_eq!(status, StatusCode::OK);
    assert!(page.contains("共 2 人尚未报告。"), "{page}");
    assert_eq!(page.matches("class=\"kind-initial\"").count(), 2, "{page}");
    assert!(page.contains("<th scope=\"row\">林新</th>"));
    assert!(!page.contains("陈良生"), "filed reports are not reminded");
    assert!(page.contains("福州市工商业联合会：尚未报告 1 人"));

    // Issued as CSV: one line per subject, and the audit log says when, for which unit, how
    // many, and by whom — with no name in it.
    let csrf = csrf_of(&app, &admin).await;
    let (status, _, _) = send(
        &app,
        form_post(
            "/reminders",
            &admin,
            "csrf=forged&cycle=2025&format=csv".to_owned(),
        ),
    )
    .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (status, _, csv) = send(
        &app,
        form_post(
            "/reminders",
            &admin,
            format!("csrf={csrf}&cycle=2025&unit=&format=csv-codes"),
        ),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    let lines: Vec<&str> = csv.lines().collect();
    assert_eq!(
        lines[0],
        "unit,name,position,standing,year,deadline,days_late,reminder"
    );
    // 林新's annual report, and the initial reports of 林新 and 郭顺, who joined in 2025 (each
    // due 30 days after joining, long past).
    assert_eq!(lines.len(), 4, "{csv}");
    let expected_standing = if late { "missing" } else { "not_started" };
    assert!(
        lines.iter().any(|l| l.starts_with(&format!(
            "福州市工商业联合会,林新,办公室主任,{expected_standing},2025,2026-01-31,"
        ))),
        "{csv}"
    );
    assert!(
        lines
            .iter()
            .any(|l| l.starts_with("福州市工商业联合会,林新,办公室主任,missing,2025,2025-03-31,")),
        "{csv}"
    );
    assert!(lines.iter().any(|l| l.contains(",郭顺,")), "{csv}");
    let issued = app.store.reminders_issued(2025).await.unwrap();
    assert_eq!(issued.len(), 2);
    let fuzhou = issued
        .iter()
        .find(|i| i.unit == "福州市工商业联合会")
        .unwrap();
    assert_eq!(
        (fuzhou.count, fuzhou.actor.as_str()),
        (1, "web:admin"),
        "a list counts people"
    );
    let mut conn = app.store.connection().await.unwrap();
    let payloads = sqlx_rows(
        &mut conn,
        "SELECT payload FROM audit_events WHERE action = 'reminder.issued'",
    )
    .await;
    drop(conn);
    assert!(
        payloads
            .iter()
            .all(|p| !p.contains("林新") && !p.contains(NEWBIE))
    );
    // The list says when it was last issued.
    let (_, _, page) = send(&app, get("/reminders", &admin)).await;
    assert!(page.contains("上次下发："), "{page}");

    // Printable notices, one per unit.
    let (status, _, page) = send(
        &app,
        form_post(
            "/reminders",
            &admin,
            format!("csrf={csrf}&cycle=2025&unit=&format=print"),
        ),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert!(page.contains("关于报告 2025 年度个人有关事项的提醒"));
    assert_eq!(page.matches("class=\"notice-sheet\"").count(), 2);
    assert_eq!(app.store.reminders_issued(2025).await.unwrap().len(), 4);

    // A verifier who manages another unit has nobody to remind, and issues nothing.
    let s = Stamp::new("2026-02-01T08:00:00Z", "test");
    app.store
        .create_user(
            &s,
            &User {
                username: "xiamen".into(),
                role: Role::Verifier,
                person_key: None,
                password_hash: probity_app::passwords::hash_password(PASSWORD).unwrap(),
                disabled: false,
            },
        )
        .await
        .unwrap();
    app.store
        .set_user_units(&s, "xiamen", &["厦门市公安局".to_owned()])
        .await
        .unwrap();
    let xiamen = sign_in(&app, "xiamen", PASSWORD).await.unwrap();
    let (_, _, page) = send(&app, get("/reminders", &xiamen)).await;
    assert!(page.contains("共 0 人尚未报告。") && !page.contains("林新"));
    let csrf = csrf_of(&app, &xiamen).await;
    let (_, _, csv) = send(
        &app,
        form_post(
            "/reminders",
            &xiamen,
            format!("csrf={csrf}&cycle=2025&unit=%E7%A6%8F%E5%B7%9E%E5%B8%82%E5%B7%A5%E5%95%86%E4%B8%9A%E8%81%94%E5%90%88%E4%BC%9A&format=csv-codes"),
        ),
    )
    .await;
    assert_eq!(
        csv.lines().count(),
        1,
        "another unit's subjects are not theirs: {csv}"
    );
    assert_eq!(app.store.reminders_issued(2025).await.unwrap().len(), 4);
    assert!(app.store.verify_audit(None).await.unwrap().is_ok());
}

#[tokio::test]
async fn issues_are_in_the_readers_language_on_pages_and_in_the_api() {
    let (_dir, app) = app().await;
    let newbie = sign_in(&app, "newbie", PASSWORD).await.unwrap();
    let (_, _, page) = send(&app, get("/file?year=2025&kind=annual", &newbie)).await;
    let mut pairs = form_fields(&page, "report-form");
    set_field(&mut pairs, "persons[0].id", "350104201811304095");
    set_field(&mut pairs, "action", "review");
    let (status, _, page) = send(
        &app,
        form_post("/file?year=2025&kind=annual", &newbie, urlencoded(&pairs)),
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    // Chinese by default: the summary names the place as the form does; no English left.
    assert!(
        page.contains("一、婚姻情况 · 状态</a>: 此项必填。"),
        "{page}"
    );
    assert!(
        page.contains("校验码为 5，但前 17 位对应的校验码应为 4"),
        "{page}"
    );
    assert!(!page.contains("missing field") && !page.contains("check character"));
    // Next to the field too, tied to it for screen readers.
    assert!(
        page.contains(
            "<span class=\"field-error\" id=\"marriage.status-error\">此项必填。 </span>"
        )
    );
    assert!(page.contains("aria-describedby=\"marriage.status-error\""));
    // In English once chosen.
    let english = format!("{newbie}; lang=en");
    let (_, _, page) = send(
        &app,
        form_post("/file?year=2025&kind=annual", &english, urlencoded(&pairs)),
    )
    .await;
    assert!(
        page.contains("1. Marriage · Status</a>: Required."),
        "{page}"
    );

    // The API: a stable code and its values for scripts, the message in the caller's language.
    let chen = sign_in(&app, "chen", PASSWORD).await.unwrap();
    let csrf = csrf_of(&app, &chen).await;
    let first = std::fs::read_to_string(fixtures().join("declarations.jsonl")).unwrap();
    let mut report: serde_json::Value =
        serde_json::from_str(first.lines().next().unwrap()).unwrap();
    report["declaration_id"] = "C2025-CHEN-9".into();
    report["kind"] = "change".into();
    report["real_estate"][0]["area_m2"] = "96.399".into();
    for (accept, message) in [
        (None, "“96.399”的小数超过 2 位。"),
        (
            Some("en-GB,en;q=0.9"),
            "\"96.399\" has more than 2 decimal places.",
        ),
    ] {
        let mut request = send_json("POST", "/api/reports", &chen, &csrf, report.to_string());
        if let Some(a) = accept {
            request
                .headers_mut()
                .insert("accept-language", a.parse().unwrap());
        }
        let (status, _, body) = send(&app, request).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
        let issues: serde_json::Value = serde_json::from_str(&body).unwrap();
        // Every issue at once (the change report's rule issues too): the one about the area.
        let issue = issues["issues"]
            .as_array()
            .unwrap()
            .iter()
            .find(|i| i["path"] == "$.real_estate[0].area_m2")
            .unwrap();
        assert_eq!(issue["path"], "$.real_estate[0].area_m2");
        assert_eq!(issue["code"], "too-many-decimals");
        assert_eq!(
            issue["args"],
            serde_json::json!({"value": "96.399", "max": "2"})
        );
        assert_eq!(issue["message"], message, "{body}");
    }
}

/// What every page must hold for people who use a keyboard, a screen reader or a printer, as
/// far as the markup tells: problems found, one a line.
fn markup_problems(page: &str) -> Vec<String> {
    let all = tags(page);
    let mut problems = Vec::new();
    let html = all.iter().find(|t| t.name == "html");
    if !matches!(html.and_then(|h| h.attr("lang")), Some("zh-CN" | "en")) {
        problems.push("<html> without lang".into());
    }
    let count = |name: &str| all.iter().filter(|t| t.name == name).count();
    if count("main") != 1 {
        problems.push(format!("{} <main>", count("main")));
    }
    // Headings in order: none skips a level.
    let mut level = 0;
    for t in &all {
        if let Some(l) = t
            .name
            .strip_prefix('h')
            .and_then(|n| n.parse::<usize>().ok())
            .filter(|l| (1..=6).contains(l))
        {
            if l > level + 1 {
                problems.push(format!("<h{l}> after <h{level}>"));
            }
            level = l;
        }
    }
    if count("h1") == 0 {
        problems.push("no <h1>".into());
    }
    let mut ids = std::collections::HashSet::new();
    for t in &all {
        if let Some(id) = t.attr("id")
            && !ids.insert(id.to_owned())
        {
            problems.push(format!("id {id:?} twice"));
        }
    }
    for t in &all {
        for attr in ["aria-describedby", "aria-labelledby", "for"] {
            for id in t.attr(attr).unwrap_or("").split_whitespace() {
                if !ids.contains(id) {
                    problems.push(format!("<{} {attr}={id:?}> names no element", t.name));
                }
            }
        }
        if t.attr("tabindex")
            .and_then(|v| v.parse::<i32>().ok())
            .is_some_and(|v| v > 0)
        {
            problems.push(format!("<{}> with a positive tabindex", t.name));
        }
    }
    // Every control has a label: <label for>, a <label> around it, or an ARIA name.
    let labelled: std::collections::HashSet<&str> = all
        .iter()
        .filter(|t| t.name == "label")
        .filter_map(|t| t.attr("for"))
        .collect();
    let mut in_label = 0usize;
    let mut controls = 0;
    for t in &all {
        match t.name.as_str() {
            "label" => in_label += 1,
            "/label" => in_label = in_label.saturating_sub(1),
            "input" | "select" | "textarea" => {
                let kind = t.attr("type").unwrap_or("text");
                if t.name == "input" && ["hidden", "submit", "button"].contains(&kind) {
                    continue;
                }
                controls += 1;
                let named = in_label > 0
                    || t.attr("id").is_some_and(|id| labelled.contains(id))
                    || t.attr("aria-label").is_some_and(|l| !l.trim().is_empty())
                    || t.attr("aria-labelledby").is_some();
                if !named {
                    problems.push(format!(
                        "<{} name={:?}> has no label",
                        t.name,
                        t.attr("name").unwrap_or("")
                    ));
                }
            }
            _ => {}
        }
    }
    let _ = controls;
    // Tables say what they hold, and their header cells what they head.
    let mut in_table = false;
    for (i, t) in all.iter().enumerate() {
        match t.name.as_str() {
            "table" => {
                in_table = true;
                if all.get(i + 1).map(|n| n.name.as_str()) != Some("caption") {
                    problems.push(format!(
                        "<table id={:?}> without a caption first",
                        t.attr("id").unwrap_or("")
                    ));
                }
            }
            "/table" => in_table = false,
            "th" if in_table && !matches!(t.attr("scope"), Some("col" | "row")) => {
                problems.push("<th> without scope".into());
            }
            _ => {}
        }
    }
    problems
}

#[tokio::test]
async fn every_page_labels_its_controls_and_holds_together() {
    let (_dir, app) = app().await;
    let mut pages: Vec<(String, String)> = Vec::new();
    let (_, _, login) = send(&app, Request::get("/login").body(Body::empty()).unwrap()).await;
    pages.push(("login".into(), login));
    let newbie = sign_in(&app, "newbie", PASSWORD).await.unwrap();
    let chen = sign_in(&app, "chen", PASSWORD).await.unwrap();
    let admin = sign_in(&app, "admin", PASSWORD).await.unwrap();
    for (name, path, cookie) in [
        ("me (due)", "/me", &newbie),
        ("me (filed)", "/me", &chen),
        ("file (new)", "/file?year=2025&kind=annual", &newbie),
        ("report", "/reports/D2025-000001", &chen),
        ("password", "/password", &chen),
        ("forbidden", "/progress", &chen),
        ("progress", "/progress", &admin),
        ("reminders", "/reminders", &admin),
        ("admin", "/admin", &admin),
    ] {
        let (status, _, page) = send(&app, get(path, cookie)).await;
        assert!(
            status.is_success() || status == StatusCode::FORBIDDEN,
            "{name}: {status}"
        );
        pages.push((name.into(), page));
    }
    // The form with errors, and a long one (a correction holds every matter of a report) that
    // is ready to submit.
    let (_, _, page) = send(&app, get("/file?year=2025&kind=annual", &newbie)).await;
    let mut pairs = form_fields(&page, "report-form");
    set_field(&mut pairs, "action", "review");
    let (_, _, page) = send(
        &app,
        form_post("/file?year=2025&kind=annual", &newbie, urlencoded(&pairs)),
    )
    .await;
    assert!(page.contains("id=\"errors\""));
    pages.push(("file (errors)".into(), page));
    start_correction(&app, &chen, "D2025-000001").await;
    let (_, _, page) = send(&app, get("/file?correct=D2025-000001", &chen)).await;
    let mut pairs = form_fields(&page, "report-form");
    set_field(&mut pairs, "action", "review");
    let (status, _, page) = send(
        &app,
        form_post("/file?correct=D2025-000001", &chen, urlencoded(&pairs)),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "the correction as filed is ready");
    assert!(page.contains("id=\"commitment\""));
    pages.push(("file (review)".into(), page));
    let csrf = csrf_of(&app, &admin).await;
    let (_, _, page) = send(
        &app,
        form_post(
            "/reminders",
            &admin,
            format!("csrf={csrf}&cycle=2025&unit=&format=print"),
        ),
    )
    .await;
    pages.push(("reminders (print)".into(), page));

    let mut problems = Vec::new();
    let mut controls = 0;
    for (name, page) in &pages {
        controls += tags(page)
            .iter()
            .filter(|t| ["input", "select", "textarea"].contains(&t.name.as_str()))
            .count();
        for p in markup_problems(page) {
            problems.push(format!("{name}: {p}"));
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
    assert!(controls > 200, "the pages were read: {controls} controls");
    // The checker finds what it looks for.
    let broken = "<html><body><main><h1>x</h1><h3>y</h3><input name=a><table><tr><th>z</th></tr></table></main></body></html>";
    let found = markup_problems(broken);
    assert_eq!(found.len(), 5, "{found:?}");
}

// ---- Keyboard alone, and axe-core, in a real browser --------------------------------------------

const TAB: char = '\u{E004}';
const ENTER: char = '\u{E007}';
const SPACE: char = '\u{E00D}';

/// Presses keys on the keyboard, as a person would: into whatever has the focus.
async fn keys(client: &fantoccini::Client, text: &str) {
    use fantoccini::actions::{InputSource, KeyAction, KeyActions};
    let mut actions = KeyActions::new("keyboard".into());
    for c in text.chars() {
        actions = actions
            .then(KeyAction::Down { value: c })
            .then(KeyAction::Up { value: c });
    }
    client.perform_actions(actions).await.unwrap();
}

/// What has the focus, named so a test can read it, and whether it shows that it has it.
async fn focused(client: &fantoccini::Client) -> (String, bool) {
    let v = client
        .execute(
            "const e = document.activeElement; const s = getComputedStyle(e);
             const name = e.id ? '#' + e.id : e.tagName.toLowerCase() + '[' +
               (e.getAttribute('name') || '') + '=' + (e.value || e.getAttribute('href') || e.textContent.trim().slice(0, 30)) + ']';
             return [name, s.outlineStyle !== 'none' || s.boxShadow !== 'none'];",
            vec![],
        )
        .await
        .unwrap();
    (v[0].as_str().unwrap().to_owned(), v[1].as_bool().unwrap())
}

/// Every element a Tab should reach, in document order, named as [`focused`] names them.
async fn tab_stops(client: &fantoccini::Client) -> Vec<String> {
    let v = client
        .execute(
            "return Array.from(document.querySelectorAll(
               'a[href], button:not([disabled]), input:not([type=hidden]):not([disabled]), select, textarea, [tabindex]:not([tabindex=\"-1\"])'))
             .filter(e => e.getClientRects().length > 0)
             .map(e => e.id ? '#' + e.id : e.tagName.toLowerCase() + '[' +
               (e.getAttribute('name') || '') + '=' + (e.value || e.getAttribute('href') || e.textContent.trim().slice(0, 30)) + ']');",
            vec![],
        )
        .await
        .unwrap();
    serde_json::from_value(v).unwrap()
}

/// Tabs through the whole page from its top: every stop is reached, in document order, and
/// each shows its focus. Returns the stops.
async fn walk_by_tab(client: &fantoccini::Client, page: &str) -> Vec<String> {
    let expected = tab_stops(client).await;
    client
        .execute(
            "document.activeElement && document.activeElement.blur(); window.scrollTo(0, 0);",
            vec![],
        )
        .await
        .unwrap();
    let mut reached: Vec<String> = Vec::new();
    // A date field takes several Tabs (its year, month and day, its calendar button): the same
    // stop, reached again.
    for _ in 0..expected.len() * 5 {
        if reached.len() == expected.len() {
            break;
        }
        keys(client, &TAB.to_string()).await;
        let (name, visible) = focused(client).await;
        if reached.last() == Some(&name) {
            continue;
        }
        if !visible {
            let why = client
                .execute(
                    "const e = document.activeElement; const s = getComputedStyle(e);
                     return [e.matches(':focus'), e.matches(':focus-visible'), s.outlineStyle, s.boxShadow, e.type];",
                    vec![],
                )
                .await
                .unwrap();
            panic!("{page}: {name} has the focus but does not show it: {why}");
        }
        reached.push(name);
    }
    assert_eq!(reached, expected, "{page}: the Tab order is the document's");
    reached
}

/// Tabs forward until `target` has the focus.
async fn tab_to(client: &fantoccini::Client, target: &str) {
    for _ in 0..400 {
        keys(client, &TAB.to_string()).await;
        if focused(client).await.0 == target {
            return;
        }
    }
    panic!("{target} is not reachable by Tab");
}

/// axe-core's WCAG 2.1 A and AA checks on the page as it is: the violations, one a line.
async fn axe(client: &fantoccini::Client) -> Vec<String> {
    client
        .execute(include_str!("vendor/axe.min.js"), vec![])
        .await
        .unwrap();
    let found = client
        .execute_async(
            "const done = arguments[arguments.length - 1];
             axe.run(document, {runOnly: {type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']}})
               .then(r => done(r.violations.map(v => v.id + ': ' + v.help + ' at ' +
                  v.nodes.slice(0, 3).map(n => n.target.join(' ') + ' (' + (n.failureSummary || '') + ')').join('; '))))
               .catch(e => done(['axe did not run: ' + e]));",
            vec![],
        )
        .await
        .unwrap();
    serde_json::from_value(found).unwrap()
}

async fn served() -> (TestDb, Arc<App>, String) {
    let (dir, app) = app().await;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(probity_web::serve(Arc::clone(&app), listener));
    (dir, app, base)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_declarant_signs_in_and_finds_their_errors_by_keyboard_alone() {
    use fantoccini::Locator;
    let Some((_driver, client)) = browser().await else {
        return;
    };
    let (_dir, _app, base) = served().await;
    client.goto(&format!("{base}/login")).await.unwrap();
    let stops = walk_by_tab(&client, "login").await;
    assert_eq!(stops[0], "a[=#main]", "the skip link comes first");
    // Sign in: Tab to the name, type, Tab, type the password, Enter.
    client.goto(&format!("{base}/login")).await.unwrap();
    tab_to(&client, "#username").await;
    keys(&client, "newbie").await;
    keys(&client, &TAB.to_string()).await;
    assert_eq!(focused(&client).await.0, "#password");
    keys(&client, PASSWORD).await;
    leaving(&client, keys(&client, &ENTER.to_string())).await;
    wait_for(&client, Locator::Id("notice")).await;
    // Their own page reminds them; Enter on the link opens the form.
    walk_by_tab(&client, "me").await;
    client.goto(&format!("{base}/me")).await.unwrap();
    tab_to(&client, "#notice-file").await;
    leaving(&client, keys(&client, &ENTER.to_string())).await;
    wait_for(&client, Locator::Id("report-form")).await;
    // Every control of the form in order, each showing its focus.
    let stops = walk_by_tab(&client, "file").await;
    assert!(stops.len() > 40, "{stops:?}");
    // "Nothing to report" ticked with the space bar, then a check with Enter on the button.
    client.goto(&format!("{base}/file")).await.unwrap();
    tab_to(&client, "#nothing.trips").await;
    keys(&client, &SPACE.to_string()).await;
    let ticked = client
        .find(Locator::Id("nothing.trips"))
        .await
        .unwrap()
        .is_selected()
        .await
        .unwrap();
    assert!(ticked);
    tab_to(&client, "#review").await;
    leaving(&client, keys(&client, &ENTER.to_string())).await;
    wait_for(&client, Locator::Id("errors")).await;
    // The summary of errors has the focus; the next Tab is its first link; Enter on it takes
    // the focus to the field at fault.
    assert_eq!(focused(&client).await.0, "#errors");
    shot(&client, "keyboard-errors").await;
    keys(&client, &TAB.to_string()).await;
    let link = client.active_element().await.unwrap();
    let anchor = link.attr("href").await.unwrap().unwrap();
    keys(&client, &ENTER.to_string()).await;
    assert_eq!(focused(&client).await.0, anchor);
    // The draft kept the box ticked by keyboard.
    assert!(
        client
            .find(Locator::Id("nothing.trips"))
            .await
            .unwrap()
            .is_selected()
            .await
            .unwrap()
    );
    client.close().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_page_passes_axe_in_a_real_browser() {
    use fantoccini::Locator;
    let Some((_driver, client)) = browser().await else {
        return;
    };
    // With a verification run's cases, so that the workbench's pages are there too.
    let (_dir, app) = app_with_cases().await;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(probity_web::serve(Arc::clone(&app), listener));
    let sign_in = |user: &'static str| {
        let client = client.clone();
        let base = base.clone();
        async move {
            client.delete_all_cookies().await.unwrap();
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
            click_and_wait_for(&client, Locator::Id("sign-in"), Locator::Id("who")).await;
        }
    };
    // axe runs, and finds what it should: a control without a label.
    client.goto(&format!("{base}/login")).await.unwrap();
    client
        .execute(
            "document.querySelector('main').insertAdjacentHTML('beforeend', '<input id=\"probe\">');",
            vec![],
        )
        .await
        .unwrap();
    let found = axe(&client).await;
    assert!(
        found
            .iter()
            .any(|v| v.starts_with("label:") && v.contains("#probe")),
        "{found:?}"
    );
    let mut problems = Vec::new();
    let mut check = async |page: &str| {
        for v in axe(&client).await {
            problems.push(format!("{page}: {v}"));
        }
    };
    client.goto(&format!("{base}/login")).await.unwrap();
    check("login").await;
    sign_in("newbie").await;
    for path in ["/me", "/file", "/password"] {
        client.goto(&format!("{base}{path}")).await.unwrap();
        check(path).await;
    }
    client.goto(&format!("{base}/file")).await.unwrap();
    click_and_wait_for(&client, Locator::Id("review"), Locator::Id("errors")).await;
    check("/file with errors").await;
    sign_in("chen").await;
    for path in ["/me", "/reports/D2025-000001", "/progress"] {
        client.goto(&format!("{base}{path}")).await.unwrap();
        check(path).await;
    }
    client
        .goto(&format!("{base}/reports/D2025-000001"))
        .await
        .unwrap();
    shot(&client, "report-readable").await;
    client
        .goto(&format!("{base}/file?correct=D2025-000001"))
        .await
        .unwrap();
    check("/file (a correction not started)").await;
    client
        .find(Locator::Id("start-correction"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    // Only the correction's form names the report it corrects.
    client
        .wait()
        .for_element(Locator::Id("corrects"))
        .await
        .unwrap();
    check("/file (a correction, every matter)").await;
    shot(&client, "file-units").await;
    sign_in("ann").await;
    let case = case_of(&app, "D2025-000002").await;
    for path in ["/cases".to_owned(), format!("/cases/{}", case.id)] {
        client.goto(&format!("{base}{path}")).await.unwrap();
        check(&path).await;
    }
    sign_in("admin").await;
    for path in [
        "/progress",
        "/reminders",
        "/admin",
        "/key-checks",
        "/statistics",
        "/lang/en",
        "/progress",
    ] {
        client.goto(&format!("{base}{path}")).await.unwrap();
        check(path).await;
    }
    client.goto(&format!("{base}/reminders")).await.unwrap();
    click_and_wait_for(
        &client,
        Locator::Id("issue-print"),
        Locator::Css(".notice-sheet"),
    )
    .await;
    check("reminders (print)").await;
    shot(&client, "reminders-print").await;
    client.goto(&format!("{base}/reminders")).await.unwrap();
    shot(&client, "reminders").await;
    assert!(problems.is_empty(), "{}", problems.join("\n"));
    client.close().await.unwrap();
}

#[tokio::test]
async fn the_workbench_pages_hold_together_too() {
    let (_dir, app) = app_with_cases().await;
    let ann = sign_in(&app, "ann", PASSWORD).await.unwrap();
    let admin = sign_in(&app, "admin", PASSWORD).await.unwrap();
    let lin = sign_in(&app, "lin", PASSWORD).await.unwrap();
    let cases = app
        .store
        .cases(
            &probity_store::UnitScope::Department,
            &probity_store::CaseFilter::default(),
        )
        .await
        .unwrap();
    assert!(!cases.is_empty());
    let mut problems = Vec::new();
    let mut pages = vec![
        ("cases".to_owned(), "/cases".to_owned(), &ann),
        ("key checks".to_owned(), "/key-checks".to_owned(), &admin),
        ("statistics".to_owned(), "/statistics".to_owned(), &admin),
        ("me (a subject)".to_owned(), "/me".to_owned(), &lin),
    ];
    for c in &cases {
        pages.push((format!("case {}", c.id), format!("/cases/{}", c.id), &ann));
    }
    for (name, path, cookie) in pages {
        let (status, _, page) = send(&app, get(&path, cookie)).await;
        assert_eq!(status, StatusCode::OK, "{name}");
        for p in markup_problems(&page) {
            problems.push(format!("{name}: {p}"));
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn auditors_verify_the_trail_and_read_no_contents() {
    let (_dir, app) = app_with_cases().await;
    let s = Stamp::new("2026-02-10T08:00:00Z", "test");
    let hash = probity_app::passwords::hash_password(PASSWORD).unwrap();
    app.store
        .create_user(
            &s,
            &User {
                username: "audrey".into(),
                role: Role::Auditor,
                person_key: None,
                password_hash: hash,
                disabled: false,
            },
        )
        .await
        .unwrap();
    let audrey = sign_in(&app, "audrey", PASSWORD).await.unwrap();
    // The trail, verified, with the head to publish; no report, case or progress.
    let (status, _, page) = send(&app, get("/audit", &audrey)).await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        page.contains("id=\"audit-result\" role=\"status\""),
        "{page}"
    );
    let head = app.store.checkpoint().await.unwrap().to_string();
    assert!(page.contains(&head));
    assert!(page.contains("case.open"), "the latest events are listed");
    assert_eq!(markup_problems(&page), Vec::<String>::new());
    for path in [
        "/reports/D2025-000001",
        "/progress",
        "/progress.csv",
        "/cases",
        "/api/reports/D2025-000001",
    ] {
        assert_eq!(
            send(&app, get(path, &audrey)).await.0,
            StatusCode::FORBIDDEN,
            "{path}"
        );
    }
    let (status, _, _) = send(
        &app,
        Request::get("/")
            .header("cookie", &audrey)
            .body(Body::empty())
            .unwrap(),
    )
    .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    // Staff may not see the trail page.
    let admin = sign_in(&app, "admin", PASSWORD).await.unwrap();
    assert_eq!(
        send(&app, get("/audit", &admin)).await.0,
        StatusCode::FORBIDDEN
    );
    // A checkpoint published earlier holds; a malformed one is refused.
    let query = |c: &str| format!("/audit?checkpoint={}", c.replace(':', "%3A"));
    let (status, _, page) = send(&app, get(&query(&head), &audrey)).await;
    assert_eq!(status, StatusCode::OK);
    assert!(page.contains("role=\"status\""), "{page}");
    assert_eq!(
        send(&app, get(&query("not-a-checkpoint"), &audrey)).await.0,
        StatusCode::BAD_REQUEST
    );
    // A record changed behind the store's back is named.
    let mut conn = app.store.connection().await.unwrap();
    sqlx::query("UPDATE cases SET status = 'decided'")
        .execute(&mut *conn)
        .await
        .unwrap();
    drop(conn);
    let (_, _, page) = send(&app, get("/audit", &audrey)).await;
    assert!(page.contains("role=\"alert\""), "{page}");
    assert!(page.contains("cases"), "{page}");
}
