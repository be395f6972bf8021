//! # probity-synth
//!
//! A deterministic synthetic population for Probity, in the formats of FORMATS.md: the roster,
//! one annual declaration per reporting subject, the twelve registry extracts the agencies would
//! return about the subjects' families (with harmless noise: blank and mistyped IDs, name
//! variants, homonyms, addresses and certificate numbers written differently), and `truth.jsonl`,
//! the discrepancies the data was built to contain, exactly as a correct cross-check reports them;
//! and `truth_timeliness.jsonl`, the changes of matters 1–8 in the year that the annual reports
//! carry after they were due, which a verification run of the year finds `late` (the registry rows
//! of the year's change events carry no noise, so this truth is exact too).
//!
//! The main items: [`SynthConfig`] (how many people, seed, [`Noise`], year), [`generate`] (writes
//! the folder and returns a [`SynthSummary`]), and [`SynthError`].
//!
//! ```
//! use probity_synth::{Noise, SynthConfig, generate};
//!
//! let dir = tempfile::tempdir().unwrap();
//! let config = SynthConfig { people: 50, seed: 7, noise: Noise::Default, year: 2025 };
//! let summary = generate(&config, dir.path(), &|_done| {}).unwrap();
//! assert_eq!(summary.people, 50);
//! assert!(dir.path().join("registries/real_estate.csv").exists());
//! assert!(dir.path().join("truth.jsonl").exists());
//! ```
//!
//! Everything is a function of the arguments: each person's data comes from random streams seeded
//! by (seed, person index), so people are generated in parallel chunks and written in order, in
//! bounded memory, and the same arguments give the same bytes. The noise level draws from its own
//! stream: the same seed gives the same people, families, holdings and findings at every level.

mod catalog;
mod changes;
mod family;
mod history;
mod household;
mod identity;
mod initial;
mod inject;
mod matters;
mod names;
mod places;
mod property;
mod registry;
mod rng;
mod writer;

use std::fmt;
use std::path::{Path, PathBuf};
use std::str::FromStr;

/// How much the registries disagree with the truth in harmless ways.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Noise {
    /// Registries write exactly what the declarations say: no blank or mistyped IDs, no name
    /// variants, no homonyms, the same addresses and certificate numbers.
    None,
    /// A little noise.
    Low,
    /// The noise of a typical extract.
    Default,
    /// Much noise: a hard test of matching.
    High,
}

impl Noise {
    /// Every level, lightest first.
    pub const ALL: [Noise; 4] = [Noise::None, Noise::Low, Noise::Default, Noise::High];

    /// The level as written on the command line.
    pub fn as_str(&self) -> &'static str {
        match self {
            Noise::None => "none",
            Noise::Low => "low",
            Noise::Default => "default",
            Noise::High => "high",
        }
    }

    fn rates(&self) -> registry::NoiseRates {
        let r = |blank, mistype, name, homonym, text, area| registry::NoiseRates {
            blank,
            mistype,
            name,
            homonym,
            text,
            area,
        };
        match self {
            Noise::None => registry::NoiseRates::default(),
            Noise::Low => r(0.01, 0.01, 0.03, 0.05, 0.3, 0.1),
            Noise::Default => r(0.03, 0.03, 0.08, 0.15, 0.6, 0.3),
            Noise::High => r(0.08, 0.08, 0.2, 0.4, 0.9, 0.6),
        }
    }
}

impl fmt::Display for Noise {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A noise level that is not `none`, `low`, `default` or `high`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown noise level {0:?} (expected none, low, default or high)")]
pub struct UnknownNoise(pub String);

impl FromStr for Noise {
    type Err = UnknownNoise;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Noise::ALL
            .into_iter()
            .find(|n| n.as_str() == s)
            .ok_or_else(|| UnknownNoise(s.to_owned()))
    }
}

/// What to generate.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SynthConfig {
    /// Reporting subjects on the roster.
    pub people: u64,
    /// The seed: the same configuration gives the same bytes.
    pub seed: u64,
    /// Registry noise.
    pub noise: Noise,
    /// The year reported on (reports are filed in January of the next year).
    pub year: i32,
}

