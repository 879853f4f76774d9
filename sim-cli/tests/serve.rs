//! `microsim serve`: static files, the architecture routes, and the live
//! WebSocket protocol, against the real binary on a free port.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::{json, Value};
use tungstenite::{Message, WebSocket};

const BIN: &str = env!("CARGO_BIN_EXE_microsim");

/// A running `microsim serve`, killed when dropped.
struct Server {
    child: Child,
    /// What it printed: `listening on http://HOST:PORT`.
    line: String,
    port: u16,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A temporary viewer directory with an index.html.
fn web_dir() -> tempfile::TempDir {
    let d = tempfile::tempdir().unwrap();
    std::fs::write(
        d.path().join("index.html"),
        "<!doctype html><title>viewer</title>",
    )
    .unwrap();
    d
}

fn serve(web: &Path, extra: &[&str]) -> Server {
    let mut child = Command::new(BIN)
        .arg("serve")
        .args(extra)
        .args(["--port", "0", "--web"])
        .arg(web)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("microsim starts");
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    let line = line.trim_end().to_string();
    let port = line
        .strip_prefix("listening on http://")
        .and_then(|a| a.rsplit(':').next())
        .and_then(|p| p.parse().ok());
    let Some(port) = port else {
        let _ = child.kill();
        panic!("unexpected first line {line:?}");
    };
    Server { child, line, port }
}

/// Sends `request` as it is and returns the status and the whole answer
/// (head and body), read until the server closes the connection.
fn exchange(port: u16, request: &str) -> (u16, String) {
    let mut s = TcpStream::connect(("127.0.0.1", port)).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(20))).unwrap();
    s.write_all(request.as_bytes()).unwrap();
    let mut raw = Vec::new();
    s.read_to_end(&mut raw).unwrap();
    let text = String::from_utf8_lossy(&raw).into_owned();
    let status = text
        .split(' ')
        .nth(1)
        .and_then(|c| c.parse().ok())
        .unwrap_or_else(|| panic!("no status line in {text:?}"));
    (status, text)
}

/// A raw HTTP/1.1 GET, so that the path reaches the server exactly as written.
fn get(port: u16, path: &str) -> (u16, String) {
    let (status, text) = exchange(
        port,
        &format!("GET {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nConnection: close\r\n\r\n"),
    );
    let body = text
        .split_once("\r\n\r\n")
        .map(|(_, b)| b.to_string())
        .unwrap_or_default();
    (status, body)
}

/// The WebSocket handshake's request for `/ws`, with `host` in Host.
fn upgrade_request(host: &str) -> String {
    format!(
        "GET /ws HTTP/1.1\r\nHost: {host}\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n\
         Sec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n"
    )
}

/// The status and body of the answer to `request`, read by its head and
/// Content-Length (the connection may stay open, e.g. after a 101).
fn answer(port: u16, request: &str) -> (u16, String) {
    let mut s = TcpStream::connect(("127.0.0.1", port)).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(20))).unwrap();
    s.write_all(request.as_bytes()).unwrap();
    let mut r = BufReader::new(s);
    let mut head = Vec::new();
    loop {
        let mut line = String::new();
        r.read_line(&mut line).unwrap();
        if line.trim_end().is_empty() {
            break;
        }
        head.push(line.trim_end().to_string());
    }
    let status = head
        .first()
        .and_then(|l| l.split(' ').nth(1))
        .and_then(|c| c.parse().ok())
        .unwrap_or_else(|| panic!("no status line in {head:?}"));
    let length = head
        .iter()
        .find_map(|l| {
            let (name, value) = l.split_once(':')?;
            name.eq_ignore_ascii_case("content-length")
                .then(|| value.trim().parse().ok())?
        })
        .unwrap_or(0);
    let mut body = vec![0; length];
    r.read_exact(&mut body).unwrap();
    (status, String::from_utf8_lossy(&body).into_owned())
}

fn status_of(port: u16, request: &str) -> u16 {
    answer(port, request).0
}

fn get_json(port: u16, path: &str) -> Value {
    let (status, body) = get(port, path);
    assert_eq!(status, 200, "{path}: {body}");
    serde_json::from_str(&body).unwrap_or_else(|e| panic!("{path}: {e}: {body}"))
}

type Ws = WebSocket<TcpStream>;

