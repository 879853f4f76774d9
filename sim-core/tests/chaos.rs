//! Faults and resilience, end to end through the engine: what each fault does
//! to the numbers, and what each resilience pattern changes about it.
//!
//! Semantics reproduced (docs/semantics.md): Hystrix breakers and bulkheads
//! (github.com/Netflix/Hystrix/wiki/Configuration), Envoy retries (full-jitter
//! backoff from 25 ms, capped at 10× base; the route timeout covers all
//! retries), Eureka discovery (clients see changes at their next registry
//! fetch, every 30 s by default), Chaos Monkey / Gorilla, Latency Monkey and
//! Istio-style delay and abort injection.

mod common;

use common::file;
use sim_core::duration::MS;
use sim_core::metrics::{Reason, Stats, END_TO_END};
use sim_core::{RunOptions, Simulation};

/// A run of `secs` with the scenario (none when empty), on `regions` regions,
/// checked by the shared harness.
fn run_with(arch: &str, scenario: &str, secs: u64, seed: u64, regions: u32) -> Simulation {
    let o = RunOptions {
        regions,
        ..common::options(seed, secs)
    };
    common::run(arch, (!scenario.is_empty()).then_some(scenario), o)
}

fn run(arch: &str, scenario: &str, secs: u64) -> Simulation {
    run_with(arch, scenario, secs, 1, 1)
}

fn failures(s: &Stats, r: Reason) -> u64 {
    s.failures[r as usize - 1]
}

fn svc<'a>(s: &'a Simulation, name: &str) -> &'a Stats {
    &s.service_stats()[s.topology().service_id(name).unwrap() as usize]
}

/// Failed end-to-end answers per one-second bucket.
fn errors_by_second(s: &Simulation) -> Vec<u64> {
    let rows: Vec<_> = s
        .series()
        .rows()
        .iter()
        .filter(|r| r.service == END_TO_END)
        .collect();
    let n = rows.iter().map(|r| r.bucket).max().unwrap_or(0) as usize + 1;
    let mut v = vec![0; n];
    for r in rows {
        v[r.bucket as usize] += r.failed();
    }
    v
}

/// A front service calling one back-end dependency with the given options.
fn pair(rate: u32, dep_options: &str, back: &str) -> String {
    format!(
        r#"{{"arch":"pair","traffic":{{"rate":{rate}}},
        "services":[
        {{"name":"back","package":"store","count":3{back}}},
        {{"name":"front","package":"karyon","count":3,
          "dependencies":[{{"service":"back"{dep_options}}}]}}]}}"#
    )
}

const ALL_BACK_ERRORS: &str =
    r#"{"faults":[{"at":"0s","errors":{"service":"back","percent":100}}]}"#;

#[test]
fn zone_outage_errors_rise_at_the_outage_and_stop_at_the_next_discovery_poll() {
    let s = run(
        &file("netflixoss.json"),
        &file("scenarios/zone-outage.json"),
        60,
    );
    let e = errors_by_second(&s);
    assert!(e[..20].iter().all(|&x| x == 0), "{e:?}");
    assert!(e[20] > 0 && e[25] > 0, "{e:?}");
    // Callers learn of the dead at the poll at 30 s (Eureka: 30 s fetch interval).
    assert!(e[30..].iter().all(|&x| x == 0), "{e:?}");
    let ok = s.end_to_end().ok as f64 / s.end_to_end().requests as f64;
    assert!(ok < 0.95, "without resilience the outage shows: {ok}");
}

#[test]
fn zone_aware_retries_and_fallbacks_keep_a_zone_outage_above_three_nines() {
    let s = run(
        &file("netflixoss-resilient.json"),
        &file("scenarios/zone-outage.json"),
        60,
    );
    let e2e = s.end_to_end();
    let ok = e2e.ok as f64 / e2e.requests as f64;
    assert!(ok > 0.999, "{ok}");
    let retries: u64 = s.service_stats().iter().map(|x| x.retries).sum();
    assert!(retries > 0, "the outage is survived by retrying elsewhere");
}

