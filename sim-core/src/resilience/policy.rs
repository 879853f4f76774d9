//! One dependency's resilience settings, resolved from the file into engine
//! units (ns, config structs), plus the per-caller state they need.

use super::{Backoff, Breaker, BreakerConfig, Budget, RetryPolicy};
use crate::duration::{Nanos, MS, SEC};
use crate::model::{BackoffSpec, BreakerKind, CallSpec};

/// `slot` value of a dependency that keeps no per-caller state.
pub const NO_SLOT: u16 = u16::MAX;

/// How a caller protects itself when calling one dependency.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Policy {
    /// Deadline of the whole call, retries included.
    pub timeout: Option<Nanos>,
    /// Retries of failed attempts.
    pub retry: Option<RetryPolicy>,
    /// Circuit breaker, one per calling instance.
    pub breaker: Option<BreakerConfig>,
    /// Most concurrent calls from one calling instance.
    pub bulkhead: Option<u32>,
    /// A final failure is answered by a fallback (the caller degrades).
    pub fallback: bool,
    /// Same-zone preference, ejection of failed instances, retries in another zone.
    pub zone_aware: bool,
    /// Index among the service's dependencies that keep per-caller state, or [`NO_SLOT`].
    pub slot: u16,
}

impl Policy {
    /// Resolves the file's options (already range-checked by the model).
    pub fn from_spec(o: &CallSpec) -> Policy {
        let ms = |v: f64| (v * MS as f64) as Nanos;
        let retry = o.retries.0.as_ref().map(|r| {
            let base = ms(r.base_ms).max(1);
            RetryPolicy {
                attempts: r.attempts,
                backoff: match r.backoff {
                    BackoffSpec::Fixed => Backoff::Fixed,
                    BackoffSpec::Exponential => Backoff::Exponential,
                    BackoffSpec::Jitter => Backoff::FullJitter,
                },
                base,
                max: r.max_ms.map_or(base.saturating_mul(10), ms).max(1),
                budget: r.budget,
                per_try_timeout: r.per_try_timeout_ms.map(ms),
            }
        });
        let breaker = o.circuit_breaker.0.as_ref().map(|b| {
            let secs = |v: f64| (v * SEC as f64) as Nanos;
            match b.kind {
                BreakerKind::Hystrix => BreakerConfig::Hystrix {
                    window: b.window.map_or(10 * SEC, secs),
                    buckets: b.buckets.unwrap_or(10),
                    min_requests: b.min_requests.unwrap_or(20),
                    error_percent: b.error_percent.unwrap_or(50.0),
                    open: b.open_s.map_or(5 * SEC, secs),
                },
                BreakerKind::Count => BreakerConfig::Count {
                    window: b.window.map_or(100, |w| w as u32),
                    min_calls: b.min_requests.unwrap_or(100),
                    error_percent: b.error_percent.unwrap_or(50.0),
                    open: b.open_s.map_or(60 * SEC, secs),
                    trial_calls: b.trial_calls.unwrap_or(10),
                },
            }
        });
        Policy {
            timeout: o.timeout_ms.map(ms),
            retry,
            breaker,
            bulkhead: o.bulkhead,
            fallback: o.fallback,
            zone_aware: o.zone_aware,
            slot: NO_SLOT,
        }
    }

    /// Whether each calling instance needs a [`ClientSlot`] for this dependency.
    pub fn needs_slot(&self) -> bool {
        self.breaker.is_some()
            || self.bulkhead.is_some()
            || self.retry.as_ref().is_some_and(|r| r.budget.is_some())
    }
}

/// Per calling instance × dependency state: breaker, bulkhead count, retry budget.
#[derive(Debug, Clone)]
pub struct ClientSlot {
    /// The breaker, when the dependency has one.
    pub breaker: Option<Breaker>,
    /// Calls in flight (bulkhead).
    pub in_flight: u32,
    /// Retry budget.
    pub budget: Budget,
}

impl ClientSlot {
    /// Fresh state for `policy`.
    pub fn new(policy: &Policy) -> ClientSlot {
        ClientSlot {
            breaker: policy.breaker.as_ref().map(Breaker::new),
            in_flight: 0,
            budget: Budget::new(),
        }
    }
}
