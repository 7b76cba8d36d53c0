//! `[unix_http_server]` and `[inet_http_server]` (spec §1.5.2–1.5.3), multiple servers, and the
//! server URL children get.

use crate::support::*;
use serde_json::{json, Value};

fn servers(text: &str) -> Value {
    json(&format!("[supervisord]\n{text}\n"))["server_configs"].clone()
}

#[test]
fn unix_defaults_and_values() {
    assert_eq!(
        servers("[unix_http_server]\nfile=%(here)s/sv.sock"),
        json!([{"family": "unix", "name": null, "file": "/etc/sv/sv.sock", "chmod": 448,
                "chown": [-1, -1], "username": null, "password": null,
                "extensions": {"legacy_web_actions": false, "metrics_auth": true}}])
    );
    let s = servers(
        "[unix_http_server]\nfile = run/../sv.sock \nchmod=0777\nchown=alice:staff\n\
         username=u\npassword={SHA}82ab876d1387bfafe46cc1c8a2ef074eae50cb1d",
    );
    assert_eq!(
        s[0]["file"], "/work/sv.sock",
        "trimmed, made absolute against the cwd"
    );
    assert_eq!(s[0]["chmod"], 511);
    assert_eq!(s[0]["chown"], json!([1000, 100]));
    assert_eq!(s[0]["username"], "u");
    assert_eq!(
        s[0]["password"],
        "{SHA}82ab876d1387bfafe46cc1c8a2ef074eae50cb1d"
    );
    assert_eq!(
        servers("[unix_http_server]\nfile=/tmp/s\nchown=alice")[0]["chown"],
        json!([1000, -1])
    );
}

#[test]
fn inet_defaults_and_values() {
    assert_eq!(
        servers("[inet_http_server]\nport=9001"),
        json!([{"family": "inet", "name": null, "host": "", "port": 9001,
                "username": null, "password": null,
                "extensions": {"legacy_web_actions": false, "metrics_auth": true}}])
    );
    let cases: &[(&str, &str, u16)] = &[
        ("127.0.0.1:9001", "127.0.0.1", 9001),
        ("*:9002", "", 9002),
        (":9003", "", 9003),
    ];
    for (port, host, number) in cases {
        let s = servers(&format!("[inet_http_server]\nport={port}"));
        assert_eq!(
            (
                s[0]["host"].as_str().unwrap(),
                s[0]["port"].as_u64().unwrap()
            ),
            (*host, u64::from(*number))
        );
    }
    let s = servers("[inet_http_server]\nport=LocalHost:9004\nusername=a\npassword=b");
    assert_eq!(s[0]["host"], "localhost");
    assert_eq!(
        (s[0]["username"].clone(), s[0]["password"].clone()),
        (json!("a"), json!("b"))
    );
}

#[test]
fn invalid_values_and_their_messages() {
    let cases: &[(&str, &str, &str)] = &[
        (
            "[inet_http_server]\nport=abc",
            "port",
            "not a valid port number: 'abc' ",
        ),
        (
            "[inet_http_server]\nport=host:",
            "port",
            "no port number specified in ''",
        ),
        (
            "[inet_http_server]\nport=70000",
            "port",
            "not a valid port number: '70000' ",
        ),
        (
            "[inet_http_server]\nport=h:0",
            "port",
            "0 is below lower bound (1)",
        ),
        (
            "[inet_http_server]",
            "port",
            "section [inet_http_server] has no port value",
        ),
        (
            "[unix_http_server]\nchmod=0700",
            "file",
            "section [unix_http_server] has no file value",
        ),
        (
            "[unix_http_server]\nfile=/tmp/s\nchmod=999",
            "chmod",
            "Invalid chmod value 999",
        ),
        (
            "[unix_http_server]\nfile=/tmp/s\nchown=nosuch",
            "chown",
            "Invalid sockchown value nosuch",
        ),
        (
            "[unix_http_server]\nfile=/tmp/s\nchown=alice:nogroup",
            "chown",
            "Invalid sockchown value alice:nogroup",
        ),
    ];
    for (text, option, message) in cases {
        let errs = errors(&format!("[supervisord]\n{text}\n"));
        assert_eq!(messages(&errs), vec![message.to_string()], "{text}");
        assert_eq!(errs[0].option.as_deref(), Some(*option), "{text}");
        assert!(errs[0].line.is_some(), "{text}");
    }
}

#[test]
fn incomplete_authentication() {
    for (section, extra) in [
        ("inet_http_server", "port=9001\nusername=u"),
        ("unix_http_server", "file=/tmp/s\npassword=p"),
    ] {
        let errs = errors(&format!("[supervisord]\n[{section}]\n{extra}\n"));
        assert_eq!(
            messages(&errs),
            vec![format!(
                "Section [{section}] contains incomplete authentication: If a username or a \
                 password is specified, both the username and password must be specified"
            )]
        );
        assert_eq!(errs[0].line, Some(4));
    }
}

