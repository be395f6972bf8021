//! `probity user reset` and `probity user unlock`: an operator's help with one account, each
//! audited (`user.reset`, `user.unlock`).

use std::process::ExitCode;

use anyhow::Result;
use serde_json::json;

use crate::cmd::db::{self, Database};
use crate::output::{Output, SummaryFormat};

/// Arguments of `probity user reset` and `probity user unlock`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Sign-in name of the account.
    username: String,
    /// How the result is printed.
    #[arg(long, value_enum, default_value_t = SummaryFormat::Text)]
    format: SummaryFormat,
}

/// Gives the account a new initial password, printed this once on standard output (alone on
/// its line, or in the JSON summary); it must be changed at the next sign-in, and the account's
/// sessions end.
pub fn reset(args: Args, database: &Database, quiet: bool) -> Result<ExitCode> {
    let out = Output::new(quiet, args.format);
    let password = probity_app::passwords::initial_password();
    let hash = probity_app::passwords::hash_initial(&password).map_err(|e| anyhow::anyhow!(e))?;
    db::runtime()?.block_on(async {
        let store = db::open(database).await?;
        let result = match store.user(&args.username).await? {
            None => Err(anyhow::anyhow!("no account {:?}", args.username)),
            Some(_) => Ok(store
                .reset_password(&db::stamp(), &args.username, &hash)
                .await?),
        };
        store.close().await;
        result
    })?;
    if out.json() {
        out.summary(&json!({"username": args.username, "initial_password": password}));
    } else {
        if !quiet {
            eprintln!(
                "new initial password of {} (shown this once; to be changed at the first sign-in):",
                args.username
            );
        }
        crate::outln!("{password}");
    }
    Ok(ExitCode::SUCCESS)
}

/// Lifts the account's sign-in lock and forgets its failed sign-ins.
pub fn unlock(args: Args, database: &Database, quiet: bool) -> Result<ExitCode> {
    let out = Output::new(quiet, args.format);
    let was_locked = db::runtime()?.block_on(async {
        let store = db::open(database).await?;
        let result = if store.user(&args.username).await?.is_none() {
            Err(anyhow::anyhow!("no account {:?}", args.username))
        } else {
            Ok(store.unlock_user(&db::stamp(), &args.username).await?)
        };
        store.close().await;
        result
    })?;
    if was_locked {
        out.say(format!("{} unlocked", args.username));
    } else {
        out.say(format!(
            "{} was not locked; its failed sign-ins are forgotten",
            args.username
        ));
    }
    out.summary(&json!({"username": args.username, "was_locked": was_locked}));
    Ok(ExitCode::SUCCESS)
}
