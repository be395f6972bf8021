//! `probity init`: create or migrate the database, and create the key file if there is none.

use std::process::ExitCode;

use anyhow::Result;
use probity_store::Keyring;
use serde_json::json;

use crate::cmd::db::{self, Database};
use crate::output::{Output, SummaryFormat};

/// Arguments of `probity init`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// How the summary is printed.
    #[arg(long, value_enum, default_value_t = SummaryFormat::Text)]
    format: SummaryFormat,
}

/// Runs the verb.
pub fn run(args: Args, database: &Database, quiet: bool) -> Result<ExitCode> {
    let out = Output::new(quiet, args.format);
    let created = !database.key_file.exists();
    if created {
        Keyring::create(&database.key_file)?;
        // Said even when quiet: losing this file loses the data.
        eprintln!(
            "probity: created key file {}: back it up and keep it apart from the database; \
             without it the personal data in the database cannot be read",
            database.key_file.display()
        );
    }
    let (store, head) = db::runtime()?.block_on(async {
        let store = db::open(database).await?;
        let head = store.checkpoint().await?;
        anyhow::Ok((store, head))
    })?;
    out.say(format!(
        "database {} ready ({:?}); audit log at event {}",
        db::redact(&database.db),
        store.backend(),
        head.seq
    ));
    out.summary(
        &json!({"database": db::redact(&database.db), "key_file_created": created,
        "audit_events": head.seq}),
    );
    Ok(ExitCode::SUCCESS)
}
