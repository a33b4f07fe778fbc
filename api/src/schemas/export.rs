//! Bulk exports (`GET /api/v1/exports/{resource}`): the query, the formats
//! and the rows no JSON endpoint has. Every other row is the item of the
//! resource's JSON list or read endpoint, unchanged (docs/decisions/0016).

use chrono::{DateTime, NaiveDate, Utc};
use domain::insurance::ExpenditureCategory;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use crate::schemas::vocabulary::ExpenditureCategorySchema;

/// What can be exported.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ExportResource {
    /// The registry as `GET /organizations` lists it to the caller.
    Organizations,
    /// Special-operation certificates the caller may read.
    Certificates,
    /// Every stored credit score (public), in change-feed order.
    CreditScores,
    /// The public blacklist today (CST).
    Blacklist,
    /// One insurer's prevention-fund ledger for a calendar year.
    FundYear,
}

impl ExportResource {
    pub fn parse(text: &str) -> Option<ExportResource> {
        serde_json::from_value(serde_json::Value::String(text.to_owned())).ok()
    }

    pub fn as_str(self) -> &'static str {
        match self {
            ExportResource::Organizations => "organizations",
            ExportResource::Certificates => "certificates",
            ExportResource::CreditScores => "credit_scores",
            ExportResource::Blacklist => "blacklist",
            ExportResource::FundYear => "fund_year",
        }
    }

    /// The CSV header: dotted paths into the row's JSON, in order. A nested
    /// object becomes one column per member (`qualification.number`); an
    /// array stays one column, its items joined with `;`.
    pub fn columns(self) -> &'static [&'static str] {
        match self {
            ExportResource::Organizations => &[
                "id",
                "credit_code",
                "name",
                "kind",
                "region_code",
                "address",
                "legal_representative",
                "contact_phone",
                "sector",
                "employee_count",
                "service_types",
                "qualification.number",
                "qualification.scope",
                "qualification.valid_from",
                "qualification.valid_until",
                "status",
                "version",
                "created_at",
                "updated_at",
            ],
            ExportResource::Certificates => &[
                "id",
                "number",
                "holder.id",
                "holder.resident_id",
                "holder.name",
                "holder.phone",
                "holder.created_at",
                "category",
                "issuing_region",
                "issued_on",
                "issued_by",
                "valid_until",
                "status",
                "revoked_on",
                "revocation_reason",
                "obtained_by_fraud",
                "reissue_barred_until",
                "created_at",
            ],
            ExportResource::CreditScores => {
                &["organization_id", "credit_code", "score", "grade", "as_of", "sequence", "updated_at"]
            }
            ExportResource::Blacklist => &[
                "organization_name",
                "credit_code",
                "kind",
                "region_code",
                "trigger",
                "listed_on",
                "ends_on",
                "listed_until",
            ],
            ExportResource::FundYear => &[
                "entry",
                "day",
                "amount_fen",
                "received_at",
                "policy_id",
                "policy_number",
                "external_ref",
                "batch_id",
                "expenditure_id",
                "category",
                "description",
                "beneficiary_organization_id",
            ],
        }
    }
}

/// The two formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ExportFormat {
    /// `application/x-ndjson`: one JSON object per line, `\n`-terminated.
    Ndjson,
    /// `text/csv; charset=utf-8`: RFC 4180, header row, CRLF.
    Csv,
}

impl ExportFormat {
    pub fn media_type(self) -> &'static str {
        match self {
            ExportFormat::Ndjson => "application/x-ndjson",
            ExportFormat::Csv => "text/csv; charset=utf-8",
        }
    }

    pub fn extension(self) -> &'static str {
        match self {
            ExportFormat::Ndjson => "ndjson",
            ExportFormat::Csv => "csv",
        }
    }
}

