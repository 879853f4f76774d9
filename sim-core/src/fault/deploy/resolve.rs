//! Deployments as written, resolved against a topology: services that have
//! versions, version names, weights that add up, steps that make sense, a
//! canary with its baseline — each refusal at its JSON path with a fix.

use super::{
    Analysis, AnalysisSpec, DeploymentSpec, DirectionSpec, MetricKind, Rollout, Step, StepSpec,
};
use crate::duration::{Nanos, MS, SEC};
use crate::error::{num, quoted, InputError};
use crate::fault::scenario::resolve::{service as service_id, suggest};
use crate::fault::scenario::{duration_at, within};
use crate::topology::{to_ppm, Service, ServiceId, Topology};

/// Most deployments in one scenario (each keeps a report of a few hundred
/// bytes and its verdicts).
pub const MAX_DEPLOYMENTS: usize = 1000;
/// Most steps in one canary (each pause is at most one verdict).
pub const MAX_STEPS: usize = 100;
/// Most metrics one judge compares.
pub const MAX_METRICS: usize = 16;
/// Most samples per metric in one judgement (a pause or window over a step).
pub const MAX_SAMPLES: u64 = 10_000;

/// The action keys, in the order the hint lists them.
const ACTIONS: [&str; 6] = [
    "deploy",
    "shift",
    "rollback",
    "red_black",
    "rolling",
    "canary",
];

/// Default start-up of new instances, as an autoscaler's.
const STARTUP: &str = "30s";

/// Resolves deployment `i` (at JSON path `deployments[i]`).
pub fn resolve(
    topo: &Topology,
    i: usize,
    d: &DeploymentSpec,
) -> Result<super::Deployment, InputError> {
    let path = format!("deployments[{i}]");
    let at = duration_at(&format!("{path}.at"), &d.at, false)?;
    let present: Vec<&str> = ACTIONS
        .iter()
        .zip([
            d.deploy.is_some(),
            d.shift.is_some(),
            d.rollback.is_some(),
            d.red_black.is_some(),
            d.rolling.is_some(),
            d.canary.is_some(),
        ])
        .filter(|(_, p)| *p)
        .map(|(a, _)| *a)
        .collect();
    if present.len() != 1 {
        return Err(InputError::at(
            &path,
            format!("deployment {i} has {} actions{}.", present.len(), if present.is_empty() { String::new() } else { format!(" ({})", present.join(", ")) }),
        )
        .hint(format!("give exactly one of {}; deployments that start together are separate entries with the same \"at\".", ACTIONS.join(", "))));
    }
    Ok(super::Deployment {
        at,
        action: action(topo, &path, d)?,
    })
}

