//! The `probity` command: every verb of the reporting system (DESIGN.md, "The `probity` command").
//!
//! Each verb lives in its own module under `cmd/` with an `Args` struct and a `run` function.
//! Errors travel as `anyhow` and are printed once, as `probity: …`, by [`main`].

use std::process::ExitCode;

use clap::{Parser, Subcommand};

mod cmd;
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
}

#[derive(Debug, Subcommand)]
enum BenchVerb {
    /// The cross-check on synthetic data: declarations per second, MB/s, peak memory, against the
    /// time merely to parse the same files.
    Check(cmd::bench::CheckArgs),
}

#[derive(Debug, Subcommand)]
enum DeclarationVerb {
    /// Check declaration files (JSON or JSONL); print every error as FILE:LINE: $.path: message.
    Validate(cmd::validate::Args),
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
    let cli = Cli::parse();
    let quiet = cli.quiet;
    let result = match cli.verb {
        Verb::Demo(args) => cmd::demo::run(args, quiet),
        Verb::Synth(args) => cmd::synth::run(args, quiet),
        Verb::Declaration(DeclarationVerb::Validate(args)) => cmd::validate::run(args, quiet),
        Verb::Check(args) => cmd::check::run(args, quiet),
        Verb::Score(args) => cmd::score::run(args, quiet),
        Verb::Link(args) => cmd::link::run(args, quiet),
        Verb::Bench(BenchVerb::Check(args)) => cmd::bench::check(args, quiet),
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
