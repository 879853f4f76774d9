//! Names in a scenario (services, regions, zones, places) resolved to topology
//! ids, with errors that say what exists.

use super::{FaultSpec, FlashCrowdSpec, KillSpec};
use crate::duration::MS;
use crate::error::{did_you_mean, num, quoted, InputError};
use crate::fault::{Action, Place, MAX_FLASH_FACTOR};
use crate::model::LIMITS;
use crate::topology::{Placement, ServiceId, Topology};

/// The one action of `f` (the caller checked there is exactly one).
pub(super) fn action(topo: &Topology, path: &str, f: &FaultSpec) -> Result<Action, InputError> {
    if let Some(k) = &f.kill {
        return kill(topo, &format!("{path}.kill"), k);
    }
    if let Some(c) = &f.chaos_monkey {
        let p = format!("{path}.chaos_monkey");
        return Ok(Action::ChaosMonkey {
            mean_between: super::within(
                &format!("{p}.mean_between_kills"),
                &c.mean_between_kills,
                crate::duration::MS,
                crate::duration::MAX_DURATION,
                "Chaos Monkey kills about one instance per service per working day; try \"10s\" for a demo",
            )?,
            service: c
                .service
                .as_deref()
                .map(|s| service(topo, &format!("{p}.service"), s))
                .transpose()?,
            mode: c.mode.into(),
        });
    }
    if let Some(z) = &f.zone_outage {
        let p = format!("{path}.zone_outage");
        return Ok(Action::ZoneOutage {
            region: region(topo, &format!("{p}.region"), &z.region)?,
            zone: zone(topo, &format!("{p}.zone"), &z.zone)?,
            mode: z.mode.into(),
        });
    }
    if let Some(r) = &f.region_outage {
        let p = format!("{path}.region_outage");
        return Ok(Action::RegionOutage {
            region: region(topo, &format!("{p}.region"), &r.region)?,
            mode: r.mode.into(),
        });
    }
    if let Some(l) = &f.latency {
        let p = format!("{path}.latency");
        let service = service(topo, &format!("{p}.service"), &l.service)?;
        if !(l.add_ms > 0.0 && l.add_ms <= LIMITS.max_ms) {
            return Err(InputError::at(
                format!("{p}.add_ms"),
                format!(
                    "add_ms is {}, outside (0, {}] ms.",
                    num(l.add_ms),
                    LIMITS.max_ms
                ),
            )
            .hint("give the delay in milliseconds, e.g. \"add_ms\": 200."));
        }
        return Ok(Action::Latency {
            service,
            add: (l.add_ms * MS as f64).round() as u64,
            fraction: fraction(&format!("{p}.percent"), l.percent)?,
        });
    }
    if let Some(e) = &f.errors {
        let p = format!("{path}.errors");
        return Ok(Action::Errors {
            service: service(topo, &format!("{p}.service"), &e.service)?,
            fraction: fraction(&format!("{p}.percent"), e.percent)?,
        });
    }
    if let Some(c) = &f.flash_crowd {
        return flash_crowd(topo, &format!("{path}.flash_crowd"), c);
    }
    if let Some(part) = &f.partition {
        return partition(topo, &format!("{path}.partition.between"), &part.between);
    }
    unreachable!("resolve_fault checked that {path} has one action")
}

/// A percentage in (0, 100] as a fraction.
fn fraction(path: &str, percent: f64) -> Result<f64, InputError> {
    if percent > 0.0 && percent <= 100.0 {
        Ok(percent / 100.0)
    } else {
        Err(InputError::at(
            path,
            format!("percent is {}, outside (0, 100].", num(percent)),
        )
        .hint("give the share of requests affected, e.g. \"percent\": 10; 100 means all."))
    }
}

/// "use one of: a, b." or "did you mean \"a\"?".
pub(in crate::fault) fn suggest<'a>(
    word: &str,
    known: impl IntoIterator<Item = &'a str> + Clone,
) -> String {
    match did_you_mean(word, known.clone()) {
        Some(best) => format!("did you mean \"{best}\"?"),
        None => format!(
            "use one of: {}.",
            known.into_iter().collect::<Vec<_>>().join(", ")
        ),
    }
}

