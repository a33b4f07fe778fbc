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

/// `text/csv` in UTF-8: without a `charset`, or with `charset=utf-8`.
fn is_csv(mime: &mime::Mime) -> bool {
    mime.type_() == mime::TEXT
        && mime.subtype() == "csv"
        && mime.get_param(mime::CHARSET).is_none_or(|charset| charset == mime::UTF_8)
}

/// Whether the request's body is UTF-8 CSV.
pub fn content_type_is_csv(req: &HttpRequest) -> bool {
    req.headers()
        .get(actix_web::http::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<mime::Mime>().ok())
        .is_some_and(|m| is_csv(&m))
}

/// The one write that also takes CSV: the premium batch
/// (docs/decisions/0016).
const CSV_ROUTES: [(&str, &str); 1] = [("POST", "/api/v1/insurance/premium-postings")];

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
/// Only objects are bodies: serde would otherwise fill a struct from an
/// array by position.
pub fn typed_body<T: serde::de::DeserializeOwned>(body: &serde_json::Value) -> Result<T, ApiError> {
    if !body.is_object() {
        return Err(ApiError::invalid_field("body", "invalid_value", "the body must be a JSON object"));
    }
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

/// A JSON document in which no object repeats a member name. serde_json
/// would silently keep the last of two `"name"`s; like an unknown field, a
/// repeated one is refused so that a sender's mistake never drops data.
#[derive(Debug, Clone)]
pub struct StrictJson(pub serde_json::Value);

impl<'de> serde::Deserialize<'de> for StrictJson {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct Visitor;

        impl<'de> serde::de::Visitor<'de> for Visitor {
            type Value = serde_json::Value;

            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("a JSON value")
            }
            fn visit_bool<E>(self, v: bool) -> Result<Self::Value, E> {
                Ok(v.into())
            }
            fn visit_i64<E>(self, v: i64) -> Result<Self::Value, E> {
                Ok(v.into())
            }
            fn visit_u64<E>(self, v: u64) -> Result<Self::Value, E> {
                Ok(v.into())
            }
            fn visit_f64<E>(self, v: f64) -> Result<Self::Value, E> {
                Ok(serde_json::Number::from_f64(v).map_or(serde_json::Value::Null, serde_json::Value::Number))
            }
            fn visit_str<E>(self, v: &str) -> Result<Self::Value, E> {
                Ok(v.into())
            }
            fn visit_string<E>(self, v: String) -> Result<Self::Value, E> {
                Ok(v.into())
            }
            fn visit_unit<E>(self) -> Result<Self::Value, E> {
                Ok(serde_json::Value::Null)
            }
            fn visit_none<E>(self) -> Result<Self::Value, E> {
                Ok(serde_json::Value::Null)
            }
            fn visit_some<D: serde::Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
                <StrictJson as serde::Deserialize>::deserialize(d).map(|s| s.0)
            }
            fn visit_seq<A: serde::de::SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
                let mut items = Vec::new();
                while let Some(item) = seq.next_element::<StrictJson>()? {
                    items.push(item.0);
                }
                Ok(serde_json::Value::Array(items))
            }
            fn visit_map<A: serde::de::MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
                let mut object = serde_json::Map::new();
                while let Some(key) = map.next_key::<String>()? {
                    let value = map.next_value::<StrictJson>()?.0;
                    if object.contains_key(&key) {
                        return Err(serde::de::Error::custom(format!("duplicate field `{key}`")));
                    }
                    object.insert(key, value);
                }
                Ok(serde_json::Value::Object(object))
            }
        }

        deserializer.deserialize_any(Visitor).map(StrictJson)
    }
}

/// A JSON object body of type `T`, parsed through [`typed_body`]: the same
/// size limit and media-type rules as `web::Json`, objects only, and errors
/// that name the offending path.
pub struct Body<T>(pub T);

impl<T: serde::de::DeserializeOwned + 'static> actix_web::FromRequest for Body<T> {
    type Error = actix_web::Error;
    type Future = std::pin::Pin<Box<dyn std::future::Future<Output = Result<Body<T>, actix_web::Error>>>>;

    fn from_request(req: &HttpRequest, payload: &mut actix_web::dev::Payload) -> Self::Future {
        let json = web::Json::<StrictJson>::from_request(req, payload);
        Box::pin(async move {
            let value = json.await?.into_inner().0;
            typed_body(&value).map(Body).map_err(actix_web::Error::from)
        })
    }
}

/// Bodies of writes must be `application/json` (or `application/merge-patch+json`
/// for PATCH); actix-web alone would take any `*/json` or `*/*+json`. The
/// routes in [`CSV_ROUTES`] also take UTF-8 `text/csv`.
pub async fn require_json(
    req: actix_web::dev::ServiceRequest,
    next: actix_web::middleware::Next<impl actix_web::body::MessageBody + 'static>,
) -> Result<actix_web::dev::ServiceResponse<actix_web::body::BoxBody>, actix_web::Error> {
    use actix_web::http::Method;
    let writes = matches!(*req.method(), Method::POST | Method::PATCH | Method::PUT);
    // Only routes that take this method: any other request is a 404 or 405 first.
    let routed = req
        .app_data::<web::Data<crate::routes::fallback::KnownRoutes>>()
        .and_then(|known| known.methods_for(req.path()))
        .is_some_and(|methods| methods.iter().any(|m| m == req.method().as_str()));
    if writes && routed {
        let mime = req
            .headers()
            .get(actix_web::http::header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.parse::<mime::Mime>().ok());
        let takes_csv = CSV_ROUTES.iter().any(|(method, path)| req.method().as_str() == *method && req.path() == *path);
        let accepted = mime.is_some_and(|m| is_json(m.clone()) || (takes_csv && is_csv(&m)));
        if !accepted {
            let (request, _) = req.into_parts();
            let error = ApiError::new(StatusCode::UNSUPPORTED_MEDIA_TYPE, "unsupported_media_type");
            return Ok(actix_web::dev::ServiceResponse::from_err(error, request));
        }
    }
    Ok(next.call(req).await?.map_into_boxed_body())
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
    fn csv_is_utf8_text_csv() {
        assert!(is_csv(&"text/csv".parse().expect("mime")));
        assert!(is_csv(&"text/csv; charset=utf-8".parse().expect("mime")));
        assert!(is_csv(&"text/csv; charset=UTF-8; header=present".parse().expect("mime")));
        assert!(!is_csv(&"text/csv; charset=gbk".parse().expect("mime")));
        assert!(!is_csv(&"text/plain".parse().expect("mime")));
        assert!(!is_csv(&"application/csv".parse().expect("mime")));
    }

    #[test]
    fn serde_messages_name_their_field() {
        assert_eq!(field_of("unknown field `nmae`, expected one of `name`"), "nmae");
        assert_eq!(field_of("missing field `name` at line 1"), "name");
        assert_eq!(field_of("invalid type: string \"x\", expected i64"), "body");
    }
}
