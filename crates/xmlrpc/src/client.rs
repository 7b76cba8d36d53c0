//! A transport-agnostic client helper: build a call body, read a response body.
//!
//! The caller moves the bytes (HTTP over a unix socket or TCP); this module only turns a
//! method name and parameters into a request body and a response body into a value or a
//! fault.

use crate::decode::{decode_method_response_with, DecodeError, Limits, MethodResponse};
use crate::fault::Fault;
use crate::value::Value;

pub use crate::encode::encode_call;

/// Why a call did not produce a value.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum ResponseError {
    /// The server answered with a fault.
    #[error(transparent)]
    Fault(#[from] Fault),
    /// The response body is not a valid XML-RPC response.
    #[error("invalid XML-RPC response: {0}")]
    Protocol(#[from] DecodeError),
}

/// The value carried by a response body, or the fault it reports, using [`Limits::response`]
/// (which accepts the control characters Supervisor 4.3.0 sends raw in log data).
pub fn decode_response(body: &[u8]) -> Result<Value, ResponseError> {
    decode_response_with(body, &Limits::response())
}

/// [`decode_response`] with explicit limits.
pub fn decode_response_with(body: &[u8], limits: &Limits) -> Result<Value, ResponseError> {
    match decode_method_response_with(body, limits)? {
        MethodResponse::Success(v) => Ok(v),
        MethodResponse::Fault(f) => Err(ResponseError::Fault(f)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::encode::{encode_fault, encode_response};
    use crate::fault::FaultCode;

    #[test]
    fn value_fault_and_garbage() {
        let v = Value::array([Value::from("a"), Value::Int(1)]);
        assert_eq!(decode_response(&encode_response(&v)), Ok(v));
        let f = FaultCode::NotRunning.with_detail("cat");
        assert_eq!(
            decode_response(&encode_fault(&f)),
            Err(ResponseError::Fault(f))
        );
        let err = decode_response(b"<html>").unwrap_err();
        assert!(matches!(err, ResponseError::Protocol(_)), "{err:?}");
        assert!(err.to_string().starts_with("invalid XML-RPC response: "));
    }

    #[test]
    fn call_round_trips_through_the_server_decoder() {
        let body = encode_call(
            "supervisor.startProcess",
            &[Value::from("cat"), Value::Bool(true)],
        );
        let call = crate::decode::decode_call(&body).unwrap();
        assert_eq!(call.name, "supervisor.startProcess");
        assert_eq!(call.params, [Value::from("cat"), Value::Bool(true)]);
    }
}
