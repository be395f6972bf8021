//! `probity demo`: everything a newcomer needs to see Probity work, in one step.
//!
//! Today the demo writes a synthetic organisation (roster, a year of reports, the registry extracts
//! about the families, and the findings a correct cross-check must make), validates every report,
//! and says what to run next: the cross-check and its score. The storage and web issues grow it into a running system.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{Context, Result};
use probity_model::Discrepancy;
use probity_synth::{Noise, SynthConfig};
use serde_json::json;

use crate::cmd::validate::{load_profiles, validate_text};
use crate::output::{Output, SummaryFormat};

/// Arguments of `probity demo`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Folder for the demo's files (created if missing; generated files are replaced).
    #[arg(long, default_value = "probity-demo")]
    dir: PathBuf,
    /// How many reporting subjects the synthetic organisation has.
    #[arg(long, default_value_t = 600)]
    people: u64,
    /// Seed of the synthetic organisation.
    #[arg(long, default_value_t = 2025)]
    seed: u64,
    /// How the summary is printed.
    #[arg(long, value_enum, default_value_t = SummaryFormat::Text)]
    format: SummaryFormat,
}

/// Runs the verb.
pub fn run(args: Args, quiet: bool) -> Result<ExitCode> {
    let out = &Output::new(quiet, args.format);
    let config = SynthConfig {
        people: args.people,
        seed: args.seed,
        noise: Noise::Default,
        year: 2025,
    };
    let s = crate::cmd::synth::generate(&config, &args.dir, out)?;

    let declarations = args.dir.join("declarations.jsonl");
    let text = std::fs::read_to_string(&declarations)
        .with_context(|| format!("cannot read {}", declarations.display()))?;
    let profiles = load_profiles(&[])?;
    let report = validate_text(&declarations, &text, &profiles, false);
    if let Some(p) = report.problems.first() {
        anyhow::bail!(
            "the generated reports do not validate: {}:{}: {}",
            declarations.display(),
            p.line,
            p.issue
        );
    }

    let truth = args.dir.join("truth.jsonl");
    let mut by_class: BTreeMap<String, usize> = BTreeMap::new();
    for (i, line) in std::fs::read_to_string(&truth)
        .with_context(|| format!("cannot read {}", truth.display()))?
        .lines()
        .enumerate()
    {
        let d: Discrepancy =
            serde_json::from_str(line).with_context(|| format!("{}:{}", truth.display(), i + 1))?;
        *by_class.entry(d.classification.to_string()).or_default() += 1;
    }

    let dir = args.dir.display();
    out.summary(
        &json!({"dir": dir.to_string(), "people": s.people, "declarations": s.declarations,
        "valid": report.valid, "registry_rows": s.registry_rows, "truth": by_class}),
    );
    out.say(format!("Probity demo in {dir}/"));
    out.say(format!(
        "  roster.csv           {} reporting subjects",
        s.people
    ));
    out.say(format!(
        "  declarations.jsonl   {} annual reports for {}, all {} valid",
        s.declarations, config.year, report.valid
    ));
    out.say(format!(
        "  registries/          {} rows from 12 agencies",
        s.registry_rows
    ));
    let classes: Vec<String> = by_class.iter().map(|(k, v)| format!("{v} {k}")).collect();
    out.say(format!(
        "  truth.jsonl          {} hidden discrepancies ({})",
        s.truth_findings,
        classes.join(", ")
    ));
    out.say("");
    out.say("Next:");
    out.say(format!(
        "  probity declaration validate {dir}/declarations.jsonl"
    ));
    out.say(format!(
        "  probity check --declarations {dir}/declarations.jsonl --registries {dir}/registries --out {dir}/found.jsonl"
    ));
    out.say(format!(
        "  probity score --truth {dir}/truth.jsonl --found {dir}/found.jsonl"
    ));
    out.say(format!(
        "  probity synth --people 100000 --noise high --out {dir}/large"
    ));
    Ok(ExitCode::SUCCESS)
}
