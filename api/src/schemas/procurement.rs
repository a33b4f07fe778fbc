//! Government purchase projects: request and response bodies.
