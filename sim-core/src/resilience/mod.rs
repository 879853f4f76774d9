//! Resilience patterns a caller applies to one dependency: timeouts, retries
//! with backoff and a budget, circuit breakers, bulkheads and fallbacks.
//!
//! The pure state machines live here ([`breaker`], [`retry`]); the engine owns
//! when they are consulted.

pub mod breaker;
pub mod outlier;
pub mod policy;
pub mod retry;

pub use breaker::{Breaker, BreakerConfig, BreakerState};
pub use outlier::Outliers;
pub use policy::{ClientSlot, Policy, NO_SLOT};
pub use retry::{Backoff, Budget, RetryPolicy};
