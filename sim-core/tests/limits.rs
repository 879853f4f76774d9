//! Bounded memory whatever the input (issue 11): small, valid-looking files
//! that would multiply work without end are refused before they run, a run
//! never holds more than its stated number of calls in flight, the drain after
//! the traffic stops at a stated horizon, and a service with no traffic costs
//! almost nothing.

mod common;

use sim_core::duration::{MS, SEC};
use sim_core::metrics::Reason;
use sim_core::{Input, Part, RunOptions, RunSpec};

/// A chain of `n` services, each calling the next `calls` times.
fn chain(n: usize, calls: u32) -> String {
    let mut services = vec![r#"{"name":"s0","package":"store","count":1}"#.to_string()];
    for i in 1..n {
        services.push(format!(
            r#"{{"name":"s{i}","package":"karyon","count":1,"dependencies":[{{"service":"s{}","calls":{calls}}}]}}"#,
            i - 1
        ));
    }
    format!(
        r#"{{"arch":"chain","traffic":{{"rate":10}},"services":[{}]}}"#,
        services.join(",")
    )
}

/// `layers` layers of two services, each calling both services of the next layer.
fn doubling(layers: usize) -> String {
    let mut services = vec![
        r#"{"name":"a0","package":"store","count":1}"#.to_string(),
        r#"{"name":"b0","package":"store","count":1}"#.to_string(),
    ];
    for i in 1..layers {
        for x in ["a", "b"] {
            services.push(format!(
                r#"{{"name":"{x}{i}","package":"karyon","count":1,"dependencies":["a{p}","b{p}"]}}"#,
                p = i - 1
            ));
        }
    }
    services.push(format!(
        r#"{{"name":"www","package":"denominator","dependencies":["a{}"]}}"#,
        layers - 1
    ));
    format!(
        r#"{{"arch":"doubling","traffic":{{"rate":10}},"services":[{}]}}"#,
        services.join(",")
    )
}

fn refused(arch: &str) -> String {
    let Err(e) = RunSpec::new(Input::new("f.json", arch), None, RunOptions::default()) else {
        panic!("refused");
    };
    assert_eq!(
        (e.part, e.error.path.as_str()),
        (Part::Option, "max_fan_out")
    );
    e.to_string()
}

#[test]
fn multiplying_fan_out_is_refused_before_anything_runs() {
    // Six services each calling the next 100 times: 100^5 calls per request.
    let e = refused(&chain(6, 100));
    assert!(
        e.contains("each request at s5 would set off 1.01e10 calls"),
        "{e}"
    );
    assert!(e.contains("more than the 10000 allowed"), "{e}");
    // Thirty layers doubling: 2^30 − 1 calls per request.
    let e = refused(&doubling(30));
    assert!(
        e.contains("each request at www would set off 1.07e9 calls"),
        "{e}"
    );
    // A modest chain is fine: 1 + 3 + 9 + 27 = 40 calls per request.
    let ok = RunSpec::new(
        Input::new("f.json", &chain(4, 3)),
        None,
        RunOptions::default(),
    );
    assert!(ok.is_ok());
    // The shipped files stay far below the limit (netflixoss-resilient: 205,
    // with all its zone-aware retries at their maximum on every hop).
    for f in [
        "netflixoss.json",
        "netflixoss-resilient.json",
        "lamp.json",
        "retry-storm.json",
    ] {
        let arch = common::file(f);
        let spec = common::spec(&arch, None, common::options(1, 1));
        let worst = sim_core::behaviour::fan_out(spec.topology())
            .into_iter()
            .fold(0.0, f64::max);
        assert!(worst < 1000.0, "{f}: {worst}");
    }
}

#[test]
fn calls_in_flight_never_pass_the_limit_and_the_excess_is_rejected() {
    // Allowed to run (limit raised), a 2^12 fan-out at 10 requests a second
    // with slow leaves would hold ~10^5 calls; a cap of 5,000 holds.
    let arch = doubling(13).replace(
        r#""package":"store","count":1}"#,
        r#""package":"store","count":1,"service_time":{"dist":"constant","mean_ms":500}}"#,
    );
    let o = RunOptions {
        max_fan_out: 1e6,
        max_calls: 5_000,
        ..common::options(1, 5)
    };
    let mut sim = common::spec(&arch, None, o).simulation();
    let mut peak = 0;
    for t in 1..=50 {
        sim.run_until(t * 100 * MS);
        peak = peak.max(sim.in_flight());
    }
    let sim = common::finish(sim);
    // A stage launches at most 2 calls at once over the limit.
    assert!(peak <= 5_000 + 2, "{peak}");
    let limits = sim.limits();
    assert!(limits.rejected_at_max_calls > 1000, "{limits:?}");
    let rejected: u64 = sim
        .service_stats()
        .iter()
        .map(|s| s.failures[Reason::Rejected as usize - 1])
        .sum();
    assert!(rejected >= limits.rejected_at_max_calls / 2, "{rejected}");
    let s = sim.outputs().summary;
    let l = s.limits.expect("the summary says a limit was hit");
    assert_eq!(
        (l.max_calls, l.rejected_at_max_calls),
        (5_000, limits.rejected_at_max_calls)
    );
}

#[test]
fn the_drain_stops_at_its_horizon_and_what_is_left_is_unanswered() {
    // A mean service time of 10,000 s: nothing answers within the run.
    let arch = r#"{"arch":"slow","traffic":{"rate":50},"services":[
        {"name":"db","package":"store","count":1,"service_time":{"dist":"exponential","mean_ms":10000000}},
        {"name":"app","package":"karyon","count":2,"dependencies":["db"]}]}"#;
    let sim = common::run(arch, None, common::options(1, 2));
    let horizon = 2 * SEC + RunOptions::DEFAULT_DRAIN;
    assert_eq!(sim.limits().stopped_at, Some(horizon));
    assert!(sim.now() <= horizon);
    let e = sim.end_to_end();
    assert!(e.requests > 50 && sim.in_flight() > 0);
    let s = sim.outputs().summary;
    assert_eq!(s.end_to_end.unanswered, e.requests - e.answered());
    assert_eq!(s.limits.unwrap().drain_stopped_at_s, Some(62.0));
    // The series stopped with the drain: 62 one-second buckets, not 10,000 s of them.
    assert!(sim.series().end_to_end_rows().len() <= 63);
    // A longer drain is an option (and is recorded in the run's args).
    let o = RunOptions {
        drain: 10 * SEC,
        ..common::options(1, 2)
    };
    let spec = common::spec(arch, None, o);
    assert!(spec.args().contains("--drain 10s"), "{}", spec.args());
    assert_eq!(spec.run().limits().stopped_at, Some(12 * SEC));
}

