//! `microsim import k8s`: Kubernetes manifests (and Istio's rules, in
//! [`super::istio`]) as an architecture.
//!
//! Deployments are services and StatefulSets stores (a data-store or cache
//! image makes a Deployment one too, [`super::kinds`]); `spec.replicas` is
//! the count (Kubernetes' default 1). A Service's name resolves to the
//! workloads its selector matches, so an environment value naming a Service
//! (`PRODUCT_CATALOG_SERVICE_ADDR=productcatalogservice:3550`, a URL, a
//! `*.svc.cluster.local` name) is a call to its workload ([`super::infer`]).
//! Zones: the values of a node-affinity term on `topology.kubernetes.io/zone`
//! give their number; a topology spread over that key, without a list,
//! assumes the format's three. A load generator is left out, and the services
//! it calls are then the entry points (nothing else calls them). Any other
//! kind is listed as ignored.

use serde_json::{Map, Value};

use super::draft::{Draft, Service};
use super::kinds::{self, Kind};
use super::{infer, istio, Problem};
use sim_core::model::Package;

/// Zone labels Kubernetes has used.
const ZONE_KEYS: [&str; 2] = [
    "topology.kubernetes.io/zone",
    "failure-domain.beta.kubernetes.io/zone",
];

/// A workload (Deployment or StatefulSet) as read.
struct Workload {
    name: String,
    labels: Map<String, Value>,
    env: Vec<(String, String)>,
}

/// The result: the architecture, and the scenario Istio's faults give.
pub struct Imported {
    pub draft: Draft,
    pub scenario: Option<Value>,
}

/// Imports manifests: `(file name, text)` pairs, each one or more YAML documents.
pub fn import(files: &[(String, String)]) -> Result<Imported, Problem> {
    let names: Vec<String> = files.iter().map(|f| f.0.clone()).collect();
    let mut d = Draft::new("k8s", &names);
    let mut workloads: Vec<Workload> = Vec::new();
    let mut services: Vec<(String, Map<String, Value>)> = Vec::new();
    // Services that take traffic from outside the cluster.
    let mut external: Vec<String> = Vec::new();
    let mut rules = istio::Rules::default();
    let mut zones: Option<u32> = None;
    let mut spread = false;
    let mut generators: Vec<Workload> = Vec::new();
    for (file, text) in files {
        let docs = super::yaml::documents(text).map_err(|e| Problem::yaml(file, &e))?;
        let docs = docs.into_iter().flat_map(|doc| match doc {
            Value::Object(ref m) if m.get("kind").and_then(Value::as_str) == Some("List") => m
                .get("items")
                .and_then(Value::as_array)
                .cloned()
                .unwrap_or_default(),
            other => vec![other],
        });
        for (i, doc) in docs.enumerate() {
            if doc.is_null() {
                continue;
            }
            let kind = doc.get("kind").and_then(Value::as_str).unwrap_or("");
            let name = doc
                .pointer("/metadata/name")
                .and_then(Value::as_str)
                .unwrap_or("")
                .to_string();
            let at = format!("document {} ({kind} {name})", i + 1);
            if kind.is_empty() || name.is_empty() {
                d.ignore(
                    format!("{file}: document {}", i + 1),
                    "no kind or metadata.name: not a Kubernetes object",
                );
                continue;
            }
            match kind {
                "Deployment" | "StatefulSet" => {
                    let spec = doc.get("spec").cloned().unwrap_or(Value::Null);
                    let replicas = match spec.get("replicas") {
                        None | Some(Value::Null) => 1,
                        Some(v) => match v.as_i64() {
                            Some(n) if (0..=100_000).contains(&n) => n,
                            _ => {
                                return Err(Problem::at(
                                    file,
                                    &format!("{at}.spec.replicas"),
                                    &format!("{v} is not a replica count"),
                                    "give a whole number from 0 to 100000",
                                ))
                            }
                        },
                    };
                    let pod = spec
                        .pointer("/template/spec")
                        .cloned()
                        .unwrap_or(Value::Null);
                    let image = pod
                        .pointer("/containers/0/image")
                        .and_then(Value::as_str)
                        .map(str::to_string);
                    let (z, s) = zones_of(&pod);
                    zones = zones.max(z);
                    spread |= s;
                    let w = Workload {
                        name: name.clone(),
                        labels: spec
                            .pointer("/template/metadata/labels")
                            .and_then(Value::as_object)
                            .cloned()
                            .unwrap_or_default(),
                        env: env_of(&pod),
                    };
                    let mut class = kinds::classify(image.as_deref(), &name);
                    let mut why = kinds::why(class);
                    if kind == "StatefulSet" && class == Kind::Serves(Package::Karyon) {
                        class = Kind::Serves(Package::Store);
                        why = "state kept per pod: a leaf (package store)";
                    }
                    match class {
                        Kind::Serves(package) => {
                            if d.service(&name).is_some() {
                                return Err(Problem::at(
                                    file,
                                    &at,
                                    &format!("a second workload named {name}"),
                                    "give each Deployment and StatefulSet its own name",
                                ));
                            }
                            d.services.push(Service::new(&name, package, replicas));
                            if kind == "StatefulSet" {
                                d.inferred.push(format!("{name}: a StatefulSet, {why}"));
                            } else if package != Package::Karyon {
                                d.inferred.push(format!("{name}: {}", kinds::why(class)));
                            }
                            workloads.push(w);
                        }
                        Kind::LoadGenerator => {
                            d.ignore(format!("{kind} {name}"), kinds::why(class));
                            generators.push(w);
                        }
                        Kind::Observability => {
                            d.ignore(format!("{kind} {name}"), kinds::why(class));
                        }
                    }
                }
                "Service" => {
                    let t = doc.pointer("/spec/type").and_then(Value::as_str);
                    if matches!(t, Some("LoadBalancer" | "NodePort")) {
                        external.push(name.clone());
                    }
                    services.push((
                        name,
                        doc.pointer("/spec/selector")
                            .and_then(Value::as_object)
                            .cloned()
                            .unwrap_or_default(),
                    ));
                }
                "VirtualService" | "DestinationRule" => rules.add(file, &at, kind, &doc),
                _ => d.ignore(format!("{kind} {name}"), "a kind the import does not read"),
            }
        }
    }
    if d.services.is_empty() {
        return Err(Problem::nothing(
            &names.join(", "),
            "no Deployment or StatefulSet serves requests",
        ));
    }
    // Host names: Services (to the workloads they select) and workloads.
    let selects = |sel: &Map<String, Value>, w: &Workload| {
        !sel.is_empty() && sel.iter().all(|(k, v)| w.labels.get(k) == Some(v))
    };
    let mut known: Vec<String> = services.iter().map(|s| s.0.clone()).collect();
    known.extend(workloads.iter().map(|w| w.name.clone()));
    let target = |host: &str| -> Option<String> {
        if let Some((_, sel)) = services.iter().find(|s| s.0 == host) {
            return workloads
                .iter()
                .find(|w| selects(sel, w))
                .map(|w| w.name.clone());
        }
        workloads
            .iter()
            .find(|w| w.name == host)
            .map(|w| w.name.clone())
    };
    for w in &workloads {
        for n in infer::env_dependencies(&w.name, &w.env, &known, target) {
            d.depend(&w.name, &n.service, &n.how);
        }
    }
    // A load balancer in front of what an external Service selects: a
    // regional node (spigo's ELB), the entry point.
    for name in &external {
        let Some(w) = target(name) else { continue };
        if d.service(name).is_none() {
            d.services.push(Service::new(name, Package::Elb, 0));
            d.depend(
                name,
                &w,
                "a LoadBalancer Service: a regional load balancer (package elb) in front of it",
            );
        }
    }
    for g in &generators {
        let called: Vec<String> = infer::env_dependencies(&g.name, &g.env, &known, target)
            .into_iter()
            .map(|n| n.service)
            .collect();
        if !called.is_empty() {
            d.inferred.push(format!(
                "the load generator {} calls {}: outside traffic enters there",
                g.name,
                called.join(", ")
            ));
        }
    }
    d.inferred.push(
        "calls from container environment values naming a Service or workload (host:port, URLs, *.svc.cluster.local, *_ADDR/*_HOST)".into(),
    );
    match (zones, spread) {
        (Some(z), _) => {
            d.inferred.push(format!(
                "{z} zones: the zones a node affinity on topology.kubernetes.io/zone lists"
            ));
            d.zones = Some(z);
        }
        (None, true) => d.assumed.push(
            "3 zones (the format's default): pods are spread over zones, the manifests do not say how many".into(),
        ),
        (None, false) => d.assumed.push(
            "3 zones (the format's default): the manifests say nothing of zones".into(),
        ),
    }
    d.assumed.push(
        "every call is made once per request and is critical: manifests say who may call whom, not how often (import traces to measure it)".into(),
    );
    d.assumed.push(
        "service times: the format's default (1 ms); traffic 100 req/s per entry point".into(),
    );
    let scenario = rules.apply(&mut d, &known, target)?;
    d.break_cycles();
    Ok(Imported { draft: d, scenario })
}

