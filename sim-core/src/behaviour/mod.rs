//! What each spigo package does with a request — in one place, so that the
//! topology builder, the engine and the availability analysis ask the same
//! questions and get the same answers.
//!
//! | package | role | calls | defaults |
//! |---|---|---|---|
//! | `denominator`, `elb`, `zuul` | router | ONE dependency, by `weight` | 0.1 ms of work |
//! | `karyon`, `monolith` | service | EVERY dependency (each with its `probability` and `calls`), in parallel | 1 ms |
//! | `staash` | data access | cache-like dependencies first; the others on a miss (`hit_rate`, default 0.9) or a failed cache | 1 ms |
//! | `store`, `cache`, `volume`, `priamCassandra`, `riak` | store | nothing: a leaf; a dependency on itself is a ring that replicates each request to the next `replicas` (default 2) instances of its region | 1 ms |
//!
//! A dependency is *cache-like* when its package is `cache`, or `store` with
//! "cache" in its name (spigo's EVCache files). `eureka` is registration with
//! discovery, never a call; a store's dependencies on other services are
//! drawn but never called.
//!
//! **One rule for failures** ([`on_failure`]): a failed call (after its
//! retries) fails the caller only when the dependency is *hard* — critical,
//! without a fallback, and not a data-access layer's cache. A fallback or an
//! optional dependency answers in its place (the caller's answer is
//! *degraded*, which is an answer: it counts as ok), and a failed cache sends
//! the read to the store. The engine applies the rule to each call; the
//! availability analysis counts only hard dependencies — so a service behind
//! `"fallback": true` can never lower its caller's predicted availability, as
//! it never fails a request in a run.
//!
//! **Calls nobody waits for** ([`Detached`]): shadow traffic (`mirror`) and
//! async calls go out with the first stage and are never part of it — not
//! one of a router's branches, not counted in the stage — and their failures
//! never reach the caller.

mod detached;
mod plan;

pub use detached::{detached_of, plan_detached, Detached};
pub use plan::{plan_stage, target_of, Access, Launch, StageOutcome};

use crate::dist::Dist;
use crate::duration::MS;
use crate::model::Package;
use crate::topology::{Dependency, Service, Topology};

/// The request semantics of a package.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    /// denominator, elb, zuul: forward each request to ONE dependency (weighted).
    Router,
    /// karyon, monolith: call EVERY dependency (subject to probability and calls).
    Service,
    /// staash: call cache-like dependencies first; the rest only on a miss.
    DataAccess,
    /// store, cache, volume, priamCassandra, riak: leaves; a ring replicates to peers.
    Store,
}

/// Which of its dependencies a role calls for one request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FanOut {
    /// One dependency, chosen by weight.
    OneByWeight,
    /// Every dependency (a data-access layer: caches first, the rest on a miss).
    Every,
    /// None; a ring's peers receive replicas.
    Replicas,
}

/// Share of a data-access layer's reads its caches answer, unless the file says.
pub const DEFAULT_HIT_RATE: f64 = 0.9;
/// Peers a ring replicates each request to, unless the file says (with the
/// instance itself, Cassandra's usual replication factor of 3).
pub const DEFAULT_REPLICAS: u32 = 2;

impl Role {
    /// The role of a spigo package.
    pub fn of(p: Package) -> Role {
        match p {
            Package::Denominator | Package::Elb | Package::Zuul => Role::Router,
            Package::Karyon | Package::Monolith => Role::Service,
            Package::Staash => Role::DataAccess,
            Package::Store
            | Package::Cache
            | Package::Volume
            | Package::PriamCassandra
            | Package::Riak => Role::Store,
        }
    }

    /// Which dependencies a request calls.
    pub fn fan_out(self) -> FanOut {
        match self {
            Role::Router => FanOut::OneByWeight,
            Role::Service | Role::DataAccess => FanOut::Every,
            Role::Store => FanOut::Replicas,
        }
    }

    /// Work per request when the file gives no `service_time`: routers only
    /// forward (0.1 ms), everything else does a little work (1 ms).
    pub fn default_service_time(self) -> Dist {
        match self {
            Role::Router => Dist::constant(MS / 10),
            _ => Dist::constant(MS),
        }
    }
}

/// What a service's dependency on `target` (named `name`) is, as the
/// topology builder records it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Edge {
    /// A call made per request.
    Call,
    /// A store's dependency on itself: its ring of replica peers.
    Ring,
    /// Drawn in the graph, never called: a store's dependency on another service.
    DrawnOnly,
}

/// How a caller of role `caller` treats its dependency on service `target`.
pub fn edge(caller: Role, is_self: bool) -> Edge {
    match (caller, is_self) {
        (Role::Store, true) => Edge::Ring,
        (Role::Store, false) => Edge::DrawnOnly,
        _ => Edge::Call,
    }
}

