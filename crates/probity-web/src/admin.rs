//! The administrators' page: roster upload, opening a cycle, registry extract upload, and a
//! verification run with its progress. Every upload is all or nothing; an error names the file,
//! line and field, and nothing of a bad file is stored.

use std::sync::Arc;
use std::sync::atomic::Ordering;

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Form, Multipart, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use probity_store::{Imported, User};
use serde::Deserialize;

use crate::i18n::Tr;
use crate::kernel::{Administrators, DepartmentStaff, Staff};
use crate::{App, Ctx, WebError};
use probity_app::verification::RunProgress;

/// The state of the latest verification run started from the page.
#[derive(Debug, Default)]
pub struct RunState {
    /// Whether one is running.
    pub running: bool,
    /// Its progress.
    pub progress: Arc<RunProgress>,
    /// How the last one ended (a message), if one did.
    pub outcome: Option<String>,
}

#[derive(Template, WebTemplate)]
#[template(path = "admin.html")]
struct AdminPage {
    t: Tr,
    user: Option<User>,
    csrf: String,
    error: Option<String>,
    done: Option<String>,
    default_year: i32,
    running: bool,
    run_status: String,
    sample_status: Option<String>,
    units: Vec<String>,
    /// Whether the account acts for the whole department (cycles, registry extracts, the
    /// sample and runs are for such accounts only).
    department: bool,
    /// Every cycle, for the cycle selector and the close buttons.
    cycles: Vec<crate::cycles::CycleChoice>,
}

async fn page(app: &App, ctx: &Ctx, error: Option<String>, done: Option<String>) -> Response {
    page_with(app, ctx, error, done, None, None).await
}

#[derive(Deserialize)]
pub(crate) struct AccountsForm {
    unit: Option<String>,
    /// How usernames are made ([`probity_app::accounts::UsernamePattern`]); the default when
    /// absent or blank.
    pattern: Option<String>,
}

/// Creates a declarant account for every subject (of a unit, or all) on the roster without
/// one; answers a CSV of usernames and initial passwords, which is shown this once.
pub(crate) async fn create_accounts(
    State(app): State<Arc<App>>,
    Staff { ctx, scope, .. }: Staff<Administrators>,
    Form(form): Form<AccountsForm>,
) -> Result<Response, WebError> {
    let unit = form.unit.as_deref().filter(|u| !u.is_empty());
    if unit.is_some_and(|u| !scope.covers(u)) {
        return Err(WebError::Forbidden(ctx.t));
    }
    let pattern = match form.pattern.as_deref().map(str::trim) {
        None | Some("") => probity_app::accounts::UsernamePattern::default(),
        Some(p) => probity_app::accounts::UsernamePattern::parse(p)
            .map_err(|_| WebError::BadRequest(ctx.t, ctx.t.get("username-pattern-refused")))?,
    };
    let mut csv = probity_store::csv_out::Writer::from_writer(Vec::new());
    csv.write_record(["username", "name", "unit", "initial_password"])
        .map_err(|e| WebError::internal(ctx.t, e))?;
    // Hashed on every core, written a chunk a transaction (see `probity_app::accounts`).
    probity_app::accounts::create_roster_accounts(
        &app.store,
        &ctx.stamp(),
        &scope,
        unit,
        &pattern,
        |chunk| {
            for a in chunk {
                csv.write_record([&a.username, &a.name, &a.unit, &a.password])
                    .map_err(|e| e.to_string())?;
            }
            Ok(())
        },
    )
    .await
    .map_err(|e| WebError::internal(ctx.t, e))?;
    let body = csv
        .into_inner()
        .map_err(|e| WebError::internal(ctx.t, e.error()))?;
    Ok((
        [
            (
                axum::http::header::CONTENT_TYPE,
                "text/csv; charset=utf-8".to_owned(),
            ),
            (
                axum::http::header::CONTENT_DISPOSITION,
                "attachment; filename=\"accounts.csv\"".to_owned(),
            ),
        ],
        body,
    )
        .into_response())
}

#[derive(Deserialize)]
pub(crate) struct AccountForm {
    username: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "account_reset.html")]
struct ResetPage {
    t: Tr,
    user: Option<User>,
    csrf: String,
    message: String,
    password: String,
}

