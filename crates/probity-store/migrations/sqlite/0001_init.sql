-- Probity schema, version 1 (SQLite). Kept column for column equal to ../postgres/0001_init.sql.
-- Columns holding personal data are BLOBs sealed by the store (XChaCha20-Poly1305); people are
-- found by `person_key`, a keyed hash (blind index) of their resident ID.

CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);

CREATE TABLE audit_events (
    seq BIGINT PRIMARY KEY,
    at TEXT NOT NULL,
    actor TEXT NOT NULL,
    action TEXT NOT NULL,
    subject TEXT NOT NULL,
    payload TEXT NOT NULL,
    payload_sha256 TEXT NOT NULL,
    prev_sha256 TEXT NOT NULL,
    sha256 TEXT NOT NULL
);
CREATE TABLE audit_head (
    id BIGINT PRIMARY KEY CHECK (id = 1),
    seq BIGINT NOT NULL,
    sha256 TEXT NOT NULL,
    mac TEXT NOT NULL
);
INSERT INTO audit_head (id, seq, sha256, mac)
    VALUES (1, 0, '0000000000000000000000000000000000000000000000000000000000000000', '');

CREATE TABLE roster_batches (
    id BIGINT PRIMARY KEY,
    file_name TEXT NOT NULL,
    file_sha256 TEXT NOT NULL UNIQUE,
    entries BIGINT NOT NULL,
    imported_at TEXT NOT NULL
);
CREATE TABLE units (name TEXT PRIMARY KEY, first_batch BIGINT NOT NULL REFERENCES roster_batches (id));
CREATE TABLE subjects (
    person_key TEXT PRIMARY KEY,
    resident_id BLOB NOT NULL,
    name TEXT NOT NULL,
    unit TEXT NOT NULL REFERENCES units (name),
    position TEXT NOT NULL,
    rank TEXT NOT NULL,
    sector TEXT NOT NULL,
    subject_since TEXT NOT NULL,
    status TEXT NOT NULL,
    flags TEXT NOT NULL,
    on_roster BIGINT NOT NULL,
    batch BIGINT NOT NULL REFERENCES roster_batches (id)
);
CREATE INDEX subjects_by_unit ON subjects (unit);
CREATE TABLE roster_changes (
    batch BIGINT NOT NULL REFERENCES roster_batches (id),
    person_key TEXT NOT NULL,
    change TEXT NOT NULL,
    fields TEXT NOT NULL,
    PRIMARY KEY (batch, person_key)
);

CREATE TABLE cycles (
    year BIGINT PRIMARY KEY,
    deadline TEXT NOT NULL,
    opened_at TEXT NOT NULL,
    closed_at TEXT,
    roster_batch BIGINT REFERENCES roster_batches (id)
);

CREATE TABLE declaration_batches (
    id BIGINT PRIMARY KEY,
    file_name TEXT NOT NULL,
    file_sha256 TEXT NOT NULL,
    declarations BIGINT NOT NULL,
    imported_at TEXT NOT NULL
);
CREATE TABLE declarations (
    declaration_id TEXT PRIMARY KEY,
    person_key TEXT NOT NULL,
    year BIGINT NOT NULL,
    kind TEXT NOT NULL,
    filed_on TEXT NOT NULL,
    supersedes TEXT,
    content_sha256 TEXT NOT NULL,
    content BLOB NOT NULL,
    batch BIGINT REFERENCES declaration_batches (id),
    stored_at TEXT NOT NULL
);
CREATE INDEX declarations_by_person ON declarations (person_key, year);
CREATE INDEX declarations_by_year ON declarations (year, kind);
CREATE TABLE drafts (
    person_key TEXT NOT NULL,
    year BIGINT NOT NULL,
    kind TEXT NOT NULL,
    content BLOB NOT NULL,
    updated_at TEXT NOT NULL,
    PRIMARY KEY (person_key, year, kind)
);

CREATE TABLE registry_batches (
    id BIGINT PRIMARY KEY,
    source TEXT NOT NULL,
    file_name TEXT NOT NULL,
    file_sha256 TEXT NOT NULL,
    rows BIGINT NOT NULL,
    content BLOB NOT NULL,
    imported_at TEXT NOT NULL,
    UNIQUE (source, file_sha256)
);

CREATE TABLE sample_draws (
    cycle BIGINT PRIMARY KEY REFERENCES cycles (year),
    rate TEXT NOT NULL,
    seed_commitment TEXT NOT NULL,
    roster_sha256 TEXT NOT NULL,
    drawn_at TEXT NOT NULL,
    seed TEXT,
    revealed_at TEXT,
    drawn BLOB
);

