//! `GET /api/v1/events`: supervisor events as Server-Sent Events (issue 15).
//!
//! One message per event the daemon publishes (every type the listener protocol knows, with the
//! payload's fields as JSON: see `wire.rs`), each with an increasing `id:`. The request says
//! what it wants:
//!
//! - `?types=PROCESS_STATE,TICK_5` — event type names, abstract ones included (`PROCESS_STATE`
//!   is every `PROCESS_STATE_*`), as in an event listener's `events=`; case does not matter.
//!   Without `types`, every type but the TICKs: a TICK costs the daemon a timer, so it is sent
//!   to those who ask for it (`TICK`, `TICK_5`…, or `EVENT` for everything).
//! - `Last-Event-ID: N` (what `EventSource` sends when it reconnects), or `?last_event_id=N`
//!   for a first connection that resumes: the events after `N` still in the journal come first,
//!   then new ones; if some are gone, a `reset` message says how many, then the stream goes on
//!   with the oldest kept. Without it, the stream starts with the next event.
//!
//! Bad input is a `400` with a JSON error (`{"error": {"code": "BAD_ARGUMENTS", "message"}}`):
//! an unknown type or parameter, an id that is not a number. Another method is a `405`.
//!
//! The stream is read in the connection's task; the owner only creates the subscription (see
//! `crate::events::Journal` for the bounds and ordering).

mod body;
mod wire;

use axum::extract::Request;
use axum::http::{header, HeaderValue, Method, StatusCode};
use axum::response::Response;
use supervisor_core::events::{EventType, Subscription};

use super::response::json_error;
use crate::owner::{ApiError, Owner};

/// The path this module serves.
pub const PATH: &str = "/api/v1/events";

/// What a request asks for.
#[derive(Debug, Clone, PartialEq, Eq)]
struct StreamRequest {
    types: Subscription,
    after: Option<u64>,
}

