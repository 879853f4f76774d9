//! The one way engine tests make runs: through [`RunSpec`], as every front
//! end does, and every run they look at has passed
//! [`Simulation::check_invariants`] (requests = answered + in flight per
//! service, the call slab, the queues, the event times).
#![allow(dead_code)] // each test file uses a part

pub mod availability;
pub mod queueing;

use sim_core::duration::SEC;
use sim_core::{Input, RunOptions, RunSpec, Simulation};

/// Options of a test run: `secs` of traffic, no graph recording (faster).
pub fn options(seed: u64, secs: u64) -> RunOptions {
    RunOptions {
        seed,
        duration: secs * SEC,
        record_graph: false,
        ..RunOptions::default()
    }
}

/// A checked run description; panics with the rendered error.
pub fn spec(arch: &str, scenario: Option<&str>, o: RunOptions) -> RunSpec {
    RunSpec::new(
        Input::new("architecture", arch),
        scenario.map(|s| Input::new("scenario", s)),
        o,
    )
    .unwrap_or_else(|e| panic!("{e}"))
}

/// Runs to completion and checks the invariants.
pub fn run(arch: &str, scenario: Option<&str>, o: RunOptions) -> Simulation {
    finish(spec(arch, scenario, o).simulation())
}

/// Finishes a (possibly stepped) simulation and checks the invariants.
pub fn finish(mut sim: Simulation) -> Simulation {
    sim.run();
    checked(sim)
}

/// Checks the invariants of a simulation at any instant.
pub fn checked(sim: Simulation) -> Simulation {
    if let Err(broken) = sim.check_invariants() {
        panic!("engine invariant broken: {broken}");
    }
    sim
}

/// A file of the project's architectures/ directory.
pub fn file(name: &str) -> String {
    let path = format!("{}/../architectures/{name}", env!("CARGO_MANIFEST_DIR"));
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
}
