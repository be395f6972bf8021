-- A file may be imported more than once (sqlite; equal to ../postgres/0008_reimport.sql).
-- An import is compared with what is stored, not with the files seen before: importing an
-- earlier roster again (after a removal, say) or an earlier registry extract again (after a
-- newer one) is a new batch with the same hash, so the hash is no longer unique. SQLite drops a
-- UNIQUE constraint only by rebuilding the table; foreign keys are checked at commit, when the
-- rebuilt table holds every batch again. A table dropped takes its triggers with it: the
-- registry's immutability triggers are created again, as 0001 has them.
PRAGMA defer_foreign_keys = ON;
CREATE TABLE roster_batches_rebuilt (
    id BIGINT PRIMARY KEY,
    file_name TEXT NOT NULL,
    file_sha256 TEXT NOT NULL,
    entries BIGINT NOT NULL,
    imported_at TEXT NOT NULL
);
INSERT INTO roster_batches_rebuilt (id, file_name, file_sha256, entries, imported_at)
    SELECT id, file_name, file_sha256, entries, imported_at FROM roster_batches;
DROP TABLE roster_batches;
ALTER TABLE roster_batches_rebuilt RENAME TO roster_batches;

CREATE TABLE registry_batches_rebuilt (
    id BIGINT PRIMARY KEY,
    source TEXT NOT NULL,
    file_name TEXT NOT NULL,
    file_sha256 TEXT NOT NULL,
    rows BIGINT NOT NULL,
    content BLOB NOT NULL,
    imported_at TEXT NOT NULL
);
INSERT INTO registry_batches_rebuilt (id, source, file_name, file_sha256, rows, content, imported_at)
    SELECT id, source, file_name, file_sha256, rows, content, imported_at FROM registry_batches;
DROP TABLE registry_batches;
ALTER TABLE registry_batches_rebuilt RENAME TO registry_batches;
CREATE INDEX registry_batches_by_source ON registry_batches (source, file_sha256);
CREATE TRIGGER registry_batches_immutable_d BEFORE DELETE ON registry_batches
BEGIN SELECT RAISE(ABORT, 'registry imports are immutable'); END;
CREATE TRIGGER registry_batches_immutable_u BEFORE UPDATE ON registry_batches
WHEN NEW.id IS NOT OLD.id OR NEW.source IS NOT OLD.source OR NEW.file_name IS NOT OLD.file_name
  OR NEW.file_sha256 IS NOT OLD.file_sha256 OR NEW.rows IS NOT OLD.rows
  OR NEW.imported_at IS NOT OLD.imported_at
BEGIN SELECT RAISE(ABORT, 'registry imports are immutable'); END;
