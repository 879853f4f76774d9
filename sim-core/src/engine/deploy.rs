//! Deployments while the run goes: the strategies of `fault/deploy.rs` as
//! state machines over the versions' places and weights (`versions.rs`).
//!
//! - **deploy** starts instances of a version; they serve after their
//!   start-up and are listed at the next discovery poll. Traffic does not move.
//! - **shift** sets the weights at once, or as a linear ramp in up to 100
//!   steps of at least a second.
//! - **rollback** sends every request to the stable version at once and
//!   stops every other group (delisted at the next poll).
//! - **red/black** (Spinnaker's): a full group of the new version as large
//!   as the stable one; once it is listed, all traffic switches to it at
//!   once and the old group stays up, unlisted by weight, for a fast
//!   rollback. With an analysis, the new group's first `window` after the
//!   switch is judged against the old group's last `window` before it: a
//!   pass retires the old group, anything else switches back.
//! - **rolling**: a batch of the new version starts; once it is listed, as
//!   many old instances retire and the weights follow the counts; then the
//!   next batch, until all run the new version.
//! - **canary** (Argo Rollouts' steps, Kayenta's groups): a canary group and
//!   a fresh baseline group of the old version, equally large, start; once
//!   both are listed the steps run — `set_weight` gives the canary and the
//!   baseline that share each, `pause` holds it. With an analysis, the end
//!   of every pause judges the canary against the baseline over the pause:
//!   a fail rolls back at once, a marginal goes on, and after the last step
//!   the last verdict must be a pass (Spinnaker's rule for the final
//!   interval) for the canary to be promoted: the baseline group stops, the
//!   canary version grows to the stable one's size, takes all the traffic
//!   once listed, and the old version retires.
//!
//! As Argo Rollouts does, a strategy moves weight only to instances that are
//! ready and listed; a shift asked by hand does what it is told, and a share
//! sent to a version with nothing listed is refused (see `versions.rs`). A
//! new deployment of a service supersedes the one in progress.

use super::{Kind, Simulation, NONE};
use crate::duration::{Nanos, SEC};
use crate::fault::deploy::Rollout;
use crate::topology::PPM;

mod ramp;
mod strategies;

/// Most deployments a run may start (a scenario's and the viewer's): each
/// keeps its report and verdicts for summary.json.
pub const MAX_ROLLOUTS: usize = 1000;
/// Most steps of a ramp.
const MAX_RAMP_TICKS: u64 = 100;

/// What became of a deployment.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// Still going.
    Running,
    /// Done what it was asked (a deploy, a shift, a rollback; a red/black
    /// push without analysis, its old group kept).
    Done,
    /// The new version took all the traffic and the old one retired.
    Promoted,
    /// Traffic went back to the stable version.
    RolledBack,
    /// Another deployment of the service took over.
    Superseded,
    /// Nothing to do: the version asked for is already the stable one.
    Skipped,
}

impl Outcome {
    /// Its name in summary.json.
    pub fn name(self) -> &'static str {
        match self {
            Outcome::Running => "running",
            Outcome::Done => "done",
            Outcome::Promoted => "promoted",
            Outcome::RolledBack => "rolled_back",
            Outcome::Superseded => "superseded",
            Outcome::Skipped => "skipped",
        }
    }
}

/// What a deployment did, for summary.json.
#[derive(Debug, Clone)]
pub struct Report {
    /// Its plan.
    pub plan: Rollout,
    /// The stable version when it started.
    pub stable: u8,
    /// When it started.
    pub started: Nanos,
    /// When the new version first got traffic.
    pub traffic: Option<Nanos>,
    /// When the judge first failed it.
    pub detected: Option<Nanos>,
    /// When traffic went back to the stable version.
    pub rolled_back: Option<Nanos>,
    /// When the new version took all the traffic.
    pub promoted: Option<Nanos>,
    /// When it ended (None: still going at the end of the run).
    pub finished: Option<Nanos>,
    /// How it ended.
    pub outcome: Outcome,
    /// Instances it started (every region).
    pub started_instances: u32,
    /// The judge's verdicts, in order.
    pub verdicts: Vec<super::analysis::VerdictRecord>,
    /// End-to-end (answered, ok) when it started, and when it ended.
    pub e2e_start: (u64, u64),
    /// At its end.
    pub e2e_end: Option<(u64, u64)>,
    /// The service's touched counters (requests, failed) when it started.
    pub touched_start: (u64, u64),
    /// When the next deployment of the service started (None: the run's end).
    pub touched_end: Option<(u64, u64)>,
}

