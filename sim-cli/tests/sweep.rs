//! `microsim sweep`: the tables of a sweep, a killed sweep resuming without
//! redoing a finished run, shards that add up to the whole sweep, and bad
//! sweeps refused with exit 2, the JSON path and a fix.

mod common;

use std::path::Path;
use std::process::{Command, Stdio};

use common::{microsim, refused};

fn stderr(o: &std::process::Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// A sweep file in `dir` over the built-in zone-capacity architecture.
fn spec(dir: &Path, seeds: u32, extra: &str) -> String {
    let p = dir.join("s.json");
    std::fs::write(
        &p,
        format!(
            r#"{{"architectures": ["zone-capacity"], "scenarios": ["zone-outage"],
                "seeds": {{"first": 1, "count": {seeds}}}, "options": {{"duration": "30s"}},
                "grid": {{"services.api.count": [3, 4], "services.db.count": [2, 3]}}{extra}}}"#
        ),
    )
    .unwrap();
    p.to_str().unwrap().to_string()
}

/// The parseable lines of every journal in `dir`, and their distinct ids.
fn journal(dir: &Path) -> (usize, usize) {
    let mut ids = std::collections::BTreeSet::new();
    let mut lines = 0;
    let Ok(entries) = std::fs::read_dir(dir) else {
        return (0, 0);
    };
    for e in entries.flatten() {
        let name = e.file_name().to_string_lossy().into_owned();
        let jsonl = e.path().extension().is_some_and(|x| x == "jsonl");
        if !(name.starts_with("journal") && jsonl) {
            continue;
        }
        for l in std::fs::read_to_string(e.path()).unwrap().lines() {
            if let Ok(v) = serde_json::from_str::<serde_json::Value>(l) {
                lines += 1;
                ids.insert(v["id"].as_str().unwrap().to_string());
            }
        }
    }
    (lines, ids.len())
}

fn sweep(args: &[&str]) -> std::process::Output {
    let mut all = vec!["sweep"];
    all.extend(args);
    let o = microsim(&all);
    assert!(o.status.success(), "{}", stderr(&o));
    o
}

#[test]
fn a_sweep_writes_its_rows_means_and_chart() {
    let tmp = tempfile::tempdir().unwrap();
    let s = spec(tmp.path(), 3, "");
    let out = tmp.path().join("out");
    sweep(&[&s, "--out", out.to_str().unwrap(), "-q"]);
    let csv = std::fs::read_to_string(out.join("runs.csv")).unwrap();
    let lines: Vec<&str> = csv.lines().collect();
    assert_eq!(lines.len(), 1 + 12, "a header and 4 sets × 3 seeds");
    assert!(lines[0].starts_with(
        "run,id,architecture,scenario,seed,services.api.count,services.db.count,requests,ok,failed,success,"
    ));
    assert!(lines[1].starts_with("0,") && lines[12].starts_with("11,"));
    let means = std::fs::read_to_string(out.join("means.csv")).unwrap();
    assert_eq!(means.lines().count(), 1 + 4);
    assert!(means
        .lines()
        .nth(1)
        .unwrap()
        .starts_with("0,zone-capacity,zone-outage,3,2,3,"));
    let parquet = std::fs::read(out.join("runs.parquet")).unwrap();
    assert!(parquet.starts_with(b"PAR1") && parquet.ends_with(b"PAR1"));
    let svg = std::fs::read_to_string(out.join("chart.svg")).unwrap();
    assert!(svg.contains("services.api.count"), "x axis named");
    // The same sweep again runs nothing and writes the same tables.
    let again = sweep(&[&s, "--out", out.to_str().unwrap()]);
    assert!(
        stderr(&again).contains("12 finished before, 0 to run now"),
        "{}",
        stderr(&again)
    );
    assert_eq!(std::fs::read_to_string(out.join("runs.csv")).unwrap(), csv);
    assert_eq!(journal(&out), (12, 12));
}

#[test]
fn a_killed_sweep_resumes_without_redoing_finished_runs() {
    let tmp = tempfile::tempdir().unwrap();
    let s = spec(tmp.path(), 25, "");
    let (whole, killed) = (tmp.path().join("whole"), tmp.path().join("killed"));
    sweep(&[&s, "--out", whole.to_str().unwrap(), "-q"]);
    // One thread, killed once a few runs are in the journal.
    let mut child = Command::new(env!("CARGO_BIN_EXE_microsim"))
        .args([
            "sweep",
            &s,
            "--out",
            killed.to_str().unwrap(),
            "-q",
            "--jobs",
            "1",
        ])
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let started = std::time::Instant::now();
    while journal(&killed).0 < 5 {
        assert!(started.elapsed().as_secs() < 120, "no run finished");
        std::thread::sleep(std::time::Duration::from_millis(5));
    }
    child.kill().unwrap();
    child.wait().unwrap();
    let (before, _) = journal(&killed);
    assert!(before < 100, "killed before the end ({before} of 100)");
    assert!(
        !killed.join("runs.csv").exists(),
        "no tables from a killed sweep"
    );
    // Resumed: only the rest runs, each run's line is written once, and the
    // tables are those of the sweep that was never killed.
    let o = sweep(&[&s, "--out", killed.to_str().unwrap()]);
    let said = format!("{before} finished before, {} to run now", 100 - before);
    assert!(stderr(&o).contains(&said), "{said}: {}", stderr(&o));
    assert_eq!(journal(&killed), (100, 100), "no run done twice");
    for t in ["runs.csv", "means.csv", "runs.parquet"] {
        assert_eq!(
            std::fs::read(killed.join(t)).unwrap(),
            std::fs::read(whole.join(t)).unwrap(),
            "{t}"
        );
    }
}

