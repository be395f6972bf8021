//! Group commit: the many small writes of people filing at once (drafts saved, reports
//! submitted) are written together, in one transaction and one commit, by a task of their own.
//!
//! Every write takes the audit chain's lock and, on SQLite with `synchronous = FULL`, waits for a
//! sync of the disk at commit: one writer at a time, one sync per write, a few hundred writes a
//! second at most. Here callers queue their write and wait; the task takes every write queued
//! (up to [`MAX_BATCH`]), applies each inside a savepoint of one transaction — a write that fails
//! is undone alone, its caller told why, the others kept —, commits once, and only then answers
//! each caller. Durability is unchanged: an answer `Ok` means the write is committed, as with a
//! transaction of its own; an error means it is not stored.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use probity_model::Declaration;
use sqlx::AnyPool;
use tokio::sync::{mpsc, oneshot};

use crate::error::StoreError;
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
    /// Files a report (validated by the caller) and removes its draft.
    Submit {
        declaration: Box<Declaration>,
        json: String,
    },
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

/// Writes a batch in one transaction; answers every caller after the commit.
async fn commit_batch(pool: &AnyPool, backend: Backend, keys: &KeyCell, jobs: Vec<Job>) {
    let Some(first) = jobs.first() else { return };
    let mut w = match begin(pool, backend, keys, &first.stamp).await {
        Ok(w) => w,
        Err(e) => return refuse_all(jobs.into_iter().map(|j| j.reply), &e),
    };
    let start = w.seq();
    let mut answers: Vec<(Reply, Result<Done, StoreError>)> = Vec::with_capacity(jobs.len());
    let mut jobs = jobs.into_iter();
    while let Some(job) = jobs.next() {
        w.set_stamp(&job.stamp);
        let outcome = match w.savepoint().await {
            Ok(mark) => match apply(&mut w, job.op).await {
                Ok(done) => w.keep().await.map(|()| Ok(done)),
                Err(refused) => w.undo_to(mark).await.map(|()| Err(refused)),
            },
            Err(e) => Err(e),
        };
        match outcome {
            Ok(answer) => answers.push((job.reply, answer)),
            Err(broken) => {
                // The transaction itself failed: nothing of the batch is stored (dropping the
                // writer rolls it back).
                let replies = answers.into_iter().map(|(r, _)| r);
                let rest = jobs.map(|j| j.reply);
                refuse_all(
                    replies.chain(std::iter::once(job.reply)).chain(rest),
                    &broken,
                );
                return;
            }
        }
    }
    let committed = if w.wrote(start) {
        w.commit().await.map(|_| ())
    } else {
        w.rollback().await
    };
    match committed {
        Ok(()) => {
            for (reply, answer) in answers {
                // A caller that stopped waiting no longer needs the answer; the write stands.
                let _ = reply.send(answer);
            }
        }
        Err(e) => refuse_all(answers.into_iter().map(|(r, _)| r), &e),
    }
}

fn refuse_all(replies: impl Iterator<Item = Reply>, why: &StoreError) {
    for reply in replies {
        let _ = reply.send(Err(StoreError::NotCommitted(why.to_string())));
    }
}

/// One caller's write, inside the batch's transaction.
async fn apply(w: &mut Writer, op: Op) -> Result<Done, StoreError> {
    match op {
        Op::Draft {
            person_key,
            year,
            kind,
            json,
        } => {
            let at = w.stamp().at.clone();
            w.upsert(
                &DRAFTS,
                "draft.save",
                vec![
                    person_key.into(),
                    Value::Int(year.into()),
                    kind.into(),
                    Value::Bytes(json.into_bytes()),
                    at.into(),
                ],
            )
            .await?;
            Ok(Done::Saved)
        }
        Op::Submit { declaration, json } => {
            let kind = match serde_json::to_value(declaration.kind) {
                Ok(serde_json::Value::String(k)) => k,
                _ => return Err(StoreError::Corrupt("report kind is not a name".into())),
            };
            let keys = w.keys.clone();
            let person_key = keys.blind_index(RESIDENT_ID, &declaration.declarant_id.to_string());
            let year = declaration.year;
            let reports = [(1, *declaration, json)];
            let outcome =
                import_declarations_in(w, "submit", reports[0].2.as_bytes(), &reports).await?;
            if outcome.added == 0 {
                return Ok(Done::Submitted(outcome));
            }
            let key = vec![
                person_key.as_str().into(),
                Value::Int(year.into()),
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
            Ok(Done::Submitted(outcome))
        }
    }
}