fn connect(port: u16) -> Ws {
    let stream = TcpStream::connect(("127.0.0.1", port)).unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(30)))
        .unwrap();
    let (ws, _) = tungstenite::client(format!("ws://127.0.0.1:{port}/ws"), stream)
        .expect("WebSocket handshake");
    ws
}

#[allow(clippy::needless_pass_by_value)] // json!(...) at every call site
fn send(ws: &mut Ws, v: Value) {
    ws.send(Message::text(v.to_string())).unwrap();
}

/// The next JSON text frame.
fn next(ws: &mut Ws) -> Value {
    loop {
        match ws.read().expect("a frame") {
            Message::Text(t) => return serde_json::from_str(t.as_str()).unwrap(),
            Message::Ping(_) | Message::Pong(_) => {}
            other => panic!("unexpected frame {other:?}"),
        }
    }
}

/// The next frame of `kind`, skipping others (at most `limit`).
fn next_of(ws: &mut Ws, kind: &str, limit: usize) -> Value {
    for _ in 0..limit {
        let v = next(ws);
        if v["type"] == kind {
            return v;
        }
    }
    panic!("no {kind} frame within {limit} frames");
}

/// A small valid architecture.
const TINY_SHOP: &str = r#"{"arch":"tiny","services":[
        {"name":"db","package":"store","count":2},
        {"name":"web","package":"karyon","count":2,"dependencies":["db"]}]}"#;

fn start_netflixoss(ws: &mut Ws) -> Value {
    send(
        ws,
        json!({"type":"start","arch":"netflixoss","scenario":null,"options":{"seed":1,"scale":100,"regions":1}}),
    );
    let topo = next(ws);
    assert_eq!(topo["type"], "topology", "{topo}");
    topo
}

#[test]
fn serves_the_viewer_and_refuses_traversal() {
    // root/Cargo.toml sits right outside the viewer directory root/web.
    let root = tempfile::tempdir().unwrap();
    std::fs::write(
        root.path().join("Cargo.toml"),
        "[package]\nname = \"secret\"\n",
    )
    .unwrap();
    let web = root.path().join("web");
    std::fs::create_dir(&web).unwrap();
    std::fs::write(
        web.join("index.html"),
        "<!doctype html><title>viewer</title>",
    )
    .unwrap();
    let s = serve(&web, &[]);
    let (status, body) = get(s.port, "/");
    assert_eq!(status, 200);
    assert!(body.contains("<title>viewer</title>"), "{body}");
    let (status, body) = get(s.port, "/index.html");
    assert_eq!((status, body.contains("viewer")), (200, true));
    for path in [
        "/../Cargo.toml",
        "/%2e%2e/Cargo.toml",
        "/..%2fCargo.toml",
        "/%2e%2e%2fCargo.toml",
        "/../../../../../../etc/passwd",
        "/..%5cCargo.toml",
        "/architectures/..%2f..%2fCargo.toml",
        "/architectures/scenarios/..%2fnetflixoss.json",
        "/architectures/%2e%2e.json",
    ] {
        let (status, body) = get(s.port, path);
        assert_ne!(status, 200, "{path} answered {body}");
        assert!(
            !body.contains("[package]") && !body.contains("[workspace]") && !body.contains("root:"),
            "{path} leaked {body}"
        );
    }
    let (status, _) = get(s.port, "/no-such-file.js");
    assert_eq!(status, 404);
}

#[test]
fn binds_localhost_by_default_and_another_host_when_told() {
    let web = web_dir();
    let s = serve(web.path(), &[]);
    assert!(
        s.line.starts_with("listening on http://127.0.0.1:") && s.port != 0,
        "{}",
        s.line
    );
    let any = serve(web.path(), &["--host", "0.0.0.0"]);
    assert!(
        any.line.starts_with("listening on http://0.0.0.0:"),
        "{}",
        any.line
    );
    assert_eq!(get(any.port, "/").0, 200);
}

#[test]
fn lists_and_serves_architectures_and_config() {
    let web = web_dir();
    let s = serve(web.path(), &[]);
    let index = get_json(s.port, "/architectures/index.json");
    let archs: Vec<&str> = index["architectures"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap())
        .collect();
    assert!(archs.contains(&"netflixoss"), "{index}");
    assert!(archs.windows(2).all(|w| w[0] < w[1]), "sorted: {index}");
    assert!(!archs.contains(&"index"));
    assert!(index["scenarios"]
        .as_array()
        .unwrap()
        .contains(&json!("zone-outage")));
    let arch = get_json(s.port, "/architectures/netflixoss.json");
    assert!(arch["services"].is_array());
    let sc = get_json(s.port, "/architectures/scenarios/zone-outage.json");
    assert!(sc["faults"].is_array());
    assert_eq!(get(s.port, "/architectures/nope.json").0, 404);
    assert_eq!(
        get_json(s.port, "/config.json"),
        json!({"default_arch": "netflixoss", "native": true})
    );
}

