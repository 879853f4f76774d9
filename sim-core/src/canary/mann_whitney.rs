//! The Mann–Whitney U test (Wilcoxon rank-sum) and the confidence interval of
//! the location shift it implies, as the two programs microsim answers to
//! compute them:
//!
//! - **U and its p-value as SciPy's `scipy.stats.mannwhitneyu`** with its
//!   defaults (two-sided, continuity correction, `method="auto"`): U is the
//!   first sample's statistic, R₁ − n₁(n₁+1)/2 with average ranks for ties;
//!   the p-value is exact — from the null distribution of U, counted — when
//!   one sample has at most 8 values and nothing is tied, and otherwise the
//!   normal approximation with the tie correction of the variance (SciPy's
//!   reference [2]: "Normal approximation and tie correction") and the
//!   continuity correction. `tests/readers/test_canary.py` checks both figures
//!   against SciPy to 1e-9.
//! - **The shift interval and its estimate as R's `wilcox.test(x, y,
//!   conf.int = TRUE, exact = FALSE, correct = TRUE)`**, which Kayenta's
//!   `MannWhitney` ports: the shift d whose standardised statistic, computed
//!   on (x − d, y) with ties and continuity corrected, equals ±z₁₋α/₂ (the
//!   interval) or 0 (the estimate, Hodges–Lehmann's). R and Kayenta find each
//!   root with a solver stopped at a tolerance of 1e-4; the statistic is a
//!   step function of d, so here each end of the interval is found exactly,
//!   by bisection to adjacent floating-point numbers: it is one of the
//!   pairwise differences xᵢ − yⱼ. The estimate is the median of those
//!   differences (Hodges and Lehmann's definition, and R's estimate in its
//!   exact case): the root of the statistic *without* the continuity
//!   correction, which is zero exactly there. (With the correction, as R's
//!   asymptotic case solves it, the statistic is zero over the whole gap
//!   between the differences on either side of the median, and R returns
//!   wherever its solver lands in it.)
//!
//! Cost: O(n log n) per evaluation of the statistic, about 200 evaluations per
//! root, with three buffers of n = n₁ + n₂ values; the exact null
//! distribution holds n₁·n₂/2 + 1 counts, and is used only up to
//! [`MAX_EXACT_CELLS`] of them (beyond, the normal approximation, which SciPy
//! would use only past 8 values per sample).

use std::cmp::Ordering;

/// The most counts of the exact null distribution worth holding (16 MiB of
/// `i128`); a sample of at most 8 values against 250,000 or more uses the
/// normal approximation instead.
pub const MAX_EXACT_CELLS: usize = 1 << 20;

/// Largest sample size for which SciPy's `method="auto"` counts the exact
/// distribution (when nothing is tied).
const EXACT_MAX_N: usize = 8;

/// The test's figures.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct UTest {
    /// U of the first sample: how many (x, y) pairs have x above y, ties
    /// counting one half.
    pub u: f64,
    /// Two-sided p-value.
    pub p_value: f64,
    /// Whether the p-value was counted exactly (no ties, a sample of at most
    /// 8 values) rather than approximated.
    pub exact: bool,
}

/// A shift of x against y (x − y) and its two-sided confidence interval.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Shift {
    /// The Hodges–Lehmann estimate of the shift.
    pub estimate: f64,
    /// Lower end of the interval.
    pub low: f64,
    /// Upper end of the interval.
    pub high: f64,
}

