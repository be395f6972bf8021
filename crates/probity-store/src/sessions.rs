//! Sign-in sessions and lockout. The cookie holds a random token; the database holds its
//! SHA-256 only, so a copy of the database signs nobody in. Signing in and out are audit events.
//!
//! Sessions are not covered by the audit chain, so each row carries a MAC of all its columns
//! under a key derived from the key file (`Keyring::sign_session`), checked on every read: a row
//! written or altered in the database by someone without the key file (another user's name, a
//! later expiry) signs nobody in. And whatever `expires_at` says, a session is refused once
//! [`SESSION_MAX_HOURS`] have passed since it was opened.

use crate::refusal::Refusal;
use sqlx::Row;

use crate::accounts::User;
use crate::error::StoreError;
use crate::store::{Stamp, Store};

/// The longest a session lives, from when it was opened, whatever its row says (the web's
/// sessions last 8 hours).
pub const SESSION_MAX_HOURS: i64 = 8;

/// Whether a session opened at `created_at` is past the longest lifetime at `now` (both RFC
/// 3339); a time that does not parse counts as past.
fn past_lifetime(created_at: &str, now: &str) -> bool {
    match (
        chrono::DateTime::parse_from_rfc3339(created_at),
        chrono::DateTime::parse_from_rfc3339(now),
    ) {
        (Ok(created), Ok(now)) => now >= created + chrono::Duration::hours(SESSION_MAX_HOURS),
        _ => true,
    }
}

/// A live session.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Session {
    /// The account.
    pub user: User,
    /// The session's CSRF token, to be echoed by every form.
    pub csrf: String,
    /// When it ends (RFC 3339).
    pub expires_at: String,
    /// Whether the account still has its initial password, which must be changed first.
    pub must_change_password: bool,
}

impl Store {
    /// Opens a session for `username` (already authenticated by the caller).
    pub async fn open_session(
        &self,
        stamp: &Stamp,
        username: &str,
        token_sha256: &str,
        csrf: &str,
        expires_at: &str,
    ) -> Result<(), StoreError> {
        let mut w = self.writer(stamp).await?;
        let mac = w
            .keys()
            .sign_session(token_sha256, username, csrf, &stamp.at, expires_at);
        sqlx::query(
            "INSERT INTO sessions (token_sha256, username, csrf, created_at, expires_at, mac) VALUES ($1, $2, $3, $4, $5, $6)",
        )
        .bind(token_sha256)
        .bind(username)
        .bind(csrf)
        .bind(stamp.at.as_str())
        .bind(expires_at)
        .bind(mac)
        .execute(w.conn())
        .await?;
        sqlx::query("DELETE FROM login_failures WHERE username = $1")
            .bind(self.sign_in_key(username))
            .execute(w.conn())
            .await?;
        w.event("session.open", &format!("users/{username}"), "signed in")
            .await?;
        w.commit().await?;
        Ok(())
    }

    /// The session of a token, if it is live at `now` and its account is enabled, its row bears
    /// the key file's MAC and it was opened less than [`SESSION_MAX_HOURS`] before `now`. One
    /// query for session and account: it runs on every request.
    pub async fn session(
        &self,
        token_sha256: &str,
        now: &str,
    ) -> Result<Option<Session>, StoreError> {
        let row = sqlx::query(
            "SELECT u.username, u.role, u.person_key, u.password_hash, u.disabled, \
             u.must_change_password, s.csrf, s.expires_at, s.created_at, s.mac \
             FROM sessions s JOIN users u ON u.username = s.username \
             WHERE s.token_sha256 = $1 AND s.expires_at > $2",
        )
        .bind(token_sha256)
        .bind(now)
        .fetch_optional(&self.pool)
        .await?;
        let Some(row) = row else { return Ok(None) };
        let (csrf, expires_at, created_at, mac): (String, String, String, Option<String>) = (
            row.try_get(6)?,
            row.try_get(7)?,
            row.try_get(8)?,
            row.try_get(9)?,
        );
        let username: String = row.try_get(0)?;
        let signed =
            self.keys()
                .sign_session(token_sha256, &username, &csrf, &created_at, &expires_at);
        if mac.as_deref() != Some(signed.as_str()) || past_lifetime(&created_at, now) {
            return Ok(None);
        }
        let user = User {
            username: row.try_get(0)?,
            role: row.try_get::<String, _>(1)?.parse()?,
            person_key: row.try_get(2)?,
            password_hash: row.try_get(3)?,
            disabled: row.try_get::<i64, _>(4)? == 1,
        };
        if user.disabled {
            return Ok(None);
        }
        Ok(Some(Session {
            user,
            must_change_password: row.try_get::<i64, _>(5)? == 1,
            csrf,
            expires_at,
        }))
    }

