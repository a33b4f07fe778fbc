//! Entity tags for optimistic concurrency and conditional reads.

use actix_web::http::header::{IF_MATCH, IF_NONE_MATCH};
use actix_web::HttpRequest;

use crate::error::ApiError;

/// The strong ETag of a resource version.
pub fn of_version(version: i64) -> String {
    format!("\"{version}\"")
}

/// The raw `If-Match` header, taken before the request moves to a worker.
pub fn if_match(req: &HttpRequest) -> Option<String> {
    req.headers().get(IF_MATCH).map(|v| v.to_str().unwrap_or("\u{0}").to_owned())
}

/// Checks an `If-Match` value: 428 when it is missing, 412 when it names
/// anything but the current version.
pub fn require_if_match(header: Option<&str>, current_version: i64) -> Result<(), ApiError> {
    let value = header.ok_or_else(ApiError::precondition_required)?;
    let current = of_version(current_version);
    let matches = value.split(',').map(str::trim).any(|tag| tag == "*" || tag == current);
    if matches {
        Ok(())
    } else {
        Err(ApiError::precondition_failed())
    }
}

/// Whether `If-None-Match` already names `etag` (answer 304).
pub fn not_modified(req: &HttpRequest, etag: &str) -> bool {
    req.headers().get(IF_NONE_MATCH).and_then(|v| v.to_str().ok()).is_some_and(|value| {
        value.split(',').map(|t| t.trim().trim_start_matches("W/")).any(|tag| tag == "*" || tag == etag)
    })
}
