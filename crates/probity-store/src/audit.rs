//! The audit chain: an append-only log where each event carries the hash of the one before, and
//! a head signed with a key kept outside the database.
//!
//! An event's hash is SHA-256 over a fixed, hand-ordered encoding of its fields (never a JSON map,
//! whose key order a dependency could change). Events that write a record carry the record's
//! digest (`record::digest`), so the walk in [`verify`] re-hashes every covered record and finds a
//! record altered, removed or added behind the log's back. The signed head catches what a chain
//! alone cannot: events cut off the end, or a whole history rewritten and re-hashed.

use std::collections::HashMap;
use std::fmt;

use futures_util::TryStreamExt;
use sha2::{Digest, Sha256};
use sqlx::{AnyConnection, Row};

use crate::error::StoreError;
use crate::keys::Keyring;
use crate::record::{digest, open_row, row_key, stored_row};
use crate::schema::{TABLES, Table};

/// The hash before the first event.
pub const GENESIS: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// One event of the log.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Event {
    /// Position in the log, from 1, without gaps.
    pub seq: i64,
    /// When (RFC 3339, passed in by the caller: the store reads no clock).
    pub at: String,
    /// Who (a username, or `cli:<user>` for the command line).
    pub actor: String,
    /// What, e.g. `declaration.import`, `declaration.read`.
    pub action: String,
    /// On what: `table/key` for a record.
    pub subject: String,
    /// What the event says, one statement a line; `record TABLE DIGEST KEY` for a record written,
    /// `deleted TABLE KEY` for one removed. Never personal data in clear.
    pub payload: String,
    /// SHA-256 of `payload`.
    pub payload_sha256: String,
    /// Hash of the event before.
    pub prev_sha256: String,
    /// This event's hash.
    pub sha256: String,
}

/// Hex SHA-256 of bytes.
pub fn sha256_hex(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

/// The hash of an event from its fields.
pub fn event_hash(
    seq: i64,
    at: &str,
    actor: &str,
    action: &str,
    subject: &str,
    payload_sha256: &str,
    prev_sha256: &str,
) -> String {
    let mut h = Sha256::new();
    let seq = seq.to_string();
    for part in [
        "probity.audit/1",
        &seq,
        at,
        actor,
        action,
        subject,
        payload_sha256,
        prev_sha256,
    ] {
        h.update((part.len() as u64).to_be_bytes());
        h.update(part.as_bytes());
    }
    hex::encode(h.finalize())
}

/// A point in the log that can be published or printed: event number, its hash, and a signature
/// under the audit key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Checkpoint {
    /// Event number (0 for the empty log).
    pub seq: i64,
    /// That event's hash.
    pub sha256: String,
    /// HMAC-SHA256 of both under the audit key.
    pub mac: String,
}

impl fmt::Display for Checkpoint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "probity-checkpoint/1:{}:{}:{}",
            self.seq, self.sha256, self.mac
        )
    }
}

impl std::str::FromStr for Checkpoint {
    type Err = String;

    fn from_str(text: &str) -> Result<Checkpoint, String> {
        let bad = || {
            format!("not a checkpoint: expected probity-checkpoint/1:SEQ:SHA256:MAC, got {text:?}")
        };
        let mut parts = text.trim().split(':');
        if parts.next() != Some("probity-checkpoint/1") {
            return Err(bad());
        }
        let seq = parts.next().and_then(|s| s.parse().ok()).ok_or_else(bad)?;
        let hex64 = |s: Option<&str>| {
            s.filter(|s| s.len() == 64 && s.bytes().all(|b| b.is_ascii_hexdigit()))
                .map(str::to_ascii_lowercase)
                .ok_or_else(bad)
        };
        let sha256 = hex64(parts.next())?;
        let mac = hex64(parts.next())?;
        if parts.next().is_some() {
            return Err(bad());
        }
        Ok(Checkpoint { seq, sha256, mac })
    }
}

/// The first thing in the log that does not fit.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Unfit {
    /// The event, or `None` for a record no event covers.
    pub seq: Option<i64>,
    /// What is wrong.
    pub message: String,
    /// The checkpoint the log does not reach or differs from, as its position in the series
    /// given to [`verify`] (from 0), when that is what is wrong.
    pub checkpoint: Option<usize>,
}

impl fmt::Display for Unfit {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.seq {
            Some(seq) => write!(f, "event {seq}: {}", self.message),
            None => write!(f, "{}", self.message),
        }
    }
}

