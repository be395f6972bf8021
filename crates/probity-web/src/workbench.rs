//! The verifier's workbench: the list of cases (by cycle, unit, status and classification), the
//! case page with each finding's declared item beside its registry records (differing fields
//! marked), requests for explanation, determinations with their measures, the second verifier's
//! confirmation, and the subject's integrity record with the profile's promotion bar. The
//! declarant's side — reading and answering a request — is on their own page (`/me`).
//!
//! Only verifiers work cases, and only in the units they manage. Reading a case file is an
//! audited read in the store; so is the report it opens for the declared items.

use std::collections::BTreeMap;
use std::sync::LazyLock;

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Form, Path, Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use probity_model::Profile;
use probity_model::profile::ProfileError;
use probity_store::{
    CaseFile, CaseFilter, CaseStatus, CaseSummary, IntegrityRecord, StoreError, User,
};
use serde::Deserialize;

use crate::i18n::{Lang, Tr};
use crate::kernel::{Declarant, Officers, OwnExplanation, Staff, Verifiers, WorkableCase};
use crate::{Ctx, Shared, WebError};
use probity_store::UnitScope;

/// The profile the workbench decides under: the default one (`cn`).
static PROFILE: LazyLock<Result<Profile, ProfileError>> = LazyLock::new(|| Profile::builtin("cn"));

pub(crate) fn profile(t: Tr) -> Result<&'static Profile, WebError> {
    PROFILE.as_ref().map_err(|e| WebError::internal(t, e))
}

/// The profile's time zone name (`Asia/Shanghai`), if the profile loads.
pub(crate) fn profile_zone() -> Option<&'static str> {
    PROFILE.as_ref().ok().map(|p| p.time_zone.as_str())
}

/// A refusal of the store (a rule of the workbench) is the user's to read; anything else is ours.
pub(crate) fn refusal(t: Tr, e: StoreError) -> WebError {
    match e {
        StoreError::Conflict(m) => WebError::BadRequest(t, t.refusal(&m)),
        other => WebError::internal(t, other),
    }
}

/// A name of a determination or measure in the reader's language.
fn named(t: Tr, name: &str, name_en: &str) -> String {
    match t.lang {
        Lang::Zh => name.to_owned(),
        Lang::En => name_en.to_owned(),
    }
}

/// The profile's determinations and measures named in the reader's language.
pub(crate) struct Names<'p> {
    t: Tr,
    profile: &'p Profile,
}

/// One line of an integrity record as the pages show it: cycle, category, determination, in
/// force, measures, and what it replaced or what waits to replace it (a sentence, or empty).
pub(crate) type IntegrityRow = (i32, String, String, bool, Vec<String>, String);

