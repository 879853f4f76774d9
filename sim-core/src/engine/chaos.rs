//! Faults while the engine runs: kills (refusing or zombie), zone and region
//! outages, latency and error injection, partitions, restarts by auto-scaling
//! groups, and the discovery polls through which callers learn about all that.
//!
//! Service discovery follows Eureka: callers route by the registry as of their
//! last poll. An instance that died refusing (it deregistered, or stopped
//! heartbeating) disappears at the next poll; a zombie keeps heartbeating and
//! stays listed; a restarted instance appears at the next poll.

use super::autoscale::Phase;
use super::{InstState, Kind, Simulation, NONE};
use crate::duration::Nanos;
use crate::fault::{Action, Mode, Place, Scenario};
use crate::metrics::Reason;
use crate::rng::{Purpose, Stream};
use crate::topology::{InstanceId, Placement, ServiceId, Topology, ANY_ZONE, GLOBAL};

/// Latency and error injection active on one service.
#[derive(Debug, Clone, Copy, Default)]
pub(super) struct ServiceFault {
    /// Delay added before admission.
    pub delay: Nanos,
    /// Fraction of requests delayed.
    pub delay_fraction: f64,
    /// Fraction of requests failed with `injected`.
    pub error_fraction: f64,
    latency_fault: u32,
    error_fault: u32,
}

/// The instances of one service that discovery lists, per routing track (a
/// version's group; one track for a service without versions), region slot
/// and, within it, zone (so zone-aware callers keep their affinity after
/// deaths).
#[derive(Debug, Clone)]
pub(super) struct View {
    zones: usize,
    regions: usize,
    /// Index `(t * regions + r) * (zones + 1) + z` for zone z of region slot
    /// r in track t; `z = zones` is the whole region.
    lists: Box<[Vec<InstanceId>]>,
}

impl View {
    #[inline]
    fn at(&self, t: u32, r: u32) -> usize {
        (t as usize * self.regions + r as usize) * (self.zones + 1)
    }

    /// Listed instances of track `t` in region slot `r`.
    #[inline]
    pub fn region(&self, t: u32, r: u32) -> &[InstanceId] {
        &self.lists[self.at(t, r) + self.zones]
    }

    /// Listed instances of track `t` in zone `z` of region slot `r` (empty
    /// for an unknown zone).
    #[inline]
    pub fn zone(&self, t: u32, r: u32, z: u8) -> &[InstanceId] {
        if (z as usize) < self.zones {
            &self.lists[self.at(t, r) + z as usize]
        } else {
            &[]
        }
    }

    /// Region slots.
    pub fn regions(&self) -> u32 {
        self.regions as u32
    }
}

/// Fault state of a run.
pub(super) struct Chaos {
    pub scenario: Scenario,
    /// The `Faults` stream: which instances die, which requests a fault hits.
    pub rng: Stream,
    service_faults: Vec<ServiceFault>,
    any_service_fault: bool,
    partitions: Vec<(u32, Place, Place)>,
    /// Flash crowds in force: (fault, entry point's service or every one, factor).
    pub flash: Vec<(u32, Option<ServiceId>, f64)>,
    /// Per service, the listed instances; None while every instance is listed.
    pub views: Vec<Option<View>>,
    dirty: Vec<bool>,
    dirty_list: Vec<ServiceId>,
    poll_pending: bool,
}

impl Chaos {
    pub(super) fn new(topo: &Topology, scenario: Scenario, seed: u64) -> Chaos {
        let n = topo.services.len();
        Chaos {
            scenario,
            rng: Stream::new(seed, Purpose::Faults),
            service_faults: vec![ServiceFault::default(); n],
            any_service_fault: false,
            partitions: Vec::new(),
            flash: Vec::new(),
            views: vec![None; n],
            dirty: vec![false; n],
            dirty_list: Vec::new(),
            poll_pending: false,
        }
    }

    /// Injection active on `sid`, if any.
    #[inline]
    pub(super) fn service_fault(&self, sid: ServiceId) -> Option<ServiceFault> {
        if !self.any_service_fault {
            return None;
        }
        let f = self.service_faults[sid as usize];
        (f.delay > 0 || f.error_fraction > 0.0).then_some(f)
    }

    /// Whether a partition separates instances `a` and `b`.
    #[inline]
    pub(super) fn cut(&self, topo: &Topology, a: InstanceId, b: InstanceId) -> bool {
        if self.partitions.is_empty() || a == NONE || b == NONE {
            return false;
        }
        let (a, b) = (topo.instances[a as usize], topo.instances[b as usize]);
        let inside = |i: crate::topology::Instance, p: &Place| {
            i.region != GLOBAL
                && i.region == p.region
                && p.zone.is_none_or(|z| i.zone == z && i.zone != ANY_ZONE)
        };
        self.partitions
            .iter()
            .any(|(_, p, q)| (inside(a, p) && inside(b, q)) || (inside(a, q) && inside(b, p)))
    }
}