/// Ranks of values with ties averaged (1-based), written into `ranks`, and
/// Σ(t³ − t) over the groups of tied values, for the variance's correction.
/// `order` is a scratch buffer.
fn rank(values: &[f64], order: &mut Vec<usize>, ranks: &mut Vec<f64>) -> (f64, bool) {
    order.clear();
    order.extend(0..values.len());
    order.sort_unstable_by(|&a, &b| values[a].total_cmp(&values[b]));
    ranks.clear();
    ranks.resize(values.len(), 0.0);
    let mut tie_term = 0.0;
    let mut tied = false;
    let mut i = 0;
    while i < order.len() {
        let mut j = i + 1;
        while j < order.len() && values[order[j]].total_cmp(&values[order[i]]) == Ordering::Equal {
            j += 1;
        }
        // Positions i..j (0-based) share the average of ranks i+1..=j.
        let avg = (i + 1 + j) as f64 / 2.0;
        for &k in &order[i..j] {
            ranks[k] = avg;
        }
        let t = (j - i) as f64;
        if j - i > 1 {
            tied = true;
            tie_term += t * t * t - t;
        }
        i = j;
    }
    (tie_term, tied)
}

/// The upper tail of the standard normal, P(Z > z), on `libm`.
pub fn normal_sf(z: f64) -> f64 {
    0.5 * libm::erfc(z / std::f64::consts::SQRT_2)
}

/// The standard normal quantile: z with P(Z ≤ z) = p, for p in (0, 1).
/// Newton's method on `libm::erfc`, kept inside a shrinking bracket, so it
/// is exact to a few ulps and the same natively and in wasm32.
pub fn normal_quantile(p: f64) -> f64 {
    assert!(p > 0.0 && p < 1.0, "a probability strictly between 0 and 1");
    let (mut lo, mut hi) = (-40.0f64, 40.0f64);
    let mut z = 0.0f64;
    for _ in 0..200 {
        // Φ(z) − p, from the tail that keeps its digits.
        let f = if p < 0.5 {
            normal_sf(-z) - p
        } else {
            (1.0 - normal_sf(z)) - p
        };
        if f == 0.0 {
            return z;
        }
        if f > 0.0 {
            hi = z;
        } else {
            lo = z;
        }
        let density = libm::exp(-0.5 * z * z) / (2.0 * std::f64::consts::PI).sqrt();
        let mut next = z - f / density;
        if !(next > lo && next < hi && next.is_finite()) {
            next = lo + (hi - lo) / 2.0;
        }
        if next == z || hi - lo <= f64::EPSILON * z.abs().max(1e-300) {
            return next;
        }
        z = next;
    }
    z
}

/// The Mann–Whitney U test of `x` against `y`, two-sided, as SciPy computes
/// it by default. Both samples must be non-empty and finite.
pub fn u_test(x: &[f64], y: &[f64]) -> UTest {
    assert!(!x.is_empty() && !y.is_empty(), "two non-empty samples");
    let (n1, n2) = (x.len(), y.len());
    let all: Vec<f64> = x.iter().chain(y).copied().collect();
    let (mut order, mut ranks) = (Vec::new(), Vec::new());
    let (tie_term, tied) = rank(&all, &mut order, &mut ranks);
    let (f1, f2) = (n1 as f64, n2 as f64);
    let r1: f64 = ranks[..n1].iter().sum();
    let u1 = r1 - f1 * (f1 + 1.0) / 2.0;
    let u = u1.max(f1 * f2 - u1);
    let exact = !tied && n1.min(n2) <= EXACT_MAX_N && n1 * n2 / 2 < MAX_EXACT_CELLS;
    let p = if exact {
        // U has no fraction without ties.
        2.0 * exact_sf(n1, n2, u as usize)
    } else {
        let n = f1 + f2;
        let s = (f1 * f2 / 12.0 * ((n + 1.0) - tie_term / (n * (n - 1.0)))).sqrt();
        let z = (u - f1 * f2 / 2.0 - 0.5) / s;
        // All tied: s = 0 and the numerator −0.5, so z = −∞ and p = 1.
        2.0 * normal_sf(z)
    };
    UTest {
        u: u1,
        p_value: p.clamp(0.0, 1.0),
        exact,
    }
}

