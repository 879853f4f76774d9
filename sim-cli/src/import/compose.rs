//! `microsim import compose`: a docker-compose file as an architecture, as
//! spigo's `compose2arch` did, with the inference made explicit.
//!
//! Each service is a service (`deploy.replicas`, or the legacy `scale`, as
//! its count; one when absent, compose's default); its image says its
//! package ([`super::kinds`]). Calls come from two places, and the notes say
//! which: `depends_on` and `links` (start order and name resolution — *not*
//! proof that one service calls the other: a service may wait for a database
//! it never queries, or call one it does not wait for), and environment
//! values that name another service ([`super::infer`]). Tracing and metrics
//! services are left out, with the calls to them: they are beside the
//! request path, not on it.

use std::collections::BTreeMap;

use serde_json::Value;

use super::draft::{Draft, Service};
use super::infer;
use super::kinds::{self, Kind};
use super::Problem;

/// A service's environment (key, value) and the services it starts after.
type Calls = (String, Vec<(String, String)>, Vec<String>);

/// Imports a compose file's text.
pub fn import(file: &str, text: &str) -> Result<Draft, Problem> {
    let docs = super::yaml::documents(text).map_err(|e| Problem::yaml(file, &e))?;
    let root = docs
        .into_iter()
        .find(|d| !d.is_null())
        .unwrap_or(Value::Null);
    let Some(services) = root.get("services").and_then(Value::as_object) else {
        return Err(Problem::at(
            file,
            "services",
            "there is no `services` mapping: this is not a docker-compose file",
            "give a compose file (docker-compose.yml, compose.yaml) with a top-level `services:`",
        ));
    };
    let mut d = Draft::new("compose", &[file.to_string()]);
    let mut envs: Vec<Calls> = Vec::new();
    let mut defaulted = Vec::new();
    let mut left_out = Vec::new();
    let mut by_kind: BTreeMap<&str, Vec<String>> = BTreeMap::new();
    for (name, svc) in services {
        let path = format!("services.{name}");
        if !svc.is_object() {
            return Err(Problem::at(
                file,
                &path,
                "a service is not a mapping",
                "give each service its keys (image, environment, …)",
            ));
        }
        let image = svc.get("image").and_then(Value::as_str);
        let kind = kinds::classify(image, name);
        let Kind::Serves(package) = kind else {
            left_out.push(name.clone());
            d.ignore(format!("service {name}"), kinds::why(kind));
            continue;
        };
        let replicas = svc
            .pointer("/deploy/replicas")
            .or_else(|| svc.get("scale"))
            .map(|v| count(file, &format!("{path}.deploy.replicas"), v))
            .transpose()?;
        if replicas.is_none() {
            defaulted.push(name.clone());
        }
        d.services
            .push(Service::new(name, package, replicas.unwrap_or(1)));
        if package != sim_core::model::Package::Karyon {
            by_kind
                .entry(kinds::why(kind))
                .or_default()
                .push(name.clone());
        }
        let mut starts: Vec<String> = Vec::new();
        match svc.get("depends_on") {
            Some(Value::Array(list)) => starts.extend(list.iter().filter_map(text_of)),
            Some(Value::Object(m)) => starts.extend(m.keys().cloned()),
            _ => {}
        }
        if let Some(Value::Array(links)) = svc.get("links") {
            starts.extend(
                links
                    .iter()
                    .filter_map(text_of)
                    .map(|l| l.split(':').next().unwrap_or("").to_string()),
            );
        }
        envs.push((name.clone(), environment(svc.get("environment")), starts));
    }
    for (why, names) in by_kind {
        d.inferred.push(format!("{} — {why}", names.join(", ")));
    }
    if d.services.is_empty() {
        return Err(Problem::nothing(
            file,
            "none of its services is on a request path (only tracing, metrics or load generators)",
        ));
    }
    let known: Vec<String> = services.keys().cloned().collect();
    let kept: Vec<String> = d.services.iter().map(|s| s.name.clone()).collect();
    let target = |k: &str| kept.iter().any(|s| s == k).then(|| k.to_string());
    for (name, env, starts) in &envs {
        for n in infer::env_dependencies(name, env, &known, target) {
            let also = if starts.contains(&n.service) {
                " (and depends_on)"
            } else {
                ""
            };
            d.depend(name, &n.service, &format!("{}{also}", n.how));
        }
        for s in starts {
            if kept.contains(s) {
                d.depend(name, s, "depends_on only: start order, not proof of a call");
            }
        }
    }
    if !defaulted.is_empty() {
        d.assumed.push(format!(
            "one instance of each service without deploy.replicas (compose's default): {}",
            defaulted.join(", ")
        ));
    }
    if !left_out.is_empty() {
        d.assumed.push(format!(
            "calls to {} dropped with them (spans and metrics are sent, not waited for)",
            left_out.join(", ")
        ));
    }
    d.inferred.push(
        "calls from environment values naming a service (host names, *_ADDR, *_HOST, URLs) and from depends_on/links; start order is not proof of a call".into(),
    );
    d.assumed.push(
        "every call is made once per request, critical, without timeout or retries: a compose file says who may call whom, not how often (import traces to measure it)".into(),
    );
    d.assumed.push(
        "compose has no zones: 3 zones (the format's default), instances placed round-robin from zoneA".into(),
    );
    d.assumed.push(
        "service times: the format's default (1 ms; 0.1 ms for proxies); traffic 100 req/s per entry point".into(),
    );
    d.break_cycles();
    Ok(d)
}