#[test]
fn a_breaker_contains_a_failing_dependency() {
    let without = run(&pair(200, "", ""), ALL_BACK_ERRORS, 30);
    let with = run(
        &pair(200, r#","circuit_breaker":true"#, ""),
        ALL_BACK_ERRORS,
        30,
    );
    let (b0, b1) = (svc(&without, "back"), svc(&with, "back"));
    assert_eq!(failures(b0, Reason::ShortCircuited), 0);
    assert!(failures(b1, Reason::ShortCircuited) > 0);
    // Each of 3 callers lets ~20 calls trip it, then one trial per 5 s open.
    let reached = b1.requests - b1.local;
    assert!(reached * 20 < b0.requests, "{reached} vs {}", b0.requests);
    assert!(reached <= 3 * (20 + 30 / 5 + 1) + 3, "{reached}");
}

#[test]
fn a_zombie_without_a_timeout_loses_requests_and_with_one_fails_fast() {
    let zombie =
        r#"{"faults":[{"at":"1s","kill":{"service":"back","instances":1,"mode":"hang"}}]}"#;
    let lost = run(&pair(100, "", ""), zombie, 10);
    assert!(lost.end_to_end().requests > lost.end_to_end().answered() + 100);
    assert!(lost.in_flight() > 0);

    let timed = run(&pair(100, r#","timeout_ms":200"#, ""), zombie, 10);
    let e = timed.end_to_end();
    assert_eq!(e.requests, e.answered(), "every request ends");
    assert!(failures(svc(&timed, "back"), Reason::Timeout) > 100);
    // Nobody waits longer than the timeout plus the front's own work and hops.
    assert!(e.latency.max() < 200 * MS + 5 * MS, "{}", e.latency.max());
}

#[test]
fn retries_are_bounded_and_jittered_within_envoys_bound() {
    let s = run(&pair(50, r#","retries":3"#, ""), ALL_BACK_ERRORS, 20);
    let back = svc(&s, "back");
    let front = svc(&s, "front");
    // Every attempt fails, so every call makes exactly 1 + 3 attempts.
    assert_eq!(back.requests, 4 * front.requests);
    assert_eq!(back.retries, 3 * front.requests);
    // Waits: U[0,25), U[0,75), U[0,175) ms (Envoy: (2^n − 1)·25 ms, cap 250 ms).
    let bound = (25 + 75 + 175) * MS + 10 * MS;
    assert!(front.latency.max() < bound, "{}", front.latency.max());
    // Their mean is half the bound: 137.5 ms of waiting on average.
    let mean_wait = front.mean_ns() / MS as f64;
    assert!((130.0..150.0).contains(&mean_wait), "{mean_wait}");
}

#[test]
fn the_deadline_covers_all_retries() {
    let slow = r#","service_time":{"dist":"constant","mean_ms":40}"#;
    let s = run(
        &pair(
            20,
            r#","timeout_ms":100,"retries":{"attempts":5,"per_try_timeout_ms":30}"#,
            slow,
        ),
        "",
        10,
    );
    let front = svc(&s, "front");
    assert_eq!(front.ok, 0, "every try times out");
    assert!(
        front.latency.max() <= 100 * MS + 2 * MS,
        "{}",
        front.latency.max()
    );
    let back = svc(&s, "back");
    assert!(
        back.retries >= front.requests,
        "retries were made inside the deadline"
    );
    assert!(
        back.retries <= 3 * front.requests,
        "but not all five fit in 100 ms"
    );
}

#[test]
fn a_retry_budget_caps_amplification() {
    let s = run(
        &pair(100, r#","retries":{"attempts":3,"budget":0.1}"#, ""),
        ALL_BACK_ERRORS,
        20,
    );
    let back = svc(&s, "back");
    let first = back.requests - back.retries;
    // 10 % of first attempts plus each caller's small reserve.
    assert!(back.retries as f64 <= 0.1 * first as f64 + 3.0 * 10.0 + 1.0);
    assert!(back.retries as f64 >= 0.09 * first as f64);
}

#[test]
fn a_retry_storm_turns_a_slow_dependency_into_an_outage() {
    let sc = file("scenarios/retry-storm.json");
    let storm = run(&file("retry-storm.json"), &sc, 60);
    let budget = run(&file("retry-budget.json"), &sc, 60);
    let ok = |s: &Simulation| s.end_to_end().ok as f64 / s.end_to_end().requests as f64;
    assert!(
        ok(&storm) + 0.2 < ok(&budget),
        "{} vs {}",
        ok(&storm),
        ok(&budget)
    );
    // The storm outlives its cause (db heals at 30 s); the budgeted system does not.
    let (es, eb) = (errors_by_second(&storm), errors_by_second(&budget));
    assert!(es[32] > 200, "{es:?}");
    assert!(eb[32] == 0, "{eb:?}");
    let amp = |s: &Simulation| s.service_stats().iter().map(|x| x.retries).sum::<u64>();
    assert!(amp(&storm) > 10 * amp(&budget));
}

#[test]
fn a_bulkhead_rejects_calls_beyond_its_cap() {
    let slow = r#","service_time":{"dist":"constant","mean_ms":50}"#;
    let s = run(&pair(200, r#","bulkhead":2"#, slow), "", 10);
    let back = svc(&s, "back");
    assert!(failures(back, Reason::Rejected) > 0);
    assert_eq!(failures(back, Reason::Rejected), back.local);
    // 3 callers × 2 calls × 20 calls/s per slot (50 ms each) bound what gets through.
    assert!(back.requests - back.local <= 3 * 2 * 20 * 10 + 6);
}

#[test]
fn a_fallback_answers_degraded_instead_of_failing() {
    let s = run(&pair(100, r#","fallback":true"#, ""), ALL_BACK_ERRORS, 10);
    let e = s.end_to_end();
    assert_eq!(e.ok, e.requests);
    assert_eq!(e.degraded, e.requests);
    let plain = run(&pair(100, "", ""), ALL_BACK_ERRORS, 10);
    assert_eq!(plain.end_to_end().ok, 0);
}

#[test]
fn injected_errors_hit_the_given_fraction() {
    let sc = r#"{"faults":[{"at":"0s","errors":{"service":"back","percent":10}}]}"#;
    let s = run(&pair(500, "", ""), sc, 20);
    let back = svc(&s, "back");
    let p = failures(back, Reason::Injected) as f64 / back.requests as f64;
    let se = (0.1 * 0.9 / back.requests as f64).sqrt();
    assert!((p - 0.1).abs() < 4.0 * se, "{p} ± {se}");
}

#[test]
fn injected_latency_adds_exactly_its_delay() {
    let constant = r#","service_time":{"dist":"constant","mean_ms":1}"#;
    let arch = pair(10, "", constant);
    let sc = r#"{"faults":[{"at":"0s","latency":{"service":"back","add_ms":50,"percent":100}}]}"#;
    let base = run(&arch, "", 10);
    let slow = run(&arch, sc, 10);
    let d = svc(&slow, "front").mean_ns() - svc(&base, "front").mean_ns();
    assert!((d - 50.0 * MS as f64).abs() < 1.0, "{d}");
}

#[test]
fn callers_keep_calling_the_dead_until_their_next_discovery_poll() {
    let sc = r#"{"discovery_poll":"10s","faults":[{"at":"3s","kill":{"service":"back","instances":1}}]}"#;
    let s = run(&pair(200, "", ""), sc, 20);
    let e = errors_by_second(&s);
    assert!(e[..3].iter().all(|&x| x == 0), "{e:?}");
    assert!(e[3..10].iter().all(|&x| x > 0), "{e:?}");
    assert!(e[10..].iter().all(|&x| x == 0), "{e:?}");
    assert!(failures(svc(&s, "back"), Reason::Refused) > 0);
}

#[test]
fn auto_scaling_replaces_killed_instances() {
    // All three die at 2 s; replacements start 5 s later and are listed at the 10 s poll.
    let sc = r#"{"discovery_poll":"5s","replace_after":"5s",
        "faults":[{"at":"2s","kill":{"service":"back","instances":3}}]}"#;
    let s = run(&pair(100, "", ""), sc, 20);
    let e = errors_by_second(&s);
    assert!(e[..2].iter().all(|&x| x == 0), "{e:?}");
    assert!(e[2..7].iter().all(|&x| x > 50), "{e:?}");
    assert!(e[10..].iter().all(|&x| x == 0), "{e:?}");
}

#[test]
fn a_zone_partition_drops_calls_between_the_zones() {
    let sc = r#"{"faults":[{"at":"0s","for":"5s","partition":{"between":["us-east-1.zoneA","us-east-1.zoneB"]}}]}"#;
    let s = run(&pair(100, r#","timeout_ms":100"#, ""), sc, 10);
    let e = errors_by_second(&s);
    assert!(e[..5].iter().all(|&x| x > 0), "{e:?}");
    assert!(e[6..].iter().all(|&x| x == 0), "{e:?}");
    assert!(failures(svc(&s, "back"), Reason::Timeout) > 0);
    assert_eq!(s.end_to_end().requests, s.end_to_end().answered());
}

#[test]
fn a_region_outage_takes_regional_nodes_and_dns_fails_over_after_the_poll() {
    let arch = r#"{"arch":"geo","services":[
        {"name":"app","package":"karyon","count":3},
        {"name":"lb","package":"elb","count":0,"dependencies":["app"]},
        {"name":"dns","package":"denominator","dependencies":["lb"]}]}"#;
    let sc = r#"{"faults":[{"at":"5s","region_outage":{"region":"us-east-1"}}]}"#;
    let s = run_with(arch, sc, 60, 1, 2);
    let e = errors_by_second(&s);
    assert!(e[5..30].iter().all(|&x| x > 0), "{e:?}");
    assert!(e[30..].iter().all(|&x| x == 0), "{e:?}");
}

#[test]
fn faults_and_resilience_are_reproducible() {
    let run = |seed: u64| {
        let o = RunOptions {
            seed,
            ..RunOptions::default()
        };
        let arch = file("netflixoss-resilient.json");
        let sc = file("scenarios/chaos-monkey.json");
        common::run(&arch, Some(&sc), o).outputs().digest()
    };
    assert_eq!(run(1), run(1));
    assert_ne!(run(1), run(2));
}

/// Every request addressed to every service was answered: nothing is left
/// in flight (the harness has already checked requests = answered + in flight).
fn assert_all_answered(s: &Simulation) {
    assert_eq!(s.in_flight(), 0);
    for (i, st) in s.service_stats().iter().enumerate() {
        assert_eq!(st.answered(), st.requests, "service {i}");
    }
}

#[test]
fn a_bulkhead_rejection_counts_against_the_breaker_and_never_wedges_it() {
    // Review finding: a half-open trial rejected by the bulkhead was never recorded,
    // leaving the breaker half-open (every call short-circuited) for ever.
    let arch = |bulkhead: u32| {
        format!(
            r#"{{"arch":"cb","traffic":{{"rate":200}},"services":[
      {{"name":"back","package":"store","count":3,"service_time":{{"dist":"constant","mean_ms":50}}}},
      {{"name":"front","package":"karyon","count":3,"dependencies":[{{"service":"back","bulkhead":{bulkhead},
         "circuit_breaker":{{"kind":"count","window":4,"min_requests":4,"open_s":1,"trial_calls":10}}}}]}}]}}"#
        )
    };
    let sc = r#"{"faults":[{"at":"0s","for":"2s","errors":{"service":"back","percent":100}}]}"#;
    // A tight bulkhead keeps rejecting bursts, and each rejection is a breaker
    // error: the breaker keeps cycling, but trial calls keep reaching back.
    let tight = run(&arch(2), sc, 30);
    let id = tight.topology().service_id("back").unwrap();
    let reached_late: u64 = tight
        .series()
        .rows()
        .iter()
        .filter(|r| r.service == id && r.bucket >= 20)
        .map(|r| {
            r.requests
                - r.failures[Reason::ShortCircuited as usize - 1]
                - r.failures[Reason::Rejected as usize - 1]
        })
        .sum();
    assert!(reached_late > 20, "{reached_late}");
    // A roomy bulkhead: once the errors stop the breaker closes for good.
    let roomy = run(&arch(10), sc, 30);
    let back = svc(&roomy, "back");
    assert!(
        back.ok > back.requests * 8 / 10,
        "{} of {}",
        back.ok,
        back.requests
    );
}

#[test]
fn a_short_lived_zombie_in_a_ring_does_not_wedge_it() {
    // Review finding: replicas waiting for ever on a zombie peer held every worker.
    let arch = r#"{"arch":"ring","traffic":{"rate":200},"services":[
      {"name":"cass","package":"priamCassandra","count":6,"concurrency":4,"dependencies":["cass"]},
      {"name":"front","package":"karyon","count":3,"dependencies":[{"service":"cass","timeout_ms":100}]}]}"#;
    let sc = r#"{"discovery_poll":"1s","faults":[{"at":"2s","for":"2s","kill":{"service":"cass","instances":1,"mode":"hang"}}]}"#;
    let s = run(arch, sc, 30);
    let e = errors_by_second(&s);
    assert!(e[..2].iter().all(|&x| x == 0), "{e:?}");
    assert!(e[10..].iter().all(|&x| x == 0), "recovers: {e:?}");
    assert_eq!(
        s.in_flight(),
        0,
        "the restart reset the zombie's connections"
    );
    assert_all_answered(&s);
}

#[test]
fn a_timeout_before_arrival_is_counted_once() {
    // Review finding: failover across regions (70 ms) behind a 50 ms timeout counted twice.
    let arch = r#"{"arch":"geo","traffic":{"rate":100},"services":[
      {"name":"back","package":"store","count":3},
      {"name":"front","package":"karyon","count":3,"dependencies":[{"service":"back","timeout_ms":50}]}]}"#;
    let sc = r#"{"discovery_poll":"1s","faults":[{"at":"1s","kill":{"service":"back","instances":3,"region":"us-east-1"}}]}"#;
    let s = run_with(arch, sc, 10, 1, 2);
    let back = svc(&s, "back");
    assert!(failures(back, Reason::Timeout) > 100);
    assert_eq!(back.requests, back.answered());
    assert_eq!(s.in_flight(), 0);
}

#[test]
fn calls_lost_to_a_partition_are_freed_by_their_timeout() {
    let sc =
        r#"{"faults":[{"at":"0s","partition":{"between":["us-east-1.zoneA","us-east-1.zoneB"]}}]}"#;
    let s = run(&pair(100, r#","timeout_ms":100"#, ""), sc, 10);
    assert_eq!(s.in_flight(), 0);
    assert_eq!(s.end_to_end().requests, s.end_to_end().answered());
    assert_all_answered(&s);
}

#[test]
fn a_fault_late_in_the_run_does_not_stretch_it() {
    let sc =
        r#"{"discovery_poll":"1h","faults":[{"at":"9s","kill":{"service":"back","instances":1}}]}"#;
    let s = run(&pair(100, "", ""), sc, 10);
    let last = s.series().rows().iter().map(|r| r.bucket).max().unwrap();
    assert!(last <= 10, "{last}");
}

/// One zone-aware caller in zoneA in front of 20 stores; `dead` stores of
/// zoneA refuse and stay listed (discovery polls once an hour).
fn ejection_run(dead: u32, zone_aware: bool) -> Simulation {
    let arch = format!(
        r#"{{"arch":"eject","traffic":{{"rate":100}},"services":[
        {{"name":"back","package":"store","count":20}},
        {{"name":"front","package":"karyon","count":1,
          "dependencies":[{{"service":"back","zone_aware":{zone_aware}}}]}}]}}"#
    );
    let sc = format!(
        r#"{{"discovery_poll":"1h","faults":[{{"at":"0s","kill":{{"service":"back","instances":{dead},"region":"us-east-1","zone":"zoneA"}}}}]}}"#
    );
    run(&arch, &sc, 10)
}

#[test]
fn outlier_detection_ejects_after_five_failures_in_a_row() {
    // Envoy: consecutive_5xx 5, base ejection 30 s (longer than this run).
    let s = ejection_run(1, true);
    assert_eq!(failures(svc(&s, "back"), Reason::Refused), 5);
    let blind = ejection_run(1, false);
    assert!(failures(svc(&blind, "back"), Reason::Refused) > 30);
}

#[test]
fn outlier_detection_ejects_at_most_ten_percent_of_hosts() {
    // Of 20 hosts at most 2 are ejected at once: with 4 dead, 2 keep failing.
    let s = ejection_run(4, true);
    let refused = failures(svc(&s, "back"), Reason::Refused);
    assert!(refused > 100, "{refused}");
}

#[test]
fn zone_affinity_survives_deaths_elsewhere() {
    // A zone-aware caller in zoneA keeps to zoneA after a zoneB instance died
    // (the discovery view keeps a per-zone index).
    let arch = r#"{"arch":"za","network":{"same_zone":0.2,"cross_zone":1.0,"cross_region":70},
        "traffic":{"rate":200,"arrival":"constant"},"services":[
        {"name":"back","package":"store","count":9,"service_time":{"dist":"constant","mean_ms":1}},
        {"name":"front","package":"karyon","count":1,"service_time":{"dist":"constant","mean_ms":1},
          "dependencies":[{"service":"back","zone_aware":true}]}]}"#;
    let sc = r#"{"discovery_poll":"1s","faults":[{"at":"0s","kill":{"service":"back","instances":1,"region":"us-east-1","zone":"zoneB"}}]}"#;
    let s = run(arch, sc, 10);
    // Every call stays in zoneA after the first poll: 1 + 2 × 0.2 + 1 ms.
    let p90 = svc(&s, "front").quantile_ns(0.9) as f64 / MS as f64;
    assert!(p90 < 2.5, "{p90}");
}

#[test]
fn a_zombie_taken_by_an_outage_resets_its_open_connections() {
    // Found by the invariant check under fuzzing: a zombie (hang) that a zone
    // outage (refuse) then took down kept its open connections while refusing.
    let sc = r#"{"faults":[
        {"at":"1s","kill":{"service":"back","instances":1,"region":"us-east-1","zone":"zoneA","mode":"hang"}},
        {"at":"3s","for":"2s","zone_outage":{"region":"us-east-1","zone":"zoneA"}}]}"#;
    let s = run(&pair(100, "", ""), sc, 10);
    // Without timeouts the calls swallowed from 1 s to 3 s would hang for
    // ever; the outage refuses them, and nothing is left in flight.
    assert_all_answered(&s);
    assert!(failures(svc(&s, "back"), Reason::Refused) > 0);
}
