//! The `probity` command: every verb of the reporting system (DESIGN.md, "The `probity` command").
//!
//! Each verb lives in its own module under `cmd/` with an `Args` struct and a `run` function.
//! Errors travel as `anyhow` and are printed once, as `probity: …`, by [`main`].

use std::process::ExitCode;

use clap::{CommandFactory, FromArgMatches, Parser, Subcommand};

mod cmd;
mod config;
mod logging;
mod output;

// The engine allocates many small strings on every core at once; glibc's allocator spent a third
// of `probity bench check`'s time in malloc and free (perf), mimalloc a fraction of that.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// Personal-matters reporting for officials: rosters, reports, registry cross-checks, cases and an
/// audit trail nobody can quietly rewrite.
#[derive(Debug, Parser)]
#[command(name = "probity", version, about, propagate_version = true)]
struct Cli {
    /// Print nothing but errors and requested JSON, and no progress bars.
    #[arg(long, short, global = true)]
    quiet: bool,
    /// How log lines (on standard error; `RUST_LOG` filters them) are written.
    #[arg(long, global = true, env = "PROBITY_LOG_FORMAT", value_enum, default_value_t = config::LogFormat::Text)]
    log_format: config::LogFormat,
    #[command(flatten)]
    database: cmd::db::Database,
    #[command(subcommand)]
    verb: Verb,
}

#[derive(Debug, Subcommand)]
enum Verb {
    /// A complete demo in one step: a synthetic organisation with reports and registry extracts.
    Demo(cmd::demo::Args),
    /// Write a deterministic synthetic population: roster, reports, registry extracts, truth.
    Synth(cmd::synth::Args),
    /// Work with declarations (reports).
    #[command(subcommand)]
    Declaration(DeclarationVerb),
    /// Cross-check every report in a file against a folder of registry extracts.
    Check(cmd::check::Args),
    /// Score found discrepancies against the truth: precision, recall, F1, classification agreement.
    Score(cmd::score::Args),
    /// Link the records of two CSV files that are about the same person (no labels needed).
    Link(cmd::link::Args),
    /// Measure speed and memory (benchmarks, never tests).
    #[command(subcommand)]
    Bench(BenchVerb),
    /// Create or migrate the database; create the key file if there is none.
    Init(cmd::init::Args),
    /// The roster of reporting subjects.
    #[command(subcommand)]
    Roster(RosterVerb),
    /// Reporting cycles.
    #[command(subcommand)]
    Cycle(CycleVerb),
    /// Registry extracts.
    #[command(subcommand)]
    Registry(RegistryVerb),
    /// The audit log: verify it, print a checkpoint.
    #[command(subcommand)]
    Audit(AuditVerb),
    /// The keys of the personal data.
    #[command(subcommand)]
    Key(KeyVerb),
    /// The cycle's sample, which nobody can steer: commit, reveal, verify.
    #[command(subcommand)]
    Sample(SampleVerb),
    /// Cross-check a cycle's sampled (or, with --all, every) stored report against the latest
    /// registry imports; open cases.
    Verify(cmd::verify::Args),
    /// A cycle's findings in force (one case per subject; the latest run of each report), as
    /// JSONL or CSV: FORMATS.md's discrepancy fields plus case_id, report_kind and run.
    Findings(cmd::findings::Args),
    /// A cycle's statistics per unit and in total (counts only, no personal data), as CSV or JSON.
    Stats(cmd::stats::Args),
    /// Serve the web application.
    Serve(cmd::serve::Args),
    /// The server's configuration (`probity.toml`, `PROBITY_*` variables, flags).
    #[command(subcommand)]
    Config(ConfigVerb),
    /// Accounts of the web application.
    #[command(subcommand)]
    User(UserVerb),
    /// Take a consistent snapshot of the database into a new file, while it runs.
    Backup(cmd::maintain::FileArgs),
    /// Bring a backup back into an empty database.
    Restore(cmd::maintain::FileArgs),
}

