//! Disclosures: request and response bodies.
