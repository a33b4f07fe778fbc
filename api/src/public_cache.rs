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
//!
//! Memory is bounded by bytes, not by count: every card is charged its body,
//! its entity tag, its key and an estimate of the bookkeeping around them
//! ([`ENTRY_OVERHEAD`]), and a card that would take the total past the budget
//! first evicts the oldest cards. Cards are stored in insertion order and all
//! live [`TIME_TO_LIVE`], so the oldest card is also the first to expire:
//! expired cards are dropped from the front as new ones come in, and the
//! byte budget is only ever enforced by evicting from the same end.

use std::collections::{HashMap, VecDeque};
use std::sync::{Arc, RwLock};
use std::time::{Duration, Instant};

use actix_web::web::Bytes;
use chrono::NaiveDate;

/// How long a card is served from memory: the `max-age` the card declares.
pub const TIME_TO_LIVE: Duration = Duration::from_secs(60);
/// Default budget of the cache in charged bytes (see [`ENTRY_OVERHEAD`]).
/// At about 500 charged bytes a card it holds some 130,000 cards: measured
/// with 100,000 organisations looked up at random (bench/REPORT.md), 24 MiB
/// held half of them and answered at 9 % of `/health/live`; 64 MiB held all
/// of them, answered at 68 % with p99 4.7 ms, and the server peaked at
/// 92 MiB resident.
pub const DEFAULT_BUDGET_BYTES: usize = 64 * 1024 * 1024;
/// Bytes charged per card beyond its body and entity tag: the hash-map slot
/// with its load-factor slack (~48), the insertion-order queue entry (~40),
/// the shared card allocation (~104), the body's shared header (~32) and the
/// allocator's rounding of the body and tag (~32). An estimate, rounded up.
pub const ENTRY_OVERHEAD: usize = 256;
/// Keys are stored inline; a longer key (never a credit code, which is 18
/// characters) is served but not cached.
const KEY_MAX: usize = 23;

/// A rendered card: the JSON body and its entity tag.
#[derive(Debug)]
pub struct CachedCard {
    /// The serialized card, exactly sized; cloning it shares the bytes.
    pub body: Bytes,
    pub etag: String,
    pub as_of: NaiveDate,
    stored_at: Instant,
}

impl CachedCard {
    fn charge(&self) -> usize {
        self.body.len() + self.etag.len() + ENTRY_OVERHEAD
    }

    fn fresh(&self, today: NaiveDate, now: Instant) -> bool {
        self.as_of == today && now.saturating_duration_since(self.stored_at) < TIME_TO_LIVE
    }
}

/// A credit code held inline (no allocation per key).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
struct Key {
    len: u8,
    bytes: [u8; KEY_MAX],
}

impl Key {
    fn new(code: &str) -> Option<Key> {
        let raw = code.as_bytes();
        if raw.len() > KEY_MAX {
            return None;
        }
        let mut bytes = [0; KEY_MAX];
        bytes[..raw.len()].copy_from_slice(raw);
        Some(Key { len: raw.len() as u8, bytes })
    }
}

#[derive(Debug, Default)]
struct Inner {
    cards: HashMap<Key, Arc<CachedCard>>,
    /// Keys in insertion order with the instant they were stored; an entry
    /// whose instant no longer matches the map's card was replaced and is
    /// skipped when it reaches the front.
    order: VecDeque<(Key, Instant)>,
    /// Sum of [`CachedCard::charge`] over `cards`.
    bytes: usize,
}

impl Inner {
    /// Drops the front of the queue while it is expired (or replaced) or
    /// while `incoming` more bytes would not fit in `budget`.
    fn evict(&mut self, incoming: usize, budget: usize, now: Instant) {
        while let Some(&(key, stored_at)) = self.order.front() {
            let expired = now.saturating_duration_since(stored_at) >= TIME_TO_LIVE;
            let live = self.cards.get(&key).is_some_and(|card| card.stored_at == stored_at);
            if live && !expired && self.bytes + incoming <= budget {
                break;
            }
            self.order.pop_front();
            if live {
                if let Some(card) = self.cards.remove(&key) {
                    self.bytes -= card.charge();
                }
            }
        }
    }

