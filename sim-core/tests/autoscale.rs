//! Autoscaling against the model it follows — Kubernetes' Horizontal Pod
//! Autoscaler (kubernetes.io, "Horizontal Pod Autoscaling": desired =
//! ceil(current × metric / target), a 0.1 tolerance, a 15 s period) — and
//! against queueing theory once it has settled: n instances of k workers each,
//! chosen at random, are n independent M/M/k queues of λ/n (L. Kleinrock,
//! Queueing Systems Vol. 1, §3.5, Erlang's C formula).

mod common;

use common::queueing::erlang_c;

use sim_core::duration::SEC;
use sim_core::metrics::END_TO_END;
use sim_core::{Input, RunOptions, RunSpec, Simulation};

/// One service of `k` workers (exponential service, mean `s_ms`) taking
/// `rate` req/s, starting at `count` instances, scaling on utilisation
/// towards `target`.
fn scaled(rate: u32, s_ms: f64, k: u32, count: u32, target: f64, extra: &str) -> String {
    format!(
        r#"{{"arch":"hpa","traffic":{{"rate":{rate}}},"services":[
        {{"name":"app","package":"karyon","count":{count},"concurrency":{k},"queue":200,
          "service_time":{{"dist":"exponential","mean_ms":{s_ms}}},
          "autoscale":{{"min":1,"max":20,"target":{target},"startup":"5s","stabilisation":"60s"{extra}}}}}]}}"#
    )
}

/// Instances paid for in each one-second bucket.
fn instances_by_second(s: &Simulation) -> Vec<u32> {
    s.series()
        .end_to_end_rows()
        .iter()
        .map(|r| r.instances)
        .collect()
}

/// Mean response time (ms) of the requests answered after `from`.
fn mean_after(mut sim: Simulation, from: u64, to: u64) -> (Simulation, f64) {
    sim.run_until(from * SEC);
    let (sum0, n0) = (sim.end_to_end().latency_sum, sim.end_to_end().answered());
    sim.run_until(to * SEC);
    let (sum1, n1) = (sim.end_to_end().latency_sum, sim.end_to_end().answered());
    let mean = (sum1 - sum0) as f64 / (n1 - n0) as f64 / 1e6;
    (common::finish(sim), mean)
}

#[test]
fn the_count_settles_where_the_hpa_formula_puts_it_and_latency_is_erlang_c() {
    // λ = 1000/s, S = 10 ms: 10 workers busy on average; k = 4 per instance.
    // Starting from 3 (util 0.83), the first evaluation asks for
    // ceil(λ·S / (k·u)) — 10 / 2.4 = 4.17 → 5, and 10 / 2.8 = 3.57 → 4 — and
    // there it stays: the ceiling of the same figure. (Targets where λ·S/(k·u)
    // is a whole number are knife edges: noise decides the ceiling.)
    for (target, settled) in [(0.6, 5u32), (0.7, 4)] {
        assert_eq!(settled, (10.0f64 / (4.0 * target)).ceil() as u32);
        let mut means = Vec::new();
        for seed in 0..6 {
            let arch = scaled(1000, 10.0, 4, 3, target, "");
            let o = RunOptions {
                seed: 100 + seed,
                ..common::options(100 + seed, 600)
            };
            let sim = common::spec(&arch, None, o).simulation();
            let (sim, mean) = mean_after(sim, 120, 600);
            let counts = instances_by_second(&sim);
            assert!(
                counts[120..600].iter().all(|&n| n == settled),
                "target {target}: {:?}",
                &counts[100..140]
            );
            means.push(mean);
        }
        // Erlang C for M/M/k with λ/n per instance (exact, exponential service).
        let (lambda, mu, k) = (1000.0 / f64::from(settled), 100.0, 4);
        let pw = erlang_c(k, lambda / mu);
        let theory = 1000.0 * (pw / (f64::from(k) * mu - lambda) + 1.0 / mu);
        let n = means.len() as f64;
        let m = means.iter().sum::<f64>() / n;
        let sd = (means.iter().map(|x| (x - m) * (x - m)).sum::<f64>() / (n - 1.0)).sqrt();
        let se = sd / n.sqrt();
        eprintln!("target {target}: {settled} instances, mean {m:.3} ms ± {se:.3}, Erlang C {theory:.3} ms");
        // Within 4 standard errors (from the replications), and the run long
        // enough that this means something (4 s.e. under 5 % of the figure).
        assert!(4.0 * se < 0.05 * theory, "too short a run: se {se}");
        assert!((m - theory).abs() < 4.0 * se, "{m} vs {theory} ± {se}");
    }
}

