//! Who may do what, as one table: every operation of the generated contract
//! × every kind of caller → the status it must answer, asserted over real
//! HTTP on the backend TEST_DATABASE names.
//!
//! The expected statuses are read from the handlers and `api::access`, under
//! the platform's conventions: deny by default; 401 without a token on a
//! secured operation; 403 for a role that may never act on the operation;
//! 404 for an object outside the caller's sight (never confirming that it
//! exists); and an object named in a *body* that the caller may not see is
//! answered exactly like one that does not exist (422 `unknown_…`).
//!
//! The fixtures (all registered by an admin unless said otherwise):
//!
//! * enterprise A — mining, 80 employees, 410100 (郑州), phone 13812345678,
//!   with an enterprise client; the insured of policy A; an accident recorded by the
//!   410100 regulator; the employer of person P and of engineer E;
//! * enterprise B — mining, 80 employees, 410300 (洛阳), with an enterprise
//!   client;
//! * insurer A and insurer B — both 410100, each with an insurer client;
//!   insurer A wrote policy A and posted premiums on it (its 2025 fund);
//! * agency A — a technical service agency in 410100 qualified for
//!   safety_assessment until 2028-12-31, and agency B — a training
//!   institution in 410100 qualified for training until 2028-12-31, each with
//!   an agency client (the agency role acts for both kinds; only a training
//!   institution posts exam results and issues certificates);
//! * provider C — a clean technical service agency in 410100 qualified for
//!   safety_assessment, with an agency client that is no column: agency A is
//!   banned and blacklisted (below), so it may neither bid nor be awarded
//!   work (九(三), 九(二)), and C is the eligible bidder on the demands made
//!   for awards and the provider of the evaluated procurement project;
//! * agency A under supervision, all by the 410100 regulator: blacklist
//!   listing L (a false report 13 months before today, recorded through
//!   `POST /credit/events`, the only way listings are made) with agency A's
//!   pending application for early removal; rectification order S; industry
//!   ban I; and complaint K about it, filed through the public channel with
//!   the complainant's phone 13900000077 as contact;
//! * spot-check draw D of one target, by the 410100 regulator (region 410100);
//! * person P — employed by enterprise A from 2020-01-01 with no end;
//!   holder of certificate C (electrical, issued 2024-01-10 by the 410100
//!   regulator); passed agency B's welding exam on 2026-03-15, so agency B
//!   may issue P a welding certificate; registered as engineer E (employer
//!   enterprise A, by the 410100 regulator);
//! * the 2026H1 pass rates, published by the province regulator after P's
//!   exam;
//! * the marketplace (九(三)): demand M, enterprise A's open demand for
//!   training in 410100 (deadline 60 days from today), on which agency B,
//!   qualified for training, may bid and agency A, banned and blacklisted,
//!   may not (`provider_not_eligible`);
//! * engagement X of enterprise A with agency A (fee 1,000,000 fen, signed
//!   2026-03-01, no personnel), made by an admin; the fresh engagements of
//!   the transition, evaluation and charging rows pair the same two;
//! * agency A's annual report for 2024, published by an admin (2025 stays a
//!   draft);
//! * procurement project Q of the 410100 regulator (410100, awarded
//!   2026-03-01): provider agency B, third party provider C, recipients
//!   enterprise A and agency A; and an evaluated project (provider C, third
//!   party agency B, recipient enterprise A) with all three evaluations in;
//! * subsidy programme S of the 410100 regulator (410100, engagements signed
//!   2026-01-01 to 2026-10-31, at most 100 employees);
//! * regulators of 410100, 410300 and the province (410000), an admin and a
//!   portal client;
//! * webhook subscription W of insurer A's API client (to a closed port on
//!   127.0.0.1, which the test settings allow, for `policy_created`); the
//!   server's delivery worker is off, so nothing is sent to it. A dead letter
//!   is made for a redelivery cell by the platform's own delivery worker
//!   ([`api::webhook_delivery::Worker`], driven one poll at a time by the
//!   test with at most one attempt): a fresh subscription of insurer A's
//!   client, started just before policy A's `policy_created` event, whose one
//!   attempt at the closed port fails.
//!
//! The `_a` callers own the fixtures a row's `object` names (the organisation
//! itself; for a policy its insurer and the insured enterprise; for P, C and
//! E the employer, enterprise A); the `_b` callers are another one of the
//! same kind. Writes that cannot happen twice on one object (a revocation, a
//! passed review, a compliance, a triage, a removal decision, a spot-check
//! result, a withdrawal, an award, an engagement's transition or evaluation,
//! a confirmation of charging without service, a procurement evaluation, a
//! subsidy decision) run on an object made for that one cell (the `Fresh…`
//! objects and [`Object::ApprovedApplication`]); an annual report is
//! published once a year, so each cell publishes its own ended year; other
//! writes name fresh persons, numbers and periods from the cell's counter. Early removal is applied for
//! only by the listed party, and one listing holds one pending application
//! at a time, so every cell of the removal rows gets a listing of agency A of
//! its own (and, for decisions and revocations, agency A's application on
//! it, approved for revocations): agency A is the one applicant column, and
//! every deciding column finds an application in the state it acts on.
//!
//! Personal data, checked on the raw bytes of every response of the run:
//! every fixture organisation has its own phone number, so that a caller's
//! own number is told apart from somebody else's, and no response may carry
//! the full number of an organisation the caller is neither, nor an admin,
//! nor a regulator of. No response may carry P's full identity number (18
//! characters, also inside certificate number `T…`) to a caller other than an
//! admin, a regulator of 410100 or the province, or P's employer, enterprise
//! A — unless the caller sent
//! that number in its own request body (a write naming P echoes it back).
//! No response may carry the complainant's phone to a caller other than an
//! admin or a regulator of 410100 or the province (every fixture complaint is
//! about agency A), not even to agency A.
//! No engagement names P among its personnel, and provider C's phone is
//! checked like every fixture organisation's; disclosures, published reports
//! and procurement results must carry nobody's phone or identity number.

use std::collections::BTreeSet;

use api::webhook_delivery::{Tuning, Worker};
use e2e::insurance::{batch, get_json, id_of, item, policy, post, status_json, store_premiums, write_policy};
use e2e::market::{engagement_body, DEMANDS, ENGAGEMENTS};
use e2e::{credit_code, Client, TestApp};
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

use self::Object::{
    AgencyA, ApprovedApplication, BanI, CertificateC, ComplaintK, DemandM, DrawD, EngagementX, EngineerE, EnterpriseA,
    EvaluatedProject, FreshAcceptedEngagement, FreshApplication, FreshBid, FreshCertificate, FreshComplaint,
    FreshDeadLetter, FreshDeliveredEngagement, FreshDemand, FreshDraw, FreshFlaggedEngagement, FreshListing,
    FreshProject, FreshRectificationOrder, FreshReportYear, FreshSignedEngagement, FreshStartedEngagement,
    FreshSubsidyApplication, FreshWebhook, InsurerA, Nothing, PersonP, PolicyA, PolicyACsv, ProgrammeS, ProjectQ,
    Resource, SanctionS, WebhookW,
};

/// The callers, in the column order of every row.
const ROLES: [&str; 12] = [
    "anonymous",
    "admin",
    "regulator_410100",
    "regulator_410300",
    "regulator_410000",
    "insurer_a",
    "insurer_b",
    "agency_a",
    "agency_b",
    "enterprise_a",
    "enterprise_b",
    "portal",
];

/// What an operation's path parameters (or, for a collection, its body)
/// name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Object {
    /// A collection or a reference operation: no fixture is named.
    Nothing,
    /// Enterprise A (410100): `{id}`, `{credit_code}`, or `enterprise_id` /
    /// `employer_id` in the body.
    EnterpriseA,
    /// Insurer A (410100): `{id}` / `{insurer_id}`.
    InsurerA,
    /// Agency A (410100): `{id}`.
    AgencyA,
    /// Policy A, written by insurer A for enterprise A: `{id}`, or its number in the body.
    PolicyA,
    /// Person P, employed by enterprise A: `{id}`.
    PersonP,
    /// Certificate C of person P, issued in 410100 by its regulator: `{id}`;
    /// in a query, `{number}` and `{holder}` are its number and P's name.
    CertificateC,
    /// A certificate issued in 410100 by its regulator to a fresh holder
    /// (first review due 2026-03-01, window from 2025-12-31) just before the
    /// cell's request: `{id}`. For writes that succeed once per certificate.
    FreshCertificate,
    /// Engineer registration E of person P with enterprise A: `{id}`.
    EngineerE,
    /// Rectification order S of agency A, by the 410100 regulator: `{id}`.
    SanctionS,
    /// Industry ban I of agency A, by the 410100 regulator: `{id}`.
    BanI,
    /// Complaint K about agency A, with the complainant's phone: `{id}`, `{tracking_code}`.
    ComplaintK,
    /// Spot-check draw D of the 410100 regulator (region 410100): `{id}`; `{position}` is 0.
    DrawD,
    /// A blacklist listing of agency A made just before the cell's request (a
    /// false report 13 months before today, so early removal may be applied
    /// for): `{id}`.
    FreshListing,
    /// Agency A's pending application for early removal from a fresh listing: `{id}`.
    FreshApplication,
    /// Agency A's application for early removal from a fresh listing,
    /// approved by the 410100 regulator: `{id}`.
    ApprovedApplication,
    /// A rectification order of agency A (decided 2026-06-01, deadline
    /// 2026-07-01) by the 410100 regulator: `{id}`.
    FreshRectificationOrder,
    /// A complaint about agency A filed through the public channel, with the
    /// complainant's phone: `{id}`.
    FreshComplaint,
    /// A draw of one target by the 410100 regulator: `{id}`; `{position}` is 0.
    FreshDraw,
    /// Demand M, enterprise A's open demand for training in 410100: `{id}`.
    DemandM,
    /// An open demand of enterprise A (consulting, 410100): `{id}`.
    FreshDemand,
    /// An open demand of enterprise A (safety_assessment, 410100) with
    /// provider C's bid: `{id}`; the bid is the award body's `bid_id`.
    FreshBid,
    /// Engagement X of enterprise A with agency A, signed 2026-03-01: `{id}`,
    /// or `engagement_id` in a subsidy application.
    EngagementX,
    /// An engagement of enterprise A with agency A signed 2026-03-01 (deadline
    /// 2026-12-31), made by an admin: `{id}`.
    FreshSignedEngagement,
    /// The same, started by an admin on 2026-03-02.
    FreshStartedEngagement,
    /// The same, then delivered by an admin on 2026-03-20.
    FreshDeliveredEngagement,
    /// The same, then accepted by an admin on 2026-03-25.
    FreshAcceptedEngagement,
    /// An engagement of enterprise A with agency A signed 2026-01-05, delivery
    /// deadline 2026-02-01, paid 2026-01-10 and never delivered: charging
    /// without service from 2026-02-02 on. `{id}`.
    FreshFlaggedEngagement,
    /// Agency A (`{id}`) and, for `{year}`, an ended year of the cell's own
    /// column (2017 to 2023), unpublished until the cell's request.
    FreshReportYear,
    /// Procurement project Q (provider agency B, third party provider C,
    /// recipients enterprise A and agency A): `{id}`.
    ProjectQ,
    /// A project like Q made by the 410100 regulator for the cell: `{id}`.
    FreshProject,
    /// The evaluated project (provider C): `{id}`.
    EvaluatedProject,
    /// Subsidy programme S of the 410100 regulator: `{id}`.
    ProgrammeS,
    /// Programme S (`{id}`) and enterprise A's pending application
    /// (`{application_id}`) for a fresh engagement signed 2026-03-01.
    FreshSubsidyApplication,
    /// Policy A's number in a `text/csv` body (the JSON rows name it in JSON).
    PolicyACsv,
    /// `{resource}` of an export; for `fund_year`, the query names insurer A
    /// (`{insurer_a}`).
    Resource(&'static str),
    /// Webhook subscription W of insurer A's API client: `{id}`.
    WebhookW,
    /// A webhook subscription of insurer A's API client made just before the
    /// cell's request: `{id}`. For deletions.
    FreshWebhook,
    /// A fresh subscription of insurer A's API client (`{id}`) and its dead
    /// letter (`{delivery_id}`): policy A's `policy_created` event, failed
    /// once at a closed port by the delivery worker with one attempt allowed.
    FreshDeadLetter,
}

/// What a cell's own object is: `{id}`, and where the row needs them, the
/// second path parameter or body reference and the year.
struct Made {
    id: String,
    /// `{application_id}`, `{delivery_id}`, or the award's `bid_id`.
    second: Option<String>,
    year: Option<i32>,
}

