//! One cache instance's entries, least recently used out first, with an
//! optional time to live — memcached's policy (its LRU per slab class; one
//! class here, every value the same size).
//!
//! An intrusive doubly-linked list threaded through a slab of fixed-size
//! records (most recently used at the head) and a hash index from key to
//! slot: a get, a set and an eviction are O(1) and allocate nothing once the
//! slab has grown. The slab grows with the keys actually set, never past the
//! capacity, so an instance that saw a thousand keys costs a thousand
//! entries whatever its capacity; a restart frees it all.
//!
//! The index is a lookup only, never iterated, so its hashing order cannot
//! reach an output.

use rustc_hash::FxHashMap;

use crate::duration::Nanos;
use crate::engine::NONE;
use crate::keys::Key;

/// One entry: the key, when it expires, and its neighbours in recency order.
#[derive(Debug, Clone, Copy)]
struct Entry {
    key: Key,
    /// `Nanos::MAX` without a TTL.
    expires: Nanos,
    /// Towards the most recently used ([`NONE`] at the head).
    prev: u32,
    /// Towards the least recently used ([`NONE`] at the tail); links the free
    /// slots too.
    next: u32,
}

/// Most bytes one entry held costs: its 24-byte record and its index slot
/// (a 16-byte bucket and a control byte, at a load between 7/16 and 7/8 of
/// hashbrown's power-of-two table: at most 17 × 16/7 ≈ 39 bytes).
pub const ENTRY_BYTES: usize = size_of::<Entry>() + 39;

/// What a get found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lookup {
    /// The key was there, and is now the most recently used.
    Hit,
    /// It was not.
    Miss,
    /// It was, past its TTL: removed, and a miss.
    Expired,
}

/// One instance's cache.
#[derive(Debug, Clone, Default)]
pub struct Lru {
    slots: Vec<Entry>,
    index: FxHashMap<Key, u32>,
    head: u32,
    tail: u32,
    /// Slots freed by expiry, linked through `next`.
    free: u32,
}

impl Lru {
    /// An empty cache (allocates nothing until the first set).
    pub fn new() -> Lru {
        Lru {
            slots: Vec::new(),
            index: FxHashMap::default(),
            head: NONE,
            tail: NONE,
            free: NONE,
        }
    }

    /// Entries held.
    pub fn len(&self) -> usize {
        self.index.len()
    }

    /// Whether it holds nothing.
    pub fn is_empty(&self) -> bool {
        self.index.is_empty()
    }

    /// Reads `key` at `now`: a hit makes it the most recently used; an entry
    /// past its TTL is removed and misses.
    #[inline]
    pub fn get(&mut self, key: Key, now: Nanos) -> Lookup {
        let Some(&i) = self.index.get(&key) else {
            return Lookup::Miss;
        };
        if self.slots[i as usize].expires <= now {
            self.unlink(i);
            self.index.remove(&key);
            self.slots[i as usize].next = self.free;
            self.free = i;
            return Lookup::Expired;
        }
        self.unlink(i);
        self.push_front(i);
        Lookup::Hit
    }

    /// Sets `key` (expiring at `expires`), as the most recently used; when
    /// `capacity` entries are held already, the least recently used goes.
    /// Returns whether an entry was evicted.
    #[inline]
    pub fn set(&mut self, key: Key, expires: Nanos, capacity: u32) -> bool {
        if let Some(&i) = self.index.get(&key) {
            self.slots[i as usize].expires = expires;
            self.unlink(i);
            self.push_front(i);
            return false;
        }
        let mut evicted = false;
        let i = if self.free != NONE {
            let i = self.free;
            self.free = self.slots[i as usize].next;
            i
        } else if (self.slots.len() as u32) < capacity {
            if self.slots.len() == self.slots.capacity() {
                // Double, but never past the capacity: a full cache's slab is exact.
                let more = self
                    .slots
                    .len()
                    .max(4)
                    .min(capacity as usize - self.slots.len());
                self.slots.reserve_exact(more);
            }
            self.slots.push(Entry {
                key,
                expires,
                prev: NONE,
                next: NONE,
            });
            (self.slots.len() - 1) as u32
        } else {
            let i = self.tail;
            self.unlink(i);
            self.index.remove(&self.slots[i as usize].key);
            evicted = true;
            i
        };
        self.slots[i as usize] = Entry {
            key,
            expires,
            prev: NONE,
            next: NONE,
        };
        self.index.insert(key, i);
        self.push_front(i);
        evicted
    }

    /// Forgets everything and frees the memory: a restarted process starts empty.
    pub fn clear(&mut self) {
        *self = Lru::new();
    }

