//! Several versions of a service at once: their places, the traffic split
//! between them, their work and defects, and their own figures.
//!
//! A versioned service's places (twice its count per region, round-robin
//! over zones as the file places instances) are laid out up front, as an
//! autoscaled service's are, and go through the same life
//! ([`Phase`]): Off, Starting (booting, paid for), Ready (listed at the next
//! discovery poll), Retiring (delisted at the next poll, finishing what
//! reached it). Each running place belongs to a *track*: one per version,
//! plus the baseline group a canary is compared with.
//!
//! Callers split traffic between tracks by weight, as a service mesh's
//! weighted routes do (Istio's `VirtualService` `route[].weight`, Envoy's
//! `weighted_clusters`): a call first picks a track by weight, then an
//! instance of it as discovery lists them. A track with weight but nothing
//! listed in the caller's region fails over to another region, and with
//! nothing listed anywhere the call is refused — Envoy's "no healthy
//! upstream" — which is why deployments shift weight only once their
//! instances are listed.

use super::autoscale::Phase;
use super::calls::{flag, NO_TRACK};
use super::{Simulation, NONE};
use crate::duration::Nanos;
use crate::metrics::Stats;
use crate::rng::{Purpose, Stream};
use crate::topology::{InstanceId, ServiceId, Topology, Version, PPM};

mod places;

/// The runtime of one versioned service.
#[derive(Debug, Clone)]
pub(super) struct Fleet {
    pub sid: ServiceId,
    first: InstanceId,
    per_region: u32,
    /// Per place (region after region): its track, or [`NO_TRACK`] while off.
    track: Vec<u8>,
    phase: Vec<Phase>,
    /// When each place last became ready (its uptime counts from there).
    started: Vec<Nanos>,
    /// Per track: the version it runs (the baseline's is chosen by a canary).
    pub version: Vec<u8>,
    /// Per track: share of the traffic, in parts per million (they add up
    /// to [`PPM`]), and their running sums for picks.
    pub weight: Vec<u32>,
    cum: Vec<u32>,
    /// The version every request goes back to on a rollback, and which a
    /// request "touching a change" did not reach.
    pub stable: u8,
    /// Index of the first track in the run's track tables.
    pub base: u32,
    /// Per track: places paid for (starting, ready or retiring).
    paid: Vec<u32>,
}

impl Fleet {
    /// The baseline group's track.
    pub fn baseline(&self) -> u8 {
        (self.version.len() - 1) as u8
    }

    /// Tracks (versions and the baseline group).
    pub fn tracks(&self) -> usize {
        self.version.len()
    }

    fn set_weights(&mut self, w: &[u32]) {
        debug_assert_eq!(w.iter().sum::<u32>(), PPM);
        self.weight.copy_from_slice(w);
        let mut sum = 0;
        for (c, &x) in self.cum.iter_mut().zip(w) {
            sum += x;
            *c = sum;
        }
    }

    /// Places of `track` running (starting or ready) in region slot `r`.
    pub fn running(&self, track: u8, r: u32) -> u32 {
        let lo = (r * self.per_region) as usize;
        (lo..lo + self.per_region as usize)
            .filter(|&p| {
                self.track[p] == track && matches!(self.phase[p], Phase::Starting | Phase::Ready)
            })
            .count() as u32
    }

    /// Regions the service runs in.
    pub fn regions(&self) -> u32 {
        self.phase.len() as u32 / self.per_region
    }

    /// Whether every place of `track` that runs is ready (and so listed at
    /// the next poll), and at least one is.
    pub fn all_ready(&self, track: u8) -> bool {
        let mine = || (0..self.track.len()).filter(move |&p| self.track[p] == track);
        mine().any(|p| self.phase[p] == Phase::Ready)
            && mine().all(|p| matches!(self.phase[p], Phase::Ready | Phase::Retiring))
    }
}

/// The versions of a run.
pub(super) struct Versions {
    /// Any service has versions (the hot path asks nothing otherwise).
    pub any: bool,
    /// Per service: its fleet, or NONE.
    of: Vec<u32>,
    pub fleets: Vec<Fleet>,
    /// Per track of the run (in [`Topology::tracks`] order): its figures.
    pub stats: Vec<Stats>,
    /// Track picks and defects: a stream of their own, so a file without
    /// versions draws exactly what it always did.
    rng: Stream,
    /// Per fleet: end-to-end requests that reached a version other than its
    /// stable one, and how many of those failed.
    pub touched: Vec<(u64, u64)>,
    /// Series index of the first track (the services come first).
    pub series_base: u32,
}

