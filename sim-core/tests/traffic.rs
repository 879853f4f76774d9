//! Traffic that changes, through the engine: every profile form offers, window
//! by window, the integral of its rate (Poisson counts within 4 standard
//! errors, √mean, and with a Poisson dispersion); constant arrivals follow the
//! profile exactly; a flash crowd multiplies the rate by its factor and ends
//! on time, from a scenario or live; runs reproduce. Every run goes through
//! the shared harness, which checks the engine's invariants.

mod common;

use sim_core::duration::{Nanos, MS, SEC};
use sim_core::metrics::END_TO_END;
use sim_core::{RunOptions, Simulation};

/// One entry point `www` doing next to nothing, with the given traffic.
fn one_entry(traffic: &str) -> String {
    format!(
        r#"{{"arch":"t","traffic":{traffic},"services":[
        {{"name":"www","package":"karyon","count":2,"service_time":{{"dist":"constant","mean_ms":0}}}}]}}"#
    )
}

fn options(seed: u64, secs: u64) -> RunOptions {
    RunOptions {
        drain: SEC,
        ..common::options(seed, secs)
    }
}

/// External arrivals per one-second bucket (of service `svc`, or end to end).
fn per_second(s: &Simulation, svc: u32, secs: u64) -> Vec<u64> {
    let mut v = vec![0; secs as usize];
    for r in s.series().rows().iter().filter(|r| r.service == svc) {
        if (r.bucket as usize) < v.len() {
            v[r.bucket as usize] += r.requests;
        }
    }
    v
}

/// ∫ₐᵇ rate by Simpson's rule over 2000 panels: the test's own integral,
/// independent of the engine's closed forms.
fn integral(rate: &Rate, a: f64, b: f64) -> f64 {
    let n = 2000;
    let h = (b - a) / f64::from(n);
    let mut sum = rate(a) + rate(b);
    for i in 1..n {
        sum += rate(a + h * f64::from(i)) * if i % 2 == 1 { 4.0 } else { 2.0 };
    }
    sum * h / 3.0
}

/// Checks Poisson counts per one-second window against the rate's integral:
/// each within 4 standard errors (√mean), and the mean squared z-score within
/// 4 of its own standard errors (√(2/n)) of 1 — the counts scatter as a
/// Poisson process's do, neither more nor less. Returns (largest |z|, mean z²).
fn check_windows(name: &str, counts: &[u64], rate: &Rate) -> (f64, f64) {
    let mut worst: f64 = 0.0;
    let mut z2 = 0.0;
    let mut n = 0.0;
    for (i, &c) in counts.iter().enumerate() {
        let mean = integral(rate, i as f64, i as f64 + 1.0);
        if mean < 1.0 {
            continue;
        }
        let z = (c as f64 - mean) / mean.sqrt();
        assert!(
            z.abs() < 4.0,
            "{name}: second {i}: {c} arrivals, expected {mean:.1}"
        );
        worst = worst.max(z.abs());
        z2 += z * z;
        n += 1.0;
    }
    let mean_z2 = z2 / n;
    assert!(
        (mean_z2 - 1.0).abs() < 4.0 * (2.0 / n).sqrt(),
        "{name}: mean z² {mean_z2:.3} over {n} windows"
    );
    (worst, mean_z2)
}

/// A rate in req/s at a time in seconds.
type Rate = dyn Fn(f64) -> f64;

fn steps(t: f64) -> f64 {
    if (30.0..90.0).contains(&t) {
        400.0
    } else {
        100.0
    }
}

fn ramp(t: f64) -> f64 {
    if t < 60.0 {
        400.0 * t / 60.0
    } else if t < 120.0 {
        400.0 - 350.0 * (t - 60.0) / 60.0
    } else {
        50.0
    }
}

fn diurnal(t: f64) -> f64 {
    50.0 + 350.0 * (1.0 + (std::f64::consts::TAU * (t - 300.0) / 600.0).cos()) / 2.0
}

const TABLE: [f64; 12] = [
    100.0, 120.0, 300.0, 0.0, 50.0, 400.0, 250.0, 80.0, 90.0, 200.0, 10.0, 150.0,
];

fn table(t: f64) -> f64 {
    TABLE[((t / 10.0) as usize).min(TABLE.len() - 1)]
}

