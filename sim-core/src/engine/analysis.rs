//! Automated canary analysis inside a run: what a deployment's judge
//! (`crate::canary`, Kayenta's) is given, and when.
//!
//! Kayenta reads each metric of the baseline and the canary groups as time
//! series at a fixed `step` over an analysis interval, and compares the two
//! sets of values. Here a group's *sample* of a metric is one value per step,
//! from the answers its instances gave in that step: the error rate (failed
//! ÷ answered), the mean latency, or a percentile of it. A step in which a
//! group answered nothing has no value (Kayenta drops the NaN).
//!
//! - A canary is judged at the end of every pause, over the samples of the
//!   pause, canary group against the baseline group (same version as the
//!   stable one, started at the same time, given the same weight).
//! - A red/black push is judged `window` after the switch: the new group's
//!   samples since the switch against the old group's last `window` of
//!   samples before it (Kayenta's before/after comparison, when no baseline
//!   runs beside the new version).

use super::{Kind, Simulation, NONE};
use crate::canary::{self, Classifier, Judgement, MetricSpec, Thresholds, Verdict};
use crate::duration::Nanos;
use crate::fault::deploy::{Analysis, DirectionSpec, MetricKind};
use crate::metrics::LazyHistogram;

/// One group's answers in the current step.
#[derive(Debug, Clone)]
struct Acc {
    answered: u64,
    failed: u64,
    latency_sum: u128,
    /// Only when a percentile metric is judged.
    hist: Option<LazyHistogram>,
}

impl Acc {
    fn new(percentiles: bool) -> Acc {
        Acc {
            answered: 0,
            failed: 0,
            latency_sum: 0,
            hist: percentiles.then(|| LazyHistogram::new(3)),
        }
    }

    fn value(&self, m: MetricKind) -> f64 {
        if self.answered == 0 {
            return f64::NAN;
        }
        match (m, &self.hist) {
            (MetricKind::ErrorRate, _) => self.failed as f64 / self.answered as f64,
            (MetricKind::LatencyMean, _) => self.latency_sum as f64 / self.answered as f64 / 1e6,
            (_, Some(h)) => h.value_at_quantile(m.quantile().expect("a percentile")) as f64 / 1e6,
            (_, None) => f64::NAN,
        }
    }

    fn reset(&mut self) {
        (self.answered, self.failed, self.latency_sum) = (0, 0, 0);
        if let Some(h) = &mut self.hist {
            h.reset();
        }
    }
}

/// A deployment's judge and the samples it is gathering.
#[derive(Debug, Clone)]
pub(super) struct Analyser {
    settings: Analysis,
    /// Global tracks of the two groups: baseline (0) and canary (1).
    pub tracks: [u32; 2],
    /// Whether each group is being sampled.
    sampling: [bool; 2],
    acc: [Acc; 2],
    /// Per group, per metric: the values of the interval.
    samples: [Vec<Vec<f64>>; 2],
    /// Red/black: the baseline keeps only its last `window` of samples.
    ring: Option<usize>,
    /// When the current step ends (NONE-like MAX: not sampling).
    next_tick: Nanos,
}

impl Analyser {
    /// The red/black window.
    pub fn window(&self) -> Nanos {
        self.settings.window
    }

    /// Stops sampling (the deployment ended).
    pub fn stop(&mut self) {
        self.sampling = [false, false];
        self.next_tick = Nanos::MAX;
        // An ended deployment keeps its report, not its samples: only the
        // deployments in progress (one per versioned service) hold any.
        self.samples = Default::default();
        self.acc.iter_mut().for_each(|a| a.hist = None);
    }

    fn record(&mut self, group: usize, took: Nanos, reason: u8) {
        if !self.sampling[group] {
            return;
        }
        let a = &mut self.acc[group];
        a.answered += 1;
        a.failed += u64::from(reason != 0);
        a.latency_sum += u128::from(took);
        if let Some(h) = &mut a.hist {
            h.record(took);
        }
    }

    /// Closes the step: each sampled group's values join its samples.
    fn close_step(&mut self) {
        for g in 0..2 {
            if !self.sampling[g] {
                continue;
            }
            for (i, &(m, _)) in self.settings.metrics.iter().enumerate() {
                let v = self.acc[g].value(m);
                let s = &mut self.samples[g][i];
                s.push(v);
                if let (0, Some(cap)) = (g, self.ring) {
                    if s.len() > cap {
                        s.remove(0);
                    }
                }
            }
            self.acc[g].reset();
        }
    }

    fn clear(&mut self, group: usize) {
        for s in &mut self.samples[group] {
            s.clear();
        }
        self.acc[group].reset();
    }
}

/// One verdict of a deployment's judge.
#[derive(Debug, Clone)]
pub struct VerdictRecord {
    /// When it was given.
    pub at: Nanos,
    /// The canary's weight then (ppm; the whole traffic for red/black).
    pub weight: u32,
    /// Samples per group compared (baseline, canary), the most over the metrics.
    pub samples: (usize, usize),
    /// The judgement: score, verdict and per-metric classification.
    pub judgement: Judgement,
    /// The verdict.
    pub verdict: Verdict,
}

