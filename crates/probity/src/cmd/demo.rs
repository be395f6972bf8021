//! `probity demo`: everything a newcomer needs to see Probity work, in one step.
//!
//! It writes a synthetic organisation (roster, a year of reports and most subjects' reports of
//! the year before, the initial reports of a few subjects who joined early the next year, the registry extracts about the families, and the findings a correct
//! cross-check and year-over-year check must make), validates every report, loads it all into a
//! fresh database, runs a verification over the cycle, creates an account for each role, and
//! serves the web application, printing the address and the logins.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{Context, Result};
use probity_model::Discrepancy;
use probity_synth::{Noise, SynthConfig};
use serde_json::json;

use probity_model::Profile;
use probity_store::{Keyring, Role, Stamp, User};
use probity_web::App;
use probity_web::i18n::Lang;

use crate::cmd::db::{self, Database};
use crate::cmd::validate::{load_profiles, validate_text};
use crate::output::{Output, SummaryFormat};

/// Arguments of `probity demo`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Folder for the demo's files (created if missing; generated files are replaced).
    #[arg(long, default_value = "probity-demo")]
    dir: PathBuf,
    /// How many reporting subjects the synthetic organisation has.
    #[arg(long, default_value_t = 600)]
    people: u64,
    /// Seed of the synthetic organisation.
    #[arg(long, default_value_t = 2025)]
    seed: u64,
    /// Address the web application listens on.
    #[arg(long, default_value = "127.0.0.1:8080")]
    bind: String,
    /// Build everything but do not serve (for scripts).
    #[arg(long)]
    no_serve: bool,
    /// How the summary is printed.
    #[arg(long, value_enum, default_value_t = SummaryFormat::Text)]
    format: SummaryFormat,
}

