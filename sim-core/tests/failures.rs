//! Failures by MTBF/MTTR during a run (`RunOptions::failures`,
//! `sim-core/src/engine/failures.rs`), through the engine: zone and instance
//! failures together give the analysis's product, and turning failures on
//! shifts no other random stream. The published check — ten services in
//! series — is in `availability.rs`.

mod common;

use common::file;
use sim_core::availability::montecarlo::{estimate, Replication, MS_PER_YEAR};
use sim_core::availability::Model;
use sim_core::duration::SEC;
use sim_core::model::load_arch;
use sim_core::{BuildOptions, RunOptions, Summary};

/// One store instance in zone A of two; the zones and the instance are each
/// up 90 % of the time with one-hour repairs.
const ZONED: &str = r#"{"arch":"zoned","zones":2,"zone_availability":0.9,"traffic":{"rate":2},
    "services":[{"name":"s","package":"store","count":1,"availability":0.9}]}"#;

/// A zone failure takes the instances placed in it, and an instance is up
/// only while both it and its zone are: observed 0.81 = 0.9 × 0.9, as the
/// analysis enumerates it.
///
/// What is observed: the share of the entry point's requests answered ok,
/// end to end — when the one instance is down and discovery has unlisted it,
/// requests are refused at the door and count (they would not in the
/// service's own statistics). An hour of failures per second of run, clients
/// polling every 1 ms: discovery adds 0.05 % to the unavailability; a request
/// takes 1 ms against one-second outages.
///
/// The interval: 10 replications (seeds 1 to 10) of one year each, Student's
/// t (`montecarlo::estimate`). Why it can fail: a run that ignored zone
/// failures, or instance failures, would observe 0.9, eight half-widths or
/// more away (the half-width must stay under 0.01); one where a zone's repair
/// revived an instance still failed on its own would sit above 0.81.
#[test]
fn zone_and_instance_failures_hold_together_as_the_analysis_multiplies() {
    let m = Model::new(&load_arch(ZONED).unwrap(), &BuildOptions::default()).unwrap();
    let predicted = m.end_to_end()[0];
    assert!((predicted - 0.81).abs() < 1e-12, "{predicted}");
    let runs: Vec<Replication> = (1..=10)
        .map(|seed| {
            let o = RunOptions {
                duration: (MS_PER_YEAR / 3600.0 * 1e6) as u64,
                bucket: 60 * SEC,
                failures: Some(3600.0),
                ..common::options(seed, 1)
            };
            let sim = common::run(ZONED, Some(r#"{"discovery_poll": "1ms"}"#), o);
            let s = Summary::of(&sim);
            let f = s.failure_process.unwrap();
            assert!(f.zone_failures > 1000 && f.instance_failures > 500, "{f:?}");
            let a = &s.availability.unwrap()["s"];
            assert_eq!(a.predicted, predicted);
            Replication {
                served: vec![a.observed],
                events: 0,
            }
        })
        .collect();
    let e = estimate(&runs)[0];
    let half = (e.ci95_high - e.ci95_low) / 2.0;
    assert!(half < 0.01, "too wide: {e:?}");
    assert!(
        e.ci95_low <= predicted && predicted <= e.ci95_high,
        "{predicted} outside {e:?}"
    );
    assert!(e.ci95_high < 0.9, "{e:?}");
}

/// Failures draw from a stream of their own: with nothing that can fail
/// (lamp.json gives no availability figures) a run with failures on is the
/// run without them, figure for figure, and says why nothing failed; with
/// failures that do happen, the arrivals are still the same requests.
#[test]
fn turning_failures_on_shifts_no_other_stream() {
    let run = |arch: &str, failures: Option<f64>| {
        let o = RunOptions {
            failures,
            ..common::options(3, 20)
        };
        let spec = common::spec(arch, None, o);
        let notes = spec.topology().notes.clone();
        (Summary::of(&common::finish(spec.simulation())), notes)
    };
    let lamp = file("lamp.json");
    let (off, _) = run(&lamp, None);
    let (on, notes) = run(&lamp, Some(525_600.0));
    assert!(
        notes.iter().any(|n| n.contains("nothing will fail")),
        "{notes:?}"
    );
    let f = on.failure_process.as_ref().unwrap();
    assert_eq!((f.instance_failures, f.zone_failures), (0, 0));
    let figures = |s: &Summary| {
        let mut v = serde_json::to_value(s).unwrap();
        v.as_object_mut().unwrap().remove("failure_process");
        v
    };
    assert_eq!(figures(&on), figures(&off));
    assert!(
        off.failure_process.is_none(),
        "no key unless the option is set"
    );

    // netflixoss at a year of failures a minute: requests fail, and the
    // same requests arrive.
    let nflx = file("netflixoss.json");
    let (off, _) = run(&nflx, None);
    let (on, _) = run(&nflx, Some(525_600.0));
    assert!(on.failure_process.unwrap().instance_failures > 100);
    assert!(on.end_to_end.failed > off.end_to_end.failed);
    assert_eq!(on.end_to_end.requests, off.end_to_end.requests);
}

/// The same seed gives the same failures, and another seed other ones.
#[test]
fn failures_are_reproducible() {
    let run = |seed: u64| {
        let o = RunOptions {
            failures: Some(525_600.0),
            ..common::options(seed, 20)
        };
        common::run(&file("netflixoss.json"), None, o)
            .outputs()
            .summary_json
    };
    let a = run(5);
    assert_eq!(a, run(5));
    assert_ne!(a, run(6));
}
