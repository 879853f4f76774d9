//! A sweep expanded: every run in a fixed order, each with a stable id, and
//! each parameter set checked against its architecture before anything runs.
//!
//! Order: architecture, then scenario, then parameter set (list sets, then
//! grid combinations with the first path varying slowest), then seed — so a
//! parameter set's seeds are neighbours and run `k` is always the same run
//! of the same file. A run's id is a hash of everything that decides its
//! figures (the architecture and scenario as run, with the overrides
//! applied, the options and the seed) and of the names its row shows, so a
//! journal of finished runs stays valid when the sweep grows (more seeds,
//! more values) and a run whose inputs changed is never taken for done.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use super::row::Row;
use super::{Sweep, Target};
use crate::error::{quoted, InputError};
use crate::run::{Input, RunError, RunOptions, RunSpec};

/// An architecture or scenario the front end has read: the name its rows
/// show (as the sweep file gives it) and its text.
#[derive(Debug, Clone)]
pub struct Named {
    /// As the sweep names it.
    pub name: String,
    /// The JSON.
    pub text: String,
}

/// One parameter set of one architecture under one scenario, ready to run
/// with any seed. Only the values are kept: the architecture with them
/// applied is made again for each job, so a plan costs a few hundred bytes
/// per parameter set, not a copy of the file.
#[derive(Debug, Clone)]
struct Variant {
    arch: usize,
    scenario: usize,
    /// One value per path (`None`: the file's own).
    params: Vec<Option<Value>>,
}

/// Every run of a sweep, checked.
#[derive(Debug, Clone)]
pub struct Plan {
    /// The override paths, in column order.
    pub paths: Vec<String>,
    /// The extra figures each row carries.
    pub figures: Vec<String>,
    /// Seeds per parameter set.
    pub seeds: Vec<u64>,
    archs: Vec<Named>,
    /// Each architecture parsed, for the overrides.
    docs: Vec<Value>,
    scenarios: Vec<Option<Named>>,
    /// Where each path goes.
    targets: Vec<(String, Target)>,
    /// The file's options, before overrides and seeds.
    options: Map<String, Value>,
    variants: Vec<Variant>,
}

/// One run, self-contained: what a worker needs to make its row (as JSON,
/// what the Python package sends to a Dask worker).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Job {
    /// Its place in the sweep's order.
    pub run: u64,
    /// Its stable id.
    pub id: String,
    /// The parameter set it belongs to (rows with one variant share means).
    pub variant: u64,
    /// The architecture's name as the sweep gives it.
    pub architecture: String,
    /// The scenario's name, if any.
    pub scenario: Option<String>,
    /// The seed.
    pub seed: u64,
    /// One value per path of the sweep as JSON text (`None`: the file's own).
    pub params: Vec<Option<String>>,
    /// Extra figures for the row.
    pub figures: Vec<String>,
    /// The architecture as run.
    pub arch_text: String,
    /// The scenario as run.
    pub scenario_text: Option<String>,
    /// The run's options as JSON text, seed included. Text, not a map: a
    /// job sent to another process must run on exactly these numbers, and
    /// serde_json (without `float_roundtrip`) may read a float back one bit
    /// off what it wrote; every engine parses this same text once.
    pub options: String,
}

impl Plan {
    /// Expands `sweep` over the architectures and scenarios the front end
    /// read for it (`archs[i]` is `architectures[i]`, `scenarios[j]` is
    /// [`Sweep::scenarios`]`[j]`). Every parameter set is applied and built
    /// once (`RunSpec::new` with the first seed), so a path that matches
    /// nothing, a value the file refuses, or an impossible combination stops
    /// the sweep before its first run.
    pub fn new(
        sweep: &Sweep,
        archs: Vec<Named>,
        scenarios: Vec<Option<Named>>,
    ) -> Result<Plan, InputError> {
        let sets = parameter_sets(sweep);
        let mut variants = Vec::with_capacity(archs.len() * scenarios.len() * sets.len());
        let mut docs = Vec::with_capacity(archs.len());
        for (a, arch) in archs.iter().enumerate() {
            let doc = parsed(arch)?;
            for (s, scenario) in scenarios.iter().enumerate() {
                for (params, at) in &sets {
                    let (text, options) =
                        apply(&sweep.paths, &sweep.options, arch, &doc, params, at)?;
                    let options = run_options(&options, sweep.seeds[0])
                        .map_err(|e| refused(&arch.name, sweep, params, &RunError::option(e)))?;
                    RunSpec::new(
                        Input::new(&arch.name, &text),
                        scenario.as_ref().map(|n| Input::new(&n.name, &n.text)),
                        options,
                    )
                    .map_err(|e| refused(&arch.name, sweep, params, &e))?;
                    variants.push(Variant {
                        arch: a,
                        scenario: s,
                        params: params.clone(),
                    });
                }
            }
            docs.push(doc);
        }
        Ok(Plan {
            paths: sweep.paths.iter().map(|(p, _)| p.clone()).collect(),
            figures: sweep.spec.figures.clone(),
            seeds: sweep.seeds.clone(),
            archs,
            docs,
            scenarios,
            targets: sweep.paths.clone(),
            options: sweep.options.clone(),
            variants,
        })
    }

