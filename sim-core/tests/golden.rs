//! Golden digest: one small simulation whose outputs' SHA-256 is pinned in
//! `tests/golden_digest.txt`. sim-wasm's test runs the same simulation under
//! wasm32 and must get the same digest, which proves native and browser runs
//! are byte-identical. If an intended engine change alters outputs, regenerate
//! with `UPDATE_GOLDEN=1 cargo test -p sim-core --test golden` and say why in the commit.

use sim_core::{BuildOptions, RunConfig};

const ARCH: &str = include_str!("../../architectures/netflixoss.json");
const GOLDEN: &str = include_str!("golden_digest.txt");

#[test]
fn digest_matches_golden() {
    let opts = BuildOptions::default();
    let cfg = RunConfig {
        seed: 42,
        duration: 2 * sim_core::duration::SEC,
        rate: None,
        record_graph: true,
        ..RunConfig::default()
    };
    let args = sim_core::run_args(&cfg, &opts);
    let out = sim_core::simulate(ARCH, &opts, cfg, &args).unwrap();
    let digest = out.digest();
    if std::env::var_os("UPDATE_GOLDEN").is_some() {
        std::fs::write(
            concat!(env!("CARGO_MANIFEST_DIR"), "/tests/golden_digest.txt"),
            format!("{digest}\n"),
        )
        .unwrap();
        return;
    }
    assert!(
        out.summary.end_to_end.requests > 100,
        "the golden run must exercise the engine"
    );
    assert_eq!(
        digest,
        GOLDEN.trim(),
        "outputs changed; see this file's header"
    );
}
