//! Validation of one report: its form (every value parses, no unknown fields) and the rules of
//! FORMATS.md and PRODUCT.md that tie its values together. Every problem is returned at once, each
//! with the JSON path of the value at fault, so that the CLI and the web form show the same words.

use std::collections::{HashMap, HashSet};

use serde::de::DeserializeOwned;
use serde_json::{Map, Value};

use crate::declaration::*;
use crate::finding::Category;
use crate::profile::{Covered, Profile};
use crate::time::Date;

pub use crate::issue::{Arg, Issue, IssueCode};
use IssueCode as C;

/// A named argument shown as it is.
fn a(name: &'static str, value: impl ToString) -> (&'static str, Arg) {
    (name, Arg::Text(value.to_string()))
}

/// Parses and validates one report given as JSON. `profile_for` finds the profile the report
/// names. Returns the report, or every problem found.
pub fn parse_and_validate<'p>(
    value: &Value,
    profile_for: impl Fn(&str) -> Option<&'p Profile>,
) -> Result<Declaration, Vec<Issue>> {
    let declaration = match parse(value) {
        Ok(d) => d,
        Err(mut issues) => {
            // The rules still apply to whatever did parse: report those problems too.
            if let Some(partial) = partial(value)
                && let Some(profile) = profile_for(&partial.declaration.profile)
            {
                for issue in partial.remap(validate(&partial.declaration, profile)) {
                    // The form pass may already have said it (a missing field, say).
                    if !issues
                        .iter()
                        .any(|i| i.path == issue.path && i.code == issue.code)
                    {
                        issues.push(issue);
                    }
                }
            }
            return Err(issues);
        }
    };
    let Some(profile) = profile_for(&declaration.profile) else {
        return Err(vec![Issue::new(
            "$.profile",
            C::UnknownProfile,
            vec![a("profile", &declaration.profile)],
            format!("unknown profile {:?}", declaration.profile),
        )]);
    };
    let issues = validate(&declaration, profile);
    if issues.is_empty() {
        Ok(declaration)
    } else {
        Err(issues)
    }
}

/// Parses and validates one report with every issue at once, form and rule issues together, in
/// the order of the form ([`crate::form::order`]): the issues of the report as it is, then those
/// the rules find once the values the form refused are set aside (removed; a required one given a
/// neutral value), round after round until nothing new is found. So one round of corrections
/// suffices for any mix of mistakes. `profile_for` finds the profile the report names.
pub fn parse_and_validate_all<'p>(
    value: &Value,
    profile_for: impl Fn(&str) -> Option<&'p Profile>,
) -> Result<Declaration, Vec<Issue>> {
    every_issue(value, &profile_for).map_err(|mut issues| {
        issues.sort_by_key(|i| crate::form::order(&i.path, value));
        issues
    })
}

/// The report, or every issue of it (not yet in form order).
fn every_issue<'p>(
    report: &Value,
    profile_for: &impl Fn(&str) -> Option<&'p Profile>,
) -> Result<Declaration, Vec<Issue>> {
    let mut issues = match parse_and_validate(report, profile_for) {
        Ok(d) => return Ok(d),
        Err(issues) => issues,
    };
    let mut repaired = report.clone();
    let mut tried: Vec<(String, u8)> = Vec::new();
    let mut round: Vec<String> = issues.iter().map(|i| i.path.clone()).collect();
    for _ in 0..12 {
        let mut changed = false;
        for path in &round {
            let attempt = match tried.iter_mut().find(|(p, _)| p == path) {
                Some((_, n)) => {
                    *n += 1;
                    *n
                }
                None => {
                    tried.push((path.clone(), 0));
                    0
                }
            };
            changed |= set_aside(&mut repaired, path, attempt);
        }
        if !changed {
            break;
        }
        let Err(more) = parse_and_validate(&repaired, profile_for) else {
            break;
        };
        // A new place to set aside; or one set aside (removed) that turns out to be required.
        round = more
            .iter()
            .filter(|m| {
                if tried.iter().any(|(p, _)| p == &m.path) {
                    m.code == IssueCode::MissingField
                } else {
                    !issues.iter().any(|i| i.path == m.path)
                }
            })
            .map(|m| m.path.clone())
            .collect();
        for m in more {
            if !issues.iter().any(|i| i.path == m.path) {
                issues.push(m);
            }
        }
    }
    Err(issues)
}

/// A neutral value of the kind the form's field at `path` holds, in place of a required one
/// the form refused, so that the rest of its row can be checked.
fn placeholder(path: &str, filed_on: Option<&str>) -> Value {
    let input = crate::form::place(path, &Value::Null)
        .field
        .map(|f| f.input);
    // The report date: a date no rule finds too late, and not one a reader would make up.
    let day = filed_on
        .filter(|d| Date::parse(d).is_ok())
        .unwrap_or("2000-01-01");
    Value::String(
        match input {
            Some(crate::form::Input::Date) => day,
            Some(crate::form::Input::Month) => day.get(..7).unwrap_or("2000-01"),
            Some(crate::form::Input::Choice(options)) => options.first().copied().unwrap_or("0"),
            Some(crate::form::Input::Text) => "-",
            Some(crate::form::Input::List) => return Value::Array(Vec::new()),
            Some(crate::form::Input::Bool) => return Value::Bool(false),
            _ => "0",
        }
        .to_owned(),
    )
}

