//! The verifier's workbench over JSON: the same cases, evidence, explanations, determinations,
//! confirmations and key checks as the pages, with the same role and unit checks (they call the
//! same functions) and the same store refusals (400 with the reason).

use std::sync::Arc;

use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use probity_store::{CaseFilter, CaseStatus, CaseSummary, StoreError};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, OpenApi, ToSchema};

use crate::kernel::{Declarant, Officers, OwnExplanation, Staff, Verifiers, WorkableCase};
use crate::workbench::{flags_of, of_case, profile, refusal, workable};
use crate::{App, WebError, api_error};

/// A case in the list.
#[derive(Debug, Serialize, ToSchema)]
pub struct CaseEntry {
    /// Id.
    pub id: i64,
    /// Cycle.
    pub cycle: i32,
    /// Unit of the subject.
    pub unit: String,
    /// Name of the subject.
    pub name: String,
    /// Key-check reasons on the roster.
    pub flags: Vec<String>,
    /// The report that opened the case (absent when it opened on a change report never filed);
    /// the case gathers the findings of all the subject's reports in force of the cycle.
    pub declaration_id: Option<String>,
    /// `open`, `awaiting_explanation`, `explained`, `awaiting_confirmation`, `decided`.
    pub status: String,
    /// Findings classified concealment.
    pub concealment: i64,
    /// Findings classified omission.
    pub omission: i64,
    /// Findings for review.
    pub review: i64,
}

fn entry(c: CaseSummary) -> CaseEntry {
    CaseEntry {
        id: c.id,
        cycle: c.cycle,
        flags: flags_of(&c.flags),
        unit: c.unit,
        name: c.name,
        declaration_id: c.declaration_id,
        status: c.status.as_str().to_owned(),
        concealment: c.concealment,
        omission: c.omission,
        review: c.review,
    }
}

/// A finding with its evidence.
#[derive(Debug, Serialize, ToSchema)]
pub struct FindingEntry {
    /// Id (for determinations).
    pub id: i64,
    /// The discrepancy (FORMATS.md's line).
    #[schema(value_type = Object)]
    pub finding: serde_json::Value,
    /// The registry rows behind it: source, record id, (column, value) pairs.
    #[schema(value_type = Object)]
    pub registry_rows: serde_json::Value,
    /// The kind of the report it is on: `annual`, `initial` or `change`.
    pub report_kind: String,
    /// Whether the case's latest run found it (else kept, marked not found).
    pub found: bool,
}

/// A request for explanation.
#[derive(Debug, Serialize, ToSchema)]
pub struct ExplanationEntry {
    /// Id.
    pub id: i64,
    /// Case.
    pub case_id: i64,
    /// Cycle.
    pub cycle: i32,
    /// Who asked.
    pub requested_by: String,
    /// When.
    pub requested_at: String,
    /// The question.
    pub question: String,
    /// The date to answer by.
    pub due_on: Option<String>,
    /// The answer.
    pub answer: Option<String>,
    /// When answered.
    pub answered_at: Option<String>,
}

fn explanation(e: probity_store::Explanation) -> ExplanationEntry {
    ExplanationEntry {
        id: e.id,
        case_id: e.case_id,
        cycle: e.cycle,
        requested_by: e.requested_by,
        requested_at: e.requested_at,
        question: e.question,
        due_on: e.due_on,
        answer: e.answer,
        answered_at: e.answered_at,
    }
}

/// A determination on a finding.
#[derive(Debug, Serialize, ToSchema)]
pub struct DeterminationEntry {
    /// Id.
    pub id: i64,
    /// The finding.
    pub finding_id: i64,
    /// The profile's determination id.
    pub outcome: String,
    /// Who decided.
    pub decided_by: String,
    /// When.
    pub decided_at: String,
    /// The second verifier.
    pub confirmed_by: Option<String>,
    /// When.
    pub confirmed_at: Option<String>,
    /// Reasoning.
    pub reason: String,
    /// Measure ids.
    pub measures: Vec<String>,
    /// In force (needs no confirmation, or has it).
    pub in_force: bool,
    /// Replaced by a later determination on the finding.
    pub superseded: bool,
}

