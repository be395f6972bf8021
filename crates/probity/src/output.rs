//! How verbs talk to the terminal: quiet or not, text or JSON summaries, progress bars that hide
//! themselves when stderr is not a terminal.

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

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
            println!("{}", line.as_ref());
        }
    }

    /// Prints a JSON summary (even when quiet: a script asked for it).
    pub fn summary(&self, value: &serde_json::Value) {
        if self.json {
            println!("{value}");
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