/// Where a deployment is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Stage {
    /// Waiting for its instances to be listed, then doing `Next`.
    Listed(Next),
    /// A timer is pending.
    Timer(Next),
    /// Over.
    Over,
}

/// What comes next.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Next {
    /// Red/black: switch to the new group; then judge it.
    Switch,
    /// Red/black: judge the new group.
    JudgeSwitch,
    /// Rolling: the batch is listed; retire as many old ones.
    Batch,
    /// Rolling: start the next batch.
    StartBatch,
    /// Canary: run the steps from the current one.
    Steps,
    /// Canary: a pause ended.
    PauseEnd,
    /// Canary: the grown canary version is listed: take all the traffic.
    Promote,
    /// Shift: one more step of the ramp.
    Ramp,
}

/// One deployment of a run.
#[derive(Debug, Clone)]
pub(super) struct RolloutState {
    pub report: Report,
    f: usize,
    stage: Stage,
    /// When the pending timer fires (events at other times are stale).
    timer: Nanos,
    /// Canary: the next step; rolling: instances replaced per region.
    step: usize,
    /// Canary: the weight it has now (ppm).
    weight: u32,
    /// Ramp: the weights it started from and goes to, ticks done and in all.
    ramp: Option<ramp::Ramp>,
    /// Its analysis, when judged.
    pub analysis: Option<super::analysis::Analyser>,
}

impl RolloutState {
    /// The share of traffic its new version has now, for a verdict: a
    /// canary's weight, or all of it after a red/black switch.
    pub(super) fn weight_now(&self) -> u32 {
        match self.report.plan {
            Rollout::Canary { .. } => self.weight,
            _ => PPM,
        }
    }
}

/// The deployments of a run.
#[derive(Debug, Default)]
pub(super) struct Rollouts {
    pub list: Vec<RolloutState>,
    /// Per fleet: the deployment in progress, or NONE.
    active: Vec<u32>,
    /// Per track of the run: the deployment whose judge samples its answers
    /// and as which group (0 baseline, 1 canary), or (NONE, 0).
    pub by_track: Vec<(u32, u8)>,
}

impl Simulation {
    /// Schedules the scenario's deployments.
    pub(super) fn schedule_deployments(&mut self) {
        self.rollouts.active = vec![NONE; self.versions.fleets.len()];
        for (i, d) in self.chaos.scenario.deployments.iter().enumerate() {
            if d.at < self.cfg.duration {
                self.queue.push(d.at, Kind::Deploy, i as u32);
            }
        }
    }

    /// Deployment `i` of the scenario starts.
    pub(super) fn deployment_starts(&mut self, i: u32) {
        let plan = self.chaos.scenario.deployments[i as usize].action.clone();
        // A scenario holds at most MAX_DEPLOYMENTS, within MAX_ROLLOUTS.
        let _ = self.deploy(plan);
    }

    /// Starts a deployment now (the scenario's, or the viewer's). Refused
    /// once [`MAX_ROLLOUTS`] have started.
    pub fn deploy(&mut self, plan: Rollout) -> Result<(), String> {
        if self.rollouts.list.len() >= MAX_ROLLOUTS {
            return Err(format!(
                "{MAX_ROLLOUTS} deployments have started in this run, the most it keeps reports for."
            ));
        }
        let f = self
            .versions
            .fleet_of(plan.service())
            .ok_or("the service has no versions")?;
        if self.rollouts.active.is_empty() {
            self.rollouts.active = vec![NONE; self.versions.fleets.len()];
        }
        let prev = self.rollouts.active[f];
        if prev != NONE {
            self.end_rollout(prev as usize, Outcome::Superseded);
        }
        let touched = self.versions.touched[f];
        // The previous deployment of this service is credited up to now.
        for r in self.rollouts.list.iter_mut().filter(|r| r.f == f) {
            r.report.touched_end.get_or_insert(touched);
        }
        let stable = self.versions.fleets[f].stable;
        let id = self.rollouts.list.len();
        self.rollouts.list.push(RolloutState {
            report: Report {
                plan: plan.clone(),
                stable,
                started: self.now,
                traffic: None,
                detected: None,
                rolled_back: None,
                promoted: None,
                finished: None,
                outcome: Outcome::Running,
                started_instances: 0,
                verdicts: Vec::new(),
                e2e_start: (self.end_to_end.answered(), self.end_to_end.ok),
                e2e_end: None,
                touched_start: touched,
                touched_end: None,
            },
            f,
            stage: Stage::Over,
            timer: Nanos::MAX,
            step: 0,
            weight: 0,
            ramp: None,
            analysis: None,
        });
        self.rollouts.active[f] = id as u32;
        self.begin(id, plan);
        Ok(())
    }

