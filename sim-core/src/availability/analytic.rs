//! The structure function of an architecture: which services a request needs.
//!
//! A request arriving at a service succeeds when every service in some
//! *required set* R is up; which R depends on the request (a router picks one
//! branch, a call is made with some probability). So each service gets a
//! distribution over required sets, `Σ p_R [R ⊆ up]`, built bottom-up over the
//! petgraph service graph in reverse topological order:
//!
//! - **stores** (`store`, `cache`, `volume`, `priamCassandra`, `riak`): `{self}`.
//!   A ring's dependency on itself is replication to peers; it is never
//!   followed. The ring's resilience is its `quorum` (k of n instances), which
//!   enters through the store's own availability, not through recursion.
//! - **routers** (`denominator`, `elb`, `zuul`): `{self}` joined with the
//!   branch taken, each branch with probability weight / Σ weights.
//! - **services** (`karyon`, `monolith`): `{self}` joined with every critical
//!   dependency; a dependency called with `probability` q is needed by that
//!   share of requests. Several calls to one dependency need it once.
//! - **data access** (`staash`): as services, but cache-like dependencies are
//!   not counted: a failed cache read falls back to the store, so the store is
//!   what the request needs. (Conservative: with the store down, cache hits
//!   would still be answered; misses and writes would not, and we call a data
//!   layer without its system of record down.)
//! - a dependency that is not *hard* by [`crate::behaviour::on_failure`] —
//!   `"critical": false`, `"fallback": true`, a data-access layer's cache, or
//!   a call nobody waits for (`mirror`, `async`) — is never needed: the
//!   engine answers (degraded, or without noticing) when it fails. A
//!   detached dependency is no router branch either.
//!
//! Because sets are unions, a service reached along two paths (homepage and
//! login both needing subscriber) counts once: the result is exact for
//! independent services, where multiplying per-service figures down the graph
//! would count shared dependencies twice.

use std::collections::BTreeMap;

use crate::behaviour::{branches, on_failure, FanOut, OnFailure};
use crate::error::InputError;
use crate::topology::{ServiceId, Topology};

/// Distinct required sets per service beyond which exact analysis is refused
/// (each set is evaluated once per zone state and per what-if).
pub const MAX_SETS: usize = 1 << 16;

/// A set of services as a bit set (one bit per service id).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Bits(pub Vec<u64>);

impl Bits {
    fn empty(n: usize) -> Bits {
        Bits(vec![0; n.div_ceil(64).max(1)])
    }
    fn with(mut self, s: ServiceId) -> Bits {
        self.0[s as usize / 64] |= 1 << (s % 64);
        self
    }
    fn union(&self, o: &Bits) -> Bits {
        Bits(self.0.iter().zip(&o.0).map(|(a, b)| a | b).collect())
    }
    /// Whether service `s` is in the set.
    pub fn has(&self, s: ServiceId) -> bool {
        self.0[s as usize / 64] >> (s % 64) & 1 == 1
    }
    /// Whether every member is also in `up`.
    #[inline]
    pub fn subset_of(&self, up: &Bits) -> bool {
        self.0.iter().zip(&up.0).all(|(a, b)| a & !b == 0)
    }
    /// Members in increasing id order.
    pub fn members(&self) -> impl Iterator<Item = ServiceId> + '_ {
        (0..self.0.len() * 64)
            .map(|i| i as ServiceId)
            .filter(|&i| self.has(i))
    }
}

/// One required set and the share of requests that need exactly it.
#[derive(Debug, Clone)]
pub struct Term {
    /// Services that must all be up.
    pub set: Bits,
    /// Members, for fast products.
    pub members: Vec<ServiceId>,
    /// Share of requests.
    pub p: f64,
}

/// Required-set distributions of every service, plus the dependencies that do
/// not count, and a topological order (callers first).
#[derive(Debug, Clone)]
pub struct Structure {
    /// Per service id.
    pub demand: Vec<Vec<Term>>,
    /// (caller, dependency, why) for dependencies that are not needed.
    pub soft: Vec<(ServiceId, ServiceId, OnFailure)>,
    /// Service ids, every caller before what it calls.
    pub order: Vec<ServiceId>,
}

