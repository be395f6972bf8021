//! `probity serve` and `probity user add`: the web application (which publishes checkpoints of
//! the audit log as it runs, see `checkpoints`) and its accounts.

use std::io::Read;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use anyhow::{Context, Result, bail};
use probity_store::{Role, Store, User};
use probity_web::App;
use probity_web::i18n::Lang;

use crate::cmd::checkpoints::{self, Published, Publisher};
use crate::cmd::db::{self, Database};

/// Arguments of `probity serve`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Address to listen on.
    #[arg(long, default_value = "127.0.0.1:8080")]
    bind: String,
    /// On SIGTERM or Ctrl-C, how many seconds the requests in flight may take to finish
    /// before the server exits anyway.
    #[arg(long, value_name = "SECONDS", default_value_t = 30)]
    pub shutdown_grace: u64,
    /// Served over TLS (directly or behind a proxy): cookies `Secure` and named `__Host-…`,
    /// and `Strict-Transport-Security` on every answer.
    #[arg(long)]
    secure_cookies: bool,
    /// Require a second factor (a TOTP code, enrolled by QR code at the next sign-in) from
    /// staff accounts: administrators, verifiers and auditors.
    #[arg(long, env = "PROBITY_REQUIRE_TOTP_FOR_STAFF")]
    require_totp_for_staff: bool,
    /// Behind a proxy that rewrites `Host`: the origin browsers use
    /// (`https://probity.example.gov`); forms and API writes must come from it.
    #[arg(long, value_name = "ORIGIN", env = "PROBITY_PUBLIC_ORIGIN")]
    public_origin: Option<String>,
    /// Open `GET /metrics` (Prometheus text) to a scraper sending `Authorization: Bearer
    /// TOKEN`; without it `/metrics` is closed. Prefer the environment variable: flags show in
    /// the process list.
    #[arg(
        long,
        value_name = "TOKEN",
        env = "PROBITY_METRICS_TOKEN",
        hide_env_values = true
    )]
    metrics_token: Option<String>,
    /// Where to append the signed checkpoints of the audit log the server publishes (at start,
    /// every --checkpoint-every, at shutdown): a file outside the database, best on another
    /// volume, that `probity audit verify --checkpoints FILE` checks the log against. Default:
    /// `probity.checkpoints` beside the key file.
    #[arg(long, env = "PROBITY_CHECKPOINTS", value_name = "FILE")]
    checkpoints: Option<PathBuf>,
    /// How often to publish a checkpoint (when the log has moved): seconds, or 30s, 10m, 1h.
    #[arg(
        long,
        env = "PROBITY_CHECKPOINT_EVERY",
        value_name = "INTERVAL",
        default_value = "10m",
        value_parser = checkpoints::parse_interval
    )]
    checkpoint_every: Duration,
    /// A command (run by `sh -c`) given each checkpoint published, as one line on its standard
    /// input, to push it elsewhere (another machine, a ticket, a notary); a failure is reported
    /// and the checkpoint given again next time.
    #[arg(long, env = "PROBITY_CHECKPOINT_HOOK", value_name = "CMD")]
    checkpoint_hook: Option<String>,
}

/// Arguments of `probity user add`.
#[derive(Debug, clap::Args)]
pub struct UserArgs {
    /// Sign-in name.
    username: String,
    /// Role: declarant, administrator, verifier or auditor.
    #[arg(long)]
    role: String,
    /// For a declarant: their resident ID (they must be on the roster).
    #[arg(long)]
    person: Option<String>,
    /// For staff: a unit they manage (repeat for several; none: every unit).
    #[arg(long = "unit", value_name = "UNIT")]
    units: Vec<String>,
    /// Read the password from standard input (first line) instead of asking for it.
    #[arg(long)]
    password_stdin: bool,
}

