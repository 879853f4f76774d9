//! `microsim run` with versions and deployments: the change-in-flight lesson
//! runs its canary and red/black pushes and reports them in summary.json;
//! bad input — a shift to an unknown version, weights that do not add up, a
//! deploy of a service with no versions, a canary without a baseline,
//! versions whose counts or weights do not add up — exits 2 naming the file,
//! the JSON path and a fix, before anything is written.

use std::path::{Path, PathBuf};

mod common;
use common::{assert_refused, microsim};

fn lesson(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../architectures")
        .join(name)
}

/// Runs the lesson's architecture (edited: `from` → `to`) under `scenario`,
/// expecting a refusal naming `named` and every `want`.
fn refused(arch_edit: (&str, &str), scenario: &str, named: &str, want: &[&str]) {
    let tmp = tempfile::tempdir().unwrap();
    let text = std::fs::read_to_string(lesson("change-in-flight.json")).unwrap();
    assert!(text.contains(arch_edit.0), "the lesson has {}", arch_edit.0);
    let arch = tmp.path().join("arch.json");
    std::fs::write(&arch, text.replace(arch_edit.0, arch_edit.1)).unwrap();
    let sc = tmp.path().join("push.json");
    std::fs::write(&sc, scenario).unwrap();
    let out_dir = tmp.path().join("out");
    let out = microsim(&[
        "run",
        arch.to_str().unwrap(),
        "--scenario",
        sc.to_str().unwrap(),
        "-q",
        "--out",
        out_dir.to_str().unwrap(),
    ]);
    assert_refused(&out, named, want, &out_dir);
}

const SAME: (&str, &str) = ("\"count\": 6", "\"count\": 6");

#[test]
fn bad_deployments_exit_2_at_their_path() {
    let d = |action: &str| format!(r#"{{"deployments":[{{"at":"10s",{action}}}]}}"#);
    for (action, want) in [
        (
            r#""shift":{"service":"api","weights":{"v9":100}}"#,
            &[
                "deployments[0].shift.weights.v9",
                "not a version of \"api\"",
                "v1, v2, v3",
            ][..],
        ),
        (
            r#""shift":{"service":"api","weights":{"v1":50,"v2":40}}"#,
            &["deployments[0].shift.weights", "add up to 90, not 100"],
        ),
        (
            r#""deploy":{"service":"db","version":"v2"}"#,
            &["deployments[0].deploy.service", "\"db\" has no versions"],
        ),
        (
            r#""canary":{"service":"api","canary":"v2","steps":[{"set_weight":5},{"pause":"60s"}]}"#,
            &["deployments[0].canary.baseline", "needs a baseline"],
        ),
    ] {
        refused(SAME, &d(action), "push.json", want);
    }
}

#[test]
fn bad_versions_exit_2_at_their_path() {
    let push = r#"{"deployments":[]}"#;
    let at = r#"services[1] "api".versions"#;
    for (from, to, want) in [
        (
            r#"{"name": "v1"}"#,
            r#"{"name": "v1", "count": 4}, {"name": "v0", "count": 4}"#,
            &[at, "add up to 8, but the service's count is 6"][..],
        ),
        (
            r#"{"name": "v1"}"#,
            r#"{"name": "v1", "weight": 60}"#,
            &[at, "weights add up to 60, not 100"],
        ),
        (
            r#"{"name": "v3"}"#,
            r#"{"name": "v1"}"#,
            &["versions[2].name", "duplicate version \"v1\""],
        ),
        (
            r#"{"name": "v2", "defect": {"errors_percent": 20}}"#,
            r#"{"name": "v2", "defect": {"errors_percent": 120}}"#,
            &["versions[1].defect.errors_percent", "not a percentage"],
        ),
    ] {
        refused((from, to), push, "arch.json", want);
    }
}

/// The lesson's two pushes of the bad version end rolled back, and
/// summary.json says when it was detected and what it cost.
#[test]
fn the_lesson_reports_detection_rollback_and_failed_requests() {
    for push in ["canary", "red-black"] {
        let out = microsim(&[
            "run",
            lesson("change-in-flight.json").to_str().unwrap(),
            "--scenario",
            lesson(&format!("scenarios/{push}.json")).to_str().unwrap(),
            "--duration",
            "300s",
            "--json",
        ]);
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let s: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        let d = &s["deployments"][0];
        assert_eq!(d["outcome"], "rolled_back", "{push}: {d}");
        assert!(d["time_to_detect_s"].as_f64().unwrap() > 0.0);
        assert_eq!(d["detected_s"], d["rolled_back_s"]);
        assert!(d["touched"]["failed"].as_u64().unwrap() > 0);
        let last = d["verdicts"].as_array().unwrap().last().unwrap().clone();
        assert_eq!(last["verdict"], "fail", "{push}: {last}");
    }
}
