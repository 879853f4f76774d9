//! The discrete-event engine: virtual time in integer nanoseconds, one event
//! queue ordered by (time, seq), seeded random streams, and actors (instances)
//! that are plain data addressed by integer id.
//!
//! A request's life: it *arrives* at an instance and waits for a worker
//! (`concurrency`, FIFO `queue`); the worker does `service_time` of *work*;
//! then the service's [`behaviour`](crate::behaviour) plan makes its calls
//! stage by stage, holding the worker (thread-per-request servers do); when the
//! plan is done the instance *replies*, which costs one network hop back.

mod calls;
mod queue;

use crate::behaviour::{self, failure_is_fatal, Launch, StageOutcome};
use crate::duration::Nanos;
use crate::metrics::{Flows, Reason, Series, SpanRecord, Spans, Stats, END_TO_END};
use crate::model::Arrival;
use crate::rng::{Purpose, Stream};
use crate::topology::{InstanceId, ServiceId, Topology, GLOBAL};

pub use calls::{Call, CallTable, NONE, PEER};
pub use queue::{Event, EventQueue, Kind};

/// How to run a simulation.
#[derive(Debug, Clone)]
pub struct RunConfig {
    /// Seed of every random stream.
    pub seed: u64,
    /// Traffic is offered during [0, duration); requests in flight then finish.
    pub duration: Nanos,
    /// Requests per second per entry point, overriding the file's `traffic.rate`.
    pub rate: Option<f64>,
    /// Keep instance-to-instance flows (first use, calls, failures) for graph exports.
    pub record_graph: bool,
    /// Width of the time-series buckets.
    pub bucket: Nanos,
    /// Fraction of external requests whose traces are kept.
    pub trace_sample: f64,
    /// At most this many traces are kept.
    pub max_traces: u32,
}

impl Default for RunConfig {
    fn default() -> Self {
        RunConfig {
            seed: 1,
            duration: 60 * crate::duration::SEC,
            rate: None,
            record_graph: true,
            bucket: crate::duration::SEC,
            trace_sample: 0.01,
            max_traces: 1000,
        }
    }
}

impl RunConfig {
    /// Most time buckets a run may ask for (memory grows with buckets × services).
    pub const MAX_BUCKETS: u64 = 100_000;

    /// Refuses settings that make no sense or would exhaust memory.
    pub fn validate(&self) -> Result<(), crate::error::InputError> {
        use crate::error::InputError;
        if self.duration == 0 || self.duration > crate::duration::MAX_DURATION {
            return Err(InputError::at(
                "--duration",
                "the duration must be above zero and at most 100 days.",
            )
            .hint("e.g. --duration 60s"));
        }
        if self.bucket == 0 || self.duration / self.bucket > Self::MAX_BUCKETS {
            return Err(InputError::at(
                "--bucket",
                format!(
                    "{} buckets of {} would be needed; the most is {}.",
                    self.duration / self.bucket.max(1),
                    crate::duration::format_duration(self.bucket),
                    Self::MAX_BUCKETS
                ),
            )
            .hint("use a wider --bucket, e.g. 1s for runs up to a day."));
        }
        if let Some(r) = self.rate {
            if !(r > 0.0 && r <= crate::model::LIMITS.max_rate) {
                return Err(InputError::at(
                    "--rate",
                    format!("{r} requests per second is out of range."),
                )
                .hint(format!(
                    "use a rate above 0 and at most {}.",
                    crate::model::LIMITS.max_rate
                )));
            }
        }
        if !(0.0..=1.0).contains(&self.trace_sample) {
            return Err(InputError::at(
                "--trace-sample",
                format!("{} is not a fraction.", self.trace_sample),
            )
            .hint("use a number between 0 and 1, e.g. 0.01."));
        }
        Ok(())
    }
}

/// Runtime state of one instance: busy workers and its FIFO wait queue, linked
/// through the call records (no per-instance allocation).
#[derive(Debug, Clone, Copy)]
struct InstState {
    busy: u32,
    queued: u32,
    head: u32,
    tail: u32,
}

