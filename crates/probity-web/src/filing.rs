//! The declarant's filing form: every matter of the report, as rows to add and remove, each
//! input named by its JSON path (`real_estate[0].area_m2`), so the domain validation's messages
//! land next to the field they are about. Whatever is posted is first saved as the draft:
//! nothing typed is lost, whichever button was pressed.

use std::sync::Arc;

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Form, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use probity_model::issue::{Issue, IssueCode, decimal_code};
use probity_model::unit::MoneyUnit;
use probity_store::{ReportSummary, User};
use serde::Deserialize;
use serde_json::{Map, Value, json};

use crate::i18n::Tr;
use crate::kernel::Declarant;
use crate::{App, Ctx, WebError};

pub use probity_model::form::{Field, Input, SECTIONS, Section};
use probity_model::form::{order as form_order, place, section};

/// Sets `value` at a dotted path inside an object, creating objects on the way.
fn set_path(object: &mut Map<String, Value>, path: &str, value: Value) {
    match path.split_once('.') {
        None => {
            object.insert(path.to_owned(), value);
        }
        Some((head, rest)) => {
            let inner = object
                .entry(head.to_owned())
                .or_insert_with(|| Value::Object(Map::new()));
            if !inner.is_object() {
                *inner = Value::Object(Map::new());
            }
            if let Value::Object(m) = inner {
                set_path(m, rest, value);
            }
        }
    }
}

/// Reads a value at a dotted path, as the form shows it.
pub(crate) fn get_path<'v>(object: &'v Value, path: &str) -> Option<&'v Value> {
    path.split('.').try_fold(object, |v, part| v.get(part))
}

pub(crate) fn shown(value: Option<&Value>) -> String {
    match value {
        None | Some(Value::Null) => String::new(),
        Some(Value::String(s)) => s.clone(),
        Some(Value::Array(items)) => items
            .iter()
            .map(|i| i.as_str().map_or_else(|| i.to_string(), str::to_owned))
            .collect::<Vec<_>>()
            .join(", "),
        Some(v) => v.to_string(),
    }
}

