//! `microsim import`: an architecture (and a scenario, where the input has
//! faults) from what a team already has — a docker-compose file, Kubernetes
//! manifests with Istio's rules, or traces.
//!
//! This is format conversion, not simulation: each importer ([`compose`],
//! [`k8s`] with [`istio`], [`traces`]) fills a [`draft::Draft`] and notes what
//! it inferred and what it assumed; the draft becomes an architecture file
//! whose `description` carries those notes, checked by sim-core exactly as
//! `microsim validate` checks a file before anything is written. Files are
//! written whole or not at all; bad input exits 2 with the file, the place
//! (line:column for malformed YAML or JSON) and a fix.

mod compose;
mod draft;
#[cfg(test)]
mod fuzz;
mod infer;
mod istio;
mod k8s;
mod kinds;
mod traces;
mod yaml;

use std::path::{Path, PathBuf};

use clap::{Args, Subcommand};
use serde_json::Value;

use crate::fail::{shown_path, Fail};
use crate::output::Target;

#[derive(Args, Debug)]
pub struct ImportArgs {
    #[command(subcommand)]
    what: What,
}

#[derive(Subcommand, Debug)]
enum What {
    /// A docker-compose file: services, deploy.replicas, and calls from
    /// depends_on and from environment values that name another service.
    Compose(ComposeArgs),
    /// Kubernetes manifests: Deployments, StatefulSets (stores), Services,
    /// and Istio's VirtualServices (timeouts, retries, faults → a scenario)
    /// and DestinationRules (outlier detection, connection pools).
    K8s(K8sArgs),
    /// Traces (Zipkin v2 JSON, OTLP/JSON or Jaeger JSON): the call graph with
    /// call probabilities, each service's own time fitted, entry rates, errors.
    Traces(TracesArgs),
}

/// What every import shares.
#[derive(Args, Debug)]
struct Common {
    /// Write the architecture here (whole or not at all). Default: stdout.
    #[arg(long, short, value_name = "FILE")]
    out: Option<PathBuf>,
    /// The architecture's name (`arch`). Default: the input file's name.
    #[arg(long, value_name = "NAME")]
    name: Option<String>,
    /// Print the import report as JSON on stdout (needs --out).
    #[arg(long, requires = "out")]
    json: bool,
}

#[derive(Args, Debug)]
struct ComposeArgs {
    /// The compose file (docker-compose.yml, compose.yaml).
    file: PathBuf,
    #[command(flatten)]
    common: Common,
}

#[derive(Args, Debug)]
struct K8sArgs {
    /// Manifest files, each one or more YAML documents.
    #[arg(required = true)]
    files: Vec<PathBuf>,
    /// Write the scenario Istio's faults make here (a latency or errors fault
    /// per VirtualService fault, for the whole run).
    #[arg(long, value_name = "FILE")]
    scenario_out: Option<PathBuf>,
    #[command(flatten)]
    common: Common,
}

#[derive(Args, Debug)]
struct TracesArgs {
    /// A JSON file of spans: Zipkin v2 (a list of spans, or of traces),
    /// OTLP/JSON (`resourceSpans`) or Jaeger's JSON (`data[].spans`).
    file: PathBuf,
    /// Write the scenario the services' own error rates make here (an errors
    /// fault per failing service, for the whole run).
    #[arg(long, value_name = "FILE")]
    scenario_out: Option<PathBuf>,
    /// The fraction of requests the traces were sampled at: entry rates are
    /// the roots' rate divided by it.
    #[arg(long, default_value_t = 1.0, value_name = "FRACTION", value_parser = fraction)]
    sampled: f64,
    #[command(flatten)]
    common: Common,
}

fn fraction(s: &str) -> Result<f64, String> {
    match s.parse::<f64>() {
        Ok(f) if f > 0.0 && f <= 1.0 => Ok(f),
        _ => Err(format!(
            "{} is not a fraction in (0, 1]. Fix: e.g. --sampled 0.01 for traces sampled at 1 %",
            sim_core::error::quoted(s)
        )),
    }
}

/// Bad input, as one paragraph (exit 2).
#[derive(Debug)]
pub struct Problem {
    pub message: String,
}

impl Problem {
    /// Malformed YAML, at its line and column.
    fn yaml(file: &str, e: &yaml::YamlError) -> Problem {
        Problem {
            message: format!("{}:{}:{}: {}", shown(file), e.line, e.col, e.message),
        }
    }

    /// A value at `path` that is wrong, and the fix.
    fn at(file: &str, path: &str, what: &str, fix: &str) -> Problem {
        Problem {
            message: format!("{}: at {path}: {what}. Fix: {fix}.", shown(file)),
        }
    }

    /// Nothing could be imported.
    fn nothing(file: &str, why: &str) -> Problem {
        Problem {
            message: format!(
                "{}: nothing to import: {why}. Fix: give the file(s) that describe the services themselves.",
                shown(file)
            ),
        }
    }
}

fn shown(file: &str) -> String {
    sim_core::error::shown(file)
}

/// Largest input read (a YAML file's expansion is bounded by its own budget).
const MAX_INPUT: u64 = 256 << 20;

fn read(path: &Path) -> Result<(String, String), Fail> {
    let name = path.display().to_string();
    let big = std::fs::metadata(path).is_ok_and(|m| m.len() > MAX_INPUT);
    if big {
        return Err(Fail::input(format!(
            "{}: larger than {} MiB. Fix: import a part of it (a sample of the traces, the manifests of one namespace).",
            shown_path(path),
            MAX_INPUT >> 20
        )));
    }
    crate::run::read_input(path, "input", "architectures/imports/shop/app.yaml")
        .map(|(_, text)| (name, text))
}