#[test]
fn new_instances_serve_after_their_start_up_and_the_next_discovery_poll() {
    // One saturated instance (λ·S = 10 workers wanted, 4 there) measures a
    // utilisation of 1, so the HPA asks for ceil(1 / 0.6) = 2 at 15 s — it
    // cannot see demand beyond saturation — and while the new one boots (5 s)
    // and waits for the poll (30 s) it counts as 0, so 2 stay 2 at 30 s. Both
    // saturated, 45 s asks ceil(2 / 0.6) = 4; those serve from the poll at 60 s.
    let arch = scaled(1000, 10.0, 4, 1, 0.6, "");
    let sim = common::run(&arch, None, common::options(1, 70));
    let counts = instances_by_second(&sim);
    assert!(counts[..15].iter().all(|&n| n == 1), "{counts:?}");
    assert!(
        counts[15..45].iter().all(|&n| n == 2),
        "paid for from the decision on: {counts:?}"
    );
    assert!(counts[45..70].iter().all(|&n| n == 4), "{counts:?}");
    let served: Vec<u64> = sim
        .series()
        .end_to_end_rows()
        .iter()
        .map(|r| r.ok)
        .collect();
    // One instance answers at most 4 / 10 ms = 400 a second until the poll at
    // 30 s, two about 800 until the poll at 60 s, then everything (≈ 1000).
    assert!(served[20..29].iter().all(|&n| n < 450), "{served:?}");
    assert!(served[32..59].iter().all(|&n| n < 900), "{served:?}");
    assert!(served[62..69].iter().all(|&n| n > 900), "{served:?}");
    let app = sim.topology().service_id("app").unwrap();
    let cap = &sim.capacity()[app as usize];
    assert_eq!((cap.min, cap.max, cap.now), (1, 4, 4));
}

#[test]
fn instance_hours_and_cost_are_integrated_over_the_run() {
    // Fixed capacity: 3 instances for the run (60 s of traffic and its short
    // drain) at 0.36 an hour; a second, unpriced service costs nothing.
    let arch = r#"{"arch":"cost","price_per_hour":0.36,"traffic":{"rate":100},"services":[
        {"name":"db","package":"store","count":2,"price_per_hour":0},
        {"name":"app","package":"karyon","count":3,"dependencies":["db"]}]}"#;
    let sim = common::run(arch, None, common::options(1, 60));
    let s = sim.outputs().summary;
    let c = s.capacity.expect("priced files report capacity");
    let hours = 3.0 * sim.now() as f64 / 3.6e12;
    let app = &c.services["app"];
    assert!(
        (app.instance_hours - hours).abs() < 1e-6,
        "{}",
        app.instance_hours
    );
    assert!((app.cost - hours * 0.36).abs() < 1e-6);
    assert_eq!(c.services["db"].cost, 0.0);
    assert_eq!((app.start, app.min, app.max, app.end), (3, 3, 3, 3));
    let per_million = c.cost / s.end_to_end.requests as f64 * 1e6;
    assert!((c.cost_per_million_requests - per_million).abs() < 1e-3);
    // A file without prices or autoscaling has no capacity section.
    let plain = common::run(
        &common::file("netflixoss.json"),
        None,
        common::options(1, 2),
    );
    assert!(plain.outputs().summary.capacity.is_none());
}

#[test]
fn metrics_csv_carries_the_instances_of_every_bucket() {
    let arch = scaled(1000, 10.0, 4, 1, 0.6, "");
    let sim = common::run(&arch, None, common::options(1, 20));
    let mut csv = Vec::new();
    sim_core::export::csv::write_csv(&mut csv, sim.topology(), sim.series()).unwrap();
    let text = String::from_utf8(csv).unwrap();
    let rows: Vec<&str> = text.lines().filter(|l| l.contains(",app,")).collect();
    assert!(rows[3].ends_with(",1"), "{}", rows[3]);
    assert!(rows[16].ends_with(",2"), "{}", rows[16]);
    assert!(text
        .lines()
        .any(|l| l.contains(",end_to_end,") && l.ends_with(",2")));
    // Off places are listed by no one and never chosen by chaos.
    let e2e: u64 = sim
        .series()
        .end_to_end_rows()
        .iter()
        .map(|r| r.requests)
        .sum();
    assert_eq!(e2e, sim.end_to_end().requests);
    let _ = END_TO_END;
}

