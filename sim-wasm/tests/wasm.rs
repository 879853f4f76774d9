//! Runs under wasm32 (wasm-bindgen-test, in Node): the same simulations as
//! sim-core's golden tests must give the same digests as the native build, both
//! run at once and stepped through the viewer's live session.
#![cfg(target_arch = "wasm32")]

use wasm_bindgen_test::*;

const ARCH: &str = include_str!("../../architectures/netflixoss.json");
const GOLDEN: &str = include_str!("../../sim-core/tests/golden_digest.txt");
const GOLDEN_OPTIONS: &str = r#"{"seed": 42, "duration": "2s"}"#;

#[wasm_bindgen_test]
fn wasm_digest_matches_native_golden() {
    let d = sim_wasm::simulate_digest(ARCH, None, None, GOLDEN_OPTIONS).unwrap();
    assert_eq!(d, GOLDEN.trim());
}

const DISTRIBUTIONS: &str = include_str!("../../sim-core/tests/golden-distributions.json");
const GOLDEN_DISTRIBUTIONS: &str =
    include_str!("../../sim-core/tests/golden_distributions_digest.txt");

/// Every service-time distribution (sim-core's second golden run): each
/// sampler's libm maths draws the same bits under wasm32 as natively.
#[wasm_bindgen_test]
fn every_distribution_digest_matches_native_golden() {
    let d = sim_wasm::simulate_digest(DISTRIBUTIONS, None, None, GOLDEN_OPTIONS).unwrap();
    assert_eq!(d, GOLDEN_DISTRIBUTIONS.trim());
}

/// The exact bits of every sampler's draws equal the native ones (sim-core's
/// `every_distribution_draws_pinned_bits`): stricter than the run digest.
#[wasm_bindgen_test]
fn every_distribution_draws_the_native_bits() {
    let spec = sim_core::model::load_arch(DISTRIBUTIONS).unwrap();
    let text = sim_core::dist::Dist::fingerprints(&spec, 42, 100_000);
    assert_eq!(
        text,
        include_str!("../../sim-core/tests/golden_distributions_samples.txt")
    );
}

/// Failures by MTBF/MTTR (sim-core's `failures_digest_matches_golden`): the
/// failure process draws the same bits under wasm32 as natively.
#[wasm_bindgen_test]
fn failures_digest_matches_native_golden() {
    let options = r#"{"seed": 42, "duration": "2s", "failures": 10000000}"#;
    let d = sim_wasm::simulate_digest(ARCH, None, None, options).unwrap();
    assert_eq!(
        d,
        include_str!("../../sim-core/tests/golden_failures_digest.txt").trim()
    );
}

/// Keys and caches (sim-core's `keys_digest_matches_golden`): Zipf keys, the
/// key hash and the LRUs draw and decide the same bits under wasm32.
#[wasm_bindgen_test]
fn keys_digest_matches_native_golden() {
    let arch = include_str!("../../architectures/netflixoss-keys.json");
    let d = sim_wasm::simulate_digest(arch, None, None, GOLDEN_OPTIONS).unwrap();
    assert_eq!(
        d,
        include_str!("../../sim-core/tests/golden_keys_digest.txt").trim()
    );
}

#[wasm_bindgen_test]
fn a_stepped_viewer_gives_the_same_digest() {
    let mut v = sim_wasm::Viewer::new(ARCH, None, None, GOLDEN_OPTIONS).unwrap();
    v.command(r#"{"type":"pause"}"#).unwrap();
    for _ in 0..10 {
        v.command(r#"{"type":"step","ms":100}"#).unwrap();
        let s = v.frame(16.0);
        assert!(s.contains("\"summary\""), "a step makes a snapshot due");
    }
    assert_eq!(v.now_ms(), 1000.0, "paused: only the steps moved time");
    assert_eq!(v.finish_digest(), GOLDEN.trim());
}

#[wasm_bindgen_test]
fn frames_follow_wall_time_and_a_killed_zone_shows() {
    let mut v = sim_wasm::Viewer::new(ARCH, None, None, r#"{"seed": 1}"#).unwrap();
    assert!(!v.frame(0.0).is_empty(), "the first frame snapshots");
    for _ in 0..10 {
        v.frame(100.0);
    }
    assert!(v.now_ms() > 0.0 && v.now_ms() <= 1000.0, "{}", v.now_ms());
    v.command(r#"{"type":"fault","fault":{"zone_outage":{"region":"us-east-1","zone":"zoneA"}}}"#)
        .unwrap();
    v.command(r#"{"type":"step","ms":2000}"#).unwrap();
    let s: serde_json::Value = serde_json::from_str(&v.summary()).unwrap();
    assert!(s["end_to_end"]["failed"].as_u64().unwrap() > 0);
    let e = v
        .command(
            r#"{"type":"fault","fault":{"zone_outage":{"region":"us-east-1","zone":"zoneQ"}}}"#,
        )
        .unwrap_err();
    assert!(e.as_string().unwrap().contains("zoneQ"));
}

#[wasm_bindgen_test]
fn wasm_reports_bad_input_in_the_pages_words() {
    let e = sim_wasm::simulate_summary("{\"arch\": 1}", None, None, "{}").unwrap_err();
    assert!(e.as_string().unwrap().starts_with("architecture:1:"));
    let e = sim_wasm::Viewer::new(ARCH, None, None, r#"{"scale": 0}"#)
        .err()
        .unwrap();
    assert!(e.as_string().unwrap().starts_with("at scale: "), "{e:?}");
    let e = sim_wasm::Viewer::new(ARCH, None, None, r#"{"sead": 1}"#)
        .err()
        .unwrap();
    assert!(e.as_string().unwrap().contains("sead"), "{e:?}");
}

const TRAFFIC: &str = include_str!("../../sim-core/tests/golden-traffic.json");
const CROWDS: &str = include_str!("../../sim-core/tests/golden-traffic-scenario.json");
const GOLDEN_TRAFFIC: &str = include_str!("../../sim-core/tests/golden_traffic.txt");

/// Every profile form under flash crowds (sim-core's third golden run): the
/// run's digest and the exact bits of each profile's integrals and advances
/// (libm's sin and cos, the Newton steps) equal the native ones.
#[wasm_bindgen_test]
fn traffic_profiles_match_native_golden() {
    let d = sim_wasm::simulate_digest(
        TRAFFIC,
        Some("scenario".into()), // as the native harness names it in graph.json's args
        Some(CROWDS.into()),
        GOLDEN_OPTIONS,
    )
    .unwrap();
    let mut text = format!("run {d}\n");
    let spec = sim_core::model::load_arch(TRAFFIC).unwrap();
    let topo = sim_core::Topology::build(&spec, &sim_core::BuildOptions::default()).unwrap();
    for (e, t) in topo.entry_points.iter().zip(&topo.entry_traffic) {
        if let sim_core::traffic::Rate::Profile(p) = &t.rate {
            let name = &topo.services[*e as usize].name;
            text.push_str(&format!("{name} {}\n", p.fingerprint(42, 20_000)));
        }
    }
    assert_eq!(text, GOLDEN_TRAFFIC);
}
