//! `/logtail/NAME[/CHANNEL]` and `/mainlogtail`: a log file followed like `tail -f` over HTTP
//! (spec §6.7), which supervisorctl's `tail -f`, `maintail -f` and `fg` read.
//!
//! The body starts with the last 1 KiB of the file and then carries whatever is appended, as
//! [`crate::logs::follow`] reads it (truncation announced, rotation followed). The response has
//! no length, so HTTP/1.1 clients get it chunked and HTTP/1.0 clients until the connection
//! closes; it ends only when the client goes away. A path that is missing or is not a regular
//! file (a FIFO, a directory, a device) is 404, Supervisor's answer for a log it cannot follow.

use std::path::PathBuf;

use axum::http::{header, HeaderValue, StatusCode};
use axum::response::Response;

use super::error_response;
use crate::logs::follow::Follower;

/// How much of the file is sent first.
const HEAD: u64 = 1024;

/// An HTTP date (RFC 1123, GMT) for `Last-Modified`.
fn http_date(epoch: i64) -> String {
    jiff::Timestamp::from_second(epoch)
        .unwrap_or(jiff::Timestamp::UNIX_EPOCH)
        .strftime("%a, %d %b %Y %H:%M:%S GMT")
        .to_string()
}

/// The streaming response for `path`, or 404 when there is no such file (a process that
/// never ran, or no log configured: a temporary condition, as Supervisor words it) or it is
/// not a regular file.
pub fn tail_response(path: Option<PathBuf>, accel_header: bool) -> Response {
    let Some(path) = path else {
        return error_response(StatusCode::NOT_FOUND);
    };
    let Ok(follower) = Follower::from_tail(path, HEAD) else {
        return error_response(StatusCode::NOT_FOUND);
    };
    stream_response(follower, accel_header)
}

/// The endless `text/plain` response carrying what `follower` reads (also the JSON API's
/// `…/log/follow`).
pub fn stream_response(follower: Follower, accel_header: bool) -> Response {
    let mtime = follower.mtime().unwrap_or(0);
    let mut response = Response::new(follower.into_body());
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/plain;charset=utf-8"),
    );
    // A log is the programs' text, never a page: a browser must not sniff it into HTML.
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    if let Ok(v) = HeaderValue::from_str(&http_date(mtime)) {
        headers.insert(header::LAST_MODIFIED, v);
    }
    if accel_header {
        // Tells a reverse proxy (nginx) not to buffer the stream.
        headers.insert("x-accel-buffering", HeaderValue::from_static("no"));
    }
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn http_dates_are_rfc_1123() {
        assert_eq!(http_date(0), "Thu, 01 Jan 1970 00:00:00 GMT");
    }

    #[test]
    fn missing_and_non_regular_files_are_404() {
        let dir = tempfile::tempdir().unwrap();
        for path in [
            None,
            Some(dir.path().join("nope")),
            Some(dir.path().to_path_buf()),
            Some(PathBuf::from("/dev/zero")),
        ] {
            assert_eq!(
                tail_response(path.clone(), true).status(),
                StatusCode::NOT_FOUND,
                "{path:?}"
            );
        }
    }
}
