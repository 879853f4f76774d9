//! Mutation fuzzing of the input parsers: thousands of corrupted variants of
//! real architecture files and random duration strings must each produce a
//! value or an `InputError` — never a panic. Deterministic (seeded), so a
//! failure reproduces; the corrupted input is printed when one occurs.

use std::panic::{catch_unwind, AssertUnwindSafe};

use sim_core::rng::{Purpose, Stream};
use sim_core::{duration::parse_duration, model::load_arch, BuildOptions, Topology};

const SEEDS: [&str; 3] = [
    include_str!("../../architectures/netflixoss.json"),
    include_str!("../../architectures/lamp.json"),
    include_str!("../../architectures/mmc.json"),
];

const TOKENS: [&str; 16] = [
    "",
    "-1",
    "1e308",
    "1000000000000",
    "null",
    "\"\"",
    "[]",
    "{}",
    "0",
    "\"eureka\"",
    ",",
    "\"x\":1",
    "true",
    "\"dist\":\"pareto\"",
    "NaN",
    "99999999999999999999999",
];

fn mutate(text: &str, rng: &mut Stream) -> String {
    let mut s: Vec<u8> = text.as_bytes().to_vec();
    for _ in 0..=rng.below(3) {
        let at = rng.below(s.len() as u32 + 1) as usize;
        match rng.below(5) {
            0 if at < s.len() => {
                s.remove(at);
            }
            1 => s.insert(at, b"{}[]\",:0-9ae\\"[rng.below(13) as usize]),
            2 => {
                // Replace a number or token with something hostile.
                let tok = TOKENS[rng.below(TOKENS.len() as u32) as usize].as_bytes();
                let end = (at + rng.below(8) as usize).min(s.len());
                s.splice(at..end, tok.iter().copied());
            }
            3 => s.truncate(at),
            _ => {
                let end = (at + rng.below(40) as usize).min(s.len());
                let chunk = s[at..end].to_vec();
                s.splice(at..at, chunk);
            }
        }
    }
    String::from_utf8_lossy(&s).into_owned()
}

#[test]
fn corrupted_architectures_never_panic() {
    let mut rng = Stream::new(2024, Purpose::Faults);
    let mut accepted = 0;
    for seed in SEEDS {
        for _ in 0..3000 {
            let text = mutate(seed, &mut rng);
            let r = catch_unwind(AssertUnwindSafe(|| {
                load_arch(&text)
                    .and_then(|spec| Topology::build(&spec, &BuildOptions::default()).map(|_| ()))
            }));
            match r {
                Ok(Ok(())) => accepted += 1,
                Ok(Err(e)) => assert!(!e.message.is_empty()),
                Err(_) => panic!("parser panicked on:\n{text}"),
            }
        }
    }
    // Some mutations are harmless (whitespace, duplicated text inside strings).
    assert!(accepted > 0 && accepted < 9000, "{accepted}");
}

#[test]
fn random_durations_never_panic() {
    let mut rng = Stream::new(7, Purpose::Faults);
    let alphabet: Vec<char> = "0123456789.-+ smhunµdwy".chars().collect();
    for _ in 0..20_000 {
        let n = rng.below(8) as usize;
        let s: String = (0..n)
            .map(|_| alphabet[rng.below(alphabet.len() as u32) as usize])
            .collect();
        let r = catch_unwind(|| parse_duration(&s));
        assert!(r.is_ok(), "parse_duration panicked on {s:?}");
    }
}