/// Why a request was refused; `Display` is the message sent back.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
enum BadRequest {
    /// A name in `types=` that is no event type.
    #[error("unknown event type {0:?}; known types: {known}", known = known_types())]
    UnknownType(String),
    /// A query parameter this endpoint does not take (a typo would otherwise be ignored).
    #[error("unknown parameter {0:?}; this endpoint takes types and last_event_id")]
    UnknownParameter(String),
    /// A `Last-Event-ID` (or `last_event_id`) that is not a number.
    #[error("{0} must be an event id (a number from a previous message's id: line), not {1:?}")]
    BadId(&'static str, String),
}

fn known_types() -> String {
    EventType::ALL.map(EventType::name).join(", ")
}

/// Every concrete type but the TICKs: what a request without `types` gets.
fn default_types() -> Subscription {
    Subscription::new(
        EventType::ALL
            .into_iter()
            .filter(|t| !t.is_abstract() && !t.is_a(EventType::Tick)),
    )
}

fn parse_id(what: &'static str, text: &str) -> Result<u64, BadRequest> {
    text.trim()
        .parse()
        .map_err(|_| BadRequest::BadId(what, text.to_string()))
}

/// Reads the query string and the `Last-Event-ID` header (which wins over the query, being what
/// a reconnecting `EventSource` says about where it is now).
fn parse(query: Option<&str>, last_event_id: Option<&[u8]>) -> Result<StreamRequest, BadRequest> {
    let mut types: Option<Vec<EventType>> = None;
    let mut after = None;
    for (key, value) in form_urlencoded::parse(query.unwrap_or_default().as_bytes()) {
        match &*key {
            "types" => {
                let list = types.get_or_insert_with(Vec::new);
                for name in value.split(',') {
                    let name = name.trim();
                    let kind = EventType::from_name(&name.to_ascii_uppercase())
                        .ok_or_else(|| BadRequest::UnknownType(name.to_string()))?;
                    list.push(kind);
                }
            }
            "last_event_id" => after = Some(parse_id("last_event_id", &value)?),
            other => return Err(BadRequest::UnknownParameter(other.to_string())),
        }
    }
    if let Some(header) = last_event_id {
        let text = String::from_utf8_lossy(header);
        after = Some(parse_id("Last-Event-ID", &text)?);
    }
    Ok(StreamRequest {
        types: types.map_or_else(default_types, Subscription::new),
        after,
    })
}

/// Answers `GET /api/v1/events` with the stream, or the error.
pub async fn handle(owner: &Owner, req: Request) -> Response {
    if req.method() != Method::GET {
        let mut response = json_error(
            StatusCode::METHOD_NOT_ALLOWED,
            "BAD_ARGUMENTS",
            &format!("{PATH} answers GET only, not {}", req.method()),
        );
        response
            .headers_mut()
            .insert(header::ALLOW, HeaderValue::from_static("GET"));
        return response;
    }
    let last_event_id = req
        .headers()
        .get("last-event-id")
        .map(HeaderValue::as_bytes);
    let request = match parse(req.uri().query(), last_event_id) {
        Ok(r) => r,
        Err(e) => return json_error(StatusCode::BAD_REQUEST, "BAD_ARGUMENTS", &e.to_string()),
    };
    // Nothing of the request is needed any more (and its body is not `Sync`).
    drop(req);
    let subscription = match owner.subscribe_events(request.after, request.types).await {
        Ok(s) => s,
        Err(e @ ApiError::ShuttingDown) => {
            return json_error(
                StatusCode::SERVICE_UNAVAILABLE,
                "SHUTDOWN_STATE",
                &e.to_string(),
            )
        }
        Err(e) => return json_error(StatusCode::INTERNAL_SERVER_ERROR, "FAILED", &e.to_string()),
    };
    let mut response = Response::new(body::body(subscription));
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/event-stream"),
    );
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-cache"));
    // Tells a reverse proxy (nginx) not to buffer the stream.
    headers.insert("x-accel-buffering", HeaderValue::from_static("no"));
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn types_accept_abstract_names_in_any_case() {
        let r = parse(Some("types=process_state,TICK_5"), None).unwrap();
        assert!(r.types.matches(EventType::ProcessStateRunning));
        assert!(r.types.matches(EventType::Tick5));
        assert!(!r.types.matches(EventType::Tick60));
        assert!(!r.types.matches(EventType::ProcessGroupAdded));
        assert_eq!(r.after, None);
        // Repeated parameters add up.
        let r = parse(Some("types=TICK_60&types=PROCESS_GROUP"), None).unwrap();
        assert!(
            r.types.matches(EventType::Tick60) && r.types.matches(EventType::ProcessGroupAdded)
        );
    }

    #[test]
    fn without_types_everything_but_ticks() {
        let r = parse(None, None).unwrap();
        assert!(EventType::ALL
            .into_iter()
            .filter(|t| !t.is_abstract())
            .all(|t| r.types.matches(t) != t.is_a(EventType::Tick)));
        let all = parse(Some("types=EVENT"), None).unwrap();
        assert!(all.types.matches(EventType::Tick3600));
    }

    #[test]
    fn the_header_wins_over_the_query() {
        assert_eq!(parse(Some("last_event_id=5"), None).unwrap().after, Some(5));
        assert_eq!(
            parse(Some("last_event_id=5"), Some(b"9")).unwrap().after,
            Some(9)
        );
    }

    #[test]
    fn bad_input_says_what_is_wrong() {
        let e = parse(Some("types=PROCESS_STATE,NOPE"), None).unwrap_err();
        assert_eq!(e, BadRequest::UnknownType("NOPE".into()));
        assert!(e
            .to_string()
            .starts_with("unknown event type \"NOPE\"; known types: EVENT, "));
        assert_eq!(
            parse(Some("types="), None).unwrap_err(),
            BadRequest::UnknownType(String::new())
        );
        assert_eq!(
            parse(Some("type=TICK_5"), None).unwrap_err(),
            BadRequest::UnknownParameter("type".into())
        );
        assert_eq!(
            parse(None, Some(b"abc")).unwrap_err().to_string(),
            "Last-Event-ID must be an event id (a number from a previous message's id: line), \
             not \"abc\""
        );
    }
}
