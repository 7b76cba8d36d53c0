//! The encoder: method responses, faults and method calls, byte for byte as Python's
//! `xmlrpc.client.dumps` writes them.
//!
//! Two ways in:
//! - from a [`Value`] tree: [`encode_response`], [`encode_fault`], [`encode_call`] (and the
//!   `write_*` forms that append to a caller's buffer);
//! - streaming, without building a tree, for hot paths such as `getAllProcessInfo`:
//!   [`response_with`] / [`write_response_with`] hand out a [`ValueWriter`], and arrays and
//!   structs are written through [`ArrayWriter`] and [`StructWriter`].
//!
//! # Text policy (spec Q32)
//!
//! Python escapes only `&`, `<` and `>`, so characters that XML 1.0 forbids (C0 controls other
//! than tab, newline and carriage return; U+FFFE; U+FFFF) make it emit a document no parser
//! accepts. This encoder writes such characters as U+FFFD REPLACEMENT CHARACTER instead, so the
//! output is always well-formed. Bytes that are not UTF-8 ([`ValueWriter::string_lossy`]) also
//! become U+FFFD, one per invalid sequence, as [`String::from_utf8_lossy`] does.
//!
//! A carriage return is written as `&#13;`: Python writes it raw, and every XML parser then
//! turns it into a newline, so the reader would not get the text that was sent. With the
//! reference the reader gets `\r` back. For text without `\r` or forbidden characters the
//! output equals Python's byte for byte. Method names are escaped too (Python writes them raw).

use base64::Engine as _;

use crate::fault::Fault;
use crate::value::{DateTime, Value};

/// The XML declaration Python writes for UTF-8 documents.
const XML_DECL: &[u8] = b"<?xml version='1.0'?>\n";
/// U+FFFD REPLACEMENT CHARACTER in UTF-8.
const REPLACEMENT: &[u8] = "\u{FFFD}".as_bytes();

/// Proof that a [`ValueWriter`] wrote its value; only this module can make one, so a closure
/// that must return it cannot forget to write.
#[derive(Debug)]
pub struct Written {
    _private: (),
}

const WRITTEN: Written = Written { _private: () };

/// Writes exactly one `<value>` into a buffer. Every method consumes the writer.
#[must_use = "a ValueWriter must write exactly one value"]
#[derive(Debug)]
pub struct ValueWriter<'a> {
    out: &'a mut Vec<u8>,
}

