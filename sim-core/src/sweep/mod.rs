//! Sweeps: experiments of many runs — architectures × scenarios × overrides ×
//! seeds — described in one file, expanded into an ordered list of runs, each
//! run reduced to one row of figures, and the rows of each parameter set
//! reduced to means with 95 % intervals across its seeds.
//!
//! ```json
//! {"title": "smallest counts that keep four nines under a zone outage",
//!  "architectures": ["zone-capacity"],
//!  "scenarios": ["zone-outage"],
//!  "seeds": {"first": 1, "count": 5},
//!  "options": {"duration": "60s"},
//!  "grid": {"services.api.count": [3, 4, 5, 6], "services.db.count": [2, 3, 4]},
//!  "figures": ["services.db.failed"]}
//! ```
//!
//! This module is the whole of a sweep but the running: the file's format
//! ([`parse_sweep`]), overrides by path ([`path`]), the expansion into runs
//! with stable ids ([`plan`]), one run made and reduced to its row ([`row`]),
//! and the means ([`means`]). The front ends only schedule: `microsim sweep`
//! runs the jobs on every core with rayon, resumably and by shards; the
//! Python package maps them over a Dask cluster. Both call
//! [`plan::Job::run`], so a run's row is the same bytes whoever ran it.
//!
//! Architectures and scenarios are names, resolved by the front end (sim-core
//! reads no files), as a lesson's are.

pub mod means;
pub mod path;
pub mod plan;
pub mod row;
pub mod spec;

use std::collections::BTreeSet;

use serde_json::Value;

use crate::error::{quoted, InputError};
use crate::model::{parse_object, Shape};
use crate::run::{RunOptions, MAX_SEED};

pub use path::OverridePath;
pub use plan::{Job, Plan};
pub use row::Row;
pub use spec::{ChartSpec, Overrides, Seeds, SweepSpec};

/// Most runs one sweep may expand to (each finished run is a row of a few
/// hundred bytes in memory while the tables are written: 100,000 rows are
/// about 40 MB; see `engine/budget.rs`).
pub const MAX_RUNS: usize = 100_000;
/// Most override paths in a sweep (columns of its tables).
pub const MAX_PATHS: usize = 32;
/// Most architectures, and most scenarios, in one sweep.
pub const MAX_INPUTS: usize = 100;
/// Most extra figures a sweep may name.
pub const MAX_FIGURES: usize = 32;

/// Where an override goes: the architecture, or a run option (`options.rate`).
#[derive(Debug, Clone, PartialEq)]
pub enum Target {
    /// A path in the architecture file.
    Architecture(OverridePath),
    /// A run option by its JSON name (`rate`, `duration`, `scale`, …).
    Option(String),
}

/// A checked sweep: the spec, its override paths in column order, its seeds
/// and the options every run starts from.
#[derive(Debug, Clone)]
pub struct Sweep {
    /// As written.
    pub spec: SweepSpec,
    /// Each override path (grid paths, then list paths not in the grid), as
    /// written, and where it goes.
    pub paths: Vec<(String, Target)>,
    /// The seeds, in order.
    pub seeds: Vec<u64>,
    /// The file's options (every run's, before overrides and its seed).
    pub options: serde_json::Map<String, Value>,
}

/// JSON Schema of the sweep format (`microsim schema --sweep`).
pub fn schema() -> Value {
    serde_json::to_value(schemars::schema_for!(SweepSpec)).expect("schema serializes")
}

