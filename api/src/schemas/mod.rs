//! Request and response bodies of the contract, and how they map to the
//! domain.

pub mod client;
pub mod fields;
pub mod organization;
pub mod policy;
pub mod premium;
pub mod vocabulary;