impl Simulation {
    /// Fault `i` of the scenario starts.
    pub(super) fn start_fault(&mut self, i: u32) {
        let fault = self.chaos.scenario.faults[i as usize].clone();
        let end = fault.until.unwrap_or(Nanos::MAX);
        match fault.action {
            Action::Kill {
                service,
                count,
                region,
                zone,
                mode,
            } => {
                let mut alive: Vec<InstanceId> = self
                    .service_range(service)
                    .filter(|&id| {
                        let x = self.topo.instances[id as usize];
                        self.inst[id as usize].down == 0
                            && self.phase(id) == Phase::Ready
                            && region.is_none_or(|r| x.region == r)
                            && zone.is_none_or(|z| x.zone == z)
                    })
                    .collect();
                for k in 0..(count as usize).min(alive.len()) {
                    let j = k + self.chaos.rng.below((alive.len() - k) as u32) as usize;
                    alive.swap(k, j);
                    self.kill(alive[k], mode, end);
                }
            }
            Action::KillInstance { instance, mode } => {
                if self.inst[instance as usize].down == 0 {
                    self.kill(instance, mode, end);
                }
            }
            Action::ChaosMonkey { mean_between, .. } => self.schedule_monkey(i, mean_between),
            Action::ZoneOutage { region, zone, mode } => {
                for id in self.placed(|x| x.region == region && x.zone == zone) {
                    self.take_down(id, mode);
                }
            }
            Action::RegionOutage { region, mode } => {
                for id in self.placed(|x| x.region == region) {
                    self.take_down(id, mode);
                }
            }
            Action::Latency {
                service,
                add,
                fraction,
            } => {
                let f = &mut self.chaos.service_faults[service as usize];
                (f.delay, f.delay_fraction, f.latency_fault) = (add, fraction, i);
                self.chaos.any_service_fault = true;
            }
            Action::Errors { service, fraction } => {
                let f = &mut self.chaos.service_faults[service as usize];
                (f.error_fraction, f.error_fault) = (fraction, i);
                self.chaos.any_service_fault = true;
            }
            Action::Partition { a, b } => self.chaos.partitions.push((i, a, b)),
            Action::FlashCrowd { entry, factor } => {
                self.chaos.flash.push((i, entry, factor));
                self.flash_changed();
            }
        }
        let heals = !matches!(
            fault.action,
            Action::Kill { .. } | Action::KillInstance { .. } | Action::ChaosMonkey { .. }
        );
        if let (true, Some(t)) = (heals, fault.until) {
            if t < self.cfg.duration {
                self.queue.push(t, Kind::Heal, i);
            }
        }
    }

    /// Fault `i` heals (kills heal through their own restarts).
    pub(super) fn heal_fault(&mut self, i: u32) {
        match self.chaos.scenario.faults[i as usize].action {
            Action::ZoneOutage { region, zone, .. } => {
                for id in self.placed(|x| x.region == region && x.zone == zone) {
                    self.bring_up(id);
                }
            }
            Action::RegionOutage { region, .. } => {
                for id in self.placed(|x| x.region == region) {
                    self.bring_up(id);
                }
            }
            Action::Latency { service, .. } => {
                let f = &mut self.chaos.service_faults[service as usize];
                if f.latency_fault == i {
                    (f.delay, f.delay_fraction) = (0, 0.0);
                }
            }
            Action::Errors { service, .. } => {
                let f = &mut self.chaos.service_faults[service as usize];
                if f.error_fault == i {
                    f.error_fraction = 0.0;
                }
            }
            Action::Partition { .. } => self.chaos.partitions.retain(|p| p.0 != i),
            Action::FlashCrowd { .. } => {
                self.chaos.flash.retain(|f| f.0 != i);
                self.flash_changed();
            }
            Action::Kill { .. } | Action::KillInstance { .. } | Action::ChaosMonkey { .. } => {}
        }
    }

