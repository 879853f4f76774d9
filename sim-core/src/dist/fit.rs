//! Fitting a service-time distribution to measured times (`microsim import
//! traces`): a log-normal by maximum likelihood when the data look
//! log-normal, else the data themselves (`empirical`).
//!
//! **Log-normal MLE.** For x₁…xₙ > 0 the maximum-likelihood estimates are
//! μ̂ = (1/n) Σ ln xᵢ and σ̂² = (1/n) Σ (ln xᵢ − μ̂)² (the log-normal is the
//! normal of ln x; Johnson, Kotz & Balakrishnan, *Continuous Univariate
//! Distributions* vol. 1, 2nd ed., §14.4), and the fitted mean is
//! exp(μ̂ + σ̂²/2), which is what the architecture's `mean_ms` holds.
//!
//! **Is it log-normal?** The Kolmogorov–Smirnov distance D between the
//! logarithms and the fitted normal, judged with Lilliefors' critical values
//! for a normal whose mean and variance were estimated from the same data
//! (Lilliefors 1967, "On the Kolmogorov-Smirnov test for normality with mean
//! and variance unknown", JASA 62:399–402): 1.031/√n at the 1 % level for
//! n > 30. Past it the fit is refused and the times are kept as `empirical`
//! samples (all of them up to [`MAX_SAMPLES`], else that many quantiles), so
//! an exponential or bimodal service is not forced into the wrong shape —
//! a log-normal fitted to exponential data overstates the mean by 28 %.
//!
//! Times below [`FLOOR_MS`] (zero, at the microsecond resolution of Zipkin
//! and Jaeger) count as that floor, so the logarithm exists.

use crate::model::DistSpec;

/// Lowest time a fit takes, in ms (one microsecond).
pub const FLOOR_MS: f64 = 1e-3;
/// Most values an empirical fit keeps.
pub const MAX_SAMPLES: usize = 1000;
/// Fewer measurements than this are kept as they are (a shape from a
/// handful of points is a guess).
pub const MIN_FIT: usize = 20;
/// Lilliefors' 1 % critical value times √n, for n > 30.
pub const LILLIEFORS_1PC: f64 = 1.031;

/// A fitted distribution and how it was chosen.
#[derive(Debug, Clone, PartialEq)]
pub struct Fit {
    /// What the architecture file gets.
    pub spec: DistSpec,
    /// Measurements.
    pub n: usize,
    /// Their mean, ms.
    pub mean_ms: f64,
    /// The log-normal's Kolmogorov–Smirnov distance (NaN when not tried).
    pub ks: f64,
    /// Its critical value at 1 % (NaN when not tried).
    pub critical: f64,
}

/// Fits `times_ms` (at least one value).
pub fn fit(times_ms: &[f64]) -> Fit {
    let n = times_ms.len();
    assert!(n > 0, "fit needs a measurement");
    let mut x: Vec<f64> = times_ms.iter().map(|&t| t.max(FLOOR_MS)).collect();
    x.sort_by(f64::total_cmp);
    let mean_ms = x.iter().sum::<f64>() / n as f64;
    let nan = f64::NAN;
    let (lo, hi) = (x[0], x[n - 1]);
    // Equal within a thousandth, or within the traces' resolution (a
    // microsecond at each end of a span).
    if hi - lo <= (1e-3 * mean_ms).max(2.0 * FLOOR_MS) {
        return Fit {
            spec: DistSpec::Constant {
                mean_ms: round(mean_ms),
            },
            n,
            mean_ms,
            ks: nan,
            critical: nan,
        };
    }
    if n < MIN_FIT {
        return Fit {
            spec: empirical(&x),
            n,
            mean_ms,
            ks: nan,
            critical: nan,
        };
    }
    let logs: Vec<f64> = x.iter().map(|&v| libm::log(v)).collect();
    let mu = logs.iter().sum::<f64>() / n as f64;
    let sigma = libm::sqrt(logs.iter().map(|l| (l - mu) * (l - mu)).sum::<f64>() / n as f64);
    let ks = ks_normal(&logs, mu, sigma);
    let critical = LILLIEFORS_1PC / libm::sqrt(n as f64);
    // The format's range for sigma is (0, 5].
    let spec = if ks <= critical && sigma > 0.0 && sigma <= 5.0 {
        DistSpec::Lognormal {
            mean_ms: round(libm::exp(mu + sigma * sigma / 2.0)),
            sigma: round(sigma),
        }
    } else {
        empirical(&x)
    };
    Fit {
        spec,
        n,
        mean_ms,
        ks,
        critical,
    }
}

