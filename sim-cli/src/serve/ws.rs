//! `/ws`: a native simulation streamed to the page as JSON text frames.
//!
//! Client → server (every message validated; a bad one gets an error frame
//! and the connection stays open):
//! `{"type":"start","arch":NAME,"scenario":NAME|null,"options":{"seed":1,"scale":100,"regions":1}}`
//! (names only, never paths; the options are sim-core's
//! [`StartOptions`](sim_core::live::StartOptions)), then any command of
//! [`sim_core::live::Command`]: `fault`, `kill`, `heal`, `speed`, `pause`,
//! `play`, `step` — the same JSON the browser's wasm `Viewer` takes.
//!
//! Server → client: `{"type":"topology","topology":...}` once per start,
//! `{"type":"snapshot","snapshot":...}` when the session says one is due
//! (about every 200 ms of wall time while playing, and at once after a
//! change), `{"type":"error","message":"..."}`.
//!
//! Each simulation runs on its own thread, so a big run never blocks the
//! server; it stops (and its memory is freed) when the client goes away or
//! starts another. A connection holds at most one simulation: a new start
//! waits until the previous thread has ended and given its place back, so
//! one socket cannot take several of the [`MAX_RUNS`] places. At most
//! [`MAX_CONNECTIONS`] connections are open at once.

use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::mpsc;
use std::sync::Arc;

use axum::extract::ws::{Message, WebSocket, WebSocketUpgrade};
use axum::extract::State;
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use serde_json::json;
use sim_core::live::{Command, StartOptions};
use tokio::sync::{mpsc as tmpsc, oneshot};

use super::run::{build, simulate, Out, Setup};
use super::AppState;

/// Largest client message handled (bytes); larger ones get an error frame.
const MAX_MESSAGE: usize = 64 << 10;
/// Larger than this and the WebSocket layer drops the connection.
const MAX_FRAME: usize = 1 << 20;
/// Simulations running at once, over all connections. Eight of the largest
/// live runs (sim-core's `MAX_INSTANCES`) take about 9 GB, which a 16 GB
/// machine still holds; and a class that shares one server watches a few
/// runs at a time, not dozens.
const MAX_RUNS: usize = 8;
/// WebSocket connections open at once. An open page keeps one (a viewer
/// with the native engine); 32 is more tabs than one person or a small class
/// keeps open, and it bounds the tasks and buffers that clients which never
/// start a run can hold.
const MAX_CONNECTIONS: usize = 32;

/// A message from the page.
enum ClientMsg {
    Start(Start),
    Command(Command),
}

/// `{"type":"start",...}`: what to run, by name.
#[derive(Deserialize, Debug)]
#[serde(deny_unknown_fields)]
struct Start {
    #[allow(dead_code)] // the tag, checked by `parse`
    r#type: String,
    arch: String,
    #[serde(default)]
    scenario: Option<String>,
    #[serde(default)]
    options: StartOptions,
}

pub(super) fn error_frame(message: impl Into<String>) -> String {
    json!({ "type": "error", "message": message.into() }).to_string()
}

/// Refuses cross-site pages: a browser sends Origin, and it must name this
/// server (clients that are not browsers send none).
fn same_origin(headers: &HeaderMap) -> bool {
    let Some(origin) = headers.get(header::ORIGIN) else {
        return true;
    };
    let (Ok(origin), Some(Ok(host))) = (
        origin.to_str(),
        headers.get(header::HOST).map(|h| h.to_str()),
    ) else {
        return false;
    };
    let authority = origin
        .strip_prefix("http://")
        .or_else(|| origin.strip_prefix("https://"))
        .unwrap_or("");
    authority.eq_ignore_ascii_case(host)
}

pub async fn upgrade(
    State(state): State<Arc<AppState>>,
    headers: HeaderMap,
    ws: WebSocketUpgrade,
) -> Response {
    if !same_origin(&headers) {
        return (
            StatusCode::FORBIDDEN,
            "WebSocket from another origin refused\n",
        )
            .into_response();
    }
    let Some(place) = Place::take(&CONNECTIONS, MAX_CONNECTIONS) else {
        return (
            StatusCode::SERVICE_UNAVAILABLE,
            format!("{MAX_CONNECTIONS} live connections are open on this server already; close a tab that shows a live run, then reload\n"),
        )
            .into_response();
    };
    // The place is given back when the session ends, or at once if the
    // upgrade fails (the closure is dropped).
    ws.max_message_size(MAX_FRAME)
        .max_frame_size(MAX_FRAME)
        .on_upgrade(move |socket| async move {
            session(socket, state).await;
            drop(place);
        })
}

/// The simulation currently attached to a connection.
struct Run {
    cmds: mpsc::Sender<Command>,
    stop: Arc<AtomicBool>,
    /// Closed when the thread has ended and given its place back.
    ended: oneshot::Receiver<()>,
}

impl Drop for Run {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
    }
}

