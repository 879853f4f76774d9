//! Faults in words, for tables and reports: what, where and when
//! ("zone outage of us-east-1 zoneA (refusing) from 20 s to 50 s"), so a
//! reader of a run's summary knows which fault it was without the scenario
//! file beside it.

use super::{Action, Fault, Mode, Place};
use crate::duration::{format_duration, Nanos};
use crate::error::compact;
use crate::topology::Topology;

fn zone_name(zone: u8) -> String {
    format!("zone{}", (b'A' + zone.min(25)) as char)
}

fn region_name(topo: &Topology, region: u16) -> &str {
    topo.regions
        .get(region as usize)
        .map_or("?", String::as_str)
}

fn place(topo: &Topology, p: Place) -> String {
    match p.zone {
        Some(z) => format!("{} {}", region_name(topo, p.region), zone_name(z)),
        None => region_name(topo, p.region).to_string(),
    }
}

fn mode(m: Mode) -> &'static str {
    match m {
        Mode::Refuse => "refusing",
        Mode::Hang => "hanging",
    }
}

fn service(topo: &Topology, id: u32) -> &str {
    topo.services
        .get(id as usize)
        .map_or("?", |s| s.name.as_str())
}

fn percent(fraction: f64) -> String {
    format!("{} %", compact(fraction * 100.0))
}

/// What the fault does and where, without its times.
pub fn what(f: &Fault, topo: &Topology) -> String {
    match &f.action {
        Action::Kill {
            service: s,
            count,
            region,
            zone,
            mode: m,
        } => {
            let within = match (region, zone) {
                (Some(r), Some(z)) => format!(" in {} {}", region_name(topo, *r), zone_name(*z)),
                (Some(r), None) => format!(" in {}", region_name(topo, *r)),
                _ => String::new(),
            };
            format!(
                "{count} instance{} of {} killed{within} ({})",
                if *count == 1 { "" } else { "s" },
                service(topo, *s),
                mode(*m)
            )
        }
        Action::ChaosMonkey {
            mean_between,
            service: s,
            mode: m,
        } => format!(
            "chaos monkey killing {} every {} on average ({})",
            s.map_or("any zoned instance".to_string(), |s| format!(
                "an instance of {}",
                service(topo, s)
            )),
            format_duration(*mean_between),
            mode(*m)
        ),
        Action::ZoneOutage {
            region,
            zone,
            mode: m,
        } => format!(
            "zone outage of {} {} ({})",
            region_name(topo, *region),
            zone_name(*zone),
            mode(*m)
        ),
        Action::RegionOutage { region, mode: m } => {
            format!(
                "region outage of {} ({})",
                region_name(topo, *region),
                mode(*m)
            )
        }
        Action::Latency {
            service: s,
            add,
            fraction,
        } => format!(
            "{} of requests to {} {} slower",
            percent(*fraction),
            service(topo, *s),
            format_duration(*add)
        ),
        Action::Errors {
            service: s,
            fraction,
        } => format!(
            "{} of requests to {} failing (injected)",
            percent(*fraction),
            service(topo, *s)
        ),
        Action::KillInstance { instance, mode: m } => format!(
            "instance {} killed ({})",
            topo.instance_name(*instance),
            mode(*m)
        ),
        Action::FlashCrowd { entry, factor } => format!(
            "flash crowd: {} × the traffic of {}",
            compact(*factor),
            entry.map_or("every entry point", |e| service(topo, e))
        ),
        Action::Partition { a, b } => {
            format!(
                "partition between {} and {}",
                place(topo, *a),
                place(topo, *b)
            )
        }
    }
}

/// When: "at 20s", "from 20s to 50s", "from the start".
pub fn when(at: Nanos, until: Option<Nanos>) -> String {
    match until {
        Some(u) => format!("from {} to {}", format_duration(at), format_duration(u)),
        None if at == 0 => "from the start".to_string(),
        None => format!("at {}", format_duration(at)),
    }
}

/// What, where and when.
pub fn describe(f: &Fault, topo: &Topology) -> String {
    format!("{} {}", what(f, topo), when(f.at, f.until))
}

#[cfg(test)]
mod tests {
    use crate::{Input, RunOptions, RunSpec};

    #[test]
    fn faults_are_told_with_what_where_and_when() {
        let arch = r#"{"arch":"t","services":[{"name":"db","package":"store","count":3},
            {"name":"api","package":"karyon","count":3,"dependencies":["db"]}]}"#;
        let scenario = r#"{"faults":[
            {"at":"20s","for":"30s","zone_outage":{"region":"us-east-1","zone":"zoneA"}},
            {"at":"5s","latency":{"service":"db","add_ms":200,"percent":50}},
            {"at":"1s","for":"2s","partition":{"between":["us-east-1.zoneA","us-east-1.zoneB"]}},
            {"at":"0s","kill":{"service":"api","instances":2,"mode":"hang"}}]}"#;
        let spec = RunSpec::new(
            Input::new("a", arch),
            Some(Input::new("s", scenario)),
            RunOptions::default(),
        )
        .unwrap();
        let told: Vec<String> = spec
            .scenario()
            .faults
            .iter()
            .map(|f| super::describe(f, spec.topology()))
            .collect();
        assert_eq!(
            told,
            [
                "zone outage of us-east-1 zoneA (refusing) from 20s to 50s",
                "50 % of requests to db 200ms slower at 5s",
                "partition between us-east-1 zoneA and us-east-1 zoneB from 1s to 3s",
                "2 instances of api killed (hanging) from the start",
            ]
        );
    }
}
