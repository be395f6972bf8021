//! The JSON API: the same actions as the pages, under `/api`, with the same session and the same
//! role and scope checks; described at `/api/openapi.json`.

use std::sync::Arc;

use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};
use utoipa::{OpenApi, ToSchema};

use sha2::Digest;

use crate::kernel::{Account, Declarant, Officers, Staff};
use crate::{App, api_error, load_progress, readable_report};

pub(crate) mod workbench;

/// A filed report's metadata: the receipt.
#[derive(Debug, Serialize, ToSchema)]
pub struct ReportReceipt {
    /// Report id.
    pub declaration_id: String,
    /// Year reported on.
    pub year: i64,
    /// `annual`, `change` or `initial`.
    pub kind: String,
    /// Report date.
    pub filed_on: String,
    /// The report it corrects.
    pub supersedes: Option<String>,
    /// SHA-256 of the report as filed.
    pub content_sha256: String,
    /// When it was received.
    pub stored_at: String,
}

/// A report with its content.
#[derive(Debug, Serialize, ToSchema)]
pub struct ReportWithContent {
    /// The receipt.
    pub receipt: ReportReceipt,
    /// The report as filed (`probity.declaration/1`).
    #[schema(value_type = Object)]
    pub content: serde_json::Value,
}

/// One subject's standing in a cycle.
#[derive(Debug, Serialize, ToSchema)]
pub struct ProgressEntry {
    /// Unit.
    pub unit: String,
    /// Name.
    pub name: String,
    /// Post.
    pub position: String,
    /// `filed`, `filed_late`, `draft`, `not_started` or `missing`.
    pub standing: String,
    /// The report filed, if any.
    pub declaration_id: Option<String>,
}

/// A cycle's progress.
#[derive(Debug, Serialize, ToSchema)]
pub struct ProgressReply {
    /// Year reported on.
    pub year: i32,
    /// Deadline.
    pub deadline: String,
    /// Every subject on the roster.
    pub subjects: Vec<ProgressEntry>,
}

/// Query of `/api/progress`.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
pub struct ProgressParams {
    /// The cycle (default: the latest).
    pub cycle: Option<i32>,
}

#[derive(OpenApi)]
#[openapi(
    info(
        title = "Probity API",
        description = "Personal-matters reports: filing, progress, verification."
    ),
    paths(
        session,
        my_reports,
        report,
        submit_report,
        get_draft,
        put_draft,
        progress
    ),
    components(schemas(
        ReportReceipt,
        ReportWithContent,
        ProgressEntry,
        ProgressReply,
        SessionInfo,
        FieldIssue
    ))
)]
struct ApiDoc;

/// The OpenAPI document.
pub fn openapi() -> utoipa::openapi::OpenApi {
    let mut doc = ApiDoc::openapi();
    doc.merge(workbench::Doc::openapi());
    doc
}

/// `GET /api/openapi.json`.
pub(crate) async fn openapi_json() -> Json<utoipa::openapi::OpenApi> {
    Json(openapi())
}

/// Who is signed in, and the token state-changing calls must send as `X-CSRF-Token`.
#[derive(Debug, Serialize, ToSchema)]
pub struct SessionInfo {
    /// Username.
    pub username: String,
    /// Role.
    pub role: String,
    /// The session's CSRF token.
    pub csrf: String,
}

/// A problem with one field of a report.
#[derive(Debug, Serialize, ToSchema)]
pub struct FieldIssue {
    /// JSON path of the field (`$.real_estate[0].area_m2`).
    pub path: String,
    /// What is wrong, as a stable code (`too-many-decimals`; `rejected` for the store's refusals).
    pub code: String,
    /// The values the message names, by name (`{"value": "96.399", "max": "2"}`).
    #[schema(value_type = Object)]
    pub args: serde_json::Map<String, serde_json::Value>,
    /// What is wrong, in the caller's language (the `lang` cookie, else `Accept-Language`).
    pub message: String,
}

impl FieldIssue {
    fn of(t: crate::i18n::Tr, issue: &probity_model::issue::Issue) -> FieldIssue {
        FieldIssue {
            path: issue.path.clone(),
            code: issue.code.as_str().to_owned(),
            args: issue
                .args
                .iter()
                .map(|(name, arg)| ((*name).to_owned(), arg.plain().into()))
                .collect(),
            message: t.issue(issue),
        }
    }
}

/// The signed-in account.
#[utoipa::path(get, path = "/api/session", responses((status = 200, body = SessionInfo), (status = 401)))]
pub(crate) async fn session(Account { ctx, user }: Account) -> Json<SessionInfo> {
    Json(SessionInfo {
        username: user.username.clone(),
        role: user.role.as_str().to_owned(),
        csrf: ctx.csrf.clone(),
    })
}

fn issues(status: StatusCode, list: Vec<FieldIssue>) -> Response {
    (status, Json(serde_json::json!({"issues": list}))).into_response()
}

