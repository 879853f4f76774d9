//! Steady-state availability of an architecture, computed and simulated.
//!
//! The seed's lesson: each service may have four nines, yet ten of them in a
//! request path give three. This module computes, for every service and each
//! entry point, the share of time a request could be served, from:
//!
//! - **instances**: each up with its service's `availability` (or
//!   `mtbf_h / (mtbf_h + mttr_h)`), independently, default 1.0;
//! - **redundancy**: a service is up when at least `quorum` (k) of its n
//!   instances in a region are up: Σ_{j≥k} C(n,j) Aʲ(1−A)ⁿ⁻ʲ ([`formulas::k_of_n`]);
//! - **zones**: with `zone_availability` below 1, a zone outage takes every
//!   instance placed in it (round-robin, as [`Topology`] places them); zone
//!   states are enumerated exactly, so "survives one zone" designs get credit.
//!   Zones holding the same instances of every service are interchangeable,
//!   so only how many of each such group are down is enumerated, weighted by
//!   the binomial C(n,j) pʲ(1−p)ⁿ⁻ʲ ([`Model::zone_state_count`] states, at
//!   most [`MAX_ZONE_STATES`]);
//! - **request semantics** per package ([`analytic`]): routers need the branch
//!   taken, services every critical dependency, staash its store (not its
//!   cache), stores only themselves (a ring's quorum covers its peers).
//!
//! Regions are identical copies and a request stays in the region its entry
//! sends it to, so the figures are those of one region; a multi-region
//! architecture's global router averages over regions to the same number.
//!
//! [`montecarlo`] checks the analysis by simulating failure and repair of every
//! instance and zone in virtual time and measuring the same structure function.

pub mod analytic;
pub mod formulas;
pub mod montecarlo;
mod report;

pub use report::{EntryReport, Link, PathStep, Report, ServiceReport, SoftDep};

use crate::error::{did_you_mean, InputError};
use crate::model::{validate, ArchSpec, DependencySpec, ServiceSpec};
use crate::topology::{BuildOptions, Placement, ServiceId, Topology};
use analytic::Structure;

/// Default mean time to repair an instance or a zone, in hours.
pub const DEFAULT_MTTR_H: f64 = 1.0;

/// Zone states of one region (how many zones of each group of interchangeable
/// zones are down) beyond which exact analysis is refused.
///
/// Why 2¹⁶: every state costs one k-of-n per service and, per weakest-link
/// candidate (each needed service, and the zones), one pass of the entry
/// points' structure functions; a what-if's "before" repeats it all. At this
/// limit (16 zones all different) a report on 16 services takes 0.14 s and on
/// 165 services 2.5 s (release build, one core); the time doubles with each
/// further zone of the worst case, to minutes at 26. Real placements stay far
/// below: round-robin makes the zones of a region differ only in which
/// services have one instance more, so there are at most as many groups as
/// distinct `count mod zones` among services, plus one (netflixoss over 26
/// zones has 5 groups and 1,792 states, where 2²⁶ is 67,108,864; enumerating
/// subsets, `--zones 26` took 7 minutes).
pub const MAX_ZONE_STATES: u64 = 1 << 16;

/// A workshop's what-if questions, applied to the file before analysis.
#[derive(Debug, Clone, Default)]
pub struct WhatIf {
    /// Every instance of every service gets this availability.
    pub instance_availability: Option<f64>,
    /// Zones per region.
    pub zones: Option<u32>,
    /// Every dependency on these services becomes `"critical": false`.
    /// (Errors about the questions name these fields, `instance_availability`,
    /// `zones` and `make_noncritical`; front ends say them in their words.)
    pub noncritical: Vec<String>,
}

impl WhatIf {
    /// Whether any question is asked.
    pub fn is_empty(&self) -> bool {
        self.instance_availability.is_none() && self.zones.is_none() && self.noncritical.is_empty()
    }

    /// The questions in words, in the order of the flags.
    pub fn describe(&self) -> Vec<String> {
        let mut v = Vec::new();
        if let Some(a) = self.instance_availability {
            v.push(format!("every instance at availability {a}"));
        }
        if let Some(z) = self.zones {
            v.push(format!("{z} zone(s) per region"));
        }
        for s in &self.noncritical {
            v.push(format!("calls to {s} fail soft (critical: false)"));
        }
        v
    }

