//! `microsim run` with mirrors, async calls and non-blocking servers: the
//! lessons run, and bad input — a mirror percentage out of range, a mirror or
//! async call with options that act on an answer nobody reads, an unknown
//! `io`, an outstanding cap of 0, absurd or without an event loop — exits 2
//! naming the file, the JSON path and a fix, before anything is written.

use std::path::{Path, PathBuf};

mod common;
use common::microsim;

fn arch(name: &str) -> String {
    let p: PathBuf = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../architectures")
        .join(name);
    std::fs::read_to_string(p).unwrap()
}

/// Runs the edited lesson, expecting exit 2, one paragraph naming the file
/// and every `want`, a fix, and no output directory.
fn refused(lesson: &str, from: &str, to: &str, want: &[&str]) {
    let text = arch(lesson);
    assert!(text.contains(from), "{lesson} has {from}");
    let tmp = tempfile::tempdir().unwrap();
    let file = tmp.path().join("edited.json");
    std::fs::write(&file, text.replace(from, to)).unwrap();
    let out_dir = tmp.path().join("out");
    let args = [
        "run",
        file.to_str().unwrap(),
        "-q",
        "--out",
        out_dir.to_str().unwrap(),
    ];
    let out = microsim(&args);
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{to}: {err}");
    assert!(err.contains("edited.json"), "names the file: {err}");
    for w in want {
        assert!(err.contains(w), "expected {w:?} in: {err}");
    }
    assert!(err.contains("Fix:"), "a suggestion is given: {err}");
    assert_eq!(err.trim_end().lines().count(), 1, "one paragraph: {err}");
    assert!(!out_dir.exists(), "no partial output for {to}");
}

#[test]
fn bad_mirrors_and_async_calls_exit_2_at_their_path() {
    let mirror = r#""service": "recs-v2", "mirror": 10"#;
    let path = r#"services[1] "api".dependencies[1]"#;
    for (to, key, words) in [
        (
            r#""service": "recs-v2", "mirror": 0"#,
            "mirror",
            "outside (0, 100]",
        ),
        (
            r#""service": "recs-v2", "mirror": 100.5"#,
            "mirror",
            "outside (0, 100]",
        ),
        (
            r#""service": "recs-v2", "mirror": 10, "fallback": true"#,
            "fallback",
            "nobody waits",
        ),
        (
            r#""service": "recs-v2", "mirror": 10, "retries": 2"#,
            "retries",
            "nobody waits",
        ),
        (
            r#""service": "recs-v2", "mirror": 10, "async": true"#,
            "async",
            "already fire-and-forget",
        ),
        (
            r#""service": "recs-v2", "async": true, "timeout_ms": 100"#,
            "timeout_ms",
            "an async dependency",
        ),
    ] {
        refused(
            "shadow-traffic.json",
            mirror,
            to,
            &[&format!("{path}.{key}"), words],
        );
    }
}

#[test]
fn bad_io_and_outstanding_caps_exit_2_at_their_path() {
    let io = r#""io": "nonblocking""#;
    refused(
        "nonblocking-server.json",
        io,
        r#""io": "evented""#,
        &["services[1].io", "nonblocking"],
    );
    let cap = r#""max_outstanding": 1024"#;
    for (to, words) in [
        (r#""max_outstanding": 0"#, "outside 1..=1000000"),
        (r#""max_outstanding": 99999999"#, "outside 1..=1000000"),
        (r#""max_outstanding": 4"#, "fewer than the 8 workers"),
    ] {
        refused(
            "nonblocking-server.json",
            cap,
            to,
            &[r#"services[1] "api".max_outstanding"#, words],
        );
    }
    refused(
        "nonblocking-server.json",
        io,
        r#""io": "blocking""#,
        &[r#"services[1] "api".max_outstanding"#, "thread-per-request"],
    );
}

#[test]
fn the_lessons_run_and_show_their_point() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../architectures");
    let run = |name: &str, scenario: Option<&str>| -> serde_json::Value {
        let file = dir.join(name);
        let mut args = vec!["run", file.to_str().unwrap(), "--json"];
        let s;
        if let Some(sc) = scenario {
            s = dir.join("scenarios").join(sc);
            args.extend(["--scenario", s.to_str().unwrap()]);
        }
        let out = microsim(&args);
        assert_eq!(
            out.status.code(),
            Some(0),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        serde_json::from_slice(&out.stdout).unwrap()
    };
    let shadow = run("shadow-traffic.json", None);
    assert_eq!(shadow["end_to_end"]["failed"], 0);
    assert!(shadow["services"]["recs-v2"]["failed"].as_u64().unwrap() > 0);
    let blocking = run("blocking-server.json", Some("slow-backend.json"));
    let nonblocking = run("nonblocking-server.json", Some("slow-backend.json"));
    let rejected = |s: &serde_json::Value| s["services"]["api"]["failures"]["rejected"].as_u64();
    assert!(rejected(&blocking).unwrap() > 1000);
    assert_eq!(rejected(&nonblocking), Some(0));
}
