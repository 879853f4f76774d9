//! The inputs that used to exhaust the machine (issue 11), each run by the
//! real binary under a 2 GB address-space limit (`prlimit`): every one exits
//! 0 or 2 with a message, never killed, never hanging (a generous 120 s
//! deadline is a safety net, not a measurement; the README gives the times).

use std::path::Path;
use std::process::{Command, Stdio};
use std::time::Duration;

/// 2 GB of address space.
const MEMORY: &str = "--as=2147483648";

/// Runs microsim under the memory limit; (exit code, stdout, stderr).
fn bounded(args: &[&str]) -> (i32, String, String) {
    let child = Command::new("prlimit")
        .arg(MEMORY)
        .arg("--")
        .arg(env!("CARGO_BIN_EXE_microsim"))
        .args(args)
        .env("NO_COLOR", "1")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("prlimit (util-linux) runs");
    let pid = child.id();
    // Read the pipes while it runs (a full pipe would stall it), on a thread,
    // so the deadline can still kill it.
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || tx.send(child.wait_with_output()));
    let Ok(out) = rx.recv_timeout(Duration::from_secs(120)) else {
        let _ = Command::new("kill").arg("-9").arg(pid.to_string()).status();
        panic!("microsim {args:?} still running after 120 s");
    };
    let out = out.unwrap();
    let code = out
        .status
        .code()
        .unwrap_or_else(|| panic!("microsim {args:?} was killed: {:?}", out.status));
    (
        code,
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

fn write(dir: &Path, name: &str, text: &str) -> String {
    let p = dir.join(name);
    std::fs::write(&p, text).unwrap();
    p.to_str().unwrap().to_string()
}

fn services(list: &[String]) -> String {
    format!(
        r#"{{"arch":"abuse","traffic":{{"rate":10}},"services":[{}]}}"#,
        list.join(",")
    )
}

#[test]
fn inputs_that_exhausted_memory_now_end_with_0_or_2() {
    let tmp = tempfile::tempdir().unwrap();
    let d = tmp.path();
    // 1. Six services, each calling the next 100 times: refused (fan-out).
    let mut chain = vec![r#"{"name":"s0","package":"store","count":1}"#.to_string()];
    for i in 1..6 {
        chain.push(format!(
            r#"{{"name":"s{i}","package":"karyon","count":1,"dependencies":[{{"service":"s{}","calls":100}}]}}"#,
            i - 1
        ));
    }
    let chain = write(d, "chain.json", &services(&chain));
    let (code, _, err) = bounded(&["validate", &chain]);
    assert_eq!(code, 2, "{err}");
    assert!(
        err.contains("at --max-fan-out: each request at s5"),
        "{err}"
    );
    assert_eq!(bounded(&["run", &chain, "-q"]).0, 2);
    // ... unless allowed, when the calls in flight are capped instead.
    let (code, out, err) = bounded(&[
        "run",
        &chain,
        "-q",
        "--json",
        "--duration",
        "2s",
        "--max-fan-out",
        "1e12",
        "--max-calls",
        "100000",
    ]);
    assert_eq!(code, 0, "{err}");
    let s: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert!(
        s["limits"]["rejected_at_max_calls"].as_u64().unwrap() > 0,
        "{s}"
    );
    // 2. Thirty layers of two services each calling both of the next: refused.
    let mut layers = vec![
        r#"{"name":"a0","package":"store","count":1}"#.to_string(),
        r#"{"name":"b0","package":"store","count":1}"#.to_string(),
    ];
    for i in 1..30 {
        for x in ["a", "b"] {
            layers.push(format!(
                r#"{{"name":"{x}{i}","package":"karyon","count":1,"dependencies":["a{p}","b{p}"]}}"#,
                p = i - 1
            ));
        }
    }
    let layers = write(d, "layers.json", &services(&layers));
    assert_eq!(bounded(&["run", &layers, "-q"]).0, 2);
    // 3. A 10,000,000 ms mean service time: the drain stops at its horizon.
    let slow = write(
        d,
        "slow.json",
        r#"{"arch":"slow","services":[
        {"name":"db","package":"store","count":1,"service_time":{"dist":"exponential","mean_ms":10000000}},
        {"name":"app","package":"karyon","count":2,"dependencies":["db"]}]}"#,
    );
    let out_dir = d.join("slow-out");
    let (code, out, err) = bounded(&[
        "run",
        &slow,
        "--duration",
        "2s",
        "-q",
        "--json",
        "--out",
        out_dir.to_str().unwrap(),
    ]);
    assert_eq!(code, 0, "{err}");
    let s: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(s["limits"]["drain_stopped_at_s"], 62.0, "{s}");
    let csv = std::fs::read_to_string(out_dir.join("metrics.csv")).unwrap();
    assert!(
        csv.lines().count() < 63 * 3 + 2,
        "62 one-second buckets, 3 rows each"
    );
    // 4. 20,000 one-instance services.
    let mut wide: Vec<String> = (0..20_000)
        .map(|i| format!(r#"{{"name":"s{i}","package":"store","count":1}}"#))
        .collect();
    wide.push(r#"{"name":"www","package":"denominator","dependencies":["s0","s1"]}"#.into());
    let wide = write(d, "wide.json", &services(&wide));
    let wide_out = d.join("wide-out");
    let (code, _, err) = bounded(&[
        "run",
        &wide,
        "--duration",
        "10s",
        "-q",
        "--out",
        wide_out.to_str().unwrap(),
    ]);
    assert_eq!(code, 0, "{err}");
    // The latency chart draws the busiest 36 services, not 20,001 panels.
    let svg = std::fs::read_to_string(wide_out.join("histograms.svg")).unwrap();
    assert!(svg.len() < 1_000_000, "{} bytes", svg.len());
    assert!(svg.contains("\ns0\n</text>") && !svg.contains("\ns19999\n</text>"));
    // 5. Nine million instances, with every output.
    let mut big: serde_json::Value =
        serde_json::from_str(include_str!("../../architectures/netflixoss.json")).unwrap();
    for s in big["services"].as_array_mut().unwrap() {
        if let Some(c) = s["count"].as_i64().filter(|c| *c > 0) {
            s["count"] = (c * 150_000).into();
        }
    }
    let big = write(d, "big.json", &big.to_string());
    let big_out = d.join("big-out");
    let (code, _, err) = bounded(&["run", &big, "-q", "--out", big_out.to_str().unwrap()]);
    assert_eq!(code, 0, "{err}");
    let graph = std::fs::metadata(big_out.join("graph.json")).unwrap().len();
    assert!(
        graph < 100_000,
        "service-level graph at 9 million instances: {graph} bytes"
    );
}
