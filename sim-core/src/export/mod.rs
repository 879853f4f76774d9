//! Results in the formats other tools read: `summary.json` (docs/formats.md) and
//! spigo's `graph.json`. Writers take any `std::io::Write` so sim-core stays
//! free of files; the CLI decides where bytes go.

pub mod cause;
pub mod csv;
pub mod deployments;
pub mod dot;
pub mod flows;
pub mod graph;
pub mod graphml;
pub mod stores;
pub mod summary;
pub mod traces;
pub mod vizceral;

use std::io::{self, Write};

use crate::engine::Simulation;
use summary::Summary;

/// The bytes a run produces, ready to be written by whoever owns the files.
#[derive(Debug, Clone)]
pub struct Outputs {
    /// summary.json.
    pub summary_json: String,
    /// graph.json (empty when the graph was not recorded).
    pub graph_json: String,
    /// The summary as data.
    pub summary: Summary,
}

impl Outputs {
    /// SHA-256 over summary.json and graph.json: equal digests, equal outputs.
    pub fn digest(&self) -> String {
        digest(&[self.summary_json.as_bytes(), self.graph_json.as_bytes()])
    }
}

impl Simulation {
    /// summary.json and graph.json of the run as it stands (finished, normally).
    pub fn outputs(&self) -> Outputs {
        let summary = Summary::of(self);
        let mut graph = Vec::new();
        if let Some(flows) = self.flows() {
            graph::write_graph(&mut graph, self.topology(), flows, self.args(), self.now())
                .expect("writing to memory");
        }
        Outputs {
            summary_json: summary.to_json(),
            graph_json: String::from_utf8(graph).expect("graph.json is UTF-8"),
            summary,
        }
    }
}

/// One file a finished run writes. Each is written straight to the writer it
/// is given (a file, normally), so an output never costs memory its size.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OutputFile {
    /// summary.json.
    Summary,
    /// spigo's graph.json.
    Graph,
    /// graph.graphml.
    GraphMl,
    /// graph.dot.
    Dot,
    /// vizceral.json.
    Vizceral,
    /// traces.zipkin.json.
    Zipkin,
    /// traces.otlp.json.
    Otlp,
    /// metrics.csv (the rows the series still holds; front ends that stream
    /// it as buckets close use [`csv::CsvWriter`] instead).
    Metrics,
}

impl OutputFile {
    /// Every file, in the order they are written.
    pub const ALL: [OutputFile; 8] = [
        OutputFile::Summary,
        OutputFile::Graph,
        OutputFile::GraphMl,
        OutputFile::Dot,
        OutputFile::Vizceral,
        OutputFile::Zipkin,
        OutputFile::Otlp,
        OutputFile::Metrics,
    ];

    /// The file name.
    pub fn name(self) -> &'static str {
        match self {
            OutputFile::Summary => "summary.json",
            OutputFile::Graph => "graph.json",
            OutputFile::GraphMl => "graph.graphml",
            OutputFile::Dot => "graph.dot",
            OutputFile::Vizceral => "vizceral.json",
            OutputFile::Zipkin => "traces.zipkin.json",
            OutputFile::Otlp => "traces.otlp.json",
            OutputFile::Metrics => "metrics.csv",
        }
    }

    /// Whether a run writes this file: the graph files need `record_graph`.
    pub fn applies(self, sim: &Simulation) -> bool {
        !matches!(
            self,
            OutputFile::Graph | OutputFile::GraphMl | OutputFile::Dot | OutputFile::Vizceral
        ) || sim.flows().is_some()
    }

    /// Writes this file of a finished run.
    pub fn write(self, sim: &Simulation, w: &mut dyn Write) -> io::Result<()> {
        let topo = sim.topology();
        let seconds = sim.config().duration as f64 / 1e9;
        match (self, sim.flows()) {
            (OutputFile::Summary, _) => w.write_all(Summary::of(sim).to_json().as_bytes()),
            (OutputFile::Graph, Some(f)) => graph::write_graph(w, topo, f, sim.args(), sim.now()),
            (OutputFile::GraphMl, Some(f)) => graphml::write_graphml(w, topo, f),
            (OutputFile::Dot, Some(f)) => dot::write_dot(w, topo, f, seconds),
            (OutputFile::Vizceral, Some(f)) => {
                let v = vizceral::vizceral(
                    topo,
                    f,
                    sim.service_stats(),
                    seconds,
                    sim.now() / 1_000_000,
                );
                serde_json::to_writer_pretty(&mut *w, &v)?;
                w.write_all(b"\n")
            }
            (OutputFile::Zipkin, _) => traces::write_zipkin(w, topo, sim.spans()),
            (OutputFile::Otlp, _) => traces::write_otlp(w, topo, sim.spans()),
            (OutputFile::Metrics, _) => csv::write_csv(w, topo, sim.series()),
            (_, None) => Err(io::Error::other(format!(
                "{} needs the run's flows (record_graph)",
                self.name()
            ))),
        }
    }
}

/// Every output file of a finished run in memory, as (file name, bytes): for
/// tests and small runs; front ends write [`OutputFile`]s to files.
pub fn all_files(sim: &Simulation) -> Vec<(&'static str, Vec<u8>)> {
    OutputFile::ALL
        .into_iter()
        .filter(|f| f.applies(sim))
        .map(|f| {
            let mut bytes = Vec::new();
            f.write(sim, &mut bytes).expect("writing to memory");
            (f.name(), bytes)
        })
        .collect()
}

use sha2::{Digest, Sha256};

/// Hex SHA-256 of some bytes: the golden digest that native and wasm32 runs
/// must agree on.
pub fn digest(parts: &[&[u8]]) -> String {
    let mut h = Sha256::new();
    for p in parts {
        h.update((p.len() as u64).to_le_bytes());
        h.update(p);
    }
    h.finalize()
        .iter()
        .fold(String::with_capacity(64), |mut s, b| {
            use std::fmt::Write;
            let _ = write!(s, "{b:02x}");
            s
        })
}

/// Formats virtual time as an RFC 3339 timestamp counted from the Unix epoch,
/// so replaying tools see real-looking, reproducible times.
pub fn timestamp(ns: crate::duration::Nanos) -> String {
    let secs = ns / 1_000_000_000;
    let frac = ns % 1_000_000_000;
    let days = (secs / 86_400) as i64;
    let rem = secs % 86_400;
    // Civil date from days since 1970-01-01 (H. Hinnant's algorithm).
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}.{frac:09}Z",
        rem / 3600,
        rem % 3600 / 60,
        rem % 60
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timestamps_are_rfc3339() {
        assert_eq!(timestamp(0), "1970-01-01T00:00:00.000000000Z");
        assert_eq!(
            timestamp(90_061_000_000_123),
            "1970-01-02T01:01:01.000000123Z"
        );
        // 2000-03-01 is day 11017 (leap-year arithmetic).
        assert_eq!(
            timestamp(11_017 * 86_400 * 1_000_000_000),
            "2000-03-01T00:00:00.000000000Z"
        );
    }

    #[test]
    fn digest_separates_parts() {
        assert_ne!(digest(&[b"ab", b"c"]), digest(&[b"a", b"bc"]));
        assert_eq!(digest(&[b"x"]).len(), 64);
    }
}
