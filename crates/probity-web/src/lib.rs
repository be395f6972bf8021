//! Probity's web application: pages rendered on the server (they work without JavaScript) and a
//! JSON API over the same actions, on top of `probity-store`.
//!
//! Every route is declared once in the `routes!` table below, behind the request kernel
//! ([`kernel`]): it resolves who is asking once, refuses a state-changing request without its
//! CSRF token, and handlers name who may call them by the extractor they take
//! ([`kernel::Declarant`], [`kernel::Staff`] with its unit scope, …). A declarant reaches only
//! reports whose `person_key` is theirs; staff reach the units they manage, and their reads of a
//! report go through `Store::read_declaration`, which records them in the audit log.

use std::sync::Arc;

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Form, Path, Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use axum::{Json, Router};
use probity_store::{
    Attempt, Progress, ProgressRow, ReportSummary, Role, Stamp, Standing, Store, User,
};
use serde::Deserialize;

pub mod admin;
pub mod api;
pub mod audit;
pub mod auth;
pub mod charts;
pub mod csv_export;
pub(crate) mod cycles;
pub mod filing;
pub mod i18n;
pub mod kernel;
pub mod me;
pub mod metrics;
pub mod proxy;
pub mod reminders;
pub mod report_view;
pub mod request_log;
pub mod second_factor;
pub mod statistics;
pub mod tls;
pub mod workbench;

use auth::{LANG_COOKIE, LOGIN_COOKIE, SESSION_COOKIE};
use i18n::{Lang, Tr};
use kernel::{Account, AnyAccount, Officers, Staff};
use probity_store::UnitScope;

/// The running application.
#[derive(Debug)]
pub struct App {
    /// The database.
    pub store: Store,
    /// Whether cookies carry `Secure` (served over TLS, directly or behind a proxy).
    pub secure_cookies: bool,
    /// The language when the browser has not chosen one.
    pub default_lang: Lang,
    /// The verification run started from the administrators' page.
    pub runs: std::sync::Mutex<admin::RunState>,
    /// Whether staff accounts (administrators, verifiers, auditors) must give a TOTP code after
    /// their password (enrolling at their next sign-in if they have not).
    pub require_totp_for_staff: bool,
    /// Sign-ins waiting for their second factor.
    pub pending: second_factor::PendingSignIns,
    /// The origin browsers see (`https://probity.example.gov`), when a proxy in front rewrites
    /// `Host`: state-changing requests must come from it. `None`: from the `Host` asked.
    pub public_origin: Option<String>,
    /// What an operator watches (`GET /metrics`).
    pub metrics: metrics::Metrics,
    /// The token a scraper of `/metrics` must present; `None`: `/metrics` is closed.
    pub metrics_token: Option<String>,
    /// The reverse proxies whose `X-Forwarded-Proto`/`-Host` are believed ([`proxy`]).
    pub trusted_proxies: Vec<proxy::TrustedNet>,
    /// How long a session lasts (at most the store's limit, 8 hours).
    pub session_lifetime: chrono::Duration,
    /// The largest request body read, in bytes (413 beyond).
    pub body_limit: usize,
}

impl App {
    /// The application over a store.
    pub fn new(store: Store, secure_cookies: bool, default_lang: Lang) -> App {
        App {
            store,
            secure_cookies,
            default_lang,
            runs: Default::default(),
            require_totp_for_staff: false,
            pending: Default::default(),
            public_origin: None,
            metrics: Default::default(),
            metrics_token: None,
            trusted_proxies: Vec::new(),
            session_lifetime: chrono::Duration::hours(auth::SESSION_HOURS),
            body_limit: kernel::MAX_BODY,
        }
    }

    /// The same, with sessions lasting `lifetime` (the store ends them after 8 hours anyway).
    pub fn with_session_lifetime(mut self, lifetime: chrono::Duration) -> App {
        self.session_lifetime = lifetime;
        self
    }

    /// The same, reading request bodies up to `bytes`.
    pub fn with_body_limit(mut self, bytes: usize) -> App {
        self.body_limit = bytes;
        self
    }

    /// The same, believing forwarded headers from these proxies ([`proxy`]).
    pub fn with_trusted_proxies(mut self, proxies: Vec<proxy::TrustedNet>) -> App {
        self.trusted_proxies = proxies;
        self
    }

    /// The same, with `/metrics` open to a scraper presenting `token`.
    pub fn with_metrics_token(mut self, token: Option<String>) -> App {
        self.metrics_token = token.filter(|t| !t.is_empty());
        self
    }

    /// The same, behind a proxy: the origin browsers see (see [`App::public_origin`]).
    pub fn with_public_origin(mut self, origin: Option<String>) -> App {
        self.public_origin = origin;
        self
    }

    /// The same, requiring (or not) a second factor from staff accounts.
    pub fn with_totp_for_staff(mut self, required: bool) -> App {
        self.require_totp_for_staff = required;
        self
    }
}

type Shared = Arc<App>;

