//! The `microsim` binary end to end: spigo's files run, bad input exits 2 with
//! one paragraph and no output files, and runs are reproducible byte for byte.

use std::io::Write;
use std::path::{Path, PathBuf};

mod common;
use common::microsim;

/// A file of spigo's reference set in `../shared/spigo`, beside the repository
/// and not part of it. When that directory is absent (a clone with nothing
/// beside it) this says so in one line and returns `None`, and the caller
/// skips what needs it: `what` names the test, or the part of it, skipped.
/// The line goes straight to stderr, past the test harness's capture, so a
/// plain `cargo test` shows it: a skip is neither a failure nor a silent pass.
fn shared(rel: &str, what: &str) -> Option<PathBuf> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../shared");
    if !root.join("spigo").is_dir() {
        let _ = writeln!(
            std::io::stderr(),
            "skipped: ../shared/spigo not found; spigo's reference files are not part of this repository ({what})"
        );
        return None;
    }
    Some(root.join(rel))
}

fn json_files(dir: &Path) -> Vec<PathBuf> {
    let mut v: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "json"))
        .collect();
    v.sort();
    v
}

#[test]
fn every_spigo_architecture_runs_unmodified() {
    let Some(dir) = shared(
        "spigo/json_arch",
        "every_spigo_architecture_runs_unmodified",
    ) else {
        return;
    };
    let files = json_files(&dir);
    assert_eq!(files.len(), 15, "spigo ships 15 architectures");
    for f in files {
        let out = microsim(&["run", f.to_str().unwrap(), "--duration", "10s", "--json"]);
        assert!(
            out.status.success(),
            "{}: {}",
            f.display(),
            String::from_utf8_lossy(&out.stderr)
        );
        let s: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        let e = &s["end_to_end"];
        assert!(
            e["requests"].as_u64().unwrap() > 500,
            "{}: {e}",
            f.display()
        );
        // spigo's chaos monkey kills one `victim` instance at half time (refusing
        // connections): the only failures are refusals and their effect upstream.
        let failures = e["failures"].as_object().unwrap();
        for (reason, n) in failures {
            if !["refused", "dependency"].contains(&reason.as_str()) {
                assert_eq!(n.as_u64(), Some(0), "{}: {reason}", f.display());
            }
        }
        assert_eq!(e["unanswered"].as_u64(), Some(0), "{}", f.display());
        let ok = e["ok"].as_u64().unwrap() as f64 / e["requests"].as_u64().unwrap() as f64;
        assert!(ok > 0.5, "{}: {ok}", f.display());
        for (name, svc) in s["services"].as_object().unwrap() {
            let (r, ok, failed) = (
                svc["requests"].as_u64().unwrap(),
                svc["ok"].as_u64().unwrap(),
                svc["failed"].as_u64().unwrap(),
            );
            assert_eq!(r, ok + failed, "{}: {name}", f.display());
        }
    }
}

/// Runs a bad input, expecting exit 2, one paragraph naming `want`, and no
/// files in --out; returns the paragraph.
fn refused(args: &[&str], want: &str) -> String {
    let dir = tempfile::tempdir().unwrap();
    let out_dir = dir.path().join("out");
    let mut all: Vec<&str> = args.to_vec();
    let o = out_dir.to_str().unwrap().to_string();
    all.extend(["--out", &o]);
    let out = microsim(&all);
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{args:?}: {err}");
    assert!(err.contains(want), "{args:?}: expected {want:?} in: {err}");
    assert!(!err.contains("panicked"), "{err}");
    assert!(
        err.contains("Fix:") || err.contains("--help"),
        "a suggestion is given: {err}"
    );
    let paragraph = err
        .trim_end()
        .lines()
        .filter(|l| !l.is_empty() && !l.starts_with("For more information"))
        .count();
    assert_eq!(paragraph, 1, "one paragraph: {err}");
    assert!(!out_dir.exists(), "no partial output for {args:?}");
    err.into_owned()
}

fn write(dir: &Path, name: &str, text: &str) -> String {
    let p = dir.join(name);
    std::fs::write(&p, text).unwrap();
    p.to_str().unwrap().to_string()
}

