//! Demands, bids and matches: request and response bodies.