/// Declares every route once: the router is built from this table, and [`ROUTES`] lists it for
/// the rights test, which must hold a row for each (a route added without one fails it).
macro_rules! routes {
    ($( $path:literal => $($method:ident $handler:expr),+ ;)*) => {
        /// Every route the router serves: (method, path).
        pub const ROUTES: &[(&str, &str)] = &[ $( $( (stringify!($method), $path) ),+ ),* ];

        fn routes() -> Router<Shared> {
            Router::new() $( .route($path, routes!(@chain $($method $handler),+)) )*
        }
    };
    (@chain $m:ident $h:expr) => { axum::routing::$m($h) };
    (@chain $m:ident $h:expr, $($rm:ident $rh:expr),+) => { routes!(@chain $($rm $rh),+).$m($h) };
}

routes! {
    "/" => get home;
    "/login" => get login_page, post login;
    "/login/code" => get second_factor::code_page, post second_factor::code_post;
    "/logout" => post logout;
    "/password" => get password_page, post change_password;
    "/lang/{code}" => get switch_lang;
    "/me" => get me::page;
    "/file" => get filing::file_page, post filing::file_post;
    "/file/correct" => post filing::start_correction;
    "/file/start-from-last" => post filing::start_from_last;
    "/reports/{id}" => get report_page;
    "/progress" => get progress_page;
    "/progress.csv" => get progress_csv;
    "/reminders" => get reminders::reminder_page, post reminders::issue;
    "/statistics" => get statistics::statistics_page;
    "/statistics.csv" => get statistics::statistics_csv;
    "/admin" => get admin::admin_page;
    "/admin/roster" => post admin::upload_roster;
    "/admin/cycle" => post admin::open_cycle;
    "/admin/cycles/close" => post cycles::close_cycle;
    "/admin/registry" => post admin::upload_registry;
    "/admin/verify" => post admin::start_run;
    "/admin/accounts" => post admin::create_accounts;
    "/admin/accounts/reset" => post admin::reset_password;
    "/admin/accounts/unlock" => post admin::unlock_account;
    "/admin/sample/draw" => post admin::sample_draw;
    "/admin/sample/reveal" => post admin::sample_reveal;
    "/cases" => get workbench::cases_page;
    "/cases/{id}" => get workbench::case_page;
    "/cases/{id}/explanation" => post workbench::request_explanation;
    "/cases/{id}/determinations" => post workbench::determine;
    "/cases/{id}/determinations/{determination}/confirm" => post workbench::confirm;
    "/explanations/{id}" => post workbench::answer;
    "/key-checks" => get workbench::key_checks_page;
    "/audit" => get audit::audit_page;
    "/healthz" => get healthz;
    "/readyz" => get readyz;
    "/metrics" => get metrics::metrics;
    "/static/probity.css" => get stylesheet;
    "/static/file.js" => get filing_script;
    "/static/admin.js" => get admin_script;
    "/static/case.js" => get case_script;
    "/static/print.js" => get print_script;
    "/api/openapi.json" => get api::openapi_json;
    "/api/session" => get api::session;
    "/api/reports" => get api::my_reports, post api::submit_report;
    "/api/reports/{id}" => get api::report;
    "/api/drafts/{year}/{kind}" => get api::get_draft, put api::put_draft;
    "/api/progress" => get api::progress;
    "/api/cases" => get api::workbench::cases;
    "/api/cases/{id}" => get api::workbench::case;
    "/api/cases/{id}/explanations" => post api::workbench::request_explanation;
    "/api/cases/{id}/determinations" => post api::workbench::determine;
    "/api/cases/{id}/determinations/{determination}/confirm" => post api::workbench::confirm;
    "/api/explanations" => get api::workbench::my_explanations;
    "/api/explanations/{id}" => post api::workbench::answer;
    "/api/key-checks" => get api::workbench::key_checks;
}

/// The router of every page and API endpoint, behind the request kernel ([`kernel::resolve`]).
pub fn router(app: Arc<App>) -> Router {
    routes()
        .layer(axum::middleware::from_fn_with_state(
            app.clone(),
            kernel::resolve,
        ))
        .layer(axum::middleware::from_fn_with_state(
            app.clone(),
            metrics::record,
        ))
        .layer(axum::middleware::from_fn_with_state(
            app.secure_cookies,
            security_headers,
        ))
        .layer(axum::extract::DefaultBodyLimit::max(app.body_limit))
        .layer(axum::middleware::from_fn(request_log::record))
        .with_state(app)
}

/// Serves until the process ends (tests, embedding).
pub async fn serve(app: Arc<App>, listener: tokio::net::TcpListener) -> std::io::Result<()> {
    axum::serve(listener, service(app)).await
}

/// The router, told each connection's peer address (which [`proxy`] needs).
fn service(
    app: Arc<App>,
) -> axum::extract::connect_info::IntoMakeServiceWithConnectInfo<Router, proxy::Peer> {
    router(app).into_make_service_with_connect_info::<proxy::Peer>()
}

