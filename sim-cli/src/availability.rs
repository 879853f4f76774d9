//! `microsim availability`: steady-state availability of every service and
//! entry point (sim-core's analysis), what-if questions shown before and
//! after, and a Monte Carlo cross-check whose replications run in parallel.

use clap::Args;
use rayon::prelude::*;
use serde_json::{json, Value};
use sim_core::availability::montecarlo::{self, Estimate};
use sim_core::availability::{formulas, Model, Report, WhatIf};
use sim_core::{model, BuildOptions};

use crate::fail::Fail;
use crate::run::read_arch;

#[derive(Args, Debug)]
pub struct AvailabilityArgs {
    /// Architecture file, or the name of a built-in one. Default: netflixoss.
    pub file: Option<String>,
    /// Print the figures as JSON instead of the report.
    #[arg(long)]
    pub json: bool,
    /// What if every instance had this availability (e.g. 0.999)?
    #[arg(long, value_name = "A")]
    pub instance_availability: Option<f64>,
    /// What if each region had N zones?
    #[arg(long, value_name = "N")]
    pub zones: Option<u32>,
    /// What if calls to SERVICE failed soft (critical: false)? Repeatable.
    #[arg(long, value_name = "SERVICE")]
    pub make_noncritical: Vec<String>,
    /// Cross-check by simulating failures and repairs for YEARS of virtual time
    /// in total, split over the replications.
    #[arg(long, value_name = "YEARS")]
    pub simulate: Option<f64>,
    /// Independent replications of the simulation (for the confidence interval).
    #[arg(long, default_value_t = 32, value_name = "N", value_parser = clap::value_parser!(u32).range(2..=100_000))]
    pub replications: u32,
    /// Seed of the simulation; the same seed gives the same figures.
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
}

pub fn availability(a: &AvailabilityArgs) -> Result<(), Fail> {
    let (file, text) = read_arch(a.file.as_deref())?;
    let bad = |e: sim_core::InputError| Fail::input(e.render(&file));
    let spec = model::load_arch(&text).map_err(bad)?;
    if let Some(y) = a.simulate {
        if !(y > 0.0 && y <= 1e7) {
            return Err(Fail::input(format!(
                "--simulate {y} is out of range. Fix: give years of virtual time above 0 and at most 10000000, e.g. --simulate 1000."
            )));
        }
        let reps = f64::from(a.replications);
        let min = montecarlo::MIN_YEARS_PER_REPLICATION;
        let each = y / reps;
        if each < min {
            let each = if each >= 0.1 {
                format!("{each:.2} years")
            } else {
                format!("{:.1} hours", each * 365.25 * 24.0)
            };
            return Err(Fail::input(format!(
                "--simulate {y} over {} replications is {each} each, too short to mean anything: each replication must simulate at least {min} year(s) of virtual time (a four-nines component with 1 h repairs fails about once a year). Fix: give at least {} years, e.g. --simulate {}, or fewer --replications.",
                a.replications,
                min * reps,
                (min * reps * 10.0).max(1000.0)
            )));
        }
    }
    let what_if = WhatIf {
        instance_availability: a.instance_availability,
        zones: a.zones,
        noncritical: a.make_noncritical.clone(),
    };
    let opts = BuildOptions::default();
    let before = Model::new(&spec, &opts).map_err(bad)?;
    let after = if what_if.is_empty() {
        None
    } else {
        // The what-if questions are flags: their errors name the flag, the
        // file's own errors name the file.
        let changed = what_if.apply(&spec).map_err(|mut e| {
            if ["instance_availability", "zones", "make_noncritical"].contains(&e.path.as_str()) {
                e.path = crate::run::flag(&e.path);
                Fail::input(e.to_string())
            } else {
                bad(e)
            }
        })?;
        // Too many zone states is the --zones question's doing when it is asked
        // (the file's own zones passed above).
        Some(Model::new(&changed, &opts).map_err(|mut e| {
            if e.path == "zones" && a.zones.is_some() {
                e.path = crate::run::flag(&e.path);
                Fail::input(e.to_string())
            } else {
                bad(e)
            }
        })?)
    };
    let model = after.as_ref().unwrap_or(&before);
    let report = model.analyse();
    let base = after.is_some().then(|| before.analyse());
    let simulated = a
        .simulate
        .map(|years| simulate(model, years, a.replications, a.seed));

    if a.json {
        let mut v = serde_json::to_value(&report).expect("report serializes");
        if let Some(b) = &base {
            v["before"] = serde_json::to_value(b).expect("report serializes");
            v["what_if"] = json!(what_if.describe());
        }
        if let Some((est, years, events)) = &simulated {
            let mut sim = serde_json::Map::new();
            for (&e, x) in model.topo.entry_points.iter().zip(est) {
                let name = &model.topo.services[e as usize].name;
                let mut o = serde_json::to_value(x).expect("estimate serializes");
                o["analytic"] = json!(report.end_to_end[name].availability);
                o["years"] = json!(years);
                sim.insert(name.clone(), o);
            }
            v["simulated"] = Value::Object(sim);
            v["simulated_events"] = json!(events);
        }
        println!(
            "{}",
            serde_json::to_string_pretty(&v).expect("json serializes")
        );
        return Ok(());
    }
    print!("{}", render(&report, base.as_ref(), &what_if));
    if let Some((est, years, events)) = &simulated {
        println!(
            "\nMonte Carlo: {} replications × {:.1} years ({} failure and repair events, seed {})",
            a.replications,
            years / f64::from(a.replications),
            events,
            a.seed
        );
        for (&e, x) in model.topo.entry_points.iter().zip(est) {
            let name = &model.topo.services[e as usize].name;
            let an = report.end_to_end[name].availability;
            let inside = x.ci95_low <= an && an <= x.ci95_high;
            println!(
                "  {name}: simulated {:.7} (95% CI {:.7} – {:.7}), analytic {:.7}: {}",
                x.mean,
                x.ci95_low,
                x.ci95_high,
                an,
                if inside {
                    "inside the interval"
                } else {
                    "OUTSIDE the interval"
                }
            );
        }
    }
    Ok(())
}

