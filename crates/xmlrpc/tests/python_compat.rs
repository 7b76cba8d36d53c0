//! Python's `xmlrpc.client` (and Supervisor's own request parser) as the oracle.
//!
//! One Python process handles the whole batch: it `dumps` a set of values as responses, calls
//! and faults, and `loads` the bodies our encoder wrote. Values cross as JSON with explicit
//! types (`{"int": 1}`, `{"b64": "..."}`, ...), doubles as their `repr` text.

use std::io::Write as _;
use std::path::PathBuf;
use std::process::{Command, Stdio};

use base64::Engine as _;
use serde_json::{json, Value as Json};
use supervisor_xmlrpc::encode::replace_illegal_chars;
use supervisor_xmlrpc::{
    decode_call, decode_method_response, decode_method_response_with, encode_call, encode_fault,
    encode_response, DateTime, DecodeErrorKind, Fault, FaultCode, Limits, MethodResponse, Struct,
    Value,
};

const ORACLE: &str = r#"
import base64, datetime, json, sys
import xmlrpc.client as xc
from supervisor.xmlrpc import supervisor_xmlrpc_handler

def to_py(t):
    (k, v), = t.items()
    if k == "int": return v
    if k == "bool": return v
    if k == "str": return v
    if k == "double": return float(v)
    if k == "dt":
        return datetime.datetime(int(v[0:4]), int(v[4:6]), int(v[6:8]),
                                 int(v[9:11]), int(v[12:14]), int(v[15:17]))
    if k == "b64": return base64.b64decode(v)
    if k == "array": return [to_py(x) for x in v]
    if k == "struct": return {key: to_py(x) for key, x in v}
    if k == "nil": return None
    raise ValueError(k)

def from_py(v):
    if v is None: return {"nil": None}
    if isinstance(v, bool): return {"bool": v}
    if isinstance(v, int): return {"int": v}
    if isinstance(v, float): return {"double": repr(v)}
    if isinstance(v, str): return {"str": v}
    if isinstance(v, (bytes, bytearray)): return {"b64": base64.b64encode(v).decode()}
    if isinstance(v, datetime.datetime):
        return {"dt": "%04d%02d%02dT%02d:%02d:%02d" % (
            v.year, v.month, v.day, v.hour, v.minute, v.second)}
    if isinstance(v, (list, tuple)): return {"array": [from_py(x) for x in v]}
    if isinstance(v, dict): return {"struct": [[k, from_py(x)] for k, x in v.items()]}
    raise TypeError(type(v))

req = json.load(sys.stdin)
out = {"dumped": [], "loaded": [], "supervisor_loaded": []}
for d in req["dump"]:
    if d["kind"] == "response":
        s = xc.dumps((to_py(d["value"]),), methodresponse=True, allow_none=True)
    elif d["kind"] == "call":
        s = xc.dumps(tuple(to_py(v) for v in d["params"]), methodname=d["name"], allow_none=True)
    else:
        s = xc.dumps(xc.Fault(d["code"], d["string"]), methodresponse=True)
    out["dumped"].append(base64.b64encode(s.encode("utf-8")).decode())
for body in req["load"]:
    data = base64.b64decode(body)
    try:
        params, method = xc.loads(data, use_builtin_types=True)
        out["loaded"].append({"params": [from_py(p) for p in params], "method": method})
    except xc.Fault as f:
        out["loaded"].append({"fault": [f.faultCode, f.faultString]})
    except Exception as e:
        out["loaded"].append({"error": repr(e)})
handler = object.__new__(supervisor_xmlrpc_handler)
for body in req["supervisor_load"]:
    data = base64.b64decode(body).decode("utf-8")
    try:
        params, method = handler.loads(data)
        out["supervisor_loaded"].append(
            {"params": [from_py(p) for p in (params or ())], "method": method})
    except Exception as e:
        out["supervisor_loaded"].append({"error": repr(e)})
json.dump(out, sys.stdout)
"#;

