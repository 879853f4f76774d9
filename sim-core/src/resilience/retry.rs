//! Retries: how many, how long to wait between them, whether the route
//! deadline still leaves room, and a budget that keeps retries a small
//! fraction of traffic so they cannot multiply an outage.

use crate::duration::{Nanos, MS};
use crate::rng::Stream;

/// How the wait between attempts grows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backoff {
    /// Always `base`.
    Fixed,
    /// base·2^(n−1), capped at `max`.
    Exponential,
    /// U[0, min((2^n − 1)·base, max)) — Envoy's full jitter.
    FullJitter,
}

/// Retry settings of one dependency.
#[derive(Debug, Clone, PartialEq)]
pub struct RetryPolicy {
    /// Retries after the first attempt.
    pub attempts: u32,
    /// Backoff shape.
    pub backoff: Backoff,
    /// Base interval.
    pub base: Nanos,
    /// Cap on one wait.
    pub max: Nanos,
    /// Retry budget: retries may be at most this fraction of first attempts.
    pub budget: Option<f64>,
    /// Timeout of one attempt.
    pub per_try_timeout: Option<Nanos>,
}

/// 2^k − 1, saturating at `u64::MAX` for large `k`.
fn pow2_minus_1(k: u32) -> u64 {
    1u64.checked_shl(k).map_or(u64::MAX, |p| p - 1)
}

impl RetryPolicy {
    /// Envoy's router defaults, so scenarios can say "envoy" and get the
    /// documented behaviour (envoyproxy.io router filter, x-envoy-max-retries):
    /// full-jitter exponential backoff with a 25 ms base interval and a
    /// maximum interval of 10 × base (250 ms); no budget, no per-try timeout.
    pub fn envoy(attempts: u32) -> RetryPolicy {
        RetryPolicy {
            attempts,
            backoff: Backoff::FullJitter,
            base: 25 * MS,
            max: 250 * MS,
            budget: None,
            per_try_timeout: None,
        }
    }

    /// Wait before retry `n` (1-based).
    ///
    /// `n = 0` is treated as 1. Arithmetic saturates, so any `n` gives at most
    /// `max` (Exponential, FullJitter). FullJitter draws one `next_u64` and
    /// scales it by multiply-shift: uniform over the integer nanoseconds of
    /// [0, bound) up to a bias below bound / 2^64, with no float rounding.
    pub fn delay(&self, n: u32, rng: &mut Stream) -> Nanos {
        let n = n.max(1);
        match self.backoff {
            Backoff::Fixed => self.base,
            Backoff::Exponential => {
                let factor = 1u64.checked_shl(n - 1).unwrap_or(u64::MAX);
                self.base.saturating_mul(factor).min(self.max)
            }
            Backoff::FullJitter => {
                let bound = pow2_minus_1(n).saturating_mul(self.base).min(self.max);
                ((u128::from(rng.next_u64()) * u128::from(bound)) >> 64) as Nanos
            }
        }
    }

    /// May retry `n` (1-based) be sent, waiting `delay` from `now`? Only if it
    /// is within `attempts` and starts before `deadline`: the route timeout
    /// covers the first attempt and all retries, as in Envoy.
    pub fn allowed(&self, n: u32, now: Nanos, delay: Nanos, deadline: Nanos) -> bool {
        n <= self.attempts && now.saturating_add(delay) < deadline
    }
}

/// Token bucket behind a retry budget.
///
/// In the style of Finagle's `RetryBudget` (percentCanRetry 0.2): every first
/// attempt deposits `ratio` of a token and every retry withdraws one whole
/// token, so retries stay near `ratio` × first attempts. It starts with a
/// reserve of [`Budget::RESERVE`] tokens so a quiet client can still retry
/// its first few failures (Finagle's reserve is minRetriesPerSec × ttl; this
/// one is not refilled by time, only by first attempts), and it holds at most
/// [`Budget::CAP`] tokens so a long healthy spell cannot bank a retry storm
/// (Finagle gets the same effect by expiring deposits after ttl).
#[derive(Debug, Clone, Copy)]
pub struct Budget {
    tokens: f32,
}

impl Budget {
    /// Tokens a new budget holds: retries allowed before any first attempt.
    pub const RESERVE: f32 = 10.0;
    /// Most tokens a budget can hold: the largest burst of retries.
    pub const CAP: f32 = 100.0;

    /// A full budget.
    pub fn new() -> Budget {
        Budget {
            tokens: Budget::RESERVE,
        }
    }
    /// A first attempt was made: earn `ratio` of a retry.
    pub fn deposit(&mut self, ratio: f64) {
        self.tokens = (self.tokens + ratio.max(0.0) as f32).min(Budget::CAP);
    }
    /// Spend one retry if the budget allows.
    pub fn try_withdraw(&mut self) -> bool {
        if self.tokens >= 1.0 {
            self.tokens -= 1.0;
            true
        } else {
            false
        }
    }
    /// Tokens left (whole ones are retries), for metrics and tests.
    pub fn tokens(&self) -> f32 {
        self.tokens
    }
}

