//! The key file and what it holds: data keys for field encryption, the key of the blind index
//! (lookups by resident ID without storing it in clear), and the key that signs the audit head.
//!
//! The file lives outside the database (`PROBITY_KEY_FILE`), so a copy of the database alone reads
//! as noise. Keys stay in `secrecy` boxes and are never printed. Every ciphertext names the key it
//! was made under, so `probity key rotate` can move rows to a new key while old ones still read.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use chacha20poly1305::aead::{Aead, AeadCore, KeyInit, OsRng, Payload, rand_core::RngCore};
use chacha20poly1305::{XChaCha20Poly1305, XNonce};
use hmac::{Hmac, Mac};
use secrecy::{ExposeSecret, SecretBox};
use serde::{Deserialize, Serialize};
use sha2::Sha256;

use crate::error::StoreError;

/// Version byte in front of every ciphertext.
const CIPHERTEXT_VERSION: u8 = 1;
/// Version byte, key id (4 bytes, big-endian) and nonce (24 bytes) precede the sealed bytes.
const HEADER: usize = 1 + 4 + 24;

type Key = SecretBox<[u8; 32]>;

fn random_key() -> Key {
    let mut key = [0u8; 32];
    OsRng.fill_bytes(&mut key);
    SecretBox::new(Box::new(key))
}

fn parse_key(path: &Path, what: &str, hex_text: &str) -> Result<Key, StoreError> {
    let mut key = [0u8; 32];
    hex::decode_to_slice(hex_text, &mut key).map_err(|_| StoreError::KeyFile {
        path: path.to_owned(),
        message: format!("{what} is not 64 hexadecimal digits"),
    })?;
    Ok(SecretBox::new(Box::new(key)))
}

/// The key file as written on disk (`probity.keys/1`).
#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct KeyFileText {
    format: String,
    /// Id of the data key new values are sealed under.
    active: u32,
    /// Data keys by id, hex.
    data_keys: BTreeMap<u32, String>,
    /// Blind-index key, hex.
    index_key: String,
    /// Audit-head signing key, hex.
    audit_key: String,
}

/// What identifies one encrypted value: it is bound to its place, so a ciphertext copied into
/// another row or column no longer opens.
#[derive(Debug, Clone, Copy)]
pub struct Place<'a> {
    /// Table name.
    pub table: &'a str,
    /// Column name.
    pub column: &'a str,
    /// The row's key, as the audit log names it.
    pub row: &'a str,
}

/// The keys in memory.
pub struct Keyring {
    path: PathBuf,
    active: u32,
    data_keys: BTreeMap<u32, Key>,
    index_key: Key,
    audit_key: Key,
}

impl std::fmt::Debug for Keyring {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Keyring")
            .field("path", &self.path)
            .field("active", &self.active)
            .field("data_keys", &self.data_keys.keys().collect::<Vec<_>>())
            .finish_non_exhaustive()
    }
}

impl Keyring {
    /// Reads the key file at `path`.
    pub fn load(path: &Path) -> Result<Keyring, StoreError> {
        let text = std::fs::read_to_string(path).map_err(|source| StoreError::Io {
            path: path.to_owned(),
            source,
        })?;
        let file: KeyFileText = serde_json::from_str(&text).map_err(|e| StoreError::KeyFile {
            path: path.to_owned(),
            message: format!("not a probity key file: {e}"),
        })?;
        if file.format != "probity.keys/1" {
            return Err(StoreError::KeyFile {
                path: path.to_owned(),
                message: format!("unknown format {:?}", file.format),
            });
        }
        let mut data_keys = BTreeMap::new();
        for (id, hex_text) in &file.data_keys {
            data_keys.insert(*id, parse_key(path, &format!("data key {id}"), hex_text)?);
        }
        if !data_keys.contains_key(&file.active) {
            return Err(StoreError::KeyFile {
                path: path.to_owned(),
                message: format!("the active data key {} is not in the file", file.active),
            });
        }
        Ok(Keyring {
            path: path.to_owned(),
            active: file.active,
            data_keys,
            index_key: parse_key(path, "index_key", &file.index_key)?,
            audit_key: parse_key(path, "audit_key", &file.audit_key)?,
        })
    }

    /// Creates a new key file at `path` with fresh random keys; refuses to overwrite one.
    pub fn create(path: &Path) -> Result<Keyring, StoreError> {
        if path.exists() {
            return Err(StoreError::KeyFile {
                path: path.to_owned(),
                message: "exists already; refusing to overwrite a key file".into(),
            });
        }
        let keyring = Keyring {
            path: path.to_owned(),
            active: 1,
            data_keys: BTreeMap::from([(1, random_key())]),
            index_key: random_key(),
            audit_key: random_key(),
        };
        keyring.save()?;
        Ok(keyring)
    }

