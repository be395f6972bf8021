//! The JSON API: the same actions as the pages, under `/api`, with the same session and the same
//! role and scope checks; described at `/api/openapi.json`.

use std::sync::Arc;

use axum::extract::{Path, Query, State};
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use probity_store::Role;
use serde::{Deserialize, Serialize};
use utoipa::{OpenApi, ToSchema};

use crate::{App, Ctx, api_error, load_progress, readable_report};

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
    paths(my_reports, report, progress),
    components(schemas(ReportReceipt, ReportWithContent, ProgressEntry, ProgressReply))
)]
struct ApiDoc;

/// The OpenAPI document.
pub fn openapi() -> utoipa::openapi::OpenApi {
    ApiDoc::openapi()
}

pub(crate) fn routes() -> Router<Arc<App>> {
    Router::new()
        .route("/api/openapi.json", get(|| async { Json(openapi()) }))
        .route("/api/reports", get(my_reports))
        .route("/api/reports/{id}", get(report))
        .route("/api/progress", get(progress))
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
async fn my_reports(State(app): State<Arc<App>>, headers: HeaderMap) -> Response {
    let run = async {
        let ctx = Ctx::of(&app, &headers).await?;
        let user = ctx.with_role(&[Role::Declarant])?;
        let person = user.person_key.clone().unwrap_or_default();
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
async fn report(
    State(app): State<Arc<App>>,
    Path(id): Path<String>,
    headers: HeaderMap,
) -> Response {
    let run = async {
        let ctx = Ctx::of(&app, &headers).await?;
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
async fn progress(
    State(app): State<Arc<App>>,
    Query(q): Query<ProgressParams>,
    headers: HeaderMap,
) -> Response {
    let run = async {
        let ctx = Ctx::of(&app, &headers).await?;
        let p = load_progress(&app, &ctx, q.cycle)
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
