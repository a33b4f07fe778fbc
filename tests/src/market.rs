//! Shared set-up of the marketplace end-to-end tests (二, 九(二), 九(三)):
//! providers with a qualification, enterprises with a size and sector, and
//! engagements created over HTTP.

use serde_json::{json, Value};
use uuid::Uuid;

use crate::insurance::{id_of, post, status_json};
use crate::{credit_code, Client, TestApp};

pub const DEMANDS: &str = "/api/v1/marketplace/demands";
pub const ENGAGEMENTS: &str = "/api/v1/engagements";

/// An organisation and a logged-in client acting for it.
pub struct Party {
    pub id: String,
    pub uuid: Uuid,
    pub client: Client,
}

impl Party {
    pub fn token(&self) -> &str {
        &self.client.token
    }
}

async fn party(app: &TestApp, org: Value, role: &str) -> Party {
    let org = app.organization(org).await;
    let id = id_of(&org);
    let client = app.client(role, Some(&id), None).await;
    Party { uuid: Uuid::parse_str(&id).expect("uuid"), id, client }
}

/// A technical service agency in `region` qualified for `services` from
/// 2020-01-01 to `valid_until`, with an agency client.
pub async fn provider(app: &TestApp, seed: u32, region: &str, services: &[&str], valid_until: &str) -> Party {
    provider_of_kind(app, seed, region, "technical_service_agency", services, valid_until).await
}

/// A service provider of `kind` (technical_service_agency, engineer_firm,
/// social_organization, training_institution) qualified until `valid_until`.
pub async fn provider_of_kind(
    app: &TestApp,
    seed: u32,
    region: &str,
    kind: &str,
    services: &[&str],
    valid_until: &str,
) -> Party {
    let body = json!({
        "credit_code": credit_code(seed),
        "name": format!("河南安全技术服务有限公司{seed}"),
        "kind": kind,
        "region_code": region,
        "contact_phone": "13812345678",
        "legal_representative": "李四",
        "service_types": services,
        "qualification": {
            "number": format!("APJ-(豫)-{seed:04}"),
            "scope": services.join(","),
            "valid_from": "2020-01-01",
            "valid_until": valid_until,
        },
    });
    party(app, body, "agency").await
}

/// An enterprise of `sector` with `employees` staff in `region`, with an
/// enterprise client.
pub async fn enterprise(app: &TestApp, seed: u32, region: &str, sector: &str, employees: i64) -> Party {
    let body = json!({
        "credit_code": credit_code(seed),
        "name": format!("测试企业{seed}"),
        "kind": "enterprise",
        "region_code": region,
        "sector": sector,
        "employee_count": employees,
        "contact_phone": "13812345678",
        "legal_representative": "张三",
    });
    party(app, body, "enterprise").await
}

/// A minimal engagement body: one `consulting` line of `fee_fen`, signed and
/// starting on `signed_on`, delivered by and ending on `deadline`, with no
/// reports, on-site dates or personnel.
pub fn engagement_body(enterprise: &str, provider: &str, fee_fen: i64, signed_on: &str, deadline: &str) -> Value {
    json!({
        "enterprise_id": enterprise,
        "provider_id": provider,
        "services": [{"service_type": "consulting", "fee_fen": fee_fen}],
        "reports": [],
        "signed_on": signed_on,
        "starts_on": signed_on,
        "ends_on": deadline,
        "delivery_deadline": deadline,
        "planned_on_site_dates": [],
        "personnel": [],
    })
}

/// `POST /api/v1/engagements`; panics unless 201. Returns the engagement.
pub async fn create_engagement(app: &TestApp, token: &str, body: &Value) -> Value {
    let (status, engagement) = status_json(post(app, token, ENGAGEMENTS, None, body).await).await;
    assert_eq!(status, 201, "engagement creation failed: {engagement}");
    engagement
}
