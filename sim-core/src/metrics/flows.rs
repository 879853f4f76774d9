//! Who called whom: between *places* (a service in a region) always, and
//! between instances up to a stated number of pairs. Graph exports (graph.json,
//! GraphML, DOT, Vizceral) and the live view's edges are views of this record.
//!
//! Memory is bounded: place pairs are at most (services × regions)², and in
//! practice the dependency edges; instance pairs are capped (`max_edges`,
//! about 56 bytes each), because a large run touches millions of pairs and a
//! file listing them all is bigger than the run (340 MB of graph.json at 100x
//! scale before the cap). Calls between pairs past the cap still count at the
//! place level, so service-level views stay exact.

use rustc_hash::FxHashMap;

use crate::duration::Nanos;
use crate::topology::{InstanceId, ServiceId, Topology};

/// A service in a region ([`crate::topology::GLOBAL`] for global services).
pub type Place = (ServiceId, u16);

/// Calls from one instance (or place) to another.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Flow {
    /// First call.
    pub first: Nanos,
    /// Caller instance.
    pub from: InstanceId,
    /// Called instance.
    pub to: InstanceId,
    /// Calls made.
    pub calls: u64,
    /// Calls answered with a failure.
    pub failed: u64,
}

/// Calls from one place to another.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PlaceFlow {
    /// First call.
    pub first: Nanos,
    /// Caller's service and region.
    pub from: Place,
    /// Callee's service and region.
    pub to: Place,
    /// Calls made.
    pub calls: u64,
    /// Calls answered with a failure.
    pub failed: u64,
}

/// Handle of a call's flow: an instance flow index, or a place flow index
/// with this bit set when the pair was past the cap.
const PLACE_ONLY: u32 = 1 << 31;

/// All flows of a run, in order of first use.
#[derive(Debug, Default, Clone)]
pub struct Flows {
    index: FxHashMap<u64, u32>,
    pairs: Vec<Flow>,
    /// Place flow of each instance flow.
    place_of: Vec<u32>,
    places: FxHashMap<(Place, Place), u32>,
    by_place: Vec<PlaceFlow>,
    cap: u32,
    unrecorded: u64,
}

impl Flows {
    /// Records place flows, and instance flows up to `max_edges` distinct
    /// pairs (0: place flows only).
    pub fn new(max_edges: u32) -> Flows {
        Flows {
            cap: max_edges,
            ..Flows::default()
        }
    }

    /// Counts a call from instance `from` to `to` at `t`, and returns a handle
    /// to report its outcome later without another lookup.
    #[inline]
    pub fn call(&mut self, topo: &Topology, from: InstanceId, to: InstanceId, t: Nanos) -> u32 {
        let key = (u64::from(from) << 32) | u64::from(to);
        if let Some(&i) = self.index.get(&key) {
            self.pairs[i as usize].calls += 1;
            self.by_place[self.place_of[i as usize] as usize].calls += 1;
            return i;
        }
        let p = self.place_call(topo, from, to, t);
        if self.pairs.len() >= self.cap as usize {
            self.unrecorded += 1;
            return p | PLACE_ONLY;
        }
        let i = self.pairs.len() as u32;
        self.index.insert(key, i);
        self.pairs.push(Flow {
            first: t,
            from,
            to,
            calls: 1,
            failed: 0,
        });
        self.place_of.push(p);
        i
    }

    fn place_call(&mut self, topo: &Topology, from: InstanceId, to: InstanceId, t: Nanos) -> u32 {
        let place = |i: InstanceId| {
            let x = topo.instances[i as usize];
            (x.service, x.region)
        };
        let (a, b) = (place(from), place(to));
        let next = self.by_place.len() as u32;
        let p = *self.places.entry((a, b)).or_insert(next);
        if p == next {
            self.by_place.push(PlaceFlow {
                first: t,
                from: a,
                to: b,
                calls: 0,
                failed: 0,
            });
        }
        self.by_place[p as usize].calls += 1;
        p
    }

    /// Counts a failed answer on the flow of handle `h`.
    #[inline]
    pub fn failed(&mut self, h: u32) {
        if h & PLACE_ONLY != 0 {
            self.by_place[(h & !PLACE_ONLY) as usize].failed += 1;
        } else {
            self.pairs[h as usize].failed += 1;
            self.by_place[self.place_of[h as usize] as usize].failed += 1;
        }
    }

    /// Instance flows in order of first use (at most the cap).
    pub fn all(&self) -> &[Flow] {
        &self.pairs
    }

    /// Place flows in order of first use: every call is in one.
    pub fn places(&self) -> &[PlaceFlow] {
        &self.by_place
    }

    /// Whether instance pairs are recorded at all (graph files list instances).
    pub fn instance_level(&self) -> bool {
        self.cap > 0
    }

    /// Calls between instance pairs not recorded because the cap was reached.
    pub fn unrecorded(&self) -> u64 {
        self.unrecorded
    }

    /// The cap on instance pairs.
    pub fn cap(&self) -> u32 {
        self.cap
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::load_arch;
    use crate::topology::BuildOptions;

    #[test]
    fn counts_per_pair_in_first_use_order_and_places_past_the_cap() {
        let t = Topology::build(
            &load_arch(
                r#"{"arch":"t","services":[{"name":"b","package":"store","count":3},
                {"name":"a","package":"karyon","count":1,"dependencies":["b"]}]}"#,
            )
            .unwrap(),
            &BuildOptions::default(),
        )
        .unwrap();
        let mut f = Flows::new(2);
        let a = f.call(&t, 3, 0, 10);
        let b = f.call(&t, 3, 1, 20);
        assert_eq!(f.call(&t, 3, 0, 30), a);
        f.failed(b);
        assert_eq!(
            f.all()[0],
            Flow {
                first: 10,
                from: 3,
                to: 0,
                calls: 2,
                failed: 0
            }
        );
        assert_eq!(f.all()[1].failed, 1);
        // A third pair is past the cap: counted at the place level only.
        let c = f.call(&t, 3, 2, 40);
        f.failed(c);
        assert_eq!((f.all().len(), f.unrecorded()), (2, 1));
        let p = f.places();
        assert_eq!(p.len(), 1, "one place pair: a@us-east-1 → b@us-east-1");
        assert_eq!((p[0].calls, p[0].failed, p[0].first), (4, 2, 10));
        assert_eq!((p[0].from, p[0].to), ((1, 0), (0, 0)));
    }
}