/// Why an amount was refused in the unit it was typed in: a code and its args.
type UnitIssue = (IssueCode, Vec<(&'static str, probity_model::issue::Arg)>);

/// The value of a field as the report holds it, from the text posted; for an amount typed in
/// 万元 that the unit refuses (finer than a fen, negative), the issue too. The refused amount
/// is still kept, its point moved exactly, so that the draft holds what was typed.
fn typed(input: Input, text: &str) -> (Option<Value>, Option<UnitIssue>) {
    let text = text.trim();
    if let Input::Money(unit @ MoneyUnit::Wan) = input {
        let clean = text.replace([',', '，'], "");
        if clean.is_empty() {
            return (None, None);
        }
        return match unit.to_base(&clean) {
            Ok(yuan) => (Some(Value::String(yuan.to_string())), None),
            Err(e) => {
                let kept = unit
                    .moved_to_base(&clean)
                    .map_or(clean.clone(), |d| d.to_string());
                (Some(Value::String(kept)), Some(decimal_code(&e)))
            }
        };
    }
    (typed_as_is(input, text), None)
}

fn typed_as_is(input: Input, text: &str) -> Option<Value> {
    match input {
        Input::Bool => Some(Value::Bool(text == "1" || text == "on" || text == "true")),
        _ if text.is_empty() => None,
        Input::List => Some(Value::Array(
            text.split([',', '，', ';', ' '])
                .map(str::trim)
                .filter(|t| !t.is_empty())
                .map(|t| Value::String(t.to_owned()))
                .collect(),
        )),
        // Amounts and numbers stay decimal strings (FORMATS.md): no float, no rounding.
        _ => Some(Value::String(text.replace([',', '，'], ""))),
    }
}

/// The report being written, from the posted form: the fixed header from the draft, then every
/// section as posted, amounts in yuan whatever unit they were typed in. With it, the issues of
/// amounts the unit they were typed in refuses (shown instead of the report's own issues at the
/// same paths, which would name the amount in yuan).
pub fn report_from_form(draft: &Value, pairs: &[(String, String)]) -> (Value, Vec<Issue>) {
    let mut unit_issues = Vec::new();
    let mut take = |path: String, (value, issue): (Option<Value>, Option<_>)| {
        if let Some((code, args)) = issue {
            unit_issues.push(Issue::new(
                format!("$.{path}"),
                code,
                args,
                "refused in the unit it was typed in",
            ));
        }
        value
    };
    let mut report = Map::new();
    for key in [
        "format",
        "profile",
        "declaration_id",
        "declarant_id",
        "kind",
        "year",
        "supersedes",
    ] {
        if let Some(v) = draft.get(key) {
            report.insert(key.to_owned(), v.clone());
        }
    }
    let value_of = |name: &str| {
        pairs
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    };
    if let Some(on) = value_of("filed_on") {
        report.insert("filed_on".into(), Value::String(on.trim().to_owned()));
    }
    let is_change = draft.get("kind").and_then(Value::as_str) == Some("change");
    // A change report: the date and the matters come first, and only those matters' sections
    // are read (FORMATS.md: it carries only the sections it names).
    let named: Option<Vec<String>> = is_change.then(|| {
        if value_of("change.on").is_some() {
            pairs
                .iter()
                .filter(|(k, _)| k == "change.sections")
                .filter_map(|(_, v)| section(v).map(|s| s.key.to_owned()))
                .collect()
        } else {
            change_sections(draft)
        }
    });
    if let Some(named) = &named {
        let on = value_of("change.on").map_or_else(
            || shown(get_path(draft, "change.on")),
            |on| on.trim().to_owned(),
        );
        report.insert("change".into(), json!({"on": on, "sections": named}));
    }
    let carries = |key: &str| match &named {
        None => true,
        Some(named) => key == "persons" || named.iter().any(|n| n == key),
    };
    for s in SECTIONS.iter().filter(|s| carries(s.key)) {
        if s.list {
            let rows: usize = value_of(&format!("{}.rows", s.key))
                .and_then(|n| n.parse().ok())
                .unwrap_or(0)
                .min(200);
            let mut items = Vec::new();
            for i in 0..rows {
                let mut row = Map::new();
                for field in s.fields {
                    let name = format!("{}[{i}].{}", s.key, field.name);
                    let posted = value_of(&name).unwrap_or("");
                    // A checkbox not ticked is not posted: false, except the one that only
                    // children carry.
                    if field.input == Input::Bool
                        && field.name == "co_residing"
                        && value_of(&format!("{}[{i}].relation", s.key)) != Some("child")
                    {
                        continue;
                    }
                    if let Some(v) = take(name, typed(field.input, posted)) {
                        set_path(&mut row, field.name, v);
                    }
                }
                items.push(Value::Object(row));
            }
            if !items.is_empty() {
                report.insert(s.key.to_owned(), Value::Array(items));
            }
        } else {
            let mut object = Map::new();
            for field in s.fields {
                let name = format!("{}.{}", s.key, field.name);
                let posted = value_of(&name).unwrap_or("");
                if let Some(v) = take(name, typed(field.input, posted)) {
                    set_path(&mut object, field.name, v);
                }
            }
            report.insert(s.key.to_owned(), Value::Object(object));
        }
    }
    if named.is_none() {
        let nothing: Vec<Value> = SECTIONS
            .iter()
            .filter(|s| s.can_be_empty && value_of(&format!("nothing.{}", s.key)).is_some())
            .map(|s| Value::String(s.key.to_owned()))
            .collect();
        report.insert("nothing_to_report".into(), Value::Array(nothing));
    }
    // Sections carried over from the last report stay marked until confirmed or edited.
    if let Some(carried) = draft.get(CARRIED) {
        let from = carried.get("from").cloned().unwrap_or(Value::Null);
        let pending: Vec<Value> = carried_sections(draft)
            .into_iter()
            .filter(|key| {
                value_of(&format!("confirm.{key}")).is_none()
                    && report.get(key.as_str()) == draft.get(key.as_str())
            })
            .map(Value::String)
            .collect();
        if !pending.is_empty() {
            report.insert(CARRIED.into(), json!({"from": from, "sections": pending}));
        }
    }
    if let Some(text) = value_of("other_matters").filter(|t| !t.trim().is_empty()) {
        report.insert("other_matters".into(), Value::String(text.to_owned()));
    }
    (Value::Object(report), unit_issues)
}

/// Where a draft started from the last report holds the sections carried over and not yet
/// confirmed or edited (`{"from": "<id>", "sections": ["real_estate", …]}`). It lives in the
/// draft only: [`submittable`] strips it before validation and submission.
pub const CARRIED: &str = "carried_over";

/// The sections a change report names (its draft's `change.sections`).
fn change_sections(report: &Value) -> Vec<String> {
    report
        .get("change")
        .and_then(|c| c.get("sections"))
        .and_then(Value::as_array)
        .map(|a| {
            a.iter()
                .filter_map(Value::as_str)
                .map(str::to_owned)
                .collect()
        })
        .unwrap_or_default()
}

/// The sections still marked as carried over.
pub fn carried_sections(report: &Value) -> Vec<String> {
    report
        .get(CARRIED)
        .and_then(|c| c.get("sections"))
        .and_then(Value::as_array)
        .map(|a| {
            a.iter()
                .filter_map(Value::as_str)
                .map(str::to_owned)
                .collect()
        })
        .unwrap_or_default()
}

/// The report as it is validated and filed: the draft without its carried-over marks.
pub fn submittable(report: &Value) -> Value {
    let mut out = report.clone();
    if let Value::Object(m) = &mut out {
        m.remove(CARRIED);
    }
    out
}

/// A field on the page.
pub struct FieldView {
    /// Input name (its JSON path without `$.`), also its id.
    pub name: String,
    /// Label message key.
    pub label: String,
    /// Current value, as shown (an amount in the field's unit).
    pub value: String,
    /// `text`, `date`, `checkbox`, `select`, `number`.
    pub kind: &'static str,
    /// For a select: the options.
    pub options: &'static [&'static str],
    /// The message key of the unit beside an amount (`unit-wan`).
    pub unit: Option<&'static str>,
    /// The amount in the other unit, where that helps (`1,500,000 元` beside `150` 万元).
    pub equiv: Option<String>,
    /// Messages about this field.
    pub errors: Vec<String>,
}

impl FieldView {
    /// The ids that describe the input: its unit, its other-unit amount, its errors.
    pub fn described_by(&self) -> String {
        let mut ids = Vec::new();
        if self.unit.is_some() {
            ids.push(format!("{}-unit", self.name));
        }
        if self.equiv.is_some() {
            ids.push(format!("{}-equiv", self.name));
        }
        if !self.errors.is_empty() {
            ids.push(format!("{}-error", self.name));
        }
        ids.join(" ")
    }
}

/// A row (or the one object) of a section on the page.
pub struct RowView {
    /// Row number (for the remove button).
    pub index: usize,
    /// The row's element id (`real_estate[0]`).
    pub id: String,
    /// Its fields.
    pub fields: Vec<FieldView>,
    /// Messages about the row as a whole.
    pub errors: Vec<String>,
}

/// A section on the page.
pub struct SectionView {
    /// Its JSON name.
    pub key: &'static str,
    /// Whether it is a list.
    pub list: bool,
    /// Whether "nothing to report" may be ticked, and whether it is.
    pub can_be_empty: bool,
    /// Whether it is ticked.
    pub nothing: bool,
    /// Whether it was carried over from the last report and is not yet confirmed or edited.
    pub carried: bool,
    /// Rows.
    pub rows: Vec<RowView>,
    /// Messages about the section as a whole.
    pub errors: Vec<String>,
}

/// An issue as the page shows it: at an element, named for a person, in the reader's language.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IssueView {
    /// The JSON path (`$.real_estate[0].price`).
    pub path: String,
    /// The id of the element it is about (a field, a row, a section, or the form).
    pub anchor: String,
    /// Where that is, in words (`11. Real estate · row 1 · Price`).
    pub place: String,
    /// What is wrong.
    pub message: String,
}

/// The issues as the page shows them, in the reader's language, in form order.
pub(crate) fn issue_views(t: Tr, report: &Value, issues: &[Issue]) -> Vec<IssueView> {
    let mut ordered: Vec<&Issue> = issues.iter().collect();
    ordered.sort_by_key(|i| form_order(&i.path, report));
    ordered
        .into_iter()
        .map(|i| shown_issue(t, report, &i.path, t.issue(i)))
        .collect()
}

fn shown_issue(t: Tr, report: &Value, path: &str, message: String) -> IssueView {
    let at = place(path, report);
    let mut words = Vec::new();
    if let Some(s) = at.section {
        words.push(t.get(&format!("s-{}", s.key)));
    }
    if let Some(r) = at.row {
        words.push(t.row(r));
    }
    if let Some(f) = at.field {
        words.push(t.get(&label_key(f)));
    } else if at.anchor.starts_with("nothing.") {
        words.push(t.get("nothing-to-report"));
    } else if at.section.is_none() {
        let key = match at.anchor.as_str() {
            "filed_on" => "filed-on",
            "change.on" => "change-on",
            "change" => "change-matters",
            "other_matters" => "other-matters",
            "commitment" => "commitment-short",
            _ => "the-report",
        };
        words.push(t.get(key));
    }
    IssueView {
        path: path.to_owned(),
        anchor: at.anchor,
        place: words.join(" · "),
        message,
    }
}