/// A case file.
#[derive(Debug, Serialize, ToSchema)]
pub struct CaseDetail {
    /// The case.
    pub case: CaseEntry,
    /// Findings with evidence.
    pub findings: Vec<FindingEntry>,
    /// Requests for explanation.
    pub explanations: Vec<ExplanationEntry>,
    /// Determinations, oldest first.
    pub determinations: Vec<DeterminationEntry>,
}

/// Query of `/api/cases`.
#[derive(Debug, Deserialize, IntoParams)]
pub struct CasesParams {
    /// Cycle.
    pub cycle: Option<i32>,
    /// Unit (one the account manages).
    pub unit: Option<String>,
    /// Status.
    pub status: Option<String>,
    /// `concealment`, `omission` or `review`: cases with at least one such finding.
    pub classification: Option<String>,
}

/// Body of a request for explanation.
#[derive(Debug, Deserialize, ToSchema)]
pub struct ExplanationRequest {
    /// What to explain.
    pub question: String,
    /// Answer by (`YYYY-MM-DD`).
    pub due_on: Option<String>,
}

/// Body of a determination.
#[derive(Debug, Deserialize, ToSchema)]
pub struct DeterminationRequest {
    /// The finding (of this case).
    pub finding: i64,
    /// The profile's determination id.
    pub outcome: String,
    /// Reasoning.
    pub reason: String,
    /// Measure ids the determination allows.
    #[serde(default)]
    pub measures: Vec<String>,
}

/// Body of an answer.
#[derive(Debug, Deserialize, ToSchema)]
pub struct AnswerRequest {
    /// The answer.
    pub answer: String,
}

/// A created record's id.
#[derive(Debug, Serialize, ToSchema)]
pub struct Created {
    /// Id.
    pub id: i64,
}

/// A subject flagged for a key check with their integrity record.
#[derive(Debug, Serialize, ToSchema)]
pub struct KeyCheckEntry {
    /// Unit.
    pub unit: String,
    /// Name.
    pub name: String,
    /// Post.
    pub position: String,
    /// Key-check reasons.
    pub flags: Vec<String>,
    /// Determinations other than `consistent`: (cycle, category, outcome, in force, measures).
    #[schema(value_type = Object)]
    pub record: serde_json::Value,
    /// Outcomes in force that bar promotion.
    pub bars_promotion: Vec<String>,
    /// Findings of the subject's reports in force without a determination in force.
    pub pending: usize,
    /// `pending_verification` (some finding undecided: never eligible), `not_eligible` (a
    /// determination in force bars promotion) or `eligible`.
    pub promotion: String,
}

#[derive(OpenApi)]
#[openapi(
    paths(
        cases,
        case,
        request_explanation,
        determine,
        confirm,
        my_explanations,
        answer,
        key_checks
    ),
    components(schemas(
        CaseEntry,
        CaseDetail,
        FindingEntry,
        ExplanationEntry,
        DeterminationEntry,
        ExplanationRequest,
        DeterminationRequest,
        AnswerRequest,
        Created,
        KeyCheckEntry
    ))
)]
pub(crate) struct Doc;

fn reply<T: IntoResponse>(r: Result<T, WebError>) -> Response {
    match r {
        Ok(r) => r.into_response(),
        Err(e) => api_error(e),
    }
}

/// The cases the verifier may work, filtered.
#[utoipa::path(get, path = "/api/cases", params(CasesParams),
    responses((status = 200, body = Vec<CaseEntry>), (status = 401), (status = 403)))]
pub(crate) async fn cases(
    State(app): State<Arc<App>>,
    Query(q): Query<CasesParams>,
    Staff { ctx, scope, .. }: Staff<Verifiers>,
) -> Response {
    reply(
        async {
            if q.unit.as_ref().is_some_and(|u| !scope.covers(u)) {
                return Err(WebError::Forbidden(ctx.t));
            }
            let filter = CaseFilter {
                cycle: q.cycle,
                unit: q.unit,
                status: q.status.as_deref().and_then(CaseStatus::parse),
                classification: q.classification,
            };
            let list = app
                .store
                .cases(&scope, &filter)
                .await
                .map_err(|e| WebError::internal(ctx.t, e))?;
            Ok(Json(list.into_iter().map(entry).collect::<Vec<_>>()))
        }
        .await,
    )
}

