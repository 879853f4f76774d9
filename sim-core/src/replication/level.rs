//! Consistency levels: how many replicas, and where, a coordinator waits
//! for — Cassandra's `ConsistencyLevel` (`blockFor`,
//! `assureSufficientLiveReplicas`, `isSufficientLiveReplicas`).

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::MAX_REGIONS;

/// A consistency level, as CQL names them (and files write them).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum Level {
    /// One replica, anywhere.
    One,
    /// Two replicas, anywhere.
    Two,
    /// Three replicas, anywhere.
    Three,
    /// A majority of all replicas: Σ RF / 2 + 1.
    Quorum,
    /// Every replica of every region.
    All,
    /// One replica in the coordinator's region.
    LocalOne,
    /// A majority of the coordinator's region's replicas: RF / 2 + 1.
    LocalQuorum,
    /// A majority in every region.
    EachQuorum,
}

impl Level {
    /// Every level, in the order the documentation lists them.
    pub const ALL: [Level; 8] = [
        Level::One,
        Level::Two,
        Level::Three,
        Level::Quorum,
        Level::All,
        Level::LocalOne,
        Level::LocalQuorum,
        Level::EachQuorum,
    ];

    /// Its CQL name.
    pub fn name(self) -> &'static str {
        match self {
            Level::One => "ONE",
            Level::Two => "TWO",
            Level::Three => "THREE",
            Level::Quorum => "QUORUM",
            Level::All => "ALL",
            Level::LocalOne => "LOCAL_ONE",
            Level::LocalQuorum => "LOCAL_QUORUM",
            Level::EachQuorum => "EACH_QUORUM",
        }
    }

    /// The level a CQL name gives (case-insensitive).
    pub fn parse(s: &str) -> Option<Level> {
        Level::ALL
            .into_iter()
            .find(|l| l.name().eq_ignore_ascii_case(s))
    }

    /// What a coordinator needs under this level for a key with `factor`
    /// replicas in each of `regions` regions.
    pub fn need(self, factor: u32, regions: u32) -> Need {
        let total = factor * regions;
        let quorum = factor / 2 + 1;
        match self {
            Level::One => Need::Total(1),
            Level::Two => Need::Total(2),
            Level::Three => Need::Total(3),
            Level::Quorum => Need::Total(total / 2 + 1),
            Level::All => Need::Total(total),
            Level::LocalOne => Need::Local(1),
            Level::LocalQuorum => Need::Local(quorum),
            Level::EachQuorum => Need::Each(quorum),
        }
    }

    /// Replicas in all that this level waits for (R or W of Dynamo's
    /// N, R, W), with `factor` replicas in each of `regions` regions.
    pub fn count(self, factor: u32, regions: u32) -> u32 {
        match self.need(factor, regions) {
            Need::Total(n) | Need::Local(n) => n,
            Need::Each(n) => n * regions,
        }
    }
}

/// How many replicas, and where, a request must hear from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Need {
    /// This many, from any region.
    Total(u32),
    /// This many from the coordinator's region.
    Local(u32),
    /// This many from every region.
    Each(u32),
}

impl Need {
    /// Whether replies (or live replicas) counted per region — `local` being
    /// the coordinator's region's index — meet the need.
    pub fn met(self, per_region: &[u8; MAX_REGIONS], regions: usize, local: usize) -> bool {
        match self {
            Need::Total(n) => {
                per_region[..regions]
                    .iter()
                    .map(|&c| u32::from(c))
                    .sum::<u32>()
                    >= n
            }
            Need::Local(n) => u32::from(per_region[local]) >= n,
            Need::Each(n) => per_region[..regions].iter().all(|&c| u32::from(c) >= n),
        }
    }

    /// Whether this need can be met at all with `factor` replicas per region
    /// in `regions` regions (a level the replication cannot satisfy is bad input).
    pub fn possible(self, factor: u32, regions: u32) -> bool {
        match self {
            Need::Total(n) => n <= factor * regions,
            Need::Local(n) | Need::Each(n) => n <= factor,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn block_for_matches_cassandra() {
        // RF 3 in two regions: N = 6.
        let c = |l: Level| l.count(3, 2);
        assert_eq!(
            Level::ALL.map(c),
            [1, 2, 3, 4, 6, 1, 2, 4],
            "ONE TWO THREE QUORUM ALL LOCAL_ONE LOCAL_QUORUM EACH_QUORUM"
        );
        assert_eq!(Level::Quorum.count(3, 1), 2);
        assert_eq!(Level::Quorum.count(5, 1), 3);
        assert_eq!(Level::parse("local_quorum"), Some(Level::LocalQuorum));
        assert_eq!(Level::parse("SERIAL"), None);
    }

    #[test]
    fn needs_are_met_per_region() {
        let mut acks = [0u8; MAX_REGIONS];
        acks[0] = 2;
        assert!(Level::LocalQuorum.need(3, 2).met(&acks, 2, 0));
        assert!(!Level::LocalQuorum.need(3, 2).met(&acks, 2, 1));
        assert!(!Level::EachQuorum.need(3, 2).met(&acks, 2, 0));
        assert!(!Level::Quorum.need(3, 2).met(&acks, 2, 0));
        acks[1] = 2;
        assert!(Level::EachQuorum.need(3, 2).met(&acks, 2, 0));
        assert!(Level::Quorum.need(3, 2).met(&acks, 2, 0));
        assert!(!Level::All.need(3, 2).met(&acks, 2, 0));
        assert!(!Level::Three.need(1, 2).possible(1, 2));
        assert!(Level::Two.need(1, 2).possible(1, 2));
        assert!(!Level::Two.need(1, 1).possible(1, 1));
    }
}