pub(crate) fn label_key(f: &Field) -> String {
    format!("f-{}", f.name.replace('.', "-"))
}

/// A decimal written with thousands separators (`1,234,567.89`), for reading, never for input.
pub fn grouped(text: &str) -> String {
    let (int, frac) = match text.split_once('.') {
        Some((i, f)) => (i, Some(f)),
        None => (text, None),
    };
    let (sign, digits) = match int.strip_prefix('-') {
        Some(d) => ("-", d),
        None => ("", int),
    };
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    match frac {
        Some(f) => format!("{sign}{out}.{f}"),
        None => format!("{sign}{out}"),
    }
}

/// An amount held in yuan, in the other unit where that helps a reader check it: 万元 fields
/// show the yuan; yuan fields show 万元 from ten thousand up. `None` for what is not a valid
/// amount.
pub fn equivalent(t: Tr, unit: MoneyUnit, yuan: &str) -> Option<String> {
    let amount = probity_model::Amount::parse(yuan).ok()?;
    let text = match unit {
        MoneyUnit::Wan => format!("{} {}", grouped(yuan), t.get("unit-yuan")),
        MoneyUnit::Yuan if amount.minor_units() >= 1_000_000 => {
            format!("{} {}", MoneyUnit::Wan.show(yuan), t.get("unit-wan"))
        }
        MoneyUnit::Yuan => return None,
    };
    Some(t.with_text("amount-equals", &[("amount", text)]))
}

fn views(t: Tr, report: &Value, issues: &[IssueView]) -> Vec<SectionView> {
    let errors_at = |anchor: &str| -> Vec<String> {
        issues
            .iter()
            .filter(|i| i.anchor == anchor)
            .map(|i| i.message.clone())
            .collect()
    };
    let nothing: Vec<&str> = report
        .get("nothing_to_report")
        .and_then(Value::as_array)
        .map(|a| a.iter().filter_map(Value::as_str).collect())
        .unwrap_or_default();
    let named = (report.get("kind").and_then(Value::as_str) == Some("change"))
        .then(|| change_sections(report));
    let carried = carried_sections(report);
    SECTIONS
        .iter()
        .filter(|s| {
            named
                .as_ref()
                .is_none_or(|n| s.key == "persons" || n.iter().any(|k| k == s.key))
        })
        .map(|s| {
            let row_values: Vec<Value> = if s.list {
                report
                    .get(s.key)
                    .and_then(Value::as_array)
                    .cloned()
                    .unwrap_or_default()
            } else {
                vec![report.get(s.key).cloned().unwrap_or(json!({}))]
            };
            let rows = row_values
                .iter()
                .enumerate()
                .map(|(i, row)| {
                    let id = if s.list {
                        format!("{}[{i}]", s.key)
                    } else {
                        format!("{}-row", s.key)
                    };
                    RowView {
                        index: i,
                        errors: if s.list { errors_at(&id) } else { Vec::new() },
                        fields: s
                            .fields
                            .iter()
                            .map(|field| {
                                let name = if s.list {
                                    format!("{}[{i}].{}", s.key, field.name)
                                } else {
                                    format!("{}.{}", s.key, field.name)
                                };
                                let (kind, options) = match field.input {
                                    Input::Date => ("date", &[][..]),
                                    Input::Bool => ("checkbox", &[][..]),
                                    Input::Choice(o) => ("select", o),
                                    Input::Money(_) | Input::ForeignMoney | Input::Number => {
                                        ("number", &[][..])
                                    }
                                    _ => ("text", &[][..]),
                                };
                                let stored = shown(get_path(row, field.name));
                                let (value, unit, equiv) = match field.input {
                                    Input::Money(u) => (
                                        u.show(&stored),
                                        Some(match u {
                                            MoneyUnit::Yuan => "unit-yuan",
                                            MoneyUnit::Wan => "unit-wan",
                                        }),
                                        equivalent(t, u, &stored),
                                    ),
                                    Input::ForeignMoney => (stored, Some("unit-currency"), None),
                                    _ => (stored, None, None),
                                };
                                FieldView {
                                    errors: errors_at(&name),
                                    label: label_key(field),
                                    value,
                                    kind,
                                    options,
                                    unit,
                                    equiv,
                                    name,
                                }
                            })
                            .collect(),
                        id,
                    }
                })
                .collect();
            let mut errors = errors_at(s.key);
            errors.extend(errors_at(&format!("nothing.{}", s.key)));
            errors.extend(errors_at(&format!("carried.{}", s.key)));
            SectionView {
                key: s.key,
                list: s.list,
                can_be_empty: s.can_be_empty && named.is_none(),
                carried: carried.iter().any(|c| c == s.key),
                nothing: nothing.contains(&s.key),
                rows,
                errors,
            }
        })
        .collect()
}

/// A filed report the page names: the one a correction corrects, or the one in force that a
/// second report of its kind and year would stand beside.
pub struct NamedReport {
    /// Its id.
    pub id: String,
    /// `annual`, `change`, `initial`.
    pub kind: String,
    /// The year it reports on.
    pub year: i64,
    /// Its report date.
    pub filed_on: String,
}

impl From<&ReportSummary> for NamedReport {
    fn from(s: &ReportSummary) -> Self {
        NamedReport {
            id: s.declaration_id.clone(),
            kind: s.kind.clone(),
            year: s.year,
            filed_on: s.filed_on.clone(),
        }
    }
}

#[derive(Template, WebTemplate)]
#[template(path = "file.html")]
struct FilePage {
    t: Tr,
    user: Option<User>,
    csrf: String,
    year: i32,
    kind: String,
    filed_on: String,
    /// Where the form posts (`/file?year=2025&kind=annual`, `/file?correct=ID`).
    action: String,
    /// A change report: the date of the change.
    change_on: String,
    /// A change report: the matters a change report may carry, each with whether it is named.
    change_matters: Vec<(&'static str, bool)>,
    /// The report a correction corrects.
    corrects: Option<NamedReport>,
    /// The cycle is closed: the report will be recorded as a late filing.
    closed: bool,
    /// The report in force that this one would stand beside (a refused duplicate).
    in_force: Option<NamedReport>,
    /// The report the carried-over sections come from.
    carried_from: String,
    /// Whether the form may offer to start from the last report (a new annual or initial one).
    can_start_from_last: bool,
    sections: Vec<SectionView>,
    other_matters: String,
    issues: Vec<IssueView>,
    ready: bool,
    saved: bool,
}

impl FilePage {
    /// The mark of a carried-over section: where it comes from, and what to do.
    fn carried_mark(&self) -> String {
        self.t
            .with_text("carried-from", &[("id", self.carried_from.clone())])
    }

