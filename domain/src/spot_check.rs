//! "Double random" spot checks (双随机): random targets, random inspectors
//! (豫安委〔2017〕17号 八(二) 随机抽查).
//!
//! DOMAIN.md ("Supervision — 八", 八(二)): enforcement relies on random spot checks. A draw is
//! only worth something if nobody — the platform included — can re-roll it until the outcome
//! suits them. So the draw has no randomness source at all: it is a pure function of inputs that
//! are fixed before it happens (the population filter, the population snapshot, the inspector
//! pool, the sizes, and a beacon value the regulator announced beforehand). Anyone holding the
//! recorded inputs can re-derive the seed and the selection with [`verify`], or with an
//! independent implementation of the algorithm documented on [`seed`] and [`draw`].
//!
//! The algorithm is versioned by [`VERSION_TAG`], which is hashed into every seed. Any change to
//! the encoding, the stream or the shuffle must bump the tag, so that a draw recorded under the
//! old version can never silently verify (or fail to verify) under the new one; the known-answer
//! test pins the current version's output.

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use thiserror::Error;

/// Citation of the random spot-check rule.
pub const CLAUSE: &str = "豫安委〔2017〕17号 八(二)";

/// Version of the draw algorithm, hashed first into every seed.
pub const VERSION_TAG: &str = "hsp-spot-check-v1";

/// Largest sample a single draw may ask for (a bound on work per request, not a policy value).
pub const MAX_SAMPLE_SIZE: u32 = 10_000;

/// Everything a draw depends on, fixed before the draw.
///
/// Ids are compared as exact strings (byte-wise on their UTF-8 form); callers pass them in one
/// canonical spelling (for UUIDs: lower-case, hyphenated). The order of `population` and
/// `inspectors` does not matter and duplicates are ignored: both are sorted and de-duplicated
/// before anything else happens.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DrawInputs {
    /// Candidate target ids: the population snapshot matching `criteria` at draw time.
    pub population: Vec<String>,
    /// Ids of the inspectors the targets' inspectors are drawn from.
    pub inspectors: Vec<String>,
    /// How many targets to draw (1..=[`MAX_SAMPLE_SIZE`]); a larger sample than the population
    /// draws everyone.
    pub sample_size: u32,
    /// How many distinct inspectors each target gets (1..=the pool size).
    pub inspectors_per_target: u32,
    /// Canonical text of the population filter, e.g.
    /// `kind=technical_service_agency;region=410100;sector=`.
    pub criteria: String,
    /// A value the regulator announced before the draw.
    pub beacon: String,
}

/// One drawn target and the inspectors drawn for it.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct DrawnTarget {
    /// The target id.
    pub target: String,
    /// Distinct inspector ids, in the order they were drawn.
    pub inspectors: Vec<String>,
}

/// The outcome of a draw.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Draw {
    /// Lower-case hex of [`seed`].
    pub seed_hex: String,
    /// Distinct targets, in the order they were drawn.
    pub targets: Vec<DrawnTarget>,
}

/// Draw inputs that cannot produce a meaningful draw.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Error)]
pub enum DrawError {
    /// `sample_size` is 0.
    #[error("the sample size must be at least 1")]
    EmptySample,
    /// `sample_size` is above [`MAX_SAMPLE_SIZE`].
    #[error("the sample size {sample_size} is above the maximum of 10000")]
    SampleTooLarge {
        /// The sample size asked for.
        sample_size: u32,
    },
    /// `inspectors_per_target` is 0 or more than the distinct inspectors available.
    #[error("{requested} inspectors per target requested, {available} distinct inspectors available")]
    NotEnoughInspectors {
        /// Inspectors per target asked for.
        requested: u32,
        /// Distinct inspectors in the pool.
        available: usize,
    },
}

impl DrawError {
    /// Stable machine code: `invalid_sample_size` or `not_enough_inspectors`.
    pub fn code(&self) -> &'static str {
        match self {
            DrawError::EmptySample | DrawError::SampleTooLarge { .. } => "invalid_sample_size",
            DrawError::NotEnoughInspectors { .. } => "not_enough_inspectors",
        }
    }
}

crate::validation::impl_coded!(DrawError);

