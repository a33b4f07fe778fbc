//! Cross-cutting request handling, outermost first: request ids and access
//! logs, then problem localisation.

pub mod localize;
pub mod rate_limit;
pub mod request_id;
pub mod security_headers;
