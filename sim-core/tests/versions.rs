//! Versions and deployments through the engine: traffic split by weight as a
//! mesh's weighted routes split it (Istio `VirtualService` route weights),
//! a defect's share and extra work, a leak growing with uptime (linear
//! software aging), Eureka's discovery lag for new instances and Envoy's "no
//! healthy upstream" for a weight on a version with nothing listed, ramps,
//! rollbacks, red/black and rolling pushes. Tolerances are binomial: a share
//! p of n calls has standard error √(p(1−p)/n), and every check allows four.

mod common;

use common::{checked, options, run, spec};
use sim_core::duration::{MS, SEC};
use sim_core::metrics::{Reason, Row, Stats};
use sim_core::{Outputs, RunOptions, Simulation};

/// www → api (versions as given) at `rate` requests a second, constant
/// service time of 10 ms so latencies can be computed by hand.
fn arch(rate: u32, versions: &str) -> String {
    format!(
        r#"{{"arch":"v","traffic":{{"rate":{rate}}},
        "network":{{"same_zone":0,"cross_zone":0,"cross_region":0}},
        "services":[
        {{"name":"www","package":"denominator","dependencies":["api"],"service_time":{{"dist":"constant","mean_ms":0}}}},
        {{"name":"api","package":"karyon","count":6,"service_time":{{"dist":"constant","mean_ms":10}},
          "versions":{versions}}}]}}"#
    )
}

/// The track of version `name` of api, in [`sim_core::Topology::tracks`] order.
fn track(s: &Simulation, name: &str) -> usize {
    let topo = s.topology();
    let api = topo.service_id("api").unwrap();
    let svc = &topo.services[api as usize];
    topo.tracks()
        .iter()
        .position(|t| {
            t.service == api
                && t.version
                    .is_some_and(|v| svc.versions[v as usize].name == name)
        })
        .unwrap()
}

/// The figures of version `name` of api.
fn version<'a>(s: &'a Simulation, name: &str) -> &'a Stats {
    &s.track_stats()[track(s, name)]
}

/// Per-second rows of version `name` of api, one per second of the run: the
/// series keeps rows only for seconds in which a track did something, so
/// idle seconds are filled in as metrics.csv fills them (instances carried).
/// Track rows follow the services' in the series.
fn rows(s: &Simulation, name: &str) -> Vec<Row> {
    let topo = s.topology();
    let svc = &topo.services[topo.service_id("api").unwrap() as usize];
    let g = track(s, name);
    let id = (topo.services.len() + g) as u32;
    let v = topo.tracks()[g].version.unwrap() as usize;
    let mut instances = svc.versions[v].count * svc.regions;
    let mut kept = s
        .series()
        .rows()
        .iter()
        .filter(|r| r.service == id)
        .peekable();
    (0..s.series().end_to_end_rows().len() as u32)
        .map(|b| match kept.next_if(|r| r.bucket == b) {
            Some(r) => {
                instances = r.instances;
                r.clone()
            }
            None => Row {
                instances,
                ..Row::idle(b, id)
            },
        })
        .collect()
}

/// Whether `x` is within four binomial standard errors of `p` over `n` trials.
fn within(x: f64, p: f64, n: u64) -> bool {
    (x - p).abs() <= 4.0 * (p * (1.0 - p) / n as f64).sqrt()
}

fn run_with(arch: &str, scenario: &str, o: RunOptions) -> Simulation {
    run(arch, Some(scenario), o)
}

