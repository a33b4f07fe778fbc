//! The audit trail's hash chain (CONVENTIONS.md "Who may do what": every
//! state change writes an audit record; those records must be tamper-evident).
//!
//! Each record's hash covers the previous record's hash and its own content,
//! so editing, deleting or reordering any record breaks every link after it.

use sha2::{Digest, Sha256};

/// The "previous hash" of the first record.
pub const GENESIS_HASH: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// The content of one audit record that the chain protects.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChainedRecord<'a> {
    /// The instant in UTC, microseconds, as `YYYY-MM-DDTHH:MM:SS.ffffffZ`.
    pub at: &'a str,
    pub actor: &'a str,
    pub role: &'a str,
    pub actor_region: Option<&'a str>,
    pub action: &'a str,
    pub resource_type: &'a str,
    pub resource_id: &'a str,
    pub resource_region: Option<&'a str>,
    pub request_id: &'a str,
}

/// Hex SHA-256 over `prev_hash` and the record's fields, each written with
/// its length so no two different records encode alike.
pub fn link_hash(prev_hash: &str, record: &ChainedRecord<'_>) -> String {
    let mut hasher = Sha256::new();
    let mut field = |value: Option<&str>| match value {
        Some(text) => {
            hasher.update(text.len().to_string().as_bytes());
            hasher.update(b":");
            hasher.update(text.as_bytes());
            hasher.update(b";");
        }
        None => hasher.update(b"-;"),
    };
    field(Some(prev_hash));
    field(Some(record.at));
    field(Some(record.actor));
    field(Some(record.role));
    field(record.actor_region);
    field(Some(record.action));
    field(Some(record.resource_type));
    field(Some(record.resource_id));
    field(record.resource_region);
    field(Some(record.request_id));
    hasher.finalize().iter().map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn record() -> ChainedRecord<'static> {
        ChainedRecord {
            at: "2026-11-28T23:36:27.685323Z",
            actor: "client-1",
            role: "admin",
            actor_region: None,
            action: "organization.create",
            resource_type: "organization",
            resource_id: "01a2",
            resource_region: Some("410100"),
            request_id: "req-1",
        }
    }

    #[test]
    fn every_field_and_the_previous_hash_change_the_hash() {
        let base = link_hash(GENESIS_HASH, &record());
        assert_eq!(base.len(), 64);
        assert_eq!(base, link_hash(GENESIS_HASH, &record()));
        assert_ne!(base, link_hash(&base, &record()));
        let variants = [
            ChainedRecord { actor: "client-2", ..record() },
            ChainedRecord { actor_region: Some(""), ..record() },
            ChainedRecord { resource_region: None, ..record() },
            ChainedRecord { at: "2026-11-28T23:36:27.685324Z", ..record() },
            ChainedRecord { request_id: "req-2", ..record() },
        ];
        for variant in variants {
            assert_ne!(base, link_hash(GENESIS_HASH, &variant), "{variant:?}");
        }
    }

    #[test]
    fn field_boundaries_cannot_be_shifted() {
        let a = ChainedRecord { actor: "ab", role: "c", ..record() };
        let b = ChainedRecord { actor: "a", role: "bc", ..record() };
        assert_ne!(link_hash(GENESIS_HASH, &a), link_hash(GENESIS_HASH, &b));
    }
}
