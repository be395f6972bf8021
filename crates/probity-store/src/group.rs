//! Group commit: the many small writes of people filing at once (drafts saved, reports
//! submitted) are written together, in one transaction and one commit, by a task of their own.
//!
//! Every write takes the audit chain's lock and, on SQLite with `synchronous = FULL`, waits for a
//! sync of the disk at commit: one writer at a time, one sync per write, a few hundred writes a
//! second at most. Here callers queue their write and wait; the task takes every write queued
//! (up to [`MAX_BATCH`]), applies them in one transaction — the drafts of a batch in one
//! multi-row statement, each still with its own audit event under its caller's stamp —, commits
//! once, and only then answers each caller. Durability is unchanged: an answer `Ok` means the
//! write is committed, as with a transaction of its own; an error means it is not stored.
//!
//! A write that is refused (a report id already taken, say) must not sink the others: the
//! transaction is rolled back, that caller told why, and the batch written again without it.
//! Refusals are rare, so the common path pays nothing for them (no savepoint per write: each
//! statement is a round trip to SQLite's worker thread, and these dominate a batch's time).

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use probity_model::Declaration;
use sqlx::AnyPool;
use tokio::sync::{mpsc, oneshot};

use crate::error::{DraftRefusal, StoreError};
use crate::import::{Imported, RESIDENT_ID, import_declarations_in};
use crate::record::{Value, fetch};
use crate::schema::DRAFTS;
use crate::store::{Backend, KeyCell, Stamp};
use crate::write::{Writer, begin};

/// The most writes committed together: enough to carry hundreds of callers with one sync, few
/// enough that the first caller of a batch does not wait long for the last.
pub const MAX_BATCH: usize = 256;

/// One caller's write.
#[derive(Debug)]
pub(crate) enum Op {
    /// Files a report (validated by the caller) and removes its draft: (line 1, report, JSON).
    Submit(Box<(usize, Declaration, String)>, crate::import::Filing),
    /// Saves a draft.
    Draft {
        person_key: String,
        year: i32,
        kind: String,
        json: String,
    },
}

/// What a write did.
#[derive(Debug)]
pub(crate) enum Done {
    /// The report's import outcome.
    Submitted(Imported),
    /// The draft is saved.
    Saved,
}

type Reply = oneshot::Sender<Result<Done, StoreError>>;

#[derive(Debug)]
struct Job {
    stamp: Stamp,
    op: Op,
    reply: Reply,
}

/// The queue of a store's group-committed writes and what its task writes with.
#[derive(Debug)]
pub(crate) struct Committer {
    queue: mpsc::Sender<Job>,
    pool: AnyPool,
    backend: Backend,
    keys: KeyCell,
    counts: Arc<Counts>,
}

/// Batches committed and the writes in them, since the store was opened.
#[derive(Debug, Default)]
struct Counts {
    batches: AtomicU64,
    writes: AtomicU64,
}

impl Committer {
    /// Starts the task that commits the queue; it ends when the store is dropped.
    pub(crate) fn start(pool: AnyPool, backend: Backend, keys: KeyCell) -> Committer {
        let (queue, mut jobs) = mpsc::channel::<Job>(4 * MAX_BATCH);
        let (task_pool, task_keys) = (pool.clone(), keys.clone());
        let counts = Arc::new(Counts::default());
        let task_counts = Arc::clone(&counts);
        tokio::spawn(async move {
            while let Some(first) = jobs.recv().await {
                let mut batch = vec![first];
                while batch.len() < MAX_BATCH {
                    match jobs.try_recv() {
                        Ok(job) => batch.push(job),
                        Err(_) => break,
                    }
                }
                task_counts.batches.fetch_add(1, Ordering::Relaxed);
                let writes = batch.len() as u64;
                task_counts.writes.fetch_add(writes, Ordering::Relaxed);
                commit_batch(&task_pool, backend, &task_keys, batch).await;
            }
        });
        Committer {
            queue,
            pool,
            backend,
            keys,
            counts,
        }
    }

    /// Batches committed (or tried) and the writes they held, since the store was opened.
    pub(crate) fn counts(&self) -> (u64, u64) {
        (
            self.counts.batches.load(Ordering::Relaxed),
            self.counts.writes.load(Ordering::Relaxed),
        )
    }

