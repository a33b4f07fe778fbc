//! Cross-cutting behaviour over real HTTP, on the backend TEST_DATABASE names:
//! how malformed requests are answered, request ids, the language of problem
//! titles and what a 500 tells the caller.

use diesel::connection::SimpleConnection;
use e2e::TestApp;
use persistence::DbConnection;
use reqwest::header::{HeaderMap, CONTENT_TYPE, WWW_AUTHENTICATE};
use reqwest::StatusCode;
use serde_json::{json, Value};
use uuid::Uuid;

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

    fn request_id(&self) -> &str {
        self.header("x-request-id").unwrap_or_else(|| panic!("no X-Request-Id; body: {}", self.text))
    }

    /// The problem body, after checking status, media type, code and type.
    fn expect_problem(&self, status: StatusCode, code: &str) -> Value {
        assert_eq!(self.status, status, "body: {}", self.text);
        assert_eq!(self.header(CONTENT_TYPE), Some("application/problem+json"), "body: {}", self.text);
        if status == StatusCode::UNAUTHORIZED {
            assert!(self.header(WWW_AUTHENTICATE).is_some_and(|v| v.starts_with("Bearer")), "{:?}", self.headers);
        }
        let body: Value = serde_json::from_str(&self.text).unwrap_or_else(|e| panic!("{e}: {}", self.text));
        assert_eq!(body["code"], code, "body: {body}");
        assert_eq!(body["status"], status.as_u16(), "body: {body}");
        assert_eq!(body["type"], format!("urn:henan-safety:problem:{code}"), "body: {body}");
        assert!(body["title"].as_str().is_some_and(|t| !t.is_empty()), "body: {body}");
        // Every problem names the request it answers, as the header does.
        assert_eq!(body["request_id"], self.request_id(), "body: {body}");
        body
    }
}

async fn send(request: reqwest::RequestBuilder) -> Reply {
    Reply::of(request.send().await.expect("request")).await
}

fn credentials() -> Value {
    json!({"grant_type": "client_credentials", "client_id": Uuid::new_v4(), "client_secret": "not the secret"})
}

/// `POST /api/v1/auth/token` with a raw body and content type.
async fn post_token(app: &TestApp, content_type: Option<&str>, body: impl Into<reqwest::Body>) -> Reply {
    let mut request = app.http.post(app.url("/api/v1/auth/token")).body(body);
    if let Some(content_type) = content_type {
        request = request.header(CONTENT_TYPE, content_type);
    }
    send(request).await
}

