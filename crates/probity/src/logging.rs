//! Where log lines go: standard error, as text or JSON, filtered by `RUST_LOG`.
//!
//! The lines themselves are written where things happen (`probity_web::request_log` for
//! requests; runs and imports in their verbs) and never carry a name, an ID number, a username
//! or an address.

use tracing_subscriber::EnvFilter;

use crate::config::LogFormat;

/// Installs the subscriber for the process: `RUST_LOG` when set (e.g. `info`,
/// `probity::request=warn`), else `default_filter`.
pub fn init(format: LogFormat, default_filter: &str) {
    let filter =
        EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new(default_filter));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr);
    // A second installation (none in the binary) would fail: the first one stays.
    let _ = match format {
        LogFormat::Text => builder.with_ansi(false).try_init(),
        LogFormat::Json => builder.json().flatten_event(true).try_init(),
    };
}
