//! Service-level views of the flows, shared by the DOT and Vizceral writers.

use std::collections::BTreeMap;

use crate::metrics::Flows;
pub use crate::metrics::Place;
use crate::topology::{Topology, GLOBAL};

/// Calls and failures between two placed services.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Traffic {
    /// Calls made.
    pub calls: u64,
    /// Calls that failed.
    pub failed: u64,
}

/// (caller place, callee place) totals of every call, in a stable order.
pub fn by_place(flows: &Flows) -> BTreeMap<(Place, Place), Traffic> {
    flows
        .places()
        .iter()
        .map(|p| {
            (
                (p.from, p.to),
                Traffic {
                    calls: p.calls,
                    failed: p.failed,
                },
            )
        })
        .collect()
}

/// Display name of a region index.
pub fn region_name(topo: &Topology, r: u16) -> &str {
    if r == GLOBAL {
        "global"
    } else {
        &topo.regions[r as usize]
    }
}