#[test]
fn a_file_given_is_the_default_and_served_by_its_stem() {
    let web = web_dir();
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("tiny_shop.json");
    let text = TINY_SHOP;
    std::fs::write(&file, text).unwrap();
    let s = serve(web.path(), &[file.to_str().unwrap()]);
    assert_eq!(
        get_json(s.port, "/config.json"),
        json!({"default_arch": "tiny_shop", "native": true})
    );
    assert_eq!(get(s.port, "/architectures/tiny_shop.json").1, text);
    let index = get_json(s.port, "/architectures/index.json");
    assert!(index["architectures"]
        .as_array()
        .unwrap()
        .contains(&json!("tiny_shop")));
    let mut ws = connect(s.port);
    send(&mut ws, json!({"type":"start","arch":"tiny_shop"}));
    let topo = next(&mut ws);
    assert_eq!(topo["topology"]["arch"], "tiny", "{topo}");
}

#[test]
fn serves_a_run_directory_at_out() {
    let web = web_dir();
    let out = tempfile::tempdir().unwrap();
    std::fs::write(out.path().join("report.html"), "<p>the report</p>").unwrap();
    let s = serve(web.path(), &["--out-dir", out.path().to_str().unwrap()]);
    let (status, body) = get(s.port, "/out/report.html");
    assert_eq!((status, body.as_str()), (200, "<p>the report</p>"));
    assert_eq!(get(s.port, "/out").0, 308, "/out redirects to /out/");
    std::fs::write(out.path().join("index.html"), "run index").unwrap();
    assert_eq!(get(s.port, "/out/"), (200, "run index".to_string()));
    assert_ne!(get(s.port, "/out/../index.html").0, 200);
    let (status, body) = get(s.port, "/out/%2e%2e/index.html");
    assert!(status != 200 || !body.contains("viewer"), "{body}");
    assert_eq!(get(s.port, "/out/report.html/").0, 404);
}

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

