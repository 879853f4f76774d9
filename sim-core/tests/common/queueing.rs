//! Queueing-theory formulas and replication statistics the engine tests
//! compare simulations with.
//!
//! Sources: L. Kleinrock, *Queueing Systems, Vol. 1: Theory* (Wiley, 1975),
//! §3.5 (M/M/c, Erlang's C formula); A. M. Law, *Simulation Modeling and
//! Analysis* (5th ed., McGraw-Hill, 2015), ch. 9 (independent replications:
//! a statistic computed once per replication gives i.i.d. values, so the
//! standard error of their mean is their sample deviation over √R).

/// Erlang C: probability that an arrival waits, for c servers and offered
/// load a = λ/μ (< c).
pub fn erlang_c(c: u32, a: f64) -> f64 {
    let mut term = 1.0;
    let mut sum = 1.0; // k = 0
    for k in 1..c {
        term *= a / f64::from(k);
        sum += term;
    }
    let top = term * a / f64::from(c) * (f64::from(c) / (f64::from(c) - a));
    top / (sum + top)
}

/// Mean response time of M/M/c in ms: C(c, a)/(cμ − λ) + 1/μ, for λ per
/// second and a mean service time in ms.
pub fn mmc_response_ms(c: u32, lambda: f64, service_ms: f64) -> f64 {
    let mu = 1000.0 / service_ms;
    1000.0 * (erlang_c(c, lambda / mu) / (f64::from(c) * mu - lambda)) + service_ms
}

/// (mean, standard error of the mean) of independent replications' values.
pub fn mean_se(xs: &[f64]) -> (f64, f64) {
    let n = xs.len() as f64;
    let m = xs.iter().sum::<f64>() / n;
    let var = xs.iter().map(|x| (x - m) * (x - m)).sum::<f64>() / (n - 1.0);
    (m, (var / n).sqrt())
}

/// Replications' values `xs` against `theory`: the mean within 3 % of it,
/// and three standard errors inside that 3 % — the run is long enough for
/// the bound to mean something (a too-short run fails the second assertion).
pub fn check(name: &str, xs: &[f64], theory: f64) {
    let (m, se) = mean_se(xs);
    let rel = (m - theory).abs() / theory;
    eprintln!(
        "{name}: simulated {m:.4} ms ± {se:.4} (SE), theory {theory:.4} ms, error {:.2} %",
        rel * 100.0
    );
    assert!(
        3.0 * se < 0.03 * theory,
        "{name}: run too short for a 3 % bound (SE {se:.4} ms)"
    );
    assert!(
        rel < 0.03,
        "{name}: {m:.4} ms is more than 3 % from {theory:.4} ms"
    );
}

/// Mean response time (ms) of each replication of `arch` run for `secs`.
pub fn replications(arch: &str, reps: u64, secs: u64) -> Vec<f64> {
    (0..reps)
        .map(|seed| {
            let sim = super::run(arch, None, super::options(1000 + seed, secs));
            let e = sim.end_to_end();
            assert_eq!(e.requests, e.ok, "no request may fail in a queueing check");
            e.mean_ns() / 1e6
        })
        .collect()
}

/// Erlang B: probability that an arrival finds all c places taken in a loss
/// system offered a = λ·E[holding time] (M/G/c/c; insensitive to the holding
/// time's distribution), by the recursion B(k) = aB(k−1)/(k + aB(k−1)).
pub fn erlang_b(c: u32, a: f64) -> f64 {
    (1..=c).fold(1.0, |b, k| a * b / (f64::from(k) + a * b))
}