    /// How many runs.
    pub fn len(&self) -> usize {
        self.variants.len() * self.seeds.len()
    }

    /// Whether there are none (never, for a parsed sweep).
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// How many parameter sets (variants), each run once per seed.
    pub fn variants(&self) -> usize {
        self.variants.len()
    }

    /// Run `k` (0-based, below [`Plan::len`]).
    pub fn job(&self, k: usize) -> Job {
        let v = &self.variants[k / self.seeds.len()];
        let seed = self.seeds[k % self.seeds.len()];
        let arch = &self.archs[v.arch];
        let scenario = self.scenarios[v.scenario].as_ref();
        let (arch_text, mut options) = apply(
            &self.targets,
            &self.options,
            arch,
            &self.docs[v.arch],
            &v.params,
            &[],
        )
        .expect("applied when planned");
        options.insert("seed".into(), seed.into());
        let options = Value::Object(options).to_string();
        let id = run_id(arch, scenario, &arch_text, &options);
        Job {
            run: k as u64,
            id,
            variant: (k / self.seeds.len()) as u64,
            architecture: arch.name.clone(),
            scenario: scenario.map(|n| n.name.clone()),
            seed,
            params: v
                .params
                .iter()
                .map(|p| p.as_ref().map(Value::to_string))
                .collect(),
            figures: self.figures.clone(),
            arch_text,
            scenario_text: scenario.map(|n| n.text.clone()),
            options,
        }
    }

    /// The runs of shard `index` of `count` (0-based): every `count`-th run
    /// from `index`, so each shard gets a share of every parameter set.
    pub fn shard(&self, index: usize, count: usize) -> impl Iterator<Item = usize> {
        (index..self.len()).step_by(count.max(1))
    }

    /// The columns of the rows: `run`, `id`, `architecture`, `scenario`,
    /// `seed`, the paths, then the figures.
    pub fn columns(&self) -> Vec<String> {
        super::row::columns(&self.paths, &self.figures)
    }
}

impl Job {
    /// Makes the run and reduces it to its row: `RunSpec` (the one way to a
    /// simulation), run to the end, summary.json as every front end writes
    /// it, the figures read from it.
    pub fn run(&self) -> Result<Row, RunError> {
        let options = RunOptions::from_json(&self.options).map_err(RunError::option)?;
        let spec = RunSpec::new(
            Input::new(&self.architecture, &self.arch_text),
            self.scenario
                .as_deref()
                .zip(self.scenario_text.as_deref())
                .map(|(n, t)| Input::new(n, t)),
            options,
        )?;
        let sim = spec.run();
        let summary: Value =
            serde_json::from_str(&crate::Summary::of(&sim).to_json()).expect("summary.json parses");
        Ok(Row::of(self, &summary))
    }

    /// The job as JSON, for a worker in another process.
    pub fn to_json(&self) -> String {
        serde_json::to_string(self).expect("a job serializes")
    }

    /// A job read back from [`Job::to_json`].
    pub fn from_json(text: &str) -> Result<Job, InputError> {
        serde_json::from_str(text).map_err(|e| {
            InputError::at("", format!("not a sweep job: {e}."))
                .hint("pass the JSON that Plan::job(k).to_json() gave.")
        })
    }
}