/// Serves until SIGTERM or Ctrl-C, then shuts down gracefully (see [`serve_until`]) within
/// `grace`: `probity serve`.
pub async fn serve_gracefully<L>(
    app: Arc<App>,
    listener: L,
    grace: std::time::Duration,
) -> std::io::Result<()>
where
    L: axum::serve::Listener<Addr = std::net::SocketAddr>,
    proxy::Peer: for<'a> axum::extract::connect_info::Connected<axum::serve::IncomingStream<'a, L>>,
{
    serve_until(app, listener, shutdown_signal(), grace).await
}

/// Serves until `stop` completes; then stops accepting connections, lets the requests in flight
/// finish and answer (each write is committed and answered, or not stored), and returns — after
/// at most `grace` more, whatever is still running then. The caller closes the store after.
pub async fn serve_until<L>(
    app: Arc<App>,
    listener: L,
    stop: impl std::future::Future<Output = ()> + Send + 'static,
    grace: std::time::Duration,
) -> std::io::Result<()>
where
    L: axum::serve::Listener<Addr = std::net::SocketAddr>,
    proxy::Peer: for<'a> axum::extract::connect_info::Connected<axum::serve::IncomingStream<'a, L>>,
{
    let (stopping, mut stopped) = tokio::sync::watch::channel(false);
    let server = axum::serve(listener, service(app)).with_graceful_shutdown(async move {
        stop.await;
        let _ = stopping.send(true);
    });
    let deadline = async move {
        while !*stopped.borrow() {
            if stopped.changed().await.is_err() {
                // The server ended before any stop: no deadline to keep.
                std::future::pending::<()>().await;
            }
        }
        tokio::time::sleep(grace).await;
    };
    tokio::select! {
        served = server => served,
        () = deadline => {
            tracing::warn!(
                grace_s = grace.as_secs(),
                "requests still running after the stop were abandoned"
            );
            Ok(())
        }
    }
}

/// SIGTERM (a service manager, a container runtime) or Ctrl-C.
async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {}
        () = term => {}
    }
}

/// `GET /healthz`: the process answers.
async fn healthz() -> &'static str {
    "ok\n"
}

/// `GET /readyz`: the database answers with the schema this build expects, and the key file
/// reads (503 otherwise: take this server out of the load balancer until it is).
async fn readyz(State(app): State<Shared>) -> Response {
    match app.store.ready().await {
        Ok(()) => "ready\n".into_response(),
        Err(e) => {
            tracing::warn!(error = %e, "not ready");
            (StatusCode::SERVICE_UNAVAILABLE, "not ready\n").into_response()
        }
    }
}

/// The headers every answer carries. Scripts come only from our own files (`/static/…`): no
/// inline script or event handler runs. Served over TLS (`secure_cookies`), browsers are also
/// told to use HTTPS only, for a year (`Strict-Transport-Security`).
async fn security_headers(
    State(tls): State<bool>,
    request: axum::extract::Request,
    next: axum::middleware::Next,
) -> Response {
    let mut response = next.run(request).await;
    let h = response.headers_mut();
    for (name, value) in [
        ("x-content-type-options", "nosniff"),
        ("x-frame-options", "DENY"),
        ("referrer-policy", "same-origin"),
        (
            "content-security-policy",
            "default-src 'self'; script-src 'self'; style-src 'self'; frame-ancestors 'none'",
        ),
        ("cache-control", "no-store"),
    ] {
        h.insert(name, HeaderValue::from_static(value));
    }
    if tls {
        h.insert(
            "strict-transport-security",
            HeaderValue::from_static("max-age=31536000; includeSubDomains"),
        );
    }
    response
}

/// A page's script, from a file: each page's behaviour lives in a file under `static/` so that
/// the Content-Security-Policy can refuse inline script.
fn script(text: &'static str) -> Response {
    (
        [(header::CONTENT_TYPE, "text/javascript; charset=utf-8")],
        text,
    )
        .into_response()
}

async fn admin_script() -> Response {
    script(include_str!("../static/admin.js"))
}

async fn case_script() -> Response {
    script(include_str!("../static/case.js"))
}

async fn print_script() -> Response {
    script(include_str!("../static/print.js"))
}

async fn stylesheet() -> impl IntoResponse {
    (
        [(header::CONTENT_TYPE, "text/css; charset=utf-8")],
        include_str!("../static/probity.css"),
    )
}

async fn filing_script() -> impl IntoResponse {
    (
        [(header::CONTENT_TYPE, "text/javascript; charset=utf-8")],
        include_str!("../static/file.js"),
    )
}

/// Now, at the edge (the store reads no clock).
pub(crate) fn now() -> chrono::DateTime<chrono::Utc> {
    chrono::Utc::now()
}

fn rfc3339(t: chrono::DateTime<chrono::Utc>) -> String {
    t.to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
}