#[derive(Debug, Subcommand)]
enum ConfigVerb {
    /// Check the configuration and print the settings in force, each with where it came from
    /// (secrets masked); exit 1 naming the first setting that is wrong.
    Check(cmd::serve::Args),
}

#[derive(Debug, Subcommand)]
enum SampleVerb {
    /// Freeze the cycle's frame and record the commitment to a seed not yet revealed.
    Draw(cmd::sample::DrawArgs),
    /// Reveal the seed: draw, and print the drawn subjects' IDs, one a line.
    Reveal(cmd::sample::RevealArgs),
    /// Recompute the draw from what is stored; exit 1 if anything differs.
    Verify(cmd::sample::VerifyArgs),
}

#[derive(Debug, Subcommand)]
enum UserVerb {
    /// Create an account (the password is read from standard input).
    Add(cmd::serve::UserArgs),
    /// Create a declarant account for everyone on the roster (or a unit) without one; initial
    /// passwords, to be changed at the first sign-in, go to a CSV file.
    Accounts(cmd::accounts::Args),
    /// Give an account a new initial password, printed once; it must be changed at the next
    /// sign-in, and the account's sessions end.
    Reset(cmd::user::Args),
    /// Lift an account's lock after too many failed sign-ins.
    Unlock(cmd::user::Args),
}

#[derive(Debug, Subcommand)]
enum RosterVerb {
    /// Load the roster (the whole list; who is missing is taken off it), all or nothing.
    Import(cmd::import::RosterArgs),
}

#[derive(Debug, Subcommand)]
enum CycleVerb {
    /// Open the reporting cycle on a year.
    Open(cmd::import::CycleArgs),
    /// Close a cycle: from then on it takes annual reports only as marked late filings.
    Close(cmd::import::CloseArgs),
}

#[derive(Debug, Subcommand)]
enum RegistryVerb {
    /// Load a folder of registry extracts, all or nothing.
    Import(cmd::import::RegistryArgs),
}

#[derive(Debug, Subcommand)]
enum AuditVerb {
    /// Walk the log and every record it covers; exit 1 naming the first event that does not fit.
    Verify(cmd::audit::VerifyArgs),
    /// Print the signed head of the log, to publish or print on paper.
    Checkpoint(cmd::audit::CheckpointArgs),
}

#[derive(Debug, Subcommand)]
enum KeyVerb {
    /// Re-seal every value under a new data key, without stopping the system.
    Rotate(cmd::maintain::RotateArgs),
}

#[derive(Debug, Subcommand)]
enum BenchVerb {
    /// The cross-check on synthetic data: declarations per second, MB/s, peak memory, against the
    /// time merely to parse the same files.
    Check(cmd::bench::CheckArgs),
    /// The store on synthetic data: bulk import of every report, then single-report submits
    /// per second, on SQLite or PostgreSQL.
    Store(cmd::bench_store::Args),
    /// Prepares the web load benchmark that `bench/web/run.sh` runs: a database with signed-in
    /// declarants, their session tokens and the reports they will submit.
    Web(cmd::bench_web::Args),
}

#[derive(Debug, Subcommand)]
enum DeclarationVerb {
    /// Check declaration files (JSON or JSONL); print every error as FILE:LINE: $.path: message.
    Validate(cmd::validate::Args),
    /// Load a declarations file into the database, all or nothing.
    Import(cmd::import::DeclarationArgs),
}

