//! Requests arriving from outside: one source per entry point, its rate flat
//! or a profile ([`crate::traffic`]), times the flash crowds in force.
//!
//! Each source has one pending arrival, aimed at the time when the expected
//! number of arrivals since the previous one reaches a target: 1 for constant
//! arrivals, an Exp(1) draw from the Arrivals stream for Poisson ones (see
//! [`crate::traffic`] for why this inversion rather than thinning). When a
//! flash crowd starts or ends, what the pending arrival has already covered
//! at the old rate is taken off its target and it is re-aimed at the new
//! rate; the event scheduled before becomes stale and is skipped when it
//! comes (the queue cannot remove events, and the source knows which time is
//! its pending one).
//!
//! A flat rate without a flash crowd computes exactly what the engine always
//! did — gap = −(1e9/rate)·ln(1 − U), or 1e9/rate, truncated to whole ns —
//! so files without a profile draw the same arrivals, and keep their digests.

use std::sync::Arc;

use super::{Kind, Simulation};
use crate::duration::Nanos;
use crate::model::{Arrival, LIMITS};
use crate::topology::ServiceId;
use crate::traffic::{EntryTraffic, Profile, Rate};

/// No arrival pending (the next would come after the traffic stops, or never).
const NO_ARRIVAL: Nanos = Nanos::MAX;

/// The arrivals of one entry point.
#[derive(Debug, Clone)]
pub(super) struct Source {
    arrival: Arrival,
    /// ns per expected arrival of a flat rate (1e9 / rate).
    gap_ns: f64,
    /// The rate over time, when it changes.
    profile: Option<Arc<Profile>>,
    /// The run's rate option over the profile's peak (1 without the option).
    scale: f64,
    /// The highest rate at factor 1, req/s.
    peak: f64,
    /// Flash crowds' factor in force (1: none).
    factor: f64,
    /// The pending arrival's time ([`NO_ARRIVAL`]: none).
    next: Nanos,
    /// From when `left` counts.
    mark: Nanos,
    /// Expected arrivals still to come after `mark` before the pending one.
    left: f64,
}

impl Source {
    /// The source of an entry point with traffic `t`; `rate` is the run's rate
    /// option: a flat rate becomes it, a profile is scaled so that its peak is it.
    pub(super) fn new(t: &EntryTraffic, rate: Option<f64>) -> Source {
        let (gap_ns, profile, scale, peak) = match &t.rate {
            Rate::Flat(r) => {
                let r = rate.unwrap_or(*r);
                (1e9 / r, None, 1.0, r)
            }
            Rate::Profile(p) => {
                let scale = rate.map_or(1.0, |r| r / p.peak());
                (f64::INFINITY, Some(p.clone()), scale, p.peak() * scale)
            }
        };
        Source {
            arrival: t.arrival,
            gap_ns,
            profile,
            scale,
            peak,
            factor: 1.0,
            next: NO_ARRIVAL,
            mark: 0,
            left: 0.0,
        }
    }

    /// Expected arrivals in [a, b) at the factor in force.
    fn expected(&self, a: Nanos, b: Nanos) -> f64 {
        match &self.profile {
            None => b.saturating_sub(a) as f64 / self.gap_ns * self.factor,
            Some(p) => p.integral(a, b, self.scale * self.factor),
        }
    }

    /// When the pending arrival comes, if before `limit`.
    fn due(&self, limit: Nanos) -> Option<Nanos> {
        match &self.profile {
            None => {
                // At factor 1 exactly the engine's historical gap.
                let gap = if self.factor == 1.0 {
                    self.left * self.gap_ns
                } else {
                    self.left * self.gap_ns / self.factor
                };
                let t = self.mark.saturating_add(gap as Nanos);
                (t < limit).then_some(t)
            }
            Some(p) => p.advance(self.mark, self.left, self.scale * self.factor, limit),
        }
    }
}

impl Simulation {
    /// Entry point `e`'s next arrival: a new target from now, and its event.
    pub(super) fn next_arrival(&mut self, e: u32) {
        let src = &mut self.sources[e as usize];
        src.left = match src.arrival {
            Arrival::Poisson => -libm::log(1.0 - self.arrivals.uniform()),
            Arrival::Constant => 1.0,
        };
        src.mark = self.now;
        self.aim(e);
    }

    /// Schedules entry point `e`'s pending arrival (if it comes while traffic is offered).
    fn aim(&mut self, e: u32) {
        let src = &mut self.sources[e as usize];
        src.next = src.due(self.cfg.duration).unwrap_or(NO_ARRIVAL);
        if src.next != NO_ARRIVAL {
            self.queue.push(src.next, Kind::Entry, e);
        }
    }

    /// Whether an arrival event of entry point `e` now is its pending one,
    /// not one that a flash crowd re-aimed since.
    pub(super) fn arrival_due(&self, e: u32) -> bool {
        self.sources[e as usize].next == self.now
    }

    /// The flash crowds in force changed: each entry point's factor is the
    /// product of those that apply to it (capped so that the rate stays
    /// within `LIMITS.max_rate`), and a source whose factor changed has its
    /// pending arrival re-aimed.
    pub(super) fn flash_changed(&mut self) {
        for e in 0..self.sources.len() {
            let sid: ServiceId = self.topo.entry_points[e];
            let product = self
                .chaos
                .flash
                .iter()
                .filter(|f| f.1.is_none_or(|x| x == sid))
                .fold(1.0, |p, f| p * f.2);
            let src = &mut self.sources[e];
            let factor = product.min(LIMITS.max_rate / src.peak);
            if factor != src.factor {
                let used = src.expected(src.mark, self.now);
                src.left = (src.left - used).max(0.0);
                src.mark = self.now;
                src.factor = factor;
                self.aim(e as u32);
            }
        }
    }
}
