//! The life of a report on the declarant's form (issue 11): kinds, a refused duplicate,
//! corrections in their own draft slot, starting from the last report, every error at once —
//! through the router, and as journeys in a real browser.

use std::sync::Arc;

use axum::http::StatusCode;
use probity_web::App;

use super::db::Db;
use super::{
    DECLARANT, NEWBIE, PASSWORD, csrf_of, form_fields, form_post, get, send, set_field, sign_in,
    start_correction, urlencoded,
};

fn person_of(app: &Arc<App>, id: &str) -> String {
    app.store
        .person_key(&probity_model::ResidentId::parse(id).unwrap())
}

async fn draft_of(
    app: &Arc<App>,
    person: &str,
    year: i32,
    slot: &str,
) -> Option<serde_json::Value> {
    app.store
        .draft(person, year, slot)
        .await
        .unwrap()
        .map(|t| serde_json::from_str(&t).unwrap())
}

/// The `data-path`s of the error summary, in the order the page lists them.
fn summary_paths(page: &str) -> Vec<String> {
    let Some(summary) = page.split("id=\"errors\"").nth(1) else {
        return Vec::new();
    };
    let summary = summary.split("</div>").next().unwrap_or("");
    summary
        .split("data-path=\"")
        .skip(1)
        .map(|p| p.split('"').next().unwrap().to_owned())
        .collect()
}

/// Sets a list section's rows, field by field (`rows` is each row's `(field, value)`s).
fn set_rows(pairs: &mut Vec<(String, String)>, section: &str, rows: &[&[(&str, &str)]]) {
    set_field(pairs, &format!("{section}.rows"), &rows.len().to_string());
    for (i, row) in rows.iter().enumerate() {
        for (field, value) in *row {
            set_field(pairs, &format!("{section}[{i}].{field}"), value);
        }
    }
}

on_both!(
    a_change_report_asks_what_changed_and_carries_only_that,
    a_change_report_asks_what_changed_and_carries_only_that_on_sqlite,
    a_change_report_asks_what_changed_and_carries_only_that_on_postgresql
);

async fn a_change_report_asks_what_changed_and_carries_only_that(db: Db) {
    let Some((_dir, app)) = super::app_on(db).await else {
        return;
    };
    let chen = sign_in(&app, "chen", PASSWORD).await.unwrap();
    let (status, _, page) = send(&app, get("/file?kind=change", &chen)).await;
    assert_eq!(status, StatusCode::OK, "{page}");
    // It asks for the date and the matters first, and shows no section of property, no salary
    // and no "nothing to report" ticks.
    assert!(page.contains("id=\"change.on\""));
    assert!(page.contains("id=\"change-child_marriages\""));
    assert!(
        !page.contains("id=\"change-real_estate\""),
        "not a change matter"
    );
    for absent in ["id=\"salary\"", "id=\"real_estate\"", "id=\"nothing."] {
        assert!(!page.contains(absent), "{absent}");
    }
    let mut pairs = form_fields(&page, "report-form");
    set_field(&mut pairs, "change.on", "2026-11-20");
    pairs.push(("change.sections".into(), "child_marriages".into()));
    set_field(&mut pairs, "action", "save");
    let (_, _, page) = send(
        &app,
        form_post("/file?year=2026&kind=change", &chen, urlencoded(&pairs)),
    )
    .await;
    assert!(page.contains("<fieldset id=\"child_marriages\""), "{page}");
    assert!(!page.contains("<fieldset id=\"travel_documents\""));
    assert!(!page.contains("<fieldset id=\"marriage\""));
    let mut pairs = form_fields(&page, "report-form");
    set_rows(
        &mut pairs,
        "persons",
        &[
            &[],
            &[
                ("ref", "c1"),
                ("relation", "child"),
                ("name", "陈翔诚"),
                ("id", NEWBIE),
            ],
            &[
                ("ref", "cs"),
                ("relation", "child_spouse"),
                ("name", "Anna Smith"),
                ("nationality", "US"),
                ("of", "c1"),
            ],
        ],
    );
    set_rows(
        &mut pairs,
        "child_marriages",
        &[&[
            ("child", "c1"),
            ("spouse", "cs"),
            ("region", "foreign"),
            ("married_on", "2026-11-20"),
        ]],
    );
    set_field(&mut pairs, "action", "submit");
    set_field(&mut pairs, "commitment", "1");
    let (status, _, page) = send(
        &app,
        form_post("/file?year=2026&kind=change", &chen, urlencoded(&pairs)),
    )
    .await;
    assert_eq!(status, StatusCode::SEE_OTHER, "{:?}", summary_paths(&page));
    // FORMATS.md's change shape: change.on and the one matter; no salary, no marriage, no
    // "nothing to report".
    let person = person_of(&app, DECLARANT);
    let summary = app
        .store
        .reports_of(&person)
        .await
        .unwrap()
        .into_iter()
        .find(|r| r.kind == "change")
        .unwrap();
    let (_, _, body) = send(
        &app,
        get(&format!("/api/reports/{}", summary.declaration_id), &chen),
    )
    .await;
    let filed = serde_json::from_str::<serde_json::Value>(&body).unwrap()["content"].clone();
    assert_eq!(filed["change"]["on"], "2026-11-20");
    assert_eq!(
        filed["change"]["sections"],
        serde_json::json!(["child_marriages"])
    );
    for absent in ["salary", "marriage", "nothing_to_report", "real_estate"] {
        assert!(filed.get(absent).is_none(), "{absent}: {filed}");
    }
    let id = filed["declaration_id"].as_str().unwrap();
    let (_, _, page) = send(&app, get(&format!("/reports/{id}"), &chen)).await;
    assert!(page.contains("2026-11-20") && page.contains("id=\"v-change\""));
    assert!(page.contains("id=\"v-child_marriages\"") && !page.contains("id=\"v-real_estate\""));
}

