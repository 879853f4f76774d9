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
//!   states are enumerated exactly, so "survives one zone" designs get credit;
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
                        *d = DependencySpec::Call(o);
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
    /// Per service, its instances in each zone of one region (`None` for
    /// global and regional nodes, which no zone outage takes).
    zone_counts: Vec<Option<Vec<u32>>>,
}

/// What to pretend perfect when measuring how much a link costs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Perfect {
    Nothing,
    Service(ServiceId),
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
        let zone_counts = topo
            .services
            .iter()
            .map(|s| {
                (s.placement == Placement::Zoned).then(|| {
                    let mut c = vec![0u32; topo.zones as usize];
                    for i in topo.instances_in(topo.service_id(&s.name).expect("own name"), 0) {
                        c[topo.instances[i as usize].zone as usize] += 1;
                    }
                    c
                })
            })
            .collect();
        Ok(Model {
            topo,
            structure,
            instance_availability,
            mttr_h,
            zone_availability,
            zone_mttr_h,
            zone_counts,
        })
    }

    /// Availability of each service's own instances (k of n) when the zones
    /// in `down` (a bit mask) are out.
    fn own_given(&self, down: u32, perfect: Perfect) -> Vec<f64> {
        let topo = &self.topo;
        (0..topo.services.len())
            .map(|i| {
                if perfect == Perfect::Service(i as ServiceId) {
                    return 1.0;
                }
                let s = &topo.services[i];
                let n = match &self.zone_counts[i] {
                    Some(c) => (0..c.len())
                        .filter(|z| down >> z & 1 == 0)
                        .map(|z| c[z])
                        .sum(),
                    None => 1,
                };
                formulas::k_of_n(s.quorum, n, self.instance_availability[i])
            })
            .collect()
    }

    /// Zone states of one region worth counting, as (probability, down mask):
    /// all of them up to 12 zones, else by number of zones down until the rest
    /// is below 1e-15.
    fn zone_states(&self, perfect: Perfect) -> Vec<(f64, u32)> {
        let a = self.zone_availability;
        let z = self.topo.zones;
        if a >= 1.0 || perfect == Perfect::Zones {
            return vec![(1.0, 0)];
        }
        let mut states = Vec::new();
        let mut covered = 0.0;
        for d in 0..=z {
            let p = libm::pow(1.0 - a, f64::from(d)) * libm::pow(a, f64::from(z - d));
            let mut any = false;
            // Every mask of z bits with d bits set (Gosper's hack).
            let mut m: u64 = (1u64 << d) - 1;
            while m < 1u64 << z {
                states.push((p, m as u32));
                covered += p;
                any = true;
                if d == 0 {
                    break;
                }
                let c = m & m.wrapping_neg();
                let r = m + c;
                m = (((r ^ m) >> 2) / c) | r;
            }
            if !any || (z > 12 && 1.0 - covered < 1e-15) {
                break;
            }
        }
        states
    }

    /// Expected own and end-to-end availability of every service.
    fn expected(&self, perfect: Perfect) -> (Vec<f64>, Vec<f64>) {
        let n = self.topo.services.len();
        let (mut own, mut e2e) = (vec![0.0; n], vec![0.0; n]);
        for (p, down) in self.zone_states(perfect) {
            let up = self.own_given(down, perfect);
            let served = self.structure.evaluate(&up);
            for i in 0..n {
                own[i] += p * up[i];
                e2e[i] += p * served[i];
            }
        }
        (own, e2e)
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
