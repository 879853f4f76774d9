//! The shipped scenario files and the schemas: every scenario in
//! `architectures/scenarios/` resolves against the architecture it is
//! written for, and the schemas list every action and dependency key the
//! parsers accept.

use std::path::{Path, PathBuf};

use sim_core::fault::scenario::scenario_schema;
use sim_core::{Input, RunOptions, RunSpec};

fn arch_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../architectures")
}

/// The architecture a shipped scenario is written for: the one with the same
/// file name when there is one (scenarios/retry-storm.json goes with
/// retry-storm.json), else netflixoss; with two regions when the description
/// asks for `--regions 2`.
fn target_of(scenario: &Path, text: &str) -> (String, u32) {
    (
        written_for(scenario, text),
        if text.contains("--regions 2") { 2 } else { 1 },
    )
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

#[test]
fn shipped_scenarios_resolve_against_their_architecture() {
    let dir = arch_dir().join("scenarios");
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    files.sort();
    assert!(files.len() >= 6, "{files:?}");
    for f in files {
        let text = std::fs::read_to_string(&f).unwrap();
        let (arch, regions) = target_of(&f, &text);
        // The way every front end takes them: a run of 60 s, names resolved,
        // every fault starting in time.
        let arch_text = std::fs::read_to_string(arch_dir().join(&arch)).unwrap();
        let o = RunOptions {
            regions,
            ..RunOptions::default()
        };
        let shown = f.display().to_string();
        let spec = RunSpec::new(
            Input::new(&arch, &arch_text),
            Some(Input::new(&shown, &text)),
            o,
        )
        .unwrap_or_else(|e| panic!("{e}"));
        let sc = spec.scenario();
        assert!(
            !sc.faults.is_empty() || !sc.deployments.is_empty(),
            "{shown}"
        );
        let v: serde_json::Value = serde_json::from_str(&text).unwrap();
        let d = v["description"].as_str().unwrap_or_default();
        assert!(d.len() > 80, "{}: describe what to look at", f.display());
    }
}

/// The property names of a schema object, sorted.
fn property_names(v: &serde_json::Value) -> Vec<&str> {
    let mut keys: Vec<&str> = v["properties"]
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    keys.sort_unstable();
    keys
}

/// Every resilience key of a dependency is in the architecture schema, and a
/// dependency object refuses others.
#[test]
fn the_architecture_schema_lists_every_dependency_key() {
    let s = sim_core::arch_schema();
    let call = &s["$defs"]["CallSpec"];
    assert_eq!(
        property_names(call),
        [
            "async",
            "bulkhead",
            "calls",
            "circuit_breaker",
            "critical",
            "fallback",
            "keys",
            "mirror",
            "probability",
            "retries",
            "service",
            "timeout_ms",
            "weight",
            "zone_aware"
        ]
    );
    assert_eq!(call["required"], serde_json::json!(["service"]));
    assert_eq!(call["additionalProperties"], false);
}

/// The schema is checked as a schema, not as text: every action is a
/// property of a fault, exactly one is required (`oneOf`), and unknown keys
/// are refused, as the parser refuses them. tests/readers/test_schema.py
/// runs a real validator over the shipped files.
#[test]
fn the_schema_lists_every_action() {
    let s = scenario_schema();
    let actions = [
        "chaos_monkey",
        "errors",
        "flash_crowd",
        "kill",
        "latency",
        "partition",
        "region_outage",
        "zone_outage",
    ];
    let fault = &s["$defs"]["FaultSpec"];
    let keys = property_names(fault);
    let mut want: Vec<&str> = actions.iter().copied().chain(["at", "for"]).collect();
    want.sort_unstable();
    assert_eq!(keys, want);
    assert_eq!(fault["required"], serde_json::json!(["at"]));
    assert_eq!(fault["additionalProperties"], false);
    let mut one_of: Vec<&str> = fault["oneOf"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["required"][0].as_str().unwrap())
        .collect();
    one_of.sort_unstable();
    assert_eq!(one_of, actions, "exactly one action per fault");
    for top in ["discovery_poll", "replace_after", "faults", "description"] {
        assert!(s["properties"][top].is_object(), "{top}");
    }
    assert_eq!(s["additionalProperties"], false);
    let modes: Vec<&str> = s["$defs"]["ModeSpec"]["oneOf"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["const"].as_str().unwrap())
        .collect();
    assert_eq!(modes, ["refuse", "hang"]);
}
