//! Outlier detection as one calling instance sees the hosts it calls, after
//! Envoy's defaults (envoyproxy.io, "Outlier detection"): a host that fails 5
//! times in a row (`consecutive_5xx`) is ejected for `base_ejection_time` (30 s)
//! × the number of times it has been ejected, capped at `max_ejection_time`
//! (300 s); at most `max_ejection_percent` (10 %) of a cluster's hosts are
//! ejected at once, but always at least one may be.
//!
//! The memory is a handful of slots per caller — no per caller × host table,
//! which would be quadratic — so a caller tracks the hosts that failed most
//! recently; a host pushed out of memory starts again from zero.

use crate::duration::{Nanos, SEC};

/// Failures in a row that eject a host (Envoy `consecutive_5xx`).
pub const CONSECUTIVE_FAILURES: u8 = 5;
/// Envoy `base_ejection_time`.
pub const BASE_EJECTION: Nanos = 30 * SEC;
/// Envoy `max_ejection_time`.
pub const MAX_EJECTION: Nanos = 300 * SEC;
/// Envoy `max_ejection_percent`.
pub const MAX_EJECTION_PERCENT: u32 = 10;
/// Hosts one caller remembers.
pub const SLOTS: usize = 8;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Host {
    /// Instance id, or `u32::MAX` for an empty slot.
    id: u32,
    /// Failures in a row.
    fails: u8,
    /// Times ejected so far.
    times: u8,
    /// Ejected until (0: not ejected).
    until: Nanos,
}

const EMPTY: Host = Host {
    id: u32::MAX,
    fails: 0,
    times: 0,
    until: 0,
};

/// One caller's view of its hosts' health.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Outliers {
    hosts: [Host; SLOTS],
}

impl Default for Outliers {
    fn default() -> Self {
        Outliers {
            hosts: [EMPTY; SLOTS],
        }
    }
}

/// Hosts of a cluster of `n` that may be ejected at once: 10 %, at least one.
pub fn max_ejected(n: u32) -> u32 {
    (n * MAX_EJECTION_PERCENT / 100).max(1)
}

impl Outliers {
    /// Whether `id` is ejected at `now`.
    #[inline]
    pub fn is_ejected(&self, id: u32, now: Nanos) -> bool {
        self.hosts.iter().any(|h| h.id == id && h.until > now)
    }

    /// Records one call's outcome on host `id`. `cap` is how many hosts of
    /// its cluster may be ejected at once ([`max_ejected`]) and `same_cluster`
    /// tells which remembered hosts belong to that cluster. Returns true when
    /// this outcome ejected the host.
    pub fn record(
        &mut self,
        id: u32,
        ok: bool,
        now: Nanos,
        cap: u32,
        same_cluster: impl Fn(u32) -> bool,
    ) -> bool {
        let slot = self.hosts.iter().position(|h| h.id == id);
        if ok {
            if let Some(k) = slot {
                self.hosts[k].fails = 0;
            }
            return false;
        }
        let k = slot.unwrap_or_else(|| self.victim_slot(now));
        if self.hosts[k].id != id {
            self.hosts[k] = Host { id, ..EMPTY };
        }
        let h = &mut self.hosts[k];
        if h.until > now {
            return false; // already ejected (a call sent before the ejection)
        }
        h.fails = h.fails.saturating_add(1);
        if h.fails < CONSECUTIVE_FAILURES {
            return false;
        }
        let ejected = self
            .hosts
            .iter()
            .filter(|o| o.until > now && same_cluster(o.id))
            .count() as u32;
        let h = &mut self.hosts[k];
        if ejected >= cap {
            return false;
        }
        h.times = h.times.saturating_add(1);
        h.fails = 0;
        h.until = now + (BASE_EJECTION * Nanos::from(h.times)).min(MAX_EJECTION);
        true
    }

    /// The slot to reuse: an empty one, else one not ejected with the fewest
    /// failures, else the one whose ejection ends first.
    fn victim_slot(&self, now: Nanos) -> usize {
        (0..SLOTS)
            .min_by_key(|&k| {
                let h = &self.hosts[k];
                match (h.id == u32::MAX, h.until > now) {
                    (true, _) => (0, 0),
                    (false, false) => (1, u64::from(h.fails)),
                    (false, true) => (2, h.until),
                }
            })
            .expect("slots")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fail(o: &mut Outliers, id: u32, now: Nanos, cap: u32) -> bool {
        o.record(id, false, now, cap, |_| true)
    }

    #[test]
    fn five_failures_in_a_row_eject_for_thirty_seconds() {
        let mut o = Outliers::default();
        for k in 0..4 {
            assert!(!fail(&mut o, 7, k, 1));
        }
        assert!(!o.is_ejected(7, 4));
        assert!(fail(&mut o, 7, 4, 1));
        assert!(o.is_ejected(7, 4));
        assert!(o.is_ejected(7, 4 + BASE_EJECTION - 1));
        assert!(!o.is_ejected(7, 4 + BASE_EJECTION));
    }

    #[test]
    fn a_success_resets_the_count() {
        let mut o = Outliers::default();
        for k in 0..4 {
            fail(&mut o, 7, k, 1);
        }
        o.record(7, true, 5, 1, |_| true);
        for k in 0..4 {
            assert!(!fail(&mut o, 7, 10 + k, 1));
        }
        assert!(fail(&mut o, 7, 20, 1));
    }

    #[test]
    fn ejection_time_grows_with_each_ejection_and_is_capped() {
        let mut o = Outliers::default();
        let mut now = 0;
        for times in 1..=12u64 {
            for _ in 0..5 {
                fail(&mut o, 3, now, 1);
            }
            let want = (BASE_EJECTION * times).min(MAX_EJECTION);
            assert!(o.is_ejected(3, now + want - 1) && !o.is_ejected(3, now + want));
            now += want;
        }
    }

    #[test]
    fn at_most_ten_percent_are_ejected_but_always_one() {
        assert_eq!(
            (max_ejected(5), max_ejected(20), max_ejected(100)),
            (1, 2, 10)
        );
        let mut o = Outliers::default();
        let cap = max_ejected(20);
        let mut ejected = 0;
        for id in 0..4 {
            for k in 0..5 {
                ejected += u32::from(fail(&mut o, id, k, cap));
            }
        }
        assert_eq!(ejected, 2);
        // Another cluster's ejections do not count against this one.
        let mut o = Outliers::default();
        for k in 0..5 {
            o.record(100, false, k, 1, |id| id >= 100);
        }
        let mut got = false;
        for k in 0..5 {
            got = o.record(1, false, k, 1, |id| id < 100);
        }
        assert!(got);
    }
}