#[test]
fn closes_connections_that_never_finish_their_headers() {
    let web = web_dir();
    let s = serve(web.path(), &[]);
    let open = |bytes: &str| {
        let mut c = TcpStream::connect(("127.0.0.1", s.port)).unwrap();
        c.write_all(bytes.as_bytes()).unwrap();
        c
    };
    // A WebSocket is past its headers: it stays open however long it idles.
    let mut ws = connect(s.port);
    // Nothing at all, half a request line, and headers without their end.
    let stalled = [
        open(""),
        open("GET /index.ht"),
        open(&format!("GET / HTTP/1.1\r\nHost: 127.0.0.1:{}\r\n", s.port)),
    ];
    // The server closes each after its header timeout (10 s); the test
    // waits far longer than that before it calls a connection kept open.
    for mut c in stalled {
        c.set_read_timeout(Some(Duration::from_secs(120))).unwrap();
        let mut rest = Vec::new();
        match c.read_to_end(&mut rest) {
            Ok(_) => {}
            Err(e) if e.kind() == std::io::ErrorKind::ConnectionReset => {}
            Err(e) => panic!("the server kept a stalled connection open: {e}"),
        }
    }
    assert_eq!(get(s.port, "/").0, 200, "and it still serves");
    start_netflixoss(&mut ws);
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

#[test]
fn answers_only_requests_that_name_this_server() {
    // A page of another site whose name resolves to 127.0.0.1 (DNS
    // rebinding) sends its own name in Host: nothing may answer it, not the
    // viewer, the routes, --out-dir, nor the WebSocket.
    let web = web_dir();
    let out = tempfile::tempdir().unwrap();
    std::fs::write(out.path().join("report.html"), "<p>the report</p>").unwrap();
    let s = serve(
        web.path(),
        &[
            "--out-dir",
            out.path().to_str().unwrap(),
            "--allow-host",
            "sim.example.org",
        ],
    );
    let port = s.port;
    let foreign = [
        "evil.example".to_string(),
        format!("evil.example:{port}"),
        format!("localhost.evil.example:{port}"),
        format!("127.0.0.1:{}", port.wrapping_add(1)),
        format!("user@127.0.0.1:{port}"),
    ];
    for path in [
        "/",
        "/index.html",
        "/config.json",
        "/architectures/index.json",
        "/architectures/netflixoss.json",
        "/out/report.html",
        "/no-such-file.js",
    ] {
        for host in &foreign {
            let (status, text) = exchange(
                port,
                &format!("GET {path} HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n"),
            );
            assert_eq!(status, 421, "{path} for {host}: {text}");
            assert!(text.contains("--allow-host"), "says what to do: {text}");
        }
    }
    for host in &foreign {
        assert_eq!(
            status_of(port, &upgrade_request(host)),
            421,
            "/ws for {host}"
        );
    }
    // A foreign name in the request line counts too, and a Host is needed.
    let absolute = format!(
        "GET http://evil.example/ HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nConnection: close\r\n\r\n"
    );
    assert_eq!(exchange(port, &absolute).0, 421);
    let (status, text) = exchange(port, "GET / HTTP/1.1\r\nConnection: close\r\n\r\n");
    assert_eq!(status, 400, "{text}");
    let (status, text) = exchange(
        port,
        &format!("GET / HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nHost: evil.example\r\nConnection: close\r\n\r\n"),
    );
    assert_eq!(status, 400, "{text}");

    // Its own names answer, and so does the one allowed.
    for host in [
        format!("127.0.0.1:{port}"),
        format!("localhost:{port}"),
        format!("LOCALHOST:{port}"),
        "sim.example.org".to_string(),
        "sim.example.org:443".to_string(),
    ] {
        let (status, text) = exchange(
            port,
            &format!("GET /out/report.html HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n"),
        );
        assert_eq!(status, 200, "{host}: {text}");
        assert_eq!(
            status_of(port, &upgrade_request(&host)),
            101,
            "/ws for {host}"
        );
    }

    let bad = Command::new(BIN)
        .args(["serve", "--port", "0", "--allow-host", "a b", "--web"])
        .arg(web.path())
        .output()
        .unwrap();
    assert_eq!(bad.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&bad.stderr).contains("--allow-host"));
}

/// The Location header of a raw answer, if any.
fn location(text: &str) -> Option<String> {
    text.split("\r\n\r\n").next()?.lines().find_map(|l| {
        let (name, value) = l.split_once(':')?;
        name.eq_ignore_ascii_case("location")
            .then(|| value.trim().to_string())
    })
}

