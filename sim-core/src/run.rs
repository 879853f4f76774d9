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

use serde::Deserialize;

use crate::availability::Figures;
use crate::duration::{format_duration, parse_duration, Nanos, MAX_DURATION, SEC};
use crate::engine::Simulation;
use crate::error::{num, InputError};
use crate::fault::Scenario;
use crate::model::LIMITS;
use crate::topology::{BuildOptions, Topology};

/// Every option of a run. The defaults are `microsim run`'s.
#[derive(Debug, Clone, PartialEq)]
pub struct RunOptions {
    /// Seed of every random stream: the same seed gives the same outputs.
    pub seed: u64,
    /// Traffic is offered during [0, duration); requests in flight then finish.
    pub duration: Nanos,
    /// Requests per second per entry point, overriding the file's rates (the
    /// top level's and each entry point's); a rate profile is scaled so that
    /// its peak is this rate, keeping its shape.
    pub rate: Option<f64>,
    /// Percentage applied to every positive instance count (spigo's `-p`).
    pub scale: f64,
    /// Multiplies every service's regions (spigo's `-w`).
    pub regions: u32,
    /// Width of the time-series buckets (metrics.csv, charts, the timeline).
    pub bucket: Nanos,
    /// Fraction of external requests whose traces are kept.
    pub trace_sample: f64,
    /// At most this many traces are kept.
    pub max_traces: u32,
    /// Keep instance-to-instance flows for the graph exports and the live edges.
    pub record_graph: bool,
    /// How long requests in flight may drain after the traffic stops; what is
    /// still in flight then is counted as `unanswered` (a stated horizon, so a
    /// run with hour-long service times still ends, and its time series with it).
    pub drain: Nanos,
    /// Most calls in flight at once; beyond it a new call fails at once as
    /// `rejected` instead of growing memory until the machine gives up.
    pub max_calls: u32,
    /// Most expected calls per external request (every path's calls ×
    /// probability, retries at their maximum) a file may ask for.
    pub max_fan_out: f64,
    /// Most instance pairs whose calls are recorded for the graph files and
    /// the live view (service pairs are always recorded).
    pub max_edges: u32,
    /// Failures by MTBF/MTTR during the run, at this acceleration (virtual
    /// time of failures per virtual time of run: 525,600 makes a minute of
    /// run a year of failures). Every instance, and every zone with
    /// `zone_availability`, fails and is repaired by the figures `microsim
    /// availability` uses (see `engine/failures.rs`). `None`: nothing fails
    /// but what a scenario asks for.
    pub failures: Option<f64>,
}

impl Default for RunOptions {
    fn default() -> Self {
        RunOptions {
            seed: 1,
            duration: 60 * SEC,
            rate: None,
            scale: 100.0,
            regions: 1,
            bucket: SEC,
            trace_sample: 0.01,
            max_traces: 1000,
            record_graph: true,
            drain: Self::DEFAULT_DRAIN,
            max_calls: Self::DEFAULT_MAX_CALLS,
            max_fan_out: Self::DEFAULT_MAX_FAN_OUT,
            max_edges: Self::DEFAULT_MAX_EDGES,
            failures: None,
        }
    }
}

/// Largest seed accepted: 2^53 − 1, so that a seed survives a trip through
/// JavaScript (the page's address, the `/ws` messages) unchanged.
pub const MAX_SEED: u64 = (1 << 53) - 1;