/// Who is asking, in which language: resolved once per request by the kernel
/// ([`kernel::resolve`]) and taken by handlers as an extractor, alone or inside [`kernel::Staff`],
/// [`kernel::Declarant`] and the others.
#[derive(Clone)]
pub struct Ctx {
    /// Messages.
    pub t: Tr,
    /// The signed-in account.
    pub user: Option<User>,
    /// The session's CSRF token (empty without a session).
    pub csrf: String,
    /// For staff: the units they act on (`None` for declarants, auditors and the anonymous).
    pub scope: Option<probity_store::UnitScope>,
    /// Whether the account still has its initial password: nothing but changing it (or signing
    /// out) is allowed until it does.
    pub must_change_password: bool,
    token_hash: Option<String>,
}

impl Ctx {
    pub(crate) async fn of(app: &App, headers: &HeaderMap) -> Result<Ctx, WebError> {
        let lang = auth::cookie(headers, LANG_COOKIE, app.secure_cookies)
            .and_then(|c| Lang::parse(&c))
            .unwrap_or(app.default_lang);
        let t = Tr { lang };
        let mut ctx = Ctx {
            t,
            user: None,
            csrf: String::new(),
            scope: None,
            must_change_password: false,
            token_hash: None,
        };
        if let Some(token) = auth::cookie(headers, SESSION_COOKIE, app.secure_cookies) {
            let hash = probity_app::passwords::token_hash(&token);
            if let Some(session) = app
                .store
                .session(&hash, &rfc3339(now()))
                .await
                .map_err(|e| WebError::internal(t, e))?
            {
                if matches!(session.user.role, Role::Administrator | Role::Verifier) {
                    let units = app
                        .store
                        .user_units(&session.user.username)
                        .await
                        .map_err(|e| WebError::internal(t, e))?;
                    ctx.scope = Some(probity_store::UnitScope::of_units(units));
                }
                ctx.user = Some(session.user);
                ctx.must_change_password = session.must_change_password;
                ctx.csrf = session.csrf;
                ctx.token_hash = Some(hash);
            }
        }
        Ok(ctx)
    }

    /// As [`Ctx::of`], for the API: without the language cookie, the language the client's
    /// `Accept-Language` prefers, if it is one of ours.
    pub(crate) async fn api(app: &App, headers: &HeaderMap) -> Result<Ctx, WebError> {
        let mut ctx = Ctx::of(app, headers).await?;
        if auth::cookie(headers, LANG_COOKIE, app.secure_cookies).is_none()
            && let Some(lang) = headers
                .get(header::ACCEPT_LANGUAGE)
                .and_then(|v| v.to_str().ok())
                .and_then(Lang::from_accept_language)
        {
            ctx.t = Tr { lang };
        }
        Ok(ctx)
    }

    /// The account, or a redirect to the sign-in page (or, while the password is an initial
    /// one, to the page that changes it).
    pub(crate) fn signed_in(&self) -> Result<&User, WebError> {
        let user = self.signed_in_any()?;
        if self.must_change_password {
            return Err(WebError::ChangePassword);
        }
        Ok(user)
    }

    /// The account, even one whose initial password must still be changed (to change it, or
    /// to sign out).
    pub(crate) fn signed_in_any(&self) -> Result<&User, WebError> {
        self.user.as_ref().ok_or(WebError::SignIn)
    }

    /// The account if it has one of `roles`.
    pub(crate) fn with_role(&self, roles: &[Role]) -> Result<&User, WebError> {
        let user = self.signed_in()?;
        if roles.contains(&user.role) {
            Ok(user)
        } else {
            Err(WebError::Forbidden(self.t))
        }
    }

    pub(crate) fn stamp(&self) -> Stamp {
        let actor = self.user.as_ref().map_or_else(
            || "web:anonymous".to_owned(),
            |u| format!("web:{}", u.username),
        );
        Stamp::new(rfc3339(now()), actor)
    }
}

/// What a handler can fail with; rendered as a page in the reader's language.
#[derive(Debug)]
pub enum WebError {
    /// Not signed in: go to the sign-in page.
    SignIn,
    /// Signed in with an initial password: go and change it.
    ChangePassword,
    /// Signed in, but not allowed.
    Forbidden(Tr),
    /// Nothing there.
    NotFound(Tr),
    /// A bad request.
    BadRequest(Tr, String),
    /// Something failed on our side; the detail goes to the log, not the page.
    Internal(Tr),
}

impl WebError {
    pub(crate) fn internal(t: Tr, e: impl std::fmt::Display) -> WebError {
        // The store's messages name rows by id or blind index, never personal data.
        tracing::error!(error = %e, "internal error");
        WebError::Internal(t)
    }
}

#[derive(Template, WebTemplate)]
#[template(path = "message.html")]
struct MessagePage {
    t: Tr,
    user: Option<User>,
    csrf: String,
    heading: String,
    message: String,
}

