//! The discrete-event engine: virtual time in integer nanoseconds, one event
//! queue ordered by (time, seq), seeded random streams, and actors (instances)
//! that are plain data addressed by integer id.
//!
//! A request's life: the caller *sends* it (picking an instance through service
//! discovery, consulting its breaker and bulkhead, arming a timeout); it
//! *arrives* at the instance and waits for a worker (`concurrency`, FIFO
//! `queue`); the worker does `service_time` of *work*; then the service's
//! [`behaviour`](crate::behaviour) plan makes its calls stage by stage, holding
//! the worker (thread-per-request servers do; a non-blocking server parks the
//! request and frees the worker), besides the calls nobody waits for
//! (mirrors, async calls), which go out with the first stage; when the plan is done the
//! instance *replies*, which costs one network hop back, and the caller
//! *concludes* the attempt: success, a retry after backoff, a fallback, or failure.
//!
//! The code is split by who acts: [`server`] (an instance handling a call),
//! [`client`] (a caller sending, timing out, retrying), [`routing`] (which
//! instance a caller picks), [`chaos`] (faults, restarts, discovery),
//! [`failures`] (instances and zones failing by MTBF/MTTR).

mod analysis;
mod arrivals;
mod autoscale;
pub mod budget;
mod caches;
mod calls;
mod chaos;
mod client;
mod deploy;
mod failures;
mod invariants;
mod queue;
mod replication;
mod routing;
mod server;
mod versions;

use crate::duration::Nanos;
use crate::fault::Scenario;
use crate::metrics::{Flows, Series, Spans, Stats, END_TO_END};
use crate::rng::{Purpose, Stream};
use crate::run::RunOptions;
use crate::topology::{Topology, GLOBAL};

pub use analysis::VerdictRecord;
pub use autoscale::{Capacity, Phase};
pub use calls::{flag, Call, CallTable, NONE, NO_TRACK, PEER, REPLICA};
pub use deploy::{Outcome, Report, MAX_ROLLOUTS};
pub use failures::FailureCounts;
pub use queue::{Event, EventQueue, Kind};
pub use replication::{Staleness, STALENESS_BIN, STALENESS_BINS};

/// Runtime state of one instance: busy workers and its FIFO wait queue, linked
/// through the call records (no per-instance allocation), and whether it is up.
#[derive(Debug, Clone, Copy)]
struct InstState {
    busy: u32,
    queued: u32,
    /// Requests of a non-blocking server waiting on their calls without a worker.
    parked: u32,
    head: u32,
    tail: u32,
    /// Bumped at every death and restart: calls from an older generation are stale.
    gen: u16,
    /// Faults currently holding the instance down (0: up).
    down: u8,
    /// How it behaves while down (a [`crate::fault::Mode`] as u8: 0 refuse, 1 hang).
    hang: bool,
}

impl InstState {
    const FRESH: InstState = InstState {
        busy: 0,
        queued: 0,
        parked: 0,
        head: NONE,
        tail: NONE,
        gen: 0,
        down: 0,
        hang: false,
    };
}

/// What an instance is doing, as the live view shows it. The discriminants are
/// the codes of a snapshot's `state` array; the topology message lists the
/// names in code order (`instance_states`), so the page never hard-codes them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[repr(u8)]
pub enum InstanceState {
    /// Serving.
    Up = 0,
    /// Down, refusing connections: callers learn at once.
    Down = 1,
    /// Down as a zombie: accepts requests and never answers.
    Zombie = 2,
    /// A place an autoscaler has not started (or has stopped): not running.
    Off = 3,
    /// Started by an autoscaler, still booting.
    Starting = 4,
}

impl InstanceState {
    /// Every state, in code order.
    pub const ALL: [InstanceState; 5] = [
        InstanceState::Up,
        InstanceState::Down,
        InstanceState::Zombie,
        InstanceState::Off,
        InstanceState::Starting,
    ];

