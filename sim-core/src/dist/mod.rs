//! Service-time distributions: rand_distr samplers whose transcendental maths
//! is on `libm`, so native and wasm32 builds draw bit-identical values.
//!
//! Every sampler (`Constant` … `Histogram`, re-exported here) is a [`rand_distr::Distribution<f64>`] (in
//! nanoseconds) and [`crate::rng::Stream`] is a rand_core [`Rng`], so they
//! work with any rand code. What rand_distr computes with integer or exact
//! floating-point arithmetic only is used as is: `Uniform<u32>` picks an
//! empirical sample and `WeightedIndex<u64>` an empirical histogram bin.
//!
//! **Why not rand_distr's own `Exp`, `Normal`, `Gamma`, `Weibull`, `Pareto`.**
//! With its default features off rand_distr does its maths through
//! `num_traits::Float` and means it to land on `libm`; but Cargo unifies
//! features, and in this workspace num-traits' `std` feature is switched on by
//! hdrhistogram (a sim-core dependency) and by image (sim-cli) — see
//! `cargo tree -e features -i num-traits`. With `std`, `Float::ln`, `exp` and
//! `powf` call the platform's maths library natively (glibc) and the Rust
//! `libm` port under wasm32. The two disagree in the last bit often: over 50
//! million random inputs on x86-64 Linux, 7.2 % of `f64::ln(x)` and 9.8 % of
//! `f64::exp(x)` results differed from `libm::log`/`libm::exp`. Swapping the
//! exponential's and log-normal's `libm` calls for std's changes the bits of
//! their draws natively but not under wasm32 (tried: the fingerprints pinned
//! by the golden tests move natively and stay put in the wasm build). A last
//! bit moves a draw of x ns to another whole nanosecond only with probability
//! about x·2⁻⁵², and can flip a rejection step (gamma), but once it does the
//! event order and every output diverge: the browser would replay a native
//! run almost always, which is not replaying it. Calling `libm` directly runs
//! the same code on every target. The inverse-CDF and Box–Muller forms here
//! are the ones microsim always used: the four original distributions draw
//! exactly the values they drew before.
//!
//! Because whole-nanosecond truncation hides last-bit differences from a run's
//! digest, the golden tests also pin [`Dist::fingerprint`], a hash of the
//! exact bits of 100,000 draws per distribution, natively and under wasm32.
//!
//! **The cap.** Every draw through [`Dist`] is capped at the architecture limit
//! ([`LIMITS`]`.max_ms`, one day), so a heavy tail cannot overflow the virtual
//! clock. [`Dist::mean`] and [`Dist::variance`] are the uncapped theory: for
//! the parameters validation accepts the cap moves them by far less than the
//! sampling error of any run.

pub mod fit;
mod samplers;
#[cfg(test)]
mod tests;

use rand_core::Rng;
use rand_distr::Distribution;

pub use samplers::{
    Constant, Exponential, Gamma, Histogram, LogNormal, Pareto, Samples, Uniform, Weibull,
};

use crate::duration::{Nanos, MS};
use crate::model::{DistSpec, LIMITS};
use crate::rng::Stream;

/// The longest draw, in ns: [`LIMITS`]`.max_ms` (one day).
pub const CAP_NS: f64 = LIMITS.max_ms * MS as f64;

/// A compiled distribution over durations in nanoseconds.
#[derive(Debug, Clone, PartialEq)]
pub enum Dist {
    /// Always this many ns.
    Constant(Constant),
    /// Exponential.
    Exponential(Exponential),
    /// Log-normal: exp(μ + σZ) ns.
    Lognormal(LogNormal),
    /// Uniform on [lo, hi) ns.
    Uniform(Uniform),
    /// Gamma (Marsaglia–Tsang).
    Gamma(Gamma),
    /// Weibull (inverse CDF).
    Weibull(Weibull),
    /// Pareto type I (inverse CDF).
    Pareto(Pareto),
    /// Empirical: one of a list of observed values.
    Samples(Samples),
    /// Empirical: a histogram, uniform within a bin.
    Histogram(Histogram),
}

impl Dist {
    /// Always `ns` nanoseconds.
    pub fn constant(ns: Nanos) -> Self {
        Dist::Constant(Constant { ns })
    }