/// One operation and what every caller must get. An operation may have
/// several rows that differ in their query (the indicators of the caller's
/// own unit and of 410100), their object (one per export resource) or their
/// body (premium postings as JSON and as CSV).
struct Row {
    method: &'static str,
    /// The path template exactly as the contract spells it.
    path: &'static str,
    /// A query string, without `?`, where the operation needs one.
    query: &'static str,
    object: Object,
    /// Why the statuses are what they are, from the handler.
    why: &'static str,
    expect: [(&'static str, u16); 12],
}

#[rustfmt::skip]
const TABLE: &[Row] = &[
    Row { method: "POST", path: "/api/v1/accidents", query: "", object: EnterpriseA,
        why: "regulators only (admin included in the 403s); enterprise A outside the jurisdiction is unknown_organization",
        expect: [("anonymous", 401), ("admin", 403), ("regulator_410100", 201), ("regulator_410300", 422),
                 ("regulator_410000", 201), ("insurer_a", 403), ("insurer_b", 403), ("agency_a", 403),
                 ("agency_b", 403), ("enterprise_a", 403), ("enterprise_b", 403), ("portal", 403)] },
    Row { method: "GET", path: "/api/v1/audit", query: "", object: Nothing,
        why: "admins and regulators (filtered to their jurisdiction)",
        expect: [("anonymous", 401), ("admin", 200), ("regulator_410100", 200), ("regulator_410300", 200),
                 ("regulator_410000", 200), ("insurer_a", 403), ("insurer_b", 403), ("agency_a", 403),
                 ("agency_b", 403), ("enterprise_a", 403), ("enterprise_b", 403), ("portal", 403)] },
    Row { method: "GET", path: "/api/v1/audit/verification", query: "", object: Nothing,
        why: "admins only",
        expect: [("anonymous", 401), ("admin", 200), ("regulator_410100", 403), ("regulator_410300", 403),
                 ("regulator_410000", 403), ("insurer_a", 403), ("insurer_b", 403), ("agency_a", 403),
                 ("agency_b", 403), ("enterprise_a", 403), ("enterprise_b", 403), ("portal", 403)] },
    Row { method: "GET", path: "/api/v1/auth/jwks.json", query: "", object: Nothing,
        why: "public key set, no security",
        expect: [("anonymous", 200), ("admin", 200), ("regulator_410100", 200), ("regulator_410300", 200),
                 ("regulator_410000", 200), ("insurer_a", 200), ("insurer_b", 200), ("agency_a", 200),
                 ("agency_b", 200), ("enterprise_a", 200), ("enterprise_b", 200), ("portal", 200)] },
    Row { method: "POST", path: "/api/v1/auth/token", query: "", object: Nothing,
        why: "no security: each caller exchanges its own credentials (anonymous: the portal's, without a bearer)",
        expect: [("anonymous", 200), ("admin", 200), ("regulator_410100", 200), ("regulator_410300", 200),
                 ("regulator_410000", 200), ("insurer_a", 200), ("insurer_b", 200), ("agency_a", 200),
                 ("agency_b", 200), ("enterprise_a", 200), ("enterprise_b", 200), ("portal", 200)] },
    Row { method: "POST", path: "/api/v1/bans", query: "", object: AgencyA,
        why: "admins and regulators only; an industry ban names agency A, which must be in the regulator's sight \
              whole (410300: 404, as if it did not exist)",
        expect: [("anonymous", 401), ("admin", 201), ("regulator_410100", 201), ("regulator_410300", 404),
                 ("regulator_410000", 201), ("insurer_a", 403), ("insurer_b", 403), ("agency_a", 403),
                 ("agency_b", 403), ("enterprise_a", 403), ("enterprise_b", 403), ("portal", 403)] },
    Row { method: "GET", path: "/api/v1/bans/{id}", query: "", object: BanI,
        why: "an industry ban: admins, regulators of the banned organisation's jurisdiction and agency A itself; 404 \
              for other regulators and organisations; portals 403 (bans are not on the public list)",
        expect: [("anonymous", 401), ("admin", 200), ("regulator_410100", 200), ("regulator_410300", 404),
                 ("regulator_410000", 200), ("insurer_a", 404), ("insurer_b", 404), ("agency_a", 200),
                 ("agency_b", 404), ("enterprise_a", 404), ("enterprise_b", 404), ("portal", 403)] },
    Row { method: "POST", path: "/api/v1/blacklist/removal-applications/{id}/decision", query: "", object: FreshApplication,
        why: "admins and regulators covering agency A (410300: 404, it cannot see the organisation); other roles \
              403; an approval of a pending application on a listing of the cell's own, since a decided application \
              is removal_already_decided",
        expect: [("anonymous", 401), ("admin", 200), ("regulator_410100", 200), ("regulator_410300", 404),
                 ("regulator_410000", 200), ("insurer_a", 403), ("insurer_b", 403), ("agency_a", 403),
                 ("agency_b", 403), ("enterprise_a", 403), ("enterprise_b", 403), ("portal", 403)] },
    Row { method: "POST", path: "/api/v1/blacklist/removal-applications/{id}/revocation", query: "", object: ApprovedApplication,
        why: "admins and regulators covering agency A (410300: 404); other roles 403; an application approved for \
              the cell, since a revoked one is removal_not_approved",
        expect: [("anonymous", 401), ("admin", 200), ("regulator_410100", 200), ("regulator_410300", 404),
                 ("regulator_410000", 200), ("insurer_a", 403), ("insurer_b", 403), ("agency_a", 403),
                 ("agency_b", 403), ("enterprise_a", 403), ("enterprise_b", 403), ("portal", 403)] },
    Row { method: "POST", path: "/api/v1/blacklist/{id}/removal-applications", query: "", object: FreshListing,
        why: "only the listed party itself: agency A (a listing of the cell's own, 13 months old, so that the \
              application is neither too early nor removal_pending); other organisations 404; admins, regulators and \
              portals, who never apply, 403",
        expect: [("anonymous", 401), ("admin", 403), ("regulator_410100", 403), ("regulator_410300", 403),
                 ("regulator_410000", 403), ("insurer_a", 404), ("insurer_b", 404), ("agency_a", 201),
                 ("agency_b", 404), ("enterprise_a", 404), ("enterprise_b", 404), ("portal", 403)] },
    Row { method: "POST", path: "/api/v1/certificates", query: "", object: Nothing,
        why: "admins and regulators of the issuing region 410100 (410300: outside_jurisdiction 403), and a training \
              institution for a candidate who passed its exam: agency B issues P's welding certificate; agency A, a \
              technical service agency, 403 like every other role",
        expect: [("anonymous", 401), ("admin", 201), ("regulator_410100", 201), ("regulator_410300", 403),
                 ("regulator_410000", 201), ("insurer_a", 403), ("insurer_b", 403), ("agency_a", 403),
                 ("agency_b", 201), ("enterprise_a", 403), ("enterprise_b", 403), ("portal", 403)] },
    Row { method: "GET", path: "/api/v1/certificates/{id}", query: "", object: CertificateC,
        why: "admins, every regulator and the holder's current employer whole, portals masked; the recording training \
              institution masked too, but C was issued by a regulator, so agency B gets 404 with the rest",
        expect: [("anonymous", 401), ("admin", 200), ("regulator_410100", 200), ("regulator_410300", 200),
                 ("regulator_410000", 200), ("insurer_a", 404), ("insurer_b", 404), ("agency_a", 404),
                 ("agency_b", 404), ("enterprise_a", 200), ("enterprise_b", 404), ("portal", 200)] },
    Row { method: "POST", path: "/api/v1/certificates/{id}/reviews", query: "", object: FreshCertificate,
        why: "the issuing authority only: admins and regulators covering 410100 (410300: outside_jurisdiction 403, \
              every regulator may read it anyway); a passed review applied 2026-02-01, inside the window of the \
              review due 2026-03-01, on a certificate of the cell's own, since a second one would be outside_review_window",
        expect: [("anonymous", 401), ("admin", 201), ("regulator_410100", 201), ("regulator_410300", 403),
                 ("regulator_410000", 201), ("insurer_a", 403), ("insurer_b", 403), ("agency_a", 403),
                 ("agency_b", 403), ("enterprise_a", 403), ("enterprise_b", 403), ("portal", 403)] },
    Row { method: "POST", path: "/api/v1/certificates/{id}/revocation", query: "", object: FreshCertificate,
        why: "the issuing authority only: admins and regulators covering 410100 (410300: outside_jurisdiction 403); \
              a certificate of the cell's own, since revoking twice is already_revoked",
        expect: [("anonymous", 401), ("admin", 200), ("regulator_410100", 200), ("regulator_410300", 403),
                 ("regulator_410000", 200), ("insurer_a", 403), ("insurer_b", 403), ("agency_a", 403),
                 ("agency_b", 403), ("enterprise_a", 403), ("enterprise_b", 403), ("portal", 403)] },
    Row { method: "GET", path: "/api/v1/certificates/{id}/status", query: "", object: CertificateC,
        why: "whoever may see the certificate, as GET certificates/{id}",
        expect: [("anonymous", 401), ("admin", 200), ("regulator_410100", 200), ("regulator_410300", 200),
                 ("regulator_410000", 200), ("insurer_a", 404), ("insurer_b", 404), ("agency_a", 404),
                 ("agency_b", 404), ("enterprise_a", 200), ("enterprise_b", 404), ("portal", 200)] },
    Row { method: "POST", path: "/api/v1/certificates/{id}/violations", query: "", object: CertificateC,
        why: "the issuing authority only: admins and regulators covering 410100 (410300: outside_jurisdiction 403)",
        expect: [("anonymous", 401), ("admin", 201), ("regulator_410100", 201), ("regulator_410300", 403),
                 ("regulator_410000", 201), ("insurer_a", 403), ("insurer_b", 403), ("agency_a", 403),
                 ("agency_b", 403), ("enterprise_a", 403), ("enterprise_b", 403), ("portal", 403)] },
    Row { method: "POST", path: "/api/v1/certificates/{id}/work-periods", query: "", object: CertificateC,
        why: "the issuing authority only: admins and regulators covering 410100 (410300: outside_jurisdiction 403)",
        expect: [("anonymous", 401), ("admin", 201), ("regulator_410100", 201), ("regulator_410300", 403),
                 ("regulator_410000", 201), ("insurer_a", 403), ("insurer_b", 403), ("agency_a", 403),
                 ("agency_b", 403), ("enterprise_a", 403), ("enterprise_b", 403), ("portal", 403)] },
    Row { method: "POST", path: "/api/v1/clients", query: "", object: Nothing,
        why: "admins only",
        expect: [("anonymous", 401), ("admin", 201), ("regulator_410100", 403), ("regulator_410300", 403),
                 ("regulator_410000", 403), ("insurer_a", 403), ("insurer_b", 403), ("agency_a", 403),
                 ("agency_b", 403), ("enterprise_a", 403), ("enterprise_b", 403), ("portal", 403)] },
    Row { method: "GET", path: "/api/v1/complaints", query: "", object: Nothing,
        why: "admins all, regulators the complaints about organisations of their jurisdiction, contact included \
              (410300 gets none about agency A); every other role 403",
        expect: [("anonymous", 401), ("admin", 200), ("regulator_410100", 200), ("regulator_410300", 200),
                 ("regulator_410000", 200), ("insurer_a", 403), ("insurer_b", 403), ("agency_a", 403),
                 ("agency_b", 403), ("enterprise_a", 403), ("enterprise_b", 403), ("portal", 403)] },
    Row { method: "GET", path: "/api/v1/complaints/{id}", query: "", object: ComplaintK,
        why: "admins and regulators covering the subject agency A, contact whole; other regulators 404; other roles \
              403",
        expect: [("anonymous", 401), ("admin", 200), ("regulator_410100", 200), ("regulator_410300", 404),
                 ("regulator_410000", 200), ("insurer_a", 403), ("insurer_b", 403), ("agency_a", 403),
                 ("agency_b", 403), ("enterprise_a", 403), ("enterprise_b", 403), ("portal", 403)] },
    Row { method: "POST", path: "/api/v1/complaints/{id}/triage", query: "", object: FreshComplaint,
        why: "admins and regulators covering the subject agency A (410300: 404); other roles 403; accepting a \
              complaint of the cell's own, since accepting twice is invalid_transition",
        expect: [("anonymous", 401), ("admin", 200), ("regulator_410100", 200), ("regulator_410300", 404),
                 ("regulator_410000", 200), ("insurer_a", 403), ("insurer_b", 403), ("agency_a", 403),
                 ("agency_b", 403), ("enterprise_a", 403), ("enterprise_b", 403), ("portal", 403)] },
    Row { method: "POST", path: "/api/v1/credit/events", query: "", object: AgencyA,
        why: "admins and regulators covering agency A; for 410300 it is outside its sight, so unknown_organization \
              (422) like a missing one; every other role 403",
        expect: [("anonymous", 401), ("admin", 201), ("regulator_410100", 201), ("regulator_410300", 422),
                 ("regulator_410000", 201), ("insurer_a", 403), ("insurer_b", 403), ("agency_a", 403),
                 ("agency_b", 403), ("enterprise_a", 403), ("enterprise_b", 403), ("portal", 403)] },
    Row { method: "GET", path: "/api/v1/credit/organizations/{id}", query: "", object: AgencyA,
        why: "whoever sees agency A (visible_organization): admins, regulators of its jurisdiction, agency A itself, \
              portals; 404 for the rest",
        expect: [("anonymous", 401), ("admin", 200), ("regulator_410100", 200), ("regulator_410300", 404),
                 ("regulator_410000", 200), ("insurer_a", 404), ("insurer_b", 404), ("agency_a", 200),
                 ("agency_b", 404), ("enterprise_a", 404), ("enterprise_b", 404), ("portal", 200)] },
    Row { method: "GET", path: "/api/v1/credit/scores", query: "", object: Nothing,
        why: "the change feed of every score: admins and portals only",
        expect: [("anonymous", 401), ("admin", 200), ("regulator_410100", 403), ("regulator_410300", 403),
                 ("regulator_410000", 403), ("insurer_a", 403), ("insurer_b", 403), ("agency_a", 403),
                 ("agency_b", 403), ("enterprise_a", 403), ("enterprise_b", 403), ("portal", 200)] },
    Row { method: "GET", path: "/api/v1/cross-region-notices", query: "", object: Nothing,
        why: "admins all, regulators the notices addressed within their jurisdiction; every other role 403",
        expect: [("anonymous", 401), ("admin", 200), ("regulator_410100", 200), ("regulator_410300", 200),
                 ("regulator_410000", 200), ("insurer_a", 403), ("insurer_b", 403), ("agency_a", 403),
                 ("agency_b", 403), ("enterprise_a", 403), ("enterprise_b", 403), ("portal", 403)] },
    Row { method: "GET", path: "/api/v1/engagements", query: "", object: Nothing,
        why: "admins all, regulators their area, agencies and enterprises the engagements they are party to; \
              insurers and portals 403",
        expect: [("anonymous", 401), ("admin", 200), ("regulator_410100", 200), ("regulator_410300", 200),
                 ("regulator_410000", 200), ("insurer_a", 403), ("insurer_b", 403), ("agency_a", 200),
                 ("agency_b", 200), ("enterprise_a", 200), ("enterprise_b", 200), ("portal", 403)] },
    Row { method: "POST", path: "/api/v1/engagements", query: "", object: Nothing,
        why: "an engagement of enterprise A with agency A: admins, agency A (acting for provider_id) and \
              enterprise A (acting for enterprise_id); another agency or enterprise, regulators, insurers and \
              portals 403",
        expect: [("anonymous", 401), ("admin", 201), ("regulator_410100", 403), ("regulator_410300", 403),
                 ("regulator_410000", 403), ("insurer_a", 403), ("insurer_b", 403), ("agency_a", 201),
                 ("agency_b", 403), ("enterprise_a", 201), ("enterprise_b", 403), ("portal", 403)] },
    Row { method: "GET", path: "/api/v1/engagements/charging-without-service", query: "on=2026-06-01", object: Nothing,
        why: "admins all, regulators the engagements whose enterprise lies in their jurisdiction; every other role \
              403",
        expect: [("anonymous", 401), ("admin", 200), ("regulator_410100", 200), ("regulator_410300", 200),
                 ("regulator_410000", 200), ("insurer_a", 403), ("insurer_b", 403), ("agency_a", 403),
                 ("agency_b", 403), ("enterprise_a", 403), ("enterprise_b", 403), ("portal", 403)] },
    Row { method: "GET", path: "/api/v1/engagements/{id}", query: "", object: EngagementX,
        why: "engagement X: admins, its two parties (enterprise A, agency A) and regulators covering either \
              party's region (both 410100); 404 for other agencies, enterprises and 410300; insurers and portals \
              403",
        expect: [("anonymous", 401), ("admin", 200), ("regulator_410100", 200), ("regulator_410300", 404),
                 ("regulator_410000", 200), ("insurer_a", 403), ("insurer_b", 403), ("agency_a", 200),
                 ("agency_b", 404), ("enterprise_a", 200), ("enterprise_b", 404), ("portal", 403)] },
    Row { method: "POST", path: "/api/v1/engagements/{id}/acceptance", query: "", object: FreshDeliveredEngagement,
        why: "the enterprise party (enterprise A) or an admin; the provider party agency A 403; regulators, \
              insurers and portals 403 (not an acting role); other agencies and enterprises 404; an engagement \
              delivered for the cell, since an accepted one is invalid_transition",
        expect: [("anonymous", 401), ("admin", 200), ("regulator_410100", 403), ("regulator_410300", 403),
                 ("regulator_410000", 403), ("insurer_a", 403), ("insurer_b", 403), ("agency_a", 403),
                 ("agency_b", 404), ("enterprise_a", 200), ("enterprise_b", 404), ("portal", 403)] },
    Row { method: "POST", path: "/api/v1/engagements/{id}/charging-without-service", query: "", object: FreshFlaggedEngagement,
        why: "admins and regulators covering the enterprise's region 410100 (410300: 404); every other role 403; \
              an engagement flagged on 2026-06-01 (paid, past its deadline, undelivered) for the cell, since a \
              second confirmation is already_confirmed (the credit event lists agency A, already listed)",
        expect: [("anonymous", 401), ("admin", 201), ("regulator_410100", 201), ("regulator_410300", 404),
                 ("regulator_410000", 201), ("insurer_a", 403), ("insurer_b", 403), ("agency_a", 403),
                 ("agency_b", 403), ("enterprise_a", 403), ("enterprise_b", 403), ("portal", 403)] },
    Row { method: "POST", path: "/api/v1/engagements/{id}/delivery", query: "", object: FreshStartedEngagement,
        why: "the provider party (agency A) or an admin; the enterprise party enterprise A 403; regulators, \
              insurers and portals 403; other agencies and enterprises 404; an engagement started for the cell, \
              since a delivered one is invalid_transition",
        expect: [("anonymous", 401), ("admin", 200), ("regulator_410100", 403), ("regulator_410300", 403),
                 ("regulator_410000", 403), ("insurer_a", 403), ("insurer_b", 403), ("agency_a", 200),
                 ("agency_b", 404), ("enterprise_a", 403), ("enterprise_b", 404), ("portal", 403)] },
    Row { method: "POST", path: "/api/v1/engagements/{id}/dispute", query: "", object: FreshDeliveredEngagement,
        why: "the enterprise party (enterprise A) or an admin; the provider party agency A 403; regulators, \
              insurers and portals 403; other agencies and enterprises 404; an engagement delivered for the cell, \
              since a disputed one is invalid_transition",
        expect: [("anonymous", 401), ("admin", 200), ("regulator_410100", 403), ("regulator_410300", 403),
                 ("regulator_410000", 403), ("insurer_a", 403), ("insurer_b", 403), ("agency_a", 403),
                 ("agency_b", 404), ("enterprise_a", 200), ("enterprise_b", 404), ("portal", 403)] },
    Row { method: "POST", path: "/api/v1/engagements/{id}/evaluation", query: "", object: FreshAcceptedEngagement,
        why: "the enterprise party only, in the enterprise role: enterprise A; another enterprise 404; every other \
              role 403, admins and the provider included; an engagement accepted for the cell, since a second \
              evaluation is already_evaluated",
        expect: [("anonymous", 401), ("admin", 403), ("regulator_410100", 403), ("regulator_410300", 403),
                 ("regulator_410000", 403), ("insurer_a", 403), ("insurer_b", 403), ("agency_a", 403),
                 ("agency_b", 403), ("enterprise_a", 201), ("enterprise_b", 404), ("portal", 403)] },
    Row { method: "POST", path: "/api/v1/engagements/{id}/payments", query: "", object: EngagementX,
        why: "either party (enterprise A, agency A) or an admin, 1 fen under the Idempotency-Key the operation \
              requires (a key per cell; the fee covers every cell); regulators, insurers and portals 403; other \
              agencies and enterprises 404",
        expect: [("anonymous", 401), ("admin", 201), ("regulator_410100", 403), ("regulator_410300", 403),
                 ("regulator_410000", 403), ("insurer_a", 403), ("insurer_b", 403), ("agency_a", 201),
                 ("agency_b", 404), ("enterprise_a", 201), ("enterprise_b", 404), ("portal", 403)] },
    Row { method: "POST", path: "/api/v1/engagements/{id}/start", query: "", object: FreshSignedEngagement,
        why: "the provider party (agency A) or an admin; the enterprise party enterprise A 403; regulators, \
              insurers and portals 403; other agencies and enterprises 404; an engagement signed for the cell, \
              since a started one is invalid_transition",
        expect: [("anonymous", 401), ("admin", 200), ("regulator_410100", 403), ("regulator_410300", 403),
                 ("regulator_410000", 403), ("insurer_a", 403), ("insurer_b", 403), ("agency_a", 200),
                 ("agency_b", 404), ("enterprise_a", 403), ("enterprise_b", 404), ("portal", 403)] },
    Row { method: "POST", path: "/api/v1/engineers", query: "", object: EnterpriseA,
        why: "admins and regulators; an employer outside the regulator's jurisdiction is unknown_organization (422)",
        expect: [("anonymous", 401), ("admin", 201), ("regulator_410100", 201), ("regulator_410300", 422),
                 ("regulator_410000", 201), ("insurer_a", 403), ("insurer_b", 403), ("agency_a", 403),
                 ("agency_b", 403), ("enterprise_a", 403), ("enterprise_b", 403), ("portal", 403)] },
    Row { method: "GET", path: "/api/v1/engineers/{id}", query: "", object: EngineerE,
        why: "admins, every regulator and the employer whole, portals masked; 404 for the rest",
        expect: [("anonymous", 401), ("admin", 200), ("regulator_410100", 200), ("regulator_410300", 200),
                 ("regulator_410000", 200), ("insurer_a", 404), ("insurer_b", 404), ("agency_a", 404),
                 ("agency_b", 404), ("enterprise_a", 200), ("enterprise_b", 404), ("portal", 200)] },
    Row { method: "GET", path: "/api/v1/events", query: "", object: Nothing,
        why: "the event feed: every authenticated caller, each filtered to what it may see (admins and the province \
              everything, city regulators their regions, organisations the events naming them, portals the public types)",
        expect: [("anonymous", 401), ("admin", 200), ("regulator_410100", 200), ("regulator_410300", 200),
                 ("regulator_410000", 200), ("insurer_a", 200), ("insurer_b", 200), ("agency_a", 200),
                 ("agency_b", 200), ("enterprise_a", 200), ("enterprise_b", 200), ("portal", 200)] },
    Row { method: "GET", path: "/api/v1/exports/{resource}", query: "", object: Resource("organizations"),
        why: "as GET /organizations: every column has a list scope (admins and portals everything, portals masked; \
              regulators their jurisdiction; an organisation itself), so 200 for all; a caller without one (a \
              regulator without jurisdiction, an organisation's client without organisation) would be 403, no column is",
        expect: [("anonymous", 401), ("admin", 200), ("regulator_410100", 200), ("regulator_410300", 200),
                 ("regulator_410000", 200), ("insurer_a", 200), ("insurer_b", 200), ("agency_a", 200),
                 ("agency_b", 200), ("enterprise_a", 200), ("enterprise_b", 200), ("portal", 200)] },
    Row { method: "GET", path: "/api/v1/exports/{resource}", query: "", object: Resource("certificates"),
        why: "admins and the province all, a city regulator those issued in its jurisdiction (410300: none, still \
              200), an organisation its current employees' whole and those it recorded as training institution masked \
              (agency B: the welding certificate it issued P above); portals 403: they check one by number and name",
        expect: [("anonymous", 401), ("admin", 200), ("regulator_410100", 200), ("regulator_410300", 200),
                 ("regulator_410000", 200), ("insurer_a", 200), ("insurer_b", 200), ("agency_a", 200),
                 ("agency_b", 200), ("enterprise_a", 200), ("enterprise_b", 200), ("portal", 403)] },
    Row { method: "GET", path: "/api/v1/exports/{resource}", query: "", object: Resource("credit_scores"),
        why: "every stored score, public: every authenticated caller",
        expect: [("anonymous", 401), ("admin", 200), ("regulator_410100", 200), ("regulator_410300", 200),
                 ("regulator_410000", 200), ("insurer_a", 200), ("insurer_b", 200), ("agency_a", 200),
                 ("agency_b", 200), ("enterprise_a", 200), ("enterprise_b", 200), ("portal", 200)] },
    Row { method: "GET", path: "/api/v1/exports/{resource}", query: "", object: Resource("blacklist"),
        why: "the public blacklist today: every authenticated caller",
        expect: [("anonymous", 401), ("admin", 200), ("regulator_410100", 200), ("regulator_410300", 200),
                 ("regulator_410000", 200), ("insurer_a", 200), ("insurer_b", 200), ("agency_a", 200),
                 ("agency_b", 200), ("enterprise_a", 200), ("enterprise_b", 200), ("portal", 200)] },
    Row { method: "GET", path: "/api/v1/exports/{resource}", query: "insurer_id={insurer_a}&year=2025", object: Resource("fund_year"),
        why: "insurer A's 2025 ledger, as GET prevention-funds/{insurer_id}/{year}: insurer A itself, admins and \
              regulators covering 410100 (full sight); 404 for the rest, portals included (masked sight is not enough)",
        expect: [("anonymous", 401), ("admin", 200), ("regulator_410100", 200), ("regulator_410300", 404),
                 ("regulator_410000", 200), ("insurer_a", 200), ("insurer_b", 404), ("agency_a", 404),
                 ("agency_b", 404), ("enterprise_a", 404), ("enterprise_b", 404), ("portal", 404)] },
    Row { method: "GET", path: "/api/v1/indicators", query: "", object: Nothing,
        why: "admins (the province by default) and regulators (their own unit by default); every other role 403",
        expect: [("anonymous", 401), ("admin", 200), ("regulator_410100", 200), ("regulator_410300", 200),
                 ("regulator_410000", 200), ("insurer_a", 403), ("insurer_b", 403), ("agency_a", 403),
                 ("agency_b", 403), ("enterprise_a", 403), ("enterprise_b", 403), ("portal", 403)] },
    Row { method: "GET", path: "/api/v1/indicators", query: "region=410100", object: Nothing,
        why: "郑州's figures: admins, its regulator and the province's; 410300 outside_jurisdiction 403; every other role \
              403 before the region is looked at",
        expect: [("anonymous", 401), ("admin", 200), ("regulator_410100", 200), ("regulator_410300", 403),
                 ("regulator_410000", 200), ("insurer_a", 403), ("insurer_b", 403), ("agency_a", 403),
                 ("agency_b", 403), ("enterprise_a", 403), ("enterprise_b", 403), ("portal", 403)] },
    Row { method: "GET", path: "/api/v1/insurance/policies", query: "", object: Nothing,
        why: "admins all, regulators their jurisdiction, insurers what they wrote, enterprises their own; agencies and portals never",
        expect: [("anonymous", 401), ("admin", 200), ("regulator_410100", 200), ("regulator_410300", 200),
                 ("regulator_410000", 200), ("insurer_a", 200), ("insurer_b", 200), ("agency_a", 403),
                 ("agency_b", 403), ("enterprise_a", 200), ("enterprise_b", 200), ("portal", 403)] },
    Row { method: "POST", path: "/api/v1/insurance/policies", query: "", object: EnterpriseA,
        why: "insurers only, for their own organisation; any insurer may insure any enterprise",
        expect: [("anonymous", 401), ("admin", 403), ("regulator_410100", 403), ("regulator_410300", 403),
                 ("regulator_410000", 403), ("insurer_a", 201), ("insurer_b", 201), ("agency_a", 403),
                 ("agency_b", 403), ("enterprise_a", 403), ("enterprise_b", 403), ("portal", 403)] },
    Row { method: "GET", path: "/api/v1/insurance/policies/{id}", query: "", object: PolicyA,
        why: "its insurer, the insured enterprise, admins and regulators of the enterprise's jurisdiction; 404 for the rest",
        expect: [("anonymous", 401), ("admin", 200), ("regulator_410100", 200), ("regulator_410300", 404),
                 ("regulator_410000", 200), ("insurer_a", 200), ("insurer_b", 404), ("agency_a", 404),
                 ("agency_b", 404), ("enterprise_a", 200), ("enterprise_b", 404), ("portal", 404)] },
    Row { method: "POST", path: "/api/v1/insurance/premium-postings", query: "", object: PolicyA,
        why: "insurers only; another insurer's policy number is unknown_policy, as a missing one",
        expect: [("anonymous", 401), ("admin", 403), ("regulator_410100", 403), ("regulator_410300", 403),
                 ("regulator_410000", 403), ("insurer_a", 201), ("insurer_b", 422), ("agency_a", 403),
                 ("agency_b", 403), ("enterprise_a", 403), ("enterprise_b", 403), ("portal", 403)] },
    Row { method: "POST", path: "/api/v1/insurance/premium-postings", query: "", object: PolicyACsv,
        why: "the same batch as text/csv, read before the role is looked at, then the JSON batch's checks: insurers only; \
              another insurer's policy number is unknown_policy, as a missing one",
        expect: [("anonymous", 401), ("admin", 403), ("regulator_410100", 403), ("regulator_410300", 403),
                 ("regulator_410000", 403), ("insurer_a", 201), ("insurer_b", 422), ("agency_a", 403),
                 ("agency_b", 403), ("enterprise_a", 403), ("enterprise_b", 403), ("portal", 403)] },
    Row { method: "GET", path: "/api/v1/insurance/prevention-funds", query: "year=2025", object: Nothing,
        why: "admins and regulators (filtered to their jurisdiction)",
        expect: [("anonymous", 401), ("admin", 200), ("regulator_410100", 200), ("regulator_410300", 200),
                 ("regulator_410000", 200), ("insurer_a", 403), ("insurer_b", 403), ("agency_a", 403),
                 ("agency_b", 403), ("enterprise_a", 403), ("enterprise_b", 403), ("portal", 403)] },
    Row { method: "POST", path: "/api/v1/insurance/prevention-funds/{insurer_id}/expenditures", query: "", object: InsurerA,
        why: "the insurer itself only; another insurer 404, every other role 403",
        expect: [("anonymous", 401), ("admin", 403), ("regulator_410100", 403), ("regulator_410300", 403),
                 ("regulator_410000", 403), ("insurer_a", 201), ("insurer_b", 404), ("agency_a", 403),
                 ("agency_b", 403), ("enterprise_a", 403), ("enterprise_b", 403), ("portal", 403)] },
    Row { method: "GET", path: "/api/v1/insurance/prevention-funds/{insurer_id}/{year}", query: "", object: InsurerA,
        why: "the insurer itself, admins and regulators of its jurisdiction (full sight); 404 for the rest, portals included",
        expect: [("anonymous", 401), ("admin", 200), ("regulator_410100", 200), ("regulator_410300", 404),
                 ("regulator_410000", 200), ("insurer_a", 200), ("insurer_b", 404), ("agency_a", 404),
                 ("agency_b", 404), ("enterprise_a", 404), ("enterprise_b", 404), ("portal", 404)] },
    Row { method: "POST", path: "/api/v1/insurance/rate-quotes", query: "", object: EnterpriseA,
        why: "admins, insurers (any enterprise) and regulators (their jurisdiction, else unknown_organization)",
        expect: [("anonymous", 401), ("admin", 200), ("regulator_410100", 200), ("regulator_410300", 422),
                 ("regulator_410000", 200), ("insurer_a", 200), ("insurer_b", 200), ("agency_a", 403),
                 ("agency_b", 403), ("enterprise_a", 403), ("enterprise_b", 403), ("portal", 403)] },
    Row { method: "GET", path: "/api/v1/insurance/uncovered", query: "", object: Nothing,
        why: "admins and regulators (filtered to their jurisdiction)",
        expect: [("anonymous", 401), ("admin", 200), ("regulator_410100", 200), ("regulator_410300", 200),
                 ("regulator_410000", 200), ("insurer_a", 403), ("insurer_b", 403), ("agency_a", 403),
                 ("agency_b", 403), ("enterprise_a", 403), ("enterprise_b", 403), ("portal", 403)] },
    Row { method: "GET", path: "/api/v1/marketplace/demands", query: "", object: Nothing,
        why: "admins all, regulators their jurisdiction, enterprises their own, agencies the open demands \
              everywhere; insurers and portals 403",
        expect: [("anonymous", 401), ("admin", 200), ("regulator_410100", 200), ("regulator_410300", 200),
                 ("regulator_410000", 200), ("insurer_a", 403), ("insurer_b", 403), ("agency_a", 200),
                 ("agency_b", 200), ("enterprise_a", 200), ("enterprise_b", 200), ("portal", 403)] },
    Row { method: "POST", path: "/api/v1/marketplace/demands", query: "", object: EnterpriseA,
        why: "a demand for enterprise A in 410100: admins; regulators who see enterprise A whole (410300: 404, it \
              cannot see it); enterprise A for itself (enterprise B naming it: 404); agencies, insurers and \
              portals 403",
        expect: [("anonymous", 401), ("admin", 201), ("regulator_410100", 201), ("regulator_410300", 404),
                 ("regulator_410000", 201), ("insurer_a", 403), ("insurer_b", 403), ("agency_a", 403),
                 ("agency_b", 403), ("enterprise_a", 201), ("enterprise_b", 404), ("portal", 403)] },
    Row { method: "GET", path: "/api/v1/marketplace/demands/{id}", query: "", object: DemandM,
        why: "demand M: admins, enterprise A and regulators covering 410100; every agency while it is open; 404 \
              for enterprise B and 410300; insurers and portals 403",
        expect: [("anonymous", 401), ("admin", 200), ("regulator_410100", 200), ("regulator_410300", 404),
                 ("regulator_410000", 200), ("insurer_a", 403), ("insurer_b", 403), ("agency_a", 200),
                 ("agency_b", 200), ("enterprise_a", 200), ("enterprise_b", 404), ("portal", 403)] },
    Row { method: "POST", path: "/api/v1/marketplace/demands/{id}/award", query: "", object: FreshBid,
        why: "those who answer for the demand: admins, enterprise A, regulators covering 410100 (410300 and \
              enterprise B: 404); agencies, insurers and portals 403; an open demand with provider C's bid for the \
              cell, since an awarded one is demand_not_open",
        expect: [("anonymous", 401), ("admin", 200), ("regulator_410100", 200), ("regulator_410300", 404),
                 ("regulator_410000", 200), ("insurer_a", 403), ("insurer_b", 403), ("agency_a", 403),
                 ("agency_b", 403), ("enterprise_a", 200), ("enterprise_b", 404), ("portal", 403)] },
    Row { method: "GET", path: "/api/v1/marketplace/demands/{id}/bids", query: "", object: DemandM,
        why: "demand M: admins, enterprise A and regulators covering 410100 all bids; an agency its own bids while \
              it may see the demand (open: both); 404 for enterprise B and 410300; insurers and portals 403",
        expect: [("anonymous", 401), ("admin", 200), ("regulator_410100", 200), ("regulator_410300", 404),
                 ("regulator_410000", 200), ("insurer_a", 403), ("insurer_b", 403), ("agency_a", 200),
                 ("agency_b", 200), ("enterprise_a", 200), ("enterprise_b", 404), ("portal", 403)] },
    Row { method: "POST", path: "/api/v1/marketplace/demands/{id}/bids", query: "", object: DemandM,
        why: "agencies only, for their own organisation: agency B, qualified for training, bids on demand M (once: \
              bid_exists after); agency A is banned and blacklisted, so provider_not_eligible (422); every other \
              role 403",
        expect: [("anonymous", 401), ("admin", 403), ("regulator_410100", 403), ("regulator_410300", 403),
                 ("regulator_410000", 403), ("insurer_a", 403), ("insurer_b", 403), ("agency_a", 422),
                 ("agency_b", 201), ("enterprise_a", 403), ("enterprise_b", 403), ("portal", 403)] },
    Row { method: "GET", path: "/api/v1/marketplace/demands/{id}/matches", query: "", object: DemandM,
        why: "those who answer for demand M: admins, enterprise A, regulators covering 410100; 404 for enterprise \
              B and 410300; agencies, insurers and portals 403",
        expect: [("anonymous", 401), ("admin", 200), ("regulator_410100", 200), ("regulator_410300", 404),
                 ("regulator_410000", 200), ("insurer_a", 403), ("insurer_b", 403), ("agency_a", 403),
                 ("agency_b", 403), ("enterprise_a", 200), ("enterprise_b", 404), ("portal", 403)] },
    Row { method: "POST", path: "/api/v1/marketplace/demands/{id}/withdrawal", query: "", object: FreshDemand,
        why: "those who answer for the demand: admins, enterprise A, regulators covering 410100 (410300 and \
              enterprise B: 404); agencies, insurers and portals 403; an open demand for the cell, since a \
              withdrawn one is demand_not_open",
        expect: [("anonymous", 401), ("admin", 200), ("regulator_410100", 200), ("regulator_410300", 404),
                 ("regulator_410000", 200), ("insurer_a", 403), ("insurer_b", 403), ("agency_a", 403),
                 ("agency_b", 403), ("enterprise_a", 200), ("enterprise_b", 404), ("portal", 403)] },
    Row { method: "GET", path: "/api/v1/organizations", query: "", object: Nothing,
        why: "every authenticated caller, scoped: regulators their jurisdiction, organisations themselves, portals all masked",
        expect: [("anonymous", 401), ("admin", 200), ("regulator_410100", 200), ("regulator_410300", 200),
                 ("regulator_410000", 200), ("insurer_a", 200), ("insurer_b", 200), ("agency_a", 200),
                 ("agency_b", 200), ("enterprise_a", 200), ("enterprise_b", 200), ("portal", 200)] },
    Row { method: "POST", path: "/api/v1/organizations", query: "", object: Nothing,
        why: "a new enterprise in 410100: admins anywhere, regulators inside their jurisdiction (outside_jurisdiction 403)",
        expect: [("anonymous", 401), ("admin", 201), ("regulator_410100", 201), ("regulator_410300", 403),
                 ("regulator_410000", 201), ("insurer_a", 403), ("insurer_b", 403), ("agency_a", 403),
                 ("agency_b", 403), ("enterprise_a", 403), ("enterprise_b", 403), ("portal", 403)] },
    Row { method: "GET", path: "/api/v1/organizations/{id}", query: "", object: EnterpriseA,
        why: "admins, regulators of its jurisdiction and the organisation itself whole, portals masked; 404 for the rest",
        expect: [("anonymous", 401), ("admin", 200), ("regulator_410100", 200), ("regulator_410300", 404),
                 ("regulator_410000", 200), ("insurer_a", 404), ("insurer_b", 404), ("agency_a", 404),
                 ("agency_b", 404), ("enterprise_a", 200), ("enterprise_b", 404), ("portal", 200)] },
    Row { method: "PATCH", path: "/api/v1/organizations/{id}", query: "", object: AgencyA,
        why: "admins and regulators only (not even the agency itself); a regulator that cannot see it gets 404",
        expect: [("anonymous", 401), ("admin", 200), ("regulator_410100", 200), ("regulator_410300", 404),
                 ("regulator_410000", 200), ("insurer_a", 403), ("insurer_b", 403), ("agency_a", 403),
                 ("agency_b", 403), ("enterprise_a", 403), ("enterprise_b", 403), ("portal", 403)] },
    Row { method: "GET", path: "/api/v1/organizations/{id}/accidents", query: "", object: EnterpriseA,
        why: "full sight only: admins, regulators of its jurisdiction, the enterprise itself; 404 for the rest, portals included",
        expect: [("anonymous", 401), ("admin", 200), ("regulator_410100", 200), ("regulator_410300", 404),
                 ("regulator_410000", 200), ("insurer_a", 404), ("insurer_b", 404), ("agency_a", 404),
                 ("agency_b", 404), ("enterprise_a", 200), ("enterprise_b", 404), ("portal", 404)] },
    Row { method: "GET", path: "/api/v1/organizations/{id}/annual-reports/{year}", query: "", object: AgencyA,
        why: "agency A's 2025 draft: admins, regulators covering 410100 and agency A itself; 404 for agency B and \
              410300; enterprises, insurers and portals 403",
        expect: [("anonymous", 401), ("admin", 200), ("regulator_410100", 200), ("regulator_410300", 404),
                 ("regulator_410000", 200), ("insurer_a", 403), ("insurer_b", 403), ("agency_a", 200),
                 ("agency_b", 404), ("enterprise_a", 403), ("enterprise_b", 403), ("portal", 403)] },
    Row { method: "PUT", path: "/api/v1/organizations/{id}/annual-reports/{year}", query: "", object: AgencyA,
        why: "the narrative of agency A's 2025 report (unpublished): admins and agency A itself; agency B 404; \
              regulators, enterprises, insurers and portals 403",
        expect: [("anonymous", 401), ("admin", 200), ("regulator_410100", 403), ("regulator_410300", 403),
                 ("regulator_410000", 403), ("insurer_a", 403), ("insurer_b", 403), ("agency_a", 200),
                 ("agency_b", 404), ("enterprise_a", 403), ("enterprise_b", 403), ("portal", 403)] },
    Row { method: "POST", path: "/api/v1/organizations/{id}/annual-reports/{year}/publication", query: "", object: FreshReportYear,
        why: "agency A's report: admins and agency A itself (each its own ended year, since a second publication \
              is already_published); agency B 404; regulators, enterprises, insurers and portals 403",
        expect: [("anonymous", 401), ("admin", 201), ("regulator_410100", 403), ("regulator_410300", 403),
                 ("regulator_410000", 403), ("insurer_a", 403), ("insurer_b", 403), ("agency_a", 201),
                 ("agency_b", 404), ("enterprise_a", 403), ("enterprise_b", 403), ("portal", 403)] },
    Row { method: "GET", path: "/api/v1/organizations/{id}/blacklist", query: "", object: AgencyA,
        why: "whoever sees agency A: admins, regulators of its jurisdiction and agency A itself whole, portals \
              without the applicants' reasons (the blacklist is public); 404 for the rest",
        expect: [("anonymous", 401), ("admin", 200), ("regulator_410100", 200), ("regulator_410300", 404),
                 ("regulator_410000", 200), ("insurer_a", 404), ("insurer_b", 404), ("agency_a", 200),
                 ("agency_b", 404), ("enterprise_a", 404), ("enterprise_b", 404), ("portal", 200)] },
    Row { method: "GET", path: "/api/v1/organizations/{id}/employments", query: "", object: EnterpriseA,
        why: "full sight only: admins, regulators of its jurisdiction, the enterprise itself; 404 for who cannot see it, \
              403 for portals (masked sight)",
        expect: [("anonymous", 401), ("admin", 200), ("regulator_410100", 200), ("regulator_410300", 404),
                 ("regulator_410000", 200), ("insurer_a", 404), ("insurer_b", 404), ("agency_a", 404),
                 ("agency_b", 404), ("enterprise_a", 200), ("enterprise_b", 404), ("portal", 403)] },
    Row { method: "POST", path: "/api/v1/organizations/{id}/employments", query: "", object: EnterpriseA,
        why: "provincial systems only: admins, regulators of its jurisdiction (404 outside); organisations never record \
              their own staff (they would gain sight of anyone they name), so 403 like portals",
        expect: [("anonymous", 401), ("admin", 201), ("regulator_410100", 201), ("regulator_410300", 404),
                 ("regulator_410000", 201), ("insurer_a", 403), ("insurer_b", 403), ("agency_a", 403),
                 ("agency_b", 403), ("enterprise_a", 403), ("enterprise_b", 403), ("portal", 403)] },
    Row { method: "GET", path: "/api/v1/organizations/{id}/insurance-coverage", query: "", object: EnterpriseA,
        why: "lists policy A in full, so as its readers: admins, regulators of its jurisdiction, the enterprise itself; \
              portals may read no policy (GET policies/{id} is 404 for them), so 404",
        expect: [("anonymous", 401), ("admin", 200), ("regulator_410100", 200), ("regulator_410300", 404),
                 ("regulator_410000", 200), ("insurer_a", 404), ("insurer_b", 404), ("agency_a", 404),
                 ("agency_b", 404), ("enterprise_a", 200), ("enterprise_b", 404), ("portal", 404)] },
    Row { method: "GET", path: "/api/v1/organizations/{id}/safety-management", query: "on=2026-06-01", object: EnterpriseA,
        why: "whoever sees enterprise A: admins, regulators covering 410100, enterprise A itself and portals \
              (nothing personal); 404 for the rest (mining: answered by the sector rule)",
        expect: [("anonymous", 401), ("admin", 200), ("regulator_410100", 200), ("regulator_410300", 404),
                 ("regulator_410000", 200), ("insurer_a", 404), ("insurer_b", 404), ("agency_a", 404),
                 ("agency_b", 404), ("enterprise_a", 200), ("enterprise_b", 404), ("portal", 200)] },
    Row { method: "GET", path: "/api/v1/organizations/{id}/sanctions", query: "", object: AgencyA,
        why: "sanctions are public record: whoever sees agency A, portals included; 404 for other organisations and \
              regulators elsewhere",
        expect: [("anonymous", 401), ("admin", 200), ("regulator_410100", 200), ("regulator_410300", 404),
                 ("regulator_410000", 200), ("insurer_a", 404), ("insurer_b", 404), ("agency_a", 200),
                 ("agency_b", 404), ("enterprise_a", 404), ("enterprise_b", 404), ("portal", 200)] },
    Row { method: "GET", path: "/api/v1/organizations/{id}/staffing-compliance", query: "", object: EnterpriseA,
        why: "full sight only: admins, regulators of its jurisdiction, the enterprise itself; 404 for who cannot see it, \
              403 for portals (masked sight)",
        expect: [("anonymous", 401), ("admin", 200), ("regulator_410100", 200), ("regulator_410300", 404),
                 ("regulator_410000", 200), ("insurer_a", 404), ("insurer_b", 404), ("agency_a", 404),
                 ("agency_b", 404), ("enterprise_a", 200), ("enterprise_b", 404), ("portal", 403)] },
    Row { method: "GET", path: "/api/v1/persons/{id}", query: "", object: PersonP,
        why: "admins and every regulator whole, the current employer (enterprise A) whole, portals masked; 404 for the rest, \
              agency B included although P passed its exam",
        expect: [("anonymous", 401), ("admin", 200), ("regulator_410100", 200), ("regulator_410300", 200),
                 ("regulator_410000", 200), ("insurer_a", 404), ("insurer_b", 404), ("agency_a", 404),
                 ("agency_b", 404), ("enterprise_a", 200), ("enterprise_b", 404), ("portal", 200)] },
    Row { method: "GET", path: "/api/v1/procurement/projects", query: "", object: Nothing,
        why: "admins all, regulators their jurisdiction, an organisation's caller the projects it takes part in; \
              portals 403",
        expect: [("anonymous", 401), ("admin", 200), ("regulator_410100", 200), ("regulator_410300", 200),
                 ("regulator_410000", 200), ("insurer_a", 200), ("insurer_b", 200), ("agency_a", 200),
                 ("agency_b", 200), ("enterprise_a", 200), ("enterprise_b", 200), ("portal", 403)] },
    Row { method: "POST", path: "/api/v1/procurement/projects", query: "", object: Nothing,
        why: "a 410100 project awarded to agency B (eligible; agency A is not): admins and regulators covering \
              410100 (410300: outside_jurisdiction 403); every other role 403",
        expect: [("anonymous", 401), ("admin", 201), ("regulator_410100", 201), ("regulator_410300", 403),
                 ("regulator_410000", 201), ("insurer_a", 403), ("insurer_b", 403), ("agency_a", 403),
                 ("agency_b", 403), ("enterprise_a", 403), ("enterprise_b", 403), ("portal", 403)] },
    Row { method: "GET", path: "/api/v1/procurement/projects/{id}", query: "", object: ProjectQ,
        why: "project Q: admins, regulators covering 410100, and callers for its provider (agency B), third party \
              (provider C) or recipients (enterprise A, agency A); 404 for the rest with a role that may take \
              part; portals 403",
        expect: [("anonymous", 401), ("admin", 200), ("regulator_410100", 200), ("regulator_410300", 404),
                 ("regulator_410000", 200), ("insurer_a", 404), ("insurer_b", 404), ("agency_a", 200),
                 ("agency_b", 200), ("enterprise_a", 200), ("enterprise_b", 404), ("portal", 403)] },
    Row { method: "POST", path: "/api/v1/procurement/projects/{id}/evaluations", query: "", object: FreshProject,
        why: "a project like Q for the cell, each caller claiming the party it may be: the purchaser (admins, \
              regulators covering 410100; 410300 cannot see it: 404), a recipient (enterprise A, agency A); agency \
              B, the provider, 403 self_evaluation; enterprise B 404; insurers and portals 403",
        expect: [("anonymous", 401), ("admin", 201), ("regulator_410100", 201), ("regulator_410300", 404),
                 ("regulator_410000", 201), ("insurer_a", 403), ("insurer_b", 403), ("agency_a", 201),
                 ("agency_b", 403), ("enterprise_a", 201), ("enterprise_b", 404), ("portal", 403)] },
    Row { method: "GET", path: "/api/v1/public/blacklist", query: "", object: Nothing,
        why: "the public list: no security, nothing personal",
        expect: [("anonymous", 200), ("admin", 200), ("regulator_410100", 200), ("regulator_410300", 200),
                 ("regulator_410000", 200), ("insurer_a", 200), ("insurer_b", 200), ("agency_a", 200),
                 ("agency_b", 200), ("enterprise_a", 200), ("enterprise_b", 200), ("portal", 200)] },
    Row { method: "GET", path: "/api/v1/public/certificates", query: "number={number}&name={holder}", object: CertificateC,
        why: "the public check by number and name: no security, holder and number masked",
        expect: [("anonymous", 200), ("admin", 200), ("regulator_410100", 200), ("regulator_410300", 200),
                 ("regulator_410000", 200), ("insurer_a", 200), ("insurer_b", 200), ("agency_a", 200),
                 ("agency_b", 200), ("enterprise_a", 200), ("enterprise_b", 200), ("portal", 200)] },
    Row { method: "GET", path: "/api/v1/public/certificates/attestation", query: "number={number}&name={holder}", object: CertificateC,
        why: "the signed public check: no security, holder and number masked",
        expect: [("anonymous", 200), ("admin", 200), ("regulator_410100", 200), ("regulator_410300", 200),
                 ("regulator_410000", 200), ("insurer_a", 200), ("insurer_b", 200), ("agency_a", 200),
                 ("agency_b", 200), ("enterprise_a", 200), ("enterprise_b", 200), ("portal", 200)] },
    Row { method: "POST", path: "/api/v1/public/complaints", query: "", object: AgencyA,
        why: "no security: anyone files about agency A by its credit code (an Authorization header is ignored); no \
              contact in the body",
        expect: [("anonymous", 201), ("admin", 201), ("regulator_410100", 201), ("regulator_410300", 201),
                 ("regulator_410000", 201), ("insurer_a", 201), ("insurer_b", 201), ("agency_a", 201),
                 ("agency_b", 201), ("enterprise_a", 201), ("enterprise_b", 201), ("portal", 201)] },
    Row { method: "GET", path: "/api/v1/public/complaints/{tracking_code}", query: "", object: ComplaintK,
        why: "no security: whoever holds K's tracking code reads its status, never the subject, description or \
              contact",
        expect: [("anonymous", 200), ("admin", 200), ("regulator_410100", 200), ("regulator_410300", 200),
                 ("regulator_410000", 200), ("insurer_a", 200), ("insurer_b", 200), ("agency_a", 200),
                 ("agency_b", 200), ("enterprise_a", 200), ("enterprise_b", 200), ("portal", 200)] },
    Row { method: "GET", path: "/api/v1/public/credit/{credit_code}", query: "", object: AgencyA,
        why: "the public credit card: no security, nothing personal",
        expect: [("anonymous", 200), ("admin", 200), ("regulator_410100", 200), ("regulator_410300", 200),
                 ("regulator_410000", 200), ("insurer_a", 200), ("insurer_b", 200), ("agency_a", 200),
                 ("agency_b", 200), ("enterprise_a", 200), ("enterprise_b", 200), ("portal", 200)] },
    Row { method: "GET", path: "/api/v1/public/credit/{credit_code}/attestation", query: "", object: AgencyA,
        why: "the signed public credit statement: no security, nothing personal",
        expect: [("anonymous", 200), ("admin", 200), ("regulator_410100", 200), ("regulator_410300", 200),
                 ("regulator_410000", 200), ("insurer_a", 200), ("insurer_b", 200), ("agency_a", 200),
                 ("agency_b", 200), ("enterprise_a", 200), ("enterprise_b", 200), ("portal", 200)] },
    Row { method: "GET", path: "/api/v1/public/organizations/{credit_code}", query: "", object: EnterpriseA,
        why: "the public card: no security, nothing personal",
        expect: [("anonymous", 200), ("admin", 200), ("regulator_410100", 200), ("regulator_410300", 200),
                 ("regulator_410000", 200), ("insurer_a", 200), ("insurer_b", 200), ("agency_a", 200),
                 ("agency_b", 200), ("enterprise_a", 200), ("enterprise_b", 200), ("portal", 200)] },
    Row { method: "GET", path: "/api/v1/public/organizations/{credit_code}/annual-reports/{year}", query: "", object: AgencyA,
        why: "agency A's published 2024 report: no security, nothing personal",
        expect: [("anonymous", 200), ("admin", 200), ("regulator_410100", 200), ("regulator_410300", 200),
                 ("regulator_410000", 200), ("insurer_a", 200), ("insurer_b", 200), ("agency_a", 200),
                 ("agency_b", 200), ("enterprise_a", 200), ("enterprise_b", 200), ("portal", 200)] },
    Row { method: "GET", path: "/api/v1/public/organizations/{credit_code}/disclosures", query: "", object: AgencyA,
        why: "agency A's delivered engagements: no security, personnel by name only",
        expect: [("anonymous", 200), ("admin", 200), ("regulator_410100", 200), ("regulator_410300", 200),
                 ("regulator_410000", 200), ("insurer_a", 200), ("insurer_b", 200), ("agency_a", 200),
                 ("agency_b", 200), ("enterprise_a", 200), ("enterprise_b", 200), ("portal", 200)] },
    Row { method: "GET", path: "/api/v1/public/procurement/projects/{id}", query: "", object: EvaluatedProject,
        why: "the result of the evaluated project: no security",
        expect: [("anonymous", 200), ("admin", 200), ("regulator_410100", 200), ("regulator_410300", 200),
                 ("regulator_410000", 200), ("insurer_a", 200), ("insurer_b", 200), ("agency_a", 200),
                 ("agency_b", 200), ("enterprise_a", 200), ("enterprise_b", 200), ("portal", 200)] },
    Row { method: "GET", path: "/api/v1/public/training/pass-rates", query: "period=2026H1", object: Nothing,
        why: "published pass rates: no security (2026H1 is published in the fixtures; unpublished would be 404)",
        expect: [("anonymous", 200), ("admin", 200), ("regulator_410100", 200), ("regulator_410300", 200),
                 ("regulator_410000", 200), ("insurer_a", 200), ("insurer_b", 200), ("agency_a", 200),
                 ("agency_b", 200), ("enterprise_a", 200), ("enterprise_b", 200), ("portal", 200)] },
    Row { method: "GET", path: "/api/v1/reference/holidays", query: "year=2026", object: Nothing,
        why: "reference data for every authenticated caller",
        expect: [("anonymous", 401), ("admin", 200), ("regulator_410100", 200), ("regulator_410300", 200),
                 ("regulator_410000", 200), ("insurer_a", 200), ("insurer_b", 200), ("agency_a", 200),
                 ("agency_b", 200), ("enterprise_a", 200), ("enterprise_b", 200), ("portal", 200)] },
    Row { method: "PUT", path: "/api/v1/reference/holidays/{year}", query: "", object: Nothing,
        why: "admins only, under If-Match from GET (2030, which nothing else uses); every other role 403",
        expect: [("anonymous", 401), ("admin", 200), ("regulator_410100", 403), ("regulator_410300", 403),
                 ("regulator_410000", 403), ("insurer_a", 403), ("insurer_b", 403), ("agency_a", 403),
                 ("agency_b", 403), ("enterprise_a", 403), ("enterprise_b", 403), ("portal", 403)] },
    Row { method: "GET", path: "/api/v1/regions", query: "", object: Nothing,
        why: "reference data for every authenticated caller",
        expect: [("anonymous", 401), ("admin", 200), ("regulator_410100", 200), ("regulator_410300", 200),
                 ("regulator_410000", 200), ("insurer_a", 200), ("insurer_b", 200), ("agency_a", 200),
                 ("agency_b", 200), ("enterprise_a", 200), ("enterprise_b", 200), ("portal", 200)] },
    Row { method: "GET", path: "/api/v1/rules", query: "", object: Nothing,
        why: "reference data for every authenticated caller",
        expect: [("anonymous", 401), ("admin", 200), ("regulator_410100", 200), ("regulator_410300", 200),
                 ("regulator_410000", 200), ("insurer_a", 200), ("insurer_b", 200), ("agency_a", 200),
                 ("agency_b", 200), ("enterprise_a", 200), ("enterprise_b", 200), ("portal", 200)] },
    Row { method: "GET", path: "/api/v1/sanctions", query: "", object: Nothing,
        why: "rectification orders: admins all, regulators their jurisdiction; every other role 403",
        expect: [("anonymous", 401), ("admin", 200), ("regulator_410100", 200), ("regulator_410300", 200),
                 ("regulator_410000", 200), ("insurer_a", 403), ("insurer_b", 403), ("agency_a", 403),
                 ("agency_b", 403), ("enterprise_a", 403), ("enterprise_b", 403), ("portal", 403)] },
    Row { method: "POST", path: "/api/v1/sanctions", query: "", object: AgencyA,
        why: "a public criticism of agency A: admins and regulators covering it; 410300 cannot see it whole, so 404; \
              every other role 403",
        expect: [("anonymous", 401), ("admin", 201), ("regulator_410100", 201), ("regulator_410300", 404),
                 ("regulator_410000", 201), ("insurer_a", 403), ("insurer_b", 403), ("agency_a", 403),
                 ("agency_b", 403), ("enterprise_a", 403), ("enterprise_b", 403), ("portal", 403)] },
    Row { method: "GET", path: "/api/v1/sanctions/{id}", query: "", object: SanctionS,
        why: "admins, regulators of agency A's jurisdiction and agency A itself; 404 for other organisations and \
              regulators elsewhere; portals 403 (they read sanctions through organizations/{id}/sanctions)",
        expect: [("anonymous", 401), ("admin", 200), ("regulator_410100", 200), ("regulator_410300", 404),
                 ("regulator_410000", 200), ("insurer_a", 404), ("insurer_b", 404), ("agency_a", 200),
                 ("agency_b", 404), ("enterprise_a", 404), ("enterprise_b", 404), ("portal", 403)] },
    Row { method: "POST", path: "/api/v1/sanctions/{id}/compliance", query: "", object: FreshRectificationOrder,
        why: "admins and regulators covering agency A (410300: 404); every other role 403; a rectification order of \
              the cell's own, since complying twice is already_complied",
        expect: [("anonymous", 401), ("admin", 200), ("regulator_410100", 200), ("regulator_410300", 404),
                 ("regulator_410000", 200), ("insurer_a", 403), ("insurer_b", 403), ("agency_a", 403),
                 ("agency_b", 403), ("enterprise_a", 403), ("enterprise_b", 403), ("portal", 403)] },
    Row { method: "GET", path: "/api/v1/staffing-compliance", query: "", object: Nothing,
        why: "admins and regulators (filtered to their jurisdiction)",
        expect: [("anonymous", 401), ("admin", 200), ("regulator_410100", 200), ("regulator_410300", 200),
                 ("regulator_410000", 200), ("insurer_a", 403), ("insurer_b", 403), ("agency_a", 403),
                 ("agency_b", 403), ("enterprise_a", 403), ("enterprise_b", 403), ("portal", 403)] },
    Row { method: "POST", path: "/api/v1/subsidy-programmes", query: "", object: Nothing,
        why: "a 410100 programme: admins and regulators covering 410100 (410300: outside_jurisdiction 403); every \
              other role 403",
        expect: [("anonymous", 401), ("admin", 201), ("regulator_410100", 201), ("regulator_410300", 403),
                 ("regulator_410000", 201), ("insurer_a", 403), ("insurer_b", 403), ("agency_a", 403),
                 ("agency_b", 403), ("enterprise_a", 403), ("enterprise_b", 403), ("portal", 403)] },
    Row { method: "GET", path: "/api/v1/subsidy-programmes/{id}", query: "", object: ProgrammeS,
        why: "programme S: admins, regulators covering 410100 and enterprises located there (enterprise A); 404 \
              for 410300 and enterprise B; agencies, insurers and portals 403",
        expect: [("anonymous", 401), ("admin", 200), ("regulator_410100", 200), ("regulator_410300", 404),
                 ("regulator_410000", 200), ("insurer_a", 403), ("insurer_b", 403), ("agency_a", 403),
                 ("agency_b", 403), ("enterprise_a", 200), ("enterprise_b", 404), ("portal", 403)] },
    Row { method: "GET", path: "/api/v1/subsidy-programmes/{id}/applications", query: "", object: ProgrammeS,
        why: "programme S's queue: admins and regulators covering 410100 (410300: 404); every other role 403",
        expect: [("anonymous", 401), ("admin", 200), ("regulator_410100", 200), ("regulator_410300", 404),
                 ("regulator_410000", 200), ("insurer_a", 403), ("insurer_b", 403), ("agency_a", 403),
                 ("agency_b", 403), ("enterprise_a", 403), ("enterprise_b", 403), ("portal", 403)] },
    Row { method: "POST", path: "/api/v1/subsidy-programmes/{id}/applications", query: "", object: ProgrammeS,
        why: "enterprises only, for their own engagement: enterprise A (80 employees) for engagement X (once: \
              already_applied after); enterprise B, whose engagement it is not, 404; every other role 403",
        expect: [("anonymous", 401), ("admin", 403), ("regulator_410100", 403), ("regulator_410300", 403),
                 ("regulator_410000", 403), ("insurer_a", 403), ("insurer_b", 403), ("agency_a", 403),
                 ("agency_b", 403), ("enterprise_a", 201), ("enterprise_b", 404), ("portal", 403)] },
    Row { method: "POST", path: "/api/v1/subsidy-programmes/{id}/applications/{application_id}/approval", query: "", object: FreshSubsidyApplication,
        why: "admins and regulators covering 410100 (410300: 404); every other role 403; a pending application for \
              the cell, since a decided one is already_decided",
        expect: [("anonymous", 401), ("admin", 201), ("regulator_410100", 201), ("regulator_410300", 404),
                 ("regulator_410000", 201), ("insurer_a", 403), ("insurer_b", 403), ("agency_a", 403),
                 ("agency_b", 403), ("enterprise_a", 403), ("enterprise_b", 403), ("portal", 403)] },
    Row { method: "POST", path: "/api/v1/subsidy-programmes/{id}/applications/{application_id}/rejection", query: "", object: FreshSubsidyApplication,
        why: "admins and regulators covering 410100 (410300: 404); every other role 403; a pending application for \
              the cell, since a decided one is already_decided",
        expect: [("anonymous", 401), ("admin", 201), ("regulator_410100", 201), ("regulator_410300", 404),
                 ("regulator_410000", 201), ("insurer_a", 403), ("insurer_b", 403), ("agency_a", 403),
                 ("agency_b", 403), ("enterprise_a", 403), ("enterprise_b", 403), ("portal", 403)] },
    Row { method: "POST", path: "/api/v1/supervision/spot-check-draws", query: "", object: Nothing,
        why: "admins (the province) and regulators (their own jurisdiction, so 410300 draws in 410300); every other \
              role 403",
        expect: [("anonymous", 401), ("admin", 201), ("regulator_410100", 201), ("regulator_410300", 201),
                 ("regulator_410000", 201), ("insurer_a", 403), ("insurer_b", 403), ("agency_a", 403),
                 ("agency_b", 403), ("enterprise_a", 403), ("enterprise_b", 403), ("portal", 403)] },
    Row { method: "GET", path: "/api/v1/supervision/spot-check-draws/{id}", query: "", object: DrawD,
        why: "draw D of the 410100 regulator: admins and regulators covering 410100; 404 for 410300; every other \
              role 403",
        expect: [("anonymous", 401), ("admin", 200), ("regulator_410100", 200), ("regulator_410300", 404),
                 ("regulator_410000", 200), ("insurer_a", 403), ("insurer_b", 403), ("agency_a", 403),
                 ("agency_b", 403), ("enterprise_a", 403), ("enterprise_b", 403), ("portal", 403)] },
    Row { method: "POST", path: "/api/v1/supervision/spot-check-draws/{id}/targets/{position}/result", query: "", object: FreshDraw,
        why: "admins and regulators covering the draw's region 410100 (410300: 404); every other role 403; target 0 \
              of a draw of the cell's own, since a second result is result_already_recorded",
        expect: [("anonymous", 401), ("admin", 201), ("regulator_410100", 201), ("regulator_410300", 404),
                 ("regulator_410000", 201), ("insurer_a", 403), ("insurer_b", 403), ("agency_a", 403),
                 ("agency_b", 403), ("enterprise_a", 403), ("enterprise_b", 403), ("portal", 403)] },
    Row { method: "GET", path: "/api/v1/supervision/spot-check-draws/{id}/verification", query: "", object: DrawD,
        why: "the public re-derivation of draw D: no security, organisation ids only",
        expect: [("anonymous", 200), ("admin", 200), ("regulator_410100", 200), ("regulator_410300", 200),
                 ("regulator_410000", 200), ("insurer_a", 200), ("insurer_b", 200), ("agency_a", 200),
                 ("agency_b", 200), ("enterprise_a", 200), ("enterprise_b", 200), ("portal", 200)] },
    Row { method: "POST", path: "/api/v1/training/exam-results", query: "", object: Nothing,
        why: "agencies that are training institutions only: agency B; agency A, a technical service agency, 403 like \
              every other role",
        expect: [("anonymous", 401), ("admin", 403), ("regulator_410100", 403), ("regulator_410300", 403),
                 ("regulator_410000", 403), ("insurer_a", 403), ("insurer_b", 403), ("agency_a", 403),
                 ("agency_b", 201), ("enterprise_a", 403), ("enterprise_b", 403), ("portal", 403)] },
    Row { method: "POST", path: "/api/v1/training/pass-rate-publications", query: "", object: Nothing,
        why: "admins and the provincial regulator only; city regulators 403; a fresh ended half-year per cell",
        expect: [("anonymous", 401), ("admin", 201), ("regulator_410100", 403), ("regulator_410300", 403),
                 ("regulator_410000", 201), ("insurer_a", 403), ("insurer_b", 403), ("agency_a", 403),
                 ("agency_b", 403), ("enterprise_a", 403), ("enterprise_b", 403), ("portal", 403)] },
    Row { method: "GET", path: "/api/v1/training/pass-rates", query: "period=2026H1", object: Nothing,
        why: "admins and regulators, any period",
        expect: [("anonymous", 401), ("admin", 200), ("regulator_410100", 200), ("regulator_410300", 200),
                 ("regulator_410000", 200), ("insurer_a", 403), ("insurer_b", 403), ("agency_a", 403),
                 ("agency_b", 403), ("enterprise_a", 403), ("enterprise_b", 403), ("portal", 403)] },
    Row { method: "GET", path: "/api/v1/webhooks", query: "", object: Nothing,
        why: "every authenticated caller: its own client's subscriptions (an admin every client's)",
        expect: [("anonymous", 401), ("admin", 200), ("regulator_410100", 200), ("regulator_410300", 200),
                 ("regulator_410000", 200), ("insurer_a", 200), ("insurer_b", 200), ("agency_a", 200),
                 ("agency_b", 200), ("enterprise_a", 200), ("enterprise_b", 200), ("portal", 200)] },
    Row { method: "POST", path: "/api/v1/webhooks", query: "", object: Nothing,
        why: "every authenticated caller may subscribe (delivery follows the owner's sight, so it grants nothing the \
              feed would not); to a closed port on 127.0.0.1, which the test settings allow",
        expect: [("anonymous", 401), ("admin", 201), ("regulator_410100", 201), ("regulator_410300", 201),
                 ("regulator_410000", 201), ("insurer_a", 201), ("insurer_b", 201), ("agency_a", 201),
                 ("agency_b", 201), ("enterprise_a", 201), ("enterprise_b", 201), ("portal", 201)] },
    Row { method: "DELETE", path: "/api/v1/webhooks/{id}", query: "", object: FreshWebhook,
        why: "insurer A's client, the owner, and admins; anyone else 404, as if it did not exist; a subscription of the \
              cell's own, since a deleted one is 404",
        expect: [("anonymous", 401), ("admin", 204), ("regulator_410100", 404), ("regulator_410300", 404),
                 ("regulator_410000", 404), ("insurer_a", 204), ("insurer_b", 404), ("agency_a", 404),
                 ("agency_b", 404), ("enterprise_a", 404), ("enterprise_b", 404), ("portal", 404)] },
    Row { method: "GET", path: "/api/v1/webhooks/{id}", query: "", object: WebhookW,
        why: "subscription W: its owner (insurer A's client) and admins; anyone else 404, insurer B included",
        expect: [("anonymous", 401), ("admin", 200), ("regulator_410100", 404), ("regulator_410300", 404),
                 ("regulator_410000", 404), ("insurer_a", 200), ("insurer_b", 404), ("agency_a", 404),
                 ("agency_b", 404), ("enterprise_a", 404), ("enterprise_b", 404), ("portal", 404)] },
    Row { method: "PATCH", path: "/api/v1/webhooks/{id}", query: "", object: WebhookW,
        why: "pausing W under If-Match from the admin's GET: its owner and admins; anyone else 404",
        expect: [("anonymous", 401), ("admin", 200), ("regulator_410100", 404), ("regulator_410300", 404),
                 ("regulator_410000", 404), ("insurer_a", 200), ("insurer_b", 404), ("agency_a", 404),
                 ("agency_b", 404), ("enterprise_a", 404), ("enterprise_b", 404), ("portal", 404)] },
    Row { method: "GET", path: "/api/v1/webhooks/{id}/deliveries", query: "", object: WebhookW,
        why: "W's delivery log: its owner and admins; anyone else 404",
        expect: [("anonymous", 401), ("admin", 200), ("regulator_410100", 404), ("regulator_410300", 404),
                 ("regulator_410000", 404), ("insurer_a", 200), ("insurer_b", 404), ("agency_a", 404),
                 ("agency_b", 404), ("enterprise_a", 404), ("enterprise_b", 404), ("portal", 404)] },
    Row { method: "POST", path: "/api/v1/webhooks/{id}/deliveries/{delivery_id}/redelivery", query: "", object: FreshDeadLetter,
        why: "queues a dead letter made for the cell (one failed attempt by the delivery worker): the subscription's \
              owner and admins 202; anyone else 404 before the delivery is looked at",
        expect: [("anonymous", 401), ("admin", 202), ("regulator_410100", 404), ("regulator_410300", 404),
                 ("regulator_410000", 404), ("insurer_a", 202), ("insurer_b", 404), ("agency_a", 404),
                 ("agency_b", 404), ("enterprise_a", 404), ("enterprise_b", 404), ("portal", 404)] },
    Row { method: "GET", path: "/health/live", query: "", object: Nothing,
        why: "probe, no security",
        expect: [("anonymous", 200), ("admin", 200), ("regulator_410100", 200), ("regulator_410300", 200),
                 ("regulator_410000", 200), ("insurer_a", 200), ("insurer_b", 200), ("agency_a", 200),
                 ("agency_b", 200), ("enterprise_a", 200), ("enterprise_b", 200), ("portal", 200)] },
    Row { method: "GET", path: "/health/ready", query: "", object: Nothing,
        why: "probe, no security",
        expect: [("anonymous", 200), ("admin", 200), ("regulator_410100", 200), ("regulator_410300", 200),
                 ("regulator_410000", 200), ("insurer_a", 200), ("insurer_b", 200), ("agency_a", 200),
                 ("agency_b", 200), ("enterprise_a", 200), ("enterprise_b", 200), ("portal", 200)] },
];

const METHODS: [&str; 7] = ["get", "put", "post", "delete", "options", "head", "patch"];

/// `(METHOD, path template)` of every operation of the generated contract.
fn documented_operations() -> BTreeSet<(String, String)> {
    let document = serde_json::to_value(api::openapi::document()).expect("document as JSON");
    let paths = document["paths"].as_object().expect("paths");
    let mut operations = BTreeSet::new();
    for (path, item) in paths {
        for method in item.as_object().expect("path item").keys() {
            if METHODS.contains(&method.as_str()) {
                operations.insert((method.to_uppercase(), path.clone()));
            }
        }
    }
    operations
}

/// The values the contract allows for the path parameter `name` of
/// `METHOD path` (its schema's `enum`), if it lists any.
fn documented_enum(method: &str, path: &str, name: &str) -> Vec<String> {
    let document = serde_json::to_value(api::openapi::document()).expect("document as JSON");
    let parameters = &document["paths"][path][method.to_lowercase()]["parameters"];
    let parameter = parameters.as_array().and_then(|ps| ps.iter().find(|p| p["name"] == name && p["in"] == "path"));
    parameter
        .and_then(|p| p["schema"]["enum"].as_array())
        .map(|values| values.iter().filter_map(Value::as_str).map(str::to_owned).collect())
        .unwrap_or_default()
}

/// What is wrong with the table itself: operations without a row, rows
/// without an operation, duplicate rows (one operation may have several
/// rows that differ in their query or object, for example one per export
/// resource), export resources of the contract without a row, and cells out
/// of column order.
fn table_problems() -> Vec<String> {
    let documented = documented_operations();
    let mut problems = Vec::new();
    let mut seen = BTreeSet::new();
    let mut variants = BTreeSet::new();
    let mut resources = BTreeSet::new();
    for row in TABLE {
        let key = (row.method.to_owned(), row.path.to_owned());
        seen.insert(key.clone());
        if !variants.insert((row.method, row.path, row.query, format!("{:?}", row.object))) {
            problems.push(format!(
                "{} {}: more than one row with query {:?} and object {:?}",
                row.method, row.path, row.query, row.object
            ));
        }
        if let Resource(resource) = row.object {
            resources.insert((row.method, row.path, resource));
        } else if row.path.contains("{resource}") {
            problems.push(format!("{} {}: a row whose object is no Resource", row.method, row.path));
        }
        if !documented.contains(&key) {
            problems.push(format!("{} {}: row for an operation the contract no longer has", row.method, row.path));
        }
        for (column, ((role, _), expected)) in row.expect.iter().zip(ROLES).enumerate() {
            if role != &expected {
                problems.push(format!("{} {}: cell {column} is {role:?}, expected {expected:?}", row.method, row.path));
            }
        }
    }
    for (method, path) in documented.difference(&seen) {
        problems.push(format!("{method} {path}: documented operation without a row in the table"));
    }
    for (method, path) in documented.iter().filter(|(_, path)| path.contains("{resource}")) {
        let values = documented_enum(method, path, "resource");
        if values.is_empty() {
            problems.push(format!("{method} {path}: the contract lists no values for {{resource}}"));
        }
        for value in values {
            if !resources.iter().any(|&(m, p, r)| m == method && p == path && r == value) {
                problems.push(format!("{method} {path}: resource {value:?} without a row in the table"));
            }
        }
    }
    problems
}

#[test]
fn the_table_has_a_row_for_every_documented_operation_and_no_duplicate() {
    let problems = table_problems();
    assert!(problems.is_empty(), "the authorisation table is out of step with the contract:\n{}", problems.join("\n"));
}

/// A registered fixture organisation.
struct Org {
    id: String,
    credit_code: String,
    region: &'static str,
    phone: &'static str,
}

/// Registers an organisation of `kind` as admin.
async fn register(app: &TestApp, seed: u32, kind: &str, region: &'static str, phone: &'static str) -> Org {
    let mut body = json!({
        "credit_code": credit_code(seed),
        "name": format!("矩阵测试机构{seed}"),
        "kind": kind,
        "region_code": region,
        "contact_phone": phone,
        "legal_representative": "张三",
    });
    let qualification =
        json!({"number": format!("APJ-(豫)-{seed:03}"), "valid_from": "2024-01-01", "valid_until": "2028-12-31"});
    match kind {
        "enterprise" => {
            body["sector"] = json!("mining");
            // Small enough for subsidy programme S (at most 100).
            body["employee_count"] = json!(80);
        }
        "technical_service_agency" => {
            body["service_types"] = json!(["safety_assessment"]);
            body["qualification"] = qualification;
        }
        "training_institution" => {
            body["service_types"] = json!(["training"]);
            body["qualification"] = qualification;
        }
        _ => {}
    }
    let created = app.organization(body).await;
    Org { id: id_of(&created), credit_code: credit_code(seed), region, phone }
}

/// A valid resident identity number (GB 11643-1999) for `seed`, distinct per
/// seed: a Zhengzhou address code, a birth date from 1970 on and a sequence
/// number from the seed, and the check character.
fn resident_id(seed: u32) -> String {
    let birth = chrono::NaiveDate::from_ymd_opt(1970, 1, 1).expect("date") + chrono::Days::new(u64::from(seed % 5_000));
    let first17 = format!("410102{}{:03}", birth.format("%Y%m%d"), seed / 5_000 % 1_000);
    let check = domain::resident_id::check_character(&first17).expect("17 digits");
    format!("{first17}{check}")
}

/// A person named in a write: identity number and name.
fn person(seed: u32) -> Value {
    json!({"resident_id": resident_id(seed), "name": format!("矩阵持证人{seed}")})
}

/// Seeds (+ the cell's counter) of the persons the rows' bodies name: apart
/// from P's and from [`FRESH_HOLDER`].
const BODY_PERSON: u32 = 10_000;
/// Seeds (+ the cell's counter) of the holders of fresh certificates.
const FRESH_HOLDER: u32 = 20_000;

const POLICY_A: &str = "MATRIX-PA-1";
/// Person P: seed of the identity number, and name.
const P_SEED: u32 = 1;
const P_NAME: &str = "王建国";
/// The category P passed at agency B (C is electrical).
const P_EXAM_CATEGORY: &str = "welding_cutting";
/// The contact every fixture complaint gives: personal data, unlike any fixture organisation's phone.
const COMPLAINANT_PHONE: &str = "13900000077";
/// The year of agency A's published annual report (2025 stays a draft).
const PUBLISHED_YEAR: i32 = 2024;
/// The year of the holiday rows: one no other test and no seed uses.
const HOLIDAY_YEAR: i32 = 2030;
/// The secret of every fixture subscription (32 visible ASCII characters, the least allowed).
const WEBHOOK_SECRET: &str = "matrix-webhook-secret-0123456789";
const WEBHOOKS: &str = "/api/v1/webhooks";

/// Person P and what names P.
struct PersonFixtures {
    id: String,
    resident_id: String,
    certificate_c: String,
    engineer_e: String,
}

/// The fixtures and a credential for every role but `anonymous`.
struct World {
    enterprise_a: Org,
    enterprise_b: Org,
    insurer_a: Org,
    insurer_b: Org,
    agency_a: Org,
    agency_b: Org,
    policy_a: String,
    p: PersonFixtures,
    sanction_s: String,
    ban_i: String,
    complaint_k: Filed,
    draw_d: String,
    provider_c: Org,
    /// Provider C's agency client (no column of its own).
    provider_c_token: String,
    demand_m: String,
    engagement_x: String,
    project_q: String,
    evaluated_project: String,
    programme_s: String,
    /// A URL on 127.0.0.1 where nothing listens: every delivery to it fails at once.
    closed_url: String,
    /// Subscription W of insurer A's client.
    webhook_w: String,
    /// The position of policy A's `policy_created` event.
    policy_a_event: i64,
    /// The platform's delivery worker on this app's database, one attempt per
    /// event: driven by [`World::dead_letter`], never running on its own.
    worker: Worker,
    /// By column of [`ROLES`]; `None` for `anonymous`.
    callers: Vec<Option<Client>>,
}

/// `POST path` as `token` for a fixture; panics unless it answers 201.
async fn setup_post(app: &TestApp, token: &str, what: &str, path: &str, key: Option<&str>, body: &Value) -> Value {
    let (status, answer) = status_json(post(app, token, path, key, body).await).await;
    assert_eq!(status, StatusCode::CREATED, "{what} fixture: {answer}");
    answer
}

impl World {
    async fn build(app: &TestApp) -> World {
        let enterprise_a = register(app, 1, "enterprise", "410100", "13812345678").await;
        let enterprise_b = register(app, 2, "enterprise", "410300", "13700000002").await;
        let insurer_a = register(app, 3, "insurer", "410100", "13700000003").await;
        let insurer_b = register(app, 4, "insurer", "410100", "13700000004").await;
        let agency_a = register(app, 5, "technical_service_agency", "410100", "13700000005").await;
        let agency_b = register(app, 6, "training_institution", "410100", "13700000006").await;
        let provider_c = register(app, 7, "technical_service_agency", "410100", "13700000007").await;
        let provider_c_token = app.client("agency", Some(&provider_c.id), None).await.token;

        let mut callers = Vec::with_capacity(ROLES.len());
        for role in ROLES {
            let client = match role {
                "anonymous" => None,
                "admin" => Some(app.client("admin", None, None).await),
                "regulator_410100" => Some(app.regulator("410100").await),
                "regulator_410300" => Some(app.regulator("410300").await),
                "regulator_410000" => Some(app.regulator("410000").await),
                "insurer_a" => Some(app.client("insurer", Some(&insurer_a.id), None).await),
                "insurer_b" => Some(app.client("insurer", Some(&insurer_b.id), None).await),
                "agency_a" => Some(app.client("agency", Some(&agency_a.id), None).await),
                "agency_b" => Some(app.client("agency", Some(&agency_b.id), None).await),
                "enterprise_a" => Some(app.client("enterprise", Some(&enterprise_a.id), None).await),
                "enterprise_b" => Some(app.client("enterprise", Some(&enterprise_b.id), None).await),
                "portal" => Some(app.client("portal", None, None).await),
                other => panic!("no credential for role {other}"),
            };
            callers.push(client);
        }
        let token = |role: &str| -> String {
            let column = ROLES.iter().position(|r| *r == role).expect("role");
            callers[column].as_ref().expect("credential").token.clone()
        };

        // Policy A, premiums on it (insurer A's 2025 fund) and an accident of enterprise A.
        let written =
            write_policy(app, &token("insurer_a"), &policy(POLICY_A, &enterprise_a.id, "2025-01-01", "2026-12-31"))
                .await;
        let policy_a = written["id"].as_str().expect("policy id").to_owned();
        let premiums = batch(vec![
            item(POLICY_A, "2025-03-15T10:00:00+08:00", 600_000, "MATRIX-SETUP-1"),
            item(POLICY_A, "2025-07-05T10:00:00+08:00", 400_000, "MATRIX-SETUP-2"),
        ]);
        store_premiums(app, &token("insurer_a"), "matrix-setup", &premiums).await;
        let accident = accident(&enterprise_a.id);
        let (status, recorded) =
            status_json(post(app, &token("regulator_410100"), "/api/v1/accidents", None, &accident).await).await;
        assert_eq!(status, StatusCode::CREATED, "accident fixture: {recorded}");

        // Person P: employed by enterprise A, certificate C, an exam passed at
        // agency B before 2026H1 is published, and engineer registration E.
        let p_person = json!({"resident_id": resident_id(P_SEED), "name": P_NAME});
        let employed = setup_post(
            app,
            app.admin_token(),
            "employment of P",
            &format!("/api/v1/organizations/{}/employments", enterprise_a.id),
            None,
            &json!({"person": p_person, "position": "电工", "safety_head": false, "from": "2020-01-01", "to": null}),
        )
        .await;
        let p_id = employed["person"]["id"].as_str().expect("person id").to_owned();
        let certificate = setup_post(
            app,
            &token("regulator_410100"),
            "certificate C",
            "/api/v1/certificates",
            None,
            &certificate_body(&p_person, "electrical", "2024-01-10"),
        )
        .await;
        let exam = json!({"items": [{
            "candidate": p_person,
            "category": P_EXAM_CATEGORY,
            "exam_on": "2026-03-15",
            "theory_score": 92,
            "practical_score": 88,
        }]});
        let receipt = setup_post(
            app,
            &token("agency_b"),
            "exam pass of P",
            "/api/v1/training/exam-results",
            Some("matrix-exam"),
            &exam,
        )
        .await;
        assert_eq!(receipt["passed"], 1, "P's exam must be a pass: {receipt}");
        setup_post(
            app,
            &token("regulator_410000"),
            "publication of 2026H1",
            "/api/v1/training/pass-rate-publications",
            None,
            &json!({"period": "2026H1"}),
        )
        .await;
        let engineer = setup_post(
            app,
            &token("regulator_410100"),
            "engineer E",
            "/api/v1/engineers",
            None,
            &engineer_body(&p_person, "MATRIX-E-P", &enterprise_a.id),
        )
        .await;
        let p = PersonFixtures {
            id: p_id,
            resident_id: resident_id(P_SEED),
            certificate_c: id_of(&certificate),
            engineer_e: id_of(&engineer),
        };

        // Agency A under supervision: listing L with agency A's pending
        // application for early removal (so that its record carries a reason),
        // rectification order S, industry ban I and complaint K; and draw D.
        let regulator = token("regulator_410100");
        let listing_l = listing(app, &regulator, &agency_a.id, 0).await.expect("listing L fixture");
        removal_application(app, &token("agency_a"), &listing_l).await.expect("application on L fixture");
        let sanction_s = rectification_order(app, &regulator, &agency_a.id, 0).await.expect("sanction S fixture");
        let ban_i =
            fixture_post(app, Some(&regulator), "/api/v1/bans", &industry_ban(&agency_a.id, 0), StatusCode::CREATED)
                .await
                .and_then(|ban| string_at(&ban, "/id"))
                .expect("ban I fixture");
        let complaint_k = file_complaint(app, &agency_a.credit_code, 0).await.expect("complaint K fixture");
        let draw_d = spot_check_draw(app, &regulator, 0).await.expect("draw D fixture");

        // The marketplace: demand M, engagement X, agency A's published 2024
        // report, project Q and an evaluated project, programme S.
        let demand_m = demand(app, &token("enterprise_a"), "training", 0).await.expect("demand M fixture");
        let engagement_x = engagement(app, &enterprise_a.id, &agency_a.id, "2026-03-01", "2026-12-31")
            .await
            .expect("engagement X fixture");
        let publication = format!("/api/v1/organizations/{}/annual-reports/{PUBLISHED_YEAR}/publication", agency_a.id);
        fixture_post(app, Some(app.admin_token()), &publication, &json!({}), StatusCode::CREATED)
            .await
            .expect("published report fixture");
        let q = project_body(&agency_b.id, &provider_c.id, &[&enterprise_a.id, &agency_a.id]);
        let project_q = fixture_post(app, Some(&regulator), PROJECTS, &q, StatusCode::CREATED)
            .await
            .and_then(|project| string_at(&project, "/id"))
            .expect("project Q fixture");
        let evaluated = project_body(&provider_c.id, &agency_b.id, &[&enterprise_a.id]);
        let evaluated_project = fixture_post(app, Some(&regulator), PROJECTS, &evaluated, StatusCode::CREATED)
            .await
            .and_then(|project| string_at(&project, "/id"))
            .expect("evaluated project fixture");
        let path = format!("{PROJECTS}/{evaluated_project}/evaluations");
        for (evaluator, party) in
            [("regulator_410100", "purchaser"), ("enterprise_a", "recipient"), ("agency_b", "third_party")]
        {
            fixture_post(app, Some(&token(evaluator)), &path, &project_evaluation(party), StatusCode::CREATED)
                .await
                .expect("evaluation of the evaluated project");
        }
        let programme_s = fixture_post(app, Some(&regulator), PROGRAMMES, &programme_body(0), StatusCode::CREATED)
            .await
            .and_then(|programme| string_at(&programme, "/id"))
            .expect("programme S fixture");

        // Webhooks: subscription W of insurer A's client, policy A's event
        // (its client's first `policy_created`) and a worker for dead letters.
        let closed_url = closed_url();
        let webhook_w = fixture_post(
            app,
            Some(&token("insurer_a")),
            WEBHOOKS,
            &webhook_body(&closed_url, None),
            StatusCode::CREATED,
        )
        .await
        .and_then(|subscription| string_at(&subscription, "/id"))
        .expect("webhook W fixture");
        let (status, feed) = get_json(app, &token("insurer_a"), "/api/v1/events?types=policy_created&limit=1").await;
        assert_eq!(status, StatusCode::OK, "insurer A's policy_created events: {feed}");
        let policy_a_event = feed["items"][0]["position"].as_i64().expect("policy A's policy_created event");
        assert_eq!(
            feed["items"][0]["resource"]["id"],
            json!(policy_a),
            "the first policy_created is policy A's: {feed}"
        );
        let worker = dead_letter_worker(app);

        World {
            enterprise_a,
            enterprise_b,
            insurer_a,
            insurer_b,
            agency_a,
            agency_b,
            policy_a,
            p,
            sanction_s,
            ban_i,
            complaint_k,
            draw_d,
            provider_c,
            provider_c_token,
            demand_m,
            engagement_x,
            project_q,
            evaluated_project,
            programme_s,
            closed_url,
            webhook_w,
            policy_a_event,
            worker,
            callers,
        }
    }

    fn orgs(&self) -> [&Org; 7] {
        [
            &self.enterprise_a,
            &self.enterprise_b,
            &self.insurer_a,
            &self.insurer_b,
            &self.agency_a,
            &self.agency_b,
            &self.provider_c,
        ]
    }

    /// The organisation a tenant role acts for.
    fn own_org(&self, role: &str) -> Option<&Org> {
        match role {
            "insurer_a" => Some(&self.insurer_a),
            "insurer_b" => Some(&self.insurer_b),
            "agency_a" => Some(&self.agency_a),
            "agency_b" => Some(&self.agency_b),
            "enterprise_a" => Some(&self.enterprise_a),
            "enterprise_b" => Some(&self.enterprise_b),
            _ => None,
        }
    }

    /// Whether `role` may see `org`'s phone whole: the organisation itself,
    /// admins, regulators of its jurisdiction (every fixture lies in 410100
    /// or 410300 itself, none in a district).
    fn may_see_phone(&self, role: &str, org: &Org) -> bool {
        match role {
            "admin" | "regulator_410000" => true,
            "regulator_410100" => org.region == "410100",
            "regulator_410300" => org.region == "410300",
            _ => self.own_org(role).is_some_and(|own| own.id == org.id),
        }
    }

    /// Whether `role` may see P's identity number whole (`api::people::person_sight`):
    /// admins, regulators whose jurisdiction covers P (P works for enterprise A in
    /// 410100 and holds certificates issued there: not 410300), and P's current employer.
    fn may_see_p(&self, role: &str) -> bool {
        matches!(role, "admin" | "regulator_410100" | "regulator_410000")
            || self.own_org(role).is_some_and(|own| own.id == self.enterprise_a.id)
    }

    /// Whether `role` may see the complainant's contact: admins and the
    /// regulators of the subject's jurisdiction (every fixture complaint is
    /// about agency A, in 410100) — not even agency A itself.
    fn may_see_complainant(role: &str) -> bool {
        matches!(role, "admin" | "regulator_410100" | "regulator_410000")
    }

    /// The credential of `role`.
    fn token(&self, role: &str) -> &str {
        let column = ROLES.iter().position(|r| *r == role).expect("role");
        &self.callers[column].as_ref().expect("credential").token
    }

    /// The organisation a row's object is, for `{credit_code}`.
    fn object_org(&self, object: Object) -> Option<&Org> {
        match object {
            EnterpriseA => Some(&self.enterprise_a),
            InsurerA => Some(&self.insurer_a),
            AgencyA => Some(&self.agency_a),
            _ => None,
        }
    }

    fn object_id(&self, object: Object) -> Option<&str> {
        match object {
            Nothing
            | FreshCertificate
            | FreshListing
            | FreshApplication
            | ApprovedApplication
            | FreshRectificationOrder
            | FreshComplaint
            | FreshDraw
            | FreshDemand
            | FreshBid
            | FreshSignedEngagement
            | FreshStartedEngagement
            | FreshDeliveredEngagement
            | FreshAcceptedEngagement
            | FreshFlaggedEngagement
            | FreshReportYear
            | FreshProject
            | FreshSubsidyApplication
            | FreshWebhook
            | FreshDeadLetter
            | Resource(_) => None,
            EnterpriseA => Some(&self.enterprise_a.id),
            InsurerA => Some(&self.insurer_a.id),
            AgencyA => Some(&self.agency_a.id),
            PolicyA | PolicyACsv => Some(&self.policy_a),
            WebhookW => Some(&self.webhook_w),
            PersonP => Some(&self.p.id),
            CertificateC => Some(&self.p.certificate_c),
            EngineerE => Some(&self.p.engineer_e),
            SanctionS => Some(&self.sanction_s),
            BanI => Some(&self.ban_i),
            ComplaintK => Some(&self.complaint_k.id),
            DrawD => Some(&self.draw_d),
            DemandM => Some(&self.demand_m),
            EngagementX => Some(&self.engagement_x),
            ProjectQ => Some(&self.project_q),
            EvaluatedProject => Some(&self.evaluated_project),
            ProgrammeS => Some(&self.programme_s),
        }
    }

    /// The concrete path of a row: the row's object (or `fresh`, the cell's
    /// own fixture) for `{id}` and `{insurer_id}`, the cell's own second
    /// object for `{application_id}` and `{delivery_id}`, the export's
    /// resource for `{resource}`, the object's credit code for
    /// `{credit_code}`, K's tracking code for `{tracking_code}`, for `{year}`
    /// the cell's own year, else [`HOLIDAY_YEAR`] for the holidays,
    /// [`PUBLISHED_YEAR`] for a public annual report and 2025 for the rest,
    /// the first target (0) for `{position}`; in the query, insurer A's id
    /// for `{insurer_a}`, and C's number and P's name for `{number}` and
    /// `{holder}`.
    fn path(&self, row: &Row, fresh: Option<&Made>) -> Result<String, String> {
        let mut path = row.path.to_owned();
        if let Some(id) = fresh.map(|made| made.id.as_str()).or(self.object_id(row.object)) {
            path = path.replace("{id}", id).replace("{insurer_id}", id);
        }
        if let Some(second) = fresh.and_then(|made| made.second.as_deref()) {
            path = path.replace("{application_id}", second).replace("{delivery_id}", second);
        }
        if let Resource(resource) = row.object {
            path = path.replace("{resource}", resource);
        }
        let year = match fresh.and_then(|made| made.year) {
            Some(year) => year,
            None if row.path.starts_with("/api/v1/reference/holidays") => HOLIDAY_YEAR,
            None if row.path.starts_with("/api/v1/public/organizations/") => PUBLISHED_YEAR,
            None => 2025,
        };
        if let Some(org) = self.object_org(row.object) {
            path = path.replace("{credit_code}", &org.credit_code);
        }
        if row.object == ComplaintK {
            path = path.replace("{tracking_code}", &self.complaint_k.tracking_code);
        }
        path = path.replace("{year}", &year.to_string()).replace("{position}", "0");
        let mut query = row.query.replace("{insurer_a}", &self.insurer_a.id);
        if row.object == CertificateC {
            query = query
                .replace("{number}", &format!("T{}", self.p.resident_id))
                .replace("{holder}", &percent_encoded(P_NAME));
        }
        if path.contains('{') || query.contains('{') {
            return Err(format!("parameters left unfilled for object {:?}: {path}?{query}", row.object));
        }
        if !query.is_empty() {
            path = format!("{path}?{query}");
        }
        Ok(path)
    }

    /// The fixture a row whose object is made for each cell names, made for
    /// cell `n` in `column` just before its request (by the 410100 regulator
    /// unless said otherwise); `None` for the other rows.
    async fn fresh(&self, app: &TestApp, object: Object, column: usize, n: u32) -> Result<Option<Made>, String> {
        let regulator = self.token("regulator_410100");
        let admin = app.admin_token();
        let (enterprise, agency) = (&self.enterprise_a.id, &self.agency_a.id);
        let made = |id: String| Made { id, second: None, year: None };
        let id = match object {
            FreshCertificate => self.fresh_certificate(app, n).await?,
            FreshListing => listing(app, regulator, &self.agency_a.id, n).await?,
            FreshApplication | ApprovedApplication => {
                let listing = listing(app, regulator, &self.agency_a.id, n).await?;
                let application = removal_application(app, self.token("agency_a"), &listing).await?;
                if object == ApprovedApplication {
                    approve(app, regulator, &application).await?;
                }
                application
            }
            FreshRectificationOrder => rectification_order(app, regulator, &self.agency_a.id, n).await?,
            FreshComplaint => file_complaint(app, &self.agency_a.credit_code, n).await?.id,
            FreshDraw => spot_check_draw(app, regulator, n).await?,
            FreshDemand => demand(app, self.token("enterprise_a"), "consulting", n).await?,
            FreshBid => {
                let demand = demand(app, self.token("enterprise_a"), "safety_assessment", n).await?;
                let path = format!("{DEMANDS}/{demand}/bids");
                let bid = fixture_post(app, Some(&self.provider_c_token), &path, &bid_body(n), StatusCode::CREATED)
                    .await
                    .and_then(|bid| string_at(&bid, "/id"))?;
                return Ok(Some(Made { id: demand, second: Some(bid), year: None }));
            }
            FreshSignedEngagement | FreshStartedEngagement | FreshDeliveredEngagement | FreshAcceptedEngagement => {
                let id = engagement(app, enterprise, agency, "2026-03-01", "2026-12-31").await?;
                let steps = match object {
                    FreshSignedEngagement => 0,
                    FreshStartedEngagement => 1,
                    FreshDeliveredEngagement => 2,
                    _ => 3,
                };
                let transitions = [("start", started()), ("delivery", delivered()), ("acceptance", accepted())];
                for (verb, body) in transitions.into_iter().take(steps) {
                    let path = format!("{ENGAGEMENTS}/{id}/{verb}");
                    fixture_post(app, Some(admin), &path, &body, StatusCode::OK).await?;
                }
                id
            }
            FreshFlaggedEngagement => {
                let id = engagement(app, enterprise, agency, "2026-01-05", "2026-02-01").await?;
                let path = format!("{ENGAGEMENTS}/{id}/payments");
                let body = json!({"amount_fen": 100_000, "paid_on": "2026-01-10"});
                let (status, paid) =
                    status_json(post(app, admin, &path, Some(&format!("matrix-flag-{n}")), &body).await).await;
                if status != StatusCode::CREATED {
                    return Err(format!("fixture payment: {status} {paid}"));
                }
                id
            }
            FreshReportYear => {
                // Distinct for the two publishing columns (admin, agency A), never 2024 or 2025.
                let year = 2017 + i32::try_from(column % 7).map_err(|e| e.to_string())?;
                return Ok(Some(Made { id: agency.clone(), second: None, year: Some(year) }));
            }
            FreshProject => {
                let body = project_body(&self.agency_b.id, &self.provider_c.id, &[enterprise, agency]);
                fixture_post(app, Some(regulator), PROJECTS, &body, StatusCode::CREATED)
                    .await
                    .and_then(|project| string_at(&project, "/id"))?
            }
            FreshSubsidyApplication => {
                let engagement = engagement(app, enterprise, agency, "2026-03-01", "2026-12-31").await?;
                let path = format!("{PROGRAMMES}/{}/applications", self.programme_s);
                let body = json!({"engagement_id": engagement});
                let application =
                    fixture_post(app, Some(self.token("enterprise_a")), &path, &body, StatusCode::CREATED)
                        .await
                        .and_then(|application| string_at(&application, "/id"))?;
                return Ok(Some(Made { id: self.programme_s.clone(), second: Some(application), year: None }));
            }
            FreshWebhook => {
                let body = webhook_body(&self.closed_url, None);
                fixture_post(app, Some(self.token("insurer_a")), WEBHOOKS, &body, StatusCode::CREATED)
                    .await
                    .and_then(|subscription| string_at(&subscription, "/id"))?
            }
            FreshDeadLetter => {
                let (subscription, delivery) = self.dead_letter(app).await?;
                return Ok(Some(Made { id: subscription, second: Some(delivery), year: None }));
            }
            Nothing | EnterpriseA | InsurerA | AgencyA | PolicyA | PolicyACsv | PersonP | CertificateC | EngineerE
            | SanctionS | BanI | ComplaintK | DrawD | DemandM | EngagementX | ProjectQ | EvaluatedProject
            | ProgrammeS | Resource(_) | WebhookW => return Ok(None),
        };
        Ok(Some(made(id)))
    }

    /// A dead letter of a fresh subscription of insurer A's client: the
    /// subscription starts just before policy A's `policy_created` event and
    /// the delivery worker (one attempt allowed) polls until that event's one
    /// attempt at the closed port has failed. Its other due subscriptions
    /// (every one points at the closed port) are served on the way, as a
    /// running worker would. The subscription's id and the dead letter's.
    async fn dead_letter(&self, app: &TestApp) -> Result<(String, String), String> {
        let body = webhook_body(&self.closed_url, Some(self.policy_a_event - 1));
        let subscription = fixture_post(app, Some(self.token("insurer_a")), WEBHOOKS, &body, StatusCode::CREATED)
            .await
            .and_then(|subscription| string_at(&subscription, "/id"))?;
        let log = format!("{WEBHOOKS}/{subscription}/deliveries?status=dead");
        for _ in 0..50 {
            self.worker.cycle().await.map_err(|e| format!("delivery worker: {e}"))?;
            let (status, page) = get_json(app, app.admin_token(), &log).await;
            if status != StatusCode::OK {
                return Err(format!("dead letters of {subscription}: {status} {page}"));
            }
            let items = page["items"].as_array().cloned().unwrap_or_default();
            if let Some(dead) = items.iter().find(|d| d["event_position"].as_i64() == Some(self.policy_a_event)) {
                return Ok((subscription, string_at(dead, "/id")?));
            }
            tokio::time::sleep(std::time::Duration::from_millis(20)).await;
        }
        Err(format!("no dead letter for policy A's event on {subscription} after 50 polls"))
    }

    /// A certificate issued in 410100 by its regulator to a fresh holder on
    /// 2023-03-01, for one cell's write; its id.
    async fn fresh_certificate(&self, app: &TestApp, n: u32) -> Result<String, String> {
        let token = self.token("regulator_410100");
        let body = certificate_body(&person(FRESH_HOLDER + n), "electrical", "2023-03-01");
        let (status, issued) = status_json(post(app, token, "/api/v1/certificates", None, &body).await).await;
        if status != StatusCode::CREATED {
            return Err(format!("fresh certificate not issued: {status} {issued}"));
        }
        issued["id"].as_str().map(str::to_owned).ok_or_else(|| format!("fresh certificate without id: {issued}"))
    }

    /// A body valid for the operation (for a role allowed to call it); `n`
    /// makes credit codes, numbers, persons and references fresh.
    fn body(&self, row: &Row, column: usize, n: u32, fresh: Option<&Made>) -> Result<Option<Body>, String> {
        if row.method == "GET" || row.method == "DELETE" {
            return Ok(None);
        }
        if row.object == PolicyACsv {
            return Ok(Some(Body::Csv(format!(
                "policy_number,received_at,amount_fen,external_ref\r\n{POLICY_A},2025-05-02T10:00:00+08:00,100,MATRIX-CSV-{n}\r\n"
            ))));
        }
        let body = match (row.method, row.path) {
            ("POST", "/api/v1/engagements") => {
                engagement_body(&self.enterprise_a.id, &self.agency_a.id, 100_000, "2026-03-01", "2026-12-31")
            }
            ("POST", "/api/v1/engagements/{id}/start") => started(),
            ("POST", "/api/v1/engagements/{id}/delivery") => delivered(),
            ("POST", "/api/v1/engagements/{id}/acceptance") => accepted(),
            ("POST", "/api/v1/engagements/{id}/dispute") => {
                json!({"disputed_on": "2026-03-25", "reason": format!("矩阵测试争议{n}：报告内容与合同约定不符")})
            }
            ("POST", "/api/v1/engagements/{id}/payments") => json!({"amount_fen": 1, "paid_on": "2026-03-05"}),
            ("POST", "/api/v1/engagements/{id}/evaluation") => {
                json!({"rating": 5, "comment": format!("矩阵测试评价{n}"), "evaluated_on": "2026-03-26"})
            }
            ("POST", "/api/v1/engagements/{id}/charging-without-service") => {
                json!({"decided_on": "2026-06-01", "note": format!("矩阵测试{n}：已收取费用，逾期未提供服务")})
            }
            ("POST", "/api/v1/marketplace/demands") => demand_body(Some(&self.enterprise_a.id), "consulting", n)?,
            ("POST", "/api/v1/marketplace/demands/{id}/withdrawal") => json!({}),
            ("POST", "/api/v1/marketplace/demands/{id}/bids") => bid_body(n),
            ("POST", "/api/v1/marketplace/demands/{id}/award") => {
                let bid = fresh.and_then(|made| made.second.as_deref()).ok_or("an award without a fresh bid")?;
                json!({"bid_id": bid})
            }
            ("PUT", "/api/v1/organizations/{id}/annual-reports/{year}") => {
                json!({"narrative": format!("矩阵测试年度报告说明{n}：全年依法依规开展技术服务。")})
            }
            ("POST", "/api/v1/organizations/{id}/annual-reports/{year}/publication") => json!({}),
            ("POST", "/api/v1/procurement/projects") => {
                project_body(&self.agency_b.id, &self.provider_c.id, &[&self.enterprise_a.id, &self.agency_a.id])
            }
            ("POST", "/api/v1/procurement/projects/{id}/evaluations") => {
                // The party each caller may be: recipients enterprise A and agency A, the
                // third party for agency B (the provider: self_evaluation), else the purchaser.
                project_evaluation(match ROLES[column] {
                    "agency_a" | "enterprise_a" | "enterprise_b" => "recipient",
                    "agency_b" => "third_party",
                    _ => "purchaser",
                })
            }
            ("PUT", "/api/v1/reference/holidays/{year}") => {
                json!({"days": [{"day": format!("{HOLIDAY_YEAR}-01-01"), "kind": "holiday", "name": "元旦"}]})
            }
            ("POST", "/api/v1/subsidy-programmes") => programme_body(n),
            ("POST", "/api/v1/subsidy-programmes/{id}/applications") => json!({"engagement_id": self.engagement_x}),
            ("POST", "/api/v1/subsidy-programmes/{id}/applications/{application_id}/approval") => {
                json!({"note": format!("矩阵测试批准{n}")})
            }
            ("POST", "/api/v1/subsidy-programmes/{id}/applications/{application_id}/rejection") => {
                json!({"note": format!("矩阵测试不予补贴{n}")})
            }
            ("POST", "/api/v1/accidents") => accident(&self.enterprise_a.id),
            ("POST", "/api/v1/bans") => industry_ban(&self.agency_a.id, n),
            ("POST", "/api/v1/blacklist/removal-applications/{id}/decision") => json!({"decision": "approved"}),
            ("POST", "/api/v1/blacklist/removal-applications/{id}/revocation") => json!({}),
            ("POST", "/api/v1/blacklist/{id}/removal-applications") => removal_reason(),
            ("POST", "/api/v1/auth/token") => {
                // Anonymous exchanges the portal's credentials, without a bearer.
                let portal = ROLES.len() - 1;
                let client = self.callers[column].as_ref().or(self.callers[portal].as_ref()).expect("portal");
                json!({"grant_type": "client_credentials", "client_id": client.id, "client_secret": client.secret})
            }
            ("POST", "/api/v1/certificates") => {
                if ROLES[column].starts_with("agency") {
                    // What a training institution issues: P, in the category P passed at agency B.
                    let p = json!({"resident_id": self.p.resident_id, "name": P_NAME});
                    certificate_body(&p, P_EXAM_CATEGORY, "2026-04-01")
                } else {
                    certificate_body(&person(BODY_PERSON + n), "electrical", "2024-06-01")
                }
            }
            ("POST", "/api/v1/certificates/{id}/reviews") => {
                json!({"applied_on": "2026-02-01", "outcome": "passed", "failures": []})
            }
            ("POST", "/api/v1/certificates/{id}/revocation") => {
                json!({"reason": format!("矩阵测试吊销 {n}"), "obtained_by_fraud": false})
            }
            ("POST", "/api/v1/certificates/{id}/violations") => {
                json!({"occurred_on": "2025-05-01", "serious": false, "administrative_penalty": false})
            }
            ("POST", "/api/v1/certificates/{id}/work-periods") => json!({"from": "2020-01-01", "to": null}),
            ("POST", "/api/v1/clients") => json!({"name": format!("矩阵门户客户端{n}"), "role": "portal"}),
            ("POST", "/api/v1/complaints/{id}/triage") => json!({"status": "accepted"}),
            ("POST", "/api/v1/credit/events") => json!({
                "organization_id": self.agency_a.id,
                "event_type": "staff_absent_from_site",
                "occurred_on": "2026-06-01",
                "evidence": format!("矩阵测试现场检查记录{n}"),
            }),
            ("POST", "/api/v1/engineers") => {
                engineer_body(&person(BODY_PERSON + n), &format!("MATRIX-E-{n}"), &self.enterprise_a.id)
            }
            ("POST", "/api/v1/insurance/policies") => {
                policy(&format!("MATRIX-P-{n}"), &self.enterprise_a.id, "2025-04-01", "2026-03-31")
            }
            ("POST", "/api/v1/insurance/premium-postings") => {
                batch(vec![item(POLICY_A, "2025-05-01T10:00:00+08:00", 100, &format!("MATRIX-R-{n}"))])
            }
            ("POST", "/api/v1/insurance/prevention-funds/{insurer_id}/expenditures") => json!({
                "category": "expert_inspection",
                "amount_fen": 1,
                "spent_on": "2025-06-01",
                "description": "聘请专家参与矿山企业安全检查",
                "beneficiary_organization_id": null,
            }),
            ("POST", "/api/v1/insurance/rate-quotes") => {
                json!({"enterprise_id": self.enterprise_a.id, "base_premium_fen": 3_600_000})
            }
            ("POST", "/api/v1/organizations") => json!({
                "credit_code": credit_code(1000 + n),
                "name": format!("矩阵新登记企业{n}"),
                "kind": "enterprise",
                "region_code": "410100",
                "sector": "mining",
                "legal_representative": "李四",
            }),
            ("PATCH", "/api/v1/organizations/{id}") => json!({"address": format!("郑州市金水区花园路 {n} 号")}),
            ("POST", "/api/v1/organizations/{id}/employments") => json!({
                "person": person(BODY_PERSON + n),
                "position": "安全员",
                "safety_head": false,
                "from": "2025-01-01",
                "to": null,
            }),
            ("POST", "/api/v1/public/complaints") => json!({
                "organization_credit_code": self.agency_a.credit_code,
                "category": "staff_absent_from_site",
                "description": format!("矩阵测试投诉{n}：项目负责人未到现场。"),
            }),
            ("POST", "/api/v1/sanctions") => json!({
                "organization_id": self.agency_a.id,
                "kind": "public_criticism",
                "decided_on": "2026-06-01",
                "reason": format!("矩阵测试通报批评{n}"),
            }),
            ("POST", "/api/v1/sanctions/{id}/compliance") => json!({"complied_on": "2026-06-20"}),
            ("POST", "/api/v1/supervision/spot-check-draws") => draw_body(n),
            ("POST", "/api/v1/supervision/spot-check-draws/{id}/targets/{position}/result") => {
                json!({"findings": format!("矩阵测试抽查{n}：现场检查未发现问题。")})
            }
            ("POST", "/api/v1/training/exam-results") => json!({"items": [{
                // 2026H2: not published, unlike 2026H1.
                "candidate": person(BODY_PERSON + n),
                "category": "electrical",
                "exam_on": "2026-07-01",
                "theory_score": 85,
                "practical_score": 90,
            }]}),
            // An ended half-year, distinct for cells up to 24 apart, never 2026H1.
            ("POST", "/api/v1/training/pass-rate-publications") => json!({"period": format!("{}H2", 2025 - n % 25)}),
            ("POST", "/api/v1/webhooks") => webhook_body(&self.closed_url, None),
            ("PATCH", "/api/v1/webhooks/{id}") => json!({"status": "paused"}),
            // The operation reads no body; an empty object is what its documentation asks for.
            ("POST", "/api/v1/webhooks/{id}/deliveries/{delivery_id}/redelivery") => json!({}),
            (method, path) => return Err(format!("no valid body known for {method} {path}: add one to the matrix")),
        };
        Ok(Some(Body::Json(body)))
    }
}

const PROJECTS: &str = "/api/v1/procurement/projects";
const PROGRAMMES: &str = "/api/v1/subsidy-programmes";

/// A demand in 410100 for `service`, due 60 days from today (CST); for
/// `enterprise_id` when given (regulators and admins must name one).
fn demand_body(enterprise_id: Option<&str>, service: &str, n: u32) -> Result<Value, String> {
    let today = domain::time::cst_date(chrono::Utc::now());
    let deadline = today.checked_add_days(chrono::Days::new(60)).ok_or("no date 60 days ahead")?;
    let mut body = json!({
        "service_type": service,
        "region_code": "410100",
        "budget_fen": 5_000_000,
        "deadline": deadline.to_string(),
        "description": format!("矩阵测试需求{n}：年度服务，含两次现场服务"),
    });
    if let Some(id) = enterprise_id {
        body["enterprise_id"] = json!(id);
    }
    Ok(body)
}

/// An open demand of the enterprise `token` acts for, for `service`; its id.
async fn demand(app: &TestApp, token: &str, service: &str, n: u32) -> Result<String, String> {
    let body = demand_body(None, service, n)?;
    let demand = fixture_post(app, Some(token), DEMANDS, &body, StatusCode::CREATED).await?;
    string_at(&demand, "/id")
}

fn bid_body(n: u32) -> Value {
    json!({"price_fen": 4_500_000, "plan": format!("矩阵测试投标{n}：两周内完成现场服务并出具报告")})
}

/// An engagement of `enterprise_id` with `provider_id` (one consulting line of
/// 1,000,000 fen, no personnel), signed and starting on `signed_on`, delivered
/// by and ending on `deadline`, made by an admin; its id.
async fn engagement(
    app: &TestApp,
    enterprise_id: &str,
    provider_id: &str,
    signed_on: &str,
    deadline: &str,
) -> Result<String, String> {
    let body = engagement_body(enterprise_id, provider_id, 1_000_000, signed_on, deadline);
    let created = fixture_post(app, Some(app.admin_token()), ENGAGEMENTS, &body, StatusCode::CREATED).await?;
    string_at(&created, "/id")
}

fn started() -> Value {
    json!({"started_on": "2026-03-02"})
}

fn delivered() -> Value {
    json!({"delivered_on": "2026-03-20", "procedure": "现场勘查、资料审查", "main_content": "安全咨询报告"})
}

fn accepted() -> Value {
    json!({"accepted_on": "2026-03-25"})
}

/// A procurement project in 410100 awarded 2026-03-01.
fn project_body(provider_id: &str, third_party_id: &str, recipient_ids: &[&str]) -> Value {
    json!({
        "area": "safety_inspection",
        "title": "2026年小微企业安全检查",
        "budget_fen": 12_000_000,
        "region_code": "410100",
        "recipient_ids": recipient_ids,
        "provider_id": provider_id,
        "third_party_id": third_party_id,
        "awarded_on": "2026-03-01",
    })
}

fn project_evaluation(party: &str) -> Value {
    json!({"party": party, "score": 95, "comment": "按合同完成服务", "evaluated_on": "2026-06-01"})
}

/// A subsidy programme in 410100: half the fee, up to 50,000,000 fen per
/// enterprise, out of 100,000,000, for enterprises of at most 100 employees
/// and engagements signed in 2026-01-01 to 2026-10-31.
fn programme_body(n: u32) -> Value {
    json!({
        "title": format!("矩阵测试小微企业安全服务补贴{n}"),
        "region_code": "410100",
        "budget_fen": 100_000_000,
        "share_bp": 5_000,
        "cap_per_enterprise_fen": 50_000_000,
        "max_employees": 100,
        "opens_on": "2026-01-01",
        "closes_on": "2026-10-31",
    })
}

fn accident(enterprise_id: &str) -> Value {
    json!({
        "enterprise_id": enterprise_id,
        "occurred_on": "2025-08-02",
        "grade": "general",
        "deaths": 0,
        "injuries": 1,
        "summary": "井下运输巷道片帮",
    })
}

/// A certificate for `holder` (a person body), numbered after its identity number, issued in 410100.
fn certificate_body(holder: &Value, category: &str, issued_on: &str) -> Value {
    let number = format!("T{}", holder["resident_id"].as_str().expect("resident_id"));
    json!({"holder": holder, "number": number, "category": category, "issuing_region": "410100", "issued_on": issued_on})
}

/// A registration of `person` as an engineer of `employer_id`.
fn engineer_body(person: &Value, registration_number: &str, employer_id: &str) -> Value {
    json!({
        "person": person,
        "level": "intermediate",
        "category": "metal_nonmetal_mine",
        "registration_number": registration_number,
        "registered_on": "2025-03-01",
        "employer_id": employer_id,
        "continuing_education_hours": 24,
    })
}

/// An industry ban of `organization_id` from 2026-11-01, without end.
fn industry_ban(organization_id: &str, n: u32) -> Value {
    json!({
        "kind": "industry_ban",
        "organization_id": organization_id,
        "from": "2026-11-01",
        "to": null,
        "case_ref": format!("矩阵测试事故调查报告{n}"),
        "reason": "对事故发生负有责任",
    })
}

/// An application for early removal from the blacklist, dated today.
fn removal_reason() -> Value {
    json!({"reason": "已完成整改并履行全部服务合同"})
}

/// A spot-check draw of one target among the drawer's whole jurisdiction.
fn draw_body(n: u32) -> Value {
    json!({
        "sample_size": 1,
        "inspectors": ["郑应急执001", "郑应急执002"],
        "inspectors_per_target": 1,
        "beacon": format!("矩阵测试信标{n}"),
    })
}

/// A URL on 127.0.0.1 where nothing listens (a port bound and let go): a
/// delivery to it fails at once with a refused connection.
fn closed_url() -> String {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind a free port");
    let port = listener.local_addr().expect("port").port();
    drop(listener);
    format!("http://127.0.0.1:{port}/matrix-hook")
}

/// A subscription to `policy_created` events at `url`, from `after` (default: the head).
fn webhook_body(url: &str, after: Option<i64>) -> Value {
    let mut body = json!({"url": url, "event_types": ["policy_created"], "secret": WEBHOOK_SECRET});
    if let Some(after) = after {
        body["after"] = json!(after);
    }
    body
}

/// The platform's delivery worker on `app`'s database with one attempt per
/// event, for [`World::dead_letter`]: a second pool, as another instance would
/// have; the server's own worker stays off.
fn dead_letter_worker(app: &TestApp) -> Worker {
    let mut settings = app.settings.clone();
    settings.migrate_on_start = false;
    settings.webhook_max_attempts = 1;
    settings.webhook_timeout_seconds = 2;
    let pool = api::startup::prepare_database(&settings).expect("worker pool");
    Worker::new(pool, Tuning::from_settings(&settings)).expect("delivery worker")
}

/// `POST path` for a fixture, as `token` (`None`: without credentials); the
/// answer, when it has the `expected` status.
async fn fixture_post(
    app: &TestApp,
    token: Option<&str>,
    path: &str,
    body: &Value,
    expected: StatusCode,
) -> Result<Value, String> {
    let mut request = app.http.post(app.url(path)).json(body);
    if let Some(token) = token {
        request = request.bearer_auth(token);
    }
    let response = request.send().await.map_err(|e| format!("fixture POST {path}: {e}"))?;
    let status = response.status();
    let text = response.text().await.map_err(|e| format!("fixture POST {path}: {e}"))?;
    if status != expected {
        return Err(format!("fixture POST {path}: expected {expected}, got {status}: {text}"));
    }
    serde_json::from_str(&text).map_err(|e| format!("fixture POST {path}: not JSON ({e}): {text}"))
}

/// The string at `pointer` in `value`.
fn string_at(value: &Value, pointer: &str) -> Result<String, String> {
    value.pointer(pointer).and_then(Value::as_str).map(str::to_owned).ok_or_else(|| format!("no {pointer} in {value}"))
}

/// Lists agency `agency_id` on the blacklist the only way there is: a false
/// report, 13 months before today (CST) so that early removal may be applied
/// for today, recorded by `regulator`; the listing's id.
async fn listing(app: &TestApp, regulator: &str, agency_id: &str, n: u32) -> Result<String, String> {
    let today = domain::time::cst_date(chrono::Utc::now());
    let occurred_on = today.checked_sub_months(chrono::Months::new(13)).ok_or("no date 13 months ago")?;
    let body = json!({
        "organization_id": agency_id,
        "event_type": "false_report",
        "occurred_on": occurred_on.to_string(),
        "evidence": format!("矩阵测试虚假报告{n}"),
    });
    let receipt = fixture_post(app, Some(regulator), "/api/v1/credit/events", &body, StatusCode::CREATED).await?;
    string_at(&receipt, "/blacklist_listing_id")
}

/// The listed agency's application for early removal from `listing`; its id.
async fn removal_application(app: &TestApp, agency: &str, listing: &str) -> Result<String, String> {
    let path = format!("/api/v1/blacklist/{listing}/removal-applications");
    let application = fixture_post(app, Some(agency), &path, &removal_reason(), StatusCode::CREATED).await?;
    string_at(&application, "/id")
}

/// Approves a pending application for early removal, as `regulator`.
async fn approve(app: &TestApp, regulator: &str, application: &str) -> Result<(), String> {
    let path = format!("/api/v1/blacklist/removal-applications/{application}/decision");
    fixture_post(app, Some(regulator), &path, &json!({"decision": "approved"}), StatusCode::OK).await.map(drop)
}

/// A rectification order of `organization_id` by `regulator`, decided
/// 2026-06-01 with deadline 2026-07-01; its id.
async fn rectification_order(app: &TestApp, regulator: &str, organization_id: &str, n: u32) -> Result<String, String> {
    let body = json!({
        "organization_id": organization_id,
        "kind": "rectification_order",
        "decided_on": "2026-06-01",
        "deadline": "2026-07-01",
        "reason": format!("矩阵测试责令整改{n}"),
    });
    let created = fixture_post(app, Some(regulator), "/api/v1/sanctions", &body, StatusCode::CREATED).await?;
    string_at(&created, "/sanction/id")
}

/// A complaint filed through the public channel.
struct Filed {
    id: String,
    tracking_code: String,
}

/// Files a complaint about the organisation with `credit_code`, with the
/// complainant's phone as contact, and finds its id in the admin's queue (the
/// receipt carries only the tracking code).
async fn file_complaint(app: &TestApp, credit_code: &str, n: u32) -> Result<Filed, String> {
    let body = json!({
        "organization_credit_code": credit_code,
        "category": "charging_without_service",
        "description": format!("矩阵测试投诉{n}：已付款，至今未派人到现场。"),
        "contact": COMPLAINANT_PHONE,
    });
    let receipt = fixture_post(app, None, "/api/v1/public/complaints", &body, StatusCode::CREATED).await?;
    let tracking_code = string_at(&receipt, "/tracking_code")?;
    let (status, queue) = get_json(app, app.admin_token(), "/api/v1/complaints?status=received&limit=500").await;
    if status != StatusCode::OK {
        return Err(format!("complaint queue: {status} {queue}"));
    }
    let filed = queue["items"]
        .as_array()
        .and_then(|items| items.iter().find(|item| item["tracking_code"].as_str() == Some(tracking_code.as_str())));
    let id = filed.ok_or_else(|| format!("complaint {tracking_code} not in the queue"))?;
    Ok(Filed { id: string_at(id, "/id")?, tracking_code })
}

/// A draw of one target in `regulator`'s jurisdiction; its id.
async fn spot_check_draw(app: &TestApp, regulator: &str, n: u32) -> Result<String, String> {
    let path = "/api/v1/supervision/spot-check-draws";
    let draw = fixture_post(app, Some(regulator), path, &draw_body(n), StatusCode::CREATED).await?;
    if draw["targets"].as_array().is_none_or(Vec::is_empty) {
        return Err(format!("draw without a target: {draw}"));
    }
    string_at(&draw, "/id")
}

/// `text` as a query value: every byte but the unreserved ones percent-encoded.
fn percent_encoded(text: &str) -> String {
    text.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' => char::from(b).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}

impl Row {
    /// The operation, and what tells this row from another of the same
    /// operation: its query, an export's resource, a CSV body.
    fn label(&self) -> String {
        let mut label = format!("{} {}", self.method, self.path);
        if !self.query.is_empty() {
            label = format!("{label}?{}", self.query);
        }
        match self.object {
            Resource(resource) => format!("{label} [{resource}]"),
            PolicyACsv => format!("{label} [text/csv]"),
            _ => label,
        }
    }
}

/// Operations that require an `Idempotency-Key`.
fn needs_idempotency_key(row: &Row) -> bool {
    row.path.ends_with("/premium-postings")
        || row.path.ends_with("/expenditures")
        || row.path.ends_with("/exam-results")
        || row.path.ends_with("/payments")
}

/// The current ETag of a resource (an organisation, a year's holidays), as the admin sees it.
async fn current_etag(app: &TestApp, path: &str) -> String {
    let response = app.http.get(app.url(path)).bearer_auth(app.admin_token()).send().await.expect("GET for ETag");
    assert_eq!(response.status(), StatusCode::OK, "admin GET {path} for its ETag");
    response.headers()["etag"].to_str().expect("ETag").to_owned()
}

/// A request body.
enum Body {
    Json(Value),
    /// Sent as `text/csv`.
    Csv(String),
}

/// One cell's answer.
struct Answer {
    status: u16,
    bytes: Vec<u8>,
    /// The request body sent, as JSON text (empty without one).
    sent: String,
}

/// Sends one cell's request.
async fn call(app: &TestApp, world: &World, row: &Row, column: usize, n: u32) -> Result<Answer, String> {
    let fresh = world.fresh(app, row.object, column, n).await?;
    let path = world.path(row, fresh.as_ref())?;
    let body = world.body(row, column, n, fresh.as_ref())?;
    let method = Method::from_bytes(row.method.as_bytes()).map_err(|e| e.to_string())?;
    let mut request = app.http.request(method, app.url(&path));
    if let Some(client) = &world.callers[column] {
        request = request.bearer_auth(&client.token);
    }
    if needs_idempotency_key(row) {
        request = request.header("Idempotency-Key", format!("matrix-{n}"));
    }
    if row.method == "PATCH" {
        request = request.header("If-Match", current_etag(app, &path).await);
    }
    if row.path == "/api/v1/reference/holidays/{year}" {
        let read = format!("/api/v1/reference/holidays?year={HOLIDAY_YEAR}");
        request = request.header("If-Match", current_etag(app, &read).await);
    }
    let sent = match &body {
        Some(Body::Json(json)) => json.to_string(),
        Some(Body::Csv(text)) => text.clone(),
        None => String::new(),
    };
    match body {
        Some(Body::Json(json)) => request = request.json(&json),
        Some(Body::Csv(text)) => request = request.header("Content-Type", "text/csv").body(text),
        None => {}
    }
    let response = request.send().await.map_err(|e| format!("request failed: {e}"))?;
    let status = response.status().as_u16();
    let bytes = response.bytes().await.map_err(|e| format!("body unreadable: {e}"))?;
    Ok(Answer { status, bytes: bytes.to_vec(), sent })
}

fn snippet(bytes: &[u8]) -> String {
    let text: String = String::from_utf8_lossy(bytes).chars().filter(|c| !c.is_control()).take(240).collect();
    if text.is_empty() {
        "(empty body)".to_owned()
    } else {
        text
    }
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack.windows(needle.len()).any(|window| window == needle)
}

#[tokio::test]
async fn every_role_gets_the_documented_answer_from_every_operation() {
    let app = TestApp::spawn().await;
    let world = World::build(&app).await;
    let mut mismatches = table_problems();
    let mut leaks = Vec::new();
    let mut n = 0u32;
    for row in TABLE {
        for (column, &(role, expected)) in row.expect.iter().enumerate() {
            n += 1;
            let Answer { status, bytes, sent } = match call(&app, &world, row, column, n).await {
                Ok(answer) => answer,
                Err(problem) => {
                    mismatches.push(format!("{role:<17} {}: {problem}", row.label()));
                    continue;
                }
            };
            if status != expected {
                mismatches.push(format!(
                    "{role:<17} {}: expected {expected}, got {status} ({})\n    — {}",
                    row.label(),
                    row.why,
                    snippet(&bytes)
                ));
            }
            for org in world.orgs() {
                if !world.may_see_phone(role, org) && contains(&bytes, org.phone.as_bytes()) {
                    leaks.push(format!(
                        "{role:<17} {} ({status}): the full phone {} of organisation {} — {}",
                        row.label(),
                        org.phone,
                        org.id,
                        snippet(&bytes)
                    ));
                }
            }
            if !World::may_see_complainant(role) && contains(&bytes, COMPLAINANT_PHONE.as_bytes()) {
                leaks.push(format!(
                    "{role:<17} {} ({status}): the complainant's phone {COMPLAINANT_PHONE} — {}",
                    row.label(),
                    snippet(&bytes)
                ));
            }
            let p_number = world.p.resident_id.as_bytes();
            if !world.may_see_p(role) && !sent.contains(&world.p.resident_id) && contains(&bytes, p_number) {
                leaks.push(format!(
                    "{role:<17} {} ({status}): the full identity number {} of person P — {}",
                    row.label(),
                    world.p.resident_id,
                    snippet(&bytes)
                ));
            }
        }
    }
    let cells = TABLE.len() * ROLES.len();
    let mut report = Vec::new();
    if !mismatches.is_empty() {
        report.push(format!("{} of {cells} cells differ from the table:\n{}", mismatches.len(), mismatches.join("\n")));
    }
    if !leaks.is_empty() {
        report.push(format!("{} responses leak personal data:\n{}", leaks.len(), leaks.join("\n")));
    }
    assert!(report.is_empty(), "{} rows × {} roles\n{}", TABLE.len(), ROLES.len(), report.join("\n\n"));
}
