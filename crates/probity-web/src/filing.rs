//! The declarant's filing form: every matter of the report, as rows to add and remove, each
//! input named by its JSON path (`real_estate[0].area_m2`), so the domain validation's messages
//! land next to the field they are about. Whatever is posted is first saved as the draft:
//! nothing typed is lost, whichever button was pressed.

use std::sync::Arc;

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Form, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use probity_model::issue::{Issue, IssueCode, decimal_code};
use probity_model::unit::MoneyUnit;
use probity_store::{Role, User};
use serde::Deserialize;
use serde_json::{Map, Value, json};

use crate::i18n::Tr;
use crate::{App, Ctx, WebError};

/// How a field is entered.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Input {
    /// Free text.
    Text,
    /// `YYYY-MM-DD`.
    Date,
    /// `YYYY-MM` or a date.
    Month,
    /// An amount in CNY, typed and shown in the unit the official form uses for it (元 or 万元),
    /// held in the report in yuan (`1234.56`).
    Money(MoneyUnit),
    /// An amount in the currency the row names, as written.
    ForeignMoney,
    /// A decimal number (area, shares, percentage).
    Number,
    /// Yes or no.
    Bool,
    /// One of these values (empty: not given).
    Choice(&'static [&'static str]),
    /// Several values, separated by commas (person refs, country codes).
    List,
}

/// One field of a section.
#[derive(Debug, Clone, Copy)]
pub struct Field {
    /// Its JSON name within the row (`disposal.kind` for a nested one).
    pub name: &'static str,
    /// How it is entered.
    pub input: Input,
}

/// A section of the form: a list of rows, or one object.
#[derive(Debug, Clone, Copy)]
pub struct Section {
    /// Its JSON name.
    pub key: &'static str,
    /// Whether it is a list of rows (else one object).
    pub list: bool,
    /// Whether it may be marked "nothing to report".
    pub can_be_empty: bool,
    /// Its fields.
    pub fields: &'static [Field],
}

const fn f(name: &'static str, input: Input) -> Field {
    Field { name, input }
}

use Input::{Bool, Choice, Date, ForeignMoney, List, Money, Month, Number, Text};
use MoneyUnit::{Wan, Yuan};

const RELATIONS: &[&str] = &["self", "spouse", "child", "child_spouse"];
const MARITAL: &[&str] = &["unmarried", "married", "divorced", "widowed"];
const CHANGES: &[&str] = &["marriage", "divorce", "widowed", "remarriage"];
const DOCUMENTS: &[&str] = &["passport", "hk_macao_permit", "taiwan_permit"];
const PURPOSES: &[&str] = &[
    "family", "friends", "study", "work", "academic", "medical", "tourism", "property", "other",
];
const REGIONS: &[&str] = &["foreign", "stateless", "hk", "macao", "taiwan"];
const RESIDENCE: &[&str] = &[
    "nationality",
    "permanent_residence",
    "long_term_residence",
    "living_abroad",
];
const EMPLOYERS: &[&str] = &[
    "party_state",
    "public_institution",
    "soe",
    "student",
    "individual_business",
    "private",
    "foreign_invested",
    "foreign",
    "rep_office",
    "unemployed",
    "retired",
    "other",
];
const STAGES: &[&str] = &[
    "investigation",
    "prosecution",
    "trial",
    "serving",
    "completed",
    "detention",
    "other",
];
const LABOR: &[&str] = &[
    "lecture",
    "writing",
    "consulting",
    "reviewing",
    "calligraphy_painting",
    "other",
];
const PROPERTY: &[&str] = &[
    "commodity",
    "resettlement",
    "affordable",
    "garage",
    "parking",
    "storage",
    "other",
];
const SOURCES: &[&str] = &["purchase", "inheritance", "gift", "self_built", "other"];
const DISPOSALS: &[&str] = &["sale", "gift", "other"];
const FORMS: &[&str] = &[
    "joint_stock",
    "llc",
    "individual_business",
    "sole_proprietorship",
    "partnership",
    "foreign",
    "other",
];
const BUSINESS_STATUS: &[&str] = &["active", "revoked", "withdrawn", "moved", "other"];
const ROLES: &[&str] = &[
    "legal_representative",
    "chair",
    "vice_chair",
    "director",
    "supervisor",
    "general_manager",
    "deputy_general_manager",
    "cfo",
    "board_secretary",
    "chief_representative",
];