impl IntoResponse for WebError {
    fn into_response(self) -> Response {
        let (status, t, message) = match self {
            WebError::SignIn => return Redirect::to("/login").into_response(),
            WebError::ChangePassword => return Redirect::to("/password").into_response(),
            WebError::Forbidden(t) => (StatusCode::FORBIDDEN, t, t.get("forbidden")),
            WebError::NotFound(t) => (StatusCode::NOT_FOUND, t, t.get("not-found")),
            WebError::BadRequest(t, m) => (StatusCode::BAD_REQUEST, t, m),
            WebError::Internal(t) => (
                StatusCode::INTERNAL_SERVER_ERROR,
                t,
                t.get("internal-error"),
            ),
        };
        let page = MessagePage {
            t,
            user: None,
            csrf: String::new(),
            heading: t
                .find(&format!("status-{}", status.as_u16()))
                .unwrap_or_else(|| status.canonical_reason().unwrap_or("error").to_owned()),
            message,
        };
        (status, page).into_response()
    }
}

async fn home(Account { user, .. }: Account) -> Result<Response, WebError> {
    Ok(match user.role {
        Role::Declarant => Redirect::to("/me"),
        Role::Auditor => Redirect::to("/audit"),
        Role::Administrator | Role::Verifier => Redirect::to("/progress"),
    }
    .into_response())
}

#[derive(Template, WebTemplate)]
#[template(path = "login.html")]
struct LoginPage {
    t: Tr,
    user: Option<User>,
    csrf: String,
    error: Option<String>,
    username: String,
}

async fn login_page(State(app): State<Shared>, ctx: Ctx) -> Result<Response, WebError> {
    Ok(login_form(&app, ctx.t, None, String::new()))
}

fn login_form(app: &App, t: Tr, error: Option<String>, username: String) -> Response {
    let token = probity_app::passwords::random_token();
    let cookie = auth::set_cookie(LOGIN_COOKIE, &token, 3600, app.secure_cookies, true);
    let status = if error.is_some() {
        StatusCode::UNAUTHORIZED
    } else {
        StatusCode::OK
    };
    (
        status,
        [(header::SET_COOKIE, cookie)],
        LoginPage {
            t,
            user: None,
            csrf: token,
            error,
            username,
        },
    )
        .into_response()
}

#[derive(Deserialize)]
struct LoginForm {
    username: String,
    password: String,
}

/// Signs in. The kernel has checked the sign-in form's token against its cookie.
async fn login(
    State(app): State<Shared>,
    ctx: Ctx,
    Form(form): Form<LoginForm>,
) -> Result<Response, WebError> {
    let t = ctx.t;
    let username = form.username.trim().to_owned();
    let at = now();
    // The attempt is counted before the password is checked, in one write: attempts sent at
    // once cannot outrun the lock. Names that are no account are counted alike, so the answers
    // do not tell which names exist.
    let stamp = Stamp::new(rfc3339(at), "web:anonymous");
    let lock_until = rfc3339(at + chrono::Duration::minutes(auth::LOCK_MINUTES));
    let attempt = app
        .store
        .begin_sign_in(&stamp, &username, auth::MAX_FAILURES, &lock_until)
        .await
        .map_err(|e| WebError::internal(t, e))?;
    if let Attempt::Locked { until } = &attempt {
        app.metrics.sign_in_failed();
        return Ok(login_form(&app, t, Some(locked(t, at, until)), username));
    }
    let user = app
        .store
        .user(&username)
        .await
        .map_err(|e| WebError::internal(t, e))?;
    let phc = user.as_ref().filter(|u| !u.disabled).map_or_else(
        || probity_app::passwords::dummy_hash().to_owned(),
        |u| u.password_hash.clone(),
    );
    let password = form.password;
    let ok = tokio::task::spawn_blocking(move || {
        probity_app::passwords::verify_password(&password, &phc)
    })
    .await
    .unwrap_or(false);
    let Some(user) = user.filter(|u| ok && !u.disabled) else {
        app.metrics.sign_in_failed();
        app.store
            .sign_in_refused(&stamp, &username, &attempt)
            .await
            .map_err(|e| WebError::internal(t, e))?;
        let message = match &attempt {
            Attempt::Check {
                locks_until: Some(until),
                ..
            } => locked(t, at, until),
            _ => t.get("bad-login"),
        };
        return Ok(login_form(&app, t, Some(message), username));
    };
    if let Some((secret, enrolled)) = second_factor::needed(&app, t, &user).await? {
        // The password was right: the attempts are forgotten only once the code is too.
        return Ok(second_factor::wait_for_code(
            &app,
            &user.username,
            secret,
            enrolled,
        ));
    }
    open_session(&app, t, &user.username, at).await
}