on_both!(
    a_second_annual_report_is_refused_and_the_correction_offered,
    a_second_annual_report_is_refused_and_the_correction_offered_on_sqlite,
    a_second_annual_report_is_refused_and_the_correction_offered_on_postgresql
);

async fn a_second_annual_report_is_refused_and_the_correction_offered(db: Db) {
    let Some((_dir, app)) = super::app_on(db).await else {
        return;
    };
    let chen = sign_in(&app, "chen", PASSWORD).await.unwrap();
    let person = person_of(&app, DECLARANT);
    // A draft for 2025 written before the report was in force (as from another tab).
    app.store
        .save_draft(
            &probity_store::Stamp::new("2026-01-11T08:00:00Z", "test"),
            &person,
            2025,
            "annual",
            &std::fs::read_to_string(super::fixtures().join("declarations.jsonl"))
                .unwrap()
                .lines()
                .next()
                .unwrap()
                .replace("D2025-000001", "A2025-second"),
        )
        .await
        .unwrap();
    // Opening it: the report in force, its date, a link, and the correction offered.
    let (status, _, page) = send(&app, get("/file?year=2025&kind=annual", &chen)).await;
    assert_eq!(status, StatusCode::CONFLICT);
    assert!(page.contains("href=\"/reports/D2025-000001\""), "{page}");
    assert!(page.contains("2026-01-29") && page.contains("id=\"start-correction\""));
    assert!(!page.contains("id=\"report-form\""));
    // Submitting it (a form posted before): refused at the top, nothing filed.
    let csrf = csrf_of(&app, &chen).await;
    let before = app.store.reports_of(&person).await.unwrap().len();
    let (status, _, page) = send(
        &app,
        form_post(
            "/file?year=2025&kind=annual",
            &chen,
            format!("csrf={csrf}&action=submit&commitment=1&filed_on=2026-01-29&persons.rows=1&persons%5B0%5D.ref=self&persons%5B0%5D.relation=self&persons%5B0%5D.id={DECLARANT}"),
        ),
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(page.contains("id=\"in-force\"") && page.contains("D2025-000001"));
    assert_eq!(app.store.reports_of(&person).await.unwrap().len(), before);
    // In English too.
    let (_, _, page) = send(
        &app,
        get("/file?year=2025&kind=annual", &format!("{chen}; lang=en")),
    )
    .await;
    assert!(page.contains("is already in force: D2025-000001"), "{page}");
}

on_both!(
    a_correction_has_its_own_draft_and_names_the_report_it_corrects,
    a_correction_has_its_own_draft_and_names_the_report_it_corrects_on_sqlite,
    a_correction_has_its_own_draft_and_names_the_report_it_corrects_on_postgresql
);

async fn a_correction_has_its_own_draft_and_names_the_report_it_corrects(db: Db) {
    let Some((_dir, app)) = super::app_on(db).await else {
        return;
    };
    let chen = sign_in(&app, "chen", PASSWORD).await.unwrap();
    let person = person_of(&app, DECLARANT);
    // An annual draft in progress.
    let (_, _, page) = send(&app, get("/file?year=2026&kind=annual", &chen)).await;
    let mut pairs = form_fields(&page, "report-form");
    set_field(&mut pairs, "other_matters", "draft in progress");
    set_field(&mut pairs, "action", "save");
    send(
        &app,
        form_post("/file?year=2026&kind=annual", &chen, urlencoded(&pairs)),
    )
    .await;
    // A GET of the correction changes nothing; the POST starts it in its own slot.
    send(&app, get("/file?correct=D2025-000001", &chen)).await;
    assert!(
        draft_of(&app, &person, 2025, "correction:D2025-000001")
            .await
            .is_none()
    );
    start_correction(&app, &chen, "D2025-000001").await;
    let draft = draft_of(&app, &person, 2026, "annual").await.unwrap();
    assert_eq!(
        draft["other_matters"], "draft in progress",
        "the draft survives"
    );
    let correction = draft_of(&app, &person, 2025, "correction:D2025-000001")
        .await
        .unwrap();
    assert_eq!(correction["supersedes"], "D2025-000001");
    // A second start keeps the correction as it is.
    let (_, _, page) = send(&app, get("/file?correct=D2025-000001", &chen)).await;
    assert!(page.contains("id=\"corrects\"") && page.contains("href=\"/reports/D2025-000001\""));
    let mut pairs = form_fields(&page, "report-form");
    set_field(&mut pairs, "other_matters", "corrected");
    set_field(&mut pairs, "action", "save");
    send(
        &app,
        form_post("/file?correct=D2025-000001", &chen, urlencoded(&pairs)),
    )
    .await;
    start_correction(&app, &chen, "D2025-000001").await;
    let correction = draft_of(&app, &person, 2025, "correction:D2025-000001")
        .await
        .unwrap();
    assert_eq!(correction["other_matters"], "corrected");
    // "File" opens the annual draft, not the correction.
    let (_, _, page) = send(&app, get("/file?year=2026&kind=annual", &chen)).await;
    assert!(page.contains("draft in progress") && !page.contains("id=\"corrects\""));
    // Filed, the receipt says which report it corrects.
    let (_, _, page) = send(&app, get("/file?correct=D2025-000001", &chen)).await;
    let mut pairs = form_fields(&page, "report-form");
    set_field(&mut pairs, "action", "submit");
    set_field(&mut pairs, "commitment", "1");
    let (status, _, page) = send(
        &app,
        form_post("/file?correct=D2025-000001", &chen, urlencoded(&pairs)),
    )
    .await;
    assert_eq!(status, StatusCode::SEE_OTHER, "{:?}", summary_paths(&page));
    let id = correction["declaration_id"].as_str().unwrap();
    let (_, _, page) = send(&app, get(&format!("/reports/{id}"), &chen)).await;
    assert!(
        page.contains("id=\"corrects\"><a href=\"/reports/D2025-000001\""),
        "{page}"
    );
}

on_both!(
    an_annual_report_starts_from_the_last_one_marked_until_confirmed,
    an_annual_report_starts_from_the_last_one_marked_until_confirmed_on_sqlite,
    an_annual_report_starts_from_the_last_one_marked_until_confirmed_on_postgresql
);

async fn an_annual_report_starts_from_the_last_one_marked_until_confirmed(db: Db) {
    let Some((_dir, app)) = super::app_on(db).await else {
        return;
    };
    let chen = sign_in(&app, "chen", PASSWORD).await.unwrap();
    let person = person_of(&app, DECLARANT);
    let (_, _, page) = send(&app, get("/file?year=2026&kind=annual", &chen)).await;
    assert!(page.contains("id=\"start-from-last\""));
    let csrf = csrf_of(&app, &chen).await;
    let (status, _, _) = send(
        &app,
        form_post(
            "/file/start-from-last",
            &chen,
            format!("csrf={csrf}&year=2026&kind=annual"),
        ),
    )
    .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    let draft = draft_of(&app, &person, 2026, "annual").await.unwrap();
    assert_eq!(draft["carried_over"]["from"], "D2025-000001");
    assert_eq!(draft["persons"].as_array().unwrap().len(), 3);
    assert!(draft["real_estate"][0]["address"].is_string());
    assert!(draft.get("trips").is_none() && draft["salary"] == serde_json::json!({}));
    let (_, _, page) = send(&app, get("/file?year=2026&kind=annual", &chen)).await;
    assert!(page.contains("id=\"carried.real_estate\"") && page.contains("D2025-000001"));
    // Submitting with a section unconfirmed is refused, at that section.
    let mut pairs = form_fields(&page, "report-form");
    set_field(&mut pairs, "action", "review");
    let (status, _, page) = send(
        &app,
        form_post("/file?year=2026&kind=annual", &chen, urlencoded(&pairs)),
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    let paths = summary_paths(&page);
    assert!(
        paths.contains(&"$.carried_over.real_estate".to_owned()),
        "{paths:?}"
    );
    // Confirming every section removes the marks; an edit counts as a confirmation.
    let carried: Vec<String> = draft["carried_over"]["sections"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s.as_str().unwrap().to_owned())
        .collect();
    for key in &carried {
        if key != "persons" {
            set_field(&mut pairs, &format!("confirm.{key}"), "1");
        }
    }
    set_field(&mut pairs, "persons[2].name", "陈翔诚 (edited)");
    set_field(&mut pairs, "action", "save");
    let (_, _, page) = send(
        &app,
        form_post("/file?year=2026&kind=annual", &chen, urlencoded(&pairs)),
    )
    .await;
    assert!(!page.contains("id=\"carried."), "every mark is gone");
    let draft = draft_of(&app, &person, 2026, "annual").await.unwrap();
    assert!(draft.get("carried_over").is_none(), "{draft}");
    // The yearly values typed, the empty matters ticked: filed, without any mark.
    let mut pairs = form_fields(&page, "report-form");
    // An annual report is filed after its year has ended.
    set_field(&mut pairs, "filed_on", "2027-01-10");
    app.store
        .open_cycle(
            &probity_store::Stamp::new("2027-01-02T08:00:00Z", "test"),
            2026,
            probity_model::Date::parse("2027-01-31").unwrap(),
        )
        .await
        .unwrap();
    for (name, value) in [
        ("salary.wages", "130000"),
        ("salary.bonuses", "0"),
        ("salary.other", "0"),
    ] {
        set_field(&mut pairs, name, value);
    }
    for key in [
        "trips",
        "child_marriages",
        "residence_abroad",
        "criminal_cases",
        "labor_income",
        "stocks",
        "funds",
        "insurance",
        "businesses",
        "overseas_deposits",
        "overseas_investments",
    ] {
        if draft.get(key).is_none() {
            set_field(&mut pairs, &format!("nothing.{key}"), "1");
        }
    }
    set_field(&mut pairs, "action", "submit");
    set_field(&mut pairs, "commitment", "1");
    let (status, _, page) = send(
        &app,
        form_post("/file?year=2026&kind=annual", &chen, urlencoded(&pairs)),
    )
    .await;
    assert_eq!(
        status,
        StatusCode::SEE_OTHER,
        "{:?}",
        page.split("id=\"errors\"")
            .nth(1)
            .unwrap_or("")
            .split("</div>")
            .next()
    );
    let filed = app
        .store
        .reports_of(&person)
        .await
        .unwrap()
        .into_iter()
        .find(|r| r.year == 2026)
        .unwrap();
    let (_, _, body) = send(
        &app,
        get(&format!("/api/reports/{}", filed.declaration_id), &chen),
    )
    .await;
    let content = serde_json::from_str::<serde_json::Value>(&body).unwrap()["content"].clone();
    assert!(
        content.get("carried_over").is_none(),
        "the mark is the draft's only"
    );
    assert_eq!(content["real_estate"], draft["real_estate"]);
}

#[tokio::test]
async fn six_mistakes_come_back_at_once_on_the_form_and_through_the_api() {
    let (_dir, app) = super::app().await;
    let newbie = sign_in(&app, "newbie", PASSWORD).await.unwrap();
    let (_, _, page) = send(&app, get("/file?year=2025&kind=annual", &newbie)).await;
    assert!(
        !page.contains("id=\"start-from-last\""),
        "nothing to start from: no button that would do nothing"
    );
    let mut pairs = form_fields(&page, "report-form");
    set_field(&mut pairs, "filed_on", "2026-01-20");
    set_field(&mut pairs, "marriage.status", "unmarried");
    set_field(&mut pairs, "salary.wages", "120000");
    set_field(&mut pairs, "salary.bonuses", "0");
    set_field(&mut pairs, "salary.other", "0");
    for key in [
        "trips",
        "child_marriages",
        "residence_abroad",
        "employment",
        "criminal_cases",
        "labor_income",
        "funds",
        "insurance",
        "businesses",
        "overseas_deposits",
        "overseas_investments",
    ] {
        set_field(&mut pairs, &format!("nothing.{key}"), "1");
    }
    // The six: a bad date, a bad amount, a missing field, an unknown ref, an unticked empty
    // section (stocks), a date after the report date.
    set_rows(
        &mut pairs,
        "real_estate",
        &[&[
            ("owners", "nobody"),
            ("certificate_number", "闽(2020)福州市不动产权第0000001号"),
            ("area_m2", "88.5"),
            ("kind", "commodity"),
            ("source", "purchase"),
            ("acquired_on", "2020-13"),
            ("price", "12x"),
        ]],
    );
    set_rows(
        &mut pairs,
        "travel_documents",
        &[&[
            ("holder", "self"),
            ("kind", "passport"),
            ("number", "E12345678"),
            ("issued_on", "2026-03-01"),
            ("expires_on", "2036-02-28"),
            ("kept_by", "福州市工商业联合会机关党委"),
        ]],
    );
    set_field(&mut pairs, "action", "review");
    let (status, _, page) = send(
        &app,
        form_post("/file?year=2025&kind=annual", &newbie, urlencoded(&pairs)),
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    let paths = summary_paths(&page);
    let expected = [
        "$.travel_documents[0].issued_on",
        "$.real_estate[0].owners",
        "$.real_estate[0].address",
        "$.real_estate[0].acquired_on",
        "$.real_estate[0].price",
        "stocks",
    ];
    for e in expected {
        assert!(paths.iter().any(|p| p.contains(e)), "{e} in {paths:?}");
    }
    // In form order.
    let position = |e: &str| paths.iter().position(|p| p.contains(e)).unwrap();
    for pair in expected.windows(2) {
        assert!(
            position(pair[0]) < position(pair[1]),
            "{pair:?} in {paths:?}"
        );
    }
    // The same report through the JSON API: the same six, in the same order.
    let person = person_of(&app, NEWBIE);
    let draft = draft_of(&app, &person, 2025, "annual").await.unwrap();
    let csrf = csrf_of(&app, &newbie).await;
    let (status, _, body) = send(
        &app,
        super::send_json("POST", "/api/reports", &newbie, &csrf, draft.to_string()),
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    let reply: serde_json::Value = serde_json::from_str(&body).unwrap();
    let api_paths: Vec<String> = reply["issues"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["path"].as_str().unwrap().to_owned())
        .collect();
    for e in expected {
        assert!(
            api_paths.iter().any(|p| p.contains(e)),
            "{e} in {api_paths:?}"
        );
    }
    let position = |e: &str| api_paths.iter().position(|p| p.contains(e)).unwrap();
    for pair in expected.windows(2) {
        assert!(
            position(pair[0]) < position(pair[1]),
            "{pair:?} in {api_paths:?}"
        );
    }
}

// ---- Journeys in a real browser ------------------------------------------------------------------

mod browser {
    use std::sync::Arc;

    use fantoccini::{Client, Locator};

    use super::super::db::{Db, TestDb};
    use super::super::{PASSWORD, axe, browser, shot};

    /// The app served on a free port, and its address; `None` when PostgreSQL is asked for and
    /// no server answers outside CI.
    async fn served(db: Db) -> Option<(TestDb, Arc<probity_web::App>, String)> {
        let (dir, app) = super::super::app_on(db).await?;
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let base = format!("http://{}", listener.local_addr().unwrap());
        tokio::spawn(probity_web::serve(Arc::clone(&app), listener));
        Some((dir, app, base))
    }

    async fn sign_in(client: &Client, base: &str, user: &str) {
        client.goto(&format!("{base}/login")).await.unwrap();
        type_into(client, "username", user).await;
        type_into(client, "password", PASSWORD).await;
        click(client, "sign-in").await;
        // Only a signed-in page has the sign-out form.
        client
            .wait()
            .for_element(Locator::Css("form[action='/logout']"))
            .await
            .unwrap();
    }

    async fn type_into(client: &Client, id: &str, text: &str) {
        let e = client.find(Locator::Id(id)).await.unwrap();
        e.clear().await.unwrap();
        e.send_keys(text).await.unwrap();
    }

    async fn set_value(client: &Client, id: &str, value: &str) {
        // Date inputs take their value as the page sees it, whatever the browser's locale.
        client
            .execute(
                "document.getElementById(arguments[0]).value = arguments[1];",
                vec![id.into(), value.into()],
            )
            .await
            .unwrap();
    }

    async fn choose(client: &Client, id: &str, value: &str) {
        client
            .find(Locator::Id(id))
            .await
            .unwrap()
            .select_by_value(value)
            .await
            .unwrap();
    }

    async fn click(client: &Client, id: &str) {
        client
            .find(Locator::Id(id))
            .await
            .unwrap()
            .click()
            .await
            .unwrap();
    }

    /// Waits for an element only the page being waited for has.
    async fn wait_for(client: &Client, id: &str) {
        if let Err(e) = client.wait().for_element(Locator::Id(id)).await {
            panic!(
                "{e}: waiting for #{id} in {}",
                client.source().await.unwrap()
            );
        }
    }

    async fn text(client: &Client) -> String {
        client
            .find(Locator::Css("main"))
            .await
            .unwrap()
            .text()
            .await
            .unwrap()
    }

    async fn no_axe_violations(client: &Client, name: &str) {
        let found = axe(client).await;
        assert!(found.is_empty(), "{name}: {}", found.join("\n"));
    }

    on_both!(
        a_change_report_of_a_childs_marriage_to_a_foreigner_in_chinese,
        a_change_report_of_a_childs_marriage_to_a_foreigner_in_chinese_on_sqlite,
        a_change_report_of_a_childs_marriage_to_a_foreigner_in_chinese_on_postgresql
    );

    async fn a_change_report_of_a_childs_marriage_to_a_foreigner_in_chinese(db: Db) {
        let Some((_dir, _app, base)) = served(db).await else {
            return;
        };
        let Some((_driver, client)) = browser().await else {
            return;
        };
        sign_in(&client, &base, "chen").await;
        client
            .goto(&format!("{base}/file?kind=change"))
            .await
            .unwrap();
        wait_for(&client, "change.on").await;
        no_axe_violations(&client, "change form, nothing chosen").await;
        set_value(&client, "change.on", "2026-11-20").await;
        click(&client, "change-child_marriages").await;
        click(&client, "show-matters").await;
        wait_for(&client, "child_marriages").await;
        let page = client.source().await.unwrap();
        assert!(!page.contains("id=\"real_estate\"") && !page.contains("id=\"salary\""));
        click(&client, "add-persons").await;
        wait_for(&client, "persons[1].ref").await;
        click(&client, "add-persons").await;
        wait_for(&client, "persons[2].ref").await;
        click(&client, "add-child_marriages").await;
        wait_for(&client, "child_marriages[0].child").await;
        type_into(&client, "persons[1].ref", "c1").await;
        choose(&client, "persons[1].relation", "child").await;
        type_into(&client, "persons[1].name", "陈翔诚").await;
        type_into(&client, "persons[1].id", super::NEWBIE).await;
        type_into(&client, "persons[2].ref", "cs").await;
        choose(&client, "persons[2].relation", "child_spouse").await;
        type_into(&client, "persons[2].name", "Anna Smith").await;
        type_into(&client, "persons[2].nationality", "US").await;
        type_into(&client, "persons[2].of", "c1").await;
        type_into(&client, "child_marriages[0].child", "c1").await;
        type_into(&client, "child_marriages[0].spouse", "cs").await;
        choose(&client, "child_marriages[0].region", "foreign").await;
        set_value(&client, "child_marriages[0].married_on", "2026-11-20").await;
        shot(&client, "file-change").await;
        click(&client, "review").await;
        wait_for(&client, "commitment").await;
        click(&client, "commitment").await;
        click(&client, "submit").await;
        wait_for(&client, "receipt").await;
        assert!(
            client
                .current_url()
                .await
                .unwrap()
                .path()
                .starts_with("/reports/")
        );
        let shown = text(&client).await;
        assert!(
            shown.contains("2026-11-20") && shown.contains("发生变化的事项"),
            "{shown}"
        );
        assert!(client.find(Locator::Id("v-real_estate")).await.is_err());
        no_axe_violations(&client, "change report page").await;
        shot(&client, "report-change").await;
        client.close().await.unwrap();
    }

    on_both!(
        a_second_annual_report_is_refused_in_english_and_the_correction_started,
        a_second_annual_report_is_refused_in_english_and_the_correction_started_on_sqlite,
        a_second_annual_report_is_refused_in_english_and_the_correction_started_on_postgresql
    );

    async fn a_second_annual_report_is_refused_in_english_and_the_correction_started(db: Db) {
        let Some((_dir, _app, base)) = served(db).await else {
            return;
        };
        let Some((_driver, client)) = browser().await else {
            return;
        };
        sign_in(&client, &base, "chen").await;
        client.goto(&format!("{base}/lang/en")).await.unwrap();
        client
            .goto(&format!("{base}/file?year=2025&kind=annual"))
            .await
            .unwrap();
        wait_for(&client, "notice").await;
        let shown = text(&client).await;
        assert!(
            shown.contains("is already in force: D2025-000001"),
            "{shown}"
        );
        no_axe_violations(&client, "report in force").await;
        shot(&client, "file-in-force").await;
        click(&client, "start-correction").await;
        wait_for(&client, "corrects").await;
        let shown = text(&client).await;
        assert!(shown.contains("Corrects report: D2025-000001"), "{shown}");
        assert!(
            client
                .current_url()
                .await
                .unwrap()
                .as_str()
                .ends_with("/file?correct=D2025-000001")
        );
        client.close().await.unwrap();
    }

    on_both!(
        a_correction_with_a_draft_in_progress_and_a_report_from_last_years,
        a_correction_with_a_draft_in_progress_and_a_report_from_last_years_on_sqlite,
        a_correction_with_a_draft_in_progress_and_a_report_from_last_years_on_postgresql
    );

    async fn a_correction_with_a_draft_in_progress_and_a_report_from_last_years(db: Db) {
        let Some((_dir, _app, base)) = served(db).await else {
            return;
        };
        let Some((_driver, client)) = browser().await else {
            return;
        };
        sign_in(&client, &base, "chen").await;
        // Next year's report, started from last year's: every carried section says so.
        client
            .goto(&format!("{base}/file?year=2026&kind=annual"))
            .await
            .unwrap();
        click(&client, "start-from-last").await;
        wait_for(&client, "carried.real_estate").await;
        let shown = text(&client).await;
        assert!(
            shown.contains("沿用自 D2025-000001 — 请确认或修改"),
            "{shown}"
        );
        no_axe_violations(&client, "carried over").await;
        shot(&client, "file-carried-over").await;
        type_into(&client, "other_matters", "草稿进行中").await;
        for e in client
            .find_all(Locator::Css("input[name^='confirm.']"))
            .await
            .unwrap()
        {
            e.click().await.unwrap();
        }
        click(&client, "save").await;
        // Only the page after a save says it was saved.
        wait_for(&client, "saved").await;
        assert!(client.find(Locator::Css("[id^='carried.']")).await.is_err());
        // A correction of last year's report, with that draft in progress.
        client
            .goto(&format!("{base}/reports/D2025-000001"))
            .await
            .unwrap();
        click(&client, "correct").await;
        wait_for(&client, "corrects").await;
        shot(&client, "file-correction").await;
        // "File" opens the draft in progress, intact, not the correction.
        client
            .goto(&format!("{base}/file?year=2026&kind=annual"))
            .await
            .unwrap();
        wait_for(&client, "other_matters").await;
        assert!(client.find(Locator::Id("corrects")).await.is_err());
        let kept = client
            .find(Locator::Id("other_matters"))
            .await
            .unwrap()
            .prop("value")
            .await
            .unwrap();
        assert_eq!(kept.as_deref(), Some("草稿进行中"));
        client.close().await.unwrap();
    }

    on_both!(
        an_initial_report_of_a_new_subject,
        an_initial_report_of_a_new_subject_on_sqlite,
        an_initial_report_of_a_new_subject_on_postgresql
    );

    async fn an_initial_report_of_a_new_subject(db: Db) {
        let Some((_dir, app, base)) = served(db).await else {
            return;
        };
        let Some((_driver, client)) = browser().await else {
            return;
        };
        sign_in(&client, &base, "newbie").await;
        client
            .goto(&format!("{base}/file?kind=initial"))
            .await
            .unwrap();
        wait_for(&client, "report-form").await;
        let income_year = chrono::Datelike::year(&chrono::Utc::now()) - 1;
        let heading = client
            .find(Locator::Css("h1"))
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        assert!(
            heading.contains(&income_year.to_string()) && heading.contains("首次报告"),
            "{heading}"
        );
        choose(&client, "marriage.status", "unmarried").await;
        type_into(&client, "salary.wages", "120000").await;
        type_into(&client, "salary.bonuses", "0").await;
        type_into(&client, "salary.other", "0").await;
        for e in client
            .find_all(Locator::Css("input[name^='nothing.']"))
            .await
            .unwrap()
        {
            e.click().await.unwrap();
        }
        click(&client, "review").await;
        wait_for(&client, "commitment").await;
        click(&client, "commitment").await;
        click(&client, "submit").await;
        wait_for(&client, "receipt").await;
        let person = super::person_of(&app, super::NEWBIE);
        let reports = app.store.reports_of(&person).await.unwrap();
        assert_eq!(reports.len(), 1);
        assert_eq!(reports[0].kind, "initial");
        assert_eq!(reports[0].year, i64::from(income_year));
        shot(&client, "report-initial").await;
        client.close().await.unwrap();
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn autosave_saves_to_the_forms_own_address_and_says_when() {
        let Some((_driver, client)) = browser().await else {
            return;
        };
        let Some((_dir, app, base)) = served(Db::Sqlite).await else {
            return;
        };
        sign_in(&client, &base, "newbie").await;
        client
            .goto(&format!("{base}/file?year=2025&kind=annual"))
            .await
            .unwrap();
        wait_for(&client, "report-form").await;
        type_into(&client, "other_matters", "自动保存的内容").await;
        // The script saves every half minute while there is unsaved input.
        let status = client
            .wait()
            .at_most(std::time::Duration::from_secs(45))
            .for_element(Locator::Css("#autosave:not(:empty)"))
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        let time = status.strip_prefix("草稿已自动保存： ").unwrap_or("");
        assert!(
            time.len() == 5 && time.as_bytes()[2] == b':',
            "saved at HH:MM: {status:?}"
        );
        let person = super::person_of(&app, super::NEWBIE);
        let draft = super::draft_of(&app, &person, 2025, "annual")
            .await
            .unwrap();
        assert_eq!(draft["other_matters"], "自动保存的内容");
        client.close().await.unwrap();
    }
}