    /// The name the page shows.
    pub fn name(self) -> &'static str {
        match self {
            InstanceState::Up => "up",
            InstanceState::Down => "down",
            InstanceState::Zombie => "zombie",
            InstanceState::Off => "off",
            InstanceState::Starting => "starting",
        }
    }
}

/// A simulation in progress, made by [`crate::RunSpec`]. Step it with
/// [`Simulation::run_until`] or finish it with [`Simulation::run`]; read
/// results with [`Simulation::service_stats`] etc., or all outputs at once
/// with [`Simulation::outputs`].
pub struct Simulation {
    topo: Topology,
    cfg: RunOptions,
    /// graph.json's `args`: the settings that determine the outputs.
    args: String,
    now: Nanos,
    events: u64,
    queue: EventQueue,
    calls: CallTable,
    inst: Vec<InstState>,
    stats: Vec<Stats>,
    end_to_end: Stats,
    /// One per entry point, in `topo.entry_points` order.
    sources: Vec<arrivals::Source>,
    /// Per entry point, its external requests and how many succeeded.
    entries: Vec<EntryCount>,
    arrivals: Stream,
    routing: Stream,
    work: Stream,
    behaviour: Stream,
    ids: Stream,
    /// Keys and the read/write coin (drawn only in runs with keys).
    keys: Stream,
    /// Whether requests send their mirror copies and async calls.
    detached: Stream,
    scratch: Vec<crate::behaviour::Launch>,
    series: Series,
    flows: Option<Flows>,
    spans: Spans,
    chaos: chaos::Chaos,
    /// Failures by MTBF/MTTR, when [`RunOptions::failures`] is set.
    failures: Option<Box<failures::Failures>>,
    clients: client::Clients,
    live: Option<Vec<Window>>,
    /// What the run's limits cut (summary.json reports it when anything was).
    limits: Limits,
    /// Autoscaling, and what every service's instances cost.
    scaler: autoscale::Autoscaler,
    /// Services running several versions, and the traffic split between them.
    versions: versions::Versions,
    /// Deployments started so far, and their state.
    rollouts: deploy::Rollouts,
    /// The LRUs of caches with a capacity, and what they did.
    caches: caches::Caches,
    /// Replicated stores: rings, copies, coordinators waiting.
    repl: replication::Replication,
}

/// What a run's stated limits cut short: calls refused because too many were
/// in flight, and the drain stopped at its horizon.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Limits {
    /// Calls (and external requests) failed as `rejected` because
    /// [`RunOptions::max_calls`] were in flight.
    pub rejected_at_max_calls: u64,
    /// The drain stopped at this time with calls still in flight (None: it finished).
    pub stopped_at: Option<Nanos>,
}

impl Limits {
    /// Whether any limit cut the run.
    pub fn hit(&self) -> bool {
        self.rejected_at_max_calls > 0 || self.stopped_at.is_some()
    }
}

/// External requests of one entry point, end to end: those that found nothing
/// listed or were rejected at the door count as well as those that reached it.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct EntryCount {
    /// Requests that arrived from outside.
    pub requests: u64,
    /// Of which answered successfully (degraded answers included).
    pub ok: u64,
}

/// What one instance answered since the last [`Simulation::take_window`]: the
/// live view (browser viewer, `microsim serve`) shows rates over short windows.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Window {
    /// Requests answered.
    pub answered: u32,
    /// Of which failed.
    pub failed: u32,
    /// Sum of their response times, ns.
    pub latency_sum: u64,
}

