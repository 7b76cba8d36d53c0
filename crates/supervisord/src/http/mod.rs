//! The HTTP side: listeners on unix sockets and TCP, Basic auth, and routing to the XML-RPC
//! handler, the log tails, the JSON API ([`crate::api`]), the event stream, `/metrics` and the web UI. Handlers never touch process state: they call the
//! owner's typed API ([`crate::owner::Owner`]) and turn its answers into responses.
//!
//! Connections are served by hyper (through `axum::serve`): HTTP/1.0 and 1.1, keep-alive as
//! the client asks, chunked bodies for streams. What medusa adds on top is reproduced here:
//! its routing by path prefix, its error pages, the `Server` header, and 401 handling that
//! reads the request body first (Python's client writes it all before reading the answer).

pub mod auth;
pub mod event_stream;
pub mod listen;
mod response;
pub(crate) mod tail;
pub mod web;

use std::sync::Arc;

use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{header, HeaderValue, Method, StatusCode};
use axum::response::Response;
use axum::Router;
use http_body_util::BodyExt;

use crate::owner::{LogChannel, Owner};
use auth::{Credentials, Verdict};
pub use response::{error_response, xml as xml_response};

/// The largest request body we accept: Supervisor's largest legitimate requests
/// (`sendProcessStdin` data, multicall batches) are far smaller.
pub const MAX_BODY: usize = 2 * 1024 * 1024;

/// How much of a refused body (too large, or sent without credentials) is read and thrown
/// away so the client, which writes it all before reading, gets the answer instead of a
/// broken pipe. Past this the connection is simply closed.
pub const DRAIN_MAX: u64 = 64 * 1024 * 1024;

/// What every request handler of one listener needs.
#[derive(Clone)]
pub struct AppState {
    /// The owner's typed API.
    pub owner: Owner,
    /// The credentials this listener requires, if any.
    pub credentials: Option<Arc<Credentials>>,
    /// The XML-RPC namespaces the config serves.
    pub namespaces: Arc<crate::rpc::Namespaces>,
    /// Whether `/metrics` requires them too (`metrics_auth = false` opens it, and only it).
    pub metrics_auth: bool,
}

/// Builds the router for one listener.
pub fn router(state: AppState) -> Router {
    Router::new().fallback(dispatch).with_state(state)
}

/// Every response carries medusa's `Server` header (hyper adds `Date`).
async fn dispatch(State(state): State<AppState>, req: Request) -> Response {
    let mut response = route(&state, req).await;
    response
        .headers_mut()
        .insert(header::SERVER, HeaderValue::from_static("Medusa/1.12"));
    response
}

/// Routes a request the way Supervisor's medusa handlers do: auth first, then the first
/// handler whose path prefix matches (spec §4.2).
async fn route(state: &AppState, req: Request) -> Response {
    let open_metrics = !state.metrics_auth && req.uri().path() == crate::metrics::PATH;
    if let Some(creds) = state.credentials.as_ref().filter(|_| !open_metrics) {
        let header = req
            .headers()
            .get(header::AUTHORIZATION)
            .map(|v| v.as_bytes());
        if creds.check(header) == Verdict::Denied {
            let api = crate::api::is_api(req.uri().path());
            let drained = drain(req.into_body()).await;
            // The JSON API's clients get a JSON error; every other path keeps medusa's page.
            let mut response = if api {
                crate::api::unauthorized()
            } else {
                response::unauthorized()
            };
            if !drained {
                close(&mut response);
            }
            return response;
        }
    }
    let path = percent_decode(req.uri().path());
    if path == event_stream::PATH {
        return event_stream::handle(&state.owner, req).await;
    }
    if path.starts_with("/RPC2") {
        return rpc(state, req).await;
    }
    if path == crate::metrics::PATH {
        return crate::metrics::respond(&state.owner, req.method()).await;
    }
    if let Some(rest) = path.strip_prefix("/logtail") {
        if req.method() != Method::GET {
            return error_response(StatusCode::BAD_REQUEST);
        }
        return logtail(state, rest).await;
    }
    if path.starts_with("/mainlogtail") {
        if req.method() != Method::GET {
            return error_response(StatusCode::BAD_REQUEST);
        }
        return tail::tail_response(Owner::main_log_path(), false);
    }
    // The JSON API (`/api/v1/…`, issue 15); its event stream `/api/v1/events` is routed
    // before it.
    if crate::api::is_api(&path) {
        let path = path.into_owned();
        return crate::api::handle(state, req, &path).await;
    }
    // The web UI's pages (`/`, `/index.html`, `/tail.html`, `/ok.html`: GET or POST) and its
    // static files (`/stylesheets/…`, `/images/…`: GET/HEAD) are routed here, before the
    // catch-all below (spec §4.2 rows 4–5, §8).
    if web::handles(&path) {
        return web::handle(state, req).await;
    }
    if req.method() == Method::GET || req.method() == Method::HEAD {
        error_response(StatusCode::NOT_FOUND)
    } else {
        error_response(StatusCode::BAD_REQUEST)
    }
}

