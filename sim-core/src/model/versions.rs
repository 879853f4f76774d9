//! `versions` of a service as written in the architecture file, and their
//! checks: several versions of one service running at once, each with its
//! instances, its share of the traffic and, optionally, its own work and a
//! defect — what a change in flight looks like before a deployment moves it
//! (`deployments` in a scenario, `fault/deploy.rs`).
//!
//! A versioned service lays out twice its `count` of places per region up
//! front (room for a second full group: a red/black push's peak), as an
//! autoscaled service lays out its `max`; the versions' `count`s say which of
//! them run at the start.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::spec::{DistSpec, ServiceSpec};
use crate::error::{num, quoted, InputError};

/// Most versions of one service (each is a routing track, a row of figures
/// and a colour in the viewer).
pub const MAX_VERSIONS: usize = 8;
/// Most services with versions in one architecture: a request remembers in
/// one byte which of them it touched while they were being changed.
pub const MAX_VERSIONED_SERVICES: usize = 8;
/// Longest version name, in characters.
pub const MAX_VERSION_NAME: usize = 40;

/// One version of a service.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct VersionSpec {
    /// Its name ("v1", "2.3.1"): letters, digits, `.`, `-`, `_`, `+`.
    pub name: String,
    /// Instances per region running at the start. The first version
    /// without a count runs what the others leave of the service's `count`,
    /// the later ones none; when every version gives one, they add up to it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub count: Option<u32>,
    /// Percent of the service's traffic sent to this version at the start.
    /// When no version gives a weight, traffic goes in proportion to the
    /// counts; when some do, the weights add up to 100.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub weight: Option<f64>,
    /// Work per request of this version (default: the service's).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub service_time: Option<DistSpec>,
    /// Workers per instance of this version (default: the service's).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub concurrency: Option<u32>,
    /// Queue capacity per instance of this version (default: the service's).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub queue: Option<u32>,
    /// A bug this version ships with.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub defect: Option<DefectSpec>,
}

/// A bug: a share of requests that fail after their work (reason
/// `injected`), extra work per request, and optionally both growing with the
/// instance's uptime, like a leak.
#[derive(Debug, Clone, Default, PartialEq, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct DefectSpec {
    /// Percent of requests that fail after doing their work (0 to 100).
    #[serde(default)]
    pub errors_percent: f64,
    /// Extra work per request, in ms, holding the worker (0 to a day).
    #[serde(default)]
    pub add_ms: f64,
    /// Growth per minute of the instance's uptime, as software ages (a
    /// leak): errors and extra work grow linearly until the instance restarts.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub leak_per_minute: Option<LeakSpec>,
}

/// How fast a defect grows with uptime.
#[derive(Debug, Clone, Default, PartialEq, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct LeakSpec {
    /// Percentage points of failing requests added per minute of uptime (at
    /// most 100; the share is capped at 100 %).
    #[serde(default)]
    pub errors_percent: f64,
    /// Milliseconds of extra work added per minute of uptime (capped at a day).
    #[serde(default)]
    pub add_ms: f64,
}

/// Whether a version name is acceptable: it appears in summary.json keys,
/// metrics.csv fields, span tags and the viewer, so it stays plain.
fn plain(name: &str) -> bool {
    !name.is_empty()
        && name.chars().count() <= MAX_VERSION_NAME
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_' | '+'))
}

/// Instances per region of each version at the start: the counts given,
/// and what they leave of the service's `count` for the first version that
/// gives none (`[{"name":"v1"},{"name":"v2","count":0}]`: all on v1).
pub fn start_counts(count: u32, versions: &[VersionSpec]) -> Vec<u32> {
    let given: u32 = versions
        .iter()
        .filter_map(|v| v.count)
        .fold(0, u32::saturating_add);
    let rest = versions.iter().position(|v| v.count.is_none());
    (0..versions.len())
        .map(|i| {
            versions[i].count.unwrap_or(if Some(i) == rest {
                count.saturating_sub(given)
            } else {
                0
            })
        })
        .collect()
}

