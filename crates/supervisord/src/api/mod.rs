//! The JSON API, `/api/v1`: another translator over the owner's typed API
//! ([`crate::owner::Owner`]), beside XML-RPC and the web page. It decides nothing about
//! processes: each endpoint reads its request, makes the owner call `supervisorctl` would
//! make over XML-RPC, and writes the answer as JSON (`openapi.json` documents every shape).
//!
//! | Endpoint | Owner call |
//! |---|---|
//! | `GET /api/v1/state` | `state` (+ versions) |
//! | `GET /api/v1/processes[/{namespec}]` | `with_processes` / `process` |
//! | `GET /api/v1/config` | `config` |
//! | `POST /api/v1/processes/{namespec}/start\|stop\|restart` | `start_*` / `stop_*` / `restart_process` |
//! | `POST /api/v1/processes/{namespec}/signal\|stdin\|clear` | `signal_*` / `send_stdin` / `clear_*` |
//! | `GET /api/v1/processes/{namespec}/log[/follow]` | `read_log_slice` / `log_path` + a follower |
//! | `POST /api/v1/reread`, `POST /api/v1/update` | `reread` / `update` |
//! | `GET /api/v1/openapi.json` | (the document) |
//!
//! `/api/v1/events` (the event stream) is routed before this module by [`crate::http`].
//! Auth is checked before anything here (a JSON 401, see [`unauthorized`]); then the route
//! (JSON 404), the method (JSON 405 with `Allow`), for actions the forgery guard and the
//! bounded body (`request.rs`), and the namespec (`target.rs`). Every error is
//! `{"error": {"code", "message"}}` (`errors.rs`).

mod daemon;
mod errors;
mod json;
mod logs;
mod processes;
mod request;
mod route;
mod target;

use axum::extract::Request;
use axum::http::{HeaderValue, Method, StatusCode};
use axum::response::Response;

use crate::http::AppState;
pub use errors::unauthorized;
use errors::Failure;
use route::{Endpoint, Verb, PREFIX};
use target::Target;

/// Whether `path` (as requested) belongs to the JSON API.
pub fn is_api(path: &str) -> bool {
    path.strip_prefix(PREFIX)
        .is_some_and(|rest| rest.is_empty() || rest.starts_with('/'))
}

/// Answers a request under `/api/v1` (auth already checked). `_path` is the decoded path the
/// router matched on; routing here reads the raw one, so an encoded `/` stays in its segment.
pub async fn handle(state: &AppState, req: Request, _path: &str) -> Response {
    match dispatch(state, req).await {
        Ok(response) => response,
        Err(failure) => failure.into_response(),
    }
}

async fn dispatch(state: &AppState, req: Request) -> Result<Response, Failure> {
    let Some(endpoint) = Endpoint::find(req.uri().path()) else {
        return Err(Failure::new(
            StatusCode::NOT_FOUND,
            "NOT_FOUND",
            "no such endpoint; GET /api/v1/openapi.json lists them",
        ));
    };
    let method = req.method();
    let allowed = match endpoint.verb() {
        Verb::Read => method == Method::GET || method == Method::HEAD,
        Verb::Act => method == Method::POST,
    };
    if !allowed {
        return Err(not_allowed(endpoint.verb(), method));
    }
    let owner = &state.owner;
    let query = req.uri().query().map(str::to_string);
    let query = query.as_deref();
    if endpoint.verb() == Verb::Act {
        request::guard(req.headers())?;
    }
    let read_only = |q: Option<&str>| request::Query::parse(q, &[]).map(drop);
    match endpoint {
        Endpoint::OpenApi => {
            read_only(query)?;
            Ok(daemon::openapi())
        }
        Endpoint::State => {
            read_only(query)?;
            daemon::state(owner).await
        }
        Endpoint::Config => {
            read_only(query)?;
            daemon::config(owner).await
        }
        Endpoint::Processes => {
            read_only(query)?;
            processes::list(owner).await
        }
        Endpoint::Process(spec) => {
            read_only(query)?;
            processes::show(owner, Target::parse(&spec)?).await
        }
        Endpoint::Log(spec) => logs::read(owner, Target::parse(&spec)?, query).await,
        Endpoint::Follow(spec) => logs::follow(owner, Target::parse(&spec)?, query).await,
        Endpoint::Act(spec, action) => {
            let (parts, body) = req.into_parts();
            let body = request::read_body(&parts.headers, body).await?;
            let target = Target::parse(&spec)?;
            processes::act(owner, target, action, query, &body).await
        }
        Endpoint::Reread | Endpoint::Update => {
            read_only(query)?;
            let (parts, body) = req.into_parts();
            let body = request::read_body(&parts.headers, body).await?;
            if endpoint == Endpoint::Reread {
                daemon::reread(owner, &body).await
            } else {
                daemon::update(owner, &body).await
            }
        }
    }
}

/// `405` naming the method the endpoint answers.
fn not_allowed(verb: Verb, method: &Method) -> Failure {
    let allow = match verb {
        Verb::Read => "GET, HEAD",
        Verb::Act => "POST",
    };
    Failure::new(
        StatusCode::METHOD_NOT_ALLOWED,
        "METHOD_NOT_ALLOWED",
        format!("{method} is not allowed here; use {allow}"),
    )
    .with_allow(HeaderValue::from_static(allow))
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::header;

    #[test]
    fn the_api_is_its_prefix_and_below() {
        assert!(is_api("/api/v1"));
        assert!(is_api("/api/v1/state"));
        assert!(!is_api("/api/v10"));
        assert!(!is_api("/api"));
        assert!(!is_api("/RPC2"));
    }

    #[test]
    fn wrong_methods_name_the_right_one() {
        let f = not_allowed(Verb::Act, &Method::GET);
        assert_eq!(f.status, StatusCode::METHOD_NOT_ALLOWED);
        let r = f.into_response();
        assert_eq!(r.headers()[header::ALLOW], "POST");
    }
}
