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
//! Modules, in the order a request meets them: [`model`] (the file), [`run`]
//! (one checked description of a run, the way in for every front end),
//! [`topology`] (instances), [`engine`] (events), [`behaviour`] (what packages
//! do), [`metrics`] (what is measured), [`export`] (what is written), [`live`]
//! (a run paced by the wall clock, for the browser and `microsim serve`), and
//! [`sweep`] (experiments of many runs, reduced to rows and means).

#![warn(missing_docs)]

pub mod availability;
pub mod behaviour;
pub mod cache;
pub mod canary;
pub mod dist;
pub mod duration;
pub mod engine;
pub mod error;
pub mod export;
pub mod fault;
pub mod interval;
pub mod keys;
pub mod lesson;
pub mod live;
pub mod metrics;
pub mod model;
pub mod replication;
pub mod resilience;
pub mod rng;
pub mod run;
pub mod solve;
pub mod sweep;
pub mod topology;
pub mod traffic;

pub use engine::Simulation;
pub use error::InputError;
pub use export::summary::Summary;
pub use export::Outputs;
pub use run::{Input, Part, RunError, RunOptions, RunSpec};
pub use topology::{BuildOptions, Topology};

/// Builds the topology of a validated architecture and, when the file gives
/// availability figures (instance `availability` or `mtbf_h`, or
/// `zone_availability`), attaches the analytic end-to-end prediction so that a
/// run's summary can be compared with it.
pub(crate) fn build(spec: &model::ArchSpec, opts: &BuildOptions) -> Result<Topology, InputError> {
    let mut topo = Topology::build(spec, opts)?;
    let has_figures = spec.zone_availability.is_some_and(|a| a < 1.0)
        || spec
            .services
            .iter()
            .any(|s| s.availability.is_some_and(|a| a < 1.0) || s.mtbf_h.is_some());
    if has_figures {
        // A file whose zone states are too many to analyse still runs, without
        // the prediction beside its observed availability.
        let model = match availability::Model::new(spec, opts) {
            Err(e) if e.path == "zones" => return Ok(topo),
            m => m?,
        };
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

/// JSON Schema of the architecture format, for editors and `microsim schema`.
pub fn arch_schema() -> serde_json::Value {
    serde_json::to_value(schemars::schema_for!(model::ArchSpec)).expect("schema serializes")
}