/// Checks the `versions` of service `s` (at JSON path `at`, e.g.
/// `services[2] "api".versions`).
pub fn check_versions(
    at: &str,
    s: &ServiceSpec,
    versions: &[VersionSpec],
) -> Result<(), InputError> {
    let here = |i: usize, k: &str| format!("{at}[{i}].{k}");
    if versions.is_empty() || versions.len() > MAX_VERSIONS {
        return Err(InputError::at(
            at,
            format!("{} versions; a service has 1 to {MAX_VERSIONS}.", versions.len()),
        )
        .hint("list the versions that run or will be deployed, e.g. [{\"name\": \"v1\"}, {\"name\": \"v2\", \"count\": 0}]."));
    }
    if s.count <= 0 || s.regions == Some(0) {
        return Err(InputError::at(
            at,
            "only services with instances in zones have versions (count above 0, regions above 0).",
        )
        .hint("give the service a count, or remove versions from a regional or global node."));
    }
    if s.autoscale.is_some() {
        return Err(InputError::at(
            at,
            "a service with versions cannot also autoscale: both lay out places up front, and a deployment decides how many of each version run.",
        )
        .hint("remove autoscale, or the versions."));
    }
    let ring = s
        .dependencies
        .iter()
        .flatten()
        .any(|d| d.service() == s.name);
    if ring {
        return Err(InputError::at(
            at,
            "a store ring replicates to its neighbours by position, so its versions cannot come and go.",
        )
        .hint("put the versions on the services that call the ring."));
    }
    for (i, v) in versions.iter().enumerate() {
        if !plain(&v.name) {
            return Err(InputError::at(here(i, "name"), format!("bad version name {}.", quoted(&v.name)))
                .hint(format!("use 1 to {MAX_VERSION_NAME} letters, digits, dots, dashes, underscores or pluses, e.g. \"v2\" or \"2.3.1\".")));
        }
        if let Some(j) = versions[..i].iter().position(|w| w.name == v.name) {
            return Err(InputError::at(
                here(i, "name"),
                format!("duplicate version \"{}\" (also {at}[{j}]).", v.name),
            )
            .hint("give each version of a service its own name."));
        }
        if let Some(w) = v.weight {
            if !(w.is_finite() && (0.0..=100.0).contains(&w)) {
                return Err(InputError::at(
                    here(i, "weight"),
                    format!("weight is {}, not a percentage.", num(w)),
                )
                .hint(
                    "give the percent of the service's traffic this version receives, 0 to 100.",
                ));
            }
        }
        if let Some(d) = &v.service_time {
            super::validate::check_dist(&here(i, "service_time"), d)?;
        }
        if v.concurrency == Some(0) {
            return Err(InputError::at(
                here(i, "concurrency"),
                "concurrency is 0, so no request could ever run.",
            )
            .hint("use 1 or more workers, or remove the key to keep the service's."));
        }
        if let Some(d) = &v.defect {
            check_defect(&here(i, "defect"), d)?;
        }
    }
    let sum: u64 = versions.iter().filter_map(|v| v.count).map(u64::from).sum();
    let all_given = versions.iter().all(|v| v.count.is_some());
    if sum > s.count as u64 || (all_given && sum != s.count as u64) {
        return Err(InputError::at(
                at,
                format!(
                    "the versions' counts add up to {sum}, but the service's count is {}.",
                    s.count
                ),
            )
            .hint("make them add up to the count (the instances per region running at the start), or leave one version without a count: it runs the rest."));
    }
    if versions.iter().any(|v| v.weight.is_some()) {
        let sum: f64 = versions.iter().map(|v| v.weight.unwrap_or(0.0)).sum();
        if (sum - 100.0).abs() > 1e-6 {
            return Err(InputError::at(
                at,
                format!("the versions' weights add up to {}, not 100.", num(sum)),
            )
            .hint("give weights in percent that add up to 100 (a version without one gets 0), or none: traffic then follows the counts."));
        }
        let counts = start_counts(s.count as u32, versions);
        let starved = (0..versions.len())
            .find(|&i| versions[i].weight.unwrap_or(0.0) > 0.0 && counts[i] == 0);
        if let Some(i) = starved {
            return Err(InputError::at(
                here(i, "weight"),
                format!("version \"{}\" has weight but no instance running at the start: its share would be refused.", versions[i].name),
            )
            .hint("give it a count, or weight 0 and a deployment that starts it and shifts traffic to it."));
        }
    }
    Ok(())
}

/// At most [`MAX_VERSIONED_SERVICES`] services of an architecture have
/// versions (a request remembers which it touched in one byte).
pub(super) fn check_versioned_services(spec: &super::ArchSpec) -> Result<(), InputError> {
    let versioned: Vec<&str> = spec
        .services
        .iter()
        .filter(|s| s.versions.is_some())
        .map(|s| s.name.as_str())
        .collect();
    if versioned.len() > MAX_VERSIONED_SERVICES {
        return Err(InputError::at(
            "services",
            format!(
                "{} services have versions ({}); at most {MAX_VERSIONED_SERVICES} may.",
                versioned.len(),
                versioned.join(", "),
            ),
        )
        .hint("give versions only to the services a scenario deploys."));
    }
    Ok(())
}

fn check_defect(at: &str, d: &DefectSpec) -> Result<(), InputError> {
    let pct = |k: &str, v: f64| -> Result<(), InputError> {
        if v.is_finite() && (0.0..=100.0).contains(&v) {
            Ok(())
        } else {
            Err(InputError::at(
                format!("{at}.{k}"),
                format!("{k} is {}, not a percentage.", num(v)),
            )
            .hint("give a percent of requests from 0 to 100, e.g. 20."))
        }
    };
    let ms = |k: &str, v: f64| -> Result<(), InputError> {
        if v.is_finite() && (0.0..=super::LIMITS.max_ms).contains(&v) {
            Ok(())
        } else {
            Err(InputError::at(
                format!("{at}.{k}"),
                format!("{k} is {} ms, outside 0 to a day.", num(v)),
            )
            .hint("give extra milliseconds of work per request, e.g. 50."))
        }
    };
    pct("errors_percent", d.errors_percent)?;
    ms("add_ms", d.add_ms)?;
    let mut grows = false;
    if let Some(l) = &d.leak_per_minute {
        pct("leak_per_minute.errors_percent", l.errors_percent)?;
        ms("leak_per_minute.add_ms", l.add_ms)?;
        grows = l.errors_percent > 0.0 || l.add_ms > 0.0;
    }
    if d.errors_percent == 0.0 && d.add_ms == 0.0 && !grows {
        return Err(InputError::at(
            at,
            "the defect does nothing: no errors, no extra work, no leak.",
        )
        .hint("give errors_percent, add_ms or leak_per_minute, or remove the defect."));
    }
    Ok(())
}
