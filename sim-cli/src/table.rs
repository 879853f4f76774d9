//! The human-readable summary table.

use sim_core::export::cause;
use sim_core::{Simulation, Summary, Topology};

/// Services from the entry points down: breadth first along the calls, then
/// any service no entry point reaches, in file order.
pub fn top_down(topo: &Topology) -> Vec<usize> {
    let n = topo.services.len();
    let mut seen = vec![false; n];
    let mut order = Vec::with_capacity(n);
    for &e in &topo.entry_points {
        if !std::mem::replace(&mut seen[e as usize], true) {
            order.push(e as usize);
        }
    }
    let mut next = 0;
    while next < order.len() {
        for d in &topo.services[order[next]].deps {
            let t = d.target as usize;
            if !std::mem::replace(&mut seen[t], true) {
                order.push(t);
            }
        }
        next += 1;
    }
    order.extend((0..n).filter(|&i| !seen[i]));
    order
}

/// The faults of the run in words, and the services that failed first of
/// their own accord (the root cause).
pub fn story(sim: &Simulation) -> String {
    let mut out = String::new();
    for f in cause::faults(sim) {
        out.push_str(&format!("fault: {f}\n"));
    }
    let first = cause::first_failures(sim);
    if let Some(f) = first.first() {
        let names: Vec<String> = first
            .iter()
            .take(3)
            .map(|f| format!("{} ({} {})", f.service, f.count, f.reason))
            .collect();
        out.push_str(&format!(
            "first to fail (root cause): {}{} in {}–{} s\n",
            names.join(", "),
            if first.len() > 3 {
                format!(" and {} more", first.len() - 3)
            } else {
                String::new()
            },
            sim_core::error::compact(f.from_s),
            sim_core::error::compact(f.to_s)
        ));
    }
    out
}

/// Renders the end-to-end line and one line per service, entry points first.
pub fn render(s: &Summary, topo: &Topology) -> String {
    let mut out = format!(
        "{} — {} instances, {} s of traffic, seed {}\n",
        s.arch, s.instances, s.duration_s, s.seed
    );
    out.push_str(&format!(
        "{:<24} {:>10} {:>10} {:>8} {:>9} {:>9} {:>9} {:>9} {:>9}\n",
        "service", "requests", "req/s", "failed", "mean ms", "p50", "p99", "p99.9", "max"
    ));
    let mut row = |name: &str, v: &sim_core::export::summary::ServiceSummary| {
        let l = &v.latency_ms;
        out.push_str(&format!(
            "{:<24} {:>10} {:>10.1} {:>8} {:>9.3} {:>9.3} {:>9.3} {:>9.3} {:>9.3}\n",
            name,
            v.requests,
            v.requests as f64 / s.duration_s,
            v.failed,
            l.mean,
            l.p50,
            l.p99,
            l.p999,
            l.max
        ));
    };
    row("END TO END", &s.end_to_end);
    for id in top_down(topo) {
        let name = &topo.services[id].name;
        if let Some(v) = s.services.get(name) {
            row(name, v);
        }
    }
    let e = &s.end_to_end;
    let fails: Vec<String> = e
        .failures
        .iter()
        .filter(|(_, n)| **n > 0)
        .map(|(r, n)| format!("{r} {n}"))
        .collect();
    let amp = &s.amplification;
    out.push_str(&format!(
        "degraded {}, unanswered {}, {} calls per request ({} retries)\n",
        e.degraded, e.unanswered, amp.per_request, amp.retries
    ));
    for (name, c) in s.caches.iter().flatten() {
        out.push_str(&format!(
            "cache {name}: hit rate {:.2}% of {} reads ({} hits, {} misses), {} sets, {} evictions, {} entries held\n",
            100.0 * c.hit_rate,
            c.gets,
            c.hits,
            c.misses,
            c.sets,
            c.evictions,
            c.entries
        ));
    }
    for (name, st) in s.stores.iter().flatten() {
        out.push_str(&format!(
            "store {name} ({} copies × {} region(s), writes {}, reads {}): {} reads, {} writes; {} stale reads ({:.2}%), {} unavailable, {} lost writes\n",
            st.factor,
            st.regions,
            st.write,
            st.read,
            st.reads,
            st.writes,
            st.stale_reads,
            100.0 * st.stale_rate,
            st.unavailable,
            st.lost_writes
        ));
    }
    if let Some(c) = &s.capacity {
        out.push_str(&format!(
            "capacity: {:.2} instance-hours, cost {:.4} ({:.4} per million requests)\n",
            c.instance_hours, c.cost, c.cost_per_million_requests
        ));
    }
    out.push_str(&format!(
        "success {:.4}%{}\n",
        if e.requests == 0 {
            100.0
        } else {
            100.0 * e.ok as f64 / e.requests as f64
        },
        if fails.is_empty() {
            String::new()
        } else {
            format!(" (failures: {})", fails.join(", "))
        }
    ));
    // With failures by MTBF/MTTR on, the observed share means something:
    // show it beside the analysis, per entry point.
    if let Some(f) = &s.failure_process {
        out.push_str(&format!(
            "failures at {}x ({} years): {} instance and {} zone failures\n",
            f.acceleration,
            sim_core::error::compact(f.years),
            f.instance_failures,
            f.zone_failures
        ));
        for (name, a) in s.availability.iter().flatten() {
            out.push_str(&format!(
                "availability {name}: predicted {:.6}, observed {:.6}\n",
                a.predicted, a.observed
            ));
        }
    }
    out
}
