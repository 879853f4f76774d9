//! Browser bindings of sim-core (wasm-bindgen): a transport, nothing more.
//!
//! Two ways in: [`simulate_summary`] / [`simulate_digest`] run a whole
//! simulation through sim-core's `RunSpec` and return the same bytes the CLI
//! writes (so native and browser can be compared), and [`Viewer`] wraps
//! sim-core's live `Session` for the page: advance by wall time, apply the
//! page's commands, hand back snapshots when the session says they are due.
//! Everything crosses the boundary as JSON text; the options, the commands,
//! their checks and their error texts are sim-core's, the same as behind
//! `microsim serve`'s WebSocket.

// wasm-bindgen hands JavaScript strings over as owned values.
#![allow(clippy::needless_pass_by_value)]

use sim_core::duration::{Nanos, MS};
use sim_core::live::{Session, StartOptions};
use sim_core::{Input, Outputs, RunError, RunOptions, RunSpec};
use wasm_bindgen::prelude::*;

/// Most real time one [`Viewer::frame`] spends stepping, so the page keeps
/// its frame rate and a big run falls behind instead.
const FRAME_BUDGET_MS: f64 = 8.0;

fn err(e: impl std::fmt::Display) -> JsValue {
    JsValue::from_str(&e.to_string())
}

/// A run error in the page's words: options by their JSON field names.
fn run_err(e: RunError) -> JsValue {
    err(e.render(std::string::ToString::to_string))
}

/// The inputs of a run as the page has them: the architecture's text, an
/// optional scenario (its name for `args` and errors, and its text).
fn inputs<'a>(
    arch_json: &'a str,
    scenario_name: Option<&'a str>,
    scenario_json: Option<&'a str>,
) -> (Input<'a>, Option<Input<'a>>) {
    let scenario = scenario_json.map(|text| Input::new(scenario_name.unwrap_or("scenario"), text));
    (Input::new("architecture", arch_json), scenario)
}

fn run(
    arch_json: &str,
    scenario_name: Option<String>,
    scenario_json: Option<String>,
    options_json: &str,
) -> Result<Outputs, JsValue> {
    let options = RunOptions::from_json(options_json).map_err(|e| err(format!("options: {e}")))?;
    let (arch, scenario) = inputs(
        arch_json,
        scenario_name.as_deref(),
        scenario_json.as_deref(),
    );
    let spec = RunSpec::new(arch, scenario, options).map_err(run_err)?;
    Ok(spec.run().outputs())
}

/// Runs an architecture (with an optional scenario) to completion and returns
/// summary.json's text. `options_json` is sim-core's `RunOptions` as JSON,
/// e.g. `{"seed": 1, "duration": "60s", "scale": 100, "regions": 1}`.
#[wasm_bindgen]
pub fn simulate_summary(
    arch_json: &str,
    scenario_name: Option<String>,
    scenario_json: Option<String>,
    options_json: &str,
) -> Result<String, JsValue> {
    run(arch_json, scenario_name, scenario_json, options_json).map(|o| o.summary_json)
}

/// Runs an architecture and returns the SHA-256 digest of summary.json and
/// graph.json: equal to the CLI's for the same input, seed and options.
#[wasm_bindgen]
pub fn simulate_digest(
    arch_json: &str,
    scenario_name: Option<String>,
    scenario_json: Option<String>,
    options_json: &str,
) -> Result<String, JsValue> {
    run(arch_json, scenario_name, scenario_json, options_json).map(|o| o.digest())
}

/// The sim-core version this module was built from.
#[wasm_bindgen]
pub fn version() -> String {
    env!("CARGO_PKG_VERSION").to_string()
}

#[cfg(target_arch = "wasm32")]
#[wasm_bindgen]
extern "C" {
    #[wasm_bindgen(js_namespace = performance, js_name = now)]
    fn performance_now() -> f64;
}

/// Milliseconds of real time, for the frame budget (none outside a browser).
fn real_ms() -> f64 {
    #[cfg(target_arch = "wasm32")]
    {
        performance_now()
    }
    #[cfg(not(target_arch = "wasm32"))]
    {
        0.0
    }
}

/// A live run the page paces, breaks and draws: sim-core's `Session`.
#[wasm_bindgen]
pub struct Viewer {
    session: Session,
}

#[wasm_bindgen]
impl Viewer {
    /// Checks and builds a live run. `options_json` is sim-core's
    /// `StartOptions`: `{"seed": 1, "scale": 100, "regions": 1}` (traffic for
    /// an hour unless a `duration` is given). Errors are one paragraph naming
    /// the place and a fix.
    #[wasm_bindgen(constructor)]
    pub fn new(
        arch_json: &str,
        scenario_name: Option<String>,
        scenario_json: Option<String>,
        options_json: &str,
    ) -> Result<Viewer, JsValue> {
        let options =
            StartOptions::from_json(options_json).map_err(|e| err(format!("options: {e}")))?;
        let (arch, scenario) = inputs(
            arch_json,
            scenario_name.as_deref(),
            scenario_json.as_deref(),
        );
        let session = Session::start(arch, scenario, &options).map_err(run_err)?;
        Ok(Viewer { session })
    }

    /// The topology: services, instances (name, service, region, zone),
    /// regions, zones and the names of instance states.
    pub fn topology(&self) -> String {
        self.session.topology_json().to_string()
    }

    /// `wall_ms` of wall time have passed since the last frame: virtual time
    /// follows at the session's speed, stepping for at most a frame's budget
    /// of real time. Returns a snapshot's JSON when one is due, else "".
    pub fn frame(&mut self, wall_ms: f64) -> String {
        let wall = if wall_ms.is_finite() && wall_ms > 0.0 {
            (wall_ms * MS as f64) as Nanos
        } else {
            0
        };
        let start = real_ms();
        let mut within_budget = || real_ms() - start < FRAME_BUDGET_MS;
        self.session
            .advance(wall, &mut within_budget)
            .map(|s| s.to_string())
            .unwrap_or_default()
    }

    /// Applies a command, e.g. `{"type":"kill","instance":3,"hang":false}`,
    /// `{"type":"fault","fault":{"zone_outage":{"region":"us-east-1","zone":"zoneA"}}}`,
    /// `{"type":"step","ms":1000}`; a change shows in the next frame's snapshot.
    pub fn command(&mut self, json: &str) -> Result<(), JsValue> {
        self.session.apply_json(json).map_err(err)
    }

    /// A snapshot now, whether due or not.
    pub fn snapshot(&mut self) -> String {
        self.session.snapshot().to_string()
    }

    /// Virtual time now, in ms.
    pub fn now_ms(&self) -> f64 {
        self.session.now() as f64 / MS as f64
    }

    /// summary.json as it stands now (docs/formats.md, "Output files").
    pub fn summary(&self) -> String {
        self.session.summary_json()
    }

    /// Runs to the end and returns the outputs' digest (for tests).
    pub fn finish_digest(&mut self) -> String {
        self.session.finish().digest()
    }
}
