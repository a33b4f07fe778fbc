//! The one error type of the HTTP layer. Each constructor fixes the status;
//! storage and unexpected errors are logged with their cause and answered
//! with a bare problem that carries no internal detail.

use std::fmt;

use actix_web::http::header::{self, HeaderValue};
use actix_web::http::StatusCode;
use actix_web::{HttpResponse, ResponseError};
use domain::validation::FieldError;
use persistence::StoreError;

use crate::i18n::{self, Lang};
use crate::problem::{FieldProblem, Problem, PROBLEM_CONTENT_TYPE};

/// Detail text in both languages.
#[derive(Debug, Clone)]
pub struct Detail {
    pub zh: String,
    pub en: String,
}

#[derive(Debug, Clone)]
pub struct ApiError {
    status: StatusCode,
    code: &'static str,
    detail: Option<Box<Detail>>,
    errors: Vec<FieldError>,
    /// `Allow` of a 405.
    allow: Option<String>,
    /// `Retry-After` seconds of a 429.
    retry_after: Option<u64>,
}

impl ApiError {
    pub fn new(status: StatusCode, code: &'static str) -> ApiError {
        ApiError { status, code, detail: None, errors: Vec::new(), allow: None, retry_after: None }
    }

    pub fn with_detail(mut self, zh: impl Into<String>, en: impl Into<String>) -> ApiError {
        self.detail = Some(Box::new(Detail { zh: zh.into(), en: en.into() }));
        self
    }

    /// 400: the request could not be parsed at all.
    pub fn bad_request(code: &'static str) -> ApiError {
        ApiError::new(StatusCode::BAD_REQUEST, code)
    }

    /// 401 `unauthorized` (no credentials) or `invalid_token` / `invalid_client`.
    pub fn unauthorized(code: &'static str) -> ApiError {
        ApiError::new(StatusCode::UNAUTHORIZED, code)
    }

    /// 403: the role may not act here.
    pub fn forbidden() -> ApiError {
        ApiError::new(StatusCode::FORBIDDEN, "forbidden")
    }

    /// 404: absent or not visible to this caller; the two are never told apart.
    pub fn not_found() -> ApiError {
        ApiError::new(StatusCode::NOT_FOUND, "not_found")
    }

    /// 409: the request conflicts with stored state.
    pub fn conflict(code: &'static str) -> ApiError {
        ApiError::new(StatusCode::CONFLICT, code)
    }

