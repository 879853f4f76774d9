//! Scenario files (docs/formats.md): faults on a timeline, as written, and their
//! resolution against a topology into the [`Scenario`] the engine consumes.
//!
//! ```json
//! { "discovery_poll": "30s", "replace_after": "60s",
//!   "faults": [ { "at": "10s", "for": "20s", "zone_outage": { "region": "us-east-1", "zone": "zoneA" } } ] }
//! ```
//!
//! Every fault has an `at`, an optional `for` after which it heals, and exactly
//! one action key. Names (services, regions, zones) are checked here, so a typo
//! is an [`InputError`] at its JSON path with the known names as a hint, before
//! anything runs.

pub(super) mod resolve;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::{Action, Fault, Mode, Scenario, DEFAULT_DISCOVERY_POLL};
use crate::duration::{format_duration, parse_duration, Nanos, MS, SEC};
use crate::error::{quoted, InputError};
use crate::model::{parse_object, Shape};
use crate::topology::Topology;

/// The scenario file as written.
#[derive(Debug, Clone, Default, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ScenarioSpec {
    /// Free text: what happens and what to look at.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// How often callers refresh their view of which instances are up (Eureka's
    /// `registryFetchIntervalSeconds`), e.g. "30s" (the default). Callers keep
    /// sending to a dead instance until their next poll.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub discovery_poll: Option<String>,
    /// Auto-scaling start-up delay: a killed instance is replaced this long after
    /// it died, e.g. "60s". Absent: killed instances are never replaced.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub replace_after: Option<String>,
    /// The faults, each with its start time and one action.
    #[serde(default)]
    pub faults: Vec<FaultSpec>,
    /// Changes in flight: deployments of a service's versions, each with its
    /// start time and one action (deploy, shift, rollback, red_black,
    /// rolling, canary).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub deployments: Vec<super::deploy::DeploymentSpec>,
}

/// One fault as written: when, for how long, and exactly one action key.
#[derive(Debug, Clone, Default, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
// The schema says "exactly one action" too, so an editor flags what the parser refuses.
#[schemars(extend("oneOf" = [
    {"required": ["kill"]},
    {"required": ["chaos_monkey"]},
    {"required": ["zone_outage"]},
    {"required": ["region_outage"]},
    {"required": ["latency"]},
    {"required": ["errors"]},
    {"required": ["partition"]},
    {"required": ["flash_crowd"]}
]))]
pub struct FaultSpec {
    /// When the fault starts, as a duration from the start of the run ("10s").
    pub at: String,
    /// How long it lasts before it heals ("60s"). Absent: until the end of the run.
    #[serde(rename = "for", default, skip_serializing_if = "Option::is_none")]
    pub for_: Option<String>,
    /// Chaos Monkey: kill instances of a service.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kill: Option<KillSpec>,
    /// A random-kill process: one instance at a time, at exponentially distributed gaps.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub chaos_monkey: Option<ChaosMonkeySpec>,
    /// Chaos Gorilla: every instance placed in one zone goes down.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub zone_outage: Option<ZoneOutageSpec>,
    /// Chaos Kong: every instance of one region goes down.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub region_outage: Option<RegionOutageSpec>,
    /// Latency Monkey: some requests to a service wait before they are admitted.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub latency: Option<LatencySpec>,
    /// Some requests to a service fail at once.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub errors: Option<ErrorsSpec>,
    /// Calls between two regions or zones are dropped.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub partition: Option<PartitionSpec>,
    /// A flash crowd: the offered rate is multiplied while the fault lasts.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub flash_crowd: Option<FlashCrowdSpec>,
}

/// What a dead instance does with requests.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum ModeSpec {
    /// Connections are refused at once: callers learn fast.
    #[default]
    Refuse,
    /// A zombie: requests are accepted and never answered; only a timeout helps.
    Hang,
}

impl From<ModeSpec> for Mode {
    fn from(m: ModeSpec) -> Mode {
        match m {
            ModeSpec::Refuse => Mode::Refuse,
            ModeSpec::Hang => Mode::Hang,
        }
    }
}

/// Kill instances of one service.
#[derive(Debug, Clone, Default, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct KillSpec {
    /// The service.
    pub service: String,
    /// How many instances (default 1).
    #[serde(default = "one")]
    pub instances: u32,
    /// Only instances in this region ("us-east-1").
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub region: Option<String>,
    /// Only instances in this zone ("zoneA"); needs `region`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub zone: Option<String>,
    /// "refuse" (default) or "hang".
    #[serde(default)]
    pub mode: ModeSpec,
}

/// Kill one instance at a time, at random.
#[derive(Debug, Clone, Default, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ChaosMonkeySpec {
    /// Mean time between kills ("10s"); gaps are exponentially distributed.
    pub mean_between_kills: String,
    /// Only this service's instances (default: any instance placed in a zone).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub service: Option<String>,
    /// "refuse" (default) or "hang".
    #[serde(default)]
    pub mode: ModeSpec,
}

