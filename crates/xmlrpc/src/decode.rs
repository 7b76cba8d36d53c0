//! The decoder: `<methodCall>` request bodies and `<methodResponse>` response bodies.
//!
//! Strict and bounded, so a hostile body is refused quickly with a typed error and a byte
//! offset, never a panic or a hang:
//! - the body size is capped before anything is parsed ([`Limits::max_body_bytes`]);
//! - arrays and structs may nest at most [`Limits::max_depth`] deep; the parser keeps its own
//!   stack and never recurses, so the check fires at the first element past the limit;
//! - `<!DOCTYPE` is refused outright, so no entity can be declared (billion laughs cannot
//!   start); only the five predefined entities and character references are decoded;
//! - the body must be UTF-8 (a declaration may only name UTF-8 or US-ASCII);
//! - characters XML 1.0 forbids are refused, like Python's expat does, unless
//!   [`Limits::allow_illegal_chars`] is set (see [`Limits::response`]).
//!
//! What is accepted follows Python: `<value>text</value>` with no type element is a string
//! (whitespace and all), scalars other than `<string>` allow surrounding whitespace, a call's
//! `<params>` may be missing, struct members repeat with dict semantics, namespace prefixes
//! on element names are ignored (`<ex:nil/>`), and so are attributes, comments and processing
//! instructions. Line ends in text are normalised (`\r\n` and `\r` become `\n`) as every XML
//! parser does; `&#13;` stays a carriage return. Unlike Python, anything else is an error
//! rather than silently skipped: unknown elements anywhere, text between structural
//! elements, a `<boolean>` other than `0`/`1`, an `<array>` without `<data>`, a response with
//! other than one param, an integer out of its type's range.

use std::borrow::Cow;

use base64::Engine as _;
use quick_xml::events::{BytesStart, Event};
use quick_xml::Reader;

use crate::encode::is_xml_char;
use crate::fault::Fault;
use crate::value::{DateTime, Struct, Value};

/// Bounds on what the decoder accepts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// The largest body accepted, in bytes.
    pub max_body_bytes: usize,
    /// How deeply arrays and structs may nest inside each other.
    pub max_depth: usize,
    /// Accept characters XML 1.0 forbids (C0 controls, U+FFFE, U+FFFF) in text instead of
    /// failing. Supervisor 4.3.0 sends them raw in log data (spec Q32), so a client that wants
    /// to read such responses where Python's client gives up sets this.
    pub allow_illegal_chars: bool,
}

impl Limits {
    /// The default request-body cap: 4 MiB, far above any real Supervisor call.
    pub const DEFAULT_MAX_BODY: usize = 4 * 1024 * 1024;
    /// The default nesting cap: 64 arrays/structs deep (real calls use at most 3).
    pub const DEFAULT_MAX_DEPTH: usize = 64;

    /// The limits for request bodies on the server: 4 MiB, depth 64, strict characters.
    pub const fn request() -> Limits {
        Limits {
            max_body_bytes: Limits::DEFAULT_MAX_BODY,
            max_depth: Limits::DEFAULT_MAX_DEPTH,
            allow_illegal_chars: false,
        }
    }

    /// The limits for response bodies on a client: 1 GiB (a whole 50 MB log read with
    /// `readProcessStdoutLog(name, 0, 0)` must fit), depth 64, and illegal characters accepted
    /// because Supervisor 4.3.0 sends them raw.
    pub const fn response() -> Limits {
        Limits {
            max_body_bytes: 1024 * 1024 * 1024,
            max_depth: Limits::DEFAULT_MAX_DEPTH,
            allow_illegal_chars: true,
        }
    }
}

impl Default for Limits {
    fn default() -> Limits {
        Limits::request()
    }
}

/// A decoded `<methodCall>`.
#[derive(Debug, Clone, PartialEq)]
pub struct MethodCall {
    /// The `<methodName>` text exactly as sent (never empty: see [`DecodeErrorKind::NoMethodName`]).
    pub name: String,
    /// The parameters; empty when `<params>` is missing.
    pub params: Vec<Value>,
}

/// A decoded `<methodResponse>`.
#[derive(Debug, Clone, PartialEq)]
pub enum MethodResponse {
    /// `<params>` with the single return value.
    Success(Value),
    /// `<fault>`.
    Fault(Fault),
}

/// Why a body was rejected, and where.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("{kind} at byte {offset}")]
pub struct DecodeError {
    kind: DecodeErrorKind,
    offset: usize,
}

impl DecodeError {
    fn new(kind: DecodeErrorKind, offset: usize) -> DecodeError {
        DecodeError { kind, offset }
    }

    /// What went wrong.
    pub fn kind(&self) -> &DecodeErrorKind {
        &self.kind
    }

    /// The byte offset in the body where the problem was found.
    pub fn offset(&self) -> usize {
        self.offset
    }
}

