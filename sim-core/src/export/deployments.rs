//! summary.json's `deployments`: what each deployment did and when — its
//! strategy, when the new version got traffic, when the judge failed it
//! (detected), when traffic went back (rolled back) or moved over for good
//! (promoted), the verdict of every analysis interval, the end-to-end
//! success during the push, and the external requests that reached the new
//! version and how many of them failed.

use serde::Serialize;

use crate::canary::{Class, Verdict};
use crate::duration::Nanos;
use crate::engine::{Report, Simulation};
use crate::fault::deploy::Rollout;
use crate::topology::{Topology, PPM};

/// One deployment.
#[derive(Debug, Clone, Serialize)]
pub struct DeploymentSummary {
    /// The service changed.
    pub service: String,
    /// deploy, shift, rollback, red_black, rolling or canary.
    pub strategy: &'static str,
    /// The version deployed (absent for a shift or a rollback).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub version: Option<String>,
    /// A canary's baseline version.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub baseline: Option<String>,
    /// The stable version when it started.
    pub stable: String,
    /// A shift's weights, percent per version.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub weights: Option<std::collections::BTreeMap<String, f64>>,
    /// When it started, seconds.
    pub started_s: f64,
    /// When a version other than the stable one first got traffic.
    pub traffic_s: Option<f64>,
    /// When the judge first failed it.
    pub detected_s: Option<f64>,
    /// detected − traffic: how long the bad version took traffic before the judge said so.
    pub time_to_detect_s: Option<f64>,
    /// When traffic went back to the stable version.
    pub rolled_back_s: Option<f64>,
    /// When the new version took all the traffic and the old one retired.
    pub promoted_s: Option<f64>,
    /// When it ended (absent: still going at the end of the run).
    pub finished_s: Option<f64>,
    /// running, done, promoted, rolled_back, superseded or skipped.
    pub outcome: &'static str,
    /// Instances it started, every region.
    pub instances_started: u32,
    /// External requests answered from its start to its end (or the run's
    /// end), and their success.
    pub end_to_end: DuringPush,
    /// External requests that reached a version of the service other than
    /// its stable one, from this deployment's start to the next deployment
    /// of the service (or the run's end), and how many of them failed.
    pub touched: Touched,
    /// The judge's verdicts, one per analysis interval (absent without analysis).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub verdicts: Vec<VerdictSummary>,
}

/// End-to-end answers during a push.
#[derive(Debug, Clone, Serialize)]
pub struct DuringPush {
    /// Answered external requests.
    pub answered: u64,
    /// Of which ok.
    pub ok: u64,
    /// ok ÷ answered (1 when none).
    pub success: f64,
}

/// Requests that touched a change in flight.
#[derive(Debug, Clone, Serialize)]
pub struct Touched {
    /// External requests that reached the new version.
    pub requests: u64,
    /// Of which failed: the requests that failed because of it.
    pub failed: u64,
}

/// One verdict.
#[derive(Debug, Clone, Serialize)]
pub struct VerdictSummary {
    /// When, seconds.
    pub t_s: f64,
    /// The new version's share of the traffic then, percent.
    pub weight: f64,
    /// 0 to 100: the share of metrics that passed.
    pub score: f64,
    /// pass, marginal or fail.
    pub verdict: Verdict,
    /// Samples compared per group: baseline, canary.
    pub samples: [usize; 2],
    /// Per metric: its classification and the figures behind it.
    pub metrics: Vec<MetricVerdict>,
}

/// One metric of one verdict.
#[derive(Debug, Clone, Serialize)]
pub struct MetricVerdict {
    /// The metric.
    pub name: String,
    /// pass, high, low or nodata.
    pub class: Class,
    /// Mean of the baseline's samples.
    pub baseline_mean: Option<f64>,
    /// Mean of the canary's samples.
    pub canary_mean: Option<f64>,
    /// Two-sided Mann–Whitney p-value.
    pub p_value: Option<f64>,
}