/// Every instance of one zone.
#[derive(Debug, Clone, Default, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ZoneOutageSpec {
    /// Region name ("us-east-1").
    pub region: String,
    /// Zone name ("zoneA").
    pub zone: String,
    /// "refuse" (default) or "hang".
    #[serde(default)]
    pub mode: ModeSpec,
}

/// Every instance of one region, regional nodes included.
#[derive(Debug, Clone, Default, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RegionOutageSpec {
    /// Region name ("us-east-1").
    pub region: String,
    /// "refuse" (default) or "hang".
    #[serde(default)]
    pub mode: ModeSpec,
}

/// Slow down some requests to a service.
#[derive(Debug, Clone, Default, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct LatencySpec {
    /// The service.
    pub service: String,
    /// Delay added before a request is admitted, in ms (more than 0).
    pub add_ms: f64,
    /// Share of requests delayed, in percent: more than 0, at most 100 (default 100).
    #[serde(default = "hundred")]
    pub percent: f64,
}

/// Fail some requests to a service at once.
#[derive(Debug, Clone, Default, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ErrorsSpec {
    /// The service.
    pub service: String,
    /// Share of requests failed, in percent: more than 0, at most 100 (default 100).
    #[serde(default = "hundred")]
    pub percent: f64,
}

/// Cut the network between two places.
#[derive(Debug, Clone, Default, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct PartitionSpec {
    /// Exactly two distinct places, each a region ("us-east-1") or a zone of one
    /// ("us-east-1.zoneA").
    pub between: Vec<String>,
}

/// Multiply the traffic for a while.
#[derive(Debug, Clone, Default, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct FlashCrowdSpec {
    /// Multiplies the offered rate: 4 is four times the requests (more than 0,
    /// at most 1000; below 1 the traffic drops).
    pub factor: f64,
    /// Only this entry point (a service receiving external traffic); default: all of them.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub entry: Option<String>,
}

fn one() -> u32 {
    1
}

fn hundred() -> f64 {
    100.0
}

/// The action keys, in the order the hint lists them.
const ACTIONS: [&str; 8] = [
    "kill",
    "chaos_monkey",
    "zone_outage",
    "region_outage",
    "latency",
    "errors",
    "partition",
    "flash_crowd",
];

impl FaultSpec {
    /// The action keys present.
    fn actions(&self) -> Vec<&'static str> {
        let present = [
            self.kill.is_some(),
            self.chaos_monkey.is_some(),
            self.zone_outage.is_some(),
            self.region_outage.is_some(),
            self.latency.is_some(),
            self.errors.is_some(),
            self.partition.is_some(),
            self.flash_crowd.is_some(),
        ];
        ACTIONS
            .iter()
            .zip(present)
            .filter(|(_, p)| *p)
            .map(|(a, _)| *a)
            .collect()
    }
}

/// Parses a duration at a JSON path, refusing zero when `positive`.
pub(super) fn duration_at(path: &str, text: &str, positive: bool) -> Result<Nanos, InputError> {
    let d = parse_duration(text).map_err(|mut e| {
        e.path = path.to_string();
        e
    })?;
    if positive && d == 0 {
        return Err(InputError::at(
            path,
            format!("{path} is {}; it must be more than zero.", quoted(text)),
        )
        .hint("give a positive duration, e.g. \"10s\"."));
    }
    Ok(d)
}

/// A duration that must lie in [lo, hi]: sizes beyond would only exhaust time or memory.
pub(super) fn within(
    path: &str,
    text: &str,
    lo: Nanos,
    hi: Nanos,
    usual: &str,
) -> Result<Nanos, InputError> {
    let d = duration_at(path, text, true)?;
    if d < lo || d > hi {
        return Err(InputError::at(
            path,
            format!(
                "{path} is {}; it must be between {} and {}.",
                quoted(text),
                crate::duration::format_duration(lo),
                crate::duration::format_duration(hi)
            ),
        )
        .hint(format!("{usual}.")));
    }
    Ok(d)
}

impl ScenarioSpec {
    /// Resolves names and durations against `topo`; the first problem found is returned.
    pub fn resolve(&self, topo: &Topology) -> Result<Scenario, InputError> {
        let discovery_poll = match &self.discovery_poll {
            Some(t) => within(
                "discovery_poll",
                t,
                MS,
                3600 * SEC,
                "Eureka clients poll every 30s",
            )?,
            None => DEFAULT_DISCOVERY_POLL,
        };
        let replace_after = self
            .replace_after
            .as_deref()
            .map(|t| duration_at("replace_after", t, true))
            .transpose()?;
        let faults = self
            .faults
            .iter()
            .enumerate()
            .map(|(i, f)| resolve_fault(topo, i, f))
            .collect::<Result<_, _>>()?;
        if self.deployments.len() > super::deploy::MAX_DEPLOYMENTS {
            return Err(InputError::at(
                "deployments",
                format!(
                    "{} deployments; a scenario has at most {}.",
                    self.deployments.len(),
                    super::deploy::MAX_DEPLOYMENTS
                ),
            )
            .hint("split the run, or keep the deployments that matter."));
        }
        let deployments = self
            .deployments
            .iter()
            .enumerate()
            .map(|(i, d)| super::deploy::resolve(topo, i, d))
            .collect::<Result<_, _>>()?;
        Ok(Scenario {
            discovery_poll,
            replace_after,
            faults,
            deployments,
        })
    }
}

