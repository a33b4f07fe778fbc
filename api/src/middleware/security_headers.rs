//! Security headers on every response (OWASP secure headers). Handlers may
//! set their own `Cache-Control`; these defaults never override a header a
//! handler chose.

use actix_web::middleware::DefaultHeaders;

/// Allows the offline docs page (its own scripts and styles) and nothing from
/// elsewhere; JSON responses are unaffected.
const CONTENT_SECURITY_POLICY: &str =
    "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; frame-ancestors 'none'; form-action 'none'";

pub fn security_headers() -> DefaultHeaders {
    DefaultHeaders::new()
        .add(("X-Content-Type-Options", "nosniff"))
        .add(("X-Frame-Options", "DENY"))
        .add(("Referrer-Policy", "no-referrer"))
        .add(("Content-Security-Policy", CONTENT_SECURITY_POLICY))
        .add(("Cross-Origin-Opener-Policy", "same-origin"))
        .add(("Cross-Origin-Resource-Policy", "same-origin"))
        .add(("Permissions-Policy", "geolocation=(), camera=(), microphone=()"))
        .add(("Strict-Transport-Security", "max-age=31536000"))
        .add(("Cache-Control", "no-store"))
}

/// Cross-origin access for the configured origins only; with none
/// configured the middleware is not installed and browsers get no CORS
/// headers at all.
pub fn cors(allowed_origins: &[String]) -> actix_web::middleware::Condition<actix_cors::Cors> {
    let origins: Vec<&String> = allowed_origins.iter().filter(|o| !o.trim().is_empty()).collect();
    let mut cors = actix_cors::Cors::default()
        .allowed_methods(["GET", "POST", "PATCH"])
        .allowed_headers([
            "Authorization",
            "Content-Type",
            "Idempotency-Key",
            "If-Match",
            "If-None-Match",
            "Accept-Language",
            "X-Request-Id",
        ])
        .expose_headers(["ETag", "Location", "Retry-After", "X-Request-Id", "Idempotent-Replayed"])
        .max_age(600);
    for origin in &origins {
        cors = cors.allowed_origin(origin.trim());
    }
    actix_web::middleware::Condition::new(!origins.is_empty(), cors)
}
