//! `microsim judge FILE`: Kayenta's judgement of baseline and canary samples
//! given in a file (`sim_core::canary::input`), as a table or as JSON.

use std::fmt::Write as _;
use std::path::PathBuf;

use sim_core::canary::input::judge_json;
use sim_core::canary::{Class, Judgement};

use crate::fail::Fail;

/// `microsim judge` arguments.
#[derive(clap::Args)]
pub struct JudgeArgs {
    /// A judgement file: {"metrics": [{"name", "baseline": [...], "canary": [...]}]}
    /// (`microsim schema --judge`; example: architectures/judgements/defect.json).
    pub file: PathBuf,
    /// Print the judgement as JSON (score, verdict, and per metric U, p-value, shift, interval).
    #[arg(long)]
    pub json: bool,
}

/// Runs `microsim judge`.
pub fn judge(a: &JudgeArgs) -> Result<(), Fail> {
    let (name, text) =
        crate::run::read_input(&a.file, "judgement", "architectures/judgements/defect.json")?;
    let j = judge_json(&text).map_err(|e| Fail::input(e.render(&name)))?;
    if a.json {
        println!(
            "{}",
            serde_json::to_string_pretty(&j).expect("judgement serializes")
        );
    } else {
        print!("{}", table(&j));
    }
    Ok(())
}

fn figure(x: Option<f64>) -> String {
    x.map_or_else(|| "-".into(), |v| format!("{v:.4}"))
}

/// The judgement as a table a person reads.
pub fn table(j: &Judgement) -> String {
    let mut s = String::new();
    let _ = writeln!(
        s,
        "{:<20} {:>7} {:>10} {:>10} {:>10} {:>10}  shift interval",
        "metric", "class", "baseline", "canary", "p-value", "shift"
    );
    for m in &j.metrics {
        let class = match m.class {
            Class::Pass => "pass",
            Class::High => "HIGH",
            Class::Low => "LOW",
            Class::Nodata => "nodata",
        };
        let interval = m
            .shift_interval
            .map_or_else(|| "-".into(), |[l, h]| format!("[{l:.4}, {h:.4}]"));
        let _ = writeln!(
            s,
            "{:<20} {:>7} {:>10} {:>10} {:>10} {:>10}  {interval}",
            m.name,
            class,
            figure(m.baseline_mean),
            figure(m.canary_mean),
            m.p_value.map_or_else(
                || "-".into(),
                |p| if p >= 1e-3 {
                    format!("{p:.3}")
                } else {
                    format!("{p:.1e}")
                }
            ),
            figure(m.shift),
        );
    }
    let verdict = match j.verdict {
        sim_core::canary::Verdict::Pass => "pass",
        sim_core::canary::Verdict::Marginal => "marginal",
        sim_core::canary::Verdict::Fail => "FAIL",
    };
    let _ = writeln!(s, "score {:.1} → {verdict}", j.score);
    s
}
