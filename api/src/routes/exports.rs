//! Bulk exports: `GET /api/v1/exports/{resource}` streams NDJSON or CSV
//! (docs/decisions/0016).
//!
//! The handler checks the request and the caller's right to the resource
//! and reads the first page, so every refusal and every early failure is an
//! ordinary problem response. A producer task then reads the remaining
//! keyset pages, each in its own `db::run`, encodes them and sends each
//! page's bytes into a bounded channel that feeds the response body. The
//! channel's capacity is what bounds memory: when the client reads slowly
//! the producer waits on `send`; when the client goes away the receiver is
//! dropped, `send` fails and the producer stops. A failure after the first
//! byte is logged and ends the body with an error, so the connection closes
//! without the chunked terminator and the client sees a truncated transfer.

use std::io;
use std::pin::Pin;
use std::task::{Context, Poll};

use actix_web::http::header::{HeaderValue, ACCEPT, CONTENT_DISPOSITION, VARY};
use actix_web::{get, web, HttpRequest, HttpResponse};
use bytes::Bytes;
use chrono::{Datelike, NaiveDate};
use domain::credit_code::CreditCode;
use domain::organization::{OrganizationKind, Role, Sector};
use domain::region::RegionCode;
use domain::validation::Collector;
use persistence::blacklist::{self, BlacklistFilter};
use persistence::exports::{self as store, CertificateScope, ExpenditureKey, PostingKey};
use persistence::organizations::{self, OrganizationFilter};
use persistence::{certificates, credit, people, rules, DbConnection, DbPool};
use serde::Serialize;
use tokio::sync::mpsc;
use utoipa_actix_web::service_config::ServiceConfig;
use uuid::Uuid;

use crate::access::{organization_list_scope, ListScope, Sight};
use crate::auth::Caller;
use crate::clock::today;
use crate::db;
use crate::error::ApiError;
use crate::problem::{BadRequest, Forbidden, NotFound, ServiceUnavailable, Unauthorized, Unprocessable};
use crate::routes::organizations::{region_info, statuses_today, visible_organization};
use crate::schemas::blacklist::PublicBlacklistEntry;
use crate::schemas::credit::ScoreChange;
use crate::schemas::export::{ExportFormat, ExportQuery, ExportResource, FundLedgerLine, LedgerEntry};
use crate::schemas::fields::query_text;
use crate::schemas::organization::OrganizationView;
use crate::state::AppState;

/// Rows read per database round trip.
const PAGE: i64 = 1_000;
/// Encoded pages waiting for the client. With the page being encoded and
/// the one actix is writing, at most `CHANNEL_CAPACITY + 2` pages of one
/// export are in memory, whatever the export's length.
const CHANNEL_CAPACITY: usize = 2;
const BOM: &[u8] = b"\xEF\xBB\xBF";

/// Registers this module's routes under `/api/v1`.
pub fn register(cfg: &mut ServiceConfig) {
    cfg.service(export);
}

/// Rows of one export, page by page; `Done` once the last page was read.
enum Source {
    Organizations { filter: OrganizationFilter, full: bool, after: Option<Uuid> },
    Certificates { scope: CertificateScope, viewer: Viewer, on: NaiveDate, after: Option<Uuid> },
    CreditScores { after: Option<i64> },
    Blacklist { filter: BlacklistFilter, on: NaiveDate, after: Option<Uuid> },
    Postings { insurer_id: Uuid, from: NaiveDate, to: NaiveDate, after: Option<PostingKey> },
    Expenditures { insurer_id: Uuid, from: NaiveDate, to: NaiveDate, after: Option<ExpenditureKey> },
    Done,
}

/// How certificates of an export are shown.
#[derive(Debug, Clone, Copy)]
enum Viewer {
    /// Admins and regulators (of the certificates' issuing jurisdiction).
    Authority,
    /// An organisation: whole for its current employees, masked for
    /// certificates it only recorded as the training institution.
    Organization(Uuid),
}

fn parse_key(key: Option<String>) -> Result<Option<Uuid>, ApiError> {
    key.map(|k| Uuid::parse_str(&k).map_err(ApiError::internal)).transpose()
}

