-- A file may be imported more than once (postgres; equal to ../sqlite/0008_reimport.sql).
-- An import is compared with what is stored, not with the files seen before: importing an
-- earlier roster again (after a removal, say) or an earlier registry extract again (after a
-- newer one) is a new batch with the same hash, so the hash is no longer unique.
ALTER TABLE roster_batches DROP CONSTRAINT roster_batches_file_sha256_key;
ALTER TABLE registry_batches DROP CONSTRAINT registry_batches_source_file_sha256_key;
CREATE INDEX registry_batches_by_source ON registry_batches (source, file_sha256);
