//! `microsim lesson`: lessons as files (`sim_core::lesson`), listed, shown
//! and run. A run of a lesson runs its runs with one seed, side by side, and
//! checks each steady-state hypothesis against their summaries; a broken one
//! exits 1, so a lesson doubles as a test of its architectures in CI.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use rayon::prelude::*;
use serde_json::{json, Value};
use sim_core::lesson::{hypothesis, parse_lesson, Lesson};

use crate::archs;
use crate::fail::{shown_path, Fail};
use crate::run::{read_input, simulate, spec};

/// `microsim lesson` arguments.
#[derive(clap::Args)]
pub struct LessonArgs {
    #[command(subcommand)]
    command: LessonCommand,
}

#[derive(clap::Subcommand)]
enum LessonCommand {
    /// List the built-in lessons.
    List {
        /// As JSON: name, title, question and runs of each.
        #[arg(long)]
        json: bool,
    },
    /// Show a lesson: story, question, what to look for, runs and hypotheses.
    Show {
        /// A built-in lesson's name (`microsim lesson list`) or a lesson file.
        name: String,
        /// Show the answer too.
        #[arg(long)]
        answer: bool,
    },
    /// Run a lesson's runs side by side and check its hypotheses (exit 1 when one breaks).
    Run(RunLessonArgs),
}

/// `microsim lesson run` arguments.
#[derive(clap::Args)]
pub struct RunLessonArgs {
    /// A built-in lesson's name (`microsim lesson list`) or a lesson file
    /// (`microsim schema --lesson`).
    pub name: String,
    /// Seed of every run, instead of the lesson's.
    #[arg(long)]
    pub seed: Option<u64>,
    /// Print the runs' summaries and the hypotheses' outcomes as JSON.
    #[arg(long)]
    pub json: bool,
    /// Also write the lesson as one HTML page: story, question, the runs'
    /// table, each hypothesis held or broken, overlaid charts, the answer.
    #[arg(long, value_name = "FILE")]
    pub html: Option<PathBuf>,
}

/// Runs `microsim lesson`.
pub fn lesson(a: &LessonArgs) -> Result<(), Fail> {
    match &a.command {
        LessonCommand::List { json } => list(*json),
        LessonCommand::Show { name, answer } => {
            let l = load(name)?;
            print!("{}", show(&l.lesson, *answer));
            Ok(())
        }
        LessonCommand::Run(r) => run(r),
    }
}

/// A lesson read from a file or the built-ins.
struct Loaded {
    /// What messages call it.
    shown: String,
    /// The directory its own files are looked for in (none for a built-in).
    dir: Option<PathBuf>,
    lesson: Lesson,
}

fn load(name: &str) -> Result<Loaded, Fail> {
    let path = Path::new(name);
    let (shown, text, dir) = if path.exists() {
        let (shown, text) = read_input(path, "lesson", "architectures/lessons/zone-outage.json")?;
        let dir = path.parent().map(Path::to_path_buf);
        (shown, text, dir)
    } else if let Some(text) = archs::lesson(name) {
        (format!("lesson {name}"), text.to_string(), None)
    } else {
        return Err(Fail::input(format!(
            "no lesson {}: no such file, and no built-in lesson of that name. Fix: give a lesson file, or one of: {}.",
            shown_path(path),
            archs::lesson_names().join(", ")
        )));
    };
    let lesson = parse_lesson(&text).map_err(|e| Fail::input(e.render(&shown)))?;
    Ok(Loaded { shown, dir, lesson })
}

fn list(json: bool) -> Result<(), Fail> {
    let mut rows = Vec::new();
    for name in archs::lesson_names() {
        let l = load(&name)?.lesson;
        rows.push((name, l));
    }
    if json {
        let v: Vec<Value> = rows
            .iter()
            .map(|(name, l)| {
                json!({"name": name, "title": l.spec.title, "question": l.spec.question,
                       "runs": l.spec.runs})
            })
            .collect();
        println!(
            "{}",
            serde_json::to_string_pretty(&v).expect("list serializes")
        );
    } else {
        let width = rows.iter().map(|(n, _)| n.len()).max().unwrap_or(0);
        for (name, l) in &rows {
            println!("{name:<width$}  {}", l.spec.title);
        }
    }
    Ok(())
}