fn secs(t: Nanos) -> f64 {
    t as f64 / 1e9
}

/// Six significant figures are plenty for a report, and keep the bytes the
/// same on every target.
fn round6(x: f64) -> f64 {
    if !x.is_finite() || x == 0.0 {
        return x;
    }
    let scale = libm::pow(10.0, 5.0 - libm::floor(libm::log10(x.abs())));
    libm::round(x * scale) / scale
}

fn summary(
    topo: &Topology,
    r: &Report,
    now: (u64, u64),
    touched_now: (u64, u64),
) -> DeploymentSummary {
    let sid = r.plan.service();
    let s = &topo.services[sid as usize];
    let name = |v: u8| s.versions[v as usize].name.clone();
    let (version, baseline, weights) = match &r.plan {
        Rollout::Deploy { version, .. }
        | Rollout::RedBlack { version, .. }
        | Rollout::Rolling { version, .. } => (Some(name(*version)), None, None),
        Rollout::Canary {
            canary, baseline, ..
        } => (Some(name(*canary)), Some(name(*baseline)), None),
        Rollout::Shift { weights, .. } => (
            None,
            None,
            Some(
                weights
                    .iter()
                    .enumerate()
                    .map(|(v, &w)| (name(v as u8), f64::from(w) / f64::from(PPM) * 100.0))
                    .collect(),
            ),
        ),
        Rollout::Rollback { .. } => (None, None, None),
    };
    let (a0, o0) = r.e2e_start;
    let (a1, o1) = r.e2e_end.unwrap_or(now);
    let answered = a1 - a0;
    let ok = o1 - o0;
    let t1 = r.touched_end.unwrap_or(touched_now);
    DeploymentSummary {
        service: s.name.clone(),
        strategy: r.plan.strategy(),
        version,
        baseline,
        stable: name(r.stable),
        weights,
        started_s: secs(r.started),
        traffic_s: r.traffic.map(secs),
        detected_s: r.detected.map(secs),
        time_to_detect_s: r
            .detected
            .zip(r.traffic)
            .map(|(d, t)| secs(d.saturating_sub(t))),
        rolled_back_s: r.rolled_back.map(secs),
        promoted_s: r.promoted.map(secs),
        finished_s: r.finished.map(secs),
        outcome: r.outcome.name(),
        instances_started: r.started_instances,
        end_to_end: DuringPush {
            answered,
            ok,
            success: if answered == 0 {
                1.0
            } else {
                round6(ok as f64 / answered as f64)
            },
        },
        touched: Touched {
            requests: t1.0 - r.touched_start.0,
            failed: t1.1 - r.touched_start.1,
        },
        verdicts: r
            .verdicts
            .iter()
            .map(|v| VerdictSummary {
                t_s: secs(v.at),
                weight: f64::from(v.weight) / f64::from(PPM) * 100.0,
                score: round6(v.judgement.score),
                verdict: v.verdict,
                samples: [v.samples.0, v.samples.1],
                metrics: v
                    .judgement
                    .metrics
                    .iter()
                    .map(|m| MetricVerdict {
                        name: m.name.clone(),
                        class: m.class,
                        baseline_mean: m.baseline_mean.map(round6),
                        canary_mean: m.canary_mean.map(round6),
                        p_value: m.p_value.map(round6),
                    })
                    .collect(),
            })
            .collect(),
    }
}

/// Every deployment of a run so far, or None when it had none.
pub fn deployments(sim: &Simulation) -> Option<Vec<DeploymentSummary>> {
    let topo = sim.topology();
    let now = (sim.end_to_end().answered(), sim.end_to_end().ok);
    let touched = sim.touched();
    let out: Vec<DeploymentSummary> = sim
        .deployments()
        .map(|r| {
            let f = topo
                .services
                .iter()
                .take(r.plan.service() as usize)
                .filter(|s| !s.versions.is_empty())
                .count();
            summary(topo, r, now, touched[f])
        })
        .collect();
    (!out.is_empty()).then_some(out)
}
