//! The statistics page and its export: who may see them, the unit scope, the charts as
//! well-formed SVG, and no personal data in what is shown or exported.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

use axum::http::StatusCode;
use probity_app::verification::{RunProgress, Scope, verify_cycle};
use probity_store::{RegistryFile, Role, Stamp, User};
use probity_web::App;
use probity_web::i18n::Lang;
use sqlx::Row;

use super::browser::{click_and_wait_for, leaving, wait_for, wait_for_url};
use super::{PASSWORD, app, fixtures, get, send, sign_in};

/// The small example's registry extracts, imported; then a run over every report, and two
/// determinations through the workbench: an omission in force with a measure, and a concealment
/// awaiting its confirmation.
async fn verified(app: &Arc<App>) {
    let s = Stamp::new("2026-02-10T08:00:00Z", "test");
    let dir = fixtures().join("registries");
    let mut files = Vec::new();
    for entry in std::fs::read_dir(&dir).unwrap() {
        let path = entry.unwrap().path();
        let bytes = std::fs::read(&path).unwrap();
        files.push(RegistryFile {
            source: path.file_stem().unwrap().to_string_lossy().into_owned(),
            file_name: path.file_name().unwrap().to_string_lossy().into_owned(),
            rows: bytes.iter().filter(|b| **b == b'\n').count() - 1,
            bytes,
        });
    }
    app.store.import_registry(&s, &files).await.unwrap();
    verify_cycle(&app.store, &s, 2025, Scope::All, &RunProgress::default())
        .await
        .unwrap();
    let first_of = |report: &'static str| {
        let app = Arc::clone(app);
        async move {
            let mut conn = app.store.connection().await.unwrap();
            let row = sqlx::query(
                "SELECT f.id FROM findings f JOIN cases c ON c.id = f.case_id \
                 WHERE c.declaration_id = $1 ORDER BY f.id",
            )
            .bind(report)
            .fetch_all(&mut *conn)
            .await
            .unwrap()
            .into_iter()
            .next()
            .unwrap();
            row.get::<i64, _>(0)
        }
    };
    let profile = probity_model::Profile::builtin("cn").unwrap();
    let f1 = first_of("D2025-000002").await;
    let f2 = first_of("D2025-000018").await;
    app.store
        .determine(
            &s,
            &profile,
            f1,
            "omission",
            "reasons",
            &["criticism".into()],
        )
        .await
        .unwrap();
    app.store
        .determine(&s, &profile, f2, "concealment", "reasons", &[])
        .await
        .unwrap();
}

async fn add_staff(app: &Arc<App>, username: &str, role: Role, units: &[&str]) -> String {
    let s = Stamp::new("2026-02-10T08:00:00Z", "test");
    let user = User {
        username: username.into(),
        role,
        person_key: None,
        password_hash: probity_app::passwords::hash_password(PASSWORD).unwrap(),
        disabled: false,
    };
    app.store.create_user(&s, &user).await.unwrap();
    if !units.is_empty() {
        let units: Vec<String> = units.iter().map(|u| (*u).to_owned()).collect();
        app.store
            .set_user_units(&s, username, &units)
            .await
            .unwrap();
    }
    sign_in(app, username, PASSWORD).await.unwrap()
}

/// The roster of the small example (and the one added in `app`): (ID, name, unit).
fn roster() -> Vec<(String, String, String)> {
    let text = std::fs::read_to_string(fixtures().join("roster.csv")).unwrap();
    let mut people: Vec<(String, String, String)> = text
        .lines()
        .skip(1)
        .map(|l| {
            let f: Vec<&str> = l.split(',').collect();
            (f[0].to_owned(), f[1].to_owned(), f[2].to_owned())
        })
        .collect();
    people.push((
        super::NEWBIE.to_owned(),
        "林新".to_owned(),
        "福州市工商业联合会".to_owned(),
    ));
    people
}

/// Cases and findings the example's reports hold, by unit, from its list of expected
/// discrepancies: (unit → (reports with findings, findings)).
fn expected_by_unit() -> BTreeMap<String, (BTreeSet<String>, u64)> {
    let unit_of: BTreeMap<String, String> =
        roster().into_iter().map(|(id, _, u)| (id, u)).collect();
    let text = std::fs::read_to_string(fixtures().join("expected_discrepancies.jsonl")).unwrap();
    let mut out: BTreeMap<String, (BTreeSet<String>, u64)> = BTreeMap::new();
    for line in text.lines() {
        let d: serde_json::Value = serde_json::from_str(line).unwrap();
        let unit = unit_of[d["declarant_id"].as_str().unwrap()].clone();
        let e = out.entry(unit).or_default();
        e.0.insert(d["declaration_id"].as_str().unwrap().to_owned());
        e.1 += 1;
    }
    out
}

