//! How keys and caches fit together once the file is placed: the checks no
//! single value can make. A cache with a capacity must see only keyed
//! requests (a keyless read has nothing to look up), a copy in every zone
//! needs an instance in every zone, a data-access layer's caches either all
//! have a capacity or none, and all the entries a run may hold stay under
//! [`crate::cache::MAX_ENTRIES`].

use super::{Placement, Service, ServiceId};
use crate::behaviour::Role;
use crate::cache::{Copies, MAX_ENTRIES};
use crate::error::InputError;
use crate::model::ArchSpec;
use crate::traffic::EntryTraffic;

pub(super) fn check(
    spec: &ArchSpec,
    services: &[Service],
    entry_points: &[ServiceId],
    entry_traffic: &[EntryTraffic],
) -> Result<(), InputError> {
    let at = |sid: usize, k: &str| format!("services[{sid}] \"{}\".{k}", services[sid].name);
    let mut entries: u64 = 0;
    for (sid, s) in services.iter().enumerate() {
        if let Some(c) = &s.cache {
            entries += u64::from(c.capacity) * u64::from(s.instance_count());
            let zones = spec.zones;
            if c.copies == Copies::EveryZone
                && (s.placement != Placement::Zoned || s.per_region < zones)
            {
                return Err(InputError::at(
                    at(sid, "cache.copies"),
                    format!(
                        "a copy in every zone needs an instance in each of the {zones} zones, and \"{}\" has {} per region{}.",
                        s.name,
                        if s.placement == Placement::Zoned { s.per_region } else { 1 },
                        if s.placement == Placement::Zoned { " after scaling" } else { " (a regional or global node)" }
                    ),
                )
                .hint(format!("give the cache a count of at least {zones} (and a scale that keeps it), or \"copies\": \"one\".")));
            }
        }
        if s.role == Role::DataAccess {
            let caches: Vec<_> = s.deps.iter().filter(|d| d.cache_like).collect();
            if s.keyed_caches && caches.iter().any(|d| d.copies == 0) {
                return Err(InputError::at(
                    at(sid, "dependencies"),
                    format!("\"{}\" reads caches with a capacity and caches without one; a read would be looked up in some and decided by hit_rate in others.", s.name),
                )
                .hint("give every cache it reads a \"cache\" with a capacity, or none of them."));
            }
            if s.keyed_caches && spec.services[sid].hit_rate.is_some() {
                return Err(InputError::at(
                    at(sid, "hit_rate"),
                    format!("\"{}\" reads caches with a capacity, whose hit rate comes from the keys and the capacity, so hit_rate would be ignored.", s.name),
                )
                .hint("remove hit_rate (or the caches' capacity, to keep a fixed hit rate)."));
            }
        }
    }
    if entries > u64::from(MAX_ENTRIES) {
        return Err(InputError::at(
            "services",
            format!(
                "the caches could hold {entries} entries in all (capacity × instances), more than the {MAX_ENTRIES} a run may hold ({} bytes each).",
                crate::cache::ENTRY_BYTES
            ),
        )
        .hint("lower the caches' capacity or count, or the scale."));
    }
    keyless_reach(services, entry_points, entry_traffic)
}

