//! The architecture an importer builds, with what it inferred and assumed,
//! and how it becomes an architecture file (every importer ends here).
//!
//! The notes go into the file's `description`, the format's free-text field,
//! one line each, so the file says itself what came from the input and what
//! was guessed; the same notes are the import report (`--json`).

use serde::Serialize;
use serde_json::Value;
use sim_core::model::{
    ArchSpec, CallSpec, DependencySpec, DistSpec, Network, Package, ServiceSpec, Traffic,
};

/// One service being imported (its fields named as the file's keys).
#[derive(Debug, Clone)]
#[allow(clippy::struct_field_names)]
pub struct Service {
    pub name: String,
    pub package: Package,
    pub count: i64,
    pub deps: Vec<CallSpec>,
    pub service_time: Option<DistSpec>,
    pub traffic: Option<Traffic>,
}

impl Service {
    pub fn new(name: &str, package: Package, count: i64) -> Service {
        Service {
            name: name.to_string(),
            package,
            count,
            deps: Vec::new(),
            service_time: None,
            traffic: None,
        }
    }
}

/// A dependency as the report shows it: who calls whom, and from what.
#[derive(Debug, Clone, Serialize)]
pub struct Edge {
    pub from: String,
    pub to: String,
    pub how: String,
}

/// Something in the input that did not become part of the architecture.
#[derive(Debug, Clone, Serialize)]
pub struct Ignored {
    pub what: String,
    pub why: String,
}

/// An architecture being imported, and what the import knows about it.
#[derive(Debug, Default, Serialize)]
pub struct Draft {
    /// What was imported: "compose", "k8s", "traces".
    pub kind: String,
    /// The input files, as given.
    pub sources: Vec<String>,
    #[serde(skip)]
    pub services: Vec<Service>,
    pub edges: Vec<Edge>,
    /// Taken from the input by a rule (one line each).
    pub inferred: Vec<String>,
    /// Not in the input: chosen by the importer (one line each).
    pub assumed: Vec<String>,
    pub ignored: Vec<Ignored>,
    /// Figures about the input (spans read, missing parents, …).
    #[serde(skip_serializing_if = "std::collections::BTreeMap::is_empty")]
    pub counts: std::collections::BTreeMap<String, u64>,
    #[serde(skip)]
    pub zones: Option<u32>,
    #[serde(skip)]
    pub rate: Option<f64>,
    /// Network latency zero (the hops are inside measured times).
    #[serde(skip)]
    pub network_zero: bool,
    /// Services renamed for microsim: (as written, as named).
    #[serde(skip)]
    renamed: Vec<(String, String)>,
}

impl Draft {
    pub fn new(kind: &str, sources: &[String]) -> Draft {
        Draft {
            kind: kind.to_string(),
            sources: sources.to_vec(),
            ..Draft::default()
        }
    }

    pub fn service(&self, name: &str) -> Option<usize> {
        self.services.iter().position(|s| s.name == name)
    }

    /// Adds a plain dependency (a critical call, once per request) unless
    /// there is one already, and records how it was found.
    pub fn depend(&mut self, from: &str, to: &str, how: &str) {
        let Some(i) = self.service(from) else { return };
        if from == to || self.services[i].deps.iter().any(|d| d.service == to) {
            return;
        }
        self.services[i]
            .deps
            .push(DependencySpec::Name(to.to_string()).options());
        self.edges.push(Edge {
            from: from.to_string(),
            to: to.to_string(),
            how: how.to_string(),
        });
    }

    pub fn ignore(&mut self, what: impl Into<String>, why: impl Into<String>) {
        self.ignored.push(Ignored {
            what: what.into(),
            why: why.into(),
        });
    }