fn python() -> PathBuf {
    let venv = match std::env::var_os("SUPERVISOR_RS_VENV") {
        Some(dir) => PathBuf::from(dir),
        None => PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../.venv"),
    };
    let python = venv.join("bin/python");
    assert!(
        python.exists(),
        "no Python reference at {}: run scripts/venv",
        python.display()
    );
    python
}

/// Runs the oracle once over the whole request.
fn oracle(request: &Json) -> Json {
    let mut child = Command::new(python())
        .args(["-c", ORACLE])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .expect("start Python");
    let input = serde_json::to_vec(request).unwrap();
    let mut stdin = child.stdin.take().unwrap();
    // Write from a thread so a large reply cannot deadlock against our write.
    let writer = std::thread::spawn(move || stdin.write_all(&input));
    let output = child.wait_with_output().expect("run Python");
    writer.join().unwrap().expect("write to Python");
    assert!(
        output.status.success(),
        "oracle failed: {:?}",
        output.status
    );
    serde_json::from_slice(&output.stdout).expect("oracle JSON")
}

fn b64(bytes: &[u8]) -> String {
    base64::engine::general_purpose::STANDARD.encode(bytes)
}

fn unb64(s: &Json) -> Vec<u8> {
    base64::engine::general_purpose::STANDARD
        .decode(s.as_str().unwrap())
        .unwrap()
}

fn to_json(v: &Value) -> Json {
    match v {
        Value::Int(i) => json!({ "int": i }),
        Value::I8(i) => json!({ "int": i }),
        Value::Bool(b) => json!({ "bool": b }),
        Value::String(s) => json!({ "str": s }),
        Value::Double(d) => json!({ "double": format!("{d:?}") }),
        Value::DateTime(d) => json!({ "dt": d.to_string() }),
        Value::Base64(b) => json!({ "b64": b64(b) }),
        Value::Array(a) => json!({ "array": a.iter().map(to_json).collect::<Vec<_>>() }),
        Value::Struct(s) => {
            json!({ "struct": s.iter().map(|(k, v)| json!([k, to_json(v)])).collect::<Vec<_>>() })
        }
        Value::Nil => json!({ "nil": null }),
    }
}

fn from_json(j: &Json) -> Value {
    let (k, v) = j.as_object().unwrap().iter().next().unwrap();
    match k.as_str() {
        "int" => Value::int(v.as_i64().expect("int fits i64")),
        "bool" => Value::Bool(v.as_bool().unwrap()),
        "str" => Value::from(v.as_str().unwrap()),
        "double" => Value::Double(v.as_str().unwrap().parse().unwrap()),
        "dt" => Value::DateTime(DateTime::parse(v.as_str().unwrap()).unwrap()),
        "b64" => Value::base64(unb64(v)),
        "array" => v.as_array().unwrap().iter().map(from_json).collect(),
        "struct" => Value::Struct(
            v.as_array()
                .unwrap()
                .iter()
                .map(|pair| (pair[0].as_str().unwrap().to_owned(), from_json(&pair[1])))
                .collect::<Struct>(),
        ),
        "nil" => Value::Nil,
        other => panic!("unknown type {other}"),
    }
}

/// Equality that treats `Int`/`I8` by number and NaN as equal to NaN.
fn same(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Double(x), Value::Double(y)) => {
            (x.is_nan() && y.is_nan()) || x.to_bits() == y.to_bits()
        }
        (Value::Array(x), Value::Array(y)) => {
            x.len() == y.len() && x.iter().zip(y).all(|(a, b)| same(a, b))
        }
        (Value::Struct(x), Value::Struct(y)) => {
            x.len() == y.len()
                && x.iter()
                    .zip(y.iter())
                    .all(|((ka, va), (kb, vb))| ka == kb && same(va, vb))
        }
        _ => match (a.as_i64(), b.as_i64()) {
            (Some(x), Some(y)) => x == y,
            _ => a == b,
        },
    }
}

/// `v` as a reader of our output sees it: forbidden characters replaced by U+FFFD.
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

