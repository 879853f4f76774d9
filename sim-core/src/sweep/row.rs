//! One run as one row: what it was (its place, id, architecture, scenario,
//! seed and override values) and what it gave (end-to-end figures of its
//! summary.json, and any figure the sweep names), written as CSV.
//!
//! Figures are read from summary.json as every front end writes it, so a row
//! holds exactly the numbers `microsim run --json` prints for the same run.
//! Floats are written in their shortest form that reads back to the same
//! bits (Rust's and Python's `repr` agree), so a table read back by pandas or
//! pyarrow holds the run's own numbers.

use std::io::{self, Write};

use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::plan::Job;

/// Whether a figure counts things (an integer column) or measures them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// Whole numbers: requests, failures, events.
    Count,
    /// Any number: shares, latencies, ratios.
    Real,
}

/// The figures of every row: its column, its path in summary.json, its kind.
pub const FIGURES: [(&str, &str, Kind); 16] = [
    ("requests", "end_to_end.requests", Kind::Count),
    ("ok", "end_to_end.ok", Kind::Count),
    ("failed", "end_to_end.failed", Kind::Count),
    ("success", "end_to_end.success", Kind::Real),
    ("unanswered", "end_to_end.unanswered", Kind::Count),
    ("degraded", "end_to_end.degraded", Kind::Count),
    ("retries", "end_to_end.retries", Kind::Count),
    ("latency_mean_ms", "end_to_end.latency_ms.mean", Kind::Real),
    ("latency_p50_ms", "end_to_end.latency_ms.p50", Kind::Real),
    ("latency_p90_ms", "end_to_end.latency_ms.p90", Kind::Real),
    ("latency_p99_ms", "end_to_end.latency_ms.p99", Kind::Real),
    ("latency_p999_ms", "end_to_end.latency_ms.p999", Kind::Real),
    ("latency_max_ms", "end_to_end.latency_ms.max", Kind::Real),
    ("calls_per_request", "amplification.per_request", Kind::Real),
    ("instances", "instances", Kind::Count),
    ("events", "events", Kind::Count),
];

/// The columns that say which run a row is, before the paths.
pub const KEY_COLUMNS: [&str; 5] = ["run", "id", "architecture", "scenario", "seed"];

/// One finished run.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Row {
    /// Its place in the sweep's order.
    pub run: u64,
    /// Its stable id.
    pub id: String,
    /// Its parameter set.
    pub variant: u64,
    /// The architecture's name as the sweep gives it.
    pub architecture: String,
    /// The scenario's name, if any.
    pub scenario: Option<String>,
    /// The seed.
    pub seed: u64,
    /// One value per path as JSON text (`None`: the file's own).
    pub params: Vec<Option<String>>,
    /// [`FIGURES`], then the sweep's own figures (`None`: the summary has
    /// no such figure, e.g. success without requests). Written to the
    /// journal as text, read back with Rust's exact float parser.
    #[serde(with = "exact")]
    pub figures: Vec<Option<f64>>,
}

/// Figures as strings in a row's JSON: serde_json (without its
/// `float_roundtrip` feature) may read a float back one bit off what it
/// wrote, and a resumed sweep, or one whose rows came back from Dask
/// workers, must hold the very bits of the run.
mod exact {
    use serde::{Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(v: &[Option<f64>], s: S) -> Result<S::Ok, S::Error> {
        s.collect_seq(v.iter().map(|x| x.map(|x| format!("{x}"))))
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<Option<f64>>, D::Error> {
        let v: Vec<Option<String>> = Vec::deserialize(d)?;
        v.into_iter()
            .map(|x| {
                x.map(|t| t.parse::<f64>().map_err(serde::de::Error::custom))
                    .transpose()
            })
            .collect()
    }
}

/// The figure columns: [`FIGURES`], then the sweep's own, named by their path.
pub fn figure_columns(extra: &[String]) -> Vec<String> {
    FIGURES
        .iter()
        .map(|f| f.0.to_string())
        .chain(extra.iter().cloned())
        .collect()
}

/// Every column of a sweep's rows.
pub fn columns(paths: &[String], extra: &[String]) -> Vec<String> {
    KEY_COLUMNS
        .iter()
        .map(|c| (*c).to_string())
        .chain(paths.iter().cloned())
        .chain(figure_columns(extra))
        .collect()
}

/// The kind of figure column `i` (the sweep's own figures are `Real`).
pub fn figure_kind(i: usize) -> Kind {
    FIGURES.get(i).map_or(Kind::Real, |f| f.2)
}

impl Row {
    /// The row of `job`, from its run's summary.json.
    pub fn of(job: &Job, summary: &Value) -> Row {
        let figures = FIGURES
            .iter()
            .map(|f| f.1)
            .chain(job.figures.iter().map(String::as_str))
            .map(|path| crate::lesson::metric(summary, path).ok())
            .collect();
        Row {
            run: job.run,
            id: job.id.clone(),
            variant: job.variant,
            architecture: job.architecture.clone(),
            scenario: job.scenario.clone(),
            seed: job.seed,
            params: job.params.clone(),
            figures,
        }
    }

    /// One line of the journal of finished runs (JSON, no newline).
    pub fn to_json(&self) -> String {
        serde_json::to_string(self).expect("a row serializes")
    }

    /// A journal line read back; `None` for a line cut short (a run killed
    /// while writing it) or not a row.
    pub fn from_json(line: &str) -> Option<Row> {
        serde_json::from_str(line).ok()
    }

    /// The row's cells as CSV text, in [`columns`] order.
    pub fn cells(&self) -> Vec<String> {
        let mut c = vec![
            self.run.to_string(),
            self.id.clone(),
            self.architecture.clone(),
            self.scenario.clone().unwrap_or_default(),
            self.seed.to_string(),
        ];
        c.extend(
            self.params
                .iter()
                .map(|p| p.as_deref().map_or(String::new(), param)),
        );
        c.extend(self.figures.iter().map(|f| f.map_or(String::new(), number)));
        c
    }
}

/// A parameter's cell from its JSON text: a string as it is, anything else
/// as its JSON.
pub fn param(json: &str) -> String {
    if json.starts_with('"') {
        serde_json::from_str(json).unwrap_or_else(|_| json.to_string())
    } else {
        json.to_string()
    }
}

/// A number in its shortest form that reads back to the same bits (`12`,
/// `0.9999`; Rust's `Display` of f64 writes no exponent).
pub fn number(x: f64) -> String {
    format!("{x}")
}

/// Writes `rows` as CSV (RFC 4180: a header, `\n` line ends, fields with a
/// comma, quote or line break in quotes).
pub fn write_csv<W: Write>(w: &mut W, columns: &[String], rows: &[Row]) -> io::Result<()> {
    write_line(w, columns)?;
    for r in rows {
        write_line(w, &r.cells())?;
    }
    Ok(())
}

/// One CSV line.
pub fn write_line<W: Write>(w: &mut W, cells: &[String]) -> io::Result<()> {
    for (i, c) in cells.iter().enumerate() {
        if i > 0 {
            w.write_all(b",")?;
        }
        if c.contains([',', '"', '\n', '\r']) {
            write!(w, "\"{}\"", c.replace('"', "\"\""))?;
        } else {
            w.write_all(c.as_bytes())?;
        }
    }
    w.write_all(b"\n")
}