impl Versions {
    pub(super) fn new(topo: &Topology, seed: u64) -> Versions {
        let mut v = Versions {
            any: false,
            of: vec![NONE; topo.services.len()],
            fleets: Vec::new(),
            stats: Vec::new(),
            rng: Stream::new(seed, Purpose::Versions),
            touched: Vec::new(),
            series_base: topo.services.len() as u32,
        };
        for (sid, s) in topo.services.iter().enumerate() {
            if s.versions.is_empty() {
                continue;
            }
            v.of[sid] = v.fleets.len() as u32;
            let tracks = s.versions.len() + 1;
            let places = s.instance_count() as usize;
            let mut f = Fleet {
                sid: sid as ServiceId,
                first: s.first,
                per_region: s.per_region,
                track: vec![NO_TRACK; places],
                phase: vec![Phase::Off; places],
                started: vec![0; places],
                version: (0..tracks).map(|t| t.min(tracks - 2) as u8).collect(),
                weight: vec![0; tracks],
                cum: vec![0; tracks],
                stable: 0,
                base: v.stats.len() as u32,
                paid: vec![0; tracks],
            };
            // Each version's starting instances take the next places of every region.
            for r in 0..s.regions {
                let mut p = (r * s.per_region) as usize;
                for (t, ver) in s.versions.iter().enumerate() {
                    for _ in 0..ver.count {
                        f.track[p] = t as u8;
                        f.phase[p] = Phase::Ready;
                        f.paid[t] += 1;
                        p += 1;
                    }
                }
            }
            let w: Vec<u32> = s.versions.iter().map(|x| x.weight).chain([0]).collect();
            f.set_weights(&w);
            // The stable version: the one with the most traffic (the first on a tie).
            f.stable = (0..s.versions.len())
                .max_by_key(|&i| (w[i], std::cmp::Reverse(i)))
                .unwrap_or(0) as u8;
            v.stats
                .extend(std::iter::repeat_with(Stats::default).take(tracks));
            v.touched.push((0, 0));
            v.fleets.push(f);
            v.any = true;
        }
        v
    }

    /// The fleet of service `sid`, if it has versions.
    #[inline]
    pub fn fleet_of(&self, sid: ServiceId) -> Option<usize> {
        let i = self.of[sid as usize];
        (i != NONE).then_some(i as usize)
    }

    /// (fleet, place) of an instance of a versioned service.
    #[inline]
    fn place(&self, topo: &Topology, id: InstanceId) -> Option<(usize, usize)> {
        let sid = topo.instances[id as usize].service;
        let f = self.fleet_of(sid)?;
        Some((f, (id - self.fleets[f].first) as usize))
    }

    /// The phase of an instance (Ready for services without versions).
    #[inline]
    pub fn phase(&self, topo: &Topology, id: InstanceId) -> Phase {
        self.place(topo, id)
            .map_or(Phase::Ready, |(f, p)| self.fleets[f].phase[p])
    }

    /// The track an instance runs in, or [`NO_TRACK`].
    pub fn track_of(&self, topo: &Topology, id: InstanceId) -> u8 {
        self.place(topo, id)
            .map_or(NO_TRACK, |(f, p)| self.fleets[f].track[p])
    }

    /// The version of track `t` of service `sid`.
    pub fn version_of_track(&self, sid: ServiceId, t: u8) -> Option<u8> {
        let f = self.fleet_of(sid)?;
        self.fleets[f].version.get(t as usize).copied()
    }

    /// Picks the track a call to fleet `f` goes to, by weight.
    #[inline]
    fn pick(&mut self, f: usize) -> u8 {
        let x = self.rng.below(PPM);
        let cum = &self.fleets[f].cum;
        cum.iter().position(|&c| c > x).unwrap_or(cum.len() - 1) as u8
    }

    /// Paid places of every track of fleet `f`, and their sum.
    fn paid(&self, f: usize) -> (&[u32], u32) {
        let p = &self.fleets[f].paid;
        (p, p.iter().sum())
    }
}

