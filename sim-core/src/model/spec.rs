//! The architecture file as written: spigo's keys plus microsim's optional extensions.
//!
//! These types mirror the JSON exactly (serde + schemars), so `microsim schema`
//! publishes the same shape the parser accepts. Meaning is given to them by
//! [`crate::topology`]; checks that need more than one field live in
//! [`super::validate`].

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::Value;

/// An architecture: services, their packages, counts, regions and dependencies.
#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ArchSpec {
    /// Name of the architecture; the first part of every instance name.
    pub arch: String,
    /// Free text.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// Format version as spigo wrote it ("arch-0.0"); informational.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub version: Option<String>,
    /// A service for the chaos monkey to kill at half time (spigo); empty for none.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub victim: Option<String>,
    /// Ignored; spigo recorded its command line here.
    #[serde(default, skip_serializing)]
    pub args: Option<Value>,
    /// Ignored; spigo recorded the creation date here.
    #[serde(default, skip_serializing)]
    pub date: Option<Value>,
    /// Traffic offered to every entry point.
    #[serde(default)]
    pub traffic: Traffic,
    /// One-way network latency between instances.
    #[serde(default)]
    pub network: Network,
    /// Availability zones per region (spigo: 3).
    #[serde(default = "default_zones")]
    pub zones: u32,
    /// Availability of one availability zone: a zone outage takes down every
    /// instance placed in it at once (`microsim availability`). Default 1.0: zones never fail.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub zone_availability: Option<f64>,
    /// Mean time to repair a zone outage, in hours (default 1). Only the Monte Carlo
    /// check (`microsim availability --simulate`) uses it: steady-state figures depend on
    /// availability alone, the length of outages changes only their spread.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub zone_mttr_h: Option<f64>,
    /// What one instance costs an hour, for every service that does not say
    /// (the summary then reports instance-hours and cost).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub price_per_hour: Option<f64>,
    /// The services.
    pub services: Vec<ServiceSpec>,
}

fn default_zones() -> u32 {
    3
}

/// Offered load: at the top level for every entry point, or on an entry point
/// (a service receiving external traffic) for that one alone. An entry
/// point's `traffic` overrides the top-level one key by key: `arrival` on its
/// own, and the rate's shape — `rate` or `profile` — as one (an entry point
/// giving `rate` has no profile even when the top level has one).
#[derive(Debug, Clone, Default, PartialEq, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Traffic {
    /// Requests per second arriving at each entry point, when there is no
    /// `profile` (default 100). Give `rate` or `profile`, not both.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rate: Option<f64>,
    /// Inter-arrival process (default "poisson").
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub arrival: Option<Arrival>,
    /// A rate that changes over time, in requests per second; replaces `rate`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub profile: Option<ProfileSpec>,
    /// The keys requests read or write (a keyspace with Zipf popularity and a
    /// share of writes); each request keeps its key down its call path.
    /// Absent: requests carry no key.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub keys: Option<super::KeysSpec>,
}

/// The rate when neither the file nor the run gives one.
pub const DEFAULT_RATE: f64 = 100.0;

impl Traffic {
    /// The rate, or the default.
    pub fn rate(&self) -> f64 {
        self.rate.unwrap_or(DEFAULT_RATE)
    }

    /// The arrival process, or the default.
    pub fn arrival(&self) -> Arrival {
        self.arrival.unwrap_or_default()
    }

    /// This (an entry point's own `traffic`) over `top`: `arrival` and `keys`
    /// key by key, `rate` and `profile` as one shape.
    #[must_use]
    pub fn over(&self, top: &Traffic) -> Traffic {
        let shaped = self.rate.is_some() || self.profile.is_some();
        Traffic {
            rate: if shaped { self.rate } else { top.rate },
            arrival: self.arrival.or(top.arrival),
            profile: if shaped {
                self.profile.clone()
            } else {
                top.profile.clone()
            },
            keys: self.keys.clone().or_else(|| top.keys.clone()),
        }
    }
}