/// Files a report (`probity.declaration/1`) as the signed-in declarant: validated field by
/// field, stored immutably with its draft removed; the reply is the receipt.
#[utoipa::path(post, path = "/api/reports", request_body(content = Object, description = "the report"),
    responses((status = 201, body = ReportReceipt), (status = 422, description = "field issues"),
    (status = 409, description = "another report of the subject, kind and year is in force: \
      `in_force` names it (declaration_id, kind, year, filed_on); file a correction that \
      supersedes it"),
    (status = 401), (status = 403)))]
pub(crate) async fn submit_report(
    State(app): State<Arc<App>>,
    Declarant {
        ctx, person_key, ..
    }: Declarant,
    body: String,
) -> Response {
    let run = async {
        if let Some(d) = probity_model::json::duplicate_key(&body) {
            let issue = probity_model::issue::Issue::new(
                d.path.as_str(),
                probity_model::issue::IssueCode::DuplicateKey,
                vec![("key", d.key.as_str().into())],
                format!("the key {:?} appears twice in this object", d.key),
            );
            return Ok(issues(
                StatusCode::UNPROCESSABLE_ENTITY,
                vec![FieldIssue::of(ctx.t, &issue)],
            ));
        }
        let value: serde_json::Value = match serde_json::from_str(&body) {
            Ok(v) => v,
            Err(e) => {
                let issue = probity_model::issue::Issue::new(
                    "$",
                    probity_model::issue::IssueCode::NotJson,
                    vec![("detail", e.to_string().into())],
                    format!("not valid JSON: {e}"),
                );
                return Ok(issues(
                    StatusCode::UNPROCESSABLE_ENTITY,
                    vec![FieldIssue::of(ctx.t, &issue)],
                ));
            }
        };
        let declaration = match crate::filing::parse_report(&value) {
            Ok(d) => d,
            Err(list) => {
                // Every issue at once, form and rule issues together, in form order.
                return Ok(issues(
                    StatusCode::UNPROCESSABLE_ENTITY,
                    list.iter().map(|i| FieldIssue::of(ctx.t, i)).collect(),
                ));
            }
        };
        // One's own reports only.
        if person_key != app.store.person_key(&declaration.declarant_id) {
            return Err(crate::WebError::Forbidden(ctx.t));
        }
        let stamp = ctx.stamp();
        match app
            .store
            .submit_declaration(&stamp, &declaration, &body)
            .await
        {
            Ok(_) => {}
            Err(probity_store::StoreError::Rejected { field, message, .. }) => {
                let mut args = serde_json::Map::new();
                args.insert("detail".into(), message.clone().into());
                return Ok(issues(
                    StatusCode::UNPROCESSABLE_ENTITY,
                    vec![FieldIssue {
                        path: field,
                        code: "rejected".into(),
                        args,
                        message: ctx
                            .t
                            .with_text("issue-store-rejected", &[("detail", message)]),
                    }],
                ));
            }
            Err(probity_store::StoreError::NotInForce { in_force, .. }) => {
                let message = ctx.t.with_text(
                    "report-in-force-api",
                    &[
                        ("id", in_force.declaration_id.clone()),
                        ("year", in_force.year.to_string()),
                    ],
                );
                return Ok((
                    StatusCode::CONFLICT,
                    Json(serde_json::json!({
                        "code": "report-in-force",
                        "message": message,
                        "in_force": in_force,
                    })),
                )
                    .into_response());
            }
            Err(e) => return Err(crate::WebError::internal(ctx.t, e)),
        }
        // Stored: the receipt as read back. Should that read fail (a connection lost after the
        // commit), the receipt of what was stored — never an error for a report that is in.
        let stored = match app.store.report_summary(&declaration.declaration_id).await {
            Ok(Some(summary)) => receipt(summary),
            other => {
                if let Err(e) = other {
                    tracing::warn!(error = %e, "a receipt read after the commit failed");
                }
                ReportReceipt {
                    declaration_id: declaration.declaration_id.clone(),
                    year: i64::from(declaration.year),
                    kind: crate::kind_name(&declaration.kind).to_owned(),
                    filed_on: declaration.filed_on.to_string(),
                    supersedes: declaration.supersedes.clone(),
                    content_sha256: hex::encode(sha2::Sha256::digest(body.as_bytes())),
                    stored_at: stamp.at.clone(),
                }
            }
        };
        Ok((StatusCode::CREATED, Json(stored)).into_response())
    };
    match run.await {
        Ok(r) => r,
        Err(e) => api_error(e),
    }
}

/// The signed-in declarant's draft of a year and kind, as saved (any text).
#[utoipa::path(get, path = "/api/drafts/{year}/{kind}", params(("year" = i32, Path), ("kind" = String, Path)),
    responses((status = 200, description = "the draft"), (status = 404), (status = 401), (status = 403)))]
