//! The second factor: a TOTP code (RFC 6238: HMAC-SHA1, six digits, 30-second steps, one step
//! of skew) asked at sign-in after the password, from staff accounts when the server requires it
//! (`probity serve --require-totp-for-staff`) and from any account that has enrolled.
//!
//! Between the password and the code, the sign-in waits in memory under a random token in its own
//! cookie, for [`PENDING_MINUTES`] and [`crate::auth::MAX_FAILURES`] wrong codes at most; a
//! restart forgets it (the password is asked again). An account without a secret enrols on that
//! page: a fresh 160-bit secret, shown as a QR code (SVG, drawn on the server) and as text, kept
//! only once a first code confirms it, sealed in the store like other sensitive columns.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Form, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use chacha20poly1305::aead::{OsRng, rand_core::RngCore};
use probity_store::{Role, Stamp, User};
use serde::Deserialize;
use totp_rs::{Builder, Totp};

use crate::i18n::Tr;
use crate::{App, Ctx, WebError, auth, now, rfc3339};

/// The cookie of a sign-in waiting for its code.
pub const PENDING_COOKIE: &str = "probity_code";
/// How long a sign-in waits for its code, in minutes.
pub const PENDING_MINUTES: i64 = 10;

struct Pending {
    username: String,
    secret: Vec<u8>,
    enrolled: bool,
    csrf: String,
    expires: chrono::DateTime<chrono::Utc>,
    wrong: i64,
}

/// Sign-ins whose password was right, waiting for their code; and the last time step whose code
/// each account gave, since a code is accepted once (RFC 6238, 5.2): one seen over a shoulder
/// or in a log does not sign in again.
#[derive(Default)]
pub struct PendingSignIns(Mutex<HashMap<String, Pending>>, Mutex<HashMap<String, u64>>);

impl std::fmt::Debug for PendingSignIns {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Never the secrets.
        let n = self.0.lock().map(|m| m.len()).unwrap_or(0);
        write!(f, "PendingSignIns({n})")
    }
}

/// The TOTP of a secret for an account, as authenticator apps read it from the QR code.
pub fn totp(secret: &[u8], username: &str) -> Result<Totp, totp_rs::TotpError> {
    Builder::new()
        .with_secret(secret.to_vec())
        .with_account_name(username.replace(':', "_"))
        .with_issuer(Some("Probity"))
        .build()
}

/// Whether this account must give a code after its password: the secret to check it against
/// and whether it is enrolled already (else a fresh one, to enrol).
pub(crate) async fn needed(
    app: &App,
    t: Tr,
    user: &User,
) -> Result<Option<(Vec<u8>, bool)>, WebError> {
    if let Some(secret) = app
        .store
        .totp_secret(&user.username)
        .await
        .map_err(|e| WebError::internal(t, e))?
    {
        return Ok(Some((secret, true)));
    }
    if app.require_totp_for_staff && user.role != Role::Declarant {
        let mut secret = vec![0u8; 20];
        OsRng.fill_bytes(&mut secret);
        return Ok(Some((secret, false)));
    }
    Ok(None)
}

/// After a right password: the sign-in waits for its code; to the code page.
pub(crate) fn wait_for_code(
    app: &App,
    username: &str,
    secret: Vec<u8>,
    enrolled: bool,
) -> Response {
    let token = probity_app::passwords::random_token();
    let at = now();
    if let Ok(mut pending) = app.pending.0.lock() {
        pending.retain(|_, p| p.expires > at);
        pending.insert(
            token.clone(),
            Pending {
                username: username.to_owned(),
                secret,
                enrolled,
                csrf: probity_app::passwords::random_token(),
                expires: at + chrono::Duration::minutes(PENDING_MINUTES),
                wrong: 0,
            },
        );
    }
    let cookie = auth::set_cookie(
        PENDING_COOKIE,
        &token,
        PENDING_MINUTES * 60,
        app.secure_cookies,
        true,
    );
    ([(header::SET_COOKIE, cookie)], Redirect::to("/login/code")).into_response()
}

#[derive(Template, WebTemplate)]
#[template(path = "login_code.html")]
struct CodePage {
    t: Tr,
    user: Option<User>,
    csrf: String,
    error: Option<String>,
    /// For an account enrolling: the QR code (SVG markup drawn here) and the secret in base32.
    enrol: Option<(String, String)>,
}

