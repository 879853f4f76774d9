//! The simulation thread behind one `/ws` connection: a transport around
//! sim-core's live [`Session`]. It tells the session how much wall time has
//! passed, forwards the page's commands, and sends whatever the session says
//! (the topology, snapshots when due, error texts) as frames.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use serde_json::json;
use sim_core::live::{self, Command, Session, StartOptions};
use sim_core::{Input, RunError};
use tokio::sync::mpsc as tmpsc;

use super::ws::error_frame;

/// What a simulation thread needs to start.
pub(super) struct Setup {
    pub arch: String,
    pub arch_text: String,
    pub scenario: Option<(String, String)>,
    pub options: StartOptions,
}

/// The frames of one simulation, tagged so that a replaced run's late frames are dropped.
pub(super) struct Out {
    pub generation: u64,
    pub out: tmpsc::Sender<(u64, String)>,
}

impl Out {
    /// False once the connection is gone.
    pub fn send(&self, frame: String) -> bool {
        self.out.blocking_send((self.generation, frame)).is_ok()
    }
}

/// Checks and builds the run, as `microsim run` and the browser do.
pub(super) fn build(s: &Setup) -> Result<Session, String> {
    let arch_name = format!("{}.json", s.arch);
    let scenario_name = s
        .scenario
        .as_ref()
        .map(|(name, _)| format!("scenarios/{name}.json"));
    let scenario = s
        .scenario
        .as_ref()
        .zip(scenario_name.as_deref())
        .map(|((_, text), name)| Input::new(name, text));
    Session::start(Input::new(&arch_name, &s.arch_text), scenario, &s.options)
        .map_err(|e: RunError| e.render(std::string::ToString::to_string))
}

/// The next command, waiting at most until `deadline`. Err when the connection is gone.
fn next_command(cmds: &mpsc::Receiver<Command>, deadline: Instant) -> Result<Option<Command>, ()> {
    let wait = deadline.saturating_duration_since(Instant::now());
    match cmds.recv_timeout(wait) {
        Ok(c) => Ok(Some(c)),
        Err(mpsc::RecvTimeoutError::Timeout) => Ok(None),
        Err(mpsc::RecvTimeoutError::Disconnected) => Err(()),
    }
}

/// Streams one session until the connection goes away or the run is replaced:
/// wakes at every snapshot interval or command, tells the session the wall
/// time since the last wake, and sends what it returns.
pub(super) fn simulate(
    mut session: Session,
    cmds: &mpsc::Receiver<Command>,
    out: &Out,
    stop: &AtomicBool,
) {
    let topology = json!({ "type": "topology", "topology": session.topology_json() });
    if !out.send(topology.to_string()) {
        return;
    }
    let tick = Duration::from_nanos(live::SNAPSHOT_EVERY);
    let mut keep_going = || !stop.load(Ordering::Relaxed);
    let mut last = Instant::now();
    let emit = |session: &mut Session, wall: Duration, keep: &mut dyn FnMut() -> bool| match session
        .advance(wall.as_nanos() as u64, keep)
    {
        Some(snap) => out.send(json!({ "type": "snapshot", "snapshot": snap }).to_string()),
        None => true,
    };
    if !emit(&mut session, Duration::ZERO, &mut keep_going) {
        return;
    }
    loop {
        let Ok(cmd) = next_command(cmds, last + tick) else {
            return;
        };
        if stop.load(Ordering::Relaxed) {
            return;
        }
        // Catch virtual time up with the wall clock before anything else.
        let now = Instant::now();
        if !emit(&mut session, now - last, &mut keep_going) {
            return;
        }
        last = now;
        if let Some(cmd) = cmd {
            if let Err(e) = session.apply(cmd) {
                if !out.send(error_frame(e)) {
                    return;
                }
            }
            // A change shows at once (the session says whether it is due).
            if !emit(&mut session, Duration::ZERO, &mut keep_going) {
                return;
            }
        }
        if stop.load(Ordering::Relaxed) {
            return;
        }
    }
}
