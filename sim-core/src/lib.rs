//! # sim-core
//!
//! microsim's library: it reads an architecture (spigo's JSON format plus
//! extensions), expands it into instances across regions and zones, and drives
//! traffic through them in virtual time with a deterministic discrete-event engine.
//!
//! It is pure: no files, clocks, threads or network, and it builds for
//! `wasm32-unknown-unknown`. The same input and seed give byte-identical output
//! natively and in the browser, because every random draw comes from seeded PCG
//! streams ([`rng`]) and every transcendental function from `libm` ([`dist`]).
//!
//! Modules, in the order a request meets them: [`model`] (the file), [`topology`]
//! (instances), [`engine`] (events), [`behaviour`] (what packages do),
//! [`metrics`] (what is measured), [`export`] (what is written).

#![warn(missing_docs)]

pub mod availability;
pub mod behaviour;
pub mod dist;
pub mod duration;
pub mod engine;
pub mod error;
pub mod export;
pub mod fault;
pub mod metrics;
pub mod model;
pub mod resilience;
pub mod rng;
pub mod topology;

pub use engine::{RunConfig, Simulation};
pub use error::InputError;
pub use export::summary::Summary;
pub use topology::{BuildOptions, Topology};

/// The bytes a run produces, ready to be written by whoever owns the files.
#[derive(Debug, Clone)]
pub struct Outputs {
    /// summary.json.
    pub summary_json: String,
    /// graph.json (empty when the graph was not recorded).
    pub graph_json: String,
    /// The summary as data.
    pub summary: Summary,
}

impl Outputs {
    /// SHA-256 over summary.json and graph.json: equal digests, equal outputs.
    pub fn digest(&self) -> String {
        export::digest(&[self.summary_json.as_bytes(), self.graph_json.as_bytes()])
    }
}

/// Builds the topology of a validated architecture and, when the file gives
/// availability figures (instance `availability` or `mtbf_h`, or
/// `zone_availability`), attaches the analytic end-to-end prediction so that a
/// run's summary can be compared with it.
pub fn build(spec: &model::ArchSpec, opts: &BuildOptions) -> Result<Topology, InputError> {
    let mut topo = Topology::build(spec, opts)?;
    let has_figures = spec.zone_availability.is_some_and(|a| a < 1.0)
        || spec
            .services
            .iter()
            .any(|s| s.availability.is_some_and(|a| a < 1.0) || s.mtbf_h.is_some());
    if has_figures {
        let model = availability::Model::new(spec, opts)?;
        topo.predicted_availability = Some(
            model
                .topo
                .entry_points
                .iter()
                .copied()
                .zip(model.end_to_end())
                .collect(),
        );
    }
    Ok(topo)
}

/// Parses, builds and runs an architecture to completion in one call.
/// `args` is recorded in graph.json (keep it free of paths for reproducibility).
pub fn simulate(
    arch_json: &str,
    opts: &BuildOptions,
    cfg: RunConfig,
    args: &str,
) -> Result<Outputs, InputError> {
    simulate_scenario(arch_json, None, opts, cfg, args)
}

/// [`simulate`] with the faults of a scenario file (DESIGN.md §3); without one,
/// the architecture's spigo `victim` (if any) is killed at half time.
/// Errors in the scenario are located with a `scenario:` prefix on their path.
pub fn simulate_scenario(
    arch_json: &str,
    scenario_json: Option<&str>,
    opts: &BuildOptions,
    cfg: RunConfig,
    args: &str,
) -> Result<Outputs, InputError> {
    cfg.validate()?;
    let spec = model::load_arch(arch_json)?;
    let topo = build(&spec, opts)?;
    let scenario =
        fault::Scenario::for_run(scenario_json, &topo, cfg.duration).map_err(|mut e| {
            e.path = format!("scenario: {}", e.path);
            e
        })?;
    let mut sim = Simulation::with_scenario(topo, cfg, scenario);
    sim.run();
    Ok(outputs(&sim, args))
}

/// Renders a finished simulation's outputs.
pub fn outputs(sim: &Simulation, args: &str) -> Outputs {
    let summary = Summary::of(sim);
    let mut graph = Vec::new();
    if let Some(flows) = sim.flows() {
        export::graph::write_graph(&mut graph, sim.topology(), flows, args, sim.now())
            .expect("writing to memory");
    }
    Outputs {
        summary_json: summary.to_json(),
        graph_json: String::from_utf8(graph).expect("graph.json is UTF-8"),
        summary,
    }
}

/// The flags that determine a run's outputs, as recorded in graph.json's `args`.
/// Paths are left out on purpose: the same run from another directory, or in
/// the browser, must produce the same bytes.
pub fn run_args(cfg: &RunConfig, opts: &BuildOptions) -> String {
    let mut s = format!(
        "[microsim run --seed {} --duration {} --scale {} --regions {}",
        cfg.seed,
        duration::format_duration(cfg.duration),
        opts.scale_percent,
        opts.region_multiplier
    );
    if let Some(r) = cfg.rate {
        s.push_str(&format!(" --rate {r}"));
    }
    s.push(']');
    s
}

/// JSON Schema of the architecture format, for editors and `microsim schema`.
pub fn arch_schema() -> serde_json::Value {
    serde_json::to_value(schemars::schema_for!(model::ArchSpec)).expect("schema serializes")
}