/// The Kolmogorov–Smirnov distance between sorted `v` and Normal(mu, sigma).
fn ks_normal(v: &[f64], mu: f64, sigma: f64) -> f64 {
    let n = v.len() as f64;
    v.iter()
        .enumerate()
        .map(|(i, &x)| {
            let f = 0.5 * libm::erfc(-(x - mu) / (sigma * core::f64::consts::SQRT_2));
            let i = i as f64;
            (f - i / n).max((i + 1.0) / n - f)
        })
        .fold(0.0, f64::max)
}

/// Sorted values as `empirical` samples: all of them, or [`MAX_SAMPLES`]
/// quantiles at (i + ½)/m, linearly interpolated.
fn empirical(sorted: &[f64]) -> DistSpec {
    let n = sorted.len();
    let samples: Vec<f64> = if n <= MAX_SAMPLES {
        sorted.iter().map(|&v| round(v)).collect()
    } else {
        (0..MAX_SAMPLES)
            .map(|i| {
                let q = (i as f64 + 0.5) / MAX_SAMPLES as f64 * (n - 1) as f64;
                let k = q as usize;
                let w = q - k as f64;
                let hi = sorted[(k + 1).min(n - 1)];
                round(sorted[k] * (1.0 - w) + hi * w)
            })
            .collect()
    };
    DistSpec::Empirical {
        samples_ms: Some(samples),
        histogram: None,
        min_ms: None,
    }
}

/// Six significant digits: what a file needs, and short to read.
fn round(x: f64) -> f64 {
    if x == 0.0 || !x.is_finite() {
        return x;
    }
    let e = libm::floor(libm::log10(x.abs())) as i32;
    let scale = libm::pow(10.0, f64::from(5 - e));
    libm::round(x * scale) / scale
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::dist::Dist;
    use crate::rng::{Purpose, Stream};

    fn draws(spec: &DistSpec, n: usize) -> Vec<f64> {
        let d = Dist::from_spec(spec);
        let mut s = Stream::new(7, Purpose::Work);
        (0..n).map(|_| d.sample(&mut s) as f64 / 1e6).collect()
    }

    /// μ̂ and σ̂ of 20,000 log-normal draws are within three standard errors
    /// of the truth: SE(μ̂) = σ/√n, SE(σ̂) ≈ σ/√(2n) (the MLE's asymptotic
    /// variances, Johnson, Kotz & Balakrishnan §14.4).
    #[test]
    fn lognormal_data_give_back_their_parameters() {
        let n = 20_000;
        let (mean, sigma) = (12.0, 0.6);
        let f = fit(&draws(
            &DistSpec::Lognormal {
                mean_ms: mean,
                sigma,
            },
            n,
        ));
        let DistSpec::Lognormal {
            mean_ms,
            sigma: s_hat,
        } = f.spec
        else {
            panic!("{f:?}")
        };
        let se_sigma = sigma / (2.0 * n as f64).sqrt();
        assert!((s_hat - sigma).abs() < 3.0 * se_sigma, "{s_hat}");
        // The mean's SE through the delta method: mean·√(σ²/n + σ⁴/(2n)).
        let se_mean = mean * ((sigma.powi(2) + sigma.powi(4) / 2.0) / n as f64).sqrt();
        assert!((mean_ms - mean).abs() < 3.0 * se_mean, "{mean_ms}");
        assert!(f.ks < f.critical, "{f:?}");
    }

    /// Exponential data fail Lilliefors' test (n = 5,000) and are kept as
    /// samples, whose mean is the data's.
    #[test]
    fn exponential_data_are_not_forced_into_a_lognormal() {
        let x = draws(&DistSpec::Exponential { mean_ms: 5.0 }, 5000);
        let f = fit(&x);
        assert!(f.ks > f.critical, "{f:?}");
        let DistSpec::Empirical {
            samples_ms: Some(s),
            ..
        } = &f.spec
        else {
            panic!("{f:?}")
        };
        assert_eq!(s.len(), MAX_SAMPLES);
        let m = s.iter().sum::<f64>() / s.len() as f64;
        assert!(
            (m - f.mean_ms).abs() / f.mean_ms < 0.02,
            "{m} vs {}",
            f.mean_ms
        );
    }

    #[test]
    fn constants_few_points_and_zeros() {
        assert_eq!(
            fit(&[2.0, 2.0, 2.0]).spec,
            DistSpec::Constant { mean_ms: 2.0 }
        );
        let few = fit(&[1.0, 3.0, 2.0]);
        assert_eq!(
            few.spec,
            DistSpec::Empirical {
                samples_ms: Some(vec![1.0, 2.0, 3.0]),
                histogram: None,
                min_ms: None
            }
        );
        assert_eq!(
            fit(&[0.0, -1.0]).spec,
            DistSpec::Constant { mean_ms: FLOOR_MS }
        );
        assert_eq!(round(12.345_678_9), 12.3457);
    }
}
