//! Mutation fuzzing of the input parsers: thousands of corrupted variants of
//! real architecture files and random duration strings must each produce a
//! value or an `InputError` — never a panic. Deterministic (seeded), so a
//! failure reproduces; the corrupted input is printed when one occurs.

// `Err(_)` of catch_unwind is the panic this test exists to catch.
#![allow(clippy::match_wild_err_arm)]

use std::panic::{catch_unwind, AssertUnwindSafe};

use sim_core::rng::{Purpose, Stream};
use sim_core::{duration::parse_duration, model::load_arch, BuildOptions, Topology};
use sim_core::{Input, Part, RunError, RunOptions, RunSpec};

const SEEDS: [&str; 8] = [
    include_str!("../../architectures/netflixoss.json"),
    include_str!("../../architectures/lamp.json"),
    include_str!("../../architectures/mmc.json"),
    include_str!("../../architectures/netflixoss-resilient.json"),
    include_str!("../../architectures/spike.json"),
    include_str!("../../architectures/diurnal.json"),
    include_str!("../../architectures/shadow-traffic.json"),
    include_str!("../../architectures/nonblocking-server.json"),
];

const SCENARIOS: [&str; 6] = [
    include_str!("../../architectures/scenarios/zone-outage.json"),
    include_str!("../../architectures/scenarios/chaos-monkey.json"),
    include_str!("../../architectures/scenarios/zone-partition.json"),
    r#"{"discovery_poll":"5s","replace_after":"3s","faults":[
        {"at":"1s","for":"4s","kill":{"service":"subscriber","instances":2,"mode":"hang"}},
        {"at":"2s","for":"5s","latency":{"service":"evcache","add_ms":80,"percent":40}},
        {"at":"3s","errors":{"service":"cassandra","percent":30}},
        {"at":"4s","for":"2s","region_outage":{"region":"us-east-1"}}]}"#,
    include_str!("../../architectures/scenarios/flash-crowd.json"),
    r#"{"faults":[{"at":"1s","for":"3s","flash_crowd":{"factor":40,"entry":"www"}},
        {"at":"2s","for":"5s","flash_crowd":{"factor":0.25}},
        {"at":"3s","flash_crowd":{"factor":2.5,"entry":"www"}}]}"#,
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
    assert!(accepted > 0 && accepted < SEEDS.len() * 3000, "{accepted}");
}

/// Runs `per_seed` corrupted variants of each of `seeds` as architectures
/// for `secs` virtual seconds at `rate`: each must be refused with an
/// `InputError` naming the file, or run keeping the engine's invariants.
/// Returns (ran, refused).
fn run_corrupted_architectures(
    seeds: &[&str],
    rng: u64,
    per_seed: usize,
    secs: u64,
    rate: f64,
) -> (usize, usize) {
    let mut rng = Stream::new(rng, Purpose::Faults);
    let (mut ran, mut refused) = (0, 0);
    for seed in seeds {
        for _ in 0..per_seed {
            let text = mutate(seed, &mut rng);
            let r = catch_unwind(AssertUnwindSafe(|| {
                let o = RunOptions {
                    duration: secs * sim_core::duration::SEC,
                    rate: Some(rate),
                    record_graph: false,
                    ..Default::default()
                };
                let mut sim = RunSpec::new(Input::new("arch.json", &text), None, o)?.simulation();
                sim.run();
                Ok::<_, RunError>(sim.check_invariants())
            }));
            match r {
                Ok(Ok(Ok(()))) => ran += 1,
                Ok(Ok(Err(broken))) => panic!("invariant broken ({broken}) by:\n{text}"),
                Ok(Err(e)) => {
                    assert!(e.to_string().starts_with("arch.json"), "{e}");
                    refused += 1;
                }
                Err(_) => panic!("panicked on:\n{text}"),
            }
        }
    }
    (ran, refused)
}

/// Corrupted mirrors, async calls and non-blocking servers that still parse
/// (odd percentages, caps of 1, ...) are run briefly and must keep the
/// engine's invariants: parked counts, caps and detached calls included.
#[test]
fn corrupted_detached_and_nonblocking_architectures_keep_the_invariants() {
    let (ran, _) = run_corrupted_architectures(&SEEDS[6..], 12, 600, 2, 50.0);
    assert!(ran > 50, "{ran}");
}

/// Architectures with keys and caches with a capacity, corrupted: each is
/// refused with an `InputError` or, accepted, runs (briefly) keeping the
/// engine's invariants — the caches' LRUs among them — so an odd-but-valid
/// keyspace or cache can neither crash the engine nor corrupt its state.
#[test]
fn corrupted_keyed_architectures_never_panic_and_keep_invariants() {
    const KEYED: [&str; 3] = [
        include_str!("../../architectures/evcache-every-zone.json"),
        include_str!("../../architectures/cache-che.json"),
        include_str!("../../architectures/netflixoss-keys.json"),
    ];
    let (ran, refused) = run_corrupted_architectures(&KEYED, 14, 1000, 3, 20.0);
    assert!(ran > 100 && refused > 100, "{ran} {refused}");
}

