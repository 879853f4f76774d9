//! `microsim._native`: sim-core for Python. A thin transport, as sim-wasm is
//! for the browser: every rule lives in sim-core. A run is built by
//! `RunSpec` (the one way to a simulation), a sweep is expanded by
//! `sim_core::sweep::Plan` and each of its runs made by `Job::run` — the
//! calls `microsim sweep` makes — so a run gives the same figures whichever
//! engine schedules it. The Python side (`python/microsim/__init__.py`)
//! shapes the results into dicts and DataFrames and maps jobs over Dask.
//!
//! Text crosses the boundary as JSON; bad input raises `ValueError` with the
//! one paragraph the command line would print (the JSON path and a fix).

use std::path::Path;

use pyo3::exceptions::PyValueError;
use pyo3::prelude::*;
use rust_embed::RustEmbed;
use serde_json::{json, Value};
use sim_core::export::OutputFile;
use sim_core::sweep::{means, parse_sweep, row, InputKind, Job, Plan, Row};
use sim_core::{Input, RunOptions, RunSpec};

/// architectures/ as it was when this module was built.
#[derive(RustEmbed)]
#[folder = "../architectures/"]
#[include = "*.json"]
struct Files;

fn bad(message: String) -> PyErr {
    PyValueError::new_err(message)
}

/// The folder of built-ins of a kind.
fn folder(kind: &str) -> PyResult<&'static str> {
    match kind {
        "architecture" => Ok(""),
        "scenario" => Ok("scenarios/"),
        "sweep" => Ok("sweeps/"),
        other => Err(bad(format!("no built-in kind {other:?}"))),
    }
}

/// A built-in architecture, scenario or sweep by name, if there is one.
#[pyfunction]
fn built_in(kind: &str, name: &str) -> PyResult<Option<String>> {
    let stem = name.strip_suffix(".json").unwrap_or(name);
    if stem.is_empty() || stem.contains(['/', '\\']) || stem.starts_with('.') {
        return Ok(None);
    }
    let path = format!("{}{stem}.json", folder(kind)?);
    Ok(Files::get(&path).and_then(|f| String::from_utf8(f.data.into_owned()).ok()))
}

/// The names of the built-ins of a kind, sorted.
#[pyfunction]
fn names(kind: &str) -> PyResult<Vec<String>> {
    let dir = folder(kind)?;
    let mut v: Vec<String> = Files::iter()
        .filter_map(|p| {
            let rest = p.strip_prefix(dir)?.strip_suffix(".json")?;
            (!rest.contains('/') && rest != "index").then(|| rest.to_string())
        })
        .collect();
    v.sort();
    Ok(v)
}

/// One run: summary.json and metrics.csv, as `microsim run --out` writes them.
#[pyfunction]
#[pyo3(signature = (arch_name, arch_text, scenario_name, scenario_text, options_json))]
fn run(
    py: Python<'_>,
    arch_name: &str,
    arch_text: &str,
    scenario_name: Option<&str>,
    scenario_text: Option<&str>,
    options_json: &str,
) -> PyResult<(String, String)> {
    let options = RunOptions::from_json(options_json).map_err(|e| bad(e.to_string()))?;
    let spec = RunSpec::new(
        Input::new(arch_name, arch_text),
        scenario_name
            .zip(scenario_text)
            .map(|(n, t)| Input::new(n, t)),
        options,
    )
    .map_err(|e| bad(e.to_string()))?;
    py.detach(|| {
        let sim = spec.run();
        let summary = sim_core::Summary::of(&sim).to_json();
        let mut csv = Vec::new();
        OutputFile::Metrics
            .write(&sim, &mut csv)
            .expect("writing to memory");
        Ok((
            summary,
            String::from_utf8(csv).expect("metrics.csv is UTF-8"),
        ))
    })
}

/// `microsim availability --json`'s report of an architecture.
#[pyfunction]
fn availability(arch_name: &str, arch_text: &str) -> PyResult<String> {
    let e = |e: sim_core::InputError| bad(e.render(arch_name));
    let spec = sim_core::model::load_arch(arch_text).map_err(e)?;
    let model =
        sim_core::availability::Model::new(&spec, &sim_core::BuildOptions::default()).map_err(e)?;
    Ok(serde_json::to_string(&model.analyse()).expect("report serializes"))
}

/// Reads what a sweep names: a file beside it (`base_dir`), else a built-in.
fn resolve(base_dir: Option<&str>, kind: &str, at: &str, name: &str) -> PyResult<String> {
    if let Some(dir) = base_dir {
        for candidate in [
            Path::new(dir).join(name),
            Path::new(dir).join(format!("{name}.json")),
        ] {
            if candidate.is_file() {
                return std::fs::read_to_string(&candidate)
                    .map_err(|e| bad(format!("cannot read {}: {e}", candidate.display())));
            }
        }
    }
    built_in(kind, name)?.ok_or_else(|| {
        bad(format!(
            "at {at}: {} is neither a built-in name nor a file beside the sweep. Fix: use one of: {}.",
            sim_core::error::quoted(name),
            names(kind).unwrap_or_default().join(", ")
        ))
    })
}

