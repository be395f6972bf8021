//! Accounts and drafts: who may sign in, in which role, and the reports they are still writing.
//!
//! Password hashing is the web layer's (argon2id); the store keeps the PHC string it is given.
//! Drafts are the one mutable kind of report: saved as often as the declarant likes, sealed, and
//! removed in the same transaction that files the report.

use crate::refusal::Refusal;
use std::fmt;
use std::str::FromStr;

use probity_model::Declaration;

use crate::error::StoreError;
use crate::group::{Done, Op};
use crate::import::{Imported, RESIDENT_ID};
use crate::record::{Value, fetch};
use crate::schema::{DRAFTS, USER_TOTP, USER_UNITS, USERS};
use crate::store::{Stamp, Store};

/// What an account may do.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Role {
    /// Files their own reports and sees their own history.
    Declarant,
    /// Keeps the roster, opens cycles, imports registry extracts, manages accounts.
    Administrator,
    /// Reviews cases, asks for explanations, records determinations.
    Verifier,
    /// Reads the audit log and verifies it; changes nothing.
    Auditor,
}

impl Role {
    /// Every role.
    pub const ALL: [Role; 4] = [
        Role::Declarant,
        Role::Administrator,
        Role::Verifier,
        Role::Auditor,
    ];

    /// The role as stored.
    pub fn as_str(&self) -> &'static str {
        match self {
            Role::Declarant => "declarant",
            Role::Administrator => "administrator",
            Role::Verifier => "verifier",
            Role::Auditor => "auditor",
        }
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Role {
    type Err = StoreError;

    fn from_str(text: &str) -> Result<Role, StoreError> {
        Role::ALL
            .into_iter()
            .find(|r| r.as_str() == text)
            .ok_or_else(|| StoreError::Corrupt(format!("unknown role {text:?}")))
    }
}

/// An account.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct User {
    /// Sign-in name.
    pub username: String,
    /// Role.
    pub role: Role,
    /// For a declarant: the blind index of their resident ID.
    pub person_key: Option<String>,
    /// The password hash (PHC string).
    pub password_hash: String,
    /// Whether the account is disabled.
    pub disabled: bool,
}

fn user_row(u: &User, created_at: &str, must_change_password: bool) -> Vec<Value> {
    vec![
        u.username.as_str().into(),
        u.role.as_str().into(),
        Value::opt_text(u.person_key.as_deref()),
        u.password_hash.as_str().into(),
        created_at.into(),
        Value::Int(i64::from(u.disabled)),
        Value::Int(i64::from(must_change_password)),
    ]
}

fn user_from(row: &[Value]) -> Result<User, StoreError> {
    Ok(User {
        username: row[0].as_text().unwrap_or_default().to_owned(),
        role: row[1].as_text().unwrap_or_default().parse()?,
        person_key: row[2].as_text().map(str::to_owned),
        password_hash: row[3].as_text().unwrap_or_default().to_owned(),
        disabled: row[5].as_int() == Some(1),
    })
}

/// The largest draft kept, in bytes (a complete report is a few tens of KiB).
pub const DRAFT_MAX_BYTES: usize = 256 * 1024;

impl Store {
    /// The blind index of a resident ID, to find a person's rows.
    pub fn person_key(&self, resident_id: &probity_model::ResidentId) -> String {
        self.keys()
            .blind_index(RESIDENT_ID, &resident_id.to_string())
    }

    /// Creates an account; refuses a taken username.
    pub async fn create_user(&self, stamp: &Stamp, user: &User) -> Result<(), StoreError> {
        let mut w = self.writer(stamp).await?;
        let keys = w.keys.clone();
        let taken = fetch(
            w.conn(),
            &keys,
            &USERS,
            "username = $1",
            &[user.username.as_str().into()],
        )
        .await?;
        if !taken.is_empty() {
            w.rollback().await?;
            return Err(Refusal::new("username-taken").into());
        }
        w.insert(&USERS, "user.create", user_row(user, &stamp.at, false))
            .await?;
        w.commit().await?;
        Ok(())
    }