#[test]
fn a_limited_sweep_stops_and_goes_on_and_shards_add_up() {
    let tmp = tempfile::tempdir().unwrap();
    let s = spec(tmp.path(), 2, "");
    let (whole, parts) = (tmp.path().join("whole"), tmp.path().join("parts"));
    sweep(&[&s, "--out", whole.to_str().unwrap(), "-q"]);
    let p = parts.to_str().unwrap();
    let o = sweep(&[&s, "--out", p, "--shard", "0/2", "--limit", "2"]);
    assert!(
        stderr(&o).contains("stopped by --limit: 2 runs of this shard still to run"),
        "{}",
        stderr(&o)
    );
    assert_eq!(journal(&parts), (2, 2));
    sweep(&[&s, "--out", p, "--shard", "0/2", "-q"]);
    assert!(parts.join("journal-shard-0-of-2.jsonl").exists());
    let o = sweep(&[&s, "--out", p, "--shard", "1/2"]);
    assert!(
        stderr(&o).contains("shard 1/2: 4; 0 finished before, 4 to run now"),
        "{}",
        stderr(&o)
    );
    let o = sweep(&[&s, "--out", p]);
    assert!(
        stderr(&o).contains("8 finished before, 0 to run now"),
        "{}",
        stderr(&o)
    );
    assert_eq!(
        std::fs::read(parts.join("runs.csv")).unwrap(),
        std::fs::read(whole.join("runs.csv")).unwrap()
    );
}

#[test]
fn bad_sweeps_exit_2_with_the_path_and_a_fix() {
    let tmp = tempfile::tempdir().unwrap();
    let d = tmp.path();
    let nothing = spec(d, 2, "").replace("s.json", "nothing.json");
    let text = std::fs::read_to_string(d.join("s.json")).unwrap();
    std::fs::write(
        &nothing,
        text.replace("services.api.count", "services.apii.count"),
    )
    .unwrap();
    refused(
        &["sweep", &nothing],
        &[
            "nothing.json",
            "at grid[\"services.apii.count\"]",
            "matches nothing",
            "\"api\"",
        ],
    );
    let empty = d.join("empty.json");
    std::fs::write(
        &empty,
        r#"{"architectures": ["zone-capacity"], "seeds": [1], "grid": {}}"#,
    )
    .unwrap();
    refused(
        &["sweep", empty.to_str().unwrap()],
        &["at grid:", "the grid is empty"],
    );
    let s = spec(d, 2, "");
    refused(
        &["sweep", &s, "--shard", "2/2"],
        &["--shard 2/2 is out of range", "--shard 1/2"],
    );
    refused(&["sweep", &s, "--shard", "one"], &["is not a shard"]);
    let refused_value = d.join("negative.json");
    std::fs::write(&refused_value, text.replace("[3, 4]", "[3, -4]")).unwrap();
    refused(
        &["sweep", refused_value.to_str().unwrap()],
        &["runs with services.api.count = -4", "negative"],
    );
}

#[test]
fn string_values_set_consistency_levels_and_the_rows_show_cap() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("out");
    sweep(&["consistency-levels", "--out", out.to_str().unwrap(), "-q"]);
    let csv = std::fs::read_to_string(out.join("runs.csv")).unwrap();
    let header: Vec<&str> = csv.lines().next().unwrap().split(',').collect();
    let col = |name: &str| header.iter().position(|h| *h == name).unwrap();
    let (w, r) = (
        col("services.cassandra.replication.write"),
        col("services.cassandra.replication.read"),
    );
    let (stale, unavailable) = (
        col("stores.cassandra.stale_rate"),
        col("stores.cassandra.unavailable"),
    );
    let rows: Vec<Vec<&str>> = csv
        .lines()
        .skip(1)
        .map(|l| l.split(',').collect())
        .collect();
    assert_eq!(rows.len(), 40);
    for row in rows {
        let local = row[w] == "LOCAL_QUORUM" && ["ONE", "LOCAL_QUORUM"].contains(&row[r]);
        let stale: f64 = row[stale].parse().unwrap();
        let unavailable: f64 = row[unavailable].parse().unwrap();
        // CAP under a partition: local levels stay available and read stale
        // versions; a level that needs the other region fails, never stale.
        assert_eq!(local, stale > 0.0 && unavailable == 0.0, "{row:?}");
        assert_eq!(!local, stale == 0.0 && unavailable > 0.0, "{row:?}");
    }
}
