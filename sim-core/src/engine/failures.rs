//! Failures by MTBF/MTTR during a run ([`RunOptions::failures`]): every
//! instance, and every zone with `zone_availability`, fails and is repaired by
//! the process `microsim availability --simulate` integrates
//! ([`UpDown`]: exponential up times of mean MTTR·A/(1−A), down times of mean
//! MTTR, each component starting in its steady state), with every time divided
//! by the acceleration: at 525,600 a minute of run covers a year of failures,
//! and a one-hour repair lasts 6.85 ms of run.
//!
//! A failed instance refuses connections, as a kill in mode refuse: what it
//! had queued or in progress is refused, callers keep sending to it until their
//! next discovery poll, and a repaired instance is listed again at the poll
//! after its repair. A zone failure takes every instance placed in the zone,
//! as a zone outage does (regional and global nodes span zones and are taken
//! only by their own failures). Both go through the engine's `take_down` and
//! `bring_up` ([`super::chaos`]), which count the holds on an instance, so a
//! failure overlapping a kill or an outage ends only when both have.
//!
//! The registry starts consistent with the steady state (instances down at
//! time zero are unlisted from the start), and no failure or repair is
//! scheduled past the end of the traffic: what is down then stays down
//! through the drain, as a killed instance does.
//!
//! Cost: one pending event (32 bytes) per instance or zone that can fail and
//! a state byte per instance, only when the option is on; instances at
//! availability 1 (the default) draw nothing and cost nothing more. The
//! draws come from their own stream ([`Purpose::Failures`]), so turning
//! failures on shifts no other random sequence.
//!
//! [`RunOptions::failures`]: crate::run::RunOptions::failures

use super::{Kind, Simulation};
use crate::availability::montecarlo::UpDown;
use crate::availability::Figures;
use crate::duration::Nanos;
use crate::fault::Mode;
use crate::rng::{Purpose, Stream};
use crate::topology::{InstanceId, ANY_ZONE, GLOBAL};

/// Nanoseconds in an hour, the unit of `mttr_h`.
const NS_PER_HOUR: f64 = 3_600.0 * 1e9;

/// The failure processes of a run.
pub(super) struct Failures {
    rng: Stream,
    /// Per service, the process of each of its instances.
    services: Vec<UpDown>,
    /// The process of each zone.
    zone: UpDown,
    /// Whether each instance is failed now (by this process, not by a fault).
    inst_failed: Vec<bool>,
    /// Whether each zone (`region × zones + zone`) is failed now.
    zone_failed: Vec<bool>,
    /// Instance failures so far, those in progress at time zero included.
    outages: u64,
    /// Zone failures so far, likewise.
    zone_outages: u64,
}

/// What the failures did in a run, for summary.json.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct FailureCounts {
    /// The acceleration: virtual time of failures per virtual time of run.
    pub acceleration: f64,
    /// Instance failures (those in progress at time zero included).
    pub instance_failures: u64,
    /// Zone failures, likewise.
    pub zone_failures: u64,
}

impl Failures {
    /// How many failures hold instance `id` down: its own, its zone's.
    pub(super) fn holds(&self, topo: &crate::topology::Topology, id: InstanceId) -> u8 {
        let x = topo.instances[id as usize];
        let zone = x.region != GLOBAL
            && x.zone != ANY_ZONE
            && self.zone_failed[x.region as usize * topo.zones as usize + x.zone as usize];
        u8::from(self.inst_failed[id as usize]) + u8::from(zone)
    }
}

