//! Istio's traffic rules as microsim's per-call resilience and faults.
//!
//! A `VirtualService` configures the sidecar of every *client* of its host
//! (Istio's traffic-management reference): its route's `timeout` becomes
//! `timeout_ms` and its `retries` (`attempts` retries after the first try,
//! each bounded by `perTryTimeout`; Envoy's jittered 25 ms backoff, which is
//! microsim's default) become `retries` on every call to that host. Its
//! `fault` — a `delay` or an `abort` for a percentage of requests — becomes a
//! scenario lasting the whole run: `latency` and `errors` on the host.
//!
//! A `DestinationRule`'s `outlierDetection` becomes `zone_aware` on the calls
//! to its host: Envoy's outlier ejection, and the locality-aware routing
//! Istio turns on only when outlier detection is set. microsim's ejection
//! uses Envoy's defaults (5 errors in a row, 30 s, at most 10 %); other
//! figures in the rule are noted, not applied. Its `connectionPool` limits
//! are per client proxy (Envoy's circuit-breaker thresholds are per
//! upstream cluster of each Envoy), which is microsim's `bulkhead`: at most
//! `tcp.maxConnections` requests in flight from one caller over HTTP/1.1
//! (one per connection), or `http.http2MaxRequests`, the smaller given; the
//! excess fails at once (Envoy's 503 overflow). Envoy queues up to
//! `http1MaxPendingRequests` of the excess in the client first; microsim's
//! `queue` is a server's, so that wait is not modelled and the notes say so.

use serde_json::{json, Value};
use sim_core::duration::{parse_duration, MS};
use sim_core::model::{RetrySpec, MAX_RETRIES};

use super::draft::Draft;
use super::Problem;

/// One rule as read.
struct Rule {
    file: String,
    at: String,
    kind: String,
    doc: Value,
}

/// The VirtualServices and DestinationRules of an import.
#[derive(Default)]
pub struct Rules {
    rules: Vec<Rule>,
}

impl Rules {
    pub fn add(&mut self, file: &str, at: &str, kind: &str, doc: &Value) {
        self.rules.push(Rule {
            file: file.to_string(),
            at: at.to_string(),
            kind: kind.to_string(),
            doc: doc.clone(),
        });
    }

    /// Applies every rule to the calls into its host; returns the scenario
    /// the faults make, if any. `target` resolves a host to a service.
    pub fn apply(
        &self,
        d: &mut Draft,
        known: &[String],
        target: impl Fn(&str) -> Option<String>,
    ) -> Result<Option<Value>, Problem> {
        let mut faults = Vec::new();
        let mut said = Vec::new();
        for r in &self.rules {
            let name = r
                .doc
                .pointer("/metadata/name")
                .and_then(Value::as_str)
                .unwrap_or("");
            let what = format!("{} {name}", r.kind);
            let spec = r.doc.get("spec").cloned().unwrap_or(Value::Null);
            let host = if r.kind == "VirtualService" {
                route(&spec)
                    .and_then(|(_, rt)| {
                        rt.pointer("/route/0/destination/host")
                            .and_then(Value::as_str)
                            .map(str::to_string)
                    })
                    .or_else(|| {
                        spec.pointer("/hosts/0")
                            .and_then(Value::as_str)
                            .map(str::to_string)
                    })
            } else {
                spec.get("host").and_then(Value::as_str).map(str::to_string)
            };
            // A wildcard host (`*.default.svc.cluster.local`) is every workload.
            let services: Vec<String> = match host.as_deref() {
                Some(h) if h.starts_with('*') => {
                    d.services.iter().map(|s| s.name.clone()).collect()
                }
                h => h
                    .and_then(|h| super::infer::resolve(&h.to_ascii_lowercase(), known).cloned())
                    .and_then(|k| target(&k))
                    .into_iter()
                    .collect(),
            };
            if services.is_empty() {
                d.ignore(
                    what,
                    format!(
                        "its host {} is no workload of these manifests",
                        host.as_deref().unwrap_or("(none)")
                    ),
                );
                continue;
            }
            let wildcard = host.as_deref().is_some_and(|h| h.starts_with('*'));
            let ctx = (r.file.as_str(), r.at.as_str());
            for (i, service) in services.iter().enumerate() {
                let applied = if r.kind == "VirtualService" {
                    virtual_service(d, ctx, &spec, service, &mut faults)?
                } else {
                    destination_rule(d, &spec, service, &mut said)
                };
                if wildcard {
                    // One line for the rule, not one per workload.
                    if i == 0 && !applied.is_empty() {
                        let first = applied[0]
                            .replace(&format!("calls to {service}"), "calls to every workload");
                        d.inferred.push(format!(
                            "{what} (host {}): {first}",
                            host.as_deref().unwrap_or("")
                        ));
                    }
                    continue;
                }
                for a in &applied {
                    d.inferred.push(format!("{what}: {a}"));
                }
                let called = d
                    .services
                    .iter()
                    .any(|s| s.deps.iter().any(|c| &c.service == service));
                if !called && applied.iter().any(|a| !a.starts_with("fault")) {
                    d.assumed.push(format!(
                        "{what}: nothing in the architecture calls {service}; its client settings apply to callers from outside, which microsim does not model"
                    ));
                }
            }
        }
        Ok((!faults.is_empty()).then(|| {
            json!({
                "description": format!(
                    "Istio fault injection from {}, for the whole run. Istio injects in the caller's sidecar; microsim at the service, so every caller sees it alike.",
                    d.sources.join(", ")
                ),
                "faults": faults,
            })
        }))
    }
}