/// Whether Python's `dumps` can write `v` and write exactly what we write: no `<i8>`, no text
/// with `\r` (Python writes it raw) or forbidden characters (Python writes broken XML).
fn python_writes_same(v: &Value) -> bool {
    let text_ok = |s: &str| !s.contains('\r') && replace_illegal_chars(s) == s;
    match v {
        Value::I8(_) => false,
        Value::String(s) => text_ok(s),
        Value::Array(a) => a.iter().all(python_writes_same),
        Value::Struct(s) => s.iter().all(|(k, v)| text_ok(k) && python_writes_same(v)),
        _ => true,
    }
}

/// A deterministic stream of doubles spread over the whole range (xorshift over the bits).
fn doubles(n: usize) -> Vec<f64> {
    let mut x: u64 = 0x9E37_79B9_7F4A_7C15;
    let mut out = Vec::new();
    while out.len() < n {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        let d = f64::from_bits(x);
        if d.is_finite() {
            out.push(d);
        }
        // Also short decimals, where repr's shortest-digits choice is most visible.
        out.push((x % 2_000_000) as f64 / 1000.0 - 1000.0);
    }
    out
}

fn process_info(i: i32) -> Value {
    Value::structure([
        ("name", Value::from(format!("proc_{i:04}"))),
        ("group", Value::from("g")),
        ("start", Value::Int(1_764_000_000 + i)),
        ("stop", Value::Int(0)),
        ("now", Value::Int(1_764_086_400)),
        ("state", Value::Int(20)),
        ("statename", Value::from("RUNNING")),
        ("spawnerr", Value::from("")),
        ("exitstatus", Value::Int(0)),
        ("logfile", Value::from("/var/log/x.log")),
        ("stdout_logfile", Value::from("/var/log/x.log")),
        ("stderr_logfile", Value::from("")),
        ("pid", Value::Int(1000 + i)),
        (
            "description",
            Value::from("pid 1000, uptime 1 day, 0:00:00"),
        ),
    ])
}

fn samples() -> Vec<Value> {
    let dt = |s: &str| Value::DateTime(DateTime::parse(s).unwrap());
    let mut v = vec![
        Value::Int(0),
        Value::Int(1),
        Value::Int(-1),
        Value::Int(i32::MAX),
        Value::Int(i32::MIN),
        Value::I8(1 << 31),
        Value::I8(-(1 << 31) - 1),
        Value::I8(i64::MAX),
        Value::I8(i64::MIN),
        Value::Bool(true),
        Value::Bool(false),
        Value::from(""),
        Value::from("hello"),
        Value::from("unicode: \u{e9} \u{fc} \u{65e5}\u{672c} \u{1F389} \u{10FFFF}"),
        Value::from("xml: <a href=\"x\">&amp;</a> ]]> '\" &#1;"),
        Value::from("  leading and trailing  "),
        Value::from("\t\n"),
        Value::from("line1\nline2\n"),
        Value::from("cr\r\nlf and lone\r"),
        Value::from("ctl: \u{0}\u{1}\u{8}\u{B}\u{C}\u{E}\u{1F} end"),
        Value::from("nonchars: \u{FFFE}\u{FFFF} ok: \u{FFFD}\u{7F}\u{85}"),
        Value::Double(0.0),
        Value::Double(-0.0),
        Value::Double(1.5),
        Value::Double(0.1),
        Value::Double(1e-5),
        Value::Double(1e16),
        Value::Double(f64::MAX),
        Value::Double(5e-324),
        Value::Double(f64::INFINITY),
        Value::Double(f64::NEG_INFINITY),
        Value::Double(f64::NAN),
        dt("20261125T15:20:00"),
        dt("00010101T00:00:00"),
        dt("99991231T23:59:59"),
        dt("09990102T03:04:05"),
        Value::base64(Vec::new()),
        Value::base64(b"hello".to_vec()),
        Value::base64((0..=255).collect::<Vec<u8>>()),
        Value::base64(
            (0..1000u32)
                .map(|i| (i * 7919 % 251) as u8)
                .collect::<Vec<u8>>(),
        ),
        Value::Nil,
        Value::Array(vec![]),
        Value::Struct(Struct::new()),
        Value::array([
            Value::Int(1),
            Value::from("two"),
            Value::Array(vec![Value::Array(vec![])]),
            Value::Nil,
            Value::Bool(false),
        ]),
        Value::structure([
            ("b", Value::Int(1)),
            ("a", Value::from("x")),
            ("<&>", Value::from("key with specials")),
            ("", Value::from("empty key")),
            (
                "nested",
                Value::structure([("deep", Value::array([Value::Int(2)]))]),
            ),
        ]),
        process_info(7),
    ];
    v.extend(doubles(2000).into_iter().map(Value::Double));
    v
}

