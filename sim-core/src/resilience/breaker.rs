//! Circuit breakers: Hystrix's rolling time window and resilience4j's
//! count-based sliding window, sharing one state machine
//! (closed → open → half-open → closed or open again).
//!
//! A breaker exists per caller instance × dependency, so the state is kept
//! small: one boxed slice (time buckets or a bitset), a timestamp and three
//! counters. Nothing allocates after [`Breaker::new`].

use crate::duration::{Nanos, SEC};

/// Settings of one circuit breaker.
#[derive(Debug, Clone, PartialEq)]
pub enum BreakerConfig {
    /// Hystrix: rolling time window.
    Hystrix {
        /// Rolling window length (Hystrix: 10 s).
        window: Nanos,
        /// Buckets in the window (Hystrix: 10).
        buckets: u32,
        /// Requests in the window before the breaker may trip (Hystrix: 20).
        min_requests: u32,
        /// Error percentage that trips it (Hystrix: 50).
        error_percent: f64,
        /// How long it stays open before one trial request (Hystrix: 5 s).
        open: Nanos,
    },
    /// resilience4j count-based sliding window.
    Count {
        /// Calls in the sliding window (100).
        window: u32,
        /// Calls recorded before the failure rate is computed (100).
        min_calls: u32,
        /// Failure rate that trips it (50).
        error_percent: f64,
        /// Wait in open state (60 s).
        open: Nanos,
        /// Calls permitted in half-open state (10).
        trial_calls: u32,
    },
}

impl BreakerConfig {
    /// Hystrix's defaults, so scenarios can say "hystrix" and get the
    /// documented behaviour (github.com/Netflix/Hystrix/wiki/Configuration):
    /// 10 s window in 10 buckets, 20 requests, 50 %, open 5 s.
    pub fn hystrix() -> BreakerConfig {
        BreakerConfig::Hystrix {
            window: 10 * SEC,
            buckets: 10,
            min_requests: 20,
            error_percent: 50.0,
            open: 5 * SEC,
        }
    }

    /// resilience4j's count-based defaults (window 100 calls, minimum 100
    /// calls, 50 %, open 60 s, 10 calls in half-open), for the same reason.
    pub fn count_based() -> BreakerConfig {
        BreakerConfig::Count {
            window: 100,
            min_calls: 100,
            error_percent: 50.0,
            open: 60 * SEC,
            trial_calls: 10,
        }
    }

    /// What the state machine needs, both flavours alike: (open period,
    /// trial calls, calls needed to trip, error %, Hystrix bucket length or
    /// count window size). Hystrix admits exactly one trial; a count window
    /// smaller than its minimum lowers the minimum, as resilience4j does.
    fn params(&self) -> (Nanos, u32, u32, f64, u64) {
        match *self {
            BreakerConfig::Hystrix {
                window,
                buckets,
                min_requests,
                error_percent,
                open,
            } => {
                let bucket = (window / u64::from(buckets.max(1))).max(1);
                (open, 1, min_requests, error_percent, bucket)
            }
            BreakerConfig::Count {
                window,
                min_calls,
                error_percent,
                open,
                trial_calls,
            } => {
                let w = window.max(1);
                (
                    open,
                    trial_calls.max(1),
                    min_calls.min(w),
                    error_percent,
                    w.into(),
                )
            }
        }
    }
}

/// Where a breaker is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BreakerState {
    /// Calls flow.
    Closed,
    /// Calls are short-circuited.
    Open,
    /// Trial calls decide.
    HalfOpen,
}

/// Hystrix's rolling window: `(requests, errors)` per time bucket. Bucket
/// number `e` (= time / bucket length) lives in slot `e % len`; `head` is the
/// newest bucket number written; slots that rolled out are zeroed on advance.
#[derive(Debug, Clone)]
struct Buckets {
    slots: Box<[(u32, u32)]>,
    head: u64,
}

