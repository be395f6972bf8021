//! Initial reports of subjects who joined the roster early in the year after the annual reports
//! (`probity synth --initial`, the demo). FORMATS.md: an initial report has the annual report's
//! shape, holdings as of `filed_on` and income of the calendar year before it; it is due within
//! the profile's `initial_within_days` of `subject_since`.
//!
//! So a report the generator wrote for `year`, filed in January of `year + 1` or later, already is
//! an initial report of someone who became a subject a few days before filing it: the same report
//! date, the same holdings, the same income year, compared on the same registry rows. For a few
//! subjects (never the first, whose login the demo gives out) this module turns the annual report
//! into that initial report:
//!
//! - `roster.csv`: `subject_since` a few days (within the profile's days) before `filed_on`, in
//!   `year + 1`, so the subject owes no annual report for `year`;
//! - the report moves from `declarations.jsonl` to `initial/declarations.jsonl` with kind
//!   `initial` and an id of its own; its hidden discrepancies move with it from `truth.jsonl` to
//!   `truth_initial.jsonl` under that id. The cross-check compares an initial report as it
//!   compares an annual one, so they are exactly what it must find;
//! - the subject's report of the year before leaves `previous/declarations.jsonl` (they were not a
//!   subject then) and its year-over-year truth leaves `truth_year_over_year.jsonl` (an initial
//!   report is not compared year over year).
//!
//! Subjects whose annual report carries a change of `year` late (`truth_timeliness.jsonl`) or who
//! have a change event of `year + 1` ([`crate::generate_change_reports`]) are left as they are:
//! the timeliness check follows a family from its annual report.

use std::collections::{HashMap, HashSet};
use std::path::Path;

use probity_model::Date;
use probity_model::declaration::{Declaration, ReportKind};
use probity_model::finding::Discrepancy;
use probity_model::profile::Profile;
use probity_model::roster::RosterEntry;
use rand::Rng;

use crate::rng::stream;
use crate::{SynthConfig, SynthError};

/// The stream purpose of this module (each purpose draws apart from the others).
const PURPOSE: u64 = 0x1A17_1A10;

/// What [`generate_initial_reports`] wrote.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct InitialSummary {
    /// Initial reports written (`initial/declarations.jsonl`).
    pub reports: u64,
    /// Lines of `truth_initial.jsonl`.
    pub findings: u64,
}