    /// The architecture with the questions applied, validated again.
    pub fn apply(&self, spec: &ArchSpec) -> Result<ArchSpec, InputError> {
        let mut out = spec.clone();
        if let Some(a) = self.instance_availability {
            if !(a > 0.0 && a <= 1.0) {
                return Err(InputError::at(
                    "instance_availability",
                    format!("{a} is outside (0, 1]."),
                )
                .hint("write a fraction, e.g. 0.999 for three nines."));
            }
            for s in &mut out.services {
                s.availability = Some(a);
                s.mtbf_h = None;
            }
        }
        if let Some(z) = self.zones {
            out.zones = z;
            if !(1..=crate::model::LIMITS.max_zones).contains(&z) {
                return Err(
                    InputError::at("zones", format!("{z} zones is outside 1..=26."))
                        .hint("use 1 to 26 zones per region, e.g. 3 as AWS regions have."),
                );
            }
        }
        for name in &self.noncritical {
            let Some(_) = spec.services.iter().find(|s| &s.name == name) else {
                let names = spec.services.iter().map(|s| s.name.as_str());
                let e = InputError::at(
                    "make_noncritical",
                    format!("\"{name}\" is not a service of this architecture."),
                );
                return Err(match did_you_mean(name, names) {
                    Some(best) => e.hint(format!("did you mean \"{best}\"?")),
                    None => e.hint("name a service of the file (microsim validate lists the file's services through its errors, or read its \"services\")."),
                });
            };
            let mut callers = 0;
            for s in &mut out.services {
                for d in s.dependencies.iter_mut().flatten() {
                    if d.service() == name {
                        let mut o = d.options();
                        o.critical = false;
                        *d = DependencySpec::Call(Box::new(o));
                        callers += 1;
                    }
                }
            }
            if callers == 0 {
                return Err(InputError::at(
                    "make_noncritical",
                    format!("nothing depends on \"{name}\", so there is no call to make non-critical."),
                )
                .hint("name a service that others call; an entry point's own failures cannot fail soft."));
            }
        }
        validate(&out)?;
        Ok(out)
    }
}

/// What a file says about failures: per service, one instance's availability
/// and mean time to repair; per zone, the same. The analysis, its Monte Carlo
/// check and a run with failures on (`RunOptions::failures`) all read them here.
#[derive(Debug, Clone, PartialEq)]
pub struct Figures {
    /// Availability of one instance, per service (in the file's order, which
    /// is the topology's service ids): `availability`, or
    /// `mtbf_h / (mtbf_h + mttr_h)`, or 1.0.
    pub instance_availability: Vec<f64>,
    /// Mean time to repair one instance, in hours, per service.
    pub mttr_h: Vec<f64>,
    /// Availability of one zone (1.0 without `zone_availability`).
    pub zone_availability: f64,
    /// Mean time to repair a zone, in hours.
    pub zone_mttr_h: f64,
}

impl Figures {
    /// The figures of a validated architecture, defaults filled in.
    pub fn of(spec: &ArchSpec) -> Figures {
        let (instance_availability, mttr_h) = spec.services.iter().map(Self::of_instance).unzip();
        Figures {
            instance_availability,
            mttr_h,
            zone_availability: spec.zone_availability.unwrap_or(1.0),
            zone_mttr_h: spec.zone_mttr_h.unwrap_or(DEFAULT_MTTR_H),
        }
    }

    /// One instance of service `s`: its availability (`availability`, or
    /// `mtbf_h / (mtbf_h + mttr_h)`, or 1.0) and mean time to repair in hours.
    pub fn of_instance(s: &ServiceSpec) -> (f64, f64) {
        let mttr = s.mttr_h.unwrap_or(DEFAULT_MTTR_H);
        let a = match (s.availability, s.mtbf_h) {
            (Some(a), _) => a,
            (None, Some(mtbf)) => formulas::from_mtbf(mtbf, mttr),
            (None, None) => 1.0,
        };
        (a, mttr)
    }

    /// Whether anything can fail: some instance or the zones below 1.
    pub fn any_fail(&self) -> bool {
        self.zone_availability < 1.0 || self.instance_availability.iter().any(|&a| a < 1.0)
    }
}

/// An architecture ready for availability analysis.
#[derive(Debug, Clone)]
pub struct Model {
    /// The placed architecture.
    pub topo: Topology,
    /// Which services each request needs.
    pub structure: Structure,
    /// Availability of one instance, per service.
    pub instance_availability: Vec<f64>,
    /// Mean time to repair one instance, in hours, per service.
    pub mttr_h: Vec<f64>,
    /// Availability of one zone.
    pub zone_availability: f64,
    /// Mean time to repair a zone, in hours.
    pub zone_mttr_h: f64,
    /// Interchangeable zones of one region, grouped; zones that hold no
    /// instance are left out, as their outages change nothing.
    zone_groups: Vec<ZoneGroup>,
    /// Per service, whether zone outages take its instances (global and
    /// regional nodes are in no zone).
    zoned: Vec<bool>,
}

