//! Hostile and broken bodies: every one is an error (never a panic), and quickly.

use std::time::{Duration, Instant};

use supervisor_xmlrpc::{
    decode_call, decode_call_with, decode_method_response, encode_call, DecodeError,
    DecodeErrorKind, Limits, Value,
};

/// Generous bound for "fails fast" on a loaded 2-core machine in a debug build; a parser that
/// expanded entities or went quadratic would take far longer on these inputs.
const FAST: Duration = Duration::from_secs(5);

fn timed<T>(f: impl FnOnce() -> T) -> T {
    let start = Instant::now();
    let out = f();
    assert!(start.elapsed() < FAST, "took {:?}", start.elapsed());
    out
}

fn call_err(body: &[u8]) -> DecodeError {
    timed(|| decode_call(body)).expect_err("must be rejected")
}

fn wrap_value(v: &str) -> String {
    format!(
        "<?xml version='1.0'?>\n<methodCall>\n<methodName>a.b</methodName>\n<params>\n<param>\n{v}</param>\n</params>\n</methodCall>\n"
    )
}

fn sample_call() -> Vec<u8> {
    encode_call(
        "supervisor.startProcess",
        &[
            Value::from("cat <&>"),
            Value::Bool(true),
            Value::structure([("a", Value::array([Value::Int(1), Value::Double(2.5)]))]),
            Value::base64(b"xyz".to_vec()),
            Value::Nil,
        ],
    )
}

#[test]
fn every_truncation_is_an_error() {
    let body = sample_call();
    assert!(decode_call(&body).is_ok());
    // The final newline after the root is optional; everything shorter is broken.
    let complete = body.len() - 1;
    for cut in 0..complete {
        let result = decode_call(&body[..cut]);
        assert!(
            result.is_err(),
            "prefix of {cut} bytes was accepted: {result:?}"
        );
    }
    assert!(decode_call(&body[..complete]).is_ok());
}

#[test]
fn unknown_tags_and_wrong_nesting() {
    let cases = [
        wrap_value("<value><bogus>1</bogus></value>"),
        wrap_value("<value><int>1</int></value><value><int>2</int></value>"),
        wrap_value("<int>1</int>"),
        wrap_value("<value><array><data><member/></data></array></value>"),
        wrap_value("<value><struct><member><name>a</name><name>b</name></member></struct></value>"),
        "<methodCall><methodName>a</methodName><params><value>1</value></params></methodCall>"
            .to_owned(),
        "<methodCall><methodName>a</methodName><param/></methodCall>".to_owned(),
        "<methodResponse><params><param><value/></param></params><fault/></methodResponse>"
            .to_owned(),
        "<methodCall><methodName>a</methodName></methodCall><extra/>".to_owned(),
        "<html><body>not xml-rpc</body></html>".to_owned(),
    ];
    for body in &cases {
        let err = call_err(body.as_bytes());
        assert!(
            matches!(err.kind(), DecodeErrorKind::UnexpectedElement { .. }),
            "{body}: {err}"
        );
    }
    // Crossed tags are an XML error.
    let err = call_err(wrap_value("<value><int>1</value></int>").as_bytes());
    assert!(matches!(err.kind(), DecodeErrorKind::Xml(_)), "{err}");
}

#[test]
fn ten_thousand_deep_nesting_is_refused_without_recursion() {
    let n = 10_000;
    let arrays = format!(
        "{}{}",
        "<value><array><data>".repeat(n),
        "</data></array></value>".repeat(n)
    );
    let err = call_err(wrap_value(&arrays).as_bytes());
    assert_eq!(err.kind(), &DecodeErrorKind::TooDeep { limit: 64 });

    let structs = format!(
        "{}{}",
        "<value><struct><member><name>k</name>".repeat(n),
        "</member></struct></value>".repeat(n)
    );
    let err = call_err(wrap_value(&structs).as_bytes());
    assert_eq!(err.kind(), &DecodeErrorKind::TooDeep { limit: 64 });

    // Nesting that XML-RPC does not allow at all fails at the second level.
    let values = format!("{}{}", "<value>".repeat(n), "</value>".repeat(n));
    let err = call_err(wrap_value(&values).as_bytes());
    assert!(matches!(
        err.kind(),
        DecodeErrorKind::UnexpectedElement { .. }
    ));
    let unknown = format!("{}{}", "<a>".repeat(n), "</a>".repeat(n));
    let err = call_err(unknown.as_bytes());
    assert!(matches!(
        err.kind(),
        DecodeErrorKind::UnexpectedElement { .. }
    ));

    // The same deep arrays never closed: still the depth error, not a hang or overflow.
    let open = "<value><array><data>".repeat(n);
    let err = call_err(wrap_value(&open).as_bytes());
    assert_eq!(err.kind(), &DecodeErrorKind::TooDeep { limit: 64 });

    // Exactly at the limit is fine.
    let at_limit = format!(
        "{}{}",
        "<value><array><data>".repeat(64),
        "</data></array></value>".repeat(64)
    );
    assert!(decode_call(wrap_value(&at_limit).as_bytes()).is_ok());
}

#[test]
fn billion_laughs_fails_fast() {
    let mut dtd =
        String::from("<?xml version=\"1.0\"?>\n<!DOCTYPE lolz [\n<!ENTITY lol \"lol\">\n");
    dtd.push_str("<!ENTITY lol1 \"&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;\">\n");
    for i in 2..=9 {
        let prev = format!("&lol{};", i - 1);
        dtd.push_str(&format!("<!ENTITY lol{i} \"{}\">\n", prev.repeat(10)));
    }
    dtd.push_str("]>\n");
    let body = format!("{dtd}<methodCall><methodName>&lol9;</methodName></methodCall>");
    let err = call_err(body.as_bytes());
    assert_eq!(err.kind(), &DecodeErrorKind::Doctype);

    // Without a DTD the entity is simply undefined.
    let err = call_err(b"<methodCall><methodName>&lol9;</methodName></methodCall>");
    assert_eq!(err.kind(), &DecodeErrorKind::UndefinedEntity("lol9".into()));

    // External entities are refused the same way.
    let xxe = "<!DOCTYPE x [<!ENTITY e SYSTEM \"file:///etc/passwd\">]><methodCall><methodName>&e;</methodName></methodCall>";
    assert_eq!(call_err(xxe.as_bytes()).kind(), &DecodeErrorKind::Doctype);
}

