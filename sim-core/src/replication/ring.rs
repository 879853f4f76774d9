//! The token ring: where a key's replicas live.
//!
//! Each instance owns `vnodes` tokens on a 64-bit ring (Cassandra's virtual
//! nodes, `num_tokens`); a key's token is a well-mixed hash of the key (as
//! Murmur3Partitioner hashes the partition key). In each region, the key's
//! replicas are found by walking the region's ring clockwise from the key's
//! token, as NetworkTopologyStrategy does: an instance in a zone (rack) not
//! yet holding a replica is taken; one in a zone already used is set aside
//! until every zone has one, then the set-aside ones are taken in ring
//! order. So with as many zones as replicas, each replica is in its own zone.
//!
//! Tokens are a hash of (store, instance, vnode) rather than random draws:
//! placement costs no random stream and never shifts another draw.

use crate::keys::{spread, Key};
use crate::topology::InstanceId;

/// One region's ring of a store.
#[derive(Debug, Clone, Default)]
struct RegionRing {
    /// (token, instance, zone), sorted by token.
    tokens: Vec<(u64, InstanceId, u8)>,
    /// Distinct zones in the region.
    zone_count: u32,
}

/// A store's rings, one per region it runs in.
#[derive(Debug, Clone, Default)]
pub struct Ring {
    regions: Vec<RegionRing>,
    factor: u32,
}

/// Bytes a ring costs per instance: a 16-byte (token, instance, zone)
/// record per virtual node.
pub const fn bytes_per_instance(vnodes: u32) -> usize {
    16 * vnodes as usize
}

/// A key's token.
#[inline]
pub fn token(key: Key) -> u64 {
    spread(key ^ 0x5EED_CA55_A11D_A7A0)
}

impl Ring {
    /// Builds the rings: `regions[r]` lists region r's instances with their
    /// zones; `salt` tells stores apart.
    pub fn new(regions: &[Vec<(InstanceId, u8)>], vnodes: u32, factor: u32, salt: u64) -> Ring {
        let regions = regions
            .iter()
            .map(|insts| {
                let mut tokens: Vec<(u64, InstanceId, u8)> = insts
                    .iter()
                    .enumerate()
                    .flat_map(|(i, &(id, z))| {
                        (0..u64::from(vnodes))
                            .map(move |v| (spread(salt ^ ((i as u64) << 20) ^ (v << 1) ^ 1), id, z))
                    })
                    .collect();
                tokens.sort_unstable();
                let mut zs: Vec<u8> = insts.iter().map(|&(_, z)| z).collect();
                zs.sort_unstable();
                zs.dedup();
                RegionRing {
                    tokens,
                    zone_count: zs.len() as u32,
                }
            })
            .collect();
        Ring { regions, factor }
    }

    /// Regions the store runs in.
    pub fn region_count(&self) -> usize {
        self.regions.len()
    }

    /// Appends key `key`'s replicas to `out`: `factor` per region, region by
    /// region (so replica j is in region j / factor).
    pub fn replicas(&self, key: Key, out: &mut Vec<InstanceId>) {
        let t = token(key);
        for r in &self.regions {
            let start = out.len();
            let n = r.tokens.len();
            let first = r.tokens.partition_point(|&(tok, _, _)| tok < t);
            let mut seen_zones: u32 = 0;
            let mut skipped: Vec<InstanceId> = Vec::new();
            for k in 0..n {
                if (out.len() - start) as u32 == self.factor {
                    break;
                }
                let (_, id, z) = r.tokens[(first + k) % n];
                if out[start..].contains(&id) || skipped.contains(&id) {
                    continue;
                }
                let bit = 1u32 << (u32::from(z) % 32);
                if seen_zones & bit == 0 {
                    seen_zones |= bit;
                    out.push(id);
                    if seen_zones.count_ones() == r.zone_count {
                        // Every zone holds one: the set-aside instances come next.
                        for s in skipped.drain(..) {
                            if (out.len() - start) as u32 == self.factor {
                                break;
                            }
                            out.push(s);
                        }
                    }
                } else if seen_zones.count_ones() == r.zone_count {
                    out.push(id);
                } else {
                    skipped.push(id);
                }
            }
            for s in skipped {
                if (out.len() - start) as u32 == self.factor {
                    break;
                }
                out.push(s);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn region(first: u32, n: u32, zones: u8) -> Vec<(InstanceId, u8)> {
        (0..n)
            .map(|i| (first + i, (i % u32::from(zones)) as u8))
            .collect()
    }

    #[test]
    fn replicas_are_distinct_and_spread_over_zones() {
        let ring = Ring::new(&[region(0, 9, 3), region(9, 6, 3)], 16, 3, 7);
        let mut out = Vec::new();
        let mut first_counts = [0u32; 15];
        for key in 1..3000u64 {
            out.clear();
            ring.replicas(key, &mut out);
            assert_eq!(out.len(), 6);
            let (a, b) = out.split_at(3);
            assert!(a.iter().all(|&i| i < 9) && b.iter().all(|&i| i >= 9));
            for part in [a, b] {
                let mut zones: Vec<u32> = part.iter().map(|&i| (i % 9) % 3).collect();
                if part[0] >= 9 {
                    zones = part.iter().map(|&i| (i - 9) % 3).collect();
                }
                zones.sort_unstable();
                assert_eq!(zones, [0, 1, 2], "key {key}: {part:?}");
            }
            first_counts[out[0] as usize] += 1;
        }
        // Virtual nodes spread the keys: every instance leads some.
        assert!(
            first_counts[..9].iter().all(|&c| c > 100),
            "{first_counts:?}"
        );
    }

    #[test]
    fn more_replicas_than_zones_reuse_zones_in_ring_order() {
        let ring = Ring::new(&[region(0, 4, 2)], 8, 3, 1);
        let mut out = Vec::new();
        ring.replicas(42, &mut out);
        assert_eq!(out.len(), 3);
        let mut d = out.clone();
        d.sort_unstable();
        d.dedup();
        assert_eq!(d.len(), 3);
        // A single node holds the whole range.
        let one = Ring::new(&[region(5, 1, 1)], 4, 1, 1);
        out.clear();
        one.replicas(9, &mut out);
        assert_eq!(out, [5]);
    }
}
