//! `probity verify --cycle Y --all`: the cross-check over a cycle's stored reports against the
//! latest registry imports; a case per report with findings, stored with the run in one
//! transaction.

use std::process::ExitCode;

use anyhow::{Context, Result, bail};
use probity_check::{RegistryExtracts, check_all};
use probity_model::{Declaration, Profile};
use serde_json::json;

use crate::cmd::db::{self, Database};
use crate::output::{Output, SummaryFormat};
use probity_store::{RunRecorded, Stamp, Store};

/// Arguments of `probity verify`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// The cycle (year reported on).
    #[arg(long)]
    cycle: i32,
    /// Check every report of the cycle, not only the sample.
    #[arg(long)]
    all: bool,
    /// How the summary is printed.
    #[arg(long, value_enum, default_value_t = SummaryFormat::Text)]
    format: SummaryFormat,
}

/// Runs the verb.
pub fn run(args: Args, database: &Database, quiet: bool) -> Result<ExitCode> {
    let out = Output::new(quiet, args.format);
    if !args.all {
        bail!(
            "only --all is available yet: the random and key-check sample comes with `probity sample draw`"
        );
    }
    let rt = db::runtime()?;
    let store = rt.block_on(db::open(database))?;
    let (checked, found, recorded) =
        rt.block_on(verify_cycle(&store, &db::stamp(), args.cycle, &out))?;
    rt.block_on(store.close());
    out.say(format!(
        "verification run {} of cycle {}: {} reports checked, {} findings; {} cases opened with {} findings{}",
        recorded.run,
        args.cycle,
        checked,
        found,
        recorded.cases,
        recorded.findings,
        if recorded.already_open > 0 {
            format!("; {} reports with findings had a case already", recorded.already_open)
        } else {
            String::new()
        }
    ));
    out.summary(&json!({"run": recorded.run, "cycle": args.cycle, "checked": checked,
        "findings": found, "stored_findings": recorded.findings, "cases": recorded.cases, "already_open": recorded.already_open}));
    Ok(ExitCode::SUCCESS)
}

/// Cross-checks every current report of `cycle` against the latest registry imports and stores
/// the run: (reports checked, findings, what was stored).
pub async fn verify_cycle(
    store: &Store,
    stamp: &Stamp,
    cycle: i32,
    out: &Output,
) -> Result<(usize, usize, RunRecorded)> {
    let profiles: Vec<Profile> = Profile::builtin_ids()
        .map(Profile::builtin)
        .collect::<Result<_, _>>()?;
    let stored = store.read_cycle_declarations(stamp, cycle).await?;
    if stored.is_empty() {
        bail!("cycle {cycle} has no reports stored");
    }
    let declarations: Vec<Declaration> = stored
        .iter()
        .map(|s| {
            serde_json::from_str(&s.json)
                .with_context(|| format!("stored report {} does not parse", s.declaration_id))
        })
        .collect::<Result<_>>()?;
    let files = store.latest_registry_files(stamp).await?;
    if files.is_empty() {
        bail!("no registry extracts imported: run `probity registry import DIR` first");
    }
    // The engine reads a folder; the files live there only while it reads, readable by us alone.
    let dir = tempfile::Builder::new()
        .prefix("probity-verify")
        .tempdir()?;
    for f in &files {
        let path = dir.path().join(&f.file_name);
        std::fs::write(&path, &f.bytes)
            .with_context(|| format!("cannot write {}", path.display()))?;
    }
    let extracts = RegistryExtracts::read_dir(dir.path())?;
    drop(dir);
    let bar = out.progress(declarations.len() as u64, "checking");
    let findings = check_all(
        &declarations,
        &|id: &str| profiles.iter().find(|p| p.id == id),
        &extracts,
    );
    bar.finish_and_clear();
    let recorded = store
        .record_verification(stamp, cycle, "all", declarations.len(), &findings)
        .await?;
    Ok((declarations.len(), findings.len(), recorded))
}
