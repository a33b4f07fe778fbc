//! Field-level checks shared by request bodies: strict dates, plain text,
//! and turning `validator` reports into the contract's field errors.

use std::borrow::Cow;

use chrono::NaiveDate;
use domain::validation::{Collector, FieldError};
use validator::{ValidationError, ValidationErrors, ValidationErrorsKind};

/// `YYYY-MM-DD` exactly (CONVENTIONS.md: calendar dates are China Standard
/// Time dates written in ISO 8601 form), between 1950-01-01 and 2100-12-31:
/// nothing the platform records lies outside, and a year 0 or 9999 is a typo.
pub fn parse_date(field: &str, text: &str, errors: &mut Collector) -> Option<NaiveDate> {
    let parsed = (text.len() == 10).then(|| NaiveDate::parse_from_str(text, "%Y-%m-%d").ok()).flatten();
    match parsed {
        None => errors.push(field, "invalid_date", "expected a calendar date YYYY-MM-DD"),
        Some(date) if !(1950..=2100).contains(&chrono::Datelike::year(&date)) => {
            errors.push(field, "out_of_range", "between 1950-01-01 and 2100-12-31");
            return None;
        }
        Some(_) => {}
    }
    parsed
}

/// A date that must not lie in the future (CST): recorded facts (issue,
/// violations, decisions, registrations) happened already.
pub fn past_date(field: &str, text: &str, errors: &mut Collector) -> Option<NaiveDate> {
    let date = parse_date(field, text, errors)?;
    if date > crate::clock::today() {
        errors.push(field, "out_of_range", "must not be in the future (CST)");
        return None;
    }
    Some(date)
}

/// An optional date query parameter (`on=`): today in CST when absent, a
/// 422 naming `field` when it is not a date.
pub fn date_or_today(field: &str, text: Option<&str>) -> Result<NaiveDate, crate::error::ApiError> {
    let Some(text) = text else { return Ok(crate::clock::today()) };
    let mut v = Collector::new();
    let date = parse_date(field, text, &mut v);
    v.finish()?;
    date.ok_or_else(|| crate::error::ApiError::internal("date validated without a value"))
}

/// A free-text query parameter: no control characters (PostgreSQL refuses
/// NUL in text) and at most `max` characters.
pub fn query_text(field: &str, text: Option<String>, max: usize, errors: &mut Collector) -> Option<String> {
    let text = text?;
    if text.chars().any(char::is_control) {
        errors.push(field, "invalid_text", "control characters are not allowed");
        return None;
    }
    if text.chars().count() > max {
        errors.push(field, "invalid_length", format!("at most {max} characters"));
        return None;
    }
    Some(text)
}

/// Rejects control characters (including newlines) in single-line text.
pub fn plain_text(value: &str) -> Result<(), ValidationError> {
    if value.chars().any(char::is_control) {
        return Err(ValidationError::new("invalid_text"));
    }
    Ok(())
}

fn contract_code(code: &str) -> &'static str {
    match code {
        "length" => "invalid_length",
        "range" => "invalid_range",
        "invalid_text" => "invalid_text",
        "required" => "required",
        _ => "invalid_value",
    }
}

fn message(error: &ValidationError) -> String {
    let bound = |key: &str| error.params.get(key).map(ToString::to_string);
    match error.code.as_ref() {
        "length" => format!(
            "length must be between {} and {} characters",
            bound("min").unwrap_or_else(|| "0".into()),
            bound("max").unwrap_or_else(|| "∞".into())
        ),
        "range" => format!(
            "value must be between {} and {}",
            bound("min").unwrap_or_else(|| "-∞".into()),
            bound("max").unwrap_or_else(|| "∞".into())
        ),
        "invalid_text" => "control characters are not allowed".to_owned(),
        _ => error.message.as_ref().map_or_else(|| "invalid value".to_owned(), Cow::to_string),
    }
}

fn flatten(prefix: &str, errors: &ValidationErrors, out: &mut Vec<FieldError>) {
    for (field, kind) in errors.errors() {
        let path = if prefix.is_empty() { field.to_string() } else { format!("{prefix}.{field}") };
        match kind {
            ValidationErrorsKind::Field(list) => out.extend(list.iter().map(|e| FieldError {
                field: path.clone(),
                code: contract_code(&e.code),
                message: message(e),
            })),
            ValidationErrorsKind::Struct(inner) => flatten(&path, inner, out),
            ValidationErrorsKind::List(items) => {
                for (index, inner) in items {
                    flatten(&format!("{path}[{index}]"), inner, out);
                }
            }
        }
    }
}

/// Adds every `validator` failure to `errors`, sorted by field for a stable body.
pub fn collect_validator(result: Result<(), ValidationErrors>, errors: &mut Collector) {
    if let Err(report) = result {
        let mut found = Vec::new();
        flatten("", &report, &mut found);
        found.sort_by(|a, b| a.field.cmp(&b.field));
        for error in found {
            errors.push(&error.field, error.code, error.message);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_are_strict_iso() {
        let mut errors = Collector::new();
        assert!(parse_date("d", "2024-02-29", &mut errors).is_some());
        assert!(parse_date("d", "2023-02-29", &mut errors).is_none());
        assert!(parse_date("d", "2024-2-9", &mut errors).is_none());
        assert!(parse_date("d", "2024-02-29T00:00:00", &mut errors).is_none());
        assert!(parse_date("d", "0000-01-01", &mut errors).is_none());
        assert!(parse_date("d", "9999-12-31", &mut errors).is_none());
        assert!(parse_date("d", "1950-01-01", &mut errors).is_some());
        assert!(parse_date("d", "2100-12-31", &mut errors).is_some());
        assert_eq!(errors.finish().err().map(|e| e.len()), Some(5));
    }

    #[test]
    fn control_characters_are_refused() {
        assert!(plain_text("郑州市 金水路 1 号").is_ok());
        assert!(plain_text("a\nb").is_err());
        assert!(plain_text("a\u{0}b").is_err());
    }
}
