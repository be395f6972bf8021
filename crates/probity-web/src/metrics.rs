//! What an operator watches: `GET /metrics` in the Prometheus (OpenMetrics) text format.
//!
//! Labels hold routes as declared (`/cases/{id}`, never the id), methods, statuses and outcomes:
//! no names, identity numbers or usernames. The endpoint answers only a scraper that presents
//! the configured token (`probity serve --metrics-token`); without one configured it is closed.

use std::time::Instant;

use axum::extract::{MatchedPath, Request, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::{Histogram, exponential_buckets};
use prometheus_client::registry::Registry;

use crate::Shared;

/// A request as counted: the route's pattern, the method and the status.
#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct RequestLabels {
    method: String,
    route: String,
    status: u16,
}

/// A route's pattern and method, for latencies.
#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct RouteLabels {
    method: String,
    route: String,
}

/// How something ended (`done`, `failed`).
#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct OutcomeLabels {
    outcome: String,
}

/// The database pool's connections by state (`idle`, `busy`).
#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct PoolLabels {
    state: String,
}

type Latencies = Family<RouteLabels, Histogram, fn() -> Histogram>;

fn latency_histogram() -> Histogram {
    // 1 ms to about 16 s.
    Histogram::new(exponential_buckets(0.001, 2.0, 15))
}

fn run_histogram() -> Histogram {
    // 1 s to about 2 h.
    Histogram::new(exponential_buckets(1.0, 2.0, 13))
}

/// The server's metrics.
pub struct Metrics {
    registry: Registry,
    requests: Family<RequestLabels, Counter>,
    latency: Latencies,
    sign_in_failures: Counter,
    runs: Family<OutcomeLabels, Counter>,
    run_seconds: Histogram,
    pool: Family<PoolLabels, Gauge>,
}

impl std::fmt::Debug for Metrics {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Metrics").finish_non_exhaustive()
    }
}

impl Default for Metrics {
    fn default() -> Metrics {
        let mut registry = Registry::with_prefix("probity");
        let requests = Family::<RequestLabels, Counter>::default();
        registry.register(
            "http_requests",
            "Requests answered, by route, method and status",
            requests.clone(),
        );
        let latency = Latencies::new_with_constructor(latency_histogram);
        registry.register(
            "http_request_duration_seconds",
            "Time to answer a request, by route and method",
            latency.clone(),
        );
        let sign_in_failures = Counter::default();
        registry.register(
            "sign_in_failures",
            "Sign-ins refused (a wrong password or code, a locked account)",
            sign_in_failures.clone(),
        );
        let runs = Family::<OutcomeLabels, Counter>::default();
        registry.register(
            "verification_runs",
            "Verification runs started from the web, by outcome",
            runs.clone(),
        );
        let run_seconds = run_histogram();
        registry.register(
            "verification_run_duration_seconds",
            "How long verification runs started from the web took",
            run_seconds.clone(),
        );
        let pool = Family::<PoolLabels, Gauge>::default();
        registry.register(
            "db_connections",
            "The database pool's connections, by state",
            pool.clone(),
        );
        Metrics {
            registry,
            requests,
            latency,
            sign_in_failures,
            runs,
            run_seconds,
            pool,
        }
    }
}

impl Metrics {
    /// A refused sign-in.
    pub fn sign_in_failed(&self) {
        self.sign_in_failures.inc();
    }

    /// A verification run ended (`ok` or not) after `seconds`.
    pub fn run_ended(&self, ok: bool, seconds: f64) {
        let outcome = if ok { "done" } else { "failed" };
        self.runs
            .get_or_create(&OutcomeLabels {
                outcome: outcome.into(),
            })
            .inc();
        self.run_seconds.observe(seconds);
    }

    /// The text a scraper reads.
    fn encode(&self, pool_size: u32, pool_idle: usize) -> Result<String, std::fmt::Error> {
        let idle = i64::try_from(pool_idle).unwrap_or(i64::MAX);
        self.pool
            .get_or_create(&PoolLabels {
                state: "idle".into(),
            })
            .set(idle);
        self.pool
            .get_or_create(&PoolLabels {
                state: "busy".into(),
            })
            .set(i64::from(pool_size).saturating_sub(idle));
        let mut text = String::new();
        prometheus_client::encoding::text::encode(&mut text, &self.registry)?;
        Ok(text)
    }
}

/// The middleware that counts and times every request by its route's pattern.
pub async fn record(State(app): State<Shared>, request: Request, next: Next) -> Response {
    let started = Instant::now();
    let method = request.method().as_str().to_owned();
    let route = request
        .extensions()
        .get::<MatchedPath>()
        .map_or_else(|| "unmatched".to_owned(), |p| p.as_str().to_owned());
    let response = next.run(request).await;
    let m = &app.metrics;
    m.requests
        .get_or_create(&RequestLabels {
            method: method.clone(),
            route: route.clone(),
            status: response.status().as_u16(),
        })
        .inc();
    m.latency
        .get_or_create(&RouteLabels { method, route })
        .observe(started.elapsed().as_secs_f64());
    response
}

/// `GET /metrics`: for a scraper with the configured token (`Authorization: Bearer …`); 403
/// otherwise, and always when no token is configured.
pub(crate) async fn metrics(State(app): State<Shared>, headers: HeaderMap) -> Response {
    let given = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "));
    let allowed = match (&app.metrics_token, given) {
        (Some(token), Some(given)) => crate::auth::equal_secrets(token, given),
        _ => false,
    };
    if !allowed {
        return StatusCode::FORBIDDEN.into_response();
    }
    let (size, idle) = app.store.pool_connections();
    match app.metrics.encode(size, idle) {
        Ok(text) => (
            [(
                header::CONTENT_TYPE,
                "application/openmetrics-text; version=1.0.0; charset=utf-8",
            )],
            text,
        )
            .into_response(),
        Err(_) => StatusCode::INTERNAL_SERVER_ERROR.into_response(),
    }
}
