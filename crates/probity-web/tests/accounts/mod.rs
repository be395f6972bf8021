//! Accounts (issue 12, item 5): passwords that must change and be strong, sessions that end
//! with the old password, a lockout that names nobody and says how long, parallel attempts that
//! cannot outrun it, and administrators who reset and unlock accounts of their units.

use std::sync::Arc;

use axum::http::StatusCode;
use probity_store::{Role, Stamp, User};
use probity_web::App;
use tower::ServiceExt;

use super::{PASSWORD, app, csrf_of, form_post, get, send, sign_in};

/// The CSRF token of the password page (the one page an initial password may open).
async fn password_csrf(app: &Arc<App>, cookie: &str) -> String {
    let (_, _, page) = send(app, get("/password", cookie)).await;
    page.split("name=\"csrf\" value=\"")
        .nth(1)
        .unwrap()
        .split('"')
        .next()
        .unwrap()
        .to_owned()
}

/// Posts the password form; the status and page.
async fn change(app: &Arc<App>, cookie: &str, current: &str, new: &str) -> (StatusCode, String) {
    let csrf = password_csrf(app, cookie).await;
    let enc = |s: &str| s.replace(' ', "+");
    let (status, _, page) = send(
        app,
        form_post(
            "/password",
            cookie,
            format!("csrf={csrf}&current={}&new={}", enc(current), enc(new)),
        ),
    )
    .await;
    (status, page)
}

/// An administrator resets `username` through the page; the new initial password.
async fn reset(app: &Arc<App>, admin: &str, username: &str) -> (StatusCode, String) {
    let csrf = csrf_of(app, admin).await;
    let (status, _, page) = send(
        app,
        form_post(
            "/admin/accounts/reset",
            admin,
            format!("csrf={csrf}&username={username}"),
        ),
    )
    .await;
    let password = page
        .split("id=\"initial-password\">")
        .nth(1)
        .map(|p| p.split('<').next().unwrap().to_owned())
        .unwrap_or(page);
    (status, password)
}

/// Signs in as [`sign_in`] does, with English chosen; the failed page.
async fn sign_in_english(
    app: &Arc<App>,
    username: &str,
    password: &str,
) -> Result<(), (StatusCode, String)> {
    let (_, cookies, page) = send(
        app,
        axum::http::Request::get("/login")
            .header("cookie", "lang=en")
            .body(axum::body::Body::empty())
            .unwrap(),
    )
    .await;
    let login_cookie = cookies
        .iter()
        .find(|c| c.starts_with("probity_login="))
        .unwrap();
    let token = page
        .split("name=\"csrf\" value=\"")
        .nth(1)
        .unwrap()
        .split('"')
        .next()
        .unwrap();
    let (status, cookies, body) = send(
        app,
        axum::http::Request::post("/login")
            .header("content-type", "application/x-www-form-urlencoded")
            .header("cookie", format!("{login_cookie}; lang=en"))
            .body(axum::body::Body::from(format!(
                "csrf={token}&username={username}&password={}",
                password.replace(' ', "+")
            )))
            .unwrap(),
    )
    .await;
    if cookies
        .iter()
        .any(|c| c.starts_with("probity_session=") && c.len() > 16)
    {
        Ok(())
    } else {
        Err((status, body))
    }
}

#[tokio::test]
async fn a_new_password_differs_from_the_current_one_and_is_hard_to_guess() {
    let (_dir, app) = app().await;
    let chen = sign_in(&app, "chen", PASSWORD).await.unwrap();
    // The same password again, and long but guessable ones, are refused in either language.
    let (status, page) = change(&app, &chen, PASSWORD, PASSWORD).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(page.contains("新密码不能与当前密码相同"), "{page}");
    for weak in ["aaaaaaaaaaaa", "chen12345678", "陈良生陈良生陈良生陈良生"] {
        let (status, page) = change(&app, &chen, PASSWORD, weak).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{weak}");
        assert!(page.contains("太容易被猜中"), "{weak}: {page}");
    }
    assert!(sign_in(&app, "chen", PASSWORD).await.is_ok());
    let (status, page) = change(&app, &chen, PASSWORD, "violet harbour seventeen kites").await;
    assert_eq!(status, StatusCode::OK, "{page}");
    assert!(page.contains("id=\"done\""));
}