impl Simulation {
    /// Prepares a run: instance state, streams, the first arrival at each entry
    /// point, the scenario's faults and, with `figures` (given when
    /// [`RunOptions::failures`] is set), the failure processes. Only
    /// [`crate::RunSpec`] calls it, after checking every input.
    pub(crate) fn prepare(
        topo: Topology,
        cfg: RunOptions,
        scenario: Scenario,
        args: String,
        figures: Option<&crate::availability::Figures>,
    ) -> Simulation {
        let sources = topo
            .entry_traffic
            .iter()
            .map(|t| arrivals::Source::new(t, cfg.rate))
            .collect();
        let mut sim = Simulation {
            now: 0,
            events: 0,
            queue: EventQueue::default(),
            calls: CallTable::new(),
            inst: vec![InstState::FRESH; topo.instances.len()],
            stats: vec![Stats::default(); topo.services.len()],
            end_to_end: Stats::default(),
            sources,
            entries: vec![EntryCount::default(); topo.entry_points.len()],
            arrivals: Stream::new(cfg.seed, Purpose::Arrivals),
            routing: Stream::new(cfg.seed, Purpose::Routing),
            work: Stream::new(cfg.seed, Purpose::Work),
            behaviour: Stream::new(cfg.seed, Purpose::Behaviour),
            ids: Stream::new(cfg.seed, Purpose::Ids),
            keys: Stream::new(cfg.seed, Purpose::Keys),
            detached: Stream::new(cfg.seed, Purpose::Detached),
            scratch: Vec::with_capacity(16),
            // One row per service, then one per version track (none without versions).
            series: Series::new(topo.services.len() + topo.tracks().len(), cfg.bucket),
            // Instance pairs only when the graph files will list instances
            // (the live view turns them on for any size: enable_live).
            flows: cfg.record_graph.then(|| {
                Flows::new(if topo.instances.len() <= RunOptions::MAX_GRAPH_INSTANCES {
                    cfg.max_edges
                } else {
                    0
                })
            }),
            spans: Spans::new(cfg.trace_sample, cfg.max_traces),
            chaos: chaos::Chaos::new(&topo, scenario, cfg.seed),
            failures: None,
            clients: client::Clients::new(&topo),
            live: None,
            limits: Limits::default(),
            scaler: autoscale::Autoscaler::new(&topo),
            versions: versions::Versions::new(&topo, cfg.seed),
            rollouts: deploy::Rollouts::default(),
            caches: caches::Caches::new(&topo),
            repl: replication::Replication::new(&topo, cfg.seed),
            topo,
            cfg,
            args,
        };
        let keyed = sim.topo.entry_traffic.iter().any(|t| t.keys.is_some())
            || sim
                .topo
                .services
                .iter()
                .any(|s| s.deps.iter().any(|d| d.keys.is_some()));
        if keyed {
            sim.calls.carry_keys();
        }
        for e in 0..sim.topo.entry_points.len() {
            sim.next_arrival(e as u32);
        }
        for (i, f) in sim.chaos.scenario.faults.iter().enumerate() {
            // Faults after the end of traffic would only act on the drain.
            if f.at < sim.cfg.duration {
                sim.queue.push(f.at, Kind::Fault, i as u32);
            }
        }
        let counts: Vec<u32> = sim.scaler.capacity().iter().map(|c| c.now).collect();
        sim.series.init_instances(&counts);
        sim.start_autoscaling();
        sim.start_versions();
        sim.schedule_deployments();
        sim.schedule_repairs();
        if let (Some(accel), Some(figures)) = (sim.cfg.failures, figures) {
            sim.start_failures(figures, accel);
        }
        sim
    }

    /// The topology being simulated.
    pub fn topology(&self) -> &Topology {
        &self.topo
    }

    /// The options of this run.
    pub fn config(&self) -> &RunOptions {
        &self.cfg
    }

    /// The settings that determine this run's outputs, as graph.json records them.
    pub fn args(&self) -> &str {
        &self.args
    }

    /// The faults this run applies.
    pub fn scenario(&self) -> &Scenario {
        &self.chaos.scenario
    }

    /// Current virtual time.
    pub fn now(&self) -> Nanos {
        self.now
    }

    /// Events processed so far.
    pub fn events(&self) -> u64 {
        self.events
    }

    /// Calls in flight: not yet answered, or never to be (sent to a zombie or
    /// across a partition with no timeout).
    pub fn in_flight(&self) -> usize {
        self.calls.live()
    }

