//! The schema as data: every table, its key and its columns, with which columns are sealed.
//!
//! One description drives everything that must treat all tables alike, so they cannot drift
//! apart: generic writes with their audit events (`write`), the audit walk that re-hashes every
//! record (`audit`), re-sealing under a new key (`rotate`) and backup and restore (`backup`). The
//! SQL in `migrations/` must create exactly these columns; a test checks it on both databases.

/// How a column is stored.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// A 64-bit integer (`BIGINT`).
    Int,
    /// Text.
    Text,
    /// Personal data: sealed bytes (`BLOB` / `BYTEA`), opened by the store.
    Sealed,
}

/// One table.
#[derive(Debug)]
pub struct Table {
    /// Table name.
    pub name: &'static str,
    /// Columns, key columns first.
    pub columns: &'static [(&'static str, Kind)],
    /// How many leading columns make the primary key.
    pub key_len: usize,
    /// Whether every row is covered by an audit event (false only for the audit log itself and
    /// the store's own bookkeeping).
    pub covered: bool,
}

impl Table {
    /// The key columns.
    pub fn key_columns(&self) -> &'static [(&'static str, Kind)] {
        &self.columns[..self.key_len]
    }

    /// Whether any column is sealed.
    pub fn has_sealed(&self) -> bool {
        self.columns.iter().any(|(_, k)| *k == Kind::Sealed)
    }

    /// `a, b, c`.
    pub fn column_list(&self) -> String {
        self.columns
            .iter()
            .map(|(c, _)| *c)
            .collect::<Vec<_>>()
            .join(", ")
    }

    /// `a, b` for the key.
    pub fn key_list(&self) -> String {
        self.key_columns()
            .iter()
            .map(|(c, _)| *c)
            .collect::<Vec<_>>()
            .join(", ")
    }
}

use Kind::{Int, Sealed, Text};

/// Store bookkeeping: schema version, key fingerprint, active key id.
pub const META: Table = Table {
    name: "meta",
    columns: &[("key", Text), ("value", Text)],
    key_len: 1,
    covered: false,
};

/// The audit log.
pub const AUDIT_EVENTS: Table = Table {
    name: "audit_events",
    columns: &[
        ("seq", Int),
        ("at", Text),
        ("actor", Text),
        ("action", Text),
        ("subject", Text),
        ("payload", Text),
        ("payload_sha256", Text),
        ("prev_sha256", Text),
        ("sha256", Text),
    ],
    key_len: 1,
    covered: false,
};

/// The signed head of the audit log.
pub const AUDIT_HEAD: Table = Table {
    name: "audit_head",
    columns: &[("id", Int), ("seq", Int), ("sha256", Text), ("mac", Text)],
    key_len: 1,
    covered: false,
};

/// One imported roster file.
pub const ROSTER_BATCHES: Table = Table {
    name: "roster_batches",
    columns: &[
        ("id", Int),
        ("file_name", Text),
        ("file_sha256", Text),
        ("entries", Int),
        ("imported_at", Text),
    ],
    key_len: 1,
    covered: true,
};

/// Organisation units.
pub const UNITS: Table = Table {
    name: "units",
    columns: &[("name", Text), ("first_batch", Int)],
    key_len: 1,
    covered: true,
};

/// Reporting subjects, as the latest roster has them.
pub const SUBJECTS: Table = Table {
    name: "subjects",
    columns: &[
        ("person_key", Text),
        ("resident_id", Sealed),
        ("name", Text),
        ("unit", Text),
        ("position", Text),
        ("rank", Text),
        ("sector", Text),
        ("subject_since", Text),
        ("status", Text),
        ("flags", Text),
        ("on_roster", Int),
        ("batch", Int),
    ],
    key_len: 1,
    covered: true,
};

/// The roster's history: who was added, changed or removed by which import.
pub const ROSTER_CHANGES: Table = Table {
    name: "roster_changes",
    columns: &[
        ("batch", Int),
        ("person_key", Text),
        ("change", Text),
        ("fields", Text),
    ],
    key_len: 2,
    covered: true,
};