/// A rate profile: exactly one of `steps`, `ramp`, `diurnal` or `table`. Rates
/// are requests per second, from 0 to 10 million; times are durations from
/// the start of the run ("30s"). At most 10,000 points or slots.
#[derive(Debug, Clone, Default, PartialEq, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(extend("oneOf" = [
    {"required": ["steps"]},
    {"required": ["ramp"]},
    {"required": ["diurnal"]},
    {"required": ["table"]}
]))]
pub struct ProfileSpec {
    /// `[["0s", 100], ["30s", 400], ["90s", 100]]`: each rate holds from its
    /// time until the next; the first time is "0s", times increase, the last
    /// rate holds to the end.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub steps: Option<Vec<(String, f64)>>,
    /// `[["0s", 100], ["60s", 400]]`: straight lines between the points; the
    /// first time is "0s", times increase, the last rate holds to the end.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ramp: Option<Vec<(String, f64)>>,
    /// A day compressed: a cosine from `min` up to `max` at `peak_at` and back
    /// over each `period`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub diurnal: Option<DiurnalSpec>,
    /// Measured rates, one per slot of `every`; the last holds to the end.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub table: Option<TableSpec>,
}

/// A daily cycle: rate(t) = min + (max − min)·(1 + cos(2π(t − peak_at)/period))/2.
#[derive(Debug, Clone, Default, PartialEq, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct DiurnalSpec {
    /// Length of one cycle ("10m" compresses a day into ten minutes).
    pub period: String,
    /// Lowest rate, at `peak_at` ± half a period (req/s, at least 0).
    pub min: f64,
    /// Highest rate, at `peak_at` (req/s, at least `min`, more than 0).
    pub max: f64,
    /// When within the period the rate peaks, e.g. "5m" (default half the
    /// period: the run starts at the quietest time, midnight).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub peak_at: Option<String>,
}

/// Rates measured at a fixed interval.
#[derive(Debug, Clone, Default, PartialEq, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct TableSpec {
    /// Width of each slot ("10s"): rates[i] holds from i·every to (i+1)·every.
    pub every: String,
    /// Requests per second per slot (1 to 10,000 of them).
    pub rates: Vec<f64>,
}

/// How requests arrive.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum Arrival {
    /// Exponential gaps: independent clients.
    #[default]
    Poisson,
    /// Evenly spaced arrivals: a load generator.
    Constant,
}

/// One-way latency in milliseconds by how far apart two instances are.
#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Network {
    /// Between instances in the same zone (and to/from regional and global nodes).
    #[serde(default = "default_same_zone")]
    pub same_zone: f64,
    /// Between zones of one region.
    #[serde(default = "default_cross_zone")]
    pub cross_zone: f64,
    /// Between regions.
    #[serde(default = "default_cross_region")]
    pub cross_region: f64,
}

fn default_same_zone() -> f64 {
    0.2
}
fn default_cross_zone() -> f64 {
    1.0
}
fn default_cross_region() -> f64 {
    70.0
}

impl Default for Network {
    fn default() -> Self {
        Network {
            same_zone: default_same_zone(),
            cross_zone: default_cross_zone(),
            cross_region: default_cross_region(),
        }
    }
}

/// What a service does with a request; spigo's package names.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize, JsonSchema)]
pub enum Package {
    /// Global DNS: routes each request to one dependency.
    #[serde(rename = "denominator")]
    Denominator,
    /// Regional load balancer: routes each request to one dependency.
    #[serde(rename = "elb")]
    Elb,
    /// API proxy: routes each request to one dependency.
    #[serde(rename = "zuul")]
    Zuul,
    /// Microservice: calls every dependency.
    #[serde(rename = "karyon")]
    Karyon,
    /// Monolith: calls every dependency.
    #[serde(rename = "monolith")]
    Monolith,
    /// Data-access layer: tries cache-like dependencies first.
    #[serde(rename = "staash")]
    Staash,
    /// Data store (leaf; self-dependency means replica peers).
    #[serde(rename = "store")]
    Store,
    /// Cache (leaf).
    #[serde(rename = "cache")]
    Cache,
    /// Disk volume (leaf).
    #[serde(rename = "volume")]
    Volume,
    /// Cassandra ring managed by Priam (leaf with replica peers).
    #[serde(rename = "priamCassandra")]
    PriamCassandra,
    /// Riak ring (leaf with replica peers).
    #[serde(rename = "riak")]
    Riak,
}

