//! A run watched live: virtual time paced by the wall clock at a speed,
//! paused, stepped and broken on demand, with snapshots at a fixed interval.
//!
//! The browser's wasm `Viewer` and the server's `/ws` are transports around
//! one [`Session`]: they tell it how much wall time has passed and forward the
//! page's [`Command`]s; the session decides how far virtual time moves, when a
//! snapshot is due and what an error says. sim-core reads no clock, so the
//! transport also says when to stop stepping early (a frame budget in the
//! browser, a closed connection on the server): virtual time then falls
//! behind rather than jumps.

mod command;
mod snapshot;

use serde::Deserialize;
use serde_json::Value;

pub use command::Command;
pub use snapshot::{topology_json, Snapshotter};

use crate::duration::{parse_duration, Nanos, MS, SEC};
use crate::engine::Simulation;
use crate::error::InputError;
use crate::fault::{self, Action, Mode};
use crate::run::{Input, RunError, RunOptions, RunSpec};

/// Virtual time during which a live run offers traffic: an hour, longer than
/// anyone watches.
pub const DURATION: Nanos = 3600 * SEC;
/// Wall time between snapshots (about five a second).
pub const SNAPSHOT_EVERY: Nanos = 200 * MS;
/// Most wall time one advance catches up: after a stall (a background tab, a
/// slow machine) virtual time resumes rather than jumps.
pub const MAX_WALL_STEP: Nanos = 200 * MS;
/// Most instances a live run may have.
pub const MAX_INSTANCES: usize = 2_000_000;
/// Fastest speed, in virtual seconds per wall second.
pub const MAX_SPEED: f64 = 1000.0;
/// Longest single step, in ms of virtual time.
pub const MAX_STEP_MS: f64 = 3_600_000.0;

/// What the page chooses when it starts a live run, as JSON:
/// `{"seed": 1, "scale": 100, "regions": 1}`; `duration` (e.g. `"2s"`) is for
/// tests and defaults to [`DURATION`].
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StartOptions {
    /// Seed of every random stream.
    #[serde(default = "one")]
    pub seed: u64,
    /// Scale, percent.
    #[serde(default = "hundred")]
    pub scale: f64,
    /// Region multiplier.
    #[serde(default = "one_u32")]
    pub regions: u32,
    /// Traffic duration with a unit; default [`DURATION`].
    #[serde(default)]
    pub duration: Option<String>,
}

fn one() -> u64 {
    1
}
fn hundred() -> f64 {
    100.0
}
fn one_u32() -> u32 {
    1
}

impl Default for StartOptions {
    fn default() -> Self {
        StartOptions {
            seed: 1,
            scale: 100.0,
            regions: 1,
            duration: None,
        }
    }
}

impl StartOptions {
    /// Reads the options from JSON (unknown keys refused).
    pub fn from_json(text: &str) -> Result<StartOptions, InputError> {
        crate::model::parse_json(text)
    }

    /// The run options of a live run: these choices, an hour of traffic and
    /// the instance-to-instance flows the page draws as edges.
    pub fn run_options(&self) -> Result<RunOptions, InputError> {
        let duration = match &self.duration {
            None => DURATION,
            Some(t) => parse_duration(t).map_err(|mut e| {
                e.path = "duration".into();
                e
            })?,
        };
        Ok(RunOptions {
            seed: self.seed,
            scale: self.scale,
            regions: self.regions,
            duration,
            record_graph: true,
            ..RunOptions::default()
        })
    }
}

/// A live run: a simulation, its pace and its snapshots.
pub struct Session {
    sim: Simulation,
    snap: Snapshotter,
    speed: f64,
    paused: bool,
    /// No events remain: traffic has stopped and every request is answered.
    done: bool,
    /// Wall time since the last snapshot.
    since_snapshot: Nanos,
    /// Virtual time moved since the last snapshot.
    moved: bool,
    /// A command changed what the page shows: the next advance snapshots.
    due: bool,
}

