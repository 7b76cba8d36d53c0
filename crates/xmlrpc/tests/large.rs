//! getAllProcessInfo-sized documents: 1000 structs of 13+ keys, encoded streaming and from a
//! tree, decoded back, and a check that the work grows linearly with the size.

use std::time::{Duration, Instant};

use supervisor_xmlrpc::{
    decode_call_with, decode_method_response, encode_response, response_with, Limits,
    MethodResponse, Struct, Value,
};

struct Info {
    name: String,
    group: String,
    start: i64,
    pid: i32,
    description: String,
    log: Vec<u8>,
}

fn infos(n: usize) -> Vec<Info> {
    (0..n)
        .map(|i| Info {
            name: format!("worker_{i:05}"),
            group: format!("pool{}", i % 7),
            start: 1_764_000_000 + i as i64,
            pid: 10_000 + i as i32,
            description: format!("pid {}, uptime 1 day, 2:03:04", 10_000 + i),
            log: format!("/var/log/supervisor/worker_{i:05}-stdout.log").into_bytes(),
        })
        .collect()
}

/// The 14 keys of spec §4.9, streamed without building a `Value`.
fn stream(infos: &[Info]) -> Vec<u8> {
    response_with(|w| {
        w.array(|a| {
            for p in infos {
                a.item().structure(|s| {
                    s.string("name", &p.name);
                    s.string("group", &p.group);
                    s.int_auto("start", p.start);
                    s.int("stop", 0);
                    s.int("now", 1_764_086_400);
                    s.int("state", 20);
                    s.string("statename", "RUNNING");
                    s.string("spawnerr", "");
                    s.int("exitstatus", 0);
                    s.string_lossy("logfile", &p.log);
                    s.string_lossy("stdout_logfile", &p.log);
                    s.string("stderr_logfile", "");
                    s.int("pid", p.pid);
                    s.string("description", &p.description);
                });
            }
        })
    })
}

fn tree(infos: &[Info]) -> Value {
    infos
        .iter()
        .map(|p| {
            let mut s = Struct::with_capacity(14);
            s.push("name", p.name.as_str());
            s.push("group", p.group.as_str());
            s.push("start", Value::int(p.start));
            s.push("stop", 0);
            s.push("now", 1_764_086_400);
            s.push("state", 20);
            s.push("statename", "RUNNING");
            s.push("spawnerr", "");
            s.push("exitstatus", 0);
            s.push("logfile", Value::string_lossy(&p.log));
            s.push("stdout_logfile", Value::string_lossy(&p.log));
            s.push("stderr_logfile", "");
            s.push("pid", p.pid);
            s.push("description", p.description.as_str());
            Value::Struct(s)
        })
        .collect()
}

#[test]
fn get_all_process_info_shape_round_trips() {
    let infos = infos(1000);
    let streamed = stream(&infos);
    let value = tree(&infos);
    assert_eq!(streamed, encode_response(&value));
    assert!(streamed.len() > 500_000, "{} bytes", streamed.len());
    match decode_method_response(&streamed) {
        Ok(MethodResponse::Success(back)) => assert_eq!(back, value),
        other => panic!("{other:?}"),
    }
}

/// The best of three runs, to keep a busy machine's noise out of the ratio.
fn best_of_three(mut f: impl FnMut()) -> Duration {
    (0..3)
        .map(|_| {
            let start = Instant::now();
            f();
            start.elapsed()
        })
        .min()
        .expect("three runs")
}

#[test]
fn encode_and_decode_grow_linearly() {
    let small = infos(1000);
    let large = infos(8000);
    let enc_small = best_of_three(|| {
        stream(&small);
    });
    let enc_large = best_of_three(|| {
        stream(&large);
    });
    let body_small = stream(&small);
    let body_large = stream(&large);
    let dec_small = best_of_three(|| {
        decode_method_response(&body_small).unwrap();
    });
    let dec_large = best_of_three(|| {
        decode_method_response(&body_large).unwrap();
    });
    // Eight times the data: linear work takes about 8x, quadratic 64x. Allow 24x for noise.
    for (what, small, large) in [
        ("encode", enc_small, enc_large),
        ("decode", dec_small, dec_large),
    ] {
        let ratio = large.as_secs_f64() / small.as_secs_f64().max(1e-6);
        assert!(
            ratio < 24.0,
            "{what}: {small:?} for 1000, {large:?} for 8000 ({ratio:.1}x)"
        );
    }
}

#[test]
fn big_struct_decode_grows_linearly() {
    // Structs are de-duplicated by key; a repeated key must not make that quadratic.
    let body = |n: usize, distinct: bool| {
        let members: String = (0..n)
            .map(|i| {
                let key = if distinct {
                    format!("k{i}")
                } else {
                    "k".to_owned()
                };
                format!("<member><name>{key}</name><value><int>{i}</int></value></member>")
            })
            .collect();
        format!("<methodCall><methodName>a.b</methodName><params><param><value><struct>{members}</struct></value></param></params></methodCall>")
    };
    let limits = Limits {
        max_body_bytes: 64 << 20,
        ..Limits::request()
    };
    for distinct in [false, true] {
        let small = body(4000, distinct);
        let large = body(32_000, distinct);
        let t_small = best_of_three(|| {
            decode_call_with(small.as_bytes(), &limits).unwrap();
        });
        let t_large = best_of_three(|| {
            decode_call_with(large.as_bytes(), &limits).unwrap();
        });
        let ratio = t_large.as_secs_f64() / t_small.as_secs_f64().max(1e-6);
        assert!(
            ratio < 24.0,
            "distinct={distinct}: {t_small:?} for 4000, {t_large:?} for 32000 ({ratio:.1}x)"
        );
    }
}