/// The route the rule's traffic takes: the first without `match` (the
/// default), else the first.
fn route(spec: &Value) -> Option<(usize, &Value)> {
    let http = spec.get("http").and_then(Value::as_array)?;
    http.iter()
        .enumerate()
        .find(|(_, r)| r.get("match").is_none())
        .or_else(|| http.iter().enumerate().next())
}

/// A duration in ms from Istio's "2s", "500ms", "1m".
fn ms(ctx: (&str, &str), path: &str, v: &Value) -> Result<f64, Problem> {
    let text = v.as_str().unwrap_or("");
    match parse_duration(text) {
        Ok(ns) if ns > 0 => Ok(ns as f64 / MS as f64),
        _ => Err(Problem::at(
            ctx.0,
            &format!("{}.{path}", ctx.1),
            &format!("{v} is not a duration"),
            "write a duration with its unit, e.g. 2s or 500ms",
        )),
    }
}

/// A fault's percentage: `percentage.value`, the old `percent`, or all.
fn percent(f: &Value) -> f64 {
    f.pointer("/percentage/value")
        .and_then(Value::as_f64)
        .or_else(|| f.get("percent").and_then(Value::as_f64))
        .unwrap_or(100.0)
        .clamp(0.0, 100.0)
}

fn virtual_service(
    d: &mut Draft,
    ctx: (&str, &str),
    spec: &Value,
    service: &str,
    faults: &mut Vec<Value>,
) -> Result<Vec<String>, Problem> {
    let mut applied = Vec::new();
    let Some((i, rt)) = route(spec) else {
        return Ok(applied);
    };
    let n_routes = spec
        .get("http")
        .and_then(Value::as_array)
        .map_or(0, Vec::len);
    if n_routes > 1 {
        applied.push(format!(
            "{n_routes} http routes; route {} (the default) is the one imported",
            i + 1
        ));
    }
    let p = |k: &str| format!("spec.http[{i}].{k}");
    let timeout = rt
        .get("timeout")
        .map(|v| ms(ctx, &p("timeout"), v))
        .transpose()?;
    let retries = match rt.get("retries") {
        Some(r) => {
            let attempts = r.get("attempts").and_then(Value::as_u64).unwrap_or(0);
            let per_try = r
                .get("perTryTimeout")
                .map(|v| ms(ctx, &p("retries.perTryTimeout"), v))
                .transpose()?;
            let capped = attempts.min(u64::from(MAX_RETRIES)) as u32;
            if u64::from(capped) < attempts {
                applied.push(format!(
                    "{attempts} retries capped at microsim's {MAX_RETRIES}"
                ));
            }
            (capped > 0).then_some(RetrySpec {
                attempts: capped,
                backoff: sim_core::model::BackoffSpec::Jitter,
                base_ms: 25.0,
                max_ms: None,
                budget: None,
                per_try_timeout_ms: per_try,
            })
        }
        None => None,
    };
    for s in &mut d.services {
        for c in s.deps.iter_mut().filter(|c| c.service == service) {
            if timeout.is_some() {
                c.timeout_ms = timeout;
            }
            if retries.is_some() {
                c.retries = sim_core::model::Retries(retries.clone());
            }
        }
    }
    if let Some(t) = timeout {
        applied.push(format!("timeout_ms {} on calls to {service}", num(t)));
    }
    if let Some(r) = &retries {
        applied.push(format!(
            "retries {}{} on calls to {service}",
            r.attempts,
            r.per_try_timeout_ms
                .map(|t| format!(" (per try {} ms)", num(t)))
                .unwrap_or_default()
        ));
    }
    if let Some(f) = rt.get("fault") {
        if let Some(delay) = f.get("delay") {
            let by = delay
                .get("fixedDelay")
                .map(|v| ms(ctx, &p("fault.delay.fixedDelay"), v))
                .transpose()?;
            if let Some(add) = by {
                let pc = percent(delay);
                faults.push(json!({"at": "0s", "latency": {"service": service, "add_ms": add, "percent": pc}}));
                applied.push(format!(
                    "fault: {} ms delay on {}% of requests to {service} (scenario)",
                    num(add),
                    num(pc)
                ));
            }
        }
        if let Some(abort) = f.get("abort") {
            let pc = percent(abort);
            faults.push(json!({"at": "0s", "errors": {"service": service, "percent": pc}}));
            applied.push(format!(
                "fault: abort {}% of requests to {service} (scenario: errors, `injected`)",
                num(pc)
            ));
        }
    }
    Ok(applied)
}

