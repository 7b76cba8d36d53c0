//! The web admin page: Supervisor's status and tail pages and its log streams, kept at their
//! URLs, made safe by default and live.
//!
//! # Routes
//!
//! Paths are matched after the auth check of [`crate::http`], so a listener with a username
//! protects every page, stream and asset. Supervisor's `/logtail/…` and `/mainlogtail` streams
//! are served by `crate::http` itself; the pages link to them. Every link the pages emit is
//! relative, so the page also works behind a reverse proxy that mounts it under a prefix.
//!
//! | Path | What |
//! |---|---|
//! | `/`, `/index.html` | status page; `action=…&processname=…` runs an action (below) |
//! | `/tail.html?processname=NS[&limit=N][&channel=stderr]` | the end of a log; follows it with JS |
//! | `/ok.html` | health check: `OK` |
//! | `/ui/procs[?filter=…]` | the process list fragment the status page polls |
//! | `/ui/follow?processname=NS&channel=C[&offset=N]` | a log stream from byte N (or the end) |
//! | `/ui/download?processname=NS&channel=C` | the whole current log file |
//! | `/ui/static/*` | CSS, script and icons, compiled in |
//! | `/status.html` | the status page, display only: GET/HEAD, `action=` ignored |
//! | `/stylesheets/supervisor.css` | our stylesheet (`ui/static/app.css`) |
//! | `/images/icon.png`, `/images/supervisor.gif` | our icon as PNG and GIF |
//!
//! The last three rows are Supervisor's own file paths (its web server serves its `ui/`
//! directory, so `status.html` is there the raw page template): monitoring checks and bookmarks
//! hit them, so they answer `200` here too, with our files.
//!
//! # Actions and their safety
//!
//! Supervisor's page acts on plain GET links, which any web site can make a logged-in browser
//! follow (quirk Q51). Here:
//!
//! - our buttons POST a form carrying a token (see `csrf.rs`) and are refused when the browser
//!   says the request comes from another site; they answer `303 See Other` to the status page;
//! - a state-changing GET (an old link or bookmark) is refused with `403` and a confirmation page
//!   whose button does it, unless the config has `legacy_web_actions = true` in an HTTP server
//!   section: then GETs and token-less POSTs act at once and answer Supervisor's `301` with its
//!   messages, except for requests a browser marks as cross-site, which are still refused so;
//! - `action=refresh` changes nothing and always works; an unknown action is `400` (Supervisor: 500).
//!
//! Without JavaScript everything works by full page loads. With it (`assets/app.js`), the list
//! refreshes itself every two seconds (less often when it is long), actions run in place, groups collapse, the filter box
//! filters as you type, and the tail page follows the log as it grows.

mod actions;
mod assets;
pub(crate) mod csrf;
mod form;
mod pages;

use std::path::PathBuf;

use askama::Template;
use axum::body::Body;
use axum::extract::Request;
use axum::http::{header, HeaderMap, HeaderValue, Method, StatusCode};
use axum::response::Response;
use http_body_util::BodyExt;

use super::{error_response, AppState};
use crate::logs::daemon_log;
use crate::logs::follow::Follower;
use crate::logs::tail::{open_regular, read_tail};
use crate::owner::{ApiError, LogChannel, Owner};
use crate::resources;
use actions::Action;
use form::{quote, Params};
use pages::{Chrome, ConfirmPage, ProblemPage, ProcsView, StatusPage, TailLinks, TailPage};

use csrf::Refusal;

/// The largest form body we read (our forms send a few dozen bytes).
const MAX_FORM: usize = 64 * 1024;

/// The most a `tail.html?limit=` may show; Supervisor has no bound and would read any size.
const MAX_TAIL: u64 = 16 * 1024 * 1024;

/// The pages and streams this module answers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Route {
    Status,
    /// `/status.html`: the status page without actions.
    StatusFile,
    Tail,
    Ok,
    Procs,
    Follow,
    Download,
    Asset(&'static str),
}