    /// Messages about one of the form's own fields (report date, other matters, commitment).
    fn errors_at(&self, anchor: &str) -> Vec<String> {
        self.issues
            .iter()
            .filter(|i| i.anchor == anchor)
            .map(|i| i.message.clone())
            .collect()
    }
}

/// The page that says a report of this kind and year is in force, or that a correction is not
/// yet started, and offers to start the correction (a POST: no GET changes anything).
#[derive(Template, WebTemplate)]
#[template(path = "file_notice.html")]
struct NoticePage {
    t: Tr,
    user: Option<User>,
    csrf: String,
    heading: String,
    message: String,
    report: NamedReport,
}

#[derive(Deserialize)]
pub(crate) struct FileQuery {
    year: Option<i32>,
    kind: Option<String>,
    /// A filed report of one's own to correct: the form holds the correction's own draft.
    correct: Option<String>,
}

/// What the form is writing: a new report of a kind and year, or a correction of a report.
/// Each has its own draft slot (the drafts table's `kind` column): `annual`, `initial`, `change`
/// for new reports, `correction:<id>` for the correction of report `<id>`, so that a correction
/// never replaces another draft and "File" never opens a correction.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Target {
    /// A new report.
    New { year: i32, kind: String },
    /// A correction of the report with this id.
    Correction { id: String },
}

/// The draft slot of a correction of report `id`.
pub fn correction_slot(id: &str) -> String {
    format!("correction:{id}")
}

impl Target {
    fn of(q: &FileQuery) -> Target {
        if let Some(id) = q.correct.clone().filter(|id| !id.is_empty()) {
            return Target::Correction { id };
        }
        let kind = q
            .kind
            .clone()
            .filter(|k| ["annual", "change", "initial"].contains(&k.as_str()))
            .unwrap_or_else(|| "annual".into());
        let this_year = chrono::Datelike::year(&crate::now());
        // An initial report's income is that of the calendar year before its report date; a
        // change report is of the year it is filed in.
        let year = match kind.as_str() {
            "initial" => this_year - 1,
            "change" => q.year.unwrap_or(this_year),
            _ => q.year.unwrap_or(this_year - 1),
        };
        Target::New { year, kind }
    }

    fn action(&self) -> String {
        match self {
            Target::New { year, kind } => format!("/file?year={year}&kind={kind}"),
            Target::Correction { id } => format!("/file?correct={}", url_part(id)),
        }
    }
}

/// A report id as a URL query value (ids are ASCII letters, digits and `-`; anything else is
/// escaped).
fn url_part(id: &str) -> String {
    id.bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || b == b'-' || b == b'_' || b == b'.' {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}

/// The reports of a person in force: those no other of their reports supersedes (FORMATS.md).
fn in_force(reports: &[ReportSummary]) -> Vec<&ReportSummary> {
    reports
        .iter()
        .filter(|r| {
            !reports
                .iter()
                .any(|o| o.supersedes.as_deref() == Some(r.declaration_id.as_str()))
        })
        .collect()
}

/// The person's report in force of this kind and year, if any.
async fn in_force_of(
    app: &App,
    ctx: &Ctx,
    person_key: &str,
    year: i32,
    kind: &str,
) -> Result<Option<ReportSummary>, WebError> {
    let reports = app
        .store
        .reports_of(person_key)
        .await
        .map_err(|e| WebError::internal(ctx.t, e))?;
    Ok(in_force(&reports)
        .into_iter()
        .find(|r| r.kind == kind && r.year == i64::from(year))
        .cloned())
}

/// The person's last annual or initial report in force for a year before `year`.
fn last_before(reports: &[ReportSummary], year: i32) -> Option<ReportSummary> {
    in_force(reports)
        .into_iter()
        .filter(|r| r.kind != "change" && r.year < i64::from(year))
        .max_by(|a, b| (a.year, &a.filed_on).cmp(&(b.year, &b.filed_on)))
        .cloned()
}

/// The id of [`last_before`], from the store.
async fn last_id(
    app: &App,
    ctx: &Ctx,
    person_key: &str,
    year: i32,
) -> Result<Option<String>, WebError> {
    let reports = app
        .store
        .reports_of(person_key)
        .await
        .map_err(|e| WebError::internal(ctx.t, e))?;
    Ok(last_before(&reports, year).map(|r| r.declaration_id))
}

/// The stored draft in a slot, if it is a JSON object.
async fn stored_draft(
    app: &App,
    ctx: &Ctx,
    person_key: &str,
    year: i32,
    slot: &str,
) -> Result<Option<Value>, WebError> {
    Ok(app
        .store
        .draft(person_key, year, slot)
        .await
        .map_err(|e| WebError::internal(ctx.t, e))?
        .and_then(|text| serde_json::from_str::<Value>(&text).ok())
        .filter(Value::is_object))
}

/// The draft of the signed-in declarant, or a new report with the header filled in, in the
/// shape of its kind (FORMATS.md): an annual or initial report with marriage, salary and
/// "nothing to report"; a change report with `change` and neither of those.
async fn draft_or_new(
    app: &App,
    ctx: &Ctx,
    person_key: &str,
    year: i32,
    kind: &str,
) -> Result<Value, WebError> {
    if let Some(v) = stored_draft(app, ctx, person_key, year, kind).await? {
        return Ok(v);
    }
    let ids = app
        .store
        .resident_ids(&ctx.stamp(), &[person_key.to_owned()])
        .await
        .map_err(|e| WebError::internal(ctx.t, e))?;
    let id = ids.into_iter().next().ok_or(WebError::Forbidden(ctx.t))?;
    let name = app
        .store
        .subject(person_key)
        .await
        .map_err(|e| WebError::internal(ctx.t, e))?
        .map(|(name, _)| name)
        .unwrap_or_default();
    let stamp = crate::now().format("%Y%m%d%H%M%S").to_string();
    let mut report = json!({
        "format": "probity.declaration/1",
        "profile": "cn",
        "declaration_id": format!(
            "{}{year}-{}-{stamp}",
            kind.get(..1).unwrap_or("A").to_uppercase(),
            person_key.get(..8).unwrap_or(person_key)
        ),
        "declarant_id": id,
        "kind": kind,
        "year": year,
        "filed_on": crate::now().format("%Y-%m-%d").to_string(),
        "persons": [{"ref": "self", "relation": "self", "name": name, "id": id}],
    });
    if let Value::Object(m) = &mut report {
        if kind == "change" {
            m.insert("change".into(), json!({"on": "", "sections": []}));
        } else {
            m.insert("marriage".into(), json!({}));
            m.insert("salary".into(), json!({}));
            m.insert("nothing_to_report".into(), json!([]));
        }
    }
    Ok(report)
}

/// What the page shows beside the form.
#[derive(Default)]
struct Extras {
    corrects: Option<NamedReport>,
    in_force: Option<NamedReport>,
    /// The person's last annual or initial report in force before this year, if any.
    last: Option<String>,
    /// An annual report of a cycle already closed: it is filed as a late filing.
    closed: bool,
}

/// Whether a new report of `kind` on `year` is an annual report of a closed cycle, which the
/// store takes only as a late filing ([`probity_store::Filing::Late`]).
async fn cycle_closed(app: &App, ctx: &Ctx, year: i32, kind: &str) -> Result<bool, WebError> {
    if kind != "annual" {
        return Ok(false);
    }
    Ok(app
        .store
        .cycle_list()
        .await
        .map_err(|e| WebError::internal(ctx.t, e))?
        .iter()
        .any(|c| c.year == year && !c.is_open()))
}

fn render(
    ctx: &Ctx,
    target: &Target,
    report: &Value,
    issues: Vec<IssueView>,
    ready: bool,
    saved: bool,
    extras: Extras,
) -> Response {
    let status = if issues.is_empty() && extras.in_force.is_none() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    let kind = shown(report.get("kind"));
    let named = change_sections(report);
    let change_matters = if kind == "change" {
        change_matter_keys()
            .into_iter()
            .map(|k| (k, named.iter().any(|n| n == k)))
            .collect()
    } else {
        Vec::new()
    };
    let page = FilePage {
        t: ctx.t,
        user: ctx.user.clone(),
        csrf: ctx.csrf.clone(),
        year: report
            .get("year")
            .and_then(Value::as_i64)
            .unwrap_or_default() as i32,
        can_start_from_last: matches!(target, Target::New { .. })
            && (kind == "annual" || kind == "initial")
            && extras.last.is_some()
            && report.get(CARRIED).is_none(),
        kind,
        filed_on: shown(report.get("filed_on")),
        action: target.action(),
        change_on: shown(get_path(report, "change.on")),
        change_matters,
        corrects: extras.corrects,
        in_force: extras.in_force,
        closed: extras.closed,
        carried_from: shown(get_path(report, "carried_over.from")),
        sections: views(ctx.t, report, &issues),
        other_matters: shown(report.get("other_matters")),
        issues,
        ready,
        saved,
    };
    (status, page).into_response()
}

/// The section keys of the matters a change report may carry, as the built-in profile says
/// (`cn`: matters 1–8).
fn change_matter_keys() -> Vec<&'static str> {
    let Ok(profile) = probity_model::Profile::builtin("cn") else {
        return Vec::new();
    };
    profile
        .change_categories()
        .into_iter()
        .filter_map(|c| section(c.as_str()).map(|s| s.key))
        .collect()
}

