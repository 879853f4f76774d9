//! A package's behaviour as a plan of call stages, at run time.
//!
//! Every behaviour is expressed through one mechanism: after its own work, an
//! instance runs stage 0, 1, … of its plan; each stage launches zero or more
//! calls in parallel and the next stage starts when they have all answered.
//! The engine owns the mechanics (queues, timing, replies); this module only
//! decides *which* calls a stage makes, from the semantics in [`super`], so
//! adding a package never copies engine code.
//!
//! A stage holds only calls that are waited for: dependencies nobody waits
//! for (mirrors, async calls) are planned by [`super::plan_detached`] and go
//! out beside stage 0.

use super::{branches, FanOut, Role};
use crate::rng::Stream;
use crate::topology::{Service, ServiceId};

/// One call a stage asks the engine to make.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Launch {
    /// Call dependency `dep` (index into [`Service::deps`]) of the service.
    Dep(u16),
    /// Replicate to the ring peer `k` positions after this instance (1-based).
    Peer(u32),
    /// Read the request's key from cache `dep`: from the caller's own zone's
    /// copy, or (`fallback`) from the next zone's.
    Get {
        /// Index into [`Service::deps`].
        dep: u16,
        /// The zone after the caller's own: EVCache's zone fallback.
        fallback: bool,
    },
    /// Set the request's key in cache `dep`, in the copy of zone `copy`
    /// (0 for a cache with one copy).
    Set {
        /// Index into [`Service::deps`].
        dep: u16,
        /// Which copy.
        copy: u8,
    },
}

/// What a stage found, to decide whether a later stage runs.
#[derive(Debug, Clone, Copy, Default)]
pub struct StageOutcome {
    /// Some call of the stage failed.
    pub any_failed: bool,
    /// Some cache read of the stage missed its key.
    pub missed: bool,
}

/// What a request does with its key, if it has one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Access {
    /// No key: caches answer by the data-access layer's `hit_rate`.
    Unkeyed,
    /// Reads its key.
    Read,
    /// Writes its key.
    Write,
}

/// The steps of EVCache's look-aside plan for a keyed read, in stage order.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Step {
    /// Read the key from the own zone's copy.
    Get,
    /// On a miss (or a failed read), from the next zone's copy.
    Fallback,
    /// On a miss, read the stores.
    Store,
    /// After reading the store, set the key in every copy.
    Fill,
    /// Nothing more.
    End,
}

/// Fills `out` with the calls stage `stage` makes, or returns false when the
/// plan is over (the instance then answers). `replica` marks a request that is
/// itself a ring replication, which is never replicated further; `access`
/// is what the request does with its key.
pub fn plan_stage(
    svc: &Service,
    stage: u8,
    replica: bool,
    access: Access,
    prev: StageOutcome,
    rng: &mut Stream,
    out: &mut Vec<Launch>,
) -> bool {
    out.clear();
    if access != Access::Unkeyed && svc.keyed_caches {
        return keyed_stage(svc, stage, access == Access::Write, prev, rng, out);
    }
    match (svc.role.fan_out(), svc.role, stage) {
        (FanOut::OneByWeight, _, 0) => {
            if let Some(d) = pick_weighted(svc, rng) {
                out.push(Launch::Dep(d));
            }
            true
        }
        (FanOut::Every, Role::Service, 0) => {
            every_dep(svc, rng, out, |_| true);
            true
        }
        (FanOut::Every, Role::DataAccess, 0) => {
            let has_cache = branches(svc).any(|d| d.cache_like);
            every_dep(svc, rng, out, |cache| cache || !has_cache);
            true
        }
        (FanOut::Every, Role::DataAccess, 1) => {
            let has_cache = branches(svc).any(|d| d.cache_like);
            // A miss (or a failed cache) goes on to the backing stores.
            if has_cache && (prev.any_failed || !rng.chance(svc.hit_rate)) {
                every_dep(svc, rng, out, |cache| !cache);
            }
            has_cache
        }
        (FanOut::Replicas, _, 0) if !replica => {
            out.extend((1..=svc.ring_replicas).map(Launch::Peer));
            true
        }
        _ => false,
    }
}