fn action(topo: &Topology, path: &str, d: &DeploymentSpec) -> Result<Rollout, InputError> {
    if let Some(x) = &d.deploy {
        let p = format!("{path}.deploy");
        let (service, s) = versioned(topo, &p, &x.service)?;
        let version = version(s, &format!("{p}.version"), &x.version)?;
        let instances = x
            .instances
            .map(|n| instances(topo, s, &format!("{p}.instances"), n, s.per_region))
            .transpose()?;
        return Ok(Rollout::Deploy {
            service,
            version,
            instances,
            startup: startup(&p, x.startup.as_deref())?,
        });
    }
    if let Some(x) = &d.shift {
        let p = format!("{path}.shift");
        let (service, s) = versioned(topo, &p, &x.service)?;
        let mut shares = vec![0.0; s.versions.len()];
        for (name, &w) in &x.weights {
            let at = format!("{p}.weights.{name}");
            let v = version(s, &at, name)?;
            if !(w.is_finite() && (0.0..=100.0).contains(&w)) {
                return Err(
                    InputError::at(at, format!("weight is {}, not a percentage.", num(w)))
                        .hint("give the percent of the traffic this version receives, 0 to 100."),
                );
            }
            shares[v as usize] = w;
        }
        let sum: f64 = shares.iter().sum();
        if (sum - 100.0).abs() > 1e-6 {
            return Err(InputError::at(
                format!("{p}.weights"),
                format!("the weights add up to {}, not 100.", num(sum)),
            )
            .hint(format!(
                "give percents that add up to 100 (a version not named gets 0), e.g. {{\"{}\": 90, \"{}\": 10}}.",
                s.versions[0].name,
                s.versions.get(1).map_or(s.versions[0].name.as_str(), |v| v.name.as_str())
            )));
        }
        let over = x
            .over
            .as_deref()
            .map(|t| {
                within(
                    &format!("{p}.over"),
                    t,
                    MS,
                    24 * 3600 * SEC,
                    "e.g. \"60s\" for a one-minute ramp",
                )
            })
            .transpose()?;
        return Ok(Rollout::Shift {
            service,
            weights: to_ppm(shares.into_iter()),
            over,
        });
    }
    if let Some(x) = &d.rollback {
        let p = format!("{path}.rollback");
        let (service, _) = versioned(topo, &p, &x.service)?;
        return Ok(Rollout::Rollback { service });
    }
    if let Some(x) = &d.red_black {
        let p = format!("{path}.red_black");
        let (service, s) = versioned(topo, &p, &x.service)?;
        return Ok(Rollout::RedBlack {
            service,
            version: version(s, &format!("{p}.version"), &x.version)?,
            startup: startup(&p, x.startup.as_deref())?,
            analysis: x
                .analysis
                .as_ref()
                .map(|a| analysis(&format!("{p}.analysis"), a, true))
                .transpose()?,
        });
    }
    if let Some(x) = &d.rolling {
        let p = format!("{path}.rolling");
        let (service, s) = versioned(topo, &p, &x.service)?;
        let batch = instances(
            topo,
            s,
            &format!("{p}.batch"),
            x.batch.unwrap_or(1),
            s.initial,
        )?;
        return Ok(Rollout::Rolling {
            service,
            version: version(s, &format!("{p}.version"), &x.version)?,
            batch,
            startup: startup(&p, x.startup.as_deref())?,
            pause: x
                .pause
                .as_deref()
                .map(|t| duration_at(&format!("{p}.pause"), t, false))
                .transpose()?
                .unwrap_or(0),
        });
    }
    let x = d.canary.as_ref().expect("one action");
    let p = format!("{path}.canary");
    let (service, s) = versioned(topo, &p, &x.service)?;
    let canary = version(s, &format!("{p}.canary"), &x.canary)?;
    let Some(base_name) = &x.baseline else {
        let stable = s
            .versions
            .iter()
            .max_by_key(|v| v.weight)
            .map_or("v1", |v| v.name.as_str());
        return Err(InputError::at(
            format!("{p}.baseline"),
            "a canary needs a baseline: the version it is compared with.",
        )
        .hint(format!("add \"baseline\": \"{stable}\" (the version serving now): as Kayenta does, a fresh group of it as large as the canary gets the same weight, and the judge compares the two.")));
    };
    let baseline = version(s, &format!("{p}.baseline"), base_name)?;
    if baseline == canary {
        return Err(InputError::at(
            format!("{p}.baseline"),
            format!("the baseline is the canary's own version \"{base_name}\"; there would be nothing to compare."),
        )
        .hint("name the version serving now as the baseline."));
    }
    // Stable, canary and baseline groups share the places: 2k more than the count.
    let room = (s.per_region - s.initial) / 2;
    let n = instances(
        topo,
        s,
        &format!("{p}.instances"),
        x.instances.unwrap_or(1),
        room.max(1),
    )?;
    if x.steps.is_empty() || x.steps.len() > MAX_STEPS {
        return Err(InputError::at(
            format!("{p}.steps"),
            format!("{} steps; a canary has 1 to {MAX_STEPS}.", x.steps.len()),
        )
        .hint("e.g. [{\"set_weight\": 1}, {\"pause\": \"60s\"}, {\"set_weight\": 5}, {\"pause\": \"60s\"}]."));
    }
    let analysis = x
        .analysis
        .as_ref()
        .map(|a| analysis(&format!("{p}.analysis"), a, false))
        .transpose()?;
    let steps = x
        .steps
        .iter()
        .enumerate()
        .map(|(j, st)| step(&format!("{p}.steps[{j}]"), st, analysis.as_ref()))
        .collect::<Result<Vec<_>, _>>()?;
    Ok(Rollout::Canary {
        service,
        canary,
        baseline,
        instances: n,
        startup: startup(&p, x.startup.as_deref())?,
        steps,
        analysis,
    })
}

