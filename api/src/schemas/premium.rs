//! Bodies of the premium batch ingestion path.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

/// Most items one batch may carry (more → 422 `too_many_items`).
pub const MAX_BATCH_ITEMS: usize = 5_000;

/// Largest amount of one posting either way: 10^15 fen (10 trillion yuan),
/// far beyond any premium, so that no realistic ledger total overflows.
pub const MAX_POSTING_FEN: i64 = 1_000_000_000_000_000;

/// A batch of premium postings. Stored atomically: every item or none.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"items": [
    {"policy_number": "PICC-HN-2025-000123", "received_at": "2025-12-31T23:30:00+08:00", "amount_fen": 3240000, "external_ref": "RCPT-20251231-0001"},
    {"policy_number": "PICC-HN-2025-000123", "received_at": "2026-01-05T10:00:00+08:00", "amount_fen": -40000, "external_ref": "RFND-20260105-0001"}
]}))]
pub struct PremiumBatch {
    /// 1 to 5 000 items.
    #[schema(min_items = 1, max_items = 5000)]
    pub items: Vec<PremiumItem>,
}

/// One premium received (positive) or refunded (negative).
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PremiumItem {
    /// A policy the insurer wrote.
    #[schema(min_length = 1, max_length = 64)]
    pub policy_number: String,
    /// RFC 3339 instant with offset; its CST calendar year is the year the
    /// premium counts in.
    #[schema(value_type = chrono::DateTime<chrono::Utc>, example = "2025-12-31T23:30:00+08:00")]
    pub received_at: String,
    /// Fen; positive = premium received, negative = refund, never zero;
    /// at most 10^15 either way.
    #[schema(minimum = -1_000_000_000_000_000_i64, maximum = 1_000_000_000_000_000_i64)]
    pub amount_fen: i64,
    /// The insurer's own reference, unique among all its postings.
    #[schema(min_length = 1, max_length = 100)]
    pub external_ref: String,
}

/// The levy accrued on one calendar year's net premium after the batch.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct YearLevy {
    pub year: i32,
    pub net_premium_fen: i64,
    /// `null` for a year before the levy rule was in force.
    pub levy_rate_bp: Option<u32>,
    #[schema(example = "prevention_fund_share_bp@2017-11-08")]
    pub rule_version: Option<String>,
    /// Levy rate × the yearly net premium, rounded half away from zero to
    /// the fen — computed on the yearly total, never per item.
    pub levy_fen: i64,
}

/// What a batch did.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct BatchReceipt {
    pub batch_id: Uuid,
    /// Items in the request.
    pub received: usize,
    /// Items stored by this batch.
    pub stored: usize,
    /// Indexes of items already stored by an earlier batch with identical
    /// content (not counted again).
    pub already_recorded: Vec<usize>,
    /// The insurer's levy for each calendar year the batch touched.
    pub levy_accrued: Vec<YearLevy>,
}

/// The columns of a CSV batch: the fields of [`PremiumItem`].
pub const CSV_COLUMNS: [&str; 4] = ["policy_number", "received_at", "amount_fen", "external_ref"];

/// A CSV batch parsed into the JSON batch type, with the line each item
/// starts on (the header is line 1), to name bad rows as `rows[<line>]`.
#[derive(Debug, Clone)]
pub struct CsvBatch {
    pub batch: PremiumBatch,
    pub lines: Vec<u64>,
}

/// The field name of `column` of the CSV record starting on `line`.
pub fn csv_field(line: u64, column: &str) -> String {
    format!("rows[{line}].{column}")
}

