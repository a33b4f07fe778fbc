//! Authentication over real HTTP, on the backend TEST_DATABASE names: every
//! defect of a bearer token, the client-credentials grant, the published key
//! set and the registration of API clients.

use api::auth::keys::{generate_key, KeySet};
use api::auth::secrets;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use e2e::{credit_code, tokens, TestApp};
use jsonwebtoken::{decode, decode_header, encode, Algorithm, DecodingKey, EncodingKey, Header, Validation};
use persistence::{audit, clients};
use reqwest::header::{HeaderMap, CACHE_CONTROL, CONTENT_TYPE, WWW_AUTHENTICATE};
use reqwest::StatusCode;
use serde_json::{json, Value};
use uuid::Uuid;

const AUDIENCE: &str = "henan-safety-api";
const ISSUER: &str = "henan-safety-platform";

/// A response read to the end, so that checks can name the body.
struct Reply {
    status: StatusCode,
    headers: HeaderMap,
    text: String,
}

impl Reply {
    async fn of(response: reqwest::Response) -> Reply {
        let status = response.status();
        let headers = response.headers().clone();
        let text = response.text().await.expect("response body");
        Reply { status, headers, text }
    }

    fn header(&self, name: impl reqwest::header::AsHeaderName) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }

    /// The problem body when this is the expected problem, else what is wrong.
    fn problem(&self, status: StatusCode, code: &str) -> Result<Value, String> {
        let mut wrong = Vec::new();
        if self.status != status {
            wrong.push(format!("status {} (expected {status})", self.status));
        }
        if self.header(CONTENT_TYPE) != Some("application/problem+json") {
            wrong.push(format!("content-type {:?} (expected application/problem+json)", self.header(CONTENT_TYPE)));
        }
        if status == StatusCode::UNAUTHORIZED && !self.header(WWW_AUTHENTICATE).is_some_and(|v| v.starts_with("Bearer"))
        {
            wrong.push(format!("www-authenticate {:?} (expected Bearer)", self.header(WWW_AUTHENTICATE)));
        }
        let body: Value = serde_json::from_str(&self.text).unwrap_or(Value::Null);
        if body["code"] != code {
            wrong.push(format!("code {} (expected {code})", body["code"]));
        }
        if body["status"] != status.as_u16() {
            wrong.push(format!("body status {} (expected {})", body["status"], status.as_u16()));
        }
        if body["type"] != format!("urn:henan-safety:problem:{code}") {
            wrong.push(format!("type {}", body["type"]));
        }
        if wrong.is_empty() {
            Ok(body)
        } else {
            Err(format!("{}; body: {}", wrong.join(", "), self.text))
        }
    }

    fn expect_problem(&self, status: StatusCode, code: &str) -> Value {
        self.problem(status, code).unwrap_or_else(|wrong| panic!("{wrong}"))
    }

    /// The JSON body of a success with `status`.
    fn expect_json(&self, status: StatusCode) -> Value {
        assert_eq!(self.status, status, "body: {}", self.text);
        assert!(
            self.header(CONTENT_TYPE).is_some_and(|v| v.starts_with("application/json")),
            "content-type {:?}",
            self.header(CONTENT_TYPE)
        );
        serde_json::from_str(&self.text).expect("JSON body")
    }
}

/// `GET /api/v1/regions` with `authorization` as the raw header, if any.
async fn regions(app: &TestApp, authorization: Option<&str>) -> Reply {
    let mut request = app.http.get(app.url("/api/v1/regions"));
    if let Some(value) = authorization {
        request = request.header("Authorization", value);
    }
    Reply::of(request.send().await.expect("request")).await
}

async fn token_request(app: &TestApp, body: Value) -> Reply {
    Reply::of(app.http.post(app.url("/api/v1/auth/token")).json(&body).send().await.expect("request")).await
}

async fn create_client(app: &TestApp, token: &str, body: Value) -> Reply {
    Reply::of(app.http.post(app.url("/api/v1/clients")).bearer_auth(token).json(&body).send().await.expect("request"))
        .await
}

/// The claims of a token, read without verification.
fn unverified_claims(token: &str) -> Value {
    let payload = token.split('.').nth(1).expect("payload segment");
    serde_json::from_slice(&URL_SAFE_NO_PAD.decode(payload).expect("base64url")).expect("claims JSON")
}

