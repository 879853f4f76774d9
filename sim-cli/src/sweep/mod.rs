//! `microsim sweep SPEC --out DIR`: every run of a sweep (`sim_core::sweep`)
//! on every core with rayon, each finished run appended to a journal in DIR
//! (so a killed sweep resumes without redoing a run), then the tables: one
//! row per run as runs.csv and runs.parquet, the means over seeds with 95 %
//! intervals as means.csv, and a chart. `--shard I/N` runs one slice, so a
//! batch system can split a sweep over machines (README: Experiments of many
//! runs).

mod chart;
mod journal;
mod parquet;

use std::collections::HashMap;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use indicatif::{ProgressBar, ProgressStyle};
use rayon::prelude::*;
use sim_core::sweep::{means, parse_sweep, row, InputKind, Plan, Row, Sweep};

use crate::archs;
use crate::fail::{fancy_stderr, shown_path, Fail};
use crate::lesson::resolve;
use crate::output::Staging;
use crate::run::read_input;

/// `microsim sweep` arguments.
#[derive(clap::Args)]
pub struct SweepArgs {
    /// The sweep file (`microsim schema --sweep`), or a built-in sweep's name
    /// (zone-outage-counts); architectures and scenarios it names are files
    /// beside it or built-in names.
    pub spec: PathBuf,
    /// Folder for the journal and the tables (created if missing); a sweep
    /// run again into the same folder skips the runs already finished.
    #[arg(long, value_name = "DIR")]
    pub out: PathBuf,
    /// Run only slice I of N (0-based: 0/4 … 3/4): every N-th run from I.
    #[arg(long, value_name = "I/N")]
    pub shard: Option<String>,
    /// Threads (default: every core).
    #[arg(long, value_name = "N")]
    pub jobs: Option<usize>,
    /// Stop after this many new runs (the journal keeps them; run again to go on).
    #[arg(long, value_name = "N")]
    pub limit: Option<usize>,
    /// No progress bar and no table.
    #[arg(long, short)]
    pub quiet: bool,
}

/// `--shard I/N` read, or one paragraph saying what is wrong and the fix.
fn shard_arg(s: &str) -> Result<(usize, usize), Fail> {
    let bad = || {
        Fail::input(format!(
            "--shard {} is not a shard. Fix: write I/N with 0 ≤ I < N, e.g. --shard 0/4 (Kubernetes' JOB_COMPLETION_INDEX is I).",
            sim_core::error::quoted(s)
        ))
    };
    let (i, n) = s.split_once('/').ok_or_else(bad)?;
    let (i, n): (usize, usize) = (
        i.trim().parse().map_err(|_| bad())?,
        n.trim().parse().map_err(|_| bad())?,
    );
    if n == 0 || i >= n {
        return Err(Fail::input(format!(
            "--shard {i}/{n} is out of range: shard indices run from 0 to N − 1. Fix: use --shard 0/{n} to --shard {}/{n}.",
            n.max(1) - 1
        )));
    }
    Ok((i, n))
}

/// Reads the sweep file and every file it names, and expands it.
pub fn load(path: &Path) -> Result<(Sweep, Plan, String), Fail> {
    // A path wins; else a built-in sweep, whose names are built-ins too.
    let built_in = (!path.exists())
        .then(|| path.to_str().and_then(archs::sweep))
        .flatten();
    let (shown, text, dir) = if let Some(text) = built_in {
        (format!("sweep {}", path.display()), text.to_string(), None)
    } else {
        let (shown, text) = read_input(
            path,
            "sweep",
            &format!(
                "architectures/sweeps/zone-outage-counts.json, or a built-in sweep's name: {}",
                archs::sweep_names().join(", ")
            ),
        )?;
        let dir = path.parent().map(|d| {
            if d.as_os_str().is_empty() {
                Path::new(".")
            } else {
                d
            }
        });
        (shown, text, dir)
    };
    let sweep = parse_sweep(&text).map_err(|e| Fail::input(e.render(&shown)))?;
    let from = (shown.as_str(), dir, "sweep");
    let (archs, scenarios) = sweep.inputs(|kind, at, name| {
        let (_, text) = match kind {
            InputKind::Architecture => resolve(from, at, name, archs::built_in, archs::names),
            InputKind::Scenario => resolve(from, at, name, archs::scenario, archs::scenario_names),
        }?;
        Ok::<_, Fail>(text)
    })?;
    let plan = Plan::new(&sweep, archs, scenarios).map_err(|e| Fail::input(e.render(&shown)))?;
    Ok((sweep, plan, shown))
}

