//! Faults on a timeline: what a scenario file asks for, resolved against a
//! topology (service, region and zone names become ids), ready for the engine.
//!
//! The file format (docs/formats.md) is parsed in [`scenario`]; the engine applies
//! each [`Fault`] at its `at` time and heals it at `until`.

pub mod deploy;
pub mod describe;
pub mod scenario;

use crate::duration::{Nanos, SEC};
use crate::topology::ServiceId;

pub use scenario::{load_scenario, ScenarioSpec};

/// What a dead instance does with a request.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Mode {
    /// The connection is refused at once: callers learn fast.
    #[default]
    Refuse,
    /// A zombie: the request is accepted and never answered; only a timeout helps.
    Hang,
}

/// A region, or one zone of it, as an end of a network partition.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Place {
    /// Region index.
    pub region: u16,
    /// Zone index, or `None` for the whole region.
    pub zone: Option<u8>,
}

/// One fault, resolved to ids.
#[derive(Debug, Clone, PartialEq)]
pub enum Action {
    /// Chaos Monkey: kill `count` up instances of a service (optionally only in a region or zone).
    Kill {
        /// Service whose instances die.
        service: ServiceId,
        /// How many.
        count: u32,
        /// Only in this region.
        region: Option<u16>,
        /// Only in this zone (with `region`).
        zone: Option<u8>,
        /// Refuse or hang.
        mode: Mode,
    },
    /// A random-kill process: kills one instance at exponentially distributed gaps.
    ChaosMonkey {
        /// Mean time between kills.
        mean_between: Nanos,
        /// Only this service's instances (default: any zoned instance).
        service: Option<ServiceId>,
        /// Refuse or hang.
        mode: Mode,
    },
    /// Chaos Gorilla: every instance placed in one zone.
    ZoneOutage {
        /// Region index.
        region: u16,
        /// Zone index.
        zone: u8,
        /// Refuse or hang.
        mode: Mode,
    },
    /// Chaos Kong: every instance in one region (regional nodes included).
    RegionOutage {
        /// Region index.
        region: u16,
        /// Refuse or hang.
        mode: Mode,
    },
    /// Latency Monkey: a fraction of requests to a service wait `add` before admission.
    Latency {
        /// Service slowed.
        service: ServiceId,
        /// Added delay.
        add: Nanos,
        /// Fraction of requests delayed, in [0, 1].
        fraction: f64,
    },
    /// Fault injection: a fraction of requests to a service fail at once (reason `injected`).
    Errors {
        /// Service failing.
        service: ServiceId,
        /// Fraction of requests failed, in [0, 1].
        fraction: f64,
    },
    /// One given instance dies (the viewer's click-to-kill).
    KillInstance {
        /// The instance.
        instance: crate::topology::InstanceId,
        /// Refuse or hang.
        mode: Mode,
    },
    /// A flash crowd: the offered rate of one entry point (or of all) is
    /// multiplied by `factor` while the fault lasts.
    FlashCrowd {
        /// The entry point's service (`None`: every entry point).
        entry: Option<ServiceId>,
        /// Multiplies the rate, in (0, [`MAX_FLASH_FACTOR`]].
        factor: f64,
    },
    /// Calls between the two places are dropped (callers see timeouts).
    Partition {
        /// One side.
        a: Place,
        /// The other side.
        b: Place,
    },
}

/// A fault with its start and optional end.
#[derive(Debug, Clone, PartialEq)]
pub struct Fault {
    /// When it starts.
    pub at: Nanos,
    /// When it heals (`None`: never).
    pub until: Option<Nanos>,
    /// What happens.
    pub action: Action,
}

/// A resolved scenario: faults plus discovery and replacement settings.
#[derive(Debug, Clone, PartialEq)]
pub struct Scenario {
    /// Eureka client poll interval: callers learn of dead and new instances only at the next poll.
    pub discovery_poll: Nanos,
    /// Auto-scaling groups replace killed instances after this start-up delay (`None`: never).
    pub replace_after: Option<Nanos>,
    /// Faults, in file order.
    pub faults: Vec<Fault>,
    /// Deployments, in file order.
    pub deployments: Vec<deploy::Deployment>,
}

