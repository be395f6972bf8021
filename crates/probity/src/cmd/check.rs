//! `probity check`: the stateless cross-check of a declarations file against a registry folder.

use std::collections::BTreeMap;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{Context, Result};
use probity_check::{RegistryExtracts, check_all};
use probity_model::{Declaration, Discrepancy, Profile};
use rayon::prelude::*;
use serde_json::json;

use crate::output::SummaryFormat;

/// How discrepancies are written.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum FindingsFormat {
    /// One JSON object a line (`discrepancies.jsonl`).
    Jsonl,
    /// CSV with the same columns, lists joined with `;`.
    Csv,
}

/// Arguments of `probity check`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Declarations, one JSON object a line.
    #[arg(long)]
    declarations: PathBuf,
    /// Folder of registry extracts (one CSV per source; an absent file is a source not queried).
    #[arg(long)]
    registries: PathBuf,
    /// Where to write the discrepancies (standard output when absent).
    #[arg(long)]
    out: Option<PathBuf>,
    /// How discrepancies are written.
    #[arg(long, value_enum, default_value_t = FindingsFormat::Jsonl)]
    format: FindingsFormat,
    /// How the counts are printed (to standard error when the discrepancies go to standard output).
    #[arg(long, value_enum, default_value_t = SummaryFormat::Text)]
    summary: SummaryFormat,
}

/// Reads a JSONL file of declarations, in parallel; the first malformed line is an error that
/// names file, line, column and what is wrong.
pub fn read_declarations(path: &Path) -> Result<Vec<Declaration>> {
    let text =
        std::fs::read_to_string(path).with_context(|| format!("cannot read {}", path.display()))?;
    let lines: Vec<(usize, &str)> = text
        .lines()
        .enumerate()
        .filter(|(_, l)| !l.trim().is_empty())
        .collect();
    lines
        .par_iter()
        .map(|(i, line)| {
            serde_json::from_str::<Declaration>(line).map_err(|e| {
                anyhow::anyhow!(
                    "{}:{}: column {}: {}",
                    path.display(),
                    i + 1,
                    e.column(),
                    strip_position(&e.to_string())
                )
            })
        })
        .collect()
}

fn strip_position(message: &str) -> &str {
    message.rsplit_once(" at line ").map_or(message, |(m, _)| m)
}

/// Writes discrepancies as JSONL or CSV.
pub fn write_findings(
    w: &mut dyn Write,
    findings: &[Discrepancy],
    format: FindingsFormat,
) -> Result<()> {
    match format {
        FindingsFormat::Jsonl => {
            for f in findings {
                serde_json::to_writer(&mut *w, f)?;
                w.write_all(b"\n")?;
            }
        }
        FindingsFormat::Csv => {
            let mut csv = csv::Writer::from_writer(w);
            csv.write_record([
                "declaration_id",
                "declarant_id",
                "category",
                "person_id",
                "kind",
                "field",
                "declared",
                "registry",
                "declared_path",
                "registry_record_ids",
                "classification",
                "rule",
                "note",
            ])?;
            for f in findings {
                csv.write_record([
                    f.declaration_id.as_str(),
                    &f.declarant_id,
                    f.category.as_str(),
                    &f.person_id,
                    f.kind.as_str(),
                    &f.field,
                    &f.declared,
                    &f.registry,
                    &f.declared_path,
                    &f.registry_record_ids.join(";"),
                    f.classification.as_str(),
                    &f.rule,
                    &f.note,
                ])?;
            }
            csv.flush()?;
        }
    }
    Ok(())
}

/// Runs the verb.
pub fn run(args: Args, quiet: bool) -> Result<ExitCode> {
    let profiles: Vec<Profile> = Profile::builtin_ids()
        .map(Profile::builtin)
        .collect::<Result<_, _>>()?;
    let declarations = read_declarations(&args.declarations)?;
    let extracts = RegistryExtracts::read_dir(&args.registries)?;
    if let Some(d) = declarations
        .iter()
        .find(|d| !profiles.iter().any(|p| p.id == d.profile))
    {
        anyhow::bail!(
            "{}: declaration {} names unknown profile {:?}",
            args.declarations.display(),
            d.declaration_id,
            d.profile
        );
    }
    let findings = check_all(
        &declarations,
        &|id| profiles.iter().find(|p| p.id == id),
        &extracts,
    );

    match &args.out {
        Some(path) => {
            crate::output::write_file(path, |w| write_findings(w, &findings, args.format))?;
        }
        None => {
            let stdout = std::io::stdout();
            let mut w = std::io::BufWriter::new(stdout.lock());
            write_findings(&mut w, &findings, args.format)?;
            w.flush()?;
        }
    }

    let mut counts: BTreeMap<(String, String, String), usize> = BTreeMap::new();
    for f in &findings {
        *counts
            .entry((
                f.category.to_string(),
                f.kind.to_string(),
                f.classification.to_string(),
            ))
            .or_default() += 1;
    }
    // With the findings on standard output, the summary goes to standard error.
    let to_stderr = args.out.is_none();
    let emit = |line: String| {
        if quiet {
        } else if to_stderr {
            eprintln!("{line}");
        } else {
            println!("{line}");
        }
    };
    match args.summary {
        SummaryFormat::Json => {
            let rows: Vec<_> = counts
                .iter()
                .map(|((c, k, cl), n)| json!({"category": c, "kind": k, "classification": cl, "count": n}))
                .collect();
            let summary = json!({"declarations": declarations.len(), "registry_rows": extracts.rows(), "findings": findings.len(), "counts": rows});
            if to_stderr {
                eprintln!("{summary}")
            } else {
                println!("{summary}")
            }
        }
        SummaryFormat::Text => {
            emit(format!(
                "{} declarations, {} registry rows: {} findings",
                declarations.len(),
                extracts.rows(),
                findings.len()
            ));
            for ((c, k, cl), n) in &counts {
                emit(format!("  {c:<22} {k:<12} {cl:<12} {n:>8}"));
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}
