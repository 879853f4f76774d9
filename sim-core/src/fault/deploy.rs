//! Deployments on the timeline (a scenario's `deployments`, and the live
//! `deploy` command): start instances of a version, shift traffic between
//! versions, roll back — and the strategies built from them: red/black
//! (Spinnaker's "red/black", a full new group switched to at once with the
//! old one kept for a fast rollback), rolling (n at a time) and canary (Argo
//! Rollouts' `steps` of `setWeight` and `pause`, argoproj.github.io/
//! argo-rollouts/features/canary), optionally judged by an automated canary
//! analysis (Kayenta's).
//!
//! ```json
//! { "deployments": [
//!   { "at": "30s", "canary": { "service": "api", "canary": "v2", "baseline": "v1",
//!       "steps": [{"set_weight": 1}, {"pause": "60s"}, {"set_weight": 5}, {"pause": "60s"}],
//!       "analysis": {"step": "10s"} } } ] }
//! ```
//!
//! Every name is resolved here against the topology, so a typo, a weight
//! split that does not add up or a canary without a baseline is an
//! [`InputError`] at its JSON path with a fix, before anything runs.

mod resolve;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::duration::Nanos;
use crate::topology::ServiceId;

pub use resolve::{resolve, MAX_DEPLOYMENTS, MAX_STEPS};

/// One deployment as written: when, and exactly one action.
#[derive(Debug, Clone, Default, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(extend("oneOf" = [
    {"required": ["deploy"]},
    {"required": ["shift"]},
    {"required": ["rollback"]},
    {"required": ["red_black"]},
    {"required": ["rolling"]},
    {"required": ["canary"]}
]))]
pub struct DeploymentSpec {
    /// When it starts, as a duration from the start of the run ("30s").
    pub at: String,
    /// Start instances of a version (traffic does not move).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub deploy: Option<DeploySpec>,
    /// Move traffic between versions, at once or as a ramp.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub shift: Option<ShiftSpec>,
    /// Send every request back to the stable version and stop the others.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rollback: Option<RollbackSpec>,
    /// A full new group, traffic switched at once, the old group kept for a fast rollback.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub red_black: Option<RedBlackSpec>,
    /// Replace the instances a batch at a time.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rolling: Option<RollingSpec>,
    /// A canary beside a baseline group, weights moved by steps, judged as it goes.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub canary: Option<CanarySpec>,
}

/// Start instances of a version.
#[derive(Debug, Clone, Default, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct DeploySpec {
    /// The service (it must have `versions`).
    pub service: String,
    /// The version to start.
    pub version: String,
    /// Instances per region (scaled as counts are; default: the service's count).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub instances: Option<u32>,
    /// Time from the deployment until a new instance serves ("30s", the
    /// default); it is listed at the next discovery poll after that.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub startup: Option<String>,
}

/// Move traffic between versions.
#[derive(Debug, Clone, Default, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ShiftSpec {
    /// The service.
    pub service: String,
    /// Percent of the traffic per version, adding up to 100 (a version not
    /// named gets 0), e.g. {"v1": 90, "v2": 10}.
    pub weights: std::collections::BTreeMap<String, f64>,
    /// Move linearly over this long (in steps of a second, at most 100)
    /// instead of at once.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub over: Option<String>,
}

/// Roll back.
#[derive(Debug, Clone, Default, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RollbackSpec {
    /// The service.
    pub service: String,
}

/// A red/black push.
#[derive(Debug, Clone, Default, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RedBlackSpec {
    /// The service.
    pub service: String,
    /// The new version.
    pub version: String,
    /// Start-up of the new group ("30s").
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub startup: Option<String>,
    /// Judge the new group after the switch against the old one before it;
    /// a fail switches back.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub analysis: Option<AnalysisSpec>,
}

/// A rolling update.
#[derive(Debug, Clone, Default, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RollingSpec {
    /// The service.
    pub service: String,
    /// The new version.
    pub version: String,
    /// Instances per region replaced at a time (default 1).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub batch: Option<u32>,
    /// Start-up of each new instance ("30s").
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub startup: Option<String>,
    /// Wait between batches once a batch serves (default none).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pause: Option<String>,
}

/// A canary.
#[derive(Debug, Clone, Default, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct CanarySpec {
    /// The service.
    pub service: String,
    /// The new version.
    pub canary: String,
    /// The version the baseline group runs (the one serving now): a fresh
    /// group of it, as large as the canary and given the same weight, is
    /// what the canary is compared with.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub baseline: Option<String>,
    /// Canary instances per region (and as many baseline ones; default 1).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub instances: Option<u32>,
    /// Start-up of the canary and baseline groups ("30s").
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub startup: Option<String>,
    /// Argo Rollouts' steps: `{"set_weight": 5}` (percent to the canary, and
    /// as much to the baseline) or `{"pause": "60s"}`.
    pub steps: Vec<StepSpec>,
    /// Judge the canary against the baseline at the end of every pause.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub analysis: Option<AnalysisSpec>,
}

/// One canary step: exactly one of `set_weight` and `pause`.
#[derive(Debug, Clone, Default, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(extend("oneOf" = [{"required": ["set_weight"]}, {"required": ["pause"]}]))]
pub struct StepSpec {
    /// Percent of the traffic to the canary (more than 0, at most 50: the
    /// baseline gets as much).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub set_weight: Option<f64>,
    /// Hold the weights this long ("60s"); with an analysis, the samples of
    /// the pause are judged at its end.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pause: Option<String>,
}

