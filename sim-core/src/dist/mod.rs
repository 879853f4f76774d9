//! Service-time samplers written on `libm`, so native and wasm32 builds draw
//! bit-identical values (std's `ln`/`exp` may differ between targets).

use crate::duration::{Nanos, MS};
use crate::model::DistSpec;
use crate::rng::Stream;

/// A compiled distribution over durations in nanoseconds.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Dist {
    /// Always this many ns.
    Constant(Nanos),
    /// Exponential with this mean (ns).
    Exponential(f64),
    /// Log-normal: exp(mu + sigma·Z) ns.
    Lognormal {
        /// Location of the underlying normal.
        mu: f64,
        /// Shape of the underlying normal.
        sigma: f64,
    },
    /// Uniform on [lo, hi) ns.
    Uniform(f64, f64),
}

impl Dist {
    /// Compiles a file's distribution (ms) into ns parameters.
    pub fn from_spec(d: &DistSpec) -> Self {
        let ns = MS as f64;
        match *d {
            DistSpec::Constant { mean_ms } => Dist::Constant((mean_ms * ns) as Nanos),
            DistSpec::Exponential { mean_ms } => Dist::Exponential(mean_ms * ns),
            DistSpec::Lognormal { mean_ms, sigma } => {
                // E[X] = exp(mu + sigma²/2)  =>  mu = ln(mean) - sigma²/2.
                Dist::Lognormal {
                    mu: libm::log(mean_ms * ns) - sigma * sigma / 2.0,
                    sigma,
                }
            }
            DistSpec::Uniform { min_ms, max_ms } => Dist::Uniform(min_ms * ns, max_ms * ns),
        }
    }

    /// The mean in ns (for reports and theory checks).
    pub fn mean(&self) -> f64 {
        match *self {
            Dist::Constant(c) => c as f64,
            Dist::Exponential(m) => m,
            Dist::Lognormal { mu, sigma } => libm::exp(mu + sigma * sigma / 2.0),
            Dist::Uniform(lo, hi) => (lo + hi) / 2.0,
        }
    }

    /// Draws one value.
    #[inline]
    pub fn sample(&self, s: &mut Stream) -> Nanos {
        match *self {
            Dist::Constant(c) => c,
            // Inverse CDF: -m·ln(1-U), U in [0,1) so the argument is in (0,1].
            Dist::Exponential(m) => (-m * libm::log(1.0 - s.uniform())) as Nanos,
            Dist::Lognormal { mu, sigma } => libm::exp(mu + sigma * std_normal(s)) as Nanos,
            Dist::Uniform(lo, hi) => (lo + (hi - lo) * s.uniform()) as Nanos,
        }
    }
}

/// A standard normal draw by Box–Muller on libm.
fn std_normal(s: &mut Stream) -> f64 {
    let u1 = 1.0 - s.uniform();
    let u2 = s.uniform();
    libm::sqrt(-2.0 * libm::log(u1)) * libm::cos(2.0 * core::f64::consts::PI * u2)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rng::Purpose;

    fn sample_mean(d: Dist, n: usize) -> f64 {
        let mut s = Stream::new(11, Purpose::Work);
        (0..n).map(|_| d.sample(&mut s) as f64).sum::<f64>() / n as f64
    }

    // n = 200k draws: the standard error of the mean is sd/√n; we allow 5 SE.
    #[test]
    fn exponential_mean_matches() {
        let d = Dist::from_spec(&DistSpec::Exponential { mean_ms: 2.0 });
        let m = sample_mean(d, 200_000);
        let se = 2e6 / (200_000f64).sqrt();
        assert!((m - 2e6).abs() < 5.0 * se, "{m}");
    }

    #[test]
    fn lognormal_mean_matches() {
        let d = Dist::from_spec(&DistSpec::Lognormal {
            mean_ms: 1.0,
            sigma: 0.5,
        });
        assert!((d.mean() - 1e6).abs() < 1.0);
        let m = sample_mean(d, 200_000);
        // sd of a lognormal = mean·sqrt(exp(σ²)-1) ≈ 0.533 mean.
        let se = 0.533e6 / (200_000f64).sqrt();
        assert!((m - 1e6).abs() < 5.0 * se, "{m}");
    }

    #[test]
    fn constant_and_uniform() {
        assert_eq!(
            sample_mean(Dist::from_spec(&DistSpec::Constant { mean_ms: 1.5 }), 10),
            1.5e6
        );
        let d = Dist::from_spec(&DistSpec::Uniform {
            min_ms: 1.0,
            max_ms: 3.0,
        });
        let m = sample_mean(d, 100_000);
        assert!((m - 2e6).abs() < 5.0 * 0.577e6 / (100_000f64).sqrt(), "{m}");
    }
}