    fn clear(&mut self) {
        self.cards.clear();
        self.order.clear();
        self.bytes = 0;
    }
}

#[derive(Debug)]
pub struct PublicCreditCache {
    inner: RwLock<Inner>,
    budget: usize,
}

impl Default for PublicCreditCache {
    fn default() -> Self {
        Self::with_budget(DEFAULT_BUDGET_BYTES)
    }
}

impl PublicCreditCache {
    /// A cache holding at most `budget` charged bytes of cards.
    pub fn with_budget(budget: usize) -> Self {
        Self { inner: RwLock::new(Inner::default()), budget }
    }

    /// The card of `credit_code` for `today`, if a fresh one is held.
    pub fn get(&self, credit_code: &str, today: NaiveDate) -> Option<Arc<CachedCard>> {
        let key = Key::new(credit_code)?;
        let inner = self.inner.read().ok()?;
        let now = Instant::now();
        inner.cards.get(&key).filter(|card| card.fresh(today, now)).cloned()
    }

    /// Stores a freshly rendered card (evicting the oldest cards if the
    /// budget needs it) and returns it. A card larger than the whole budget
    /// is returned without being kept.
    pub fn put(&self, credit_code: String, body: Vec<u8>, etag: String, as_of: NaiveDate) -> Arc<CachedCard> {
        let now = Instant::now();
        // `into_boxed_slice` drops the serializer's spare capacity.
        let card = Arc::new(CachedCard { body: Bytes::from(body.into_boxed_slice()), etag, as_of, stored_at: now });
        let charge = card.charge();
        let Some(key) = Key::new(&credit_code) else { return card };
        if let Ok(mut inner) = self.inner.write() {
            if let Some(old) = inner.cards.remove(&key) {
                inner.bytes -= old.charge();
            }
            if charge > self.budget {
                return card;
            }
            inner.evict(charge, self.budget, now);
            inner.cards.insert(key, card.clone());
            inner.order.push_back((key, now));
            inner.bytes += charge;
        }
        card
    }

    /// Forgets every card: called after a write that may change any of them
    /// (credit events, sanctions, blacklist decisions, registry changes).
    /// Such writes are rare, so precision is not worth a second index.
    pub fn invalidate_all(&self) {
        if let Ok(mut inner) = self.inner.write() {
            inner.clear();
        }
    }

