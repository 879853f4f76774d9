//! `run --out` writes every export and chart; `report` writes one
//! self-contained HTML page. (Formats are read back by real readers in
//! tests/readers; here: presence, shape, and no external references.)

mod common;
use common::microsim;

#[test]
fn run_writes_every_export_and_chart() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("out");
    let out = microsim(&[
        "run",
        "--duration",
        "3s",
        "--quiet",
        "--out",
        dir.to_str().unwrap(),
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    for f in [
        "summary.json",
        "graph.json",
        "graph.graphml",
        "graph.dot",
        "vizceral.json",
        "traces.zipkin.json",
        "traces.otlp.json",
        "metrics.csv",
        "latency.svg",
        "latency.png",
        "errors.svg",
        "errors.png",
        "histograms.svg",
        "histograms.png",
        "report.html",
    ] {
        let bytes = std::fs::read(dir.join(f)).unwrap_or_else(|_| panic!("{f} written"));
        assert!(bytes.len() > 100, "{f} is not empty");
        let ext = std::path::Path::new(f).extension().and_then(|e| e.to_str());
        if ext == Some("png") {
            assert_eq!(&bytes[..8], b"\x89PNG\r\n\x1a\n", "{f} is a PNG");
        }
        if ext == Some("svg") {
            let text = String::from_utf8(bytes).unwrap();
            assert!(
                text.starts_with("<svg") && text.contains("</svg>"),
                "{f} is an SVG"
            );
        }
    }
    let leftovers: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .filter_map(std::result::Result::ok)
        .filter(|e| e.file_name().to_string_lossy().ends_with(".partial"))
        .collect();
    assert!(leftovers.is_empty(), "no temporary files remain");

    // Nor the staging folder they were written in (tests/files.rs: the rest).
    let staging = std::fs::read_dir(&dir)
        .unwrap()
        .filter_map(std::result::Result::ok)
        .filter(|e| e.file_name().to_string_lossy().starts_with(".microsim-"))
        .count();
    assert_eq!(staging, 0, "no staging folder remains");
}

#[test]
fn report_is_one_self_contained_page() {
    let tmp = tempfile::tempdir().unwrap();
    let page = tmp.path().join("r").join("report.html");
    // report writes into a folder that exists (tests/files.rs: it creates none).
    std::fs::create_dir(tmp.path().join("r")).unwrap();
    let out = microsim(&[
        "report",
        "lamp",
        "--duration",
        "3s",
        "--quiet",
        "--html",
        page.to_str().unwrap(),
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let html = std::fs::read_to_string(&page).unwrap();
    assert_eq!(html.matches("<svg").count(), 3, "three inline charts");
    assert!(html.contains("<td>apache</td>") && html.contains("microsim report: lamp"));
    assert!(
        !html.contains("src=\"http") && !html.contains("href=\"http"),
        "nothing loaded from elsewhere"
    );
}

#[test]
fn an_autoscaled_run_charts_its_instances_and_prices_them() {
    let dir = tempfile::tempdir().unwrap();
    let arch = dir.path().join("hpa.json");
    std::fs::write(
        &arch,
        r#"{"arch":"hpa","price_per_hour":0.1,"traffic":{"rate":1000},"services":[
        {"name":"app","package":"karyon","count":1,"concurrency":4,"queue":200,
         "service_time":{"dist":"exponential","mean_ms":10},
         "autoscale":{"min":1,"max":20,"target":0.6,"startup":"5s"}}]}"#,
    )
    .unwrap();
    let out = dir.path().join("out");
    let o = microsim(&[
        "run",
        arch.to_str().unwrap(),
        "--duration",
        "60s",
        "--out",
        out.to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let table = String::from_utf8_lossy(&o.stdout);
    assert!(table.contains("capacity: "), "{table}");
    for f in ["instances.svg", "instances.png"] {
        assert!(out.join(f).is_file(), "{f}");
    }
    let report = std::fs::read_to_string(out.join("report.html")).unwrap();
    assert!(report.contains("<h2>Instances and load</h2>"));
    let summary: serde_json::Value =
        serde_json::from_slice(&std::fs::read(out.join("summary.json")).unwrap()).unwrap();
    let app = &summary["capacity"]["services"]["app"];
    assert_eq!(
        (app["start"].as_u64(), app["max"].as_u64()),
        (Some(1), Some(4))
    );
    // Files that neither scale nor price have no such chart.
    let plain = dir.path().join("plain");
    assert!(
        microsim(&["run", "--duration", "2s", "--out", plain.to_str().unwrap()])
            .status
            .success()
    );
    assert!(!plain.join("instances.svg").exists());
}
