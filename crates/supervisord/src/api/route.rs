//! The JSON API's routes: a request path under `/api/v1` → the [`Endpoint`] it names, and the
//! one method each endpoint answers.
//!
//! The path is split at `/` *before* its `%XX` escapes are decoded, so an encoded slash stays
//! inside its namespec segment (and is refused there as a bad name) instead of making a new
//! segment.

use std::borrow::Cow;

use crate::http::percent_decode;

/// The prefix of every JSON API path.
pub const PREFIX: &str = "/api/v1";

/// An action on processes (`POST /api/v1/processes/{namespec}/{action}`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    /// `start`.
    Start,
    /// `stop`.
    Stop,
    /// `restart`.
    Restart,
    /// `signal`.
    Signal,
    /// `stdin`.
    Stdin,
    /// `clear` (the log files).
    Clear,
}

/// The action a path segment names.
fn action(name: &str) -> Option<Action> {
    Some(match name {
        "start" => Action::Start,
        "stop" => Action::Stop,
        "restart" => Action::Restart,
        "signal" => Action::Signal,
        "stdin" => Action::Stdin,
        "clear" => Action::Clear,
        _ => return None,
    })
}

/// One of the API's endpoints; namespecs are the decoded segment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Endpoint {
    /// `GET /api/v1/openapi.json`.
    OpenApi,
    /// `GET /api/v1/state`.
    State,
    /// `GET /api/v1/config`.
    Config,
    /// `GET /api/v1/processes`.
    Processes,
    /// `GET /api/v1/processes/{namespec}`.
    Process(String),
    /// `POST /api/v1/processes/{namespec}/{action}`.
    Act(String, Action),
    /// `GET /api/v1/processes/{namespec}/log`.
    Log(String),
    /// `GET /api/v1/processes/{namespec}/log/follow`.
    Follow(String),
    /// `POST /api/v1/reread`.
    Reread,
    /// `POST /api/v1/update`.
    Update,
}

/// Whether an endpoint reads (GET, and HEAD like it) or acts (POST).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verb {
    /// GET or HEAD.
    Read,
    /// POST.
    Act,
}

impl Endpoint {
    /// The endpoint `path` names (the raw path, escapes still encoded), if any.
    pub fn find(path: &str) -> Option<Endpoint> {
        let rest = path.strip_prefix(PREFIX)?.strip_prefix('/')?;
        let segments: Vec<&str> = rest.split('/').collect();
        if segments.iter().any(|s| s.is_empty()) {
            return None;
        }
        let decoded = |s: &str| -> String {
            match percent_decode(s) {
                Cow::Borrowed(b) => b.to_string(),
                Cow::Owned(o) => o,
            }
        };
        Some(match segments.as_slice() {
            ["openapi.json"] => Endpoint::OpenApi,
            ["state"] => Endpoint::State,
            ["config"] => Endpoint::Config,
            ["processes"] => Endpoint::Processes,
            ["reread"] => Endpoint::Reread,
            ["update"] => Endpoint::Update,
            ["processes", spec] => Endpoint::Process(decoded(spec)),
            ["processes", spec, "log"] => Endpoint::Log(decoded(spec)),
            ["processes", spec, "log", "follow"] => Endpoint::Follow(decoded(spec)),
            ["processes", spec, name] => Endpoint::Act(decoded(spec), action(name)?),
            _ => return None,
        })
    }

    /// The method this endpoint answers.
    pub fn verb(&self) -> Verb {
        match self {
            Endpoint::Act(..) | Endpoint::Reread | Endpoint::Update => Verb::Act,
            _ => Verb::Read,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_name_endpoints() {
        let find = Endpoint::find;
        assert_eq!(find("/api/v1/state"), Some(Endpoint::State));
        assert_eq!(find("/api/v1/openapi.json"), Some(Endpoint::OpenApi));
        assert_eq!(
            find("/api/v1/processes/g:a"),
            Some(Endpoint::Process("g:a".into()))
        );
        assert_eq!(
            find("/api/v1/processes/g%3A*/stop"),
            Some(Endpoint::Act("g:*".into(), Action::Stop))
        );
        assert_eq!(
            find("/api/v1/processes/a/log/follow"),
            Some(Endpoint::Follow("a".into()))
        );
        assert_eq!(
            find("/api/v1/processes/a/log").map(|e| e.verb()),
            Some(Verb::Read)
        );
        assert_eq!(find("/api/v1/update").map(|e| e.verb()), Some(Verb::Act));
    }

    #[test]
    fn unknown_paths_name_nothing() {
        for path in [
            "/api/v1",
            "/api/v1/",
            "/api/v1/state/",
            "/api/v1/processes/",
            "/api/v1/processes/a/jump",
            "/api/v1/processes/a/log/x",
            "/api/v2/state",
            "/api/v1state",
        ] {
            assert_eq!(Endpoint::find(path), None, "{path}");
        }
    }

    #[test]
    fn an_encoded_slash_stays_in_its_segment() {
        assert_eq!(
            Endpoint::find("/api/v1/processes/..%2Fetc/start"),
            Some(Endpoint::Act("../etc".into(), Action::Start))
        );
    }
}