/// What a successful walk saw.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Verified {
    /// Events walked.
    pub events: i64,
    /// Records re-hashed.
    pub records: u64,
    /// The head.
    pub head: Checkpoint,
}

/// What the latest event about a record says of it.
struct Coverage {
    seq: i64,
    action: String,
    /// `None`: the record was deleted.
    digest: Option<String>,
}

/// Walks the whole log and every covered record; `Ok(Err(unfit))` names the first event (or
/// record) that does not fit. With checkpoints (one printed earlier, or the series the server
/// published), also proves the log reaches each and, up to each, is the one that was
/// checkpointed; the first that fails is named (`Unfit::checkpoint`).
///
/// Without a checkpoint, the walk cannot see events deleted from the end when the signed head
/// of that earlier point is put back (it is a valid head of a valid, shorter log): a checkpoint
/// published after those events is what catches it.
pub async fn verify(
    conn: &mut AnyConnection,
    keys: &Keyring,
    checkpoints: &[Checkpoint],
) -> Result<Result<Verified, Unfit>, StoreError> {
    let mut unfits: Vec<Unfit> = Vec::new();
    let mut coverage: HashMap<(String, String), Coverage> = HashMap::new();
    let mut expected = 1i64;
    let mut prev = GENESIS.to_owned();
    // Where each checkpoint falls, by event number.
    let mut by_seq: HashMap<i64, Vec<usize>> = HashMap::new();
    for (i, c) in checkpoints.iter().enumerate() {
        by_seq.entry(c.seq).or_default().push(i);
    }
    {
        let mut rows = sqlx::query(
            "SELECT seq, at, actor, action, subject, payload, payload_sha256, prev_sha256, sha256 \
             FROM audit_events ORDER BY seq",
        )
        .fetch(&mut *conn);
        while let Some(row) = rows.try_next().await? {
            let e = Event {
                seq: row.try_get(0)?,
                at: row.try_get(1)?,
                actor: row.try_get(2)?,
                action: row.try_get(3)?,
                subject: row.try_get(4)?,
                payload: row.try_get(5)?,
                payload_sha256: row.try_get(6)?,
                prev_sha256: row.try_get(7)?,
                sha256: row.try_get(8)?,
            };
            let fail = |message: String| Unfit {
                seq: Some(e.seq),
                message: format!("({} {}) {message}", e.action, e.subject),
                checkpoint: None,
            };
            if e.seq != expected {
                return Ok(Err(if e.seq > expected {
                    Unfit {
                        seq: Some(expected),
                        message: format!(
                            "missing: the log goes from {} to {}",
                            expected - 1,
                            e.seq
                        ),
                        checkpoint: None,
                    }
                } else {
                    fail(format!("out of order: expected event {expected}"))
                }));
            }
            if e.prev_sha256 != prev {
                return Ok(Err(fail(
                    "does not follow the event before it (previous hash differs)".into(),
                )));
            }
            if sha256_hex(e.payload.as_bytes()) != e.payload_sha256 {
                return Ok(Err(fail("its payload was altered".into())));
            }
            let hash = event_hash(
                e.seq,
                &e.at,
                &e.actor,
                &e.action,
                &e.subject,
                &e.payload_sha256,
                &e.prev_sha256,
            );
            if hash != e.sha256 {
                return Ok(Err(fail(
                    "its fields do not match its hash (altered)".into(),
                )));
            }
            if let Some(at) = by_seq.get(&e.seq) {
                for &i in at {
                    if checkpoints[i].sha256 != e.sha256 {
                        return Ok(Err(Unfit {
                            checkpoint: Some(i),
                            ..fail(
                                "differs from the checkpoint: the history up to it was rewritten"
                                    .into(),
                            )
                        }));
                    }
                }
            }
            for line in e.payload.lines() {
                let mut words = line.splitn(4, ' ');
                match (words.next(), words.next(), words.next(), words.next()) {
                    (Some("record"), Some(table), Some(digest), Some(key)) => {
                        coverage.insert(
                            (table.to_owned(), key.to_owned()),
                            Coverage {
                                seq: e.seq,
                                action: e.action.clone(),
                                digest: Some(digest.to_owned()),
                            },
                        );
                    }
                    (Some("deleted"), Some(table), Some(key_first), rest) => {
                        let key = match rest {
                            Some(rest) => format!("{key_first} {rest}"),
                            None => key_first.to_owned(),
                        };
                        coverage.insert(
                            (table.to_owned(), key),
                            Coverage {
                                seq: e.seq,
                                action: e.action.clone(),
                                digest: None,
                            },
                        );
                    }
                    _ => {}
                }
            }
            prev = e.sha256;
            expected += 1;
        }
    }
    let events = expected - 1;

    // The signed head: catches events cut off the end and a history re-hashed from some point.
    let head = sqlx::query("SELECT seq, sha256, mac FROM audit_head WHERE id = 1")
        .fetch_optional(&mut *conn)
        .await?;
    let Some(head) = head else {
        return Ok(Err(Unfit {
            seq: None,
            message: "the signed head of the log is missing".into(),
            checkpoint: None,
        }));
    };
    let head = Checkpoint {
        seq: head.try_get(0)?,
        sha256: head.try_get(1)?,
        mac: head.try_get(2)?,
    };
    if head.mac != keys.sign_head(head.seq, &head.sha256) {
        return Ok(Err(Unfit {
            seq: Some(head.seq),
            message: "the head's signature does not match: the head was altered, or the log \
                      rewritten by someone without the audit key"
                .into(),
            checkpoint: None,
        }));
    }
    if head.seq != events || head.sha256 != prev {
        return Ok(Err(Unfit {
            seq: Some(head.seq.min(events + 1)),
            message: format!(
                "the signed head says the log ends at event {}, but it ends at event {events}",
                head.seq
            ),
            checkpoint: None,
        }));
    }
    // The checkpoints, in the order given: the first not signed with this key file, or that the
    // log does not reach, is named.
    for (i, c) in checkpoints.iter().enumerate() {
        let unfit = |message: String| {
            Ok(Err(Unfit {
                seq: Some(c.seq),
                message,
                checkpoint: Some(i),
            }))
        };
        if c.mac != keys.sign_head(c.seq, &c.sha256) {
            return unfit(
                "the checkpoint's signature does not match: not a checkpoint of this key file, \
                 or mistyped"
                    .into(),
            );
        }
        if c.seq < 0 || c.seq > events {
            return unfit(format!(
                "the log ends at event {events}, before the checkpoint: events after it were \
                 deleted (and the signed head put back)"
            ));
        }
        if c.seq == 0 && c.sha256 != GENESIS {
            return unfit("differs from the checkpoint: not the empty log".into());
        }
    }

    // Every covered record against the latest event about it.
    let mut records = 0u64;
    for table in TABLES.iter().copied().filter(|t| t.covered) {
        records += check_records(conn, keys, table, &mut coverage, &mut unfits).await?;
    }
    for ((table, key), c) in coverage {
        if c.digest.is_some() {
            unfits.push(Unfit {
                seq: Some(c.seq),
                message: format!("({} {table}/{key}) the record it wrote is gone", c.action),
                checkpoint: None,
            });
        }
    }
    unfits.sort_by_key(|u| u.seq.unwrap_or(i64::MAX));
    if let Some(first) = unfits.into_iter().next() {
        return Ok(Err(first));
    }
    Ok(Ok(Verified {
        events,
        records,
        head,
    }))
}