impl Simulation {
    /// Starts the failure processes at time zero, `accel` times faster than
    /// the file's figures: each component in its steady state (zones first,
    /// then instances in id order, as the Monte Carlo check draws them), the
    /// failed ones taken down now, and each one's next change scheduled.
    pub(super) fn start_failures(&mut self, figures: &Figures, accel: f64) {
        let per_hour = NS_PER_HOUR / accel;
        let services: Vec<UpDown> = figures
            .instance_availability
            .iter()
            .zip(&figures.mttr_h)
            .map(|(&a, &mttr)| UpDown::new(a, mttr, per_hour))
            .collect();
        let zone = UpDown::new(figures.zone_availability, figures.zone_mttr_h, per_hour);
        let n_inst = self.topo.instances.len();
        let n_zones = self.topo.regions.len() * self.topo.zones as usize;
        let mut f = Failures {
            rng: Stream::new(self.cfg.seed, Purpose::Failures),
            services,
            zone,
            inst_failed: vec![false; n_inst],
            zone_failed: vec![false; n_zones],
            outages: 0,
            zone_outages: 0,
        };
        let mut failed_now = Vec::new();
        if zone.fails() {
            for zz in 0..n_zones {
                let (up, t) = zone.start(&mut f.rng);
                self.schedule_failure(t, (n_inst + zz) as u32);
                if !up {
                    failed_now.push((n_inst + zz) as u32);
                }
            }
        }
        for i in 0..n_inst {
            let p = f.services[self.topo.instances[i].service as usize];
            if p.fails() {
                let (up, t) = p.start(&mut f.rng);
                self.schedule_failure(t, i as u32);
                if !up {
                    failed_now.push(i as u32);
                }
            }
        }
        self.failures = Some(Box::new(f));
        for id in failed_now {
            self.fail_or_repair(id, true);
        }
        // The registry has seen the steady state: nobody routes to an
        // instance that was down before the run began.
        self.discovery_poll();
    }

    fn schedule_failure(&mut self, after: Nanos, id: u32) {
        let t = self.now.saturating_add(after);
        // Changes after the traffic stops would only stretch the drain.
        if t < self.cfg.duration {
            self.queue.push(t, Kind::Failure, id);
        }
    }

    /// Instance `id` (or zone `id − instances`) changes state: it fails if it
    /// was up, it is repaired if it was down; its next change is scheduled.
    pub(super) fn on_failure(&mut self, id: u32) {
        let n_inst = self.topo.instances.len();
        let f = self
            .failures
            .as_mut()
            .expect("failure events exist only with failures on");
        let i = id as usize;
        let was_failed = if i < n_inst {
            f.inst_failed[i]
        } else {
            f.zone_failed[i - n_inst]
        };
        let process = if i < n_inst {
            f.services[self.topo.instances[i].service as usize]
        } else {
            f.zone
        };
        // The new state is up when it was failed.
        let next = process.lasts(&mut f.rng, was_failed);
        self.schedule_failure(next, id);
        self.fail_or_repair(id, !was_failed);
    }

    /// Takes instance (or zone) `id` down when `fail`, else brings it back,
    /// through the same machinery as kills and zone outages.
    fn fail_or_repair(&mut self, id: u32, fail: bool) {
        let n_inst = self.topo.instances.len();
        let f = self.failures.as_mut().expect("failures on");
        let i = id as usize;
        if i < n_inst {
            f.inst_failed[i] = fail;
            f.outages += u64::from(fail);
            if fail {
                self.take_down(id, Mode::Refuse);
            } else {
                self.bring_up(id);
            }
            return;
        }
        let zz = i - n_inst;
        f.zone_failed[zz] = fail;
        f.zone_outages += u64::from(fail);
        let zones = self.topo.zones as usize;
        let (region, zone) = ((zz / zones) as u16, (zz % zones) as u8);
        for x in self.placed(|x| x.region == region && x.zone == zone) {
            if fail {
                self.take_down(x, Mode::Refuse);
            } else {
                self.bring_up(x);
            }
        }
    }

    /// What the failures did, when the run has them on.
    pub fn failure_counts(&self) -> Option<FailureCounts> {
        let f = self.failures.as_ref()?;
        Some(FailureCounts {
            acceleration: self.cfg.failures.unwrap_or(1.0),
            instance_failures: f.outages,
            zone_failures: f.zone_outages,
        })
    }
}

#[cfg(test)]
mod tests {
    use crate::duration::{MS, SEC};
    use crate::fault::{Action, Mode};
    use crate::run::{Input, RunOptions, RunSpec};