impl Source {
    fn is_done(&self) -> bool {
        matches!(self, Source::Done)
    }

    /// Reads and encodes the next page; moves on to the next stage or to
    /// `Done` when the page was the last.
    fn next_page(&mut self, conn: &mut DbConnection, out: &mut Encoder) -> Result<(), ApiError> {
        let next = match self {
            Source::Done => return Ok(()),
            Source::Organizations { filter, full, after } => {
                let page = organizations::list(conn, filter, *after, PAGE)?;
                let statuses = statuses_today(conn, &page.items)?;
                for (org, status) in page.items.iter().zip(statuses) {
                    out.row(&OrganizationView::new(org, *full).with_status(status))?;
                }
                match parse_key(page.next_after)? {
                    Some(key) => {
                        *after = Some(key);
                        return Ok(());
                    }
                    None => Source::Done,
                }
            }
            Source::Certificates { scope, viewer, on, after } => {
                let page = store::certificate_ids(conn, scope, *after, PAGE)?;
                let book = rules::load_rule_book(conn)?;
                for id in &page.items {
                    // Deleted since the page was read: skipped, like any row changed meanwhile.
                    let Some(certificate) = certificates::find(conn, *id)? else { continue };
                    let sight = match viewer {
                        Viewer::Authority => Sight::Full,
                        Viewer::Organization(org) if people::employs(conn, *org, certificate.person_id, *on)? => {
                            Sight::Full
                        }
                        Viewer::Organization(_) => Sight::Masked,
                    };
                    out.row(&crate::routes::certificates::view_under(conn, &book, &certificate, sight, *on)?)?;
                }
                match page.next_after.and_then(|k| Uuid::parse_str(&k).ok()) {
                    Some(key) => {
                        *after = Some(key);
                        return Ok(());
                    }
                    None => Source::Done,
                }
            }
            Source::CreditScores { after } => {
                let page = credit::feed(conn, *after, None, PAGE)?;
                for e in &page.items {
                    out.row(&ScoreChange {
                        organization_id: e.score.organization_id,
                        credit_code: e.credit_code.clone(),
                        score: e.score.score,
                        grade: e.score.grade,
                        as_of: e.score.as_of,
                        sequence: e.score.change_seq,
                        updated_at: e.score.updated_at,
                    })?;
                }
                match page.next_after.and_then(|k| k.parse::<i64>().ok()) {
                    Some(key) => {
                        *after = Some(key);
                        return Ok(());
                    }
                    None => Source::Done,
                }
            }
            Source::Blacklist { filter, on, after } => {
                let page = blacklist::in_force_page(conn, *on, filter, *after, PAGE)?;
                for (listing, org) in &page.items {
                    out.row(&PublicBlacklistEntry::new(listing, org))?;
                }
                match parse_key(page.next_after)? {
                    Some(key) => {
                        *after = Some(key);
                        return Ok(());
                    }
                    None => Source::Done,
                }
            }
            Source::Postings { insurer_id, from, to, after } => {
                let (lines, next) = store::postings_page(conn, *insurer_id, *from, *to, *after, PAGE)?;
                for p in &lines {
                    out.row(&FundLedgerLine {
                        entry: LedgerEntry::Premium,
                        day: p.received_on,
                        amount_fen: p.amount.value(),
                        received_at: Some(p.received_at.and_utc()),
                        policy_id: Some(p.policy_id),
                        policy_number: Some(p.policy_number.clone()),
                        external_ref: Some(p.external_ref.clone()),
                        batch_id: Some(p.batch_id),
                        expenditure_id: None,
                        category: None,
                        description: None,
                        beneficiary_organization_id: None,
                    })?;
                }
                if next.is_some() {
                    *after = next;
                    return Ok(());
                }
                Source::Expenditures { insurer_id: *insurer_id, from: *from, to: *to, after: None }
            }
            Source::Expenditures { insurer_id, from, to, after } => {
                let (lines, next) = store::expenditures_page(conn, *insurer_id, *from, *to, *after, PAGE)?;
                for e in &lines {
                    out.row(&FundLedgerLine {
                        entry: LedgerEntry::Expenditure,
                        day: e.spent_on,
                        amount_fen: e.amount.value(),
                        received_at: None,
                        policy_id: None,
                        policy_number: None,
                        external_ref: None,
                        batch_id: None,
                        expenditure_id: Some(e.id),
                        category: Some(e.category),
                        description: Some(e.description.clone()),
                        beneficiary_organization_id: e.beneficiary_id,
                    })?;
                }
                if next.is_some() {
                    *after = next;
                    return Ok(());
                }
                Source::Done
            }
        };
        *self = next;
        Ok(())
    }
}

