//! What each replica holds: per key touched, the version of the key on each
//! of its replicas, and the latest version acknowledged to a client.
//!
//! A version is a write's sequence number (writes are numbered as their
//! coordinators take them, so a later write has a larger version, as
//! Cassandra's client timestamps order writes — last write wins). A replica
//! whose ephemeral storage died holds nothing: rather than visiting every key
//! at a death, each instance has a data **epoch** that its death bumps, and
//! a copy written under an older epoch reads as absent.
//!
//! Memory grows only with the keys touched: [`KEY_BYTES`] per key plus
//! [`SLOT_BYTES`] per replica. The index is a lookup only, never iterated
//! (keys are visited in the order they were first touched), so its hashing
//! order cannot reach an output.

use rustc_hash::FxHashMap;

use crate::duration::Nanos;
use crate::keys::Key;
use crate::topology::InstanceId;

/// One replica's copy of a key.
#[derive(Debug, Clone, Copy)]
pub struct Slot {
    /// Version held (0: none).
    pub version: u64,
    /// The replica.
    pub inst: InstanceId,
    /// The replica's data epoch when it stored `version`.
    pub epoch: u32,
}

/// What is known of one key.
#[derive(Debug, Clone, Copy)]
pub struct KeyState {
    /// The key.
    pub key: Key,
    /// Newest version acknowledged to a client (0: never written).
    pub latest: u64,
    /// When `latest` was acknowledged.
    pub acked_at: Nanos,
    /// Replica writes of this key on their way (sent, not yet stored or failed).
    pub flying: u32,
    /// Every stored copy of `latest` died while a replica write was still
    /// flying: lost unless that write lands.
    pub at_risk: bool,
    /// `latest` has been counted lost.
    pub lost: bool,
}

/// Bytes per key touched, besides its replicas' slots: the 40-byte state
/// and its index entry (a 12-byte bucket and a control byte at hashbrown's
/// lowest load of 7/16: 13 × 16/7 ≈ 30 bytes).
pub const KEY_BYTES: usize = size_of::<KeyState>() + 30;
/// Bytes per replica of a key touched.
pub const SLOT_BYTES: usize = size_of::<Slot>();

/// Every key a replicated store was asked for, and its replicas' copies.
#[derive(Debug, Clone, Default)]
pub struct Table {
    index: FxHashMap<Key, u32>,
    keys: Vec<KeyState>,
    slots: Vec<Slot>,
    per_key: usize,
}

impl Table {
    /// An empty table for keys with `per_key` replicas each.
    pub fn new(per_key: usize) -> Table {
        Table {
            per_key,
            ..Table::default()
        }
    }

    /// Keys touched.
    pub fn len(&self) -> usize {
        self.keys.len()
    }

    /// Whether no key was touched.
    pub fn is_empty(&self) -> bool {
        self.keys.is_empty()
    }

    /// Index of `key`, if touched.
    #[inline]
    pub fn find(&self, key: Key) -> Option<u32> {
        self.index.get(&key).copied()
    }

    /// Index of `key`, adding it with the replicas `place` lists (called
    /// only the first time) when new.
    pub fn entry(&mut self, key: Key, place: impl FnOnce(&mut Vec<InstanceId>)) -> u32 {
        if let Some(&k) = self.index.get(&key) {
            return k;
        }
        let k = self.keys.len() as u32;
        let mut replicas = Vec::with_capacity(self.per_key);
        place(&mut replicas);
        debug_assert_eq!(replicas.len(), self.per_key);
        self.slots.extend(replicas.into_iter().map(|inst| Slot {
            version: 0,
            inst,
            epoch: 0,
        }));
        self.keys.push(KeyState {
            key,
            latest: 0,
            acked_at: 0,
            flying: 0,
            at_risk: false,
            lost: false,
        });
        self.index.insert(key, k);
        k
    }

    /// Key `k`'s state.
    #[inline]
    pub fn state(&self, k: u32) -> &KeyState {
        &self.keys[k as usize]
    }

    /// Key `k`'s state, to change.
    #[inline]
    pub fn state_mut(&mut self, k: u32) -> &mut KeyState {
        &mut self.keys[k as usize]
    }

    /// Key `k`'s replicas' copies, in replica order.
    #[inline]
    pub fn slots(&self, k: u32) -> &[Slot] {
        let at = k as usize * self.per_key;
        &self.slots[at..at + self.per_key]
    }

    /// The version replica `j` of key `k` holds, given each instance's data
    /// epoch (`epochs[inst]`): 0 when its copy died with its storage.
    #[inline]
    pub fn held(&self, k: u32, j: usize, epochs: &[u32]) -> u64 {
        let s = self.slots(k)[j];
        if s.epoch == epochs[s.inst as usize] {
            s.version
        } else {
            0
        }
    }

    /// Replica `j` of key `k` stores `version` (last write wins: an older
    /// version than it holds changes nothing).
    pub fn apply(&mut self, k: u32, j: usize, version: u64, epochs: &[u32]) {
        let held = self.held(k, j, epochs);
        let s = &mut self.slots[k as usize * self.per_key + j];
        if version > held {
            s.version = version;
            s.epoch = epochs[s.inst as usize];
        }
    }

    /// Whether some live copy of key `k` holds `version` or newer.
    pub fn stored(&self, k: u32, version: u64, epochs: &[u32]) -> bool {
        (0..self.per_key).any(|j| self.held(k, j, epochs) >= version)
    }

    /// Bytes the table holds now.
    pub fn bytes(&self) -> usize {
        self.keys.len() * KEY_BYTES + self.slots.len() * SLOT_BYTES
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn copies_keep_the_newest_and_die_with_their_epoch() {
        let mut t = Table::new(3);
        let mut epochs = vec![0u32; 10];
        let k = t.entry(77, |v| v.extend([4, 5, 6]));
        assert_eq!(t.entry(77, |_| unreachable!()), k);
        t.apply(k, 0, 9, &epochs);
        t.apply(k, 0, 3, &epochs);
        t.apply(k, 1, 9, &epochs);
        assert_eq!((t.held(k, 0, &epochs), t.held(k, 2, &epochs)), (9, 0));
        assert!(t.stored(k, 9, &epochs));
        epochs[4] += 1;
        assert_eq!(t.held(k, 0, &epochs), 0);
        epochs[5] += 1;
        assert!(!t.stored(k, 9, &epochs));
        t.apply(k, 0, 2, &epochs);
        assert_eq!(t.held(k, 0, &epochs), 2);
        assert_eq!(t.len(), 1);
        const { assert!(KEY_BYTES <= 72 && SLOT_BYTES == 16) };
    }
}
