-- A staff account's second factor (postgres; equal to ../sqlite/0007_user_totp.sql): its TOTP secret
-- (RFC 6238), sealed like the other personal and sensitive columns, and when it was enrolled.
CREATE TABLE user_totp (
    username TEXT PRIMARY KEY REFERENCES users (username),
    secret BYTEA NOT NULL,
    enrolled_at TEXT NOT NULL
);
