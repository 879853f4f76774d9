//! `microsim`: simulate microservice architectures from the command line.
//!
//! A thin layer over sim-core: it reads files, parses flags, shows progress and
//! writes outputs. Every user mistake exits with code 2 and one paragraph.

mod archs;
mod availability;
mod bench;
mod charts;
mod compare;
mod fail;
mod import;
mod judge;
mod lesson;
mod lesson_page;
mod output;
mod report;
mod run;
mod serve;
mod sweep;
mod table;

use clap::{Parser, Subcommand};

/// Simulate microservice architectures: traffic, latency and failures in virtual time.
#[derive(Parser)]
#[command(name = "microsim", version, about, long_about = None, propagate_version = true)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Run a simulation, print a summary table and write every output (see README) to --out.
    Run(run::RunArgs),
    /// Run a simulation and write one self-contained HTML page with its charts.
    Report(report::ReportArgs),
    /// Check architecture files without running them.
    Validate(run::ValidateArgs),
    /// Print the JSON Schema of the architecture format, or of the scenario format (for editors).
    Schema(SchemaArgs),
    /// Measure events per second and peak memory at several scales.
    Bench(bench::BenchArgs),
    /// List the architectures (or, with --scenarios, the scenarios) built into this binary.
    List(ListArgs),
    /// Steady-state availability of every service and entry point, what-ifs and a Monte Carlo check.
    Availability(availability::AvailabilityArgs),
    /// Run two architectures (or one under two scenarios) with the same seed, side by side.
    Compare(compare::CompareArgs),
    /// Lessons: list them, show one, or run one's runs side by side and check its hypotheses.
    Lesson(lesson::LessonArgs),
    /// Run a sweep: architectures × scenarios × overrides × seeds, on every core, resumable; rows as CSV and Parquet, means with 95 % intervals.
    Sweep(sweep::SweepArgs),
    /// Judge baseline and canary samples as Kayenta does (Mann–Whitney per metric, score, verdict).
    Judge(judge::JudgeArgs),
    /// Import an architecture from docker-compose, Kubernetes and Istio files, or from traces.
    Import(import::ImportArgs),
    /// Serve the browser viewer, and stream native simulations to it over a WebSocket (/ws).
    Serve(serve::ServeArgs),
}

/// Prints clap's message and exits with its code (2 for a bad command line).
/// clap quotes a refused value whole, as it was typed: a word longer than
/// [`WORD_MAX`] characters is cut after its start with its length (a megabyte
/// pasted into a flag gives a line, not a megabyte), a line still longer than
/// [`LINE_MAX`] is cut in the middle, and control characters are escaped.
/// Help, version and ordinary messages go out as clap writes them.
fn clap_exit(e: &clap::Error) -> ! {
    const WORD_MAX: usize = 100;
    const LINE_MAX: usize = 1000;
    let plain = e.render().to_string();
    let long = |l: &str| l.chars().count() > WORD_MAX;
    let unsafe_line =
        |l: &str| l.split(' ').any(long) || l.chars().any(sim_core::error::breaks_text);
    if !e.use_stderr() || !plain.split('\n').any(unsafe_line) {
        e.exit()
    }
    let lines: Vec<String> = plain
        .split('\n')
        .map(|line| {
            let words: Vec<String> = line
                .split(' ')
                .map(|w| {
                    if long(w) {
                        let head: String = w.chars().take(40).collect();
                        format!("{head}… ({} characters)", w.chars().count())
                    } else {
                        w.to_string()
                    }
                })
                .collect();
            let line = words.join(" ");
            if line.chars().count() > LINE_MAX {
                sim_core::error::shown(&line)
            } else {
                sim_core::error::escaped(&line)
            }
        })
        .collect();
    eprint!("{}", lines.join("\n"));
    std::process::exit(e.exit_code())
}

#[derive(clap::Args)]
struct ListArgs {
    /// The built-in scenarios (for `run --scenario NAME`) instead of the architectures.
    #[arg(long, conflicts_with = "sweeps")]
    scenarios: bool,
    /// The built-in sweeps (for `microsim sweep NAME`).
    #[arg(long)]
    sweeps: bool,
}

#[derive(clap::Args)]
struct SchemaArgs {
    /// The scenario file format (`run --scenario`) instead of the architecture format.
    #[arg(long, conflicts_with_all = ["judge", "lesson", "sweep"])]
    scenario: bool,
    /// The judgement file format (`microsim judge`).
    #[arg(long, conflicts_with_all = ["lesson", "sweep"])]
    judge: bool,
    /// The lesson file format (`microsim lesson`).
    #[arg(long, conflicts_with = "sweep")]
    lesson: bool,
    /// The sweep file format (`microsim sweep`).
    #[arg(long)]
    sweep: bool,
}

fn main() {
    let cli = Cli::try_parse().unwrap_or_else(|e| clap_exit(&e));
    let result = match cli.command {
        Command::Run(a) => run::run(&a),
        Command::Report(a) => report::report(a),
        Command::Validate(a) => run::validate(&a),
        Command::Schema(a) => {
            let schema = if a.scenario {
                sim_core::fault::scenario::scenario_schema()
            } else if a.judge {
                sim_core::canary::input::schema()
            } else if a.lesson {
                sim_core::lesson::schema()
            } else if a.sweep {
                sim_core::sweep::schema()
            } else {
                sim_core::arch_schema()
            };
            println!("{}", serde_json::to_string_pretty(&schema).expect("schema"));
            Ok(())
        }
        Command::Bench(a) => bench::bench(&a),
        Command::Availability(a) => availability::availability(&a),
        Command::Judge(a) => judge::judge(&a),
        Command::Lesson(a) => lesson::lesson(&a),
        Command::Compare(a) => compare::compare(&a),
        Command::Sweep(a) => sweep::sweep(&a),
        Command::Serve(a) => serve::serve(&a),
        Command::Import(a) => import::import(a),
        Command::List(a) => {
            let names = if a.scenarios {
                archs::scenario_names()
            } else if a.sweeps {
                archs::sweep_names()
            } else {
                archs::names()
            };
            for name in names {
                println!("{name}");
            }
            Ok(())
        }
    };
    if let Err(f) = result {
        f.exit();
    }
}
