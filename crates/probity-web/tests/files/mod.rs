//! Exports and files (issue 12, items 6 and 7): every CSV the web answers neutralises cells a
//! spreadsheet would run as a formula; a roster upload that would take many subjects off needs
//! its confirmation box, and the previous file put back restores the roster; no inline script
//! anywhere, HSTS and `__Host-` cookies behind TLS.

use std::sync::Arc;

use axum::body::Body;
use axum::http::{Request, StatusCode};
use probity_store::{Keyring, Stamp, Store};
use probity_web::App;
use probity_web::i18n::Lang;
use tower::ServiceExt;

use super::{PASSWORD, app, csrf_of, fixtures, form_post, get, send, send_json, sign_in};

/// A person whose name, unit and position each begin like a formula.
const FORMULA_LINE: &str = "110101198001010010,=HYPERLINK(\"http://evil.example/\"),+单位,@主任,division,other,2025-03-01,active,\n";

/// The roster the test app starts from (the fixture and 林新), with `extra` lines.
fn roster_with(extra: &str) -> String {
    let mut roster = std::fs::read_to_string(fixtures().join("roster.csv")).unwrap();
    roster.push_str(&format!(
        "{},林新,福州市工商业联合会,办公室主任,division,other,2025-03-01,active,\r\n",
        super::NEWBIE
    ));
    roster.push_str(extra);
    roster
}

/// A cell of a CSV line as written, up to the next comma outside quotes.
fn cells(csv: &str) -> Vec<String> {
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .from_reader(csv.as_bytes());
    reader
        .records()
        .flat_map(|r| r.unwrap().iter().map(str::to_owned).collect::<Vec<_>>())
        .collect()
}

fn assert_neutralised(what: &str, csv: &str) {
    let cells = cells(csv);
    for bad in ["=HYPERLINK(\"http://evil.example/\")", "+单位", "@主任"] {
        assert!(
            !cells.iter().any(|c| c == bad),
            "{what}: {bad:?} written as is:\n{csv}"
        );
    }
    for cell in &cells {
        assert!(
            !cell.starts_with(['=', '+', '@', '\t', '\r'])
                && (!cell.starts_with('-') || cell[1..].parse::<f64>().is_ok()),
            "{what}: {cell:?} begins like a formula:\n{csv}"
        );
    }
    assert!(
        cells.iter().any(|c| c == "'+单位"),
        "{what}: the unit is kept, behind a quote:\n{csv}"
    );
}

