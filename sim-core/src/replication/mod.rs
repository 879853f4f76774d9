//! Replicated stores as Cassandra builds them: keys placed on a token ring
//! with virtual nodes ([`ring`]), a replication factor per region with the
//! replicas spread over zones (NetworkTopologyStrategy), and consistency
//! levels for reads and writes ([`Level`]): the coordinator that took a
//! request waits for as many replicas as the level needs, fails at once with
//! `unavailable` when not enough replicas are alive to satisfy it, and lets
//! the other replicas (those of other regions after the network's delay)
//! catch up behind its answer. Every replica keeps the version of each key it
//! holds ([`data`]); a read returns the newest version among the replicas it
//! heard, so a read can be **stale** — older than the latest write
//! acknowledged before it began — and an acknowledged write whose every copy
//! died with ephemeral storage is **lost**.
//!
//! Sources: the Apache Cassandra documentation, "Dynamo" architecture pages
//! (consistent hashing with virtual nodes, replication strategies, tunable
//! consistency, hinted handoff and repair) and `ConsistencyLevel.java`
//! (`blockFor`, `assureSufficientLiveReplicas`); G. DeCandia et al.,
//! "Dynamo", SOSP 2007 (N, R, W; R + W > N); P. Bailis et al.,
//! "Probabilistically Bounded Staleness for Practical Partial Quorums", VLDB
//! 2012 ([`pbs`], the WARS model the engine is checked against).

pub mod data;
pub mod level;
pub mod pbs;
pub mod ring;

pub use level::{Level, Need};

use crate::duration::Nanos;

/// Most regions a replicated store may span (Cassandra's data centres): the
/// coordinator counts acknowledgements per region in a fixed array.
pub const MAX_REGIONS: usize = 8;
/// Most replicas per region (the replication factor).
pub const MAX_FACTOR: u32 = 9;
/// Most virtual nodes per instance (Cassandra's `num_tokens`; 16 by default since 4.0).
pub const MAX_VNODES: u32 = 256;
/// Default virtual nodes per instance (Cassandra 4.0's `num_tokens`).
pub const DEFAULT_VNODES: u32 = 16;
/// Most keys a replicated store's requests may name (the keyspaces that can
/// reach it): each key touched costs [`data::KEY_BYTES`] plus
/// [`data::SLOT_BYTES`] per replica.
pub const MAX_STORE_KEYS: u64 = 20_000_000;
/// How long a coordinator waits for a write's replicas (Cassandra's
/// `write_request_timeout_in_ms`, 2 s).
pub const WRITE_TIMEOUT: Nanos = 2 * crate::duration::SEC;
/// How long a coordinator waits for a read's replicas (Cassandra's
/// `read_request_timeout_in_ms`, 5 s).
pub const READ_TIMEOUT: Nanos = 5 * crate::duration::SEC;

/// Whether a replica's data survives the death of its process.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Storage {
    /// On a disk that outlives the process (EBS): a restarted replica keeps
    /// its data and misses only the writes made while it was down.
    Persistent,
    /// On the instance (EC2 instance store, as Netflix ran Cassandra): a
    /// replaced replica comes back empty.
    Ephemeral,
}

/// A replicated store's settings, checked.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ReplicationConfig {
    /// Replicas of each key in every region the store runs in.
    pub factor: u32,
    /// Consistency level of reads.
    pub read: Level,
    /// Consistency level of writes.
    pub write: Level,
    /// Virtual nodes (tokens) per instance on the ring.
    pub vnodes: u32,
    /// What a dead replica's data becomes.
    pub storage: Storage,
    /// After a read, send the newest version to the replicas it heard that
    /// answered an older one (Cassandra's read repair, here in the background).
    pub read_repair: bool,
    /// Every this long, bring every live replica of every key up to the
    /// newest version among the live ones it can reach (`nodetool repair`).
    pub anti_entropy: Option<Nanos>,
}

/// What one replicated store did over the run.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct StoreCounts {
    /// Reads coordinated (whatever their outcome).
    pub reads: u64,
    /// Writes coordinated.
    pub writes: u64,
    /// Reads that succeeded with an older version than the latest write
    /// acknowledged before they began.
    pub stale_reads: u64,
    /// The same, by the region (of the store's) whose node coordinated them:
    /// where the stale reads are.
    pub stale_by_region: [u64; MAX_REGIONS],
    /// Requests refused at once because too few replicas were alive.
    pub unavailable: u64,
    /// Acknowledged writes whose every copy was lost.
    pub lost_writes: u64,
    /// Replica writes sent by read repair.
    pub read_repairs: u64,
    /// Replica copies brought up to date by anti-entropy repair.
    pub repaired: u64,
}
