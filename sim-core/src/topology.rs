//! From a validated architecture to what runs: services with resolved
//! dependencies (a petgraph graph), regions and zones, and dense tables of
//! instances addressed by integer id.
//!
//! Placement follows spigo: `count` instances per region spread round-robin over
//! the zones; `count: 0` is one regional node (an ELB); `regions: 0` is one
//! global node (DNS). `--scale` multiplies counts, `--regions` multiplies regions.

use petgraph::graph::{DiGraph, NodeIndex};

use crate::behaviour::Role;
use crate::dist::Dist;
use crate::duration::{Nanos, MS};
use crate::error::InputError;
use crate::model::{ArchSpec, Package, Traffic, LIMITS};

/// Dense service id (index into [`Topology::services`]).
pub type ServiceId = u32;
/// Dense instance id (index into [`Topology::instances`]).
pub type InstanceId = u32;

/// Region value of global (regionless) nodes.
pub const GLOBAL: u16 = u16::MAX;
/// Zone value of nodes that span a region.
pub const ANY_ZONE: u8 = u8::MAX;

/// AWS region names, in the order spigo used; beyond them, `region-N`.
const REGION_NAMES: [&str; 12] = [
    "us-east-1",
    "us-west-2",
    "eu-west-1",
    "eu-central-1",
    "ap-southeast-1",
    "ap-northeast-1",
    "ap-southeast-2",
    "sa-east-1",
    "us-west-1",
    "ap-south-1",
    "ca-central-1",
    "eu-west-2",
];

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
    /// A store that replicates each request to peers in its ring.
    pub ring_replicas: u32,
    /// staash: fraction of reads served by cache-like dependencies.
    pub hit_rate: f64,
    /// Instance availability from the file (1.0 when absent).
    pub availability: f64,
    /// Instances needed for the service to be up.
    pub quorum: u32,
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
    /// Offered load.
    pub traffic: Traffic,
    /// Things the user should know about how the file was read.
    pub notes: Vec<String>,
    /// Analytic end-to-end availability per entry point, when the file gives
    /// instances an availability (set by [`crate::build`]; see [`crate::availability`]).
    pub predicted_availability: Option<Vec<(ServiceId, f64)>>,
}