    fn begin(&mut self, id: usize, plan: Rollout) {
        let f = self.rollouts.list[id].f;
        let stable = self.versions.fleets[f].stable;
        match plan {
            Rollout::Deploy {
                version,
                instances,
                startup,
                ..
            } => {
                let n = instances.unwrap_or_else(|| self.versions.fleets[f].running(stable, 0));
                self.start_for(id, version, version, n, startup);
                self.end_rollout(id, Outcome::Done);
            }
            Rollout::Shift { weights, over, .. } => {
                let mut to = weights;
                to.push(0);
                match over {
                    None => {
                        self.apply_weights(id, &to);
                        self.end_rollout(id, Outcome::Done);
                    }
                    Some(d) => {
                        let ticks = (d / SEC).clamp(1, MAX_RAMP_TICKS);
                        let from = self.versions.fleets[f].weight.clone();
                        self.rollouts.list[id].ramp = Some(ramp::Ramp {
                            from,
                            to,
                            done: 0,
                            ticks,
                            every: d / ticks,
                        });
                        self.set_timer(id, self.now + d / ticks, Next::Ramp);
                    }
                }
            }
            Rollout::Rollback { .. } => {
                self.roll_back(f);
                self.end_rollout(id, Outcome::Done);
            }
            Rollout::RedBlack {
                version,
                startup,
                analysis,
                ..
            } => {
                if version == stable {
                    return self.end_rollout(id, Outcome::Skipped);
                }
                let n = self.versions.fleets[f].running(stable, 0);
                self.start_for(id, version, version, n, startup);
                if let Some(a) = analysis {
                    // The old group's last window before the switch is the baseline.
                    let analyser = self.analyser(f, &a, stable, version, true);
                    self.rollouts.list[id].analysis = Some(analyser);
                    self.start_sampling(id);
                }
                self.rollouts.list[id].stage = Stage::Listed(Next::Switch);
            }
            Rollout::Rolling { .. } => {
                let Rollout::Rolling { version, .. } = plan else {
                    unreachable!()
                };
                if version == stable {
                    return self.end_rollout(id, Outcome::Skipped);
                }
                self.next_batch(id);
            }
            Rollout::Canary {
                canary,
                baseline,
                instances,
                startup,
                analysis,
                ..
            } => {
                if canary == stable {
                    return self.end_rollout(id, Outcome::Skipped);
                }
                let b = self.versions.fleets[f].baseline();
                self.start_for(id, canary, canary, instances, startup);
                self.start_for(id, b, baseline, instances, startup);
                if let Some(a) = analysis {
                    let analyser = self.analyser(f, &a, b, canary, false);
                    self.rollouts.list[id].analysis = Some(analyser);
                }
                self.rollouts.list[id].stage = Stage::Listed(Next::Steps);
            }
        }
    }

    /// Starts `n` places per region in `track` running `version`, counted
    /// in deployment `id`'s report.
    fn start_for(&mut self, id: usize, track: u8, version: u8, n: u32, startup: Nanos) {
        let f = self.rollouts.list[id].f;
        let started = self.start_places(f, track, version, n, startup);
        self.rollouts.list[id].report.started_instances += started;
    }

    fn set_timer(&mut self, id: usize, at: Nanos, next: Next) {
        let r = &mut self.rollouts.list[id];
        r.stage = Stage::Timer(next);
        r.timer = at;
        self.timer(at, Kind::Rollout, id as u32);
    }

    /// Schedules a deployment's timer (a step, a sample) if it falls before
    /// the traffic stops, as autoscaling and discovery do: after that no
    /// decision can matter, and a run stepped past its end (the live view)
    /// must end as a run to completion does.
    pub(super) fn timer(&mut self, at: Nanos, kind: Kind, id: u32) {
        if at < self.cfg.duration {
            self.queue.push(at, kind, id);
        }
    }