/// The account an administrator names, if it exists (`Ok(None)`: no such account); refused if
/// it is outside the units they manage: a declarant of another unit (or off the roster), staff
/// managing any unit beyond theirs or every unit.
async fn account_in_scope(
    app: &App,
    ctx: &Ctx,
    scope: &probity_store::UnitScope,
    username: &str,
) -> Result<Option<()>, WebError> {
    let Some(units) = app
        .store
        .account_units(username)
        .await
        .map_err(|e| WebError::internal(ctx.t, e))?
    else {
        return Ok(None);
    };
    let whole = scope.department().is_some();
    if !whole && (units.is_empty() || !units.iter().all(|u| scope.covers(u))) {
        return Err(WebError::Forbidden(ctx.t));
    }
    Ok(Some(()))
}

/// Gives an account a new initial password, shown this once; it must be changed at the next
/// sign-in, and the account's sessions end (audited as `user.reset`).
pub(crate) async fn reset_password(
    State(app): State<Arc<App>>,
    Staff { ctx, scope, .. }: Staff<Administrators>,
    Form(form): Form<AccountForm>,
) -> Result<Response, WebError> {
    let username = form.username.trim().to_owned();
    if account_in_scope(&app, &ctx, &scope, &username)
        .await?
        .is_none()
    {
        let m = ctx
            .t
            .with_text("no-such-account", &[("username", username)]);
        return Ok(page(&app, &ctx, Some(m), None).await);
    }
    let password = probity_app::passwords::initial_password();
    let hash = probity_app::passwords::hash_initial(&password)
        .map_err(|e| WebError::internal(ctx.t, e))?;
    app.store
        .reset_password(&ctx.stamp(), &username, &hash)
        .await
        .map_err(|e| WebError::internal(ctx.t, e))?;
    Ok(ResetPage {
        t: ctx.t,
        user: ctx.user.clone(),
        csrf: ctx.csrf.clone(),
        message: ctx
            .t
            .with_text("password-reset-done", &[("username", username)]),
        password,
    }
    .into_response())
}

/// Lifts an account's sign-in lock (audited as `user.unlock`).
pub(crate) async fn unlock_account(
    State(app): State<Arc<App>>,
    Staff { ctx, scope, .. }: Staff<Administrators>,
    Form(form): Form<AccountForm>,
) -> Result<Response, WebError> {
    let username = form.username.trim().to_owned();
    if account_in_scope(&app, &ctx, &scope, &username)
        .await?
        .is_none()
    {
        let m = ctx
            .t
            .with_text("no-such-account", &[("username", username)]);
        return Ok(page(&app, &ctx, Some(m), None).await);
    }
    let was_locked = app
        .store
        .unlock_user(&ctx.stamp(), &username)
        .await
        .map_err(|e| WebError::internal(ctx.t, e))?;
    let key = if was_locked {
        "account-unlocked"
    } else {
        "account-not-locked"
    };
    let m = ctx.t.with_text(key, &[("username", username)]);
    Ok(page(&app, &ctx, None, Some(m)).await)
}

async fn page_with(
    app: &App,
    ctx: &Ctx,
    error: Option<String>,
    done: Option<String>,
    sample_status: Option<String>,
    asked: Option<i32>,
) -> Response {
    let (running, run_status) = match app.runs.lock() {
        Ok(r) => {
            let status = if r.running {
                let p = &r.progress;
                format!(
                    "{}/{}",
                    p.checked.load(Ordering::Relaxed),
                    p.total.load(Ordering::Relaxed)
                )
            } else {
                r.outcome.clone().unwrap_or_default()
            };
            (r.running, status)
        }
        Err(_) => (false, String::new()),
    };
    let status = if error.is_some() {
        StatusCode::UNPROCESSABLE_ENTITY
    } else {
        StatusCode::OK
    };
    // The sample and verification forms work on the chosen cycle: the one asked for, else the
    // latest still open; before any cycle, last year (the cycle to open first).
    let (chosen, cycles) = crate::cycles::choose(app, ctx, asked)
        .await
        .unwrap_or_default();
    let default_year = chosen.unwrap_or(chrono::Datelike::year(&crate::now()) - 1);
    let scope = ctx
        .scope
        .clone()
        .unwrap_or(probity_store::UnitScope::Units(Default::default()));
    let units: Vec<String> = app
        .store
        .units()
        .await
        .unwrap_or_default()
        .into_iter()
        .filter(|u| scope.covers(u))
        .collect();
    let department = scope.department().is_some();
    (
        status,
        AdminPage {
            t: ctx.t,
            user: ctx.user.clone(),
            csrf: ctx.csrf.clone(),
            error,
            done,
            default_year,
            running,
            run_status,
            sample_status,
            units,
            department,
            cycles,
        },
    )
        .into_response()
}

