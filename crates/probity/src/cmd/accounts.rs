//! `probity user accounts`: a declarant account for everyone on the roster (of a unit, or all)
//! who has none, with initial passwords written to a CSV file to hand out.

use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Instant;

use anyhow::{Context, Result};
use serde_json::json;

use crate::cmd::db::{self, Database};
use crate::output::{Output, SummaryFormat};

/// Arguments of `probity user accounts`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// The CSV of usernames and initial passwords (created; refused if it exists): keep it
    /// safe, it is the only copy of the passwords.
    #[arg(long)]
    out: PathBuf,
    /// Only the subjects of this unit.
    #[arg(long)]
    unit: Option<String>,
    /// How usernames are made: letters, digits, `.`, `_`, `-` and the placeholders `{name}`
    /// (the name in pinyin), `{initials}` (its initials), `{unit}` (the unit's initials); a
    /// username in use gets a number (`zhangwei2`).
    #[arg(long, default_value = probity_app::accounts::UsernamePattern::DEFAULT)]
    usernames: String,
    /// How the summary is printed.
    #[arg(long, value_enum, default_value_t = SummaryFormat::Text)]
    format: SummaryFormat,
}

/// Runs the verb.
pub fn run(args: Args, database: &Database, quiet: bool) -> Result<ExitCode> {
    let out = Output::new(quiet, args.format);
    let pattern = probity_app::accounts::UsernamePattern::parse(&args.usernames)?;
    // Written as each chunk is committed, so that a failure half-way keeps the passwords of
    // every account created; mode 0600, since it holds passwords.
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let file = options
        .open(&args.out)
        .with_context(|| format!("cannot create {}", args.out.display()))?;
    let mut csv = probity_store::csv_out::Writer::from_writer(std::io::BufWriter::new(file));
    csv.write_record(["username", "name", "unit", "initial_password"])?;
    let started = Instant::now();
    let created = db::runtime()?.block_on(async {
        let store = db::open(database).await?;
        let created = probity_app::accounts::create_roster_accounts(
            &store,
            &db::stamp(),
            &probity_store::UnitScope::Department,
            args.unit.as_deref(),
            &pattern,
            |chunk| {
                for a in chunk {
                    csv.write_record([&a.username, &a.name, &a.unit, &a.password])
                        .map_err(|e| e.to_string())?;
                }
                csv.flush().map_err(|e| e.to_string())?;
                if !quiet {
                    eprint!(".");
                }
                Ok(())
            },
        )
        .await
        .with_context(|| {
            format!(
                "the passwords of those created are in {}",
                args.out.display()
            )
        });
        store.close().await;
        created
    })?;
    let mut inner = csv
        .into_inner()
        .map_err(|e| anyhow::anyhow!("{}", e.error()))?;
    inner.flush()?;
    inner
        .get_ref()
        .sync_all()
        .with_context(|| format!("cannot write {}", args.out.display()))?;
    let seconds = started.elapsed().as_secs_f64();
    if !quiet {
        eprintln!();
    }
    out.say(format!(
        "{created} accounts created in {seconds:.1} s; initial passwords in {} (to be changed at the first sign-in)",
        args.out.display()
    ));
    out.summary(&json!({"created": created, "seconds": seconds, "out": args.out}));
    Ok(ExitCode::SUCCESS)
}