    /// Per-service statistics, indexed by service id.
    pub fn service_stats(&self) -> &[Stats] {
        &self.stats
    }

    /// What the run's limits cut short.
    pub fn limits(&self) -> &Limits {
        &self.limits
    }

    /// Whether a new call would exceed [`RunOptions::max_calls`] (counted as a
    /// rejection when it does).
    #[inline]
    fn over_max_calls(&mut self) -> bool {
        let over = self.calls.live() >= self.cfg.max_calls as usize;
        self.limits.rejected_at_max_calls += u64::from(over);
        over
    }

    /// Statistics of external requests, end to end.
    pub fn end_to_end(&self) -> &Stats {
        &self.end_to_end
    }

    /// External requests per entry point (in `topology().entry_points`
    /// order) and how many succeeded: summary.json's observed availability.
    pub fn entry_counts(&self) -> &[EntryCount] {
        &self.entries
    }

    /// Instance-to-instance flows, when `record_graph` was set.
    pub fn flows(&self) -> Option<&Flows> {
        self.flows.as_ref()
    }

    /// Per-bucket time series (complete once [`Simulation::run`] has returned).
    pub fn series(&self) -> &Series {
        &self.series
    }

    /// The time series, to drain its rows as buckets close (metrics.csv
    /// streams them) or to stop keeping per-service rows (the live view).
    pub fn series_mut(&mut self) -> &mut Series {
        &mut self.series
    }

    /// Spans of sampled traces.
    pub fn spans(&self) -> &Spans {
        &self.spans
    }

    /// Whether an instance is up now.
    pub fn is_up(&self, inst: crate::topology::InstanceId) -> bool {
        self.inst[inst as usize].down == 0
    }

    /// What an instance is doing now: up, down (refusing) or a zombie.
    pub fn instance_state(&self, inst: crate::topology::InstanceId) -> InstanceState {
        match self.phase(inst) {
            Phase::Off => return InstanceState::Off,
            Phase::Starting => return InstanceState::Starting,
            Phase::Ready | Phase::Retiring => {}
        }
        let st = self.inst[inst as usize];
        match (st.down > 0, st.hang) {
            (false, _) => InstanceState::Up,
            (true, false) => InstanceState::Down,
            (true, true) => InstanceState::Zombie,
        }
    }

    /// Starts counting per-instance answers for [`Simulation::take_window`].
    pub fn enable_live(&mut self) {
        if let Some(f) = &mut self.flows {
            if !f.instance_level() && f.places().is_empty() {
                *f = Flows::new(self.cfg.max_edges);
            }
        }
        if self.live.is_none() {
            self.live = Some(vec![Window::default(); self.topo.instances.len()]);
            self.caches.start_window();
        }
    }

    /// Per-instance answers since the previous call (empty unless
    /// [`Simulation::enable_live`] was called), resetting the counters.
    pub fn take_window(&mut self) -> Vec<Window> {
        match &mut self.live {
            Some(w) => std::mem::replace(w, vec![Window::default(); w.len()]),
            None => Vec::new(),
        }
    }

    /// Applies a fault now, as if a scenario had scheduled it at this instant;
    /// it heals after `lasts` (if given). Returns the fault's index.
    pub fn inject(&mut self, action: crate::fault::Action, lasts: Option<Nanos>) -> u32 {
        let i = self.chaos.scenario.faults.len() as u32;
        self.chaos.scenario.faults.push(crate::fault::Fault {
            at: self.now,
            until: lasts.map(|d| self.now.saturating_add(d)),
            action,
        });
        self.start_fault(i);
        i
    }

    /// Ends every fault now: instances come back (and are listed at the next
    /// discovery poll), injections and partitions stop, chaos monkeys retire.
    pub fn heal_all(&mut self) {
        let now = self.now;
        for f in &mut self.chaos.scenario.faults {
            if f.until.is_none_or(|u| u > now) {
                f.until = Some(now);
            }
        }
        self.heal_everything();
    }

