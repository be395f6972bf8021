//! Declarant accounts for a whole roster at once (the administrators' page and `probity user
//! accounts`): 100,000 people must not take an afternoon.
//!
//! - Each account gets a username people can remember, from a [`UsernamePattern`] over the
//!   subject's name and unit (never an identity number), made unique with a number.
//! - Each gets a random initial password ([`crate::passwords::initial_password`]), handed out
//!   once, which must be changed at the first sign-in (`users.must_change_password`) before
//!   anything else is allowed; its hash uses the lighter initial parameters (see
//!   [`crate::passwords`]).
//! - Hashing runs on every core (rayon, off the async runtime), [`CHUNK`] accounts at a time;
//!   each chunk is written in one transaction, so memory stays bounded and a failure leaves whole
//!   chunks, each reported with its passwords before the next begins.

use probity_store::{Role, Stamp, Store, StoreError, User};
use rayon::prelude::*;

use crate::passwords::{hash_initial, initial_password};

/// Accounts hashed and written together.
pub const CHUNK: usize = 1_000;

/// One account created, with what the administrator hands out.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Initial {
    /// Sign-in name.
    pub username: String,
    /// The declarant's name.
    pub name: String,
    /// Their unit.
    pub unit: String,
    /// The initial password (shown once, never stored in clear).
    pub password: String,
}

/// Why creating accounts stopped.
#[derive(Debug, thiserror::Error)]
pub enum AccountsError {
    /// The store refused or failed; the accounts of earlier chunks stand.
    #[error("after {created} accounts: {source}")]
    Store {
        /// Accounts created (and handed to the caller) before the failure.
        created: usize,
        /// Why.
        source: StoreError,
    },
    /// Hashing failed.
    #[error("after {created} accounts: hashing: {message}")]
    Hash {
        /// Accounts created before the failure.
        created: usize,
        /// Why.
        message: String,
    },
    /// The caller could not keep a chunk's passwords; that chunk and the rest are not created.
    #[error("after {created} accounts: {message}")]
    Output {
        /// Accounts created before the failure.
        created: usize,
        /// Why.
        message: String,
    },
}

/// How roster accounts' usernames are made: a pattern of ASCII letters, digits, `.`, `_` and
/// `-` with placeholders, each replaced by lower-case ASCII letters:
///
/// - `{name}`: the person's name, in pinyin where it is written in Chinese characters
///   (`陈良生` → `chenliangsheng`), else its letters (`Anna Berg` → `annaberg`);
/// - `{initials}`: the first letter of each syllable or word of the name (`clsh`… `cls`);
/// - `{unit}`: the first letter of each syllable or word of the unit's name.
///
/// A username already in use (or made twice in one batch) gets the smallest number from 2 up
/// appended (`chenliangsheng2`). An identity number can never be part of one: no placeholder
/// reads it. The default is [`UsernamePattern::DEFAULT`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UsernamePattern(String);

/// Why a username pattern was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PatternError {
    /// A character outside letters, digits, `.`, `_`, `-` and the placeholders.
    #[error(
        "username pattern {pattern:?}: {found:?} is not allowed (letters, digits, '.', '_', '-' and {{name}}, {{initials}}, {{unit}})"
    )]
    Character {
        /// The pattern.
        pattern: String,
        /// The first character refused.
        found: char,
    },
    /// A `{…}` that is not a placeholder, or not closed.
    #[error(
        "username pattern {pattern:?}: {found:?} is not a placeholder ({{name}}, {{initials}}, {{unit}})"
    )]
    Placeholder {
        /// The pattern.
        pattern: String,
        /// What was found.
        found: String,
    },
    /// No placeholder at all: every account would be the same name and a number.
    #[error("username pattern {0:?}: it needs {{name}} or {{initials}}")]
    NoName(String),
}

impl UsernamePattern {
    /// The default: the name in pinyin.
    pub const DEFAULT: &'static str = "{name}";

    /// Parses a pattern.
    pub fn parse(pattern: &str) -> Result<UsernamePattern, PatternError> {
        let mut rest = pattern;
        let mut named = false;
        while let Some(c) = rest.chars().next() {
            if c == '{' {
                let Some(end) = rest.find('}') else {
                    return Err(PatternError::Placeholder {
                        pattern: pattern.into(),
                        found: rest.into(),
                    });
                };
                match &rest[..=end] {
                    "{name}" | "{initials}" => named = true,
                    "{unit}" => {}
                    other => {
                        return Err(PatternError::Placeholder {
                            pattern: pattern.into(),
                            found: other.into(),
                        });
                    }
                }
                rest = &rest[end + 1..];
            } else if c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-') {
                rest = &rest[1..];
            } else {
                return Err(PatternError::Character {
                    pattern: pattern.into(),
                    found: c,
                });
            }
        }
        if !named {
            return Err(PatternError::NoName(pattern.into()));
        }
        Ok(UsernamePattern(pattern.to_owned()))
    }

    /// The username the pattern makes for a person of `name` in `unit`, before uniqueness.
    pub fn apply(&self, name: &str, unit: &str) -> String {
        let made = self
            .0
            .replace("{name}", &syllables(name).concat())
            .replace("{initials}", &initials(name))
            .replace("{unit}", &initials(unit));
        made.to_ascii_lowercase()
    }
}

impl Default for UsernamePattern {
    fn default() -> UsernamePattern {
        UsernamePattern(UsernamePattern::DEFAULT.to_owned())
    }
}