pub fn import(a: ImportArgs) -> Result<(), Fail> {
    let (mut draft, scenario, common, scenario_out, stem) = match a.what {
        What::Compose(c) => {
            let (name, text) = read(&c.file)?;
            let d = compose::import(&name, &text).map_err(|p| Fail::input(p.message))?;
            (d, None, c.common, None, stem(&c.file))
        }
        What::K8s(k) => {
            let files = k
                .files
                .iter()
                .map(|f| read(f))
                .collect::<Result<Vec<_>, _>>()?;
            let got = k8s::import(&files).map_err(|p| Fail::input(p.message))?;
            let stem = stem(&k.files[0]);
            (got.draft, got.scenario, k.common, k.scenario_out, stem)
        }
        What::Traces(t) => {
            let (name, text) = read(&t.file)?;
            let got =
                traces::import(&name, &text, t.sampled).map_err(|p| Fail::input(p.message))?;
            (
                got.draft,
                got.scenario,
                t.common,
                t.scenario_out,
                stem(&t.file),
            )
        }
    };
    let arch_name = match &common.name {
        Some(n) => checked_name(n)?,
        None => stem,
    };
    let spec = draft.arch(&arch_name);
    // The scenario names the architecture it was written for.
    let arch_base = common.out.as_ref().and_then(|p| p.file_name()).map_or_else(
        || format!("{arch_name}.json"),
        |n| n.to_string_lossy().to_string(),
    );
    let mut scenario = scenario;
    if let Some(s) = scenario.as_mut() {
        draft.rename_in(s);
    }
    if let Some(Value::String(d)) = scenario.as_mut().map(|s| &mut s["description"]) {
        d.push_str(&format!(
            " Written for {arch_base} (microsim run {arch_base} --scenario THIS)."
        ));
    }
    let text = serde_json::to_string_pretty(&spec).expect("architecture serializes") + "\n";
    let scenario_text = scenario
        .as_ref()
        .map(|s| serde_json::to_string_pretty(s).expect("scenario serializes") + "\n");
    // Checked as `microsim validate` and `run --scenario` would, before anything is written.
    let arch_file = common
        .out
        .as_ref()
        .map_or_else(|| format!("{arch_name}.json"), |p| p.display().to_string());
    crate::run::spec(
        (&arch_file, &text),
        scenario_text.as_deref().map(|t| ("imported scenario", t)),
        sim_core::RunOptions::default(),
    )
    .map_err(|f| {
        Fail::internal(format!(
            "the import made a file microsim refuses (a bug in the importer; please report it with the input): {}",
            f.message
        ))
    })?;
    let targets = (
        common
            .out
            .as_ref()
            .map(|p| Target::check(p, "--out"))
            .transpose()?,
        match (&scenario_out, &scenario_text) {
            (Some(p), Some(_)) => Some(Target::check(p, "--scenario-out")?),
            _ => None,
        },
    );
    match &targets.0 {
        Some(t) => t.write("--out", text.as_bytes())?,
        None => print!("{text}"),
    }
    if let (Some(t), Some(s)) = (&targets.1, &scenario_text) {
        t.write("--scenario-out", s.as_bytes())?;
    }
    if common.json {
        let mut report = draft.report(scenario.as_ref());
        report["architecture"] = Value::from(arch_file);
        report["scenario"] = targets
            .1
            .as_ref()
            .map_or(Value::Null, |t| Value::from(t.shown().to_string()));
        println!("{}", serde_json::to_string_pretty(&report).expect("report"));
    } else {
        eprint!(
            "{}",
            summary(&draft, scenario.as_ref(), &targets, &arch_file)
        );
    }
    Ok(())
}

/// The report for a person, on stderr.
fn summary(
    d: &draft::Draft,
    scenario: Option<&Value>,
    targets: &(Option<Target>, Option<Target>),
    arch_file: &str,
) -> String {
    let mut s = format!(
        "imported {} services and {} calls from {}\n",
        d.services.len(),
        d.edges.len(),
        d.sources.join(", ")
    );
    for l in &d.inferred {
        s.push_str(&format!("  inferred: {l}\n"));
    }
    for l in &d.assumed {
        s.push_str(&format!("  assumed: {l}\n"));
    }
    for i in &d.ignored {
        s.push_str(&format!("  ignored: {} ({})\n", i.what, i.why));
    }
    if targets.0.is_some() {
        s.push_str(&format!("wrote {}\n", shown(arch_file)));
    }
    match (scenario, &targets.1) {
        (Some(_), Some(t)) => s.push_str(&format!("wrote {}\n", t.shown())),
        (Some(sc), None) => s.push_str(&format!(
            "the input gives a scenario ({} faults): add --scenario-out FILE to write it\n",
            sc["faults"].as_array().map_or(0, Vec::len)
        )),
        _ => {}
    }
    s
}

/// `--name`: letters, digits, `-`, `_` and `.`, at most 60.
fn checked_name(n: &str) -> Result<String, Fail> {
    let good = !n.is_empty()
        && n.chars().count() <= 60
        && n.chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'));
    if good {
        Ok(n.to_string())
    } else {
        Err(Fail::input(format!(
            "--name {} is not a name for an architecture. Fix: use letters, digits, '-', '_' and '.', at most 60, e.g. --name shop.",
            sim_core::error::quoted(n)
        )))
    }
}

/// A name from a file's name: `shop/app.yaml` is `app`.
fn stem(p: &Path) -> String {
    let s: String = p
        .file_stem()
        .and_then(|s| s.to_str())
        .unwrap_or("imported")
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' || c == '_' {
                c
            } else {
                '-'
            }
        })
        .take(60)
        .collect();
    if s.is_empty() {
        "imported".into()
    } else {
        s
    }
}
