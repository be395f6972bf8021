//! Rights, route by route: every route the router serves ([`probity_web::ROUTES`]) is asked by
//! every kind of caller and the answer compared with the table below, which states the intended
//! rights. A route added without a row fails the test. Every state-changing route refuses a
//! missing or foreign CSRF token, and every API route is in the OpenAPI document with each status
//! it answered here.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

use axum::body::Body;
use axum::http::{Request, StatusCode};
use probity_store::{Role, Stamp, User};
use probity_web::App;

use super::{Db, PASSWORD, case_of, send, sign_in};

/// Who asks.
const CALLERS: [&str; 8] = [
    "anonymous",
    "owner",         // lin: the declarant whose report, case and explanation these are
    "other",         // chen: another declarant
    "admin",         // an administrator of the whole department
    "admin-unit",    // an administrator of another unit than the owner's
    "verifier",      // a verifier of the whole department
    "verifier-unit", // a verifier of another unit than the owner's
    "auditor",
];

/// What a caller gets: `A` the handler runs (any answer but 401, 403 or the sign-in page),
/// `D` refused (403), `S` sent to sign in (the sign-in page, or 401 from the API).
/// One letter per caller, in the order of [`CALLERS`].
const RIGHTS: &[(&str, &str, &str)] = &[
    ("GET", "/", "SAAAAAAA"),
    ("GET", "/login", "AAAAAAAA"),
    ("POST", "/login", "AAAAAAAA"),
    // Without a sign-in waiting for its code (the tests of the second factor walk it).
    ("GET", "/login/code", "SSSSSSSS"),
    ("POST", "/login/code", "DDDDDDDD"),
    ("POST", "/logout", "SAAAAAAA"),
    ("GET", "/password", "SAAAAAAA"),
    ("POST", "/password", "SAAAAAAA"),
    ("GET", "/lang/{code}", "AAAAAAAA"),
    ("GET", "/me", "SAADDDDD"),
    ("GET", "/file", "SAADDDDD"),
    ("POST", "/file", "SAADDDDD"),
    ("POST", "/file/correct", "SAADDDDD"),
    ("POST", "/file/start-from-last", "SAADDDDD"),
    ("GET", "/reports/{id}", "SADADADD"),
    ("GET", "/progress", "SDDAAAAD"),
    ("GET", "/progress.csv", "SDDAAAAD"),
    ("GET", "/reminders", "SDDAAAAD"),
    ("POST", "/reminders", "SDDAAAAD"),
    ("GET", "/statistics", "SDDAAAAD"),
    ("GET", "/statistics.csv", "SDDAAAAD"),
    ("GET", "/admin", "SDDAADDD"),
    ("POST", "/admin/roster", "SDDAADDD"),
    ("POST", "/admin/cycle", "SDDADDDD"),
    ("POST", "/admin/cycles/close", "SDDADDDD"),
    ("POST", "/admin/registry", "SDDADDDD"),
    ("POST", "/admin/verify", "SDDADDDD"),
    ("POST", "/admin/accounts", "SDDAADDD"),
    ("POST", "/admin/accounts/reset", "SDDAADDD"),
    ("POST", "/admin/accounts/unlock", "SDDAADDD"),
    ("POST", "/admin/sample/draw", "SDDADDDD"),
    ("POST", "/admin/sample/reveal", "SDDADDDD"),
    ("GET", "/cases", "SDDDDAAD"),
    ("GET", "/cases/{id}", "SDDDDADD"),
    ("POST", "/cases/{id}/explanation", "SDDDDADD"),
    ("POST", "/cases/{id}/determinations", "SDDDDADD"),
    (
        "POST",
        "/cases/{id}/determinations/{determination}/confirm",
        "SDDDDADD",
    ),
    ("POST", "/explanations/{id}", "SADDDDDD"),
    ("GET", "/key-checks", "SDDAAAAD"),
    ("GET", "/audit", "SDDDDDDA"),
    ("GET", "/healthz", "AAAAAAAA"),
    ("GET", "/readyz", "AAAAAAAA"),
    // For a scraper with the configured token only (tests/service); none is configured here.
    ("GET", "/metrics", "DDDDDDDD"),
    ("GET", "/static/probity.css", "AAAAAAAA"),
    ("GET", "/static/file.js", "AAAAAAAA"),
    ("GET", "/static/admin.js", "AAAAAAAA"),
    ("GET", "/static/case.js", "AAAAAAAA"),
    ("GET", "/static/print.js", "AAAAAAAA"),
    ("GET", "/api/openapi.json", "AAAAAAAA"),
    ("GET", "/api/session", "SAAAAAAA"),
    ("GET", "/api/reports", "SAADDDDD"),
    ("POST", "/api/reports", "SAADDDDD"),
    ("GET", "/api/reports/{id}", "SADADADD"),
    ("GET", "/api/drafts/{year}/{kind}", "SAADDDDD"),
    ("PUT", "/api/drafts/{year}/{kind}", "SAADDDDD"),
    ("GET", "/api/progress", "SDDAAAAD"),
    ("GET", "/api/cases", "SDDDDAAD"),
    ("GET", "/api/cases/{id}", "SDDDDADD"),
    ("POST", "/api/cases/{id}/explanations", "SDDDDADD"),
    ("POST", "/api/cases/{id}/determinations", "SDDDDADD"),
    (
        "POST",
        "/api/cases/{id}/determinations/{determination}/confirm",
        "SDDDDADD",
    ),
    ("GET", "/api/explanations", "SAADDDDD"),
    ("POST", "/api/explanations/{id}", "SADDDDDD"),
    ("GET", "/api/key-checks", "SDDAAAAD"),
];