impl Structure {
    /// Builds the structure function of a topology (call cycles were refused by
    /// [`Topology::build`], so a topological order exists).
    pub fn of(topo: &Topology) -> Result<Structure, InputError> {
        let n = topo.services.len();
        let order: Vec<ServiceId> = petgraph::algo::toposort(&topo.graph, None)
            .expect("Topology::build refuses cycles")
            .into_iter()
            .map(|ix| topo.graph[ix])
            .collect();
        let mut sets: Vec<BTreeMap<Bits, f64>> = vec![BTreeMap::new(); n];
        let mut soft = Vec::new();
        for &sid in order.iter().rev() {
            let s = &topo.services[sid as usize];
            let own = Bits::empty(n).with(sid);
            let mut dist: BTreeMap<Bits, f64> = BTreeMap::new();
            match s.role.fan_out() {
                FanOut::Replicas => {
                    dist.insert(own, 1.0);
                }
                FanOut::OneByWeight => {
                    // Calls nobody waits for are no branch, and never needed.
                    for d in s.deps.iter().filter(|d| d.detached.is_some()) {
                        soft.push((sid, d.target, on_failure(s.role, d)));
                    }
                    let total: f64 = branches(s).map(|d| d.weight).sum();
                    if total <= 0.0 {
                        dist.insert(own.clone(), 1.0);
                    }
                    for d in branches(s).filter(|_| total > 0.0) {
                        let share = d.weight / total;
                        let on = on_failure(s.role, d);
                        if on != OnFailure::Fails {
                            soft.push((sid, d.target, on));
                            *dist.entry(own.clone()).or_default() += share;
                            continue;
                        }
                        for (set, p) in &sets[d.target as usize] {
                            *dist.entry(set.union(&own)).or_default() += share * p;
                        }
                    }
                }
                FanOut::Every => {
                    dist.insert(own, 1.0);
                    // Needed deps by target; several entries for one target are
                    // needed when any of their calls is made: 1 − Π(1 − qᵢ).
                    let mut need: BTreeMap<ServiceId, f64> = BTreeMap::new();
                    for d in &s.deps {
                        let on = on_failure(s.role, d);
                        if on != OnFailure::Fails {
                            soft.push((sid, d.target, on));
                            continue;
                        }
                        let miss = need.entry(d.target).or_insert(0.0);
                        *miss = 1.0 - (1.0 - *miss) * (1.0 - d.probability);
                    }
                    for (target, q) in need {
                        dist = join(&dist, &sets[target as usize], q);
                        if dist.len() > MAX_SETS {
                            return Err(too_many(topo, sid));
                        }
                    }
                }
            }
            if dist.len() > MAX_SETS {
                return Err(too_many(topo, sid));
            }
            sets[sid as usize] = dist;
        }
        let demand = sets
            .into_iter()
            .map(|m| {
                m.into_iter()
                    .filter(|(_, p)| *p > 0.0)
                    .map(|(set, p)| Term {
                        members: set.members().collect(),
                        set,
                        p,
                    })
                    .collect()
            })
            .collect();
        soft.sort_unstable_by_key(|&(a, b, _)| (a, b));
        soft.dedup_by_key(|&mut (a, b, _)| (a, b));
        Ok(Structure {
            demand,
            soft,
            order,
        })
    }

    /// Availability of a request arriving at each service, given the
    /// probability `up[t]` that each service is up (services independent):
    /// `Σ_R p_R Π_{t∈R} up[t]`.
    pub fn evaluate(&self, up: &[f64]) -> Vec<f64> {
        (0..self.demand.len())
            .map(|sid| self.evaluate_at(sid as ServiceId, up))
            .collect()
    }

    /// [`Structure::evaluate`] for requests arriving at `sid` only.
    pub fn evaluate_at(&self, sid: ServiceId, up: &[f64]) -> f64 {
        self.demand[sid as usize]
            .iter()
            .map(|t| t.p * t.members.iter().map(|&m| up[m as usize]).product::<f64>())
            .sum()
    }