/// A sweep expanded: `{"columns", "means_columns", "paths", "figures",
/// "chart", "jobs": [job JSON, …]}`, every parameter set checked.
#[pyfunction]
#[pyo3(signature = (spec_name, spec_text, base_dir))]
fn plan(spec_name: &str, spec_text: &str, base_dir: Option<&str>) -> PyResult<String> {
    let sweep = parse_sweep(spec_text).map_err(|e| bad(e.render(spec_name)))?;
    let (archs, scenarios) = sweep
        .inputs(|kind, at, name| {
            let kind = match kind {
                InputKind::Architecture => "architecture",
                InputKind::Scenario => "scenario",
            };
            resolve(base_dir, kind, at, name)
        })
        .map_err(|e| bad(format!("{spec_name}: {e}")))?;
    let plan = Plan::new(&sweep, archs, scenarios).map_err(|e| bad(e.render(spec_name)))?;
    let jobs: Vec<String> = (0..plan.len()).map(|k| plan.job(k).to_json()).collect();
    Ok(json!({
        "columns": plan.columns(),
        "means_columns": means::columns(&plan.paths, &plan.figures),
        "paths": plan.paths,
        "figures": plan.figures,
        "chart": sweep.chart(),
        "jobs": jobs,
    })
    .to_string())
}

/// One job of a plan run to its row (JSON), without the GIL, so threads
/// run jobs in parallel.
#[pyfunction]
fn run_job(py: Python<'_>, job: &str) -> PyResult<String> {
    let job = Job::from_json(job).map_err(|e| bad(e.to_string()))?;
    py.detach(|| job.run())
        .map(|r| r.to_json())
        .map_err(|e| bad(e.to_string()))
}

fn rows_of(rows: &[String]) -> PyResult<Vec<Row>> {
    let mut v: Vec<Row> = rows
        .iter()
        .map(|r| Row::from_json(r).ok_or_else(|| bad("not a sweep row".into())))
        .collect::<PyResult<_>>()?;
    v.sort_by_key(|r| r.run);
    Ok(v)
}

/// A row's cells, typed, in column order (JSON): what `runs.csv` says.
#[pyfunction]
fn row_cells(row_json: &str) -> PyResult<String> {
    let r = Row::from_json(row_json).ok_or_else(|| bad("not a sweep row".into()))?;
    let cells = vec![
        json!(r.run),
        json!(r.id),
        json!(r.architecture),
        json!(r.scenario),
        json!(r.seed),
    ];
    // Parameters go as the JSON text they were written in, figures as
    // serde_json writes them (shortest, exact): Python's parser reads both
    // back to the very bits.
    let mut out = Value::Array(cells).to_string();
    out.pop();
    for p in &r.params {
        out.push(',');
        out.push_str(p.as_deref().unwrap_or("null"));
    }
    for (i, f) in r.figures.iter().enumerate() {
        out.push(',');
        out.push_str(&match (f, row::figure_kind(i)) {
            (Some(x), row::Kind::Count) => (*x as i64).to_string(),
            (Some(x), row::Kind::Real) => json!(x).to_string(),
            (None, _) => "null".into(),
        });
    }
    out.push(']');
    Ok(out)
}

/// runs.csv of these rows, byte for byte as `microsim sweep` writes it.
// PyO3 extracts a Python list into an owned Vec; there is no borrowed form.
#[allow(clippy::needless_pass_by_value)]
#[pyfunction]
fn runs_csv(columns: Vec<String>, rows: Vec<String>) -> PyResult<String> {
    let mut out = Vec::new();
    row::write_csv(&mut out, &columns, &rows_of(&rows)?).expect("writing to memory");
    Ok(String::from_utf8(out).expect("UTF-8"))
}

/// means.csv of these rows, byte for byte as `microsim sweep` writes it.
#[allow(clippy::needless_pass_by_value)]
#[pyfunction]
fn means_csv(paths: Vec<String>, figures: Vec<String>, rows: Vec<String>) -> PyResult<String> {
    let ms = means::means(&rows_of(&rows)?);
    let mut out = Vec::new();
    means::write_csv(&mut out, &means::columns(&paths, &figures), &ms).expect("writing to memory");
    Ok(String::from_utf8(out).expect("UTF-8"))
}

/// The module.
#[pymodule]
fn _native(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_function(wrap_pyfunction!(built_in, m)?)?;
    m.add_function(wrap_pyfunction!(names, m)?)?;
    m.add_function(wrap_pyfunction!(run, m)?)?;
    m.add_function(wrap_pyfunction!(availability, m)?)?;
    m.add_function(wrap_pyfunction!(plan, m)?)?;
    m.add_function(wrap_pyfunction!(run_job, m)?)?;
    m.add_function(wrap_pyfunction!(row_cells, m)?)?;
    m.add_function(wrap_pyfunction!(runs_csv, m)?)?;
    m.add_function(wrap_pyfunction!(means_csv, m)?)?;
    Ok(())
}
