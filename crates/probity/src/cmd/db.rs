//! What the verbs that use the database share: where it is, where its key file is, a runtime,
//! and the stamp (time and actor) of what they write.

use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};
use probity_store::{Keyring, Stamp, Store};

/// Where the database and its key file are.
#[derive(Debug, Clone, clap::Args)]
pub struct Database {
    /// The database: `sqlite://FILE` (created when missing) or `postgres://USER@HOST/DB` (with a
    /// password, prefer the variable or the configuration file: flags show in the process list).
    #[arg(
        long,
        global = true,
        env = "PROBITY_DB",
        hide_env_values = true,
        default_value = "sqlite://probity.db"
    )]
    pub db: String,
    /// The key file, kept outside the database: without it the personal data in the database
    /// cannot be read. `probity init` creates one when there is none.
    #[arg(
        long,
        global = true,
        env = "PROBITY_KEY_FILE",
        default_value = "probity.keys"
    )]
    pub key_file: PathBuf,
}

/// A runtime for the store's asynchronous calls.
pub fn runtime() -> Result<tokio::runtime::Runtime> {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .context("cannot start the async runtime")
}

/// Loads the key file; a clear error when it is missing.
pub fn load_keys(path: &Path) -> Result<Keyring> {
    if !path.exists() {
        bail!(
            "key file {} not found: run `probity init` first, or point PROBITY_KEY_FILE / --key-file at it",
            path.display()
        );
    }
    Ok(Keyring::load(path)?)
}

/// Opens the database (running pending migrations) with its key file.
pub async fn open(database: &Database) -> Result<Store> {
    let keys = load_keys(&database.key_file)?;
    Store::open(&database.db, keys)
        .await
        .with_context(|| format!("cannot open {}", redact(&database.db)))
}

/// The URL without a password, for messages.
pub fn redact(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(scheme), Some(at)) if at > scheme => {
            let user_info = &url[scheme + 3..at];
            match user_info.split_once(':') {
                Some((user, _)) => format!("{}{user}:***{}", &url[..scheme + 3], &url[at..]),
                None => url.to_owned(),
            }
        }
        _ => url.to_owned(),
    }
}

/// Now, and who runs the command.
pub fn stamp() -> Stamp {
    let at = chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Millis, true);
    let user = std::env::var("USER").unwrap_or_else(|_| "unknown".into());
    Stamp::new(at, format!("cli:{user}"))
}