    /// Processes every event up to and including virtual time `t`. Returns true
    /// while events remain.
    pub fn run_until(&mut self, t: Nanos) -> bool {
        while let Some((next, src)) = self.queue.peek() {
            if next > t {
                self.now = self.now.max(t);
                return true;
            }
            if next >= self.series.next_boundary() {
                self.series.advance(next);
            }
            let ev = self.queue.take(src);
            self.now = next;
            self.events += 1;
            match ev.kind {
                Kind::Entry => self.on_entry(ev.id),
                Kind::Arrive => self.on_arrive(ev.id),
                Kind::Admit => self.admit(ev.id),
                Kind::WorkDone => self.run_stages(ev.id),
                Kind::Reply => self.on_reply(ev.id),
                Kind::Timeout => self.on_timeout(ev.id),
                Kind::Send => self.send(ev.id),
                Kind::Fault => self.start_fault(ev.id),
                Kind::Heal => self.heal_fault(ev.id),
                Kind::Monkey => self.monkey_strikes(ev.id),
                Kind::Restart => self.restart(ev.id),
                Kind::Discovery => self.discovery_poll(),
                Kind::Scale => self.evaluate(ev.id),
                Kind::Ready => {
                    self.instance_ready(ev.id);
                    self.version_ready(ev.id);
                }
                Kind::Failure => self.on_failure(ev.id),
                Kind::Deploy => self.deployment_starts(ev.id),
                Kind::Rollout => self.rollout_timer(ev.id),
                Kind::Sample => self.sample_tick(ev.id),
                Kind::Repair => self.anti_entropy(ev.id),
            }
        }
        false
    }

    /// Runs until traffic has stopped and every request has been answered, or
    /// the drain has reached its horizon (`duration + drain`): what is still
    /// in flight then stays unanswered. Debug builds then check the engine's
    /// invariants ([`Simulation::check_invariants`]).
    pub fn run(&mut self) {
        let horizon = self.cfg.duration.saturating_add(self.cfg.drain);
        if self.run_until(horizon) && self.calls.live() > 0 {
            self.limits.stopped_at = Some(horizon);
        }
        self.series.finish();
        #[cfg(debug_assertions)]
        if let Err(broken) = self.check_invariants() {
            panic!("engine invariant broken at the end of a run: {broken}");
        }
    }

    fn on_entry(&mut self, e: u32) {
        if !self.arrival_due(e) {
            // A flash crowd re-aimed this arrival since it was scheduled.
            return;
        }
        let svc = self.topo.entry_points[e as usize];
        let trace = self.ids.next_u64() | 1;
        let span = self.ids.next_u64() | 1;
        self.end_to_end.requests += 1;
        self.entries[e as usize].requests += 1;
        self.series.arrival(END_TO_END);
        if self.over_max_calls() {
            let r = crate::metrics::Reason::Rejected as u8;
            self.end_to_end.record(0, r);
            self.series.answer(END_TO_END, 0, r);
        } else if let Some(inst) = {
            let track = self.pick_track(svc);
            self.pick_instance(svc, NONE, GLOBAL, routing::Prefs::ANY, track)
                .map(|i| (i, track))
        } {
            let (inst, track) = inst;
            let c = self
                .calls
                .alloc(Call::new(NONE, NONE, inst, e as u16, self.now, trace, span));
            if self.spans.admit(trace) {
                self.calls[c].flags |= flag::SAMPLED;
            }
            self.calls[c].track = track;
            if let Some(src) = self.topo.entry_traffic[e as usize].keys {
                let (key, write) = src.draw(&mut self.keys);
                self.calls.set_key(c, key);
                if write {
                    self.calls[c].flags |= flag::WRITE;
                }
            }
            self.on_arrive(c);
        } else {
            // Nothing is listed in discovery: the client cannot even connect.
            let r = crate::metrics::Reason::Refused as u8;
            self.end_to_end.record(0, r);
            self.series.answer(END_TO_END, 0, r);
        }
        self.next_arrival(e);
    }
}
