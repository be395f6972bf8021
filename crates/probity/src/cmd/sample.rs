//! `probity sample draw | reveal | verify`: the cycle's sample, which nobody can steer
//! (`probity_model::sample` documents the algorithm).

use std::process::ExitCode;

use anyhow::Result;
use serde_json::json;

use crate::cmd::db::{self, Database};
use crate::output::{Output, SummaryFormat};

/// Arguments of `probity sample draw`.
#[derive(Debug, clap::Args)]
pub struct DrawArgs {
    /// The cycle.
    #[arg(long)]
    cycle: i32,
    /// The random part's rate (default: the profile's, 0.10 under `cn`).
    #[arg(long)]
    rate: Option<probity_model::sample::Rate>,
    /// Lower-case hex SHA-256 of the seed's UTF-8 bytes, published before the seed is.
    #[arg(long)]
    seed_commitment: String,
    /// How the summary is printed.
    #[arg(long, value_enum, default_value_t = SummaryFormat::Text)]
    format: SummaryFormat,
}

/// Arguments of `probity sample reveal`.
#[derive(Debug, clap::Args)]
pub struct RevealArgs {
    /// The cycle.
    #[arg(long)]
    cycle: i32,
    /// The seed committed to.
    #[arg(long)]
    seed: String,
}

/// Arguments of `probity sample verify`.
#[derive(Debug, clap::Args)]
pub struct VerifyArgs {
    /// The cycle.
    #[arg(long)]
    cycle: i32,
    /// How the summary is printed.
    #[arg(long, value_enum, default_value_t = SummaryFormat::Text)]
    format: SummaryFormat,
}

/// Freezes the frame and records the commitment.
pub fn draw(args: DrawArgs, database: &Database, quiet: bool) -> Result<ExitCode> {
    let out = Output::new(quiet, args.format);
    let rate = match args.rate {
        Some(r) => r,
        None => probity_model::Profile::builtin("cn")?.sampling.random_rate,
    };
    let sample = db::runtime()?.block_on(async {
        let store = db::open(database).await?;
        let s = store
            .commit_sample(
                &db::stamp(),
                &probity_model::Profile::builtin("cn")?,
                args.cycle,
                rate,
                &args.seed_commitment,
            )
            .await?;
        store.close().await;
        anyhow::Ok(s)
    })?;
    let filed = sample.frame.members.iter().filter(|m| m.filed).count();
    let flagged = sample
        .frame
        .members
        .iter()
        .filter(|m| !m.flags.is_empty())
        .count();
    out.say(format!(
        "cycle {}: frame of {} subjects frozen ({filed} filed, {flagged} flagged for a key check), hash {}",
        args.cycle,
        sample.frame.members.len(),
        sample.frame_sha256
    ));
    out.say(format!(
        "{} will be drawn at random at rate {rate}, plus the flagged; reveal the seed with `probity sample reveal`",
        sample.frame.random_size(rate)
    ));
    out.summary(
        &json!({"cycle": args.cycle, "frame": sample.frame.members.len(), "filed": filed,
        "flagged": flagged, "frame_sha256": sample.frame_sha256, "rate": rate.to_string(),
        "random": sample.frame.random_size(rate)}),
    );
    Ok(ExitCode::SUCCESS)
}

/// Checks the seed against the commitment, draws, prints the drawn subjects' IDs, one a line.
pub fn reveal(args: RevealArgs, database: &Database, _quiet: bool) -> Result<ExitCode> {
    let ids = db::runtime()?.block_on(async {
        let store = db::open(database).await?;
        let stamp = db::stamp();
        let s = store.reveal_sample(&stamp, args.cycle, &args.seed).await?;
        let ids = store.resident_ids(&stamp, &s.drawn).await?;
        store.close().await;
        anyhow::Ok(ids)
    })?;
    for id in ids {
        crate::outln!("{id}");
    }
    Ok(ExitCode::SUCCESS)
}

/// Recomputes the draw from what is stored: exit 1 if anything differs.
pub fn verify(args: VerifyArgs, database: &Database, quiet: bool) -> Result<ExitCode> {
    let out = Output::new(quiet, args.format);
    let outcome = db::runtime()?.block_on(async {
        let store = db::open(database).await?;
        let o = store.verify_sample(args.cycle).await?;
        store.close().await;
        anyhow::Ok(o)
    })?;
    match outcome {
        Ok(s) => {
            out.say(format!(
                "cycle {}: the draw of {} subjects is what the frame {} and the committed seed give",
                args.cycle,
                s.drawn.len(),
                s.frame_sha256
            ));
            out.summary(&json!({"cycle": args.cycle, "verified": true, "drawn": s.drawn.len()}));
            Ok(ExitCode::SUCCESS)
        }
        Err(why) => {
            out.summary(&json!({"cycle": args.cycle, "verified": false, "why": why}));
            eprintln!(
                "probity: sample of cycle {} does not verify: {why}",
                args.cycle
            );
            Ok(ExitCode::FAILURE)
        }
    }
}
