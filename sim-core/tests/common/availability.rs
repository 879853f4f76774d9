//! The analytic availability model of a file, for the availability tests.

use sim_core::availability::Model;
use sim_core::model::load_arch;
use sim_core::BuildOptions;

/// The availability model of an architecture's text.
pub fn model(text: &str) -> Model {
    Model::new(&load_arch(text).unwrap(), &BuildOptions::default()).unwrap()
}

/// End-to-end availability of entry point `name`.
pub fn entry(m: &Model, name: &str) -> f64 {
    m.analyse().end_to_end[name].availability
}