impl<'p> Names<'p> {
    pub(crate) fn new(t: Tr, profile: &'p Profile) -> Names<'p> {
        Names { t, profile }
    }

    pub(crate) fn outcome(&self, id: &str) -> String {
        self.profile
            .determination(id)
            .map_or_else(|| id.to_owned(), |d| named(self.t, &d.name, &d.name_en))
    }

    fn measure(&self, id: &str) -> String {
        self.profile
            .measures
            .iter()
            .find(|m| m.id == id)
            .map_or_else(|| id.to_owned(), |m| named(self.t, &m.name, &m.name_en))
    }

    pub(crate) fn measures(&self, ids: &[String]) -> Vec<String> {
        ids.iter().map(|m| self.measure(m)).collect()
    }

    fn integrity(&self, record: &IntegrityRecord) -> Vec<IntegrityRow> {
        record
            .entries
            .iter()
            .map(|e| {
                (
                    e.cycle,
                    e.category.clone(),
                    self.outcome(&e.outcome),
                    e.in_force,
                    self.measures(&e.measures),
                    self.override_note(e),
                )
            })
            .collect()
    }

    /// What an integrity entry replaced, and what waits to replace it, in a sentence.
    fn override_note(&self, e: &probity_store::IntegrityEntry) -> String {
        let mut parts = Vec::new();
        if let Some(r) = &e.replaces {
            parts.push(
                self.t
                    .with_text("integrity-replaces", &[("outcome", self.outcome(r))]),
            );
        }
        if let Some(p) = &e.pending {
            parts.push(self.t.with_text(
                "integrity-pending-override",
                &[("outcome", self.outcome(p))],
            ));
        }
        parts.join(" ")
    }
}

/// Key-check reasons as stored on the roster (`promotion;reserve`), one by one.
pub(crate) fn flags_of(stored: &str) -> Vec<String> {
    stored
        .split(';')
        .filter(|f| !f.is_empty())
        .map(str::to_owned)
        .collect()
}

/// Whether the reasons make a promotion or reserve check, where the promotion bar matters.
fn promotion_check(flags: &[String]) -> bool {
    flags.iter().any(|f| f == "promotion" || f == "reserve")
}

/// Refuses (404) a finding or determination id that is not of the case the URL names: scope was
/// checked on that case. `ids` are the case's own.
pub(crate) fn of_case(t: Tr, ids: Result<Vec<i64>, StoreError>, id: i64) -> Result<(), WebError> {
    let ids = ids.map_err(|e| WebError::internal(t, e))?;
    if ids.contains(&id) {
        Ok(())
    } else {
        Err(WebError::NotFound(t))
    }
}

#[derive(Deserialize, Default)]
pub(crate) struct CasesQuery {
    /// Text, since the filter form sends an empty value for "all".
    cycle: Option<String>,
    unit: Option<String>,
    status: Option<String>,
    classification: Option<String>,
}

#[derive(Template, WebTemplate)]
#[template(path = "cases.html")]
pub(crate) struct CasesPage {
    t: Tr,
    user: Option<User>,
    csrf: String,
    cases: Vec<(CaseSummary, bool)>,
    cycles: Vec<i32>,
    units: Vec<String>,
    statuses: Vec<&'static str>,
    classifications: Vec<&'static str>,
    cycle: String,
    unit: String,
    status: String,
    classification: String,
}

/// `GET /cases`: the cases a verifier may work, filtered.
pub(crate) async fn cases_page(
    State(app): State<Shared>,
    Query(q): Query<CasesQuery>,
    Staff { ctx, scope, .. }: Staff<Verifiers>,
) -> Result<CasesPage, WebError> {
    let t = ctx.t;
    let profile = profile(t)?;
    let fail = |e| WebError::internal(t, e);
    let unit = q.unit.filter(|u| !u.is_empty());
    // No `cycle` at all: the latest cycle still open (opening the next does not hide the one
    // still being worked); an empty one: every cycle.
    let cycle = match q.cycle.as_deref().map(str::trim) {
        None => crate::cycles::choose(&app, &ctx, None).await?.0,
        Some("") => None,
        Some(c) => Some(
            c.parse::<i32>()
                .map_err(|_| WebError::BadRequest(t, format!("cycle: {c:?} is not a year")))?,
        ),
    };
    if unit.as_ref().is_some_and(|u| !scope.covers(u)) {
        return Err(WebError::Forbidden(t));
    }
    let filter = CaseFilter {
        cycle,
        unit: unit.clone(),
        status: q.status.as_deref().and_then(CaseStatus::parse),
        classification: q.classification.clone().filter(|c| !c.is_empty()),
    };
    let listed = app.store.cases(&scope, &filter).await.map_err(fail)?;
    // The promotion bar matters where a promotion or reserve check is to be made.
    let records = if listed.iter().any(|c| promotion_check(&flags_of(&c.flags))) {
        app.store.integrity_records(profile).await.map_err(fail)?
    } else {
        Default::default()
    };
    let cases = listed
        .into_iter()
        .map(|c| {
            let barred = promotion_check(&flags_of(&c.flags))
                && records
                    .get(&c.person_key)
                    .is_some_and(|r| !r.bars_promotion.is_empty());
            (c, barred)
        })
        .collect();
    let all_units = app.store.units().await.map_err(fail)?;
    Ok(CasesPage {
        t,
        user: ctx.user.clone(),
        csrf: ctx.csrf.clone(),
        cases,
        cycles: app
            .store
            .cycles()
            .await
            .map_err(fail)?
            .into_iter()
            .map(|c| c.0)
            .collect(),
        units: all_units.into_iter().filter(|u| scope.covers(u)).collect(),
        statuses: CaseStatus::ALL.iter().map(CaseStatus::as_str).collect(),
        classifications: vec!["concealment", "omission", "review"],
        cycle: cycle.map(|c| c.to_string()).unwrap_or_default(),
        unit: unit.unwrap_or_default(),
        status: q.status.unwrap_or_default(),
        classification: q.classification.unwrap_or_default(),
    })
}

/// One line of a side-by-side comparison: a field, its text, and whether it differs.
pub(crate) struct Cell {
    pub(crate) field: String,
    pub(crate) value: String,
    pub(crate) differs: bool,
}

/// A registry record beside the declared item: source, record id, its cells.
pub(crate) type RecordCells = (String, String, Vec<Cell>);

/// A finding as the case page shows it.
pub(crate) struct FindingView {
    pub(crate) id: i64,
    /// The report it is on (empty: a change report due and never filed).
    pub(crate) declaration_id: String,
    /// `annual`, `initial` or `change`.
    pub(crate) report_kind: String,
    /// Whether the case's latest run found it.
    pub(crate) found: bool,
    pub(crate) category: String,
    pub(crate) kind: String,
    pub(crate) classification: String,
    pub(crate) rule: String,
    pub(crate) field: String,
    pub(crate) declared: String,
    pub(crate) registry: String,
    pub(crate) note: String,
    pub(crate) declared_path: String,
    pub(crate) declared_item: Vec<Cell>,
    pub(crate) records: Vec<RecordCells>,
    pub(crate) determinations: Vec<DeterminationView>,
}

/// A determination as the case page shows it.
pub(crate) struct DeterminationView {
    pub(crate) id: i64,
    pub(crate) outcome: String,
    pub(crate) decided_by: String,
    pub(crate) decided_at: String,
    pub(crate) confirmed_by: String,
    pub(crate) reason: String,
    pub(crate) measures: Vec<String>,
    pub(crate) state: &'static str,
    /// The determination in force it replaces (or replaced), if one.
    pub(crate) replaces: Option<i64>,
    /// Who may not confirm it, named (empty: anyone but the verifier who decided).
    pub(crate) not_by: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "case.html")]
