//! `microsim compare A B`: two architectures (or one under two scenarios)
//! run with the same seed and options, side by side — the way every lesson is
//! taught: a table with the differences, and overlaid charts, also as one
//! HTML page.

use std::fmt::Write as _;
use std::path::PathBuf;

use serde_json::{json, Value};
use sim_core::error::compact;
use sim_core::export::graphml::xml_escape;
use sim_core::lesson::metric;

use crate::charts::{overlay_svg, p99_and_errors, Overlay, Points};
use crate::fail::Fail;
use crate::output::Target;
use crate::run::{read_arch, read_scenario, simulate, spec, Finished, ShapeArgs};

/// `microsim compare` arguments.
#[derive(clap::Args)]
pub struct CompareArgs {
    /// The first architecture: a path or a built-in name.
    pub a: String,
    /// The second architecture (default: the first, with --scenario-b).
    pub b: Option<String>,
    /// Scenario of both runs (a path or a built-in name).
    #[arg(long, value_name = "FILE")]
    pub scenario: Option<PathBuf>,
    /// Scenario of the second run instead (compare one architecture under two scenarios).
    #[arg(long, value_name = "FILE")]
    pub scenario_b: Option<PathBuf>,
    /// Seed of both runs.
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    /// Virtual time of both runs, e.g. 60s.
    #[arg(long, default_value = "60s", value_parser = crate::run::duration_arg)]
    pub duration: sim_core::duration::Nanos,
    /// Requests per second at each entry point (default: the file's).
    #[arg(long)]
    pub rate: Option<f64>,
    #[command(flatten)]
    pub shape: ShapeArgs,
    /// Also write an HTML page with the table and the overlaid charts.
    #[arg(long, value_name = "FILE")]
    pub html: Option<PathBuf>,
    /// Print both summaries as JSON.
    #[arg(long)]
    pub json: bool,
}

/// One side of the comparison.
struct Side {
    arch: String,
    scenario: Option<String>,
    finished: Finished,
    summary: Value,
}

impl Side {
    fn label(&self) -> String {
        match &self.scenario {
            Some(s) => format!("{} + {s}", self.arch),
            None => self.arch.clone(),
        }
    }
}

fn stem(name: &str) -> String {
    let base = std::path::Path::new(name)
        .file_name()
        .map_or_else(|| name.to_string(), |s| s.to_string_lossy().into_owned());
    base.strip_suffix(".json").unwrap_or(&base).to_string()
}

/// Runs `microsim compare`.
pub fn compare(a: &CompareArgs) -> Result<(), Fail> {
    if a.b.is_none() && a.scenario_b.is_none() {
        return Err(Fail::input(
            "compare needs two things to compare. Fix: give two architectures (microsim compare netflixoss netflixoss-resilient --scenario zone-outage), or one with --scenario and --scenario-b.",
        ));
    }
    let target = a
        .html
        .as_ref()
        .map(|p| Target::check(p, "--html"))
        .transpose()?;
    let b_arch = a.b.clone().unwrap_or_else(|| a.a.clone());
    let b_scenario = a.scenario_b.as_ref().or(a.scenario.as_ref());
    let options = sim_core::RunOptions {
        seed: a.seed,
        duration: a.duration,
        rate: a.rate,
        scale: a.shape.scale,
        regions: a.shape.regions,
        ..sim_core::RunOptions::default()
    };
    let prepare = |arch: &str, scenario: Option<&PathBuf>| {
        let (name, text) = read_arch(Some(arch))?;
        let sc = scenario.map(|p| read_scenario(p)).transpose()?;
        let s = spec(
            (&name, &text),
            sc.as_ref().map(|(n, t)| (n.as_str(), t.as_str())),
            options.clone(),
        )?;
        Ok::<_, Fail>((s, sc.map(|(n, _)| stem(&n))))
    };
    let (spec_a, sc_a) = prepare(&a.a, a.scenario.as_ref())?;
    let (spec_b, sc_b) = prepare(&b_arch, b_scenario)?;
    // Two independent deterministic runs: in parallel, the same figures.
    let (ra, rb) = rayon::join(
        || simulate(spec_a, true, None),
        || simulate(spec_b, true, None),
    );
    let side = |arch: &str, scenario, r: Result<(Finished, usize), Fail>| {
        let (finished, _) = r?;
        let summary = serde_json::from_str(&sim_core::Summary::of(&finished.sim).to_json())
            .map_err(|e| Fail::internal(format!("summary does not parse: {e}")))?;
        Ok::<_, Fail>(Side {
            arch: stem(arch),
            scenario,
            finished,
            summary,
        })
    };
    let sides = [side(&a.a, sc_a, ra)?, side(&b_arch, sc_b, rb)?];
    if a.json {
        let v = json!({
            "seed": a.seed,
            "a": {"architecture": sides[0].arch, "scenario": sides[0].scenario, "summary": sides[0].summary},
            "b": {"architecture": sides[1].arch, "scenario": sides[1].scenario, "summary": sides[1].summary},
        });
        println!("{}", serde_json::to_string_pretty(&v).expect("serializes"));
    } else {
        print!("{}", table(&sides));
    }
    if let Some(t) = target {
        t.write("--html", page(&sides, a.seed)?.as_bytes())?;
        if !a.json {
            println!("wrote {}", t.shown());
        }
    }
    Ok(())
}