/// Runs the verb.
pub fn run(args: Args, quiet: bool) -> Result<ExitCode> {
    let out = &Output::new(quiet, args.format);
    let config = SynthConfig {
        people: args.people,
        seed: args.seed,
        noise: Noise::Default,
        year: 2025,
    };
    let s = crate::cmd::synth::generate_years(&config, &args.dir, out, true)?;
    let changed = probity_synth::generate_change_reports(&config, &args.dir)
        .context("cannot write the demo's change reports")?;
    let joined = probity_synth::generate_initial_reports(&config, &args.dir)
        .context("cannot write the demo's initial reports")?;

    let declarations = args.dir.join("declarations.jsonl");
    let text = std::fs::read_to_string(&declarations)
        .with_context(|| format!("cannot read {}", declarations.display()))?;
    let profiles = load_profiles(&[])?;
    let report = validate_text(&declarations, &text, &profiles, true);
    if let Some(p) = report.problems.first() {
        anyhow::bail!(
            "the generated reports do not validate: {}:{}: {}",
            declarations.display(),
            p.line,
            p.issue
        );
    }

    let previous = args.dir.join("previous").join("declarations.jsonl");
    let previous_text = std::fs::read_to_string(&previous)
        .with_context(|| format!("cannot read {}", previous.display()))?;
    let previous_report = validate_text(&previous, &previous_text, &profiles, true);
    if let Some(p) = previous_report.problems.first() {
        anyhow::bail!(
            "the generated reports do not validate: {}:{}: {}",
            previous.display(),
            p.line,
            p.issue
        );
    }

    let changes = args.dir.join("changes").join("declarations.jsonl");
    let changes_text = std::fs::read_to_string(&changes)
        .with_context(|| format!("cannot read {}", changes.display()))?;
    let changes_report = validate_text(&changes, &changes_text, &profiles, true);
    if let Some(p) = changes_report.problems.first() {
        anyhow::bail!(
            "the generated reports do not validate: {}:{}: {}",
            changes.display(),
            p.line,
            p.issue
        );
    }

    let initial = args.dir.join("initial").join("declarations.jsonl");
    let initial_text = std::fs::read_to_string(&initial)
        .with_context(|| format!("cannot read {}", initial.display()))?;
    let initial_report = validate_text(&initial, &initial_text, &profiles, true);
    if let Some(p) = initial_report.problems.first() {
        anyhow::bail!(
            "the generated reports do not validate: {}:{}: {}",
            initial.display(),
            p.line,
            p.issue
        );
    }

    let truth = args.dir.join("truth.jsonl");
    let mut by_class: BTreeMap<String, usize> = BTreeMap::new();
    for (i, line) in std::fs::read_to_string(&truth)
        .with_context(|| format!("cannot read {}", truth.display()))?
        .lines()
        .enumerate()
    {
        let d: Discrepancy =
            serde_json::from_str(line).with_context(|| format!("{}:{}", truth.display(), i + 1))?;
        *by_class.entry(d.classification.to_string()).or_default() += 1;
    }

    // Counted after the initial reports took their subjects' year-over-year truth.
    let year_over_year = std::fs::read_to_string(args.dir.join("truth_year_over_year.jsonl"))
        .context("cannot read truth_year_over_year.jsonl")?
        .lines()
        .count();

    let built = build_system(
        &args,
        (&text, &report.reports),
        (&previous_text, &previous_report.reports),
        (&changes_text, &changes_report.reports),
        (&initial_text, &initial_report.reports),
        out,
    )?;

    let dir = args.dir.display();
    out.summary(
        &json!({"dir": dir.to_string(), "people": s.people, "declarations": report.reports.len(),
        "valid": report.valid, "previous_declarations": previous_report.reports.len(),
        "year_over_year_truth": year_over_year,
        "timeliness_truth": s.timeliness_findings,
        "registry_rows": s.registry_rows, "truth": by_class,
        "change_reports": changed.reports, "change_reports_late": changed.late,
        "change_reports_missing": changed.missing,
        "initial_reports": joined.reports, "initial_truth": joined.findings,
        "database": built.url, "cases": built.cases, "findings": built.findings,
        "next_cycle_findings": built.next_findings,
        "logins": built.logins.iter().map(|(r, u, p)| json!({"role": r, "username": u, "password": p})).collect::<Vec<_>>()}),
    );
    out.say(format!("Probity demo in {dir}/"));
    out.say(format!(
        "  roster.csv           {} reporting subjects",
        s.people
    ));
    out.say(format!(
        "  declarations.jsonl   {} annual reports for {}, all {} valid",
        report.reports.len(),
        config.year,
        report.valid
    ));
    out.say(format!(
        "  previous/            {} annual reports for {}, all {} valid",
        previous_report.reports.len(),
        config.year - 1,
        previous_report.valid
    ));
    out.say(format!(
        "  initial/             {} initial reports of subjects who joined in {}; {} hidden discrepancies (truth_initial.jsonl)",
        joined.reports,
        config.year + 1,
        joined.findings
    ));
    out.say(format!(
        "  registries/          {} rows from 12 agencies",
        s.registry_rows
    ));
    let classes: Vec<String> = by_class.iter().map(|(k, v)| format!("{v} {k}")).collect();
    out.say(format!(
        "  truth.jsonl          {} hidden discrepancies ({})",
        by_class.values().sum::<usize>(),
        classes.join(", ")
    ));
    out.say(format!(
        "  truth_year_over_year.jsonl {} year-over-year findings (assets grown past income, assets gone)",
        year_over_year
    ));
    out.say(format!(
        "  truth_timeliness.jsonl {} changes of {} first reported in the annual report, after they were due",
        s.timeliness_findings, config.year
    ));
    out.say(format!(
        "  changes/             {} change reports for {} ({} late); {} changes never reported (truth_changes.jsonl)",
        changed.reports,
        config.year + 1,
        changed.late,
        changed.missing
    ));
    out.say(format!(
        "  probity.db           all of it loaded; verification run: {} findings, {} cases; {} cycle: {} findings",
        built.findings,
        built.cases,
        config.year + 1,
        built.next_findings
    ));
    out.say("  probity.keys         the key file of the database (PROBITY_KEY_FILE)");
    out.say("");
    out.say("Sign in as:");
    for (role, user, password) in &built.logins {
        out.say(format!("  {role:<14} {user:<12} {password}"));
    }
    out.say("");
    out.say("Also try:");
    out.say(format!(
        "  probity --db sqlite://{dir}/probity.db --key-file {dir}/probity.keys audit verify"
    ));
    out.say(format!(
        "  probity check --declarations {dir}/declarations.jsonl --registries {dir}/registries --out {dir}/found.jsonl"
    ));
    out.say(format!(
        "  probity score --truth {dir}/truth.jsonl --found {dir}/found.jsonl"
    ));
    if args.no_serve {
        return Ok(ExitCode::SUCCESS);
    }
    serve(&args, out)?;
    Ok(ExitCode::SUCCESS)
}

