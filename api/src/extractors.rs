//! How malformed requests are answered: JSON, query and path extraction
//! failures become problem responses with stable codes.

use actix_web::error::{JsonPayloadError, PathError, QueryPayloadError};
use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest};

use crate::error::ApiError;

/// Media types accepted for JSON bodies.
fn is_json(mime: mime::Mime) -> bool {
    mime.type_() == mime::APPLICATION
        && (mime.subtype() == mime::JSON || (mime.subtype() == "merge-patch" && mime.suffix() == Some(mime::JSON)))
}

fn json_error(error: JsonPayloadError, _: &HttpRequest) -> actix_web::Error {
    let api_error = match &error {
        JsonPayloadError::OverflowKnownLength { .. } | JsonPayloadError::Overflow { .. } => {
            ApiError::new(StatusCode::PAYLOAD_TOO_LARGE, "payload_too_large")
        }
        JsonPayloadError::ContentType => ApiError::new(StatusCode::UNSUPPORTED_MEDIA_TYPE, "unsupported_media_type"),
        JsonPayloadError::Deserialize(e) if e.is_data() => {
            let message = e.to_string();
            let code = if message.starts_with("unknown field") {
                "unknown_field"
            } else if message.starts_with("missing field") {
                "required"
            } else {
                "invalid_value"
            };
            ApiError::invalid_field(&field_of(&message), code, message)
        }
        JsonPayloadError::Payload(actix_web::error::PayloadError::Overflow) => {
            ApiError::new(StatusCode::PAYLOAD_TOO_LARGE, "payload_too_large")
        }
        _ => ApiError::bad_request("malformed_json"),
    };
    api_error.into()
}

/// The field a serde message names (`unknown field `x`` → `x`), else `body`.
fn field_of(message: &str) -> String {
    message
        .split('`')
        .nth(1)
        .filter(|_| message.starts_with("unknown field") || message.starts_with("missing field"))
        .unwrap_or("body")
        .to_owned()
}

pub fn json_config(limit: usize) -> web::JsonConfig {
    web::JsonConfig::default().limit(limit).content_type(is_json).content_type_required(true).error_handler(json_error)
}

pub fn query_config() -> web::QueryConfig {
    web::QueryConfig::default().error_handler(|error: QueryPayloadError, _| {
        let message = error.to_string();
        ApiError::bad_request("invalid_query").with_detail(message.clone(), message).into()
    })
}

pub fn path_config() -> web::PathConfig {
    web::PathConfig::default().error_handler(|_: PathError, _| ApiError::bad_request("invalid_path").into())
}

/// Deserialises a JSON body taken as a `Value` (kept for hashing) into its
/// typed form; a failure names the exact path (`items[12].amount_fen`).
pub fn typed_body<T: serde::de::DeserializeOwned>(body: &serde_json::Value) -> Result<T, ApiError> {
    serde_path_to_error::deserialize(body).map_err(|error| {
        let path = error.path().to_string();
        let message = error.inner().to_string();
        let code = if message.starts_with("unknown field") {
            "unknown_field"
        } else if message.starts_with("missing field") {
            "required"
        } else {
            "invalid_value"
        };
        let name = field_of(&message);
        let field = match (path.as_str(), name.as_str()) {
            (".", name) => name.to_owned(),
            (path, "body") => path.to_owned(),
            (path, name) if path.ends_with(name) => path.to_owned(),
            (path, name) => format!("{path}.{name}"),
        };
        ApiError::invalid_field(&field, code, message)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_and_merge_patch_are_json() {
        assert!(is_json("application/json".parse().expect("mime")));
        assert!(is_json("application/json; charset=utf-8".parse().expect("mime")));
        assert!(is_json("application/merge-patch+json".parse().expect("mime")));
        assert!(!is_json("text/plain".parse().expect("mime")));
        assert!(!is_json("application/x-www-form-urlencoded".parse().expect("mime")));
    }

    #[test]
    fn serde_messages_name_their_field() {
        assert_eq!(field_of("unknown field `nmae`, expected one of `name`"), "nmae");
        assert_eq!(field_of("missing field `name` at line 1"), "name");
        assert_eq!(field_of("invalid type: string \"x\", expected i64"), "body");
    }
}