/// Sets aside the value at a JSON path (`$.real_estate[0].price`) so the rest can be checked:
/// first removed, then (a required one) given a [`placeholder`]. Whether it changed anything.
fn set_aside(report: &mut Value, path: &str, attempt: u8) -> bool {
    let Some(p) = path.strip_prefix("$.") else {
        return false;
    };
    let filed_on = report
        .get("filed_on")
        .and_then(Value::as_str)
        .map(str::to_owned);
    // Only a field's value is set aside, never a section as a whole.
    if crate::form::place(path, &Value::Null).field.is_none() {
        return false;
    }
    // Path parts: `real_estate[0].owners[1]` → real_estate, 0, owners, 1.
    let mut parts: Vec<Result<usize, &str>> = Vec::new();
    for piece in p.split('.') {
        let mut rest = piece;
        if let Some(i) = rest.find('[') {
            parts.push(Err(&rest[..i]));
            rest = &rest[i..];
            while let Some(close) = rest.find(']') {
                match rest[1..close].parse::<usize>() {
                    Ok(n) => parts.push(Ok(n)),
                    Err(_) => return false,
                }
                rest = &rest[close + 1..];
            }
        } else {
            parts.push(Err(rest));
        }
    }
    let (parent_parts, last) = match attempt {
        0 | 1 => match parts.split_last() {
            Some((last, parent)) => (parent.to_vec(), *last),
            None => return false,
        },
        // A placeholder the rules still refuse is said as it is: the row is never dropped
        // (that would hide its other issues, or invent "section empty").
        _ => return false,
    };
    let mut at = &mut *report;
    for part in &parent_parts {
        let next = match (part, at) {
            (Ok(i), Value::Array(items)) => items.get_mut(*i),
            (Err(k), Value::Object(m)) => m.get_mut(*k),
            _ => None,
        };
        match next {
            Some(v) => at = v,
            None => return false,
        }
    }
    match (last, at, attempt) {
        (Err(k), Value::Object(m), 0) => {
            if m.remove(k).is_none() {
                m.insert(k.to_owned(), placeholder(path, filed_on.as_deref()));
            }
            true
        }
        (Err(k), Value::Object(m), 1) => {
            m.insert(k.to_owned(), placeholder(path, filed_on.as_deref()));
            true
        }
        _ => false,
    }
}