/// Opens a session for an account whose sign-in succeeded; to the home page, with its cookie.
pub(crate) async fn open_session(
    app: &App,
    t: Tr,
    username: &str,
    at: chrono::DateTime<chrono::Utc>,
) -> Result<Response, WebError> {
    let token = probity_app::passwords::random_token();
    let expires = at + app.session_lifetime;
    let stamp = Stamp::new(rfc3339(at), format!("web:{username}"));
    app.store
        .open_session(
            &stamp,
            username,
            &probity_app::passwords::token_hash(&token),
            &probity_app::passwords::random_token(),
            &rfc3339(expires),
        )
        .await
        .map_err(|e| WebError::internal(t, e))?;
    let cookie = auth::set_cookie(
        SESSION_COOKIE,
        &token,
        app.session_lifetime.num_seconds(),
        app.secure_cookies,
        true,
    );
    let clear = auth::set_cookie(LOGIN_COOKIE, "", 0, app.secure_cookies, true);
    let mut response = Redirect::to("/").into_response();
    let h = response.headers_mut();
    for c in [cookie, clear] {
        if let Ok(v) = HeaderValue::from_str(&c) {
            h.append(header::SET_COOKIE, v);
        }
    }
    Ok(response)
}

/// The lockout message, with the minutes left (rounded up).
fn locked(t: Tr, now: chrono::DateTime<chrono::Utc>, until: &str) -> String {
    let minutes = chrono::DateTime::parse_from_rfc3339(until)
        .map(|u| (u.with_timezone(&chrono::Utc) - now).num_seconds())
        .map_or(auth::LOCK_MINUTES, |s| (s + 59) / 60)
        .max(1);
    t.with("locked", &[("minutes", minutes)])
}

async fn logout(
    State(app): State<Shared>,
    AnyAccount { ctx, .. }: AnyAccount,
) -> Result<Response, WebError> {
    if let Some(hash) = &ctx.token_hash {
        app.store
            .close_session(&ctx.stamp(), hash)
            .await
            .map_err(|e| WebError::internal(ctx.t, e))?;
    }
    let clear = auth::set_cookie(SESSION_COOKIE, "", 0, app.secure_cookies, true);
    Ok(([(header::SET_COOKIE, clear)], Redirect::to("/login")).into_response())
}

async fn switch_lang(
    State(app): State<Shared>,
    Path(code): Path<String>,
    headers: HeaderMap,
) -> Response {
    let lang = Lang::parse(&code).unwrap_or(app.default_lang);
    let cookie = auth::set_cookie(
        LANG_COOKIE,
        lang.code(),
        365 * 86400,
        app.secure_cookies,
        false,
    );
    // Back where the reader was, if that was one of our pages.
    let back = headers
        .get(header::REFERER)
        .and_then(|r| r.to_str().ok())
        .and_then(|r| r.split_once("://").map(|(_, rest)| rest))
        .and_then(|rest| rest.find('/').map(|i| rest[i..].to_owned()))
        .filter(|p| p.starts_with('/') && !p.starts_with("//"))
        .unwrap_or_else(|| "/".to_owned());
    ([(header::SET_COOKIE, cookie)], Redirect::to(&back)).into_response()
}

#[derive(Template, WebTemplate)]
#[template(path = "password.html")]
struct PasswordPage {
    t: Tr,
    user: Option<User>,
    csrf: String,
    error: Option<String>,
    done: bool,
    must_change: bool,
}

async fn password_page(AnyAccount { ctx, .. }: AnyAccount) -> Result<PasswordPage, WebError> {
    Ok(PasswordPage {
        t: ctx.t,
        user: ctx.user.clone(),
        csrf: ctx.csrf.clone(),
        error: None,
        done: false,
        must_change: ctx.must_change_password,
    })
}

#[derive(Deserialize)]
struct PasswordForm {
    current: String,
    new: String,
}

async fn change_password(
    State(app): State<Shared>,
    AnyAccount { ctx, user }: AnyAccount,
    Form(form): Form<PasswordForm>,
) -> Result<Response, WebError> {
    let t = ctx.t;
    let page = |error: Option<String>, done: bool| PasswordPage {
        t,
        user: Some(user.clone()),
        csrf: ctx.csrf.clone(),
        error,
        done,
        // Until it is changed, the initial password is all this account may change.
        must_change: ctx.must_change_password && !done,
    };
    if form.new.chars().count() < probity_app::passwords::MIN_PASSWORD {
        return Ok((
            StatusCode::BAD_REQUEST,
            page(Some(t.get("password-too-short")), false),
        )
            .into_response());
    }
    if form.new == form.current {
        return Ok((
            StatusCode::BAD_REQUEST,
            page(Some(t.get("password-same")), false),
        )
            .into_response());
    }
    // The account's own words are the first a guesser tries: the username and, for a
    // declarant, their name on the roster.
    let mut own_words = vec![user.username.clone()];
    if let Some(key) = &user.person_key
        && let Some((name, _)) = app
            .store
            .subject(key)
            .await
            .map_err(|e| WebError::internal(t, e))?
    {
        own_words.push(name);
    }
    let phc = user.password_hash.clone();
    let (current, new) = (form.current, form.new);
    let checked = tokio::task::spawn_blocking(move || {
        if !probity_app::passwords::verify_password(&current, &phc) {
            return Err("bad-login");
        }
        if !probity_app::passwords::strong_enough(&new, &own_words) {
            return Err("password-weak");
        }
        Ok(probity_app::passwords::hash_password(&new))
    })
    .await
    .map_err(|e| WebError::internal(t, e))?;
    let hashed = match checked {
        Ok(hashed) => hashed.map_err(|e| WebError::internal(t, e))?,
        Err(key) => {
            return Ok((StatusCode::BAD_REQUEST, page(Some(t.get(key)), false)).into_response());
        }
    };
    let updated = User {
        password_hash: hashed,
        ..user.clone()
    };
    let stamp = ctx.stamp();
    app.store
        .update_user(&stamp, &updated)
        .await
        .map_err(|e| WebError::internal(t, e))?;
    // Whoever else holds a session of this account (a stolen cookie, a forgotten browser)
    // loses it with the old password.
    if let Some(hash) = &ctx.token_hash {
        app.store
            .end_other_sessions(&stamp, &user.username, hash)
            .await
            .map_err(|e| WebError::internal(t, e))?;
    }
    Ok(page(None, true).into_response())
}