/// Rows into bytes of one format.
struct Encoder {
    format: ExportFormat,
    columns: &'static [&'static str],
    /// NDJSON lines, and the BOM and header before the first CSV page.
    out: Vec<u8>,
    /// The CSV writer of the page being encoded.
    csv: Option<csv::Writer<Vec<u8>>>,
    /// `bom=true` asks for a file Excel opens: text cells that Excel would
    /// run as a formula are defused (OWASP "CSV injection").
    for_excel: bool,
}

impl Encoder {
    /// An encoder whose first bytes are the BOM (if asked) and the CSV header.
    fn new(format: ExportFormat, columns: &'static [&'static str], bom: bool) -> Result<Encoder, ApiError> {
        let mut encoder = Encoder { format, columns, out: Vec::new(), csv: None, for_excel: bom };
        if format == ExportFormat::Csv {
            if bom {
                encoder.out.extend_from_slice(BOM);
            }
            encoder.csv_writer().write_record(columns).map_err(ApiError::internal)?;
        }
        Ok(encoder)
    }

    fn csv_writer(&mut self) -> &mut csv::Writer<Vec<u8>> {
        self.csv
            .get_or_insert_with(|| csv::WriterBuilder::new().terminator(csv::Terminator::CRLF).from_writer(Vec::new()))
    }

    fn row<T: Serialize>(&mut self, row: &T) -> Result<(), ApiError> {
        match self.format {
            ExportFormat::Ndjson => {
                serde_json::to_writer(&mut self.out, row).map_err(ApiError::internal)?;
                self.out.push(b'\n');
            }
            ExportFormat::Csv => {
                let value = serde_json::to_value(row).map_err(ApiError::internal)?;
                let for_excel = self.for_excel;
                let record: Vec<String> = self.columns.iter().map(|column| cell(&value, column, for_excel)).collect();
                self.csv_writer().write_record(&record).map_err(ApiError::internal)?;
            }
        }
        Ok(())
    }

    /// Everything encoded since the last call.
    fn take(&mut self) -> Result<Bytes, ApiError> {
        if let Some(writer) = self.csv.take() {
            let page = writer.into_inner().map_err(|e| ApiError::internal(e.error()))?;
            self.out.extend_from_slice(&page);
        }
        Ok(Bytes::from(std::mem::take(&mut self.out)))
    }
}

/// One CSV cell: the value at the dotted `column` path of the row's JSON.
/// Absent and `null` are empty; strings are written as they are; numbers
/// and booleans as in JSON; an array's items joined with `;`.
///
/// `for_excel`: a text value starting with `=`, `+`, `-`, `@`, a tab or a
/// carriage return would be evaluated as a formula when Excel opens the
/// file, so it gets a leading `'` (shown by Excel as text, not data).
/// Numbers stay as they are: `-40000` is a number, not a formula.
fn cell(row: &serde_json::Value, column: &str, for_excel: bool) -> String {
    use serde_json::Value;
    fn scalar(value: &Value) -> String {
        match value {
            Value::Null => String::new(),
            Value::String(s) => s.clone(),
            Value::Array(items) => items.iter().map(scalar).collect::<Vec<_>>().join(";"),
            other => other.to_string(),
        }
    }
    match row.pointer(&format!("/{}", column.replace('.', "/"))) {
        Some(Value::String(text)) if for_excel && text.starts_with(['=', '+', '-', '@', '\t', '\r']) => {
            format!("'{text}")
        }
        Some(value) => scalar(value),
        None => String::new(),
    }
}