#[tokio::test]
async fn malformed_bodies_are_400() {
    let app = TestApp::spawn().await;
    // Control: a well-formed body reaches the handler (unknown client).
    post_token(&app, Some("application/json"), credentials().to_string())
        .await
        .expect_problem(StatusCode::UNAUTHORIZED, "invalid_client");

    post_token(&app, Some("application/json"), r#"{"grant_type": "client_credentials", "client_id": "#)
        .await
        .expect_problem(StatusCode::BAD_REQUEST, "malformed_json");
    post_token(&app, Some("application/json"), "").await.expect_problem(StatusCode::BAD_REQUEST, "malformed_json");

    let mut invalid_utf8 = br#"{"grant_type": "client_credentials", "client_id": ""#.to_vec();
    invalid_utf8.extend_from_slice(&[0xff, 0xfe, 0xc3]);
    invalid_utf8.extend_from_slice(br#"", "client_secret": "x"}"#);
    post_token(&app, Some("application/json"), invalid_utf8)
        .await
        .expect_problem(StatusCode::BAD_REQUEST, "malformed_json");
}

#[tokio::test]
async fn bodies_must_be_json() {
    let app = TestApp::spawn().await;
    let body = credentials().to_string();
    post_token(&app, Some("application/json; charset=utf-8"), body.clone())
        .await
        .expect_problem(StatusCode::UNAUTHORIZED, "invalid_client");

    post_token(&app, Some("text/plain"), body.clone())
        .await
        .expect_problem(StatusCode::UNSUPPORTED_MEDIA_TYPE, "unsupported_media_type");
    post_token(&app, None, body.clone())
        .await
        .expect_problem(StatusCode::UNSUPPORTED_MEDIA_TYPE, "unsupported_media_type");
    post_token(&app, Some("application/x-www-form-urlencoded"), "grant_type=client_credentials")
        .await
        .expect_problem(StatusCode::UNSUPPORTED_MEDIA_TYPE, "unsupported_media_type");
}

#[tokio::test]
async fn bodies_over_the_limit_are_413() {
    let app = TestApp::spawn_with(|s| s.max_body_bytes = 1024).await;
    // Under the limit the body is read.
    post_token(&app, Some("application/json"), credentials().to_string())
        .await
        .expect_problem(StatusCode::UNAUTHORIZED, "invalid_client");

    let mut large = credentials();
    large["client_secret"] = json!("x".repeat(4096));
    let large = large.to_string();
    assert!(large.len() > 4096);
    post_token(&app, Some("application/json"), large)
        .await
        .expect_problem(StatusCode::PAYLOAD_TOO_LARGE, "payload_too_large");

    // The same limit guards authenticated writes.
    let organization = json!({"credit_code": e2e::credit_code(1), "name": "某".repeat(2000), "kind": "enterprise"});
    send(app.http.post(app.url("/api/v1/organizations")).bearer_auth(app.admin_token()).json(&organization))
        .await
        .expect_problem(StatusCode::PAYLOAD_TOO_LARGE, "payload_too_large");
}

#[tokio::test]
async fn malformed_paths_and_queries_are_400() {
    let app = TestApp::spawn().await;
    send(app.http.get(app.url("/api/v1/organizations/not-a-uuid")).bearer_auth(app.admin_token()))
        .await
        .expect_problem(StatusCode::BAD_REQUEST, "invalid_path");
    // Control: a well-formed id that names nothing is 404.
    send(app.http.get(app.url(&format!("/api/v1/organizations/{}", Uuid::new_v4()))).bearer_auth(app.admin_token()))
        .await
        .expect_problem(StatusCode::NOT_FOUND, "not_found");

    send(app.http.get(app.url("/api/v1/organizations?nmae=x")).bearer_auth(app.admin_token()))
        .await
        .expect_problem(StatusCode::BAD_REQUEST, "invalid_query");
    send(app.http.get(app.url("/api/v1/organizations?limit=many")).bearer_auth(app.admin_token()))
        .await
        .expect_problem(StatusCode::BAD_REQUEST, "invalid_query");
    // Control: known parameters are accepted.
    let ok =
        send(app.http.get(app.url("/api/v1/organizations?kind=enterprise&limit=5")).bearer_auth(app.admin_token()))
            .await;
    assert_eq!(ok.status, StatusCode::OK, "{}", ok.text);
}

#[tokio::test]
async fn unknown_paths_are_404_problems() {
    let app = TestApp::spawn().await;
    for path in ["/api/v1/no-such-thing", "/no-such-thing", "/api/v2/regions", "/api/v1/regions/extra"] {
        send(app.http.get(app.url(path))).await.expect_problem(StatusCode::NOT_FOUND, "not_found");
        send(app.http.get(app.url(path)).bearer_auth(app.admin_token()))
            .await
            .expect_problem(StatusCode::NOT_FOUND, "not_found");
    }
}

#[tokio::test]
async fn wrong_methods_are_405_problems() {
    let app = TestApp::spawn().await;
    // Control: the paths exist for their own methods.
    let ok = send(app.http.get(app.url("/api/v1/regions")).bearer_auth(app.admin_token())).await;
    assert_eq!(ok.status, StatusCode::OK, "{}", ok.text);

    let mut failures = Vec::new();
    let wrong = [
        ("DELETE /api/v1/regions", app.http.delete(app.url("/api/v1/regions"))),
        ("GET /api/v1/auth/token", app.http.get(app.url("/api/v1/auth/token"))),
        ("PUT /api/v1/clients", app.http.put(app.url("/api/v1/clients"))),
    ];
    for (case, request) in wrong {
        let reply = send(request.bearer_auth(app.admin_token())).await;
        let code = serde_json::from_str::<Value>(&reply.text).map(|b| b["code"].clone()).unwrap_or(Value::Null);
        if reply.status != StatusCode::METHOD_NOT_ALLOWED
            || reply.header(CONTENT_TYPE) != Some("application/problem+json")
            || code != "method_not_allowed"
            || reply.header(reqwest::header::ALLOW).is_none_or(|allow| allow.is_empty() || allow.contains(&case[..3]))
        {
            failures.push(format!("{case}: {} {:?} {}", reply.status, reply.header(CONTENT_TYPE), reply.text));
        }
    }
    assert!(failures.is_empty(), "wrong methods not answered 405 method_not_allowed:\n{}", failures.join("\n"));
}

#[tokio::test]
async fn request_ids_are_echoed_or_generated() {
    let app = TestApp::spawn().await;
    let regions = |id: Option<String>| {
        let mut request = app.http.get(app.url("/api/v1/regions"));
        if let Some(id) = id {
            request = request.header("X-Request-Id", id);
        }
        send(request)
    };

    // A sane id is taken, echoed and named in the problem.
    let reply = regions(Some("trace-42_ab.c:d".into())).await;
    assert_eq!(reply.request_id(), "trace-42_ab.c:d");
    let problem = reply.expect_problem(StatusCode::UNAUTHORIZED, "unauthorized");
    assert_eq!(problem["request_id"], "trace-42_ab.c:d");
    let longest = "r".repeat(128);
    assert_eq!(regions(Some(longest.clone())).await.request_id(), longest);

    // Unacceptable ids are replaced by generated ones.
    for unacceptable in ["has spaces in it".to_owned(), "a".repeat(200), "semi;colon".to_owned()] {
        let reply = regions(Some(unacceptable.clone())).await;
        let id = reply.request_id().to_owned();
        assert_ne!(id, unacceptable);
        assert!(Uuid::parse_str(&id).is_ok(), "generated id {id:?}");
        let problem = reply.expect_problem(StatusCode::UNAUTHORIZED, "unauthorized");
        assert_eq!(problem["request_id"], id.as_str());
    }

    // Without one, every response gets a fresh UUID, successes included.
    let first = regions(None).await;
    let second = regions(None).await;
    assert!(Uuid::parse_str(first.request_id()).is_ok(), "{:?}", first.request_id());
    assert_ne!(first.request_id(), second.request_id());
    first.expect_problem(StatusCode::UNAUTHORIZED, "unauthorized");
    let ok = send(app.http.get(app.url("/api/v1/regions")).bearer_auth(app.admin_token())).await;
    assert_eq!(ok.status, StatusCode::OK, "{}", ok.text);
    assert!(Uuid::parse_str(ok.request_id()).is_ok(), "{:?}", ok.request_id());
}

#[tokio::test]
async fn titles_follow_accept_language() {
    let app = TestApp::spawn().await;
    let title = |language: Option<&'static str>| {
        let mut request = app.http.get(app.url("/api/v1/regions"));
        if let Some(language) = language {
            request = request.header("Accept-Language", language);
        }
        async move {
            let problem = send(request).await.expect_problem(StatusCode::UNAUTHORIZED, "unauthorized");
            problem["title"].as_str().expect("title").to_owned()
        }
    };
    assert_eq!(title(Some("en")).await, "Authentication is required");
    assert_eq!(title(Some("en-US,en;q=0.9")).await, "Authentication is required");
    assert_eq!(title(Some("zh-CN;q=0.5, en;q=0.8")).await, "Authentication is required");
    assert_eq!(title(None).await, "需要身份认证");
    assert_eq!(title(Some("zh-CN")).await, "需要身份认证");
    assert_eq!(title(Some("fr-FR")).await, "需要身份认证");

    // Field messages follow too.
    let reply = send(
        app.http
            .post(app.url("/api/v1/auth/token"))
            .header("Accept-Language", "en")
            .json(&json!({"grant_type": "client_credentials", "client_id": "x"})),
    )
    .await;
    let problem = reply.expect_problem(StatusCode::UNPROCESSABLE_ENTITY, "validation_failed");
    assert_eq!(problem["title"], "The request failed validation");
    assert_eq!(problem["errors"][0]["message"], "This field is required", "{problem}");
}

#[tokio::test]
async fn internal_errors_tell_nothing() {
    let app = TestApp::spawn().await;
    // Break the schema under the running server.
    let dropped = match app.db.connect() {
        DbConnection::Sqlite(mut c) => c.batch_execute("PRAGMA foreign_keys = OFF; DROP TABLE regions;"),
        DbConnection::Postgres(mut c) => c.batch_execute("DROP TABLE regions CASCADE"),
    };
    dropped.expect("drop the region table");

    let reply =
        send(app.http.get(app.url("/api/v1/regions")).bearer_auth(app.admin_token()).header("Accept-Language", "en"))
            .await;
    let problem = reply.expect_problem(StatusCode::INTERNAL_SERVER_ERROR, "internal_error");
    assert_eq!(problem["title"], "Internal server error");
    assert!(problem.get("detail").is_none() && problem.get("errors").is_none(), "{problem}");
    let keys: Vec<&str> = problem.as_object().expect("object").keys().map(String::as_str).collect();
    assert_eq!(keys.len(), 5, "unexpected members: {keys:?}");
    let lower = reply.text.to_lowercase();
    for leak in ["regions", "table", "relation", "sql", "diesel", "database", "panic", "src/"] {
        assert!(!lower.contains(leak), "the 500 body mentions {leak:?}: {}", reply.text);
    }
}

#[tokio::test]
async fn every_response_carries_security_headers_and_no_banner() {
    let app = TestApp::spawn().await;
    let responses = [
        app.http.get(app.url("/health/live")).send().await.expect("live"),
        app.http.get(app.url("/api/v1/regions")).send().await.expect("401"),
        app.http.get(app.url("/docs/")).send().await.expect("docs"),
        app.http.get(app.url("/nowhere")).send().await.expect("404"),
        app.http.get(app.url("/api/v1/regions")).bearer_auth(app.admin_token()).send().await.expect("200"),
    ];
    for response in responses {
        let headers = response.headers();
        for (name, value) in
            [("x-content-type-options", "nosniff"), ("x-frame-options", "DENY"), ("referrer-policy", "no-referrer")]
        {
            assert_eq!(headers.get(name).and_then(|v| v.to_str().ok()), Some(value), "{name} on {}", response.url());
        }
        assert!(headers.contains_key("content-security-policy"), "{}", response.url());
        assert!(!headers.contains_key("server"), "server banner on {}", response.url());
        // CORS is off: no origin is ever allowed.
        assert!(!headers.contains_key("access-control-allow-origin"), "{}", response.url());
    }
    let preflight = app
        .http
        .request(reqwest::Method::OPTIONS, app.url("/api/v1/regions"))
        .header("Origin", "https://evil.example")
        .header("Access-Control-Request-Method", "GET")
        .send()
        .await
        .expect("preflight");
    assert!(!preflight.headers().contains_key("access-control-allow-origin"));
}

#[tokio::test]
async fn cors_answers_only_configured_origins() {
    let app = TestApp::spawn_with(|s| s.cors_allowed_origins = vec!["https://portal.example.cn".into()]).await;
    let preflight = |origin: &'static str| {
        app.http
            .request(reqwest::Method::OPTIONS, app.url("/api/v1/organizations"))
            .header("Origin", origin)
            .header("Access-Control-Request-Method", "GET")
            .header("Access-Control-Request-Headers", "authorization")
            .send()
    };
    let allowed = preflight("https://portal.example.cn").await.expect("preflight");
    assert_eq!(allowed.headers()["access-control-allow-origin"], "https://portal.example.cn");
    let refused = preflight("https://evil.example").await.expect("preflight");
    assert!(!refused.headers().contains_key("access-control-allow-origin"));
    let read = app
        .http
        .get(app.url("/api/v1/regions"))
        .header("Origin", "https://portal.example.cn")
        .bearer_auth(app.admin_token())
        .send()
        .await
        .expect("read");
    assert_eq!(read.status(), StatusCode::OK);
    assert_eq!(read.headers()["access-control-allow-origin"], "https://portal.example.cn");
}
