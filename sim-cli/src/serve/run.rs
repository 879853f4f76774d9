//! The simulation thread behind one `/ws` connection: builds the run as
//! `microsim run` would, then advances virtual time with the wall clock and
//! streams snapshots, applying the page's commands as they arrive.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc;
use std::time::Instant;

use serde_json::json;
use sim_core::duration::Nanos;
use sim_core::export::live::{topology_json, Snapshotter};
use sim_core::fault::{self, Action, Mode, Scenario};
use sim_core::{BuildOptions, RunConfig, Simulation};
use tokio::sync::mpsc as tmpsc;

use super::ws::{error_frame, Cmd, DURATION, MAX_INSTANCES, TICK};

/// What a simulation thread needs to start.
pub(super) struct Setup {
    pub arch: String,
    pub arch_text: String,
    pub scenario: Option<(String, String)>,
    pub seed: u64,
    pub opts: BuildOptions,
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

/// Loads, checks and builds as `microsim run` and the browser's Viewer do.
pub(super) fn build(s: &Setup) -> Result<Simulation, String> {
    let file = format!("{}.json", s.arch);
    let topo = crate::run::load(&file, &s.arch_text, &s.opts).map_err(|f| f.message)?;
    if topo.instances.len() > MAX_INSTANCES {
        return Err(format!(
            "{file}: {} instances at scale {}% and {} region(s) is more than the {MAX_INSTANCES} a live run may have. Fix: lower scale or regions.",
            topo.instances.len(),
            s.opts.scale_percent,
            s.opts.region_multiplier
        ));
    }
    let cfg = RunConfig {
        seed: s.seed,
        duration: DURATION,
        record_graph: true,
        ..RunConfig::default()
    };
    cfg.validate().map_err(|e| e.to_string())?;
    let shown = s
        .scenario
        .as_ref()
        .map_or(String::new(), |(name, _)| format!("scenarios/{name}.json"));
    let text = s.scenario.as_ref().map(|(_, t)| t.as_str());
    let scenario = Scenario::for_run(text, &topo, cfg.duration).map_err(|e| e.render(&shown))?;
    let mut sim = Simulation::with_scenario(topo, cfg, scenario);
    sim.enable_live();
    Ok(sim)
}

/// Applies one command; an error message when it is refused.
fn apply(sim: &mut Simulation, cmd: Cmd, speed: &mut f64, paused: &mut bool) -> Option<String> {
    match cmd {
        Cmd::Fault(text) => match fault::parse_live_fault(&text, sim.topology()) {
            Ok((action, lasts)) => {
                sim.inject(action, lasts);
                None
            }
            Err(e) => Some(e.render("fault")),
        },
        Cmd::Kill(id, hang) => {
            let n = sim.topology().instances.len();
            if id as usize >= n {
                return Some(format!(
                    "there is no instance {id}: ids run from 0 to {}",
                    n.saturating_sub(1)
                ));
            }
            let mode = if hang { Mode::Hang } else { Mode::Refuse };
            sim.inject(Action::KillInstance { instance: id, mode }, None);
            None
        }
        Cmd::Heal => {
            sim.heal_all();
            None
        }
        Cmd::Speed(x) => {
            *speed = x;
            None
        }
        Cmd::Pause => {
            *paused = true;
            None
        }
        Cmd::Play => {
            *paused = false;
            None
        }
    }
}

/// Advances virtual time by `step` in slices, so that a slow, big run still
/// notices a stop. None when stopped; else whether events remain.
fn advance(sim: &mut Simulation, step: Nanos, stop: &AtomicBool) -> Option<bool> {
    const SLICES: Nanos = 20;
    let start = sim.now();
    for i in 1..SLICES {
        if stop.load(Ordering::Relaxed) {
            return None;
        }
        if !sim.run_until(start.saturating_add(step / SLICES * i)) {
            return Some(false);
        }
    }
    Some(sim.run_until(start.saturating_add(step)))
}

/// The next command, waiting at most until `deadline`. Err when the connection is gone.
fn next_command(cmds: &mpsc::Receiver<Cmd>, deadline: Instant) -> Result<Option<Cmd>, ()> {
    let wait = deadline.saturating_duration_since(Instant::now());
    if wait.is_zero() {
        match cmds.try_recv() {
            Ok(c) => Ok(Some(c)),
            Err(mpsc::TryRecvError::Empty) => Ok(None),
            Err(mpsc::TryRecvError::Disconnected) => Err(()),
        }
    } else {
        match cmds.recv_timeout(wait) {
            Ok(c) => Ok(Some(c)),
            Err(mpsc::RecvTimeoutError::Timeout) => Ok(None),
            Err(mpsc::RecvTimeoutError::Disconnected) => Err(()),
        }
    }
}

/// Streams one simulation until the connection goes away or the run is replaced.
///
/// Virtual time follows the wall clock times the speed (at most one tick's
/// worth at a time, so a slow run falls behind rather than jumps). As in the
/// wasm engine, a snapshot goes out right after the topology, every tick while
/// time moves, and at once after a fault, kill, heal or pause.
pub(super) fn simulate(
    mut sim: Simulation,
    cmds: &mpsc::Receiver<Cmd>,
    out: &Out,
    stop: &AtomicBool,
) {
    let topology = json!({ "type": "topology", "topology": topology_json(sim.topology()) });
    if !out.send(topology.to_string()) {
        return;
    }
    let mut snap = Snapshotter::new();
    let mut emit = |sim: &mut Simulation| {
        out.send(json!({ "type": "snapshot", "snapshot": snap.snapshot(sim) }).to_string())
    };
    if !emit(&mut sim) {
        return;
    }
    let (mut speed, mut paused, mut running, mut moved) = (1.0f64, false, true, false);
    let mut last = Instant::now(); // the wall time virtual time has caught up with
    let mut next_tick = last + TICK;
    loop {
        let Ok(cmd) = next_command(cmds, next_tick) else {
            return;
        };
        if stop.load(Ordering::Relaxed) {
            return;
        }
        // Catch virtual time up with the wall clock before anything else.
        let now = Instant::now();
        if running && !paused {
            let wall = (now - last).min(TICK);
            let step = (speed * wall.as_nanos() as f64) as Nanos;
            if step > 0 {
                let Some(more) = advance(&mut sim, step, stop) else {
                    return;
                };
                running = more;
                moved = true;
            }
        }
        last = now;
        let show = match cmd {
            None => {
                next_tick = (next_tick + TICK).max(now);
                moved
            }
            Some(cmd) => {
                let shows = match cmd {
                    Cmd::Fault(_) | Cmd::Kill(..) | Cmd::Heal => true,
                    Cmd::Pause => moved,
                    Cmd::Speed(_) | Cmd::Play => false,
                };
                match apply(&mut sim, cmd, &mut speed, &mut paused) {
                    Some(e) => {
                        if !out.send(error_frame(e)) {
                            return;
                        }
                        false
                    }
                    None => shows,
                }
            }
        };
        if show {
            if !emit(&mut sim) {
                return;
            }
            moved = false;
            next_tick = now + TICK;
        }
    }
}