/// What was written.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct SynthSummary {
    /// Roster lines.
    pub people: u64,
    /// Declarations (subjects who are active or have left; retired subjects do not report).
    pub declarations: u64,
    /// Registry rows over all twelve extracts.
    pub registry_rows: u64,
    /// Lines of `truth.jsonl`.
    pub truth_findings: u64,
    /// Last year's reports (`previous/declarations.jsonl`; [`generate_two_years`] only).
    pub previous_declarations: u64,
    /// Lines of `truth_year_over_year.jsonl` ([`generate_two_years`] only).
    pub year_over_year_findings: u64,
    /// Lines of `truth_timeliness.jsonl`: the changes of the year that the annual reports carry
    /// after they were due, which a verification run of the year finds `late`.
    pub timeliness_findings: u64,
}

/// Why generation failed.
#[derive(Debug, thiserror::Error)]
pub enum SynthError {
    /// A file or folder could not be created or written.
    #[error("{path}: {source}")]
    Io {
        /// The file or folder.
        path: PathBuf,
        /// What the system said.
        source: std::io::Error,
    },
    /// A CSV row could not be written.
    #[error("cannot write CSV: {0}")]
    Csv(#[from] csv::Error),
    /// A JSON line could not be written.
    #[error("cannot write JSON: {0}")]
    Json(#[from] serde_json::Error),
    /// The configuration cannot be generated.
    #[error("invalid configuration: {0}")]
    Config(String),
    /// The generator built a value the model refuses: a bug in the generator.
    #[error("internal error in the generator: {0}")]
    Internal(String),
}

macro_rules! internal_from {
    ($($t:ty),*) => {$(
        impl From<$t> for SynthError {
            fn from(e: $t) -> SynthError {
                SynthError::Internal(e.to_string())
            }
        }
    )*};
}

internal_from!(
    probity_model::ids::ResidentIdError,
    probity_model::ids::CreditCodeError,
    probity_model::decimal::DecimalError,
    probity_model::country::CountryError,
    probity_model::time::DateError,
    probity_model::quantity::CurrencyError,
    probity_model::profile::ProfileError
);

/// Generates the population of `config` into `out`: `roster.csv`, `declarations.jsonl`,
/// `registries/<source>.csv` for all twelve sources (a header even when empty) and
/// `truth.jsonl`. `progress` is called now and then with the number of people done.
pub fn generate(
    config: &SynthConfig,
    out: &Path,
    progress: &(dyn Fn(u64) + Sync),
) -> Result<SynthSummary, SynthError> {
    writer::generate(config, out, progress, true, false)
}

/// [`generate`], and the year before: `previous/declarations.jsonl` holds last year's annual
/// reports of the subjects who were already subjects then and whose report rolls back a year
/// (most of them), and `truth_year_over_year.jsonl` the findings the year-over-year check must
/// make on this year's reports against them: family assets grown past the year's lawful income,
/// assets gone without a recorded disposal (category `wealth`, kinds `excess_growth` and
/// `vanished`, which FORMATS.md's `truth.jsonl` does not list). Every other file is byte for
/// byte what [`generate`] writes.
pub fn generate_two_years(
    config: &SynthConfig,
    out: &Path,
    progress: &(dyn Fn(u64) + Sync),
) -> Result<SynthSummary, SynthError> {
    writer::generate(config, out, progress, true, true)
}

pub use changes::{ChangeSummary, generate_change_reports};
pub use initial::{InitialSummary, generate_initial_reports};

/// Support for tests of this crate and of the cross-check; not part of the stable API.
#[doc(hidden)]
pub mod testing {
    use super::*;

    /// [`generate`] with injection turned off: data in which a correct cross-check finds nothing.
    pub fn generate_clean(config: &SynthConfig, out: &Path) -> Result<SynthSummary, SynthError> {
        writer::generate(config, out, &|_| {}, false, false)
    }

    /// A name in the comparable form the generator's own variants fold back to.
    pub fn normalise_name(name: &str) -> String {
        names::normalise(name)
    }
}