#[cfg(unix)]
#[test]
fn serves_no_symlink_or_dotfile_from_any_folder() {
    use std::os::unix::fs::symlink;
    // root/secret.txt and root/elsewhere/ lie outside every served folder;
    // each folder holds symlinks to them, a symlinked directory, and dotfiles.
    let root = tempfile::tempdir().unwrap();
    let r = root.path();
    std::fs::write(r.join("secret.txt"), "the secret").unwrap();
    std::fs::create_dir(r.join("elsewhere")).unwrap();
    std::fs::write(r.join("elsewhere/secret.txt"), "the secret").unwrap();
    std::fs::write(r.join("elsewhere/index.html"), "the secret").unwrap();
    let web = r.join("web");
    let out = r.join("out");
    let archs = r.join("archs");
    for d in [&web, &out, &archs] {
        std::fs::create_dir_all(d.join("sub")).unwrap();
        std::fs::write(d.join("index.html"), "<title>viewer</title>").unwrap();
        std::fs::write(d.join("sub/ok.txt"), "fine").unwrap();
        symlink(r.join("secret.txt"), d.join("secret.txt")).unwrap();
        symlink("/etc/passwd", d.join("passwd")).unwrap();
        symlink(r.join("elsewhere"), d.join("far")).unwrap();
        std::fs::write(d.join(".env"), "the secret").unwrap();
        std::fs::create_dir(d.join(".git")).unwrap();
        std::fs::write(d.join(".git/config"), "the secret").unwrap();
    }
    let arch = TINY_SHOP;
    std::fs::write(archs.join("mine.json"), arch).unwrap();
    std::fs::write(r.join("outside.json"), arch).unwrap();
    symlink(r.join("outside.json"), archs.join("linked.json")).unwrap();
    std::fs::write(archs.join(".hidden.json"), arch).unwrap();
    std::fs::write(r.join("elsewhere/far.json"), r#"{"faults":[]}"#).unwrap();
    symlink(r.join("elsewhere"), archs.join("scenarios")).unwrap();

    let s = serve(
        &web,
        &[
            "--out-dir",
            out.to_str().unwrap(),
            "--architectures",
            archs.to_str().unwrap(),
        ],
    );
    for prefix in ["", "/out"] {
        assert_eq!(
            get(s.port, &format!("{prefix}/sub/ok.txt")),
            (200, "fine".to_string())
        );
        for path in [
            "/secret.txt",
            "/passwd",
            "/far/secret.txt",
            "/far/",
            "/far",
            "/.env",
            "/%2eenv",
            "/.git/config",
            "/.git/",
        ] {
            let (status, body) = get(s.port, &format!("{prefix}{path}"));
            assert_eq!(status, 404, "{prefix}{path} answered {body}");
            assert!(
                !body.contains("secret") && !body.contains("root:"),
                "{body}"
            );
        }
    }
    // The architectures folder: by name, and never through a symlink.
    assert_eq!(get(s.port, "/architectures/mine.json").0, 200);
    for path in [
        "/architectures/linked.json",
        "/architectures/.hidden.json",
        "/architectures/scenarios/far.json",
    ] {
        assert_eq!(get(s.port, path).0, 404, "{path}");
    }
    let index = get_json(s.port, "/architectures/index.json").to_string();
    assert!(
        index.contains("\"mine\"") && !index.contains("linked") && !index.contains("far"),
        "{index}"
    );
    let mut ws = connect(s.port);
    send(&mut ws, json!({"type":"start","arch":"linked"}));
    assert_eq!(
        next(&mut ws)["type"],
        "error",
        "a symlinked architecture runs"
    );
    send(
        &mut ws,
        json!({"type":"start","arch":"mine","scenario":"far"}),
    );
    assert_eq!(
        next(&mut ws)["type"],
        "error",
        "a scenario through a symlink runs"
    );
}

#[test]
fn redirects_stay_on_this_server() {
    let web = web_dir();
    std::fs::create_dir(web.path().join("js")).unwrap();
    std::fs::write(web.path().join("js/index.html"), "js").unwrap();
    let out = tempfile::tempdir().unwrap();
    std::fs::create_dir(out.path().join("sub")).unwrap();
    std::fs::write(out.path().join("sub/index.html"), "sub").unwrap();
    let s = serve(web.path(), &["--out-dir", out.path().to_str().unwrap()]);
    let port = s.port;
    let fetch = |path: &str| {
        exchange(
            port,
            &format!("GET {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nConnection: close\r\n\r\n"),
        )
    };
    // Empty segments would make a Location that names another site (//js/).
    for path in [
        "//js",
        "//js/",
        "///js",
        "/out//sub",
        "//out/sub",
        "/js//",
        "/%2f/js",
        "/\\js",
    ] {
        let (status, text) = fetch(path);
        let to = location(&text).unwrap_or_default();
        assert!(
            !to.starts_with("//") && !to.starts_with("/\\") && !to.contains("://"),
            "{path} redirects to {to}: {text}"
        );
        assert!(status == 404 || status == 400, "{path}: {text}");
    }
    // A directory without its slash redirects to itself with one, under its mount.
    for (path, to) in [
        ("/js", "/js/"),
        ("/out", "/out/"),
        ("/out/sub", "/out/sub/"),
    ] {
        let (status, text) = fetch(path);
        assert!((300..400).contains(&status), "{path}: {text}");
        assert_eq!(location(&text).as_deref(), Some(to), "{path}: {text}");
    }
    assert_eq!(get(port, "/out/sub/"), (200, "sub".to_string()));
}

#[test]
fn bad_file_or_missing_viewer_exits_2() {
    let web = web_dir();
    let out = Command::new(BIN)
        .args(["serve", "no-such-architecture", "--port", "0", "--web"])
        .arg(web.path())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("no-such-architecture"), "{err}");
    assert!(out.stdout.is_empty(), "nothing listened");

    let empty = tempfile::tempdir().unwrap();
    let out = Command::new(BIN)
        .args(["serve", "--port", "0", "--web"])
        .arg(empty.path())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("scripts/build-web.sh"), "{err}");
}