impl RunOptions {
    /// Most time buckets a run may ask for (memory grows with buckets × services).
    pub const MAX_BUCKETS: u64 = 100_000;
    /// Largest scale, in percent (1,000,000 % is 10,000 times the file's counts).
    pub const MAX_SCALE: f64 = 1e7;
    /// Most region multiplier.
    pub const MAX_REGIONS: u32 = 100;
    /// Drain allowed after the traffic stops: a minute of virtual time, long
    /// beyond any timeout a resilient system sets, short enough that a run
    /// with absurd service times ends.
    pub const DEFAULT_DRAIN: Nanos = 60 * SEC;
    /// Calls in flight allowed by default: a million, about 150 MB (an 88-byte
    /// call record and up to two 32-byte events each). netflixoss at 10,000
    /// requests a second holds about a thousand.
    pub const DEFAULT_MAX_CALLS: u32 = 1_000_000;
    /// Most calls in flight anyone may ask for (about 1.5 GB).
    pub const MAX_CALLS: u32 = 10_000_000;
    /// Expected calls per external request allowed by default. spigo's
    /// files and ours make at most a few dozen; a file asking for ten
    /// thousand is almost certainly a mistake (a fan-out multiplied along a
    /// chain), and would need ten thousand times the memory of its traffic.
    pub const DEFAULT_MAX_FAN_OUT: f64 = 10_000.0;
    /// Instance pairs recorded by default: 100,000, about 5.6 MB, and a
    /// graph.json of ~15 MB; a 100x netflixoss run at 10,000 requests a second
    /// touches millions of pairs, which made files bigger than the run.
    pub const DEFAULT_MAX_EDGES: u32 = 100_000;
    /// Most instance pairs anyone may ask for (about 560 MB).
    pub const MAX_EDGES: u32 = 10_000_000;
    /// Largest failure acceleration: 10^8, when a second of run covers more
    /// than three years of failures and a one-hour repair lasts 36 µs of run,
    /// shorter than one network hop. Beyond it an outage is over before a
    /// request could notice it, so the observed availability would mean
    /// nothing (and failure events would crowd out the traffic).
    pub const MAX_FAILURES: f64 = 1e8;
    /// Runs with more instances than this write graph.json and GraphML at
    /// service level (one node per service and region): a file with a node
    /// per instance of a million-instance run is useful to no viewer.
    pub const MAX_GRAPH_INSTANCES: usize = 100_000;

    /// Refuses settings that make no sense or would exhaust memory; the error's
    /// path is the field's name.
    pub fn validate(&self) -> Result<(), InputError> {
        if self.seed > MAX_SEED {
            return Err(InputError::at(
                "seed",
                format!("the seed {} is larger than 2^53 − 1.", self.seed),
            )
            .hint("use a whole number between 0 and 9007199254740991, e.g. 1."));
        }
        if self.duration == 0 || self.duration > MAX_DURATION {
            return Err(InputError::at(
                "duration",
                "the duration must be above zero and at most 100 days.",
            )
            .hint("give a duration with a unit, e.g. 60s."));
        }
        if !(self.scale > 0.0 && self.scale <= Self::MAX_SCALE) {
            return Err(InputError::at(
                "scale",
                format!("scale {}% is out of range.", num(self.scale)),
            )
            .hint("use a percentage above 0, e.g. 100 for as written or 1000 for ten times."));
        }
        if !(1..=Self::MAX_REGIONS).contains(&self.regions) {
            return Err(InputError::at(
                "regions",
                format!("a region multiplier of {} is out of range.", self.regions),
            )
            .hint(format!("use 1 to {}.", Self::MAX_REGIONS)));
        }
        if self.drain > MAX_DURATION {
            return Err(
                InputError::at("drain", "the drain must be at most 100 days.")
                    .hint("give a duration with a unit, e.g. 60s."),
            );
        }
        let horizon = self.duration.saturating_add(self.drain);
        if self.bucket == 0 || horizon / self.bucket > Self::MAX_BUCKETS {
            return Err(InputError::at(
                "bucket",
                format!(
                    "{} buckets of {} would be needed for the traffic and the drain; the most is {}.",
                    horizon / self.bucket.max(1),
                    format_duration(self.bucket),
                    Self::MAX_BUCKETS
                ),
            )
            .hint("use a wider bucket, e.g. 1s for runs up to a day."));
        }
        if let Some(r) = self.rate {
            if !(r > 0.0 && r <= LIMITS.max_rate) {
                return Err(InputError::at(
                    "rate",
                    format!("{} requests per second is out of range.", num(r)),
                )
                .hint(format!(
                    "use a rate above 0 and at most {}.",
                    LIMITS.max_rate
                )));
            }
        }
        if !(1..=Self::MAX_CALLS).contains(&self.max_calls) {
            return Err(InputError::at(
                "max_calls",
                format!("{} calls in flight is out of range.", self.max_calls),
            )
            .hint(format!(
                "use 1 to {}; each call costs about 150 bytes.",
                Self::MAX_CALLS
            )));
        }
        if self.max_edges > Self::MAX_EDGES {
            return Err(InputError::at(
                "max_edges",
                format!("{} instance pairs is out of range.", self.max_edges),
            )
            .hint(format!(
                "use 0 (service pairs only) to {}; each costs about 56 bytes.",
                Self::MAX_EDGES
            )));
        }
        if !(self.max_fan_out >= 1.0 && self.max_fan_out.is_finite()) {
            return Err(InputError::at(
                "max_fan_out",
                format!("a fan-out limit of {} is out of range.", self.max_fan_out),
            )
            .hint("use a number of calls per request of at least 1, e.g. 10000."));
        }
        if let Some(a) = self.failures {
            if !(a > 0.0 && a <= Self::MAX_FAILURES) {
                return Err(InputError::at(
                    "failures",
                    format!("a failure acceleration of {} is out of range.", num(a)),
                )
                .hint(format!(
                    "use a factor above 0 and at most {} (virtual time of failures per virtual time of run), e.g. 525600 for a year of failures in a minute of run.",
                    num(Self::MAX_FAILURES)
                )));
            }
        }
        if !(0.0..=1.0).contains(&self.trace_sample) {
            return Err(InputError::at(
                "trace_sample",
                format!("{} is not a fraction.", num(self.trace_sample)),
            )
            .hint("use a number between 0 and 1, e.g. 0.01."));
        }
        Ok(())
    }

