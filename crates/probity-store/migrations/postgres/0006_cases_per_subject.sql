-- One case per subject and cycle (postgres; equal to ../sqlite/0006_cases_per_subject.sql).
-- A case gathers the findings of all the subject's reports in force of the cycle, so its
-- `declaration_id` is only the report that opened it, and none when the case opened on a finding
-- with no report (a change report that was never filed). `last_run` is the latest run that
-- checked the subject. A finding names its report (`declaration_id`, NULL for none) and kind, the
-- run that first found it and the latest run that found it: a finding the latest run of its case
-- did not find again is kept, marked not found, never deleted.
ALTER TABLE cases ALTER COLUMN declaration_id DROP NOT NULL;
ALTER TABLE cases ADD COLUMN last_run BIGINT;
CREATE INDEX cases_by_subject ON cases (cycle, person_key);
ALTER TABLE findings ADD COLUMN declaration_id TEXT;
ALTER TABLE findings ADD COLUMN report_kind TEXT;
ALTER TABLE findings ADD COLUMN first_run BIGINT;
ALTER TABLE findings ADD COLUMN last_run BIGINT;