pub(crate) struct CasePage {
    t: Tr,
    user: Option<User>,
    csrf: String,
    case: CaseSummary,
    findings: Vec<FindingView>,
    explanations: Vec<probity_store::Explanation>,
    outcomes: Vec<(String, String, String)>,
    measures: Vec<(String, String)>,
    /// Per determination id, the measure ids it allows, space-separated (for the form's script).
    allowed_measures: Vec<(String, String)>,
    integrity: Vec<IntegrityRow>,
    barred: bool,
    promotion_check: bool,
    flags: Vec<String>,
    error: Option<String>,
}

/// The value at a FORMATS.md JSON path (`$.funds[0]`, `$.family[1].name`) of a report.
fn at_path<'v>(value: &'v serde_json::Value, path: &str) -> Option<&'v serde_json::Value> {
    let mut here = value;
    let rest = path.strip_prefix('$')?;
    for part in rest.split('.').filter(|p| !p.is_empty()) {
        let (name, indexes) = match part.find('[') {
            Some(i) => (&part[..i], &part[i..]),
            None => (part, ""),
        };
        if !name.is_empty() {
            here = here.get(name)?;
        }
        for index in indexes.split('[').filter(|s| !s.is_empty()) {
            here = here.get(index.trim_end_matches(']').parse::<usize>().ok()?)?;
        }
    }
    Some(here)
}

/// A declared item as (field, text) lines, nested fields joined with dots.
fn flatten(prefix: &str, value: &serde_json::Value, out: &mut Vec<(String, String)>) {
    match value {
        serde_json::Value::Object(map) => {
            for (k, v) in map {
                let key = if prefix.is_empty() {
                    k.clone()
                } else {
                    format!("{prefix}.{k}")
                };
                flatten(&key, v, out);
            }
        }
        serde_json::Value::Array(items) => {
            for (i, v) in items.iter().enumerate() {
                flatten(&format!("{prefix}[{i}]"), v, out);
            }
        }
        serde_json::Value::String(s) => out.push((prefix.to_owned(), s.clone())),
        serde_json::Value::Null => out.push((prefix.to_owned(), String::new())),
        other => out.push((prefix.to_owned(), other.to_string())),
    }
}

