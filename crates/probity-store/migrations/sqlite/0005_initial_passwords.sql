-- Initial passwords (sqlite; equal to ../postgres/0005_initial_passwords.sql). An account created
-- from the roster gets a one-time password handed out on paper or in a CSV, which others may
-- have seen: it must be changed at the first sign-in before anything else can be done.
ALTER TABLE users ADD COLUMN must_change_password BIGINT NOT NULL DEFAULT 0;
-- Finding the subjects without an account looks accounts up by person (100,000 of each at once).
CREATE INDEX users_by_person ON users (person_key);