/// The kinds of [`DecodeError`].
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum DecodeErrorKind {
    /// The body is larger than [`Limits::max_body_bytes`].
    #[error("body of {size} bytes exceeds the limit of {limit} bytes")]
    TooLarge {
        /// The body's size.
        size: usize,
        /// The limit.
        limit: usize,
    },
    /// Arrays/structs nest deeper than [`Limits::max_depth`].
    #[error("arrays and structs nest deeper than {limit} levels")]
    TooDeep {
        /// The limit.
        limit: usize,
    },
    /// The body is not UTF-8.
    #[error("invalid UTF-8")]
    InvalidUtf8,
    /// The XML declaration names an encoding other than UTF-8 or US-ASCII.
    #[error("unsupported encoding {0:?}")]
    UnsupportedEncoding(String),
    /// A `<!DOCTYPE>`: refused so that no entity can be declared.
    #[error("DOCTYPE declarations are not allowed")]
    Doctype,
    /// An entity other than the five XML predefines.
    #[error("undefined entity &{0};")]
    UndefinedEntity(String),
    /// A character XML 1.0 forbids, raw or as a character reference.
    #[error("character U+{0:04X} is not allowed in XML")]
    IllegalChar(u32),
    /// The XML itself is not well-formed (the message is the XML parser's).
    #[error("malformed XML: {0}")]
    Xml(String),
    /// The document ended before its root element was closed (or had none).
    #[error("unexpected end of document")]
    UnexpectedEof,
    /// An element that XML-RPC does not allow at this place.
    #[error("unexpected element <{element}> in {context}")]
    UnexpectedElement {
        /// The element's name.
        element: String,
        /// Where it appeared: `<parent>` or `the document`.
        context: String,
    },
    /// Non-whitespace text where only elements may appear.
    #[error("unexpected text in {0}")]
    UnexpectedText(String),
    /// A required child element is missing.
    #[error("missing <{missing}> in <{parent}>")]
    MissingElement {
        /// The missing element.
        missing: &'static str,
        /// Its would-be parent.
        parent: &'static str,
    },
    /// A scalar whose text is not a valid value of its type.
    #[error("invalid <{ty}> value {text:?}")]
    InvalidScalar {
        /// The type element, e.g. `int`.
        ty: &'static str,
        /// The offending text (cut to 64 characters).
        text: String,
    },
    /// The root is `<methodResponse>` where a call was expected, or the other way round.
    #[error("expected <{expected}>, found <{found}>")]
    WrongRoot {
        /// The expected root element.
        expected: &'static str,
        /// The root element found.
        found: &'static str,
    },
    /// A response's `<params>` holds other than exactly one `<param>`.
    #[error("a response must hold exactly one param, found {0}")]
    ResponseParamCount(usize),
    /// A `<fault>` value that is not `{faultCode: int, faultString: string}`.
    #[error("invalid fault: {0}")]
    InvalidFault(&'static str),
    /// A call without `<methodName>` or with an empty one. Supervisor answers this with HTTP
    /// 400 and logs `... is invalid: no method name`, unlike other errors (`unmarshallable`);
    /// it is reported only when the rest of the body is valid, as Python does.
    #[error("no method name")]
    NoMethodName,
}

/// Decodes a request body with [`Limits::request`].
pub fn decode_call(body: &[u8]) -> Result<MethodCall, DecodeError> {
    decode_call_with(body, &Limits::request())
}

/// Decodes a request body.
pub fn decode_call_with(body: &[u8], limits: &Limits) -> Result<MethodCall, DecodeError> {
    match parse(body, limits)? {
        Document::Call { name, params } => match name {
            Some(name) if !name.is_empty() => Ok(MethodCall { name, params }),
            _ => Err(DecodeError::new(DecodeErrorKind::NoMethodName, 0)),
        },
        Document::Response(_) => Err(DecodeError::new(
            DecodeErrorKind::WrongRoot {
                expected: "methodCall",
                found: "methodResponse",
            },
            0,
        )),
    }
}

/// Decodes a response body with [`Limits::response`].
pub fn decode_method_response(body: &[u8]) -> Result<MethodResponse, DecodeError> {
    decode_method_response_with(body, &Limits::response())
}

/// Decodes a response body.
pub fn decode_method_response_with(
    body: &[u8],
    limits: &Limits,
) -> Result<MethodResponse, DecodeError> {
    match parse(body, limits)? {
        Document::Response(r) => Ok(r),
        Document::Call { .. } => Err(DecodeError::new(
            DecodeErrorKind::WrongRoot {
                expected: "methodResponse",
                found: "methodCall",
            },
            0,
        )),
    }
}

enum Document {
    Call {
        name: Option<String>,
        params: Vec<Value>,
    },
    Response(MethodResponse),
}

/// The scalar type elements.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Scalar {
    Int,
    I8,
    Bool,
    String,
    Double,
    DateTime,
    Base64,
}

impl Scalar {
    fn tag(self) -> &'static str {
        match self {
            Scalar::Int => "int",
            Scalar::I8 => "i8",
            Scalar::Bool => "boolean",
            Scalar::String => "string",
            Scalar::Double => "double",
            Scalar::DateTime => "dateTime.iso8601",
            Scalar::Base64 => "base64",
        }
    }
}

/// One open element and what it has collected so far.
enum Frame {
    MethodCall {
        name: Option<String>,
        params: Option<Vec<Value>>,
    },
    MethodName,
    MethodResponse {
        body: Option<MethodResponse>,
    },
    /// `params` holds the values of the completed `<param>`s.
    Params {
        params: Vec<Value>,
    },
    Param {
        value: Option<Value>,
    },
    Fault {
        value: Option<Value>,
    },
    /// `<value>`; `child` is the typed child's result once it has closed.
    Value {
        child: Option<Value>,
        has_child: bool,
    },
    Scalar(Scalar),
    Nil,
    Array {
        items: Option<Vec<Value>>,
    },
    Data {
        items: Vec<Value>,
    },
    Struct {
        members: Vec<(String, Value)>,
    },
    Member {
        name: Option<String>,
        value: Option<Value>,
    },
    Name,
}

impl Frame {
    fn tag(&self) -> &'static str {
        match self {
            Frame::MethodCall { .. } => "methodCall",
            Frame::MethodName => "methodName",
            Frame::MethodResponse { .. } => "methodResponse",
            Frame::Params { .. } => "params",
            Frame::Param { .. } => "param",
            Frame::Fault { .. } => "fault",
            Frame::Value { .. } => "value",
            Frame::Scalar(s) => s.tag(),
            Frame::Nil => "nil",
            Frame::Array { .. } => "array",
            Frame::Data { .. } => "data",
            Frame::Struct { .. } => "struct",
            Frame::Member { .. } => "member",
            Frame::Name => "name",
        }
    }

    /// Whether this element's text is content (as opposed to whitespace between elements).
    fn takes_text(&self) -> bool {
        matches!(
            self,
            Frame::MethodName
                | Frame::Name
                | Frame::Scalar(_)
                | Frame::Value {
                    has_child: false,
                    ..
                }
        )
    }
}

struct Parser<'l> {
    limits: &'l Limits,
    frames: Vec<Frame>,
    /// Text of the innermost text-taking element, accumulated across text, references,
    /// CDATA sections and comments.
    text: String,
    /// Arrays and structs currently open.
    depth: usize,
    /// The start of the event being handled, for error offsets.
    pos: usize,
    root_seen: bool,
    document: Option<Document>,
}

