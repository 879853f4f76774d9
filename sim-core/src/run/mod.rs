//! One description of a run: the architecture, the scenario and every option,
//! checked once and turned into a [`Simulation`].
//!
//! Every front end builds its runs here — `microsim run`, `report` and `bench`,
//! the server's `/ws`, the browser's `Viewer` and the wasm whole-run bindings —
//! so a new run option or a new kind of input is added in one place, and the
//! same inputs give the same run (and the same `args` in graph.json) whichever
//! front end asked for it.
//!
//! Errors name the input they are about ([`Part`]) and, for options, the
//! field (`duration`, not `--duration`): each front end says it in its own
//! words through [`RunError::render`].

mod options;

use crate::availability::Figures;
use crate::duration::{format_duration, Nanos};
use crate::engine::Simulation;
use crate::error::InputError;
use crate::fault::Scenario;
use crate::topology::Topology;

pub use options::{RunOptions, MAX_SEED};

/// One input of a run: a name to show in errors (a path, a built-in name,
/// "architecture") and its text.
#[derive(Debug, Clone, Copy)]
pub struct Input<'a> {
    /// What errors call it.
    pub name: &'a str,
    /// The JSON.
    pub text: &'a str,
}

impl<'a> Input<'a> {
    /// An input called `name`.
    pub fn new(name: &'a str, text: &'a str) -> Input<'a> {
        Input { name, text }
    }
}

/// Which input of a run an error is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Part {
    /// The architecture file.
    Architecture,
    /// The scenario file.
    Scenario,
    /// A run option; the error's path is the option's field name.
    Option,
}

/// A run that cannot be built, and why.
#[derive(Debug, Clone, PartialEq)]
pub struct RunError {
    /// The input at fault.
    pub part: Part,
    /// Its name as given in [`Input::name`] (empty for options).
    pub file: String,
    /// What is wrong, where (boxed: errors are rare, results are not).
    pub error: Box<InputError>,
}

impl RunError {
    /// An error about a run option `field` (e.g. a live run that is too big).
    pub fn option(error: InputError) -> RunError {
        RunError {
            part: Part::Option,
            file: String::new(),
            error: Box::new(error),
        }
    }

    /// One paragraph. Files are named as given; an option is named by
    /// `option(field)`, so the CLI can say `--trace-sample` where the page
    /// says `trace_sample`.
    pub fn render(&self, option: impl Fn(&str) -> String) -> String {
        match self.part {
            Part::Option => {
                let mut e = (*self.error).clone();
                e.path = option(&e.path);
                e.to_string()
            }
            Part::Architecture | Part::Scenario => self.error.render(&self.file),
        }
    }
}

impl std::fmt::Display for RunError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.render(std::string::ToString::to_string))
    }
}

impl std::error::Error for RunError {}

/// A checked run: its topology, the faults it applies and its options, ready
/// to become a [`Simulation`].
#[derive(Debug, Clone)]
pub struct RunSpec {
    topo: Topology,
    scenario: Scenario,
    scenario_name: Option<String>,
    options: RunOptions,
    /// The file's failure figures, read when [`RunOptions::failures`] is set.
    figures: Option<Figures>,
}

impl RunSpec {
    /// Checks everything once — the options, the architecture (parsed,
    /// validated, placed), and the scenario (names resolved against the
    /// topology, every fault starting within the run). Without a scenario the
    /// architecture's spigo `victim`, if any, is killed at half time.
    pub fn new(
        arch: Input,
        scenario: Option<Input>,
        options: RunOptions,
    ) -> Result<RunSpec, RunError> {
        options.validate().map_err(RunError::option)?;
        let in_arch = |error| RunError {
            part: Part::Architecture,
            file: arch.name.to_string(),
            error: Box::new(error),
        };
        let spec = crate::model::load_arch(arch.text).map_err(in_arch)?;
        let mut topo = crate::build(&spec, &options.build_options()).map_err(in_arch)?;
        let figures = options.failures.map(|_| Figures::of(&spec));
        if figures.as_ref().is_some_and(|f| !f.any_fail()) {
            topo.notes.push(
                "failures are on, but no instance or zone has an availability below 1 (`availability`, `mtbf_h`, `zone_availability`), so nothing will fail.".into(),
            );
        }
        check_fan_out(&topo, options.max_fan_out).map_err(RunError::option)?;
        let resolved = Scenario::for_run(scenario.map(|s| s.text), &topo, options.duration)
            .map_err(|error| RunError {
                part: Part::Scenario,
                file: scenario.map_or(String::new(), |s| s.name.to_string()),
                error: Box::new(error),
            })?;
        Ok(RunSpec {
            topo,
            scenario: resolved,
            scenario_name: scenario.map(|s| stem(s.name).to_string()),
            options,
            figures,
        })
    }