/// Which CSRF token a request carries.
#[derive(Clone, Copy, Debug)]
enum Token<'a> {
    /// The caller's own (for the sign-in form, its cookie's).
    Own,
    /// None.
    Missing,
    /// Another session's.
    Foreign(&'a str),
}

/// A caller's session: its cookie and CSRF token (none for the anonymous).
#[derive(Clone, Default)]
struct Session {
    cookie: String,
    csrf: String,
}

/// The example with cases, an explanation request to the owner, and every kind of caller.
struct World {
    _db: super::TestDb,
    app: Arc<App>,
    case: i64,
    explanation: i64,
    sessions: BTreeMap<&'static str, Session>,
}

const USERNAMES: [(&str, &str); 8] = [
    ("anonymous", ""),
    ("owner", "lin"),
    ("other", "chen"),
    ("admin", "admin"),
    ("admin-unit", "fz-admin"),
    ("verifier", "ann"),
    ("verifier-unit", "fz-verifier"),
    ("auditor", "audrey"),
];

/// The unit the unit-limited staff manage: chen's, not lin's.
const OTHER_UNIT: &str = "福州市工商业联合会";

async fn world() -> World {
    world_on(Db::Sqlite).await.unwrap()
}

/// [`world`] on a database (`None`: PostgreSQL skipped, see `tests/db`).
async fn world_on(db: Db) -> Option<World> {
    let (dir, app) = super::app_with_cases_on(db).await?;
    let s = Stamp::new("2026-02-11T08:00:00Z", "test");
    let hash = probity_app::passwords::hash_password(PASSWORD).unwrap();
    for (username, role) in [
        ("fz-admin", Role::Administrator),
        ("fz-verifier", Role::Verifier),
        ("audrey", Role::Auditor),
    ] {
        let user = User {
            username: username.into(),
            role,
            person_key: None,
            password_hash: hash.clone(),
            disabled: false,
        };
        app.store.create_user(&s, &user).await.unwrap();
    }
    for username in ["fz-admin", "fz-verifier"] {
        app.store
            .set_user_units(&s, username, &[OTHER_UNIT.to_owned()])
            .await
            .unwrap();
    }
    let case = case_of(&app, "D2025-000002").await;
    assert_ne!(case.unit, OTHER_UNIT);
    let profile = probity_model::Profile::builtin("cn").unwrap();
    let explanation = app
        .store
        .request_explanation(&s, &profile, case.id, "Why?", None)
        .await
        .unwrap();
    let mut world = World {
        _db: dir,
        app,
        case: case.id,
        explanation,
        sessions: BTreeMap::new(),
    };
    for (caller, _) in USERNAMES {
        world.sign_in(caller).await;
    }
    Some(world)
}

