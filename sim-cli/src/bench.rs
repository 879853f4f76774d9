//! `microsim bench`: events per second and peak memory at several scales.
//!
//! Each case runs in a child process (this binary with a hidden flag) so that
//! its peak resident memory is its own, not the high-water mark of an earlier case.

use std::process::Command;
use std::time::Instant;

use clap::Args;
use serde::{Deserialize, Serialize};
use sim_core::duration::{parse_duration, Nanos};
use sim_core::{RunOptions, RunSpec};

use crate::fail::Fail;
use crate::run::{read_arch, read_scenario, spec};

#[derive(Args, Debug)]
pub struct BenchArgs {
    /// Architecture file or built-in name. Default: netflixoss.
    pub file: Option<String>,
    /// Scales to run, in multiples of the file's counts (1 = as written).
    #[arg(long, value_delimiter = ',', default_value = "1,100,10000")]
    pub scales: Vec<f64>,
    /// Virtual time of each run.
    #[arg(long, default_value = "60s", value_parser = |s: &str| parse_duration(s).map_err(|e| e.to_string()))]
    pub duration: Nanos,
    /// Requests per second per entry point.
    #[arg(long, default_value_t = 10_000.0)]
    pub rate: f64,
    /// Also build (and run for one virtual second, or --duration with a scenario) at least this many instances; 0 to skip.
    #[arg(long, default_value_t = 1_000_000)]
    pub build_instances: u64,
    /// Scenario file applied in every case (faults later than a case's duration are skipped).
    #[arg(long, value_name = "FILE")]
    pub scenario: Option<String>,
    /// Print the results as JSON.
    #[arg(long)]
    pub json: bool,
    /// Also run each case as `run --out` does (graph recorded, every output
    /// written to a temporary folder), side by side with the plain run.
    #[arg(long)]
    pub outputs: bool,
    /// Internal: run one case in this process and print its JSON.
    #[arg(long, hide = true)]
    pub case_scale: Option<f64>,
    /// Internal: the case writes every output, as `run --out` does.
    #[arg(long, hide = true)]
    pub case_outputs: bool,
}

/// One measured case.
#[derive(Debug, Serialize, Deserialize)]
pub struct CaseResult {
    pub scale: f64,
    pub instances: usize,
    pub duration_s: f64,
    pub rate: f64,
    pub build_s: f64,
    pub run_s: f64,
    pub events: u64,
    pub events_per_s: f64,
    pub requests: u64,
    pub peak_rss_mb: Option<f64>,
    pub bytes_per_instance: Option<f64>,
    /// Whether every output was written (the run, its graph and the files).
    #[serde(default)]
    pub outputs: bool,
}

pub fn bench(a: &BenchArgs) -> Result<(), Fail> {
    if let Some(scale) = a.case_scale {
        let r = run_case(a, scale, a.duration)?;
        println!("{}", serde_json::to_string(&r).expect("json"));
        return Ok(());
    }
    if let Some(s) = a.scales.iter().find(|s| !(**s > 0.0 && **s <= 100_000.0)) {
        return Err(Fail::input(format!(
            "--scales {s} is out of range. Fix: use multiples above 0, e.g. 1,100,10000."
        )));
    }
    // Check every input once, up front, so a bad one fails here with exit 2.
    let base = spec_at(a, 1.0, a.duration)?;
    let base = base.topology();
    let zoned: u64 = base
        .services
        .iter()
        .filter(|s| s.placement == sim_core::topology::Placement::Zoned)
        .map(|s| u64::from(s.instance_count()))
        .sum();
    let mut cases: Vec<(f64, Nanos)> = a.scales.iter().map(|&s| (s, a.duration)).collect();
    if a.build_instances > 0 && zoned > 0 {
        cases.push((
            (a.build_instances as f64 / zoned as f64).ceil(),
            // One virtual second measures the build; a scenario's faults
            // must all fall within the run, so with one it runs as long as the others.
            if a.scenario.is_some() {
                a.duration
            } else {
                sim_core::duration::SEC
            },
        ));
    }
    let exe = std::env::current_exe()
        .map_err(|e| Fail::internal(format!("cannot find own binary: {e}")))?;
    let mut results = Vec::new();
    let kinds: &[bool] = if a.outputs { &[false, true] } else { &[false] };
    for (scale, dur) in cases {
        for &outputs in kinds {
            let mut cmd = Command::new(&exe);
            cmd.arg("bench").arg("--case-scale").arg(scale.to_string());
            if outputs {
                cmd.arg("--case-outputs");
            }
            cmd.arg("--duration")
                .arg(format!("{}ms", dur / 1_000_000))
                .arg("--rate")
                .arg(a.rate.to_string());
            if let Some(f) = &a.file {
                cmd.arg(f);
            }
            if let Some(s) = &a.scenario {
                cmd.arg("--scenario").arg(s);
            }
            let out = cmd
                .output()
                .map_err(|e| Fail::internal(format!("cannot run bench case: {e}")))?;
            if !out.status.success() {
                return Err(Fail::internal(format!(
                    "bench case at scale {scale} failed: {}",
                    String::from_utf8_lossy(&out.stderr)
                )));
            }
            let r: CaseResult = serde_json::from_slice(&out.stdout)
                .map_err(|e| Fail::internal(format!("bench case output unreadable: {e}")))?;
            if !a.json {
                print_row(&r, results.is_empty());
            }
            results.push(r);
        }
    }
    if a.json {
        println!("{}", serde_json::to_string_pretty(&results).expect("json"));
    }
    Ok(())
}