#[derive(Template, WebTemplate)]
#[template(path = "report.html")]
struct ReportPage {
    t: Tr,
    user: Option<User>,
    csrf: String,
    summary: ReportSummary,
    pretty: String,
    view: Vec<report_view::ShownSection>,
    other_matters: Option<String>,
}

/// A report, for its declarant or for staff of its subject's unit (whose read is audited by the
/// store).
pub(crate) async fn readable_report(
    app: &App,
    ctx: &Ctx,
    id: &str,
) -> Result<(ReportSummary, String), WebError> {
    let user = ctx.signed_in()?;
    let summary = app
        .store
        .report_summary(id)
        .await
        .map_err(|e| WebError::internal(ctx.t, e))?;
    // The same answer whether the report is someone else's or does not exist.
    let Some(summary) = summary else {
        return Err(WebError::Forbidden(ctx.t));
    };
    let allowed = match user.role {
        Role::Declarant => user.person_key.as_deref() == Some(summary.person_key.as_str()),
        // Auditors see the audit trail, not the contents.
        Role::Administrator | Role::Verifier => true,
        Role::Auditor => false,
    };
    if !allowed {
        return Err(WebError::Forbidden(ctx.t));
    }
    // Staff see the reports of the units they manage.
    if let Some(scope) = &ctx.scope {
        let unit = app
            .store
            .subject(&summary.person_key)
            .await
            .map_err(|e| WebError::internal(ctx.t, e))?
            .map(|(_, unit)| unit);
        if !unit.is_some_and(|u| scope.covers(&u)) {
            return Err(WebError::Forbidden(ctx.t));
        }
    }
    let stored = app
        .store
        .read_declaration(&ctx.stamp(), id)
        .await
        .map_err(|e| WebError::internal(ctx.t, e))?
        .ok_or(WebError::NotFound(ctx.t))?;
    let value: serde_json::Value =
        serde_json::from_str(&stored.json).map_err(|e| WebError::internal(ctx.t, e))?;
    let pretty = serde_json::to_string_pretty(&value).unwrap_or(stored.json);
    Ok((summary, pretty))
}

async fn report_page(
    State(app): State<Shared>,
    Path(id): Path<String>,
    Account { ctx, .. }: Account,
) -> Result<ReportPage, WebError> {
    let (summary, pretty) = readable_report(&app, &ctx, &id).await?;
    let value: serde_json::Value = serde_json::from_str(&pretty).unwrap_or_default();
    Ok(ReportPage {
        t: ctx.t,
        user: ctx.user.clone(),
        csrf: ctx.csrf.clone(),
        summary,
        view: report_view::report_view(ctx.t, &value),
        other_matters: value
            .get("other_matters")
            .and_then(serde_json::Value::as_str)
            .map(str::to_owned),
        pretty,
    })
}

#[derive(Deserialize)]
struct ProgressQuery {
    cycle: Option<i32>,
    sort: Option<String>,
}