/// Every section of the annual report, in the order of the form (family first). Amounts are in
/// the units of the official form: income in 元; prices, holdings, premiums and capital in 万元;
/// deposits and investments abroad in their own currency.
pub const SECTIONS: &[Section] = &[
    Section {
        key: "persons",
        list: true,
        can_be_empty: false,
        fields: &[
            f("ref", Text),
            f("relation", Choice(RELATIONS)),
            f("name", Text),
            f("id", Text),
            f("nationality", Text),
            f("co_residing", Bool),
            f("of", Text),
        ],
    },
    Section {
        key: "marriage",
        list: false,
        can_be_empty: false,
        fields: &[
            f("status", Choice(MARITAL)),
            f("last_change.kind", Choice(CHANGES)),
            f("last_change.on", Date),
        ],
    },
    Section {
        key: "travel_documents",
        list: true,
        can_be_empty: true,
        fields: &[
            f("holder", Text),
            f("kind", Choice(DOCUMENTS)),
            f("number", Text),
            f("issued_on", Date),
            f("expires_on", Date),
            f("kept_by", Text),
        ],
    },
    Section {
        key: "trips",
        list: true,
        can_be_empty: true,
        fields: &[
            f("traveller", Text),
            f("departed_on", Date),
            f("returned_on", Date),
            f("destinations", List),
            f("purpose", Choice(PURPOSES)),
            f("document_number", Text),
        ],
    },
    Section {
        key: "child_marriages",
        list: true,
        can_be_empty: true,
        fields: &[
            f("child", Text),
            f("spouse", Text),
            f("region", Choice(REGIONS)),
            f("married_on", Date),
        ],
    },
    Section {
        key: "residence_abroad",
        list: true,
        can_be_empty: true,
        fields: &[
            f("person", Text),
            f("country", Text),
            f("status", Choice(RESIDENCE)),
            f("since", Date),
        ],
    },
    Section {
        key: "employment",
        list: true,
        can_be_empty: true,
        fields: &[
            f("person", Text),
            f("employer", Text),
            f("employer_credit_code", Text),
            f("position", Text),
            f("employer_type", Choice(EMPLOYERS)),
            f("abroad", Bool),
        ],
    },
    Section {
        key: "criminal_cases",
        list: true,
        can_be_empty: true,
        fields: &[
            f("person", Text),
            f("since", Date),
            f("stage", Choice(STAGES)),
            f("reason", Text),
            f("outcome", Text),
        ],
    },
    Section {
        key: "salary",
        list: false,
        can_be_empty: false,
        fields: &[
            f("wages", Money(Yuan)),
            f("bonuses", Money(Yuan)),
            f("other", Money(Yuan)),
        ],
    },
    Section {
        key: "labor_income",
        list: true,
        can_be_empty: true,
        fields: &[
            f("kind", Choice(LABOR)),
            f("payer", Text),
            f("amount", Money(Yuan)),
        ],
    },
    Section {
        key: "real_estate",
        list: true,
        can_be_empty: true,
        fields: &[
            f("owners", List),
            f("certificate_number", Text),
            f("address", Text),
            f("area_m2", Number),
            f("kind", Choice(PROPERTY)),
            f("source", Choice(SOURCES)),
            f("acquired_on", Month),
            f("price", Money(Wan)),
            f("disposal.kind", Choice(DISPOSALS)),
            f("disposal.on", Date),
            f("disposal.price", Money(Wan)),
        ],
    },
    Section {
        key: "stocks",
        list: true,
        can_be_empty: true,
        fields: &[
            f("holder", Text),
            f("code", Text),
            f("name", Text),
            f("shares", Number),
            f("market_value", Money(Wan)),
        ],
    },
    Section {
        key: "funds",
        list: true,
        can_be_empty: true,
        fields: &[
            f("holder", Text),
            f("code", Text),
            f("name", Text),
            f("units", Number),
            f("net_value", Money(Wan)),
        ],
    },
    Section {
        key: "insurance",
        list: true,
        can_be_empty: true,
        fields: &[
            f("policyholder", Text),
            f("insurer", Text),
            f("product", Text),
            f("policy_number", Text),
            f("premiums_paid", Money(Wan)),
        ],
    },
    Section {
        key: "businesses",
        list: true,
        can_be_empty: true,
        fields: &[
            f("person", Text),
            f("credit_code", Text),
            f("name", Text),
            f("form", Choice(FORMS)),
            f("status", Choice(BUSINESS_STATUS)),
            f("registered_capital", Money(Wan)),
            f("shareholder", Bool),
            f("subscribed", Money(Wan)),
            f("share_pct", Number),
            f("paid_in", Money(Wan)),
            f("invested_on", Month),
            f("senior_role", Choice(ROLES)),
        ],
    },
    Section {
        key: "overseas_deposits",
        list: true,
        can_be_empty: true,
        fields: &[
            f("holder", Text),
            f("country", Text),
            f("institution", Text),
            f("account", Text),
            f("currency", Text),
            f("amount", ForeignMoney),
        ],
    },
    Section {
        key: "overseas_investments",
        list: true,
        can_be_empty: true,
        fields: &[
            f("holder", Text),
            f("country", Text),
            f("description", Text),
            f("currency", Text),
            f("amount", ForeignMoney),
        ],
    },
];