/// What the demo put in its database.
struct Built {
    url: String,
    cases: usize,
    findings: usize,
    /// Findings of the next year's cycle (the timeliness of its change reports).
    next_findings: usize,
    logins: Vec<(&'static str, String, String)>,
}

fn database(args: &Args) -> Database {
    Database {
        db: format!("sqlite://{}", args.dir.join("probity.db").display()),
        key_file: args.dir.join("probity.keys"),
    }
}

/// A fresh database with everything the demo generated, a verification run and an account per
/// role.
type Reports<'a> = (&'a str, &'a [(usize, probity_model::Declaration, String)]);

fn build_system(
    args: &Args,
    (text, reports): Reports<'_>,
    (previous_text, previous): Reports<'_>,
    (changes_text, changes): Reports<'_>,
    (initial_text, initial): Reports<'_>,
    out: &Output,
) -> Result<Built> {
    let database = database(args);
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
    Keyring::create(&database.key_file)?;
    let roster = std::fs::read(args.dir.join("roster.csv"))?;
    let registry = crate::cmd::import::registry_files(&args.dir.join("registries"))?;
    let first = reports.first().context("the demo has no reports")?;
    let year = first.1.year;
    let cn = Profile::builtin("cn")?;
    let deadline = cn.annual_deadline(year).context("no deadline")?;
    let previous_deadline = cn.annual_deadline(year - 1).context("no deadline")?;
    let mut logins = Vec::new();
    for (role, username) in [
        (Role::Administrator, "admin"),
        (Role::Verifier, "verifier"),
        // A concealment takes effect when a second verifier confirms it.
        (Role::Verifier, "verifier2"),
        (Role::Auditor, "auditor"),
        (Role::Declarant, "declarant"),
    ] {
        logins.push((role, username.to_owned(), demo_password()));
    }
    let hashes: Vec<String> = logins
        .iter()
        .map(|(_, _, p)| probity_app::passwords::hash_password(p).map_err(|e| anyhow::anyhow!(e)))
        .collect::<Result<_>>()?;
    let next_deadline = cn.annual_deadline(year + 1).context("no deadline")?;
    let (cases, findings, next_findings) = db::runtime()?.block_on(async {
        let store = db::open(&database).await?;
        let stamp = Stamp::new(db::stamp().at, "cli:demo");
        store.import_roster(&stamp, "roster.csv", &roster).await?;
        // Last year's cycle and reports first, as they came: this year's run compares with them.
        store
            .open_cycle(&stamp, year - 1, previous_deadline)
            .await?;
        store
            .import_declarations(
                &stamp,
                "previous/declarations.jsonl",
                previous_text.as_bytes(),
                previous,
            )
            .await?;
        store.open_cycle(&stamp, year, deadline).await?;
        store
            .import_declarations(&stamp, "declarations.jsonl", text.as_bytes(), reports)
            .await?;
        // The initial reports of the subjects who joined early next year: income of this year,
        // so checked in this year's run beside the annual reports.
        store
            .import_declarations(
                &stamp,
                "initial/declarations.jsonl",
                initial_text.as_bytes(),
                initial,
            )
            .await?;
        store.import_registry(&stamp, &registry).await?;
        let (_, found, recorded) = crate::cmd::verify::verify_cycle(
            &store,
            &stamp,
            year,
            probity_app::verification::Scope::All,
            out,
        )
        .await?;
        // The next year's cycle, open beside this one: its change reports, some late, and the
        // changes never reported, which its run finds.
        store.open_cycle(&stamp, year + 1, next_deadline).await?;
        store
            .import_declarations(
                &stamp,
                "changes/declarations.jsonl",
                changes_text.as_bytes(),
                changes,
            )
            .await?;
        let (_, next_found, _) = crate::cmd::verify::verify_cycle(
            &store,
            &stamp,
            year + 1,
            probity_app::verification::Scope::All,
            out,
        )
        .await?;
        for ((role, username, _), hash) in logins.iter().zip(&hashes) {
            let person_key =
                (*role == Role::Declarant).then(|| store.person_key(&first.1.declarant_id));
            store
                .create_user(
                    &stamp,
                    &User {
                        username: username.clone(),
                        role: *role,
                        person_key,
                        password_hash: hash.clone(),
                        disabled: false,
                    },
                )
                .await?;
        }
        store.close().await;
        anyhow::Ok((recorded.cases, found, next_found))
    })?;
    Ok(Built {
        url: database.db,
        cases,
        findings,
        next_findings,
        logins: logins
            .into_iter()
            .map(|(r, u, p)| (r.as_str(), u, p))
            .collect(),
    })
}

/// A password for a demo account: random, so a demo left running is not an open door.
fn demo_password() -> String {
    probity_app::passwords::random_token()[..16].to_owned()
}

/// Serves the demo database until interrupted.
fn serve(args: &Args, out: &Output) -> Result<()> {
    let database = database(args);
    db::runtime()?.block_on(async {
        let store = db::open(&database).await?;
        let listener = tokio::net::TcpListener::bind(&args.bind)
            .await
            .with_context(|| format!("cannot listen on {}", args.bind))?;
        out.say("");
        // Said even when quiet: it is where the demo is.
        crate::outln!(
            "Probity at http://{}/ (Ctrl-C to stop)",
            listener.local_addr()?
        );
        let app = std::sync::Arc::new(App::new(store, false, Lang::Zh));
        probity_web::serve_gracefully(
            std::sync::Arc::clone(&app),
            listener,
            std::time::Duration::from_secs(10),
        )
        .await?;
        app.store.close().await;
        anyhow::Ok(())
    })
}
