//! Cycles side by side: which cycle a staff page shows (`?cycle=Y`, by default the latest cycle
//! still open, so opening the next cycle never hides the one still being worked), the selector
//! every staff page of a cycle carries, and closing a cycle from `/admin` (administrators, after
//! a confirmation step; the store records `cycle.close`).

use std::sync::Arc;

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Form, State};
use axum::response::{IntoResponse, Redirect, Response};
use probity_store::User;
use serde::Deserialize;

use crate::i18n::Tr;
use crate::kernel::{Administrators, DepartmentStaff};
use crate::{App, Ctx, WebError};

/// A cycle in a page's selector.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct CycleChoice {
    /// The year.
    pub(crate) year: i32,
    /// Still open (else closed).
    pub(crate) open: bool,
    /// The one the page shows.
    pub(crate) selected: bool,
}

/// The cycle a page shows — the one asked for, else the latest still open, else the latest —
/// and the choices of its selector.
pub(crate) async fn choose(
    app: &App,
    ctx: &Ctx,
    asked: Option<i32>,
) -> Result<(Option<i32>, Vec<CycleChoice>), WebError> {
    let cycles = app
        .store
        .cycle_list()
        .await
        .map_err(|e| WebError::internal(ctx.t, e))?;
    let chosen = asked
        .filter(|y| cycles.iter().any(|c| c.year == *y))
        .or_else(|| cycles.iter().find(|c| c.is_open()).map(|c| c.year))
        .or_else(|| cycles.first().map(|c| c.year));
    let choices = cycles
        .iter()
        .map(|c| CycleChoice {
            year: c.year,
            open: c.is_open(),
            selected: Some(c.year) == chosen,
        })
        .collect();
    Ok((chosen, choices))
}

#[derive(Deserialize)]
pub(crate) struct CloseForm {
    year: i32,
    /// Present once the administrator has confirmed on the confirmation page.
    confirm: Option<String>,
}

#[derive(Template, WebTemplate)]
#[template(path = "cycles/close_confirm.html")]
struct ConfirmPage {
    t: Tr,
    user: Option<User>,
    csrf: String,
    year: i32,
}

/// `POST /admin/cycles/close`: the first post shows what closing means and asks to confirm; the
/// confirmed post closes the cycle and returns to `/admin`.
pub(crate) async fn close_cycle(
    State(app): State<Arc<App>>,
    DepartmentStaff { ctx, .. }: DepartmentStaff<Administrators>,
    Form(form): Form<CloseForm>,
) -> Result<Response, WebError> {
    if form.confirm.as_deref() != Some("yes") {
        return Ok(ConfirmPage {
            t: ctx.t,
            user: ctx.user.clone(),
            csrf: ctx.csrf.clone(),
            year: form.year,
        }
        .into_response());
    }
    match app.store.close_cycle(&ctx.stamp(), form.year).await {
        Ok(_) => Ok(Redirect::to(&format!("/admin?cycle={}&closed=1", form.year)).into_response()),
        Err(probity_store::StoreError::Conflict(m)) => {
            Err(WebError::BadRequest(ctx.t, ctx.t.refusal(&m)))
        }
        Err(e) => Err(WebError::internal(ctx.t, e)),
    }
}
