//! Capacity that follows load: Kubernetes' Horizontal Pod Autoscaler per
//! service and region, and what the instances cost.
//!
//! A scaled service's places (up to `max` per region, round-robin over zones
//! as the file places instances) are laid out up front; each is Off,
//! Starting (paid for, booting), Ready (listed at the next discovery poll,
//! serving) or Retiring (delisted at the next poll; it finishes what reached
//! it). Every `period` the controller of each region measures the metric over
//! the period — busy workers per instance (utilisation), requests in the
//! instance (concurrency), or arrivals per second per instance (rps) — and,
//! as the HPA does (kubernetes.io, "Horizontal Pod Autoscaling"):
//!
//! - instances not yet ready count as contributing nothing, so the average is
//!   the total over the `current` paid-for instances, and
//!   desired = ceil(current × average / target) = ceil(total / target);
//! - nothing changes while average / target is within `tolerance` of 1;
//! - it scales up at once, and down only to the highest recommendation of
//!   the last `stabilisation` window, so a dip does not throw away capacity
//!   a spike will need again;
//! - desired stays within [min, max].
//!
//! Scale-up rate limits (the HPA's default 100 % or 4 pods per 15 s) are not
//! modelled: the start-up delay is what slows capacity here.

use std::collections::VecDeque;

use super::{Kind, Simulation, NONE};
use crate::duration::Nanos;
use crate::model::{Autoscale, ScaleMetric};
use crate::topology::{InstanceId, ServiceId, Topology};

/// Where an autoscaled place is in its life.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Phase {
    /// Not running, not paid for.
    Off,
    /// Paid for, booting; serves after the start-up delay and the next poll.
    Starting,
    /// Serving and listed.
    Ready,
    /// Delisted at the next poll; finishes what reaches it until then.
    Retiring,
}

/// The controller of one service in one region.
#[derive(Debug, Clone)]
struct Group {
    sid: ServiceId,
    first: InstanceId,
    phases: Vec<Phase>,
    /// Busy workers and requests in the instances (working or queued), now.
    busy: u64,
    load: u64,
    /// Their integrals over the period so far (worker-ns, request-ns).
    busy_area: u128,
    load_area: u128,
    since: Nanos,
    /// Arrivals in the period so far.
    arrivals: u64,
    /// Recent recommendations (time, instances), for scale-down stabilisation.
    window: VecDeque<(Nanos, u32)>,
}

impl Group {
    fn paid(&self) -> u32 {
        self.phases
            .iter()
            .filter(|p| matches!(p, Phase::Starting | Phase::Ready))
            .count() as u32
    }

    fn integrate(&mut self, now: Nanos) {
        let dt = u128::from(now.saturating_sub(self.since));
        self.busy_area += u128::from(self.busy) * dt;
        self.load_area += u128::from(self.load) * dt;
        self.since = now;
    }
}

/// Changes of capacity kept per service for the chart (a change at most
/// every evaluation period: 100,000 is a period of 15 s for 17 days).
pub const MAX_HISTORY: usize = 100_000;

/// Instance-time per service, for instance-hours and cost.
#[derive(Debug, Clone, Default)]
pub struct Capacity {
    /// Instances paid for now.
    pub now: u32,
    /// Fewest and most paid for at once.
    pub min: u32,
    /// Most paid for at once.
    pub max: u32,
    /// Instance-nanoseconds paid for up to `since`.
    pub instance_ns: u128,
    since: Nanos,
    /// (time, instances paid for) at every change, from the start.
    pub history: Vec<(Nanos, u32)>,
}

impl Capacity {
    fn set(&mut self, n: u32, now: Nanos) {
        self.instance_ns += u128::from(self.now) * u128::from(now.saturating_sub(self.since));
        self.since = now;
        self.now = n;
        self.min = self.min.min(n);
        self.max = self.max.max(n);
        if self.history.len() < MAX_HISTORY {
            self.history.push((now, n));
        }
    }

    /// Instance-hours paid for up to `now`.
    pub fn instance_hours(&self, now: Nanos) -> f64 {
        let ns =
            self.instance_ns + u128::from(self.now) * u128::from(now.saturating_sub(self.since));
        ns as f64 / 3.6e12
    }
}

/// The autoscalers of a run and the capacity of every service.
#[derive(Debug, Clone, Default)]
pub(super) struct Autoscaler {
    /// Per service: its first group, or NONE.
    first_group: Vec<u32>,
    groups: Vec<Group>,
    capacity: Vec<Capacity>,
}

