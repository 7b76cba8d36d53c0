//! The XML-RPC endpoint: decoding `/RPC2` requests, dispatching `supervisor.*` and `system.*`
//! methods, and encoding replies exactly as Supervisor does.
//!
//! A call is checked in Python's order: the method must exist (`UNKNOWN_METHOD`), the number
//! of arguments must fit (`INCORRECT_PARAMETERS`), then a `supervisor.*` method checks the
//! daemon's mood (`SHUTDOWN_STATE`) and its arguments' types. Methods run on the owner task
//! (through [`Handle::call`]); those that wait for a state change register a watcher there
//! and answer when it fires. Argument problems are `INCORRECT_PARAMETERS` faults, never HTTP
//! 500s (fix Q31).

mod args;
mod info;
mod methods;
mod stdin;
mod system;

use axum::http::{header, HeaderValue, StatusCode};
use axum::response::Response;
use bytes::Bytes;
use supervisor_xmlrpc::{
    decode_call, encode_fault, encode_response, DecodeErrorKind, Fault, FaultCode, Value,
};

use crate::http::error_response;
use crate::logs::{daemon_log, Level};
use crate::owner::Handle;

pub use args::Args;
pub use methods::API_VERSION;

/// The result of one method call.
pub type RpcResult = Result<Value, Fault>;

/// The most request data quoted in a log line about an invalid request.
const LOGGED_DATA_MAX: usize = 512;

/// Handles one `/RPC2` POST body and builds the HTTP response.
pub async fn handle_http(owner: &Handle, body: Bytes) -> Response {
    let call = match decode_call(&body) {
        Ok(call) => call,
        Err(err) => {
            let why = match err.kind() {
                DecodeErrorKind::NoMethodName => "no method name",
                _ => "unmarshallable",
            };
            let data = String::from_utf8_lossy(&body[..body.len().min(LOGGED_DATA_MAX)]);
            daemon_log::log(
                Level::Error,
                &format!("XML-RPC request data {data:?} is invalid: {why}"),
            );
            return error_response(StatusCode::BAD_REQUEST);
        }
    };
    crate::daemon_log!(Level::Trace, "XML-RPC method called: {}()", call.name);
    let result = if call.name == "supervisor.getAllProcessInfo" && call.params.is_empty() {
        // The status poll of every client: encoded on the owner without a value tree.
        methods::all_process_info_xml(owner).await
    } else {
        call_method(owner, &call.name, call.params)
            .await
            .map(|v| encode_response(&v))
    };
    let (bytes, shutting_down) = match result {
        Ok(bytes) => {
            crate::daemon_log!(
                Level::Trace,
                "XML-RPC method {}() returned successfully",
                call.name
            );
            (bytes, false)
        }
        Err(fault) => {
            crate::daemon_log!(
                Level::Trace,
                "XML-RPC method {}() returned fault: [{}] {}",
                call.name,
                fault.code,
                fault.string
            );
            let shutting_down = fault.code == FaultCode::ShutdownState.code();
            (encode_fault(&fault), shutting_down)
        }
    };
    let mut response = crate::http::xml_response(bytes);
    // After a reload this connection would keep talking to the old, stopped owner: end it so
    // the client reconnects to the new one.
    if shutting_down && owner.call(|_| ()).await.is_err() {
        response
            .headers_mut()
            .insert(header::CONNECTION, HeaderValue::from_static("close"));
    }
    response
}

/// Dispatches one call by name (used directly and by `system.multicall`).
pub async fn call_method(owner: &Handle, name: &str, params: Vec<Value>) -> RpcResult {
    let Some(doc) = system::find(name) else {
        return Err(FaultCode::UnknownMethod.fault());
    };
    let args = Args::new(params);
    args.arity(doc.min_params(), doc.max_params())?;
    match name.split_once('.') {
        Some(("system", method)) => system::call(owner, method, args).await,
        Some(("supervisor", method)) => methods::call(owner, method, args).await,
        _ => Err(FaultCode::UnknownMethod.fault()),
    }
}

/// Every public method name, sorted (what `system.listMethods` returns).
pub fn method_names() -> impl Iterator<Item = &'static str> {
    system::METHODS.iter().map(|m| m.name)
}
