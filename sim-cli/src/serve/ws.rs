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
//! starts another.

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
use tokio::sync::mpsc as tmpsc;

use super::run::{build, simulate, Out, Setup};
use super::AppState;

/// Largest client message handled (bytes); larger ones get an error frame.
const MAX_MESSAGE: usize = 64 << 10;
/// Larger than this and the WebSocket layer drops the connection.
const MAX_FRAME: usize = 1 << 20;
/// Simulations running at once, over all connections.
const MAX_RUNS: usize = 8;

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
    ws.max_message_size(MAX_FRAME)
        .max_frame_size(MAX_FRAME)
        .on_upgrade(move |socket| session(socket, state))
}

/// The simulation currently attached to a connection.
struct Run {
    cmds: mpsc::Sender<Command>,
    stop: Arc<AtomicBool>,
}

impl Drop for Run {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
    }
}

/// Simulations running now, over all connections.
static RUNNING: AtomicUsize = AtomicUsize::new(0);

/// Holds one of the [`MAX_RUNS`] places while a simulation thread lives.
struct Slot;

impl Slot {
    fn take() -> Option<Slot> {
        RUNNING
            .fetch_update(Ordering::AcqRel, Ordering::Acquire, |n| {
                (n < MAX_RUNS).then_some(n + 1)
            })
            .ok()
            .map(|_| Slot)
    }
}

impl Drop for Slot {
    fn drop(&mut self) {
        RUNNING.fetch_sub(1, Ordering::AcqRel);
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
                                run = None; // stops the previous simulation
                                match Slot::take() {
                                    None => Some(format!("{MAX_RUNS} simulations are running on this server already; try again when one ends")),
                                    Some(slot) => {
                                        generation += 1;
                                        run = Some(spawn(setup, generation, slot, out_tx.clone()));
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

fn spawn(setup: Setup, generation: u64, slot: Slot, out: tmpsc::Sender<(u64, String)>) -> Run {
    let (tx, rx) = mpsc::channel();
    let stop = Arc::new(AtomicBool::new(false));
    let flag = stop.clone();
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
    Run { cmds: tx, stop }
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
