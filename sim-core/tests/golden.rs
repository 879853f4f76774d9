//! Golden digest: one small simulation whose outputs' SHA-256 is pinned in
//! `tests/golden_digest.txt`. sim-wasm's test runs the same simulation under
//! wasm32 and must get the same digest, which proves native and browser runs
//! are byte-identical. If an intended engine change alters outputs, regenerate
//! with `UPDATE_GOLDEN=1 cargo test -p sim-core --test golden` and say why in the commit.

mod common;

use sim_core::RunOptions;

const ARCH: &str = include_str!("../../architectures/netflixoss.json");
const GOLDEN: &str = include_str!("golden_digest.txt");

#[test]
fn digest_matches_golden() {
    let o = RunOptions {
        seed: 42,
        duration: 2 * sim_core::duration::SEC,
        ..RunOptions::default()
    };
    let out = common::run(ARCH, None, o).outputs();
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