/// Runs the replications in parallel; results are combined in replication
/// order, so the figures do not depend on the number of threads.
fn simulate(m: &Model, years: f64, reps: u32, seed: u64) -> (Vec<Estimate>, f64, u64) {
    let each = years / f64::from(reps);
    let runs: Vec<_> = (0..u64::from(reps))
        .into_par_iter()
        .map(|i| montecarlo::replicate(m, each, montecarlo::replication_seed(seed, i)))
        .collect();
    let events = runs.iter().map(|r| r.events).sum();
    (montecarlo::estimate(&runs), years, events)
}

fn fmt_a(a: f64) -> String {
    format!("{a:.7}")
}

fn fmt_nines(a: f64) -> String {
    let n = formulas::nines(a);
    if n.is_finite() {
        format!("{n:.2}")
    } else {
        "∞".into()
    }
}

/// Minutes as the unit a person would use.
fn fmt_minutes(m: f64) -> String {
    if m >= 120.0 {
        format!("{:.2} h", m / 60.0)
    } else if m >= 1.0 {
        format!("{m:.1} min")
    } else {
        format!("{:.1} s", m * 60.0)
    }
}

/// The report a person reads; with a what-if, every figure as before → after.
pub fn render(r: &Report, before: Option<&Report>, w: &WhatIf) -> String {
    let mut out = format!("{} — steady-state availability\n", r.arch);
    if before.is_some() {
        out.push_str(&format!("what if: {}\n", w.describe().join("; ")));
    }
    if r.zone_availability < 1.0 {
        out.push_str(&format!(
            "zones: {} per region, each up {}\n",
            r.zones, r.zone_availability
        ));
    }
    for (name, e) in &r.end_to_end {
        out.push_str(&format!("\nentry point {name}\n"));
        let old = before.and_then(|b| b.end_to_end.get(name));
        let line = |label: &str, now: String, then: Option<String>| match then {
            Some(t) => format!("  {label:<22} {t} → {now}\n"),
            None => format!("  {label:<22} {now}\n"),
        };
        out.push_str(&line(
            "availability",
            format!(
                "{} ({} nines)",
                fmt_a(e.availability),
                fmt_nines(e.availability)
            ),
            old.map(|o| {
                format!(
                    "{} ({} nines)",
                    fmt_a(o.availability),
                    fmt_nines(o.availability)
                )
            }),
        ));
        out.push_str(&line(
            "downtime per year",
            fmt_minutes(e.downtime_per_year_min),
            old.map(|o| fmt_minutes(o.downtime_per_year_min)),
        ));
        out.push_str(&line(
            "downtime per 30 days",
            fmt_minutes(e.downtime_per_month_min),
            old.map(|o| fmt_minutes(o.downtime_per_month_min)),
        ));
        out.push_str("  critical path (share of requests that need it, own availability):\n");
        for s in &e.critical_path {
            out.push_str(&format!(
                "    {:<22} {:>5.1}%  {}\n",
                s.service,
                s.share * 100.0,
                fmt_a(s.own)
            ));
        }
        if e.weakest_links.is_empty() {
            out.push_str("  weakest links: none (everything it needs is perfect)\n");
        } else {
            out.push_str("  weakest links (gain if it never failed):\n");
            for l in e.weakest_links.iter().take(8) {
                out.push_str(&format!(
                    "    {:<22} +{:.2e}  ({} less downtime a year)\n",
                    l.service,
                    l.gain,
                    fmt_minutes(l.minutes_per_year)
                ));
            }
        }
    }
    out.push_str(&format!(
        "\n{:<22} {:<15} {:>6} {:>9} {:>11} {:>11} {:>11} {:>6} {:>12}\n",
        "service",
        "package",
        "count",
        "quorum",
        "instance A",
        "own A",
        "request A",
        "nines",
        "down/year"
    ));
    for (name, s) in &r.services {
        let old = before.and_then(|b| b.services.get(name));
        let req = match old {
            Some(o) if (o.availability - s.availability).abs() > 0.0 => {
                format!("{}→{}", fmt_a(o.availability), fmt_a(s.availability))
            }
            _ => fmt_a(s.availability),
        };
        out.push_str(&format!(
            "{:<22} {:<15} {:>6} {:>9} {:>11} {:>11} {:>11} {:>6} {:>12}\n",
            name,
            serde_json::to_value(s.package)
                .ok()
                .and_then(|v| v.as_str().map(str::to_string))
                .unwrap_or_default(),
            s.instances,
            format!("{} of {}", s.quorum, s.instances),
            s.instance_availability,
            fmt_a(s.own),
            req,
            fmt_nines(s.availability),
            fmt_minutes(s.downtime_per_year_min)
        ));
    }
    let soft: Vec<String> = r
        .services
        .iter()
        .flat_map(|(n, s)| {
            s.soft_dependencies
                .iter()
                .map(move |d| format!("{n} → {} ({})", d.service, d.reason))
        })
        .collect();
    if !soft.is_empty() {
        out.push_str("\nnot counted (the caller survives their failure):\n");
        for s in soft {
            out.push_str(&format!("  {s}\n"));
        }
    }
    out
}