/// A simulation in progress. Step it with [`Simulation::run_until`] or finish it
/// with [`Simulation::run`]; read results with [`Simulation::service_stats`] etc.
pub struct Simulation {
    topo: Topology,
    cfg: RunConfig,
    now: Nanos,
    events: u64,
    queue: EventQueue,
    calls: CallTable,
    inst: Vec<InstState>,
    stats: Vec<Stats>,
    end_to_end: Stats,
    gap_ns: f64,
    arrivals: Stream,
    routing: Stream,
    work: Stream,
    behaviour: Stream,
    ids: Stream,
    scratch: Vec<Launch>,
    series: Series,
    flows: Option<Flows>,
    spans: Spans,
}

impl Simulation {
    /// Prepares a run: instance state, streams, and the first arrival at each entry point.
    pub fn new(topo: Topology, cfg: RunConfig) -> Simulation {
        let rate = cfg.rate.unwrap_or(topo.traffic.rate);
        let mut sim = Simulation {
            now: 0,
            events: 0,
            queue: EventQueue::default(),
            calls: CallTable::new(),
            inst: vec![
                InstState {
                    busy: 0,
                    queued: 0,
                    head: NONE,
                    tail: NONE
                };
                topo.instances.len()
            ],
            stats: vec![Stats::default(); topo.services.len()],
            end_to_end: Stats::default(),
            gap_ns: 1e9 / rate,
            arrivals: Stream::new(cfg.seed, Purpose::Arrivals),
            routing: Stream::new(cfg.seed, Purpose::Routing),
            work: Stream::new(cfg.seed, Purpose::Work),
            behaviour: Stream::new(cfg.seed, Purpose::Behaviour),
            ids: Stream::new(cfg.seed, Purpose::Ids),
            scratch: Vec::with_capacity(16),
            series: Series::new(topo.services.len(), cfg.bucket),
            flows: cfg.record_graph.then(Flows::default),
            spans: Spans::new(cfg.trace_sample, cfg.max_traces),
            topo,
            cfg,
        };
        for e in 0..sim.topo.entry_points.len() {
            let t = sim.next_gap();
            if t < sim.cfg.duration {
                sim.queue.push(t, Kind::Entry, e as u32);
            }
        }
        sim
    }

    /// The topology being simulated.
    pub fn topology(&self) -> &Topology {
        &self.topo
    }

    /// The configuration of this run.
    pub fn config(&self) -> &RunConfig {
        &self.cfg
    }

    /// Current virtual time.
    pub fn now(&self) -> Nanos {
        self.now
    }

    /// Events processed so far.
    pub fn events(&self) -> u64 {
        self.events
    }

    /// Requests in flight (calls not yet answered).
    pub fn in_flight(&self) -> usize {
        self.calls.live()
    }

    /// Per-service statistics, indexed by service id.
    pub fn service_stats(&self) -> &[Stats] {
        &self.stats
    }

    /// Statistics of external requests, end to end.
    pub fn end_to_end(&self) -> &Stats {
        &self.end_to_end
    }

    /// Instance-to-instance flows, when `record_graph` was set.
    pub fn flows(&self) -> Option<&Flows> {
        self.flows.as_ref()
    }

    /// Per-bucket time series (complete once [`Simulation::run`] has returned).
    pub fn series(&self) -> &Series {
        &self.series
    }

    /// Spans of sampled traces.
    pub fn spans(&self) -> &Spans {
        &self.spans
    }

