//! Each distribution against its theory, with standard errors derived from
//! the run length and the theoretical moments (never picked by hand); the
//! theory itself checked two ways; and the cap on every draw.

use super::*;
use crate::model::{load_arch, ServiceSpec};
use crate::rng::Purpose;

fn dist(json: &str) -> Dist {
    let spec: DistSpec = serde_json::from_str(json).unwrap();
    Dist::from_spec(&spec)
}

/// What a run measured against theory, in ms and ms².
#[derive(Debug)]
struct Check {
    mean: f64,
    mean_theory: f64,
    mean_se: f64,
    var: f64,
    var_theory: f64,
    var_se: f64,
}

/// Draws `n` values from `d` (on a Work stream seeded with `seed`) and
/// compares the sample mean and the unbiased sample variance with theory.
///
/// Standard errors, both from theory and `n`:
/// - mean: σ/√n (the variance of a mean of n independent draws is σ²/n);
/// - variance: Var(s²) = (μ₄ − σ⁴(n − 3)/(n − 1))/n for the unbiased s², with
///   μ₄ the fourth central moment (Wikipedia, "Variance", section
///   "Distribution of the sample variance", there written σ⁴(2/(n − 1) + κ/n)
///   with κ = μ₄/σ⁴ − 3 the excess kurtosis). μ₄ comes from the raw moments
///   mₖ = E[Xᵏ] of the distribution: μ₄ = m₄ − 4m₃m₁ + 6m₂m₁² − 3m₁⁴.
///
/// Raw moments (each sampler's `moment`): exponential k!·meanᵏ; log-normal
/// exp(kμ + k²σ²/2); gamma θᵏ·k(k+1)…; Weibull λᵏΓ(1 + k/shape); Pareto
/// α·x_mᵏ/(α − k) for α > k (Wikipedia's articles on each distribution,
/// section "Moments"); uniform and histogram bins (hiᵏ⁺¹ − loᵏ⁺¹)/((k+1)(hi − lo)).
///
/// The sums use Welford's update (B. P. Welford, Technometrics 4(3), 1962)
/// so that no precision is lost to cancellation.
fn check(d: &Dist, seed: u64, n: u64) -> Check {
    let mut s = Stream::new(seed, Purpose::Work);
    let (mut mean, mut m2) = (0.0f64, 0.0f64);
    for i in 1..=n {
        let x = d.sample(&mut s) as f64 / 1e6;
        let delta = x - mean;
        mean += delta / i as f64;
        m2 += delta * (x - mean);
    }
    let nf = n as f64;
    let var = m2 / (nf - 1.0);
    let (mean_theory, var_theory) = (d.mean() / 1e6, d.variance() / 1e12);
    // Raw moments in ms^k, then the fourth central moment.
    let m = |k: i32| d.moment(k) / libm::pow(1e6, f64::from(k));
    let (m1, m2r, m3, m4) = (m(1), m(2), m(3), m(4));
    let mu4 = m4 - 4.0 * m3 * m1 + 6.0 * m2r * m1 * m1 - 3.0 * m1 * m1 * m1 * m1;
    // The closed-form variance must agree with the raw moments.
    assert!(
        (var_theory - (m2r - m1 * m1)).abs() <= 1e-9 * var_theory.max(1e-300),
        "variance {var_theory} vs m2 - m1² = {}",
        m2r - m1 * m1
    );
    let c = Check {
        mean,
        mean_theory,
        mean_se: (var_theory / nf).sqrt(),
        var,
        var_theory,
        var_se: ((mu4 - var_theory * var_theory * (nf - 3.0) / (nf - 1.0)) / nf).sqrt(),
    };
    // Printed so that `cargo test -- --nocapture` shows the figures.
    println!("{c:?}");
    assert!(c.mean_se.is_finite() && c.var_se.is_finite(), "{c:?}");
    assert!(
        (c.mean - c.mean_theory).abs() < 4.0 * c.mean_se,
        "mean off by {:.2} SE: {c:?}",
        (c.mean - c.mean_theory) / c.mean_se
    );
    assert!(
        (c.var - c.var_theory).abs() < 4.0 * c.var_se,
        "variance off by {:.2} SE: {c:?}",
        (c.var - c.var_theory) / c.var_se
    );
    c
}

const N: u64 = 400_000;

#[test]
fn gamma_matches_theory_above_and_below_shape_one() {
    // Shape 3 runs Marsaglia–Tsang directly; shape 0.5 through the U^(1/k) boost.
    for (shape, seed) in [(3.0, 1), (0.5, 2), (1.0, 3)] {
        let d = dist(&format!(
            r#"{{"dist":"gamma","mean_ms":2,"shape":{shape}}}"#
        ));
        assert!((d.mean() - 2e6).abs() < 1e-6, "{}", d.mean());
        // Gamma(k, θ): variance kθ² = mean²/k.
        assert!(
            (d.variance() - 4e12 / shape).abs() < 1.0,
            "{}",
            d.variance()
        );
        check(&d, seed, N);
    }
}