/// Maps a request path to a route (`/RPC2` and the log tails are routed before we are asked).
fn route(path: &str) -> Option<Route> {
    // Supervisor strips every leading slash: `//index.html` is the status page too.
    let page = path.trim_start_matches('/');
    match page {
        "" | "index.html" => Some(Route::Status),
        "tail.html" => Some(Route::Tail),
        "ok.html" => Some(Route::Ok),
        "ui/procs" => Some(Route::Procs),
        "ui/follow" => Some(Route::Follow),
        "ui/download" => Some(Route::Download),
        "status.html" => Some(Route::StatusFile),
        "stylesheets/supervisor.css" => Some(Route::Asset("app.css")),
        "images/icon.png" => Some(Route::Asset("icon.png")),
        "images/supervisor.gif" => Some(Route::Asset("icon.gif")),
        _ => page
            .strip_prefix("ui/static/")
            .and_then(assets::find)
            .map(|a| Route::Asset(a.name)),
    }
}

/// Whether `path` is one of the web UI's pages, streams or assets.
pub fn handles(path: &str) -> bool {
    route(path).is_some()
}

/// Answers a request for one of the paths [`handles`] accepts (auth already checked).
pub async fn handle(state: &AppState, req: Request) -> Response {
    let Some(route) = route(req.uri().path()) else {
        return error_response(StatusCode::NOT_FOUND);
    };
    let method = req.method().clone();
    // HEAD is answered like GET (hyper sends no body for it).
    let read = method == Method::GET || method == Method::HEAD;
    match route {
        Route::Status if read || method == Method::POST => index(&state.owner, req).await,
        _ if !read => error_response(StatusCode::METHOD_NOT_ALLOWED),
        Route::Status => index(&state.owner, req).await,
        Route::StatusFile => {
            let params = params_of(&req);
            status_page(
                &state.owner,
                params.get("message"),
                params.get("filter").unwrap_or(""),
            )
            .await
        }
        Route::Ok => ok(),
        Route::Tail => tail_page(&state.owner, &params_of(&req)).await,
        Route::Procs => {
            let params = params_of(&req);
            let view = ProcsView::load(&state.owner, params.get("filter").unwrap_or("")).await;
            render(StatusCode::OK, &view)
        }
        Route::Follow => follow_stream(&state.owner, &params_of(&req)).await,
        Route::Download => download(&state.owner, &params_of(&req)).await,
        Route::Asset(name) => match assets::find(name) {
            Some(asset) => asset.response(req.headers()),
            None => error_response(StatusCode::NOT_FOUND),
        },
    }
}

fn params_of(req: &Request) -> Params {
    Params::merged(req.uri().query(), b"")
}

/// Headers of a log sent as it is: plain text, which a browser must never sniff into HTML (the
/// programs write what they like).
fn log_headers(h: &mut HeaderMap) {
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/plain;charset=utf-8"),
    );
    h.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
}

/// Headers every HTML page carries: Supervisor's no-cache trio and our browser hardening.
fn page_headers(h: &mut HeaderMap) {
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/html;charset=utf-8"),
    );
    no_cache(h);
    h.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    h.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    h.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("same-origin"),
    );
    h.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(
            "default-src 'self'; img-src 'self' data:; object-src 'none'; base-uri 'none'; \
             form-action 'self'; frame-ancestors 'none'",
        ),
    );
}

fn no_cache(h: &mut HeaderMap) {
    h.insert(header::PRAGMA, HeaderValue::from_static("no-cache"));
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-cache"));
    h.insert(
        header::EXPIRES,
        HeaderValue::from_static("Thu, 01 Jan 1970 00:00:00 GMT"),
    );
}

/// Renders a template as an HTML response.
fn render(status: StatusCode, page: &impl Template) -> Response {
    match page.render() {
        Ok(body) => {
            let mut resp = Response::new(Body::from(body));
            *resp.status_mut() = status;
            page_headers(resp.headers_mut());
            resp
        }
        Err(e) => {
            daemon_log::log(
                supervisor_core::LogLevel::Error,
                &format!("Web interface error: {e}"),
            );
            error_response(StatusCode::INTERNAL_SERVER_ERROR)
        }
    }
}

async fn problem(owner: &Owner, status: StatusCode, title: &str, detail: String) -> Response {
    let page = ProblemPage {
        chrome: Chrome::load(owner).await,
        title,
        detail,
    };
    render(status, &page)
}

