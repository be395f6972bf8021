//! `probity verify --cycle Y --all`: the cross-check over a cycle's stored reports against the
//! latest registry imports; a case per report with findings, stored with the run in one
//! transaction.

use std::process::ExitCode;

use anyhow::Result;
use probity_app::verification::Scope;
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
    /// Check every report of the cycle, not only the revealed sample's.
    #[arg(long)]
    all: bool,
    /// How the summary is printed.
    #[arg(long, value_enum, default_value_t = SummaryFormat::Text)]
    format: SummaryFormat,
}

/// Runs the verb.
pub fn run(args: Args, database: &Database, quiet: bool) -> Result<ExitCode> {
    let out = Output::new(quiet, args.format);
    let rt = db::runtime()?;
    let store = rt.block_on(db::open(database))?;
    let scope = if args.all { Scope::All } else { Scope::Sample };
    let started = std::time::Instant::now();
    let (checked, found, recorded) =
        rt.block_on(verify_cycle(&store, &db::stamp(), args.cycle, scope, &out))?;
    tracing::info!(
        target: "probity::verification",
        run = recorded.run,
        cycle = args.cycle,
        checked,
        findings = found,
        cases = recorded.cases,
        duration_ms = started.elapsed().as_millis() as u64,
        "verification run"
    );
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

/// Cross-checks every current report of `cycle` and stores the run (see
/// `probity_app::verification`), with a progress bar.
pub async fn verify_cycle(
    store: &Store,
    stamp: &Stamp,
    cycle: i32,
    scope: Scope,
    out: &Output,
) -> Result<(usize, usize, RunRecorded)> {
    let progress = probity_app::verification::RunProgress::default();
    let bar = out.progress(0, "checking");
    let outcome =
        probity_app::verification::verify_cycle(store, stamp, cycle, scope, &progress).await;
    bar.finish_and_clear();
    Ok(outcome?)
}