#[test]
fn bad_autoscaling_is_refused_naming_the_place() {
    let bad = |auto: &str, service_extra: &str| {
        let arch = format!(
            r#"{{"arch":"x","services":[{{"name":"a","package":"karyon","count":2,"concurrency":4{service_extra},"autoscale":{auto}}}]}}"#
        );
        RunSpec::new(Input::new("x.json", &arch), None, RunOptions::default())
            .err()
            .map(|e| e.to_string())
            .unwrap_or_default()
    };
    for (auto, extra, says) in [
        (
            r#"{"min":3,"max":2,"target":0.5}"#,
            "",
            "max is 2, below min 3",
        ),
        (r#"{"min":0,"max":2,"target":0.5}"#, "", "min is 0"),
        (r#"{"min":1,"max":5,"target":0}"#, "", "target is 0"),
        (
            r#"{"min":1,"max":5,"target":1.5}"#,
            "",
            "a fraction above 0 and at most 1",
        ),
        (
            r#"{"min":3,"max":5,"target":0.5}"#,
            "",
            "count is 2, outside autoscale's min 3",
        ),
        (
            r#"{"min":1,"max":5,"target":0.5,"period":"0s"}"#,
            "",
            "period is 0s",
        ),
        (
            r#"{"min":1,"max":5,"target":0.5,"tolerance":1}"#,
            "",
            "tolerance is 1",
        ),
        (
            r#"{"min":1,"max":5,"target":0.5,"metric":"cpu"}"#,
            "",
            "unknown variant `cpu`",
        ),
        (
            r#"{"min":1,"max":5,"target":0.5,"mni":1}"#,
            "",
            "unknown field `mni`",
        ),
        (
            r#"{"min":1,"max":5,"target":0.5}"#,
            r#","price_per_hour":-1"#,
            "price_per_hour is -1",
        ),
    ] {
        let e = bad(auto, extra);
        assert!(e.starts_with("x.json"), "{auto}: {e}");
        assert!(e.contains(says), "{auto}: {e}");
        assert!(e.contains("Fix:") || e.contains("expected"), "{auto}: {e}");
    }
    // Utilisation needs workers to be a fraction of.
    let arch = r#"{"arch":"x","services":[{"name":"a","package":"karyon","count":2,"autoscale":{"min":1,"max":5,"target":0.5}}]}"#;
    let e = RunSpec::new(Input::new("x.json", arch), None, RunOptions::default())
        .err()
        .unwrap()
        .to_string();
    assert!(e.contains("utilisation needs a number of workers"), "{e}");
}

/// The lesson (architectures/spike-*.json): a spike from 100 to 400 req/s
/// from 60 s to 240 s. Pre-scaled capacity rejects nothing and costs the
/// most; autoscaling with a 30 s start-up rejects less than with 60 s; both
/// scale back in after the 300 s stabilisation window and cost less.
#[test]
fn the_spike_lesson_trades_failures_against_instance_hours() {
    let run = |name: &str| {
        let arch = common::file(&format!("{name}.json"));
        let o = RunOptions {
            record_graph: false,
            ..common::options(1, 720)
        };
        let sim = common::run(&arch, None, o);
        let s = sim.outputs().summary;
        let success = s.end_to_end.ok as f64 / s.end_to_end.requests as f64;
        let web = s.capacity.expect("priced").services["web"].clone();
        (success, web)
    };
    let (slow, slow_web) = run("spike-autoscale");
    let (fast, fast_web) = run("spike-autoscale-fast");
    let (pre, pre_web) = run("spike-prescaled");
    assert_eq!(pre, 1.0);
    assert!(slow < fast && fast < pre, "{slow} {fast} {pre}");
    assert!(slow_web.instance_hours < pre_web.instance_hours);
    assert!(fast_web.instance_hours < pre_web.instance_hours);
    assert_eq!((slow_web.max, slow_web.end), (7, 2), "out to 7, back to 2");
    assert_eq!((fast_web.max, fast_web.end), (7, 2));
}