fn main() -> ExitCode {
    // A panic inside the Parquet decoder is caught by the reader and reported as a malformed file,
    // in one line like every error: print nothing for it here. Any other panic is a bug and is
    // printed as usual.
    let default_hook = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        if !probity_check::parquet::decoding() {
            default_hook(info);
        }
    }));
    let matches = Cli::command().get_matches();
    let cli = match Cli::from_arg_matches(&matches) {
        Ok(cli) => cli,
        Err(e) => e.exit(),
    };
    // The settings' sources (flag, variable or default) are read from the verb's own matches,
    // where global flags are propagated.
    let verb_matches = matches
        .subcommand()
        .map(|(_, m)| m.subcommand().map_or(m, |(_, m)| m));
    let quiet = cli.quiet;
    let log_format = cli.log_format;
    if !matches!(cli.verb, Verb::Serve(_)) {
        // Other verbs print what they do themselves: only warnings and errors are logged,
        // unless RUST_LOG asks for more.
        logging::init(log_format, "warn");
    }
    let db = &cli.database;
    let result = match cli.verb {
        Verb::Demo(args) => cmd::demo::run(args, quiet),
        Verb::Synth(args) => cmd::synth::run(args, quiet),
        Verb::Declaration(DeclarationVerb::Validate(args)) => cmd::validate::run(args, quiet),
        Verb::Check(args) => cmd::check::run(args, quiet),
        Verb::Score(args) => cmd::score::run(args, quiet),
        Verb::Link(args) => cmd::link::run(args, quiet),
        Verb::Bench(BenchVerb::Check(args)) => cmd::bench::check(args, quiet),
        Verb::Bench(BenchVerb::Store(args)) => cmd::bench_store::run(args, quiet),
        Verb::Bench(BenchVerb::Web(args)) => cmd::bench_web::run(args, db, quiet),
        Verb::Declaration(DeclarationVerb::Import(args)) => {
            cmd::import::declarations(args, db, quiet)
        }
        Verb::Init(args) => cmd::init::run(args, db, quiet),
        Verb::Roster(RosterVerb::Import(args)) => cmd::import::roster(args, db, quiet),
        Verb::Cycle(CycleVerb::Open(args)) => cmd::import::cycle_open(args, db, quiet),
        Verb::Cycle(CycleVerb::Close(args)) => cmd::import::cycle_close(args, db, quiet),
        Verb::Findings(args) => cmd::findings::run(args, db, quiet),
        Verb::Registry(RegistryVerb::Import(args)) => cmd::import::registry(args, db, quiet),
        Verb::Audit(AuditVerb::Verify(args)) => cmd::audit::verify(args, db, quiet),
        Verb::Audit(AuditVerb::Checkpoint(args)) => cmd::audit::checkpoint(args, db, quiet),
        Verb::Key(KeyVerb::Rotate(args)) => cmd::maintain::rotate(args, db, quiet),
        Verb::Sample(SampleVerb::Draw(args)) => cmd::sample::draw(args, db, quiet),
        Verb::Sample(SampleVerb::Reveal(args)) => cmd::sample::reveal(args, db, quiet),
        Verb::Sample(SampleVerb::Verify(args)) => cmd::sample::verify(args, db, quiet),
        Verb::Verify(args) => cmd::verify::run(args, db, quiet),
        Verb::Stats(args) => cmd::stats::run(args, db, quiet),
        Verb::Serve(args) => verb_matches
            .ok_or_else(|| anyhow::anyhow!("no arguments"))
            .and_then(|m| config::Settings::resolve(&args.settings, db, m, log_format))
            .and_then(|settings| {
                logging::init(settings.log_format.value, "info");
                cmd::serve::run(&settings, quiet)
            }),
        Verb::Config(ConfigVerb::Check(args)) => verb_matches
            .ok_or_else(|| anyhow::anyhow!("no arguments"))
            .and_then(|m| config::Settings::resolve(&args.settings, db, m, log_format))
            .and_then(|settings| config::check(&settings)),
        Verb::User(UserVerb::Add(args)) => cmd::serve::add_user(args, db, quiet),
        Verb::User(UserVerb::Accounts(args)) => cmd::accounts::run(args, db, quiet),
        Verb::User(UserVerb::Reset(args)) => cmd::user::reset(args, db, quiet),
        Verb::User(UserVerb::Unlock(args)) => cmd::user::unlock(args, db, quiet),
        Verb::Backup(args) => cmd::maintain::backup(args, db, quiet),
        Verb::Restore(args) => cmd::maintain::restore(args, db, quiet),
    };
    match result {
        Ok(code) => code,
        Err(e) => {
            // One line: the reason and its causes, outermost first.
            eprintln!("probity: {e:#}");
            ExitCode::FAILURE
        }
    }
}