/// Parses and checks a sweep's shape: names, seeds, paths, values, options
/// and the count of runs. Whether a path fits an architecture is known once
/// the front end has read it ([`Plan::new`]).
pub fn parse_sweep(text: &str) -> Result<Sweep, InputError> {
    let spec: SweepSpec = parse_object(
        text,
        Shape {
            what:
                "a sweep is one JSON object {\"architectures\": […], \"seeds\": …, \"grid\": {…}}",
            wrap: "put the sweep in an object with architectures, seeds and a grid or list.",
        },
    )?;
    names(
        "architectures",
        &spec.architectures.iter().map(Some).collect::<Vec<_>>(),
        false,
    )?;
    names(
        "scenarios",
        &spec
            .scenarios
            .iter()
            .map(Option::as_ref)
            .collect::<Vec<_>>(),
        true,
    )?;
    let seeds = seeds(&spec.seeds)?;
    let options = spec.options.clone().unwrap_or_default();
    if options.contains_key("seed") {
        return Err(InputError::at(
            "options.seed",
            "a sweep's runs take their seeds from `seeds`.",
        )
        .hint("remove it, and list the seeds in \"seeds\", e.g. {\"first\": 1, \"count\": 10}."));
    }
    RunOptions::from_json(&Value::Object(options.clone()).to_string()).map_err(|mut e| {
        e.path = if e.path.is_empty() {
            "options".into()
        } else {
            format!("options.{}", e.path)
        };
        e
    })?;
    let mut paths: Vec<(String, Target)> = Vec::new();
    let mut sets = 1usize;
    if let Some(grid) = &spec.grid {
        if grid.0.is_empty() {
            return Err(InputError::at("grid", "the grid is empty: it sets nothing.").hint(
                "give each path its values, e.g. \"grid\": {\"services.api.count\": [1, 2, 3]}, or leave the grid out.",
            ));
        }
        for (p, values) in &grid.0 {
            let at = format!("grid[{}]", quoted(p));
            if values.is_empty() {
                return Err(InputError::at(at, "has no values.")
                    .hint("list the values to try, e.g. [1, 2, 3], or remove the path."));
            }
            for (i, v) in values.iter().enumerate() {
                value(&format!("{at}[{i}]"), v)?;
            }
            sets = sets.saturating_mul(values.len());
            add_path(&mut paths, &at, p)?;
        }
    }
    if let Some(list) = &spec.list {
        if list.is_empty() {
            return Err(InputError::at("list", "the list is empty: it has no parameter set.")
                .hint("give each set as an object, e.g. [{\"services.api.count\": 2}], or leave the list out."));
        }
        for (i, set) in list.iter().enumerate() {
            for (p, v) in &set.0 {
                let at = format!("list[{i}][{}]", quoted(p));
                value(&at, v)?;
                if spec
                    .grid
                    .as_ref()
                    .is_some_and(|g| g.0.iter().any(|(q, _)| q == p))
                {
                    return Err(InputError::at(at, "this path is in the grid too.")
                        .hint("vary a path in the grid or in the list, not both."));
                }
                if !paths.iter().any(|(q, _)| q == p) {
                    add_path(&mut paths, &at, p)?;
                }
            }
        }
        sets = sets.saturating_mul(list.len());
    }
    if paths.len() > MAX_PATHS {
        return Err(InputError::at(
            "grid",
            format!("{} paths; at most {MAX_PATHS}.", paths.len()),
        )
        .hint("vary fewer things at once."));
    }
    if spec.figures.len() > MAX_FIGURES {
        return Err(InputError::at(
            "figures",
            format!("{} figures; at most {MAX_FIGURES}.", spec.figures.len()),
        )
        .hint("name the figures the experiment needs."));
    }
    for (i, f) in spec.figures.iter().enumerate() {
        crate::lesson::hypothesis::check_path(&format!("figures[{i}]"), f)?;
    }
    let runs = sets
        .saturating_mul(seeds.len())
        .saturating_mul(spec.architectures.len())
        .saturating_mul(spec.scenarios.len().max(1));
    if runs > MAX_RUNS {
        return Err(InputError::at(
            "grid",
            format!("the sweep expands to {runs} runs; at most {MAX_RUNS}."),
        )
        .hint("use fewer values, seeds, architectures or scenarios, or split the experiment into sweeps."));
    }
    let sweep = Sweep {
        spec,
        paths,
        seeds,
        options,
    };
    sweep.check_chart()?;
    Ok(sweep)
}

/// What a sweep names: an architecture or a scenario.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum InputKind {
    /// An entry of `architectures`.
    Architecture,
    /// An entry of `scenarios`.
    Scenario,
}

impl Sweep {
    /// Every architecture and scenario the sweep names, read by the front
    /// end's `read(kind, json_path, name)` (files beside the sweep, built-in
    /// names), in the order [`Plan::new`] takes them.
    pub fn inputs<E>(
        &self,
        mut read: impl FnMut(InputKind, &str, &str) -> Result<String, E>,
    ) -> Result<(Vec<plan::Named>, Vec<Option<plan::Named>>), E> {
        let mut archs = Vec::with_capacity(self.spec.architectures.len());
        for (i, a) in self.spec.architectures.iter().enumerate() {
            let text = read(InputKind::Architecture, &format!("architectures[{i}]"), a)?;
            archs.push(plan::Named {
                name: a.clone(),
                text,
            });
        }
        let mut scenarios = Vec::new();
        for (i, s) in self.scenarios().into_iter().enumerate() {
            scenarios.push(match s {
                None => None,
                Some(s) => Some(plan::Named {
                    name: s.to_string(),
                    text: read(InputKind::Scenario, &format!("scenarios[{i}]"), s)?,
                }),
            });
        }
        Ok((archs, scenarios))
    }

    /// The scenarios, `[None]` when the file gives none.
    pub fn scenarios(&self) -> Vec<Option<&str>> {
        if self.spec.scenarios.is_empty() {
            vec![None]
        } else {
            self.spec.scenarios.iter().map(Option::as_deref).collect()
        }
    }

    /// The chart's x path and y figure, when there is something to draw:
    /// an explicit `chart`, or the grid's first path against `success`.
    pub fn chart(&self) -> Option<(&str, &str)> {
        let c = self.spec.chart.as_ref();
        let x = c
            .and_then(|c| c.x.as_deref())
            .or_else(|| self.paths.first().map(|(p, _)| p.as_str()))?;
        let y = c.and_then(|c| c.y.as_deref()).unwrap_or("success");
        Some((x, y))
    }

