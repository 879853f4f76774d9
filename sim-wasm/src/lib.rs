//! Browser bindings of sim-core (wasm-bindgen). Thin on purpose: the viewer
//! issue grows this into a stepping API; today it runs a whole simulation and
//! returns the same bytes the CLI writes, so native and browser can be compared.

use sim_core::duration::MS;
use sim_core::{BuildOptions, Outputs, RunConfig};
use wasm_bindgen::prelude::*;

fn run(
    arch_json: &str,
    seed: f64,
    duration_ms: f64,
    scale_percent: f64,
    regions: u32,
) -> Result<Outputs, JsValue> {
    if !((0.0..=9_007_199_254_740_991.0).contains(&seed) && seed.fract() == 0.0) {
        return Err(JsValue::from_str(
            "seed must be a whole number between 0 and 2^53-1",
        ));
    }
    if !(duration_ms > 0.0 && duration_ms <= 8.64e9) {
        return Err(JsValue::from_str(
            "duration_ms must be above 0 and at most 100 days",
        ));
    }
    let opts = BuildOptions {
        scale_percent,
        region_multiplier: regions,
    };
    let cfg = RunConfig {
        seed: seed as u64,
        duration: (duration_ms * MS as f64) as u64,
        rate: None,
        record_graph: true,
        ..RunConfig::default()
    };
    let args = sim_core::run_args(&cfg, &opts);
    sim_core::simulate(arch_json, &opts, cfg, &args)
        .map_err(|e| JsValue::from_str(&e.render("architecture")))
}

/// Runs an architecture to completion and returns summary.json's text.
#[wasm_bindgen]
pub fn simulate_summary(
    arch_json: &str,
    seed: f64,
    duration_ms: f64,
    scale_percent: f64,
    regions: u32,
) -> Result<String, JsValue> {
    run(arch_json, seed, duration_ms, scale_percent, regions).map(|o| o.summary_json)
}

/// Runs an architecture and returns the SHA-256 digest of summary.json and
/// graph.json: equal to the CLI's for the same input, seed and flags.
#[wasm_bindgen]
pub fn simulate_digest(
    arch_json: &str,
    seed: f64,
    duration_ms: f64,
    scale_percent: f64,
    regions: u32,
) -> Result<String, JsValue> {
    run(arch_json, seed, duration_ms, scale_percent, regions).map(|o| o.digest())
}

/// The sim-core version this module was built from.
#[wasm_bindgen]
pub fn version() -> String {
    env!("CARGO_PKG_VERSION").to_string()
}