/// Parses a CSV batch (RFC 4180, UTF-8 with or without a byte order mark,
/// a header row naming the [`CSV_COLUMNS`] in any order) into the batch the
/// JSON body would be. Every structural problem is reported at once: the
/// header's unknown, missing and repeated columns, or each row with the
/// wrong number of fields or an `amount_fen` that is not an integer. The
/// items' content is checked afterwards by the same code as JSON items.
pub fn parse_csv(bytes: &[u8]) -> Result<CsvBatch, Vec<domain::validation::FieldError>> {
    use domain::validation::FieldError;
    let error = |field: String, code: &'static str, message: String| FieldError { field, code, message };
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF".as_slice()).unwrap_or(bytes);
    if std::str::from_utf8(bytes).is_err() {
        return Err(vec![error(
            "body".into(),
            "invalid_encoding",
            "CSV must be UTF-8 (Excel: save as \"CSV UTF-8\")".into(),
        )]);
    }
    let mut reader = csv::ReaderBuilder::new().has_headers(false).flexible(true).from_reader(bytes);
    let mut records = reader.records();
    let header = match records.next() {
        Some(Ok(header)) => header,
        Some(Err(e)) => return Err(vec![error("header".into(), "invalid_csv", e.to_string())]),
        None => {
            return Err(vec![error("header".into(), "required", "a header row naming the columns is required".into())])
        }
    };
    let mut errors = Vec::new();
    let mut positions: [Option<usize>; 4] = [None; 4];
    for (at, name) in header.iter().enumerate() {
        match CSV_COLUMNS.iter().position(|c| *c == name) {
            Some(k) if positions[k].is_some() => {
                errors.push(error("header".into(), "duplicate_column", format!("column `{name}` appears twice")));
            }
            Some(k) => positions[k] = Some(at),
            None => errors.push(error(
                "header".into(),
                "unknown_column",
                format!("unknown column `{name}`, expected {}", CSV_COLUMNS.join(", ")),
            )),
        }
    }
    for (k, column) in CSV_COLUMNS.iter().enumerate() {
        if positions[k].is_none() {
            errors.push(error("header".into(), "missing_column", format!("column `{column}` is required")));
        }
    }
    if !errors.is_empty() {
        return Err(errors);
    }
    let [Some(number_at), Some(received_at), Some(amount_at), Some(ref_at)] = positions else {
        return Err(vec![error("header".into(), "missing_column", "a required column is missing".into())]);
    };
    let width = header.len();
    let mut items = Vec::new();
    let mut lines = Vec::new();
    let mut counter = LineCounter::default();
    for record in records {
        let record = match record {
            Ok(record) => record,
            Err(e) => {
                let line = e.position().map_or(0, |p| counter.line_at(bytes, p.byte()));
                errors.push(error(format!("rows[{line}]"), "invalid_csv", e.to_string()));
                continue;
            }
        };
        let line = record.position().map_or(0, |p| counter.line_at(bytes, p.byte()));
        if record.len() != width {
            errors.push(error(
                format!("rows[{line}]"),
                "wrong_field_count",
                format!("expected {width} fields, found {}", record.len()),
            ));
            continue;
        }
        let field = |at: usize| record.get(at).unwrap_or_default().to_owned();
        let amount = field(amount_at);
        let amount_fen = if amount.is_empty() {
            errors.push(error(csv_field(line, "amount_fen"), "required", "an integer number of fen".into()));
            0
        } else {
            amount.parse::<i64>().unwrap_or_else(|_| {
                errors.push(error(csv_field(line, "amount_fen"), "invalid_value", "an integer number of fen".into()));
                0
            })
        };
        items.push(PremiumItem {
            policy_number: field(number_at),
            received_at: field(received_at),
            amount_fen,
            external_ref: field(ref_at),
        });
        lines.push(line);
    }
    if !errors.is_empty() {
        return Err(errors);
    }
    Ok(CsvBatch { batch: PremiumBatch { items }, lines })
}

/// Line numbers of CSV records. The csv crate's own line count drifts with
/// CRLF terminators and blank lines, and a record's byte position is where
/// the reader resumed (after the `\r` of a CRLF, before blank lines), so
/// the record starts at the first byte after it that ends no line.
#[derive(Debug, Default)]
struct LineCounter {
    scanned: usize,
    newlines: u64,
}

