//! Keys and caches while the engine runs: each call carries its request's
//! key (or draws its own on a dependency with `keys`), a keyed call to a
//! cache goes to the instance holding its key, and that instance looks the
//! key up in its LRU (or sets it) when its work is done. A cache instance
//! that dies loses its entries: it comes back empty ([`crate::cache`]).

use super::calls::flag;
use super::{Simulation, NONE};
use crate::behaviour::{Access, Launch};
use crate::cache::{owner, CacheCounts, Copies, Lookup, Lru};
use crate::duration::Nanos;
use crate::keys::{spread, NO_KEY};
use crate::topology::{InstanceId, ServiceId, Topology, ANY_ZONE, GLOBAL};

/// The LRUs of every instance of a cache with a capacity, and what each
/// cache did. Sized from the topology: one (empty) LRU per such instance.
pub(super) struct Caches {
    /// Per service: index of its first instance's LRU, or [`NONE`].
    base: Vec<u32>,
    lrus: Vec<Lru>,
    /// Per service: counts over the run.
    counts: Vec<CacheCounts>,
    /// Per cache instance: (hits, misses) since the last live window.
    window: Vec<(u32, u32)>,
}

impl Caches {
    pub(super) fn new(topo: &Topology) -> Caches {
        let mut base = Vec::with_capacity(topo.services.len());
        let mut n = 0u32;
        for s in &topo.services {
            if s.cache.is_some() {
                base.push(n);
                n += s.instance_count();
            } else {
                base.push(NONE);
            }
        }
        Caches {
            base,
            lrus: vec![Lru::new(); n as usize],
            counts: vec![CacheCounts::default(); topo.services.len()],
            window: Vec::new(),
        }
    }

    /// Starts counting each cache instance's reads for the live view.
    pub(super) fn start_window(&mut self) {
        self.window = vec![(0, 0); self.lrus.len()];
    }

    /// Whether the run has caches with a capacity.
    pub(super) fn any(&self) -> bool {
        !self.lrus.is_empty()
    }

    fn slot(&self, topo: &Topology, inst: InstanceId) -> Option<usize> {
        let sid = topo.instances[inst as usize].service as usize;
        let base = self.base[sid];
        (base != NONE).then(|| (base + inst - topo.services[sid].first) as usize)
    }

    /// The LRU of a cache instance (None for any other instance).
    pub(super) fn lru(&self, topo: &Topology, inst: InstanceId) -> Option<&Lru> {
        self.slot(topo, inst).map(|i| &self.lrus[i])
    }
}

impl Simulation {
    /// What call `c` does with its key.
    #[inline]
    pub(super) fn access(&self, c: u32) -> Access {
        if !self.calls.keyed() || self.calls.key(c) == NO_KEY {
            Access::Unkeyed
        } else if self.calls[c].has(flag::WRITE) {
            Access::Write
        } else {
            Access::Read
        }
    }

    /// Gives call `c`, launched by `parent` on instance `from` of service
    /// `sid` as `l`, its key: its own draw on a dependency with `keys`, else
    /// the parent's key and access carried on; a cache get reads and a set
    /// writes; a cache call with a copy per zone learns which zone's copy.
    // Out of line: only runs with keys take it, so the hot path of the
    // others stays as compact as it was.
    #[inline(never)]
    pub(super) fn carry_key(
        &mut self,
        parent: u32,
        c: u32,
        from: InstanceId,
        sid: ServiceId,
        l: Launch,
    ) {
        let dep = match l {
            Launch::Dep(d) | Launch::Get { dep: d, .. } | Launch::Set { dep: d, .. } => {
                Some(&self.topo.services[sid as usize].deps[d as usize])
            }
            Launch::Peer(_) => None,
        };
        let (key, write) = match dep.and_then(|d| d.keys) {
            Some(src) => src.draw(&mut self.keys),
            None => (self.calls.key(parent), self.calls[parent].has(flag::WRITE)),
        };
        let copies = dep.map_or(0, |d| u32::from(d.copies));
        self.calls.set_key(c, key);
        let call = &mut self.calls[c];
        let write = match l {
            Launch::Get { .. } => false,
            Launch::Set { .. } => true,
            _ => write,
        };
        if write {
            call.flags |= flag::WRITE;
        }
        if copies > 1 {
            // A caller outside the zones (a regional or global node) reads
            // the copy its key picks, so its reads spread evenly.
            let z = u32::from(self.topo.instances[from as usize].zone);
            let own = if z < copies {
                z
            } else {
                (spread(key) % u64::from(copies)) as u32
            };
            call.zone = match l {
                Launch::Get { fallback: true, .. } => (own + 1) % copies,
                Launch::Set { copy, .. } => u32::from(copy),
                _ => own,
            } as u8;
        }
    }