/// P(U ≥ u) under the null hypothesis, counted: the number of ways to rank
/// the samples with U = k is the coefficient of qᵏ in the Gaussian binomial
/// [n₁+n₂ choose n₁]_q = Π_{i=1..m} (1 − q^{n+i}) / (1 − q^i) with
/// m = min(n₁, n₂), n = max (Mann and Whitney 1947; the product form is
/// Andrews, *The Theory of Partitions*, 1976, §3.3). Integers throughout;
/// after each factor the coefficients are those of a Gaussian binomial, at
/// most C(n₁+n₂, m) ≤ C(250,008, 8) < 2¹²⁷.
fn exact_sf(n1: usize, n2: usize, u: usize) -> f64 {
    let (m, n) = (n1.min(n2), n1.max(n2));
    let top = m * n;
    let mut c = vec![0i128; top + 1];
    c[0] = 1;
    let mut degree = 0;
    for i in 1..=m {
        // Multiply by (1 − q^{n+i}).
        let shift = n + i;
        let new_degree = degree + n;
        for k in (shift..=new_degree.min(top)).rev() {
            c[k] -= c[k - shift];
        }
        // Divide by (1 − q^i): a running sum with stride i.
        for k in i..=new_degree {
            c[k] += c[k - i];
        }
        degree = new_degree;
    }
    let total: i128 = c.iter().sum();
    // The distribution is symmetric about top/2: sum the smaller tail.
    let (from, to) = if u * 2 >= top { (u, top) } else { (0, top - u) };
    let tail: i128 = if u * 2 >= top {
        c[from..=to].iter().sum()
    } else {
        // P(U ≥ u) = 1 − P(U ≤ u − 1) = 1 − P(U ≥ top − u + 1).
        total - c[to + 1..=top].iter().sum::<i128>()
    };
    tail as f64 / total as f64
}

/// The standardised statistic R's `wilcox.test` solves for the interval:
/// ranks of (x − d, y), ties and continuity corrected, minus `zq`. `None`
/// when every value is tied (no spread to standardise by).
struct Standardised<'a> {
    x: &'a [f64],
    y: &'a [f64],
    /// `y` in order, to find the pairwise difference nearest a point.
    y_sorted: Vec<f64>,
    all: Vec<f64>,
    order: Vec<usize>,
    ranks: Vec<f64>,
}

impl Standardised<'_> {
    /// The statistic at shift `d`, continuity corrected when `correct`.
    fn at(&mut self, d: f64, zq: f64, correct: bool) -> Option<f64> {
        let (nx, ny) = (self.x.len() as f64, self.y.len() as f64);
        self.all.clear();
        self.all.extend(self.x.iter().map(|v| v - d));
        self.all.extend_from_slice(self.y);
        let (tie_term, _) = rank(&self.all, &mut self.order, &mut self.ranks);
        let dz =
            self.ranks[..self.x.len()].iter().sum::<f64>() - nx * (nx + 1.0) / 2.0 - nx * ny / 2.0;
        let correction = if !correct {
            0.0
        } else if dz > 0.0 {
            0.5
        } else if dz < 0.0 {
            -0.5
        } else {
            0.0
        };
        let n = nx + ny;
        let sigma = (nx * ny / 12.0 * ((n + 1.0) - tie_term / (n * (n - 1.0)))).sqrt();
        (sigma > 0.0).then(|| (dz - correction) / sigma - zq)
    }

    /// The shift where the (non-increasing) statistic crosses `zq`, or the
    /// ends of the search range when it does not (as R returns them).
    fn root(&mut self, zq: f64, correct: bool, lo: f64, hi: f64) -> Option<f64> {
        if self.at(lo, zq, correct)? <= 0.0 {
            return Some(lo);
        }
        if self.at(hi, zq, correct)? >= 0.0 {
            return Some(hi);
        }
        // The last d still above the target, and the first below it: each a
        // jump of the statistic, so a pairwise difference, which bisection
        // finds to within rounding and `nearest` then gives exactly.
        let left = self.edge(zq, correct, lo, hi, |v| v > 0.0)?;
        let right = self.edge(zq, correct, lo, hi, |v| v >= 0.0)?;
        let (left, right) = (self.nearest(left), self.nearest(right));
        Some(left + (right - left) / 2.0)
    }

    /// The pairwise difference xᵢ − yⱼ nearest `d`.
    fn nearest(&self, d: f64) -> f64 {
        let mut best = d;
        let mut gap = f64::INFINITY;
        for &x in self.x {
            let i = self.y_sorted.partition_point(|&y| y < x - d);
            for &y in &self.y_sorted[i.saturating_sub(1)..(i + 1).min(self.y_sorted.len())] {
                let diff = x - y;
                if (diff - d).abs() < gap {
                    gap = (diff - d).abs();
                    best = diff;
                }
            }
        }
        best
    }

    /// Bisection to adjacent floats for the boundary of `keep` (true at `lo`,
    /// false at `hi`).
    fn edge(
        &mut self,
        zq: f64,
        correct: bool,
        mut lo: f64,
        mut hi: f64,
        keep: fn(f64) -> bool,
    ) -> Option<f64> {
        for _ in 0..2_000 {
            let mid = lo + (hi - lo) / 2.0;
            if mid <= lo || mid >= hi {
                break;
            }
            if keep(self.at(mid, zq, correct)?) {
                lo = mid;
            } else {
                hi = mid;
            }
        }
        Some(lo + (hi - lo) / 2.0)
    }
}

