-- One case per subject and cycle (sqlite; equal to ../postgres/0006_cases_per_subject.sql).
-- A case gathers the findings of all the subject's reports in force of the cycle, so its
-- `declaration_id` is only the report that opened it, and none when the case opened on a finding
-- with no report (a change report that was never filed): the column becomes nullable, which
-- SQLite can only do by rebuilding the table. Foreign keys are checked at commit, when the
-- rebuilt table holds every case again. `last_run` is the latest run that checked the subject.
-- A finding names its report (`declaration_id`, NULL for none) and kind, the run that first found
-- it and the latest run that found it: a finding the latest run of its case did not find again is
-- kept, marked not found, never deleted.
PRAGMA defer_foreign_keys = ON;
CREATE TABLE cases_rebuilt (
    id BIGINT PRIMARY KEY,
    cycle BIGINT NOT NULL REFERENCES cycles (year),
    person_key TEXT NOT NULL,
    declaration_id TEXT REFERENCES declarations (declaration_id),
    run BIGINT NOT NULL REFERENCES verification_runs (id),
    status TEXT NOT NULL,
    opened_at TEXT NOT NULL,
    last_run BIGINT
);
INSERT INTO cases_rebuilt (id, cycle, person_key, declaration_id, run, status, opened_at)
    SELECT id, cycle, person_key, declaration_id, run, status, opened_at FROM cases;
DROP TABLE cases;
ALTER TABLE cases_rebuilt RENAME TO cases;
CREATE INDEX cases_by_cycle ON cases (cycle, status);
CREATE INDEX cases_by_subject ON cases (cycle, person_key);
ALTER TABLE findings ADD COLUMN declaration_id TEXT;
ALTER TABLE findings ADD COLUMN report_kind TEXT;
ALTER TABLE findings ADD COLUMN first_run BIGINT;
ALTER TABLE findings ADD COLUMN last_run BIGINT;