#[tokio::test]
async fn an_initial_password_cannot_be_changed_to_itself() {
    let (_dir, app) = app().await;
    let admin = sign_in(&app, "admin", PASSWORD).await.unwrap();
    let (status, initial) = reset(&app, &admin, "newbie").await;
    assert_eq!(status, StatusCode::OK, "{initial}");
    let newbie = sign_in(&app, "newbie", &initial).await.unwrap();
    let (status, _) = change(&app, &newbie, &initial, &initial).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    // Still initial: every other page leads to the password form.
    assert!(app.store.must_change_password("newbie").await.unwrap());
    assert_eq!(
        send(&app, get("/me", &newbie)).await.0,
        StatusCode::SEE_OTHER
    );
}

#[tokio::test]
async fn a_password_change_ends_the_accounts_other_sessions() {
    let (_dir, app) = app().await;
    let here = sign_in(&app, "chen", PASSWORD).await.unwrap();
    let elsewhere = sign_in(&app, "chen", PASSWORD).await.unwrap();
    let other_account = sign_in(&app, "admin", PASSWORD).await.unwrap();
    assert_eq!(send(&app, get("/me", &elsewhere)).await.0, StatusCode::OK);
    let (status, _) = change(&app, &here, PASSWORD, "violet harbour seventeen kites").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(send(&app, get("/me", &here)).await.0, StatusCode::OK);
    let (status, _, _) = send(&app, get("/me", &elsewhere)).await;
    assert_eq!(status, StatusCode::SEE_OTHER, "the other session ended");
    assert_eq!(
        send(&app, get("/admin", &other_account)).await.0,
        StatusCode::OK
    );
}

