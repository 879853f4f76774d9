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

/// Checks that a run was refused as bad input: exit 2, one paragraph naming
/// `file` and every `want` with a fix, and nothing written to `out_dir`.
#[allow(dead_code)] // not every test file refuses input
pub fn assert_refused(out: &Output, file: &str, want: &[&str], out_dir: &std::path::Path) {
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains(file), "names the file {file}: {err}");
    check_refusal(out, file, want, out_dir);
}

/// Expects exit 2, one paragraph containing every `want` and a fix, and no
/// output directory.
#[allow(dead_code)] // not every test file refuses input
pub fn refused(args: &[&str], want: &[&str]) {
    let tmp = tempfile::tempdir().unwrap();
    let out_dir = tmp.path().join("out");
    let mut all = args.to_vec();
    all.extend(["-q", "--out", out_dir.to_str().unwrap()]);
    let out = microsim(&all);
    check_refusal(&out, &format!("{all:?}"), want, &out_dir);
}

/// What every refusal shares: exit 2, one paragraph with every `want` and a
/// fix, no partial output (`what` labels the failure messages).
#[allow(dead_code)]
fn check_refusal(out: &Output, what: &str, want: &[&str], out_dir: &std::path::Path) {
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{what}: {err}");
    for w in want {
        assert!(err.contains(w), "expected {w:?} in: {err}");
    }
    assert!(err.contains("Fix:"), "a suggestion is given: {err}");
    assert_eq!(err.trim_end().lines().count(), 1, "one paragraph: {err}");
    assert!(!out_dir.exists(), "no partial output for {what}: {err}");
}