impl Autoscaler {
    pub(super) fn new(topo: &Topology) -> Autoscaler {
        let mut a = Autoscaler::default();
        for (sid, s) in topo.services.iter().enumerate() {
            // `initial` is `per_region` unless places beyond it are laid out
            // (an autoscaler's up to max, a versioned service's second group).
            let n = s.initial * s.regions;
            a.capacity.push(Capacity {
                now: n,
                min: n,
                max: n,
                history: vec![(0, n)],
                ..Capacity::default()
            });
            if s.autoscale.is_none() {
                a.first_group.push(NONE);
                continue;
            }
            a.first_group.push(a.groups.len() as u32);
            for r in 0..s.regions {
                a.groups.push(Group {
                    sid: sid as ServiceId,
                    first: topo.instances_in(sid as ServiceId, r).start,
                    phases: (0..s.per_region)
                        .map(|i| {
                            if i < s.initial {
                                Phase::Ready
                            } else {
                                Phase::Off
                            }
                        })
                        .collect(),
                    busy: 0,
                    load: 0,
                    busy_area: 0,
                    load_area: 0,
                    since: 0,
                    arrivals: 0,
                    window: VecDeque::new(),
                });
            }
        }
        a
    }

    /// Whether any service autoscales.
    pub(super) fn any(&self) -> bool {
        !self.groups.is_empty()
    }

    /// The group and place of an instance of an autoscaled service.
    #[inline]
    fn place(&self, topo: &Topology, id: InstanceId) -> Option<(usize, usize)> {
        let sid = topo.instances[id as usize].service as usize;
        let g0 = self.first_group[sid];
        if g0 == NONE {
            return None;
        }
        let s = &topo.services[sid];
        let local = id - s.first;
        Some((
            (g0 + local / s.per_region) as usize,
            (local % s.per_region) as usize,
        ))
    }

    /// The phase of an instance (Ready for services that do not scale).
    #[inline]
    pub(super) fn phase(&self, topo: &Topology, id: InstanceId) -> Phase {
        self.place(topo, id)
            .map_or(Phase::Ready, |(g, i)| self.groups[g].phases[i])
    }

    /// Requests in an instance changed: `busy` workers and `load` requests
    /// (working or queued) more (or fewer).
    #[inline]
    pub(super) fn load(
        &mut self,
        topo: &Topology,
        id: InstanceId,
        busy: i64,
        load: i64,
        now: Nanos,
    ) {
        if let Some((g, _)) = self.place(topo, id) {
            let g = &mut self.groups[g];
            g.integrate(now);
            g.busy = g.busy.saturating_add_signed(busy);
            g.load = g.load.saturating_add_signed(load);
        }
    }

    /// A request reached an instance.
    #[inline]
    pub(super) fn arrival(&mut self, topo: &Topology, id: InstanceId) {
        if let Some((g, _)) = self.place(topo, id) {
            self.groups[g].arrivals += 1;
        }
    }

    /// Capacity of every service.
    pub(super) fn capacity(&self) -> &[Capacity] {
        &self.capacity
    }

    /// Service `sid` has `n` instances paid for from `now` (a deployment
    /// started or stopped some).
    pub(super) fn set_paid(&mut self, sid: ServiceId, n: u32, now: Nanos) {
        let c = &mut self.capacity[sid as usize];
        if c.now != n {
            c.set(n, now);
        }
    }
}

impl Simulation {
    /// Prepares autoscaling: places beyond the start are off, so discovery
    /// lists only the others from the first instant; each group evaluates
    /// every period while traffic lasts.
    pub(super) fn start_autoscaling(&mut self) {
        if !self.scaler.any() {
            return;
        }
        for g in 0..self.scaler.groups.len() {
            let sid = self.scaler.groups[g].sid;
            let first = self.topo.services[sid as usize].first;
            // Listed by the poll made at once below: no poll to schedule.
            self.relist(first);
            let period = self.topo.services[sid as usize]
                .autoscale
                .expect("scaled")
                .period;
            if period < self.cfg.duration {
                self.queue.push(period, Kind::Scale, g as u32);
            }
        }
        self.discovery_poll();
    }

    /// Group `g` evaluates its metric and scales.
    pub(super) fn evaluate(&mut self, g: u32) {
        let now = self.now;
        let group = &mut self.scaler.groups[g as usize];
        let svc = &self.topo.services[group.sid as usize];
        let a: Autoscale = svc.autoscale.expect("scaled");
        group.integrate(now);
        let period_ns = a.period as f64;
        let total = match a.metric {
            ScaleMetric::Utilisation => {
                group.busy_area as f64 / period_ns / f64::from(svc.concurrency)
            }
            ScaleMetric::Concurrency => group.load_area as f64 / period_ns,
            ScaleMetric::Rps => group.arrivals as f64 / (period_ns / 1e9),
        };
        (group.busy_area, group.load_area, group.arrivals) = (0, 0, 0);
        let paid = group.paid();
        let recommendation = recommend(&a, total, paid);
        group.window.push_back((now, recommendation));
        while group
            .window
            .front()
            .is_some_and(|&(t, _)| t + a.stabilisation < now)
        {
            group.window.pop_front();
        }
        let desired = if recommendation > paid {
            recommendation
        } else {
            let highest = group
                .window
                .iter()
                .map(|w| w.1)
                .max()
                .unwrap_or(recommendation);
            highest.min(paid)
        };
        if desired > paid {
            self.scale_out(g, desired - paid, a.startup);
        } else if desired < paid {
            self.scale_in(g, paid - desired);
        }
        if now + a.period < self.cfg.duration {
            self.queue.push(now + a.period, Kind::Scale, g);
        }
    }