/// `?format=` if given, else the best of `application/x-ndjson` and
/// `text/csv` in `Accept` (by `q`, then by position), else NDJSON.
fn negotiate(format: Option<ExportFormat>, accept: Option<&str>) -> ExportFormat {
    if let Some(format) = format {
        return format;
    }
    let mut best: Option<(f32, ExportFormat)> = None;
    for range in accept.unwrap_or_default().split(',') {
        let mut parts = range.split(';').map(str::trim);
        let media = parts.next().unwrap_or_default().to_ascii_lowercase();
        let format = match media.as_str() {
            "application/x-ndjson" | "application/ndjson" => ExportFormat::Ndjson,
            "text/csv" => ExportFormat::Csv,
            _ => continue,
        };
        let q = parts
            .filter_map(|p| p.strip_prefix("q=").or_else(|| p.strip_prefix("Q=")))
            .find_map(|q| q.trim().parse::<f32>().ok())
            .unwrap_or(1.0);
        if q > 0.0 && best.is_none_or(|(b, _)| q > b) {
            best = Some((q, format));
        }
    }
    best.map_or(ExportFormat::Ndjson, |(_, format)| format)
}

/// The response body: whatever the producer sends, until it hangs up.
struct ChannelBody(mpsc::Receiver<Result<Bytes, io::Error>>);

impl futures_util::Stream for ChannelBody {
    type Item = Result<Bytes, io::Error>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        self.0.poll_recv(cx)
    }
}

/// Reads the pages after the first into the channel until the source is
/// done, the client has gone (the receiver is dropped) or a read fails.
async fn produce(
    pool: DbPool,
    resource: ExportResource,
    mut source: Source,
    mut encoder: Encoder,
    tx: mpsc::Sender<Result<Bytes, io::Error>>,
) {
    while !source.is_done() {
        if tx.is_closed() {
            tracing::info!(resource = resource.as_str(), "export abandoned by the client");
            return;
        }
        let page = db::run(&pool, move |conn| {
            source.next_page(conn, &mut encoder)?;
            let chunk = encoder.take()?;
            Ok((source, encoder, chunk))
        })
        .await;
        match page {
            Ok((next, next_encoder, chunk)) => {
                source = next;
                encoder = next_encoder;
                if !chunk.is_empty() && tx.send(Ok(chunk)).await.is_err() {
                    tracing::info!(resource = resource.as_str(), "export abandoned by the client");
                    return;
                }
            }
            Err(error) => {
                tracing::error!(
                    resource = resource.as_str(),
                    code = error.code(),
                    "export failed after its first byte"
                );
                // The body ends with an error: the client sees a truncated transfer.
                let _ = tx.send(Err(io::Error::other("export aborted"))).await;
                return;
            }
        }
    }
}

/// Filters given that `resource` does not take: each is a 422.
fn check_filters(resource: ExportResource, query: &ExportQuery, v: &mut Collector) {
    let given = [
        ("kind", query.kind.is_some()),
        ("region", query.region.is_some()),
        ("sector", query.sector.is_some()),
        ("q", query.q.is_some()),
        ("credit_code", query.credit_code.is_some()),
        ("insurer_id", query.insurer_id.is_some()),
        ("year", query.year.is_some()),
    ];
    let takes: &[&str] = match resource {
        ExportResource::Organizations => &["kind", "region", "sector", "q", "credit_code"],
        ExportResource::Blacklist => &["kind", "region"],
        ExportResource::FundYear => &["insurer_id", "year"],
        ExportResource::Certificates | ExportResource::CreditScores => &[],
    };
    for (name, _) in given.iter().filter(|(name, present)| *present && !takes.contains(name)) {
        v.push(name, "unsupported_filter", format!("the {} export takes no `{name}` filter", resource.as_str()));
    }
}