/// The report a correction of `id` corrects, if it is the signed-in declarant's.
async fn corrected(
    app: &App,
    ctx: &Ctx,
    person: &str,
    id: &str,
) -> Result<(ReportSummary, String), WebError> {
    let (summary, content) = crate::readable_report(app, ctx, id).await?;
    if summary.person_key != person {
        return Err(WebError::Forbidden(ctx.t));
    }
    Ok((summary, content))
}

fn notice(ctx: &Ctx, heading: &str, message: String, report: &ReportSummary) -> Response {
    (
        StatusCode::CONFLICT,
        NoticePage {
            t: ctx.t,
            user: ctx.user.clone(),
            csrf: ctx.csrf.clone(),
            heading: ctx.t.get(heading),
            message,
            report: report.into(),
        },
    )
        .into_response()
}

/// The message that a report of this kind and year is in force.
fn in_force_message(t: Tr, r: &ReportSummary) -> String {
    t.with_text(
        "report-in-force",
        &[
            ("id", r.declaration_id.clone()),
            ("kind", t.kind(&r.kind)),
            ("year", r.year.to_string()),
            ("filed_on", r.filed_on.clone()),
        ],
    )
}

pub(crate) async fn file_page(
    State(app): State<Arc<App>>,
    Query(q): Query<FileQuery>,
    Declarant {
        ctx,
        person_key: person,
        ..
    }: Declarant,
) -> Result<Response, WebError> {
    let target = Target::of(&q);
    match &target {
        Target::Correction { id } => {
            let (summary, _) = corrected(&app, &ctx, &person, id).await?;
            let slot = correction_slot(id);
            match stored_draft(&app, &ctx, &person, summary.year as i32, &slot).await? {
                Some(report) => {
                    let extras = Extras {
                        corrects: Some((&summary).into()),
                        ..Extras::default()
                    };
                    Ok(render(
                        &ctx,
                        &target,
                        &report,
                        Vec::new(),
                        false,
                        false,
                        extras,
                    ))
                }
                // Nothing started: say so and offer to start it (a POST).
                None => Ok(notice(
                    &ctx,
                    "correction-not-started",
                    ctx.t.with_text(
                        "correction-offer",
                        &[("id", summary.declaration_id.clone())],
                    ),
                    &summary,
                )),
            }
        }
        Target::New { year, kind } => {
            if kind != "change"
                && let Some(r) = in_force_of(&app, &ctx, &person, *year, kind).await?
            {
                return Ok(notice(
                    &ctx,
                    "report-in-force-heading",
                    in_force_message(ctx.t, &r),
                    &r,
                ));
            }
            let report = draft_or_new(&app, &ctx, &person, *year, kind).await?;
            let extras = Extras {
                last: last_id(&app, &ctx, &person, *year).await?,
                closed: cycle_closed(&app, &ctx, *year, kind).await?,
                ..Extras::default()
            };
            Ok(render(
                &ctx,
                &target,
                &report,
                Vec::new(),
                false,
                false,
                extras,
            ))
        }
    }
}

#[derive(Deserialize)]
pub(crate) struct StartCorrection {
    /// The report to correct.
    id: String,
}

/// Starts the correction of one of the declarant's reports: its own draft slot, from the
/// report's content, superseding it. A correction already started is kept as it is.
pub(crate) async fn start_correction(
    State(app): State<Arc<App>>,
    Declarant {
        ctx,
        person_key: person,
        ..
    }: Declarant,
    Form(form): Form<StartCorrection>,
) -> Result<Response, WebError> {
    let (summary, content) = corrected(&app, &ctx, &person, &form.id).await?;
    let year = summary.year as i32;
    let slot = correction_slot(&form.id);
    if stored_draft(&app, &ctx, &person, year, &slot)
        .await?
        .is_none()
    {
        let mut report: Value =
            serde_json::from_str(&content).map_err(|e| WebError::internal(ctx.t, e))?;
        let stamp = crate::now().format("%Y%m%d%H%M%S").to_string();
        report["declaration_id"] = Value::String(format!("{}-c{stamp}", form.id));
        report["supersedes"] = Value::String(form.id.clone());
        app.store
            .save_draft(&ctx.stamp(), &person, year, &slot, &report.to_string())
            .await
            .map_err(|e| draft_error(ctx.t, e))?;
    }
    Ok(Redirect::to(&format!("/file?correct={}", url_part(&form.id))).into_response())
}