    /// Starts `n` places of group `g`, the lowest that are off.
    fn scale_out(&mut self, g: u32, n: u32, startup: Nanos) {
        let group = &mut self.scaler.groups[g as usize];
        let mut started = Vec::with_capacity(n as usize);
        for (i, p) in group.phases.iter_mut().enumerate() {
            if started.len() == n as usize {
                break;
            }
            if *p == Phase::Off {
                *p = Phase::Starting;
                started.push(group.first + i as InstanceId);
            }
        }
        for id in started {
            self.queue.push(self.now + startup, Kind::Ready, id);
        }
        self.capacity_changed(g);
    }

    /// Stops `n` places of group `g`: those still starting first, then the
    /// highest serving ones, which are delisted at the next poll.
    fn scale_in(&mut self, g: u32, n: u32) {
        let group = &mut self.scaler.groups[g as usize];
        let mut left = n as usize;
        for p in group.phases.iter_mut().rev() {
            if left > 0 && *p == Phase::Starting {
                *p = Phase::Off;
                left -= 1;
            }
        }
        let mut retired = Vec::new();
        for (i, p) in group.phases.iter_mut().enumerate().rev() {
            if left > 0 && *p == Phase::Ready {
                *p = Phase::Retiring;
                retired.push(group.first + i as InstanceId);
                left -= 1;
            }
        }
        for id in retired {
            self.changed(id);
        }
        self.capacity_changed(g);
    }

    /// A starting instance has booted: it is listed at the next poll.
    pub(super) fn instance_ready(&mut self, id: InstanceId) {
        if let Some((g, i)) = self.scaler.place(&self.topo, id) {
            let p = &mut self.scaler.groups[g].phases[i];
            if *p == Phase::Starting {
                *p = Phase::Ready;
                self.changed(id);
            }
        }
    }

    /// After a poll delisted retiring places of `sid`, they are off.
    pub(super) fn retired_delisted(&mut self, sid: ServiceId) {
        let g0 = self.scaler.first_group[sid as usize];
        if g0 == NONE {
            return;
        }
        for g in g0..g0 + self.topo.services[sid as usize].regions {
            let mut any = false;
            for p in &mut self.scaler.groups[g as usize].phases {
                if *p == Phase::Retiring {
                    *p = Phase::Off;
                    any = true;
                }
            }
            if any {
                self.capacity_changed(g);
            }
        }
    }

    fn capacity_changed(&mut self, g: u32) {
        let sid = self.scaler.groups[g as usize].sid;
        let g0 = self.scaler.first_group[sid as usize];
        let n: u32 = (g0..g0 + self.topo.services[sid as usize].regions)
            .map(|g| self.scaler.groups[g as usize].paid())
            .sum();
        self.scaler.capacity[sid as usize].set(n, self.now);
        self.series.set_instances(sid, n);
    }

    /// Instance-hours and peak capacity of every service.
    pub fn capacity(&self) -> &[Capacity] {
        self.scaler.capacity()
    }
}

/// The HPA's recommendation for `paid` instances whose metric adds up to
/// `total`: no change within the tolerance, else ceil(total / target),
/// within [min, max].
fn recommend(a: &Autoscale, total: f64, paid: u32) -> u32 {
    let ratio = total / f64::from(paid.max(1)) / a.target;
    let n = if (ratio - 1.0).abs() <= a.tolerance {
        paid
    } else {
        libm::ceil(total / a.target).min(f64::from(u32::MAX)) as u32
    };
    n.clamp(a.min, a.max)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hpa() -> Autoscale {
        Autoscale {
            min: 2,
            max: 10,
            metric: ScaleMetric::Utilisation,
            target: 0.5,
            period: 15_000_000_000,
            tolerance: 0.1,
            stabilisation: 300_000_000_000,
            startup: 0,
        }
    }

    #[test]
    fn recommends_as_the_hpa_does() {
        let a = hpa();
        // 4 instances at 0.52 busy each: within 10 % of 0.5, no change.
        assert_eq!(recommend(&a, 4.0 * 0.52, 4), 4);
        // At 0.75 each: ceil(4 × 0.75 / 0.5) = 6.
        assert_eq!(recommend(&a, 3.0, 4), 6);
        // At 0.2 each: ceil(0.8 / 0.5) = 2.
        assert_eq!(recommend(&a, 0.8, 4), 2);
        // Never below min nor above max.
        assert_eq!(recommend(&a, 0.0, 4), 2);
        assert_eq!(recommend(&a, 100.0, 4), 10);
    }
}
