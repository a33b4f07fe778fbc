//! Safety-management equivalence: request and response bodies.