/// Runs `microsim sweep`.
pub fn sweep(a: &SweepArgs) -> Result<(), Fail> {
    let shard = a.shard.as_deref().map(shard_arg).transpose()?;
    let (sweep, plan, shown) = load(&a.spec)?;
    crate::output::check_out_dir(&a.out)?;
    std::fs::create_dir_all(&a.out).map_err(|e| {
        Fail::input(format!(
            "cannot create the folder {}: {e}. Fix: choose another --out, or create it yourself.",
            shown_path(&a.out)
        ))
    })?;
    let mine: Vec<usize> = match shard {
        Some((i, n)) => plan.shard(i, n).collect(),
        None => (0..plan.len()).collect(),
    };
    let mut done = finished(&plan, &a.out)?;
    let pending: Vec<usize> = mine
        .iter()
        .copied()
        .filter(|k| !done.contains_key(k))
        .collect();
    let todo: Vec<usize> = pending
        .iter()
        .copied()
        .take(a.limit.unwrap_or(usize::MAX))
        .collect();
    if !a.quiet {
        eprintln!(
            "{shown}: {} runs ({} parameter sets × {} seeds){}; {} finished before, {} to run now",
            plan.len(),
            plan.variants(),
            plan.seeds.len(),
            shard
                .map(|(i, n)| format!(", shard {i}/{n}: {}", mine.len()))
                .unwrap_or_default(),
            mine.len() - pending.len(),
            todo.len()
        );
    }
    let started = std::time::Instant::now();
    let ran = run_all(&plan, &todo, a, shard)?;
    let wall = started.elapsed().as_secs_f64();
    for r in ran {
        done.insert(r.run as usize, r);
    }
    let mut rows: Vec<Row> = done.into_values().collect();
    rows.sort_by_key(|r| r.run);
    let complete = mine
        .iter()
        .all(|k| rows.binary_search_by_key(&(*k as u64), |r| r.run).is_ok());
    if !a.quiet {
        eprintln!(
            "ran {} runs in {wall:.2} s ({:.3} s a run on {} threads); {} of {} runs of the sweep finished",
            todo.len(),
            wall / todo.len().max(1) as f64,
            rayon::current_num_threads().min(a.jobs.unwrap_or(usize::MAX)),
            rows.len(),
            plan.len()
        );
    }
    if !complete {
        eprintln!(
            "stopped by --limit: {} runs of this {} still to run. Run the same command again to go on.",
            mine.len() - mine.iter().filter(|k| rows.binary_search_by_key(&(**k as u64), |r| r.run).is_ok()).count(),
            if shard.is_some() { "shard" } else { "sweep" }
        );
        return Ok(());
    }
    let ms = means::means(&rows);
    let written = write_tables(&sweep, &plan, &rows, &ms, &a.out, &shown)?;
    if !a.quiet {
        print!("{}", table(&sweep, &plan, &ms));
        eprintln!("tables in {}: {}", shown_path(&a.out), written.join(", "));
    }
    Ok(())
}

/// The runs already in the journals of `dir` that belong to this plan,
/// by their place in it (a run is known by its id, wherever it now stands).
fn finished(plan: &Plan, dir: &Path) -> Result<HashMap<usize, Row>, Fail> {
    let by_id: HashMap<String, usize> = (0..plan.len()).map(|k| (plan.job(k).id, k)).collect();
    let figures = row::figure_columns(&plan.figures).len();
    let mut done = HashMap::new();
    for r in journal::read_all(dir)? {
        let Some(&k) = by_id.get(&r.id) else { continue };
        if r.figures.len() != figures {
            continue;
        }
        let job = plan.job(k);
        done.insert(
            k,
            Row {
                run: job.run,
                variant: job.variant,
                params: job.params,
                ..r
            },
        );
    }
    Ok(done)
}