/// The phase of instance `id` under both owners of places: the autoscaler
/// and the versions (a service has at most one of them).
#[inline]
pub(super) fn phase_of(
    scaler: &super::autoscale::Autoscaler,
    versions: &Versions,
    topo: &Topology,
    id: InstanceId,
) -> Phase {
    match scaler.phase(topo, id) {
        Phase::Ready if versions.any => versions.phase(topo, id),
        p => p,
    }
}

/// The version instance `inst` runs (None for a fixed instance). A place
/// finishing work after it went off keeps its service's stable version.
#[inline]
fn version_in<'t>(
    versions: &Versions,
    topo: &'t Topology,
    inst: InstanceId,
) -> Option<&'t Version> {
    let (f, p) = versions.place(topo, inst)?;
    let fleet = &versions.fleets[f];
    let t = fleet.track[p];
    let v = fleet
        .version
        .get(t as usize)
        .copied()
        .unwrap_or(fleet.stable);
    Some(&topo.services[fleet.sid as usize].versions[v as usize])
}

impl Simulation {
    /// Where instance `id` is in its life (Ready for a fixed instance).
    #[inline]
    pub(super) fn phase(&self, id: InstanceId) -> Phase {
        phase_of(&self.scaler, &self.versions, &self.topo, id)
    }

    /// Lists every versioned service's tracks from the first instant.
    pub(super) fn start_versions(&mut self) {
        if !self.versions.any {
            return;
        }
        for f in 0..self.versions.fleets.len() {
            let first = self.versions.fleets[f].first;
            self.relist(first);
            self.fleet_capacity(f);
        }
        self.discovery_poll();
    }

    /// The track a call to `svc` goes to (by weight), or [`NO_TRACK`].
    #[inline]
    pub(super) fn pick_track(&mut self, svc: ServiceId) -> u8 {
        if !self.versions.any {
            return NO_TRACK;
        }
        match self.versions.fleet_of(svc) {
            Some(f) => self.versions.pick(f),
            None => NO_TRACK,
        }
    }

    /// The version an instance runs (None for a fixed instance).
    #[inline]
    fn version(&self, inst: InstanceId) -> Option<&Version> {
        version_in(&self.versions, &self.topo, inst)
    }

    /// Workers and queue capacity of instance `inst` of service `sid`.
    #[inline]
    pub(super) fn worker_limits(&self, inst: InstanceId, sid: ServiceId) -> (u32, u32) {
        let s = &self.topo.services[sid as usize];
        if !self.versions.any || s.versions.is_empty() {
            return (s.concurrency, s.queue);
        }
        let v = self.version(inst).expect("versioned");
        (v.concurrency, v.queue)
    }

    /// Draws the work of one request on `inst` of service `sid`: its
    /// version's service time, plus its defect's extra work.
    #[inline]
    pub(super) fn work_time(&mut self, inst: InstanceId, sid: ServiceId) -> Nanos {
        let s = &self.topo.services[sid as usize];
        if !self.versions.any || s.versions.is_empty() {
            return s.service_time.sample(&mut self.work);
        }
        let uptime = self.uptime(inst);
        let v = version_in(&self.versions, &self.topo, inst).expect("versioned");
        let extra = v.defect.map_or(0, |d| d.extra_work_at(uptime));
        v.service_time.sample(&mut self.work).saturating_add(extra)
    }

    fn uptime(&self, inst: InstanceId) -> Nanos {
        self.versions.place(&self.topo, inst).map_or(0, |(f, p)| {
            self.now.saturating_sub(self.versions.fleets[f].started[p])
        })
    }

    /// Whether call `c`'s defect fails it after its work (reason `injected`).
    #[inline]
    pub(super) fn defect_fails(&mut self, c: u32) -> bool {
        let inst = self.calls[c].inst;
        let Some(v) = self.version(inst) else {
            return false;
        };
        let Some(d) = v.defect else {
            return false;
        };
        let p = d.error_fraction_at(self.uptime(inst));
        self.versions.rng.chance(p)
    }

    /// Call `c` reached an instance of its track: counted there, and marked
    /// when it is a version other than its service's stable one.
    pub(super) fn track_arrival(&mut self, c: u32) {
        let call = &self.calls[c];
        let sid = self.topo.instances[call.inst as usize].service;
        let Some(f) = self.versions.fleet_of(sid) else {
            return;
        };
        let fleet = &self.versions.fleets[f];
        let t = call.track;
        if fleet
            .version
            .get(t as usize)
            .is_some_and(|&v| v != fleet.stable)
        {
            self.calls[c].touched |= 1 << f;
        }
    }

