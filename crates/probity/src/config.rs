//! The server's settings: a configuration file (`probity.toml`), `PROBITY_*` environment
//! variables over it, and flags over both (flags > environment > file > defaults).
//!
//! Clap reads the flags and the environment (each setting's flag declares its variable) and says
//! where a value came from; the file fills what neither gave. [`Settings`] holds every value with
//! its [`Source`], checked: `probity config check` prints them (secrets masked) and `probity
//! serve` runs on them.

use std::fmt;
use std::path::{Path, PathBuf};
use std::time::Duration;

use anyhow::{Context, Result, bail};
use clap::parser::ValueSource;
use serde::Deserialize;

/// Where a setting's value came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Source {
    /// Built in.
    Default,
    /// The configuration file.
    File,
    /// An environment variable (named).
    Env(&'static str),
    /// A flag on the command line (named).
    Flag(&'static str),
}

impl fmt::Display for Source {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Source::Default => f.write_str("default"),
            Source::File => f.write_str("file"),
            Source::Env(name) => write!(f, "env {name}"),
            Source::Flag(name) => write!(f, "flag --{name}"),
        }
    }
}

/// A value and where it came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Set<T> {
    /// The value in force.
    pub value: T,
    /// Where it came from.
    pub source: Source,
}

/// How log lines are written.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum LogFormat {
    /// One line of text per event.
    Text,
    /// One JSON object per line.
    Json,
}

impl fmt::Display for LogFormat {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            LogFormat::Text => "text",
            LogFormat::Json => "json",
        })
    }
}

pub use probity_web::proxy::TrustedNet;

/// A duration: seconds, or with a unit (`30s`, `10m`, `1h`); zero only where `zero_ok`.
pub fn parse_duration(text: &str, zero_ok: bool) -> Result<Duration, String> {
    let text = text.trim();
    let expected = || format!("{text:?}: expected a number of seconds, or 30s, 10m, 1h");
    let (digits, unit) = match text.char_indices().find(|(_, c)| !c.is_ascii_digit()) {
        Some((i, _)) => (&text[..i], &text[i..]),
        None => (text, "s"),
    };
    let n: u64 = digits.parse().map_err(|_| expected())?;
    let seconds = match unit {
        "s" => Some(n),
        "m" => n.checked_mul(60),
        "h" => n.checked_mul(3600),
        _ => None,
    }
    .ok_or_else(expected)?;
    if seconds == 0 && !zero_ok {
        return Err(format!("{text:?}: must be more than zero"));
    }
    Ok(Duration::from_secs(seconds))
}

/// A duration that may be zero (a timeout turned off).
pub fn parse_duration_or_zero(text: &str) -> Result<Duration, String> {
    parse_duration(text, true)
}

/// A duration of more than zero.
pub fn parse_positive_duration(text: &str) -> Result<Duration, String> {
    parse_duration(text, false)
}

/// A size in bytes: a number, or with `KiB` or `MiB`.
pub fn parse_size(text: &str) -> Result<u64, String> {
    let text = text.trim();
    let expected = || format!("{text:?}: expected a number of bytes, or 512KiB, 2MiB");
    let (digits, unit) = match text.char_indices().find(|(_, c)| !c.is_ascii_digit()) {
        Some((i, _)) => (&text[..i], text[i..].trim()),
        None => (text, ""),
    };
    let n: u64 = digits.parse().map_err(|_| expected())?;
    let size = match unit {
        "" | "B" => Some(n),
        "KiB" => n.checked_mul(1024),
        "MiB" => n.checked_mul(1024 * 1024),
        _ => None,
    }
    .ok_or_else(expected)?;
    if size == 0 {
        return Err(format!("{text:?}: must be more than zero"));
    }
    Ok(size)
}

/// A text value of the file, or a number (durations and sizes may be written as either).
#[derive(Debug, Clone, Deserialize)]
#[serde(untagged)]
enum Text {
    Number(u64),
    Text(String),
}

impl Text {
    fn text(&self) -> String {
        match self {
            Text::Number(n) => n.to_string(),
            Text::Text(t) => t.clone(),
        }
    }
}