pub(in crate::fault) fn service(
    topo: &Topology,
    path: &str,
    name: &str,
) -> Result<ServiceId, InputError> {
    topo.service_id(name).ok_or_else(|| {
        InputError::at(
            path,
            format!("{} is not a service of {}.", quoted(name), topo.arch),
        )
        .hint(suggest(name, topo.services.iter().map(|s| s.name.as_str())))
    })
}

fn region(topo: &Topology, path: &str, name: &str) -> Result<u16, InputError> {
    if let Some(r) = topo.regions.iter().position(|r| r == name) {
        return Ok(r as u16);
    }
    let e = InputError::at(
        path,
        format!(
            "{} is not a region of this run, which has {} region(s){}.",
            quoted(name),
            topo.regions.len(),
            if topo.regions.is_empty() {
                String::new()
            } else {
                format!(": {}", topo.regions.join(", "))
            }
        ),
    );
    // Region names are alike ("eu-west-1" is close to "us-east-1"): list them all.
    let known = if topo.regions.is_empty() {
        "this architecture places nothing in a region".to_string()
    } else {
        format!("use one of: {}", topo.regions.join(", "))
    };
    Err(e.hint(format!(
        "{known}, or run more regions with the regions multiplier (named us-east-1, us-west-2, ... in order)."
    )))
}

fn zone_names(topo: &Topology) -> Vec<String> {
    (0..topo.zones.min(26))
        .map(|z| format!("zone{}", (b'A' + z as u8) as char))
        .collect()
}

fn zone(topo: &Topology, path: &str, name: &str) -> Result<u8, InputError> {
    let names = zone_names(topo);
    if let Some(z) = names.iter().position(|z| z == name) {
        return Ok(z as u8);
    }
    Err(InputError::at(
        path,
        format!(
            "{} is not a zone of {}, which has {} zone(s) per region.",
            quoted(name),
            topo.arch,
            topo.zones
        ),
    )
    // Zones are few and alike ("zoneD" is close to "zoneC"): list them all.
    .hint(format!("use one of: {}.", names.join(", "))))
}

fn kill(topo: &Topology, path: &str, k: &KillSpec) -> Result<Action, InputError> {
    let id = service(topo, &format!("{path}.service"), &k.service)?;
    let s = &topo.services[id as usize];
    let name = &k.service;
    if k.zone.is_some() && k.region.is_none() {
        return Err(InputError::at(
            format!("{path}.zone"),
            "a zone is given without its region.",
        )
        .hint(format!(
            "add \"region\", e.g. \"region\": \"{}\".",
            topo.regions.first().map_or("us-east-1", |r| r.as_str())
        )));
    }
    let region = k
        .region
        .as_deref()
        .map(|r| region(topo, &format!("{path}.region"), r))
        .transpose()?;
    let zone = k
        .zone
        .as_deref()
        .map(|z| zone(topo, &format!("{path}.zone"), z))
        .transpose()?;
    if s.placement == Placement::Global && region.is_some() {
        return Err(InputError::at(
            format!("{path}.region"),
            format!("\"{name}\" is one global node, in no region."),
        )
        .hint("remove \"region\" and \"zone\" to kill it."));
    }
    if s.placement == Placement::Regional && zone.is_some() {
        return Err(InputError::at(
            format!("{path}.zone"),
            format!("\"{name}\" is one node per region, spanning its zones."),
        )
        .hint("remove \"zone\" to kill a region's node."));
    }
    let first = s.first as usize;
    let available = topo.instances[first..first + s.instance_count() as usize]
        .iter()
        .filter(|i| region.is_none_or(|r| i.region == r) && zone.is_none_or(|z| i.zone == z))
        .count() as u32;
    let place = match (&k.region, &k.zone) {
        (Some(r), Some(z)) => format!(" in {r} {z}"),
        (Some(r), None) => format!(" in {r}"),
        _ => String::new(),
    };
    if k.instances == 0 {
        return Err(InputError::at(
            format!("{path}.instances"),
            "instances is 0: nothing would die.",
        )
        .hint("use 1 or more, or remove the fault."));
    }
    if available == 0 {
        let runs_in = topo.regions[..(s.regions as usize).min(topo.regions.len())].join(", ");
        return Err(InputError::at(
            format!("{path}.{}", if zone.is_some() { "zone" } else { "region" }),
            format!("\"{name}\" has no instances{place}."),
        )
        .hint(format!(
            "it runs in {runs_in} with {} instance(s) per region over the first {} zone(s).",
            s.per_region,
            s.per_region.min(topo.zones)
        )));
    }
    if k.instances > available {
        return Err(InputError::at(
            format!("{path}.instances"),
            format!(
                "the kill asks for {} instances of \"{name}\", but it has {available}{place}.",
                k.instances
            ),
        )
        .hint(format!("use \"instances\": {available} or fewer.")));
    }
    Ok(Action::Kill {
        service: id,
        count: k.instances,
        region,
        zone,
        mode: k.mode.into(),
    })
}

