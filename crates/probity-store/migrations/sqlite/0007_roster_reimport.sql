-- A roster file may be imported more than once (sqlite; equal to ../postgres/0007_roster_reimport.sql).
-- An import is compared with the roster as stored, not with the files seen before, so importing
-- an earlier file again (after a removal, say) is a new batch with the same hash: the hash is no
-- longer unique. SQLite drops a UNIQUE constraint only by rebuilding the table; foreign keys are
-- checked at commit, when the rebuilt table holds every batch again.
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