/// The file, as written: every key optional, unknown keys refused.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct File {
    bind: Option<String>,
    shutdown_grace: Option<Text>,
    log_format: Option<LogFormat>,
    #[serde(default)]
    database: FileDatabase,
    #[serde(default)]
    sessions: FileSessions,
    #[serde(default)]
    http: FileHttp,
    #[serde(default)]
    tls: FileTls,
    #[serde(default)]
    limits: FileLimits,
    #[serde(default)]
    checkpoints: FileCheckpoints,
    #[serde(default)]
    metrics: FileMetrics,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct FileDatabase {
    url: Option<String>,
    pool_size: Option<u32>,
    key_file: Option<PathBuf>,
    statement_timeout: Option<Text>,
    lock_timeout: Option<Text>,
    idle_in_transaction_timeout: Option<Text>,
    keepalive_idle: Option<Text>,
    keepalive_interval: Option<Text>,
    keepalive_count: Option<u32>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct FileSessions {
    lifetime: Option<Text>,
    require_totp_for_staff: Option<bool>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct FileHttp {
    public_origin: Option<String>,
    secure_cookies: Option<bool>,
    trusted_proxies: Option<Vec<String>>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct FileTls {
    certificate: Option<PathBuf>,
    key: Option<PathBuf>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct FileLimits {
    body_size: Option<Text>,
    draft_size: Option<Text>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct FileCheckpoints {
    file: Option<PathBuf>,
    every: Option<Text>,
    hook: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct FileMetrics {
    token: Option<String>,
}

/// The flags (and, through clap, their environment variables) of the server's settings, shared
/// by `probity serve` and `probity config check`.
#[derive(Debug, Clone, clap::Args)]
pub struct Flags {
    /// The configuration file (`probity.toml`); flags and `PROBITY_*` variables override it.
    #[arg(long, env = "PROBITY_CONFIG", value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// Address to listen on.
    #[arg(long, env = "PROBITY_BIND", default_value = "127.0.0.1:8080")]
    bind: String,
    /// On SIGTERM or Ctrl-C, how long the requests in flight may take to finish before the
    /// server exits anyway: seconds, or 30s, 1m.
    #[arg(long, env = "PROBITY_SHUTDOWN_GRACE", value_name = "SECONDS", default_value = "30",
          value_parser = parse_positive_duration)]
    shutdown_grace: Duration,
    /// At most this many connections to the database.
    #[arg(long, env = "PROBITY_DB_POOL_SIZE", default_value_t = probity_store::DEFAULT_POOL_SIZE)]
    pool_size: u32,
    /// PostgreSQL: a statement running longer is cancelled (0: no limit).
    #[arg(long, env = "PROBITY_DB_STATEMENT_TIMEOUT", value_name = "INTERVAL", default_value = "5m",
          value_parser = parse_duration_or_zero)]
    statement_timeout: Duration,
    /// PostgreSQL: a statement waiting this long for a lock gives up (nothing stored).
    #[arg(long, env = "PROBITY_DB_LOCK_TIMEOUT", value_name = "INTERVAL", default_value = "60s",
          value_parser = parse_positive_duration)]
    lock_timeout: Duration,
    /// PostgreSQL: a transaction idle this long (its server frozen or cut off) is ended,
    /// releasing its locks.
    #[arg(long, env = "PROBITY_DB_IDLE_IN_TRANSACTION_TIMEOUT", value_name = "INTERVAL",
          default_value = "30s", value_parser = parse_positive_duration)]
    idle_in_transaction_timeout: Duration,
    /// PostgreSQL: TCP keepalive, silence before the first probe.
    #[arg(long, env = "PROBITY_DB_KEEPALIVE_IDLE", value_name = "INTERVAL", default_value = "30s",
          value_parser = parse_positive_duration)]
    keepalive_idle: Duration,
    /// PostgreSQL: TCP keepalive, time between probes.
    #[arg(long, env = "PROBITY_DB_KEEPALIVE_INTERVAL", value_name = "INTERVAL",
          default_value = "10s", value_parser = parse_positive_duration)]
    keepalive_interval: Duration,
    /// PostgreSQL: TCP keepalive, probes unanswered before the connection is dropped.
    #[arg(long, env = "PROBITY_DB_KEEPALIVE_COUNT", default_value_t = 3)]
    keepalive_count: u32,
    /// How long a session lasts (at most 8h).
    #[arg(long, env = "PROBITY_SESSION_LIFETIME", value_name = "INTERVAL", default_value = "8h",
          value_parser = parse_positive_duration)]
    session_lifetime: Duration,
    /// Served over TLS (behind a proxy; implied by --tls-certificate): cookies `Secure` and
    /// named `__Host-…`, and `Strict-Transport-Security` on every answer.
    #[arg(long, env = "PROBITY_SECURE_COOKIES")]
    secure_cookies: bool,
    /// Require a second factor (a TOTP code, enrolled by QR code at the next sign-in) from
    /// staff accounts: administrators, verifiers and auditors.
    #[arg(long, env = "PROBITY_REQUIRE_TOTP_FOR_STAFF")]
    require_totp_for_staff: bool,
    /// Behind a proxy that rewrites `Host`: the origin browsers use
    /// (`https://probity.example.gov`); forms and API writes must come from it.
    #[arg(long, value_name = "ORIGIN", env = "PROBITY_PUBLIC_ORIGIN")]
    public_origin: Option<String>,
    /// The reverse proxies (addresses or networks, comma-separated) whose `X-Forwarded-Proto` and
    /// `X-Forwarded-Host` are believed: the origin of forms and API writes, without
    /// --public-origin.
    #[arg(long = "trusted-proxy", env = "PROBITY_TRUSTED_PROXIES", value_name = "NET",
          value_delimiter = ',', value_parser = TrustedNet::parse)]
    trusted_proxies: Vec<TrustedNet>,
    /// Serve HTTPS with this certificate chain (PEM), with --tls-key; without: plain HTTP, for
    /// a reverse proxy that ends TLS.
    #[arg(long, env = "PROBITY_TLS_CERTIFICATE", value_name = "FILE")]
    tls_certificate: Option<PathBuf>,
    /// TLS private key (PEM), with --tls-certificate.
    #[arg(long, env = "PROBITY_TLS_KEY", value_name = "FILE")]
    tls_key: Option<PathBuf>,
    /// The largest request body: bytes, or 512KiB, 2MiB.
    #[arg(long, env = "PROBITY_BODY_LIMIT", value_name = "SIZE", default_value = "2MiB",
          value_parser = parse_size)]
    body_limit: u64,
    /// The largest draft a declarant may save: bytes, or 256KiB.
    #[arg(long, env = "PROBITY_DRAFT_LIMIT", value_name = "SIZE", default_value = "256KiB",
          value_parser = parse_size)]
    draft_limit: u64,
    /// Open `GET /metrics` (Prometheus text) to a scraper sending `Authorization: Bearer
    /// TOKEN`; without it `/metrics` is closed. Prefer the environment variable or the file:
    /// flags show in the process list.
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
    #[arg(long, env = "PROBITY_CHECKPOINT_EVERY", value_name = "INTERVAL", default_value = "10m",
          value_parser = parse_positive_duration)]
    checkpoint_every: Duration,
    /// A command (run by `sh -c`) given each checkpoint published, as one line on its standard
    /// input, to push it elsewhere (another machine, a ticket, a notary); a failure is reported
    /// and the checkpoint given again next time.
    #[arg(long, env = "PROBITY_CHECKPOINT_HOOK", value_name = "CMD")]
    checkpoint_hook: Option<String>,
}

