//! Declarant accounts for a whole roster at once (the administrators' page and `probity user
//! accounts`): 100,000 people must not take an afternoon.
//!
//! - Each account gets a random initial password of [`INITIAL_PASSWORD_LEN`] characters from a
//!   32-letter alphabet (100 bits), handed out once, and must change it at the first sign-in
//!   (`users.must_change_password`) before anything else is allowed.
//! - Its argon2id hash uses [`initial_params`], lighter than the default for chosen passwords:
//!   argon2's cost slows the guessing of passwords people choose, which are guessable; a random
//!   100-bit secret cannot be guessed at any hashing speed (2^100 tries), and the hash lives only
//!   until the first sign-in, when the chosen password is hashed with the default parameters.
//! - Hashing runs on every core (rayon, off the async runtime), [`CHUNK`] accounts at a time;
//!   each chunk is written in one transaction, so memory stays bounded and a failure leaves whole
//!   chunks, each reported with its passwords before the next begins.

use argon2::password_hash::PasswordHasher;
use argon2::password_hash::phc::PasswordHash;
use argon2::{Algorithm, Argon2, Params, Version};
use chacha20poly1305::aead::{OsRng, rand_core::RngCore};
use probity_store::{Role, Stamp, Store, StoreError, User};
use rayon::prelude::*;

/// Accounts hashed and written together.
pub const CHUNK: usize = 1_000;

/// Length of an initial password.
pub const INITIAL_PASSWORD_LEN: usize = 20;

/// The letters of initial passwords: lower case without l and o, digits without 0 and 1, so
/// that what is read off paper is typed right.
const ALPHABET: &[u8; 32] = b"abcdefghijkmnpqrstuvwxyz23456789";

/// argon2id for random initial passwords: 4 MiB, one pass, one lane (see the module's note).
pub fn initial_params() -> Params {
    // 4096 KiB, t = 1, p = 1 are within argon2's bounds, so this never fails; the default
    // parameters are the fallback all the same, since a panic is not an option here.
    Params::new(4096, 1, 1, None).unwrap_or_default()
}

/// A random initial password.
pub fn initial_password() -> String {
    let mut bytes = [0u8; INITIAL_PASSWORD_LEN];
    OsRng.fill_bytes(&mut bytes);
    bytes
        .iter()
        .map(|b| char::from(ALPHABET[usize::from(b % 32)]))
        .collect()
}

/// The argon2id hash (PHC string, parameters included) of an initial password.
pub fn hash_initial(password: &str) -> Result<String, String> {
    let mut salt = [0u8; 16];
    OsRng.fill_bytes(&mut salt);
    let argon = Argon2::new(Algorithm::Argon2id, Version::V0x13, initial_params());
    let hash: PasswordHash = argon
        .hash_password_with_salt(password.as_bytes(), &salt)
        .map_err(|e| e.to_string())?;
    Ok(hash.to_string())
}

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

/// The username of a declarant's account: `d` and the start of their blind index.
pub fn username_of(person_key: &str) -> String {
    format!("d{}", person_key.get(..12).unwrap_or(person_key))
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
    mut keep: impl FnMut(&[Initial]) -> Result<(), String>,
) -> Result<usize, AccountsError> {
    let subjects = store
        .subjects_without_account(scope, unit)
        .await
        .map_err(|source| AccountsError::Store { created: 0, source })?;
    let mut created = 0;
    for chunk in subjects.chunks(CHUNK) {
        let chunk = chunk.to_vec();
        let hashed = tokio::task::spawn_blocking(move || {
            chunk
                .into_par_iter()
                .map(|(person_key, name, unit)| {
                    let password = initial_password();
                    let hash = hash_initial(&password)?;
                    Ok((
                        User {
                            username: username_of(&person_key),
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
    fn initial_passwords_are_random_and_verify_with_their_parameters() {
        let a = initial_password();
        let b = initial_password();
        assert_eq!(a.chars().count(), INITIAL_PASSWORD_LEN);
        assert!(a.bytes().all(|c| ALPHABET.contains(&c)));
        assert_ne!(a, b);
        let h = hash_initial(&a).unwrap();
        assert!(h.starts_with("$argon2id$v=19$m=4096,t=1,p=1$"), "{h}");
        // Verification reads the parameters from the PHC string: the usual check accepts it.
        assert!(crate::auth::verify_password(&a, &h));
        assert!(!crate::auth::verify_password(&b, &h));
    }
}