    /// Creates many accounts in one transaction (multi-row statements, an event each); refuses
    /// the whole batch, writing nothing, if a username is taken or repeated. With
    /// `must_change_password`, each account's password is an initial one, to be replaced at the
    /// first sign-in.
    pub async fn create_users(
        &self,
        stamp: &Stamp,
        users: &[User],
        must_change_password: bool,
    ) -> Result<(), StoreError> {
        let mut seen = std::collections::HashSet::with_capacity(users.len());
        if users.iter().any(|u| !seen.insert(u.username.as_str())) {
            return Err(Refusal::new("username-repeated").into());
        }
        let mut w = self.writer(stamp).await?;
        for chunk in users.chunks(500) {
            let list = crate::record::placeholders(1, chunk.len());
            let sql = format!("SELECT username FROM users WHERE username IN ({list})");
            let mut query = sqlx::query(sqlx::AssertSqlSafe(sql));
            for u in chunk {
                query = query.bind(u.username.as_str());
            }
            if query.fetch_optional(w.conn()).await?.is_some() {
                w.rollback().await?;
                return Err(Refusal::new("username-taken").into());
            }
        }
        let rows = users
            .iter()
            .map(|u| user_row(u, &stamp.at, must_change_password))
            .collect();
        w.insert_all(&USERS, "user.create", rows).await?;
        w.commit().await?;
        Ok(())
    }

    /// Whether an account's password is an initial one, to be changed before anything else.
    pub async fn must_change_password(&self, username: &str) -> Result<bool, StoreError> {
        let row = sqlx::query("SELECT must_change_password FROM users WHERE username = $1")
            .bind(username)
            .fetch_optional(&self.pool)
            .await?;
        Ok(match row {
            Some(r) => sqlx::Row::try_get::<i64, _>(&r, 0)? == 1,
            None => false,
        })
    }

    /// Changes an account's password hash or disabled flag.
    pub async fn update_user(&self, stamp: &Stamp, user: &User) -> Result<(), StoreError> {
        let mut w = self.writer(stamp).await?;
        let keys = w.keys.clone();
        let old = fetch(
            w.conn(),
            &keys,
            &USERS,
            "username = $1",
            &[user.username.as_str().into()],
        )
        .await?;
        let Some(old) = old.into_iter().next() else {
            w.rollback().await?;
            return Err(Refusal::new("no-account").into());
        };
        let created_at = old[4].as_text().unwrap_or_default().to_owned();
        // A new password is the account holder's own: an initial one is no longer in force.
        let must_change =
            old[6].as_int() == Some(1) && old[3].as_text() == Some(user.password_hash.as_str());
        w.upsert(
            &USERS,
            "user.update",
            user_row(user, &created_at, must_change),
        )
        .await?;
        w.commit().await?;
        Ok(())
    }

    /// Gives an account a new initial password (its hash), to be changed at the next sign-in:
    /// an administrator's reset, audited as `user.reset`. Ends the account's sessions and lifts
    /// its lock, in the same transaction.
    pub async fn reset_password(
        &self,
        stamp: &Stamp,
        username: &str,
        password_hash: &str,
    ) -> Result<(), StoreError> {
        let sign_in_key = self
            .keys()
            .blind_index(crate::sessions::SIGN_IN_NAME, username);
        let mut w = self.writer(stamp).await?;
        let keys = w.keys.clone();
        let old = fetch(w.conn(), &keys, &USERS, "username = $1", &[username.into()]).await?;
        let Some(mut row) = old.into_iter().next() else {
            w.rollback().await?;
            return Err(Refusal::new("no-account").into());
        };
        row[3] = password_hash.into();
        row[6] = Value::Int(1);
        w.upsert(&USERS, "user.reset", row).await?;
        // A reset is also how an account that lost its second factor gets back in: it enrols
        // again at the next sign-in.
        let totp = fetch(
            w.conn(),
            &keys,
            &USER_TOTP,
            "username = $1",
            &[username.into()],
        )
        .await?;
        for row in totp {
            w.delete(&USER_TOTP, "user.totp.remove", row).await?;
        }
        sqlx::query("DELETE FROM sessions WHERE username = $1")
            .bind(username)
            .execute(w.conn())
            .await?;
        sqlx::query("DELETE FROM login_failures WHERE username = $1")
            .bind(sign_in_key)
            .execute(w.conn())
            .await?;
        w.commit().await?;
        Ok(())
    }

