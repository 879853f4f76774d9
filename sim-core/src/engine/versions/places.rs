//! The life of a versioned service's places: started in a track (booting,
//! then ready and listed at the next discovery poll), retired (delisted at
//! the next poll, finishing what reached them), and the instances paid for
//! per track — the same Off/Starting/Ready/Retiring machine as autoscaling's
//! (`engine/autoscale.rs`).

use super::Phase;
use crate::duration::Nanos;
use crate::engine::calls::NO_TRACK;
use crate::engine::{Kind, Simulation};
use crate::topology::{InstanceId, ServiceId};

impl Simulation {
    /// Starts up to `n` places per region of fleet `f` in `track`, running
    /// `version`: the lowest that are off, idle and up. They serve after
    /// `startup` and are listed at the next poll. Returns how many started.
    pub(in crate::engine) fn start_places(
        &mut self,
        f: usize,
        track: u8,
        version: u8,
        n: u32,
        startup: Nanos,
    ) -> u32 {
        let fleet = &mut self.versions.fleets[f];
        fleet.version[track as usize] = version;
        let mut started = Vec::new();
        for r in 0..fleet.regions() {
            let lo = (r * fleet.per_region) as usize;
            let free = |p: &usize| {
                let st = &self.inst[(fleet.first as usize) + p];
                fleet.phase[*p] == Phase::Off && fleet.track[*p] == NO_TRACK && st.down == 0
            };
            let idle = |p: &usize| {
                let st = &self.inst[(fleet.first as usize) + p];
                st.busy == 0 && st.queued == 0
            };
            let range = lo..lo + fleet.per_region as usize;
            // Idle places first: one still finishing old work would mix its figures.
            let mut pick: Vec<usize> = range
                .clone()
                .filter(free)
                .filter(idle)
                .take(n as usize)
                .collect();
            if pick.len() < n as usize {
                let more: Vec<usize> = range
                    .filter(free)
                    .filter(|p| !pick.contains(p))
                    .take(n as usize - pick.len())
                    .collect();
                pick.extend(more);
            }
            started.extend(pick);
        }
        for &p in &started {
            fleet.track[p] = track;
            fleet.phase[p] = Phase::Starting;
            fleet.paid[track as usize] += 1;
        }
        let first = fleet.first;
        let count = started.len() as u32;
        for p in started {
            self.queue.push(
                self.now.saturating_add(startup),
                Kind::Ready,
                first + p as InstanceId,
            );
        }
        self.fleet_capacity(f);
        count
    }

    /// Stops `track`'s places of fleet `f`, at most `n` per region (highest
    /// first; those still starting go first): a ready one is delisted at the
    /// next poll and finishes what reached it.
    pub(in crate::engine) fn retire_places(&mut self, f: usize, track: u8, n: u32) {
        let fleet = &mut self.versions.fleets[f];
        let mut delist = Vec::new();
        for r in 0..fleet.regions() {
            let lo = (r * fleet.per_region) as usize;
            let mut left = n;
            for p in (lo..lo + fleet.per_region as usize).rev() {
                if left > 0 && fleet.track[p] == track && fleet.phase[p] == Phase::Starting {
                    fleet.phase[p] = Phase::Off;
                    fleet.track[p] = NO_TRACK;
                    fleet.paid[track as usize] -= 1;
                    left -= 1;
                }
            }
            for p in (lo..lo + fleet.per_region as usize).rev() {
                if left > 0 && fleet.track[p] == track && fleet.phase[p] == Phase::Ready {
                    fleet.phase[p] = Phase::Retiring;
                    delist.push(fleet.first + p as InstanceId);
                    left -= 1;
                }
            }
        }
        for id in delist {
            self.changed(id);
        }
        self.fleet_capacity(f);
    }

    /// Sets the traffic split of fleet `f` (parts per million per track).
    pub(in crate::engine) fn set_weights(&mut self, f: usize, w: &[u32]) {
        self.versions.fleets[f].set_weights(w);
    }

    /// A starting place of a versioned service has booted.
    pub(in crate::engine) fn version_ready(&mut self, id: InstanceId) {
        let Some((f, p)) = self.versions.place(&self.topo, id) else {
            return;
        };
        let fleet = &mut self.versions.fleets[f];
        if fleet.phase[p] == Phase::Starting {
            fleet.phase[p] = Phase::Ready;
            fleet.started[p] = self.now;
            self.changed(id);
        }
    }

    /// After a poll delisted the retiring places of `sid`, they are off.
    pub(in crate::engine) fn versions_delisted(&mut self, sid: ServiceId) {
        let Some(f) = self.versions.fleet_of(sid) else {
            return;
        };
        let fleet = &mut self.versions.fleets[f];
        let mut any = false;
        for p in 0..fleet.phase.len() {
            if fleet.phase[p] == Phase::Retiring {
                fleet.phase[p] = Phase::Off;
                fleet.paid[fleet.track[p] as usize] -= 1;
                fleet.track[p] = NO_TRACK;
                any = true;
            }
        }
        if any {
            self.fleet_capacity(f);
        }
    }

    /// Instances paid for changed in fleet `f`: the service's capacity and
    /// every track's row say so.
    pub(in crate::engine) fn fleet_capacity(&mut self, f: usize) {
        let (paid, total) = self.versions.paid(f);
        let base = self.versions.series_base + self.versions.fleets[f].base;
        for (t, &n) in paid.iter().enumerate() {
            self.series.set_track_instances(base + t as u32, n);
        }
        let sid = self.versions.fleets[f].sid;
        self.scaler.set_paid(sid, total, self.now);
        self.series.set_instances(sid, total);
    }
}
