//! The server side of a call: an instance accepts it (or is dead, or a fault
//! fails or delays it), queues it for a worker, runs the behaviour's plan stage
//! by stage, and answers.

use super::calls::flag;
use super::{Kind, Simulation, NONE, NO_TRACK, REPLICA};
use crate::behaviour::{self, Access, StageOutcome};
use crate::metrics::{Reason, SpanRecord, END_TO_END, NO_VERSION};
use crate::topology::{InstanceId, ServiceId};

impl Simulation {
    /// Call `c` reaches its instance.
    pub(super) fn on_arrive(&mut self, c: u32) {
        let inst = self.calls[c].inst;
        let sid = self.topo.instances[inst as usize].service;
        let call = &mut self.calls[c];
        call.arrived = self.now;
        let track = call.track;
        if !call.has(flag::COUNTED) {
            // (A caller that timed out before the request arrived has counted it.)
            call.flags |= flag::COUNTED;
            self.stats[sid as usize].requests += 1;
            self.series.arrival(sid);
            if track != NO_TRACK {
                self.track_request(c, sid);
            }
        }
        if track != NO_TRACK {
            self.track_arrival(c);
        }
        let call = &mut self.calls[c];
        self.scaler.arrival(&self.topo, inst);
        let st = self.inst[inst as usize];
        call.gen = st.gen;
        if st.down > 0 {
            if st.hang {
                self.swallow(c);
            } else {
                call.reason = Reason::Refused as u8;
                self.respond(c, false);
            }
            return;
        }
        if let Some(f) = self.chaos.service_fault(sid) {
            if f.error_fraction > 0.0 && self.chaos.rng.chance(f.error_fraction) {
                self.calls[c].reason = Reason::Injected as u8;
                self.respond(c, false);
                return;
            }
            if f.delay > 0 && self.chaos.rng.chance(f.delay_fraction) {
                self.queue.push_after(self.now, f.delay, Kind::Admit, c);
                return;
            }
        }
        self.admit(c);
    }

    /// Call `c` asks for a worker: it gets one, waits in the FIFO queue, or is
    /// rejected when the queue is full.
    pub(super) fn admit(&mut self, c: u32) {
        if self.stale(c) {
            return;
        }
        let inst = self.calls[c].inst;
        let sid = self.topo.instances[inst as usize].service;
        if self.calls[c].replica {
            // Replica writes run in their own stage (Cassandra's MUTATION stage),
            // not in the pool that coordinators hold while they wait for replicas:
            // sharing one pool would let a single slow peer deadlock the ring.
            let t = self.now + self.work_time(inst, sid);
            self.queue.push(t, Kind::WorkDone, c);
            return;
        }
        let (concurrency, queue) = self.worker_limits(inst, sid);
        let svc = &self.topo.services[sid as usize];
        let st = &mut self.inst[inst as usize];
        if svc.nonblocking && st.busy + st.queued + st.parked >= svc.max_outstanding {
            // An event loop's cap on what it holds (Envoy's max_requests).
            self.calls[c].reason = Reason::Rejected as u8;
            self.respond(c, false);
        } else if st.busy < concurrency {
            st.busy += 1;
            let t = self.now + self.work_time(inst, sid);
            self.queue.push(t, Kind::WorkDone, c);
            self.scaler.load(&self.topo, inst, 1, 1, self.now);
        } else if st.queued < queue {
            st.queued += 1;
            self.link_tail(inst, c);
            self.scaler.load(&self.topo, inst, 0, 1, self.now);
        } else {
            self.calls[c].reason = Reason::Rejected as u8;
            self.respond(c, false);
        }
    }

    /// Whether the process that accepted call `c` has died since (or is dead):
    /// a refusing instance resets the connection, a zombie keeps it for ever.
    /// Either way the call's worker is already gone (reset at the kill).
    #[inline]
    fn stale(&mut self, c: u32) -> bool {
        let call = &self.calls[c];
        let st = &self.inst[call.inst as usize];
        if call.gen == st.gen && st.down == 0 {
            return false;
        }
        self.stale_slow(c)
    }

    #[cold]
    fn stale_slow(&mut self, c: u32) -> bool {
        let call = self.calls[c];
        let st = self.inst[call.inst as usize];
        if st.down > 0 && st.hang {
            self.swallow(c);
        } else {
            self.calls[c].reason = Reason::Refused as u8;
            self.respond(c, false);
        }
        true
    }

