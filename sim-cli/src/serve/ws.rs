//! `/ws`: a native simulation streamed to the page as JSON text frames.
//!
//! Client → server (every message validated; a bad one gets an error frame
//! and the connection stays open):
//! `{"type":"start","arch":NAME,"scenario":NAME|null,"seed":1,"scale":100,"regions":1}`,
//! `{"type":"fault","fault":{...scenario fault without "at"...}}`,
//! `{"type":"kill","instance":ID,"hang":false}`, `{"type":"heal"}`,
//! `{"type":"speed","x":1.0}`, `{"type":"pause"}`, `{"type":"play"}`.
//!
//! Server → client: `{"type":"topology","topology":...}` once per start,
//! `{"type":"snapshot","snapshot":...}` about every 200 ms of wall time while
//! playing, `{"type":"error","message":"..."}`.
//!
//! Each simulation runs on its own thread, so a big run never blocks the
//! server; it stops (and its memory is freed) when the client goes away or
//! starts another.

use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::mpsc;
use std::sync::Arc;
use std::time::Duration;

use axum::extract::ws::{Message, WebSocket, WebSocketUpgrade};
use axum::extract::State;
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use serde_json::json;
use sim_core::duration::{Nanos, SEC};
use sim_core::BuildOptions;
use tokio::sync::mpsc as tmpsc;

use super::run::{build, simulate, Out, Setup};
use super::AppState;

/// Largest client message handled (bytes); larger ones get an error frame.
const MAX_MESSAGE: usize = 64 << 10;
/// Larger than this and the WebSocket layer drops the connection.
const MAX_FRAME: usize = 1 << 20;
/// Most instances a native run may have.
pub(super) const MAX_INSTANCES: usize = 2_000_000;
/// Simulations running at once, over all connections.
const MAX_RUNS: usize = 8;
/// Wall time between snapshots.
pub(super) const TICK: Duration = Duration::from_millis(200);
/// Virtual time during which traffic is offered.
pub(super) const DURATION: Nanos = 3600 * SEC;

/// A message from the page.
#[derive(Deserialize, Debug)]
#[serde(tag = "type", rename_all = "snake_case", deny_unknown_fields)]
enum ClientMsg {
    Start {
        arch: String,
        #[serde(default)]
        scenario: Option<String>,
        #[serde(default = "one")]
        seed: f64,
        #[serde(default = "hundred")]
        scale: f64,
        #[serde(default = "one_u32")]
        regions: u32,
    },
    Fault {
        fault: serde_json::Value,
    },
    Kill {
        instance: u32,
        #[serde(default)]
        hang: bool,
    },
    // Empty struct variants, not unit ones: serde ignores extra fields on
    // internally tagged unit variants even with deny_unknown_fields.
    Heal {},
    Speed {
        x: f64,
    },
    Pause {},
    Play {},
}

fn one() -> f64 {
    1.0
}
fn hundred() -> f64 {
    100.0
}
fn one_u32() -> u32 {
    1
}