impl<'a> ValueWriter<'a> {
    /// A writer that appends one bare `<value>…</value>` fragment to `out`.
    pub fn new(out: &'a mut Vec<u8>) -> ValueWriter<'a> {
        ValueWriter { out }
    }

    fn scalar(self, open: &[u8], body: impl FnOnce(&mut Vec<u8>), close: &[u8]) -> Written {
        self.out.extend_from_slice(open);
        body(self.out);
        self.out.extend_from_slice(close);
        WRITTEN
    }

    /// `<int>`.
    pub fn int(self, v: i32) -> Written {
        self.scalar(
            b"<value><int>",
            |o| o.extend_from_slice(itoa::Buffer::new().format(v).as_bytes()),
            b"</int></value>\n",
        )
    }

    /// `<i8>` (a 64-bit integer; Python's `dumps` never writes it, but its `loads` reads it).
    pub fn i8(self, v: i64) -> Written {
        self.scalar(
            b"<value><i8>",
            |o| o.extend_from_slice(itoa::Buffer::new().format(v).as_bytes()),
            b"</i8></value>\n",
        )
    }

    /// `<int>` when `v` fits 32 bits, `<i8>` otherwise.
    pub fn int_auto(self, v: i64) -> Written {
        match i32::try_from(v) {
            Ok(small) => self.int(small),
            Err(_) => self.i8(v),
        }
    }

    /// `<boolean>` with `1` or `0`.
    pub fn boolean(self, v: bool) -> Written {
        self.out.extend_from_slice(if v {
            b"<value><boolean>1</boolean></value>\n"
        } else {
            b"<value><boolean>0</boolean></value>\n"
        });
        WRITTEN
    }

    /// `<string>`, escaped (see the module docs for the policy on forbidden characters).
    pub fn string(self, s: &str) -> Written {
        self.scalar(
            b"<value><string>",
            |o| write_escaped(o, s),
            b"</string></value>\n",
        )
    }

    /// `<string>` from bytes that may not be UTF-8 (log data): invalid sequences become U+FFFD.
    pub fn string_lossy(self, bytes: &[u8]) -> Written {
        self.scalar(
            b"<value><string>",
            |o| write_escaped_lossy(o, bytes),
            b"</string></value>\n",
        )
    }

    /// `<double>` in Python's `repr` form (`1.0`, `1e+16`, `inf`, `nan`).
    pub fn double(self, v: f64) -> Written {
        self.scalar(
            b"<value><double>",
            |o| write_double(o, v),
            b"</double></value>\n",
        )
    }

    /// `<dateTime.iso8601>`.
    pub fn datetime(self, v: DateTime) -> Written {
        self.scalar(
            b"<value><dateTime.iso8601>",
            |o| o.extend_from_slice(v.to_string().as_bytes()),
            b"</dateTime.iso8601></value>\n",
        )
    }

    /// `<base64>` in Python's layout: 76-character lines, each ending in a newline.
    pub fn base64(self, bytes: &[u8]) -> Written {
        self.scalar(
            b"<value><base64>\n",
            |o| write_base64_lines(o, bytes),
            b"</base64></value>\n",
        )
    }

    /// `<nil/>` (Python writes no newline after this one).
    pub fn nil(self) -> Written {
        self.out.extend_from_slice(b"<value><nil/></value>");
        WRITTEN
    }

    /// Any [`Value`] tree.
    pub fn value(self, v: &Value) -> Written {
        match v {
            Value::Int(i) => self.int(*i),
            Value::I8(i) => self.i8(*i),
            Value::Bool(b) => self.boolean(*b),
            Value::String(s) => self.string(s),
            Value::Double(d) => self.double(*d),
            Value::DateTime(d) => self.datetime(*d),
            Value::Base64(b) => self.base64(b),
            Value::Array(items) => self.array(|a| {
                for item in items {
                    a.value(item);
                }
            }),
            Value::Struct(s) => self.structure(|w| {
                for (k, v) in s {
                    w.value(k, v);
                }
            }),
            Value::Nil => self.nil(),
        }
    }

    /// `<array>`: `fill` writes the items.
    pub fn array(self, fill: impl FnOnce(&mut ArrayWriter<'_>)) -> Written {
        self.out.extend_from_slice(b"<value><array><data>\n");
        fill(&mut ArrayWriter { out: self.out });
        self.out.extend_from_slice(b"</data></array></value>\n");
        WRITTEN
    }

    /// `<struct>`: `fill` writes the members, in the order they should appear.
    pub fn structure(self, fill: impl FnOnce(&mut StructWriter<'_>)) -> Written {
        self.out.extend_from_slice(b"<value><struct>\n");
        fill(&mut StructWriter { out: self.out });
        self.out.extend_from_slice(b"</struct></value>\n");
        WRITTEN
    }
}

/// Writes the items of an `<array>`; see [`ValueWriter::array`].
#[derive(Debug)]
pub struct ArrayWriter<'a> {
    out: &'a mut Vec<u8>,
}

impl ArrayWriter<'_> {
    /// The next item, written through a [`ValueWriter`] (for nested arrays and structs).
    pub fn item(&mut self) -> ValueWriter<'_> {
        ValueWriter { out: self.out }
    }

    /// An `<int>` item.
    pub fn int(&mut self, v: i32) {
        self.item().int(v);
    }