#[test]
fn every_profile_offers_the_integral_of_its_rate_per_window() {
    let cases: [(&str, &str, u64, &Rate); 4] = [
        (
            "steps",
            r#"{"steps":[["0s",100],["30s",400],["90s",100]]}"#,
            150,
            &steps,
        ),
        (
            "ramp",
            r#"{"ramp":[["0s",0],["60s",400],["2m",50]]}"#,
            150,
            &ramp,
        ),
        (
            "diurnal",
            r#"{"diurnal":{"period":"10m","min":50,"max":400,"peak_at":"5m"}}"#,
            600,
            &diurnal,
        ),
        (
            "table",
            r#"{"table":{"every":"10s","rates":[100,120,300,0,50,400,250,80,90,200,10,150]}}"#,
            150,
            &table,
        ),
    ];
    for (name, profile, secs, rate) in cases {
        let s = common::run(
            &one_entry(&format!(r#"{{"profile":{profile}}}"#)),
            None,
            options(1, secs),
        );
        let counts = per_second(&s, END_TO_END, secs);
        let (worst, z2) = check_windows(name, &counts, rate);
        let total: u64 = counts.iter().sum();
        let want = integral(rate, 0.0, secs as f64);
        let z = (total as f64 - want) / want.sqrt();
        assert!(
            z.abs() < 4.0,
            "{name}: {total} arrivals in all, expected {want:.0}"
        );
        eprintln!(
            "{name}: {total} arrivals, expected {want:.0} (z {z:.2}); {} windows, largest |z| {worst:.2}, mean z² {z2:.3}",
            counts.len()
        );
    }
}

/// Arrival times of constant traffic, read by stepping the run one
/// nanosecond at a time around each expected arrival.
fn arrival_times_match(s: &mut Simulation, expected: &[Nanos]) {
    for (k, &t) in expected.iter().enumerate() {
        s.run_until(t - 1);
        assert_eq!(
            s.end_to_end().requests,
            k as u64,
            "before arrival {k} at {t} ns"
        );
        s.run_until(t);
        assert_eq!(
            s.end_to_end().requests,
            k as u64 + 1,
            "arrival {k} at {t} ns"
        );
    }
}

#[test]
fn constant_arrivals_follow_the_profile_exactly() {
    // 100/s to 30 s, 400/s to 90 s, 100/s after: gaps of exactly 10 ms,
    // 2.5 ms and 10 ms, the 3,000th arrival at 30 s and the 27,000th at 90 s.
    let arch = one_entry(
        r#"{"arrival":"constant","profile":{"steps":[["0s",100],["30s",400],["90s",100]]}}"#,
    );
    let mut expected: Vec<Nanos> = (1..=3000).map(|k| k * 10 * MS).collect();
    expected.extend((1..=24_000).map(|k| 30 * SEC + k * 2_500_000));
    expected.extend((1..3000).map(|k| 90 * SEC + k * 10 * MS));
    let mut s = common::spec(&arch, None, options(1, 120)).simulation();
    arrival_times_match(&mut s, &expected);
    let s = common::finish(s);
    assert_eq!(
        s.end_to_end().requests,
        29_999,
        "the 30,000th would be at 120 s"
    );

    // A ramp from 0: arrival k when the integral reaches k, so each second
    // holds the integral's whole-number crossings exactly.
    let arch =
        one_entry(r#"{"arrival":"constant","profile":{"ramp":[["0s",0],["60s",400],["2m",50]]}}"#);
    let s = common::run(&arch, None, options(1, 150));
    let counts = per_second(&s, END_TO_END, 150);
    let mut cum = 0.0;
    for (i, &c) in counts.iter().enumerate() {
        let next = cum + integral(&ramp, i as f64, i as f64 + 1.0);
        let want = next.floor() - cum.floor();
        assert!((c as f64 - want).abs() <= 1.0, "second {i}: {c} vs {want}");
        cum = next;
    }
    assert_eq!(
        counts[0], 3,
        "√(2·60/400) s = 0.55 s to the first; 3 by 1 s"
    );
}

#[test]
fn the_rate_option_scales_a_profile_so_that_its_peak_is_the_rate() {
    let arch = one_entry(
        r#"{"arrival":"constant","profile":{"steps":[["0s",100],["30s",400],["90s",100]]}}"#,
    );
    let o = RunOptions {
        rate: Some(800.0),
        ..options(1, 120)
    };
    let counts = per_second(&common::run(&arch, None, o), END_TO_END, 120);
    assert_eq!((counts[10], counts[50], counts[100]), (200, 800, 200));
}

const CROWD: &str = r#"{"faults":[{"at":"20s","for":"20s","flash_crowd":{"factor":4}}]}"#;

#[test]
fn a_flash_crowd_multiplies_the_rate_by_its_factor_and_ends_on_time() {
    // Constant arrivals show it exactly: 100/s, 400/s from 20 s to 40 s, 100/s.
    let arch = one_entry(r#"{"rate":100,"arrival":"constant"}"#);
    let counts = per_second(
        &common::run(&arch, Some(CROWD), options(1, 60)),
        END_TO_END,
        60,
    );
    for (i, &c) in counts.iter().enumerate() {
        let want = if (20..40).contains(&i) { 400 } else { 100 };
        assert!(c.abs_diff(want) <= 1, "second {i}: {c} vs {want}");
    }
    assert_eq!(counts[25], 400);
    assert_eq!(counts[45], 100, "the crowd has gone at 40 s");

    // Poisson arrivals, on a profile: each window is its rate × 4 within 4 s.e.
    let arch = one_entry(r#"{"profile":{"steps":[["0s",100],["30s",300]]}}"#);
    let s = common::run(&arch, Some(CROWD), options(7, 60));
    let counts = per_second(&s, END_TO_END, 60);
    let rate = |t: f64| {
        let base = if t < 30.0 { 100.0 } else { 300.0 };
        if (20.0..40.0).contains(&t) {
            4.0 * base
        } else {
            base
        }
    };
    let (worst, z2) = check_windows("flash crowd on steps", &counts, &rate);
    let inside: u64 = counts[20..40].iter().sum();
    let want = 4.0 * (10.0 * 100.0 + 10.0 * 300.0);
    let z = (inside as f64 - want) / want.sqrt();
    assert!(z.abs() < 4.0, "{inside} vs {want}");
    eprintln!("flash crowd ×4, 20–40 s: {inside} arrivals, expected {want} (z {z:.2}); largest |z| per second {worst:.2}, mean z² {z2:.3}");
}

#[test]
fn a_flash_crowd_on_one_entry_point_leaves_the_others_and_crowds_multiply() {
    let arch = r#"{"arch":"t","traffic":{"rate":100,"arrival":"constant"},"services":[
        {"name":"www","package":"karyon","count":1,"traffic":{"rate":50}},
        {"name":"api","package":"karyon","count":1}]}"#;
    let sc = r#"{"faults":[
        {"at":"10s","for":"20s","flash_crowd":{"factor":2,"entry":"www"}},
        {"at":"20s","for":"20s","flash_crowd":{"factor":3,"entry":"www"}},
        {"at":"45s","for":"5s","flash_crowd":{"factor":0.5}}]}"#;
    let s = common::run(arch, Some(sc), options(1, 60));
    let www = per_second(&s, s.topology().service_id("www").unwrap(), 60);
    let api = per_second(&s, s.topology().service_id("api").unwrap(), 60);
    // www: 50/s, ×2 from 10 s, ×6 from 20 s, ×3 from 30 s, 50/s from 40 s, ×0.5 45–50 s.
    for (i, want) in [
        (5, 50),
        (15, 100),
        (25, 300),
        (35, 150),
        (42, 50),
        (47, 25),
        (55, 50),
    ] {
        assert!(
            www[i].abs_diff(want) <= 1,
            "www second {i}: {} vs {want}",
            www[i]
        );
    }
    for (i, want) in [(5, 100), (25, 100), (47, 50), (55, 100)] {
        assert!(
            api[i].abs_diff(want) <= 1,
            "api second {i}: {} vs {want}",
            api[i]
        );
    }
}

#[test]
fn a_live_flash_crowd_goes_through_the_viewers_parser() {
    let arch = one_entry(r#"{"rate":100,"arrival":"constant"}"#);
    let mut s = common::spec(&arch, None, options(1, 30)).simulation();
    s.run_until(10 * SEC);
    let fault = serde_json::json!({"for": "10s", "flash_crowd": {"factor": 3}});
    let (action, lasts) = sim_core::fault::parse_live_fault(&fault, s.topology()).unwrap();
    assert_eq!(lasts, Some(10 * SEC));
    s.inject(action, lasts);
    let s = common::finish(s);
    let counts = per_second(&s, END_TO_END, 30);
    assert_eq!(
        (counts[5], counts[15], counts[25]),
        (100, 300, 100),
        "{counts:?}"
    );
    // heal_all ends a crowd at once.
    let mut s = common::spec(&arch, Some(CROWD), options(1, 60)).simulation();
    s.run_until(25 * SEC);
    s.heal_all();
    let counts = per_second(&common::finish(s), END_TO_END, 60);
    assert_eq!((counts[22], counts[30]), (400, 100), "{counts:?}");
}

#[test]
fn profiles_and_crowds_reproduce_whole_or_stepped() {
    let arch = r#"{"arch":"t","traffic":{"profile":{"diurnal":{"period":"20s","min":10,"max":300}}},"services":[
        {"name":"www","package":"karyon","count":2,"dependencies":["db"]},
        {"name":"api","package":"karyon","count":2,"dependencies":["db"],
         "traffic":{"arrival":"constant","profile":{"ramp":[["0s",10],["20s",200]]}}},
        {"name":"db","package":"store","count":3,"service_time":{"dist":"exponential","mean_ms":2}}]}"#;
    let o = || RunOptions {
        record_graph: true,
        ..options(5, 40)
    };
    let whole = common::run(arch, Some(CROWD), o()).outputs().digest();
    assert_eq!(
        whole,
        common::run(arch, Some(CROWD), o()).outputs().digest()
    );
    let mut stepped = common::spec(arch, Some(CROWD), o()).simulation();
    let mut t = 0;
    while stepped.run_until(t) {
        t += 137 * MS;
    }
    assert_eq!(whole, common::finish(stepped).outputs().digest());
    let other = RunOptions { seed: 6, ..o() };
    assert_ne!(
        whole,
        common::run(arch, Some(CROWD), other).outputs().digest()
    );
}