    fn check_chart(&self) -> Result<(), InputError> {
        let Some(c) = &self.spec.chart else {
            return Ok(());
        };
        if let Some(x) = &c.x {
            if !self.paths.iter().any(|(p, _)| p == x) {
                let known: Vec<&str> = self.paths.iter().map(|(p, _)| p.as_str()).collect();
                return Err(InputError::at(
                    "chart.x",
                    format!("{} is not a path the sweep varies.", quoted(x)),
                )
                .hint(format!(
                    "use one of: {}.",
                    if known.is_empty() {
                        "(none: add a grid)".into()
                    } else {
                        known.join(", ")
                    }
                )));
            }
        }
        if c.target.is_some_and(|t| !t.is_finite()) {
            return Err(
                InputError::at("chart.target", "the target is not a finite number.")
                    .hint("give the level to draw, e.g. 0.9999."),
            );
        }
        if let Some(y) = &c.y {
            let columns = row::figure_columns(&self.spec.figures);
            if !columns.iter().any(|f| f == y) {
                return Err(InputError::at(
                    "chart.y",
                    format!("{} is not a figure of the rows.", quoted(y)),
                )
                .hint(format!("use one of: {}.", columns.join(", "))));
            }
        }
        Ok(())
    }
}

fn add_path(paths: &mut Vec<(String, Target)>, at: &str, p: &str) -> Result<(), InputError> {
    let target = if let Some(option) = p.strip_prefix("options.") {
        if option == "seed" {
            return Err(InputError::at(at, "the seed is not an override.")
                .hint("list the seeds in \"seeds\"."));
        }
        Target::Option(option.to_string())
    } else {
        Target::Architecture(OverridePath::parse(p).map_err(|e| {
            InputError::at(at, format!("{e}: not a path."))
                .hint("write keys joined with dots (services.api.count, where `api` is a service's name), or a JSON Pointer (/services/3/count).")
        })?)
    };
    paths.push((p.to_string(), target));
    Ok(())
}

fn value(at: &str, v: &Value) -> Result<(), InputError> {
    if v.is_null() {
        return Err(InputError::at(at, "null is not a value to set.")
            .hint("give a number, a string, true/false, or an object; to keep the file's own value, leave the path out of that set."));
    }
    if v.to_string().len() > 10_000 {
        return Err(
            InputError::at(at, "the value is longer than 10,000 characters.")
                .hint("set a smaller part of the file at a longer path."),
        );
    }
    Ok(())
}

fn names(at: &str, list: &[Option<&String>], null_ok: bool) -> Result<(), InputError> {
    if (!null_ok && list.is_empty()) || list.len() > MAX_INPUTS {
        return Err(InputError::at(at, format!("{} given; 1 to {MAX_INPUTS}.", list.len()))
            .hint("name built-in ones (microsim list) or files beside the sweep, e.g. [\"netflixoss\"]."));
    }
    let mut seen = BTreeSet::new();
    for (i, n) in list.iter().enumerate() {
        let at = format!("{at}[{i}]");
        match n {
            None if null_ok => {}
            None => unreachable!("architectures are strings"),
            Some(n) if n.trim().is_empty() || n.len() > 1000 => {
                return Err(InputError::at(at, format!("{} is not a name.", quoted(n)))
                    .hint("give a built-in name or a file's path."));
            }
            Some(_) => {}
        }
        if !seen.insert(n) {
            return Err(InputError::at(at, "is listed twice.").hint("list each once."));
        }
    }
    Ok(())
}

fn seeds(s: &Seeds) -> Result<Vec<u64>, InputError> {
    let list: Vec<u64> = match s {
        Seeds::List(l) => l.clone(),
        Seeds::Range { first, count } => {
            if *count > MAX_RUNS as u64 || first.saturating_add(*count) > MAX_SEED + 1 {
                return Err(InputError::at(
                    "seeds.count",
                    format!("{count} seeds from {first} is out of range."),
                )
                .hint(format!(
                    "use at most {MAX_RUNS} seeds, all at most 2^53 − 1."
                )));
            }
            (*first..first + count).collect()
        }
    };
    if list.is_empty() {
        return Err(InputError::at("seeds", "no seeds: nothing would run.")
            .hint("give at least one, e.g. [1, 2, 3] or {\"first\": 1, \"count\": 5}."));
    }
    let mut seen = BTreeSet::new();
    for (i, &seed) in list.iter().enumerate() {
        if seed > MAX_SEED {
            return Err(InputError::at(
                format!("seeds[{i}]"),
                format!("the seed {seed} is larger than 2^53 − 1."),
            )
            .hint("use whole numbers between 0 and 9007199254740991."));
        }
        if !seen.insert(seed) {
            return Err(InputError::at(
                format!("seeds[{i}]"),
                format!("the seed {seed} is listed twice."),
            )
            .hint("list each seed once: a repeated seed repeats a run exactly."));
        }
    }
    Ok(list)
}

#[cfg(test)]
mod tests;
