//! `probity audit verify [--checkpoint H]` and `probity audit checkpoint`.

use std::process::ExitCode;

use anyhow::Result;
use probity_store::Checkpoint;
use serde_json::json;

use crate::cmd::db::{self, Database};
use crate::output::{Output, SummaryFormat};

/// Arguments of `probity audit verify`.
#[derive(Debug, clap::Args)]
pub struct VerifyArgs {
    /// A checkpoint printed earlier by `probity audit checkpoint`: also prove the log up to it
    /// is the one that was checkpointed.
    #[arg(long)]
    checkpoint: Option<String>,
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

/// Walks the log: exit 0 when everything fits, 1 naming the first event that does not.
pub fn verify(args: VerifyArgs, database: &Database, quiet: bool) -> Result<ExitCode> {
    let out = Output::new(quiet, args.format);
    let checkpoint = args
        .checkpoint
        .as_deref()
        .map(str::parse::<Checkpoint>)
        .transpose()
        .map_err(|e| anyhow::anyhow!("--checkpoint: {e}"))?;
    let outcome = db::runtime()?.block_on(async {
        let store = db::open(database).await?;
        let outcome = store.verify_audit(checkpoint.as_ref()).await?;
        store.close().await;
        anyhow::Ok(outcome)
    })?;
    match outcome {
        Ok(v) => {
            out.say(format!(
                "audit log intact: {} events, {} records re-hashed, head {}{}",
                v.events,
                v.records,
                v.head.seq,
                if checkpoint.is_some() {
                    "; the checkpoint is in it"
                } else {
                    ""
                }
            ));
            out.summary(
                &json!({"intact": true, "events": v.events, "records": v.records,
                "head": v.head.to_string()}),
            );
            Ok(ExitCode::SUCCESS)
        }
        Err(unfit) => {
            out.summary(&json!({"intact": false, "event": unfit.seq, "message": unfit.message}));
            eprintln!("probity: audit log does not verify: {unfit}");
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
