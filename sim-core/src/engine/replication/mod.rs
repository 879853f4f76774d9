//! Replicated stores while the engine runs ([`crate::replication`]): the
//! instance a keyed request reaches coordinates it — it finds the key's
//! replicas on the ring, refuses at once (`unavailable`) when too few are
//! alive and reachable for the consistency level, sends the write to every
//! live replica (or the read to as many as the level needs, nearest first),
//! and answers when enough have answered; the other replicas catch up
//! behind its answer. Replicas store and read versions when their work is
//! done. Reads are judged stale against the latest write acknowledged
//! before they began; ephemeral copies die with their process, and an
//! acknowledged write left with no copy is lost. Repair and loss are in
//! [`repair`], the invariants in [`check`].

mod check;
mod repair;

use super::calls::flag;
use super::{Call, Kind, Simulation, NONE, REPLICA};
use crate::duration::Nanos;
use crate::keys::NO_KEY;
use crate::metrics::Reason;
use crate::replication::data::Table;
use crate::replication::ring::Ring;
use crate::replication::{
    Need, ReplicationConfig, StoreCounts, MAX_REGIONS, READ_TIMEOUT, WRITE_TIMEOUT,
};
use crate::rng::{Purpose, Stream};
use crate::topology::{InstanceId, ServiceId, Topology};

/// Width of a bucket of [`Staleness`]: reads are binned by the time since
/// the write they should see was acknowledged.
pub const STALENESS_BIN: Nanos = 100_000;
/// Bins of [`Staleness`] (0 to 50 ms after the write; later reads in the last).
pub const STALENESS_BINS: usize = 500;

/// Reads of keys that had been written, by time since the latest
/// acknowledged write when they began: the observed side of PBS's
/// t-visibility (8 KB per store).
#[derive(Debug, Clone)]
pub struct Staleness {
    /// Reads per bin.
    pub reads: Vec<u64>,
    /// Stale reads per bin.
    pub stale: Vec<u64>,
}

/// One replicated store's ring, copies and counts.
pub(super) struct Store {
    sid: ServiceId,
    cfg: ReplicationConfig,
    regions: u32,
    ring: Ring,
    table: Table,
    counts: StoreCounts,
    staleness: Staleness,
}

/// A coordinator waiting for replicas.
#[derive(Debug, Clone, Copy)]
pub(super) struct Coord {
    /// The request being coordinated (its span tells a reused slot apart).
    call: u32,
    span: u64,
    serial: u32,
    store: u32,
    key: u32,
    write: bool,
    need: Need,
    local: u8,
    version: u64,
    /// Reads: the latest acknowledged version when the read began, and the
    /// newest heard so far.
    baseline: u64,
    /// The read's [`Staleness`] bin (`u16::MAX`: the key was never written).
    bin: u16,
    best: u64,
    /// Replicas (by index in the key's list) that answered a read.
    heard: u128,
    acks: [u8; MAX_REGIONS],
    /// Per region, replicas asked that have not answered.
    waiting: [u8; MAX_REGIONS],
    done: bool,
}

/// What a replica call carries besides its record: its coordinator and
/// which replica of the key it is; the version written, or read back.
#[derive(Debug, Clone, Copy, Default)]
pub(super) struct Tag {
    coord: u32,
    serial: u32,
    replica: u8,
    applied: bool,
    version: u64,
}

/// Every replicated store of a run. Empty (and never consulted) without one.
pub(super) struct Replication {
    /// Per service: its index in `stores`, or [`NONE`].
    of: Vec<u32>,
    stores: Vec<Store>,
    /// Per instance: data epoch, bumped when ephemeral storage dies.
    epochs: Vec<u32>,
    coords: Vec<Coord>,
    free: Vec<u32>,
    /// Per call slot: its [`Tag`] (grown with the call slab).
    tags: Vec<Tag>,
    /// The last version given to a write.
    seq: u64,
    rng: Stream,
    scratch: Vec<(u64, u8)>,
}

