//! The JSON API's errors: every refusal is `{"error": {"code", "message"}}` with a fitting
//! status, never a 500 and never an HTML page.
//!
//! Codes are Supervisor's fault names for what the owner refused (`BAD_NAME`, `NOT_RUNNING`…,
//! named by [`crate::rpc::fault_code`], the one mapping of [`ApiError`]s to faults) and
//! HTTP-level names for what never reached it (`BAD_REQUEST`, `FORBIDDEN`…).

use axum::http::{header, HeaderValue, StatusCode};
use axum::response::Response;
use serde::Serialize;
use supervisor_xmlrpc::FaultCode;

use super::json;
use crate::owner::ApiError;

/// Why a request was refused: the status, the code a client matches on, and a message that
/// says what to change.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Failure {
    /// The HTTP status.
    pub status: StatusCode,
    /// A fault name or an HTTP-level code (`BAD_REQUEST`).
    pub code: &'static str,
    /// What went wrong, for people.
    pub message: String,
    /// The `Allow` header of a 405.
    pub allow: Option<HeaderValue>,
}

/// `{"error": {...}}`.
#[derive(Serialize)]
struct Body<'a> {
    error: Inner<'a>,
}

#[derive(Serialize)]
struct Inner<'a> {
    code: &'a str,
    message: &'a str,
}

impl Failure {
    /// A failure with this status, code and message.
    pub fn new(status: StatusCode, code: &'static str, message: impl Into<String>) -> Failure {
        Failure {
            status,
            code,
            message: message.into(),
            allow: None,
        }
    }

    /// The same with an `Allow` header (for a 405).
    pub fn with_allow(mut self, allow: HeaderValue) -> Failure {
        self.allow = Some(allow);
        self
    }

    /// `400 BAD_REQUEST`: a malformed body, query or parameter.
    pub fn bad_request(message: impl Into<String>) -> Failure {
        Failure::new(StatusCode::BAD_REQUEST, "BAD_REQUEST", message)
    }

    /// `404 BAD_NAME`: a namespec that names nothing (or could never name anything).
    pub fn bad_name(message: impl Into<String>) -> Failure {
        Failure::new(StatusCode::NOT_FOUND, FaultCode::BadName.name(), message)
    }

    /// The JSON response.
    pub fn into_response(self) -> Response {
        let body = Body {
            error: Inner {
                code: self.code,
                message: &self.message,
            },
        };
        let mut response = json::response(self.status, &body);
        if let Some(allow) = self.allow {
            response.headers_mut().insert(header::ALLOW, allow);
        }
        response
    }
}

impl From<ApiError> for Failure {
    fn from(e: ApiError) -> Failure {
        let code = crate::rpc::fault_code(&e);
        Failure::new(status_of(code), code.name(), e.to_string())
    }
}

/// The status of a fault: the caller named something that does not exist (404), asked for
/// what the process's state forbids (409), sent bad arguments (400), or the daemon is going
/// away (503). Failures of the managed program or the host (a spawn error, an abnormal
/// termination, an I/O failure, a command that is not executable) are 502: the request was
/// valid, what it drove failed. A config on disk that does not load is 422.
pub fn status_of(code: FaultCode) -> StatusCode {
    match code {
        FaultCode::BadName | FaultCode::NoFile => StatusCode::NOT_FOUND,
        FaultCode::AlreadyStarted
        | FaultCode::NotRunning
        | FaultCode::StillRunning
        | FaultCode::AlreadyAdded => StatusCode::CONFLICT,
        FaultCode::ShutdownState => StatusCode::SERVICE_UNAVAILABLE,
        FaultCode::CantReread => StatusCode::UNPROCESSABLE_ENTITY,
        FaultCode::SpawnError
        | FaultCode::AbnormalTermination
        | FaultCode::Failed
        | FaultCode::NotExecutable => StatusCode::BAD_GATEWAY,
        _ => StatusCode::BAD_REQUEST,
    }
}

/// The 401 of `/api/v1/…`: a JSON body, with the same `WWW-Authenticate` challenge as every
/// other path (whose 401 stays medusa's page).
pub fn unauthorized() -> Response {
    let mut response = Failure::new(
        StatusCode::UNAUTHORIZED,
        "UNAUTHORIZED",
        "this server requires HTTP Basic credentials (the username and password of its \
         [unix_http_server] or [inet_http_server] section)",
    )
    .into_response();
    let headers = response.headers_mut();
    headers.insert(
        header::WWW_AUTHENTICATE,
        HeaderValue::from_static("Basic realm=\"default\""),
    );
    headers.insert(header::CONNECTION, HeaderValue::from_static("close"));
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn faults_get_fitting_statuses_and_their_names() {
        let f = Failure::from(ApiError::BadName("x".into()));
        assert_eq!((f.status, f.code), (StatusCode::NOT_FOUND, "BAD_NAME"));
        let f = Failure::from(ApiError::NotRunning("x".into()));
        assert_eq!((f.status, f.code), (StatusCode::CONFLICT, "NOT_RUNNING"));
        let f = Failure::from(ApiError::AlreadyStarted("x".into()));
        assert_eq!(
            (f.status, f.code),
            (StatusCode::CONFLICT, "ALREADY_STARTED")
        );
        let f = Failure::from(ApiError::BadSignal("X".into()));
        assert_eq!((f.status, f.code), (StatusCode::BAD_REQUEST, "BAD_SIGNAL"));
        let f = Failure::from(ApiError::ShuttingDown);
        assert_eq!(
            (f.status, f.code),
            (StatusCode::SERVICE_UNAVAILABLE, "SHUTDOWN_STATE")
        );
        let f = Failure::from(ApiError::SpawnError("x".into()));
        assert_eq!((f.status, f.code), (StatusCode::BAD_GATEWAY, "SPAWN_ERROR"));
    }

    #[test]
    fn no_fault_is_a_server_error_but_the_program_failures() {
        for fault in FaultCode::ALL {
            let status = status_of(fault);
            assert!(
                status.is_client_error()
                    || matches!(
                        status,
                        StatusCode::BAD_GATEWAY | StatusCode::SERVICE_UNAVAILABLE
                    ),
                "{fault:?} → {status}"
            );
        }
    }

    #[test]
    fn the_401_is_json_with_the_basic_challenge() {
        let r = unauthorized();
        assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
        assert_eq!(
            r.headers()[header::WWW_AUTHENTICATE],
            "Basic realm=\"default\""
        );
        assert_eq!(r.headers()[header::CONTENT_TYPE], "application/json");
    }
}
