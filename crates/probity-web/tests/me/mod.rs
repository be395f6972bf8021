//! The declarant's own page, `/me`: what needs their action first (a report due, a draft, an
//! explanation asked for), then their reports with their standing and the outcome of their
//! verification once it is in force; in Chinese and in English, by request and in a browser.

use std::sync::Arc;

use axum::http::StatusCode;
use probity_model::Profile;
use probity_store::Stamp;
use probity_web::App;

use super::browser::{
    browser, click_and_wait_for, leaving, shot, wait_for, wait_for_text, wait_for_url,
};
use super::{
    DECLARANT, NEWBIE, PASSWORD, app, app_with_cases, case_of, form_post, get, send, sign_in,
};

fn english(cookie: &str) -> String {
    format!("{cookie}; lang=en")
}

/// Where `needle` first is on the page (it must be there).
fn at(page: &str, needle: &str) -> usize {
    page.find(needle)
        .unwrap_or_else(|| panic!("{needle:?} is not on the page:\n{page}"))
}

fn csrf(page: &str) -> String {
    page.split("name=\"csrf\" value=\"")
        .nth(1)
        .unwrap()
        .split('"')
        .next()
        .unwrap()
        .to_owned()
}

#[tokio::test]
async fn the_page_leads_with_what_needs_action_and_names_every_report() {
    let (_dir, app) = app().await;
    // Nothing filed: the report due leads the page, above the (empty) list of reports.
    let newbie = sign_in(&app, "newbie", PASSWORD).await.unwrap();
    let (status, _, page) = send(&app, get("/me", &newbie)).await;
    assert_eq!(status, StatusCode::OK);
    assert!(at(&page, "id=\"actions\"") < at(&page, "id=\"notice\""));
    assert!(at(&page, "id=\"notice\"") < at(&page, "尚未提交报告。"));
    assert!(!page.contains("id=\"no-actions\""));
    // A draft in progress: which report, when last saved, and the link to continue it.
    let person = app
        .store
        .person_key(&probity_model::ResidentId::parse(NEWBIE).unwrap());
    app.store
        .save_draft(
            &Stamp::new("2026-01-20T08:30:00Z", "web:newbie"),
            &person,
            2025,
            "annual",
            "{}",
        )
        .await
        .unwrap();
    let (_, _, page) = send(&app, get("/me", &newbie)).await;
    let draft = &page[at(&page, "id=\"draft-annual-2025\"")..];
    assert!(
        draft.contains("2025年年度报告的草稿已保存（最后保存于 2026-01-20T08:30:00Z）"),
        "{draft}"
    );
    assert!(
        draft.contains("href=\"/file?year=2025&amp;kind=annual\" id=\"continue-annual-2025\""),
        "{draft}"
    );
    let (_, _, page) = send(&app, get("/me", &english(&newbie))).await;
    assert!(
        page.contains(
            "A draft of the Annual report for 2025 is saved (last saved 2026-01-20T08:30:00Z)."
        ),
        "{page}"
    );

    // Filed, then corrected: nothing to do; the first superseded by the correction, the
    // correction in force and saying what it corrects.
    let chen = sign_in(&app, "chen", PASSWORD).await.unwrap();
    let (_, _, page) = send(&app, get("/me", &chen)).await;
    assert!(page.contains("id=\"no-actions\""), "{page}");
    let text = std::fs::read_to_string(super::fixtures().join("declarations.jsonl")).unwrap();
    let mut corrected: serde_json::Value =
        serde_json::from_str(text.lines().next().unwrap()).unwrap();
    assert_eq!(
        corrected["declarant_id"], DECLARANT,
        "the first report is chen's"
    );
    corrected["declaration_id"] = "D2025-000001-c1".into();
    corrected["supersedes"] = "D2025-000001".into();
    let profile = Profile::builtin("cn").unwrap();
    let declaration =
        probity_model::validation::parse_and_validate(&corrected, |_| Some(&profile)).unwrap();
    app.store
        .submit_declaration(
            &Stamp::new("2026-02-02T08:00:00Z", "web:chen"),
            &declaration,
            &corrected.to_string(),
        )
        .await
        .unwrap();
    for (cookie, words, superseded, correction, in_force) in [
        (
            chen.clone(),
            "2025年年度报告",
            "已被更正，更正报告",
            "更正报告，所更正的报告",
            "有效",
        ),
        (
            english(&chen),
            "Annual report for 2025",
            "Superseded by",
            "A correction of",
            "In force",
        ),
    ] {
        let (_, _, page) = send(&app, get("/me", &cookie)).await;
        let first = &page[at(&page, "id=\"report-D2025-000001\"")..];
        let first = &first[..at(first, "</tr>")];
        assert!(first.contains(words), "{first}");
        assert!(
            first.contains(&format!(
                "{superseded} <a href=\"/reports/D2025-000001-c1\">D2025-000001-c1</a>"
            )),
            "{first}"
        );
        assert!(!first.contains(in_force), "{first}");
        let second = &page[at(&page, "id=\"report-D2025-000001-c1\"")..];
        let second = &second[..at(second, "</tr>")];
        assert!(
            second.contains(&format!("class=\"in-force\">{in_force}")),
            "{second}"
        );
        assert!(
            second.contains(&format!(
                "{correction} <a href=\"/reports/D2025-000001\">D2025-000001</a>"
            )),
            "{second}"
        );
    }
}

