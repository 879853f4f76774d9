//! `microsim run` and `microsim validate`.

use std::io::Write;
use std::path::PathBuf;

use clap::Args;
use indicatif::{ProgressBar, ProgressStyle};
use sim_core::duration::{parse_duration, Nanos};
use sim_core::engine::budget::Estimate;
use sim_core::export::OutputFile;
use sim_core::{Input, RunOptions, RunSpec, Simulation};

use crate::archs;
use crate::fail::{fancy_stderr, shown_path, Fail};
use crate::output::Staging;
use crate::table;

/// Options shared by commands that build a topology.
#[derive(Args, Debug, Clone)]
pub struct ShapeArgs {
    /// Scale every instance count by this percentage (spigo's -p); counts never drop below 1.
    #[arg(long, default_value_t = 100.0, value_name = "PERCENT")]
    pub scale: f64,
    /// Multiply every service's regions by N (spigo's -w).
    #[arg(long, default_value_t = 1, value_name = "N", value_parser = clap::value_parser!(u32).range(1..=100))]
    pub regions: u32,
}

/// The limits that keep a run's memory bounded (README: memory model).
#[derive(Args, Debug, Clone)]
pub struct LimitArgs {
    /// How long requests in flight may drain after the traffic stops; what is
    /// left then counts as unanswered.
    #[arg(long, default_value = "60s", value_parser = drain_arg)]
    pub drain: Nanos,
    /// Most calls in flight at once (about 150 bytes each); beyond, new calls fail as rejected.
    #[arg(long, default_value_t = RunOptions::DEFAULT_MAX_CALLS, value_name = "N")]
    pub max_calls: u32,
    /// Most expected calls per external request (calls × probability along every
    /// path, retries at their maximum) a file may ask for.
    #[arg(long, default_value_t = RunOptions::DEFAULT_MAX_FAN_OUT, value_name = "CALLS")]
    pub max_fan_out: f64,
    /// Most instance pairs listed in graph.json and GraphML (the first used);
    /// every call still counts in the service-level files. 0: service pairs only.
    #[arg(long, default_value_t = RunOptions::DEFAULT_MAX_EDGES, value_name = "N")]
    pub max_edges: u32,
}

#[derive(Args, Debug)]
pub struct RunArgs {
    /// Architecture file, or the name of a built-in one (see `microsim list`). Default: netflixoss.
    pub file: Option<String>,
    /// Virtual time during which traffic is offered (e.g. 500ms, 10s, 2m).
    #[arg(long, default_value = "60s", value_parser = duration_arg)]
    pub duration: Nanos,
    /// Seed of every random stream; the same seed gives the same outputs.
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    #[command(flatten)]
    pub shape: ShapeArgs,
    /// Requests per second per entry point, overriding the file's rates; a
    /// rate profile is scaled so that its peak is this rate.
    #[arg(long, value_name = "R")]
    pub rate: Option<f64>,
    /// Directory for every output: summary.json, graph.json, GraphML, DOT, Vizceral, traces, metrics.csv, charts (created if missing).
    #[arg(long, value_name = "DIR")]
    pub out: Option<PathBuf>,
    /// Print summary.json to stdout instead of the table.
    #[arg(long)]
    pub json: bool,
    /// No progress bar.
    #[arg(long, short)]
    pub quiet: bool,
    /// Width of the time buckets in metrics.csv.
    #[arg(long, default_value = "1s", value_parser = duration_arg)]
    pub bucket: Nanos,
    /// Fraction of requests whose traces go to traces.zipkin.json and traces.otlp.json.
    #[arg(long, default_value_t = 0.01, value_parser = fraction_arg, value_name = "FRACTION")]
    pub trace_sample: f64,
    /// At most this many traces are written.
    #[arg(long, default_value_t = 1000)]
    pub max_traces: u32,
    /// Scenario file, or the name of a built-in one (`microsim list --scenarios`): faults on a
    /// timeline (kills, zone and region outages, latency, errors, partitions). Default: the
    /// architecture's spigo `victim`, killed at half time.
    #[arg(long, value_name = "FILE")]
    pub scenario: Option<PathBuf>,
    /// Fail and repair every instance (and zone) by the file's availability
    /// figures, as `microsim availability` reads them, ACCEL times faster than
    /// real time: 525600 makes a minute of run a year of failures.
    #[arg(long, value_name = "ACCEL", allow_negative_numbers = true)]
    pub failures: Option<f64>,
    #[command(flatten)]
    pub limits: LimitArgs,
}