fn parse(body: &[u8], limits: &Limits) -> Result<Document, DecodeError> {
    if body.len() > limits.max_body_bytes {
        return Err(DecodeError::new(
            DecodeErrorKind::TooLarge {
                size: body.len(),
                limit: limits.max_body_bytes,
            },
            limits.max_body_bytes,
        ));
    }
    let (body, base) = match body.strip_prefix(b"\xEF\xBB\xBF") {
        Some(rest) => (rest, 3),
        None => (body, 0),
    };
    let text = std::str::from_utf8(body)
        .map_err(|e| DecodeError::new(DecodeErrorKind::InvalidUtf8, base + e.valid_up_to()))?;
    let mut reader = Reader::from_str(text);
    let config = reader.config_mut();
    config.expand_empty_elements = true;
    config.check_end_names = true;
    config.check_comments = true;
    config.trim_text(false);

    let mut p = Parser {
        limits,
        frames: Vec::new(),
        text: String::new(),
        depth: 0,
        pos: base,
        root_seen: false,
        document: None,
    };
    let mut first = true;
    loop {
        p.pos = base + reader.buffer_position() as usize;
        let event = reader.read_event().map_err(|e| {
            DecodeError::new(
                DecodeErrorKind::Xml(e.to_string()),
                base + reader.error_position() as usize,
            )
        })?;
        match event {
            Event::Decl(decl) => {
                if !first {
                    return Err(p.err(DecodeErrorKind::Xml(
                        "XML declaration not at the start of the document".into(),
                    )));
                }
                p.check_decl(&decl)?;
            }
            Event::Start(start) => {
                p.check_attributes(&start)?;
                let name = start.local_name();
                p.start(name.as_ref())?;
            }
            Event::Empty(start) => {
                // Not produced with `expand_empty_elements`, handled for completeness.
                p.check_attributes(&start)?;
                let name = start.local_name();
                p.start(name.as_ref())?;
                p.end()?;
            }
            Event::End(_) => p.end()?,
            Event::Text(t) => {
                p.check_chars(&t)?;
                if t.contains("]]>") {
                    return Err(p.err(DecodeErrorKind::Xml("']]>' is not allowed in text".into())));
                }
                p.text(&t.xml10_content())?;
            }
            Event::CData(c) => {
                p.check_chars(&c)?;
                p.text(&c.xml10_content())?;
            }
            Event::GeneralRef(r) => {
                let c = match r.resolve_char_ref() {
                    Ok(Some(c)) => c,
                    Ok(None) => match &*r {
                        "amp" => '&',
                        "lt" => '<',
                        "gt" => '>',
                        "quot" => '"',
                        "apos" => '\'',
                        other => {
                            return Err(p.err(DecodeErrorKind::UndefinedEntity(truncate(other))))
                        }
                    },
                    Err(e) => return Err(p.err(DecodeErrorKind::Xml(e.to_string()))),
                };
                if !is_xml_char(c) && !limits.allow_illegal_chars {
                    return Err(p.err(DecodeErrorKind::IllegalChar(c as u32)));
                }
                p.text(c.encode_utf8(&mut [0; 4]))?;
            }
            Event::Comment(c) => p.check_chars(&c)?,
            Event::PI(_) => {}
            Event::DocType(_) => return Err(p.err(DecodeErrorKind::Doctype)),
            Event::Eof => break,
        }
        first = false;
    }
    p.pos = base + text.len();
    if !p.frames.is_empty() {
        return Err(p.err(DecodeErrorKind::UnexpectedEof));
    }
    let eof = p.err(DecodeErrorKind::UnexpectedEof);
    p.document.ok_or(eof)
}

/// At most 64 characters of `s`, for error messages about arbitrarily long input.
fn truncate(s: &str) -> String {
    match s.char_indices().nth(64) {
        Some((i, _)) => format!("{}...", &s[..i]),
        None => s.to_owned(),
    }
}

fn is_xml_space(s: &str) -> bool {
    s.bytes().all(|b| matches!(b, b' ' | b'\t' | b'\n' | b'\r'))
}

fn trim_xml_space(s: &str) -> &str {
    s.trim_matches([' ', '\t', '\n', '\r'])
}