/// The last segment of a dotted field name (`disposal.price` → `price`).
fn leaf(field: &str) -> &str {
    field.rsplit('.').next().unwrap_or(field)
}

/// Marks, on both sides, the field the finding compared and every field of the same name whose
/// text differs between the declared item and a registry record.
fn side_by_side(
    finding_field: &str,
    declared: &[(String, String)],
    records: &[probity_model::RegistryEvidence],
) -> (Vec<Cell>, Vec<RecordCells>) {
    let norm = |s: &str| s.trim().to_owned();
    let is_compared = |f: &str| !finding_field.is_empty() && leaf(f) == finding_field;
    let differs_from_records = |field: &str, value: &str| {
        records.iter().any(|r| {
            r.fields
                .iter()
                .any(|(c, v)| c == leaf(field) && norm(v) != norm(value))
        })
    };
    let declared_cells = declared
        .iter()
        .map(|(f, v)| Cell {
            differs: is_compared(f) || differs_from_records(f, v),
            field: f.clone(),
            value: v.clone(),
        })
        .collect();
    let record_cells = records
        .iter()
        .map(|r| {
            let cells = r
                .fields
                .iter()
                .map(|(c, v)| Cell {
                    differs: is_compared(c)
                        || declared
                            .iter()
                            .any(|(f, dv)| leaf(f) == c && norm(dv) != norm(v)),
                    field: c.clone(),
                    value: v.clone(),
                })
                .collect();
            (r.source.clone(), r.record_id.clone(), cells)
        })
        .collect();
    (declared_cells, record_cells)
}

/// The case if it lies within the verifier's units (403 when it exists outside them).
pub(crate) async fn workable(
    app: &Shared,
    t: Tr,
    scope: &UnitScope,
    id: i64,
) -> Result<CaseSummary, WebError> {
    let case = app
        .store
        .case_summary(id)
        .await
        .map_err(|e| WebError::internal(t, e))?
        .ok_or(WebError::NotFound(t))?;
    if !scope.covers(&case.unit) {
        return Err(WebError::Forbidden(t));
    }
    Ok(case)
}

