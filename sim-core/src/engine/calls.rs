//! Calls in flight, in a slab of plain records reused through a free list: a
//! request costs no heap allocation once the slab has grown to the peak load.
//!
//! The key a call carries ([`crate::keys`]) lives in a side table beside the
//! slab, allocated only in runs that have keys: a file without keys pays
//! nothing for them, and the 88-byte record stays as it was.

use crate::duration::Nanos;
use crate::keys::{Key, NO_KEY};

/// "No call / no instance" in a u32 link.
pub const NONE: u32 = u32::MAX;
/// `dep` value of a ring-replication call.
pub const PEER: u16 = u16::MAX;
/// `dep` value of a replicated store's call to one of a key's replicas
/// ([`crate::replication`]).
pub const REPLICA: u16 = u16::MAX - 1;
/// `track` of a call to a service without versions.
pub const NO_TRACK: u8 = u8::MAX;

/// [`Call::flags`] bits: the call's life as its caller and server see it.
pub mod flag {
    /// A timeout event is scheduled for this attempt and has not fired.
    pub const TIMER: u16 = 1;
    /// The caller has concluded this attempt (answer or timeout); a late answer is dropped.
    pub const DONE: u16 = 2;
    /// The server answered and recorded the outcome in its statistics.
    pub const RESPONDED: u16 = 4;
    /// The call reached an instance and was counted there.
    pub const COUNTED: u16 = 8;
    /// Failed at the caller without leaving it (short circuit, bulkhead, nobody listed).
    pub const LOCAL: u16 = 16;
    /// Holds a place in the caller's bulkhead.
    pub const BULKHEAD: u16 = 32;
    /// A fallback or an optional dependency hid a failure: the answer is degraded.
    pub const DEGRADED: u16 = 64;
    /// The request or its answer was dropped by a partition: only the timeout
    /// still refers to the record, and frees it.
    pub const LOST: u16 = 128;
    /// The outcome is in the target service's statistics (by its server, or
    /// by its caller for timeouts and local failures): exactly once per
    /// counted call, which [`super::Simulation::check_invariants`] verifies.
    pub const RECORDED: u16 = 256;
    /// Nobody waits for this call (a mirror or an async call): it has no
    /// parent, and its answer is dropped when it reaches the caller's instance.
    pub const DETACHED: u16 = 512;
    /// A non-blocking server's request waiting on its calls without a worker.
    pub const PARKED: u16 = 1024;
    /// The call writes its key (a keyed request's write, or a cache set);
    /// without it a keyed call reads.
    pub const WRITE: u16 = 2048;
    /// A cache read that did not find its key (set by the cache that answered).
    pub const MISS: u16 = 4096;
    /// Some cache read of the caller's current stage missed.
    pub const STAGE_MISSED: u16 = 8192;
    /// Part of a sampled trace: its span is recorded. (A flag rather than a
    /// field: with versions' track bytes and the keyed zone, one more byte
    /// would round the record up from 88 to 96 B.)
    pub const SAMPLED: u16 = 16384;
}

/// One request from a caller to one instance (one span of a trace).
#[derive(Debug, Clone, Copy)]
pub struct Call {
    /// The caller's call, or [`NONE`] for a request from outside and for a
    /// detached call (nobody waits for it).
    pub parent: u32,
    /// Instance serving the call.
    pub inst: u32,
    /// Instance that made the call, or [`NONE`].
    pub caller: u32,
    /// Next call in an instance's wait queue, or in the free list.
    pub next: u32,
    /// Which dependency of the caller's service this is ([`PEER`] for replication;
    /// entry index for a root).
    pub dep: u16,
    /// Calls of the current stage still unanswered.
    pub pending: u32,
    /// Next stage of the behaviour's plan.
    pub stage: u8,
    /// A ring replication (never replicated further).
    pub replica: bool,
    /// Some call of the current stage failed.
    pub stage_failed: bool,
    /// Ring replications of the current stage that failed.
    pub peer_failures: u8,
    /// Attempt number (0 is the first try).
    pub attempt: u8,
    /// Zone to avoid when picking the instance (a retry's previous zone).
    pub avoid_zone: u8,
    /// Zone whose copy a keyed call to a cache with a copy per zone goes to
    /// (`u8::MAX`: any instance, or the key's one copy).
    pub zone: u8,
    /// [`flag`] bits.
    pub flags: u16,
    /// Generation of the serving instance when the call reached it: a restart
    /// makes older calls stale.
    pub gen: u16,
    /// Outcome so far: 0 ok, else a [`crate::metrics::Reason`] code.
    pub reason: u8,
    /// The routing track (version group) of a versioned service the call was
    /// sent to, or [`NO_TRACK`]; chosen with the instance, so its figures
    /// are counted where it was addressed.
    pub track: u8,
    /// Versioned services (one bit each) whose new version this call, or a
    /// call below it, reached: a request that fails with a bit set failed
    /// while touching a change in flight.
    pub touched: u8,
    /// Index of the caller-to-instance flow, or [`NONE`] when flows are not recorded.
    pub flow: u32,
    /// When the caller sent it.
    pub sent: Nanos,
    /// When it reached the instance.
    pub arrived: Nanos,
    /// Trace id shared by every call of one external request.
    pub trace: u64,
    /// Span id of this call.
    pub span: u64,
    /// Span id of the caller's call (0 for a root), kept here because the
    /// caller may be gone by the time an abandoned call answers.
    pub parent_span: u64,
    /// Deadline of the logical call, retries included (`Nanos::MAX`: none).
    pub deadline: Nanos,
}

