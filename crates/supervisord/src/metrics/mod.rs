//! `GET /metrics`: the daemon and its processes in Prometheus's text format.
//!
//! A scrape is one owner job ([`Owner::metrics_snapshot`]: states, start times, exit statuses,
//! restart and output counters, event pool queues), then, on a blocking thread, one `/proc`
//! scan for the process trees of the running processes and the daemon itself
//! ([`crate::resources`]) and the rendering ([`families`], written with [`exposition`]). Nothing
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
use crate::logs::daemon_log;
use crate::owner::Owner;
use families::Scrape;
use supervisor_core::LogLevel;

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
    let text = match scrape(owner).await {
        Ok(text) => text,
        Err(e) => {
            if let ScrapeError::Worker(_) = e {
                daemon_log::log(LogLevel::Error, &e.to_string());
            }
            return error_response(StatusCode::SERVICE_UNAVAILABLE);
        }
    };
    let mut response = Response::new(Body::from(text));
    response
        .headers_mut()
        .insert(header::CONTENT_TYPE, HeaderValue::from_static(CONTENT_TYPE));
    response
}

/// Takes the snapshot, then reads the trees of its running processes and the daemon's own use
/// and renders the text on a blocking thread: the runtime's one thread, which also runs the
/// owner and the log captures, only waits.
async fn scrape(owner: &Owner) -> Result<String, ScrapeError> {
    let snapshot = owner
        .metrics_snapshot()
        .await
        .map_err(|_| ScrapeError::OwnerGone)?;
    let text = tokio::task::spawn_blocking(move || {
        let pids: Vec<u32> = snapshot.processes.iter().map(|p| p.pid).collect();
        families::render(&Scrape {
            snapshot: &snapshot,
            trees: &crate::resources::sample_now(&pids),
            daemon: crate::resources::own(),
        })
    })
    .await?;
    Ok(text)
}

/// Why a scrape got no text (answered 503: Prometheus retries at its next interval).
#[derive(Debug, thiserror::Error)]
enum ScrapeError {
    /// The owner is gone: the daemon is reloading or exiting, and this listener with it.
    #[error("supervisord is reloading or shutting down; the next scrape will be answered")]
    OwnerGone,
    /// The blocking task reading `/proc` and rendering panicked.
    #[error("/metrics: reading /proc or rendering failed (a bug, please report it): {0}")]
    Worker(#[from] tokio::task::JoinError),
}
