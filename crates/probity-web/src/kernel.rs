//! The request kernel: who is asking, and whether they may, decided once for every route.
//!
//! - [`resolve`] (a middleware on the whole router) reads the language and the session once
//!   and puts the [`Ctx`] in the request, then refuses any state-changing request (every method
//!   but `GET`, `HEAD` and `OPTIONS`) from a signed-in session whose CSRF token is missing or
//!   foreign, or that comes from another origin. The token travels in the `x-csrf-token` header
//!   (the API, scripts) or in the form's `csrf` field (URL-encoded or multipart). The sign-in
//!   forms (password, then second factor) carry the token of their own cookie. Handlers never
//!   check it themselves.
//! - Handlers name who may call them by the extractor they take: [`AnyAccount`], [`Account`],
//!   [`Declarant`], [`Staff`] of a role set with its [`UnitScope`], [`DepartmentStaff`] for what
//!   concerns every unit at once, [`Auditor`]. An extractor that does not fit answers for the
//!   handler: the sign-in page (401 for the API), the password page while the password is an
//!   initial one, or 403.

use std::marker::PhantomData;
use std::sync::Arc;

use axum::body::{Body, Bytes};
use axum::extract::{FromRequestParts, Request};
use axum::http::request::Parts;
use axum::http::{HeaderMap, Method, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use probity_store::{Role, UnitScope, User, WholeDepartment};

use crate::auth::{self, LOGIN_COOKIE};
use crate::{App, Ctx, WebError, api_error};

/// The largest request body the kernel reads to find a form's CSRF token unless configured
/// otherwise (`App::body_limit`); larger bodies are refused (413) before any handler runs. The
/// same limit is given to axum's body extractors.
pub const MAX_BODY: usize = 2 * 1024 * 1024;

/// Whether a method changes state (and so needs the CSRF token).
pub fn changes_state(method: &Method) -> bool {
    !matches!(*method, Method::GET | Method::HEAD | Method::OPTIONS)
}

/// Whether a path is the JSON API's (errors as JSON, 401 rather than a redirect).
fn is_api(path: &str) -> bool {
    path.starts_with("/api/")
}

/// A refusal by the kernel or an extractor: a page, or JSON for the API.
#[derive(Debug)]
pub struct Refusal {
    api: bool,
    error: WebError,
}

impl IntoResponse for Refusal {
    fn into_response(self) -> Response {
        if self.api {
            api_error(self.error)
        } else {
            self.error.into_response()
        }
    }
}

/// The middleware: resolves the [`Ctx`] once and enforces the CSRF rule (see the module).
pub async fn resolve(
    axum::extract::State(app): axum::extract::State<Arc<App>>,
    request: Request,
    next: Next,
) -> Response {
    let api = is_api(request.uri().path());
    let ctx = match if api {
        Ctx::api(&app, request.headers()).await
    } else {
        Ctx::of(&app, request.headers()).await
    } {
        Ok(ctx) => ctx,
        Err(error) => return Refusal { api, error }.into_response(),
    };
    let mut request = request;
    if changes_state(request.method()) {
        let path = request.uri().path();
        let signing_in = path == "/login" || path == "/login/code";
        let expected = match path {
            "/login" => auth::cookie(request.headers(), LOGIN_COOKIE, app.secure_cookies)
                .unwrap_or_default(),
            "/login/code" => {
                crate::second_factor::pending_csrf(&app, request.headers()).unwrap_or_default()
            }
            _ => ctx.csrf.clone(),
        };
        // Without a session (and outside the sign-in forms) nothing can change: the handler's
        // extractor sends the reader to sign in. With one, the token must be the session's; the
        // sign-in forms carry the token of their own cookie.
        if !expected.is_empty() || signing_in {
            let (given, rebuilt) = match csrf_token(request, app.body_limit).await {
                Ok(found) => found,
                Err(status) => return status.into_response(),
            };
            request = rebuilt;
            let fits = given
                .as_deref()
                .is_some_and(|g| !expected.is_empty() && auth::equal_secrets(&expected, g));
            // Ours: the configured public origin, else what a trusted proxy forwards, else the
            // `Host` asked.
            let forwarded = crate::proxy::forwarded_origin(
                request.headers(),
                request.extensions().get(),
                &app.trusted_proxies,
            );
            let origin = app.public_origin.as_deref().or(forwarded.as_deref());
            if !fits || !auth::same_origin_as(request.headers(), origin) {
                return Refusal {
                    api,
                    error: WebError::Forbidden(ctx.t),
                }
                .into_response();
            }
        }
    }
    request.extensions_mut().insert(ctx);
    next.run(request).await
}

/// The request's CSRF token (header, else the form's `csrf` field) and the request with its
/// body put back.
async fn csrf_token(
    request: Request,
    limit: usize,
) -> Result<(Option<String>, Request), axum::http::StatusCode> {
    if let Some(token) = request
        .headers()
        .get("x-csrf-token")
        .and_then(|v| v.to_str().ok())
    {
        let token = token.to_owned();
        return Ok((Some(token), request));
    }
    let (parts, body) = request.into_parts();
    let bytes = axum::body::to_bytes(body, limit)
        .await
        .map_err(|_| axum::http::StatusCode::PAYLOAD_TOO_LARGE)?;
    let token = form_field(&parts.headers, &bytes, "csrf").await;
    Ok((token, Request::from_parts(parts, Body::from(bytes))))
}

/// A field of a URL-encoded or multipart form body.
async fn form_field(headers: &HeaderMap, body: &Bytes, name: &str) -> Option<String> {
    let content_type = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    if content_type.starts_with("application/x-www-form-urlencoded") {
        let pairs: Vec<(String, String)> = serde_urlencoded::from_bytes(body).ok()?;
        return pairs.into_iter().find(|(k, _)| k == name).map(|(_, v)| v);
    }
    if content_type.starts_with("multipart/form-data") {
        let boundary = multer::parse_boundary(content_type).ok()?;
        let body = body.clone();
        let stream =
            futures_util::stream::once(async move { Ok::<Bytes, std::convert::Infallible>(body) });
        let mut form = multer::Multipart::new(stream, boundary);
        while let Ok(Some(field)) = form.next_field().await {
            if field.name() == Some(name) {
                return field.text().await.ok();
            }
        }
    }
    None
}

fn ctx_of(parts: &Parts) -> Result<Ctx, Refusal> {
    parts
        .extensions
        .get::<Ctx>()
        .cloned()
        .ok_or_else(|| Refusal {
            api: is_api(parts.uri.path()),
            error: WebError::Internal(crate::i18n::Tr {
                lang: crate::i18n::Lang::Zh,
            }),
        })
}

fn refuse(parts: &Parts, error: WebError) -> Refusal {
    Refusal {
        api: is_api(parts.uri.path()),
        error,
    }
}

impl FromRequestParts<Arc<App>> for Ctx {
    type Rejection = Refusal;

    async fn from_request_parts(parts: &mut Parts, _: &Arc<App>) -> Result<Ctx, Refusal> {
        ctx_of(parts)
    }
}

/// Any signed-in account, even one whose initial password must still be changed (to change it,
/// or to sign out).
pub struct AnyAccount {
    /// The request.
    pub ctx: Ctx,
    /// The account.
    pub user: User,
}

impl FromRequestParts<Arc<App>> for AnyAccount {
    type Rejection = Refusal;

    async fn from_request_parts(parts: &mut Parts, _: &Arc<App>) -> Result<Self, Refusal> {
        let ctx = ctx_of(parts)?;
        let user = ctx.signed_in_any().map_err(|e| refuse(parts, e))?.clone();
        Ok(AnyAccount { ctx, user })
    }
}

/// A signed-in account of any role, past its initial password.
pub struct Account {
    /// The request.
    pub ctx: Ctx,
    /// The account.
    pub user: User,
}

impl FromRequestParts<Arc<App>> for Account {
    type Rejection = Refusal;

    async fn from_request_parts(parts: &mut Parts, _: &Arc<App>) -> Result<Self, Refusal> {
        let ctx = ctx_of(parts)?;
        let user = ctx.signed_in().map_err(|e| refuse(parts, e))?.clone();
        Ok(Account { ctx, user })
    }
}

/// A declarant: reaches their own reports, drafts and explanations only.
pub struct Declarant {
    /// The request.
    pub ctx: Ctx,
    /// The account.
    pub user: User,
    /// Their blind index: the only subject whose data they reach.
    pub person_key: String,
}

impl FromRequestParts<Arc<App>> for Declarant {
    type Rejection = Refusal;

    async fn from_request_parts(parts: &mut Parts, _: &Arc<App>) -> Result<Self, Refusal> {
        let ctx = ctx_of(parts)?;
        let user = ctx
            .with_role(&[Role::Declarant])
            .map_err(|e| refuse(parts, e))?
            .clone();
        let Some(person_key) = user.person_key.clone() else {
            return Err(refuse(parts, WebError::Forbidden(ctx.t)));
        };
        Ok(Declarant {
            ctx,
            user,
            person_key,
        })
    }
}

/// A set of staff roles a handler admits.
pub trait StaffRoles: Send + Sync + 'static {
    /// The roles.
    const ROLES: &'static [Role];
}