/// Replicated stores, corrupted (odd factors, levels, vnodes, storage,
/// repair periods, keyspaces): refused with an `InputError` or run briefly
/// keeping the engine's invariants — coordinators, flying replica writes and
/// versions among them.
#[test]
fn corrupted_replicated_architectures_never_panic_and_keep_invariants() {
    const REPLICATED: [&str; 3] = [
        include_str!("../../architectures/cap-available.json"),
        include_str!("../../architectures/cap-consistent.json"),
        include_str!("../../architectures/shard-one-copy.json"),
    ];
    let (ran, refused) = run_corrupted_architectures(&REPLICATED, 15, 800, 3, 20.0);
    assert!(ran > 100 && refused > 100, "{ran} {refused}");
}

/// Corrupted scenarios go the way every front end takes them — a
/// [`RunSpec`] with the resilient architecture — and those accepted are run
/// (briefly) and must keep the engine's invariants, so odd-but-valid faults
/// can neither crash the engine nor corrupt its bookkeeping.
#[test]
fn corrupted_scenarios_never_panic_in_the_parser_or_the_engine() {
    let mut rng = Stream::new(99, Purpose::Faults);
    let (mut accepted, mut rejected) = (0, 0);
    for seed in SCENARIOS {
        for _ in 0..1500 {
            let text = mutate(seed, &mut rng);
            let r = catch_unwind(AssertUnwindSafe(|| {
                let o = RunOptions {
                    duration: 10 * sim_core::duration::SEC,
                    rate: Some(5.0),
                    record_graph: false,
                    ..Default::default()
                };
                let spec = RunSpec::new(
                    Input::new("arch.json", SEEDS[3]),
                    Some(Input::new("scenario.json", &text)),
                    o,
                )?;
                let mut sim = spec.simulation();
                sim.run();
                Ok::<_, RunError>(sim.check_invariants())
            }));
            match r {
                Ok(Ok(Ok(()))) => accepted += 1,
                Ok(Ok(Err(broken))) => panic!("invariant broken ({broken}) by:\n{text}"),
                Ok(Err(e)) => {
                    assert_eq!(e.part, Part::Scenario, "{e}");
                    assert!(e.to_string().starts_with("scenario.json"), "{e}");
                    rejected += 1;
                }
                Err(_) => panic!("scenario panicked:\n{text}"),
            }
        }
    }
    assert!(accepted > 100 && rejected > 100, "{accepted} {rejected}");
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

/// Corrupted judgement files (`microsim judge`) are refused or judged, never
/// a panic: the judge also meets samples its checks let through (one value,
/// all tied, huge or tiny numbers).
#[test]
fn corrupted_judgements_never_panic() {
    let seed = include_str!("../../architectures/judgements/defect.json");
    let mut rng = Stream::new(12, Purpose::Faults);
    let (mut accepted, mut rejected) = (0, 0);
    for _ in 0..3000 {
        let text = mutate(seed, &mut rng);
        match catch_unwind(AssertUnwindSafe(|| {
            sim_core::canary::input::judge_json(&text)
        })) {
            Ok(Ok(j)) => {
                assert!((0.0..=100.0).contains(&j.score), "{text}");
                accepted += 1;
            }
            Ok(Err(e)) => {
                assert!(!e.message.is_empty());
                rejected += 1;
            }
            Err(_) => panic!("the judge panicked on:\n{text}"),
        }
    }
    assert!(accepted > 100 && rejected > 100, "{accepted} {rejected}");
}

const VERSIONS_ARCH: &str = include_str!("../../architectures/change-in-flight.json");

const DEPLOYMENTS: [&str; 4] = [
    include_str!("../../architectures/scenarios/canary.json"),
    include_str!("../../architectures/scenarios/red-black.json"),
    r#"{"discovery_poll":"2s","deployments":[
        {"at":"1s","deploy":{"service":"api","version":"v2","instances":2,"startup":"1s"}},
        {"at":"2s","shift":{"service":"api","weights":{"v1":50,"v2":50},"over":"3s"}},
        {"at":"6s","rollback":{"service":"api"}},
        {"at":"7s","rolling":{"service":"api","version":"v3","batch":2,"startup":"1s"}}]}"#,
    r#"{"discovery_poll":"2s","deployments":[{"at":"1s","canary":{
        "service":"api","canary":"v2","baseline":"v1","instances":1,"startup":"1s",
        "steps":[{"set_weight":10},{"pause":"2s"},{"set_weight":50},{"pause":"2s"}],
        "analysis":{"step":"1s","metrics":[{"metric":"error_rate"},{"metric":"latency_p99"}]}}}]}"#,
];