/// Runs `todo` in parallel, appending each row to the journal as it ends.
fn run_all(
    plan: &Plan,
    todo: &[usize],
    a: &SweepArgs,
    shard: Option<(usize, usize)>,
) -> Result<Vec<Row>, Fail> {
    if todo.is_empty() {
        return Ok(Vec::new());
    }
    let journal = Mutex::new(journal::Journal::open(&a.out, &journal::name(shard))?);
    let pb = (!a.quiet && fancy_stderr()).then(|| {
        let pb = ProgressBar::new(todo.len() as u64);
        let plain = std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty());
        let template = if plain {
            "{bar:40} {pos}/{len} runs, {eta} left"
        } else {
            "{bar:40.cyan/blue} {pos}/{len} runs, {eta} left"
        };
        pb.set_style(ProgressStyle::with_template(template).expect("template"));
        pb
    });
    let work = || {
        todo.par_iter()
            .map(|&k| {
                let job = plan.job(k);
                let row = job.run().map_err(|e| {
                    Fail::input(format!(
                        "run {k} ({}): {}",
                        job.id,
                        e.render(crate::run::flag)
                    ))
                })?;
                journal.lock().expect("journal").append(&row)?;
                if let Some(pb) = &pb {
                    pb.inc(1);
                }
                Ok(row)
            })
            .collect::<Result<Vec<Row>, Fail>>()
    };
    let rows = match a.jobs {
        Some(n) => rayon::ThreadPoolBuilder::new()
            .num_threads(n.max(1))
            .build()
            .map_err(|e| Fail::internal(format!("cannot start {n} threads: {e}")))?
            .install(work),
        None => work(),
    }?;
    if let Some(pb) = pb {
        pb.finish_and_clear();
    }
    Ok(rows)
}

fn write_tables(
    sweep: &Sweep,
    plan: &Plan,
    rows: &[Row],
    ms: &[means::MeanRow],
    dir: &Path,
    shown: &str,
) -> Result<Vec<&'static str>, Fail> {
    let columns = plan.columns();
    let mut csv = Vec::new();
    row::write_csv(&mut csv, &columns, rows).expect("writing to memory");
    let parquet = parquet::write(&columns, rows, plan.paths.len())
        .map_err(|e| Fail::internal(format!("writing runs.parquet failed: {e}")))?;
    let mut mcsv = Vec::new();
    means::write_csv(&mut mcsv, &means::columns(&plan.paths, &plan.figures), ms)
        .expect("writing to memory");
    let mut files: Vec<(&str, Vec<u8>)> = vec![
        ("runs.csv", csv),
        ("runs.parquet", parquet),
        ("means.csv", mcsv),
    ];
    if let Some((x, y)) = sweep.chart() {
        let figures = row::figure_columns(&plan.figures);
        let c = chart::Chart {
            caption: sweep.spec.title.as_deref().unwrap_or(shown),
            paths: &plan.paths,
            x: plan
                .paths
                .iter()
                .position(|p| p == x)
                .expect("a checked path"),
            y: (
                y,
                figures
                    .iter()
                    .position(|f| f == y)
                    .expect("a checked figure"),
            ),
            target: sweep.spec.chart.as_ref().and_then(|c| c.target),
        };
        if let Some(svg) = chart::svg(&c, ms)
            .map_err(|e| Fail::internal(format!("drawing chart.svg failed: {e}")))?
        {
            files.push(("chart.svg", svg.into_bytes()));
        }
    }
    let names = files.iter().map(|(n, _)| *n).collect();
    let mut out = Staging::begin(dir)?;
    for (name, bytes) in &files {
        let mut w = out.create(name)?;
        w.write_all(bytes)
            .and_then(|()| w.flush())
            .map_err(|e| out.failed(name, &e))?;
    }
    out.commit()?;
    Ok(names)
}

/// The means of the chart's figure (success by default), one line per
/// parameter set.
fn table(sweep: &Sweep, plan: &Plan, ms: &[means::MeanRow]) -> String {
    let y = sweep.chart().map_or("success", |(_, y)| y);
    let f = row::figure_columns(&plan.figures)
        .iter()
        .position(|c| c == y)
        .unwrap_or(3);
    let mut out = String::new();
    for m in ms {
        let mut set = vec![m.architecture.clone()];
        set.extend(m.scenario.clone());
        for (p, v) in plan.paths.iter().zip(&m.params) {
            if let Some(v) = v {
                set.push(format!("{p}={}", row::param(v)));
            }
        }
        // A share as a percentage to three decimals (four nines shows as
        // 99.990 %), anything else short.
        let shown = |x: f64| {
            if y == "success" {
                format!("{:.3} %", x * 100.0)
            } else {
                sim_core::error::compact(x)
            }
        };
        let figure = match m.figures[f] {
            Some((mean, low, high)) => {
                format!("{y} {} [{}, {}]", shown(mean), shown(low), shown(high))
            }
            None => format!("{y} -"),
        };
        out.push_str(&format!("{}  ({} runs)  {figure}\n", set.join(" "), m.runs));
    }
    out
}
