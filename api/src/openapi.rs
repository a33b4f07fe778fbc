//! The contract, generated from the routes themselves. `openapi.yaml` at
//! the repository root is this document, committed; a test fails when they
//! differ and `make openapi` rewrites the file.

use actix_web::App;
use utoipa::openapi::security::{Http, HttpAuthScheme, SecurityScheme};
use utoipa::openapi::OpenApi as Document;
use utoipa::{Modify, OpenApi};
use utoipa_actix_web::{scope, AppExt};

use crate::problem::{
    BadRequest, Conflict, FieldProblem, Forbidden, InternalError, NotFound, PayloadTooLarge, PreconditionFailed,
    PreconditionRequired, Problem, ServiceUnavailable, TooManyRequests, Unauthorized, Unprocessable,
    UnsupportedMediaType,
};
use crate::routes;

struct BearerAuth;

impl Modify for BearerAuth {
    fn modify(&self, openapi: &mut Document) {
        let components = openapi.components.get_or_insert_with(Default::default);
        let mut scheme = Http::new(HttpAuthScheme::Bearer);
        scheme.bearer_format = Some("JWT".into());
        scheme.description =
            Some("EdDSA-signed JWT from `POST /api/v1/auth/token`; keys at `/api/v1/auth/jwks.json`.".into());
        components.add_security_scheme("bearer", SecurityScheme::Http(scheme));
    }
}

#[derive(OpenApi)]
#[openapi(
    info(
        title = "Henan Work-Safety Service Platform API",
        version = "1.0.0",
        description = "JSON REST API of the work-safety socialized service system (豫安委〔2017〕17号).\n\n\
            Money is integer fen (`*_fen`), rates integer basis points (`*_bp`); instants are RFC 3339, \
            calendar dates and years follow China Standard Time (UTC+08:00). Errors are RFC 9457 \
            `application/problem+json` with a stable `code`; `title` and `detail` follow `Accept-Language` \
            (zh-CN default, en). Lists are cursor-paginated (`limit` 1–500, default 50). Request bodies are \
            limited to 8 MiB (413 beyond); premium batches to 5 000 items. Money-bearing POSTs take an \
            `Idempotency-Key`. Every response carries `X-Request-Id`.",
        license(name = "Apache-2.0", identifier = "Apache-2.0"),
    ),
    components(
        schemas(Problem, FieldProblem),
        responses(
            BadRequest, Unauthorized, Forbidden, NotFound, Conflict, PreconditionFailed, PayloadTooLarge,
            UnsupportedMediaType, Unprocessable, PreconditionRequired, TooManyRequests, ServiceUnavailable, InternalError
        )
    ),
    modifiers(&BearerAuth),
    tags(
        (name = "auth", description = "Tokens, keys and API clients"),
        (name = "organizations", description = "The organisation registry"),
        (name = "insurance", description = "Liability insurance: policies, premiums, the prevention fund, coverage, accidents, rate quotes (三)"),
        (name = "people", description = "Persons and their employment (四(一))"),
        (name = "certificates", description = "Special-operation certificates: issue, history, reviews, standing, revocation (五(二))"),
        (name = "training", description = "Training institutions' exam results and pass rates (五(一))"),
        (name = "engineers", description = "Registered safety engineers and staffing compliance (四(一))"),
        (name = "credit", description = "Credit events, scores, grades and the portal change feed (八(三))"),
        (name = "blacklist", description = "The blacklist and early removal (八(三), 应急管理部令第11号)"),
        (name = "supervision", description = "Sanctions, bans, spot checks and complaints (八(一), 八(二))"),
        (name = "marketplace", description = "Service demands, provider matching and bids (九(三))"),
        (name = "engagements", description = "Service contracts: reports, personnel, payments, evaluations, cross-region notices (二, 八(三))"),
        (name = "disclosure", description = "Service disclosures, annual performance reports and part-time safety management (二(三), 七, 九(三))"),
        (name = "procurement", description = "Government purchase of services and small-enterprise subsidies (九(二), 九(三))"),
        (name = "integration", description = "The event feed, webhook subscriptions, bulk exports and imports"),
        (name = "indicators", description = "Regional indicators of the safety-service system (九(四))"),
        (name = "public", description = "Unauthenticated public reads"),
        (name = "reference", description = "Regions and effective-dated rule parameters"),
        (name = "audit", description = "The audit trail of every write"),
        (name = "health", description = "Liveness and readiness"),
    )
)]
pub struct ApiDoc;

/// The full document: the base above plus every registered route.
pub fn document() -> Document {
    let (_, document) = App::new()
        .into_utoipa_app()
        .openapi(ApiDoc::openapi())
        .service(scope("/api/v1").configure(routes::api_v1))
        .configure(routes::health)
        .split_for_parts();
    document
}

/// The document as committed in `openapi.yaml`.
pub fn yaml() -> Result<String, String> {
    document().to_yaml().map_err(|e| e.to_string())
}
