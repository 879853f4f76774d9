//! Calls nobody waits for — shadow traffic (`"mirror": PERCENT`) and async
//! calls (`"async": true`) — against the model they follow and against the
//! availability analysis.
//!
//! Shadow traffic follows Envoy's `request_mirror_policies`
//! (envoyproxy.io, `config.route.v3.RouteAction.RequestMirrorPolicy`): a
//! fraction of requests is copied to another cluster "fire and forget",
//! without waiting for its response, which is discarded. So a mirror must
//! leave the caller's latency unchanged, and receive its share of requests as
//! a binomial count: n requests copied each with chance p give np ± √(np(1−p)).
//!
//! The standard error of a p99 comes from independent replications (A. M.
//! Law, *Simulation Modeling and Analysis*, 5th ed., 2015, ch. 9): each seed
//! gives one p99, i.i.d. across seeds, so the s.e. of their mean is their
//! sample deviation over √R, and the s.e. of a difference of two such means
//! is √(s.e.₁² + s.e.₂²).

mod common;

use common::queueing::mean_se;
use sim_core::availability::Model;
use sim_core::behaviour;
use sim_core::metrics::Reason;
use sim_core::model::load_arch;
use sim_core::{BuildOptions, Simulation};

const MIRROR: &str = r#", { "service": "recs-v2", "mirror": 10 }"#;

fn lesson() -> String {
    let text = common::file("shadow-traffic.json");
    assert!(text.contains(MIRROR), "the lesson mirrors recs-v2");
    text
}

fn stats<'a>(sim: &'a Simulation, name: &str) -> &'a sim_core::metrics::Stats {
    &sim.service_stats()[sim.topology().service_id(name).unwrap() as usize]
}

/// End-to-end p99 (ms) of `text` for each of `reps` seeds, and the runs.
fn p99s(text: &str, reps: u64) -> (Vec<f64>, Vec<Simulation>) {
    let runs: Vec<Simulation> = (0..reps)
        .map(|seed| common::run(text, None, common::options(100 + seed, 60)))
        .collect();
    let p99 = runs
        .iter()
        .map(|s| s.end_to_end().quantile_ns(0.99) as f64 / 1e6)
        .collect();
    (p99, runs)
}

