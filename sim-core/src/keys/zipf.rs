//! Zipf popularity over a keyspace of n keys without a table per key:
//! rejection-inversion (W. Hörmann and G. Derflinger, "Rejection-inversion to
//! generate variates from monotone discrete distributions", ACM Transactions
//! on Modeling and Computer Simulation 6(3), 1996), as Apache Commons RNG's
//! `RejectionInversionZipfSampler` implements it.
//!
//! P(key = k) = k^(−s) / H(n, s) for k = 1..n, where H(n, s) = Σ j^(−s). The
//! sampler inverts the integral of the hat function h(x) = x^(−s) over
//! [k − ½, k + ½] and accepts k when the uniform falls under the bar of
//! height h(k); the acceptance rate is above 0.9 for every s ≥ 0 and n, so a
//! draw costs about one uniform, one `log1p` and one `exp` whatever the size
//! of the keyspace, and needs O(1) memory where a table of cumulative
//! probabilities would take 8 bytes per key.
//!
//! Why not rand_distr's `Zipf`: it is a different algorithm (Jason Crease's
//! rejection sampler) and does its maths through `num_traits::Float`, which
//! calls the platform's maths library natively and Rust's libm port under
//! wasm32 (see [`crate::dist`]); every function here is `libm`'s, so a draw
//! has the same bits in the browser.

use crate::rng::Stream;

/// Zipf(n, s) over the keys 1..=n, drawn by rejection-inversion.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Zipf {
    n: u64,
    s: f64,
    /// H(1.5) − 1: where the inverted integral starts (h(1) included whole).
    h_integral_x1: f64,
    /// H(n + ½): where it ends.
    h_integral_n: f64,
    /// A draw within this of its key is accepted without evaluating the bar.
    squeeze: f64,
}

impl Zipf {
    /// Zipf over `n` ≥ 1 keys with exponent `s` ≥ 0 (0 is uniform).
    pub fn new(n: u64, s: f64) -> Zipf {
        debug_assert!(n >= 1 && s >= 0.0 && s.is_finite());
        let mut z = Zipf {
            n,
            s,
            h_integral_x1: 0.0,
            h_integral_n: 0.0,
            squeeze: 0.0,
        };
        z.h_integral_x1 = z.h_integral(1.5) - 1.0;
        z.h_integral_n = z.h_integral(n as f64 + 0.5);
        z.squeeze = 2.0 - z.h_integral_inverse(z.h_integral(2.5) - z.h(2.0));
        z
    }

    /// Keys in the keyspace.
    pub fn n(&self) -> u64 {
        self.n
    }

    /// The exponent.
    pub fn exponent(&self) -> f64 {
        self.s
    }

    /// One key in 1..=n; key k has probability k^(−s) / H(n, s).
    #[inline]
    pub fn sample(&self, rng: &mut Stream) -> u64 {
        loop {
            let u = self.h_integral_n + rng.uniform() * (self.h_integral_x1 - self.h_integral_n);
            let x = self.h_integral_inverse(u);
            // Round to the nearest key, kept within 1..=n (x + ½ ≥ 1 always;
            // the clamp guards the last bit).
            let k = (libm::floor(x + 0.5) as u64).clamp(1, self.n);
            let kf = k as f64;
            if kf - x <= self.squeeze || u >= self.h_integral(kf + 0.5) - self.h(kf) {
                return k;
            }
        }
    }

    /// h(x) = x^(−s).
    #[inline]
    fn h(&self, x: f64) -> f64 {
        libm::exp(-self.s * libm::log(x))
    }

    /// H(x) = (x^(1−s) − 1) / (1 − s), or ln x at s = 1, computed without
    /// cancellation near s = 1.
    #[inline]
    fn h_integral(&self, x: f64) -> f64 {
        let log_x = libm::log(x);
        helper2((1.0 - self.s) * log_x) * log_x
    }

    /// The inverse of [`Zipf::h_integral`].
    #[inline]
    fn h_integral_inverse(&self, x: f64) -> f64 {
        // t ≥ −1 always holds mathematically; the clamp guards rounding.
        let t = (x * (1.0 - self.s)).max(-1.0);
        libm::exp(helper1(t) * x)
    }