impl Buckets {
    /// Adds one outcome at `now`; returns the window's `(requests, errors)`.
    fn push(&mut self, bucket: Nanos, now: Nanos, ok: bool) -> (u32, u32) {
        let n = self.slots.len() as u64;
        let epoch = (now / bucket).max(self.head);
        if epoch - self.head >= n {
            self.slots.fill((0, 0));
        } else {
            for e in self.head + 1..=epoch {
                self.slots[(e % n) as usize] = (0, 0);
            }
        }
        self.head = epoch;
        let slot = &mut self.slots[(epoch % n) as usize];
        slot.0 = slot.0.saturating_add(1);
        slot.1 = slot.1.saturating_add(u32::from(!ok));
        self.counts(bucket, now)
    }

    /// `(requests, errors)` in buckets still inside the window at `now`.
    fn counts(&self, bucket: Nanos, now: Nanos) -> (u32, u32) {
        let n = self.slots.len() as u64;
        let current = (now / bucket).max(self.head);
        let (mut req, mut err) = (0u32, 0u32);
        for e in (self.head + 1).saturating_sub(n)..=self.head {
            if e + n > current {
                let (r, x) = self.slots[(e % n) as usize];
                req = req.saturating_add(r);
                err = err.saturating_add(x);
            }
        }
        (req, err)
    }
}

/// resilience4j's count-based window: a ring of the last outcomes as a
/// bitset (bit set = failure), with the fill level and the failures in it.
#[derive(Debug, Clone)]
struct Ring {
    bits: Box<[u64]>,
    next: u32,
    len: u32,
    failures: u32,
}

impl Ring {
    /// Adds one outcome to a ring of `size` calls; returns `(calls, failures)`.
    fn push(&mut self, size: u64, ok: bool) -> (u32, u32) {
        let size = size.min(self.bits.len() as u64 * 64) as u32;
        if self.next >= size {
            self.next = 0;
        }
        let (word, mask) = ((self.next / 64) as usize, 1u64 << (self.next % 64));
        if self.len >= size {
            self.failures -= u32::from(self.bits[word] & mask != 0);
        } else {
            self.len += 1;
        }
        if ok {
            self.bits[word] &= !mask;
        } else {
            self.bits[word] |= mask;
            self.failures += 1;
        }
        self.next = (self.next + 1) % size;
        (self.len, self.failures)
    }
}

/// The closed-state statistics of either flavour.
#[derive(Debug, Clone)]
enum Window {
    Time(Buckets),
    Count(Ring),
}

/// One breaker's state.
#[derive(Debug, Clone)]
pub struct Breaker {
    window: Window,
    /// When it last opened (meaningful in `Open`).
    opened_at: Nanos,
    /// Half-open: trial calls admitted, outcomes recorded, failures among them.
    trials_sent: u32,
    trials_done: u32,
    trial_failures: u32,
    state: BreakerState,
}

/// Error-rate test shared by both flavours: errors / calls ≥ percent. Exact
/// for integer thresholds, so it matches Hystrix's truncated integer percentage.
fn rate_reached(errors: u32, calls: u32, percent: f64) -> bool {
    f64::from(errors) * 100.0 >= percent * f64::from(calls)
}

impl Breaker {
    /// A closed breaker.
    pub fn new(cfg: &BreakerConfig) -> Breaker {
        let window = match *cfg {
            BreakerConfig::Hystrix { buckets, .. } => Window::Time(Buckets {
                slots: vec![(0, 0); buckets.max(1) as usize].into_boxed_slice(),
                head: 0,
            }),
            BreakerConfig::Count { window, .. } => Window::Count(Ring {
                bits: vec![0; window.max(1).div_ceil(64) as usize].into_boxed_slice(),
                next: 0,
                len: 0,
                failures: 0,
            }),
        };
        Breaker {
            window,
            opened_at: 0,
            trials_sent: 0,
            trials_done: 0,
            trial_failures: 0,
            state: BreakerState::Closed,
        }
    }

