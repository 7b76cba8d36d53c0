//! `GET /api/v1/processes/{namespec}/log` (part of a log, as JSON) and `…/log/follow` (the log
//! as it grows, a raw chunked stream like `/logtail`).
//!
//! `offset` and `length` mean what they mean to `readProcessStdoutLog`: a negative offset
//! counts from the end (with length 0), length 0 reads to the end. The answer is bounded by
//! [`MAX_READ`]: a larger read returns its first part, and `next_offset` says where to go on.

use axum::response::Response;

use super::errors::Failure;
use super::json::{self, LogText};
use super::request::Query;
use super::target::Target;
use crate::http::tail::stream_response;
use crate::logs::follow::Follower;
use crate::logs::tail::open_regular;
use crate::owner::{LogChannel, Owner};

/// The most one read returns.
pub const MAX_READ: u64 = 16 * 1024 * 1024;

/// What a read or follow starts with when no offset is given: the last 1600 bytes, as
/// `supervisorctl tail`.
const DEFAULT_TAIL: i64 = 1600;

/// The channel of `?stream=` (default stdout).
fn channel(query: &Query) -> Result<LogChannel, Failure> {
    let name = query.get("stream").unwrap_or("stdout");
    LogChannel::parse(name).ok_or_else(|| {
        Failure::bad_request(format!("stream must be stdout or stderr, not {name:?}"))
    })
}

/// The one process a log belongs to.
fn one(target: Target) -> Result<String, Failure> {
    match target {
        Target::One(spec) => Ok(spec),
        Target::Group { spec, .. } => Err(Failure::bad_name(format!(
            "{spec} names a group; a log belongs to one process (name or group:name)"
        ))),
        Target::All => Err(Failure::bad_name(
            "a log belongs to one process (name or group:name), not all",
        )),
    }
}

/// `GET …/log?stream=&offset=&length=`.
pub async fn read(owner: &Owner, target: Target, query: Option<&str>) -> Result<Response, Failure> {
    let query = Query::parse(query, &["stream", "offset", "length"])?;
    let channel = channel(&query)?;
    let offset = query.int("offset", -DEFAULT_TAIL)?;
    let length = query.int("length", 0)?;
    let spec = one(target)?;
    let slice = owner
        .read_log_slice(&spec, channel, offset, length, MAX_READ)
        .await?;
    let next_offset = slice.start + slice.data.len() as u64;
    Ok(json::ok(&LogText {
        data: String::from_utf8_lossy(&slice.data).into_owned(),
        offset: slice.start,
        next_offset,
    }))
}

/// `GET …/log/follow?stream=&offset=`: the bytes from `offset` (negative: that many before
/// the end; default the last 1600), then whatever is appended, until the client goes away.
pub async fn follow(
    owner: &Owner,
    target: Target,
    query: Option<&str>,
) -> Result<Response, Failure> {
    let query = Query::parse(query, &["stream", "offset"])?;
    let channel = channel(&query)?;
    let offset = query.int("offset", -DEFAULT_TAIL)?;
    let spec = one(target)?;
    let Some(path) = owner.log_path(&spec, channel).await? else {
        return Err(crate::owner::ApiError::NoFile(Some(format!(
            "{spec} has no {} log file",
            if channel == LogChannel::Stdout {
                "stdout"
            } else {
                "stderr"
            }
        )))
        .into());
    };
    let no_file = || {
        Failure::from(crate::owner::ApiError::NoFile(Some(
            path.display().to_string(),
        )))
    };
    let follower = if offset < 0 {
        Follower::from_tail(path.clone(), offset.unsigned_abs()).map_err(|_| no_file())?
    } else {
        open_regular(&path).map_err(|_| no_file())?;
        Follower::from_offset(path.clone(), offset.unsigned_abs())
    };
    Ok(stream_response(follower, true))
}