    /// The units an account belongs to, for an administrator's scope: a declarant's unit on
    /// the roster (none if they are not on it), the units a staff account manages (none: every
    /// unit). `None` if there is no such account.
    pub async fn account_units(&self, username: &str) -> Result<Option<Vec<String>>, StoreError> {
        let Some(user) = self.user(username).await? else {
            return Ok(None);
        };
        Ok(Some(match (&user.role, &user.person_key) {
            (Role::Declarant, Some(key)) => self
                .subject(key)
                .await?
                .map(|(_, unit)| vec![unit])
                .unwrap_or_default(),
            (Role::Declarant, None) => Vec::new(),
            _ => self.user_units(username).await?,
        }))
    }

    /// Records a staff account's TOTP secret (confirmed by a first code), sealed; audited as
    /// `user.totp.enrol`.
    pub async fn enrol_totp(
        &self,
        stamp: &Stamp,
        username: &str,
        secret: &[u8],
    ) -> Result<(), StoreError> {
        let mut w = self.writer(stamp).await?;
        w.upsert(
            &USER_TOTP,
            "user.totp.enrol",
            vec![
                username.into(),
                Value::Bytes(secret.to_vec()),
                stamp.at.as_str().into(),
            ],
        )
        .await?;
        w.commit().await?;
        Ok(())
    }

    /// An account's TOTP secret, opened, if it has enrolled one.
    pub async fn totp_secret(&self, username: &str) -> Result<Option<Vec<u8>>, StoreError> {
        let mut conn = self.connection().await?;
        let keys = self.keys();
        let rows = fetch(
            &mut conn,
            &keys,
            &USER_TOTP,
            "username = $1",
            &[username.into()],
        )
        .await?;
        Ok(rows
            .into_iter()
            .next()
            .and_then(|r| r[1].as_bytes().map(<[u8]>::to_vec)))
    }

    /// Every username in use: what a new account's name must differ from.
    pub async fn usernames(&self) -> Result<std::collections::HashSet<String>, StoreError> {
        sqlx::query("SELECT username FROM users")
            .fetch_all(&self.pool)
            .await?
            .iter()
            .map(|r| Ok(sqlx::Row::try_get(r, 0)?))
            .collect()
    }

    /// The account of this username.
    pub async fn user(&self, username: &str) -> Result<Option<User>, StoreError> {
        let mut conn = self.connection().await?;
        let keys = self.keys();
        let rows = fetch(
            &mut conn,
            &keys,
            &USERS,
            "username = $1",
            &[username.into()],
        )
        .await?;
        rows.first().map(|r| user_from(r)).transpose()
    }

    /// Sets the units a staff account manages (empty: every unit); each must exist.
    pub async fn set_user_units(
        &self,
        stamp: &Stamp,
        username: &str,
        units: &[String],
    ) -> Result<(), StoreError> {
        let mut w = self.writer(stamp).await?;
        let keys = w.keys.clone();
        let current = fetch(
            w.conn(),
            &keys,
            &USER_UNITS,
            "username = $1",
            &[username.into()],
        )
        .await?;
        for row in current {
            w.delete(&USER_UNITS, "user.unit.remove", row).await?;
        }
        for unit in units {
            let known = fetch(
                w.conn(),
                &keys,
                &crate::schema::UNITS,
                "name = $1",
                &[unit.as_str().into()],
            )
            .await?;
            if known.is_empty() {
                return Err(Refusal::new("no-unit")
                    .arg("unit", format!("{unit:?}"))
                    .into());
            }
            w.insert(
                &USER_UNITS,
                "user.unit.add",
                vec![username.into(), unit.as_str().into()],
            )
            .await?;
        }
        w.commit().await?;
        Ok(())
    }