    /// The exact probability of key `k` (for tests and the cache theory):
    /// k^(−s) / H(n, s), the sum taken in full — O(n), so for modest n.
    pub fn pmf(n: u64, s: f64) -> Vec<f64> {
        let w: Vec<f64> = (1..=n)
            .map(|k| libm::exp(-s * libm::log(k as f64)))
            .collect();
        // Smallest terms first: the sum loses less to rounding.
        let total: f64 = w.iter().rev().sum();
        w.into_iter().map(|x| x / total).collect()
    }

    /// The exact bits of `draws` keys drawn from `seed`, as one hex digest
    /// (sim-core's golden test pins it; sim-wasm's must compute the same).
    pub fn fingerprint(&self, seed: u64, draws: usize) -> String {
        let mut rng = Stream::new(seed, crate::rng::Purpose::Keys);
        let mut bytes = Vec::with_capacity(draws * 8);
        for _ in 0..draws {
            bytes.extend(self.sample(&mut rng).to_le_bytes());
        }
        crate::export::digest(&[&bytes])
    }
}

/// ln(1 + x) / x, with its Taylor series near 0.
#[inline]
fn helper1(x: f64) -> f64 {
    if x.abs() > 1e-8 {
        libm::log1p(x) / x
    } else {
        1.0 - x * (0.5 - x * (1.0 / 3.0 - 0.25 * x))
    }
}

/// (eˣ − 1) / x, with its Taylor series near 0.
#[inline]
fn helper2(x: f64) -> f64 {
    if x.abs() > 1e-8 {
        libm::expm1(x) / x
    } else {
        1.0 + x * 0.5 * (1.0 + x * (1.0 / 3.0) * (1.0 + 0.25 * x))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rng::Purpose;

    /// Pearson's χ² of `draws` keys of Zipf(n, s) against the exact pmf, the
    /// keys beyond `bins` pooled in one cell; and its degrees of freedom.
    fn chi_square(n: u64, s: f64, draws: u32, bins: usize) -> (f64, f64) {
        let z = Zipf::new(n, s);
        let mut rng = Stream::new(11, Purpose::Keys);
        let mut seen = vec![0u32; bins + 1];
        for _ in 0..draws {
            let k = z.sample(&mut rng);
            assert!((1..=n).contains(&k), "{k} outside 1..={n}");
            seen[(k as usize - 1).min(bins)] += 1;
        }
        let p = Zipf::pmf(n, s);
        let mut expect: Vec<f64> = p[..bins].to_vec();
        expect.push(p[bins..].iter().sum());
        let chi: f64 = seen
            .iter()
            .zip(&expect)
            .map(|(&o, &e)| {
                let e = e * f64::from(draws);
                (f64::from(o) - e).powi(2) / e
            })
            .sum();
        (chi, bins as f64)
    }

    #[test]
    fn draws_follow_the_exact_zipf_law() {
        // χ² with k degrees of freedom has mean k and sd √(2k): 5 sd above
        // the mean fails a right sampler about once in 10⁶ runs (seeded: never).
        for &(n, s) in &[
            (1000, 0.0),
            (1000, 0.8),
            (1000, 1.0),
            (100_000, 1.0),
            (1000, 1.5),
            (50, 3.0),
        ] {
            let bins = 40.min(n as usize - 1);
            let (chi, df) = chi_square(n, s, 400_000, bins);
            assert!(
                chi < df + 5.0 * libm::sqrt(2.0 * df),
                "Zipf({n}, {s}): χ² {chi:.1} with {df} degrees of freedom"
            );
        }
    }

    #[test]
    fn a_huge_keyspace_costs_nothing_and_stays_in_range() {
        let z = Zipf::new(1_000_000_000_000, 0.8);
        let mut rng = Stream::new(3, Purpose::Keys);
        let mut top = 0u32;
        for _ in 0..100_000 {
            let k = z.sample(&mut rng);
            assert!((1..=z.n()).contains(&k));
            top += u32::from(k == 1);
        }
        // P(1) = 1 / H(10¹², 0.8) ≈ 1 / ((10¹²)^0.2 / 0.2 + ζ(0.8)) = 1/(1255.9 − 4.4).
        let p1 = 1.0 / (libm::pow(1e12, 0.2) / 0.2 - 4.4);
        let sd = libm::sqrt(100_000.0 * p1 * (1.0 - p1));
        assert!((f64::from(top) - 100_000.0 * p1).abs() < 5.0 * sd, "{top}");
        // One key: always key 1.
        let one = Zipf::new(1, 1.2);
        assert_eq!(one.sample(&mut rng), 1);
    }
}
