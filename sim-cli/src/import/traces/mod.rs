//! `microsim import traces`: an architecture measured from traces.
//!
//! From the visits ([`visits`]) of every span ([`read`]):
//!
//! - **services**, each with as many instances as the spans name (one when
//!   they name none) and the zones they name;
//! - **calls**: for caller A and callee B, the probability that a visit of A
//!   calls B at least once, p = k/n (n visits of A, k of them calling B;
//!   standard error √(p(1−p)/n)), and the calls per such visit, rounded to a
//!   whole number as the format needs (the report keeps the mean). A caller
//!   whose every visit called exactly one child, among at least two
//!   services, is a router (`zuul`) with the shares as weights. A consumer
//!   child (a span its parent did not wait for) is an `async` call;
//! - **service times**: each visit's own time (its span less its waited-for
//!   children's union) fitted as a log-normal by maximum likelihood, or
//!   kept as `empirical` samples when the log-normal does not fit
//!   (`sim_core::dist::fit`). Server spans hold the network hops to their
//!   children, which are then part of the caller's own time, so the
//!   architecture's `network` is zero: the hops are not counted twice;
//! - **entry rates**: (roots − 1) over the time from the first root to the
//!   last, divided by `--sampled`; arrivals assumed Poisson;
//! - **errors**: a visit failed *of its own accord* when it failed and none
//!   of its waited-for children did; each service's share of such visits is
//!   an `errors` fault in the scenario (`--scenario-out`), for the whole run.

mod formats;
pub(super) mod read;
mod visits;

use std::collections::{BTreeMap, BTreeSet};

use serde_json::{json, Value};
use sim_core::dist::fit::fit;
use sim_core::model::{CallSpec, DependencySpec, Package, Traffic};

use super::draft::{Draft, Service};
use super::Problem;

/// An architecture from traces, and the scenario their errors make.
pub struct Imported {
    pub draft: Draft,
    pub scenario: Option<Value>,
}

/// Per call from one service to another.
#[derive(Default)]
struct Call {
    /// Visits of the caller that made it at least once.
    visits: u64,
    calls: u64,
    waited: bool,
}

