//! Response helpers that reproduce medusa's error pages and headers.

use axum::body::Body;
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::Response;

/// medusa's error page for `status`, with its exact body layout.
pub fn error_response(status: StatusCode) -> Response {
    let reason = status.canonical_reason().unwrap_or("Unknown");
    let body = format!(
        "<head>\r\n<title>Error response</title>\r\n</head>\r\n<body>\r\n<h1>Error response</h1>\r\n<p>Error code {}.\r\n<p>Message: {}.\r\n</body>\r\n",
        status.as_u16(),
        reason
    );
    let mut resp = Response::new(Body::from(body));
    *resp.status_mut() = status;
    resp.headers_mut()
        .insert(header::CONTENT_TYPE, HeaderValue::from_static("text/html"));
    resp
}

/// The 401 answer Supervisor gives, asking for Basic credentials and closing the connection.
pub fn unauthorized() -> Response {
    let mut resp = error_response(StatusCode::UNAUTHORIZED);
    let headers = resp.headers_mut();
    headers.insert(
        header::WWW_AUTHENTICATE,
        HeaderValue::from_static("Basic realm=\"default\""),
    );
    headers.insert(header::CONNECTION, HeaderValue::from_static("close"));
    resp
}

/// A `200 text/xml` response carrying an XML-RPC body.
pub fn xml(body: Vec<u8>) -> Response {
    let mut resp = Response::new(Body::from(body));
    resp.headers_mut()
        .insert(header::CONTENT_TYPE, HeaderValue::from_static("text/xml"));
    resp
}

/// A JSON error answer of the HTTP APIs under `/api/`:
/// `{"error": {"code": "BAD_ARGUMENTS", "message": "…"}}`, `code` being Supervisor's fault name.
pub fn json_error(status: StatusCode, code: &str, message: &str) -> Response {
    let body = serde_json::json!({"error": {"code": code, "message": message}}).to_string();
    let mut resp = Response::new(Body::from(body));
    *resp.status_mut() = status;
    resp.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    resp
}
