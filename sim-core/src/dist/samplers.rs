//! The samplers, one type per distribution, each a
//! [`rand_distr::Distribution<f64>`] over nanoseconds. Transcendental maths is
//! on `libm` (see the parent module for why); index choices are rand_distr's
//! own integer samplers.
//!
//! Each type also knows its raw moments `moment(n)` = `E[Xⁿ]` (∞ where the
//! integral diverges), from which `Dist` gives the mean and variance and the
//! tests derive their standard errors.

use std::sync::Arc;

use rand_core::Rng;
use rand_distr::weighted::WeightedIndex;
use rand_distr::Distribution;

use crate::rng::unit_f64;

/// Uniform in [0, 1), exactly [`crate::rng::Stream::uniform`].
#[inline]
fn unit<R: Rng + ?Sized>(rng: &mut R) -> f64 {
    unit_f64(rng.next_u64())
}

/// Uniform in (0, 1]: safe for `ln` and negative powers.
#[inline]
fn unit_open0<R: Rng + ?Sized>(rng: &mut R) -> f64 {
    1.0 - unit(rng)
}

/// A standard normal by Box–Muller (the cosine half only) on libm. Two
/// uniforms per normal: `u1` first, then `u2`, as microsim always drew them.
#[inline]
fn std_normal<R: Rng + ?Sized>(rng: &mut R) -> f64 {
    let u1 = unit_open0(rng);
    let u2 = unit(rng);
    libm::sqrt(-2.0 * libm::log(u1)) * libm::cos(2.0 * core::f64::consts::PI * u2)
}

/// Always the same value (ns).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Constant {
    /// The value in ns.
    pub ns: u64,
}

impl Distribution<f64> for Constant {
    #[inline]
    fn sample<R: Rng + ?Sized>(&self, _: &mut R) -> f64 {
        self.ns as f64
    }
}

impl Constant {
    /// `E[Xⁿ]` = cⁿ.
    pub fn moment(&self, n: i32) -> f64 {
        libm::pow(self.ns as f64, f64::from(n))
    }
}

/// Exponential with mean `mean` (ns), by inverse CDF: X = −mean·ln(1 − U).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Exponential {
    /// The mean in ns.
    pub mean: f64,
}

impl Distribution<f64> for Exponential {
    #[inline]
    fn sample<R: Rng + ?Sized>(&self, rng: &mut R) -> f64 {
        // U in [0,1) so the argument is in (0,1].
        -self.mean * libm::log(1.0 - unit(rng))
    }
}

impl Exponential {
    /// `E[Xⁿ]` = n!·meanⁿ.
    pub fn moment(&self, n: i32) -> f64 {
        (1..=n).map(f64::from).product::<f64>() * libm::pow(self.mean, f64::from(n))
    }
}

/// Log-normal: X = exp(μ + σZ) ns with Z a Box–Muller normal.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct LogNormal {
    /// Location of the underlying normal (ln ns).
    pub mu: f64,
    /// Shape of the underlying normal.
    pub sigma: f64,
}

impl Distribution<f64> for LogNormal {
    #[inline]
    fn sample<R: Rng + ?Sized>(&self, rng: &mut R) -> f64 {
        libm::exp(self.mu + self.sigma * std_normal(rng))
    }
}

impl LogNormal {
    /// `E[Xⁿ]` = exp(nμ + n²σ²/2).
    pub fn moment(&self, n: i32) -> f64 {
        let n = f64::from(n);
        libm::exp(n * self.mu + n * n * self.sigma * self.sigma / 2.0)
    }
}

/// Uniform on [lo, hi) ns.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Uniform {
    /// Lower bound (ns).
    pub lo: f64,
    /// Upper bound (ns).
    pub hi: f64,
}

impl Distribution<f64> for Uniform {
    #[inline]
    fn sample<R: Rng + ?Sized>(&self, rng: &mut R) -> f64 {
        self.lo + (self.hi - self.lo) * unit(rng)
    }
}

impl Uniform {
    /// `E[Xⁿ]` = (hiⁿ⁺¹ − loⁿ⁺¹) / ((n+1)(hi − lo)).
    pub fn moment(&self, n: i32) -> f64 {
        uniform_moment(self.lo, self.hi, n)
    }
}

