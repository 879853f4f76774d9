//! The caller side of a call: send it through the dependency's policy (breaker,
//! bulkhead, timeout), then conclude each attempt — retry after backoff, fall
//! back, or pass the outcome to the caller's plan.
//!
//! One logical dependency call is a chain of attempts, each its own call record
//! (and span); only the last one's outcome reaches the caller, so the caller's
//! `pending` count never sees retries.

use super::calls::flag;
use super::routing::Prefs;
use super::{Call, Kind, Simulation, NONE, NO_TRACK, PEER, REPLICA};
use crate::behaviour::{self, Launch, OnFailure};
use crate::duration::{Nanos, SEC};
use crate::metrics::Reason;
use crate::resilience::{outlier, ClientSlot, Outliers, Policy, NO_SLOT};
use crate::topology::{InstanceId, ServiceId, Topology, ANY_ZONE};

/// How long a ring replica waits for a peer (Cassandra's `write_request_timeout_in_ms`, 2 s).
pub const PEER_TIMEOUT: Nanos = 2 * SEC;

/// Per calling instance state of resilient dependencies: client slots
/// (breaker, bulkhead, budget) and the ejected-instance memory of zone-aware
/// callers. Sized once from the topology; nothing grows while running.
pub(super) struct Clients {
    /// Per service: index of its first instance's first slot.
    slot_base: Vec<u32>,
    slots: Vec<ClientSlot>,
    /// Per service: index of its first instance's ejection memory, or NONE.
    eject_base: Vec<u32>,
    ejected: Vec<Outliers>,
}

impl Clients {
    pub(super) fn new(topo: &Topology) -> Clients {
        let (mut slot_base, mut slots) = (Vec::new(), Vec::new());
        let (mut eject_base, mut ejected) = (Vec::new(), Vec::new());
        for s in &topo.services {
            slot_base.push(slots.len() as u32);
            if s.client_slots > 0 {
                let proto: Vec<ClientSlot> = s
                    .deps
                    .iter()
                    .filter(|d| d.policy.slot != NO_SLOT)
                    .map(|d| ClientSlot::new(&d.policy))
                    .collect();
                for _ in 0..s.instance_count() {
                    slots.extend(proto.iter().cloned());
                }
            }
            if s.zone_aware {
                eject_base.push(ejected.len() as u32);
                ejected.extend(std::iter::repeat_n(
                    Outliers::default(),
                    s.instance_count() as usize,
                ));
            } else {
                eject_base.push(NONE);
            }
        }
        Clients {
            slot_base,
            slots,
            eject_base,
            ejected,
        }
    }

    fn slot(&mut self, topo: &Topology, caller: InstanceId, policy: &Policy) -> &mut ClientSlot {
        let i = topo.instances[caller as usize];
        let s = &topo.services[i.service as usize];
        let local = caller - s.first;
        let idx = self.slot_base[i.service as usize]
            + local * u32::from(s.client_slots)
            + u32::from(policy.slot);
        &mut self.slots[idx as usize]
    }

    fn memory(&mut self, topo: &Topology, caller: InstanceId) -> Option<&mut Outliers> {
        let sid = topo.instances[caller as usize].service;
        let base = self.eject_base[sid as usize];
        (base != NONE).then(|| {
            &mut self.ejected[(base + caller - topo.services[sid as usize].first) as usize]
        })
    }

    /// Whether `caller` currently avoids `inst`.
    pub(super) fn is_ejected(
        &mut self,
        topo: &Topology,
        caller: InstanceId,
        inst: InstanceId,
        now: Nanos,
    ) -> bool {
        if caller == NONE {
            return false;
        }
        self.memory(topo, caller)
            .is_some_and(|m| m.is_ejected(inst, now))
    }

    /// `caller` saw a call to `inst` succeed or fail (outlier detection).
    fn observe(
        &mut self,
        topo: &Topology,
        caller: InstanceId,
        inst: InstanceId,
        ok: bool,
        now: Nanos,
    ) {
        let target = topo.instances[inst as usize].service;
        let s = &topo.services[target as usize];
        let cap = outlier::max_ejected(s.instance_count());
        let cluster = s.first..s.first + s.instance_count();
        if let Some(m) = self.memory(topo, caller) {
            m.record(inst, ok, now, cap, |id| cluster.contains(&id));
        }
    }
}

/// The policy of the dependency call `c` is made under (None for ring peers).
/// A free function so that it borrows only the topology.
#[inline]
fn policy_in<'t>(topo: &'t Topology, c: &Call) -> Option<&'t Policy> {
    if c.to_own_service() {
        return None;
    }
    let sid = topo.instances[c.caller as usize].service;
    Some(&topo.services[sid as usize].deps[c.dep as usize].policy)
}