#[derive(Deserialize)]
pub(crate) struct DrawForm {
    year: i32,
    commitment: String,
}

pub(crate) async fn sample_draw(
    State(app): State<Arc<App>>,
    DepartmentStaff { ctx, .. }: DepartmentStaff<Administrators>,
    Form(form): Form<DrawForm>,
) -> Result<Response, WebError> {
    let rate = crate::workbench::profile(ctx.t)?.sampling.random_rate;
    let commitment = form.commitment.trim().to_ascii_lowercase();
    Ok(
        match app
            .store
            .commit_sample(
                &ctx.stamp(),
                crate::workbench::profile(ctx.t)?,
                form.year,
                rate,
                &commitment,
            )
            .await
        {
            Ok(s) => {
                let status = ctx.t.with(
                    "sample-committed",
                    &[
                        ("frame", s.frame.members.len() as i64),
                        ("random", s.frame.random_size(rate) as i64),
                    ],
                );
                page_with(&app, &ctx, None, None, Some(status), None).await
            }
            Err(probity_store::StoreError::Conflict(m)) => {
                page(&app, &ctx, Some(ctx.t.refusal(&m)), None).await
            }
            Err(e) => return Err(WebError::internal(ctx.t, e)),
        },
    )
}

#[derive(Deserialize)]
pub(crate) struct RevealForm {
    year: i32,
    seed: String,
}

pub(crate) async fn sample_reveal(
    State(app): State<Arc<App>>,
    DepartmentStaff { ctx, .. }: DepartmentStaff<Administrators>,
    Form(form): Form<RevealForm>,
) -> Result<Response, WebError> {
    match app
        .store
        .reveal_sample(&ctx.stamp(), form.year, &form.seed)
        .await
    {
        Ok(_) => {}
        Err(probity_store::StoreError::Conflict(m)) => {
            return Ok(page(&app, &ctx, Some(ctx.t.refusal(&m)), None).await);
        }
        Err(e) => return Err(WebError::internal(ctx.t, e)),
    }
    let verified = app
        .store
        .verify_sample(form.year)
        .await
        .map_err(|e| WebError::internal(ctx.t, e))?;
    Ok(match verified {
        Ok(s) => {
            let status = ctx
                .t
                .with("sample-drawn", &[("drawn", s.drawn.len() as i64)]);
            page_with(&app, &ctx, None, None, Some(status), None).await
        }
        Err(why) => page(&app, &ctx, Some(why), None).await,
    })
}

pub(crate) async fn admin_page(
    State(app): State<Arc<App>>,
    axum::extract::Query(q): axum::extract::Query<AdminQuery>,
    Staff { ctx, .. }: Staff<Administrators>,
) -> Result<Response, WebError> {
    let done = q.closed.is_some().then(|| ctx.t.get("cycle-closed-done"));
    Ok(page_with(&app, &ctx, None, done, None, q.cycle).await)
}

/// `GET /admin?cycle=Y`: the cycle the sample and verification forms work on; `closed` after a
/// cycle was closed.
#[derive(Deserialize)]
pub(crate) struct AdminQuery {
    cycle: Option<i32>,
    closed: Option<String>,
}

/// The fields of a multipart form (the kernel has checked its CSRF token): the files, by name,
/// and the names of the checkboxes ticked.
async fn read_multipart(
    ctx: &Ctx,
    mut form: Multipart,
) -> Result<(Vec<(String, Vec<u8>)>, Vec<String>), WebError> {
    let mut files = Vec::new();
    let mut ticked = Vec::new();
    while let Some(field) = form
        .next_field()
        .await
        .map_err(|e| WebError::BadRequest(ctx.t, e.to_string()))?
    {
        let name = field.name().unwrap_or_default().to_owned();
        let file_name = field.file_name().map(str::to_owned);
        let bytes = field
            .bytes()
            .await
            .map_err(|e| WebError::BadRequest(ctx.t, e.to_string()))?;
        if name == "csrf" {
            continue;
        } else if file_name.is_none() && !bytes.is_empty() {
            ticked.push(name);
        } else if let Some(file_name) = file_name {
            // Only the last part of the name: a browser may send a path.
            let base = file_name
                .rsplit(['/', '\\'])
                .next()
                .unwrap_or_default()
                .to_owned();
            if !base.is_empty() {
                files.push((base, bytes.to_vec()));
            }
        }
    }
    Ok((files, ticked))
}