#[derive(Deserialize)]
pub(crate) struct StartFromLast {
    year: i32,
    kind: String,
}

/// Sections carried over from the last report in force (each marked until confirmed or
/// edited), and the values in them that change every year, which are left empty.
const CARRIED_SECTIONS: &[(&str, &[&str])] = &[
    ("persons", &[]),
    ("marriage", &[]),
    ("travel_documents", &[]),
    ("child_marriages", &[]),
    ("residence_abroad", &[]),
    ("employment", &[]),
    ("real_estate", &[]),
    ("stocks", &["market_value"]),
    ("funds", &["net_value", "market_value"]),
    ("insurance", &[]),
    ("businesses", &[]),
    ("overseas_deposits", &[]),
    ("overseas_investments", &[]),
];

/// The new report's draft started from `last` (the person's last report in force): its
/// carried-over sections, values that change every year emptied, each section marked.
pub fn carried_over(new: &Value, last: &Value, last_id: &str) -> Value {
    let mut out = new.clone();
    let mut marked = Vec::new();
    if let Value::Object(m) = &mut out {
        for (key, yearly) in CARRIED_SECTIONS {
            let Some(mut value) = last.get(*key).cloned() else {
                continue;
            };
            if let Value::Array(rows) = &mut value {
                if rows.is_empty() {
                    continue;
                }
                for row in rows.iter_mut() {
                    if let Value::Object(r) = row {
                        for field in *yearly {
                            r.remove(*field);
                        }
                    }
                }
            }
            m.insert((*key).to_owned(), value);
            marked.push(Value::String((*key).to_owned()));
        }
        if !marked.is_empty() {
            m.insert(CARRIED.into(), json!({"from": last_id, "sections": marked}));
        }
    }
    out
}

/// Starts a new annual or initial report from the person's last report in force (a POST).
pub(crate) async fn start_from_last(
    State(app): State<Arc<App>>,
    Declarant {
        ctx,
        person_key: person,
        ..
    }: Declarant,
    Form(form): Form<StartFromLast>,
) -> Result<Response, WebError> {
    let target = Target::of(&FileQuery {
        year: Some(form.year),
        kind: Some(form.kind.clone()),
        correct: None,
    });
    let Target::New { year, kind } = &target else {
        return Err(WebError::Forbidden(ctx.t));
    };
    if kind == "change" {
        return Err(WebError::Forbidden(ctx.t));
    }
    let reports = app
        .store
        .reports_of(&person)
        .await
        .map_err(|e| WebError::internal(ctx.t, e))?;
    let last = last_before(&reports, *year);
    let draft = draft_or_new(&app, &ctx, &person, *year, kind).await?;
    let report = match last {
        Some(last) => {
            let (_, content) = crate::readable_report(&app, &ctx, &last.declaration_id).await?;
            let last_report: Value =
                serde_json::from_str(&content).map_err(|e| WebError::internal(ctx.t, e))?;
            let carried = carried_over(&draft, &last_report, &last.declaration_id);
            // As the form holds it, so that a section is "edited" only when the declarant
            // changed it, not because the form writes amounts or empty fields otherwise.
            let (mut normal, _) = report_from_form(&carried, &form_pairs(&carried));
            if let (Value::Object(m), Some(mark)) = (&mut normal, carried.get(CARRIED)) {
                m.insert(CARRIED.into(), mark.clone());
            }
            normal
        }
        None => draft,
    };
    app.store
        .save_draft(&ctx.stamp(), &person, *year, kind, &report.to_string())
        .await
        .map_err(|e| draft_error(ctx.t, e))?;
    Ok(Redirect::to(&target.action()).into_response())
}

/// What a browser posts for the form as the page shows `report`, without pressing a button.
pub fn form_pairs(report: &Value) -> Vec<(String, String)> {
    let t = Tr {
        lang: crate::i18n::Lang::Zh,
    };
    let mut pairs = vec![("filed_on".to_owned(), shown(report.get("filed_on")))];
    if report.get("change").is_some() {
        pairs.push(("change.on".into(), shown(get_path(report, "change.on"))));
        for key in change_sections(report) {
            pairs.push(("change.sections".into(), key));
        }
    }
    for s in views(t, report, &[]) {
        if s.list {
            pairs.push((format!("{}.rows", s.key), s.rows.len().to_string()));
        }
        if s.nothing {
            pairs.push((format!("nothing.{}", s.key), "1".into()));
        }
        for row in s.rows {
            for f in row.fields {
                if f.kind == "checkbox" {
                    if f.value == "true" {
                        pairs.push((f.name, "1".into()));
                    }
                } else {
                    pairs.push((f.name, f.value));
                }
            }
        }
    }
    if let Some(o) = report.get("other_matters") {
        pairs.push(("other_matters".into(), shown(Some(o))));
    }
    pairs
}

/// The report parsed and validated by the domain rules, or every issue at once, form and rule
/// issues together, in form order ([`probity_model::validation::parse_and_validate_all`]).
pub(crate) fn parse_report(report: &Value) -> Result<probity_model::Declaration, Vec<Issue>> {
    let profiles: Vec<probity_model::Profile> = probity_model::Profile::builtin_ids()
        .filter_map(|id| probity_model::Profile::builtin(id).ok())
        .collect();
    probity_model::validation::parse_and_validate_all(report, |id| {
        profiles.iter().find(|p| p.id == id)
    })
}

/// The report's issues with those of amounts refused in the unit they were typed in put in the
/// place of the report's own at the same path (which would name the amount in yuan).
fn with_unit_issues(report_issues: Vec<Issue>, unit_issues: Vec<Issue>) -> Vec<Issue> {
    let mut out: Vec<Issue> = Vec::new();
    for issue in report_issues {
        match unit_issues.iter().find(|u| u.path == issue.path) {
            Some(u) => {
                if !out.iter().any(|o| o.path == u.path && o.code == u.code) {
                    out.push(u.clone());
                }
            }
            None => out.push(issue),
        }
    }
    for u in unit_issues {
        if !out.iter().any(|o| o.path == u.path) {
            out.push(u);
        }
    }
    out
}

/// Every issue of the report at once: the units refused as typed, the form's and the rules'
/// ([`parse_report`]), and the sections still marked as carried over.
/// Empty when the report may be filed.
pub fn all_issues(t: Tr, report: &Value, unit_issues: Vec<Issue>) -> Vec<IssueView> {
    let issues = parse_report(&submittable(report)).err().unwrap_or_default();
    let mut issues = if issues.is_empty() {
        unit_issues
    } else {
        with_unit_issues(issues, unit_issues)
    };
    for key in carried_sections(report) {
        issues.push(Issue::new(
            format!("$.{CARRIED}.{key}"),
            IssueCode::MissingField,
            Vec::new(),
            "carried over and not yet confirmed",
        ));
    }
    let mut views = issue_views(t, report, &issues);
    for v in &mut views {
        if v.path.starts_with(&format!("$.{CARRIED}.")) {
            v.message = t.get("carried-unconfirmed");
        }
    }
    views
}

