//! `probity serve` and `probity user add`: the web application (which publishes checkpoints of
//! the audit log as it runs, see `checkpoints`) and its accounts.

use std::io::Read;
use std::process::ExitCode;
use std::sync::{Arc, Mutex};

use anyhow::{Context, Result, bail};
use probity_store::{Role, Store, User};
use probity_web::App;
use probity_web::i18n::Lang;

use crate::cmd::checkpoints::{self, Published, Publisher};
use crate::cmd::db::{self, Database};
use crate::config::Settings;

/// Arguments of `probity serve`: the server's settings (see `config`), from flags, `PROBITY_*`
/// variables and the configuration file.
#[derive(Debug, clap::Args)]
pub struct Args {
    #[command(flatten)]
    pub settings: crate::config::Flags,
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
pub fn run(settings: &Settings, quiet: bool) -> Result<ExitCode> {
    let refused = settings.not_applied();
    if !refused.is_empty() {
        bail!(
            "settings this build does not apply: {} (see `probity config check`)",
            refused.join("; ")
        );
    }
    let rt = db::runtime()?;
    rt.block_on(async {
        let keys = db::load_keys(&settings.key_file.value)?;
        let store = Store::open_pooled(
            &settings.db.value,
            keys,
            settings.timeouts(),
            settings.pool_size.value,
        )
        .await
        .with_context(|| format!("cannot open {}", db::redact(&settings.db.value)))?;
        let path = settings
            .checkpoints
            .value
            .clone()
            .unwrap_or_else(|| checkpoints::default_path(&settings.key_file.value));
        let publisher = Arc::new(Mutex::new(Publisher::open(
            &path,
            settings.checkpoint_hook.value.clone(),
        )?));
        // At start: a server that cannot publish says so before it serves anyone.
        publish(&store, &publisher, quiet).await?;
        let bind = &settings.bind.value;
        let listener = tokio::net::TcpListener::bind(bind)
            .await
            .with_context(|| format!("cannot listen on {bind}"))?;
        // Served over TLS here: cookies are secure whatever the setting says.
        let tls = match &settings.tls.value {
            Some((certificate, key)) => Some(probity_web::tls::server_config(certificate, key)?),
            None => None,
        };
        let app = Arc::new(
            App::new(
                store,
                settings.secure_cookies.value || tls.is_some(),
                Lang::Zh,
            )
            .with_totp_for_staff(settings.require_totp_for_staff.value)
            .with_public_origin(settings.public_origin.value.clone())
            .with_trusted_proxies(settings.trusted_proxies.value.clone())
            .with_session_lifetime(settings.session_lifetime())
            .with_body_limit(settings.body_limit())
            .with_metrics_token(settings.metrics_token.value.clone()),
        );
        let every = settings.checkpoint_every.value;
        let scheme = if tls.is_some() { "https" } else { "http" };
        if !quiet {
            crate::outln!("Probity at {scheme}://{}/", listener.local_addr()?);
            crate::outln!(
                "audit checkpoints: appended to {} every {}s and at shutdown",
                path.display(),
                every.as_secs()
            );
        }
        tracing::info!(
            bind = %listener.local_addr()?,
            pool_size = settings.pool_size.value,
            "serving"
        );
        let ticker = {
            let (app, publisher) = (Arc::clone(&app), Arc::clone(&publisher));
            tokio::spawn(async move {
                let mut interval =
                    tokio::time::interval_at(tokio::time::Instant::now() + every, every);
                interval.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
                loop {
                    interval.tick().await;
                    if let Err(e) = publish(&app.store, &publisher, quiet).await {
                        tracing::error!(error = format_args!("{e:#}"), "checkpoint not published");
                    }
                }
            })
        };
        // Until SIGTERM or Ctrl-C; then every request in flight is answered first.
        let grace = settings.shutdown_grace.value;
        match tls {
            Some(config) => {
                let listener = probity_web::tls::TlsListener::new(listener, config)?;
                probity_web::serve_gracefully(Arc::clone(&app), listener, grace).await?;
            }
            None => probity_web::serve_gracefully(Arc::clone(&app), listener, grace).await?,
        }
        ticker.abort();
        // At shutdown, once every request has been answered: the head as the server leaves it.
        publish(&app.store, &publisher, quiet).await?;
        // Then close the pool and exit 0.
        app.store.close().await;
        if !quiet {
            crate::outln!("Probity stopped");
        }
        tracing::info!("stopped");
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
        Published::Behind { last } => tracing::error!(
            "the audit log's head ({line}) is behind the last checkpoint published in {} \
             ({last}): events were deleted, or an older backup restored; run `probity audit \
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
