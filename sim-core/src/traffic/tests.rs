//! The maths of profiles: rates, integrals, and `advance` as the inverse of
//! the integral, for every form.

use super::Profile;
use crate::duration::{MS, SEC};
use crate::rng::{Purpose, Stream};

fn steps() -> Profile {
    Profile::Piecewise {
        times: vec![0, 30 * SEC, 90 * SEC],
        rates: vec![100.0, 400.0, 100.0],
        linear: false,
    }
}

fn ramp() -> Profile {
    Profile::Piecewise {
        times: vec![0, 60 * SEC, 120 * SEC],
        rates: vec![0.0, 400.0, 50.0],
        linear: true,
    }
}

fn diurnal() -> Profile {
    Profile::Diurnal {
        period: 600 * SEC,
        min: 50.0,
        max: 400.0,
        peak_at: 300 * SEC,
    }
}

#[test]
fn rates_follow_each_form() {
    let s = steps();
    assert_eq!(
        [0, 30 * SEC - 1, 30 * SEC, 89 * SEC, 90 * SEC, 1000 * SEC].map(|t| s.rate(t)),
        [100.0, 100.0, 400.0, 400.0, 100.0, 100.0]
    );
    let r = ramp();
    assert_eq!(
        [0, 30 * SEC, 60 * SEC, 90 * SEC, 500 * SEC].map(|t| r.rate(t)),
        [0.0, 200.0, 400.0, 225.0, 50.0]
    );
    let d = diurnal();
    assert!((d.rate(0) - 50.0).abs() < 1e-9);
    assert!((d.rate(300 * SEC) - 400.0).abs() < 1e-9);
    assert!((d.rate(150 * SEC) - 225.0).abs() < 1e-9);
    assert!((d.rate(600 * SEC) - 50.0).abs() < 1e-9);
    assert_eq!((s.peak(), r.peak(), d.peak()), (400.0, 400.0, 400.0));
}

#[test]
fn integrals_are_the_areas_under_the_rate() {
    let s = steps();
    assert!((s.integral(0, 120 * SEC, 1.0) - (3000.0 + 24_000.0 + 3000.0)).abs() < 1e-6);
    assert!((s.integral(20 * SEC, 40 * SEC, 2.0) - 2.0 * (1000.0 + 4000.0)).abs() < 1e-6);
    let r = ramp();
    // 0→400 over 60 s: 12,000; 400→50 over 60 s: 13,500; then 50/s.
    assert!((r.integral(0, 60 * SEC, 1.0) - 12_000.0).abs() < 1e-6);
    assert!((r.integral(0, 130 * SEC, 1.0) - 26_000.0).abs() < 1e-6);
    let d = diurnal();
    // A whole period brings the mean rate (225/s) times its length, from any phase.
    for a in [0, 7 * SEC, 333 * SEC] {
        let got = d.integral(a, a + 600 * SEC, 1.0);
        assert!((got - 135_000.0).abs() < 1e-6, "{got}");
    }
    // The first quarter rises from 50: 225·150 − 175·(600/2π)·1.
    let want = 225.0 * 150.0 - 175.0 * 600.0 / std::f64::consts::TAU;
    assert!((d.integral(0, 150 * SEC, 1.0) - want).abs() < 1e-6);
}

#[test]
fn a_rate_that_holds_still_gives_exact_gaps() {
    let s = steps();
    assert_eq!(s.advance(0, 1.0, 1.0, u64::MAX), Some(10 * MS));
    assert_eq!(
        s.advance(30 * SEC, 1.0, 1.0, u64::MAX),
        Some(30 * SEC + 2_500_000)
    );
    // A gap across the step: half an arrival at 100/s, half at 400/s.
    assert_eq!(
        s.advance(30 * SEC - 5 * MS, 1.0, 1.0, u64::MAX),
        Some(30 * SEC + 1_250_000)
    );
    // After the last point the last rate holds for ever; past the limit, none.
    assert_eq!(
        s.advance(1000 * SEC, 1.0, 1.0, u64::MAX),
        Some(1000 * SEC + 10 * MS)
    );
    assert_eq!(s.advance(0, 1.0, 1.0, 5 * MS), None);
}

#[test]
fn a_ramp_from_zero_still_gets_its_first_request() {
    // ∫₀ᵗ (400/60)·u du = 1 at t = √(2·60/400) s.
    let t = ramp().advance(0, 1.0, 1.0, u64::MAX).unwrap();
    let want = (2.0 * 60.0 / 400.0f64).sqrt() * 1e9;
    assert!((t as f64 - want).abs() < 2.0, "{t} vs {want}");
}

#[test]
fn zero_rates_are_skipped_and_a_zero_tail_never_arrives() {
    let p = Profile::Piecewise {
        times: vec![0, 10 * SEC, 20 * SEC],
        rates: vec![0.0, 100.0, 0.0],
        linear: false,
    };
    assert_eq!(p.advance(0, 1.0, 1.0, u64::MAX), Some(10 * SEC + 10 * MS));
    assert_eq!(p.advance(20 * SEC, 1.0, 1.0, u64::MAX), None);
    assert_eq!(p.advance(15 * SEC, 1000.0, 1.0, u64::MAX), None);
}

/// `advance` inverts `integral`: the time it returns is where the integral
/// reaches the target, to within the arrivals of one nanosecond.
#[test]
fn advance_inverts_the_integral_for_every_form() {
    let table = Profile::Piecewise {
        times: (0..50).map(|i| i * 10 * SEC).collect(),
        rates: (0..50).map(|i| f64::from(i % 5) * 60.0).collect(),
        linear: false,
    };
    let mut rng = Stream::new(3, Purpose::Arrivals);
    for (name, p) in [
        ("steps", steps()),
        ("ramp", ramp()),
        ("diurnal", diurnal()),
        ("table", table),
    ] {
        for _ in 0..2000 {
            let from = (rng.uniform() * 700.0 * 1e9) as u64;
            let target =
                -libm::log(1.0 - rng.uniform()) * if rng.chance(0.1) { 500.0 } else { 1.0 };
            let scale = 0.5 + 3.0 * rng.uniform();
            let t = p.advance(from, target, scale, u64::MAX).unwrap();
            let got = p.integral(from, t, scale);
            let per_ns = scale * p.peak() / 1e9;
            assert!(
                got <= target + 1e-6 * target.max(1.0)
                    && target - got <= 2.0 * per_ns + 1e-6 * target.max(1.0),
                "{name}: from {from} target {target} scale {scale}: t {t}, integral {got}"
            );
        }
    }
}

#[test]
fn a_diurnal_cycle_from_zero_minimum_converges() {
    let p = Profile::Diurnal {
        period: 3600 * SEC,
        min: 0.0,
        max: 10.0,
        peak_at: 1800 * SEC,
    };
    // At the trough the rate is 0: the first arrival still comes, where ∫ = 1.
    let t = p.advance(0, 1.0, 1.0, u64::MAX).unwrap();
    assert!((p.integral(0, t, 1.0) - 1.0).abs() < 1e-6, "{t}");
    // Many cycles ahead: whole cycles are counted at once.
    let t = p.advance(0, 18_000.0 * 5.0 + 0.5, 1.0, u64::MAX).unwrap();
    assert!((p.integral(0, t, 1.0) - 90_000.5).abs() < 1e-6, "{t}");
}