/// `claims` with each key of `changes` set, or removed when its value is null.
fn with(claims: &Value, changes: Value) -> Value {
    let mut claims = claims.clone();
    let object = claims.as_object_mut().expect("claims object");
    for (key, value) in changes.as_object().expect("changes object") {
        if value.is_null() {
            object.remove(key);
        } else {
            object.insert(key.clone(), value.clone());
        }
    }
    claims
}

fn bearer(token: &str) -> String {
    format!("Bearer {token}")
}

#[tokio::test]
async fn every_token_defect_is_invalid_token() {
    let app = TestApp::spawn().await;
    let (kid, pem) = tokens::server_key(app.keys_dir.path());
    let now = chrono::Utc::now().timestamp();
    let valid = tokens::admin_claims("e2e-admin", now);
    let valid_token = tokens::sign(&kid, &pem, &valid);

    // Controls: the same claims, correctly signed, are accepted — so each
    // case below fails for its one defect only. The scheme is case-insensitive.
    let accepted = regions(&app, Some(&bearer(&valid_token))).await.expect_json(StatusCode::OK);
    assert!(accepted["items"].as_array().is_some_and(|items| !items.is_empty()), "{accepted}");
    regions(&app, Some(&format!("bearer {valid_token}"))).await.expect_json(StatusCode::OK);
    let leeway = with(&valid, json!({"iat": now - 620, "nbf": now - 620, "exp": now - 10}));
    regions(&app, Some(&bearer(&tokens::sign(&kid, &pem, &leeway)))).await.expect_json(StatusCode::OK);

    let (stranger_kid, stranger_pem) = generate_key(chrono::Utc::now()).expect("stranger key");
    let public_x = KeySet::from_pems(vec![(kid.clone(), pem.clone())]).expect("key set").jwks().keys[0].x.clone();
    let no_kid = encode(
        &Header::new(Algorithm::EdDSA),
        &valid,
        &EncodingKey::from_ed_pem(pem.as_bytes()).expect("encoding key"),
    )
    .expect("sign");
    let mut hs256 = Header::new(Algorithm::HS256);
    hs256.kid = Some(kid.clone());
    let hs256 =
        encode(&hs256, &valid, &EncodingKey::from_secret(public_x.as_bytes()).expect("hmac key")).expect("sign");
    let portal = tokens::sign(&kid, &pem, &with(&valid, json!({"role": "portal"})));
    let mut parts: Vec<&str> = portal.split('.').collect();
    let admin_payload = URL_SAFE_NO_PAD.encode(valid.to_string());
    parts[1] = &admin_payload;
    let tampered = parts.join(".");

    let sign = |claims: Value| bearer(&tokens::sign(&kid, &pem, &claims));
    let cases: Vec<(&str, String)> = vec![
        (
            "expired beyond the leeway",
            sign(with(&valid, json!({"iat": now - 700, "nbf": now - 700, "exp": now - 100}))),
        ),
        ("not valid for another hour", sign(with(&valid, json!({"nbf": now + 3600, "exp": now + 4200})))),
        ("another key under the server's kid", bearer(&tokens::sign(&kid, &stranger_pem, &valid))),
        ("the server's key under an unknown kid", bearer(&tokens::sign("unknown-kid", &pem, &valid))),
        ("another key under its own kid", bearer(&tokens::sign(&stranger_kid, &stranger_pem, &valid))),
        ("no kid", bearer(&no_kid)),
        ("wrong audience", sign(with(&valid, json!({"aud": "another-api"})))),
        ("wrong issuer", sign(with(&valid, json!({"iss": "someone-else"})))),
        ("alg none", bearer(&tokens::unsigned(&kid, &valid))),
        ("HS256 keyed with the public key", bearer(&hs256)),
        ("payload swapped after signing", bearer(&tampered)),
        ("no exp", sign(with(&valid, json!({"exp": null})))),
        ("no aud", sign(with(&valid, json!({"aud": null})))),
        ("unknown role", sign(with(&valid, json!({"role": "superuser"})))),
        ("regulator without a region", sign(with(&valid, json!({"role": "regulator"})))),
        ("garbage", "Bearer garbage".to_owned()),
        ("three garbage segments", "Bearer not.a.jwt".to_owned()),
        ("Basic scheme", "Basic ZTJlOnNlY3JldA==".to_owned()),
        ("Basic scheme carrying a valid token", format!("Basic {valid_token}")),
        ("token without a scheme", valid_token.clone()),
    ];
    let mut failures = Vec::new();
    for (case, authorization) in &cases {
        let reply = regions(&app, Some(authorization)).await;
        match reply.problem(StatusCode::UNAUTHORIZED, "invalid_token") {
            // One answer for every defect: nothing tells which check failed.
            Ok(body) if body.get("detail").is_some() => failures.push(format!("{case}: has a detail: {body}")),
            Ok(_) => {}
            Err(wrong) => failures.push(format!("{case}: {wrong}")),
        }
    }
    assert!(failures.is_empty(), "defective tokens not refused as invalid_token:\n{}", failures.join("\n"));

    // No credentials at all is a different code.
    regions(&app, None).await.expect_problem(StatusCode::UNAUTHORIZED, "unauthorized");
}