    /// Counts call `c` at its track (once, as the service counts it).
    pub(super) fn track_request(&mut self, c: u32, target: ServiceId) {
        let Some(g) = self.global_track(c, target) else {
            return;
        };
        self.versions.stats[g].requests += 1;
        self.series.arrival(self.versions.series_base + g as u32);
    }

    /// Records call `c`'s outcome at its track, as the service records it.
    pub(super) fn track_answer(&mut self, c: u32, target: ServiceId, took: Nanos, reason: u8) {
        let Some(g) = self.global_track(c, target) else {
            return;
        };
        let call = self.calls[c];
        let st = &mut self.versions.stats[g];
        st.record(took, reason);
        if reason == 0 && call.has(flag::DEGRADED) {
            st.degraded += 1;
        }
        if call.has(flag::LOCAL) {
            st.local += 1;
        }
        self.series
            .answer(self.versions.series_base + g as u32, took, reason);
        self.sample_answer(g, took, reason);
    }

    /// A retry leaves for track `t` of `target`.
    pub(super) fn track_retry(&mut self, c: u32, target: ServiceId) {
        if let Some(g) = self.global_track(c, target) {
            self.versions.stats[g].retries += 1;
        }
    }

    #[inline]
    fn global_track(&self, c: u32, target: ServiceId) -> Option<usize> {
        let t = self.calls[c].track;
        if t == NO_TRACK {
            return None;
        }
        let f = self.versions.fleet_of(target)?;
        Some((self.versions.fleets[f].base + u32::from(t)) as usize)
    }

    /// An external request ends: if it touched a change in flight, count
    /// it (and its failure) for each service whose new version it reached.
    pub(super) fn touched_request(&mut self, touched: u8, failed: bool) {
        for (f, t) in self.versions.touched.iter_mut().enumerate() {
            if touched & (1 << f) != 0 {
                t.0 += 1;
                t.1 += u64::from(failed);
            }
        }
    }

    /// Figures of every track, in [`Topology::tracks`] order.
    pub fn track_stats(&self) -> &[Stats] {
        &self.versions.stats
    }

    /// The version of every instance now (None: a fixed instance, or a
    /// place that is off), and whether it is in its service's baseline group.
    pub fn instance_version(&self, id: InstanceId) -> Option<(u8, bool)> {
        let (f, p) = self.versions.place(&self.topo, id)?;
        let fleet = &self.versions.fleets[f];
        let t = fleet.track[p];
        if t == NO_TRACK {
            return None;
        }
        Some((fleet.version[t as usize], t == fleet.baseline()))
    }

    /// Per versioned service (in service order): its weights per track in
    /// parts per million, and its stable version.
    pub fn traffic_split(&self) -> Vec<(ServiceId, Vec<u32>, u8)> {
        self.versions
            .fleets
            .iter()
            .map(|f| (f.sid, f.weight.clone(), f.stable))
            .collect()
    }

    /// Per versioned service: external requests that touched one of its new
    /// versions, and how many of them failed.
    pub fn touched(&self) -> &[(u64, u64)] {
        &self.versions.touched
    }

    /// Checks the versions' own invariants: weights add up, every place
    /// that runs has a track and every off place none, paid counts match.
    pub(super) fn check_versions(&self) -> Result<(), String> {
        for fleet in &self.versions.fleets {
            let name = &self.topo.services[fleet.sid as usize].name;
            let sum: u32 = fleet.weight.iter().sum();
            if sum != PPM {
                return Err(format!("{name}: the version weights add up to {sum} ppm"));
            }
            let mut paid = vec![0u32; fleet.tracks()];
            for (p, (&t, &ph)) in fleet.track.iter().zip(&fleet.phase).enumerate() {
                if (t == NO_TRACK) != (ph == Phase::Off) {
                    return Err(format!("{name}: place {p} is {ph:?} with track {t}"));
                }
                if t != NO_TRACK {
                    paid[t as usize] += 1;
                }
            }
            if paid != fleet.paid {
                return Err(format!(
                    "{name}: {:?} places paid per track, counted {paid:?}",
                    fleet.paid
                ));
            }
        }
        Ok(())
    }
}