/// The ids sorted (byte-wise) and de-duplicated.
fn canonical(ids: &[String]) -> Vec<&str> {
    let mut sorted: Vec<&str> = ids.iter().map(String::as_str).collect();
    sorted.sort_unstable();
    sorted.dedup();
    sorted
}

/// Writes `bytes` with its length as an 8-byte big-endian prefix, so that no two different
/// field sequences encode alike.
fn put_field(hasher: &mut Sha256, bytes: &[u8]) {
    hasher.update((bytes.len() as u64).to_be_bytes());
    hasher.update(bytes);
}

/// Writes a list as its item count (8-byte big-endian) followed by each item as a field.
fn put_list(hasher: &mut Sha256, items: &[&str]) {
    hasher.update((items.len() as u64).to_be_bytes());
    for item in items {
        put_field(hasher, item.as_bytes());
    }
}

fn finish(hasher: Sha256) -> [u8; 32] {
    let mut out = [0u8; 32];
    out.copy_from_slice(&hasher.finalize());
    out
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// The seed of a draw (豫安委〔2017〕17号 八(二)): SHA-256 over, in this order,
///
/// 1. [`VERSION_TAG`] as a field,
/// 2. `criteria` as a field,
/// 3. `sample_size` as 4 bytes big-endian,
/// 4. `inspectors_per_target` as 4 bytes big-endian,
/// 5. `population`, sorted byte-wise and de-duplicated, as a list,
/// 6. `inspectors`, sorted byte-wise and de-duplicated, as a list,
/// 7. `beacon` as a field,
///
/// where a *field* is its UTF-8 byte length as 8 bytes big-endian followed by the bytes, and a
/// *list* is its item count as 8 bytes big-endian followed by each item as a field. The seed thus
/// depends on every input and on nothing else, and the order the database returned the ids in
/// cannot change it.
pub fn seed(inputs: &DrawInputs) -> [u8; 32] {
    let mut hasher = Sha256::new();
    put_field(&mut hasher, VERSION_TAG.as_bytes());
    put_field(&mut hasher, inputs.criteria.as_bytes());
    hasher.update(inputs.sample_size.to_be_bytes());
    hasher.update(inputs.inspectors_per_target.to_be_bytes());
    put_list(&mut hasher, &canonical(&inputs.population));
    put_list(&mut hasher, &canonical(&inputs.inspectors));
    put_field(&mut hasher, inputs.beacon.as_bytes());
    finish(hasher)
}

/// Fingerprint of a population snapshot, recorded with the draw: lower-case hex SHA-256 of the
/// ids sorted byte-wise and de-duplicated, encoded as a list (see [`seed`]). Two snapshots with
/// the same members have the same digest whatever their order.
pub fn population_digest(population: &[String]) -> String {
    let mut hasher = Sha256::new();
    put_list(&mut hasher, &canonical(population));
    hex(&finish(hasher))
}

/// The deterministic random stream of a draw: block `i` (from 0) is SHA-256(seed ‖ `i` as 8 bytes
/// big-endian), read as four big-endian `u64`s in order.
struct Stream {
    seed: [u8; 32],
    counter: u64,
    block: [u8; 32],
    used: usize,
}

impl Stream {
    const WORDS: usize = 4;

    fn new(seed: [u8; 32]) -> Self {
        Self { seed, counter: 0, block: [0; 32], used: Self::WORDS }
    }

    fn next_u64(&mut self) -> u64 {
        if self.used == Self::WORDS {
            let mut hasher = Sha256::new();
            hasher.update(self.seed);
            hasher.update(self.counter.to_be_bytes());
            self.block = finish(hasher);
            self.counter = self.counter.wrapping_add(1);
            self.used = 0;
        }
        let start = self.used * 8;
        let mut word = [0u8; 8];
        word.copy_from_slice(&self.block[start..start + 8]);
        self.used += 1;
        u64::from_be_bytes(word)
    }

    /// Uniform in `[0, n)` for `n >= 1`, without modulo bias: words below `2^64 mod n` are
    /// rejected and the next word is taken, so the accepted range is a whole multiple of `n`.
    /// Always consumes at least one word, even for `n == 1`.
    fn below(&mut self, n: usize) -> usize {
        let n = n.max(1) as u64;
        let threshold = n.wrapping_neg() % n;
        loop {
            let word = self.next_u64();
            if word >= threshold {
                return (word % n) as usize;
            }
        }
    }

    /// Partial Fisher–Yates: for `i` in `0..k`, swap `items[i]` with `items[i + below(len − i)]`;
    /// the first `k` items are the draw, in draw order.
    fn choose<'a>(&mut self, mut items: Vec<&'a str>, k: usize) -> Vec<&'a str> {
        let k = k.min(items.len());
        for i in 0..k {
            let j = i + self.below(items.len() - i);
            items.swap(i, j);
        }
        items.truncate(k);
        items
    }
}