impl Simulation {
    /// Starts the logical call `l` of caller call `parent` running on `from`.
    pub(super) fn launch(&mut self, parent: u32, from: InstanceId, sid: ServiceId, l: Launch) {
        let span = self.ids.next_u64() | 1;
        let p = &self.calls[parent];
        let (trace, sampled, parent_span) = (p.trace, p.flags & flag::SAMPLED, p.span);
        let mut detached = false;
        let (to, dep, deadline) = match l {
            Launch::Dep(d) | Launch::Get { dep: d, .. } | Launch::Set { dep: d, .. } => {
                let dep = &self.topo.services[sid as usize].deps[d as usize];
                detached = dep.detached.is_some();
                let deadline = dep
                    .policy
                    .timeout
                    .map_or(Nanos::MAX, |t| self.now.saturating_add(t));
                (NONE, d, deadline)
            }
            Launch::Peer(k) => {
                // Ring successors within the region: how Cassandra places replicas.
                let svc = &self.topo.services[sid as usize];
                let me = self.topo.instances[from as usize];
                let base = from - me.index;
                let deadline = self.now.saturating_add(PEER_TIMEOUT);
                (base + (me.index + k) % svc.per_region, PEER, deadline)
            }
        };
        // Nobody waits for a detached call: it has no parent, which may
        // answer and be gone long before it does.
        let waiter = if detached { NONE } else { parent };
        let mut call = Call::new(waiter, from, to, dep, self.now, trace, span);
        if detached {
            call.flags |= flag::DETACHED;
        }
        call.flags |= sampled;
        call.parent_span = parent_span;
        call.deadline = deadline;
        let over = self.over_max_calls();
        let c = self.calls.alloc(call);
        if self.calls.keyed() {
            self.carry_key(parent, c, from, sid, l);
        }
        if over {
            // Too many calls in flight: this one fails at once, at the caller.
            // (Its record lives until that answer, a zero-delay event, so the
            // slab overshoots by at most one stage's launches.)
            return self.fail_locally(c, Reason::Rejected);
        }
        self.send(c);
    }

    /// The service call `c` is addressed to.
    fn target_of(&self, c: &Call) -> ServiceId {
        let sid = self.topo.instances[c.caller as usize].service;
        if c.to_own_service() {
            sid
        } else {
            self.topo.services[sid as usize].deps[c.dep as usize].target
        }
    }

    /// Sends attempt `c`: picks an instance, asks the breaker and the bulkhead,
    /// arms the timeout, and puts the request on the wire.
    pub(super) fn send(&mut self, c: u32) {
        let call = self.calls[c];
        let from = call.caller;
        if self.inst[from as usize].down > 0 {
            // A retry whose caller died during the backoff goes nowhere.
            return self.fail_locally(c, Reason::Refused);
        }
        let policy = policy_in(&self.topo, &call);
        let (zone_aware, slot_id) = policy.map_or((false, NO_SLOT), |p| (p.zone_aware, p.slot));
        let per_try = policy
            .and_then(|p| p.retry.as_ref())
            .and_then(|r| r.per_try_timeout);
        if call.inst == NONE {
            let target = self.target_of(&call);
            let me = self.topo.instances[from as usize];
            let prefs = Prefs {
                zone_aware,
                zone: me.zone,
                avoid_zone: call.avoid_zone,
            };
            let picked =
                if self.calls.keyed() && self.topo.services[target as usize].cache.is_some() {
                    // A keyed call to a cache goes to the instance holding its
                    // key. A cache with a capacity has no versions (the model
                    // refuses them), so there is no version track to draw.
                    self.pick_owner(target, me.region, c)
                } else {
                    // A versioned target: the version first (by weight), then its instance.
                    let track = self.pick_track(target);
                    if track != NO_TRACK {
                        self.calls[c].track = track;
                        if call.attempt > 0 {
                            self.track_retry(c, target);
                        }
                    }
                    self.pick_instance(target, from, me.region, prefs, track)
                };
            match picked {
                Some(i) => self.calls[c].inst = i,
                None => return self.fail_locally(c, Reason::Refused),
            }
        }
        if slot_id != NO_SLOT {
            let pol = policy_in(&self.topo, &call).expect("slotted");
            let now = self.now;
            let slot = self.clients.slot(&self.topo, from, pol);
            if let (Some(b), Some(cfg)) = (&mut slot.breaker, &pol.breaker) {
                if !b.allow(cfg, now) {
                    return self.fail_locally(c, Reason::ShortCircuited);
                }
            }
            if let Some(cap) = pol.bulkhead {
                if slot.in_flight >= cap {
                    return self.fail_locally(c, Reason::Rejected);
                }
                slot.in_flight += 1;
                self.calls[c].flags |= flag::BULKHEAD;
            }
            if call.attempt == 0 {
                if let Some(ratio) = pol.retry.as_ref().and_then(|r| r.budget) {
                    slot.budget.deposit(ratio);
                }
            }
        }
        let expiry = match per_try {
            Some(t) => call.deadline.min(self.now.saturating_add(t)),
            None => call.deadline,
        };
        if expiry != Nanos::MAX {
            self.calls[c].flags |= flag::TIMER;
            if call.attempt == 0 {
                // A first attempt's timeout is a fixed delay per dependency: a FIFO lane.
                self.queue
                    .push_after(self.now, expiry - self.now, Kind::Timeout, c);
            } else {
                self.queue.push(expiry, Kind::Timeout, c);
            }
        }
        let to = self.calls[c].inst;
        if let Some(f) = &mut self.flows {
            self.calls[c].flow = f.call(&self.topo, from, to, self.now);
        }
        if self.chaos.cut(&self.topo, from, to) {
            if call.has(flag::DETACHED) {
                // Lost across a partition, and nobody waits for it.
                self.calls.free(c);
                return;
            }
            // Across a partition the request is lost; the timeout (if any) ends the wait.
            self.calls[c].flags |= flag::LOST;
        } else {
            let hop = self.topo.latency(from, to);
            self.queue.push_after(self.now, hop, Kind::Arrive, c);
        }
    }