pub(crate) async fn file_post(
    State(app): State<Arc<App>>,
    Query(q): Query<FileQuery>,
    Declarant {
        ctx,
        person_key: person,
        ..
    }: Declarant,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Result<Response, WebError> {
    let target = Target::of(&q);
    let mut extras = Extras::default();
    let (year, slot, draft) = match &target {
        Target::Correction { id } => {
            let (summary, _) = corrected(&app, &ctx, &person, id).await?;
            let year = summary.year as i32;
            let slot = correction_slot(id);
            extras.corrects = Some((&summary).into());
            // A correction is started by its own POST; a form posted without one starts nothing.
            let Some(draft) = stored_draft(&app, &ctx, &person, year, &slot).await? else {
                return Ok(notice(
                    &ctx,
                    "correction-not-started",
                    ctx.t.with_text(
                        "correction-offer",
                        &[("id", summary.declaration_id.clone())],
                    ),
                    &summary,
                ));
            };
            (year, slot, draft)
        }
        Target::New { year, kind } => {
            extras.last = last_id(&app, &ctx, &person, *year).await?;
            extras.closed = cycle_closed(&app, &ctx, *year, kind).await?;
            (
                *year,
                kind.clone(),
                draft_or_new(&app, &ctx, &person, *year, kind).await?,
            )
        }
    };
    let (mut report, unit_issues) = report_from_form(&draft, &pairs);
    let action = pairs
        .iter()
        .find(|(k, _)| k == "action")
        .map(|(_, v)| v.clone())
        .unwrap_or_else(|| "save".into());
    // Rows added or removed before saving, so the draft is what the page shows.
    if let Some(key) = action.strip_prefix("add:")
        && let Some(s) = section(key).filter(|s| s.list)
        && let Value::Object(m) = &mut report
    {
        let list = m
            .entry(s.key.to_owned())
            .or_insert_with(|| Value::Array(Vec::new()));
        if let Value::Array(items) = list {
            items.push(json!({}));
        }
    }
    if let Some(rest) = action.strip_prefix("remove:")
        && let Some((key, index)) = rest.split_once(':')
        && let Ok(index) = index.parse::<usize>()
        && let Some(Value::Array(items)) = report.get_mut(key)
        && index < items.len()
    {
        items.remove(index);
    }
    let text = report.to_string();
    app.store
        .save_draft(&ctx.stamp(), &person, year, &slot, &text)
        .await
        .map_err(|e| draft_error(ctx.t, e))?;
    if action != "review" && action != "submit" {
        return Ok(render(
            &ctx,
            &target,
            &report,
            Vec::new(),
            false,
            true,
            extras,
        ));
    }
    let t = ctx.t;
    // A second annual or initial report beside the one in force is refused: the correction is
    // the way to change it.
    if let Target::New { kind, .. } = &target
        && kind != "change"
        && let Some(r) = in_force_of(&app, &ctx, &person, year, kind).await?
    {
        let issue = shown_issue(t, &report, "$.report", in_force_message(t, &r));
        extras.in_force = Some((&r).into());
        return Ok(render(
            &ctx,
            &target,
            &report,
            vec![issue],
            false,
            true,
            extras,
        ));
    }
    let issues = all_issues(t, &report, unit_issues);
    if !issues.is_empty() {
        return Ok(render(&ctx, &target, &report, issues, false, true, extras));
    }
    let filed = submittable(&report);
    let declaration = match parse_report(&filed) {
        Ok(d) => d,
        Err(issues) => {
            let views = issue_views(t, &report, &issues);
            return Ok(render(&ctx, &target, &report, views, false, true, extras));
        }
    };
    if action == "review" {
        return Ok(render(
            &ctx,
            &target,
            &report,
            Vec::new(),
            true,
            true,
            extras,
        ));
    }
    if !pairs.iter().any(|(k, v)| k == "commitment" && v == "1") {
        let issue = shown_issue(t, &report, "$.commitment", t.get("commitment-needed"));
        return Ok(render(
            &ctx,
            &target,
            &report,
            vec![issue],
            true,
            true,
            extras,
        ));
    }
    if person != app.store.person_key(&declaration.declarant_id) {
        return Err(WebError::Forbidden(ctx.t));
    }
    let filing = if extras.closed {
        probity_store::Filing::Late
    } else {
        probity_store::Filing::Regular
    };
    match app
        .store
        .submit_filing(&ctx.stamp(), &declaration, &filed.to_string(), filing)
        .await
    {
        Ok(_) => {
            Ok(Redirect::to(&format!("/reports/{}", declaration.declaration_id)).into_response())
        }
        Err(probity_store::StoreError::Rejected { field, message, .. }) => {
            // The store's refusals are in English: say so in the reader's language.
            let message = t.with_text("issue-store-rejected", &[("detail", message)]);
            let issue = shown_issue(t, &report, &field, message);
            Ok(render(
                &ctx,
                &target,
                &report,
                vec![issue],
                false,
                true,
                extras,
            ))
        }
        // Another report of this kind and year came into force meanwhile: offer its correction.
        Err(probity_store::StoreError::NotInForce { in_force, .. }) => {
            let message = t.with_text(
                "report-in-force",
                &[
                    ("kind", t.kind(&in_force.kind)),
                    ("year", in_force.year.to_string()),
                    ("id", in_force.declaration_id.clone()),
                    ("filed_on", in_force.filed_on.clone()),
                ],
            );
            let issue = shown_issue(t, &report, "$", message);
            Ok(render(
                &ctx,
                &target,
                &report,
                vec![issue],
                false,
                true,
                extras,
            ))
        }
        Err(
            e @ (probity_store::StoreError::Database(_)
            | probity_store::StoreError::Io { .. }
            | probity_store::StoreError::KeyFile { .. }
            | probity_store::StoreError::UnknownKey(_)
            | probity_store::StoreError::Crypto(_)
            | probity_store::StoreError::UnsupportedUrl(_)
            | probity_store::StoreError::NotCommitted(_)
            | probity_store::StoreError::Corrupt(_)),
        ) => Err(WebError::internal(ctx.t, e)),
        // Any other refusal (a cycle not open, a report already in force): said at the top of
        // the form, in the reader's language around the store's words (which name reports by
        // id, never a person).
        Err(refusal) => {
            let message = t.with_text("issue-store-rejected", &[("detail", refusal.to_string())]);
            let issue = shown_issue(t, &report, "$", message);
            Ok(render(
                &ctx,
                &target,
                &report,
                vec![issue],
                false,
                true,
                extras,
            ))
        }
    }
}

/// A draft's refusal as the reader's words (400), any other failure as internal.
pub(crate) fn draft_error(t: Tr, e: probity_store::StoreError) -> WebError {
    use probity_store::DraftRefusal;
    match e {
        probity_store::StoreError::DraftRefused(why) => WebError::BadRequest(
            t,
            match why {
                DraftRefusal::TooLarge { limit_kib } => {
                    t.with("draft-too-large", &[("limit", limit_kib as i64)])
                }
                DraftRefusal::NotDue { year, from, to } => t.with_text(
                    "draft-not-due",
                    &[
                        ("year", year.to_string()),
                        ("from", from.to_string()),
                        ("to", to.to_string()),
                    ],
                ),
                DraftRefusal::NotSubject => t.get("draft-not-subject"),
            },
        ),
        e => WebError::internal(t, e),
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    /// What a browser posts for the form as the page shows `report` ([`form_pairs`]), and how
    /// many of its amounts the page shows in 万元.
    fn posted(report: &Value) -> (Vec<(String, String)>, usize) {
        let t = Tr {
            lang: crate::i18n::Lang::Zh,
        };
        let wan_fields = views(t, report, &[])
            .into_iter()
            .flat_map(|s| s.rows)
            .flat_map(|row| row.fields)
            .filter(|f| f.unit == Some("unit-wan") && !f.value.is_empty())
            .count();
        (form_pairs(report), wan_fields)
    }

    #[test]
    fn the_form_round_trips_a_report() {
        // Every field of every report of the shared example, shown on the page (amounts in the
        // form's units) and posted back, gives the same report.
        let text = include_str!("../../../fixtures/small/declarations.jsonl");
        let mut wan_fields = 0;
        for line in text.lines() {
            let report: Value = serde_json::from_str(line).unwrap();
            let (pairs, wan) = posted(&report);
            wan_fields += wan;
            let (back, unit_issues) = report_from_form(&report, &pairs);
            assert!(unit_issues.is_empty(), "{unit_issues:?}");
            let parse = |v: &Value| parse_report(v).unwrap();
            assert_eq!(parse(&back), parse(&report), "{line}");
        }
        assert!(wan_fields > 10, "the example's amounts in 万元 took part");
    }

    #[test]
    fn amounts_typed_in_wan_are_held_in_exact_yuan() {
        let report: Value = serde_json::from_str(
            include_str!("../../../fixtures/small/declarations.jsonl")
                .lines()
                .next()
                .unwrap(),
        )
        .unwrap();
        let (mut pairs, _) = posted(&report);
        fn set(pairs: &mut [(String, String)], name: &str, value: &str) {
            let slot = pairs.iter_mut().find(|(k, _)| k == name).unwrap();
            slot.1 = value.to_owned();
        }
        set(&mut pairs, "real_estate[0].price", "123.456789");
        set(&mut pairs, "salary.wages", "186000.50");
        let (back, issues) = report_from_form(&report, &pairs);
        assert!(issues.is_empty());
        assert_eq!(back["real_estate"][0]["price"], "1234567.89");
        assert_eq!(back["salary"]["wages"], "186000.50");
        // Finer than a fen in 万元: refused at the field, in the unit typed, and kept as typed.
        set(&mut pairs, "real_estate[0].price", "1.0000001");
        let (back, issues) = report_from_form(&report, &pairs);
        assert_eq!(issues.len(), 1);
        assert_eq!(issues[0].path, "$.real_estate[0].price");
        assert_eq!(issues[0].code, IssueCode::TooManyDecimals);
        assert_eq!(issues[0].arg("value").unwrap().plain(), "1.0000001");
        assert_eq!(issues[0].arg("max").unwrap().plain(), "6");
        assert_eq!(
            MoneyUnit::Wan.show(back["real_estate"][0]["price"].as_str().unwrap()),
            "1.0000001"
        );
        let model = parse_report(&back).unwrap_err();
        let merged = with_unit_issues(model, issues);
        let at_price: Vec<_> = merged
            .iter()
            .filter(|i| i.path == "$.real_estate[0].price")
            .collect();
        assert_eq!(at_price.len(), 1, "{merged:?}");
        assert_eq!(at_price[0].arg("max").unwrap().plain(), "6");
    }

    #[test]
    fn every_choice_reads_in_both_languages() {
        let keys = |text: &str| -> Vec<String> {
            text.lines()
                .filter_map(|l| l.split_once(" = ").map(|(k, _)| k.to_owned()))
                .collect()
        };
        let zh = keys(include_str!("../locales/zh-CN/filing.ftl"));
        let en = keys(include_str!("../locales/en-US/filing.ftl"));
        for s in SECTIONS {
            for field in s.fields {
                if let Input::Choice(values) = field.input {
                    for v in values {
                        let general = format!("o-{v}");
                        let specific = format!("o-{}-{v}", label_key(field));
                        for keys in [&zh, &en] {
                            assert!(
                                keys.contains(&general) || keys.contains(&specific),
                                "{} {v}",
                                field.name
                            );
                        }
                    }
                }
            }
        }
        let t = Tr {
            lang: crate::i18n::Lang::Zh,
        };
        assert_eq!(t.option("f-form", "foreign"), "境外企业");
        assert_eq!(t.option("f-region", "foreign"), "外国人");
    }

    #[test]
    fn issues_land_at_their_field_row_or_section() {
        let report = json!({"nothing_to_report": ["trips", "stocks"]});
        let anchor = |p: &str| place(p, &report).anchor;
        assert_eq!(anchor("$.real_estate[2].price"), "real_estate[2].price");
        assert_eq!(
            anchor("$.real_estate[2].owners[1]"),
            "real_estate[2].owners"
        );
        assert_eq!(
            anchor("$.real_estate[2].disposal.on"),
            "real_estate[2].disposal.on"
        );
        assert_eq!(anchor("$.businesses[0]"), "businesses[0]");
        assert_eq!(
            anchor("$.marriage.last_change"),
            "marriage.last_change.kind"
        );
        assert_eq!(anchor("$.marriage.status"), "marriage.status");
        assert_eq!(anchor("$.persons"), "persons");
        assert_eq!(anchor("$.nothing_to_report[1]"), "nothing.stocks");
        assert_eq!(anchor("$.filed_on"), "filed_on");
        assert_eq!(anchor("$.declarant_id"), "report-form");
        assert_eq!(grouped("1234567.89"), "1,234,567.89");
        assert_eq!(grouped("100"), "100");
        assert_eq!(grouped("-1000"), "-1,000");
    }
}