pub(crate) async fn get_draft(
    State(app): State<Arc<App>>,
    Path((year, kind)): Path<(i32, String)>,
    Declarant {
        ctx,
        person_key: person,
        ..
    }: Declarant,
) -> Response {
    let run = async {
        let draft = app
            .store
            .draft(&person, year, &kind)
            .await
            .map_err(|e| crate::WebError::internal(ctx.t, e))?
            .ok_or(crate::WebError::NotFound(ctx.t))?;
        Ok::<_, crate::WebError>(
            (
                [(axum::http::header::CONTENT_TYPE, "application/json")],
                draft,
            )
                .into_response(),
        )
    };
    match run.await {
        Ok(r) => r,
        Err(e) => api_error(e),
    }
}

/// Saves the signed-in declarant's draft (whatever has been typed, valid or not).
#[utoipa::path(put, path = "/api/drafts/{year}/{kind}", params(("year" = i32, Path), ("kind" = String, Path)),
    request_body(content = String, description = "the draft"),
    responses((status = 204), (status = 400), (status = 401), (status = 403)))]
pub(crate) async fn put_draft(
    State(app): State<Arc<App>>,
    Path((year, kind)): Path<(i32, String)>,
    Declarant {
        ctx,
        person_key: person,
        ..
    }: Declarant,
    body: String,
) -> Response {
    let run = async {
        if !["annual", "change", "initial"].contains(&kind.as_str()) || body.len() > 1 << 20 {
            return Err(crate::WebError::BadRequest(
                ctx.t,
                "kind is annual, change or initial; a draft is at most 1 MiB".into(),
            ));
        }
        app.store
            .save_draft(&ctx.stamp(), &person, year, &kind, &body)
            .await
            .map_err(|e| crate::filing::draft_error(ctx.t, e))?;
        Ok::<_, crate::WebError>(StatusCode::NO_CONTENT.into_response())
    };
    match run.await {
        Ok(r) => r,
        Err(e) => api_error(e),
    }
}

fn receipt(s: probity_store::ReportSummary) -> ReportReceipt {
    ReportReceipt {
        declaration_id: s.declaration_id,
        year: s.year,
        kind: s.kind,
        filed_on: s.filed_on,
        supersedes: s.supersedes,
        content_sha256: s.content_sha256,
        stored_at: s.stored_at,
    }
}

/// The signed-in declarant's reports, newest first.
#[utoipa::path(get, path = "/api/reports", responses(
    (status = 200, body = Vec<ReportReceipt>), (status = 401), (status = 403)))]
pub(crate) async fn my_reports(
    State(app): State<Arc<App>>,
    Declarant {
        ctx,
        person_key: person,
        ..
    }: Declarant,
) -> Response {
    let run = async {
        let reports = app
            .store
            .reports_of(&person)
            .await
            .map_err(|e| crate::WebError::internal(ctx.t, e))?;
        Ok::<_, crate::WebError>(Json(reports.into_iter().map(receipt).collect::<Vec<_>>()))
    };
    match run.await {
        Ok(r) => r.into_response(),
        Err(e) => api_error(e),
    }
}

/// One report with its content: the declarant's own, or any for staff (audited).
#[utoipa::path(get, path = "/api/reports/{id}", params(("id" = String, Path, description = "report id")),
    responses((status = 200, body = ReportWithContent), (status = 401), (status = 403)))]
pub(crate) async fn report(
    State(app): State<Arc<App>>,
    Path(id): Path<String>,
    Account { ctx, .. }: Account,
) -> Response {
    let run = async {
        let (summary, pretty) = readable_report(&app, &ctx, &id).await?;
        let content = serde_json::from_str(&pretty).unwrap_or(serde_json::Value::Null);
        Ok::<_, crate::WebError>(Json(ReportWithContent {
            receipt: receipt(summary),
            content,
        }))
    };
    match run.await {
        Ok(r) => r.into_response(),
        Err(e) => api_error(e),
    }
}

/// A cycle's progress, subject by subject (staff only).
#[utoipa::path(get, path = "/api/progress", params(ProgressParams),
    responses((status = 200, body = ProgressReply), (status = 401), (status = 403), (status = 404)))]
pub(crate) async fn progress(
    State(app): State<Arc<App>>,
    Query(q): Query<ProgressParams>,
    Staff { ctx, scope, .. }: Staff<Officers>,
) -> Response {
    let run = async {
        let p = load_progress(&app, &ctx, &scope, q.cycle)
            .await?
            .ok_or(crate::WebError::NotFound(ctx.t))?;
        Ok::<_, crate::WebError>(Json(ProgressReply {
            year: p.year,
            deadline: p.deadline,
            subjects: p
                .rows
                .into_iter()
                .map(|r| ProgressEntry {
                    unit: r.unit,
                    name: r.name,
                    position: r.position,
                    standing: r.standing.as_str().to_owned(),
                    declaration_id: r.declaration_id,
                })
                .collect(),
        }))
    };
    match run.await {
        Ok(r) => r.into_response(),
        Err(e) => api_error(e),
    }
}
