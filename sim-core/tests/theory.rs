//! Simulated queues against queueing theory.
//!
//! Sources: L. Kleinrock, *Queueing Systems, Vol. 1: Theory* (Wiley, 1975):
//! M/M/1 mean response time T = 1/(μ − λ) (§3.2, eq. 3.26); M/M/c waiting
//! probability by Erlang's C formula and T = C(c, a)/(cμ − λ) + 1/μ (§3.5).
//!
//! Tolerances are derived from run length, not picked: each test runs R
//! independent replications (different seeds), estimates the standard error of
//! the grand mean from the spread of replication means, and requires both that
//! the result lies within 3 % of theory (the bound) and that 3 standard
//! errors fit inside that 3 % — i.e. the run is long enough for the bound to
//! mean something. A too-short run fails the second assertion.

mod common;

use common::queueing::{check, erlang_c, replications};

#[test]
fn mm1_mean_response_time_is_one_over_mu_minus_lambda() {
    let arch = include_str!("../../architectures/mm1.json");
    let (lambda, mu) = (800.0, 1000.0);
    let theory_ms = 1000.0 / (mu - lambda); // 5 ms
    assert!((theory_ms - 5.0f64).abs() < 1e-12);
    check("M/M/1", &replications(arch, 20, 250), theory_ms);
}

#[test]
fn mmc_mean_response_time_matches_erlang_c() {
    let arch = include_str!("../../architectures/mmc.json");
    let (lambda, mu, c) = (2000.0, 1000.0, 3);
    let pw = erlang_c(c, lambda / mu);
    assert!((pw - 4.0 / 9.0).abs() < 1e-12, "C(3, 2) = 4/9");
    let theory_ms = 1000.0 * (pw / (f64::from(c) * mu - lambda) + 1.0 / mu); // 1.444 ms
    assert!((theory_ms - 1.4444).abs() < 1e-3);
    check("M/M/3", &replications(arch, 20, 100), theory_ms);
}
