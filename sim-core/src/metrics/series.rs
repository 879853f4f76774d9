//! Per-bucket time series: for every service (and end to end), requests that
//! arrived, answers by outcome, and latency percentiles, per fixed bucket.
//!
//! Events are processed in time order, so a bucket is complete as soon as
//! virtual time passes its end: its percentiles are taken and its histogram
//! reset. One live histogram per service keeps memory flat however long the run.

use hdrhistogram::Histogram;

use super::stats::Reason;
use crate::duration::Nanos;

/// `service` value of end-to-end rows.
pub const END_TO_END: u32 = u32::MAX;

/// One closed bucket of one service.
#[derive(Debug, Clone, PartialEq)]
pub struct Row {
    /// Bucket index: covers [index·width, (index+1)·width).
    pub bucket: u32,
    /// Service id, or [`END_TO_END`].
    pub service: u32,
    /// Requests that arrived in the bucket.
    pub requests: u64,
    /// Answers in the bucket that succeeded.
    pub ok: u64,
    /// Failed answers in the bucket, by `Reason as usize - 1`.
    pub failures: [u64; 6],
    /// Latency percentiles (ns) of answers in the bucket: p50, p90, p99.
    pub p50: u64,
    /// 90th percentile.
    pub p90: u64,
    /// 99th percentile.
    pub p99: u64,
}

impl Row {
    /// Failed answers.
    pub fn failed(&self) -> u64 {
        self.failures.iter().sum()
    }
}

#[derive(Debug, Clone)]
struct Live {
    requests: u64,
    ok: u64,
    failures: [u64; 6],
    latency: Histogram<u64>,
}

impl Live {
    fn new() -> Self {
        Live {
            requests: 0,
            ok: 0,
            failures: [0; 6],
            // 2 significant digits are plenty for a per-second chart.
            latency: Histogram::new_with_bounds(1_000, 86_400_000_000_000, 2)
                .expect("valid bounds"),
        }
    }
}

/// Time series of every service plus end to end.
#[derive(Debug, Clone)]
pub struct Series {
    width: Nanos,
    current: u32,
    live: Vec<Live>,
    rows: Vec<Row>,
}

impl Series {
    /// Series for `services` services with buckets of `width` ns.
    pub fn new(services: usize, width: Nanos) -> Self {
        Series {
            width: width.max(1),
            current: 0,
            live: vec![Live::new(); services + 1],
            rows: Vec::new(),
        }
    }

    /// Bucket width in ns.
    pub fn width(&self) -> Nanos {
        self.width
    }

    /// Start of the next bucket: the engine calls [`Series::advance`] when time reaches it.
    #[inline]
    pub fn next_boundary(&self) -> Nanos {
        (Nanos::from(self.current) + 1).saturating_mul(self.width)
    }

    #[inline]
    fn slot(&mut self, service: u32) -> &mut Live {
        let i = if service == END_TO_END {
            self.live.len() - 1
        } else {
            service as usize
        };
        &mut self.live[i]
    }

    /// Counts a request arriving at `service`.
    #[inline]
    pub fn arrival(&mut self, service: u32) {
        self.slot(service).requests += 1;
    }

    /// Counts an answer from `service`.
    #[inline]
    pub fn answer(&mut self, service: u32, latency: Nanos, reason: u8) {
        let l = self.slot(service);
        match Reason::from_code(reason) {
            None => l.ok += 1,
            Some(r) => l.failures[r as usize - 1] += 1,
        }
        l.latency.saturating_record(latency);
    }

    /// Closes every bucket that ends at or before `now`.
    pub fn advance(&mut self, now: Nanos) {
        while self.next_boundary() <= now {
            self.close();
        }
    }

    /// Closes the current bucket (end of run), if anything happened in it.
    pub fn finish(&mut self) {
        if self
            .live
            .iter()
            .any(|l| l.requests > 0 || l.ok > 0 || l.failures.iter().any(|&f| f > 0))
        {
            self.close();
        }
    }

    fn close(&mut self) {
        let n = self.live.len();
        for (i, l) in self.live.iter_mut().enumerate() {
            let q = |q: f64| {
                if l.latency.is_empty() {
                    0
                } else {
                    l.latency.value_at_quantile(q)
                }
            };
            self.rows.push(Row {
                bucket: self.current,
                service: if i == n - 1 { END_TO_END } else { i as u32 },
                requests: l.requests,
                ok: l.ok,
                failures: l.failures,
                p50: q(0.5),
                p90: q(0.9),
                p99: q(0.99),
            });
            l.requests = 0;
            l.ok = 0;
            l.failures = [0; 6];
            l.latency.reset();
        }
        self.current += 1;
    }

    /// (requests, answered) of `service` over the whole run so far, closed
    /// buckets and the open one: what the engine's invariant check compares
    /// with the service's [`super::Stats`].
    pub fn totals(&self, service: u32) -> (u64, u64) {
        let (mut requests, mut answered) = (0, 0);
        for r in self.rows.iter().filter(|r| r.service == service) {
            requests += r.requests;
            answered += r.ok + r.failed();
        }
        let i = if service == END_TO_END {
            self.live.len() - 1
        } else {
            service as usize
        };
        let l = &self.live[i];
        (
            requests + l.requests,
            answered + l.ok + l.failures.iter().sum::<u64>(),
        )
    }

    /// Closed rows, bucket by bucket, services in id order then end to end.
    pub fn rows(&self) -> &[Row] {
        &self.rows
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn buckets_close_in_order_and_count_by_time() {
        let mut s = Series::new(1, 1_000);
        s.arrival(0);
        s.answer(0, 5_000, 0);
        s.advance(2_500); // closes buckets 0 and 1
        s.arrival(0);
        s.answer(0, 7_000, Reason::Timeout as u8);
        s.answer(END_TO_END, 7_000, Reason::Timeout as u8);
        s.finish();
        let rows = s.rows();
        assert_eq!(rows.len(), 6);
        assert_eq!(
            (
                rows[0].bucket,
                rows[0].service,
                rows[0].requests,
                rows[0].ok
            ),
            (0, 0, 1, 1)
        );
        assert_eq!(rows[1].service, END_TO_END);
        assert_eq!((rows[2].bucket, rows[2].requests), (1, 0));
        assert_eq!((rows[4].bucket, rows[4].failed()), (2, 1));
        assert_eq!(rows[5].failures[0], 1);
        // Resolution near the 1 µs floor is coarse (512 ns units).
        assert!((rows[4].p50 as f64 - 7_000.0).abs() <= 700.0);
    }
}