fn section(key: &str) -> Option<&'static Section> {
    SECTIONS.iter().find(|s| s.key == key)
}

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
    for s in SECTIONS {
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
    let nothing: Vec<Value> = SECTIONS
        .iter()
        .filter(|s| s.can_be_empty && value_of(&format!("nothing.{}", s.key)).is_some())
        .map(|s| Value::String(s.key.to_owned()))
        .collect();
    report.insert("nothing_to_report".into(), Value::Array(nothing));
    if let Some(text) = value_of("other_matters").filter(|t| !t.trim().is_empty()) {
        report.insert("other_matters".into(), Value::String(text.to_owned()));
    }
    (Value::Object(report), unit_issues)
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

/// Where on the form a JSON path lands.
struct Place {
    /// The element id.
    anchor: String,
    section: Option<&'static Section>,
    row: Option<usize>,
    field: Option<&'static Field>,
}

/// The element an issue at `path` is shown at: its field, else its row, else its section (or the
/// section's "nothing to report" box), else the form as a whole.
fn place(path: &str, report: &Value) -> Place {
    let form = |anchor: &str| Place {
        anchor: anchor.to_owned(),
        section: None,
        row: None,
        field: None,
    };
    let p = path.strip_prefix("$.").unwrap_or("");
    if ["filed_on", "other_matters", "commitment"].contains(&p) {
        return form(p);
    }
    if let Some(rest) = p.strip_prefix("nothing_to_report[") {
        let named = rest
            .split(']')
            .next()
            .and_then(|i| i.parse::<usize>().ok())
            .and_then(|i| report.get("nothing_to_report")?.get(i)?.as_str())
            .and_then(section)
            .filter(|s| s.can_be_empty);
        return match named {
            Some(s) => Place {
                anchor: format!("nothing.{}", s.key),
                section: Some(s),
                row: None,
                field: None,
            },
            None => form("report-form"),
        };
    }
    for s in SECTIONS {
        let Some(rest) = p.strip_prefix(s.key) else {
            continue;
        };
        if rest.is_empty() {
            return Place {
                anchor: s.key.to_owned(),
                section: Some(s),
                row: None,
                field: None,
            };
        }
        let (row, row_id, tail) = if s.list {
            let Some((index, tail)) = rest
                .strip_prefix('[')
                .and_then(|r| r.split_once(']'))
                .and_then(|(i, t)| Some((i.parse::<usize>().ok()?, t)))
            else {
                continue;
            };
            (Some(index), format!("{}[{index}]", s.key), tail)
        } else if rest.starts_with('.') {
            (None, s.key.to_owned(), rest)
        } else {
            continue;
        };
        let tail = tail.strip_prefix('.').unwrap_or(tail);
        // The field the path is in (`owners[1]` is in `owners`), or the first of the fields
        // under it (`last_change` holds `last_change.kind`).
        let field = s
            .fields
            .iter()
            .find(|f| {
                tail == f.name
                    || tail.starts_with(&format!("{}.", f.name))
                    || tail.starts_with(&format!("{}[", f.name))
            })
            .or_else(|| {
                (!tail.is_empty())
                    .then(|| {
                        s.fields
                            .iter()
                            .find(|f| f.name.starts_with(&format!("{tail}.")))
                    })
                    .flatten()
            });
        return Place {
            anchor: match field {
                Some(f) => format!("{row_id}.{}", f.name),
                None => row_id,
            },
            section: Some(s),
            row,
            field,
        };
    }
    form("report-form")
}

/// The issues as the page shows them, in the reader's language.
pub(crate) fn issue_views(t: Tr, report: &Value, issues: &[Issue]) -> Vec<IssueView> {
    issues
        .iter()
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
    SECTIONS
        .iter()
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
            SectionView {
                key: s.key,
                list: s.list,
                can_be_empty: s.can_be_empty,
                nothing: nothing.contains(&s.key),
                rows,
                errors,
            }
        })
        .collect()
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
    sections: Vec<SectionView>,
    other_matters: String,
    issues: Vec<IssueView>,
    ready: bool,
    saved: bool,
}