/// Simulations running now, over all connections.
static RUNNING: AtomicUsize = AtomicUsize::new(0);
/// WebSocket connections open now.
static CONNECTIONS: AtomicUsize = AtomicUsize::new(0);

/// One of `max` places counted by `count`, given back when dropped.
struct Place(&'static AtomicUsize);

impl Place {
    fn take(count: &'static AtomicUsize, max: usize) -> Option<Place> {
        count
            .fetch_update(Ordering::AcqRel, Ordering::Acquire, |n| {
                (n < max).then_some(n + 1)
            })
            .ok()
            .map(|_| Place(count))
    }
}

impl Drop for Place {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::AcqRel);
    }
}

/// What a simulation thread holds until it ends: one of the [`MAX_RUNS`]
/// places, then (dropped after it) the sender that tells its connection so.
struct Slot {
    _place: Place,
    _ended: oneshot::Sender<()>,
}

/// Stops `run` and waits until its thread has ended, so that its place is
/// free before the connection takes another. Meanwhile the thread's frames
/// are drained (and dropped: they belong to the stopped run), so that it is
/// never stuck sending them; a thread still building its run ends when the
/// build does.
async fn stop_and_wait(mut run: Run, frames: &mut tmpsc::Receiver<(u64, String)>) {
    let mut ended = std::mem::replace(&mut run.ended, oneshot::channel().1);
    // Sets the stop flag, and drops the command sender: a thread waiting for
    // a command wakes at once.
    drop(run);
    loop {
        tokio::select! {
            _ = &mut ended => return,
            frame = frames.recv() => if frame.is_none() { return },
        }
    }
}

/// One connection: forwards frames from its simulation, handles the page's messages.
async fn session(mut socket: WebSocket, state: Arc<AppState>) {
    let (out_tx, mut out_rx) = tmpsc::channel::<(u64, String)>(4);
    let mut run: Option<Run> = None;
    let mut generation = 0u64;
    loop {
        tokio::select! {
            msg = socket.recv() => {
                let text = match msg {
                    Some(Ok(Message::Text(t))) => t,
                    Some(Ok(Message::Binary(_))) => {
                        if send(&mut socket, error_frame("send JSON text frames, not binary")).await.is_err() {
                            break;
                        }
                        continue;
                    }
                    Some(Ok(Message::Ping(_) | Message::Pong(_))) => continue,
                    Some(Ok(Message::Close(_)) | Err(_)) | None => break,
                };
                let reply = match parse(text.as_str()) {
                    Err(e) => Some(e),
                    Ok(ClientMsg::Start(start)) => {
                        match start_setup(&state, start).await {
                            Err(e) => Some(e),
                            Ok(setup) => {
                                if let Some(old) = run.take() {
                                    stop_and_wait(old, &mut out_rx).await;
                                }
                                match Place::take(&RUNNING, MAX_RUNS) {
                                    None => Some(format!("{MAX_RUNS} simulations are running on this server already; try again when one ends")),
                                    Some(place) => {
                                        generation += 1;
                                        run = Some(spawn(setup, generation, place, out_tx.clone()));
                                        None
                                    }
                                }
                            }
                        }
                    }
                    Ok(ClientMsg::Command(cmd)) => match &run {
                        None => Some("no simulation is running: send {\"type\":\"start\",\"arch\":\"netflixoss\"} first".to_string()),
                        Some(r) => r.cmds.send(cmd).err().map(|_| "the simulation has stopped; send start again".to_string()),
                    },
                };
                if let Some(e) = reply {
                    if send(&mut socket, error_frame(e)).await.is_err() {
                        break;
                    }
                }
            }
            Some((g, frame)) = out_rx.recv() => {
                if g == generation && send(&mut socket, frame).await.is_err() {
                    break;
                }
            }
        }
    }
    // Dropping the run and the receiver stops the thread, which frees the simulation.
    drop(run);
}

async fn send(socket: &mut WebSocket, frame: String) -> Result<(), axum::Error> {
    socket.send(Message::Text(frame.into())).await
}

/// Checks a message's size and shape; the start options and the commands
/// are checked by sim-core, exactly as the browser's engine checks them.
fn parse(text: &str) -> Result<ClientMsg, String> {
    if text.len() > MAX_MESSAGE {
        return Err(format!(
            "message of {} bytes is larger than the {MAX_MESSAGE} allowed",
            text.len()
        ));
    }
    let v: serde_json::Value =
        serde_json::from_str(text).map_err(|e| format!("the message is not JSON: {e}."))?;
    if v.get("type").and_then(|t| t.as_str()) != Some("start") {
        return Command::from_value(v).map(ClientMsg::Command);
    }
    let start: Start = serde_json::from_value(v).map_err(|e| {
        format!("bad start message: {e}. Fix: send e.g. {{\"type\":\"start\",\"arch\":\"netflixoss\",\"scenario\":null,\"options\":{{\"seed\":1,\"scale\":100,\"regions\":1}}}}")
    })?;
    start
        .options
        .run_options()
        .and_then(|o| o.validate())
        .map_err(|e| format!("bad start options: {e}"))?;
    Ok(ClientMsg::Start(start))
}