#[test]
fn ten_megabyte_body_is_refused_by_size() {
    let big = wrap_value(&format!(
        "<value><string>{}</string></value>",
        "x".repeat(10 << 20)
    ));
    let err = call_err(big.as_bytes());
    assert_eq!(
        err.kind(),
        &DecodeErrorKind::TooLarge {
            size: big.len(),
            limit: Limits::DEFAULT_MAX_BODY
        }
    );
    // With a larger limit the same body is fine, and parsing it is linear.
    let limits = Limits {
        max_body_bytes: 16 << 20,
        ..Limits::request()
    };
    let call = timed(|| decode_call_with(big.as_bytes(), &limits)).unwrap();
    assert_eq!(call.params[0].as_str().map(str::len), Some(10 << 20));
}

#[test]
fn invalid_utf8_is_refused() {
    let mut body = wrap_value("<value><string>caf").into_bytes();
    let at = body.len();
    body.extend_from_slice(b"\xe9</string></value>");
    let err = call_err(&body);
    assert_eq!(err.kind(), &DecodeErrorKind::InvalidUtf8);
    assert_eq!(err.offset(), at);
    // Overlong encodings and lone surrogates encoded as UTF-8 are not UTF-8 either.
    for bad in [&b"\xc0\xaf"[..], b"\xed\xa0\x80", b"\xf8\x88\x80\x80\x80"] {
        let mut body = b"<methodCall><methodName>".to_vec();
        body.extend_from_slice(bad);
        body.extend_from_slice(b"</methodName></methodCall>");
        assert_eq!(call_err(&body).kind(), &DecodeErrorKind::InvalidUtf8);
    }
}

#[test]
fn bad_numbers() {
    for v in [
        "<value><int>abc</int></value>",
        "<value><int>2147483648</int></value>",
        "<value><i4>-2147483649</i4></value>",
        "<value><int>99999999999999999999999999999</int></value>",
        "<value><i8>9223372036854775808</i8></value>",
        "<value><i8>-9223372036854775809</i8></value>",
        "<value><int>0x10</int></value>",
        "<value><int>1e3</int></value>",
        "<value><double>abc</double></value>",
        "<value><double>0x1p3</double></value>",
    ] {
        let err = call_err(wrap_value(v).as_bytes());
        assert!(
            matches!(err.kind(), DecodeErrorKind::InvalidScalar { .. }),
            "{v}: {err}"
        );
    }
    // Python's limits are the edges of the types.
    let max = wrap_value("<value><int>2147483647</int></value>");
    assert_eq!(
        decode_call(max.as_bytes()).unwrap().params,
        [Value::Int(i32::MAX)]
    );
    let big = wrap_value("<value><i8>-9223372036854775808</i8></value>");
    assert_eq!(
        decode_call(big.as_bytes()).unwrap().params,
        [Value::I8(i64::MIN)]
    );
}

#[test]
fn garbage_and_edge_bodies() {
    for body in [
        &b""[..],
        b"\xEF\xBB\xBF",
        b"<",
        b"<?xml",
        b"<?xml version='1.0'?>",
        b"<methodCall",
        b"<methodCall>",
        b"</methodCall>",
        b"<!-- only a comment -->",
        b"<![CDATA[x]]>",
        b"just text",
        b"\x00\x00\x00",
        b"<methodCall>\x00</methodCall>",
        b"<methodCall><methodName>a</methodName><params><param><value>&#xD800;</value></param></params></methodCall>",
        b"<methodCall><methodName>a</methodName><params><param><value>&#x110000;</value></param></params></methodCall>",
        b"<methodCall><methodName>a</methodName><params><param><value>&#;</value></param></params></methodCall>",
        b"<methodCall><methodName>a</methodName><params><param><value>&amp</value></param></params></methodCall>",
    ] {
        let result = timed(|| decode_call(body));
        assert!(result.is_err(), "{:?} accepted", String::from_utf8_lossy(body));
        let result = timed(|| decode_method_response(body));
        assert!(result.is_err(), "{:?} accepted", String::from_utf8_lossy(body));
    }
}

#[test]
fn many_members_and_items_stay_linear() {
    // Many members with the same key keep dict semantics (first position, last value);
    // tests/large.rs checks that decoding time grows linearly with size.
    let member = "<member><name>k</name><value><int>1</int></value></member>";
    let body = wrap_value(&format!(
        "<value><struct>{}</struct></value>",
        member.repeat(20_000)
    ));
    let limits = Limits {
        max_body_bytes: 64 << 20,
        ..Limits::request()
    };
    let call = timed(|| decode_call_with(body.as_bytes(), &limits)).unwrap();
    assert_eq!(call.params[0].as_struct().map(|s| s.len()), Some(1));
    // Distinct keys too.
    let members: String = (0..20_000)
        .map(|i| format!("<member><name>k{i}</name><value/></member>"))
        .collect();
    let body = wrap_value(&format!("<value><struct>{members}</struct></value>"));
    let call = timed(|| decode_call_with(body.as_bytes(), &limits)).unwrap();
    assert_eq!(call.params[0].as_struct().map(|s| s.len()), Some(20_000));
}