impl Parser<'_> {
    fn err(&self, kind: DecodeErrorKind) -> DecodeError {
        DecodeError::new(kind, self.pos)
    }

    fn check_decl(&self, decl: &quick_xml::events::BytesDecl<'_>) -> Result<(), DecodeError> {
        let version = decl
            .version()
            .map_err(|e| self.err(DecodeErrorKind::Xml(e.to_string())))?;
        if &*version != "1.0" {
            return Err(self.err(DecodeErrorKind::Xml(format!(
                "unsupported XML version {:?}",
                truncate(&version)
            ))));
        }
        if let Some(encoding) = decl.encoding() {
            let encoding = encoding.map_err(|e| self.err(DecodeErrorKind::Xml(e.to_string())))?;
            let known = ["utf-8", "utf8", "us-ascii", "ascii"]
                .iter()
                .any(|e| encoding.eq_ignore_ascii_case(e));
            if !known {
                return Err(self.err(DecodeErrorKind::UnsupportedEncoding(truncate(&encoding))));
            }
        }
        Ok(())
    }

    /// Attributes carry nothing in XML-RPC and are ignored, but must still be well-formed and
    /// may not use undefined entities.
    fn check_attributes(&self, start: &BytesStart<'_>) -> Result<(), DecodeError> {
        for attr in start.attributes() {
            let attr = attr.map_err(|e| self.err(DecodeErrorKind::Xml(e.to_string())))?;
            attr.normalized_value(quick_xml::XmlVersion::Explicit1_0)
                .map_err(|e| self.err(DecodeErrorKind::Xml(e.to_string())))?;
        }
        Ok(())
    }

    /// Refuses characters XML 1.0 forbids: C0 controls other than tab/LF/CR, U+FFFE, U+FFFF.
    fn check_chars(&self, s: &str) -> Result<(), DecodeError> {
        if self.limits.allow_illegal_chars {
            return Ok(());
        }
        let bytes = s.as_bytes();
        let bad = bytes.iter().enumerate().find_map(|(i, &b)| match b {
            b'\t' | b'\n' | b'\r' => None,
            0..0x20 => Some((i, u32::from(b))),
            0xEF if bytes[i + 1] == 0xBF && matches!(bytes[i + 2], 0xBE | 0xBF) => {
                Some((i, 0xFFFE + u32::from(bytes[i + 2] - 0xBE)))
            }
            _ => None,
        });
        match bad {
            Some((_, c)) => Err(self.err(DecodeErrorKind::IllegalChar(c))),
            None => Ok(()),
        }
    }

    fn context(&self) -> String {
        match self.frames.last() {
            Some(f) => format!("<{}>", f.tag()),
            None => "the document".to_owned(),
        }
    }

    fn text(&mut self, s: &str) -> Result<(), DecodeError> {
        match self.frames.last() {
            Some(f) if f.takes_text() => {
                self.text.push_str(s);
                Ok(())
            }
            _ if is_xml_space(s) => Ok(()),
            _ => Err(self.err(DecodeErrorKind::UnexpectedText(self.context()))),
        }
    }

    fn unexpected(&self, element: &str) -> DecodeError {
        self.err(DecodeErrorKind::UnexpectedElement {
            element: truncate(element),
            context: self.context(),
        })
    }

    fn start(&mut self, name: &str) -> Result<(), DecodeError> {
        let frame = match self.frames.last_mut() {
            None => match name {
                _ if self.root_seen => return Err(self.unexpected(name)),
                "methodCall" => Frame::MethodCall {
                    name: None,
                    params: None,
                },
                "methodResponse" => Frame::MethodResponse { body: None },
                _ => return Err(self.unexpected(name)),
            },
            Some(Frame::MethodCall { name: n, params }) => match name {
                "methodName" if n.is_none() => Frame::MethodName,
                "params" if params.is_none() => Frame::Params { params: Vec::new() },
                _ => return Err(self.unexpected(name)),
            },
            Some(Frame::MethodResponse { body: None }) => match name {
                "params" => Frame::Params { params: Vec::new() },
                "fault" => Frame::Fault { value: None },
                _ => return Err(self.unexpected(name)),
            },
            Some(Frame::Params { .. }) if name == "param" => Frame::Param { value: None },
            Some(Frame::Param { value: None } | Frame::Fault { value: None })
                if name == "value" =>
            {
                self.new_value()
            }
            Some(Frame::Data { .. }) if name == "value" => self.new_value(),
            Some(Frame::Member {
                name: Some(_),
                value: None,
            }) if name == "value" => self.new_value(),
            Some(Frame::Member { name: None, .. }) if name == "name" => {
                self.text.clear();
                Frame::Name
            }
            Some(Frame::Array { items: None }) if name == "data" => {
                Frame::Data { items: Vec::new() }
            }
            Some(Frame::Struct { .. }) if name == "member" => Frame::Member {
                name: None,
                value: None,
            },
            Some(Frame::Value {
                has_child: has_child @ false,
                ..
            }) => {
                let frame = match name {
                    "int" | "i4" => Frame::Scalar(Scalar::Int),
                    "i8" => Frame::Scalar(Scalar::I8),
                    "boolean" => Frame::Scalar(Scalar::Bool),
                    "string" => Frame::Scalar(Scalar::String),
                    "double" => Frame::Scalar(Scalar::Double),
                    "dateTime.iso8601" => Frame::Scalar(Scalar::DateTime),
                    "base64" => Frame::Scalar(Scalar::Base64),
                    "nil" => Frame::Nil,
                    "array" => Frame::Array { items: None },
                    "struct" => Frame::Struct {
                        members: Vec::new(),
                    },
                    _ => return Err(self.unexpected(name)),
                };
                *has_child = true;
                // Text before a type element is whitespace between elements, not content.
                if !is_xml_space(&self.text) {
                    return Err(self.err(DecodeErrorKind::UnexpectedText("<value>".into())));
                }
                self.text.clear();
                if matches!(frame, Frame::Array { .. } | Frame::Struct { .. }) {
                    self.depth += 1;
                    if self.depth > self.limits.max_depth {
                        return Err(self.err(DecodeErrorKind::TooDeep {
                            limit: self.limits.max_depth,
                        }));
                    }
                }
                frame
            }
            Some(_) => return Err(self.unexpected(name)),
        };
        if matches!(
            frame,
            Frame::MethodCall { .. } | Frame::MethodResponse { .. }
        ) {
            self.root_seen = true;
        }
        if matches!(frame, Frame::MethodName) {
            self.text.clear();
        }
        self.frames.push(frame);
        Ok(())
    }

    fn new_value(&mut self) -> Frame {
        self.text.clear();
        Frame::Value {
            child: None,
            has_child: false,
        }
    }

    fn end(&mut self) -> Result<(), DecodeError> {
        let frame = self
            .frames
            .pop()
            .expect("quick-xml rejects an end tag without a start tag");
        match frame {
            Frame::MethodCall { name, params } => {
                self.document = Some(Document::Call {
                    name,
                    params: params.unwrap_or_default(),
                });
            }
            Frame::MethodName => {
                let name = std::mem::take(&mut self.text);
                match self.frames.last_mut() {
                    Some(Frame::MethodCall { name: n, .. }) => *n = Some(name),
                    _ => unreachable!("<methodName> is only opened inside <methodCall>"),
                }
            }
            Frame::MethodResponse { body } => {
                let body = body.ok_or_else(|| {
                    self.err(DecodeErrorKind::MissingElement {
                        missing: "params",
                        parent: "methodResponse",
                    })
                })?;
                self.document = Some(Document::Response(body));
            }
            Frame::Params { params } => match self.frames.last_mut() {
                Some(Frame::MethodCall { params: p, .. }) => *p = Some(params),
                Some(Frame::MethodResponse { body }) => {
                    if params.len() != 1 {
                        return Err(self.err(DecodeErrorKind::ResponseParamCount(params.len())));
                    }
                    let value = params.into_iter().next().expect("length checked");
                    *body = Some(MethodResponse::Success(value));
                }
                _ => unreachable!("<params> is only opened inside a call or response"),
            },
            Frame::Param { value } => {
                let value = value.ok_or_else(|| self.missing("value", "param"))?;
                match self.frames.last_mut() {
                    Some(Frame::Params { params }) => params.push(value),
                    _ => unreachable!("<param> is only opened inside <params>"),
                }
            }
            Frame::Fault { value } => {
                let value = value.ok_or_else(|| self.missing("value", "fault"))?;
                let fault = self.fault_from(value)?;
                match self.frames.last_mut() {
                    Some(Frame::MethodResponse { body }) => {
                        *body = Some(MethodResponse::Fault(fault));
                    }
                    _ => unreachable!("<fault> is only opened inside <methodResponse>"),
                }
            }
            Frame::Value { child, has_child } => {
                let value = if has_child {
                    child.expect("a closed type element always leaves its value")
                } else {
                    Value::String(std::mem::take(&mut self.text))
                };
                self.deliver(value);
            }
            Frame::Scalar(scalar) => {
                let text = std::mem::take(&mut self.text);
                let value = self.scalar(scalar, text)?;
                self.set_child(value);
            }
            Frame::Nil => {
                if !is_xml_space(&self.text) {
                    return Err(self.err(DecodeErrorKind::UnexpectedText("<nil>".into())));
                }
                self.text.clear();
                self.set_child(Value::Nil);
            }
            Frame::Array { items } => {
                let items = items.ok_or_else(|| self.missing("data", "array"))?;
                self.depth -= 1;
                self.set_child(Value::Array(items));
            }
            Frame::Data { items } => match self.frames.last_mut() {
                Some(Frame::Array { items: slot }) => *slot = Some(items),
                _ => unreachable!("<data> is only opened inside <array>"),
            },
            Frame::Struct { members } => {
                self.depth -= 1;
                self.set_child(Value::Struct(Struct::from_pairs(members)));
            }
            Frame::Member { name, value } => {
                let name = name.ok_or_else(|| self.missing("name", "member"))?;
                let value = value.ok_or_else(|| self.missing("value", "member"))?;
                match self.frames.last_mut() {
                    Some(Frame::Struct { members }) => members.push((name, value)),
                    _ => unreachable!("<member> is only opened inside <struct>"),
                }
            }
            Frame::Name => {
                let name = std::mem::take(&mut self.text);
                match self.frames.last_mut() {
                    Some(Frame::Member { name: n, .. }) => *n = Some(name),
                    _ => unreachable!("<name> is only opened inside <member>"),
                }
            }
        }
        Ok(())
    }

    fn missing(&self, missing: &'static str, parent: &'static str) -> DecodeError {
        self.err(DecodeErrorKind::MissingElement { missing, parent })
    }

    /// Hands a finished `<value>` to its parent element.
    fn deliver(&mut self, value: Value) {
        match self.frames.last_mut() {
            Some(Frame::Param { value: slot } | Frame::Fault { value: slot }) => {
                *slot = Some(value);
            }
            Some(Frame::Data { items }) => items.push(value),
            Some(Frame::Member { value: slot, .. }) => *slot = Some(value),
            _ => unreachable!("<value> is only opened inside param, fault, data or member"),
        }
    }

    /// Hands a finished type element's value to its `<value>`.
    fn set_child(&mut self, value: Value) {
        match self.frames.last_mut() {
            Some(Frame::Value { child, .. }) => *child = Some(value),
            _ => unreachable!("type elements are only opened inside <value>"),
        }
    }

    fn scalar(&self, scalar: Scalar, text: String) -> Result<Value, DecodeError> {
        let invalid = |text: &str| {
            self.err(DecodeErrorKind::InvalidScalar {
                ty: scalar.tag(),
                text: truncate(text),
            })
        };
        let trimmed = trim_xml_space(&text);
        Ok(match scalar {
            Scalar::String => Value::String(text),
            Scalar::Int => Value::Int(trimmed.parse().map_err(|_| invalid(&text))?),
            Scalar::I8 => Value::I8(trimmed.parse().map_err(|_| invalid(&text))?),
            Scalar::Bool => match trimmed {
                "1" => Value::Bool(true),
                "0" => Value::Bool(false),
                _ => return Err(invalid(&text)),
            },
            Scalar::Double => Value::Double(parse_double(trimmed).ok_or_else(|| invalid(&text))?),
            Scalar::DateTime => {
                Value::DateTime(DateTime::parse(trimmed).map_err(|_| invalid(&text))?)
            }
            Scalar::Base64 => Value::Base64(decode_base64(&text).ok_or_else(|| invalid(&text))?),
        })
    }

    fn fault_from(&self, value: Value) -> Result<Fault, DecodeError> {
        let members = value
            .into_struct()
            .map_err(|_| self.err(DecodeErrorKind::InvalidFault("not a struct")))?;
        let mut code = None;
        let mut string = None;
        for (k, v) in members {
            match k.as_str() {
                "faultCode" => {
                    code = Some(v.as_i32().ok_or_else(|| {
                        self.err(DecodeErrorKind::InvalidFault("faultCode is not an int"))
                    })?);
                }
                "faultString" => {
                    string = Some(v.into_string().map_err(|_| {
                        self.err(DecodeErrorKind::InvalidFault("faultString is not a string"))
                    })?);
                }
                _ => return Err(self.err(DecodeErrorKind::InvalidFault("unexpected member"))),
            }
        }
        match (code, string) {
            (Some(code), Some(string)) => Ok(Fault { code, string }),
            (None, _) => Err(self.err(DecodeErrorKind::InvalidFault("faultCode is missing"))),
            (_, None) => Err(self.err(DecodeErrorKind::InvalidFault("faultString is missing"))),
        }
    }
}

