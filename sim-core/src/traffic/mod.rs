//! Traffic that changes: the offered rate of each entry point as a function of
//! time, and the one operation the engine needs from it — *when does the
//! expected number of arrivals since `t` reach `x`?* ([`Profile::advance`]).
//!
//! A profile is a step function (`steps`, `table`), a piecewise-linear one
//! (`ramp`) or a cosine over a period (`diurnal`), compiled from the file by
//! [`compile`]. Both arrival processes are built on the integrated rate
//! Λ(t) = ∫₀ᵗ λ:
//!
//! - **constant** arrivals come when Λ has grown by 1 since the previous one:
//!   where the rate holds still the gap is exactly 1/λ, and a ramp starting
//!   at 0 req/s still gets its first request (a gap of 1/λ(t) taken at the
//!   previous arrival would wait for ever there);
//! - **poisson** arrivals come when Λ has grown by an Exp(1) draw since the
//!   previous one: a unit-rate Poisson process in the time scale Λ is a
//!   Poisson process of rate λ(t) (the time-change theorem; Çinlar,
//!   *Introduction to Stochastic Processes*, 1975). Where Λ cannot be
//!   inverted, Lewis & Shedler (1979) thin a process at the rate's maximum
//!   instead; here every form can be inverted (in closed form, or for the
//!   cosine by a safeguarded Newton iteration), which draws exactly one
//!   uniform per arrival — as a flat rate always did, so the same seed gives
//!   two profiles the same random numbers in the same order — and needs no
//!   bound: a flash crowd changing the rate mid-gap re-aims the pending
//!   arrival from what is left of its Exp(1) target (memorylessness), exactly.
//!
//! All maths is on `libm` (sin, cos, sqrt) and plain IEEE arithmetic, so native
//! and wasm32 runs agree bit for bit.

mod compile;

use std::sync::Arc;

pub use compile::{check, compile, MAX_POINTS};

use crate::duration::Nanos;
use crate::model::Arrival;

/// A rate over time, in requests per second, as the engine uses it.
#[derive(Debug, Clone, PartialEq)]
pub enum Profile {
    /// Points `(time, rate)` from time 0, times non-decreasing. Between two
    /// points the rate is the first one's (`linear` false: steps and tables)
    /// or the straight line between them (`linear` true: ramps); after the
    /// last point it is the last rate.
    Piecewise {
        /// Times of the points, the first 0.
        times: Vec<Nanos>,
        /// Rates at the points, req/s.
        rates: Vec<f64>,
        /// Straight lines between points (a ramp) instead of steps.
        linear: bool,
    },
    /// `min + (max − min)·(1 + cos(2π(t − peak_at)/period))/2`.
    Diurnal {
        /// Length of one cycle, ns (more than 0).
        period: Nanos,
        /// Lowest rate, req/s.
        min: f64,
        /// Highest rate, req/s.
        max: f64,
        /// Where in the cycle the peak is, ns (less than `period`).
        peak_at: Nanos,
    },
}

/// The traffic of one entry point, resolved: its arrival process and its rate.
#[derive(Debug, Clone, PartialEq)]
pub struct EntryTraffic {
    /// Poisson or constant arrivals.
    pub arrival: Arrival,
    /// The rate: flat, or a profile (shared between the entry points that
    /// inherit the top-level one, so a 10,000-point profile is held once).
    pub rate: Rate,
    /// The keys its requests carry, if any.
    pub keys: Option<crate::keys::KeySource>,
}

/// A flat rate or a profile.
#[derive(Debug, Clone, PartialEq)]
pub enum Rate {
    /// The same rate throughout, req/s.
    Flat(f64),
    /// A rate that changes.
    Profile(Arc<Profile>),
}

impl Rate {
    /// The highest rate it reaches, req/s.
    pub fn peak(&self) -> f64 {
        match self {
            Rate::Flat(r) => *r,
            Rate::Profile(p) => p.peak(),
        }
    }
}

const NS: f64 = 1e9;

impl Profile {
    /// The highest rate, req/s.
    pub fn peak(&self) -> f64 {
        match self {
            Profile::Piecewise { rates, .. } => rates.iter().copied().fold(0.0, f64::max),
            Profile::Diurnal { max, .. } => *max,
        }
    }