/// Turns a few of the annual reports in `out` (written by [`crate::generate`] for `config`, and
/// after [`crate::generate_change_reports`] when the folder has change reports) into initial
/// reports of subjects who joined in `config.year + 1`; see the module documentation.
pub fn generate_initial_reports(
    config: &SynthConfig,
    out: &Path,
) -> Result<InitialSummary, SynthError> {
    let profile = Profile::builtin("cn")?;
    let year = config.year;
    let joined_from = Date::from_ymd(year + 1, 1, 1)
        .ok_or_else(|| SynthError::Config(format!("{} has no 1 January", year + 1)))?;
    let window = i64::from(profile.deadlines.initial_within_days);
    let read = |name: &str| -> Result<String, SynthError> {
        let path = out.join(name);
        match std::fs::read_to_string(&path) {
            Ok(text) => Ok(text),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(String::new()),
            Err(source) => Err(SynthError::Io { path, source }),
        }
    };
    let write = |name: &str, text: &str| -> Result<(), SynthError> {
        let path = out.join(name);
        std::fs::write(&path, text).map_err(|source| SynthError::Io { path, source })
    };
    let truth_ids = |text: &str| -> Result<HashSet<String>, SynthError> {
        text.lines()
            .map(|l| Ok(serde_json::from_str::<Discrepancy>(l)?.declaration_id))
            .collect()
    };
    // Left as they are: reports carrying a change late, subjects with a change of next year.
    let late = truth_ids(&read("truth_timeliness.jsonl")?)?;
    let mut changing: HashSet<String> = HashSet::new();
    for line in read("truth_changes.jsonl")?.lines() {
        changing.insert(serde_json::from_str::<Discrepancy>(line)?.declarant_id);
    }
    for line in read("changes/declarations.jsonl")?.lines() {
        let d: Declaration = serde_json::from_str(line)?;
        changing.insert(d.declarant_id.as_str().to_owned());
    }

    let truth_text = read("truth.jsonl")?;
    let with_truth = truth_ids(&truth_text)?;
    let annual = read("declarations.jsonl")?;
    // Old report id → new one; declarant ID → the day they became a subject.
    let mut renamed: HashMap<String, String> = HashMap::new();
    let mut joined: HashMap<String, Date> = HashMap::new();
    let (mut kept, mut initial) = (String::new(), String::new());
    for (n, line) in annual.lines().enumerate() {
        let d: Declaration = serde_json::from_str(line)?;
        let mut rng = stream(config.seed, n as u64, PURPOSE);
        // Reports with hidden discrepancies are drawn more often, so that the initial reports
        // carry some: the discrepancies the annual generator injected, and nothing else.
        let odds = if with_truth.contains(&d.declaration_id) {
            0.15
        } else {
            0.04
        };
        let picked = n > 0 && rng.random_bool(odds);
        let since = d
            .filed_on
            .add_days(-rng.random_range(3..=window.clamp(3, 25)));
        let fits = d.kind == ReportKind::Annual
            && d.year == year
            && d.filed_on.year() == year + 1
            && !late.contains(&d.declaration_id)
            && !changing.contains(d.declarant_id.as_str());
        let Some(since) = since.filter(|s| picked && fits && *s >= joined_from) else {
            kept.push_str(line);
            kept.push('\n');
            continue;
        };
        let id = format!("I{}-{:06}", year + 1, n + 1);
        let mut report: serde_json::Value = serde_json::from_str(line)?;
        report["kind"] = "initial".into();
        report["declaration_id"] = id.clone().into();
        probity_model::validation::parse_and_validate(&report, |_| Some(&profile)).map_err(
            |issues| {
                SynthError::Internal(format!(
                    "a generated initial report does not validate: {}",
                    issues.first().map(|i| i.to_string()).unwrap_or_default()
                ))
            },
        )?;
        initial.push_str(&serde_json::to_string(&report)?);
        initial.push('\n');
        renamed.insert(d.declaration_id.clone(), id);
        joined.insert(d.declarant_id.as_str().to_owned(), since);
    }

    let mut summary = InitialSummary {
        reports: renamed.len() as u64,
        ..InitialSummary::default()
    };
    let (mut truth, mut truth_initial) = (String::new(), String::new());
    for line in truth_text.lines() {
        let mut t: Discrepancy = serde_json::from_str(line)?;
        match renamed.get(&t.declaration_id) {
            Some(id) => {
                t.declaration_id = id.clone();
                truth_initial.push_str(&serde_json::to_string(&t)?);
                truth_initial.push('\n');
                summary.findings += 1;
            }
            None => {
                truth.push_str(line);
                truth.push('\n');
            }
        }
    }
    let mut year_over_year = String::new();
    for line in read("truth_year_over_year.jsonl")?.lines() {
        let t: Discrepancy = serde_json::from_str(line)?;
        if !renamed.contains_key(&t.declaration_id) {
            year_over_year.push_str(line);
            year_over_year.push('\n');
        }
    }
    let mut previous = String::new();
    for line in read("previous/declarations.jsonl")?.lines() {
        let d: Declaration = serde_json::from_str(line)?;
        if !joined.contains_key(d.declarant_id.as_str()) {
            previous.push_str(line);
            previous.push('\n');
        }
    }

    let roster_path = out.join("roster.csv");
    let roster_text = read("roster.csv")?;
    let mut roster = csv::Writer::from_writer(Vec::new());
    for entry in csv::Reader::from_reader(roster_text.as_bytes()).deserialize() {
        let mut entry: RosterEntry = entry?;
        if let Some(since) = joined.get(entry.id.as_str()) {
            entry.subject_since = *since;
        }
        roster.serialize(&entry)?;
    }
    let roster = roster
        .into_inner()
        .map_err(|e| SynthError::Internal(format!("cannot flush the roster: {e}")))?;
    std::fs::write(&roster_path, roster).map_err(|source| SynthError::Io {
        path: roster_path.clone(),
        source,
    })?;

    write("declarations.jsonl", &kept)?;
    write("truth.jsonl", &truth)?;
    write("truth_initial.jsonl", &truth_initial)?;
    if out.join("truth_year_over_year.jsonl").exists() {
        write("truth_year_over_year.jsonl", &year_over_year)?;
    }
    if out.join("previous").join("declarations.jsonl").exists() {
        write("previous/declarations.jsonl", &previous)?;
    }
    let dir = out.join("initial");
    std::fs::create_dir_all(&dir).map_err(|source| SynthError::Io {
        path: dir.clone(),
        source,
    })?;
    write("initial/declarations.jsonl", &initial)?;
    Ok(summary)
}