/// Each parameter set (one value or none per path) and where its values
/// come from, for errors (`grid["p"]`, `list[2]["p"]`).
fn parameter_sets(sweep: &Sweep) -> Vec<(Vec<Option<Value>>, Vec<String>)> {
    let n = sweep.paths.len();
    let column = |p: &str| {
        sweep
            .paths
            .iter()
            .position(|(q, _)| q == p)
            .expect("a path")
    };
    let mut bases: Vec<(Vec<Option<Value>>, Vec<String>)> = match &sweep.spec.list {
        None => vec![(vec![None; n], vec![String::new(); n])],
        Some(list) => list
            .iter()
            .enumerate()
            .map(|(i, set)| {
                let mut params = vec![None; n];
                let mut at = vec![String::new(); n];
                for (p, v) in &set.0 {
                    let c = column(p);
                    params[c] = Some(v.clone());
                    at[c] = format!("list[{i}][{}]", quoted(p));
                }
                (params, at)
            })
            .collect(),
    };
    if let Some(grid) = &sweep.spec.grid {
        for (p, values) in &grid.0 {
            let c = column(p);
            bases = bases
                .into_iter()
                .flat_map(|(params, at)| {
                    values.iter().map(move |v| {
                        let mut params = params.clone();
                        let mut at = at.clone();
                        params[c] = Some(v.clone());
                        at[c] = format!("grid[{}]", quoted(p));
                        (params, at)
                    })
                })
                .collect();
        }
    }
    bases
}

fn parsed(arch: &Named) -> Result<Value, InputError> {
    // The file's own errors first, with its positions.
    crate::model::load_arch(&arch.text).map_err(|e| {
        InputError::at(
            format!("architectures ({})", arch.name),
            format!("the architecture is refused: {}", e.render(&arch.name)),
        )
    })?;
    let text = arch.text.strip_prefix('\u{feff}').unwrap_or(&arch.text);
    Ok(serde_json::from_str(text).expect("a loaded architecture is JSON"))
}

/// The architecture's text and the run's options (before its seed) with
/// `params` applied. `at` says where each value comes from, for errors.
fn apply(
    targets: &[(String, Target)],
    base: &Map<String, Value>,
    arch: &Named,
    doc: &Value,
    params: &[Option<Value>],
    at: &[String],
) -> Result<(String, Map<String, Value>), InputError> {
    let mut options = base.clone();
    let mut doc_changed: Option<Value> = None;
    for (c, ((_, target), value)) in targets.iter().zip(params).enumerate() {
        let Some(value) = value else { continue };
        match target {
            Target::Option(key) => {
                options.insert(key.clone(), value.clone());
            }
            Target::Architecture(path) => {
                let d = doc_changed.get_or_insert_with(|| doc.clone());
                path.apply(d, value).map_err(|m| {
                    InputError::at(
                        at.get(c).cloned().unwrap_or_default(),
                        format!(
                            "the path matches nothing in {}: {}.",
                            quoted(&arch.name),
                            m.message
                        ),
                    )
                    .hint(format!(
                        "{} Paths go by keys and service names (services.api.count), or are JSON Pointers (/services/3/count).",
                        m.hint
                    ))
                })?;
            }
        }
    }
    // Without an override of the file, its own text: errors keep their
    // line:column.
    let text = doc_changed.map_or_else(|| arch.text.clone(), |d| d.to_string());
    Ok((text, options))
}

fn run_options(options: &Map<String, Value>, seed: u64) -> Result<RunOptions, InputError> {
    let mut o = options.clone();
    o.insert("seed".into(), seed.into());
    RunOptions::from_json(&Value::Object(o).to_string())
}

/// A parameter set its architecture refuses: which set, and the reason in
/// the architecture's own words.
fn refused(arch: &str, sweep: &Sweep, params: &[Option<Value>], e: &RunError) -> InputError {
    let set: Vec<String> = sweep
        .paths
        .iter()
        .zip(params)
        .filter_map(|((p, _), v)| v.as_ref().map(|v| format!("{p} = {v}")))
        .collect();
    let at = if set.is_empty() {
        "architectures".to_string()
    } else {
        format!("runs with {}", set.join(", "))
    };
    // The file's own words, then its fix (or ours) once.
    let mut inner = e.clone();
    let fix = inner.error.hint.take();
    InputError::at(
        at,
        format!(
            "{} refuses this parameter set: {}",
            quoted(arch),
            inner.render(|f| format!("options.{f}"))
        ),
    )
    .hint(format!(
        "{}change these values in the grid or list, so every combination is a valid run.",
        fix.map(|f| format!("{f} Or ")).unwrap_or_default()
    ))
}

/// A run's stable id: the first 16 hex digits of SHA-256 over a versioned,
/// canonical record of its inputs (serde_json's maps are sorted by key).
fn run_id(arch: &Named, scenario: Option<&Named>, arch_text: &str, options: &str) -> String {
    let record = serde_json::json!({
        "v": 1,
        "architecture": arch.name,
        "arch": arch_text,
        "scenario": scenario.map(|s| &s.name),
        "scenario_text": scenario.map(|s| &s.text),
        "options": options,
    });
    let digest = crate::export::digest(&[record.to_string().as_bytes()]);
    digest[..16].to_string()
}
