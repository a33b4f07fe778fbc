//! Engagements: request and response bodies.