    /// The random-kill process of fault `i` kills one up instance and waits for the next strike.
    pub(super) fn monkey_strikes(&mut self, i: u32) {
        let fault = &self.chaos.scenario.faults[i as usize];
        let Action::ChaosMonkey {
            mean_between,
            service,
            mode,
        } = fault.action
        else {
            return;
        };
        let end = fault.until.unwrap_or(Nanos::MAX);
        let range = match service {
            Some(s) => self.service_range(s),
            None => 0..self.topo.instances.len() as InstanceId,
        };
        // A few random draws find an up, zoned instance without scanning them all.
        for _ in 0..16 {
            let id = range.start + self.chaos.rng.below(range.end - range.start);
            let x = self.topo.instances[id as usize];
            let placed = self.topo.services[x.service as usize].placement == Placement::Zoned;
            if self.inst[id as usize].down == 0
                && self.phase(id) == Phase::Ready
                && (placed || service.is_some())
            {
                self.kill(id, mode, end);
                break;
            }
        }
        self.schedule_monkey(i, mean_between);
    }

    fn schedule_monkey(&mut self, i: u32, mean: Nanos) {
        let f = &self.chaos.scenario.faults[i as usize];
        let gap = -(mean as f64) * libm::log(1.0 - self.chaos.rng.uniform());
        let t = self.now.saturating_add(gap as Nanos);
        if t < f.until.unwrap_or(Nanos::MAX).min(self.cfg.duration) {
            self.queue.push(t, Kind::Monkey, i);
        }
    }

    /// Kills an instance; it comes back at `heal` (the fault's end) or when
    /// its auto-scaling group has started a replacement, whichever is first.
    fn kill(&mut self, id: InstanceId, mode: Mode, heal: Nanos) {
        self.take_down(id, mode);
        let replaced = self
            .chaos
            .scenario
            .replace_after
            .map_or(Nanos::MAX, |d| self.now.saturating_add(d));
        let back = heal.min(replaced);
        // Restarts after the run's end would only stretch the drain.
        if back < self.cfg.duration {
            self.queue.push(back, Kind::Restart, id);
        }
    }

    /// One more fault holds instance `id` down. On the way down its workers,
    /// queue and parked requests are lost: queued requests are refused (or,
    /// for a zombie, never answered); working and parked ones are stale, and
    /// answer so when they next act.
    pub(super) fn take_down(&mut self, id: InstanceId, mode: Mode) {
        let st = &mut self.inst[id as usize];
        st.down = st.down.saturating_add(1);
        let was_zombie = st.hang;
        st.hang = mode == Mode::Hang;
        if st.down == 1 && (st.busy > 0 || st.queued > 0 || st.parked > 0) {
            let (busy, held) = (
                i64::from(st.busy),
                i64::from(st.busy) + i64::from(st.queued) + i64::from(st.parked),
            );
            self.scaler.load(&self.topo, id, -busy, -held, self.now);
        }
        let st = &mut self.inst[id as usize];
        if st.down > 1 {
            if was_zombie && mode == Mode::Refuse {
                // A zombie that now refuses (an outage on top of a hang)
                // resets the connections it held open.
                let head = st.head;
                (st.head, st.tail) = (NONE, NONE);
                self.refuse_list(head);
            }
            return;
        }
        let (head, tail) = (st.head, st.tail);
        *st = InstState {
            gen: st.gen.wrapping_add(1),
            down: st.down,
            hang: st.hang,
            ..InstState::FRESH
        };
        // A cache's memory dies with its process: it restarts empty.
        self.empty_cache(id);
        if self.repl.any() && mode == Mode::Refuse {
            // Ephemeral storage dies with its process.
            self.storage_dies(id);
        }
        if mode == Mode::Refuse {
            self.refuse_list(head);
        } else {
            // A zombie keeps its queued requests (connections open, never answered).
            let st = &mut self.inst[id as usize];
            (st.head, st.tail) = (head, tail);
        }
        self.changed(id);
    }

    /// Instance `id` is restarted (the end of its kill, or a replacement).
    pub(super) fn restart(&mut self, id: InstanceId) {
        self.bring_up(id);
    }

    pub(super) fn bring_up(&mut self, id: InstanceId) {
        let st = &mut self.inst[id as usize];
        if st.down == 0 {
            return;
        }
        st.down -= 1;
        if st.down == 0 {
            // A zombie's open connections are reset by the restart (only a
            // zombie has calls linked while down).
            let head = st.head;
            *st = InstState {
                gen: st.gen.wrapping_add(1),
                ..InstState::FRESH
            };
            self.refuse_list(head);
            self.changed(id);
        }
    }

    /// Answers every call linked from `head` with `refused` (no worker held).
    fn refuse_list(&mut self, mut q: u32) {
        while q != NONE {
            let next = self.calls[q].next;
            self.calls[q].reason = Reason::Refused as u8;
            self.respond(q, false);
            q = next;
        }
    }

