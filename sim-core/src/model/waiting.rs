//! Who waits for what, as the file says it: dependencies nobody waits for
//! (`"mirror": PERCENT`, `"async": true`) and servers that do not hold a
//! worker while they wait (`"io": "nonblocking"`, `max_outstanding`), with
//! the combinations that cannot mean anything refused at their JSON path.
//!
//! The decisions, each with its reason in the error's words:
//!
//! - a detached dependency (mirror or async) takes no `timeout_ms`,
//!   `retries`, `circuit_breaker`, `bulkhead`, `fallback` or `zone_aware`:
//!   each acts on an answer the caller reads, and nobody reads this one's;
//! - a mirror is a percentage in (0, 100] and sends one copy per request, so
//!   it takes no `probability` or `calls` besides; `async` on a mirror adds
//!   nothing; neither is one of a router's branches, so no `weight`;
//! - stores never call their dependencies (and `eureka` is not a call), so a
//!   detached dependency of a store, or on `eureka`, is refused;
//! - `max_outstanding` caps a non-blocking server only (a blocking one is
//!   bounded by `concurrency` + `queue`), from 1 to 1,000,000 and not below
//!   `concurrency`.

use super::spec::{CallSpec, Io, Package, ServiceSpec};
use crate::error::{num, InputError};

/// Requests a non-blocking instance holds at once unless the file says:
/// Envoy's circuit-breaker `max_requests` default (envoyproxy.io,
/// `config.cluster.v3.CircuitBreakers.Thresholds`: "If not specified, the
/// default is 1024").
pub const DEFAULT_MAX_OUTSTANDING: u32 = 1024;

/// Most outstanding requests one instance may be allowed: the default
/// `max_calls` of a whole run.
pub const MAX_OUTSTANDING: u32 = 1_000_000;

/// The cap on a service's outstanding requests per instance: the file's or
/// the default for a non-blocking server, none (`u32::MAX`) for a blocking one.
pub fn max_outstanding(s: &ServiceSpec) -> u32 {
    match s.io {
        Some(Io::Nonblocking) => s.max_outstanding.unwrap_or(DEFAULT_MAX_OUTSTANDING),
        _ => u32::MAX,
    }
}

/// Checks service `i`'s `io` keys and its dependencies' `mirror` and `async`.
pub fn check(i: usize, s: &ServiceSpec) -> Result<(), InputError> {
    let at = |key: &str| format!("services[{i}] \"{}\".{key}", s.name);
    if let Some(cap) = s.max_outstanding {
        if s.io != Some(Io::Nonblocking) {
            return Err(InputError::at(
                at("max_outstanding"),
                "max_outstanding caps the requests a non-blocking server parks, but this service is thread-per-request (blocking): its concurrency and queue bound what it holds.",
            )
            .hint("add \"io\": \"nonblocking\", or remove max_outstanding and bound the server with concurrency and queue."));
        }
        let workers = s.concurrency.unwrap_or(1);
        if cap == 0 || cap > MAX_OUTSTANDING || cap < workers {
            let why = if cap < workers && cap > 0 {
                format!("max_outstanding is {cap}, fewer than the {workers} workers (concurrency): the workers beyond it would never be used.")
            } else {
                format!("max_outstanding is {cap}, outside 1..={MAX_OUTSTANDING}.")
            };
            return Err(InputError::at(at("max_outstanding"), why).hint(format!(
                "use the most requests one instance may hold at once, at least its concurrency; Envoy's default is {DEFAULT_MAX_OUTSTANDING}."
            )));
        }
    }
    for (j, d) in s.dependencies.iter().flatten().enumerate() {
        let o = d.options();
        let Some(kind) = crate::behaviour::detached_of(&o) else {
            continue;
        };
        check_detached(&at(&format!("dependencies[{j}]")), s, &o, kind.key())?;
    }
    Ok(())
}

/// One detached dependency (`key` is "mirror" or "async") at path `at`.
fn check_detached(at: &str, s: &ServiceSpec, o: &CallSpec, key: &str) -> Result<(), InputError> {
    let refuse = |sub: &str, why: String, fix: String| {
        Err(InputError::at(format!("{at}.{sub}"), why).hint(fix))
    };
    if let Some(p) = o.mirror {
        if !(p.is_finite() && p > 0.0 && p <= 100.0) {
            return refuse(
                "mirror",
                format!("mirror is {} %, outside (0, 100].", num(p)),
                "give the percentage of the caller's requests copied to the shadow service, e.g. 10.".into(),
            );
        }
        if o.is_async {
            return refuse(
                "async",
                "a mirror is already fire-and-forget; async adds nothing.".into(),
                "remove \"async\".".into(),
            );
        }
        if o.probability != 1.0 {
            return refuse(
                "probability",
                "a mirror's percentage already is the chance a request is copied.".into(),
                format!(
                    "remove probability and give the share as mirror ({} for this probability).",
                    num(o.probability * 100.0)
                ),
            );
        }
        if o.calls != 1 {
            return refuse(
                "calls",
                "a mirror sends one copy of each request it copies (as Envoy does).".into(),
                "remove calls; raise mirror to copy more requests.".into(),
            );
        }
    }
    if matches!(
        s.package,
        Package::Store | Package::Cache | Package::Volume | Package::PriamCassandra | Package::Riak
    ) {
        return refuse(
            key,
            format!("\"{}\" is a store: stores are leaves and never call their dependencies, so nothing would be sent.", s.name),
            format!("put the {key} dependency on the service that calls the store."),
        );
    }
    if o.service == "eureka" {
        return refuse(
            key,
            "\"eureka\" is registration with service discovery, not a call.".into(),
            format!("remove {key}, or name the service to call."),
        );
    }
    let waits = [
        ("timeout_ms", o.timeout_ms.is_some()),
        ("retries", o.retries.0.is_some()),
        ("circuit_breaker", o.circuit_breaker.0.is_some()),
        ("bulkhead", o.bulkhead.is_some()),
        ("fallback", o.fallback),
        ("zone_aware", o.zone_aware),
    ];
    if let Some((sub, _)) = waits.iter().find(|(_, given)| *given) {
        return refuse(
            sub,
            format!("{sub} acts on an answer the caller waits for, and nobody waits for {} {key} dependency's answer.", article(key)),
            format!("remove {sub}, or remove {key} to make the call synchronous."),
        );
    }
    if o.weight != 1.0 {
        return refuse(
            "weight",
            format!("{} {key} dependency is not one of a router's branches: it is called besides the branch taken.", article(key)),
            "remove weight.".into(),
        );
    }
    Ok(())
}

