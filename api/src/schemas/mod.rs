//! Request and response bodies of the contract, and how they map to the
//! domain.

pub mod accident;
pub mod blacklist;
pub mod certificate;
pub mod client;
pub mod complaint;
pub mod coverage;
pub mod credit;
pub mod engineer;
pub mod fields;
pub mod fund;
pub mod organization;
pub mod person;
pub mod policy;
pub mod premium;
pub mod quote;
pub mod sanction;
pub mod spot_check;
pub mod training;
pub mod vocabulary;