    /// Attempt `c` fails at the caller without leaving it; the outcome is
    /// delivered as an immediate reply so the caller's plan runs from the queue.
    fn fail_locally(&mut self, c: u32, why: Reason) {
        let call = &mut self.calls[c];
        call.reason = why as u8;
        call.flags |= flag::LOCAL;
        self.queue.push_after(self.now, 0, Kind::Reply, c);
    }

    /// The answer to attempt `c` reaches its caller.
    pub(super) fn on_reply(&mut self, c: u32) {
        let call = self.calls[c];
        if call.has(flag::DONE) {
            // The caller timed out long ago; the late answer goes nowhere.
            self.calls.free(c);
            return;
        }
        self.calls[c].flags |= flag::DONE;
        self.conclude(c, call.reason);
        if !call.has(flag::TIMER) {
            self.calls.free(c);
        }
    }

    /// The caller's timeout for attempt `c` fires.
    pub(super) fn on_timeout(&mut self, c: u32) {
        let call = &mut self.calls[c];
        call.flags &= !flag::TIMER;
        if call.has(flag::DONE) {
            self.calls.free(c);
            return;
        }
        call.flags |= flag::DONE;
        let lost = call.has(flag::LOST);
        // The server may still be working on it; its answer will be dropped.
        self.conclude(c, Reason::Timeout as u8);
        if lost {
            self.calls.free(c);
        }
    }

    /// The caller learns attempt `c`'s outcome: updates its breaker, bulkhead
    /// and ejection memory, records failures the server never saw, then retries
    /// or hands the final outcome to the caller's plan.
    fn conclude(&mut self, c: u32, reason: u8) {
        let call = self.calls[c];
        let target = self.target_of(&call);
        let local = call.has(flag::LOCAL);
        if call.touched != 0 && call.parent != NONE {
            // Every attempt's reach counts, retried or not; a detached call's
            // (a mirror's, an async call's) reaches no user's request.
            self.calls[call.parent].touched |= call.touched;
        }
        if let Some(pol) = policy_in(&self.topo, &call) {
            if pol.slot != NO_SLOT {
                let now = self.now;
                let slot = self.clients.slot(&self.topo, call.caller, pol);
                if call.has(flag::BULKHEAD) {
                    slot.in_flight -= 1;
                }
                // Bulkhead rejections count as breaker errors (Hystrix's
                // markNonSuccess); short circuits and nothing-listed do not.
                let rejected = local && reason == Reason::Rejected as u8;
                if let (Some(b), Some(cfg), true) =
                    (&mut slot.breaker, &pol.breaker, !local || rejected)
                {
                    b.record(cfg, now, reason == 0);
                }
            }
            if pol.zone_aware && !local {
                self.clients
                    .observe(&self.topo, call.caller, call.inst, reason == 0, self.now);
            }
        }
        if reason != 0 && !call.has(flag::RESPONDED) {
            // Timeouts and local failures: the callee's table learns them from the caller.
            let st = &mut self.stats[target as usize];
            if !call.has(flag::COUNTED) {
                st.requests += 1;
                self.series.arrival(target);
                self.calls[c].flags |= flag::COUNTED;
                if call.track != NO_TRACK {
                    self.track_request(c, target);
                }
            }
            let st = &mut self.stats[target as usize];
            if local {
                st.local += 1;
            }
            self.calls[c].flags |= flag::RECORDED;
            st.record(self.now - call.sent, reason);
            self.series.answer(target, self.now - call.sent, reason);
            if call.track != NO_TRACK {
                self.track_answer(c, target, self.now - call.sent, reason);
            }
        }
        if reason != 0 {
            if let Some(f) = &mut self.flows {
                if call.flow != NONE {
                    f.failed(call.flow);
                }
            }
            if self.retry(c, reason) {
                return;
            }
        }
        if call.dep == REPLICA {
            // A key's replica: its coordinator counts it (and may have answered already).
            return self.replica_answered(c, reason);
        }
        if call.has(flag::DETACHED) {
            // Nobody waits for it: the answer (a mirror's is discarded, as
            // Envoy's) stops here, whatever it says.
            return;
        }
        self.finish_dependency(c, reason);
    }

