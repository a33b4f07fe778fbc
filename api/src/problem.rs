//! The one error body of the contract: RFC 9457 `application/problem+json`
//! with a stable machine `code`, and the reusable responses that document it.

use serde::Serialize;
use utoipa::{ToResponse, ToSchema};

pub const PROBLEM_CONTENT_TYPE: &str = "application/problem+json";

/// An RFC 9457 problem. `code` is the stable contract; `title` and `detail`
/// follow `Accept-Language` (zh-CN by default, or en).
#[derive(Debug, Clone, Serialize, ToSchema)]
#[schema(example = json!({
    "type": "urn:henan-safety:problem:validation_failed",
    "title": "请求内容校验未通过",
    "status": 422,
    "code": "validation_failed",
    "request_id": "6f1c1f0e-5b7a-4c1e-9d0b-2f3a4b5c6d7e",
    "errors": [{"field": "credit_code", "code": "invalid_credit_code", "message": "统一社会信用代码不合法（GB 32100-2015）"}]
}))]
pub struct Problem {
    /// `urn:henan-safety:problem:<code>`.
    #[serde(rename = "type")]
    pub problem_type: String,
    pub title: String,
    pub status: u16,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub detail: Option<String>,
    /// Stable machine-readable code, e.g. `invalid_credit_code`.
    pub code: String,
    /// The request id (also in the `X-Request-Id` header) for support.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub request_id: Option<String>,
    /// Every invalid field at once (validation failures only).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub errors: Vec<FieldProblem>,
}

/// One invalid field of a request.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct FieldProblem {
    /// The field's name, or a path such as `qualification.valid_until`.
    pub field: String,
    /// Stable machine-readable code, e.g. `unknown_region`.
    pub code: String,
    pub message: String,
}

// rustfmt re-indents attributes inside this macro on every run; keep it as written.
#[rustfmt::skip]
macro_rules! problem_response {
    ($name:ident, $status:literal, $code:literal, $description:literal) => {
        #[doc = $description]
        #[derive(ToResponse)]
        #[response(
            description = $description,
            content_type = "application/problem+json",
            example = json!({
                "type": concat!("urn:henan-safety:problem:", $code),
                "title": $description,
                "status": $status,
                "code": $code,
                "request_id": "6f1c1f0e-5b7a-4c1e-9d0b-2f3a4b5c6d7e"
            })
        )]
        #[allow(dead_code)]
        pub struct $name(Problem);
    };
}

problem_response!(BadRequest, 400, "malformed_json", "Malformed JSON, query or path parameter");
problem_response!(Unauthorized, 401, "unauthorized", "No, expired or invalid bearer token");
problem_response!(Forbidden, 403, "forbidden", "Authenticated, but this role may not do this");
problem_response!(NotFound, 404, "not_found", "Not found, or not visible to this caller");
problem_response!(Conflict, 409, "duplicate_credit_code", "Conflicts with the current state");
problem_response!(PreconditionFailed, 412, "precondition_failed", "If-Match does not match the current ETag");
problem_response!(PayloadTooLarge, 413, "payload_too_large", "The request body exceeds the documented limit");
problem_response!(UnsupportedMediaType, 415, "unsupported_media_type", "The request body must be application/json");
problem_response!(Unprocessable, 422, "validation_failed", "Well-formed but invalid; `errors` lists every bad field");
problem_response!(PreconditionRequired, 428, "precondition_required", "If-Match is required for updates");
problem_response!(TooManyRequests, 429, "rate_limited", "Too many requests or attempts; see Retry-After");
problem_response!(ServiceUnavailable, 503, "service_unavailable", "A dependency (the database) is unavailable");
problem_response!(InternalError, 500, "internal_error", "Unexpected error; the body carries no internal detail");
