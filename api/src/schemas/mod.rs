//! Request and response bodies of the contract, and how they map to the
//! domain.

pub mod accident;
pub mod annual_report;
pub mod blacklist;
pub mod certificate;
pub mod client;
pub mod complaint;
pub mod coverage;
pub mod credit;
pub mod disclosure;
pub mod engagement;
pub mod engineer;
pub mod event;
pub mod export;
pub mod fields;
pub mod fund;
pub mod holiday;
pub mod indicator;
pub mod marketplace;
pub mod organization;
pub mod person;
pub mod policy;
pub mod premium;
pub mod procurement;
pub mod quote;
pub mod safety_management;
pub mod sanction;
pub mod spot_check;
pub mod subsidy;
pub mod training;
pub mod vocabulary;
pub mod webhook;
