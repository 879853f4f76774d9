//! spigo's graph.json: `node`, `edge` and `done` entries with timestamps, so
//! spigo's viewer and ours read each other's files.
//!
//! Nodes are instances; an edge is written the first time one instance calls
//! another (the request-flow graph), not for every instance pair spigo's
//! discovery connected, which was quadratic. Runs too large for that to be
//! useful list services per region instead ([`GraphView`]).

use std::io::{self, Write};

use serde::Serialize;

use super::timestamp;
use crate::duration::Nanos;
use crate::metrics::{Flows, Place};
use crate::topology::{InstanceId, Topology, GLOBAL};

#[derive(Serialize)]
struct NodeEntry<'a> {
    node: &'a str,
    package: &'a str,
    timestamp: &'a str,
}

#[derive(Serialize)]
struct EdgeEntry<'a> {
    edge: &'a str,
    source: &'a str,
    target: &'a str,
    timestamp: &'a str,
}

#[derive(Serialize)]
struct DoneEntry<'a> {
    done: &'a str,
    exit: &'a str,
    timestamp: &'a str,
}

/// The nodes and edges a graph file lists: instances and the instance pairs
/// recorded, or — for runs past [`crate::RunOptions::MAX_GRAPH_INSTANCES`] —
/// places (a service in a region, named as spigo names a regional node,
/// `arch.region.*.service`) and every place pair. Shared by graph.json and GraphML.
pub struct GraphView {
    /// Node names.
    pub names: Vec<String>,
    /// Per node: its service.
    pub services: Vec<crate::topology::ServiceId>,
    /// Per node: region and zone names (`*` for a node that spans them).
    pub locations: Vec<(String, String)>,
    /// Edges: (first use, from node, to node, calls, failed).
    pub edges: Vec<(Nanos, usize, usize, u64, u64)>,
}

impl GraphView {
    /// The view of a run's flows.
    pub fn of(topo: &Topology, flows: &Flows) -> GraphView {
        if flows.instance_level() {
            let n = topo.instances.len() as InstanceId;
            return GraphView {
                names: (0..n).map(|i| topo.instance_name(i)).collect(),
                services: topo.instances.iter().map(|x| x.service).collect(),
                locations: (0..n)
                    .map(|i| {
                        let (r, z) = topo.location(i);
                        (r.to_string(), z)
                    })
                    .collect(),
                edges: flows
                    .all()
                    .iter()
                    .map(|f| (f.first, f.from as usize, f.to as usize, f.calls, f.failed))
                    .collect(),
            };
        }
        let places: Vec<Place> = topo.places().collect();
        let index: std::collections::HashMap<Place, usize> =
            places.iter().enumerate().map(|(i, p)| (*p, i)).collect();
        let region = |r: u16| {
            if r == GLOBAL {
                "*".to_string()
            } else {
                topo.regions[r as usize].clone()
            }
        };
        GraphView {
            names: places
                .iter()
                .map(|&(s, r)| {
                    format!(
                        "{}.{}.*.{}",
                        topo.arch,
                        region(r),
                        topo.services[s as usize].name
                    )
                })
                .collect(),
            services: places.iter().map(|p| p.0).collect(),
            locations: places
                .iter()
                .map(|&(_, r)| (region(r), "*".to_string()))
                .collect(),
            edges: flows
                .places()
                .iter()
                .map(|p| (p.first, index[&p.from], index[&p.to], p.calls, p.failed))
                .collect(),
        }
    }
}

/// Writes graph.json: header, every node at time 0, every edge at its first
/// use, and `done` for every node at `end`.
pub fn write_graph<W: Write + ?Sized>(
    w: &mut W,
    topo: &Topology,
    flows: &Flows,
    args: &str,
    end: Nanos,
) -> io::Result<()> {
    let json = |v: &str| serde_json::to_string(v).expect("strings serialize");
    writeln!(w, "{{")?;
    writeln!(w, "  \"arch\":{},", json(&topo.arch))?;
    writeln!(
        w,
        "  \"version\":{},",
        json(concat!("microsim-", env!("CARGO_PKG_VERSION")))
    )?;
    writeln!(w, "  \"args\":{},", json(args))?;
    writeln!(w, "  \"date\":{},", json(&timestamp(0)))?;
    writeln!(w, "  \"graph\":[")?;
    let view = GraphView::of(topo, flows);
    let t0 = timestamp(0);
    let mut first = true;
    let mut entry = |w: &mut W, s: String| -> io::Result<()> {
        if !first {
            writeln!(w, ",")?;
        }
        first = false;
        write!(w, "    {s}")
    };
    for (name, &sid) in view.names.iter().zip(&view.services) {
        let package = serde_json::to_value(topo.services[sid as usize].package).expect("package");
        let e = NodeEntry {
            node: name,
            package: package.as_str().unwrap_or(""),
            timestamp: &t0,
        };
        entry(w, serde_json::to_string(&e).expect("entry"))?;
    }
    for (n, &(first, from, to, _, _)) in view.edges.iter().enumerate() {
        let id = format!("e{}", n + 1);
        let ts = timestamp(first);
        let e = EdgeEntry {
            edge: &id,
            source: &view.names[from],
            target: &view.names[to],
            timestamp: &ts,
        };
        entry(w, serde_json::to_string(&e).expect("entry"))?;
    }
    let te = timestamp(end);
    for name in &view.names {
        let e = DoneEntry {
            done: name,
            exit: "normal",
            timestamp: &te,
        };
        entry(w, serde_json::to_string(&e).expect("entry"))?;
    }
    writeln!(w)?;
    writeln!(w, "  ]")?;
    writeln!(w, "}}")
}