#[tokio::test]
async fn the_lockout_answers_alike_for_every_name_and_says_for_how_long() {
    let (_dir, app) = app().await;
    let mut answers = Vec::new();
    for name in ["admin", "nobody-by-this-name"] {
        let mut last = String::new();
        for _ in 0..probity_web::auth::MAX_FAILURES + 1 {
            let (status, page) = sign_in(&app, name, "wrong password!!").await.unwrap_err();
            assert_eq!(status, StatusCode::UNAUTHORIZED);
            last = page
                .split("id=\"error\">")
                .nth(1)
                .unwrap()
                .split('<')
                .next()
                .unwrap()
                .to_owned();
        }
        answers.push(last);
    }
    assert_eq!(
        answers[0], answers[1],
        "known and unknown names answer alike"
    );
    assert!(
        answers[0].contains(&format!("{} 分钟", probity_web::auth::LOCK_MINUTES)),
        "{}",
        answers[0]
    );
    // In English too.
    let (_, page) = sign_in_english(&app, "admin", PASSWORD).await.unwrap_err();
    assert!(
        page.contains(&format!("{} more minutes", probity_web::auth::LOCK_MINUTES)),
        "{page}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn parallel_attempts_cannot_outrun_the_lockout() {
    let (_dir, app) = app().await;
    // 40 wrong passwords sent 12 at a time: at most MAX_FAILURES are checked (and audited);
    // the account ends locked, the right password refused.
    let mut tasks = Vec::new();
    for _ in 0..40 {
        let app = Arc::clone(&app);
        tasks.push(tokio::spawn(async move {
            sign_in(&app, "admin", "wrong password!!").await.is_err()
        }));
        if tasks.len() % 12 == 0 {
            for t in tasks.drain(..) {
                assert!(t.await.unwrap());
            }
        }
    }
    for t in tasks {
        assert!(t.await.unwrap());
    }
    let mut conn = app.store.connection().await.unwrap();
    let checked: i64 = sqlx::Row::get(
        &sqlx::query(
            "SELECT COUNT(*) FROM audit_events WHERE action = 'session.refused' AND subject = 'users/admin'",
        )
        .fetch_one(&mut *conn)
        .await
        .unwrap(),
        0,
    );
    assert_eq!(checked, probity_web::auth::MAX_FAILURES);
    assert!(sign_in(&app, "admin", PASSWORD).await.is_err());
}

#[tokio::test]
async fn administrators_reset_and_unlock_accounts_of_their_units() {
    let (_dir, app) = app().await;
    let s = Stamp::new("2026-02-01T08:00:00Z", "test");
    // An administrator of one unit (chen's and newbie's).
    app.store
        .create_user(
            &s,
            &User {
                username: "fuzhou".into(),
                role: Role::Administrator,
                person_key: None,
                password_hash: probity_app::passwords::hash_password(PASSWORD).unwrap(),
                disabled: false,
            },
        )
        .await
        .unwrap();
    app.store
        .set_user_units(&s, "fuzhou", &["福州市工商业联合会".to_owned()])
        .await
        .unwrap();
    let fuzhou = sign_in(&app, "fuzhou", PASSWORD).await.unwrap();
    let chen_session = sign_in(&app, "chen", PASSWORD).await.unwrap();

    // Locked out, chen is unlocked by the unit's administrator.
    for _ in 0..probity_web::auth::MAX_FAILURES {
        let _ = sign_in(&app, "chen", "wrong password!!").await;
    }
    assert!(sign_in(&app, "chen", PASSWORD).await.is_err());
    let csrf = csrf_of(&app, &fuzhou).await;
    let (status, _, page) = send(
        &app,
        form_post(
            "/admin/accounts/unlock",
            &fuzhou,
            format!("csrf={csrf}&username=chen"),
        ),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{page}");
    assert!(page.contains("chen 已可重新登录"), "{page}");
    assert!(sign_in(&app, "chen", PASSWORD).await.is_ok());

    // Reset: a new initial password, shown once; the old one and the sessions end.
    let (status, initial) = reset(&app, &fuzhou, "chen").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        initial.chars().count(),
        probity_app::passwords::INITIAL_PASSWORD_LEN
    );
    assert_eq!(
        send(&app, get("/me", &chen_session)).await.0,
        StatusCode::SEE_OTHER
    );
    assert!(sign_in(&app, "chen", PASSWORD).await.is_err());
    let chen = sign_in(&app, "chen", &initial).await.unwrap();
    assert_eq!(send(&app, get("/me", &chen)).await.0, StatusCode::SEE_OTHER);
    assert!(app.store.must_change_password("chen").await.unwrap());

    // Outside the unit (an administrator of every unit, a declarant of another unit): refused,
    // nothing changes.
    let xie = app
        .store
        .person_key(&probity_model::ResidentId::parse("350212197810284446").unwrap());
    app.store
        .create_user(
            &s,
            &User {
                username: "xie".into(),
                role: Role::Declarant,
                person_key: Some(xie),
                password_hash: probity_app::passwords::hash_password(PASSWORD).unwrap(),
                disabled: false,
            },
        )
        .await
        .unwrap();
    for target in ["admin", "xie"] {
        let csrf = csrf_of(&app, &fuzhou).await;
        for action in ["reset", "unlock"] {
            let (status, _, _) = send(
                &app,
                form_post(
                    &format!("/admin/accounts/{action}"),
                    &fuzhou,
                    format!("csrf={csrf}&username={target}"),
                ),
            )
            .await;
            assert_eq!(status, StatusCode::FORBIDDEN, "{action} {target}");
        }
    }
    assert!(sign_in(&app, "admin", PASSWORD).await.is_ok());
    assert!(sign_in(&app, "xie", PASSWORD).await.is_ok());
    // Unknown names are said to be unknown; declarants cannot reset anyone.
    let (status, _, page) = send(
        &app,
        form_post(
            "/admin/accounts/unlock",
            &fuzhou,
            format!("csrf={csrf}&username=nobody"),
        ),
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(page.contains("没有账户 nobody"), "{page}");
    let chen_csrf = password_csrf(&app, &chen).await;
    let (status, _, _) = send(
        &app,
        form_post(
            "/admin/accounts/reset",
            &chen,
            format!("csrf={chen_csrf}&username=admin"),
        ),
    )
    .await;
    assert_ne!(status, StatusCode::OK);

    // Each is in the audit log.
    let mut conn = app.store.connection().await.unwrap();
    let actions: Vec<String> = sqlx::query(
        "SELECT action FROM audit_events WHERE subject = 'users/chen' AND actor = 'web:fuzhou' ORDER BY seq",
    )
    .fetch_all(&mut *conn)
    .await
    .unwrap()
    .iter()
    .map(|r| sqlx::Row::get(r, 0))
    .collect();
    assert!(actions.contains(&"user.unlock".to_owned()), "{actions:?}");
    assert!(actions.contains(&"user.reset".to_owned()), "{actions:?}");
}

/// The app with a second factor required from staff.
async fn app_requiring_totp() -> (super::TestDb, Arc<App>) {
    let (dir, mut app) = app().await;
    Arc::get_mut(&mut app).unwrap().require_totp_for_staff = true;
    (dir, app)
}

/// The current code of a secret shown in base32, as an authenticator app computes it.
fn code_of(secret_base32: &str, username: &str) -> String {
    let secret = totp_rs::Secret::try_from_base32(secret_base32).unwrap();
    probity_web::second_factor::totp(&secret, username)
        .unwrap()
        .generate_current()
        .to_string()
}

/// Posts the sign-in form with the right password; the cookie of the sign-in waiting for its
/// code, and where the answer leads.
async fn password_step(app: &Arc<App>, username: &str) -> (String, String) {
    let (_, cookies, page) = send(
        app,
        axum::http::Request::get("/login")
            .body(axum::body::Body::empty())
            .unwrap(),
    )
    .await;
    let login_cookie = cookies
        .iter()
        .find(|c| c.starts_with("probity_login="))
        .unwrap();
    let token = page
        .split("name=\"csrf\" value=\"")
        .nth(1)
        .unwrap()
        .split('"')
        .next()
        .unwrap();
    let response = probity_web::router(Arc::clone(app))
        .oneshot(
            axum::http::Request::post("/login")
                .header("content-type", "application/x-www-form-urlencoded")
                .header("cookie", login_cookie.as_str())
                .body(axum::body::Body::from(format!(
                    "csrf={token}&username={username}&password={}",
                    PASSWORD.replace(' ', "+")
                )))
                .unwrap(),
        )
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    let location = response.headers()["location"].to_str().unwrap().to_owned();
    let cookie = response
        .headers()
        .get_all("set-cookie")
        .iter()
        .map(|v| v.to_str().unwrap().split(';').next().unwrap().to_owned())
        .find(|c| c.starts_with("probity_code=") || c.starts_with("probity_session="))
        .unwrap();
    (cookie, location)
}

/// Posts a code; the status and the session cookie if one opened.
async fn code_step(
    app: &Arc<App>,
    cookie: &str,
    code: &str,
) -> (StatusCode, Option<String>, String) {
    let (_, _, page) = send(app, get("/login/code", cookie)).await;
    let csrf = page
        .split("name=\"csrf\" value=\"")
        .nth(1)
        .unwrap()
        .split('"')
        .next()
        .unwrap();
    let (status, cookies, body) = send(
        app,
        form_post("/login/code", cookie, format!("csrf={csrf}&code={code}")),
    )
    .await;
    let session = cookies
        .into_iter()
        .find(|c| c.starts_with("probity_session=") && c.len() > "probity_session=".len());
    (status, session, body)
}

#[tokio::test]
async fn staff_enrol_a_second_factor_and_give_its_code_at_every_sign_in() {
    let (_dir, app) = app_requiring_totp().await;
    // Declarants are not asked.
    assert!(sign_in(&app, "chen", PASSWORD).await.is_ok());
    // The administrator's right password leads to the code page, not into the application.
    let (cookie, location) = password_step(&app, "admin").await;
    assert_eq!(location, "/login/code");
    assert!(cookie.starts_with("probity_code="));
    assert_eq!(
        send(&app, get("/admin", &cookie)).await.0,
        StatusCode::SEE_OTHER
    );
    let (status, _, page) = send(&app, get("/login/code", &cookie)).await;
    assert_eq!(status, StatusCode::OK);
    assert!(page.contains("<svg"), "a QR code: {page}");
    let secret = page
        .split("id=\"totp-secret\">")
        .nth(1)
        .unwrap()
        .split('<')
        .next()
        .unwrap()
        .to_owned();
    // A wrong code is refused, the right one opens the session and enrols the secret.
    let right = code_of(&secret, "admin");
    let wrong = format!("{:06}", (right.parse::<u32>().unwrap() + 1) % 1_000_000);
    let (status, session, page) = code_step(&app, &cookie, &wrong).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED, "{page}");
    assert!(session.is_none());
    assert!(page.contains("验证码错误"), "{page}");
    let (status, session, _) = code_step(&app, &cookie, &code_of(&secret, "admin")).await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    let admin = session.unwrap();
    assert_eq!(send(&app, get("/admin", &admin)).await.0, StatusCode::OK);
    // Sealed at rest: the secret's bytes are not in the table.
    let plain = totp_rs::Secret::try_from_base32(&secret).unwrap().to_vec();
    let mut conn = app.store.connection().await.unwrap();
    let stored: Vec<u8> = sqlx::Row::get(
        &sqlx::query("SELECT secret FROM user_totp WHERE username = 'admin'")
            .fetch_one(&mut *conn)
            .await
            .unwrap(),
        0,
    );
    assert!(!stored.windows(plain.len()).any(|w| w == plain.as_slice()));
    // The next sign-in asks for a code of the enrolled secret, with no QR code.
    let (cookie, location) = password_step(&app, "admin").await;
    assert_eq!(location, "/login/code");
    let (_, _, page) = send(&app, get("/login/code", &cookie)).await;
    assert!(
        !page.contains("totp-secret") && !page.contains("<svg"),
        "{page}"
    );
    let (status, session, _) = code_step(&app, &cookie, &wrong).await;
    assert_eq!((status, session), (StatusCode::UNAUTHORIZED, None));
    // A code already used does not sign in again (it would if the step had moved on since:
    // then a new code is right, and the old one is refused all the same).
    let used = right;
    let (status, session, _) = code_step(&app, &cookie, &used).await;
    assert_eq!((status, session), (StatusCode::UNAUTHORIZED, None));
    // The next step's code, as the authenticator shows it 30 seconds on.
    let next = {
        let s = totp_rs::Secret::try_from_base32(&secret).unwrap();
        let t = probity_web::second_factor::totp(&s, "admin").unwrap();
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_secs();
        t.generate(now + 30).to_string()
    };
    let (_, session, _) = code_step(&app, &cookie, &next).await;
    assert!(session.is_some());
    // Too many wrong codes end the waiting sign-in: the password is asked again.
    let (cookie, _) = password_step(&app, "admin").await;
    for _ in 0..probity_web::auth::MAX_FAILURES {
        code_step(&app, &cookie, &wrong).await;
    }
    let (status, _, _) = send(&app, get("/login/code", &cookie)).await;
    assert_eq!(status, StatusCode::SEE_OTHER);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_administrator_enrols_by_qr_code_in_a_real_browser() {
    use fantoccini::Locator;
    let Some((_driver, client)) = super::browser::browser().await else {
        return;
    };
    let (_dir, app) = app_requiring_totp().await;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(probity_web::serve(Arc::clone(&app), listener));
    client.goto(&format!("{base}/login")).await.unwrap();
    client
        .find(Locator::Id("username"))
        .await
        .unwrap()
        .send_keys("admin")
        .await
        .unwrap();
    client
        .find(Locator::Id("password"))
        .await
        .unwrap()
        .send_keys(PASSWORD)
        .await
        .unwrap();
    let secret = super::browser::click_and_wait_for(
        &client,
        Locator::Id("sign-in"),
        Locator::Id("totp-secret"),
    )
    .await
    .text()
    .await
    .unwrap();
    // The QR code is drawn in the page.
    client.find(Locator::Css("#totp-qr svg")).await.unwrap();
    super::browser::shot(&client, "totp-enrol").await;
    client
        .find(Locator::Id("code"))
        .await
        .unwrap()
        .send_keys(&code_of(&secret, "admin"))
        .await
        .unwrap();
    super::browser::click_and_wait_for(&client, Locator::Id("verify-code"), Locator::Id("main"))
        .await;
    super::browser::wait_for_url(&client, &format!("{base}/progress")).await;
    assert!(app.store.totp_secret("admin").await.unwrap().is_some());
}
