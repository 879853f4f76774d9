//! State as the architecture file writes it: the `keys` requests carry
//! (`traffic.keys` at the top level or on an entry point, `keys` on a
//! dependency) and the `cache` of a cache-like service (capacity, TTL, one
//! copy or a copy in every zone). Checked here one value at a time;
//! [`crate::topology`] checks how they fit together once the file is placed.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::cache::{CacheConfig, Copies, MAX_ENTRIES};
use crate::duration::{parse_duration, MAX_DURATION};
use crate::error::{num, InputError};
use crate::keys::{KeySource, Zipf, MAX_KEYS};
use crate::model::ServiceSpec;

/// The keys of requests: a keyspace with Zipf popularity and a share of writes.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct KeysSpec {
    /// Keys in the keyspace, 1 to 10¹²; key k is the k-th most popular.
    #[schemars(range(min = 1, max = 1_000_000_000_000u64))]
    pub count: u64,
    /// Zipf exponent s ≥ 0 of the popularity: key k is requested in
    /// proportion to k^(−s). 0 is uniform; web workloads measure 0.6–1.0
    /// (Breslau et al., 1999). Default 1.
    #[serde(default = "default_zipf")]
    #[schemars(range(min = 0.0, max = 10.0))]
    pub zipf: f64,
    /// Share of requests that write their key, in percent (0 to 100; default 0).
    #[serde(default, skip_serializing_if = "is_zero")]
    #[schemars(range(min = 0.0, max = 100.0))]
    pub write_percent: f64,
}

fn default_zipf() -> f64 {
    1.0
}

#[allow(clippy::trivially_copy_pass_by_ref)] // serde's skip_serializing_if passes a reference
fn is_zero(x: &f64) -> bool {
    *x == 0.0
}

/// Largest Zipf exponent accepted: at 10 the most popular key already takes
/// 99.9 % of requests, and the sampler's maths stays well inside f64.
const MAX_ZIPF: f64 = 10.0;

impl KeysSpec {
    /// Checks the keys at JSON path `at` and compiles their sampler.
    pub fn check(&self, at: &str) -> Result<KeySource, InputError> {
        let path = |k: &str| format!("{at}.{k}");
        if self.count == 0 || self.count > MAX_KEYS {
            return Err(InputError::at(
                path("count"),
                format!("count is {}, outside 1..=10^12.", self.count),
            )
            .hint("give the number of distinct keys requests choose from, e.g. 1000000."));
        }
        if !(self.zipf.is_finite() && (0.0..=MAX_ZIPF).contains(&self.zipf)) {
            let why = if self.zipf < 0.0 {
                format!(
                    "the Zipf exponent is {}: a negative exponent would make the least popular keys the most requested.",
                    num(self.zipf)
                )
            } else {
                format!("the Zipf exponent is {}, outside [0, 10].", num(self.zipf))
            };
            return Err(InputError::at(path("zipf"), why).hint(
                "use 0 for keys requested uniformly, or 0.6 to 1.0 as measured for web requests (1 is Zipf's law).",
            ));
        }
        if !(self.write_percent.is_finite() && (0.0..=100.0).contains(&self.write_percent)) {
            return Err(InputError::at(
                path("write_percent"),
                format!(
                    "write_percent is {}, outside 0 to 100 %.",
                    num(self.write_percent)
                ),
            )
            .hint("give the share of requests that write their key, in percent, e.g. 10."));
        }
        Ok(KeySource {
            zipf: Zipf::new(self.count, self.zipf),
            writes: self.write_percent / 100.0,
        })
    }
}

/// A cache's capacity and layout: an LRU of `capacity` entries per instance.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct CacheSpec {
    /// Entries each instance holds (1 to 20 million); the least recently used goes first.
    #[schemars(range(min = 1, max = 20_000_000))]
    pub capacity: u64,
    /// How long an entry lives after it was set ("10m"); absent: until evicted.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ttl: Option<String>,
    /// `"one"`: each key on one instance of the region (default).
    /// `"every_zone"`: a copy in every zone, as EVCache keeps them — a write
    /// sets every zone's copy, a read goes to its own zone's and on a miss to
    /// another zone's before the store.
    #[serde(default)]
    pub copies: CopiesSpec,
}

/// How many copies of each key a cache keeps in a region.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum CopiesSpec {
    /// One copy: keys are spread over all the region's instances.
    #[default]
    One,
    /// A copy in every zone: keys are spread over each zone's instances.
    EveryZone,
}