/// The lesson as a teacher reads it out.
fn show(l: &Lesson, answer: bool) -> String {
    let s = &l.spec;
    let mut out = format!("{}\n\n", s.title);
    for p in &s.story {
        let _ = writeln!(out, "{p}\n");
    }
    let _ = writeln!(out, "Question: {}\n", s.question);
    for p in &s.look_for {
        let _ = writeln!(out, "Look for: {p}");
    }
    let _ = writeln!(out, "\nRuns (seed {}):", l.options[0].seed);
    for r in &s.runs {
        let _ = writeln!(
            out,
            "  {}: microsim run {}{}",
            r.name,
            r.architecture,
            r.scenario
                .as_ref()
                .map(|sc| format!(" --scenario {sc}"))
                .unwrap_or_default()
        );
    }
    let _ = writeln!(out, "\nHypotheses:");
    for h in &s.hypotheses {
        let _ = writeln!(out, "  {}", h.title);
    }
    if answer {
        if let Some(a) = &s.answer {
            let _ = writeln!(out, "\nAnswer: {a}");
        }
    }
    out
}

/// Resolves an architecture or scenario a file names (a lesson's, a
/// sweep's): a file beside that file, else a built-in name. `shown` names
/// the naming file in messages, `what` says what it is ("lesson").
pub fn resolve(
    (shown, dir, what): (&str, Option<&Path>, &str),
    at: &str,
    name: &str,
    built_in: fn(&str) -> Option<&'static str>,
    names: fn() -> Vec<String>,
) -> Result<(String, String), Fail> {
    if let Some(dir) = dir {
        for candidate in [dir.join(name), dir.join(format!("{name}.json"))] {
            if candidate.is_file() {
                return read_input(&candidate, &format!("{what}'s"), "netflixoss.json");
            }
        }
    }
    let stem = name.strip_suffix(".json").unwrap_or(name);
    match built_in(stem) {
        Some(text) => Ok((format!("{stem}.json"), text.to_string())),
        None => Err(Fail::input(format!(
            "{shown}: at {at}: {} is neither a built-in name nor a file beside the {what}. Fix: use one of: {}.",
            sim_core::error::quoted(name),
            names().join(", ")
        ))),
    }
}

/// One run of a lesson, finished.
pub(crate) struct Ran {
    pub(crate) summary: Value,
    pub(crate) finished: crate::run::Finished,
}

fn run(a: &RunLessonArgs) -> Result<(), Fail> {
    let target = a
        .html
        .as_ref()
        .map(|p| crate::output::Target::check(p, "--html"))
        .transpose()?;
    let loaded = load(&a.name)?;
    let l = &loaded.lesson;
    let mut specs = Vec::with_capacity(l.spec.runs.len());
    for (i, r) in l.spec.runs.iter().enumerate() {
        let from = (loaded.shown.as_str(), loaded.dir.as_deref(), "lesson");
        let arch = resolve(
            from,
            &format!("runs[{i}].architecture"),
            &r.architecture,
            archs::built_in,
            archs::names,
        )?;
        let scenario = r
            .scenario
            .as_deref()
            .map(|s| {
                resolve(
                    from,
                    &format!("runs[{i}].scenario"),
                    s,
                    archs::scenario,
                    archs::scenario_names,
                )
            })
            .transpose()?;
        let mut options = l.options[i].clone();
        if let Some(seed) = a.seed {
            options.seed = seed;
        }
        let s = spec(
            (&arch.0, &arch.1),
            scenario.as_ref().map(|(n, t)| (n.as_str(), t.as_str())),
            options,
        )
        .map_err(|f| Fail::input(format!("{}: run {}: {}", loaded.shown, r.name, f.message)))?;
        specs.push(s);
    }
    if !a.json {
        eprintln!(
            "running {} run{} of {} …",
            specs.len(),
            if specs.len() == 1 { "" } else { "s" },
            l.spec.title
        );
    }
    // Runs are independent and each deterministic: in parallel, same figures.
    let ran: Vec<Ran> = specs
        .into_par_iter()
        .map(|s| {
            let (f, _) = simulate(s, true, None)?;
            let summary = sim_core::Summary::of(&f.sim).to_json();
            let summary = serde_json::from_str(&summary)
                .map_err(|e| Fail::internal(format!("summary does not parse: {e}")))?;
            Ok(Ran {
                summary,
                finished: f,
            })
        })
        .collect::<Result<_, Fail>>()?;
    let summary_of = |name: &str| {
        let i = l.spec.runs.iter().position(|r| r.name == name).unwrap_or(0);
        &ran[i].summary
    };
    let mut outcomes = Vec::with_capacity(l.spec.hypotheses.len());
    for (i, h) in l.spec.hypotheses.iter().enumerate() {
        let o = hypothesis::evaluate(h, summary_of).map_err(|e| {
            Fail::input(format!(
                "{}: at hypotheses[{i}]: {e}. Fix: name a figure the run's summary has (microsim run … --json shows them).",
                loaded.shown
            ))
        })?;
        outcomes.push(o);
    }
    let held = outcomes.iter().all(|o| o.held);
    if a.json {
        let runs: Vec<Value> = l
            .spec
            .runs
            .iter()
            .zip(&ran)
            .map(|(r, x)| {
                json!({"name": r.name, "architecture": r.architecture,
                                 "scenario": r.scenario, "summary": x.summary})
            })
            .collect();
        let hyps: Vec<Value> = l
            .spec
            .hypotheses
            .iter()
            .zip(&outcomes)
            .map(|(h, o)| {
                json!({"title": h.title, "run": h.run, "metric": h.metric,
                       "observed": o.observed, "expected": o.expected, "held": o.held,
                       "text": hypothesis::describe(h, o)})
            })
            .collect();
        let v = json!({"lesson": a.name, "title": l.spec.title, "runs": runs,
                       "hypotheses": hyps, "held": held});
        println!("{}", serde_json::to_string_pretty(&v).expect("serializes"));
    } else {
        print!("{}", table(l, &ran, &outcomes));
    }
    if let Some(t) = target {
        let page = crate::lesson_page::page(l, &ran, &figures(l, &ran), &outcomes)?;
        t.write("--html", page.as_bytes())?;
        if !a.json {
            println!("wrote {}", t.shown());
        }
    }
    if held {
        Ok(())
    } else {
        Err(Fail {
            code: 1,
            message: format!(
                "{}: {} of {} hypotheses broken.",
                loaded.shown,
                outcomes.iter().filter(|o| !o.held).count(),
                outcomes.len()
            ),
        })
    }
}