#[derive(Args, Debug)]
pub struct ValidateArgs {
    /// Architecture files to check.
    #[arg(required = true)]
    pub files: Vec<String>,
    #[command(flatten)]
    pub shape: ShapeArgs,
    /// One JSON object per file on stdout.
    #[arg(long)]
    pub json: bool,
    #[command(flatten)]
    pub limits: LimitArgs,
}

fn fraction_arg(s: &str) -> Result<f64, String> {
    match s.parse::<f64>() {
        Ok(f) if (0.0..=1.0).contains(&f) => Ok(f),
        _ => Err(format!(
            "{} is not a fraction between 0 and 1. Fix: e.g. --trace-sample 0.01",
            sim_core::error::quoted(s)
        )),
    }
}

fn drain_arg(s: &str) -> Result<Nanos, String> {
    parse_duration(s).map_err(|e| e.to_string())
}

pub fn duration_arg(s: &str) -> Result<Nanos, String> {
    let d = parse_duration(s).map_err(|e| e.to_string())?;
    if d == 0 {
        return Err("the duration must be more than zero. Fix: e.g. --duration 10s".into());
    }
    Ok(d)
}

/// Reads an architecture from a path, or a built-in by name.
pub fn read_arch(file: Option<&str>) -> Result<(String, String), Fail> {
    let name = file.unwrap_or(archs::DEFAULT);
    let shown = sim_core::error::shown(name);
    match std::fs::read_to_string(name) {
        Ok(text) => Ok((name.to_string(), text)),
        Err(e) if e.kind() == std::io::ErrorKind::InvalidData => {
            Err(not_utf8("architecture", &shown))
        }
        Err(e) => match archs::built_in(name) {
            Some(text) => Ok((format!("<built-in {name}>"), text.to_string())),
            None => Err(Fail::input(format!(
                "cannot read architecture file {shown}: {e}. Fix: give a path to a JSON file, or one of the built-in names: {}.",
                archs::names().join(", ")
            ))),
        },
    }
}

/// A file that is not UTF-8: most often UTF-16, as some Windows editors save.
fn not_utf8(what: &str, shown: &str) -> Fail {
    Fail::input(format!(
        "{shown}: the {what} file is not UTF-8 text (UTF-16, as some Windows editors save, or not text at all). Fix: save it as UTF-8."
    ))
}

/// Reads a scenario file, or a built-in scenario by name (`zone-outage`)
/// when no such file exists.
pub fn read_scenario(path: &std::path::Path) -> Result<(String, String), Fail> {
    if !path.exists() {
        if let Some(text) = path.to_str().and_then(archs::scenario) {
            let name = path.to_string_lossy();
            let name = name.strip_suffix(".json").unwrap_or(&name);
            return Ok((format!("{name}.json"), text.to_string()));
        }
        return Err(Fail::input(format!(
            "cannot read scenario file {}: no such file, and no built-in scenario of that name. Fix: give the path to a scenario JSON file, or one of the built-in names: {}.",
            shown_path(path),
            archs::scenario_names().join(", ")
        )));
    }
    read_input(path, "scenario", "architectures/scenarios/zone-outage.json")
}

/// Reads an input file (`what`: "scenario", "judgement"), with a message that
/// names it and gives an example path when it cannot be read.
pub fn read_input(
    path: &std::path::Path,
    what: &str,
    example: &str,
) -> Result<(String, String), Fail> {
    let shown = shown_path(path);
    let text = std::fs::read_to_string(path).map_err(|e| {
        if e.kind() == std::io::ErrorKind::InvalidData {
            return not_utf8(what, &shown);
        }
        Fail::input(format!(
            "cannot read {what} file {shown}: {e}. Fix: give the path to a {what} JSON file, e.g. {example}."
        ))
    })?;
    Ok((path.display().to_string(), text))
}

/// The largest expected calls per external request over the entry points.
fn fan_out_of(t: &sim_core::Topology) -> f64 {
    let per = sim_core::behaviour::fan_out(t);
    t.entry_points
        .iter()
        .map(|&e| per[e as usize])
        .fold(0.0, f64::max)
}

