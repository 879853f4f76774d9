//! Per-bucket time series: for every service (and end to end), requests that
//! arrived, answers by outcome, and latency percentiles, per fixed bucket.
//!
//! Events are processed in time order, so a bucket is complete as soon as
//! virtual time passes its end: its percentiles are taken and its histogram
//! reset. One live histogram per service keeps memory flat however long the run,
//! and idle services have no rows.

use super::stats::{Reason, REASONS};
use super::LazyHistogram;
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
    pub failures: [u64; REASONS],
    /// Latency percentiles (ns) of answers in the bucket: p50, p90, p99.
    pub p50: u64,
    /// 90th percentile.
    pub p90: u64,
    /// 99th percentile.
    pub p99: u64,
    /// Instances paid for at the bucket's end (every service's, end to end).
    pub instances: u32,
    /// Reads of a cache with a capacity that found their key in the bucket
    /// (every cache's, end to end).
    pub hits: u64,
    /// Reads of a cache with a capacity that did not.
    pub misses: u64,
    /// Reads and writes a replicated store coordinated, stale reads among
    /// them, and acknowledged writes lost (every store's, end to end).
    pub store: StoreRow,
}

/// A replicated store's bucket ([`crate::replication`]).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct StoreRow {
    /// Reads coordinated.
    pub reads: u32,
    /// Writes coordinated.
    pub writes: u32,
    /// Reads that returned an older version than the latest acknowledged write.
    pub stale: u32,
    /// Acknowledged writes whose every copy died.
    pub lost: u32,
}

impl Row {
    /// The row of a service that did nothing in a bucket.
    pub fn idle(bucket: u32, service: u32) -> Row {
        Row {
            bucket,
            service,
            requests: 0,
            ok: 0,
            failures: [0; REASONS],
            p50: 0,
            p90: 0,
            p99: 0,
            instances: 0,
            hits: 0,
            misses: 0,
            store: StoreRow::default(),
        }
    }

    /// Failed answers.
    pub fn failed(&self) -> u64 {
        self.failures.iter().sum()
    }
}

#[derive(Debug, Clone)]
struct Live {
    requests: u64,
    ok: u64,
    failures: [u64; REASONS],
    latency: LazyHistogram,
    /// Instances paid for now.
    instances: u32,
    hits: u64,
    misses: u64,
    store: StoreRow,
    /// Something happened in the current bucket (the service is on the active list).
    active: bool,
}

impl Live {
    fn new() -> Self {
        Live {
            requests: 0,
            ok: 0,
            failures: [0; REASONS],
            // 2 significant digits are plenty for a per-second chart.
            latency: LazyHistogram::new(2),
            instances: 0,
            hits: 0,
            misses: 0,
            store: StoreRow::default(),
            active: false,
        }
    }

    fn row(&self, bucket: u32, service: u32) -> Row {
        Row {
            bucket,
            service,
            requests: self.requests,
            ok: self.ok,
            failures: self.failures,
            p50: self.latency.value_at_quantile(0.5),
            p90: self.latency.value_at_quantile(0.9),
            p99: self.latency.value_at_quantile(0.99),
            instances: self.instances,
            hits: self.hits,
            misses: self.misses,
            store: self.store,
        }
    }

    fn reset(&mut self) {
        self.requests = 0;
        self.ok = 0;
        self.failures = [0; REASONS];
        self.latency.reset();
        self.hits = 0;
        self.misses = 0;
        self.store = StoreRow::default();
        self.active = false;
    }
}

/// Time series of every service plus end to end.
///
/// Memory: a closed bucket keeps one end-to-end row (120 B) — at most
/// [`crate::RunOptions::MAX_BUCKETS`] of them — and, when service rows are
/// retained, one row per service that did something in it; services idle in
/// a bucket have no row (metrics.csv writes their zeros). Front ends that
/// write metrics.csv take the service rows as buckets close
/// ([`Series::drain_rows`]); the live view does not keep them at all.
#[derive(Debug, Clone)]
pub struct Series {
    width: Nanos,
    current: u32,
    live: Vec<Live>,
    /// Services with something in the current bucket.
    active: Vec<u32>,
    /// Closed rows not yet drained, bucket by bucket: active services in id
    /// order, then end to end.
    rows: Vec<Row>,
    /// Every closed bucket's end-to-end row.
    end_to_end: Vec<Row>,
    retain_services: bool,
    /// Rows handed out by [`Series::drain_rows`] so far.
    drained: usize,
    /// Services whose rows are kept for charts whatever happens to the
    /// others (empty: none), and those rows.
    follow: Vec<bool>,
    followed: Vec<Row>,
    /// Per service, the first bucket in which it failed requests itself.
    first_failure: Vec<Option<FirstFailure>>,
}

