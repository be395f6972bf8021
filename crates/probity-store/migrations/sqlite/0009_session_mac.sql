-- Sessions bound to the key file (sqlite; equal to ../postgres/0007_session_mac.sql): `mac` is an
-- HMAC of the row (token hash, user, CSRF token, creation, expiry) under a key derived from the
-- key file (`Keyring::sign_session`), checked on every read, so a row written into the
-- database by anyone without the key file signs nobody in. Sessions opened before have none and
-- end: their users sign in again.
ALTER TABLE sessions ADD COLUMN mac TEXT;
