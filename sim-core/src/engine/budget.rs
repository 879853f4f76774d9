//! The memory model: what a run costs per instance, per service, per call in
//! flight and per output record, from the sizes of the structures themselves
//! (so the figures follow the code), and an estimate for a given file that
//! `microsim validate` prints before anything runs.

use super::{Call, Event, InstState, Window};
use crate::metrics::{Flow, Row, SpanRecord, Stats};
use crate::resilience::{BreakerConfig, ClientSlot, Outliers};
use crate::run::RunOptions;
use crate::topology::{Dependency, Instance, Service, Topology};

/// Bytes per instance: its placement record and its state.
pub const PER_INSTANCE: usize = size_of::<Instance>() + size_of::<InstState>();
/// Bytes per instance more in a live run (its answers since the last snapshot).
pub const PER_INSTANCE_LIVE: usize = size_of::<Window>();
/// Bytes per service before it sees traffic: its description, its statistics
/// and its time-series slot (histograms are allocated at first use).
pub const PER_SERVICE: usize = size_of::<Service>() + 2 * size_of::<Stats>();
/// Bytes per dependency edge.
pub const PER_DEPENDENCY: usize = size_of::<Dependency>();
/// Bytes of latency histograms a service with traffic may grow to: a 3-digit
/// HDR histogram and the time series' 2-digit one over 1 µs to 1 day.
pub const PER_BUSY_SERVICE: usize = 8 * (38 * 1024 + 38 * 128);
/// Bytes per call in flight: its record and up to two scheduled events.
/// Calls nobody waits for (mirrors, async calls) and the requests a
/// non-blocking server parks are calls in flight like any other: they cost
/// this and nothing more (the parked count is part of the instance's state),
/// and are capped by `max_calls` — parked ones also by each instance's
/// `max_outstanding`.
pub const PER_CALL: usize = size_of::<Call>() + 2 * size_of::<Event>();
/// Bytes per instance-to-instance edge recorded (the flow and its index entry).
pub const PER_EDGE: usize = size_of::<Flow>() + 24;
/// Bytes per span of a sampled trace.
pub const PER_SPAN: usize = size_of::<SpanRecord>();
/// Bytes per entry point: its arrival source (rate, pending arrival, flash
/// crowd factor) and its resolved traffic.
pub const PER_ENTRY_POINT: usize =
    size_of::<super::arrivals::Source>() + size_of::<crate::traffic::EntryTraffic>();
/// Bytes per point of a traffic profile (a time and a rate); a profile has at
/// most [`crate::traffic::MAX_POINTS`], and entry points that inherit the
/// top-level profile share it.
pub const PER_PROFILE_POINT: usize = size_of::<crate::duration::Nanos>() + size_of::<f64>();
/// Bytes per instance, or zone, that can fail when failures are on
/// ([`RunOptions::failures`]): its one pending failure or repair event.
pub const PER_FAILING: usize = size_of::<Event>();
/// Bytes per instance when failures are on: whether it is failed now.
pub const PER_INSTANCE_FAILURES: usize = size_of::<bool>();
/// Bytes per place of a service with versions, beyond its cost as an
/// instance (twice `count` places per region are laid out, so counted as
/// instances): its track, its phase and when it last became ready.
pub const PER_VERSION_PLACE: usize =
    size_of::<u8>() + size_of::<super::autoscale::Phase>() + size_of::<crate::duration::Nanos>();
/// Bytes per routing track (one per version of a service, plus its canary
/// baseline group): its figures, its time-series slot, its weight, running
/// sum, instances paid and version, and which judge samples it. Its latency
/// histograms, like a service's, come with its first answer
/// ([`PER_BUSY_SERVICE`]). At most 9 per service (8 versions and a
/// baseline), 8 services with versions.
pub const PER_TRACK: usize = size_of::<Stats>() + size_of::<Row>() + 3 * size_of::<u32>() + 1 + 8;
/// Bytes per deployment started (a scenario's or the viewer's), kept for
/// summary.json: its plan, state and report. At most
/// [`super::deploy::MAX_ROLLOUTS`] a run.
pub const PER_DEPLOYMENT: usize = size_of::<super::deploy::RolloutState>();
/// Bytes per verdict kept in a deployment's report, plus
/// [`PER_METRIC_RESULT`] per metric judged (at most 16); a canary gives at
/// most one per pause (100 steps), red/black one.
pub const PER_VERDICT: usize = size_of::<super::analysis::VerdictRecord>();
/// Bytes per metric of a verdict.
pub const PER_METRIC_RESULT: usize = size_of::<crate::canary::MetricResult>();
/// Bytes per sample a judge holds while its deployment runs (per group, per
/// metric, per step of the interval: at most 10,000 steps and 16 metrics,
/// 2.6 MB for one judge); an ended deployment drops them.
pub const PER_SAMPLE: usize = size_of::<f64>();

