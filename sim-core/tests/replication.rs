//! Replicated stores through the engine: CAP under a partition between two
//! regions, the strict-quorum invariant (R + W > N never reads stale, over
//! seeds with kills and partitions), staleness of partial quorums against
//! the PBS model, the dedicated shard on real keys, and writes lost with
//! ephemeral storage.
//!
//! Sources: G. DeCandia et al., "Dynamo: Amazon's highly available
//! key-value store", SOSP 2007 (N, R, W; R + W > N gives overlapping
//! quorums); P. Bailis, S. Venkataraman, M. J. Franklin, J. M. Hellerstein,
//! I. Stoica, "Probabilistically Bounded Staleness for Practical Partial
//! Quorums", PVLDB 5(8), 2012 (the WARS model, computed independently in
//! `sim_core::replication::pbs`); the Apache Cassandra documentation
//! (consistency levels, NetworkTopologyStrategy); E. Brewer, "Towards robust
//! distributed systems", PODC 2000 keynote (CAP).

mod common;

use sim_core::replication::pbs::{self, Legs, Reads};
use sim_core::rng::{Purpose, Stream};
use sim_core::Summary;

/// A store of `count` nodes in `regions` regions with `replication`, called
/// by an api in every region, users in every region; `extra` adds top-level keys.
fn arch(count: u32, regions: u32, replication: &str, keys: &str, extra: &str) -> String {
    arch_calling(count, regions, replication, keys, extra, "")
}

/// [`arch`] with `call` added to the api's dependency on the store.
fn arch_calling(
    count: u32,
    regions: u32,
    replication: &str,
    keys: &str,
    extra: &str,
    call: &str,
) -> String {
    format!(
        r#"{{"arch":"t",{extra}
        "traffic":{{"rate":400,"arrival":"poisson","keys":{keys}}},
        "network":{{"same_zone":0.2,"cross_zone":1.0,"cross_region":70}},
        "services":[
          {{"name":"cass","package":"priamCassandra","count":{count},"regions":{regions},
            "replication":{replication},
            "service_time":{{"dist":"exponential","mean_ms":1.0}}}},
          {{"name":"api","package":"karyon","count":3,"regions":{regions},
            "dependencies":[{{"service":"cass","timeout_ms":3000{call}}}]}},
          {{"name":"www","package":"denominator","count":0,"regions":0,"dependencies":["api"]}}]}}"#
    )
}

fn store(s: &Summary) -> &sim_core::export::stores::StoreSummary {
    &s.stores.as_ref().expect("a stores section")["cass"]
}

