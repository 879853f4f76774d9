//! `microsim serve`'s WebSocket `/ws`: native runs streamed, commands, caps
//! and clients that misbehave, against the real binary on a free port.

#[path = "common/server.rs"]
mod server;

use std::net::TcpStream;
use std::time::{Duration, Instant};

use serde_json::json;
use server::*;
use tungstenite::Message;

#[test]
fn websocket_streams_a_native_run_and_takes_faults() {
    let web = web_dir();
    let s = serve(web.path(), &[]);
    let mut ws = connect(s.port);
    let topo = start_netflixoss(&mut ws);
    assert_eq!(topo["topology"]["arch"], "netflixoss");
    assert!(topo["topology"]["instances"].as_array().unwrap().len() > 50);

    let first = next_of(&mut ws, "snapshot", 5);
    assert_eq!(
        first["snapshot"]["t_ms"], 0.0,
        "a snapshot right after the topology"
    );
    let a = next_of(&mut ws, "snapshot", 5);
    let b = next_of(&mut ws, "snapshot", 5);
    let (ta, tb) = (
        a["snapshot"]["t_ms"].as_f64().unwrap(),
        b["snapshot"]["t_ms"].as_f64().unwrap(),
    );
    assert!(tb > ta && ta > 0.0, "{ta} then {tb}");
    let before = b["snapshot"]["summary"]["end_to_end"]["failed"]
        .as_u64()
        .unwrap();

    send(&mut ws, json!({"type":"speed","x":10}));
    send(
        &mut ws,
        json!({"type":"fault","fault":{"zone_outage":{"region":"us-east-1","zone":"zoneA"},"for":"20s"}}),
    );
    let deadline = Instant::now() + Duration::from_secs(60);
    let mut failed = before;
    while failed <= before {
        assert!(
            Instant::now() < deadline,
            "no failures after the zone outage"
        );
        let v = next(&mut ws);
        assert_ne!(v["type"], "error", "{v}");
        if v["type"] == "snapshot" {
            failed = v["snapshot"]["summary"]["end_to_end"]["failed"]
                .as_u64()
                .unwrap();
        }
    }
    assert!(failed > 0);

    // Bad messages get an error frame that says what is wrong (the words
    // sim-core's live session uses in the browser too), and the connection
    // stays open.
    for (bad, says) in [
        (json!({"type":"explode"}), "unknown variant `explode`"),
        (json!({"type":"speed","x":0}), "speed x is 0"),
        (
            json!({"type":"kill","instance":99_999_999}),
            "there is no instance 99999999: ids run from 0 to",
        ),
        (json!({"type":"heal","extra":true}), "unknown field `extra`"),
        (
            json!({"type":"fault","fault":{"zone_outage":{"region":"mars-1","zone":"zoneA"}}}),
            "fault: at zone_outage.region: \"mars-1\" is not a region",
        ),
    ] {
        send(&mut ws, bad.clone());
        let e = next_of(&mut ws, "error", 20);
        let m = e["message"].as_str().unwrap();
        assert!(m.contains(says), "{bad} gave {m}");
    }
    ws.send(Message::text("not json at all")).unwrap();
    let e = next_of(&mut ws, "error", 20);
    assert!(e["message"].as_str().unwrap().contains("not JSON"), "{e}");
    send(&mut ws, json!({"type":"kill","instance":0,"hang":true}));
    send(&mut ws, json!({"type":"heal"}));
    let after = next_of(&mut ws, "snapshot", 20);
    assert!(after["snapshot"]["t_ms"].as_f64().unwrap() > tb);
}