/// Whether a dependency on a service of package `package` named `name` is
/// cache-like: read first by a data-access layer, its failure a miss.
pub fn is_cache_like(package: Package, name: &str) -> bool {
    matches!(package, Package::Cache)
        || (matches!(package, Package::Store) && name.to_ascii_lowercase().contains("cache"))
}

/// What a failed call (after its retries) to a dependency does to its caller.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OnFailure {
    /// A mirror or an async call: nobody waits for it, so nothing happens to the caller.
    Detached(Detached),
    /// The caller fails too (reason `dependency`): the dependency is hard.
    Fails,
    /// `"fallback": true`: a fallback answers; the caller's answer is degraded.
    FallsBack,
    /// `"critical": false`: the caller goes on without it, degraded.
    Optional,
    /// A data-access layer's cache: the read goes to the store instead.
    ReadsStore,
}

impl OnFailure {
    /// Whether the caller's answer is degraded (it hid a failure).
    pub fn degrades(self) -> bool {
        matches!(self, OnFailure::FallsBack | OnFailure::Optional)
    }

    /// Why a soft dependency does not count, in the availability report's words.
    pub fn reason(self) -> &'static str {
        match self {
            OnFailure::Detached(Detached::Mirror) => "mirror: shadow traffic, never waited for",
            OnFailure::Detached(Detached::Async) => "async: fire-and-forget, never waited for",
            OnFailure::Fails => "hard: its failure fails the caller",
            OnFailure::FallsBack => "fallback: answered degraded",
            OnFailure::Optional => "critical: false, fails soft",
            OnFailure::ReadsStore => "cache, falls back to the store",
        }
    }
}

/// The one rule (see the module doc): a call nobody waits for never fails its
/// caller; then a fallback wins, then an optional dependency, then a
/// data-access layer's cache; anything else is hard.
pub fn on_failure(caller: Role, dep: &Dependency) -> OnFailure {
    if let Some(d) = dep.detached {
        OnFailure::Detached(d)
    } else if dep.policy.fallback {
        OnFailure::FallsBack
    } else if !dep.critical {
        OnFailure::Optional
    } else if caller == Role::DataAccess && dep.cache_like {
        OnFailure::ReadsStore
    } else {
        OnFailure::Fails
    }
}

/// Calls one request arriving at each service sets off, itself included, on
/// average: along every path, each dependency's `calls` × `probability` ×
/// its attempts at their maximum (1 + retries); a router's branches weighted
/// by `weight`; a data-access layer's stores read on a miss (1 − `hit_rate`)
/// when it has caches (with a capacity, every read counted as a miss in every
/// zone); a ring's replicas. Calls nobody waits for count as
/// any other (they load their callee just the same), made by every request
/// with their probability (a mirror's percentage), outside a router's
/// branches and a data-access layer's misses. Services are visited callee first
/// (the call graph is acyclic), so this is linear in services and edges; a
/// chain that multiplies shows as a huge number, not a long wait.
pub fn fan_out(topo: &Topology) -> Vec<f64> {
    let order = petgraph::algo::toposort(&topo.graph, None).expect("call cycles are refused");
    let mut calls = vec![1.0f64; topo.services.len()];
    for ix in order.into_iter().rev() {
        let sid = topo.graph[ix] as usize;
        let s = &topo.services[sid];
        let one = |d: &Dependency| {
            let attempts = 1.0
                + d.policy
                    .retry
                    .as_ref()
                    .map_or(0.0, |r| f64::from(r.attempts));
            d.probability * f64::from(d.calls) * attempts * calls[d.target as usize]
        };
        let detached: f64 = s
            .deps
            .iter()
            .filter(|d| d.detached.is_some())
            .map(one)
            .sum();
        let below: f64 = match s.role.fan_out() {
            FanOut::OneByWeight => {
                let total: f64 = branches(s).map(|d| d.weight).sum();
                detached
                    + if total > 0.0 {
                        branches(s).map(|d| d.weight / total * one(d)).sum()
                    } else {
                        0.0
                    }
            }
            FanOut::Every if s.keyed_caches => {
                // A keyed read at its worst: a get in its own zone and in the
                // next, the stores, and a set in every copy; a write is no more.
                s.deps
                    .iter()
                    .map(|d| {
                        if d.copies > 0 {
                            (f64::from(d.copies.min(2)) + f64::from(d.copies)) * one(d)
                        } else {
                            one(d)
                        }
                    })
                    .sum()
            }
            FanOut::Every => {
                let has_cache = s.role == Role::DataAccess && branches(s).any(|d| d.cache_like);
                s.deps
                    .iter()
                    .map(|d| {
                        let miss = if has_cache && !d.cache_like && d.detached.is_none() {
                            1.0 - s.hit_rate
                        } else {
                            1.0
                        };
                        miss * one(d)
                    })
                    .sum()
            }
            FanOut::Replicas => f64::from(s.ring_replicas),
        };
        calls[sid] = 1.0 + below;
    }
    calls
}

