//! Cursor pagination: `?limit=` (default 50, max 500) and an opaque
//! `?cursor=` that encodes the sort key of the last item seen.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use serde::Serialize;
use utoipa::ToSchema;

use crate::error::ApiError;

pub const DEFAULT_LIMIT: i64 = 50;
pub const MAX_LIMIT: i64 = 500;

/// A page of `T` in the order the endpoint documents.
#[derive(Debug, Serialize, ToSchema)]
pub struct Page<T> {
    pub items: Vec<T>,
    /// Pass as `cursor` to get the next page; `null` on the last page.
    pub next_cursor: Option<String>,
}

impl<T> Page<T> {
    pub fn from_store<S>(page: persistence::Page<S>, map: impl FnMut(S) -> T) -> Page<T> {
        Page {
            items: page.items.into_iter().map(map).collect(),
            next_cursor: page.next_after.map(|key| encode_cursor(&key)),
        }
    }
}

pub fn limit(requested: Option<i64>) -> Result<i64, ApiError> {
    match requested {
        None => Ok(DEFAULT_LIMIT),
        Some(n) if (1..=MAX_LIMIT).contains(&n) => Ok(n),
        Some(_) => {
            Err(ApiError::invalid_field("limit", "invalid_range", format!("limit must be between 1 and {MAX_LIMIT}")))
        }
    }
}

pub fn encode_cursor(key: &str) -> String {
    URL_SAFE_NO_PAD.encode(format!("v1:{key}"))
}

/// Decodes a cursor and parses its key; anything else is `invalid_cursor`.
pub fn decode_cursor<K>(cursor: Option<&str>, parse: impl FnOnce(&str) -> Option<K>) -> Result<Option<K>, ApiError> {
    // An empty cursor is the first page, as if none were given.
    let Some(cursor) = cursor.filter(|c| !c.is_empty()) else { return Ok(None) };
    URL_SAFE_NO_PAD
        .decode(cursor)
        .ok()
        .and_then(|bytes| String::from_utf8(bytes).ok())
        .and_then(|text| text.strip_prefix("v1:").and_then(parse))
        .map(Some)
        .ok_or_else(|| ApiError::bad_request("invalid_cursor"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cursors_round_trip_and_garbage_is_rejected() {
        let cursor = encode_cursor("abc");
        assert_eq!(decode_cursor(Some(&cursor), |k| Some(k.to_owned())).ok(), Some(Some("abc".to_owned())));
        assert!(decode_cursor(Some("%%%"), |k| Some(k.to_owned())).is_err());
        assert!(decode_cursor(Some(&URL_SAFE_NO_PAD.encode("v2:abc")), |k| Some(k.to_owned())).is_err());
        assert!(decode_cursor(Some(&cursor), |_| None::<u8>).is_err());
        assert_eq!(decode_cursor(Some(""), |k| Some(k.to_owned())).ok(), Some(None));
    }

    #[test]
    fn limit_bounds() {
        assert_eq!(limit(None).ok(), Some(50));
        assert_eq!(limit(Some(1)).ok(), Some(1));
        assert_eq!(limit(Some(500)).ok(), Some(500));
        assert!(limit(Some(0)).is_err());
        assert!(limit(Some(501)).is_err());
    }
}
