//! Keys and caches through the binary: bad keys or caches exit 2 with one
//! paragraph naming the file, the JSON path and a fix, writing nothing; a
//! run with caches reports them in summary.json, metrics.csv (two more
//! columns, only then), the run table and caches.svg; `validate` states the
//! memory of full caches.

use std::path::{Path, PathBuf};

mod common;
use common::{microsim, refused};

fn arch_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../architectures")
}

/// A data-access layer over one cache and a store, with `keys` and `cache`
/// spliced in.
fn file(dir: &Path, name: &str, keys: &str, cache: &str) -> String {
    let text = format!(
        r#"{{"arch":"t","traffic":{{"rate":50,"keys":{keys}}},"services":[
        {{"name":"evcache","package":"cache","count":3,"cache":{cache}}},
        {{"name":"db","package":"store","count":1}},
        {{"name":"dal","package":"staash","count":1,"dependencies":["evcache","db"]}}]}}"#
    );
    let p = dir.join(name);
    std::fs::write(&p, text).unwrap();
    p.to_str().unwrap().to_string()
}

#[test]
fn bad_keys_and_caches_exit_2_naming_the_file_path_and_fix() {
    let tmp = tempfile::tempdir().unwrap();
    let ok_keys = r#"{"count":1000}"#;
    let ok_cache = r#"{"capacity":100}"#;
    let f = file(tmp.path(), "zero.json", ok_keys, r#"{"capacity":0}"#);
    refused(
        &["run", &f],
        &[
            "zero.json",
            "at services[0] \"evcache\".cache.capacity",
            "capacity is 0",
            "at least 1",
        ],
    );
    let f = file(
        tmp.path(),
        "negative.json",
        r#"{"count":1000,"zipf":-0.5}"#,
        ok_cache,
    );
    refused(
        &["run", &f],
        &[
            "negative.json",
            "at traffic.keys.zipf",
            "negative exponent",
            "0.6 to 1.0",
        ],
    );
    let f = file(
        tmp.path(),
        "writes.json",
        r#"{"count":1000,"write_percent":120}"#,
        ok_cache,
    );
    refused(
        &["run", &f],
        &[
            "writes.json",
            "at traffic.keys.write_percent",
            "write_percent is 120",
            "in percent",
        ],
    );
    // validate refuses them the same way.
    let out = microsim(&["validate", &f]);
    assert_eq!(out.status.code(), Some(2));
    // A cache a keyless request reaches: the path it came by.
    let keyless = tmp.path().join("keyless.json");
    std::fs::write(
        &keyless,
        r#"{"arch":"t","services":[
        {"name":"evcache","package":"cache","count":1,"cache":{"capacity":10}},
        {"name":"db","package":"store","count":1},
        {"name":"dal","package":"staash","count":1,"dependencies":["evcache","db"]}]}"#,
    )
    .unwrap();
    refused(
        &["run", keyless.to_str().unwrap()],
        &["keyless.json", "\"evcache\".cache", "dal → evcache"],
    );
    // A cache with a capacity running versions: a keyed read goes to the
    // instance holding its key, so a split by version weight cannot hold.
    let f = file(
        tmp.path(),
        "versioned.json",
        ok_keys,
        r#"{"capacity":100},"versions":[{"name":"v1"},{"name":"v2"}]"#,
    );
    refused(
        &["run", &f],
        &[
            "versioned.json",
            "at services[0] \"evcache\".versions",
            "cannot run versions",
            "remove \"versions\" from the cache",
        ],
    );
}

#[test]
fn a_run_with_caches_reports_them_everywhere() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("out");
    let arch = arch_dir().join("cache-che.json");
    let o = microsim(&[
        "run",
        arch.to_str().unwrap(),
        "--duration",
        "20s",
        "--out",
        out.to_str().unwrap(),
    ]);
    let stdout = String::from_utf8_lossy(&o.stdout);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    assert!(
        stdout.contains("cache cache-s10-c10: hit rate"),
        "the run table: {stdout}"
    );
    let s: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("summary.json")).unwrap()).unwrap();
    let c = &s["caches"]["cache-s10-c10"];
    assert_eq!(c["capacity"], 1000);
    let (hits, misses) = (c["hits"].as_u64().unwrap(), c["misses"].as_u64().unwrap());
    assert_eq!(c["gets"].as_u64().unwrap(), hits + misses);
    // Warming from empty over 20 s: below the warm 67.6 %, well above 0.
    let rate = c["hit_rate"].as_f64().unwrap();
    assert!((0.3..0.7).contains(&rate), "{rate}");
    assert!(c["entries"].as_u64().unwrap() <= 1000);
    let csv = std::fs::read_to_string(out.join("metrics.csv")).unwrap();
    assert!(csv
        .lines()
        .next()
        .unwrap()
        .ends_with(",instances,cache_hits,cache_misses"));
    let csv_hits: u64 = csv
        .lines()
        .filter(|l| l.contains(",cache-s10-c10,"))
        .map(|l| l.rsplit(',').nth(1).unwrap().parse::<u64>().unwrap())
        .sum();
    assert_eq!(csv_hits, hits, "metrics.csv counts the summary's hits");
    let svg = std::fs::read_to_string(out.join("caches.svg")).unwrap();
    assert!(svg.contains("cache hit rate") && svg.contains("store"));
    let html = std::fs::read_to_string(out.join("report.html")).unwrap();
    assert!(html.contains("Caches and the stores behind them"));

    // Without caches: the columns and files of before.
    let plain = tmp.path().join("plain");
    let o = microsim(&[
        "run",
        arch_dir().join("mm1.json").to_str().unwrap(),
        "--duration",
        "5s",
        "-q",
        "--out",
        plain.to_str().unwrap(),
    ]);
    assert!(o.status.success());
    let csv = std::fs::read_to_string(plain.join("metrics.csv")).unwrap();
    assert!(csv.lines().next().unwrap().ends_with(",instances"));
    assert!(!plain.join("caches.svg").exists());
    let s = std::fs::read_to_string(plain.join("summary.json")).unwrap();
    assert!(!s.contains("\"caches\""));
}

#[test]
fn validate_states_the_memory_of_full_caches() {
    let arch = arch_dir().join("evcache-every-zone.json");
    let o = microsim(&["validate", arch.to_str().unwrap(), "--json"]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    let caches = v["memory_bytes"]["caches"].as_u64().unwrap();
    // 6 instances × 6000 entries × at most 63 bytes an entry.
    assert_eq!(caches, 6 * 6000 * 63);
    let o = microsim(&["validate", arch.to_str().unwrap()]);
    let text = String::from_utf8_lossy(&o.stdout);
    assert!(text.contains("every cache full"), "{text}");
}