/// A router's branches: its dependencies that are waited for (a detached
/// dependency is no branch; it is called besides whichever branch is taken).
pub fn branches(svc: &Service) -> impl Iterator<Item = &Dependency> + Clone {
    svc.deps.iter().filter(|d| d.detached.is_none())
}

/// Failed ring replications a store tolerates per request: with replication
/// factor RF (itself plus its peers) a write needs a quorum of RF/2 + 1 acks
/// (Cassandra's QUORUM), so RF − quorum peers may fail.
pub fn peer_failures_tolerated(svc: &Service) -> u32 {
    let rf = svc.ring_replicas + 1;
    rf - (rf / 2 + 1)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::load_arch;
    use crate::topology::{BuildOptions, Topology};

    #[test]
    fn one_rule_for_failures() {
        let t = Topology::build(
            &load_arch(
                r#"{"arch":"t","services":[
                {"name":"evcache","package":"store","count":1},
                {"name":"db","package":"store","count":1},
                {"name":"x","package":"store","count":1},
                {"name":"dal","package":"staash","count":1,"dependencies":["evcache","db",
                    {"service":"x","fallback":true},{"service":"x","critical":false}]}]}"#,
            )
            .unwrap(),
            &BuildOptions::default(),
        )
        .unwrap();
        let dal = &t.services[3];
        let got: Vec<OnFailure> = dal.deps.iter().map(|d| on_failure(dal.role, d)).collect();
        assert_eq!(
            got,
            [
                OnFailure::ReadsStore,
                OnFailure::Fails,
                OnFailure::FallsBack,
                OnFailure::Optional
            ]
        );
        assert_eq!(
            got.iter().map(|o| o.degrades()).collect::<Vec<_>>(),
            [false, false, true, true]
        );
        // A cache is cache-like to a data-access layer only; to a service it is hard.
        let mut svc = dal.clone();
        svc.role = Role::Service;
        assert_eq!(on_failure(svc.role, &svc.deps[0]), OnFailure::Fails);
    }

    #[test]
    fn fan_out_multiplies_along_paths_and_weighs_branches() {
        let t = Topology::build(
            &load_arch(
                r#"{"arch":"t","services":[
                {"name":"ring","package":"priamCassandra","count":3,"dependencies":["ring"]},
                {"name":"cache","package":"cache","count":1},
                {"name":"dal","package":"staash","count":1,"hit_rate":0.75,"dependencies":["cache","ring"]},
                {"name":"leaf","package":"store","count":1},
                {"name":"svc","package":"karyon","count":1,"dependencies":[
                    {"service":"dal","calls":3},{"service":"leaf","probability":0.5,"retries":2}]},
                {"name":"lb","package":"zuul","count":1,"dependencies":[{"service":"svc","weight":3},"leaf"]}]}"#,
            )
            .unwrap(),
            &BuildOptions::default(),
        )
        .unwrap();
        let f = fan_out(&t);
        assert_eq!(f[0], 3.0, "a ring request and its 2 replicas");
        // dal: itself + the cache + the ring on a quarter of requests.
        assert_eq!(f[2], 1.0 + 1.0 + 0.25 * 3.0);
        // svc: itself + 3 dal calls + half a leaf call tried up to 3 times.
        assert_eq!(f[4], 1.0 + 3.0 * 2.75 + 0.5 * 3.0);
        assert_eq!(f[5], 1.0 + 0.75 * f[4] + 0.25 * 1.0);
    }

    #[test]
    fn roles_defaults_and_edges() {
        assert_eq!(Role::of(Package::Zuul).fan_out(), FanOut::OneByWeight);
        assert_eq!(Role::of(Package::Staash).fan_out(), FanOut::Every);
        assert_eq!(Role::of(Package::Riak).fan_out(), FanOut::Replicas);
        assert_eq!(Role::Router.default_service_time(), Dist::constant(MS / 10));
        assert_eq!(edge(Role::Store, true), Edge::Ring);
        assert_eq!(edge(Role::Store, false), Edge::DrawnOnly);
        assert_eq!(edge(Role::Service, true), Edge::Call);
        assert!(is_cache_like(Package::Store, "EVCache"));
        assert!(!is_cache_like(Package::Store, "cassandra"));
        assert!(is_cache_like(Package::Cache, "memcached"));
    }
}
