//! Root finding for increasing functions: safeguarded Newton iteration.
//!
//! Two models need the x where an increasing function reaches a target and
//! have its slope in closed form: the diurnal profile's integrated rate
//! (when does Λ grow by the next arrival's draw? [`crate::traffic`]) and Che's
//! approximation of an LRU cache (when is the expected number of distinct
//! keys requested equal to the capacity? [`crate::cache::che`]). Newton's
//! step converges quadratically near the root but can leave the bracket far
//! from it (the slope of a cosine's integral is near 0 at its trough); the
//! safeguard keeps a bracket `[lo, hi]` known to hold the root and bisects
//! whenever a Newton step would leave it, so the iteration always converges
//! (Press et al., *Numerical Recipes*, 3rd ed., §9.4, `rtsafe`).
//!
//! Plain IEEE arithmetic only: the function given computes its values (on
//! `libm`), so native and wasm32 runs agree bit for bit.

/// The x in `[lo, hi]` where the increasing function `f` crosses zero,
/// starting from `x`. `f(x)` returns the value and the slope at x; the bracket
/// shrinks to the side of the root each value shows, and a Newton step that
/// would leave it (or a slope that is not positive) bisects instead. Stops
/// after `iterations`, or when `done(step, width)` says so, with `step` the
/// size of the move just decided and `width` the bracket's width.
pub fn increasing_root(
    mut x: f64,
    mut lo: f64,
    mut hi: f64,
    iterations: u32,
    mut f: impl FnMut(f64) -> (f64, f64),
    done: impl Fn(f64, f64) -> bool,
) -> f64 {
    for _ in 0..iterations {
        let (fx, slope) = f(x);
        if fx > 0.0 {
            hi = x;
        } else {
            lo = x;
        }
        let newton = x - fx / slope;
        let next = if slope > 0.0 && newton > lo && newton < hi {
            newton
        } else {
            f64::midpoint(lo, hi)
        };
        let stop = done((next - x).abs(), hi - lo);
        x = next;
        if stop {
            break;
        }
    }
    x
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_roots_newton_alone_would_miss() {
        // x³ − 2: Newton converges; the root is 2^(1/3).
        let r = increasing_root(
            1.0,
            0.0,
            2.0,
            100,
            |x| (x * x * x - 2.0, 3.0 * x * x),
            |s, _| s < 1e-15,
        );
        assert!((r - libm::cbrt(2.0)).abs() < 1e-14, "{r}");
        // atan(x) − 1 from x = 10: Newton's first step would land far below
        // the bracket (the slope there is 1/101); bisection takes over.
        let r = increasing_root(
            10.0,
            -20.0,
            20.0,
            200,
            |x| (libm::atan(x) - 1.0, 1.0 / (1.0 + x * x)),
            |s, w| s < 1e-15 || w < 1e-15,
        );
        assert!((r - libm::tan(1.0)).abs() < 1e-12, "{r}");
        // A flat start (slope 0) bisects instead of dividing by zero.
        let r = increasing_root(
            0.0,
            -1.0,
            3.0,
            200,
            |x| (x * x * x - 1.0, 3.0 * x * x),
            |s, _| s < 1e-15,
        );
        assert!((r - 1.0).abs() < 1e-12, "{r}");
    }
}