#[tokio::test]
async fn every_csv_export_neutralises_formula_cells() {
    let (_dir, app) = app().await;
    let s = Stamp::new("2026-01-11T08:00:00Z", "test");
    app.store
        .import_roster(&s, "roster.csv", roster_with(FORMULA_LINE).as_bytes())
        .await
        .unwrap();
    let admin = sign_in(&app, "admin", PASSWORD).await.unwrap();
    let csrf = csrf_of(&app, &admin).await;

    let (status, _, progress) = send(&app, get("/progress.csv?cycle=2025", &admin)).await;
    assert_eq!(status, StatusCode::OK, "{progress}");
    assert_neutralised("progress", &progress);
    assert!(progress.contains("'=HYPERLINK"), "{progress}");

    let (status, _, statistics) = send(&app, get("/statistics.csv?cycle=2025", &admin)).await;
    assert_eq!(status, StatusCode::OK, "{statistics}");
    assert_neutralised("statistics", &statistics);

    let (status, _, reminders) = send(
        &app,
        form_post(
            "/reminders",
            &admin,
            format!("csrf={csrf}&cycle=2025&unit=&format=csv"),
        ),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{reminders}");
    assert_neutralised("reminders", &reminders);
    assert!(reminders.contains("'@主任"), "{reminders}");

    let (status, _, accounts) = send(
        &app,
        form_post("/admin/accounts", &admin, format!("csrf={csrf}&unit=")),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{accounts}");
    assert_neutralised("accounts", &accounts);
}

/// A multipart roster upload, with the confirmation box ticked or not.
fn roster_upload(cookie: &str, csrf: &str, roster: &str, allow_removals: bool) -> Request<Body> {
    let boundary = "probity-files-boundary";
    let mut body =
        format!("--{boundary}\r\nContent-Disposition: form-data; name=\"csrf\"\r\n\r\n{csrf}\r\n");
    if allow_removals {
        body.push_str(&format!(
            "--{boundary}\r\nContent-Disposition: form-data; name=\"allow_removals\"\r\n\r\nyes\r\n"
        ));
    }
    body.push_str(&format!(
        "--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"roster.csv\"\r\nContent-Type: text/csv\r\n\r\n{roster}\r\n--{boundary}--\r\n"
    ));
    Request::post("/admin/roster")
        .header("cookie", cookie)
        .header(
            "content-type",
            format!("multipart/form-data; boundary={boundary}"),
        )
        .body(Body::from(body))
        .unwrap()
}

async fn on_roster(app: &Arc<App>) -> i64 {
    let mut conn = app.store.connection().await.unwrap();
    sqlx::Row::get(
        &sqlx::query("SELECT COUNT(*) FROM subjects WHERE on_roster = 1")
            .fetch_one(&mut *conn)
            .await
            .unwrap(),
        0,
    )
}

#[tokio::test]
async fn a_roster_upload_that_empties_units_needs_its_confirmation() {
    let (_dir, app) = app().await;
    let admin = sign_in(&app, "admin", PASSWORD).await.unwrap();
    let csrf = csrf_of(&app, &admin).await;
    let full = roster_with("");
    let header = full.lines().next().unwrap().to_owned() + "\n";
    assert_eq!(on_roster(&app).await, 6);

    // The form offers the box.
    let (_, _, page) = send(&app, get("/admin", &admin)).await;
    assert!(page.contains("name=\"allow_removals\""), "{page}");

    // Header only, not confirmed: refused, naming the units and counts; nothing changes.
    let (status, _, page) = send(&app, roster_upload(&admin, &csrf, &header, false)).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{page}");
    assert!(
        page.contains("福州市工商业联合会 2 名报告对象中的 2 名"),
        "{page}"
    );
    assert_eq!(on_roster(&app).await, 6);

    // Confirmed: everyone is taken off.
    let (status, _, page) = send(&app, roster_upload(&admin, &csrf, &header, true)).await;
    assert_eq!(status, StatusCode::OK, "{page}");
    assert!(page.contains("移出 6"), "{page}");
    assert_eq!(on_roster(&app).await, 0);

    // The previous file again restores the roster: compared with the state, not the hash.
    let (status, _, page) = send(&app, roster_upload(&admin, &csrf, &full, false)).await;
    assert_eq!(status, StatusCode::OK, "{page}");
    assert!(page.contains("变更 6"), "{page}");
    assert_eq!(on_roster(&app).await, 6);
    // Once more: the roster is as the file has it.
    let (_, _, page) = send(&app, roster_upload(&admin, &csrf, &full, false)).await;
    assert!(page.contains("名单已与此文件一致"), "{page}");
}

/// Every template: no inline `<script>` (only `src=`) and no inline event handler, which the
/// Content-Security-Policy would block.
#[test]
fn templates_hold_no_inline_script() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("templates");
    let mut stack = vec![root];
    let mut seen = 0;
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                stack.push(path);
                continue;
            }
            seen += 1;
            let text = std::fs::read_to_string(&path).unwrap();
            for (i, _) in text.match_indices("<script") {
                let tag = &text[i..text[i..].find('>').map_or(text.len(), |e| i + e)];
                assert!(tag.contains(" src="), "{}: inline {tag}", path.display());
            }
            let lower = text.to_ascii_lowercase();
            for handler in ["onclick=", "onchange=", "onsubmit=", "onload=", "oninput="] {
                assert!(
                    !lower.contains(handler),
                    "{}: inline {handler}",
                    path.display()
                );
            }
        }
    }
    assert!(seen > 10);
}

/// The raw answer to a request: status and headers (every `Set-Cookie` whole).
async fn answer(app: &Arc<App>, request: Request<Body>) -> axum::http::Response<Body> {
    probity_web::router(Arc::clone(app))
        .oneshot(request)
        .await
        .unwrap()
}