#[derive(Template, WebTemplate)]
#[template(path = "progress.html")]
struct ProgressPage {
    t: Tr,
    user: Option<User>,
    csrf: String,
    progress: Option<Progress>,
    standings: Vec<Standing>,
    /// Per unit and report kind (`annual` before `initial`): the count of each standing and the
    /// total, so a subject owing an annual and an initial report counts once on each line.
    units: Vec<(String, &'static str, Vec<usize>, usize)>,
    rows: Vec<ProgressRow>,
    cycles: Vec<cycles::CycleChoice>,
}

/// The cycle asked for, else the latest still open (opening the next cycle does not hide the one
/// still being worked), else the latest; its progress as of today, under the due-date rule.
pub(crate) async fn load_progress(
    app: &App,
    ctx: &Ctx,
    scope: &UnitScope,
    cycle: Option<i32>,
) -> Result<Option<Progress>, WebError> {
    Ok(load_progress_with_choices(app, ctx, scope, cycle).await?.0)
}

/// [`load_progress`] with the choices of the page's cycle selector.
pub(crate) async fn load_progress_with_choices(
    app: &App,
    ctx: &Ctx,
    scope: &UnitScope,
    cycle: Option<i32>,
) -> Result<(Option<Progress>, Vec<cycles::CycleChoice>), WebError> {
    let (year, choices) = cycles::choose(app, ctx, cycle).await?;
    let Some(year) = year else {
        return Ok((None, choices));
    };
    let profile = workbench::profile(ctx.t)?;
    let today = now().format("%Y-%m-%d").to_string();
    let progress = app
        .store
        .progress(scope, profile, year, &today)
        .await
        .map_err(|e| WebError::internal(ctx.t, e))?;
    Ok((progress, choices))
}

async fn progress_page(
    State(app): State<Shared>,
    Query(q): Query<ProgressQuery>,
    Staff { ctx, scope, .. }: Staff<Officers>,
) -> Result<ProgressPage, WebError> {
    let (progress, cycles) = load_progress_with_choices(&app, &ctx, &scope, q.cycle).await?;
    let mut rows = progress
        .as_ref()
        .map(|p| p.rows.clone())
        .unwrap_or_default();
    match q.sort.as_deref() {
        Some("name") => rows.sort_by(|a, b| a.name.cmp(&b.name)),
        Some("standing") => rows.sort_by(|a, b| (b.standing, &a.unit).cmp(&(a.standing, &b.unit))),
        _ => rows.sort_by(|a, b| (&a.unit, &a.name).cmp(&(&b.unit, &b.name))),
    }
    // One line per unit and kind of report: a new subject owes an initial report beside the
    // annual one, and a department counts each against the people who owe it.
    let mut units: std::collections::BTreeMap<(String, &'static str), Vec<usize>> =
        Default::default();
    for r in &rows {
        let counts = units
            .entry((r.unit.clone(), kind_name(&r.kind)))
            .or_insert_with(|| vec![0; Standing::ALL.len()]);
        if let Some(i) = Standing::ALL.iter().position(|s| *s == r.standing) {
            counts[i] += 1;
        }
    }
    Ok(ProgressPage {
        t: ctx.t,
        user: ctx.user.clone(),
        csrf: ctx.csrf.clone(),
        progress,
        standings: Standing::ALL.to_vec(),
        units: units
            .into_iter()
            .map(|((u, kind), c)| {
                let total = c.iter().sum();
                (u, kind, c, total)
            })
            .collect(),
        rows,
        cycles,
    })
}

async fn progress_csv(
    State(app): State<Shared>,
    Query(q): Query<ProgressQuery>,
    Query(format): Query<csv_export::Format>,
    Staff { ctx, scope, .. }: Staff<Officers>,
) -> Result<Response, WebError> {
    let progress = load_progress(&app, &ctx, &scope, q.cycle)
        .await?
        .ok_or(WebError::NotFound(ctx.t))?;
    let mut records: Vec<Vec<String>> = vec![
        [
            "unit",
            "name",
            "position",
            "standing",
            "declaration_id",
            "filed_on",
            "report_kind",
            "due",
            "after_close",
        ]
        .map(str::to_owned)
        .to_vec(),
    ];
    for r in &progress.rows {
        records.push(vec![
            r.unit.clone(),
            r.name.clone(),
            r.position.clone(),
            r.standing.as_str().to_owned(),
            r.declaration_id.clone().unwrap_or_default(),
            r.filed_on.clone().unwrap_or_default(),
            kind_name(&r.kind).to_owned(),
            r.due.clone(),
            if r.after_close { "true" } else { "false" }.to_owned(),
        ]);
    }
    csv_export::respond(
        ctx.t,
        format.format,
        &|id: &str| id.to_owned(),
        &format!("progress-{}.csv", progress.year),
        records,
    )
}

/// A report kind as exports and the locale files name it (`annual`, `change`, `initial`).
pub(crate) fn kind_name(kind: &probity_model::declaration::ReportKind) -> &'static str {
    use probity_model::declaration::ReportKind;
    match kind {
        ReportKind::Annual => "annual",
        ReportKind::Change => "change",
        ReportKind::Initial => "initial",
    }
}

/// JSON error bodies for the API.
pub(crate) fn api_error(e: WebError) -> Response {
    let (status, message) = match e {
        WebError::SignIn => (StatusCode::UNAUTHORIZED, "sign in first".to_owned()),
        WebError::ChangePassword => (
            StatusCode::FORBIDDEN,
            "change your initial password first (/password)".to_owned(),
        ),
        WebError::Forbidden(t) => (StatusCode::FORBIDDEN, t.get("forbidden")),
        WebError::NotFound(t) => (StatusCode::NOT_FOUND, t.get("not-found")),
        WebError::BadRequest(_, m) => (StatusCode::BAD_REQUEST, m),
        WebError::Internal(_) => (StatusCode::INTERNAL_SERVER_ERROR, "internal error".into()),
    };
    (status, Json(serde_json::json!({"error": message}))).into_response()
}
