//! The analysis as data: what `microsim availability --json` prints and what
//! its table is drawn from. Maps are BTreeMaps, so output order is by name.

use std::collections::BTreeMap;

use serde::Serialize;

use super::formulas::{downtime_per_month_min, downtime_per_year_min, nines};
use super::{Model, Perfect};
use crate::model::Package;

/// Name of the pseudo-link "zone outages" among the weakest links.
pub const ZONES: &str = "(zone outages)";

/// Availability of a whole architecture.
#[derive(Debug, Clone, Serialize)]
pub struct Report {
    /// Architecture name.
    pub arch: String,
    /// Zones per region.
    pub zones: u32,
    /// Availability of one zone.
    pub zone_availability: f64,
    /// Each entry point.
    pub end_to_end: BTreeMap<String, EntryReport>,
    /// Each service.
    pub services: BTreeMap<String, ServiceReport>,
}

/// One entry point.
#[derive(Debug, Clone, Serialize)]
pub struct EntryReport {
    /// Share of time a request could be served.
    pub availability: f64,
    /// −log10(1 − A) (null when A = 1).
    pub nines: f64,
    /// Expected minutes down per year of 365.25 days.
    pub downtime_per_year_min: f64,
    /// Expected minutes down per 30-day month.
    pub downtime_per_month_min: f64,
    /// Services requests need, callers first.
    pub critical_path: Vec<PathStep>,
    /// What would gain most from being perfect, best first.
    pub weakest_links: Vec<Link>,
}

/// One service on a critical path.
#[derive(Debug, Clone, Serialize)]
pub struct PathStep {
    /// Service name.
    pub service: String,
    /// Share of the entry point's requests that need it.
    pub share: f64,
    /// Its own availability (k of n instances).
    pub own: f64,
}

/// What the entry point would gain if one service (or the zones) never failed.
#[derive(Debug, Clone, Serialize)]
pub struct Link {
    /// Service name, or "(zone outages)".
    pub service: String,
    /// Gain in availability.
    pub gain: f64,
    /// Gain in minutes per year.
    pub minutes_per_year: f64,
    /// The entry point's availability if this link were perfect.
    pub availability_if_perfect: f64,
}

/// One service.
#[derive(Debug, Clone, Serialize)]
pub struct ServiceReport {
    /// spigo package.
    pub package: Package,
    /// Instances per region.
    pub instances: u32,
    /// Instances that must be up (k of n).
    pub quorum: u32,
    /// Availability of one instance.
    pub instance_availability: f64,
    /// The service's own availability: k of n instances (and zones) up.
    pub own: f64,
    /// A request arriving at this service: own and every needed dependency.
    pub availability: f64,
    /// Nines of `availability`.
    pub nines: f64,
    /// Expected minutes down per year.
    pub downtime_per_year_min: f64,
    /// Dependencies that do not count, and why.
    pub soft_dependencies: Vec<SoftDep>,
}

/// A dependency that is not needed.
#[derive(Debug, Clone, Serialize)]
pub struct SoftDep {
    /// Called service.
    pub service: String,
    /// Why it does not count.
    pub reason: &'static str,
}

pub(super) fn build(m: &Model) -> Report {
    let topo = &m.topo;
    let name = |i: u32| topo.services[i as usize].name.clone();
    let (own, e2e) = m.expected(Perfect::Nothing);

    // Every candidate link, evaluated once for all entry points: per
    // candidate, each entry point's availability if it were perfect (in
    // `entry_points` order).
    let services: Vec<u32> = (0..topo.services.len() as u32)
        .filter(|&t| {
            own[t as usize] < 1.0
                && topo
                    .entry_points
                    .iter()
                    .any(|&e| m.structure.share(e, t) > 0.0)
        })
        .collect();
    let mut candidates: Vec<(String, Vec<f64>)> = services
        .iter()
        .map(|&t| name(t))
        .zip(m.entries_if_perfect(&services))
        .collect();
    if m.zone_availability < 1.0 {
        let all = m.expected(Perfect::Zones).1;
        let entries = topo.entry_points.iter().map(|&e| all[e as usize]);
        candidates.push((ZONES.to_string(), entries.collect()));
    }

    let mut end_to_end = BTreeMap::new();
    for (k, &e) in topo.entry_points.iter().enumerate() {
        let a = e2e[e as usize];
        let critical_path = m
            .structure
            .order
            .iter()
            .map(|&t| (t, m.structure.share(e, t)))
            .filter(|&(_, s)| s > 0.0)
            .map(|(t, share)| PathStep {
                service: name(t),
                share,
                own: own[t as usize],
            })
            .collect();
        let mut weakest_links: Vec<Link> = candidates
            .iter()
            .map(|(n, v)| {
                let better = v[k];
                Link {
                    service: n.clone(),
                    gain: better - a,
                    minutes_per_year: downtime_per_year_min(a) - downtime_per_year_min(better),
                    availability_if_perfect: better,
                }
            })
            .filter(|l| l.gain > 1e-15)
            .collect();
        weakest_links.sort_by(|x, y| y.gain.total_cmp(&x.gain).then(x.service.cmp(&y.service)));
        end_to_end.insert(
            name(e),
            EntryReport {
                availability: a,
                nines: nines(a),
                downtime_per_year_min: downtime_per_year_min(a),
                downtime_per_month_min: downtime_per_month_min(a),
                critical_path,
                weakest_links,
            },
        );
    }

    let mut services = BTreeMap::new();
    for (i, s) in topo.services.iter().enumerate() {
        let soft_dependencies = m
            .structure
            .soft
            .iter()
            .filter(|(c, _, _)| *c as usize == i)
            .map(|&(_, d, why)| SoftDep {
                service: name(d),
                reason: why.reason(),
            })
            .collect();
        services.insert(
            s.name.clone(),
            ServiceReport {
                package: s.package,
                instances: s.per_region,
                quorum: s.quorum,
                instance_availability: m.instance_availability[i],
                own: own[i],
                availability: e2e[i],
                nines: nines(e2e[i]),
                downtime_per_year_min: downtime_per_year_min(e2e[i]),
                soft_dependencies,
            },
        );
    }
    Report {
        arch: topo.arch.clone(),
        zones: topo.zones,
        zone_availability: m.zone_availability,
        end_to_end,
        services,
    }
}
