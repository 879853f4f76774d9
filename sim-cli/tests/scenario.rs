//! `microsim run --scenario`: bad scenario files exit 2 with the file and JSON
//! path before anything is written, the shipped scenarios run against
//! their architecture, and graph.json and the charts say which scenario ran.

use std::path::{Path, PathBuf};

mod common;
use common::microsim;

fn arch_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../architectures")
}

fn scenarios_dir() -> PathBuf {
    arch_dir().join("scenarios")
}

fn write(dir: &Path, name: &str, text: &str) -> String {
    let p = dir.join(name);
    std::fs::write(&p, text).unwrap();
    p.to_str().unwrap().to_string()
}

/// Runs netflixoss with `scenario`, expecting exit 2, one line naming every
/// `want`, a suggestion, and no output directory.
fn refused(scenario: &str, extra: &[&str], want: &[&str]) {
    let tmp = tempfile::tempdir().unwrap();
    let out_dir = tmp.path().join("out");
    let mut args = vec![
        "run",
        "--scenario",
        scenario,
        "-q",
        "--out",
        out_dir.to_str().unwrap(),
    ];
    args.extend(extra);
    let out = microsim(&args);
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{args:?}: {err}");
    for w in want {
        assert!(err.contains(w), "expected {w:?} in: {err}");
    }
    assert!(err.contains("Fix:"), "a suggestion is given: {err}");
    assert!(!err.contains("panicked"), "{err}");
    assert_eq!(err.trim_end().lines().count(), 1, "one paragraph: {err}");
    assert!(out.stdout.is_empty(), "nothing on stdout");
    assert!(!out_dir.exists(), "no partial output for {args:?}");
}

#[test]
fn an_unknown_zone_exits_2_naming_the_file_and_path_with_no_output() {
    let tmp = tempfile::tempdir().unwrap();
    let f = write(
        tmp.path(),
        "bad-zone.json",
        r#"{ "faults": [ { "at": "20s", "for": "20s",
            "zone_outage": { "region": "us-east-1", "zone": "zoneQ" } } ] }"#,
    );
    refused(
        &f,
        &[],
        &[
            "bad-zone.json",
            "at faults[0].zone_outage.zone",
            "\"zoneQ\" is not a zone",
            "zoneA, zoneB, zoneC",
        ],
    );
}

#[test]
fn other_bad_scenarios_exit_2_before_running() {
    let tmp = tempfile::tempdir().unwrap();
    let d = tmp.path();
    refused(
        "/no/such/scenario.json",
        &[],
        &["cannot read scenario file /no/such/scenario.json"],
    );
    let syntax = write(d, "syntax.json", "{ \"faults\": [ { \"at\": \"1s\" ] }");
    refused(&syntax, &[], &["syntax.json:1:"]);
    let late = write(
        d,
        "late.json",
        r#"{ "faults": [ { "at": "90s", "kill": { "service": "homepage" } } ] }"#,
    );
    refused(
        &late,
        &["--duration", "60s"],
        &[
            "late.json",
            "at faults[0].at",
            "the run lasts 1m",
            "a longer duration",
        ],
    );
    let region = write(
        d,
        "region.json",
        r#"{ "faults": [ { "at": "1s", "partition": { "between": ["us-east-1", "us-west-2"] } } ] }"#,
    );
    refused(
        &region,
        &[],
        &["at faults[0].partition.between[1]", "regions multiplier"],
    );
    let service = write(
        d,
        "service.json",
        r#"{ "faults": [ { "at": "1s", "errors": { "service": "recomendations" } } ] }"#,
    );
    refused(
        &service,
        &[],
        &[
            "at faults[0].errors.service",
            "did you mean \"recommendations\"?",
        ],
    );
}

#[test]
fn every_shipped_scenario_runs_against_its_architecture() {
    let mut files: Vec<PathBuf> = std::fs::read_dir(scenarios_dir())
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "json"))
        .collect();
    files.sort();
    assert!(files.len() >= 6, "{files:?}");
    for f in files {
        let text = std::fs::read_to_string(&f).unwrap();
        let arch = arch_dir().join(written_for(&f, &text));
        let arch = arch.to_str().unwrap();
        let regions = if text.contains("--regions 2") {
            "2"
        } else {
            "1"
        };
        let out = microsim(&[
            "run",
            arch,
            "--scenario",
            f.to_str().unwrap(),
            "--regions",
            regions,
            "--duration",
            "60s",
            "--rate",
            "10",
            "--json",
        ]);
        assert!(
            out.status.success(),
            "{}: {}",
            f.display(),
            String::from_utf8_lossy(&out.stderr)
        );
        let s: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        assert!(
            s["end_to_end"]["requests"].as_u64().unwrap() > 0,
            "{}",
            f.display()
        );
    }
}