/// Every container's `env` name/value pairs (values from elsewhere —
/// `valueFrom` — are not known here).
fn env_of(pod: &Value) -> Vec<(String, String)> {
    let mut out = Vec::new();
    for c in pod
        .get("containers")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        for e in c.get("env").and_then(Value::as_array).into_iter().flatten() {
            let name = e.get("name").and_then(Value::as_str);
            let value = match e.get("value") {
                Some(Value::String(s)) => Some(s.clone()),
                Some(Value::Number(n)) => Some(n.to_string()),
                _ => None,
            };
            if let (Some(n), Some(v)) = (name, value) {
                out.push((n.to_string(), v));
            }
        }
    }
    out
}

/// (Zones a node affinity lists, whether pods are spread over zones.)
fn zones_of(pod: &Value) -> (Option<u32>, bool) {
    let spread = pod
        .get("topologySpreadConstraints")
        .and_then(Value::as_array)
        .is_some_and(|list| {
            list.iter().any(|c| {
                c.get("topologyKey")
                    .and_then(Value::as_str)
                    .is_some_and(|k| ZONE_KEYS.contains(&k))
            })
        });
    let terms = pod
        .pointer("/affinity/nodeAffinity/requiredDuringSchedulingIgnoredDuringExecution/nodeSelectorTerms")
        .and_then(Value::as_array);
    let listed = terms
        .into_iter()
        .flatten()
        .flat_map(|t| {
            t.get("matchExpressions")
                .and_then(Value::as_array)
                .cloned()
                .unwrap_or_default()
        })
        .filter(|e| {
            e.get("key")
                .and_then(Value::as_str)
                .is_some_and(|k| ZONE_KEYS.contains(&k))
                && e.get("operator").and_then(Value::as_str) == Some("In")
        })
        .filter_map(|e| e.get("values").and_then(Value::as_array).map(Vec::len))
        .max()
        .map(|n| n.clamp(1, 26) as u32);
    (listed, spread)
}