    /// 422 listing every invalid field.
    pub fn validation(errors: Vec<FieldError>) -> ApiError {
        ApiError { errors, ..ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, "validation_failed") }
    }

    /// Names the items or fields a non-validation error is about (e.g. the
    /// batch items whose external reference conflicts).
    pub fn with_errors(mut self, errors: Vec<FieldError>) -> ApiError {
        self.errors = errors;
        self
    }

    /// 422 for one field.
    pub fn invalid_field(field: &str, code: &'static str, message: impl Into<String>) -> ApiError {
        ApiError::validation(vec![FieldError { field: field.to_owned(), code, message: message.into() }])
    }

    /// A rule lookup for a date the request chose: no version in force on
    /// that date is the caller's 422 on `field` (`rule_not_in_force`); a
    /// wrong-unit lookup is the platform's own fault (500).
    pub fn rule(field: &str, error: domain::rules::RuleError) -> ApiError {
        match error {
            domain::rules::RuleError::NotInForce { .. } => {
                ApiError::invalid_field(field, error.code(), error.to_string())
            }
            other => ApiError::internal(other),
        }
    }

    /// 405 naming the methods the path does accept.
    pub fn method_not_allowed(allow: &str) -> ApiError {
        ApiError {
            allow: Some(allow.to_owned()),
            ..ApiError::new(StatusCode::METHOD_NOT_ALLOWED, "method_not_allowed")
        }
    }

    /// 429: too many requests or attempts; retry after `seconds`.
    pub fn too_many_requests(code: &'static str, seconds: u64) -> ApiError {
        ApiError { retry_after: Some(seconds.max(1)), ..ApiError::new(StatusCode::TOO_MANY_REQUESTS, code) }
    }

    pub fn precondition_required() -> ApiError {
        ApiError::new(StatusCode::PRECONDITION_REQUIRED, "precondition_required")
    }

    pub fn precondition_failed() -> ApiError {
        ApiError::new(StatusCode::PRECONDITION_FAILED, "precondition_failed")
    }

    pub fn unavailable() -> ApiError {
        ApiError::new(StatusCode::SERVICE_UNAVAILABLE, "service_unavailable")
    }

    /// 500: logs `cause` and tells the caller nothing about it.
    pub fn internal(cause: impl fmt::Display) -> ApiError {
        tracing::error!(error = %cause, "internal error");
        ApiError::new(StatusCode::INTERNAL_SERVER_ERROR, "internal_error")
    }

    pub fn code(&self) -> &'static str {
        self.code
    }

    pub fn field_errors(&self) -> &[FieldError] {
        &self.errors
    }

    /// The problem body in `lang`.
    pub fn problem(&self, lang: Lang, request_id: Option<String>) -> Problem {
        let title = i18n::title(self.code, lang).or_else(|| self.status.canonical_reason()).unwrap_or("Error");
        Problem {
            problem_type: format!("urn:henan-safety:problem:{}", self.code),
            title: title.to_owned(),
            status: self.status.as_u16(),
            detail: self.detail.as_ref().map(|d| match lang {
                Lang::Zh => d.zh.clone(),
                Lang::En => d.en.clone(),
            }),
            code: self.code.to_owned(),
            request_id,
            errors: self
                .errors
                .iter()
                .map(|e| FieldProblem {
                    field: e.field.clone(),
                    code: e.code.to_owned(),
                    message: i18n::title(e.code, lang).map_or_else(|| e.message.clone(), str::to_owned),
                })
                .collect(),
        }
    }

    /// The full response in `lang`; the localisation middleware calls this
    /// again with the caller's language and request id.
    pub fn render(&self, lang: Lang, request_id: Option<String>) -> HttpResponse {
        let mut response = HttpResponse::build(self.status);
        response.insert_header((header::CONTENT_TYPE, HeaderValue::from_static(PROBLEM_CONTENT_TYPE)));
        match self.status {
            StatusCode::UNAUTHORIZED => {
                response.insert_header((header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer")));
            }
            StatusCode::SERVICE_UNAVAILABLE => {
                response.insert_header((header::RETRY_AFTER, HeaderValue::from_static("5")));
            }
            StatusCode::TOO_MANY_REQUESTS => {
                if let Some(seconds) = self.retry_after.and_then(|s| HeaderValue::from_str(&s.to_string()).ok()) {
                    response.insert_header((header::RETRY_AFTER, seconds));
                }
            }
            StatusCode::METHOD_NOT_ALLOWED => {
                if let Some(allow) = self.allow.as_deref().and_then(|a| HeaderValue::from_str(a).ok()) {
                    response.insert_header((header::ALLOW, allow));
                }
            }
            _ => {}
        }
        response.json(self.problem(lang, request_id))
    }
}

impl fmt::Display for ApiError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}", self.status.as_u16(), self.code)
    }
}

impl ResponseError for ApiError {
    fn status_code(&self) -> StatusCode {
        self.status
    }

    fn error_response(&self) -> HttpResponse {
        self.render(Lang::Zh, None)
    }
}

impl From<StoreError> for ApiError {
    fn from(error: StoreError) -> ApiError {
        match error {
            StoreError::NotFound => ApiError::not_found(),
            StoreError::VersionConflict => ApiError::precondition_failed(),
            StoreError::Unavailable(cause) => {
                tracing::warn!(error = %cause, "database unavailable");
                ApiError::unavailable()
            }
            other => ApiError::internal(other),
        }
    }
}

impl From<Vec<FieldError>> for ApiError {
    fn from(errors: Vec<FieldError>) -> ApiError {
        ApiError::validation(errors)
    }
}