impl Simulation {
    /// A judge for fleet `f` comparing track `baseline` (group 0) with
    /// track `canary` (group 1). `before_after`: red/black, whose baseline
    /// is the old group's last window before the switch.
    pub(super) fn analyser(
        &mut self,
        f: usize,
        a: &Analysis,
        baseline: u8,
        canary: u8,
        before_after: bool,
    ) -> Analyser {
        let base = self.versions.fleets[f].base;
        let percentiles = a.metrics.iter().any(|m| m.0.quantile().is_some());
        let n = a.metrics.len();
        Analyser {
            settings: a.clone(),
            tracks: [base + u32::from(baseline), base + u32::from(canary)],
            sampling: [false, false],
            acc: [Acc::new(percentiles), Acc::new(percentiles)],
            samples: [vec![Vec::new(); n], vec![Vec::new(); n]],
            ring: before_after.then(|| (a.window / a.step.max(1)).max(1) as usize),
            next_tick: Nanos::MAX,
        }
    }

    /// Deployment `id` starts gathering samples: a canary's pause (both
    /// groups, afresh), or a red/black push's old group before the switch.
    pub(super) fn start_sampling(&mut self, id: usize) {
        let before_after = matches!(
            self.rollouts.list[id].report.plan,
            crate::fault::deploy::Rollout::RedBlack { .. }
        );
        let now = self.now;
        let a = self.rollouts.list[id].analysis.as_mut().expect("judged");
        if before_after {
            a.sampling = [true, false];
        } else {
            a.clear(0);
            a.clear(1);
            a.sampling = [true, true];
        }
        let tracks = a.tracks;
        let step = a.settings.step;
        a.next_tick = now + step;
        self.route_samples(id, tracks, before_after);
        self.timer(now + step, Kind::Sample, id as u32);
    }

    /// Red/black's switch: the old group's samples are kept as they are,
    /// the new group's start.
    pub(super) fn switch_sampling(&mut self, id: usize) {
        let now = self.now;
        let a = self.rollouts.list[id].analysis.as_mut().expect("judged");
        a.sampling = [false, true];
        a.clear(1);
        // The step in progress belongs to neither window.
        a.acc[0].reset();
        let step = a.settings.step;
        a.next_tick = now + step;
        self.timer(now + step, Kind::Sample, id as u32);
    }

    /// Points the tracks' answers at deployment `id`'s analyser.
    fn route_samples(&mut self, id: usize, tracks: [u32; 2], before_after: bool) {
        let n = self.versions.stats.len();
        if self.rollouts.by_track.len() != n {
            self.rollouts.by_track = vec![(NONE, 0); n];
        }
        for (g, &t) in tracks.iter().enumerate() {
            self.rollouts.by_track[t as usize] = (id as u32, g as u8);
        }
        let _ = before_after;
    }

    /// An answer of global track `g`: its analyser, if any, takes it.
    #[inline]
    pub(super) fn sample_answer(&mut self, g: usize, took: Nanos, reason: u8) {
        let Some(&(id, group)) = self.rollouts.by_track.get(g) else {
            return;
        };
        if id == NONE {
            return;
        }
        if let Some(a) = &mut self.rollouts.list[id as usize].analysis {
            a.record(usize::from(group), took, reason);
        }
    }

    /// A step of deployment `id`'s sampling ends.
    pub(super) fn sample_tick(&mut self, id: u32) {
        let now = self.now;
        let Some(a) = self.rollouts.list[id as usize].analysis.as_mut() else {
            return;
        };
        if a.next_tick != now {
            return; // closed early by a judgement, or stopped
        }
        a.close_step();
        a.next_tick = now + a.settings.step;
        let next = a.next_tick;
        self.timer(next, Kind::Sample, id);
    }

    /// Judges deployment `id` now on the samples gathered, records the
    /// verdict and returns it. A step ending now closes first.
    pub(super) fn judge_now(&mut self, id: usize) -> Option<Verdict> {
        let now = self.now;
        let weight = self.rollouts.list[id].weight_now();
        let a = self.rollouts.list[id].analysis.as_mut()?;
        if a.next_tick == now {
            a.close_step();
        }
        let specs: Vec<MetricSpec> = a
            .settings
            .metrics
            .iter()
            .map(|&(m, d)| MetricSpec {
                name: m.name().to_string(),
                direction: match d {
                    DirectionSpec::Increase => canary::Direction::Increase,
                    DirectionSpec::Decrease => canary::Direction::Decrease,
                    DirectionSpec::Either => canary::Direction::Either,
                },
                critical: false,
            })
            .collect();
        let pairs: Vec<(&[f64], &[f64])> = a.samples[0]
            .iter()
            .zip(&a.samples[1])
            .map(|(b, c)| (b.as_slice(), c.as_slice()))
            .collect();
        let j = canary::judge(
            &specs,
            &pairs,
            Classifier::default(),
            Thresholds {
                pass: a.settings.pass,
                marginal: a.settings.marginal,
            },
        );
        let samples = (
            a.samples[0].iter().map(Vec::len).max().unwrap_or(0),
            a.samples[1].iter().map(Vec::len).max().unwrap_or(0),
        );
        let verdict = j.verdict;
        let report = &mut self.rollouts.list[id].report;
        if verdict == Verdict::Fail && report.detected.is_none() {
            report.detected = Some(now);
        }
        report.verdicts.push(VerdictRecord {
            at: now,
            weight,
            samples,
            judgement: j,
            verdict,
        });
        Some(verdict)
    }
}
