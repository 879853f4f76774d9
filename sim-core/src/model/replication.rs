//! A replicated store's `replication` as the file writes it: replication
//! factor per region, consistency levels of reads and writes, virtual
//! nodes, storage, read repair and anti-entropy. Checked here one value at a
//! time; [`crate::topology`] checks it against the store's placement (a
//! factor above the instances of a region, a level the factor cannot
//! satisfy, requests without keys).

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::duration::{parse_duration, MAX_DURATION, SEC};
use crate::error::InputError;
use crate::model::ServiceSpec;
use crate::replication::{
    Level, ReplicationConfig, Storage, DEFAULT_VNODES, MAX_FACTOR, MAX_VNODES,
};

/// Whether a replica's data outlives its process.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum StorageSpec {
    /// A disk that survives a restart (EBS): a restarted replica keeps its data.
    #[default]
    Persistent,
    /// The instance's own disk (EC2 instance store): a replaced replica comes back empty.
    Ephemeral,
}

/// How a store keeps copies of its keys: Cassandra's replication and
/// tunable consistency.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ReplicationSpec {
    /// Replicas of each key in every region the store runs in (1 to 9; at
    /// most the store's instances per region).
    #[schemars(range(min = 1, max = 9))]
    pub factor: u32,
    /// Consistency level of reads (default ONE, Cassandra's default).
    #[serde(default = "one")]
    pub read: Level,
    /// Consistency level of writes (default ONE).
    #[serde(default = "one")]
    pub write: Level,
    /// Tokens per instance on the ring (1 to 256; default 16, Cassandra 4.0's `num_tokens`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(range(min = 1, max = 256))]
    pub vnodes: Option<u32>,
    /// "persistent" (default) or "ephemeral": whether a restarted replica keeps its data.
    #[serde(default)]
    pub storage: StorageSpec,
    /// After a read, send the newest version it found to the replicas it
    /// heard answer an older one (default false).
    #[serde(default)]
    pub read_repair: bool,
    /// Run anti-entropy repair this often ("10m"): every live replica of
    /// every key is brought up to the newest live copy it can reach. Absent: never.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub anti_entropy: Option<String>,
}

fn one() -> Level {
    Level::One
}

/// Shortest anti-entropy period: each pass visits every key touched.
const MIN_REPAIR: u64 = SEC;

impl ReplicationSpec {
    /// Checks the replication at JSON path `at` and compiles it.
    pub fn check(&self, at: &str) -> Result<ReplicationConfig, InputError> {
        let path = |k: &str| format!("{at}.{k}");
        if self.factor == 0 || self.factor > MAX_FACTOR {
            return Err(InputError::at(
                path("factor"),
                format!("factor is {}, outside 1..={MAX_FACTOR}.", self.factor),
            )
            .hint(
                "give the copies of each key in every region, e.g. 3 (Cassandra's usual factor).",
            ));
        }
        let vnodes = self.vnodes.unwrap_or(DEFAULT_VNODES);
        if vnodes == 0 || vnodes > MAX_VNODES {
            return Err(InputError::at(
                path("vnodes"),
                format!("vnodes is {vnodes}, outside 1..={MAX_VNODES}."),
            )
            .hint("use 16 (Cassandra 4.0's num_tokens), or remove vnodes."));
        }
        let anti_entropy = match &self.anti_entropy {
            None => None,
            Some(t) => {
                let d = parse_duration(t).map_err(|mut e| {
                    e.path = path("anti_entropy");
                    e
                })?;
                if !(MIN_REPAIR..=MAX_DURATION).contains(&d) {
                    return Err(InputError::at(
                        path("anti_entropy"),
                        format!("anti_entropy is {t}; it must be between 1s and 100 days."),
                    )
                    .hint("e.g. \"10m\", or remove anti_entropy for no periodic repair."));
                }
                Some(d)
            }
        };
        Ok(ReplicationConfig {
            factor: self.factor,
            read: self.read,
            write: self.write,
            vnodes,
            storage: match self.storage {
                StorageSpec::Persistent => Storage::Persistent,
                StorageSpec::Ephemeral => Storage::Ephemeral,
            },
            read_repair: self.read_repair,
            anti_entropy,
        })
    }
}

/// Checks the `replication` of service `i` of the file, if any: only on a
/// store, not with `replicas` (the old ring's peers), a cache capacity,
/// versions or autoscaling.
pub fn check_service(i: usize, s: &ServiceSpec) -> Result<(), InputError> {
    let Some(r) = &s.replication else {
        return Ok(());
    };
    let at = |k: &str| format!("services[{i}] \"{}\".{k}", s.name);
    r.check(&at("replication"))?;
    let conflict = if crate::behaviour::Role::of(s.package) != crate::behaviour::Role::Store {
        Some((
            "replication",
            format!("\"{}\" is not a store: replication belongs to a service of package store, priamCassandra or riak.", s.name),
            "move \"replication\" to the store the service calls.",
        ))
    } else if s.replicas.is_some() {
        Some((
            "replicas",
            "replicas (the peers of a ring without data) and replication cannot both be given."
                .to_string(),
            "remove \"replicas\": replication's factor says how many copies each key has.",
        ))
    } else if s.cache.is_some() {
        Some((
            "cache",
            "a store cannot be both a cache with a capacity and a replicated store.".to_string(),
            "remove \"cache\" or \"replication\".",
        ))
    } else if s.versions.is_some() {
        Some((
            "versions",
            "a replicated store cannot run versions: a key's replicas are fixed instances on the ring.".to_string(),
            "remove \"versions\" from the store (deploy the services that call it).",
        ))
    } else if s.autoscale.is_some() {
        Some((
            "autoscale",
            "a replicated store cannot autoscale: its ring has a fixed membership.".to_string(),
            "remove autoscale, or replication.",
        ))
    } else {
        None
    };
    match conflict {
        Some((key, why, fix)) => Err(InputError::at(at(key), why).hint(fix)),
        None => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bad_replication_names_its_key_and_a_fix() {
        let spec = |json: &str| -> Result<ReplicationConfig, String> {
            let r: ReplicationSpec = serde_json::from_str(json).map_err(|e| e.to_string())?;
            r.check("services[0] \"cass\".replication")
                .map_err(|e| e.to_string())
        };
        let e = spec(r#"{"factor":0}"#).unwrap_err();
        assert!(
            e.contains("replication.factor") && e.contains("Fix:"),
            "{e}"
        );
        let e = spec(r#"{"factor":3,"vnodes":0}"#).unwrap_err();
        assert!(e.contains("replication.vnodes"), "{e}");
        let e = spec(r#"{"factor":3,"anti_entropy":"10ms"}"#).unwrap_err();
        assert!(e.contains("replication.anti_entropy"), "{e}");
        let e = spec(r#"{"factor":3,"read":"SERIAL"}"#).unwrap_err();
        assert!(e.contains("LOCAL_QUORUM"), "{e}");
        let ok = spec(r#"{"factor":3,"read":"LOCAL_QUORUM","write":"EACH_QUORUM","storage":"ephemeral","anti_entropy":"1m"}"#).unwrap();
        assert_eq!(
            (ok.read, ok.write, ok.storage, ok.vnodes, ok.anti_entropy),
            (
                Level::LocalQuorum,
                Level::EachQuorum,
                Storage::Ephemeral,
                16,
                Some(60 * SEC)
            )
        );
    }
}