#[test]
fn python_compatibility() {
    let samples = samples();
    let dumpable: Vec<&Value> = samples
        .iter()
        .filter(|v| !matches!(v, Value::I8(_)))
        .collect();
    let call_params = [
        Value::from("cat"),
        Value::Bool(true),
        Value::Int(3),
        Value::array([Value::from("x")]),
    ];
    let faults = [
        FaultCode::BadName.with_detail("foo"),
        FaultCode::UnknownMethod.fault(),
        Fault::new(-1, "negative <&> \u{e9}"),
        Fault::new(i32::MAX, ""),
    ];

    let mut dump = Vec::new();
    for v in &dumpable {
        dump.push(json!({"kind": "response", "value": to_json(v)}));
    }
    dump.push(json!({"kind": "call", "name": "supervisor.startProcess",
        "params": call_params.iter().map(to_json).collect::<Vec<_>>()}));
    dump.push(json!({"kind": "call", "name": "system.listMethods", "params": []}));
    for f in &faults {
        dump.push(json!({"kind": "fault", "code": f.code, "string": f.string}));
    }

    let mut load = Vec::new();
    for v in &samples {
        load.push(b64(&encode_response(v)));
    }
    load.push(b64(&encode_call("supervisor.startProcess", &call_params)));
    load.push(b64(&encode_call("x.y", &samples)));
    for f in &faults {
        load.push(b64(&encode_fault(f)));
    }

    let supervisor_params = [
        Value::from("cat"),
        Value::Bool(true),
        Value::Bool(false),
        Value::Int(-5),
        Value::Double(2.5),
        Value::from("<&> \u{e9}"),
        Value::structure([
            ("methodName", Value::from("a.b")),
            ("params", Value::array([1])),
        ]),
        Value::base64(b"utf-8 text \xc3\xa9".to_vec()),
        Value::I8(1 << 40),
        Value::Nil,
        Value::from("ctl \u{1} \r"),
    ];
    let supervisor_load = vec![
        b64(&encode_call(
            "supervisor.sendProcessStdin",
            &supervisor_params,
        )),
        b64(&encode_call("supervisor.getState", &[])),
    ];

    let reply = oracle(&json!({"dump": dump, "load": load, "supervisor_load": supervisor_load}));
    let dumped: Vec<Vec<u8>> = reply["dumped"]
        .as_array()
        .unwrap()
        .iter()
        .map(unb64)
        .collect();
    let loaded = reply["loaded"].as_array().unwrap();
    let supervisor_loaded = reply["supervisor_loaded"].as_array().unwrap();

    // 1. Python's responses: we decode the same values, and write the same bytes.
    let mut compared = 0;
    for (v, body) in dumpable.iter().zip(&dumped) {
        let text = String::from_utf8_lossy(body);
        if python_writes_same(v) {
            compared += 1;
            assert_eq!(encode_response(v), *body, "bytes differ for {v:?}");
            match decode_method_response(body) {
                Ok(MethodResponse::Success(got)) => assert!(same(&got, v), "{v:?} -> {got:?}"),
                other => panic!("{v:?}: {other:?} from {text}"),
            }
        }
    }

    assert!(
        compared > 2000,
        "only {compared} samples compared byte for byte"
    );

    // Python writes \r raw, so an XML parser reads it back as \n: ours does too.
    let cr = dumpable
        .iter()
        .position(|v| v.as_str() == Some("cr\r\nlf and lone\r"))
        .unwrap();
    assert_eq!(
        decode_method_response(&dumped[cr]),
        Ok(MethodResponse::Success(Value::from("cr\nlf and lone\n")))
    );

    // Python writes control characters raw (spec Q32): the strict decoder refuses that like
    // Python's own parser, the response decoder reads it.
    let ctl = dumpable
        .iter()
        .position(|v| v.as_str().is_some_and(|s| s.starts_with("ctl: ")))
        .unwrap();
    let err = decode_method_response_with(&dumped[ctl], &Limits::request()).unwrap_err();
    assert_eq!(err.kind(), &DecodeErrorKind::IllegalChar(0));
    assert_eq!(
        decode_method_response(&dumped[ctl]),
        Ok(MethodResponse::Success(dumpable[ctl].clone()))
    );

    let n = dumpable.len();
    let call = decode_call(&dumped[n]).unwrap();
    assert_eq!(call.name, "supervisor.startProcess");
    assert_eq!(call.params, call_params);
    assert_eq!(
        encode_call("supervisor.startProcess", &call_params),
        dumped[n]
    );
    let call = decode_call(&dumped[n + 1]).unwrap();
    assert_eq!(call.name, "system.listMethods");
    assert!(call.params.is_empty());
    assert_eq!(encode_call("system.listMethods", &[]), dumped[n + 1]);
    for (i, f) in faults.iter().enumerate() {
        let body = &dumped[n + 2 + i];
        assert_eq!(encode_fault(f), *body);
        assert_eq!(
            decode_method_response(body),
            Ok(MethodResponse::Fault(f.clone()))
        );
    }

    // 2. Our output: Python reads the same values (with forbidden characters as U+FFFD).
    for (v, got) in samples.iter().zip(loaded) {
        let params = got["params"]
            .as_array()
            .unwrap_or_else(|| panic!("Python could not read {v:?}: {got}"));
        assert_eq!(params.len(), 1);
        let back = from_json(&params[0]);
        assert!(same(&back, &sanitized(v)), "{v:?} came back as {back:?}");
    }
    let m = samples.len();
    let start = &loaded[m];
    assert_eq!(start["method"], "supervisor.startProcess");
    let params: Vec<Value> = start["params"]
        .as_array()
        .unwrap()
        .iter()
        .map(from_json)
        .collect();
    assert_eq!(params, call_params);
    let all = &loaded[m + 1];
    assert_eq!(all["method"], "x.y");
    let params: Vec<Value> = all["params"]
        .as_array()
        .unwrap()
        .iter()
        .map(from_json)
        .collect();
    assert_eq!(params.len(), samples.len());
    for (a, b) in params.iter().zip(&samples) {
        assert!(same(a, &sanitized(b)), "{b:?} came back as {a:?}");
    }
    for (i, f) in faults.iter().enumerate() {
        assert_eq!(loaded[m + 2 + i]["fault"], json!([f.code, f.string]));
    }

    // 3. Supervisor 4.3.0's request parser reads our calls (its quirks: base64 arrives as a
    // string, <i8> as the digits' string, <nil/> as None).
    let got = &supervisor_loaded[0];
    assert_eq!(got["method"], "supervisor.sendProcessStdin", "{got}");
    let params: Vec<Value> = got["params"]
        .as_array()
        .unwrap()
        .iter()
        .map(from_json)
        .collect();
    let mut expected = supervisor_params.to_vec();
    expected[7] = Value::from("utf-8 text \u{e9}");
    expected[8] = Value::from((1i64 << 40).to_string());
    expected[10] = Value::from("ctl \u{FFFD} \r");
    assert_eq!(params, expected);
    assert_eq!(supervisor_loaded[1]["method"], "supervisor.getState");
    assert_eq!(supervisor_loaded[1]["params"], json!([]));
}
