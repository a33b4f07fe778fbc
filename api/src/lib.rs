//! HTTP layer of the Henan Work-Safety Service Platform: parse, authorise,
//! call the domain and persistence, map to HTTP. Handlers stay thin.

pub mod access;
pub mod audit;
pub mod auth;
pub mod cli;
pub mod clients;
pub mod clock;
pub mod config;
pub mod credit;
pub mod db;
pub mod eligibility;
pub mod error;
pub mod etag;
pub mod events;
pub mod extractors;
pub mod funds;
pub mod i18n;
pub mod idempotency;
pub mod middleware;
pub mod openapi;
pub mod pagination;
pub mod people;
pub mod problem;
pub mod public_cache;
pub mod qr;
pub mod routes;
pub mod schemas;
pub mod startup;
pub mod state;
pub mod webhook_delivery;

pub use config::Settings;
pub use startup::Application;