    /// The instance of cache `svc` holding call `c`'s key, for a caller in
    /// `region`: in the caller's region (a global caller's is picked by the
    /// key), in the zone the call names when the cache keeps a copy per zone.
    /// None when discovery does not list it (the caller knows it is gone).
    // Out of line: only runs with keys take it, so the hot path of the
    // others stays as compact as it was.
    #[inline(never)]
    pub(super) fn pick_owner(&mut self, svc: ServiceId, region: u16, c: u32) -> Option<InstanceId> {
        let key = self.calls.key(c);
        let s = &self.topo.services[svc as usize];
        let r = if s.regions == 1 {
            0
        } else if region == GLOBAL {
            (spread(key) % u64::from(s.regions)) as u32
        } else {
            u32::from(region) % s.regions
        };
        let zone = self.calls[c].zone;
        let zone = (zone != ANY_ZONE && s.cache.is_some_and(|c| c.copies == Copies::EveryZone))
            .then_some(u32::from(zone));
        let id =
            self.topo.instances_in(svc, r).start + owner(key, s.per_region, self.topo.zones, zone);
        match &self.chaos.views[svc as usize] {
            // Track 0: a cache with a capacity has no versions (refused by the model).
            Some(v) if v.region(0, r).binary_search(&id).is_err() => None,
            _ => Some(id),
        }
    }

    /// Cache instance `inst` (of service `sid`) has done call `c`'s work: a
    /// write sets the key, a read looks it up and marks a miss on the call.
    // Out of line: only runs with keys take it, so the hot path of the
    // others stays as compact as it was.
    #[inline(never)]
    pub(super) fn serve_cache(&mut self, c: u32, inst: InstanceId, sid: ServiceId) {
        let key = self.calls.key(c);
        if key == NO_KEY {
            return;
        }
        let cfg = self.topo.services[sid as usize].cache.expect("a cache");
        let Some(i) = self.caches.slot(&self.topo, inst) else {
            return;
        };
        let counts = &mut self.caches.counts[sid as usize];
        let lru = &mut self.caches.lrus[i];
        if self.calls[c].has(flag::WRITE) {
            let expires = cfg.ttl.map_or(Nanos::MAX, |t| self.now.saturating_add(t));
            counts.sets += 1;
            counts.evictions += u64::from(lru.set(key, expires, cfg.capacity));
            return;
        }
        let found = lru.get(key, self.now);
        let hit = found == Lookup::Hit;
        if hit {
            counts.hits += 1;
        } else {
            counts.misses += 1;
            counts.expired += u64::from(found == Lookup::Expired);
            self.calls[c].flags |= flag::MISS;
        }
        self.series.cache_read(sid, hit);
        if let Some(w) = self.caches.window.get_mut(i) {
            if hit {
                w.0 += 1;
            } else {
                w.1 += 1;
            }
        }
    }

    /// Instance `inst` died: if it is a cache, its entries are gone.
    pub(super) fn empty_cache(&mut self, inst: InstanceId) {
        if let Some(i) = self.caches.slot(&self.topo, inst) {
            self.caches.lrus[i].clear();
        }
    }

    /// What each cache with a capacity did, by service id (all zeros for
    /// other services); empty when the run has none.
    pub fn cache_counts(&self) -> &[CacheCounts] {
        if self.caches.any() {
            &self.caches.counts
        } else {
            &[]
        }
    }

    /// Entries a cache service holds now, over all its instances.
    pub fn cache_entries(&self, sid: ServiceId) -> usize {
        let s = &self.topo.services[sid as usize];
        (s.first..s.first + s.instance_count())
            .filter_map(|i| self.caches.lru(&self.topo, i))
            .map(Lru::len)
            .sum()
    }

    /// Per instance of a cache with a capacity: its reads' hit rate since the
    /// previous call, and how full it is (entries / capacity), for the live
    /// view ([`Simulation::enable_live`] starts counting); instances of
    /// other services are absent.
    pub fn take_cache_window(&mut self) -> Vec<(InstanceId, Option<f64>, f64)> {
        if !self.caches.any() {
            return Vec::new();
        }
        if self.caches.window.len() != self.caches.lrus.len() {
            self.caches.start_window();
        }
        let mut out = Vec::with_capacity(self.caches.lrus.len());
        for (sid, s) in self.topo.services.iter().enumerate() {
            let Some(cfg) = s.cache else { continue };
            let base = self.caches.base[sid] as usize;
            for k in 0..s.instance_count() as usize {
                let (hits, misses) = std::mem::take(&mut self.caches.window[base + k]);
                let reads = hits + misses;
                let rate = (reads > 0).then(|| f64::from(hits) / f64::from(reads));
                let full = self.caches.lrus[base + k].len() as f64 / f64::from(cfg.capacity);
                out.push((s.first + k as u32, rate, full));
            }
        }
        out
    }

    /// The caches' own invariants: every LRU's structure within its
    /// capacity, no entries in a dead instance, and reads counted once in
    /// the run's counts and the time series.
    pub(super) fn check_caches(&self) -> Result<(), String> {
        for (sid, s) in self.topo.services.iter().enumerate() {
            let Some(cfg) = s.cache else { continue };
            for inst in s.first..s.first + s.instance_count() {
                let lru = self.caches.lru(&self.topo, inst).expect("a cache instance");
                lru.check(cfg.capacity)
                    .map_err(|e| format!("cache instance {inst}: {e}"))?;
                if self.inst[inst as usize].down > 0 && !lru.is_empty() {
                    return Err(format!(
                        "cache instance {inst} is down but holds {} entries",
                        lru.len()
                    ));
                }
            }
            let c = self.caches.counts[sid];
            if let Some((hits, misses)) = self.series.cache_totals(sid as u32) {
                if (hits, misses) != (c.hits, c.misses) {
                    return Err(format!(
                        "{}: the time series counts {hits} cache hits and {misses} misses, the cache {} and {}",
                        s.name, c.hits, c.misses
                    ));
                }
            }
        }
        Ok(())
    }
}