/// Every setting of the server, checked, with where each came from.
#[derive(Debug, Clone)]
pub struct Settings {
    /// The configuration file read, if any.
    pub file: Option<PathBuf>,
    /// Address to listen on.
    pub bind: Set<String>,
    /// How long requests in flight may finish after a stop.
    pub shutdown_grace: Set<Duration>,
    /// Log format.
    pub log_format: Set<LogFormat>,
    /// The database URL (holds the password, if any: print it with [`crate::cmd::db::redact`]).
    pub db: Set<String>,
    /// Connections at most.
    pub pool_size: Set<u32>,
    /// The key file.
    pub key_file: Set<PathBuf>,
    /// PostgreSQL statement timeout (zero: none).
    pub statement_timeout: Set<Duration>,
    /// PostgreSQL lock timeout.
    pub lock_timeout: Set<Duration>,
    /// PostgreSQL idle-in-transaction timeout.
    pub idle_in_transaction_timeout: Set<Duration>,
    /// PostgreSQL TCP keepalive: silence before the first probe.
    pub keepalive_idle: Set<Duration>,
    /// PostgreSQL TCP keepalive: between probes.
    pub keepalive_interval: Set<Duration>,
    /// PostgreSQL TCP keepalive: probes unanswered before the connection is dropped.
    pub keepalive_count: Set<u32>,
    /// How long a session lasts.
    pub session_lifetime: Set<Duration>,
    /// Whether staff must give a second factor.
    pub require_totp_for_staff: Set<bool>,
    /// Served over TLS (at the proxy or here): secure cookies and HSTS.
    pub secure_cookies: Set<bool>,
    /// The origin browsers use, behind a proxy that rewrites `Host`.
    pub public_origin: Set<Option<String>>,
    /// The proxies whose forwarded headers are believed.
    pub trusted_proxies: Set<Vec<TrustedNet>>,
    /// TLS certificate and key, when the server itself terminates TLS.
    pub tls: Set<Option<(PathBuf, PathBuf)>>,
    /// The largest request body, in bytes.
    pub body_limit: Set<u64>,
    /// The largest draft, in bytes.
    pub draft_limit: Set<u64>,
    /// The `/metrics` token (a secret: never printed).
    pub metrics_token: Set<Option<String>>,
    /// Where checkpoints are appended (`None`: beside the key file).
    pub checkpoints: Set<Option<PathBuf>>,
    /// How often checkpoints are published.
    pub checkpoint_every: Set<Duration>,
    /// The command each checkpoint is given to (may hold a secret: printed masked).
    pub checkpoint_hook: Set<Option<String>>,
}