    /// Brings every instance up and stops every injection and partition.
    /// Failures by MTBF/MTTR are the run's weather, not faults: an instance
    /// they hold stays down (refusing) until its repair.
    pub(super) fn heal_everything(&mut self) {
        for id in 0..self.inst.len() as InstanceId {
            let keep = self
                .failures
                .as_ref()
                .map_or(0, |f| f.holds(&self.topo, id));
            let st = &mut self.inst[id as usize];
            if st.down > keep {
                st.down = keep + 1;
                self.bring_up(id);
                let st = &mut self.inst[id as usize];
                if st.down > 0 && st.hang {
                    // A zombie whose hang was healed refuses again: its open
                    // connections are reset.
                    st.hang = false;
                    let head = st.head;
                    (st.head, st.tail) = (NONE, NONE);
                    self.refuse_list(head);
                }
            }
        }
        self.chaos.service_faults.fill(ServiceFault::default());
        self.chaos.any_service_fault = false;
        self.chaos.partitions.clear();
        if !self.chaos.flash.is_empty() {
            self.chaos.flash.clear();
            self.flash_changed();
        }
    }

    /// Discovery must re-list `id`'s service at the next poll.
    pub(super) fn changed(&mut self, id: InstanceId) {
        self.relist(id);
        if !self.chaos.poll_pending {
            let poll = self.chaos.scenario.discovery_poll.max(1);
            let t = (self.now / poll + 1).saturating_mul(poll);
            // After the traffic stops, nobody needs a fresher view.
            if t < self.cfg.duration {
                self.queue.push(t, Kind::Discovery, 0);
                self.chaos.poll_pending = true;
            }
        }
    }

    /// `id`'s service is re-listed at the next poll, without scheduling one
    /// (for a poll made at once: a scheduled one would stay queued).
    pub(super) fn relist(&mut self, id: InstanceId) {
        let sid = self.topo.instances[id as usize].service;
        if !self.chaos.dirty[sid as usize] {
            self.chaos.dirty[sid as usize] = true;
            self.chaos.dirty_list.push(sid);
        }
    }

    /// Callers fetch the registry: services that changed are re-listed from
    /// the instances' states now (zombies included: they still heartbeat).
    pub(super) fn discovery_poll(&mut self) {
        self.chaos.poll_pending = false;
        for sid in std::mem::take(&mut self.chaos.dirty_list) {
            self.chaos.dirty[sid as usize] = false;
            // Places an autoscaler or a deployment has off, starting or
            // retiring are not listed.
            self.retired_delisted(sid);
            self.versions_delisted(sid);
            let s = &self.topo.services[sid as usize];
            let (inst, topo, scaler, versions) =
                (&self.inst, &self.topo, &self.scaler, &self.versions);
            let listed = |i: InstanceId| {
                let st = &inst[i as usize];
                (st.down == 0 || st.hang)
                    && super::versions::phase_of(scaler, versions, topo, i) == Phase::Ready
            };
            let all = self.topo.instances_in(sid, 0).start..s.first + s.instance_count();
            // A versioned service always lists per track.
            let fleet = versions.fleet_of(sid).map(|f| &versions.fleets[f]);
            if fleet.is_none() && all.clone().all(listed) {
                self.chaos.views[sid as usize] = None;
                continue;
            }
            let zones = self.topo.zones as usize;
            let regions = s.regions as usize;
            let tracks = fleet.map_or(1, super::versions::Fleet::tracks);
            let mut lists = vec![Vec::new(); tracks * regions * (zones + 1)];
            for r in 0..s.regions {
                for i in self.topo.instances_in(sid, r) {
                    if listed(i) {
                        let t = fleet.map_or(0, |_| versions.track_of(topo, i) as usize);
                        let base = (t * regions + r as usize) * (zones + 1);
                        lists[base + zones].push(i);
                        let z = self.topo.instances[i as usize].zone as usize;
                        if z < zones {
                            lists[base + z].push(i);
                        }
                    }
                }
            }
            self.chaos.views[sid as usize] = Some(View {
                zones,
                regions,
                lists: lists.into_boxed_slice(),
            });
        }
        self.rollouts_polled();
    }

    fn service_range(&self, sid: ServiceId) -> std::ops::Range<InstanceId> {
        let s = &self.topo.services[sid as usize];
        s.first..s.first + s.instance_count()
    }

    /// Instances whose placement matches `f` (global nodes never do).
    pub(super) fn placed(&self, f: impl Fn(crate::topology::Instance) -> bool) -> Vec<InstanceId> {
        (0..self.topo.instances.len() as InstanceId)
            .filter(|&i| {
                let x = self.topo.instances[i as usize];
                x.region != GLOBAL && f(x)
            })
            .collect()
    }
}