fn validate(inputs: &DrawInputs, pool_size: usize) -> Result<(), DrawError> {
    if inputs.sample_size == 0 {
        return Err(DrawError::EmptySample);
    }
    if inputs.sample_size > MAX_SAMPLE_SIZE {
        return Err(DrawError::SampleTooLarge { sample_size: inputs.sample_size });
    }
    if inputs.inspectors_per_target == 0 || inputs.inspectors_per_target as usize > pool_size {
        return Err(DrawError::NotEnoughInspectors { requested: inputs.inspectors_per_target, available: pool_size });
    }
    Ok(())
}

/// Draws targets and their inspectors (豫安委〔2017〕17号 八(二) 随机抽查, "double random").
///
/// With the stream of [`seed`] (block `i` = SHA-256(seed ‖ `i` as u64 big-endian), four
/// big-endian `u64`s per block, uniform integers by rejection of words below `2^64 mod n`):
///
/// 1. *Targets*: a partial Fisher–Yates shuffle of the sorted, de-duplicated population picks
///    `min(sample_size, population)` targets: for `i` in `0..k`, swap position `i` with position
///    `i + uniform(len − i)`.
/// 2. *Inspectors*: then, for each target in draw order, the same partial shuffle of a fresh copy
///    of the sorted, de-duplicated inspector pool picks `inspectors_per_target` distinct
///    inspectors, continuing the same stream.
///
/// The inputs are checked first, whatever the population: `sample_size` must be
/// 1..=[`MAX_SAMPLE_SIZE`] (`invalid_sample_size`) and `inspectors_per_target` 1..=the number of
/// distinct inspectors (`not_enough_inspectors`). An empty population is not an error: it draws
/// no target.
pub fn draw(inputs: &DrawInputs) -> Result<Draw, DrawError> {
    let population = canonical(&inputs.population);
    let pool = canonical(&inputs.inspectors);
    validate(inputs, pool.len())?;
    let seed = seed(inputs);
    let mut stream = Stream::new(seed);
    let chosen = stream.choose(population, inputs.sample_size as usize);
    let per_target = inputs.inspectors_per_target as usize;
    let targets = chosen
        .into_iter()
        .map(|target| DrawnTarget {
            target: target.to_owned(),
            inspectors: stream.choose(pool.clone(), per_target).into_iter().map(str::to_owned).collect(),
        })
        .collect();
    Ok(Draw { seed_hex: hex(&seed), targets })
}