/// What a source of the command line says about one argument.
fn clap_source(
    matches: &clap::ArgMatches,
    id: &str,
    flag: &'static str,
    env: &'static str,
) -> Option<Source> {
    match matches.value_source(id) {
        Some(ValueSource::CommandLine) => Some(Source::Flag(flag)),
        Some(ValueSource::EnvVariable) => Some(Source::Env(env)),
        _ => None,
    }
}

/// Reads and parses the configuration file; a clear error (with the line) when it does not
/// parse or holds a key it does not know.
fn read_file(path: &Path) -> Result<File> {
    let text = std::fs::read_to_string(path)
        .with_context(|| format!("cannot read the configuration file {}", path.display()))?;
    parse_file(&text).with_context(|| format!("configuration file {}", path.display()))
}

fn parse_file(text: &str) -> Result<File> {
    toml::from_str(text).map_err(|e| anyhow::anyhow!("{}", e.to_string().trim_end()))
}

impl Settings {
    /// Resolves the settings: flags and environment (as clap read them into `flags` and
    /// `matches`), then the file (`flags.config`), then the defaults; `database` holds the
    /// global `--db` and `--key-file`.
    pub fn resolve(
        flags: &Flags,
        database: &crate::cmd::db::Database,
        matches: &clap::ArgMatches,
        log_format: LogFormat,
    ) -> Result<Settings> {
        let file = match &flags.config {
            Some(path) => read_file(path)?,
            None => File::default(),
        };
        let given =
            |id: &str, flag: &'static str, env: &'static str| clap_source(matches, id, flag, env);
        // One setting: clap's value when a flag or variable gave it, else the file's (checked by
        // `parse`, its errors naming the key), else clap's default.
        fn pick<T, F>(
            clap_value: T,
            clap_given: Option<Source>,
            file_value: Option<F>,
            key: &str,
            parse: impl Fn(F) -> Result<T, String>,
        ) -> Result<Set<T>> {
            if let Some(source) = clap_given {
                return Ok(Set {
                    value: clap_value,
                    source,
                });
            }
            match file_value {
                Some(v) => Ok(Set {
                    value: parse(v).map_err(|e| anyhow::anyhow!("configuration key {key}: {e}"))?,
                    source: Source::File,
                }),
                None => Ok(Set {
                    value: clap_value,
                    source: Source::Default,
                }),
            }
        }
        fn same<T>(v: T) -> Result<T, String> {
            Ok(v)
        }
        fn some<T>(v: T) -> Result<Option<T>, String> {
            Ok(Some(v))
        }
        let dur = |v: Text| parse_positive_duration(&v.text());
        let dur0 = |v: Text| parse_duration_or_zero(&v.text());
        let size = |v: Text| parse_size(&v.text());
        let d = &file.database;
        let settings = Settings {
            file: flags.config.clone(),
            bind: pick(
                flags.bind.clone(),
                given("bind", "bind", "PROBITY_BIND"),
                file.bind,
                "bind",
                same,
            )?,
            shutdown_grace: pick(
                flags.shutdown_grace,
                given("shutdown_grace", "shutdown-grace", "PROBITY_SHUTDOWN_GRACE"),
                file.shutdown_grace,
                "shutdown_grace",
                dur,
            )?,
            log_format: pick(
                log_format,
                given("log_format", "log-format", "PROBITY_LOG_FORMAT"),
                file.log_format,
                "log_format",
                same,
            )?,
            db: pick(
                database.db.clone(),
                given("db", "db", "PROBITY_DB"),
                d.url.clone(),
                "database.url",
                same,
            )?,
            pool_size: pick(
                flags.pool_size,
                given("pool_size", "pool-size", "PROBITY_DB_POOL_SIZE"),
                d.pool_size,
                "database.pool_size",
                |n| {
                    if n == 0 {
                        Err("must be more than zero".into())
                    } else {
                        Ok(n)
                    }
                },
            )?,
            key_file: pick(
                database.key_file.clone(),
                given("key_file", "key-file", "PROBITY_KEY_FILE"),
                d.key_file.clone(),
                "database.key_file",
                same,
            )?,
            statement_timeout: pick(
                flags.statement_timeout,
                given(
                    "statement_timeout",
                    "statement-timeout",
                    "PROBITY_DB_STATEMENT_TIMEOUT",
                ),
                d.statement_timeout.clone(),
                "database.statement_timeout",
                dur0,
            )?,
            lock_timeout: pick(
                flags.lock_timeout,
                given("lock_timeout", "lock-timeout", "PROBITY_DB_LOCK_TIMEOUT"),
                d.lock_timeout.clone(),
                "database.lock_timeout",
                dur,
            )?,
            idle_in_transaction_timeout: pick(
                flags.idle_in_transaction_timeout,
                given(
                    "idle_in_transaction_timeout",
                    "idle-in-transaction-timeout",
                    "PROBITY_DB_IDLE_IN_TRANSACTION_TIMEOUT",
                ),
                d.idle_in_transaction_timeout.clone(),
                "database.idle_in_transaction_timeout",
                dur,
            )?,
            keepalive_idle: pick(
                flags.keepalive_idle,
                given(
                    "keepalive_idle",
                    "keepalive-idle",
                    "PROBITY_DB_KEEPALIVE_IDLE",
                ),
                d.keepalive_idle.clone(),
                "database.keepalive_idle",
                dur,
            )?,
            keepalive_interval: pick(
                flags.keepalive_interval,
                given(
                    "keepalive_interval",
                    "keepalive-interval",
                    "PROBITY_DB_KEEPALIVE_INTERVAL",
                ),
                d.keepalive_interval.clone(),
                "database.keepalive_interval",
                dur,
            )?,
            keepalive_count: pick(
                flags.keepalive_count,
                given(
                    "keepalive_count",
                    "keepalive-count",
                    "PROBITY_DB_KEEPALIVE_COUNT",
                ),
                d.keepalive_count,
                "database.keepalive_count",
                |n| {
                    if n == 0 {
                        Err("must be more than zero".into())
                    } else {
                        Ok(n)
                    }
                },
            )?,
            session_lifetime: pick(
                flags.session_lifetime,
                given(
                    "session_lifetime",
                    "session-lifetime",
                    "PROBITY_SESSION_LIFETIME",
                ),
                file.sessions.lifetime,
                "sessions.lifetime",
                dur,
            )?,
            require_totp_for_staff: pick(
                flags.require_totp_for_staff,
                given(
                    "require_totp_for_staff",
                    "require-totp-for-staff",
                    "PROBITY_REQUIRE_TOTP_FOR_STAFF",
                ),
                file.sessions.require_totp_for_staff,
                "sessions.require_totp_for_staff",
                same,
            )?,
            secure_cookies: pick(
                flags.secure_cookies,
                given("secure_cookies", "secure-cookies", "PROBITY_SECURE_COOKIES"),
                file.http.secure_cookies,
                "http.secure_cookies",
                same,
            )?,
            public_origin: pick(
                flags.public_origin.clone(),
                given("public_origin", "public-origin", "PROBITY_PUBLIC_ORIGIN"),
                file.http.public_origin,
                "http.public_origin",
                some,
            )?,
            trusted_proxies: pick(
                flags.trusted_proxies.clone(),
                given(
                    "trusted_proxies",
                    "trusted-proxy",
                    "PROBITY_TRUSTED_PROXIES",
                ),
                file.http.trusted_proxies,
                "http.trusted_proxies",
                |list: Vec<String>| list.iter().map(|t| TrustedNet::parse(t)).collect(),
            )?,
            tls: pick(
                flags.tls_certificate.clone().zip(flags.tls_key.clone()),
                given(
                    "tls_certificate",
                    "tls-certificate",
                    "PROBITY_TLS_CERTIFICATE",
                )
                .or_else(|| given("tls_key", "tls-key", "PROBITY_TLS_KEY")),
                (file.tls.certificate.is_some() || file.tls.key.is_some())
                    .then_some((file.tls.certificate, file.tls.key)),
                "tls",
                |pair| match pair {
                    (Some(c), Some(k)) => Ok(Some((c, k))),
                    _ => Err("give both certificate and key".into()),
                },
            )?,
            body_limit: pick(
                flags.body_limit,
                given("body_limit", "body-limit", "PROBITY_BODY_LIMIT"),
                file.limits.body_size,
                "limits.body_size",
                size,
            )?,
            draft_limit: pick(
                flags.draft_limit,
                given("draft_limit", "draft-limit", "PROBITY_DRAFT_LIMIT"),
                file.limits.draft_size,
                "limits.draft_size",
                size,
            )?,
            metrics_token: pick(
                flags.metrics_token.clone(),
                given("metrics_token", "metrics-token", "PROBITY_METRICS_TOKEN"),
                file.metrics.token,
                "metrics.token",
                some,
            )?,
            checkpoints: pick(
                flags.checkpoints.clone(),
                given("checkpoints", "checkpoints", "PROBITY_CHECKPOINTS"),
                file.checkpoints.file,
                "checkpoints.file",
                some,
            )?,
            checkpoint_every: pick(
                flags.checkpoint_every,
                given(
                    "checkpoint_every",
                    "checkpoint-every",
                    "PROBITY_CHECKPOINT_EVERY",
                ),
                file.checkpoints.every,
                "checkpoints.every",
                dur,
            )?,
            checkpoint_hook: pick(
                flags.checkpoint_hook.clone(),
                given(
                    "checkpoint_hook",
                    "checkpoint-hook",
                    "PROBITY_CHECKPOINT_HOOK",
                ),
                file.checkpoints.hook,
                "checkpoints.hook",
                some,
            )?,
        };
        settings.check()?;
        Ok(settings)
    }