    /// Opens many sessions at once, for accounts already authenticated by the caller (a load
    /// benchmark signs in thousands of declarants): one transaction, one event each.
    /// Each item is (username, token SHA-256, CSRF token).
    pub async fn open_sessions(
        &self,
        stamp: &Stamp,
        sessions: &[(String, String, String)],
        expires_at: &str,
    ) -> Result<(), StoreError> {
        let mut w = self.writer(stamp).await?;
        let keys = w.keys.clone();
        for chunk in sessions.chunks(500) {
            let tuples: Vec<String> = (0..chunk.len())
                .map(|i| format!("({})", crate::record::placeholders(i * 6 + 1, 6)))
                .collect();
            let sql = format!(
                "INSERT INTO sessions (token_sha256, username, csrf, created_at, expires_at, mac) VALUES {}",
                tuples.join(", ")
            );
            let mut query = sqlx::query(sqlx::AssertSqlSafe(sql));
            for (username, token_sha256, csrf) in chunk {
                query = query
                    .bind(token_sha256.as_str())
                    .bind(username.as_str())
                    .bind(csrf.as_str())
                    .bind(stamp.at.as_str())
                    .bind(expires_at)
                    .bind(keys.sign_session(token_sha256, username, csrf, &stamp.at, expires_at));
            }
            query.execute(w.conn()).await?;
        }
        for (username, _, _) in sessions {
            w.event("session.open", &format!("users/{username}"), "signed in")
                .await?;
        }
        w.commit().await?;
        Ok(())
    }

    /// Ends a session (sign-out).
    pub async fn close_session(&self, stamp: &Stamp, token_sha256: &str) -> Result<(), StoreError> {
        let mut w = self.writer(stamp).await?;
        let row = sqlx::query("SELECT username FROM sessions WHERE token_sha256 = $1")
            .bind(token_sha256)
            .fetch_optional(w.conn())
            .await?;
        let Some(row) = row else {
            w.rollback().await?;
            return Ok(());
        };
        let username: String = row.try_get(0)?;
        sqlx::query("DELETE FROM sessions WHERE token_sha256 = $1")
            .bind(token_sha256)
            .execute(w.conn())
            .await?;
        w.event("session.close", &format!("users/{username}"), "signed out")
            .await?;
        w.commit().await?;
        Ok(())
    }

    /// The key under which sign-in failures of a typed name are counted: a blind index, so that
    /// names that are no account (a mistyped name may be anything, a resident ID even) are
    /// counted like real ones without being kept in clear.
    fn sign_in_key(&self, username: &str) -> String {
        self.keys().blind_index(SIGN_IN_NAME, username)
    }

    /// Starts a sign-in attempt for a typed name, known or not, before its password is checked.
    /// In one write (writers queue), it refuses while a lock is in force, never touching it;
    /// otherwise it counts the attempt as a failure in advance, and the `max`-th attempt in a row
    /// sets a lock until `lock_until`. So at most `max` passwords are checked per lock, however
    /// many attempts run at once; [`Store::open_session`] clears the count when one succeeds.
    pub async fn begin_sign_in(
        &self,
        stamp: &Stamp,
        username: &str,
        max: i64,
        lock_until: &str,
    ) -> Result<Attempt, StoreError> {
        let key = self.sign_in_key(username);
        let mut w = self.writer(stamp).await?;
        let row =
            sqlx::query("SELECT failures, locked_until FROM login_failures WHERE username = $1")
                .bind(&key)
                .fetch_optional(w.conn())
                .await?;
        let (failures, locked): (i64, Option<String>) = match row {
            Some(r) => (r.try_get(0)?, r.try_get(1)?),
            None => (0, None),
        };
        if let Some(until) = locked.as_ref().filter(|u| u.as_str() > stamp.at.as_str()) {
            let until = until.clone();
            w.rollback().await?;
            return Ok(Attempt::Locked { until });
        }
        // A lock that has run out starts a new count.
        let failures = if locked.is_some() { 1 } else { failures + 1 };
        let locks = (failures >= max).then(|| lock_until.to_owned());
        sqlx::query(
            "INSERT INTO login_failures (username, failures, locked_until) VALUES ($1, $2, $3) \
             ON CONFLICT (username) DO UPDATE SET failures = excluded.failures, locked_until = excluded.locked_until",
        )
        .bind(&key)
        .bind(failures)
        .bind(locks.clone())
        .execute(w.conn())
        .await?;
        w.commit().await?;
        Ok(Attempt::Check {
            failures,
            locks_until: locks,
        })
    }