#[test]
fn pause_holds_virtual_time_and_changes_show_at_once() {
    let web = web_dir();
    let s = serve(web.path(), &[]);
    let mut ws = connect(s.port);
    start_netflixoss(&mut ws);
    next_of(&mut ws, "snapshot", 5);
    next_of(&mut ws, "snapshot", 5);
    send(&mut ws, json!({"type":"pause"}));
    let paused = next_of(&mut ws, "snapshot", 5);
    let t = paused["snapshot"]["t_ms"].as_f64().unwrap();
    // Nothing moves while paused, however long the wall clock runs: a kill
    // a while later shows at once, at the same virtual time.
    std::thread::sleep(Duration::from_millis(300));
    send(&mut ws, json!({"type":"kill","instance":0}));
    let killed = next_of(&mut ws, "snapshot", 5);
    assert_eq!(killed["snapshot"]["t_ms"].as_f64().unwrap(), t);
    assert_eq!(killed["snapshot"]["state"][0], 1, "instance 0 is down");
    // A step moves exactly its virtual time, paused or not.
    send(&mut ws, json!({"type":"step","ms":500}));
    let stepped = next_of(&mut ws, "snapshot", 5);
    // t_ms is rounded to the microsecond, so compare whole microseconds:
    // t + 500.0 in floating point can differ from it in the last bit.
    let us = |ms: f64| (ms * 1000.0).round() as i64;
    assert_eq!(
        us(stepped["snapshot"]["t_ms"].as_f64().unwrap()),
        us(t) + 500_000
    );
    send(&mut ws, json!({"type":"play"}));
    let later = next_of(&mut ws, "snapshot", 5);
    assert!(later["snapshot"]["t_ms"].as_f64().unwrap() > t + 500.0);
}

#[test]
fn start_refuses_paths_bad_numbers_and_huge_runs() {
    let web = web_dir();
    let s = serve(web.path(), &[]);
    let mut ws = connect(s.port);
    send(&mut ws, json!({"type":"heal"}));
    assert_eq!(next(&mut ws)["type"], "error", "no run yet");
    for (bad, says) in [
        (
            json!({"type":"start","arch":"../Cargo"}),
            "there is no architecture \"../Cargo\"",
        ),
        (
            json!({"type":"start","arch":"/etc/passwd"}),
            "there is no architecture",
        ),
        (
            json!({"type":"start","arch":"netflixoss","scenario":"../netflixoss"}),
            "there is no scenario",
        ),
        (
            json!({"type":"start","arch":"netflixoss","options":{"seed":1.5}}),
            "bad start message",
        ),
        (
            json!({"type":"start","arch":"netflixoss","options":{"scale":0}}),
            "at scale: scale 0% is out of range",
        ),
        (
            json!({"type":"start","arch":"netflixoss","options":{"regions":101}}),
            "at regions",
        ),
        (
            json!({"type":"start","arch":"netflixoss","options":{"scale":1e6,"regions":100}}),
            "more than",
        ),
        (
            json!({"type":"start","arch":"netflixoss","seed":1}),
            "unknown field `seed`",
        ),
    ] {
        send(&mut ws, bad.clone());
        let v = next(&mut ws);
        assert_eq!(v["type"], "error", "{bad} gave {v}");
        let m = v["message"].as_str().unwrap();
        assert!(m.contains(says), "{bad} gave {m}");
    }
    let big = Message::text(format!(
        r#"{{"type":"heal","pad":"{}"}}"#,
        "x".repeat(100_000)
    ));
    ws.send(big).unwrap();
    let e = next(&mut ws);
    assert!(
        e["message"]
            .as_str()
            .unwrap()
            .contains("larger than the 65536 allowed"),
        "{e}"
    );
    // Still open: a good start works, with a scenario by name.
    send(
        &mut ws,
        json!({"type":"start","arch":"netflixoss","scenario":"zone-outage","options":{"seed":7,"scale":50,"regions":2}}),
    );
    let topo = next(&mut ws);
    assert_eq!(topo["type"], "topology", "{topo}");
    assert_eq!(topo["topology"]["regions"].as_array().unwrap().len(), 2);
}

#[test]
fn survives_a_client_that_vanishes_mid_stream() {
    let web = web_dir();
    let s = serve(web.path(), &[]);
    // More vanished clients than the server runs simulations at once: each
    // run must stop and give its place back when its client is gone.
    for _ in 0..10 {
        let mut ws = connect(s.port);
        start_netflixoss(&mut ws);
        send(&mut ws, json!({"type":"speed","x":100}));
        next_of(&mut ws, "snapshot", 5);
        // Gone without a close frame.
        drop(ws);
    }
    assert_eq!(get(s.port, "/").0, 200);
    let mut ws = connect(s.port);
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        send(&mut ws, json!({"type":"start","arch":"netflixoss"}));
        let v = next(&mut ws);
        if v["type"] == "topology" {
            break;
        }
        assert!(Instant::now() < deadline, "runs never stopped: {v}");
        std::thread::sleep(Duration::from_millis(100));
    }
    next_of(&mut ws, "snapshot", 5);
    ws.close(None).unwrap();
}