/// Administrators: roster, cycles, registry extracts, accounts, runs, the sample.
pub struct Administrators;
impl StaffRoles for Administrators {
    const ROLES: &'static [Role] = &[Role::Administrator];
}

/// Verifiers: cases, explanations, determinations.
pub struct Verifiers;
impl StaffRoles for Verifiers {
    const ROLES: &'static [Role] = &[Role::Verifier];
}

/// Administrators and verifiers: progress, reminders, statistics, key checks.
pub struct Officers;
impl StaffRoles for Officers {
    const ROLES: &'static [Role] = &[Role::Administrator, Role::Verifier];
}

/// Staff of the roles `R`, with the units they act on: every unit-bound store query takes
/// [`Staff::scope`].
pub struct Staff<R: StaffRoles> {
    /// The request.
    pub ctx: Ctx,
    /// The account.
    pub user: User,
    /// The units this account manages.
    pub scope: UnitScope,
    roles: PhantomData<R>,
}

impl<R: StaffRoles> FromRequestParts<Arc<App>> for Staff<R> {
    type Rejection = Refusal;

    async fn from_request_parts(parts: &mut Parts, _: &Arc<App>) -> Result<Self, Refusal> {
        let ctx = ctx_of(parts)?;
        let user = ctx
            .with_role(R::ROLES)
            .map_err(|e| refuse(parts, e))?
            .clone();
        let Some(scope) = ctx.scope.clone() else {
            return Err(refuse(parts, WebError::Forbidden(ctx.t)));
        };
        Ok(Staff {
            ctx,
            user,
            scope,
            roles: PhantomData,
        })
    }
}