    /// Records a refused sign-in of a real account in the audit log (a name that is no account
    /// is not recorded: it may be anything, a resident ID even). `attempt` is what
    /// [`Store::begin_sign_in`] answered.
    pub async fn sign_in_refused(
        &self,
        stamp: &Stamp,
        username: &str,
        attempt: &Attempt,
    ) -> Result<(), StoreError> {
        if self.user(username).await?.is_none() {
            return Ok(());
        }
        let note = match attempt {
            Attempt::Check {
                failures,
                locks_until: Some(until),
            } => format!("failed sign-in {failures}; locked until {until}"),
            Attempt::Check { failures, .. } => format!("failed sign-in {failures}"),
            Attempt::Locked { until } => format!("refused: locked until {until}"),
        };
        let mut w = self.writer(stamp).await?;
        w.event("session.refused", &format!("users/{username}"), &note)
            .await?;
        w.commit().await?;
        Ok(())
    }

    /// Until when sign-ins under a name are refused, if they are at `now`.
    pub async fn locked_until(
        &self,
        username: &str,
        now: &str,
    ) -> Result<Option<String>, StoreError> {
        let row = sqlx::query(
            "SELECT locked_until FROM login_failures WHERE username = $1 AND locked_until > $2",
        )
        .bind(self.sign_in_key(username))
        .bind(now)
        .fetch_optional(&self.pool)
        .await?;
        Ok(row.map(|r| r.try_get(0)).transpose()?)
    }

    /// Lifts an account's lock and forgets its failed sign-ins (an administrator's act, audited
    /// as `user.unlock`). Returns whether a lock was in force at the stamp's time.
    pub async fn unlock_user(&self, stamp: &Stamp, username: &str) -> Result<bool, StoreError> {
        if self.user(username).await?.is_none() {
            return Err(Refusal::new("no-account").into());
        }
        let key = self.sign_in_key(username);
        let mut w = self.writer(stamp).await?;
        let locked =
            sqlx::query("SELECT 1 FROM login_failures WHERE username = $1 AND locked_until > $2")
                .bind(&key)
                .bind(stamp.at.as_str())
                .fetch_optional(w.conn())
                .await?
                .is_some();
        sqlx::query("DELETE FROM login_failures WHERE username = $1")
            .bind(&key)
            .execute(w.conn())
            .await?;
        let note = if locked {
            "unlocked"
        } else {
            "failed sign-ins forgotten"
        };
        w.event("user.unlock", &format!("users/{username}"), note)
            .await?;
        w.commit().await?;
        Ok(locked)
    }

    /// Ends every session of an account but the one whose token hashes to `keep_token_hash`
    /// (after a password change, the one that changed it). Returns how many ended.
    pub async fn end_other_sessions(
        &self,
        stamp: &Stamp,
        username: &str,
        keep_token_hash: &str,
    ) -> Result<u64, StoreError> {
        let mut w = self.writer(stamp).await?;
        let ended = sqlx::query("DELETE FROM sessions WHERE username = $1 AND token_sha256 <> $2")
            .bind(username)
            .bind(keep_token_hash)
            .execute(w.conn())
            .await?
            .rows_affected();
        if ended > 0 {
            w.event(
                "session.close",
                &format!("users/{username}"),
                &format!("{ended} other sessions ended"),
            )
            .await?;
        }
        w.commit().await?;
        Ok(ended)
    }
}

/// What [`Store::begin_sign_in`] allows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Attempt {
    /// Check the password; the attempt is already counted as a failure.
    Check {
        /// Failures in a row, this one included.
        failures: i64,
        /// The lock this attempt set, if it was the last allowed before one.
        locks_until: Option<String>,
    },
    /// Refused unchecked: a lock is in force until then.
    Locked {
        /// RFC 3339.
        until: String,
    },
}

/// The blind-index kind of names typed at sign-in.
pub(crate) const SIGN_IN_NAME: &str = "sign_in_name";