/// A report with its unparseable section items left out, and where the rest stood.
struct Partial {
    declaration: Declaration,
    /// Per section key: the original index of each kept item.
    kept: Vec<(&'static str, Vec<usize>)>,
}

/// The report without the section items that do not parse; `None` when something the rules
/// need throughout (a top-level field, a person, `nothing_to_report`) does not parse.
fn partial(value: &Value) -> Option<Partial> {
    let Value::Object(obj) = value else {
        return None;
    };
    let mut trimmed = obj.clone();
    let mut kept = Vec::new();
    for section in Section::ALL {
        let key = section.key();
        let Some(Value::Array(items)) = obj.get(key) else {
            continue;
        };
        let mut keep = Vec::new();
        let mut values = Vec::new();
        for (i, item) in items.iter().enumerate() {
            if section_item_parses(section, item) {
                keep.push(i);
                values.push(item.clone());
            }
        }
        if values.is_empty() {
            trimmed.remove(key);
        } else {
            trimmed.insert(key.to_owned(), Value::Array(values));
        }
        kept.push((key, keep));
    }
    let declaration: Declaration = serde_json::from_value(Value::Object(trimmed)).ok()?;
    Some(Partial { declaration, kept })
}

fn section_item_parses(section: Section, item: &Value) -> bool {
    fn ok<T: DeserializeOwned>(v: &Value) -> bool {
        T::deserialize(v).is_ok()
    }
    match section {
        Section::TravelDocuments => ok::<TravelDocument>(item),
        Section::Trips => ok::<Trip>(item),
        Section::ChildMarriages => ok::<ChildMarriage>(item),
        Section::ResidenceAbroad => ok::<ResidenceAbroad>(item),
        Section::Employment => ok::<Employment>(item),
        Section::CriminalCases => ok::<CriminalCase>(item),
        Section::LaborIncome => ok::<LaborIncome>(item),
        Section::RealEstate => ok::<RealEstate>(item),
        Section::Stocks => ok::<StockHolding>(item),
        Section::Funds => ok::<FundHolding>(item),
        Section::Insurance => ok::<InsurancePolicy>(item),
        Section::Businesses => ok::<Business>(item),
        Section::OverseasDeposits => ok::<OverseasDeposit>(item),
        Section::OverseasInvestments => ok::<OverseasInvestment>(item),
    }
}

impl Partial {
    /// Puts the rule problems of the trimmed report back at the original items' paths, and drops
    /// "section empty" for a section whose items were all left out (it was not empty).
    fn remap(&self, issues: Vec<Issue>) -> Vec<Issue> {
        issues
            .into_iter()
            .filter_map(|mut issue| {
                for (key, keep) in &self.kept {
                    let section_path = format!("$.{key}");
                    if issue.path == section_path && keep.is_empty() {
                        return None;
                    }
                    if let Some(rest) = issue.path.strip_prefix(&format!("{section_path}["))
                        && let Some((index, tail)) = rest.split_once(']')
                        && let Ok(k) = index.parse::<usize>()
                        && let Some(original) = keep.get(k)
                    {
                        issue.path = format!("{section_path}[{original}]{tail}");
                    }
                }
                Some(issue)
            })
            .collect()
    }
}

/// The issue of one text at `path`, if [`crate::text::text_problem`] refuses it.
fn text_issue(text: &str, path: &str) -> Option<Issue> {
    use crate::text::{MAX_TEXT_BYTES, TextProblem};
    let problem = crate::text::text_problem(text)?;
    Some(match problem {
        TextProblem::TooLong(n) => Issue::new(
            path,
            C::TextTooLong,
            vec![
                ("limit", MAX_TEXT_BYTES.to_string().into()),
                ("length", n.to_string().into()),
            ],
            problem.to_string(),
        ),
        TextProblem::Control(c) => Issue::new(
            path,
            C::ControlCharacter,
            vec![("character", format!("U+{c:04X}").into())],
            problem.to_string(),
        ),
    })
}

/// Every string of a report (keys too) that [`crate::text::text_problem`] refuses, at its path.
fn text_fields(value: &Value, path: &str, issues: &mut Vec<Issue>) {
    match value {
        Value::String(s) => issues.extend(text_issue(s, path)),
        Value::Array(items) => {
            for (i, item) in items.iter().enumerate() {
                text_fields(item, &format!("{path}[{i}]"), issues);
            }
        }
        Value::Object(map) => {
            for (key, item) in map {
                // A key is text too, named by its object's path; a bad key's value is not
                // looked at.
                match text_issue(key, path) {
                    Some(issue) => issues.push(issue),
                    None => text_fields(item, &format!("{path}.{key}"), issues),
                }
            }
        }
        _ => {}
    }
}

/// Parses the form of a report: types, enumerations, required and unknown fields. On failure every
/// field and every section item is tried on its own, so that all form errors are reported at once.
pub fn parse(value: &Value) -> Result<Declaration, Vec<Issue>> {
    // Text no field may hold (too long, control characters) is refused before anything else.
    let mut text_issues = Vec::new();
    text_fields(value, "$", &mut text_issues);
    if !text_issues.is_empty() {
        return Err(text_issues);
    }
    let first = match serde_path_to_error::deserialize::<_, Declaration>(value) {
        Ok(d) => return Ok(d),
        Err(e) => issue_from_serde("$", value, e),
    };
    let Value::Object(obj) = value else {
        return Err(vec![Issue::new(
            "$",
            C::NotAnObject,
            vec![],
            "a declaration is a JSON object",
        )]);
    };
    let mut issues = Vec::new();
    let mut form = Form {
        obj,
        issues: &mut issues,
    };
    form.scalar::<String>("format", true);
    form.scalar::<String>("profile", true);
    form.scalar::<String>("declaration_id", true);
    form.scalar::<crate::ids::ResidentId>("declarant_id", true);
    form.scalar::<ReportKind>("kind", true);
    form.scalar::<i32>("year", true);
    form.scalar::<Date>("filed_on", true);
    form.scalar::<Option<String>>("supersedes", false);
    form.scalar::<Change>("change", false);
    form.items::<Person>("persons", true);
    form.items::<Section>("nothing_to_report", false);
    // Annual and initial reports always carry marriage and salary; a change report only what
    // it names (the rules check that when the rest parses).
    let full_report = obj.get("kind").and_then(Value::as_str) != Some("change");
    form.scalar::<Marriage>("marriage", full_report);
    form.items::<TravelDocument>("travel_documents", false);
    form.items::<Trip>("trips", false);
    form.items::<ChildMarriage>("child_marriages", false);
    form.items::<ResidenceAbroad>("residence_abroad", false);
    form.items::<Employment>("employment", false);
    form.items::<CriminalCase>("criminal_cases", false);
    form.scalar::<Salary>("salary", full_report);
    form.items::<LaborIncome>("labor_income", false);
    form.items::<RealEstate>("real_estate", false);
    form.items::<StockHolding>("stocks", false);
    form.items::<FundHolding>("funds", false);
    form.items::<InsurancePolicy>("insurance", false);
    form.items::<Business>("businesses", false);
    form.items::<OverseasDeposit>("overseas_deposits", false);
    form.items::<OverseasInvestment>("overseas_investments", false);
    form.scalar::<String>("other_matters", false);
    const KNOWN: [&str; 28] = [
        "format",
        "profile",
        "declaration_id",
        "declarant_id",
        "kind",
        "year",
        "filed_on",
        "supersedes",
        "change",
        "persons",
        "nothing_to_report",
        "marriage",
        "travel_documents",
        "trips",
        "child_marriages",
        "residence_abroad",
        "employment",
        "criminal_cases",
        "salary",
        "labor_income",
        "real_estate",
        "stocks",
        "funds",
        "insurance",
        "businesses",
        "overseas_deposits",
        "overseas_investments",
        "other_matters",
    ];
    for key in obj.keys().filter(|k| !KNOWN.contains(&k.as_str())) {
        issues.push(Issue::new(
            format!("$.{key}"),
            C::UnknownField,
            vec![],
            "unknown field",
        ));
    }
    if issues.is_empty() {
        // The field-by-field pass found nothing the whole pass did: report what it said.
        issues.push(first);
    }
    Err(issues)
}

/// Field-by-field deserialisation of a report object, collecting issues.
struct Form<'a> {
    obj: &'a Map<String, Value>,
    issues: &'a mut Vec<Issue>,
}