/// ws.rs's MAX_RUNS: simulations running at once on one server.
const MAX_RUNS: usize = 8;
/// ws.rs's MAX_CONNECTIONS: WebSocket connections open at once.
const MAX_CONNECTIONS: usize = 32;

/// Starts netflixoss on `ws` until it runs (places come back when the
/// server sees a client gone, which it may not have yet).
fn start_when_a_place_is_free(ws: &mut Ws) {
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        send(ws, json!({"type":"start","arch":"netflixoss"}));
        let v = next(ws);
        if v["type"] == "topology" {
            return;
        }
        assert!(Instant::now() < deadline, "no place came back: {v}");
        std::thread::sleep(Duration::from_millis(100));
    }
}

#[test]
fn one_connection_holds_one_run_however_often_it_starts() {
    let web = web_dir();
    let s = serve(web.path(), &[]);
    let mut a = connect(s.port);
    // More starts than the server has places, back to back, each a run that
    // takes a while to build: each replaces the one before, and its thread
    // must have ended (and given its place back) before the next takes one.
    // Otherwise the builds pile up and a start is refused for want of places.
    for seed in 0..MAX_RUNS + 2 {
        send(
            &mut a,
            json!({"type":"start","arch":"netflixoss","options":{"seed":seed,"scale":100_000}}),
        );
    }
    a.send(Message::text("the last message")).unwrap();
    loop {
        let v = next(&mut a);
        if v["type"] == "error" {
            let m = v["message"].as_str().unwrap();
            assert!(m.contains("not JSON"), "a start was refused: {m}");
            break;
        }
    }
    // `a` holds exactly one place: MAX_RUNS - 1 other connections get one
    // each, and the next gets none.
    let mut others: Vec<Ws> = (1..MAX_RUNS)
        .map(|_| {
            let mut ws = connect(s.port);
            start_netflixoss(&mut ws);
            ws
        })
        .collect();
    let mut last = connect(s.port);
    send(&mut last, json!({"type":"start","arch":"netflixoss"}));
    let v = next(&mut last);
    let m = v["message"].as_str().unwrap_or_default();
    assert!(
        m.contains(&format!("{MAX_RUNS} simulations are running")),
        "{v}"
    );
    // One goes away, and its place comes back.
    drop(others.pop());
    start_when_a_place_is_free(&mut last);
}

#[test]
fn refuses_websockets_past_the_cap_with_a_reason() {
    let web = web_dir();
    let s = serve(web.path(), &[]);
    let mut open: Vec<Ws> = (0..MAX_CONNECTIONS).map(|_| connect(s.port)).collect();
    let (status, text) = answer(s.port, &upgrade_request(&format!("127.0.0.1:{}", s.port)));
    assert_eq!(status, 503, "{text}");
    assert!(text.contains("live connections are open"), "{text}");
    // Plain HTTP still answers, and a place comes back when a client goes.
    assert_eq!(get(s.port, "/").0, 200);
    drop(open.pop());
    let deadline = Instant::now() + Duration::from_secs(60);
    while status_of(s.port, &upgrade_request(&format!("127.0.0.1:{}", s.port))) != 101 {
        assert!(Instant::now() < deadline, "the place never came back");
        std::thread::sleep(Duration::from_millis(100));
    }
}

#[test]
fn refuses_websockets_from_other_origins() {
    let web = web_dir();
    let s = serve(web.path(), &[]);
    let stream = TcpStream::connect(("127.0.0.1", s.port)).unwrap();
    let mut req = tungstenite::client::IntoClientRequest::into_client_request(format!(
        "ws://127.0.0.1:{}/ws",
        s.port
    ))
    .unwrap();
    req.headers_mut()
        .insert("Origin", "https://evil.example".parse().unwrap());
    assert!(tungstenite::client(req, stream).is_err());
}