/// Bytes as megabytes for a person.
fn mb(bytes: usize) -> String {
    if bytes < 1_000_000 {
        format!("{:.0} KB", bytes as f64 / 1e3)
    } else {
        format!("{:.1} MB", bytes as f64 / 1e6)
    }
}

/// The command-line flag of a run option (`trace_sample` is `--trace-sample`).
pub fn flag(field: &str) -> String {
    format!("--{}", field.replace('_', "-"))
}

/// Checks a run as sim-core describes it, mapping every input error to exit
/// code 2 in the command line's words.
pub fn spec(
    arch: (&str, &str),
    scenario: Option<(&str, &str)>,
    options: RunOptions,
) -> Result<RunSpec, Fail> {
    RunSpec::new(
        Input::new(arch.0, arch.1),
        scenario.map(|(name, text)| Input::new(name, text)),
        options,
    )
    .map_err(|e| Fail::input(e.render(flag)))
}

/// A finished simulation and what is needed to export it.
pub struct Finished {
    pub sim: Simulation,
    pub wall: std::time::Duration,
    /// Fault windows (start, end) in seconds, for shading charts.
    pub faults: Vec<(f64, f64)>,
}

impl RunArgs {
    /// The run options these flags ask for.
    pub fn options(&self, record_graph: bool) -> RunOptions {
        RunOptions {
            seed: self.seed,
            duration: self.duration,
            rate: self.rate,
            scale: self.shape.scale,
            regions: self.shape.regions,
            bucket: self.bucket,
            trace_sample: self.trace_sample,
            max_traces: self.max_traces,
            record_graph,
            drain: self.limits.drain,
            max_calls: self.limits.max_calls,
            max_fan_out: self.limits.max_fan_out,
            max_edges: self.limits.max_edges,
            failures: self.failures,
        }
    }
}

/// Called after each slice of virtual time, with closed time-series rows to
/// take (metrics.csv streams them).
type AfterSlice<'a> = dyn FnMut(&mut Simulation) -> Result<(), Fail> + 'a;

/// Reads and checks what `a` describes (shared by `run` and `report`).
pub fn prepare(a: &RunArgs, record_graph: bool) -> Result<RunSpec, Fail> {
    let (file, text) = read_arch(a.file.as_deref())?;
    let scenario = a.scenario.as_deref().map(read_scenario).transpose()?;
    let spec = spec(
        (&file, &text),
        scenario.as_ref().map(|(n, t)| (n.as_str(), t.as_str())),
        a.options(record_graph),
    )?;
    if !a.json {
        for n in &spec.topology().notes {
            eprintln!("note: {n}");
        }
    }
    Ok(spec)
}

/// Runs `spec` to the end; with `out`, writes every output there as it is
/// produced (metrics.csv while the run goes, the rest one file at a time into
/// a staging folder, renamed into place at the end), so nothing the size of
/// an output is held in memory. Returns the run and the files written.
/// Shared by `run`, `report` and `bench --outputs`.
pub fn simulate(
    spec: RunSpec,
    quiet: bool,
    out: Option<&std::path::Path>,
) -> Result<(Finished, usize), Fail> {
    let mut staging = out.map(Staging::begin).transpose()?;
    // One writer for the whole run: it carries each row's instances over
    // the buckets in which the row was idle.
    let mut csv = sim_core::export::csv::CsvWriter::new(spec.topology(), spec.options().bucket);
    let mut metrics = match &mut staging {
        Some(o) => {
            let mut w = o.create(OutputFile::Metrics.name())?;
            csv.header(&mut w)
                .map_err(|e| o.failed(OutputFile::Metrics.name(), &e))?;
            Some(w)
        }
        None => None,
    };
    let mut stream_rows = |sim: &mut Simulation| -> Result<(), Fail> {
        let Some(w) = &mut metrics else {
            return Ok(());
        };
        let rows = sim.series_mut().drain_rows();
        csv.rows(w, &rows)
            .map_err(|e| {
                Fail::input(format!(
                    "cannot write metrics.csv: {e}. Fix: check that the folder is writable and the disk has room."
                ))
            })
    };
    let secs = |t: Nanos| t as f64 / 1e9;
    let faults = spec
        .fault_windows()
        .into_iter()
        .map(|(s, e)| (secs(s), secs(e)))
        .collect();
    let mut sim = spec.simulation();
    // Service rows are kept only to be streamed; charts need end to end, the
    // caches and the stores behind them, and the replicated stores.
    sim.series_mut().keep_service_rows(staging.is_some());
    let followed = crate::charts::followed_services(sim.topology());
    if !followed.is_empty() {
        sim.series_mut().follow(&followed);
    }
    let started = std::time::Instant::now();
    drive(&mut sim, quiet, &mut stream_rows)?;
    let f = Finished {
        sim,
        wall: started.elapsed(),
        faults,
    };
    let written = match (staging, metrics) {
        (Some(o), Some(mut w)) => {
            w.flush()
                .map_err(|e| o.failed(OutputFile::Metrics.name(), &e))?;
            drop(w);
            export(o, &f)?
        }
        _ => 0,
    };
    Ok((f, written))
}