    /// May a call go out now? false: short-circuit it.
    ///
    /// An open breaker whose open period has elapsed (`now ≥ opened + open`)
    /// turns half-open here and admits trial calls up to the limit (one for
    /// Hystrix); every other call is refused until the trials are recorded.
    /// A refused call must not be passed to [`Breaker::record`]: short-circuits
    /// are not errors.
    pub fn allow(&mut self, cfg: &BreakerConfig, now: Nanos) -> bool {
        match self.state {
            BreakerState::Closed => return true,
            BreakerState::Open => {
                if now.saturating_sub(self.opened_at) < cfg.params().0 {
                    return false;
                }
                self.state = BreakerState::HalfOpen;
                self.trials_sent = 0;
                self.trials_done = 0;
                self.trial_failures = 0;
            }
            BreakerState::HalfOpen => {}
        }
        let admit = self.trials_sent < cfg.params().1;
        self.trials_sent += u32::from(admit);
        admit
    }

    /// Records the outcome of a call that was allowed.
    ///
    /// Closed: the outcome enters the window and the trip condition is checked.
    /// Half-open: Hystrix closes on a success and reopens on a failure;
    /// count-based decides once all trial calls are recorded. Open: the late
    /// outcome of a call admitted before the trip changes nothing (the window
    /// is reset on closing anyway).
    pub fn record(&mut self, cfg: &BreakerConfig, now: Nanos, ok: bool) {
        let (_, trials, min_calls, percent, unit) = cfg.params();
        let trip = match self.state {
            BreakerState::Open => return,
            BreakerState::HalfOpen => {
                self.trials_done = self.trials_done.saturating_add(1);
                self.trial_failures += u32::from(!ok);
                if self.trials_done < trials {
                    return;
                }
                match cfg {
                    // Hystrix: the single trial decides.
                    BreakerConfig::Hystrix { .. } => !ok,
                    BreakerConfig::Count { .. } => {
                        rate_reached(self.trial_failures, self.trials_done, percent)
                    }
                }
            }
            BreakerState::Closed => {
                let (calls, errors) = match &mut self.window {
                    Window::Time(w) => w.push(unit, now, ok),
                    Window::Count(r) => r.push(unit, ok),
                };
                if calls < min_calls || !rate_reached(errors, calls, percent) {
                    return;
                }
                true
            }
        };
        if trip {
            self.state = BreakerState::Open;
            self.opened_at = now;
        } else {
            self.close();
        }
    }

    /// Closes the breaker with a clean window (Hystrix resets its metrics
    /// stream; resilience4j starts a fresh closed-state window).
    fn close(&mut self) {
        self.state = BreakerState::Closed;
        match &mut self.window {
            Window::Time(w) => w.slots.fill((0, 0)),
            Window::Count(r) => {
                r.bits.fill(0);
                (r.next, r.len, r.failures) = (0, 0, 0);
            }
        }
    }

    /// Current state. An open breaker whose open period has elapsed still
    /// reports `Open` until the next [`Breaker::allow`] admits its trial.
    pub fn state(&self) -> BreakerState {
        self.state
    }

    /// `(calls, errors)` the closed-state window holds at `now`, so reports
    /// and tests can see what the trip decision rests on. Buckets older than
    /// the Hystrix window no longer count.
    pub fn window_counts(&self, cfg: &BreakerConfig, now: Nanos) -> (u32, u32) {
        match &self.window {
            Window::Time(w) => w.counts(cfg.params().4, now),
            Window::Count(r) => (r.len, r.failures),
        }
    }

    /// Calls in the closed-state window at `now` (see [`Breaker::window_counts`]).
    pub fn calls_in_window(&self, cfg: &BreakerConfig, now: Nanos) -> u32 {
        self.window_counts(cfg, now).0
    }

    /// When the breaker last opened, if it is open, so timelines can show
    /// how long a dependency was cut off.
    pub fn opened_at(&self) -> Option<Nanos> {
        (self.state == BreakerState::Open).then_some(self.opened_at)
    }
}

#[cfg(test)]
mod tests {
    //! Facts from Hystrix's wiki (github.com/Netflix/Hystrix/wiki/Configuration:
    //! circuitBreaker.requestVolumeThreshold 20, errorThresholdPercentage 50,
    //! sleepWindowInMilliseconds 5000, metrics.rollingStats.timeInMilliseconds
    //! 10000, numBuckets 10) and resilience4j's CircuitBreaker docs
    //! (resilience4j.readme.io/docs/circuitbreaker: slidingWindowSize 100,
    //! minimumNumberOfCalls 100, failureRateThreshold 50,
    //! waitDurationInOpenState 60 s, permittedNumberOfCallsInHalfOpenState 10).
    use super::*;
    use crate::duration::MS;