/// What the request asks for, checked; `None` parts were reported to `v`.
fn organizations_source(caller: &Caller, query: ExportQuery, v: &mut Collector) -> Result<Source, ApiError> {
    let mut filter = OrganizationFilter {
        kind: query.kind.as_deref().and_then(|k| v.check("kind", OrganizationKind::parse(k))),
        region: query.region.as_deref().and_then(|r| v.check("region", RegionCode::parse(r))),
        sector: query.sector.as_deref().and_then(|s| v.check("sector", Sector::parse(s))),
        credit_code: query.credit_code.as_deref().and_then(|c| v.check("credit_code", CreditCode::parse(c))),
        name_contains: query_text("q", query.q.filter(|q| !q.is_empty()), 100, v),
        ..OrganizationFilter::default()
    };
    // As `GET /organizations`: the caller's scope, personal data masked for portals.
    match organization_list_scope(caller) {
        ListScope::Everything => {}
        ListScope::Jurisdiction(j) => filter.jurisdiction = Some(j),
        ListScope::Only(id) => filter.only_id = Some(id),
        ListScope::Nothing => return Err(ApiError::forbidden()),
    }
    Ok(Source::Organizations { filter, full: caller.role != Role::Portal, after: None })
}

/// Certificates the caller may read, as `GET /certificates/{id}` shows them.
/// A city or county regulator exports the certificates issued in its
/// jurisdiction (which it sees whole); portals export none: the public
/// checks a certificate by number and name, it does not enumerate holders.
fn certificates_source(caller: &Caller) -> Result<Source, ApiError> {
    let (scope, viewer) = match caller.role {
        Role::Admin => (CertificateScope::All, Viewer::Authority),
        Role::Regulator => match caller.jurisdiction() {
            Some(j) if j.is_province() => (CertificateScope::All, Viewer::Authority),
            Some(j) => (CertificateScope::IssuedIn(j.clone()), Viewer::Authority),
            None => return Err(ApiError::forbidden()),
        },
        Role::Insurer | Role::Agency | Role::Enterprise => match caller.organization_id {
            Some(id) => (CertificateScope::Organization { id, on: today() }, Viewer::Organization(id)),
            None => return Err(ApiError::forbidden()),
        },
        Role::Portal => return Err(ApiError::forbidden()),
    };
    Ok(Source::Certificates { scope, viewer, on: today(), after: None })
}