/// One service of the architecture.
#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ServiceSpec {
    /// Unique service name.
    pub name: String,
    /// Behaviour (spigo package name).
    pub package: Package,
    /// Instances per region, spread round-robin over zones; 0 means one regional node (an ELB).
    #[serde(default)]
    pub count: i64,
    /// Regions the service runs in; 0 means one global node (DNS). Default 1 (0 for denominator).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub regions: Option<i64>,
    /// Services called; names or objects with per-call options. `null` means none;
    /// `"eureka"` means "register with discovery" and is not a call.
    #[serde(default)]
    pub dependencies: Option<Vec<DependencySpec>>,
    /// Work per request, held on a worker.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub service_time: Option<DistSpec>,
    /// This entry point's own traffic, overriding the top-level `traffic`
    /// (only for a service that receives external traffic).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub traffic: Option<Traffic>,
    /// Workers per instance; requests beyond wait in a FIFO queue. Default: unlimited.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub concurrency: Option<u32>,
    /// Queue capacity per instance; requests beyond it are rejected. Default: unbounded.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub queue: Option<u32>,
    /// Steady-state availability of one instance, in (0, 1].
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub availability: Option<f64>,
    /// Instances that must be up for the service to be up (k of n, per region).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub quorum: Option<u32>,
    /// Mean time between failures of one instance, in hours. With `mttr_h` it gives
    /// the instance availability MTBF / (MTBF + MTTR); use it instead of `availability`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mtbf_h: Option<f64>,
    /// Mean time to repair (replace) one instance, in hours (default 1). Used with
    /// `mtbf_h`, and by the Monte Carlo check for the length of instance outages.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mttr_h: Option<f64>,
    /// staash: fraction of reads answered by its cache-like dependencies (default 0.9).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub hit_rate: Option<f64>,
    /// Stores with a self-dependency: peers each request is replicated to (default 2).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub replicas: Option<u32>,
    /// A cache-like service's capacity per instance (an LRU, optional TTL)
    /// and layout (one copy, or a copy in every zone as EVCache): its hit
    /// rate then emerges from the keys requests carry. Absent: the data-access
    /// layer's fixed `hit_rate`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cache: Option<super::CacheSpec>,
    /// A store that keeps copies of the keys it is asked for, as Cassandra
    /// does: replication factor per region, consistency levels of reads and
    /// writes, storage, repair. Requests that reach it must carry keys.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub replication: Option<super::ReplicationSpec>,
    /// Autoscaling per region, as Kubernetes' Horizontal Pod Autoscaler does
    /// it; `count` is where it starts.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub autoscale: Option<super::AutoscaleSpec>,
    /// What one instance costs an hour (overrides the file's `price_per_hour`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub price_per_hour: Option<f64>,
    /// Versions running at once, each with its instances, its share of the
    /// traffic, and optionally its own work and a defect; a scenario's
    /// `deployments` change them during the run. Twice `count` places per
    /// region are laid out up front.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub versions: Option<Vec<super::VersionSpec>>,
    /// How an instance waits on its calls: "blocking" (thread-per-request, the
    /// default: the worker is held until every call has answered) or
    /// "nonblocking" (an event loop: the worker does the `service_time` work,
    /// then the request is parked until its calls answer).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub io: Option<Io>,
    /// Non-blocking servers: requests one instance holds at once — working,
    /// waiting for a worker or parked on their calls; past it a request is
    /// rejected (default 1024, Envoy's `max_requests`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_outstanding: Option<u32>,
    /// Ignored (spigo: machine type).
    #[serde(default, skip_serializing)]
    pub machine: Option<Value>,
    /// Ignored (spigo: container image).
    #[serde(default, skip_serializing)]
    pub container: Option<Value>,
    /// Ignored (spigo: process name).
    #[serde(default, skip_serializing)]
    pub process: Option<Value>,
    /// Ignored (spigo: instance type).
    #[serde(default, skip_serializing)]
    pub instance: Option<Value>,
}

