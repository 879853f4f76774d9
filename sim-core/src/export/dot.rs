//! Graphviz DOT: services as nodes, clustered by region; edges labelled with
//! request rate and error percentage.

use std::collections::BTreeSet;
use std::io::{self, Write};

use super::flows::{by_place, region_name, Place};
use crate::metrics::Flows;
use crate::topology::{Topology, GLOBAL};

/// Quotes a DOT identifier; a newline becomes DOT's `\n` line break.
fn q(s: &str) -> String {
    let escaped = s
        .replace('\\', "\\\\")
        .replace('"', "\\\"")
        .replace('\n', "\\n");
    format!("\"{escaped}\"")
}

fn node_id(topo: &Topology, (sid, r): Place) -> String {
    let name = &topo.services[sid as usize].name;
    if r == GLOBAL {
        q(name)
    } else {
        q(&format!("{name}@{}", region_name(topo, r)))
    }
}

/// Writes graph.dot; `seconds` converts call counts into rates.
pub fn write_dot<W: Write + ?Sized>(
    w: &mut W,
    topo: &Topology,
    flows: &Flows,
    seconds: f64,
) -> io::Result<()> {
    let edges = by_place(flows);
    let places: BTreeSet<Place> = topo.places().collect();
    writeln!(w, "digraph {} {{", q(&topo.arch))?;
    writeln!(w, "  rankdir=LR;")?;
    writeln!(
        w,
        "  node [shape=box, style=rounded, fontname=\"Helvetica\"];"
    )?;
    let mut regions: Vec<u16> = places.iter().map(|p| p.1).collect();
    regions.sort_unstable();
    regions.dedup();
    for r in regions {
        let indent = if r == GLOBAL { "  " } else { "    " };
        if r != GLOBAL {
            writeln!(
                w,
                "  subgraph {} {{",
                q(&format!("cluster_{}", region_name(topo, r)))
            )?;
            writeln!(w, "    label={};", q(region_name(topo, r)))?;
        }
        for p in places.iter().filter(|p| p.1 == r) {
            let s = &topo.services[p.0 as usize];
            let pkg = serde_json::to_value(s.package).expect("package");
            writeln!(
                w,
                "{indent}{} [label={}];",
                node_id(topo, *p),
                q(&format!(
                    "{}\n{} x{}",
                    s.name,
                    pkg.as_str().unwrap_or(""),
                    s.per_region
                ))
            )?;
        }
        if r != GLOBAL {
            writeln!(w, "  }}")?;
        }
    }
    for ((a, b), t) in &edges {
        let rate = t.calls as f64 / seconds.max(1e-9);
        let err = if t.calls == 0 {
            0.0
        } else {
            100.0 * t.failed as f64 / t.calls as f64
        };
        let colour = if err >= 1.0 { ", color=red" } else { "" };
        writeln!(
            w,
            "  {} -> {} [label={}{colour}];",
            node_id(topo, *a),
            node_id(topo, *b),
            q(&format!("{rate:.1}/s, {err:.2}% err"))
        )?;
    }
    writeln!(w, "}}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quotes_identifiers() {
        assert_eq!(q(r#"a"b\c"#), r#""a\"b\\c""#);
        assert_eq!(q("a\nb"), r#""a\nb""#);
    }
}
