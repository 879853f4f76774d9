//! Means of independent replications with 95 % confidence intervals by
//! Student's t (Student 1908, "The probable error of a mean"): the availability
//! Monte Carlo's replications and a sweep's seeds both report their figures so.
//!
//! Replications are independent runs of one model with different seeds, so
//! their figures are independent draws of one distribution; with n of them
//! the mean ± t(0.975; n−1)·s/√n covers the true mean 95 % of the time when
//! the figures are near normal (a mean over a run's many requests is, by the
//! central limit theorem). The arithmetic runs in the order given, so the
//! same figures give the same bits whatever scheduled the runs.

/// The 97.5 % quantile of Student's t with `df` degrees of freedom, for 95 %
/// confidence intervals over a few replications (Cornish–Fisher expansion
/// around the normal 1.959964; exact table values for the smallest df, where
/// the expansion is poor).
pub fn t_975(df: u32) -> f64 {
    const SMALL: [f64; 5] = [12.706, 4.303, 3.182, 2.776, 2.571];
    if df == 0 {
        return f64::INFINITY;
    }
    if df <= 5 {
        return SMALL[df as usize - 1];
    }
    let z: f64 = 1.959_963_984_540_054;
    let d = f64::from(df);
    let (z3, z5, z7) = (z * z * z, z * z * z * z * z, z * z * z * z * z * z * z);
    z + (z3 + z) / (4.0 * d)
        + (5.0 * z5 + 16.0 * z3 + 3.0 * z) / (96.0 * d * d)
        + (3.0 * z7 + 19.0 * z5 + 17.0 * z3 - 15.0 * z) / (384.0 * d * d * d)
}

/// The mean of `xs` and the half-width of its 95 % interval (infinite for
/// fewer than two values: one replication says nothing of the spread).
/// `xs` must not be empty.
pub fn mean_ci95(xs: &[f64]) -> (f64, f64) {
    let n = xs.len();
    let mean = xs.iter().sum::<f64>() / n as f64;
    let var = if n > 1 {
        xs.iter().map(|x| (x - mean) * (x - mean)).sum::<f64>() / (n - 1) as f64
    } else {
        f64::INFINITY
    };
    (
        mean,
        t_975(n.saturating_sub(1) as u32) * libm::sqrt(var / n as f64),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn student_t_quantiles() {
        // Tables: t(0.975; 10) = 2.228, 30 → 2.042, 100 → 1.984.
        for (df, want) in [(10, 2.228), (30, 2.042), (100, 1.984), (3, 3.182)] {
            assert!((t_975(df) - want).abs() < 2e-3, "{df}: {}", t_975(df));
        }
    }

    #[test]
    fn a_mean_and_its_interval() {
        // 1..=5: mean 3, s = √2.5, t(0.975; 4) = 2.776 → 2.776·√(2.5/5).
        let (m, h) = mean_ci95(&[1.0, 2.0, 3.0, 4.0, 5.0]);
        assert_eq!(m, 3.0);
        assert!((h - 2.776 * 0.5f64.sqrt()).abs() < 1e-12, "{h}");
        assert!(mean_ci95(&[7.0]).1.is_infinite());
    }
}