async fn check_records(
    conn: &mut AnyConnection,
    keys: &Keyring,
    table: &Table,
    coverage: &mut HashMap<(String, String), Coverage>,
    unfits: &mut Vec<Unfit>,
) -> Result<u64, StoreError> {
    let sql = format!("SELECT {} FROM {}", table.column_list(), table.name);
    let mut rows = sqlx::query(sqlx::AssertSqlSafe(sql)).fetch(&mut *conn);
    let mut n = 0;
    while let Some(r) = rows.try_next().await? {
        n += 1;
        let mut row = stored_row(table, &r)?;
        let key = row_key(table, &row);
        let Some(c) = coverage.remove(&(table.name.to_owned(), key.clone())) else {
            unfits.push(Unfit {
                seq: None,
                message: format!(
                    "record {}/{key} has no audit event: written outside Probity",
                    table.name
                ),
                checkpoint: None,
            });
            continue;
        };
        let what = format!("({} {}/{key})", c.action, table.name);
        let Some(expected) = c.digest else {
            unfits.push(Unfit {
                seq: Some(c.seq),
                message: format!("{what} deleted the record, but it is there"),
                checkpoint: None,
            });
            continue;
        };
        if let Err(e) = open_row(keys, table, &mut row) {
            unfits.push(Unfit {
                seq: Some(c.seq),
                message: format!("{what} a sealed value of the record does not open: {e}"),
                checkpoint: None,
            });
            continue;
        }
        if digest(table, &row) != expected {
            unfits.push(Unfit {
                seq: Some(c.seq),
                message: format!("{what} the record was altered after it was written"),
                checkpoint: None,
            });
        }
    }
    Ok(n)
}