#[test]
fn bad_input_exits_2_with_one_clear_paragraph() {
    if let Some(dir) = shared(
        "spigo/bad_arch",
        "spigo's bad_arch files in bad_input_exits_2_with_one_clear_paragraph",
    ) {
        for (f, want) in [
            ("testBadPackage_arch.json", "services[2].package"),
            (
                "testDuplicate_arch.json",
                "duplicate service name \"signup-node\"",
            ),
            (
                "testMissingDep_arch.json",
                "\"missing\", which is not a service",
            ),
        ] {
            let p = dir.join(f);
            refused(&["run", p.to_str().unwrap()], want);
        }
    }
    let tmp = tempfile::tempdir().unwrap();
    let d = tmp.path();
    let comma = write(
        d,
        "comma.json",
        "{\n  \"arch\": \"x\"\n  \"services\": []\n}\n",
    );
    refused(&["run", &comma], "comma.json:3:3: expected `,`");
    let svc = |extra: &str| {
        format!(r#"{{"arch":"x","services":[{{"name":"a","package":"karyon",{extra}}}]}}"#)
    };
    refused(
        &["run", &write(d, "neg.json", &svc(r#""count":-1"#))],
        "count is -1",
    );
    refused(
        &[
            "run",
            &write(d, "huge.json", &svc(r#""count":1000000000000"#)),
        ],
        "count is 1000000000000",
    );
    refused(
        &[
            "run",
            &write(
                d,
                "key.json",
                &svc(r#""count":1,"servce_time":{"dist":"constant","mean_ms":1}"#),
            ),
        ],
        "unknown field `servce_time`",
    );
    refused(&["run", "--duration", "10x"], "bad duration \"10x\"");
    refused(&["run", "--duration", "10"], "has no unit");
    refused(
        &[
            "run",
            &write(d, "scale.json", &svc(r#""count":100"#)),
            "--scale",
            "100000000",
        ],
        "scale",
    );
    refused(
        &["run", "/no/such/file.json"],
        "cannot read architecture file",
    );
}

#[test]
fn text_from_files_reaches_the_terminal_escaped_and_short() {
    let tmp = tempfile::tempdir().unwrap();
    let d = tmp.path();
    let arch = |name: &str, svc: &str| {
        serde_json::json!({"arch": name, "services": [{"name": svc, "package": "karyon", "count": 1}]})
            .to_string()
    };
    // A terminal escape in `arch` is refused as in a service name, and shown escaped.
    let e = refused(
        &["run", &write(d, "esc.json", &arch("x\u{1b}[2J\u{7}", "a"))],
        "esc.json: at arch: bad architecture name \"x\\u001b[2J\\u0007\".",
    );
    assert!(!e.contains('\u{1b}') && !e.contains('\u{7}'), "{e:?}");
    // A megabyte of name gives a line, not a megabyte.
    let long = "n".repeat(1 << 20);
    let e = refused(
        &["run", &write(d, "long.json", &arch("x", &long))],
        "bad service name \"nnnn",
    );
    assert!(e.len() < 500 && e.contains("(1048576 characters)"), "{e}");
    // A number is printed as it was written, not in 309 digits.
    let e = refused(
        &["run", "mm1", "--scale", "1e308"],
        "scale 1e308% is out of range",
    );
    assert!(e.len() < 300, "{e}");
    // A flag value clap refuses is shown escaped and short too, exit 2 as ever.
    let e = refused(
        &["run", "mm1", "--duration", "\u{1b}[2J\u{7}"],
        "\\u001b[2J\\u0007",
    );
    assert!(!e.contains('\u{1b}') && !e.contains('\u{7}'), "{e:?}");
    let long = "x".repeat(100_000);
    let o = microsim(&["run", "mm1", "--duration", &long]);
    let e = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        e.len() < 1000 && e.contains("bad duration"),
        "{} bytes",
        e.len()
    );
    let flag = format!("--{long}");
    let o = microsim(&["run", "mm1", &flag]);
    assert_eq!(o.status.code(), Some(2));
    assert!(o.stderr.len() < 2000, "{} bytes", o.stderr.len());
    let o = microsim(&["run", "mm1", "--dration\u{1b}[31m", "1s"]);
    let e = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(2), "{e}");
    assert!(e.contains("--dration") && !e.contains('\u{1b}'), "{e:?}");
}

#[test]
fn files_that_are_not_one_utf8_json_object_get_words_a_person_understands() {
    let tmp = tempfile::tempdir().unwrap();
    let d = tmp.path();
    let services = r#"[{"name":"a","package":"karyon","count":1}]"#;
    refused(
        &["run", &write(d, "array.json", services)],
        "array.json: an architecture file is one JSON object {\"arch\": …, \"services\": […]}, not an array. Fix: if the array holds the services, put it in an object",
    );
    refused(
        &["run", "mm1", "--scenario", &write(d, "faults.json", "[]")],
        "faults.json: a scenario file is one JSON object {\"faults\": […]}, not an array.",
    );
    let utf16 = d.join("utf16.json");
    std::fs::write(&utf16, b"\xff\xfe{\x00}\x00").unwrap();
    refused(
        &["run", utf16.to_str().unwrap()],
        "utf16.json: the architecture file is not UTF-8 text",
    );
    // A byte-order mark is skipped (RFC 8259 allows it; editors add it unseen).
    let bom = write(
        d,
        "bom.json",
        &format!("\u{feff}{{\"arch\":\"bom\",\"services\":{services}}}"),
    );
    let out = microsim(&["validate", &bom]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn same_seed_gives_identical_files_and_other_seeds_differ() {
    let tmp = tempfile::tempdir().unwrap();
    let run = |seed: &str, name: &str| {
        let dir = tmp.path().join(name);
        let out = microsim(&[
            "run",
            "--duration",
            "5s",
            "--seed",
            seed,
            "--out",
            dir.to_str().unwrap(),
        ]);
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        (
            std::fs::read(dir.join("summary.json")).unwrap(),
            std::fs::read(dir.join("graph.json")).unwrap(),
        )
    };
    let (a, b, c) = (run("5", "a"), run("5", "b"), run("6", "c"));
    assert_eq!(a, b);
    let mean = |s: &[u8]| {
        serde_json::from_slice::<serde_json::Value>(s).unwrap()["end_to_end"]["latency_ms"]["mean"]
            .clone()
    };
    assert_ne!(mean(&a.0), mean(&c.0));
    let summary: serde_json::Value = serde_json::from_slice(&a.0).unwrap();
    for key in ["seed", "duration_s", "end_to_end", "services"] {
        assert!(summary.get(key).is_some(), "summary.json has {key}");
    }
    for key in ["requests", "ok", "failed", "failures", "latency_ms"] {
        assert!(summary["end_to_end"].get(key).is_some(), "S has {key}");
    }
    for key in ["mean", "p50", "p90", "p99", "p999", "max"] {
        assert!(
            summary["end_to_end"]["latency_ms"].get(key).is_some(),
            "latency_ms has {key}"
        );
    }
}

#[test]
fn validate_schema_list_help_and_version() {
    let archs = Path::new(env!("CARGO_MANIFEST_DIR")).join("../architectures");
    let files: Vec<String> = json_files(&archs)
        .iter()
        .map(|p| p.to_str().unwrap().to_string())
        .collect();
    assert!(files.len() >= 4);
    let mut args = vec!["validate"];
    args.extend(files.iter().map(String::as_str));
    let out = microsim(&args);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    if let Some(bad) = shared(
        "spigo/bad_arch/testDuplicate_arch.json",
        "spigo's bad file in validate_schema_list_help_and_version",
    ) {
        assert_eq!(
            microsim(&["validate", bad.to_str().unwrap()]).status.code(),
            Some(2)
        );
    }

    let schema: serde_json::Value = serde_json::from_slice(&microsim(&["schema"]).stdout).unwrap();
    assert!(schema["properties"]["services"].is_object());
    assert!(String::from_utf8_lossy(&microsim(&["list"]).stdout).contains("netflixoss"));
    assert!(microsim(&["--version"]).status.success());
    let help = String::from_utf8_lossy(&microsim(&["run", "--help"]).stdout).to_string();
    for flag in [
        "--duration",
        "--seed",
        "--scale",
        "--regions",
        "--rate",
        "--out",
        "--json",
    ] {
        assert!(help.contains(flag), "run --help mentions {flag}");
    }
}

#[test]
fn run_summary_carries_the_availability_prediction() {
    let dir = tempfile::tempdir().unwrap();
    let calm = dir.path().join("calm.json");
    std::fs::write(&calm, r#"{"faults": []}"#).unwrap();
    let calm = calm.to_str().unwrap();
    let run: serde_json::Value = serde_json::from_slice(
        &microsim(&["run", "--duration", "2s", "--json", "--scenario", calm]).stdout,
    )
    .unwrap();
    let avail: serde_json::Value =
        serde_json::from_slice(&microsim(&["availability", "--json"]).stdout).unwrap();
    let predicted = run["availability"]["www"]["predicted"].as_f64().unwrap();
    assert_eq!(
        predicted,
        avail["end_to_end"]["www"]["availability"].as_f64().unwrap()
    );
    assert!(predicted > 0.999 && predicted < 1.0, "{predicted}");
    assert_eq!(
        run["availability"]["www"]["observed"].as_f64(),
        Some(1.0),
        "no faults: nothing fails"
    );
    // The file's victim (one homepage instance killed at half time) shows in the observed figure.
    let victim: serde_json::Value =
        serde_json::from_slice(&microsim(&["run", "--duration", "2s", "--json"]).stdout).unwrap();
    let observed = victim["availability"]["www"]["observed"].as_f64().unwrap();
    assert!(observed < 1.0 && observed > 0.9, "{observed}");
    // Files without availability figures keep the summary as docs/formats.md has it.
    let mm1: serde_json::Value =
        serde_json::from_slice(&microsim(&["run", "mm1", "--duration", "1s", "--json"]).stdout)
            .unwrap();
    assert!(mm1.get("availability").is_none());
}
