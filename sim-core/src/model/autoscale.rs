//! `autoscale` and `price_per_hour` as written in the architecture file, and
//! their checks. The semantics are Kubernetes' Horizontal Pod Autoscaler
//! (kubernetes.io, "Horizontal Pod Autoscaling"): every `period` the
//! controller computes desired = ceil(current × metric / target), does nothing
//! while the ratio is within `tolerance` of 1, scales up at once, and scales
//! down only to the highest recommendation of the last `stabilisation` window;
//! a new instance serves after `startup` and the next discovery poll.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::spec::ServiceSpec;
use crate::duration::{parse_duration, Nanos, SEC};
use crate::error::{num, InputError};

/// Autoscaling of one service, per region.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct AutoscaleSpec {
    /// Fewest instances per region (at least 1).
    pub min: u32,
    /// Most instances per region; they are placed (round-robin over zones) up
    /// front and started on demand.
    pub max: u32,
    /// What the controller measures per instance (default utilisation).
    #[serde(default)]
    pub metric: ScaleMetric,
    /// The value of the metric it aims at: a fraction of busy workers for
    /// `utilisation` (e.g. 0.6), requests in the instance for `concurrency`,
    /// requests per second per instance for `rps`.
    pub target: f64,
    /// How often it evaluates (Kubernetes: 15s).
    #[serde(default = "default_period")]
    pub period: String,
    /// No change while metric / target is within this of 1 (Kubernetes: 0.1).
    #[serde(default = "default_tolerance")]
    pub tolerance: f64,
    /// Scale down only to the highest recommendation of this last window
    /// (Kubernetes: 300s).
    #[serde(default = "default_stabilisation")]
    pub stabilisation: String,
    /// Time from the decision until a new instance serves (boot, warm-up);
    /// it is then listed at the next discovery poll.
    #[serde(default = "default_startup")]
    pub startup: String,
}

/// What an autoscaler measures.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum ScaleMetric {
    /// Busy workers / `concurrency`, averaged over the period (CPU utilisation's stand-in).
    #[default]
    Utilisation,
    /// Requests in the instance, working or queued, averaged over the period.
    Concurrency,
    /// Requests arriving per second per instance.
    Rps,
}

fn default_period() -> String {
    "15s".into()
}
fn default_tolerance() -> f64 {
    0.1
}
fn default_stabilisation() -> String {
    "300s".into()
}
fn default_startup() -> String {
    "30s".into()
}

/// An autoscaler's settings, checked and in nanoseconds.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Autoscale {
    /// Fewest instances per region.
    pub min: u32,
    /// Most instances per region.
    pub max: u32,
    /// What it measures.
    pub metric: ScaleMetric,
    /// What it aims at.
    pub target: f64,
    /// Evaluation period.
    pub period: Nanos,
    /// Dead band around a ratio of 1.
    pub tolerance: f64,
    /// Scale-down stabilisation window.
    pub stabilisation: Nanos,
    /// Start-up delay of a new instance.
    pub startup: Nanos,
}

/// Longest period, window or start-up accepted: an hour.
const MAX_WAIT: Nanos = 3600 * SEC;
/// Most an instance-hour may cost.
const MAX_PRICE: f64 = 1e6;

impl AutoscaleSpec {
    /// Checks the settings of service `s` (at JSON path `at`, e.g.
    /// `services[3] "api".autoscale`) and compiles them.
    pub fn check(&self, at: &str, s: &ServiceSpec) -> Result<Autoscale, InputError> {
        let path = |k: &str| format!("{at}.{k}");
        if self.min == 0 {
            return Err(InputError::at(path("min"), "min is 0.")
                .hint("keep at least 1 instance per region; scaling to zero is not modelled."));
        }
        if self.max < self.min {
            return Err(InputError::at(
                path("max"),
                format!("max is {}, below min {}.", self.max, self.min),
            )
            .hint("give max at least min."));
        }
        if u64::from(self.max) > super::LIMITS.max_instances {
            return Err(InputError::at(
                path("max"),
                format!(
                    "max is {}, more than the {} instances microsim can build.",
                    self.max,
                    super::LIMITS.max_instances
                ),
            )
            .hint("use a smaller max; every instance up to max is placed up front."));
        }
        if s.count <= 0 || s.regions == Some(0) {
            return Err(InputError::at(
                at,
                "only services with instances in zones scale (count above 0, regions above 0).",
            )
            .hint(
                "give the service a count, or remove autoscale from a regional or global node.",
            ));
        }
        if s.count < i64::from(self.min) || s.count > i64::from(self.max) {
            return Err(InputError::at(
                at.strip_suffix(".autoscale")
                    .map_or_else(|| at.to_string(), |p| format!("{p}.count")),
                format!(
                    "count is {}, outside autoscale's min {} and max {}.",
                    s.count, self.min, self.max
                ),
            )
            .hint("the count is where the service starts: put it between min and max."));
        }
        let ok = match self.metric {
            ScaleMetric::Utilisation => self.target > 0.0 && self.target <= 1.0,
            ScaleMetric::Concurrency | ScaleMetric::Rps => {
                self.target > 0.0 && self.target <= super::LIMITS.max_rate
            }
        };
        if !ok {
            return Err(InputError::at(
                path("target"),
                format!(
                    "target is {}, out of range for {:?}.",
                    num(self.target),
                    self.metric
                ),
            )
            .hint(match self.metric {
                ScaleMetric::Utilisation => {
                    "a utilisation target is a fraction above 0 and at most 1, e.g. 0.6."
                }
                _ => "give a positive target, e.g. 10.",
            }));
        }
        if self.metric == ScaleMetric::Utilisation && s.concurrency.is_none() {
            return Err(InputError::at(
                path("metric"),
                "utilisation needs a number of workers, and the service has unlimited concurrency.",
            )
            .hint("give the service a concurrency, or scale on \"concurrency\" or \"rps\"."));
        }
        if !(0.0..1.0).contains(&self.tolerance) {
            return Err(InputError::at(
                path("tolerance"),
                format!("tolerance is {}, outside [0, 1).", num(self.tolerance)),
            )
            .hint("Kubernetes uses 0.1."));
        }
        let wait = |k: &str, t: &str, min: Nanos| -> Result<Nanos, InputError> {
            let d = parse_duration(t).map_err(|mut e| {
                e.path = path(k);
                e
            })?;
            if d < min || d > MAX_WAIT {
                return Err(InputError::at(
                    path(k),
                    format!(
                        "{k} is {t}; it must be between {} and 1h.",
                        crate::duration::format_duration(min)
                    ),
                )
                .hint("e.g. \"15s\"."));
            }
            Ok(d)
        };
        Ok(Autoscale {
            min: self.min,
            max: self.max,
            metric: self.metric,
            target: self.target,
            period: wait("period", &self.period, SEC)?,
            tolerance: self.tolerance,
            stabilisation: wait("stabilisation", &self.stabilisation, 0)?,
            startup: wait("startup", &self.startup, 0)?,
        })
    }
}

/// Checks a price per instance-hour at `at`.
pub fn check_price(at: &str, p: f64) -> Result<(), InputError> {
    if p.is_finite() && (0.0..=MAX_PRICE).contains(&p) {
        Ok(())
    } else {
        Err(
            InputError::at(at, format!("price_per_hour is {}, not a price.", num(p)))
                .hint("give what one instance costs an hour, 0 or more, e.g. 0.096."),
        )
    }
}