#[test]
fn a_service_without_traffic_costs_no_histogram() {
    // 20,000 one-instance services, one of which gets traffic.
    let mut services: Vec<String> = (0..20_000)
        .map(|i| format!(r#"{{"name":"s{i}","package":"store","count":1}}"#))
        .collect();
    services.push(r#"{"name":"www","package":"denominator","dependencies":["s0"]}"#.into());
    let arch = format!(
        r#"{{"arch":"wide","traffic":{{"rate":10}},"services":[{}]}}"#,
        services.join(",")
    );
    let sim = common::run(&arch, None, common::options(1, 2));
    let stats = sim.service_stats();
    assert!(stats[0].latency.is_allocated() && stats[0].requests > 0);
    let allocated = stats.iter().filter(|s| s.latency.is_allocated()).count();
    assert_eq!(allocated, 2, "s0 and www only");
    // No time-series row for an idle service either.
    assert!(sim.series().rows().iter().all(|r| r.service == 0
        || r.service == 20_000
        || r.service == sim_core::metrics::END_TO_END));
}

#[test]
fn graph_files_stay_small_at_any_scale() {
    use sim_core::export::OutputFile;
    let arch = common::file("netflixoss.json");
    let file = |sim: &sim_core::Simulation, f: OutputFile| {
        let mut b = Vec::new();
        f.write(sim, &mut b).unwrap();
        String::from_utf8(b).unwrap()
    };
    // Past 100,000 instances the graph files list services per region.
    let big = RunOptions {
        scale: 200_000.0,
        record_graph: true,
        ..common::options(1, 1)
    };
    let sim = common::run(&arch, None, big);
    assert!(sim.topology().instances.len() > RunOptions::MAX_GRAPH_INSTANCES);
    let g: serde_json::Value = serde_json::from_str(&file(&sim, OutputFile::Graph)).unwrap();
    let entries = g["graph"].as_array().unwrap();
    let nodes = entries.iter().filter(|e| e.get("node").is_some()).count();
    assert_eq!(nodes, 9, "netflixoss: nine services in one region");
    assert!(entries
        .iter()
        .any(|e| e["node"] == "netflixoss.us-east-1.*.homepage"));
    assert!(entries.iter().any(|e| e["source"] == "netflixoss.*.*.www"));
    assert!(file(&sim, OutputFile::GraphMl).len() < 10_000);
    // A cap on instance pairs: the first ones are listed, service views stay exact.
    let run = |max_edges: u32| {
        let o = RunOptions {
            max_edges,
            record_graph: true,
            ..common::options(1, 5)
        };
        common::run(&arch, None, o)
    };
    let (capped, full) = (run(10), run(RunOptions::DEFAULT_MAX_EDGES));
    assert_eq!(capped.flows().unwrap().all().len(), 10);
    assert!(full.flows().unwrap().all().len() > 10);
    assert_eq!(file(&capped, OutputFile::Dot), file(&full, OutputFile::Dot));
    assert_eq!(
        file(&capped, OutputFile::Vizceral),
        file(&full, OutputFile::Vizceral)
    );
    let l = capped
        .outputs()
        .summary
        .limits
        .expect("the cap is reported");
    assert!(l.calls_outside_instance_edges > 0);
    assert_eq!(l.max_edges, 10);
}