/// CAP, watched (the README's table): two regions, a 30 s partition. At
/// LOCAL_QUORUM writes and ONE reads every write succeeds and reads in the
/// other region go stale; at EACH_QUORUM writes and ALL reads, the requests
/// that need both regions fail `unavailable` and nothing is stale.
#[test]
fn cap_available_or_consistent_under_a_partition() {
    let scenario = r#"{"faults":[{"at":"10s","for":"30s","partition":{"between":["us-east-1","us-west-2"]}}]}"#;
    let keys = r#"{"count":1000,"zipf":0.8,"write_percent":20}"#;
    let run = |r: &str| {
        let a = arch(6, 2, r, keys, "");
        Summary::of(&common::run(&a, Some(scenario), common::options(3, 50)))
    };
    let ap = run(r#"{"factor":3,"write":"LOCAL_QUORUM","read":"ONE"}"#);
    let cp = run(r#"{"factor":3,"write":"EACH_QUORUM","read":"ALL"}"#);
    let (a, c) = (store(&ap), store(&cp));
    assert_eq!(a.unavailable, 0, "AP: writes and reads stay available");
    assert_eq!(ap.end_to_end.failed, 0);
    assert!(
        a.stale_reads as f64 > 0.05 * a.reads as f64,
        "AP: reads go stale across the partition: {} of {}",
        a.stale_reads,
        a.reads
    );
    assert_eq!(c.stale_reads, 0, "CP: nothing is stale");
    // Every request during the 30 s of 50 needs the other region.
    let share = c.unavailable as f64 / (c.reads + c.writes) as f64;
    assert!((0.5..0.7).contains(&share), "CP: {share} unavailable");
    assert_eq!(
        cp.end_to_end.failures["unavailable"], 0,
        "the store's, not the user's reason"
    );
    assert!(cp.services["cass"].failures["unavailable"] > 0);
}

/// Dynamo's strict quorums: with R + W > N a read overlaps the last
/// acknowledged write's replicas, so no read is ever stale — over seeds,
/// with a chaos monkey killing nodes and a partition between zones and
/// between regions. The same runs at R + W ≤ N do read stale (the test can fail).
#[test]
fn strict_quorums_never_read_stale_under_kills_and_partitions() {
    let scenario = r#"{"replace_after":"5s","faults":[
        {"at":"0s","chaos_monkey":{"mean_between_kills":"2s","service":"cass"}},
        {"at":"6s","for":"5s","partition":{"between":["us-east-1.zoneA","us-east-1.zoneB"]}},
        {"at":"14s","for":"4s","partition":{"between":["us-east-1","us-west-2"]}}]}"#;
    let keys = r#"{"count":200,"zipf":0.9,"write_percent":30}"#;
    let mut stale_partial = 0;
    for seed in 1..=8u64 {
        for (levels, strict) in [
            (r#""write":"QUORUM","read":"QUORUM""#, true),
            (r#""write":"ALL","read":"ONE""#, true),
            (r#""write":"ONE","read":"ALL""#, true),
            (r#""write":"EACH_QUORUM","read":"LOCAL_QUORUM""#, true),
            (r#""write":"ONE","read":"ONE""#, false),
        ] {
            let r = format!(r#"{{"factor":3,{levels},"read_repair":true}}"#);
            let a = arch(6, 2, &r, keys, "");
            let sim = common::run(&a, Some(scenario), common::options(seed, 20));
            let s = Summary::of(&sim);
            let st = store(&s);
            assert!(st.reads > 1000 && st.writes > 500, "{levels}: {st:?}");
            if strict {
                assert_eq!(st.stale_reads, 0, "seed {seed}, {levels}: {st:?}");
            } else {
                stale_partial += st.stale_reads;
            }
        }
    }
    assert!(
        stale_partial > 0,
        "ONE/ONE across 70 ms regions reads stale"
    );
}

/// The legs of WARS as the engine makes them in a single zone of one
/// region: every hop 1 ms, every replica's work exponential (mean 2 ms);
/// a write is stored and a read reads when the replica's work is done.
struct EngineLegs;

impl Legs for EngineLegs {
    fn w(&mut self, rng: &mut Stream) -> f64 {
        1.0 - 2.0 * libm::log(1.0 - rng.uniform())
    }
    fn a(&mut self, _: &mut Stream) -> f64 {
        1.0
    }
    fn r(&mut self, rng: &mut Stream) -> f64 {
        self.w(rng)
    }
    fn s(&mut self, _: &mut Stream) -> f64 {
        1.0
    }
}

/// PBS: with N = 3, R = W = 1 the chance that a read begun t after a write
/// was acknowledged misses it is PBS's t-visibility, computed independently
/// by Monte Carlo from the same latency legs (Bailis et al. 2012, §4; reads
/// to R replicas chosen at random, as Cassandra's coordinator asks).
/// Observed stale reads within 3 standard errors of Σ p(tᵢ) over the reads
/// begun 0–20 ms after a write (binned by 0.1 ms).
#[test]
fn partial_quorum_staleness_matches_pbs() {
    let a = r#"{"arch":"pbs","zones":1,
        "traffic":{"rate":2000,"arrival":"poisson","keys":{"count":200,"zipf":0,"write_percent":30}},
        "network":{"same_zone":1.0,"cross_zone":1.0,"cross_region":70},
        "services":[
          {"name":"cass","package":"priamCassandra","count":3,"regions":1,
           "replication":{"factor":3,"write":"ONE","read":"ONE"},
           "service_time":{"dist":"exponential","mean_ms":2.0}},
          {"name":"www","package":"denominator","count":0,"regions":0,"dependencies":["cass"]}]}"#;
    let sim = common::run(a, None, common::options(11, 60));
    let s = Summary::of(&sim);
    let st = store(&s);
    // p(t) on a 0.5 ms grid, interpolated.
    let mut rng = Stream::new(99, Purpose::Replication);
    let grid: Vec<f64> = (0..=40)
        .map(|i| {
            pbs::stale_probability(
                pbs::Quorums { n: 3, r: 1, w: 1 },
                f64::from(i) * 0.5,
                Reads::Chosen,
                &mut EngineLegs,
                40_000,
                &mut rng,
            )
        })
        .collect();
    let p = |t: f64| {
        let x = (t / 0.5).min(39.999);
        let i = x as usize;
        grid[i] + (grid[i + 1] - grid[i]) * (x - i as f64)
    };
    let (mut observed, mut expected, mut var, mut reads) = (0u64, 0.0, 0.0, 0u64);
    for &(t_ms, n, stale) in st.staleness.iter().filter(|b| b.0 < 20.0) {
        let q = p(t_ms + 0.05);
        observed += stale;
        reads += n;
        expected += n as f64 * q;
        var += n as f64 * q * (1.0 - q);
    }
    let se = var.sqrt();
    assert!(
        reads > 3000 && expected > 40.0,
        "{reads} reads, {expected} expected stale"
    );
    eprintln!("PBS: {observed} stale of {reads} reads vs {expected:.1} ± {se:.1}");
    assert!(
        (observed as f64 - expected).abs() < 3.0 * se,
        "{observed} stale of {reads} reads vs PBS {expected:.1} ± {se:.1}"
    );
    assert!(grid[0] > 0.1 && grid[40] < 0.01, "{grid:?}");
}

/// The dedicated shard on real keys: one copy of each key (factor 1) on six
/// nodes; one node dies at 10 s and is not replaced — the requests for its
/// keys fail `unavailable` from then on, the others do not. With three copies
/// nobody notices (the api retries a request the dead coordinator refused).
#[test]
fn one_copy_loses_a_key_range_three_copies_do_not() {
    let scenario = r#"{"faults":[{"at":"10s","kill":{"service":"cass","instances":1}}]}"#;
    let keys = r#"{"count":10000,"zipf":0,"write_percent":10}"#;
    let run = |r: &str| {
        let a = arch_calling(6, 1, r, keys, "", r#","retries":2,"zone_aware":true"#);
        Summary::of(&common::run(&a, Some(scenario), common::options(5, 30)))
    };
    let one = run(r#"{"factor":1}"#);
    let three = run(r#"{"factor":3}"#);
    assert!(store(&one).unavailable > 0);
    let lost = one.end_to_end.failed as f64 / one.end_to_end.requests as f64;
    // A sixth of the key range, for two thirds of the run: 0.11 by tokens' spread.
    assert!((0.05..0.2).contains(&lost), "{lost}");
    assert_eq!(store(&three).unavailable, 0);
    assert_eq!(three.end_to_end.failed, 0);
}

/// Ephemeral storage: a replica that dies loses its copies. With one copy
/// per key, every acknowledged write on the killed node is lost; with three,
/// none is (the others keep theirs), whatever the kills.
#[test]
fn ephemeral_copies_die_with_their_node() {
    let scenario =
        r#"{"replace_after":"2s","faults":[{"at":"10s","kill":{"service":"cass","instances":1}}]}"#;
    let keys = r#"{"count":2000,"zipf":0,"write_percent":50}"#;
    let run = |r: &str| {
        let a = arch(6, 1, r, keys, "");
        Summary::of(&common::run(&a, Some(scenario), common::options(8, 20)))
    };
    let one = run(r#"{"factor":1,"storage":"ephemeral"}"#);
    let st = store(&one);
    // By 10 s about 2000 writes a second × 10 s have touched nearly every
    // key; a sixth of them lived on the killed node.
    assert!(
        (100..400).contains(&st.lost_writes),
        "{} lost of {} keys",
        st.lost_writes,
        st.keys
    );
    let durable = run(r#"{"factor":1,"storage":"persistent"}"#);
    assert_eq!(store(&durable).lost_writes, 0);
    let three = run(r#"{"factor":3,"storage":"ephemeral"}"#);
    assert_eq!(store(&three).lost_writes, 0);
}
