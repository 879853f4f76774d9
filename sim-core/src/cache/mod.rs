//! Caches with a capacity: each instance of a cache-like service holds an
//! [`Lru`] of keys, so the hit rate emerges from the keys' popularity and the
//! capacity instead of a fixed `hit_rate` coin — and a restarted instance
//! starts empty and warms as requests refill it.
//!
//! **Placement** follows EVCache (github.com/Netflix/EVCache wiki, "Home" and
//! "Features"): within a copy, keys are sharded over the instances by
//! consistent hashing (Ketama); with [`Copies::EveryZone`] each zone's
//! instances hold a whole copy ("zone based replication"), a write sets the
//! key in every zone, a read goes to its own zone ("zone affinity for
//! reads") and on a miss or failure to another zone ("zone fallback") before
//! the data-access layer reads the store and sets the key again (the
//! look-aside pattern: memcached never fills itself). Membership is fixed in
//! a run (capacity caches do not autoscale), so consistent hashing reduces to
//! a well-mixed hash of the key modulo the instances of the copy ([`owner`]);
//! a dead owner's keys are not moved to its neighbours — reads of them fail
//! over like any failed cache read, and the restarted owner starts cold.
//!
//! **Theory**: [`che`] computes Che, Tung & Wang's approximation of an LRU
//! cache's hit rate under independent requests, against which the engine's
//! caches are tested (`sim-core/tests/caches.rs`).

pub mod che;
mod lru;

pub use lru::{Lookup, Lru, ENTRY_BYTES};

use crate::duration::Nanos;
use crate::keys::{spread, Key};

/// Most entries one cache instance may hold, and most over a whole run
/// (instances × capacity): 20 million entries of at most [`ENTRY_BYTES`]
/// each, about 1.3 GB when every one is touched.
pub const MAX_ENTRIES: u32 = 20_000_000;

/// A cache's settings, checked.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CacheConfig {
    /// Entries per instance.
    pub capacity: u32,
    /// Life of an entry after it was set; None: until evicted.
    pub ttl: Option<Nanos>,
    /// One copy per region, or one per zone.
    pub copies: Copies,
}

/// How many copies of each key a cache keeps in a region.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Copies {
    /// One, sharded over all the region's instances.
    One,
    /// One per zone, each sharded over that zone's instances (EVCache).
    EveryZone,
}

/// Index, within its region, of the instance holding `key`: among the
/// `per_region` instances placed round-robin over `zones` zones (instance i
/// in zone i mod zones), either any of them (`zone` None: one copy) or those
/// of zone `zone` (a copy per zone, which needs at least one instance per zone).
#[inline]
pub fn owner(key: Key, per_region: u32, zones: u32, zone: Option<u32>) -> u32 {
    let h = spread(key);
    match zone {
        None => (h % u64::from(per_region)) as u32,
        Some(z) => {
            // Instances z, z + zones, z + 2·zones, ... are zone z's.
            let members = (per_region - z).div_ceil(zones);
            z + zones * (h % u64::from(members)) as u32
        }
    }
}

/// What a cache service did over a run (or a window).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct CacheCounts {
    /// Reads that found their key.
    pub hits: u64,
    /// Reads that did not (expired entries included).
    pub misses: u64,
    /// Of the misses, keys that were there but had outlived their TTL.
    pub expired: u64,
    /// Writes (sets) of a key: a write request's, or a refill after a miss.
    pub sets: u64,
    /// Entries pushed out by a set into a full instance.
    pub evictions: u64,
}

impl CacheCounts {
    /// Reads answered: hits and misses.
    pub fn gets(&self) -> u64 {
        self.hits + self.misses
    }

    /// Share of reads that hit (0 when there were none).
    pub fn hit_rate(&self) -> f64 {
        if self.gets() == 0 {
            0.0
        } else {
            self.hits as f64 / self.gets() as f64
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn owners_stay_in_their_zone_and_spread_over_it() {
        // 7 instances over 3 zones: zone 0 holds 0, 3, 6; zone 1 holds 1, 4; zone 2 holds 2, 5.
        let mut per = [0u32; 7];
        for k in 1..=30_000u64 {
            for z in 0..3 {
                let o = owner(k, 7, 3, Some(z));
                assert_eq!(o % 3, z, "key {k}");
                per[o as usize] += 1;
            }
            assert!(owner(k, 7, 3, None) < 7);
        }
        // Zone 0's 30,000 keys over 3 instances, zone 1's over 2: within 5 sd.
        for (i, &c) in per.iter().enumerate() {
            let share = if i % 3 == 0 { 1.0 / 3.0 } else { 0.5 };
            let sd = libm::sqrt(30_000.0 * share * (1.0 - share));
            assert!(
                (f64::from(c) - 30_000.0 * share).abs() < 5.0 * sd,
                "{per:?}"
            );
        }
        // The same key always lands on the same instance.
        assert_eq!(owner(42, 7, 3, Some(1)), owner(42, 7, 3, Some(1)));
    }
}
