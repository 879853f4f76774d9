//! From a validated architecture to what runs: services with resolved
//! dependencies (a petgraph graph), regions and zones, and dense tables of
//! instances addressed by integer id.
//!
//! Placement follows spigo: `count` instances per region spread round-robin over
//! the zones; `count: 0` is one regional node (an ELB); `regions: 0` is one
//! global node (DNS). `--scale` multiplies counts, `--regions` multiplies regions.

mod build;
mod versions;

pub use versions::{to_ppm, Defect, Track, Version, PPM};
mod replication;
mod state;

use petgraph::graph::DiGraph;

use crate::behaviour::{Detached, Role};
use crate::dist::Dist;
use crate::duration::Nanos;
use crate::model::{Package, Traffic};
use crate::resilience::Policy;

/// Dense service id (index into [`Topology::services`]).
pub type ServiceId = u32;
/// Dense instance id (index into [`Topology::instances`]).
pub type InstanceId = u32;

/// Region value of global (regionless) nodes.
pub const GLOBAL: u16 = u16::MAX;
/// Zone value of nodes that span a region.
pub const ANY_ZONE: u8 = u8::MAX;

/// Scale and region multiplier (spigo's `-p` and `-w`).
#[derive(Debug, Clone, Copy)]
pub struct BuildOptions {
    /// Percentage applied to every positive `count`. A positive count never scales
    /// below one instance: scaling is for size, not for removing services.
    pub scale_percent: f64,
    /// Multiplies every service's `regions`.
    pub region_multiplier: u32,
}

impl Default for BuildOptions {
    fn default() -> Self {
        BuildOptions {
            scale_percent: 100.0,
            region_multiplier: 1,
        }
    }
}

/// Where a service's instances live.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Placement {
    /// One node for the world (`regions: 0`).
    Global,
    /// One node per region (`count: 0`).
    Regional,
    /// `per_region` instances per region, round-robin over zones.
    Zoned,
}

/// A resolved dependency edge.
#[derive(Debug, Clone)]
pub struct Dependency {
    /// Called service.
    pub target: ServiceId,
    /// A failure of this call fails the caller.
    pub critical: bool,
    /// Chance the call is made per request.
    pub probability: f64,
    /// Calls per request when made.
    pub calls: u32,
    /// Routers: relative share.
    pub weight: f64,
    /// staash: called first, before the other dependencies.
    pub cache_like: bool,
    /// Timeouts, retries, breaker, bulkhead, fallback, zone awareness.
    pub policy: Policy,
    /// Each call draws its own key here (None: it carries its request's key on).
    pub keys: Option<crate::keys::KeySource>,
    /// Copies of each key the target keeps per region when it is a cache with
    /// a capacity: 1, or the zones for a copy in every zone; 0 for any other target.
    pub copies: u8,
    /// Nobody waits for it: a mirror (whose percentage is `probability`) or
    /// an async call ([`crate::behaviour::Detached`]).
    pub detached: Option<Detached>,
}

/// A service after placement.
#[derive(Debug, Clone)]
pub struct Service {
    /// Name from the file.
    pub name: String,
    /// spigo package.
    pub package: Package,
    /// What the package does with a request.
    pub role: Role,
    /// Where instances live.
    pub placement: Placement,
    /// Regions the service occupies (1 for global).
    pub regions: u32,
    /// Instances in each region.
    pub per_region: u32,
    /// Id of the first instance; the service's instances are contiguous, region by region.
    pub first: InstanceId,
    /// Work per request.
    pub service_time: Dist,
    /// Workers per instance.
    pub concurrency: u32,
    /// Queue capacity per instance (`u32::MAX`: unbounded).
    pub queue: u32,
    /// Calls made per request.
    pub deps: Vec<Dependency>,
    /// Some dependency is detached (a mirror or an async call).
    pub has_detached: bool,
    /// An event loop: the worker is released while a request waits on its
    /// calls (`"io": "nonblocking"`); false is thread-per-request.
    pub nonblocking: bool,
    /// Requests one instance holds at once — working, queued or parked
    /// (`u32::MAX` for a blocking server, which `concurrency` + `queue` bound).
    pub max_outstanding: u32,
    /// A store that replicates each request to peers in its ring.
    pub ring_replicas: u32,
    /// staash: fraction of reads served by cache-like dependencies.
    pub hit_rate: f64,
    /// Instance availability from the file: `availability`, or
    /// `mtbf_h / (mtbf_h + mttr_h)`, or 1.0.
    pub availability: f64,
    /// Instances needed for the service to be up.
    pub quorum: u32,
    /// Dependencies whose policy keeps per-calling-instance state (breaker, bulkhead, budget).
    pub client_slots: u16,
    /// Some dependency is called zone-aware: instances remember whom they saw fail.
    pub zone_aware: bool,
    /// Instances per region serving at the start: `per_region`, unless the
    /// service autoscales, when `per_region` is its `max` (every place is laid
    /// out up front, the ones beyond the start off until scaled out), or has
    /// versions, when `per_region` is twice this.
    pub initial: u32,
    /// Autoscaling settings (min and max scaled as counts are).
    pub autoscale: Option<crate::model::Autoscale>,
    /// What one instance costs an hour (0: not priced).
    pub price_per_hour: f64,
    /// Its versions (empty: the service has none). A versioned service's
    /// `per_region` places are twice `initial`, the versions' counts.
    pub versions: Vec<Version>,
    /// A cache with a capacity: an LRU per instance ([`crate::cache`]).
    pub cache: Option<crate::cache::CacheConfig>,
    /// A data-access layer whose caches have a capacity: keyed reads and
    /// writes follow EVCache's look-aside plan ([`crate::behaviour`]).
    pub keyed_caches: bool,
    /// A replicated store: keys on a token ring, copies per region,
    /// consistency levels ([`crate::replication`]).
    pub replication: Option<crate::replication::ReplicationConfig>,
}