/// Refuses a cache with a capacity that a request without a key can reach:
/// from the entry points whose traffic has no `keys`, along dependencies
/// that do not draw their own.
fn keyless_reach(
    services: &[Service],
    entry_points: &[ServiceId],
    entry_traffic: &[EntryTraffic],
) -> Result<(), InputError> {
    // How each service was first reached without a key: (caller, or itself for an entry point).
    let mut via: Vec<Option<ServiceId>> = vec![None; services.len()];
    let mut stack: Vec<ServiceId> = Vec::new();
    for (&e, t) in entry_points.iter().zip(entry_traffic) {
        if t.keys.is_none() && via[e as usize].is_none() {
            via[e as usize] = Some(e);
            stack.push(e);
        }
    }
    while let Some(sid) = stack.pop() {
        let s = &services[sid as usize];
        if s.cache.is_some() || s.replication.is_some() {
            let what = if s.cache.is_some() {
                "cache"
            } else {
                "replication"
            };
            let mut path = vec![s.name.as_str()];
            let mut at = sid;
            while let Some(from) = via[at as usize].filter(|&f| f != at) {
                path.push(&services[from as usize].name);
                at = from;
            }
            path.reverse();
            let why = if s.cache.is_some() {
                "a cache with a capacity has nothing to look them up by"
            } else {
                "a replicated store places and versions each request by its key"
            };
            return Err(InputError::at(
                format!("services[{sid}] \"{}\".{what}", s.name),
                format!(
                    "requests without a key reach the {what} of \"{}\" ({}), and {why}.",
                    s.name,
                    path.join(" → ")
                ),
            )
            .hint(format!(
                "give the traffic keys (\"traffic\": {{\"keys\": {{\"count\": 1000000, \"zipf\": 0.8}}}}, at the top level or on {}), or the dependency that leads there; or remove the cache's capacity (the store's replication).",
                services[at as usize].name
            )));
        }
        for d in s.deps.iter().filter(|d| d.keys.is_none()) {
            if via[d.target as usize].is_none() {
                via[d.target as usize] = Some(sid);
                stack.push(d.target);
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use crate::model::load_arch;
    use crate::topology::{BuildOptions, Topology};

    fn build(text: &str) -> Result<Topology, String> {
        Topology::build(
            &load_arch(text).map_err(|e| e.to_string())?,
            &BuildOptions::default(),
        )
        .map_err(|e| e.to_string())
    }

    const CACHE: &str = r#"{"name":"evcache","package":"cache","count":3,"cache":{"capacity":100,"copies":"every_zone"}}"#;
    const DB: &str = r#"{"name":"db","package":"store","count":1}"#;

    #[test]
    fn a_capacity_cache_needs_keys_on_every_path() {
        let dal = r#"{"name":"dal","package":"staash","count":1,"dependencies":["evcache","db"]}"#;
        let e = build(&format!(
            r#"{{"arch":"t","services":[{CACHE},{DB},{dal}]}}"#
        ))
        .unwrap_err();
        assert!(
            e.contains("services[0] \"evcache\".cache")
                && e.contains("dal → evcache")
                && e.contains("Fix:"),
            "{e}"
        );
        let keyed = format!(
            r#"{{"arch":"t","traffic":{{"keys":{{"count":1000}}}},"services":[{CACHE},{DB},{dal}]}}"#
        );
        let t = build(&keyed).unwrap();
        assert!(t.services[2].keyed_caches);
        assert_eq!(t.services[2].deps[0].copies, 3);
        // Keys drawn on the dependency that leads there are enough.
        let front = r#"{"name":"web","package":"karyon","count":1,"dependencies":[{"service":"dal","keys":{"count":10}}]}"#;
        build(&format!(
            r#"{{"arch":"t","services":[{CACHE},{DB},{dal},{front}]}}"#
        ))
        .unwrap();
    }

    #[test]
    fn impossible_layouts_are_refused() {
        let dal = r#"{"name":"dal","package":"staash","count":1,"dependencies":["evcache","db"]}"#;
        let keys = r#""traffic":{"keys":{"count":1000}}"#;
        let two = CACHE.replace(r#""count":3"#, r#""count":2"#);
        let e = build(&format!(
            r#"{{"arch":"t",{keys},"services":[{two},{DB},{dal}]}}"#
        ))
        .unwrap_err();
        assert!(e.contains("cache.copies") && e.contains("3 zones"), "{e}");
        let rate = dal.replace(r#""count":1,"#, r#""count":1,"hit_rate":0.5,"#);
        let e = build(&format!(
            r#"{{"arch":"t",{keys},"services":[{CACHE},{DB},{rate}]}}"#
        ))
        .unwrap_err();
        assert!(e.contains("\"dal\".hit_rate"), "{e}");
        let other = r#"{"name":"memcache","package":"cache","count":1}"#;
        let mixed = r#"{"name":"dal","package":"staash","count":1,"dependencies":["evcache","memcache","db"]}"#;
        let e = build(&format!(
            r#"{{"arch":"t",{keys},"services":[{CACHE},{DB},{other},{mixed}]}}"#
        ))
        .unwrap_err();
        assert!(
            e.contains("\"dal\".dependencies") && e.contains("without one"),
            "{e}"
        );
        let huge = CACHE.replace("100,", "20000000,");
        let e = build(&format!(
            r#"{{"arch":"t",{keys},"services":[{huge},{DB},{dal}]}}"#
        ))
        .unwrap_err();
        assert!(e.contains("60000000 entries"), "{e}");
        let not_cache = DB.replace(r#""count":1"#, r#""count":1,"cache":{"capacity":5}"#);
        let e = build(&format!(
            r#"{{"arch":"t",{keys},"services":[{CACHE},{not_cache},{dal}]}}"#
        ))
        .unwrap_err();
        assert!(
            e.contains("\"db\".cache") && e.contains("not a cache"),
            "{e}"
        );
    }
}
