//! Probity's persistence: one schema on SQLite (the default) and PostgreSQL.
//!
//! - Every write goes through a [`Writer`]: one transaction that appends a hash-chained audit
//!   event for each record it writes and signs the new head on commit ([`audit`]).
//! - Personal data (resident IDs, family members' names, addresses, document, account and policy
//!   numbers — whole reports and registry files) is sealed with XChaCha20-Poly1305 under keys from
//!   a key file outside the database ([`keys`]); people are looked up by a keyed hash.
//! - Reports are immutable: a correction is a new version that `supersedes` the old one.
//! - Imports are all or nothing per file, and importing a file twice changes nothing ([`import`]).
//!
//! The schema is described once, as data ([`schema`]), and everything that treats all tables
//! alike — audit walk, key rotation, backup and restore — reads that description.

pub mod accounts;
pub mod audit;
mod backup;
pub mod csv_out;
pub mod declarant;
mod error;
pub mod group;
pub mod import;
pub mod in_force;
pub mod keys;
mod progress;
mod read;
pub mod record;
pub mod refusal;
mod reminders;
mod rotate;
mod sample;
pub mod schema;
pub mod scope;
mod sessions;
mod statistics;
mod store;
mod verification;
mod workbench;
mod write;

pub use accounts::{Role, User};
pub use audit::{Checkpoint, Unfit, Verified};
pub use backup::Copied;
pub use error::{DraftRefusal, StoreError};
pub use import::{Cycle, Filing, Imported, RegistryFile};
pub use keys::Keyring;
pub use progress::{Obligation, Progress, ProgressRow, ReportSummary, Standing};
pub use read::StoredDeclaration;
pub use refusal::Refusal;
pub use reminders::{REMINDER_ISSUED, ReminderIssued};
pub use rotate::Rotated;
pub use sample::Sample;
pub use scope::{UnitScope, WholeDepartment};
pub use sessions::{Attempt, SESSION_MAX_HOURS, Session};
pub use statistics::{Counts, Statistics, UnitCounts};
pub use store::{Backend, DEFAULT_POOL_SIZE, Keepalives, Stamp, Store, Timeouts};
pub use verification::{Checked, FindingInForce, RunRecorded, StoredRegistryFile};
pub use workbench::{
    CaseFile, CaseFilter, CaseFinding, CaseStatus, CaseSummary, DeterminationRecord, Explanation,
    IntegrityEntry, IntegrityRecord, KeyCheck,
};
pub use write::Writer;
