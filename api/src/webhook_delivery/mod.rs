//! (stub) The webhook delivery worker: leases, signing, SSRF guard, back-off.