#[test]
fn callers_split_traffic_between_versions_by_weight() {
    let a = arch(
        1000,
        r#"[{"name":"v1","count":3,"weight":90},{"name":"v2","count":3,"weight":10}]"#,
    );
    let s = run(&a, None, options(1, 20));
    let (v1, v2) = (version(&s, "v1"), version(&s, "v2"));
    let n = v1.requests + v2.requests;
    let api = &s.service_stats()[1];
    assert_eq!(n, api.requests, "every call to api goes to one version");
    let share = v2.requests as f64 / n as f64;
    assert!(within(share, 0.10, n), "v2 took {share}");
    // Without weights, traffic follows the counts: 4 of 6 instances.
    let a = arch(1000, r#"[{"name":"v1","count":4},{"name":"v2","count":2}]"#);
    let s = run(&a, None, options(1, 20));
    let (v1, v2) = (version(&s, "v1"), version(&s, "v2"));
    let n = v1.requests + v2.requests;
    assert!(within(v1.requests as f64 / n as f64, 4.0 / 6.0, n));
}

#[test]
fn a_defect_fails_its_share_after_its_work_and_adds_its_extra_work() {
    let a = arch(
        1000,
        r#"[{"name":"v1","count":3,"weight":50},
            {"name":"v2","count":3,"weight":50,"defect":{"errors_percent":20,"add_ms":5}}]"#,
    );
    let s = run(&a, None, options(2, 20));
    let (v1, v2) = (version(&s, "v1"), version(&s, "v2"));
    assert_eq!(v1.failed(), 0);
    let injected = v2.failures[Reason::Injected as usize - 1];
    assert_eq!(injected, v2.failed(), "a defect's failures are injected");
    assert!(within(
        injected as f64 / v2.answered() as f64,
        0.2,
        v2.answered()
    ));
    // Constant 10 ms of work, no network, no queue: v1 answers in exactly
    // 10 ms; v2 in 15, failed or not, because it fails after its work.
    assert_eq!(v1.mean_ns(), 10.0 * MS as f64);
    assert_eq!(v2.mean_ns(), 15.0 * MS as f64);
    assert_eq!(
        s.end_to_end().failed(),
        injected,
        "api's failures fail the requests"
    );
}

#[test]
fn a_leak_grows_with_each_instances_uptime() {
    // 10 percentage points more failures per minute of uptime: the error
    // rate averages 5 % over the first minute, 15 % over the second.
    let a = arch(
        1000,
        r#"[{"name":"v1","defect":{"leak_per_minute":{"errors_percent":10}}}]"#,
    );
    let s = run(&a, None, options(3, 120));
    let r = rows(&s, "v1");
    for (minute, want) in [(0usize, 0.05), (1, 0.15)] {
        let m = &r[minute * 60..(minute + 1) * 60];
        let (failed, answered): (u64, u64) = m
            .iter()
            .fold((0, 0), |(f, a), r| (f + r.failed(), a + r.ok + r.failed()));
        let rate = failed as f64 / answered as f64;
        assert!(within(rate, want, answered), "minute {minute}: {rate}");
    }
}

#[test]
fn a_new_version_serves_after_its_startup_and_the_next_poll_and_weight_without_instances_is_refused(
) {
    // v2 starts at 0 s (5 s start-up); half the traffic is shifted to it at
    // once. Until the poll at 30 s lists it, that half finds nothing: Envoy's
    // "no healthy upstream", refused by api (a dependency failure for www).
    let a = arch(500, r#"[{"name":"v1"},{"name":"v2","count":0}]"#);
    let sc = r#"{"deployments":[
        {"at":"0s","deploy":{"service":"api","version":"v2","instances":3,"startup":"5s"}},
        {"at":"0s","shift":{"service":"api","weights":{"v1":50,"v2":50}}}]}"#;
    let s = run_with(&a, sc, options(4, 60));
    let e2e = s.series().end_to_end_rows();
    let (early_failed, early): (u64, u64) = e2e[..30]
        .iter()
        .fold((0, 0), |(f, n), r| (f + r.failed(), n + r.requests));
    assert!(
        within(early_failed as f64 / early as f64, 0.5, early),
        "{early_failed} of {early}"
    );
    assert!(
        e2e[30..60].iter().all(|r| r.failed() == 0),
        "listed at 30 s"
    );
    let v2 = version(&s, "v2");
    assert_eq!(
        v2.failures[Reason::Refused as usize - 1],
        early_failed,
        "the refusals are v2's"
    );
}

