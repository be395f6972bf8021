//! `probity bench web`: prepares the web load benchmark (`bench/web/run.sh` runs it): a SQLite
//! database with a synthetic roster and an open cycle, signed-in declarant accounts, and the
//! files the load generator reads — each account's session cookie and CSRF token, and the
//! report each will submit.

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Instant;

use anyhow::{Context, Result};
use probity_model::Profile;
use probity_store::{Keyring, Role, Store, User};
use probity_synth::{Noise, SynthConfig};
use rayon::prelude::*;
use serde_json::json;

use crate::cmd::bench::peak_rss_mib;
use crate::cmd::db;
use crate::cmd::validate::validate_text;
use crate::output::{Output, SummaryFormat};

/// Arguments of `probity bench web`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Folder for the benchmark (database, key file, session and report files; the synthetic
    /// data is generated into `synth-PEOPLE/` once and kept).
    #[arg(long, default_value = "target/bench/web")]
    dir: PathBuf,
    /// Reporting subjects on the roster.
    #[arg(long, default_value_t = 20_000)]
    people: u64,
    /// Declarants signed in, each with a report to submit (at most the people with a report).
    #[arg(long, default_value_t = 15_000)]
    sessions: usize,
    /// How the figures are printed.
    #[arg(long, value_enum, default_value_t = SummaryFormat::Text)]
    format: SummaryFormat,
}

/// Prepares the benchmark's database and files: a new SQLite file in `--dir`, or, when the
/// global `--db` names PostgreSQL, that database, which must be empty (its key file is made in
/// `--dir`).
pub fn run(args: Args, database: &db::Database, quiet: bool) -> Result<ExitCode> {
    let out = Output::new(quiet, args.format);
    let synth = args.dir.join(format!("synth-{}", args.people));
    let declarations = synth.join("declarations.jsonl");
    let year = 2025;
    if !declarations.exists() {
        let config = SynthConfig {
            people: args.people,
            seed: 1,
            noise: Noise::Default,
            year,
        };
        out.say(format!(
            "generating {} people into {}",
            args.people,
            synth.display()
        ));
        crate::cmd::synth::generate(&config, &synth, &out)?;
    }
    let roster = std::fs::read(synth.join("roster.csv"))?;
    let text = std::fs::read_to_string(&declarations)?;
    let profiles = vec![Profile::builtin("cn")?];
    let parsed = validate_text(&declarations, &text, &profiles, true);
    anyhow::ensure!(
        parsed.problems.is_empty(),
        "the synthetic reports do not validate"
    );
    // One annual report per declarant, each its own person's: the submissions.
    let mut seen = std::collections::HashSet::new();
    let reports: Vec<_> = parsed
        .reports
        .into_iter()
        .filter(|(_, d, _)| {
            d.kind == probity_model::declaration::ReportKind::Annual
                && seen.insert(d.declarant_id.to_string())
        })
        .take(args.sessions)
        .collect();
    anyhow::ensure!(
        reports.len() >= args.sessions.min(200),
        "only {} reports for {} sessions",
        reports.len(),
        args.sessions
    );

    std::fs::create_dir_all(&args.dir)?;
    for name in [
        "probity.db",
        "probity.db-wal",
        "probity.db-shm",
        "probity.keys",
    ] {
        let path = args.dir.join(name);
        if path.exists() {
            std::fs::remove_file(&path)
                .with_context(|| format!("cannot replace {}", path.display()))?;
        }
    }
    let keys = Keyring::create(&args.dir.join("probity.keys"))?;
    let url = if database.db.starts_with("postgres") {
        database.db.clone()
    } else {
        format!("sqlite://{}", args.dir.join("probity.db").display())
    };
    let shown = db::redact(&url);
    let rt = db::runtime()?;
    let (accounts_s, sessions_s, lines) = rt.block_on(async {
        let store = Store::open(&url, keys)
            .await
            .with_context(|| format!("cannot open {shown} (bench web needs an empty database)"))?;
        anyhow::ensure!(
            store.units().await?.is_empty(),
            "{shown} is not empty: bench web prepares an empty database (drop and create it)"
        );
        let stamp = db::stamp();
        store.import_roster(&stamp, "roster.csv", &roster).await?;
        let deadline = Profile::builtin("cn")?
            .annual_deadline(year)
            .context("no deadline")?;
        store.open_cycle(&stamp, year, deadline).await?;

        // Accounts whose password was already changed (as after the first sign-in): the
        // benchmark opens their sessions directly, so the passwords are random and never typed.
        let t = Instant::now();
        let people: Vec<String> = reports
            .iter()
            .map(|(_, d, _)| store.person_key(&d.declarant_id))
            .collect();
        let users: Vec<User> = people
            .par_iter()
            .map(|person_key| {
                let password = probity_app::passwords::initial_password();
                Ok(User {
                    // `d` and the start of the blind index: unique, and never typed.
                    username: format!("d{}", person_key.get(..12).unwrap_or(person_key)),
                    role: Role::Declarant,
                    person_key: Some(person_key.clone()),
                    password_hash: probity_app::passwords::hash_initial(&password)
                        .map_err(|e| anyhow::anyhow!(e))?,
                    disabled: false,
                })
            })
            .collect::<Result<_>>()?;
        for chunk in users.chunks(probity_app::accounts::CHUNK) {
            store.create_users(&stamp, chunk, false).await?;
        }
        let accounts_s = t.elapsed().as_secs_f64();

        let t = Instant::now();
        let mut sessions = Vec::with_capacity(users.len());
        let mut lines = Vec::with_capacity(users.len());
        for u in &users {
            let token = probity_app::passwords::random_token();
            let csrf = probity_app::passwords::random_token();
            sessions.push((
                u.username.clone(),
                probity_app::passwords::token_hash(&token),
                csrf.clone(),
            ));
            lines.push(format!("{token} {csrf}"));
        }
        let expires = (chrono::Utc::now()
            + chrono::Duration::hours(probity_web::auth::SESSION_HOURS))
        .to_rfc3339_opts(chrono::SecondsFormat::Millis, true);
        store.open_sessions(&stamp, &sessions, &expires).await?;
        let sessions_s = t.elapsed().as_secs_f64();
        store.close().await;
        anyhow::Ok((accounts_s, sessions_s, lines))
    })?;

    // The load generator's files, line i for session i: "TOKEN CSRF", and the report as one line.
    crate::output::write_file(&args.dir.join("sessions.txt"), |w| {
        for line in &lines {
            writeln!(w, "{line}")?;
        }
        Ok(())
    })?;
    crate::output::write_file(&args.dir.join("reports.jsonl"), |w| {
        for (_, _, json) in &reports {
            let one_line: serde_json::Value = serde_json::from_str(json)?;
            writeln!(w, "{one_line}")?;
        }
        Ok(())
    })?;
    out.say(format!(
        "{}: {} subjects, cycle {year} open; {} declarant accounts in {accounts_s:.2} s, their sessions in {sessions_s:.2} s; peak RSS {:.0} MiB",
        shown,
        args.people,
        lines.len(),
        peak_rss_mib().unwrap_or(0.0)
    ));
    out.summary(&json!({
        "db": shown,
        "people": args.people,
        "sessions": lines.len(),
        "accounts_s": accounts_s,
        "sessions_s": sessions_s,
    }));
    Ok(ExitCode::SUCCESS)
}
