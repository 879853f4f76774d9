//! Replicated stores through the binary: a consistency level the
//! replication factor cannot satisfy (and other bad replication) exits 2
//! with one paragraph naming the file, the JSON path and a fix, writing
//! nothing; a run with a replicated store reports it in summary.json, the
//! run table, stores.svg and metrics.csv (`unavailable` and four more
//! columns, only then).

use std::path::{Path, PathBuf};

mod common;
use common::{microsim, refused};

fn arch_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../architectures")
}

/// A store of three nodes with `replication`, called by an api with keys.
fn file(dir: &Path, name: &str, replication: &str) -> String {
    let text = format!(
        r#"{{"arch":"t","traffic":{{"rate":50,"keys":{{"count":1000}}}},"services":[
        {{"name":"cass","package":"priamCassandra","count":3,"replication":{replication}}},
        {{"name":"api","package":"karyon","count":1,"dependencies":["cass"]}}]}}"#
    );
    let p = dir.join(name);
    std::fs::write(&p, text).unwrap();
    p.to_str().unwrap().to_string()
}

#[test]
fn bad_replication_exits_2_naming_the_file_path_and_fix() {
    let tmp = tempfile::tempdir().unwrap();
    let f = file(tmp.path(), "three.json", r#"{"factor":2,"read":"THREE"}"#);
    refused(
        &["run", &f],
        &[
            "three.json",
            "at services[0] \"cass\".replication.read",
            "THREE needs 3 replicas",
            "raise the factor",
        ],
    );
    let f = file(tmp.path(), "factor.json", r#"{"factor":5}"#);
    refused(
        &["run", &f],
        &[
            "factor.json",
            "replication.factor",
            "3 instance(s) per region",
        ],
    );
    let f = file(
        tmp.path(),
        "serial.json",
        r#"{"factor":3,"write":"SERIAL"}"#,
    );
    refused(
        &["run", &f],
        &["serial.json", "replication.write", "LOCAL_QUORUM"],
    );
    let f = file(tmp.path(), "typo.json", r#"{"factor":3,"raed":"ONE"}"#);
    refused(&["run", &f], &["typo.json", "raed"]);
}

#[test]
fn a_run_with_a_replicated_store_reports_it() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("out");
    let arch = arch_dir().join("cap-available.json");
    let scenario = arch_dir().join("scenarios/cap-partition.json");
    let o = microsim(&[
        "run",
        arch.to_str().unwrap(),
        "--scenario",
        scenario.to_str().unwrap(),
        "--duration",
        "40s",
        "-q",
        "--out",
        out.to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let s: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("summary.json")).unwrap()).unwrap();
    let st = &s["stores"]["cassandra"];
    let stale = st["stale_reads"].as_u64().unwrap();
    assert!(stale > 100, "{st}");
    assert_eq!(st["read"], "ONE");
    assert_eq!(s["services"]["api"]["failures"]["unavailable"], 0);
    // The table names the store's figures, and stores.svg draws them.
    let table = String::from_utf8_lossy(&o.stdout);
    assert!(
        table.contains("store cassandra (3 copies × 2 region(s), writes LOCAL_QUORUM, reads ONE)")
            && table.contains(&format!("{stale} stale reads")),
        "{table}"
    );
    let chart = std::fs::read_to_string(out.join("stores.svg")).unwrap();
    assert!(chart.contains("stale reads") && chart.contains("unavailable"));
    let csv = std::fs::read_to_string(out.join("metrics.csv")).unwrap();
    let header: Vec<&str> = csv.lines().next().unwrap().split(',').collect();
    assert!(header.ends_with(&["store_reads", "store_writes", "stale_reads", "lost_writes"]));
    assert!(header.contains(&"unavailable"));
    let col = header.iter().position(|&h| h == "stale_reads").unwrap();
    let csv_stale: u64 = csv
        .lines()
        .skip(1)
        .filter(|l| l.split(',').nth(1) == Some("cassandra"))
        .map(|l| l.split(',').nth(col).unwrap().parse::<u64>().unwrap())
        .sum();
    assert_eq!(
        csv_stale, stale,
        "metrics.csv counts the summary's stale reads"
    );
    // A file without a replicated store keeps its columns.
    let plain = tmp.path().join("plain");
    let o = microsim(&[
        "run",
        "mm1",
        "--duration",
        "2s",
        "-q",
        "--out",
        plain.to_str().unwrap(),
    ]);
    assert!(o.status.success());
    let csv = std::fs::read_to_string(plain.join("metrics.csv")).unwrap();
    assert!(!csv.lines().next().unwrap().contains("unavailable"));
}