impl Default for Scenario {
    fn default() -> Self {
        Scenario {
            discovery_poll: DEFAULT_DISCOVERY_POLL,
            replace_after: None,
            faults: Vec::new(),
            deployments: Vec::new(),
        }
    }
}

/// Largest factor a flash crowd may multiply a rate by: a thousand times the
/// traffic is beyond any crowd (the Slashdot effect is tens to hundreds), and
/// a run stays within its bound on events. The rate itself never exceeds
/// [`crate::model::LIMITS`]' `max_rate`, overlapping crowds included.
pub const MAX_FLASH_FACTOR: f64 = 1000.0;

/// Eureka's client registry fetch interval (`registryFetchIntervalSeconds`, 30 s).
pub const DEFAULT_DISCOVERY_POLL: Nanos = 30 * SEC;

/// Reads one fault as the scenario format writes it, without `at` (it applies
/// now): `{"zone_outage": {"region": "us-east-1", "zone": "zoneA"}, "for": "20s"}`.
/// Live controls (the browser, `microsim serve`) use it so that what a click
/// asks for is validated exactly as a scenario file is; error paths are
/// relative to the fault (`zone_outage.zone`).
pub fn parse_live_fault(
    fault: &serde_json::Value,
    topo: &crate::topology::Topology,
) -> Result<(Action, Option<Nanos>), crate::error::InputError> {
    let mut v = fault.clone();
    let Some(obj) = v.as_object_mut() else {
        return Err(
            crate::error::InputError::at("", "a fault must be a JSON object.")
                .hint("e.g. {\"errors\": {\"service\": \"subscriber\", \"percent\": 50}}"),
        );
    };
    if obj.contains_key("at") {
        return Err(crate::error::InputError::at(
            "at",
            "a live fault starts now and takes no \"at\".",
        )
        .hint("leave \"at\" out; \"for\" says how long it lasts."));
    }
    obj.insert("at".into(), "0s".into());
    let text = serde_json::json!({ "faults": [v] }).to_string();
    let sc = load_scenario(&text, topo).map_err(|mut e| {
        // Positions are in the wrapper, not in anything the user wrote.
        e.position = None;
        e.path = e
            .path
            .strip_prefix("faults[0]")
            .map(|p| p.trim_start_matches('.').to_string())
            .unwrap_or(e.path);
        e
    })?;
    let f = sc.faults.into_iter().next().expect("one fault");
    Ok((f.action, f.until.map(|u| u - f.at)))
}

/// Reads one deployment as the scenario format writes it, without `at` (it
/// starts now): `{"canary": {"service": "api", "canary": "v2", "baseline":
/// "v1", "steps": [...]}}`. The live `deploy` command uses it, so what the
/// viewer's deploy control asks for is checked exactly as a scenario file
/// is; error paths are relative to the deployment (`canary.baseline`).
pub fn parse_live_deployment(
    deployment: &serde_json::Value,
    topo: &crate::topology::Topology,
) -> Result<deploy::Rollout, crate::error::InputError> {
    let mut v = deployment.clone();
    let Some(obj) = v.as_object_mut() else {
        return Err(
            crate::error::InputError::at("", "a deployment must be a JSON object.")
                .hint("e.g. {\"red_black\": {\"service\": \"api\", \"version\": \"v2\"}}"),
        );
    };
    if obj.contains_key("at") {
        return Err(crate::error::InputError::at(
            "at",
            "a live deployment starts now and takes no \"at\".",
        )
        .hint("leave \"at\" out."));
    }
    obj.insert("at".into(), "0s".into());
    let text = serde_json::json!({ "deployments": [v] }).to_string();
    let sc = load_scenario(&text, topo).map_err(|mut e| {
        e.position = None;
        e.path = e
            .path
            .strip_prefix("deployments[0]")
            .map(|p| p.trim_start_matches('.').to_string())
            .unwrap_or(e.path);
        e
    })?;
    Ok(sc
        .deployments
        .into_iter()
        .next()
        .expect("one deployment")
        .action)
}