/// The service named at `{path}.service`, which must have versions.
fn versioned<'t>(
    topo: &'t Topology,
    path: &str,
    name: &str,
) -> Result<(ServiceId, &'t Service), InputError> {
    let at = format!("{path}.service");
    let id = service_id(topo, &at, name)?;
    let s = &topo.services[id as usize];
    if s.versions.is_empty() {
        let with: Vec<&str> = topo
            .services
            .iter()
            .filter(|s| !s.versions.is_empty())
            .map(|s| s.name.as_str())
            .collect();
        return Err(InputError::at(at, format!("\"{name}\" has no versions, so there is nothing to deploy.")).hint(
            if with.is_empty() {
                format!("give \"{name}\" versions in the architecture, e.g. \"versions\": [{{\"name\": \"v1\"}}, {{\"name\": \"v2\", \"count\": 0}}].")
            } else {
                format!("give \"{name}\" versions in the architecture, or deploy one of the services that have them: {}.", with.join(", "))
            },
        ));
    }
    Ok((id, s))
}

fn version(s: &Service, at: &str, name: &str) -> Result<u8, InputError> {
    s.versions
        .iter()
        .position(|v| v.name == name)
        .map(|v| v as u8)
        .ok_or_else(|| {
            InputError::at(
                at,
                format!("{} is not a version of \"{}\".", quoted(name), s.name),
            )
            .hint(suggest(name, s.versions.iter().map(|v| v.name.as_str())))
        })
}

/// Instances per region: at least 1, scaled as counts are, at most `most`.
fn instances(topo: &Topology, s: &Service, at: &str, n: u32, most: u32) -> Result<u32, InputError> {
    let _ = topo;
    if n == 0 || n > most.max(1) {
        return Err(InputError::at(
            at,
            format!("{n} instances per region; \"{}\" has room for 1 to {}.", s.name, most.max(1)),
        )
        .hint(format!(
            "a service with versions lays out twice its count of places ({} per region here); use a number from 1 to {}.",
            s.per_region,
            most.max(1)
        )));
    }
    Ok(n)
}

fn startup(path: &str, text: Option<&str>) -> Result<Nanos, InputError> {
    duration_at(&format!("{path}.startup"), text.unwrap_or(STARTUP), false)
}

fn step(path: &str, st: &StepSpec, analysis: Option<&Analysis>) -> Result<Step, InputError> {
    match (st.set_weight, &st.pause) {
        (Some(w), None) => {
            if !(w > 0.0 && w <= 50.0) {
                return Err(InputError::at(
                    format!("{path}.set_weight"),
                    format!("set_weight is {}; a canary gets more than 0 and at most 50 percent.", num(w)),
                )
                .hint("the baseline group gets as much as the canary, so the two take at most all the traffic; promotion after the last step takes the rest."));
            }
            Ok(Step::SetWeight(libm::round(w * 10_000.0) as u32))
        }
        (None, Some(t)) => {
            let d = within(
                &format!("{path}.pause"),
                t,
                MS,
                24 * 3600 * SEC,
                "e.g. \"60s\"",
            )?;
            if let Some(a) = analysis {
                if d < a.step {
                    return Err(InputError::at(
                        format!("{path}.pause"),
                        format!("the pause is shorter than the analysis step ({}), so it holds no sample to judge.", crate::duration::format_duration(a.step)),
                    )
                    .hint("make every pause at least one analysis step long."));
                }
                if d / a.step.max(1) > MAX_SAMPLES {
                    return Err(InputError::at(
                        format!("{path}.pause"),
                        format!("the pause holds more than {MAX_SAMPLES} analysis steps, the most samples one judgement keeps."),
                    )
                    .hint("use a wider analysis step, or a shorter pause."));
                }
            }
            Ok(Step::Pause(d))
        }
        _ => Err(
            InputError::at(path, "a step is one of set_weight and pause.")
                .hint("write {\"set_weight\": 5} or {\"pause\": \"60s\"}, one per step."),
        ),
    }
}