    /// A zombie keeps call `c`'s connection open and never answers; the call
    /// waits on the instance's list until the instance restarts, which resets
    /// the connection (refused). The list reuses the idle wait-queue links.
    pub(super) fn swallow(&mut self, c: u32) {
        self.link_tail(self.calls[c].inst, c);
    }

    /// Appends call `c` to instance `inst`'s list (its FIFO wait queue, or a
    /// zombie's open connections), linked through the call records.
    #[inline]
    fn link_tail(&mut self, inst: u32, c: u32) {
        let st = &mut self.inst[inst as usize];
        if st.tail == NONE {
            st.head = c;
        } else {
            self.calls[st.tail].next = c;
        }
        st.tail = c;
        self.calls[c].next = NONE;
    }

    /// Runs the behaviour's plan from the call's current stage until a stage
    /// launches calls (then waits for their replies) or the plan ends (replies).
    pub(super) fn run_stages(&mut self, c: u32) {
        if self.stale(c) {
            return;
        }
        let inst = self.calls[c].inst;
        let sid = self.topo.instances[inst as usize].service;
        if self.calls[c].stage == 0
            && self.calls[c].track != NO_TRACK
            && self.calls[c].reason == 0
            && self.defect_fails(c)
        {
            // The version's bug: the request fails after its work, before its calls.
            self.calls[c].reason = Reason::Injected as u8;
        }
        if self.repl.any() && self.calls[c].stage == 0 && self.calls[c].reason == 0 {
            if self.calls[c].dep == REPLICA {
                // A key's replica stores or reads its copy once its work is done.
                self.serve_replica(c);
            } else if !self.calls[c].replica
                && self.topo.services[sid as usize].replication.is_some()
                && self.coordinate(c, inst, sid)
            {
                // Waiting for replicas; the coordinator resumes the plan.
                return;
            }
        }
        // Only a run with keys has caches with a capacity (a keyless request
        // may not reach one): the others skip all of this on one flag.
        let access = if self.calls.keyed() {
            if self.calls[c].stage == 0 && self.topo.services[sid as usize].cache.is_some() {
                // A cache with a capacity looks the key up (or sets it) once its work is done.
                self.serve_cache(c, inst, sid);
            }
            self.access(c)
        } else {
            Access::Unkeyed
        };
        let mut out = std::mem::take(&mut self.scratch);
        loop {
            let call = &self.calls[c];
            let outcome = StageOutcome {
                any_failed: call.stage_failed,
                missed: call.has(flag::STAGE_MISSED),
            };
            let svc = &self.topo.services[sid as usize];
            let first = call.stage == 0 && !call.replica;
            if call.reason != 0
                || !behaviour::plan_stage(
                    svc,
                    call.stage,
                    call.replica,
                    access,
                    outcome,
                    &mut self.behaviour,
                    &mut out,
                )
            {
                self.scratch = out;
                let parked = self.calls[c].has(flag::PARKED);
                if parked {
                    self.unpark(c, inst);
                }
                let held = !self.calls[c].replica && !parked;
                self.respond(c, held);
                return;
            }
            // Only the stage's own calls are waited for; calls nobody waits
            // for go out beside the first stage.
            let waited = out.len() as u32;
            if first && svc.has_detached {
                behaviour::plan_detached(svc, &mut self.detached, &mut out);
            }
            let nonblocking = svc.nonblocking;
            let call = &mut self.calls[c];
            call.stage += 1;
            call.stage_failed = false;
            call.flags &= !flag::STAGE_MISSED;
            call.peer_failures = 0;
            call.pending = waited;
            for &l in &out {
                self.launch(c, inst, sid, l);
            }
            if waited == 0 {
                continue;
            }
            if nonblocking && !self.calls[c].has(flag::PARKED) {
                self.park(c, inst, sid);
            }
            self.scratch = out;
            return;
        }
    }

    /// A non-blocking server's request `c` waits on its calls without a
    /// worker: the event loop takes the next request while it waits.
    fn park(&mut self, c: u32, inst: InstanceId, sid: ServiceId) {
        if self.calls[c].replica {
            // A replica write holds no worker to free (its own stage).
            return;
        }
        self.calls[c].flags |= flag::PARKED;
        self.inst[inst as usize].parked += 1;
        self.free_worker(inst, sid, false);
    }