    /// Drops the calls that close a cycle (microsim refuses cycles between
    /// calling services: a request would recurse for ever). A depth-first
    /// walk from the entry points in order (then from every service)
    /// drops each call back to a service on the current path; the report
    /// names each. Returns how many were dropped.
    pub fn break_cycles(&mut self) -> usize {
        let n = self.services.len();
        let index = |d: &Draft, name: &str| d.service(name);
        let called: Vec<bool> = (0..n)
            .map(|i| {
                self.services
                    .iter()
                    .any(|s| s.deps.iter().any(|d| d.service == self.services[i].name))
            })
            .collect();
        let roots: Vec<usize> = (0..n).filter(|&i| !called[i]).chain(0..n).collect();
        // 0 unvisited, 1 on the path, 2 done.
        let mut state = vec![0u8; n];
        let mut dropped = Vec::new();
        for root in roots {
            if state[root] != 0 {
                continue;
            }
            // (service, next dependency to look at)
            let mut stack = vec![(root, 0usize)];
            state[root] = 1;
            while let Some(&mut (s, ref mut next)) = stack.last_mut() {
                let Some(dep) = self.services[s].deps.get(*next).map(|d| d.service.clone()) else {
                    state[s] = 2;
                    stack.pop();
                    continue;
                };
                *next += 1;
                let Some(t) = index(self, &dep) else { continue };
                match state[t] {
                    0 => {
                        state[t] = 1;
                        stack.push((t, 0));
                    }
                    1 => dropped.push((s, dep)),
                    _ => {}
                }
            }
        }
        for (s, dep) in &dropped {
            let from = self.services[*s].name.clone();
            self.services[*s].deps.retain(|d| &d.service != dep);
            self.edges.retain(|e| !(e.from == from && &e.to == dep));
            self.assumed.push(format!(
                "dropped the call {from} → {dep}: it closes a cycle, which microsim refuses (a request would recurse for ever)"
            ));
        }
        dropped.len()
    }

    /// Renames services whose names microsim refuses (dots, spaces,
    /// slashes, quotes, `<`, `>`, `&`, control characters, more than 100
    /// characters, `eureka`) — Kubernetes and compose allow some of them —
    /// to names it takes, distinct from every other, and says so.
    fn rename(&mut self) {
        let mut taken: Vec<String> = Vec::new();
        let mut renamed: Vec<(String, String)> = Vec::new();
        let names: Vec<String> = self.services.iter().map(|s| s.name.clone()).collect();
        for raw in &names {
            let mut base: String = raw
                .chars()
                .map(|c| {
                    if matches!(c, '.' | ' ' | '/' | '"' | '<' | '>' | '&')
                        || sim_core::error::breaks_text(c)
                    {
                        '-'
                    } else {
                        c
                    }
                })
                .take(90)
                .collect();
            if base.is_empty() || base == "eureka" {
                base = format!("{base}service");
            }
            let mut name = base.clone();
            let mut k = 2;
            while taken.contains(&name) {
                name = format!("{base}-{k}");
                k += 1;
            }
            taken.push(name.clone());
            if &name != raw {
                renamed.push((raw.clone(), name));
            }
        }
        if renamed.is_empty() {
            return;
        }
        self.renamed.clone_from(&renamed);
        let new = |n: &str| {
            renamed
                .iter()
                .find(|(raw, _)| raw == n)
                .map_or_else(|| n.to_string(), |(_, to)| to.clone())
        };
        for s in &mut self.services {
            s.name = new(&s.name);
            for d in &mut s.deps {
                d.service = new(&d.service);
            }
        }
        for e in &mut self.edges {
            e.from = new(&e.from);
            e.to = new(&e.to);
        }
        for (raw, to) in &renamed {
            self.assumed.push(format!(
                "{} renamed {to}: microsim's names have no dots, spaces, slashes, quotes, <, >, & or control characters",
                sim_core::error::quoted(raw)
            ));
        }
    }

    /// The scenario's services under their new names ([`Draft::arch`] first).
    pub fn rename_in(&self, scenario: &mut Value) {
        for f in scenario["faults"].as_array_mut().into_iter().flatten() {
            for action in ["latency", "errors"] {
                if let Some(Value::String(s)) = f.get_mut(action).and_then(|a| a.get_mut("service"))
                {
                    if let Some((_, to)) = self.renamed.iter().find(|(raw, _)| raw == s) {
                        s.clone_from(to);
                    }
                }
            }
        }
    }