    /// An `<int>` or `<i8>` item, depending on the size of `v`.
    pub fn int_auto(&mut self, v: i64) {
        self.item().int_auto(v);
    }

    /// A `<boolean>` item.
    pub fn boolean(&mut self, v: bool) {
        self.item().boolean(v);
    }

    /// A `<string>` item.
    pub fn string(&mut self, s: &str) {
        self.item().string(s);
    }

    /// A `<string>` item from possibly non-UTF-8 bytes.
    pub fn string_lossy(&mut self, bytes: &[u8]) {
        self.item().string_lossy(bytes);
    }

    /// An item from a [`Value`] tree.
    pub fn value(&mut self, v: &Value) {
        self.item().value(v);
    }
}

/// Writes the members of a `<struct>`; see [`ValueWriter::structure`].
#[derive(Debug)]
pub struct StructWriter<'a> {
    out: &'a mut Vec<u8>,
}

impl StructWriter<'_> {
    /// A member whose value `write` produces (for nested arrays and structs).
    pub fn member(&mut self, name: &str, write: impl FnOnce(ValueWriter<'_>) -> Written) {
        self.out.extend_from_slice(b"<member>\n<name>");
        write_escaped(self.out, name);
        self.out.extend_from_slice(b"</name>\n");
        write(ValueWriter { out: self.out });
        self.out.extend_from_slice(b"</member>\n");
    }

    /// An `<int>` member.
    pub fn int(&mut self, name: &str, v: i32) {
        self.member(name, |w| w.int(v));
    }

    /// An `<int>` or `<i8>` member, depending on the size of `v`.
    pub fn int_auto(&mut self, name: &str, v: i64) {
        self.member(name, |w| w.int_auto(v));
    }

    /// A `<boolean>` member.
    pub fn boolean(&mut self, name: &str, v: bool) {
        self.member(name, |w| w.boolean(v));
    }

    /// A `<string>` member.
    pub fn string(&mut self, name: &str, s: &str) {
        self.member(name, |w| w.string(s));
    }

    /// A `<string>` member from possibly non-UTF-8 bytes.
    pub fn string_lossy(&mut self, name: &str, bytes: &[u8]) {
        self.member(name, |w| w.string_lossy(bytes));
    }

    /// A member from a [`Value`] tree.
    pub fn value(&mut self, name: &str, v: &Value) {
        self.member(name, |w| w.value(v));
    }
}

