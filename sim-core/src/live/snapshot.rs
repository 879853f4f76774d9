//! The live view, for the browser viewer and `microsim serve`: the topology
//! once, then snapshots — per instance state, request and error rates and mean
//! latency over the window since the previous snapshot, per instance pair the
//! call and error rates, new time-series rows, and the summary so far.
//!
//! Both the wasm viewer and the native WebSocket stream use this one builder
//! (through [`super::Session`]), so the page draws the same JSON whichever
//! side simulates.

use serde_json::{json, Value};

use crate::duration::Nanos;
use crate::engine::{InstanceState, Simulation};
use crate::topology::{InstanceId, Topology, GLOBAL};
use crate::Summary;

/// The topology as the viewer draws it: services with their instances and
/// dependencies (each with its kind), and instances with names, region and zone.
pub fn topology_json(topo: &Topology) -> Value {
    let services: Vec<Value> = topo
        .services
        .iter()
        .enumerate()
        .map(|(i, s)| {
            json!({
                "id": i,
                "name": s.name,
                "package": format!("{:?}", s.package).to_ascii_lowercase(),
                "first": s.first,
                "count": s.instance_count(),
                "deps": s.deps.iter().map(|d| d.target).collect::<Vec<_>>(),
                // Parallel to deps: "call", or "mirror"/"async" for a call
                // nobody waits for (the viewer dashes those edges).
                "dep_kinds": s.deps.iter().map(|d| d.detached.map_or("call", |k| k.key())).collect::<Vec<_>>(),
                "entry": topo.entry_points.contains(&(i as u32)),
            })
        })
        .zip(&topo.services)
        .map(|(mut v, s)| {
            // Only a service with versions says so: other files' topology
            // is unchanged. A snapshot's `version` indexes this list.
            if !s.versions.is_empty() {
                v["versions"] = json!(s.versions.iter().map(|x| x.name.as_str()).collect::<Vec<_>>());
            }
            v
        })
        .collect();
    let instances: Vec<Value> = (0..topo.instances.len() as InstanceId)
        .map(|id| {
            let x = topo.instances[id as usize];
            let (region, zone) = topo.location(id);
            json!([
                topo.instance_name(id),
                x.service,
                if x.region == GLOBAL {
                    -1
                } else {
                    i64::from(x.region)
                },
                region,
                zone
            ])
        })
        .collect();
    json!({
        "arch": topo.arch,
        "regions": topo.regions,
        "zones": (0..topo.zones).map(|z| format!("zone{}", (b'A' + z as u8) as char)).collect::<Vec<_>>(),
        "services": services,
        "instance_fields": ["name", "service", "region_index", "region", "zone"],
        "instance_states": InstanceState::ALL.iter().map(|s| s.name()).collect::<Vec<_>>(),
        "instances": instances,
    })
}

/// Builds successive snapshots of one simulation.
#[derive(Debug, Default)]
pub struct Snapshotter {
    last: Nanos,
    prev_flows: Vec<(u64, u64)>,
    rows_seen: usize,
}

fn r3(x: f64) -> f64 {
    libm::round(x * 1000.0) / 1000.0
}

impl Snapshotter {
    /// A builder whose first window starts at time zero.
    pub fn new() -> Self {
        Snapshotter::default()
    }