/// Runs `arch` (and `scenario`) for `secs` at 50 requests a second; Ok(true)
/// when it ran with its invariants kept, false when refused as bad input of
/// one of the `bad` parts (a corrupted architecture may also leave the
/// scenario naming what is no longer there).
fn run_checked(arch: &str, scenario: Option<&str>, secs: u64, bad: &[Part]) -> bool {
    let r = catch_unwind(AssertUnwindSafe(|| {
        let o = RunOptions {
            duration: secs * sim_core::duration::SEC,
            rate: Some(50.0),
            record_graph: false,
            ..Default::default()
        };
        let spec = RunSpec::new(
            Input::new("arch.json", arch),
            scenario.map(|s| Input::new("scenario.json", s)),
            o,
        )?;
        let mut sim = spec.simulation();
        sim.run();
        Ok::<_, RunError>(sim.check_invariants())
    }));
    match r {
        Ok(Ok(Ok(()))) => true,
        Ok(Ok(Err(broken))) => panic!("invariant broken ({broken}) by:\n{arch}\n{scenario:?}"),
        Ok(Err(e)) => {
            assert!(bad.contains(&e.part), "{e}");
            false
        }
        Err(_) => panic!("panicked on:\n{arch}\n{scenario:?}"),
    }
}

/// Corrupted versions (odd counts, weights, defects, leaks) and corrupted
/// deployments (odd weights, steps, analyses) that still parse are run and
/// must keep the invariants: tracks, places and weights included.
#[test]
fn corrupted_versions_and_deployments_keep_the_invariants() {
    let mut rng = Stream::new(21, Purpose::Faults);
    let (mut ran, mut refused) = (0, 0);
    for _ in 0..1500 {
        let text = mutate(VERSIONS_ARCH, &mut rng);
        if run_checked(
            &text,
            Some(DEPLOYMENTS[2]),
            12,
            &[Part::Architecture, Part::Scenario],
        ) {
            ran += 1;
        } else {
            refused += 1;
        }
    }
    for seed in DEPLOYMENTS {
        for _ in 0..1500 {
            let text = mutate(seed, &mut rng);
            if run_checked(VERSIONS_ARCH, Some(&text), 12, &[Part::Scenario]) {
                ran += 1;
            } else {
                refused += 1;
            }
        }
    }
    assert!(ran > 100 && refused > 100, "{ran} {refused}");
}

/// Corrupted lessons are refused or accepted, never a panic, and the figures
/// a hypothesis names are looked up in any summary without one.
#[test]
fn corrupted_lessons_never_panic() {
    let seed = include_str!("../../architectures/lessons/retry-storm.json");
    let summary = serde_json::json!({"end_to_end": {"requests": 10, "ok": 9,
        "latency_ms": {"p99": 3.0}}, "amplification": {"per_request": 2.0}});
    let mut rng = Stream::new(13, Purpose::Faults);
    let (mut accepted, mut rejected) = (0, 0);
    for _ in 0..3000 {
        let text = mutate(seed, &mut rng);
        match catch_unwind(AssertUnwindSafe(|| {
            sim_core::lesson::parse_lesson(&text).inspect(|l| {
                for h in &l.spec.hypotheses {
                    let _ = sim_core::lesson::hypothesis::evaluate(h, |_| &summary);
                }
            })
        })) {
            Ok(Ok(l)) => {
                assert_eq!(l.options.len(), l.spec.runs.len(), "{text}");
                accepted += 1;
            }
            Ok(Err(e)) => {
                assert!(!e.message.is_empty());
                rejected += 1;
            }
            Err(_) => panic!("the lesson parser panicked on:\n{text}"),
        }
    }
    assert!(accepted > 100 && rejected > 100, "{accepted} {rejected}");
}

/// Corrupted sweeps are refused or expanded, never a panic: parsed, each
/// parameter set applied by path to its architecture and checked as a run,
/// and the first jobs sent through JSON and back.
#[test]
fn corrupted_sweeps_never_panic() {
    use sim_core::sweep::{parse_sweep, plan::Named, Job, Plan};
    let seed = include_str!("../../architectures/sweeps/zone-outage-counts.json");
    let arch = include_str!("../../architectures/zone-capacity.json");
    let scenario = SCENARIOS[0];
    let mut rng = Stream::new(17, Purpose::Faults);
    let (mut accepted, mut rejected) = (0, 0);
    for _ in 0..2000 {
        let text = mutate(seed, &mut rng);
        let r = catch_unwind(AssertUnwindSafe(|| {
            let sweep = parse_sweep(&text)?;
            let archs = sweep
                .spec
                .architectures
                .iter()
                .map(|n| Named {
                    name: n.clone(),
                    text: arch.into(),
                })
                .collect();
            let scenarios = sweep
                .scenarios()
                .iter()
                .map(|s| {
                    s.map(|n| Named {
                        name: n.into(),
                        text: scenario.into(),
                    })
                })
                .collect();
            let plan = Plan::new(&sweep, archs, scenarios)?;
            for k in 0..plan.len().min(3) {
                let job = plan.job(k);
                assert_eq!(Job::from_json(&job.to_json()).unwrap(), job);
            }
            Ok::<_, sim_core::InputError>(plan.len())
        }));
        match r {
            Ok(Ok(n)) => {
                assert!(n > 0, "{text}");
                accepted += 1;
            }
            Ok(Err(e)) => {
                assert!(!e.message.is_empty());
                rejected += 1;
            }
            Err(_) => panic!("the sweep parser panicked on:\n{text}"),
        }
    }
    assert!(accepted > 100 && rejected > 100, "{accepted} {rejected}");
}
