//! Reading a JSON API request: the forgery guard on actions, the bounded JSON body and the
//! query string. Each refusal says what to send instead.
//!
//! # Forgery
//!
//! A browser sends a logged-in user's Basic credentials with any request to our origin,
//! including requests another web site makes it send. Such a site can send a form POST
//! (`application/x-www-form-urlencoded`, `multipart/form-data`, `text/plain`) without asking
//! anyone, but not `Content-Type: application/json`, which needs a CORS preflight we never
//! grant. So an action must come with the JSON type, or with no type at all and none of the
//! headers a browser adds (a script's bare `curl -X POST`); and whatever the type, a request
//! the browser marks as cross-site (`Sec-Fetch-Site`, or an `Origin` that is not this server)
//! is refused, as the web page's actions are (`http/web/csrf.rs`).

use axum::body::Body;
use axum::http::{header, HeaderMap, StatusCode};
use bytes::Bytes;
use http_body_util::BodyExt;
use serde::de::DeserializeOwned;

use super::errors::Failure;
use crate::http::web::csrf;
use crate::http::{drain, DRAIN_MAX, MAX_BODY};

/// Refuses an action another web site could have made a browser send.
pub fn guard(headers: &HeaderMap) -> Result<(), Failure> {
    if csrf::is_cross_site(headers) {
        return Err(Failure::new(
            StatusCode::FORBIDDEN,
            "FORBIDDEN",
            "the request was sent by another web site (Sec-Fetch-Site or Origin says so)",
        ));
    }
    match headers.get(header::CONTENT_TYPE) {
        Some(value) => {
            let media = value.to_str().unwrap_or("");
            let media = media.split(';').next().unwrap_or("").trim();
            if !media.eq_ignore_ascii_case("application/json") {
                return Err(Failure::new(
                    StatusCode::UNSUPPORTED_MEDIA_TYPE,
                    "UNSUPPORTED_MEDIA_TYPE",
                    format!(
                        "send the body as JSON with Content-Type: application/json, not {media:?}"
                    ),
                ));
            }
        }
        None if from_browser(headers) => {
            return Err(Failure::new(
                StatusCode::FORBIDDEN,
                "FORBIDDEN",
                "a request from a web page must say Content-Type: application/json",
            ));
        }
        None => {}
    }
    Ok(())
}

/// Whether a browser sent the request (it adds these; scripts do not).
fn from_browser(headers: &HeaderMap) -> bool {
    headers.contains_key(header::ORIGIN)
        || headers.contains_key("sec-fetch-site")
        || headers.contains_key("sec-fetch-mode")
}

/// Reads a body of at most [`MAX_BODY`] bytes (the XML-RPC bound).
pub async fn read_body(headers: &HeaderMap, body: Body) -> Result<Bytes, Failure> {
    let too_large = || {
        Failure::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            "PAYLOAD_TOO_LARGE",
            format!("the body is larger than {MAX_BODY} bytes"),
        )
    };
    let declared = headers
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse::<u64>().ok());
    if let Some(length) = declared.filter(|l| *l > MAX_BODY as u64) {
        // Read (up to a bound) what the client insists on writing, so it gets the answer.
        if length <= DRAIN_MAX {
            drain(body).await;
        }
        return Err(too_large());
    }
    match http_body_util::Limited::new(body, MAX_BODY).collect().await {
        Ok(collected) => Ok(collected.to_bytes()),
        Err(e) if e.is::<http_body_util::LengthLimitError>() => Err(too_large()),
        Err(_) => Err(Failure::bad_request("the body was cut short")),
    }
}

/// Parses a JSON body into `T`; an empty body reads as `{}`.
pub fn parse<T: DeserializeOwned>(body: &[u8]) -> Result<T, Failure> {
    let body = if body.iter().all(u8::is_ascii_whitespace) {
        b"{}".as_slice()
    } else {
        body
    };
    serde_json::from_slice(body)
        .map_err(|e| Failure::bad_request(format!("invalid JSON body: {e}")))
}

/// The body of an action that takes no parameters: `{}` or nothing.
#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NoFields {}

/// A query string's parameters, checked against the names an endpoint takes.
#[derive(Debug, Default)]
pub struct Query {
    pairs: Vec<(String, String)>,
}

impl Query {
    /// Parses `query`, refusing names not in `allowed` and names given twice.
    pub fn parse(query: Option<&str>, allowed: &[&str]) -> Result<Query, Failure> {
        let mut pairs: Vec<(String, String)> = Vec::new();
        for (k, v) in form_urlencoded::parse(query.unwrap_or("").as_bytes()) {
            if !allowed.contains(&k.as_ref()) {
                let takes = if allowed.is_empty() {
                    "no parameters".to_string()
                } else {
                    allowed.join(", ")
                };
                return Err(Failure::bad_request(format!(
                    "unknown query parameter {k:?}; this endpoint takes {takes}"
                )));
            }
            if pairs.iter().any(|(seen, _)| *seen == k) {
                return Err(Failure::bad_request(format!(
                    "query parameter {k:?} given twice"
                )));
            }
            pairs.push((k.into_owned(), v.into_owned()));
        }
        Ok(Query { pairs })
    }