/// Staff of the roles `R` acting for the whole department (cycles, registry extracts,
/// verification runs, the sample): an account limited to some units is refused.
pub struct DepartmentStaff<R: StaffRoles> {
    /// The request.
    pub ctx: Ctx,
    /// The account.
    pub user: User,
    /// The proof of a whole-department account.
    pub whole: WholeDepartment,
    roles: PhantomData<R>,
}

impl<R: StaffRoles> FromRequestParts<Arc<App>> for DepartmentStaff<R> {
    type Rejection = Refusal;

    async fn from_request_parts(parts: &mut Parts, app: &Arc<App>) -> Result<Self, Refusal> {
        let staff = Staff::<R>::from_request_parts(parts, app).await?;
        let Some(whole) = staff.scope.department() else {
            return Err(refuse(parts, WebError::Forbidden(staff.ctx.t)));
        };
        Ok(DepartmentStaff {
            ctx: staff.ctx,
            user: staff.user,
            whole,
            roles: PhantomData,
        })
    }
}

/// An auditor: the audit trail, never report contents.
pub struct Auditor {
    /// The request.
    pub ctx: Ctx,
    /// The account.
    pub user: User,
}

impl FromRequestParts<Arc<App>> for Auditor {
    type Rejection = Refusal;

    async fn from_request_parts(parts: &mut Parts, _: &Arc<App>) -> Result<Self, Refusal> {
        let ctx = ctx_of(parts)?;
        let user = ctx
            .with_role(&[Role::Auditor])
            .map_err(|e| refuse(parts, e))?
            .clone();
        Ok(Auditor { ctx, user })
    }
}

/// The `{id}` of the route's path, as a number.
async fn path_id(parts: &mut Parts, app: &Arc<App>, t: crate::i18n::Tr) -> Result<i64, Refusal> {
    let axum::extract::Path(params) = axum::extract::Path::<
        std::collections::HashMap<String, String>,
    >::from_request_parts(parts, app)
    .await
    .map_err(|_| refuse(parts, WebError::NotFound(t)))?;
    params
        .get("id")
        .and_then(|id| id.parse().ok())
        .ok_or_else(|| refuse(parts, WebError::NotFound(t)))
}

/// A verifier and the case of the route (`/cases/{id}…`), which lies within their units: 403
/// outside them, 404 when there is none. Decided before the request's body is read.
pub struct WorkableCase {
    /// The verifier.
    pub staff: Staff<Verifiers>,
    /// The case.
    pub case: probity_store::CaseSummary,
}

impl FromRequestParts<Arc<App>> for WorkableCase {
    type Rejection = Refusal;

    async fn from_request_parts(parts: &mut Parts, app: &Arc<App>) -> Result<Self, Refusal> {
        let staff = Staff::<Verifiers>::from_request_parts(parts, app).await?;
        let id = path_id(parts, app, staff.ctx.t).await?;
        let case = crate::workbench::workable(app, staff.ctx.t, &staff.scope, id)
            .await
            .map_err(|e| refuse(parts, e))?;
        Ok(WorkableCase { staff, case })
    }
}

/// A declarant and the request for explanation of the route (`/explanations/{id}`), which is
/// addressed to them: 403 otherwise (the same whether it exists or not). Decided before the
/// request's body is read.
pub struct OwnExplanation {
    /// The declarant.
    pub declarant: Declarant,
    /// The request's id.
    pub id: i64,
}

impl FromRequestParts<Arc<App>> for OwnExplanation {
    type Rejection = Refusal;

    async fn from_request_parts(parts: &mut Parts, app: &Arc<App>) -> Result<Self, Refusal> {
        let declarant = Declarant::from_request_parts(parts, app).await?;
        let t = declarant.ctx.t;
        let id = path_id(parts, app, t)
            .await
            .map_err(|_| refuse(parts, WebError::Forbidden(t)))?;
        let addressed = app
            .store
            .explanations_of(&declarant.person_key)
            .await
            .map_err(|e| refuse(parts, WebError::internal(t, e)))?
            .iter()
            .any(|e| e.id == id);
        if !addressed {
            return Err(refuse(parts, WebError::Forbidden(t)));
        }
        Ok(OwnExplanation { declarant, id })
    }
}