    /// The rules between settings and those a value's type cannot say.
    fn check(&self) -> Result<()> {
        if self.bind.value.parse::<std::net::SocketAddr>().is_err()
            && !self.bind.value.contains(':')
        {
            bail!(
                "bind ({}): expected HOST:PORT, e.g. 127.0.0.1:8080",
                self.bind.source
            );
        }
        probity_store::Backend::of(&self.db.value)
            .map_err(|e| anyhow::anyhow!("database.url ({}): {e}", self.db.source))?;
        if self.session_lifetime.value > Duration::from_secs(8 * 3600) {
            bail!(
                "sessions.lifetime ({}): at most 8h (a session ends after 8 hours whatever is configured)",
                self.session_lifetime.source
            );
        }
        if let Some(origin) = &self.public_origin.value
            && !(origin.starts_with("https://") || origin.starts_with("http://"))
        {
            bail!(
                "http.public_origin ({}): expected https://HOST (or http://HOST), without a path",
                self.public_origin.source
            );
        }
        if let Some((cert, key)) = &self.tls.value {
            for (name, path) in [("tls.certificate", cert), ("tls.key", key)] {
                if !path.is_file() {
                    bail!(
                        "{name} ({}): {} is not a readable file",
                        self.tls.source,
                        path.display()
                    );
                }
            }
            probity_web::tls::server_config(cert, key)
                .map_err(|e| anyhow::anyhow!("tls ({}): {e}", self.tls.source))?;
        }
        if self.body_limit.value < 64 * 1024 {
            bail!(
                "limits.body_size ({}): at least 64KiB (a report's form is larger than that)",
                self.body_limit.source
            );
        }
        if self
            .metrics_token
            .value
            .as_deref()
            .is_some_and(|t| t.len() < 16)
        {
            bail!(
                "metrics.token ({}): at least 16 characters (a scraper's secret)",
                self.metrics_token.source
            );
        }
        Ok(())
    }