/// The first bucket in which a service failed requests itself: for a reason
/// of its own (timeout, refused, rejected, injected), not because a
/// dependency failed or a breaker was open — both follow from another
/// failure. The earliest of these names a run's root cause.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FirstFailure {
    /// Bucket index (its start is `bucket × width`).
    pub bucket: u32,
    /// The reason most of its own failures had in that bucket.
    pub reason: Reason,
    /// Its own failures in that bucket.
    pub count: u64,
}

impl FirstFailure {
    /// Reasons that are a service's own doing.
    const OWN: [Reason; 5] = [
        Reason::Timeout,
        Reason::Refused,
        Reason::Rejected,
        Reason::Injected,
        Reason::Unavailable,
    ];

    fn of(bucket: u32, failures: &[u64; REASONS]) -> Option<FirstFailure> {
        let count: u64 = Self::OWN.iter().map(|&r| failures[r as usize - 1]).sum();
        let reason = Self::OWN
            .iter()
            .copied()
            .max_by_key(|&r| (failures[r as usize - 1], std::cmp::Reverse(r as u8)))?;
        (count > 0).then_some(FirstFailure {
            bucket,
            reason,
            count,
        })
    }
}

impl Series {
    /// Series for `services` services with buckets of `width` ns.
    pub fn new(services: usize, width: Nanos) -> Self {
        Series {
            width: width.max(1),
            current: 0,
            live: vec![Live::new(); services + 1],
            active: Vec::new(),
            rows: Vec::new(),
            end_to_end: Vec::new(),
            retain_services: true,
            drained: 0,
            follow: Vec::new(),
            followed: Vec::new(),
            first_failure: vec![None; services],
        }
    }

    /// Keeps every closed row of `services` (from now on) for charts, even
    /// when service rows are drained or not kept: a few services' rows, one
    /// per bucket in which each did something.
    pub fn follow(&mut self, services: &[u32]) {
        self.follow = vec![false; self.live.len()];
        for &s in services {
            self.follow[s as usize] = true;
        }
    }

    /// The followed services' closed rows, bucket by bucket.
    pub fn followed_rows(&self) -> &[Row] {
        &self.followed
    }

    /// Stops keeping per-service rows (the live view only charts end to end).
    pub fn keep_service_rows(&mut self, keep: bool) {
        self.retain_services = keep;
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
        let l = &mut self.live[i];
        if !l.active && service != END_TO_END {
            l.active = true;
            self.active.push(service);
        }
        &mut self.live[i]
    }

    /// The instances of every service at the start (no row is made for it).
    pub fn init_instances(&mut self, counts: &[u32]) {
        let last = self.live.len() - 1;
        for (l, &n) in self.live.iter_mut().zip(counts) {
            l.instances = n;
        }
        self.live[last].instances = counts.iter().sum();
    }

    /// `service` now has `n` instances paid for (its row in this bucket says so).
    pub fn set_instances(&mut self, service: u32, n: u32) {
        let old = self.slot(service).instances;
        self.slot(service).instances = n;
        let last = self.live.len() - 1;
        let e2e = &mut self.live[last].instances;
        *e2e = (*e2e + n).saturating_sub(old);
    }

    /// Track `id` (a row after the services: one version of a service) now
    /// has `n` instances paid for; its service's own row counts them already,
    /// so the end-to-end total is left alone.
    pub fn set_track_instances(&mut self, id: u32, n: u32) {
        self.slot(id).instances = n;
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
        l.latency.record(latency);
    }

    /// Counts a read of cache `service` (a cache with a capacity), found or not.
    #[inline]
    pub fn cache_read(&mut self, service: u32, hit: bool) {
        for s in [service, END_TO_END] {
            let l = self.slot(s);
            l.hits += u64::from(hit);
            l.misses += u64::from(!hit);
        }
    }

    /// Counts what replicated store `service` did: `f` adds to its bucket
    /// and to end to end's.
    #[inline]
    pub fn store(&mut self, service: u32, f: impl Fn(&mut StoreRow)) {
        for s in [service, END_TO_END] {
            f(&mut self.slot(s).store);
        }
    }

    /// Closes every bucket that ends at or before `now`.
    pub fn advance(&mut self, now: Nanos) {
        while self.next_boundary() <= now {
            self.close();
        }
    }

    /// Closes the current bucket (end of run), if anything happened in it.
    pub fn finish(&mut self) {
        let e2e = &self.live[self.live.len() - 1];
        let e2e_busy = e2e.requests > 0
            || e2e.ok > 0
            || e2e.failures.iter().any(|&f| f > 0)
            || e2e.hits + e2e.misses > 0;
        if e2e_busy || !self.active.is_empty() {
            self.close();
        }
    }

