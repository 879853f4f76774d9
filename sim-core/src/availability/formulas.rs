//! The reliability formulas everything else is built from (docs/semantics.md):
//! series Π Aᵢ, redundant 1 − Π(1 − Aᵢ), k of n Σ_{j≥k} C(n,j) Aʲ(1−A)ⁿ⁻ʲ,
//! and the ways people read an availability: nines and downtime.
//!
//! All transcendental maths goes through `libm`, so the figures are the same
//! bits natively and in the browser.

/// Minutes in a year of 365.25 days (the calendar average; "five nines is 5.26
/// minutes a year" uses it).
pub const MINUTES_PER_YEAR: f64 = 365.25 * 24.0 * 60.0;
/// Minutes in a 30-day month (Hystrix's "2+ hours of downtime a month" uses it).
pub const MINUTES_PER_MONTH: f64 = 30.0 * 24.0 * 60.0;

/// Components that must all be up: Π Aᵢ.
pub fn series(parts: &[f64]) -> f64 {
    parts.iter().product()
}

/// Components of which any one suffices: 1 − Π(1 − Aᵢ).
pub fn redundant(parts: &[f64]) -> f64 {
    1.0 - parts.iter().map(|a| 1.0 - a).product::<f64>()
}

/// At least `k` of `n` independent components, each up with probability `a`:
/// Σ_{j=k..n} C(n,j) aʲ (1−a)ⁿ⁻ʲ. `k = 0` is always up; `k > n` never.
///
/// The sum runs over the shorter tail, min(k, n − k + 1) terms; C(n,j) comes
/// from `lgamma` above 1000 instances, where the coefficients overflow f64.
pub fn k_of_n(k: u32, n: u32, a: f64) -> f64 {
    if k == 0 {
        return 1.0;
    }
    if k > n {
        return 0.0;
    }
    if a >= 1.0 {
        return 1.0;
    }
    if a <= 0.0 {
        return 0.0;
    }
    // P(up) = 1 − P(fewer than k up). Sum whichever side has fewer terms.
    let failing_terms = k; // j = 0..k-1
    let passing_terms = n - k + 1; // j = k..n
    if passing_terms <= failing_terms {
        (k..=n).map(|j| term(n, j, a)).sum::<f64>().min(1.0)
    } else {
        (1.0 - (0..k).map(|j| term(n, j, a)).sum::<f64>()).max(0.0)
    }
}

/// C(n,j) aʲ (1−a)ⁿ⁻ʲ, in log space so large n neither overflows nor underflows.
fn term(n: u32, j: u32, a: f64) -> f64 {
    let (n, j) = (f64::from(n), f64::from(j));
    let log_c = if n <= 1000.0 {
        // Exact enough: a product of small ratios, no lgamma rounding.
        let mut c = 1.0f64;
        let m = if j < n - j { j } else { n - j };
        let mut i = 0.0;
        while i < m {
            c = c * (n - i) / (i + 1.0);
            i += 1.0;
        }
        libm::log(c)
    } else {
        libm::lgamma(n + 1.0) - libm::lgamma(j + 1.0) - libm::lgamma(n - j + 1.0)
    };
    libm::exp(log_c + j * libm::log(a) + (n - j) * libm::log1p(-a))
}

/// Nines of an availability: −log10(1 − A); 0.999 is 3. Infinite for A = 1.
pub fn nines(a: f64) -> f64 {
    if a >= 1.0 {
        f64::INFINITY
    } else {
        -libm::log10(1.0 - a)
    }
}

/// Expected minutes down per year of 365.25 days.
pub fn downtime_per_year_min(a: f64) -> f64 {
    (1.0 - a).max(0.0) * MINUTES_PER_YEAR
}

/// Expected minutes down per 30-day month.
pub fn downtime_per_month_min(a: f64) -> f64 {
    (1.0 - a).max(0.0) * MINUTES_PER_MONTH
}

/// Availability of one instance from mean time between failures and mean time
/// to repair: MTBF / (MTBF + MTTR).
pub fn from_mtbf(mtbf: f64, mttr: f64) -> f64 {
    mtbf / (mtbf + mttr)
}

pub use crate::interval::t_975;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn series_and_redundancy() {
        assert!((series(&[0.9; 2]) - 0.81).abs() < 1e-15);
        assert!((redundant(&[0.99, 0.99]) - 0.9999).abs() < 1e-15);
    }

    #[test]
    fn k_of_n_agrees_with_series_and_redundancy() {
        // n of n is a series, 1 of n is redundancy.
        assert!((k_of_n(4, 4, 0.9) - 0.9f64.powi(4)).abs() < 1e-14);
        assert!((k_of_n(1, 3, 0.9) - (1.0 - 0.001)).abs() < 1e-14);
        assert_eq!(k_of_n(0, 3, 0.5), 1.0);
        assert_eq!(k_of_n(4, 3, 0.99), 0.0);
        assert_eq!(k_of_n(2, 3, 1.0), 1.0);
    }

    #[test]
    fn k_of_n_is_stable_for_huge_counts() {
        // Half of a million coins at a fair 0.5 is up exactly half the time plus
        // the middle term; majority at 0.6 is certain.
        let a = k_of_n(500_000, 1_000_000, 0.6);
        assert!((a - 1.0).abs() < 1e-12, "{a}");
        let b = k_of_n(1, 2_000_000, 0.001);
        assert!((b - 1.0).abs() < 1e-12, "{b}");
        let c = k_of_n(2_000_000, 2_000_000, 0.999_999_9);
        assert!(
            (c - libm::exp(2e6 * libm::log(0.999_999_9))).abs() < 1e-9,
            "{c}"
        );
    }

    #[test]
    fn nines_and_downtime() {
        assert!((nines(0.999) - 3.0).abs() < 1e-9);
        assert!(nines(1.0).is_infinite());
        assert!((downtime_per_year_min(0.99999) - 5.2596).abs() < 1e-4);
        assert!((downtime_per_month_min(0.997) - 129.6).abs() < 1e-9);
        assert!((from_mtbf(999.0, 1.0) - 0.999).abs() < 1e-15);
    }
}