#[test]
fn a_shift_ramps_linearly_and_a_rollback_is_immediate() {
    let a = arch(
        1000,
        r#"[{"name":"v1","count":3,"weight":100},{"name":"v2","count":3,"weight":0}]"#,
    );
    // From all on v1 to all on v2 over 10 s, from 20 s; rollback at 40 s.
    let sc = r#"{"deployments":[
        {"at":"20s","shift":{"service":"api","weights":{"v2":100},"over":"10s"}},
        {"at":"40s","rollback":{"service":"api"}}]}"#;
    let s = run_with(&a, sc, options(5, 60));
    let share = |t: usize| {
        let v2 = rows(&s, "v2");
        let v1 = rows(&s, "v1");
        let n = v1[t].requests + v2[t].requests;
        (v2[t].requests as f64 / n as f64, n)
    };
    // Ticks at 21, 22, … 30 s: during [20 + k, 21 + k) v2 has k tenths.
    for k in [0usize, 3, 5, 9] {
        let (x, n) = share(20 + k);
        assert!(within(x, k as f64 / 10.0, n), "second {}: {x}", 20 + k);
    }
    assert_eq!(share(35).0, 1.0, "all on v2 after the ramp");
    assert_eq!(share(41).0, 0.0, "the rollback is at once");
    let d: Vec<_> = s.deployments().collect();
    assert_eq!(d.len(), 2);
    assert_eq!(d[0].traffic, Some(21 * SEC));
}

#[test]
fn red_black_switches_at_once_and_keeps_the_old_group_until_rolled_back() {
    let a = arch(1000, r#"[{"name":"v1"},{"name":"v2","count":0}]"#);
    let sc = r#"{"deployments":[
        {"at":"10s","red_black":{"service":"api","version":"v2","startup":"5s"}},
        {"at":"45s","rollback":{"service":"api"}}]}"#;
    let s = run_with(&a, sc, options(6, 80));
    let (v1, v2) = (rows(&s, "v1"), rows(&s, "v2"));
    // Listed at the 30 s poll: all traffic on v2 from then until 45 s.
    assert_eq!(v2[29].requests, 0);
    assert!(v1[31].requests == 0 && v2[31].requests > 800);
    // The old group is still paid for (kept for the rollback), then takes all again.
    assert_eq!(v1[40].instances, 6);
    assert_eq!(v2[40].instances, 6);
    assert!(v2[46].requests == 0 && v1[46].requests > 800);
    // v2 retires at the poll after the rollback (60 s).
    assert_eq!(v2[61].instances, 0);
    // Without an analysis, red/black is done once switched: the rollback is
    // a deployment of its own.
    let r = s.deployments().next().unwrap();
    assert_eq!((r.traffic, r.outcome.name()), (Some(30 * SEC), "done"));
}

#[test]
fn rolling_replaces_a_batch_at_a_time_and_ends_on_the_new_version() {
    let a = arch(1000, r#"[{"name":"v1"},{"name":"v2","count":0}]"#);
    let sc = r#"{"discovery_poll":"5s","deployments":[
        {"at":"1s","rolling":{"service":"api","version":"v2","batch":2,"startup":"2s"}}]}"#;
    let s = run_with(&a, sc, options(7, 60));
    let r = s.deployments().next().unwrap();
    assert_eq!(r.outcome.name(), "promoted");
    assert_eq!(r.started_instances, 6);
    // Each batch: 2 s start-up, listed at the next 5 s poll, 2 old retire.
    assert_eq!(r.promoted, Some(15 * SEC));
    let (v1, v2) = (rows(&s, "v1"), rows(&s, "v2"));
    assert_eq!(v2[7].instances, 2 + 2, "second batch starting at 5 s");
    assert_eq!(v1[7].instances, 4 + 2, "two retiring until the 10 s poll");
    assert_eq!(v1[40].instances, 0);
    assert_eq!(v1[40].requests, 0);
    assert_eq!(version(&s, "v2").failed(), 0);
}

