//! Loading files into the database, all or nothing per file: `probity roster import`,
//! `probity cycle open`, `probity declaration import`, `probity registry import`.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{Context, Result, bail};
use probity_model::{Date, Profile};
use probity_store::import::Removals;
use probity_store::{Imported, RegistryFile};
use serde_json::json;

use crate::cmd::db::{self, Database};
use crate::cmd::validate::{load_profiles, validate_text};
use crate::output::{Output, SummaryFormat};

/// Arguments of `probity roster import`.
#[derive(Debug, clap::Args)]
pub struct RosterArgs {
    /// The roster (`roster.csv`, FORMATS.md): the whole list of reporting subjects.
    file: PathBuf,
    /// Take off everyone the file leaves out, even more than 20 % of a unit's subjects (without
    /// it, such a file is refused, naming the units).
    #[arg(long)]
    allow_removals: bool,
    /// How the summary is printed.
    #[arg(long, value_enum, default_value_t = SummaryFormat::Text)]
    format: SummaryFormat,
}

/// Arguments of `probity cycle open`.
#[derive(Debug, clap::Args)]
pub struct CycleArgs {
    /// The year reported on.
    #[arg(long)]
    year: i32,
    /// The deadline (default: the profile's, 31 January of the next year under `cn`).
    #[arg(long)]
    deadline: Option<String>,
    /// The profile whose deadline applies.
    #[arg(long, default_value = "cn")]
    profile: String,
    /// How the summary is printed.
    #[arg(long, value_enum, default_value_t = SummaryFormat::Text)]
    format: SummaryFormat,
}

/// Arguments of `probity cycle close`.
#[derive(Debug, clap::Args)]
pub struct CloseArgs {
    /// The year reported on.
    #[arg(long)]
    year: i32,
    /// How the summary is printed.
    #[arg(long, value_enum, default_value_t = SummaryFormat::Text)]
    format: SummaryFormat,
}

/// Arguments of `probity declaration import`.
#[derive(Debug, clap::Args)]
pub struct DeclarationArgs {
    /// Declarations: JSONL (one a line), one JSON object, or a JSON array.
    file: PathBuf,
    /// Further profiles (TOML) that reports may name.
    #[arg(long = "profile", value_name = "FILE")]
    profiles: Vec<PathBuf>,
    /// How the summary is printed.
    #[arg(long, value_enum, default_value_t = SummaryFormat::Text)]
    format: SummaryFormat,
}

/// Arguments of `probity registry import`.
#[derive(Debug, clap::Args)]
pub struct RegistryArgs {
    /// Folder of registry extracts (one CSV or Parquet file per source, FORMATS.md).
    dir: PathBuf,
    /// How the summary is printed.
    #[arg(long, value_enum, default_value_t = SummaryFormat::Text)]
    format: SummaryFormat,
}

/// The log line of an import: what was imported, the counts and how long it took; never the
/// file's name (a name may be a person's) nor anything in it.
fn log_import(what: &str, started: std::time::Instant, r: &Imported) {
    tracing::info!(
        target: "probity::import",
        what,
        already_imported = r.already,
        added = r.added,
        changed = r.changed,
        removed = r.removed,
        unchanged = r.unchanged,
        duration_ms = started.elapsed().as_millis() as u64,
        "import"
    );
}

fn report(out: &Output, what: &str, file: &str, r: &Imported, started: std::time::Instant) {
    log_import(what, started, r);
    if r.already {
        out.say(format!("{file}: imported before; nothing changed"));
    } else {
        out.say(format!(
            "{file}: {} {what} added, {} changed, {} removed, {} unchanged",
            r.added, r.changed, r.removed, r.unchanged
        ));
    }
    out.summary(
        &json!({"file": file, "already_imported": r.already, "added": r.added,
        "changed": r.changed, "removed": r.removed, "unchanged": r.unchanged}),
    );
}

fn read(path: &Path) -> Result<Vec<u8>> {
    std::fs::read(path).with_context(|| format!("cannot read {}", path.display()))
}

/// `probity roster import FILE`.
pub fn roster(args: RosterArgs, database: &Database, quiet: bool) -> Result<ExitCode> {
    let out = Output::new(quiet, args.format);
    let bytes = read(&args.file)?;
    let name = args.file.display().to_string();
    let started = std::time::Instant::now();
    let r = db::runtime()?.block_on(async {
        let store = db::open(database).await?;
        let removals = if args.allow_removals {
            Removals::Allowed
        } else {
            Removals::Guarded
        };
        let r = store
            .import_roster_with(
                &probity_store::UnitScope::Department,
                &db::stamp(),
                &name,
                &bytes,
                removals,
            )
            .await;
        store.close().await;
        anyhow::Ok(r?)
    })?;
    if r.already {
        log_import("subjects", started, &r);
        // Compared with the roster as stored, not with the files imported before.
        out.say(format!(
            "{name}: the roster is as the file has it; nothing changed"
        ));
        out.summary(&json!({"file": name, "already_imported": true, "added": 0,
            "changed": 0, "removed": 0, "unchanged": r.unchanged}));
        return Ok(ExitCode::SUCCESS);
    }
    report(&out, "subjects", &name, &r, started);
    Ok(ExitCode::SUCCESS)
}

