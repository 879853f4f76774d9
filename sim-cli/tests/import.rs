//! `microsim import compose` and `microsim import k8s` on the shipped example
//! files (architectures/imports/, written for this project in the shape of a
//! public social-network benchmark's compose file and a public shop demo's
//! manifests and Istio rules): they import, validate and run; the built-in
//! architectures made from them are exactly what the import makes now; bad
//! input exits 2 with its place and writes nothing.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use serde_json::Value;

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

/// Runs microsim from the repository's root, as the README's commands do.
fn microsim(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_microsim"))
        .args(args)
        .current_dir(root())
        .env("NO_COLOR", "1")
        .output()
        .unwrap()
}

fn ok(out: &Output) -> String {
    let err = String::from_utf8_lossy(&out.stderr).to_string();
    assert_eq!(out.status.code(), Some(0), "{err}");
    err
}

fn json(path: &Path) -> Value {
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

const SOCIAL: &str = "architectures/imports/social-network.compose.yml";
const SHOP: &str = "architectures/imports/shop/app.yaml";
const ISTIO: &str = "architectures/imports/shop/istio.yaml";

/// The end-to-end success of a run of `arch` under `scenario`.
fn success(arch: &str, scenario: &str) -> f64 {
    let out = microsim(&["run", arch, "--scenario", scenario, "--json", "-q"]);
    ok(&out);
    let s: Value = serde_json::from_slice(&out.stdout).unwrap();
    let e = &s["end_to_end"];
    e["ok"].as_f64().unwrap() / e["requests"].as_f64().unwrap()
}

#[test]
fn the_social_network_compose_file_imports_validates_and_runs() {
    let tmp = tempfile::tempdir().unwrap();
    let arch = tmp.path().join("sn.json");
    let out = microsim(&[
        "import",
        "compose",
        SOCIAL,
        "-o",
        arch.to_str().unwrap(),
        "--json",
    ]);
    ok(&out);
    let report: Value = serde_json::from_slice(&out.stdout).unwrap();
    let a = json(&arch);
    let services = a["services"].as_array().unwrap();
    // 30 compose services less the tracing one.
    assert_eq!(services.len(), 28, "{a}");
    let pkg = |n: &str| {
        services.iter().find(|s| s["name"] == n).unwrap()["package"]
            .as_str()
            .unwrap()
            .to_string()
    };
    assert_eq!(pkg("nginx-thrift"), "zuul");
    assert_eq!(pkg("user-mongodb"), "store");
    assert_eq!(pkg("user-memcached"), "cache");
    assert_eq!(pkg("compose-post-service"), "karyon");
    let compose = services
        .iter()
        .find(|s| s["name"] == "compose-post-service")
        .unwrap();
    assert_eq!(compose["count"], 3);
    assert_eq!(
        compose["dependencies"].as_array().unwrap().len(),
        7,
        "{compose}"
    );
    let edges = report["edges"].as_array().unwrap();
    let how = |from: &str, to: &str| {
        edges
            .iter()
            .find(|e| e["from"] == from && e["to"] == to)
            .map(|e| e["how"].as_str().unwrap().to_string())
    };
    assert_eq!(
        how("compose-post-service", "text-service").as_deref(),
        Some("env TEXT_SERVICE_ADDR=text-service:9090")
    );
    assert!(how("nginx-thrift", "user-service")
        .unwrap()
        .contains("not proof of a call"));
    assert_eq!(
        how("social-graph-service", "user-service"),
        None,
        "the cycle is broken"
    );
    assert!(report["ignored"]
        .as_array()
        .unwrap()
        .iter()
        .any(|i| i["what"] == "service jaeger-agent"));
    let text = a["description"].as_str().unwrap();
    for want in [
        "inferred: ",
        "assumed: ",
        "start order is not proof of a call",
        "closes a cycle",
    ] {
        assert!(text.contains(want), "{want}: {text}");
    }
    ok(&microsim(&["validate", arch.to_str().unwrap()]));
    let run = microsim(&[
        "run",
        arch.to_str().unwrap(),
        "--duration",
        "5s",
        "--json",
        "-q",
    ]);
    ok(&run);
    let s: Value = serde_json::from_slice(&run.stdout).unwrap();
    assert_eq!(s["end_to_end"]["failed"], 0, "nothing fails without faults");
}

#[test]
fn the_shop_manifests_and_istio_rules_import_with_a_scenario() {
    let tmp = tempfile::tempdir().unwrap();
    let arch = tmp.path().join("shop.json");
    let scenario = tmp.path().join("faults.json");
    let out = microsim(&[
        "import",
        "k8s",
        SHOP,
        ISTIO,
        "-o",
        arch.to_str().unwrap(),
        "--scenario-out",
        scenario.to_str().unwrap(),
        "--json",
    ]);
    ok(&out);
    let report: Value = serde_json::from_slice(&out.stdout).unwrap();
    let a = json(&arch);
    let services = a["services"].as_array().unwrap();
    let svc = |n: &str| {
        services
            .iter()
            .find(|s| s["name"] == n)
            .unwrap_or_else(|| panic!("{n}"))
    };
    assert_eq!(
        services.len(),
        12,
        "10 Deployments, the cart store, the load balancer"
    );
    assert_eq!(svc("redis-cart")["package"], "cache");
    assert_eq!(svc("frontend-external")["package"], "elb");
    assert_eq!(svc("frontend")["count"], 3);
    assert_eq!(a["zones"], 3);
    let dep = |from: &str, to: &str| -> Value {
        svc(from)["dependencies"]
            .as_array()
            .unwrap()
            .iter()
            .find(|d| d["service"] == to || *d == to)
            .cloned()
            .unwrap_or_else(|| panic!("{from} → {to}"))
    };
    let catalogue = dep("checkoutservice", "productcatalogservice");
    assert_eq!(catalogue["timeout_ms"], 1000.0);
    assert_eq!(catalogue["retries"]["attempts"], 2);
    assert_eq!(catalogue["retries"]["per_try_timeout_ms"], 300.0);
    assert_eq!(catalogue["zone_aware"], true);
    assert_eq!(catalogue["bulkhead"], 100);
    assert_eq!(
        dep("cartservice", "redis-cart")["zone_aware"],
        true,
        "the wildcard rule"
    );
    let faults = json(&scenario)["faults"].clone();
    assert_eq!(
        faults,
        serde_json::json!([
            {"at": "0s", "latency": {"service": "recommendationservice", "add_ms": 2000.0, "percent": 20.0}},
            {"at": "0s", "errors": {"service": "paymentservice", "percent": 10.0}}
        ])
    );
    let ignored: Vec<&str> = report["ignored"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["what"].as_str().unwrap())
        .collect();
    for kind in [
        "ServiceAccount shop",
        "ConfigMap shop-settings",
        "Gateway shop-gateway",
        "Deployment loadgenerator",
    ] {
        assert!(
            ignored.contains(&kind),
            "{kind} listed as ignored: {ignored:?}"
        );
    }
    assert_eq!(report["scenario_faults"], 2);
    // It runs, under its own faults and a zone outage, and gives availability.
    let zone = success(arch.to_str().unwrap(), "zone-outage");
    assert!(
        zone > 0.99,
        "the mesh's retries ride out a zone outage: {zone}"
    );
    let faulted = success(arch.to_str().unwrap(), scenario.to_str().unwrap());
    assert!(faulted > 0.98 && faulted < 1.0, "{faulted}");
}

/// A command, and the files it makes with the shipped files they must equal.
type Case<'a> = (&'a [&'a str], &'a [(&'a str, &'a str)]);

/// The built-in files the lesson runs are what the import makes of the
/// shipped inputs today (regenerate them with the README's commands).
#[test]
fn the_built_in_imports_are_up_to_date() {
    let tmp = tempfile::tempdir().unwrap();
    let t = |n: &str| tmp.path().join(n).to_str().unwrap().to_string();
    let cases: [Case; 3] = [
        (
            &[
                "import",
                "k8s",
                SHOP,
                ISTIO,
                "--name",
                "shop",
                "-o",
                &t("shop.json"),
                "--scenario-out",
                &t("faults.json"),
            ],
            &[
                ("shop.json", "architectures/shop.json"),
                (
                    "faults.json",
                    "architectures/scenarios/shop-istio-faults.json",
                ),
            ],
        ),
        (
            &[
                "import",
                "k8s",
                SHOP,
                "--name",
                "shop-no-mesh",
                "-o",
                &t("plain.json"),
            ],
            &[("plain.json", "architectures/shop-no-mesh.json")],
        ),
        (
            &[
                "import",
                "compose",
                SOCIAL,
                "--name",
                "social-network",
                "-o",
                &t("sn.json"),
            ],
            &[("sn.json", "architectures/social-network.json")],
        ),
    ];
    for (args, files) in cases {
        ok(&microsim(args));
        for (made, shipped) in files {
            let made = std::fs::read_to_string(tmp.path().join(made)).unwrap();
            let shipped = std::fs::read_to_string(root().join(shipped)).unwrap();
            assert!(
                made == shipped,
                "{shipped} is stale: rerun {}",
                args.join(" ")
            );
        }
    }
}

/// Expects exit 2, one paragraph with every `want` and a fix, nothing on
/// stdout and no file written.
fn refused(args: &[&str], want: &[&str]) {
    let tmp = tempfile::tempdir().unwrap();
    let out_file = tmp.path().join("out.json");
    let mut all = args.to_vec();
    all.extend(["-o", out_file.to_str().unwrap()]);
    let out = microsim(&all);
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{all:?}: {err}");
    for w in want {
        assert!(err.contains(w), "expected {w:?} in: {err}");
    }
    assert!(err.contains("Fix:"), "{err}");
    assert!(!err.contains("panicked"), "{err}");
    assert_eq!(err.trim_end().lines().count(), 1, "one paragraph: {err}");
    assert!(out.stdout.is_empty());
    assert!(!out_file.exists(), "no partial output");
}

fn file(dir: &Path, name: &str, text: &str) -> String {
    let p = dir.join(name);
    std::fs::write(&p, text).unwrap();
    p.to_str().unwrap().to_string()
}

#[test]
fn malformed_yaml_names_its_line_and_column() {
    let tmp = tempfile::tempdir().unwrap();
    let f = file(
        tmp.path(),
        "bad.yml",
        "services:\n  web:\n    image: [nginx\n  db: {}\n",
    );
    refused(
        &["import", "compose", &f],
        &["bad.yml:4:", "malformed YAML"],
    );
    let f = file(
        tmp.path(),
        "bad.yaml",
        "kind: Deployment\nmetadata:\n  name: a\n   x: 1\n",
    );
    refused(&["import", "k8s", &f], &["bad.yaml:4:5", "malformed YAML"]);
}

/// A billion laughs (9 levels of 9 aliases: 9⁹ strings) is refused by the
/// alias budget, before it is expanded (README: under 0.01 s and 4 MB by hand).
#[test]
fn a_yaml_bomb_is_refused() {
    let tmp = tempfile::tempdir().unwrap();
    let mut bomb = String::from("services:\n  a: &a [\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\"]\n");
    for (prev, name) in ["a", "b", "c", "d", "e", "f", "g", "h"]
        .iter()
        .zip(["b", "c", "d", "e", "f", "g", "h", "i"])
    {
        bomb.push_str(&format!(
            "  {name}: &{name} [{}]\n",
            vec![format!("*{prev}"); 9].join(",")
        ));
    }
    let f = file(tmp.path(), "bomb.yml", &bomb);
    refused(
        &["import", "compose", &f],
        &["bomb.yml:", "expands to more than 16 MiB", "billion laughs"],
    );
    refused(
        &["import", "k8s", &f],
        &["bomb.yml:", "expands to more than 16 MiB"],
    );
}

#[test]
fn nothing_to_import_exits_2() {
    let tmp = tempfile::tempdir().unwrap();
    let f = file(
        tmp.path(),
        "cm.yaml",
        "kind: ConfigMap\nmetadata: {name: x}\n---\nkind: Namespace\nmetadata: {name: y}\n",
    );
    refused(
        &["import", "k8s", &f],
        &[
            "cm.yaml",
            "nothing to import",
            "no Deployment or StatefulSet",
        ],
    );
    let f = file(
        tmp.path(),
        "obs.yml",
        "services:\n  jaeger: {image: jaegertracing/all-in-one}\n",
    );
    refused(
        &["import", "compose", &f],
        &["obs.yml", "nothing to import"],
    );
    let f = file(tmp.path(), "x.yml", "just: text\n");
    refused(
        &["import", "compose", &f],
        &["x.yml", "at services", "not a docker-compose file"],
    );
    let f = file(
        tmp.path(),
        "r.yaml",
        "kind: Deployment\nmetadata: {name: a}\nspec: {replicas: -3}\n",
    );
    refused(
        &["import", "k8s", &f],
        &["r.yaml", "spec.replicas", "-3 is not a replica count"],
    );
    refused(
        &["import", "k8s", "no-such-file.yaml"],
        &["no-such-file.yaml", "cannot read"],
    );
}

#[test]
fn without_out_the_architecture_goes_to_stdout() {
    let out = microsim(&["import", "compose", SOCIAL]);
    let err = ok(&out);
    let a: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(a["arch"], "social-network-compose");
    assert!(err.contains("imported 28 services"), "{err}");
    let out = microsim(&["import", "k8s", SHOP, ISTIO]);
    let err = ok(&out);
    assert!(err.contains("add --scenario-out FILE"), "{err}");
}
