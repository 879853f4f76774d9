//! summary.json (docs/formats.md): seed, duration, end-to-end and per-service
//! requests, outcomes by reason and latency percentiles in milliseconds.

use std::collections::BTreeMap;

use serde::Serialize;

use crate::duration::Nanos;
use crate::engine::Simulation;
use crate::metrics::{Reason, Stats};

/// The whole summary.
#[derive(Debug, Clone, Serialize)]
pub struct Summary {
    /// Seed of the run.
    pub seed: u64,
    /// Simulated duration of offered traffic, in seconds.
    pub duration_s: f64,
    /// External requests, from arrival at an entry point to the answer.
    pub end_to_end: ServiceSummary,
    /// Each service, as its instances saw requests (arrival to answer).
    pub services: BTreeMap<String, ServiceSummary>,
    /// Architecture name.
    pub arch: String,
    /// Instances simulated.
    pub instances: usize,
    /// Events processed.
    pub events: u64,
    /// Faults the run applied (from `--scenario`, or spigo's `victim`).
    pub faults: usize,
    /// Calls made per external request: retries and fan-out multiply load.
    pub amplification: Amplification,
    /// Per entry point: availability predicted from the file's figures and
    /// observed in this run (present only when the file gives availabilities).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub availability: Option<BTreeMap<String, AvailabilityCheck>>,
    /// What failures by MTBF/MTTR did (present only when the run had them on;
    /// not to be confused with the reasons map `failures` of each S).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub failure_process: Option<FailuresSummary>,
    /// What the run's stated limits cut short (present only when one did).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub limits: Option<LimitsHit>,
    /// Instances paid for and what they cost (present when a service
    /// autoscales or the file gives a price).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub capacity: Option<CapacitySummary>,
    /// Per cache with a capacity: reads, hits, misses and hit rate (present
    /// only when the file gives a cache a capacity).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub caches: Option<BTreeMap<String, CacheSummary>>,
    /// Per replicated store: reads, writes, stale reads, `unavailable`, lost
    /// writes, repairs (present only when the file replicates a store).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub stores: Option<BTreeMap<String, super::stores::StoreSummary>>,
    /// What each deployment did (present only when the run had one).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub deployments: Option<Vec<super::deployments::DeploymentSummary>>,
}

/// What one cache with a capacity did over the run, all its instances together.
#[derive(Debug, Clone, Serialize)]
pub struct CacheSummary {
    /// Entries one instance holds.
    pub capacity: u32,
    /// `one`, or `every_zone`.
    pub copies: &'static str,
    /// Time to live of an entry in seconds (absent: until evicted).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ttl_s: Option<f64>,
    /// Reads answered (hits and misses).
    pub gets: u64,
    /// Reads that found their key.
    pub hits: u64,
    /// Reads that did not (expired entries included).
    pub misses: u64,
    /// hits / gets (0 without reads), to 6 decimals.
    pub hit_rate: f64,
    /// Of the misses, entries past their TTL.
    pub expired: u64,
    /// Keys set: writes, and refills after a miss.
    pub sets: u64,
    /// Entries pushed out of a full instance.
    pub evictions: u64,
    /// Entries held at the end, over all instances.
    pub entries: u64,
}

/// Instance-hours and cost of a run.
#[derive(Debug, Clone, Serialize)]
pub struct CapacitySummary {
    /// Instance-hours of every service, from the start to the end of the run.
    pub instance_hours: f64,
    /// What they cost (0 without prices).
    pub cost: f64,
    /// Cost per million external requests.
    pub cost_per_million_requests: f64,
    /// Per service.
    pub services: BTreeMap<String, ServiceCapacity>,
}

/// One service's instances over the run.
#[derive(Debug, Clone, Serialize)]
pub struct ServiceCapacity {
    /// Instances paid for at the start, fewest, most, and at the end.
    pub start: u32,
    /// Fewest at once.
    pub min: u32,
    /// Most at once.
    pub max: u32,
    /// At the end.
    pub end: u32,
    /// Instance-hours.
    pub instance_hours: f64,
    /// Cost (instance-hours × price per hour).
    pub cost: f64,
}