impl Session {
    /// Checks and builds a live run (at most [`MAX_INSTANCES`] instances).
    /// The first [`Session::advance`] returns a snapshot.
    pub fn start(
        arch: Input,
        scenario: Option<Input>,
        options: &StartOptions,
    ) -> Result<Session, RunError> {
        let run = options.run_options().map_err(RunError::option)?;
        Session::new(RunSpec::new(arch, scenario, run)?)
    }

    /// A live session over any checked run.
    pub fn new(spec: RunSpec) -> Result<Session, RunError> {
        let n = spec.topology().instances.len();
        if n > MAX_INSTANCES {
            let o = spec.options();
            return Err(RunError::option(
                InputError::at(
                    "scale",
                    format!(
                        "{n} instances at scale {}% and {} region(s) is more than the {MAX_INSTANCES} a live run may have.",
                        o.scale, o.regions
                    ),
                )
                .hint("lower the scale or the regions."),
            ));
        }
        let mut sim = spec.simulation();
        sim.enable_live();
        // The page charts end to end only; an hour of per-service rows would
        // grow with services × buckets for nothing.
        sim.series_mut().keep_service_rows(false);
        Ok(Session {
            sim,
            snap: Snapshotter::new(),
            speed: 1.0,
            paused: false,
            done: false,
            since_snapshot: 0,
            moved: false,
            due: true,
        })
    }

    /// The topology message: services, instances, regions, zones, state
    /// names, and the scenario's timeline — each fault in words with its
    /// start and end (the page marks them upcoming, active or healed) and the
    /// discovery poll interval (the page marks the polls).
    pub fn topology_json(&self) -> Value {
        let mut t = topology_json(self.sim.topology());
        let sc = self.sim.scenario();
        let secs = |n: Nanos| n as f64 / 1e9;
        t["faults"] = sc
            .faults
            .iter()
            .map(|f| {
                serde_json::json!({
                    "at_s": secs(f.at),
                    "until_s": f.until.map(secs),
                    "what": crate::fault::describe::what(f, self.sim.topology()),
                })
            })
            .collect();
        t["discovery_poll_s"] = secs(sc.discovery_poll).into();
        t
    }

    /// The simulation (read-only).
    pub fn simulation(&self) -> &Simulation {
        &self.sim
    }

    /// Virtual time now.
    pub fn now(&self) -> Nanos {
        self.sim.now()
    }

    /// Whether virtual time is held.
    pub fn paused(&self) -> bool {
        self.paused
    }

    /// Virtual seconds per wall second.
    pub fn speed(&self) -> f64 {
        self.speed
    }

    /// `wall` ns of wall time have passed: unless paused, virtual time moves
    /// by that (at most [`MAX_WALL_STEP`]) times the speed, in slices between
    /// which `keep_going` may stop it early. Returns a snapshot when one is
    /// due: after a command that changed something, or every
    /// [`SNAPSHOT_EVERY`] of wall time while virtual time moves.
    pub fn advance(&mut self, wall: Nanos, keep_going: &mut dyn FnMut() -> bool) -> Option<Value> {
        if !self.paused && wall > 0 {
            let want = (wall.min(MAX_WALL_STEP) as f64 * self.speed) as Nanos;
            self.run_for(want, keep_going);
        }
        self.since_snapshot = self.since_snapshot.saturating_add(wall);
        (self.due || (self.moved && self.since_snapshot >= SNAPSHOT_EVERY)).then(|| self.snapshot())
    }

    /// Runs `want` ns of virtual time in slices of 1 to 50 ms.
    fn run_for(&mut self, want: Nanos, keep_going: &mut dyn FnMut() -> bool) {
        if want == 0 || self.done {
            return;
        }
        let slice = (want / 20).clamp(MS, 50 * MS);
        let end = self.sim.now().saturating_add(want);
        loop {
            let t = self.sim.now().saturating_add(slice).min(end);
            self.moved = true;
            if !self.sim.run_until(t) {
                self.done = true;
                return;
            }
            if t >= end || !keep_going() {
                return;
            }
        }
    }

