//! GraphML (graphml.graphdrawing.org): instances (or, for very large runs,
//! services per region) as nodes with service, package, region and zone;
//! flows as edges with call and failure counts.
//! networkx, Gephi, yEd and Cytoscape read it.

use std::io::{self, Write};

use crate::metrics::Flows;
use crate::topology::Topology;

/// Escapes text for XML attribute values and element content.
pub fn xml_escape(s: &str) -> String {
    let mut o = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => o.push_str("&amp;"),
            '<' => o.push_str("&lt;"),
            '>' => o.push_str("&gt;"),
            '"' => o.push_str("&quot;"),
            '\'' => o.push_str("&apos;"),
            c => o.push(c),
        }
    }
    o
}

/// Writes graph.graphml.
pub fn write_graphml<W: Write + ?Sized>(
    w: &mut W,
    topo: &Topology,
    flows: &Flows,
) -> io::Result<()> {
    writeln!(w, r#"<?xml version="1.0" encoding="UTF-8"?>"#)?;
    writeln!(
        w,
        r#"<graphml xmlns="http://graphml.graphdrawing.org/xmlns">"#
    )?;
    for (id, ty) in [
        ("service", "string"),
        ("package", "string"),
        ("region", "string"),
        ("zone", "string"),
    ] {
        writeln!(
            w,
            r#"  <key id="{id}" for="node" attr.name="{id}" attr.type="{ty}"/>"#
        )?;
    }
    for id in ["calls", "failed"] {
        writeln!(
            w,
            r#"  <key id="{id}" for="edge" attr.name="{id}" attr.type="long"/>"#
        )?;
    }
    writeln!(
        w,
        r#"  <graph id="{}" edgedefault="directed">"#,
        xml_escape(&topo.arch)
    )?;
    let view = super::graph::GraphView::of(topo, flows);
    let names: Vec<String> = view.names.iter().map(|n| xml_escape(n)).collect();
    for (i, &sid) in view.services.iter().enumerate() {
        let svc = &topo.services[sid as usize];
        let package = serde_json::to_value(svc.package).expect("package");
        let (region, zone) = &view.locations[i];
        writeln!(
            w,
            r#"    <node id="{}"><data key="service">{}</data><data key="package">{}</data><data key="region">{}</data><data key="zone">{}</data></node>"#,
            names[i],
            xml_escape(&svc.name),
            package.as_str().unwrap_or(""),
            xml_escape(region),
            zone
        )?;
    }
    for (n, &(_, from, to, calls, failed)) in view.edges.iter().enumerate() {
        writeln!(
            w,
            r#"    <edge id="e{}" source="{}" target="{}"><data key="calls">{}</data><data key="failed">{}</data></edge>"#,
            n + 1,
            names[from],
            names[to],
            calls,
            failed
        )?;
    }
    writeln!(w, "  </graph>")?;
    writeln!(w, "</graphml>")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_markup() {
        assert_eq!(xml_escape(r#"a<b>&"c'"#), "a&lt;b&gt;&amp;&quot;c&apos;");
    }
}