/// A string, or a number written without quotes.
fn text_of(v: &Value) -> Option<String> {
    match v {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

/// A replica count.
fn count(file: &str, path: &str, v: &Value) -> Result<i64, Problem> {
    match v.as_i64() {
        Some(n) if (0..=100_000).contains(&n) => Ok(n),
        _ => Err(Problem::at(
            file,
            path,
            &format!("{v} is not a replica count"),
            "give a whole number from 0 to 100000, e.g. replicas: 3",
        )),
    }
}

/// `environment` as `KEY: value` pairs, from compose's map or `KEY=value`
/// list, with `${VAR:-default}` read as its default.
fn environment(v: Option<&Value>) -> Vec<(String, String)> {
    let pairs: Vec<(String, String)> = match v {
        Some(Value::Object(m)) => m
            .iter()
            .map(|(k, v)| (k.clone(), text_of(v).unwrap_or_default()))
            .collect(),
        Some(Value::Array(list)) => list
            .iter()
            .filter_map(Value::as_str)
            .filter_map(|s| s.split_once('='))
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect(),
        _ => Vec::new(),
    };
    pairs
        .into_iter()
        .map(|(k, v)| (k, interpolated(&v)))
        .collect()
}

/// `${NAME:-default}` and `${NAME-default}` as their defaults (the variable
/// is not known here); anything else as written.
fn interpolated(v: &str) -> String {
    let mut out = String::new();
    let mut rest = v;
    while let Some(start) = rest.find("${") {
        out.push_str(&rest[..start]);
        let after = &rest[start + 2..];
        let Some(end) = after.find('}') else {
            out.push_str(&rest[start..]);
            return out;
        };
        let inner = &after[..end];
        if let Some((_, default)) = inner.split_once(":-").or_else(|| inner.split_once('-')) {
            out.push_str(default);
        }
        rest = &after[end + 1..];
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use sim_core::model::Package;

    #[test]
    fn services_replicas_env_and_depends_on() {
        let text = r"
x-common: &common
  restart: always
services:
  frontend:
    <<: *common
    image: nginx:1.27
    depends_on: [api]
  api:
    image: example/api
    deploy: { replicas: 3 }
    environment:
      - DB_URL=mongodb://db:27017/x
      - CACHE_ADDR=${CACHE:-cache:11211}
      - JAEGER_AGENT_HOST=jaeger
    depends_on:
      db: { condition: service_healthy }
  db: { image: 'mongo:7' }
  cache: { image: memcached }
  jaeger: { image: jaegertracing/all-in-one }
";
        let d = import("c.yml", text).unwrap();
        let names: Vec<&str> = d.services.iter().map(|s| s.name.as_str()).collect();
        // In name order: JSON objects here are sorted maps.
        assert_eq!(names, ["api", "cache", "db", "frontend"]);
        assert_eq!(d.services[0].count, 3);
        assert_eq!(d.services[3].package, Package::Zuul);
        assert_eq!(d.services[2].package, Package::Store);
        let edges: Vec<(String, String, String)> = d
            .edges
            .iter()
            .map(|e| (e.from.clone(), e.to.clone(), e.how.clone()))
            .collect();
        assert!(edges.contains(&(
            "api".into(),
            "db".into(),
            "env DB_URL=mongodb://db:27017/x (and depends_on)".into()
        )));
        assert!(edges.contains(&(
            "api".into(),
            "cache".into(),
            "env CACHE_ADDR=cache:11211".into()
        )));
        assert!(edges
            .iter()
            .any(|e| e.0 == "frontend" && e.2.contains("not proof of a call")));
        assert!(!edges.iter().any(|e| e.1 == "jaeger"));
        assert!(d.ignored.iter().any(|i| i.what == "service jaeger"));
    }

    #[test]
    fn a_file_without_services_is_refused() {
        let e = import("c.yml", "version: '3'\nnetworks: {}\n").unwrap_err();
        assert!(e.message.contains("no `services` mapping"), "{}", e.message);
    }
}