fn analysis(path: &str, a: &AnalysisSpec, red_black: bool) -> Result<Analysis, InputError> {
    let step = within(
        &format!("{path}.step"),
        a.step.as_deref().unwrap_or("10s"),
        MS,
        3600 * SEC,
        "Kayenta reads its metrics at a step of about a minute; \"10s\" suits a short run",
    )?;
    let window = match (&a.window, red_black) {
        (Some(_), false) => {
            return Err(InputError::at(
                format!("{path}.window"),
                "window is a red/black push's: a canary is judged at the end of each pause.",
            )
            .hint("remove window; make the pauses as long as the intervals to judge."));
        }
        (w, _) => within(
            &format!("{path}.window"),
            w.as_deref().unwrap_or("60s"),
            MS,
            24 * 3600 * SEC,
            "e.g. \"60s\"",
        )?,
    };
    if red_black && window < step {
        return Err(InputError::at(
            format!("{path}.window"),
            "the window is shorter than the step: it holds no sample.",
        )
        .hint("make the window at least one step long."));
    }
    if u64::from(red_black) * window / step.max(1) > MAX_SAMPLES {
        return Err(InputError::at(
            format!("{path}.step"),
            format!("more than {MAX_SAMPLES} samples per judgement."),
        )
        .hint("use a wider step."));
    }
    let metrics: Vec<(MetricKind, DirectionSpec)> = match &a.metrics {
        None => vec![
            (MetricKind::ErrorRate, DirectionSpec::Increase),
            (MetricKind::LatencyMean, DirectionSpec::Increase),
        ],
        Some(m) => m.iter().map(|x| (x.metric, x.direction)).collect(),
    };
    if metrics.is_empty() || metrics.len() > MAX_METRICS {
        return Err(InputError::at(
            format!("{path}.metrics"),
            format!(
                "{} metrics; a judge compares 1 to {MAX_METRICS}.",
                metrics.len()
            ),
        )
        .hint("e.g. [{\"metric\": \"error_rate\"}, {\"metric\": \"latency_p99\"}]."));
    }
    if let Some(j) = (1..metrics.len()).find(|&j| metrics[..j].iter().any(|m| m.0 == metrics[j].0))
    {
        return Err(InputError::at(
            format!("{path}.metrics[{j}]"),
            format!("{} is compared twice.", metrics[j].0.name()),
        )
        .hint("list each metric once."));
    }
    let marginal = a.marginal.unwrap_or(75.0);
    let pass = a.pass.unwrap_or(95.0);
    if !(marginal.is_finite()
        && pass.is_finite()
        && (0.0..=100.0).contains(&marginal)
        && (marginal..=100.0).contains(&pass))
    {
        return Err(InputError::at(
            path,
            format!(
                "thresholds marginal {} and pass {} are not 0 ≤ marginal ≤ pass ≤ 100.",
                num(marginal),
                num(pass)
            ),
        )
        .hint("Kayenta's defaults are marginal 75 and pass 95."));
    }
    Ok(Analysis {
        step,
        metrics,
        marginal,
        pass,
        window,
    })
}