fn uniform_moment(lo: f64, hi: f64, n: i32) -> f64 {
    if hi <= lo {
        return libm::pow(lo, f64::from(n));
    }
    let k = f64::from(n + 1);
    (libm::pow(hi, k) - libm::pow(lo, k)) / (k * (hi - lo))
}

/// Gamma with shape k and scale θ (mean kθ), by Marsaglia & Tsang, "A simple
/// method for generating gamma variables", ACM TOMS 26(3):363–372, 2000.
///
/// For k ≥ 1, with d = k − 1/3 and c = 1/√(9d): draw a normal x until
/// v = (1 + cx)³ > 0, then a uniform u; accept dv if u < 1 − 0.0331x⁴ (the
/// squeeze) or ln u < x²/2 + d(1 − v + ln v). For k < 1 the paper's boost:
/// Gamma(k) = Gamma(k + 1)·U^(1/k).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Gamma {
    shape: f64,
    scale: f64,
    d: f64,
    c: f64,
}

impl Gamma {
    /// Gamma with `shape` k > 0 and `scale` θ > 0 (ns).
    pub fn new(shape: f64, scale: f64) -> Self {
        let d = if shape < 1.0 { shape + 1.0 } else { shape } - 1.0 / 3.0;
        Gamma {
            shape,
            scale,
            d,
            c: 1.0 / libm::sqrt(9.0 * d),
        }
    }

    /// The shape k.
    pub fn shape(&self) -> f64 {
        self.shape
    }

    /// The scale θ (ns).
    pub fn scale(&self) -> f64 {
        self.scale
    }

    /// `E[Xⁿ]` = θⁿ·k(k+1)…(k+n−1).
    pub fn moment(&self, n: i32) -> f64 {
        (0..n).map(|i| self.shape + f64::from(i)).product::<f64>()
            * libm::pow(self.scale, f64::from(n))
    }

    /// A Gamma(d + 1/3, 1) draw, the Marsaglia–Tsang loop.
    #[inline]
    fn unit_scale<R: Rng + ?Sized>(&self, rng: &mut R) -> f64 {
        loop {
            let (x, v) = loop {
                let x = std_normal(rng);
                let v = 1.0 + self.c * x;
                if v > 0.0 {
                    break (x, v * v * v);
                }
            };
            let u = unit_open0(rng);
            let x2 = x * x;
            if u < 1.0 - 0.0331 * x2 * x2
                || libm::log(u) < 0.5 * x2 + self.d * (1.0 - v + libm::log(v))
            {
                return self.d * v;
            }
        }
    }
}

impl Distribution<f64> for Gamma {
    #[inline]
    fn sample<R: Rng + ?Sized>(&self, rng: &mut R) -> f64 {
        let g = self.unit_scale(rng);
        if self.shape < 1.0 {
            let boost = libm::pow(unit_open0(rng), 1.0 / self.shape);
            self.scale * g * boost
        } else {
            self.scale * g
        }
    }
}

/// Weibull with scale λ and shape k, by inverse CDF: X = λ(−ln(1 − U))^(1/k).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Weibull {
    /// Scale λ (ns).
    pub scale: f64,
    /// Shape k.
    pub shape: f64,
}

impl Distribution<f64> for Weibull {
    #[inline]
    fn sample<R: Rng + ?Sized>(&self, rng: &mut R) -> f64 {
        let e = -libm::log(unit_open0(rng));
        self.scale * libm::pow(e, 1.0 / self.shape)
    }
}

impl Weibull {
    /// `E[Xⁿ]` = λⁿ·Γ(1 + n/k).
    pub fn moment(&self, n: i32) -> f64 {
        libm::pow(self.scale, f64::from(n)) * libm::tgamma(1.0 + f64::from(n) / self.shape)
    }
}

/// Pareto (type I) with minimum x_m and tail index α, by inverse CDF:
/// X = x_m·(1 − U)^(−1/α).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Pareto {
    /// Minimum x_m (ns).
    pub min: f64,
    /// Tail index α.
    pub alpha: f64,
}