    /// Schedules the next attempt of `c` when its policy, its budget and its
    /// deadline allow. Short circuits and bulkhead rejections are never retried:
    /// they protect the callee, and retrying them would defeat that.
    fn retry(&mut self, c: u32, reason: u8) -> bool {
        let call = self.calls[c];
        if call.has(flag::LOCAL) && reason != Reason::Refused as u8 {
            return false;
        }
        let Some(pol) = policy_in(&self.topo, &call) else {
            return false;
        };
        let Some(r) = &pol.retry else {
            return false;
        };
        let n = u32::from(call.attempt) + 1;
        let delay = r.delay(n, &mut self.routing);
        // No retry when the calls in flight are at the run's limit.
        if !r.allowed(n, self.now, delay, call.deadline)
            || self.calls.live() >= self.cfg.max_calls as usize
        {
            return false;
        }
        if r.budget.is_some() {
            let slot = self.clients.slot(&self.topo, call.caller, pol);
            if !slot.budget.try_withdraw() {
                return false;
            }
        }
        let zone = if call.inst == NONE {
            ANY_ZONE
        } else {
            self.topo.instances[call.inst as usize].zone
        };
        let span = self.ids.next_u64() | 1;
        let mut next = Call::new(
            call.parent,
            call.caller,
            NONE,
            call.dep,
            self.now + delay,
            call.trace,
            span,
        );
        next.flags |= call.flags & flag::SAMPLED;
        next.parent_span = call.parent_span;
        next.deadline = call.deadline;
        next.attempt = n as u8;
        next.avoid_zone = if pol.zone_aware { zone } else { ANY_ZONE };
        // The same key, read or written, in the same zone's copy.
        next.zone = call.zone;
        next.flags |= call.flags & flag::WRITE;
        let target = self.target_of(&call);
        self.stats[target as usize].retries += 1;
        let id = self.calls.alloc(next);
        if self.calls.keyed() {
            self.calls.set_key(id, self.calls.key(c));
        }
        self.queue.push(self.now + delay, Kind::Send, id);
        true
    }

    /// The logical call ends with `reason`: the caller's plan learns whether it
    /// failed, degraded or succeeded, and moves on when its stage is complete.
    fn finish_dependency(&mut self, c: u32, reason: u8) {
        let call = self.calls[c];
        let p = call.parent;
        let psid = self.topo.instances[call.caller as usize].service;
        let svc = &self.topo.services[psid as usize];
        let parent = &mut self.calls[p];
        if reason != 0 {
            parent.stage_failed = true;
            if call.dep == PEER {
                parent.peer_failures = parent.peer_failures.saturating_add(1);
                if u32::from(parent.peer_failures) > behaviour::peer_failures_tolerated(svc)
                    && parent.reason == 0
                {
                    parent.reason = Reason::Dependency as u8;
                }
            } else {
                match behaviour::on_failure(svc.role, &svc.deps[call.dep as usize]) {
                    OnFailure::Fails if parent.reason == 0 => {
                        parent.reason = Reason::Dependency as u8;
                    }
                    o if o.degrades() => parent.flags |= flag::DEGRADED,
                    _ => {}
                }
            }
        } else if call.has(flag::DEGRADED) {
            parent.flags |= flag::DEGRADED;
        }
        if call.has(flag::MISS) {
            parent.flags |= flag::STAGE_MISSED;
        }
        parent.pending -= 1;
        if parent.pending == 0 {
            self.run_stages(p);
        }
    }
}