/// Appends a method response whose single value `write` produces.
pub fn write_response_with(out: &mut Vec<u8>, write: impl FnOnce(ValueWriter<'_>) -> Written) {
    out.extend_from_slice(XML_DECL);
    out.extend_from_slice(b"<methodResponse>\n<params>\n<param>\n");
    write(ValueWriter { out });
    out.extend_from_slice(b"</param>\n</params>\n</methodResponse>\n");
}

/// A method response whose single value `write` produces.
pub fn response_with(write: impl FnOnce(ValueWriter<'_>) -> Written) -> Vec<u8> {
    let mut out = Vec::with_capacity(256);
    write_response_with(&mut out, write);
    out
}

/// Appends a method response carrying `value`.
pub fn write_response(out: &mut Vec<u8>, value: &Value) {
    write_response_with(out, |w| w.value(value));
}

/// A method response carrying `value` (Python: `dumps((value,), methodresponse=True)`).
pub fn encode_response(value: &Value) -> Vec<u8> {
    response_with(|w| w.value(value))
}

/// Appends a fault response.
pub fn write_fault(out: &mut Vec<u8>, fault: &Fault) {
    out.extend_from_slice(XML_DECL);
    out.extend_from_slice(b"<methodResponse>\n<fault>\n");
    ValueWriter { out }.structure(|s| {
        s.int("faultCode", fault.code);
        s.string("faultString", &fault.string);
    });
    out.extend_from_slice(b"</fault>\n</methodResponse>\n");
}

/// A fault response (Python: `dumps(Fault(code, string), methodresponse=True)`).
pub fn encode_fault(fault: &Fault) -> Vec<u8> {
    let mut out = Vec::with_capacity(256);
    write_fault(&mut out, fault);
    out
}

/// Appends a method call.
pub fn write_call(out: &mut Vec<u8>, name: &str, params: &[Value]) {
    out.extend_from_slice(XML_DECL);
    out.extend_from_slice(b"<methodCall>\n<methodName>");
    write_escaped(out, name);
    out.extend_from_slice(b"</methodName>\n<params>\n");
    for p in params {
        out.extend_from_slice(b"<param>\n");
        ValueWriter { out }.value(p);
        out.extend_from_slice(b"</param>\n");
    }
    out.extend_from_slice(b"</params>\n</methodCall>\n");
}

/// A method call (Python: `dumps(tuple(params), methodname=name, allow_none=True)`).
pub fn encode_call(name: &str, params: &[Value]) -> Vec<u8> {
    let mut out = Vec::with_capacity(256);
    write_call(&mut out, name, params);
    out
}

/// `v` as Python's `repr(float)` writes it, which is also what `<double>` carries (`1.0`,
/// `1e+16`, `1.5e-05`, `inf`, `nan`); useful to print a double the way Python would.
pub fn format_double(v: f64) -> String {
    let mut out = Vec::with_capacity(24);
    write_double(&mut out, v);
    String::from_utf8(out).expect("a formatted double is ASCII")
}

/// Whether `c` may appear in an XML 1.0 document (the `Char` production).
pub fn is_xml_char(c: char) -> bool {
    matches!(c, '\t' | '\n' | '\r' | '\u{20}'..='\u{D7FF}' | '\u{E000}'..='\u{FFFD}' | '\u{10000}'..)
}

/// `s` with every character that XML 1.0 forbids replaced by U+FFFD, the substitution the
/// encoder makes (borrowed when nothing needs replacing).
pub fn replace_illegal_chars(s: &str) -> std::borrow::Cow<'_, str> {
    if s.chars().all(is_xml_char) {
        std::borrow::Cow::Borrowed(s)
    } else {
        std::borrow::Cow::Owned(
            s.chars()
                .map(|c| if is_xml_char(c) { c } else { '\u{FFFD}' })
                .collect(),
        )
    }
}

/// Which bytes need attention while escaping: the markup characters, `\r`, C0 controls other
/// than tab and newline, and 0xEF, the lead byte of U+FFFE and U+FFFF.
static NEEDS_ESCAPE: [bool; 256] = {
    let mut table = [false; 256];
    let mut b = 0;
    while b < 0x20 {
        table[b] = b != b'\t' as usize && b != b'\n' as usize;
        b += 1;
    }
    table[b'&' as usize] = true;
    table[b'<' as usize] = true;
    table[b'>' as usize] = true;
    table[0xEF] = true;
    table
};

/// Appends `s` as XML character data (see the module docs for the policy).
fn write_escaped(out: &mut Vec<u8>, s: &str) {
    let bytes = s.as_bytes();
    let mut start = 0;
    let mut i = 0;
    while i < bytes.len() {
        let b = bytes[i];
        if !NEEDS_ESCAPE[b as usize] {
            i += 1;
            continue;
        }
        let (replacement, len): (&[u8], usize) = match b {
            b'&' => (b"&amp;", 1),
            b'<' => (b"&lt;", 1),
            b'>' => (b"&gt;", 1),
            b'\r' => (b"&#13;", 1),
            0xEF => {
                // `s` is UTF-8, so 0xEF starts a 3-byte sequence; only EF BF BE (U+FFFE) and
                // EF BF BF (U+FFFF) are forbidden.
                if bytes[i + 1] == 0xBF && matches!(bytes[i + 2], 0xBE | 0xBF) {
                    (REPLACEMENT, 3)
                } else {
                    i += 3;
                    continue;
                }
            }
            _ => (REPLACEMENT, 1),
        };
        out.extend_from_slice(&bytes[start..i]);
        out.extend_from_slice(replacement);
        i += len;
        start = i;
    }
    out.extend_from_slice(&bytes[start..]);
}

/// Appends possibly non-UTF-8 bytes as XML character data, each invalid sequence as U+FFFD.
fn write_escaped_lossy(out: &mut Vec<u8>, bytes: &[u8]) {
    for chunk in bytes.utf8_chunks() {
        write_escaped(out, chunk.valid());
        if !chunk.invalid().is_empty() {
            out.extend_from_slice(REPLACEMENT);
        }
    }
}

/// Appends base64 the way Python's `base64.encodebytes` lays it out: 57 input bytes (76
/// characters) per line, every line ending in `\n`, nothing at all for empty input.
fn write_base64_lines(out: &mut Vec<u8>, bytes: &[u8]) {
    let mut line = [0u8; 76];
    for chunk in bytes.chunks(57) {
        let n = base64::engine::general_purpose::STANDARD
            .encode_slice(chunk, &mut line)
            .expect("57 input bytes always fit 76 output bytes");
        out.extend_from_slice(&line[..n]);
        out.push(b'\n');
    }
}

/// Appends `v` as Python's `repr(float)` writes it: the shortest digits that read back to the
/// same number, positional notation for decimal exponents from -4 to 15 (always with a
/// fraction, `1.0`), scientific otherwise with a signed exponent of at least two digits
/// (`1e+16`, `1.5e-05`), and `inf`, `-inf`, `nan`.
fn write_double(out: &mut Vec<u8>, v: f64) {
    if v.is_nan() {
        out.extend_from_slice(b"nan");
        return;
    }
    if v.is_infinite() {
        out.extend_from_slice(if v > 0.0 { b"inf" } else { b"-inf" });
        return;
    }
    // Rust's `{:e}` gives the same shortest round-trip digits as Python's repr, as
    // `d[.ddd]e<exp>`; only the layout differs.
    let sci = format!("{:e}", v.abs());
    let (mantissa, exp) = sci.split_once('e').expect("{:e} always has an exponent");
    let exp: i32 = exp.parse().expect("{:e} exponent is an integer");
    let digits: Vec<u8> = mantissa.bytes().filter(|b| *b != b'.').collect();
    if v.is_sign_negative() {
        out.push(b'-');
    }
    if (-4..16).contains(&exp) {
        if exp < 0 {
            out.extend_from_slice(b"0.");
            out.extend(std::iter::repeat_n(b'0', (-exp - 1) as usize));
            out.extend_from_slice(&digits);
        } else {
            let int_len = exp as usize + 1;
            if digits.len() <= int_len {
                out.extend_from_slice(&digits);
                out.extend(std::iter::repeat_n(b'0', int_len - digits.len()));
                out.extend_from_slice(b".0");
            } else {
                out.extend_from_slice(&digits[..int_len]);
                out.push(b'.');
                out.extend_from_slice(&digits[int_len..]);
            }
        }
    } else {
        out.push(digits[0]);
        if digits.len() > 1 {
            out.push(b'.');
            out.extend_from_slice(&digits[1..]);
        }
        out.push(b'e');
        out.push(if exp < 0 { b'-' } else { b'+' });
        let abs = exp.unsigned_abs();
        if abs < 10 {
            out.push(b'0');
        }
        out.extend_from_slice(itoa::Buffer::new().format(abs).as_bytes());
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fault::FaultCode;
    use crate::value::Struct;

    fn fragment(v: &Value) -> String {
        let mut out = Vec::new();
        ValueWriter::new(&mut out).value(v);
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn scalars_look_like_python() {
        assert_eq!(fragment(&Value::Int(-5)), "<value><int>-5</int></value>\n");
        assert_eq!(
            fragment(&Value::I8(1 << 40)),
            "<value><i8>1099511627776</i8></value>\n"
        );
        assert_eq!(
            fragment(&Value::Bool(true)),
            "<value><boolean>1</boolean></value>\n"
        );
        assert_eq!(
            fragment(&Value::Bool(false)),
            "<value><boolean>0</boolean></value>\n"
        );
        assert_eq!(
            fragment(&Value::from("a<b>&c")),
            "<value><string>a&lt;b&gt;&amp;c</string></value>\n"
        );
        assert_eq!(
            fragment(&Value::from("")),
            "<value><string></string></value>\n"
        );
        assert_eq!(
            fragment(&Value::Double(1.5)),
            "<value><double>1.5</double></value>\n"
        );
        assert_eq!(
            fragment(&Value::DateTime(
                DateTime::parse("20261125T15:20:00").unwrap()
            )),
            "<value><dateTime.iso8601>20261125T15:20:00</dateTime.iso8601></value>\n"
        );
        assert_eq!(fragment(&Value::Nil), "<value><nil/></value>");
    }

    #[test]
    fn base64_layout() {
        assert_eq!(
            fragment(&Value::base64(Vec::new())),
            "<value><base64>\n</base64></value>\n"
        );
        assert_eq!(
            fragment(&Value::base64(b"hi".to_vec())),
            "<value><base64>\naGk=\n</base64></value>\n"
        );
        let long = fragment(&Value::base64(vec![b'a'; 100]));
        let body: Vec<&str> = long.lines().collect();
        assert_eq!(body[1].len(), 76);
        assert_eq!(
            body[2],
            "YWFhYWFhYWFhYWFhYWFhYWFhYWFhYWFhYWFhYWFhYWFhYWFhYWFhYWFhYQ=="
        );
        assert_eq!(body[3], "</base64></value>");
    }

    #[test]
    fn containers_look_like_python() {
        assert_eq!(
            fragment(&Value::Array(vec![])),
            "<value><array><data>\n</data></array></value>\n"
        );
        assert_eq!(
            fragment(&Value::Struct(Struct::new())),
            "<value><struct>\n</struct></value>\n"
        );
        assert_eq!(
            fragment(&Value::array([Value::Int(1), Value::Nil])),
            "<value><array><data>\n<value><int>1</int></value>\n<value><nil/></value></data></array></value>\n"
        );
        assert_eq!(
            fragment(&Value::structure([("a&b", Value::from(vec!["x"]))])),
            "<value><struct>\n<member>\n<name>a&amp;b</name>\n<value><array><data>\n\
             <value><string>x</string></value>\n</data></array></value>\n</member>\n</struct></value>\n"
        );
    }

    #[test]
    fn documents_look_like_python() {
        assert_eq!(
            String::from_utf8(encode_response(&Value::from("3.0"))).unwrap(),
            "<?xml version='1.0'?>\n<methodResponse>\n<params>\n<param>\n\
             <value><string>3.0</string></value>\n</param>\n</params>\n</methodResponse>\n"
        );
        assert_eq!(
            String::from_utf8(encode_fault(&FaultCode::BadName.with_detail("x"))).unwrap(),
            "<?xml version='1.0'?>\n<methodResponse>\n<fault>\n<value><struct>\n<member>\n\
             <name>faultCode</name>\n<value><int>10</int></value>\n</member>\n<member>\n\
             <name>faultString</name>\n<value><string>BAD_NAME: x</string></value>\n</member>\n\
             </struct></value>\n</fault>\n</methodResponse>\n"
        );
        assert_eq!(
            String::from_utf8(encode_call("a.b", &[])).unwrap(),
            "<?xml version='1.0'?>\n<methodCall>\n<methodName>a.b</methodName>\n<params>\n\
             </params>\n</methodCall>\n"
        );
        assert_eq!(
            String::from_utf8(encode_call("x<y", &[Value::Int(1)])).unwrap(),
            "<?xml version='1.0'?>\n<methodCall>\n<methodName>x&lt;y</methodName>\n<params>\n\
             <param>\n<value><int>1</int></value>\n</param>\n</params>\n</methodCall>\n"
        );
    }

    #[test]
    fn streaming_equals_tree() {
        let tree = Value::array([
            Value::structure([
                ("name", Value::from("cat")),
                ("pid", Value::Int(12)),
                ("big", Value::I8(1 << 33)),
                ("ok", Value::Bool(true)),
                ("log", Value::from("a\u{FFFD}b")),
                ("nested", Value::array([Value::Int(1)])),
            ]),
            Value::Int(3),
            Value::from("s"),
        ]);
        let streamed = response_with(|w| {
            w.array(|a| {
                a.item().structure(|s| {
                    s.string("name", "cat");
                    s.int("pid", 12);
                    s.int_auto("big", 1 << 33);
                    s.boolean("ok", true);
                    s.string_lossy("log", b"a\xffb");
                    s.member("nested", |v| v.array(|a| a.int(1)));
                });
                a.int_auto(3);
                a.string("s");
            })
        });
        assert_eq!(streamed, encode_response(&tree));
    }

    #[test]
    fn illegal_characters_become_replacement() {
        assert_eq!(
            fragment(&Value::from("a\u{1}b\u{0}c\u{1F}d\u{FFFE}e\u{FFFF}f")),
            "<value><string>a\u{FFFD}b\u{FFFD}c\u{FFFD}d\u{FFFD}e\u{FFFD}f</string></value>\n"
        );
        // Tab and newline stay; carriage return is a character reference so it survives.
        assert_eq!(
            fragment(&Value::from("\t\n\r")),
            "<value><string>\t\n&#13;</string></value>\n"
        );
        // Other characters starting with byte 0xEF are untouched.
        assert_eq!(
            fragment(&Value::from("\u{FFFD}\u{F000}\u{FFEE}")),
            "<value><string>\u{FFFD}\u{F000}\u{FFEE}</string></value>\n"
        );
        assert_eq!(replace_illegal_chars("ok\t"), "ok\t");
        assert_eq!(replace_illegal_chars("\u{7}x\u{FFFF}"), "\u{FFFD}x\u{FFFD}");
        assert!(is_xml_char('\u{10FFFF}'));
        assert!(!is_xml_char('\u{B}'));
    }

    #[test]
    fn lossy_bytes() {
        let mut out = Vec::new();
        ValueWriter::new(&mut out).string_lossy(b"ok\xff\xfe<\x01\xe2\x82");
        assert_eq!(
            String::from_utf8(out).unwrap(),
            "<value><string>ok\u{FFFD}\u{FFFD}&lt;\u{FFFD}\u{FFFD}</string></value>\n"
        );
    }

    #[test]
    fn doubles_like_python_repr() {
        let cases = [
            (0.0, "0.0"),
            (-0.0, "-0.0"),
            (1.0, "1.0"),
            (1.5, "1.5"),
            (-2.25, "-2.25"),
            (0.1, "0.1"),
            (0.0001, "0.0001"),
            (0.00001, "1e-05"),
            (1.5e-5, "1.5e-05"),
            (123.0, "123.0"),
            (1e15, "1000000000000000.0"),
            (1234567890123456.7, "1234567890123456.8"),
            (1e16, "1e+16"),
            (1.5e16, "1.5e+16"),
            (1e22, "1e+22"),
            (1e100, "1e+100"),
            (5e-324, "5e-324"),
            (f64::MAX, "1.7976931348623157e+308"),
            (f64::INFINITY, "inf"),
            (f64::NEG_INFINITY, "-inf"),
            (f64::NAN, "nan"),
            (123456.789, "123456.789"),
        ];
        for (v, want) in cases {
            assert_eq!(format_double(v), want, "{v:e}");
        }
    }
}