/// Imports a trace file's text; `sampled` is the fraction of requests traced.
pub fn import(file: &str, text: &str, sampled: f64) -> Result<Imported, Problem> {
    let mut spans = read::spans(file, text)?;
    if spans.spans.is_empty() {
        return Err(Problem::nothing(
            file,
            "it holds no span with a service name and times",
        ));
    }
    let v = visits::visits(&mut spans);
    let ns = spans.services.len();
    let mut n_visits = vec![0u64; ns];
    let mut own_ms: Vec<Vec<f64>> = vec![Vec::new(); ns];
    let mut own_errors = vec![0u64; ns];
    let mut roots: Vec<Vec<i64>> = vec![Vec::new(); ns];
    let mut instances: Vec<BTreeSet<u32>> = vec![BTreeSet::new(); ns];
    let mut calls: BTreeMap<(u32, u32), Call> = BTreeMap::new();
    // Per service: could it be a router (every visit called exactly one child)?
    let mut one_child = vec![true; ns];
    let mut per_visit: BTreeMap<u32, (u64, bool)> = BTreeMap::new();
    for (i, visit) in v.visits.iter().enumerate() {
        let s = visit.service as usize;
        n_visits[s] += 1;
        own_ms[s].push(v.own_ns[i] as f64 / 1e6);
        own_errors[s] += u64::from(v.own_error[i]);
        if visit.root {
            roots[s].push(visit.start_ns);
        }
        if let Some(inst) = visit.instance {
            instances[s].insert(inst);
        }
        per_visit.clear();
        let (a, b) = v.child_range[i];
        let mut waited = 0;
        for &c in &v.children[a as usize..b as usize] {
            let cv = &v.visits[c as usize];
            let e = per_visit.entry(cv.service).or_insert((0, cv.waited));
            e.0 += 1;
            waited += u32::from(cv.waited);
        }
        one_child[s] &= waited == 1;
        for (&callee, &(n, w)) in &per_visit {
            let c = calls.entry((visit.service, callee)).or_default();
            c.visits += 1;
            c.calls += n;
            c.waited |= w;
        }
    }
    let name = |i: u32| spans.services[i as usize].clone();
    let mut d = Draft::new("traces", &[file.to_string()]);
    let mut order: Vec<u32> = (0..ns as u32).collect();
    order.sort_by_key(|&i| name(i));
    for &s in &order {
        let callees: Vec<u32> = calls
            .iter()
            .filter(|((a, _), c)| *a == s && c.waited)
            .map(|((_, b), _)| *b)
            .collect();
        let router = one_child[s as usize] && callees.len() >= 2;
        let count = instances[s as usize].len().max(1) as i64;
        let mut svc = Service::new(
            &name(s),
            if router {
                Package::Zuul
            } else {
                Package::Karyon
            },
            count,
        );
        let f = fit(&own_ms[s as usize]);
        svc.service_time = Some(f.spec.clone());
        d.inferred.push(format!(
            "{}: {} visits, own time mean {} ms → {}",
            name(s),
            n_visits[s as usize],
            num(f.mean_ms),
            describe_fit(&f)
        ));
        d.services.push(svc);
    }
    for (&(a, b), c) in &calls {
        let n = n_visits[a as usize] as f64;
        let p = c.visits as f64 / n;
        let se = (p * (1.0 - p) / n).sqrt();
        let mean = c.calls as f64 / c.visits as f64;
        let i = d.service(&name(a)).expect("listed");
        let router = d.services[i].package == Package::Zuul;
        let mut spec: CallSpec = DependencySpec::Name(name(b)).options();
        if router {
            spec.weight = round4(p);
        } else {
            spec.probability = round4(p).min(1.0);
            spec.calls = mean.round().max(1.0) as u32;
        }
        spec.is_async = !c.waited;
        d.services[i].deps.push(spec);
        d.edges.push(super::draft::Edge {
            from: name(a),
            to: name(b),
            how: format!(
                "{} of {} visits (p = {} ± {} s.e.), {} calls per calling visit{}{}",
                c.visits,
                n as u64,
                num(p),
                num(se),
                num(mean),
                if router { "; a router's share" } else { "" },
                if c.waited {
                    ""
                } else {
                    "; not waited for: async"
                }
            ),
        });
    }
    d.break_cycles();
    entry_rates(&mut d, &roots, &name, sampled);
    let zones = spans.zones.len();
    if zones > 0 {
        d.zones = Some(zones.clamp(1, 26) as u32);
        d.inferred.push(format!("{zones} zones named by the spans"));
    }
    d.network_zero = true;
    d.assumed.push(
        "network latency 0: server spans hold the hops to their children, which are counted in the callers' own times".into(),
    );
    if instances.iter().any(BTreeSet::is_empty) {
        d.assumed
            .push("one instance where the spans name none".into());
    }
    d.assumed
        .push("arrivals Poisson at each entry point".into());
    d.assumed.push(
        "every call critical, without timeout, retries or fallback: traces show the calls made, not the policies behind them".into(),
    );
    for &s in &order {
        d.counts
            .insert(format!("visits.{}", name(s)), n_visits[s as usize]);
    }
    let counts = [
        ("spans", spans.spans.len()),
        ("traces", spans.traces),
        ("visits", v.visits.len()),
        ("missing_parents", v.orphans - v.cycles_cut),
        ("cycles_cut", v.cycles_cut),
        ("clock_skew", v.skewed),
        ("unreadable_spans", spans.unreadable),
    ];
    for (k, n) in counts {
        d.counts.insert(k.to_string(), n as u64);
    }
    d.inferred.insert(
        0,
        format!(
            "{}: {} spans in {} traces, {} visits; missing parents {}, parent loops cut {}, children outside their parent (clock skew, clamped) {}, unreadable spans left out {}",
            spans.format,
            spans.spans.len(),
            spans.traces,
            v.visits.len(),
            v.orphans - v.cycles_cut,
            v.cycles_cut,
            v.skewed,
            spans.unreadable
        ),
    );
    let faults: Vec<Value> = order
        .iter()
        .filter(|&&s| own_errors[s as usize] > 0)
        .map(|&s| {
            let pc = 100.0 * own_errors[s as usize] as f64 / n_visits[s as usize] as f64;
            d.inferred.push(format!(
                "{}: {} of its {} visits failed of their own accord ({} %): an errors fault",
                name(s),
                own_errors[s as usize],
                n_visits[s as usize],
                num(pc)
            ));
            json!({"at": "0s", "errors": {"service": name(s), "percent": round4(pc)}})
        })
        .collect();
    let scenario = (!faults.is_empty()).then(|| {
        json!({
            "description": format!("The services' own error rates measured in {file}, for the whole run."),
            "faults": faults,
        })
    });
    Ok(Imported { draft: d, scenario })
}

