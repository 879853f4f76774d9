//! Browser bindings of sim-core (wasm-bindgen).
//!
//! Two ways in: [`simulate_summary`] / [`simulate_digest`] run a whole
//! simulation and return the same bytes the CLI writes (so native and browser
//! can be compared), and [`Viewer`] steps one in virtual time for the live
//! page: advance, snapshot, break something, watch. Everything crosses the
//! boundary as JSON text, built by `sim_core::export::live` so that the page
//! reads the same shapes from wasm and from `microsim serve`'s WebSocket.

use sim_core::duration::{Nanos, MS};
use sim_core::export::live::{topology_json, Snapshotter};
use sim_core::fault::{self, Action, Mode, Scenario};
use sim_core::{model, BuildOptions, Outputs, RunConfig, Simulation, Summary};
use wasm_bindgen::prelude::*;

fn err(e: impl std::fmt::Display) -> JsValue {
    JsValue::from_str(&e.to_string())
}

fn check_seed(seed: f64) -> Result<u64, JsValue> {
    if (0.0..=9_007_199_254_740_991.0).contains(&seed) && seed.fract() == 0.0 {
        Ok(seed as u64)
    } else {
        Err(err("seed must be a whole number between 0 and 2^53-1"))
    }
}

fn check_duration(duration_ms: f64) -> Result<Nanos, JsValue> {
    if duration_ms > 0.0 && duration_ms <= 8.64e9 {
        Ok((duration_ms * MS as f64) as Nanos)
    } else {
        Err(err("duration_ms must be above 0 and at most 100 days"))
    }
}

fn run(
    arch_json: &str,
    scenario_json: Option<String>,
    seed: f64,
    duration_ms: f64,
    scale_percent: f64,
    regions: u32,
) -> Result<Outputs, JsValue> {
    let opts = BuildOptions {
        scale_percent,
        region_multiplier: regions,
    };
    let cfg = RunConfig {
        seed: check_seed(seed)?,
        duration: check_duration(duration_ms)?,
        rate: None,
        record_graph: true,
        ..RunConfig::default()
    };
    let args = sim_core::run_args(&cfg, &opts);
    sim_core::simulate_scenario(arch_json, scenario_json.as_deref(), &opts, cfg, &args)
        .map_err(|e| err(e.render("architecture")))
}

/// Runs an architecture (with an optional scenario) to completion and returns
/// summary.json's text.
#[wasm_bindgen]
pub fn simulate_summary(
    arch_json: &str,
    scenario_json: Option<String>,
    seed: f64,
    duration_ms: f64,
    scale_percent: f64,
    regions: u32,
) -> Result<String, JsValue> {
    run(
        arch_json,
        scenario_json,
        seed,
        duration_ms,
        scale_percent,
        regions,
    )
    .map(|o| o.summary_json)
}

/// Runs an architecture and returns the SHA-256 digest of summary.json and
/// graph.json: equal to the CLI's for the same input, seed and flags.
#[wasm_bindgen]
pub fn simulate_digest(
    arch_json: &str,
    scenario_json: Option<String>,
    seed: f64,
    duration_ms: f64,
    scale_percent: f64,
    regions: u32,
) -> Result<String, JsValue> {
    run(
        arch_json,
        scenario_json,
        seed,
        duration_ms,
        scale_percent,
        regions,
    )
    .map(|o| o.digest())
}

/// The sim-core version this module was built from.
#[wasm_bindgen]
pub fn version() -> String {
    env!("CARGO_PKG_VERSION").to_string()
}

/// A simulation the page steps through virtual time and breaks on demand.
#[wasm_bindgen]
pub struct Viewer {
    sim: Simulation,
    snap: Snapshotter,
    args: String,
}

#[wasm_bindgen]
impl Viewer {
    /// Loads an architecture (and optional scenario). Traffic is offered for
    /// `duration_ms` of virtual time (the page uses an hour). Errors are one
    /// paragraph naming the place and a fix.
    #[wasm_bindgen(constructor)]
    pub fn new(
        arch_json: &str,
        scenario_json: Option<String>,
        seed: f64,
        scale_percent: f64,
        regions: u32,
        duration_ms: f64,
    ) -> Result<Viewer, JsValue> {
        let cfg = RunConfig {
            seed: check_seed(seed)?,
            duration: check_duration(duration_ms)?,
            record_graph: true,
            ..RunConfig::default()
        };
        cfg.validate().map_err(err)?;
        if !(1..=100).contains(&regions) {
            return Err(err("regions must be between 1 and 100"));
        }
        let opts = BuildOptions {
            scale_percent,
            region_multiplier: regions,
        };
        let spec = model::load_arch(arch_json).map_err(|e| err(e.render("architecture")))?;
        let topo = sim_core::build(&spec, &opts).map_err(|e| err(e.render("architecture")))?;
        let scenario = Scenario::for_run(scenario_json.as_deref(), &topo, cfg.duration)
            .map_err(|e| err(e.render("scenario")))?;
        let args = sim_core::run_args(&cfg, &opts);
        let mut sim = Simulation::with_scenario(topo, cfg, scenario);
        sim.enable_live();
        Ok(Viewer {
            sim,
            snap: Snapshotter::new(),
            args,
        })
    }

    /// The topology: services, instances (name, service, region, zone), regions and zones.
    pub fn topology(&self) -> String {
        topology_json(self.sim.topology()).to_string()
    }

    /// Advances virtual time by `ms`; false once traffic has stopped and every
    /// request is answered.
    pub fn step(&mut self, ms: f64) -> bool {
        let dt = if ms.is_finite() && ms > 0.0 {
            (ms * MS as f64) as Nanos
        } else {
            0
        };
        let t = self.sim.now().saturating_add(dt);
        self.sim.run_until(t)
    }

    /// Virtual time now, in ms.
    pub fn now_ms(&self) -> f64 {
        self.sim.now() as f64 / MS as f64
    }

    /// State, rates and latency per instance and per instance pair since the
    /// previous snapshot, new time-series rows, and the summary so far.
    pub fn snapshot(&mut self) -> String {
        self.snap.snapshot(&mut self.sim).to_string()
    }

    /// summary.json as it stands now (DESIGN.md §4 shape).
    pub fn summary(&self) -> String {
        Summary::of(&self.sim).to_json()
    }

    /// Applies one fault now, written as in a scenario file without `at`, e.g.
    /// `{"zone_outage": {"region": "us-east-1", "zone": "zoneA"}, "for": "20s"}`.
    pub fn apply(&mut self, fault_json: &str) -> Result<(), JsValue> {
        let (action, lasts) = fault::parse_live_fault(fault_json, self.sim.topology())
            .map_err(|e| err(e.render("fault")))?;
        self.sim.inject(action, lasts);
        Ok(())
    }

    /// Kills one instance now (click-to-kill): refusing, or a zombie when `hang`.
    pub fn kill_instance(&mut self, id: u32, hang: bool) -> Result<(), JsValue> {
        if id as usize >= self.sim.topology().instances.len() {
            return Err(err(format!("there is no instance {id}")));
        }
        let mode = if hang { Mode::Hang } else { Mode::Refuse };
        self.sim
            .inject(Action::KillInstance { instance: id, mode }, None);
        Ok(())
    }

    /// Ends every fault: instances restart (listed at the next discovery poll).
    pub fn heal(&mut self) {
        self.sim.heal_all();
    }

    /// Runs to the end and returns the outputs' digest (for tests).
    pub fn finish_digest(&mut self) -> String {
        self.sim.run();
        sim_core::outputs(&self.sim, &self.args).digest()
    }
}
