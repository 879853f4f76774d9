//! Runs under wasm32 (wasm-bindgen-test, in Node): the same simulation as
//! sim-core's golden test must give the same digest as the native build.
#![cfg(target_arch = "wasm32")]

use wasm_bindgen_test::*;

const ARCH: &str = include_str!("../../architectures/netflixoss.json");
const GOLDEN: &str = include_str!("../../sim-core/tests/golden_digest.txt");

#[wasm_bindgen_test]
fn wasm_digest_matches_native_golden() {
    let d = sim_wasm::simulate_digest(ARCH, 42.0, 2000.0, 100.0, 1).unwrap();
    assert_eq!(d, GOLDEN.trim());
}

#[wasm_bindgen_test]
fn wasm_reports_bad_input() {
    let e = sim_wasm::simulate_summary("{\"arch\": 1}", 1.0, 1000.0, 100.0, 1).unwrap_err();
    assert!(e.as_string().unwrap().contains("architecture:1:"));
}