/// How a server waits on its downstream calls.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum Io {
    /// Thread-per-request: a worker is held for the work and every call.
    #[default]
    Blocking,
    /// An event loop (Netty, RxJava): the worker is released while the
    /// request waits on its calls.
    Nonblocking,
}

/// A dependency: a service name, or an object with per-call options.
#[derive(Debug, Clone, Serialize, JsonSchema)]
#[serde(untagged)]
pub enum DependencySpec {
    /// Just the name: a critical call, made once per request.
    Name(String),
    /// Name plus options.
    Call(Box<CallSpec>),
}

/// Per-call options of a dependency.
#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct CallSpec {
    /// The service called.
    pub service: String,
    /// false: a failure of this call degrades the caller instead of failing it.
    #[serde(default = "yes")]
    pub critical: bool,
    /// Chance the call is made for a request.
    #[serde(default = "one")]
    pub probability: f64,
    /// Calls per request when made.
    #[serde(default = "one_u32")]
    pub calls: u32,
    /// Routers: relative share of requests sent to this dependency.
    #[serde(default = "one")]
    pub weight: f64,
    /// Deadline of the whole call in ms, retries included (Envoy's route timeout;
    /// Hystrix's default is 1000). Absent: wait for ever.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub timeout_ms: Option<f64>,
    /// Retries of a failed call: a number (Envoy backoff) or an object.
    #[serde(default, skip_serializing_if = "is_default")]
    pub retries: super::Retries,
    /// Circuit breaker per calling instance: `true` (Hystrix defaults) or an object.
    #[serde(default, skip_serializing_if = "is_default")]
    pub circuit_breaker: super::CircuitBreaker,
    /// Most concurrent calls from one calling instance; excess is rejected (Hystrix: 10).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bulkhead: Option<u32>,
    /// A failure of this call is answered by a fallback: the caller answers degraded, not failed.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub fallback: bool,
    /// Prefer instances in the caller's zone, avoid instances this caller has seen
    /// fail, and retry in another zone.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub zone_aware: bool,
    /// Each call draws its own key from this keyspace (instead of carrying
    /// the caller's request's key on). Boxed: most dependencies have none.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub keys: Option<Box<super::KeysSpec>>,
    /// Shadow traffic (Envoy's `request_mirror_policies`): this percentage, in
    /// (0, 100], of the requests the caller handles is copied to this service,
    /// fire-and-forget; the caller never waits for the copy and never sees its
    /// answer.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mirror: Option<f64>,
    /// Fire-and-forget (an event published): the call is made, counted and
    /// served, but the caller never waits for it and never sees its answer.
    #[serde(default, rename = "async", skip_serializing_if = "std::ops::Not::not")]
    pub is_async: bool,
}

fn is_default<T: Default + PartialEq>(v: &T) -> bool {
    *v == T::default()
}

fn yes() -> bool {
    true
}
fn one() -> f64 {
    1.0
}
fn one_u32() -> u32 {
    1
}

impl DependencySpec {
    /// The called service's name.
    pub fn service(&self) -> &str {
        match self {
            DependencySpec::Name(n) => n,
            DependencySpec::Call(c) => &c.service,
        }
    }

    /// The options, with defaults for a bare name.
    pub fn options(&self) -> CallSpec {
        match self {
            DependencySpec::Name(n) => CallSpec {
                service: n.clone(),
                critical: true,
                probability: 1.0,
                calls: 1,
                weight: 1.0,
                timeout_ms: None,
                retries: super::Retries::default(),
                circuit_breaker: super::CircuitBreaker::default(),
                bulkhead: None,
                fallback: false,
                zone_aware: false,
                keys: None,
                mirror: None,
                is_async: false,
            },
            DependencySpec::Call(c) => (**c).clone(),
        }
    }
}