    /// Charged bytes and number of cards held (for tests and metrics).
    pub fn usage(&self) -> (usize, usize) {
        self.inner.read().map(|inner| (inner.bytes, inner.cards.len())).unwrap_or((0, 0))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 11, d).expect("date")
    }

    fn code(n: usize) -> String {
        format!("91410001MA{n:08}")
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
        assert_eq!(cache.usage(), (0, 0));
    }

    #[test]
    fn the_body_is_kept_exactly_sized() {
        let cache = PublicCreditCache::default();
        let mut body = Vec::with_capacity(4096);
        body.extend_from_slice(b"{\"score\":100}");
        let card = cache.put(code(1), body, "e".into(), day(29));
        assert_eq!(&card.body[..], b"{\"score\":100}");
        assert_eq!(cache.usage(), (13 + 1 + ENTRY_OVERHEAD, 1));
    }

    #[test]
    fn the_byte_budget_evicts_the_oldest_cards_first() {
        let body = vec![b'x'; 100];
        let per_card = 100 + 2 + ENTRY_OVERHEAD;
        let cache = PublicCreditCache::with_budget(per_card * 3);
        for n in 0..3 {
            cache.put(code(n), body.clone(), "ee".into(), day(29));
        }
        assert_eq!(cache.usage(), (per_card * 3, 3));
        cache.put(code(3), body.clone(), "ee".into(), day(29));
        assert_eq!(cache.usage(), (per_card * 3, 3), "the budget is never exceeded");
        assert!(cache.get(&code(0), day(29)).is_none(), "the oldest card went first");
        for n in 1..4 {
            assert!(cache.get(&code(n), day(29)).is_some(), "card {n} kept");
        }
        // A bigger card evicts as many old ones as it needs.
        cache.put(code(4), vec![b'y'; 100 + per_card], "ee".into(), day(29));
        assert_eq!(cache.usage(), (per_card * 3, 2));
        assert!(cache.get(&code(1), day(29)).is_none());
        assert!(cache.get(&code(2), day(29)).is_none());
        assert!(cache.get(&code(3), day(29)).is_some());
        assert!(cache.get(&code(4), day(29)).is_some());
    }

    #[test]
    fn replacing_a_card_charges_it_once_and_keeps_the_newer() {
        let per_card = 10 + 2 + ENTRY_OVERHEAD;
        let cache = PublicCreditCache::with_budget(per_card * 2);
        cache.put(code(0), vec![b'a'; 10], "e1".into(), day(28));
        cache.put(code(1), vec![b'b'; 10], "e1".into(), day(29));
        cache.put(code(0), vec![b'c'; 10], "e2".into(), day(29));
        assert_eq!(cache.usage(), (per_card * 2, 2));
        // The stale queue entry of the first code-0 card is skipped, so the
        // next eviction takes code 1 (now the oldest), not the new code 0.
        cache.put(code(2), vec![b'd'; 10], "e1".into(), day(29));
        assert_eq!(cache.usage(), (per_card * 2, 2));
        assert!(cache.get(&code(1), day(29)).is_none());
        assert_eq!(cache.get(&code(0), day(29)).map(|c| c.etag.clone()).as_deref(), Some("e2"));
        assert!(cache.get(&code(2), day(29)).is_some());
    }

    #[test]
    fn a_card_larger_than_the_budget_is_served_but_not_kept() {
        let cache = PublicCreditCache::with_budget(ENTRY_OVERHEAD + 10);
        cache.put(code(0), vec![b'a'; 5], "e".into(), day(29));
        let big = cache.put(code(1), vec![b'b'; 100], "e".into(), day(29));
        assert_eq!(big.body.len(), 100);
        assert!(cache.get(&code(1), day(29)).is_none());
        assert!(cache.get(&code(0), day(29)).is_some(), "nothing evicted for a card that cannot fit");
    }

    #[test]
    fn expired_cards_are_dropped_from_the_front() {
        let cache = PublicCreditCache::default();
        cache.put(code(0), vec![b'a'; 10], "e".into(), day(29));
        // Age the first card past its time to live.
        if let Ok(mut inner) = cache.inner.write() {
            let old = Instant::now().checked_sub(TIME_TO_LIVE + Duration::from_secs(1)).expect("monotonic clock");
            let key = Key::new(&code(0)).expect("key");
            let card = inner.cards.get(&key).expect("card").clone();
            let aged = Arc::new(CachedCard {
                body: card.body.clone(),
                etag: card.etag.clone(),
                as_of: card.as_of,
                stored_at: old,
            });
            inner.cards.insert(key, aged);
            inner.order[0].1 = old;
        }
        assert!(cache.get(&code(0), day(29)).is_none(), "expired");
        cache.put(code(1), vec![b'b'; 10], "e".into(), day(29));
        assert_eq!(cache.usage(), (10 + 1 + ENTRY_OVERHEAD, 1), "the expired card was evicted by the next put");
    }

    #[test]
    fn an_overlong_key_is_not_cached() {
        let cache = PublicCreditCache::default();
        let long = "X".repeat(KEY_MAX + 1);
        cache.put(long.clone(), b"{}".to_vec(), "e".into(), day(29));
        assert!(cache.get(&long, day(29)).is_none());
        assert_eq!(cache.usage(), (0, 0));
    }
}