fn imported_message(t: Tr, r: &Imported) -> String {
    if r.already {
        return t.get("roster-unchanged");
    }
    t.with(
        "roster-imported",
        &[
            ("added", r.added as i64),
            ("changed", r.changed as i64),
            ("removed", r.removed as i64),
            ("unchanged", r.unchanged as i64),
        ],
    )
}

/// The log line of an import from the web: what, the counts, how long; never a file's name or
/// anything in it.
fn log_import(what: &str, started: std::time::Instant, r: &probity_store::Imported) {
    tracing::info!(
        target: "probity::import",
        what,
        already_imported = r.already,
        added = r.added,
        changed = r.changed,
        removed = r.removed,
        unchanged = r.unchanged,
        duration_ms = started.elapsed().as_millis() as u64,
        "import"
    );
}

pub(crate) async fn upload_roster(
    State(app): State<Arc<App>>,
    Staff { ctx, scope, .. }: Staff<Administrators>,
    form: Multipart,
) -> Result<Response, WebError> {
    let (files, ticked) = read_multipart(&ctx, form).await?;
    let Some((name, bytes)) = files.into_iter().next() else {
        return Ok(page(&app, &ctx, Some(ctx.t.get("roster-file")), None).await);
    };
    let removals = if ticked.iter().any(|n| n == "allow_removals") {
        probity_store::import::Removals::Allowed
    } else {
        probity_store::import::Removals::Guarded
    };
    let started = std::time::Instant::now();
    Ok(
        match app
            .store
            .import_roster_with(&scope, &ctx.stamp(), &name, &bytes, removals)
            .await
        {
            Ok(r) => {
                log_import("subjects", started, &r);
                page(&app, &ctx, None, Some(imported_message(ctx.t, &r))).await
            }
            Err(probity_store::StoreError::TooManyRemovals { file, units }) => {
                let sep = ctx.t.lang.list_separator();
                let units = units
                    .iter()
                    .map(|u| {
                        ctx.t.with_text(
                            "roster-removals-unit",
                            &[
                                ("unit", u.unit.clone()),
                                ("removed", u.removed.to_string()),
                                ("of", u.of.to_string()),
                            ],
                        )
                    })
                    .collect::<Vec<_>>()
                    .join(sep);
                let message = ctx.t.with_text(
                    "roster-removals",
                    &[
                        ("file", file),
                        ("units", units),
                        (
                            "share",
                            probity_store::import::REMOVAL_SHARE_PERCENT.to_string(),
                        ),
                    ],
                );
                page(&app, &ctx, Some(message), None).await
            }
            Err(e @ probity_store::StoreError::Rejected { .. }) => {
                page(&app, &ctx, Some(e.to_string()), None).await
            }
            Err(probity_store::StoreError::OutsideScope { file, lines }) => {
                let mut shown: Vec<String> = lines.iter().take(20).map(usize::to_string).collect();
                if lines.len() > 20 {
                    shown.push("…".into());
                }
                let m = ctx.t.with_text(
                    "roster-outside-scope",
                    &[("file", file), ("lines", shown.join(", "))],
                );
                page(&app, &ctx, Some(m), None).await
            }
            Err(e) => return Err(WebError::internal(ctx.t, e)),
        },
    )
}

#[derive(Deserialize)]
pub(crate) struct CycleForm {
    year: i32,
    deadline: Option<String>,
}

