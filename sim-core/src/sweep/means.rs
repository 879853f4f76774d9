//! Per parameter set, the mean of each figure over its seeds with a 95 %
//! interval by Student's t ([`crate::interval`]).
//!
//! The seeds of one parameter set are independent replications of one model
//! (every random stream is seeded from the seed), so their figures are
//! independent draws and the interval is the textbook one (Law & Kelton,
//! *Simulation Modeling and Analysis*, 5th ed., §9.4.1: the replication /
//! deletion approach). Figures cannot be negative and `success` is a share,
//! so the interval is clamped to [0, ∞) and to [0, 1] for `success` — as the
//! availability Monte Carlo clamps its own, losing no coverage.

use std::io::{self, Write};

use serde::Serialize;

use super::row::{figure_columns, number, param, write_line, Row};

/// One parameter set's figures over its seeds.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct MeanRow {
    /// The parameter set.
    pub variant: u64,
    /// Its architecture.
    pub architecture: String,
    /// Its scenario.
    pub scenario: Option<String>,
    /// Its override values, as JSON text.
    pub params: Vec<Option<String>>,
    /// How many runs (seeds) it holds.
    pub runs: usize,
    /// Per figure: (mean, low, high) of the runs that have it.
    pub figures: Vec<Option<(f64, f64, f64)>>,
}

/// The means of `rows` (sorted by run), one per parameter set present, in
/// the sweep's order.
pub fn means(rows: &[Row]) -> Vec<MeanRow> {
    let mut out: Vec<MeanRow> = Vec::new();
    let mut start = 0;
    while start < rows.len() {
        let v = rows[start].variant;
        let end = start + rows[start..].iter().take_while(|r| r.variant == v).count();
        let group = &rows[start..end];
        let k = group[0].figures.len();
        let figures = (0..k)
            .map(|f| {
                let xs: Vec<f64> = group.iter().filter_map(|r| r.figures[f]).collect();
                if xs.is_empty() {
                    return None;
                }
                let (mean, half) = crate::interval::mean_ci95(&xs);
                let high = if f == SUCCESS { 1.0 } else { f64::INFINITY };
                Some((
                    mean,
                    (mean - half).clamp(0.0, high),
                    (mean + half).clamp(0.0, high),
                ))
            })
            .collect();
        out.push(MeanRow {
            variant: v,
            architecture: group[0].architecture.clone(),
            scenario: group[0].scenario.clone(),
            params: group[0].params.clone(),
            runs: group.len(),
            figures,
        });
        start = end;
    }
    out
}

/// Index of `success` among the figures.
const SUCCESS: usize = 3;

/// The columns of the means table: `variant`, `architecture`, `scenario`,
/// the paths, `runs`, then `FIGURE_mean`, `FIGURE_low`, `FIGURE_high` for
/// each figure.
pub fn columns(paths: &[String], extra: &[String]) -> Vec<String> {
    let mut c: Vec<String> = ["variant", "architecture", "scenario"]
        .iter()
        .map(|s| (*s).to_string())
        .chain(paths.iter().cloned())
        .collect();
    c.push("runs".into());
    for f in figure_columns(extra) {
        for part in ["mean", "low", "high"] {
            c.push(format!("{f}_{part}"));
        }
    }
    c
}

/// Writes the means as CSV (an interval from one run is infinite: `inf`).
pub fn write_csv<W: Write>(w: &mut W, columns: &[String], means: &[MeanRow]) -> io::Result<()> {
    write_line(w, columns)?;
    for m in means {
        let mut cells = vec![
            m.variant.to_string(),
            m.architecture.clone(),
            m.scenario.clone().unwrap_or_default(),
        ];
        cells.extend(
            m.params
                .iter()
                .map(|p| p.as_deref().map_or(String::new(), param)),
        );
        cells.push(m.runs.to_string());
        for f in &m.figures {
            match f {
                Some((mean, low, high)) => {
                    cells.extend([number(*mean), number(*low), number(*high)]);
                }
                None => cells.extend([String::new(), String::new(), String::new()]),
            }
        }
        write_line(w, &cells)?;
    }
    Ok(())
}
