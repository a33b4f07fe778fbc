//! Annual reports: request and response bodies.