CREATE TABLE users (
    username TEXT PRIMARY KEY,
    role TEXT NOT NULL,
    person_key TEXT,
    password_hash TEXT NOT NULL,
    created_at TEXT NOT NULL,
    disabled BIGINT NOT NULL
);

CREATE TABLE verification_runs (
    id BIGINT PRIMARY KEY,
    cycle BIGINT NOT NULL REFERENCES cycles (year),
    scope TEXT NOT NULL,
    started_at TEXT NOT NULL,
    finished_at TEXT,
    declarations BIGINT NOT NULL,
    findings BIGINT NOT NULL
);
CREATE TABLE cases (
    id BIGINT PRIMARY KEY,
    cycle BIGINT NOT NULL REFERENCES cycles (year),
    person_key TEXT NOT NULL,
    declaration_id TEXT NOT NULL REFERENCES declarations (declaration_id),
    run BIGINT NOT NULL REFERENCES verification_runs (id),
    status TEXT NOT NULL,
    opened_at TEXT NOT NULL
);
CREATE INDEX cases_by_cycle ON cases (cycle, status);
CREATE TABLE findings (
    id BIGINT PRIMARY KEY,
    case_id BIGINT NOT NULL REFERENCES cases (id),
    category TEXT NOT NULL,
    kind TEXT NOT NULL,
    classification TEXT NOT NULL,
    rule TEXT NOT NULL,
    field TEXT,
    detail BLOB NOT NULL
);
CREATE INDEX findings_by_case ON findings (case_id);
CREATE TABLE explanations (
    id BIGINT PRIMARY KEY,
    case_id BIGINT NOT NULL REFERENCES cases (id),
    requested_by TEXT NOT NULL,
    requested_at TEXT NOT NULL,
    question BLOB NOT NULL,
    answer BLOB,
    answered_at TEXT
);
CREATE TABLE determinations (
    id BIGINT PRIMARY KEY,
    case_id BIGINT NOT NULL REFERENCES cases (id),
    outcome TEXT NOT NULL,
    decided_by TEXT NOT NULL,
    decided_at TEXT NOT NULL,
    confirmed_by TEXT,
    confirmed_at TEXT,
    reason BLOB NOT NULL
);
CREATE TABLE measures (
    id BIGINT PRIMARY KEY,
    case_id BIGINT NOT NULL REFERENCES cases (id),
    measure TEXT NOT NULL,
    decided_by TEXT NOT NULL,
    decided_at TEXT NOT NULL,
    note BLOB NOT NULL
);

-- What is written once is never changed: the audit log at all, reports and imports except for
-- re-sealing their encrypted column under a new key (`probity key rotate`).
CREATE TRIGGER audit_events_append_only_u BEFORE UPDATE ON audit_events
BEGIN SELECT RAISE(ABORT, 'audit events are append-only'); END;
CREATE TRIGGER audit_events_append_only_d BEFORE DELETE ON audit_events
BEGIN SELECT RAISE(ABORT, 'audit events are append-only'); END;
CREATE TRIGGER declarations_immutable_d BEFORE DELETE ON declarations
BEGIN SELECT RAISE(ABORT, 'declarations are immutable'); END;
CREATE TRIGGER declarations_immutable_u BEFORE UPDATE ON declarations
WHEN NEW.declaration_id IS NOT OLD.declaration_id OR NEW.person_key IS NOT OLD.person_key
  OR NEW.year IS NOT OLD.year OR NEW.kind IS NOT OLD.kind OR NEW.filed_on IS NOT OLD.filed_on
  OR NEW.supersedes IS NOT OLD.supersedes OR NEW.content_sha256 IS NOT OLD.content_sha256
  OR NEW.batch IS NOT OLD.batch OR NEW.stored_at IS NOT OLD.stored_at
BEGIN SELECT RAISE(ABORT, 'declarations are immutable: a correction is a new version'); END;
CREATE TRIGGER registry_batches_immutable_d BEFORE DELETE ON registry_batches
BEGIN SELECT RAISE(ABORT, 'registry imports are immutable'); END;
CREATE TRIGGER registry_batches_immutable_u BEFORE UPDATE ON registry_batches
WHEN NEW.id IS NOT OLD.id OR NEW.source IS NOT OLD.source OR NEW.file_name IS NOT OLD.file_name
  OR NEW.file_sha256 IS NOT OLD.file_sha256 OR NEW.rows IS NOT OLD.rows
  OR NEW.imported_at IS NOT OLD.imported_at
BEGIN SELECT RAISE(ABORT, 'registry imports are immutable'); END;
