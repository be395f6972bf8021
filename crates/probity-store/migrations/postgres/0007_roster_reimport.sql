-- A roster file may be imported more than once (postgres; equal to ../sqlite/0007_roster_reimport.sql).
-- An import is compared with the roster as stored, not with the files seen before, so importing
-- an earlier file again (after a removal, say) is a new batch with the same hash: the hash is no
-- longer unique.
ALTER TABLE roster_batches DROP CONSTRAINT roster_batches_file_sha256_key;