    /// Writes the key file whole or not at all, readable by its owner only.
    fn save(&self) -> Result<(), StoreError> {
        let file = KeyFileText {
            format: "probity.keys/1".into(),
            active: self.active,
            data_keys: self
                .data_keys
                .iter()
                .map(|(id, k)| (*id, hex::encode(k.expose_secret())))
                .collect(),
            index_key: hex::encode(self.index_key.expose_secret()),
            audit_key: hex::encode(self.audit_key.expose_secret()),
        };
        let text = serde_json::to_string_pretty(&file).map_err(|e| StoreError::KeyFile {
            path: self.path.clone(),
            message: e.to_string(),
        })?;
        let io = |source| StoreError::Io {
            path: self.path.clone(),
            source,
        };
        let dir = self
            .path
            .parent()
            .filter(|p| !p.as_os_str().is_empty())
            .unwrap_or(Path::new("."));
        let tmp = dir.join(format!(
            ".{}.tmp",
            self.path
                .file_name()
                .map_or("keys".into(), |n| n.to_string_lossy())
        ));
        {
            use std::io::Write;
            let mut options = std::fs::OpenOptions::new();
            options.write(true).create(true).truncate(true);
            #[cfg(unix)]
            {
                use std::os::unix::fs::OpenOptionsExt;
                options.mode(0o600);
            }
            let mut f = options.open(&tmp).map_err(io)?;
            f.write_all(text.as_bytes()).map_err(io)?;
            f.sync_all().map_err(io)?;
        }
        std::fs::rename(&tmp, &self.path).map_err(io)?;
        Ok(())
    }

    /// Where the key file is.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Id of the data key new values are sealed under.
    pub fn active(&self) -> u32 {
        self.active
    }

    /// Ids of every data key held.
    pub fn data_key_ids(&self) -> Vec<u32> {
        self.data_keys.keys().copied().collect()
    }

    /// The same keys sealing under `id` instead (in memory only), if the file holds that key.
    pub fn sealing_under(mut self, id: u32) -> Option<Keyring> {
        self.data_keys.contains_key(&id).then(|| {
            self.active = id;
            self
        })
    }

    /// Adds a fresh data key, makes it the active one and saves the file. Old keys stay, so that
    /// values not yet moved still open.
    pub fn add_data_key(&mut self) -> Result<u32, StoreError> {
        let id = self.data_keys.keys().max().copied().unwrap_or(0) + 1;
        self.data_keys.insert(id, random_key());
        self.active = id;
        self.save()?;
        Ok(id)
    }

    /// Drops every data key but the active one and saves the file; returns the ids dropped.
    pub fn retire_old_keys(&mut self) -> Result<Vec<u32>, StoreError> {
        let old: Vec<u32> = self
            .data_keys
            .keys()
            .copied()
            .filter(|id| *id != self.active)
            .collect();
        for id in &old {
            self.data_keys.remove(id);
        }
        self.save()?;
        Ok(old)
    }

    fn additional_data(place: Place<'_>, key_id: u32) -> Vec<u8> {
        let mut aad = Vec::with_capacity(place.table.len() + place.column.len() + 32);
        for part in [place.table, place.column, place.row] {
            aad.extend_from_slice(part.as_bytes());
            aad.push(0);
        }
        aad.extend_from_slice(&key_id.to_be_bytes());
        aad
    }

    /// Seals `plain` for `place` under the active key with a fresh random nonce.
    pub fn seal(&self, place: Place<'_>, plain: &[u8]) -> Result<Vec<u8>, StoreError> {
        let key = self
            .data_keys
            .get(&self.active)
            .ok_or(StoreError::Crypto("the active data key is missing"))?;
        let cipher = XChaCha20Poly1305::new(key.expose_secret().into());
        let nonce = XChaCha20Poly1305::generate_nonce(&mut OsRng);
        let aad = Self::additional_data(place, self.active);
        let sealed = cipher
            .encrypt(
                &nonce,
                Payload {
                    msg: plain,
                    aad: &aad,
                },
            )
            .map_err(|_| StoreError::Crypto("encryption failed"))?;
        let mut out = Vec::with_capacity(HEADER + sealed.len());
        out.push(CIPHERTEXT_VERSION);
        out.extend_from_slice(&self.active.to_be_bytes());
        out.extend_from_slice(&nonce);
        out.extend_from_slice(&sealed);
        Ok(out)
    }

    /// The id of the key a ciphertext was sealed under, if it looks like one of ours.
    pub fn key_id_of(sealed: &[u8]) -> Option<u32> {
        if sealed.len() < HEADER || sealed[0] != CIPHERTEXT_VERSION {
            return None;
        }
        let mut id = [0u8; 4];
        id.copy_from_slice(&sealed[1..5]);
        Some(u32::from_be_bytes(id))
    }