/// `probity cycle open --year Y`.
pub fn cycle_open(args: CycleArgs, database: &Database, quiet: bool) -> Result<ExitCode> {
    let out = Output::new(quiet, args.format);
    let deadline = match &args.deadline {
        Some(text) => Date::parse(text).map_err(|e| anyhow::anyhow!("--deadline {text}: {e}"))?,
        None => Profile::builtin(&args.profile)?
            .annual_deadline(args.year)
            .with_context(|| format!("no deadline for {}", args.year))?,
    };
    let r = db::runtime()?.block_on(async {
        let store = db::open(database).await?;
        let r = store.open_cycle(&db::stamp(), args.year, deadline).await?;
        store.close().await;
        anyhow::Ok(r)
    })?;
    if r.already {
        out.say(format!(
            "cycle {} is open already; nothing changed",
            args.year
        ));
    } else {
        out.say(format!("cycle {} open, due {deadline}", args.year));
    }
    out.summary(
        &json!({"year": args.year, "deadline": deadline.to_string(), "already_open": r.already}),
    );
    Ok(ExitCode::SUCCESS)
}

/// `probity cycle close --year Y`: audited `cycle.close`; the cycle then takes annual reports
/// only as late filings.
pub fn cycle_close(args: CloseArgs, database: &Database, quiet: bool) -> Result<ExitCode> {
    let out = Output::new(quiet, args.format);
    let r = db::runtime()?.block_on(async {
        let store = db::open(database).await?;
        let r = store.close_cycle(&db::stamp(), args.year).await;
        store.close().await;
        anyhow::Ok(r?)
    })?;
    if r.already {
        out.say(format!(
            "cycle {} was closed already; nothing changed",
            args.year
        ));
    } else {
        out.say(format!(
            "cycle {} closed: annual reports for it are taken only as late filings",
            args.year
        ));
    }
    out.summary(&json!({"year": args.year, "already_closed": r.already}));
    Ok(ExitCode::SUCCESS)
}

/// `probity declaration import FILE`: every report must be valid, or nothing is stored.
pub fn declarations(args: DeclarationArgs, database: &Database, quiet: bool) -> Result<ExitCode> {
    let out = Output::new(quiet, args.format);
    let profiles = load_profiles(&args.profiles)?;
    let bytes = read(&args.file)?;
    let text = String::from_utf8(bytes)
        .map_err(|_| anyhow::anyhow!("{}: not UTF-8 text", args.file.display()))?;
    let parsed = validate_text(&args.file, &text, &profiles, true);
    if !parsed.problems.is_empty() {
        for p in &parsed.problems {
            eprintln!(
                "{}:{}: {}: {}",
                args.file.display(),
                p.line,
                p.issue.path,
                p.issue.message
            );
        }
        bail!(
            "{}: {} of {} reports have errors; nothing was stored",
            args.file.display(),
            parsed.declarations - parsed.valid,
            parsed.declarations
        );
    }
    let name = args.file.display().to_string();
    let started = std::time::Instant::now();
    let r = db::runtime()?.block_on(async {
        let store = db::open(database).await?;
        let r = store
            .import_declarations(&db::stamp(), &name, text.as_bytes(), &parsed.reports)
            .await?;
        store.close().await;
        anyhow::Ok(r)
    })?;
    report(&out, "reports", &name, &r, started);
    Ok(ExitCode::SUCCESS)
}

/// Reads and checks every registry file of a folder: what `registry import` stores.
pub fn registry_files(dir: &Path) -> Result<Vec<RegistryFile>> {
    Ok(probity_app::registry::registry_files(dir)?)
}

/// `probity registry import DIR`: every file is read and checked before anything is stored.
pub fn registry(args: RegistryArgs, database: &Database, quiet: bool) -> Result<ExitCode> {
    let out = Output::new(quiet, args.format);
    let started = std::time::Instant::now();
    let files = registry_files(&args.dir)?;
    let name = args.dir.display().to_string();
    let r = db::runtime()?.block_on(async {
        let store = db::open(database).await?;
        let r = store.import_registry(&db::stamp(), &files).await?;
        store.close().await;
        anyhow::Ok(r)
    })?;
    report(&out, "files", &name, &r, started);
    Ok(ExitCode::SUCCESS)
}