/// "us-east-1" or "us-east-1.zoneA".
fn place(topo: &Topology, path: &str, text: &str) -> Result<Place, InputError> {
    let (r, z) = match text.split_once('.') {
        Some((r, z)) => (r, Some(z)),
        None => (text, None),
    };
    Ok(Place {
        region: region(topo, path, r)?,
        zone: z.map(|z| zone(topo, path, z)).transpose()?,
    })
}

fn partition(topo: &Topology, path: &str, between: &[String]) -> Result<Action, InputError> {
    let [a, b] = between else {
        return Err(InputError::at(
            path,
            format!("a partition is between two places; {} given.", between.len()),
        )
        .hint("e.g. \"between\": [\"us-east-1\", \"us-west-2\"] or [\"us-east-1.zoneA\", \"us-east-1.zoneB\"]."));
    };
    let pa = place(topo, &format!("{path}[0]"), a)?;
    let pb = place(topo, &format!("{path}[1]"), b)?;
    let overlap =
        pa.region == pb.region && (pa.zone.is_none() || pb.zone.is_none() || pa.zone == pb.zone);
    if overlap {
        return Err(InputError::at(
            path,
            format!("the two sides, \"{a}\" and \"{b}\", overlap: nothing lies between them."),
        )
        .hint("name two regions, or two zones of one region (\"us-east-1.zoneA\", \"us-east-1.zoneB\")."));
    }
    Ok(Action::Partition { a: pa, b: pb })
}

fn flash_crowd(topo: &Topology, path: &str, c: &FlashCrowdSpec) -> Result<Action, InputError> {
    if !(c.factor > 0.0 && c.factor <= MAX_FLASH_FACTOR) {
        return Err(InputError::at(
            format!("{path}.factor"),
            format!(
                "factor is {}, outside (0, {}].",
                num(c.factor),
                MAX_FLASH_FACTOR
            ),
        )
        .hint("give how many times the usual traffic arrives, e.g. \"factor\": 4; below 1 the traffic drops."));
    }
    let entry = match c.entry.as_deref() {
        None => None,
        Some(name) => {
            let names: Vec<&str> = topo
                .entry_points
                .iter()
                .map(|&e| topo.services[e as usize].name.as_str())
                .collect();
            let found = topo
                .entry_points
                .iter()
                .copied()
                .find(|&e| topo.services[e as usize].name == name);
            let Some(e) = found else {
                let what = if topo.service_id(name).is_some() {
                    format!(
                        "{} is a service of {} but not an entry point: no external traffic reaches it.",
                        quoted(name),
                        topo.arch
                    )
                } else {
                    format!("{} is not an entry point of {}.", quoted(name), topo.arch)
                };
                let mut listed = names
                    .iter()
                    .take(10)
                    .copied()
                    .collect::<Vec<_>>()
                    .join(", ");
                if names.len() > 10 {
                    listed.push_str(&format!(" and {} more", names.len() - 10));
                }
                let guess = did_you_mean(name, names.iter().copied())
                    .map_or(String::new(), |b| format!("did you mean \"{b}\"? "));
                return Err(InputError::at(format!("{path}.entry"), what).hint(format!(
                    "{guess}the entry points are {listed}; leave \"entry\" out for all of them."
                )));
            };
            Some(e)
        }
    };
    Ok(Action::FlashCrowd {
        entry,
        factor: c.factor,
    })
}