    /// Compiles a file's distribution (ms) into ns parameters.
    ///
    /// # Panics
    /// If an empirical spec did not pass [`crate::model::validate`] (no
    /// samples, or histogram counts all zero).
    pub fn from_spec(d: &DistSpec) -> Self {
        let ns = MS as f64;
        match *d {
            DistSpec::Constant { mean_ms } => Dist::constant((mean_ms * ns) as Nanos),
            DistSpec::Exponential { mean_ms } => {
                Dist::Exponential(Exponential { mean: mean_ms * ns })
            }
            DistSpec::Lognormal { mean_ms, sigma } => {
                // E[X] = exp(mu + sigma²/2)  =>  mu = ln(mean) - sigma²/2.
                Dist::Lognormal(LogNormal {
                    mu: libm::log(mean_ms * ns) - sigma * sigma / 2.0,
                    sigma,
                })
            }
            DistSpec::Uniform { min_ms, max_ms } => Dist::Uniform(Uniform {
                lo: min_ms * ns,
                hi: max_ms * ns,
            }),
            // Mean kθ  =>  θ = mean / k.
            DistSpec::Gamma { mean_ms, shape } => {
                Dist::Gamma(Gamma::new(shape, mean_ms * ns / shape))
            }
            // Mean λΓ(1 + 1/k)  =>  λ = mean / Γ(1 + 1/k).
            DistSpec::Weibull { mean_ms, shape } => Dist::Weibull(Weibull {
                scale: mean_ms * ns / libm::tgamma(1.0 + 1.0 / shape),
                shape,
            }),
            DistSpec::Pareto { min_ms, alpha } => Dist::Pareto(Pareto {
                min: min_ms * ns,
                alpha,
            }),
            DistSpec::Empirical {
                ref samples_ms,
                ref histogram,
                min_ms,
            } => match (samples_ms, histogram) {
                (Some(v), _) => Dist::Samples(
                    Samples::new(v.iter().map(|&x| x * ns).collect())
                        .expect("validate() refuses an empty samples_ms"),
                ),
                (None, Some(bins)) => {
                    let edges = std::iter::once(min_ms.unwrap_or(0.0))
                        .chain(bins.iter().map(|b| b.0))
                        .map(|x| x * ns)
                        .collect();
                    Dist::Histogram(
                        // Whole numbers up to 2^53 (validated): exact in u64.
                        Histogram::new(edges, bins.iter().map(|b| b.1 as u64).collect())
                            .expect("validate() refuses empty or all-zero histograms"),
                    )
                }
                (None, None) => panic!("validate() refuses an empirical dist without data"),
            },
        }
    }

    /// The theoretical mean in ns (uncapped).
    pub fn mean(&self) -> f64 {
        match self {
            Dist::Constant(c) => c.ns as f64,
            Dist::Exponential(e) => e.mean,
            Dist::Lognormal(l) => libm::exp(l.mu + l.sigma * l.sigma / 2.0),
            Dist::Uniform(u) => f64::midpoint(u.lo, u.hi),
            Dist::Gamma(g) => g.shape() * g.scale(),
            Dist::Weibull(w) => w.moment(1),
            Dist::Pareto(p) => p.moment(1),
            Dist::Samples(s) => s.moment(1),
            Dist::Histogram(h) => h.moment(1),
        }
    }

    /// The theoretical variance in ns² (uncapped; ∞ for a Pareto with α ≤ 2).
    pub fn variance(&self) -> f64 {
        match self {
            Dist::Constant(_) => 0.0,
            Dist::Exponential(e) => e.mean * e.mean,
            // (e^{σ²} − 1)·e^{2μ + σ²}
            Dist::Lognormal(l) => {
                let s2 = l.sigma * l.sigma;
                libm::expm1(s2) * libm::exp(2.0 * l.mu + s2)
            }
            Dist::Uniform(u) => (u.hi - u.lo) * (u.hi - u.lo) / 12.0,
            Dist::Gamma(g) => g.shape() * g.scale() * g.scale(),
            // λ²[Γ(1 + 2/k) − Γ(1 + 1/k)²]
            Dist::Weibull(w) => {
                let g1 = libm::tgamma(1.0 + 1.0 / w.shape);
                w.scale * w.scale * (libm::tgamma(1.0 + 2.0 / w.shape) - g1 * g1)
            }
            // x_m²·α / ((α − 1)²(α − 2)) for α > 2
            Dist::Pareto(p) if p.alpha > 2.0 => {
                p.min * p.min * p.alpha / ((p.alpha - 1.0) * (p.alpha - 1.0) * (p.alpha - 2.0))
            }
            Dist::Pareto(_) => f64::INFINITY,
            Dist::Samples(s) => {
                let m = s.moment(1);
                let v = s.values();
                v.iter().map(|&x| (x - m) * (x - m)).sum::<f64>() / v.len() as f64
            }
            // Law of total variance: within-bin (uniform) plus between-bin.
            Dist::Histogram(h) => {
                let m = h.moment(1);
                let total: u64 = h.counts().iter().sum();
                h.counts()
                    .iter()
                    .zip(h.edges().windows(2))
                    .map(|(&c, e)| {
                        let (w, mid) = (e[1] - e[0], f64::midpoint(e[0], e[1]));
                        c as f64 / total as f64 * (w * w / 12.0 + (mid - m) * (mid - m))
                    })
                    .sum()
            }
        }
    }

