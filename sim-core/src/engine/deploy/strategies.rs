//! The strategies' moves once a deployment's instances are listed or its
//! timer fires: red/black's switch and judgement, rolling's batches, the
//! canary's steps, pauses, verdicts and promotion (see `deploy.rs` for the
//! published models each follows).

use super::{Next, Outcome, Stage};
use crate::engine::Simulation;
use crate::fault::deploy::{Rollout, Step};
use crate::topology::{to_ppm, PPM};

impl Simulation {
    /// Deployment `id` moves on to `next`.
    pub(super) fn advance(&mut self, id: usize, next: Next) {
        let f = self.rollouts.list[id].f;
        let plan = self.rollouts.list[id].report.plan.clone();
        match (next, plan) {
            (Next::Ramp, _) => self.ramp_tick(id),
            (Next::Switch, Rollout::RedBlack { version, .. }) => {
                let w = self.weights_with(f, &[(version, PPM)]);
                self.apply_weights(id, &w);
                match self.rollouts.list[id]
                    .analysis
                    .as_ref()
                    .map(crate::engine::analysis::Analyser::window)
                {
                    Some(window) => {
                        self.switch_sampling(id);
                        self.set_timer(id, self.now + window, Next::JudgeSwitch);
                    }
                    // Done: the old group stays up, unweighted, for a rollback.
                    None => self.end_rollout(id, Outcome::Done),
                }
            }
            (Next::JudgeSwitch, Rollout::RedBlack { version, .. }) => {
                let verdict = self.judge_now(id);
                if verdict == Some(crate::canary::Verdict::Pass) {
                    let old = self.versions.fleets[f].stable;
                    self.versions.fleets[f].stable = version;
                    self.retire_places(f, old, u32::MAX);
                    self.end_rollout(id, Outcome::Promoted);
                } else {
                    self.abort(id);
                }
            }
            (Next::Batch, Rollout::Rolling { version, pause, .. }) => {
                let fleet = &self.versions.fleets[f];
                let stable = fleet.stable;
                let fresh = fleet.running(version, 0);
                let old = fleet.running(stable, 0);
                let retire = fresh.saturating_sub(self.rollouts.list[id].step as u32);
                self.retire_places(f, stable, retire);
                self.rollouts.list[id].step = fresh as usize;
                let old_left = old.saturating_sub(retire);
                let mut w = vec![0.0; self.versions.fleets[f].tracks()];
                w[version as usize] = f64::from(fresh);
                w[stable as usize] = f64::from(old_left);
                self.apply_weights(id, &to_ppm(w.into_iter()));
                if old_left == 0 {
                    self.versions.fleets[f].stable = version;
                    self.end_rollout(id, Outcome::Promoted);
                } else if pause > 0 {
                    self.set_timer(id, self.now + pause, Next::StartBatch);
                } else {
                    self.next_batch(id);
                }
            }
            (Next::StartBatch, Rollout::Rolling { .. }) => self.next_batch(id),
            (Next::Steps, Rollout::Canary { .. }) => self.run_steps(id),
            (Next::PauseEnd, Rollout::Canary { .. }) => {
                if self.rollouts.list[id].analysis.is_some() {
                    let verdict = self.judge_now(id);
                    if verdict == Some(crate::canary::Verdict::Fail) {
                        return self.abort(id);
                    }
                }
                self.rollouts.list[id].step += 1;
                self.run_steps(id);
            }
            (Next::Promote, Rollout::Canary { canary, .. }) => {
                let w = self.weights_with(f, &[(canary, PPM)]);
                self.apply_weights(id, &w);
                let old = self.versions.fleets[f].stable;
                self.versions.fleets[f].stable = canary;
                self.retire_places(f, old, u32::MAX);
                self.end_rollout(id, Outcome::Promoted);
            }
            _ => unreachable!("a stage of another strategy"),
        }
    }

    /// Rolling: starts the next batch of the new version.
    pub(super) fn next_batch(&mut self, id: usize) {
        let Rollout::Rolling {
            version,
            batch,
            startup,
            ..
        } = self.rollouts.list[id].report.plan
        else {
            unreachable!()
        };
        let f = self.rollouts.list[id].f;
        let fleet = &self.versions.fleets[f];
        let left = fleet.running(fleet.stable, 0);
        self.start_for(id, version, version, batch.min(left), startup);
        self.rollouts.list[id].stage = Stage::Listed(Next::Batch);
    }

    /// Canary: runs steps from the current one until a pause, or promotes.
    pub(super) fn run_steps(&mut self, id: usize) {
        let Rollout::Canary {
            canary,
            instances,
            startup,
            ref steps,
            ..
        } = self.rollouts.list[id].report.plan
        else {
            unreachable!()
        };
        let steps = steps.clone();
        let f = self.rollouts.list[id].f;
        let b = self.versions.fleets[f].baseline();
        while self.rollouts.list[id].step < steps.len() {
            match steps[self.rollouts.list[id].step] {
                Step::SetWeight(x) => {
                    self.rollouts.list[id].weight = x;
                    let w = self.weights_with(f, &[(canary, x), (b, x)]);
                    self.apply_weights(id, &w);
                    self.rollouts.list[id].step += 1;
                }
                Step::Pause(d) => {
                    if self.rollouts.list[id].analysis.is_some() {
                        self.start_sampling(id);
                    }
                    return self.set_timer(id, self.now + d, Next::PauseEnd);
                }
            }
        }
        // After the last step the last verdict must be a pass.
        let last = self.rollouts.list[id]
            .report
            .verdicts
            .last()
            .map(|v| v.verdict);
        if self.rollouts.list[id].analysis.is_some() && last != Some(crate::canary::Verdict::Pass) {
            return self.abort(id);
        }
        // Promote: the baseline stops, the canary version grows to the stable one's size.
        let x = self.rollouts.list[id].weight;
        self.retire_places(f, b, u32::MAX);
        let w = self.weights_with(f, &[(canary, x)]);
        self.apply_weights(id, &w);
        let fleet = &self.versions.fleets[f];
        let more = fleet.running(fleet.stable, 0).saturating_sub(instances);
        self.start_for(id, canary, canary, more, startup);
        self.rollouts.list[id].stage = Stage::Listed(Next::Promote);
    }
}
