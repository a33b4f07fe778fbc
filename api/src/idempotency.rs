//! Idempotent POSTs (CONVENTIONS.md "Idempotency"): the first response to an
//! `Idempotency-Key` is stored in the same transaction as its effect; a retry
//! with the same key and body gets that response again, a different body
//! under the same key is a 409 `idempotency_conflict`.
//!
//! Concurrency: on SQLite write transactions are serialised, so the look-up
//! runs under the write lock. On PostgreSQL two first uses race to insert the
//! record; the loser's insert waits for the winner's commit and fails on the
//! primary key, and the loser then answers with the winner's stored response.
//! Failed requests store nothing (their transaction rolls back), so a retry
//! is validated afresh and fails the same way.

use actix_web::http::header::{HeaderName, HeaderValue, CONTENT_TYPE, LOCATION};
use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse};
use persistence::idempotency::{self, IdempotencyRecord};
use persistence::{DbConnection, DbPool, StoreError};
use serde::de::DeserializeOwned;
use serde::Serialize;
use serde_json::Value;
use sha2::{Digest, Sha256};

use crate::db;
use crate::error::ApiError;
use crate::extractors::{typed_body, StrictJson};

pub const IDEMPOTENCY_KEY: HeaderName = HeaderName::from_static("idempotency-key");
pub const REPLAYED: HeaderName = HeaderName::from_static("idempotent-replayed");
const MAX_KEY_LENGTH: usize = 200;

/// The key, the caller's key space and what the request was.
#[derive(Debug, Clone)]
pub struct Scope {
    pub principal: String,
    pub key: String,
    pub operation: &'static str,
    pub request_hash: String,
}

impl Scope {
    /// The scope of `body` sent under `key` by `principal` to `operation`.
    pub fn new(principal: String, key: String, operation: &'static str, body: &Value) -> Scope {
        Scope { principal, key, operation, request_hash: request_hash(body) }
    }

    /// The scope of a write to the object `id` named in the path: the same
    /// key and body sent to another object is another request (409
    /// `idempotency_conflict`), never a replay of the first object's answer.
    pub fn on_object(principal: String, key: String, operation: &'static str, id: uuid::Uuid, body: &Value) -> Scope {
        Scope::new(principal, key, operation, &serde_json::json!({"object": id, "body": body}))
    }
}

/// The `Idempotency-Key` header: 1–200 visible ASCII characters.
pub fn key(req: &HttpRequest) -> Result<Option<String>, ApiError> {
    let Some(value) = req.headers().get(&IDEMPOTENCY_KEY) else { return Ok(None) };
    value
        .to_str()
        .ok()
        .filter(|k| (1..=MAX_KEY_LENGTH).contains(&k.len()) && k.bytes().all(|b| b.is_ascii_graphic()))
        .map(|k| Some(k.to_owned()))
        .ok_or_else(|| ApiError::bad_request("invalid_idempotency_key"))
}

/// The key, which this operation requires (400 without it).
pub fn required_key(req: &HttpRequest) -> Result<String, ApiError> {
    key(req)?.ok_or_else(|| ApiError::bad_request("idempotency_key_required"))
}

/// SHA-256 of the body in canonical form (object keys sorted), so the same
/// JSON sent with other whitespace or key order is the same request.
pub fn request_hash(body: &Value) -> String {
    fn write(value: &Value, out: &mut Vec<u8>) {
        match value {
            Value::Object(map) => {
                let mut keys: Vec<&String> = map.keys().collect();
                keys.sort();
                out.push(b'{');
                for (i, key) in keys.into_iter().enumerate() {
                    if i > 0 {
                        out.push(b',');
                    }
                    out.extend(serde_json::to_vec(key).unwrap_or_default());
                    out.push(b':');
                    write(&map[key], out);
                }
                out.push(b'}');
            }
            Value::Array(items) => {
                out.push(b'[');
                for (i, item) in items.iter().enumerate() {
                    if i > 0 {
                        out.push(b',');
                    }
                    write(item, out);
                }
                out.push(b']');
            }
            scalar => out.extend(serde_json::to_vec(scalar).unwrap_or_default()),
        }
    }
    let mut canonical = Vec::new();
    write(body, &mut canonical);
    Sha256::digest(&canonical).iter().map(|b| format!("{b:02x}")).collect()
}

/// The object a write names in its path, if any: a key reused for another
/// object is another request (see [`Scope::on_object`]).
#[derive(Debug, Clone, Copy)]
pub enum Target {
    Collection,
    Object(uuid::Uuid),
}

fn scope_of(principal: String, key: String, operation: &'static str, target: Target, body: &Value) -> Scope {
    match target {
        Target::Collection => Scope::new(principal, key, operation, body),
        Target::Object(id) => Scope::on_object(principal, key, operation, id, body),
    }
}

/// The opening of an idempotent write, in the order the contract promises:
/// a malformed `Idempotency-Key` is 400 before the body is looked at, the
/// scope hashes the body as sent, then the body is parsed into its type
/// (422 naming the field). Without the header there is no scope.
pub fn scoped_body<T: DeserializeOwned>(
    req: &HttpRequest,
    principal: String,
    operation: &'static str,
    target: Target,
    body: StrictJson,
) -> Result<(Option<Scope>, T), ApiError> {
    let key = key(req)?;
    let body = body.0;
    let scope = key.map(|key| scope_of(principal, key, operation, target, &body));
    Ok((scope, typed_body(&body)?))
}

