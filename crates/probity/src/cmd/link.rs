//! `probity link`: person-level record linkage between two CSV files, or deduplication of one
//! (FORMATS.md).

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Instant;

use anyhow::{Context, Result};
use probity_check::link::{FieldKind, LinkConfig, Table, dedupe, link};
use serde_json::json;

use crate::output::{Output, SummaryFormat};

/// Arguments of `probity link`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// The left file.
    #[arg(long)]
    left: PathBuf,
    /// The right file. Without it, the left file is deduplicated: pairs of its own records that are
    /// the same person, each pair once.
    #[arg(long)]
    right: Option<PathBuf>,
    /// The configuration (TOML): id columns, compared columns and their kinds, one-to-one.
    #[arg(long)]
    config: PathBuf,
    /// Where to write `left_id,right_id,score`.
    #[arg(long)]
    out: PathBuf,
    /// Accept pairs at or above this match probability (overrides the configuration; default 0.5).
    #[arg(long)]
    threshold: Option<f64>,
    /// How the summary is printed.
    #[arg(long, value_enum, default_value_t = SummaryFormat::Text)]
    format: SummaryFormat,
}

/// Runs the verb.
pub fn run(args: Args, quiet: bool) -> Result<ExitCode> {
    let out = Output::new(quiet, args.format);
    let text = std::fs::read_to_string(&args.config)
        .with_context(|| format!("cannot read {}", args.config.display()))?;
    let config = LinkConfig::from_toml(&text)
        .map_err(|e| anyhow::anyhow!("{}: {e}", args.config.display()))?;
    let threshold = args.threshold.or(config.threshold).unwrap_or(0.5);
    anyhow::ensure!(
        (0.0..=1.0).contains(&threshold),
        "--threshold is a probability between 0 and 1"
    );

    let started = Instant::now();
    let left_cols: Vec<(&str, FieldKind)> = config
        .fields
        .iter()
        .map(|f| (f.left.as_str(), f.kind))
        .collect();
    let right_cols: Vec<(&str, FieldKind)> = config
        .fields
        .iter()
        .map(|f| (f.right.as_str(), f.kind))
        .collect();
    let (left, right) = match &args.right {
        Some(right_path) => {
            let (left, right) = rayon::join(
                || Table::read(&args.left, &config.left_id, &left_cols),
                || Table::read(right_path, &config.right_id, &right_cols),
            );
            (left?, Some(right?))
        }
        None => (Table::read(&args.left, &config.left_id, &left_cols)?, None),
    };
    let linkage = match &right {
        Some(right) => link(&config, &left, right, threshold),
        None => dedupe(&config, &left, threshold),
    };
    // Deduplicating, both ids of a pair are the left file's.
    let right = right.as_ref().unwrap_or(&left);

    crate::output::write_file(&args.out, |w| {
        let mut csv = probity_store::csv_out::Writer::from_writer(w);
        csv.write_record(["left_id", "right_id", "score"])?;
        for l in &linkage.links {
            csv.write_record([
                left.ids[l.left as usize].as_str(),
                right.ids[l.right as usize].as_str(),
                &format!("{:.6}", l.score),
            ])?;
        }
        csv.flush()?;
        Ok(())
    })?;

    let seconds = started.elapsed().as_secs_f64();
    let dedupe = args.right.is_none();
    out.summary(
        &json!({"left": left.len(), "right": right.len(), "dedupe": dedupe,
        "candidates": linkage.candidates, "links": linkage.links.len(),
        "lambda": linkage.model.lambda, "seconds": seconds}),
    );
    if dedupe {
        out.say(format!(
            "{} records, {} candidate pairs, {} duplicate pairs at ≥ {threshold} ({seconds:.2} s)",
            left.len(),
            linkage.candidates,
            linkage.links.len()
        ));
    } else {
        out.say(format!(
            "{} × {} records, {} candidate pairs, {} links at ≥ {threshold} ({seconds:.2} s)",
            left.len(),
            right.len(),
            linkage.candidates,
            linkage.links.len()
        ));
    }
    Ok(ExitCode::SUCCESS)
}
