//! `microsim compare`: two runs with the same seed, side by side. Each side
//! is exactly the run `microsim run` makes of it, the differences are B − A,
//! and the page holds both runs' charts overlaid.

use std::process::{Command, Output};

const BIN: &str = env!("CARGO_BIN_EXE_microsim");

fn microsim(args: &[&str]) -> Output {
    Command::new(BIN)
        .args(args)
        .env("NO_COLOR", "1")
        .output()
        .unwrap()
}

fn json(o: &Output) -> serde_json::Value {
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    serde_json::from_slice(&o.stdout).unwrap()
}

#[test]
fn each_side_is_the_run_microsim_run_makes() {
    let both = json(&microsim(&[
        "compare",
        "netflixoss",
        "netflixoss-resilient",
        "--scenario",
        "zone-outage",
        "--duration",
        "30s",
        "--seed",
        "3",
        "--json",
    ]));
    for (side, arch) in [("a", "netflixoss"), ("b", "netflixoss-resilient")] {
        let alone = json(&microsim(&[
            "run",
            arch,
            "--scenario",
            "zone-outage",
            "--duration",
            "30s",
            "--seed",
            "3",
            "--json",
        ]));
        assert_eq!(both[side]["summary"], alone, "{side}");
        assert_eq!(both[side]["scenario"], "zone-outage");
    }
    // The lesson of the pair: the resilient side loses fewer requests.
    let failed = |s: &str| both[s]["summary"]["end_to_end"]["failed"].as_u64().unwrap();
    assert!(failed("b") < failed("a"), "{} {}", failed("a"), failed("b"));
}

#[test]
fn the_table_shows_differences_and_the_page_overlays_both_runs() {
    let tmp = tempfile::tempdir().unwrap();
    let page = tmp.path().join("compare.html");
    let o = microsim(&[
        "compare",
        "netflixoss",
        "--scenario",
        "zone-outage",
        "--scenario-b",
        "chaos-monkey",
        "--duration",
        "30s",
        "--html",
        page.to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let text = String::from_utf8_lossy(&o.stdout);
    assert!(text.contains("A: netflixoss + zone-outage"), "{text}");
    assert!(text.contains("B: netflixoss + chaos-monkey"), "{text}");
    let requests = text.lines().find(|l| l.starts_with("requests")).unwrap();
    assert!(
        requests.ends_with("0 (+0.0 %)"),
        "same seed, same traffic: {requests}"
    );
    assert!(
        text.contains("A: fault: zone outage of us-east-1 zoneA"),
        "{text}"
    );
    assert!(text.contains("B: fault: chaos monkey"), "{text}");
    let html = std::fs::read_to_string(&page).unwrap();
    assert_eq!(html.matches("<svg").count(), 2, "p99 and errors");
    assert!(
        html.contains("A: netflixoss + zone-outage")
            && html.contains("B: netflixoss + chaos-monkey")
    );
}

#[test]
fn the_same_run_twice_differs_in_nothing() {
    let o = microsim(&["compare", "mm1", "mm1", "--duration", "10s"]);
    assert!(o.status.success());
    let text = String::from_utf8_lossy(&o.stdout);
    for line in text.lines().skip(1).filter(|l| !l.starts_with(['A', 'B'])) {
        let diff = line.rsplit("  ").next().unwrap();
        assert!(
            diff == "0" || diff.starts_with("0 (") || diff == "+0.000 pp",
            "{line}"
        );
    }
}

#[test]
fn bad_comparisons_exit_2_and_write_nothing() {
    let tmp = tempfile::tempdir().unwrap();
    let page = tmp.path().join("compare.html");
    let p = page.to_str().unwrap();
    for args in [
        vec!["compare", "netflixoss", "--html", p],
        vec!["compare", "netflixoss", "nope", "--html", p],
        vec![
            "compare",
            "netflixoss",
            "lamp",
            "--scenario",
            "no-such",
            "--html",
            p,
        ],
    ] {
        let o = microsim(&args);
        let e = String::from_utf8_lossy(&o.stderr);
        assert_eq!(o.status.code(), Some(2), "{args:?}: {e}");
        assert!(e.contains("Fix:"), "{e}");
        assert!(!page.exists(), "{args:?}");
    }
}