impl Replication {
    pub(super) fn new(topo: &Topology, seed: u64) -> Replication {
        let mut of = vec![NONE; topo.services.len()];
        let mut stores = Vec::new();
        for (sid, s) in topo.services.iter().enumerate() {
            let Some(cfg) = s.replication else { continue };
            of[sid] = stores.len() as u32;
            let regions: Vec<Vec<(InstanceId, u8)>> = (0..s.regions)
                .map(|r| {
                    (0..s.per_region)
                        .map(|i| {
                            let id = s.first + r * s.per_region + i;
                            (id, topo.instances[id as usize].zone)
                        })
                        .collect()
                })
                .collect();
            stores.push(Store {
                sid: sid as ServiceId,
                cfg,
                regions: s.regions,
                ring: Ring::new(&regions, cfg.vnodes, cfg.factor, sid as u64),
                table: Table::new((cfg.factor * s.regions) as usize),
                counts: StoreCounts::default(),
                staleness: Staleness {
                    reads: vec![0; STALENESS_BINS],
                    stale: vec![0; STALENESS_BINS],
                },
            });
        }
        let any = !stores.is_empty();
        Replication {
            of,
            stores,
            epochs: if any {
                vec![0; topo.instances.len()]
            } else {
                Vec::new()
            },
            coords: Vec::new(),
            free: Vec::new(),
            tags: Vec::new(),
            seq: 0,
            rng: Stream::new(seed, Purpose::Replication),
            scratch: Vec::new(),
        }
    }

    /// Whether the run has replicated stores.
    #[inline]
    pub(super) fn any(&self) -> bool {
        !self.stores.is_empty()
    }

    fn tag(&mut self, c: u32) -> &mut Tag {
        let i = c as usize;
        if i >= self.tags.len() {
            self.tags.resize(i + 1, Tag::default());
        }
        &mut self.tags[i]
    }
}

impl Simulation {
    /// Request `c` reached replicated store `sid` on instance `inst` and its
    /// own work is done: coordinate it. Returns true while it waits for
    /// replicas; false when it is decided at once (its reason says how).
    pub(super) fn coordinate(&mut self, c: u32, inst: InstanceId, sid: ServiceId) -> bool {
        let key = self.calls.key(c);
        let st = self.repl.of[sid as usize];
        if key == NO_KEY || st == NONE {
            return false;
        }
        let write = self.calls[c].has(flag::WRITE);
        let svc = &self.topo.services[sid as usize];
        let local = ((inst - svc.first) / svc.per_region) as usize;
        let store = &mut self.repl.stores[st as usize];
        let ring = &store.ring;
        let k = store.table.entry(key, |v| ring.replicas(key, v));
        let (cfg, regions) = (store.cfg, store.regions as usize);
        let level = if write { cfg.write } else { cfg.read };
        let need = level.need(cfg.factor, store.regions);
        let me = self.topo.instances[inst as usize];
        // Replicas alive and reachable, by region; the read's candidates by distance.
        let mut live = [0u8; MAX_REGIONS];
        let mut cands = std::mem::take(&mut self.repl.scratch);
        cands.clear();
        for (j, s) in self.repl.stores[st as usize]
            .table
            .slots(k)
            .iter()
            .enumerate()
        {
            let r = j / cfg.factor as usize;
            if self.inst[s.inst as usize].down == 0 && !self.chaos.cut(&self.topo, inst, s.inst) {
                live[r] += 1;
                let there = self.topo.instances[s.inst as usize];
                let distance = if there.region == me.region {
                    u64::from(there.zone != me.zone)
                } else {
                    2
                };
                // Nearest first; among equals, at random (a snitch's ties).
                cands.push(((distance << 62) | (self.repl.rng.next_u64() >> 2), j as u8));
            }
        }
        let store = &mut self.repl.stores[st as usize];
        if write {
            store.counts.writes += 1;
            self.series.store(sid, |r| r.writes += 1);
        } else {
            store.counts.reads += 1;
            self.series.store(sid, |r| r.reads += 1);
        }
        if !need.met(&live, regions, local) {
            self.repl.stores[st as usize].counts.unavailable += 1;
            self.calls[c].reason = Reason::Unavailable as u8;
            self.repl.scratch = cands;
            return false;
        }
        // Which replicas to ask: a write every live one; a read the nearest
        // the level needs (per region for EACH_QUORUM, local ones for LOCAL_*).
        if !write {
            cands.sort_unstable();
            let mut taken = [0u8; MAX_REGIONS];
            let mut total = 0u32;
            cands.retain(|&(_, j)| {
                let r = j as usize / cfg.factor as usize;
                let keep = match need {
                    Need::Total(n) => total < n,
                    Need::Local(n) => r == local && u32::from(taken[r]) < n,
                    Need::Each(n) => u32::from(taken[r]) < n,
                };
                if keep {
                    taken[r] += 1;
                    total += 1;
                }
                keep
            });
        }
        let version = if write {
            self.repl.seq += 1;
            self.repl.seq
        } else {
            0
        };
        let state = *self.repl.stores[st as usize].table.state(k);
        let baseline = state.latest;
        let bin = if !write && baseline > 0 {
            let since = self.now - state.acked_at;
            ((since / STALENESS_BIN) as usize).min(STALENESS_BINS - 1) as u16
        } else {
            u16::MAX
        };
        let serial = self.repl.coords.len() as u32;
        let mut coord = Coord {
            call: c,
            span: self.calls[c].span,
            serial: 0,
            store: st,
            key: k,
            write,
            need,
            local: local as u8,
            version,
            baseline,
            bin,
            best: 0,
            heard: 0,
            acks: [0; MAX_REGIONS],
            waiting: [0; MAX_REGIONS],
            done: false,
        };
        for &(_, j) in &cands {
            coord.waiting[j as usize / cfg.factor as usize] += 1;
        }
        let id = if let Some(id) = self.repl.free.pop() {
            coord.serial = self.repl.coords[id as usize].serial.wrapping_add(1);
            self.repl.coords[id as usize] = coord;
            id
        } else {
            coord.serial = serial;
            self.repl.coords.push(coord);
            serial
        };
        let timeout = if write { WRITE_TIMEOUT } else { READ_TIMEOUT };
        for &(_, j) in &cands {
            let to = self.repl.stores[st as usize].table.slots(k)[j as usize].inst;
            self.send_replica(c, inst, to, id, j, write, version, timeout);
        }
        self.repl.scratch = cands;
        let call = &mut self.calls[c];
        call.stage = 1;
        call.pending = 1;
        true
    }