    /// The units a staff account manages; empty: every unit.
    pub async fn user_units(&self, username: &str) -> Result<Vec<String>, StoreError> {
        let mut conn = self.connection().await?;
        let keys = self.keys();
        Ok(fetch(
            &mut conn,
            &keys,
            &USER_UNITS,
            "username = $1",
            &[username.into()],
        )
        .await?
        .into_iter()
        .filter_map(|r| r[1].as_text().map(str::to_owned))
        .collect())
    }

    /// Saves a draft (JSON as typed so far, valid or not) for a person, year and kind. Group
    /// committed (see [`crate::group`]): returns once the draft is on disk.
    ///
    /// A draft is kept only for a year a report of the person can be due, from the year they
    /// became a subject (`subject_since`) to the year of `stamp`, and only up to
    /// [`DRAFT_MAX_BYTES`]; anything else is [`StoreError::DraftRefused`], checked in the
    /// draft's own write ([`crate::group`]). So a declarant holds at most a few drafts a year
    /// they have been a subject, however many requests they send.
    pub async fn save_draft(
        &self,
        stamp: &Stamp,
        person_key: &str,
        year: i32,
        kind: &str,
        json: &str,
    ) -> Result<(), StoreError> {
        let op = Op::Draft {
            person_key: person_key.to_owned(),
            year,
            kind: kind.to_owned(),
            json: json.to_owned(),
        };
        self.group.write(stamp, op).await.map(|_| ())
    }

    /// A person's draft, if any (their own read: not a staff read of a report).
    pub async fn draft(
        &self,
        person_key: &str,
        year: i32,
        kind: &str,
    ) -> Result<Option<String>, StoreError> {
        let mut conn = self.connection().await?;
        let keys = self.keys();
        let rows = fetch(
            &mut conn,
            &keys,
            &DRAFTS,
            "person_key = $1 AND year = $2 AND kind = $3",
            &[person_key.into(), Value::Int(year.into()), kind.into()],
        )
        .await?;
        rows.first()
            .map(|r| {
                String::from_utf8(r[3].as_bytes().unwrap_or_default().to_vec())
                    .map_err(|_| StoreError::Corrupt("a draft is not UTF-8".into()))
            })
            .transpose()
    }

    /// How many group commits (see [`crate::group`]) this store has run, and how many writes
    /// they held: for tests and benchmarks.
    pub fn group_commits(&self) -> (u64, u64) {
        self.group.counts()
    }

    /// Files one report, as from the web form: stored immutably and its draft removed, in one
    /// transaction shared with the other writes queued at the same moment (see
    /// [`crate::group`]); returns once it is committed. The report must be validated by the
    /// caller. A report already stored unchanged is `already` and writes nothing.
    pub async fn submit_declaration(
        &self,
        stamp: &Stamp,
        declaration: &Declaration,
        json: &str,
    ) -> Result<Imported, StoreError> {
        self.submit_filing(stamp, declaration, json, crate::import::Filing::Regular)
            .await
    }

    /// Files one report as [`Store::submit_declaration`] does, saying how it comes in: an annual
    /// report of a closed cycle is taken only as [`Filing::Late`](crate::import::Filing::Late)
    /// (the form shows the declarant a notice first), and its standing then reads "filed late",
    /// after the cycle closed. Refused with [`StoreError::NotInForce`] when another report of
    /// the subject, kind and year is in force and this one does not supersede it.
    pub async fn submit_filing(
        &self,
        stamp: &Stamp,
        declaration: &Declaration,
        json: &str,
        filing: crate::import::Filing,
    ) -> Result<Imported, StoreError> {
        let op = Op::Submit(Box::new((1, declaration.clone(), json.to_owned())), filing);
        match self.group.write(stamp, op).await? {
            Done::Submitted(outcome) => Ok(outcome),
            Done::Saved => Err(StoreError::Corrupt("a submit answered as a draft".into())),
        }
    }
}