/// Serves the web application until interrupted (SIGINT or SIGTERM), publishing checkpoints of
/// the audit log at start, on the interval and at shutdown.
pub fn run(args: Args, database: &Database, quiet: bool) -> Result<ExitCode> {
    let rt = db::runtime()?;
    rt.block_on(async {
        let store = db::open(database).await?;
        let path = args
            .checkpoints
            .clone()
            .unwrap_or_else(|| checkpoints::default_path(&database.key_file));
        let publisher = Arc::new(Mutex::new(Publisher::open(
            &path,
            args.checkpoint_hook.clone(),
        )?));
        // At start: a server that cannot publish says so before it serves anyone.
        publish(&store, &publisher, quiet).await?;
        let listener = tokio::net::TcpListener::bind(&args.bind)
            .await
            .with_context(|| format!("cannot listen on {}", args.bind))?;
        let app = Arc::new(
            App::new(store, args.secure_cookies, Lang::Zh)
                .with_totp_for_staff(args.require_totp_for_staff)
                .with_public_origin(args.public_origin.clone())
                .with_metrics_token(args.metrics_token.clone()),
        );
        if !quiet {
            crate::outln!("Probity at http://{}/", listener.local_addr()?);
            crate::outln!(
                "audit checkpoints: appended to {} every {}s and at shutdown",
                path.display(),
                args.checkpoint_every.as_secs()
            );
        }
        let ticker = {
            let (app, publisher) = (Arc::clone(&app), Arc::clone(&publisher));
            let every = args.checkpoint_every;
            tokio::spawn(async move {
                let mut interval =
                    tokio::time::interval_at(tokio::time::Instant::now() + every, every);
                interval.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
                loop {
                    interval.tick().await;
                    if let Err(e) = publish(&app.store, &publisher, quiet).await {
                        eprintln!("probity: {e:#}");
                    }
                }
            })
        };
        // Until SIGTERM or Ctrl-C; then every request in flight is answered first.
        probity_web::serve_gracefully(
            Arc::clone(&app),
            listener,
            std::time::Duration::from_secs(args.shutdown_grace),
        )
        .await?;
        ticker.abort();
        // At shutdown, once every request has been answered: the head as the server leaves it.
        publish(&app.store, &publisher, quiet).await?;
        // Then close the pool and exit 0.
        app.store.close().await;
        if !quiet {
            crate::outln!("Probity stopped");
        }
        anyhow::Ok(())
    })?;
    Ok(ExitCode::SUCCESS)
}

/// Publishes the log's signed head now (file and hook), saying so unless quiet; says loudly when
/// the head is behind the last checkpoint published.
async fn publish(store: &Store, publisher: &Arc<Mutex<Publisher>>, quiet: bool) -> Result<()> {
    let head = store.checkpoint().await?;
    let publisher = Arc::clone(publisher);
    let line = head.to_string();
    let (outcome, path) = tokio::task::spawn_blocking(move || {
        let mut p = publisher
            .lock()
            .map_err(|_| anyhow::anyhow!("the checkpoint publisher failed earlier"))?;
        anyhow::Ok((p.publish(&head)?, p.path().to_owned()))
    })
    .await??;
    match outcome {
        Published::Unchanged => {}
        Published::Appended => {
            if !quiet {
                crate::outln!("audit checkpoint published: {line}");
            }
        }
        Published::Behind { last } => eprintln!(
            "probity: the audit log's head ({line}) is behind the last checkpoint published in \
             {} ({last}): events were deleted, or an older backup restored; run `probity audit \
             verify --checkpoints {}`",
            path.display(),
            path.display()
        ),
    }
    Ok(())
}

/// Creates an account.
pub fn add_user(args: UserArgs, database: &Database, quiet: bool) -> Result<ExitCode> {
    let role: Role = args.role.parse().map_err(|_| {
        anyhow::anyhow!(
            "--role {:?}: use declarant, administrator, verifier or auditor",
            args.role
        )
    })?;
    let password = if args.password_stdin {
        let mut text = String::new();
        std::io::stdin().read_to_string(&mut text)?;
        text.lines().next().unwrap_or_default().to_owned()
    } else {
        bail!("give the password on standard input with --password-stdin");
    };
    if password.chars().count() < probity_app::passwords::MIN_PASSWORD {
        bail!(
            "the password must have at least {} characters",
            probity_app::passwords::MIN_PASSWORD
        );
    }
    if !probity_app::passwords::strong_enough(&password, std::slice::from_ref(&args.username)) {
        bail!(
            "the password is too easy to guess (common, a pattern, or the username): choose a longer one, several unrelated words for example"
        );
    }
    let hash = probity_app::passwords::hash_password(&password).map_err(|e| anyhow::anyhow!(e))?;
    db::runtime()?.block_on(async {
        let store = db::open(database).await?;
        let person_key = match (&args.person, role) {
            (Some(id), _) => {
                let id = probity_model::ResidentId::parse(id)
                    .map_err(|e| anyhow::anyhow!("--person: {e}"))?;
                let key = store.person_key(&id);
                if store.subject(&key).await?.is_none() {
                    bail!("--person: not on the roster");
                }
                Some(key)
            }
            (None, Role::Declarant) => bail!("a declarant account needs --person RESIDENT_ID"),
            (None, _) => None,
        };
        let user = User {
            username: args.username.clone(),
            role,
            person_key,
            password_hash: hash,
            disabled: false,
        };
        let stamp = db::stamp();
        store.create_user(&stamp, &user).await?;
        if !args.units.is_empty() {
            store
                .set_user_units(&stamp, &args.username, &args.units)
                .await?;
        }
        store.close().await;
        anyhow::Ok(())
    })?;
    if !quiet {
        crate::outln!("account {} ({role}) created", args.username);
    }
    Ok(ExitCode::SUCCESS)
}