#[tokio::test]
async fn token_endpoint_refuses_bad_credentials_alike() {
    let app = TestApp::spawn().await;
    let regulator = app.regulator("410100").await;

    let wrong_secret = token_request(
        &app,
        json!({"grant_type": "client_credentials", "client_id": regulator.id, "client_secret": "wrong"}),
    )
    .await
    .expect_problem(StatusCode::UNAUTHORIZED, "invalid_client");
    let unknown = token_request(
        &app,
        json!({"grant_type": "client_credentials", "client_id": Uuid::new_v4(), "client_secret": regulator.secret}),
    )
    .await
    .expect_problem(StatusCode::UNAUTHORIZED, "invalid_client");
    let not_uuid = token_request(
        &app,
        json!({"grant_type": "client_credentials", "client_id": "not-a-uuid", "client_secret": regulator.secret}),
    )
    .await
    .expect_problem(StatusCode::UNAUTHORIZED, "invalid_client");
    // The three answers are the same but for the request id: no enumeration.
    let strip = |mut body: Value| {
        body.as_object_mut().expect("object").remove("request_id");
        body
    };
    assert_eq!(strip(wrong_secret.clone()), strip(unknown));
    assert_eq!(strip(wrong_secret), strip(not_uuid));

    let wrong_grant = token_request(
        &app,
        json!({"grant_type": "password", "client_id": regulator.id, "client_secret": regulator.secret}),
    )
    .await
    .expect_problem(StatusCode::UNPROCESSABLE_ENTITY, "validation_failed");
    assert_eq!(wrong_grant["errors"][0]["field"], "grant_type", "{wrong_grant}");
    assert_eq!(wrong_grant["errors"][0]["code"], "invalid_value", "{wrong_grant}");

    let missing = token_request(&app, json!({"grant_type": "client_credentials", "client_id": regulator.id}))
        .await
        .expect_problem(StatusCode::UNPROCESSABLE_ENTITY, "validation_failed");
    assert_eq!(missing["errors"][0]["field"], "client_secret", "{missing}");
    assert_eq!(missing["errors"][0]["code"], "required", "{missing}");

    // The right secret still works after all that.
    let issued = token_request(
        &app,
        json!({"grant_type": "client_credentials", "client_id": regulator.id, "client_secret": regulator.secret}),
    )
    .await;
    let body = issued.expect_json(StatusCode::OK);
    assert_eq!(body["token_type"], "Bearer");
    assert_eq!(body["expires_in"], 900);
    assert!(body["access_token"].is_string(), "{body}");
    assert_eq!(issued.header(CACHE_CONTROL), Some("no-store"));
}

/// Verifies `token` as a relying party would: with the key the JWKS publishes
/// under the token's kid, checking audience and issuer.
fn verify_with_jwks(token: &str, jwks: &Value) -> Value {
    let header = decode_header(token).expect("token header");
    assert_eq!(header.alg, Algorithm::EdDSA);
    let kid = header.kid.expect("kid");
    let jwk = jwks["keys"]
        .as_array()
        .expect("keys")
        .iter()
        .find(|k| k["kid"] == kid.as_str())
        .unwrap_or_else(|| panic!("kid {kid} not in {jwks}"));
    assert_eq!((jwk["kty"].as_str(), jwk["crv"].as_str()), (Some("OKP"), Some("Ed25519")), "{jwk}");
    assert_eq!((jwk["alg"].as_str(), jwk["use"].as_str()), (Some("EdDSA"), Some("sig")), "{jwk}");
    let key = DecodingKey::from_ed_components(jwk["x"].as_str().expect("x")).expect("decoding key");
    let mut validation = Validation::new(Algorithm::EdDSA);
    validation.set_audience(&[AUDIENCE]);
    validation.set_issuer(&[ISSUER]);
    let claims = decode::<Value>(token, &key, &validation).expect("token verifies with the JWKS key").claims;

    // The same key refuses the token for another audience: validation is real.
    let mut other = Validation::new(Algorithm::EdDSA);
    other.set_audience(&["another-api"]);
    other.set_issuer(&[ISSUER]);
    assert!(decode::<Value>(token, &key, &other).is_err());
    claims
}

