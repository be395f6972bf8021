//! Cycles side by side (issue 11): the previous cycle is still worked after the next opens
//! (progress, reminders, cases, each with its selector), closing a cycle asks first and is
//! audited, a duplicate annual report through the API is a conflict naming the report in force,
//! and the key-check list says "pending verification" while a case is open.

use std::sync::Arc;

use axum::http::StatusCode;
use probity_store::Stamp;
use probity_web::App;

use super::db::Db;
use super::{
    DECLARANT, PASSWORD, app, app_with_cases_on, csrf_of, fixtures, form_post, get, send,
    send_json, sign_in,
};

/// Opens the next cycle (2026) beside 2025.
async fn open_2026(app: &Arc<App>) {
    let s = Stamp::new("2026-02-20T08:00:00Z", "test");
    app.store
        .open_cycle(&s, 2026, probity_model::Date::parse("2027-01-31").unwrap())
        .await
        .unwrap();
}

/// The `<option>` of `year` in a page's cycle selector, and whether it is selected.
fn selector_has(page: &str, year: i32, selected: bool) -> bool {
    let option = format!(
        "<option value=\"{year}\"{}",
        if selected { " selected" } else { "" }
    );
    page.contains("id=\"cycle-choice\"") && page.contains(&format!("{option}>"))
}

on_both!(
    the_previous_cycle_is_worked_after_the_next_opens,
    the_previous_cycle_is_worked_after_the_next_opens_on_sqlite,
    the_previous_cycle_is_worked_after_the_next_opens_on_postgresql
);

