//! Keeping the database: `probity key rotate`, `probity backup FILE`, `probity restore FILE`.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Result;
use serde_json::json;

use crate::cmd::db::{self, Database};
use crate::output::{Output, SummaryFormat};

/// Arguments of `probity key rotate`.
#[derive(Debug, clap::Args)]
pub struct RotateArgs {
    /// How the summary is printed.
    #[arg(long, value_enum, default_value_t = SummaryFormat::Text)]
    format: SummaryFormat,
}

/// Arguments of `probity backup` and `probity restore`.
#[derive(Debug, clap::Args)]
pub struct FileArgs {
    /// The backup file (a SQLite file with Probity's schema; the key file is not in it).
    file: PathBuf,
    /// How the summary is printed.
    #[arg(long, value_enum, default_value_t = SummaryFormat::Text)]
    format: SummaryFormat,
}

/// Re-seals every value under a new data key while the system runs.
pub fn rotate(args: RotateArgs, database: &Database, quiet: bool) -> Result<ExitCode> {
    let out = Output::new(quiet, args.format);
    let bar = out.progress(0, "re-sealing");
    let rotated = db::runtime()?.block_on(async {
        let store = db::open(database).await?;
        let tick = |n: u64| bar.set_position(n);
        let r = store.rotate_key(&db::stamp(), &tick).await?;
        store.close().await;
        anyhow::Ok(r)
    })?;
    bar.finish_and_clear();
    out.say(format!(
        "data key {} → {}: {} rows re-sealed; retired keys {:?} are no longer in {}",
        rotated.from,
        rotated.to,
        rotated.rows,
        rotated.retired,
        database.key_file.display()
    ));
    out.say("backups taken before the rotation need the key file as it was then");
    out.summary(
        &json!({"from": rotated.from, "to": rotated.to, "rows": rotated.rows,
        "retired": rotated.retired}),
    );
    Ok(ExitCode::SUCCESS)
}

fn copied_summary(
    out: &Output,
    verb: &str,
    file: &std::path::Path,
    copied: &probity_store::Copied,
) {
    let rows: u64 = copied.iter().map(|(_, n)| n).sum();
    out.say(format!(
        "{verb} {}: {rows} rows in {} tables",
        file.display(),
        copied.len()
    ));
    out.summary(&json!({"file": file.display().to_string(), "rows": rows,
        "tables": copied.iter().map(|(t, n)| (t.to_string(), *n)).collect::<std::collections::BTreeMap<_, _>>()}));
}

/// A consistent snapshot into a new file, while the server runs.
pub fn backup(args: FileArgs, database: &Database, quiet: bool) -> Result<ExitCode> {
    let out = Output::new(quiet, args.format);
    let copied = db::runtime()?.block_on(async {
        let store = db::open(database).await?;
        let copied = store.backup(&args.file).await?;
        store.close().await;
        anyhow::Ok(copied)
    })?;
    copied_summary(&out, "backed up to", &args.file, &copied);
    Ok(ExitCode::SUCCESS)
}

/// Brings a backup back into an empty database.
pub fn restore(args: FileArgs, database: &Database, quiet: bool) -> Result<ExitCode> {
    let out = Output::new(quiet, args.format);
    let copied = db::runtime()?.block_on(async {
        let store = db::open(database).await?;
        let copied = store.restore(&args.file).await?;
        let verified = store.verify_audit(None).await?;
        store.close().await;
        if let Err(unfit) = verified {
            anyhow::bail!("restored, but the audit log does not verify: {unfit}");
        }
        anyhow::Ok(copied)
    })?;
    copied_summary(&out, "restored from", &args.file, &copied);
    Ok(ExitCode::SUCCESS)
}