/// How a deployment is judged (Kayenta's canary analysis).
#[derive(Debug, Clone, Default, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct AnalysisSpec {
    /// Width of one sample of each metric ("10s"): a judgement compares the
    /// samples of the canary with the baseline's.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub step: Option<String>,
    /// The metrics compared (default: error rate and mean latency, both bad
    /// when they increase).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub metrics: Option<Vec<MetricSpec>>,
    /// Score (percent of metrics that pass) below which the verdict is a
    /// fail (default 75, Kayenta's).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub marginal: Option<f64>,
    /// Score from which the verdict is a pass (default 95, Kayenta's).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pass: Option<f64>,
    /// Red/black only: how long after the switch the new group is judged,
    /// against as long before it (default "60s").
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub window: Option<String>,
}

/// One metric the judge compares.
#[derive(Debug, Clone, Default, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct MetricSpec {
    /// What is measured per sample.
    pub metric: MetricKind,
    /// Which way is bad (default "increase").
    #[serde(default)]
    pub direction: DirectionSpec,
}

/// A metric measured per sample, from the answers of a group's instances.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum MetricKind {
    /// Failed answers ÷ answers.
    #[default]
    ErrorRate,
    /// Mean response time, ms.
    LatencyMean,
    /// Median response time, ms.
    LatencyP50,
    /// 90th percentile response time, ms.
    LatencyP90,
    /// 99th percentile response time, ms.
    LatencyP99,
}

impl MetricKind {
    /// Its name in summary.json.
    pub fn name(self) -> &'static str {
        match self {
            MetricKind::ErrorRate => "error_rate",
            MetricKind::LatencyMean => "latency_mean",
            MetricKind::LatencyP50 => "latency_p50",
            MetricKind::LatencyP90 => "latency_p90",
            MetricKind::LatencyP99 => "latency_p99",
        }
    }

    /// The quantile a percentile metric takes (None: not a percentile).
    pub fn quantile(self) -> Option<f64> {
        match self {
            MetricKind::LatencyP50 => Some(0.5),
            MetricKind::LatencyP90 => Some(0.9),
            MetricKind::LatencyP99 => Some(0.99),
            MetricKind::ErrorRate | MetricKind::LatencyMean => None,
        }
    }
}

/// Which way a metric is bad.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum DirectionSpec {
    /// Higher on the canary fails (errors, latency).
    #[default]
    Increase,
    /// Lower on the canary fails (throughput).
    Decrease,
    /// A difference either way fails.
    Either,
}

/// One deployment, resolved to ids.
#[derive(Debug, Clone, PartialEq)]
pub struct Deployment {
    /// When it starts.
    pub at: Nanos,
    /// What it does.
    pub action: Rollout,
}

/// What a deployment does, resolved.
#[derive(Debug, Clone, PartialEq)]
pub enum Rollout {
    /// Start `instances` per region of `version`.
    Deploy {
        /// The service.
        service: ServiceId,
        /// The version's index.
        version: u8,
        /// Instances per region (None: as many as the stable version runs).
        instances: Option<u32>,
        /// Start-up delay.
        startup: Nanos,
    },
    /// Set the weights (ppm per version, adding up to a million).
    Shift {
        /// The service.
        service: ServiceId,
        /// Parts per million per version.
        weights: Vec<u32>,
        /// Ramp duration (None: at once).
        over: Option<Nanos>,
    },
    /// Back to the stable version.
    Rollback {
        /// The service.
        service: ServiceId,
    },
    /// Red/black.
    RedBlack {
        /// The service.
        service: ServiceId,
        /// The new version.
        version: u8,
        /// Start-up delay.
        startup: Nanos,
        /// The judge, if any.
        analysis: Option<Analysis>,
    },
    /// Rolling.
    Rolling {
        /// The service.
        service: ServiceId,
        /// The new version.
        version: u8,
        /// Instances per region per batch.
        batch: u32,
        /// Start-up delay.
        startup: Nanos,
        /// Wait between batches.
        pause: Nanos,
    },
    /// Canary.
    Canary {
        /// The service.
        service: ServiceId,
        /// The new version.
        canary: u8,
        /// The baseline group's version.
        baseline: u8,
        /// Canary (and baseline) instances per region.
        instances: u32,
        /// Start-up delay.
        startup: Nanos,
        /// The steps.
        steps: Vec<Step>,
        /// The judge, if any.
        analysis: Option<Analysis>,
    },
}

impl Rollout {
    /// The service it changes.
    pub fn service(&self) -> ServiceId {
        match *self {
            Rollout::Deploy { service, .. }
            | Rollout::Shift { service, .. }
            | Rollout::Rollback { service }
            | Rollout::RedBlack { service, .. }
            | Rollout::Rolling { service, .. }
            | Rollout::Canary { service, .. } => service,
        }
    }

    /// Its name in summary.json.
    pub fn strategy(&self) -> &'static str {
        match self {
            Rollout::Deploy { .. } => "deploy",
            Rollout::Shift { .. } => "shift",
            Rollout::Rollback { .. } => "rollback",
            Rollout::RedBlack { .. } => "red_black",
            Rollout::Rolling { .. } => "rolling",
            Rollout::Canary { .. } => "canary",
        }
    }
}

/// One canary step.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Step {
    /// Canary (and baseline) weight, ppm.
    SetWeight(u32),
    /// Hold for this long.
    Pause(Nanos),
}

/// A judge's settings, resolved.
#[derive(Debug, Clone, PartialEq)]
pub struct Analysis {
    /// Sample width.
    pub step: Nanos,
    /// The metrics.
    pub metrics: Vec<(MetricKind, DirectionSpec)>,
    /// Fail below this score.
    pub marginal: f64,
    /// Pass from this score.
    pub pass: f64,
    /// Red/black's window before and after the switch.
    pub window: Nanos,
}
