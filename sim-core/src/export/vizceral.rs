//! Vizceral's traffic graph (Netflix's traffic viewer): a `global` graph of
//! regions, each a `region` graph of services; every connection carries
//! `metrics { normal, danger }` in requests per second, and every node a
//! `class` from its health (normal, warning, danger).

use std::collections::BTreeMap;

use serde_json::{json, Value};

use super::flows::{by_place, region_name, Traffic};
use crate::metrics::{Flows, Stats};
use crate::topology::{Topology, GLOBAL};

/// Health class from an error ratio: ≥ 5 % danger, ≥ 0.5 % warning.
pub fn class(failed: u64, total: u64) -> &'static str {
    let r = if total == 0 {
        0.0
    } else {
        failed as f64 / total as f64
    };
    if r >= 0.05 {
        "danger"
    } else if r >= 0.005 {
        "warning"
    } else {
        "normal"
    }
}

fn metrics(t: Traffic, seconds: f64) -> Value {
    let s = seconds.max(1e-9);
    json!({ "normal": (t.calls - t.failed) as f64 / s, "danger": t.failed as f64 / s })
}

/// Builds vizceral.json. Global services (DNS) appear as the `INTERNET` node
/// that feeds each region, as Vizceral expects.
pub fn vizceral(
    topo: &Topology,
    flows: &Flows,
    stats: &[Stats],
    seconds: f64,
    updated_ms: u64,
) -> Value {
    let edges = by_place(flows);
    let mut into_region: BTreeMap<u16, Traffic> = BTreeMap::new();
    let mut inside: BTreeMap<u16, Vec<Value>> = BTreeMap::new();
    for (&((fs, fr), (ts, tr)), &t) in &edges {
        if fr == GLOBAL && tr != GLOBAL {
            let e = into_region.entry(tr).or_default();
            e.calls += t.calls;
            e.failed += t.failed;
            inside.entry(tr).or_default().push(json!({
                "source": "INTERNET",
                "target": topo.services[ts as usize].name,
                "metrics": metrics(t, seconds),
                "class": class(t.failed, t.calls),
            }));
        } else if fr == tr && fr != GLOBAL {
            inside.entry(fr).or_default().push(json!({
                "source": topo.services[fs as usize].name,
                "target": topo.services[ts as usize].name,
                "metrics": metrics(t, seconds),
                "class": class(t.failed, t.calls),
            }));
        }
    }
    let mut regions = vec![json!({ "renderer": "region", "name": "INTERNET", "class": "normal" })];
    let mut max_volume: f64 = 0.0;
    for r in 0..topo.regions.len() as u16 {
        let mut nodes = vec![json!({ "name": "INTERNET", "class": "normal" })];
        let mut failed = 0;
        let mut total = 0;
        for (sid, s) in topo.services.iter().enumerate() {
            if s.placement == crate::topology::Placement::Global || s.regions <= u32::from(r) {
                continue;
            }
            let st = &stats[sid];
            failed += st.failed();
            total += st.answered();
            nodes.push(json!({ "name": s.name, "class": class(st.failed(), st.answered()) }));
        }
        let conns = inside.remove(&r).unwrap_or_default();
        let volume: f64 = conns
            .iter()
            .map(|c| {
                c["metrics"]["normal"].as_f64().unwrap_or(0.0)
                    + c["metrics"]["danger"].as_f64().unwrap_or(0.0)
            })
            .sum();
        max_volume = max_volume.max(volume);
        regions.push(json!({
            "renderer": "region",
            "name": region_name(topo, r),
            "class": class(failed, total),
            "maxVolume": volume,
            "updated": updated_ms,
            "nodes": nodes,
            "connections": conns,
        }));
    }
    let connections: Vec<Value> = into_region
        .iter()
        .map(|(&r, &t)| {
            json!({
                "source": "INTERNET",
                "target": region_name(topo, r),
                "metrics": metrics(t, seconds),
                "class": class(t.failed, t.calls),
            })
        })
        .collect();
    json!({
        "renderer": "global",
        "name": topo.arch,
        "maxVolume": max_volume,
        "serverUpdateTime": updated_ms,
        "nodes": regions,
        "connections": connections,
    })
}

#[cfg(test)]
mod tests {
    use super::class;

    #[test]
    fn classes_by_error_ratio() {
        assert_eq!(class(0, 0), "normal");
        assert_eq!(class(4, 1000), "normal");
        assert_eq!(class(5, 1000), "warning");
        assert_eq!(class(50, 1000), "danger");
    }
}