fn article(key: &str) -> &'static str {
    if key.starts_with('a') {
        "an"
    } else {
        "a"
    }
}

#[cfg(test)]
mod tests {
    use crate::model::load_arch;

    fn err(service: &str, deps: &str) -> String {
        let text = format!(
            r#"{{"arch":"w","services":[{{"name":"b","package":"karyon","count":1}},
            {{"name":"a","count":1,{service},"dependencies":[{deps}]}}]}}"#
        );
        load_arch(&text).map_or_else(|e| e.to_string(), |_| String::new())
    }

    #[test]
    fn accepts_mirrors_async_calls_and_nonblocking_servers() {
        let ok = err(
            r#""package":"zuul","io":"nonblocking","max_outstanding":50,"concurrency":4"#,
            r#"{"service":"b","mirror":10},{"service":"b","async":true,"probability":0.5,"calls":2},"b""#,
        );
        assert_eq!(ok, "");
    }

    #[test]
    fn refuses_what_cannot_mean_anything_at_its_path() {
        let k = r#""package":"karyon""#;
        for (service, deps, path, words) in [
            (
                k,
                r#"{"service":"b","mirror":0}"#,
                "dependencies[0].mirror",
                "outside (0, 100]",
            ),
            (
                k,
                r#"{"service":"b","mirror":150}"#,
                "dependencies[0].mirror",
                "150 %",
            ),
            (
                k,
                r#"{"service":"b","mirror":10,"async":true}"#,
                "dependencies[0].async",
                "already fire-and-forget",
            ),
            (
                k,
                r#"{"service":"b","mirror":10,"probability":0.5}"#,
                "dependencies[0].probability",
                "50 for this",
            ),
            (
                k,
                r#"{"service":"b","mirror":10,"calls":2}"#,
                "dependencies[0].calls",
                "one copy",
            ),
            (
                k,
                r#"{"service":"b","mirror":10,"fallback":true}"#,
                "dependencies[0].fallback",
                "nobody waits",
            ),
            (
                k,
                r#""b",{"service":"b","mirror":10,"retries":2}"#,
                "dependencies[1].retries",
                "remove retries, or remove mirror",
            ),
            (
                k,
                r#"{"service":"b","async":true,"timeout_ms":100}"#,
                "dependencies[0].timeout_ms",
                "remove async",
            ),
            (
                k,
                r#"{"service":"b","async":true,"circuit_breaker":true}"#,
                "dependencies[0].circuit_breaker",
                "nobody waits",
            ),
            (
                k,
                r#"{"service":"b","async":true,"bulkhead":3}"#,
                "dependencies[0].bulkhead",
                "nobody waits",
            ),
            (
                k,
                r#"{"service":"b","async":true,"zone_aware":true}"#,
                "dependencies[0].zone_aware",
                "nobody waits",
            ),
            (
                r#""package":"zuul""#,
                r#""b",{"service":"b","async":true,"weight":3}"#,
                "dependencies[1].weight",
                "not one of a router's branches",
            ),
            (
                r#""package":"store""#,
                r#"{"service":"b","mirror":10}"#,
                "dependencies[0].mirror",
                "stores are leaves",
            ),
            (
                k,
                r#"{"service":"eureka","async":true}"#,
                "dependencies[0].async",
                "not a call",
            ),
            (
                r#""package":"karyon","max_outstanding":10"#,
                r#""b""#,
                "max_outstanding",
                "add \"io\": \"nonblocking\"",
            ),
            (
                r#""package":"karyon","io":"nonblocking","max_outstanding":0"#,
                r#""b""#,
                "max_outstanding",
                "outside 1..=1000000",
            ),
            (
                r#""package":"karyon","io":"nonblocking","max_outstanding":2000000"#,
                r#""b""#,
                "max_outstanding",
                "outside",
            ),
            (
                r#""package":"karyon","io":"nonblocking","max_outstanding":2,"concurrency":4"#,
                r#""b""#,
                "max_outstanding",
                "fewer than the 4 workers",
            ),
        ] {
            let e = err(service, deps);
            assert!(
                e.contains(&format!("services[1] \"a\".{path}"))
                    && e.contains(words)
                    && e.contains("Fix:"),
                "{deps}: {e}"
            );
        }
    }

    #[test]
    fn an_unknown_io_is_refused_with_the_known_ones() {
        let e = err(r#""package":"karyon","io":"nonblock""#, r#""b""#);
        assert!(e.contains("io") && e.contains("nonblocking"), "{e}");
    }
}