/// The lesson's canary and red/black pushes of a version failing 20 % of
/// its requests: both are detected by the same judge and rolled back; the
/// canary's bad requests are a small fraction of the red/black push's.
#[test]
fn a_bad_version_is_caught_by_canary_and_by_red_black_but_the_canary_costs_far_fewer_failures() {
    let a = common::file("change-in-flight.json");
    let canary = common::file("scenarios/canary.json");
    let rb = common::file("scenarios/red-black.json");
    let o = options(1, 300);
    let c = run_with(&a, &canary, o.clone());
    let r = run_with(&a, &rb, o);
    let (dc, dr) = (
        c.deployments().next().unwrap(),
        r.deployments().next().unwrap(),
    );
    for d in [dc, dr] {
        assert_eq!(d.outcome.name(), "rolled_back", "{d:?}");
        assert_eq!(d.detected, d.rolled_back);
        assert!(d.traffic.is_some() && d.detected > d.traffic);
    }
    let failed = |s: &Simulation| s.touched()[0].1;
    assert!(failed(&c) > 0);
    assert!(
        failed(&r) > 10 * failed(&c),
        "red/black {} vs canary {}",
        failed(&r),
        failed(&c)
    );
    // After the rollback nothing reaches v2.
    let v2 = rows(&c, "v2");
    let back = (dc.rolled_back.unwrap() / SEC) as usize + 1;
    assert!(v2[back..].iter().all(|r| r.requests == 0));
}

/// The same inputs give the same outputs, deployments and all.
#[test]
fn deployments_are_reproducible() {
    let a = common::file("change-in-flight.json");
    let sc = common::file("scenarios/canary.json");
    let o = RunOptions {
        record_graph: true,
        ..options(9, 200)
    };
    let once: Outputs = run_with(&a, &sc, o.clone()).outputs();
    let twice: Outputs = run_with(&a, &sc, o.clone()).outputs();
    assert_eq!(once.digest(), twice.digest());
    // Stepped in slices, as the live view does, it ends the same.
    let mut sim = spec(&a, Some(&sc), o).simulation();
    let mut t = 0;
    while sim.run_until(t) {
        t += 700 * MS;
    }
    let stepped = common::finish(sim).outputs();
    assert_eq!(stepped.digest(), once.digest());
    assert!(once.summary_json.contains("\"deployments\""));
}

#[test]
fn the_invariants_hold_mid_push() {
    let a = common::file("change-in-flight.json");
    let sc = common::file("scenarios/red-black.json");
    let mut sim = spec(&a, Some(&sc), options(10, 200)).simulation();
    for t in [35, 61, 95, 151, 181] {
        sim.run_until(t * SEC);
        sim = checked(sim);
    }
}

/// A request remembers in one byte which versioned services it touched, so
/// at most eight services may have versions; a ninth is refused at
/// `services`, naming them.
#[test]
fn at_most_eight_services_have_versions() {
    let services: Vec<String> = (0..9)
        .map(|i| {
            format!(
                r#"{{"name":"s{i}","package":"karyon","count":1,"versions":[{{"name":"v1"}}]}}"#
            )
        })
        .collect();
    let a = format!(r#"{{"arch":"t","services":[{}]}}"#, services.join(","));
    let e = sim_core::RunSpec::new(sim_core::Input::new("t", &a), None, options(1, 1))
        .map(|_| ())
        .unwrap_err()
        .to_string();
    assert!(
        e.contains("at services: 9 services have versions (s0, s1"),
        "{e}"
    );
    assert!(e.contains("Fix:"), "{e}");
}