impl Default for Budget {
    fn default() -> Self {
        Budget::new()
    }
}

#[cfg(test)]
mod tests {
    //! Envoy's router filter docs (envoyproxy.io/docs/envoy/latest/configuration/
    //! http/http_filters/router_filter#x-envoy-max-retries): "retry N waits
    //! U[0, (2^N − 1)·25 ms)", base 25 ms, max interval 10 × base; the route
    //! timeout covers all retries. Finagle's RetryBudget: percentCanRetry 0.2.
    use super::*;
    use crate::duration::SEC;
    use crate::rng::Purpose;

    fn rng() -> Stream {
        Stream::new(42, Purpose::Routing)
    }

    #[test]
    fn attempts_are_bounded() {
        let p = RetryPolicy::envoy(2);
        assert!(p.allowed(1, 0, 0, SEC));
        assert!(p.allowed(2, 0, 0, SEC));
        assert!(!p.allowed(3, 0, 0, SEC));
        assert!(!RetryPolicy::envoy(0).allowed(1, 0, 0, SEC));
    }

    #[test]
    fn full_jitter_within_envoy_bounds_with_mean_half() {
        // The mean of N uniforms on [0, b) has standard deviation b/√(12N);
        // N = 12·100² makes that exactly b/1200. Allow 5 standard deviations.
        const N: u64 = 120_000;
        let p = RetryPolicy::envoy(10);
        let mut r = rng();
        for n in 1..=10u32 {
            let bound = ((1u64 << n) - 1) * 25 * MS;
            let bound = bound.min(250 * MS);
            let mut sum = 0u128;
            for _ in 0..N {
                let d = p.delay(n, &mut r);
                assert!(d < bound, "retry {n}: {d} not below {bound}");
                sum += u128::from(d);
            }
            let mean = sum as f64 / N as f64;
            let tol = 5.0 * bound as f64 / 1200.0;
            assert!(
                (mean - bound as f64 / 2.0).abs() < tol,
                "retry {n}: mean {mean}"
            );
        }
    }

    #[test]
    fn full_jitter_saturates_for_huge_n() {
        let mut p = RetryPolicy::envoy(10);
        let mut r = rng();
        for n in [63, 64, 65, 1000, u32::MAX] {
            assert!(p.delay(n, &mut r) < 250 * MS);
        }
        p.base = u64::MAX;
        p.max = u64::MAX;
        assert!(p.delay(u32::MAX, &mut r) < u64::MAX);
    }

    #[test]
    fn exponential_doubles_and_caps() {
        let p = RetryPolicy {
            backoff: Backoff::Exponential,
            base: 100 * MS,
            max: SEC,
            ..RetryPolicy::envoy(5)
        };
        let mut r = rng();
        let got: Vec<Nanos> = (1..=6).map(|n| p.delay(n, &mut r) / MS).collect();
        assert_eq!(got, [100, 200, 400, 800, 1000, 1000]);
        for n in [64, 65, u32::MAX] {
            assert_eq!(p.delay(n, &mut r), SEC);
        }
        let fixed = RetryPolicy {
            backoff: Backoff::Fixed,
            ..p
        };
        assert_eq!(fixed.delay(7, &mut r), 100 * MS);
    }

    #[test]
    fn budget_allows_ratio_plus_reserve() {
        // percentCanRetry 0.2, every request failing and retried while allowed.
        let mut b = Budget::new();
        let mut retries = 0i64;
        for _ in 0..1000 {
            b.deposit(0.2);
            while b.try_withdraw() {
                retries += 1;
            }
        }
        let expected = 200 + Budget::RESERVE as i64;
        assert!((retries - expected).abs() <= 1, "{retries} retries");
    }

    #[test]
    fn budget_is_capped() {
        let mut b = Budget::new();
        for _ in 0..100_000 {
            b.deposit(0.2);
        }
        assert_eq!(b.tokens(), Budget::CAP);
        let burst = (0..1000).filter(|_| b.try_withdraw()).count();
        assert_eq!(burst, Budget::CAP as usize);
    }

    #[test]
    fn allowed_refuses_retry_past_deadline() {
        let p = RetryPolicy::envoy(3);
        assert!(p.allowed(1, 900 * MS, 99 * MS, SEC));
        assert!(!p.allowed(1, 900 * MS, 100 * MS, SEC));
        assert!(!p.allowed(2, 900 * MS, 200 * MS, SEC));
        assert!(!p.allowed(1, u64::MAX - 1, u64::MAX, u64::MAX));
    }
}
