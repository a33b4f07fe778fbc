//! Storage for the platform: one Diesel schema, two backends.
//!
//! # Two backends, one code path
//!
//! PostgreSQL is the production database; SQLite (bundled) is the zero-setup
//! default. Every query is written once and compiled once per backend: a
//! [`DbConnection`] is an enum of the two concrete Diesel connections, and the
//! crate-private `with_conn!` macro expands a query body in both match arms.
//! Each arm therefore uses Diesel's native support for its backend (booleans,
//! `RETURNING`, upserts), and a bad URL fails with the backend's own error.
//! Diesel's `MultiConnection` was rejected because it lacks `Bool` and
//! `RETURNING … as_returning()` support (docs/decisions/0001).
//!
//! Functions here take `&mut DbConnection`; the caller decides the
//! transaction with [`DbConnection::transaction`]. This crate maps domain types
//! to rows and back and makes no policy decisions.

/// Expands `$body` once per backend with `$c` bound to the concrete
/// connection, so the same Diesel query compiles for PostgreSQL and SQLite.
macro_rules! with_conn {
    ($conn:expr, $c:ident => $body:expr) => {
        match $conn {
            $crate::db::DbConnection::Postgres($c) => $body,
            $crate::db::DbConnection::Sqlite($c) => $body,
        }
    };
}

pub mod accidents;
pub mod annual_reports;
pub mod audit;
pub mod blacklist;
pub mod certificates;
pub mod clients;
pub mod complaints;
pub mod credit;
pub mod db;
pub mod disclosures;
pub mod engagements;
pub mod engineers;
mod error;
pub mod expenditures;
pub mod exports;
pub mod holidays;
pub mod idempotency;
pub mod indicators;
pub mod marketplace;
pub mod organizations;
pub mod outbox;
mod page;
pub mod people;
pub mod policies;
pub mod premiums;
pub mod procurement;
pub mod rate_factors;
pub mod regions;
pub mod rules;
pub mod sanctions;
pub mod schema;
pub mod seed;
pub mod spot_checks;
pub mod subsidies;
pub mod training;
pub mod webhooks;

pub use db::{build_pool, Backend, DbConnection, DbPool, PoolOptions, PooledConnection};
pub use error::{StoreError, StoreResult};
pub use page::Page;
