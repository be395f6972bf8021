//! One log line per request: method, the route's pattern (`/cases/{id}`, never the path asked,
//! which may hold a report's or a case's id), status, latency and a request id, also returned to
//! the client as `x-request-id` so that a complaint can be matched with its line.
//!
//! Nothing else of the request is logged: no query, no form, no cookie, no username, no address.
//! The lines go through `tracing` (target `probity::request`); the binary chooses where they go
//! and in which format (`RUST_LOG`, `--log-format`).

use std::hash::{BuildHasher, Hasher};
use std::sync::LazyLock;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Instant;

use axum::extract::{MatchedPath, Request};
use axum::http::HeaderValue;
use axum::middleware::Next;
use axum::response::Response;
use tracing::Instrument;

/// The response header carrying the request id.
pub const REQUEST_ID_HEADER: &str = "x-request-id";

/// A prefix drawn once per process, so that ids from several servers do not collide.
static PROCESS: LazyLock<u64> = LazyLock::new(|| {
    std::collections::hash_map::RandomState::new()
        .build_hasher()
        .finish()
});

static NEXT: AtomicU64 = AtomicU64::new(1);

/// A new request id: the process's prefix and a counter, in hex.
pub fn request_id() -> String {
    let n = NEXT.fetch_add(1, Ordering::Relaxed);
    format!("{:08x}-{n:x}", *PROCESS & 0xffff_ffff)
}

/// The middleware: logs the request once answered, inside a span carrying its id (so that an
/// error logged while handling it names the same id).
pub async fn record(request: Request, next: Next) -> Response {
    let started = Instant::now();
    let id = request_id();
    let method = request.method().as_str().to_owned();
    let route = request
        .extensions()
        .get::<MatchedPath>()
        .map_or_else(|| "unmatched".to_owned(), |p| p.as_str().to_owned());
    let span = tracing::info_span!("request", request_id = %id);
    let mut response = next.run(request).instrument(span.clone()).await;
    let status = response.status().as_u16();
    // Milliseconds to a tenth: a number in JSON.
    let latency_ms = (started.elapsed().as_secs_f64() * 10_000.0).round() / 10.0;
    span.in_scope(|| {
        tracing::info!(
            target: "probity::request",
            method = %method,
            route = %route,
            status,
            latency_ms,
            "request"
        );
    });
    if let Ok(value) = HeaderValue::from_str(&id) {
        response.headers_mut().insert(REQUEST_ID_HEADER, value);
    }
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn request_ids_differ() {
        let (a, b) = (request_id(), request_id());
        assert_ne!(a, b);
        assert_eq!(a.split('-').next(), b.split('-').next());
    }
}
