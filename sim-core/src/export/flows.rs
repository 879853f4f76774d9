//! Service-level views of instance flows, shared by the DOT and Vizceral writers.

use std::collections::BTreeMap;

use crate::metrics::Flows;
use crate::topology::{ServiceId, Topology, GLOBAL};

/// A service in a region ([`GLOBAL`] for global services).
pub type Place = (ServiceId, u16);

/// Calls and failures between two placed services.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Traffic {
    /// Calls made.
    pub calls: u64,
    /// Calls that failed.
    pub failed: u64,
}

/// Sums instance flows into (caller place, callee place) totals, in a stable order.
pub fn by_place(topo: &Topology, flows: &Flows) -> BTreeMap<(Place, Place), Traffic> {
    let place = |i: u32| {
        let inst = topo.instances[i as usize];
        (inst.service, inst.region)
    };
    let mut out: BTreeMap<(Place, Place), Traffic> = BTreeMap::new();
    for f in flows.all() {
        let t = out.entry((place(f.from), place(f.to))).or_default();
        t.calls += f.calls;
        t.failed += f.failed;
    }
    out
}

/// Display name of a region index.
pub fn region_name(topo: &Topology, r: u16) -> &str {
    if r == GLOBAL {
        "global"
    } else {
        &topo.regions[r as usize]
    }
}