    /// Points (or 0 for a formula): what the profile holds in memory, 16 bytes each.
    pub fn points(&self) -> usize {
        match self {
            Profile::Piecewise { times, .. } => times.len(),
            Profile::Diurnal { .. } => 0,
        }
    }

    /// The rate at time `t`, req/s.
    pub fn rate(&self, t: Nanos) -> f64 {
        match self {
            Profile::Piecewise {
                times,
                rates,
                linear,
            } => {
                let i = segment(times, t);
                piece_rate(times, rates, *linear, i, t)
            }
            Profile::Diurnal {
                period,
                min,
                max,
                peak_at,
            } => {
                let th = phase(t, *period, *peak_at);
                min + (max - min) * (1.0 + libm::cos(th)) / 2.0
            }
        }
    }

    /// Expected arrivals in [a, b) at `scale` times the rate: ∫ scale·λ.
    pub fn integral(&self, a: Nanos, b: Nanos, scale: f64) -> f64 {
        if b <= a {
            return 0.0;
        }
        match self {
            Profile::Piecewise {
                times,
                rates,
                linear,
            } => {
                let mut i = segment(times, a);
                let mut t = a;
                let mut sum = 0.0;
                while t < b {
                    let end = times.get(i + 1).copied().unwrap_or(Nanos::MAX).min(b);
                    let r0 = piece_rate(times, rates, *linear, i, t);
                    let r1 = piece_rate(times, rates, *linear, i, end);
                    sum += f64::midpoint(r0, r1) * (end - t) as f64;
                    t = end;
                    i += 1;
                }
                scale * sum / NS
            }
            Profile::Diurnal {
                period,
                min,
                max,
                peak_at,
            } => {
                let (mid, amp) = ((max + min) / 2.0, (max - min) / 2.0);
                let th = phase(a, *period, *peak_at);
                let x = (b - a) as f64;
                let w = std::f64::consts::TAU / *period as f64;
                scale * (mid * x / NS + amp / w / NS * sin_step(th, w * x))
            }
        }
    }

    /// The first time from `from` by which `scale`·Λ has grown by `target`
    /// expected arrivals, truncated to whole ns; `None` if not before `limit`
    /// (or never: a rate that stays at 0).
    pub fn advance(&self, from: Nanos, target: f64, scale: f64, limit: Nanos) -> Option<Nanos> {
        let t = match self {
            Profile::Piecewise {
                times,
                rates,
                linear,
            } => advance_piecewise(times, rates, *linear, from, target, scale, limit)?,
            Profile::Diurnal {
                period,
                min,
                max,
                peak_at,
            } => advance_diurnal((*period, *min, *max, *peak_at), from, target, scale, limit)?,
        };
        (t < limit).then_some(t)
    }
}

impl Profile {
    /// The exact bits of `n` integrals and `n` advances at points drawn from
    /// `seed`, as one hex digest: sim-core's golden test pins it and sim-wasm's
    /// must compute the same under wasm32, so a last-bit difference in the
    /// maths (libm's sin and cos, the Newton steps) shows even where a run's
    /// whole-nanosecond arrival times would hide it.
    pub fn fingerprint(&self, seed: u64, n: usize) -> String {
        let mut rng = crate::rng::Stream::new(seed, crate::rng::Purpose::Arrivals);
        let mut bytes = Vec::with_capacity(n * 16);
        for _ in 0..n {
            let a = (rng.uniform() * 3e11) as Nanos;
            let b = a + (rng.uniform() * 3e9) as Nanos;
            let scale = 0.25 + 4.0 * rng.uniform();
            let target = -libm::log(1.0 - rng.uniform());
            bytes.extend(self.integral(a, b, scale).to_bits().to_le_bytes());
            let t = self
                .advance(a, target, scale, Nanos::MAX)
                .unwrap_or(Nanos::MAX);
            bytes.extend(t.to_le_bytes());
        }
        crate::export::digest(&[&bytes])
    }
}

/// Index of the piece holding `t`: the last point at or before it.
fn segment(times: &[Nanos], t: Nanos) -> usize {
    times.partition_point(|&x| x <= t).saturating_sub(1)
}

/// The rate of piece `i` at time `t` (within it, or at its end).
fn piece_rate(times: &[Nanos], rates: &[f64], linear: bool, i: usize, t: Nanos) -> f64 {
    match (linear, times.get(i + 1)) {
        (true, Some(&end)) if end > times[i] => {
            let f = (t.clamp(times[i], end) - times[i]) as f64 / (end - times[i]) as f64;
            rates[i] + (rates[i + 1] - rates[i]) * f
        }
        _ => rates[i],
    }
}

