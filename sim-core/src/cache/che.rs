//! Che's approximation of an LRU cache's hit rate, computed independently of
//! the simulation so that the engine's caches can be checked against it.
//!
//! Under the independent reference model — each request asks for key i with
//! probability pᵢ, independently — an LRU cache of C entries behaves as if
//! each key stayed for a fixed *characteristic time* T after its last
//! request: key i is in the cache when it was requested within the last T
//! requests, with probability 1 − e^(−pᵢT), and T is the time at which the
//! expected number of distinct keys requested fills the cache:
//!
//! Σᵢ (1 − e^(−pᵢT)) = C,   hit rate = Σᵢ pᵢ (1 − e^(−pᵢT)).
//!
//! H. Che, Y. Tung and Z. Wang, "Hierarchical Web caching systems: modeling,
//! design and experimental results", IEEE JSAC 20(7), 2002; why it is so
//! accurate even for small caches: C. Fricker, P. Robert and J. Roberts, "A
//! versatile and accurate approximation for LRU cache performance", ITC 24,
//! 2012 (the error vanishes as the number of keys grows, for Zipf popularity).
//!
//! T is found by [`crate::solve::increasing_root`] (safeguarded Newton): the
//! left side is increasing and concave in T, bracketed below by C (as
//! 1 − e^(−x) ≤ x) and above by doubling. All maths on `libm`.

/// The characteristic time, in requests, of an LRU cache of `capacity`
/// entries under popularities `p` (summing to 1); infinite when every key
/// fits (capacity at least the number of keys with pᵢ > 0).
pub fn characteristic_time(p: &[f64], capacity: f64) -> f64 {
    let keys = p.iter().filter(|&&x| x > 0.0).count() as f64;
    if capacity >= keys {
        return f64::INFINITY;
    }
    // Σ (1 − e^(−pᵢT)) − C and its slope Σ pᵢ e^(−pᵢT); expm1 keeps the
    // small terms exact.
    let f = |t: f64| {
        let (mut filled, mut slope) = (0.0, 0.0);
        for &x in p {
            filled -= libm::expm1(-x * t);
            slope += x * libm::exp(-x * t);
        }
        (filled - capacity, slope)
    };
    let lo = capacity;
    let mut hi = 2.0 * capacity.max(1.0);
    while f(hi).0 <= 0.0 {
        hi *= 2.0;
    }
    crate::solve::increasing_root(lo, lo, hi, 200, f, |step, width| {
        step <= 1e-12 * hi || width <= 1e-12 * hi
    })
}

/// Che's hit rate of an LRU cache of `capacity` entries under popularities `p`.
pub fn hit_rate(p: &[f64], capacity: f64) -> f64 {
    let t = characteristic_time(p, capacity);
    if t.is_infinite() {
        return p.iter().sum();
    }
    p.iter().map(|&x| -x * libm::expm1(-x * t)).sum()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::keys::Zipf;

    #[test]
    fn the_characteristic_time_fills_the_cache() {
        let p = Zipf::pmf(10_000, 0.8);
        for c in [1.0, 100.0, 1000.0, 9999.0] {
            let t = characteristic_time(&p, c);
            let filled: f64 = p.iter().map(|&x| -libm::expm1(-x * t)).sum();
            assert!((filled - c).abs() < 1e-6 * c, "C = {c}: {filled}");
        }
        assert!(characteristic_time(&p, 10_000.0).is_infinite());
        assert_eq!(hit_rate(&p, 20_000.0), p.iter().sum::<f64>());
    }

    #[test]
    fn uniform_popularity_has_the_closed_form() {
        // n equally popular keys: n(1 − e^(−T/n)) = C, so the hit rate is
        // exactly 1 − e^(−T/n) = C/n.
        let n = 1000;
        let p = vec![1.0 / f64::from(n); n as usize];
        for c in [10.0, 500.0, 990.0] {
            assert!((hit_rate(&p, c) - c / f64::from(n)).abs() < 1e-9, "{c}");
        }
    }

    #[test]
    fn a_bigger_cache_or_a_steeper_law_hits_more() {
        let flat = Zipf::pmf(100_000, 0.8);
        let steep = Zipf::pmf(100_000, 1.0);
        let h = |p: &[f64], c| hit_rate(p, c);
        assert!(h(&flat, 1000.0) < h(&flat, 10_000.0));
        assert!(h(&flat, 1000.0) < h(&steep, 1000.0));
        // A one-entry LRU hits exactly when a request repeats the previous
        // key: Σ pᵢ². Che's figure is close to it even there.
        let exact: f64 = steep.iter().map(|x| x * x).sum();
        assert!(
            (h(&steep, 1.0) / exact - 1.0).abs() < 0.2,
            "{} vs {exact}",
            h(&steep, 1.0)
        );
    }
}