/// architectures/shadow-traffic.json: 10 % of api's requests copied to a
/// slow recs-v2 leave the end-to-end p99 unchanged within its standard
/// error, while recs-v2 receives 10 % ± 3 binomial s.e. of them — and the
/// same share called for real moves the p99 far outside it.
#[test]
fn shadow_traffic_leaves_p99_unchanged_and_the_mirror_takes_its_share() {
    let reps = 20;
    let (with, runs) = p99s(&lesson(), reps);
    let (without, _) = p99s(&lesson().replace(MIRROR, ""), reps);
    let (m1, se1) = mean_se(&with);
    let (m0, se0) = mean_se(&without);
    let se = (se1 * se1 + se0 * se0).sqrt();
    eprintln!("p99 with the mirror {m1:.3} ± {se1:.3} ms, without {m0:.3} ± {se0:.3} ms");
    assert!(
        (m1 - m0).abs() <= 3.0 * se,
        "Δ {:.3} ms, s.e. {se:.3}",
        m1 - m0
    );

    // The mirror's share, pooled over the replications.
    let (mut n, mut copies, mut shadow_failed) = (0u64, 0u64, 0u64);
    for sim in &runs {
        let e = sim.end_to_end();
        assert_eq!(e.ok, e.requests, "nothing the mirror does reaches users");
        n += stats(sim, "api").requests;
        copies += stats(sim, "recs-v2").requests;
        shadow_failed += stats(sim, "recs-v2").failed();
    }
    let (np, sd) = (0.1 * n as f64, (n as f64 * 0.1 * 0.9).sqrt());
    eprintln!("recs-v2 received {copies} of {n} requests: {np:.0} ± {sd:.1} expected");
    assert!((copies as f64 - np).abs() <= 3.0 * sd);
    assert!(
        shadow_failed > copies / 20,
        "recs-v2 is over capacity: its own figures show the rejections"
    );

    // The control: the same share called and waited for.
    let (sync, _) = p99s(
        &lesson().replace(MIRROR, r#", { "service": "recs-v2", "probability": 0.1 }"#),
        reps,
    );
    let (m2, se2) = mean_se(&sync);
    eprintln!("p99 waiting for recs-v2: {m2:.3} ± {se2:.3} ms");
    assert!(m2 - m0 > 3.0 * (se2 * se2 + se0 * se0).sqrt());
}

/// api publishes an event to audit on every request: counted in the
/// amplification, the fan-out limit and audit's figures, never waited for.
/// Killing both detached callees fails no request.
#[test]
fn async_calls_and_mirrors_are_counted_but_their_failures_never_reach_the_caller() {
    let text = lesson();
    let spec = common::spec(&text, None, common::options(1, 30));
    let topo = spec.topology();
    let www = topo.service_id("www").unwrap() as usize;
    // www, api, recs, db, audit, and a tenth of (recs-v2 + its db call).
    let fan_out = behaviour::fan_out(topo)[www];
    assert!((fan_out - 5.2).abs() < 1e-9, "{fan_out}");
    let sim = common::finish(spec.simulation());
    assert_eq!(stats(&sim, "audit").requests, stats(&sim, "api").requests);
    let s = sim.outputs().summary;
    let per_request = s.amplification.per_request;
    assert!((per_request - 5.2).abs() < 0.05, "{per_request}");

    let tight = sim_core::RunOptions {
        max_fan_out: 5.0,
        ..common::options(1, 30)
    };
    let Err(e) = sim_core::RunSpec::new(sim_core::Input::new("shadow", &text), None, tight) else {
        panic!("5.2 expected calls are over a limit of 5");
    };
    let e = e.to_string();
    assert!(e.contains("fan-out") || e.contains("fan_out"), "{e}");

    let dead = r#"{"faults":[{"at":"0s","kill":{"service":"audit","instances":2}},
        {"at":"0s","kill":{"service":"recs-v2","instances":1}}]}"#;
    let sim = common::run(&text, Some(dead), common::options(1, 30));
    let e = sim.end_to_end();
    assert_eq!(e.ok, e.requests);
    for name in ["audit", "recs-v2"] {
        let s = stats(&sim, name);
        assert!(s.requests > 0, "{name} is still sent its calls");
        assert_eq!(
            s.failures[Reason::Refused as usize - 1],
            s.requests,
            "{name}"
        );
    }
    assert_eq!(stats(&sim, "api").failed(), 0);
}

/// The availability analysis and a run agree: a mirror or an async call to a
/// service that is down never lowers its caller's availability, in either —
/// the same as a fallback (tests/availability.rs), and unlike a plain call.
#[test]
fn the_analysis_and_a_run_agree_on_detached_calls() {
    let arch = |dep: &str, package: &str| {
        format!(
            r#"{{"arch":"d","traffic":{{"rate":100}},"services":[
            {{"name":"c","package":"store","count":1}},
            {{"name":"b","package":"store","count":1,"availability":0.5}},
            {{"name":"a","package":"{package}","count":1,"dependencies":["c",{dep}]}}]}}"#
        )
    };
    let dead_b = r#"{"faults":[{"at":"0s","kill":{"service":"b","instances":1}}]}"#;
    for (dep, package, predicted, observed) in [
        (r#"{"service":"b","mirror":50}"#, "karyon", 1.0, 1.0),
        (r#"{"service":"b","async":true}"#, "karyon", 1.0, 1.0),
        (r#"{"service":"b","mirror":50}"#, "zuul", 1.0, 1.0),
        (r#""b""#, "karyon", 0.5, 0.0),
    ] {
        let text = arch(dep, package);
        let m = Model::new(&load_arch(&text).unwrap(), &BuildOptions::default()).unwrap();
        let report = m.analyse();
        assert_eq!(
            report.end_to_end["a"].availability, predicted,
            "{dep} {package}"
        );
        let sim = common::run(&text, Some(dead_b), common::options(1, 10));
        let e = sim.end_to_end();
        assert!(e.requests > 900);
        assert_eq!(e.ok as f64 / e.requests as f64, observed, "{dep} {package}");
        let s = sim.outputs().summary;
        assert_eq!(s.availability.as_ref().unwrap()["a"].predicted, predicted);
        if predicted == 1.0 {
            let soft = &report.services["a"].soft_dependencies[0];
            assert_eq!(soft.service, "b");
            assert!(soft.reason.contains("never waited for"), "{}", soft.reason);
            // The router's only branch is c: every request is routed there.
            assert_eq!(stats(&sim, "c").requests, e.requests);
        }
    }
}