/// A case file: findings with their registry rows, explanations, determinations (an audited read).
#[utoipa::path(get, path = "/api/cases/{id}", params(("id" = i64, Path)),
    responses((status = 200, body = CaseDetail), (status = 401), (status = 403), (status = 404)))]
pub(crate) async fn case(
    State(app): State<Arc<App>>,
    Path(id): Path<i64>,
    Staff { ctx, scope, .. }: Staff<Verifiers>,
) -> Response {
    reply(
        async {
            workable(&app, ctx.t, &scope, id).await?;
            let t = ctx.t;
            let file = app
                .store
                .case_file(&ctx.stamp(), profile(t)?, id)
                .await
                .map_err(|e| WebError::internal(t, e))?
                .ok_or(WebError::NotFound(t))?;
            Ok(Json(CaseDetail {
                case: entry(file.case),
                findings: file
                    .findings
                    .into_iter()
                    .map(|f| FindingEntry {
                        id: f.id,
                        finding: to_json(&f.evidence.finding),
                        registry_rows: to_json(&f.evidence.registry_rows),
                        report_kind: f.report_kind,
                        found: f.found,
                    })
                    .collect(),
                explanations: file.explanations.into_iter().map(explanation).collect(),
                determinations: file
                    .determinations
                    .into_iter()
                    .map(|d| DeterminationEntry {
                        id: d.id,
                        finding_id: d.finding_id,
                        outcome: d.outcome,
                        decided_by: d.decided_by,
                        decided_at: d.decided_at,
                        confirmed_by: d.confirmed_by,
                        confirmed_at: d.confirmed_at,
                        reason: d.reason,
                        measures: d.measures,
                        in_force: d.in_force,
                        superseded: d.superseded,
                    })
                    .collect(),
            }))
        }
        .await,
    )
}

/// A model value as JSON (the model's types are serde types, not schema types).
fn to_json<T: Serialize>(value: &T) -> serde_json::Value {
    serde_json::to_value(value).unwrap_or(serde_json::Value::Null)
}

fn created(id: Result<i64, StoreError>, t: crate::i18n::Tr) -> Result<Response, WebError> {
    let id = id.map_err(|e| refusal(t, e))?;
    Ok((StatusCode::CREATED, Json(Created { id })).into_response())
}

/// Asks the subject of the case to explain.
#[utoipa::path(post, path = "/api/cases/{id}/explanations", params(("id" = i64, Path)),
    request_body = ExplanationRequest,
    responses((status = 415, description = "the body is not sent as JSON (Content-Type)"), (status = 422, description = "the body does not fit the request schema"), (status = 201, body = Created), (status = 400), (status = 401), (status = 403)))]
pub(crate) async fn request_explanation(
    State(app): State<Arc<App>>,
    WorkableCase {
        staff: Staff { ctx, .. },
        case,
    }: WorkableCase,
    Json(body): Json<ExplanationRequest>,
) -> Response {
    let id = case.id;
    reply(
        async {
            let t = ctx.t;
            let r = app
                .store
                .request_explanation(
                    &ctx.stamp(),
                    profile(t)?,
                    id,
                    &body.question,
                    body.due_on.as_deref(),
                )
                .await;
            created(r, t)
        }
        .await,
    )
}

/// Records a determination on a finding of the case, with measures.
#[utoipa::path(post, path = "/api/cases/{id}/determinations", params(("id" = i64, Path)),
    request_body = DeterminationRequest,
    responses((status = 415, description = "the body is not sent as JSON (Content-Type)"), (status = 422, description = "the body does not fit the request schema"), (status = 201, body = Created), (status = 400), (status = 401), (status = 403), (status = 404)))]
pub(crate) async fn determine(
    State(app): State<Arc<App>>,
    WorkableCase {
        staff: Staff { ctx, .. },
        case,
    }: WorkableCase,
    Json(body): Json<DeterminationRequest>,
) -> Response {
    let id = case.id;
    reply(
        async {
            let t = ctx.t;
            of_case(t, app.store.case_finding_ids(id).await, body.finding)?;
            let r = app
                .store
                .determine(
                    &ctx.stamp(),
                    profile(t)?,
                    body.finding,
                    &body.outcome,
                    &body.reason,
                    &body.measures,
                )
                .await;
            created(r, t)
        }
        .await,
    )
}

