//! A strict, bounded XML-RPC codec with Supervisor's fault codes.
//!
//! - [`Value`] is one XML-RPC value; [`Struct`] keeps members in document order like a Python
//!   dict.
//! - [`decode`] reads request bodies ([`decode_call`]) and response bodies
//!   ([`decode_method_response`]) under [`Limits`], refusing DTDs, undefined entities, invalid
//!   UTF-8, oversize bodies and deep nesting with a [`DecodeError`] that carries a byte offset.
//! - [`encode`] writes responses, faults and calls exactly as Python's `xmlrpc.client.dumps`
//!   does, from a [`Value`] or streamed through [`ValueWriter`] without building one. Text
//!   that XML cannot carry is replaced by U+FFFD so the output is always well-formed (spec
//!   Q32; see the module docs).
//! - [`fault`] holds Supervisor's [`FaultCode`]s and the [`Fault`] type.
//! - [`client`] is what a client needs: [`encode_call`] and [`decode_response`].
//!
//! No HTTP and no I/O: callers move the bytes.

#![forbid(unsafe_code)]

pub mod client;
pub mod decode;
pub mod encode;
pub mod fault;
pub mod value;

pub use client::{decode_response, decode_response_with, ResponseError};
pub use decode::{
    decode_call, decode_call_with, decode_method_response, decode_method_response_with,
    DecodeError, DecodeErrorKind, Limits, MethodCall, MethodResponse,
};
pub use encode::{
    encode_call, encode_fault, encode_response, response_with, write_call, write_fault,
    write_response, write_response_with, ArrayWriter, StructWriter, ValueWriter, Written,
};
pub use fault::{fault_name, Fault, FaultCode};
pub use value::{DateTime, InvalidDateTime, Struct, Value};