/// A data-access layer over caches with a capacity, for a keyed request
/// (EVCache's look-aside use, see [`crate::cache`]). A write writes the
/// stores and sets the key in every copy of every cache, in parallel, in one
/// stage. A read asks its own zone's copy; on a miss or a failure the next
/// zone's (when the cache keeps a copy per zone); on a miss there too the
/// stores; and after a store read sets the key in every copy, so the next
/// read hits. A hit ends the plan.
#[inline(never)] // only keyed requests take it: the common plan stays compact
fn keyed_stage(
    svc: &Service,
    stage: u8,
    write: bool,
    prev: StageOutcome,
    rng: &mut Stream,
    out: &mut Vec<Launch>,
) -> bool {
    let caches = || {
        svc.deps
            .iter()
            .enumerate()
            .filter(|(_, d)| d.copies > 0 && d.detached.is_none())
            .map(|(i, d)| (i as u16, d.copies))
    };
    let sets = |out: &mut Vec<Launch>| {
        for (dep, copies) in caches() {
            out.extend((0..copies).map(|copy| Launch::Set { dep, copy }));
        }
    };
    if write {
        if stage > 0 {
            return false;
        }
        every_dep(svc, rng, out, |cache| !cache);
        sets(out);
        return true;
    }
    let fallback = caches().any(|(_, copies)| copies > 1);
    let steps = if fallback {
        [Step::Get, Step::Fallback, Step::Store, Step::Fill]
    } else {
        [Step::Get, Step::Store, Step::Fill, Step::End]
    };
    let missed = prev.missed || prev.any_failed;
    match steps.get(usize::from(stage)).copied().unwrap_or(Step::End) {
        Step::Get => out.extend(caches().map(|(dep, _)| Launch::Get {
            dep,
            fallback: false,
        })),
        Step::Fallback if missed => out.extend(caches().filter(|&(_, copies)| copies > 1).map(
            |(dep, _)| Launch::Get {
                dep,
                fallback: true,
            },
        )),
        Step::Store if missed => every_dep(svc, rng, out, |cache| !cache),
        Step::Fill if !prev.any_failed => sets(out),
        _ => return false,
    }
    true
}

fn every_dep(
    svc: &Service,
    rng: &mut Stream,
    out: &mut Vec<Launch>,
    want_cache: impl Fn(bool) -> bool,
) {
    for (i, d) in svc.deps.iter().enumerate() {
        if d.detached.is_none() && want_cache(d.cache_like) && rng.chance(d.probability) {
            out.extend(std::iter::repeat_n(Launch::Dep(i as u16), d.calls as usize));
        }
    }
}

/// One of the router's branches by weight (never a detached dependency).
fn pick_weighted(svc: &Service, rng: &mut Stream) -> Option<u16> {
    let total: f64 = branches(svc).map(|d| d.weight).sum();
    if branches(svc).next().is_none() || total <= 0.0 {
        return None;
    }
    let mut x = rng.uniform() * total;
    let mut last = 0;
    for (i, d) in svc.deps.iter().enumerate() {
        if d.detached.is_some() {
            continue;
        }
        if x < d.weight {
            return Some(i as u16);
        }
        x -= d.weight;
        last = i;
    }
    Some(last as u16)
}

