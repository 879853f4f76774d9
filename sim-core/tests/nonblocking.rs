//! Non-blocking servers (`"io": "nonblocking"`) against queueing theory and
//! against thread-per-request servers.
//!
//! Sources: L. Kleinrock, *Queueing Systems, Vol. 1* (1975), §3.5: M/M/c by
//! Erlang's C formula. An event-loop server with c workers, exponential work
//! S and a downstream call of fixed delay D is an M/M/c queue for its work,
//! followed by D without a worker: T = T_M/M/c + D. A thread-per-request
//! server holds its worker for S + D, so its utilisation is λ(S + D)/c: with
//! S = 0 and D exponential it is M/M/c with service time D; past
//! λ(S + D)/c = 1 its c workers are always busy and it completes
//! c / E[S + D] requests a second, whatever it is offered (the rest wait, and
//! are rejected once its queue is full).
//!
//! With a cap of `max_outstanding` places and work too short to queue, an
//! event-loop instance is a loss system: Erlang B gives the share rejected
//! (Kleinrock, ch. 3, the M/M/m/m loss system; the same for any holding-time
//! distribution).
//!
//! Tolerances come from run length (tests/common/queueing.rs): replications
//! with different seeds, the mean within 3 % of theory and three standard
//! errors inside that 3 %; counts of random arrivals within 4 Poisson
//! standard deviations.

mod common;

use common::queueing::{check, erlang_b, mean_se, mmc_response_ms, replications};
use sim_core::duration::SEC;
use sim_core::metrics::Reason;
use sim_core::Simulation;

/// api (c workers, `io`, exponential work `s_ms`) calling backend (no
/// worker limit, `backend` service time) at 2000 req/s, no network latency.
fn arch(io: &str, s_ms: f64, backend: &str, queue: &str) -> String {
    let work = if s_ms > 0.0 {
        format!(r#"{{"dist":"exponential","mean_ms":{s_ms}}}"#)
    } else {
        r#"{"dist":"constant","mean_ms":0}"#.to_string()
    };
    format!(
        r#"{{"arch":"nb","traffic":{{"rate":2000}},
        "network":{{"same_zone":0,"cross_zone":0,"cross_region":0}},
        "services":[
        {{"name":"api","package":"karyon","count":1,"concurrency":3,"io":"{io}"{queue},
          "service_time":{work},"dependencies":["backend"]}},
        {{"name":"backend","package":"store","count":1,"service_time":{backend}}}]}}"#
    )
}

#[test]
fn a_nonblocking_server_is_mmc_for_its_work_plus_the_downstream_delay() {
    // c = 3, λ = 2000/s, S = 1 ms (a = 2), D = 20 ms constant: T = 1.444 + 20 ms.
    let text = arch(
        "nonblocking",
        1.0,
        r#"{"dist":"constant","mean_ms":20}"#,
        "",
    );
    let d = 20.0;
    let queueing: Vec<f64> = replications(&text, 20, 40)
        .into_iter()
        .map(|t| t - d)
        .collect();
    check(
        "non-blocking M/M/3 + D",
        &queueing,
        mmc_response_ms(3, 2000.0, 1.0),
    );
}

#[test]
fn a_blocking_server_in_the_same_place_saturates_at_c_over_s_plus_d() {
    // The same server thread-per-request: λ(S + D)/c = 2000 × 21 ms / 3 = 14.
    // Saturated, it completes c/(S + D) = 142.9 requests a second and
    // rejects the rest once its queue of 50 is full.
    let text = arch(
        "blocking",
        1.0,
        r#"{"dist":"constant","mean_ms":20}"#,
        r#","queue":50"#,
    );
    let secs = 20;
    let served: Vec<f64> = (0..6)
        .map(|seed| {
            let sim = common::run(&text, None, common::options(500 + seed, secs));
            let e = sim.end_to_end();
            assert_eq!(e.failed(), e.failures[Reason::Rejected as usize - 1]);
            // At the end of the traffic the 3 workers and the queue of 50
            // are full; they are answered during the drain.
            (e.ok - 53) as f64 / secs as f64
        })
        .collect();
    let (m, se) = mean_se(&served);
    let theory = 3.0 / 0.021;
    eprintln!("blocking, saturated: {m:.2} ± {se:.2} req/s served, theory {theory:.2}");
    assert!((m - theory).abs() < 0.03 * theory && 3.0 * se < 0.03 * theory);
}