/// Figures compared, with how to show them; `success` in percent.
const FIGURES: [(&str, &str); 9] = [
    ("requests", "end_to_end.requests"),
    ("success %", "end_to_end.success"),
    ("failed", "end_to_end.failed"),
    ("unanswered", "end_to_end.unanswered"),
    ("degraded", "end_to_end.degraded"),
    ("p50 ms", "end_to_end.latency_ms.p50"),
    ("p99 ms", "end_to_end.latency_ms.p99"),
    ("retries", "amplification.retries"),
    ("calls per request", "amplification.per_request"),
];

/// (label, a, b, difference) for each figure and, per service both runs
/// have, its failures and p99.
fn rows(sides: &[Side; 2]) -> Vec<(String, String, String, String)> {
    let fig = |s: &Side, path: &str| metric(&s.summary, path).ok();
    let shown = |path: &str, v: Option<f64>| match v {
        Some(x) if path.ends_with("success") => format!("{:.3}", x * 100.0),
        Some(x) => compact(x),
        None => "-".into(),
    };
    let diff = |path: &str, a: Option<f64>, b: Option<f64>| match (a, b) {
        (Some(a), Some(b)) if path.ends_with("success") => {
            format!("{:+.3} pp", (b - a) * 100.0)
        }
        (Some(a), Some(b)) => {
            let d = b - a;
            if a.abs() > 0.0 {
                format!(
                    "{}{} ({:+.1} %)",
                    if d > 0.0 { "+" } else { "" },
                    compact(d),
                    d / a * 100.0
                )
            } else {
                format!("{}{}", if d > 0.0 { "+" } else { "" }, compact(d))
            }
        }
        _ => "-".into(),
    };
    let mut out = Vec::new();
    let mut push = |label: String, path: &str| {
        let (a, b) = (fig(&sides[0], path), fig(&sides[1], path));
        out.push((label, shown(path, a), shown(path, b), diff(path, a, b)));
    };
    for (label, path) in FIGURES {
        push(label.to_string(), path);
    }
    let topo = sides[0].finished.sim.topology();
    for id in crate::table::top_down(topo) {
        let name = &topo.services[id].name;
        let in_b = sides[1].summary["services"].get(name.as_str()).is_some();
        if sides[0].summary["services"].get(name.as_str()).is_some() && in_b {
            push(format!("{name} failed"), &format!("services.{name}.failed"));
            push(
                format!("{name} p99 ms"),
                &format!("services.{name}.latency_ms.p99"),
            );
        }
    }
    out
}

