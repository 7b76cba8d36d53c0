//! `GET /metrics`: the daemon and its processes in Prometheus's text format.
//!
//! A scrape is one owner job ([`Owner::metrics_snapshot`]: states, start times, exit statuses,
//! restart and output counters, event pool queues), then one `/proc` scan on a blocking thread
//! for the process trees of the running processes and the daemon itself
//! ([`crate::resources`]), then rendering ([`families`], written with [`exposition`]). Nothing
//! is sampled in between: no timer exists for metrics, so an idle daemon never wakes up for
//! them, and a process that exits between the snapshot and the scan simply has no tree
//! numbers in that scrape.
//!
//! Authentication is the listener's, checked before routing, except when the server section
//! says `metrics_auth = false` (`crate::http::route`).

pub mod exposition;
pub mod families;

use axum::body::Body;
use axum::http::{header, HeaderValue, Method, StatusCode};
use axum::response::Response;

use crate::http::error_response;
use crate::owner::Owner;
use families::Scrape;

/// The path Prometheus scrapes.
pub const PATH: &str = "/metrics";

/// The text format's media type, version 0.0.4 (what every Prometheus server accepts).
const CONTENT_TYPE: &str = "text/plain; version=0.0.4; charset=utf-8";

/// Answers `/metrics`: GET (and HEAD, whose body hyper leaves out) renders a scrape; any other
/// method is 405.
pub async fn respond(owner: &Owner, method: &Method) -> Response {
    if method != Method::GET && method != Method::HEAD {
        let mut response = error_response(StatusCode::METHOD_NOT_ALLOWED);
        response
            .headers_mut()
            .insert(header::ALLOW, HeaderValue::from_static("GET, HEAD"));
        return response;
    }
    let Ok(text) = scrape(owner).await else {
        // The owner is gone: the daemon is reloading or exiting, and this listener with it.
        return error_response(StatusCode::SERVICE_UNAVAILABLE);
    };
    let mut response = Response::new(Body::from(text));
    response
        .headers_mut()
        .insert(header::CONTENT_TYPE, HeaderValue::from_static(CONTENT_TYPE));
    response
}

/// Takes the snapshot, reads the trees of its running processes and the daemon's own use, and
/// renders them.
async fn scrape(owner: &Owner) -> Result<String, crate::owner::ApiError> {
    let snapshot = owner.metrics_snapshot().await?;
    let pids: Vec<u32> = snapshot.processes.iter().map(|p| p.pid).collect();
    let count = pids.len();
    let (trees, daemon) = tokio::task::spawn_blocking(move || {
        (crate::resources::sample_now(&pids), crate::resources::own())
    })
    .await
    .unwrap_or_else(|_| (vec![None; count], None));
    Ok(families::render(&Scrape {
        snapshot: &snapshot,
        trees: &trees,
        daemon,
    }))
}