/// The limits a run hit, and how much they cut.
#[derive(Debug, Clone, Serialize)]
pub struct LimitsHit {
    /// Calls failed as `rejected` because `max_calls` were in flight.
    pub rejected_at_max_calls: u64,
    /// Seconds at which the drain stopped with calls still in flight (their
    /// requests are `unanswered`), if it did.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub drain_stopped_at_s: Option<f64>,
    /// The limits: most calls in flight, and the drain allowed after the traffic.
    pub max_calls: u32,
    /// Seconds of drain allowed.
    pub drain_s: f64,
    /// Calls between instance pairs past the `max_edges` first ones: counted
    /// in the service-level graph files, not in the instance-level ones.
    pub calls_outside_instance_edges: u64,
    /// Instance pairs recorded at most.
    pub max_edges: u32,
    /// Spans of sampled traces not written because a million were.
    pub spans_dropped: u64,
}

/// How much work one external request caused.
#[derive(Debug, Clone, Serialize)]
pub struct Amplification {
    /// Calls to every service, retries included.
    pub calls: u64,
    /// Of which retries.
    pub retries: u64,
    /// Calls per external request.
    pub per_request: f64,
}

/// Predicted against observed availability of one entry point.
#[derive(Debug, Clone, Serialize)]
pub struct AvailabilityCheck {
    /// Analytic steady-state availability (`microsim availability`): the
    /// share of time a request arriving at the entry point could be served.
    pub predicted: f64,
    /// Share of the entry point's external requests answered successfully in
    /// this run, end to end: those refused at the door because nothing was
    /// listed count as failed (1 when there were none). With Poisson arrivals
    /// a request sees the system as it is on average over time (PASTA), so
    /// with failures on this estimates the predicted figure; it differs by
    /// what the analysis leaves out — callers sending to a dead instance until
    /// their next discovery poll, outages shorter than a request, retries
    /// that hide them, capacity — and by chance (see engine/failures.rs).
    pub observed: f64,
}

/// What failures by MTBF/MTTR did in a run.
#[derive(Debug, Clone, Serialize)]
pub struct FailuresSummary {
    /// Virtual time of failures per virtual time of run.
    pub acceleration: f64,
    /// Years of failures the traffic covered: duration × acceleration.
    pub years: f64,
    /// Instances that failed (those down at time zero included).
    pub instance_failures: u64,
    /// Zones that failed, likewise.
    pub zone_failures: u64,
}

/// Counts and latency of one service (the S of docs/formats.md).
#[derive(Debug, Clone, Serialize)]
pub struct ServiceSummary {
    /// Requests that arrived.
    pub requests: u64,
    /// Answered successfully.
    pub ok: u64,
    /// Answered with a failure.
    pub failed: u64,
    /// Failures by reason (every reason present, zero or not).
    pub failures: BTreeMap<&'static str, u64>,
    /// Never answered by the end of the run: sent to a zombie or across a
    /// partition with no timeout to give up on them.
    pub unanswered: u64,
    /// Answered successfully but degraded: a fallback or an optional dependency hid a failure.
    pub degraded: u64,
    /// Retry attempts among `requests`.
    pub retries: u64,
    /// Requests that reached an instance (the rest failed at the caller:
    /// short circuits, bulkhead rejections, nothing listed in discovery).
    pub reached: u64,
    /// Response time in ms.
    pub latency_ms: LatencySummary,
    /// A service with versions: the same figures per version, for the calls
    /// its callers sent to that version (present only with versions).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub versions: Option<BTreeMap<String, ServiceSummary>>,
    /// A canary's baseline group: the fresh group of the old version the
    /// canary was compared with (present only when one ran).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub baseline: Option<Box<ServiceSummary>>,
}

/// Response-time statistics in milliseconds (to the microsecond).
#[derive(Debug, Clone, Serialize)]
pub struct LatencySummary {
    /// Exact mean.
    pub mean: f64,
    /// Median.
    pub p50: f64,
    /// 90th percentile.
    pub p90: f64,
    /// 99th percentile.
    pub p99: f64,
    /// 99.9th percentile.
    pub p999: f64,
    /// Largest.
    pub max: f64,
}