/// Every `<svg>…</svg>` of a page, parsed as XML: each an image named by its title and
/// description.
fn charts(page: &str) -> Vec<String> {
    let mut out = Vec::new();
    for part in page.split("<svg ").skip(1) {
        let svg = format!(
            "<svg {}",
            &part[..part.find("</svg>").unwrap() + "</svg>".len()]
        );
        let doc = roxmltree::Document::parse(&svg).unwrap_or_else(|e| panic!("{e}: {svg}"));
        let root = doc.root_element();
        assert_eq!(root.tag_name().name(), "svg");
        assert_eq!(root.attribute("role"), Some("img"));
        let labelled: Vec<&str> = root
            .attribute("aria-labelledby")
            .unwrap()
            .split(' ')
            .collect();
        let title = root.children().find(|n| n.has_tag_name("title")).unwrap();
        let desc = root.children().find(|n| n.has_tag_name("desc")).unwrap();
        assert_eq!(
            labelled,
            [
                title.attribute("id").unwrap(),
                desc.attribute("id").unwrap()
            ]
        );
        assert!(!title.text().unwrap_or_default().is_empty());
        assert!(!desc.text().unwrap_or_default().is_empty());
        out.push(svg);
    }
    out
}

fn csv_rows(body: &str) -> (Vec<String>, Vec<Vec<String>>) {
    let mut lines = body
        .lines()
        .map(|l| l.split(',').map(str::to_owned).collect::<Vec<_>>());
    let header = lines.next().unwrap();
    (header, lines.collect())
}

fn cell<'a>(header: &[String], row: &'a [String], column: &str) -> &'a str {
    let i = header
        .iter()
        .position(|h| h == column)
        .unwrap_or_else(|| panic!("{column}"));
    &row[i]
}