// A hand-written Deserialize so that a bad object reports its own unknown key
// instead of serde's "did not match any variant of untagged enum".
impl<'de> Deserialize<'de> for DependencySpec {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> serde::de::Visitor<'de> for V {
            type Value = DependencySpec;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str(
                    "a service name or an object like {\"service\": \"name\", \"critical\": false}",
                )
            }
            fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<Self::Value, E> {
                Ok(DependencySpec::Name(v.to_owned()))
            }
            fn visit_map<A: serde::de::MapAccess<'de>>(
                self,
                map: A,
            ) -> Result<Self::Value, A::Error> {
                CallSpec::deserialize(serde::de::value::MapAccessDeserializer::new(map))
                    .map(|c| DependencySpec::Call(Box::new(c)))
            }
        }
        d.deserialize_any(V)
    }
}

/// A service-time distribution, in milliseconds.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize, JsonSchema)]
#[serde(tag = "dist", rename_all = "lowercase", deny_unknown_fields)]
pub enum DistSpec {
    /// Always `mean_ms`.
    Constant {
        /// The value.
        mean_ms: f64,
    },
    /// Exponential with mean `mean_ms` (M/M/c service).
    Exponential {
        /// Mean.
        mean_ms: f64,
    },
    /// Log-normal with mean `mean_ms` and shape `sigma` (of the underlying normal).
    Lognormal {
        /// Mean.
        mean_ms: f64,
        /// Shape; larger means a longer tail.
        #[serde(default = "half")]
        sigma: f64,
    },
    /// Uniform between `min_ms` and `max_ms`.
    Uniform {
        /// Lower bound.
        min_ms: f64,
        /// Upper bound.
        max_ms: f64,
    },
    /// Gamma with mean `mean_ms` and shape k (scale `mean_ms`/k; variance
    /// `mean_ms`²/k): k = 1 is the exponential, larger k is less variable,
    /// k < 1 more. Sampled by Marsaglia & Tsang (2000).
    Gamma {
        /// Mean.
        mean_ms: f64,
        /// Shape k, between 0.01 and 10000.
        shape: f64,
    },
    /// Weibull with mean `mean_ms` and shape k (scale `mean_ms`/Γ(1 + 1/k)):
    /// k < 1 gives a heavy tail, k = 1 the exponential, k ≈ 3.6 a near-normal hump.
    Weibull {
        /// Mean.
        mean_ms: f64,
        /// Shape k, between 0.1 and 1000.
        shape: f64,
    },
    /// Pareto (type I), a power-law tail: P(X > x) = (`min_ms`/x)^`alpha` for
    /// x ≥ `min_ms`. Mean `alpha`·`min_ms`/(`alpha` − 1); the variance is
    /// infinite for `alpha` ≤ 2.
    Pareto {
        /// Smallest value (the scale x_m).
        min_ms: f64,
        /// Tail index α, above 1 (at 1 or below the mean is infinite) and at most 1000.
        alpha: f64,
    },
    /// Measured latencies: either `samples_ms`, a list of observed values each
    /// drawn with equal chance, or `histogram`, bins `[upper_ms, count]` with
    /// increasing upper bounds, drawn in proportion to their counts and
    /// uniformly within the bin (the first bin starts at `min_ms`).
    Empirical {
        /// Observed values (at most 100000).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        samples_ms: Option<Vec<f64>>,
        /// Bins as `[upper_ms, count]`, upper bounds increasing, counts whole
        /// numbers of observations (at most 100000 bins).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        histogram: Option<Vec<(f64, f64)>>,
        /// Lower bound of the first histogram bin (default 0).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        min_ms: Option<f64>,
    },
}

fn half() -> f64 {
    0.5
}
