//! `probity config check`: flags over `PROBITY_*` variables over the file over the defaults,
//! every error naming its key (an unknown one with its line), and no secret printed.

#![allow(clippy::panic)]

use std::path::Path;
use std::process::{Command, Output};

use super::{stderr, stdout};

/// Every variable a setting reads, so that the caller's environment does not leak into a test.
const VARIABLES: &[&str] = &[
    "PROBITY_CONFIG",
    "PROBITY_BIND",
    "PROBITY_DB",
    "PROBITY_KEY_FILE",
    "PROBITY_DB_POOL_SIZE",
    "PROBITY_DB_LOCK_TIMEOUT",
    "PROBITY_DB_STATEMENT_TIMEOUT",
    "PROBITY_METRICS_TOKEN",
    "PROBITY_LOG_FORMAT",
    "PROBITY_TRUSTED_PROXIES",
    "PROBITY_TLS_CERTIFICATE",
    "PROBITY_TLS_KEY",
];

fn check(args: &[&str], env: &[(&str, &str)]) -> Output {
    let mut command = Command::new(env!("CARGO_BIN_EXE_probity"));
    command.args(["config", "check"]).args(args);
    for v in VARIABLES {
        command.env_remove(v);
    }
    for (k, v) in env {
        command.env(k, v);
    }
    command.output().unwrap()
}

/// The line of `key` in `config check`'s output: (value, source).
fn setting(out: &str, key: &str) -> (String, String) {
    let line = out
        .lines()
        .find(|l| l.starts_with(&format!("{key} = ")))
        .unwrap_or_else(|| panic!("no {key} in {out}"));
    let (value, source) = line.split_once('#').unwrap();
    (
        value
            .trim()
            .trim_start_matches(&format!("{key} = "))
            .to_owned(),
        source.trim().to_owned(),
    )
}

fn write(dir: &Path, name: &str, text: &str) -> String {
    let path = dir.join(name);
    std::fs::write(&path, text).unwrap();
    path.display().to_string()
}

#[test]
fn flags_beat_variables_beat_the_file_beats_the_defaults() {
    let dir = tempfile::tempdir().unwrap();
    let file = write(
        dir.path(),
        "probity.toml",
        "bind = \"127.0.0.1:9001\"\n\
         [database]\n\
         url = \"postgres://probity@db.example/probity\"\n\
         pool_size = 20\n\
         lock_timeout = \"5s\"\n\
         statement_timeout = \"2m\"\n",
    );
    let o = check(
        &["--config", &file, "--lock-timeout", "7s"],
        &[
            ("PROBITY_DB_POOL_SIZE", "12"),
            ("PROBITY_DB_LOCK_TIMEOUT", "9s"),
        ],
    );
    assert!(o.status.success(), "{}", stderr(&o));
    let out = stdout(&o);
    // The file alone.
    assert_eq!(
        setting(&out, "bind"),
        ("\"127.0.0.1:9001\"".into(), "file".into())
    );
    assert_eq!(
        setting(&out, "database.statement_timeout"),
        ("\"120s\"".into(), "file".into())
    );
    // A variable over the file.
    assert_eq!(
        setting(&out, "database.pool_size"),
        ("12".into(), "env PROBITY_DB_POOL_SIZE".into())
    );
    // A flag over both.
    assert_eq!(
        setting(&out, "database.lock_timeout"),
        ("\"7s\"".into(), "flag --lock-timeout".into())
    );
    // Nothing: the default.
    assert_eq!(
        setting(&out, "database.idle_in_transaction_timeout"),
        ("\"30s\"".into(), "default".into())
    );
    // The configuration file named by PROBITY_CONFIG, the global --db over it.
    let o = check(&["--db", "sqlite://other.db"], &[("PROBITY_CONFIG", &file)]);
    assert!(o.status.success(), "{}", stderr(&o));
    let out = stdout(&o);
    assert_eq!(setting(&out, "bind").1, "file");
    assert_eq!(
        setting(&out, "database.url"),
        ("\"sqlite://other.db\"".into(), "flag --db".into())
    );
}