    /// How long a session lasts, for the web application.
    pub fn session_lifetime(&self) -> chrono::Duration {
        chrono::Duration::from_std(self.session_lifetime.value)
            .unwrap_or_else(|_| chrono::Duration::hours(8))
    }

    /// The largest request body, for the web application.
    pub fn body_limit(&self) -> usize {
        usize::try_from(self.body_limit.value).unwrap_or(usize::MAX)
    }

    /// The store's PostgreSQL timeouts and keepalives.
    pub fn timeouts(&self) -> probity_store::Timeouts {
        probity_store::Timeouts {
            idle_in_transaction: self.idle_in_transaction_timeout.value,
            lock: self.lock_timeout.value,
            statement: self.statement_timeout.value,
            keepalives: probity_store::Keepalives {
                idle: self.keepalive_idle.value,
                interval: self.keepalive_interval.value,
                count: self.keepalive_count.value,
            },
        }
    }

    /// The settings this build accepts and checks but does not apply yet, each with what
    /// applies instead; `probity serve` refuses to start when one differs from it.
    pub fn not_applied(&self) -> Vec<String> {
        let mut out = Vec::new();
        if self.draft_limit.value != 256 * 1024 {
            out.push("limits.draft_size: fixed at 256KiB in this build".to_owned());
        }
        out
    }