impl Topology {
    /// Expands a validated architecture into instances. Refuses absurd sizes
    /// before allocating anything.
    pub fn build(spec: &ArchSpec, opts: &BuildOptions) -> Result<Topology, InputError> {
        if !(opts.scale_percent > 0.0 && opts.scale_percent <= 1e7) {
            return Err(InputError::at(
                "--scale",
                format!("scale {}% is out of range.", opts.scale_percent),
            )
            .hint("use a percentage above 0, e.g. 100 for as written or 1000 for ten times."));
        }
        if opts.region_multiplier == 0 {
            return Err(
                InputError::at("--regions", "the region multiplier is 0.").hint("use 1 or more.")
            );
        }
        let mut notes = Vec::new();
        let index_of = |name: &str| {
            spec.services
                .iter()
                .position(|s| s.name == name)
                .map(|i| i as ServiceId)
        };

        // Placement and sizes, checked in u128 so that nothing overflows.
        let mut total: u128 = 0;
        let mut max_regions = 0u32;
        let mut shapes = Vec::with_capacity(spec.services.len());
        for (i, s) in spec.services.iter().enumerate() {
            let file_regions = s.regions.unwrap_or(if s.package == Package::Denominator {
                0
            } else {
                1
            }) as u128;
            let (placement, regions, per_region) = if file_regions == 0 {
                if s.count > 1 {
                    notes.push(format!(
                        "{}: regions 0 makes one global node; count {} ignored",
                        s.name, s.count
                    ));
                }
                (Placement::Global, 1u128, 1u128)
            } else if s.count == 0 {
                (
                    Placement::Regional,
                    file_regions * opts.region_multiplier as u128,
                    1,
                )
            } else {
                let scaled =
                    libm::round(s.count as f64 * opts.scale_percent / 100.0).max(1.0) as u128;
                (
                    Placement::Zoned,
                    file_regions * opts.region_multiplier as u128,
                    scaled,
                )
            };
            if regions > LIMITS.max_regions as u128 {
                return Err(InputError::at(
                    format!("services[{i}] \"{}\".regions", s.name),
                    format!(
                        "{regions} regions after --regions is more than the {} supported.",
                        LIMITS.max_regions
                    ),
                )
                .hint("use fewer regions."));
            }
            total += regions * per_region;
            if total > LIMITS.max_instances as u128 {
                return Err(InputError::at(format!("services[{i}] \"{}\".count", s.name), format!(
                    "the architecture would need more than {} instances (scale {}%, {} region(s) for this service).",
                    LIMITS.max_instances, opts.scale_percent, regions))
                    .hint("lower --scale, --regions or the counts."));
            }
            max_regions = max_regions.max(regions as u32);
            shapes.push((placement, regions as u32, per_region as u32));
        }

        let mut services = Vec::with_capacity(spec.services.len());
        let mut instances = Vec::with_capacity(total as usize);
        for (s, &(placement, regions, per_region)) in spec.services.iter().zip(&shapes) {
            let sid = services.len() as ServiceId;
            let role = Role::of(s.package);
            let first = instances.len() as InstanceId;
            for r in 0..regions {
                for idx in 0..per_region {
                    let (region, zone) = match placement {
                        Placement::Global => (GLOBAL, ANY_ZONE),
                        Placement::Regional => (r as u16, ANY_ZONE),
                        Placement::Zoned => (r as u16, (idx % spec.zones) as u8),
                    };
                    instances.push(Instance {
                        service: sid,
                        index: idx,
                        region,
                        zone,
                    });
                }
            }
            let mut deps = Vec::new();
            let mut ring = false;
            for d in s.dependencies.iter().flatten() {
                let name = d.service();
                if name == "eureka" {
                    continue;
                }
                let target = index_of(name).expect("validated");
                if target == sid && role == Role::Store {
                    ring = true;
                    continue;
                }
                if role == Role::Store {
                    notes.push(format!(
                        "{}: stores are leaves; its dependency on {name} is drawn but never called",
                        s.name
                    ));
                    continue;
                }
                let o = d.options();
                let tp = spec.services[target as usize].package;
                let cache_like = matches!(tp, Package::Cache)
                    || (matches!(tp, Package::Store)
                        && name.to_ascii_lowercase().contains("cache"));
                deps.push(Dependency {
                    target,
                    critical: o.critical,
                    probability: o.probability,
                    calls: o.calls,
                    weight: o.weight,
                    cache_like,
                });
            }
            let per_region_peers = per_region.saturating_sub(1);
            let ring_replicas = if ring {
                s.replicas.unwrap_or(2).min(per_region_peers)
            } else {
                0
            };
            let default_time = match role {
                Role::Router => Dist::Constant(MS / 10),
                _ => Dist::Constant(MS),
            };
            services.push(Service {
                name: s.name.clone(),
                package: s.package,
                role,
                placement,
                regions,
                per_region,
                first,
                service_time: s
                    .service_time
                    .as_ref()
                    .map(Dist::from_spec)
                    .unwrap_or(default_time),
                concurrency: s.concurrency.unwrap_or(u32::MAX),
                queue: s.queue.unwrap_or(u32::MAX),
                deps,
                ring_replicas,
                hit_rate: s.hit_rate.unwrap_or(0.9),
                availability: s.availability.unwrap_or(1.0),
                quorum: s.quorum.unwrap_or(1),
            });
        }

        let mut graph = DiGraph::with_capacity(services.len(), services.len() * 2);
        let nodes: Vec<NodeIndex> = (0..services.len())
            .map(|i| graph.add_node(i as ServiceId))
            .collect();
        for (i, s) in services.iter().enumerate() {
            for (j, d) in s.deps.iter().enumerate() {
                graph.add_edge(nodes[i], nodes[d.target as usize], j);
            }
        }
        check_cycles(&graph, &services)?;

        let mut entry_points: Vec<ServiceId> = services
            .iter()
            .enumerate()
            .filter(|(_, s)| s.package == Package::Denominator)
            .map(|(i, _)| i as ServiceId)
            .collect();
        if entry_points.is_empty() {
            entry_points = (0..services.len() as ServiceId)
                .filter(|&i| {
                    graph
                        .neighbors_directed(nodes[i as usize], petgraph::Incoming)
                        .next()
                        .is_none()
                })
                .collect();
            let names: Vec<&str> = entry_points
                .iter()
                .map(|&i| services[i as usize].name.as_str())
                .collect();
            notes.push(format!(
                "no denominator service: traffic enters at {} (nothing depends on them)",
                names.join(", ")
            ));
        }
        if entry_points.is_empty() {
            return Err(InputError::at(
                "services",
                "no entry point: every service is called by another.",
            )
            .hint("add a \"denominator\" service that depends on the front door."));
        }

        let regions = (0..max_regions as usize)
            .map(|r| {
                REGION_NAMES
                    .get(r)
                    .map(|s| s.to_string())
                    .unwrap_or_else(|| format!("region-{}", r + 1))
            })
            .collect();
        let ms = |x: f64| (x * MS as f64) as Nanos;
        Ok(Topology {
            arch: spec.arch.clone(),
            regions,
            zones: spec.zones,
            victim: spec.victim.as_deref().and_then(index_of),
            services,
            instances,
            graph,
            entry_points,
            latency: Latency {
                same_zone: ms(spec.network.same_zone),
                cross_zone: ms(spec.network.cross_zone),
                cross_region: ms(spec.network.cross_region),
            },
            traffic: spec.traffic.clone(),
            notes,
            predicted_availability: None,
        })
    }