/// Reporting cycles.
pub const CYCLES: Table = Table {
    name: "cycles",
    columns: &[
        ("year", Int),
        ("deadline", Text),
        ("opened_at", Text),
        ("closed_at", Text),
        ("roster_batch", Int),
    ],
    key_len: 1,
    covered: true,
};

/// One imported declaration file.
pub const DECLARATION_BATCHES: Table = Table {
    name: "declaration_batches",
    columns: &[
        ("id", Int),
        ("file_name", Text),
        ("file_sha256", Text),
        ("declarations", Int),
        ("imported_at", Text),
    ],
    key_len: 1,
    covered: true,
};

/// Filed reports: immutable; a correction is a new row that `supersedes` the old.
pub const DECLARATIONS: Table = Table {
    name: "declarations",
    columns: &[
        ("declaration_id", Text),
        ("person_key", Text),
        ("year", Int),
        ("kind", Text),
        ("filed_on", Text),
        ("supersedes", Text),
        ("content_sha256", Text),
        ("content", Sealed),
        ("batch", Int),
        ("stored_at", Text),
    ],
    key_len: 1,
    covered: true,
};

/// Reports being written: mutable, one per person, year and kind.
pub const DRAFTS: Table = Table {
    name: "drafts",
    columns: &[
        ("person_key", Text),
        ("year", Int),
        ("kind", Text),
        ("content", Sealed),
        ("updated_at", Text),
    ],
    key_len: 3,
    covered: true,
};

/// Imported registry extracts, one row a file.
pub const REGISTRY_BATCHES: Table = Table {
    name: "registry_batches",
    columns: &[
        ("id", Int),
        ("source", Text),
        ("file_name", Text),
        ("file_sha256", Text),
        ("rows", Int),
        ("content", Sealed),
        ("imported_at", Text),
    ],
    key_len: 1,
    covered: true,
};

/// Sample draws, one per cycle.
pub const SAMPLE_DRAWS: Table = Table {
    name: "sample_draws",
    columns: &[
        ("cycle", Int),
        ("rate", Text),
        ("seed_commitment", Text),
        ("roster_sha256", Text),
        ("drawn_at", Text),
        ("seed", Text),
        ("revealed_at", Text),
        ("drawn", Sealed),
    ],
    key_len: 1,
    covered: true,
};

/// Accounts and their roles.
pub const USERS: Table = Table {
    name: "users",
    columns: &[
        ("username", Text),
        ("role", Text),
        ("person_key", Text),
        ("password_hash", Text),
        ("created_at", Text),
        ("disabled", Int),
        ("must_change_password", Int),
    ],
    key_len: 1,
    covered: true,
};

/// The units a staff account manages (none: every unit).
pub const USER_UNITS: Table = Table {
    name: "user_units",
    columns: &[("username", Text), ("unit", Text)],
    key_len: 2,
    covered: true,
};

/// A staff account's second factor: its TOTP secret (RFC 6238), sealed.
pub const USER_TOTP: Table = Table {
    name: "user_totp",
    columns: &[
        ("username", Text),
        ("secret", Sealed),
        ("enrolled_at", Text),
    ],
    key_len: 1,
    covered: true,
};

/// Verification runs of the cross-check over a cycle.
pub const VERIFICATION_RUNS: Table = Table {
    name: "verification_runs",
    columns: &[
        ("id", Int),
        ("cycle", Int),
        ("scope", Text),
        ("started_at", Text),
        ("finished_at", Text),
        ("declarations", Int),
        ("findings", Int),
    ],
    key_len: 1,
    covered: true,
};

/// Cases: one per subject and cycle with findings, over all the subject's reports in force
/// (`declaration_id`: the report that opened it, if any; `run`: the run that opened it;
/// `last_run`: the latest run that checked the subject).
pub const CASES: Table = Table {
    name: "cases",
    columns: &[
        ("id", Int),
        ("cycle", Int),
        ("person_key", Text),
        ("declaration_id", Text),
        ("run", Int),
        ("status", Text),
        ("opened_at", Text),
        ("last_run", Int),
    ],
    key_len: 1,
    covered: true,
};