/// [`scoped_body`] for an operation that requires the key (400 without it).
pub fn required_scoped_body<T: DeserializeOwned>(
    req: &HttpRequest,
    principal: String,
    operation: &'static str,
    target: Target,
    body: StrictJson,
) -> Result<(Scope, T), ApiError> {
    let key = required_key(req)?;
    let body = body.0;
    let scope = scope_of(principal, key, operation, target, &body);
    Ok((scope, typed_body(&body)?))
}

/// A successful result and, for a creation, where the new resource lives.
#[derive(Debug)]
pub struct Done<T> {
    pub body: T,
    pub location: Option<String>,
}

impl<T> Done<T> {
    pub fn created(body: T, location: String) -> Done<T> {
        Done { body, location: Some(location) }
    }

    pub fn ok(body: T) -> Done<T> {
        Done { body, location: None }
    }
}

enum Outcome {
    Fresh(String, Option<String>),
    Replayed(IdempotencyRecord),
}

fn stored_response(conn: &mut DbConnection, scope: &Scope) -> Result<Option<IdempotencyRecord>, ApiError> {
    match idempotency::find(conn, &scope.principal, &scope.key)? {
        None => Ok(None),
        Some(record) if record.operation == scope.operation && record.request_hash == scope.request_hash => {
            Ok(Some(record))
        }
        Some(_) => Err(ApiError::conflict("idempotency_conflict")),
    }
}

fn respond(status: StatusCode, body: String, location: Option<&str>, replayed: bool) -> HttpResponse {
    let mut response = HttpResponse::build(status);
    response.insert_header((CONTENT_TYPE, HeaderValue::from_static("application/json")));
    if let Some(location) = location.and_then(|l| HeaderValue::from_str(l).ok()) {
        response.insert_header((LOCATION, location));
    }
    if replayed {
        response.insert_header((REPLAYED, HeaderValue::from_static("true")));
    }
    response.body(body)
}

/// Runs `work` in one transaction, answering `status` with its JSON body.
/// With a scope the effect happens at most once per key, and a replay gets
/// the stored first response; without one it simply runs.
pub async fn run_once<T, F>(
    pool: &DbPool,
    scope: Option<Scope>,
    status: StatusCode,
    work: F,
) -> Result<HttpResponse, ApiError>
where
    T: Serialize,
    F: FnOnce(&mut DbConnection) -> Result<Done<T>, ApiError> + Send + 'static,
{
    let Some(scope) = scope else {
        let (body, location) = db::transaction(pool, move |conn| {
            let done = work(conn)?;
            Ok((serde_json::to_string(&done.body).map_err(ApiError::internal)?, done.location))
        })
        .await?;
        return Ok(respond(status, body, location.as_deref(), false));
    };
    let first = scope.clone();
    let outcome = db::transaction(pool, move |conn| {
        if let Some(record) = stored_response(conn, &first)? {
            return Ok(Outcome::Replayed(record));
        }
        let done = work(conn)?;
        let body = serde_json::to_string(&done.body).map_err(ApiError::internal)?;
        let record = IdempotencyRecord {
            principal: first.principal.clone(),
            idempotency_key: first.key.clone(),
            operation: first.operation.to_owned(),
            request_hash: first.request_hash.clone(),
            response_status: i32::from(status.as_u16()),
            response_body: body.clone(),
            response_location: done.location.clone(),
            created_at: crate::clock::now().naive_utc(),
        };
        match idempotency::insert(conn, &record) {
            Ok(()) => Ok(Outcome::Fresh(body, done.location)),
            // A concurrent first use committed first: ours rolls back.
            Err(StoreError::Duplicate(_)) => Err(ApiError::conflict("idempotency_contended")),
            Err(other) => Err(other.into()),
        }
    })
    .await;
    let record = match outcome {
        Ok(Outcome::Fresh(body, location)) => return Ok(respond(status, body, location.as_deref(), false)),
        Ok(Outcome::Replayed(record)) => record,
        Err(error) if error.code() == "idempotency_contended" => {
            db::run(pool, move |conn| {
                stored_response(conn, &scope)?.ok_or_else(|| ApiError::conflict("idempotency_conflict"))
            })
            .await?
        }
        Err(error) => return Err(error),
    };
    let status = u16::try_from(record.response_status)
        .ok()
        .and_then(|s| StatusCode::from_u16(s).ok())
        .ok_or_else(|| ApiError::internal("stored idempotent status out of range"))?;
    Ok(respond(status, record.response_body, record.response_location.as_deref(), true))
}

#[cfg(test)]
mod tests {
    use super::request_hash;
    use serde_json::json;

    #[test]
    fn the_hash_ignores_key_order_but_not_values() {
        let a = request_hash(&json!({"b": 1, "a": [1, {"y": 2, "x": "文"}]}));
        let b = request_hash(&json!({"a": [1, {"x": "文", "y": 2}], "b": 1}));
        assert_eq!(a, b);
        assert_ne!(a, request_hash(&json!({"a": [1, {"x": "文", "y": 3}], "b": 1})));
        assert_ne!(a, request_hash(&json!({"a": [{"x": "文", "y": 2}, 1], "b": 1})));
        assert_eq!(a.len(), 64);
    }
}