fn print_row(r: &CaseResult, header: bool) {
    if header {
        println!(
            "{:>8} {:>10} {:>8} {:>8} {:>9} {:>12} {:>12} {:>10} {:>10}",
            "scale",
            "instances",
            "virt s",
            "build s",
            "run s",
            "events",
            "events/s",
            "peak MB",
            "B/inst"
        );
    }
    println!(
        "{:>7}x {:>10} {:>8.0} {:>8.2} {:>9.2} {:>12} {:>12.0} {:>10.1} {:>10.0}{}",
        r.scale,
        r.instances,
        r.duration_s,
        r.build_s,
        r.run_s,
        r.events,
        r.events_per_s,
        r.peak_rss_mb.unwrap_or(f64::NAN),
        r.bytes_per_instance.unwrap_or(f64::NAN),
        if r.outputs { "  with --out" } else { "" }
    );
}

/// The run of one case: the file at `scale` times its counts, `a.rate`
/// requests per second, no graph recording unless the case writes outputs.
fn spec_at(a: &BenchArgs, scale: f64, duration: Nanos) -> Result<RunSpec, Fail> {
    let (file, text) = read_arch(a.file.as_deref())?;
    let scenario = a
        .scenario
        .as_deref()
        .map(|p| read_scenario(std::path::Path::new(p)))
        .transpose()?;
    let options = RunOptions {
        seed: 1,
        duration,
        rate: Some(a.rate),
        scale: scale * 100.0,
        record_graph: a.case_outputs,
        ..RunOptions::default()
    };
    spec(
        (&file, &text),
        scenario.as_ref().map(|(n, t)| (n.as_str(), t.as_str())),
        options,
    )
}

fn run_case(a: &BenchArgs, scale: f64, duration: Nanos) -> Result<CaseResult, Fail> {
    let before = peak_rss_bytes();
    let t0 = Instant::now();
    let spec = spec_at(a, scale, duration)?;
    let instances = spec.topology().instances.len();
    let (sim, build_s, run_s) = if a.case_outputs {
        // Exactly what `run --out` does, into a folder removed afterwards.
        let dir = tempfile::tempdir()
            .map_err(|e| Fail::internal(format!("cannot make a temporary folder: {e}")))?;
        let t1 = Instant::now();
        let (f, _) = crate::run::simulate(spec, true, Some(dir.path()))?;
        (f.sim, 0.0, t1.elapsed().as_secs_f64())
    } else {
        let mut sim = spec.simulation();
        let build_s = t0.elapsed().as_secs_f64();
        let t1 = Instant::now();
        sim.run();
        (sim, build_s, t1.elapsed().as_secs_f64())
    };
    let peak = peak_rss_bytes();
    Ok(CaseResult {
        scale,
        instances,
        duration_s: duration as f64 / 1e9,
        rate: a.rate,
        build_s,
        run_s,
        events: sim.events(),
        events_per_s: sim.events() as f64 / run_s.max(1e-9),
        requests: sim.end_to_end().requests,
        peak_rss_mb: peak.map(|p| p as f64 / 1_048_576.0),
        bytes_per_instance: peak
            .zip(before)
            .map(|(p, b)| p.saturating_sub(b) as f64 / instances as f64),
        outputs: a.case_outputs,
    })
}

/// Peak resident set size of this process (Linux `VmHWM`), in bytes.
fn peak_rss_bytes() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kb: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kb * 1024)
}