async fn case_view(
    app: &Shared,
    ctx: &Ctx,
    scope: &UnitScope,
    id: i64,
    error: Option<String>,
) -> Result<CasePage, WebError> {
    let t = ctx.t;
    workable(app, t, scope, id).await?;
    let profile = profile(t)?;
    let fail = |e| WebError::internal(t, e);
    let stamp = ctx.stamp();
    let CaseFile {
        case,
        findings,
        explanations,
        determinations,
    } = app
        .store
        .case_file(&stamp, profile, id)
        .await
        .map_err(fail)?
        .ok_or(WebError::NotFound(t))?;
    // The case gathers the findings of several reports: read each once (an audited read).
    let mut reports: BTreeMap<String, serde_json::Value> = BTreeMap::new();
    for f in &findings {
        let id = &f.evidence.finding.declaration_id;
        if id.is_empty() || reports.contains_key(id) {
            continue;
        }
        if let Some(json) = app
            .store
            .read_declaration(&stamp, id)
            .await
            .map_err(fail)?
            .and_then(|d| serde_json::from_str::<serde_json::Value>(&d.json).ok())
        {
            reports.insert(id.clone(), json);
        }
    }
    let names = Names::new(t, profile);
    let mut by_finding: BTreeMap<i64, Vec<DeterminationView>> = BTreeMap::new();
    for d in &determinations {
        by_finding
            .entry(d.finding_id)
            .or_default()
            .push(DeterminationView {
                id: d.id,
                outcome: names.outcome(&d.outcome),
                decided_by: d.decided_by.clone(),
                decided_at: d.decided_at.clone(),
                confirmed_by: d.confirmed_by.clone().unwrap_or_default(),
                reason: d.reason.clone(),
                measures: names.measures(&d.measures),
                state: if d.superseded {
                    "superseded"
                } else if d.in_force {
                    "in-force"
                } else {
                    "awaiting-confirmation"
                },
                replaces: d.replaces,
                not_by: d.not_by.join(t.lang.list_separator()),
            });
    }
    let findings = findings
        .into_iter()
        .map(|f| {
            let d = &f.evidence.finding;
            let mut declared = Vec::new();
            if let Some(item) = reports
                .get(&d.declaration_id)
                .filter(|_| !d.declared_path.is_empty())
                .and_then(|r| at_path(r, &d.declared_path))
            {
                flatten("", item, &mut declared);
            }
            let (declared_item, records) =
                side_by_side(&d.field, &declared, &f.evidence.registry_rows);
            FindingView {
                id: f.id,
                declaration_id: d.declaration_id.clone(),
                report_kind: f.report_kind.clone(),
                found: f.found,
                category: d.category.as_str().to_owned(),
                kind: d.kind.as_str().to_owned(),
                classification: d.classification.as_str().to_owned(),
                rule: d.rule.clone(),
                field: d.field.clone(),
                declared: d.declared.clone(),
                registry: d.registry.clone(),
                note: d.note.clone(),
                declared_path: d.declared_path.clone(),
                declared_item,
                records,
                determinations: by_finding.remove(&f.id).unwrap_or_default(),
            }
        })
        .collect();
    let record: IntegrityRecord = app
        .store
        .integrity_record(profile, &case.person_key)
        .await
        .map_err(fail)?;
    let flags = flags_of(&case.flags);
    Ok(CasePage {
        t,
        user: ctx.user.clone(),
        csrf: ctx.csrf.clone(),
        promotion_check: promotion_check(&flags),
        barred: !record.bars_promotion.is_empty(),
        integrity: names.integrity(&record),
        flags,
        case,
        findings,
        explanations,
        outcomes: profile
            .determinations
            .iter()
            .map(|d| {
                (
                    d.id.clone(),
                    named(t, &d.name, &d.name_en),
                    names.measures(&d.measures).join(t.lang.list_separator()),
                )
            })
            .collect(),
        measures: profile
            .measures
            .iter()
            .map(|m| (m.id.clone(), named(t, &m.name, &m.name_en)))
            .collect(),
        allowed_measures: profile
            .determinations
            .iter()
            .map(|d| (d.id.clone(), d.measures.join(" ")))
            .collect(),
        error,
    })
}

/// `GET /cases/{id}`: the case page.
pub(crate) async fn case_page(
    State(app): State<Shared>,
    Path(id): Path<i64>,
    Staff { ctx, scope, .. }: Staff<Verifiers>,
) -> Result<CasePage, WebError> {
    case_view(&app, &ctx, &scope, id, None).await
}

/// After a refused action, the case page again with the reason at the top (400).
async fn refused(
    app: &Shared,
    ctx: &Ctx,
    scope: &UnitScope,
    id: i64,
    e: WebError,
) -> Result<Response, WebError> {
    match e {
        WebError::BadRequest(_, message) => Ok((
            axum::http::StatusCode::BAD_REQUEST,
            case_view(app, ctx, scope, id, Some(message)).await?,
        )
            .into_response()),
        other => Err(other),
    }
}

#[derive(Deserialize)]
pub(crate) struct ExplanationForm {
    question: String,
    #[serde(default)]
    due_on: String,
}

/// `POST /cases/{id}/explanation`: asks the subject to explain.
pub(crate) async fn request_explanation(
    State(app): State<Shared>,
    WorkableCase {
        staff: Staff { ctx, scope, .. },
        case,
    }: WorkableCase,
    Form(form): Form<ExplanationForm>,
) -> Result<Response, WebError> {
    let id = case.id;
    let due = Some(form.due_on.trim()).filter(|d| !d.is_empty());
    match app
        .store
        .request_explanation(&ctx.stamp(), profile(ctx.t)?, id, &form.question, due)
        .await
    {
        Ok(_) => Ok(Redirect::to(&format!("/cases/{id}#explanations")).into_response()),
        Err(e) => refused(&app, &ctx, &scope, id, refusal(ctx.t, e)).await,
    }
}