fn assert_standard_claims(claims: &Value, client_id: &str, role: &str) {
    let now = chrono::Utc::now().timestamp();
    assert_eq!(claims["sub"], client_id, "{claims}");
    assert_eq!(claims["role"], role, "{claims}");
    assert_eq!(claims["aud"], AUDIENCE, "{claims}");
    assert_eq!(claims["iss"], ISSUER, "{claims}");
    let iat = claims["iat"].as_i64().expect("iat");
    assert!((now - 120..=now + 5).contains(&iat), "iat {iat}, now {now}");
    assert_eq!(claims["exp"].as_i64(), Some(iat + 900), "{claims}");
    let jti = claims["jti"].as_str().expect("jti");
    assert!(!jti.is_empty(), "{claims}");
}

#[tokio::test]
async fn issued_tokens_verify_with_the_published_keys() {
    let app = TestApp::spawn().await;
    let regulator = app.regulator("410300").await;
    let insurer_org = app
        .organization(json!({
            "credit_code": credit_code(101), "name": "某财产保险股份有限公司河南分公司",
            "kind": "insurer", "region_code": "410100",
        }))
        .await;
    let insurer_org_id = insurer_org["id"].as_str().expect("id");
    let insurer = app.client("insurer", Some(insurer_org_id), None).await;

    let response = app.http.get(app.url("/api/v1/auth/jwks.json")).send().await.expect("jwks");
    let jwks = Reply::of(response).await.expect_json(StatusCode::OK);
    let keys = jwks["keys"].as_array().expect("keys");
    assert_eq!(keys.len(), 1, "{jwks}");
    // Only public material is published.
    assert!(keys.iter().all(|k| k.get("d").is_none()), "{jwks}");
    let (server_kid, _) = tokens::server_key(app.keys_dir.path());
    assert_eq!(keys[0]["kid"], server_kid.as_str());

    let regulator_claims = verify_with_jwks(&regulator.token, &jwks);
    assert_standard_claims(&regulator_claims, &regulator.id, "regulator");
    assert_eq!(regulator_claims["region"], "410300", "{regulator_claims}");
    assert!(regulator_claims.get("org").is_none(), "{regulator_claims}");
    let jti = regulator_claims["jti"].clone();

    let insurer_claims = verify_with_jwks(&insurer.token, &jwks);
    assert_standard_claims(&insurer_claims, &insurer.id, "insurer");
    assert_eq!(insurer_claims["org"], insurer_org_id, "{insurer_claims}");
    assert!(insurer_claims.get("region").is_none(), "{insurer_claims}");
    assert_ne!(insurer_claims["jti"], jti, "every token has its own jti");

    let admin_claims = verify_with_jwks(app.admin_token(), &jwks);
    assert_eq!(admin_claims["role"], "admin");
    assert!(admin_claims.get("org").is_none() && admin_claims.get("region").is_none(), "{admin_claims}");

    // The server accepts what it issued.
    regions(&app, Some(&bearer(&regulator.token))).await.expect_json(StatusCode::OK);
    regions(&app, Some(&bearer(&insurer.token))).await.expect_json(StatusCode::OK);
}

#[tokio::test]
async fn only_admins_create_clients() {
    let app = TestApp::spawn().await;
    let regulator = app.regulator("410100").await;
    let body = json!({"name": "郑州市应急管理局业务系统", "role": "regulator", "region_code": "410100"});

    create_client(&app, &regulator.token, body.clone()).await.expect_problem(StatusCode::FORBIDDEN, "forbidden");
    let response = app.http.post(app.url("/api/v1/clients")).json(&body).send().await.expect("request");
    Reply::of(response).await.expect_problem(StatusCode::UNAUTHORIZED, "unauthorized");

    // Only the regulator made by the harness (as admin) was created.
    let mut conn = app.db.connect();
    let filter = audit::AuditFilter { resource_type: Some("client".into()), ..Default::default() };
    let trail = audit::list(&mut conn, &filter, None, 10).expect("audit");
    let created: Vec<&str> = trail.items.iter().map(|e| e.resource_id.as_str()).collect();
    assert_eq!(created, [regulator.id.as_str()]);
}