impl CacheSpec {
    /// Checks the cache at JSON path `at` and compiles it.
    pub fn check(&self, at: &str) -> Result<CacheConfig, InputError> {
        let path = |k: &str| format!("{at}.{k}");
        if self.capacity == 0 || self.capacity > u64::from(MAX_ENTRIES) {
            let why = if self.capacity == 0 {
                "capacity is 0: the cache could hold nothing, so every read would miss.".to_string()
            } else {
                format!(
                    "capacity is {}, more than the {MAX_ENTRIES} entries one instance may hold.",
                    self.capacity
                )
            };
            return Err(InputError::at(path("capacity"), why).hint(
                "give the entries one instance holds, at least 1, e.g. 10000; remove \"cache\" for the fixed hit_rate of the data-access layer.",
            ));
        }
        let ttl = match &self.ttl {
            None => None,
            Some(t) => {
                let d = parse_duration(t).map_err(|mut e| {
                    e.path = path("ttl");
                    e
                })?;
                if d == 0 || d > MAX_DURATION {
                    return Err(InputError::at(
                        path("ttl"),
                        format!("ttl is {t}; it must be above 0 and at most 100 days."),
                    )
                    .hint("e.g. \"10m\", or remove ttl for entries that live until evicted."));
                }
                Some(d)
            }
        };
        Ok(CacheConfig {
            capacity: self.capacity as u32,
            ttl,
            copies: match self.copies {
                CopiesSpec::One => Copies::One,
                CopiesSpec::EveryZone => Copies::EveryZone,
            },
        })
    }
}

/// Checks the state settings of service `i` of the file: its `cache` (only
/// on a cache-like service that is not a ring and does not autoscale) and the
/// `keys` of its dependencies.
pub fn check_service(i: usize, s: &ServiceSpec) -> Result<(), InputError> {
    let at = |k: &str| format!("services[{i}] \"{}\".{k}", s.name);
    for (j, d) in s.dependencies.iter().flatten().enumerate() {
        if let crate::model::DependencySpec::Call(c) = d {
            if let Some(k) = &c.keys {
                k.check(&at(&format!("dependencies[{j}].keys")))?;
            }
        }
    }
    let Some(c) = &s.cache else {
        return Ok(());
    };
    c.check(&at("cache"))?;
    if !crate::behaviour::is_cache_like(s.package, &s.name) {
        return Err(InputError::at(
            at("cache"),
            format!(
                "\"{}\" is not a cache: a capacity belongs to a service of package cache, or a store with \"cache\" in its name.",
                s.name
            ),
        )
        .hint("move \"cache\" to the cache the service reads, or make the service a cache (\"package\": \"cache\")."));
    }
    let ring = s
        .dependencies
        .iter()
        .flatten()
        .any(|d| d.service() == s.name);
    if ring {
        return Err(InputError::at(
            at("cache"),
            "a cache with a capacity cannot also be a ring of replicas (it depends on itself).",
        )
        .hint("remove the service's dependency on itself; copies of a cache are set with \"copies\": \"every_zone\"."));
    }
    if s.autoscale.is_some() {
        return Err(InputError::at(
            at("cache"),
            "a cache with a capacity cannot autoscale: its keys are placed on a fixed set of instances.",
        )
        .hint("remove autoscale, or the cache's capacity."));
    }
    if s.versions.is_some() {
        // A keyed call goes to the instance holding its key, whatever the
        // weights: a version split would either be ignored or scatter keys.
        return Err(InputError::at(
            at("versions"),
            "a cache with a capacity cannot run versions: a keyed read goes to the instance holding its key, not to a version by weight.",
        )
        .hint("remove \"versions\" from the cache (deploy the services that read it), or remove its \"cache\" capacity."));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn keys(count: u64, zipf: f64, write_percent: f64) -> Result<KeySource, String> {
        KeysSpec {
            count,
            zipf,
            write_percent,
        }
        .check("traffic.keys")
        .map_err(|e| e.to_string())
    }

    #[test]
    fn bad_keys_and_caches_name_their_key_and_a_fix() {
        let e = keys(100, -0.5, 0.0).unwrap_err();
        assert!(
            e.contains("traffic.keys.zipf") && e.contains("negative") && e.contains("Fix:"),
            "{e}"
        );
        let e = keys(100, 1.0, 120.0).unwrap_err();
        assert!(
            e.contains("write_percent is 120") && e.contains("Fix:"),
            "{e}"
        );
        let e = keys(0, 1.0, 0.0).unwrap_err();
        assert!(e.contains("traffic.keys.count"), "{e}");
        assert!(keys(100, f64::NAN, 0.0).is_err());
        let ok = keys(100, 0.8, 25.0).unwrap();
        assert_eq!((ok.zipf.n(), ok.writes), (100, 0.25));
        let cache = |capacity: u64, ttl: Option<&str>| {
            CacheSpec {
                capacity,
                ttl: ttl.map(str::to_string),
                copies: CopiesSpec::EveryZone,
            }
            .check("services[1] \"evcache\".cache")
            .map_err(|e| e.to_string())
        };
        let e = cache(0, None).unwrap_err();
        assert!(
            e.contains(".cache.capacity") && e.contains("capacity is 0"),
            "{e}"
        );
        let e = cache(10, Some("0s")).unwrap_err();
        assert!(e.contains(".cache.ttl"), "{e}");
        let e = cache(10, Some("ten")).unwrap_err();
        assert!(e.contains(".cache.ttl"), "{e}");
        let c = cache(10, Some("1m")).unwrap();
        assert_eq!(
            (c.capacity, c.ttl, c.copies),
            (10, Some(60 * crate::duration::SEC), Copies::EveryZone)
        );
    }
}
