//! Per-address rate limiting of the unauthenticated surface: the token
//! endpoint, `/api/v1/public/` and spot-check verification. A token bucket per client address refills
//! at the configured rate; an empty bucket is 429 with `Retry-After`.
//!
//! The buckets live in each instance's memory: a limit, not a correctness
//! guarantee (the client lockout after wrong secrets is in the database).

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::Mutex;
use std::time::Instant;

use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::middleware::Next;
use actix_web::{web, Error};

use crate::error::ApiError;

/// Beyond this many tracked addresses, idle full buckets are forgotten.
const MAX_TRACKED: usize = 10_000;

struct Bucket {
    tokens: f64,
    updated: Instant,
}

pub struct RateLimiter {
    per_minute: u32,
    buckets: Mutex<HashMap<IpAddr, Bucket>>,
}

impl RateLimiter {
    /// `per_minute` requests per address, in bursts of up to as many; 0 = off.
    pub fn new(per_minute: u32) -> RateLimiter {
        RateLimiter { per_minute, buckets: Mutex::new(HashMap::new()) }
    }

    /// Takes one token for `address`, or says how many seconds until one.
    fn take(&self, address: IpAddr, now: Instant) -> Result<(), u64> {
        if self.per_minute == 0 {
            return Ok(());
        }
        let capacity = f64::from(self.per_minute);
        let per_second = capacity / 60.0;
        let mut buckets = self.buckets.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        if buckets.len() > MAX_TRACKED {
            buckets.retain(|_, b| b.tokens + now.duration_since(b.updated).as_secs_f64() * per_second < capacity);
        }
        let bucket = buckets.entry(address).or_insert(Bucket { tokens: capacity, updated: now });
        bucket.tokens = (bucket.tokens + now.duration_since(bucket.updated).as_secs_f64() * per_second).min(capacity);
        bucket.updated = now;
        if bucket.tokens >= 1.0 {
            bucket.tokens -= 1.0;
            Ok(())
        } else {
            Err(((1.0 - bucket.tokens) / per_second).ceil() as u64)
        }
    }
}

/// The unauthenticated surface: public reads and writes, the token
/// endpoint, and the public verification of spot-check draws.
fn limited(path: &str) -> bool {
    path.starts_with("/api/v1/public/")
        || path == "/api/v1/auth/token"
        || (path.starts_with("/api/v1/supervision/spot-check-draws/") && path.ends_with("/verification"))
}

pub async fn rate_limit(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<actix_web::body::BoxBody>, Error> {
    if limited(req.path()) {
        let limiter = req.app_data::<web::Data<RateLimiter>>().cloned();
        let address = req.peer_addr().map(|a| a.ip());
        if let (Some(limiter), Some(address)) = (limiter, address) {
            if let Err(seconds) = limiter.take(address, Instant::now()) {
                // Answered here, with the error attached so it is localised like any other.
                let (request, _) = req.into_parts();
                return Ok(ServiceResponse::from_err(ApiError::too_many_requests("rate_limited", seconds), request));
            }
        }
    }
    Ok(next.call(req).await?.map_into_boxed_body())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn a_bucket_empties_and_refills() {
        let limiter = RateLimiter::new(2);
        let a: IpAddr = [127, 0, 0, 1].into();
        let b: IpAddr = [127, 0, 0, 2].into();
        let start = Instant::now();
        assert_eq!(limiter.take(a, start), Ok(()));
        assert_eq!(limiter.take(a, start), Ok(()));
        assert_eq!(limiter.take(a, start), Err(30));
        // Another address has its own bucket.
        assert_eq!(limiter.take(b, start), Ok(()));
        assert_eq!(limiter.take(a, start + Duration::from_secs(30)), Ok(()));
        assert!(RateLimiter::new(0).take(a, start).is_ok());
    }

    #[test]
    fn only_the_unauthenticated_surface_is_limited() {
        assert!(limited("/api/v1/auth/token"));
        assert!(limited("/api/v1/public/organizations/x"));
        assert!(limited("/api/v1/public/certificates"));
        assert!(limited("/api/v1/public/certificates/attestation"));
        assert!(limited("/api/v1/public/training/pass-rates"));
        assert!(limited("/api/v1/supervision/spot-check-draws/x/verification"));
        assert!(!limited("/api/v1/supervision/spot-check-draws/x"));
        assert!(!limited("/api/v1/organizations"));
        assert!(!limited("/api/v1/auth/jwks.json"));
    }
}