    /// Two zones that fail (0.9), four store instances that fail (0.9) behind
    /// a regional ELB and a global DNS node that never do: an hour of
    /// failures per second of run.
    const ARCH: &str = r#"{"arch":"f","zones":2,"zone_availability":0.9,"traffic":{"rate":50},
        "services":[{"name":"s","package":"store","count":4,"availability":0.9},
        {"name":"lb","package":"elb","count":0,"dependencies":["s"]},
        {"name":"www","package":"denominator","regions":0,"count":0,"dependencies":["lb"]}]}"#;

    fn sim(secs: u64) -> super::Simulation {
        let o = RunOptions {
            duration: secs * SEC,
            record_graph: false,
            failures: Some(3600.0),
            ..RunOptions::default()
        };
        RunSpec::new(Input::new("f", ARCH), None, o)
            .unwrap()
            .simulation()
    }

    /// At every instant an instance is down exactly as many times as its own
    /// failure and its zone's hold it (no scenario here): a zone's repair
    /// does not revive an instance that failed on its own meanwhile, nor the
    /// other way round; the ELB and DNS (availability 1, spanning zones)
    /// never go down.
    #[test]
    fn every_instance_is_down_exactly_while_its_failures_hold_it() {
        let mut s = sim(600);
        let (mut both, mut zone_only, mut own_only) = (0, 0, 0);
        let mut t = 0;
        while t < 600 * SEC {
            t += 10 * MS;
            s.run_until(t);
            let f = s.failures.as_ref().unwrap();
            for id in 0..s.inst.len() as u32 {
                let holds = f.holds(&s.topo, id);
                assert_eq!(s.inst[id as usize].down, holds, "instance {id} at {t}");
                let x = s.topo.instances[id as usize];
                if s.topo.services[x.service as usize].name != "s" {
                    assert_eq!(holds, 0, "{} never fails", s.topo.instance_name(id));
                    continue;
                }
                let own = f.inst_failed[id as usize];
                match (holds, own) {
                    (2, _) => both += 1,
                    (1, true) => own_only += 1,
                    (1, false) => zone_only += 1,
                    _ => {}
                }
            }
        }
        s.run();
        s.check_invariants().unwrap();
        // 600 hours of failures: every case seen many times.
        assert!(
            both > 100 && zone_only > 1000 && own_only > 1000,
            "{both} {zone_only} {own_only}"
        );
        let c = s.failure_counts().unwrap();
        // Each of 4 instances fails every 9 h, each of 2 zones likewise: ≈ 267 and 133.
        assert!((200..340).contains(&c.instance_failures), "{c:?}");
        assert!((90..180).contains(&c.zone_failures), "{c:?}");
    }

    /// Healing every fault (the viewer's "heal all") is not a repair: an
    /// instance held by a failure stays down, refusing, until its repair;
    /// what faults alone held comes back.
    #[test]
    fn healing_faults_leaves_failed_instances_to_their_repair() {
        let mut s = sim(600);
        // Run until some instance of s is failed on its own and another is up.
        let mut t = 0;
        let (failed, up) = loop {
            t += 10 * MS;
            s.run_until(t);
            let f = s.failures.as_ref().unwrap();
            let first = s.topo.services[0].first;
            let ids = first..first + 4;
            let failed = ids.clone().find(|&i| f.inst_failed[i as usize]);
            let up = ids.clone().find(|&i| s.inst[i as usize].down == 0);
            if let (Some(a), Some(b)) = (failed, up) {
                break (a, b);
            }
            assert!(t < 600 * SEC, "no failure seen");
        };
        let x = s.topo.instances[failed as usize];
        s.inject(
            Action::ZoneOutage {
                region: x.region,
                zone: x.zone,
                mode: Mode::Hang,
            },
            None,
        );
        s.inject(
            Action::KillInstance {
                instance: up,
                mode: Mode::Refuse,
            },
            None,
        );
        assert!(s.inst[failed as usize].hang, "the outage's mode applies");
        s.heal_all();
        let f = s.failures.as_ref().unwrap();
        for id in 0..s.inst.len() as u32 {
            assert_eq!(
                s.inst[id as usize].down,
                f.holds(&s.topo, id),
                "instance {id}"
            );
        }
        assert!(s.inst[failed as usize].down > 0 && !s.inst[failed as usize].hang);
        s.check_invariants().unwrap();
        s.run();
        s.check_invariants().unwrap();
    }
}
