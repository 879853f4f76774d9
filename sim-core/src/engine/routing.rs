//! Which instance a caller talks to: one of the instances service discovery
//! lists (all of them until something dies), in the caller's region when the
//! service is there; zone-aware callers prefer their own zone, avoid instances
//! they saw fail and retry in another zone. For a service with versions the
//! caller has chosen a track by weight first (`versions.rs`), and picks among
//! that track's listed instances.

use super::{Simulation, NONE, NO_TRACK};
use crate::topology::{InstanceId, Placement, ServiceId, ANY_ZONE, GLOBAL};

/// A caller's routing preferences for one pick.
#[derive(Debug, Clone, Copy)]
pub(super) struct Prefs {
    /// Apply zone affinity and ejection.
    pub zone_aware: bool,
    /// The caller's zone ([`ANY_ZONE`] for regional and global callers).
    pub zone: u8,
    /// A zone to stay away from (the previous attempt's), or [`ANY_ZONE`].
    pub avoid_zone: u8,
}

impl Prefs {
    /// No preference: uniform over the listed instances.
    pub const ANY: Prefs = Prefs {
        zone_aware: false,
        zone: ANY_ZONE,
        avoid_zone: ANY_ZONE,
    };
}

/// Draws a zone-aware caller makes before settling for what it got.
const ZONE_AWARE_DRAWS: u32 = 4;

impl Simulation {
    /// Chooses the instance of `svc` that `caller` (in `region`) talks to, in
    /// routing track `track` ([`NO_TRACK`] for a service without versions),
    /// or None when discovery lists no instance of it anywhere.
    #[inline]
    pub(super) fn pick_instance(
        &mut self,
        svc: ServiceId,
        caller: InstanceId,
        region: u16,
        prefs: Prefs,
        track: u8,
    ) -> Option<InstanceId> {
        let t = if track == NO_TRACK {
            0
        } else {
            u32::from(track)
        };
        let s = &self.topo.services[svc as usize];
        let own = if s.regions == 1 {
            Some(0)
        } else if region == GLOBAL {
            None
        } else {
            Some(u32::from(region) % s.regions)
        };
        let r = match (&self.chaos.views[svc as usize], own) {
            (None, Some(r)) => r,
            (None, None) => self.routing.below(s.regions),
            (Some(v), Some(r)) if !v.region(t, r).is_empty() => r,
            (Some(v), _) => {
                // Fail over to a region where something is listed.
                let live = (0..v.regions())
                    .filter(|&r| !v.region(t, r).is_empty())
                    .count() as u32;
                if live == 0 {
                    return None;
                }
                let k = self.routing.below(live) as usize;
                (0..v.regions())
                    .filter(|&r| !v.region(t, r).is_empty())
                    .nth(k)
                    .expect("counted")
            }
        };
        if !prefs.zone_aware {
            return Some(self.draw(svc, r, ANY_ZONE, t));
        }
        let own_zone = if prefs.zone == prefs.avoid_zone {
            ANY_ZONE
        } else {
            prefs.zone
        };
        let mut pick = NONE;
        for attempt in 0..ZONE_AWARE_DRAWS {
            let want = if attempt < 2 { own_zone } else { ANY_ZONE };
            pick = self.draw(svc, r, want, t);
            if attempt + 1 == ZONE_AWARE_DRAWS {
                break;
            }
            let z = self.topo.instances[pick as usize].zone;
            if (prefs.avoid_zone != ANY_ZONE && z == prefs.avoid_zone)
                || (want != ANY_ZONE && z != want)
                || self.clients.is_ejected(&self.topo, caller, pick, self.now)
            {
                continue;
            }
            break;
        }
        Some(pick)
    }

    /// One listed instance of track `t` of `svc` in region slot `r`, in
    /// `zone` when the service has listed instances there (else any listed
    /// one of the region).
    #[inline]
    fn draw(&mut self, svc: ServiceId, r: u32, zone: u8, t: u32) -> InstanceId {
        if let Some(v) = &self.chaos.views[svc as usize] {
            let in_zone = v.zone(t, r, zone);
            let list = if in_zone.is_empty() {
                v.region(t, r)
            } else {
                in_zone
            };
            return list[self.routing.below(list.len() as u32) as usize];
        }
        let s = &self.topo.services[svc as usize];
        let start = self.topo.instances_in(svc, r).start;
        if s.per_region == 1 {
            return start;
        }
        let zones = self.topo.zones.max(1);
        let z = u32::from(zone);
        if zone != ANY_ZONE && s.placement == Placement::Zoned && z < s.per_region.min(zones) {
            // Instance i sits in zone i % zones: the zone's members are z, z + zones, ...
            let members = (s.per_region - z).div_ceil(zones);
            return start + z + zones * self.routing.below(members);
        }
        start + self.routing.below(s.per_region)
    }
}
