//! Pure policy rules and types of the Henan work-safety service platform.
//!
//! Source policy: Henan Province Work Safety Committee, *Implementation Opinions on Building the
//! Work-Safety Socialized Service System*, 豫安委〔2017〕17号 (2017-11-08), and the national rules
//! that stand behind it. Clause references such as `三(二)` use that document's numbering.
//!
//! This crate does no I/O and never reads the clock: every instant or date a decision depends on
//! is a parameter, so each decision can be replayed and explained. Values are validated once, by
//! their `parse` constructor; a value that exists is valid. Every error carries a stable machine
//! code (see [`Coded`]) that the HTTP layer passes on to clients.

pub mod annual_report;
pub mod audit_chain;
pub mod blacklist;
pub mod certificates;
pub mod complaints;
pub mod credit;
pub mod credit_code;
pub mod engagements;
pub mod engineers;
pub mod events;
pub mod indicators;
pub mod insurance;
pub mod marketplace;
pub mod money;
pub mod organization;
pub mod person_name;
pub mod phone;
pub mod procurement;
pub mod profile;
pub mod region;
pub mod resident_id;
pub mod rules;
pub mod safety_management;
pub mod sanctions;
pub mod spot_check;
pub mod subsidies;
pub mod time;
pub mod training;
pub mod validation;
mod vocabulary;
pub mod working_days;

pub use credit_code::{check_character, CreditCode, CreditCodeError};
pub use money::{share_of, BasisPoints, Fen, MoneyError};
pub use organization::{OrganizationKind, OrganizationStatus, Role, Sector, ServiceType, UnknownVariant};
pub use phone::{PhoneNumber, PhoneNumberError};
pub use region::{jurisdiction_covers, RegionCode, RegionCodeError, RegionInfo};
pub use resident_id::{ResidentId, ResidentIdError};
pub use rules::{Applied, ReviewRegime, RuleBook, RuleBookError, RuleError, RuleParameter, RuleVersion};
pub use time::TimeError;
pub use validation::{Coded, Collector, FieldError};