#[test]
fn a_blocking_server_holds_its_worker_for_s_plus_d_as_erlang_c_says() {
    // S = 0 and D exponential with mean 1 ms: the worker is held for D, so
    // api is M/M/3 at a = λ(S + D) = 2 (utilisation 2/3): T = 1.444 ms.
    let backend = r#"{"dist":"exponential","mean_ms":1}"#;
    let blocking = replications(&arch("blocking", 0.0, backend, ""), 20, 40);
    check(
        "blocking, S + D held",
        &blocking,
        mmc_response_ms(3, 2000.0, 1.0),
    );
    // The non-blocking twin never queues (its work takes no time): T = D.
    let nonblocking = replications(&arch("nonblocking", 0.0, backend, ""), 20, 40);
    check("non-blocking, D only", &nonblocking, 1.0);
}

/// The lesson's figures: end-to-end (requests, ok, p99 ms) and api's rejections.
fn lesson(name: &str, edit: impl Fn(String) -> String) -> (Simulation, u64) {
    let text = edit(common::file(&format!("{name}.json")));
    let scenario = common::file("scenarios/slow-backend.json");
    let sim = common::run(&text, Some(&scenario), common::options(1, 60));
    let api = sim.topology().service_id("api").unwrap() as usize;
    let rejected = sim.service_stats()[api].failures[Reason::Rejected as usize - 1];
    (sim, rejected)
}

/// architectures/blocking-server.json and nonblocking-server.json under
/// scenarios/slow-backend.json: the thread pool exhausts and requests are
/// rejected in one, not in the other.
#[test]
fn under_a_slow_dependency_the_thread_pool_exhausts_and_the_event_loop_does_not() {
    let (blocking, rejected) = lesson("blocking-server", |t| t);
    // During the 20 s of +200 ms, each of the 2 instances offered 100 req/s
    // completes 8 workers / 208.5 ms (2 ms work + 5 ms backend + 200 ms +
    // 1.5 ms of hops on average) = 38.4 req/s; the rest is rejected.
    let expect = 2.0 * (100.0 - 8.0 / 0.2085) * 20.0;
    let sd = (2.0 * 100.0 * 20.0f64).sqrt();
    eprintln!("blocking: {rejected} rejected at api, about {expect:.0} expected");
    assert!((rejected as f64 - expect).abs() < 4.0 * sd, "{rejected}");
    let e = blocking.end_to_end();
    assert_eq!(e.failed(), rejected, "every failure is api's full queue");

    let (nonblocking, none) = lesson("nonblocking-server", |t| t);
    assert_eq!(none, 0);
    let e = nonblocking.end_to_end();
    assert_eq!(e.ok, e.requests);
    let p99 = e.quantile_ns(0.99) as f64 / 1e6;
    // A third of the run is 200 ms slower, so p99 is that window's: 200 ms
    // plus the rest of a request.
    assert!((200.0..260.0).contains(&p99), "{p99}");

    // The cap binds: with max_outstanding 15 an instance is a loss system of
    // 15 places, each held about 208.5 ms (the workers, at 2.5 % utilisation,
    // add no wait), offered a = 100 × 0.2085 = 20.85 while backend is slow:
    // Erlang B says a share B(15, 20.85) = 0.352 of those 4000 requests is
    // rejected.
    let (_, capped) = lesson("nonblocking-server", |t| {
        t.replace(r#""max_outstanding": 1024"#, r#""max_outstanding": 15"#)
    });
    let expect = 4000.0 * erlang_b(15, 100.0 * 0.2085);
    eprintln!("non-blocking, max_outstanding 15: {capped} rejected, Erlang B {expect:.0}");
    assert!(
        (capped as f64 - expect).abs() < 4.0 * expect.sqrt(),
        "{capped}"
    );
}

/// Invariants hold mid-fault, while requests are parked and the cap binds.
#[test]
fn parked_requests_keep_the_invariants_mid_run() {
    let text = common::file("nonblocking-server.json")
        .replace(r#""max_outstanding": 1024"#, r#""max_outstanding": 15"#);
    let scenario = common::file("scenarios/slow-backend.json");
    let mut sim = common::spec(&text, Some(&scenario), common::options(2, 60)).simulation();
    for t in [21, 25, 33, 39, 41] {
        sim.run_until(t * SEC);
        sim = common::checked(sim);
    }
    common::finish(sim);
}