/// Bytes per time-series row kept (the end-to-end row of every bucket; service
/// rows are streamed to metrics.csv or not kept).
pub const PER_ROW: usize = size_of::<Row>();
/// Bytes per call in flight more in a run with keys: the key it carries, in
/// the call table's side table (nothing in a run without keys).
pub const PER_KEYED_CALL: usize = size_of::<crate::keys::Key>();
/// Bytes per instance of a cache with a capacity: its (empty) LRU.
pub const PER_CACHE_INSTANCE: usize = size_of::<crate::cache::Lru>() + size_of::<(u32, u32)>();
/// Most bytes per entry a cache holds (its record and index slot): entries
/// exist only for keys set, at most the capacity per instance.
pub const PER_CACHE_ENTRY: usize = crate::cache::ENTRY_BYTES;

/// Bytes per finished run a sweep holds while it writes its tables
/// (`sim_core::sweep::Row`: the record, its 16 figures, its 16-digit id;
/// its names, override values and extra figures add their length). A sweep
/// expands to at most [`crate::sweep::MAX_RUNS`] runs, so at most about
/// 50 MB of rows with short names. The journal on disk holds the same
/// rows as JSON lines (about 500 B each).
pub const PER_SWEEP_ROW: usize = size_of::<crate::sweep::Row>()
    + crate::sweep::row::FIGURES.len() * size_of::<Option<f64>>()
    + 16;
/// Bytes per parameter set a sweep's plan holds: its indices and one JSON
/// value per path (each value's own length on top). The architecture with
/// the values applied is made again for each run, never kept per set; one
/// parsed copy of each architecture is held for the whole sweep.
pub const PER_SWEEP_VARIANT: usize = 2 * size_of::<usize>() + size_of::<Vec<u8>>();
/// Bytes per key a replicated store touched: its state and index entry,
/// plus [`PER_STORE_COPY`] per replica (factor × regions).
pub const PER_STORE_KEY: usize = crate::replication::data::KEY_BYTES;
/// Bytes per replica of a key touched: its version, instance and epoch.
pub const PER_STORE_COPY: usize = crate::replication::data::SLOT_BYTES;
/// Bytes per call slot more in a run with replicated stores: a replica
/// call's coordinator, replica and version (a side table beside the slab),
/// and a coordinator's state for the requests coordinating.
pub const PER_REPLICATED_CALL: usize =
    size_of::<super::replication::Tag>() + size_of::<super::replication::Coord>();

/// What a run of a file should cost, before it runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Estimate {
    /// Instances, services, dependencies and per-caller resilience state.
    pub topology: usize,
    /// Latency histograms if every service sees traffic (the most they take).
    pub histograms: usize,
    /// Calls in flight at the run's limit (`max_calls`).
    pub calls_at_limit: usize,
    /// Time series: one end-to-end row per bucket, traffic and drain.
    pub series: usize,
    /// Caches with a capacity, every instance full: at most capacity ×
    /// instances × [`PER_CACHE_ENTRY`] (only keys actually set take memory).
    pub caches: usize,
    /// Replicated stores: their rings, and every key of the keyspaces that
    /// reach them touched (at most [`crate::replication::MAX_STORE_KEYS`])
    /// with a copy on each replica — only keys touched take memory.
    pub stores: usize,
}

