//! The daemon's endpoints: `GET /api/v1/state`, `GET /api/v1/config`, `POST /api/v1/reread`,
//! `POST /api/v1/update`, and the OpenAPI document.

use axum::body::Body;
use axum::http::{header, HeaderValue};
use axum::response::Response;
use bytes::Bytes;
use serde::Deserialize;

use super::errors::Failure;
use super::json::{self, config_of, group_outcome_of, reread_of, state_of, Configs, Update};
use super::request::{parse, NoFields};
use crate::owner::Owner;

/// The OpenAPI 3.1 document of this API, written by hand and checked against every answer by
/// `tests/it/api_openapi.rs`.
pub const OPENAPI: &str = include_str!("openapi.json");

/// `GET /api/v1/openapi.json`.
pub fn openapi() -> Response {
    let mut response = Response::new(Body::from(OPENAPI));
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    response
}

/// `GET /api/v1/state`.
pub async fn state(owner: &Owner) -> Result<Response, Failure> {
    Ok(json::ok(&state_of(owner.state().await?)))
}

/// `GET /api/v1/config`.
pub async fn config(owner: &Owner) -> Result<Response, Failure> {
    let entries = owner.config().await?;
    Ok(json::ok(&Configs {
        processes: entries.iter().map(config_of).collect(),
    }))
}

/// `POST /api/v1/reread`.
pub async fn reread(owner: &Owner, body: &Bytes) -> Result<Response, Failure> {
    parse::<NoFields>(body)?;
    Ok(json::ok(&reread_of(owner.reread().await?)))
}

/// `POST /api/v1/update`'s body.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct UpdateBody {
    /// Only these groups (absent or empty: every group), as `supervisorctl update g1 g2`.
    #[serde(default)]
    groups: Vec<String>,
}

/// `POST /api/v1/update`.
pub async fn update(owner: &Owner, body: &Bytes) -> Result<Response, Failure> {
    let only = parse::<UpdateBody>(body)?.groups;
    let done = owner.update(&only).await?;
    Ok(json::ok(&Update {
        groups: done.iter().map(group_outcome_of).collect(),
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_openapi_document_is_json_of_version_3_1() {
        let doc: serde_json::Value = serde_json::from_str(OPENAPI).expect("valid JSON");
        assert!(doc["openapi"].as_str().unwrap().starts_with("3.1"));
        assert!(doc["paths"]["/api/v1/processes/{namespec}/start"].is_object());
    }
}
