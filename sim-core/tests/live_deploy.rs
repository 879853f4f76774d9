//! Deployments started live — the viewer's and `/ws`'s `deploy` command —
//! are checked exactly as a scenario's, start at once, and leave the engine's
//! invariants intact (what the browser's deploy control sends).

mod common;

use sim_core::duration::SEC;
use sim_core::live::{Session, StartOptions};
use sim_core::Input;

fn session() -> Session {
    let arch = common::file("change-in-flight.json");
    let o = StartOptions::from_json(r#"{"seed":3}"#).unwrap();
    Session::start(Input::new("change-in-flight", &arch), None, &o).unwrap()
}

#[test]
fn a_live_red_black_push_of_the_bad_version_is_judged_and_rolled_back() {
    let mut s = session();
    s.apply_json(r#"{"type":"step","ms":10000}"#).unwrap();
    s.apply_json(
        r#"{"type":"deploy","deploy":{"red_black":{"service":"api","version":"v2","startup":"5s",
            "analysis":{"step":"10s","window":"30s"}}}}"#,
    )
    .unwrap();
    // Listed at the 30 s poll, judged 30 s after the switch.
    for _ in 0..80 {
        s.apply_json(r#"{"type":"step","ms":1000}"#).unwrap();
    }
    let sim = s.simulation();
    let d = sim.deployments().next().expect("the push");
    assert_eq!(d.started, 10 * SEC);
    assert_eq!(d.traffic, Some(30 * SEC));
    assert_eq!(d.outcome.name(), "rolled_back", "{d:?}");
    assert_eq!(d.detected, Some(60 * SEC));
    sim.check_invariants().unwrap();
}

#[test]
fn bad_live_deployments_say_what_is_wrong() {
    let mut s = session();
    for (cmd, want) in [
        (
            r#"{"type":"deploy","deploy":{"at":"5s","rollback":{"service":"api"}}}"#,
            "takes no \"at\"",
        ),
        (
            r#"{"type":"deploy","deploy":{"shift":{"service":"api","weights":{"v7":100}}}}"#,
            "\"v7\" is not a version of \"api\"",
        ),
        (
            r#"{"type":"deploy","deploy":{"deploy":{"service":"db","version":"v2"}}}"#,
            "\"db\" has no versions",
        ),
        (r#"{"type":"deploy","deploy":[]}"#, "must be a JSON object"),
    ] {
        let e = s.apply_json(cmd).unwrap_err();
        assert!(e.starts_with("deploy: "), "{e}");
        assert!(e.contains(want), "expected {want:?} in {e}");
    }
    assert_eq!(s.simulation().deployments().count(), 0);
}
