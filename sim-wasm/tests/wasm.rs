//! Runs under wasm32 (wasm-bindgen-test, in Node): the same simulations as
//! sim-core's golden tests must give the same digests as the native build, both
//! run at once and stepped through the viewer API.
#![cfg(target_arch = "wasm32")]

use wasm_bindgen_test::*;

const ARCH: &str = include_str!("../../architectures/netflixoss.json");
const GOLDEN: &str = include_str!("../../sim-core/tests/golden_digest.txt");

#[wasm_bindgen_test]
fn wasm_digest_matches_native_golden() {
    let d = sim_wasm::simulate_digest(ARCH, None, 42.0, 2000.0, 100.0, 1).unwrap();
    assert_eq!(d, GOLDEN.trim());
}

const DISTRIBUTIONS: &str = include_str!("../../sim-core/tests/golden-distributions.json");
const GOLDEN_DISTRIBUTIONS: &str =
    include_str!("../../sim-core/tests/golden_distributions_digest.txt");

/// Every service-time distribution (sim-core's second golden run): each
/// sampler's libm maths draws the same bits under wasm32 as natively.
#[wasm_bindgen_test]
fn every_distribution_digest_matches_native_golden() {
    let d = sim_wasm::simulate_digest(DISTRIBUTIONS, None, 42.0, 2000.0, 100.0, 1).unwrap();
    assert_eq!(d, GOLDEN_DISTRIBUTIONS.trim());
}

/// The exact bits of every sampler's draws equal the native ones (sim-core's
/// `every_distribution_draws_pinned_bits`): stricter than the run digest.
#[wasm_bindgen_test]
fn every_distribution_draws_the_native_bits() {
    let spec = sim_core::model::load_arch(DISTRIBUTIONS).unwrap();
    let text: String = spec
        .services
        .iter()
        .map(|s| {
            let d = sim_core::dist::Dist::from_spec(s.service_time.as_ref().unwrap());
            format!("{} {:016x}\n", s.name, d.fingerprint(42, 100_000))
        })
        .collect();
    assert_eq!(
        text,
        include_str!("../../sim-core/tests/golden_distributions_samples.txt")
    );
}

#[wasm_bindgen_test]
fn a_stepped_viewer_gives_the_same_digest() {
    let mut v = sim_wasm::Viewer::new(ARCH, None, 42.0, 100.0, 1, 2000.0).unwrap();
    for _ in 0..10 {
        v.step(100.0);
        let s = v.snapshot();
        assert!(s.contains("\"summary\""));
    }
    assert_eq!(v.finish_digest(), GOLDEN.trim());
}

#[wasm_bindgen_test]
fn a_killed_zone_shows_in_the_summary() {
    let mut v = sim_wasm::Viewer::new(ARCH, None, 1.0, 100.0, 1, 60_000.0).unwrap();
    v.step(1000.0);
    v.apply(r#"{"zone_outage": {"region": "us-east-1", "zone": "zoneA"}}"#)
        .unwrap();
    v.step(2000.0);
    let s: serde_json::Value = serde_json::from_str(&v.summary()).unwrap();
    assert!(s["end_to_end"]["failed"].as_u64().unwrap() > 0);
    let e = v.apply(r#"{"zone_outage": {"region": "us-east-1", "zone": "zoneQ"}}"#);
    assert!(e.unwrap_err().as_string().unwrap().contains("zoneQ"));
}

#[wasm_bindgen_test]
fn wasm_reports_bad_input() {
    let e = sim_wasm::simulate_summary("{\"arch\": 1}", None, 1.0, 1000.0, 100.0, 1).unwrap_err();
    assert!(e.as_string().unwrap().contains("architecture:1:"));
}