    /// Queues a write and waits until it is committed (or refused).
    pub(crate) async fn write(&self, stamp: &Stamp, op: Op) -> Result<Done, StoreError> {
        let (reply, answer) = oneshot::channel();
        let job = Job {
            stamp: stamp.clone(),
            op,
            reply,
        };
        if let Err(mpsc::error::SendError(job)) = self.queue.send(job).await {
            // The task is gone (its runtime was shut down): write alone, here.
            commit_batch(&self.pool, self.backend, &self.keys, vec![job]).await;
        }
        answer.await.map_err(|_| {
            StoreError::NotCommitted("the writing task stopped before answering".into())
        })?
    }
}

/// How one attempt at a batch ended.
enum Attempt {
    /// Committed (or nothing to write): each job's outcome, in order.
    Done(Vec<Done>),
    /// This job was refused; nothing of the attempt is stored.
    Refused(usize, StoreError),
    /// A statement writing several jobs' drafts failed: try again one job at a time, to know
    /// whose it is.
    Singly,
    /// The transaction itself failed: nothing of the batch is stored.
    Broken(StoreError),
}

/// Writes a batch in one transaction; answers every caller after the commit. A refused job is
/// answered and left out, and the rest written again.
///
/// A batch that fails on the way to the database (a connection cut by a failover, a restart or an
/// idle limit; a serialization failure) is written again on a fresh connection, a few times: it
/// is safe, since a draft is saved whole and a report already stored with the same content is
/// taken as stored (so a commit whose answer was lost is not written twice).
async fn commit_batch(pool: &AnyPool, backend: Backend, keys: &KeyCell, jobs: Vec<Job>) {
    let mut jobs = jobs;
    let mut singly = false;
    let mut retries = 0;
    while !jobs.is_empty() {
        let outcome = attempt(pool, backend, keys, &jobs, singly).await;
        if let Attempt::Refused(_, why) | Attempt::Broken(why) = &outcome
            && transient(why)
            && retries < RETRIES
        {
            retries += 1;
            tokio::time::sleep(std::time::Duration::from_millis(20 * retries)).await;
            continue;
        }
        match outcome {
            Attempt::Done(outcomes) => {
                for (job, done) in jobs.into_iter().zip(outcomes) {
                    // A caller that stopped waiting no longer needs the answer; the write stands.
                    let _ = job.reply.send(Ok(done));
                }
                return;
            }
            Attempt::Refused(i, why) => {
                let job = jobs.remove(i);
                let _ = job.reply.send(Err(why));
            }
            Attempt::Singly => singly = true,
            Attempt::Broken(why) => {
                return refuse_all(jobs.into_iter().map(|j| j.reply), &why);
            }
        }
    }
}

async fn attempt(
    pool: &AnyPool,
    backend: Backend,
    keys: &KeyCell,
    jobs: &[Job],
    singly: bool,
) -> Attempt {
    let Some(first) = jobs.first() else {
        return Attempt::Done(Vec::new());
    };
    let mut w = match begin(pool, backend, keys, &first.stamp).await {
        Ok(w) => w,
        Err(e) => return Attempt::Broken(e),
    };
    let start = w.seq();
    let mut outcomes = Vec::with_capacity(jobs.len());
    let mut i = 0;
    while i < jobs.len() {
        // Consecutive drafts, each of another (person, year, kind), go in one statement.
        let mut end = i;
        let mut seen = std::collections::HashSet::new();
        while end < jobs.len()
            && (end == i || !singly)
            && let Op::Draft {
                person_key,
                year,
                kind,
                ..
            } = &jobs[end].op
            && seen.insert((person_key, year, kind))
        {
            end += 1;
        }
        let result = if end > i {
            save_drafts(&mut w, &jobs[i..end]).await
        } else {
            end = i + 1;
            w.set_stamp(&jobs[i].stamp);
            submit(&mut w, &jobs[i].op).await
        };
        match result {
            Ok(done) => outcomes.extend(done),
            Err(e) => {
                // Nothing of this attempt is kept either way.
                let _ = w.rollback().await;
                return if end - i > 1 {
                    Attempt::Singly
                } else {
                    Attempt::Refused(i, e)
                };
            }
        }
        i = end;
    }
    let committed = if w.wrote(start) {
        w.commit().await.map(|_| ())
    } else {
        w.rollback().await
    };
    match committed {
        Ok(()) => Attempt::Done(outcomes),
        Err(e) => Attempt::Broken(e),
    }
}

/// How many times a batch is written again after a transient failure.
const RETRIES: u64 = 5;

