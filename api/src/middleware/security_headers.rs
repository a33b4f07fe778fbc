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
