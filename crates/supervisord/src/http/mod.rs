//! The HTTP side: listeners on unix sockets and TCP, Basic auth, and routing to the XML-RPC
//! handler (and, later, the web UI and log tails). Handlers never touch process state directly:
//! they send commands to the owner task through [`crate::owner::Handle`].

pub mod auth;
pub mod listen;
mod response;

use std::sync::Arc;

use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{header, Method, StatusCode};
use axum::response::Response;
use axum::Router;
use http_body_util::BodyExt;

use crate::owner::Handle;
use auth::{Credentials, Verdict};
pub use response::{error_response, xml as xml_response};

/// The largest request body we accept: Supervisor's largest legitimate requests (sendProcessStdin,
/// multicall batches) are far smaller; anything bigger is refused before it is buffered.
pub const MAX_BODY: usize = 2 * 1024 * 1024;

/// What every request handler of one listener needs.
#[derive(Clone)]
pub struct AppState {
    /// The owner task.
    pub owner: Handle,
    /// The credentials this listener requires, if any.
    pub credentials: Option<Arc<Credentials>>,
}

/// Builds the router for one listener.
pub fn router(state: AppState) -> Router {
    Router::new().fallback(dispatch).with_state(state)
}

/// Routes a request the way Supervisor's medusa handlers do (first match wins, by path prefix).
async fn dispatch(State(state): State<AppState>, req: Request) -> Response {
    if let Some(creds) = &state.credentials {
        let header = req
            .headers()
            .get(header::AUTHORIZATION)
            .map(|v| v.as_bytes());
        if creds.check(header) == Verdict::Denied {
            // Read (and drop) the body first: Python's xmlrpc client writes the whole request
            // before reading the answer and fails with a broken pipe if we close early.
            let _ = Limited::drain(req.into_body()).await;
            return response::unauthorized();
        }
    }
    let path = req.uri().path().to_string();
    if path.starts_with("/RPC2") {
        if req.method() != Method::POST {
            return error_response(StatusCode::BAD_REQUEST);
        }
        if !req.headers().contains_key(header::CONTENT_LENGTH) {
            return error_response(StatusCode::LENGTH_REQUIRED);
        }
        let body = match Limited::read(req.into_body()).await {
            Ok(body) => body,
            Err(status) => return error_response(status),
        };
        return crate::rpc::handle_http(&state.owner, body).await;
    }
    error_response(StatusCode::NOT_FOUND)
}

/// Reading request bodies with a size bound.
struct Limited;

impl Limited {
    /// Reads the whole body, refusing more than [`MAX_BODY`] bytes with 413.
    async fn read(body: Body) -> Result<bytes::Bytes, StatusCode> {
        let limited = http_body_util::Limited::new(body, MAX_BODY);
        match limited.collect().await {
            Ok(collected) => Ok(collected.to_bytes()),
            Err(err) if err.is::<http_body_util::LengthLimitError>() => {
                Err(StatusCode::PAYLOAD_TOO_LARGE)
            }
            Err(_) => Err(StatusCode::BAD_REQUEST),
        }
    }

    /// Consumes and discards up to [`MAX_BODY`] bytes of a body.
    async fn drain(body: Body) -> Result<(), StatusCode> {
        Self::read(body).await.map(drop)
    }
}
