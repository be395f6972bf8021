//! `probity declaration validate FILE…`: every error in every report, form and rule errors
//! together in form order, as `FILE:LINE: $.path: message`.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{Context, Result};
use probity_model::validation::{Issue, IssueCode, parse_and_validate_all};
use probity_model::{Declaration, Profile};
use serde_json::{Value, json};

use crate::output::{Output, SummaryFormat};

/// Arguments of `probity declaration validate`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Declaration files: `.jsonl` holds one report a line; any other file holds one report (a JSON
    /// object) or a JSON array of reports.
    #[arg(required = true)]
    files: Vec<PathBuf>,
    /// Further profiles (TOML, as `profiles/cn.toml`) that reports may name besides the built-in ones.
    #[arg(long = "profile", value_name = "FILE")]
    profiles: Vec<PathBuf>,
    /// How the summary is printed.
    #[arg(long, value_enum, default_value_t = SummaryFormat::Text)]
    format: SummaryFormat,
}

/// One problem, placed in its file.
pub struct Located {
    /// Line number, 1-based.
    pub line: usize,
    /// The problem.
    pub issue: Issue,
}

/// The outcome of validating one file.
#[derive(Default)]
pub struct FileReport {
    /// Reports read.
    pub declarations: usize,
    /// Reports without a problem.
    pub valid: usize,
    /// Every problem.
    pub problems: Vec<Located>,
    /// When asked for: each valid report with its line and its JSON text as filed.
    pub reports: Vec<(usize, Declaration, String)>,
}

/// Loads the built-in profiles and any given as files.
pub fn load_profiles(extra: &[PathBuf]) -> Result<Vec<Profile>> {
    let mut profiles = Vec::new();
    for id in Profile::builtin_ids() {
        profiles.push(Profile::builtin(id)?);
    }
    for path in extra {
        let text = std::fs::read_to_string(path)
            .with_context(|| format!("cannot read profile {}", path.display()))?;
        let profile = Profile::from_toml(&text).with_context(|| format!("{}", path.display()))?;
        profiles.retain(|p| p.id != profile.id);
        profiles.push(profile);
    }
    Ok(profiles)
}

/// Validates every report in one file's text; with `keep`, also returns the valid reports.
pub fn validate_text(path: &Path, text: &str, profiles: &[Profile], keep: bool) -> FileReport {
    let find = |id: &str| profiles.iter().find(|p| p.id == id);
    let mut report = FileReport::default();
    let check = |value: &Value,
                 as_filed: &dyn Fn() -> String,
                 line_of: &dyn Fn(&str) -> usize,
                 report: &mut FileReport| {
        report.declarations += 1;
        match parse_and_validate_all(value, find) {
            Ok(d) => {
                report.valid += 1;
                if keep {
                    report.reports.push((line_of("$"), d, as_filed()));
                }
            }
            Err(issues) => report
                .problems
                .extend(issues.into_iter().map(|issue| Located {
                    line: line_of(&issue.path),
                    issue,
                })),
        }
    };
    let is_jsonl = path.extension().is_some_and(|e| e == "jsonl");
    if is_jsonl {
        for (i, line) in text.lines().enumerate() {
            if line.trim().is_empty() {
                continue;
            }
            if let Some(d) = probity_model::json::duplicate_key(line) {
                report.declarations += 1;
                report.problems.push(duplicate_problem(i + 1, &d));
                continue;
            }
            match serde_json::from_str::<Value>(line) {
                Ok(value) => check(&value, &|| line.to_owned(), &|_| i + 1, &mut report),
                Err(e) => {
                    report.declarations += 1;
                    report.problems.push(syntax_problem(i + 1, &e));
                }
            }
        }
        return report;
    }
    if let Some(d) = probity_model::json::duplicate_key(text) {
        report.declarations += 1;
        report.problems.push(duplicate_problem(d.line, &d));
        return report;
    }
    match serde_json::from_str::<Value>(text) {
        Ok(Value::Array(items)) => {
            for (i, value) in items.iter().enumerate() {
                // Place each problem in the whole file: `$.x` of item i is `$[i].x` of the file.
                let line_of = |path: &str| {
                    let whole = format!("$[{i}]{}", path.strip_prefix('$').unwrap_or(path));
                    probity_model::locate::line_of(text, &whole).unwrap_or(1)
                };
                check(value, &|| value.to_string(), &line_of, &mut report);
            }
        }
        Ok(value) => {
            let line_of = |path: &str| probity_model::locate::line_of(text, path).unwrap_or(1);
            check(&value, &|| text.trim().to_owned(), &line_of, &mut report);
        }
        Err(e) => {
            report.declarations += 1;
            report.problems.push(syntax_problem(e.line(), &e));
        }
    }
    report
}

fn duplicate_problem(line: usize, d: &probity_model::json::DuplicateKey) -> Located {
    Located {
        line,
        issue: Issue::new(
            d.path.as_str(),
            IssueCode::DuplicateKey,
            vec![("key", d.key.as_str().into())],
            format!("the key {:?} appears twice in this object", d.key),
        ),
    }
}

fn syntax_problem(line: usize, e: &serde_json::Error) -> Located {
    // serde_json appends "at line L column C"; the line is already in front, keep the column.
    let message = e.to_string();
    let message = match message.rsplit_once(" at line ") {
        Some((what, position)) => match position.split_once(" column ") {
            Some((_, column)) => format!("not valid JSON: {what} (column {column})"),
            None => format!("not valid JSON: {what}"),
        },
        None => format!("not valid JSON: {message}"),
    };
    Located {
        line,
        issue: Issue::new(
            "$",
            IssueCode::NotJson,
            vec![("detail", message.as_str().into())],
            message,
        ),
    }
}

/// Runs the verb: exit 0 when every report is valid, 1 otherwise.
pub fn run(args: Args, quiet: bool) -> Result<ExitCode> {
    let out = &Output::new(quiet, args.format);
    let profiles = load_profiles(&args.profiles)?;
    let (mut declarations, mut valid, mut errors) = (0, 0, Vec::new());
    for path in &args.files {
        let text = std::fs::read_to_string(path)
            .with_context(|| format!("cannot read {}", path.display()))?;
        let report = validate_text(path, &text, &profiles, false);
        declarations += report.declarations;
        valid += report.valid;
        for p in report.problems {
            if !out.json() {
                crate::outln!(
                    "{}:{}: {}: {}",
                    path.display(),
                    p.line,
                    p.issue.path,
                    p.issue.message
                );
            }
            errors.push(json!({"file": path.display().to_string(), "line": p.line,
                "path": p.issue.path, "code": p.issue.code.as_str(), "message": p.issue.message}));
        }
    }
    let invalid = declarations - valid;
    out.summary(&json!({"declarations": declarations, "valid": valid, "invalid": invalid, "errors": errors}));
    if !out.json() && invalid > 0 {
        eprintln!(
            "probity: {invalid} of {declarations} declarations have errors ({} in all)",
            errors.len()
        );
    } else {
        out.say(format!("{declarations} declarations, all valid"));
    }
    Ok(if invalid == 0 {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    })
}