impl World {
    async fn sign_in(&mut self, caller: &'static str) {
        let username = USERNAMES.iter().find(|(c, _)| *c == caller).unwrap().1;
        if username.is_empty() {
            self.sessions.insert(caller, Session::default());
            return;
        }
        let cookie = sign_in(&self.app, username, PASSWORD).await.unwrap();
        let (status, _, body) = send(
            &self.app,
            Request::get("/api/session")
                .header("cookie", &cookie)
                .body(Body::empty())
                .unwrap(),
        )
        .await;
        assert_eq!(status, StatusCode::OK, "{caller}: {body}");
        let v: serde_json::Value = serde_json::from_str(&body).unwrap();
        let csrf = v["csrf"].as_str().unwrap().to_owned();
        self.sessions.insert(caller, Session { cookie, csrf });
    }

    /// The route's path with its parameters filled in with the owner's things.
    fn path(&self, pattern: &str) -> String {
        let id = if pattern.starts_with("/cases/") || pattern.starts_with("/api/cases/") {
            self.case.to_string()
        } else if pattern.contains("explanations/") {
            self.explanation.to_string()
        } else {
            "D2025-000002".to_owned()
        };
        pattern
            .replace("{id}", &id)
            .replace("{determination}", "1")
            .replace("{code}", "en")
            .replace("{year}", "2025")
            .replace("{kind}", "annual")
    }

    /// The request of `caller` on a route, with an empty form (or `{}` for the API) and the
    /// CSRF token `token`.
    async fn request(
        &self,
        caller: &str,
        method: &str,
        pattern: &str,
        token: Token<'_>,
    ) -> Request<Body> {
        let session = &self.sessions[caller];
        let api = pattern.starts_with("/api/");
        let mut r = Request::builder().method(method).uri(self.path(pattern));
        let mut cookies = vec![session.cookie.clone()];
        if method != "GET" {
            let mut own = session.csrf.clone();
            if pattern == "/login" {
                // The sign-in form carries its own cookie's token.
                let (_, set, page) = send(
                    &self.app,
                    Request::get("/login").body(Body::empty()).unwrap(),
                )
                .await;
                cookies.push(
                    set.iter()
                        .find(|c| c.starts_with("probity_login="))
                        .unwrap()
                        .clone(),
                );
                own = page
                    .split("name=\"csrf\" value=\"")
                    .nth(1)
                    .unwrap()
                    .split('"')
                    .next()
                    .unwrap()
                    .to_owned();
            }
            match token {
                Token::Own => r = r.header("x-csrf-token", own),
                Token::Foreign(t) => r = r.header("x-csrf-token", t),
                Token::Missing => {}
            }
            r = r.header(
                "content-type",
                if api {
                    "application/json"
                } else {
                    "application/x-www-form-urlencoded"
                },
            );
        }
        let cookies: Vec<String> = cookies.into_iter().filter(|c| !c.is_empty()).collect();
        if !cookies.is_empty() {
            r = r.header("cookie", cookies.join("; "));
        }
        let body = if method == "GET" {
            Body::empty()
        } else if api {
            Body::from("{}")
        } else {
            Body::empty()
        };
        r.body(body).unwrap()
    }
}

/// The class of an answer: `A`, `D` or `S` (see [`RIGHTS`]). Signing out ends the session
/// (its cookie cleared) and then leads to the sign-in page: that is the handler running.
fn class(status: StatusCode, location: Option<&str>, ends_session: bool) -> char {
    match status {
        s if s.is_redirection() && ends_session => 'A',
        StatusCode::UNAUTHORIZED => 'S',
        StatusCode::FORBIDDEN => 'D',
        s if s.is_redirection() && location == Some("/login") => 'S',
        _ => 'A',
    }
}

async fn answer(app: &Arc<App>, request: Request<Body>) -> (StatusCode, Option<String>, bool) {
    use tower::ServiceExt;
    let response = probity_web::router(Arc::clone(app))
        .oneshot(request)
        .await
        .unwrap();
    let location = response
        .headers()
        .get("location")
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    let ends_session = response
        .headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .any(|c| c.starts_with("probity_session=;") || c.contains("session=; "));
    (response.status(), location, ends_session)
}

on_both!(
    every_route_answers_every_caller_as_the_rights_table_says,
    the_rights_table_holds_on_sqlite,
    the_rights_table_holds_on_postgresql
);