#[test]
fn gamma_fourth_moment_matches_its_kurtosis() {
    // Cross-check of the raw moments: μ₄ = 3k(k + 2)θ⁴, from the gamma's
    // excess kurtosis 6/k (Wikipedia, "Gamma distribution").
    let (k, theta) = (2.5, 0.8);
    let g = Gamma::new(k, theta);
    let (m1, m2, m3, m4) = (g.moment(1), g.moment(2), g.moment(3), g.moment(4));
    let mu4 = m4 - 4.0 * m3 * m1 + 6.0 * m2 * m1 * m1 - 3.0 * m1.powi(4);
    let want = 3.0 * k * (k + 2.0) * theta.powi(4);
    assert!((mu4 - want).abs() < 1e-9 * want, "{mu4} vs {want}");
}

#[test]
fn weibull_matches_theory() {
    for (shape, seed) in [(0.7, 4), (2.0, 5)] {
        let d = dist(&format!(
            r#"{{"dist":"weibull","mean_ms":5,"shape":{shape}}}"#
        ));
        assert!((d.mean() - 5e6).abs() < 1e-3, "{}", d.mean());
        check(&d, seed, N);
    }
}

#[test]
fn pareto_matches_theory() {
    // alpha > 4 so that the fourth moment, hence the variance of the sample
    // variance, is finite.
    let d = dist(r#"{"dist":"pareto","min_ms":1,"alpha":5}"#);
    // Mean αx_m/(α − 1) = 1.25 ms; variance x_m²α/((α − 1)²(α − 2)) = 5/48 ms².
    assert!((d.mean() - 1.25e6).abs() < 1e-6);
    assert!((d.variance() - 5.0 / 48.0 * 1e12).abs() < 1.0);
    check(&d, 6, N);
    // At alpha ≤ 2 the variance is infinite, and so said.
    let heavy = dist(r#"{"dist":"pareto","min_ms":1,"alpha":1.5}"#);
    assert_eq!(heavy.variance(), f64::INFINITY);
    assert!((heavy.mean() - 3e6).abs() < 1e-6);
}

#[test]
fn empirical_samples_match_their_own_moments() {
    let d = dist(r#"{"dist":"empirical","samples_ms":[0.5,1,1,2,3.5,8,20]}"#);
    // Mean of the list 36/7 ms; population variance of the list.
    assert!((d.mean() - 36.0 / 7.0 * 1e6).abs() < 1e-6);
    check(&d, 7, N);
    // Every draw is one of the values.
    let mut s = Stream::new(8, Purpose::Work);
    for _ in 0..1000 {
        let x = d.sample(&mut s);
        assert!(
            [0.5, 1.0, 2.0, 3.5, 8.0, 20.0].contains(&(x as f64 / 1e6)),
            "{x}"
        );
    }
}

#[test]
fn empirical_histogram_matches_its_piecewise_uniform_theory() {
    // A zero-count bin (5..7 ms) must never be drawn.
    let d = dist(
        r#"{"dist":"empirical","min_ms":0.2,
            "histogram":[[1,120],[2,300],[5,400],[7,0],[20,150],[100,30]]}"#,
    );
    check(&d, 9, N);
    let mut s = Stream::new(10, Purpose::Work);
    for _ in 0..100_000 {
        let x = d.sample(&mut s) as f64 / 1e6;
        assert!((0.2..100.0).contains(&x) && !(5.0..7.0).contains(&x), "{x}");
    }
}

#[test]
fn the_original_four_match_theory() {
    for (json, seed) in [
        (r#"{"dist":"exponential","mean_ms":2}"#, 11),
        (r#"{"dist":"lognormal","mean_ms":1,"sigma":0.5}"#, 12),
        (r#"{"dist":"uniform","min_ms":1,"max_ms":3}"#, 13),
    ] {
        check(&dist(json), seed, N);
    }
    let c = dist(r#"{"dist":"constant","mean_ms":1.5}"#);
    let mut s = Stream::new(14, Purpose::Work);
    assert!((0..10).all(|_| c.sample(&mut s) == 1_500_000));
    assert_eq!((c.mean(), c.variance()), (1.5e6, 0.0));
}

/// The values the engine drew before the samplers moved onto rand_distr's
/// traits, written out: same stream, same formulas, same bits.
#[test]
fn the_original_four_draw_what_they_always_drew() {
    type Old<'a> = &'a dyn Fn(&mut Stream) -> Nanos;
    let old_uniform = |s: &mut Stream| (s.next_u64() >> 11) as f64 * (1.0 / (1u64 << 53) as f64);
    let pi2 = 2.0 * core::f64::consts::PI;
    let (mu, sigma) = (libm::log(3e6) - 0.125, 0.5);
    let cases: [(Dist, Old); 3] = [
        (dist(r#"{"dist":"exponential","mean_ms":2}"#), &|s| {
            (-2e6 * libm::log(1.0 - old_uniform(s))) as Nanos
        }),
        (
            dist(r#"{"dist":"lognormal","mean_ms":3,"sigma":0.5}"#),
            &|s| {
                let u1 = 1.0 - old_uniform(s);
                let u2 = old_uniform(s);
                let z = libm::sqrt(-2.0 * libm::log(u1)) * libm::cos(pi2 * u2);
                libm::exp(mu + sigma * z) as Nanos
            },
        ),
        (dist(r#"{"dist":"uniform","min_ms":1,"max_ms":4}"#), &|s| {
            (1e6 + 3e6 * old_uniform(s)) as Nanos
        }),
    ];
    for (d, old) in cases {
        let mut a = Stream::new(5, Purpose::Work);
        let mut b = a.clone();
        for _ in 0..10_000 {
            assert_eq!(d.sample(&mut a), old(&mut b), "{d:?}");
        }
    }
}

/// Property: for random parameters anywhere in the ranges validation accepts,
/// up to the extremes, no draw exceeds the one-day cap.
#[test]
fn no_draw_exceeds_the_cap() {
    let max = LIMITS.max_ms;
    let cap = CAP_NS as Nanos;
    let mut p = Stream::new(99, Purpose::Behaviour);
    // Log-uniform between lo and hi.
    let mut between = |lo: f64, hi: f64| lo * libm::pow(hi / lo, p.uniform());
    let mut specs: Vec<String> = vec![
        format!(r#"{{"dist":"pareto","min_ms":{max},"alpha":1.0001}}"#),
        format!(r#"{{"dist":"lognormal","mean_ms":{max},"sigma":5}}"#),
        format!(r#"{{"dist":"gamma","mean_ms":{max},"shape":0.01}}"#),
        format!(r#"{{"dist":"weibull","mean_ms":{max},"shape":0.1}}"#),
        format!(r#"{{"dist":"exponential","mean_ms":{max}}}"#),
        format!(r#"{{"dist":"uniform","min_ms":{max},"max_ms":{max}}}"#),
        format!(r#"{{"dist":"constant","mean_ms":{max}}}"#),
        format!(r#"{{"dist":"empirical","samples_ms":[0,{max}]}}"#),
        format!(r#"{{"dist":"empirical","histogram":[[1,1],[{max},1]]}}"#),
    ];
    for _ in 0..40 {
        let (m, a) = (between(1e-3, max), between(1.0001, 1000.0));
        specs.push(format!(r#"{{"dist":"pareto","min_ms":{m},"alpha":{a}}}"#));
        let (m, k) = (between(1e-3, max), between(0.01, 10_000.0));
        specs.push(format!(r#"{{"dist":"gamma","mean_ms":{m},"shape":{k}}}"#));
        let (m, k) = (between(1e-3, max), between(0.1, 1000.0));
        specs.push(format!(r#"{{"dist":"weibull","mean_ms":{m},"shape":{k}}}"#));
        let (m, sg) = (between(1e-3, max), between(1e-3, 5.0));
        specs.push(format!(
            r#"{{"dist":"lognormal","mean_ms":{m},"sigma":{sg}}}"#
        ));
    }
    let mut s = Stream::new(100, Purpose::Work);
    let mut capped = 0;
    for json in &specs {
        // Only parameters the file format accepts.
        let arch = format!(
            r#"{{"arch":"x","services":[{{"name":"a","package":"karyon","count":1,"service_time":{json}}}]}}"#
        );
        let spec = load_arch(&arch).unwrap_or_else(|e| panic!("{json}: {e}"));
        let ServiceSpec { service_time, .. } = &spec.services[0];
        let d = Dist::from_spec(service_time.as_ref().unwrap());
        for _ in 0..2000 {
            let x = d.sample(&mut s);
            assert!(x <= cap, "{json}: {x}");
            capped += usize::from(x == cap);
            let f: f64 = Distribution::sample(&d, &mut s);
            assert!(f <= CAP_NS, "{json}: {f}");
        }
    }
    // The extremes did reach the cap (the test would be vacuous otherwise).
    assert!(capped > 1000, "{capped}");
}
