//! A `microsim serve` on a free port and the HTTP and WebSocket exchanges
//! the server tests make with it (`serve.rs`, `serve_ws.rs`, `one_binary.rs`);
//! each uses a part.
#![allow(dead_code)]

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use serde_json::{json, Value};
use tungstenite::{Message, WebSocket};

pub const BIN: &str = env!("CARGO_BIN_EXE_microsim");

/// A running `microsim serve`, killed when dropped.
pub struct Server {
    pub child: Child,
    /// What it printed: `listening on http://HOST:PORT`.
    pub line: String,
    pub port: u16,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A temporary viewer directory with an index.html.
pub fn web_dir() -> tempfile::TempDir {
    let d = tempfile::tempdir().unwrap();
    std::fs::write(
        d.path().join("index.html"),
        "<!doctype html><title>viewer</title>",
    )
    .unwrap();
    d
}

/// `microsim serve` with `extra` arguments and the viewer directory `web`.
pub fn serve(web: &Path, extra: &[&str]) -> Server {
    let mut cmd = Command::new(BIN);
    cmd.arg("serve")
        .args(extra)
        .args(["--port", "0", "--web"])
        .arg(web);
    start(cmd)
}

/// Starts a `microsim serve` command (with `--port 0`) and reads its port.
pub fn start(mut cmd: Command) -> Server {
    let mut child = cmd
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
pub fn exchange(port: u16, request: &str) -> (u16, String) {
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
pub fn get(port: u16, path: &str) -> (u16, String) {
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
pub fn upgrade_request(host: &str) -> String {
    format!(
        "GET /ws HTTP/1.1\r\nHost: {host}\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n\
         Sec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n"
    )
}

/// The status and body of the answer to `request`, read by its head and
/// Content-Length (the connection may stay open, e.g. after a 101).
pub fn answer(port: u16, request: &str) -> (u16, String) {
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

pub fn status_of(port: u16, request: &str) -> u16 {
    answer(port, request).0
}

pub fn get_json(port: u16, path: &str) -> Value {
    let (status, body) = get(port, path);
    assert_eq!(status, 200, "{path}: {body}");
    serde_json::from_str(&body).unwrap_or_else(|e| panic!("{path}: {e}: {body}"))
}

pub type Ws = WebSocket<TcpStream>;

pub fn connect(port: u16) -> Ws {
    let stream = TcpStream::connect(("127.0.0.1", port)).unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(30)))
        .unwrap();
    let (ws, _) = tungstenite::client(format!("ws://127.0.0.1:{port}/ws"), stream)
        .expect("WebSocket handshake");
    ws
}

#[allow(clippy::needless_pass_by_value)] // json!(...) at every call site
pub fn send(ws: &mut Ws, v: Value) {
    ws.send(Message::text(v.to_string())).unwrap();
}

/// The next JSON text frame.
pub fn next(ws: &mut Ws) -> Value {
    loop {
        match ws.read().expect("a frame") {
            Message::Text(t) => return serde_json::from_str(t.as_str()).unwrap(),
            Message::Ping(_) | Message::Pong(_) => {}
            other => panic!("unexpected frame {other:?}"),
        }
    }
}

/// The next frame of `kind`, skipping others (at most `limit`).
pub fn next_of(ws: &mut Ws, kind: &str, limit: usize) -> Value {
    for _ in 0..limit {
        let v = next(ws);
        if v["type"] == kind {
            return v;
        }
    }
    panic!("no {kind} frame within {limit} frames");
}

/// A small valid architecture.
pub const TINY_SHOP: &str = r#"{"arch":"tiny","services":[
        {"name":"db","package":"store","count":2},
        {"name":"web","package":"karyon","count":2,"dependencies":["db"]}]}"#;

pub fn start_netflixoss(ws: &mut Ws) -> Value {
    send(
        ws,
        json!({"type":"start","arch":"netflixoss","scenario":null,"options":{"seed":1,"scale":100,"regions":1}}),
    );
    let topo = next(ws);
    assert_eq!(topo["type"], "topology", "{topo}");
    topo
}
