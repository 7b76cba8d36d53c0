//! The page's static files, compiled into the binary (no files to install, no build step).

use std::sync::OnceLock;

use axum::body::Body;
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::Response;
use sha1::{Digest, Sha1};

/// One embedded file.
pub struct Asset {
    /// Its name under `ui/static/`.
    pub name: &'static str,
    /// Its `Content-Type`.
    pub content_type: &'static str,
    /// Its bytes.
    pub body: &'static [u8],
}

/// Every embedded file.
pub static ASSETS: [Asset; 5] = [
    Asset {
        name: "app.css",
        content_type: "text/css; charset=utf-8",
        body: include_bytes!("assets/app.css"),
    },
    Asset {
        name: "app.js",
        content_type: "text/javascript; charset=utf-8",
        body: include_bytes!("assets/app.js"),
    },
    Asset {
        name: "icon.svg",
        content_type: "image/svg+xml",
        body: include_bytes!("assets/icon.svg"),
    },
    // The icon as bitmaps for Supervisor's `/images/…` paths (drawn by `scripts/web-bitmaps.py`).
    Asset {
        name: "icon.png",
        content_type: "image/png",
        body: include_bytes!("assets/icon.png"),
    },
    Asset {
        name: "icon.gif",
        content_type: "image/gif",
        body: include_bytes!("assets/icon.gif"),
    },
];

/// The asset called `name`.
pub fn find(name: &str) -> Option<&'static Asset> {
    ASSETS.iter().find(|a| a.name == name)
}

impl Asset {
    /// A strong validator for the content: browsers revalidate cheaply, and a new binary with
    /// different assets is picked up at once.
    fn etag(&self) -> &'static str {
        static TAGS: OnceLock<Vec<String>> = OnceLock::new();
        let tags = TAGS.get_or_init(|| {
            ASSETS
                .iter()
                .map(|a| {
                    let digest = Sha1::digest(a.body);
                    let hex: String = digest[..8].iter().map(|b| format!("{b:02x}")).collect();
                    format!("\"{hex}\"")
                })
                .collect()
        });
        let index = ASSETS
            .iter()
            .position(|a| std::ptr::eq(a, self))
            .unwrap_or(0);
        &tags[index]
    }

    /// The response for a GET of this asset (`304` when the client's copy is current).
    pub fn response(&'static self, request: &HeaderMap) -> Response {
        let etag = self.etag();
        let fresh = request
            .get(header::IF_NONE_MATCH)
            .is_some_and(|v| v.as_bytes() == etag.as_bytes());
        let mut resp = if fresh {
            let mut r = Response::new(Body::empty());
            *r.status_mut() = StatusCode::NOT_MODIFIED;
            r
        } else {
            let mut r = Response::new(Body::from(self.body));
            r.headers_mut().insert(
                header::CONTENT_TYPE,
                HeaderValue::from_static(self.content_type),
            );
            r
        };
        let h = resp.headers_mut();
        if let Ok(v) = HeaderValue::from_str(etag) {
            h.insert(header::ETAG, v);
        }
        h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-cache"));
        h.insert(
            header::X_CONTENT_TYPE_OPTIONS,
            HeaderValue::from_static("nosniff"),
        );
        resp
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn assets_are_found_and_revalidated() {
        let css = find("app.css").expect("css");
        assert!(find("../Cargo.toml").is_none());
        let resp = css.response(&HeaderMap::new());
        assert_eq!(resp.status(), StatusCode::OK);
        let etag = resp.headers()[header::ETAG].clone();
        assert_ne!(
            etag,
            find("app.js")
                .unwrap()
                .response(&HeaderMap::new())
                .headers()[header::ETAG]
        );
        let mut again = HeaderMap::new();
        again.insert(header::IF_NONE_MATCH, etag);
        assert_eq!(css.response(&again).status(), StatusCode::NOT_MODIFIED);
    }
}