/// One line saying how the run was made.
pub fn describe(sim: &Simulation) -> String {
    let c = sim.config();
    format!(
        "Bucket {} s, trace sample {}.",
        c.bucket as f64 / 1e9,
        c.trace_sample
    )
}

/// The charts of a finished run.
pub fn charts(f: &Finished) -> Result<Vec<(&'static str, Vec<u8>)>, Fail> {
    let sim = &f.sim;
    let data = crate::charts::ChartData {
        topo: sim.topology(),
        rows: sim.series().end_to_end_rows(),
        bucket_s: sim.series().width() as f64 / 1e9,
        stats: sim.service_stats(),
        faults: &f.faults,
        followed: sim.series().followed_rows(),
        capacity: sim
            .topology()
            .services
            .iter()
            .zip(sim.capacity())
            .filter(|(s, _)| s.autoscale.is_some())
            .map(|(s, c)| {
                let h = c
                    .history
                    .iter()
                    .map(|&(t, n)| (t as f64 / 1e9, n))
                    .collect();
                (s.name.as_str(), h)
            })
            .collect(),
    };
    crate::charts::render(&data).map_err(|e| Fail::internal(format!("drawing charts failed: {e}")))
}

pub fn run(a: &RunArgs) -> Result<(), Fail> {
    let spec = prepare(a, a.out.is_some())?;
    let t = std::time::Instant::now();
    let (f, written) = simulate(spec, a.quiet || a.json, a.out.as_deref())?;
    let (sim, wall) = (&f.sim, f.wall);
    if written > 0 && !a.json {
        eprintln!(
            "exported {written} files in {:.2}s",
            t.elapsed().saturating_sub(wall).as_secs_f64()
        );
    }
    let summary = sim_core::Summary::of(sim);
    if a.json {
        print!("{}", summary.to_json());
    } else {
        print!("{}", table::render(&summary, sim.topology()));
        print!("{}", table::story(sim));
        println!(
            "{} events in {:.2}s wall ({:.1} M events/s){}",
            sim.events(),
            wall.as_secs_f64(),
            sim.events() as f64 / wall.as_secs_f64().max(1e-9) / 1e6,
            a.out
                .as_ref()
                .map(|d| format!("; outputs in {}", shown_path(d)))
                .unwrap_or_default()
        );
    }
    Ok(())
}

/// Writes every output but metrics.csv (streamed already) into the staging
/// folder, one file at a time, and renames them all into place.
fn export(mut out: Staging, f: &Finished) -> Result<usize, Fail> {
    let sim = &f.sim;
    let mut written = 1;
    for file in OutputFile::ALL {
        if file == OutputFile::Metrics || !file.applies(sim) {
            continue;
        }
        let mut w = out.create(file.name())?;
        file.write(sim, &mut w)
            .and_then(|()| w.flush())
            .map_err(|e| out.failed(file.name(), &e))?;
        written += 1;
    }
    let drawn = charts(f)?;
    let report = crate::report::html(sim, &drawn);
    for (name, bytes) in drawn
        .iter()
        .map(|(n, b)| (*n, b.as_slice()))
        .chain([("report.html", report.as_bytes())])
    {
        let mut w = out.create(name)?;
        w.write_all(bytes)
            .and_then(|()| w.flush())
            .map_err(|e| out.failed(name, &e))?;
        written += 1;
    }
    out.commit()?;
    Ok(written)
}

