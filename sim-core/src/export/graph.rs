//! spigo's graph.json: `node`, `edge` and `done` entries with timestamps, so
//! spigo's viewer and ours read each other's files.
//!
//! Nodes are instances; an edge is written the first time one instance calls
//! another (the request-flow graph), not for every instance pair spigo's
//! discovery connected, which was quadratic.

use std::io::{self, Write};

use serde::Serialize;

use super::timestamp;
use crate::duration::Nanos;
use crate::metrics::Flows;
use crate::topology::{InstanceId, Topology};

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

/// Writes graph.json: header, every instance as a node at time 0, every edge at
/// its first use, and `done` for every instance at `end`.
pub fn write_graph<W: Write>(
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
    let names: Vec<String> = (0..topo.instances.len() as InstanceId)
        .map(|i| topo.instance_name(i))
        .collect();
    let t0 = timestamp(0);
    let mut first = true;
    let mut entry = |w: &mut W, s: String| -> io::Result<()> {
        if !first {
            writeln!(w, ",")?;
        }
        first = false;
        write!(w, "    {s}")
    };
    for (i, inst) in topo.instances.iter().enumerate() {
        let package =
            serde_json::to_value(topo.services[inst.service as usize].package).expect("package");
        let e = NodeEntry {
            node: &names[i],
            package: package.as_str().unwrap_or(""),
            timestamp: &t0,
        };
        entry(w, serde_json::to_string(&e).expect("entry"))?;
    }
    for (n, f) in flows.all().iter().enumerate() {
        let id = format!("e{}", n + 1);
        let ts = timestamp(f.first);
        let e = EdgeEntry {
            edge: &id,
            source: &names[f.from as usize],
            target: &names[f.to as usize],
            timestamp: &ts,
        };
        entry(w, serde_json::to_string(&e).expect("entry"))?;
    }
    let te = timestamp(end);
    for name in &names {
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
