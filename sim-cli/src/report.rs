//! `microsim report`: one self-contained HTML page summarising a run, with the
//! charts inline (SVG), for people who would rather look than read.

use std::path::PathBuf;

use clap::Args;
use sim_core::export::graphml::xml_escape;
use sim_core::Summary;

use crate::fail::Fail;
use crate::output::Target;
use crate::run::{charts, prepare, simulate, RunArgs};

#[derive(Args, Debug)]
pub struct ReportArgs {
    #[command(flatten)]
    pub run: RunArgs,
    /// Where to write the page: a new file, or a regular file to replace, in a folder that exists.
    #[arg(long, default_value = "report.html", value_name = "FILE")]
    pub html: PathBuf,
}

pub fn report(mut a: ReportArgs) -> Result<(), Fail> {
    a.run.json = false;
    // Checked before the run, so a mistyped path costs no simulation.
    let target = Target::check(&a.html, "--html")?;
    let spec = prepare(&a.run, true)?;
    let (f, _) = simulate(spec, a.run.quiet, None)?;
    let html = html(&f.sim, &charts(&f)?);
    target.write("--html", html.as_bytes())?;
    println!("wrote {}", target.shown());
    Ok(())
}

/// The report page of a finished run, given its rendered charts.
pub fn html(sim: &sim_core::Simulation, charts: &[(&'static str, Vec<u8>)]) -> String {
    let svg = |name: &str| {
        charts
            .iter()
            .find(|(n, _)| *n == name)
            .map(|(_, b)| String::from_utf8_lossy(b).into_owned())
            .unwrap_or_default()
    };
    page(
        &Summary::of(sim),
        sim,
        &[
            svg("latency.svg"),
            svg("errors.svg"),
            svg("histograms.svg"),
            svg("instances.svg"),
            svg("caches.svg"),
            svg("stores.svg"),
        ],
    )
}

fn page(s: &Summary, sim: &sim_core::Simulation, svgs: &[String]) -> String {
    let e = &s.end_to_end;
    let success = if e.requests == 0 {
        100.0
    } else {
        100.0 * e.ok as f64 / e.requests as f64
    };
    let mut rows = String::new();
    let mut row = |name: &str, v: &sim_core::export::summary::ServiceSummary| {
        let l = &v.latency_ms;
        rows.push_str(&format!(
            "<tr><td>{}</td><td>{}</td><td>{:.1}</td><td>{}</td><td>{:.3}</td><td>{:.3}</td><td>{:.3}</td><td>{:.3}</td><td>{:.3}</td></tr>\n",
            xml_escape(name), v.requests, v.requests as f64 / s.duration_s, v.failed, l.mean, l.p50, l.p90, l.p99, l.max
        ));
    };
    row("end to end", e);
    for id in crate::table::top_down(sim.topology()) {
        let name = &sim.topology().services[id].name;
        if let Some(v) = s.services.get(name) {
            row(name, v);
        }
    }
    let story: String = crate::table::story(sim)
        .lines()
        .flat_map(|l| ["<li>".to_string(), xml_escape(l), "</li>".to_string()])
        .collect();
    let story = if story.is_empty() {
        String::new()
    } else {
        format!("<h2>Faults and the first to fail</h2><ul>{story}</ul>")
    };
    let failures: Vec<String> = e
        .failures
        .iter()
        .filter(|(_, n)| **n > 0)
        .map(|(r, n)| format!("{r}: {n}"))
        .collect();
    format!(
        r#"<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>microsim report: {arch}</title>
<style>
body {{ font-family: system-ui, sans-serif; margin: 2em auto; max-width: 1000px; color: #222; }}
table {{ border-collapse: collapse; width: 100%; font-variant-numeric: tabular-nums; }}
th, td {{ padding: 4px 8px; border-bottom: 1px solid #ddd; text-align: right; }}
th:first-child, td:first-child {{ text-align: left; }}
.big {{ font-size: 2em; font-weight: 600; }}
figure {{ margin: 2em 0; }}
</style></head><body>
<h1>microsim report: {arch}</h1>
<p>{instances} instances, {dur} s of traffic, seed {seed}, {events} events. {args}</p>
<p><span class="big">{success:.4} %</span> of {req} requests succeeded{fails}.
End-to-end latency: mean {mean:.3} ms, p99 {p99:.3} ms.</p>
{story}
<h2>Services</h2>
<table><tr><th>service</th><th>requests</th><th>req/s</th><th>failed</th><th>mean ms</th><th>p50</th><th>p90</th><th>p99</th><th>max</th></tr>
{rows}</table>
<h2>Latency over time</h2><figure>{latency}</figure>
<h2>Errors over time</h2><figure>{errors}</figure>
<h2>Latency distribution per service</h2><figure>{hist}</figure>
{scaling}{caches}
</body></html>
"#,
        arch = xml_escape(&s.arch),
        instances = s.instances,
        dur = s.duration_s,
        seed = s.seed,
        events = s.events,
        args = xml_escape(&crate::run::describe(sim)),
        success = success,
        req = e.requests,
        fails = if failures.is_empty() {
            String::new()
        } else {
            format!(" (failures: {})", failures.join(", "))
        },
        mean = e.latency_ms.mean,
        p99 = e.latency_ms.p99,
        rows = rows,
        story = story,
        latency = svgs[0],
        errors = svgs[1],
        hist = svgs[2],
        scaling = if svgs[3].is_empty() {
            String::new()
        } else {
            format!("<h2>Instances and load</h2><figure>{}</figure>", svgs[3])
        },
        caches = if svgs[4].is_empty() {
            String::new()
        } else {
            format!(
                "<h2>Caches and the stores behind them</h2><figure>{}</figure>",
                svgs[4]
            )
        },
    )
}