fn ms(ns: f64) -> f64 {
    libm::round(ns / 1_000.0) / 1_000.0
}

impl ServiceSummary {
    /// Summarises one [`Stats`].
    /// `reasons`: those the run lists ([`Reason::listed`]).
    pub fn of(s: &Stats, reasons: &[Reason]) -> Self {
        ServiceSummary {
            requests: s.requests,
            ok: s.ok,
            failed: s.failed(),
            unanswered: s.requests.saturating_sub(s.answered()),
            degraded: s.degraded,
            retries: s.retries,
            reached: s.requests - s.local,
            failures: reasons
                .iter()
                .map(|r| (r.name(), s.failures[*r as usize - 1]))
                .collect(),
            latency_ms: LatencySummary {
                mean: ms(s.mean_ns()),
                p50: ms(s.quantile_ns(0.5) as f64),
                p90: ms(s.quantile_ns(0.9) as f64),
                p99: ms(s.quantile_ns(0.99) as f64),
                p999: ms(s.quantile_ns(0.999) as f64),
                max: ms(if s.latency.is_empty() {
                    0.0
                } else {
                    s.latency.max() as f64
                }),
            },
            versions: None,
            baseline: None,
        }
    }
}

/// Each versioned service's figures per version (and its baseline group's,
/// when one ran) added to its summary.
fn add_versions(
    sim: &Simulation,
    services: &mut BTreeMap<String, ServiceSummary>,
    reasons: &[Reason],
) {
    let topo = sim.topology();
    for (track, st) in topo.tracks().iter().zip(sim.track_stats()) {
        let svc = &topo.services[track.service as usize];
        let Some(s) = services.get_mut(&svc.name) else {
            continue;
        };
        match track.version {
            Some(v) => {
                s.versions.get_or_insert_with(BTreeMap::new).insert(
                    svc.versions[v as usize].name.clone(),
                    ServiceSummary::of(st, reasons),
                );
            }
            None if st.requests > 0 => s.baseline = Some(Box::new(ServiceSummary::of(st, reasons))),
            None => {}
        }
    }
}

/// The caches section, when the file gives a cache a capacity.
fn caches(sim: &Simulation) -> Option<BTreeMap<String, CacheSummary>> {
    let counts = sim.cache_counts();
    if counts.is_empty() {
        return None;
    }
    let topo = sim.topology();
    Some(
        topo.services
            .iter()
            .enumerate()
            .filter_map(|(sid, s)| {
                let cfg = s.cache?;
                let c = counts[sid];
                Some((
                    s.name.clone(),
                    CacheSummary {
                        capacity: cfg.capacity,
                        copies: match cfg.copies {
                            crate::cache::Copies::One => "one",
                            crate::cache::Copies::EveryZone => "every_zone",
                        },
                        ttl_s: cfg.ttl.map(|t| t as f64 / 1e9),
                        gets: c.gets(),
                        hits: c.hits,
                        misses: c.misses,
                        hit_rate: libm::round(c.hit_rate() * 1e6) / 1e6,
                        expired: c.expired,
                        sets: c.sets,
                        evictions: c.evictions,
                        entries: sim.cache_entries(sid as u32) as u64,
                    },
                ))
            })
            .collect(),
    )
}