#[test]
fn several_servers_and_their_order() {
    let v = json(
        "[supervisord]\n[unix_http_server]\nfile=/tmp/a.sock\n[inet_http_server]\nport=9001\n\
         [unix_http_server:two]\nfile=/tmp/b.sock\n[inet_http_server:web]\nport=9002\n",
    );
    let summary: Vec<(String, Value)> = v["server_configs"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| (s["family"].as_str().unwrap().to_string(), s["name"].clone()))
        .collect();
    assert_eq!(
        summary,
        vec![
            ("inet".to_string(), Value::Null),
            ("inet".to_string(), json!("web")),
            ("unix".to_string(), Value::Null),
            ("unix".to_string(), json!("two")),
        ]
    );
    assert_eq!(
        v["serverurl"], "unix:///tmp/a.sock",
        "the first unix server wins"
    );
}

#[test]
fn serverurl_falls_back_to_the_last_inet_server() {
    // Python's inet loop has no `break`: the last inet server wins.
    let v =
        json("[supervisord]\n[inet_http_server]\nport=9001\n[inet_http_server:b]\nport=h:9002\n");
    assert_eq!(v["serverurl"], "http://h:9002");
    let v = json("[supervisord]\n[inet_http_server]\nport=9001\n");
    assert_eq!(v["serverurl"], "http://localhost:9001");
}

/// `legacy_web_actions` (ours; Python ignores it): off by default, a boolean, on either server.
#[test]
fn legacy_web_actions_option() {
    use supervisor_config::model::ServerConfig;
    let legacy = |text: &str| -> Vec<bool> {
        ok(&format!("[supervisord]\n{text}\n"))
            .config
            .server_configs
            .iter()
            .map(ServerConfig::legacy_web_actions)
            .collect()
    };
    assert_eq!(
        legacy("[inet_http_server]\nport=9001\n[unix_http_server]\nfile=/tmp/s"),
        vec![false, false]
    );
    assert_eq!(
        legacy("[inet_http_server]\nport=9001\nlegacy_web_actions=true"),
        vec![true]
    );
    assert_eq!(
        legacy("[unix_http_server]\nfile=/tmp/s\nlegacy_web_actions = yes"),
        vec![true]
    );
    // Known, so no "unknown option" warning; shown by --check (text and JSON).
    let loaded = ok("[supervisord]\n[inet_http_server]\nport=9001\nlegacy_web_actions=on");
    assert!(loaded.warnings.is_empty(), "{:?}", loaded.warnings);
    let text = supervisor_config::resolved::to_text(&loaded.config);
    assert!(
        text.contains("  http server  http://*:9001 (legacy web actions)\n"),
        "{text}"
    );
    assert_eq!(
        servers("[inet_http_server]\nport=9001\nlegacy_web_actions=on")[0]["extensions"],
        json!({"legacy_web_actions": true, "metrics_auth": true})
    );
    let errs = errors("[supervisord]\n[inet_http_server]\nport=9001\nlegacy_web_actions=maybe");
    assert_eq!(
        messages(&errs),
        vec!["not a valid boolean value: 'maybe'".to_string()]
    );
    assert_eq!(errs[0].option.as_deref(), Some("legacy_web_actions"));
    assert_eq!(errs[0].line, Some(4));
}

/// `metrics_auth` (ours; Python ignores it): on by default, a boolean, on either server; shown
/// by --check only when off.
#[test]
fn metrics_auth_option() {
    use supervisor_config::model::ServerConfig;
    let metrics_auth = |text: &str| -> Vec<bool> {
        ok(&format!("[supervisord]\n{text}\n"))
            .config
            .server_configs
            .iter()
            .map(ServerConfig::metrics_auth)
            .collect()
    };
    assert_eq!(
        metrics_auth("[inet_http_server]\nport=9001\n[unix_http_server]\nfile=/tmp/s"),
        vec![true, true]
    );
    assert_eq!(
        metrics_auth("[inet_http_server]\nport=9001\nmetrics_auth=false"),
        vec![false]
    );
    assert_eq!(
        metrics_auth("[unix_http_server]\nfile=/tmp/s\nmetrics_auth = no"),
        vec![false]
    );
    let loaded = ok(
        "[supervisord]\n[inet_http_server]\nport=9001\nusername=u\npassword=p\n\
                     metrics_auth=off\nlegacy_web_actions=on",
    );
    assert!(loaded.warnings.is_empty(), "{:?}", loaded.warnings);
    let text = supervisor_config::resolved::to_text(&loaded.config);
    assert!(
        text.contains(
            "  http server  http://*:9001 (password, legacy web actions, metrics without password)\n"
        ),
        "{text}"
    );
    let loaded = ok("[supervisord]\n[unix_http_server]\nfile=/tmp/s\nmetrics_auth=0");
    let text = supervisor_config::resolved::to_text(&loaded.config);
    assert!(
        text.contains("  http server  unix:///tmp/s (chmod 0700, metrics without password)\n"),
        "{text}"
    );
    assert_eq!(
        servers("[unix_http_server]\nfile=/tmp/s\nmetrics_auth=0")[0]["extensions"],
        json!({"legacy_web_actions": false, "metrics_auth": false})
    );
    // Both bad values are reported, each with its option and line.
    let errs = errors(
        "[supervisord]\n[inet_http_server]\nport=9001\nmetrics_auth=sometimes\n\
         legacy_web_actions=maybe",
    );
    assert_eq!(
        messages(&errs),
        vec![
            "not a valid boolean value: 'maybe'".to_string(),
            "not a valid boolean value: 'sometimes'".to_string()
        ]
    );
    assert_eq!(errs[1].option.as_deref(), Some("metrics_auth"));
    assert_eq!(errs[1].line, Some(4));
}