    /// Sets fleet weights for deployment `id`, noting when the new version
    /// first got traffic.
    fn apply_weights(&mut self, id: usize, w: &[u32]) {
        let f = self.rollouts.list[id].f;
        self.set_weights(f, w);
        let fleet = &self.versions.fleets[f];
        let stable = fleet.stable;
        let new_traffic = w
            .iter()
            .enumerate()
            .any(|(t, &x)| x > 0 && fleet.version[t] != stable);
        let r = &mut self.rollouts.list[id].report;
        if new_traffic && r.traffic.is_none() {
            r.traffic = Some(self.now);
        }
    }

    /// Weights with `pairs` (track, ppm) and the rest of the traffic on the
    /// stable version's track.
    fn weights_with(&self, f: usize, pairs: &[(u8, u32)]) -> Vec<u32> {
        let fleet = &self.versions.fleets[f];
        let mut w = vec![0; fleet.tracks()];
        let given: u32 = pairs.iter().map(|p| p.1).sum();
        for &(t, x) in pairs {
            w[t as usize] += x;
        }
        w[fleet.stable as usize] += PPM - given;
        w
    }

    /// Every request to the stable version at once; every other group stops.
    fn roll_back(&mut self, f: usize) {
        let stable = self.versions.fleets[f].stable;
        let w = self.weights_with(f, &[]);
        self.set_weights(f, &w);
        for t in 0..self.versions.fleets[f].tracks() as u8 {
            if t != stable {
                self.retire_places(f, t, u32::MAX);
            }
        }
    }

    /// Ends deployment `id` with `outcome`.
    fn end_rollout(&mut self, id: usize, outcome: Outcome) {
        let e2e = (self.end_to_end.answered(), self.end_to_end.ok);
        let r = &mut self.rollouts.list[id];
        r.stage = Stage::Over;
        r.report.outcome = outcome;
        r.report.finished = Some(self.now);
        r.report.e2e_end = Some(e2e);
        if outcome == Outcome::RolledBack {
            r.report.rolled_back = Some(self.now);
        }
        if outcome == Outcome::Promoted {
            r.report.promoted = Some(self.now);
        }
        if let Some(a) = &mut r.analysis {
            a.stop();
        }
        let f = r.f;
        if self.rollouts.active.get(f) == Some(&(id as u32)) {
            self.rollouts.active[f] = NONE;
        }
    }

    /// The judge failed deployment `id` (or its last verdict was not a
    /// pass): traffic back to the stable version, the new groups stop.
    fn abort(&mut self, id: usize) {
        let f = self.rollouts.list[id].f;
        self.roll_back(f);
        self.end_rollout(id, Outcome::RolledBack);
    }

    /// After a discovery poll: deployments waiting for their instances to
    /// be listed go on.
    pub(super) fn rollouts_polled(&mut self) {
        for id in 0..self.rollouts.list.len() {
            let Stage::Listed(next) = self.rollouts.list[id].stage else {
                continue;
            };
            let f = self.rollouts.list[id].f;
            let fleet = &self.versions.fleets[f];
            let listed = match self.rollouts.list[id].report.plan {
                Rollout::Canary { canary, .. } if next == Next::Steps => {
                    fleet.all_ready(canary) && fleet.all_ready(fleet.baseline())
                }
                Rollout::Canary { canary, .. } => fleet.all_ready(canary),
                Rollout::RedBlack { version, .. } | Rollout::Rolling { version, .. } => {
                    fleet.all_ready(version)
                }
                _ => true,
            };
            if listed {
                self.advance(id, next);
            }
        }
    }

    /// A deployment's timer fired.
    pub(super) fn rollout_timer(&mut self, id: u32) {
        let id = id as usize;
        let r = &self.rollouts.list[id];
        match r.stage {
            Stage::Timer(next) if r.timer == self.now => self.advance(id, next),
            _ => {} // superseded or ended since
        }
    }

    /// Reports of every deployment so far, in the order they started.
    pub fn deployments(&self) -> impl Iterator<Item = &Report> {
        self.rollouts.list.iter().map(|r| &r.report)
    }
}