impl Estimate {
    /// The memory model applied to a placed topology and the run's options.
    pub fn of(topo: &Topology, o: &RunOptions) -> Estimate {
        let mut topology = topo.instances.len() * PER_INSTANCE;
        for s in &topo.services {
            topology += PER_SERVICE + s.name.len() + s.deps.len() * PER_DEPENDENCY;
            let per_caller: usize = s
                .deps
                .iter()
                .filter(|d| d.policy.needs_slot())
                .map(|d| size_of::<ClientSlot>() + breaker_heap(d.policy.breaker.as_ref()))
                .sum::<usize>()
                + if s.zone_aware {
                    size_of::<Outliers>()
                } else {
                    0
                };
            topology += per_caller * s.instance_count() as usize;
        }
        topology += topo.entry_points.len() * PER_ENTRY_POINT;
        let tracks = topo.tracks().len();
        let places: usize = topo
            .services
            .iter()
            .filter(|s| !s.versions.is_empty())
            .map(|s| s.instance_count() as usize)
            .sum();
        topology += tracks * PER_TRACK + places * PER_VERSION_PLACE;
        let mut profiles: Vec<*const crate::traffic::Profile> = Vec::new();
        for t in &topo.entry_traffic {
            if let crate::traffic::Rate::Profile(p) = &t.rate {
                if !profiles.contains(&std::sync::Arc::as_ptr(p)) {
                    profiles.push(std::sync::Arc::as_ptr(p));
                    topology += p.points() * PER_PROFILE_POINT;
                }
            }
        }
        if o.failures.is_some() {
            // Zones' availability is not in the topology: count them all.
            let zones = topo.regions.len() * topo.zones as usize;
            let failing: usize = topo
                .services
                .iter()
                .filter(|s| s.availability < 1.0)
                .map(|s| s.instance_count() as usize)
                .sum();
            topology += topo.instances.len() * PER_INSTANCE_FAILURES
                + (failing + zones) * PER_FAILING
                + topo.services.len() * size_of::<crate::availability::montecarlo::UpDown>();
        }
        let mut caches = 0;
        for s in &topo.services {
            if let Some(c) = s.cache {
                topology += s.instance_count() as usize * PER_CACHE_INSTANCE;
                caches += s.instance_count() as usize * c.capacity as usize * PER_CACHE_ENTRY;
            }
        }
        let keyed = topo.entry_traffic.iter().any(|t| t.keys.is_some())
            || topo
                .services
                .iter()
                .any(|s| s.deps.iter().any(|d| d.keys.is_some()));
        let mut stores = 0;
        let space: u64 = topo
            .entry_traffic
            .iter()
            .filter_map(|t| t.keys)
            .chain(
                topo.services
                    .iter()
                    .flat_map(|s| s.deps.iter().filter_map(|d| d.keys)),
            )
            .map(|k| k.zipf.n())
            .sum();
        for s in &topo.services {
            if let Some(r) = s.replication {
                topology += s.instance_count() as usize
                    * crate::replication::ring::bytes_per_instance(r.vnodes);
                let keys = space.min(crate::replication::MAX_STORE_KEYS) as usize;
                stores += keys * (PER_STORE_KEY + (r.factor * s.regions) as usize * PER_STORE_COPY);
            }
        }
        let replicated = topo.services.iter().any(|s| s.replication.is_some());
        let per_call = PER_CALL
            + if keyed { PER_KEYED_CALL } else { 0 }
            + if replicated { PER_REPLICATED_CALL } else { 0 };
        let buckets = (o.duration.saturating_add(o.drain) / o.bucket.max(1)) as usize + 1;
        Estimate {
            topology,
            histograms: (topo.services.len() + tracks) * PER_BUSY_SERVICE,
            calls_at_limit: o.max_calls as usize * per_call,
            series: buckets * PER_ROW,
            caches,
            stores,
        }
    }

    /// Everything at once: the bound a run stays under.
    pub fn total(&self) -> usize {
        self.topology
            + self.histograms
            + self.calls_at_limit
            + self.series
            + self.caches
            + self.stores
    }
}