impl FilePage {
    /// Messages about one of the form's own fields (report date, other matters, commitment).
    fn errors_at(&self, anchor: &str) -> Vec<String> {
        self.issues
            .iter()
            .filter(|i| i.anchor == anchor)
            .map(|i| i.message.clone())
            .collect()
    }
}

#[derive(Deserialize)]
pub(crate) struct FileQuery {
    year: Option<i32>,
    kind: Option<String>,
    /// A filed report of one's own to correct: the form starts from its content, as a new
    /// version that supersedes it.
    correct: Option<String>,
}

/// The draft of the signed-in declarant, or a new report with the header filled in.
async fn draft_or_new(
    app: &App,
    ctx: &Ctx,
    person_key: &str,
    year: i32,
    kind: &str,
) -> Result<Value, WebError> {
    if let Some(text) = app
        .store
        .draft(person_key, year, kind)
        .await
        .map_err(|e| WebError::internal(ctx.t, e))?
        && let Ok(v) = serde_json::from_str::<Value>(&text)
        && v.is_object()
    {
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
    Ok(json!({
        "format": "probity.declaration/1",
        "profile": "cn",
        "declaration_id": format!("{}{year}-{}-{stamp}", kind[..1].to_uppercase(), &person_key[..8]),
        "declarant_id": id,
        "kind": kind,
        "year": year,
        "filed_on": crate::now().format("%Y-%m-%d").to_string(),
        "persons": [{"ref": "self", "relation": "self", "name": name, "id": id}],
        "marriage": {},
        "salary": {},
        "nothing_to_report": [],
    }))
}

fn render(ctx: &Ctx, report: &Value, issues: Vec<IssueView>, ready: bool, saved: bool) -> Response {
    let status = if issues.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    let page = FilePage {
        t: ctx.t,
        user: ctx.user.clone(),
        csrf: ctx.csrf.clone(),
        year: report
            .get("year")
            .and_then(Value::as_i64)
            .unwrap_or_default() as i32,
        kind: shown(report.get("kind")),
        filed_on: shown(report.get("filed_on")),
        sections: views(ctx.t, report, &issues),
        other_matters: shown(report.get("other_matters")),
        issues,
        ready,
        saved,
    };
    (status, page).into_response()
}

fn year_kind(q: &FileQuery) -> (i32, String) {
    let year = q
        .year
        .unwrap_or_else(|| chrono::Datelike::year(&crate::now()) - 1);
    let kind = q
        .kind
        .clone()
        .filter(|k| ["annual", "change", "initial"].contains(&k.as_str()))
        .unwrap_or_else(|| "annual".into());
    (year, kind)
}

pub(crate) async fn file_page(
    State(app): State<Arc<App>>,
    Query(q): Query<FileQuery>,
    headers: HeaderMap,
) -> Result<Response, WebError> {
    let ctx = Ctx::of(&app, &headers).await?;
    let user = ctx.with_role(&[Role::Declarant])?;
    let person = user.person_key.clone().unwrap_or_default();
    if let Some(id) = &q.correct {
        let (summary, content) = crate::readable_report(&app, &ctx, id).await?;
        if summary.person_key != person {
            return Err(WebError::Forbidden(ctx.t));
        }
        let mut report: Value =
            serde_json::from_str(&content).map_err(|e| WebError::internal(ctx.t, e))?;
        let stamp = crate::now().format("%Y%m%d%H%M%S").to_string();
        report["declaration_id"] = Value::String(format!("{id}-c{stamp}"));
        report["supersedes"] = Value::String(id.clone());
        let year = summary.year as i32;
        app.store
            .save_draft(
                &ctx.stamp(),
                &person,
                year,
                &summary.kind,
                &report.to_string(),
            )
            .await
            .map_err(|e| WebError::internal(ctx.t, e))?;
        return Ok(
            Redirect::to(&format!("/file?year={year}&kind={}", summary.kind)).into_response(),
        );
    }
    let (year, kind) = year_kind(&q);
    let report = draft_or_new(&app, &ctx, &person, year, &kind).await?;
    Ok(render(&ctx, &report, Vec::new(), false, false))
}

/// The report parsed and validated by the domain rules, or every issue.
pub(crate) fn parse_report(report: &Value) -> Result<probity_model::Declaration, Vec<Issue>> {
    let profiles: Vec<probity_model::Profile> = probity_model::Profile::builtin_ids()
        .filter_map(|id| probity_model::Profile::builtin(id).ok())
        .collect();
    probity_model::validation::parse_and_validate(report, |id| profiles.iter().find(|p| p.id == id))
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

pub(crate) async fn file_post(
    State(app): State<Arc<App>>,
    Query(q): Query<FileQuery>,
    headers: HeaderMap,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Result<Response, WebError> {
    let ctx = Ctx::of(&app, &headers).await?;
    let user = ctx.with_role(&[Role::Declarant])?.clone();
    let csrf = pairs
        .iter()
        .find(|(k, _)| k == "csrf")
        .map(|(_, v)| v.as_str())
        .unwrap_or("");
    ctx.check_form(&headers, csrf)?;
    let person = user.person_key.clone().unwrap_or_default();
    let (year, kind) = year_kind(&q);
    let draft = draft_or_new(&app, &ctx, &person, year, &kind).await?;
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
        .save_draft(&ctx.stamp(), &person, year, &kind, &text)
        .await
        .map_err(|e| WebError::internal(ctx.t, e))?;
    match action.as_str() {
        "review" | "submit" => {
            let t = ctx.t;
            let declaration = match parse_report(&report) {
                Ok(d) if unit_issues.is_empty() => d,
                Ok(_) => {
                    let views = issue_views(t, &report, &unit_issues);
                    return Ok(render(&ctx, &report, views, false, true));
                }
                Err(issues) => {
                    let issues = with_unit_issues(issues, unit_issues);
                    let views = issue_views(t, &report, &issues);
                    return Ok(render(&ctx, &report, views, false, true));
                }
            };
            if action == "review" {
                return Ok(render(&ctx, &report, Vec::new(), true, true));
            }
            if !pairs.iter().any(|(k, v)| k == "commitment" && v == "1") {
                let issue = shown_issue(t, &report, "$.commitment", t.get("commitment-needed"));
                return Ok(render(&ctx, &report, vec![issue], true, true));
            }
            if user.person_key.as_deref()
                != Some(app.store.person_key(&declaration.declarant_id).as_str())
            {
                return Err(WebError::Forbidden(ctx.t));
            }
            match app
                .store
                .submit_declaration(&ctx.stamp(), &declaration, &text)
                .await
            {
                Ok(_) => Ok(
                    Redirect::to(&format!("/reports/{}", declaration.declaration_id))
                        .into_response(),
                ),
                Err(probity_store::StoreError::Rejected { field, message, .. }) => {
                    // The store's refusals are in English: say so in the reader's language.
                    let message = t.with_text("issue-store-rejected", &[("detail", message)]);
                    let issue = shown_issue(t, &report, &field, message);
                    Ok(render(&ctx, &report, vec![issue], false, true))
                }
                Err(e) => Err(WebError::internal(ctx.t, e)),
            }
        }
        _ => Ok(render(&ctx, &report, Vec::new(), false, true)),
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    /// What a browser posts for the form as the page shows `report`.
    fn posted(report: &Value) -> (Vec<(String, String)>, usize) {
        let t = Tr {
            lang: crate::i18n::Lang::Zh,
        };
        let mut wan_fields = 0;
        let mut pairs = vec![("filed_on".to_owned(), shown(report.get("filed_on")))];
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
                        if f.unit == Some("unit-wan") && !f.value.is_empty() {
                            wan_fields += 1;
                        }
                        pairs.push((f.name, f.value));
                    }
                }
            }
        }
        if let Some(o) = report.get("other_matters") {
            pairs.push(("other_matters".into(), shown(Some(o))));
        }
        (pairs, wan_fields)
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