fn table(sides: &[Side; 2]) -> String {
    let rows = rows(sides);
    let (la, lb) = (
        format!("A: {}", sides[0].label()),
        format!("B: {}", sides[1].label()),
    );
    let w0 = rows.iter().map(|r| r.0.len()).max().unwrap_or(0).max(10);
    let wa = rows
        .iter()
        .map(|r| r.1.len())
        .max()
        .unwrap_or(0)
        .max(la.len());
    let wb = rows
        .iter()
        .map(|r| r.2.len())
        .max()
        .unwrap_or(0)
        .max(lb.len());
    let mut s = format!("{:<w0$}  {la:>wa$}  {lb:>wb$}  B − A\n", "");
    for (label, a, b, d) in &rows {
        let _ = writeln!(s, "{label:<w0$}  {a:>wa$}  {b:>wb$}  {d}");
    }
    for (side, name) in sides.iter().zip(["A", "B"]) {
        for line in crate::table::story(&side.finished.sim).lines() {
            let _ = writeln!(s, "{name}: {line}");
        }
    }
    s
}

fn page(sides: &[Side; 2], seed: u64) -> Result<String, Fail> {
    let bucket_s = |s: &Side| s.finished.sim.series().width() as f64 / 1e9;
    let lines: Vec<_> = sides
        .iter()
        .map(|s| p99_and_errors(s.finished.sim.series().end_to_end_rows(), bucket_s(s)))
        .collect();
    let faults: Vec<(f64, f64)> = sides
        .iter()
        .flat_map(|s| s.finished.faults.clone())
        .collect();
    let chart = |caption: &str, y: &str, pick: fn(&(Points, Points)) -> Points| {
        overlay_svg(&Overlay {
            caption: caption.to_string(),
            y_desc: y,
            lines: sides
                .iter()
                .zip(&lines)
                .zip(["A", "B"])
                .map(|((s, l), n)| (format!("{n}: {}", s.label()), pick(l)))
                .collect(),
            faults: faults.clone(),
        })
        .map_err(|e| Fail::internal(format!("cannot draw the charts: {e}")))
    };
    let p99 = chart("end-to-end p99, A and B", "latency (ms)", |l| l.0.clone())?;
    let errors = chart(
        "end-to-end error rate, A and B (faults shaded)",
        "failed requests (%)",
        |l| l.1.clone(),
    )?;
    let mut rows = String::new();
    for (label, a, b, d) in super::compare::rows(sides) {
        let _ = writeln!(
            rows,
            "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            xml_escape(&label),
            xml_escape(&a),
            xml_escape(&b),
            xml_escape(&d)
        );
    }
    let story: String = sides
        .iter()
        .zip(["A", "B"])
        .flat_map(|(s, n)| {
            crate::table::story(&s.finished.sim)
                .lines()
                .map(|l| format!("<li>{n}: {}</li>", xml_escape(l)))
                .collect::<Vec<_>>()
        })
        .collect();
    Ok(format!(
        r#"<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>microsim compare: {a} and {b}</title>
<style>
body {{ font-family: system-ui, sans-serif; margin: 2em auto; max-width: 1000px; color: #222; }}
table {{ border-collapse: collapse; width: 100%; font-variant-numeric: tabular-nums; }}
th, td {{ padding: 4px 8px; border-bottom: 1px solid #ddd; text-align: right; }}
th:first-child, td:first-child {{ text-align: left; }}
figure {{ margin: 2em 0; }}
</style></head><body>
<h1>microsim compare</h1>
<p>A: <b>{a}</b> and B: <b>{b}</b>, same seed ({seed}) and options.</p>
<table><tr><th></th><th>A</th><th>B</th><th>B − A</th></tr>
{rows}</table>
<ul>{story}</ul>
<h2>p99 over time</h2><figure>{p99}</figure>
<h2>Errors over time</h2><figure>{errors}</figure>
</body></html>
"#,
        a = xml_escape(&sides[0].label()),
        b = xml_escape(&sides[1].label()),
    ))
}