    /// The value of `name`, if given.
    pub fn get(&self, name: &str) -> Option<&str> {
        self.pairs
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }

    /// A flag: `true`/`1` or `false`/`0`; `default` when absent.
    pub fn flag(&self, name: &str, default: bool) -> Result<bool, Failure> {
        match self.get(name) {
            None => Ok(default),
            Some("true" | "1") => Ok(true),
            Some("false" | "0") => Ok(false),
            Some(other) => Err(Failure::bad_request(format!(
                "{name} must be true or false, not {other:?}"
            ))),
        }
    }

    /// An integer; `default` when absent.
    pub fn int(&self, name: &str, default: i64) -> Result<i64, Failure> {
        match self.get(name) {
            None => Ok(default),
            Some(v) => v
                .parse()
                .map_err(|_| Failure::bad_request(format!("{name} must be an integer, not {v:?}"))),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    fn headers(pairs: &[(&'static str, &'static str)]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for (k, v) in pairs {
            h.insert(*k, HeaderValue::from_static(v));
        }
        h
    }

    #[test]
    fn json_or_a_bare_script_may_act() {
        assert!(guard(&headers(&[("content-type", "application/json")])).is_ok());
        assert!(guard(&headers(&[(
            "content-type",
            "Application/JSON; charset=utf-8"
        )]))
        .is_ok());
        assert!(guard(&HeaderMap::new()).is_ok());
        let same_origin = headers(&[
            ("content-type", "application/json"),
            ("host", "h:1"),
            ("origin", "http://h:1"),
            ("sec-fetch-site", "same-origin"),
        ]);
        assert!(guard(&same_origin).is_ok());
    }

    #[test]
    fn what_a_form_or_another_site_can_send_is_refused() {
        let code =
            |pairs: &[(&'static str, &'static str)]| guard(&headers(pairs)).unwrap_err().code;
        assert_eq!(
            code(&[("content-type", "application/x-www-form-urlencoded")]),
            "UNSUPPORTED_MEDIA_TYPE"
        );
        assert_eq!(
            code(&[("content-type", "text/plain")]),
            "UNSUPPORTED_MEDIA_TYPE"
        );
        assert_eq!(
            code(&[
                ("content-type", "application/json"),
                ("sec-fetch-site", "cross-site")
            ]),
            "FORBIDDEN"
        );
        assert_eq!(
            code(&[
                ("content-type", "application/json"),
                ("host", "127.0.0.1:9001"),
                ("origin", "http://evil.example")
            ]),
            "FORBIDDEN"
        );
        // No type but a browser's headers: a same-origin page must still say JSON.
        assert_eq!(code(&[("host", "h"), ("origin", "http://h")]), "FORBIDDEN");
    }

    #[test]
    fn queries_are_checked() {
        let q = Query::parse(Some("wait=false"), &["wait"]).unwrap();
        assert!(!q.flag("wait", true).unwrap());
        assert!(Query::parse(None, &["wait"])
            .unwrap()
            .flag("wait", true)
            .unwrap());
        assert!(Query::parse(Some("wiat=1"), &["wait"]).is_err());
        assert!(Query::parse(Some("wait=1&wait=0"), &["wait"]).is_err());
        assert!(Query::parse(Some("wait=maybe"), &["wait"])
            .unwrap()
            .flag("wait", true)
            .is_err());
        let q = Query::parse(Some("offset=-5"), &["offset"]).unwrap();
        assert_eq!(q.int("offset", 0).unwrap(), -5);
        assert!(Query::parse(Some("offset=x"), &["offset"])
            .unwrap()
            .int("offset", 0)
            .is_err());
    }

    #[test]
    fn bodies_are_json_and_empty_means_no_fields() {
        #[derive(serde::Deserialize, Debug, Default)]
        #[serde(deny_unknown_fields)]
        struct B {
            x: Option<i64>,
        }
        assert_eq!(parse::<B>(b"").unwrap().x, None);
        assert_eq!(parse::<B>(b"{\"x\": 3}").unwrap().x, Some(3));
        assert!(parse::<B>(b"{")
            .unwrap_err()
            .message
            .contains("invalid JSON"));
        assert!(parse::<B>(b"{\"y\": 1}").is_err());
        assert!(parse::<B>(b"{\"x\": \"3\"}").is_err());
    }
}