#[test]
fn graph_json_names_the_scenario_and_charts_shade_its_faults() {
    let tmp = tempfile::tempdir().unwrap();
    let out_dir = tmp.path().join("out");
    let f = scenarios_dir().join("zone-outage.json");
    let out = microsim(&[
        "run",
        "netflixoss",
        "--scenario",
        f.to_str().unwrap(),
        "--duration",
        "60s",
        "--rate",
        "10",
        "-q",
        "--out",
        out_dir.to_str().unwrap(),
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let graph: serde_json::Value =
        serde_json::from_slice(&std::fs::read(out_dir.join("graph.json")).unwrap()).unwrap();
    let args = graph["args"].as_str().unwrap_or_default();
    assert!(
        args.ends_with(" --scenario zone-outage]") && !args.contains("architectures/"),
        "args record the scenario by name, no path: {args}"
    );
    assert!(!args.contains("scenarios/"), "no directories: {args}");
    let svg = std::fs::read_to_string(out_dir.join("errors.svg")).unwrap();
    let shaded = svg.to_ascii_uppercase().matches("#FFC8C8").count();
    assert!(shaded >= 1, "the outage is shaded in errors.svg");
}

/// `microsim schema` prints sim-core's schemas exactly (sim-core's tests
/// check their structure; tests/readers/test_schema.py validates the shipped
/// files against this output with a real validator).
#[test]
fn schema_publishes_the_scenario_format_and_the_resilience_keys() {
    let printed = |args: &[&str]| -> serde_json::Value {
        let out = microsim(args);
        assert!(out.status.success());
        serde_json::from_slice(&out.stdout).unwrap()
    };
    assert_eq!(
        printed(&["schema", "--scenario"]),
        sim_core::fault::scenario::scenario_schema()
    );
    assert_eq!(printed(&["schema"]), sim_core::arch_schema());
}

#[test]
fn the_table_reports_amplification_and_lost_requests() {
    let out = microsim(&[
        "run",
        arch_dir().join("netflixoss.json").to_str().unwrap(),
        "--scenario",
        scenarios_dir()
            .join("zone-partition.json")
            .to_str()
            .unwrap(),
        "-q",
    ]);
    assert!(out.status.success());
    let text = String::from_utf8_lossy(&out.stdout);
    let line = text.lines().find(|l| l.starts_with("degraded")).unwrap();
    assert!(line.contains("calls per request"), "{line}");
    assert!(
        !line.contains("unanswered 0,"),
        "the partition strands requests: {line}"
    );
}

/// The architecture a shipped scenario was written for: the first
/// `NAME.json` of `architectures/` its description names, else the file of the
/// same name, else netflixoss.
fn written_for(scenario: &std::path::Path, text: &str) -> String {
    let v: serde_json::Value = serde_json::from_str(text).unwrap();
    let description = v["description"].as_str().unwrap_or_default();
    let named = description
        .split(|c: char| !(c.is_ascii_alphanumeric() || c == '-' || c == '.'))
        .filter_map(|w| w.strip_suffix(".json"))
        .find(|n| arch_dir().join(format!("{n}.json")).is_file());
    match named {
        Some(n) => format!("{n}.json"),
        None if arch_dir().join(scenario.file_name().unwrap()).is_file() => {
            scenario.file_name().unwrap().to_str().unwrap().to_string()
        }
        None => "netflixoss.json".to_string(),
    }
}

/// The table says which fault it was and which service failed first of its
/// own accord (the root cause), and lists the entry point first.
#[test]
fn the_table_names_each_fault_and_the_root_cause_entry_point_first() {
    let out = microsim(&[
        "run",
        "netflixoss",
        "--scenario",
        "failing-dependency",
        "--duration",
        "30s",
    ]);
    assert!(out.status.success());
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains("fault: 100 % of requests to recommendations failing (injected) at 10s"),
        "{text}"
    );
    // homepage degrades (recommendations is optional): the cause is recommendations.
    assert!(
        text.contains("first to fail (root cause): recommendations ("),
        "{text}"
    );
    assert!(text.contains("injected) in 10–11 s"), "{text}");
    let services: Vec<&str> = text
        .lines()
        .skip(3)
        .map_while(|l| l.split_whitespace().next())
        .collect();
    assert_eq!(services[..3], ["www", "www-elb", "zuul"], "{text}");
}