impl Form<'_> {
    fn scalar<T: DeserializeOwned>(&mut self, key: &str, required: bool) {
        match self.obj.get(key) {
            None if required => self.issues.push(missing(format!("$.{key}"))),
            None => {}
            Some(v) => {
                if let Err(e) = serde_path_to_error::deserialize::<_, T>(v) {
                    self.issues
                        .push(issue_from_serde(&format!("$.{key}"), v, e));
                }
            }
        }
    }

    fn items<T: DeserializeOwned>(&mut self, key: &str, required: bool) {
        match self.obj.get(key) {
            None if required => self.issues.push(missing(format!("$.{key}"))),
            None => {}
            Some(Value::Array(items)) => {
                for (i, v) in items.iter().enumerate() {
                    if let Err(e) = serde_path_to_error::deserialize::<_, T>(v) {
                        self.issues
                            .push(issue_from_serde(&format!("$.{key}[{i}]"), v, e));
                    }
                }
            }
            Some(_) => self.issues.push(Issue::new(
                format!("$.{key}"),
                C::NotAList,
                vec![],
                "expected a list",
            )),
        }
    }
}

fn missing(path: String) -> Issue {
    Issue::new(path, C::MissingField, vec![], "missing field")
}

/// Turns a serde error into an issue at the path of the value at fault, naming an unknown or
/// missing field as part of the path rather than burying it in the message. `value` is what
/// was deserialised, so that the value at fault can be read again to name the code.
fn issue_from_serde(
    prefix: &str,
    value: &Value,
    e: serde_path_to_error::Error<serde_json::Error>,
) -> Issue {
    use serde_path_to_error::Segment;
    let mut path = prefix.to_owned();
    let mut raw = Some(value);
    for segment in e.path().iter() {
        match segment {
            Segment::Seq { index } => {
                path.push_str(&format!("[{index}]"));
                raw = raw.and_then(|v| v.get(*index));
            }
            Segment::Map { key } => {
                path.push_str(&format!(".{key}"));
                raw = raw.and_then(|v| v.get(key.as_str()));
            }
            Segment::Enum { .. } | Segment::Unknown => {}
        }
    }
    let message = e.into_inner().to_string();
    for (marker, code, what) in [
        ("unknown field `", C::UnknownField, "unknown field"),
        ("missing field `", C::MissingField, "missing field"),
    ] {
        if let Some(rest) = message.strip_prefix(marker)
            && let Some((name, _)) = rest.split_once('`')
        {
            // An unknown field's path already ends in its name; a missing field's does not.
            let suffix = format!(".{name}");
            if !path.ends_with(&suffix) {
                path.push_str(&suffix);
            }
            return Issue::new(path, code, vec![], what);
        }
    }
    let (code, args) = crate::issue::from_serde(raw, &message);
    Issue::new(path, code, args, message)
}

/// Checks the rules that tie a parsed report together. Returns every problem, in form order.
pub fn validate(d: &Declaration, profile: &Profile) -> Vec<Issue> {
    let mut v = Validator {
        d,
        profile,
        issues: Vec::new(),
        persons: d.persons.iter().map(|p| (p.handle.as_str(), p)).collect(),
    };
    v.header();
    v.change();
    v.persons();
    v.sections_filled();
    v.marriage();
    v.documents_and_trips();
    v.family_matters();
    v.income();
    v.property();
    v.securities();
    v.businesses();
    v.overseas();
    v.issues
}

struct Validator<'a> {
    d: &'a Declaration,
    profile: &'a Profile,
    issues: Vec<Issue>,
    persons: HashMap<&'a str, &'a Person>,
}

