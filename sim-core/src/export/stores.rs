//! summary.json's `stores` section: what each replicated store did
//! ([`crate::replication`]) — its settings, and its reads, writes, stale
//! reads, `unavailable`, lost writes and repairs over the run, with the
//! observed chance of a stale read by time since the write (PBS's
//! t-visibility as the run saw it).

use std::collections::BTreeMap;

use serde::Serialize;

use crate::engine::STALENESS_BIN;
use crate::Simulation;

/// What one replicated store did over the run.
#[derive(Debug, Clone, Serialize)]
pub struct StoreSummary {
    /// Replicas of each key per region.
    pub factor: u32,
    /// Regions the store runs in.
    pub regions: u32,
    /// Consistency level of reads.
    pub read: &'static str,
    /// Consistency level of writes.
    pub write: &'static str,
    /// `persistent` or `ephemeral`.
    pub storage: &'static str,
    /// Reads coordinated.
    pub reads: u64,
    /// Writes coordinated.
    pub writes: u64,
    /// Successful reads that returned an older version than the latest write
    /// acknowledged before they began.
    pub stale_reads: u64,
    /// stale_reads / reads, to 6 decimals.
    pub stale_rate: f64,
    /// Stale reads by the region whose node coordinated them.
    pub stale_by_region: BTreeMap<String, u64>,
    /// Requests refused because too few replicas were alive or reachable.
    pub unavailable: u64,
    /// Acknowledged writes whose every copy died.
    pub lost_writes: u64,
    /// Replica writes sent by read repair.
    pub read_repairs: u64,
    /// Copies brought up to date by anti-entropy.
    pub repaired: u64,
    /// Keys touched.
    pub keys: u64,
    /// Successful reads of keys already written, by time since the latest
    /// write acknowledged when they began: `[t_ms, reads, stale]` per
    /// non-empty 0.1 ms bin up to 50 ms (the last bin holds later reads).
    pub staleness: Vec<(f64, u64, u64)>,
}

/// The stores section, when the file replicates a store.
pub fn stores(sim: &Simulation) -> Option<BTreeMap<String, StoreSummary>> {
    let counts = sim.store_counts();
    if counts.is_empty() {
        return None;
    }
    let topo = sim.topology();
    let bins: BTreeMap<u32, _> = sim.staleness().into_iter().collect();
    Some(
        topo.services
            .iter()
            .enumerate()
            .filter_map(|(sid, s)| {
                let cfg = s.replication?;
                let c = counts[sid];
                let st = bins[&(sid as u32)];
                let staleness = st
                    .reads
                    .iter()
                    .zip(&st.stale)
                    .enumerate()
                    .filter(|(_, (&r, _))| r > 0)
                    .map(|(i, (&r, &s))| ((i as u64 * STALENESS_BIN) as f64 / 1e6, r, s))
                    .collect();
                Some((
                    s.name.clone(),
                    StoreSummary {
                        factor: cfg.factor,
                        regions: s.regions,
                        read: cfg.read.name(),
                        write: cfg.write.name(),
                        storage: match cfg.storage {
                            crate::replication::Storage::Persistent => "persistent",
                            crate::replication::Storage::Ephemeral => "ephemeral",
                        },
                        reads: c.reads,
                        writes: c.writes,
                        stale_reads: c.stale_reads,
                        stale_rate: if c.reads == 0 {
                            0.0
                        } else {
                            libm::round(c.stale_reads as f64 / c.reads as f64 * 1e6) / 1e6
                        },
                        stale_by_region: (0..s.regions)
                            .map(|r| {
                                let inst = topo.instances[(s.first + r * s.per_region) as usize];
                                (
                                    topo.regions[inst.region as usize].clone(),
                                    c.stale_by_region[r as usize],
                                )
                            })
                            .collect(),
                        unavailable: c.unavailable,
                        lost_writes: c.lost_writes,
                        read_repairs: c.read_repairs,
                        repaired: c.repaired,
                        keys: sim.store_keys(sid as u32) as u64,
                        staleness,
                    },
                ))
            })
            .collect(),
    )
}