async fn the_previous_cycle_is_worked_after_the_next_opens(db: Db) {
    let Some((_dir, app)) = app_with_cases_on(db).await else {
        return;
    };
    open_2026(&app).await;
    let admin = sign_in(&app, "admin", PASSWORD).await.unwrap();

    // Progress: the latest open cycle by default, 2025 one choice away, with its own rows.
    let (status, _, page) = send(&app, get("/progress", &admin)).await;
    assert_eq!(status, StatusCode::OK);
    assert!(selector_has(&page, 2026, true), "{page}");
    assert!(selector_has(&page, 2025, false), "{page}");
    assert!(page.contains("/progress.csv?cycle=2026"));
    let (_, _, page) = send(&app, get("/progress?cycle=2025", &admin)).await;
    assert!(selector_has(&page, 2025, true), "{page}");
    assert!(page.contains("href=\"/reports/D2025-000001\""), "{page}");
    assert!(page.contains("/progress.csv?cycle=2025"));
    assert!(page.contains("?cycle=2025&amp;sort=name"));
    let (_, _, csv) = send(&app, get("/progress.csv?cycle=2025", &admin)).await;
    assert!(csv.contains("D2025-000001"), "{csv}");

    // Reminders of 2025: who has not filed 2025's report, and the issue form keeps the cycle.
    let (_, _, page) = send(&app, get("/reminders?cycle=2025", &admin)).await;
    assert!(selector_has(&page, 2025, true), "{page}");
    assert!(page.contains("<input type=\"hidden\" name=\"cycle\" value=\"2025\">"));
    assert!(page.contains("2026-01-31"), "2025's deadline: {page}");

    // Cases: the verifier's default is the latest open cycle (no case yet); 2025's are there.
    let ann = sign_in(&app, "ann", PASSWORD).await.unwrap();
    let (_, _, page) = send(&app, get("/cases", &ann)).await;
    assert!(
        !page.contains("href=\"/cases/"),
        "2026 has no case yet: {page}"
    );
    let (_, _, page) = send(&app, get("/cases?cycle=2025", &ann)).await;
    assert!(page.contains("href=\"/cases/"), "{page}");

    // Statistics and the administrators' forms follow the choice too.
    let (_, _, page) = send(&app, get("/statistics?cycle=2025", &admin)).await;
    assert!(page.contains("/statistics.csv?cycle=2025"), "{page}");
    let (_, _, page) = send(&app, get("/admin?cycle=2025", &admin)).await;
    assert!(
        page.contains("id=\"verify-year\" name=\"year\" type=\"number\" required value=\"2025\""),
        "{page}"
    );
    let (_, _, page) = send(&app, get("/admin", &admin)).await;
    assert!(
        page.contains("id=\"verify-year\" name=\"year\" type=\"number\" required value=\"2026\"")
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn closing_a_cycle_asks_first_and_is_audited() {
    let (_dir, app) = app().await;
    let admin = sign_in(&app, "admin", PASSWORD).await.unwrap();
    let csrf = csrf_of(&app, &admin).await;
    let (_, _, page) = send(&app, get("/admin", &admin)).await;
    assert!(page.contains("id=\"close-2025\""), "{page}");

    // The first post asks; nothing is closed yet.
    let (status, _, page) = send(
        &app,
        form_post(
            "/admin/cycles/close",
            &admin,
            format!("csrf={csrf}&year=2025"),
        ),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert!(page.contains("id=\"close-confirmed\""), "{page}");
    assert!(app.store.cycle_list().await.unwrap()[0].is_open());

    // Without the token, nothing; a declarant may not.
    let (status, _, _) = send(
        &app,
        form_post(
            "/admin/cycles/close",
            &admin,
            "csrf=forged&year=2025&confirm=yes".into(),
        ),
    )
    .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let chen = sign_in(&app, "chen", PASSWORD).await.unwrap();
    let chen_csrf = csrf_of(&app, &chen).await;
    let (status, _, _) = send(
        &app,
        form_post(
            "/admin/cycles/close",
            &chen,
            format!("csrf={chen_csrf}&year=2025&confirm=yes"),
        ),
    )
    .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert!(app.store.cycle_list().await.unwrap()[0].is_open());

    // Confirmed: closed, audited, shown.
    let (status, _, _) = send(
        &app,
        form_post(
            "/admin/cycles/close",
            &admin,
            format!("csrf={csrf}&year=2025&confirm=yes"),
        ),
    )
    .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    assert!(!app.store.cycle_list().await.unwrap()[0].is_open());
    let mut conn = app.store.connection().await.unwrap();
    let closed: i64 = sqlx::Row::get(
        &sqlx::query("SELECT COUNT(*) FROM audit_events WHERE action = 'cycle.close'")
            .fetch_one(&mut *conn)
            .await
            .unwrap(),
        0,
    );
    drop(conn);
    assert_eq!(closed, 1);
    let (_, _, page) = send(&app, get("/admin?cycle=2025&closed=1", &admin)).await;
    assert!(!page.contains("id=\"close-2025\""), "{page}");
    assert!(page.contains("id=\"cycle-state-2025\">已结束"), "{page}");
    // Still worked: its progress reads as before, marked closed.
    let (_, _, page) = send(&app, get("/progress?cycle=2025", &admin)).await;
    assert!(
        page.contains("D2025-000001") && page.contains("已结束"),
        "{page}"
    );
    // A declarant who has not filed yet is told the report will be a late filing.
    let newbie = sign_in(&app, "newbie", PASSWORD).await.unwrap();
    let (status, _, page) = send(&app, get("/file?year=2025&kind=annual", &newbie)).await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        page.contains("id=\"closed-cycle\"") && page.contains("逾期补报"),
        "{page}"
    );
    let (_, _, page) = send(&app, get("/file?year=2026&kind=annual", &newbie)).await;
    assert!(!page.contains("id=\"closed-cycle\""), "{page}");
    assert!(app.store.verify_audit(None).await.unwrap().is_ok());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_second_annual_report_through_the_api_is_a_conflict() {
    let (_dir, app) = app().await;
    let chen = sign_in(&app, "chen", PASSWORD).await.unwrap();
    let csrf = csrf_of(&app, &chen).await;
    let text = std::fs::read_to_string(fixtures().join("declarations.jsonl")).unwrap();
    let mut report: serde_json::Value = serde_json::from_str(text.lines().next().unwrap()).unwrap();
    assert_eq!(report["declarant_id"], DECLARANT);
    report["declaration_id"] = "D2025-CHEN-2".into();
    let (status, _, body) = send(
        &app,
        send_json("POST", "/api/reports", &chen, &csrf, report.to_string()),
    )
    .await;
    assert_eq!(status, StatusCode::CONFLICT, "{body}");
    let reply: serde_json::Value = serde_json::from_str(&body).unwrap();
    assert_eq!(reply["in_force"]["declaration_id"], "D2025-000001");
    assert_eq!(reply["in_force"]["kind"], "annual");
    assert_eq!(reply["in_force"]["year"], 2025);
    assert_eq!(
        reply["in_force"]["filed_on"],
        report["filed_on"].as_str().unwrap()
    );
    assert!(!body.contains(DECLARANT), "no resident ID in the reply");
    assert!(
        app.store
            .report_summary("D2025-CHEN-2")
            .await
            .unwrap()
            .is_none()
    );
    // As a correction of the report in force, it is filed.
    report["supersedes"] = "D2025-000001".into();
    let (status, _, body) = send(
        &app,
        send_json("POST", "/api/reports", &chen, &csrf, report.to_string()),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
}

on_both!(
    the_key_check_list_says_pending_while_a_case_is_open,
    the_key_check_list_says_pending_while_a_case_is_open_on_sqlite,
    the_key_check_list_says_pending_while_a_case_is_open_on_postgresql
);

async fn the_key_check_list_says_pending_while_a_case_is_open(db: Db) {
    let Some((_dir, app)) = app_with_cases_on(db).await else {
        return;
    };
    let admin = sign_in(&app, "admin", PASSWORD).await.unwrap();
    let (status, _, page) = send(&app, get("/key-checks", &admin)).await;
    assert_eq!(status, StatusCode::OK);
    // 谢琴梅 (flagged: complaint) has an open case with a concealment finding, undecided.
    let row = page
        .split("<tr")
        .find(|r| r.contains("谢琴梅"))
        .unwrap_or_default();
    assert!(row.contains("待核查"), "{row}");
    assert!(!row.contains("可以提拔"), "{row}");
    let (status, _, body) = send(&app, get("/api/key-checks", &admin)).await;
    assert_eq!(status, StatusCode::OK);
    let list: serde_json::Value = serde_json::from_str(&body).unwrap();
    let entry = list
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["name"] == "谢琴梅")
        .unwrap();
    assert_eq!(entry["promotion"], "pending_verification");
    assert!(entry["pending"].as_u64().unwrap() > 0);
}

on_both!(
    the_previous_cycle_in_a_real_browser,
    the_previous_cycle_in_a_real_browser_on_sqlite,
    the_previous_cycle_in_a_real_browser_on_postgresql
);

async fn the_previous_cycle_in_a_real_browser(db: Db) {
    use fantoccini::Locator;
    let Some((_dir, app)) = app_with_cases_on(db).await else {
        return;
    };
    let Some((_driver, client)) = super::browser().await else {
        return;
    };
    open_2026(&app).await;
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
    client
        .find(Locator::Id("sign-in"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    client
        .wait()
        .for_element(Locator::Id("people"))
        .await
        .unwrap();
    // The progress view opens on 2026; the selector brings 2025 back.
    client.goto(&format!("{base}/progress")).await.unwrap();
    let shown = client
        .wait()
        .for_element(Locator::Id("cycle-shown"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(shown.contains("2026"), "{shown}");
    client
        .find(Locator::Css("#cycle-choice option[value='2025']"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    client
        .find(Locator::Id("cycle-show"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    let target = client
        .current_url()
        .await
        .unwrap()
        .join("/progress?cycle=2025")
        .unwrap();
    client.wait().for_url(&target).await.unwrap();
    let shown = client
        .find(Locator::Id("cycle-shown"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(shown.contains("2025"), "{shown}");
    client
        .find(Locator::Css("a[href='/reports/D2025-000001']"))
        .await
        .unwrap();
    // Sorting keeps the cycle.
    client
        .find(Locator::Css("a[href='?cycle=2025&sort=name']"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    let target = client
        .current_url()
        .await
        .unwrap()
        .join("/progress?cycle=2025&sort=name")
        .unwrap();
    client.wait().for_url(&target).await.unwrap();
    super::shot(&client, "progress-previous-cycle").await;
    // The reminder list of 2025, chosen the same way, issues for 2025.
    client.goto(&format!("{base}/reminders")).await.unwrap();
    client
        .wait()
        .for_element(Locator::Id("cycle-choice"))
        .await
        .unwrap();
    client
        .find(Locator::Css("#cycle-choice option[value='2025']"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    client
        .find(Locator::Id("cycle-show"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    let target = client
        .current_url()
        .await
        .unwrap()
        .join("/reminders?cycle=2025")
        .unwrap();
    client.wait().for_url(&target).await.unwrap();
    let kept = client
        .find(Locator::Css("#issue-form input[name='cycle']"))
        .await
        .unwrap()
        .attr("value")
        .await
        .unwrap();
    assert_eq!(kept.as_deref(), Some("2025"));
    client.close().await.unwrap();
}