#[tokio::test]
async fn client_registration_is_validated() {
    let app = TestApp::spawn().await;
    let fields = |problem: &Value| -> Vec<(String, String)> {
        problem["errors"]
            .as_array()
            .expect("errors")
            .iter()
            .map(|e| (e["field"].as_str().unwrap_or("").to_owned(), e["code"].as_str().unwrap_or("").to_owned()))
            .collect()
    };

    let problem = create_client(&app, app.admin_token(), json!({"name": "无辖区监管端", "role": "regulator"}))
        .await
        .expect_problem(StatusCode::UNPROCESSABLE_ENTITY, "validation_failed");
    assert_eq!(fields(&problem), [("region_code".to_owned(), "required".to_owned())], "{problem}");

    let enterprise = app.enterprise(102, "410100").await;
    let problem = create_client(
        &app,
        app.admin_token(),
        json!({"name": "保险端", "role": "insurer", "organization_id": enterprise["id"]}),
    )
    .await
    .expect_problem(StatusCode::UNPROCESSABLE_ENTITY, "validation_failed");
    assert_eq!(fields(&problem), [("organization_id".to_owned(), "kind_mismatch".to_owned())], "{problem}");

    // Refused registrations leave no trace.
    let mut conn = app.db.connect();
    let filter = audit::AuditFilter { resource_type: Some("client".into()), ..Default::default() };
    assert!(audit::list(&mut conn, &filter, None, 10).expect("audit").items.is_empty());
}

#[tokio::test]
async fn client_creation_is_audited_and_the_secret_stored_hashed() {
    let app = TestApp::spawn().await;
    let response = app
        .http
        .post(app.url("/api/v1/clients"))
        .bearer_auth(app.admin_token())
        .header("X-Request-Id", "e2e-create-client-1")
        .json(&json!({"name": "洛阳市应急管理局业务系统", "role": "regulator", "region_code": "410300"}))
        .send()
        .await
        .expect("request");
    let reply = Reply::of(response).await;
    let created = reply.expect_json(StatusCode::CREATED);
    assert_eq!(reply.header("x-request-id"), Some("e2e-create-client-1"));
    assert_eq!(created["role"], "regulator");
    assert_eq!(created["region_code"], "410300");
    assert_eq!(created["organization_id"], Value::Null);
    assert_eq!(created["name"], "洛阳市应急管理局业务系统");
    assert!(created.get("secret_hash").is_none(), "{created}");
    let client_id = created["client_id"].as_str().expect("client_id").to_owned();
    let secret = created["client_secret"].as_str().expect("client_secret").to_owned();
    assert!(secret.len() >= 32, "secret {secret:?} is too short");

    let mut conn = app.db.connect();
    let filter = audit::AuditFilter { resource_id: Some(client_id.clone()), ..Default::default() };
    let trail = audit::list(&mut conn, &filter, None, 10).expect("audit");
    assert_eq!(trail.items.len(), 1);
    let entry = &trail.items[0];
    assert_eq!(entry.action, "client.create");
    assert_eq!(entry.resource_type, "client");
    assert_eq!(entry.role, "admin");
    assert_eq!(entry.actor, unverified_claims(app.admin_token())["sub"].as_str().expect("admin sub"));
    assert_eq!(entry.actor_region, None);
    assert_eq!(entry.resource_region.as_deref(), Some("410300"));
    assert_eq!(entry.request_id, "e2e-create-client-1");

    let stored = clients::find(&mut conn, Uuid::parse_str(&client_id).expect("uuid")).expect("query").expect("row");
    assert!(stored.secret_hash.starts_with("$argon2id$"), "{}", stored.secret_hash);
    assert!(!stored.secret_hash.contains(&secret), "the hash contains the secret");
    assert!(secrets::verify_secret(&secret, &stored.secret_hash));
    assert!(!secrets::verify_secret("wrong", &stored.secret_hash));
    assert_eq!(stored.role.as_str(), "regulator");
    assert_eq!(stored.region_code.as_ref().map(|r| r.as_str()), Some("410300"));
    assert!(!stored.disabled);

    // The secret shown once logs in.
    let token = app.login(&client_id, &secret).await;
    assert_eq!(unverified_claims(&token)["sub"], client_id.as_str());
}
