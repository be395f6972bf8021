//! Passwords and tokens: what an account's secrets are hashed with, wherever they are set (the
//! sign-in pages, `probity user add`, the roster's accounts).
//!
//! - Chosen passwords: argon2id with the default parameters (PHC strings, parameters included),
//!   at least [`MIN_PASSWORD`] characters and [`strong_enough`].
//! - Initial passwords (handed out once, changed at the first sign-in): [`INITIAL_PASSWORD_LEN`]
//!   random characters (100 bits) hashed with the lighter [`initial_params`]: argon2's cost slows
//!   the guessing of passwords people choose, which are guessable; a random 100-bit secret cannot
//!   be guessed at any hashing speed, and its hash lives only until the first sign-in.
//! - Tokens (sessions, CSRF, reset links): 32 random bytes, hex; the database keeps only their
//!   SHA-256 ([`token_hash`]).

use argon2::password_hash::phc::PasswordHash;
use argon2::password_hash::{PasswordHasher, PasswordVerifier};
use argon2::{Algorithm, Argon2, Params, Version};
use chacha20poly1305::aead::{OsRng, rand_core::RngCore};
use sha2::{Digest, Sha256};

/// Shortest password accepted.
pub const MIN_PASSWORD: usize = 12;

/// Length of an initial password.
pub const INITIAL_PASSWORD_LEN: usize = 20;

/// The letters of initial passwords: lower case without l and o, digits without 0 and 1, so
/// that what is read off paper is typed right.
const ALPHABET: &[u8; 32] = b"abcdefghijkmnpqrstuvwxyz23456789";

/// Whether a chosen password is hard enough to guess: zxcvbn's score of at least 3 ("safely
/// unguessable", about 10^8 guesses or more), with the account's own words (username, name)
/// counted as the guessable words they are.
pub fn strong_enough(password: &str, own_words: &[String]) -> bool {
    let inputs: Vec<&str> = own_words.iter().map(String::as_str).collect();
    zxcvbn::zxcvbn(password, &inputs).score() >= zxcvbn::Score::Three
}

/// A fresh random token, hex.
pub fn random_token() -> String {
    let mut bytes = [0u8; 32];
    OsRng.fill_bytes(&mut bytes);
    hex::encode(bytes)
}

/// SHA-256 of a token, hex: what the database keeps.
pub fn token_hash(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

/// An argon2id hash (PHC string) of a chosen password.
pub fn hash_password(password: &str) -> Result<String, String> {
    let mut salt = [0u8; 16];
    OsRng.fill_bytes(&mut salt);
    let hash: PasswordHash = Argon2::default()
        .hash_password_with_salt(password.as_bytes(), &salt)
        .map_err(|e| e.to_string())?;
    Ok(hash.to_string())
}

/// Whether `password` matches `phc` (its own parameters are used); a malformed hash matches
/// nothing.
pub fn verify_password(password: &str, phc: &str) -> bool {
    PasswordHash::new(phc)
        .map(|h| {
            Argon2::default()
                .verify_password(password.as_bytes(), &h)
                .is_ok()
        })
        .unwrap_or(false)
}

/// A valid hash of nothing anyone types, verified for unknown usernames so that their answer
/// takes as long as a real one.
pub fn dummy_hash() -> &'static str {
    static DUMMY: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    DUMMY.get_or_init(|| hash_password(&random_token()).unwrap_or_default())
}

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
        assert!(verify_password(&a, &h));
        assert!(!verify_password(&b, &h));
    }

    #[test]
    fn tokens_are_random_and_kept_as_their_hash() {
        let (a, b) = (random_token(), random_token());
        assert_eq!(a.len(), 64);
        assert_ne!(a, b);
        assert_eq!(token_hash(&a), token_hash(&a));
        assert_ne!(token_hash(&a), token_hash(&b));
        assert_ne!(token_hash(&a), a);
    }

    #[test]
    fn passwords_verify_only_themselves() {
        let h = hash_password("correct horse battery").unwrap();
        assert!(h.starts_with("$argon2id$"));
        assert!(verify_password("correct horse battery", &h));
        assert!(!verify_password("correct horse batterz", &h));
        assert!(!verify_password("anything", "not a hash"));
        assert!(!verify_password("", dummy_hash()));
    }

    #[test]
    fn guessable_passwords_are_weak() {
        let none: &[String] = &[];
        // Long enough, yet guessed at once: one letter repeated, a keyboard walk, a year.
        for weak in ["aaaaaaaaaaaa", "qwertyuiop123", "password2025!"] {
            assert!(!strong_enough(weak, none), "{weak}");
        }
        // The account's own words count against it.
        let own = ["zhangwei".to_owned(), "张伟".to_owned()];
        assert!(!strong_enough("zhangwei1990", &own));
        assert!(strong_enough("a long enough password", none));
        assert!(strong_enough("correct horse battery staple", &own));
    }
}