/// Format and filters of an export. A filter the resource does not take is
/// a 422 (`unsupported_filter`), never silently ignored.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct ExportQuery {
    /// `ndjson` or `csv`; wins over `Accept`. Without either, NDJSON.
    #[param(value_type = Option<ExportFormat>, inline)]
    pub format: Option<ExportFormat>,
    /// CSV only: a file for Excel — start with the UTF-8 byte order mark so
    /// that Excel reads it as UTF-8, and prefix `'` to text cells starting
    /// with `=`, `+`, `-` or `@` so that Excel does not run them as formulas.
    pub bom: Option<bool>,
    /// `organizations`, `blacklist`: only organisations of this kind.
    #[param(value_type = Option<crate::schemas::vocabulary::OrganizationKindSchema>)]
    pub kind: Option<String>,
    /// `organizations`: exact region code; `blacklist`: the region and, for
    /// a city, its counties.
    #[param(example = "410100")]
    pub region: Option<String>,
    /// `organizations`: only this sector.
    #[param(value_type = Option<crate::schemas::vocabulary::SectorSchema>)]
    pub sector: Option<String>,
    /// `organizations`: part of the name.
    #[param(max_length = 100)]
    pub q: Option<String>,
    /// `organizations`: one credit code.
    pub credit_code: Option<String>,
    /// `fund_year` (required): the insurer.
    pub insurer_id: Option<Uuid>,
    /// `fund_year` (required): the calendar year (CST), 2000–9998.
    #[param(minimum = 2000, maximum = 9998)]
    pub year: Option<i32>,
}

/// Which kind of entry a fund-year line is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum LedgerEntry {
    /// A premium received (positive) or refunded (negative).
    Premium,
    /// Prevention money spent (always positive).
    Expenditure,
}

/// One line of a fund-year export: every premium posting of the year (CST
/// day order), then every expenditure (day order). The premium lines sum to
/// the year's `net_premium_fen`, the expenditure lines to its `spent_fen`
/// (`GET /insurance/prevention-funds/{insurer_id}/{year}`).
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct FundLedgerLine {
    pub entry: LedgerEntry,
    /// The CST calendar day the entry counts on.
    pub day: NaiveDate,
    pub amount_fen: i64,
    /// Premium: the instant received.
    pub received_at: Option<DateTime<Utc>>,
    pub policy_id: Option<Uuid>,
    pub policy_number: Option<String>,
    /// Premium: the insurer's own reference.
    pub external_ref: Option<String>,
    /// Premium: the batch that stored it.
    pub batch_id: Option<Uuid>,
    pub expenditure_id: Option<Uuid>,
    #[schema(value_type = Option<ExpenditureCategorySchema>)]
    pub category: Option<ExpenditureCategory>,
    pub description: Option<String>,
    pub beneficiary_organization_id: Option<Uuid>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn resources_parse_from_their_path_names() {
        for resource in [
            ExportResource::Organizations,
            ExportResource::Certificates,
            ExportResource::CreditScores,
            ExportResource::Blacklist,
            ExportResource::FundYear,
        ] {
            assert_eq!(ExportResource::parse(resource.as_str()), Some(resource));
        }
        assert_eq!(ExportResource::parse("people"), None);
        assert_eq!(ExportResource::parse("Organizations"), None);
    }

    #[test]
    fn fund_year_columns_are_the_line_fields() {
        let line = FundLedgerLine {
            entry: LedgerEntry::Premium,
            day: NaiveDate::from_ymd_opt(2025, 1, 1).expect("date"),
            amount_fen: 1,
            received_at: None,
            policy_id: None,
            policy_number: None,
            external_ref: None,
            batch_id: None,
            expenditure_id: None,
            category: None,
            description: None,
            beneficiary_organization_id: None,
        };
        let value = serde_json::to_value(line).expect("json");
        let keys: Vec<&str> = value.as_object().expect("object").keys().map(String::as_str).collect();
        let mut columns = ExportResource::FundYear.columns().to_vec();
        let mut keys_sorted = keys.clone();
        columns.sort_unstable();
        keys_sorted.sort_unstable();
        assert_eq!(columns, keys_sorted);
    }
}
