//! How verbs talk to the terminal: quiet or not, text or JSON summaries, progress bars that hide
//! themselves when stderr is not a terminal.

use std::io::Write;
use std::path::Path;

use anyhow::Context;
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

/// Prints a line on standard output; when the reader has gone (`probity score | head`), exits
/// quietly as a Unix tool does instead of panicking on the broken pipe.
#[macro_export]
macro_rules! outln {
    ($($arg:tt)*) => {
        $crate::output::write_line(&format!($($arg)*))
    };
}

/// The function behind [`outln!`].
pub fn write_line(text: &str) {
    let mut out = std::io::stdout().lock();
    if let Err(e) = writeln!(out, "{text}") {
        if e.kind() == std::io::ErrorKind::BrokenPipe {
            std::process::exit(0);
        }
        eprintln!("probity: cannot write to standard output: {e}");
        std::process::exit(1);
    }
}

/// How a verb prints its summary.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum)]
pub enum SummaryFormat {
    /// Lines for people.
    #[default]
    Text,
    /// One JSON object, for scripts.
    Json,
}

/// The output settings of one verb.
pub struct Output {
    quiet: bool,
    json: bool,
}

impl Output {
    /// Settings from `--quiet` and the verb's summary format.
    pub fn new(quiet: bool, format: SummaryFormat) -> Output {
        Output {
            quiet,
            json: format == SummaryFormat::Json,
        }
    }

    /// True when summaries are JSON.
    pub fn json(&self) -> bool {
        self.json
    }

    /// Prints a line of a text summary, unless quiet or JSON.
    pub fn say(&self, line: impl AsRef<str>) {
        if !self.quiet && !self.json {
            crate::outln!("{}", line.as_ref());
        }
    }

    /// Prints a JSON summary (even when quiet: a script asked for it).
    pub fn summary(&self, value: &serde_json::Value) {
        if self.json {
            crate::outln!("{value}");
        }
    }

    /// A progress bar over `total` steps on stderr; hidden when quiet or not on a terminal.
    pub fn progress(&self, total: u64, what: &str) -> ProgressBar {
        let bar = ProgressBar::with_draw_target(Some(total), ProgressDrawTarget::stderr());
        if self.quiet {
            bar.set_draw_target(ProgressDrawTarget::hidden());
        }
        if let Ok(style) = ProgressStyle::with_template(
            "{msg} {wide_bar} {human_pos}/{human_len} ({per_sec}, {eta} left)",
        ) {
            bar.set_style(style);
        }
        bar.set_message(what.to_owned());
        bar
    }
}

/// Writes a result file whole or not at all: into a hidden file beside it, synced, then renamed
/// over `path`. A crash or an error midway leaves any earlier file intact, never a truncated one.
pub fn write_file(
    path: &Path,
    write: impl FnOnce(&mut dyn Write) -> anyhow::Result<()>,
) -> anyhow::Result<()> {
    let name = path
        .file_name()
        .with_context(|| format!("{} is not a file name", path.display()))?;
    let partial = path.with_file_name(format!(".{}.partial", name.to_string_lossy()));
    let result = (|| {
        let file = std::fs::File::create(&partial)?;
        let mut w = std::io::BufWriter::new(file);
        write(&mut w)?;
        let file = w.into_inner().map_err(|e| e.into_error())?;
        file.sync_all()?;
        std::fs::rename(&partial, path)?;
        anyhow::Ok(())
    })();
    if result.is_err() {
        // Best effort: the partial file is ours and worth nothing.
        let _ = std::fs::remove_file(&partial);
    }
    result.with_context(|| format!("cannot write {}", path.display()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_failed_write_leaves_the_earlier_file_and_no_partial() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("found.jsonl");
        std::fs::write(&path, "earlier\n").unwrap();
        let result = write_file(&path, |w| {
            w.write_all(b"half a result")?;
            anyhow::bail!("the disk is full")
        });
        assert!(result.is_err());
        assert_eq!(std::fs::read_to_string(&path).unwrap(), "earlier\n");
        assert_eq!(
            std::fs::read_dir(dir.path()).unwrap().count(),
            1,
            "no partial file left"
        );

        write_file(&path, |w| Ok(w.write_all(b"whole\n")?)).unwrap();
        assert_eq!(std::fs::read_to_string(&path).unwrap(), "whole\n");
    }
}