impl Distribution<f64> for Pareto {
    #[inline]
    fn sample<R: Rng + ?Sized>(&self, rng: &mut R) -> f64 {
        self.min * libm::pow(unit_open0(rng), -1.0 / self.alpha)
    }
}

impl Pareto {
    /// `E[Xⁿ]` = α·x_mⁿ/(α − n) for α > n, else ∞.
    pub fn moment(&self, n: i32) -> f64 {
        let n = f64::from(n);
        if self.alpha <= n {
            return f64::INFINITY;
        }
        self.alpha * libm::pow(self.min, n) / (self.alpha - n)
    }
}

/// An empirical distribution given as a list of observed values (ns): each
/// draw picks one of them with equal chance (rand_distr's integer `Uniform`).
#[derive(Debug, Clone, PartialEq)]
pub struct Samples {
    values: Arc<[f64]>,
    pick: rand_distr::Uniform<u32>,
}

impl Samples {
    /// The list; `None` if it is empty or longer than `u32::MAX`.
    pub fn new(values: Vec<f64>) -> Option<Self> {
        let n = u32::try_from(values.len()).ok()?;
        let pick = rand_distr::Uniform::new(0, n).ok()?;
        Some(Samples {
            values: values.into(),
            pick,
        })
    }

    /// The values (ns).
    pub fn values(&self) -> &[f64] {
        &self.values
    }

    /// `E[Xⁿ]` = the mean of the values to the n-th power.
    pub fn moment(&self, n: i32) -> f64 {
        let sum: f64 = self
            .values
            .iter()
            .map(|&v| libm::pow(v, f64::from(n)))
            .sum();
        sum / self.values.len() as f64
    }
}

impl Distribution<f64> for Samples {
    #[inline]
    fn sample<R: Rng + ?Sized>(&self, rng: &mut R) -> f64 {
        self.values[self.pick.sample(rng) as usize]
    }
}

/// An empirical distribution given as a histogram: bin i spans
/// `[edges[i], edges[i+1])` ns and holds `counts[i]` observations. A draw picks a
/// bin in proportion to its count (rand_distr's `WeightedIndex`, integer
/// arithmetic), then a uniform point inside it.
#[derive(Debug, Clone, PartialEq)]
pub struct Histogram {
    edges: Arc<[f64]>,
    counts: Arc<[u64]>,
    bins: Arc<WeightedIndex<u64>>,
}

impl Histogram {
    /// Bins from their edges (one more than the counts, increasing) and counts;
    /// `None` if the lengths disagree, there are no bins, or the counts are
    /// all zero or overflow.
    pub fn new(edges: Vec<f64>, counts: Vec<u64>) -> Option<Self> {
        if edges.len() != counts.len() + 1 {
            return None;
        }
        let bins = WeightedIndex::new(counts.iter().copied()).ok()?;
        Some(Histogram {
            edges: edges.into(),
            counts: counts.into(),
            bins: Arc::new(bins),
        })
    }

    /// Bin edges (ns).
    pub fn edges(&self) -> &[f64] {
        &self.edges
    }

    /// Counts per bin.
    pub fn counts(&self) -> &[u64] {
        &self.counts
    }

    /// `E[Xⁿ]` = Σ pᵢ·(hiᵢⁿ⁺¹ − loᵢⁿ⁺¹)/((n+1)(hiᵢ − loᵢ)), pᵢ = countᵢ/total.
    pub fn moment(&self, n: i32) -> f64 {
        let total = self.bins.total_weight() as f64;
        self.counts
            .iter()
            .zip(self.edges.windows(2))
            .map(|(&c, e)| c as f64 / total * uniform_moment(e[0], e[1], n))
            .sum()
    }
}

impl Distribution<f64> for Histogram {
    #[inline]
    fn sample<R: Rng + ?Sized>(&self, rng: &mut R) -> f64 {
        let i = self.bins.sample(rng);
        let (lo, hi) = (self.edges[i], self.edges[i + 1]);
        lo + (hi - lo) * unit(rng)
    }
}