/// Runs to completion in slices of virtual time (a hundredth of the traffic,
/// at most 16 buckets), calling `after_slice` after each, with a progress bar
/// on a terminal; then drains what is in flight (up to the drain horizon).
fn drive(sim: &mut Simulation, quiet: bool, after_slice: &mut AfterSlice) -> Result<(), Fail> {
    let duration = sim.config().duration;
    let slice = (duration / 100)
        .min(sim.config().bucket.saturating_mul(16))
        .max(1);
    let steps = duration.div_ceil(slice);
    let pb = (!quiet && fancy_stderr()).then(|| {
        let pb = ProgressBar::new(100);
        let plain = std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty());
        let template = if plain {
            "{bar:40} {pos}% virtual time, {msg}"
        } else {
            "{bar:40.cyan/blue} {pos}% virtual time, {msg}"
        };
        pb.set_style(ProgressStyle::with_template(template).expect("template"));
        pb
    });
    for k in 1..=steps {
        sim.run_until((k * slice).min(duration));
        after_slice(sim)?;
        if let Some(pb) = &pb {
            pb.set_position(k * 100 / steps);
            pb.set_message(format!("{} events", sim.events()));
        }
    }
    if let Some(pb) = &pb {
        pb.set_message("draining requests in flight");
    }
    sim.run();
    after_slice(sim)?;
    if let Some(pb) = pb {
        pb.finish_and_clear();
    }
    Ok(())
}

pub fn validate(a: &ValidateArgs) -> Result<(), Fail> {
    let options = RunOptions {
        scale: a.shape.scale,
        regions: a.shape.regions,
        drain: a.limits.drain,
        max_calls: a.limits.max_calls,
        max_fan_out: a.limits.max_fan_out,
        max_edges: a.limits.max_edges,
        ..RunOptions::default()
    };
    let mut bad = 0;
    for f in &a.files {
        let result =
            read_arch(Some(f)).and_then(|(file, text)| spec((&file, &text), None, options.clone()));
        match (&result, a.json) {
            (Ok(spec), false) => {
                let t = spec.topology();
                let fan = fan_out_of(t);
                let est = Estimate::of(t, &options);
                println!(
                    "ok: {}: {} services, {} instances in {} region(s); entry points: {}",
                    sim_core::error::shown(f),
                    t.services.len(),
                    t.instances.len(),
                    t.regions.len().max(1),
                    t.entry_points
                        .iter()
                        .map(|&e| t.services[e as usize].name.as_str())
                        .collect::<Vec<_>>()
                        .join(", ")
                );
                println!(
                    "  fan-out: {} calls per external request at most (retries at their maximum; limit {})",
                    sim_core::error::compact(fan),
                    sim_core::error::num(options.max_fan_out)
                );
                println!(
                    "  memory: about {} for the topology; at most {} with every service's histograms, {} calls in flight{} and the time series",
                    mb(est.topology),
                    mb(est.total()),
                    options.max_calls,
                    if est.caches > 0 {
                        format!(", every cache full ({})", mb(est.caches))
                    } else {
                        String::new()
                    }
                );
                for n in &t.notes {
                    println!("  note: {n}");
                }
            }
            (Ok(spec), true) => {
                let t = spec.topology();
                let est = Estimate::of(t, &options);
                println!(
                    "{}",
                    serde_json::json!({"file": f, "ok": true, "services": t.services.len(), "instances": t.instances.len(),
                        "fan_out": fan_out_of(t), "memory_bytes": {"topology": est.topology, "histograms": est.histograms,
                        "calls_at_limit": est.calls_at_limit, "series": est.series, "caches": est.caches, "total": est.total()},
                        "notes": t.notes})
                );
            }
            (Err(e), false) => eprintln!("error: {}", e.message),
            (Err(e), true) => println!(
                "{}",
                serde_json::json!({"file": f, "ok": false, "error": e.message})
            ),
        }
        bad += usize::from(result.is_err());
    }
    if bad > 0 {
        return Err(Fail::input(format!(
            "{bad} of {} file(s) failed validation.",
            a.files.len()
        )));
    }
    Ok(())
}