fn destination_rule(
    d: &mut Draft,
    spec: &Value,
    service: &str,
    said: &mut Vec<String>,
) -> Vec<String> {
    let mut applied = Vec::new();
    let policy = spec.get("trafficPolicy").cloned().unwrap_or(Value::Null);
    let outlier = policy.get("outlierDetection");
    if let Some(o) = outlier {
        applied.push(format!(
            "outlier detection: zone_aware on calls to {service} (Envoy's ejection, and Istio's locality-aware routing)"
        ));
        let differs: Vec<String> = [
            ("consecutive5xxErrors", 5.0),
            ("consecutiveErrors", 5.0),
            ("maxEjectionPercent", 10.0),
        ]
        .iter()
        .filter_map(|(k, dflt)| {
            o.get(*k)
                .and_then(Value::as_f64)
                .filter(|v| v != dflt)
                .map(|v| format!("{k} {}", num(v)))
        })
        .chain(
            o.get("baseEjectionTime")
                .and_then(Value::as_str)
                .filter(|t| *t != "30s")
                .map(|t| format!("baseEjectionTime {t}")),
        )
        .collect();
        if !differs.is_empty() && !said.contains(&service.to_string()) {
            said.push(service.to_string());
            d.assumed.push(format!(
                "outlier detection of {service} as Envoy's defaults (5 in a row, 30 s, 10 %); the rule's {} is not applied",
                differs.join(", ")
            ));
        }
    }
    let pool = policy.get("connectionPool");
    let get = |p: &str| pool.and_then(|c| c.pointer(p)).and_then(Value::as_u64);
    let limit = [get("/tcp/maxConnections"), get("/http/http2MaxRequests")]
        .into_iter()
        .flatten()
        .min()
        .map(|n| n.clamp(1, u64::from(u32::MAX)) as u32);
    if let Some(b) = limit {
        applied.push(format!(
            "connection pool: bulkhead {b} on each caller's calls to {service}"
        ));
    }
    if let Some(p) = get("/http/http1MaxPendingRequests") {
        d.assumed.push(format!(
            "{service}: http1MaxPendingRequests {p} (requests waiting in the caller's proxy for a connection) is not modelled: past the bulkhead a call fails at once"
        ));
    }
    for s in &mut d.services {
        for c in s.deps.iter_mut().filter(|c| c.service == service) {
            if outlier.is_some() {
                c.zone_aware = true;
            }
            if limit.is_some() {
                c.bulkhead = limit;
            }
        }
    }
    applied
}

fn num(x: f64) -> String {
    sim_core::error::compact(x)
}
