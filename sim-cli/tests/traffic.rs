//! Traffic that changes, through the binary: a bad profile or flash crowd
//! exits 2 with one paragraph naming the file, the JSON path and the known
//! entry points, writing nothing; the lessons run; `--rate` scales a profile
//! so that its peak is the rate.

use std::path::{Path, PathBuf};

mod common;
use common::{microsim, refused};

fn arch_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../architectures")
}

fn write(dir: &Path, name: &str, text: &str) -> String {
    let p = dir.join(name);
    std::fs::write(&p, text).unwrap();
    p.to_str().unwrap().to_string()
}

#[test]
fn a_profile_going_back_in_time_exits_2_naming_the_file_and_path() {
    let tmp = tempfile::tempdir().unwrap();
    let f = write(
        tmp.path(),
        "back.json",
        r#"{"arch":"t","traffic":{"profile":{"steps":[["0s",100],["30s",400],["20s",100]]}},
           "services":[{"name":"www","package":"karyon","count":1}]}"#,
    );
    refused(
        &["run", &f],
        &[
            "back.json",
            "at traffic.profile.steps[2][0]",
            "a profile going back in time",
            "sort the points by time",
        ],
    );
    let out = microsim(&["validate", &f]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(
        err.contains("back.json") && err.contains("steps[2][0]"),
        "{err}"
    );
}

#[test]
fn a_flash_crowd_at_an_unknown_entry_exits_2_naming_the_entry_points() {
    let tmp = tempfile::tempdir().unwrap();
    let f = write(
        tmp.path(),
        "crowd.json",
        r#"{"faults":[{"at":"5s","for":"10s","flash_crowd":{"factor":4,"entry":"homepage"}}]}"#,
    );
    refused(
        &["run", "netflixoss", "--scenario", &f],
        &[
            "crowd.json",
            "at faults[0].flash_crowd.entry",
            "\"homepage\" is a service of netflixoss but not an entry point",
            "the entry points are www",
        ],
    );
}

#[test]
fn the_rate_option_scales_the_spike_so_that_its_peak_is_the_rate() {
    let spike = arch_dir().join("spike.json");
    let run = |extra: &[&str]| {
        let mut args = vec!["run", spike.to_str().unwrap(), "--json"];
        args.extend(extra);
        let out = microsim(&args);
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let s: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        s["end_to_end"]["requests"].as_u64().unwrap() as f64
    };
    // 20 s at 100/s, 20 s at 400/s, 20 s at 100/s: 12,000; with --rate 800, twice that.
    for (extra, want) in [(&[][..], 12_000.0), (&["--rate", "800"][..], 24_000.0)] {
        let got = run(extra);
        assert!(
            (got - want).abs() < 4.0 * f64::sqrt(want),
            "{extra:?}: {got} requests, expected {want}"
        );
    }
}