    /// Processes every event up to and including virtual time `t`. Returns true
    /// while events remain.
    pub fn run_until(&mut self, t: Nanos) -> bool {
        while let Some(next) = self.queue.peek_time() {
            if next > t {
                self.now = self.now.max(t);
                return true;
            }
            if next >= self.series.next_boundary() {
                self.series.advance(next);
            }
            let ev = self.queue.pop().expect("peeked");
            self.now = next;
            self.events += 1;
            match ev.kind {
                Kind::Entry => self.on_entry(ev.id),
                Kind::Arrive => self.on_arrive(ev.id),
                Kind::WorkDone => self.run_stages(ev.id),
                Kind::Reply => self.on_reply(ev.id),
            }
        }
        false
    }

    /// Runs until traffic has stopped and every request has been answered.
    pub fn run(&mut self) {
        self.run_until(Nanos::MAX);
        self.series.finish();
    }

    fn next_gap(&mut self) -> Nanos {
        let gap = match self.topo.traffic.arrival {
            Arrival::Poisson => -self.gap_ns * libm::log(1.0 - self.arrivals.uniform()),
            Arrival::Constant => self.gap_ns,
        };
        self.now + gap as Nanos
    }

    fn on_entry(&mut self, e: u32) {
        let svc = self.topo.entry_points[e as usize];
        let inst = self.pick_instance(svc, GLOBAL);
        let trace = self.ids.next_u64() | 1;
        let span = self.ids.next_u64() | 1;
        let c = self
            .calls
            .alloc(Call::new(NONE, NONE, inst, e as u16, self.now, trace, span));
        self.calls[c].sampled = self.spans.admit(trace);
        self.series.arrival(END_TO_END);
        self.on_arrive(c);
        let t = self.next_gap();
        if t < self.cfg.duration {
            self.queue.push(t, Kind::Entry, e);
        }
    }

    fn on_arrive(&mut self, c: u32) {
        let inst = self.calls[c].inst;
        self.calls[c].arrived = self.now;
        let sid = self.topo.instances[inst as usize].service;
        self.stats[sid as usize].requests += 1;
        self.series.arrival(sid);
        let svc = &self.topo.services[sid as usize];
        let st = &mut self.inst[inst as usize];
        if st.busy < svc.concurrency {
            st.busy += 1;
            let t = self.now + svc.service_time.sample(&mut self.work);
            self.queue.push(t, Kind::WorkDone, c);
        } else if st.queued < svc.queue {
            st.queued += 1;
            if st.tail == NONE {
                st.head = c;
            } else {
                self.calls[st.tail].next = c;
            }
            st.tail = c;
            self.calls[c].next = NONE;
        } else {
            self.calls[c].reason = Reason::Rejected as u8;
            self.respond(c, false);
        }
    }

    /// Runs the behaviour's plan from the call's current stage until a stage
    /// launches calls (then waits for their replies) or the plan ends (replies).
    fn run_stages(&mut self, c: u32) {
        let inst = self.calls[c].inst;
        let sid = self.topo.instances[inst as usize].service;
        let mut out = std::mem::take(&mut self.scratch);
        loop {
            let call = &self.calls[c];
            let outcome = StageOutcome {
                any_failed: call.stage_failed,
            };
            let svc = &self.topo.services[sid as usize];
            if call.reason != 0
                || !behaviour::plan_stage(
                    svc,
                    call.stage,
                    call.replica,
                    outcome,
                    &mut self.behaviour,
                    &mut out,
                )
            {
                self.scratch = out;
                self.respond(c, true);
                return;
            }
            let call = &mut self.calls[c];
            call.stage += 1;
            call.stage_failed = false;
            if out.is_empty() {
                continue;
            }
            call.pending = out.len() as u32;
            let trace = call.trace;
            for &l in &out {
                self.launch(c, inst, sid, trace, l);
            }
            self.scratch = out;
            return;
        }
    }