    /// The placed architecture.
    pub fn topology(&self) -> &Topology {
        &self.topo
    }

    /// The faults this run applies.
    pub fn scenario(&self) -> &Scenario {
        &self.scenario
    }

    /// The options.
    pub fn options(&self) -> &RunOptions {
        &self.options
    }

    /// The settings that determine the outputs, as graph.json's `args` records
    /// them: `[microsim run --seed 1 --duration 60s --scale 100 --regions 1
    /// --scenario zone-outage]`. The scenario goes by its name, never a path,
    /// so the same run from another directory, or in the browser, writes the
    /// same bytes.
    pub fn args(&self) -> String {
        let o = &self.options;
        let mut s = format!(
            "[microsim run --seed {} --duration {} --scale {} --regions {}",
            o.seed,
            format_duration(o.duration),
            o.scale,
            o.regions
        );
        if let Some(r) = o.rate {
            s.push_str(&format!(" --rate {r}"));
        }
        if o.drain != RunOptions::DEFAULT_DRAIN {
            s.push_str(&format!(" --drain {}", format_duration(o.drain)));
        }
        if o.max_calls != RunOptions::DEFAULT_MAX_CALLS {
            s.push_str(&format!(" --max-calls {}", o.max_calls));
        }
        if o.max_edges != RunOptions::DEFAULT_MAX_EDGES {
            s.push_str(&format!(" --max-edges {}", o.max_edges));
        }
        if let Some(a) = o.failures {
            s.push_str(&format!(" --failures {a}"));
        }
        if let Some(name) = &self.scenario_name {
            s.push_str(&format!(" --scenario {name}"));
        }
        s.push(']');
        s
    }

    /// Each fault's window (start, end) within the run, for shading charts.
    pub fn fault_windows(&self) -> Vec<(Nanos, Nanos)> {
        self.scenario.windows(self.options.duration)
    }

    /// The simulation, at time zero.
    pub fn simulation(self) -> Simulation {
        let args = self.args();
        Simulation::prepare(
            self.topo,
            self.options,
            self.scenario,
            args,
            self.figures.as_ref(),
        )
    }

    /// The simulation, run to completion.
    pub fn run(self) -> Simulation {
        let mut sim = self.simulation();
        sim.run();
        sim
    }
}

/// Refuses a file whose requests would each set off more calls than `limit`
/// (see [`crate::behaviour::fan_out`]).
fn check_fan_out(topo: &Topology, limit: f64) -> Result<(), InputError> {
    let per_request = crate::behaviour::fan_out(topo);
    let worst = topo
        .entry_points
        .iter()
        .map(|&e| (e, per_request[e as usize]))
        .max_by(|a, b| a.1.total_cmp(&b.1));
    match worst {
        // NaN (an overflow to inf − inf) counts as over the limit.
        Some((e, calls)) if calls.is_nan() || calls > limit => Err(InputError::at(
            "max_fan_out",
            format!(
                "each request at {} would set off {} calls on average (calls × probability along every path, retries at their maximum), more than the {} allowed.",
                topo.services[e as usize].name,
                crate::error::compact(calls),
                crate::error::num(limit)
            ),
        )
        .hint("lower `calls`, `retries` or the depth of the chain in the file, or raise the limit if the run really needs it (memory grows with it).")),
        _ => Ok(()),
    }
}

/// A scenario's name for `args`: its file name without directories or `.json`.
fn stem(name: &str) -> &str {
    let base = name.rsplit(['/', '\\']).next().unwrap_or(name);
    base.strip_suffix(".json").unwrap_or(base)
}

#[cfg(test)]
mod tests {
    use super::*;

