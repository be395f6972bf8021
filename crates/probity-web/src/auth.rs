//! Passwords, sessions and CSRF.
//!
//! - Passwords: hashed and verified by `probity_app::passwords` on a blocking thread; an unknown
//!   username is verified against its dummy hash so its answer takes as long as a real one.
//! - Sessions: a random token in an `HttpOnly`, `SameSite=Lax` cookie (`Secure` behind TLS); the
//!   database keeps only its SHA-256. Behind TLS every cookie's name carries the `__Host-` prefix
//!   ([`cookie_name`]), so that no other host (a sibling subdomain) can set or shadow it; over
//!   plain HTTP (local use, tests) the names stay plain, as browsers refuse the prefix there.
//! - CSRF: every form carries the session's token (synchronizer token), checked on every POST,
//!   together with `Sec-Fetch-Site`/`Origin` when the browser sends them. The sign-in form, which
//!   has no session yet, uses a double-submit cookie.

use axum::http::HeaderMap;

/// The session cookie's name.
pub const SESSION_COOKIE: &str = "probity_session";
/// The sign-in form's double-submit cookie.
pub const LOGIN_COOKIE: &str = "probity_login";
/// The language cookie.
pub const LANG_COOKIE: &str = "lang";

/// Failed sign-ins in a row before the account locks.
pub const MAX_FAILURES: i64 = 5;
/// How long a lock lasts, in minutes.
pub const LOCK_MINUTES: i64 = 15;
/// How long a session lasts, in hours.
pub const SESSION_HOURS: i64 = 8;
/// Shortest password accepted.
pub use probity_app::passwords::MIN_PASSWORD;

/// The name a cookie goes by: `__Host-` and `name` when served over TLS (`secure`), else `name`.
pub fn cookie_name(name: &str, secure: bool) -> String {
    if secure {
        format!("__Host-{name}")
    } else {
        name.to_owned()
    }
}

/// A cookie's value from the request, by the name it goes by ([`cookie_name`]): behind TLS only
/// the `__Host-` cookie counts, never a plain one of the same name.
pub fn cookie(headers: &HeaderMap, name: &str, secure: bool) -> Option<String> {
    let name = cookie_name(name, secure);
    headers
        .get_all(axum::http::header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v.to_owned())
}

/// A `Set-Cookie` value, under the name the cookie goes by ([`cookie_name`]); `Path=/` and no
/// `Domain`, as the `__Host-` prefix requires.
pub fn set_cookie(
    name: &str,
    value: &str,
    max_age_s: i64,
    secure: bool,
    http_only: bool,
) -> String {
    let name = cookie_name(name, secure);
    let mut c = format!("{name}={value}; Path=/; Max-Age={max_age_s}; SameSite=Lax");
    if http_only {
        c.push_str("; HttpOnly");
    }
    if secure {
        c.push_str("; Secure");
    }
    c
}

/// Whether a state-changing request comes from our own pages, as far as the browser says:
/// `Sec-Fetch-Site` must be same-origin (or absent), and `Origin`, if sent, must be ours — the
/// public origin when one is configured (behind a proxy that rewrites `Host`), else the `Host`
/// the request came to.
pub fn same_origin_as(headers: &HeaderMap, public_origin: Option<&str>) -> bool {
    let text = |name: &str| headers.get(name).and_then(|v| v.to_str().ok());
    let site = text("sec-fetch-site");
    let site_ok = site.is_none_or(|v| v == "same-origin" || v == "none");
    let origin_ok = match (text("origin"), public_origin) {
        // An opaque origin (a strict referrer policy can cause one) is ours only if the browser
        // also says the request is same-origin.
        (Some("null"), _) => site == Some("same-origin"),
        (Some(origin), Some(public)) => {
            origin.trim_end_matches('/') == public.trim_end_matches('/')
        }
        (Some(origin), None) => text("host").is_none_or(|host| {
            origin
                .strip_prefix("http://")
                .or_else(|| origin.strip_prefix("https://"))
                == Some(host)
        }),
        (None, _) => true,
    };
    site_ok && origin_ok
}

/// [`same_origin_as`] without a configured public origin: `Origin` must name the `Host`.
pub fn same_origin(headers: &HeaderMap) -> bool {
    same_origin_as(headers, None)
}

/// Compares secrets in time independent of where they differ.
pub fn equal_secrets(a: &str, b: &str) -> bool {
    a.len() == b.len()
        && a.bytes()
            .zip(b.bytes())
            .fold(0u8, |acc, (x, y)| acc | (x ^ y))
            == 0
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn cross_site_posts_are_refused() {
        let mut h = HeaderMap::new();
        h.insert("host", "127.0.0.1:8080".parse().unwrap());
        assert!(same_origin(&h));
        h.insert("origin", "http://127.0.0.1:8080".parse().unwrap());
        assert!(same_origin(&h));
        h.insert("origin", "http://evil.example".parse().unwrap());
        assert!(!same_origin(&h));
        h.insert("origin", "http://127.0.0.1:8080".parse().unwrap());
        h.insert("sec-fetch-site", "cross-site".parse().unwrap());
        assert!(!same_origin(&h));
        h.insert("origin", "null".parse().unwrap());
        assert!(!same_origin(&h));
        h.insert("sec-fetch-site", "same-origin".parse().unwrap());
        assert!(same_origin(&h));
        assert!(
            equal_secrets("abc", "abc")
                && !equal_secrets("abc", "abd")
                && !equal_secrets("a", "ab")
        );
    }
}
