//! Request and response bodies of the contract, and how they map to the
//! domain.

pub mod accident;
pub mod client;
pub mod coverage;
pub mod fields;
pub mod fund;
pub mod organization;
pub mod policy;
pub mod premium;
pub mod quote;
pub mod vocabulary;
