//! Subsidy programmes: request and response bodies.