    /// Allows and records `n` calls at `now`, `errors` of them failing first.
    fn calls(b: &mut Breaker, cfg: &BreakerConfig, now: Nanos, n: u32, errors: u32) {
        for i in 0..n {
            assert!(b.allow(cfg, now), "call {i} refused");
            b.record(cfg, now, i >= errors);
        }
    }

    /// A Hystrix breaker tripped at t = 1 s by 20 failures.
    fn tripped() -> (BreakerConfig, Breaker) {
        let cfg = BreakerConfig::hystrix();
        let mut b = Breaker::new(&cfg);
        calls(&mut b, &cfg, SEC, 20, 20);
        assert_eq!(b.state(), BreakerState::Open);
        (cfg, b)
    }

    #[test]
    fn hystrix_no_trip_below_request_volume() {
        // requestVolumeThreshold 20: 19 failures in the window, 100 % errors.
        let cfg = BreakerConfig::hystrix();
        let mut b = Breaker::new(&cfg);
        for i in 0..19 {
            calls(&mut b, &cfg, i * 100 * MS, 1, 1);
        }
        assert_eq!(b.state(), BreakerState::Closed);
        assert_eq!(b.window_counts(&cfg, 2 * SEC), (19, 19));
        calls(&mut b, &cfg, 2 * SEC, 1, 1);
        assert_eq!(b.state(), BreakerState::Open);
    }

    #[test]
    fn hystrix_trips_at_volume_and_half_errors() {
        // errorThresholdPercentage 50: 10 of 20 trips.
        let cfg = BreakerConfig::hystrix();
        let mut b = Breaker::new(&cfg);
        calls(&mut b, &cfg, SEC, 10, 0);
        calls(&mut b, &cfg, 2 * SEC, 10, 10);
        assert_eq!(b.state(), BreakerState::Open);
        assert_eq!(b.opened_at(), Some(2 * SEC));
        // 49 errors in 100 requests (successes first, so never above 49 %).
        let mut b = Breaker::new(&cfg);
        calls(&mut b, &cfg, SEC, 51, 0);
        calls(&mut b, &cfg, 2 * SEC, 49, 49);
        assert_eq!(b.state(), BreakerState::Closed);
        assert_eq!(b.window_counts(&cfg, 2 * SEC), (100, 49));
        calls(&mut b, &cfg, 2 * SEC, 2, 2); // 51 of 102: 50.0 %
        assert_eq!(b.state(), BreakerState::Open);
    }

    #[test]
    fn hystrix_open_refuses_then_exactly_one_trial() {
        // sleepWindowInMilliseconds 5000, then a single trial request.
        let (cfg, mut b) = tripped();
        for t in [SEC, 2 * SEC, 6 * SEC - 1] {
            assert!(!b.allow(&cfg, t));
        }
        assert_eq!(b.state(), BreakerState::Open);
        assert!(b.allow(&cfg, 6 * SEC));
        assert_eq!(b.state(), BreakerState::HalfOpen);
        assert!(!b.allow(&cfg, 6 * SEC), "second concurrent call");
        assert!(!b.allow(&cfg, 7 * SEC), "trial still out");
    }

    #[test]
    fn hystrix_trial_failure_reopens_for_another_sleep_window() {
        let (cfg, mut b) = tripped();
        assert!(b.allow(&cfg, 6 * SEC));
        let failed = 6 * SEC + 300 * MS;
        b.record(&cfg, failed, false);
        assert_eq!(b.state(), BreakerState::Open);
        assert_eq!(b.opened_at(), Some(failed));
        assert!(!b.allow(&cfg, failed + 5 * SEC - 1));
        assert!(b.allow(&cfg, failed + 5 * SEC));
        assert!(!b.allow(&cfg, failed + 5 * SEC));
    }