/// `/RPC2` (and, like Supervisor, any path starting with it: Q38).
async fn rpc(state: &AppState, req: Request) -> Response {
    if req.method() != Method::POST {
        return error_response(StatusCode::BAD_REQUEST);
    }
    let Some(length) = content_length(&req) else {
        let mut response = error_response(StatusCode::LENGTH_REQUIRED);
        close(&mut response);
        return response;
    };
    if length > MAX_BODY as u64 {
        let drained = length <= DRAIN_MAX && drain(req.into_body()).await;
        let mut response = error_response(StatusCode::PAYLOAD_TOO_LARGE);
        if !drained {
            close(&mut response);
        }
        return response;
    }
    let body = match http_body_util::Limited::new(req.into_body(), MAX_BODY)
        .collect()
        .await
    {
        Ok(collected) => collected.to_bytes(),
        // The client went away or sent less than it announced: nobody to answer.
        Err(_) => {
            let mut response = error_response(StatusCode::BAD_REQUEST);
            close(&mut response);
            return response;
        }
    };
    match crate::rpc::handle(&state.owner, &state.namespaces, &body).await {
        Ok(reply) => {
            let mut response = xml_response(reply.body);
            if reply.close {
                close(&mut response);
            }
            response
        }
        Err(crate::rpc::NotACall) => error_response(StatusCode::BAD_REQUEST),
    }
}

/// `/logtail/NAMESPEC[/CHANNEL]`; `rest` is the path after `/logtail`.
async fn logtail(state: &AppState, rest: &str) -> Response {
    let rest = rest.trim_start_matches('/');
    let (namespec, channel) = rest.split_once('/').unwrap_or((rest, "stdout"));
    let Some(channel) = LogChannel::parse(channel) else {
        return error_response(StatusCode::NOT_FOUND);
    };
    // One process only: a group (`g:*`, `g:`) names no log.
    let path = state.owner.log_path(namespec, channel).await.ok().flatten();
    tail::tail_response(path, true)
}

/// The declared body length; `None` without a (valid) `Content-Length` (medusa answers 411).
fn content_length(req: &Request) -> Option<u64> {
    req.headers()
        .get(header::CONTENT_LENGTH)?
        .to_str()
        .ok()?
        .trim()
        .parse()
        .ok()
}

/// Reads and discards a body of at most [`DRAIN_MAX`] bytes; `false` if it was larger or
/// the client went away (then the connection must be closed).
pub(crate) async fn drain(body: Body) -> bool {
    let mut body = body;
    let mut seen: u64 = 0;
    while let Some(frame) = body.frame().await {
        match frame {
            Ok(frame) => {
                if let Some(data) = frame.data_ref() {
                    seen += data.len() as u64;
                    if seen > DRAIN_MAX {
                        return false;
                    }
                }
            }
            Err(_) => return false,
        }
    }
    true
}

pub(crate) fn close(response: &mut Response) {
    response
        .headers_mut()
        .insert(header::CONNECTION, HeaderValue::from_static("close"));
}

/// Decodes `%XX` escapes (medusa unquotes the path before routing); invalid escapes and
/// non-UTF-8 results are kept as they are.
pub(crate) fn percent_decode(path: &str) -> std::borrow::Cow<'_, str> {
    if !path.contains('%') {
        return path.into();
    }
    let bytes = path.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = |b: u8| (b as char).to_digit(16);
        if bytes[i] == b'%' && i + 2 < bytes.len() {
            if let (Some(h), Some(l)) = (hex(bytes[i + 1]), hex(bytes[i + 2])) {
                out.push((h * 16 + l) as u8);
                i += 3;
                continue;
            }
        }
        out.push(bytes[i]);
        i += 1;
    }
    match String::from_utf8(out) {
        Ok(s) => s.into(),
        Err(_) => path.into(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percent_escapes_are_decoded() {
        assert_eq!(percent_decode("/logtail/grp%3Aa"), "/logtail/grp:a");
        assert_eq!(percent_decode("/a%2"), "/a%2");
        assert_eq!(percent_decode("/a%zz%41"), "/a%zzA");
        assert_eq!(percent_decode("/%ff"), "/%ff");
        assert_eq!(percent_decode("/plain"), "/plain");
    }
}