fn ok() -> Response {
    let mut resp = Response::new(Body::from("OK"));
    resp.headers_mut()
        .insert(header::CONTENT_TYPE, HeaderValue::from_static("text/plain"));
    resp
}

/// How an action's result is reported.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Reply {
    /// Supervisor's `301` to `http://HOST/?message=…`.
    Legacy,
    /// `303 See Other` to `./?message=…` (relative, so it survives a path prefix).
    Form,
}

/// `http://HOST[:PORT]` from the `Host` header, as Supervisor builds it (port 80 omitted).
fn server_url(headers: &HeaderMap) -> Option<String> {
    let host = headers.get(header::HOST)?.to_str().ok()?.trim();
    if host.is_empty() {
        return None;
    }
    let host = host.strip_suffix(":80").unwrap_or(host);
    Some(format!("http://{host}"))
}

fn redirect(reply: Reply, headers: &HeaderMap, message: &str) -> Response {
    let (status, location) = match reply {
        Reply::Legacy => (
            StatusCode::MOVED_PERMANENTLY,
            format!(
                "{}/?message={}",
                server_url(headers).unwrap_or_default(),
                quote(message)
            ),
        ),
        Reply::Form => (
            StatusCode::SEE_OTHER,
            format!("./?message={}", quote(message)),
        ),
    };
    let mut resp = error_response(status);
    let h = resp.headers_mut();
    no_cache(h);
    if let Ok(v) = HeaderValue::from_str(&location) {
        h.insert(header::LOCATION, v);
    }
    resp
}

/// Reads an urlencoded form body of at most [`MAX_FORM`] bytes.
async fn read_form(body: Body) -> Result<bytes::Bytes, StatusCode> {
    match http_body_util::Limited::new(body, MAX_FORM).collect().await {
        Ok(c) => Ok(c.to_bytes()),
        Err(e) if e.is::<http_body_util::LengthLimitError>() => Err(StatusCode::PAYLOAD_TOO_LARGE),
        Err(_) => Err(StatusCode::BAD_REQUEST),
    }
}

/// The status page, and the actions posted to it or linked from Supervisor's old page.
async fn index(owner: &Owner, req: Request) -> Response {
    let (parts, body) = req.into_parts();
    let is_post = parts.method == Method::POST;
    let body = if is_post {
        match read_form(body).await {
            Ok(b) => b,
            Err(status) => return error_response(status),
        }
    } else {
        bytes::Bytes::new()
    };
    let params = Params::merged(parts.uri.query(), &body);
    let Some(name) = params.non_empty("action") else {
        return status_page(
            owner,
            params.get("message"),
            params.get("filter").unwrap_or(""),
        )
        .await;
    };
    let action = match Action::parse(name, params.get("processname")) {
        Ok(a) => a,
        Err(e) => {
            return problem(owner, StatusCode::BAD_REQUEST, "Bad request", e.to_string()).await;
        }
    };
    let body_token = Params::body_field(&body, csrf::FIELD);
    let token = body_token.as_deref();
    let headers = &parts.headers;
    let reply = if !action.changes_state() {
        if token.is_some() {
            Reply::Form
        } else {
            Reply::Legacy
        }
    } else if is_post && token.is_some() {
        if let Err(refusal) = csrf::check(headers, token) {
            return refused(owner, refusal).await;
        }
        Reply::Form
    } else if !csrf::is_cross_site(headers) && owner.legacy_web_actions().await {
        Reply::Legacy
    } else if is_post {
        let refusal = csrf::check(headers, None)
            .err()
            .unwrap_or(Refusal::BadToken);
        return refused(owner, refusal).await;
    } else {
        return confirm_page(owner, &action).await;
    };
    let message = actions::run(owner, &action).await;
    redirect(reply, headers, &message)
}

async fn refused(owner: &Owner, refusal: Refusal) -> Response {
    problem(
        owner,
        StatusCode::FORBIDDEN,
        "Request refused",
        format!("Nothing was changed: {refusal}."),
    )
    .await
}

async fn confirm_page(owner: &Owner, action: &Action) -> Response {
    let page = ConfirmPage {
        chrome: Chrome::load(owner).await,
        question: action.question(),
        verb: action.verb(),
        action: action.name(),
        process: action.process(),
        token: csrf::token(),
    };
    // 403, not 200: a script or monitor that followed the old link must not believe it acted
    // (Python answered 301 to a message); a person still gets the button that does it.
    render(StatusCode::FORBIDDEN, &page)
}