    const ARCH: &str = r#"{"arch":"t","victim":"b","services":[
        {"name":"b","package":"store","count":2},
        {"name":"a","package":"karyon","count":2,"dependencies":["b"]}]}"#;

    #[test]
    fn options_errors_name_fields_and_front_ends_choose_the_words() {
        let bad = RunOptions {
            trace_sample: 2.0,
            ..RunOptions::default()
        };
        let e = RunSpec::new(Input::new("a.json", ARCH), None, bad).unwrap_err();
        assert_eq!(
            (e.part, e.error.path.as_str()),
            (Part::Option, "trace_sample")
        );
        let cli = e.render(|f| format!("--{}", f.replace('_', "-")));
        assert!(
            cli.starts_with("at --trace-sample: 2 is not a fraction."),
            "{cli}"
        );
        for (o, field) in [
            (
                RunOptions {
                    duration: 0,
                    ..Default::default()
                },
                "duration",
            ),
            (
                RunOptions {
                    scale: 0.0,
                    ..Default::default()
                },
                "scale",
            ),
            (
                RunOptions {
                    regions: 0,
                    ..Default::default()
                },
                "regions",
            ),
            (
                RunOptions {
                    regions: 101,
                    ..Default::default()
                },
                "regions",
            ),
            (
                RunOptions {
                    bucket: 1,
                    ..Default::default()
                },
                "bucket",
            ),
            (
                RunOptions {
                    rate: Some(-1.0),
                    ..Default::default()
                },
                "rate",
            ),
            (
                RunOptions {
                    seed: MAX_SEED + 1,
                    ..Default::default()
                },
                "seed",
            ),
            (
                RunOptions {
                    failures: Some(0.0),
                    ..Default::default()
                },
                "failures",
            ),
            (
                RunOptions {
                    failures: Some(f64::NAN),
                    ..Default::default()
                },
                "failures",
            ),
            (
                RunOptions {
                    failures: Some(RunOptions::MAX_FAILURES * 2.0),
                    ..Default::default()
                },
                "failures",
            ),
        ] {
            assert_eq!(o.validate().unwrap_err().path, field);
        }
    }

    #[test]
    fn architecture_and_scenario_errors_name_their_file() {
        let e = RunSpec::new(Input::new("x.json", "{"), None, RunOptions::default()).unwrap_err();
        assert_eq!(e.part, Part::Architecture);
        assert!(e.to_string().starts_with("x.json:"), "{e}");
        let sc = r#"{"faults":[{"at":"1s","kill":{"service":"nope"}}]}"#;
        let e = RunSpec::new(
            Input::new("x.json", ARCH),
            Some(Input::new("dir/s.json", sc)),
            RunOptions::default(),
        )
        .unwrap_err();
        assert_eq!(e.part, Part::Scenario);
        assert!(
            e.to_string()
                .starts_with("dir/s.json: at faults[0].kill.service"),
            "{e}"
        );
    }

    #[test]
    fn args_name_the_scenario_never_its_path_and_the_victim_is_the_default() {
        let sc = r#"{"faults":[{"at":"1s","kill":{"service":"a"}}]}"#;
        let o = RunOptions {
            rate: Some(5.0),
            ..RunOptions::default()
        };
        let with = RunSpec::new(
            Input::new("x.json", ARCH),
            Some(Input::new("/tmp/somewhere/zone.json", sc)),
            o.clone(),
        )
        .unwrap();
        assert_eq!(
            with.args(),
            "[microsim run --seed 1 --duration 1m --scale 100 --regions 1 --rate 5 --scenario zone]"
        );
        let without = RunSpec::new(Input::new("x.json", ARCH), None, o.clone()).unwrap();
        assert!(!without.args().contains("scenario"));
        assert!(!without.args().contains("failures"), "only when set");
        let failing = RunSpec::new(
            Input::new("x.json", ARCH),
            None,
            RunOptions {
                failures: Some(525_600.0),
                ..o
            },
        )
        .unwrap();
        assert!(
            failing.args().ends_with(" --rate 5 --failures 525600]"),
            "{}",
            failing.args()
        );
        // ARCH gives no availability figures: the run says nothing will fail.
        assert!(
            failing
                .topology()
                .notes
                .iter()
                .any(|n| n.contains("nothing will fail")),
            "{:?}",
            failing.topology().notes
        );
        assert_eq!(
            without.scenario().faults.len(),
            1,
            "spigo's victim, at half time"
        );
        assert_eq!(without.scenario().faults[0].at, 30 * crate::duration::SEC);
    }
}