/// The shift of `x` against `y` (x − y) with its two-sided interval at
/// `confidence` (in (0, 1)), as R's `wilcox.test` (asymptotic, corrected)
/// and Kayenta compute it. `None` when every value of both samples is the
/// same (R stops with "cannot compute confidence interval when all
/// observations are tied").
pub fn shift(x: &[f64], y: &[f64], confidence: f64) -> Option<Shift> {
    assert!(!x.is_empty() && !y.is_empty(), "two non-empty samples");
    let min = |s: &[f64]| s.iter().copied().fold(f64::INFINITY, f64::min);
    let max = |s: &[f64]| s.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    let (lo, hi) = (min(x) - max(y), max(x) - min(y));
    let mut y_sorted = y.to_vec();
    y_sorted.sort_unstable_by(f64::total_cmp);
    let mut s = Standardised {
        x,
        y,
        y_sorted,
        all: Vec::with_capacity(x.len() + y.len()),
        order: Vec::with_capacity(x.len() + y.len()),
        ranks: Vec::with_capacity(x.len() + y.len()),
    };
    let z = normal_quantile(1.0 - (1.0 - confidence) / 2.0);
    if lo == hi {
        // One value in each sample: the shift is known exactly.
        s.at(lo, 0.0, true)?;
        return Some(Shift {
            estimate: lo,
            low: lo,
            high: lo,
        });
    }
    Some(Shift {
        estimate: s.root(0.0, false, lo, hi)?,
        low: s.root(z, true, lo, hi)?,
        high: s.root(-z, true, lo, hi)?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn close(a: f64, b: f64, tol: f64) -> bool {
        (a - b).abs() <= tol * b.abs().max(1e-300) || (a - b).abs() < 1e-300
    }

    /// Figures from SciPy 1.17.1, `mannwhitneyu(x, y)` with its defaults
    /// (`tests/readers/test_canary.py` checks many more, live).
    #[test]
    fn agrees_with_scipy_on_fixed_samples() {
        // Exact: no ties, a small sample.
        let t = u_test(&[1.0, 2.0, 3.0, 4.0], &[10.0, 20.0, 30.0, 40.0]);
        assert_eq!(t.u, 0.0);
        assert!(t.exact);
        assert!(close(t.p_value, 0.028_571_428_571_428_57, 1e-12), "{t:?}");
        // Asymptotic with ties.
        let t = u_test(
            &[0.0, 0.0, 1.0, 2.0, 2.0, 3.0, 5.0, 5.0, 8.0, 9.0],
            &[0.0, 1.0, 1.0, 1.0, 2.0, 4.0, 4.0, 6.0, 7.0],
        );
        assert!(!t.exact);
        assert_eq!(t.u, 49.5);
    }

    #[test]
    fn the_exact_distribution_sums_to_one_and_is_symmetric() {
        for (n1, n2) in [(1, 1), (3, 5), (8, 8), (8, 40), (5, 2)] {
            let top = n1 * n2;
            assert!(close(exact_sf(n1, n2, 0), 1.0, 1e-15));
            for u in 0..=top {
                let up = exact_sf(n1, n2, u);
                let down = if u == 0 {
                    1.0
                } else {
                    1.0 - exact_sf(n1, n2, top - u + 1)
                };
                assert!((up - down).abs() < 1e-14, "{n1} {n2} {u}: {up} vs {down}");
            }
        }
        // One way in C(8,4) = 70 to put every x above every y.
        assert!(close(exact_sf(4, 4, 16), 1.0 / 70.0, 1e-15));
    }

    #[test]
    fn normal_quantiles() {
        assert!(close(normal_quantile(0.975), 1.959_963_984_540_054, 1e-14));
        assert!(close(normal_quantile(0.99), 2.326_347_874_040_841, 1e-14));
        assert!(close(normal_quantile(0.01), -2.326_347_874_040_841, 1e-14));
        assert_eq!(normal_quantile(0.5), 0.0);
        assert!(close(normal_quantile(1e-10), -6.361_340_902_404_056, 1e-12));
    }

    /// Kayenta's own test (`MannWhitneySuite`, which R's `wilcox.test` gives
    /// too): control 1..4, experiment 10..40 → interval [6, 39], estimate 22.5.
    #[test]
    fn agrees_with_kayenta_and_r_on_the_interval() {
        let s = shift(&[10.0, 20.0, 30.0, 40.0], &[1.0, 2.0, 3.0, 4.0], 0.95).unwrap();
        assert!(close(s.low, 6.0, 1e-12), "{s:?}");
        assert!(close(s.high, 39.0, 1e-12), "{s:?}");
        assert!(close(s.estimate, 22.5, 1e-12), "{s:?}");
    }

    #[test]
    fn the_estimate_is_the_median_of_pairwise_differences() {
        let x = [3.1, 4.7, 5.2, 8.8, 9.9, 12.0, 4.4];
        let y = [1.0, 2.5, 2.9, 6.1, 3.3];
        let mut d: Vec<f64> = x
            .iter()
            .flat_map(|a| y.iter().map(move |b| a - b))
            .collect();
        d.sort_by(f64::total_cmp);
        // 35 differences: the median is the 18th.
        let median = d[d.len() / 2];
        let s = shift(&x, &y, 0.98).unwrap();
        assert!(
            close(s.estimate, median, 1e-12),
            "{} vs {median}",
            s.estimate
        );
        assert!(s.low <= s.estimate && s.estimate <= s.high);
        // The ends of a rank interval are pairwise differences.
        assert!(d.iter().any(|v| close(*v, s.low, 1e-12)), "{s:?}");
        assert!(d.iter().any(|v| close(*v, s.high, 1e-12)), "{s:?}");
        // An even count: the mean of the middle two.
        let s = shift(&x[..6], &y, 0.98).unwrap();
        let mut d: Vec<f64> = x[..6]
            .iter()
            .flat_map(|a| y.iter().map(move |b| a - b))
            .collect();
        d.sort_by(f64::total_cmp);
        assert!(
            close(s.estimate, f64::midpoint(d[14], d[15]), 1e-12),
            "{s:?}"
        );
    }

    #[test]
    fn all_tied_samples_have_no_interval_and_p_one() {
        assert_eq!(shift(&[0.0, 0.0, 0.0], &[0.0, 0.0], 0.95), None);
        let t = u_test(&[0.0, 0.0, 0.0], &[0.0, 0.0]);
        assert_eq!(t.p_value, 1.0);
        assert_eq!(t.u, 3.0);
    }
}