/// Export a resource in bulk (NDJSON or CSV, streamed).
///
/// Resources: `organizations` (as `GET /organizations` lists them to the
/// caller: regulators their jurisdiction, organisations themselves, portals
/// everything with personal data masked; filters `kind`, `region`, `sector`,
/// `q`, `credit_code`), `certificates` (as `GET /certificates/{id}` shows
/// them: admins and the province all, a city or county regulator those
/// issued in its jurisdiction, an organisation those of its current
/// employees (whole) and those it recorded as training institution
/// (masked); not portals), `credit_scores` (every stored score, public,
/// change-feed order), `blacklist` (the public blacklist today; filters
/// `kind`, `region`), `fund_year` (`insurer_id` and `year` required: every
/// premium posting of the CST year, then every expenditure; the insurer
/// itself, admins and regulators of its jurisdiction, else 404).
///
/// Format: `?format=ndjson|csv`, which wins over `Accept`
/// (`application/x-ndjson` or `text/csv`, by `q`); NDJSON otherwise. NDJSON
/// lines are the JSON items of the resource's endpoints. CSV is RFC 4180
/// (comma, `"` quoting where needed, CRLF) with a header row of dotted
/// JSON paths, UTF-8, with a byte order mark for Excel when `bom=true`;
/// money in integer fen, dates and instants as in JSON, arrays joined by
/// `;`, `null` empty. Rows are in a stable order (id, feed sequence, or
/// day then storage order) and read page by page: not one snapshot, a row
/// changed during the export shows as it was when its page was read.
///
/// Completeness: a complete export ends with the chunked transfer's final
/// chunk; a failure after the first byte closes the connection without it
/// (HTTP clients report a truncated body) — there is no trailer line.
/// Errors before the first byte are problem responses.
#[utoipa::path(
    tag = "integration",
    params(
        ("resource" = inline(crate::schemas::export::ExportResource), Path, description = "What to export"),
        ExportQuery,
        ("Accept" = Option<String>, Header, description = "`application/x-ndjson` or `text/csv` when `format` is absent"),
    ),
    responses(
        (status = 200, description = "The rows, streamed (chunked)",
            content(
                (String = "application/x-ndjson"),
                (String = "text/csv"),
            ),
            headers(("Content-Disposition" = String, description = "attachment; filename=\"<resource>.<ext>\""))),
        (status = 400, response = BadRequest),
        (status = 401, response = Unauthorized),
        (status = 403, response = Forbidden),
        (status = 404, response = NotFound),
        (status = 422, response = Unprocessable),
        (status = 503, response = ServiceUnavailable),
    ),
    security(("bearer" = []))
)]
#[get("/exports/{resource}")]
pub async fn export(
    req: HttpRequest,
    state: web::Data<AppState>,
    caller: Caller,
    resource: web::Path<String>,
    query: web::Query<ExportQuery>,
) -> Result<HttpResponse, ApiError> {
    let resource = ExportResource::parse(&resource).ok_or_else(ApiError::not_found)?;
    let query = query.into_inner();
    let accept = req.headers().get(ACCEPT).and_then(|a| a.to_str().ok());
    let format = negotiate(query.format, accept);
    let bom = query.bom.unwrap_or(false);

    let mut v = Collector::new();
    if bom && format != ExportFormat::Csv {
        v.push("bom", "csv_only", "a byte order mark is for CSV only");
    }
    check_filters(resource, &query, &mut v);
    let source = match resource {
        ExportResource::Organizations => organizations_source(&caller, query, &mut v)?,
        ExportResource::Certificates => certificates_source(&caller)?,
        ExportResource::CreditScores => Source::CreditScores { after: None },
        ExportResource::Blacklist => {
            let kind = query.kind.as_deref().and_then(|k| v.check("kind", OrganizationKind::parse(k)));
            let region = query.region.as_deref().and_then(|r| v.check("region", RegionCode::parse(r)));
            Source::Blacklist { filter: BlacklistFilter { kind, region }, on: today(), after: None }
        }
        ExportResource::FundYear => {
            if query.insurer_id.is_none() {
                v.push("insurer_id", "required", "the fund year of which insurer");
            }
            match query.year {
                None => v.push("year", "required", "which calendar year"),
                Some(year) if !(2000..=9998).contains(&year) => {
                    v.push("year", "invalid_range", "year must be between 2000 and 9998");
                }
                Some(_) => {}
            }
            let year = query.year.and_then(|y| NaiveDate::from_ymd_opt(y, 1, 1));
            match (query.insurer_id, year) {
                (Some(insurer_id), Some(first)) => Source::Postings {
                    insurer_id,
                    from: first,
                    to: NaiveDate::from_ymd_opt(first.year(), 12, 31).unwrap_or(first),
                    after: None,
                },
                _ => Source::Done,
            }
        }
    };
    v.finish()?;

    let mut encoder = Encoder::new(format, resource.columns(), bom)?;
    let filename = match &source {
        Source::Postings { from, .. } => format!("{}-{}.{}", resource.as_str(), from.year(), format.extension()),
        _ => format!("{}.{}", resource.as_str(), format.extension()),
    };
    // The checks that need the database, then the first page: anything
    // failing here is still an ordinary problem response.
    let (source, encoder, first) = db::run(&state.read_pool, move |conn| {
        let mut source = source;
        match &source {
            Source::Postings { insurer_id, .. } => {
                // As `GET /insurance/prevention-funds/{insurer_id}/{year}`.
                let (org, _, sight) = visible_organization(conn, &caller, *insurer_id)?;
                if org.kind != OrganizationKind::Insurer || sight != Sight::Full {
                    return Err(ApiError::not_found());
                }
            }
            Source::Blacklist { filter: BlacklistFilter { region: Some(region), .. }, .. }
                if region_info(conn, region)?.is_none() =>
            {
                return Err(ApiError::invalid_field("region", "unknown_region", "no such region in Henan"));
            }
            _ => {}
        }
        source.next_page(conn, &mut encoder)?;
        let first = encoder.take()?;
        Ok((source, encoder, first))
    })
    .await?;

    let (tx, rx) = mpsc::channel(CHANNEL_CAPACITY);
    // The channel is empty: the first page always fits.
    tx.try_send(Ok(first)).map_err(ApiError::internal)?;
    if !source.is_done() {
        actix_web::rt::spawn(produce(state.read_pool.clone(), resource, source, encoder, tx));
    }
    let disposition =
        HeaderValue::from_str(&format!("attachment; filename=\"{filename}\"")).map_err(ApiError::internal)?;
    Ok(HttpResponse::Ok()
        .content_type(format.media_type())
        .insert_header((CONTENT_DISPOSITION, disposition))
        .insert_header((VARY, "Accept, Authorization"))
        .streaming(ChannelBody(rx)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn the_format_parameter_wins_over_accept() {
        assert_eq!(negotiate(Some(ExportFormat::Ndjson), Some("text/csv")), ExportFormat::Ndjson);
        assert_eq!(negotiate(Some(ExportFormat::Csv), None), ExportFormat::Csv);
    }

    #[test]
    fn accept_picks_by_quality_then_position_and_defaults_to_ndjson() {
        assert_eq!(negotiate(None, None), ExportFormat::Ndjson);
        assert_eq!(negotiate(None, Some("*/*")), ExportFormat::Ndjson);
        assert_eq!(negotiate(None, Some("application/json")), ExportFormat::Ndjson);
        assert_eq!(negotiate(None, Some("text/csv")), ExportFormat::Csv);
        assert_eq!(negotiate(None, Some("text/csv, application/x-ndjson")), ExportFormat::Csv);
        assert_eq!(negotiate(None, Some("text/csv;q=0.5, application/x-ndjson")), ExportFormat::Ndjson);
        assert_eq!(negotiate(None, Some("application/x-ndjson;q=0.2, text/csv;q=0.9")), ExportFormat::Csv);
        assert_eq!(negotiate(None, Some("text/csv;q=0")), ExportFormat::Ndjson);
    }

    #[test]
    fn cells_flatten_objects_join_arrays_and_empty_nulls() {
        let row = json!({"a": "x,y", "n": -40000, "b": true, "z": null, "o": {"p": "2025-01-01"}, "l": ["a", "b"]});
        assert_eq!(cell(&row, "a", false), "x,y");
        assert_eq!(cell(&row, "n", false), "-40000");
        assert_eq!(cell(&row, "b", false), "true");
        assert_eq!(cell(&row, "z", false), "");
        assert_eq!(cell(&row, "o.p", false), "2025-01-01");
        assert_eq!(cell(&row, "o.q", false), "");
        assert_eq!(cell(&row, "l", false), "a;b");
        assert_eq!(cell(&row, "missing", false), "");
    }

    #[test]
    fn csv_is_rfc_4180_with_an_optional_bom() {
        let mut encoder = Encoder::new(ExportFormat::Csv, &["a", "b"], true).expect("encoder");
        encoder.row(&json!({"a": "say \"hi\", twice", "b": 1})).expect("row");
        let bytes = encoder.take().expect("bytes");
        assert_eq!(&bytes[..], b"\xEF\xBB\xBFa,b\r\n\"say \"\"hi\"\", twice\",1\r\n");
        assert!(encoder.take().expect("empty").is_empty());
    }

    #[test]
    fn excel_files_defuse_formulas_in_text_but_not_numbers() {
        let mut encoder = Encoder::new(ExportFormat::Csv, &["a", "n", "b"], true).expect("encoder");
        encoder.row(&json!({"a": "=HYPERLINK(\"x\")", "n": -5, "b": "@SUM"})).expect("row");
        let bytes = encoder.take().expect("bytes");
        assert_eq!(&bytes[..], b"\xEF\xBB\xBFa,n,b\r\n\"'=HYPERLINK(\"\"x\"\")\",-5,'@SUM\r\n");
        let mut plain = Encoder::new(ExportFormat::Csv, &["a"], false).expect("encoder");
        plain.row(&json!({"a": "=1+1"})).expect("row");
        assert_eq!(&plain.take().expect("bytes")[..], b"a\r\n=1+1\r\n");
    }

    #[test]
    fn ndjson_is_one_object_per_line() {
        let mut encoder = Encoder::new(ExportFormat::Ndjson, &["a"], false).expect("encoder");
        encoder.row(&json!({"a": "第一\n行"})).expect("row");
        encoder.row(&json!({"a": 2})).expect("row");
        assert_eq!(&encoder.take().expect("bytes")[..], "{\"a\":\"第一\\n行\"}\n{\"a\":2}\n".as_bytes());
    }
}