    /// Parked request `c`'s calls have answered: it leaves the parked set
    /// (and answers without a worker).
    fn unpark(&mut self, c: u32, inst: InstanceId) {
        self.calls[c].flags &= !flag::PARKED;
        self.inst[inst as usize].parked -= 1;
        self.scaler.load(&self.topo, inst, 0, -1, self.now);
    }

    /// Answers call `c`: records it (unless its caller gave up on it and has
    /// recorded the timeout), frees the worker when one was held, and sends the
    /// reply back over the network (a root answers its client at once).
    pub(super) fn respond(&mut self, c: u32, held_worker: bool) {
        let call = self.calls[c];
        let sid = self.topo.instances[call.inst as usize].service;
        if !call.has(flag::DONE) {
            self.calls[c].flags |= flag::RECORDED;
            let took = self.now - call.arrived;
            self.stats[sid as usize].record(took, call.reason);
            if call.reason == 0 && call.has(flag::DEGRADED) {
                self.stats[sid as usize].degraded += 1;
            }
            self.series.answer(sid, took, call.reason);
            if call.track != NO_TRACK {
                self.track_answer(c, sid, took, call.reason);
            }
            if let Some(w) = &mut self.live {
                let w = &mut w[call.inst as usize];
                w.answered += 1;
                w.failed += u32::from(call.reason != 0);
                w.latency_sum += took;
            }
        }
        self.calls[c].flags |= flag::RESPONDED;
        if call.has(flag::SAMPLED) {
            let version = if call.track == NO_TRACK {
                NO_VERSION
            } else {
                self.versions
                    .version_of_track(sid, call.track)
                    .unwrap_or(NO_VERSION)
            };
            self.spans.record(SpanRecord {
                trace: call.trace,
                span: call.span,
                parent: call.parent_span,
                instance: call.inst,
                start: call.arrived,
                end: self.now,
                reason: call.reason,
                version,
                detached: self.detached_kind(&call),
            });
        }
        if held_worker {
            self.release_worker(call.inst, sid);
        }
        if call.is_root() {
            let took = self.now - call.sent;
            self.end_to_end.record(took, call.reason);
            self.entries[call.dep as usize].ok += u64::from(call.reason == 0);
            if call.reason == 0 && call.has(flag::DEGRADED) {
                self.end_to_end.degraded += 1;
            }
            self.series.answer(END_TO_END, took, call.reason);
            if call.touched != 0 {
                self.touched_request(call.touched, call.reason != 0);
            }
            self.calls.free(c);
        } else if !self.chaos.cut(&self.topo, call.inst, call.caller) {
            let hop = self.topo.latency(call.inst, call.caller);
            self.queue.push_after(self.now, hop, Kind::Reply, c);
        } else if call.has(flag::DONE | flag::DETACHED) {
            // Lost across a partition, and its caller gave up already (or
            // never waited for it).
            self.calls.free(c);
        } else {
            // Lost across a partition: only the caller's timeout ends the wait.
            self.calls[c].flags |= flag::LOST;
        }
    }

    /// How call `c` is detached, if it is (for its span).
    fn detached_kind(&self, c: &super::Call) -> Option<behaviour::Detached> {
        if !c.has(flag::DETACHED) {
            return None;
        }
        let caller = self.topo.instances[c.caller as usize].service;
        self.topo.services[caller as usize].deps[c.dep as usize].detached
    }

    fn release_worker(&mut self, inst: InstanceId, sid: ServiceId) {
        self.free_worker(inst, sid, true);
    }

    /// A worker of `inst` is free: the head of the queue takes it, or it
    /// idles. `leaving`: the request that held it leaves the instance (it
    /// answered); otherwise it stays, parked.
    fn free_worker(&mut self, inst: InstanceId, sid: ServiceId, leaving: bool) {
        let gone = -i64::from(leaving);
        let st = &mut self.inst[inst as usize];
        if st.head == NONE {
            st.busy -= 1;
            self.scaler.load(&self.topo, inst, -1, gone, self.now);
            return;
        }
        // A queued request takes the worker: one fewer in the instance when
        // the request that held it leaves.
        if leaving {
            self.scaler.load(&self.topo, inst, 0, gone, self.now);
        }
        let st = &mut self.inst[inst as usize];
        // Hand the worker straight to the head of the queue.
        let next = st.head;
        st.head = self.calls[next].next;
        if st.head == NONE {
            st.tail = NONE;
        }
        st.queued -= 1;
        let t = self.now + self.work_time(inst, sid);
        self.queue.push(t, Kind::WorkDone, next);
    }
}