    /// The architecture file (names microsim refuses renamed first).
    pub fn arch(&mut self, arch: &str) -> ArchSpec {
        self.rename();
        let services = self
            .services
            .iter()
            .map(|s| {
                let mut spec: ServiceSpec = serde_json::from_value(serde_json::json!({
                    "name": s.name, "package": s.package, "count": s.count
                }))
                .expect("a minimal service");
                spec.dependencies = (!s.deps.is_empty()).then(|| {
                    s.deps
                        .iter()
                        .map(|d| short(d.clone()))
                        .collect::<Vec<DependencySpec>>()
                });
                spec.service_time.clone_from(&s.service_time);
                spec.traffic.clone_from(&s.traffic);
                spec
            })
            .collect();
        let mut spec: ArchSpec = serde_json::from_value(serde_json::json!({
            "arch": arch, "services": []
        }))
        .expect("a minimal architecture");
        spec.description = Some(self.description());
        spec.version = Some(format!("microsim import {}", self.kind));
        spec.services = services;
        if let Some(z) = self.zones {
            spec.zones = z;
        }
        if let Some(r) = self.rate {
            spec.traffic.rate = Some(r);
        }
        if self.network_zero {
            spec.network = Network {
                same_zone: 0.0,
                cross_zone: 0.0,
                cross_region: 0.0,
            };
        }
        spec
    }

    /// The comment block: what was imported, inferred, assumed and ignored.
    pub fn description(&self) -> String {
        let mut lines = vec![format!(
            "Imported by `microsim import {}` from {}: {} services, {} calls.",
            self.kind,
            self.sources.join(", "),
            self.services.len(),
            self.edges.len()
        )];
        lines.extend(self.inferred.iter().map(|l| format!("inferred: {l}")));
        lines.extend(
            self.edges
                .iter()
                .map(|e| format!("call {} → {}: {}", e.from, e.to, e.how)),
        );
        lines.extend(self.assumed.iter().map(|l| format!("assumed: {l}")));
        lines.extend(
            self.ignored
                .iter()
                .map(|i| format!("ignored: {} ({})", i.what, i.why)),
        );
        lines.join("\n")
    }

    /// The report `--json` prints.
    pub fn report(&self, scenario: Option<&Value>) -> Value {
        let mut v = serde_json::to_value(self).expect("report");
        v["services"] = serde_json::json!(self
            .services
            .iter()
            .map(|s| serde_json::json!({"name": s.name, "package": s.package, "count": s.count}))
            .collect::<Vec<_>>());
        v["scenario_faults"] = serde_json::json!(scenario
            .and_then(|s| s["faults"].as_array())
            .map_or(0, Vec::len));
        v
    }
}

/// A dependency with nothing but defaults is written as its name.
fn short(c: CallSpec) -> DependencySpec {
    let plain = DependencySpec::Name(c.service.clone()).options();
    let same = serde_json::to_value(&c).ok() == serde_json::to_value(&plain).ok();
    if same {
        DependencySpec::Name(c.service)
    } else {
        DependencySpec::Call(Box::new(c))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_cycle_loses_the_call_that_closes_it_and_says_so() {
        let mut d = Draft::new("compose", &["x.yml".into()]);
        for n in ["web", "a", "b"] {
            d.services.push(Service::new(n, Package::Karyon, 1));
        }
        d.depend("web", "a", "depends_on");
        d.depend("a", "b", "env B=b:1");
        d.depend("b", "a", "env A=a:1");
        assert_eq!(d.break_cycles(), 1);
        assert!(d.services[2].deps.is_empty(), "b → a closed the cycle");
        assert_eq!(d.edges.len(), 2);
        assert!(d.assumed[0].contains("b → a"), "{:?}", d.assumed);
        assert_eq!(d.break_cycles(), 0);
    }
}