    /// The effective settings, one `key = value  # source` line each, secrets masked.
    pub fn describe(&self) -> String {
        let secs = |d: &Duration| format!("\"{}s\"", d.as_secs());
        let text = |t: &str| format!("{t:?}");
        let path = |p: &Path| format!("{:?}", p.display().to_string());
        let mut lines: Vec<(String, String, &Source)> = vec![
            ("bind".into(), text(&self.bind.value), &self.bind.source),
            (
                "shutdown_grace".into(),
                secs(&self.shutdown_grace.value),
                &self.shutdown_grace.source,
            ),
            (
                "log_format".into(),
                text(&self.log_format.value.to_string()),
                &self.log_format.source,
            ),
            (
                "database.url".into(),
                text(&crate::cmd::db::redact(&self.db.value)),
                &self.db.source,
            ),
            (
                "database.pool_size".into(),
                self.pool_size.value.to_string(),
                &self.pool_size.source,
            ),
            (
                "database.key_file".into(),
                path(&self.key_file.value),
                &self.key_file.source,
            ),
            (
                "database.statement_timeout".into(),
                secs(&self.statement_timeout.value),
                &self.statement_timeout.source,
            ),
            (
                "database.lock_timeout".into(),
                secs(&self.lock_timeout.value),
                &self.lock_timeout.source,
            ),
            (
                "database.idle_in_transaction_timeout".into(),
                secs(&self.idle_in_transaction_timeout.value),
                &self.idle_in_transaction_timeout.source,
            ),
            (
                "database.keepalive_idle".into(),
                secs(&self.keepalive_idle.value),
                &self.keepalive_idle.source,
            ),
            (
                "database.keepalive_interval".into(),
                secs(&self.keepalive_interval.value),
                &self.keepalive_interval.source,
            ),
            (
                "database.keepalive_count".into(),
                self.keepalive_count.value.to_string(),
                &self.keepalive_count.source,
            ),
            (
                "sessions.lifetime".into(),
                secs(&self.session_lifetime.value),
                &self.session_lifetime.source,
            ),
            (
                "sessions.require_totp_for_staff".into(),
                self.require_totp_for_staff.value.to_string(),
                &self.require_totp_for_staff.source,
            ),
            (
                "http.secure_cookies".into(),
                self.secure_cookies.value.to_string(),
                &self.secure_cookies.source,
            ),
            (
                "http.public_origin".into(),
                self.public_origin
                    .value
                    .as_deref()
                    .map_or_else(|| "(none)".into(), text),
                &self.public_origin.source,
            ),
            (
                "http.trusted_proxies".into(),
                format!(
                    "[{}]",
                    self.trusted_proxies
                        .value
                        .iter()
                        .map(|n| format!("\"{n}\""))
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
                &self.trusted_proxies.source,
            ),
            (
                "tls".into(),
                self.tls.value.as_ref().map_or_else(
                    || "off".into(),
                    |(c, k)| format!("certificate {} key {}", path(c), path(k)),
                ),
                &self.tls.source,
            ),
            (
                "limits.body_size".into(),
                self.body_limit.value.to_string(),
                &self.body_limit.source,
            ),
            (
                "limits.draft_size".into(),
                self.draft_limit.value.to_string(),
                &self.draft_limit.source,
            ),
            (
                "metrics.token".into(),
                if self.metrics_token.value.is_some() {
                    "\"***\"".into()
                } else {
                    "(none: /metrics closed)".into()
                },
                &self.metrics_token.source,
            ),
            (
                "checkpoints.file".into(),
                self.checkpoints
                    .value
                    .as_deref()
                    .map_or_else(|| "(beside the key file)".into(), path),
                &self.checkpoints.source,
            ),
            (
                "checkpoints.every".into(),
                secs(&self.checkpoint_every.value),
                &self.checkpoint_every.source,
            ),
            (
                "checkpoints.hook".into(),
                // A hook may carry a credential in its arguments: only the program is shown.
                self.checkpoint_hook.value.as_deref().map_or_else(
                    || "(none)".into(),
                    |h| {
                        format!(
                            "\"{} ***\"",
                            h.split_whitespace().next().unwrap_or_default()
                        )
                    },
                ),
                &self.checkpoint_hook.source,
            ),
        ];
        let width = lines
            .iter()
            .map(|(k, v, _)| k.len() + v.len() + 3)
            .max()
            .unwrap_or(0);
        let mut out = String::new();
        if let Some(file) = &self.file {
            out.push_str(&format!("# configuration file: {}\n", file.display()));
        }
        for (key, value, source) in lines.drain(..) {
            let line = format!("{key} = {value}");
            out.push_str(&format!("{line:<width$}  # {source}\n"));
        }
        out
    }
}

/// `probity config check`: prints the settings in force (secrets masked); fails when one is set
/// that this build does not apply.
pub fn check(settings: &Settings) -> Result<std::process::ExitCode> {
    print!("{}", settings.describe());
    let refused = settings.not_applied();
    if refused.is_empty() {
        println!("# configuration OK");
        Ok(std::process::ExitCode::SUCCESS)
    } else {
        bail!("settings this build does not apply: {}", refused.join("; "))
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn durations_and_sizes_read_their_units() {
        assert_eq!(
            parse_positive_duration("90").unwrap(),
            Duration::from_secs(90)
        );
        assert_eq!(
            parse_positive_duration("2m").unwrap(),
            Duration::from_secs(120)
        );
        assert!(parse_positive_duration("0").is_err());
        assert_eq!(parse_duration_or_zero("0").unwrap(), Duration::ZERO);
        assert!(parse_positive_duration("5 days").is_err());
        assert_eq!(parse_size("2MiB").unwrap(), 2 * 1024 * 1024);
        assert_eq!(parse_size("512KiB").unwrap(), 512 * 1024);
        assert!(parse_size("2GB").is_err());
    }

    #[test]
    fn an_unknown_key_is_refused_with_its_line() {
        let e =
            parse_file("bind = \"0.0.0.0:80\"\n[database]\nurl = \"sqlite://x.db\"\npool = 3\n")
                .unwrap_err()
                .to_string();
        assert!(e.contains("line 4"), "{e}");
        assert!(e.contains("pool"), "{e}");
    }
}