async fn bare_app(dir: &std::path::Path, tls: bool) -> Arc<App> {
    let keys = Keyring::create(&dir.join(format!("keys-{tls}"))).unwrap();
    let url = format!("sqlite://{}", dir.join(format!("p-{tls}.db")).display());
    let store = Store::open(&url, keys).await.unwrap();
    Arc::new(App::new(store, tls, Lang::En))
}

#[tokio::test]
async fn behind_tls_hsts_and_host_cookies_and_never_inline_script() {
    let dir = tempfile::tempdir().unwrap();
    for tls in [false, true] {
        let app = bare_app(dir.path(), tls).await;
        let r = answer(&app, Request::get("/login").body(Body::empty()).unwrap()).await;
        let h = r.headers();
        let csp = h["content-security-policy"].to_str().unwrap();
        assert!(!csp.contains("unsafe-inline"), "{csp}");
        assert!(csp.contains("script-src 'self'"), "{csp}");
        assert_eq!(h.contains_key("strict-transport-security"), tls);
        let cookie = h["set-cookie"].to_str().unwrap();
        if tls {
            assert!(
                h["strict-transport-security"]
                    .to_str()
                    .unwrap()
                    .starts_with("max-age="),
            );
            assert!(cookie.starts_with("__Host-probity_login="), "{cookie}");
            assert!(cookie.contains("; Secure") && cookie.contains("Path=/"));
            assert!(!cookie.contains("Domain"));
        } else {
            assert!(cookie.starts_with("probity_login="), "{cookie}");
        }
        // The language switch sets its cookie under the same rule.
        let r = answer(&app, Request::get("/lang/zh").body(Body::empty()).unwrap()).await;
        let cookie = r.headers()["set-cookie"].to_str().unwrap();
        assert_eq!(cookie.starts_with("__Host-lang=zh"), tls, "{cookie}");
        // Behind TLS a plain-named cookie (as a sibling host could set) is not read.
        let page = |cookie: &'static str| {
            let app = Arc::clone(&app);
            async move {
                let r = answer(
                    &app,
                    Request::get("/login")
                        .header("cookie", cookie)
                        .body(Body::empty())
                        .unwrap(),
                )
                .await;
                let body = axum::body::to_bytes(r.into_body(), 1 << 20).await.unwrap();
                String::from_utf8_lossy(&body).into_owned()
            }
        };
        let plain = page("lang=zh").await;
        assert_eq!(
            plain.contains("<html lang=\"zh-CN\">"),
            !tls,
            "{tls}: {plain}"
        );
        let host = page("__Host-lang=zh").await;
        assert_eq!(host.contains("<html lang=\"zh-CN\">"), tls, "{tls}: {host}");
    }
    // The pages' scripts are served as files.
    let other = tempfile::tempdir().unwrap();
    let app = bare_app(other.path(), false).await;
    for script in ["admin.js", "case.js", "print.js", "file.js"] {
        let r = answer(
            &app,
            Request::get(format!("/static/{script}"))
                .body(Body::empty())
                .unwrap(),
        )
        .await;
        assert_eq!(r.status(), StatusCode::OK, "{script}");
        assert!(
            r.headers()["content-type"]
                .to_str()
                .unwrap()
                .starts_with("text/javascript")
        );
    }
    let r = answer(
        &app,
        Request::get("/static/nothing.js")
            .body(Body::empty())
            .unwrap(),
    )
    .await;
    assert_eq!(r.status(), StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn the_api_refuses_repeated_keys_and_drafts_for_years_not_due() {
    let (_dir, app) = app().await;
    let newbie = sign_in(&app, "newbie", PASSWORD).await.unwrap();
    let csrf = csrf_of(&app, &newbie).await;
    // A report with `year` twice: refused before anything else, naming the key.
    let (status, _, body) = send(
        &app,
        send_json(
            "POST",
            "/api/reports",
            &newbie,
            &csrf,
            "{\"year\": 2025, \"kind\": \"annual\", \"year\": 2024}".into(),
        ),
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    let answer: serde_json::Value = serde_json::from_str(&body).unwrap();
    let issue = &answer["issues"][0];
    assert_eq!(issue["code"], "duplicate-key", "{body}");
    assert_eq!(issue["path"], "$");
    assert_eq!(issue["args"]["key"], "year");
    assert!(
        issue["message"].as_str().unwrap().contains("year"),
        "{body}"
    );
    // A NUL in a report's text: refused at its path.
    let (status, _, body) = send(
        &app,
        send_json(
            "POST",
            "/api/reports",
            &newbie,
            &csrf,
            "{\"format\": \"probity.declaration/1\", \"declaration_id\": \"a\\u0000b\"}".into(),
        ),
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert!(
        body.contains("\"path\":\"$.declaration_id\"") && body.contains("control-character"),
        "{body}"
    );

    // Drafts: 林新 is a subject since 2025; the years before, and after this one, are refused.
    let this_year: i32 = chrono::Utc::now().format("%Y").to_string().parse().unwrap();
    for (year, status) in [
        (2025, StatusCode::NO_CONTENT),
        (this_year, StatusCode::NO_CONTENT),
        (2024, StatusCode::BAD_REQUEST),
        (this_year + 1, StatusCode::BAD_REQUEST),
        (i32::MAX, StatusCode::BAD_REQUEST),
    ] {
        let (got, _, body) = send(
            &app,
            send_json(
                "PUT",
                &format!("/api/drafts/{year}/annual"),
                &newbie,
                &csrf,
                "{}".into(),
            ),
        )
        .await;
        assert_eq!(got, status, "{year}: {body}");
    }
    let big = format!(
        "\"{}\"",
        "x".repeat(probity_store::accounts::DRAFT_MAX_BYTES)
    );
    let (got, _, _) = send(
        &app,
        send_json("PUT", "/api/drafts/2025/annual", &newbie, &csrf, big),
    )
    .await;
    assert_eq!(got, StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn csv_exports_are_in_the_readers_language_with_a_bom_or_in_codes_on_request() {
    let (_dir, app) = app().await;
    let admin = sign_in(&app, "admin", PASSWORD).await.unwrap();
    let bom = probity_web::csv_export::BOM;
    // Chinese (the default): a byte-order mark, headers and coded values in words.
    let (status, _, zh) = send(&app, get("/progress.csv?cycle=2025", &admin)).await;
    assert_eq!(status, StatusCode::OK, "{zh}");
    let header = zh.strip_prefix(bom).expect("a byte-order mark for Excel");
    assert!(
        header.starts_with(
            "单位,姓名,职务,状态,报告编号,报告日期,报告类型,截止日期,周期结束后报告\n"
        ),
        "{zh}"
    );
    assert!(
        zh.contains(",年度报告,") && zh.contains(",首次报告,"),
        "{zh}"
    );
    assert!(
        !zh.contains(",annual,") && !zh.contains(",initial,"),
        "{zh}"
    );
    // English, by the reader's choice.
    let (_, _, en) = send(
        &app,
        get("/progress.csv?cycle=2025", &format!("{admin}; lang=en")),
    )
    .await;
    assert!(
        en.starts_with(&format!("{bom}Unit,Name,Position,Standing,Report,")),
        "{en}"
    );
    assert!(en.contains(",Annual report,"), "{en}");
    // For programs: the stable codes, no mark, the same rows.
    let (_, _, codes) = send(&app, get("/progress.csv?cycle=2025&format=codes", &admin)).await;
    assert!(
        codes.starts_with(
            "unit,name,position,standing,declaration_id,filed_on,report_kind,due,after_close\n"
        ),
        "{codes}"
    );
    assert!(codes.contains(",annual,"), "{codes}");
    assert_eq!(codes.lines().count(), zh.lines().count());
    // Statistics likewise: the total row's level and the category columns in words.
    let (_, _, stats) = send(&app, get("/statistics.csv?cycle=2025", &admin)).await;
    assert!(
        stats.starts_with(&format!("{bom}年度,层级,单位,报告对象人数,")),
        "{stats}"
    );
    assert!(stats.contains("\n2025,合计,"), "{stats}");
    let (_, _, stats) = send(&app, get("/statistics.csv?cycle=2025&format=codes", &admin)).await;
    assert!(stats.starts_with("cycle,level,unit,subjects,"), "{stats}");
    assert!(stats.contains("\n2025,total,"), "{stats}");
}
