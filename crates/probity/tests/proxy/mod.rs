//! Behind a reverse proxy that rewrites `Host`: the origin a form must come from is what a
//! trusted proxy forwards (`X-Forwarded-Proto`, `X-Forwarded-Host`), and only a trusted one.

use super::logs::{http, serve, stop};
use super::{ok, probity_db};

/// A failed sign-in through a proxy that says the browser asked for
/// `https://probity.example.gov`, to a server trusting `trusted`: the status answered (401: the
/// origin was accepted and the password checked; 403: the origin was refused).
fn sign_in_through_proxy(trusted: &str, forwarded: bool) -> u16 {
    let dir = tempfile::tempdir().unwrap();
    ok(probity_db(dir.path(), &["init"]));
    let (server, addr) = serve(dir.path(), &["--trusted-proxy", trusted]);
    let page = http(&addr, "GET", "/login", &[], "");
    let login = page.cookie("probity_login");
    let token = login.split_once('=').unwrap().1.to_owned();
    let mut headers = vec![
        ("Cookie", login.as_str()),
        ("Content-Type", "application/x-www-form-urlencoded"),
        ("Origin", "https://probity.example.gov"),
        ("Sec-Fetch-Site", "same-origin"),
    ];
    if forwarded {
        headers.push(("X-Forwarded-Proto", "https"));
        headers.push(("X-Forwarded-Host", "probity.example.gov"));
    }
    let answer = http(
        &addr,
        "POST",
        "/login",
        &headers,
        &format!("csrf={token}&username=someone&password=not+theirs"),
    );
    stop(server);
    answer.status
}

#[test]
fn forwarded_headers_are_believed_from_a_trusted_proxy_only() {
    // The proxy (this test, at 127.0.0.1) is trusted: the forwarded origin is the browser's.
    assert_eq!(sign_in_through_proxy("127.0.0.1", true), 401);
    assert_eq!(sign_in_through_proxy("127.0.0.0/8", true), 401);
    // Not trusted: the same headers are ignored, and the origin is not the `Host` asked.
    assert_eq!(sign_in_through_proxy("10.0.0.0/8", true), 403);
    // Trusted, but saying nothing: the `Host` asked is the origin, and the browser's is not it.
    assert_eq!(sign_in_through_proxy("127.0.0.1", false), 403);
}

/// A sign-in page's cookie and token on the server at `addr`.
fn login_form(addr: &str) -> (String, String) {
    let page = http(addr, "GET", "/login", &[], "");
    let login = page.cookie("probity_login");
    let token = login.split_once('=').unwrap().1.to_owned();
    (login, token)
}

#[test]
fn the_configured_body_limit_and_session_lifetime_are_applied() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    ok(probity_db(d, &["init"]));
    let password = "a ledger of slow green rivers 4";
    let mut add = std::process::Command::new(env!("CARGO_BIN_EXE_probity"))
        .args([
            "user",
            "add",
            "auditor1",
            "--role",
            "auditor",
            "--password-stdin",
        ])
        .env(
            "PROBITY_DB",
            format!("sqlite://{}", d.join("probity.db").display()),
        )
        .env("PROBITY_KEY_FILE", d.join("probity.keys"))
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::null())
        .spawn()
        .unwrap();
    std::io::Write::write_all(
        &mut add.stdin.take().unwrap(),
        format!("{password}\n").as_bytes(),
    )
    .unwrap();
    assert!(add.wait().unwrap().success());
    // A 3 MiB form: refused under the default limit (2 MiB), read under a 4 MiB one.
    let padding = "x".repeat(3 * 1024 * 1024);
    let wrong = |addr: &str| {
        let (login, token) = login_form(addr);
        http(
            addr,
            "POST",
            "/login",
            &[
                ("Cookie", &login),
                ("Content-Type", "application/x-www-form-urlencoded"),
            ],
            &format!("csrf={token}&username=auditor1&password=wrong&pad={padding}"),
        )
        .status
    };
    let (server, addr) = serve(d, &[]);
    assert_eq!(wrong(&addr), 413);
    stop(server);
    let (server, addr) = serve(d, &["--body-limit", "4MiB", "--session-lifetime", "1h"]);
    assert_eq!(wrong(&addr), 401);
    // The session cookie lasts the configured hour.
    let (login, token) = login_form(&addr);
    let signed_in = http(
        &addr,
        "POST",
        "/login",
        &[
            ("Cookie", &login),
            ("Content-Type", "application/x-www-form-urlencoded"),
        ],
        &format!(
            "csrf={token}&username=auditor1&password={}",
            password.replace(' ', "+")
        ),
    );
    assert_eq!(signed_in.status, 303, "{}", signed_in.body);
    assert!(
        signed_in
            .set_cookies()
            .iter()
            .any(|c| c.starts_with("probity_session=") && c.contains("Max-Age=3600")),
        "{:?}",
        signed_in.set_cookies()
    );
    stop(server);
}