    /// The state now and the rates since the previous snapshot.
    pub fn snapshot(&mut self) -> Value {
        self.due = false;
        self.moved = false;
        self.since_snapshot = 0;
        self.snap.snapshot(&mut self.sim)
    }

    /// summary.json as it stands now.
    pub fn summary_json(&self) -> String {
        crate::Summary::of(&self.sim).to_json()
    }

    /// Applies a command from the page; the error is the paragraph to show.
    pub fn apply(&mut self, cmd: Command) -> Result<(), String> {
        match cmd {
            Command::Fault { fault } => {
                let (action, lasts) = fault::parse_live_fault(&fault, self.sim.topology())
                    .map_err(|e| format!("fault: {e}"))?;
                self.sim.inject(action, lasts);
                self.due = true;
            }
            Command::Deploy { deploy } => {
                let plan = fault::parse_live_deployment(&deploy, self.sim.topology())
                    .map_err(|e| format!("deploy: {e}"))?;
                self.sim.deploy(plan).map_err(|e| format!("deploy: {e}"))?;
                self.due = true;
            }
            Command::Kill { instance, hang } => {
                let n = self.sim.topology().instances.len();
                if instance as usize >= n {
                    return Err(format!(
                        "there is no instance {instance}: ids run from 0 to {}.",
                        n.saturating_sub(1)
                    ));
                }
                let mode = if hang { Mode::Hang } else { Mode::Refuse };
                self.sim
                    .inject(Action::KillInstance { instance, mode }, None);
                self.due = true;
            }
            Command::Heal {} => {
                self.sim.heal_all();
                self.due = true;
            }
            Command::Speed { x } => self.speed = x,
            Command::Pause {} => {
                self.paused = true;
                // The paused picture shows where time stopped.
                self.due |= self.moved;
            }
            Command::Play {} => self.paused = false,
            Command::Step { ms } => {
                self.run_for((ms * MS as f64) as Nanos, &mut || true);
                self.due = true;
            }
        }
        Ok(())
    }

    /// [`Session::apply`] of a command written as JSON.
    pub fn apply_json(&mut self, text: &str) -> Result<(), String> {
        self.apply(Command::parse(text)?)
    }