/// A text as lower-case ASCII syllables or words: Chinese characters in pinyin without tones,
/// Latin letters kept (accents dropped where they decompose), everything else a break.
fn syllables(text: &str) -> Vec<String> {
    use pinyin::ToPinyin;
    let mut out = Vec::new();
    let mut word = String::new();
    for c in text.chars() {
        if let Some(p) = c.to_pinyin() {
            if !word.is_empty() {
                out.push(std::mem::take(&mut word));
            }
            out.push(p.plain().to_owned());
        } else if c.is_ascii_alphanumeric() {
            word.push(c.to_ascii_lowercase());
        } else if !word.is_empty() {
            out.push(std::mem::take(&mut word));
        }
    }
    if !word.is_empty() {
        out.push(word);
    }
    out
}

/// The first letter of each syllable or word of `text`.
fn initials(text: &str) -> String {
    syllables(text)
        .iter()
        .filter_map(|s| s.chars().next())
        .collect()
}

/// `wanted`, or `wanted` and the smallest number from 2 up that `taken` does not hold; the
/// result is added to `taken`. A pattern that makes nothing (a name of no letters) falls back
/// to `user`.
fn unique(wanted: String, taken: &mut std::collections::HashSet<String>) -> String {
    let wanted = if wanted.is_empty() {
        "user".to_owned()
    } else {
        wanted
    };
    let name = if taken.contains(&wanted) {
        (2u64..)
            .map(|n| format!("{wanted}{n}"))
            .find(|c| !taken.contains(c))
            .unwrap_or_default()
    } else {
        wanted
    };
    taken.insert(name.clone());
    name
}

/// Creates a declarant account for every subject on the roster (of `unit`, or all within
/// `scope`) who has none.
/// `keep` receives each chunk's accounts and passwords as soon as the chunk is committed (to write
/// them out); an error from it stops before the next chunk. Returns how many were created.
pub async fn create_roster_accounts(
    store: &Store,
    stamp: &Stamp,
    scope: &probity_store::UnitScope,
    unit: Option<&str>,
    pattern: &UsernamePattern,
    mut keep: impl FnMut(&[Initial]) -> Result<(), String>,
) -> Result<usize, AccountsError> {
    let subjects = store
        .subjects_without_account(scope, unit)
        .await
        .map_err(|source| AccountsError::Store { created: 0, source })?;
    let mut taken = store
        .usernames()
        .await
        .map_err(|source| AccountsError::Store { created: 0, source })?;
    let mut created = 0;
    for chunk in subjects.chunks(CHUNK) {
        // Names are given in roster order (unit, name), so the same roster gives the same names.
        let chunk: Vec<(String, String, String, String)> = chunk
            .iter()
            .map(|(key, name, unit)| {
                let username = unique(pattern.apply(name, unit), &mut taken);
                (username, key.clone(), name.clone(), unit.clone())
            })
            .collect();
        let hashed = tokio::task::spawn_blocking(move || {
            chunk
                .into_par_iter()
                .map(|(username, person_key, name, unit)| {
                    let password = initial_password();
                    let hash = hash_initial(&password)?;
                    Ok((
                        User {
                            username,
                            role: Role::Declarant,
                            person_key: Some(person_key),
                            password_hash: hash,
                            disabled: false,
                        },
                        Initial {
                            username: String::new(),
                            name,
                            unit,
                            password,
                        },
                    ))
                })
                .collect::<Result<Vec<_>, String>>()
        })
        .await
        .map_err(|e| AccountsError::Hash {
            created,
            message: e.to_string(),
        })?
        .map_err(|message| AccountsError::Hash { created, message })?;
        let (users, mut initials): (Vec<User>, Vec<Initial>) = hashed.into_iter().unzip();
        for (i, u) in initials.iter_mut().zip(&users) {
            i.username.clone_from(&u.username);
        }
        store
            .create_users(stamp, &users, true)
            .await
            .map_err(|source| AccountsError::Store { created, source })?;
        created += users.len();
        keep(&initials).map_err(|message| AccountsError::Output { created, message })?;
    }
    Ok(created)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn usernames_come_from_the_name_and_unit_and_stay_unique() {
        let p = UsernamePattern::default();
        assert_eq!(p.apply("陈良生", "福州市工商业联合会"), "chenliangsheng");
        assert_eq!(p.apply("Anna-Lena Berg", "x"), "annalenaberg");
        let p = UsernamePattern::parse("{unit}.{initials}").unwrap();
        assert_eq!(p.apply("陈良生", "福州市工商业联合会"), "fzsgsylhh.cls");
        let mut taken = std::collections::HashSet::from(["chenliangsheng".to_owned()]);
        let a = unique("chenliangsheng".into(), &mut taken);
        let b = unique("chenliangsheng".into(), &mut taken);
        let c = unique(String::new(), &mut taken);
        assert_eq!(
            (a.as_str(), b.as_str(), c.as_str()),
            ("chenliangsheng2", "chenliangsheng3", "user")
        );
    }

    #[test]
    fn patterns_that_cannot_make_a_name_are_refused() {
        for bad in ["{unit}", "id{id}", "{name", "名{name}", "a b{name}", "{id}"] {
            assert!(UsernamePattern::parse(bad).is_err(), "{bad}");
        }
        assert!(UsernamePattern::parse("d-{initials}_{unit}.x").is_ok());
    }
}