    /// Looks a service up by name.
    pub fn service_id(&self, name: &str) -> Option<ServiceId> {
        self.services
            .iter()
            .position(|s| s.name == name)
            .map(|i| i as ServiceId)
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

    /// spigo-style instance name: `arch.region.zone.serviceNN` (`*` for spans).
    pub fn instance_name(&self, id: InstanceId) -> String {
        let i = self.instances[id as usize];
        let region = if i.region == GLOBAL {
            "*"
        } else {
            &self.regions[i.region as usize]
        };
        let zone = if i.zone == ANY_ZONE {
            "*".to_string()
        } else {
            format!("zone{}", (b'A' + i.zone) as char)
        };
        format!(
            "{}.{}.{}.{}{:02}",
            self.arch, region, zone, self.services[i.service as usize].name, i.index
        )
    }
}

/// Refuses call cycles: a request would recurse forever. Store rings are not
/// calls and are excluded before this check.
fn check_cycles(graph: &DiGraph<ServiceId, usize>, services: &[Service]) -> Result<(), InputError> {
    for scc in petgraph::algo::tarjan_scc(graph) {
        let looped = scc.len() > 1 || graph.contains_edge(scc[0], scc[0]);
        if looped {
            let mut names: Vec<&str> = scc
                .iter()
                .map(|n| services[graph[*n] as usize].name.as_str())
                .collect();
            names.sort_unstable();
            return Err(InputError::at("services", format!(
                "dependency cycle between {}: a request would call itself forever.", names.join(", ")))
                .hint("remove one dependency of the cycle; only stores may depend on themselves (replica peers)."));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::load_arch;

    fn topo(text: &str, opts: BuildOptions) -> Result<Topology, InputError> {
        Topology::build(&load_arch(text).unwrap(), &opts)
    }

    const SMALL: &str = r#"{"arch":"t","services":[
        {"name":"db","package":"store","count":3,"regions":1,"dependencies":["db","eureka"]},
        {"name":"app","package":"karyon","count":4,"regions":1,"dependencies":["db"]},
        {"name":"lb","package":"elb","count":0,"regions":1,"dependencies":["app"]},
        {"name":"www","package":"denominator","count":0,"regions":0,"dependencies":["lb"]}]}"#;

    #[test]
    fn places_like_spigo() {
        let t = topo(SMALL, BuildOptions::default()).unwrap();
        assert_eq!(t.instances.len(), 3 + 4 + 1 + 1);
        assert_eq!(t.instance_name(0), "t.us-east-1.zoneA.db00");
        assert_eq!(t.instance_name(4), "t.us-east-1.zoneB.app01");
        assert_eq!(t.instance_name(6), "t.us-east-1.zoneA.app03");
        assert_eq!(t.instance_name(7), "t.us-east-1.*.lb00");
        assert_eq!(t.instance_name(8), "t.*.*.www00");
        assert_eq!(t.services[0].ring_replicas, 2);
        assert_eq!(t.entry_points, vec![3]);
    }

    #[test]
    fn scales_and_multiplies_regions() {
        let t = topo(
            SMALL,
            BuildOptions {
                scale_percent: 250.0,
                region_multiplier: 8,
            },
        )
        .unwrap();
        // db 3→8 (7.5 rounds to 8), app 4→10, per region × 8 regions, lb ×8, www 1.
        assert_eq!(t.instances.len(), (8 + 10 + 1) * 8 + 1);
        assert_eq!(t.regions.len(), 8);
        assert_eq!(t.regions[7], "sa-east-1");
        let t = topo(
            SMALL,
            BuildOptions {
                scale_percent: 1.0,
                region_multiplier: 13,
            },
        )
        .unwrap();
        // A positive count never scales to zero.
        assert_eq!(t.services[1].per_region, 1);
        assert_eq!(t.regions[12], "region-13");
    }

    #[test]
    fn refuses_absurd_sizes_before_allocating() {
        let e = topo(
            SMALL,
            BuildOptions {
                scale_percent: 1e7,
                region_multiplier: 100,
            },
        )
        .unwrap_err();
        assert!(e.message.contains("more than 10000000 instances"), "{e}");
    }

    #[test]
    fn refuses_call_cycles_but_not_rings() {
        let text = r#"{"arch":"t","services":[
            {"name":"a","package":"karyon","count":1,"dependencies":["b"]},
            {"name":"b","package":"karyon","count":1,"dependencies":["a"]},
            {"name":"w","package":"denominator","dependencies":["a"]}]}"#;
        let e = topo(text, BuildOptions::default()).unwrap_err();
        assert!(e.message.contains("cycle between a, b"), "{e}");
        let selfish = r#"{"arch":"t","services":[{"name":"a","package":"karyon","count":1,"dependencies":["a"]}]}"#;
        assert!(topo(selfish, BuildOptions::default()).is_err());
    }

    #[test]
    fn latency_by_distance() {
        let t = topo(
            SMALL,
            BuildOptions {
                scale_percent: 100.0,
                region_multiplier: 2,
            },
        )
        .unwrap();
        let app = |r, i| t.instances_in(1, r).start + i;
        assert_eq!(t.latency(app(0, 0), app(0, 3)), t.latency.same_zone);
        assert_eq!(t.latency(app(0, 0), app(0, 1)), t.latency.cross_zone);
        assert_eq!(t.latency(app(0, 0), app(1, 0)), t.latency.cross_region);
    }
}
