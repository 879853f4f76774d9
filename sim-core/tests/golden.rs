//! Golden digests: small simulations whose outputs' SHA-256 is pinned in
//! `tests/golden_digest.txt` (netflixoss), `golden_distributions_digest.txt`
//! (every service-time distribution) and `golden_failures_digest.txt`
//! (netflixoss with failures by MTBF/MTTR on), and the exact bits of every
//! sampler's draws (`golden_distributions_samples.txt`). sim-wasm's tests
//! compute the same under wasm32 and must agree, which proves native and
//! browser runs are byte-identical. If an intended engine change alters
//! outputs, regenerate all four with `UPDATE_GOLDEN=1 cargo test -p sim-core --test golden` (each
//! test rewrites its file and still checks it) and say why in the commit.

mod common;

use sim_core::RunOptions;

const ARCH: &str = include_str!("../../architectures/netflixoss.json");
const GOLDEN: &str = include_str!("golden_digest.txt");

/// Seed 42, two seconds, graph recorded: sim-wasm's `{"seed": 42, "duration": "2s"}`.
fn golden_options() -> RunOptions {
    RunOptions {
        seed: 42,
        duration: 2 * sim_core::duration::SEC,
        ..RunOptions::default()
    }
}

#[test]
fn digest_matches_golden() {
    let out = common::run(ARCH, None, golden_options()).outputs();
    assert!(
        out.summary.end_to_end.requests > 100,
        "the golden run must exercise the engine"
    );
    let digest = out.digest();
    let pinned = if std::env::var_os("UPDATE_GOLDEN").is_some() {
        let path = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/golden_digest.txt");
        std::fs::write(path, format!("{digest}\n")).unwrap();
        eprintln!("golden digest rewritten: {digest}");
        std::fs::read_to_string(path).unwrap()
    } else {
        GOLDEN.to_string()
    };
    assert_eq!(
        digest,
        pinned.trim(),
        "outputs changed; see this file's header"
    );
}

const DISTRIBUTIONS: &str = include_str!("golden-distributions.json");

/// Every service-time distribution in one run: `golden-distributions.json` has
/// a service for each of constant, uniform, exponential, lognormal, gamma,
/// Weibull, Pareto and empirical (a list of samples and a histogram). sim-wasm
/// runs the same fixture under wasm32 and must get the digest pinned in
/// `golden_distributions_digest.txt`, which proves every sampler draws the
/// same bits natively and in the browser. With UPDATE_GOLDEN set the file is
/// rewritten first and every check below still runs.
#[test]
fn every_distribution_digest_matches_golden() {
    let out = common::run(DISTRIBUTIONS, None, golden_options()).outputs();
    let digest = out.digest();
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/golden_distributions_digest.txt"
    );
    if std::env::var_os("UPDATE_GOLDEN").is_some() {
        std::fs::write(path, format!("{digest}\n")).unwrap();
    }
    // Every service, hence every sampler, did work in the run.
    assert!(
        out.summary.services.len() == 9,
        "{:?}",
        out.summary.services.keys()
    );
    for (name, s) in &out.summary.services {
        assert!(
            s.requests > 100,
            "{name} served only {} requests",
            s.requests
        );
    }
    // Read from disk, not include_str!, so a rewrite above is checked too.
    let pinned = std::fs::read_to_string(path).unwrap();
    assert_eq!(
        digest,
        pinned.trim(),
        "outputs changed; see this file's header"
    );
}

/// The exact bits of 100,000 draws from each distribution of the fixture
/// (`Dist::fingerprint`), pinned in `golden_distributions_samples.txt`;
/// sim-wasm computes the same under wasm32. Stricter than the run digest,
/// which sees draws only after truncation to whole nanoseconds: this fails
/// on a single last-bit difference in any sampler's maths.
#[test]
fn every_distribution_draws_pinned_bits() {
    let spec = sim_core::model::load_arch(DISTRIBUTIONS).unwrap();
    let text = sim_core::dist::Dist::fingerprints(&spec, 42, 100_000);
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/golden_distributions_samples.txt"
    );
    if std::env::var_os("UPDATE_GOLDEN").is_some() {
        std::fs::write(path, &text).unwrap();
    }
    assert_eq!(text.lines().count(), 9);
    assert_eq!(
        text,
        std::fs::read_to_string(path).unwrap(),
        "sampler bits changed; see this file's header"
    );
}