impl<'a> Validator<'a> {
    fn push(
        &mut self,
        path: impl Into<String>,
        code: IssueCode,
        args: Vec<(&'static str, Arg)>,
        message: impl Into<String>,
    ) {
        self.issues.push(Issue::new(path, code, args, message));
    }

    /// A value that must not be empty text.
    fn empty(&mut self, path: impl Into<String>) {
        self.push(path, C::Empty, vec![], "must not be empty");
    }

    /// An amount or quantity that must be more than zero.
    fn not_positive(&mut self, path: impl Into<String>) {
        self.push(path, C::NotPositive, vec![], "must be more than zero");
    }

    fn header(&mut self) {
        let d = self.d;
        if d.format != FORMAT {
            self.push(
                "$.format",
                C::MustBe,
                vec![a("expected", FORMAT)],
                format!("must be {FORMAT:?}"),
            );
        }
        if d.profile != self.profile.id {
            self.push(
                "$.profile",
                C::MustBe,
                vec![a("expected", &self.profile.id)],
                format!("must be {:?}", self.profile.id),
            );
        }
        if d.declaration_id.trim().is_empty() {
            self.empty("$.declaration_id");
        }
        if d.supersedes.as_deref() == Some(d.declaration_id.as_str()) {
            self.push(
                "$.supersedes",
                C::SupersedesItself,
                vec![],
                "a report cannot supersede itself",
            );
        }
        if d.year < 1990 || d.year > d.filed_on.year() {
            self.push(
                "$.year",
                C::YearOutOfRange,
                vec![a("year", d.year)],
                format!("{} is not a year this report can be on", d.year),
            );
        }
        if d.kind == ReportKind::Annual && d.filed_on.year() <= d.year {
            self.push(
                "$.filed_on",
                C::AnnualFiledEarly,
                vec![a("year", d.year)],
                format!(
                    "an annual report on {} is filed after the year ends",
                    d.year
                ),
            );
        }
    }

    /// The shape of each kind: annual and initial reports carry every matter; a change report
    /// carries `change` and only the sections it names, which must be of the matters the profile
    /// lets a change report carry (FORMATS.md).
    fn change(&mut self) {
        let d = self.d;
        if d.kind != ReportKind::Change {
            if d.change.is_some() {
                self.push(
                    "$.change",
                    C::ChangeOnlyOnChangeReport,
                    vec![],
                    "only a change report carries `change`",
                );
            }
            for (field, absent) in [
                ("marriage", d.marriage.is_none()),
                ("salary", d.salary.is_none()),
            ] {
                if absent {
                    // Annual and initial reports always carry it: absent is a missing field.
                    self.issues.push(missing(format!("$.{field}")));
                }
            }
            return;
        }
        let Some(change) = &d.change else {
            self.push(
                "$.change",
                C::ChangeRequired,
                vec![],
                "a change report gives the date of the change and the sections it carries",
            );
            return;
        };
        self.not_after_filing("$.change.on".into(), change.on);
        if change.sections.is_empty() {
            self.push(
                "$.change.sections",
                C::ChangeNamesNothing,
                vec![],
                "a change report names at least one section",
            );
        }
        let allowed = self.profile.change_categories();
        let mut seen = HashSet::new();
        for (i, category) in change.sections.iter().enumerate() {
            let at = format!("$.change.sections[{i}]");
            if !seen.insert(*category) {
                self.push(
                    at,
                    C::ChangeSectionTwice,
                    vec![a("section", category.as_str())],
                    format!("{} is named twice", category.as_str()),
                );
            } else if !allowed.contains(category) {
                self.push(
                    at,
                    C::NotAChangeMatter,
                    vec![a("section", category.as_str())],
                    format!(
                        "{} is not a matter a change report carries",
                        category.as_str()
                    ),
                );
            } else {
                let empty = match Section::from_key(category.as_str()) {
                    Some(section) => d.section_len(section) == 0,
                    None => *category == Category::Marriage && d.marriage.is_none(),
                };
                if empty {
                    self.push(
                        format!("$.{}", category.as_str()),
                        C::ChangeSectionEmpty,
                        vec![],
                        "a section the change report names holds what changed",
                    );
                }
            }
        }
        for section in Section::ALL {
            let category = Category::ALL
                .into_iter()
                .find(|c| c.as_str() == section.key());
            if d.section_len(section) > 0 && !category.is_some_and(|c| d.carries(c)) {
                self.push(
                    format!("$.{}", section.key()),
                    C::NotNamedInChange,
                    vec![],
                    "a change report holds only the sections `change.sections` names",
                );
            }
        }
        if d.marriage.is_some() && !d.carries(Category::Marriage) {
            self.push(
                "$.marriage",
                C::NotNamedInChange,
                vec![],
                "a change report holds only the sections `change.sections` names",
            );
        }
        if d.salary.is_some() {
            self.push(
                "$.salary",
                C::NotOnChangeReport,
                vec![],
                "a change report carries no salary",
            );
        }
        if !d.nothing_to_report.is_empty() {
            self.push(
                "$.nothing_to_report",
                C::NotOnChangeReport,
                vec![],
                "a change report marks nothing \"nothing to report\"",
            );
        }
    }

    fn persons(&mut self) {
        let d = self.d;
        let mut handles = HashSet::new();
        let mut ids = HashSet::new();
        let mut own = 0;
        let mut spouses = 0;
        for (i, p) in d.persons.iter().enumerate() {
            let at = format!("$.persons[{i}]");
            if p.handle.as_str().trim().is_empty() {
                self.empty(format!("{at}.ref"));
            } else if !handles.insert(p.handle.as_str()) {
                self.push(
                    format!("{at}.ref"),
                    C::RefRepeated,
                    vec![a("ref", p.handle.as_str())],
                    format!("{:?} is used by an earlier person", p.handle.as_str()),
                );
            }
            if p.name.trim().is_empty() {
                self.empty(format!("{at}.name"));
            }
            match (&p.id, &p.nationality) {
                (None, None) => self.push(
                    &at,
                    C::IdOrNationality,
                    vec![],
                    "a person has a resident ID or, without one, a nationality",
                ),
                (Some(id), _) => {
                    if !ids.insert(id.as_str()) {
                        self.push(
                            format!("{at}.id"),
                            C::IdRepeated,
                            vec![],
                            "the same resident ID is given for an earlier person",
                        );
                    }
                    if id.birth_date() > d.filed_on {
                        self.push(
                            format!("{at}.id"),
                            C::BornAfterReport,
                            vec![],
                            "the birth date in this ID is after the report date",
                        );
                    }
                }
                _ => {}
            }
            match p.relation {
                Relation::Own => {
                    own += 1;
                    match &p.id {
                        None => self.push(
                            format!("{at}.id"),
                            C::DeclarantIdRequired,
                            vec![],
                            "the declarant's resident ID is required",
                        ),
                        Some(id) if id != &d.declarant_id => self.push(
                            format!("{at}.id"),
                            C::NotDeclarantId,
                            vec![],
                            "must equal declarant_id",
                        ),
                        _ => {}
                    }
                }
                Relation::Spouse => spouses += 1,
                Relation::Child => {
                    if p.co_residing.is_none() {
                        self.push(
                            format!("{at}.co_residing"),
                            C::CoResidingUnset,
                            vec![],
                            "a child is marked co-residing (true) or not (false)",
                        );
                    }
                }
                Relation::ChildSpouse => match &p.of {
                    None => self.push(
                        format!("{at}.of"),
                        C::OfRequired,
                        vec![],
                        "a child's spouse names the child with `of`",
                    ),
                    Some(of) => {
                        let child = d.person(of).filter(|c| c.relation == Relation::Child);
                        if child.is_none() {
                            self.push(
                                format!("{at}.of"),
                                C::NotAChild,
                                vec![a("ref", of.as_str())],
                                format!("{:?} is not a child in persons", of.as_str()),
                            );
                        }
                    }
                },
            }
            if p.relation != Relation::Child && p.co_residing.is_some() {
                self.push(
                    format!("{at}.co_residing"),
                    C::CoResidingOnlyChild,
                    vec![],
                    "only a child is marked co-residing",
                );
            }
            if p.relation != Relation::ChildSpouse && p.of.is_some() {
                self.push(
                    format!("{at}.of"),
                    C::OfOnlyChildSpouse,
                    vec![],
                    "only a child's spouse has `of`",
                );
            }
        }
        if own != 1 {
            self.push(
                "$.persons",
                C::OneSelf,
                vec![a("found", own)],
                format!("exactly one person has relation \"self\"; found {own}"),
            );
        }
        if spouses > 1 {
            self.push(
                "$.persons",
                C::OneSpouse,
                vec![a("found", spouses)],
                format!("at most one spouse; found {spouses}"),
            );
        }
    }

    fn sections_filled(&mut self) {
        let d = self.d;
        if d.kind == ReportKind::Change {
            // A change report holds only what changed: `change` checks its sections.
            return;
        }
        let mut listed = HashSet::new();
        for (i, s) in d.nothing_to_report.iter().enumerate() {
            if !listed.insert(*s) {
                self.push(
                    format!("$.nothing_to_report[{i}]"),
                    C::ListedTwice,
                    vec![("section", Arg::Section(*s))],
                    format!("{s} is listed twice"),
                );
            } else if d.section_len(*s) > 0 {
                self.push(
                    format!("$.nothing_to_report[{i}]"),
                    C::NothingButItems,
                    vec![("section", Arg::Section(*s))],
                    format!("{s} is marked nothing to report but has items"),
                );
            }
        }
        for s in Section::ALL {
            if d.section_len(s) == 0 && !listed.contains(&s) {
                self.push(
                    format!("$.{s}"),
                    C::SectionUnfilled,
                    vec![],
                    "each section is filled or listed in nothing_to_report",
                );
            }
        }
    }

    /// Checks that `handle` names a person the category covers.
    fn covered(&mut self, at: String, handle: &PersonRef, category: Category) {
        let Some(person) = self.persons.get(handle.as_str()).copied() else {
            self.not_a_ref(at, handle.as_str());
            return;
        };
        let co_residing = person.co_residing == Some(true);
        let ok = self
            .profile
            .covers_person(category, person.relation, co_residing);
        if !ok {
            let covered = self.profile.covers(category);
            let who: Vec<&str> = covered
                .iter()
                .map(|c| match c {
                    Covered::Own => "self",
                    Covered::Spouse => "spouse",
                    Covered::Child => "children",
                    Covered::ChildSpouse => "children's spouses",
                    Covered::CoResidingChild => "co-residing children",
                })
                .collect();
            self.push(
                at,
                C::NotCovered,
                vec![
                    a("ref", handle.as_str()),
                    ("who", Arg::Covered(covered.to_vec())),
                ],
                format!(
                    "{:?} is not someone this section covers ({})",
                    handle.as_str(),
                    who.join(", ")
                ),
            );
        }
    }

    fn not_after_filing(&mut self, at: String, date: Date) {
        if date > self.d.filed_on {
            self.push(
                at,
                C::AfterReportDate,
                vec![a("date", date), a("filed_on", self.d.filed_on)],
                format!("{date} is after the report date {}", self.d.filed_on),
            );
        }
    }

    fn not_a_ref(&mut self, at: String, handle: &str) {
        self.push(
            at,
            C::NotARef,
            vec![a("ref", handle)],
            format!("{handle:?} is not a ref in persons"),
        );
    }

    fn marriage(&mut self) {
        let Some(m) = &self.d.marriage else { return };
        let has_spouse = self
            .d
            .persons
            .iter()
            .any(|p| p.relation == Relation::Spouse);
        use MaritalChangeKind as K;
        use MaritalStatus as S;
        match (m.status, &m.last_change) {
            (S::Unmarried, Some(_)) => self.push(
                "$.marriage.last_change",
                C::NeverMarriedChange,
                vec![],
                "someone never married has no marital change",
            ),
            (S::Married | S::Divorced | S::Widowed, None) => self.push(
                "$.marriage.last_change",
                C::LastChangeRequired,
                vec![],
                "the last marital change is required",
            ),
            (S::Married, Some(c)) if !matches!(c.kind, K::Marriage | K::Remarriage) => self.push(
                "$.marriage.last_change.kind",
                C::MarriedChangeKind,
                vec![],
                "a married declarant's last change is a marriage or remarriage",
            ),
            (S::Divorced, Some(c)) if c.kind != K::Divorce => self.push(
                "$.marriage.last_change.kind",
                C::DivorcedChangeKind,
                vec![],
                "a divorced declarant's last change is a divorce",
            ),
            (S::Widowed, Some(c)) if c.kind != K::Widowed => self.push(
                "$.marriage.last_change.kind",
                C::WidowedChangeKind,
                vec![],
                "a widowed declarant's last change is widowed",
            ),
            _ => {}
        }
        if let Some(c) = &m.last_change {
            self.not_after_filing("$.marriage.last_change.on".into(), c.on);
        }
        if m.status == S::Married && !has_spouse {
            self.push(
                "$.persons",
                C::SpouseRequired,
                vec![],
                "a married declarant lists the spouse",
            );
        }
        if m.status != S::Married && has_spouse {
            self.push(
                "$.marriage.status",
                C::SpouseButNotMarried,
                vec![],
                "a spouse is listed but the status is not married",
            );
        }
    }

    fn documents_and_trips(&mut self) {
        let d = self.d;
        for (i, doc) in d.travel_documents.iter().enumerate() {
            let at = format!("$.travel_documents[{i}]");
            self.covered(
                format!("{at}.holder"),
                &doc.holder,
                Category::TravelDocuments,
            );
            if doc.number.trim().is_empty() {
                self.empty(format!("{at}.number"));
            }
            if doc.expires_on < doc.issued_on {
                self.push(
                    format!("{at}.expires_on"),
                    C::ExpiresBeforeIssued,
                    vec![],
                    "expires before it was issued",
                );
            }
            self.not_after_filing(format!("{at}.issued_on"), doc.issued_on);
        }
        for (i, t) in d.trips.iter().enumerate() {
            let at = format!("$.trips[{i}]");
            self.covered(format!("{at}.traveller"), &t.traveller, Category::Trips);
            if t.returned_on < t.departed_on {
                self.push(
                    format!("{at}.returned_on"),
                    C::ReturnedBeforeDeparting,
                    vec![],
                    "returned before departing",
                );
            }
            self.not_after_filing(format!("{at}.returned_on"), t.returned_on);
            if t.destinations.is_empty() {
                self.push(
                    format!("{at}.destinations"),
                    C::DestinationRequired,
                    vec![],
                    "name at least one destination",
                );
            }
            if let Some(j) = t
                .destinations
                .iter()
                .position(|c| c.as_str() == self.profile.home_country.as_str())
            {
                self.push(
                    format!("{at}.destinations[{j}]"),
                    C::NotAbroad,
                    vec![],
                    "the mainland is not a destination abroad",
                );
            }
            if t.document_number.trim().is_empty() {
                self.empty(format!("{at}.document_number"));
            }
        }
    }

    fn family_matters(&mut self) {
        let d = self.d;
        for (i, m) in d.child_marriages.iter().enumerate() {
            let at = format!("$.child_marriages[{i}]");
            self.covered(format!("{at}.child"), &m.child, Category::ChildMarriages);
            match self.persons.get(m.child.as_str()) {
                Some(c) if c.relation != Relation::Child => self.push(
                    format!("{at}.child"),
                    C::MustBeChild,
                    vec![],
                    "must be a child",
                ),
                _ => {}
            }
            match self.persons.get(m.spouse.as_str()).copied() {
                None => self.not_a_ref(format!("{at}.spouse"), m.spouse.as_str()),
                Some(s)
                    if s.relation != Relation::ChildSpouse || s.of.as_ref() != Some(&m.child) =>
                {
                    self.push(
                        format!("{at}.spouse"),
                        C::NotChildsSpouse,
                        vec![],
                        "must be a child's spouse whose `of` is this child",
                    )
                }
                _ => {}
            }
            if let Some(on) = m.married_on {
                self.not_after_filing(format!("{at}.married_on"), on);
            }
        }
        for (i, r) in d.residence_abroad.iter().enumerate() {
            let at = format!("$.residence_abroad[{i}]");
            self.covered(format!("{at}.person"), &r.person, Category::ResidenceAbroad);
            if r.country.as_str() == self.profile.home_country.as_str() {
                self.push(
                    format!("{at}.country"),
                    C::NotAbroad,
                    vec![],
                    "residence abroad is outside the mainland",
                );
            }
            if let Some(since) = r.since {
                self.not_after_filing(format!("{at}.since"), since);
            }
        }
        for (i, e) in d.employment.iter().enumerate() {
            let at = format!("$.employment[{i}]");
            self.covered(format!("{at}.person"), &e.person, Category::Employment);
            if e.employer.trim().is_empty() {
                self.empty(format!("{at}.employer"));
            }
        }
        for (i, c) in d.criminal_cases.iter().enumerate() {
            let at = format!("$.criminal_cases[{i}]");
            self.covered(format!("{at}.person"), &c.person, Category::CriminalCases);
            self.not_after_filing(format!("{at}.since"), c.since);
        }
    }

    fn income(&mut self) {
        for (i, l) in self.d.labor_income.iter().enumerate() {
            let at = format!("$.labor_income[{i}]");
            if l.amount.is_zero() {
                self.not_positive(format!("{at}.amount"));
            }
            if l.payer.trim().is_empty() {
                self.empty(format!("{at}.payer"));
            }
        }
    }

    fn property(&mut self) {
        let d = self.d;
        let period_start = Date::from_ymd(d.year, 1, 1).unwrap_or(Date::MIN);
        for (i, r) in d.real_estate.iter().enumerate() {
            let at = format!("$.real_estate[{i}]");
            if r.owners.is_empty() {
                self.push(
                    format!("{at}.owners"),
                    C::OwnerRequired,
                    vec![],
                    "name at least one owner",
                );
            }
            let mut seen = HashSet::new();
            for (j, o) in r.owners.iter().enumerate() {
                if !seen.insert(o) {
                    self.push(
                        format!("{at}.owners[{j}]"),
                        C::NamedTwice,
                        vec![],
                        "named twice",
                    );
                }
                self.covered(format!("{at}.owners[{j}]"), o, Category::RealEstate);
            }
            if r.address.trim().is_empty() {
                self.empty(format!("{at}.address"));
            }
            if r.area_m2.decimal().is_zero() {
                self.not_positive(format!("{at}.area_m2"));
            }
            if r.price.is_some_and(|p| p.is_zero()) {
                self.not_positive(format!("{at}.price"));
            }
            if let Some(acq) = r.acquired_on
                && acq.year_month() > d.filed_on.year_month()
            {
                self.push(
                    format!("{at}.acquired_on"),
                    C::AfterReportDate,
                    vec![a("date", acq), a("filed_on", d.filed_on)],
                    format!("{acq} is after the report date"),
                );
            }
            if let Some(disp) = &r.disposal {
                self.not_after_filing(format!("{at}.disposal.on"), disp.on);
                if disp.on < period_start {
                    self.push(
                        format!("{at}.disposal.on"),
                        C::DisposalBeforePeriod,
                        vec![a("since", period_start)],
                        format!("only disposals since {period_start} are reported"),
                    );
                }
                if r.acquired_on
                    .is_some_and(|acq| disp.on.year_month() < acq.year_month())
                {
                    self.push(
                        format!("{at}.disposal.on"),
                        C::DisposedBeforeAcquired,
                        vec![],
                        "disposed of before it was acquired",
                    );
                }
            }
        }
    }

    fn securities(&mut self) {
        let d = self.d;
        for (i, s) in d.stocks.iter().enumerate() {
            let at = format!("$.stocks[{i}]");
            self.covered(format!("{at}.holder"), &s.holder, Category::Stocks);
            self.code(format!("{at}.code"), &s.code);
            if s.shares.is_zero() {
                self.not_positive(format!("{at}.shares"));
            }
            if s.market_value.is_zero() {
                self.not_positive(format!("{at}.market_value"));
            }
        }
        for (i, f) in d.funds.iter().enumerate() {
            let at = format!("$.funds[{i}]");
            self.covered(format!("{at}.holder"), &f.holder, Category::Funds);
            self.code(format!("{at}.code"), &f.code);
            if f.units.is_zero() {
                self.not_positive(format!("{at}.units"));
            }
            if f.net_value.is_zero() {
                self.not_positive(format!("{at}.net_value"));
            }
        }
        for (i, p) in d.insurance.iter().enumerate() {
            let at = format!("$.insurance[{i}]");
            self.covered(
                format!("{at}.policyholder"),
                &p.policyholder,
                Category::Insurance,
            );
            if p.policy_number.trim().is_empty() {
                self.empty(format!("{at}.policy_number"));
            }
            if p.premiums_paid.is_zero() {
                self.not_positive(format!("{at}.premiums_paid"));
            }
        }
    }

    fn code(&mut self, at: String, code: &str) {
        if code.is_empty() || !code.chars().all(|c| c.is_ascii_alphanumeric()) {
            self.push(
                at,
                C::NotASecurityCode,
                vec![a("value", code)],
                format!("{code:?} is not a security code"),
            );
        }
    }

    fn businesses(&mut self) {
        let d = self.d;
        for (i, b) in d.businesses.iter().enumerate() {
            let at = format!("$.businesses[{i}]");
            self.covered(format!("{at}.person"), &b.person, Category::Businesses);
            if b.name.trim().is_empty() {
                self.empty(format!("{at}.name"));
            }
            if !b.shareholder && b.senior_role.is_none() {
                self.push(
                    &at,
                    C::ShareOrRole,
                    vec![],
                    "a business is reported for a share (shareholder: true) or a senior_role",
                );
            }
            if b.shareholder && b.subscribed.is_none() && b.share_pct.is_none() {
                self.push(
                    format!("{at}.subscribed"),
                    C::SubscribedOrShare,
                    vec![],
                    "a shareholder states the capital subscribed or the share",
                );
            }
            if b.registered_capital.is_some_and(|c| c.is_zero()) {
                self.not_positive(format!("{at}.registered_capital"));
            }
            if let (Some(sub), Some(cap)) = (b.subscribed, b.registered_capital)
                && sub > cap
            {
                self.push(
                    format!("{at}.subscribed"),
                    C::MoreThanCapital,
                    vec![],
                    "more than the registered capital",
                );
            }
            if let (Some(paid), Some(sub)) = (b.paid_in, b.subscribed)
                && paid > sub
            {
                self.push(
                    format!("{at}.paid_in"),
                    C::MoreThanSubscribed,
                    vec![],
                    "more than the capital subscribed",
                );
            }
            if let Some(on) = b.invested_on
                && on.year_month() > d.filed_on.year_month()
            {
                self.push(
                    format!("{at}.invested_on"),
                    C::AfterReportDate,
                    vec![a("date", on), a("filed_on", d.filed_on)],
                    format!("{on} is after the report date"),
                );
            }
        }
    }

    fn overseas(&mut self) {
        let d = self.d;
        for (i, o) in d.overseas_deposits.iter().enumerate() {
            let at = format!("$.overseas_deposits[{i}]");
            self.covered(
                format!("{at}.holder"),
                &o.holder,
                Category::OverseasDeposits,
            );
            if o.amount.is_zero() {
                self.not_positive(format!("{at}.amount"));
            }
            if o.country.as_str() == self.profile.home_country.as_str() {
                self.push(
                    format!("{at}.country"),
                    C::NotAbroad,
                    vec![],
                    "an overseas deposit is outside the mainland",
                );
            }
        }
        for (i, o) in d.overseas_investments.iter().enumerate() {
            let at = format!("$.overseas_investments[{i}]");
            self.covered(
                format!("{at}.holder"),
                &o.holder,
                Category::OverseasInvestments,
            );
            if o.amount.is_zero() {
                self.not_positive(format!("{at}.amount"));
            }
            if o.country.as_str() == self.profile.home_country.as_str() {
                self.push(
                    format!("{at}.country"),
                    C::NotAbroad,
                    vec![],
                    "an overseas investment is outside the mainland",
                );
            }
        }
    }
}