/// Parses a double the way Python's `float()` reads what `repr` writes: decimal and
/// scientific notation, `inf`/`infinity`/`nan` in any case, an optional sign. Hexadecimal
/// floats and digit-group underscores are refused.
fn parse_double(s: &str) -> Option<f64> {
    if s.contains('_') {
        return None;
    }
    s.parse().ok()
}

/// Decodes `<base64>` text: whitespace (Python's line breaks) is ignored, padding is required,
/// and unused trailing bits are tolerated as Python's `base64.decodebytes` does.
fn decode_base64(text: &str) -> Option<Vec<u8>> {
    const ENGINE: base64::engine::GeneralPurpose = base64::engine::GeneralPurpose::new(
        &base64::alphabet::STANDARD,
        base64::engine::GeneralPurposeConfig::new()
            .with_decode_allow_trailing_bits(true)
            .with_decode_padding_mode(base64::engine::DecodePaddingMode::RequireCanonical),
    );
    let compact: Cow<'_, str> = if is_compact(text) {
        Cow::Borrowed(text)
    } else {
        Cow::Owned(
            text.chars()
                .filter(|c| !matches!(c, ' ' | '\t' | '\n' | '\r'))
                .collect(),
        )
    };
    ENGINE.decode(compact.as_bytes()).ok()
}