/// A command for a running simulation.
pub(super) enum Cmd {
    Fault(String),
    Kill(u32, bool),
    Heal,
    Speed(f64),
    Pause,
    Play,
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
    cmds: mpsc::Sender<Cmd>,
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
                    Some(Ok(Message::Close(_))) | Some(Err(_)) | None => break,
                };
                let reply = match parse(text.as_str()) {
                    Err(e) => Some(e),
                    Ok(ClientMsg::Start { arch, scenario, seed, scale, regions }) => {
                        match start_setup(&state, &arch, scenario.as_deref(), seed, scale, regions).await {
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
                    Ok(other) => match &run {
                        None => Some("no simulation is running: send {\"type\":\"start\",\"arch\":\"netflixoss\"} first".to_string()),
                        Some(r) => {
                            let cmd = match other {
                                ClientMsg::Fault { fault } => Cmd::Fault(fault.to_string()),
                                ClientMsg::Kill { instance, hang } => Cmd::Kill(instance, hang),
                                ClientMsg::Heal {} => Cmd::Heal,
                                ClientMsg::Speed { x } => Cmd::Speed(x),
                                ClientMsg::Pause {} => Cmd::Pause,
                                ClientMsg::Play {} => Cmd::Play,
                                ClientMsg::Start { .. } => unreachable!("handled above"),
                            };
                            r.cmds.send(cmd).err().map(|_| "the simulation has stopped; send start again".to_string())
                        }
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

/// Checks a message's size and shape, and its numbers.
fn parse(text: &str) -> Result<ClientMsg, String> {
    if text.len() > MAX_MESSAGE {
        return Err(format!(
            "message of {} bytes is larger than the {MAX_MESSAGE} allowed",
            text.len()
        ));
    }
    let msg: ClientMsg = serde_json::from_str(text).map_err(|e| {
        format!("bad message: {e}. Send e.g. {{\"type\":\"start\",\"arch\":\"netflixoss\",\"scenario\":null,\"seed\":1,\"scale\":100,\"regions\":1}}")
    })?;
    match &msg {
        ClientMsg::Start {
            seed,
            scale,
            regions,
            ..
        } => {
            if !((0.0..=9_007_199_254_740_991.0).contains(seed) && seed.fract() == 0.0) {
                return Err("seed must be a whole number between 0 and 2^53-1".into());
            }
            if !(*scale > 0.0 && *scale <= 1e6) {
                return Err("scale must be a percentage above 0 and at most 1000000".into());
            }
            if !(1..=100).contains(regions) {
                return Err("regions must be between 1 and 100".into());
            }
        }
        ClientMsg::Speed { x } if !(*x > 0.0 && *x <= 1000.0) => {
            return Err(
                "speed x (virtual seconds per wall second) must be above 0 and at most 1000".into(),
            );
        }
        _ => {}
    }
    Ok(msg)
}

/// Resolves the names of a start message (names only, never paths).
async fn start_setup(
    state: &AppState,
    arch: &str,
    scenario: Option<&str>,
    seed: f64,
    scale: f64,
    regions: u32,
) -> Result<Setup, String> {
    let arch_text = state.library.architecture(arch).await.ok_or_else(|| {
        format!(
            "there is no architecture \"{arch}\". Fix: use a name listed in /architectures/index.json"
        )
    })?;
    let scenario = match scenario {
        None => None,
        Some(name) => {
            let text = state.library.scenario(name).await.ok_or_else(|| {
                format!("there is no scenario \"{name}\". Fix: use a name listed under \"scenarios\" in /architectures/index.json, or null")
            })?;
            Some((name.to_string(), text))
        }
    };
    Ok(Setup {
        arch: arch.to_string(),
        arch_text,
        scenario,
        seed: seed as u64,
        opts: BuildOptions {
            scale_percent: scale,
            region_multiplier: regions,
        },
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
                r#"{"type":"start","arch":"netflixoss","scenario":null,"seed":1,"scale":100,"regions":1}"#
            ),
            Ok(ClientMsg::Start { .. })
        ));
        assert!(matches!(
            parse(r#"{"type":"heal"}"#),
            Ok(ClientMsg::Heal {})
        ));
        assert!(matches!(
            parse(r#"{"type":"pause"}"#),
            Ok(ClientMsg::Pause {})
        ));
        assert!(matches!(
            parse(r#"{"type":"play"}"#),
            Ok(ClientMsg::Play {})
        ));
        assert!(matches!(
            parse(r#"{"type":"kill","instance":3}"#),
            Ok(ClientMsg::Kill {
                instance: 3,
                hang: false
            })
        ));
        for bad in [
            r#"{"type":"start","arch":"x","seed":1.5}"#,
            r#"{"type":"start","arch":"x","seed":-1}"#,
            r#"{"type":"start","arch":"x","scale":0}"#,
            r#"{"type":"start","arch":"x","scale":1e7}"#,
            r#"{"type":"start","arch":"x","regions":0}"#,
            r#"{"type":"start","arch":"x","regions":101}"#,
            r#"{"type":"start","arch":"x","bogus":1}"#,
            r#"{"type":"heal","extra":1}"#,
            r#"{"type":"speed","x":0}"#,
            r#"{"type":"speed","x":1001}"#,
            r#"{"type":"kill","instance":-1}"#,
            r#"{"type":"explode"}"#,
            r#"[]"#,
            "not json",
        ] {
            assert!(parse(bad).is_err(), "{bad}");
        }
        assert!(parse(&format!(
            r#"{{"type":"heal","pad":"{}"}}"#,
            "x".repeat(70_000)
        ))
        .is_err());
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