/// `POST /cases/{id}/determinations`: a determination on one finding, with measures
/// (checkboxes named `measure`, so the form arrives as pairs).
pub(crate) async fn determine(
    State(app): State<Shared>,
    WorkableCase {
        staff: Staff { ctx, scope, .. },
        case,
    }: WorkableCase,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Result<Response, WebError> {
    let id = case.id;
    let get = |name: &str| {
        pairs
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
            .unwrap_or_default()
    };
    let t = ctx.t;
    let finding: i64 = get("finding")
        .parse()
        .map_err(|_| WebError::BadRequest(t, "finding: not a finding id".into()))?;
    of_case(t, app.store.case_finding_ids(id).await, finding)?;
    let measures: Vec<String> = pairs
        .iter()
        .filter(|(k, _)| k == "measure")
        .map(|(_, v)| v.clone())
        .collect();
    match app
        .store
        .determine(
            &ctx.stamp(),
            profile(t)?,
            finding,
            get("outcome"),
            get("reason"),
            &measures,
        )
        .await
    {
        Ok(_) => Ok(Redirect::to(&format!("/cases/{id}#finding-{finding}")).into_response()),
        Err(e) => refused(&app, &ctx, &scope, id, refusal(t, e)).await,
    }
}

/// `POST /cases/{id}/determinations/{determination}/confirm`: the second verifier confirms.
pub(crate) async fn confirm(
    State(app): State<Shared>,
    Path((id, determination)): Path<(i64, i64)>,
    WorkableCase {
        staff: Staff { ctx, scope, .. },
        ..
    }: WorkableCase,
) -> Result<Response, WebError> {
    let t = ctx.t;
    of_case(t, app.store.case_determination_ids(id).await, determination)?;
    match app
        .store
        .confirm_determination(&ctx.stamp(), profile(t)?, determination)
        .await
    {
        Ok(()) => Ok(Redirect::to(&format!("/cases/{id}")).into_response()),
        Err(e) => refused(&app, &ctx, &scope, id, refusal(t, e)).await,
    }
}

/// A subject on the key-check list, as the page shows them.
pub(crate) struct KeyCheckView {
    pub(crate) name: String,
    pub(crate) unit: String,
    pub(crate) position: String,
    pub(crate) flags: Vec<String>,
    pub(crate) entries: Vec<IntegrityRow>,
    pub(crate) barred: bool,
    /// Undecided findings of the subject's reports in force: pending verification, never
    /// eligible.
    pub(crate) pending: usize,
    /// `pending_verification`, `not_eligible` or `eligible`.
    pub(crate) promotion: &'static str,
}

#[derive(Template, WebTemplate)]
#[template(path = "key_checks.html")]
pub(crate) struct KeyChecksPage {
    t: Tr,
    user: Option<User>,
    csrf: String,
    subjects: Vec<KeyCheckView>,
}

/// `GET /key-checks`: every subject flagged for a key check (promotion, reserve, key post,
/// complaint) in the units the account manages, with their integrity record and whether it bars
/// promotion — the page a promotion or reserve decision consults.
pub(crate) async fn key_checks_page(
    State(app): State<Shared>,
    Staff { ctx, scope, .. }: Staff<Officers>,
) -> Result<KeyChecksPage, WebError> {
    let t = ctx.t;
    let profile = profile(t)?;
    let names = Names::new(t, profile);
    let subjects = app
        .store
        .key_checks(&scope, profile)
        .await
        .map_err(|e| WebError::internal(t, e))?
        .into_iter()
        .map(|k| KeyCheckView {
            promotion: promotion_state(&k),
            pending: k.pending,
            barred: !k.record.bars_promotion.is_empty(),
            entries: names.integrity(&k.record),
            flags: flags_of(&k.flags),
            name: k.name,
            unit: k.unit,
            position: k.position,
        })
        .collect();
    Ok(KeyChecksPage {
        t,
        user: ctx.user.clone(),
        csrf: ctx.csrf.clone(),
        subjects,
    })
}

#[derive(Deserialize)]
pub(crate) struct AnswerForm {
    answer: String,
}

/// `POST /explanations/{id}`: the declarant answers a request addressed to them.
pub(crate) async fn answer(
    State(app): State<Shared>,
    OwnExplanation {
        declarant:
            Declarant {
                ctx,
                person_key: person,
                ..
            },
        id,
    }: OwnExplanation,
    Form(form): Form<AnswerForm>,
) -> Result<Response, WebError> {
    let t = ctx.t;
    match app
        .store
        .answer_explanation(&ctx.stamp(), profile(t)?, id, &person, &form.answer)
        .await
    {
        Ok(()) => Ok(Redirect::to("/me#explanations").into_response()),
        // Someone else's request gets the same answer as one that does not exist.
        Err(StoreError::Conflict(m)) if m.code() == "explanation-not-yours" => {
            Err(WebError::Forbidden(t))
        }
        Err(e) => Err(refusal(t, e)),
    }
}

/// Where a flagged subject stands for promotion: not eligible once a determination in force bars
/// it; else pending verification while a finding is undecided (never eligible); else eligible
/// (`KeyCheck::eligible`).
pub(crate) fn promotion_state(k: &probity_store::KeyCheck) -> &'static str {
    // A determination in force that bars promotion decides it whatever is still open.
    if !k.record.bars_promotion.is_empty() {
        "not_eligible"
    } else if k.is_pending() {
        "pending_verification"
    } else {
        "eligible"
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_value_the_workbench_names_has_a_label_in_both_languages() {
        use probity_model::roster::KeyCheckReason;
        use probity_model::{Category, Classification, FindingKind};
        let mut values: Vec<(&str, &str)> = Vec::new();
        values.extend(Category::ALL.iter().map(|c| ("category", c.as_str())));
        values.extend(FindingKind::ALL.iter().map(|k| ("kind", k.as_str())));
        values.extend(Classification::ALL.iter().map(|c| ("class", c.as_str())));
        values.extend(CaseStatus::ALL.iter().map(|s| ("status", s.as_str())));
        values.extend(KeyCheckReason::ALL.iter().map(|r| ("flag", r.as_str())));
        for state in ["in-force", "awaiting-confirmation", "superseded"] {
            values.push(("state", state));
        }
        for lang in [Lang::Zh, Lang::En] {
            let t = Tr { lang };
            for (set, value) in &values {
                assert_ne!(t.of(set, value), format!("{set}-{value}"), "{lang:?}");
            }
        }
    }

    #[test]
    fn paths_reach_items_and_fields() {
        let v = serde_json::json!({"funds": [{"code": "000311"}, {"code": "1", "units": "2"}]});
        assert_eq!(
            at_path(&v, "$.funds[1].units"),
            Some(&serde_json::json!("2"))
        );
        assert_eq!(
            at_path(&v, "$.funds[0]"),
            Some(&serde_json::json!({"code": "000311"}))
        );
        assert_eq!(at_path(&v, "$.funds[2]"), None);
        assert_eq!(at_path(&v, "funds"), None);
    }

    #[test]
    fn the_compared_field_and_differing_namesakes_are_marked() {
        let declared = vec![
            ("fund_code".to_owned(), "000311".to_owned()),
            ("units".to_owned(), "9161.77".to_owned()),
            ("holder".to_owned(), "self".to_owned()),
        ];
        let record = probity_model::RegistryEvidence {
            source: "funds".into(),
            record_id: "FD1".into(),
            fields: vec![
                ("record_id".into(), "FD1".into()),
                ("fund_code".into(), "000311".into()),
                ("units".into(), "16657.77".into()),
            ],
        };
        let (left, right) = side_by_side("units", &declared, &[record]);
        let marked = |cells: &[Cell]| -> Vec<String> {
            cells
                .iter()
                .filter(|c| c.differs)
                .map(|c| c.field.clone())
                .collect()
        };
        assert_eq!(marked(&left), vec!["units"]);
        assert_eq!(marked(&right[0].2), vec!["units"]);
        // A field of the same name with other text is marked even when it was not compared.
        let (left, _) = side_by_side(
            "",
            &[("fund_code".to_owned(), "000312".to_owned())],
            &[probity_model::RegistryEvidence {
                source: "funds".into(),
                record_id: "FD1".into(),
                fields: vec![("fund_code".into(), "000311".into())],
            }],
        );
        assert_eq!(marked(&left), vec!["fund_code"]);
    }
}
