//! Helpers shared by the CLI's integration tests.

use std::process::{Command, Output};

/// Runs the `microsim` binary built for these tests, with `NO_COLOR` set so
/// output is plain text.
pub fn microsim(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_microsim"))
        .args(args)
        .env("NO_COLOR", "1")
        .output()
        .unwrap()
}
