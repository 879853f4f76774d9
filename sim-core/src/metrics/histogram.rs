//! Latency histograms that cost nothing until something is recorded.
//!
//! An HDR histogram covering 1 µs to one day at 3 significant digits is a
//! fixed array of about 39,000 counters (≈ 311 KB); one per service, plus one
//! per service in the time series, made a service with no traffic cost
//! ~266 KB, and 20,000 services 5 GB. Here the array is allocated at the first
//! value recorded, and then sized by HDR's auto-resize to the largest value
//! seen, so a service costs a pointer until it is used and, once used, about
//! 8 B × 1,024 × log2(max / 1 µs) (≈ 170 KB at 3 digits for latencies up to a
//! second). Values are clamped to one day, as the fixed-range histogram did,
//! so percentiles are unchanged.

use hdrhistogram::Histogram;

use crate::duration::Nanos;

/// Smallest value told apart: 1 µs.
const LOW: u64 = 1_000;
/// Largest value recorded; longer latencies count as one day.
pub const HIGH: u64 = 86_400_000_000_000;

/// An HDR histogram allocated on first use.
#[derive(Debug, Clone)]
pub struct LazyHistogram {
    sigfig: u8,
    h: Option<Box<Histogram<u64>>>,
}

impl LazyHistogram {
    /// An empty histogram keeping `sigfig` significant digits.
    pub const fn new(sigfig: u8) -> LazyHistogram {
        LazyHistogram { sigfig, h: None }
    }

    /// Records one value (clamped to [`HIGH`]).
    #[inline]
    pub fn record(&mut self, v: Nanos) {
        let sigfig = self.sigfig;
        let h = self.h.get_or_insert_with(|| {
            let mut h = Histogram::new_with_bounds(LOW, 2 * LOW, sigfig).expect("valid bounds");
            h.auto(true);
            Box::new(h)
        });
        // Auto-resize grows to any value up to HIGH; never past it.
        let _ = h.record(v.clamp(LOW, HIGH));
    }

    /// Forgets every value, keeping the allocation (the time series reuses it every bucket).
    pub fn reset(&mut self) {
        if let Some(h) = &mut self.h {
            h.reset();
        }
    }

    /// Values recorded.
    pub fn len(&self) -> u64 {
        self.h.as_ref().map_or(0, |h| h.len())
    }

    /// Nothing recorded.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Whether the counters have been allocated (for memory tests).
    pub fn is_allocated(&self) -> bool {
        self.h.is_some()
    }

    /// Largest value recorded (0 when empty).
    pub fn max(&self) -> u64 {
        self.h
            .as_ref()
            .filter(|h| !h.is_empty())
            .map_or(0, |h| h.max())
    }

    /// The value at quantile `q` (0 when empty).
    pub fn value_at_quantile(&self, q: f64) -> u64 {
        self.h
            .as_ref()
            .filter(|h| !h.is_empty())
            .map_or(0, |h| h.value_at_quantile(q))
    }

    /// The underlying histogram, if anything was recorded.
    pub fn get(&self) -> Option<&Histogram<u64>> {
        self.h.as_deref().filter(|h| !h.is_empty())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn allocates_on_first_use_and_matches_the_fixed_range_histogram() {
        let mut lazy = LazyHistogram::new(3);
        assert!(!lazy.is_allocated() && lazy.is_empty());
        assert_eq!((lazy.max(), lazy.value_at_quantile(0.99)), (0, 0));
        let mut fixed = Histogram::<u64>::new_with_bounds(LOW, HIGH, 3).unwrap();
        let mut x: u64 = 12345;
        for _ in 0..50_000 {
            x = x.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1);
            let v = (x >> 20) % 5_000_000_000; // up to 5 s, some below 1 µs
            lazy.record(v);
            fixed.saturating_record(v);
        }
        lazy.record(HIGH * 3);
        fixed.saturating_record(HIGH * 3);
        assert!(lazy.is_allocated());
        assert_eq!(lazy.len(), fixed.len());
        for q in [0.0, 0.5, 0.9, 0.99, 0.999, 1.0] {
            assert_eq!(
                lazy.value_at_quantile(q),
                fixed.value_at_quantile(q),
                "q {q}"
            );
        }
        assert_eq!(lazy.max(), fixed.max());
        lazy.reset();
        assert!(lazy.is_empty() && lazy.is_allocated());
    }
}
