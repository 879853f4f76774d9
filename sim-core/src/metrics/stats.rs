//! What a run measures: per service and end to end, requests, outcomes by
//! failure reason, and an HDR histogram of response times.
//!
//! The mean is kept exactly (sum / count) rather than from histogram buckets,
//! because the queueing-theory tests compare means to within a few percent.

use super::LazyHistogram;
use crate::duration::Nanos;

/// Why a request failed (docs/formats.md).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
#[repr(u8)]
pub enum Reason {
    /// The caller stopped waiting.
    Timeout = 1,
    /// The instance was down and refused the connection.
    Refused = 2,
    /// A full queue or bulkhead turned the request away.
    Rejected = 3,
    /// An open circuit breaker failed the call without trying.
    ShortCircuited = 4,
    /// A fault injection failed the request on purpose.
    Injected = 5,
    /// A critical dependency failed.
    Dependency = 6,
    /// A replicated store had too few replicas alive (or reachable) for the
    /// consistency level asked: Cassandra's UnavailableException. Listed in
    /// outputs only by runs with a replicated store ([`Reason::listed`]).
    Unavailable = 7,
}

/// Failure reasons there are (the size of per-reason counters).
pub const REASONS: usize = 7;

impl Reason {
    /// All reasons, in output order.
    pub const ALL: [Reason; 6] = [
        Reason::Timeout,
        Reason::Refused,
        Reason::Rejected,
        Reason::ShortCircuited,
        Reason::Injected,
        Reason::Dependency,
    ];

    /// Every reason, `unavailable` last.
    pub const EVERY: [Reason; REASONS] = [
        Reason::Timeout,
        Reason::Refused,
        Reason::Rejected,
        Reason::ShortCircuited,
        Reason::Injected,
        Reason::Dependency,
        Reason::Unavailable,
    ];

    /// The reasons a run's outputs list: [`Reason::ALL`], and `unavailable`
    /// when the run has a replicated store (other files keep their columns).
    pub fn listed(replicated: bool) -> &'static [Reason] {
        if replicated {
            &Reason::EVERY
        } else {
            &Reason::ALL
        }
    }

    /// The name used in summary.json.
    pub fn name(self) -> &'static str {
        match self {
            Reason::Timeout => "timeout",
            Reason::Refused => "refused",
            Reason::Rejected => "rejected",
            Reason::ShortCircuited => "short_circuited",
            Reason::Injected => "injected",
            Reason::Dependency => "dependency",
            Reason::Unavailable => "unavailable",
        }
    }

    /// Decodes the compact form kept in call records (0 is success).
    pub fn from_code(code: u8) -> Option<Reason> {
        Reason::EVERY.get((code as usize).wrapping_sub(1)).copied()
    }
}

/// Counters and latency of one service (or of all requests end to end).
#[derive(Debug, Clone)]
pub struct Stats {
    /// Requests that arrived.
    pub requests: u64,
    /// Requests answered successfully.
    pub ok: u64,
    /// Failures, indexed by `Reason as usize - 1`.
    pub failures: [u64; REASONS],
    /// Response times in ns (arrival to answer).
    pub latency: LazyHistogram,
    /// Exact sum of response times, for the mean.
    pub latency_sum: u128,
    /// Retry attempts made to this service (beyond first attempts).
    pub retries: u64,
    /// Successful answers that hid a failure behind a fallback or an optional dependency.
    pub degraded: u64,
    /// Failures decided at the caller without reaching an instance (short
    /// circuits, bulkhead rejections, nothing listed in discovery).
    pub local: u64,
}

impl Default for Stats {
    fn default() -> Self {
        Stats {
            requests: 0,
            ok: 0,
            failures: [0; REASONS],
            // 1 µs to 1 day at 3 significant digits, allocated at first use.
            latency: LazyHistogram::new(3),
            latency_sum: 0,
            retries: 0,
            degraded: 0,
            local: 0,
        }
    }
}

impl Stats {
    /// Records one answered request.
    #[inline]
    pub fn record(&mut self, latency: Nanos, reason: u8) {
        match Reason::from_code(reason) {
            None => self.ok += 1,
            Some(r) => self.failures[r as usize - 1] += 1,
        }
        self.latency.record(latency);
        self.latency_sum += u128::from(latency);
    }

    /// Requests answered with a failure.
    pub fn failed(&self) -> u64 {
        self.failures.iter().sum()
    }

    /// Requests answered (ok or failed).
    pub fn answered(&self) -> u64 {
        self.ok + self.failed()
    }

    /// Exact mean response time in ns (0 when nothing was answered).
    pub fn mean_ns(&self) -> f64 {
        let n = self.answered();
        if n == 0 {
            0.0
        } else {
            self.latency_sum as f64 / n as f64
        }
    }

    /// Response time at quantile `q` in ns, from the histogram.
    pub fn quantile_ns(&self, q: f64) -> u64 {
        if self.latency.is_empty() {
            0
        } else {
            self.latency.value_at_quantile(q)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_outcomes_and_exact_mean() {
        let mut s = Stats {
            requests: 3,
            ..Default::default()
        };
        s.record(1_000_000, 0);
        s.record(3_000_000, Reason::Rejected as u8);
        s.record(2_000_000, Reason::Dependency as u8);
        assert_eq!((s.ok, s.failed(), s.answered()), (1, 2, 3));
        assert_eq!(s.failures[Reason::Rejected as usize - 1], 1);
        assert_eq!(s.mean_ns(), 2_000_000.0);
        let p50 = s.quantile_ns(0.5) as f64;
        assert!((p50 - 2e6).abs() / 2e6 < 0.001, "{p50}");
    }

    #[test]
    fn reason_codes_round_trip() {
        for r in Reason::ALL {
            assert_eq!(Reason::from_code(r as u8), Some(r));
        }
        assert_eq!(Reason::from_code(0), None);
        assert_eq!(Reason::from_code(9), None);
    }
}