pub(crate) async fn open_cycle(
    State(app): State<Arc<App>>,
    DepartmentStaff { ctx, .. }: DepartmentStaff<Administrators>,
    Form(form): Form<CycleForm>,
) -> Result<Response, WebError> {
    let deadline = match form
        .deadline
        .as_deref()
        .map(str::trim)
        .filter(|d| !d.is_empty())
    {
        Some(text) => match probity_model::Date::parse(text) {
            Ok(d) => d,
            Err(e) => return Ok(page(&app, &ctx, Some(format!("deadline: {e}")), None).await),
        },
        None => match probity_model::Profile::builtin("cn")
            .ok()
            .and_then(|p| p.annual_deadline(form.year))
        {
            Some(d) => d,
            None => return Ok(page(&app, &ctx, Some("year: no deadline".into()), None).await),
        },
    };
    Ok(
        match app
            .store
            .open_cycle(&ctx.stamp(), form.year, deadline)
            .await
        {
            Ok(r) if r.already => page(&app, &ctx, None, Some(ctx.t.get("nothing-changed"))).await,
            Ok(_) => page(&app, &ctx, None, Some(ctx.t.get("cycle-opened"))).await,
            Err(probity_store::StoreError::Conflict(m)) => {
                page(&app, &ctx, Some(ctx.t.refusal(&m)), None).await
            }
            Err(e) => return Err(WebError::internal(ctx.t, e)),
        },
    )
}

pub(crate) async fn upload_registry(
    State(app): State<Arc<App>>,
    DepartmentStaff { ctx, .. }: DepartmentStaff<Administrators>,
    form: Multipart,
) -> Result<Response, WebError> {
    let (files, _) = read_multipart(&ctx, form).await?;
    // Read and checked as `probity registry import` reads a folder, from the upload's bytes:
    // nothing of it is written to disk before the store seals it.
    let files = match probity_app::registry::registry_files_named(files) {
        Ok(f) => f,
        Err(e) => return Ok(page(&app, &ctx, Some(e.to_string()), None).await),
    };
    let started = std::time::Instant::now();
    let r = app
        .store
        .import_registry(&ctx.stamp(), &files)
        .await
        .map_err(|e| WebError::internal(ctx.t, e))?;
    log_import("files", started, &r);
    let message = if r.already {
        ctx.t.get("nothing-changed")
    } else {
        ctx.t
            .with("registry-imported", &[("added", r.added as i64)])
    };
    Ok(page(&app, &ctx, None, Some(message)).await)
}

#[derive(Deserialize)]
pub(crate) struct VerifyForm {
    year: i32,
    sample: Option<String>,
}

pub(crate) async fn start_run(
    State(app): State<Arc<App>>,
    DepartmentStaff { ctx, .. }: DepartmentStaff<Administrators>,
    Form(form): Form<VerifyForm>,
) -> Result<Response, WebError> {
    let progress = {
        let mut runs = app
            .runs
            .lock()
            .map_err(|_| WebError::internal(ctx.t, "run state poisoned"))?;
        if runs.running {
            return Ok(Redirect::to("/admin").into_response());
        }
        runs.running = true;
        runs.outcome = None;
        runs.progress = Arc::new(RunProgress::default());
        Arc::clone(&runs.progress)
    };
    let stamp = ctx.stamp();
    let t = ctx.t;
    let scope = if form.sample.is_some() {
        probity_app::verification::Scope::Sample
    } else {
        probity_app::verification::Scope::All
    };
    let task_app = Arc::clone(&app);
    tokio::spawn(async move {
        let started = std::time::Instant::now();
        let outcome = probity_app::verification::verify_cycle(
            &task_app.store,
            &stamp,
            form.year,
            scope,
            &progress,
        )
        .await;
        task_app
            .metrics
            .run_ended(outcome.is_ok(), started.elapsed().as_secs_f64());
        match &outcome {
            Ok((checked, findings, recorded)) => tracing::info!(
                target: "probity::verification",
                run = recorded.run,
                cycle = form.year,
                checked,
                findings,
                cases = recorded.cases,
                duration_ms = started.elapsed().as_millis() as u64,
                "verification run"
            ),
            Err(_) => tracing::error!(
                target: "probity::verification",
                cycle = form.year,
                duration_ms = started.elapsed().as_millis() as u64,
                "verification run failed"
            ),
        }
        let message = match outcome {
            Ok((checked, findings, recorded)) => t.with(
                "run-done",
                &[
                    ("run", recorded.run),
                    ("checked", checked as i64),
                    ("findings", findings as i64),
                    ("cases", recorded.cases as i64),
                ],
            ),
            Err(e) => e.to_string(),
        };
        if let Ok(mut runs) = task_app.runs.lock() {
            runs.running = false;
            runs.outcome = Some(message);
        }
    });
    Ok(Redirect::to("/admin").into_response())
}
