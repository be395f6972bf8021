//! `probity stats --cycle Y [--format csv|json] [--unit U]…`: a cycle's statistics per unit and
//! in total (`Store::statistics` says what each count means), counts only: no name, resident
//! ID or person key is printed.

use std::process::ExitCode;

use anyhow::{Context, Result, anyhow};
use probity_model::Profile;
use probity_model::profile::DEFAULT_PROFILE;

use crate::cmd::db::{self, Database};

/// How the statistics are printed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum)]
pub enum StatsFormat {
    /// One row per unit and a total, columns as documented in README (`/statistics.csv` too).
    #[default]
    Csv,
    /// One JSON object: the cycle, `units` and `total`, counts by name.
    Json,
}

/// Arguments of `probity stats`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// The cycle (the year reported on).
    #[arg(long)]
    cycle: i32,
    /// How the statistics are printed.
    #[arg(long, value_enum, default_value_t = StatsFormat::Csv)]
    format: StatsFormat,
    /// Only this unit (repeat for several); every unit when not given.
    #[arg(long = "unit", value_name = "UNIT")]
    units: Vec<String>,
}

/// Prints the statistics of a cycle.
pub fn run(args: Args, database: &Database, _quiet: bool) -> Result<ExitCode> {
    let profile = Profile::builtin(DEFAULT_PROFILE)?;
    let today = chrono::Utc::now().format("%Y-%m-%d").to_string();
    let stats = db::runtime()?.block_on(async {
        let store = db::open(database).await?;
        if !args.units.is_empty() {
            let known = store.units().await?;
            if let Some(unknown) = args.units.iter().find(|u| !known.contains(u)) {
                store.close().await;
                return Err(anyhow!("--unit: no unit {unknown:?} on the roster"));
            }
        }
        let scope = probity_store::UnitScope::of_units(args.units.iter().cloned());
        let stats = store
            .statistics(args.cycle, &today, &profile, &scope)
            .await?;
        store.close().await;
        anyhow::Ok(stats)
    })?;
    let stats = stats.ok_or_else(|| anyhow!("--cycle: cycle {} is not open", args.cycle))?;
    match args.format {
        StatsFormat::Json => crate::outln!("{}", stats.to_json()),
        StatsFormat::Csv => {
            let mut w = probity_store::csv_out::Writer::from_writer(Vec::new());
            for record in stats.csv_records() {
                w.write_record(&record)?;
            }
            let bytes = w.into_inner().context("cannot write the CSV")?;
            let text = String::from_utf8(bytes).context("the CSV is not UTF-8")?;
            crate::outln!("{}", text.trim_end_matches('\n'));
        }
    }
    Ok(ExitCode::SUCCESS)
}