    /// Opens a value sealed for `place`; fails if it was altered, moved, or sealed under a key
    /// this file does not hold.
    pub fn open(&self, place: Place<'_>, sealed: &[u8]) -> Result<Vec<u8>, StoreError> {
        let key_id = Self::key_id_of(sealed).ok_or(StoreError::Crypto("not a sealed value"))?;
        let key = self
            .data_keys
            .get(&key_id)
            .ok_or(StoreError::UnknownKey(key_id))?;
        let cipher = XChaCha20Poly1305::new(key.expose_secret().into());
        let nonce = XNonce::from_slice(&sealed[5..HEADER]);
        let aad = Self::additional_data(place, key_id);
        cipher
            .decrypt(
                nonce,
                Payload {
                    msg: &sealed[HEADER..],
                    aad: &aad,
                },
            )
            .map_err(|_| StoreError::Crypto("a sealed value does not open: altered or moved"))
    }

    /// The blind index of a value of some kind (`"resident_id"`, …): HMAC-SHA256 under the index
    /// key, hex. Equal values give equal indexes; the value cannot be read back.
    pub fn blind_index(&self, kind: &str, value: &str) -> String {
        Self::mac(&self.index_key, &[kind.as_bytes(), value.as_bytes()])
    }

    /// The signature of an audit head (or checkpoint): HMAC-SHA256 under the audit key, hex.
    pub fn sign_head(&self, seq: i64, sha256: &str) -> String {
        Self::mac(
            &self.audit_key,
            &[
                b"probity.head/1",
                seq.to_string().as_bytes(),
                sha256.as_bytes(),
            ],
        )
    }

    /// The signature of a sign-in session's row: HMAC-SHA256, under a key derived from the
    /// audit key for sessions alone, of every column, hex. A row written into the database by
    /// someone without the key file has none that fits, and signs nobody in.
    pub fn sign_session(
        &self,
        token_sha256: &str,
        username: &str,
        csrf: &str,
        created_at: &str,
        expires_at: &str,
    ) -> String {
        let mut derive = <Hmac<Sha256> as Mac>::new_from_slice(self.audit_key.expose_secret())
            .unwrap_or_else(|_| unreachable!("HMAC takes keys of any length"));
        derive.update(b"probity.session-key/1");
        let key: Key = SecretBox::new(Box::new(derive.finalize().into_bytes().into()));
        Self::mac(
            &key,
            &[
                b"probity.session/1",
                token_sha256.as_bytes(),
                username.as_bytes(),
                csrf.as_bytes(),
                created_at.as_bytes(),
                expires_at.as_bytes(),
            ],
        )
    }

    /// A value that tells whether a database was written with this key file.
    pub fn fingerprint(&self) -> String {
        Self::mac(&self.index_key, &[b"probity.key-check/1"])
    }

    fn mac(key: &Key, parts: &[&[u8]]) -> String {
        // HMAC accepts keys of any length; ours are always 32 bytes.
        let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(key.expose_secret())
            .unwrap_or_else(|_| unreachable!("HMAC takes keys of any length"));
        for part in parts {
            mac.update(&(part.len() as u64).to_be_bytes());
            mac.update(part);
        }
        hex::encode(mac.finalize().into_bytes())
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
    use super::*;

    fn keyring() -> (tempfile::TempDir, Keyring) {
        let dir = tempfile::tempdir().unwrap();
        let k = Keyring::create(&dir.path().join("keys.json")).unwrap();
        (dir, k)
    }

    const PLACE: Place<'static> = Place {
        table: "declarations",
        column: "content",
        row: "D1",
    };

    #[test]
    fn sealed_values_open_only_in_their_place() {
        let (_d, k) = keyring();
        let a = k.seal(PLACE, b"350503198001011234").unwrap();
        let b = k.seal(PLACE, b"350503198001011234").unwrap();
        assert_ne!(a, b, "a fresh nonce for every value");
        assert_eq!(k.open(PLACE, &a).unwrap(), b"350503198001011234");
        let elsewhere = Place { row: "D2", ..PLACE };
        assert!(k.open(elsewhere, &a).is_err());
        let mut flipped = a.clone();
        *flipped.last_mut().unwrap() ^= 1;
        assert!(k.open(PLACE, &flipped).is_err());
    }

    #[test]
    fn rotation_keeps_old_values_readable_until_retired() {
        let (_d, mut k) = keyring();
        let old = k.seal(PLACE, b"x").unwrap();
        assert_eq!(k.add_data_key().unwrap(), 2);
        let new = k.seal(PLACE, b"y").unwrap();
        assert_eq!(Keyring::key_id_of(&new), Some(2));
        let reloaded = Keyring::load(k.path()).unwrap();
        assert_eq!(reloaded.open(PLACE, &old).unwrap(), b"x");
        k.retire_old_keys().unwrap();
        let reloaded = Keyring::load(k.path()).unwrap();
        assert!(matches!(
            reloaded.open(PLACE, &old),
            Err(StoreError::UnknownKey(1))
        ));
        assert_eq!(reloaded.open(PLACE, &new).unwrap(), b"y");
    }

    #[test]
    fn refuses_to_overwrite_and_to_read_garbage() {
        let (_d, k) = keyring();
        assert!(Keyring::create(k.path()).is_err());
        std::fs::write(k.path(), "{}").unwrap();
        let e = Keyring::load(k.path()).unwrap_err().to_string();
        assert!(e.contains("not a probity key file"), "{e}");
    }
}