/// The capacity section, when the file scales or prices anything.
fn capacity(sim: &Simulation) -> Option<CapacitySummary> {
    let topo = sim.topology();
    let wanted = topo
        .services
        .iter()
        .any(|s| s.autoscale.is_some() || s.price_per_hour > 0.0);
    if !wanted {
        return None;
    }
    let end = sim.now();
    let round = |x: f64| libm::round(x * 1e6) / 1e6;
    let services: BTreeMap<String, ServiceCapacity> = topo
        .services
        .iter()
        .zip(sim.capacity())
        .map(|(s, c)| {
            let start = s.initial * s.regions;
            let hours = c.instance_hours(end);
            (
                s.name.clone(),
                ServiceCapacity {
                    start,
                    min: c.min,
                    max: c.max,
                    end: c.now,
                    instance_hours: round(hours),
                    cost: round(hours * s.price_per_hour),
                },
            )
        })
        .collect();
    let hours: f64 = services.values().map(|c| c.instance_hours).sum();
    let cost: f64 = services.values().map(|c| c.cost).sum();
    let requests = sim.end_to_end().requests.max(1) as f64;
    Some(CapacitySummary {
        instance_hours: round(hours),
        cost: round(cost),
        cost_per_million_requests: round(cost / requests * 1e6),
        services,
    })
}

impl Summary {
    /// Summarises a simulation (normally after [`Simulation::run`]).
    pub fn of(sim: &Simulation) -> Self {
        let topo = sim.topology();
        let reasons = Reason::listed(topo.services.iter().any(|s| s.replication.is_some()));
        let dur: Nanos = sim.config().duration;
        let mut services: BTreeMap<String, ServiceSummary> = topo
            .services
            .iter()
            .zip(sim.service_stats())
            .map(|(svc, st)| (svc.name.clone(), ServiceSummary::of(st, reasons)))
            .collect();
        add_versions(sim, &mut services, reasons);
        Summary {
            seed: sim.config().seed,
            duration_s: dur as f64 / 1e9,
            end_to_end: ServiceSummary::of(sim.end_to_end(), reasons),
            services,
            arch: topo.arch.clone(),
            instances: topo.instances.len(),
            events: sim.events(),
            faults: sim.scenario().faults.len(),
            amplification: {
                let calls: u64 = sim.service_stats().iter().map(|s| s.requests).sum();
                let retries = sim.service_stats().iter().map(|s| s.retries).sum();
                let external = sim.end_to_end().requests.max(1) as f64;
                Amplification {
                    calls,
                    retries,
                    per_request: libm::round(calls as f64 / external * 1000.0) / 1000.0,
                }
            },
            availability: topo.predicted_availability.as_ref().map(|p| {
                p.iter()
                    .map(|&(sid, predicted)| {
                        let k = topo
                            .entry_points
                            .iter()
                            .position(|&e| e == sid)
                            .expect("predictions are for entry points");
                        let st = sim.entry_counts()[k];
                        let observed = if st.requests == 0 {
                            1.0
                        } else {
                            st.ok as f64 / st.requests as f64
                        };
                        (
                            topo.services[sid as usize].name.clone(),
                            AvailabilityCheck {
                                predicted,
                                observed,
                            },
                        )
                    })
                    .collect()
            }),
            capacity: capacity(sim),
            caches: caches(sim),
            stores: super::stores::stores(sim),
            deployments: super::deployments::deployments(sim),
            failure_process: sim.failure_counts().map(|f| FailuresSummary {
                acceleration: f.acceleration,
                years: dur as f64 / 1e9 * f.acceleration
                    / (crate::availability::formulas::MINUTES_PER_YEAR * 60.0),
                instance_failures: f.instance_failures,
                zone_failures: f.zone_failures,
            }),
            limits: {
                let outside = sim.flows().map_or(0, crate::metrics::Flows::unrecorded);
                let dropped = sim.spans().dropped();
                (sim.limits().hit() || outside > 0 || dropped > 0).then(|| LimitsHit {
                    rejected_at_max_calls: sim.limits().rejected_at_max_calls,
                    drain_stopped_at_s: sim.limits().stopped_at.map(|t| t as f64 / 1e9),
                    max_calls: sim.config().max_calls,
                    drain_s: sim.config().drain as f64 / 1e9,
                    calls_outside_instance_edges: outside,
                    max_edges: sim.config().max_edges,
                    spans_dropped: dropped,
                })
            },
        }
    }

    /// Pretty JSON with a trailing newline, the bytes of summary.json.
    pub fn to_json(&self) -> String {
        let mut s = serde_json::to_string_pretty(self).expect("summary serializes");
        s.push('\n');
        s
    }
}