    fn close(&mut self) {
        let bucket = self.current;
        self.active.sort_unstable();
        for &s in &self.active {
            let l = &mut self.live[s as usize];
            let first = &mut self.first_failure[s as usize];
            if first.is_none() {
                *first = FirstFailure::of(bucket, &l.failures);
            }
            if self.retain_services {
                self.rows.push(l.row(bucket, s));
            }
            if self.follow.get(s as usize).copied().unwrap_or(false) {
                self.followed.push(l.row(bucket, s));
            }
            l.reset();
        }
        self.active.clear();
        let last = self.live.len() - 1;
        let e2e = self.live[last].row(bucket, END_TO_END);
        self.live[last].reset();
        if self.retain_services {
            self.rows.push(e2e.clone());
        }
        self.end_to_end.push(e2e);
        self.current += 1;
    }

    /// Each service's first bucket of failures of its own (closed buckets).
    pub fn first_failures(&self) -> &[Option<FirstFailure>] {
        &self.first_failure
    }

    /// (requests, answered) of `service` over the whole run so far, closed
    /// buckets and the open one, counting drained rows too: what the engine's
    /// invariant check compares with the service's [`super::Stats`]. Only
    /// meaningful while service rows are retained and not drained.
    pub fn totals(&self, service: u32) -> Option<(u64, u64)> {
        let closed: &[Row] = if service == END_TO_END {
            &self.end_to_end
        } else if self.retain_services && self.drained == 0 {
            &self.rows
        } else {
            return None;
        };
        let (mut requests, mut answered) = (0, 0);
        for r in closed.iter().filter(|r| r.service == service) {
            requests += r.requests;
            answered += r.ok + r.failed();
        }
        let i = if service == END_TO_END {
            self.live.len() - 1
        } else {
            service as usize
        };
        let l = &self.live[i];
        Some((
            requests + l.requests,
            answered + l.ok + l.failures.iter().sum::<u64>(),
        ))
    }

    /// (hits, misses) of cache `service` over the run so far, as
    /// [`Series::totals`] (None once rows were drained or not kept).
    pub fn cache_totals(&self, service: u32) -> Option<(u64, u64)> {
        if !self.retain_services || self.drained > 0 {
            return None;
        }
        let l = &self.live[service as usize];
        Some(
            self.rows
                .iter()
                .filter(|r| r.service == service)
                .fold((l.hits, l.misses), |(h, m), r| (h + r.hits, m + r.misses)),
        )
    }

    /// Closed rows not yet drained, bucket by bucket: the services that did
    /// something, in id order, then end to end.
    pub fn rows(&self) -> &[Row] {
        &self.rows
    }

    /// Takes the closed rows (for writing metrics.csv as the run goes); later
    /// calls return only rows closed since.
    pub fn drain_rows(&mut self) -> Vec<Row> {
        self.drained += self.rows.len();
        std::mem::take(&mut self.rows)
    }

    /// Every closed bucket's end-to-end row, whatever was drained.
    pub fn end_to_end_rows(&self) -> &[Row] {
        &self.end_to_end
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn buckets_close_in_order_count_by_time_and_skip_idle_services() {
        let mut s = Series::new(2, 1_000);
        s.arrival(0);
        s.answer(0, 5_000, 0);
        s.advance(2_500); // closes buckets 0 and 1
        s.arrival(0);
        s.answer(0, 7_000, Reason::Timeout as u8);
        s.answer(END_TO_END, 7_000, Reason::Timeout as u8);
        s.finish();
        let rows = s.rows();
        // Bucket 0: service 0 and end to end; bucket 1: end to end only
        // (nothing happened); bucket 2: service 0 and end to end. Service 1
        // was idle throughout: no rows.
        let keys: Vec<(u32, u32)> = rows.iter().map(|r| (r.bucket, r.service)).collect();
        assert_eq!(
            keys,
            [
                (0, 0),
                (0, END_TO_END),
                (1, END_TO_END),
                (2, 0),
                (2, END_TO_END)
            ]
        );
        assert_eq!((rows[0].requests, rows[0].ok), (1, 1));
        assert_eq!((rows[3].bucket, rows[3].failed()), (2, 1));
        assert_eq!(rows[4].failures[0], 1);
        // Resolution near the 1 µs floor is coarse (512 ns units).
        assert!((rows[3].p50 as f64 - 7_000.0).abs() <= 700.0);
        assert_eq!(s.end_to_end_rows().len(), 3);
        assert_eq!(s.totals(0), Some((2, 2)));
        let drained = s.drain_rows();
        assert_eq!(drained.len(), 5);
        assert!(s.rows().is_empty() && s.totals(0).is_none());
        assert_eq!(s.totals(END_TO_END), Some((0, 1)));
    }

    #[test]
    fn a_live_view_keeps_only_end_to_end_rows() {
        let mut s = Series::new(3, 1_000);
        s.keep_service_rows(false);
        for t in 0..10 {
            s.arrival(1);
            s.advance(t * 1_000);
        }
        assert!(s.rows().is_empty());
        assert_eq!(s.end_to_end_rows().len(), 9);
    }
}
