//! Renders every problem response in the caller's language with its request
//! id. Handlers and extractors only return [`ApiError`]; this is the one
//! place that knows the request it answers.

use actix_web::body::{EitherBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::StatusCode;
use actix_web::middleware::Next;
use actix_web::{Error, HttpMessage};

use crate::error::ApiError;
use crate::i18n::Lang;
use crate::middleware::request_id::RequestId;

pub async fn localize_problems(
    req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<EitherBody<impl MessageBody>>, Error> {
    let lang = Lang::of(req.request());
    let request_id = req.extensions().get::<RequestId>().map(|r| r.0.clone());
    // Handlers and extractors turn their errors into responses, which are
    // rewritten below; an `Err` here can only come from inner middleware and
    // is passed on as is (the request cannot be cloned before routing).
    let response = next.call(req).await?;
    let replacement = response
        .response()
        .error()
        .map(|error| error.as_error::<ApiError>().cloned().unwrap_or_else(|| fallback(response.status(), error)));
    Ok(match replacement {
        Some(api_error) => {
            let (request, _) = response.into_parts();
            ServiceResponse::new(request, api_error.render(lang, request_id)).map_into_right_body()
        }
        None => response.map_into_left_body(),
    })
}

/// Errors raised by actix itself (not by our handlers): keep their status,
/// give them a problem body.
fn fallback(status: StatusCode, error: &Error) -> ApiError {
    match status {
        StatusCode::NOT_FOUND => ApiError::not_found(),
        StatusCode::PAYLOAD_TOO_LARGE => ApiError::new(status, "payload_too_large"),
        StatusCode::UNSUPPORTED_MEDIA_TYPE => ApiError::new(status, "unsupported_media_type"),
        s if s.is_client_error() => ApiError::new(s, "bad_request"),
        _ => ApiError::internal(error),
    }
}
