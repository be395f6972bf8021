-- The verifier's workbench (sqlite; equal to ../postgres/0004_workbench.sql): a
-- determination is on one finding of a case, a measure follows from one determination, and a
-- request for explanation may carry a date by which the declarant should answer.
ALTER TABLE determinations ADD COLUMN finding_id BIGINT REFERENCES findings (id);
ALTER TABLE measures ADD COLUMN determination_id BIGINT REFERENCES determinations (id);
ALTER TABLE explanations ADD COLUMN due_on TEXT;
CREATE INDEX explanations_by_case ON explanations (case_id);
CREATE INDEX determinations_by_case ON determinations (case_id);
CREATE INDEX measures_by_case ON measures (case_id);