    /// Scale and region multiplier, as the topology builder takes them.
    pub fn build_options(&self) -> BuildOptions {
        BuildOptions {
            scale_percent: self.scale,
            region_multiplier: self.regions,
        }
    }

    /// Reads options written as JSON, the form the browser and the wasm
    /// bindings use: `{"seed": 1, "duration": "60s", "scale": 100, "regions": 1,
    /// "rate": 500, "bucket": "1s", "trace_sample": 0.01, "max_traces": 1000,
    /// "record_graph": true, "failures": 525600}`, every key optional
    /// (defaults as [`Default`]), unknown keys refused. The result is validated.
    pub fn from_json(text: &str) -> Result<RunOptions, InputError> {
        let spec: OptionsSpec = crate::model::parse_json(text)?;
        let mut o = RunOptions::default();
        let duration_of = |field: &str, t: &str| {
            parse_duration(t).map_err(|mut e| {
                e.path = field.to_string();
                e
            })
        };
        if let Some(s) = spec.seed {
            o.seed = s;
        }
        if let Some(d) = &spec.duration {
            o.duration = duration_of("duration", d)?;
        }
        o.rate = spec.rate;
        if let Some(s) = spec.scale {
            o.scale = s;
        }
        if let Some(r) = spec.regions {
            o.regions = r;
        }
        if let Some(b) = &spec.bucket {
            o.bucket = duration_of("bucket", b)?;
        }
        if let Some(t) = spec.trace_sample {
            o.trace_sample = t;
        }
        if let Some(m) = spec.max_traces {
            o.max_traces = m;
        }
        if let Some(g) = spec.record_graph {
            o.record_graph = g;
        }
        if let Some(d) = &spec.drain {
            o.drain = duration_of("drain", d)?;
        }
        if let Some(m) = spec.max_calls {
            o.max_calls = m;
        }
        if let Some(f) = spec.max_fan_out {
            o.max_fan_out = f;
        }
        if let Some(e) = spec.max_edges {
            o.max_edges = e;
        }
        o.failures = spec.failures;
        o.validate()?;
        Ok(o)
    }
}

/// [`RunOptions`] as JSON writes them (durations as text with a unit).
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct OptionsSpec {
    seed: Option<u64>,
    duration: Option<String>,
    rate: Option<f64>,
    scale: Option<f64>,
    regions: Option<u32>,
    bucket: Option<String>,
    trace_sample: Option<f64>,
    max_traces: Option<u32>,
    record_graph: Option<bool>,
    drain: Option<String>,
    max_calls: Option<u32>,
    max_fan_out: Option<f64>,
    max_edges: Option<u32>,
    failures: Option<f64>,
}

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
        assert_eq!(without.scenario().faults[0].at, 30 * SEC);
    }

    #[test]
    fn options_read_from_json_with_defaults_and_refuse_unknown_keys() {
        let o = RunOptions::from_json(r#"{"seed": 7, "duration": "2s", "scale": 50}"#).unwrap();
        assert_eq!(
            (o.seed, o.duration, o.scale, o.regions),
            (7, 2 * SEC, 50.0, 1)
        );
        assert_eq!(RunOptions::from_json("{}").unwrap(), RunOptions::default());
        let f = RunOptions::from_json(r#"{"failures": 525600}"#).unwrap();
        assert_eq!(f.failures, Some(525_600.0));
        for (bad, path) in [
            (r#"{"seed": 1.5}"#, ""),
            (r#"{"seed": -1}"#, ""),
            (r#"{"durration": "2s"}"#, ""),
            (r#"{"duration": "2"}"#, "duration"),
            (r#"{"regions": 0}"#, "regions"),
            (r#"{"failures": -1}"#, "failures"),
            (r#"{"failures": 1e300}"#, "failures"),
        ] {
            let e = RunOptions::from_json(bad).unwrap_err();
            assert!(e.path.starts_with(path), "{bad}: {e}");
        }
    }
}
