//! An in-memory cache of public credit cards (`GET /api/v1/public/credit/{code}`).
//!
//! The card is public and already declared cacheable for 60 s
//! (`Cache-Control: public, max-age=60`), so serving a copy up to that old
//! changes nothing a client may rely on; it turns the hottest public read
//! into a map lookup. Writes on this instance that can change a card clear
//! the cache after they commit, so a regulator sees its own change at once;
//! another instance's writes show within the time to live. A card is kept
//! only for the CST day it was computed for (suspensions and expiries turn
//! over at midnight).

use std::collections::HashMap;
use std::sync::{Arc, RwLock};
use std::time::{Duration, Instant};

use chrono::NaiveDate;

/// How long a card is served from memory: the `max-age` the card declares.
pub const TIME_TO_LIVE: Duration = Duration::from_secs(60);
/// Beyond this many cards the cache starts again from empty (a bound on
/// memory, not an eviction policy: a full refill costs one read per card).
const CAPACITY: usize = 200_000;

/// A rendered card: the JSON body and its entity tag.
#[derive(Debug)]
pub struct CachedCard {
    pub body: Vec<u8>,
    pub etag: String,
    pub as_of: NaiveDate,
    stored_at: Instant,
}

#[derive(Debug, Default)]
pub struct PublicCreditCache {
    cards: RwLock<HashMap<String, Arc<CachedCard>>>,
}

impl PublicCreditCache {
    /// The card of `credit_code` for `today`, if a fresh one is held.
    pub fn get(&self, credit_code: &str, today: NaiveDate) -> Option<Arc<CachedCard>> {
        let cards = self.cards.read().ok()?;
        cards.get(credit_code).filter(|card| card.as_of == today && card.stored_at.elapsed() < TIME_TO_LIVE).cloned()
    }

    pub fn put(&self, credit_code: String, body: Vec<u8>, etag: String, as_of: NaiveDate) -> Arc<CachedCard> {
        let card = Arc::new(CachedCard { body, etag, as_of, stored_at: Instant::now() });
        if let Ok(mut cards) = self.cards.write() {
            if cards.len() >= CAPACITY {
                cards.clear();
            }
            cards.insert(credit_code, card.clone());
        }
        card
    }

    /// Forgets every card: called after a write that may change any of them
    /// (credit events, sanctions, blacklist decisions, registry changes).
    /// Such writes are rare, so precision is not worth a second index.
    pub fn invalidate_all(&self) {
        if let Ok(mut cards) = self.cards.write() {
            cards.clear();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 11, d).expect("date")
    }

    #[test]
    fn a_card_is_served_only_for_its_day_and_until_invalidated() {
        let cache = PublicCreditCache::default();
        cache.put("A".into(), b"{}".to_vec(), "t".into(), day(29));
        assert!(cache.get("A", day(29)).is_some());
        assert!(cache.get("A", day(30)).is_none(), "a new CST day recomputes");
        assert!(cache.get("B", day(29)).is_none());
        cache.invalidate_all();
        assert!(cache.get("A", day(29)).is_none());
    }
}