/// Heap bytes of one breaker's window.
fn breaker_heap(b: Option<&BreakerConfig>) -> usize {
    match b {
        None => 0,
        Some(BreakerConfig::Hystrix { buckets, .. }) => 8 * *buckets as usize,
        Some(BreakerConfig::Count { window, .. }) => 8 * window.div_ceil(64) as usize,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::run::{Input, RunSpec};

    #[test]
    fn the_stated_costs_are_the_structures_sizes() {
        // The README's memory model quotes these; a change shows here first.
        assert_eq!((size_of::<Instance>(), size_of::<InstState>()), (12, 24));
        assert_eq!(size_of::<Call>(), 88);
        assert_eq!(PER_CALL, 88 + 2 * 32);
        assert_eq!(PER_PROFILE_POINT, 16);
        assert_eq!(
            PER_ENTRY_POINT, 152,
            "72 B of source, 24 B of traffic, 56 B of keys"
        );
        let per_service = PER_SERVICE;
        assert!(per_service < 1024, "{per_service}");
        // Versions and deployments, as the README's table states them.
        assert_eq!(PER_VERSION_PLACE, 10);
        assert_eq!(
            PER_TRACK, 293,
            "a Row holds the cache and store columns too"
        );
        assert_eq!(PER_DEPLOYMENT, 688);
        assert_eq!((PER_VERDICT, PER_METRIC_RESULT), (72, 152));
        // Sweeps, as the README's table states them.
        assert_eq!((PER_SWEEP_ROW, PER_SWEEP_VARIANT), (416, 40));
    }

    #[test]
    fn profiles_count_once_per_profile_not_per_entry_point() {
        let points = |n: usize| {
            (0..n)
                .map(|i| format!(r#"["{i}s",{}]"#, 100 + i))
                .collect::<Vec<_>>()
                .join(",")
        };
        let topology = |text: String| {
            let o = RunOptions::default();
            let spec = RunSpec::new(Input::new("t", &text), None, o.clone()).unwrap();
            Estimate::of(spec.topology(), &o).topology
        };
        // Three entry points (nothing depends on them) sharing the top-level profile.
        let shared = |n: usize| {
            topology(format!(
                r#"{{"arch":"t","traffic":{{"profile":{{"steps":[{}]}}}},"services":[
                {{"name":"a","package":"store","count":1}},{{"name":"b","package":"store","count":1}},
                {{"name":"c","package":"store","count":1}}]}}"#,
                points(n)
            ))
        };
        assert_eq!(shared(1000) - shared(10), 990 * PER_PROFILE_POINT);
        let own = topology(format!(
            r#"{{"arch":"t","services":[
            {{"name":"a","package":"store","count":1,"traffic":{{"profile":{{"ramp":[{}]}}}}}},
            {{"name":"b","package":"store","count":1}},{{"name":"c","package":"store","count":1}}]}}"#,
            points(1000)
        ));
        let flat = topology(
            r#"{"arch":"t","services":[{"name":"a","package":"store","count":1},
            {"name":"b","package":"store","count":1},{"name":"c","package":"store","count":1}]}"#
                .to_string(),
        );
        assert_eq!(own - flat, 1000 * PER_PROFILE_POINT);
        assert_eq!(shared(1000) - flat, 1000 * PER_PROFILE_POINT);
    }

    #[test]
    fn an_estimate_grows_with_instances_services_and_the_call_limit() {
        let arch = |count: u32| {
            format!(
                r#"{{"arch":"t","services":[{{"name":"b","package":"store","count":{count}}},
                {{"name":"a","package":"karyon","count":{count},"dependencies":[{{"service":"b","circuit_breaker":true}}]}}]}}"#
            )
        };
        let est = |count: u32, o: RunOptions| {
            let text = arch(count);
            let spec = RunSpec::new(Input::new("t", &text), None, o.clone()).unwrap();
            Estimate::of(spec.topology(), &o)
        };
        let small = est(10, RunOptions::default());
        let big = est(10_000, RunOptions::default());
        // 9,990 more instances per service; each caller holds a breaker.
        let per_pair = 2 * PER_INSTANCE + size_of::<ClientSlot>() + 80;
        assert_eq!(big.topology - small.topology, 9_990 * per_pair);
        assert_eq!(small.calls_at_limit, 1_000_000 * PER_CALL);
        let fewer = est(
            10,
            RunOptions {
                max_calls: 1000,
                ..RunOptions::default()
            },
        );
        assert_eq!(fewer.calls_at_limit, 1000 * PER_CALL);
        assert_eq!(
            small.series,
            121 * PER_ROW,
            "60 s of traffic, 60 s of drain, 1 s buckets"
        );
    }

    #[test]
    fn keys_cost_8_bytes_a_call_and_caches_their_entries_at_most() {
        assert_eq!(PER_KEYED_CALL, 8);
        assert_eq!(PER_CACHE_ENTRY, 24 + 39);
        let est = |keys: &str, cache: &str| {
            let text = format!(
                r#"{{"arch":"t"{keys},"services":[{{"name":"c","package":"cache","count":6{cache}}},
                {{"name":"db","package":"store","count":1}},
                {{"name":"dal","package":"staash","count":2,"dependencies":["c","db"]}}]}}"#
            );
            let o = RunOptions::default();
            let spec = RunSpec::new(Input::new("t", &text), None, o.clone()).unwrap();
            Estimate::of(spec.topology(), &o)
        };
        let plain = est("", "");
        let keyed = est(
            r#","traffic":{"keys":{"count":1000}}"#,
            r#","cache":{"capacity":500}"#,
        );
        assert_eq!(plain.caches, 0);
        assert_eq!(keyed.caches, 6 * 500 * PER_CACHE_ENTRY);
        assert_eq!(keyed.topology - plain.topology, 6 * PER_CACHE_INSTANCE);
        assert_eq!(
            keyed.calls_at_limit - plain.calls_at_limit,
            1_000_000 * PER_KEYED_CALL
        );
    }

    #[test]
    fn failures_cost_an_event_per_instance_that_can_fail_and_nothing_when_off() {
        assert_eq!((PER_FAILING, PER_INSTANCE_FAILURES), (32, 1));
        let text = r#"{"arch":"t","zones":2,"services":[{"name":"b","package":"store","count":10,"mtbf_h":999},
            {"name":"a","package":"karyon","count":10,"dependencies":["b"]}]}"#;
        let est = |o: RunOptions| {
            let spec = RunSpec::new(Input::new("t", text), None, o.clone()).unwrap();
            Estimate::of(spec.topology(), &o)
        };
        let off = est(RunOptions::default());
        let on = est(RunOptions {
            failures: Some(525_600.0),
            ..RunOptions::default()
        });
        // Only b can fail (mtbf_h counts as an availability); two zones in one region.
        let updown = size_of::<crate::availability::montecarlo::UpDown>();
        assert_eq!(
            on.topology - off.topology,
            20 * PER_INSTANCE_FAILURES + (10 + 2) * PER_FAILING + 2 * updown
        );
    }
}
