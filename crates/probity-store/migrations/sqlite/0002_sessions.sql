-- Sign-in bookkeeping (SQLite; equal to ../postgres/0002_sessions.sql). Not records of the
-- reporting regime: not covered by the audit log (sign-ins and sign-outs are events there), not
-- in backups.
CREATE TABLE sessions (
    token_sha256 TEXT PRIMARY KEY,
    username TEXT NOT NULL REFERENCES users (username),
    csrf TEXT NOT NULL,
    created_at TEXT NOT NULL,
    expires_at TEXT NOT NULL
);
CREATE INDEX sessions_by_user ON sessions (username);
CREATE TABLE login_failures (
    username TEXT PRIMARY KEY,
    failures BIGINT NOT NULL,
    locked_until TEXT
);