/// Confirms another verifier's determination (refused to the one who decided it).
#[utoipa::path(post, path = "/api/cases/{id}/determinations/{determination}/confirm",
    params(("id" = i64, Path), ("determination" = i64, Path)),
    responses((status = 204), (status = 400), (status = 401), (status = 403), (status = 404)))]
pub(crate) async fn confirm(
    State(app): State<Arc<App>>,
    Path((id, determination)): Path<(i64, i64)>,
    WorkableCase {
        staff: Staff { ctx, .. },
        ..
    }: WorkableCase,
) -> Response {
    reply(
        async {
            let t = ctx.t;
            of_case(t, app.store.case_determination_ids(id).await, determination)?;
            app.store
                .confirm_determination(&ctx.stamp(), profile(t)?, determination)
                .await
                .map_err(|e| refusal(t, e))?;
            Ok(StatusCode::NO_CONTENT)
        }
        .await,
    )
}

/// The requests for explanation addressed to the signed-in declarant.
#[utoipa::path(get, path = "/api/explanations",
    responses((status = 200, body = Vec<ExplanationEntry>), (status = 401), (status = 403)))]
pub(crate) async fn my_explanations(
    State(app): State<Arc<App>>,
    Declarant {
        ctx, person_key, ..
    }: Declarant,
) -> Response {
    reply(
        async {
            let list = app
                .store
                .explanations_of(&person_key)
                .await
                .map_err(|e| WebError::internal(ctx.t, e))?;
            Ok(Json(list.into_iter().map(explanation).collect::<Vec<_>>()))
        }
        .await,
    )
}

/// Answers a request for explanation addressed to the signed-in declarant.
#[utoipa::path(post, path = "/api/explanations/{id}", params(("id" = i64, Path)),
    request_body = AnswerRequest,
    responses((status = 415, description = "the body is not sent as JSON (Content-Type)"), (status = 422, description = "the body does not fit the request schema"), (status = 204), (status = 400), (status = 401), (status = 403)))]
pub(crate) async fn answer(
    State(app): State<Arc<App>>,
    OwnExplanation {
        declarant: Declarant {
            ctx, person_key, ..
        },
        id,
    }: OwnExplanation,
    Json(body): Json<AnswerRequest>,
) -> Response {
    reply(
        async {
            let t = ctx.t;
            match app
                .store
                .answer_explanation(&ctx.stamp(), profile(t)?, id, &person_key, &body.answer)
                .await
            {
                Ok(()) => Ok(StatusCode::NO_CONTENT),
                Err(StoreError::Conflict(m)) if m.code() == "explanation-not-yours" => {
                    Err(WebError::Forbidden(t))
                }
                Err(e) => Err(refusal(t, e)),
            }
        }
        .await,
    )
}

/// The subjects flagged for a key check in the account's units, with their integrity records.
#[utoipa::path(get, path = "/api/key-checks",
    responses((status = 200, body = Vec<KeyCheckEntry>), (status = 401), (status = 403)))]
pub(crate) async fn key_checks(
    State(app): State<Arc<App>>,
    Staff { ctx, scope, .. }: Staff<Officers>,
) -> Response {
    reply(
        async {
            let t = ctx.t;
            let list = app
                .store
                .key_checks(&scope, profile(t)?)
                .await
                .map_err(|e| WebError::internal(t, e))?;
            Ok(Json(
                list.into_iter()
                    .map(|k| KeyCheckEntry {
                        record: serde_json::Value::Array(
                            k.record
                                .entries
                                .iter()
                                .map(|e| {
                                    serde_json::json!({
                                        "cycle": e.cycle,
                                        "category": e.category,
                                        "outcome": e.outcome,
                                        "in_force": e.in_force,
                                        "measures": e.measures,
                                    })
                                })
                                .collect(),
                        ),
                        promotion: crate::workbench::promotion_state(&k).to_owned(),
                        pending: k.pending,
                        bars_promotion: k.record.bars_promotion,
                        flags: flags_of(&k.flags),
                        unit: k.unit,
                        name: k.name,
                        position: k.position,
                    })
                    .collect::<Vec<_>>(),
            ))
        }
        .await,
    )
}