/// Zones of one region that hold the same number of instances of every
/// service. Any j of them down leave the same instances up, so the analysis
/// enumerates j = 0..=zones instead of the 2^zones subsets, weighting each j
/// by the binomial C(zones, j) pʲ(1−p)^(zones−j) of exactly j being down.
#[derive(Debug, Clone, PartialEq, Eq)]
struct ZoneGroup {
    /// Zones in the group.
    zones: u32,
    /// Per service id, its instances in each zone of the group (0 for
    /// services in no zone).
    per_zone: Vec<u32>,
}

/// Whether to pretend zones never fail (to measure what their outages cost;
/// a perfect service is [`Model::entries_if_perfect`]'s business).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Perfect {
    Nothing,
    Zones,
}

impl Model {
    /// Places a validated architecture and derives its structure function.
    pub fn new(spec: &ArchSpec, opts: &BuildOptions) -> Result<Model, InputError> {
        let topo = Topology::build(spec, opts)?;
        let structure = Structure::of(&topo)?;
        let Figures {
            instance_availability,
            mttr_h,
            zone_availability,
            zone_mttr_h,
        } = Figures::of(spec);
        let zoned: Vec<bool> = topo
            .services
            .iter()
            .map(|s| s.placement == Placement::Zoned)
            .collect();
        let zone_groups = zone_groups(&topo, &zoned);
        let states = states_of(&zone_groups);
        if zone_availability < 1.0 && states > MAX_ZONE_STATES {
            return Err(too_many_zone_states(topo.zones, zone_groups.len(), states));
        }
        Ok(Model {
            topo,
            structure,
            instance_availability,
            mttr_h,
            zone_availability,
            zone_mttr_h,
            zone_groups,
            zoned,
        })
    }

    /// Zone states of one region each figure is summed over: 1 without zone
    /// outages, else the product over groups of interchangeable zones of one
    /// more than the group's size (0..=size of them down). At most
    /// [`MAX_ZONE_STATES`], and never more than 2^zones.
    pub fn zone_state_count(&self) -> u64 {
        if self.zone_availability >= 1.0 {
            1
        } else {
            states_of(&self.zone_groups)
        }
    }

    /// Availability of each service's own instances (k of n) when `down[g]`
    /// zones of each group g are out.
    fn own_given(&self, down: &[u32]) -> Vec<f64> {
        let topo = &self.topo;
        (0..topo.services.len())
            .map(|i| {
                let n = if self.zoned[i] {
                    self.zone_groups
                        .iter()
                        .zip(down)
                        .map(|(g, &d)| (g.zones - d) * g.per_zone[i])
                        .sum()
                } else {
                    1
                };
                formulas::k_of_n(topo.services[i].quorum, n, self.instance_availability[i])
            })
            .collect()
    }

    /// Every zone state of one region, as (probability, zones down per group):
    /// each group's count down runs over 0..=size with its binomial weight, so
    /// the probabilities sum to 1 and the expectation is that of the 2^zones
    /// subsets, exactly.
    fn zone_states(&self, perfect: Perfect) -> Vec<(f64, Vec<u32>)> {
        let a = self.zone_availability;
        let groups = &self.zone_groups;
        if a >= 1.0 || perfect == Perfect::Zones {
            return vec![(1.0, vec![0; groups.len()])];
        }
        // weight[g][j]: exactly j of group g's zones down.
        let weight: Vec<Vec<f64>> = groups
            .iter()
            .map(|g| {
                (0..=g.zones)
                    .map(|j| {
                        binomial(g.zones, j)
                            * libm::pow(1.0 - a, f64::from(j))
                            * libm::pow(a, f64::from(g.zones - j))
                    })
                    .collect()
            })
            .collect();
        let mut states = Vec::with_capacity(states_of(groups) as usize);
        let mut down = vec![0u32; groups.len()];
        loop {
            let p = down
                .iter()
                .zip(&weight)
                .map(|(&j, w)| w[j as usize])
                .product();
            states.push((p, down.clone()));
            // Next state, odometer-wise; done when every digit wrapped.
            let mut g = 0;
            loop {
                if g == groups.len() {
                    return states;
                }
                down[g] += 1;
                if down[g] <= groups[g].zones {
                    break;
                }
                down[g] = 0;
                g += 1;
            }
        }
    }

    /// Expected own and end-to-end availability of every service. Each is a
    /// probability: sums of weights that add up to 1 only up to rounding are
    /// clamped to [0, 1], so no figure reads above 1.
    fn expected(&self, perfect: Perfect) -> (Vec<f64>, Vec<f64>) {
        let n = self.topo.services.len();
        let (mut own, mut e2e) = (vec![0.0; n], vec![0.0; n]);
        for (p, down) in self.zone_states(perfect) {
            let up = self.own_given(&down);
            let served = self.structure.evaluate(&up);
            for i in 0..n {
                own[i] += p * up[i];
                e2e[i] += p * served[i];
            }
        }
        for x in own.iter_mut().chain(&mut e2e) {
            *x = x.clamp(0.0, 1.0);
        }
        (own, e2e)
    }

