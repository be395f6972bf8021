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