    fn launch(&mut self, parent: u32, from: InstanceId, sid: ServiceId, trace: u64, l: Launch) {
        let svc = &self.topo.services[sid as usize];
        let (to, dep) = match l {
            Launch::Dep(d) => {
                let target = behaviour::target_of(svc, sid, l);
                (
                    self.pick_instance(target, self.topo.instances[from as usize].region),
                    d,
                )
            }
            Launch::Peer(k) => {
                // Ring successors within the region: how Cassandra places replicas.
                let me = self.topo.instances[from as usize];
                let base = from - me.index;
                (base + (me.index + k) % svc.per_region, PEER)
            }
        };
        let span = self.ids.next_u64() | 1;
        let sampled = self.calls[parent].sampled;
        let child = self
            .calls
            .alloc(Call::new(parent, from, to, dep, self.now, trace, span));
        let call = &mut self.calls[child];
        call.sampled = sampled;
        if let Some(f) = &mut self.flows {
            call.flow = f.call(from, to, self.now);
        }
        let t = self.now + self.topo.latency(from, to);
        self.queue.push(t, Kind::Arrive, child);
    }

    /// Answers call `c`: records it, frees the worker (when one was held), and
    /// sends the reply back over the network (a root answers its client at once).
    fn respond(&mut self, c: u32, held_worker: bool) {
        let call = self.calls[c];
        let sid = self.topo.instances[call.inst as usize].service;
        self.stats[sid as usize].record(self.now - call.arrived, call.reason);
        self.series
            .answer(sid, self.now - call.arrived, call.reason);
        if call.sampled {
            let parent = if call.parent == NONE {
                0
            } else {
                self.calls[call.parent].span
            };
            self.spans.record(SpanRecord {
                trace: call.trace,
                span: call.span,
                parent,
                instance: call.inst,
                start: call.arrived,
                end: self.now,
                reason: call.reason,
            });
        }
        if held_worker {
            self.release_worker(call.inst, sid);
        }
        if call.parent == NONE {
            self.end_to_end.requests += 1;
            self.end_to_end.record(self.now - call.sent, call.reason);
            self.series
                .answer(END_TO_END, self.now - call.sent, call.reason);
            self.calls.free(c);
        } else {
            let t = self.now + self.topo.latency(call.inst, call.caller);
            self.queue.push(t, Kind::Reply, c);
        }
    }

    fn release_worker(&mut self, inst: InstanceId, sid: ServiceId) {
        let st = &mut self.inst[inst as usize];
        if st.head == NONE {
            st.busy -= 1;
            return;
        }
        // Hand the worker straight to the head of the queue.
        let next = st.head;
        st.head = self.calls[next].next;
        if st.head == NONE {
            st.tail = NONE;
        }
        st.queued -= 1;
        let t = self.now
            + self.topo.services[sid as usize]
                .service_time
                .sample(&mut self.work);
        self.queue.push(t, Kind::WorkDone, next);
    }

    fn on_reply(&mut self, c: u32) {
        let call = self.calls[c];
        self.calls.free(c);
        let p = call.parent;
        if call.reason != 0 {
            if let Some(f) = &mut self.flows {
                f.failed(call.flow);
            }
            let psid = self.topo.instances[self.calls[p].inst as usize].service;
            let fatal =
                call.dep == PEER || failure_is_fatal(&self.topo.services[psid as usize], call.dep);
            let parent = &mut self.calls[p];
            parent.stage_failed = true;
            if fatal && parent.reason == 0 {
                parent.reason = Reason::Dependency as u8;
            }
        }
        let parent = &mut self.calls[p];
        parent.pending -= 1;
        if parent.pending == 0 {
            self.run_stages(p);
        }
    }

    /// Chooses the instance of `svc` that a caller in `region` talks to: the
    /// caller's own region when the service is there, any region for global callers.
    #[inline]
    fn pick_instance(&mut self, svc: ServiceId, region: u16) -> InstanceId {
        let s = &self.topo.services[svc as usize];
        let r = if s.regions == 1 {
            0
        } else if region == GLOBAL {
            self.routing.below(s.regions)
        } else {
            region as u32 % s.regions
        };
        let range = self.topo.instances_in(svc, r);
        if s.per_region == 1 {
            range.start
        } else {
            range.start + self.routing.below(s.per_region)
        }
    }
}