/// Whether an error is the database's connection or concurrency, not the write: worth writing
/// the batch again on a fresh connection.
fn transient(e: &StoreError) -> bool {
    match e {
        StoreError::Database(
            sqlx::Error::Io(_)
            | sqlx::Error::Protocol(_)
            | sqlx::Error::PoolTimedOut
            | sqlx::Error::WorkerCrashed,
        ) => true,
        StoreError::Database(sqlx::Error::Database(db)) => matches!(
            db.code().as_deref(),
            // serialization failure, deadlock, the server ending the session, connection lost
            Some("40001" | "40P01" | "57P01" | "57P02" | "57P03" | "08000" | "08003" | "08006")
        ),
        _ => false,
    }
}

fn refuse_all(replies: impl Iterator<Item = Reply>, why: &StoreError) {
    for reply in replies {
        let _ = reply.send(Err(StoreError::NotCommitted(why.to_string())));
    }
}

/// Refuses a draft too large or for a year no report of the person can be due: before the
/// year they became a subject or after the year of the stamp.
async fn draft_allowed(
    w: &mut Writer,
    stamp: &Stamp,
    person_key: &str,
    year: i32,
    json: &str,
) -> Result<(), StoreError> {
    if json.len() > crate::accounts::DRAFT_MAX_BYTES {
        return Err(StoreError::DraftRefused(DraftRefusal::TooLarge {
            limit_kib: crate::accounts::DRAFT_MAX_BYTES / 1024,
        }));
    }
    let now: i32 = stamp
        .at
        .get(..4)
        .and_then(|y| y.parse().ok())
        .ok_or_else(|| StoreError::Corrupt("a stamp without a year".into()))?;
    let since: Option<String> =
        sqlx::query("SELECT subject_since FROM subjects WHERE person_key = $1")
            .bind(person_key)
            .fetch_optional(w.conn())
            .await?
            .map(|r| sqlx::Row::try_get(&r, 0))
            .transpose()?;
    let since = match since.as_deref().map(probity_model::Date::parse) {
        Some(Ok(d)) => d.year(),
        Some(Err(_)) => return Err(StoreError::Corrupt("a subject_since is no date".into())),
        None => {
            return Err(StoreError::DraftRefused(DraftRefusal::NotSubject));
        }
    };
    if !(since..=now).contains(&year) {
        return Err(StoreError::DraftRefused(DraftRefusal::NotDue {
            year,
            from: since,
            to: now,
        }));
    }
    Ok(())
}

/// Drafts of distinct keys, in one statement, each with its event under its caller's stamp.
async fn save_drafts(w: &mut Writer, jobs: &[Job]) -> Result<Vec<Done>, StoreError> {
    for job in jobs {
        if let Op::Draft {
            person_key,
            year,
            json,
            ..
        } = &job.op
        {
            draft_allowed(w, &job.stamp, person_key, *year, json).await?;
        }
    }
    let rows = jobs
        .iter()
        .filter_map(|job| match &job.op {
            Op::Draft {
                person_key,
                year,
                kind,
                json,
            } => Some((
                job.stamp.clone(),
                vec![
                    person_key.as_str().into(),
                    Value::Int((*year).into()),
                    kind.as_str().into(),
                    Value::Bytes(json.as_bytes().to_vec()),
                    job.stamp.at.as_str().into(),
                ],
            )),
            Op::Submit(..) => None,
        })
        .collect::<Vec<_>>();
    let n = rows.len();
    w.upsert_all_stamped(&DRAFTS, "draft.save", rows).await?;
    Ok((0..n).map(|_| Done::Saved).collect())
}

/// One report filed, inside the batch's transaction.
async fn submit(w: &mut Writer, op: &Op) -> Result<Vec<Done>, StoreError> {
    let Op::Submit(report, filing) = op else {
        return Err(StoreError::Corrupt("a draft taken for a report".into()));
    };
    let (_, declaration, json) = &**report;
    let kind = match serde_json::to_value(declaration.kind) {
        Ok(serde_json::Value::String(k)) => k,
        _ => return Err(StoreError::Corrupt("report kind is not a name".into())),
    };
    let keys = w.keys.clone();
    let person_key = keys.blind_index(RESIDENT_ID, &declaration.declarant_id.to_string());
    let outcome = import_declarations_in(
        w,
        "submit",
        json.as_bytes(),
        std::slice::from_ref(&**report),
        *filing,
    )
    .await?;
    if outcome.added > 0 {
        let key = vec![
            person_key.as_str().into(),
            Value::Int(declaration.year.into()),
            kind.as_str().into(),
        ];
        let draft = fetch(
            w.conn(),
            &keys,
            &DRAFTS,
            "person_key = $1 AND year = $2 AND kind = $3",
            &key,
        )
        .await?;
        if !draft.is_empty() {
            w.delete(&DRAFTS, "draft.delete", key).await?;
        }
    }
    Ok(vec![Done::Submitted(outcome)])
}