impl LineCounter {
    /// The 1-based line of the record the reader found at `position`;
    /// positions must come in increasing order.
    fn line_at(&mut self, bytes: &[u8], position: u64) -> u64 {
        let mut start = usize::try_from(position).unwrap_or(bytes.len()).min(bytes.len());
        while bytes.get(start).is_some_and(|b| matches!(b, b'\r' | b'\n')) {
            start += 1;
        }
        if start > self.scanned {
            let seen = bytes[self.scanned..start].iter().filter(|b| **b == b'\n').count();
            self.newlines += u64::try_from(seen).unwrap_or(0);
            self.scanned = start;
        }
        self.newlines + 1
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_count_crlf_blank_lines_and_quoted_line_breaks() {
        for (text, expected) in [
            ("h1,h2\r\na,b\r\nc,d\r\n", vec![2, 3]),
            ("h1,h2\na,\"x\ny\"\nc,d\n\ne,f", vec![2, 4, 6]),
            ("h1,h2\r\n\r\na,b", vec![3]),
        ] {
            let mut reader = csv::ReaderBuilder::new().has_headers(true).flexible(true).from_reader(text.as_bytes());
            let mut counter = LineCounter::default();
            let lines: Vec<u64> = reader
                .records()
                .map(|r| counter.line_at(text.as_bytes(), r.expect("record").position().expect("position").byte()))
                .collect();
            assert_eq!(lines, expected, "{text:?}");
        }
    }

    fn fields(errors: &[domain::validation::FieldError]) -> Vec<(String, &'static str)> {
        errors.iter().map(|e| (e.field.clone(), e.code)).collect()
    }

    #[test]
    fn columns_in_any_order_with_or_without_a_bom() {
        let text = "external_ref,amount_fen,received_at,policy_number\r\nR-1,1000,2025-05-01T10:00:00+08:00,P-0\r\n\"R,2\",-5,2025-05-02T10:00:00+08:00,\"P \"\"x\"\"\"\r\n";
        for bytes in [text.as_bytes().to_vec(), [b"\xEF\xBB\xBF".as_slice(), text.as_bytes()].concat()] {
            let parsed = parse_csv(&bytes).expect("valid");
            assert_eq!(parsed.lines, [2, 3]);
            let items = &parsed.batch.items;
            assert_eq!(items.len(), 2);
            assert_eq!(items[0].policy_number, "P-0");
            assert_eq!(items[0].amount_fen, 1000);
            assert_eq!(items[1].external_ref, "R,2");
            assert_eq!(items[1].policy_number, "P \"x\"");
            assert_eq!(items[1].amount_fen, -5);
        }
    }

    #[test]
    fn the_header_is_checked_whole() {
        let errors = parse_csv(b"policy_number,received_at,amount,amount_fen,amount_fen\n").expect_err("bad header");
        assert_eq!(
            fields(&errors),
            [
                ("header".to_owned(), "unknown_column"),
                ("header".to_owned(), "duplicate_column"),
                ("header".to_owned(), "missing_column"),
            ]
        );
        assert_eq!(fields(&parse_csv(b"").expect_err("empty")), [("header".to_owned(), "required")]);
        // A file without its header: the first row is taken for one and fails.
        let errors = parse_csv(b"P-0,2025-05-01T10:00:00+08:00,1000,R-1\n").expect_err("no header");
        assert!(errors.iter().all(|e| e.field == "header"));
    }

    #[test]
    fn every_bad_row_is_named_by_its_line() {
        let csv = "policy_number,received_at,amount_fen,external_ref\nP-0,x,1,R-1\nP-0,x,1.5,R-2\nP-0,x\nP-0,x,,R-4\n";
        assert_eq!(
            fields(&parse_csv(csv.as_bytes()).expect_err("bad rows")),
            [
                ("rows[3].amount_fen".to_owned(), "invalid_value"),
                ("rows[4]".to_owned(), "wrong_field_count"),
                ("rows[5].amount_fen".to_owned(), "required"),
            ]
        );
    }

    #[test]
    fn only_utf8_is_read() {
        let gbk = b"policy_number,received_at,amount_fen,external_ref\n\xB2\xE2,x,1,R\n";
        assert_eq!(fields(&parse_csv(gbk).expect_err("gbk")), [("body".to_owned(), "invalid_encoding")]);
    }
}
