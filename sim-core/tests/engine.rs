//! Engine behaviour that can be computed by hand: latency composition over
//! hops, queue rejection, conservation of requests, and reproducibility.

mod common;

use common::{options as cfg, run, spec};
use sim_core::duration::MS;
use sim_core::{RunOptions, Simulation};

fn sim(arch: &str, o: RunOptions) -> Simulation {
    run(arch, None, o)
}

#[test]
fn latency_is_the_sum_of_work_and_hops() {
    // Constant arrivals 100 ms apart never queue; every hop is 0.5 ms each way.
    let arch = r#"{"arch":"chain","traffic":{"rate":10,"arrival":"constant"},
        "network":{"same_zone":0.5,"cross_zone":0.5,"cross_region":0.5},
        "services":[
        {"name":"db","package":"store","count":3,"service_time":{"dist":"constant","mean_ms":2}},
        {"name":"app","package":"karyon","count":3,"dependencies":["db"],"service_time":{"dist":"constant","mean_ms":1}},
        {"name":"www","package":"denominator","dependencies":["app"],"service_time":{"dist":"constant","mean_ms":0.1}}]}"#;
    let s = sim(arch, cfg(1, 10));
    let e = s.end_to_end();
    assert_eq!(e.requests, 99); // arrivals at 100 ms, 200 ms, … 9.9 s
                                // 0.1 + 0.5 + 1 + 0.5 + 2 + 0.5 + 0.5 = 5.1 ms, every time.
    assert_eq!(e.mean_ns(), 5.1 * MS as f64);
    let app = &s.service_stats()[1];
    assert_eq!(app.mean_ns(), 4.0 * MS as f64, "app: 1 + 0.5 + 2 + 0.5");
}

#[test]
fn full_queues_reject_and_failures_propagate_to_callers() {
    // One worker, no queue, 2 ms work, arrivals every 1 ms: every other request is rejected.
    let arch = r#"{"arch":"reject","traffic":{"rate":1000,"arrival":"constant"},
        "network":{"same_zone":0,"cross_zone":0,"cross_region":0},
        "services":[
        {"name":"db","package":"store","count":1,"concurrency":1,"queue":0,"service_time":{"dist":"constant","mean_ms":1.5}},
        {"name":"app","package":"karyon","count":1,"dependencies":["db"],"service_time":{"dist":"constant","mean_ms":0}}]}"#;
    let s = sim(arch, cfg(1, 1));
    let db = &s.service_stats()[0];
    let app = &s.service_stats()[1];
    let rejected = db.failures[sim_core::metrics::Reason::Rejected as usize - 1];
    assert!(rejected > 400 && rejected < 600, "{rejected}");
    assert_eq!(
        app.failures[sim_core::metrics::Reason::Dependency as usize - 1],
        rejected
    );
    assert_eq!(s.end_to_end().failed(), rejected);
}

#[test]
fn every_request_is_answered_once() {
    let arch = include_str!("../../architectures/netflixoss.json");
    let s = sim(arch, cfg(3, 5));
    assert_eq!(s.in_flight(), 0);
    for st in s.service_stats().iter().chain([s.end_to_end()]) {
        assert_eq!(st.requests, st.answered());
    }
}

#[test]
fn same_seed_same_bytes_other_seed_other_latencies() {
    let arch = include_str!("../../architectures/netflixoss.json");
    let run = |seed| {
        let o = RunOptions {
            record_graph: true,
            ..cfg(seed, 3)
        };
        common::finish(spec(arch, None, o).simulation()).outputs()
    };
    let (a, b, c) = (run(7), run(7), run(8));
    assert_eq!(a.summary_json, b.summary_json);
    assert_eq!(a.graph_json, b.graph_json);
    assert_ne!(
        a.summary.end_to_end.latency_ms.mean,
        c.summary.end_to_end.latency_ms.mean
    );
    assert_ne!(a.graph_json, c.graph_json);
}

#[test]
fn graph_json_is_spigo_shaped() {
    let arch = include_str!("../../architectures/netflixoss.json");
    let o = RunOptions {
        record_graph: true,
        ..cfg(1, 1)
    };
    let out = run(arch, None, o).outputs();
    let g: serde_json::Value = serde_json::from_str(&out.graph_json).unwrap();
    assert_eq!(g["arch"], "netflixoss");
    let entries = g["graph"].as_array().unwrap();
    let nodes = entries.iter().filter(|e| e.get("node").is_some()).count();
    let dones = entries.iter().filter(|e| e.get("done").is_some()).count();
    assert_eq!(nodes, out.summary.instances);
    assert_eq!(dones, nodes);
    assert_eq!(
        g["args"],
        "[microsim run --seed 1 --duration 1s --scale 100 --regions 1]"
    );
    let edge = entries.iter().find(|e| e.get("edge").is_some()).unwrap();
    assert_eq!(edge["source"], "netflixoss.*.*.www00");
    assert!(edge["target"]
        .as_str()
        .unwrap()
        .starts_with("netflixoss.us-east-1.*.www-elb"));
}