/// Phase of `t` in a cycle of `period` peaking at `peak_at`, in radians [0, 2π),
/// from integer ns so that it does not drift over a long run.
fn phase(t: Nanos, period: Nanos, peak_at: Nanos) -> f64 {
    let p = (t % period + period - peak_at % period) % period;
    std::f64::consts::TAU * (p as f64 / period as f64)
}

/// sin(θ + d) − sin(θ), without the cancellation of subtracting two sines
/// when d is small.
fn sin_step(th: f64, d: f64) -> f64 {
    2.0 * libm::cos(th + d / 2.0) * libm::sin(d / 2.0)
}

fn advance_piecewise(
    times: &[Nanos],
    rates: &[f64],
    linear: bool,
    from: Nanos,
    target: f64,
    scale: f64,
    limit: Nanos,
) -> Option<Nanos> {
    let mut i = segment(times, from);
    let mut t = from;
    // What is left to cover, in (req/s)·ns, so that a gap at a rate that
    // holds still is one division, `left·1e9 / rate`: exact for 1e9/100.
    let mut left = target * NS;
    while t < limit {
        let r0 = scale * piece_rate(times, rates, linear, i, t);
        let Some(&end) = times.get(i + 1) else {
            // The last rate holds for ever.
            return (r0 > 0.0).then(|| t.saturating_add((left / r0) as Nanos));
        };
        let r1 = scale * piece_rate(times, rates, linear, i, end);
        let len = (end - t) as f64;
        let area = if r0 == r1 {
            r0 * len
        } else {
            f64::midpoint(r0, r1) * len
        };
        if area >= left && area > 0.0 {
            let x = if r0 == r1 {
                left / r0
            } else {
                solve_linear(r0, (r1 - r0) / len, left)
            };
            return Some(t + x.min(len) as Nanos);
        }
        left -= area;
        t = end;
        i += 1;
    }
    None
}

/// The x ≥ 0 with a·x + s·x²/2 = area, for a rate a + s·x that stays ≥ 0:
/// 2·area / (a + √(a² + 2·s·area)), stable for either sign of s.
fn solve_linear(a: f64, s: f64, area: f64) -> f64 {
    let d = libm::sqrt((a * a + 2.0 * s * area).max(0.0));
    if a + d > 0.0 {
        2.0 * area / (a + d)
    } else {
        0.0
    }
}

fn advance_diurnal(
    (period, min, max, peak_at): (Nanos, f64, f64, Nanos),
    from: Nanos,
    target: f64,
    scale: f64,
    limit: Nanos,
) -> Option<Nanos> {
    // Rates in req/s, times in ns, amounts in (req/s)·ns as in advance_piecewise.
    let (mid, amp) = (scale * (max + min) / 2.0, scale * (max - min) / 2.0);
    let p = period as f64;
    let per_cycle = mid * p;
    let target = target * NS;
    if per_cycle <= 0.0 {
        return None;
    }
    // Whole cycles first: each brings exactly mid·period.
    let cycles = libm::floor(target / per_cycle);
    if cycles * p >= (limit.saturating_sub(from)) as f64 {
        return None;
    }
    let t = from + (cycles * p) as Nanos;
    let left = (target - cycles * per_cycle).max(0.0);
    let th = phase(t, period, peak_at);
    let w = std::f64::consts::TAU / p;
    // G(x), the amount in [t, t + x): increasing, and G(p) = per_cycle > left.
    let g = |x: f64| mid * x + amp / w * sin_step(th, w * x);
    let rate = |x: f64| mid + amp * libm::cos(th + w * x);
    let r0 = rate(0.0);
    let x0 = (if r0 > 0.0 { left / r0 } else { left / mid }).min(p);
    // Newton, falling back to bisection when a step leaves the bracket [0, p];
    // done within a quarter of a nanosecond.
    let x = crate::solve::increasing_root(
        x0,
        0.0,
        p,
        200,
        |x| (g(x) - left, rate(x)),
        |step, width| step < 0.25 || width < 0.5,
    );
    Some(t.saturating_add(x.clamp(0.0, p) as Nanos))
}

#[cfg(test)]
mod tests;
