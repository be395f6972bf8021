//! What can go wrong in the store.

use std::path::PathBuf;

/// An error of the store. Messages never hold personal data: rows are named by their keys
/// (declaration ids, blind indexes), not by resident IDs or names.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The database refused or failed.
    #[error("database: {0}")]
    Database(#[from] sqlx::Error),
    /// A file could not be read or written.
    #[error("{}: {source}", path.display())]
    Io {
        /// The file.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },
    /// The key file is missing, malformed or does not belong to this database.
    #[error("key file {}: {message}", path.display())]
    KeyFile {
        /// The key file.
        path: PathBuf,
        /// Why.
        message: String,
    },
    /// A value was sealed under a data key the key file does not hold.
    #[error("a value is sealed under data key {0}, which the key file does not hold")]
    UnknownKey(u32),
    /// Sealing or opening failed.
    #[error("encryption: {0}")]
    Crypto(&'static str),
    /// An input file was refused; nothing of it was stored.
    #[error("{file}:{line}: {field}: {message}")]
    Rejected {
        /// The file.
        file: String,
        /// Its line, 1-based (0 when the file as a whole is refused).
        line: usize,
        /// The field (a column or JSON path).
        field: String,
        /// Why.
        message: String,
    },
    /// A report was refused because another report of the same subject, kind and year is in
    /// force and the refused one does not supersede it (FORMATS.md: one report in force per
    /// subject, kind and year), or because it corrects a report that a later one has corrected
    /// already. Names the report in force by its id, never by a person.
    #[error(
        "{file}:{line}: $.supersedes: report {} ({} {}, filed {}) is in force; a correction must supersede it",
        in_force.declaration_id, in_force.kind, in_force.year, in_force.filed_on
    )]
    NotInForce {
        /// The file (`submit` for the web form and the API).
        file: String,
        /// Its line, 1-based.
        line: usize,
        /// The report in force.
        in_force: crate::in_force::InForce,
    },
    /// A roster file names subjects of units outside the importing account's scope; nothing of
    /// it was stored.
    #[error("{file}:{}: unit: outside the units this account manages (lines {})", lines.first().copied().unwrap_or(0), lines.iter().take(20).map(usize::to_string).collect::<Vec<_>>().join(", "))]
    OutsideScope {
        /// The file.
        file: String,
        /// The lines (1-based) of other units.
        lines: Vec<usize>,
    },
    /// A roster file would take off more than [`crate::import::REMOVAL_SHARE_PERCENT`] per cent
    /// of a unit's subjects (a header-only file, all of them), and the removals were not
    /// confirmed ([`crate::import::Removals::Allowed`]); nothing of it was stored.
    #[error(
        "{file}: would take {} off the roster; confirm the removals to import it",
        units.iter().map(|u| format!("{} of the {} subjects of unit {}", u.removed, u.of, u.unit)).collect::<Vec<_>>().join(", ")
    )]
    TooManyRemovals {
        /// The file.
        file: String,
        /// The units that would lose more than the share, by name.
        units: Vec<crate::import::UnitRemovals>,
    },
    /// A draft was not kept: too large, or for a year no report of the person can be due
    /// ([`crate::Store::save_draft`]).
    #[error("draft refused: {0}")]
    DraftRefused(DraftRefusal),
    /// The request does not fit the stored state (a cycle not open, a database not empty, …).
    /// Its code and arguments say it in any language ([`crate::refusal`]).
    #[error("{0}")]
    Conflict(crate::refusal::Refusal),
    /// The database URL names no backend Probity supports.
    #[error("unsupported database URL {0:?}: use sqlite://FILE or postgres://…")]
    UnsupportedUrl(String),
    /// A write was not committed (its transaction failed, or the writing task stopped); nothing
    /// of it is stored.
    #[error("not stored: {0}")]
    NotCommitted(String),
    /// The database holds something that cannot have been written by Probity.
    #[error("corrupt: {0}")]
    Corrupt(String),
}

/// Why a draft was not kept.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DraftRefusal {
    /// Larger than [`crate::accounts::DRAFT_MAX_BYTES`].
    #[error("a draft is at most {limit_kib} KiB")]
    TooLarge {
        /// The limit, in KiB.
        limit_kib: usize,
    },
    /// No report of the person can be due on the year.
    #[error("no report of {year} can be due: drafts are kept for {from} to {to}")]
    NotDue {
        /// The year asked for.
        year: i32,
        /// The year the person became a subject.
        from: i32,
        /// The current year.
        to: i32,
    },
    /// The person is not a subject on the roster.
    #[error("only a subject on the roster keeps drafts")]
    NotSubject,
}