#[test]
fn secrets_are_never_printed() {
    let dir = tempfile::tempdir().unwrap();
    let password = "Zq9-pg-password";
    let token = "metrics-token-4f1c9a7e2b";
    let hook_secret = "hook-bearer-77aa";
    let file = write(
        dir.path(),
        "probity.toml",
        &format!(
            "[database]\nurl = \"postgres://probity:{password}@db.example/probity\"\n\
             [metrics]\ntoken = \"{token}\"\n\
             [checkpoints]\nhook = \"curl -H 'Authorization: Bearer {hook_secret}' https://n\"\n"
        ),
    );
    let o = check(&["--config", &file], &[]);
    assert!(o.status.success(), "{}", stderr(&o));
    let out = stdout(&o);
    for secret in [password, token, hook_secret] {
        assert!(!out.contains(secret), "{secret} printed: {out}");
    }
    assert_eq!(
        setting(&out, "database.url").0,
        "\"postgres://probity:***@db.example/probity\""
    );
    assert_eq!(setting(&out, "metrics.token").0, "\"***\"");
    // Nor from the environment.
    let o = check(&[], &[("PROBITY_METRICS_TOKEN", token)]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(!stdout(&o).contains(token));
    assert_eq!(
        setting(&stdout(&o), "metrics.token").1,
        "env PROBITY_METRICS_TOKEN"
    );
}

#[test]
fn mistakes_are_refused_naming_the_key() {
    let dir = tempfile::tempdir().unwrap();
    let cases = [
        // An unknown key, with its line.
        (
            "bind = \"127.0.0.1:80\"\n[database]\npool = 3\n",
            vec!["line 3", "pool", "pool_size"],
        ),
        ("[metrics]\ntokn = \"x\"\n", vec!["line 2", "tokn"]),
        (
            "[databse]\nurl = \"sqlite://x.db\"\n",
            vec!["line 1", "databse"],
        ),
        // Values that do not read, or break a rule.
        (
            "[database]\nlock_timeout = \"5 days\"\n",
            vec!["database.lock_timeout", "5 days"],
        ),
        ("[database]\npool_size = 0\n", vec!["database.pool_size"]),
        ("[database]\nurl = \"mysql://x\"\n", vec!["database.url"]),
        (
            "[sessions]\nlifetime = \"24h\"\n",
            vec!["sessions.lifetime", "8h"],
        ),
        (
            "[limits]\nbody_size = \"1KiB\"\n",
            vec!["limits.body_size", "64KiB"],
        ),
        (
            "[http]\ntrusted_proxies = [\"10.1.2.3/8\"]\n",
            vec!["http.trusted_proxies", "10.1.2.3/8"],
        ),
        (
            "[http]\npublic_origin = \"probity.example.gov\"\n",
            vec!["http.public_origin"],
        ),
        (
            "[tls]\ncertificate = \"/nonexistent/cert.pem\"\n",
            vec!["tls", "key"],
        ),
        (
            "[metrics]\ntoken = \"short\"\n",
            vec!["metrics.token", "16"],
        ),
        ("[limits]\nbody_size = \"2GB\"\n", vec!["limits.body_size"]),
    ];
    for (i, (text, expected)) in cases.iter().enumerate() {
        let file = write(dir.path(), &format!("c{i}.toml"), text);
        let o = check(&["--config", &file], &[]);
        assert_eq!(o.status.code(), Some(1), "{text}: {}", stdout(&o));
        let err = stderr(&o);
        for e in expected {
            assert!(err.contains(e), "{text}: {e} not in {err}");
        }
        // Refused before anything is printed as in force.
        assert!(!stdout(&o).contains("configuration OK"), "{text}");
    }
    // A missing file is named.
    let o = check(&["--config", "/nonexistent/probity.toml"], &[]);
    assert_eq!(o.status.code(), Some(1));
    assert!(
        stderr(&o).contains("/nonexistent/probity.toml"),
        "{}",
        stderr(&o)
    );
}

#[test]
fn a_setting_this_build_does_not_apply_stops_the_server_before_it_serves() {
    let dir = tempfile::tempdir().unwrap();
    let file = write(
        dir.path(),
        "probity.toml",
        "[limits]\ndraft_size = \"1MiB\"\n",
    );
    let o = check(&["--config", &file], &[]);
    assert_eq!(o.status.code(), Some(1));
    assert!(stderr(&o).contains("limits.draft_size"), "{}", stderr(&o));
    let mut serve = Command::new(env!("CARGO_BIN_EXE_probity"));
    for v in VARIABLES {
        serve.env_remove(v);
    }
    let o = serve
        .args(["serve", "--bind", "127.0.0.1:0", "--config", &file])
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(1));
    assert!(stderr(&o).contains("limits.draft_size"), "{}", stderr(&o));
}

#[test]
fn the_sample_configuration_checks() {
    let sample = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../deploy/probity.toml");
    let o = check(&["--config", sample.to_str().unwrap()], &[]);
    assert!(o.status.success(), "{}", stderr(&o));
    let out = stdout(&o);
    assert!(out.contains("# configuration OK"), "{out}");
    // Every line of the sample that sets something is in force from the file.
    assert_eq!(
        setting(&out, "log_format"),
        ("\"json\"".into(), "file".into())
    );
    assert_eq!(
        setting(&out, "http.secure_cookies"),
        ("true".into(), "file".into())
    );
}
