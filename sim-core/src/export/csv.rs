//! metrics.csv: one row per service per time bucket (and end to end), with
//! requests, outcomes by failure reason and latency percentiles.

use std::io::{self, Write};

use crate::metrics::{Reason, Row, Series, END_TO_END};
use crate::topology::Topology;

/// The CSV header, documented in the README.
pub fn header() -> String {
    header_listing(Reason::ALL.as_slice())
}

/// The header with the failure reasons `reasons` ([`Reason::listed`]).
fn header_listing(reasons: &[Reason]) -> String {
    let mut h = String::from("time_s,service,requests,ok,failed");
    for &r in reasons {
        h.push(',');
        h.push_str(r.name());
    }
    h.push_str(",p50_ms,p90_ms,p99_ms,instances");
    h
}

/// Columns a run with caches with a capacity adds after [`header`]'s: reads
/// that found their key and reads that did not, per cache (and every cache's
/// end to end; 0 for other services). Files without such caches keep exactly
/// [`header`]'s columns.
pub const CACHE_COLUMNS: &str = ",cache_hits,cache_misses";

/// Whether metrics.csv of a run of `topo` has [`CACHE_COLUMNS`].
pub fn has_cache_columns(topo: &Topology) -> bool {
    topo.services.iter().any(|s| s.cache.is_some())
}

/// Columns a run with replicated stores adds after the cache columns (and,
/// among the failure reasons, `unavailable` after `dependency`): reads and
/// writes each store coordinated, stale reads and lost writes (every
/// store's, end to end; 0 for other services). Files without replicated
/// stores keep their columns.
pub const STORE_COLUMNS: &str = ",store_reads,store_writes,stale_reads,lost_writes";

/// The column a run whose architecture has versions adds last (after the
/// cache columns when there are some): `version`, empty on a service's own
/// row and on end_to_end, and the version's name (or `baseline`, a canary's
/// baseline group) on the rows that follow the services, one per version of
/// each versioned service. Files without versions keep their columns.
pub const VERSION_COLUMN: &str = ",version";

/// Quotes a CSV field when it needs it (RFC 4180).
fn field(s: &str) -> String {
    if s.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.to_string()
    }
}

/// Writes metrics.csv's rows as buckets close, so the file streams to disk
/// instead of being built in memory. The series keeps rows only for services
/// that did something in a bucket; this writer fills in the zeros, so the file
/// has one row per service per bucket, services in id order, then end to end.
pub struct CsvWriter {
    /// Service names, in id order.
    names: Vec<String>,
    width: crate::duration::Nanos,
    /// Next row id due in the current bucket (services, then version tracks).
    next: u32,
    /// Instances of each row as its last row said (idle rows keep theirs).
    instances: Vec<u32>,
    /// Per version track (the rows after the services): (service, version label).
    tracks: Vec<(u32, String)>,
    /// The run has caches with a capacity: two more columns.
    caches: bool,
    /// The run has replicated stores: `unavailable` and four more columns.
    stores: bool,
}

impl CsvWriter {
    /// A writer for a run of `topo` with buckets `width` ns wide. Keep one
    /// for the whole run: it remembers each row's instances for the buckets
    /// in which the row was idle.
    pub fn new(topo: &Topology, width: crate::duration::Nanos) -> Self {
        CsvWriter {
            names: topo.services.iter().map(|s| s.name.clone()).collect(),
            width,
            next: 0,
            instances: topo
                .services
                .iter()
                .map(|s| s.initial * s.regions)
                .chain(topo.tracks().iter().map(|t| match t.version {
                    Some(v) => {
                        topo.services[t.service as usize].versions[v as usize].count
                            * topo.services[t.service as usize].regions
                    }
                    None => 0,
                }))
                .collect(),
            tracks: topo
                .tracks()
                .iter()
                .map(|t| {
                    let s = &topo.services[t.service as usize];
                    let label = t.version.map_or_else(
                        || "baseline".to_string(),
                        |v| s.versions[v as usize].name.clone(),
                    );
                    (t.service, label)
                })
                .collect(),
            caches: has_cache_columns(topo),
            stores: topo.services.iter().any(|s| s.replication.is_some()),
        }
    }

    /// Writes the header line.
    pub fn header<W: Write + ?Sized>(&self, w: &mut W) -> io::Result<()> {
        let caches = if self.caches { CACHE_COLUMNS } else { "" };
        let version = if self.tracks.is_empty() {
            ""
        } else {
            VERSION_COLUMN
        };
        let stores = if self.stores { STORE_COLUMNS } else { "" };
        writeln!(
            w,
            "{}{caches}{stores}{version}",
            header_listing(Reason::listed(self.stores))
        )
    }

    /// Writes closed rows (as [`Series::drain_rows`] hands them out, in order).
    pub fn rows<W: Write + ?Sized>(&mut self, w: &mut W, rows: &[Row]) -> io::Result<()> {
        for row in rows {
            let upto = if row.service == END_TO_END {
                (self.names.len() + self.tracks.len()) as u32
            } else {
                row.service
            };
            for s in self.next..upto {
                let mut idle = Row::idle(row.bucket, s);
                idle.instances = self.instances[s as usize];
                self.line(w, &idle)?;
            }
            if row.service != END_TO_END {
                self.instances[row.service as usize] = row.instances;
            }
            self.line(w, row)?;
            self.next = if row.service == END_TO_END {
                0
            } else {
                row.service + 1
            };
        }
        Ok(())
    }

    fn line<W: Write + ?Sized>(&self, w: &mut W, row: &Row) -> io::Result<()> {
        let services = self.names.len() as u32;
        let (name, version) = if row.service == END_TO_END {
            ("end_to_end", "")
        } else if row.service < services {
            (self.names[row.service as usize].as_str(), "")
        } else {
            let (sid, label) = &self.tracks[(row.service - services) as usize];
            (self.names[*sid as usize].as_str(), label.as_str())
        };
        write!(
            w,
            "{},{},{},{},{}",
            (u64::from(row.bucket) * self.width) as f64 / 1e9,
            field(name),
            row.requests,
            row.ok,
            row.failed()
        )?;
        for &r in Reason::listed(self.stores) {
            write!(w, ",{}", row.failures[r as usize - 1])?;
        }
        write!(
            w,
            ",{},{},{},{}",
            row.p50 as f64 / 1e6,
            row.p90 as f64 / 1e6,
            row.p99 as f64 / 1e6,
            row.instances
        )?;
        if self.caches {
            write!(w, ",{},{}", row.hits, row.misses)?;
        }
        if self.stores {
            let s = row.store;
            write!(w, ",{},{},{},{}", s.reads, s.writes, s.stale, s.lost)?;
        }
        if self.tracks.is_empty() {
            writeln!(w)
        } else {
            writeln!(w, ",{}", field(version))
        }
    }
}

/// Writes metrics.csv from the rows a series still holds (all of them, when
/// nothing was drained).
pub fn write_csv<W: Write + ?Sized>(w: &mut W, topo: &Topology, series: &Series) -> io::Result<()> {
    let mut c = CsvWriter::new(topo, series.width());
    c.header(w)?;
    c.rows(w, series.rows())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn header_names_every_reason_and_quotes_fields() {
        assert_eq!(
            header(),
            "time_s,service,requests,ok,failed,timeout,refused,rejected,short_circuited,injected,dependency,p50_ms,p90_ms,p99_ms,instances"
        );
        assert_eq!(field("a,b"), "\"a,b\"");
        assert_eq!(field("plain"), "plain");
    }
}