async fn status_page(owner: &Owner, message: Option<&str>, filter: &str) -> Response {
    let view = ProcsView::load(owner, filter).await;
    let procs = match view.render() {
        Ok(html) => html,
        Err(e) => {
            daemon_log::log(
                supervisor_core::LogLevel::Error,
                &format!("Web interface error: {e}"),
            );
            return error_response(StatusCode::INTERNAL_SERVER_ERROR);
        }
    };
    let page = StatusPage {
        chrome: Chrome::load(owner).await,
        message,
        message_is_error: message.is_some_and(actions::is_error),
        filter,
        token: csrf::token(),
        procs,
    };
    render(StatusCode::OK, &page)
}

/// Why a process's log file cannot be shown.
#[derive(Debug, Clone, PartialEq, Eq)]
enum LogLookup {
    /// The daemon is shutting down.
    Gone,
    /// No such process.
    NoProcess,
    /// The process has no log file for that channel.
    NoLog,
}

/// The log file of `namespec`'s `channel`.
async fn log_path(
    owner: &Owner,
    namespec: &str,
    channel: LogChannel,
) -> Result<PathBuf, LogLookup> {
    match owner.log_path(namespec, channel).await {
        Ok(Some(path)) => Ok(path),
        Ok(None) => Err(LogLookup::NoLog),
        Err(ApiError::ShuttingDown) => Err(LogLookup::Gone),
        Err(_) => Err(LogLookup::NoProcess),
    }
}

/// The `Last-Modified` value for a file (HTTP date of its mtime).
fn last_modified(path: &std::path::Path) -> Option<HeaderValue> {
    let mtime = std::fs::metadata(path).ok()?.modified().ok()?;
    let ts = jiff::Timestamp::try_from(mtime).ok()?;
    let text = ts.strftime("%a, %d %b %Y %H:%M:%S GMT").to_string();
    HeaderValue::from_str(&text).ok()
}

/// A `200 text/plain` streaming response following `follower`.
fn stream(follower: Follower, path: &std::path::Path) -> Response {
    let mut resp = Response::new(follower.into_body());
    let h = resp.headers_mut();
    log_headers(h);
    if let Some(v) = last_modified(path) {
        h.insert(header::LAST_MODIFIED, v);
    }
    // Tells a reverse proxy (nginx) not to buffer the endless body.
    h.insert("x-accel-buffering", HeaderValue::from_static("no"));
    resp
}

/// `tail.html`: the last `max(1024, limit)` bytes of a log (quirk Q52), with Supervisor's
/// messages for what cannot be shown.
async fn tail_page(owner: &Owner, params: &Params) -> Response {
    let channel = match params.get("channel") {
        Some("stderr") => "stderr",
        _ => "stdout",
    };
    let chrome = Chrome::load(owner).await;
    let Some(namespec) = params.non_empty("processname") else {
        let page = TailPage {
            chrome,
            title_name: "None".into(),
            process: None,
            channel,
            text: "No process name found".into(),
        };
        return render(StatusCode::OK, &page);
    };
    let limit = params
        .get("limit")
        .and_then(|l| l.parse::<u64>().ok())
        .unwrap_or(0)
        .clamp(1024, MAX_TAIL);
    let index = LogChannel::parse(channel).unwrap_or(LogChannel::Stdout);
    let mut follow = None;
    let text = match log_path(owner, namespec, index).await {
        Err(LogLookup::Gone) => "ERROR: unexpected rpc fault [6] SHUTDOWN_STATE".to_string(),
        Err(LogLookup::NoProcess) => {
            format!("ERROR: unexpected rpc fault [10] BAD_NAME: {namespec}")
        }
        Err(LogLookup::NoLog) => format!("No file for {namespec}"),
        Ok(path) if !path.exists() => format!("No file for {namespec}"),
        Ok(path) => match read_tail(&path, limit) {
            Ok((data, size)) => {
                follow = Some(format!(
                    "ui/follow?processname={}&channel={channel}&offset={size}",
                    form::quote_strict(namespec)
                ));
                String::from_utf8_lossy(&data).into_owned()
            }
            Err(e) => format!("ERROR: unexpected rpc fault [30] FAILED: {e}"),
        },
    };
    let page = TailPage {
        chrome,
        title_name: namespec.to_string(),
        process: Some(TailLinks {
            usage: usage_of(owner, namespec).await,
            quoted: form::quote_strict(namespec),
            limit,
            follow,
        }),
        channel,
        text,
    };
    render(StatusCode::OK, &page)
}

