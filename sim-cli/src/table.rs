//! The human-readable summary table.

use sim_core::{Summary, Topology};

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
    for svc in &topo.services {
        if let Some(v) = s.services.get(&svc.name) {
            row(&svc.name, v);
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
        "degraded {}, unanswered {}, {} calls per request ({} retries), {} fault(s)\n",
        e.degraded, e.unanswered, amp.per_request, amp.retries, s.faults
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
