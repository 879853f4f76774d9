//! `microsim judge`: Kayenta's judgement of samples in a file, as a table or
//! JSON, and bad judgement files refused with exit 2. (The statistics are held
//! against SciPy in tests/readers/test_canary.py.)

mod common;
use common::microsim;

const EXAMPLE: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../architectures/judgements/defect.json"
);

#[test]
fn the_example_judgement_fails_the_canary_on_its_error_rate() {
    let out = microsim(&["judge", EXAMPLE]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let table = String::from_utf8_lossy(&out.stdout);
    let row = table.lines().find(|l| l.starts_with("error_rate")).unwrap();
    assert!(row.contains("HIGH"), "{table}");
    assert!(table.contains("score 66.7 → FAIL"), "{table}");

    let out = microsim(&["judge", EXAMPLE, "--json"]);
    let j: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(j["verdict"], "fail");
    assert_eq!(j["metrics"][1]["class"], "pass");
    assert_eq!(j["metrics"][0]["n_canary"], 11, "the null step is dropped");
}

#[test]
fn bad_judgement_files_exit_2_naming_the_place() {
    let tmp = tempfile::tempdir().unwrap();
    for (text, says) in [
        ("{\"metrics\": []}", "at metrics"),
        ("[1, 2]", "put the metrics in an object"),
        ("{\"metrics\": [{\"name\": \"e\", \"baseline\": [1], \"canary\": [\"x\"]}]}", "metrics[0].canary[0]"),
        ("{\"confidence\": 2, \"metrics\": [{\"name\": \"e\", \"baseline\": [1], \"canary\": [2]}]}", "at confidence"),
        ("{\"metrics\": [{\"name\": \"e\", \"baseline\": [1], \"canary\": [2]}], \"treshold\": 3}", "treshold"),
    ] {
        let f = tmp.path().join("j.json");
        std::fs::write(&f, text).unwrap();
        let out = microsim(&["judge", f.to_str().unwrap()]);
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{text}: {err}");
        assert!(err.contains(says) && err.contains("Fix:"), "{text}: {err}");
        assert!(out.stdout.is_empty());
    }
    let out = microsim(&["judge", "/nonexistent/j.json"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("cannot read judgement file"));
}