/// Findings with their evidence (sealed: declared and registry values name people and places).
pub const FINDINGS: Table = Table {
    name: "findings",
    columns: &[
        ("id", Int),
        ("case_id", Int),
        ("category", Text),
        ("kind", Text),
        ("classification", Text),
        ("rule", Text),
        ("field", Text),
        ("detail", Sealed),
        ("declaration_id", Text),
        ("report_kind", Text),
        ("first_run", Int),
        ("last_run", Int),
    ],
    key_len: 1,
    covered: true,
};

/// Requests for explanation and the answers.
pub const EXPLANATIONS: Table = Table {
    name: "explanations",
    columns: &[
        ("id", Int),
        ("case_id", Int),
        ("requested_by", Text),
        ("requested_at", Text),
        ("question", Sealed),
        ("answer", Sealed),
        ("answered_at", Text),
        ("due_on", Text),
    ],
    key_len: 1,
    covered: true,
};

/// Determinations, one finding of a case each; the latest for a finding is the one in force.
pub const DETERMINATIONS: Table = Table {
    name: "determinations",
    columns: &[
        ("id", Int),
        ("case_id", Int),
        ("outcome", Text),
        ("decided_by", Text),
        ("decided_at", Text),
        ("confirmed_by", Text),
        ("confirmed_at", Text),
        ("reason", Sealed),
        ("finding_id", Int),
    ],
    key_len: 1,
    covered: true,
};

/// Measures taken, each following from a determination.
pub const MEASURES: Table = Table {
    name: "measures",
    columns: &[
        ("id", Int),
        ("case_id", Int),
        ("measure", Text),
        ("decided_by", Text),
        ("decided_at", Text),
        ("note", Sealed),
        ("determination_id", Int),
    ],
    key_len: 1,
    covered: true,
};

/// Every table, in an order where each row's references come before it (for restore).
pub const TABLES: &[&Table] = &[
    &META,
    &AUDIT_EVENTS,
    &AUDIT_HEAD,
    &ROSTER_BATCHES,
    &UNITS,
    &SUBJECTS,
    &ROSTER_CHANGES,
    &CYCLES,
    &DECLARATION_BATCHES,
    &DECLARATIONS,
    &DRAFTS,
    &REGISTRY_BATCHES,
    &SAMPLE_DRAWS,
    &USERS,
    &USER_UNITS,
    &USER_TOTP,
    &VERIFICATION_RUNS,
    &CASES,
    &FINDINGS,
    &EXPLANATIONS,
    &DETERMINATIONS,
    &MEASURES,
];

/// Sign-in sessions: the SHA-256 of the cookie's token, never the token; `mac` binds the row to
/// the key file (`Keyring::sign_session`).
pub const SESSIONS: Table = Table {
    name: "sessions",
    columns: &[
        ("token_sha256", Text),
        ("username", Text),
        ("csrf", Text),
        ("created_at", Text),
        ("expires_at", Text),
        ("mac", Text),
    ],
    key_len: 1,
    covered: false,
};

/// Failed sign-ins in a row, and the lockout they caused, per name typed: `username` holds the
/// blind index of the name (known or not), never the name.
pub const LOGIN_FAILURES: Table = Table {
    name: "login_failures",
    columns: &[
        ("username", Text),
        ("failures", Int),
        ("locked_until", Text),
    ],
    key_len: 1,
    covered: false,
};

/// Bookkeeping of sign-ins: described, but neither audited record by record nor backed up.
pub const EPHEMERAL: &[&Table] = &[&SESSIONS, &LOGIN_FAILURES];

/// The table of this name.
pub fn table(name: &str) -> Option<&'static Table> {
    TABLES.iter().copied().find(|t| t.name == name)
}
