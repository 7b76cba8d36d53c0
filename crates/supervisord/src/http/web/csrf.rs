//! Cross-site request forgery defences for state-changing requests.
//!
//! Browsers send Basic credentials with every request to our origin, including requests that
//! another web site makes them send (a form posted to us, an `<img src>` pointing at a legacy
//! action URL). Two checks tell our own pages' requests from those:
//!
//! - **Fetch metadata and `Origin`**: a browser labels a request made from another site with
//!   `Sec-Fetch-Site: cross-site`/`same-site` and an `Origin` naming that site. Either one
//!   refuses the request. Scripts (curl, Python) send neither, which keeps them working.
//! - **A form token**: every form our pages render carries a secret drawn at daemon start.
//!   Other sites cannot read our pages, so they cannot know it.

use std::sync::OnceLock;

use axum::http::{header, HeaderMap};
use subtle::ConstantTimeEq;

/// The form field carrying the token.
pub const FIELD: &str = "csrf_token";

/// Why a state-changing request was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum Refusal {
    /// The browser says the request comes from another site.
    #[error("the request was sent by another web site")]
    CrossSite,
    /// The form token is missing or wrong (e.g. a page rendered before a daemon restart).
    #[error("the form token is missing or out of date; reload the page and try again")]
    BadToken,
}

/// The token of this daemon process: 128 random bits, hex-encoded.
pub fn token() -> &'static str {
    static TOKEN: OnceLock<String> = OnceLock::new();
    TOKEN.get_or_init(|| {
        let mut bytes = [0u8; 16];
        fill_random(&mut bytes);
        bytes.iter().map(|b| format!("{b:02x}")).collect()
    })
}

/// Fills `buf` from the kernel's random source; if `/dev/urandom` cannot be read (a chroot
/// without /dev), from the randomly keyed hashers std seeds from the OS.
fn fill_random(buf: &mut [u8]) {
    use std::io::Read;
    let read = std::fs::File::open("/dev/urandom").and_then(|mut f| f.read_exact(buf));
    if read.is_err() {
        use std::hash::{BuildHasher, Hasher};
        for (i, chunk) in buf.chunks_mut(8).enumerate() {
            let mut h = std::collections::hash_map::RandomState::new().build_hasher();
            h.write_usize(i);
            h.write_u128(
                std::time::UNIX_EPOCH
                    .elapsed()
                    .unwrap_or_default()
                    .as_nanos(),
            );
            let bytes = h.finish().to_le_bytes();
            chunk.copy_from_slice(&bytes[..chunk.len()]);
        }
    }
}

/// Whether the browser marked the request as coming from another site.
///
/// `Sec-Fetch-Site` is the browser's own verdict and is trusted when present: it stays right
/// behind a reverse proxy that rewrites `Host`. Browsers without it are judged by `Origin`,
/// which must name this server (`Host`, or `X-Forwarded-Host` set by a proxy).
pub fn is_cross_site(headers: &HeaderMap) -> bool {
    if let Some(site) = headers.get("sec-fetch-site") {
        // `none` is a bookmark or typed URL; `same-origin` is our own page.
        return !matches!(site.as_bytes(), b"same-origin" | b"none");
    }
    let Some(origin) = headers.get(header::ORIGIN) else {
        return false;
    };
    let origin = origin.as_bytes();
    let Some(origin_host) = origin
        .strip_prefix(b"http://")
        .or_else(|| origin.strip_prefix(b"https://"))
    else {
        // `Origin: null` (sandboxed frames, file: pages) or a scheme we do not serve.
        return true;
    };
    let names_us = |name| {
        headers
            .get(name)
            .is_some_and(|h| h.as_bytes().eq_ignore_ascii_case(origin_host))
    };
    !(names_us(header::HOST.as_str()) || names_us("x-forwarded-host"))
}

/// Checks a state-changing request that should come from one of our forms.
pub fn check(headers: &HeaderMap, submitted: Option<&str>) -> Result<(), Refusal> {
    if is_cross_site(headers) {
        return Err(Refusal::CrossSite);
    }
    match submitted {
        Some(t) if bool::from(t.as_bytes().ct_eq(token().as_bytes())) => Ok(()),
        _ => Err(Refusal::BadToken),
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
    fn token_is_stable_and_random_looking() {
        assert_eq!(token().len(), 32);
        assert_eq!(token(), token());
        assert!(token().bytes().all(|b| b.is_ascii_hexdigit()));
    }

    #[test]
    fn same_origin_with_token_passes() {
        let h = headers(&[
            ("host", "127.0.0.1:9001"),
            ("origin", "http://127.0.0.1:9001"),
            ("sec-fetch-site", "same-origin"),
        ]);
        assert_eq!(check(&h, Some(token())), Ok(()));
        // Scripts send no browser headers at all.
        assert_eq!(check(&HeaderMap::new(), Some(token())), Ok(()));
    }

    #[test]
    fn cross_site_is_refused_even_with_a_token() {
        let other = headers(&[
            ("host", "127.0.0.1:9001"),
            ("origin", "http://evil.example"),
        ]);
        assert_eq!(check(&other, Some(token())), Err(Refusal::CrossSite));
        let port = headers(&[
            ("host", "127.0.0.1:9001"),
            ("origin", "http://127.0.0.1:8080"),
        ]);
        assert_eq!(check(&port, Some(token())), Err(Refusal::CrossSite));
        let null = headers(&[("host", "127.0.0.1:9001"), ("origin", "null")]);
        assert_eq!(check(&null, Some(token())), Err(Refusal::CrossSite));
        let same_site = headers(&[("sec-fetch-site", "same-site")]);
        assert_eq!(check(&same_site, Some(token())), Err(Refusal::CrossSite));
    }

    #[test]
    fn reverse_proxies_that_rewrite_host_still_work() {
        // The browser's verdict wins over an Origin that no longer matches the rewritten Host.
        let fetch_meta = headers(&[
            ("host", "127.0.0.1:9001"),
            ("origin", "https://ops.example.com"),
            ("sec-fetch-site", "same-origin"),
        ]);
        assert_eq!(check(&fetch_meta, Some(token())), Ok(()));
        let forwarded = headers(&[
            ("host", "127.0.0.1:9001"),
            ("x-forwarded-host", "ops.example.com"),
            ("origin", "https://ops.example.com"),
        ]);
        assert_eq!(check(&forwarded, Some(token())), Ok(()));
    }

    #[test]
    fn missing_or_wrong_token_is_refused() {
        let h = headers(&[("host", "h"), ("origin", "http://h")]);
        assert_eq!(check(&h, None), Err(Refusal::BadToken));
        assert_eq!(check(&h, Some("0123")), Err(Refusal::BadToken));
        assert!(!is_cross_site(&headers(&[("sec-fetch-site", "none")])));
    }
}
