//! Topology::build: placement, scaling, dependency resolution and the checks
//! that must happen before any instance is allocated.

use std::sync::Arc;

use petgraph::graph::{DiGraph, NodeIndex};

use super::{
    BuildOptions, Dependency, Instance, InstanceId, Latency, Placement, Service, ServiceId,
    Topology, ANY_ZONE, GLOBAL,
};
use crate::behaviour::{self, Edge, Role};
use crate::dist::Dist;
use crate::duration::{Nanos, MS};
use crate::error::InputError;
use crate::model::{ArchSpec, Package, LIMITS};
use crate::resilience::Policy;
use crate::traffic::{EntryTraffic, Rate};

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

impl Topology {
    /// Expands a validated architecture into instances. Refuses absurd sizes
    /// before allocating anything.
    pub fn build(spec: &ArchSpec, opts: &BuildOptions) -> Result<Topology, InputError> {
        if !(opts.scale_percent > 0.0 && opts.scale_percent <= 1e7) {
            return Err(InputError::at(
                "scale",
                format!(
                    "scale {}% is out of range.",
                    crate::error::num(opts.scale_percent)
                ),
            )
            .hint("use a percentage above 0, e.g. 100 for as written or 1000 for ten times."));
        }
        if opts.region_multiplier == 0 {
            return Err(
                InputError::at("regions", "the region multiplier is 0.").hint("use 1 or more.")
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
        // Autoscaled services: (instances at the start per region, settings),
        // scaled as counts are; their places go up to max.
        let mut scaling: Vec<(u32, Option<crate::model::Autoscale>)> =
            Vec::with_capacity(spec.services.len());
        let scale = |x: f64| libm::round(x * opts.scale_percent / 100.0).max(1.0);
        for (i, s) in spec.services.iter().enumerate() {
            let file_regions = s
                .regions
                .unwrap_or(i64::from(s.package != Package::Denominator))
                as u128;
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
                    file_regions * u128::from(opts.region_multiplier),
                    1,
                )
            } else {
                let scaled = scale(s.count as f64) as u128;
                (
                    Placement::Zoned,
                    file_regions * u128::from(opts.region_multiplier),
                    scaled,
                )
            };
            let at = format!("services[{i}] \"{}\".autoscale", s.name);
            let auto = s.autoscale.as_ref().map(|a| a.check(&at, s)).transpose()?;
            // A versioned service runs the versions' counts and lays out twice
            // as many places: room for a second full group (a red/black push).
            let versioned = s
                .versions
                .as_ref()
                .filter(|_| placement == Placement::Zoned)
                .map(|v| {
                    crate::model::start_counts(s.count as u32, v)
                        .into_iter()
                        .map(|c| {
                            if c == 0 {
                                0
                            } else {
                                scale(f64::from(c)) as u128
                            }
                        })
                        .sum::<u128>()
                });
            let (per_region, initial, auto) = match (auto, versioned) {
                (_, Some(n)) => (2 * n, n.min(u128::from(u32::MAX)) as u32, None),
                (Some(mut a), None) if placement == Placement::Zoned => {
                    // Scaled as the count is, and kept in order after rounding.
                    a.min = scale(f64::from(a.min)).min(f64::from(u32::MAX)) as u32;
                    a.max = (scale(f64::from(a.max)).min(f64::from(u32::MAX)) as u32).max(a.min);
                    let start = (per_region.min(u128::from(a.max)) as u32).max(a.min);
                    (u128::from(a.max), start, Some(a))
                }
                _ => (
                    per_region,
                    per_region.min(u128::from(u32::MAX)) as u32,
                    None,
                ),
            };
            scaling.push((initial, auto));
            if regions > u128::from(LIMITS.max_regions) {
                return Err(InputError::at(
                    format!("services[{i}] \"{}\".regions", s.name),
                    format!(
                        "{regions} regions after the region multiplier is more than the {} supported.",
                        LIMITS.max_regions
                    ),
                )
                .hint("use fewer regions."));
            }
            total += regions * per_region;
            if total > u128::from(LIMITS.max_instances) {
                return Err(InputError::at(format!("services[{i}] \"{}\".count", s.name), format!(
                    "the architecture would need more than {} instances (scale {}%, {} region(s) for this service).",
                    LIMITS.max_instances, opts.scale_percent, regions))
                    .hint("lower the scale, the regions or the counts."));
            }
            max_regions = max_regions.max(regions as u32);
            shapes.push((placement, regions as u32, per_region as u32));
        }

        let mut services = Vec::with_capacity(spec.services.len());
        let mut instances = Vec::with_capacity(total as usize);
        for ((s, &(placement, regions, per_region)), &(initial, autoscale)) in
            spec.services.iter().zip(&shapes).zip(&scaling)
        {
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
            let (mut client_slots, mut zone_aware) = (0u16, false);
            for (j, d) in s.dependencies.iter().flatten().enumerate() {
                let name = d.service();
                if name == "eureka" {
                    continue;
                }
                let target = index_of(name).expect("validated");
                match behaviour::edge(role, target == sid) {
                    Edge::Ring => {
                        ring = true;
                        continue;
                    }
                    Edge::DrawnOnly => {
                        notes.push(format!(
                            "{}: stores are leaves; its dependency on {name} is drawn but never called",
                            s.name
                        ));
                        continue;
                    }
                    Edge::Call => {}
                }
                let o = d.options();
                let at = format!("services[{sid}] \"{}\".dependencies[{j}].keys", s.name);
                let keys = o.keys.as_ref().map(|k| k.check(&at)).transpose()?;
                let callee = &spec.services[target as usize];
                let cache_like = behaviour::is_cache_like(callee.package, name);
                let copies = match callee.cache.as_ref().map(|c| c.copies) {
                    None => 0,
                    Some(crate::model::CopiesSpec::One) => 1,
                    Some(crate::model::CopiesSpec::EveryZone) => spec.zones as u8,
                };
                let mut policy = Policy::from_spec(&o);
                if policy.needs_slot() {
                    policy.slot = client_slots;
                    client_slots += 1;
                }
                zone_aware |= policy.zone_aware;
                let detached = behaviour::detached_of(&o);
                deps.push(Dependency {
                    target,
                    critical: o.critical,
                    // A mirror's percentage is the chance a request is copied.
                    probability: o.mirror.map_or(o.probability, |p| p / 100.0),
                    calls: o.calls,
                    weight: o.weight,
                    cache_like,
                    policy,
                    keys,
                    copies,
                    detached,
                });
            }
            let cache = s
                .cache
                .as_ref()
                .map(|c| c.check(&format!("services[{sid}] \"{}\".cache", s.name)))
                .transpose()?;
            let keyed_caches = role == Role::DataAccess && deps.iter().any(|d| d.copies > 0);
            let per_region_peers = per_region.saturating_sub(1);
            let replication = s
                .replication
                .as_ref()
                .map(|r| r.check(&format!("services[{sid}] \"{}\".replication", s.name)))
                .transpose()?;
            // A replicated store's copies are its replication's, not a ring's peers.
            let ring_replicas = if ring && replication.is_none() {
                s.replicas
                    .unwrap_or(behaviour::DEFAULT_REPLICAS)
                    .min(per_region_peers)
            } else {
                0
            };
            let service_time = s
                .service_time
                .as_ref()
                .map_or_else(|| role.default_service_time(), Dist::from_spec);
            let versions = super::versions::compile(s, scale, &service_time);
            services.push(Service {
                name: s.name.clone(),
                package: s.package,
                role,
                placement,
                regions,
                per_region,
                first,
                service_time,
                concurrency: s.concurrency.unwrap_or(u32::MAX),
                queue: s.queue.unwrap_or(u32::MAX),
                has_detached: deps.iter().any(|d| d.detached.is_some()),
                deps,
                nonblocking: s.io == Some(crate::model::Io::Nonblocking),
                max_outstanding: crate::model::max_outstanding(s),
                ring_replicas,
                hit_rate: s.hit_rate.unwrap_or(behaviour::DEFAULT_HIT_RATE),
                availability: crate::availability::Figures::of_instance(s).0,
                quorum: s.quorum.unwrap_or(1),
                client_slots,
                zone_aware,
                initial,
                autoscale,
                price_per_hour: s.price_per_hour.or(spec.price_per_hour).unwrap_or(0.0),
                versions,
                cache,
                keyed_caches,
                replication,
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

        let entry_traffic = entry_traffic(spec, &services, &entry_points)?;
        super::state::check(spec, &services, &entry_points, &entry_traffic)?;
        super::replication::check(&services, &entry_traffic)?;

        let regions = (0..max_regions as usize)
            .map(|r| {
                REGION_NAMES.get(r).map_or_else(
                    || format!("region-{}", r + 1),
                    std::string::ToString::to_string,
                )
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
            entry_traffic,
            notes,
            predicted_availability: None,
        })
    }
}

/// Each entry point's traffic: its own `traffic` over the top-level one. A
/// service that is not an entry point may not carry one (it would be ignored).
fn entry_traffic(
    spec: &ArchSpec,
    services: &[Service],
    entry_points: &[ServiceId],
) -> Result<Vec<EntryTraffic>, InputError> {
    for (i, s) in spec.services.iter().enumerate() {
        if s.traffic.is_some() && !entry_points.contains(&(i as ServiceId)) {
            let names: Vec<&str> = entry_points
                .iter()
                .map(|&e| services[e as usize].name.as_str())
                .collect();
            return Err(InputError::at(
                format!("services[{i}] \"{}\".traffic", s.name),
                format!(
                    "\"{}\" is not an entry point, so no external traffic reaches it.",
                    s.name
                ),
            )
            .hint(format!(
                "give traffic to an entry point ({}: every denominator, or without one the services nothing depends on), or remove it.",
                names.join(", ")
            )));
        }
    }
    let shared = spec
        .traffic
        .profile
        .as_ref()
        .map(|p| crate::traffic::compile("traffic.profile", p).map(Arc::new))
        .transpose()?;
    entry_points
        .iter()
        .map(|&e| {
            let own = spec.services[e as usize].traffic.as_ref();
            let t = own.map_or_else(|| spec.traffic.clone(), |o| o.over(&spec.traffic));
            let rate = match (&t.profile, own.is_some_and(|o| o.profile.is_some())) {
                (Some(p), true) => {
                    let path = format!(
                        "services[{e}] \"{}\".traffic.profile",
                        spec.services[e as usize].name
                    );
                    Rate::Profile(Arc::new(crate::traffic::compile(&path, p)?))
                }
                (Some(_), false) => Rate::Profile(shared.clone().expect("the top-level profile")),
                (None, _) => Rate::Flat(t.rate()),
            };
            let at = if own.is_some_and(|o| o.keys.is_some()) {
                format!(
                    "services[{e}] \"{}\".traffic.keys",
                    spec.services[e as usize].name
                )
            } else {
                "traffic.keys".to_string()
            };
            Ok(EntryTraffic {
                arrival: t.arrival(),
                rate,
                keys: t.keys.as_ref().map(|k| k.check(&at)).transpose()?,
            })
        })
        .collect()
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
