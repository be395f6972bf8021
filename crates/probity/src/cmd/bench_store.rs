//! `probity bench store`: the store's speed on synthetic data — a bulk import of every report of
//! a population, then single-report submits (each its own transaction, as from the web form), on
//! SQLite or PostgreSQL.

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Instant;

use anyhow::{Context, Result};
use probity_model::Profile;
use probity_store::{Keyring, Store};
use probity_synth::{Noise, SynthConfig};
use serde_json::json;

use crate::cmd::bench::peak_rss_mib;
use crate::cmd::db;
use crate::cmd::validate::validate_text;
use crate::output::{Output, SummaryFormat};

/// Arguments of `probity bench store`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Reporting subjects to generate (one annual report each).
    #[arg(long, default_value_t = 100_000)]
    people: u64,
    /// Single-report submits to time after the bulk import.
    #[arg(long, default_value_t = 2_000)]
    submits: usize,
    /// PostgreSQL server to measure on (`postgres://USER@HOST/DB`; a scratch database is created
    /// on it and dropped after). Without it: SQLite in a scratch folder.
    #[arg(long)]
    postgres: Option<String>,
    /// Folder for the data; generated only if it holds no declarations.jsonl yet.
    #[arg(long)]
    dir: Option<PathBuf>,
    /// How the figures are printed.
    #[arg(long, value_enum, default_value_t = SummaryFormat::Text)]
    format: SummaryFormat,
}

/// Runs the benchmark.
pub fn run(args: Args, quiet: bool) -> Result<ExitCode> {
    let out = Output::new(quiet, args.format);
    let dir = args
        .dir
        .clone()
        .unwrap_or_else(|| PathBuf::from(format!("target/bench/check-{}-1-default", args.people)));
    let declarations = dir.join("declarations.jsonl");
    if !declarations.exists() {
        let config = SynthConfig {
            people: args.people,
            seed: 1,
            noise: Noise::Default,
            year: 2025,
        };
        out.say(format!(
            "generating {} people into {}",
            args.people,
            dir.display()
        ));
        crate::cmd::synth::generate(&config, &dir, &out)?;
    }
    let roster = std::fs::read(dir.join("roster.csv"))?;
    let text = std::fs::read_to_string(&declarations)?;
    let profiles = vec![Profile::builtin("cn")?];
    let parsed = validate_text(&declarations, &text, &profiles, true);
    anyhow::ensure!(
        parsed.problems.is_empty(),
        "the synthetic reports do not validate"
    );
    let reports = parsed.reports;

    let scratch = tempfile::Builder::new().prefix("probity-bench").tempdir()?;
    let keys = Keyring::create(&scratch.path().join("probity.keys"))?;
    let rt = db::runtime()?;
    let (url, drop_db) = match &args.postgres {
        None => (
            format!("sqlite://{}", scratch.path().join("probity.db").display()),
            None,
        ),
        Some(admin) => {
            let name = format!("probity_bench_{}", std::process::id());
            rt.block_on(async {
                use sqlx::Connection;
                sqlx::any::install_default_drivers();
                let mut conn = sqlx::AnyConnection::connect(admin).await?;
                sqlx::raw_sql(sqlx::AssertSqlSafe(format!("CREATE DATABASE {name}")))
                    .execute(&mut conn)
                    .await?;
                anyhow::Ok(())
            })
            .with_context(|| {
                format!("cannot create a scratch database on {}", db::redact(admin))
            })?;
            let base = admin.rsplit_once('/').map_or(admin.as_str(), |(b, _)| b);
            (format!("{base}/{name}"), Some((admin.clone(), name)))
        }
    };
    let result = rt.block_on(async {
        let store = Store::open(&url, keys).await?;
        let stamp = db::stamp();
        let t = Instant::now();
        store.import_roster(&stamp, "roster.csv", &roster).await?;
        let roster_s = t.elapsed().as_secs_f64();
        let deadline = probity_model::Date::parse("2026-01-31")?;
        store.open_cycle(&stamp, 2025, deadline).await?;
        let t = Instant::now();
        let imported = store
            .import_declarations(&stamp, "declarations.jsonl", text.as_bytes(), &reports)
            .await?;
        let import_s = t.elapsed().as_secs_f64();
        // Single submits: corrections of the first reports, one transaction each, validated
        // first as a submit from the form would be.
        let t = Instant::now();
        for (i, (_, d, _)) in reports.iter().take(args.submits).enumerate() {
            let mut d = d.clone();
            d.supersedes = Some(d.declaration_id.clone());
            d.declaration_id = format!("{}-c{i}", d.declaration_id);
            let json = serde_json::to_string(&d)?;
            let value: serde_json::Value = serde_json::from_str(&json)?;
            let d = probity_model::validation::parse_and_validate(&value, |_| profiles.first())
                .map_err(|issues| anyhow::anyhow!("a submit does not validate: {issues:?}"))?;
            store
                .import_declarations(&stamp, "submit", json.as_bytes(), &[(1, d, json.clone())])
                .await?;
        }
        let submit_s = t.elapsed().as_secs_f64();
        let verified_t = Instant::now();
        let verified = store.verify_audit(None).await?;
        let verify_s = verified_t.elapsed().as_secs_f64();
        store.close().await;
        anyhow::ensure!(
            verified.is_ok(),
            "the audit log does not verify after the benchmark"
        );
        anyhow::Ok((roster_s, imported.added, import_s, submit_s, verify_s))
    });
    if let Some((admin, name)) = drop_db {
        let _ = rt.block_on(async {
            use sqlx::Connection;
            let mut conn = sqlx::AnyConnection::connect(&admin).await?;
            sqlx::raw_sql(sqlx::AssertSqlSafe(format!(
                "DROP DATABASE {name} WITH (FORCE)"
            )))
            .execute(&mut conn)
            .await?;
            anyhow::Ok(())
        });
    }
    let (roster_s, added, import_s, submit_s, verify_s) = result?;
    let mb = text.len() as f64 / 1e6;
    let backend = if args.postgres.is_some() {
        "PostgreSQL"
    } else {
        "SQLite"
    };
    let submits = args.submits.min(reports.len());
    out.say(format!(
        "{backend}, {} subjects, {added} reports ({mb:.0} MB of JSON)",
        args.people
    ));
    out.say(format!("roster import        {roster_s:8.2} s"));
    out.say(format!(
        "declaration import   {import_s:8.2} s  {:.0} reports/s  {:.1} MB/s",
        added as f64 / import_s,
        mb / import_s
    ));
    out.say(format!(
        "single submits       {submit_s:8.2} s  {:.0} submits/s ({submits}, one transaction each)",
        submits as f64 / submit_s
    ));
    out.say(format!("audit verify         {verify_s:8.2} s"));
    if let Some(rss) = peak_rss_mib() {
        out.say(format!("peak RSS             {rss:8.0} MiB"));
    }
    out.summary(
        &json!({"backend": backend, "people": args.people, "reports": added,
        "roster_s": roster_s, "import_s": import_s, "reports_per_s": added as f64 / import_s,
        "submits": submits, "submit_s": submit_s, "submits_per_s": submits as f64 / submit_s,
        "audit_verify_s": verify_s, "peak_rss_mib": peak_rss_mib()}),
    );
    Ok(ExitCode::SUCCESS)
}