fn resolve_fault(topo: &Topology, i: usize, f: &FaultSpec) -> Result<Fault, InputError> {
    let path = format!("faults[{i}]");
    let at = duration_at(&format!("{path}.at"), &f.at, false)?;
    let until = match &f.for_ {
        Some(t) => Some(at.saturating_add(duration_at(&format!("{path}.for"), t, true)?)),
        None => None,
    };
    let action = match f.actions()[..] {
        [] => {
            return Err(InputError::at(&path, format!("fault {i} has no action.")).hint(format!(
                "give one of {}, e.g. \"kill\": {{\"service\": \"homepage\"}}.",
                ACTIONS.join(", ")
            )))
        }
        [_] => resolve::action(topo, &path, f)?,
        ref many => {
            return Err(InputError::at(
                &path,
                format!("fault {i} has {} actions ({}).", many.len(), many.join(", ")),
            )
            .hint("give one action per fault; faults that start together are separate entries with the same \"at\"."))
        }
    };
    Ok(Fault { at, until, action })
}

/// What a scenario file is, for a file that is something else.
pub const SCENARIO_SHAPE: Shape = Shape {
    what: "a scenario file is one JSON object {\"faults\": […]}",
    wrap: "if the array holds the faults, put it in an object: {\"faults\": [ … ]}.",
};

/// Parses a scenario file and resolves its names against `topo`.
pub fn load_scenario(text: &str, topo: &Topology) -> Result<Scenario, InputError> {
    parse_object::<ScenarioSpec>(text, SCENARIO_SHAPE)?.resolve(topo)
}

/// JSON Schema of the scenario format, for editors and `microsim schema --scenario`.
pub fn scenario_schema() -> serde_json::Value {
    serde_json::to_value(schemars::schema_for!(ScenarioSpec)).expect("schema serializes")
}

impl Scenario {
    /// spigo's `victim`: one instance of it is killed (connections refused) at half
    /// the run. No victim: no faults, default discovery and no replacement.
    pub fn from_victim(topo: &Topology, duration: Nanos) -> Scenario {
        Scenario {
            faults: topo
                .victim
                .map(|service| Fault {
                    at: duration / 2,
                    until: None,
                    action: Action::Kill {
                        service,
                        count: 1,
                        region: None,
                        zone: None,
                        mode: Mode::Refuse,
                    },
                })
                .into_iter()
                .collect(),
            ..Scenario::default()
        }
    }

    /// The faults of a run lasting `duration`: the scenario file's when one is
    /// given (parsed, resolved against `topo`, every fault starting in time),
    /// else spigo's victim. The one place the CLI, the server, the browser and
    /// [`crate::simulate_scenario`] decide what a run breaks.
    pub fn for_run(
        text: Option<&str>,
        topo: &Topology,
        duration: Nanos,
    ) -> Result<Scenario, InputError> {
        match text {
            Some(text) => {
                let s = load_scenario(text, topo)?;
                s.check_within(duration)?;
                Ok(s)
            }
            None => Ok(Scenario::from_victim(topo, duration)),
        }
    }

    /// Refuses a fault that starts at or after the end of a run lasting `duration`:
    /// it would silently do nothing.
    pub fn check_within(&self, duration: Nanos) -> Result<(), InputError> {
        if let Some(i) = self.deployments.iter().position(|d| d.at >= duration) {
            return Err(InputError::at(
                format!("deployments[{i}].at"),
                format!(
                    "deployment {i} starts at {}, when the run is over.",
                    format_duration(self.deployments[i].at)
                ),
            )
            .hint(format!(
                "the run lasts {}; start it earlier or give the run a longer duration.",
                format_duration(duration)
            )));
        }
        match self.faults.iter().position(|f| f.at >= duration) {
            None => Ok(()),
            Some(i) => Err(InputError::at(
                format!("faults[{i}].at"),
                format!(
                    "fault {i} starts at {}, when the run is over.",
                    format_duration(self.faults[i].at)
                ),
            )
            .hint(format!(
                "the run lasts {}; start it earlier or give the run a longer duration.",
                format_duration(duration)
            ))),
        }
    }

    /// Each fault's window `(start, end)` clipped to a run ending at `end`: a fault
    /// that never heals lasts to the end. In file order, for shading charts.
    pub fn windows(&self, end: Nanos) -> Vec<(Nanos, Nanos)> {
        self.faults
            .iter()
            .filter(|f| f.at < end)
            .map(|f| (f.at, f.until.unwrap_or(end).min(end)))
            .collect()
    }
}