/// Resolves the names of a start message (names only, never paths).
async fn start_setup(state: &AppState, start: Start) -> Result<Setup, String> {
    let arch = start.arch;
    let arch_text = state.library.architecture(&arch).await.ok_or_else(|| {
        format!(
            "there is no architecture \"{arch}\". Fix: use a name listed in /architectures/index.json"
        )
    })?;
    let scenario = match start.scenario {
        None => None,
        Some(name) => {
            let text = state.library.scenario(&name).await.ok_or_else(|| {
                format!("there is no scenario \"{name}\". Fix: use a name listed under \"scenarios\" in /architectures/index.json, or null")
            })?;
            Some((name, text))
        }
    };
    Ok(Setup {
        arch,
        arch_text,
        scenario,
        options: start.options,
    })
}

fn spawn(setup: Setup, generation: u64, place: Place, out: tmpsc::Sender<(u64, String)>) -> Run {
    let (tx, rx) = mpsc::channel();
    let stop = Arc::new(AtomicBool::new(false));
    let flag = stop.clone();
    let (ended_tx, ended) = oneshot::channel();
    let slot = Slot {
        _place: place,
        _ended: ended_tx,
    };
    let spawned = std::thread::Builder::new()
        .name(format!("sim-{}", setup.arch))
        .spawn(move || {
            let _slot = slot;
            let out = Out { generation, out };
            match build(&setup) {
                Err(e) => {
                    out.send(error_frame(e));
                }
                Ok(sim) => simulate(sim, &rx, &out, &flag),
            }
        });
    if let Err(e) = spawned {
        eprintln!("error: cannot start a simulation thread: {e}");
    }
    Run {
        cmds: tx,
        stop,
        ended,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn messages_are_checked() {
        assert!(matches!(
            parse(
                r#"{"type":"start","arch":"netflixoss","scenario":null,"options":{"seed":1,"scale":100,"regions":1}}"#
            ),
            Ok(ClientMsg::Start(_))
        ));
        assert!(matches!(
            parse(r#"{"type":"start","arch":"netflixoss"}"#),
            Ok(ClientMsg::Start(Start { options, .. })) if options == StartOptions::default()
        ));
        assert!(matches!(
            parse(r#"{"type":"heal"}"#),
            Ok(ClientMsg::Command(Command::Heal {}))
        ));
        for (bad, says) in [
            (
                r#"{"type":"start","arch":"x","options":{"seed":1.5}}"#,
                "seed",
            ),
            (
                r#"{"type":"start","arch":"x","options":{"seed":-1}}"#,
                "seed",
            ),
            (
                r#"{"type":"start","arch":"x","options":{"seed":9007199254740992}}"#,
                "at seed",
            ),
            (
                r#"{"type":"start","arch":"x","options":{"scale":0}}"#,
                "at scale",
            ),
            (
                r#"{"type":"start","arch":"x","options":{"regions":0}}"#,
                "at regions",
            ),
            (
                r#"{"type":"start","arch":"x","options":{"regions":101}}"#,
                "at regions",
            ),
            (
                r#"{"type":"start","arch":"x","options":{"duration":"0s"}}"#,
                "at duration",
            ),
            (
                r#"{"type":"start","arch":"x","bogus":1}"#,
                "unknown field `bogus`",
            ),
            (
                r#"{"type":"start","arch":"x","options":{"bogus":1}}"#,
                "unknown field `bogus`",
            ),
            (r#"{"type":"heal","extra":1}"#, "unknown field `extra`"),
            (r#"{"type":"speed","x":0}"#, "speed x is 0"),
            (r#"{"type":"kill","instance":-1}"#, "invalid value"),
            (r#"{"type":"explode"}"#, "unknown variant `explode`"),
            (r"[]", "bad command"),
            ("not json", "not JSON"),
        ] {
            let e = parse(bad)
                .err()
                .unwrap_or_else(|| panic!("{bad} was accepted"));
            assert!(e.contains(says), "{bad}: {e}");
        }
        let e = parse(&format!(
            r#"{{"type":"heal","pad":"{}"}}"#,
            "x".repeat(70_000)
        ))
        .err()
        .unwrap();
        assert!(e.contains("larger than the 65536 allowed"), "{e}");
    }

    #[test]
    fn origin_must_match_host() {
        let mut h = HeaderMap::new();
        assert!(same_origin(&h));
        h.insert(header::HOST, "127.0.0.1:8080".parse().unwrap());
        h.insert(header::ORIGIN, "http://127.0.0.1:8080".parse().unwrap());
        assert!(same_origin(&h));
        h.insert(header::ORIGIN, "https://evil.example".parse().unwrap());
        assert!(!same_origin(&h));
    }
}
