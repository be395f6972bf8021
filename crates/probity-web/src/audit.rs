//! The auditor's page: the audit log verified on demand (every event re-hashed, every covered
//! record re-hashed against its latest event, the signed head, and optionally a checkpoint
//! published earlier), the head to publish as the next checkpoint, and the latest events. Auditors
//! see the trail, not the contents: no report, case or name is on this page.

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Query, State};
use probity_store::audit::Event;
use probity_store::{Checkpoint, User};
use serde::Deserialize;

use crate::i18n::Tr;
use crate::kernel::Auditor;
use crate::{Shared, WebError};

/// Events on one page.
const PAGE: i64 = 100;

#[derive(Deserialize, Default)]
pub(crate) struct AuditQuery {
    /// A checkpoint published earlier, to prove the log up to it unchanged.
    checkpoint: Option<String>,
    /// Show events before this one.
    before: Option<i64>,
}

#[derive(Template, WebTemplate)]
#[template(path = "audit.html")]
pub(crate) struct AuditPage {
    t: Tr,
    user: Option<User>,
    csrf: String,
    /// Events walked and records re-hashed, when the log verifies.
    verified: Option<(i64, u64)>,
    /// Where and why it does not.
    unfit: Option<String>,
    /// The head, to publish.
    head: String,
    /// The checkpoint given, if any.
    checkpoint: String,
    events: Vec<Event>,
    older: Option<i64>,
}

/// `GET /audit`: verify, the head, the latest events.
pub(crate) async fn audit_page(
    State(app): State<Shared>,
    Query(q): Query<AuditQuery>,
    Auditor { ctx, .. }: Auditor,
) -> Result<AuditPage, WebError> {
    let t = ctx.t;
    let fail = |e| WebError::internal(t, e);
    let given = q
        .checkpoint
        .as_deref()
        .map(str::trim)
        .filter(|c| !c.is_empty());
    let checkpoint = match given {
        None => None,
        Some(c) => Some(
            c.parse::<Checkpoint>()
                .map_err(|e| WebError::BadRequest(t, format!("checkpoint: {e}")))?,
        ),
    };
    let (verified, unfit) = match app
        .store
        .verify_audit(checkpoint.as_ref())
        .await
        .map_err(fail)?
    {
        Ok(v) => (Some((v.events, v.records)), None),
        Err(u) => (None, Some(u.to_string())),
    };
    let head = app.store.checkpoint().await.map_err(fail)?.to_string();
    let events = app.store.audit_events(q.before, PAGE).await.map_err(fail)?;
    let older = events
        .last()
        .map(|e| e.seq)
        .filter(|seq| *seq > 1 && events.len() as i64 == PAGE);
    Ok(AuditPage {
        t,
        user: ctx.user.clone(),
        csrf: ctx.csrf.clone(),
        verified,
        unfit,
        head,
        checkpoint: given.unwrap_or_default().to_owned(),
        events,
        older,
    })
}