#[tokio::test]
async fn statistics_by_role_and_unit_scope_without_personal_data() {
    let (_dir, app) = app().await;
    verified(&app).await;
    let expected = expected_by_unit();

    // Not signed in: to the sign-in page. Declarants and auditors: refused.
    let (status, _, _) = send(
        &app,
        axum::http::Request::get("/statistics")
            .body(axum::body::Body::empty())
            .unwrap(),
    )
    .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    let chen = sign_in(&app, "chen", PASSWORD).await.unwrap();
    let auditor = add_staff(&app, "audit", Role::Auditor, &[]).await;
    for who in [&chen, &auditor] {
        for path in ["/statistics", "/statistics.csv?cycle=2025"] {
            assert_eq!(
                send(&app, get(path, who)).await.0,
                StatusCode::FORBIDDEN,
                "{path}"
            );
        }
    }
    let (_, _, page) = send(&app, get("/progress", &auditor)).await;
    assert!(
        !page.contains("href=\"/statistics\""),
        "no link where the page is refused"
    );

    // The administrator: every unit, in Chinese by default.
    let admin = sign_in(&app, "admin", PASSWORD).await.unwrap();
    let (status, _, page) = send(&app, get("/statistics", &admin)).await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        page.contains("href=\"/statistics\""),
        "linked from the navigation"
    );
    assert!(page.contains("<option value=\"2025\" selected>"));
    let svgs = charts(&page);
    assert_eq!(
        svgs.len(),
        4,
        "standing, findings, determinations, measures"
    );
    let units: BTreeSet<String> = roster().into_iter().map(|r| r.2).collect();
    // The standing chart has a bar per unit, each labelled with its unit.
    assert_eq!(
        svgs[0].matches("<g class=\"chart-bar\">").count(),
        units.len()
    );
    for u in &units {
        assert!(svgs[0].contains(u.as_str()), "{u}");
    }
    assert!(svgs[1].contains("隐瞒不报") && svgs[1].contains("漏报"));
    // A category that is no section of the form still has its name (the workbench's).
    let wealth = probity_web::i18n::Tr { lang: Lang::Zh }.get("category-wealth");
    assert_ne!(wealth, "category-wealth");
    assert!(svgs[1].contains(&wealth), "{wealth}");

    let (status, _, csv) = send(&app, get("/statistics.csv?cycle=2025&format=codes", &admin)).await;
    assert_eq!(status, StatusCode::OK);
    let (header, rows) = csv_rows(&csv);
    assert_eq!(&header[..4], ["cycle", "level", "unit", "subjects"]);
    assert_eq!(rows.len(), units.len() + 1);
    let total = rows.last().unwrap();
    assert_eq!(cell(&header, total, "level"), "total");
    assert_eq!(cell(&header, total, "subjects"), roster().len().to_string());
    let filed: u64 = ["filed", "filed_late"]
        .iter()
        .map(|c| cell(&header, total, c).parse::<u64>().unwrap())
        .sum();
    assert_eq!(filed, 5, "the example's five annual reports");
    assert_eq!(cell(&header, total, "reports_checked"), "5");
    let cases: usize = expected.values().map(|e| e.0.len()).sum();
    let findings: u64 = expected.values().map(|e| e.1).sum();
    assert_eq!(cell(&header, total, "cases"), cases.to_string());
    assert_eq!(cell(&header, total, "findings"), findings.to_string());
    assert_eq!(cell(&header, total, "determination_omission"), "1");
    assert_eq!(cell(&header, total, "determination_concealment"), "0");
    assert_eq!(cell(&header, total, "pending_confirmation"), "1");
    assert_eq!(cell(&header, total, "measure_criticism"), "1");
    for row in &rows[..rows.len() - 1] {
        let unit = cell(&header, row, "unit");
        let (reports, n) = expected.get(unit).cloned().unwrap_or_default();
        assert_eq!(
            cell(&header, row, "cases"),
            reports.len().to_string(),
            "{unit}"
        );
        assert_eq!(cell(&header, row, "findings"), n.to_string(), "{unit}");
    }

    // No name, resident ID or person key of anyone on the roster, on the page or in the export.
    for (id, name, _) in roster() {
        let key = app
            .store
            .person_key(&probity_model::ResidentId::parse(&id).unwrap());
        for text in [&page, &csv] {
            assert!(!text.contains(&id) && !text.contains(&name) && !text.contains(&key));
        }
    }

    // A verifier of one unit: that unit's row and a total of it alone.
    let xiamen = "厦门市公安局";
    let verifier = add_staff(&app, "xiamen", Role::Verifier, &[xiamen]).await;
    let (status, _, page) = send(&app, get("/statistics?cycle=2025", &verifier)).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        charts(&page)[0].matches("<g class=\"chart-bar\">").count(),
        1
    );
    assert!(page.contains(xiamen) && !page.contains("福州市工商业联合会"));
    let (_, _, csv) = send(
        &app,
        get("/statistics.csv?cycle=2025&format=codes", &verifier),
    )
    .await;
    let (header, rows) = csv_rows(&csv);
    assert_eq!(rows.len(), 2);
    assert_eq!(cell(&header, &rows[0], "unit"), xiamen);
    let total = &rows[1];
    assert_eq!(cell(&header, total, "subjects"), "1");
    assert_eq!(
        cell(&header, total, "cases"),
        expected[xiamen].0.len().to_string()
    );
    assert_eq!(
        cell(&header, total, "findings"),
        expected[xiamen].1.to_string()
    );
    assert_eq!(cell(&header, total, "determination_omission"), "1");
    assert_eq!(
        cell(&header, total, "pending_confirmation"),
        "0",
        "another unit's"
    );

    // A cycle that is not open: not found; a cycle that is not a number: a bad request.
    assert_eq!(
        send(&app, get("/statistics?cycle=2019", &admin)).await.0,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        send(&app, get("/statistics.csv?cycle=2019", &admin))
            .await
            .0,
        StatusCode::NOT_FOUND
    );
    let (status, _, body) = send(&app, get("/statistics?cycle=twenty", &admin)).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(body.contains("cycle"), "{body}");
    assert!(app.store.verify_audit(None).await.unwrap().is_ok());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_statistics_page_in_a_real_browser() {
    use fantoccini::Locator;
    let Some((_driver, client)) = super::browser().await else {
        return;
    };
    let (_dir, app) = app().await;
    verified(&app).await;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(probity_web::serve(Arc::clone(&app), listener));

    client.goto(&format!("{base}/login")).await.unwrap();
    for (id, text) in [("username", "admin"), ("password", PASSWORD)] {
        client
            .find(Locator::Id(id))
            .await
            .unwrap()
            .send_keys(text)
            .await
            .unwrap();
    }
    click_and_wait_for(&client, Locator::Id("sign-in"), Locator::Id("people")).await;
    // From the navigation to the page; the cycle chosen in the form.
    click_and_wait_for(
        &client,
        Locator::Css("nav a[href='/statistics']"),
        Locator::Id("cycle-form"),
    )
    .await;
    // The page before the click has the same chart: wait for the new address, then the page.
    let button = client
        .find(Locator::Css("#cycle-form button"))
        .await
        .unwrap();
    leaving(&client, button.click()).await.unwrap();
    wait_for_url(&client, "/statistics?cycle=2025").await;
    wait_for(&client, Locator::Css("svg.chart")).await;
    // The charts are drawn: the standing chart's bars have a size on the screen.
    let rect = client
        .find(Locator::Css("svg.chart g.chart-bar rect.c-filed"))
        .await
        .unwrap();
    let (_, _, width, height) = rect.rectangle().await.unwrap();
    assert!(width > 10.0 && height > 5.0, "{width}×{height}");
    // The same numbers in a table.
    let total = client
        .find(Locator::Css("#standing tfoot"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(total.starts_with("合计 6"), "{total}");
    super::shot(&client, "statistics").await;
    // In English.
    click_and_wait_for(
        &client,
        Locator::LinkText("English"),
        Locator::XPath("//h1[text()='Statistics']"),
    )
    .await;
    // The findings and determinations, further down.
    client
        .execute(
            "document.getElementById('h-findings').scrollIntoView()",
            vec![],
        )
        .await
        .unwrap();
    super::shot(&client, "statistics-en").await;
    client
        .execute(
            "document.getElementById('h-determinations').scrollIntoView()",
            vec![],
        )
        .await
        .unwrap();
    super::shot(&client, "statistics-determinations").await;
    client.close().await.unwrap();
}