/// Whether `recorded` is exactly the draw these inputs produce (same seed, same targets and
/// inspectors in the same order). Inputs that cannot be drawn verify nothing.
pub fn verify(inputs: &DrawInputs, recorded: &Draw) -> bool {
    draw(inputs).is_ok_and(|fresh| &fresh == recorded)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::validation::Coded;
    use proptest::prelude::*;
    use std::collections::{BTreeMap, HashSet};

    fn ids(prefix: &str, n: usize) -> Vec<String> {
        (0..n).map(|i| format!("{prefix}-{i:02}")).collect()
    }

    fn inputs() -> DrawInputs {
        DrawInputs {
            population: ids("agency", 12),
            inspectors: ids("inspector", 5),
            sample_size: 4,
            inspectors_per_target: 2,
            criteria: "kind=technical_service_agency;region=410100;sector=".to_owned(),
            beacon: "2026-03-02 regulator announcement 7f3a".to_owned(),
        }
    }

    fn assert_well_formed(inputs: &DrawInputs, drawn: &Draw) {
        let population: HashSet<&String> = inputs.population.iter().collect();
        let pool: HashSet<&String> = inputs.inspectors.iter().collect();
        let targets: HashSet<&String> = drawn.targets.iter().map(|t| &t.target).collect();
        assert_eq!(targets.len(), drawn.targets.len(), "a target was drawn twice");
        assert_eq!(drawn.targets.len(), (inputs.sample_size as usize).min(population.len()));
        for target in &drawn.targets {
            assert!(population.contains(&target.target));
            let inspectors: HashSet<&String> = target.inspectors.iter().collect();
            assert_eq!(inspectors.len(), target.inspectors.len(), "an inspector was drawn twice");
            assert_eq!(target.inspectors.len(), inputs.inspectors_per_target as usize);
            assert!(inspectors.iter().all(|i| pool.contains(i)));
        }
        assert_eq!(drawn.seed_hex, hex(&seed(inputs)));
        assert!(verify(inputs, drawn));
    }

    #[test]
    fn known_answer() {
        // Pins version hsp-spot-check-v1. If this fails, the algorithm changed: bump VERSION_TAG
        // rather than updating the expected values, or recorded draws stop verifying.
        let drawn = draw(&inputs()).unwrap();
        assert_eq!(drawn.seed_hex, "2f6f43419e11fdc860cfa5dda0a770eecc5b4cfede2d144a81460ee7ed10b4f3");
        let summary: Vec<(&str, Vec<&str>)> = drawn
            .targets
            .iter()
            .map(|t| (t.target.as_str(), t.inspectors.iter().map(String::as_str).collect()))
            .collect();
        // The same values come out of an independent re-implementation from the doc comments.
        assert_eq!(
            summary,
            [
                ("agency-00", vec!["inspector-03", "inspector-01"]),
                ("agency-11", vec!["inspector-01", "inspector-03"]),
                ("agency-03", vec!["inspector-01", "inspector-02"]),
                ("agency-08", vec!["inspector-02", "inspector-00"]),
            ]
        );
        assert_eq!(
            population_digest(&inputs().population),
            "1fcf00bdc014ec18252a0d4f96d46b98efd6bd3dc6a50a2aef21b2ead7fd82ae"
        );
    }

    #[test]
    fn input_order_and_duplicates_do_not_matter() {
        let base = inputs();
        let expected = draw(&base).unwrap();
        assert_well_formed(&base, &expected);

        let mut shuffled = base.clone();
        shuffled.population.reverse();
        shuffled.population.rotate_left(5);
        shuffled.inspectors.reverse();
        assert_eq!(draw(&shuffled).unwrap(), expected);
        assert_eq!(seed(&shuffled), seed(&base));

        let mut duplicated = base.clone();
        duplicated.population.extend(base.population.iter().take(3).cloned());
        duplicated.inspectors.push(base.inspectors[0].clone());
        assert_eq!(draw(&duplicated).unwrap(), expected);
        assert!(verify(&duplicated, &expected));

        assert_eq!(population_digest(&shuffled.population), population_digest(&base.population));
        assert_eq!(population_digest(&duplicated.population), population_digest(&base.population));
        assert_ne!(population_digest(&base.population[1..]), population_digest(&base.population));
        assert_eq!(population_digest(&base.population).len(), 64);
    }

    #[test]
    fn every_input_changes_the_seed() {
        let base = inputs();
        let base_seed = seed(&base);
        let base_draw = draw(&base).unwrap();

        let mut other_population = base.clone();
        other_population.population[3] = "agency-99".to_owned();
        let variants = [
            DrawInputs { beacon: "2026-03-02 regulator announcement 7f3b".to_owned(), ..base.clone() },
            other_population,
            DrawInputs { criteria: "kind=technical_service_agency;region=410200;sector=".to_owned(), ..base.clone() },
            DrawInputs { sample_size: 5, ..base.clone() },
            DrawInputs { inspectors_per_target: 3, ..base.clone() },
            DrawInputs { inspectors: ids("inspector", 6), ..base.clone() },
        ];
        for variant in &variants {
            assert_ne!(seed(variant), base_seed, "{variant:?}");
            let drawn = draw(variant).unwrap();
            assert_well_formed(variant, &drawn);
            assert_ne!(drawn, base_draw, "{variant:?}");
            assert!(!verify(variant, &base_draw));
        }
        // Fixed values: a new beacon (or one changed id) also changes which targets are drawn.
        for variant in &variants[..2] {
            let targets = |d: &Draw| d.targets.iter().map(|t| t.target.clone()).collect::<Vec<_>>();
            assert_ne!(targets(&draw(variant).unwrap()), targets(&base_draw), "{variant:?}");
        }
    }

    #[test]
    fn field_boundaries_cannot_be_shifted() {
        let a = DrawInputs { criteria: "ab".to_owned(), beacon: "c".to_owned(), ..inputs() };
        let b = DrawInputs { criteria: "a".to_owned(), beacon: "bc".to_owned(), ..inputs() };
        assert_ne!(seed(&a), seed(&b));
        let joined = DrawInputs { population: vec!["ab".to_owned()], ..inputs() };
        let split = DrawInputs { population: vec!["a".to_owned(), "b".to_owned()], ..inputs() };
        assert_ne!(seed(&joined), seed(&split));
        // An id moved from the population to the inspector pool is a different draw.
        let moved = DrawInputs {
            population: ids("agency", 11),
            inspectors: [ids("inspector", 5), vec!["agency-11".to_owned()]].concat(),
            ..inputs()
        };
        assert_ne!(seed(&moved), seed(&inputs()));
    }

    #[test]
    fn tampered_records_do_not_verify() {
        let base = inputs();
        let drawn = draw(&base).unwrap();
        assert!(verify(&base, &drawn));

        let mut swapped = drawn.clone();
        swapped.targets.swap(0, 1);
        assert!(!verify(&base, &swapped));

        let mut replaced = drawn.clone();
        let unchosen = base.population.iter().find(|id| drawn.targets.iter().all(|t| &t.target != *id)).unwrap();
        replaced.targets[0].target = unchosen.clone();
        assert!(!verify(&base, &replaced));

        let mut inspector = drawn.clone();
        inspector.targets[0].inspectors.reverse();
        assert!(!verify(&base, &inspector));

        let mut seed_changed = drawn.clone();
        seed_changed.seed_hex = "00".repeat(32);
        assert!(!verify(&base, &seed_changed));

        let mut dropped = drawn;
        dropped.targets.pop();
        assert!(!verify(&base, &dropped));

        assert!(!verify(&DrawInputs { sample_size: 0, ..base }, &Draw { seed_hex: String::new(), targets: vec![] }));
    }

    #[test]
    fn sample_larger_than_population_draws_everyone() {
        for sample_size in [12, 13, MAX_SAMPLE_SIZE] {
            let all = DrawInputs { sample_size, ..inputs() };
            let drawn = draw(&all).unwrap();
            assert_well_formed(&all, &drawn);
            let mut targets: Vec<String> = drawn.targets.iter().map(|t| t.target.clone()).collect();
            targets.sort();
            assert_eq!(targets, inputs().population);
        }
        let one = DrawInputs { population: vec!["only".to_owned()], sample_size: 3, ..inputs() };
        let drawn = draw(&one).unwrap();
        assert_eq!(drawn.targets.len(), 1);
        assert_eq!(drawn.targets[0].target, "only");
    }

    #[test]
    fn empty_population_draws_nobody() {
        let empty = DrawInputs { population: vec![], ..inputs() };
        let drawn = draw(&empty).unwrap();
        assert!(drawn.targets.is_empty());
        assert_eq!(drawn.seed_hex.len(), 64);
        assert!(verify(&empty, &drawn));
    }

    #[test]
    fn invalid_inputs() {
        let base = inputs();
        let error = draw(&DrawInputs { sample_size: 0, ..base.clone() }).unwrap_err();
        assert_eq!(error, DrawError::EmptySample);
        assert_eq!(error.code(), "invalid_sample_size");
        assert_eq!(Coded::code(&error), "invalid_sample_size");

        assert!(draw(&DrawInputs { sample_size: MAX_SAMPLE_SIZE, ..base.clone() }).is_ok());
        let error = draw(&DrawInputs { sample_size: MAX_SAMPLE_SIZE + 1, ..base.clone() }).unwrap_err();
        assert_eq!(error, DrawError::SampleTooLarge { sample_size: 10_001 });
        assert_eq!(error.code(), "invalid_sample_size");
        assert_eq!(
            draw(&DrawInputs { sample_size: u32::MAX, ..base.clone() }).unwrap_err().code(),
            "invalid_sample_size"
        );

        let error = draw(&DrawInputs { inspectors_per_target: 0, ..base.clone() }).unwrap_err();
        assert_eq!(error, DrawError::NotEnoughInspectors { requested: 0, available: 5 });
        assert_eq!(error.code(), "not_enough_inspectors");
        assert!(draw(&DrawInputs { inspectors_per_target: 5, ..base.clone() }).is_ok());
        let error = draw(&DrawInputs { inspectors_per_target: 6, ..base.clone() }).unwrap_err();
        assert_eq!(error, DrawError::NotEnoughInspectors { requested: 6, available: 5 });
        // Duplicates do not count twice towards the pool.
        let doubled = DrawInputs { inspectors: [base.inspectors.clone(), base.inspectors.clone()].concat(), ..base };
        let error = draw(&DrawInputs { inspectors_per_target: 6, ..doubled.clone() }).unwrap_err();
        assert_eq!(error, DrawError::NotEnoughInspectors { requested: 6, available: 5 });
        // The inputs are checked even when there is nobody to draw.
        let error = draw(&DrawInputs { population: vec![], inspectors: vec![], ..doubled }).unwrap_err();
        assert_eq!(error, DrawError::NotEnoughInspectors { requested: 2, available: 0 });
        assert!(!error.to_string().is_empty());
    }

    #[test]
    fn whole_pool_per_target_is_a_permutation() {
        let all = DrawInputs { inspectors_per_target: 5, ..inputs() };
        let drawn = draw(&all).unwrap();
        assert_well_formed(&all, &drawn);
        for target in &drawn.targets {
            let mut inspectors = target.inspectors.clone();
            inspectors.sort();
            assert_eq!(inspectors, inputs().inspectors);
        }
    }

    #[test]
    fn uniform_below_has_no_modulo_bias() {
        // On 64-bit targets n = 2^63 + 1 rejects almost half of all words; a biased reduction
        // would return small values about twice as often as large ones.
        let mut stream = Stream::new([7; 32]);
        let n = usize::MAX / 2 + 2;
        let low = (0..2_000).filter(|_| stream.below(n) < n / 2).count();
        assert!((900..=1_100).contains(&low), "{low}");
        let mut stream = Stream::new([7; 32]);
        assert!((0..100).all(|_| stream.below(1) == 0));
        assert_eq!(stream.counter, 25, "n = 1 still consumes one word per call");
    }

    #[test]
    fn draws_are_spread_evenly() {
        // 20,000 draws of 1 from 10: expected 2,000 each, standard deviation about 42.
        let population = ids("agency", 10);
        let mut counts: BTreeMap<String, u32> = BTreeMap::new();
        for i in 0..20_000 {
            let inputs = DrawInputs {
                population: population.clone(),
                inspectors: ids("inspector", 3),
                sample_size: 1,
                inspectors_per_target: 1,
                criteria: "kind=technical_service_agency;region=410100;sector=".to_owned(),
                beacon: format!("beacon-{i}"),
            };
            let drawn = draw(&inputs).unwrap();
            *counts.entry(drawn.targets[0].target.clone()).or_default() += 1;
        }
        assert_eq!(counts.len(), 10);
        for (id, count) in &counts {
            assert!((1_600..=2_400).contains(count), "{id} drawn {count} times");
        }
    }

    proptest! {
        #[test]
        fn any_draw_is_well_formed_and_order_free(
            population in proptest::collection::vec("[a-c]{0,3}", 0..30),
            inspectors in proptest::collection::vec("[x-z]{1,2}", 1..10),
            sample_size in 1u32..40,
            per_target in 1u32..4,
            beacon in ".{0,12}",
        ) {
            let pool = inspectors.iter().collect::<HashSet<_>>().len() as u32;
            let inputs = DrawInputs {
                population,
                inspectors,
                sample_size,
                inspectors_per_target: per_target.min(pool),
                criteria: String::new(),
                beacon,
            };
            let drawn = draw(&inputs).unwrap();
            assert_well_formed(&inputs, &drawn);
            let mut reversed = inputs.clone();
            reversed.population.reverse();
            reversed.inspectors.reverse();
            prop_assert_eq!(draw(&reversed).unwrap(), drawn);
        }
    }
}