    /// The same structure function on one up/down state (the Monte Carlo's
    /// view): the share of requests at `sid` that could be served now.
    pub fn served(&self, sid: ServiceId, up: &Bits) -> f64 {
        self.demand[sid as usize]
            .iter()
            .filter(|t| t.set.subset_of(up))
            .map(|t| t.p)
            .sum()
    }

    /// Share of the requests at `entry` that need service `t`.
    pub fn share(&self, entry: ServiceId, t: ServiceId) -> f64 {
        self.demand[entry as usize]
            .iter()
            .filter(|x| x.set.has(t))
            .map(|x| x.p)
            .sum()
    }

    /// An empty set of the right width, to fill with up services.
    pub fn no_services(&self) -> Bits {
        Bits::empty(self.demand.len())
    }
}

/// Adds `s` to a set.
pub fn insert(b: &mut Bits, s: ServiceId) {
    b.0[s as usize / 64] |= 1 << (s % 64);
}

/// Removes `s` from a set.
pub fn remove(b: &mut Bits, s: ServiceId) {
    b.0[s as usize / 64] &= !(1 << (s % 64));
}

/// Requests already needing `a`'s sets also need `b`'s with probability `q`.
fn join(a: &BTreeMap<Bits, f64>, b: &BTreeMap<Bits, f64>, q: f64) -> BTreeMap<Bits, f64> {
    let mut out = BTreeMap::new();
    for (sa, pa) in a {
        if q < 1.0 {
            *out.entry(sa.clone()).or_default() += pa * (1.0 - q);
        }
        if q > 0.0 {
            for (sb, pb) in b {
                *out.entry(sa.union(sb)).or_default() += pa * pb * q;
            }
        }
    }
    out
}

fn too_many(topo: &Topology, sid: ServiceId) -> InputError {
    let name = &topo.services[sid as usize].name;
    InputError::at(
        format!("service \"{name}\""),
        format!("requests at {name} can take more than {MAX_SETS} distinct paths through routers and optional calls, too many to analyse exactly."),
    )
    .hint("merge routers' branches or calls with the same dependencies, or analyse a part of the architecture.")
}

#[cfg(test)]
mod tests {
    use crate::availability::Model;
    use crate::model::load_arch;
    use crate::topology::BuildOptions;

    fn avail(text: &str, service: &str) -> f64 {
        let m = Model::new(&load_arch(text).unwrap(), &BuildOptions::default()).unwrap();
        m.analyse().services[service].availability
    }

    #[test]
    fn optional_calls_are_needed_by_their_share_of_requests() {
        let one = r#"{"arch":"t","services":[
            {"name":"d","package":"store","count":1,"availability":0.8},
            {"name":"s","package":"karyon","count":1,"dependencies":[{"service":"d","probability":0.5}]}]}"#;
        assert!((avail(one, "s") - 0.9).abs() < 1e-12);
        // Two optional entries for one dependency: needed when either is made (0.75).
        let two = r#"{"arch":"t","services":[
            {"name":"d","package":"store","count":1,"availability":0.8},
            {"name":"s","package":"karyon","count":1,"dependencies":[
                {"service":"d","probability":0.5},{"service":"d","probability":0.5,"calls":3}]}]}"#;
        assert!((avail(two, "s") - 0.85).abs() < 1e-12);
    }

    #[test]
    fn routers_weight_branches_and_rings_do_not_recurse() {
        let text = r#"{"arch":"t","services":[
            {"name":"ring","package":"priamCassandra","count":3,"quorum":2,"availability":0.9,"dependencies":["ring"]},
            {"name":"a","package":"karyon","count":1,"availability":0.5,"dependencies":["ring"]},
            {"name":"b","package":"karyon","count":1},
            {"name":"r","package":"zuul","count":1,"dependencies":[{"service":"a","weight":1},{"service":"b","weight":3}]}]}"#;
        let ring = 0.972; // 2 of 3 at 0.9: 3·0.81·0.1 + 0.729
        assert!((avail(text, "ring") - ring).abs() < 1e-12);
        assert!((avail(text, "r") - (0.25 * 0.5 * ring + 0.75)).abs() < 1e-12);
    }
}
