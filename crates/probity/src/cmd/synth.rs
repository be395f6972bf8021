//! `probity synth`: a deterministic synthetic population and the truth of what it hides.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{Context, Result};
use probity_synth::{Noise, SynthConfig, SynthSummary};
use serde_json::json;

use crate::output::{Output, SummaryFormat};

/// Arguments of `probity synth`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// How many reporting subjects.
    #[arg(long)]
    people: u64,
    /// The seed: the same seed and arguments give the same bytes.
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// How much the registries disagree with the truth in harmless ways (blank or mistyped IDs,
    /// name variants, homonyms, addresses written differently).
    #[arg(long, default_value = "default", value_parser = ["none", "low", "default", "high"])]
    noise: String,
    /// The year reported on; reports are filed in January of the year after.
    #[arg(long, default_value_t = 2025)]
    year: i32,
    /// Folder to write roster.csv, declarations.jsonl, registries/ and truth.jsonl into.
    #[arg(long)]
    out: PathBuf,
    /// Also write last year's annual reports (previous/declarations.jsonl) and the findings the
    /// year-over-year check must make against them (truth_year_over_year.jsonl); the other
    /// files are the same as without.
    #[arg(long)]
    previous_year: bool,
    /// Also write the next year's change reports (changes/declarations.jsonl: events of matters
    /// 1–8 reported in time, late, or never, their registry rows added to registries/) and the
    /// findings the timeliness check of that year's cycle must make (truth_changes.jsonl).
    #[arg(long)]
    changes: bool,
    /// Also turn a few annual reports into the initial reports of subjects who joined the roster
    /// a few days before filing them, early the next year (initial/declarations.jsonl, their
    /// hidden discrepancies moved from truth.jsonl to truth_initial.jsonl, roster.csv's
    /// subject_since set); after --changes when both are given.
    #[arg(long)]
    initial: bool,
    /// How the summary is printed.
    #[arg(long, value_enum, default_value_t = SummaryFormat::Text)]
    format: SummaryFormat,
}

/// Generates into `dir` with a progress bar; shared by `synth` and `demo`.
pub fn generate(config: &SynthConfig, dir: &Path, out: &Output) -> Result<SynthSummary> {
    generate_years(config, dir, out, false)
}

/// [`generate`], with last year's reports too when `two_years`.
pub fn generate_years(
    config: &SynthConfig,
    dir: &Path,
    out: &Output,
    two_years: bool,
) -> Result<SynthSummary> {
    let bar = out.progress(config.people, "generating");
    let progress = |done| bar.set_position(done);
    let summary = if two_years {
        probity_synth::generate_two_years(config, dir, &progress)
    } else {
        probity_synth::generate(config, dir, &progress)
    }
    .with_context(|| format!("cannot write the synthetic population to {}", dir.display()))?;
    bar.finish_and_clear();
    Ok(summary)
}

/// Runs the verb.
pub fn run(args: Args, quiet: bool) -> Result<ExitCode> {
    let out = &Output::new(quiet, args.format);
    let noise: Noise = args
        .noise
        .parse()
        .map_err(|_| anyhow::anyhow!("unknown noise level {:?}", args.noise))?;
    let config = SynthConfig {
        people: args.people,
        seed: args.seed,
        noise,
        year: args.year,
    };
    let s = generate_years(&config, &args.out, out, args.previous_year)?;
    let changes = if args.changes {
        Some(
            probity_synth::generate_change_reports(&config, &args.out).with_context(|| {
                format!("cannot write the change reports to {}", args.out.display())
            })?,
        )
    } else {
        None
    };
    let initial = if args.initial {
        Some(
            probity_synth::generate_initial_reports(&config, &args.out).with_context(|| {
                format!("cannot write the initial reports to {}", args.out.display())
            })?,
        )
    } else {
        None
    };
    let mut summary = json!({
        "out": args.out.display().to_string(), "people": s.people, "declarations": s.declarations,
        "registry_rows": s.registry_rows, "truth_findings": s.truth_findings,
        "timeliness_findings": s.timeliness_findings,
    });
    if args.previous_year {
        summary["previous_declarations"] = json!(s.previous_declarations);
        summary["year_over_year_findings"] = json!(s.year_over_year_findings);
    }
    if let Some(c) = &changes {
        summary["change_reports"] = json!(c.reports);
        summary["change_reports_late"] = json!(c.late);
        summary["change_reports_missing"] = json!(c.missing);
    }
    if let Some(i) = &initial {
        summary["initial_reports"] = json!(i.reports);
        summary["initial_findings"] = json!(i.findings);
    }
    out.summary(&summary);
    out.say(format!(
        "wrote {} people, {} declarations, {} registry rows and {} true findings to {}",
        s.people,
        s.declarations,
        s.registry_rows,
        s.truth_findings,
        args.out.display()
    ));
    if args.previous_year {
        out.say(format!(
            "and {} reports on {} with {} year-over-year findings to make",
            s.previous_declarations,
            config.year - 1,
            s.year_over_year_findings
        ));
    }
    if let Some(c) = &changes {
        out.say(format!(
            "and {} change reports on {} ({} late), with {} changes never reported",
            c.reports,
            config.year + 1,
            c.late,
            c.missing
        ));
    }
    if let Some(i) = &initial {
        out.say(format!(
            "and {} of the reports turned into initial reports of subjects who joined in {}, with {} of the true findings (truth_initial.jsonl)",
            i.reports,
            config.year + 1,
            i.findings
        ));
    }
    Ok(ExitCode::SUCCESS)
}