/// Entry rates, on the services nothing calls (microsim's entry points).
fn entry_rates(d: &mut Draft, roots: &[Vec<i64>], name: &dyn Fn(u32) -> String, sampled: f64) {
    let called: Vec<String> = d
        .services
        .iter()
        .flat_map(|s| s.deps.iter().map(|c| c.service.clone()))
        .collect();
    let mut rates = Vec::new();
    for (s, starts) in roots.iter().enumerate() {
        if starts.is_empty() {
            continue;
        }
        let svc = name(s as u32);
        if called.contains(&svc) {
            d.assumed.push(format!(
                "{svc} also took {} requests from outside: not modelled (microsim's entry points are the services nothing calls)",
                starts.len()
            ));
            continue;
        }
        let (lo, hi) = (
            starts.iter().min().copied().unwrap_or(0),
            starts.iter().max().copied().unwrap_or(0),
        );
        if starts.len() < 2 || hi <= lo {
            d.assumed
                .push(format!("{svc}: too few roots to measure a rate; 100 req/s"));
            continue;
        }
        let rate = round4((starts.len() - 1) as f64 / ((hi - lo) as f64 / 1e9) / sampled);
        d.inferred.push(format!(
            "{svc}: {} requests from outside over {} s: {} req/s{}",
            starts.len(),
            num((hi - lo) as f64 / 1e9),
            num(rate),
            if sampled < 1.0 {
                format!(" (sampled at {})", num(sampled))
            } else {
                String::new()
            }
        ));
        rates.push((svc, rate));
    }
    if let [(_, r)] = rates.as_slice() {
        d.rate = Some(*r);
    } else {
        for (svc, r) in rates {
            if let Some(i) = d.service(&svc) {
                d.services[i].traffic = Some(Traffic {
                    rate: Some(r),
                    ..Traffic::default()
                });
            }
        }
    }
}

fn describe_fit(f: &sim_core::dist::fit::Fit) -> String {
    use sim_core::model::DistSpec;
    match &f.spec {
        DistSpec::Lognormal { mean_ms, sigma } => format!(
            "log-normal by maximum likelihood (mean {} ms, sigma {}; Kolmogorov–Smirnov {} ≤ {})",
            num(*mean_ms),
            num(*sigma),
            num(f.ks),
            num(f.critical)
        ),
        DistSpec::Constant { mean_ms } => format!("constant {} ms", num(*mean_ms)),
        DistSpec::Empirical { samples_ms, .. } => {
            let k = samples_ms.as_ref().map_or(0, Vec::len);
            if f.ks.is_nan() {
                format!("empirical ({k} samples: too few to fit a shape)")
            } else {
                format!(
                    "empirical ({k} samples; a log-normal does not fit: Kolmogorov–Smirnov {} > {})",
                    num(f.ks),
                    num(f.critical)
                )
            }
        }
        other => format!("{other:?}"),
    }
}

fn num(x: f64) -> String {
    sim_core::error::compact(x)
}

/// Four significant digits.
fn round4(x: f64) -> f64 {
    if x == 0.0 || !x.is_finite() {
        return x;
    }
    let scale = 10f64.powi(3 - x.abs().log10().floor() as i32);
    (x * scale).round() / scale
}
