//! Mutation fuzzing of the importers, as `sim-core/tests/fuzz_parsers.rs`
//! does for the architecture parser: thousands of corrupted variants of the
//! shipped inputs must each give an architecture that sim-core accepts, or
//! one paragraph of bad input — never a panic and never a file `validate`
//! would refuse. Seeded, so a failure reproduces; the input is printed.

// `Err(_)` of catch_unwind is the panic this test exists to catch.
#![allow(clippy::match_wild_err_arm)]

use std::panic::{catch_unwind, AssertUnwindSafe};

use sim_core::rng::{Purpose, Stream};

use super::draft::Draft;
use super::traces::read::tests::{OTLP, ZIPKIN};
use super::Problem;

const TOKENS: [&str; 14] = [
    "",
    "-1",
    "1e308",
    "null",
    "[]",
    "{}",
    "*a",
    "&a x",
    "<<: *a",
    ":",
    "- ",
    "\"",
    "99999999999999999999",
    "${X:-y}",
];

/// A corrupted copy: a span deleted, duplicated, or replaced by a token.
fn mutate(text: &str, rng: &mut Stream) -> String {
    let b = text.as_bytes();
    let mut out = b.to_vec();
    for _ in 0..=rng.below(3) {
        let len = out.len().max(1);
        let at = rng.below(len as u32) as usize;
        let span = (1 + rng.below(40) as usize).min(out.len() - at.min(out.len()));
        match rng.below(3) {
            0 => {
                out.drain(at..at + span);
            }
            1 => {
                let copy = out[at..at + span].to_vec();
                out.splice(at..at, copy);
            }
            _ => {
                let t = TOKENS[rng.below(TOKENS.len() as u32) as usize].as_bytes();
                out.splice(at..at + span, t.iter().copied());
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// Imports `text` with `import`; a success must make a file sim-core runs.
fn check(
    what: &str,
    text: &str,
    import: impl Fn(&str) -> Result<(Draft, Option<serde_json::Value>), Problem>,
) {
    match catch_unwind(AssertUnwindSafe(|| import(text))) {
        Ok(Ok((mut d, scenario))) => {
            let arch = serde_json::to_string(&d.arch("fuzz")).expect("serializes");
            let sc = scenario.map(|mut s| {
                d.rename_in(&mut s);
                s.to_string()
            });
            if let Err(e) = crate::run::spec(
                ("fuzz.json", &arch),
                sc.as_deref().map(|s| ("fuzz-scenario.json", s)),
                sim_core::RunOptions::default(),
            ) {
                panic!(
                    "{what}: the import made a file sim-core refuses: {}\n--- input:\n{text}",
                    e.message
                );
            }
        }
        Ok(Err(p)) => assert!(p.message.contains("Fix:"), "{what}: {}", p.message),
        Err(_) => panic!("{what}: panicked on:\n{text}"),
    }
}

#[test]
fn corrupted_inputs_never_panic_and_never_make_a_bad_file() {
    let compose = include_str!("../../../architectures/imports/social-network.compose.yml");
    let app = include_str!("../../../architectures/imports/shop/app.yaml");
    let istio = include_str!("../../../architectures/imports/shop/istio.yaml");
    let jaeger = include_str!("../../tests/fixtures/jaeger.json");
    let mut rng = Stream::new(16, Purpose::Behaviour);
    for round in 0..300 {
        let c = mutate(compose, &mut rng);
        check(&format!("compose #{round}"), &c, |t| {
            super::compose::import("c.yml", t).map(|d| (d, None))
        });
        let (a, i) = (mutate(app, &mut rng), mutate(istio, &mut rng));
        check(&format!("k8s #{round}"), &format!("{a}\n---\n{i}"), |t| {
            let (a, i) = t.split_once("\n---\n").unwrap_or((t, ""));
            super::k8s::import(&[
                ("app.yaml".into(), a.into()),
                ("istio.yaml".into(), i.into()),
            ])
            .map(|k| (k.draft, k.scenario))
        });
        for seed in [jaeger, ZIPKIN, OTLP] {
            let j = mutate(seed, &mut rng);
            check(&format!("traces #{round}"), &j, |t| {
                super::traces::import("j.json", t, 1.0).map(|x| (x.draft, x.scenario))
            });
        }
    }
}
