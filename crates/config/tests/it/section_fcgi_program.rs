//! `[fcgi-program:x]` (spec §1.5.8): socket options with their defaults, valid and invalid
//! values; program options apply to its processes.

use crate::support::*;
use serde_json::{json, Value};

fn fcgi_conf(extra: &str) -> String {
    format!("[supervisord]\n[fcgi-program:f]\ncommand=/bin/f\n{extra}\n")
}

fn socket_json(extra: &str) -> Value {
    json(&fcgi_conf(extra))["groups"][0]["socket_config"].clone()
}

#[test]
fn tcp_socket_defaults() {
    let v = json(&fcgi_conf("socket=tcp://LocalHost:9002"));
    let g = &v["groups"][0];
    assert_eq!(g["kind"], "fcgi-program");
    assert_eq!(g["name"], "f");
    assert_eq!(g["priority"], 999);
    assert_eq!(
        g["socket_config"],
        json!({"url": "tcp://localhost:9002", "owner": null, "mode": null, "backlog": null})
    );
    assert_eq!(g["processes"][0]["name"], "f");
}

#[test]
fn unix_socket_defaults_and_values() {
    assert_eq!(
        socket_json("socket=unix:///tmp/%(program_name)s.sock"),
        json!({"url": "unix:///tmp/f.sock", "owner": null, "mode": 448, "backlog": null})
    );
    // The program's user owns the socket when it is not supervisord's (euid 0 here).
    assert_eq!(
        socket_json("socket=unix:///tmp/s.sock\nuser=alice")["owner"],
        json!([1000, 100])
    );
    let s = socket_json(
        "socket=unix:///tmp//s.sock\nsocket_owner=bob:staff\nsocket_mode=0666\nsocket_backlog=64",
    );
    assert_eq!(
        s,
        json!({"url": "unix:///tmp/s.sock", "owner": [1001, 100], "mode": 438, "backlog": 64})
    );
    assert_eq!(
        socket_json("socket=unix:///tmp/s.sock\nsocket_owner=alice")["owner"],
        json!([1000, -1])
    );
    assert_eq!(
        socket_json("socket=tcp://h:1\nsocket_backlog=65535")["backlog"],
        65535
    );
}

#[test]
fn invalid_values_and_their_messages() {
    let cases: &[(&str, &str, &str)] = &[
        (
            "socket=bogus",
            "socket",
            "Bad socket format bogus in [fcgi-program:f] socket",
        ),
        (
            "socket=unix://rel/path",
            "socket",
            "Unix socket path rel/path is not an absolute path in [fcgi-program:f] socket",
        ),
        (
            "socket=tcp://localhost:9000\nsocket_mode=0600",
            "socket",
            "socket_owner and socket_mode params should only be used with a Unix domain socket \
             in [fcgi-program:f] socket",
        ),
        (
            "socket=tcp://localhost:70000",
            "socket",
            "70000 is above upper bound (65535) in [fcgi-program:f] socket",
        ),
        (
            "socket=tcp://h:1\nsocket_backlog=0",
            "socket_backlog",
            "Invalid socket_backlog value 0",
        ),
        (
            "socket=unix:///tmp/s\nsocket_owner=nosuch",
            "socket_owner",
            "Invalid socket_owner value nosuch",
        ),
        (
            "socket=unix:///tmp/s\nsocket_mode=999",
            "socket_mode",
            "Invalid socket_mode value 999",
        ),
        (
            "socket=unix:///tmp/s\nuser=nosuch",
            "user",
            "Invalid user name nosuch",
        ),
        (
            "",
            "socket",
            "[fcgi-program:f] section requires a \"socket\" line",
        ),
        (
            "socket=",
            "socket",
            "[fcgi-program:f] section requires a \"socket\" line",
        ),
    ];
    for (extra, option, message) in cases {
        let errs = errors(&fcgi_conf(extra));
        assert_eq!(messages(&errs), vec![message.to_string()], "{extra}");
        assert_eq!(errs[0].option.as_deref(), Some(*option), "{extra}");
        assert!(errs[0].line.is_some());
        // Raised at group level in Python: no section suffix.
        assert_eq!(errs[0].python_message(), *message);
    }
}

#[test]
fn program_options_apply() {
    let v = json(&fcgi_conf(
        "socket=tcp://h:1\nnumprocs=2\nprocess_name=%(program_name)s-%(process_num)d\n\
         autostart=false",
    ));
    let procs = v["groups"][0]["processes"].as_array().unwrap().clone();
    assert_eq!(procs.len(), 2);
    assert_eq!(procs[1]["name"], "f-1");
    assert_eq!(procs[1]["autostart"], false);
    let errs = errors(&fcgi_conf("socket=tcp://h:1\nstartsecs=x"));
    assert_eq!(
        errs[0].python_message(),
        format!(
            "invalid literal for int() with base 10: 'x' in section 'fcgi-program:f' (file: \
             '{CONF}')"
        )
    );
}
