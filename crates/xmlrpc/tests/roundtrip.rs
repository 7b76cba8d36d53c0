//! Property tests: encode → decode is the identity on values XML can carry, and no input,
//! however mangled, makes the decoder panic.

use proptest::prelude::*;
use supervisor_xmlrpc::encode::replace_illegal_chars;
use supervisor_xmlrpc::{
    decode_call, decode_method_response, encode_call, encode_fault, encode_response, DateTime,
    Fault, MethodResponse, Struct, Value,
};

/// Text with a bias towards the characters that need care: markup, line ends, whitespace,
/// non-ASCII, and the forbidden controls (which the encoder replaces).
fn text() -> impl Strategy<Value = String> {
    let special = prop_oneof![
        Just('<'),
        Just('>'),
        Just('&'),
        Just('\r'),
        Just('\n'),
        Just('\t'),
        Just(' '),
        Just(']'),
        Just('\u{1}'),
        Just('\u{FFFE}'),
        Just('\u{e9}'),
        Just('\u{1F600}'),
    ];
    prop::collection::vec(prop_oneof![3 => any::<char>(), 1 => special], 0..24)
        .prop_map(|chars| chars.into_iter().collect())
}

fn double() -> impl Strategy<Value = f64> {
    prop_oneof![
        any::<f64>().prop_filter("NaN is not equal to itself", |d| !d.is_nan()),
        Just(f64::INFINITY),
        Just(f64::NEG_INFINITY),
        Just(-0.0),
        (-1_000_000i64..1_000_000).prop_map(|i| i as f64 / 100.0),
    ]
}

fn datetime() -> impl Strategy<Value = DateTime> {
    (1u16..=9999, 1u8..=12, 1u8..=28, 0u8..24, 0u8..60, 0u8..60)
        .prop_map(|(y, mo, d, h, mi, s)| DateTime::new(y, mo, d, h, mi, s).unwrap())
}

fn value() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        any::<i32>().prop_map(Value::Int),
        any::<i64>().prop_map(Value::I8),
        any::<bool>().prop_map(Value::Bool),
        text().prop_map(Value::String),
        double().prop_map(Value::Double),
        datetime().prop_map(Value::DateTime),
        prop::collection::vec(any::<u8>(), 0..80).prop_map(Value::Base64),
        Just(Value::Nil),
    ];
    leaf.prop_recursive(4, 48, 6, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..6).prop_map(Value::Array),
            prop::collection::vec((text(), inner), 0..6)
                .prop_map(|members| Value::Struct(members.into_iter().collect::<Struct>())),
        ]
    })
}

/// What a reader gets back from our encoder: forbidden characters as U+FFFD.
fn sanitized(v: &Value) -> Value {
    match v {
        Value::String(s) => Value::from(replace_illegal_chars(s).into_owned()),
        Value::Array(a) => Value::Array(a.iter().map(sanitized).collect()),
        Value::Struct(s) => Value::Struct(
            s.iter()
                .map(|(k, v)| (replace_illegal_chars(k).into_owned(), sanitized(v)))
                .collect(),
        ),
        other => other.clone(),
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn response_round_trip(v in value()) {
        let body = encode_response(&v);
        prop_assert_eq!(decode_method_response(&body), Ok(MethodResponse::Success(sanitized(&v))));
    }

    #[test]
    fn call_round_trip(name in "[a-zA-Z_.<&>]{1,20}", params in prop::collection::vec(value(), 0..4)) {
        let body = encode_call(&name, &params);
        let call = decode_call(&body).unwrap();
        prop_assert_eq!(call.name, name);
        prop_assert_eq!(call.params, params.iter().map(sanitized).collect::<Vec<_>>());
    }

    #[test]
    fn fault_round_trip(code in any::<i32>(), string in text()) {
        let fault = Fault::new(code, string);
        let body = encode_fault(&fault);
        let expected = Fault::new(code, replace_illegal_chars(&fault.string).into_owned());
        prop_assert_eq!(decode_method_response(&body), Ok(MethodResponse::Fault(expected)));
    }

    /// Mangled documents (bytes cut, replaced, inserted or duplicated) never panic.
    #[test]
    fn mangled_input_never_panics(
        v in value(),
        edits in prop::collection::vec((any::<prop::sample::Index>(), 0u8..4, any::<u8>()), 1..8),
    ) {
        let mut body = encode_response(&v);
        for (at, op, byte) in edits {
            if body.is_empty() {
                break;
            }
            let i = at.index(body.len());
            match op {
                0 => body.truncate(i),
                1 => body[i] = byte,
                2 => body.insert(i, byte),
                _ => {
                    let chunk = body[i..].iter().take(16).copied().collect::<Vec<_>>();
                    body.splice(i..i, chunk);
                }
            }
        }
        let _ = decode_method_response(&body);
        let _ = decode_call(&body);
    }

    /// Arbitrary bytes never panic either.
    #[test]
    fn arbitrary_bytes_never_panic(body in prop::collection::vec(any::<u8>(), 0..256)) {
        let _ = decode_method_response(&body);
        let _ = decode_call(&body);
    }
}
