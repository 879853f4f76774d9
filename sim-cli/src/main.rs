//! `microsim`: simulate microservice architectures from the command line.
//!
//! A thin layer over sim-core: it reads files, parses flags, shows progress and
//! writes outputs. Every user mistake exits with code 2 and one paragraph.

mod archs;
mod availability;
mod bench;
mod charts;
mod fail;
mod judge;
mod output;
mod report;
mod run;
mod serve;
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
    /// List the architectures built into this binary.
    List,
    /// Steady-state availability of every service and entry point, what-ifs and a Monte Carlo check.
    Availability(availability::AvailabilityArgs),
    /// Judge baseline and canary samples as Kayenta does (Mann–Whitney per metric, score, verdict).
    Judge(judge::JudgeArgs),
    /// Serve the browser viewer, and stream native simulations to it over a WebSocket (/ws).
    Serve(serve::ServeArgs),
}

#[derive(clap::Args)]
struct SchemaArgs {
    /// The scenario file format (`run --scenario`) instead of the architecture format.
    #[arg(long, conflicts_with = "judge")]
    scenario: bool,
    /// The judgement file format (`microsim judge`).
    #[arg(long)]
    judge: bool,
}

fn main() {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Run(a) => run::run(&a),
        Command::Report(a) => report::report(a),
        Command::Validate(a) => run::validate(&a),
        Command::Schema(a) => {
            let schema = if a.scenario {
                sim_core::fault::scenario::scenario_schema()
            } else if a.judge {
                sim_core::canary::input::schema()
            } else {
                sim_core::arch_schema()
            };
            println!("{}", serde_json::to_string_pretty(&schema).expect("schema"));
            Ok(())
        }
        Command::Bench(a) => bench::bench(&a),
        Command::Availability(a) => availability::availability(&a),
        Command::Judge(a) => judge::judge(&a),
        Command::Serve(a) => serve::serve(&a),
        Command::List => {
            for (name, _) in archs::BUILT_IN {
                println!("{name}");
            }
            Ok(())
        }
    };
    if let Err(f) = result {
        f.exit();
    }
}
