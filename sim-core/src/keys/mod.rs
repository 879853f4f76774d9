//! Keys: what a request reads or writes. Requests drawn at an entry point (or
//! on a dependency) carry a key from a keyspace with Zipf popularity and are
//! reads or writes by a fixed share; the key travels with the request down
//! its call path, so a cache miss reads the same key from the store, and a
//! store (issue 14's replicated stores) can tell which key, read or write.
//!
//! Keys are numbered by popularity: key k of a keyspace of n is the k-th most
//! requested, with probability k^(−s) / H(n, s) ([`Zipf`]). Two declarations
//! name the same keys when they use the same numbers — key 1 is the hottest
//! in both — which is what the same table read from two places looks like.
//!
//! Memory: nothing per key. A key is a number carried by the calls in flight
//! (8 bytes each, only in runs that have keys; [`crate::engine::budget`]);
//! only caches with a capacity remember keys, each up to its capacity.

mod zipf;

pub use zipf::Zipf;

use crate::rng::Stream;

/// A key: 1..=n within its keyspace.
pub type Key = u64;
/// "This call carries no key".
pub const NO_KEY: Key = 0;
/// Largest keyspace accepted: 10¹² keys (a draw costs the same at any size).
pub const MAX_KEYS: u64 = 1_000_000_000_000;

/// Where keyed requests come from: a keyspace's popularity and the share of
/// writes, as the file's `keys` gives them.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct KeySource {
    /// Popularity of the keys.
    pub zipf: Zipf,
    /// Share of requests that write their key, in [0, 1].
    pub writes: f64,
}

impl KeySource {
    /// The next request's key and whether it writes it. Draws from the `Keys`
    /// stream only: one Zipf draw (about one uniform), plus one uniform for
    /// the read/write coin unless every request reads or every one writes.
    #[inline]
    pub fn draw(&self, rng: &mut Stream) -> (Key, bool) {
        let key = self.zipf.sample(rng);
        (key, rng.chance(self.writes))
    }
}

/// A well-mixed 64-bit hash of a key (splitmix64's finaliser): where a cache
/// places it among its instances. Exact integer arithmetic, the same on
/// every target.
#[inline]
pub fn spread(key: Key) -> u64 {
    let mut z = key.wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rng::Purpose;

    #[test]
    fn writes_come_at_their_share_and_keys_spread_evenly() {
        let src = KeySource {
            zipf: Zipf::new(1000, 0.9),
            writes: 0.2,
        };
        let mut rng = Stream::new(5, Purpose::Keys);
        let mut writes = 0u32;
        let mut shards = [0u32; 7];
        for _ in 0..100_000 {
            let (k, w) = src.draw(&mut rng);
            assert!((1..=1000).contains(&k));
            writes += u32::from(w);
        }
        // Binomial(100000, 0.2): sd ≈ 126.5; 5 sd.
        assert!((f64::from(writes) - 20_000.0).abs() < 633.0, "{writes}");
        for k in 1..=70_000u64 {
            shards[(spread(k) % 7) as usize] += 1;
        }
        // Distinct keys, not draws, must not favour a shard: 70,000 keys over 7: Binomial(70000, 1/7), sd ≈ 92.6; 5 sd.
        assert!(
            shards
                .iter()
                .all(|&c| (f64::from(c) - 10_000.0).abs() < 463.0),
            "{shards:?}"
        );
        // All reads or all writes draw no coin: the same keys as a 0 % source.
        let reads = KeySource { writes: 0.0, ..src };
        let all = KeySource { writes: 1.0, ..src };
        let (mut a, mut b) = (Stream::new(1, Purpose::Keys), Stream::new(1, Purpose::Keys));
        for _ in 0..100 {
            let (ka, wa) = reads.draw(&mut a);
            let (kb, wb) = all.draw(&mut b);
            assert_eq!((ka, wa, wb), (kb, false, true));
        }
    }
}
