//! Holidays: request and response bodies.