    /// Sends one replica call of coordinator `coord` (or, for read repair
    /// and with `coord` [`NONE`], a write nobody waits for).
    #[allow(clippy::too_many_arguments)]
    fn send_replica(
        &mut self,
        parent: u32,
        from: InstanceId,
        to: InstanceId,
        coord: u32,
        j: u8,
        write: bool,
        version: u64,
        timeout: Nanos,
    ) {
        let p = self.calls[parent];
        let span = self.ids.next_u64() | 1;
        let mut call = Call::new(NONE, from, to, REPLICA, self.now, p.trace, span);
        call.flags |= (p.flags & flag::SAMPLED) | flag::TIMER;
        if write {
            call.flags |= flag::WRITE;
        }
        call.parent_span = p.span;
        call.deadline = self.now.saturating_add(timeout);
        let key = self.calls.key(parent);
        let c = self.calls.alloc(call);
        self.calls.set_key(c, key);
        let serial = if coord == NONE {
            0
        } else {
            self.repl.coords[coord as usize].serial
        };
        *self.repl.tag(c) = Tag {
            coord,
            serial,
            replica: j,
            applied: false,
            version,
        };
        if write {
            let st = self.repl.of[self.topo.instances[to as usize].service as usize];
            let k = self.repl.stores[st as usize]
                .table
                .find(key)
                .expect("a replica's key is in its table");
            self.repl.stores[st as usize].table.state_mut(k).flying += 1;
        }
        self.queue.push_after(self.now, timeout, Kind::Timeout, c);
        if let Some(f) = &mut self.flows {
            self.calls[c].flow = f.call(&self.topo, from, to, self.now);
        }
        if self.chaos.cut(&self.topo, from, to) {
            self.calls[c].flags |= flag::LOST;
        } else {
            let hop = self.topo.latency(from, to);
            self.queue.push_after(self.now, hop, Kind::Arrive, c);
        }
    }

    /// Replica call `c` has done its work on its instance: it stores the
    /// version it carries, or reads the one it holds.
    pub(super) fn serve_replica(&mut self, c: u32) {
        let inst = self.calls[c].inst;
        let st = self.repl.of[self.topo.instances[inst as usize].service as usize];
        let key = self.calls.key(c);
        let tag = *self.repl.tag(c);
        let store = &mut self.repl.stores[st as usize];
        let Some(k) = store.table.find(key) else {
            return;
        };
        let j = tag.replica as usize;
        if self.calls[c].has(flag::WRITE) {
            store.table.apply(k, j, tag.version, &self.repl.epochs);
            self.repl.tags[c as usize].applied = true;
            // A write its coordinator gave up on still lands; it stopped
            // flying when the coordinator counted it failed.
            if !self.calls[c].has(flag::DONE) {
                self.landed(st, k);
            }
        } else {
            self.repl.tags[c as usize].version = store.table.held(k, j, &self.repl.epochs);
        }
    }

    /// A replica write of key `k` of store `st` has stored or failed.
    fn landed(&mut self, st: u32, k: u32) {
        let store = &mut self.repl.stores[st as usize];
        let s = store.table.state_mut(k);
        s.flying -= 1;
        if s.flying == 0 && s.at_risk {
            s.at_risk = false;
            let latest = s.latest;
            if !store.table.stored(k, latest, &self.repl.epochs) {
                self.lose(st, k);
            }
        }
    }