impl Call {
    /// A fresh call record.
    pub fn new(
        parent: u32,
        caller: u32,
        inst: u32,
        dep: u16,
        sent: Nanos,
        trace: u64,
        span: u64,
    ) -> Call {
        Call {
            parent,
            inst,
            caller,
            next: NONE,
            dep,
            pending: 0,
            stage: 0,
            replica: dep >= REPLICA,
            stage_failed: false,
            peer_failures: 0,
            attempt: 0,
            avoid_zone: u8::MAX,
            zone: u8::MAX,
            flags: 0,
            gen: 0,
            reason: 0,
            track: NO_TRACK,
            touched: 0,
            flow: NONE,
            sent,
            arrived: sent,
            trace,
            span,
            parent_span: 0,
            deadline: Nanos::MAX,
        }
    }

    /// Whether the call goes to its caller's own service (a ring peer or a
    /// key's replica), not to a dependency.
    #[inline]
    pub fn to_own_service(&self) -> bool {
        self.dep >= REPLICA
    }

    /// A request from outside (a detached call has no parent either, but a caller).
    #[inline]
    pub fn is_root(&self) -> bool {
        self.caller == NONE
    }

    /// Whether flag bit(s) `f` are set.
    #[inline]
    pub fn has(&self, f: u16) -> bool {
        self.flags & f != 0
    }
}

/// Slab of calls with a free list.
#[derive(Debug, Default)]
pub struct CallTable {
    slots: Vec<Call>,
    free: u32,
    live: usize,
    /// The key of each slot's call, in runs with keys (else empty).
    keys: Vec<Key>,
    keyed: bool,
}

impl CallTable {
    /// An empty table.
    pub fn new() -> Self {
        CallTable {
            slots: Vec::new(),
            free: NONE,
            live: 0,
            keys: Vec::new(),
            keyed: false,
        }
    }

    /// Calls carry keys from now on (set before the first call).
    pub fn carry_keys(&mut self) {
        self.keyed = true;
    }

    /// Whether calls carry keys in this run.
    #[inline]
    pub fn keyed(&self) -> bool {
        self.keyed
    }

    /// Stores a call and returns its id; in a run with keys its key is
    /// [`NO_KEY`] until [`CallTable::set_key`].
    #[inline]
    pub fn alloc(&mut self, c: Call) -> u32 {
        self.live += 1;
        let id = if self.free == NONE {
            self.slots.push(c);
            (self.slots.len() - 1) as u32
        } else {
            let id = self.free;
            self.free = self.slots[id as usize].next;
            self.slots[id as usize] = c;
            id
        };
        if self.keyed {
            if id as usize == self.keys.len() {
                self.keys.push(NO_KEY);
            } else {
                self.keys[id as usize] = NO_KEY;
            }
        }
        id
    }

    /// The key call `id` carries ([`NO_KEY`] in a run without keys).
    #[inline]
    pub fn key(&self, id: u32) -> Key {
        if self.keyed {
            self.keys[id as usize]
        } else {
            NO_KEY
        }
    }

    /// Gives call `id` its key (a run with keys only).
    #[inline]
    pub fn set_key(&mut self, id: u32, key: Key) {
        self.keys[id as usize] = key;
    }

    /// Returns a call's slot for reuse.
    #[inline]
    pub fn free(&mut self, id: u32) {
        self.live -= 1;
        self.slots[id as usize].next = self.free;
        self.free = id;
    }

    /// Calls in flight.
    pub fn live(&self) -> usize {
        self.live
    }

    /// Slots ever allocated (peak calls in flight).
    pub fn capacity(&self) -> usize {
        self.slots.len()
    }

    /// Which slots hold a call in flight, found by walking the free list
    /// (for the invariant check; None when the list is longer than the slab,
    /// i.e. has a cycle).
    pub fn occupied(&self) -> Option<Vec<bool>> {
        let mut live = vec![true; self.slots.len()];
        let mut f = self.free;
        let mut steps = 0;
        while f != NONE {
            steps += 1;
            if steps > self.slots.len() || !live[f as usize] {
                return None;
            }
            live[f as usize] = false;
            f = self.slots[f as usize].next;
        }
        Some(live)
    }
}

impl std::ops::Index<u32> for CallTable {
    type Output = Call;
    #[inline]
    fn index(&self, i: u32) -> &Call {
        &self.slots[i as usize]
    }
}

impl std::ops::IndexMut<u32> for CallTable {
    #[inline]
    fn index_mut(&mut self, i: u32) -> &mut Call {
        &mut self.slots[i as usize]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reuses_freed_slots() {
        let mut t = CallTable::new();
        let a = t.alloc(Call::new(NONE, NONE, 1, 0, 0, 1, 1));
        let b = t.alloc(Call::new(a, 1, 2, 0, 0, 1, 2));
        t.free(a);
        let c = t.alloc(Call::new(NONE, NONE, 3, 0, 0, 2, 3));
        assert_eq!(c, a);
        assert_eq!(t[c].inst, 3);
        assert_eq!(t[b].parent, a);
        assert_eq!((t.live(), t.capacity()), (2, 2));
        assert_eq!(t.key(c), NO_KEY, "no keys, no side table");
    }

    #[test]
    fn keys_follow_their_slot_and_start_empty_on_reuse() {
        let mut t = CallTable::new();
        t.carry_keys();
        let a = t.alloc(Call::new(NONE, NONE, 1, 0, 0, 1, 1));
        t.set_key(a, 42);
        let b = t.alloc(Call::new(NONE, NONE, 1, 0, 0, 1, 2));
        assert_eq!((t.key(a), t.key(b)), (42, NO_KEY));
        t.free(a);
        let c = t.alloc(Call::new(NONE, NONE, 1, 0, 0, 1, 3));
        assert_eq!((c, t.key(c)), (a, NO_KEY));
    }
}