    #[test]
    fn hystrix_short_circuits_are_not_errors() {
        let (cfg, mut b) = tripped();
        for i in 0..1000 {
            assert!(!b.allow(&cfg, SEC + i * MS));
        }
        assert!(b.allow(&cfg, 6 * SEC));
        for _ in 0..1000 {
            assert!(!b.allow(&cfg, 6 * SEC));
        }
        b.record(&cfg, 6 * SEC, true); // the trial succeeds: closed
        assert_eq!(b.state(), BreakerState::Closed);
        // Clean window: the 2000 refusals left no trace, and the 20 failures
        // that tripped it are gone.
        assert_eq!(b.window_counts(&cfg, 6 * SEC), (0, 0));
        calls(&mut b, &cfg, 6 * SEC, 19, 19);
        assert_eq!(b.state(), BreakerState::Closed);
    }

    #[test]
    fn hystrix_old_buckets_expire() {
        // metrics.rollingStats: 10 s in 10 buckets of 1 s.
        let cfg = BreakerConfig::hystrix();
        let mut b = Breaker::new(&cfg);
        calls(&mut b, &cfg, 500 * MS, 19, 19);
        assert_eq!(b.window_counts(&cfg, 11 * SEC + 500 * MS), (0, 0));
        calls(&mut b, &cfg, 11 * SEC + 500 * MS, 19, 19);
        assert_eq!(b.state(), BreakerState::Closed);
        assert_eq!(b.calls_in_window(&cfg, 11 * SEC + 500 * MS), 19);
        // Within the window they do add up.
        let mut b = Breaker::new(&cfg);
        calls(&mut b, &cfg, 500 * MS, 19, 19);
        calls(&mut b, &cfg, 9 * SEC + 500 * MS, 1, 1);
        assert_eq!(b.state(), BreakerState::Open);
    }

    #[test]
    fn count_based_trips_after_min_calls_and_decides_on_trials() {
        let cfg = BreakerConfig::count_based();
        let mut b = Breaker::new(&cfg);
        // 99 failures: below minimumNumberOfCalls, no failure rate yet.
        calls(&mut b, &cfg, 0, 99, 99);
        assert_eq!(b.state(), BreakerState::Closed);
        calls(&mut b, &cfg, 0, 1, 0); // 99 of 100 failed
        assert_eq!(b.state(), BreakerState::Open);
        // A sliding window: 51 successes then 49 failures stays closed, and
        // sliding in one more failure (50 of the last 100) trips it.
        let mut b = Breaker::new(&cfg);
        calls(&mut b, &cfg, 0, 51, 0);
        calls(&mut b, &cfg, 0, 49, 49);
        assert_eq!(b.state(), BreakerState::Closed);
        calls(&mut b, &cfg, SEC, 1, 1);
        assert_eq!(b.window_counts(&cfg, SEC), (100, 50));
        assert_eq!(b.state(), BreakerState::Open);
        // waitDurationInOpenState 60 s, then 10 permitted calls.
        assert!(!b.allow(&cfg, 61 * SEC - 1));
        for _ in 0..10 {
            assert!(b.allow(&cfg, 61 * SEC));
        }
        assert!(!b.allow(&cfg, 61 * SEC));
        for i in 0..10 {
            assert_eq!(b.state(), BreakerState::HalfOpen, "decided after {i}");
            b.record(&cfg, 62 * SEC, i >= 5); // 5 of 10 fail: 50 %
        }
        assert_eq!(b.state(), BreakerState::Open);
        assert_eq!(b.opened_at(), Some(62 * SEC));
        for _ in 0..10 {
            assert!(b.allow(&cfg, 122 * SEC));
        }
        for i in 0..10 {
            b.record(&cfg, 123 * SEC, i >= 4); // 4 of 10 fail: 40 %
        }
        assert_eq!(b.state(), BreakerState::Closed);
        assert_eq!(b.window_counts(&cfg, 123 * SEC), (0, 0));
    }

    #[test]
    fn breaker_is_small() {
        assert!(std::mem::size_of::<Breaker>() <= 64);
    }
}
