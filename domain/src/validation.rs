//! Collecting every invalid field of a request at once.
//!
//! CONVENTIONS.md ("Errors"): a validation failure is a 422 whose body lists
//! `errors: [{field, code, message}]` for *every* bad field, so a client fixes its request in one
//! round trip. [`Collector`] gathers those entries while the caller parses field after field.

use std::fmt::Display;

use serde::Serialize;

/// An error with a stable machine code.
///
/// The code is part of the HTTP contract (CONVENTIONS.md, "Errors": "the machine `code` is the
/// contract"); the human message may change and is localised elsewhere. Every error type of this
/// crate implements it.
pub trait Coded {
    /// Stable, snake_case machine code, e.g. `invalid_credit_code`.
    fn code(&self) -> &'static str;
}

/// Implements [`Coded`] by delegating to the type's inherent `code()` method, so callers get the
/// code without importing the trait and generic code gets it through the trait.
macro_rules! impl_coded {
    ($($ty:ty),+ $(,)?) => {
        $(
            impl $crate::validation::Coded for $ty {
                fn code(&self) -> &'static str {
                    <$ty>::code(self)
                }
            }
        )+
    };
}
pub(crate) use impl_coded;

/// One invalid field of a request.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
pub struct FieldError {
    /// The request field, as the client spelled it (e.g. `credit_code`, `contacts[2].phone`).
    pub field: String,
    /// Stable machine code (see [`Coded`]).
    pub code: &'static str,
    /// English explanation; the HTTP layer may substitute a localised text keyed by `code`.
    pub message: String,
}

/// Accumulates [`FieldError`]s while a request is parsed field by field.
///
/// ```
/// use domain::{Collector, CreditCode, PhoneNumber};
///
/// let mut v = Collector::new();
/// let code = v.check("credit_code", CreditCode::parse("91350100M000100Y43"));
/// let phone = v.check("phone", PhoneNumber::parse("12345"));
/// assert!(code.is_some());
/// assert!(phone.is_none());
/// let errors = v.finish().unwrap_err();
/// assert_eq!(errors[0].field, "phone");
/// assert_eq!(errors[0].code, "invalid_phone");
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Collector {
    errors: Vec<FieldError>,
}

impl Collector {
    /// An empty collector.
    pub fn new() -> Self {
        Self::default()
    }

    /// Returns the parsed value, or records the error under `field` and returns `None`.
    pub fn check<T, E>(&mut self, field: &str, result: Result<T, E>) -> Option<T>
    where
        E: Coded + Display,
    {
        match result {
            Ok(value) => Some(value),
            Err(error) => {
                self.push(field, error.code(), error.to_string());
                None
            }
        }
    }

    /// Records an error found by a rule that is not a parse (e.g. a cross-field check).
    pub fn push(&mut self, field: &str, code: &'static str, message: impl Into<String>) {
        self.errors.push(FieldError { field: field.to_owned(), code, message: message.into() });
    }

    /// Whether no error has been recorded so far.
    pub fn is_empty(&self) -> bool {
        self.errors.is_empty()
    }

    /// `Ok(())` when every field was valid, otherwise every recorded error in recording order.
    pub fn finish(self) -> Result<(), Vec<FieldError>> {
        if self.errors.is_empty() {
            Ok(())
        } else {
            Err(self.errors)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{CreditCode, Fen, PhoneNumber, RegionCode, ResidentId};

    #[test]
    fn empty_collector_finishes_ok() {
        let v = Collector::new();
        assert!(v.is_empty());
        assert_eq!(v.finish(), Ok(()));
    }

    #[test]
    fn collects_every_bad_field_in_order() {
        let mut v = Collector::new();
        let code = v.check("credit_code", CreditCode::parse("91350100M000100Y44"));
        let id = v.check("holder_id", ResidentId::parse("11010519491231002X"));
        let region = v.check("region", RegionCode::parse("420100"));
        let phone = v.check("phone", PhoneNumber::parse("13812345678"));
        let money = v.check("amount_fen", Fen::from_yuan(i64::MAX));
        v.push("period", "invalid_period", "end is before start");
        assert!(code.is_none() && region.is_none() && money.is_none());
        assert!(id.is_some() && phone.is_some());
        assert!(!v.is_empty());

        let errors = v.finish().unwrap_err();
        let summary: Vec<(&str, &str)> = errors.iter().map(|e| (e.field.as_str(), e.code)).collect();
        assert_eq!(
            summary,
            vec![
                ("credit_code", "invalid_credit_code"),
                ("region", "invalid_region_code"),
                ("amount_fen", "amount_overflow"),
                ("period", "invalid_period"),
            ]
        );
        assert!(errors.iter().all(|e| !e.message.is_empty()));
    }

    #[test]
    fn field_error_serializes_as_contract_object() {
        let e = FieldError { field: "phone".into(), code: "invalid_phone", message: "bad".into() };
        let json = serde_json::to_value(&e).unwrap();
        assert_eq!(json, serde_json::json!({"field": "phone", "code": "invalid_phone", "message": "bad"}));
    }
}