/// The QR code of an otpauth URL, as inline SVG markup.
fn qr_svg(url: &str) -> Option<String> {
    let code = qrcode::QrCode::new(url.as_bytes()).ok()?;
    let svg = code
        .render::<qrcode::render::svg::Color>()
        .min_dimensions(200, 200)
        .build();
    // Inline in HTML: without the XML declaration.
    svg.find("<svg").map(|i| svg[i..].to_owned())
}

/// What the code page shows for a waiting sign-in, or `None` if there is none (or it expired).
fn page_of(app: &App, t: Tr, token: &str, error: Option<String>) -> Option<CodePage> {
    let pending = app.pending.0.lock().ok()?;
    let p = pending.get(token).filter(|p| p.expires > now())?;
    let enrol = if p.enrolled {
        None
    } else {
        let totp = totp(&p.secret, &p.username).ok()?;
        let url = totp.to_url().ok()?;
        Some((qr_svg(&url)?, totp.secret().to_base32()))
    };
    Some(CodePage {
        t,
        user: None,
        csrf: p.csrf.clone(),
        error,
        enrol,
    })
}

/// The CSRF token of the sign-in waiting for its code (the cookie's), for the request kernel.
pub(crate) fn pending_csrf(app: &App, headers: &HeaderMap) -> Option<String> {
    let token = auth::cookie(headers, PENDING_COOKIE, app.secure_cookies)?;
    let pending = app.pending.0.lock().ok()?;
    pending
        .get(&token)
        .filter(|p| p.expires > now())
        .map(|p| p.csrf.clone())
}

pub(crate) async fn code_page(
    State(app): State<Arc<App>>,
    ctx: Ctx,
    headers: HeaderMap,
) -> Result<Response, WebError> {
    let token = auth::cookie(&headers, PENDING_COOKIE, app.secure_cookies).unwrap_or_default();
    Ok(match page_of(&app, ctx.t, &token, None) {
        Some(page) => page.into_response(),
        None => Redirect::to("/login").into_response(),
    })
}

#[derive(Deserialize)]
pub(crate) struct CodeForm {
    code: String,
}

pub(crate) async fn code_post(
    State(app): State<Arc<App>>,
    ctx: Ctx,
    headers: HeaderMap,
    Form(form): Form<CodeForm>,
) -> Result<Response, WebError> {
    let t = ctx.t;
    let token = auth::cookie(&headers, PENDING_COOKIE, app.secure_cookies).unwrap_or_default();
    let at = now();
    // Checked and taken out (when right, or after too many wrong codes) under the lock.
    let outcome = {
        let mut pending = app.pending.0.lock().map_err(|e| WebError::internal(t, e))?;
        let Some(p) = pending.get_mut(&token).filter(|p| p.expires > at) else {
            return Ok(Redirect::to("/login").into_response());
        };
        // The kernel has checked the form's token against this sign-in's.
        let step = totp(&p.secret, &p.username)
            .map_err(|e| WebError::internal(t, e))?
            .check_current(form.code.trim());
        let right = match (step, app.pending.1.lock()) {
            (Some(step), Ok(mut used)) => {
                let fresh = used.get(&p.username).is_none_or(|last| step > *last);
                if fresh {
                    used.insert(p.username.clone(), step);
                }
                fresh
            }
            _ => false,
        };
        if right {
            pending
                .remove(&token)
                .map(|p| Ok((p.username, p.secret, p.enrolled)))
        } else {
            p.wrong += 1;
            if p.wrong >= auth::MAX_FAILURES {
                pending.remove(&token);
            }
            Some(Err(()))
        }
    };
    match outcome {
        Some(Ok((username, secret, enrolled))) => {
            if !enrolled {
                let stamp = Stamp::new(rfc3339(at), format!("web:{username}"));
                app.store
                    .enrol_totp(&stamp, &username, &secret)
                    .await
                    .map_err(|e| WebError::internal(t, e))?;
            }
            let mut response = crate::open_session(&app, t, &username, at).await?;
            let clear = auth::set_cookie(PENDING_COOKIE, "", 0, app.secure_cookies, true);
            if let Ok(v) = HeaderValue::from_str(&clear) {
                response.headers_mut().append(header::SET_COOKIE, v);
            }
            Ok(response)
        }
        _ => Ok(match page_of(&app, t, &token, Some(t.get("bad-code"))) {
            Some(page) => (StatusCode::UNAUTHORIZED, page).into_response(),
            None => Redirect::to("/login").into_response(),
        }),
    }
}
