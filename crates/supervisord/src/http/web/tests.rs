//! Unit tests of the web module's routing and helpers.

use super::*;

#[test]
fn routes_follow_supervisors_matching() {
    assert_eq!(route("/"), Some(Route::Status));
    assert_eq!(route("/index.html"), Some(Route::Status));
    assert_eq!(route("//index.html"), Some(Route::Status));
    assert_eq!(route("/tail.html"), Some(Route::Tail));
    assert_eq!(route("/ok.html"), Some(Route::Ok));
    assert_eq!(route("/logtail/foo/stderr"), None);
    assert_eq!(route("/ui/static/app.css"), Some(Route::Asset("app.css")));
    assert_eq!(route("/ui/static/nope.css"), None);
    assert_eq!(route("/status.html"), Some(Route::StatusFile));
    assert_eq!(
        route("/stylesheets/supervisor.css"),
        Some(Route::Asset("app.css"))
    );
    assert_eq!(route("/images/icon.png"), Some(Route::Asset("icon.png")));
    assert_eq!(
        route("/images/supervisor.gif"),
        Some(Route::Asset("icon.gif"))
    );
    assert_eq!(route("/images/nope.png"), None);
    assert_eq!(route("/RPC2"), None);
    assert_eq!(route("/index.htm"), None);
    assert!(handles("/ui/procs"));
}

#[test]
fn server_url_drops_port_80() {
    let mut h = HeaderMap::new();
    h.insert(header::HOST, HeaderValue::from_static("example.com:80"));
    assert_eq!(server_url(&h).as_deref(), Some("http://example.com"));
    h.insert(header::HOST, HeaderValue::from_static("127.0.0.1:9001"));
    assert_eq!(server_url(&h).as_deref(), Some("http://127.0.0.1:9001"));
    assert_eq!(server_url(&HeaderMap::new()), None);
}

#[test]
fn download_names_are_header_safe() {
    assert_eq!(download_name("g:p", "stdout"), "g_p-stdout.log");
    assert_eq!(download_name("a\"b\r\n", "stderr"), "a_b__-stderr.log");
}