fn is_compact(text: &str) -> bool {
    !text
        .bytes()
        .any(|b| matches!(b, b' ' | b'\t' | b'\n' | b'\r'))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::encode::{encode_call, encode_fault, encode_response};
    use crate::fault::FaultCode;

    fn call(body: &str) -> Result<MethodCall, DecodeError> {
        decode_call(body.as_bytes())
    }

    fn value_of(xml_value: &str) -> Result<Value, DecodeError> {
        let body = format!(
            "<?xml version='1.0'?><methodCall><methodName>m.n</methodName><params><param>{xml_value}</param></params></methodCall>"
        );
        call(&body).map(|c| c.params.into_iter().next().expect("one param"))
    }

    fn kind_of(r: Result<impl std::fmt::Debug, DecodeError>) -> DecodeErrorKind {
        r.expect_err("must fail").kind().clone()
    }

    #[test]
    fn every_type_decodes() {
        let cases: Vec<(&str, Value)> = vec![
            ("<value><int>42</int></value>", Value::Int(42)),
            ("<value><i4>-7</i4></value>", Value::Int(-7)),
            ("<value><int> +5\n</int></value>", Value::Int(5)),
            ("<value><i8>9000000000</i8></value>", Value::I8(9_000_000_000)),
            ("<value><boolean>1</boolean></value>", Value::Bool(true)),
            ("<value><boolean>0</boolean></value>", Value::Bool(false)),
            ("<value><string> a b </string></value>", Value::from(" a b ")),
            ("<value><string/></value>", Value::from("")),
            ("<value><string></string></value>", Value::from("")),
            ("<value>untyped</value>", Value::from("untyped")),
            ("<value>  </value>", Value::from("  ")),
            ("<value/>", Value::from("")),
            ("<value><double>1.5</double></value>", Value::Double(1.5)),
            ("<value><double>-1e+16</double></value>", Value::Double(-1e16)),
            ("<value><double> inf </double></value>", Value::Double(f64::INFINITY)),
            (
                "<value><dateTime.iso8601>20261125T15:20:00</dateTime.iso8601></value>",
                Value::DateTime(DateTime::parse("20261125T15:20:00").unwrap()),
            ),
            (
                "<value><base64>\naGVs\nbG8=\n</base64></value>",
                Value::base64(b"hello".to_vec()),
            ),
            ("<value><base64></base64></value>", Value::base64(Vec::new())),
            ("<value><nil/></value>", Value::Nil),
            ("<value><ex:nil xmlns:ex='x'/></value>", Value::Nil),
            ("<value><array><data></data></array></value>", Value::Array(vec![])),
            (
                "<value><array><data>\n<value><int>1</int></value>\n<value>x</value></data></array></value>",
                Value::array([Value::Int(1), Value::from("x")]),
            ),
            ("<value><struct></struct></value>", Value::Struct(Struct::new())),
            (
                "<value><struct><member><name>b</name><value><int>1</int></value></member>\
                 <member><name>a</name><value>s</value></member></struct></value>",
                Value::structure([("b", Value::Int(1)), ("a", Value::from("s"))]),
            ),
        ];
        for (xml, want) in cases {
            assert_eq!(value_of(xml), Ok(want), "{xml}");
        }
        let nan = value_of("<value><double>nan</double></value>").unwrap();
        assert!(nan.as_f64().unwrap().is_nan());
    }

    #[test]
    fn text_entities_and_line_ends() {
        assert_eq!(
            value_of("<value><string>&lt;a&gt; &amp; &quot;&apos; &#65;&#x42;</string></value>"),
            Ok(Value::from("<a> & \"' AB"))
        );
        assert_eq!(
            value_of("<value>a\r\nb\rc&#13;d</value>"),
            Ok(Value::from("a\nb\nc\rd"))
        );
        assert_eq!(
            value_of("<value><string>a<!-- c -->b<![CDATA[<&>]]>c</string></value>"),
            Ok(Value::from("ab<&>c"))
        );
        assert_eq!(
            value_of("<value><string>\u{e9}\u{1F600}</string></value>"),
            Ok(Value::from("\u{e9}\u{1F600}"))
        );
    }

    #[test]
    fn struct_repeated_keys_keep_first_position_last_value() {
        let v = value_of(
            "<value><struct><member><name>a</name><value>1</value></member>\
             <member><name>b</name><value>2</value></member>\
             <member><name>a</name><value>3</value></member></struct></value>",
        )
        .unwrap();
        assert_eq!(v, Value::structure([("a", "3"), ("b", "2")]));
    }

    #[test]
    fn calls() {
        let c = call(
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<methodCall>\n<methodName>supervisor.getState</methodName>\n</methodCall>\n",
        )
        .unwrap();
        assert_eq!(c.name, "supervisor.getState");
        assert!(c.params.is_empty());
        // Params before the name, no declaration, a byte-order mark.
        let c = decode_call(
            "\u{FEFF}<methodCall><params><param><value><int>1</int></value></param></params>\
             <methodName> x.y </methodName></methodCall>"
                .as_bytes(),
        )
        .unwrap();
        assert_eq!(c.name, " x.y ");
        assert_eq!(c.params, [Value::Int(1)]);
        let c = call("<methodCall><methodName>a.b</methodName><params/></methodCall>").unwrap();
        assert!(c.params.is_empty());
    }

    #[test]
    fn method_name_missing_or_empty() {
        for body in [
            "<methodCall><params/></methodCall>",
            "<methodCall><methodName></methodName></methodCall>",
            "<methodCall><methodName/></methodCall>",
        ] {
            assert_eq!(kind_of(call(body)), DecodeErrorKind::NoMethodName, "{body}");
        }
        // A malformed body is reported as such even without a method name.
        assert!(matches!(
            kind_of(call(
                "<methodCall><params><param></param></params></methodCall>"
            )),
            DecodeErrorKind::MissingElement { .. }
        ));
    }

    #[test]
    fn responses() {
        let r = decode_method_response(&encode_response(&Value::from("3.0"))).unwrap();
        assert_eq!(r, MethodResponse::Success(Value::from("3.0")));
        let f = FaultCode::BadName.with_detail("foo");
        let r = decode_method_response(&encode_fault(&f)).unwrap();
        assert_eq!(r, MethodResponse::Fault(f));
        assert_eq!(
            kind_of(decode_method_response(
                b"<methodResponse><params></params></methodResponse>"
            )),
            DecodeErrorKind::ResponseParamCount(0)
        );
        assert_eq!(
            kind_of(decode_method_response(
                b"<methodResponse><params><param><value>a</value></param>\
                  <param><value>b</value></param></params></methodResponse>"
            )),
            DecodeErrorKind::ResponseParamCount(2)
        );
        assert!(matches!(
            kind_of(decode_method_response(b"<methodResponse></methodResponse>")),
            DecodeErrorKind::MissingElement { .. }
        ));
        assert!(matches!(
            kind_of(decode_method_response(&encode_call("a.b", &[]))),
            DecodeErrorKind::WrongRoot { .. }
        ));
        assert!(matches!(
            kind_of(decode_call(&encode_response(&Value::Nil))),
            DecodeErrorKind::WrongRoot { .. }
        ));
    }

    #[test]
    fn invalid_faults() {
        let fault = |members: &str| {
            decode_method_response(
                format!(
                    "<methodResponse><fault><value><struct>{members}</struct></value></fault></methodResponse>"
                )
                .as_bytes(),
            )
        };
        let code = "<member><name>faultCode</name><value><int>1</int></value></member>";
        let string = "<member><name>faultString</name><value>s</value></member>";
        assert_eq!(
            fault(&format!("{code}{string}")),
            Ok(MethodResponse::Fault(Fault::new(1, "s")))
        );
        for members in [
            code.to_owned(),
            string.to_owned(),
            format!("{code}{string}<member><name>x</name><value>1</value></member>"),
            format!("<member><name>faultCode</name><value>1</value></member>{string}"),
        ] {
            assert!(
                matches!(kind_of(fault(&members)), DecodeErrorKind::InvalidFault(_)),
                "{members}"
            );
        }
        assert!(matches!(
            kind_of(decode_method_response(
                b"<methodResponse><fault><value>x</value></fault></methodResponse>"
            )),
            DecodeErrorKind::InvalidFault(_)
        ));
    }

    #[test]
    fn bad_scalars() {
        for xml in [
            "<value><int>abc</int></value>",
            "<value><int></int></value>",
            "<value><int>2147483648</int></value>",
            "<value><int>-2147483649</int></value>",
            "<value><i4>1.0</i4></value>",
            "<value><i8>9223372036854775808</i8></value>",
            "<value><boolean>true</boolean></value>",
            "<value><boolean>2</boolean></value>",
            "<value><double>1,5</double></value>",
            "<value><double>1_0</double></value>",
            "<value><double></double></value>",
            "<value><dateTime.iso8601>2026-11-25T15:20:00</dateTime.iso8601></value>",
            "<value><base64>@@@@</base64></value>",
            "<value><base64>aGk</base64></value>",
        ] {
            assert!(
                matches!(
                    kind_of(value_of(xml)),
                    DecodeErrorKind::InvalidScalar { .. }
                ),
                "{xml}"
            );
        }
        let long = format!("<value><int>{}</int></value>", "9".repeat(1000));
        match kind_of(value_of(&long)) {
            DecodeErrorKind::InvalidScalar { text, .. } => assert!(text.len() < 80),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn structure_errors() {
        let unexpected = [
            "<value><foo>1</foo></value>",
            "<value><int>1</int><int>2</int></value>",
            "<value><int><int>1</int></int></value>",
            "<value><array><value>1</value></array></value>",
            "<value><array><data></data><data></data></array></value>",
            "<value><struct><value>1</value></struct></value>",
            "<value><struct><member><value>1</value><name>a</name></member></struct></value>",
            "<value><nil><int>1</int></nil></value>",
            "<value><i1>1</i1></value>",
        ];
        for xml in unexpected {
            assert!(
                matches!(
                    kind_of(value_of(xml)),
                    DecodeErrorKind::UnexpectedElement { .. }
                ),
                "{xml}"
            );
        }
        for xml in [
            "<value>x<int>1</int></value>",
            "<value><int>1</int>x</value>",
            "<value><array>x<data></data></array></value>",
            "<value><nil>x</nil></value>",
        ] {
            assert!(
                matches!(kind_of(value_of(xml)), DecodeErrorKind::UnexpectedText(_)),
                "{xml}"
            );
        }
        for xml in [
            "<value><array></array></value>",
            "<value><struct><member><name>a</name></member></struct></value>",
            "<value><struct><member></member></struct></value>",
        ] {
            assert!(
                matches!(
                    kind_of(value_of(xml)),
                    DecodeErrorKind::MissingElement { .. }
                ),
                "{xml}"
            );
        }
        assert!(matches!(
            kind_of(call(
                "<methodCall><methodName>a</methodName><methodName>b</methodName></methodCall>"
            )),
            DecodeErrorKind::UnexpectedElement { .. }
        ));
        assert!(matches!(
            kind_of(call("<foo/>")),
            DecodeErrorKind::UnexpectedElement { .. }
        ));
        assert!(matches!(
            kind_of(call(
                "<methodCall><methodName>a</methodName></methodCall><methodCall/>"
            )),
            DecodeErrorKind::UnexpectedElement { .. }
        ));
        assert!(matches!(
            kind_of(call(
                "<methodCall><methodName>a</methodName></methodCall>junk"
            )),
            DecodeErrorKind::UnexpectedText(_)
        ));
        assert!(matches!(
            kind_of(call(
                "<methodCall><methodName>a<b/></methodName></methodCall>"
            )),
            DecodeErrorKind::UnexpectedElement { .. }
        ));
    }

    #[test]
    fn xml_level_errors() {
        assert_eq!(kind_of(call("")), DecodeErrorKind::UnexpectedEof);
        assert_eq!(kind_of(call("   ")), DecodeErrorKind::UnexpectedEof);
        assert_eq!(
            kind_of(call("<methodCall><methodName>a</methodName>")),
            DecodeErrorKind::UnexpectedEof
        );
        for body in [
            "<methodCall><methodName>a</methodCall>",
            "<methodCall><methodName>a</methodName></methodCall></x>",
            "<methodCall><methodName>a & b</methodName></methodCall>",
            "<methodCall <methodName>",
            "<methodCall a='1' a='2'><methodName>a</methodName></methodCall>",
            "<methodCall><!-- a -- b --><methodName>a</methodName></methodCall>",
            "<methodCall><methodName>a&#0;</methodName></methodCall>",
        ] {
            assert!(
                matches!(kind_of(call(body)), DecodeErrorKind::Xml(_)),
                "{body}: {:?}",
                call(body)
            );
        }
        assert_eq!(
            kind_of(call(
                "<methodCall><methodName>&foo;</methodName></methodCall>"
            )),
            DecodeErrorKind::UndefinedEntity("foo".into())
        );
        assert_eq!(
            kind_of(call(
                "<methodCall><methodName>a&#1;</methodName></methodCall>"
            )),
            DecodeErrorKind::IllegalChar(1)
        );
        assert_eq!(
            kind_of(call(
                "<methodCall><methodName>a\u{1}</methodName></methodCall>"
            )),
            DecodeErrorKind::IllegalChar(1)
        );
        assert_eq!(
            kind_of(call(
                "<methodCall><methodName>a\u{FFFE}</methodName></methodCall>"
            )),
            DecodeErrorKind::IllegalChar(0xFFFE)
        );
        assert!(matches!(
            kind_of(call(
                "<?xml version='1.0' encoding='iso-8859-1'?><methodCall/>"
            )),
            DecodeErrorKind::UnsupportedEncoding(_)
        ));
        assert!(matches!(
            kind_of(call("<?xml version='1.1'?><methodCall/>")),
            DecodeErrorKind::Xml(_)
        ));
        assert!(matches!(
            kind_of(call(
                "<methodCall><?xml version='1.0'?><methodName>a</methodName></methodCall>"
            )),
            DecodeErrorKind::Xml(_)
        ));
        assert_eq!(
            kind_of(call("<!DOCTYPE x><methodCall/>")),
            DecodeErrorKind::Doctype
        );
        assert!(matches!(
            kind_of(call(
                "<methodCall><methodName>a</methodName>]]></methodCall>"
            )),
            DecodeErrorKind::Xml(_) | DecodeErrorKind::UnexpectedText(_)
        ));
    }

    #[test]
    fn error_offsets() {
        let body = "<methodCall><methodName>a</methodName><params><param><value><int>abc</int></value></param></params></methodCall>";
        let err = call(body).unwrap_err();
        // The offset points at the closing </int>, after the bad text.
        assert_eq!(&body[err.offset()..err.offset() + 6], "</int>");
        assert!(
            err.to_string().contains("invalid <int> value \"abc\""),
            "{err}"
        );

        let mut bytes = b"<methodCall><methodName>ab".to_vec();
        bytes.push(0xFF);
        let err = decode_call(&bytes).unwrap_err();
        assert_eq!(err.kind(), &DecodeErrorKind::InvalidUtf8);
        assert_eq!(err.offset(), 26);

        let err = call("<methodCall><foo/></methodCall>").unwrap_err();
        assert_eq!(err.offset(), 12);
    }

    #[test]
    fn limits() {
        let limits = Limits {
            max_body_bytes: 10,
            ..Limits::request()
        };
        assert_eq!(
            decode_call_with(b"<methodCall/>", &limits)
                .unwrap_err()
                .kind(),
            &DecodeErrorKind::TooLarge {
                size: 13,
                limit: 10
            }
        );
        let limits = Limits {
            max_depth: 2,
            ..Limits::request()
        };
        let two = "<value><array><data><value><struct></struct></value></data></array></value>";
        let three = "<value><array><data><value><array><data><value><array><data>\
                     </data></array></value></data></array></value></data></array></value>";
        let wrap = |v: &str| {
            format!("<methodCall><methodName>a</methodName><params><param>{v}</param></params></methodCall>")
        };
        assert!(decode_call_with(wrap(two).as_bytes(), &limits).is_ok());
        assert_eq!(
            decode_call_with(wrap(three).as_bytes(), &limits)
                .unwrap_err()
                .kind(),
            &DecodeErrorKind::TooDeep { limit: 2 }
        );
    }

    #[test]
    fn illegal_chars_allowed_for_responses() {
        let body = "<methodResponse><params><param><value><string>a\u{1}b</string></value></param></params></methodResponse>";
        assert_eq!(
            decode_method_response(body.as_bytes()),
            Ok(MethodResponse::Success(Value::from("a\u{1}b")))
        );
        assert_eq!(
            kind_of(decode_method_response_with(
                body.as_bytes(),
                &Limits::request()
            )),
            DecodeErrorKind::IllegalChar(1)
        );
    }
}