    /// The state now and the rates since the previous snapshot. Call
    /// [`Simulation::enable_live`] first (and keep `record_graph` on for edges).
    pub fn snapshot(&mut self, sim: &mut Simulation) -> Value {
        let now = sim.now();
        let window_s = (now.saturating_sub(self.last)) as f64 / 1e9;
        let per_s = if window_s > 0.0 { 1.0 / window_s } else { 0.0 };
        let w = sim.take_window();
        let n = sim.topology().instances.len();
        let (mut state, mut rps, mut err, mut lat) = (
            Vec::with_capacity(n),
            Vec::with_capacity(n),
            Vec::with_capacity(n),
            Vec::with_capacity(n),
        );
        for id in 0..n as InstanceId {
            state.push(sim.instance_state(id) as u8);
            let x = w.get(id as usize).copied().unwrap_or_default();
            rps.push(r3(f64::from(x.answered) * per_s));
            err.push(r3(f64::from(x.failed) * per_s));
            lat.push(if x.answered == 0 {
                0.0
            } else {
                r3(x.latency_sum as f64 / f64::from(x.answered) / 1e6)
            });
        }
        let mut edges = Vec::new();
        if let Some(flows) = sim.flows() {
            let all = flows.all();
            self.prev_flows.resize(all.len(), (0, 0));
            for (f, prev) in all.iter().zip(self.prev_flows.iter_mut()) {
                let (dc, df) = (f.calls - prev.0, f.failed - prev.1);
                if dc > 0 || df > 0 {
                    edges.push(json!([
                        f.from,
                        f.to,
                        r3(dc as f64 * per_s),
                        r3(df as f64 * per_s)
                    ]));
                }
                *prev = (f.calls, f.failed);
            }
        }
        let rows = sim.series().end_to_end_rows();
        let timeline: Vec<Value> = rows[self.rows_seen.min(rows.len())..]
            .iter()
            .map(|r| {
                json!({
                    "t_s": f64::from(r.bucket) * sim.series().width() as f64 / 1e9,
                    "requests": r.requests,
                    "failed": r.failed(),
                    "p99_ms": r3(r.p99 as f64 / 1e6),
                })
            })
            .collect();
        self.rows_seen = rows.len();
        self.last = now;
        // Caches with a capacity (only in runs that have them): each
        // instance's hit rate over the window (null without reads) and how
        // full it is, so a cold cache shows as one.
        let caches: Vec<Value> = sim
            .take_cache_window()
            .into_iter()
            .map(|(id, hit, full)| json!([id, hit.map(r3), r3(full)]))
            .collect();
        let mut snapshot = json!({
            "t_ms": r3(now as f64 / 1e6),
            "window_ms": r3(window_s * 1e3),
            "state": state,
            "rps": rps,
            "err": err,
            "lat_ms": lat,
            "edge_fields": ["from", "to", "rps", "err_rps"],
            "edges": edges,
            "timeline": timeline,
            "summary": serde_json::to_value(Summary::of(sim)).expect("summary serializes"),
        });
        if !sim.topology().tracks().is_empty() {
            // Per instance, the index of its version in its service's
            // `versions` (−1: no versions, or a place that is off), and
            // whether it is a canary's baseline group; the deployments and
            // their verdicts are in the summary's `deployments`.
            let (mut version, mut baseline) = (Vec::with_capacity(n), Vec::new());
            for id in 0..n as InstanceId {
                match sim.instance_version(id) {
                    Some((v, b)) => {
                        version.push(i64::from(v));
                        if b {
                            baseline.push(id);
                        }
                    }
                    None => version.push(-1),
                }
            }
            snapshot["version"] = json!(version);
            snapshot["baseline"] = json!(baseline);
        }
        if !caches.is_empty() {
            snapshot["cache_fields"] = json!(["instance", "hit_rate", "full"]);
            snapshot["caches"] = Value::Array(caches);
        }
        snapshot
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::duration::SEC;
    use crate::fault::{Action, Mode};
    use crate::run::{Input, RunOptions, RunSpec};

    #[test]
    fn snapshots_show_rates_and_a_killed_zone() {
        let arch = r#"{"arch":"t","traffic":{"rate":200},"services":[
            {"name":"b","package":"store","count":3},
            {"name":"a","package":"karyon","count":3,"dependencies":["b"]}]}"#;
        let spec = RunSpec::new(Input::new("t", arch), None, RunOptions::default()).unwrap();
        let topo_json = topology_json(spec.topology());
        assert_eq!(topo_json["instances"].as_array().unwrap().len(), 6);
        assert_eq!(
            topo_json["instance_states"],
            json!(["up", "down", "zombie", "off", "starting"])
        );
        let mut sim = spec.simulation();
        sim.enable_live();
        let mut snap = Snapshotter::new();
        sim.run_until(SEC);
        let s = snap.snapshot(&mut sim);
        let total: f64 = s["rps"].as_array().unwrap()[..3]
            .iter()
            .map(|v| v.as_f64().unwrap())
            .sum();
        // 200 Poisson arrivals a second: sd √200 ≈ 14; 40 is about 3 sd.
        assert!((total - 200.0).abs() < 40.0, "{total}");
        assert!(!s["edges"].as_array().unwrap().is_empty());
        sim.inject(
            Action::ZoneOutage {
                region: 0,
                zone: 0,
                mode: Mode::Refuse,
            },
            None,
        );
        sim.run_until(2 * SEC);
        let s = snap.snapshot(&mut sim);
        assert_eq!(
            s["state"][0],
            InstanceState::Down as u8,
            "b00 sits in zoneA"
        );
        assert!(s["summary"]["end_to_end"]["failed"].as_u64().unwrap() > 0);
        assert_eq!(s["timeline"].as_array().unwrap().len(), 1);
        sim.heal_all();
        assert!(sim.is_up(0));
        sim.run();
        sim.check_invariants().unwrap();
    }

    #[test]
    fn a_versioned_service_shows_its_versions_and_each_instance_its_version() {
        let arch = r#"{"arch":"t","traffic":{"rate":100},"services":[
            {"name":"a","package":"karyon","count":2,
             "versions":[{"name":"v1"},{"name":"v2","count":1}]}]}"#;
        let spec = RunSpec::new(Input::new("t", arch), None, RunOptions::default()).unwrap();
        let topo_json = topology_json(spec.topology());
        assert_eq!(topo_json["services"][0]["versions"], json!(["v1", "v2"]));
        let mut sim = spec.simulation();
        sim.enable_live();
        sim.run_until(SEC);
        let s = Snapshotter::new().snapshot(&mut sim);
        // Two places per instance of count: v1 on the first, v2 on the
        // second, the rest off.
        assert_eq!(s["version"], json!([0, 1, -1, -1]));
        assert_eq!(s["baseline"], json!([]));
        // Files without versions keep their snapshot's keys.
        let plain = r#"{"arch":"t","services":[{"name":"a","package":"karyon","count":2}]}"#;
        let spec = RunSpec::new(Input::new("t", plain), None, RunOptions::default()).unwrap();
        assert!(topology_json(spec.topology())["services"][0]
            .get("versions")
            .is_none());
        let mut sim = spec.simulation();
        sim.enable_live();
        assert!(Snapshotter::new()
            .snapshot(&mut sim)
            .get("version")
            .is_none());
    }
}