async fn every_route_answers_every_caller_as_the_rights_table_says(db: Db) {
    let served: BTreeSet<(&str, &str)> =
        probity_web::ROUTES.iter().map(|(m, p)| (*m, *p)).collect();
    let stated: BTreeSet<(String, &str)> = RIGHTS
        .iter()
        .map(|(m, p, _)| (m.to_ascii_lowercase(), *p))
        .collect();
    for (method, path) in &served {
        assert!(
            stated.contains(&(method.to_string(), *path)),
            "{} {path} is served but has no row in the rights table",
            method.to_ascii_uppercase()
        );
    }
    assert_eq!(
        served.len(),
        RIGHTS.len(),
        "a row of the table is served by no route"
    );

    let Some(mut world) = world_on(db).await else {
        return;
    };
    let mut wrong = Vec::new();
    let mut api_statuses: BTreeMap<(String, String), BTreeSet<u16>> = BTreeMap::new();
    for (method, pattern, expected) in RIGHTS {
        for (caller, want) in CALLERS.iter().zip(expected.chars()) {
            let request = world.request(caller, method, pattern, Token::Own).await;
            let (status, location, ends_session) = answer(&world.app, request).await;
            assert!(
                !status.is_server_error(),
                "{method} {pattern} as {caller}: {status}"
            );
            let got = class(status, location.as_deref(), ends_session);
            if got != want {
                wrong.push(format!(
                    "{method} {pattern} as {caller}: expected {want}, got {got} ({status})"
                ));
            }
            if pattern.starts_with("/api/") {
                api_statuses
                    .entry((method.to_ascii_lowercase(), pattern.to_string()))
                    .or_default()
                    .insert(status.as_u16());
            }
            if *pattern == "/logout" && got == 'A' {
                world.sign_in(caller).await;
            }
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));

    // Bad bodies on the API's writes, as a caller they admit: not JSON, and not sent as JSON.
    for (method, pattern, expected) in RIGHTS
        .iter()
        .filter(|(m, p, _)| *m != "GET" && p.starts_with("/api/"))
    {
        let Some((caller, _)) = CALLERS
            .iter()
            .zip(expected.chars())
            .find(|(c, want)| *want == 'A' && **c != "anonymous")
        else {
            continue;
        };
        for (content_type, body) in [(Some("application/json"), "{"), (None, "{}")] {
            let session = &world.sessions[caller];
            let mut r = Request::builder()
                .method(*method)
                .uri(world.path(pattern))
                .header("cookie", &session.cookie)
                .header("x-csrf-token", &session.csrf);
            if let Some(ct) = content_type {
                r = r.header("content-type", ct);
            }
            let (status, _, _) = answer(&world.app, r.body(Body::from(body)).unwrap()).await;
            assert!(!status.is_server_error(), "{method} {pattern}: {status}");
            api_statuses
                .entry((method.to_ascii_lowercase(), pattern.to_string()))
                .or_default()
                .insert(status.as_u16());
        }
    }

    // Every API route is documented, with every status it answered above.
    let doc = serde_json::to_value(probity_web::api::openapi()).unwrap();
    let mut undocumented = Vec::new();
    for ((method, path), statuses) in &api_statuses {
        if path == "/api/openapi.json" {
            continue;
        }
        let Some(op) = doc["paths"][path].get(method) else {
            undocumented.push(format!("{method} {path}: not in the OpenAPI document"));
            continue;
        };
        for status in statuses {
            if op["responses"].get(status.to_string()).is_none() {
                undocumented.push(format!("{method} {path}: {status} not documented"));
            }
        }
    }
    assert!(undocumented.is_empty(), "{}", undocumented.join("\n"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_state_changing_route_refuses_a_missing_or_foreign_token() {
    let world = world().await;
    let mut accepted = Vec::new();
    for (method, pattern, expected) in RIGHTS.iter().filter(|(m, _, _)| *m != "GET") {
        // A caller the route admits, who is signed in (the sign-in form: the anonymous).
        let Some((caller, _)) = CALLERS
            .iter()
            .zip(expected.chars())
            .find(|(c, want)| *want == 'A' && (**c != "anonymous" || *pattern == "/login"))
        else {
            continue;
        };
        let foreign = world.sessions[if *caller == "owner" { "other" } else { "owner" }]
            .csrf
            .clone();
        for token in [Token::Missing, Token::Foreign(&foreign)] {
            let request = world.request(caller, method, pattern, token).await;
            let (status, _, _) = answer(&world.app, request).await;
            if status != StatusCode::FORBIDDEN {
                accepted.push(format!(
                    "{method} {pattern} as {caller} with token {token:?}: {status}"
                ));
            }
        }
    }
    assert!(accepted.is_empty(), "{}", accepted.join("\n"));
}

/// The roster of the example as the store holds it now: (unit, on the roster) by subject.
async fn roster_units(app: &Arc<App>) -> BTreeMap<String, usize> {
    let progress = app
        .store
        .progress(
            &probity_store::UnitScope::Department,
            &probity_model::Profile::builtin("cn").unwrap(),
            2025,
            "2026-02-11",
        )
        .await
        .unwrap()
        .unwrap();
    let mut units = BTreeMap::new();
    for row in progress.rows {
        *units.entry(row.unit).or_default() += 1;
    }
    units
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_administrator_of_one_unit_acts_on_that_unit_only() {
    let world = world().await;
    let app = &world.app;
    let admin = &world.sessions["admin-unit"];

    // Accounts for another unit: refused, and none created.
    let (status, _, _) = send(
        app,
        super::form_post(
            "/admin/accounts",
            &admin.cookie,
            format!(
                "csrf={}&unit=%E5%8E%A6%E9%97%A8%E5%B8%82%E5%85%AC%E5%AE%89%E5%B1%80",
                admin.csrf
            ),
        ),
    )
    .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    // Accounts for every unit: only those of the unit managed.
    let (status, _, csv) = send(
        app,
        super::form_post(
            "/admin/accounts",
            &admin.cookie,
            format!("csrf={}", admin.csrf),
        ),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{csv}");
    let units: BTreeSet<&str> = csv
        .lines()
        .skip(1)
        .filter_map(|l| l.split(',').nth(2))
        .collect();
    assert!(units.iter().all(|u| *u == OTHER_UNIT), "{csv}");

    // A roster with a line of another unit: refused, naming the line; nothing changes.
    let before = roster_units(app).await;
    let full = std::fs::read(super::fixtures().join("roster.csv")).unwrap();
    let (status, _, page) = send(
        app,
        super::multipart(
            "/admin/roster",
            &admin.cookie,
            &admin.csrf,
            &[("roster.csv", full.clone())],
            "file",
        ),
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{page}");
    // Named in the reader's language, with every line of another unit.
    let others: Vec<String> = String::from_utf8_lossy(&full)
        .lines()
        .enumerate()
        .skip(1)
        .filter(|(_, l)| !l.contains(OTHER_UNIT))
        .map(|(i, _)| (i + 1).to_string())
        .collect();
    assert!(!others.is_empty());
    assert!(page.contains("roster.csv"), "{page}");
    assert!(page.contains(&others.join(", ")), "{others:?} in {page}");
    assert_eq!(roster_units(app).await, before);

    // The unit's own lines only (with 林新, whom the test app adds to it, so that none of its
    // subjects is taken off: that would need confirming): the other units keep every subject.
    let text = String::from_utf8(full).unwrap();
    let mut own: String = text
        .lines()
        .enumerate()
        .filter(|(i, l)| *i == 0 || l.contains(OTHER_UNIT))
        .map(|(_, l)| format!("{l}\r\n"))
        .collect();
    own.push_str(&format!(
        "{},林新,福州市工商业联合会,办公室主任,division,other,2025-03-01,active,\r\n",
        super::NEWBIE
    ));
    let (status, _, page) = send(
        app,
        super::multipart(
            "/admin/roster",
            &admin.cookie,
            &admin.csrf,
            &[("roster-fz.csv", own.into_bytes())],
            "file",
        ),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{page}");
    let after = roster_units(app).await;
    for (unit, count) in &before {
        if unit != OTHER_UNIT {
            assert_eq!(after.get(unit), Some(count), "{unit} lost subjects");
        }
    }

    // What concerns every unit is refused to it.
    for path in [
        "/admin/cycle",
        "/admin/verify",
        "/admin/sample/draw",
        "/admin/cycles/close",
    ] {
        let (status, _, _) = send(
            app,
            super::form_post(
                path,
                &admin.cookie,
                format!("csrf={}&year=2025", admin.csrf),
            ),
        )
        .await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{path}");
    }
    assert!(app.store.verify_audit(None).await.unwrap().is_ok());
}