    /// Key `k`'s latest acknowledged write has no copy left.
    fn lose(&mut self, st: u32, k: u32) {
        let store = &mut self.repl.stores[st as usize];
        let s = store.table.state_mut(k);
        if s.lost {
            return;
        }
        s.lost = true;
        store.counts.lost_writes += 1;
        let sid = store.sid;
        self.series.store(sid, |r| r.lost += 1);
    }

    /// The caller learns replica call `c`'s outcome (its reply or its timeout).
    pub(super) fn replica_answered(&mut self, c: u32, reason: u8) {
        let tag = *self.repl.tag(c);
        let write = self.calls[c].has(flag::WRITE);
        let inst = self.calls[c].inst;
        let st = self.repl.of[self.topo.instances[inst as usize].service as usize];
        if write && !tag.applied {
            let key = self.calls.key(c);
            if let Some(k) = self.repl.stores[st as usize].table.find(key) {
                self.landed(st, k);
            }
        }
        if tag.coord == NONE {
            return;
        }
        let co = &mut self.repl.coords[tag.coord as usize];
        if co.serial != tag.serial || co.done {
            return;
        }
        let factor = self.repl.stores[st as usize].cfg.factor as usize;
        let regions = self.repl.stores[st as usize].regions as usize;
        let r = tag.replica as usize / factor;
        co.waiting[r] -= 1;
        if reason == 0 {
            co.acks[r] += 1;
            if !write {
                co.best = co.best.max(tag.version);
                co.heard |= 1u128 << tag.replica;
            }
        }
        let local = co.local as usize;
        if co.need.met(&co.acks, regions, local) {
            self.resolve(tag.coord, true);
        } else {
            let mut could = co.acks;
            for (c, w) in could.iter_mut().zip(co.waiting) {
                *c += w;
            }
            if !co.need.met(&could, regions, local) {
                self.resolve(tag.coord, false);
            }
        }
    }

    /// Coordinator `id` has heard enough (`ok`) or can no longer: the write
    /// is acknowledged, the read judged (and repaired), or the request fails
    /// as Cassandra's timeouts do; then the request answers.
    fn resolve(&mut self, id: u32, ok: bool) {
        let co = self.repl.coords[id as usize];
        self.repl.coords[id as usize].done = true;
        self.repl.free.push(id);
        let st = co.store as usize;
        let sid = self.repl.stores[st].sid;
        if !ok {
            self.calls[co.call].reason = Reason::Timeout as u8;
        } else if co.write {
            let s = self.repl.stores[st].table.state_mut(co.key);
            if co.version > s.latest {
                s.latest = co.version;
                s.acked_at = self.now;
                s.lost = false;
                s.at_risk = false;
            }
        } else {
            let stale = co.best < co.baseline;
            let store = &mut self.repl.stores[st];
            if co.bin != u16::MAX {
                store.staleness.reads[co.bin as usize] += 1;
                store.staleness.stale[co.bin as usize] += u64::from(stale);
            }
            if stale {
                store.counts.stale_reads += 1;
                store.counts.stale_by_region[co.local as usize] += 1;
                self.series.store(sid, |r| r.stale += 1);
            }
            if self.repl.stores[st].cfg.read_repair {
                self.read_repair(co);
            }
        }
        debug_assert_eq!(self.calls[co.call].span, co.span);
        self.calls[co.call].pending = 0;
        self.run_stages(co.call);
    }

    /// What each replicated store did, by service id (defaults for other
    /// services); empty when the run has none.
    pub fn store_counts(&self) -> Vec<StoreCounts> {
        if !self.repl.any() {
            return Vec::new();
        }
        let mut out = vec![StoreCounts::default(); self.topo.services.len()];
        for s in &self.repl.stores {
            out[s.sid as usize] = s.counts;
        }
        out
    }

    /// Reads of written keys by time since the write, per replicated store
    /// (service id, bins).
    pub fn staleness(&self) -> Vec<(ServiceId, &Staleness)> {
        self.repl
            .stores
            .iter()
            .map(|s| (s.sid, &s.staleness))
            .collect()
    }

    /// Keys a replicated store has touched.
    pub fn store_keys(&self, sid: ServiceId) -> usize {
        let st = self.repl.of[sid as usize];
        if st == NONE {
            0
        } else {
            self.repl.stores[st as usize].table.len()
        }
    }
}