impl Service {
    /// Number of instances.
    pub fn instance_count(&self) -> u32 {
        self.regions * self.per_region
    }
}

/// One service instance: plain data, addressed by [`InstanceId`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Instance {
    /// Its service.
    pub service: ServiceId,
    /// Index within the service in its region (the number in its name).
    pub index: u32,
    /// Region index, or [`GLOBAL`].
    pub region: u16,
    /// Zone index, or [`ANY_ZONE`].
    pub zone: u8,
}

/// One-way network latency by distance, in ns.
#[derive(Debug, Clone, Copy)]
pub struct Latency {
    /// Same zone, or to/from a regional or global node.
    pub same_zone: Nanos,
    /// Between zones of a region.
    pub cross_zone: Nanos,
    /// Between regions.
    pub cross_region: Nanos,
}

/// Everything the engine needs to run an architecture.
#[derive(Debug, Clone)]
pub struct Topology {
    /// Architecture name.
    pub arch: String,
    /// Region names in use.
    pub regions: Vec<String>,
    /// Zones per region.
    pub zones: u32,
    /// Services by id.
    pub services: Vec<Service>,
    /// Instances by id.
    pub instances: Vec<Instance>,
    /// Service call graph; node weights are service ids, edge weights dependency indices.
    pub graph: DiGraph<ServiceId, usize>,
    /// Services that receive external traffic.
    pub entry_points: Vec<ServiceId>,
    /// Victim named by the file (spigo's chaos monkey target).
    pub victim: Option<ServiceId>,
    /// Network latency.
    pub latency: Latency,
    /// Offered load, as the file's top-level `traffic` gives it.
    pub traffic: Traffic,
    /// Each entry point's traffic (in `entry_points` order): its own `traffic`
    /// over the top-level one, profiles compiled.
    pub entry_traffic: Vec<crate::traffic::EntryTraffic>,
    /// Things the user should know about how the file was read.
    pub notes: Vec<String>,
    /// Analytic end-to-end availability per entry point, when the file gives
    /// instances an availability (set by [`crate::build`]; see [`crate::availability`]).
    pub predicted_availability: Option<Vec<(ServiceId, f64)>>,
}

impl Topology {
    /// Looks a service up by name.
    pub fn service_id(&self, name: &str) -> Option<ServiceId> {
        self.services
            .iter()
            .position(|s| s.name == name)
            .map(|i| i as ServiceId)
    }

    /// Every place — a service in a region, [`GLOBAL`] for a global service —
    /// in service order, then region order: the nodes of the service-level
    /// graph exports, which list places that made no call too.
    pub fn places(&self) -> impl Iterator<Item = (ServiceId, u16)> + '_ {
        self.services.iter().enumerate().flat_map(|(sid, s)| {
            let global = s.placement == Placement::Global;
            (0..s.regions).map(move |r| (sid as ServiceId, if global { GLOBAL } else { r as u16 }))
        })
    }

    /// The instance ids of `service` in region slot `r` (0 for global services).
    #[inline]
    pub fn instances_in(&self, service: ServiceId, r: u32) -> std::ops::Range<InstanceId> {
        let s = &self.services[service as usize];
        let start = s.first + r * s.per_region;
        start..start + s.per_region
    }

    /// One-way latency between two instances.
    #[inline]
    pub fn latency(&self, a: InstanceId, b: InstanceId) -> Nanos {
        let (a, b) = (self.instances[a as usize], self.instances[b as usize]);
        if a.region == GLOBAL || b.region == GLOBAL {
            self.latency.same_zone
        } else if a.region != b.region {
            self.latency.cross_region
        } else if a.zone != b.zone && a.zone != ANY_ZONE && b.zone != ANY_ZONE {
            self.latency.cross_zone
        } else {
            self.latency.same_zone
        }
    }

    /// Region and zone names of an instance, `*` for a node spanning them.
    pub fn location(&self, id: InstanceId) -> (&str, String) {
        let i = self.instances[id as usize];
        let region = if i.region == GLOBAL {
            "*"
        } else {
            self.regions[i.region as usize].as_str()
        };
        let zone = if i.zone == ANY_ZONE {
            "*".to_string()
        } else {
            format!("zone{}", (b'A' + i.zone) as char)
        };
        (region, zone)
    }

    /// spigo-style instance name: `arch.region.zone.serviceNN` (`*` for spans).
    pub fn instance_name(&self, id: InstanceId) -> String {
        let i = self.instances[id as usize];
        let (region, zone) = self.location(id);
        format!(
            "{}.{}.{}.{}{:02}",
            self.arch, region, zone, self.services[i.service as usize].name, i.index
        )
    }
}

#[cfg(test)]
mod tests;
