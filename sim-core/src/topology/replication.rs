//! How a replicated store fits its placement: the checks its `replication`
//! cannot make alone. The factor must not exceed the instances of a region,
//! each consistency level must be satisfiable with that factor over the
//! store's regions, the store must run in zones, in at most
//! [`MAX_REGIONS`] regions, and the keyspaces of a run with a replicated
//! store stay under [`MAX_STORE_KEYS`] (each key touched costs memory).

use super::{Placement, Service};
use crate::error::InputError;
use crate::replication::{MAX_REGIONS, MAX_STORE_KEYS};
use crate::traffic::EntryTraffic;

pub(super) fn check(
    services: &[Service],
    entry_traffic: &[EntryTraffic],
) -> Result<(), InputError> {
    let mut any = false;
    for (sid, s) in services.iter().enumerate() {
        let Some(r) = &s.replication else { continue };
        any = true;
        let at = |k: &str| format!("services[{sid}] \"{}\".replication.{k}", s.name);
        if s.placement != Placement::Zoned {
            return Err(InputError::at(
                at("factor"),
                format!("\"{}\" is a single regional or global node; replicas live on instances in zones.", s.name),
            )
            .hint("give the store a count of at least the factor (instances per region)."));
        }
        if s.regions as usize > MAX_REGIONS {
            return Err(InputError::at(
                at("factor"),
                format!(
                    "\"{}\" runs in {} regions; a replicated store spans at most {MAX_REGIONS}.",
                    s.name, s.regions
                ),
            )
            .hint("give the store fewer regions (\"regions\")."));
        }
        if r.factor > s.per_region {
            return Err(InputError::at(
                at("factor"),
                format!(
                    "factor is {} but \"{}\" has {} instance(s) per region (after scaling): a key cannot have more copies than there are nodes.",
                    r.factor, s.name, s.per_region
                ),
            )
            .hint(format!("use a factor of at most {}, or give the store more instances.", s.per_region)));
        }
        for (key, level) in [("read", r.read), ("write", r.write)] {
            if !level
                .need(r.factor, s.regions)
                .possible(r.factor, s.regions)
            {
                return Err(InputError::at(
                    at(key),
                    format!(
                        "{} needs {} replicas, and a factor of {} in {} region(s) gives {}: every {key} would fail unavailable.",
                        level.name(),
                        level.count(r.factor, s.regions),
                        r.factor,
                        s.regions,
                        r.factor * s.regions
                    ),
                )
                .hint("raise the factor, or choose a level it can satisfy (ONE, QUORUM, LOCAL_QUORUM or ALL always can)."));
            }
        }
    }
    if !any {
        return Ok(());
    }
    let spaces = entry_traffic
        .iter()
        .filter_map(|t| t.keys.map(|k| ("traffic.keys", k)))
        .chain(services.iter().flat_map(|s| {
            s.deps
                .iter()
                .filter_map(|d| d.keys.map(|k| ("dependencies[].keys", k)))
        }));
    for (at, k) in spaces {
        if k.zipf.n() > MAX_STORE_KEYS {
            return Err(InputError::at(
                at,
                format!(
                    "a keyspace of {} keys in a run with a replicated store: each key touched costs {} bytes and a copy per replica, and the run holds at most {MAX_STORE_KEYS} keys.",
                    k.zipf.n(),
                    crate::replication::data::KEY_BYTES
                ),
            )
            .hint("use a keyspace of at most 20000000 keys (the popular ones are what a run touches)."));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use crate::model::load_arch;
    use crate::topology::{BuildOptions, Topology};

    fn build(store: &str, traffic: &str) -> Result<Topology, String> {
        let text = format!(
            r#"{{"arch":"t",{traffic}"services":[{store},
            {{"name":"api","package":"karyon","count":3,"dependencies":["cass"]}}]}}"#
        );
        Topology::build(
            &load_arch(&text).map_err(|e| e.to_string())?,
            &BuildOptions::default(),
        )
        .map_err(|e| e.to_string())
    }
    const KEYS: &str = r#""traffic":{"keys":{"count":1000}},"#;

    #[test]
    fn levels_the_factor_cannot_satisfy_are_refused() {
        let store = |r: &str| {
            format!(r#"{{"name":"cass","package":"priamCassandra","count":3,"replication":{r}}}"#)
        };
        let t = build(&store(r#"{"factor":3,"read":"QUORUM"}"#), KEYS).unwrap();
        assert_eq!(t.services[0].ring_replicas, 0);
        let e = build(&store(r#"{"factor":2,"write":"THREE"}"#), KEYS).unwrap_err();
        assert!(
            e.contains("\"cass\".replication.write")
                && e.contains("THREE needs 3")
                && e.contains("Fix:"),
            "{e}"
        );
        let e = build(&store(r#"{"factor":4}"#), KEYS).unwrap_err();
        assert!(
            e.contains("replication.factor") && e.contains("3 instance(s)"),
            "{e}"
        );
        let e = build(&store(r#"{"factor":3}"#), "").unwrap_err();
        assert!(
            e.contains("\"cass\".replication") && e.contains("api → cass"),
            "{e}"
        );
        let big = r#""traffic":{"keys":{"count":100000000}},"#;
        let e = build(&store(r#"{"factor":3}"#), big).unwrap_err();
        assert!(e.contains("traffic.keys") && e.contains("20000000"), "{e}");
    }
}
