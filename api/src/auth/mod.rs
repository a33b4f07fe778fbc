//! Authentication: client secrets, signing keys, tokens and the caller.

pub mod caller;
pub mod keys;
pub mod secrets;
pub mod token;

pub use caller::Caller;