/// Lin's case (report 2) with a request for explanation due on a date, and the concealment
/// decided by ann: returns the case, the request and the determination.
async fn decided(app: &Arc<App>) -> (probity_store::CaseSummary, i64, i64) {
    let profile = Profile::builtin("cn").unwrap();
    let case = case_of(app, "D2025-000002").await;
    let ann = Stamp::new("2026-02-10T08:00:00Z", "web:ann");
    let asked = app
        .store
        .request_explanation(
            &ann,
            &profile,
            case.id,
            "请说明未报告的房产来源。",
            Some("2026-03-01"),
        )
        .await
        .unwrap();
    let file = app
        .store
        .case_file(&ann, &profile, case.id)
        .await
        .unwrap()
        .unwrap();
    let concealed = file
        .findings
        .iter()
        .find(|f| f.evidence.finding.classification.as_str() == "concealment")
        .unwrap()
        .id;
    let determination = app
        .store
        .determine(
            &ann,
            &profile,
            concealed,
            "concealment",
            "VERIFIERS-REASONING: 登记在家庭名下的房产未报告",
            &["admonishment".to_owned()],
        )
        .await
        .unwrap();
    (case, asked, determination)
}

#[tokio::test]
async fn the_subject_answers_from_the_top_and_learns_the_outcome_once_in_force() {
    let (_dir, app) = app_with_cases().await;
    let profile = Profile::builtin("cn").unwrap();
    let (_, asked, determination) = decided(&app).await;
    let lin = sign_in(&app, "lin", PASSWORD).await.unwrap();
    let (_, _, page) = send(&app, get("/me", &lin)).await;
    // The request is an action, with its date and a link to the answer's form, and the form is
    // above the reports.
    let action = &page[at(&page, &format!("id=\"explain-{asked}\""))..];
    assert!(action.contains("请于 2026-03-01 前答复"), "{action}");
    assert!(action.contains(&format!("href=\"#answer-{asked}\"")));
    assert!(at(&page, &format!("id=\"answer-{asked}\"")) < at(&page, "id=\"reports\""));
    // Awaiting the second verifier: the subject learns nothing yet.
    let concealment = profile.determination("concealment").unwrap();
    assert!(!page.contains(&concealment.name), "{page}");
    assert!(page.contains("尚无生效的核查结论"));

    app.store
        .confirm_determination(
            &Stamp::new("2026-02-12T09:00:00Z", "web:bob"),
            &profile,
            determination,
        )
        .await
        .unwrap();
    let admonishment = profile
        .measures
        .iter()
        .find(|m| m.id == "admonishment")
        .unwrap();
    for (cookie, outcome, measure) in [
        (lin.clone(), &concealment.name, &admonishment.name),
        (english(&lin), &concealment.name_en, &admonishment.name_en),
    ] {
        let (_, _, page) = send(&app, get("/me", &cookie)).await;
        let row = &page[at(&page, "id=\"report-D2025-000002\"")..];
        let row = &row[..at(row, "</tr>")];
        assert!(
            row.contains(&format!("{outcome} · {measure}")) && row.contains("2026-02-12"),
            "{row}"
        );
        // The verifiers' reasoning and who decided stay with the verifiers.
        assert!(!page.contains("VERIFIERS-REASONING"));
        assert!(!page.contains("web:ann") && !page.contains("web:bob"));
    }

    // Answered: shown as answered, no longer an action.
    let token = csrf(&page);
    let (status, _, _) = send(
        &app,
        form_post(
            &format!("/explanations/{asked}"),
            &lin,
            format!("csrf={token}&answer=%E8%AF%A5%E6%88%BF%E4%BA%A7%E7%B3%BB%E7%88%B6%E6%AF%8D%E8%B5%A0%E4%B8%8E"),
        ),
    )
    .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    let (_, _, page) = send(&app, get("/me", &lin)).await;
    assert!(!page.contains(&format!("id=\"explain-{asked}\"")), "{page}");
    assert!(!page.contains(&format!("id=\"answer-{asked}\"")));
    let answered = &page[at(&page, &format!("id=\"explanation-{asked}\""))..];
    assert!(
        answered.contains("已答复") && answered.contains("该房产系父母赠与"),
        "{answered}"
    );
    let (_, _, page) = send(&app, get("/me", &english(&lin))).await;
    assert!(page.contains("Answered"));
    // Another subject's page shows none of it.
    let chen = sign_in(&app, "chen", PASSWORD).await.unwrap();
    let (_, _, page) = send(&app, get("/me", &chen)).await;
    assert!(!page.contains(&concealment.name) && !page.contains("id=\"explanations\""));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_declarants_page_in_a_real_browser() {
    use fantoccini::Locator;
    let Some((_driver, client)) = browser().await else {
        return;
    };
    let (_dir, app) = app_with_cases().await;
    let profile = Profile::builtin("cn").unwrap();
    let (_, asked, determination) = decided(&app).await;
    app.store
        .confirm_determination(
            &Stamp::new("2026-02-12T09:00:00Z", "web:bob"),
            &profile,
            determination,
        )
        .await
        .unwrap();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(probity_web::serve(Arc::clone(&app), listener));

    client.goto(&format!("{base}/login")).await.unwrap();
    for (id, text) in [("username", "lin"), ("password", PASSWORD)] {
        client
            .find(Locator::Id(id))
            .await
            .unwrap()
            .send_keys(text)
            .await
            .unwrap();
    }
    let button = client.find(Locator::Id("sign-in")).await.unwrap();
    leaving(&client, button.click()).await.unwrap();
    wait_for_url(&client, "/me").await;
    // What needs action comes first in the page: the first heading after the title.
    let first = wait_for(&client, Locator::Css("main h2")).await;
    assert_eq!(
        first.attr("id").await.unwrap().as_deref(),
        Some("actions-h")
    );
    let outcome = client
        .find(Locator::Css("#report-D2025-000002 li.outcome"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let concealment = profile.determination("concealment").unwrap();
    assert!(outcome.contains(&concealment.name), "{outcome}");
    let problems = super::axe(&client).await;
    assert!(problems.is_empty(), "{}", problems.join("\n"));
    shot(&client, "me").await;

    // The link in the action list goes to the form; the answer sent, the request is answered.
    client
        .find(Locator::Id(&format!("to-answer-{asked}")))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    wait_for_url(&client, &format!("/me#answer-{asked}")).await;
    client
        .find(Locator::Id(&format!("answer-{asked}")))
        .await
        .unwrap()
        .send_keys("该房产系父母赠与，已补充报告。")
        .await
        .unwrap();
    click_and_wait_for(
        &client,
        Locator::Id(&format!("send-answer-{asked}")),
        Locator::Css(&format!("#explanation-{asked}.answered")),
    )
    .await;
    assert!(
        client
            .find(Locator::Id(&format!("explain-{asked}")))
            .await
            .is_err()
    );
    assert!(client.find(Locator::Id("no-actions")).await.is_ok());
    shot(&client, "me-answered").await;

    // In English: the same page in the other language.
    let link = client.find(Locator::LinkText("English")).await.unwrap();
    leaving(&client, link.click()).await.unwrap();
    wait_for_text(&client, "Nothing needs your action now.").await;
    let outcome = client
        .find(Locator::Css("#report-D2025-000002 li.outcome"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(outcome.contains(&concealment.name_en), "{outcome}");
    let row = client
        .find(Locator::Id("report-D2025-000002"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        row.contains("Annual report for 2025") && row.contains("In force"),
        "{row}"
    );
    let problems = super::axe(&client).await;
    assert!(problems.is_empty(), "{}", problems.join("\n"));
    shot(&client, "me-en").await;
    client.close().await.unwrap();
}