/// The rows every lesson shows, then the figures its hypotheses name.
const ROWS: [(&str, &str); 5] = [
    ("requests", "end_to_end.requests"),
    ("success", "end_to_end.success"),
    ("failed", "end_to_end.failed"),
    ("p50 latency ms", "end_to_end.latency_ms.p50"),
    ("p99 latency ms", "end_to_end.latency_ms.p99"),
];

/// The figures a lesson's runs are compared by: [`ROWS`], then those its
/// hypotheses name; each with its value in every run (the text table and
/// the HTML page show the same).
pub(crate) fn figures(l: &Lesson, ran: &[Ran]) -> Vec<(String, Vec<String>)> {
    let mut rows: Vec<(String, String)> = ROWS
        .iter()
        .map(|(a, b)| (a.to_string(), b.to_string()))
        .collect();
    for h in &l.spec.hypotheses {
        if !rows.iter().any(|(_, m)| *m == h.metric) {
            rows.push((h.metric.clone(), h.metric.clone()));
        }
    }
    rows.into_iter()
        .map(|(name, path)| {
            let cells = ran
                .iter()
                .map(|x| match hypothesis::metric(&x.summary, &path) {
                    Ok(v) if path.ends_with("success") => format!("{:.3} %", v * 100.0),
                    Ok(v) => hypothesis::figure(v),
                    Err(_) => "-".into(),
                })
                .collect();
            (name, cells)
        })
        .collect()
}

fn table(l: &Lesson, ran: &[Ran], outcomes: &[hypothesis::Outcome]) -> String {
    let s = &l.spec;
    let rows = figures(l, ran);
    let label = rows.iter().map(|(l, _)| l.len()).max().unwrap_or(0).max(12);
    let width = s
        .runs
        .iter()
        .flat_map(|r| {
            [
                r.name.len(),
                r.architecture.len(),
                r.scenario.as_deref().unwrap_or("-").len(),
            ]
        })
        .max()
        .unwrap_or(0)
        .max(12);
    let mut out = format!("{}\n\n", s.title);
    let line = |out: &mut String, name: &str, cells: Vec<String>| {
        let _ = write!(out, "{name:<label$}");
        for c in cells {
            let _ = write!(out, "  {c:>width$}");
        }
        out.push('\n');
    };
    line(
        &mut out,
        "",
        s.runs.iter().map(|r| r.name.clone()).collect(),
    );
    line(
        &mut out,
        "architecture",
        s.runs.iter().map(|r| r.architecture.clone()).collect(),
    );
    line(
        &mut out,
        "scenario",
        s.runs
            .iter()
            .map(|r| r.scenario.clone().unwrap_or_else(|| "-".into()))
            .collect(),
    );
    for (name, cells) in rows {
        line(&mut out, &name, cells);
    }
    let _ = writeln!(out, "\nSteady-state hypotheses:");
    for (h, o) in s.hypotheses.iter().zip(outcomes) {
        let _ = writeln!(
            out,
            "  {:<7} {}: {}",
            if o.held { "held" } else { "BROKEN" },
            h.title,
            hypothesis::describe(h, o)
        );
    }
    let _ = writeln!(
        out,
        "{} of {} held.",
        outcomes.iter().filter(|o| o.held).count(),
        outcomes.len()
    );
    if let Some(a) = &s.answer {
        let _ = writeln!(out, "\nAnswer: {a}");
    }
    out
}