/// What the tree of the one process `namespec` names uses now, if it runs.
async fn usage_of(owner: &Owner, namespec: &str) -> Option<pages::UsageCells> {
    let pid = owner
        .process(namespec, |view| view.info.pid)
        .await
        .ok()
        .filter(|pid| *pid > 0)?;
    let usage = resources::sample(vec![pid]).await.pop().flatten()?;
    Some(pages::UsageCells::new(pid, &usage))
}

/// The process and channel named by `processname` and `channel` (default stdout).
async fn requested_log(owner: &Owner, params: &Params) -> Result<PathBuf, Response> {
    let not_found = || error_response(StatusCode::NOT_FOUND);
    let namespec = params.non_empty("processname").ok_or_else(not_found)?;
    let channel =
        LogChannel::parse(params.get("channel").unwrap_or("stdout")).ok_or_else(not_found)?;
    log_path(owner, namespec, channel)
        .await
        .map_err(|_| not_found())
}

/// `ui/follow`: the log from `offset` on (from its current end without one), following it; a
/// file that does not exist yet is waited for (a process that has never run).
async fn follow_stream(owner: &Owner, params: &Params) -> Response {
    let path = match requested_log(owner, params).await {
        Ok(p) => p,
        Err(resp) => return resp,
    };
    let follower = match params.get("offset").and_then(|o| o.parse::<u64>().ok()) {
        Some(offset) => Follower::from_offset(path.clone(), offset),
        // No offset: only what is written from now on.
        None => Follower::from_tail(path.clone(), 0)
            .unwrap_or_else(|_| Follower::from_offset(path.clone(), 0)),
    };
    stream(follower, &path)
}

/// A file name safe for `Content-Disposition`: the namespec and channel, other bytes as `_`.
fn download_name(namespec: &str, channel: &str) -> String {
    let clean: String = format!("{namespec}-{channel}")
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || "-_.".contains(c) {
                c
            } else {
                '_'
            }
        })
        .collect();
    format!("{clean}.log")
}

/// `ui/download`: the whole current log file, as an attachment. The file is sent up to the size
/// it had when the request came, in chunks, without blocking the daemon on one big read.
async fn download(owner: &Owner, params: &Params) -> Response {
    let path = match requested_log(owner, params).await {
        Ok(p) => p,
        Err(resp) => return resp,
    };
    let Ok(file) = open_regular(&path) else {
        return error_response(StatusCode::NOT_FOUND);
    };
    let size = file.metadata().map(|m| m.len()).unwrap_or(0);
    let chunks = futures_util::stream::unfold((file, size), |(mut file, left)| async move {
        use std::io::Read;
        if left == 0 {
            return None;
        }
        let mut buf = vec![0; left.min(256 * 1024) as usize];
        match file.read(&mut buf) {
            Ok(0) => None,
            Ok(n) => {
                buf.truncate(n);
                Some((
                    Ok::<_, std::io::Error>(bytes::Bytes::from(buf)),
                    (file, left - n as u64),
                ))
            }
            Err(e) => Some((Err(e), (file, 0))),
        }
    });
    let mut resp = Response::new(Body::from_stream(chunks));
    let h = resp.headers_mut();
    log_headers(h);
    h.insert(header::CONTENT_LENGTH, HeaderValue::from(size));
    let namespec = params.get("processname").unwrap_or_default();
    let channel = params.get("channel").unwrap_or("stdout");
    if let Ok(v) = HeaderValue::from_str(&format!(
        "attachment; filename=\"{}\"",
        download_name(namespec, channel)
    )) {
        h.insert(header::CONTENT_DISPOSITION, v);
    }
    no_cache(h);
    resp
}

#[cfg(test)]
mod tests;