/// The service a launch calls (peers call the caller's own service).
pub fn target_of(svc: &Service, own: ServiceId, l: Launch) -> ServiceId {
    match l {
        Launch::Dep(d) | Launch::Get { dep: d, .. } | Launch::Set { dep: d, .. } => {
            svc.deps[d as usize].target
        }
        Launch::Peer(_) => own,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::load_arch;
    use crate::rng::Purpose;
    use crate::topology::{BuildOptions, Topology};

    fn topo() -> Topology {
        let text = r#"{"arch":"t","services":[
            {"name":"evcache","package":"store","count":3},
            {"name":"cass","package":"priamCassandra","count":6,"dependencies":["cass","eureka"]},
            {"name":"dal","package":"staash","count":2,"hit_rate":0.75,"dependencies":["evcache","cass"]},
            {"name":"a","package":"karyon","count":1},
            {"name":"b","package":"karyon","count":1},
            {"name":"svc","package":"karyon","count":2,"dependencies":["dal",{"service":"a","calls":3},{"service":"b","probability":0.25}]},
            {"name":"proxy","package":"zuul","count":2,"dependencies":[{"service":"a","weight":3},"b"]}]}"#;
        Topology::build(&load_arch(text).unwrap(), &BuildOptions::default()).unwrap()
    }

    #[test]
    fn router_sends_one_call_by_weight() {
        let t = topo();
        let mut rng = Stream::new(1, Purpose::Routing);
        let mut out = Vec::new();
        let mut to_a = 0;
        for _ in 0..40_000 {
            assert!(plan_stage(
                &t.services[6],
                0,
                false,
                Access::Unkeyed,
                StageOutcome::default(),
                &mut rng,
                &mut out
            ));
            assert_eq!(out.len(), 1);
            to_a += u32::from(out[0] == Launch::Dep(0));
        }
        // Binomial(40000, 0.75): sd ≈ 87; allow 5 sd.
        assert!((f64::from(to_a) - 30_000.0).abs() < 435.0, "{to_a}");
        assert!(!plan_stage(
            &t.services[6],
            1,
            false,
            Access::Unkeyed,
            StageOutcome::default(),
            &mut rng,
            &mut out
        ));
    }

    #[test]
    fn service_calls_every_dependency_with_probability_and_calls() {
        let t = topo();
        let mut rng = Stream::new(2, Purpose::Behaviour);
        let mut out = Vec::new();
        let mut b_calls = 0;
        for _ in 0..40_000 {
            plan_stage(
                &t.services[5],
                0,
                false,
                Access::Unkeyed,
                StageOutcome::default(),
                &mut rng,
                &mut out,
            );
            assert_eq!(out.iter().filter(|l| **l == Launch::Dep(0)).count(), 1);
            assert_eq!(out.iter().filter(|l| **l == Launch::Dep(1)).count(), 3);
            b_calls += out.iter().filter(|l| **l == Launch::Dep(2)).count();
        }
        assert!((b_calls as f64 - 10_000.0).abs() < 435.0, "{b_calls}");
    }

    #[test]
    fn data_access_tries_cache_first_then_store_on_miss() {
        let t = topo();
        let dal = &t.services[2];
        let mut rng = Stream::new(3, Purpose::Behaviour);
        let mut out = Vec::new();
        plan_stage(
            dal,
            0,
            false,
            Access::Unkeyed,
            StageOutcome::default(),
            &mut rng,
            &mut out,
        );
        assert_eq!(out, vec![Launch::Dep(0)]);
        let mut misses = 0;
        for _ in 0..40_000 {
            assert!(plan_stage(
                dal,
                1,
                false,
                Access::Unkeyed,
                StageOutcome::default(),
                &mut rng,
                &mut out
            ));
            misses += u32::from(!out.is_empty());
        }
        assert!((f64::from(misses) - 10_000.0).abs() < 435.0, "{misses}");
        plan_stage(
            dal,
            1,
            false,
            Access::Unkeyed,
            StageOutcome {
                any_failed: true,
                missed: false,
            },
            &mut rng,
            &mut out,
        );
        assert_eq!(
            out,
            vec![Launch::Dep(1)],
            "a failed cache always goes to the store"
        );
        assert_eq!(
            (
                super::super::on_failure(dal.role, &dal.deps[0]),
                super::super::on_failure(dal.role, &dal.deps[1])
            ),
            (
                super::super::OnFailure::ReadsStore,
                super::super::OnFailure::Fails
            )
        );
    }

    #[test]
    fn ring_replicates_once_and_only_from_the_coordinator() {
        let t = topo();
        let cass = &t.services[1];
        let mut rng = Stream::new(4, Purpose::Behaviour);
        let mut out = Vec::new();
        plan_stage(
            cass,
            0,
            false,
            Access::Unkeyed,
            StageOutcome::default(),
            &mut rng,
            &mut out,
        );
        assert_eq!(out, vec![Launch::Peer(1), Launch::Peer(2)]);
        assert!(!plan_stage(
            cass,
            0,
            true,
            Access::Unkeyed,
            StageOutcome::default(),
            &mut rng,
            &mut out
        ));
        assert!(
            !plan_stage(
                &t.services[0],
                0,
                false,
                Access::Unkeyed,
                StageOutcome::default(),
                &mut rng,
                &mut out
            ) || out.is_empty()
        );
    }
}
