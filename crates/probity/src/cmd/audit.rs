//! `probity audit verify [--checkpoint H] [--checkpoints FILE]` and `probity audit checkpoint`.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Result;
use probity_store::Checkpoint;
use serde_json::json;

use crate::cmd::checkpoints;
use crate::cmd::db::{self, Database};
use crate::output::{Output, SummaryFormat};

/// Arguments of `probity audit verify`.
#[derive(Debug, clap::Args)]
pub struct VerifyArgs {
    /// A checkpoint printed earlier by `probity audit checkpoint`: also prove the log up to it
    /// is the one that was checkpointed.
    #[arg(long)]
    checkpoint: Option<String>,
    /// The checkpoints `probity serve` published (its `--checkpoints` file): also prove the log
    /// reaches every one and is, up to each, the log that was checkpointed; the first that fails
    /// is named. Without it, deleting the latest events and putting back an older signed head
    /// is not seen.
    #[arg(long, value_name = "FILE")]
    checkpoints: Option<PathBuf>,
    /// How the summary is printed.
    #[arg(long, value_enum, default_value_t = SummaryFormat::Text)]
    format: SummaryFormat,
}

/// Arguments of `probity audit checkpoint`.
#[derive(Debug, clap::Args)]
pub struct CheckpointArgs {
    /// How the checkpoint is printed.
    #[arg(long, value_enum, default_value_t = SummaryFormat::Text)]
    format: SummaryFormat,
}

/// Walks the log: exit 0 when everything fits, 1 naming the first event (or published
/// checkpoint) that does not.
pub fn verify(args: VerifyArgs, database: &Database, quiet: bool) -> Result<ExitCode> {
    let out = Output::new(quiet, args.format);
    let mut series: Vec<(String, Checkpoint)> = Vec::new();
    if let Some(text) = args.checkpoint.as_deref() {
        let c = text
            .parse::<Checkpoint>()
            .map_err(|e| anyhow::anyhow!("--checkpoint: {e}"))?;
        series.push(("--checkpoint".into(), c));
    }
    if let Some(path) = &args.checkpoints {
        for (line, c) in checkpoints::read_series(path)? {
            series.push((format!("{}:{line}", path.display()), c));
        }
    }
    let given: Vec<Checkpoint> = series.iter().map(|(_, c)| c.clone()).collect();
    let outcome = db::runtime()?.block_on(async {
        let store = db::open(database).await?;
        let outcome = store.verify_audit_against(&given).await?;
        store.close().await;
        anyhow::Ok(outcome)
    })?;
    match outcome {
        Ok(v) => {
            let reached = match (args.checkpoint.is_some(), args.checkpoints.is_some()) {
                (_, true) => format!("; every published checkpoint is in it ({})", given.len()),
                (true, false) => "; the checkpoint is in it".into(),
                (false, false) => String::new(),
            };
            out.say(format!(
                "audit log intact: {} events, {} records re-hashed, head {}{reached}",
                v.events, v.records, v.head.seq,
            ));
            out.summary(
                &json!({"intact": true, "events": v.events, "records": v.records,
                "head": v.head.to_string(), "checkpoints": given.len()}),
            );
            Ok(ExitCode::SUCCESS)
        }
        Err(unfit) => {
            let named = unfit.checkpoint.and_then(|i| series.get(i));
            out.summary(
                &json!({"intact": false, "event": unfit.seq, "message": unfit.message,
                "checkpoint": named.map(|(at, c)| json!({"at": at, "checkpoint": c.to_string()}))}),
            );
            match named {
                Some((at, c)) => eprintln!(
                    "probity: audit log does not verify against the checkpoint at {at} ({c}): {unfit}"
                ),
                None => eprintln!("probity: audit log does not verify: {unfit}"),
            }
            Ok(ExitCode::FAILURE)
        }
    }
}

/// Prints the signed head of the log.
pub fn checkpoint(args: CheckpointArgs, database: &Database, _quiet: bool) -> Result<ExitCode> {
    let head = db::runtime()?.block_on(async {
        let store = db::open(database).await?;
        let head = store.checkpoint().await?;
        store.close().await;
        anyhow::Ok(head)
    })?;
    // Printed even when quiet: it is what was asked for.
    match args.format {
        SummaryFormat::Text => crate::outln!("{head}"),
        SummaryFormat::Json => crate::outln!(
            "{}",
            json!({"checkpoint": head.to_string(), "seq": head.seq, "sha256": head.sha256})
        ),
    }
    Ok(ExitCode::SUCCESS)
}