    /// The raw moment `E[Xⁿ]` in nsⁿ (uncapped; ∞ where it diverges).
    pub fn moment(&self, n: i32) -> f64 {
        match self {
            Dist::Constant(d) => d.moment(n),
            Dist::Exponential(d) => d.moment(n),
            Dist::Lognormal(d) => d.moment(n),
            Dist::Uniform(d) => d.moment(n),
            Dist::Gamma(d) => d.moment(n),
            Dist::Weibull(d) => d.moment(n),
            Dist::Pareto(d) => d.moment(n),
            Dist::Samples(d) => d.moment(n),
            Dist::Histogram(d) => d.moment(n),
        }
    }

    /// A fingerprint of the exact bits of `n` draws (FNV-1a over each f64's
    /// bit pattern, before truncation to ns) from a Work stream seeded with
    /// `seed`. Two targets agree only if every draw is bit-identical; the
    /// golden tests pin it natively and compare under wasm32, because a run's
    /// digest would almost never see a last-bit difference (a draw of x ns
    /// changes its whole-ns value with probability about x·2⁻⁵², ~10⁻¹⁰ at 1 ms).
    pub fn fingerprint(&self, seed: u64, n: usize) -> u64 {
        let mut s = Stream::new(seed, crate::rng::Purpose::Work);
        let mut h: u64 = 0xcbf2_9ce4_8422_2325;
        for _ in 0..n {
            let x: f64 = Distribution::sample(self, &mut s);
            for b in x.to_bits().to_le_bytes() {
                h = (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3);
            }
        }
        h
    }

    /// The fingerprints of every service's `service_time` in an architecture,
    /// one `name hex` line each: the text the golden tests pin natively and
    /// compare under wasm32.
    pub fn fingerprints(arch: &crate::model::ArchSpec, seed: u64, n: usize) -> String {
        use std::fmt::Write;
        let mut text = String::new();
        for s in &arch.services {
            if let Some(spec) = &s.service_time {
                let _ = writeln!(
                    text,
                    "{} {:016x}",
                    s.name,
                    Dist::from_spec(spec).fingerprint(seed, n)
                );
            }
        }
        text
    }

    /// Draws one duration, capped at [`CAP_NS`] and truncated to whole ns.
    #[inline]
    pub fn sample(&self, s: &mut Stream) -> Nanos {
        match self {
            Dist::Constant(c) => c.ns.min(CAP_NS as Nanos),
            d => Distribution::<f64>::sample(d, s) as Nanos,
        }
    }
}

/// Any rand `Rng` can draw from a `Dist`; values are in ns, capped at [`CAP_NS`].
impl Distribution<f64> for Dist {
    #[inline]
    fn sample<R: Rng + ?Sized>(&self, rng: &mut R) -> f64 {
        let x = match self {
            Dist::Constant(d) => d.sample(rng),
            Dist::Exponential(d) => d.sample(rng),
            Dist::Lognormal(d) => d.sample(rng),
            Dist::Uniform(d) => d.sample(rng),
            Dist::Gamma(d) => d.sample(rng),
            Dist::Weibull(d) => d.sample(rng),
            Dist::Pareto(d) => d.sample(rng),
            Dist::Samples(d) => d.sample(rng),
            Dist::Histogram(d) => d.sample(rng),
        };
        // `>=` rather than `min`: a NaN (impossible for validated parameters)
        // stays NaN and becomes 0 ns, as the plain cast always made it.
        if x >= CAP_NS {
            CAP_NS
        } else {
            x
        }
    }
}