    /// Each entry point's availability (in `topo.entry_points` order) if
    /// service `t` never failed, for each `t` of `perfect`, clamped as
    /// [`Model::expected`]'s. One pass over the zone states: a state's k-of-n
    /// figures are computed once and shared by every candidate, and only the
    /// entry points' structure functions are evaluated, so the weakest links
    /// cost states × (services + candidates × entry points' terms) instead of
    /// a whole analysis per candidate.
    fn entries_if_perfect(&self, perfect: &[ServiceId]) -> Vec<Vec<f64>> {
        let entries = &self.topo.entry_points;
        let mut out = vec![vec![0.0; entries.len()]; perfect.len()];
        for (p, down) in self.zone_states(Perfect::Nothing) {
            let mut up = self.own_given(&down);
            for (sums, &t) in out.iter_mut().zip(perfect) {
                let own = std::mem::replace(&mut up[t as usize], 1.0);
                for (sum, &e) in sums.iter_mut().zip(entries) {
                    *sum += p * self.structure.evaluate_at(e, &up);
                }
                up[t as usize] = own;
            }
        }
        for x in out.iter_mut().flatten() {
            *x = x.clamp(0.0, 1.0);
        }
        out
    }

    /// End-to-end availability of each entry point (in `topo.entry_points` order).
    pub fn end_to_end(&self) -> Vec<f64> {
        let (_, e2e) = self.expected(Perfect::Nothing);
        self.topo
            .entry_points
            .iter()
            .map(|&e| e2e[e as usize])
            .collect()
    }

    /// The full analysis: every service, every entry point's critical path and
    /// weakest links.
    pub fn analyse(&self) -> Report {
        report::build(self)
    }
}

/// Groups the zones of region 0 (regions are copies) by the instances each
/// holds, in order of first zone; zones holding nothing are dropped.
fn zone_groups(topo: &Topology, zoned: &[bool]) -> Vec<ZoneGroup> {
    let n = topo.services.len();
    let mut per_zone = vec![vec![0u32; n]; topo.zones as usize];
    for (s, _) in zoned.iter().enumerate().filter(|&(_, &z)| z) {
        for i in topo.instances_in(s as ServiceId, 0) {
            per_zone[topo.instances[i as usize].zone as usize][s] += 1;
        }
    }
    let mut groups: Vec<ZoneGroup> = Vec::new();
    for counts in per_zone {
        if counts.iter().all(|&c| c == 0) {
            continue;
        }
        match groups.iter_mut().find(|g| g.per_zone == counts) {
            Some(g) => g.zones += 1,
            None => groups.push(ZoneGroup {
                zones: 1,
                per_zone: counts,
            }),
        }
    }
    groups
}

/// Π (size + 1) over groups: every combination of how many of each are down.
fn states_of(groups: &[ZoneGroup]) -> u64 {
    groups
        .iter()
        .fold(1u64, |acc, g| acc.saturating_mul(u64::from(g.zones) + 1))
}

/// C(n, j) as a float; exact for the ≤ 26 zones of a region (C(26, 13) is
/// about 10⁷, far below 2⁵³).
fn binomial(n: u32, j: u32) -> f64 {
    let j = j.min(n - j);
    (0..j).fold(1.0, |c, i| c * f64::from(n - i) / f64::from(i + 1))
}

fn too_many_zone_states(zones: u32, groups: usize, states: u64) -> InputError {
    InputError::at(
        "zones",
        format!(
            "the {zones} zones of a region hold {groups} different sets of instances, so exact availability analysis would weigh {states} zone states (the product over groups of zones holding the same instances of one more than the group's size), above the limit of {MAX_ZONE_STATES}."
        ),
    )
    .hint("use fewer zones, or instance counts that are multiples of the zones (or the same for several services), so that more zones hold the same instances.")
}

/// Parses nothing, reads nothing: applies `what_if` to `spec` and analyses both.
/// Returns (before, after); `after` is `None` when no question is asked.
pub fn analyse_with(
    spec: &ArchSpec,
    opts: &BuildOptions,
    what_if: &WhatIf,
) -> Result<(Report, Option<Report>), InputError> {
    let before = Model::new(spec, opts)?.analyse();
    if what_if.is_empty() {
        return Ok((before, None));
    }
    let changed = what_if.apply(spec)?;
    Ok((before, Some(Model::new(&changed, opts)?.analyse())))
}
