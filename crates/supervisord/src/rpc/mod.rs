//! The XML-RPC endpoint: decoding `/RPC2` requests, dispatching `supervisor.*` and `system.*`
//! methods, and encoding replies exactly as Supervisor does.
//!
//! Methods run on the owner task (through [`Handle::call`]); those that wait for a state change
//! register a watcher there and answer when it fires. Argument problems are
//! `INCORRECT_PARAMETERS` faults, never HTTP 500s (fix Q31).

mod args;
mod info;
mod methods;
mod system;

use axum::http::StatusCode;
use axum::response::Response;
use bytes::Bytes;
use supervisor_xmlrpc::{
    decode_call, encode_fault, encode_response, DecodeErrorKind, Fault, FaultCode, Value,
};

use crate::http::error_response;
use crate::logs::{daemon_log, Level};
use crate::owner::Handle;

pub use args::Args;

/// The result of one method call.
pub type RpcResult = Result<Value, Fault>;

/// Handles one `/RPC2` POST body and builds the HTTP response.
pub async fn handle_http(owner: &Handle, body: Bytes) -> Response {
    let call = match decode_call(&body) {
        Ok(call) => call,
        Err(err) => {
            let why = match err.kind() {
                DecodeErrorKind::NoMethodName => "no method name",
                _ => "unmarshallable",
            };
            let data = String::from_utf8_lossy(&body[..body.len().min(512)]).into_owned();
            daemon_log::log(
                Level::Error,
                &format!("XML-RPC request data {data:?} is invalid: {why}"),
            );
            return error_response(StatusCode::BAD_REQUEST);
        }
    };
    daemon_log::log(
        Level::Trace,
        &format!("XML-RPC method called: {}()", call.name),
    );
    let bytes = match call_method(owner, &call.name, call.params).await {
        Ok(value) => encode_response(&value),
        Err(fault) => encode_fault(&fault),
    };
    crate::http::xml_response(bytes)
}

/// Dispatches one call by name (used directly and by `system.multicall`).
pub async fn call_method(owner: &Handle, name: &str, params: Vec<Value>) -> RpcResult {
    let args = Args::new(params);
    match name.split_once('.') {
        Some(("system", method)) => system::call(owner, method, args).await,
        Some(("supervisor", method)) if !method.contains('.') && !method.starts_with('_') => {
            methods::call(owner, method, args).await
        }
        _ => Err(FaultCode::UnknownMethod.fault()),
    }
}