const TRAFFIC: &str = include_str!("golden-traffic.json");
const CROWDS: &str = include_str!("golden-traffic-scenario.json");

/// Every profile form on its own entry point, under flash crowds
/// (`golden-traffic.json`, `golden-traffic-scenario.json`): the run's digest,
/// then the exact bits of 20,000 integrals and advances of each entry point's
/// profile, pinned in `golden_traffic.txt`. sim-wasm computes both under
/// wasm32 and must agree: arrivals are the same in the browser.
#[test]
fn traffic_digest_and_profile_bits_match_golden() {
    let sim = common::run(TRAFFIC, Some(CROWDS), golden_options());
    let mut text = format!("run {}\n", sim.outputs().digest());
    for (e, t) in sim
        .topology()
        .entry_points
        .iter()
        .zip(&sim.topology().entry_traffic)
    {
        let name = &sim.topology().services[*e as usize].name;
        assert!(sim.service_stats()[*e as usize].requests > 100, "{name}");
        if let sim_core::traffic::Rate::Profile(p) = &t.rate {
            text.push_str(&format!("{name} {}\n", p.fingerprint(42, 20_000)));
        }
    }
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/golden_traffic.txt");
    if std::env::var_os("UPDATE_GOLDEN").is_some() {
        std::fs::write(path, &text).unwrap();
    }
    assert_eq!(text.lines().count(), 5, "{text}");
    assert_eq!(
        text,
        std::fs::read_to_string(path).unwrap(),
        "traffic outputs or profile bits changed; see this file's header"
    );
}

/// Failures by MTBF/MTTR on (`RunOptions::failures`): netflixoss, seed 42,
/// two seconds at an acceleration of 10^7 (231 days of failures), pinned in
/// `golden_failures_digest.txt`. sim-wasm runs the same with
/// `{"seed": 42, "duration": "2s", "failures": 10000000}` and must agree, so
/// the failure process (its own stream, libm's logarithm) draws the same
/// bits in the browser. With UPDATE_GOLDEN set the file is rewritten first.
#[test]
fn failures_digest_matches_golden() {
    let o = RunOptions {
        failures: Some(1e7),
        ..golden_options()
    };
    let out = common::run(ARCH, None, o).outputs();
    let f = out.summary.failure_process.as_ref().expect("failures on");
    assert!(
        f.instance_failures > 100 && f.zone_failures > 0,
        "the golden run must exercise the failures: {f:?}"
    );
    check_pinned(
        &out.digest(),
        concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/tests/golden_failures_digest.txt"
        ),
    );
}

/// The digest pinned in the file at `path`, read from disk (rewritten first
/// with UPDATE_GOLDEN set), must equal `digest`.
fn check_pinned(digest: &str, path: &str) {
    if std::env::var_os("UPDATE_GOLDEN").is_some() {
        std::fs::write(path, format!("{digest}\n")).unwrap();
    }
    let pinned = std::fs::read_to_string(path).unwrap();
    assert_eq!(
        digest,
        pinned.trim(),
        "outputs changed; see this file's header"
    );
}

/// Keys and caches (`architectures/netflixoss-keys.json`: a million keys at
/// Zipf 0.9, evcache an LRU with a copy in every zone), seed 42, two
/// seconds, pinned in `golden_keys_digest.txt`. sim-wasm runs the same and
/// must agree, so the Zipf sampler (libm's `log1p` and `exp`), the key hash
/// and the LRUs give the same bits in the browser. With UPDATE_GOLDEN set the
/// file is rewritten first.
#[test]
fn keys_digest_matches_golden() {
    let arch = include_str!("../../architectures/netflixoss-keys.json");
    let out = common::run(arch, None, golden_options()).outputs();
    let c = &out.summary.caches.as_ref().expect("caches")["evcache"];
    assert!(
        c.hits > 10 && c.misses > 10 && c.sets > 10,
        "the golden run must exercise the caches: {c:?}"
    );
    check_pinned(
        &out.digest(),
        concat!(env!("CARGO_MANIFEST_DIR"), "/tests/golden_keys_digest.txt"),
    );
}