    /// Runs to the end (traffic stops, every request is answered) and returns
    /// the outputs, which equal a whole run's for the same inputs whatever was
    /// stepped before — unless a command changed the run.
    pub fn finish(&mut self) -> crate::Outputs {
        self.sim.run();
        self.done = true;
        self.sim.outputs()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const ARCH: &str = r#"{"arch":"t","traffic":{"rate":200},"services":[
        {"name":"b","package":"store","count":3},
        {"name":"a","package":"karyon","count":3,"dependencies":["b"]}]}"#;

    fn session() -> Session {
        Session::start(Input::new("t", ARCH), None, &StartOptions::default()).unwrap()
    }

    #[test]
    fn virtual_time_follows_wall_time_at_the_speed_and_snapshots_come_every_interval() {
        let mut s = session();
        let first = s
            .advance(0, &mut || true)
            .expect("the first advance snapshots");
        assert_eq!(first["t_ms"], 0.0);
        // 16 ms frames: a snapshot every 13th frame (208 ms of wall time).
        let mut snaps = 0;
        for _ in 0..130 {
            snaps += u32::from(s.advance(16 * MS, &mut || true).is_some());
        }
        assert_eq!(snaps, 10);
        assert_eq!(s.now(), 130 * 16 * MS);
        s.apply_json(r#"{"type":"speed","x":10}"#).unwrap();
        let before = s.now();
        s.advance(100 * MS, &mut || true);
        assert_eq!(s.now() - before, SEC);
        // A stall is capped: one advance moves at most MAX_WALL_STEP × speed.
        let before = s.now();
        s.advance(60 * SEC, &mut || true);
        assert_eq!(s.now() - before, 10 * MAX_WALL_STEP);
        s.sim.run_until(s.now());
        s.sim.check_invariants().unwrap();
    }

    #[test]
    fn pause_holds_time_step_moves_it_and_changes_snapshot_at_once() {
        let mut s = session();
        assert!(
            s.advance(100 * MS, &mut || true).is_some(),
            "the first is due"
        );
        assert!(s.advance(50 * MS, &mut || true).is_none(), "not yet");
        s.apply(Command::Pause {}).unwrap();
        let t = s.now();
        assert!(
            s.advance(16 * MS, &mut || true).is_some(),
            "pausing shows where time stopped"
        );
        for _ in 0..50 {
            assert!(
                s.advance(16 * MS, &mut || true).is_none(),
                "paused: nothing moves"
            );
        }
        assert_eq!(s.now(), t);
        s.apply_json(r#"{"type":"kill","instance":0}"#).unwrap();
        let snap = s.advance(0, &mut || true).expect("a kill shows at once");
        assert_eq!(snap["state"][0], 1);
        s.apply_json(r#"{"type":"step","ms":500}"#).unwrap();
        assert_eq!(s.now(), t + 500 * MS);
        assert!(s.advance(0, &mut || true).is_some());
        s.apply_json(r#"{"type":"heal"}"#).unwrap();
        assert_eq!(
            s.simulation().instance_state(0),
            crate::engine::InstanceState::Up
        );
    }

    #[test]
    fn keep_going_stops_a_slow_advance_early() {
        let mut s = session();
        s.apply(Command::Speed { x: 100.0 }).unwrap();
        let mut calls = 0;
        s.advance(200 * MS, &mut || {
            calls += 1;
            calls < 3
        });
        // 20 s wanted in 50 ms slices; stopped after the third.
        assert_eq!(s.now(), 150 * MS);
    }

    #[test]
    fn bad_commands_say_what_is_wrong() {
        let mut s = session();
        let e = s
            .apply_json(r#"{"type":"kill","instance":99}"#)
            .unwrap_err();
        assert_eq!(e, "there is no instance 99: ids run from 0 to 5.");
        let e = s
            .apply_json(
                r#"{"type":"fault","fault":{"zone_outage":{"region":"us-east-1","zone":"zoneQ"}}}"#,
            )
            .unwrap_err();
        assert!(e.starts_with("fault: at zone_outage.zone: "), "{e}");
        assert!(e.contains("zoneA"), "names the known zones: {e}");
        let e = s
            .apply_json(r#"{"type":"fault","fault":{"at":"1s","errors":{"service":"a"}}}"#)
            .unwrap_err();
        assert!(e.contains("no \"at\""), "{e}");
    }

    #[test]
    fn start_options_are_checked_like_run_options() {
        let o = StartOptions::from_json(r#"{"seed":3,"scale":200}"#).unwrap();
        assert_eq!(o.run_options().unwrap().duration, DURATION);
        let e = Session::start(
            Input::new("t", ARCH),
            None,
            &StartOptions {
                regions: 0,
                ..Default::default()
            },
        )
        .err()
        .unwrap();
        assert_eq!(e.error.path, "regions");
        assert!(StartOptions::from_json(r#"{"seed":1.5}"#).is_err());
        assert!(StartOptions::from_json(r#"{"bogus":1}"#).is_err());
        // 6 instances × 100,000 × 5 regions = 3 million.
        let big = StartOptions {
            scale: 1e7,
            regions: 5,
            ..Default::default()
        };
        let e = Session::start(Input::new("t", ARCH), None, &big)
            .err()
            .unwrap();
        assert!(e.to_string().contains("a live run may have"), "{e}");
    }
}
