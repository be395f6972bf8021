//! The life of a report on the declarant's form (issue 11): kinds, a refused duplicate,
//! corrections in their own draft slot, starting from the last report, every error at once —
//! through the router, and as journeys in a real browser.

use std::sync::Arc;

use axum::http::StatusCode;
use probity_web::App;

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

#[tokio::test]
async fn a_change_report_asks_what_changed_and_carries_only_that() {
    let (_dir, app) = super::app().await;
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

#[tokio::test]
async fn a_second_annual_report_is_refused_and_the_correction_offered() {
    let (_dir, app) = super::app().await;
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

#[tokio::test]
async fn a_correction_has_its_own_draft_and_names_the_report_it_corrects() {
    let (_dir, app) = super::app().await;
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

#[tokio::test]
async fn an_annual_report_starts_from_the_last_one_marked_until_confirmed() {
    let (_dir, app) = super::app().await;
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
}

#[tokio::test]
async fn six_mistakes_come_back_at_once_on_the_form_and_through_the_api() {
    let (_dir, app) = super::app().await;
    let newbie = sign_in(&app, "newbie", PASSWORD).await.unwrap();
    let (_, _, page) = send(&app, get("/file?year=2025&kind=annual", &newbie)).await;
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
