//! metrics.csv: one row per service per time bucket (and end to end), with
//! requests, outcomes by failure reason and latency percentiles.

use std::io::{self, Write};

use crate::metrics::{Reason, Series, END_TO_END};
use crate::topology::Topology;

/// The CSV header, documented in the README.
pub fn header() -> String {
    let mut h = String::from("time_s,service,requests,ok,failed");
    for r in Reason::ALL {
        h.push(',');
        h.push_str(r.name());
    }
    h.push_str(",p50_ms,p90_ms,p99_ms");
    h
}

/// Quotes a CSV field when it needs it (RFC 4180).
fn field(s: &str) -> String {
    if s.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.to_string()
    }
}

/// Writes metrics.csv.
pub fn write_csv<W: Write>(w: &mut W, topo: &Topology, series: &Series) -> io::Result<()> {
    writeln!(w, "{}", header())?;
    for row in series.rows() {
        let name = if row.service == END_TO_END {
            "end_to_end"
        } else {
            topo.services[row.service as usize].name.as_str()
        };
        write!(
            w,
            "{},{},{},{},{}",
            (u64::from(row.bucket) * series.width()) as f64 / 1e9,
            field(name),
            row.requests,
            row.ok,
            row.failed()
        )?;
        for f in row.failures {
            write!(w, ",{f}")?;
        }
        writeln!(
            w,
            ",{},{},{}",
            row.p50 as f64 / 1e6,
            row.p90 as f64 / 1e6,
            row.p99 as f64 / 1e6
        )?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn header_names_every_reason_and_quotes_fields() {
        assert_eq!(
            header(),
            "time_s,service,requests,ok,failed,timeout,refused,rejected,short_circuited,injected,dependency,p50_ms,p90_ms,p99_ms"
        );
        assert_eq!(field("a,b"), "\"a,b\"");
        assert_eq!(field("plain"), "plain");
    }
}