    fn unlink(&mut self, i: u32) {
        let Entry { prev, next, .. } = self.slots[i as usize];
        if prev == NONE {
            self.head = next;
        } else {
            self.slots[prev as usize].next = next;
        }
        if next == NONE {
            self.tail = prev;
        } else {
            self.slots[next as usize].prev = prev;
        }
    }

    fn push_front(&mut self, i: u32) {
        let e = &mut self.slots[i as usize];
        e.prev = NONE;
        e.next = self.head;
        if self.head == NONE {
            self.tail = i;
        } else {
            self.slots[self.head as usize].prev = i;
        }
        self.head = i;
    }

    /// Keys from the most to the least recently used (for tests).
    pub fn keys(&self) -> Vec<Key> {
        let mut out = Vec::with_capacity(self.len());
        let mut i = self.head;
        while i != NONE && out.len() <= self.slots.len() {
            out.push(self.slots[i as usize].key);
            i = self.slots[i as usize].next;
        }
        out
    }

    /// The structure's own invariants: the list walks the same entries as
    /// the index, both ways, within `capacity`; every index slot holds its key.
    pub fn check(&self, capacity: u32) -> Result<(), String> {
        if self.len() > capacity as usize || self.slots.len() > capacity as usize {
            return Err(format!(
                "{} entries in {} slots, capacity {capacity}",
                self.len(),
                self.slots.len()
            ));
        }
        let (mut n, mut prev, mut i) = (0usize, NONE, self.head);
        while i != NONE {
            n += 1;
            let e = self.slots[i as usize];
            if n > self.slots.len() || e.prev != prev || self.index.get(&e.key) != Some(&i) {
                return Err(format!("the recency list is broken at slot {i}"));
            }
            (prev, i) = (i, e.next);
        }
        if prev != self.tail || n != self.len() {
            return Err(format!(
                "the recency list holds {n} entries, the index {}",
                self.len()
            ));
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_least_recently_used_goes_first() {
        let mut c = Lru::new();
        for k in 1..=3 {
            assert!(!c.set(k, Nanos::MAX, 3));
        }
        assert_eq!(c.keys(), [3, 2, 1]);
        assert_eq!(c.get(1, 0), Lookup::Hit);
        assert_eq!(c.keys(), [1, 3, 2]);
        assert!(c.set(4, Nanos::MAX, 3), "a full cache evicts");
        assert_eq!(c.keys(), [4, 1, 3]);
        assert_eq!(c.get(2, 0), Lookup::Miss);
        // Setting a key it holds refreshes it without evicting.
        assert!(!c.set(3, Nanos::MAX, 3));
        assert_eq!(c.keys(), [3, 4, 1]);
        c.check(3).unwrap();
        assert_eq!(c.slots.capacity(), 3, "a full slab is exactly the capacity");
        c.clear();
        assert!(c.is_empty() && c.slots.capacity() == 0);
        c.check(3).unwrap();
    }

    #[test]
    fn entries_expire_after_their_ttl_and_free_their_slot() {
        let mut c = Lru::new();
        c.set(1, 100, 2);
        c.set(2, 200, 2);
        assert_eq!(c.get(1, 99), Lookup::Hit);
        assert_eq!(c.get(1, 100), Lookup::Expired);
        assert_eq!(c.get(1, 101), Lookup::Miss, "removed on expiry");
        assert_eq!(c.len(), 1);
        // The freed slot is reused before anything is evicted.
        assert!(!c.set(3, 300, 2));
        assert_eq!(c.keys(), [3, 2]);
        c.check(2).unwrap();
    }

    #[test]
    fn matches_a_naive_lru_over_random_traffic() {
        let mut rng = crate::rng::Stream::new(2, crate::rng::Purpose::Keys);
        let mut c = Lru::new();
        let mut naive: Vec<Key> = Vec::new(); // most recent first
        for _ in 0..20_000 {
            let k = Key::from(rng.below(50)) + 1;
            if rng.chance(0.5) {
                let hit = c.get(k, 0) == Lookup::Hit;
                let pos = naive.iter().position(|&x| x == k);
                assert_eq!(hit, pos.is_some());
                if let Some(p) = pos {
                    naive.remove(p);
                    naive.insert(0, k);
                }
            } else {
                c.set(k, Nanos::MAX, 10);
                if let Some(p) = naive.iter().position(|&x| x == k) {
                    naive.remove(p);
                }
                naive.insert(0, k);
                naive.truncate(10);
            }
        }
        assert_eq!(c.keys(), naive);
        c.check(10).unwrap();
    }
}
